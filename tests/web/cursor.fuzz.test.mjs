// A fuzz loop over the page's cursor decoder (web/cursor.js, decodeCursorMessage): the
// bytes come from the server, but a page must not throw or misread whatever arrives.
// Random buffers and mutations of valid messages (bytes flipped, cut, grown), as
// ArrayBuffers and as views at an offset into a larger buffer. Each answer is null or
// exactly what the bytes say, read again here independently. Seeded, so a failure repeats;
// WAYRTC_FUZZ_ITERATIONS sets the count (default 50000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursorMessage, IMAGE_MAX } from '../../web/cursor.js';

const iterations = Number(process.env.WAYRTC_FUZZ_ITERATIONS || 50000);

// xorshift32: small, seeded, the same sequence on every machine
function rng(seed) {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

function position(r) {
  const b = new Uint8Array(10);
  b[0] = 1;
  for (let i = 1; i < 9; i++) b[i] = r(256);
  b[9] = r(2);
  return b;
}

function image(r) {
  const w = 1 + r(IMAGE_MAX), h = 1 + r(4);
  const b = new Uint8Array(9 + w * h * 4);
  b[0] = 2;
  b[1] = w & 255; b[2] = w >> 8; b[3] = h & 255; b[4] = h >> 8;
  for (let i = 5; i < b.length; i++) b[i] = r(256);
  return b;
}

function mutate(r, seed) {
  let b = seed.slice();
  switch (r(5)) {
    case 0: for (let k = 0; k < 1 + r(4); k++) if (b.length) b[r(b.length)] = r(256); break;
    case 1: b = b.slice(0, r(b.length + 1)); break;
    case 2: { const g = new Uint8Array(b.length + 1 + r(8)); g.set(b); b = g; break; }
    case 3: if (b.length > 4) { b[1 + r(4)] = [0, 1, 128, 129, 255][r(5)]; } break;
    default: b = new Uint8Array(r(64)).map(() => r(256)); break;
  }
  return b;
}

// The same bytes as the decoder sees them: an ArrayBuffer of their own, or a view at an
// offset inside a larger one filled with other bytes.
function wrap(r, b) {
  if (r(2)) return b.slice().buffer;
  const pre = r(16), big = new Uint8Array(pre + b.length + r(16)).fill(0xa5);
  big.set(b, pre);
  return new Uint8Array(big.buffer, pre, b.length);
}

const le16 = (b, i) => b[i] | (b[i + 1] << 8);
const s16 = (b, i) => (le16(b, i) << 16) >> 16;
const s32 = (b, i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);

function check(b, m) {
  if (m === null) return;
  if (m.type === 'position') {
    assert.equal(b.length, 10);
    assert.equal(b[0], 1);
    assert.ok(b[9] <= 1);
    assert.deepEqual(m, { type: 'position', x: s32(b, 1), y: s32(b, 5), visible: b[9] === 1 });
    return;
  }
  assert.equal(m.type, 'image');
  assert.equal(b[0], 2);
  assert.equal(m.width, le16(b, 1));
  assert.equal(m.height, le16(b, 3));
  assert.ok(m.width >= 1 && m.width <= IMAGE_MAX && m.height >= 1 && m.height <= IMAGE_MAX);
  assert.equal(b.length, 9 + m.width * m.height * 4);
  assert.equal(m.hotX, s16(b, 5));
  assert.equal(m.hotY, s16(b, 7));
  assert.ok(m.rgba instanceof Uint8ClampedArray);
  assert.deepEqual(Array.from(m.rgba), Array.from(b.subarray(9)));
}

test('random and mutated cursor messages decode to null or to what they say', () => {
  const r = rng(0x77617972);
  let accepted = 0;
  for (let i = 0; i < iterations; i++) {
    const seed = [position, image][r(2)](r);
    const b = r(8) ? mutate(r, seed) : seed;
    const m = decodeCursorMessage(wrap(r, b));
    check(b, m);
    if (m) accepted++;
  }
  // the loop reached the decoder's success paths, not only its refusals
  assert.ok(accepted > iterations / 10, `${accepted} of ${iterations} accepted`);
});
