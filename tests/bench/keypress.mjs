// Typed key → shown in the browser, wayrtc and wayvnc + noVNC side by side in one run.
// Each system runs its own desktop 1280x720 with the same client (wayrtc-test-pattern
// --keyflash: every key press turns a 64x64 square at the top-left corner white, then
// black, and commits at once). One headless Chromium holds both pages; blocks of presses
// alternate between them, so load drifts on a shared machine hit both alike.
//   wayrtc: wayrtc --source=virtual (wayrtc-session inside), the page at its link, H.264
//     over WebRTC, keys over the `input` data channel; the square is read from each video
//     frame Chromium presents (requestVideoFrameCallback).
//   wayvnc: a second wayrtc-session, wayvnc 0.5 on it (defaults: --max-fps 30, noVNC's
//     default encodings), websockify serving noVNC's vnc_lite.html; the square is read
//     from noVNC's <canvas> on every animation frame.
// Latency ("shown") = performance.now() at the start of the first callback that sees the
// square's new colour − the keydown event's timeStamp, both in the page's own clock (no
// cross-process clocks). The callback is requestVideoFrameCallback for the video and
// requestAnimationFrame for the canvas: both run in the page's rendering step. That is a
// little late for the video (Chromium hands a video frame to its compositor before the
// main thread's step sees it) and a little early for the canvas (its pixels go to the
// compositor at the end of that step): if anything, it favours noVNC. Also printed: for
// the video, metadata.presentationTime and receiveTime (last packet of the frame in);
// for noVNC, when it drew into the visible canvas (its drawImage, hooked); and for both,
// when the client got the key (its --timestamps stamp, CLOCK_REALTIME, against
// timeOrigin + timeStamp), which splits the input path from the picture's way back.
//   node tests/bench/keypress.mjs [COUNT] [BLOCK]   (WAYRTC_BUILD=/path/to/build)
// KEYPRESS_WAYRTC_ARGS: more options for wayrtc, space-separated (e.g. --codec=h264).
// KEYPRESS_CLIENT=foot: a real terminal instead of the pattern client, on both desktops:
// foot (large font, no blink) running a bash loop that reads each key from the tty in raw
// mode and repaints the first row reversed or plain in turn, as a terminal program echoing
// a key does (the pty, the program, foot's own rendering and frame pacing all in the
// path). Its "client got the key" is not known (no stamps).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startWayrtc, stop, launchBrowser, patternBin, sessionBin, sessionDisplay, tmpDir,
  EventLog, waitForControl } from '../e2e/lib.mjs';

const count = Number(process.argv[2] ?? 200);
const block = Number(process.argv[3] ?? 20);
const WARMUP = 5;
const SIZE = '1280x720';
const KEY = 'KeyA';
const FLIP_TIMEOUT_MS = 3000;
const NOVNC = process.env.NOVNC_WEB ?? '/usr/share/novnc';
const dir = tmpDir('wayrtc-bench-keypress-');
const foot = process.env.KEYPRESS_CLIENT === 'foot';
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${child.spawnargs[0]} exited (${child.exitCode})`);
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await sleep(50);
  }
}

// Starts a process of ours, its output in the temporary directory; `ready`: a pipe on fd 3.
function run(cmd, args, env, name, ready = false) {
  const log = fs.openSync(path.join(dir, `${name}.log`), 'w');
  const child = spawn(cmd, args, { env: { ...process.env, ...env },
    stdio: ['ignore', log, log, ...(ready ? ['pipe'] : [])] });
  fs.closeSync(log);
  children.push(child);
  return child;
}

// The program each desktop runs: the pattern client, or foot (KEYPRESS_CLIENT=foot), whose
// first row turns white (reverse video) and black in turn, one key each: the square the
// page reads is in it (a 48-point cell is about 64 pixels tall at 96 dpi).
function clientCommand(events) {
  if (!foot) return `exec ${patternBin} --keyflash --timestamps > ${events}`;
  const config = path.join(dir, 'foot.ini');
  const loop = path.join(dir, 'flip.sh');
  fs.writeFileSync(config, '[main]\nfont=monospace:size=48\npad=0x0\n[cursor]\nblink=no\n'
    + 'color=000000 000000\n[csd]\npreferred=none\n[colors]\nbackground=000000\n'
    + 'foreground=ffffff\n');
  fs.writeFileSync(loop, [
    '#!/bin/bash',
    'stty raw -echo',
    'printf "\\033[?25l\\033[2J"',
    'on=0',
    '# bash\'s own read and printf: no process started per key',
    'while IFS= read -rsn1 c; do',
    '  if [ $on = 0 ]; then on=1; printf "\\033[H\\033[7m%s\\033[0m" "          ";',
    '  else on=0; printf "\\033[H%s" "          "; fi',
    'done',
    '',
  ].join('\n'));
  fs.chmodSync(loop, 0o755);
  return `exec foot --config=${config} ${loop}`;
}

// A second virtual desktop for wayvnc: the same compositor and client as wayrtc's, its
// socket name read from the readiness pipe (fd 3), as wayrtc does.
async function startVncStack(events) {
  const runtime = tmpDir('wayrtc-bench-vnc-run-');
  const base = { XDG_RUNTIME_DIR: runtime, XKB_DEFAULT_LAYOUT: 'us', WAYLAND_DISPLAY: '' };
  const session = run(sessionBin, [`--size=${SIZE}`, '--ready-fd=3', '--', 'sh', '-c',
    clientCommand(events)], base, 'session', true);
  const display = await sessionDisplay(session);
  const vncPort = await freePort();
  const vnc = run('wayvnc', ['127.0.0.1', String(vncPort)], { ...base, WAYLAND_DISPLAY: display },
    'wayvnc');
  await waitForPort(vncPort, vnc);
  const webPort = await freePort();
  const ws = run('websockify', ['--web', NOVNC, `127.0.0.1:${webPort}`, `127.0.0.1:${vncPort}`],
    {}, 'websockify');
  await waitForPort(webPort, ws);
  return { url: `http://127.0.0.1:${webPort}/vnc_lite.html?host=127.0.0.1&port=${webPort}&scale=true`,
    runtime };
}

