// web/audio.js (and its item in web/menu.js) against a fake browser that refuses sound
// until a user gesture, as Chromium, Firefox and Safari do: muted playback and a small
// "Click for sound" button meanwhile, the first key, click or touch starting the sound
// while it still reaches the desktop, the Sound item remembered in localStorage, and no
// control at all without an audio track.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAudio, soundWanted, SOUND_KEY, GESTURES } from '../../web/audio.js';
import { createControl } from '../../web/control.js';
import { createMenu } from '../../web/menu.js';
import { encodeKey, encodeButton, encodePointerMove } from '../../web/input.js';

const settle = () => new Promise((r) => setTimeout(r, 0));

// The browser's autoplay rule: sound needs user activation, which an input event gives
// while it is dispatched (and keeps, "sticky", once given); muted playback is always
// allowed. Unmuting a playing element without activation pauses it, as Chromium does.
class FakeBrowser {
  constructor({ activated = false } = {}) {
    this.activated = activated;
  }

  // Dispatches a trusted input event: activation-triggering ones activate the page.
  input(target, ev, activates = true) {
    if (activates) this.activated = true;
    target.dispatchEvent(ev);
    return ev;
  }
}

class FakeAudio extends EventTarget {
  constructor(browser) {
    super();
    this.browser = browser;
    this.paused = true;
    this.srcObject = null;
    this.plays = []; // muted state of each play() call
    this._muted = false;
  }

  get muted() {
    return this._muted;
  }

  set muted(v) {
    if (this._muted === v) return;
    this._muted = v;
    if (!v && !this.paused && !this.browser.activated) this.pause();
    this.dispatchEvent(new Event('volumechange'));
  }

  play() {
    this.plays.push(this.muted);
    if (!this.srcObject) return Promise.reject(new DOMException('no source', 'NotSupportedError'));
    if (!this.muted && !this.browser.activated) {
      return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
    }
    if (this.paused) {
      this.paused = false;
      this.dispatchEvent(new Event('playing'));
    }
    return Promise.resolve();
  }

  pause() {
    if (this.paused) return;
    this.paused = true;
    this.dispatchEvent(new Event('pause'));
  }
}

class FakeStorage {
  constructor(entries = {}) {
    this.map = new Map(Object.entries(entries));
  }

  getItem(k) {
    return this.map.has(k) ? this.map.get(k) : null;
  }

  setItem(k, v) {
    this.map.set(k, String(v));
  }
}

class FakeMediaStream {
  constructor(tracks) {
    this.tracks = tracks;
  }
}

const track = (kind = 'audio') => Object.assign(new EventTarget(), { kind, id: `${kind}-1` });

function element(props = {}) {
  const el = Object.assign(new EventTarget(), { hidden: false, attrs: {}, ...props });
  el.setAttribute = (k, v) => {
    el.attrs[k] = String(v);
  };
  el.getAttribute = (k) => el.attrs[k] ?? null;
  el.closest = () => el; // every target here is a button
  el.contains = (t) => t === el;
  return el;
}

function page({ activated = false, storage = new FakeStorage(), scope = null } = {}) {
  const browser = new FakeBrowser({ activated });
  const win = Object.assign(new EventTarget(), {
    wayrtc: {},
    MediaStream: FakeMediaStream,
    navigator: { platform: 'Linux x86_64' },
    performance: { now: () => 0 },
    setTimeout: () => 0,
    clearTimeout: () => {},
    requestAnimationFrame: () => 0,
    cancelAnimationFrame: () => {},
  });
  const audioEl = new FakeAudio(browser);
  const button = element({ hidden: true });
  const changes = [];
  const audio = createAudio({
    element: audioEl, button, win, storage, onChange: (s) => changes.push(s),
  });
  const p = { browser, win, audioEl, button, changes, audio, storage };
  if (scope) {
    // the desktop's controls on the same page, with their channels open
    const log = [];
    const channels = {};
    const pc = {
      createDataChannel(label) {
        const ch = Object.assign(new EventTarget(), {
          label, readyState: 'open', bufferedAmount: 0, send: (m) => log.push([label, [...m]]),
          close() {},
        });
        channels[label] = ch;
        return ch;
      },
    };
    p.video = Object.assign(new EventTarget(), {
      videoWidth: 800, videoHeight: 600, setPointerCapture() {},
      getBoundingClientRect: () => ({ left: 0, top: 0, width: 800, height: 600 }),
    });
    p.doc = Object.assign(new EventTarget(), { visibilityState: 'visible', activeElement: null });
    p.control = createControl({ pc, video: p.video, scope, win, doc: p.doc });
    p.sent = log;
  }
  return p;
}

// A click on one of the menu's items, as the panel's handler sees it.
const clickOn = (panel, item) => {
  const ev = new Event('click');
  Object.defineProperty(ev, 'target', { value: item });
  panel.dispatchEvent(ev);
};

const key = (type, code) => Object.assign(new Event(type, { cancelable: true }),
  { code, key: code, isComposing: false, repeat: false });
