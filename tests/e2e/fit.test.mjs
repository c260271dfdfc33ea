// The desktop's geometry in the browser. The virtual desktop fits the window (issue 13,
// part 1): with the default --size=auto it takes the size of a controlling page's video
// area in device pixels, at an integer scale, and follows the window when it changes;
// clicks land where they should at each size. A view-only link cannot resize it, whatever
// it sends, and a fixed --size stays fixed. A turned output (issue 10, part 5; wlr-randr
// --transform) is shown upright, with the pointer and clicks where they belong.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, waitForControl, expectPattern, patternBin,
  EventLog, tmpDir, tokenOf, linkWithScope,
} from './lib.mjs';
import { clickAt, pointerInside } from './control-cases.mjs';

// How long a resize may take to reach the picture: the 2 s.
const FOLLOW_MS = 2000;

let browser;
const running = [];

after(async () => {
  await browser?.close();
  for (const w of running) await stop(w.child);
});

async function share(args = [], pattern = []) {
  const dir = tmpDir('wayrtc-fit-');
  const runtime = tmpDir('wayrtc-fit-run-');
  const events = new EventLog(`${dir}/events`);
  const w = await startWayrtc(['--source=virtual', '--listen=127.0.0.1:0', ...args, '--',
    'sh', '-c', `exec ${patternBin} ${pattern.join(' ')} > ${dir}/events`],
  { env: { XDG_RUNTIME_DIR: runtime } });
  running.push(w);
  browser ??= await launchBrowser();
  // for programs of the desktop's own (wlr-randr)
  const socket = fs.readdirSync(runtime).find((f) => /^wayland-\d+$/.test(f));
  const desktopEnv = { ...process.env, XDG_RUNTIME_DIR: runtime, WAYLAND_DISPLAY: socket };
  return { w, events, desktopEnv };
}

function videoSize(page) {
  return page.evaluate(() => {
    const v = document.getElementById('screen');
    return { width: v.videoWidth, height: v.videoHeight };
  });
}

async function waitForVideoSize(page, width, height, timeoutMs = FOLLOW_MS) {
  const t0 = Date.now();
  try {
    await page.waitForFunction(([w, h]) => {
      const v = document.getElementById('screen');
      return v.videoWidth === w && v.videoHeight === h;
    }, [width, height], { timeout: timeoutMs, polling: 20 });
  } catch {
    assert.fail(`the picture is ${JSON.stringify(await videoSize(page))} ${timeoutMs} ms on, ` +
      `not ${width}x${height}`);
  }
  return Date.now() - t0;
}

test('the desktop takes the window\'s size and follows it; clicks land at each size',
  async () => {
    const { w, events } = await share();
    await events.waitFor(/^configured 1280x720$/);
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.goto(w.url);
    await waitForVideo(page);
    assert.equal((await page.evaluate(() => window.wayrtc.hello)).resize, true);
    await waitForVideoSize(page, 1000, 700);
    await events.waitFor(/^configured 1000x700$/);
    // the whole picture is the pattern at the new size, not a stretched old frame
    await expectPattern(page, assert);
    await waitForControl(page);
    await pointerInside(page, events, 900, 600);
    await clickAt(page, events, 900, 600);

    // a smaller window, then a taller one: each within the 2 s
    await page.setViewportSize({ width: 640, height: 480 });
    const small = await waitForVideoSize(page, 640, 480);
    await events.waitFor(/^configured 640x480$/);
    await expectPattern(page, assert);
    await pointerInside(page, events, 600, 20);
    await clickAt(page, events, 600, 20);
    await page.setViewportSize({ width: 500, height: 900 });
    const tall = await waitForVideoSize(page, 500, 900);
    await events.waitFor(/^configured 500x900$/);
    await pointerInside(page, events, 20, 880);
    await clickAt(page, events, 20, 880);
    console.log(`# followed the window in ${small} and ${tall} ms`);
    await page.close();
  });

test('a phone at pixel ratio 2 gets twice the pixels at scale 2, and taps land', async () => {
  const { w, events } = await share();
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  await page.goto(w.url);
  await waitForVideo(page);
  // the key bar a touch screen gets (web/keybar.js) takes its room from the picture's
  const stage = await page.$eval('#stage', (e) => ({ width: e.clientWidth, height: e.clientHeight }));
  assert.equal(stage.width, 390);
  assert.ok(stage.height > 760 && stage.height < 844, `the video area is ${stage.height} tall`);
  const height = stage.height - (stage.height % 2); // even, as src/share/fit.c makes it
  await waitForVideoSize(page, 780, 2 * height);
  // the program sees the desktop in its own units: half the pixels each way
  await events.waitFor(new RegExp(`^configured 390x${height}$`));
  await expectPattern(page, assert);
  await waitForControl(page);
  await page.touchscreen.tap(300, 700);
  const press = await events.waitFor(/^button 272 pressed$/);
  const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
  assert.ok(m, 'the pointer moved before the tap');
  assert.ok(Math.abs(Number(m[1]) - 300) <= 1 && Math.abs(Number(m[2]) - 700) <= 1,
    `tapped (300, 700), the program saw (${m[1]}, ${m[2]})`);
  await context.close();
});

