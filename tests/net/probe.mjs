// UDP probes to check the test network itself (harness.test.mjs), run inside a namespace:
//   node probe.mjs echo PORT                 answers every datagram, until killed
//   node probe.mjs ping HOST PORT COUNT      COUNT pings 20 ms apart; prints the RTTs (JSON)
//   node probe.mjs sink PORT SECONDS         counts what arrives; prints {packets, bytes, ms}
//   node probe.mjs blast HOST PORT KBIT SECONDS   sends 1200-byte datagrams at KBIT
import dgram from 'node:dgram';

const [mode, ...a] = process.argv.slice(2);
const sock = dgram.createSocket('udp4');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

if (mode === 'echo') {
  sock.on('message', (m, r) => sock.send(m, r.port, r.address));
  sock.bind(Number(a[0]), () => console.log('ready'));
} else if (mode === 'ping') {
  const [host, port, count] = [a[0], Number(a[1]), Number(a[2])];
  const sent = new Map();
  const rtts = [];
  sock.on('message', (m) => {
    const t = sent.get(m.readUInt32BE(0));
    if (t !== undefined) rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
  });
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(64);
    b.writeUInt32BE(i, 0);
    sent.set(i, process.hrtime.bigint());
    sock.send(b, port, host);
    await sleep(20);
  }
  await sleep(1000);
  console.log(JSON.stringify(rtts));
  sock.close();
} else if (mode === 'sink') {
  let packets = 0;
  let bytes = 0;
  let first = 0;
  let last = 0;
  sock.on('message', (m) => {
    const now = Date.now();
    if (!packets) first = now;
    last = now;
    packets++;
    bytes += m.length;
  });
  sock.bind(Number(a[0]), async () => {
    console.log('ready');
    await sleep(Number(a[1]) * 1000);
    console.log(JSON.stringify({ packets, bytes, ms: last - first }));
    sock.close();
  });
} else if (mode === 'blast') {
  const [host, port, kbit, secs] = [a[0], Number(a[1]), Number(a[2]), Number(a[3])];
  const b = Buffer.alloc(1200);
  const perMs = (kbit * 1000) / 8 / 1200 / 1000;
  const start = Date.now();
  let sent = 0;
  while (Date.now() - start < secs * 1000) {
    const due = Math.floor((Date.now() - start) * perMs);
    while (sent < due) {
      sock.send(b, port, host);
      sent++;
    }
    await sleep(2);
  }
  console.log(JSON.stringify({ sent }));
  sock.close();
} else {
  console.error('usage: probe.mjs echo|ping|sink|blast …');
  process.exit(2);
}
