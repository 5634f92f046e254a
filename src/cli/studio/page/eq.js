// The EQ editor: biquad maths (RBJ cookbook, as the engine computes them), the slot tabs, the
// band table, the handles on the graph, posting profiles (coalesced), fit, import and export.
import { S, $, el, api, call, toast, on, emit, mine, normProfile } from './app.js';
import { saveBlob } from './graph.js';

export const TYPES = ['peaking', 'low_shelf', 'high_shelf', 'low_pass', 'high_pass', 'band_pass', 'notch', 'all_pass'];
const TYPE_LABEL = { peaking: 'Peak', low_shelf: 'Low shelf', high_shelf: 'High shelf', low_pass: 'Low pass', high_pass: 'High pass', band_pass: 'Band pass', notch: 'Notch', all_pass: 'All pass' };
export const hasGain = (t) => t === 'peaking' || t === 'low_shelf' || t === 'high_shelf';

// --- maths --------------------------------------------------------------------------------

/** Normalised biquad coefficients [b0, b1, b2, a1, a2] of a band at `rate`, or null. */
export function coeffs(band, rate) {
  const f = band.freq_hz, q = band.q, g = band.gain_db || 0;
  if (!(f > 0 && f < rate / 2) || !(q > 0) || !Number.isFinite(g)) return null;
  const w0 = 2 * Math.PI * f / rate, cw = Math.cos(w0), sw = Math.sin(w0);
  const alpha = sw / (2 * q);
  const A = 10 ** (g / 40), sA = Math.sqrt(A);
  let b0, b1, b2, a0, a1, a2;
  switch (band.type) {
    case 'peaking':
      b0 = 1 + alpha * A; b1 = -2 * cw; b2 = 1 - alpha * A;
      a0 = 1 + alpha / A; a1 = -2 * cw; a2 = 1 - alpha / A; break;
    case 'low_shelf':
      b0 = A * ((A + 1) - (A - 1) * cw + 2 * sA * alpha);
      b1 = 2 * A * ((A - 1) - (A + 1) * cw);
      b2 = A * ((A + 1) - (A - 1) * cw - 2 * sA * alpha);
      a0 = (A + 1) + (A - 1) * cw + 2 * sA * alpha;
      a1 = -2 * ((A - 1) + (A + 1) * cw);
      a2 = (A + 1) + (A - 1) * cw - 2 * sA * alpha; break;
    case 'high_shelf':
      b0 = A * ((A + 1) + (A - 1) * cw + 2 * sA * alpha);
      b1 = -2 * A * ((A - 1) + (A + 1) * cw);
      b2 = A * ((A + 1) + (A - 1) * cw - 2 * sA * alpha);
      a0 = (A + 1) - (A - 1) * cw + 2 * sA * alpha;
      a1 = 2 * ((A - 1) - (A + 1) * cw);
      a2 = (A + 1) - (A - 1) * cw - 2 * sA * alpha; break;
    case 'low_pass':
      b0 = (1 - cw) / 2; b1 = 1 - cw; b2 = (1 - cw) / 2;
      a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha; break;
    case 'high_pass':
      b0 = (1 + cw) / 2; b1 = -(1 + cw); b2 = (1 + cw) / 2;
      a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha; break;
    case 'band_pass': // constant 0 dB peak gain
      b0 = alpha; b1 = 0; b2 = -alpha;
      a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha; break;
    case 'notch':
      b0 = 1; b1 = -2 * cw; b2 = 1;
      a0 = 1 + alpha; a1 = -2 * cw; a2 = 1 - alpha; break;
    case 'all_pass':
      return null; // flat magnitude
    default:
      return null;
  }
  return [b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0];
}

// cos(ω) and cos(2ω) at each grid frequency, per rate (computed once).
let trig = null;
function trigFor(grid, rate) {
  if (trig && trig.rate === rate && trig.grid === grid) return trig;
  const n = grid.length, c1 = new Float64Array(n), c2 = new Float64Array(n);
  for (let i = 0; i < n; i++) { const w = 2 * Math.PI * grid[i] / rate; c1[i] = Math.cos(w); c2[i] = Math.cos(2 * w); }
  trig = { rate, grid, c1, c2 };
  return trig;
}

