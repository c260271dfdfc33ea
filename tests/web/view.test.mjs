// How a desktop that keeps its size is shown (web/zoom.js's menu views, web/scroll.js): the
// zoom steps, 1:1 (one desktop pixel per device pixel, its corner on a device pixel), the
// choice kept when the window changes and remembered in localStorage, and where a click
// lands in each view; the scroll bars' thumbs and edge panning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containedRect, createZoom, fitRatio, ratioView, zoomStep, VIEW_KEY, ZOOM_MAX,
} from '../../web/zoom.js';
import { thumbs, edgeVelocity, EDGE_PX, EDGE_SPEED } from '../../web/scroll.js';
import { normalisedPosition } from '../../web/input.js';

const BOX = { width: 800, height: 600 };
const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a}, want ${b}`);

test('zoom steps: in and out through the ladder, Fit a step, never below Fit and 1:1', () => {
  // a 1600-wide desktop fitted into 800 CSS px at ratio 1: half a device pixel each
  assert.equal(zoomStep(0.5, 0.5, +1), 2 / 3);
  assert.equal(zoomStep(2 / 3, 0.5, +1), 0.75);
  assert.equal(zoomStep(1, 0.5, +1), 1.25);
  assert.equal(zoomStep(1, 0.5, -1), 0.9);
  assert.equal(zoomStep(0.6, 0.5, -1), 0.5, 'out ends on Fit');
  assert.equal(zoomStep(0.5, 0.5, -1), 0.5, 'and goes no further');
  assert.equal(zoomStep(0.55, 0.55, +1), 2 / 3);
  assert.equal(zoomStep(8, 0.5, +1), 8, 'the top');
  // a small desktop shown bigger than its pixels: 1:1 is the bottom, Fit a step above it
  assert.equal(zoomStep(1, 1.6, -1), 1);
  assert.equal(zoomStep(1.5, 1.6, +1), 1.6);
  assert.equal(zoomStep(2, 1.6, -1), 1.6);
  assert.equal(zoomStep(1.6 * ZOOM_MAX, 1.6, +1), 1.6 * ZOOM_MAX);
});

// A video element whose box is the stage's under the view's transform.
function videoFor(view, vw, vh, box = BOX, origin = { x: 0, y: 0 }) {
  return {
    videoWidth: vw, videoHeight: vh,
    getBoundingClientRect: () => ({
      left: origin.x + view.x, top: origin.y + view.y,
      width: box.width * view.scale, height: box.height * view.scale,
    }),
  };
}

test('1:1: a desktop pixel a device pixel, about the box\'s centre, clicks on the pixel aimed at',
  () => {
    const content = containedRect(BOX, 1600, 1000);
    assert.deepEqual(content, { left: 0, top: 50, width: 800, height: 500 });
    assert.equal(fitRatio(content, 1600, 1), 0.5);
    const v = ratioView({ scale: 1, x: 0, y: 0 }, 1, 400, 300, BOX, content, 1600, 1);
    assert.deepEqual(v, { scale: 2, x: -400, y: -300 });
    // the picture is 1600 CSS px wide: one per desktop pixel at ratio 1
    assert.equal(content.width * v.scale, 1600);
    const video = videoFor(v, 1600, 1000);
    // the desktop's centre stayed under the box's centre
    const c = normalisedPosition(400, 300, video);
    assert.deepEqual([c.x * 1600, c.y * 1000], [800, 500]);
    // each client pixel is one desktop pixel: (10.5, 20.5) of the window is pixel
    // (410, 220) of the desktop, the picture's corner being at (-400, -200)
    const p = normalisedPosition(10.5, 20.5, video);
    close(p.x * 1600, 410.5, 'x');
    close(p.y * 1000, 220.5, 'y');
  });

test('1:1 on a screen of pixel ratio 1.5: the picture\'s corner on a device pixel', () => {
  const box = { width: 801, height: 601 };
  const origin = { x: 0, y: 0.5 };
  const content = containedRect(box, 1920, 1080);
  const v = ratioView({ scale: 1, x: 0, y: 0 }, 1, 400, 300, box, content, 1920, 1.5, origin);
  close(content.width * v.scale * 1.5, 1920, 'the picture spans 1920 device pixels');
  for (const [t, start, o] of [[v.x, content.left, origin.x], [v.y, content.top, origin.y]]) {
    const corner = (o + start * v.scale + t) * 1.5;
    close(corner, Math.round(corner), 'the corner on a device pixel');
  }
});

// A stage and a video of the sizes given, a storage, a device pixel ratio.
function fakePage({ vw = 1600, vh = 1000, box = { ...BOX }, stored = {}, dpr = 1 } = {}) {
  const storage = new Map(Object.entries(stored));
  const store = { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) };
  const style = () => ({ transform: '', transformOrigin: '' });
  const video = { videoWidth: vw, videoHeight: vh, style: style() };
  const stage = {
    get clientWidth() { return box.width; },
    get clientHeight() { return box.height; },
    getBoundingClientRect: () => ({ left: 0, top: 0 }),
  };
  const state = {};
  const seen = [];
  const zoom = createZoom({
    video, stage, state, storage: store, win: { devicePixelRatio: dpr },
    onChange: (view) => seen.push(view),
  });
  return { zoom, video, stage, state, storage, box, seen };
}

test('the menu\'s views: 1:1, zoom steps, Fit; remembered; kept when the window changes', () => {
  const p = fakePage();
  p.zoom.setFixed(true);
  assert.equal(p.state.view.mode, 'fit');
  assert.equal(p.state.view.ratio, 0.5);
  assert.equal(p.seen.at(-1).fixed, true);
  p.zoom.oneToOne();
  assert.deepEqual(p.state.view, { mode: '1:1', ratio: 1, fixed: true });
  assert.equal(p.video.style.transform, 'translate(-400px, -300px) scale(2)');
  assert.equal(p.storage.get(VIEW_KEY), '1');
  assert.equal(p.zoom.zoomed(), true, 'one finger pans it');
  p.zoom.zoomIn();
  assert.equal(p.state.view.ratio, 1.25);
  assert.equal(p.state.view.mode, 'zoom');
  assert.equal(p.storage.get(VIEW_KEY), '1.25');
  p.zoom.zoomOut();
  p.zoom.zoomOut();
  assert.equal(p.state.view.ratio, 0.9);
  // the window grows: the same ratio, a different scale of the fitted picture
  p.box.width = 1000;
  p.box.height = 700;
  p.zoom.refit();
  close(p.state.view.ratio, 0.9, 'the ratio kept');
  close(p.zoom.view.scale, 0.9 / (1000 / 1600), 'the scale follows');
  // out to the fitted picture: Fit, remembered as Fit
  for (let i = 0; i < 10; i++) p.zoom.zoomOut();
  assert.equal(p.state.view.mode, 'fit');
  assert.equal(p.storage.get(VIEW_KEY), 'fit');
  assert.equal(p.video.style.transform, '');
  p.zoom.oneToOne();
  p.zoom.fit();
  assert.equal(p.state.view.mode, 'fit');
  assert.equal(p.storage.get(VIEW_KEY), 'fit');
});

test('the choice comes back on the next visit, only where the desktop keeps its size', () => {
  const p = fakePage({ stored: { [VIEW_KEY]: '1' } });
  p.zoom.setFixed(true);
  assert.equal(p.state.view.mode, '1:1');
  assert.equal(p.zoom.view.scale, 2);
  // a reconnect says the same again: the view stays where it was panned
  p.zoom.pan(-100, 0);
  const before = p.zoom.view;
  p.zoom.setFixed(true);
  assert.deepEqual(p.zoom.view, before);
  // a desktop that follows the window (hello resize): Fit, nothing stored
  const q = fakePage({ stored: { [VIEW_KEY]: '1' } });
  q.zoom.setFixed(false);
  assert.equal(q.state.view.mode, 'fit');
  q.zoom.oneToOne(); // (the menu does not offer it there)
  assert.equal(q.storage.get(VIEW_KEY), '1', 'not stored over');
  // nothing sensible stored: Fit
  const r = fakePage({ stored: { [VIEW_KEY]: 'nonsense' } });
  r.zoom.setFixed(true);
  assert.equal(r.state.view.mode, 'fit');
  // a ratio out of this window's range: the nearest end of it
  const big = fakePage({ stored: { [VIEW_KEY]: '1e9' } });
  big.zoom.setFixed(true);
  assert.equal(big.state.view.ratio, ZOOM_MAX, 'eight times 1:1, the larger of Fit and 1:1');
  // a pinch is not undone by a reconnect's hello
  const pinch = fakePage();
  pinch.zoom.setFixed(true);
  pinch.zoom.pinch(3, 400, 300, 0, 0);
  pinch.zoom.setFixed(true);
  assert.equal(pinch.zoom.view.scale, 3);
  assert.equal(pinch.state.view.mode, 'pinch');
  // no picture yet: the ratio waits for it
  const s = fakePage({ stored: { [VIEW_KEY]: '1' }, vw: 0, vh: 0 });
  s.zoom.setFixed(true);
  assert.equal(s.zoom.view.scale, 1);
  s.video.videoWidth = 1600;
  s.video.videoHeight = 1000;
  s.zoom.refit();
  assert.equal(s.state.view.mode, '1:1');
  assert.equal(s.zoom.view.scale, 2);
});

test('a desktop smaller than the window at 1:1: smaller than Fit, centred, clicks land', () => {
  const p = fakePage({ vw: 640, vh: 480 });
  p.zoom.setFixed(true);
  close(p.state.view.ratio, 1.25, 'fitted, each desktop pixel is 1.25 device pixels');
  p.zoom.oneToOne();
  assert.equal(p.zoom.view.scale, 0.8);
  assert.equal(p.zoom.zoomed(), false, 'one finger drags on the desktop, nothing to pan');
  const v = p.zoom.view;
  // centred: 640x480 in 800x600
  assert.deepEqual([v.x, v.y], [80, 60]);
  const video = videoFor(v, 640, 480);
  const q = normalisedPosition(80 + 100.5, 60 + 200.5, video);
  close(q.x * 640, 100.5, 'x');
  close(q.y * 480, 200.5, 'y');
  assert.equal(normalisedPosition(50, 50, video), null, 'beside the picture: not the desktop');
});

test('scroll bars: thumbs where the view is, none where the picture fits', () => {
  const content = containedRect(BOX, 1600, 1000);
  assert.deepEqual(thumbs({ scale: 1, x: 0, y: 0 }, BOX, content), { h: null, v: null });
  // 1:1, centred: half the width shown from a quarter on; 600 of 1000 rows from 200 on
  const t = thumbs({ scale: 2, x: -400, y: -300 }, BOX, content);
  assert.deepEqual(t.h, { start: 200, len: 400 });
  assert.deepEqual(t.v, { start: 120, len: 360 });
  const end = thumbs({ scale: 2, x: -800, y: -100 }, BOX, content);
  assert.deepEqual(end.h, { start: 400, len: 400 });
  assert.deepEqual(end.v, { start: 0, len: 360 });
});

test('edge panning: toward an edge the picture goes on beyond, faster nearer it', () => {
  const content = containedRect(BOX, 1600, 1000);
  const mid = { scale: 2, x: -400, y: -300 };
  assert.deepEqual(edgeVelocity(400, 300, mid, BOX, content), { dx: 0, dy: 0 }, 'the middle');
  // at the right edge the view moves left (what is right of it comes in)
  assert.deepEqual(edgeVelocity(BOX.width, 300, mid, BOX, content), { dx: -EDGE_SPEED, dy: 0 });
  assert.deepEqual(edgeVelocity(0, 0, mid, BOX, content), { dx: EDGE_SPEED, dy: EDGE_SPEED });
  const half = edgeVelocity(BOX.width - EDGE_PX / 2, 300, mid, BOX, content);
  close(half.dx, -EDGE_SPEED / 2, 'half way into the edge: half the speed');
  assert.equal(edgeVelocity(BOX.width - EDGE_PX - 1, 300, mid, BOX, content).dx, 0);
  // at the picture's right end: nothing more that way
  const right = { scale: 2, x: -800, y: -300 };
  assert.deepEqual(edgeVelocity(BOX.width - 1, 300, right, BOX, content), { dx: 0, dy: 0 });
  // fitted: never
  assert.deepEqual(edgeVelocity(0, 0, { scale: 1, x: 0, y: 0 }, BOX, content), { dx: 0, dy: 0 });
});