// In each page: keydown stamps, and a watcher armed before each press that resolves at
// the first frame showing the square in the other colour.
function instrument() {
  window.__kp = { downs: [] };
  addEventListener('keydown', (ev) => window.__kp.downs.push({
    code: ev.code, t: ev.timeStamp, wall: performance.timeOrigin + ev.timeStamp,
  }), { capture: true });
  // noVNC copies its back buffer into the visible canvas with drawImage: note when
  const drawImage = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    if (this.canvas.closest?.('#screen')) window.__kp.drawn = performance.now();
    return drawImage.apply(this, args);
  };
  window.__kpArm = (kind, timeoutMs) => {
    const c = window.__kp.canvas ?? (window.__kp.canvas = document.createElement('canvas'));
    c.width = 64;
    c.height = 64;
    const g = c.getContext('2d', { willReadFrequently: true });
    const src = kind === 'video' ? document.getElementById('screen')
      : document.querySelector('#screen canvas');
    // the mean of the square's middle 32x32: white or black, whatever the codec did
    const read = () => {
      g.drawImage(src, 0, 0, 64, 64, 0, 0, 64, 64);
      const d = g.getImageData(16, 16, 32, 32).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
      return sum / (d.length / 4) / 3 > 128 ? 1 : 0;
    };
    const before = read();
    window.__kp.downs.length = 0;
    window.__kpResult = new Promise((resolve) => {
      const deadline = performance.now() + timeoutMs;
      const done = (seen, extra) => {
        const down = window.__kp.downs.find((d) => d.code === 'KeyA');
        resolve(down ? { down: down.t, wall: down.wall, seen, ...extra } : null);
      };
      const onVideo = (now, meta) => {
        const seen = performance.now();
        if (read() !== before) {
          done(seen, { presented: meta.presentationTime, received: meta.receiveTime });
        } else if (seen > deadline) resolve(null);
        else src.requestVideoFrameCallback(onVideo);
      };
      const onFrame = () => {
        const seen = performance.now();
        if (read() !== before) done(seen, { drawn: window.__kp.drawn });
        else if (seen > deadline) resolve(null);
        else requestAnimationFrame(onFrame);
      };
      if (kind === 'video') src.requestVideoFrameCallback(onVideo);
      else requestAnimationFrame(onFrame);
    });
    return before;
  };
}

const rtcEvents = path.join(dir, 'rtc-events');
const vncEvents = path.join(dir, 'vnc-events');
const extraArgs = process.env.KEYPRESS_WAYRTC_ARGS?.split(' ').filter((a) => a) ?? [];
const wayrtc = await startWayrtc(['--source=virtual', `--size=${SIZE}`, '--listen=127.0.0.1:0',
  ...extraArgs, '--', 'sh', '-c', clientCommand(rtcEvents)]);
