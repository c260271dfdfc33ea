// The network harness for tests and benchmarks (as root): wayrtc in one namespace, each
// viewer's Chromium in its own, a router between them where tests/net/netns.sh shapes the
// rate, drops packets at random, blocks UDP and (with the wayrtc-net-delay relay) delays.
// Everything it starts it ends by pid, and the namespaces go on exit, also on failure.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, startWayrtc, stop, launchBrowser, tmpDir } from '../e2e/lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const NETNS = path.join(here, 'netns.sh');
const CHROMIUM_IN_NS = path.join(here, 'chromium-netns.sh');
export const delayBin = path.join(build, 'tests', 'net', 'wayrtc-net-delay');
export const PREFIX = process.env.WAYRTC_NET_PREFIX ?? 'net';
export const SERVER = '198.18.0.1';
export const TURN = '198.18.100.1';
export const PORT = 8443;

// Why a scenario cannot run here, or null.
export function unavailable() {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  for (const f of ['/usr/sbin/iptables', '/usr/sbin/tc', '/dev/net/tun']) {
    if (!fs.existsSync(f)) return `${f} is missing (tools/install-deps)`;
  }
  if (!fs.existsSync(delayBin)) return `${delayBin} is not built`;
  return null;
}

function sh(...args) {
  execFileSync(NETNS, args.map(String), { stdio: ['ignore', 'ignore', 'inherit'] });
}

let live = null;
function downAtExit() {
  if (live) {
    try {
      sh('down');
    } catch {
      // nothing left to do at exit
    }
  }
}
process.on('exit', downAtExit);
for (const [sig, n] of [['SIGINT', 2], ['SIGTERM', 15]]) {
  process.on(sig, () => {
    downAtExit();
    process.exit(128 + n);
  });
}

export class Net {
  // viewers: how many viewer namespaces ($PREFIX-c1…).
  constructor({ viewers = 1 } = {}) {
    sh('up', viewers);
    live = this;
    this.viewers = viewers;
    this.children = [];
    this.browsers = [];
    this.relay = null;
    this.dirs = [];
    this.logs = [];
  }

  // A private temporary directory, removed by down().
  tmpDir(what) {
    const dir = tmpDir(`${PREFIX}-${what}-`);
    this.dirs.push(dir);
    return dir;
  }

  ns(name) {
    return `${PREFIX}-${name}`;
  }

  // Router → viewer rate in kbit/s (null: unlimited); takes effect at once, mid-stream.
  shape(viewer, kbit) {
    sh('shape', viewer, kbit ?? 'off');
  }

  // Random loss in percent on every hop out of the router, both ways (null: none).
  loss(percent) {
    sh('loss', percent ?? 'off');
  }

  // Drop all UDP to and from the viewers, as a firewall that lets only TCP out (the
  // TURN namespace's UDP to the server still passes). relayOnly: TCP from a viewer to the
  // server too, but for its web page, so only a TURN relay can carry the media.
  blockUdp(on, { relayOnly = false } = {}) {
    if (!on) sh('udp', 'allow');
    else if (relayOnly) sh('udp', 'relay-only', String(PORT));
    else sh('udp', 'block');
  }

  // One-way delay in ms added at the router to every packet, either way (RTT = 2 × ms);
  // 0 or null: none. Starts or replaces the relay.
  async delay(ms) {
    sh('delay', 'off');
    if (this.relay) {
      await stop(this.relay);
      this.relay = null;
    }
    if (!ms) return;
    const relay = spawn('ip', ['netns', 'exec', this.ns('mid'), delayBin, `${PREFIX}dly`,
      String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve, reject) => {
      relay.stdout.once('data', resolve);
      relay.once('exit', (code) => reject(new Error(`the delay relay exited with ${code}`)));
    });
    this.relay = relay;
    sh('delay', 'on');
  }

  // Bytes viewer i's namespace has received so far (its veth from the router).
  rxBytes(viewer = 1) {
    return Number(execFileSync('ip', ['netns', 'exec', this.ns(`c${viewer}`), 'cat',
      `/sys/class/net/${PREFIX}-eth/statistics/rx_bytes`]).toString());
  }

  // A command inside a namespace ('srv', 'turn', 'c1'…), ended by down().
  spawnIn(name, cmd, args, opts = {}) {
    const child = spawn('ip', ['netns', 'exec', this.ns(name), cmd, ...args], opts);
    this.children.push(child);
    return child;
  }

  // coturn in the TURN namespace (TURN_ADDR:3478, UDP and TCP, no TLS), with the REST
  // API's shared secret. Resolves once it listens.
  async startTurn(secret) {
    const dir = this.tmpDir('turn');
    const conf = path.join(dir, 'turnserver.conf');
    fs.writeFileSync(conf, [
      `listening-ip=${TURN}`, `relay-ip=${TURN}`, 'listening-port=3478',
      'use-auth-secret', `static-auth-secret=${secret}`, 'realm=wayrtc.test',
      'no-tls', 'no-dtls', 'no-cli', 'fingerprint', 'no-multicast-peers',
      'log-file=stdout', 'simple-log', 'verbose', `pidfile=${path.join(dir, 'pid')}`,
    ].join('\n'), { mode: 0o600 });
    const turn = this.spawnIn('turn', 'turnserver', ['-c', conf],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.turnLog = [];
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${this.turnLog.join('')}`)), 10000);
      const onData = (d) => {
        this.turnLog.push(d.toString());
        if (/listener opened on|Total (UDP|TCP) servers/i.test(this.turnLog.join(''))) {
          clearTimeout(timer);
          resolve();
        }
      };
      turn.stdout.on('data', onData);
      turn.stderr.on('data', onData);
      turn.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`coturn exited with ${code}:\n${this.turnLog.join('')}`));
      });
    });
    return turn;
  }

  // wayrtc in the server namespace, listening on SERVER:PORT; resolves as startWayrtc.
  async startWayrtc(args, opts = {}) {
    const w = await startWayrtc([`--listen=${SERVER}:${PORT}`, ...args],
      { ...opts, wrap: ['ip', 'netns', 'exec', this.ns('srv')] });
    this.children.push(w.child);
    this.logs.push(w.log);
    return w;
  }

  // A Chromium inside viewer i's namespace.
  async launchBrowser(viewer = 1) {
    const b = await launchBrowser({ executablePath: CHROMIUM_IN_NS,
      env: { WAYRTC_NET_NS: this.ns(`c${viewer}`) } });
    this.browsers.push(b);
    return b;
  }

  async down() {
    for (const b of this.browsers) await b.close().catch(() => {});
    await this.delay(0).catch(() => {});
    for (const c of this.children) await stop(c);
    // WAYRTC_NET_LOG=FILE keeps what wayrtc logged (with WAYRTC_LOG=debug: a stats line
    // per viewer every few seconds), for looking into a scenario
    if (process.env.WAYRTC_NET_LOG) {
      fs.appendFileSync(process.env.WAYRTC_NET_LOG, this.logs.map((l) => l.join('')).join('\n'));
    }
    sh('down');
    live = null;
    for (const d of this.dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}
