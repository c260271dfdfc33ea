// web/control.js against a fake page: which channels a scope opens and how, that a click
// lands where the pointer is, motion coalesced per frame, keys without repeats or stray
// releases, the clipboard text before the V of Ctrl+V, and release-all whenever the page
// can no longer see keys come up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createControl, COMBOS, CLIPBOARD_MAX, VIEW_ONLY_TEXT } from '../../web/control.js';
import {
  encodePointerMove, encodeButton, encodeKey, encodeText, encodeWheel, encodeReleaseAll,
} from '../../web/input.js';

class FakeChannel extends EventTarget {
  constructor(label, options, log) {
    super();
    this.label = label;
    this.options = options;
    this.readyState = 'connecting';
    this.bufferedAmount = 0;
    this.log = log;
  }

  send(msg) {
    if (this.readyState !== 'open') throw new Error(`${this.label} is not open`);
    this.log.push([this.label, typeof msg === 'string' ? msg : [...msg]]);
  }

  close() {
    this.readyState = 'closed';
  }

  open() {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  lose() {
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }
}

function event(type, props = {}) {
  return Object.assign(new Event(type, { cancelable: true }), props);
}

const mouse = (type, clientX, clientY, more = {}) => event(type, {
  clientX, clientY, button: 0, buttons: 1, pointerId: 1, pointerType: 'mouse',
  isPrimary: true, ...more,
});
const key = (type, code, more = {}) => event(type, { code, key: code, ...more });

// A page with an 800x600 picture in a box of the given size, and everything recorded.
function page({ scope = ['view', 'control', 'clipboard'], width = 800, height = 600,
  writeText = () => Promise.resolve() } = {}) {
  const log = [];
  const channels = {};
  const frames = [];
  const timers = new Map();
  let timerId = 0;
  const notices = [];
  const clipboards = [];
  const clock = { ms: 0 };
  const doc = Object.assign(new EventTarget(), { visibilityState: 'visible', activeElement: null });
  const win = Object.assign(new EventTarget(), {
    wayrtc: {},
    navigator: { platform: 'Linux x86_64', clipboard: { writeText } },
    performance: { now: () => clock.ms },
    requestAnimationFrame: (cb) => frames.push(cb),
    cancelAnimationFrame: () => {},
    setTimeout: (fn, ms) => {
      timers.set(++timerId, { fn, ms });
      return timerId;
    },
    clearTimeout: (id) => timers.delete(id),
  });
  const video = Object.assign(new EventTarget(), {
    videoWidth: 800,
    videoHeight: 600,
    captured: [],
    getBoundingClientRect: () => ({ left: 0, top: 0, width, height }),
    setPointerCapture(id) {
      this.captured.push(id);
    },
  });
  const sink = Object.assign(new EventTarget(), {
    value: '',
    focus() {
      doc.activeElement = sink;
    },
    blur() {
      doc.activeElement = null;
    },
  });
  const pc = {
    createDataChannel(label, options) {
      assert.equal(channels[label], undefined, `one ${label} channel`);
      channels[label] = new FakeChannel(label, options, log);
      return channels[label];
    },
  };
  const control = createControl({
    pc, video, sink, scope, win, doc,
    ui: { notify: (t) => notices.push(t), clipboard: (t, c) => clipboards.push([t, c]) },
  });
  const openAll = () => Object.values(channels).forEach((ch) => ch.open());
  const runFrames = () => frames.splice(0).forEach((cb) => cb());
  const runTimers = (ms = Infinity) => {
    for (const [id, t] of [...timers]) {
      if (t.ms <= ms) {
        timers.delete(id);
        t.fn();
      }
    }
  };
  const take = () => log.splice(0);
  return {
    log, channels, frames, timers, notices, clipboards, clock, doc, win, video, sink, control,
    openAll, runFrames, runTimers, take,
  };
}

const on = (label, msg) => [label, [...msg]];

test('a controlling link opens input, pointer and clipboard, each as agreed', () => {
  const p = page();
  assert.deepEqual(Object.keys(p.channels).sort(), ['clipboard', 'input', 'pointer']);
  assert.equal(p.channels.input.options, undefined, 'input: ordered and reliable');
  assert.deepEqual(p.channels.pointer.options, { ordered: false, maxRetransmits: 0 });
  assert.equal(p.channels.clipboard.options, undefined, 'clipboard: ordered and reliable');
  for (const ch of Object.values(p.channels)) assert.equal(ch.binaryType, 'arraybuffer');
  assert.deepEqual(p.win.wayrtc.channels,
    { input: 'connecting', pointer: 'connecting', clipboard: 'connecting' });
  p.openAll();
  assert.deepEqual(p.win.wayrtc.channels, { input: 'open', pointer: 'open', clipboard: 'open' });
  assert.equal(p.win.wayrtc.sent, 0);
});

test('rights decide the channels: view only opens none, clipboard alone only clipboard', () => {
  const view = page({ scope: ['view'] });
  assert.deepEqual(Object.keys(view.channels), []);
  assert.equal(view.control.canControl, false);
  view.video.dispatchEvent(mouse('pointerdown', 400, 300));
  assert.deepEqual(view.notices, [VIEW_ONLY_TEXT]);
  const clip = page({ scope: ['view', 'clipboard'] });
  assert.deepEqual(Object.keys(clip.channels), ['clipboard']);
});

test('a click lands where the pointer is: move then button, on input, in order', () => {
  const p = page();
  p.openAll();
  const down = mouse('pointerdown', 400, 150);
  p.video.dispatchEvent(down);
  p.video.dispatchEvent(mouse('pointerup', 400, 150, { buttons: 0 }));
  assert.deepEqual(p.take(), [
    on('input', encodePointerMove(0.5, 0.25)), on('input', encodeButton(0, true)),
    on('input', encodePointerMove(0.5, 0.25)), on('input', encodeButton(0, false)),
  ]);
  assert.deepEqual(p.video.captured, [1], 'the pointer is captured for drags');
  assert.equal(p.doc.activeElement, p.sink, 'a mouse click gives the desktop the keyboard');
  assert.equal(p.win.wayrtc.sent, 4);
});

test('motion goes out at once on pointer (the browser paces it), coalesced only when congested', () => {
  const p = page();
  p.openAll();
  for (const x of [100, 200, 300]) p.video.dispatchEvent(mouse('pointermove', x, 300, {
    button: -1, buttons: 0,
  }));
  assert.deepEqual(p.take(), [100, 200, 300].map((x) => on('pointer',
    encodePointerMove(x / 800, 0.5))), 'each move at once, no wait for a frame');
  assert.equal(p.frames.length, 0, 'no frame asked for');
  p.runFrames();
  assert.deepEqual(p.take(), [], 'no repeats');
  // a congested pointer channel keeps the newest position for later instead of queueing
  p.channels.pointer.bufferedAmount = 1e6;
  p.video.dispatchEvent(mouse('pointermove', 500, 300, { button: -1, buttons: 0 }));
  p.video.dispatchEvent(mouse('pointermove', 600, 300, { button: -1, buttons: 0 }));
  p.runFrames();
  assert.deepEqual(p.take(), []);
  p.channels.pointer.bufferedAmount = 0;
  p.runFrames();
  assert.deepEqual(p.take(), [on('pointer', encodePointerMove(0.75, 0.5))]);
});

test('a drag moves on input with its button, and keeps going over the bars', () => {
  // 800x600 picture in 1600x600: bars 400 px wide left and right
  const p = page({ width: 1600, height: 600 });
  p.openAll();
  p.video.dispatchEvent(mouse('pointerdown', 100, 300));
  assert.deepEqual(p.take(), [], 'a press over the bars is not the desktop\'s');
  p.video.dispatchEvent(mouse('pointerdown', 800, 300));
  p.video.dispatchEvent(mouse('pointermove', 1500, 300, { button: -1 }));
  p.runFrames();
  p.video.dispatchEvent(mouse('pointerup', 1500, 300, { buttons: 0 }));
  assert.deepEqual(p.take(), [
    on('input', encodePointerMove(0.5, 0.5)), on('input', encodeButton(0, true)),
    on('input', encodePointerMove(1, 0.5)),
    on('input', encodePointerMove(1, 0.5)), on('input', encodeButton(0, false)),
  ]);
});

test('a second button pressed during a drag (a chord) is sent; a tap is a left click', () => {
  const p = page();
  p.openAll();
  p.video.dispatchEvent(mouse('pointerdown', 0, 0));
  p.video.dispatchEvent(mouse('pointermove', 0, 0, { button: 2, buttons: 3 }));
  p.video.dispatchEvent(mouse('pointermove', 0, 0, { button: 2, buttons: 1 }));
  assert.deepEqual(p.take().filter(([, m]) => m[0] === 2),
    [on('input', encodeButton(0, true)), on('input', encodeButton(2, true)),
      on('input', encodeButton(2, false))]);

  const t = page();
  t.openAll();
  t.video.dispatchEvent(mouse('pointerdown', 800, 600, { pointerType: 'touch' }));
  t.video.dispatchEvent(mouse('pointerup', 800, 600, { pointerType: 'touch', buttons: 0 }));
  assert.deepEqual(t.take(), [
    on('input', encodePointerMove(1, 1)), on('input', encodeButton(0, true)),
    on('input', encodePointerMove(1, 1)), on('input', encodeButton(0, false)),
  ]);
  assert.equal(t.doc.activeElement, null, 'a tap does not bring up the phone\'s keyboard');
  // a second finger makes it a two-finger gesture (tests/web/touch.test.mjs): no left
  // click; tapped, a right click between the fingers
  t.video.dispatchEvent(mouse('pointerdown', 800, 600, { pointerType: 'touch' }));
  t.video.dispatchEvent(mouse('pointerdown', 10, 10,
    { pointerType: 'touch', isPrimary: false, pointerId: 2 }));
  t.video.dispatchEvent(mouse('pointerup', 800, 600, { pointerType: 'touch', buttons: 0 }));
  t.video.dispatchEvent(mouse('pointerup', 10, 10,
    { pointerType: 'touch', isPrimary: false, pointerId: 2, buttons: 0 }));
  const mid = encodePointerMove(405 / 800, 305 / 600);
  assert.deepEqual(t.take(), [
    on('input', mid), on('input', encodeButton(2, true)),
    on('input', mid), on('input', encodeButton(2, false)),
  ]);
});

test('wheel: move first, then the wheel, and the page does not scroll', () => {
  const p = page();
  p.openAll();
  const ev = mouse('wheel', 200, 300, { deltaX: 0, deltaY: 100, deltaMode: 0 });
  p.video.dispatchEvent(ev);
  assert.ok(ev.defaultPrevented);
  assert.deepEqual(p.take(), [on('input', encodePointerMove(0.25, 0.5)),
    on('input', encodeWheel(0, 100, 0))]);
});

test('the browser\'s context menu never opens over the desktop', () => {
  const p = page({ scope: ['view'] });
  const ev = event('contextmenu');
  p.video.dispatchEvent(ev);
  assert.ok(ev.defaultPrevented);
});

test('keys: code down and up, repeats ignored, strays ignored, text path left alone', () => {
  const p = page();
  p.openAll();
  const down = key('keydown', 'KeyA');
  p.win.dispatchEvent(down);
  assert.ok(down.defaultPrevented, 'no browser shortcut');
  const repeat = key('keydown', 'KeyA', { repeat: true });
  p.win.dispatchEvent(repeat);
  assert.ok(repeat.defaultPrevented);
  p.win.dispatchEvent(key('keyup', 'KeyA'));
  // held since before the page had focus: its repeats are not a press either
  p.win.dispatchEvent(key('keydown', 'KeyQ', { repeat: true }));
  const stray = key('keyup', 'KeyB');
  p.win.dispatchEvent(stray);
  assert.ok(!stray.defaultPrevented);
  const phone = key('keydown', '', { key: 'Unidentified', keyCode: 229 });
  p.win.dispatchEvent(phone);
  assert.ok(!phone.defaultPrevented, 'the textarea gets the character');
  p.win.dispatchEvent(key('keydown', 'KeyS', { key: 'Process' }));
  p.win.dispatchEvent(key('keydown', '', { key: 'Backspace' }));
  assert.deepEqual(p.take(), [
    on('input', encodeKey('KeyA', true)), on('input', encodeKey('KeyA', false)),
    on('input', encodeKey('Backspace', true)),
  ]);
});

test('text from phones and IMEs goes as text messages', () => {
  const p = page();
  p.openAll();
  const typed = event('beforeinput', { inputType: 'insertText', data: 'é' });
  p.sink.dispatchEvent(typed);
  assert.ok(typed.defaultPrevented);
  p.sink.dispatchEvent(event('beforeinput', { inputType: 'deleteContentBackward' }));
  p.sink.value = '日本';
  p.sink.dispatchEvent(event('compositionend', { data: '日本' }));
  assert.equal(p.sink.value, '');
  assert.deepEqual(p.take(), [
    on('input', encodeText('é')[0]),
    on('input', encodeKey('Backspace', true)), on('input', encodeKey('Backspace', false)),
    on('input', encodeText('日本')[0]),
  ]);
});

test('Ctrl+V: the clipboard text first, then the V, then the rest in order', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(key('keydown', 'ControlLeft', { ctrlKey: true }));
  const v = key('keydown', 'KeyV', { ctrlKey: true });
  p.win.dispatchEvent(v);
  assert.ok(!v.defaultPrevented, 'the browser must make its paste event');
  assert.deepEqual(p.take(), [on('input', encodeKey('ControlLeft', true))]);
  const paste = event('paste', { clipboardData: { getData: (t) => (t === 'text/plain' ? 'hello' : '') } });
  p.doc.dispatchEvent(paste);
  assert.ok(paste.defaultPrevented);
  p.win.dispatchEvent(key('keyup', 'KeyV', { ctrlKey: true }));
  p.win.dispatchEvent(key('keyup', 'ControlLeft'));
  assert.deepEqual(p.take(), [
    ['clipboard', 'hello'],
    on('input', encodeKey('KeyV', true)), on('input', encodeKey('KeyV', false)),
    on('input', encodeKey('ControlLeft', false)),
  ]);
  p.runTimers();
  assert.deepEqual(p.take(), [], 'the timer does not send the V twice');
});

