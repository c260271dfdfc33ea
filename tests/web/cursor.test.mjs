// web/cursor.js: the page reads what the server's encoder (src/cursor.c, through
// tests/web/encode-cursor) makes, byte for byte, in every bitmap format; refuses anything
// malformed; and on a fake page turns an image into the CSS cursor and a position into an
// overlay placed through the letterboxing, shown only where the local pointer is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  decodeCursorMessage, cssCursor, overlayBox, createCursor, IMAGE_MAX,
} from '../../web/cursor.js';
import { normalisedPosition } from '../../web/input.js';

const encoder = process.env.WAYRTC_ENCODE_CURSOR;
const noEncoder = !encoder && 'no WAYRTC_ENCODE_CURSOR';

// Asks src/cursor.c for messages; one Uint8Array (or null: "invalid") per request.
function encode(requests) {
  const r = spawnSync(encoder, { input: requests.join('\n') + '\n', encoding: 'utf8',
    maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n')
    .map((l) => (l === 'invalid' ? null : new Uint8Array(Buffer.from(l, 'hex'))));
}

// What encode-cursor's bitmaps hold, as RGBA.
// The server takes bitmaps as premultiplied and sends straight alpha (docs/input.md).
function unpremultiply(c, a) {
  if (a === 255) return c;
  if (a === 0) return 0;
  return Math.min(255, Math.floor((c * 255 + (a >> 1)) / a));
}

function pattern(w, h, opaque) {
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const a = opaque ? 255 : (255 - i) & 255;
    out.set([i & 255, (3 * i) & 255, (7 * i) & 255].map((c) => unpremultiply(c, a)).concat(a),
      i * 4);
  }
  return out;
}

test('positions from the server decode to the same numbers', { skip: noEncoder }, () => {
  const [a, b, c] = encode(['position 100 -5 1', 'position -2147483648 2147483647 0',
    'position 0 0 1']);
  assert.deepEqual([...a], [1, 100, 0, 0, 0, 0xfb, 0xff, 0xff, 0xff, 1]);
  assert.deepEqual(decodeCursorMessage(a.buffer), { type: 'position', x: 100, y: -5, visible: true });
  assert.deepEqual(decodeCursorMessage(b),
    { type: 'position', x: -2147483648, y: 2147483647, visible: false });
  assert.deepEqual(decodeCursorMessage(c), { type: 'position', x: 0, y: 0, visible: true });
});

test('images in each of the four formats arrive as the same RGBA', { skip: noEncoder }, () => {
  const formats = ['AR24', 'XR24', 'AB24', 'XB24'];
  const msgs = encode(formats.map((f) => `image ${f} 5 3 -1 2`));
  msgs.forEach((m, i) => {
    const img = decodeCursorMessage(m.buffer);
    assert.equal(img.type, 'image', formats[i]);
    assert.equal(img.width, 5);
    assert.equal(img.height, 3);
    assert.equal(img.hotX, -1);
    assert.equal(img.hotY, 2);
    assert.deepEqual(img.rgba, pattern(5, 3, formats[i][0] === 'X'), formats[i]);
  });
  assert.deepEqual([...msgs[0].slice(0, 9)], [2, 5, 0, 3, 0, 0xff, 0xff, 2, 0]);
});

test('128 a side is the limit on both sides', { skip: noEncoder }, () => {
  const [max, wide, tall, none] = encode(['image AR24 128 128 0 0', 'image AR24 129 1 0 0',
    'image AR24 1 129 0 0', 'image AR24 0 4 0 0']);
  assert.equal(IMAGE_MAX, 128);
  const img = decodeCursorMessage(max);
  assert.equal(img.width, 128);
  assert.deepEqual(img.rgba, pattern(128, 128, false));
  assert.equal(wide, null);
  assert.equal(tall, null);
  assert.equal(none, null);
});

test('anything malformed is refused whole', () => {
  const pos = Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  assert.ok(decodeCursorMessage(pos));
  assert.equal(decodeCursorMessage(pos.slice(0, 9)), null, 'short');
  assert.equal(decodeCursorMessage(Uint8Array.of(...pos, 0)), null, 'long');
  assert.equal(decodeCursorMessage(Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0, 2)), null, 'visible 2');
  assert.equal(decodeCursorMessage(Uint8Array.of(3, 0, 0, 0, 0, 0, 0, 0, 0, 1)), null, 'type 3');
  assert.equal(decodeCursorMessage(new Uint8Array(0)), null, 'empty');
  const img = (w, h, n = w * h * 4) => {
    const b = new Uint8Array(9 + n);
    b[0] = 2;
    new DataView(b.buffer).setUint16(1, w, true);
    new DataView(b.buffer).setUint16(3, h, true);
    return b;
  };
  assert.ok(decodeCursorMessage(img(2, 2)));
  assert.equal(decodeCursorMessage(img(2, 2, 15)), null, 'a byte short');
  assert.equal(decodeCursorMessage(img(2, 2, 17)), null, 'a byte long');
  assert.equal(decodeCursorMessage(img(0, 2, 0)), null, 'no width');
  assert.equal(decodeCursorMessage(img(129, 1)), null, 'too wide');
});