children.push(wayrtc.child);
let browser;
let vncStack;
try {
  vncStack = await startVncStack(vncEvents);
  browser = await launchBrowser();
  const rtcPage = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await rtcPage.addInitScript(instrument);
  await rtcPage.goto(wayrtc.url);
  await rtcPage.waitForFunction(() => window.wayrtc.state === 'playing', null, { timeout: 20000 });
  await waitForControl(rtcPage);

  if (foot) await sleep(2000); // foot's first paint and the shell loop's stty
  const vncPage = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  await vncPage.addInitScript(instrument);
  await vncPage.goto(vncStack.url);
  await vncPage.waitForFunction(() => {
    const c = document.querySelector('#screen canvas');
    return c && c.width > 0 && /^Connected/.test(document.getElementById('status').textContent);
  }, null, { timeout: 20000 });
  await vncPage.evaluate(() => document.querySelector('#screen canvas').focus());

  const systems = [
    { name: 'wayrtc', page: rtcPage, kind: 'video', events: new EventLog(rtcEvents), samples: [] },
    { name: 'wayvnc', page: vncPage, kind: 'canvas', events: new EventLog(vncEvents), samples: [] },
  ];
  for (const s of systems) s.misses = 0;

  const press = async (s, record) => {
    await s.page.evaluate(([kind, ms]) => window.__kpArm(kind, ms), [s.kind, FLIP_TIMEOUT_MS]);
    await s.page.keyboard.press(KEY);
    const r = await s.page.evaluate(() => window.__kpResult);
    const key = foot ? null : await s.events.waitFor(/^key \d+ pressed @([\d.]+)$/);
    if (!r) {
      s.misses++;
      await sleep(500); // a late flip must not count for the next press
    } else if (record) {
      const since = (t) => (t === undefined ? undefined : t - r.down);
      s.samples.push({ shown: r.seen - r.down, input: key ? Number(key[1]) - r.wall : undefined,
        presented: since(r.presented), received: since(r.received), drawn: since(r.drawn) });
    }
    await sleep(50 + Math.random() * 100);
  };

  for (const s of systems) {
    await s.page.bringToFront();
    for (let i = 0; i < WARMUP; i++) await press(s, false);
  }
  for (let done = 0; done < count; done += block) {
    for (const s of systems) {
      await s.page.bringToFront();
      for (let i = 0; i < Math.min(block, count - done); i++) await press(s, true);
    }
  }

  const at = (xs, q) => {
    const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b);
    return v.length ? v[Math.min(v.length - 1, Math.floor(q * (v.length - 1)))] : NaN;
  };
  const f = (x) => x.toFixed(1);
  const stats = {};
  for (const s of systems) {
    const col = (k) => s.samples.map((x) => x[k]);
    const p = (k) => `p50 ${f(at(col(k), 0.5))}, p95 ${f(at(col(k), 0.95))}`;
    stats[s.name] = [0.5, 0.95, 0.99].map((q) => at(col('shown'), q));
    const [p50, p95, p99] = stats[s.name];
    console.log(`${s.name}: ${s.samples.length} keys (${s.misses} never shown), keydown → shown `
      + `p50 ${f(p50)} ms, p95 ${f(p95)} ms, p99 ${f(p99)} ms`);
    let parts = `  keydown → client got the key ${p('input')}`;
    if (s.kind === 'video') {
      parts += ` | → frame received ${p('received')} | → presented ${p('presented')}`;
    } else {
      parts += ` | → drawn into the canvas ${p('drawn')}`;
    }
    console.log(parts);
  }
  const [a, b] = [stats.wayrtc, stats.wayvnc];
  console.log(`ratio wayrtc/wayvnc: p50 ${(a[0] / b[0]).toFixed(2)}, p95 ${(a[1] / b[1]).toFixed(2)}, `
    + `p99 ${(a[2] / b[2]).toFixed(2)}`);
  if (process.env.KEYPRESS_RAW) {
    fs.writeFileSync(process.env.KEYPRESS_RAW, JSON.stringify(
      Object.fromEntries(systems.map((s) => [s.name, s.samples]))));
  }
} finally {
  await browser?.close();
  for (const c of children.reverse()) await stop(c);
  if (vncStack) fs.rmSync(vncStack.runtime, { recursive: true, force: true });
  if (!process.env.KEYPRESS_KEEP) fs.rmSync(dir, { recursive: true, force: true });
}
