// Browser test of `iemlab studio`: starts the server, drives the page in headless Chromium,
// and exits non-zero on any failure.
//
//   node tests/browser/studio.test.mjs
//
// Environment:
//   IEMLAB_BIN       the binary (default: $CARGO_TARGET_DIR or ./target, then release/iemlab)
//   STUDIO_URL       test a server that is already running at this address (e.g. the mock,
//                    tests/browser/mock_server.py) instead of starting the binary
//   IEMLAB_PLAYLIST  a playlist to pass (default: none, the built-in demo material)
//   CHROMIUM         the browser (default /usr/bin/chromium)
//   SHOT             where to write the screenshot (default: a temp dir)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGET = process.env.CARGO_TARGET_DIR || join(ROOT, 'target');
const BIN = process.env.IEMLAB_BIN || join(TARGET, 'release', 'iemlab');
const tmp = mkdtempSync(join(tmpdir(), 'iemlab-studio-test-'));
const SHOT = process.env.SHOT || join(tmpdir(), 'iemlab-studio.png');

let server = null;
let browser = null;
let failed = 0;
const log = (...a) => console.log('studio.test:', ...a);
function check(cond, what) {
  if (cond) log('ok  ', what);
  else { failed++; console.error('studio.test: FAIL', what); }
  return cond;
}
const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);

/** Starts the binary; resolves with the URL from its first stdout line. */
function startServer() {
  const args = ['studio', '--no-open', '--db', join(ROOT, 'tests/data/graphtool'), '--device', `wav:${join(tmp, 'out.wav')}`, '--port', '0'];
  if (process.env.IEMLAB_PLAYLIST) args.push(process.env.IEMLAB_PLAYLIST);
  log('starting', BIN, args.join(' '));
  server = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: process.env.HOME || tmp } });
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

async function main() {
  const url = process.env.STUDIO_URL || await startServer();
  check(/^http:\/\/127\.0\.0\.1:\d+\/\?token=.+/.test(url), `the first stdout line is the page address (${url})`);

  browser = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => d.accept());

  await page.goto(url);
  await page.waitForFunction(() => window.iemlab && window.iemlab.S && window.iemlab.S.graph, null, { timeout: 15000 });
  check(!page.url().includes('token='), 'the token is dropped from the address bar');
  await page.waitForFunction(() => window.iemlab.S.status !== null, null, { timeout: 10000 });
  check(true, 'the event stream delivers status');

  // Pick two IEMs by search: the first becomes "mine" (Enter), the second is compared.
  for (const name of ['Aria', 'Blessing 2']) {
    await page.fill('#search', name);
    await page.waitForSelector('#results li', { timeout: 10000 });
    await page.press('#search', 'Enter');
    await page.waitForFunction((n) => window.iemlab.S.iems.some((c) => c.name.includes(n)), name, { timeout: 10000 });
  }
  const iems = await page.evaluate(() => window.iemlab.S.iems.map((c) => ({ name: c.name, mine: c.mine })));
  check(iems.length === 2 && iems.filter((c) => c.mine).length === 1, `two IEMs shown, one mine: ${JSON.stringify(iems)}`);
  check(await page.locator('#legend li').count() === 2, 'the legend lists both');

  // Add a band, then drag its handle up and right: the EQ curve must change and reach the server.
  const n0 = await page.evaluate(() => window.iemlab.profile().left.bands.length);
  await page.click('#add-band');
  await page.waitForFunction((n) => window.iemlab.profile().left.bands.length === n + 1, n0);
  await page.waitForTimeout(100);
  const before = await page.evaluate(() => window.iemlab.eqCurve());
  const h = await page.evaluate((n) => window.iemlab.handlePos(n), n0);
  check(h !== null, `band ${n0 + 1} has a handle at ${JSON.stringify(h)}`);
  await page.mouse.move(h.x, h.y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(h.x + 12 * i, h.y - 8 * i);
  await page.mouse.up();
  await page.waitForTimeout(150);
  const after = await page.evaluate(() => window.iemlab.eqCurve());
  const band = await page.evaluate((n) => window.iemlab.profile().left.bands[n], n0);
  const maxDiff = Math.max(...after.map((v, i) => Math.abs(v - before[i])));
  check(maxDiff > 2, `dragging the handle changed the EQ curve (max change ${maxDiff.toFixed(2)} dB; band now ${JSON.stringify(band)})`);
  check(band.freq_hz > 1200 && band.gain_db > 2, 'the band moved up in frequency and gain');
  const posts = await page.waitForFunction(() => {
    const t = window.iemlab.posts[window.iemlab.S.slot];
    return !t.inflight && !t.pending && t.done > 0 && t;
  }, null, { timeout: 10000 }).then((x) => x.jsonValue());
  check(posts.done >= 1, `the profile reached the server (${posts.sent} requests, coalesced while dragging)`);
  const state = await page.evaluate(() => window.iemlab.api('GET', '/api/state'));
  const served = state.slots[0].profile;
  check(served && served.left.bands.length === n0 + 1 && Math.abs(served.left.bands[n0].freq_hz - band.freq_hz) < 0.5,
    `the server holds the dragged band (${JSON.stringify(served && served.left.bands)})`);
  const bench = await page.evaluate(() => window.iemlab.benchmark(30));
  check(bench.median < 16, `a full redraw takes ${bench.median.toFixed(2)} ms (median of 30; max ${bench.max.toFixed(2)})`);

  // Press b: the heard slot becomes B (the server's answer comes back through the event stream).
  await page.click('#now-title');
  const heard0 = await page.evaluate(() => window.iemlab.S.status.heard);
  await page.keyboard.press(heard0 === 1 ? 'a' : 'b');
  const want = heard0 === 1 ? 0 : 1;
  const heard = await page.waitForFunction((w) => window.iemlab.S.status.heard === w && window.iemlab.S.status.heard, want, { timeout: 5000 })
    .then((x) => x.jsonValue()).catch(() => null);
  check(heard === want, `pressing ${'ab'[want]} changed the heard slot (${heard0} → ${heard})`);
  check(await page.locator(`.slot[data-slot="${want}"].heard`).count() === 1, 'the heard slot is highlighted');

  // Screenshot, and check it is not blank: the pixel variance of the image, decoded by the page.
  const png = await page.screenshot({ path: SHOT });
  const variance = await page.evaluate(async (b64) => {
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
  check(variance > 50, `the screenshot (${SHOT}) is not blank (pixel variance ${variance.toFixed(0)})`);

  check(errors.length === 0, `no page errors${errors.length ? ': ' + errors.join(' | ') : ''}`);

  // Quit: the server stops.
  await page.click('#quit');
  if (server) {
    const r = await withTimeout(server.exited, 10000, 'the server to stop after Quit').catch((e) => ({ code: String(e.message) }));
    check(r.code === 0, `the server stopped after Quit (exit ${r.code}${r.sig ? ', ' + r.sig : ''})`);
    server = null;
  }
}

try {
  await main();
} catch (e) {
  failed++;
  console.error('studio.test: FAIL', e && e.stack || e);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server) server.kill('SIGKILL');
  if (!process.env.SHOT && failed === 0) rmSync(tmp, { recursive: true, force: true });
}
if (failed) console.error(`studio.test: ${failed} failure(s)`);
else log('all passed');
process.exit(failed ? 1 : 0);
