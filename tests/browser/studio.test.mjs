// Browser test of `iemlab studio`: starts the server on a generated playlist, drives the page
// in headless Chromium through its real UI (clicks, keys, typing, a dropped file) and exits
// non-zero on any failure. Every file the server writes goes to a temp folder.
//
//   node tests/browser/studio.test.mjs
//
// Steps (see README.md): pick mine and another IEM · "make mine sound like" into slot B and
// the level match · drag a band · press B and find the switch in the WAV the server wrote ·
// a cue button · blind ABX · blind ratings · notes (and the unsaved draft across a reload) ·
// review draft · export and download · import by drop · per-channel editing · screenshot ·
// quit.
//
// Environment:
//   IEMLAB_BIN       the binary (default: $CARGO_TARGET_DIR or ./target, then release/iemlab)
//   CHROMIUM         the browser (default /usr/bin/chromium)
//   SHOT             where to write the screenshot (default: a temp dir); a second one, with
//                    the listening panels open, goes beside it as *-panels.png
//   KEEP=1           keep the temp folder (it is kept anyway when a step fails)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { writeWav, sine, readWav, rmsDb } from './wav.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, 'target');
const BIN = process.env.IEMLAB_BIN || join(TARGET, 'release', 'iemlab');
const tmp = mkdtempSync(join(tmpdir(), 'iemlab-studio-test-'));
const SHOT = process.env.SHOT || join(tmp, 'studio.png');
const SHOT2 = SHOT.replace(/\.png$/, '') + '-panels.png';
const OUT = join(tmp, 'out.wav');
const NOTES = join(tmp, 'notes.jsonl');
const RATE = 48000;
const TONE_S = 45;

let server = null;
let browser = null;
let failed = 0;
const t0 = Date.now();
const log = (...a) => console.log(`studio.test [${((Date.now() - t0) / 1000).toFixed(1)} s]:`, ...a);
function check(cond, what) {
  if (cond) log('ok  ', what);
  else { failed++; console.error('studio.test: FAIL', what); }
  return cond;
}
const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);
const readNotes = () => (existsSync(NOTES) ? readFileSync(NOTES, 'utf8') : '');

/** The material: a steady 1 kHz tone (entry 1) and a 440 Hz tone with cue points (entry 2). */
function writePlaylist() {
  writeWav(join(tmp, 'tone-1k.wav'), sine(1000, TONE_S));
  writeWav(join(tmp, 'tone-440.wav'), sine(440, 20, 0.2));
  const toml = `version = 1
name = "Studio test"

[[sections]]
name = "Timbre"

[[sections.tracks]]
artist = "iemlab"
title = "Steady 1 kHz"
file = "tone-1k.wav"
focus = "The level of the tone when A and B switch."

[[sections.tracks]]
artist = "iemlab"
title = "Cue track"
file = "tone-440.wav"
focus = "Cue points."
cues = [{ at = "00:10", label = "ten" }, { at = "00:15", label = "fifteen" }]
`;
  const path = join(tmp, 'playlist.toml');
  writeFileSync(path, toml);
  return path;
}

/** Starts the binary; resolves with the URL from its first stdout line. */
function startServer(playlist) {
  const args = ['studio', '--no-open', '--db', join(ROOT, 'tests/data/graphtool'), '--device', `wav:${OUT}`, '--port', '0',
    '--autosave', join(tmp, 'autosave'), '--notes', NOTES, '--volume', '0', playlist];
  log('starting', BIN, args.join(' '));
  // The data folder in tmp too: nothing the server writes by default lands in the user's.
  const env = { ...process.env, XDG_DATA_HOME: join(tmp, 'data'), XDG_CONFIG_HOME: join(tmp, 'config') };
  server = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  server.stderr.on('data', (d) => process.stderr.write('server: ' + d));
  server.exited = new Promise((res) => server.on('exit', (code, sig) => res({ code, sig })));
  return withTimeout(new Promise((res, rej) => {
    const rl = createInterface({ input: server.stdout });
    let first = true;
    rl.on('line', (line) => {
      if (first) { first = false; res(line.trim()); } else process.stdout.write('server: ' + line + '\n');
    });
    server.on('error', rej);
    server.on('exit', (code) => rej(new Error(`the server exited (${code}) before printing its address`)));
  }), 60000, 'the server address');
}

