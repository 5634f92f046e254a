// Benchmark of the studio page (node + playwright-core from tests/browser/node_modules):
//
//   node benches/studio_page.mjs [STARTS]        (after `cd tests/browser && npm ci`)
//
// (a) page ready: with Chromium already running, from spawning `iemlab studio` to the page
//     having its state and its first graph drawn (window.iemlab.ready resolved and one graph
//     frame counted) — median and max of STARTS (10) starts; and the server alone: spawn to
//     the first HTTP 200 of /api/state (polled every 2 ms once the address is printed).
// (b) graph redraw per animation frame while dragging a band, on the 1/48-octave grid (480
//     points), curves: the target, mine (Aria) + 3 IEMs (Blessing 2, Blessing 3, IE900), the
//     EQ curve of slot A and "mine + EQ" (7 lines). The drag is ~120 real mouse moves on a
//     handle; for every frame the graph draws, the time of its frame() (prepare + draw) is
//     taken, plus a 1-pixel getImageData that makes Chromium rasterise the canvas there and
//     then (so the figure includes the real drawing work, not only recording the commands).
// (c) the engine's underruns (from the status) before and after the drag.
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import http from 'node:http';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'tests/browser/package.json'));
const { chromium } = require('playwright-core');
const BIN = process.env.IEMLAB_BIN || join(process.env.CARGO_TARGET_DIR || join(ROOT, 'target'), 'release', 'iemlab');
const STARTS = +(process.argv[2] || 10);
const tmp = mkdtempSync(join(tmpdir(), 'iemlab-bench-page-'));
const stats = (xs) => { const a = xs.slice().sort((x, y) => x - y); return { median: a[a.length >> 1], max: a[a.length - 1], n: a.length }; };
const f1 = (x) => x.toFixed(1);

function start(i) {
  const t0 = performance.now();
  const p = spawn(BIN, ['studio', '--no-open', '--db', join(ROOT, 'tests/data/graphtool'), '--device', 'null', '--port', '0',
    '--autosave', join(tmp, 'auto' + i), '--notes', join(tmp, 'notes.jsonl')], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, XDG_DATA_HOME: join(tmp, 'data') } });
  const url = new Promise((res, rej) => {
    createInterface({ input: p.stdout }).once('line', (l) => res(l.trim()));
    p.on('exit', (c) => rej(new Error('exited ' + c)));
  });
  return { p, t0, url, exited: new Promise((r) => p.on('exit', r)) };
}

function get200(url) {
  const u = new URL(url);
  const token = u.searchParams.get('token');
  return new Promise((res) => {
    const tryOnce = () => http.get({ host: u.hostname, port: u.port, path: '/api/state', headers: { 'X-Iemlab-Token': token } }, (r) => {
      r.resume();
      if (r.statusCode === 200) r.on('end', () => res(performance.now())); else setTimeout(tryOnce, 2);
    }).on('error', () => setTimeout(tryOnce, 2));
    tryOnce();
  });
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const ctx = await browser.newContext({ viewport: { width: 1440, height: 1000 } });

// (a) server alone, then page ready.
const serverMs = [], pageMs = [];
for (let i = 0; i < STARTS; i++) {
  const s = start(i);
  const t = await get200(await s.url);
  serverMs.push(t - s.t0);
  s.p.kill('SIGTERM');
  await s.exited;
}
let page;
for (let i = 0; i < STARTS; i++) {
  page = await ctx.newPage();
  await page.goto('about:blank');
  const s = start(100 + i);
  const url = await s.url;
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.iemlab && window.iemlab.ready && window.iemlab.S && window.iemlab.S.graph && window.iemlab.redraws > 0, null, { polling: 'raf', timeout: 10000 });
  await page.evaluate(() => window.iemlab.ready);
  pageMs.push(performance.now() - s.t0);
  if (i < STARTS - 1) { s.p.kill('SIGTERM'); await s.exited; await page.close(); } else page.server = s;
}