/** |H| in dB of one band at each grid frequency, added into `out`. Exact, not sampled. */
export function addBandDb(band, grid, rate, out) {
  const c = coeffs(band, rate);
  if (!c) return out;
  const [b0, b1, b2, a1, a2] = c;
  const { c1, c2 } = trigFor(grid, rate);
  const nb = b0 * b0 + b1 * b1 + b2 * b2, nb1 = 2 * (b0 * b1 + b1 * b2), nb2 = 2 * b0 * b2;
  const na = 1 + a1 * a1 + a2 * a2, na1 = 2 * (a1 + a1 * a2), na2 = 2 * a2;
  for (let i = 0; i < grid.length; i++) {
    const num = nb + nb1 * c1[i] + nb2 * c2[i];
    const den = na + na1 * c1[i] + na2 * c2[i];
    out[i] += 10 * Math.log10(Math.max(num, 1e-30) / den);
  }
  return out;
}

/** The response (dB) of a band set {gain_db, bands} on `grid`, into `out`. */
export function bandsResponse(set, grid, rate, out) {
  out.fill(set && set.gain_db ? set.gain_db : 0);
  if (set) for (const b of set.bands) addBandDb(b, grid, rate, out);
  return out;
}

// --- profiles and posting ---------------------------------------------------------------
const emptyProfile = (slot) => ({
  name: 'slot ' + 'ABCD'[slot], preamp_db: 0, per_channel: false,
  left: { gain_db: 0, bands: [] }, right: { gain_db: 0, bands: [] },
});
const edited = () => S.profiles[S.slot] || (S.profiles[S.slot] = emptyProfile(S.slot));
const shownSide = () => (edited().per_channel ? S.side : 'left');
const shownSet = () => edited()[shownSide()];

// One request in flight per slot plus the latest pending body; a stale edit is never queued.
const tx = [0, 1, 2, 3].map(() => ({ inflight: false, pending: null, sent: 0, done: 0 }));
export const posts = tx;

function push(slot = S.slot) {
  const t = tx[slot];
  const body = JSON.stringify(S.profiles[slot]);
  if (t.inflight) { t.pending = body; return; }
  send(slot, body);
}

async function send(slot, body) {
  const t = tx[slot];
  t.inflight = true;
  t.sent++;
  try {
    const r = await api('POST', `/api/profile/${slot}`, body);
    t.done++;
    const s = S.state.slots[slot];
    if (s && r) { s.level_db = r.level_db; s.autosave = r.autosave; s.preamp_db = r.preamp_db; }
    if (slot === S.slot) showInfo();
    emit('slots');
  } catch (e) {
    toast(`Slot ${'ABCD'[slot]}: ${e.message}`);
  } finally {
    t.inflight = false;
    if (t.pending) { const b = t.pending; t.pending = null; send(slot, b); }
  }
}

/** Something in the edited profile changed: redraw now, tell the engine (coalesced). */
function changed({ table = true } = {}) {
  emit('eq');
  if (table) renderTable();
  push();
}

function showInfo() {
  const s = S.state.slots[S.slot] || {};
  const parts = [];
  if (s.preamp_db != null) parts.push(`clip guard ${fmt(s.preamp_db, 1)} dB`);
  // The level match as the engine has it now (edits are matched again once they pause).
  const live = S.status && S.status.levels_db ? S.status.levels_db[S.slot] : null;
  const level = live != null ? live : s.level_db;
  if (level != null) parts.push(`level ${fmt(level, 1)} dB`);
  if (s.autosave) parts.push(`saved to ${s.autosave}`);
  $('eq-info').textContent = parts.join(' · ');
  $('eq-info').title = s.autosave || '';
}

