// Screenshot of the studio page at URL with two IEMs and a few bands, for looking at it:
//   node tests/browser/shot.mjs URL [out.png] [width] [height]
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, out = '/tmp/studio.png', w = '1440', h = '1000'] = process.argv.slice(2);
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'iemlab-shot-')), {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: +w, height: +h },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0] || await ctx.newPage();
page.on('console', (m) => console.log('console:', m.type(), m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(url);
await page.waitForFunction(() => window.iemlab && window.iemlab.S && window.iemlab.S.graph);
await page.evaluate(async () => {
  const ie = window.iemlab;
  const names = (await ie.api('GET', '/api/search?q=')).map((x) => x.name);
  await ie.addIem(names[0], true);
  await ie.addIem(names[1], false);
  await ie.addIem(names[2], false);
  ie.loadProfile({ name: 'warm tune', preamp_db: -4, per_channel: false,
    left: { gain_db: 0, bands: [{ type: 'low_shelf', freq_hz: 105, gain_db: 4, q: 0.7 }, { type: 'peaking', freq_hz: 3200, gain_db: -3, q: 2 }, { type: 'high_shelf', freq_hz: 8000, gain_db: 2, q: 0.7 }] },
    right: { gain_db: 0, bands: [] } });
});
await page.waitForTimeout(700);
console.log('redrawMs', await page.evaluate(() => window.iemlab.redrawMs), 'bench', JSON.stringify(await page.evaluate(() => window.iemlab.benchmark(30))));
await page.screenshot({ path: out });
await ctx.close();
