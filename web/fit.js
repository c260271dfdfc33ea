// The virtual desktop fits the window: where hello says "resize" (a virtual desktop of
// --size=auto, a link that may control it), the page says the size of its video area in
// CSS pixels and the device pixel ratio, at once and again after each change (a window
// dragged, a phone turned, the browser zoomed), and the desktop's output follows
// (src/share/fit.c), so each pixel of the picture is one of the screen. Elsewhere the
// picture is scaled into the window, letterboxed, as before.

// Quiet time after the last change before the size goes out: a drag sends one size.
export const FIT_SETTLE_MS = 200;

export function createFit({ win = window, element, send }) {
  let enabled = false;
  let timer = null;
  let sent = '';
  let ratioQuery = null;

  function sendNow() {
    timer = null;
    if (!enabled) return;
    const width = Math.round(element.clientWidth);
    const height = Math.round(element.clientHeight);
    if (width < 1 || height < 1) return; // hidden, or not laid out yet
    const pixelRatio = Math.min(8, Math.max(0.25, win.devicePixelRatio || 1));
    const key = `${width}x${height}@${pixelRatio}`;
    if (key === sent) return;
    sent = key;
    send({ type: 'size', width, height, pixelRatio });
  }

  function schedule() {
    if (!enabled) return;
    win.clearTimeout(timer);
    timer = win.setTimeout(sendNow, FIT_SETTLE_MS);
  }

  // devicePixelRatio has no event of its own: a media query of the present one ends
  // when it changes (zoom, a window moved to another screen)
  function watchRatio() {
    ratioQuery?.removeEventListener('change', onRatio);
    ratioQuery = win.matchMedia?.(`(resolution: ${win.devicePixelRatio || 1}dppx)`) ?? null;
    ratioQuery?.addEventListener('change', onRatio);
  }
  function onRatio() {
    watchRatio();
    schedule();
  }

  win.addEventListener('resize', schedule);
  // the video area changes without the window too: the key bar shown or hidden
  if (win.ResizeObserver) new win.ResizeObserver(schedule).observe(element);
  watchRatio();

  return {
    // hello came: resize is whether this page's size counts (each connection says it
    // again, so a new wayrtc gets the size too)
    start(resize) {
      enabled = Boolean(resize);
      sent = '';
      if (enabled) sendNow();
    },
    stop() {
      enabled = false;
      win.clearTimeout(timer);
      timer = null;
    },
  };
}
