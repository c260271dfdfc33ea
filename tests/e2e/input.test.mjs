// Control from the browser, end to end: Chromium clicks, types and scrolls on the video of
// wayrtc's virtual desktop, and the pattern client inside it must receive those events at
// the matching surface coordinates, as the keys the desktop's layout makes of them. A
// view-only link moves nothing, whatever its page sends; a closed tab leaves no key held.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
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
  const runtime = tmpDir('wayrtc-input-run-');
  const events = new EventLog(`${dir}/events`);
  const w = await startWayrtc(['--source=virtual', `--size=${W}x${H}`, '--listen=127.0.0.1:0',
    ...args, '--', 'sh', '-c', `exec ${patternBin} --keysyms > ${dir}/events`],
  { env: { XDG_RUNTIME_DIR: runtime } });
  running.push(w);
  browser ??= await launchBrowser();
  // for programs of the desktop's own (wl-copy, wl-paste)
  const socket = fs.readdirSync(runtime).find((f) => /^wayland-\d+$/.test(f));
  const desktopEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, WAYLAND_DISPLAY: socket };
  return { w, events, desktopEnv };
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
  const { w, events, desktopEnv } = await share(['--view-only']);
  const copier = spawn('wl-copy', ['--foreground', 'a secret on the desktop'],
    { env: desktopEnv, stdio: 'ignore' });
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
    // and the clipboard, both ways
    const clip = pc.createDataChannel('clipboard');
    const received = [];
    clip.onmessage = (ev) => received.push(ev.data);
    await new Promise((resolve) => { clip.onopen = resolve; });
    clip.send('pasted by a view-only page');
    await new Promise((r) => setTimeout(r, 1000));
    return received;
  });
  assert.deepEqual(sent, [], 'the desktop clipboard is not sent to a view-only page');
  const selection = execFileSync('wl-paste', ['--no-newline'], { env: desktopEnv }).toString();
  assert.equal(selection, 'a secret on the desktop', 'the desktop clipboard is unchanged');
  copier.kill();
  await page.mouse.click(500, 300);
  await page.keyboard.type('a');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(events.lines().filter((l) => /^(pointer|button|key |axis)/.test(l)), [],
    'the desktop received no input');
  await page.close();
  await w.waitForLog(/input messages ignored \(view-only\)/);
});

test('clipboard text goes from one browser to the desktop, and from the desktop to all', async () => {
  const { w, desktopEnv } = await share();
  const a = await open(w.url);
  const b = await open(w.url);
  for (const page of [a, b]) {
    await page.waitForFunction(() => window.wayrtc.channels?.clipboard === 'open', null,
      { timeout: 10000 });
  }
  // a paste in A's page (Ctrl+V gives the page this event) becomes the desktop's selection
  const text = 'Grüße aus dem Browser ✓\nzweite Zeile';
  await a.evaluate((t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
  }, text);
  let pasted = '';
  for (let i = 0; i < 50 && pasted !== text; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      pasted = execFileSync('wl-paste', ['--no-newline'], { env: desktopEnv, timeout: 2000 })
        .toString();
    } catch { /* no selection yet */ }
  }
  assert.equal(pasted, text, 'a desktop program pastes what the browser pasted');
  // ... and B, watching the same desktop, is told
  await b.waitForFunction((t) => window.wayrtc.clipboard === t, text, { timeout: 5000 });

  // a desktop program copies: every viewer with the right gets the text
  const copied = 'copied on the desktop 🖥';
  const copier = spawn('wl-copy', ['--foreground', copied], { env: desktopEnv, stdio: 'ignore' });
  try {
    for (const page of [a, b]) {
      await page.waitForFunction((t) => window.wayrtc.clipboard === t, copied,
        { timeout: 5000 });
    }
  } finally {
    copier.kill();
  }
  await Promise.all([a.close(), b.close()]);
});

test('touch taps, menu combinations and characters without a key reach the desktop',
  async () => {
    const { w, events } = await share();
    const context = await browser.newContext({ hasTouch: true, viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    await page.goto(w.url);
    await waitForVideo(page);
    await waitForControl(page);
    await events.waitFor(/^configured/);

    // a tap is a move, a left press and a release at the finger
    const p = await pointAt(page, 400, 300);
    await page.touchscreen.tap(p.x, p.y);
    const press = await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
    const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
    assert.ok(m && Math.abs(Number(m[1]) - 400) <= 1 && Math.abs(Number(m[2]) - 300) <= 1,
      `tapped desktop (400, 300), the client saw ${m ? `(${m[1]}, ${m[2]})` : 'no motion'}`);
    await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));

    // Ctrl+Alt+Delete from the menu: presses in order, releases in reverse
    await page.click('#menu-toggle');
    await page.click('[data-combo="ctrl-alt-delete"]');
    for (const line of ['key 29 pressed', 'key 56 pressed', 'key 111 pressed', 'key 111 released',
      'key 56 released', 'key 29 released']) {
      await events.waitFor(new RegExp(`^${line}`));
    }

    // text with no key of its own (an IME, a phone keyboard): typed through the layout
    await page.focus('#keys');
    await page.keyboard.insertText('é€');
    await events.waitFor(/^key \d+ pressed é$/);
    await events.waitFor(/^key \d+ pressed €$/);
    await context.close();
  });
