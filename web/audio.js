// The desktop's sound. The server sends it (Opus) in a stream of its own, apart from the
// video's, so the browser never holds the picture back to line it up with the sound; here
// it plays in its own <audio>, and the <video> stays muted, so the picture's autoplay
// never waits on sound. Browsers refuse sound until the person has touched the page: then
// a small button says so, and the first click, key or touch anywhere starts it, while that
// input still goes to the desktop as usual. The person's on/off choice is remembered.

export const SOUND_KEY = 'wayrtc.sound'; // localStorage: 'on' (the default) or 'off'

// The inputs that give a page user activation (HTML's activation-triggering input events;
// a touch activates on pointerup and touchend, not on pointerdown). Listened to in the
// capture phase and passively: nothing is taken from the desktop's handlers.
export const GESTURES = ['pointerdown', 'pointerup', 'mousedown', 'keydown', 'touchend', 'click'];

function localStore(win) {
  try {
    return win.localStorage; // a getter that throws where storage is blocked
  } catch {
    return null;
  }
}

// The person's choice; on unless they turned it off (or storage says nothing).
export function soundWanted(storage) {
  try {
    return storage?.getItem(SOUND_KEY) !== 'off';
  } catch {
    return true;
  }
}

// element: the page's <audio>; button: the "Click for sound" button (hidden until the
// browser refuses sound); onChange({available, enabled}): for the menu's Sound item.
export function createAudio({
  element, button = null, onChange = () => {},
  win = globalThis.window, storage = localStore(win),
}) {
  const state = win.wayrtc || (win.wayrtc = {});
  let enabled = soundWanted(storage);
  let track = null;
  let blocked = false; // the browser wants a gesture before it plays sound
  let attempt = 0; // only the newest play() attempt's outcome counts
  let armed = false;

  element.muted = !enabled;
  // For tests and people: track: an audio track came; playing: the <audio> plays it;
  // muted: nothing is heard (the browser waits for a gesture, or sound is off).
  const hook = { track: false, playing: false, muted: element.muted };
  state.audio = hook;

  function update() {
    hook.track = !!track;
    hook.playing = !!track && !element.paused;
    hook.muted = element.muted;
    if (button) button.hidden = !(track && enabled && blocked);
    onChange({ available: !!track, enabled });
  }

  function onGesture() {
    if (track && enabled && blocked) start();
  }

  function arm(on) {
    if (on === armed) return;
    armed = on;
    for (const type of GESTURES) {
      if (on) win.addEventListener(type, onGesture, { capture: true, passive: true });
      else win.removeEventListener(type, onGesture, { capture: true });
    }
  }

  // Plays the track, with sound if the person wants it. Called in an input's handler, the
  // browser's user activation lets the sound through.
  function start() {
    if (!track) return;
    const gen = ++attempt;
    element.muted = !enabled;
    element.play().then(() => {
      if (gen !== attempt) return;
      blocked = false;
      arm(false);
      update();
    }, (err) => {
      if (gen !== attempt) return;
      if (!element.muted && err?.name === 'NotAllowedError') {
        // Silent meanwhile where the browser allows that (Firefox does; Chromium refuses
        // even muted <audio>), so the sound comes at once on the gesture; until then the
        // button asks for one.
        blocked = true;
        element.muted = true;
        arm(true);
        element.play().catch(() => {}).finally(() => {
          if (gen === attempt) update();
        });
      }
      update();
    });
    update();
  }

  function detach() {
    attempt++;
    track = null;
    blocked = false;
    arm(false);
    if (element.srcObject) {
      element.pause();
      element.srcObject = null;
    }
    element.muted = !enabled;
    update();
  }

  // The receiver's track, from RTCPeerConnection's track event: only the sound, so this
  // element never holds a picture.
  function attach(t) {
    detach();
    track = t;
    element.srcObject = new win.MediaStream([t]);
    t.addEventListener?.('ended', () => {
      if (track === t) detach();
    }, { once: true });
    start();
  }

  function setEnabled(on) {
    enabled = !!on;
    try {
      storage?.setItem(SOUND_KEY, enabled ? 'on' : 'off');
    } catch {
      // private browsing may refuse storage; the choice holds for this page
    }
    if (!enabled) {
      blocked = false;
      arm(false);
    }
    // On from the menu's click, a gesture: the sound comes. Off: muted at once, still
    // playing, so turning it back on is instant.
    if (track) {
      start();
    } else {
      element.muted = !enabled;
      update();
    }
    return enabled;
  }

  for (const type of ['playing', 'pause', 'emptied', 'volumechange']) {
    element.addEventListener(type, update);
  }
  if (button) button.addEventListener('click', onGesture);
  update();

  return {
    attach,
    detach,
    setEnabled,
    toggle: () => setEnabled(!enabled),
    get enabled() {
      return enabled;
    },
  };
}
