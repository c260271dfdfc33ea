// Issue 9's scenarios as tests: what a viewer sees across a bad link, each beside an
// unshaped run of the same busy content in the same test. WAYRTC_NET_SCENARIO picks one
// (meson runs each as its own test); without it, all run.
// Before congestion control lands most of these fail: docs/benchmarks.md has the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SCENARIOS } from './scenarios.mjs';
import { describe } from './measure.mjs';
import { unavailable } from './net.mjs';

const why = unavailable();
const only = process.env.WAYRTC_NET_SCENARIO;
// Only the scenario a meson test picked is registered: the others are other meson tests,
// not skips.
const scenario = (name, title, fn) => {
  if (!only || only === name) test(title, { skip: why ?? false }, fn);
};
const log = (name, r) => console.log(describe(name, r));

// The unshaped run must meet the bar first, or the figures say only that this machine is
// too busy.
function unshapedOk(r, { fps = 15, gapMs = 500 } = {}) {
  assert.ok(r.fps >= fps && r.maxGapMs <= gapMs,
    `even unshaped: ${r.fps.toFixed(1)} fps, longest gap ${r.maxGapMs} ms (machine too busy?)`);
}

scenario('bottleneck', '2 Mbit/s bottleneck: ≥ 15 frames/s, no gap over 500 ms, glass-to-glass p95 < 250 ms', async () => {
    const r = await SCENARIOS.bottleneck({ kbit: 2000 });
    log('unshaped', r.unshaped);
    log('2 Mbit/s', r.shaped);
    unshapedOk(r.unshaped);
    assert.ok(r.shaped.fps >= 15, `${r.shaped.fps.toFixed(1)} frames/s shown`);
    assert.ok(r.shaped.maxGapMs <= 500, `a gap of ${r.shaped.maxGapMs} ms between frames`);
    assert.ok(r.shaped.g2gP95 !== null && r.shaped.g2gP95 < 250,
      `glass-to-glass p95 ${r.shaped.g2gP95} ms`);
  });

scenario('steps', 'capacity steps 10 → 1.5 → 10 Mbit/s: steady within 2 s of each, no gap over 1 s', async () => {
    const r = await SCENARIOS.steps({ rates: [10000, 1500, 10000] });
    log('unshaped', r.unshaped);
    for (const p of r.phases) {
      log(`${p.kbit} kbit/s (steady after ${p.settleMs ?? 'never'} ms)`, p.all);
    }
    unshapedOk(r.unshaped);
    for (const p of r.phases) {
      assert.ok(p.settleMs !== null && p.settleMs <= 2000,
        `after the step to ${p.kbit} kbit/s: steady after ${p.settleMs ?? 'never'} ms`);
    }
    assert.ok(r.whole.maxGapMs <= 1000, `a gap of ${r.whole.maxGapMs} ms between frames`);
  });

scenario('lossy', '5 % loss and 40 ms RTT: no gap over 500 ms', async () => {
  const r = await SCENARIOS.lossy({ lossPct: 5, delayMs: 20 });
  log('unshaped', r.unshaped);
  log('5 % loss, 40 ms RTT', r.lossy);
  unshapedOk(r.unshaped);
  assert.ok(r.lossy.fps > 0, 'frames still shown');
  // recovered by retransmission, not by keyframes: the browser asked, we answered
  assert.ok(r.lossy.nacks > 0, `${r.lossy.nacks} NACKs at 5 % loss`);
  assert.ok(r.lossy.resent > 0, `${r.lossy.resent} retransmissions received`);
  assert.ok(r.lossy.maxGapMs <= 500, `a gap of ${r.lossy.maxGapMs} ms between frames`);
});

