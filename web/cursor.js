// The desktop's pointer, drawn by the browser (docs/input.md, channel "cursor"): the
// server sends its image and place beside the video, so the pointer moves at input speed,
// not at the video's. Over the video, with control, the browser itself draws the desktop's
// pointer image as the local cursor (CSS `cursor`); elsewhere, and for a view-only link, an
// overlay shows where the desktop's pointer is. Decoding and the geometry are pure, for tests.

export const TYPE_POSITION = 1;
export const TYPE_IMAGE = 2;
export const POSITION_LEN = 10; // 01, i32 x, i32 y, u8 visible
export const IMAGE_HEADER_LEN = 9; // 02, u16 w, u16 h, i16 hot_x, i16 hot_y
export const IMAGE_MAX = 128; // pixels a side; browsers refuse larger CSS cursors

// One message (an ArrayBuffer or a typed array), little-endian, exact length, or null.
export function decodeCursorMessage(data) {
  const b = data instanceof ArrayBuffer ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length === POSITION_LEN && b[0] === TYPE_POSITION && b[9] <= 1) {
    return { type: 'position', x: v.getInt32(1, true), y: v.getInt32(5, true), visible: b[9] === 1 };
  }
  if (b.length < IMAGE_HEADER_LEN || b[0] !== TYPE_IMAGE) return null;
  const width = v.getUint16(1, true);
  const height = v.getUint16(3, true);
  if (!width || !height || width > IMAGE_MAX || height > IMAGE_MAX) return null;
  if (b.length !== IMAGE_HEADER_LEN + width * height * 4) return null;
  return {
    type: 'image',
    width,
    height,
    hotX: v.getInt16(5, true),
    hotY: v.getInt16(7, true),
    rgba: new Uint8ClampedArray(b.slice(IMAGE_HEADER_LEN)),
  };
}

// A PNG data URL of the image (the CSP allows data: images, not blob: ones).
export function imageDataUrl(image, doc = globalThis.document) {
  const canvas = doc.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  const pixels = ctx.createImageData(image.width, image.height);
  pixels.data.set(image.rgba);
  ctx.putImageData(pixels, 0, 0);
  return canvas.toDataURL('image/png');
}

// The CSS `cursor` value; browsers ignore a hotspot outside the image, so it is clamped.
export function cssCursor(url, image) {
  const hx = Math.min(image.width - 1, Math.max(0, image.hotX));
  const hy = Math.min(image.height - 1, Math.max(0, image.hotY));
  return `url("${url}") ${hx} ${hy}, default`;
}

// Where the overlay goes, in client pixels, for a pointer at (x, y) frame pixels with
// its image, over a <video> letterboxed with object-fit: contain (the same mapping as
// web/input.js normalisedPosition, the other way round); null while there is no picture.
export function overlayBox(cursor, video) {
  const r = video.getBoundingClientRect();
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh || !r.width || !r.height) return null;
  const scale = Math.min(r.width / vw, r.height / vh);
  const left = r.left + (r.width - vw * scale) / 2;
  const top = r.top + (r.height - vh * scale) / 2;
  return {
    left: left + (cursor.x - cursor.hotX) * scale,
    top: top + (cursor.y - cursor.hotY) * scale,
    width: cursor.width * scale,
    height: cursor.height * scale,
  };
}

// pc: the RTCPeerConnection (the channel must exist before the answer); stage: where the
// overlay goes; canControl: whether this link's pointer is the desktop's.
export function createCursor({
  pc, video, stage = null, canControl = false,
  win = globalThis.window, doc = globalThis.document,
}) {
  const state = win.wayrtc || (win.wayrtc = {});
  state.channels = state.channels || {};
  const cursor = { x: 0, y: 0, visible: false, width: 0, height: 0, hotX: 0, hotY: 0 };
  state.cursor = cursor;
  const abort = new AbortController();
  const on = (target, type, fn) => {
    if (target) target.addEventListener(type, fn, { signal: abort.signal });
  };
  let placed = false; // a position came
  let over = false; // a mouse or pen is over the video (touch leaves no pointer behind)

  const overlay = doc.createElement('img');
  overlay.className = 'remote-cursor';
  overlay.alt = '';
  overlay.hidden = true;
  (stage || doc.body).appendChild(overlay);

  // Ordered and reliable: an image must not be lost, and positions are coalesced by the
  // server, never queued.
  const ch = pc.createDataChannel('cursor');
  ch.binaryType = 'arraybuffer';
  const report = () => {
    state.channels.cursor = ch.readyState;
  };
  report();

  function render() {
    const box = placed && cursor.visible && cursor.width && (!canControl || !over)
      ? overlayBox(cursor, video) : null;
    overlay.hidden = !box;
    if (!box) return;
    overlay.style.left = `${box.left}px`;
    overlay.style.top = `${box.top}px`;
    overlay.style.width = `${box.width}px`;
    overlay.style.height = `${box.height}px`;
  }

  function onMessage(ev) {
    if (typeof ev.data === 'string') return;
    const msg = decodeCursorMessage(ev.data);
    if (!msg) return;
    if (msg.type === 'image') {
      const url = imageDataUrl(msg, doc);
      Object.assign(cursor, { width: msg.width, height: msg.height, hotX: msg.hotX, hotY: msg.hotY });
      overlay.src = url;
      // A watcher's own mouse moves nothing: it keeps the browser's pointer, and the
      // overlay alone shows the desktop's.
      if (canControl) video.style.cursor = cssCursor(url, msg);
    } else {
      Object.assign(cursor, { x: msg.x, y: msg.y, visible: msg.visible });
      placed = true;
    }
    render();
  }

  const pointerIn = (ev) => {
    const now = ev.pointerType !== 'touch';
    if (now === over) return;
    over = now;
    render();
  };
  const pointerOut = () => {
    if (!over) return;
    over = false;
    render();
  };

  on(ch, 'open', report);
  on(ch, 'closing', report);
  on(ch, 'close', report);
  on(ch, 'message', onMessage);
  on(video, 'pointerenter', pointerIn);
  on(video, 'pointermove', pointerIn);
  on(video, 'pointerleave', pointerOut);
  on(video, 'resize', render);
  on(win, 'resize', render);

  function close() {
    abort.abort();
    ch.close();
    state.channels.cursor = 'closed';
    overlay.remove();
    video.style.cursor = '';
  }

  return { close, render, overlay, channel: ch };
}
