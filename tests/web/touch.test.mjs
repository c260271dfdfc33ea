// Touch as on a tablet: web/gesture.js fed synthetic finger sequences (tap, long press,
// drag, pan while zoomed, tap-and-drag, two-finger scroll, pinch, stray fingers), the view
// math of web/zoom.js, the wheel of two fingers (web/pointer.js touchWheel), the key bar's
// pure parts (web/keybar.js), and all of it through web/control.js on a fake page: the
// messages the desktop gets for each gesture, and a latched Ctrl going with the next key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createGestures, LONG_PRESS_MS, TAP_SLOP_PX, TAP_DRAG_MS, TWO_TAP_MS,
} from '../../web/gesture.js';
import {
  clampView, pinchView, panView, containedRect, createZoom, ZOOM_MAX,
} from '../../web/zoom.js';
import { touchWheel, TOUCH_WHEEL_GAIN } from '../../web/pointer.js';
import { withLatched, keyForChar, createKeybar, BAR_KEYS } from '../../web/keybar.js';
import { createControl, comboMessages } from '../../web/control.js';
import {
  encodePointerMove, encodeButton, encodeKey, encodeWheel, normalisedPosition,
} from '../../web/input.js';

const types = (actions) => actions.map((a) => a.type);

// -- the recogniser -------------------------------------------------------------------

test('a tap is a left click where the finger went down, even if it wandered a little', () => {
  const g = createGestures();
  assert.deepEqual(g.down(1, 100, 100, 0), []);
  assert.equal(g.deadline(), LONG_PRESS_MS);
  assert.deepEqual(g.move(1, 100 + TAP_SLOP_PX - 1, 100, 50), []);
  assert.deepEqual(g.up(1, 100 + TAP_SLOP_PX - 1, 100, 120), [
    { type: 'press', button: 0, x: 100, y: 100 }, { type: 'release', button: 0, x: 100, y: 100 },
  ]);
  assert.equal(g.mode, 'idle');
  assert.equal(g.deadline(), null);
});

test('a finger held still is a right click when its time comes, and nothing after', () => {
  const g = createGestures();
  g.down(1, 50, 60, 1000);
  assert.deepEqual(g.tick(1000 + LONG_PRESS_MS - 1), [], 'not yet');
  assert.deepEqual(g.move(1, 53, 62, 1200), [], 'a finger trembles');
  assert.deepEqual(g.tick(1000 + LONG_PRESS_MS), [
    { type: 'press', button: 2, x: 50, y: 60 }, { type: 'release', button: 2, x: 50, y: 60 },
  ]);
  assert.deepEqual(g.move(1, 200, 200, 1600), [], 'moving afterwards drags nothing');
  assert.deepEqual(g.up(1, 200, 200, 1700), [], 'and lifting clicks nothing');
  assert.equal(g.mode, 'idle');
});

test('a finger that moves is a left drag from where it went down; no long press after', () => {
  const g = createGestures();
  g.down(1, 10, 10, 0);
  assert.deepEqual(g.move(1, 40, 10, 30), [
    { type: 'press', button: 0, x: 10, y: 10 }, { type: 'move', x: 40, y: 10 },
  ]);
  assert.equal(g.deadline(), null);
  assert.deepEqual(g.tick(LONG_PRESS_MS * 2), []);
  assert.deepEqual(g.move(1, 60, 20, 60), [{ type: 'move', x: 60, y: 20 }]);
  // a second finger during a drag is nothing, and so is its lifting
  assert.deepEqual(g.down(2, 300, 300, 70), []);
  assert.deepEqual(g.move(2, 350, 300, 80), []);
  assert.deepEqual(g.up(2, 350, 300, 90), []);
  assert.deepEqual(g.up(1, 70, 20, 100), [
    { type: 'move', x: 70, y: 20 }, { type: 'release', button: 0, x: 70, y: 20 },
  ]);
});