/** Records every status the page receives, with the page's clock (installed after each load). */
async function recordStatus(page) {
  await page.evaluate(() => {
    const S = window.iemlab.S;
    let cur = S.status;
    window.statusLog = [];
    Object.defineProperty(S, 'status', {
      configurable: true,
      get: () => cur,
      set: (s) => { cur = s; window.statusLog.push({ t: performance.now(), track: s.track, position: s.position, heard: s.heard, levels: s.levels_db, underruns: s.underruns }); },
    });
  });
}

const status = (page) => page.evaluate(() => window.iemlab.S.status);
/** Waits for `fn(arg)` (run in the page, where `window.iemlab.S.status` is the latest status). */
const waitStatus = (page, fn, arg, ms = 5000) =>
  page.waitForFunction(fn, arg, { timeout: ms }).then(() => true).catch(() => false);
/** Waits until the edited slot's profile has reached the server. */
const settled = (page) => page.waitForFunction(() => {
  const t = window.iemlab.posts[window.iemlab.S.slot];
  return !t.inflight && !t.pending;
}, null, { timeout: 10000 });
const serverSlot = (page, i) => page.evaluate((i) => window.iemlab.api('GET', '/api/state').then((s) => s.slots[i]), i);

async function loadPage(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => window.iemlab && window.iemlab.S && window.iemlab.S.graph, null, { timeout: 15000 });
  await page.waitForFunction(() => window.iemlab.S.status !== null, null, { timeout: 10000 });
  await recordStatus(page);
}

async function pickIems(page, names) {
  for (const name of names) {
    await page.fill('#search', name);
    await page.waitForSelector('#results li', { timeout: 10000 });
    await page.press('#search', 'Enter');
    await page.waitForFunction((n) => window.iemlab.S.iems.some((c) => c.name.includes(n)), name, { timeout: 10000 });
  }
}

async function screenshot(page, path) {
  const png = await page.screenshot({ path });
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const x = c.getContext('2d');
    x.drawImage(img, 0, 0);
    const d = x.getImageData(0, 0, c.width, c.height).data;
    let s = 0, s2 = 0, n = 0;
    for (let i = 0; i < d.length; i += 4) { const v = (d[i] + d[i + 1] + d[i + 2]) / 3; s += v; s2 += v * v; n++; }
    return s2 / n - (s / n) ** 2;
  }, png.toString('base64'));
}

