// The frequency-response graph: log Hz × dB on a HiDPI canvas, and the same curves as SVG.
// Curves share the server's grid, so everything here is pointwise arithmetic on Float64Arrays
// that are allocated once per curve set; a redraw only walks them.
import { bandsResponse, hasGain } from './eq.js';

const F_MIN = 20, F_MAX = 20000;
const L_MIN = Math.log10(F_MIN), L_SPAN = Math.log10(F_MAX) - L_MIN;
const GRID_HZ = [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000];
const MINOR_HZ = [30, 40, 60, 70, 80, 90, 300, 400, 600, 700, 800, 900, 3000, 4000, 6000, 7000, 8000, 9000];
const M = { l: 40, r: 12, t: 10, b: 24 }; // plot margins, CSS px
const THEME = {
  bg: '#15181d', plot: '#1b1f26', grid: '#2c323b', minor: '#22272f', zero: '#4a525e', text: '#9aa5b4',
  target: '#b8c0cc', eq: '#ffd54f', eqd: '#ff5c93', handle: '#ffd54f',
};
export const EQ_COLOUR = THEME.eq;
export const EQD_COLOUR = THEME.eqd;

const fmtHz = (f) => (f >= 1000 ? (f / 1000) + 'k' : String(f));

/** Lighter shade of a #rrggbb colour (the right channel). */
function shade(hex, k = 0.45) {
  const n = parseInt(hex.slice(1), 16);
  const mix = (c) => Math.round(c + (255 - c) * k);
  return `rgb(${mix(n >> 16)},${mix((n >> 8) & 255)},${mix(n & 255)})`;
}

/** Value of `a` at frequency `hz` on `grid` (log interpolation; nearest data when NaN). */
function valueAt(grid, a, hz) {
  let i = 0;
  while (i < grid.length - 1 && grid[i + 1] < hz) i++;
  const j = Math.min(i + 1, grid.length - 1);
  if (Number.isFinite(a[i]) && Number.isFinite(a[j]) && j > i) {
    const t = (Math.log(hz) - Math.log(grid[i])) / (Math.log(grid[j]) - Math.log(grid[i]));
    return a[i] + (a[j] - a[i]) * Math.min(1, Math.max(0, t));
  }
  for (let d = 0; d < grid.length; d++) {
    if (Number.isFinite(a[i - d])) return a[i - d];
    if (Number.isFinite(a[j + d])) return a[j + d];
  }
  return 0;
}

function meanOf(l, r, out) {
  for (let i = 0; i < l.length; i++) {
    const a = l[i], b = r ? r[i] : NaN;
    out[i] = Number.isFinite(a) ? (Number.isFinite(b) ? (a + b) / 2 : a) : b;
  }
  return out;
}

export class Graph {
  constructor(canvas, S) {
    this.c = canvas;
    this.ctx = canvas.getContext('2d');
    this.S = S;
    this.n = S.grid.length;
    this.lastMs = 0;
    this.count = 0;
    this.dirtyData = true;
    this.pending = false;
    this.selected = -1;     // the selected band (index in the shown set)
    this.hover = -1;
    this.lines = [];        // [{colour, width, dash, label, legend, data}]
    this.pool = [];         // Float64Array buffers for lines, reused
    this.eqBuf = [new Float64Array(this.n), new Float64Array(this.n)];
    this.eqdBuf = [new Float64Array(this.n), new Float64Array(this.n), new Float64Array(this.n)];
    this.baseBuf = new Float64Array(this.n);
    this.meanBuf = new Float64Array(this.n);
    this.xs = new Float64Array(this.n);
    this.top = 15; this.bottom = -25;
    this.w = 0; this.h = 0;
    const wrap = canvas.parentElement;
    new ResizeObserver(() => this.resize()).observe(wrap);
    matchMedia(`(resolution: ${devicePixelRatio}dppx)`).addEventListener?.('change', () => this.resize());
    this.resize();
  }

  resize() {
    const r = this.c.parentElement.getBoundingClientRect();
    const w = Math.max(300, Math.floor(r.width)), h = Math.max(200, Math.floor(r.height));
    const dpr = window.devicePixelRatio || 1;
    this.c.style.width = w + 'px';
    this.c.style.height = h + 'px';
    this.c.width = Math.round(w * dpr);
    this.c.height = Math.round(h * dpr);
    this.dpr = dpr;
    this.w = w; this.h = h;
    this.pw = w - M.l - M.r;
    this.ph = h - M.t - M.b;
    const g = this.S.grid;
    for (let i = 0; i < this.n; i++) this.xs[i] = this.hzToX(g[i]);
    this.invalidate('resize');
  }

