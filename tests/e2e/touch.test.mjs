// Touch as on a tablet, and the corner menu, end to end (issue 13): Chromium emulating a
// phone (touch events through CDP, several fingers at once) on wayrtc's virtual desktop of
// a fixed size (a desktop that cannot follow the window, where pinch matters most). The
// pattern client inside prints what the desktop received: a long press is a right click,
// so is a two-finger tap, two fingers moving scroll both axes, the key bar's Ctrl goes with
// the next key or tap, a pinch
// zooms the page's view (not the browser's) and a tap afterwards lands on the desktop pixel
// it aimed at. The menu: labelled, Escape closes it without the desktop hearing it, its
// empty corner box lets clicks through to the desktop; and a viewer leaving is not logged
// as an error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, waitForControl, pointAt, patternBin,
  EventLog, tmpDir,
} from './lib.mjs';
import { BTN_LEFT, BTN_RIGHT } from './control-cases.mjs';

const W = 640;
const H = 480;
const KEY_ESC = 1;
const KEY_LEFTCTRL = 29;
const KEY_LEFTALT = 56;
const KEY_C = 46;
const KEY_X = 45;
const AXIS_VERTICAL = 0;
const AXIS_HORIZONTAL = 1;

let browser;
const running = [];

after(async () => {
  await browser?.close();
  for (const w of running) await stop(w.child);
});

async function share() {
  const dir = tmpDir('wayrtc-touch-');
  const events = new EventLog(`${dir}/events`);
  const w = await startWayrtc(['--source=virtual', `--size=${W}x${H}`, '--listen=127.0.0.1:0',
    '--', 'sh', '-c', `exec ${patternBin} --keysyms > ${dir}/events`]);
  running.push(w);
  browser ??= await launchBrowser();
  await events.waitFor(/^configured/);
  return { w, events };
}

// A phone held upright: the 640x480 desktop is a strip across it.
async function phone(w) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  await page.goto(w.url);
  assert.deepEqual(await waitForVideo(page), { width: W, height: H });
  await waitForControl(page);
  const cdp = await context.newCDPSession(page);
  return { context, page, cdp };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Fingers down at `from`, moved in `steps` to `to` (arrays of {x, y}, one a finger), lifted.
async function fingers(cdp, from, to, { steps = 10, holdMs = 0 } = {}) {
  const points = (ps) => ps.map((p, id) => ({ x: p.x, y: p.y, id }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(from) });
  for (let i = 1; i <= steps; i++) {
    const at = from.map((f, k) => ({
      x: f.x + ((to[k].x - f.x) * i) / steps, y: f.y + ((to[k].y - f.y) * i) / steps,
    }));
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(at) });
    await sleep(16);
  }
  if (holdMs) await sleep(holdMs);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

// The pointer's place when a button went down, as the client saw it.
function pressedAt(events, press) {
  const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
  assert.ok(m, 'the pointer moved before the press');
  return [Number(m[1]), Number(m[2])];
}

function near([x, y], [wx, wy], what) {
  assert.ok(Math.abs(x - wx) <= 1 && Math.abs(y - wy) <= 1,
    `${what}: aimed at desktop (${wx}, ${wy}), the client saw (${x}, ${y})`);
}

test('a long press is a right click, a tap a left one, where the finger is', async () => {
  const { w, events } = await share();
  const { context, page, cdp } = await phone(w);
  const p = await pointAt(page, 100, 120);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ ...p, id: 0 }] });
  await sleep(800);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  const press = await events.waitFor(new RegExp(`^button (\\d+) pressed$`));
  assert.equal(Number(press[1]), BTN_RIGHT, 'a long press is the right button');
  near(pressedAt(events, press), [100, 120], 'long press');
  await events.waitFor(new RegExp(`^button ${BTN_RIGHT} released$`));

  const q = await pointAt(page, 500, 400);
  await page.touchscreen.tap(q.x, q.y);
  const tap = await events.waitFor(new RegExp(`^button (\\d+) pressed$`));
  assert.equal(Number(tap[1]), BTN_LEFT);
  near(pressedAt(events, tap), [500, 400], 'tap');
  await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));
  await context.close();
});

