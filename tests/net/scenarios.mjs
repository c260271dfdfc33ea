// The scenarios of issue 9, each a run of wayrtc sharing busy content (a terminal
// scrolling random text, with the wall clock painted on top) to Chromium across the
// router of net.mjs, first unshaped and then with the link made worse, in the same run.
// Each returns its figures; scenario.test.mjs asserts on them, tests/bench/network.mjs
// prints them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { patternBin, sessionBin, sessionDisplay } from '../e2e/lib.mjs';
import { Net, TURN, SERVER } from './net.mjs';
import { watchPeer, startMeter, startCanvasMeter, readMeter, summarize, settleTime, timeline }
  from './measure.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SIZE = process.env.WAYRTC_NET_SIZE ?? '1280x720';
// Settling in before the unshaped figures (first keyframe, the jitter buffer).
const WARMUP_MS = 3000;
// What the issue grants the stream to fit a new link: about two seconds.
const ADAPT_MS = 2000;
const MEASURE_MS = Number(process.env.WAYRTC_NET_SECONDS ?? 10) * 1000;

async function share(net, extra = [], env = {}) {
  return net.startWayrtc(['--source=virtual', `--size=${SIZE}`, ...extra, '--', patternBin,
    '--animate', '--clock', '--busy'], { env });
}

// A viewer in namespace c<i>: a page that plays, with the meter running. Resolves with
// the page and how long from the page's load to the first picture; playing false if
// none came.
async function view(net, wayrtc, i = 1, { timeoutMs = 30000, clock = true } = {}) {
  const browser = await net.launchBrowser(i);
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await watchPeer(page);
  await page.goto(wayrtc.url);
  const t0 = Date.now();
  try {
    // (a connection that failed can leave a 2×2 blank picture, which the page counts as
    // playing)
    await page.waitForFunction(() => window.wayrtc.state === 'playing' &&
      document.getElementById('screen').videoWidth >= 64, null,
    { timeout: timeoutMs, polling: 100 });
  } catch {
    return { page, browser, playing: false, state: await page.evaluate(() => window.wayrtc.state) };
  }
  const firstPictureMs = Date.now() - t0;
  await startMeter(page, { clock });
  return { page, browser, playing: true, firstPictureMs };
}

async function window_(page, ms) {
  const from = Date.now();
  await sleep(ms);
  return [from, Date.now()];
}

async function run(viewers, body) {
  const net = new Net({ viewers });
  try {
    return await body(net);
  } finally {
    await net.down();
  }
}

// wayrtc and one viewer playing, then a window of the unshaped link after the warm-up.
async function unshapedRun(net) {
  const wayrtc = await share(net);
  const v = await view(net, wayrtc);
  if (!v.playing) throw new Error(`no picture even unshaped (state ${v.state})`);
  await sleep(WARMUP_MS);
  const [a0, a1] = await window_(v.page, MEASURE_MS);
  return { v, a0, a1 };
}

// 2 Mbit/s bottleneck between wayrtc and the viewer.
export function bottleneck({ kbit = 2000 } = {}) {
  return run(1, async (net) => {
    const { v, a0, a1 } = await unshapedRun(net);
    net.shape(1, kbit);
    await sleep(ADAPT_MS);
    const [b0, b1] = await window_(v.page, MEASURE_MS);
    const m = await readMeter(v.page);
    return {
      unshaped: summarize(m, a0, a1),
      shaped: summarize(m, b0, b1),
      shapedFromStep: summarize(m, a1, b1),
      timeline: timeline(m, a1, a1 + ADAPT_MS + 4000),
    };
  });
}

// Capacity steps: unshaped, then 10 → 1.5 → 10 Mbit/s.
export function steps({ rates = [10000, 1500, 10000], phaseMs = 8000 } = {}) {
  return run(1, async (net) => {
    const { v, a0, a1 } = await unshapedRun(net);
    const phases = [];
    for (const kbit of rates) {
      net.shape(1, kbit);
      const [p0, p1] = await window_(v.page, phaseMs);
      phases.push({ kbit, at: p0, to: p1 });
    }
    const m = await readMeter(v.page);
    return {
      unshaped: summarize(m, a0, a1),
      phases: phases.map((p) => ({
        kbit: p.kbit,
        settleMs: settleTime(m, p.at, p.to),
        timeline: timeline(m, p.at, Math.min(p.to, p.at + 6000)),
        all: summarize(m, p.at, p.to),
        settled: summarize(m, p.at + ADAPT_MS, p.to),
      })),
      whole: summarize(m, phases[0].at, phases[phases.length - 1].to),
    };
  });
}

// Random loss in both directions plus delay (one way, so RTT = 2 × delayMs).
export function lossy({ lossPct = 5, delayMs = 20 } = {}) {
  return run(1, async (net) => {
    const { v, a0, a1 } = await unshapedRun(net);
    await net.delay(delayMs);
    net.loss(lossPct);
    await sleep(ADAPT_MS);
    const [b0, b1] = await window_(v.page, MEASURE_MS);
    const m = await readMeter(v.page);
    return { unshaped: summarize(m, a0, a1), lossy: summarize(m, b0, b1) };
  });
}