test('zoomed in, one finger pans the view; a tap still clicks; tap-and-drag still drags', () => {
  let zoomed = true;
  const g = createGestures({ zoomed: () => zoomed });
  g.down(1, 100, 100, 0);
  assert.deepEqual(g.move(1, 130, 90, 20), [{ type: 'pan', dx: 30, dy: -10 }]);
  assert.deepEqual(g.move(1, 135, 90, 40), [{ type: 'pan', dx: 5, dy: 0 }]);
  assert.deepEqual(g.up(1, 135, 90, 60), [], 'a pan clicks nothing');
  // a tap
  g.down(1, 200, 200, 1000);
  assert.deepEqual(types(g.up(1, 200, 200, 1080)), ['press', 'release']);
  // touched again at once, near it, and moved: a drag on the desktop
  g.down(1, 205, 200, 1080 + TAP_DRAG_MS - 10);
  assert.deepEqual(g.move(1, 260, 200, 1400), [
    { type: 'press', button: 0, x: 205, y: 200 }, { type: 'move', x: 260, y: 200 },
  ]);
  assert.deepEqual(g.up(1, 260, 200, 1450), [{ type: 'release', button: 0, x: 260, y: 200 }]);
  // too late after a tap: a pan again
  g.down(1, 260, 200, 1450 + TAP_DRAG_MS + 1);
  assert.deepEqual(types(g.move(1, 300, 200, 2000)), ['pan']);
  g.up(1, 300, 200, 2010);
  zoomed = false;
  g.down(1, 0, 0, 5000);
  assert.deepEqual(types(g.move(1, 50, 0, 5010)), ['press', 'move'], 'not zoomed: a drag');
});

test('two fingers moving together scroll, both axes, from where they started', () => {
  const g = createGestures();
  g.down(1, 100, 300, 0);
  assert.deepEqual(g.down(2, 200, 300, 10), [], 'the second finger: no click');
  assert.equal(g.deadline(), null, 'and no long press');
  assert.deepEqual(g.move(1, 100, 295, 20), [], 'not clear yet');
  // the centre moves 10 down… now up by 20 in total: a scroll of all of it
  const a = g.move(2, 200, 275, 30);
  assert.deepEqual(types(a), ['scroll']);
  assert.equal(a[0].dx, 0);
  assert.equal(a[0].dy, -15, 'the centre moved from 300 to 285');
  assert.deepEqual(g.move(1, 140, 280, 40), [{ type: 'scroll', dx: 20, dy: -7.5, x: 170, y: 277.5 }]);
  // one finger lifts: over, and the other one does nothing more
  assert.deepEqual(g.up(1, 140, 280, 50), []);
  assert.deepEqual(g.move(2, 400, 400, 60), []);
  assert.deepEqual(g.up(2, 400, 400, 70), [], 'no tap from the last finger');
  assert.equal(g.mode, 'idle');
});

test('two fingers spreading pinch: zoom about their centre, the centre\'s motion with it', () => {
  const g = createGestures();
  g.down(1, 100, 100, 0);
  g.down(2, 200, 100, 5);
  const a = g.move(2, 300, 100, 20); // distance 100 → 200
  assert.deepEqual(a, [{ type: 'pinch', ratio: 2, x: 150, y: 100, dx: 50, dy: 0 }]);
  const b = g.move(1, 150, 100, 40); // distance 150, centre 225
  assert.equal(b[0].type, 'pinch');
  assert.equal(b[0].ratio, 0.75);
  assert.deepEqual([b[0].x, b[0].dx], [200, 25]);
  // once a pinch, always a pinch: moving together now zooms nothing but moves the view
  const c = g.move(1, 150, 150, 50);
  assert.equal(c[0].type, 'pinch');
  g.up(1, 150, 150, 60);
  g.up(2, 300, 100, 70);
  assert.equal(g.mode, 'idle');
});

test('a cancelled drag lets go of the button; a cancelled touch clicks nothing', () => {
  const g = createGestures();
  g.down(7, 10, 10, 0);
  g.move(7, 50, 10, 10);
  assert.deepEqual(g.cancel(7, 20), [{ type: 'release', button: 0, x: 50, y: 10 }]);
  g.down(8, 10, 10, 100);
  assert.deepEqual(g.cancel(8, 110), []);
  assert.deepEqual(g.tick(10000), []);
  assert.equal(g.mode, 'idle');
});

