// The control cases every shared desktop must pass (issue 3's proof), written once and
// run against wayrtc's virtual desktop (input.test.mjs) and headless sway
// (sway.test.mjs). A desktop is given as
//   { width, height, browser, share(args) → { w, events } }
// where share starts a wayrtc on it (extra arguments such as --view-only) and `events`
// is an EventLog of the pattern client (--keysyms), positioned after what it printed so far.
// Each case stops its wayrtc before it returns, so no viewer of one case (and no virtual
// keyboard or pointer of it) is still coming or going in the next.
import assert from 'node:assert/strict';
import {
  waitForVideo, waitForControl, pointAt, capturePeerConnections, stop,
} from './lib.mjs';

export const KEY_Y = 21;
export const KEY_Z = 44;
export const KEY_A = 30;
export const KEY_LEFTSHIFT = 42;
export const BTN_LEFT = 272;
export const BTN_RIGHT = 273;

// A page of another shape than the desktop: the video is letterboxed.
export async function openPage(desktop, url, viewport = { width: 1000, height: 600 }) {
  const page = await desktop.browser.newPage({ viewport });
  await capturePeerConnections(page);
  await page.goto(url);
  assert.deepEqual(await waitForVideo(page), { width: desktop.width, height: desktop.height });
  return page;
}

// Puts the desktop's pointer on the client's surface near (x, y) and waits until the client
// saw it move there: after the surface changed (a new size, a turned output) the pointer
// may enter it anew, and an enter is no motion line, so a click's own move must not be
// the one that enters.
export async function pointerInside(page, events, x, y) {
  for (const d of [6, 3]) {
    const p = await pointAt(page, Math.max(0, x - d), Math.max(0, y - d));
    await page.mouse.move(p.x, p.y);
  }
  await events.waitFor(/^pointer motion \d+ \d+$/);
}

// Clicks at desktop pixel (x, y) and checks where the client saw the button go down.
export async function clickAt(page, events, x, y, button = 'left') {
  const p = await pointAt(page, x, y);
  await page.mouse.click(p.x, p.y, { button });
  const code = button === 'left' ? BTN_LEFT : BTN_RIGHT;
  const press = await events.waitFor(new RegExp(`^button ${code} pressed$`));
  // where the pointer was when the button went down
  const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
  assert.ok(m, 'the pointer moved before the click');
  assert.ok(Math.abs(Number(m[1]) - x) <= 1 && Math.abs(Number(m[2]) - y) <= 1,
    `clicked desktop (${x}, ${y}), the client saw (${m[1]}, ${m[2]})`);
  await events.waitFor(new RegExp(`^button ${code} released$`));
}

export async function clicksKeysAndWheel(desktop) {
  const { w, events } = await desktop.share([]);
  const page = await openPage(desktop, w.url);
  await waitForControl(page);
  const { width: W, height: H } = desktop;
  for (const [fx, fy] of [[0.15, 0.4], [1, 0], [0.5, 1], [0, 0.5]]) {
    await clickAt(page, events, Math.round(fx * (W - 1)), Math.round(fy * (H - 1)));
  }
  await clickAt(page, events, 50, 60, 'right');

  // Playwright types "y" as the key KeyY; layout us makes it y, Shift+KeyA makes A
  await page.keyboard.type('yz');
  await events.waitFor(new RegExp(`^key ${KEY_Y} pressed y$`));
  await events.waitFor(new RegExp(`^key ${KEY_Z} pressed z$`));
  await page.keyboard.down('Shift');
  await page.keyboard.press('KeyA');
  await page.keyboard.up('Shift');
  await events.waitFor(new RegExp(`^key ${KEY_LEFTSHIFT} pressed`));
  await events.waitFor(new RegExp(`^key ${KEY_A} pressed A$`));
  await events.waitFor(new RegExp(`^key ${KEY_LEFTSHIFT} released$`));

  // one notch down, then one up
  await page.mouse.wheel(0, 100);
  const down = await events.waitFor(/^axis 0 (-?[\d.]+)$/);
  assert.ok(Number(down[1]) > 0, `scrolled down, the client saw axis ${down[1]}`);
  await page.mouse.wheel(0, -100);
  const up = await events.waitFor(/^axis 0 (-?[\d.]+)$/);
  assert.ok(Number(up[1]) < 0, `scrolled up, the client saw axis ${up[1]}`);
  await page.close();
  await stop(w.child);
}