const pointer = (type, more = {}) => Object.assign(new Event(type, { cancelable: true }), {
  clientX: 400, clientY: 300, button: 0, buttons: 1, pointerId: 1, pointerType: 'mouse',
  isPrimary: true, ...more,
});

test('autoplay refused: a button asks; the first key starts sound and reaches the desktop', async () => {
  const p = page({ scope: ['view', 'control'] });
  const t = track();
  p.audio.attach(t);
  assert.deepEqual(p.audioEl.srcObject.tracks, [t], 'the <audio> holds the sound alone');
  await settle();
  assert.deepEqual(p.audioEl.plays, [false, true], 'with sound first, then muted');
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: true });
  assert.equal(p.button.hidden, false, '"Click for sound" is shown');

  const down = p.browser.input(p.win, key('keydown', 'KeyA'));
  p.browser.input(p.win, key('keyup', 'KeyA'), false);
  assert.deepEqual(p.sent, [['input', [...encodeKey('KeyA', true)]],
    ['input', [...encodeKey('KeyA', false)]]], 'the key went to the desktop as usual');
  assert.equal(down.defaultPrevented, true, 'web/control.js still owns the key');
  await settle();
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: false });
  assert.equal(p.audioEl.muted, false);
  assert.equal(p.button.hidden, true, 'the button is gone once sound plays');

  const plays = p.audioEl.plays.length;
  p.browser.input(p.win, key('keydown', 'KeyB'));
  p.browser.input(p.win, pointer('pointerdown'));
  assert.equal(p.audioEl.plays.length, plays, 'no more gestures are listened to');
});

test('a click on the desktop starts the sound and is not swallowed', async () => {
  const p = page({ scope: ['view', 'control'] });
  p.audio.attach(track());
  await settle();
  // After the page's own capture listeners, the event goes on (to web/control.js's, on the
  // video in a real page): nothing stops or cancels it.
  const seen = [];
  for (const type of GESTURES) {
    p.win.addEventListener(type, (ev) => seen.push([type, ev.defaultPrevented]));
  }
  const ev = p.browser.input(p.win, pointer('pointerdown'));
  assert.deepEqual(seen, [['pointerdown', false]]);
  assert.equal(ev.defaultPrevented, false);
  p.browser.input(p.video, pointer('pointerdown'));
  p.browser.input(p.video, pointer('pointerup', { buttons: 0 }));
  assert.deepEqual(p.sent, [
    ['input', [...encodePointerMove(0.5, 0.5)]], ['input', [...encodeButton(0, true)]],
    ['input', [...encodePointerMove(0.5, 0.5)]], ['input', [...encodeButton(0, false)]],
  ]);
  await settle();
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: false });
  assert.equal(p.button.hidden, true);
});

test('a touch starts it on lifting the finger (a touch\'s pointerdown does not activate)', async () => {
  const p = page();
  p.audio.attach(track());
  await settle();
  p.browser.input(p.win, pointer('pointerdown', { pointerType: 'touch' }), false);
  await settle();
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: true },
    'refused again without activation: still muted, still playing');
  assert.equal(p.button.hidden, false, 'and the button stays');
  p.browser.input(p.win, new Event('touchend'));
  await settle();
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: false });
  assert.equal(p.button.hidden, true);
});

test('the button itself works with no pointer events (a screen reader\'s click)', async () => {
  const p = page();
  p.audio.attach(track());
  await settle();
  assert.equal(p.button.hidden, false);
  p.browser.input(p.button, new Event('click'));
  await settle();
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: false });
  assert.equal(p.button.hidden, true);
});

test('where the browser allows sound it plays at once, with no button', async () => {
  const p = page({ activated: true });
  p.audio.attach(track());
  await settle();
  assert.deepEqual(p.audioEl.plays, [false]);
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: false });
  assert.equal(p.button.hidden, true);
  assert.deepEqual(p.changes.at(-1), { available: true, enabled: true });
});

test('the Sound toggle mutes at once, is remembered, and turns back on', async () => {
  const storage = new FakeStorage();
  const p = page({ storage });
  p.audio.attach(track());
  await settle();
  assert.equal(p.button.hidden, false);
  assert.equal(p.audio.toggle(), false);
  await settle();
  assert.equal(storage.getItem(SOUND_KEY), 'off');
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: true });
  assert.equal(p.button.hidden, true, 'sound off: nothing to ask for');
  assert.deepEqual(p.changes.at(-1), { available: true, enabled: false });
  const plays = p.audioEl.plays.length;
  p.browser.input(p.win, key('keydown', 'KeyA'));
  await settle();
  assert.equal(p.audioEl.plays.length, plays, 'a gesture does not bring it back');
  assert.equal(p.win.wayrtc.audio.muted, true);

  // a later visit remembers: silent from the start, no button, no sound asked for
  const again = page({ storage });
  assert.equal(again.audioEl.muted, true);
  again.audio.attach(track());
  await settle();
  assert.deepEqual(again.audioEl.plays, [true]);
  assert.deepEqual(again.win.wayrtc.audio, { track: true, playing: true, muted: true });
  assert.equal(again.button.hidden, true);
  assert.deepEqual(again.changes.at(-1), { available: true, enabled: false });

  // on again, from the menu's click (a gesture)
  again.browser.activated = true;
  assert.equal(again.audio.toggle(), true);
  await settle();
  assert.equal(storage.getItem(SOUND_KEY), 'on');
  assert.deepEqual(again.win.wayrtc.audio, { track: true, playing: true, muted: false });
});

