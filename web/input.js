// Encoder of the "input" data channel's binary messages (docs/input.md); the server's
// decoder is src/input/message.c. Every function returns a Uint8Array ready for
// RTCDataChannel.send(), or null when the event cannot be expressed (it is then dropped).
// Little-endian throughout; keys travel as KeyboardEvent.code, so the desktop's own
// keyboard layout decides which character a key types.

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