test('Ctrl+V: a large paste waits for the text to leave before the V', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(key('keydown', 'KeyV', { ctrlKey: true }));
  p.channels.clipboard.bufferedAmount = 200000;
  p.doc.dispatchEvent(event('paste', { clipboardData: { getData: () => 'x'.repeat(200000) } }));
  p.win.dispatchEvent(key('keyup', 'KeyV'));
  // ctrlKey with no Ctrl keydown: the Ctrl is made up, before the text (modifiers tests)
  assert.deepEqual(p.take().map(([label, m]) => (label === 'input' ? m[0] : label)),
    [4, 'clipboard']);
  p.channels.clipboard.bufferedAmount = 0;
  p.channels.clipboard.dispatchEvent(new Event('bufferedamountlow'));
  assert.deepEqual(p.take(), [on('input', encodeKey('KeyV', true)),
    on('input', encodeKey('KeyV', false)), on('input', encodeKey('ControlLeft', false))]);
});

test('Ctrl+V with no paste event: the V goes anyway after 100 ms, in order', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(key('keydown', 'KeyV', { metaKey: true }));
  p.win.dispatchEvent(key('keyup', 'KeyV'));
  assert.deepEqual(p.take(), [on('input', encodeKey('MetaLeft', true))], 'Cmd, made up');
  p.runTimers(99);
  assert.deepEqual(p.take(), [], 'not before 100 ms');
  p.runTimers(100);
  assert.deepEqual(p.take(), [on('input', encodeKey('KeyV', true)),
    on('input', encodeKey('KeyV', false)), on('input', encodeKey('MetaLeft', false))]);
});

