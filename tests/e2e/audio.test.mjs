// The desktop's sound, end to end: run by audio-stack.sh, which gives a private PipeWire +
// WirePlumber with a null sink as the default output and a 440 Hz tone playing into it.
// wayrtc shares a virtual desktop and that sink's monitor; Chromium must receive Opus that
// is not silence, in a stream of its own, while the video still plays. Links without the
// audio right, `--no-audio`, and a machine without PipeWire get no audio section at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, patternBin, wayrtcBin, linkWithScope, tmpDir,
  capturePeerConnections, inboundAudio, waitFor,
} from './lib.mjs';

const pwDir = process.env.PIPEWIRE_RUNTIME_DIR;
let wayrtc;
let browser;

before(async () => {
  if (!pwDir) throw new Error('run this through tests/e2e/audio-stack.sh');
  // an animated client: frames keep coming, so "the video still plays" means something
  // (a still desktop sends none, and the element's clock then stands)
  wayrtc = await startWayrtc(['--source=virtual', '--size=320x240', '--listen=127.0.0.1:0',
    '--', patternBin, '--animate'], { env: { XDG_RUNTIME_DIR: pwDir } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  const code = await stop(wayrtc?.child);
  assert.equal(code, 0, 'wayrtc exits cleanly on SIGTERM');
});

async function openPage(url) {
  const page = await browser.newPage();
  await capturePeerConnections(page, { playAudio: true });
  await page.goto(url);
  await waitForVideo(page);
  return page;
}

function remoteSdp(page) {
  return page.evaluate(() =>
    window.__wayrtcPeers[window.__wayrtcPeers.length - 1].remoteDescription.sdp);
}

function wayrtcNodes() {
  const out = execFileSync('pw-cli', ['ls', 'Node'], { env: process.env }).toString();
  return (out.match(/node\.name = "wayrtc-audio"/g) ?? []).length;
}

test('the tone reaches the browser as Opus, in a stream of its own, beside the video',
  async (t) => {
    await wayrtc.waitForLog(/sharing the desktop's sound/);
    assert.equal(wayrtcNodes(), 0, 'no capture stream while nobody listens');
    const page = await openPage(wayrtc.url);
    // a failure here must not leave a listener behind for the next test
    t.after(() => page.close().catch(() => {}));
    const sdp = await remoteSdp(page);
    assert.match(sdp, /m=audio [1-9]\d* UDP\/TLS\/RTP\/SAVPF 111\r\n/);
    assert.match(sdp, /a=rtpmap:111 opus\/48000\/2\r\n/);
    assert.match(sdp, /a=msid:wayrtc-audio audio\r\n/);
    const tracks = await page.evaluate(() => window.__wayrtcTracks);
    const audioTrack = tracks.find((t) => t.kind === 'audio');
    const videoTrack = tracks.find((t) => t.kind === 'video');
    assert.ok(audioTrack && videoTrack, `tracks: ${JSON.stringify(tracks)}`);
    assert.deepEqual(audioTrack.streams, ['wayrtc-audio']);
    assert.deepEqual(videoTrack.streams, ['wayrtc']);

    const first = await waitFor(async () => {
      const s = await inboundAudio(page);
      return s && s.packetsReceived > 50 && s.audioLevel > 0.01 ? s : null;
    }, 'audio packets with a level above silence', 15000).catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify(await inboundAudio(page))}\n` +
        wayrtc.log.join(''));
    });
    await new Promise((r) => setTimeout(r, 1000));
    const second = await inboundAudio(page);
    // 10 ms packets: about 100 a second
    assert.ok(second.packetsReceived - first.packetsReceived >= 60,
      `packets rise: ${first.packetsReceived} → ${second.packetsReceived}`);
    assert.ok(second.totalSamplesReceived > first.totalSamplesReceived,
      `samples rise: ${first.totalSamplesReceived} → ${second.totalSamplesReceived}`);
    assert.ok(second.audioLevel > 0.01, `level ${second.audioLevel}`);
    const jb = (second.jitterBufferDelay - first.jitterBufferDelay) /
      (second.jitterBufferEmittedCount - first.jitterBufferEmittedCount);
    t.diagnostic(`audio: ${second.packetsReceived - first.packetsReceived} packets/s, level ` +
      `${second.audioLevel.toFixed(3)}, jitter buffer ${(jb * 1000).toFixed(1)} ms`);
    assert.equal(wayrtcNodes(), 1, 'one capture stream while someone listens');
    // and the picture still moves on
    const t0 = await page.evaluate(() => document.getElementById('screen').currentTime);
    await new Promise((r) => setTimeout(r, 500));
    const t1 = await page.evaluate(() => document.getElementById('screen').currentTime);
    assert.ok(t1 > t0, `the video plays: currentTime ${t0} → ${t1}`);
    await page.close();
    await waitFor(() => wayrtcNodes() === 0, 'the capture stream to go when the viewer left');
  });

test('a link without the audio right gets no audio section, and the video plays', async () => {
  const page = await openPage(linkWithScope(wayrtc, 'view'));
  const sdp = await remoteSdp(page);
  assert.doesNotMatch(sdp, /m=audio/);
  assert.doesNotMatch(sdp, /wayrtc-audio/);
  const tracks = await page.evaluate(() => window.__wayrtcTracks.map((t) => t.kind));
  assert.deepEqual(tracks, ['video']);
  assert.equal(await inboundAudio(page), null);
  assert.equal(wayrtcNodes(), 0, 'nobody may hear: no capture stream');
  await page.close();
});

test('--no-audio offers no sound to anyone', async () => {
  assert.match(execFileSync(wayrtcBin, ['--help']).toString(), /--no-audio\s+Share no sound/);
  const w = await startWayrtc(['--source=virtual', '--size=320x240', '--listen=127.0.0.1:0',
    '--no-audio', '--', patternBin], { env: { XDG_RUNTIME_DIR: tmpDir('wayrtc-run-') } });
  try {
    const page = await openPage(w.url);
    assert.doesNotMatch(await remoteSdp(page), /m=audio/);
    assert.deepEqual(await page.evaluate(() => window.__wayrtcTracks.map((t) => t.kind)), ['video']);
    assert.doesNotMatch(w.log.join(''), /sound/);
    await page.close();
  } finally {
    assert.equal(await stop(w.child), 0);
  }
});

// A virtual desktop brings its own sound server where none runs (virtual-sound.test.mjs);
// here PipeWire's programs are not on PATH either, as on a machine without them.
test('without PipeWire wayrtc shares without sound and says so in one line', async () => {
  const empty = tmpDir('wayrtc-run-');
  const w = await startWayrtc(['--source=virtual', '--size=320x240', '--listen=127.0.0.1:0',
    '--', patternBin], {
    env: { XDG_RUNTIME_DIR: empty, PIPEWIRE_RUNTIME_DIR: empty, PATH: tmpDir('wayrtc-path-') },
  });
  try {
    await w.waitForLog(/sharing without sound: no sound server runs and \S+ is not installed/);
    assert.equal(w.log.join('').split('\n').filter((l) => /sound/.test(l)).length, 1);
    const page = await openPage(w.url);
    assert.doesNotMatch(await remoteSdp(page), /m=audio/);
    await page.close();
  } finally {
    assert.equal(await stop(w.child), 0);
  }
});
