// The page's own zoom of the picture: a CSS transform of the video (and of the still
// picture over it), so the desktop is not asked for anything, which is what a desktop
// that cannot change its size needs. Two ways in: pinch (web/gesture.js), relative to the
// picture fitted to the window; and, where the desktop cannot resize (hello without
// `resize`), the menu's view choices: Fit to window, 1:1 (one desktop pixel per device
// pixel) and Zoom in/out in steps, kept as device pixels a desktop pixel, so they hold
// when the window changes, and remembered in localStorage (per origin, that is per
// share). Pointer positions come from the video's transformed box (web/input.js
// normalisedPosition, web/cursor.js overlayBox), so they follow the zoom with no mapping
// of their own. The view math is pure, for tests.

export const ZOOM_MAX = 8; // times the fitted picture, for pinch
// The menu's zoom steps, in device pixels a desktop pixel (1 is 1:1); the fitted
// picture's own ratio is a step too, so zooming out ends on Fit.
export const ZOOM_STEPS = [0.25, 1 / 3, 0.5, 2 / 3, 0.75, 0.9, 1, 1.25, 1.5, 2, 3, 4, 6, 8];
export const VIEW_KEY = 'wayrtc.view'; // localStorage: 'fit' or a ratio ('1' for 1:1)

const SAME = 1e-6; // ratios this close are the same step

