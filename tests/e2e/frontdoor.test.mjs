// The front door under a stranger's load, on loopback, with wayrtc's open-files limit at
// 1024 (a login shell's or a systemd user service's): whatever is thrown at it, the
// owner's link still gets in, descriptors come back, old TLS is refused, messages are
// bounded whole, another origin cannot lock the link out, and deleting the key revokes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { spawnSync } from 'node:child_process';
import { startWayrtc, stop, tokenOf, launchBrowser, waitForVideo, have } from './lib.mjs';

const FD_LIMIT = 1024;
let wayrtc;
let host;
let port;
let token;
let origin;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function openFds() {
  return fs.readdirSync(`/proc/${wayrtc.child.pid}/fd`).length;
}

// Waits until the descriptor count settles at or below `limit` (deadlines are seconds).
async function fdsBackTo(limit, ms = 15000) {
  const deadline = Date.now() + ms;
  let n = openFds();
  while (n > limit && Date.now() < deadline) {
    await sleep(200);
    n = openFds();
  }
  return n;
}

// Runs `n` jobs, `width` at a time.
async function pool(n, width, job) {
  let next = 0;
  const results = [];
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      const i = next++;
      results[i] = await job(i);
    }
  }));
  return results;
}

// A small WebSocket client over TLS: enough to read the status, frames and the close.
function ws({ tok = token, org = origin, path: p = '/ws', protocols, timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host, port, rejectUnauthorized: false });
    const out = {
      socket: s, status: 0, messages: [], closeCode: null, closeReason: '', ended: false,
      waiters: [],
    };
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no answer to the upgrade'));
    }, timeoutMs);
    const wake = () => out.waiters.splice(0).forEach((w) => w());
    s.on('secureConnect', () => {
      const lines = [
        `GET ${p} HTTP/1.1`, `Host: ${host}:${port}`, 'Upgrade: websocket',
        'Connection: Upgrade', `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
      ];
      if (org) lines.push(`Origin: ${org}`);
      const protos = protocols ?? (tok ? ['wayrtc', `token.${tok}`] : ['wayrtc']);
      lines.push(`Sec-WebSocket-Protocol: ${protos.join(', ')}`);
      s.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        out.status = Number(buf.subarray(0, end).toString().split(' ')[1]);
        buf = buf.subarray(end + 4);
        upgraded = true;
        clearTimeout(timer);
        resolve(out);
      }
      for (;;) { // server frames are not masked
        if (buf.length < 2) break;
        let len = buf[1] & 0x7f;
        let at = 2;
        if (len === 126) {
          if (buf.length < 4) break;
          len = buf.readUInt16BE(2);
          at = 4;
        } else if (len === 127) {
          if (buf.length < 10) break;
          len = Number(buf.readBigUInt64BE(2));
          at = 10;
        }
        if (buf.length < at + len) break;
        const op = buf[0] & 0x0f;
        const payload = buf.subarray(at, at + len);
        buf = buf.subarray(at + len);
        if (op === 1) out.messages.push(JSON.parse(payload.toString()));
        if (op === 8 && out.closeCode === null) {
          out.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          out.closeReason = payload.subarray(2).toString();
          s.end(frame(8, payload.subarray(0, 2))); // answer it, as a browser does
        }
        wake();
      }
    });
    const ended = () => {
      out.ended = true;
      clearTimeout(timer);
      wake();
      resolve(out); // refused before any status: status stays 0
    };
    s.on('close', ended);
    s.on('error', () => {});
  });
}

function frame(opcode, payload, fin = true) {
  const mask = crypto.randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len])
    : len < 65536 ? Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | 126, len >> 8, len & 0xff])
      : (() => {
        const h = Buffer.alloc(10);
        h[0] = (fin ? 0x80 : 0) | opcode;
        h[1] = 0x80 | 127;
        h.writeBigUInt64BE(BigInt(len), 2);
        return h;
      })();
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

function sendText(c, text) {
  c.socket.write(frame(1, Buffer.from(text)));
}

async function until(c, pred, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!pred(c)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => {
      c.waiters.push(r);
      setTimeout(r, 100);
    });
  }
  return true;
}

function closeWs(c) {
  if (!c.ended) c.socket.end(frame(8, Buffer.from([0x03, 0xe8])));
  return until(c, (x) => x.ended, 3000);
}

// A valid viewer: admitted (101) and greeted with `hello`; returns the time it took.
async function viewer(ms) {
  const t0 = Date.now();
  const c = await ws();
  assert.equal(c.status, 101, 'the owner\'s link is admitted');
  assert.ok(await until(c, (x) => x.messages.some((m) => m.type === 'hello'), ms),
    'the viewer gets its hello');
  const took = Date.now() - t0;
  await closeWs(c);
  return took;
}

function forged() {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const payload = b64({ exp: Math.floor(Date.now() / 1000) + 3600, scope: 'view,control' });
  const kinds = [
    () => 'not.a.token',
    () => `${b64({ alg: 'none' })}.${payload}.`,
    () => `${b64({ alg: 'HS256' })}.${payload}.${crypto.randomBytes(32).toString('base64url')}`,
    () => `${b64({ alg: 'HS512' })}.${payload}.${crypto.randomBytes(64).toString('base64url')}`,
    () => token.slice(0, -4) + 'AAAA',
    () => 'x'.repeat(5000),
  ];
  return kinds[crypto.randomInt(kinds.length)]();
}

// One hostile attempt of kind i % 12; resolves with the HTTP status (101 = admitted).
async function hostile(i) {
  const kind = i % 12;
  const raw = (text) => new Promise((resolve) => {
    const s = net.connect(port, host, () => { if (text) s.write(text); else s.end(); });
    s.on('data', () => {});
    s.on('close', () => resolve(0));
    s.on('error', () => resolve(0));
    setTimeout(() => s.destroy(), 2000);
  });
  const tlsOnly = (write) => new Promise((resolve) => {
    const s = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      if (write) s.write(write);
      s.end();
    });
    s.on('data', () => {});
    s.on('close', () => resolve(0));
    s.on('error', () => resolve(0));
    setTimeout(() => s.destroy(), 2000);
  });
  const upgrade = async (opts) => {
    const c = await ws(opts).catch(() => ({ status: 0, socket: { destroy() {} } }));
    c.socket.destroy();
    return c.status;
  };
  switch (kind) {
    case 0: case 1: case 2: return upgrade({ tok: forged() });
    case 3: return upgrade({ org: 'https://evil.example' }); // a valid token from elsewhere
    case 4: return upgrade({ org: null });
    case 5: return upgrade({ path: ['/wsx', '/ws/x', '/ws/../ws', '/ws?token=' + token][i % 4] });
    case 6: return raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // plain HTTP on the TLS port
    case 7: return raw(null); // connect and leave
    case 8: return raw(crypto.randomBytes(300)); // noise
    case 9: return tlsOnly(null); // handshake, then nothing
    case 10: return tlsOnly(`POST /auth HTTP/1.1\r\nHost: ${host}:${port}\r\n`
      + `Authorization: Bearer ${forged()}\r\nContent-Length: 0\r\n\r\n`);
    default: return upgrade({ protocols: ['wayrtc', `token.${forged()}`, 'x'.repeat(3000)] });
  }
}

before(async () => {
  wayrtc = await startWayrtc(['--source=virtual', '--size=320x240', '--no-audio',
    '--listen=127.0.0.1:0'], { wrap: ['prlimit', `--nofile=${FD_LIMIT}:${FD_LIMIT}`, '--'] });
  const u = new URL(wayrtc.url);
  host = u.hostname;
  port = Number(u.port);
  origin = `https://${u.host}`;
  token = tokenOf(wayrtc.url);
  const limits = fs.readFileSync(`/proc/${wayrtc.child.pid}/limits`, 'utf8');
  assert.match(limits, new RegExp(`Max open files\\s+${FD_LIMIT}\\s+${FD_LIMIT}`));
  await viewer(5000); // the first viewer brings up what every viewer shares
  await sleep(500);
});

after(async () => {
  const code = await stop(wayrtc?.child);
  assert.equal(code, 0, 'wayrtc exits cleanly on SIGTERM');
});

test('1,000 hostile attempts admit nobody; the owner gets in within 1 s; descriptors return',
  { timeout: 240000 }, async (t) => {
    const start = openFds();
    const t0 = Date.now();
    const statuses = await pool(1000, 24, hostile);
    t.diagnostic(`1,000 attempts in ${Date.now() - t0} ms, ${openFds()} descriptors after`);
    assert.equal(statuses.filter((s) => s === 101).length, 0, '0 admitted');
    const took = await viewer(1000);
    t.diagnostic(`the owner admitted in ${took} ms`);
    assert.ok(took <= 1000, `admitted in ${took} ms`);
    const end = await fdsBackTo(Math.floor(start * 1.05));
    t.diagnostic(`descriptors ${start} → ${end}`);
    assert.ok(end <= start * 1.05, `descriptors ${start} → ${end}`);
    assert.ok(wayrtc.child.exitCode === null, 'wayrtc still runs');
  });

test('300 silent connections and 100 unfinished requests held open: the owner gets in within 2 s',
  { timeout: 60000 }, async (t) => {
    const start = openFds();
    const t0 = Date.now();
    const held = [];
    await pool(300, 50, () => new Promise((resolve) => {
      const s = net.connect(port, host, resolve);
      s.on('error', resolve);
      held.push(s);
    }));
    await pool(100, 20, () => new Promise((resolve) => {
      const s = tls.connect({ host, port, rejectUnauthorized: false }, () => {
        s.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nX-Slow: `);
        resolve();
      });
      s.on('error', resolve);
      held.push(s);
    }));
    t.diagnostic(`400 held in ${Date.now() - t0} ms; wayrtc holds ${openFds()} descriptors`);
    assert.ok(openFds() < FD_LIMIT / 2, `wayrtc holds ${openFds()} descriptors`);
    const took = await viewer(2000);
    t.diagnostic(`the owner admitted in ${took} ms`);
    assert.ok(took <= 2000, `admitted in ${took} ms`);
    held.forEach((s) => s.destroy());
    const t1 = Date.now();
    const end = await fdsBackTo(Math.floor(start * 1.05));
    t.diagnostic(`descriptors ${start} → ${end} in ${Date.now() - t1} ms`);
    assert.ok(end <= start * 1.05, `descriptors ${start} → ${end}`);
  });

test('200 viewers come and go (and a few full peer connections): no descriptor grows',
  { timeout: 120000 }, async (t) => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(wayrtc.url);
      await waitForVideo(page);
      await page.close();
      await sleep(1000);
      const start = openFds();
      const t0 = Date.now();
      await pool(200, 4, async () => {
        const c = await ws();
        assert.equal(c.status, 101);
        assert.ok(await until(c, (x) => x.messages.some((m) => m.type === 'hello')));
        await closeWs(c);
      });
      t.diagnostic(`200 cycles in ${Date.now() - t0} ms`);
      for (let i = 0; i < 2; i++) {
        const p = await browser.newPage();
        await p.goto(wayrtc.url);
        await waitForVideo(p);
        await p.close();
      }
      const end = await fdsBackTo(start + 2, 10000);
      t.diagnostic(`descriptors ${start} → ${end}`);
      assert.ok(end <= start + 2, `descriptors ${start} → ${end}`);
    } finally {
      await browser.close();
    }
  });

test('TLS 1.0 and 1.1 (and TLS 1.2 without AEAD) are refused, TLS 1.2 and 1.3 with AEAD work',
  { skip: !have('openssl') && 'openssl is not installed (tools/install-deps adds it)' }, () => {
    const sClient = (...args) => spawnSync('openssl', ['s_client', '-connect', `${host}:${port}`,
      ...args], { input: '', encoding: 'utf8', timeout: 10000 }).stdout;
    const negotiated = (out) => /Cipher is (\S+)/.exec(out)?.[1];
    assert.equal(negotiated(sClient('-tls1', '-cipher', 'DEFAULT@SECLEVEL=0')), '(NONE)');
    assert.equal(negotiated(sClient('-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0')), '(NONE)');
    assert.equal(negotiated(sClient('-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0')),
      '(NONE)');
    assert.match(negotiated(sClient('-tls1_2')), /GCM|CHACHA20/);
    assert.match(negotiated(sClient('-tls1_3')), /GCM|CHACHA20/);
  });

test('a WebSocket message is bounded whole: 2 × 40 KiB in fragments closes the socket', async () => {
  const ok = await ws();
  assert.equal(ok.status, 101);
  // 2 × 30 KiB fits the 64 KiB limit: delivered whole (a bad-message error answers it)
  ok.socket.write(frame(1, Buffer.alloc(30 * 1024, 'a'), false));
  ok.socket.write(frame(0, Buffer.alloc(30 * 1024, 'a'), true));
  assert.ok(await until(ok, (x) => x.messages.some((m) => m.type === 'error')),
    'the fitting message arrived');
  assert.equal(ok.ended, false);
  await closeWs(ok);

  const big = await ws();
  assert.equal(big.status, 101);
  big.socket.write(frame(1, Buffer.alloc(40 * 1024, 'a'), false));
  big.socket.write(frame(0, Buffer.alloc(40 * 1024, 'a'), true));
  assert.ok(await until(big, (x) => x.ended, 5000), 'the socket was closed');
  assert.ok(!big.messages.some((m) => m.type === 'error'), 'nothing was delivered');
});

test('a page on another origin hammering the server cannot make the owner\'s link get 429',
  { timeout: 60000 }, async () => {
    const statuses = await pool(150, 16, async () => {
      const c = await ws({ org: 'https://evil.example' });
      c.socket.destroy();
      return c.status;
    });
    assert.ok(statuses.every((s) => s === 403), 'each foreign attempt is 403');
    await viewer(2000);
  });

test('a forged close reason cannot forge a log line', async () => {
  const c = await ws();
  assert.equal(c.status, 101);
  const reason = 'bye\n99999.999 error server: FORGED\x1b[31m';
  c.socket.end(frame(8, Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from(reason)])));
  await wayrtc.waitForLog(/viewer left \(4000, bye/, 5000);
  const text = wayrtc.log.join('');
  assert.ok(!/\n99999\.999 error server: FORGED/.test(text), 'no forged line');
  assert.ok(!text.includes('\x1b[31m'), 'no terminal escape');
  assert.ok(text.includes('bye\\x0a99999.999'), 'the newline is shown escaped');
});

// Last: it revokes every link of this share.
test('deleting jwt.key cuts off the running viewer and refuses the old link at once',
  async () => {
    const c = await ws();
    assert.equal(c.status, 101);
    assert.ok(await until(c, (x) => x.messages.some((m) => m.type === 'hello')));
    fs.unlinkSync(path.join(wayrtc.home, 'state', 'wayrtc', 'jwt.key'));
    const again = await ws();
    assert.equal(again.status, 401, 'the next connection with the old link is refused');
    again.socket.destroy();
    assert.ok(await until(c, (x) => x.closeCode !== null, 5000), 'the running viewer was cut off');
    assert.equal(c.closeCode, 1008);
    const bye = c.messages.find((m) => m.type === 'bye');
    assert.match(bye?.reason ?? '', /revoked/);
  });