const fmt = (x, d) => (x == null || !Number.isFinite(+x) ? '—' : (+x).toFixed(d).replace('-', '−'));
const fmtHz = (f) => (f >= 1000 ? +(f).toFixed(0) : f >= 100 ? +f.toFixed(1) : +f.toFixed(2));
const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

/** Load a profile into the edited slot (fit, import) and send it. */
export function loadProfile(p) {
  S.profiles[S.slot] = normProfile(p, S.slot);
  S.graph.selected = -1;
  renderHead();
  changed();
}

// --- UI -----------------------------------------------------------------------------------
function renderTabs() {
  const tabs = $('slot-tabs');
  const heard = S.status ? S.status.heard : null;
  tabs.replaceChildren(...[0, 1, 2, 3].map((i) => {
    const p = S.profiles[i];
    return el('button', {
      role: 'tab', 'aria-selected': String(i === S.slot), class: 'tab' + (i === S.slot ? ' on' : '') + (i === heard ? ' heard' : ''),
      title: (p ? p.name : 'empty') + (i === heard ? ' (heard)' : ''),
      onclick: () => { S.slot = i; S.graph.selected = -1; renderHead(); renderTable(); showInfo(); emit('eq'); renderTabs(); },
    }, el('b', null, 'ABCD'[i]), ' ', el('span', { class: 'tab-name' }, p ? p.name : '—'));
  }));
}

function renderHead() {
  const p = edited();
  $('eq-name').value = p.name;
  $('eq-preamp').value = fmt(p.preamp_db, 1).replace('−', '-');
  $('eq-perch').checked = p.per_channel;
  $('eq-side').hidden = !p.per_channel;
  for (const b of $('eq-side').children) b.classList.toggle('on', b.dataset.side === S.side);
  renderTabs();
}

export function renderTable() {
  const tb = $('bands').tBodies[0];
  const bands = shownSet().bands;
  const sel = S.graph.selected;
  if (tb.rows.length !== bands.length) {
    tb.replaceChildren(...bands.map((_, i) => {
      const num = (key, step, min, max) => el('input', {
        type: 'number', step, min, max, 'data-key': key, 'aria-label': key + ' of band ' + (i + 1),
        onchange: (e) => edit(i, key, e.target.value), oninput: (e) => edit(i, key, e.target.value, true),
      });
      return el('tr', { onclick: () => { S.graph.selected = i; emit('eq'); markSelected(); } },
        el('td', { class: 'num' }, String(i + 1)),
        el('td', null, el('select', { 'data-key': 'type', 'aria-label': 'type of band ' + (i + 1), onchange: (e) => edit(i, 'type', e.target.value) },
          ...TYPES.map((t) => el('option', { value: t }, TYPE_LABEL[t])))),
        el('td', null, num('freq_hz', 'any', 10, 24000)),
        el('td', null, num('gain_db', 0.1, -30, 30)),
        el('td', null, num('q', 0.01, 0.05, 30)),
        el('td', null, el('button', { class: 'link x', title: 'Delete band ' + (i + 1), onclick: (e) => { e.stopPropagation(); removeBand(i); } }, '×')));
    }));
  }
  bands.forEach((b, i) => {
    const row = tb.rows[i];
    for (const inp of row.querySelectorAll('[data-key]')) {
      if (inp === document.activeElement) continue;
      const k = inp.dataset.key;
      inp.value = k === 'type' ? b.type : k === 'freq_hz' ? fmtHz(b.freq_hz) : k === 'gain_db' ? +(+b.gain_db).toFixed(2) : +(+b.q).toFixed(3);
      if (k === 'gain_db') inp.disabled = !hasGain(b.type);
    }
  });
  void sel;
  markSelected();
}

function markSelected() {
  const tb = $('bands').tBodies[0];
  [...tb.rows].forEach((r, i) => r.classList.toggle('sel', i === S.graph.selected));
}

