// The test network does what it says, measured with UDP probes between its namespaces:
// the delay relay adds its delay (and no more), tbf holds the rate, iptables drops the
// share asked, blocking UDP blocks it for the viewers only, and down() leaves nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Net, SERVER, TURN, PREFIX, unavailable } from './net.mjs';

const probe = path.join(path.dirname(fileURLToPath(import.meta.url)), 'probe.mjs');
const why = unavailable();
let net;

// Runs probe.mjs in a namespace; .ready resolves on its "ready" line, .result with the
// JSON of its last line.
function run(ns, ...args) {
  const child = net.spawnIn(ns, process.execPath, [probe, ...args.map(String)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onReady;
  const ready = new Promise((r) => { onReady = r; });
  child.stdout.on('data', (d) => {
    out += d;
    if (/^ready$/m.test(out)) onReady();
  });
  // (an echo, killed, prints no result)
  const result = new Promise((resolve) => child.on('exit', () => {
    const last = out.trim().split('\n').pop();
    resolve(last.startsWith('ready') ? null : JSON.parse(last));
  }));
  return { child, ready, result };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

before(() => {
  if (!why) net = new Net({ viewers: 2 });
});

after(async () => {
  await net?.down();
});

test('the relay adds the one-way delay it is given, each way', { skip: why ?? false }, async () => {
  const echo = run('srv', 'echo', 7001);
  await echo.ready;
  const bare = await run('c1', 'ping', SERVER, 7001, 30).result;
  await net.delay(25);
  const delayed = await run('c1', 'ping', SERVER, 7001, 30).result;
  await net.delay(0);
  const after_ = await run('c1', 'ping', SERVER, 7001, 30).result;
  echo.child.kill();
  assert.equal(delayed.length, 30, 'nothing lost on the way through the relay');
  const added = median(delayed) - median(bare);
  const least = Math.min(...delayed);
  console.log(`RTT median ${median(bare).toFixed(2)} ms bare, ${median(delayed).toFixed(2)} ms ` +
    `with 25 ms each way (+${added.toFixed(2)} ms; least ${least.toFixed(2)} ms), ` +
    `${median(after_).toFixed(2)} ms after`);
  // Never early; late only by what a busy machine adds to the probes themselves.
  assert.ok(least >= 50, `a packet came back after ${least} ms, under 2 × 25`);
  assert.ok(added < 65, `25 ms each way adds ${added} ms to the median RTT`);
  assert.ok(median(after_) < 10, 'the delay goes with the relay');
});

test('tbf holds the viewer\'s link to its rate, and a new rate applies mid-stream', { skip: why ?? false }, async () => {
  const rates = [];
  for (const kbit of [2000, 800]) {
    net.shape(1, kbit);
    const sink = run('c1', 'sink', 7002, 4);
    await sink.ready;
    await run('srv', 'blast', `198.18.1.1`, 7002, 6000, 3).result;
    const r = await sink.result;
    rates.push((r.bytes * 8) / r.ms);
  }
  net.shape(1, null);
  console.log(`6 Mbit/s sent through 2000 and 800 kbit/s: ${rates.map((x) => x.toFixed(0))} kbit/s`);
  assert.ok(rates[0] > 1600 && rates[0] < 2400, `2000 kbit/s shaping carried ${rates[0]}`);
  assert.ok(rates[1] > 640 && rates[1] < 960, `800 kbit/s shaping carried ${rates[1]}`);
});

test('random loss drops about the share asked, once per hop', { skip: why ?? false }, async () => {
  net.loss(10);
  const sink = run('c1', 'sink', 7003, 4);
  await sink.ready;
  const { sent } = await run('srv', 'blast', '198.18.1.1', 7003, 4000, 2).result;
  const { packets } = await sink.result;
  net.loss(null);
  const lost = 100 * (1 - packets / sent);
  console.log(`10 % loss asked: ${sent} sent, ${packets} arrived, ${lost.toFixed(1)} % lost`);
  assert.ok(lost > 6 && lost < 14, `10 % loss asked, ${lost} % lost`);
});

test('blocking UDP cuts the viewers\' UDP only', { skip: why ?? false }, async () => {
  const echoSrv = run('srv', 'echo', 7004);
  const echoTurn = run('turn', 'echo', 7004);
  await Promise.all([echoSrv.ready, echoTurn.ready]);
  net.blockUdp(true);
  const toSrv = await run('c2', 'ping', SERVER, 7004, 5).result;
  const toTurn = await run('c2', 'ping', TURN, 7004, 5).result;
  const srvToTurn = await run('srv', 'ping', TURN, 7004, 5).result;
  net.blockUdp(false);
  const again = await run('c2', 'ping', SERVER, 7004, 5).result;
  echoSrv.child.kill();
  echoTurn.child.kill();
  assert.equal(toSrv.length, 0, 'viewer → server UDP dropped');
  assert.equal(toTurn.length, 0, 'viewer → TURN UDP dropped');
  assert.equal(srvToTurn.length, 5, 'server → TURN UDP passes');
  assert.equal(again.length, 5, 'allowed again');
});

test('down() ends what it started and removes every namespace', { skip: why ?? false }, async () => {
  await net.delay(10);
  const relay = net.relay.pid;
  await net.down();
  net = null;
  const left = execFileSync('ip', ['netns', 'list']).toString().split('\n')
    .filter((l) => l.startsWith(`${PREFIX}-`));
  assert.deepEqual(left, []);
  assert.throws(() => process.kill(relay, 0), 'the relay is gone');
});
