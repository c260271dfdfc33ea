// Glass-to-glass benchmark: a client in the virtual desktop paints the wall-clock time
// (ms) as a bar code every frame; Chromium decodes it from each video frame it presents
// (requestVideoFrameCallback) and compares with its own clock: paint → shown in the
// browser, with the compositor, capture, encode, network and decode in between.
//   node tests/bench/glass.mjs [WxH] [SECONDS]     (after `meson compile -C build`)
import { startWayrtc, stop, launchBrowser, patternBin } from '../e2e/lib.mjs';

const size = process.argv[2] ?? '1280x720';
const seconds = Number(process.argv[3] ?? 10);

const wayrtc = await startWayrtc(['--source=virtual', `--size=${size}`, '--listen=127.0.0.1:0',
  '--', patternBin, '--animate', '--clock']);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
await page.goto(wayrtc.url);
await page.waitForFunction(() => window.wayrtc.state === 'playing', null, { timeout: 20000 });

const samples = await page.evaluate((ms) => new Promise((resolve) => {
  const v = document.getElementById('screen');
  const c = document.createElement('canvas');
  c.width = 32 * 16;
  c.height = 16;
  const g = c.getContext('2d', { willReadFrequently: true });
  const out = [];
  const end = performance.now() + ms;
  const onFrame = () => {
    const now = Date.now();
    g.drawImage(v, 0, 0, c.width, c.height, 0, 0, c.width, c.height);
    const row = g.getImageData(0, 8, c.width, 1).data;
    let painted = 0;
    for (let i = 0; i < 32; i++) {
      if (row[(i * 16 + 8) * 4 + 1] > 128) painted = (painted | (1 << i)) >>> 0;
    }
    const age = ((now >>> 0) - painted) >>> 0;
    if (age < 5000) out.push(age);
    if (performance.now() < end) v.requestVideoFrameCallback(onFrame);
    else resolve(out);
  };
  v.requestVideoFrameCallback(onFrame);
}), seconds * 1000);

await browser.close();
await stop(wayrtc.child);
samples.sort((a, b) => a - b);
const at = (p) => samples[Math.min(samples.length - 1, Math.floor(p * (samples.length - 1)))];
console.log(`${size}: ${samples.length} frames shown in ${seconds} s (${(samples.length / seconds).toFixed(1)} fps); `
  + `paint → shown in Chromium p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms`);
