// wayrtc browser client: reads the token from the link's #fragment (never sent in a URL),
// opens the signaling WebSocket with it as a subprotocol, answers the server's WebRTC
// offer and shows the desktop. Every failure is shown in words; lost sessions reconnect,
// and a share that ended comes back by itself when wayrtc runs again with the same key,
// the last picture kept, dimmed, meanwhile.
// This file wires the modules together and handles the server's messages: the socket
// (web/signaling.js), the peer connection (web/peer.js), the status line (web/status.js),
// remote control (web/control.js), the desktop's pointer (web/cursor.js), its sound
// (web/audio.js), the corner menu (web/menu.js), the statistics overlay (web/stats.js) and
// the virtual desktop's size following the window (web/fit.js), the page's own zoom of the
// picture (web/zoom.js) with scroll bars and edge panning where it is bigger than the
// window (web/scroll.js), and the key bar (web/keybar.js).

import { createAudio } from './audio.js';
import { VIEW_ONLY_TEXT } from './control.js';
import { createFit } from './fit.js';
import { createKeybar } from './keybar.js';
import { createMenu } from './menu.js';
import { createPeer } from './peer.js';
import { createScroll } from './scroll.js';
import { createSignaling } from './signaling.js';
import { createStats } from './stats.js';
import { createStatus } from './status.js';
import { createZoom } from './zoom.js';

const video = document.getElementById('screen');
const still = document.getElementById('still');
const token = new URLSearchParams(location.hash.slice(1)).get('token');

// State for people and for tests: what the client sees, in one place.
// channels: data channel label -> readyState; sent: input messages sent (web/control.js);
// cursor: the desktop's pointer as last received (web/cursor.js); audio: {track, playing,
// muted} of the desktop's sound (web/audio.js); stats: the overlay's last figures while it
// is shown (web/stats.js); noPicture: why the desktop sends no picture, while it says so.
window.wayrtc = {
  state: 'starting', error: null, hello: null, channels: {}, sent: 0, cursor: null,
  stats: null, noPicture: null,
};
const state = window.wayrtc;

const stage = document.getElementById('stage');
const status = createStatus({
  element: document.getElementById('status'), state,
  // the desktop's copied text is no use to a page whose share is over
  onState: (value) => {
    if (value === 'ended' || value === 'refused') menu.hideClipboard();
  },
});
const menu = createMenu({
  getControl: () => peer.getControl(), getAudio: () => audio, getStats: () => stats,
  getKeybar: () => keybar, getZoom: () => zoom, notify: status.flash,
});
const zoom = createZoom({
  video, elements: [video, still], stage, state,
  onChange: (view) => {
    menu.setZoom(view);
    peer.getCursor()?.render();
    scroll.update();
    peer.getControl()?.repoint(); // the desktop's pointer: under the mouse again
  },
});
const scroll = createScroll({ stage, zoom, geometry: () => zoom.layout() });
const keybar = createKeybar({
  element: document.getElementById('keybar'), getControl: () => peer.getControl(),
  // a phone or a tablet: touch is the main pointer (a laptop with a touch screen has a
  // keyboard, and its touchpad is the primary, fine pointer)
  touch: navigator.maxTouchPoints > 0 && matchMedia('(pointer: coarse)').matches, state,
  onChange: (shown) => {
    document.body.classList.toggle('with-keybar', shown);
    menu.setKeybar(shown);
    zoom.refit(); // the picture's area changed
  },
});
const stats = createStats({
  element: document.getElementById('stats'), getPeer: () => peer.getPeer(),
  onChange: menu.setStats,
});
const audio = createAudio({
  element: document.getElementById('sound'),
  button: document.getElementById('sound-start'),
  onChange: menu.setSound,
});
const signaling = createSignaling({
  token, status, state, onMessage, onClose: () => { fit.stop(); peer.close(); },
});
const fit = createFit({ element: stage, send: signaling.send });
const peer = createPeer({
  elements: {
    video, still, stage, keySink: document.getElementById('keys'),
  },
  menu, audio, status, state, signaling, zoom, keybar,
});

async function onMessage(msg) {
  switch (msg.type) {
    case 'hello':
      state.hello = msg;
      state.noPicture = null; // the server says it again if it still holds
      menu.setScope(msg.scope);
      // a desktop that keeps its size whatever this window's: Fit, 1:1, zoom steps
      menu.setFixed(msg.resize !== true);
      zoom.setFixed(msg.resize !== true);
      // before fit.start: the bar takes its room from the picture's
      keybar.setAllowed(msg.scope.includes('control'));
      fit.start(msg.resize === true && msg.scope.includes('control'));
      status.show(msg.scope.includes('control') ? 'Connecting to the desktop…'
        : 'Connecting to the desktop (view only)…');
      break;
    case 'offer':
      await peer.answer(msg.sdp);
      break;
    case 'candidate':
      await peer.addCandidate(msg.candidate);
      break;
    case 'error':
      status.show(msg.message, 'error');
      break;
    case 'expiring':
      status.show(`This link expires in ${msg.seconds} s; ask the person sharing for a new one `
        + '(wayrtc token).', 'error');
      break;
    case 'no-picture':
      // the desktop's stream started and sends nothing: the words replace the waiting
      state.noPicture = msg.message;
      if (state.state !== 'playing') status.show(msg.message);
      break;
    case 'picture':
      state.noPicture = null;
      if (state.state !== 'playing') status.show('The desktop sends its picture now…');
      break;
    case 'bye':
      fit.stop();
      signaling.stop();
      status.setState('ended');
      status.show(`The share has ended: ${msg.reason}`, 'error',
        { label: 'Reconnect', run: signaling.retryNow });
      peer.close();
      signaling.pollEnded();
      break;
    default:
      break;
  }
}

video.addEventListener('resize', () => {
  zoom.refit();
  if (video.videoWidth > 0) {
    const first = state.state !== 'playing';
    const control = peer.getControl();
    status.setState('playing');
    still.hidden = true;
    if (first && control && !control.canControl) status.flash(VIEW_ONLY_TEXT);
    else if (first) status.show('', 'hide');
  }
});

window.addEventListener('resize', () => zoom.refit());
// The page's own gestures only: no pinch or double-tap zoom of the page, no rubber band,
// anywhere (Safari's gesture events too; CSS touch-action does the rest, web/style.css).
for (const type of ['gesturestart', 'gesturechange']) {
  document.addEventListener(type, (ev) => ev.preventDefault());
}

if (!token) {
  status.setState('refused');
  status.show('This link has no token. Use the full link wayrtc printed (it ends in #token=…).',
    'error');
} else {
  signaling.connect();
}