test('Ctrl+V without the clipboard right is just keys', () => {
  const p = page({ scope: ['view', 'control'] });
  p.openAll();
  const v = key('keydown', 'KeyV', { ctrlKey: true });
  p.win.dispatchEvent(v);
  assert.ok(v.defaultPrevented);
  assert.deepEqual(p.take(), [on('input', encodeKey('ControlLeft', true)),
    on('input', encodeKey('KeyV', true))]);
});

test('a paste with no key (a phone\'s paste button) sets the clipboard and types it', () => {
  const p = page();
  p.openAll();
  p.doc.dispatchEvent(event('paste', { clipboardData: { getData: () => 'hi' } }));
  assert.deepEqual(p.take(), [['clipboard', 'hi'], on('input', encodeText('hi')[0])]);
});

test('too much clipboard text is not sent, and the person is told', () => {
  const p = page();
  p.openAll();
  p.doc.dispatchEvent(event('paste', {
    clipboardData: { getData: () => 'é'.repeat(CLIPBOARD_MAX / 2 + 1) },
  }));
  assert.equal(p.take().filter(([label]) => label === 'clipboard').length, 0);
  assert.equal(p.notices.length, 1);
});

for (const [why, act] of [
  ['blur', (p) => p.win.dispatchEvent(event('blur'))],
  ['pagehide', (p) => p.win.dispatchEvent(event('pagehide'))],
  ['hidden', (p) => {
    p.doc.visibilityState = 'hidden';
    p.doc.dispatchEvent(event('visibilitychange'));
  }],
  ['a channel closing', (p) => p.channels.pointer.lose()],
]) {
  test(`release-all on ${why}, and the held key's later keyup is not sent`, () => {
    const p = page();
    p.openAll();
    p.win.dispatchEvent(key('keydown', 'AltLeft'));
    p.video.dispatchEvent(mouse('pointerdown', 10, 10));
    p.take();
    act(p);
    assert.deepEqual(p.take(), [on('input', encodeReleaseAll())]);
    p.win.dispatchEvent(key('keyup', 'AltLeft'));
    p.video.dispatchEvent(mouse('pointerup', 10, 10, { buttons: 0 }));
    assert.deepEqual(p.take(), []);
  });
}

