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
  EventLog, tmpDir,
} from './lib.mjs';
import {
  BTN_LEFT, openPage, clicksKeysAndWheel, germanLayout, closedTabReleases,
  viewOnlyMovesNothing, shiftFlagWithoutShiftKey, oneToOneClicks,
} from './control-cases.mjs';

const W = 640;
const H = 480;

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

const desktop = {
  width: W,
  height: H,
  get browser() { return browser; },
  share,
};

function open(url, viewport) {
  return openPage(desktop, url, viewport);
}

test('a click lands on the matching surface pixel; keys type with the desktop layout us',
  () => clicksKeysAndWheel(desktop));

test('keys flagged as shifted with no Shift keydown get a Shift: "Hi!" types "Hi!"',
  () => shiftFlagWithoutShiftKey(desktop));

test('with --keyboard-layout=de the same keys type the German letters',
  () => germanLayout(desktop));

test('closing the tab while a key is down releases it', () => closedTabReleases(desktop));

test('at 1:1 in a bigger window: a click lands on the desktop pixel under it',
  () => oneToOneClicks(desktop));

test('a view-only link moves nothing, even when its page sends input', async () => {
  let copier;
  try {
    await viewOnlyMovesNothing(desktop, {
      // something on the desktop's clipboard that a view-only page must not get
      onShare: ({ desktopEnv }) => {
        copier = spawn('wl-copy', ['--foreground', 'a secret on the desktop'],
          { env: desktopEnv, stdio: 'ignore' });
      },
      extra: ({ desktopEnv }) => {
        const selection = execFileSync('wl-paste', ['--no-newline'], { env: desktopEnv })
          .toString();
        assert.equal(selection, 'a secret on the desktop', 'the desktop clipboard is unchanged');
      },
    });
  } finally {
    copier?.kill();
  }
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
