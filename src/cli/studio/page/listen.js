// The listening panel: playlist and cues, transport, heard slot (a/b/c/d, t, space), level
// meter, output device, blind ABX and blind ratings, notes, the session log, the review draft.
import { S, $, el, call, on, toast } from './app.js';

const SCALE = ['Poor', 'Fair', 'Good', 'Very good', 'Outstanding'];
const HIDDEN = ['W', 'X', 'Y', 'Z'];

export const clock = (s) => {
  if (s == null || !Number.isFinite(+s)) return '–:––';
  s = Math.max(0, Math.floor(+s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${x}` : `${m}:${x}`;
};
/** A cue's time in seconds: a number, or "mm:ss" / "h:mm:ss". */
export const seconds = (at) => (typeof at === 'number' ? at : String(at).split(':').reduce((a, p) => a * 60 + (+p || 0), 0));

const input = (what, value) => call('POST', '/api/input', value === undefined ? { do: what } : { do: what, value });
const gotoTrack = (track, secs) => call('POST', '/api/goto', { track, seconds: Math.max(0, secs) });

function entries() {
  const pl = S.state.playlist;
  return pl ? pl.sections.flatMap((s) => s.entries) : [];
}

function renderPlaylist() {
  const pl = S.state.playlist;
  const box = $('playlist');
  box.replaceChildren();
  if (!pl) { box.append(el('p', { class: 'muted small' }, 'No playlist.')); return; }
  box.append(el('div', { class: 'pl-name' }, pl.name || 'Playlist'));
  for (const sec of pl.sections) {
    box.append(el('h3', { class: 'sec' }, sec.name));
    const ol = el('ol', { class: 'tracks' });
    for (const e of sec.entries) {
      const head = e.heading || [e.artist, e.title].filter(Boolean).join(' – ');
      const li = el('li', {
        class: 'track' + (e.resolved ? '' : ' unresolved'), 'data-index': e.index,
        title: e.resolved ? '' : 'No file found for this track',
      },
      el('button', { class: 't-play', disabled: !e.resolved, 'aria-label': 'Play ' + head, onclick: () => gotoTrack(e.index, 0) },
        el('span', { class: 't-head' }, head),
        el('span', { class: 't-dur mono' }, e.duration ? clock(e.duration) : '')),
      e.cues && e.cues.length ? el('div', { class: 'cues' }, ...e.cues.map((c) => el('button', {
        class: 'cue small', disabled: !e.resolved, title: `Start 3 s before ${clock(seconds(c.at))}`,
        onclick: () => gotoTrack(e.index, seconds(c.at) - 3),
      }, `${clock(seconds(c.at)).padStart(5, '0')} ${c.label}`))) : null,
      el('div', { class: 't-focus small' }, e.focus || ''));
      ol.append(li);
    }
    box.append(ol);
  }
}

function renderSlots() {
  const box = $('heard-slots');
  box.replaceChildren(...[0, 1, 2, 3].map((i) => el('button', {
    class: 'slot', 'data-slot': i, onclick: () => input('profile', i),
  }, el('b', { class: 'slot-letter' }, 'ABCD'[i]), el('span', { class: 'slot-name small' }, ''), el('span', { class: 'slot-level small mono' }, ''))));
}

function updateSlots(s) {
  const blind = s && s.blind && !s.blind.done ? s.blind : null;
  const abx = blind && blind.mode === 'abx';
  const hidden = blind && blind.mode === 'ratings';
  [...$('heard-slots').children].forEach((b, i) => {
    const p = S.profiles[i];
    b.classList.toggle('heard', !abx && s && s.heard === i);
    b.hidden = abx && i > 1;
    b.querySelector('.slot-letter').textContent = hidden ? HIDDEN[i] : 'ABCD'[i];
    b.querySelector('.slot-name').textContent = abx ? (i ? 'answer B' : 'answer A') : hidden ? '' : p ? p.name : 'no EQ';
    const lv = s && s.levels_db ? s.levels_db[i] : null;
    b.querySelector('.slot-level').textContent = abx || hidden || lv == null ? '' : `${lv > 0 ? '+' : ''}${(+lv).toFixed(1)} dB`;
    b.title = abx ? `Answer: X is ${'AB'[i]} (key ${'ab'[i]})` : `Listen to ${hidden ? HIDDEN[i] : 'slot ' + 'ABCD'[i]} (key ${'abcd'[i]})`;
  });
}

// Meter: fast attack, 24 dB/s release, a peak hold of 1.5 s.
const meter = { shown: -90, hold: -90, holdAt: 0, t: 0 };
function updateMeter(peak) {
  const now = performance.now();
  const dt = meter.t ? (now - meter.t) / 1000 : 0;
  meter.t = now;
  const p = peak == null || !Number.isFinite(+peak) ? -90 : +peak;
  meter.shown = Math.max(p, meter.shown - 24 * dt);
  if (p >= meter.hold || now - meter.holdAt > 1500) { meter.hold = p; meter.holdAt = now; }
  const pct = (d) => `${Math.max(0, Math.min(100, (d + 60) / 60 * 100))}%`;
  $('meter-bar').style.width = pct(meter.shown);
  $('meter-bar').classList.toggle('hot', meter.shown > -1);
  $('meter-peak').style.left = pct(meter.hold);
  $('meter-db').textContent = meter.hold <= -89 ? '−∞ dBFS' : `${meter.hold.toFixed(1).replace('-', '−')} dBFS`;
}

let seeking = false;
let lastTrack = undefined;
function onStatus(s) {
  const e = entries().find((x) => x.index === s.track);
  if (s.track !== lastTrack) {
    lastTrack = s.track;
    for (const li of document.querySelectorAll('.track')) li.classList.toggle('current', +li.dataset.index === s.track);
    const cur = document.querySelector('.track.current');
    if (cur) cur.scrollIntoView({ block: 'nearest' });
    $('now-title').textContent = e ? (e.heading || [e.artist, e.title].filter(Boolean).join(' – ')) : s.track == null ? '—' : `track ${s.track}`;
    const sec = e && S.state.playlist.sections.find((x) => x.entries.includes(e));
    $('now-sec').textContent = sec ? sec.name : '';
  }
  if (s.volume_db != null) $('vol').textContent = `${s.volume_db > 0 ? '+' : ''}${s.volume_db.toFixed(1).replace('-', '−')} dB`;
  if (s.crossfade_ms != null && document.activeElement !== $('xfade')) $('xfade').value = s.crossfade_ms;
  const dur = s.duration || (e && e.duration) || 0;
  $('tr-pos').textContent = clock(s.position);
  $('tr-dur').textContent = clock(dur);
  const seek = $('tr-seek');
  if (!seeking) { seek.max = Math.max(1, dur); seek.value = s.position || 0; }
  $('tr-play').classList.toggle('playing', s.transport === 'playing');
  $('tr-play').title = (s.transport === 'playing' ? 'Pause' : 'Play') + ' (space)';
  $('tr-loop').classList.toggle('on', !!s.loop);
  $('tr-loop').setAttribute('aria-pressed', String(!!s.loop));
  updateSlots(s);
  updateMeter(s.peak_db);
  $('underruns').textContent = s.underruns ? `${s.underruns} underruns` : '';
  updateBlind(s.blind);
  const out = $('output');
  if (s.output && s.output !== S.state.output && document.activeElement !== out) {
    S.state.output = s.output;
    if (![...out.options].some((o) => o.value === s.output)) out.prepend(el('option', { value: s.output }, s.output));
    out.value = s.output;
  }
  if (s.lines && s.lines.length) {
    const log = $('log');
    for (const line of s.lines) {
      log.append(el('li', null, line));
      const m = /^ABX result: (.*)$/.exec(line);
      if (m) { abxResult = `ABX done: ${m[1]}`; $('blind-status').textContent = abxResult; }
    }
    while (log.children.length > 200) log.firstChild.remove();
    log.scrollTop = log.scrollHeight;
  }
}

let blindMode = null;
let abxResult = null; // "ABX done: …", from the session's result line
function updateBlind(b) {
  const box = $('blind-status');
  const mode = b && !b.done ? b.mode : null;
  if (mode !== blindMode) {
    blindMode = mode;
    document.body.classList.toggle('blind', !!mode);
    $('ratings').hidden = mode !== 'ratings';
    if (mode) $('blind-panel').open = true;
  }
  if (!b) {
    // An ABX test ends on its last answer: its result stays until another test starts.
    if (!abxResult) box.textContent = '';
    return;
  }
  abxResult = null;
  const p = b.p_value != null ? ` · p = ${(+b.p_value).toFixed(3)}` : '';
  if (b.mode === 'abx') {
    box.textContent = b.done
      ? `ABX done: ${b.correct} of ${b.trials} correct${p}`
      : `ABX trial ${Math.min(b.trial, b.trials)} of ${b.trials} · answered ${b.answered} · correct ${b.correct}${p} — is X A or B?`;
  } else if (b.mode === 'ratings') {
    box.textContent = b.done ? 'Blind ratings done' : 'Blind ratings: slots are hidden letters; rate what you hear.';
  }
}

function renderRatings() {
  const box = $('ratings');
  box.replaceChildren();
  for (const [key, name] of S.state.sections_rated || []) {
    const form = el('form', { class: 'rate' });
    const group = el('div', { class: 'scale', role: 'radiogroup', 'aria-label': name },
      ...SCALE.map((label, i) => el('label', { title: label }, el('input', { type: 'radio', name: 'score', value: i + 1 }), ` ${i + 1}`)));
    const words = el('input', { type: 'text', name: 'words', placeholder: 'words', class: 'grow' });
    const out = el('span', { class: 'small muted' });
    form.append(el('div', { class: 'rate-name' }, name), group, el('div', { class: 'row' }, words, el('button', { type: 'submit' }, 'Rate')), out);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const score = +(new FormData(form).get('score') || 0);
      if (!score) { toast(`Pick a score for ${name} (1 ${SCALE[0]} … 5 ${SCALE[4]})`); return; }
      const r = await call('POST', '/api/rate', { section: key, score, words: words.value.trim() });
      if (r) out.textContent = `${score} (${SCALE[score - 1]}) saved`;
    });
    box.append(form);
  }
  box.prepend(el('div', { class: 'small muted' }, SCALE.map((s, i) => `${i + 1} ${s}`).join(' · ')));
}

function typing(t) {
  if (!t || !t.tagName) return false;
  if (t.isContentEditable || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  return t.tagName === 'INPUT' && !['checkbox', 'radio', 'range', 'button', 'submit'].includes(t.type);
}

function initKeys() {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    const k = e.key;
    if (k >= 'a' && k <= 'd' && k.length === 1) {
      const i = k.charCodeAt(0) - 97;
      if (blindMode === 'abx' && i > 1) return;
      input('profile', i);
    } else if (k === ' ') {
      input('pause');
    } else if (k === 't') {
      input('toggle');
    } else if (k === 'l') {
      input('loop');
    } else if (k === 'n') {
      input('next');
    } else if (k === 'p') {
      input('previous');
    } else if (k === '-' || k === '+' || k === '=') {
      input('volume', k === '-' ? -1 : 1);
    } else if (k === '/') {
      $('search').focus();
    } else if ((k === 'ArrowLeft' || k === 'ArrowRight') && e.target !== $('graph')) {
      input('seek', k === 'ArrowLeft' ? -5 : 5);
    } else {
      return;
    }
    e.preventDefault();
  });
}

export function initListen() {
  const st = S.state;
  renderPlaylist();
  renderSlots();
  updateSlots(null);
  renderRatings();
  initKeys();
  $('tr-play').addEventListener('click', () => input('pause'));
  $('tr-prev').addEventListener('click', () => input('previous'));
  $('tr-next').addEventListener('click', () => input('next'));
  $('tr-loop').addEventListener('click', () => input('loop'));
  const seek = $('tr-seek');
  seek.addEventListener('pointerdown', () => { seeking = true; });
  seek.addEventListener('input', () => { seeking = true; $('tr-pos').textContent = clock(seek.value); });
  seek.addEventListener('change', async () => {
    const track = S.status ? S.status.track : null;
    if (track != null) await gotoTrack(track, +seek.value);
    seeking = false;
  });

  // Volume in 1 dB steps (the engine glides), and the switches' crossfade.
  $('vol-down').addEventListener('click', () => input('volume', -1));
  $('vol-up').addEventListener('click', () => input('volume', 1));
  $('xfade').addEventListener('change', () => {
    const ms = +$('xfade').value;
    if (Number.isFinite(ms)) input('crossfade', ms);
  });

  // The outputs are listed after the page is up (asking the audio hosts takes a moment).
  const out = $('output');
  const fillOutputs = (list) => {
    out.replaceChildren(...list.map((o) => el('option', { value: o.name }, o.name + (o.default ? ' (default)' : ''))));
    if (st.output && ![...out.options].some((o) => o.value === st.output)) out.prepend(el('option', { value: st.output }, st.output));
    out.value = st.output || '';
  };
  fillOutputs([]);
  call('GET', '/api/outputs').then((list) => { if (list) fillOutputs(list); });
  out.addEventListener('change', async () => {
    const r = await call('POST', '/api/output', { device: out.value });
    if (r) toast(`Output: ${r.output}`, 'info');
    else out.value = st.output || '';
    if (r) st.output = r.output;
  });

  $('abx-start').addEventListener('click', () => call('POST', '/api/blind', { mode: 'abx', trials: +$('abx-trials').value || 16 }));
  $('ratings-start').addEventListener('click', () => call('POST', '/api/blind', { mode: 'ratings' }));
  $('blind-off').addEventListener('click', () => call('POST', '/api/blind', { mode: 'off' }));

  // The unsaved note lives in localStorage (per notes file) until it is saved: a closed or
  // reloaded tab loses no note.
  const note = $('note');
  const draftKey = 'iemlab-note-draft:' + (st.notes_file || '');
  const keepDraft = () => {
    try {
      if (note.value.trim()) localStorage.setItem(draftKey, note.value);
      else localStorage.removeItem(draftKey);
    } catch { /* storage full or refused: the note stays in the field */ }
  };
  try { note.value = localStorage.getItem(draftKey) || ''; } catch { /* no storage */ }
  if (note.value) $('note-saved').textContent = 'unsaved note restored';
  note.addEventListener('input', keepDraft);
  $('wheel').replaceChildren(...(st.wheel || []).map((w) => el('button', {
    class: 'chip', type: 'button', onclick: () => {
      const a = note.selectionStart ?? note.value.length, b = note.selectionEnd ?? a;
      const before = note.value.slice(0, a), sep = before && !/\s$/.test(before) ? ' ' : '';
      note.value = before + sep + w + note.value.slice(b);
      const p = a + sep.length + w.length;
      note.focus();
      note.setSelectionRange(p, p);
      keepDraft();
    },
  }, w)));
  $('note-save').addEventListener('click', async () => {
    const text = note.value.trim();
    if (!text) { toast('The note is empty'); return; }
    const r = await call('POST', '/api/note', { text });
    if (r) { note.value = ''; keepDraft(); $('note-saved').textContent = `saved to ${r.saved}`; }
  });
  note.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) $('note-save').click(); });

  $('report').addEventListener('click', async () => {
    const r = await call('POST', '/api/report');
    if (!r) return;
    $('report-text').value = r.markdown;
    $('report-path').textContent = r.path ? `saved to ${r.path}` : '';
    $('report-panel').hidden = false;
    $('report-text').focus();
  });
  $('report-copy').addEventListener('click', async () => {
    const t = $('report-text');
    try { await navigator.clipboard.writeText(t.value); } catch { t.select(); document.execCommand('copy'); }
    toast('Copied the draft', 'info');
  });
  $('report-close').addEventListener('click', () => { $('report-panel').hidden = true; });
  $('report-panel').addEventListener('keydown', (e) => { if (e.key === 'Escape') $('report-panel').hidden = true; });

  $('paths').replaceChildren(
    el('div', null, 'EQ autosave: ', el('code', null, st.autosave_dir || '—')),
    el('div', null, 'Notes: ', el('code', null, st.notes_file || '—')));

  on('status', onStatus);
  on('slots', () => updateSlots(S.status));
}