async function main() {
  const playlist = writePlaylist();
  const url = await startServer(playlist);
  check(/^http:\/\/127\.0\.0\.1:\d+\/\?token=.+/.test(url), `the first stdout line is the page address (${url})`);

  browser = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1440, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => d.accept());

  await loadPage(page, url);
  check(!page.url().includes('token='), 'the token is dropped from the address bar');
  const st = await page.evaluate(() => window.iemlab.S.state);
  check(st.notes_file === NOTES && st.autosave_dir === join(tmp, 'autosave'), `the server writes into the temp folder (notes ${st.notes_file}, autosave ${st.autosave_dir})`);
  check(st.slots.every((s) => s.profile === null), 'every slot starts flat (empty autosave folder)');

  // --- pick mine and another IEM -------------------------------------------------------------
  await pickIems(page, ['Aria', 'Blessing 2']);
  const iems = await page.evaluate(() => window.iemlab.S.iems.map((c) => ({ name: c.name, mine: c.mine })));
  check(iems.length === 2 && /Aria$/.test(iems.find((c) => c.mine)?.name), `two IEMs shown, Aria mine: ${JSON.stringify(iems)}`);
  check(await page.locator('#legend li').count() === 2, 'the legend lists both');

  // --- (a) "Make mine sound like Blessing 2" into slot B; the level match ---------------------
  await page.click('#slot-tabs button:nth-child(2)');
  check(await page.evaluate(() => window.iemlab.S.slot) === 1, 'slot B is the edited slot');
  check(/Blessing 2$/.test(await page.inputValue('#fit-other-name')), '"sound like" offers Blessing 2');
  await page.click('#fit-other');
  await page.waitForFunction(() => /error [\d.]+ dB/.test(document.getElementById('fit-result').textContent), null, { timeout: 15000 });
  const fitLine = await page.textContent('#fit-result');
  check(true, `the fit line shows its error: "${fitLine}"`);
  await settled(page);
  const fitBands = await page.evaluate(() => window.iemlab.profile().left.bands.length);
  const slotB = await serverSlot(page, 1);
  check(fitBands > 0 && slotB.profile && slotB.profile.left.bands.length === fitBands, `slot B holds the fit's ${fitBands} bands on the server too`);
  const tabB = await page.textContent('#slot-tabs button:nth-child(2)');
  check(/Blessing 2/.test(tabB), `tab B is named after the fit ("${tabB}")`);
  // The level match comes ~150 ms after the edit, through the status.
  const levelsShown = await page.waitForFunction(() => {
    const t = [...document.querySelectorAll('#heard-slots .slot-level')].map((e) => e.textContent);
    return /[+-]?\d+\.\d dB/.test(t[0]) && /[+-]?\d+\.\d dB/.test(t[1]) && window.iemlab.S.status.levels_db.some((x) => Math.abs(x) > 0.05) && t;
  }, null, { timeout: 5000 }).then((x) => x.jsonValue()).catch(() => null);
  check(levelsShown, `the level-match readout shows the slots' levels: ${JSON.stringify(levelsShown)}; status levels ${JSON.stringify((await status(page)).levels_db)}`);

  // --- drag a band in slot B down to -12 dB at 1 kHz: the curve changes -----------------------
  const n0 = fitBands;
  await page.click('#add-band');
  await page.waitForFunction((n) => window.iemlab.profile().left.bands.length === n + 1, n0);
  await page.waitForTimeout(100);
  const before = await page.evaluate(() => window.iemlab.eqCurve());
  const h = await page.evaluate((n) => window.iemlab.handlePos(n), n0);
  const yTo = await page.evaluate(() => document.getElementById('graph').getBoundingClientRect().top + window.iemlab.S.graph.dbToY(-12));
  check(h !== null, `the new band has a handle at ${JSON.stringify(h)}`);
  await page.mouse.move(h.x, h.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(h.x + (i % 2), h.y + (yTo - h.y) * i / 10);
  await page.mouse.move(h.x, yTo);
  await page.mouse.up();
  await page.waitForTimeout(150);
  const after = await page.evaluate(() => window.iemlab.eqCurve());
  const band = await page.evaluate((n) => window.iemlab.profile().left.bands[n], n0);
  const maxDiff = Math.max(...after.map((v, i) => Math.abs(v - before[i])));
  check(maxDiff > 8, `dragging the handle changed the EQ curve (max change ${maxDiff.toFixed(2)} dB; band now ${JSON.stringify(band)})`);
  check(Math.abs(band.freq_hz / 1000 - 1) < 0.05 && band.gain_db < -10, 'the band went down to about -12 dB at 1 kHz');
  await settled(page);
  const posts = await page.evaluate(() => window.iemlab.posts[1]);
  const served = (await serverSlot(page, 1)).profile;
  check(served && served.left.bands.length === n0 + 1 && Math.abs(served.left.bands[n0].gain_db - band.gain_db) < 0.05,
    `the server holds the dragged band (${posts.sent} requests while dragging, coalesced)`);

  // --- (b) press B: the output changes at that moment (the WAV is read after Quit) ------------
  // Let the level match settle (it follows edits by ~150 ms and glides), then 1 s of steady A.
  let lv = null;
  for (let i = 0; i < 40; i++) {
    const now = JSON.stringify((await status(page)).levels_db);
    if (now === lv) break;
    lv = now;
    await page.waitForTimeout(300);
  }
  await page.waitForTimeout(1200);
  const s0 = await status(page);
  check(s0.heard === 0 && s0.track === 0 && s0.transport === 'playing', `A is heard, the tone plays (at ${s0.position.toFixed(2)} s)`);
  await page.click('#now-title'); // focus out of any field: the keys are the page's
  const press = await page.evaluate(() => { const s = window.iemlab.S.status; return { t: performance.now(), position: s.position }; });
  await page.keyboard.press('b');
  const switched = await waitStatus(page, () => { const s = window.iemlab.S.status; return !!(s.heard === 1); });
  check(switched, 'pressing b made B the heard slot');
  check(await page.locator('.slot[data-slot="1"].heard').count() === 1, 'the heard slot is highlighted');
  await page.waitForTimeout(1300);
  const slog = await page.evaluate(() => window.statusLog);
  const lastA = slog.filter((s) => s.heard === 0 && s.track === 0).pop();
  const firstB = slog.find((s) => s.heard === 1);
  const levelsAtPress = (await status(page)).levels_db;
  const wavCheck = { press: press.position, lastA: lastA && lastA.position, firstB: firstB && firstB.position, levels: levelsAtPress, underruns: (await status(page)).underruns };
  log('B pressed at track position', press.position.toFixed(3), 's (status seen by the page); last A status', wavCheck.lastA?.toFixed(3), 'first B status', wavCheck.firstB?.toFixed(3));
  const eqAt1k = await page.evaluate(() => {
    const g = window.iemlab.S.grid; let i = 0; while (g[i] < 1000) i++;
    return window.iemlab.eqCurve()[i];
  });
  // The safety gain the server applies to B (its answer to the last profile post) and the
  // profile's own preamp.
  wavCheck.safetyB = await page.evaluate(() => window.iemlab.S.state.slots[1].preamp_db);
  wavCheck.preampB = await page.evaluate(() => window.iemlab.profile().preamp_db);

  const shotVar = await screenshot(page, SHOT);
  check(shotVar > 50, `the screenshot (${SHOT}) is not blank (pixel variance ${shotVar.toFixed(0)})`);

  // --- (c) a cue button: playback moves to the cue minus 3 s ----------------------------------
  const cue = page.locator('.track[data-index="1"] .cue').first();
  check(/00:10 ten/.test(await cue.textContent()), 'the cue track shows its cue "00:10 ten"');
  await cue.click();
  const atCue = await waitStatus(page, () => { const s = window.iemlab.S.status; return !!(s.track === 1); });
  const sc = await status(page);
  check(atCue && sc.position >= 6.95 && sc.position < 7.6, `the cue moved playback to entry 2 at ${sc.position.toFixed(2)} s (cue 10 s − 3 s)`);
  check(await page.locator('.track[data-index="1"].current').count() === 1 && /Cue track/.test(await page.textContent('#now-title')), 'the playlist marks the cue track as playing');

  // --- (d) blind ABX, 3 trials, answered with the A/B buttons ---------------------------------
  await page.click('#blind-panel summary');
  await page.fill('#abx-trials', '3');
  await page.click('#abx-start');
  check(await waitStatus(page, () => { const s = window.iemlab.S.status; return !!(s.blind && s.blind.mode === 'abx' && s.blind.answered === 0); }), 'ABX started');
  check(await page.locator('.slot[data-slot="2"]').isHidden() && /answer A/.test(await page.textContent('.slot[data-slot="0"]')), 'only "answer A" / "answer B" are offered, no levels or names');
  const sAbx = await status(page);
  log(`in ABX the status says entry ${sAbx.track} at ${sAbx.position.toFixed(2)} s, ${sAbx.transport}`);
  check(/trial 1 of 3/.test(await page.textContent('#blind-status')), `the counter shows trial 1: "${await page.textContent('#blind-status')}"`);
  const answers = [0, 1, 0];
  for (let i = 0; i < 3; i++) {
    await page.click(`.slot[data-slot="${answers[i]}"]`);
    if (i < 2) {
      const ok = await waitStatus(page, (n) => { const s = window.iemlab.S.status; return !!(s.blind && s.blind.answered === n); }, i + 1);
      check(ok && new RegExp(`trial ${i + 2} of 3 · answered ${i + 1}`).test(await page.textContent('#blind-status')), `the trial counter advanced: "${await page.textContent('#blind-status')}"`);
    }
  }
  const abxDone = await page.waitForFunction(() => /ABX done: \d\/3 correct, p = [\d.]+/.test(document.getElementById('blind-status').textContent), null, { timeout: 5000 }).then(() => true).catch(() => false);
  check(abxDone, `the final ABX result is shown: "${await page.textContent('#blind-status')}"`);
  check(/ABX result/.test(await page.textContent('#log')), 'the session log has the ABX result');
  const abxLog = (await page.textContent('#log')).match(/trial log written to (\S+\.json)/);
  check(abxLog && dirname(abxLog[1]) === dirname(NOTES), `the trial log is written beside the notes (${abxLog && abxLog[1]})`);

  // --- (e) blind ratings: rate a section, end; the log unblinds, the notes file has it -------
  await page.click('#ratings-start');
  check(await waitStatus(page, () => { const s = window.iemlab.S.status; return !!(s.blind && s.blind.mode === 'ratings'); }), 'blind ratings started');
  const letters = await page.$$eval('#heard-slots .slot-letter', (e) => e.map((x) => x.textContent).join(''));
  check(letters === 'WXYZ', `the slots are hidden letters (${letters})`);
  const form = page.locator('#ratings form').first();
  await form.locator('input[value="4"]').check();
  await form.locator('input[name="words"]').fill('smooth but veiled');
  await form.locator('button[type="submit"]').click();
  await form.locator('text=/4 \\(Very good\\) saved/').waitFor({ timeout: 5000 });
  check(true, 'the rating form says it saved');
  await page.click('#blind-off');
  check(await waitStatus(page, () => { const s = window.iemlab.S.status; return !!(!s.blind); }), 'blind ratings ended');
  await page.waitForFunction(() => /hidden order was/.test(document.getElementById('log').textContent), null, { timeout: 5000 }).catch(() => {});
  const logText = await page.textContent('#log');
  check(/hidden order was[\s\S]*A: [\s\S]*B: /.test(logText), 'the session log shows the hidden order');
  check(await page.$$eval('#heard-slots .slot-letter', (e) => e.map((x) => x.textContent).join('')) === 'ABCD', 'the slots are A–D again');
  const rated = readNotes().split('\n').filter((l) => /smooth but veiled/.test(l));
  check(rated.length === 1 && /timbre/i.test(rated[0]) && /4/.test(rated[0]), `the notes file has the rating: ${rated[0]}`);

  // --- (f) notes: a wheel chip and typing; the draft survives a reload; save; review draft ---
  const chip = page.locator('#wheel .chip').first();
  const term = (await chip.textContent()).trim();
  await chip.click();
  await page.keyboard.type(' and a little hollow (test note 7431)');
  const draft = await page.inputValue('#note');
  check(draft.startsWith(term) && draft.endsWith('(test note 7431)'), `the chip and the typing went into the note: "${draft}"`);
  await page.reload();
  await page.waitForFunction(() => window.iemlab && window.iemlab.S && window.iemlab.S.graph && window.iemlab.S.status, null, { timeout: 15000 });
  await recordStatus(page);
  check(await page.inputValue('#note') === draft, 'the unsaved note is back after a reload (a closed tab loses no note)');
  await page.click('#note-save');
  await page.waitForFunction(() => /saved to/.test(document.getElementById('note-saved').textContent), null, { timeout: 5000 });
  check(await page.inputValue('#note') === '' && await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('iemlab-note')).length) === 0,
    'saving clears the note and its stored draft');
  const noted = readNotes().split('\n').filter((l) => l.includes('test note 7431'));
  check(noted.length === 1 && noted[0].includes(term), `the notes file has the note: ${noted[0]}`);
  await page.click('#report');
  await page.waitForSelector('#report-panel:not([hidden])', { timeout: 5000 });
  const md = await page.inputValue('#report-text');
  check(md.includes('test note 7431') && /\n===\n/.test(md), `the review draft is markdown with the note (${md.length} chars)`);
  await page.click('#report-close');

  // --- (g) export slot B for a DAP: deviation shown, Save downloads the file ----------------
  await page.click('#slot-tabs button:nth-child(2)');
  const formats = await page.$$eval('#exp-format option', (o) => o.map((x) => [x.value, x.textContent]));
  const dap = formats.find(([, t]) => /fiio|qudelix|hiby|shanling|ifi|moondrop/i.test(t)) || formats[0];
  await page.selectOption('#exp-format', dap[0]);
  await page.click('#exp-go');
  await page.waitForSelector('#exp-result:not([hidden])', { timeout: 10000 });
  const summary = await page.textContent('#exp-summary');
  check(/deviation [\d.]+ dB/.test(summary), `exported for ${dap[1]}: "${summary}"`);
  const expText = await page.textContent('#exp-text');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 5000 }), page.click('#exp-save')]);
  const dlName = download.suggestedFilename();
  const dlPath = join(tmp, 'download-' + dlName);
  await download.saveAs(dlPath);
  const dlText = readFileSync(dlPath, 'utf8');
  check(summary.startsWith(dlName + ':') && dlText === expText && dlText.length > 20, `Save downloaded ${dlName} (${dlText.length} bytes, as shown)`);

  // --- (h) import by dropping an Equalizer APO file on the page: slot C gets its bands -------
  await page.click('#slot-tabs button:nth-child(3)');
  const apo = 'Preamp: -5.5 dB\nFilter 1: ON LSC Fc 105 Hz Gain 4.5 dB Q 0.70\nFilter 2: ON PK Fc 3150 Hz Gain -3.0 dB Q 2.00\nFilter 3: ON HSC Fc 8000 Hz Gain 2.0 dB Q 0.70\n';
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped tune.txt', { type: 'text/plain' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      document.querySelector('.layout').dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, apo);
  await page.waitForFunction(() => window.iemlab.profile() && window.iemlab.profile().left.bands.length === 3, null, { timeout: 5000 }).catch(() => {});
  const imported = await page.evaluate(() => window.iemlab.profile());
  check(imported && imported.left.bands.length === 3 && imported.left.bands[1].freq_hz === 3150 && imported.name === 'dropped tune',
    `the dropped file is in slot C: ${imported && imported.name}, ${JSON.stringify(imported && imported.left.bands.map((b) => [b.type, b.freq_hz, b.gain_db]))}`);
  check(await page.locator('#drop').isHidden(), 'the drop overlay is gone');
  await settled(page);
  check(((await serverSlot(page, 2)).profile?.left.bands.length) === 3, 'the server holds slot C');

  // --- (i) per channel: the right channel's band edited alone ------------------------------
  await page.check('#eq-perch');
  await page.click('#eq-side button[data-side="right"]');
  const gainInput = page.locator('#bands tbody tr:nth-child(2) input[data-key="gain_db"]');
  await gainInput.fill('-7.5');
  await gainInput.press('Tab');
  await page.waitForTimeout(100);
  await settled(page);
  const pc = (await serverSlot(page, 2)).profile;
  check(pc && pc.per_channel && pc.right.bands[1].gain_db === -7.5 && pc.left.bands[1].gain_db === -3,
    `per channel: the server's slot C has left ${pc && pc.left.bands[1].gain_db} dB and right ${pc && pc.right.bands[1].gain_db} dB for band 2`);

  // --- volume and crossfade from the page -------------------------------------------------
  const vol0 = await page.evaluate(() => window.iemlab.S.status.volume_db);
  await page.click('#vol-down');
  await page.click('#vol-down');
  const vol1 = await page.waitForFunction((v) => window.iemlab.S.status.volume_db <= v - 1.5 && window.iemlab.S.status.volume_db, vol0, { timeout: 5000 })
    .then((x) => x.jsonValue()).catch(() => null);
  check(vol1 !== null && Math.abs(vol1 - (vol0 - 2)) < 0.01, `two clicks on − took the volume from ${vol0} to ${vol1} dB`);
  await page.fill('#xfade', '60');
  await page.press('#xfade', 'Tab');
  const xf = await page.waitForFunction(() => window.iemlab.S.status.crossfade_ms === 60, null, { timeout: 5000 }).then(() => true).catch(() => false);
  check(xf, 'the crossfade set in the page is the engine\'s (60 ms)');

  // A second screenshot with the listening panels open, then quit.
  await page.click('#slot-tabs button:nth-child(2)');
  await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
  await pickIems(page, ['Aria', 'Blessing 2']);
  await page.waitForTimeout(300);
  const shot2 = await screenshot(page, SHOT2);
  check(shot2 > 50, `the second screenshot (${SHOT2}) is not blank (variance ${shot2.toFixed(0)})`);

  check(errors.length === 0, `no page errors${errors.length ? ': ' + errors.join(' | ') : ''}`);

  await page.click('#quit');
  const r = await withTimeout(server.exited, 10000, 'the server to stop after Quit').catch((e) => ({ code: String(e.message) }));
  check(r.code === 0, `the server stopped after Quit (exit ${r.code}${r.sig ? ', ' + r.sig : ''})`);
  server = null;

  // --- (b, continued) the WAV: the level changed when B was pressed, not long before ----------
  wavAnalysis(wavCheck, eqAt1k);
}

