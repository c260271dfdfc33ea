// `wayrtc --source=wlr` shares an existing wlroots desktop: headless sway (run as an
// ordinary user, since sway refuses root) with the pattern client tiled full screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, waitForControl, expectPattern, patternBin,
  tmpDir, have, EventLog,
} from './lib.mjs';
import {
  clicksKeysAndWheel, germanLayout, closedTabReleases, viewOnlyMovesNothing,
  shiftFlagWithoutShiftKey, clickAt, pointerInside, oneToOneClicks,
} from './control-cases.mjs';

const SWAY_USER = 'wayrtc-test';
let sway;
let wayrtc;
let browser;
let runtime;
let socket;
const extra = []; // wayrtc instances of the control cases

function swayAccount() {
  if (process.getuid() !== 0) return null;
  try {
    execFileSync('id', ['-u', SWAY_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/usr/sbin/nologin', SWAY_USER]);
  }
  const uid = Number(execFileSync('id', ['-u', SWAY_USER]).toString());
  const gid = Number(execFileSync('id', ['-g', SWAY_USER]).toString());
  return { uid, gid };
}

async function waitForSocket(dir, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const name = fs.readdirSync(dir).find((f) => /^wayland-\d+$/.test(f));
    if (name) return path.join(dir, name);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sway did not open a Wayland socket');
}

before(async () => {
  if (!have('sway')) throw new Error('sway is not installed (tools/install-deps installs it)');
  const account = swayAccount();
  runtime = tmpDir('wayrtc-sway-');
  // The user may not reach the build tree (e.g. under /root): give it its own copy.
  const client = path.join(runtime, 'wayrtc-test-pattern');
  fs.copyFileSync(patternBin, client);
  fs.chmodSync(client, 0o755);
  const config = path.join(runtime, 'config');
  fs.writeFileSync(config, [
    'output HEADLESS-1 resolution 1280x720',
    'default_border none',
    'default_floating_border none',
    `exec sh -c 'exec ${client} --keysyms > ${runtime}/events'`,
    '',
  ].join('\n'));
  const env = {
    PATH: process.env.PATH,
    HOME: runtime,
    XDG_RUNTIME_DIR: runtime,
    WLR_BACKENDS: 'headless',
    WLR_RENDERER: 'pixman',
    WLR_LIBINPUT_NO_DEVICES: '1',
  };
  let cmd = 'sway';
  let args = ['-c', config];
  if (account) {
    fs.chownSync(runtime, account.uid, account.gid);
    fs.chownSync(config, account.uid, account.gid);
    cmd = 'setpriv';
    args = [`--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', 'sway', ...args];
  }
  sway = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const swayLog = [];
  sway.stderr.on('data', (d) => swayLog.push(d.toString()));
  socket = await waitForSocket(runtime).catch((e) => {
    throw new Error(`${e.message}:\n${swayLog.join('')}`);
  });
  wayrtc = await startWayrtc(['--source=wlr', '--listen=127.0.0.1:0'],
    { env: { WAYLAND_DISPLAY: socket } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const w of extra) await stop(w.child);
  await stop(wayrtc?.child);
  await stop(sway);
  if (runtime) fs.rmSync(runtime, { recursive: true, force: true });
});

test('sway, shared with --source=wlr, shows the pattern in Chromium', async () => {
  const page = await browser.newPage();
  await page.goto(wayrtc.url);
  const size = await waitForVideo(page);
  assert.deepEqual(size, { width: 1280, height: 720 });
  await expectPattern(page, assert);
  await page.close();
});

// The same desktop for every control case: a wayrtc of its own on the running sway (with
// the case's options), the pattern client's events read from where they stand now.
const desktop = {
  width: 1280,
  height: 720,
  get browser() { return browser; },
  async share(args) {
    const events = new EventLog(path.join(runtime, 'events'));
    events.cursor = events.lines().length;
    const w = await startWayrtc(['--source=wlr', '--listen=127.0.0.1:0', ...args],
      { env: { WAYLAND_DISPLAY: socket } });
    extra.push(w);
    return { w, events };
  },
};

test('sway: a click lands on the matching surface pixel; keys type with layout us; wheel',
  () => clicksKeysAndWheel(desktop));

test('sway: keys flagged as shifted with no Shift keydown get a Shift: "Hi!" types "Hi!"',
  () => shiftFlagWithoutShiftKey(desktop));

test('sway: with --keyboard-layout=de the same keys type the German letters',
  () => germanLayout(desktop));

test('sway: closing the tab while a key is down releases it', () => closedTabReleases(desktop));

test('sway at 1:1 in a smaller window: a click lands on the desktop pixel under it',
  () => oneToOneClicks(desktop));

test('sway: a view-only link moves nothing, even when its page sends input',
  () => viewOnlyMovesNothing(desktop));

// A turned output (issue 10, part 5): the buffer screencopy copies holds the desktop with
// the output's transform applied; the browser must get it upright, at its portrait size,
// and a click must land where it was aimed.
test('sway: a rotated output appears upright, and a click lands where it was aimed',
  async () => {
    const ipc = fs.readdirSync(runtime).find((f) => /^sway-ipc\..*\.sock$/.test(f));
    assert.ok(ipc, 'sway has an IPC socket');
    const swaymsg = (...args) => execFileSync('swaymsg', ['-s', path.join(runtime, ipc), ...args]);
    const events = new EventLog(path.join(runtime, 'events'));
    events.cursor = events.lines().length;
    const page = await browser.newPage({ viewport: { width: 700, height: 1000 } });
    try {
      // portrait and landscape in turn, so the program is configured anew each time
      for (const transform of ['90', 'flipped-180', '270', '180', 'flipped-90']) {
        swaymsg('output', 'HEADLESS-1', 'transform', transform);
        const portrait = /90|270/.test(transform);
        const [w, h] = portrait ? [720, 1280] : [1280, 720];
        await events.waitFor(new RegExp(`^configured ${w}x${h}$`));
        await page.goto(wayrtc.url);
        await waitForVideo(page);
        await page.waitForFunction(([vw, vh]) => {
          const v = document.getElementById('screen');
          return v.videoWidth === vw && v.videoHeight === vh;
        }, [w, h], { timeout: 10000, polling: 50 });
        // red top-left, green top-right, blue bottom-left, white bottom-right, as drawn
        await expectPattern(page, assert);
        await waitForControl(page);
        await pointerInside(page, events, Math.round(w * 0.8), Math.round(h * 0.15));
        await clickAt(page, events, Math.round(w * 0.8), Math.round(h * 0.15));
        await clickAt(page, events, Math.round(w * 0.1), Math.round(h * 0.9));
      }
    } finally {
      swaymsg('output', 'HEADLESS-1', 'transform', 'normal');
      await page.close();
    }
  });