test('a view-only link cannot resize the desktop, whatever its page sends', async () => {
  const { w, events } = await share();
  const control = await browser.newPage({ viewport: { width: 800, height: 600 } });
  await control.goto(w.url);
  await waitForVideo(control);
  await waitForVideoSize(control, 800, 600);
  await events.waitFor(/^configured 800x600$/);

  const viewer = await browser.newPage({ viewport: { width: 1100, height: 500 } });
  await viewer.goto(linkWithScope(w, 'view'));
  await waitForVideo(viewer);
  assert.equal((await viewer.evaluate(() => window.wayrtc.hello)).resize, undefined);
  // a hostile page: its own socket with the view-only token, asking for a size
  const token = tokenOf(viewer.url());
  const answered = await viewer.evaluate(async (t) => {
    const ws = new WebSocket(`wss://${location.host}/ws`, ['wayrtc', `token.${t}`]);
    const got = [];
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('the socket did not open'));
    });
    ws.onmessage = (ev) => got.push(JSON.parse(ev.data).type);
    ws.send(JSON.stringify({ type: 'size', width: 1100, height: 500, pixelRatio: 1 }));
    ws.send(JSON.stringify({ type: 'ping' }));
    await new Promise((r) => setTimeout(r, 1500));
    ws.close();
    return got;
  }, token);
  assert.ok(answered.includes('pong'), `the socket was answered: ${answered}`);
  assert.deepEqual(await videoSize(viewer), { width: 800, height: 600 });
  assert.deepEqual(events.lines().slice(events.cursor).filter((l) => /^configured/.test(l)), [],
    'the program was never given another size');
  await viewer.close();
  await control.close();
});

test('a fixed --size stays as given, letterboxed in any window', async () => {
  const { w, events } = await share(['--size=640x400']);
  await events.waitFor(/^configured 640x400$/);
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(w.url);
  assert.deepEqual(await waitForVideo(page), { width: 640, height: 400 });
  assert.equal((await page.evaluate(() => window.wayrtc.hello)).resize, undefined);
  await page.setViewportSize({ width: 700, height: 900 });
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(await videoSize(page), { width: 640, height: 400 });
  await page.close();
});

test('a turned output is shown upright; the pointer and clicks are where they belong',
  async () => {
    const { w, events, desktopEnv } = await share(['--size=640x400'], ['--cursor']);
    await events.waitFor(/^configured 640x400$/);
    const page = await browser.newPage({ viewport: { width: 800, height: 800 } });
    try {
      // portrait and landscape in turn, so the program is configured anew each time
      for (const [transform, width, height] of [['90', 400, 640], ['180', 640, 400],
        ['flipped-270', 400, 640]]) {
        execFileSync('wlr-randr', ['--output', 'HEADLESS-1', '--transform', transform],
          { env: desktopEnv });
        await events.waitFor(new RegExp(`^configured ${width}x${height}$`));
        await page.goto(w.url);
        await waitForVideo(page);
        await waitForVideoSize(page, width, height, 10000);
        await expectPattern(page, assert);
        await waitForControl(page);
        // the program's own pointer image travels beside the picture: where the page
        // draws it is where the desktop has it
        const x = Math.round(width * 0.3);
        const y = Math.round(height * 0.7);
        await pointerInside(page, events, x, y);
        await clickAt(page, events, x, y);
        await page.waitForFunction(([px, py]) => {
          const c = window.wayrtc.cursor;
          return c && c.visible && Math.abs(c.x - px) <= 1 && Math.abs(c.y - py) <= 1;
        }, [x, y], { timeout: 5000, polling: 50 }).catch(async () => {
          assert.fail(`the page draws the pointer at ${JSON.stringify(await page.evaluate(
            () => window.wayrtc.cursor))}, the desktop has it at (${x}, ${y})`);
        });
      }
    } finally {
      await page.close();
    }
  });

test('a turned virtual desktop still takes the window\'s size, the right way up', async () => {
  const { w, events, desktopEnv } = await share();
  await events.waitFor(/^configured 1280x720$/);
  execFileSync('wlr-randr', ['--output', 'HEADLESS-1', '--transform', '90'], { env: desktopEnv });
  await events.waitFor(/^configured 720x1280$/);
  const page = await browser.newPage({ viewport: { width: 600, height: 800 } });
  await page.goto(w.url);
  await waitForVideo(page);
  await waitForVideoSize(page, 600, 800);
  await events.waitFor(/^configured 600x800$/);
  await expectPattern(page, assert);
  await page.close();
});

// At scale 2 the pointer's image is drawn for it too: the theme's default at its 48-pixel
// size, a program's own 24×24 cursor (drawn for scale 1) doubled, its hotspot with it.
test('at scale 2 the pointer is drawn at twice the size, its hotspot in place', async () => {
  for (const [pattern, width, hot] of [[[], 48, null], [['--cursor'], 48, [10, 14]]]) {
    const { w, events } = await share([], pattern);
    const context = await browser.newContext({
      viewport: { width: 400, height: 300 }, deviceScaleFactor: 2,
    });
    const page = await context.newPage();
    await page.goto(w.url);
    await waitForVideo(page);
    await waitForVideoSize(page, 800, 600);
    await events.waitFor(/^configured 400x300$/);
    await waitForControl(page);
    await page.mouse.move(100, 100);
    await page.mouse.move(200, 150);
    await page.waitForFunction(([wd, h]) => {
      const c = window.wayrtc.cursor;
      return c && c.visible && c.width === wd &&
        (!h || (c.hotX === h[0] && c.hotY === h[1]));
    }, [width, hot], { timeout: 5000, polling: 50 }).catch(async () => {
      assert.fail(`the pointer's image: ${JSON.stringify(await page.evaluate(
        () => window.wayrtc.cursor))}, expected ${width} px wide, hotspot ${hot}`);
    });
    await context.close();
    await stop(w.child);
  }
});
