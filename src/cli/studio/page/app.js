// iemlab studio: shared state, the fetch helpers (token, errors), the event stream, boot.
import { Graph } from './graph.js';
import { initEq } from './eq.js';
import { initListen } from './listen.js';

// --- the token: read once from the address, then dropped from the address bar ------------
const params = new URLSearchParams(location.search);
const TOKEN = params.get('token') || sessionStorage.getItem('iemlab-token') || '';
if (params.has('token')) {
  sessionStorage.setItem('iemlab-token', TOKEN);
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
}

export const $ = (id) => document.getElementById(id);

/** Element helper: el('button', {class: 'x', onclick}, 'text', child…). */
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v == null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k in e && typeof v !== 'string') e[k] = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
  }
  for (const c of kids) if (c != null) e.append(c);
  return e;
}

// --- status line and toasts ---------------------------------------------------------------
export function toast(msg, kind = 'error') {
  const t = el('div', { class: 'toast ' + kind, role: kind === 'error' ? 'alert' : 'status' }, msg);
  $('toasts').append(t);
  setTimeout(() => t.classList.add('gone'), kind === 'error' ? 6000 : 2500);
  setTimeout(() => t.remove(), kind === 'error' ? 6600 : 3100);
  if (kind === 'error') console.warn('iemlab:', msg);
}
export function status(msg) { $('status').textContent = msg; }