test('two fingers tapped together are a right click between them; moved or slow, nothing', () => {
  const g = createGestures();
  g.down(1, 100, 200, 0);
  assert.deepEqual(g.down(2, 160, 200, 30), []);
  assert.deepEqual(g.move(1, 103, 201, 60), [], 'fingers tremble');
  assert.deepEqual(g.up(1, 103, 201, 120), [
    { type: 'press', button: 2, x: 130, y: 200 }, { type: 'release', button: 2, x: 130, y: 200 },
  ]);
  assert.deepEqual(g.up(2, 160, 200, 140), [], 'the second finger lifting is nothing more');
  assert.equal(g.mode, 'idle');
  // held too long: nothing (and no long press either)
  g.down(1, 100, 200, 1000);
  g.down(2, 160, 200, 1010);
  assert.deepEqual(g.tick(1000 + LONG_PRESS_MS + 100), []);
  assert.deepEqual(g.up(1, 100, 200, 1000 + TWO_TAP_MS + 1), []);
  g.up(2, 160, 200, 1000 + TWO_TAP_MS + 2);
  // a quick scroll is a scroll, not a click
  g.down(1, 100, 200, 2000);
  g.down(2, 160, 200, 2010);
  assert.deepEqual(types(g.move(1, 100, 190, 2030)), []);
  assert.deepEqual(types(g.move(2, 160, 170, 2040)), ['scroll']);
  assert.deepEqual(types(g.up(1, 100, 190, 2060)), [], 'no click after a scroll');
  g.up(2, 160, 170, 2070);
  // zoomed in: a finger that was panning, then a second one, is no tap either
  const z = createGestures({ zoomed: () => true });
  z.down(1, 100, 100, 0);
  z.move(1, 150, 100, 20);
  z.down(2, 300, 100, 40);
  assert.deepEqual(z.up(1, 150, 100, 60), []);
});

// -- the view -----------------------------------------------------------------------------

const BOX = { width: 800, height: 600 };

test('the view: pinching keeps the point under the fingers; it never leaves the picture', () => {
  // a 640x480 desktop in an 800x600 box: no bars
  const content = containedRect(BOX, 640, 480);
  assert.deepEqual(content, { left: 0, top: 0, width: 800, height: 600 });
  const v = pinchView({ scale: 1, x: 0, y: 0 }, 2, 200, 150, 0, 0, BOX, content);
  assert.deepEqual(v, { scale: 2, x: -200, y: -150 });
  // the point that was under (200, 150) is still there: local (200,150)*2 - (200,150)
  assert.equal(200 * v.scale + v.x, 200);
  // panned far right: stops at the picture's left edge
  assert.deepEqual(panView(v, 5000, 0, BOX, content), { scale: 2, x: 0, y: -150 });
  assert.deepEqual(panView(v, -5000, -5000, BOX, content), { scale: 2, x: -800, y: -600 });
  // never below 1 (back to the whole picture), never above ZOOM_MAX
  assert.deepEqual(pinchView(v, 0.1, 400, 300, 30, 30, BOX, content), { scale: 1, x: 0, y: 0 });
  assert.equal(pinchView(v, 100, 0, 0, 0, 0, BOX, content).scale, ZOOM_MAX);
});

test('the view: a letterboxed picture stays centred the way it still fits', () => {
  // a 640x480 desktop on a phone held upright: bars above and below
  const box = { width: 390, height: 800 };
  const content = containedRect(box, 640, 480);
  assert.equal(content.height, 292.5);
  const v = pinchView({ scale: 1, x: 0, y: 0 }, 2, 195, 400, 0, 100, box, content);
  assert.equal(v.scale, 2);
  // 585 px tall in an 800 px box: centred, whatever the fingers did
  assert.equal(v.y, (800 - 585) / 2 - content.top * 2);
  // and horizontally it covers the box
  assert.ok(v.x <= 0 && v.x >= 390 - 780);
  assert.deepEqual(clampView({ scale: 1, x: 50, y: 50 }, box, content), { scale: 1, x: 0, y: 0 });
});

test('zoomed, a point of the picture maps to the same desktop pixel as before', () => {
  // the video's box under the transform, as getBoundingClientRect gives it
  const content = containedRect(BOX, 640, 480);
  const v = pinchView({ scale: 1, x: 0, y: 0 }, 3, 600, 450, 0, 0, BOX, content);
  const video = {
    videoWidth: 640, videoHeight: 480,
    getBoundingClientRect: () => ({
      left: v.x, top: v.y, width: BOX.width * v.scale, height: BOX.height * v.scale,
    }),
  };
  // desktop pixel (500, 400) is at client (500/640*800*3 + x, …)
  const cx = (500 / 640) * 800 * v.scale + v.x;
  const cy = (400 / 480) * 600 * v.scale + v.y;
  const p = normalisedPosition(cx, cy, video);
  assert.ok(Math.abs(p.x * 640 - 500) < 1e-9 && Math.abs(p.y * 480 - 400) < 1e-9);
});

