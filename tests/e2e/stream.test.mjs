// The thin path, end to end: wayrtc starts its virtual desktop with the pattern client in
// it; Chromium opens the printed link and must show that pattern, live, at the right size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, expectPattern, patternBin, tryUpgrade,
  tokenOf,
} from './lib.mjs';

let wayrtc;
let browser;

before(async () => {
  wayrtc = await startWayrtc(['--source=virtual', '--size=640x480',
    '--listen=127.0.0.1:0', '--', patternBin]);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  const code = await stop(wayrtc?.child);
  assert.equal(code, 0, 'wayrtc exits cleanly on SIGTERM');
});

test('the printed link shows the virtual desktop with the pattern', async () => {
  assert.match(wayrtc.url, /^https:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+\.[\w-]+\.[\w-]+$/);
  const page = await browser.newPage();
  await page.goto(wayrtc.url);
  const size = await waitForVideo(page);
  assert.deepEqual(size, { width: 640, height: 480 });
  await expectPattern(page, assert);
  const state = await page.evaluate(() => window.wayrtc.state);
  assert.equal(state, 'playing');
  await page.close();
});

test('two viewers watch at once', async () => {
  const [a, b] = await Promise.all([browser.newPage(), browser.newPage()]);
  await Promise.all([a.goto(wayrtc.url), b.goto(wayrtc.url)]);
  for (const page of [a, b]) {
    assert.deepEqual(await waitForVideo(page), { width: 640, height: 480 });
    await expectPattern(page, assert);
  }
  await Promise.all([a.close(), b.close()]);
});

test('a page with a bad token says so in words', async () => {
  const page = await browser.newPage();
  const u = new URL(wayrtc.url);
  await page.goto(`${u.origin}/#token=not.a.token`);
  await page.waitForFunction(() => window.wayrtc.state === 'refused', null, { timeout: 10000 });
  const text = await page.textContent('#status');
  assert.match(text, /link|token/i);
  await page.close();
});

// Last: its failed attempts count against this address's rate limit.
test('the WebSocket refuses a missing token, a wrong token and a foreign origin', async () => {
  const u = new URL(wayrtc.url);
  const origin = `https://${u.host}`;
  const token = tokenOf(wayrtc.url);
  const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.equal(await tryUpgrade(wayrtc.url, { origin, protocols: ['wayrtc'] }), 401);
  assert.equal(await tryUpgrade(wayrtc.url, { origin, protocols: ['wayrtc', `token.${forged}`] }),
    401);
  assert.equal(await tryUpgrade(wayrtc.url, {
    origin: 'https://evil.example', protocols: ['wayrtc', `token.${token}`],
  }), 403);
  assert.equal(await tryUpgrade(wayrtc.url, { protocols: ['wayrtc', `token.${token}`] }), 403);
  // and the real thing is let in
  assert.equal(await tryUpgrade(wayrtc.url, { origin, protocols: ['wayrtc', `token.${token}`] }),
    101);
});

// Last of all: it ends the share.
test('stopping wayrtc tells the viewer why, keeps the last picture, and comes back with it', async () => {
  const page = await browser.newPage();
  await page.goto(wayrtc.url);
  await waitForVideo(page);
  assert.equal(await stop(wayrtc.child), 0);
  await page.waitForFunction(() => window.wayrtc.state === 'ended', null, { timeout: 10000 });
  assert.match(await page.textContent('#status'), /share has ended: wayrtc was stopped/);
  assert.match(await page.textContent('#status button'), /Reconnect/);
  // the last picture stays, dimmed, not a black screen
  const still = await page.evaluate(() => {
    const c = document.getElementById('still');
    const px = c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data;
    return { hidden: c.hidden, width: c.width, height: c.height, lit: px[0] + px[1] + px[2] };
  });
  assert.deepEqual([still.hidden, still.width, still.height], [false, 640, 480]);
  assert.ok(still.lit > 0, 'the kept picture is the pattern, not black');
  // wayrtc again, same key and port: the page plays again without a reload
  const port = new URL(wayrtc.url).port;
  wayrtc = await startWayrtc(['--source=virtual', '--size=640x480',
    `--listen=127.0.0.1:${port}`, '--', patternBin], {
    env: { XDG_STATE_HOME: `${wayrtc.home}/state`, XDG_CONFIG_HOME: `${wayrtc.home}/config` },
  });
  await page.waitForFunction(() => window.wayrtc.state === 'playing', null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => document.getElementById('still').hidden), true);
  await page.close();
});
