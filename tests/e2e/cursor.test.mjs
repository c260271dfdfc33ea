// The desktop's pointer beside the picture, end to end: wayrtc's virtual desktop runs the
// pattern client with its own cursor (24x24, magenta over cyan, hotspot 5,7), screencopy
// reports it through the compositor's pointer cursor session, and the page draws it: with
// control as the video's CSS cursor, for a view-only link as the overlay at its place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, waitForControl, pointAt, patternBin,
  tmpDir, linkWithScope, build,
} from './lib.mjs';

const W = 640;
const H = 480;
const SIDE = 24;
const HOT = { x: 5, y: 7 };
const MAGENTA = [255, 0, 255, 255];
const CYAN = [0, 255, 255, 255];

let wayrtc;
let browser;

before(async () => {
  const dir = tmpDir('wayrtc-cursor-');
  wayrtc = await startWayrtc(['--source=virtual', `--size=${W}x${H}`, '--listen=127.0.0.1:0',
    '--', 'sh', '-c', `exec ${patternBin} --cursor > ${dir}/events`]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stop(wayrtc?.child);
});

async function open(url) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  await page.goto(url);
  assert.deepEqual(await waitForVideo(page), { width: W, height: H });
  return page;
}

// Waits until the page's idea of the desktop pointer is at (x, y) within 1 px, with the
// pattern's image; returns it.
async function waitForCursor(page, x, y) {
  await page.waitForFunction(([px, py, side, hx, hy]) => {
    const c = window.wayrtc?.cursor;
    return c && c.visible && Math.abs(c.x - px) <= 1 && Math.abs(c.y - py) <= 1 &&
      c.width === side && c.height === side && c.hotX === hx && c.hotY === hy;
  }, [x, y, SIDE, HOT.x, HOT.y], { timeout: 10000, polling: 50 }).catch(async (e) => {
    const got = await page.evaluate(() => JSON.stringify(window.wayrtc?.cursor));
    throw new Error(`the page's cursor never reached (${x}, ${y}) with the pattern's ` +
      `${SIDE}x${SIDE} image, hotspot (${HOT.x}, ${HOT.y}); it has ${got}\n${e.message}`);
  });
  return page.evaluate(() => ({ ...window.wayrtc.cursor }));
}

// The RGBA pixels of an image URL, as the page decodes it.
function imagePixels(page, url) {
  return page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    return { width: c.width, height: c.height, data: [...g.getImageData(0, 0, c.width, c.height).data] };
  }, url);
}

function assertPatternImage(img) {
  assert.equal(img.width, SIDE);
  assert.equal(img.height, SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const i = (y * SIDE + x) * 4;
      const want = y < SIDE / 2 ? MAGENTA : CYAN;
      assert.deepEqual(img.data.slice(i, i + 4), want, `image pixel (${x}, ${y})`);
    }
  }
}

// Where the overlay must be, in client pixels, for the desktop pointer at (x, y).
async function expectedBox(page, x, y) {
  return page.evaluate(([px, py, side, hx, hy]) => {
    const v = document.getElementById('screen');
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const left = r.left + (r.width - v.videoWidth * scale) / 2;
    const top = r.top + (r.height - v.videoHeight * scale) / 2;
    return {
      left: left + (px - hx) * scale, top: top + (py - hy) * scale,
      width: side * scale, height: side * scale,
    };
  }, [x, y, SIDE, HOT.x, HOT.y]);
}

async function overlayBox(page) {
  return page.evaluate(() => {
    const o = document.querySelector('img.remote-cursor');
    if (!o || o.hidden) return null;
    const r = o.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height, src: o.src };
  });
}

async function waitForOverlayAt(page, x, y) {
  const deadline = Date.now() + 10000;
  let got;
  let want;
  for (;;) {
    got = await overlayBox(page);
    want = await expectedBox(page, x, y);
    if (got && ['left', 'top', 'width', 'height'].every((k) => Math.abs(got[k] - want[k]) <= 1.5)) {
      return got;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the overlay is at ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

test('screencopy sends the pointer beside the picture (the log says so)', async () => {
  await wayrtc.waitForLog(/the pointer travels beside the picture/);
});

test('with control, the desktop pointer reaches the page and becomes the video\'s CSS cursor',
  async () => {
    const page = await open(wayrtc.url);
    await waitForControl(page);
    await page.waitForFunction(() => window.wayrtc.channels?.cursor === 'open', null,
      { timeout: 10000 });
    for (const [x, y] of [[200, 150], [470, 330], [10, 20]]) {
      const p = await pointAt(page, x, y);
      await page.mouse.move(p.x, p.y, { steps: 3 });
      await waitForCursor(page, x, y);
    }
    const { cursorCss, overlaySrc, overlayHidden } = await page.evaluate(() => {
      const o = document.querySelector('img.remote-cursor');
      return {
        cursorCss: document.getElementById('screen').style.cursor,
        overlaySrc: o.src,
        overlayHidden: o.hidden,
      };
    });
    assert.match(overlaySrc, /^data:image\/png;base64,/);
    assert.equal(cursorCss, `url("${overlaySrc}") ${HOT.x} ${HOT.y}, default`);
    assertPatternImage(await imagePixels(page, overlaySrc));
    // the local mouse is over the video: the CSS cursor is the pointer, no overlay
    assert.equal(overlayHidden, true);
    await page.close();
  });

test('a view-only page shows the overlay at the desktop pointer\'s place', async () => {
  const control = await open(wayrtc.url);
  await waitForControl(control);
  const start = await pointAt(control, 320, 240);
  await control.mouse.move(start.x, start.y, { steps: 3 });
  await waitForCursor(control, 320, 240);
  // joining now, with the pointer still: the image and place come when cursor opens
  const watcher = await open(linkWithScope(wayrtc, 'view'));
  const input = await watcher.evaluate(() => window.wayrtc.channels?.input ?? 'none');
  assert.equal(input, 'none', 'the view-only page has no input channel');
  await waitForCursor(watcher, 320, 240);
  for (const [x, y] of [[320, 240], [100, 400], [560, 90]]) {
    const p = await pointAt(control, x, y);
    await control.mouse.move(p.x, p.y, { steps: 3 });
    await waitForCursor(watcher, x, y);
    const box = await waitForOverlayAt(watcher, x, y);
    assertPatternImage(await imagePixels(watcher, box.src));
  }
  // a watcher keeps its own pointer: no CSS cursor from the desktop
  assert.equal(await watcher.evaluate(() => document.getElementById('screen').style.cursor), '');
  const shot = path.join(build, 'e2e-cursor-view-only.png');
  await watcher.screenshot({ path: shot });
  console.log(`# screenshot of the view-only page: ${shot}`);
  await watcher.close();
  await control.close();
});