test('the visibility turning visible again releases nothing', () => {
  const p = page();
  p.openAll();
  p.doc.dispatchEvent(event('visibilitychange'));
  assert.deepEqual(p.take(), []);
});

test('combos: presses in order, releases in reverse', () => {
  const p = page();
  p.openAll();
  p.control.sendCombo(COMBOS['ctrl-alt-delete']);
  assert.deepEqual(p.take(), [
    on('input', encodeKey('ControlLeft', true)), on('input', encodeKey('AltLeft', true)),
    on('input', encodeKey('Delete', true)), on('input', encodeKey('Delete', false)),
    on('input', encodeKey('AltLeft', false)), on('input', encodeKey('ControlLeft', false)),
  ]);
  for (const [name, codes] of Object.entries(COMBOS)) {
    for (const c of codes) assert.ok(encodeKey(c, true), `${name}: ${c} is a code`);
  }
  assert.deepEqual(COMBOS.super, ['MetaLeft']);
});

test('the desktop\'s clipboard reaches the page, and our own paste is not announced', async () => {
  let written = null;
  const p = page({ writeText: (t) => { written = t; return Promise.reject(new Error('no')); } });
  p.openAll();
  // what the desktop held when we joined (binary) is kept quietly, not written over our
  // clipboard nor announced on every join
  p.channels.clipboard.dispatchEvent(Object.assign(new Event('message'), {
    data: new TextEncoder().encode('at join').buffer,
  }));
  assert.equal(p.win.wayrtc.clipboard, 'at join');
  assert.equal(written, null, 'the join-time clipboard is not written unasked');
  assert.deepEqual(p.clipboards, []);
  // text copied on the desktop later is written (here the browser refuses)
  p.channels.clipboard.dispatchEvent(Object.assign(new Event('message'), { data: 'from desktop' }));
  assert.equal(p.win.wayrtc.clipboard, 'from desktop');
  assert.equal(written, 'from desktop');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(p.clipboards, [['from desktop', false]]);
  p.doc.dispatchEvent(event('paste', { clipboardData: { getData: () => 'mine' } }));
  p.channels.clipboard.dispatchEvent(Object.assign(new Event('message'), { data: 'mine' }));
  await new Promise((r) => setImmediate(r));
  assert.equal(p.win.wayrtc.clipboard, 'mine');
  assert.equal(p.clipboards.length, 1, 'our own paste coming back is not announced');
});