test('two fingers tapped are a right click between them; Ctrl on the key bar, then a tap: Ctrl+click',
  async () => {
    const { w, events } = await share();
    const { context, page, cdp } = await phone(w);
    const a = await pointAt(page, 200, 300);
    const b = await pointAt(page, 300, 300);
    await cdp.send('Input.dispatchTouchEvent', {
      type: 'touchStart', touchPoints: [{ ...a, id: 0 }, { ...b, id: 1 }],
    });
    await sleep(80);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    const press = await events.waitFor(new RegExp(`^button (\\d+) pressed$`));
    assert.equal(Number(press[1]), BTN_RIGHT, 'a two-finger tap is the right button');
    near(pressedAt(events, press), [250, 300], 'two-finger tap');
    await events.waitFor(new RegExp(`^button ${BTN_RIGHT} released$`));

    await page.tap('#keybar [data-code="ControlLeft"]');
    const from = events.lines().length;
    const p = await pointAt(page, 400, 200);
    await page.touchscreen.tap(p.x, p.y);
    const up = await events.waitFor(new RegExp(`^key ${KEY_LEFTCTRL} released$`));
    assert.deepEqual(events.lines().slice(from, up.line + 1)
      .filter((l) => /^(key|button) /.test(l)), [
      `key ${KEY_LEFTCTRL} pressed Control_L`, `button ${BTN_LEFT} pressed`,
      `button ${BTN_LEFT} released`, `key ${KEY_LEFTCTRL} released`,
    ]);
    assert.equal(await page.getAttribute('#keybar [data-code="ControlLeft"]', 'aria-pressed'),
      'false', 'used up by that tap');
    await context.close();
  });

test('two fingers moving scroll the wheel, both axes, with no click', async () => {
  const { w, events } = await share();
  const { context, page, cdp } = await phone(w);
  const from = events.lines().length;
  const a = await pointAt(page, 250, 300);
  const b = await pointAt(page, 390, 300);
  // up and to the left: the content follows the fingers, so the wheel goes down and right
  await fingers(cdp, [a, b], [{ x: a.x - 60, y: a.y - 80 }, { x: b.x - 60, y: b.y - 80 }]);
  const down = await events.waitFor(new RegExp(`^axis ${AXIS_VERTICAL} (-?[\\d.]+)$`));
  await events.waitFor(new RegExp(`^axis ${AXIS_HORIZONTAL} (-?[\\d.]+)$`));
  await sleep(300);
  const lines = events.lines().slice(from);
  const sum = (axis) => lines.map((l) => l.match(new RegExp(`^axis ${axis} (-?[\\d.]+)$`)))
    .filter(Boolean).reduce((s, m) => s + Number(m[1]), 0);
  assert.ok(sum(AXIS_VERTICAL) > 0, `scrolled down: axis 0 summed to ${sum(AXIS_VERTICAL)}`);
  assert.ok(sum(AXIS_HORIZONTAL) > 0, `scrolled right: axis 1 summed to ${sum(AXIS_HORIZONTAL)}`);
  assert.deepEqual(lines.filter((l) => l.startsWith('button')), [], 'no button went down');
  // the scroll happened where the fingers were (their centre, which had moved a little)
  const [sx, sy] = pressedAt(events, down);
  assert.ok(Math.abs(sx - 320) < 40 && Math.abs(sy - 300) < 40,
    `the fingers were about desktop (320, 300), the wheel went at (${sx}, ${sy})`);
  await context.close();
});

