// Touch as on a tablet (docs/input.md, "Touch"): fingers on the picture become what the
// desktop understands. Pure: fed touch points with their times, it returns actions, and
// says when it wants to be asked again (a long press is a finger that did *not* move);
// web/pointer.js turns the actions into input messages and web/zoom.js's view.
//
//   one finger   tap: left click · held still LONG_PRESS_MS: right click · moved: a left
//                drag on the desktop, or, while the view is zoomed in, panning the view
//                (a touch that starts right after a tap drags even then: tap-and-drag)
//   two fingers  tapped (down and up within TWO_TAP_MS, neither moved): a right click
//                between them · moved together: the wheel, both axes, the content
//                following the fingers · pinched: the view zooms about the fingers and
//                follows their centre
//
// Nothing reaches the desktop until the touch is known to be a tap, a hold or a drag, so
// a second finger never leaves a stray click behind.

export const TAP_SLOP_PX = 10; // CSS px a finger may wander and still tap or hold
export const LONG_PRESS_MS = 500;
export const TAP_DRAG_MS = 300; // a touch this soon after a tap drags, zoomed or not
export const TAP_DRAG_PX = 40; // … and this near it
export const PINCH_SLOP_PX = 16; // change of the fingers' distance that makes a pinch
export const SCROLL_SLOP_PX = 8; // motion of their centre that makes a scroll
export const TWO_TAP_MS = 400; // from the first finger down to the first up: a two-finger tap

const dist = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
const centre = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

