// Remote control from the browser (docs/input.md): opens the data channels the link's
// rights allow and turns this page's pointer, touch, wheel, keyboard and clipboard events
// into their messages. One instance per RTCPeerConnection; close() undoes everything.
// The server checks rights itself; skipping channels here only saves it the work.

import {
  encodePointerMove, encodeButton, encodeWheel, encodeKey, encodeText, encodeReleaseAll,
  normalisedPosition, eventModifiers, syncModifiers, releaseMadeModifiers,
} from './input.js';

export const CLIPBOARD_MAX = 262144; // bytes of UTF-8 in one clipboard message
export const VIEW_ONLY_TEXT = 'View only: this link cannot control the desktop';

// How long a Ctrl+V waits for the browser's paste event before it goes out anyway.
export const PASTE_WAIT_MS = 100;
// How long the V then waits for the clipboard text to leave the browser, so the desktop
// has the new clipboard before it sees the key.
export const CLIPBOARD_DRAIN_MS = 1000;
// Motion is dropped, not queued, once this much is waiting: on a congested link only the
// newest position matters.
const POINTER_BUFFER_MAX = 1024;
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

// Named keys that phone keyboards report with an empty code but a usable key.
const CODE_FOR_KEY = {
  Backspace: 'Backspace', Enter: 'Enter', Tab: 'Tab', Escape: 'Escape', Delete: 'Delete',
  ArrowLeft: 'ArrowLeft', ArrowRight: 'ArrowRight', ArrowUp: 'ArrowUp', ArrowDown: 'ArrowDown',
  Home: 'Home', End: 'End', PageUp: 'PageUp', PageDown: 'PageDown',
};

// MouseEvent.buttons bit of each MouseEvent.button (middle and right swap places).
const BUTTON_BITS = [1, 4, 2, 8, 16];

const utf8 = new TextEncoder();

export function utf8Length(text) {
  return utf8.encode(text).length;
}

// Presses in order, then releases in reverse: what a person's fingers would do.
export function comboMessages(codes) {
  const down = codes.map((c) => encodeKey(c, true));
  const up = codes.map((c) => encodeKey(c, false)).reverse();
  if (down.some((m) => !m)) return [];
  return [...down, ...up];
}

// The code a key event travels as, or null when it belongs to the text path.
export function keyCodeOf(ev) {
  if (ev.code && ev.code !== 'Unidentified') return ev.code;
  return CODE_FOR_KEY[ev.key] || null;
}

