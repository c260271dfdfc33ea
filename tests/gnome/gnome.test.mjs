// wayrtc --source=portal on a real headless GNOME 43 (tests/gnome/gnome-stack.sh): mutter's
// screen cast and remote desktop behind xdg-desktop-portal-gnome, its GTK 4 consent
// dialog answered through AT-SPI (consent.py) as assistive technology would, the
// pattern client fullscreen in the session, and headless Chromium as the viewer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, expectPattern, waitForControl, pointAt,
  EventLog, tokenOf, expectKeysAndShift,
} from '../e2e/lib.mjs';

const dir = process.env.WAYRTC_GNOME_DIR;
const asUser = (process.env.WAYRTC_GNOME_AS_USER ?? '').split(' ').filter((a) => a);
const events = new EventLog(process.env.WAYRTC_GNOME_CLIENT_OUT ?? '/nonexistent');
const skip = !dir && 'needs tests/gnome/gnome-stack.sh';
const W = 1280;
const H = 720;
const BTN_LEFT = 272;
let browser;
let states = 0;
const running = [];

after(async () => {
  await browser?.close();
  for (const w of running) await stop(w.child);
});

// A state directory of the stack's user's own (wayrtc runs as that user).
function stateDir() {
  const d = path.join(dir, 'home', `wayrtc-${++states}`);
  execFileSync(asUser[0] ?? 'mkdir', [...asUser.slice(1), ...(asUser.length ? ['mkdir'] : []),
    '-p', '-m', '0700', d]);
  return d;
}

// Answers the dialog through AT-SPI; resolves with consent.py's exit code and words.
function consent(...args) {
  const argv = [...asUser, '/usr/bin/python3', process.env.WAYRTC_GNOME_CONSENT, ...args];
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let words = '';
  child.stderr.on('data', (d) => { words += d; });
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve({ code, words }));
  });
}