test('the menu\'s Sound item: hidden without sound, pressed as chosen, toggles, stores', async () => {
  const storage = new FakeStorage();
  const items = {
    fullscreen: element(), sound: element({ hidden: true, dataset: { action: 'sound' } }),
    keyboard: element(),
  };
  const panel = element({ hidden: true });
  panel.querySelector = (sel) => items[/data-action="([\w-]+)"/.exec(sel)?.[1]] ?? null;
  panel.querySelectorAll = () => [];
  const notice = element();
  notice.querySelector = () => element();
  const byId = { toolbar: element(), 'menu-toggle': element(), menu: panel, 'clip-notice': notice };
  const doc = Object.assign(new EventTarget(), {
    getElementById: (id) => byId[id], fullscreenEnabled: true,
  });
  const p = page({ storage, activated: true });
  let audio = null;
  const menu = createMenu({
    getControl: () => null, getAudio: () => audio, notify: () => {}, doc, nav: {},
    win: new EventTarget(),
  });
  // the page's wiring (web/app.js): the menu follows the sound's state
  audio = createAudio({ element: new FakeAudio(p.browser), button: element({ hidden: true }),
    win: p.win, storage, onChange: menu.setSound });
  assert.equal(items.sound.hidden, true, 'no track: no Sound item');
  audio.attach(track());
  await settle();
  assert.equal(items.sound.hidden, false);
  assert.equal(items.sound.getAttribute('aria-pressed'), 'true');
  assert.equal(items.sound.textContent, 'Sound: on', 'said in words, not only pressed');
  clickOn(panel, items.sound);
  assert.equal(items.sound.getAttribute('aria-pressed'), 'false');
  assert.equal(items.sound.textContent, 'Sound: off');
  assert.equal(storage.getItem(SOUND_KEY), 'off');
  assert.equal(p.win.wayrtc.audio.muted, true);
  clickOn(panel, items.sound);
  await settle();
  assert.equal(items.sound.getAttribute('aria-pressed'), 'true');
  assert.equal(storage.getItem(SOUND_KEY), 'on');
  assert.equal(p.win.wayrtc.audio.muted, false);
  audio.detach();
  assert.equal(items.sound.hidden, true, 'the track gone (a reconnect): the item goes too');
});

test('no track, no control: nothing shown, nothing listened to, the hook says so', async () => {
  const p = page();
  await settle();
  assert.deepEqual(p.win.wayrtc.audio, { track: false, playing: false, muted: false });
  assert.equal(p.button.hidden, true);
  assert.deepEqual(p.changes, [{ available: false, enabled: true }]);
  p.browser.input(p.win, key('keydown', 'KeyA'));
  p.browser.input(p.win, pointer('pointerdown'));
  await settle();
  assert.deepEqual(p.audioEl.plays, [], 'no track: nothing to play');
  assert.equal(p.button.hidden, true);

  assert.equal(p.browser.activated, true, 'those inputs activated the page for good');
  p.audio.attach(track());
  await settle();
  assert.deepEqual(p.win.wayrtc.audio, { track: true, playing: true, muted: false },
    'so a track that comes later plays at once');
  assert.equal(p.button.hidden, true);
});

test('a track that goes (the connection closes, or it ends) takes the button with it', async () => {
  const p = page();
  const t = track();
  p.audio.attach(t);
  await settle();
  assert.equal(p.button.hidden, false);
  p.audio.detach();
  assert.deepEqual(p.win.wayrtc.audio, { track: false, playing: false, muted: false });
  assert.equal(p.button.hidden, true);
  assert.equal(p.audioEl.srcObject, null);
  assert.deepEqual(p.changes.at(-1), { available: false, enabled: true });
  p.audio.attach(t);
  await settle();
  t.dispatchEvent(new Event('ended'));
  assert.equal(p.win.wayrtc.audio.track, false);
  assert.equal(p.button.hidden, true);
});

test('storage that refuses (private browsing) leaves sound on and throws nothing', async () => {
  const broken = {
    getItem() {
      throw new DOMException('denied', 'SecurityError');
    },
    setItem() {
      throw new DOMException('denied', 'QuotaExceededError');
    },
  };
  assert.equal(soundWanted(broken), true);
  assert.equal(soundWanted(null), true);
  assert.equal(soundWanted(new FakeStorage({ [SOUND_KEY]: 'off' })), false);
  const p = page({ storage: broken, activated: true });
  p.audio.attach(track());
  assert.equal(p.audio.toggle(), false);
  await settle();
  assert.equal(p.win.wayrtc.audio.muted, true);
});