function edit(i, key, value, live = false) {
  const b = shownSet().bands[i];
  if (!b) return;
  if (key === 'type') {
    b.type = value;
  } else {
    const x = parseFloat(value);
    if (!Number.isFinite(x)) return;
    if (key === 'freq_hz') { if (x <= 0 || x >= S.rate / 2) return; b.freq_hz = x; }
    if (key === 'gain_db') b.gain_db = clamp(x, -30, 30);
    if (key === 'q') { if (x <= 0) return; b.q = x; }
  }
  S.graph.selected = i;
  changed({ table: !live });
}

function addBand(b) {
  const set = shownSet();
  set.bands.push(b || { type: 'peaking', freq_hz: 1000, gain_db: 0, q: 1.41 });
  S.graph.selected = set.bands.length - 1;
  changed();
}

function removeBand(i) {
  shownSet().bands.splice(i, 1);
  S.graph.selected = -1;
  S.graph.hover = -1;
  changed();
}

// --- handles on the graph ------------------------------------------------------------------
function initHandles() {
  const cv = $('graph');
  const g = S.graph;
  const pos = (e) => { const r = cv.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; };
  const pointers = new Map();
  let drag = null;   // {i, dx, dy}
  let pinch = null;  // {i, d0, q0}
  const readout = $('readout');
  const showReadout = (p) => {
    if (!g.inPlot(p.x, p.y)) { readout.hidden = true; return; }
    readout.hidden = false;
    const f = g.xToHz(p.x);
    readout.textContent = `${f >= 1000 ? (f / 1000).toFixed(2) + ' kHz' : f.toFixed(0) + ' Hz'}  ${g.yToDb(p.y).toFixed(1)} dB`;
  };
  const moveBand = (i, p) => {
    const b = shownSet().bands[i];
    if (!b) return;
    b.freq_hz = Math.round(clamp(g.xToHz(p.x), 20, Math.min(20000, S.rate / 2 - 1)) * 10) / 10;
    if (hasGain(b.type)) b.gain_db = Math.round(clamp(g.yToDb(p.y), -30, 30) * 10) / 10;
    changed();
  };
  cv.addEventListener('pointerdown', (e) => {
    const p = pos(e);
    pointers.set(e.pointerId, p);
    if (pointers.size === 2 && g.selected >= 0) {
      const [a, b] = [...pointers.values()];
      pinch = { i: g.selected, d0: Math.hypot(a.x - b.x, a.y - b.y) || 1, q0: shownSet().bands[g.selected].q };
      drag = null;
      return;
    }
    if (!S.view.showEq) return;
    const i = g.hit(p.x, p.y);
    if (i < 0) return;
    e.preventDefault();
    cv.focus();
    const h = g.handlePos(i);
    drag = { i, dx: h.x - p.x, dy: h.y - p.y };
    g.selected = i;
    cv.setPointerCapture(e.pointerId);
    markSelected();
    emit('eq');
  });
  cv.addEventListener('pointermove', (e) => {
    const p = pos(e);
    if (pointers.has(e.pointerId)) pointers.set(e.pointerId, p);
    showReadout(p);
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      const band = shownSet().bands[pinch.i];
      if (band) { band.q = +clamp(pinch.q0 * d / pinch.d0, 0.1, 20).toFixed(3); changed(); }
      return;
    }
    if (drag) { moveBand(drag.i, { x: p.x + drag.dx, y: p.y + drag.dy }); return; }
    const hv = S.view.showEq ? g.hit(p.x, p.y) : -1;
    if (hv !== g.hover) { g.hover = hv; cv.style.cursor = hv >= 0 ? 'grab' : 'crosshair'; emit('eq'); }
  });
  const end = (e) => {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    drag = null;
  };
  cv.addEventListener('pointerup', end);
  cv.addEventListener('pointercancel', end);
  cv.addEventListener('pointerleave', () => { readout.hidden = true; });
  cv.addEventListener('wheel', (e) => {
    if (!S.view.showEq) return;
    const p = pos(e);
    let i = g.hit(p.x, p.y);
    if (i < 0) i = g.selected;
    const b = shownSet().bands[i];
    if (!b) return;
    e.preventDefault();
    // Trackpad pinch arrives as a ctrl+wheel.
    const k = Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015));
    b.q = +clamp(b.q * k, 0.1, 20).toFixed(3);
    g.selected = i;
    changed();
  }, { passive: false });
  cv.addEventListener('dblclick', (e) => {
    const p = pos(e);
    if (!g.inPlot(p.x, p.y) || g.hit(p.x, p.y) >= 0) return;
    S.view.showEq = true;
    $('eq-show').checked = true;
    addBand({ type: 'peaking', freq_hz: Math.round(g.xToHz(p.x)), gain_db: Math.round(clamp(g.yToDb(p.y), -30, 30) * 10) / 10, q: 1.41 });
  });
  cv.addEventListener('keydown', (e) => {
    const bands = shownSet().bands;
    if (/^[1-9]$/.test(e.key)) { if (+e.key <= bands.length) { g.selected = +e.key - 1; markSelected(); emit('eq'); } e.preventDefault(); return; }
    const b = bands[g.selected];
    if (!b) return;
    const fine = e.shiftKey;
    let used = true;
    switch (e.key) {
      case 'ArrowLeft': b.freq_hz = +clamp(b.freq_hz / 2 ** (fine ? 1 / 48 : 1 / 12), 20, 20000).toFixed(1); break;
      case 'ArrowRight': b.freq_hz = +clamp(b.freq_hz * 2 ** (fine ? 1 / 48 : 1 / 12), 20, Math.min(20000, S.rate / 2 - 1)).toFixed(1); break;
      case 'ArrowUp': b.gain_db = +clamp(b.gain_db + (fine ? 0.1 : 0.5), -30, 30).toFixed(2); break;
      case 'ArrowDown': b.gain_db = +clamp(b.gain_db - (fine ? 0.1 : 0.5), -30, 30).toFixed(2); break;
      case '[': b.q = +clamp(b.q / 1.1, 0.1, 20).toFixed(3); break;
      case ']': b.q = +clamp(b.q * 1.1, 0.1, 20).toFixed(3); break;
      case 'Delete': case 'Backspace': removeBand(g.selected); return;
      case 'Escape': g.selected = -1; markSelected(); emit('eq'); return;
      default: used = false;
    }
    if (used) { e.preventDefault(); changed(); }
  });
}