/** JSON request with the token; a failure throws an Error carrying the server's message. */
export async function api(method, path, body) {
  const opts = { method, headers: { 'X-Iemlab-Token': TOKEN }, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (e) {
    throw new Error(`${method} ${path}: the server does not answer (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const msg = (data && data.error) || text || res.statusText;
    throw new Error(`${msg} (${res.status})`);
  }
  return data;
}

/** api() that reports failures in a toast and returns null. */
export async function call(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (e) {
    toast(e.message);
    return null;
  }
}

// --- shared state -------------------------------------------------------------------------
export const PALETTE = ['#4aa8ff', '#ff9f43', '#c780e8', '#5fd068', '#ff6b81'];
export const bus = new EventTarget();
export const emit = (name, detail) => bus.dispatchEvent(new CustomEvent(name, { detail }));
export const on = (name, fn) => bus.addEventListener(name, (e) => fn(e.detail));

export const S = {
  token: TOKEN,
  state: null,          // GET /api/state
  grid: null,           // Float64Array of Hz
  rate: 48000,
  iems: [],             // [{name, left, right, colour, mine, visible}] (left/right Float64Array, NaN = no data)
  target: null,         // {name, label, db: Float64Array}
  targetParams: { name: '', tilt: 0, bass_db: 0, bass_hz: 105, bass_q: 0.7, treble_db: 0, ear_gain_db: 0 },
  view: { channels: 'mean', normMode: 'at', normHz: 500, baseline: 'none', yrange: 'auto', showTarget: true, showEq: true },
  slot: 0,              // the edited slot
  side: 'left',         // which band set the handles show
  profiles: [null, null, null, null],
  status: null,         // the latest SSE status
  graph: null,
};

/** A profile with every field the editor needs (null stays null: an empty slot). */
export function normProfile(p, slot) {
  if (!p) return null;
  const set = (x) => ({ gain_db: (x && x.gain_db) || 0, bands: ((x && x.bands) || []).map((b) => ({ ...b })) });
  return {
    name: p.name || 'slot ' + 'ABCD'[slot], preamp_db: p.preamp_db || 0, per_channel: !!p.per_channel,
    left: set(p.left), right: set(p.right),
  };
}

export const mine = () => S.iems.find((c) => c.mine) || null;

export function toArray(a) {
  if (!a) return null;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] == null ? NaN : a[i];
  return out;
}

// --- IEM curves -------------------------------------------------------------------------
export async function addIem(name, asMine) {
  const have = S.iems.find((c) => c.name === name);
  if (have) {
    if (asMine) setMine(have);
    return have;
  }
  if (!asMine && S.iems.filter((c) => !c.mine).length >= 4) {
    toast('Up to 4 IEMs to compare: remove one first');
    return null;
  }
  const data = await call('GET', '/api/curve?name=' + encodeURIComponent(name));
  if (!data) return null;
  const used = new Set(S.iems.map((c) => c.colour));
  const c = {
    name: data.name || name,
    left: toArray(data.left),
    right: toArray(data.right),
    colour: asMine ? PALETTE[0] : PALETTE.slice(1).find((p) => !used.has(p)) || PALETTE[1],
    mine: false,
    visible: true,
  };
  S.iems.push(c);
  if (asMine) setMine(c);
  else emit('iems');
  return c;
}

function setMine(c) {
  const old = mine();
  if (old && old !== c) {
    // The old "mine" becomes a compared IEM (or goes if there are already four).
    old.mine = false;
    const used = new Set(S.iems.filter((x) => x !== old).map((x) => x.colour));
    old.colour = PALETTE.slice(1).find((p) => !used.has(p)) || PALETTE[1];
    if (S.iems.filter((x) => !x.mine && x !== c).length > 4) S.iems.splice(S.iems.indexOf(old), 1);
  }
  const prev = c.colour;
  c.mine = true;
  c.colour = PALETTE[0];
  if (old && old !== c && old.colour === PALETTE[0]) old.colour = prev;
  emit('iems');
}

export function removeIem(c) {
  const i = S.iems.indexOf(c);
  if (i >= 0) S.iems.splice(i, 1);
  if (S.view.baseline === 'iem:' + c.name) S.view.baseline = 'none';
  emit('iems');
}

// --- target -----------------------------------------------------------------------------
let targetSeq = 0;
export async function loadTarget() {
  const p = S.targetParams;
  const q = new URLSearchParams({
    tilt: p.tilt, bass_db: p.bass_db, bass_hz: p.bass_hz, bass_q: p.bass_q,
    treble_db: p.treble_db, ear_gain_db: p.ear_gain_db,
  });
  if (p.name) q.set('name', p.name); // none: the server's default target
  const seq = ++targetSeq;
  const t = await call('GET', '/api/target?' + q);
  if (!t || seq !== targetSeq) return; // a newer request is on its way
  S.target = { name: t.name, label: t.label || t.name, db: toArray(t.db) };
  emit('target');
}

// --- events -----------------------------------------------------------------------------
function connectEvents() {
  const es = new EventSource('/api/events?token=' + encodeURIComponent(TOKEN));
  let failed = false;
  const handle = (ev) => {
    let s;
    try { s = JSON.parse(ev.data); } catch { return; }
    if (failed) { failed = false; status('connected'); }
    S.status = s;
    emit('status', s);
  };
  es.addEventListener('status', handle);
  es.onmessage = handle;
  es.onerror = () => {
    if (!failed) status('event stream lost; retrying…');
    failed = true;
  };
  return es;
}

// --- header: search, legend, graph options --------------------------------------------
function initHeader() {
  const input = $('search');
  const list = $('results');
  let seq = 0;
  let items = [];
  let active = -1;
  const close = () => { list.hidden = true; active = -1; };
  const show = () => {
    list.replaceChildren();
    items.forEach((it, i) => {
      // A click on the row adds it (as mine while none is): what Enter does.
      const li = el('li', { role: 'option', class: i === active ? 'active' : '', 'aria-selected': String(i === active),
        onmousedown: (e) => { e.preventDefault(); pick(it, !mine()); } },
        el('span', { class: 'r-name' }, it.name),
        el('span', { class: 'r-meta' }, [it.brand, it.channels].filter(Boolean).join(' · ')),
        el('button', { class: 'small', title: 'Set as my IEM (Shift+Enter)', onmousedown: (e) => { e.preventDefault(); e.stopPropagation(); pick(it, true); } }, 'mine'),
        el('button', { class: 'small', title: 'Add to compare (Enter, once your IEM is set)', onmousedown: (e) => { e.preventDefault(); e.stopPropagation(); pick(it, false); } }, '+ compare'));
      list.append(li);
    });
    list.hidden = items.length === 0;
  };
  const pick = (it, asMine) => {
    close();
    input.value = '';
    addIem(it.name, asMine);
  };
  let timer = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { items = []; close(); return; }
    timer = setTimeout(async () => {
      const my = ++seq;
      const r = await call('GET', '/api/search?q=' + encodeURIComponent(q));
      if (my !== seq || !r) return;
      items = r.slice(0, 30);
      active = items.length ? 0 : -1;
      show();
    }, 120);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!items.length) return;
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      show();
    } else if (e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      pick(items[active], e.shiftKey || !mine());
    } else if (e.key === 'Escape') {
      close();
      input.blur();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));

  const legend = $('legend');
  const renderLegend = () => {
    legend.replaceChildren();
    for (const c of S.iems) {
      legend.append(el('li', { class: c.visible ? '' : 'off' },
        el('button', { class: 'swatch', style: `--c:${c.colour}`, title: c.visible ? 'Hide' : 'Show', 'aria-pressed': String(c.visible),
          onclick: () => { c.visible = !c.visible; emit('iems'); } }),
        el('span', { class: 'l-name', title: c.name }, (c.mine ? '★ ' : '') + c.name),
        c.mine ? null : el('button', { class: 'link', title: 'Make this my IEM', 'aria-label': 'Make ' + c.name + ' my IEM', onclick: () => setMine(c) }, '☆'),
        el('button', { class: 'link x', title: 'Remove', 'aria-label': 'Remove ' + c.name, onclick: () => removeIem(c) }, '×')));
    }
    // The baseline and "sound like" choices follow the shown IEMs.
    const bl = $('baseline');
    const cur = S.view.baseline;
    bl.replaceChildren(el('option', { value: 'none' }, 'none'), el('option', { value: 'target' }, 'target'),
      ...S.iems.map((c) => el('option', { value: 'iem:' + c.name }, c.name)));
    bl.value = [...bl.options].some((o) => o.value === cur) ? cur : 'none';
    S.view.baseline = bl.value;
  };
  on('iems', renderLegend);
  on('iems', () => { if (mine()) status(''); });
  renderLegend();

  const v = S.view;
  const bind = (id, fn, ev = 'change') => $(id).addEventListener(ev, (e) => { fn(e.target); emit('view'); });
  bind('channels', (t) => { v.channels = t.value; });
  bind('norm-mode', (t) => { v.normMode = t.value; document.querySelector('.norm-at').hidden = t.value !== 'at'; });
  bind('norm-hz', (t) => { const x = +t.value; if (x >= 20 && x <= 20000) v.normHz = x; }, 'input');
  bind('baseline', (t) => { v.baseline = t.value; });
  bind('yrange', (t) => { v.yrange = t.value; });
  bind('show-target', (t) => { v.showTarget = t.checked; });

  // Target settings: refetch (debounced) on every change.
  const tp = S.targetParams;
  const tsel = $('target-name');
  const names = (S.state.targets || []);
  tsel.replaceChildren(...(names.length ? names : ['default']).map((n) => el('option', { value: names.length ? n : '' }, n)));
  tp.name = tsel.value;
  let tt = 0;
  const refetch = () => { clearTimeout(tt); tt = setTimeout(loadTarget, 150); };
  tsel.addEventListener('change', () => { tp.name = tsel.value; refetch(); });
  for (const [id, key] of [['t-tilt', 'tilt'], ['t-bass-db', 'bass_db'], ['t-bass-hz', 'bass_hz'], ['t-bass-q', 'bass_q'], ['t-treble-db', 'treble_db'], ['t-ear-db', 'ear_gain_db']]) {
    $(id).value = tp[key];
    $(id).addEventListener('input', (e) => {
      const x = parseFloat(e.target.value);
      if (Number.isFinite(x)) { tp[key] = x; refetch(); }
    });
  }

  $('png').addEventListener('click', () => S.graph.downloadPng());
  $('svg').addEventListener('click', () => S.graph.downloadSvg());
  $('quit').addEventListener('click', async () => {
    if (!confirm('Stop the studio server?')) return;
    const r = await call('POST', '/api/quit');
    if (r) { status('server stopped'); document.body.classList.add('stopped'); }
  });
}

// --- drop a file anywhere: import it ----------------------------------------------------
function initDrop() {
  const drop = $('drop');
  let depth = 0;
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  window.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; drop.hidden = false; } });
  window.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; drop.hidden = true; } });
  window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
  window.addEventListener('drop', async (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    drop.hidden = true;
    const f = e.dataTransfer.files[0];
    if (!f) return;
    if (f.size > 900 * 1024) { toast(`${f.name} is too large to be an EQ file`); return; }
    emit('import', { name: f.name, text: await f.text() });
  });
}

// --- boot -------------------------------------------------------------------------------
async function boot() {
  let st;
  try {
    st = await api('GET', '/api/state');
  } catch (e) {
    status('cannot load the studio state');
    toast(e.message + (TOKEN ? '' : ' — open the address iemlab printed (it carries the token)'));
    return;
  }
  S.state = st;
  S.grid = Float64Array.from(st.grid || []);
  S.rate = st.rate || 48000;
  S.profiles = (st.slots || []).map((s, i) => normProfile(s.profile, i));
  while (S.profiles.length < 4) S.profiles.push(null);
  S.graph = new Graph($('graph'), S);
  initHeader();
  initEq();
  initListen();
  initDrop();
  for (const ev of ['iems', 'target', 'view', 'eq']) on(ev, () => S.graph.invalidate(ev));
  connectEvents();
  loadTarget();
  if (st.iem) addIem(st.iem, true);
  status(!S.grid.length ? 'the server sent no frequency grid: no curves' : st.iem ? '' : 'Search the database to pick your IEM');
}

// For tests and the benchmark: read redraw times and drive the page.
const ie = window.iemlab || (window.iemlab = {});
Object.defineProperties(ie, {
  redrawMs: { get: () => (S.graph ? S.graph.lastMs : null), enumerable: true },
  redraws: { get: () => (S.graph ? S.graph.count : 0), enumerable: true },
});
Object.assign(ie, {
  S, api, addIem, removeIem, emit, on,
  /**
   * Redraws `n` times through requestAnimationFrame, as the page does (curve preparation
   * included when `full`); resolves with the redraw times in ms (JS time, as redrawMs).
   */
  async benchmark(n = 60, full = true) {
    const times = [];
    for (let i = 0; i < n; i++) {
      S.graph.invalidate(full ? 'bench' : 'eq');
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      times.push(S.graph.lastMs);
    }
    times.sort((a, b) => a - b);
    return { mean: times.reduce((a, b) => a + b, 0) / n, median: times[n >> 1], max: times[n - 1], n };
  },
});
ie.ready = boot();