test('the first copy on a desktop whose clipboard was empty reaches this clipboard', async () => {
  let written = null;
  const p = page({ writeText: (t) => { written = t; return Promise.resolve(); } });
  p.openAll();
  // nothing came at join: the first message is a copy made now
  p.channels.clipboard.dispatchEvent(Object.assign(new Event('message'), { data: 'first' }));
  await new Promise((r) => setImmediate(r));
  assert.equal(written, 'first');
  assert.deepEqual(p.clipboards, [['first', true]]);
});

test('close lets go of everything and stops listening', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(key('keydown', 'ShiftLeft'));
  p.take();
  p.control.close();
  assert.deepEqual(p.take(), [on('input', encodeReleaseAll())]);
  assert.deepEqual(p.win.wayrtc.channels, { input: 'closed', pointer: 'closed', clipboard: 'closed' });
  p.win.dispatchEvent(key('keydown', 'KeyA'));
  assert.deepEqual(p.take(), []);
});

test('nothing is sent before the channels open', () => {
  const p = page();
  p.win.dispatchEvent(key('keydown', 'KeyA'));
  p.video.dispatchEvent(mouse('pointerdown', 10, 10));
  assert.deepEqual(p.take(), []);
  assert.equal(p.win.wayrtc.sent, 0);
});