// Two viewers: the first alone, then with a second one behind a slow link. Frames and
// quality only: reading the painted clock of every frame (glass to glass) costs each page
// most of a core without a GPU, and two such pages on two cores measured mostly each
// other (the first viewer's frames/s beside the second fell to half with the clock read,
// to 0.85–0.93 of alone without it).
export function twoViewers({ slowKbit = 1000 } = {}) {
  return run(2, async (net) => {
    const wayrtc = await share(net);
    const fast = await view(net, wayrtc, 1, { clock: false });
    if (!fast.playing) throw new Error(`no picture for the first viewer (state ${fast.state})`);
    await sleep(WARMUP_MS);
    const [a0, a1] = await window_(fast.page, MEASURE_MS);
    net.shape(2, slowKbit);
    const slow = await view(net, wayrtc, 2, { clock: false });
    await sleep(ADAPT_MS);
    const [b0, b1] = await window_(fast.page, MEASURE_MS);
    const m = await readMeter(fast.page);
    // where the server put each viewer (src/share/share.c, "Two encodes per codec")
    const moves = wayrtc.log.join('').split('\n')
      .filter((l) => /: (to the encode for slow links|back to the main encode)/.test(l));
    return {
      alone: summarize(m, a0, a1),
      together: summarize(m, b0, b1),
      slow: slow.playing ? summarize(await readMeter(slow.page), b0, b1) : null,
      slowPlaying: slow.playing,
      moves,
    };
  });
}

// All UDP to and from the viewer dropped: does it connect, how, and does it play. With
// turn (the default) coturn runs in the TURN namespace and wayrtc gets its secret, and
// direct TCP to wayrtc is dropped too (but for its page), so the browser must relay over
// TCP; turn false: no TURN at all, the browser may reach our ICE-TCP candidates.
export function udpBlocked({ timeoutMs = 30000, turn = true } = {}) {
  return run(1, async (net) => {
    const args = [];
    if (turn) {
      const secret = crypto.randomBytes(24).toString('base64url');
      await net.startTurn(secret);
      const file = path.join(net.tmpDir('secret'), 'turn-secret');
      fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
      args.push(`--turn=${TURN}:3478`, `--turn-secret-file=${file}`, '--turn-tls-port=0');
    }
    // at debug: the server's stats line per viewer
    const wayrtc = await share(net, args, { WAYRTC_LOG: 'debug' });
    const open = await view(net, wayrtc, 1);
    if (!open.playing) throw new Error(`no picture even with UDP (state ${open.state})`);
    await sleep(WARMUP_MS);
    const [a0, a1] = await window_(open.page, MEASURE_MS / 2);
    const unshaped = summarize(await readMeter(open.page), a0, a1);
    await open.browser.close();
    net.blockUdp(true, { relayOnly: turn });
    const v = await view(net, wayrtc, 1, { timeoutMs });
    if (!v.playing) return { unshaped, playing: false, state: v.state };
    await sleep(ADAPT_MS);
    const [b0, b1] = await window_(v.page, MEASURE_MS / 2);
    const lines = wayrtc.log.join('').split('\n').filter((l) => /viewer: .* sent \d+ kbit\/s/.test(l));
    return {
      unshaped, playing: true, firstPictureMs: v.firstPictureMs,
      blocked: summarize(await readMeter(v.page), b0, b1),
      serverStats: lines,
    };
  });
}

// wayvnc + noVNC behind the same bottleneck, for comparison (a benchmark, not a test): a
// virtual desktop of its own (wayrtc-session) with the same content, wayvnc on it and
// websockify serving noVNC's vnc_lite.html, all in the server's namespace. The page's
// canvas is read on every animation frame, a frame counted when the painted clock
// changed; kbit/s from the viewer's interface counter.
const NOVNC = process.env.NOVNC_WEB ?? '/usr/share/novnc';

export function vncBottleneck({ kbit = 2000 } = {}) {
  return run(1, async (net) => {
    const runtime = net.tmpDir('vnc-run');
    fs.chmodSync(runtime, 0o700);
    const env = { ...process.env, XDG_RUNTIME_DIR: runtime, XKB_DEFAULT_LAYOUT: 'us',
      WAYLAND_DISPLAY: '' };
    const session = net.spawnIn('srv', sessionBin, [`--size=${SIZE}`, '--ready-fd=3', '--',
      patternBin, '--animate', '--clock', '--busy'],
    { env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
    const display = await sessionDisplay(session);
    net.spawnIn('srv', 'wayvnc', [SERVER, '5900'], { env: { ...env, WAYLAND_DISPLAY: display },
      stdio: 'ignore' });
    net.spawnIn('srv', 'websockify', ['--web', NOVNC, `${SERVER}:6080`, `${SERVER}:5900`],
      { stdio: 'ignore' });
    const browser = await net.launchBrowser(1);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const url = `http://${SERVER}:6080/vnc_lite.html?host=${SERVER}&port=6080`;
    for (let tries = 0; ; tries++) {
      try {
        await page.goto(url);
        break;
      } catch (err) {
        if (tries > 40) throw err;
        await sleep(250);
      }
    }
    await page.waitForFunction(() => (document.querySelector('#screen canvas')?.width ?? 0) >= 512,
      null, { timeout: 20000, polling: 100 });
    await startCanvasMeter(page, '#screen canvas');
    await sleep(WARMUP_MS);
    const rx0 = net.rxBytes(1);
    const [a0, a1] = await window_(page, MEASURE_MS);
    const rx1 = net.rxBytes(1);
    net.shape(1, kbit);
    await sleep(ADAPT_MS);
    const rx2 = net.rxBytes(1);
    const [b0, b1] = await window_(page, MEASURE_MS);
    const rx3 = net.rxBytes(1);
    const m = await readMeter(page);
    const kbps = (bytes, from, to) => (bytes * 8) / (to - from);
    return {
      unshaped: { ...summarize(m, a0, a1), kbps: kbps(rx1 - rx0, a0, a1) },
      shaped: { ...summarize(m, b0, b1), kbps: kbps(rx3 - rx2, b0, b1) },
      timeline: timeline(m, a1, a1 + ADAPT_MS + 4000),
    };
  });
}

export const SCENARIOS = { bottleneck, steps, lossy, twoViewers, udpBlocked, vncBottleneck };
