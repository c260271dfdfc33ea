// Codec per viewer, end to end: Debian's Firefox ESR, offline, has no OpenH264 and keeps
// only VP8 of wayrtc's offer; with default settings (no --codec) it plays the stream and
// what it types arrives on the desktop. Chromium, watching the same share at the same
// time, still gets H.264 (High 4:4:4, which it decodes and wayrtc offers first): two
// encodes, one per codec in use, never one per viewer; the 4:2:0 H.264 nobody chose
// stays idle.
// Firefox is driven by puppeteer-core over WebDriver BiDi.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import puppeteer from 'puppeteer-core';
import {
  startWayrtc, stop, launchBrowser, pointAt, patternBin, EventLog, tmpDir, samplePixels,
} from './lib.mjs';
import { KEY_Y, KEY_Z, BTN_LEFT } from './control-cases.mjs';

const W = 640;
const H = 480;
const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';

let firefox;
let chromium;
const running = [];

after(async () => {
  await firefox?.close();
  await chromium?.close();
  for (const w of running) await stop(w.child);
});

function videoPlays() {
  const v = document.getElementById('screen');
  return v && v.videoWidth > 0 && v.readyState >= 2 && v.currentTime > 0;
}

test('Firefox ESR without OpenH264 gets VP8 by default, plays it and types; Chromium gets H.264',
  { skip: !fs.existsSync(FIREFOX) && `${FIREFOX} is not installed` }, async () => {
    const dir = tmpDir('wayrtc-firefox-');
    const events = new EventLog(`${dir}/events`);
    const w = await startWayrtc(['--source=virtual', `--size=${W}x${H}`, '--listen=127.0.0.1:0',
      '--', 'sh', '-c', `exec ${patternBin} --keysyms > ${dir}/events`]);
    running.push(w);

    firefox = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      acceptInsecureCerts: true,
      userDataDir: tmpDir('wayrtc-firefox-profile-'),
      extraPrefsFirefox: {
        // offline as shipped: no plugin downloads (OpenH264 is one), no updates
        'media.gmp-manager.updateEnabled': false,
        'media.gmp-gmpopenh264.enabled': false,
        'app.update.enabled': false,
        // autoplay of the muted video without a gesture
        'media.autoplay.default': 0,
      },
    });
    const page = await firefox.newPage();
    await page.setViewport({ width: 1000, height: 600 });
    await page.goto(w.url);
    await page.waitForFunction(videoPlays, { timeout: 30000, polling: 100 });
    const size = await page.evaluate(() => {
      const v = document.getElementById('screen');
      return { width: v.videoWidth, height: v.videoHeight };
    });
    assert.deepEqual(size, { width: W, height: H });
    await w.waitForLog(/: vp8 video/, 5000);
    // the pattern's quadrants, decoded by Firefox
    const px = await samplePixels(page, [[0.25, 0.25]]);
    assert.ok(px[0][0] > 150 && px[0][1] < 100, `top left is red in Firefox: ${px[0]}`);

    await page.waitForFunction(() => window.wayrtc.channels?.input === 'open',
      { timeout: 15000, polling: 50 });
    const p = await pointAt(page, 100, 80);
    await page.mouse.click(p.x, p.y);
    await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
    await page.keyboard.type('yz');
    await events.waitFor(new RegExp(`^key ${KEY_Y} pressed y$`));
    await events.waitFor(new RegExp(`^key ${KEY_Z} pressed z$`));

    // a second viewer, Chromium, at the same time: H.264 4:4:4 from its own encode
    chromium = await launchBrowser();
    const cpage = await chromium.newPage({ viewport: { width: 1000, height: 600 } });
    await cpage.goto(w.url);
    await cpage.waitForFunction(videoPlays, null, { timeout: 30000, polling: 100 });
    await w.waitForLog(/: h264-444 video/, 5000);
    await w.waitForLog(/encoding h264-444 with/, 5000);
    await w.waitForLog(/encoding vp8 with/, 5000);
    // Firefox still drives the desktop while Chromium watches
    await page.keyboard.type('y');
    await events.waitFor(new RegExp(`^key ${KEY_Y} pressed y$`));
    assert.ok(!/encoding h264 with/.test(w.log.join('')), 'nobody chose 4:2:0 H.264');
    await cpage.close();
    await page.close();
    await stop(w.child);
  });

// The virtual desktop fits Firefox's window too (--size=auto, VP8): its page says its size
// and the desktop and the picture follow, a resize included.
test('Firefox: the virtual desktop takes the window\'s size and follows it',
  { skip: !fs.existsSync(FIREFOX) && `${FIREFOX} is not installed` }, async () => {
    const dir = tmpDir('wayrtc-firefox-fit-');
    const events = new EventLog(`${dir}/events`);
    const w = await startWayrtc(['--source=virtual', '--listen=127.0.0.1:0', '--', 'sh', '-c',
      `exec ${patternBin} > ${dir}/events`]);
    running.push(w);
    const page = await firefox.newPage();
    const size = (want) => page.waitForFunction(([vw, vh]) => {
      const v = document.getElementById('screen');
      return v && v.videoWidth === vw && v.videoHeight === vh;
    }, { timeout: 15000, polling: 50 }, want);
    await page.setViewport({ width: 900, height: 600 });
    await page.goto(w.url);
    await page.waitForFunction(videoPlays, { timeout: 30000, polling: 100 });
    await size([900, 600]);
    await events.waitFor(/^configured 900x600$/);
    await page.setViewport({ width: 700, height: 500 });
    await size([700, 500]);
    await events.waitFor(/^configured 700x500$/);
    const px = await samplePixels(page, [[0.25, 0.25], [0.75, 0.75]]);
    assert.ok(px[0][0] > 150 && px[0][1] < 100, `top left is red: ${px[0]}`);
    assert.ok(px[1].every((c) => c > 150), `bottom right is white: ${px[1]}`);
    await page.close();
    await stop(w.child);
  });