test('a long text typed out is paced under the server\'s rate limit, keys kept in order', () => {
  const p = page();
  p.openAll();
  p.control.typeText('x'.repeat(256 * 500)); // 500 messages, the server allows a burst of 500
  p.win.dispatchEvent(key('keydown', 'Enter'));
  let sent = p.take();
  assert.equal(sent.length, 400, 'a burst of 400 at once');
  p.clock.ms += 50;
  p.runTimers();
  sent = p.take();
  assert.equal(sent.length, 50, '1000 a second after that');
  p.clock.ms += 1000;
  p.runTimers();
  sent = p.take();
  assert.equal(sent.length, 51);
  assert.deepEqual(sent.at(-1), on('input', encodeKey('Enter', true)), 'the key after the text');
  assert.deepEqual(p.timers.size, 0, 'nothing left to pump');
  // motion waits for the rate too, and is not queued: the newest position goes later
  p.control.typeText('y'.repeat(256 * 400));
  p.take();
  p.video.dispatchEvent(mouse('pointermove', 100, 100, { button: -1, buttons: 0 }));
  p.runFrames();
  assert.deepEqual(p.take(), []);
  p.clock.ms += 1;
  p.runFrames();
  assert.deepEqual(p.take(), [on('pointer', encodePointerMove(0.125, 100 / 600))]);
});

test('Ctrl+V: a clipboard text that does not drain holds the V at most a second', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(key('keydown', 'KeyV', { ctrlKey: true }));
  p.channels.clipboard.bufferedAmount = 5;
  p.doc.dispatchEvent(event('paste', { clipboardData: { getData: () => 'stuck' } }));
  assert.deepEqual(p.take(), [on('input', encodeKey('ControlLeft', true)),
    ['clipboard', 'stuck']]);
  p.runTimers(999);
  assert.deepEqual(p.take(), []);
  p.runTimers(1000);
  assert.deepEqual(p.take(), [on('input', encodeKey('KeyV', true))]);
  // the old drain ends nothing later
  p.win.dispatchEvent(key('keyup', 'KeyV'));
  p.win.dispatchEvent(key('keydown', 'KeyV', { ctrlKey: true }));
  p.take();
  p.channels.clipboard.dispatchEvent(new Event('bufferedamountlow'));
  assert.deepEqual(p.take(), [], 'the second V still waits for its paste');
});

// -- modifiers: the desktop holds what each key event says is down ------------------------

const keyOn = (code, pressed) => on('input', encodeKey(code, pressed));
// An event as an on-screen keyboard or a driver makes it: flags, but no modifier keydown.
const flagged = (type, code, flags = {}, altGraph = false) => key(type, code, {
  ...flags, getModifierState: (m) => m === 'AltGraph' && altGraph,
});

test('shiftKey with no Shift keydown: Shift goes down first and up after the key', () => {
  const p = page();
  p.openAll();
  const down = flagged('keydown', 'Quote', { key: '"', shiftKey: true });
  p.win.dispatchEvent(down);
  assert.ok(down.defaultPrevented);
  p.win.dispatchEvent(flagged('keyup', 'Quote', { key: '"', shiftKey: true }));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), keyOn('Quote', true),
    keyOn('Quote', false), keyOn('ShiftLeft', false)]);
  // a keyup that no longer says Shift changes nothing: the made-up Shift still follows it
  p.win.dispatchEvent(flagged('keydown', 'KeyH', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'KeyH'));
  p.win.dispatchEvent(flagged('keydown', 'KeyI'));
  p.win.dispatchEvent(flagged('keyup', 'KeyI'));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), keyOn('KeyH', true),
    keyOn('KeyH', false), keyOn('ShiftLeft', false), keyOn('KeyI', true), keyOn('KeyI', false)]);
});

test('Ctrl+C with ctrlKey only: a made-up Ctrl around the C', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(flagged('keydown', 'KeyC', { key: 'c', ctrlKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'KeyC', { key: 'c', ctrlKey: true }));
  assert.deepEqual(p.take(), [keyOn('ControlLeft', true), keyOn('KeyC', true),
    keyOn('KeyC', false), keyOn('ControlLeft', false)]);
});