// Keys flagged as shifted with no Shift keydown before them, as an on-screen keyboard or a
// remote desktop inside a remote desktop sends them: CDP's dispatchKeyEvent with the Shift
// modifier set, the event Chromium then hands the page has shiftKey but no Shift came down.
// (Playwright's keyboard.type() is not that: it sends '"' as Quote with shiftKey false.)
// The page makes the Shift up around each such key, so `"Hi!"` arrives as typed.
export async function shiftFlagWithoutShiftKey(desktop) {
  const { w, events } = await desktop.share([]);
  const page = await openPage(desktop, w.url);
  await waitForControl(page);
  const from = events.lines().length;
  const cdp = await page.context().newCDPSession(page);
  const SHIFT = 8; // CDP's modifier bit
  const keys = [
    ['"', 'Quote', 222, SHIFT], ['H', 'KeyH', 72, SHIFT], ['i', 'KeyI', 73, 0],
    ['!', 'Digit1', 49, SHIFT], ['"', 'Quote', 222, SHIFT],
  ];
  for (const [text, code, vk, modifiers] of keys) {
    const ev = { modifiers, code, key: text, windowsVirtualKeyCode: vk };
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', text, ...ev });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...ev });
  }
  // the last release is that of the Shift made up for the closing quote
  const released = new RegExp(`^key ${KEY_LEFTSHIFT} released$`);
  let last;
  for (let i = 0; i < 4; i++) last = await events.waitFor(released);
  const shift = `key ${KEY_LEFTSHIFT} pressed Shift_L`;
  const up = `key ${KEY_LEFTSHIFT} released`;
  assert.deepEqual(events.lines().slice(from, last.line + 1).filter((l) => l.startsWith('key ')), [
    shift, 'key 40 pressed "', 'key 40 released', up,
    shift, 'key 35 pressed H', 'key 35 released', up,
    'key 23 pressed i', 'key 23 released',
    shift, 'key 2 pressed !', 'key 2 released', up,
    shift, 'key 40 pressed "', 'key 40 released', up,
  ]);
  await cdp.detach();
  await page.close();
  await stop(w.child);
}

export async function germanLayout(desktop) {
  const { w, events } = await desktop.share(['--keyboard-layout=de']);
  const page = await openPage(desktop, w.url, { width: 640, height: 900 });
  await waitForControl(page);
  // KeyY and KeyZ are swapped on a German keyboard: the physical key decides
  await page.keyboard.type('yz');
  await events.waitFor(new RegExp(`^key ${KEY_Y} pressed z$`));
  await events.waitFor(new RegExp(`^key ${KEY_Z} pressed y$`));
  await page.keyboard.press('Semicolon'); // where ö sits
  await events.waitFor(/^key 39 pressed ö$/);
  await page.close();
  await stop(w.child);
}

export async function closedTabReleases(desktop) {
  const { w, events } = await desktop.share([]);
  const page = await openPage(desktop, w.url);
  await waitForControl(page);
  await page.keyboard.down('KeyA');
  await events.waitFor(new RegExp(`^key ${KEY_A} pressed a$`));
  const p = await pointAt(page, 10, 10);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
  await page.close();
  await events.waitFor(new RegExp(`^key ${KEY_A} released$`));
  await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));
  await stop(w.child);
}