// pc: the RTCPeerConnection, before its answer is made; video: the <video> showing the
// desktop; sink: a hidden <textarea> that holds focus for IMEs and phone keyboards;
// stage: the element around the video; scope: the link's rights.
// ui: { notify(text), clipboard(text, copied), owns(target) } — owns() tells key events
// meant for the page's own controls (the menu) from those meant for the desktop.
export function createControl({
  pc, video, sink = null, stage = null, scope = [], ui = {},
  win = globalThis.window, doc = globalThis.document,
}) {
  const state = win.wayrtc || (win.wayrtc = {});
  state.channels = {};
  state.sent = state.sent || 0;
  const canControl = scope.includes('control');
  const canClipboard = scope.includes('clipboard');
  const mac = /Mac|iPhone|iPad/.test(win.navigator?.platform || '');
  const rawMotion = 'onpointerrawupdate' in win;
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
  const pointer = canControl ? openChannel('pointer', { ordered: false, maxRetransmits: 0 })
    : null;
  const clipboard = canClipboard ? openChannel('clipboard') : null;

  const keys = new Set(); // codes the desktop holds down for us
  const underMeta = new Set(); // macOS sends no keyup for keys released while Cmd is down
  // modifier keys we pressed because an event said so, not the browser → the keys under each
  let madeModifiers = new Map();
  const buttons = new Set(); // MouseEvent.button numbers the desktop holds for us
  const outbox = []; // input messages waiting for the rate or for a paste's text, in order
  let holding = false; // a Ctrl+V waits for its clipboard text to go first
  let tokens = RATE_BURST;
  let refilled = now();
  let pumpTimer = 0;
  let pasteTimer = 0;
  let drainTimer = 0;
  let pending = null; // the newest pointer position not yet sent
  let frame = 0;
  let lastClipboardSent = null;
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

  function unhold() {
    holding = false;
    pump();
  }

  // -- pointer ---------------------------------------------------------------------------

  function position(ev) {
    return normalisedPosition(ev.clientX, ev.clientY, video, buttons.size > 0);
  }

  function flushMotion() {
    frame = 0;
    if (!pending) return;
    const p = pending;
    // A drag's path is ordered with its press and release; so is all motion if the
    // unordered channel is not there.
    if (buttons.size || !isOpen(pointer)) {
      pending = null;
      send(encodePointerMove(p.x, p.y));
      return;
    }
    if (pointer.bufferedAmount > POINTER_BUFFER_MAX || !takeToken()) {
      frame = win.requestAnimationFrame(flushMotion);
      return;
    }
    pending = null;
    sendNow(pointer, encodePointerMove(p.x, p.y));
  }

  // Chromium already hands pointermove over once a display frame: send it at once (an
  // animation frame more would add up to 16 ms); only a congested channel coalesces.
  function moveLater(p) {
    pending = p;
    if (!frame) flushMotion();
  }

  // On `input` right before a button or wheel message, so it lands where the pointer is.
  function moveNow(p) {
    pending = null;
    send(encodePointerMove(p.x, p.y));
  }

  // True when the event changed what the desktop holds.
  function setButton(ev, pressed) {
    const b = ev.button;
    const msg = encodeButton(b, pressed);
    if (!msg || buttons.has(b) === pressed) return false;
    const p = position(ev);
    if (!p) return false; // pressed over the bars: not the desktop's
    moveNow(p);
    send(msg);
    if (pressed) {
      buttons.add(b);
      try {
        video.setPointerCapture?.(ev.pointerId);
      } catch {
        // the pointer may already be gone; the release still comes as pointerup
      }
    } else {
      buttons.delete(b);
    }
    return true;
  }

  function releaseButtons() {
    for (const b of buttons) send(encodeButton(b, false));
    buttons.clear();
  }

  function viewOnly() {
    const t = Date.now();
    if (t - viewOnlyShown < VIEW_ONLY_NOTICE_MS) return;
    viewOnlyShown = t;
    ui.notify?.(VIEW_ONLY_TEXT);
  }

  function focusSink() {
    if (sink && doc.activeElement !== sink) sink.focus({ preventScroll: true });
  }

  function onPointerDown(ev) {
    if (!canControl) {
      viewOnly();
      return;
    }
    if (!ev.isPrimary) return; // a second finger: one pointer is all the desktop has
    // A phone's keyboard would pop up on every tap; the menu's Keyboard item asks for it.
    if (ev.pointerType !== 'touch') focusSink();
    setButton(ev, true);
  }

  function onPointerMove(ev) {
    if (!canControl || !ev.isPrimary) return;
    // A second mouse button pressed or released while one is held (a chord) comes as
    // pointermove with that button set.
    if (ev.button >= 0 && ev.button < BUTTON_BITS.length &&
        setButton(ev, (ev.buttons & BUTTON_BITS[ev.button]) !== 0)) return;
    if (rawMotion) return; // it came already, as pointerrawupdate
    const p = position(ev);
    if (p) moveLater(p);
  }

  // Chromium holds pointermove back until the next display frame (up to 16 ms);
  // pointerrawupdate comes as soon as the motion does.
  function onPointerRawUpdate(ev) {
    if (!canControl || !ev.isPrimary || ev.button >= 0) return; // chords: pointermove
    const p = position(ev);
    if (p) moveLater(p);
  }

  function onPointerUp(ev) {
    if (!canControl || !ev.isPrimary) return;
    setButton(ev, false);
  }

  function onPointerCancel(ev) {
    if (canControl && ev.isPrimary) releaseButtons();
  }

  function onWheel(ev) {
    ev.preventDefault(); // neither scroll nor zoom this page
    if (!canControl) return;
    const msg = encodeWheel(ev.deltaX, ev.deltaY, ev.deltaMode);
    const p = position(ev);
    if (!msg || !p) return;
    moveNow(p);
    send(msg);
  }

  // -- keys ------------------------------------------------------------------------------

  function press(code) {
    if (keys.has(code)) return;
    keys.add(code);
    send(encodeKey(code, true));
  }

  function release(code) {
    if (!keys.delete(code)) return;
    underMeta.delete(code);
    send(encodeKey(code, false));
    forgetKey(code);
  }

  // A key is up: the modifiers made up for it that no other key needs go up after it.
  function forgetKey(code) {
    const r = releaseMadeModifiers(code, madeModifiers);
    madeModifiers = r.made;
    for (const [c] of r.steps) release(c);
  }

  // Before a key event goes out, the desktop's modifiers are made to match its flags.
  // Phone keyboards (no code, only a key) leave them alone: their flags mean little.
  function matchModifiers(ev, code, pressed) {
    if (code !== ev.code) return;
    const r = syncModifiers(eventModifiers(ev), code, pressed, keys, madeModifiers);
    madeModifiers = r.made;
    for (const [c, down] of r.steps) {
      if (down) press(c);
      else release(c);
    }
  }

  function tap(code) {
    if (keys.has(code)) return;
    send(encodeKey(code, true));
    send(encodeKey(code, false));
  }

  function pasteDone() {
    win.clearTimeout(pasteTimer);
    win.clearTimeout(drainTimer);
    pasteTimer = 0;
    drainTimer = 0;
    // a later paste must not be ended by this one's drain
    if (clipboard) clipboard.removeEventListener('bufferedamountlow', pasteDone);
    unhold();
  }

  // The V goes out after the paste event has sent the text, or after PASTE_WAIT_MS.
  function awaitPaste() {
    holding = true;
    press('KeyV');
    win.clearTimeout(pasteTimer);
    pasteTimer = win.setTimeout(pasteDone, PASTE_WAIT_MS);
  }

  function onKeyDown(ev) {
    if (!canControl) {
      if (!ui.owns?.(ev.target)) viewOnly();
      return;
    }
    // An IME is composing: its result comes with compositionend.
    if (ev.isComposing || ev.key === 'Process') return;
    if (ui.owns?.(ev.target)) return;
    const code = keyCodeOf(ev);
    if (!code || !encodeKey(code, true)) return; // the text path types it
    if (ev.repeat) {
      ev.preventDefault(); // the desktop repeats keys itself
      return;
    }
    matchModifiers(ev, code, true);
    if (code === 'KeyV' && (ev.ctrlKey || ev.metaKey) && isOpen(clipboard) && !keys.has(code)) {
      awaitPaste(); // no preventDefault: the browser's paste event brings the text
      return;
    }
    ev.preventDefault();
    press(code);
    if (mac && ev.metaKey && !code.startsWith('Meta')) underMeta.add(code);
  }

  function onKeyUp(ev) {
    const code = keyCodeOf(ev);
    if (!code || !keys.has(code)) return; // never pressed here, or already let go
    ev.preventDefault();
    matchModifiers(ev, code, false);
    if (code.startsWith('Meta')) for (const c of [...underMeta].reverse()) release(c);
    release(code);
  }

  function typeText(text) {
    if (!canControl || !text) return;
    for (const msg of encodeText(text)) send(msg);
  }

  // Phone keyboards and IMEs: no usable key events, only text.
  function onBeforeInput(ev) {
    if (ev.isComposing || ev.inputType === 'insertCompositionText') return;
    switch (ev.inputType) {
      case 'insertText':
        typeText(ev.data);
        break;
      case 'insertLineBreak':
      case 'insertParagraph':
        tap('Enter');
        break;
      case 'deleteContentBackward':
        tap('Backspace');
        break;
      case 'deleteContentForward':
        tap('Delete');
        break;
      default:
        break;
    }
    ev.preventDefault(); // the textarea stays empty: what was typed lives on the desktop
  }

  function onCompositionEnd(ev) {
    typeText(ev.data);
    sink.value = '';
  }

  function onInput(ev) {
    if (!ev.isComposing) sink.value = '';
  }

  // -- clipboard -------------------------------------------------------------------------

  function sendClipboard(text) {
    if (!isOpen(clipboard) || !text) return false;
    if (utf8Length(text) > CLIPBOARD_MAX) {
      ui.notify?.('That text is too long for the desktop\'s clipboard (256 KiB at most).');
      return false;
    }
    clipboard.send(text);
    lastClipboardSent = text;
    state.clipboardSent = (state.clipboardSent || 0) + 1;
    return true;
  }

  // The V follows once the text has left the browser (or after CLIPBOARD_DRAIN_MS).
  function pasteAfterDrain() {
    if (!clipboard.bufferedAmount) {
      pasteDone();
      return;
    }
    clipboard.bufferedAmountLowThreshold = 0;
    clipboard.addEventListener('bufferedamountlow', pasteDone, { signal: abort.signal });
    drainTimer = win.setTimeout(pasteDone, CLIPBOARD_DRAIN_MS);
  }

  function onPaste(ev) {
    if (!canControl && !isOpen(clipboard)) return;
    const text = ev.clipboardData ? ev.clipboardData.getData('text/plain') : '';
    ev.preventDefault(); // it goes to the desktop, not into the hidden textarea
    const fromKey = pasteTimer !== 0;
    win.clearTimeout(pasteTimer);
    pasteTimer = 0;
    const sent = sendClipboard(text);
    if (fromKey) {
      if (sent) pasteAfterDrain();
      else pasteDone();
    } else {
      // A paste with no Ctrl+V (a phone's paste button): type it where the cursor is.
      typeText(text);
    }
  }

  function onClipboardMessage(ev) {
    // What the desktop held when this page joined comes as binary (UTF-8), a copy made
    // since as text: only a copy is written over this device's clipboard and announced;
    // the old text is kept in window.wayrtc.clipboard, quietly.
    const atJoin = typeof ev.data !== 'string';
    const text = atJoin ? new TextDecoder().decode(ev.data) : ev.data;
    state.clipboard = text;
    if (atJoin || text === lastClipboardSent) return; // or our own paste coming back
    const report = (copied) => ui.clipboard?.(text, copied);
    const cb = win.navigator?.clipboard;
    if (!cb || !cb.writeText) {
      report(false);
      return;
    }
    cb.writeText(text).then(() => report(true), () => report(false));
  }

  // -- letting go ------------------------------------------------------------------------

  // Nothing may stay held on the desktop once this page cannot see the key come up.
  function releaseAll() {
    pasteDone();
    keys.clear();
    underMeta.clear();
    madeModifiers = new Map();
    buttons.clear();
    pending = null;
    send(encodeReleaseAll());
  }

  function onVisibility() {
    if (doc.visibilityState === 'hidden') releaseAll();
  }

  function preventDefault(ev) {
    ev.preventDefault();
  }

  // Back and forward buttons would leave the page; the middle one would autoscroll.
  function onMouse(ev) {
    ev.preventDefault();
  }

  on(video, 'contextmenu', preventDefault);
  on(stage, 'contextmenu', preventDefault);
  on(video, 'pointerdown', onPointerDown);
  on(video, 'pointermove', onPointerMove);
  if (rawMotion) on(video, 'pointerrawupdate', onPointerRawUpdate);
  on(video, 'pointerup', onPointerUp);
  on(video, 'pointercancel', onPointerCancel);
  on(video, 'wheel', onWheel, { passive: false });
  // mousedown too: no focus leaves the textarea, no text selection, no drag of the video
  on(video, 'mousedown', onMouse);
  on(video, 'mouseup', onMouse);
  on(video, 'auxclick', onMouse);
  on(win, 'keydown', onKeyDown, { capture: true });
  on(win, 'keyup', onKeyUp, { capture: true });
  on(win, 'blur', releaseAll);
  on(win, 'pagehide', releaseAll);
  on(doc, 'visibilitychange', onVisibility);
  on(doc, 'paste', onPaste, { capture: true });
  if (canControl) {
    on(sink, 'beforeinput', onBeforeInput);
    on(sink, 'compositionend', onCompositionEnd);
    on(sink, 'input', onInput);
  }
  on(clipboard, 'message', onClipboardMessage);

  function sendCombo(codes) {
    if (!canControl) return;
    for (const c of codes) keys.delete(c); // the combo lets go of them on the desktop
    for (const msg of comboMessages(codes)) send(msg);
    for (const c of codes) forgetKey(c);
  }

  function typeLongText(text) {
    if (utf8Length(text) > CLIPBOARD_MAX) {
      ui.notify?.('That text is too long to type (256 KiB at most).');
      return;
    }
    typeText(text);
  }

  // A phone's on-screen keyboard is up while the textarea has focus; true when it is.
  function toggleKeyboard() {
    if (!sink) return false;
    if (doc.activeElement === sink) {
      sink.blur();
      return false;
    }
    sink.focus({ preventScroll: true });
    return true;
  }

  function close() {
    releaseAll();
    abort.abort();
    win.cancelAnimationFrame?.(frame);
    win.clearTimeout(pumpTimer);
    for (const ch of [input, pointer, clipboard]) {
      if (!ch) continue;
      ch.close();
      state.channels[ch.label] = 'closed';
    }
  }

  return {
    canControl, canClipboard, sendCombo, typeText: typeLongText, toggleKeyboard, close,
  };
}