test('a real Shift held across keys is sent once, and let go by its own keyup', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(flagged('keydown', 'ShiftLeft', { key: 'Shift', shiftKey: true }));
  for (const c of ['KeyA', 'KeyB']) {
    p.win.dispatchEvent(flagged('keydown', c, { shiftKey: true }));
    p.win.dispatchEvent(flagged('keyup', c, { shiftKey: true }));
  }
  p.win.dispatchEvent(flagged('keyup', 'ShiftLeft', { key: 'Shift' }));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), keyOn('KeyA', true),
    keyOn('KeyA', false), keyOn('KeyB', true), keyOn('KeyB', false), keyOn('ShiftLeft', false)]);
  // Ctrl held with Shift: each held once, each let go by its own keyup, in the order given
  p.win.dispatchEvent(flagged('keydown', 'ControlLeft', { ctrlKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'ShiftRight', { ctrlKey: true, shiftKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'KeyT', { ctrlKey: true, shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'KeyT', { ctrlKey: true, shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'ControlLeft', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'ShiftRight'));
  assert.deepEqual(p.take(), [keyOn('ControlLeft', true), keyOn('ShiftRight', true),
    keyOn('KeyT', true), keyOn('KeyT', false), keyOn('ControlLeft', false),
    keyOn('ShiftRight', false)]);
});

test('a modifier key\'s own event is trusted, whatever its flags say', () => {
  const p = page();
  p.openAll();
  // GTK-style: the press of Shift reports the state before it, the release the state with it
  p.win.dispatchEvent(flagged('keydown', 'ShiftLeft'));
  p.win.dispatchEvent(flagged('keyup', 'ShiftLeft', { shiftKey: true }));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), keyOn('ShiftLeft', false)]);
  // the browser's own Shift keyup comes before the key's: the made-up Shift is its
  p.win.dispatchEvent(flagged('keydown', 'Digit1', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'ShiftLeft'));
  p.win.dispatchEvent(flagged('keyup', 'Digit1'));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), keyOn('Digit1', true),
    keyOn('ShiftLeft', false), keyOn('Digit1', false)]);
  // and its own keydown makes it real: it stays down after the key, until its keyup
  p.win.dispatchEvent(flagged('keydown', 'KeyA', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'ShiftLeft', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'KeyA', { shiftKey: true }));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), keyOn('KeyA', true),
    keyOn('KeyA', false)]);
  p.win.dispatchEvent(flagged('keyup', 'ShiftLeft'));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', false)]);
});

test('a modifier let go where the page did not see it is released before the next key', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(flagged('keydown', 'ShiftLeft', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'AltLeft', { shiftKey: true, altKey: true }));
  p.take();
  // both keyups went elsewhere (no blur came): the next key says neither is down
  p.win.dispatchEvent(flagged('keydown', 'KeyA'));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', false), keyOn('AltLeft', false),
    keyOn('KeyA', true)]);
  // their late keyups, if any, are not sent again
  p.win.dispatchEvent(flagged('keyup', 'ShiftLeft'));
  p.win.dispatchEvent(flagged('keyup', 'KeyA'));
  assert.deepEqual(p.take(), [keyOn('KeyA', false)]);
  // a keyup that says Ctrl is up lets go of a real Ctrl before the key's release
  p.win.dispatchEvent(flagged('keydown', 'ControlLeft', { ctrlKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'KeyS', { ctrlKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'KeyS'));
  assert.deepEqual(p.take(), [keyOn('ControlLeft', true), keyOn('KeyS', true),
    keyOn('ControlLeft', false), keyOn('KeyS', false)]);
});

test('Shift held while the page was away: released on blur, made up again on return', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(flagged('keydown', 'ShiftLeft', { shiftKey: true }));
  p.win.dispatchEvent(event('blur'));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), on('input', encodeReleaseAll())]);
  // focus is back, Shift is still held: its keydown came while we were away
  p.win.dispatchEvent(flagged('keydown', 'KeyA', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'KeyA', { shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'ShiftLeft'));
  assert.deepEqual(p.take(), [keyOn('ShiftLeft', true), keyOn('KeyA', true),
    keyOn('KeyA', false), keyOn('ShiftLeft', false)]);
  // released while away: nothing to do, the page let go on blur
  p.win.dispatchEvent(flagged('keydown', 'ControlLeft', { ctrlKey: true }));
  p.win.dispatchEvent(event('blur'));
  p.take();
  p.win.dispatchEvent(flagged('keydown', 'KeyB'));
  assert.deepEqual(p.take(), [keyOn('KeyB', true)]);
});