// Actions (coordinates are the events' client coordinates, CSS px):
//   {type: 'press'|'release', button, x, y}  button: 0 left, 2 right, pressed at (x, y)
//   {type: 'move', x, y}                     the pointer, while a drag holds the button
//   {type: 'scroll', dx, dy, x, y}           the fingers' centre moved by (dx, dy) at (x, y)
//   {type: 'pinch', ratio, x, y, dx, dy}     zoom by ratio about (x, y), then move by (dx, dy)
//   {type: 'pan', dx, dy}                    move the zoomed view by (dx, dy)
// zoomed(): whether the view is zoomed in now (one finger pans it rather than dragging).
export function createGestures({ zoomed = () => false } = {}) {
  const fingers = new Map(); // id → {x, y}, every finger down
  // idle | pending (one finger, not yet known) | drag | pan | held (long press done) |
  // two (pending, scroll or pinch) | rest (wait until every finger is up)
  let mode = 'idle';
  let first = null; // {id, x0, y0, t0}
  // {a, b, kind: null|'scroll'|'pinch', d0, c0, d, c, t0: the first finger's down or null
  // when the two cannot tap (the first one was panning)}
  let two = null;
  let lastTap = null; // {t, x, y}

  function reset() {
    mode = fingers.size ? 'rest' : 'idle';
    first = null;
    two = null;
  }

  function startTwo(ids) {
    const [a, b] = ids;
    const pa = fingers.get(a);
    const pb = fingers.get(b);
    const d = dist(pa, pb);
    const c = centre(pa, pb);
    two = { a, b, kind: null, d0: d, c0: c, d, c, t0: mode === 'pending' ? first.t0 : null };
    mode = 'two';
    first = null;
  }

  function moveTwo() {
    const pa = fingers.get(two.a);
    const pb = fingers.get(two.b);
    const d = dist(pa, pb);
    const c = centre(pa, pb);
    if (!two.kind) {
      // the first clear sign decides, for the rest of this touch
      if (Math.abs(d - two.d0) > PINCH_SLOP_PX) two.kind = 'pinch';
      else if (dist(c, two.c0) > SCROLL_SLOP_PX) two.kind = 'scroll';
      else return [];
      // what moved before it was clear counts too
      two.d = two.d0;
      two.c = two.c0;
    }
    const prev = two.c;
    const ratio = two.d > 0 && d > 0 ? d / two.d : 1;
    two.d = d;
    two.c = c;
    const dx = c.x - prev.x;
    const dy = c.y - prev.y;
    if (two.kind === 'scroll') return dx || dy ? [{ type: 'scroll', dx, dy, x: c.x, y: c.y }] : [];
    return [{ type: 'pinch', ratio, x: prev.x, y: prev.y, dx, dy }];
  }

  function down(id, x, y, t) {
    fingers.set(id, { x, y });
    if (mode === 'idle') {
      mode = 'pending';
      first = { id, x0: x, y0: y, t0: t };
      return [];
    }
    // a second finger before the first was anything, or while it pans: two fingers
    if ((mode === 'pending' || mode === 'pan') && fingers.size === 2) {
      startTwo([...fingers.keys()]);
    }
    return []; // a drag keeps its one finger; a third finger is nothing
  }

  function move(id, x, y) {
    const f = fingers.get(id);
    if (!f) return [];
    const dx = x - f.x;
    const dy = y - f.y;
    if (!dx && !dy) return [];
    f.x = x;
    f.y = y;
    if (mode === 'two') return id === two.a || id === two.b ? moveTwo() : [];
    if (!first || id !== first.id) return [];
    if (mode === 'drag') return [{ type: 'move', x, y }];
    if (mode === 'pan') return [{ type: 'pan', dx, dy }];
    if (mode !== 'pending' || Math.hypot(x - first.x0, y - first.y0) <= TAP_SLOP_PX) return [];
    const tapDrag = lastTap && first.t0 - lastTap.t <= TAP_DRAG_MS &&
      Math.hypot(first.x0 - lastTap.x, first.y0 - lastTap.y) <= TAP_DRAG_PX;
    if (zoomed() && !tapDrag) {
      mode = 'pan';
      return [{ type: 'pan', dx: x - first.x0, dy: y - first.y0 }];
    }
    mode = 'drag';
    return [
      { type: 'press', button: 0, x: first.x0, y: first.y0 },
      { type: 'move', x, y },
    ];
  }

  function up(id, x, y, t) {
    const out = [];
    if (fingers.has(id) && x !== undefined) out.push(...move(id, x, y, t));
    fingers.delete(id);
    if (mode === 'pending' && first?.id === id) {
      const at = { x: first.x0, y: first.y0 };
      lastTap = { t, ...at };
      out.push({ type: 'press', button: 0, ...at }, { type: 'release', button: 0, ...at });
    } else if (mode === 'drag' && first?.id === id) {
      const f = { x: x ?? first.x0, y: y ?? first.y0 };
      out.push({ type: 'release', button: 0, ...f });
    } else if ((mode === 'drag' || mode === 'pan' || mode === 'held') && first?.id !== id) {
      return out; // a finger that was never part of it
    } else if (mode === 'two' && id !== two.a && id !== two.b) {
      return out;
    } else if (mode === 'two' && !two.kind && two.t0 !== null && t - two.t0 <= TWO_TAP_MS) {
      // the first of two still fingers lifted soon: a right click where they were
      const at = { x: two.c0.x, y: two.c0.y };
      out.push({ type: 'press', button: 2, ...at }, { type: 'release', button: 2, ...at });
    }
    if (mode !== 'idle') reset();
    return out;
  }

  // The finger went to the browser (pointercancel): a held button is let go.
  function cancel(id) {
    if (!fingers.has(id)) return [];
    const out = mode === 'drag' && first?.id === id
      ? [{ type: 'release', button: 0, x: fingers.get(id).x, y: fingers.get(id).y }] : [];
    fingers.delete(id);
    reset();
    return out;
  }

  // The time has come for a finger that stayed still: a right click where it is.
  function tick(t) {
    if (mode !== 'pending' || t - first.t0 < LONG_PRESS_MS) return [];
    mode = 'held';
    const at = { x: first.x0, y: first.y0 };
    return [{ type: 'press', button: 2, ...at }, { type: 'release', button: 2, ...at }];
  }

  return {
    down,
    move,
    up,
    cancel,
    tick,
    // when tick() should be called next, or null
    deadline: () => (mode === 'pending' ? first.t0 + LONG_PRESS_MS : null),
    get mode() {
      return mode;
    },
  };
}