// view: {scale, x, y}, the transform `translate(x, y) scale(scale)` about the top left of
// an element that fills `box` ({width, height}); content: the picture inside that element
// at scale 1 ({left, top, width, height}, the letterboxed part). The picture covers the
// box where it can and is centred where it cannot; scale stays within min..max.
export function clampView(view, box, content, min = 1, max = ZOOM_MAX) {
  const scale = Math.min(max, Math.max(min, view.scale));
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

export function panView(view, dx, dy, box, content, min = 1, max = ZOOM_MAX) {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, box, content, min, max);
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

// Device pixels a desktop pixel of the fitted picture (content) of a vw-wide video.
export function fitRatio(content, vw, dpr) {
  return (content.width * dpr) / vw;
}

// The menu's next step from `ratio` (dir +1 in, -1 out), among ZOOM_STEPS and the fitted
// ratio `fit`, no smaller than the smaller of Fit and 1:1, no larger than ZOOM_MAX times
// the larger; `ratio` itself when there is none.
export function zoomStep(ratio, fit, dir) {
  const lo = Math.min(fit, 1);
  const hi = Math.max(fit, 1) * ZOOM_MAX;
  const steps = [...ZOOM_STEPS, fit].filter((s) => s >= lo - SAME && s <= hi + SAME)
    .sort((a, b) => a - b);
  if (dir > 0) return steps.find((s) => s > ratio * (1 + SAME)) ?? ratio;
  return steps.reverse().find((s) => s < ratio * (1 - SAME)) ?? ratio;
}

// The view at `ratio` device pixels a desktop pixel, the point (px, py) of the box kept
// where it is, with the picture's top left corner on a device pixel (origin: the box's
// place in the window, CSS px), so 1:1 shows each desktop pixel as one pixel of the screen.
export function ratioView(view, ratio, px, py, box, content, vw, dpr, origin = { x: 0, y: 0 }) {
  const scale = (ratio * vw) / (dpr * content.width);
  const k = scale / view.scale;
  const v = clampView({ scale, x: px - (px - view.x) * k, y: py - (py - view.y) * k },
    box, content, scale, scale);
  const snap = (t, start, o) => Math.round((o + start * scale + t) * dpr) / dpr - o - start * scale;
  return {
    scale, x: snap(v.x, content.left, origin.x) || 0, y: snap(v.y, content.top, origin.y) || 0,
  };
}

// elements: the <video> and the still <canvas>, transformed alike; stage: their box;
// onChange(view): after each change (web/cursor.js places its overlay again, the menu
// says the zoom). state.zoom is the view; state.view the menu's choice: {mode: 'fit' |
// '1:1' | 'zoom' | 'pinch', ratio} (ratio: device pixels a desktop pixel).
export function createZoom({
  video, elements = [video], stage, state = {}, onChange = () => {},
  storage = globalThis.localStorage, win = globalThis.window,
}) {
  let view = { scale: 1, x: 0, y: 0 };
  let pinned = null; // a ratio the menu chose (1:1, a step), kept when the window changes
  let fixed = false; // the desktop cannot resize: the menu's choices apply and are kept

  const dpr = () => win?.devicePixelRatio || 1;

  function geometry() {
    // layout sizes, not the transformed box
    const box = { width: stage.clientWidth, height: stage.clientHeight };
    const content = containedRect(box, video.videoWidth, video.videoHeight);
    const r = stage.getBoundingClientRect?.() ?? { left: 0, top: 0 };
    return {
      box, content, vw: video.videoWidth, origin: { x: r.left, y: r.top },
      fit: video.videoWidth ? fitRatio(content, video.videoWidth, dpr()) : 1,
    };
  }

  function report(g) {
    const ratio = g.fit * view.scale;
    let mode = 'pinch';
    if (pinned === null && view.scale === 1) mode = 'fit';
    else if (pinned !== null) mode = Math.abs(pinned - 1) < SAME ? '1:1' : 'zoom';
    state.view = { mode, ratio, fixed };
    return { ...view, ratio, mode, fit: g.fit, fixed };
  }

  function apply(next) {
    view = next;
    state.zoom = { ...view };
    const t = view.scale === 1 && !view.x && !view.y ? ''
      : `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    for (const el of elements) {
      if (!el) continue;
      el.style.transformOrigin = '0 0';
      el.style.transform = t;
    }
    onChange(report(geometry()));
  }

  function remember(value) {
    if (!fixed) return;
    try {
      storage?.setItem(VIEW_KEY, value);
    } catch {
      // not remembered, still done
    }
  }

  // The pinned ratio, about the point (px, py) of the box (its centre when not given).
  function applyPinned(px, py) {
    const g = geometry();
    if (!g.vw || !g.box.width) return; // no picture yet: refit() does it when it comes
    // within the steps' range for this window (a ratio kept from another one may not be)
    pinned = Math.min(Math.max(g.fit, 1) * ZOOM_MAX, Math.max(Math.min(g.fit, 1), pinned));
    if (Math.abs(pinned - g.fit) < SAME && Math.abs(pinned - 1) >= SAME) {
      pinned = null; // a step that is the fitted picture is Fit
      apply({ scale: 1, x: 0, y: 0 });
      return;
    }
    apply(ratioView(view, pinned, px ?? g.box.width / 2, py ?? g.box.height / 2, g.box,
      g.content, g.vw, dpr(), g.origin));
  }

  function reset() {
    pinned = null;
    apply({ scale: 1, x: 0, y: 0 });
  }

  function setRatio(ratio) {
    const g = geometry();
    if (Math.abs(ratio - g.fit) < SAME && Math.abs(ratio - 1) >= SAME) {
      remember('fit'); // the fitted picture is Fit, whatever the window does next
      reset();
      return;
    }
    pinned = ratio;
    remember(String(ratio));
    applyPinned();
  }

  // client coordinates → the stage's own
  function local(x, y) {
    const r = stage.getBoundingClientRect();
    return { x: x - r.left, y: y - r.top };
  }

  state.zoom = { ...view };
  state.view = { mode: 'fit', ratio: 1, fixed };
  return {
    zoomed: () => view.scale > 1,
    pinch(ratio, x, y, dx, dy) {
      const { box, content } = geometry();
      const p = local(x, y);
      pinned = null;
      apply(pinchView(view, ratio, p.x, p.y, dx, dy, box, content));
    },
    pan(dx, dy) {
      const { box, content } = geometry();
      apply(panView(view, dx, dy, box, content, Math.min(1, view.scale),
        Math.max(ZOOM_MAX, view.scale)));
    },
    // the window or the picture changed size: the same zoom (the same ratio, if the menu
    // chose one), still covering
    refit() {
      if (pinned !== null) {
        applyPinned(0, 0);
        return;
      }
      if (view.scale === 1) {
        onChange(report(geometry()));
        return;
      }
      const { box, content } = geometry();
      apply(clampView(view, box, content));
    },
    reset,
    // hello: whether the desktop keeps its size (the menu's choices apply, the last one
    // comes back) or follows the window (Fit only; pinch still zooms)
    setFixed(value) {
      fixed = !!value;
      let stored = null;
      try {
        stored = fixed ? storage?.getItem(VIEW_KEY) ?? null : null;
      } catch {
        // storage refused (private mode): Fit
      }
      const ratio = Number(stored);
      if (stored && stored !== 'fit' && ratio > 0 && Number.isFinite(ratio)) {
        // a reconnect says the same again: the view stays where it was panned
        if (pinned === null || Math.abs(pinned - ratio) >= SAME) {
          pinned = ratio;
          applyPinned();
          return;
        }
      } else if (pinned !== null) {
        reset(); // Fit (a pinch in progress stays)
        return;
      }
      onChange(report(geometry()));
    },
    fit() {
      remember('fit');
      reset();
    },
    oneToOne() {
      setRatio(1);
    },
    zoomIn() {
      const g = geometry();
      setRatio(zoomStep(g.fit * view.scale, g.fit, +1));
    },
    zoomOut() {
      const g = geometry();
      setRatio(zoomStep(g.fit * view.scale, g.fit, -1));
    },
    get view() {
      return { ...view };
    },
    // for web/scroll.js: the view, the box and the fitted picture in it
    layout() {
      const { box, content } = geometry();
      return { view: { ...view }, box, content };
    },
  };
}