test('createZoom transforms the video and the still alike, and says so', () => {
  const style = () => ({ transform: '', transformOrigin: '' });
  const video = { videoWidth: 640, videoHeight: 480, style: style() };
  const still = { style: style() };
  const stage = {
    clientWidth: 800, clientHeight: 600, getBoundingClientRect: () => ({ left: 0, top: 0 }),
  };
  const state = {};
  const seen = [];
  const zoom = createZoom({
    video, elements: [video, still], stage, state, onChange: (view) => seen.push(view),
  });
  assert.equal(zoom.zoomed(), false);
  zoom.pinch(2, 400, 300, 0, 0);
  assert.equal(zoom.zoomed(), true);
  assert.deepEqual(state.zoom, { scale: 2, x: -400, y: -300 });
  assert.equal(video.style.transform, 'translate(-400px, -300px) scale(2)');
  assert.equal(still.style.transform, video.style.transform);
  assert.equal(video.style.transformOrigin, '0 0');
  zoom.reset();
  assert.equal(video.style.transform, '');
  assert.equal(seen.length, 2);
});

// -- the wheel of two fingers -------------------------------------------------------------

test('two fingers\' wheel: natural direction, in desktop pixels, fractions kept', () => {
  const rest = { x: 0, y: 0 };
  // fingers up 10 CSS px over a picture at 0.5 CSS px a desktop pixel: 20 desktop px
  assert.deepEqual(touchWheel(0, -10, 0.5, rest), encodeWheel(0, 20 * TOUCH_WHEEL_GAIN, 0));
  // right: the wheel goes left
  assert.deepEqual(touchWheel(10, 0, 1, rest), encodeWheel(-10 * TOUCH_WHEEL_GAIN, 0, 0));
  // a quarter pixel at a time: nothing, then the whole of it
  assert.equal(touchWheel(0, -0.125, 1, rest), null);
  assert.deepEqual(touchWheel(0, -0.5, 1, rest), encodeWheel(0, 1, 0));
  assert.equal(touchWheel(0, -1, 0, rest), null, 'no picture: nothing');
});

// -- the key bar's pure parts -------------------------------------------------------------

test('the key bar: latched modifiers in bar order before the key; characters as US keys', () => {
  assert.deepEqual(withLatched(new Set(['MetaLeft', 'ControlLeft']), 'ArrowLeft'),
    ['ControlLeft', 'MetaLeft', 'ArrowLeft']);
  assert.deepEqual(withLatched(new Set(), 'Escape'), ['Escape']);
  assert.deepEqual(keyForChar('c'), { code: 'KeyC', shift: false });
  assert.deepEqual(keyForChar('C'), { code: 'KeyC', shift: true });
  assert.deepEqual(keyForChar('5'), { code: 'Digit5', shift: false });
  assert.deepEqual(keyForChar('%'), { code: 'Digit5', shift: true });
  assert.deepEqual(keyForChar('/'), { code: 'Slash', shift: false });
  assert.deepEqual(keyForChar('?'), { code: 'Slash', shift: true });
  assert.deepEqual(keyForChar('~'), { code: 'Backquote', shift: true });
  assert.deepEqual(keyForChar(' '), { code: 'Space', shift: false });
  assert.equal(keyForChar('é'), null);
  assert.deepEqual(BAR_KEYS.map((k) => k.label),
    ['Esc', 'Tab', 'Ctrl', 'Alt', 'Super', '←', '↑', '↓', '→']);
});

// -- through control.js on a fake page ------------------------------------------------------

class FakeChannel extends EventTarget {
  constructor(label, log) {
    super();
    this.label = label;
    this.readyState = 'open';
    this.bufferedAmount = 0;
    this.log = log;
  }

  send(msg) {
    this.log.push([this.label, [...msg]]);
  }