test('the CSS cursor keeps its hotspot inside the image', () => {
  const img = { width: 16, height: 8, hotX: 3, hotY: 4 };
  assert.equal(cssCursor('data:image/png;base64,AA', img),
    'url("data:image/png;base64,AA") 3 4, default');
  assert.equal(cssCursor('u', { ...img, hotX: -2, hotY: 40 }), 'url("u") 0 7, default');
});

class FakeChannel extends EventTarget {
  constructor(label, options) {
    super();
    this.label = label;
    this.options = options;
    this.readyState = 'connecting';
  }

  open() {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  receive(bytes) {
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    this.dispatchEvent(Object.assign(new Event('message'), { data }));
  }

  close() {
    this.readyState = 'closed';
  }
}

// An 800x600 picture in a box of the given size; canvases record what is drawn on them.
function page({ canControl = true, width = 400, height = 600, left = 0, top = 0 } = {}) {
  const drawn = [];
  const children = [];
  const element = (tag) => {
    const el = Object.assign(new EventTarget(), { tagName: tag, style: {}, hidden: false });
    el.remove = () => children.splice(children.indexOf(el), 1);
    if (tag === 'canvas') {
      el.getContext = () => ({
        createImageData: (w, h) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
        putImageData: (img) => drawn.push(img),
      });
      el.toDataURL = (type) => `data:${type};base64,${Buffer.from(drawn.at(-1).data).toString('base64')}`;
    }
    return el;
  };
  const stage = { appendChild: (el) => children.push(el) };
  const doc = { createElement: element, body: stage };
  const win = Object.assign(new EventTarget(), { wayrtc: {} });
  const video = Object.assign(new EventTarget(), {
    videoWidth: 800,
    videoHeight: 600,
    style: {},
    getBoundingClientRect: () => ({ left, top, width, height }),
  });
  const channels = {};
  const pc = {
    createDataChannel(label, options) {
      channels[label] = new FakeChannel(label, options);
      return channels[label];
    },
  };
  const cursor = createCursor({ pc, video, stage, canControl, win, doc });
  return { cursor, channels, children, drawn, win, video };
}

const position = (x, y, visible = 1) => {
  const b = new Uint8Array(10);
  const v = new DataView(b.buffer);
  b[0] = 1;
  v.setInt32(1, x, true);
  v.setInt32(5, y, true);
  b[9] = visible;
  return b;
};

const image = (w, h, hotX, hotY) => {
  const b = new Uint8Array(9 + w * h * 4);
  const v = new DataView(b.buffer);
  b[0] = 2;
  v.setUint16(1, w, true);
  v.setUint16(3, h, true);
  v.setInt16(5, hotX, true);
  v.setInt16(7, hotY, true);
  b.set(pattern(w, h, false), 9);
  return b;
};

const pointer = (type, pointerType = 'mouse') => Object.assign(new Event(type), { pointerType });

test('every link opens cursor, ordered and reliable, as an ArrayBuffer channel', () => {
  for (const canControl of [true, false]) {
    const p = page({ canControl });
    assert.deepEqual(Object.keys(p.channels), ['cursor']);
    assert.equal(p.channels.cursor.options, undefined, 'the defaults: ordered, reliable');
    assert.equal(p.channels.cursor.binaryType, 'arraybuffer');
    assert.equal(p.win.wayrtc.channels.cursor, 'connecting');
    p.channels.cursor.open();
    assert.equal(p.win.wayrtc.channels.cursor, 'open');
  }
});

test('an image becomes the video\'s CSS cursor, drawn from the same pixels', () => {
  const p = page();
  p.channels.cursor.open();
  p.channels.cursor.receive(image(8, 8, 4, 6));
  assert.deepEqual(p.drawn.at(-1).data, pattern(8, 8, false));
  const url = `data:image/png;base64,${Buffer.from(pattern(8, 8, false)).toString('base64')}`;
  assert.equal(p.video.style.cursor, `url("${url}") 4 6, default`);
  assert.equal(p.cursor.overlay.src, url);
  assert.deepEqual(p.win.wayrtc.cursor,
    { x: 0, y: 0, visible: false, width: 8, height: 8, hotX: 4, hotY: 6 });
  assert.equal(p.cursor.overlay.hidden, true, 'no position yet');
});

test('the overlay sits where the desktop\'s pointer is, through the letterboxing', () => {
  // 800x600 in 400x600: scale 0.5, bars of 150 px above and below
  const p = page({ canControl: false, left: 10, top: 20 });
  p.channels.cursor.open();
  p.channels.cursor.receive(image(8, 8, 4, 6));
  p.channels.cursor.receive(position(200, 100));
  assert.equal(p.video.style.cursor, undefined, 'a watcher keeps the browser\'s own pointer');
  const o = p.cursor.overlay;
  assert.equal(o.hidden, false);
  assert.deepEqual([o.style.left, o.style.top, o.style.width, o.style.height],
    ['108px', '217px', '4px', '4px']);
  assert.deepEqual(p.win.wayrtc.cursor,
    { x: 200, y: 100, visible: true, width: 8, height: 8, hotX: 4, hotY: 6 });
  // the hotspot's place is where input.js would send the pointer to get there
  const at = normalisedPosition(108 + 4 * 0.5, 217 + 6 * 0.5, p.video);
  assert.deepEqual([at.x * 800, at.y * 600], [200, 100]);
  // a watcher's own mouse over the video changes nothing
  p.video.dispatchEvent(pointer('pointerenter'));
  assert.equal(o.hidden, false);
  p.channels.cursor.receive(position(200, 100, 0));
  assert.equal(o.hidden, true, 'hidden when the desktop says so');
  assert.equal(p.win.wayrtc.cursor.visible, false);
});

test('with control the overlay shows only while the local pointer is off the video', () => {
  const p = page({ width: 1000, height: 600 }); // scale 1, bars of 100 px left and right
  p.channels.cursor.open();
  p.channels.cursor.receive(image(2, 2, 0, 0));
  p.channels.cursor.receive(position(0, 599));
  const o = p.cursor.overlay;
  assert.equal(o.hidden, false);
  assert.deepEqual([o.style.left, o.style.top], ['100px', '599px']);
  p.video.dispatchEvent(pointer('pointerenter'));
  assert.equal(o.hidden, true, 'the browser draws it at the mouse (CSS cursor)');
  p.channels.cursor.receive(position(5, 5));
  assert.equal(o.hidden, true);
  p.video.dispatchEvent(pointer('pointerleave'));
  assert.equal(o.hidden, false);
  assert.deepEqual([o.style.left, o.style.top], ['105px', '5px']);
  // a finger leaves no pointer on the screen: the overlay stays
  p.video.dispatchEvent(pointer('pointerenter', 'touch'));
  assert.equal(o.hidden, false);
  p.video.dispatchEvent(pointer('pointermove', 'pen'));
  assert.equal(o.hidden, true);
});

test('malformed and text messages change nothing; close takes everything away', () => {
  const p = page();
  p.channels.cursor.open();
  p.channels.cursor.receive(image(2, 2, 0, 0));
  p.channels.cursor.receive(position(1, 2));
  const before = { ...p.win.wayrtc.cursor };
  p.channels.cursor.receive(Uint8Array.of(1, 2, 3));
  p.channels.cursor.dispatchEvent(Object.assign(new Event('message'), { data: 'hello' }));
  assert.deepEqual(p.win.wayrtc.cursor, before);
  assert.equal(p.children.length, 1);
  p.cursor.close();
  assert.equal(p.children.length, 0, 'the overlay is gone');
  assert.equal(p.video.style.cursor, '');
  assert.equal(p.win.wayrtc.channels.cursor, 'closed');
  assert.equal(p.channels.cursor.readyState, 'closed');
});

test('overlayBox is null until there is a picture', () => {
  const video = { videoWidth: 0, videoHeight: 0, getBoundingClientRect: () => ({ width: 1, height: 1 }) };
  assert.equal(overlayBox({ x: 0, y: 0, hotX: 0, hotY: 0, width: 1, height: 1 }, video), null);
});
