// The viewer's page on a desktop that keeps its size (issue 13): the menu's Fit, 1:1 and
// zoom steps for a mouse user, and the clipboard notice's place and life. A virtual desktop
// of a fixed --size bigger than the window is such a desktop for the page (hello without
// `resize`, the picture never resized by the server), and its pattern client prints where
// the desktop's pointer and buttons went. In 1:1 each desktop pixel is one pixel of the
// window, the rest reached by edge panning, and a click lands on the desktop pixel under
// the mouse; the choice is remembered across a reload. The clipboard notice shows at the
// top centre (not over the title-bar buttons in the corners), not again on a reload for
// the same old text, and goes when the share ends.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, waitForControl, patternBin, EventLog,
  tmpDir, expectPattern,
} from './lib.mjs';
import { BTN_LEFT } from './control-cases.mjs';

const W = 1600;
const H = 1000;
const VIEWPORT = { width: 800, height: 600 };

let browser;
const running = [];

after(async () => {
  await browser?.close();
  for (const w of running) await stop(w.child);
});

async function share(args) {
  const dir = tmpDir('wayrtc-view-');
  const runtime = tmpDir('wayrtc-view-run-');
  const events = new EventLog(`${dir}/events`);
  const w = await startWayrtc(['--source=virtual', '--listen=127.0.0.1:0', ...args, '--',
    'sh', '-c', `exec ${patternBin} --keysyms > ${dir}/events`],
  { env: { XDG_RUNTIME_DIR: runtime } });
  running.push(w);
  browser ??= await launchBrowser();
  const socket = fs.readdirSync(runtime).find((f) => /^wayland-\d+$/.test(f));
  const desktopEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, WAYLAND_DISPLAY: socket };
  await events.waitFor(/^configured/);
  return { w, events, desktopEnv };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const box = (page, sel) => page.$eval(sel, (e) => e.getBoundingClientRect().toJSON());

// The desktop's pointer as the client last saw it.
function lastMotion(events) {
  const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, events.lines().length);
  return m && [Number(m[1]), Number(m[2])];
}

// Clicks the window at (x, y) CSS px and checks that the client saw the button go down on
// desktop pixel (dx, dy).
async function clickLands(page, events, x, y, [dx, dy], what) {
  await page.mouse.move(x - 3, y - 3);
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.up();
  const press = await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
  const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
  assert.ok(m, 'the pointer moved before the click');
  assert.ok(Math.abs(Number(m[1]) - dx) <= 1 && Math.abs(Number(m[2]) - dy) <= 1,
    `${what}: clicked over desktop (${dx}, ${dy}), the client saw (${m[1]}, ${m[2]})`);
  await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));
}

async function menuItem(page, action) {
  if (!(await page.isVisible('#menu'))) await page.click('#menu-toggle');
  await page.click(`[data-action="${action}"]`);
}

