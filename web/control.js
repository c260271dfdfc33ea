// Remote control from the browser (docs/input.md): opens the data channels the link's
// rights allow and turns this page's pointer (web/pointer.js), keyboard (web/keyboard.js)
// and clipboard (web/clipboard.js) events into their messages. Here: the channels, the
// one ordered outbox of `input` with the server's rate limit, and letting go of
// everything. One instance per RTCPeerConnection; close() undoes everything.
// The server checks rights itself; skipping channels here only saves it the work.

import { encodeReleaseAll } from './input.js';
import { createPointer } from './pointer.js';
import { createKeyboard, comboMessages, keyCodeOf } from './keyboard.js';
import {
  createClipboard, CLIPBOARD_MAX, PASTE_WAIT_MS, CLIPBOARD_DRAIN_MS, utf8Length,
} from './clipboard.js';

export {
  CLIPBOARD_MAX, PASTE_WAIT_MS, CLIPBOARD_DRAIN_MS, utf8Length, comboMessages, keyCodeOf,
};

export const VIEW_ONLY_TEXT = 'View only: this link cannot control the desktop';

const VIEW_ONLY_NOTICE_MS = 3000;
// The server drops input over a burst of 500 messages and 2000 a second (src/viewer.c);
// we stay below it, so a long text typed out is slowed down rather than cut short.
const RATE_BURST = 400;
const RATE_PER_SECOND = 1000;
const PUMP_MS = 50;

// Key combinations a browser cannot send itself (the menu offers them).
export const COMBOS = {
  'ctrl-alt-delete': ['ControlLeft', 'AltLeft', 'Delete'],
  'alt-tab': ['AltLeft', 'Tab'],
  'alt-f4': ['AltLeft', 'F4'],
  super: ['MetaLeft'],
  'ctrl-alt-backspace': ['ControlLeft', 'AltLeft', 'Backspace'],
  'print-screen': ['PrintScreen'],
};

// pc: the RTCPeerConnection, before its answer is made; video: the <video> showing the
// desktop; sink: a hidden <textarea> that holds focus for IMEs and phone keyboards;
// stage: the element around the video; scope: the link's rights.
// ui: { notify(text), clipboard(text, copied), owns(target) } — owns() tells key events
// meant for the page's own controls (the menu) from those meant for the desktop.
// zoom: web/zoom.js's (pinch), latch: web/keybar.js's latched modifiers (for the next key,
// click or tap); both optional.
export function createControl({
  pc, video, sink = null, stage = null, scope = [], ui = {}, zoom = null, latch = null,
  win = globalThis.window, doc = globalThis.document,
}) {
  const state = win.wayrtc || (win.wayrtc = {});
  state.channels = {};
  state.sent = state.sent || 0;
  const canControl = scope.includes('control');
  const canClipboard = scope.includes('clipboard');
  const abort = new AbortController();
  const on = (target, type, fn, opts = {}) => {
    if (target) target.addEventListener(type, fn, { ...opts, signal: abort.signal });
  };

  function openChannel(label, options) {
    const ch = pc.createDataChannel(label, options);
    ch.binaryType = 'arraybuffer';
    const report = () => {
      state.channels[label] = ch.readyState;
    };
    report();
    on(ch, 'open', report);
    on(ch, 'closing', report);
    on(ch, 'close', () => {
      report();
      releaseAll();
    });
    return ch;
  }

  // Created before the answer, so they open in-band (DCEP) as soon as SCTP is up.
  const input = canControl ? openChannel('input') : null;
  const pointerChannel = canControl ? openChannel('pointer', { ordered: false, maxRetransmits: 0 })
    : null;
  const clipboardChannel = canClipboard ? openChannel('clipboard') : null;

  const outbox = []; // input messages waiting for the rate or for a paste's text, in order
  let holding = false; // a Ctrl+V waits for its clipboard text to go first
  let tokens = RATE_BURST;
  let refilled = now();
  let pumpTimer = 0;
  let viewOnlyShown = 0;

  const isOpen = (ch) => !!ch && ch.readyState === 'open';

  function now() {
    return win.performance ? win.performance.now() : Date.now();
  }

  // True when the server's rate limit has room for one more message.
  function takeToken() {
    const t = now();
    tokens = Math.min(RATE_BURST, tokens + ((t - refilled) * RATE_PER_SECOND) / 1000);
    refilled = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  function sendNow(ch, msg) {
    if (!msg || !isOpen(ch)) return false;
    ch.send(msg);
    state.sent += 1;
    return true;
  }

  function pump() {
    while (!holding && outbox.length && takeToken()) sendNow(input, outbox.shift());
    if (!holding && outbox.length && !pumpTimer) {
      pumpTimer = win.setTimeout(() => {
        pumpTimer = 0;
        pump();
      }, PUMP_MS);
    }
  }

  // Everything on `input` goes through here, so order survives a paste and the rate.
  function send(msg) {
    if (!msg) return;
    outbox.push(msg);
    pump();
  }

  const out = {
    send,
    sendNow,
    takeToken,
    isOpen,
    hold() {
      holding = true;
    },
    unhold() {
      holding = false;
      pump();
    },
  };

  function viewOnly() {
    const t = Date.now();
    if (t - viewOnlyShown < VIEW_ONLY_NOTICE_MS) return;
    viewOnlyShown = t;
    ui.notify?.(VIEW_ONLY_TEXT);
  }

  function focusSink() {
    if (sink && doc.activeElement !== sink) sink.focus({ preventScroll: true });
  }

  const clipboard = createClipboard({
    win, doc, channel: clipboardChannel, out, canControl,
    typeText: (text) => keyboard.typeText(text),
    ui, state, signal: abort.signal, on,
  });
  const keyboard = createKeyboard({
    win, doc, sink, out, canControl, ui, viewOnly, paste: clipboard, on, latch,
  });
  const pointer = createPointer({
    win, video, channel: pointerChannel, out, canControl, viewOnly, focusSink, on, zoom, latch,
  });

  // Nothing may stay held on the desktop once this page cannot see the key come up.
  function releaseAll() {
    clipboard.forget();
    keyboard.forget();
    pointer.forget();
    send(encodeReleaseAll());
  }

  function onVisibility() {
    if (doc.visibilityState === 'hidden') releaseAll();
  }

  function preventDefault(ev) {
    ev.preventDefault();
  }

  on(video, 'contextmenu', preventDefault);
  on(stage, 'contextmenu', preventDefault);
  on(win, 'blur', releaseAll);
  on(win, 'pagehide', releaseAll);
  on(doc, 'visibilitychange', onVisibility);

  function typeLongText(text) {
    if (utf8Length(text) > CLIPBOARD_MAX) {
      ui.notify?.('That text is too long to type (256 KiB at most).');
      return;
    }
    keyboard.typeText(text);
  }

  function close() {
    releaseAll();
    abort.abort();
    pointer.close();
    win.clearTimeout(pumpTimer);
    for (const ch of [input, pointerChannel, clipboardChannel]) {
      if (!ch) continue;
      ch.close();
      state.channels[ch.label] = 'closed';
    }
  }

  return {
    canControl, canClipboard, sendCombo: keyboard.sendCombo, typeText: typeLongText,
    toggleKeyboard: keyboard.toggleKeyboard, repoint: pointer.repoint, close,
  };
}
