// Encoder of the "input" data channel's binary messages (docs/input.md); the server's
// decoder is src/input/message.c. Every function returns a Uint8Array ready for
// RTCDataChannel.send(), or null when the event cannot be expressed (it is then dropped).
// Little-endian throughout; keys travel as KeyboardEvent.code, so the desktop's own
// keyboard layout decides which character a key types. Also the pure parts of the page's
// input: where a pointer lands on the picture, and which modifier keys must go down or up
// before a key so the desktop's modifiers match the event's.

export const TYPE_POINTER_MOVE = 1;
export const TYPE_BUTTON = 2;
export const TYPE_WHEEL = 3;
export const TYPE_KEY = 4;
export const TYPE_TEXT = 5;
export const TYPE_RELEASE_ALL = 6;

export const POSITION_MAX = 65535; // a normalised position of 1.0
export const CODE_MAX = 32; // bytes of a KeyboardEvent.code
export const TEXT_MAX = 256; // bytes of UTF-8 in one text message
export const V120 = 120; // one wheel notch

// WheelEvent.deltaMode values, sent along so the server knows notches from pixels.
export const WHEEL_PIXEL = 0;
export const WHEEL_LINE = 1;
export const WHEEL_PAGE = 2;
// How many of the browser's units make one notch: Chromium scrolls 100 px a notch on
// Linux and Windows, Firefox 3 lines.
const PIXELS_PER_NOTCH = 100;
const LINES_PER_NOTCH = 3;
const INT16_MAX = 32767;

const utf8 = new TextEncoder();

function clamp(v, lo, hi) {
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : lo;
}

// x, y in 0..1 over the shared desktop (see normalisedPosition).
export function encodePointerMove(x, y) {
  const b = new Uint8Array(5);
  const v = new DataView(b.buffer);
  b[0] = TYPE_POINTER_MOVE;
  v.setUint16(1, Math.round(clamp(x, 0, 1) * POSITION_MAX), true);
  v.setUint16(3, Math.round(clamp(y, 0, 1) * POSITION_MAX), true);
  return b;
}

// button: MouseEvent.button (0 left, 1 middle, 2 right, 3 back, 4 forward).
export function encodeButton(button, pressed) {
  if (!Number.isInteger(button) || button < 0 || button > 4) return null;
  return Uint8Array.of(TYPE_BUTTON, button, pressed ? 1 : 0);
}

// From WheelEvent.deltaX/deltaY/deltaMode; deltas become 1/120 notches.
export function encodeWheel(deltaX, deltaY, deltaMode) {
  let perNotch;
  if (deltaMode === WHEEL_LINE) perNotch = LINES_PER_NOTCH;
  else if (deltaMode === WHEEL_PAGE) perNotch = 1;
  else if (deltaMode === WHEEL_PIXEL) perNotch = PIXELS_PER_NOTCH;
  else return null;
  const dx = Math.round(clamp((deltaX * V120) / perNotch, -INT16_MAX, INT16_MAX));
  const dy = Math.round(clamp((deltaY * V120) / perNotch, -INT16_MAX, INT16_MAX));
  if (dx === 0 && dy === 0) return null;
  const b = new Uint8Array(6);
  const v = new DataView(b.buffer);
  b[0] = TYPE_WHEEL;
  v.setInt16(1, dx, true);
  v.setInt16(3, dy, true);
  b[5] = deltaMode;
  return b;
}

// code: KeyboardEvent.code ("KeyA", "ShiftLeft", …); "" and "Unidentified" are dropped.
export function encodeKey(code, pressed) {
  if (typeof code !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(code) || code === 'Unidentified')
    return null;
  const b = new Uint8Array(3 + code.length);
  b[0] = TYPE_KEY;
  b[1] = pressed ? 1 : 0;
  b[2] = code.length;
  for (let i = 0; i < code.length; i++) b[3 + i] = code.charCodeAt(i);
  return b;
}

