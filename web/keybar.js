// The key bar: the keys a phone's keyboard lacks (Esc, Tab, arrows) and the modifiers
// (Ctrl, Alt, Super), on screen along the bottom. A modifier is sticky: tapped, it stays
// latched (shown pressed) for the next key, from the bar, the phone's keyboard or a real
// one, and lets go after it; tapped again, it lets go unused. Keys go out as the
// keyboard's do (web/keyboard.js, docs/input.md): key messages on `input`. Shown by default
// on touch screens for a link with `control`; the menu's Key bar item shows and hides it,
// remembered in localStorage.

export const KEYBAR_KEY = 'wayrtc.keybar'; // localStorage: 'on' or 'off'; unset: touch decides

export const BAR_KEYS = [
  { code: 'Escape', label: 'Esc' },
  { code: 'Tab', label: 'Tab' },
  { code: 'ControlLeft', label: 'Ctrl', modifier: true },
  { code: 'AltLeft', label: 'Alt', modifier: true },
  { code: 'MetaLeft', label: 'Super', modifier: true },
  { code: 'ArrowLeft', label: '←', name: 'Left' },
  { code: 'ArrowUp', label: '↑', name: 'Up' },
  { code: 'ArrowDown', label: '↓', name: 'Down' },
  { code: 'ArrowRight', label: '→', name: 'Right' },
];

const MODIFIERS = BAR_KEYS.filter((k) => k.modifier).map((k) => k.code);

// The codes to press, in order, for `code` with the latched modifiers (bar order, so
// Ctrl+Alt always goes down as Ctrl then Alt); released in reverse (comboMessages).
export function withLatched(latched, code) {
  return [...MODIFIERS.filter((m) => latched.has(m) && m !== code), code];
}

// What a character typed on a phone's keyboard is as a key, for a latched modifier to go
// with it (Ctrl+C): the key of the US layout that types it, and whether Shift does.
// null for anything else (it is then typed as text, without the modifier).
const US_SHIFTED = '~!@#$%^&*()_+{}|:"<>?';
const US_PLAIN = '`1234567890-=[]\\;\',./';
const PUNCT_CODES = [
  'Backquote', 'Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5', 'Digit6', 'Digit7', 'Digit8',
  'Digit9', 'Digit0', 'Minus', 'Equal', 'BracketLeft', 'BracketRight', 'Backslash', 'Semicolon',
  'Quote', 'Comma', 'Period', 'Slash',
];
export function keyForChar(ch) {
  if (/^[a-z]$/.test(ch)) return { code: `Key${ch.toUpperCase()}`, shift: false };
  if (/^[A-Z]$/.test(ch)) return { code: `Key${ch}`, shift: true };
  if (ch === ' ') return { code: 'Space', shift: false };
  let i = US_PLAIN.indexOf(ch);
  if (i >= 0) return { code: PUNCT_CODES[i], shift: false };
  i = US_SHIFTED.indexOf(ch);
  // the shifted row lines up with the plain one: ~ is on `'s key, ! on 1's, ? on /'s
  if (i >= 0) return { code: PUNCT_CODES[i], shift: true };
  return null;
}

// element: the bar (#keybar); getControl(): web/control.js's instance or null;
// touch: whether this is a touch screen; onChange(shown): the menu's item and the layout.
export function createKeybar({
  element, getControl, touch = false, storage = globalThis.localStorage, state = {},
  onChange = () => {}, doc = globalThis.document,
}) {
  const latched = new Set();
  const buttons = new Map();
  let allowed = false; // the link has control
  let shown = false;

  function report() {
    state.keybar = { shown, latched: [...latched] };
  }

  function wanted() {
    let v = null;
    try {
      v = storage?.getItem(KEYBAR_KEY) ?? null;
    } catch {
      // storage refused (private mode): the default
    }
    return v === null ? touch : v === 'on';
  }

  function show(on) {
    shown = allowed && on;
    element.hidden = !shown;
    if (!shown) clearLatched();
    report();
    onChange(shown);
  }

  function clearLatched() {
    latched.clear();
    for (const b of buttons.values()) {
      if (b.dataset.modifier) b.setAttribute('aria-pressed', 'false');
    }
    report();
  }

  function press(key) {
    const control = getControl();
    if (key.modifier) {
      if (latched.has(key.code)) latched.delete(key.code);
      else latched.add(key.code);
      buttons.get(key.code).setAttribute('aria-pressed', String(latched.has(key.code)));
      report();
      return;
    }
    if (!control) return;
    control.sendCombo(withLatched(latched, key.code));
    clearLatched();
  }

  for (const key of BAR_KEYS) {
    const b = doc.createElement('button');
    b.type = 'button';
    b.textContent = key.label;
    b.dataset.code = key.code;
    if (key.name) b.setAttribute('aria-label', key.name);
    if (key.modifier) {
      b.dataset.modifier = 'true';
      b.setAttribute('aria-pressed', 'false');
    }
    b.addEventListener('click', () => press(key));
    buttons.set(key.code, b);
    element.append(b);
  }
  // Taps here must not take the focus: the phone's keyboard stays up, keys stay the desktop's.
  element.addEventListener('mousedown', (ev) => ev.preventDefault());
  element.addEventListener('contextmenu', (ev) => ev.preventDefault());
  report();

  return {
    // hello's scope: only a link with control gets the bar
    setAllowed(control) {
      allowed = control;
      show(wanted());
    },
    toggle() {
      const next = !shown;
      try {
        storage?.setItem(KEYBAR_KEY, next ? 'on' : 'off');
      } catch {
        // not remembered, still done
      }
      show(next);
      return shown;
    },
    get shown() {
      return shown;
    },
    // For web/keyboard.js: the modifiers latched for the next key, and that it took them.
    latched: () => [...latched],
    used: clearLatched,
    owns: (target) => element.contains(target),
  };
}