  close() {
    this.readyState = 'closed';
  }
}

function event(type, props = {}) {
  return Object.assign(new Event(type, { cancelable: true }), props);
}
const finger = (type, id, clientX, clientY) => event(type, {
  clientX, clientY, pointerId: id, pointerType: 'touch', isPrimary: id === 1, button: 0,
  buttons: type === 'pointerup' ? 0 : 1,
});

function fakeElement(tag = 'div') {
  const el = Object.assign(new EventTarget(), {
    tag, children: [], dataset: {}, attrs: {}, hidden: false, textContent: '',
    setAttribute(k, v) {
      this.attrs[k] = String(v);
    },
    getAttribute(k) {
      return this.attrs[k] ?? null;
    },
    append(c) {
      this.children.push(c);
    },
    contains(t) {
      return t === this || this.children.includes(t);
    },
  });
  return el;
}

// An 800x600 picture of an 800x600 desktop, a clock and timers the test runs.
function page({ latch = null, withZoom = false, scope = ['view', 'control'] } = {}) {
  const notices = [];
  const log = [];
  const timers = new Map();
  let timerId = 0;
  const clock = { ms: 0 };
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible', activeElement: null });
  const win = Object.assign(new EventTarget(), {
    wayrtc: {},
    navigator: { platform: 'Linux armv8l' },
    performance: { now: () => clock.ms },
    requestAnimationFrame: () => 0,
    cancelAnimationFrame: () => {},
    setTimeout: (fn, ms) => {
      timers.set(++timerId, { fn, at: clock.ms + ms });
      return timerId;
    },
    clearTimeout: (id) => timers.delete(id),
  });
  const video = Object.assign(new EventTarget(), {
    videoWidth: 800, videoHeight: 600, style: {},
    setPointerCapture() {},
  });
  const stage = {
    clientWidth: 800, clientHeight: 600, getBoundingClientRect: () => ({ left: 0, top: 0 }),
  };
  const zoom = withZoom ? createZoom({ video, stage, state: win.wayrtc }) : null;
  video.getBoundingClientRect = () => {
    const v = zoom ? zoom.view : { scale: 1, x: 0, y: 0 };
    return { left: v.x, top: v.y, width: 800 * v.scale, height: 600 * v.scale };
  };
  const sink = Object.assign(new EventTarget(), { value: '', focus() {}, blur() {} });
  const pc = { createDataChannel: (label) => new FakeChannel(label, log) };
  const control = createControl({
    pc, video, sink, scope, win, doc, zoom, latch, ui: { notify: (t) => notices.push(t) },
  });
  // time passes: due timers run in order
  const advance = (ms) => {
    clock.ms += ms;
    for (const [id, t] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= clock.ms && timers.delete(id)) t.fn();
    }
  };
  const take = () => log.splice(0).filter(([label]) => label !== 'cursor');
  return {
    log, win, doc, video, sink, control, zoom, clock, advance, take, notices,
  };
}

const on = (label, msg) => [label, [...msg]];

test('through control.js: a tap, a long press, a drag, as the desktop gets them', () => {
  const p = page();
  p.video.dispatchEvent(finger('pointerdown', 1, 400, 300));
  p.advance(80);
  p.video.dispatchEvent(finger('pointerup', 1, 400, 300));
  assert.deepEqual(p.take(), [
    on('input', encodePointerMove(0.5, 0.5)), on('input', encodeButton(0, true)),
    on('input', encodePointerMove(0.5, 0.5)), on('input', encodeButton(0, false)),
  ]);
  p.advance(1000);
  assert.deepEqual(p.take(), [], 'a tap leaves no long press behind');

  p.video.dispatchEvent(finger('pointerdown', 1, 200, 150));
  p.advance(LONG_PRESS_MS - 1);
  assert.deepEqual(p.take(), [], 'nothing until the finger has been still long enough');
  p.advance(1);
  assert.deepEqual(p.take(), [
    on('input', encodePointerMove(0.25, 0.25)), on('input', encodeButton(2, true)),
    on('input', encodePointerMove(0.25, 0.25)), on('input', encodeButton(2, false)),
  ]);
  p.video.dispatchEvent(finger('pointerup', 1, 200, 150));
  assert.deepEqual(p.take(), []);

  p.video.dispatchEvent(finger('pointerdown', 1, 0, 0));
  p.video.dispatchEvent(finger('pointermove', 1, 400, 0));
  p.video.dispatchEvent(finger('pointerup', 1, 800, 0));
  assert.deepEqual(p.take(), [
    on('input', encodePointerMove(0, 0)), on('input', encodeButton(0, true)),
    on('input', encodePointerMove(0.5, 0)),
    on('input', encodePointerMove(1, 0)),
    on('input', encodePointerMove(1, 0)), on('input', encodeButton(0, false)),
  ]);
});