test('AltGraph: the right Alt, made up once; Windows\' Ctrl+Alt beside it is not', () => {
  const p = page();
  p.openAll();
  // Linux: AltGraph alone
  p.win.dispatchEvent(flagged('keydown', 'KeyQ', { key: '@' }, true));
  p.win.dispatchEvent(flagged('keyup', 'KeyQ', { key: '@' }, true));
  assert.deepEqual(p.take(), [keyOn('AltRight', true), keyOn('KeyQ', true),
    keyOn('KeyQ', false), keyOn('AltRight', false)]);
  // Windows: AltGr is reported as Ctrl+Alt too; only the right Alt is pressed
  const windows = { key: '€', ctrlKey: true, altKey: true };
  p.win.dispatchEvent(flagged('keydown', 'KeyE', windows, true));
  p.win.dispatchEvent(flagged('keyup', 'KeyE', windows, true));
  assert.deepEqual(p.take(), [keyOn('AltRight', true), keyOn('KeyE', true),
    keyOn('KeyE', false), keyOn('AltRight', false)]);
  // a real AltGr held: not pressed twice, and kept
  p.win.dispatchEvent(flagged('keydown', 'AltRight', { key: 'AltGraph' }, true));
  p.win.dispatchEvent(flagged('keydown', 'KeyQ', { key: '@' }, true));
  p.win.dispatchEvent(flagged('keyup', 'KeyQ', { key: '@' }, true));
  p.win.dispatchEvent(flagged('keyup', 'AltRight', { key: 'AltGraph' }));
  assert.deepEqual(p.take(), [keyOn('AltRight', true), keyOn('KeyQ', true),
    keyOn('KeyQ', false), keyOn('AltRight', false)]);
  // a right Alt that is plain Alt (layout us) counts as Alt: no left Alt is made up
  p.win.dispatchEvent(flagged('keydown', 'AltRight', { key: 'Alt', altKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'F4', { altKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'F4', { altKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'AltRight', { key: 'Alt' }));
  assert.deepEqual(p.take(), [keyOn('AltRight', true), keyOn('F4', true), keyOn('F4', false),
    keyOn('AltRight', false)]);
});

test('modifier matching leaves the text, IME, phone and paste paths alone', () => {
  const p = page();
  p.openAll();
  // an IME composing, with Shift flagged: nothing, as before
  p.win.dispatchEvent(flagged('keydown', 'KeyA', { key: 'Process', shiftKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'KeyA', { isComposing: true, shiftKey: true }));
  // a phone's key with no code: its flags are not followed
  p.win.dispatchEvent(flagged('keydown', '', { key: 'Backspace', shiftKey: true }));
  p.win.dispatchEvent(flagged('keyup', '', { key: 'Backspace', shiftKey: true }));
  p.win.dispatchEvent(flagged('keydown', 'Unidentified', { key: 'Enter', ctrlKey: true }));
  p.win.dispatchEvent(flagged('keyup', 'Unidentified', { key: 'Enter', ctrlKey: true }));
  // text from the textarea, and "paste as keystrokes"
  p.sink.dispatchEvent(event('beforeinput', { inputType: 'insertText', data: 'É' }));
  p.control.typeText('"Hi!"');
  assert.deepEqual(p.take(), [keyOn('Backspace', true), keyOn('Backspace', false),
    keyOn('Enter', true), keyOn('Enter', false),
    on('input', encodeText('É')[0]), on('input', encodeText('"Hi!"')[0])]);
  // Ctrl+V with ctrlKey only: the Ctrl, then the text, then the V, then the Ctrl's release
  p.win.dispatchEvent(flagged('keydown', 'KeyV', { ctrlKey: true }));
  p.doc.dispatchEvent(event('paste', { clipboardData: { getData: () => 'pasted' } }));
  p.win.dispatchEvent(flagged('keyup', 'KeyV', { ctrlKey: true }));
  assert.deepEqual(p.take(), [keyOn('ControlLeft', true), ['clipboard', 'pasted'],
    keyOn('KeyV', true), keyOn('KeyV', false), keyOn('ControlLeft', false)]);
});

test('a menu combination over a made-up modifier leaves nothing held', () => {
  const p = page();
  p.openAll();
  p.win.dispatchEvent(flagged('keydown', 'KeyX', { ctrlKey: true }));
  p.take();
  p.control.sendCombo(COMBOS['ctrl-alt-delete']);
  p.win.dispatchEvent(flagged('keyup', 'KeyX'));
  // the combination let go of the Ctrl; the X's release does not send it again
  assert.deepEqual(p.take(), [
    keyOn('ControlLeft', true), keyOn('AltLeft', true), keyOn('Delete', true),
    keyOn('Delete', false), keyOn('AltLeft', false), keyOn('ControlLeft', false),
    keyOn('KeyX', false),
  ]);
});
