// Input latency benchmark: Chromium presses keys and moves the pointer over the video of
// wayrtc's virtual desktop; the pattern client inside it stamps each event it receives
// with the wall clock. Latency = the client's stamp − the browser event's timeStamp
// (both CLOCK_REALTIME on this machine): page → data channel (SCTP/DTLS/ICE on loopback)
// → wayrtc → virtual keyboard/pointer → compositor → client.
//   node tests/bench/input.mjs [COUNT]     (after `meson compile -C build`)
import fs from 'node:fs';
import { startWayrtc, stop, launchBrowser, patternBin, tmpDir, EventLog, waitForControl, pointAt }
  from '../e2e/lib.mjs';

const count = Number(process.argv[2] ?? 200);
const dir = tmpDir('wayrtc-bench-input-');
const file = `${dir}/events`;
const wayrtc = await startWayrtc(['--source=virtual', '--size=1280x720', '--listen=127.0.0.1:0',
  '--', 'sh', '-c', `exec ${patternBin} --timestamps > ${file}`]);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
// the browser's own time of each event, taken before the client's handlers run
await page.addInitScript(() => {
  window.__stamps = [];
  const stamp = (ev) => window.__stamps.push({
    type: ev.type, code: ev.code ?? '', t: performance.timeOrigin + ev.timeStamp,
  });
  for (const type of ['keydown', 'keyup', 'pointerrawupdate', 'pointermove', 'pointerdown']) {
    window.addEventListener(type, stamp, { capture: true });
  }
});
await page.goto(wayrtc.url);
await page.waitForFunction(() => window.wayrtc.state === 'playing', null, { timeout: 20000 });
await waitForControl(page);
const events = new EventLog(file);

const keys = [];
const moves = [];
for (let i = 0; i < count; i++) {
  await page.keyboard.down('KeyA');
  const down = await events.waitFor(/^key 30 pressed @([\d.]+)$/);
  await page.keyboard.up('KeyA');
  await events.waitFor(/^key 30 released @([\d.]+)$/);
  const stamps = await page.evaluate(() => window.__stamps.splice(0));
  const sent = stamps.find((s) => s.type === 'keydown');
  if (sent) keys.push(Number(down[1]) - sent.t);

  // a move to a new place each time (the client reports only real motion)
  const p = await pointAt(page, 100 + (i % 50) * 20, 100 + (i % 7) * 50);
  await page.mouse.move(p.x, p.y);
  const moved = await events.waitFor(/^pointer motion \d+ \d+ @([\d.]+)$/);
  const mstamps = await page.evaluate(() => window.__stamps.splice(0));
  // the first sign of the motion in the page (pointerrawupdate where there is one)
  const msent = mstamps.find((s) => s.type.startsWith('pointer'));
  if (msent) moves.push(Number(moved[1]) - msent.t);
  // drain any further motion lines of this move
  await new Promise((r) => setTimeout(r, 10));
  events.cursor = events.lines().length;
}

await browser.close();
await stop(wayrtc.child);
fs.rmSync(dir, { recursive: true, force: true });

function report(name, samples) {
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * (samples.length - 1)))];
  console.log(`${name}: ${samples.length} events, browser event → Wayland client `
    + `p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${at(1).toFixed(2)} ms`);
}
report('key press', keys);
report('pointer motion', moves);