test('through control.js: two fingers scroll the wheel where they are, no click', () => {
  const p = page();
  p.video.dispatchEvent(finger('pointerdown', 1, 300, 300));
  p.video.dispatchEvent(finger('pointerdown', 2, 500, 300));
  p.video.dispatchEvent(finger('pointermove', 1, 300, 250));
  p.video.dispatchEvent(finger('pointermove', 2, 500, 250));
  p.video.dispatchEvent(finger('pointermove', 1, 260, 250));
  p.video.dispatchEvent(finger('pointermove', 2, 460, 250));
  p.video.dispatchEvent(finger('pointerup', 1, 260, 250));
  p.video.dispatchEvent(finger('pointerup', 2, 460, 250));
  p.advance(2000);
  const msgs = p.take();
  assert.equal(msgs.filter(([, m]) => m[0] === 2).length, 0, 'no button at all');
  const wheels = msgs.filter(([, m]) => m[0] === 3).map(([, m]) => {
    const v = new DataView(Uint8Array.from(m).buffer);
    return [v.getInt16(1, true), v.getInt16(3, true)];
  });
  // up 25 (the centre), then up 25 more and left 40: natural scrolling, down and right
  assert.ok(wheels.length >= 2, `wheel messages: ${JSON.stringify(wheels)}`);
  const sum = wheels.reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
  assert.deepEqual(sum, [Math.round(40 * TOUCH_WHEEL_GAIN * 1.2), Math.round(50 * TOUCH_WHEEL_GAIN * 1.2)]);
  // each wheel right after a move to the fingers' centre
  msgs.forEach(([, m], i) => {
    if (m[0] === 3) assert.equal(msgs[i - 1][1][0], 1);
  });
});

test('through control.js: a pinch zooms the picture, and a tap then lands on what it shows', () => {
  const p = page({ withZoom: true });
  p.video.dispatchEvent(finger('pointerdown', 1, 350, 300));
  p.video.dispatchEvent(finger('pointerdown', 2, 450, 300));
  p.video.dispatchEvent(finger('pointermove', 1, 300, 300));
  p.video.dispatchEvent(finger('pointermove', 2, 500, 300));
  p.video.dispatchEvent(finger('pointerup', 1, 300, 300));
  p.video.dispatchEvent(finger('pointerup', 2, 500, 300));
  assert.deepEqual(p.take(), [], 'the desktop hears nothing of a pinch');
  const v = p.win.wayrtc.zoom;
  assert.equal(v.scale, 2);
  assert.deepEqual([v.x, v.y], [-400, -300], 'about the fingers\' centre (400, 300)');
  // tap at (600, 450) of the window: desktop (600+400)/2, (450+300)/2 = (500, 375)
  p.advance(1000);
  p.video.dispatchEvent(finger('pointerdown', 1, 600, 450));
  p.video.dispatchEvent(finger('pointerup', 1, 600, 450));
  assert.deepEqual(p.take().slice(0, 2), [
    on('input', encodePointerMove(500 / 800, 375 / 600)), on('input', encodeButton(0, true)),
  ]);
  // one finger pans while zoomed: the view moves, the desktop hears nothing
  p.advance(1000);
  p.video.dispatchEvent(finger('pointerdown', 1, 400, 300));
  p.video.dispatchEvent(finger('pointermove', 1, 500, 300));
  p.video.dispatchEvent(finger('pointerup', 1, 500, 300));
  assert.deepEqual(p.take(), []);
  assert.equal(p.win.wayrtc.zoom.x, -300);
});

