// Real networks (issue 9): each scenario of tests/net beside its unshaped run, as figures
// (shown frames/s, longest gap, glass-to-glass, bitrate, loss, NACKs, jitter buffer…).
// As root, after `ninja -C build`:
//   node tests/bench/network.mjs [--trace] [bottleneck|steps|lossy|twoViewers|udpBlocked|
//     vncBottleneck]…
// WAYRTC_NET_SECONDS sets each measured window (default 10), WAYRTC_NET_SIZE the desktop.
import os from 'node:os';
import { SCENARIOS } from '../net/scenarios.mjs';
import { describe } from '../net/measure.mjs';
import { unavailable } from '../net/net.mjs';

const why = unavailable();
if (why) {
  console.error(`network.mjs: ${why}`);
  process.exit(1);
}
// --trace: also how each step played out, 250 ms at a time
const trace = process.argv.includes('--trace');
const args = process.argv.slice(2).filter((a) => a !== '--trace');
const names = args.length ? args : Object.keys(SCENARIOS);
const timeline = (bins) => {
  if (!trace || !bins) return;
  console.log('    ms after the step: frames, longest gap, oldest frame (ms)');
  console.log(`    ${bins.map((b) => `${b.t}: ${b.frames} ${Math.round(b.gapMs)} ${b.ageMs ?? '-'}`).join(' | ')}`);
};
const line = (name, r) => console.log(`  ${describe(name, r)}`);

for (const name of names) {
  const load = os.loadavg()[0].toFixed(1);
  console.log(`${name} (load average ${load} on ${os.cpus().length} cores):`);
  try {
    const r = await SCENARIOS[name]();
    if (name === 'bottleneck') {
      line('unshaped', r.unshaped);
      line('2 Mbit/s, from 2 s after the step', r.shaped);
      timeline(r.timeline);
    } else if (name === 'vncBottleneck') {
      line('wayvnc + noVNC, unshaped', r.unshaped);
      line('wayvnc + noVNC, 2 Mbit/s, from 2 s after the step', r.shaped);
      timeline(r.timeline);
    } else if (name === 'steps') {
      line('unshaped', r.unshaped);
      for (const p of r.phases) {
        line(`${p.kbit} kbit/s, steady after ${p.settleMs ?? 'never'} ms`, p.all);
        timeline(p.timeline);
      }
    } else if (name === 'lossy') {
      line('unshaped', r.unshaped);
      line('5 % loss + 40 ms RTT', r.lossy);
    } else if (name === 'twoViewers') {
      line('first viewer alone', r.alone);
      line('first viewer beside a 1 Mbit/s one', r.together);
      if (r.slow) line('the 1 Mbit/s viewer', r.slow);
      else console.log('  the 1 Mbit/s viewer: no picture');
    } else if (name === 'udpBlocked') {
      line('with UDP', r.unshaped);
      if (r.playing) line(`UDP dropped (first picture after ${r.firstPictureMs} ms)`, r.blocked);
      else console.log(`  UDP dropped: no picture within 30 s (page state ${r.state})`);
    }
  } catch (err) {
    console.log(`  failed: ${err.message}`);
  }
}
