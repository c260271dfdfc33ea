// A virtual desktop on a bare machine has sound: with no PipeWire for the user (an empty
// private XDG_RUNTIME_DIR, no audio-stack.sh), wayrtc starts its own (a D-Bus bus,
// pipewire, wireplumber, a default null sink), the command inside the desktop plays a tone
// into it through the environment wayrtc gives it, and Chromium hears that tone. After
// SIGTERM, nothing wayrtc started for it is left. Skipped only where PipeWire's programs
// are not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, tmpDir, have, capturePeerConnections,
  inboundAudio, waitFor,
} from './lib.mjs';

const needed = ['pipewire', 'wireplumber', 'pw-cli', 'wpctl', 'dbus-daemon', 'gst-launch-1.0'];
const missing = needed.filter((p) => !have(p));

function running(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie is gone for our purpose, but wayrtc reaps its own: none is expected
  return true;
}

test('a virtual desktop without PipeWire brings its own, and the tone inside is heard',
  { skip: missing.length ? `not installed: ${missing.join(', ')}` : false }, async (t) => {
    const run = tmpDir('wayrtc-run-');
    const env = { XDG_RUNTIME_DIR: run };
    const w = await startWayrtc(['--source=virtual', '--size=320x240', '--listen=127.0.0.1:0',
      '--', 'gst-launch-1.0', '-q', 'audiotestsrc', 'wave=sine', 'freq=440', 'volume=0.5',
      'is-live=true', '!', 'pipewiresink'], { env: withoutPipeWire(env) });
    let pids = [];
    let dir;
    let browser;
    try {
      const m = await w.waitForLog(
        /own sound server: PipeWire in (\S+) \(pids (\d+) (\d+) (\d+)\)/);
      dir = m[1];
      pids = m.slice(2, 5).map(Number);
      assert.ok(dir.startsWith(run + '/'), `its runtime dir ${dir} is under ${run}`);
      assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
      assert.ok(pids.every(running), 'pipewire, wireplumber and dbus-daemon run');
      await w.waitForLog(/sharing the desktop's sound/);

      browser = await launchBrowser();
      const page = await browser.newPage();
      await capturePeerConnections(page, { playAudio: true });
      await page.goto(w.url);
      await waitForVideo(page);
      assert.ok(await page.evaluate(() => !!window.wayrtc?.audio?.track),
        'the page has the desktop\'s sound');
      const stats = await waitFor(async () => {
        const s = await inboundAudio(page);
        return s && s.packetsReceived > 50 && s.audioLevel > 0.01 ?
          { packets: s.packetsReceived, level: s.audioLevel } : null;
      }, 'audio above silence', 15000);
      t.diagnostic(`audio: ${stats.packets} packets, level ${stats.level.toFixed(3)}`);
      await page.close();
    } finally {
      await browser?.close();
      assert.equal(await stop(w.child), 0, 'wayrtc exits cleanly on SIGTERM');
    }
    assert.deepEqual(pids.filter(running), [], 'nothing of its sound server is left');
    assert.ok(!fs.existsSync(dir), `its runtime dir ${dir} is removed`);
  });

// PipeWire must not be found through anything the test runner had
function withoutPipeWire(env) {
  for (const k of ['PIPEWIRE_RUNTIME_DIR', 'PIPEWIRE_REMOTE', 'DBUS_SESSION_BUS_ADDRESS']) {
    env[k] = '';
  }
  return env;
}