test('a view-only link: fingers zoom and pan the picture, and a tap only says view only', () => {
  const p = page({ withZoom: true, scope: ['view'] });
  p.video.dispatchEvent(finger('pointerdown', 1, 350, 300));
  p.video.dispatchEvent(finger('pointerdown', 2, 450, 300));
  p.video.dispatchEvent(finger('pointermove', 1, 300, 300));
  p.video.dispatchEvent(finger('pointermove', 2, 500, 300));
  p.video.dispatchEvent(finger('pointerup', 1, 300, 300));
  p.video.dispatchEvent(finger('pointerup', 2, 500, 300));
  assert.equal(p.win.wayrtc.zoom.scale, 2, 'a watcher zooms too');
  p.advance(1000);
  p.video.dispatchEvent(finger('pointerdown', 1, 400, 300));
  p.video.dispatchEvent(finger('pointermove', 1, 450, 300));
  p.video.dispatchEvent(finger('pointerup', 1, 450, 300));
  assert.equal(p.win.wayrtc.zoom.x, -350, 'and pans');
  assert.deepEqual(p.notices, []);
  p.advance(1000);
  p.video.dispatchEvent(finger('pointerdown', 1, 400, 300));
  p.video.dispatchEvent(finger('pointerup', 1, 400, 300));
  p.advance(1000);
  assert.equal(p.notices.length, 1, 'a tap says the link is view only');
  assert.deepEqual(p.take(), [], 'and sends nothing (there is no input channel)');
});

// The key bar's latch as the page sees it: the keys `held`, let go when used.
function fakeLatch(held) {
  const latch = {
    uses: 0,
    latched: () => [...held],
    used: () => {
      held.clear();
      latch.uses++;
    },
  };
  return latch;
}

test('a latched Ctrl goes with the next key, typed or from a phone\'s keyboard, then lets go', () => {
  const held = new Set();
  const latch = fakeLatch(held);
  const p = page({ latch });
  held.add('ControlLeft');
  p.win.dispatchEvent(event('keydown', { code: 'KeyC', key: 'c' }));
  p.win.dispatchEvent(event('keyup', { code: 'KeyC', key: 'c' }));
  assert.deepEqual(p.take(), [
    on('input', encodeKey('ControlLeft', true)), on('input', encodeKey('KeyC', true)),
    on('input', encodeKey('KeyC', false)), on('input', encodeKey('ControlLeft', false)),
  ]);
  assert.equal(latch.uses, 1);
  p.win.dispatchEvent(event('keydown', { code: 'KeyC', key: 'c' }));
  p.win.dispatchEvent(event('keyup', { code: 'KeyC', key: 'c' }));
  assert.deepEqual(p.take(), [
    on('input', encodeKey('KeyC', true)), on('input', encodeKey('KeyC', false)),
  ], 'the next key goes alone');

  // a phone keyboard gives text: with Alt latched, "x" is the key X under Alt
  held.add('AltLeft');
  p.sink.dispatchEvent(event('beforeinput', { inputType: 'insertText', data: 'x' }));
  assert.deepEqual(p.take(), comboMessages(['AltLeft', 'KeyX']).map((m) => on('input', m)));
  // and Backspace from a phone keyboard with Ctrl latched
  held.add('ControlLeft');
  p.sink.dispatchEvent(event('beforeinput', { inputType: 'deleteContentBackward' }));
  assert.deepEqual(p.take(), comboMessages(['ControlLeft', 'Backspace']).map((m) => on('input', m)));
  assert.equal(latch.uses, 3);
});