// --- fit, import, export -----------------------------------------------------------------
function initFit() {
  const st = S.state;
  const dev = $('fit-device');
  for (const d of st.devices || []) dev.append(el('option', { value: d.id }, `${d.name} (${d.bands} bands)`));
  const others = $('fit-other-name');
  const renderOthers = () => {
    const cur = others.value;
    others.replaceChildren(...S.iems.filter((c) => !c.mine).map((c) => el('option', { value: c.name }, c.name)));
    if ([...others.options].some((o) => o.value === cur)) others.value = cur;
    $('fit-other').disabled = others.options.length === 0;
  };
  on('iems', renderOthers);
  renderOthers();
  const fit = async (other) => {
    const m = mine();
    if (!m) { toast('Pick your IEM ("mine") first: search the database above'); return; }
    const body = {
      iem: m.name, target: { ...S.targetParams }, other: other || null,
      bands: +$('fit-bands').value || 10, graphic: $('fit-kind').value === 'graphic',
      device: dev.value || null, per_channel: edited().per_channel, max_gain_db: +$('fit-max').value || 12,
    };
    $('fit-result').textContent = 'fitting…';
    const r = await call('POST', '/api/fit', body);
    if (!r) { $('fit-result').textContent = ''; return; }
    if (!r.profile.name || /^slot /.test(r.profile.name)) r.profile.name = other ? `${m.name} → ${other}` : `${m.name} fit`;
    loadProfile(r.profile);
    $('fit-result').textContent = `${r.line || ''}${r.error_db != null ? ` (error ${(+r.error_db).toFixed(2)} dB)` : ''}`;
  };
  $('fit-target').addEventListener('click', () => fit(null));
  $('fit-other').addEventListener('click', () => fit(others.value));
}

