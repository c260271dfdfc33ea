// The page's own zoom of the picture (pinch, web/gesture.js): a CSS transform of the video
// (and of the still picture over it), so the desktop is not asked for anything, which is
// what a desktop that cannot change its size needs. Pointer positions come from the
// video's transformed box (web/input.js normalisedPosition, web/cursor.js overlayBox), so
// they follow the zoom with no mapping of their own. The view math is pure, for tests.

export const ZOOM_MAX = 8;

// view: {scale, x, y}, the transform `translate(x, y) scale(scale)` about the top left of
// an element that fills `box` ({width, height}); content: the picture inside that element
// at scale 1 ({left, top, width, height}, the letterboxed part). The picture covers the
// box where it can and is centred where it cannot; scale stays within 1..ZOOM_MAX.
export function clampView(view, box, content) {
  const scale = Math.min(ZOOM_MAX, Math.max(1, view.scale));
  const axis = (t, size, start, length) => {
    const len = length * scale;
    if (len <= size) return (size - len) / 2 - start * scale || 0; // never -0
    return Math.min(-start * scale, Math.max(size - (start + length) * scale, t)) || 0;
  };
  return {
    scale,
    x: axis(view.x, box.width, content.left, content.width),
    y: axis(view.y, box.height, content.top, content.height),
  };
}

// Zoom by `ratio` keeping the point (px, py) of the box where it is, then move by (dx, dy).
export function pinchView(view, ratio, px, py, dx, dy, box, content) {
  const scale = Math.min(ZOOM_MAX, Math.max(1, view.scale * ratio));
  const k = scale / view.scale;
  return clampView({
    scale, x: px - (px - view.x) * k + dx, y: py - (py - view.y) * k + dy,
  }, box, content);
}

export function panView(view, dx, dy, box, content) {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, box, content);
}

// The letterboxed picture inside an element of box's size showing a vw x vh video with
// object-fit: contain.
export function containedRect(box, vw, vh) {
  if (!vw || !vh || !box.width || !box.height) return { left: 0, top: 0, ...box };
  const s = Math.min(box.width / vw, box.height / vh);
  return {
    left: (box.width - vw * s) / 2, top: (box.height - vh * s) / 2, width: vw * s, height: vh * s,
  };
}

// elements: the <video> and the still <canvas>, transformed alike; stage: their box;
// onChange(view): after each change (web/cursor.js places its overlay again).
export function createZoom({ video, elements = [video], stage, state = {}, onChange = () => {} }) {
  let view = { scale: 1, x: 0, y: 0 };

  function geometry() {
    // layout sizes, not the transformed box
    const box = { width: stage.clientWidth, height: stage.clientHeight };
    return { box, content: containedRect(box, video.videoWidth, video.videoHeight) };
  }

  function apply(next) {
    view = next;
    state.zoom = { ...view };
    const t = view.scale === 1 ? '' : `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    for (const el of elements) {
      if (!el) continue;
      el.style.transformOrigin = '0 0';
      el.style.transform = t;
    }
    onChange(view);
  }

  // client coordinates → the stage's own
  function local(x, y) {
    const r = stage.getBoundingClientRect();
    return { x: x - r.left, y: y - r.top };
  }

  state.zoom = { ...view };
  return {
    zoomed: () => view.scale > 1,
    pinch(ratio, x, y, dx, dy) {
      const { box, content } = geometry();
      const p = local(x, y);
      apply(pinchView(view, ratio, p.x, p.y, dx, dy, box, content));
    },
    pan(dx, dy) {
      const { box, content } = geometry();
      apply(panView(view, dx, dy, box, content));
    },
    // the window or the picture changed size: the same zoom, still covering
    refit() {
      if (view.scale === 1) return;
      const { box, content } = geometry();
      apply(clampView(view, box, content));
    },
    reset() {
      apply({ scale: 1, x: 0, y: 0 });
    },
    get view() {
      return { ...view };
    },
  };
}
