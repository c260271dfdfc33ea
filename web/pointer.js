// The pointer half of remote control (web/control.js): mouse, pen, touch and wheel on the
// video become pointer messages (docs/input.md). Motion goes on the unordered `pointer`
// channel, coalesced only when that channel is congested; presses, releases, wheel and
// a drag's path go in order on `input`, through control.js's outbox. Fingers go through
// web/gesture.js (tap, long press, drag, two-finger scroll, pinch) and web/zoom.js.

import {
  encodePointerMove, encodeButton, encodeKey, encodeWheel, normalisedPosition, WHEEL_PIXEL,
} from './input.js';
import { createGestures } from './gesture.js';

// Motion is dropped, not queued, once this much is waiting: on a congested link only the
// newest position matters.
const POINTER_BUFFER_MAX = 1024;

// MouseEvent.buttons bit of each MouseEvent.button (middle and right swap places).
const BUTTON_BITS = [1, 4, 2, 8, 16];

// Two fingers scrolling: wheel pixels (docs/input.md: 100 a notch, 15 surface pixels on the
// desktop) per desktop pixel the fingers moved. Two make a notch every 50 pixels, about
// what a notch scrolls, so the content roughly follows the fingers.
export const TOUCH_WHEEL_GAIN = 2;

// The wheel message for fingers that moved (dx, dy) CSS px over a picture shown `scale` CSS
// px a desktop pixel, with `rest` ({x, y}, wheel pixels not sent yet) kept between calls:
// natural scrolling (fingers up, content up: the wheel goes down). null when under a pixel.
export function touchWheel(dx, dy, scale, rest) {
  if (!(scale > 0)) return null;
  rest.x -= (dx / scale) * TOUCH_WHEEL_GAIN;
  rest.y -= (dy / scale) * TOUCH_WHEEL_GAIN;
  const wx = Math.trunc(rest.x);
  const wy = Math.trunc(rest.y);
  if (!wx && !wy) return null;
  rest.x -= wx;
  rest.y -= wy;
  return encodeWheel(wx, wy, WHEEL_PIXEL);
}