// Text with no key of its own (an IME or compose result, a paste typed out): one
// message per TEXT_MAX bytes, never splitting a character. Returns an array.
export function encodeText(text) {
  const out = [];
  let chunk = [];
  let bytes = 0;
  const flush = () => {
    if (!bytes) return;
    const body = utf8.encode(chunk.join(''));
    const b = new Uint8Array(3 + body.length);
    b[0] = TYPE_TEXT;
    new DataView(b.buffer).setUint16(1, body.length, true);
    b.set(body, 3);
    out.push(b);
    chunk = [];
    bytes = 0;
  };
  for (const ch of String(text)) {
    // lone surrogates would not be valid UTF-8, NUL is refused by the server
    if (ch === '\0' || (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff')) continue;
    const n = utf8.encode(ch).length;
    if (bytes + n > TEXT_MAX) flush();
    chunk.push(ch);
    bytes += n;
  }
  flush();
  return out;
}

// Let go of every key and button the server holds for us (blur, visibility change).
export function encodeReleaseAll() {
  return Uint8Array.of(TYPE_RELEASE_ALL);
}

// A pointer event's place on the desktop, 0..1 each way, for a <video> that shows it
// with object-fit: contain (bars around it). Over the bars: null, or with `clamp` the
// nearest edge, so a drag that leaves the picture keeps its button on the desktop.
export function normalisedPosition(clientX, clientY, video, clamp = false) {
  const r = video.getBoundingClientRect();
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh || !r.width || !r.height) return null;
  const scale = Math.min(r.width / vw, r.height / vh);
  const w = vw * scale;
  const h = vh * scale;
  const x = (clientX - r.left - (r.width - w) / 2) / w;
  const y = (clientY - r.top - (r.height - h) / 2) / h;
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  if (x >= 0 && x <= 1 && y >= 0 && y <= 1) return { x, y };
  if (!clamp) return null;
  return { x: Math.min(1, Math.max(0, x)), y: Math.min(1, Math.max(0, y)) };
}

// -- modifiers -------------------------------------------------------------------------
// Each key event says which modifiers the browser believes are down (shiftKey, …); the
// desktop only knows the modifier keys we sent. They part when an on-screen keyboard, a
// remote desktop inside a remote desktop or a test driver flags a key as shifted without
// a Shift keydown, or when a modifier's keydown or keyup went elsewhere (held before the
// page had focus, let go where the page never saw it). syncModifiers() says which
// modifier keys to press or release first so the desktop holds what the event says.
// A press we made up (one the browser never sent) is released again once the keys that
// went down under it are up, unless the browser sends the modifier's own keyup first.

// The keys that hold each modifier the events report; we press the first (left) one.
const SHIFT = ['ShiftLeft', 'ShiftRight'];
const CONTROL = ['ControlLeft', 'ControlRight'];
const ALT = ['AltLeft', 'AltRight'];
const META = ['MetaLeft', 'MetaRight', 'OSLeft', 'OSRight']; // OS*: Firefox before 118
export const MODIFIER_CODES = new Set([...SHIFT, ...CONTROL, ...ALT, ...META]);

// The modifiers a key event reports. AltGraph (ISO_Level3_Shift, which layouts with an
// AltGr put on the right Alt) is apart from altKey: Linux browsers report it alone, Windows
// may set ctrlKey and altKey along with it (AltGr is Ctrl+Alt there).
export function eventModifiers(ev) {
  let altGraph = false;
  try {
    altGraph = !!ev.getModifierState?.('AltGraph');
  } catch {
    // a synthetic event without the method: no AltGr
  }
  return {
    shift: !!ev.shiftKey, control: !!ev.ctrlKey, alt: !!ev.altKey, meta: !!ev.metaKey,
    altGraph,
  };
}

// mods: eventModifiers() of the event; code: its KeyboardEvent.code; pressed: keydown or
// keyup; held: the codes the desktop holds for us (read only); made: Map of the modifier
// codes we pressed on our own → Set of the codes that went down under each (read only).
// Returns { steps: [[code, pressed], …] to send before the event's own key, made: the new
// map }. On a keyup only releases are made: a press there would change nothing typed.
export function syncModifiers(mods, code, pressed, held, made) {
  const steps = [];
  const next = new Map([...made].map(([m, owners]) => [m, new Set(owners)]));
  const want = (codes, on, press, canPress = true) => {
    // the event is this modifier's own key: trust it, whatever its flags say
    if (codes.includes(code)) return;
    // on a keyup, what we made up for this key goes up after it (releaseMadeModifiers)
    const down = codes.filter((c) => held.has(c) && (pressed || !made.get(c)?.has(code)));
    if (on && !down.length && canPress && pressed) {
      steps.push([press, true]);
      next.set(press, new Set());
    } else if (!on) {
      for (const c of down) {
        steps.push([c, false]);
        next.delete(c);
      }
    }
  };
  want(SHIFT, mods.shift, 'ShiftLeft');
  // Windows reports AltGr as Ctrl+Alt as well: with AltGraph those two are not pressed
  want(CONTROL, mods.control, 'ControlLeft', !mods.altGraph);
  if (!ALT.includes(code)) {
    // the right Alt is Alt or AltGr, as the desktop's layout has it: either flag keeps it
    if (mods.altGraph) want(['AltRight'], true, 'AltRight');
    else want(ALT, mods.alt, 'AltLeft');
  }
  want(META, mods.meta, 'MetaLeft');
  if (pressed) {
    // the browser's own keydown of a modifier we made up: it is real now, its keyup comes
    next.delete(code);
    // every modifier we made up that stays down now covers this key too
    for (const owners of next.values()) owners.add(code);
  }
  return { steps, made: next };
}

// After `code` went up: the made-up modifiers no key needs any more, to release now
// (steps), and the new map. A made-up modifier that itself went up is forgotten.
export function releaseMadeModifiers(code, made) {
  const steps = [];
  const next = new Map();
  for (const [m, owners] of made) {
    if (m === code) continue;
    const rest = new Set(owners);
    rest.delete(code);
    if (owners.size && !rest.size) steps.push([m, false]);
    else next.set(m, rest);
  }
  return { steps, made: next };
}