test('a desktop bigger than the window: Fit, 1:1 with edge panning, zoom steps; clicks land',
  async () => {
    const { w, events } = await share([`--size=${W}x${H}`]);
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(w.url);
    assert.deepEqual(await waitForVideo(page), { width: W, height: H });
    await expectPattern(page, assert);
    await waitForControl(page);
    assert.equal((await page.evaluate(() => window.wayrtc.hello)).resize, undefined);

    // Fit, as before: the whole desktop in the window, half a pixel a desktop pixel
    await page.click('#menu-toggle');
    for (const a of ['view-fit', 'view-1to1', 'zoom-in', 'zoom-out']) {
      assert.equal(await page.isVisible(`[data-action="${a}"]`), true, `the menu offers ${a}`);
    }
    assert.equal(await page.getAttribute('[data-action="view-fit"]', 'aria-pressed'), 'true');
    assert.equal(await page.textContent('.zoom-level'), '50 %');
    assert.equal((await box(page, '#screen')).width, 800);
    assert.equal(await page.isVisible('.scrollbar.h'), false, 'no scroll bars: it all fits');

    // 1:1: each desktop pixel one pixel of the window, the desktop's centre in the middle
    await page.click('[data-action="view-1to1"]');
    assert.equal(await page.isVisible('#menu'), false, 'the choice closed the menu');
    assert.deepEqual(await page.evaluate(() => window.wayrtc.view),
      { mode: '1:1', ratio: 1, fixed: true });
    const r = await box(page, '#screen');
    // the video element spans the stage (800x600) at scale 2, letterboxed: the picture
    // itself is 1600x1000 from (left, top + 100)
    assert.deepEqual([r.width, r.height], [1600, 1200]);
    const left = r.left;
    const top = r.top + 100;
    assert.deepEqual([left, top], [-400, -200], 'the desktop\'s centre in the window\'s');
    assert.equal(await page.isVisible('.scrollbar.h'), true, 'scroll bars say there is more');
    assert.equal(await page.isVisible('.scrollbar.v'), true);
    // a click on the window's pixel (x, y) is desktop pixel (x - left, y - top)
    await clickLands(page, events, 600.5, 450.5, [1000, 650], '1:1');
    await clickLands(page, events, 100.5, 100.5, [500, 300], '1:1, top left');

    // the mouse near the right edge (left of the scroll bar) pans the view to the
    // desktop's right end, and the desktop's pointer follows what is under it
    await page.mouse.move(700, 300);
    await page.mouse.move(785, 300);
    await page.waitForFunction(() => window.wayrtc.zoom.x <= -800, null,
      { timeout: 5000, polling: 50 });
    const panned = await box(page, '#screen');
    assert.equal(panned.left, -800, 'panned to the end and no further');
    await sleep(300);
    const [px] = lastMotion(events);
    assert.ok(Math.abs(px - 1585) <= 1, `the desktop's pointer went along: at x ${px}`);
    await page.mouse.move(400, 300); // away from the edge: panning stops
    await clickLands(page, events, 780.5, 300.5, [1580, 500], 'after panning');

    // dragging the bottom scroll bar's thumb back to the left
    const thumb = await box(page, '.scrollbar.h .thumb');
    assert.ok(Math.abs(thumb.left + thumb.width - 800) < 1, `the thumb at the right end: ${JSON.stringify(thumb)}`);
    await page.mouse.move(thumb.left + 20, thumb.top + thumb.height / 2);
    await page.mouse.down();
    await page.mouse.move(thumb.left - 180, thumb.top + thumb.height / 2, { steps: 5 });
    await page.mouse.up();
    assert.equal((await box(page, '#screen')).left, -400, 'dragged 200 px of 800: 400 of 1600');
    assert.deepEqual(events.lines().slice(events.cursor).filter((l) => l.startsWith('button')), [],
      'the thumb is not the desktop\'s');

    // remembered for this share: a reload comes back at 1:1
    await page.reload();
    await waitForVideo(page);
    await page.waitForFunction(() => window.wayrtc.view?.mode === '1:1', null, { timeout: 5000 });
    assert.equal((await box(page, '#screen')).width, 1600);
    await waitForControl(page);
    const again = await box(page, '#screen');
    await clickLands(page, events, 200.5, 200.5,
      [200 - again.left, 200 - again.top - 100], 'after a reload');

    // zoom steps: in keeps the menu open; out down to Fit
    await menuItem(page, 'zoom-in');
    assert.equal(await page.isVisible('#menu'), true, 'zooming leaves the menu open');
    assert.equal(await page.textContent('.zoom-level'), '125 %');
    assert.equal((await box(page, '#screen')).width, 2000);
    for (let i = 0; i < 12; i++) await page.click('[data-action="zoom-out"]');
    assert.equal(await page.textContent('.zoom-level'), '50 %');
    assert.equal(await page.getAttribute('[data-action="view-fit"]', 'aria-pressed'), 'true');
    await page.click('[data-action="zoom-in"]');
    assert.equal(await page.textContent('.zoom-level'), '67 %');
    // Fit again
    await page.click('[data-action="view-fit"]');
    assert.equal((await box(page, '#screen')).width, 800);
    await clickLands(page, events, 400.5, 300.5, [801, 501], 'Fit');
    await page.close();
  });