function initExport() {
  const sel = $('exp-format');
  for (const f of S.state.formats || []) sel.append(el('option', { value: f.id }, `${f.name} (.${f.ext})`));
  const chan = $('exp-channel');
  const sync = () => {
    const f = (S.state.formats || []).find((x) => x.id === sel.value);
    const p = edited();
    chan.hidden = !p.per_channel || (f && f.per_channel);
  };
  sel.addEventListener('change', sync);
  on('eq', sync);
  sync();
  let last = null;
  $('exp-go').addEventListener('click', async () => {
    const p = edited();
    const r = await call('POST', '/api/export', { profile: p, format: sel.value, channel: chan.hidden ? null : chan.value || null });
    if (!r) return;
    last = r;
    $('exp-result').hidden = false;
    $('exp-summary').textContent = `${r.file_name}: deviation ${r.deviation_db != null ? (+r.deviation_db).toFixed(2) + ' dB' : '—'} from the profile`;
    $('exp-notes').replaceChildren(...(r.notes || []).map((n) => el('li', null, n)));
    $('exp-text').textContent = r.text;
  });
  $('exp-save').addEventListener('click', () => {
    if (last) saveBlob(new Blob([last.text], { type: 'text/plain' }), last.file_name);
  });
  $('exp-close').addEventListener('click', () => { $('exp-result').hidden = true; });
  on('import', async ({ name, text }) => {
    const p = await call('POST', '/api/import', { name, text });
    if (!p) return;
    if (!p.name) p.name = name.replace(/\.[^.]+$/, '');
    loadProfile(p);
    toast(`Imported ${name} into slot ${'ABCD'[S.slot]}`, 'info');
  });
}

export function initEq() {
  renderHead();
  renderTable();
  showInfo();
  initHandles();
  initFit();
  initExport();
  on('status', (s) => {
    if (s.heard !== renderTabs.heard) { renderTabs.heard = s.heard; renderTabs(); }
    const level = s.levels_db ? s.levels_db[S.slot] : null;
    if (level !== showInfo.level) { showInfo.level = level; showInfo(); }
  });
  on('slots', renderTabs);
  $('eq-name').addEventListener('change', (e) => { edited().name = e.target.value.trim() || 'slot ' + 'ABCD'[S.slot]; renderTabs(); push(); });
  $('eq-preamp').addEventListener('change', (e) => { const x = parseFloat(e.target.value); if (Number.isFinite(x)) { edited().preamp_db = clamp(x, -30, 30); push(); } });
  $('eq-perch').addEventListener('change', (e) => {
    const p = edited();
    p.per_channel = e.target.checked;
    if (p.per_channel && !p.right.bands.length) p.right = JSON.parse(JSON.stringify(p.left));
    if (!p.per_channel) S.side = 'left';
    renderHead();
    changed();
  });
  for (const b of $('eq-side').children) {
    b.addEventListener('click', () => { S.side = b.dataset.side; S.graph.selected = -1; renderHead(); renderTable(); emit('eq'); });
  }
  $('eq-show').addEventListener('change', (e) => { S.view.showEq = e.target.checked; emit('eq'); });
  $('add-band').addEventListener('click', () => addBand());
  $('clear-bands').addEventListener('click', () => { if (shownSet().bands.length && confirm('Remove every band?')) { shownSet().bands.length = 0; S.graph.selected = -1; changed(); } });
}

// For tests: the EQ curve of the edited slot, and the request counters.
Object.assign(window.iemlab || (window.iemlab = {}), {
  eqCurve: () => Array.from(S.graph.eqBuf[S.profiles[S.slot] && S.profiles[S.slot].per_channel && S.side === 'right' ? 1 : 0]),
  handlePos: (i) => {
    const p = S.graph.handlePos(i);
    if (!p) return null;
    const r = $('graph').getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  },
  posts: tx,
  profile: () => JSON.parse(JSON.stringify(S.profiles[S.slot])),
  loadProfile,
});