test('the key bar: shown on a phone, Ctrl latches for the next key, typed or tapped', async () => {
  const { w, events } = await share();
  const { context, page } = await phone(w);
  assert.equal(await page.isVisible('#keybar'), true, 'a touch screen with control: the bar');
  const labels = await page.$$eval('#keybar button', (bs) => bs.map((b) => b.textContent));
  assert.deepEqual(labels, ['Esc', 'Tab', 'Ctrl', 'Alt', 'Super', '←', '↑', '↓', '→']);
  // the bar is under the picture, not over it
  const [video, bar] = await page.$$eval('#screen, #keybar', // document order
    (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
  assert.ok(video.bottom <= bar.top + 0.5, `the video ends at ${video.bottom}, the bar starts at ${bar.top}`);

  await page.tap('#keybar [data-code="ControlLeft"]');
  assert.equal(await page.getAttribute('#keybar [data-code="ControlLeft"]', 'aria-pressed'), 'true');
  const latched = await page.$eval('#keybar [data-code="ControlLeft"]',
    (b) => getComputedStyle(b).backgroundColor);
  const plain = await page.$eval('#keybar [data-code="AltLeft"]',
    (b) => getComputedStyle(b).backgroundColor);
  assert.notEqual(latched, plain, 'a latched key looks latched');
  const from = events.lines().length;
  await page.keyboard.press('KeyC');
  const up = await events.waitFor(new RegExp(`^key ${KEY_LEFTCTRL} released$`));
  assert.deepEqual(events.lines().slice(from, up.line + 1).filter((l) => l.startsWith('key ')), [
    `key ${KEY_LEFTCTRL} pressed Control_L`, `key ${KEY_C} pressed c`, `key ${KEY_C} released`,
    `key ${KEY_LEFTCTRL} released`,
  ]);
  assert.equal(await page.getAttribute('#keybar [data-code="ControlLeft"]', 'aria-pressed'), 'false',
    'used up by that key');

  // a phone's keyboard gives text, not keys: Alt latched, then "x" typed there
  await page.tap('#keybar [data-code="AltLeft"]');
  await page.focus('#keys');
  const from2 = events.lines().length;
  await page.keyboard.insertText('x');
  const up2 = await events.waitFor(new RegExp(`^key ${KEY_LEFTALT} released$`));
  assert.deepEqual(events.lines().slice(from2, up2.line + 1).filter((l) => l.startsWith('key ')), [
    `key ${KEY_LEFTALT} pressed Alt_L`, `key ${KEY_X} pressed x`, `key ${KEY_X} released`,
    `key ${KEY_LEFTALT} released`,
  ]);
  // a key of the bar itself
  await page.tap('#keybar [data-code="Escape"]');
  await events.waitFor(new RegExp(`^key ${KEY_ESC} pressed`));
  await events.waitFor(new RegExp(`^key ${KEY_ESC} released$`));
  await context.close();
});

test('a pinch zooms the page\'s view, not the browser\'s; a tap then lands where aimed',
  async () => {
    const { w, events } = await share();
    const { context, page, cdp } = await phone(w);
    const before = await page.$eval('#screen', (v) => v.getBoundingClientRect().toJSON());
    // spread two fingers about the picture's centre, 40 px apart to 280
    const c = await pointAt(page, 320, 240);
    await fingers(cdp, [{ x: c.x - 20, y: c.y }, { x: c.x + 20, y: c.y }],
      [{ x: c.x - 140, y: c.y }, { x: c.x + 140, y: c.y }]);
    const zoom = await page.evaluate(() => window.wayrtc.zoom);
    assert.ok(zoom.scale > 4, `zoomed in: ${JSON.stringify(zoom)}`);
    const after = await page.$eval('#screen', (v) => v.getBoundingClientRect().toJSON());
    assert.ok(after.width > before.width * 4, `the picture grew from ${before.width} to ${after.width}`);
    assert.equal(await page.evaluate(() => window.visualViewport.scale), 1,
      'the browser did not zoom the page');
    assert.ok(await page.isVisible('#menu') === false, 'the menu is closed');
    assert.deepEqual(events.lines().filter((l) => l.startsWith('button') || l.startsWith('axis')),
      [], 'the desktop heard nothing of the pinch');

    // a desktop pixel a little off the centre is now far from it on the screen: tap it
    const p = await pointAt(page, 340, 250);
    assert.ok(Math.abs(p.x - c.x) > 60, `desktop (340, 250) is at ${p.x}, the centre at ${c.x}`);
    await page.touchscreen.tap(p.x, p.y);
    const press = await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
    near(pressedAt(events, press), [340, 250], 'a tap on the zoomed picture');
    await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));

    // one finger pans the zoomed view; the desktop hears nothing
    const from = events.lines().length;
    await sleep(400); // not a tap-and-drag
    await fingers(cdp, [{ x: 200, y: 400 }], [{ x: 260, y: 400 }]);
    const panned = await page.evaluate(() => window.wayrtc.zoom);
    assert.ok(Math.abs(panned.x - zoom.x - 60) < 1, `panned 60 px: ${zoom.x} → ${panned.x}`);
    await sleep(300);
    assert.deepEqual(events.lines().slice(from).filter((l) => l.startsWith('button')), []);

    // the menu says how far, and takes it back
    await page.tap('#menu-toggle');
    // (this desktop keeps its size: the view items, Fit among them)
    assert.match(await page.textContent('.zoom-level'), /^\d+ %$/);
    assert.equal(await page.getAttribute('[data-action="view-fit"]', 'aria-pressed'), 'false');
    await page.tap('[data-action="view-fit"]');
    assert.equal((await page.evaluate(() => window.wayrtc.zoom)).scale, 1);
    await context.close();
  });