// The page offers no control with a view-only link, so a hostile page opens the channel
// by hand on the same connection; the desktop must hear nothing of it.
// `onShare(shared)` runs once wayrtc is up, `extra(shared)` after the page tried its worst.
export async function viewOnlyMovesNothing(desktop, { onShare, extra } = {}) {
  const shared = await desktop.share(['--view-only']);
  const { w, events } = shared;
  await onShare?.(shared);
  const page = await openPage(desktop, w.url);
  const hello = await page.evaluate(() => window.wayrtc.hello);
  assert.equal(hello.scope.includes('control'), false);
  const from = events.lines().length;
  const sent = await page.evaluate(async () => {
    const pc = window.__wayrtcPeers.at(-1);
    const open = (label) => new Promise((resolve, reject) => {
      const ch = pc.createDataChannel(label);
      ch.binaryType = 'arraybuffer';
      ch.onopen = () => resolve(ch);
      setTimeout(() => reject(new Error(`channel ${label} did not open`)), 5000);
    });
    const ch = await open('input');
    const key = (down) => new Uint8Array([4, down ? 1 : 0, 4, ...new TextEncoder().encode('KeyA')]);
    ch.send(new Uint8Array([1, 0x00, 0x80, 0x00, 0x80])); // move to the middle
    ch.send(new Uint8Array([2, 0, 1])); // left button down
    ch.send(key(true));
    ch.send(key(false));
    ch.send(new Uint8Array([2, 0, 0]));
    // and the clipboard, both ways
    const clip = await open('clipboard');
    const received = [];
    clip.onmessage = (ev) => received.push(ev.data);
    clip.send('pasted by a view-only page');
    await new Promise((r) => setTimeout(r, 1000));
    return received;
  });
  assert.deepEqual(sent, [], 'the desktop clipboard is not sent to a view-only page');
  await page.mouse.click(500, 300);
  await page.keyboard.type('a');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(events.lines().slice(from).filter((l) => /^(pointer|button|key |axis)/.test(l)),
    [], 'the desktop received no input');
  await extra?.(shared);
  await page.close();
  await w.waitForLog(/input messages ignored \(view-only\)/);
  await stop(w.child);
}

// The menu's 1:1 view (web/zoom.js) on a desktop that keeps its size: each desktop pixel
// one pixel of the window (at pixel ratio 1), centred, bigger or smaller than the window
// as the desktop is; clicks on window pixels computed from that alone land on the desktop
// pixels under them.
export async function oneToOneClicks(desktop) {
  const { w, events } = await desktop.share([]);
  const viewport = { width: 1000, height: 600 };
  const page = await openPage(desktop, w.url, viewport);
  await waitForControl(page);
  assert.notEqual((await page.evaluate(() => window.wayrtc.hello)).resize, true,
    'a desktop that keeps its size');
  await page.click('#menu-toggle');
  await page.click('[data-action="view-1to1"]');
  const { width: W, height: H } = desktop;
  const r = await page.$eval('#screen', (v) => v.getBoundingClientRect().toJSON());
  const scale = Math.min(r.width / W, r.height / H);
  assert.ok(Math.abs(scale - 1) < 1e-6, `1:1: ${scale} CSS px a desktop pixel`);
  // the picture's corner, in the window, on a whole pixel
  const left = r.left + (r.width - W) / 2;
  const top = r.top + (r.height - H) / 2;
  for (const t of [left, top]) {
    assert.ok(Math.abs(t - Math.round(t)) < 0.01, `the corner on a whole pixel: ${t}`);
  }
  // what of the desktop the window shows, and two pixels inside it, clear of the edges
  // (where the view would pan)
  const x0 = Math.max(0, -left);
  const y0 = Math.max(0, -top);
  const x1 = Math.min(W, viewport.width - left);
  const y1 = Math.min(H, viewport.height - top);
  for (const [x, y] of [[x0 + 40, y0 + 50], [x1 - 70, y1 - 60]]) {
    const cx = left + x + 0.5;
    const cy = top + y + 0.5;
    await page.mouse.move(cx - 4, cy - 4);
    await page.mouse.click(cx, cy);
    const press = await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
    const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
    assert.ok(m && Math.abs(Number(m[1]) - x) <= 1 && Math.abs(Number(m[2]) - y) <= 1,
      `1:1: clicked over desktop (${x}, ${y}), the client saw ${m ? `(${m[1]}, ${m[2]})` : 'no motion'}`);
    await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));
  }
  await page.close();
  await stop(w.child);
}
