// Moving around a picture bigger than the window with a mouse (web/zoom.js's 1:1 or a
// zoom step on a desktop that keeps its size): scroll bars along the bottom and right
// edges, their thumbs dragged like any scroll bar's, and edge panning: the mouse held
// near an edge of the window, past a short pause, moves the view that way, faster the
// nearer it is, so what lies beyond comes into reach (as in VNC viewers). The wheel stays
// the desktop's. Touch pans with one finger instead (web/gesture.js). The geometry is
// pure, for tests.

export const EDGE_PX = 24; // CSS px from the window's edge where panning starts
export const EDGE_DELAY_MS = 250; // a mouse passing through (to the menu) does not pan
export const EDGE_SPEED = 1.2; // CSS px a millisecond at the very edge

// The picture's extent along one axis of the box: where it starts, how long it is.
function extent(view, content) {
  return {
    x: { start: content.left * view.scale + view.x, len: content.width * view.scale },
    y: { start: content.top * view.scale + view.y, len: content.height * view.scale },
  };
}

// The scroll bars' thumbs in box pixels: {h: {start, len} | null, v: …}, null where the
// picture fits that way.
export function thumbs(view, box, content) {
  const e = extent(view, content);
  const one = ({ start, len }, size) => {
    if (len <= size + 0.5) return null;
    const from = Math.max(0, -start);
    const to = Math.min(len, size - start);
    return { start: (from / len) * size, len: ((to - from) / len) * size };
  };
  return { h: one(e.x, box.width), v: one(e.y, box.height) };
}

// How the view moves (CSS px a millisecond, the same sign as zoom.pan's dx, dy) for a
// mouse at (px, py) of the box: toward an edge it is near, only where the picture goes on
// beyond that edge.
export function edgeVelocity(px, py, view, box, content) {
  const e = extent(view, content);
  const axis = (p, size, { start, len }) => {
    const depth = (d) => Math.min(1, Math.max(0, (EDGE_PX - d) / EDGE_PX));
    const before = depth(p); // near the left (top) edge: the view moves right (down)
    const after = depth(size - p);
    if (before > 0 && start < -0.5) return before * EDGE_SPEED;
    if (after > 0 && start + len > size + 0.5) return -after * EDGE_SPEED;
    return 0;
  };
  return { dx: axis(px, box.width, e.x), dy: axis(py, box.height, e.y) };
}

// stage: the picture's box (the bars go inside it); zoom: web/zoom.js's; geometry():
// {view, box, content} now.
export function createScroll({
  stage, zoom, geometry, doc = globalThis.document, win = globalThis.window,
}) {
  const bars = {};
  let dragging = false; // a thumb is being dragged: no edge panning meanwhile
  for (const dir of ['h', 'v']) {
    const bar = doc.createElement('div');
    bar.className = `scrollbar ${dir}`;
    bar.hidden = true;
    const thumb = doc.createElement('div');
    thumb.className = 'thumb';
    bar.append(thumb);
    stage.append(bar);
    bars[dir] = { bar, thumb };
    // dragging a thumb: the view moves the other way, by the picture's length per box
    let last = null;
    thumb.addEventListener('pointerdown', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      thumb.setPointerCapture?.(ev.pointerId);
      last = dir === 'h' ? ev.clientX : ev.clientY;
      dragging = true;
    });
    thumb.addEventListener('pointermove', (ev) => {
      if (last === null) return;
      const now = dir === 'h' ? ev.clientX : ev.clientY;
      const { view, box, content } = geometry();
      const k = dir === 'h' ? (content.width * view.scale) / box.width
        : (content.height * view.scale) / box.height;
      const d = -(now - last) * k;
      last = now;
      if (dir === 'h') zoom.pan(d, 0);
      else zoom.pan(0, d);
    });
    const end = () => {
      last = null;
      dragging = false;
    };
    thumb.addEventListener('pointerup', end);
    thumb.addEventListener('pointercancel', end);
    // the desktop's context menu and focus stay where they are
    bar.addEventListener('mousedown', (ev) => ev.preventDefault());
    bar.addEventListener('contextmenu', (ev) => ev.preventDefault());
  }

  function update() {
    const { view, box, content } = geometry();
    const t = thumbs(view, box, content);
    for (const dir of ['h', 'v']) {
      const { bar, thumb } = bars[dir];
      bar.hidden = !t[dir];
      if (!t[dir]) continue;
      if (dir === 'h') {
        thumb.style.left = `${t.h.start}px`;
        thumb.style.width = `${t.h.len}px`;
      } else {
        thumb.style.top = `${t.v.start}px`;
        thumb.style.height = `${t.v.len}px`;
      }
    }
  }

  // -- edge panning ---------------------------------------------------------------------
  let mouse = null; // {x, y} in the box, while a mouse is over the picture
  let since = 0; // when it came near an edge
  let frame = 0;
  let lastTick = 0;
  const now = () => win.performance?.now() ?? Date.now();

  function tick() {
    frame = 0;
    if (!mouse) return;
    const { view, box, content } = geometry();
    const v = edgeVelocity(mouse.x, mouse.y, view, box, content);
    const t = now();
    if (!v.dx && !v.dy) {
      since = 0;
      return;
    }
    if (!since) since = t;
    if (t - since >= EDGE_DELAY_MS) {
      const dt = Math.min(50, t - lastTick);
      if (dt > 0) zoom.pan(v.dx * dt, v.dy * dt);
    }
    lastTick = t;
    frame = win.requestAnimationFrame(tick);
  }

  function onMove(ev) {
    if (ev.pointerType === 'touch' || dragging) return;
    const r = stage.getBoundingClientRect();
    mouse = { x: ev.clientX - r.left, y: ev.clientY - r.top };
    if (!frame) {
      lastTick = now();
      tick();
    }
  }

  function onLeave(ev) {
    if (ev.pointerType === 'touch') return;
    mouse = null;
    since = 0;
    win.cancelAnimationFrame(frame);
    frame = 0;
  }

  // The mouse anywhere over the picture, the bars too (at a window's very edge the mouse
  // may rest on a thumb), and wherever a drag on the desktop has taken it (captured).
  stage.addEventListener('pointermove', onMove);
  stage.addEventListener('pointerleave', onLeave);

  return { update };
}