test('1:1 on a screen of pixel ratio 2: a desktop pixel a device pixel, clicks land',
  async () => {
    const { w, events } = await share([`--size=${W}x${H}`]);
    const context = await browser.newContext({
      viewport: { width: 600, height: 400 }, deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    await page.goto(w.url);
    await waitForVideo(page);
    await waitForControl(page);
    await menuItem(page, 'view-1to1');
    // the picture is 800x500 CSS px: 1600x1000 device pixels
    const r = await box(page, '#screen');
    const scale = Math.min(r.width / W, r.height / H);
    assert.equal(scale, 0.5);
    const left = r.left + (r.width - W * scale) / 2;
    const top = r.top + (r.height - H * scale) / 2;
    // (within what the browser's float layout gives back)
    for (const t of [left, top]) {
      assert.ok(Math.abs(t * 2 - Math.round(t * 2)) < 0.01, `the corner on a device pixel: ${t}`);
    }
    // desktop pixel (x, y) is the device pixel (2 left + x, 2 top + y): its centre in CSS px
    for (const [x, y] of [[700, 400], [901, 599]]) {
      await clickLands(page, events, left + (x + 0.5) / 2, top + (y + 0.5) / 2, [x, y],
        'pixel ratio 2');
    }
    await context.close();
  });

test('a virtual desktop that follows the window offers no view items', async () => {
  const { w } = await share([]);
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(w.url);
  await waitForVideo(page);
  assert.equal((await page.evaluate(() => window.wayrtc.hello)).resize, true);
  await page.click('#menu-toggle');
  assert.equal(await page.isVisible('[data-action="view-1to1"]'), false);
  assert.equal(await page.isVisible('.zoom-row'), false);
  await page.close();
});

test('the clipboard notice: top centre, not again on a reload, gone when the share ends',
  async () => {
    const { w, desktopEnv } = await share(['--size=1280x720']);
    const page = await browser.newPage({ viewport: VIEWPORT });
    // a browser that will not let the page write its clipboard: the notice stays (with
    // Copy) until dismissed, rather than going by itself after a few seconds
    await page.addInitScript(() => {
      navigator.clipboard.writeText = () => Promise.reject(new Error('not allowed'));
    });
    await page.goto(w.url);
    await waitForVideo(page);
    await page.waitForFunction(() => window.wayrtc.channels?.clipboard === 'open', null,
      { timeout: 10000 });
    const copied = 'copied on the desktop';
    const copier = spawn('wl-copy', ['--foreground', copied], { env: desktopEnv, stdio: 'ignore' });
    try {
      await page.waitForFunction((t) => window.wayrtc.clipboard === t, copied, { timeout: 5000 });
      await page.waitForSelector('#clip-notice', { state: 'visible', timeout: 5000 });
      assert.equal(await page.textContent('#clip-notice .text'), 'The desktop copied text');
      const n = await box(page, '#clip-notice');
      // the middle of the top edge, clear of the corners where title-bar buttons are
      assert.ok(Math.abs(n.left + n.width / 2 - VIEWPORT.width / 2) <= 1,
        `centred: ${JSON.stringify(n)}`);
      assert.ok(n.top < 80, `at the top: ${n.top}`);
      assert.ok(n.left > 150 && n.right < VIEWPORT.width - 150,
        `clear of the corners: ${n.left}..${n.right}`);
      const status = await page.$eval('#status', (s) => s.classList.contains('hidden'));
      if (!status) {
        const s = await box(page, '#status');
        assert.ok(s.bottom <= n.top, 'under the status line, not over it');
      }

      // a reload: the desktop still holds that text, and the page does not announce it again
      await page.reload();
      await waitForVideo(page);
      await page.waitForFunction((t) => window.wayrtc.clipboard === t, copied, { timeout: 5000 });
      await sleep(500);
      assert.equal(await page.isVisible('#clip-notice'), false, 'old text is not news');

      // a new copy is news; then the share ends and the notice goes with it
      const copier2 = spawn('wl-copy', ['--foreground', 'a second copy'],
        { env: desktopEnv, stdio: 'ignore' });
      try {
        await page.waitForSelector('#clip-notice', { state: 'visible', timeout: 5000 });
      } finally {
        copier2.kill();
      }
    } finally {
      copier.kill();
    }
    await stop(w.child);
    await page.waitForFunction(() => window.wayrtc.state === 'ended', null, { timeout: 5000 });
    assert.equal(await page.isVisible('#clip-notice'), false, 'an ended share has no notice');
    await page.close();
  });