/**
 * The output WAV begins at the program's first frame, and entry 1 played from 0 without a
 * seek, pause or underrun until the cue step, so WAV frame k is track frame k, which the
 * status's `position` counts (the callback's frame at the time the desk published it, every
 * 50 ms). What the 150 ms tolerance covers: the status the page saw at the key press is up to
 * 50 ms old (+ its delivery), then the key's request, the desk's poll (5 ms), the next output
 * buffer and the 20 ms crossfade; the 50 ms RMS windows smear the step by half a window.
 */
function wavAnalysis(w, eqAt1k) {
  const { rate, left } = readWav(OUT);
  check(rate === RATE, `OUT.wav is ${rate} Hz, ${(left.length / rate).toFixed(1)} s`);
  const win = Math.round(0.05 * rate), hop = Math.round(0.005 * rate);
  const at = (sec) => rmsDb(left, Math.round(sec * rate) - win / 2, win); // window centred at sec
  const p = w.press;
  const series = [];
  for (let s = p - 1.0; s <= p + 1.0; s += hop / rate) series.push([s, at(s)]);
  const med = (xs) => { const a = xs.slice().sort((x, y) => x - y); return a[a.length >> 1]; };
  const flat = med(series.filter(([s]) => s < p - 0.2).map(([, d]) => d));
  const eqd = med(series.filter(([s]) => s > p + 0.25).map(([, d]) => d));
  const tone = 20 * Math.log10(0.25 / Math.SQRT2);
  log(`WAV: the tone alone is ${tone.toFixed(2)} dBFS; A measured ${flat.toFixed(2)} dBFS before the press, B ${eqd.toFixed(2)} dBFS after (levels ${JSON.stringify(w.levels)}, B's EQ at 1 kHz ${eqAt1k.toFixed(2)} dB)`);
  const worstBefore = Math.max(...series.filter(([s]) => s < p - 0.15).map(([, d]) => Math.abs(d - flat)));
  check(Math.abs(flat - (tone + w.levels[0])) < 1, `before the press the output is slot A: ${flat.toFixed(2)} dBFS = tone ${tone.toFixed(2)} + A's level ${w.levels[0].toFixed(2)} (within 1 dB)`);
  check(worstBefore < 1, `from 1 s to 150 ms before the press every 50 ms window is within 1 dB of it (worst ${worstBefore.toFixed(2)} dB)`);
  check(Math.abs(eqd - flat) > 3, `after the press the level differs by ${(eqd - flat).toFixed(2)} dB (> 3 dB)`);
  log(`WAV: B's safety gain ${w.safetyB} dB, profile preamp ${w.preampB} dB`);
  const want = eqAt1k + (w.preampB || 0) + (w.safetyB || 0) + w.levels[1] - w.levels[0];
  check(Math.abs(eqd - flat - want) < 1, `as B's EQ at 1 kHz (${eqAt1k.toFixed(2)} dB) + its preamp (${(w.preampB || 0).toFixed(2)} dB) and clip guard (${(w.safetyB || 0).toFixed(2)} dB) + the level match (${(w.levels[1] - w.levels[0]).toFixed(2)} dB) = ${want.toFixed(2)} dB say (within 1 dB)`);
  const half = (flat + eqd) / 2;
  const cross = series.find(([s, d]) => s > p - 0.9 && (eqd < flat ? d < half : d > half));
  const tc = cross ? cross[0] : NaN;
  log(`WAV: the level crosses half way at ${tc.toFixed(3)} s; the page saw ${p.toFixed(3)} s at the press; status bracket: last A ${w.lastA?.toFixed(3)} s, first B ${w.firstB?.toFixed(3)} s`);
  check(Math.abs(tc - p) <= 0.15, `the change lies ${((tc - p) * 1000).toFixed(0)} ms from the press as the status placed it (within 150 ms)`);
  check(w.lastA != null && w.firstB != null && tc >= w.lastA - 0.03 && tc <= w.firstB + 0.06,
    'and between the last status heard A and the first heard B (−30 ms, +60 ms for the crossfade and the window)');
  check(w.underruns === 0, `no underruns up to then (${w.underruns})`);
}

try {
  await main();
} catch (e) {
  failed++;
  console.error('studio.test: FAIL', e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) server.kill('SIGKILL');
  if (!process.env.KEEP && !process.env.SHOT && failed === 0) rmSync(tmp, { recursive: true, force: true });
  else log('kept', tmp);
}
if (failed) console.error(`studio.test: ${failed} failure(s)`);
else log(`all passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