// The characters the client typed from event line `from` on, once `count` have come or
// nothing more came for 3 s (or `ms` passed); the event log's cursor moves past them.
async function typedSince(from, count, ms) {
  const deadline = Date.now() + ms;
  let typed = '';
  let seen = -1;
  let still = Date.now();
  for (;;) {
    const lines = events.lines();
    typed = lines.slice(from).map((l) => l.match(/^key \d+ pressed (.)$/u)?.[1] ?? '').join('');
    if (lines.length !== seen) {
      seen = lines.length;
      still = Date.now();
    }
    if (typed.length >= count || Date.now() - still > 3000 || Date.now() > deadline) {
      events.cursor = lines.length;
      return typed;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function start(args, state = stateDir()) {
  return startWayrtc(['--source=portal', '--listen=127.0.0.1:0', ...args], {
    bin: process.env.WAYRTC_GNOME_WAYRTC,
    wrap: asUser,
    env: { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, XDG_STATE_HOME: state,
      XDG_CONFIG_HOME: state },
    timeoutMs: 60000,
  });
}

// wayrtc started, the dialog answered with `answer` (consent.py's arguments)
async function share(args, answer, state) {
  const started = start(args, state);
  started.catch(() => {});
  const answered = await consent(...answer);
  assert.equal(answered.code, 0, `the dialog was not answered: ${answered.words}`);
  const w = await started;
  running.push(w);
  browser ??= await launchBrowser();
  return w;
}

test('Cancel in GNOME\'s dialog ends wayrtc with the reason, and nothing is shared',
  { skip }, async () => {
    const started = start([]);
    started.catch(() => {});
    const answered = await consent('cancel');
    assert.equal(answered.code, 0, answered.words);
    await assert.rejects(started, (err) => {
      assert.match(err.message, /exited with 1 before printing a URL/);
      assert.match(err.message, /not allowed in the desktop's dialog/);
      return true;
    });
  });

test('GNOME shows the desktop, the pointer comes beside it, clicks, keys and text land',
  { skip }, async () => {
    const w = await share([], ['share']);
    await w.waitForLog(/the desktop shares node \d+ \(1280x720\) with keyboard and pointer/);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(w.url);
    assert.deepEqual(await waitForVideo(page), { width: W, height: H });
    // the pattern client fills mutter's virtual monitor: its four colours in the picture
    await expectPattern(page, assert);
    await waitForControl(page);

    // the pointer: RemoteDesktop moves it, mutter's cursor metadata brings it back with
    // the client's own image (24x24, hotspot 5, 7)
    let p = await pointAt(page, 300, 200);
    await page.mouse.move(p.x, p.y);
    await page.waitForFunction(() => {
      const c = window.wayrtc.cursor;
      return c && c.visible && Math.abs(c.x - 300) <= 1 && Math.abs(c.y - 200) <= 1 &&
        c.width === 24 && c.height === 24;
    }, null, { timeout: 15000 }).catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify(await page.evaluate(() => window.wayrtc.cursor))}`);
    });
    // a move over the same image: mutter's buffer carries the position alone, and 0,0
    // where the hotspot would be; the image's hotspot stays
    p = await pointAt(page, 320, 230);
    await page.mouse.move(p.x, p.y);
    await page.waitForFunction(() => {
      const c = window.wayrtc.cursor;
      return c && Math.abs(c.x - 320) <= 1 && Math.abs(c.y - 230) <= 1;
    }, null, { timeout: 15000 });
    const cursor = await page.evaluate(() => window.wayrtc.cursor);
    assert.deepEqual([cursor.hotX, cursor.hotY], [5, 7], 'the hotspot of the bitmap\'s buffer');

    // a hand's pace, as a person clicks and types (input sent back to back used to reach
    // mutter reordered by the frontend: docs/portal.md, "Text on GNOME 43")
    p = await pointAt(page, 100, 200);
    await page.mouse.click(p.x, p.y, { delay: 50 });
    const press = await events.waitFor(new RegExp(`^button ${BTN_LEFT} pressed$`));
    const m = events.lastBefore(/^pointer motion (\d+) (\d+)$/, press.line);
    assert.ok(m && Math.abs(Number(m[1]) - 100) <= 1 && Math.abs(Number(m[2]) - 200) <= 1,
      `clicked desktop (100, 200), the client saw ${m ? `(${m[1]}, ${m[2]})` : 'no motion'}`);
    await events.waitFor(new RegExp(`^button ${BTN_LEFT} released$`));

    // headless GNOME has no keyboard until RemoteDesktop's first key makes one: clients
    // bind it only then, and that first key reaches nobody (a real desktop has a keyboard)
    for (let i = 0; ; i++) {
      await page.keyboard.press('Shift', { delay: 30 });
      try {
        await events.waitFor(/^key 42 released$/, 2000);
        break;
      } catch (err) {
        if (i === 4) throw err;
      }
    }
    await expectKeysAndShift(page, events);

    // the text path (an IME, a phone keyboard): mutter types a keysym only where its
    // layout (us) has a key for it, and drops ü and é in silence ("No keycode found for
    // keyval"), so what the layout has is typed and the page says which were not
    await page.focus('#keys');
    await page.keyboard.insertText('züé');
    await events.waitFor(/^key 44 pressed z$/);
    await page.waitForFunction(() => /Not typed: “üé”/.test(
      document.getElementById('status').textContent), null, { timeout: 10000 });
    // a capital through the keysym: mutter adds Shift
    await page.keyboard.insertText('X');
    await events.waitFor(/^key 45 pressed X$/);
    await w.waitForLog(/the desktop's keyboard layout cannot type “üé”/);
    assert.doesNotMatch(events.lines().join('\n'), /pressed [üé]/);

    // 200 characters at once (a paste as keys, an IME's commit), 400 keysym calls: sent
    // back to back the frontend reorders them and mutter loses some, one at a time every
    // one arrives, in order (docs/portal.md, "Text on GNOME 43")
    const phrase = 'The quick brown fox jumps over the lazy dog; PACK MY BOX WITH 5 DOZEN ' +
      'LIQUOR JUGS! 0123456789 (a+b)*c=d? ';
    const text = phrase.repeat(3).slice(0, 200);
    const from = events.lines().length;
    await page.keyboard.insertText(text);
    assert.equal(await typedSince(from, text.length, 150000), text);
    await page.close();
    await stop(w.child);
  });

test('a view-only share remembers GNOME\'s consent: the second start asks nobody',
  { skip }, async () => {
    const state = stateDir();
    const first = await share(['--view-only'], ['share', '--no-control'], state);
    await stop(first.child);
    const second = await start(['--view-only'], state);
    running.push(second);
    assert.doesNotMatch(second.log.join(''), /waiting for the desktop's sharing dialog/,
      'no dialog showed, and none was said to');
    const page = await browser.newPage();
    await page.goto(second.url);
    const size = await waitForVideo(page).catch((err) => {
      throw new Error(`${err.message}; wayrtc said:\n${second.log.join('')}`);
    });
    assert.deepEqual(size, { width: W, height: H });
    await expectPattern(page, assert);
    await page.close();
    await stop(second.child);
  });

// "Allow remote interaction" is off by default: left off, the desktop grants no keyboard or
// pointer, and the link wayrtc prints offers no control it could not give.
test('a share whose remote interaction was left off prints a link without control',
  { skip }, async () => {
    const w = await share([], ['share', '--no-control']);
    await w.waitForLog(/the desktop shares node \d+ \(1280x720\), without input/);
    const claims = JSON.parse(Buffer.from(tokenOf(w.url).split('.')[1], 'base64url'));
    assert.doesNotMatch(claims.scope, /control/);
    assert.match(claims.scope, /view/);
    const page = await browser.newPage();
    await page.goto(w.url);
    assert.deepEqual(await waitForVideo(page), { width: W, height: H });
    assert.ok(!(await page.evaluate(() => window.wayrtc.hello.scope.includes('control'))));
    await page.close();
    await stop(w.child);
  });