// (b) the drag.
await page.evaluate(async () => {
  const ie = window.iemlab;
  const all = (await ie.api('GET', '/api/search?q=')).map((x) => x.name);
  const pick = (n) => all.find((x) => x.endsWith(n));
  await ie.addIem(pick('Aria'), true);
  for (const n of ['Blessing 2', 'Blessing 3', 'IE900']) await ie.addIem(pick(n), false);
  ie.loadProfile({ name: 'bench', preamp_db: -3, per_channel: false, left: { gain_db: 0, bands: [
    { type: 'low_shelf', freq_hz: 105, gain_db: 3, q: 0.7 }, { type: 'peaking', freq_hz: 1000, gain_db: 0, q: 1.41 },
    { type: 'peaking', freq_hz: 3200, gain_db: -3, q: 2 }, { type: 'high_shelf', freq_hz: 8000, gain_db: 2, q: 0.7 }] }, right: { gain_db: 0, bands: [] } });
  await new Promise((r) => setTimeout(r, 500));
  // Time every frame the graph draws: frame() and a 1-px read that forces the raster.
  const g = ie.S.graph, frame = g.frame.bind(g);
  window.benchFrames = [];
  g.frame = () => {
    const t0 = performance.now();
    frame();
    g.ctx.getImageData(0, 0, 1, 1);
    window.benchFrames.push({ all: performance.now() - t0, js: g.lastMs, at: t0 });
  };
});
const lines = await page.evaluate(() => window.iemlab.S.graph.allLines().map((l) => `${l.label} (${l.data.length} pts)`));
const u0 = await page.evaluate(() => window.iemlab.S.status.underruns);
const h = await page.evaluate(() => window.iemlab.handlePos(1));
await page.evaluate(() => { window.benchFrames.length = 0; });
await page.mouse.move(h.x, h.y);
await page.mouse.down();
for (let i = 1; i <= 120; i++) await page.mouse.move(h.x + 150 * Math.sin(i / 12), h.y - 60 * Math.sin(i / 7));
await page.mouse.up();
await page.waitForTimeout(800);
const frames = await page.evaluate(() => window.benchFrames);
const u1 = await page.evaluate(() => window.iemlab.S.status.underruns);
const posts = await page.evaluate(() => window.iemlab.posts[0]);
const gaps = frames.slice(1).map((f, i) => f.at - frames[i].at);

const a = stats(serverMs), b = stats(pageMs), all = stats(frames.map((f) => f.all)), js = stats(frames.map((f) => f.js)), gp = stats(gaps);
console.log(`iemlab studio page benchmark (${BIN})`);
console.log(`(a) server ready (spawn → first 200 of /api/state): median ${f1(a.median)} ms, max ${f1(a.max)} ms over ${a.n} starts`);
console.log(`    page ready (spawn → state loaded and first graph drawn, Chromium running): median ${f1(b.median)} ms, max ${f1(b.max)} ms over ${b.n} starts   [goal ≤ 300 ms]`);
console.log(`(b) redraw while dragging, ${frames.length} frames for 120 mouse moves; curves: ${lines.join(', ')}`);
console.log(`    per frame, prepare + draw + raster: median ${all.median.toFixed(2)} ms, max ${all.max.toFixed(2)} ms   [goal ≤ 16 ms]`);
console.log(`    of which JavaScript (iemlab.redrawMs): median ${js.median.toFixed(2)} ms, max ${js.max.toFixed(2)} ms; frame to frame: median ${f1(gp.median)} ms, max ${f1(gp.max)} ms`);
console.log(`    profile posts during the drag: ${posts.sent} sent, ${posts.done} answered (one request in flight per slot; later edits coalesce)`);
console.log(`(c) engine underruns: ${u0} before the drag, ${u1} after`);
page.server.p.kill('SIGTERM');
await page.server.exited;
await browser.close();
rmSync(tmp, { recursive: true, force: true });