test('the menu: labelled, Escape closes it unheard, its corner box lets clicks through',
  async () => {
    const { w, events } = await share();
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
    await page.goto(w.url);
    await waitForVideo(page);
    await waitForControl(page);
    // clearly there: a name on it, not faint
    assert.match(await page.textContent('#menu-toggle'), /Menu/);
    assert.equal(await page.$eval('#menu-toggle', (b) => Number(getComputedStyle(b).opacity)), 1);
    assert.equal(await page.isVisible('#keybar'), false, 'no touch: no key bar');

    await page.click('#menu-toggle');
    assert.equal(await page.isVisible('#menu'), true);
    const from = events.lines().length;
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('#menu'), false, 'Escape closed the menu');
    await page.keyboard.press('KeyC');
    await events.waitFor(new RegExp(`^key ${KEY_C} released$`));
    assert.deepEqual(events.lines().slice(from).filter((l) => l.startsWith(`key ${KEY_ESC} `)), [],
      'the desktop never got that Escape');
    // closed, Escape is the desktop's again
    await page.keyboard.press('Escape');
    await events.waitFor(new RegExp(`^key ${KEY_ESC} pressed`));

    // the "Click for sound" button, as when the browser holds sound back: the column's
    // empty part beside the narrower menu button is the desktop's
    await page.evaluate(() => {
      document.getElementById('sound-start').hidden = false;
    });
    const [sound, toggle] = await page.$$eval('#sound-start, #menu-toggle',
      (els) => els.map((e) => e.getBoundingClientRect().toJSON()));
    assert.ok(sound.left < toggle.left - 10, 'the sound button is the wider');
    const x = sound.left + 4;
    const y = toggle.top + toggle.height / 2;
    assert.equal(await page.evaluate(([px, py]) => document.elementFromPoint(px, py).id, [x, y]),
      'screen');
    await page.mouse.click(x, y);
    const press = await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
    const [dx, dy] = pressedAt(events, press);
    assert.ok(Math.abs(dx - (x * W) / 800) <= 1 && Math.abs(dy - (y * H) / 600) <= 1,
      `the click reached the desktop at (${dx}, ${dy})`);

    // a viewer leaving is no error: nothing at info about a broken pipe
    await page.close();
    await w.waitForLog(/viewer left/);
    await sleep(500);
    const noisy = w.log.join('').split('\n').filter((l) => / info .*(Broken pipe|Error sending)/.test(l));
    assert.deepEqual(noisy, [], 'a departure logged as an error');
  });