// out: control.js's { send, sendNow, takeToken, isOpen }; channel: the `pointer` data
// channel or null; viewOnly(): tells the person this link cannot control; focusSink():
// gives the keyboard textarea focus; on(target, type, fn, opts): adds a listener that
// control.js removes on close.
// zoom: web/zoom.js's, or null (no pinch). latch: web/keybar.js's { latched(), used() }
// or null: modifiers latched on the key bar go with the next click or tap (Ctrl+click),
// held from its press to its release, a drag's too.
export function createPointer({
  win, video, channel, out, canControl, viewOnly, focusSink, on, zoom = null, latch = null,
}) {
  const buttons = new Set(); // MouseEvent.button numbers the desktop holds for us
  const rawMotion = 'onpointerrawupdate' in win;
  let pending = null; // the newest pointer position not yet sent
  let frame = 0;
  let mods = []; // latched modifier codes held down with the buttons, in press order
  let mouse = null; // the mouse's last event over the video ({clientX, clientY})

  // A button goes down: the latched modifiers first, once, until every button is up.
  function pressMods() {
    if (buttons.size || !latch?.latched().length) return;
    mods = latch.latched();
    latch.used();
    for (const code of mods) out.send(encodeKey(code, true));
  }

  function releaseMods() {
    if (buttons.size) return;
    for (const code of mods.reverse()) out.send(encodeKey(code, false));
    mods = [];
  }

  function position(ev) {
    return normalisedPosition(ev.clientX, ev.clientY, video, buttons.size > 0);
  }

  function flushMotion() {
    frame = 0;
    if (!pending) return;
    const p = pending;
    // A drag's path is ordered with its press and release; so is all motion if the
    // unordered channel is not there.
    if (buttons.size || !out.isOpen(channel)) {
      pending = null;
      out.send(encodePointerMove(p.x, p.y));
      return;
    }
    if (channel.bufferedAmount > POINTER_BUFFER_MAX || !out.takeToken()) {
      frame = win.requestAnimationFrame(flushMotion);
      return;
    }
    pending = null;
    out.sendNow(channel, encodePointerMove(p.x, p.y));
  }

  // Chromium already hands pointermove over once a display frame: send it at once (an
  // animation frame more would add up to 16 ms); only a congested channel coalesces.
  function moveLater(p) {
    pending = p;
    if (!frame) flushMotion();
  }

  // On `input` right before a button or wheel message, so it lands where the pointer is.
  function moveNow(p) {
    pending = null;
    out.send(encodePointerMove(p.x, p.y));
  }

  // True when the event changed what the desktop holds.
  function setButton(ev, pressed) {
    const b = ev.button;
    const msg = encodeButton(b, pressed);
    if (!msg || buttons.has(b) === pressed) return false;
    const p = position(ev);
    if (!p) return false; // pressed over the bars: not the desktop's
    moveNow(p);
    if (pressed) pressMods();
    out.send(msg);
    if (pressed) {
      buttons.add(b);
      try {
        video.setPointerCapture?.(ev.pointerId);
      } catch {
        // the pointer may already be gone; the release still comes as pointerup
      }
    } else {
      buttons.delete(b);
      releaseMods();
    }
    return true;
  }

  function releaseButtons() {
    for (const b of buttons) out.send(encodeButton(b, false));
    buttons.clear();
    releaseMods();
  }

  // -- fingers ---------------------------------------------------------------------------
  const gestures = createGestures({ zoomed: () => !!zoom?.zoomed() });
  const wheelRest = { x: 0, y: 0 };
  let holdTimer = 0;

  // CSS px a desktop pixel, zoom included (the video's box is the transformed one).
  function pictureScale() {
    const r = video.getBoundingClientRect();
    return Math.min(r.width / video.videoWidth, r.height / video.videoHeight);
  }

  function at(a, clamp) {
    return normalisedPosition(a.x, a.y, video, clamp);
  }

  function run(actions) {
    for (const a of actions) {
      // a watcher's fingers zoom and pan the picture, and move nothing on the desktop
      if (!canControl && a.type !== 'pinch' && a.type !== 'pan') {
        if (a.type === 'press') viewOnly();
        continue;
      }
      if (a.type === 'press' || a.type === 'release') {
        const pressed = a.type === 'press';
        if (buttons.has(a.button) === pressed) continue;
        const p = at(a, !pressed);
        if (!p) continue; // pressed over the bars: not the desktop's
        moveNow(p);
        if (pressed) pressMods();
        out.send(encodeButton(a.button, pressed));
        if (pressed) {
          buttons.add(a.button);
        } else {
          buttons.delete(a.button);
          releaseMods();
        }
      } else if (a.type === 'move') {
        const p = at(a, buttons.size > 0);
        if (p) moveLater(p);
      } else if (a.type === 'scroll') {
        const msg = touchWheel(a.dx, a.dy, pictureScale(), wheelRest);
        const p = at(a, true);
        if (!msg || !p) continue;
        moveNow(p);
        out.send(msg);
      } else if (a.type === 'pinch') {
        zoom?.pinch(a.ratio, a.x, a.y, a.dx, a.dy);
      } else if (a.type === 'pan') {
        zoom?.pan(a.dx, a.dy);
      }
    }
    // a finger held still becomes a right click when its time comes
    win.clearTimeout(holdTimer);
    const due = gestures.deadline();
    if (due !== null) {
      holdTimer = win.setTimeout(() => run(gestures.tick(now())), Math.max(0, due - now()));
    }
  }

  function now() {
    return win.performance ? win.performance.now() : Date.now();
  }

  function onTouch(ev) {
    if (ev.type === 'pointerdown') {
      wheelRest.x = 0;
      wheelRest.y = 0;
      run(gestures.down(ev.pointerId, ev.clientX, ev.clientY, now()));
    } else if (ev.type === 'pointermove') {
      run(gestures.move(ev.pointerId, ev.clientX, ev.clientY, now()));
    } else if (ev.type === 'pointerup') {
      run(gestures.up(ev.pointerId, ev.clientX, ev.clientY, now()));
    } else {
      run(gestures.cancel(ev.pointerId, now()));
    }
  }

  const isTouch = (ev) => ev.pointerType === 'touch';

  function onPointerDown(ev) {
    if (isTouch(ev)) {
      // No focus: a phone's keyboard would pop up on every tap (the menu's Keyboard item
      // asks for it).
      onTouch(ev);
      return;
    }
    if (!canControl) {
      viewOnly();
      return;
    }
    if (!ev.isPrimary) return;
    focusSink();
    setButton(ev, true);
  }

  function onPointerMove(ev) {
    if (isTouch(ev)) {
      onTouch(ev);
      return;
    }
    if (!canControl || !ev.isPrimary) return;
    mouse = { clientX: ev.clientX, clientY: ev.clientY };
    // A second mouse button pressed or released while one is held (a chord) comes as
    // pointermove with that button set.
    if (ev.button >= 0 && ev.button < BUTTON_BITS.length &&
        setButton(ev, (ev.buttons & BUTTON_BITS[ev.button]) !== 0)) return;
    if (rawMotion) return; // it came already, as pointerrawupdate
    const p = position(ev);
    if (p) moveLater(p);
  }

  // Chromium holds pointermove back until the next display frame (up to 16 ms);
  // pointerrawupdate comes as soon as the motion does.
  function onPointerRawUpdate(ev) {
    // chords come as pointermove, fingers through gesture.js
    if (!canControl || !ev.isPrimary || ev.button >= 0 || isTouch(ev)) return;
    mouse = { clientX: ev.clientX, clientY: ev.clientY };
    const p = position(ev);
    if (p) moveLater(p);
  }

  function onPointerUp(ev) {
    if (isTouch(ev)) {
      onTouch(ev);
      return;
    }
    if (!canControl || !ev.isPrimary) return;
    setButton(ev, false);
  }

  function onPointerCancel(ev) {
    if (isTouch(ev)) onTouch(ev);
    else if (canControl && ev.isPrimary) releaseButtons();
  }

  function onWheel(ev) {
    ev.preventDefault(); // neither scroll nor zoom this page
    if (!canControl) return;
    const msg = encodeWheel(ev.deltaX, ev.deltaY, ev.deltaMode);
    const p = position(ev);
    if (!msg || !p) return;
    moveNow(p);
    out.send(msg);
  }

  // Back and forward buttons would leave the page; the middle one would autoscroll.
  function onMouse(ev) {
    ev.preventDefault();
  }

  on(video, 'pointerdown', onPointerDown);
  on(video, 'pointermove', onPointerMove);
  if (rawMotion) on(video, 'pointerrawupdate', onPointerRawUpdate);
  on(video, 'pointerup', onPointerUp);
  on(video, 'pointercancel', onPointerCancel);
  on(video, 'wheel', onWheel, { passive: false });
  on(video, 'pointerleave', (ev) => {
    if (!isTouch(ev)) mouse = null;
  });
  // mousedown too: no focus leaves the textarea, no text selection, no drag of the video
  on(video, 'mousedown', onMouse);
  on(video, 'mouseup', onMouse);
  on(video, 'auxclick', onMouse);

  return {
    // The desktop lets go of everything (control.js sends the one message that says so).
    forget() {
      buttons.clear();
      mods = [];
      pending = null;
    },
    // The view moved under a mouse that did not (web/scroll.js's edge panning, the menu's
    // zoom): the desktop's pointer goes to what is under it now.
    repoint() {
      if (!canControl || !mouse) return;
      const p = position(mouse);
      if (p) moveLater(p);
    },
    close() {
      win.cancelAnimationFrame?.(frame);
      win.clearTimeout(holdTimer);
    },
  };
}
