// Control from the browser, end to end: Chromium clicks, types and scrolls on the video of
// wayrtc's virtual desktop, and the pattern client inside it must receive those events at
// the matching surface coordinates, as the keys the desktop's layout makes of them. A
// view-only link moves nothing, whatever its page sends; a closed tab leaves no key held.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, waitForControl, pointAt, patternBin,
  EventLog, tmpDir, capturePeerConnections,
} from './lib.mjs';

const W = 640;
const H = 480;
const KEY_Y = 21;
const KEY_Z = 44;
const KEY_A = 30;
const KEY_LEFTSHIFT = 42;
const BTN_LEFT = 272;
const BTN_RIGHT = 273;

let browser;
const running = [];

after(async () => {
  await browser?.close();
  for (const w of running) await stop(w.child);
});

// wayrtc with its virtual desktop running the pattern client, whose events go to a file.
async function share(args = []) {
  const dir = tmpDir('wayrtc-input-');
  const events = new EventLog(`${dir}/events`);
  const w = await startWayrtc(['--source=virtual', `--size=${W}x${H}`, '--listen=127.0.0.1:0',
    ...args, '--', 'sh', '-c', `exec ${patternBin} --keysyms > ${dir}/events`]);
  running.push(w);
  browser ??= await launchBrowser();
  return { w, events };
}

// A page bigger than the desktop and of another shape: the video is letterboxed.
async function open(url, viewport = { width: 1000, height: 600 }) {
  const page = await browser.newPage({ viewport });
  await capturePeerConnections(page);
  await page.goto(url);
  assert.deepEqual(await waitForVideo(page), { width: W, height: H });
  return page;
}

test('a click lands on the matching surface pixel; keys type with the desktop layout us',
  async () => {
    const { w, events } = await share();
    const page = await open(w.url);
    await waitForControl(page);
    await events.waitFor(/^configured 640x480$/);

    for (const [x, y] of [[100, 200], [639, 0], [320, 479]]) {
      const p = await pointAt(page, x, y);
      await page.mouse.click(p.x, p.y);
      const press = await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
      // where the pointer was when the button went down
      const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
      assert.ok(m, 'the pointer moved before the click');
      assert.ok(Math.abs(Number(m[1]) - x) <= 1 && Math.abs(Number(m[2]) - y) <= 1,
        `clicked desktop (${x}, ${y}), the client saw (${m[1]}, ${m[2]})`);
      await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));
    }
    const p = await pointAt(page, 50, 60);
    await page.mouse.click(p.x, p.y, { button: 'right' });
    await events.waitFor(new RegExp(`^button ${BTN_RIGHT} pressed$`));

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
  });

test('with --keyboard-layout=de the same keys type the German letters', async () => {
  const { w, events } = await share(['--keyboard-layout=de']);
  const page = await open(w.url, { width: 640, height: 900 });
  await waitForControl(page);
  await events.waitFor(/^configured/);
  // KeyY and KeyZ are swapped on a German keyboard: the physical key decides
  await page.keyboard.type('yz');
  await events.waitFor(new RegExp(`^key ${KEY_Y} pressed z$`));
  await events.waitFor(new RegExp(`^key ${KEY_Z} pressed y$`));
  await page.keyboard.press('Semicolon'); // where ö sits
  await events.waitFor(/^key 39 pressed ö$/);
  await page.close();
});

test('closing the tab while a key is down releases it', async () => {
  const { w, events } = await share();
  const page = await open(w.url);
  await waitForControl(page);
  await events.waitFor(/^configured/);
  await page.keyboard.down('KeyA');
  await events.waitFor(new RegExp(`^key ${KEY_A} pressed a$`));
  const p = await pointAt(page, 10, 10);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
  await page.close();
  await events.waitFor(new RegExp(`^key ${KEY_A} released$`));
  await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));
});

test('a view-only link moves nothing, even when its page sends input', async () => {
  const { w, events } = await share(['--view-only']);
  const page = await open(w.url);
  await events.waitFor(/^configured/);
  const hello = await page.evaluate(() => window.wayrtc.hello);
  assert.deepEqual(hello.scope.includes('control'), false);
  // the page itself offers no control, so a hostile page opens the channel by hand
  const sent = await page.evaluate(async () => {
    const pc = window.__wayrtcPeers.at(-1);
    const ch = pc.createDataChannel('input');
    ch.binaryType = 'arraybuffer';
    await new Promise((resolve, reject) => {
      ch.onopen = resolve;
      setTimeout(() => reject(new Error('the channel did not open')), 5000);
    });
    const key = (down) => new Uint8Array([4, down ? 1 : 0, 4, ...new TextEncoder().encode('KeyA')]);
    ch.send(new Uint8Array([1, 0x00, 0x80, 0x00, 0x80])); // move to the middle
    ch.send(new Uint8Array([2, 0, 1])); // left button down
    ch.send(key(true));
    ch.send(key(false));
    ch.send(new Uint8Array([2, 0, 0]));
    await new Promise((r) => setTimeout(r, 500));
    return true;
  });
  assert.ok(sent);
  await page.mouse.click(500, 300);
  await page.keyboard.type('a');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(events.lines().filter((l) => /^(pointer|button|key |axis)/.test(l)), [],
    'the desktop received no input');
  await page.close();
  await w.waitForLog(/input messages ignored \(view-only\)/);
});