test('a latched Ctrl goes with the next tap: Ctrl+click; and with a drag, held to its end', () => {
  const held = new Set(['ControlLeft']);
  const latch = fakeLatch(held);
  const p = page({ latch });
  p.video.dispatchEvent(finger('pointerdown', 1, 400, 300));
  p.advance(80);
  p.video.dispatchEvent(finger('pointerup', 1, 400, 300));
  const mid = encodePointerMove(0.5, 0.5);
  assert.deepEqual(p.take(), [
    on('input', mid), on('input', encodeKey('ControlLeft', true)),
    on('input', encodeButton(0, true)), on('input', mid), on('input', encodeButton(0, false)),
    on('input', encodeKey('ControlLeft', false)),
  ]);
  assert.equal(latch.uses, 1);
  p.advance(1000);
  p.video.dispatchEvent(finger('pointerdown', 1, 400, 300));
  p.video.dispatchEvent(finger('pointerup', 1, 400, 300));
  assert.equal(p.take().filter(([, m]) => m[0] === 4).length, 0, 'the next tap goes alone');

  // Shift and Ctrl latched, then a drag: both held from the press to the release
  p.advance(1000);
  held.add('ShiftLeft');
  held.add('ControlLeft');
  p.video.dispatchEvent(finger('pointerdown', 1, 0, 0));
  p.video.dispatchEvent(finger('pointermove', 1, 400, 0));
  p.video.dispatchEvent(finger('pointerup', 1, 800, 0));
  const keys = p.take().map(([, m]) => m).filter((m) => m[0] === 4 || m[0] === 2);
  assert.deepEqual(keys, [
    encodeKey('ShiftLeft', true), encodeKey('ControlLeft', true), encodeButton(0, true),
    encodeButton(0, false), encodeKey('ControlLeft', false), encodeKey('ShiftLeft', false),
  ].map((m) => [...m]));
  // and the mouse: a latched modifier goes with its click too
  held.add('AltLeft');
  const mouse = (type, x, y) => event(type, {
    clientX: x, clientY: y, pointerId: 9, pointerType: 'mouse', isPrimary: true, button: 0,
    buttons: type === 'pointerup' ? 0 : 1,
  });
  p.video.dispatchEvent(mouse('pointerdown', 200, 150));
  p.video.dispatchEvent(mouse('pointerup', 200, 150));
  assert.deepEqual(p.take().map(([, m]) => m).filter((m) => m[0] === 4 || m[0] === 2), [
    encodeKey('AltLeft', true), encodeButton(0, true), encodeButton(0, false),
    encodeKey('AltLeft', false),
  ].map((m) => [...m]));
  assert.equal(latch.uses, 3);
});

test('the key bar: shown on touch with control, latches, sends through the control', () => {
  const element = fakeElement();
  const doc = { createElement: (tag) => fakeElement(tag) };
  const sent = [];
  const changes = [];
  const storage = new Map();
  const store = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) };
  const state = {};
  const bar = createKeybar({
    element, doc, touch: true, storage: store, state,
    getControl: () => ({ sendCombo: (codes) => sent.push(codes) }),
    onChange: (shown) => changes.push(shown),
  });
  assert.equal(element.children.length, BAR_KEYS.length);
  bar.setAllowed(false);
  assert.equal(element.hidden, true, 'no control: no bar');
  bar.setAllowed(true);
  assert.equal(element.hidden, false, 'a touch screen with control: the bar');
  const button = (code) => element.children.find((b) => b.dataset.code === code);
  button('ControlLeft').dispatchEvent(new Event('click'));
  button('AltLeft').dispatchEvent(new Event('click'));
  assert.equal(button('ControlLeft').getAttribute('aria-pressed'), 'true', 'latched, visibly');
  assert.deepEqual(state.keybar, { shown: true, latched: ['ControlLeft', 'AltLeft'] });
  button('ArrowRight').dispatchEvent(new Event('click'));
  assert.deepEqual(sent, [['ControlLeft', 'AltLeft', 'ArrowRight']]);
  assert.equal(button('ControlLeft').getAttribute('aria-pressed'), 'false', 'used up');
  assert.deepEqual(bar.latched(), []);
  // tapped twice: let go unused
  button('MetaLeft').dispatchEvent(new Event('click'));
  button('MetaLeft').dispatchEvent(new Event('click'));
  button('Escape').dispatchEvent(new Event('click'));
  assert.deepEqual(sent.at(-1), ['Escape']);
  // the menu hides it, remembered
  assert.equal(bar.toggle(), false);
  assert.equal(element.hidden, true);
  assert.equal(storage.get('wayrtc.keybar'), 'off');
  assert.deepEqual(changes, [false, true, false]);
  const again = createKeybar({
    element: fakeElement(), doc, touch: true, storage: store, getControl: () => null,
  });
  again.setAllowed(true);
  assert.equal(again.shown, false, 'hidden by choice stays hidden');
  const desktop = createKeybar({
    element: fakeElement(), doc, touch: false, storage: { getItem: () => null },
    getControl: () => null,
  });
  desktop.setAllowed(true);
  assert.equal(desktop.shown, false, 'not on a screen without touch, unless asked');
});
