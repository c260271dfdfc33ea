// Shared helpers for the browser end-to-end tests: start wayrtc (and sway) as a user would,
// read the printed link, drive Debian's Chromium with Playwright, read decoded pixels.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { chromium } from 'playwright-core';

export const build = process.env.WAYRTC_BUILD ?? path.resolve('build');
export const wayrtcBin = path.join(build, 'src', 'wayrtc');
export const sessionBin = path.join(build, 'src', 'session', 'wayrtc-session');
export const patternBin = path.join(build, 'tests', 'clients', 'wayrtc-test-pattern');

const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  '--ignore-certificate-errors', '--autoplay-policy=no-user-gesture-required',
];

export function tmpDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o700);
  return dir;
}

// Starts wayrtc and resolves with the link from its `URL https://…` line. wrap: a command
// wayrtc runs under (e.g. ['ip', 'netns', 'exec', NS], which execs, so the pid stays its);
// bin: another copy of wayrtc (one an ordinary user can reach).
export function startWayrtc(args, { env = {}, timeoutMs = 20000, wrap = [], bin = wayrtcBin } = {}) {
  const home = tmpDir('wayrtc-e2e-');
  const argv = [...wrap, bin, ...args];
  const child = spawn(argv[0], argv.slice(1), {
    env: {
      ...process.env,
      XDG_STATE_HOME: path.join(home, 'state'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR ?? tmpDir('wayrtc-run-'),
      WAYRTC_SESSION: sessionBin,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = [];
  child.stderr.on('data', (d) => {
    log.push(d.toString());
    if (process.env.WAYRTC_E2E_VERBOSE) process.stderr.write(d);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`no URL line within ${timeoutMs} ms; stderr:\n${log.join('')}`));
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = out.match(/^URL (https:\/\/\S+)$/m);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], log, home, waitForLog: (re, ms) => waitForLog(log, re, ms) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wayrtc exited with ${code} before printing a URL:\n${log.join('')}`));
    });
  });
}

// Ends a process we started and waits for it; resolves with its exit code.
export function stop(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child?.exitCode);
  }
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    child.kill(signal);
  });
}

// executablePath/env: another way to start the same Chromium (tests/net runs it inside a
// network namespace through a wrapper script).
export async function launchBrowser({ executablePath, env } = {}) {
  return chromium.launch({
    executablePath: executablePath ?? process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
}

// Waits until the page's <video> plays and returns its intrinsic size.
export async function waitForVideo(page, timeoutMs = 20000) {
  await page.waitForFunction(() => {
    const v = document.getElementById('screen');
    return v && v.videoWidth > 0 && v.readyState >= 2 && v.currentTime > 0;
  }, null, { timeout: timeoutMs, polling: 100 });
  return page.evaluate(() => {
    const v = document.getElementById('screen');
    return { width: v.videoWidth, height: v.videoHeight };
  });
}

// Decoded pixel values at fractional positions of the video frame.
export async function samplePixels(page, points) {
  return page.evaluate((pts) => {
    const v = document.getElementById('screen');
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0);
    return pts.map(([fx, fy]) => {
      const d = g.getImageData(Math.floor(fx * c.width), Math.floor(fy * c.height), 1, 1).data;
      return [d[0], d[1], d[2]];
    });
  }, points);
}

export const QUADRANTS = [
  { at: [0.25, 0.25], rgb: [255, 0, 0], name: 'top-left red' },
  { at: [0.75, 0.25], rgb: [0, 255, 0], name: 'top-right green' },
  { at: [0.25, 0.75], rgb: [0, 0, 255], name: 'bottom-left blue' },
  { at: [0.75, 0.75], rgb: [255, 255, 255], name: 'bottom-right white' },
];

// Codec tolerance: colour conversion and quantisation move flat colours a little.
export const TOLERANCE = 48;

export function colourClose(got, want, tol = TOLERANCE) {
  return got.every((c, i) => Math.abs(c - want[i]) <= tol);
}

// Waits until every quadrant shows its colour (the first frames may still be coming in).
export async function expectPattern(page, assert, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let got;
  for (;;) {
    got = await samplePixels(page, QUADRANTS.map((q) => q.at));
    if (QUADRANTS.every((q, i) => colourClose(got[i], q.rgb))) return got;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  QUADRANTS.forEach((q, i) => {
    assert.ok(colourClose(got[i], q.rgb), `${q.name}: got rgb(${got[i]}) want rgb(${q.rgb})`);
  });
  return got;
}

// A raw WebSocket upgrade attempt; resolves with the HTTP status the server answered.
export function tryUpgrade(url, { protocols, origin } = {}) {
  const u = new URL(url);
  const headers = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': Buffer.from(os.hostname().padEnd(16, 'x').slice(0, 16)).toString('base64'),
  };
  if (protocols) headers['Sec-WebSocket-Protocol'] = protocols.join(', ');
  if (origin) headers.Origin = origin;
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: u.hostname, port: u.port, path: '/ws', method: 'GET', headers,
      rejectUnauthorized: false,
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

// A viewer without a browser: the link's WebSocket (/ws, its token as a subprotocol),
// collecting the server's messages. It joins within milliseconds, where a browser page has
// taken seconds on a loaded machine. It reads what wayrtc sends (unfragmented text frames)
// and answers pings; it sends nothing else. Resolves once the upgrade is answered.
export function signalingClient(url) {
  const u = new URL(url);
  const req = https.request({
    host: u.hostname, port: u.port, path: '/ws', method: 'GET', rejectUnauthorized: false,
    headers: {
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'),
      'Sec-WebSocket-Protocol': `wayrtc, token.${tokenOf(url)}`, Origin: u.origin,
    },
  });
  const messages = [];
  let buf = Buffer.alloc(0);
  const frame = (op, payload, socket) => { // client frames are masked
    const mask = crypto.randomBytes(4);
    socket.write(Buffer.concat([Buffer.from([0x80 | op, 0x80 | payload.length]), mask,
      Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]));
  };
  const read = (socket) => {
    for (;;) {
      if (buf.length < 2) return;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) [len, off] = [buf.length >= 4 ? buf.readUInt16BE(2) : Infinity, 4];
      else if (len === 127) [len, off] = [buf.length >= 10 ? Number(buf.readBigUInt64BE(2)) : Infinity, 10];
      if (buf.length < off + len) return;
      const op = buf[0] & 0x0f;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (op === 1) messages.push(JSON.parse(payload.toString()));
      else if (op === 9) frame(0xa, payload, socket);
    }
  };
  return new Promise((resolve, reject) => {
    req.on('upgrade', (res, socket, head) => {
      buf = head;
      socket.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        read(socket);
      });
      socket.on('error', () => {});
      read(socket);
      resolve({
        messages,
        // the first message of this type, waited for
        waitFor: (type, timeoutMs = 10000) => waitFor(
          () => messages.find((m) => m.type === type), `a "${type}" message`, timeoutMs),
        close: () => socket.destroy(),
      });
    });
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`the WebSocket upgrade was answered ${res.statusCode}`));
    });
    req.on('error', reject);
    req.end();
  });
}

export function tokenOf(url) {
  return new URL(url).hash.replace(/^#token=/, '');
}

// Another link of the running wayrtc `w` (startWayrtc's), with only these rights
// (`wayrtc token --scope=…` over its control socket): a new token, not w's.
export function linkWithScope(w, scope) {
  const out = execFileSync(wayrtcBin, ['token', `--scope=${scope}`], {
    env: {
      ...process.env,
      XDG_STATE_HOME: path.join(w.home, 'state'),
      XDG_CONFIG_HOME: path.join(w.home, 'config'),
    },
  }).toString();
  const token = out.match(/#token=(\S+)/)[1];
  if (token === tokenOf(w.url)) throw new Error('wayrtc token printed the share\'s own token');
  return `${new URL(w.url).origin}/#token=${token}`;
}

export function have(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// The display a wayrtc-session started with --ready-fd=3 (fd 3 a pipe) says it is ready on.
export function sessionDisplay(session, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    let line = '';
    const t = setTimeout(() => reject(new Error('wayrtc-session never became ready')), timeoutMs);
    session.stdio[3].on('data', (d) => {
      line += d.toString();
      const m = line.match(/^WAYLAND_DISPLAY=(\S+)\n/);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    session.once('exit', (c) => {
      clearTimeout(t);
      reject(new Error(`wayrtc-session exited (${c})`));
    });
  });
}

// Resolves once wayrtc's stderr has a line matching `re`.
async function waitForLog(log, re, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = log.join('').match(re);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`wayrtc never logged ${re}:\n${log.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The lines a test client writes to a file (one event per line), read as they come.
export class EventLog {
  constructor(file) {
    this.file = file;
    this.cursor = 0; // lines before it were matched already
  }

  lines() {
    try {
      return fs.readFileSync(this.file, 'utf8').split('\n').filter((l) => l);
    } catch {
      return [];
    }
  }

  // The next line from the cursor on that matches; its index is `.line`.
  async waitFor(re, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = this.lines();
      for (let i = this.cursor; i < lines.length; i++) {
        const m = lines[i].match(re);
        if (m) {
          this.cursor = i + 1;
          m.line = i;
          return m;
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`the client never printed ${re}; it printed:\n` +
          lines.slice(this.cursor).join('\n'));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // The last line before line `index` that matches.
  lastBefore(re, index) {
    const lines = this.lines();
    for (let i = index - 1; i >= 0; i--) {
      const m = lines[i].match(re);
      if (m) return m;
    }
    return null;
  }
}

// Types a, then B with Shift held, at a hand's pace (GNOME's mutter loses what comes
// faster), and waits until the client (the pattern client with --keysyms, its lines in
// `events`) has seen each, Shift as a key of its own.
export async function expectKeysAndShift(page, events) {
  await page.keyboard.press('KeyA', { delay: 30 });
  await events.waitFor(/^key 30 pressed a$/);
  await page.keyboard.down('Shift');
  await page.keyboard.press('KeyB', { delay: 30 });
  await page.keyboard.up('Shift');
  await events.waitFor(/^key 42 pressed Shift_L$/);
  await events.waitFor(/^key 48 pressed B$/);
  await events.waitFor(/^key 42 released$/);
}

// Waits until the page's input channel is open (the link allows control).
export async function waitForControl(page, timeoutMs = 10000) {
  await page.waitForFunction(() => window.wayrtc.channels?.input === 'open', null,
    { timeout: timeoutMs, polling: 50 });
}

// Page coordinates of the centre of desktop pixel (x, y) on the letterboxed video.
export async function pointAt(page, x, y) {
  return page.evaluate(([px, py]) => {
    const v = document.getElementById('screen');
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const left = r.left + (r.width - v.videoWidth * scale) / 2;
    const top = r.top + (r.height - v.videoHeight * scale) / 2;
    return { x: left + (px + 0.5) * scale, y: top + (py + 0.5) * scale };
  }, [x, y]);
}

// Keeps every RTCPeerConnection the page makes in window.__wayrtcPeers, so a test can
// act as a hostile page would on the same connection, and each track it gets, with its
// stream ids, in window.__wayrtcTracks. playAudio: each audio track is also played by an
// element of the test's own, so Chromium pulls (decodes, measures) it whatever the page
// does with it.
export async function capturePeerConnections(page, { playAudio = false } = {}) {
  await page.addInitScript((play) => {
    const Original = window.RTCPeerConnection;
    window.__wayrtcPeers = [];
    window.__wayrtcTracks = [];
    window.RTCPeerConnection = class extends Original {
      constructor(...args) {
        super(...args);
        window.__wayrtcPeers.push(this);
        this.addEventListener('track', (ev) => {
          window.__wayrtcTracks.push({ kind: ev.track.kind, streams: ev.streams.map((x) => x.id) });
          if (play && ev.track.kind === 'audio') {
            const el = new Audio();
            el.srcObject = new MediaStream([ev.track]);
            el.play().catch(() => {});
            window.__testAudio = el;
          }
        });
      }
    };
  }, playAudio);
}

// The inbound audio stats of the page's newest connection (capturePeerConnections), or null.
export async function inboundAudio(page) {
  return page.evaluate(async () => {
    const pc = window.__wayrtcPeers[window.__wayrtcPeers.length - 1];
    for (const s of (await pc.getStats()).values()) {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        return {
          packetsReceived: s.packetsReceived, audioLevel: s.audioLevel,
          totalSamplesReceived: s.totalSamplesReceived, codecId: s.codecId,
          jitterBufferDelay: s.jitterBufferDelay,
          jitterBufferEmittedCount: s.jitterBufferEmittedCount,
        };
      }
    }
    return null;
  });
}

// Polls fn every 200 ms until it gives something truthy, and returns that.
export async function waitFor(fn, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