// Frames/s as the first viewer's decoder took them (getStats): what the server gives it.
// How many of them its page then showed depends on that page's CPU, which here it shares
// with the second viewer's Chromium: shown, 0.85–0.95 of alone in twelve quiet runs,
// decoded 0.94–0.99 in seven (docs/benchmarks.md, session 9). On two machines the pages
// would not compete.
scenario('twoViewers', 'two viewers, one behind 1 Mbit/s: the other keeps its frames/s and quality within 10 %', async () => {
    const r = await SCENARIOS.twoViewers({ slowKbit: 1000 });
    log('first viewer alone', r.alone);
    log('first viewer, second behind 1 Mbit/s', r.together);
    if (r.slow) log('second viewer (1 Mbit/s)', r.slow);
    unshapedOk(r.alone);
    assert.ok(r.slowPlaying, 'the slow viewer gets a picture');
    assert.ok(r.together.decodedFps >= 0.9 * r.alone.decodedFps,
      `frames/s decoded ${r.together.decodedFps?.toFixed(1)} beside ` +
      `${r.alone.decodedFps?.toFixed(1)} alone`);
    // Quality: the average quantiser of the frames it decodes (lower is finer).
    assert.ok(r.together.qp <= 1.1 * r.alone.qp,
      `QP ${r.together.qp?.toFixed(1)} beside ${r.alone.qp?.toFixed(1)} alone`);
    assert.ok(r.together.maxGapMs <= 500, `a gap of ${r.together.maxGapMs} ms between frames`);
  });

// The mechanism behind twoViewers, without its figures (a busy 2-core machine makes the
// fast viewer's own estimate dip): the viewer behind the slow link is moved to the second
// encode within seconds of connecting and plays there, and the first keeps playing.
// 500 kbit/s: far enough below the first viewer's estimate even when two Chromiums on
// two cores make that dip to 1.5 Mbit/s (with 1 Mbit/s the split was not always reached).
scenario('tiers', 'a viewer behind 500 kbit/s gets an encode of its own and both play', async () => {
  const r = await SCENARIOS.twoViewers({ slowKbit: 500 });
  log('first viewer alone', r.alone);
  log('first viewer, second behind 500 kbit/s', r.together);
  if (r.slow) log('second viewer (500 kbit/s)', r.slow);
  console.log(r.moves.join('\n'));
  assert.ok(r.slowPlaying, 'the slow viewer gets a picture');
  assert.ok(r.moves.some((l) => /198\.18\.2\.1: to the encode for slow links/.test(l)),
    'the slow viewer was not moved to an encode of its own');
  assert.ok(!r.moves.some((l) => /198\.18\.1\.1: to the encode for slow links/.test(l)),
    'the fast viewer was moved');
  assert.ok(r.together.fps > 5 && r.together.maxGapMs <= 1000,
    `the first viewer: ${r.together.fps.toFixed(1)} frames/s, a gap of ${r.together.maxGapMs} ms`);
  assert.ok(r.slow.fps > 2 && r.slow.maxGapMs <= 2000,
    `the slow viewer: ${r.slow.fps.toFixed(1)} frames/s, a gap of ${r.slow.maxGapMs} ms`);
});

scenario('iceTcp', 'all UDP dropped, no TURN server: the viewer connects over ICE-TCP and plays', async () => {
  const r = await SCENARIOS.udpBlocked({ turn: false });
  log('with UDP', r.unshaped);
  if (r.blocked) log('UDP dropped, no TURN', r.blocked);
  assert.ok(r.playing, `no picture within 30 s with UDP dropped (page state ${r.state})`);
  assert.match(r.blocked.path, /\/tcp → host\/tcp/, 'straight to our TCP candidate');
  assert.ok(r.blocked.fps >= 0.5 * r.unshaped.fps,
    `${r.blocked.fps.toFixed(1)} frames/s, ${r.unshaped.fps.toFixed(1)} with UDP`);
});

scenario('udpBlocked', 'all UDP dropped: the viewer connects (TURN or ICE-TCP) and plays', async () => {
    const r = await SCENARIOS.udpBlocked();
    log('with UDP', r.unshaped);
    if (r.blocked) log('UDP dropped', r.blocked);
    assert.ok(r.unshaped.fps > 0, 'frames with UDP');
    assert.ok(r.playing, `no picture within 30 s with UDP dropped (page state ${r.state})`);
    assert.match(r.blocked.path, /relay/, 'through the TURN relay');
    // plays: as a busy machine allows, so beside the run with UDP
    assert.ok(r.blocked.fps >= 0.5 * r.unshaped.fps,
      `${r.blocked.fps.toFixed(1)} frames/s, ${r.unshaped.fps.toFixed(1)} with UDP`);
    // the server's view of the same link, one line per viewer every 5 s at debug
    console.log(r.serverStats.slice(-2).join('\n'));
    const last = r.serverStats.at(-1) ?? '';
    const m = last.match(/sent (\d+) kbit\/s .*RTT (-?\d+) ms/);
    assert.ok(m, `a stats line from the server: ${last}`);
    assert.ok(Number(m[1]) > 0 && Number(m[2]) >= 0, last);
  });
