// web/fit.js: the page's size goes to the server once when hello allows it, again only
// after a change has settled, never twice the same, never when hello did not allow it,
// and nothing after stop().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFit, FIT_SETTLE_MS } from '../../web/fit.js';

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

// A window of the parts fit.js uses, with a media query whose change the test fires.
function fakeWindow() {
  const listeners = {};
  const queries = [];
  return {
    devicePixelRatio: 1,
    setTimeout, clearTimeout,
    addEventListener(type, fn) { (listeners[type] ??= []).push(fn); },
    fire(type) { for (const fn of listeners[type] ?? []) fn(); },
    matchMedia(q) {
      const mq = {
        q, fns: [],
        addEventListener(_t, fn) { this.fns.push(fn); },
        removeEventListener(_t, fn) { this.fns = this.fns.filter((f) => f !== fn); },
      };
      queries.push(mq);
      return mq;
    },
    queries,
  };
}

function setup() {
  const win = fakeWindow();
  const element = { clientWidth: 1000, clientHeight: 700 };
  const sent = [];
  const fit = createFit({ win, element, send: (m) => sent.push(m) });
  return { win, element, sent, fit };
}

test('sent at hello when allowed, then after a burst of changes only the last', async () => {
  const { win, element, sent, fit } = setup();
  fit.start(true);
  assert.deepEqual(sent, [{ type: 'size', width: 1000, height: 700, pixelRatio: 1 }]);
  for (const w of [900, 800, 700]) {
    element.clientWidth = w;
    win.fire('resize');
    await wait(FIT_SETTLE_MS / 4);
  }
  assert.equal(sent.length, 1, 'nothing while the window still moves');
  await wait(FIT_SETTLE_MS + 50);
  assert.deepEqual(sent.at(-1), { type: 'size', width: 700, height: 700, pixelRatio: 1 });
  assert.equal(sent.length, 2);
  // the same size again is not sent
  win.fire('resize');
  await wait(FIT_SETTLE_MS + 50);
  assert.equal(sent.length, 2);
});

test('a new device pixel ratio (zoom, another screen) is sent, clamped to the bounds', async () => {
  const { win, sent, fit } = setup();
  fit.start(true);
  win.devicePixelRatio = 12;
  const query = win.queries.at(-1);
  assert.match(query.q, /resolution: 1dppx/);
  for (const fn of query.fns) fn();
  await wait(FIT_SETTLE_MS + 50);
  assert.deepEqual(sent.at(-1), { type: 'size', width: 1000, height: 700, pixelRatio: 8 });
  assert.match(win.queries.at(-1).q, /resolution: 12dppx/, 'the new ratio is watched');
});

test('nothing without resize in hello, nothing after stop, again after a new hello', async () => {
  const { win, element, sent, fit } = setup();
  fit.start(false);
  win.fire('resize');
  await wait(FIT_SETTLE_MS + 50);
  assert.deepEqual(sent, []);
  fit.start(true);
  assert.equal(sent.length, 1);
  element.clientHeight = 500;
  win.fire('resize');
  fit.stop();
  await wait(FIT_SETTLE_MS + 50);
  assert.equal(sent.length, 1, 'a change pending at stop() is dropped');
  // a reconnection's hello: the same size goes again, to the new connection
  fit.start(true);
  assert.deepEqual(sent.at(-1), { type: 'size', width: 1000, height: 500, pixelRatio: 1 });
});

test('a page not laid out yet (0 × 0) sends nothing', () => {
  const { element, sent, fit } = setup();
  element.clientWidth = 0;
  fit.start(true);
  assert.deepEqual(sent, []);
});
