// The keyboard half of remote control (web/control.js): key events become key messages by
// KeyboardEvent.code, with the desktop's modifiers kept matching each event's flags;
// phone keyboards and IMEs, which give text rather than keys, become text messages
// (docs/input.md). Everything goes in order on `input`, through control.js's outbox.

import {
  encodeKey, encodeText, eventModifiers, syncModifiers, releaseMadeModifiers, MODIFIER_CODES,
} from './input.js';
import { keyForChar } from './keybar.js';

// Named keys that phone keyboards report with an empty code but a usable key.
const CODE_FOR_KEY = {
  Backspace: 'Backspace', Enter: 'Enter', Tab: 'Tab', Escape: 'Escape', Delete: 'Delete',
  ArrowLeft: 'ArrowLeft', ArrowRight: 'ArrowRight', ArrowUp: 'ArrowUp', ArrowDown: 'ArrowDown',
  Home: 'Home', End: 'End', PageUp: 'PageUp', PageDown: 'PageDown',
};

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

// out: control.js's { send }; sink: the hidden textarea for IMEs and phone keyboards;
// ui.owns(target): the page's own controls keep their keys; viewOnly(): tells the person
// this link cannot control; paste: web/clipboard.js's { wanted(), begin() } for a Ctrl+V
// whose text goes to the desktop's clipboard first; on(target, type, fn, opts): adds a
// listener that control.js removes on close. latch: web/keybar.js's { latched(), used() },
// the modifiers tapped on the key bar for the next key, or null.
export function createKeyboard({
  win, doc, sink, out, canControl, ui, viewOnly, paste, on, latch = null,
}) {
  const mac = /Mac|iPhone|iPad/.test(win.navigator?.platform || '');
  const keys = new Set(); // codes the desktop holds down for us
  const underMeta = new Set(); // macOS sends no keyup for keys released while Cmd is down
  // modifier keys we pressed because an event said so, not the browser → the keys under each
  let madeModifiers = new Map();

  function press(code) {
    if (keys.has(code)) return;
    keys.add(code);
    out.send(encodeKey(code, true));
  }

  function release(code) {
    if (!keys.delete(code)) return;
    underMeta.delete(code);
    out.send(encodeKey(code, false));
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
  function matchModifiers(ev, code, pressed, extra = {}) {
    if (code !== ev.code && !Object.keys(extra).length) return;
    const mods = eventModifiers(ev);
    for (const m of Object.keys(extra)) mods[m] = true;
    const r = syncModifiers(mods, code, pressed, keys, madeModifiers);
    madeModifiers = r.made;
    for (const [c, down] of r.steps) {
      if (down) press(c);
      else release(c);
    }
  }

  // The key bar's latched modifiers as event flags, for the next key that is not one.
  const LATCH_FLAGS = { ControlLeft: 'control', AltLeft: 'alt', MetaLeft: 'meta' };
  function latchedFlags(code) {
    if (!latch || MODIFIER_CODES.has(code)) return {};
    const flags = {};
    for (const c of latch.latched()) if (LATCH_FLAGS[c]) flags[LATCH_FLAGS[c]] = true;
    return flags;
  }

  function tap(code) {
    if (keys.has(code)) return;
    if (latch?.latched().length) {
      sendCombo([...latch.latched(), code]);
      latch.used();
      return;
    }
    out.send(encodeKey(code, true));
    out.send(encodeKey(code, false));
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
    const extra = latchedFlags(code);
    matchModifiers(ev, code, true, extra);
    if (Object.keys(extra).length) latch.used(); // the made-up presses go up after the key
    if (code === 'KeyV' && (ev.ctrlKey || ev.metaKey) && paste.wanted() && !keys.has(code)) {
      // The V goes out after the paste event has sent the text (web/clipboard.js).
      paste.begin();
      press('KeyV');
      return; // no preventDefault: the browser's paste event brings the text
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
    // Ctrl latched on the key bar, then c on the phone's keyboard: Ctrl+C, a key; the
    // server's text path would type the character without the modifier.
    const key = latch?.latched().length && [...text].length === 1 ? keyForChar(text) : null;
    if (key) {
      const mods = latch.latched();
      latch.used();
      sendCombo([...mods, ...(key.shift ? ['ShiftLeft'] : []), key.code]);
      return;
    }
    for (const msg of encodeText(text)) out.send(msg);
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

  function sendCombo(codes) {
    if (!canControl) return;
    for (const c of codes) keys.delete(c); // the combo lets go of them on the desktop
    for (const msg of comboMessages(codes)) out.send(msg);
    for (const c of codes) forgetKey(c);
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

  on(win, 'keydown', onKeyDown, { capture: true });
  on(win, 'keyup', onKeyUp, { capture: true });
  if (canControl) {
    on(sink, 'beforeinput', onBeforeInput);
    on(sink, 'compositionend', onCompositionEnd);
    on(sink, 'input', onInput);
  }

  return {
    typeText,
    sendCombo,
    toggleKeyboard,
    // The desktop lets go of everything (control.js sends the one message that says so).
    forget() {
      keys.clear();
      underMeta.clear();
      madeModifiers = new Map();
    },
  };
}