  // --- coordinates (CSS px) ---
  hzToX(f) { return M.l + (Math.log10(f) - L_MIN) / L_SPAN * this.pw; }
  xToHz(x) { return 10 ** (L_MIN + (x - M.l) / this.pw * L_SPAN); }
  dbToY(d) { return M.t + (this.top - d) / (this.top - this.bottom) * this.ph; }
  yToDb(y) { return this.top - (y - M.t) / this.ph * (this.top - this.bottom); }
  inPlot(x, y) { return x >= M.l && x <= M.l + this.pw && y >= M.t && y <= M.t + this.ph; }

  invalidate(what) {
    if (what !== 'eq') this.dirtyData = true;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.frame(); });
  }

  /** The bands the handles show: the edited slot's left set, or the chosen side per channel. */
  shownBands() {
    const p = this.S.profiles[this.S.slot];
    if (!p) return [];
    const side = p.per_channel ? this.S.side : 'left';
    return (p[side] && p[side].bands) || [];
  }

  normOffset(a) {
    const v = this.S.view;
    if (v.normMode === 'avg') {
      let s = 0, k = 0;
      const g = this.S.grid;
      for (let i = 0; i < this.n; i++) if (g[i] >= 300 && g[i] <= 3000 && Number.isFinite(a[i])) { s += a[i]; k++; }
      return k ? -s / k : 0;
    }
    return -valueAt(this.S.grid, a, v.normHz);
  }

  buf(k) {
    while (this.pool.length <= k) this.pool.push(new Float64Array(this.n));
    return this.pool[k];
  }

  /** Rebuilds the line list from the curves, the target, normalisation and baseline. */
  prepare() {
    const S = this.S, v = S.view, n = this.n;
    const lines = [];
    let k = 0;
    // Baseline (normalised mean of the chosen curve), subtracted from everything.
    let base = null;
    if (v.baseline === 'target' && S.target) {
      const off = this.normOffset(S.target.db);
      for (let i = 0; i < n; i++) this.baseBuf[i] = S.target.db[i] + off;
      base = this.baseBuf;
    } else if (v.baseline.startsWith('iem:')) {
      const c = S.iems.find((x) => 'iem:' + x.name === v.baseline);
      if (c) {
        meanOf(c.left, c.right, this.baseBuf);
        const off = this.normOffset(this.baseBuf);
        for (let i = 0; i < n; i++) this.baseBuf[i] += off;
        base = this.baseBuf;
      }
    }
    this.base = base;
    const put = (src, off, colour, width, dash, label, legend) => {
      const d = this.buf(k++);
      for (let i = 0; i < n; i++) d[i] = src[i] + off - (base ? base[i] : 0);
      lines.push({ colour, width, dash, label, legend, data: d });
    };
    if (v.showTarget && S.target) {
      put(S.target.db, this.normOffset(S.target.db), THEME.target, 1.5, [6, 4], S.target.label, true);
    }
    const order = [...S.iems.filter((c) => !c.mine), ...S.iems.filter((c) => c.mine)]; // mine on top
    for (const c of order) {
      if (!c.visible) continue;
      const m = meanOf(c.left, c.right, this.meanBuf);
      const off = this.normOffset(m);
      const w = c.mine ? 2.2 : 1.6;
      if (v.channels === 'lr' && c.right) {
        put(c.left, off, c.colour, w, null, c.name + ' L', true);
        put(c.right, off, shade(c.colour), w, null, c.name + ' R', true);
      } else {
        put(m, off, c.colour, w, null, c.name, true);
      }
    }
    this.lines = lines;
    this.poolUsed = k;
    // y range
    if (v.yrange === 'auto') {
      let lo = Infinity, hi = -Infinity;
      for (const l of lines) for (let i = 0; i < n; i++) { const x = l.data[i]; if (x < lo) lo = x; if (x > hi) hi = x; }
      if (!Number.isFinite(lo)) { lo = -10; hi = 10; }
      if (base) {
        const m = Math.max(10, Math.ceil((Math.max(-lo, hi) + 2) / 5) * 5);
        this.top = m; this.bottom = -m;
      } else {
        this.top = Math.max(10, Math.ceil((hi + 3) / 5) * 5);
        this.bottom = Math.max(this.top - 70, Math.min(this.top - 30, Math.floor((lo - 3) / 5) * 5));
      }
    } else {
      const span = +v.yrange;
      if (base) { this.top = span / 2; this.bottom = -span / 2; }
      else { this.top = Math.round(span / 3 / 5) * 5; this.bottom = this.top - span; }
    }
  }

  /** The EQ response of the edited slot and the equalised "mine"; appended after the curves. */
  prepareEq() {
    const S = this.S, n = this.n;
    this.eqLines = [];
    const p = S.profiles[S.slot];
    if (!p || !S.view.showEq) return;
    const [eqL, eqR] = this.eqBuf;
    bandsResponse(p.left, S.grid, S.rate, eqL);
    if (p.per_channel) bandsResponse(p.right, S.grid, S.rate, eqR);
    const shownEq = p.per_channel && S.side === 'right' ? eqR : eqL;
    const label = `EQ ${'ABCD'[S.slot]}` + (p.per_channel ? ` (${S.side === 'right' ? 'R' : 'L'})` : '');
    this.eqLines.push({ colour: THEME.eq, width: 1.5, dash: null, label, legend: true, data: shownEq, raw: true });
    const m = S.iems.find((c) => c.mine);
    const flat = !p.left.bands.length && !p.left.gain_db && (!p.per_channel || (!p.right.bands.length && !p.right.gain_db));
    if (!m || !m.visible || flat) return; // mine + a flat EQ would hide mine
    const base = this.base;
    const [a, b, mean] = this.eqdBuf;
    const rightEq = p.per_channel ? eqR : eqL;
    for (let i = 0; i < n; i++) {
      a[i] = m.left[i] + eqL[i];
      b[i] = m.right ? m.right[i] + rightEq[i] : NaN;
    }
    meanOf(a, m.right ? b : null, mean);
    const off = this.normOffset(mean);
    const fix = (arr) => { for (let i = 0; i < n; i++) arr[i] += off - (base ? base[i] : 0); return arr; };
    if (S.view.channels === 'lr' && m.right) {
      fix(a); fix(b);
      this.eqLines.push({ colour: THEME.eqd, width: 2.2, dash: null, label: m.name + ' + EQ L', legend: true, data: a });
      this.eqLines.push({ colour: shade(THEME.eqd), width: 2.2, dash: null, label: m.name + ' + EQ R', legend: true, data: b });
    } else {
      this.eqLines.push({ colour: THEME.eqd, width: 2.2, dash: null, label: m.name + ' + EQ', legend: true, data: fix(mean) });
    }
  }

  frame() {
    const t0 = performance.now();
    if (this.dirtyData) { this.prepare(); this.dirtyData = false; }
    this.prepareEq();
    this.draw();
    this.lastMs = performance.now() - t0;
    this.count++;
  }

  allLines() { return this.lines.concat(this.eqLines || []); }

  draw() {
    const ctx = this.ctx, w = this.w, h = this.h, n = this.n, xs = this.xs;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = THEME.bg;
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = THEME.plot;
    ctx.fillRect(M.l, M.t, this.pw, this.ph);
    // grid
    ctx.lineWidth = 1;
    ctx.strokeStyle = THEME.minor;
    ctx.beginPath();
    for (const f of MINOR_HZ) { const x = Math.round(this.hzToX(f)) + 0.5; ctx.moveTo(x, M.t); ctx.lineTo(x, M.t + this.ph); }
    ctx.stroke();
    ctx.strokeStyle = THEME.grid;
    ctx.beginPath();
    for (const f of GRID_HZ) { const x = Math.round(this.hzToX(f)) + 0.5; ctx.moveTo(x, M.t); ctx.lineTo(x, M.t + this.ph); }
    const step = this.dbStep();
    for (let d = Math.ceil(this.bottom / step) * step; d <= this.top; d += step) {
      if (d === 0) continue;
      const y = Math.round(this.dbToY(d)) + 0.5; ctx.moveTo(M.l, y); ctx.lineTo(M.l + this.pw, y);
    }
    ctx.stroke();
    ctx.strokeStyle = THEME.zero;
    ctx.beginPath();
    const y0 = Math.round(this.dbToY(0)) + 0.5;
    ctx.moveTo(M.l, y0); ctx.lineTo(M.l + this.pw, y0);
    ctx.stroke();
    // labels
    ctx.fillStyle = THEME.text;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const f of GRID_HZ) ctx.fillText(fmtHz(f), this.hzToX(f), M.t + this.ph + 6);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let d = Math.ceil(this.bottom / step) * step; d <= this.top; d += step) ctx.fillText((d > 0 ? '+' : '') + d, M.l - 6, this.dbToY(d));
    // curves, clipped to the plot
    ctx.save();
    ctx.beginPath();
    ctx.rect(M.l, M.t, this.pw, this.ph);
    ctx.clip();
    ctx.lineJoin = 'round';
    const ky = this.ph / (this.top - this.bottom), top = this.top;
    for (const l of this.allLines()) {
      const d = l.data;
      ctx.strokeStyle = l.colour;
      ctx.lineWidth = l.width;
      ctx.setLineDash(l.dash || []);
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < n; i++) {
        const v = d[i];
        if (v !== v) { pen = false; continue; } // NaN: a gap
        const y = M.t + (top - v) * ky;
        if (pen) ctx.lineTo(xs[i], y); else { ctx.moveTo(xs[i], y); pen = true; }
      }
      ctx.stroke();
    }
    ctx.setLineDash([]);
    this.drawHandles(ctx);
    ctx.restore();
    this.drawLegend(ctx);
    if (!this.S.iems.length && !this.S.target) {
      ctx.fillStyle = THEME.text;
      ctx.textAlign = 'center';
      ctx.font = '14px system-ui, sans-serif';
      ctx.fillText('Search the database above to add your IEM', M.l + this.pw / 2, M.t + this.ph / 2);
    }
  }

  dbStep() {
    const span = this.top - this.bottom;
    return span > 50 ? 10 : span > 20 ? 5 : 2;
  }

  /** Handle positions of the shown bands, in CSS px. */
  handlePos(i) {
    const b = this.shownBands()[i];
    if (!b) return null;
    return { x: this.hzToX(b.freq_hz), y: this.dbToY(hasGain(b.type) ? b.gain_db : 0) };
  }

  hit(x, y) {
    const bands = this.shownBands();
    let best = -1, bd = 13 * 13;
    for (let i = 0; i < bands.length; i++) {
      const p = this.handlePos(i);
      const d = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (d <= bd) { bd = d; best = i; }
    }
    return best;
  }

  drawHandles(ctx) {
    if (!this.S.view.showEq || !this.S.profiles[this.S.slot]) return;
    const bands = this.shownBands();
    ctx.font = 'bold 10px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let i = 0; i < bands.length; i++) {
      const p = this.handlePos(i);
      const sel = i === this.selected, hov = i === this.hover;
      ctx.beginPath();
      ctx.arc(p.x, p.y, sel ? 10 : 8.5, 0, Math.PI * 2);
      ctx.fillStyle = sel ? THEME.handle : 'rgba(27,31,38,0.9)';
      ctx.fill();
      ctx.lineWidth = hov || sel ? 2 : 1.5;
      ctx.strokeStyle = THEME.handle;
      ctx.stroke();
      ctx.fillStyle = sel ? '#15181d' : THEME.handle;
      ctx.fillText(String(i + 1), p.x, p.y + 0.5);
    }
  }

  legendItems() {
    return this.allLines().filter((l) => l.legend);
  }

  drawLegend(ctx) {
    const items = this.legendItems();
    if (!items.length) return;
    ctx.font = '12px system-ui, sans-serif';
    let wmax = 0;
    for (const l of items) wmax = Math.max(wmax, ctx.measureText(l.label).width);
    const bw = wmax + 40, bh = items.length * 17 + 8;
    const x0 = M.l + 8, y0 = M.t + this.ph - bh - 8;
    ctx.fillStyle = 'rgba(21,24,29,0.82)';
    ctx.fillRect(x0, y0, bw, bh);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    items.forEach((l, i) => {
      const y = y0 + 12 + i * 17;
      ctx.strokeStyle = l.colour;
      ctx.lineWidth = 2.5;
      ctx.setLineDash(l.dash || []);
      ctx.beginPath(); ctx.moveTo(x0 + 8, y); ctx.lineTo(x0 + 28, y); ctx.stroke();
      ctx.fillStyle = '#d6dde6';
      ctx.fillText(l.label, x0 + 34, y);
    });
    ctx.setLineDash([]);
  }

  // --- downloads ---
  fileBase() {
    const m = this.S.iems.find((c) => c.mine);
    return 'iemlab-' + (m ? m.name.replace(/[^\w.-]+/g, '_') : 'graph');
  }

  downloadPng() {
    this.frame();
    this.c.toBlob((b) => saveBlob(b, this.fileBase() + '.png'), 'image/png');
  }

  svgString() {
    const w = this.w, h = this.h, n = this.n, xs = this.xs;
    const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
    const o = [];
    o.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="system-ui, sans-serif">`);
    o.push(`<rect width="${w}" height="${h}" fill="${THEME.bg}"/><rect x="${M.l}" y="${M.t}" width="${this.pw}" height="${this.ph}" fill="${THEME.plot}"/>`);
    let g = '';
    for (const f of GRID_HZ) { const x = this.hzToX(f).toFixed(1); g += `M${x} ${M.t}V${M.t + this.ph}`; }
    const step = this.dbStep();
    for (let d = Math.ceil(this.bottom / step) * step; d <= this.top; d += step) { const y = this.dbToY(d).toFixed(1); g += `M${M.l} ${y}H${M.l + this.pw}`; }
    o.push(`<path d="${g}" stroke="${THEME.grid}" fill="none"/>`);
    o.push(`<g fill="${THEME.text}" font-size="11" text-anchor="middle">`);
    for (const f of GRID_HZ) o.push(`<text x="${this.hzToX(f).toFixed(1)}" y="${M.t + this.ph + 16}">${fmtHz(f)}</text>`);
    o.push('</g><g fill="' + THEME.text + '" font-size="11" text-anchor="end">');
    for (let d = Math.ceil(this.bottom / step) * step; d <= this.top; d += step) o.push(`<text x="${M.l - 6}" y="${(this.dbToY(d) + 4).toFixed(1)}">${(d > 0 ? '+' : '') + d}</text>`);
    o.push(`</g><clipPath id="plot"><rect x="${M.l}" y="${M.t}" width="${this.pw}" height="${this.ph}"/></clipPath><g clip-path="url(#plot)" fill="none" stroke-linejoin="round">`);
    for (const l of this.allLines()) {
      let d = '', pen = false;
      for (let i = 0; i < n; i++) {
        const v = l.data[i];
        if (v !== v) { pen = false; continue; }
        d += (pen ? 'L' : 'M') + xs[i].toFixed(1) + ' ' + this.dbToY(v).toFixed(1);
        pen = true;
      }
      o.push(`<path d="${d}" stroke="${l.colour}" stroke-width="${l.width}"${l.dash ? ` stroke-dasharray="${l.dash.join(' ')}"` : ''}><title>${esc(l.label)}</title></path>`);
    }
    o.push('</g>');
    const items = this.legendItems();
    if (items.length) {
      const bw = 40 + 7 * Math.max(...items.map((l) => l.label.length)), bh = items.length * 17 + 8;
      const x0 = M.l + 8, y0 = M.t + this.ph - bh - 8;
      o.push(`<rect x="${x0}" y="${y0}" width="${bw}" height="${bh}" fill="${THEME.bg}" fill-opacity="0.82"/>`);
      items.forEach((l, i) => {
        const y = y0 + 12 + i * 17;
        o.push(`<path d="M${x0 + 8} ${y}H${x0 + 28}" stroke="${l.colour}" stroke-width="2.5"${l.dash ? ` stroke-dasharray="${l.dash.join(' ')}"` : ''}/>`);
        o.push(`<text x="${x0 + 34}" y="${y + 4}" font-size="12" fill="#d6dde6">${esc(l.label)}</text>`);
      });
    }
    o.push('</svg>');
    return o.join('\n');
  }

  downloadSvg() {
    this.frame();
    saveBlob(new Blob([this.svgString()], { type: 'image/svg+xml' }), this.fileBase() + '.svg');
  }
}

export function saveBlob(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}
