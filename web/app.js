// wayrtc browser client: reads the token from the link's #fragment (never sent in a URL),
// opens the signaling WebSocket with it as a subprotocol, answers the server's WebRTC
// offer and shows the desktop. Every failure is shown in words; lost sessions reconnect,
// and a share that ended comes back by itself when wayrtc runs again with the same key,
// the last picture kept, dimmed, meanwhile.
// Remote control (web/control.js), the desktop's pointer (web/cursor.js), its sound
// (web/audio.js) and the corner menu (web/menu.js) are separate modules.

import { createAudio } from './audio.js';
import { createControl, VIEW_ONLY_TEXT } from './control.js';
import { createCursor } from './cursor.js';
import { createMenu } from './menu.js';

const video = document.getElementById('screen');
const stage = document.getElementById('stage');
const keySink = document.getElementById('keys');
const still = document.getElementById('still');
const statusBox = document.getElementById('status');
const token = new URLSearchParams(location.hash.slice(1)).get('token');

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 5000;
// After "the share has ended": how often to ask, quietly, whether wayrtc is back.
const ENDED_POLL_MS = 5000;
const PING_MS = 10000;
const FLASH_MS = 4000;

let ws = null;
let pc = null;
let control = null;
let cursor = null;
let retryMs = RETRY_MIN_MS;
let stopped = false;
let pingTimer = 0;
let flashTimer = 0;
let retryTimer = 0;

// State for people and for tests: what the client sees, in one place.
// channels: data channel label -> readyState; sent: input messages sent (web/control.js);
// cursor: the desktop's pointer as last received (web/cursor.js); audio: {track, playing,
// muted} of the desktop's sound (web/audio.js).
window.wayrtc = {
  state: 'starting', error: null, hello: null, channels: {}, sent: 0, cursor: null,
};

// `action`: {label, run} for a button beside the text (Retry now, Reconnect).
function show(text, kind = 'info', action = null) {
  clearTimeout(flashTimer);
  statusBox.textContent = text;
  if (action) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = action.label;
    button.addEventListener('click', action.run);
    statusBox.append(' ', button);
  }
  statusBox.classList.toggle('error', kind === 'error');
  statusBox.classList.toggle('hidden', kind === 'hide');
  if (kind === 'error') window.wayrtc.error = text;
}

// A message that goes away by itself, unless another replaces it first.
function flash(text) {
  show(text);
  flashTimer = setTimeout(() => show('', 'hide'), FLASH_MS);
}

const menu = createMenu({ getControl: () => control, getAudio: () => audio, notify: flash });
const audio = createAudio({
  element: document.getElementById('sound'),
  button: document.getElementById('sound-start'),
  onChange: menu.setSound,
});

function setState(state) {
  window.wayrtc.state = state;
}

function send(msg) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

// The last picture stays, dimmed, while there is no connection: a blip should not blank
// the screen.
function keepLastFrame() {
  if (!video.videoWidth || !still.hidden) return;
  still.width = video.videoWidth;
  still.height = video.videoHeight;
  still.getContext('2d').drawImage(video, 0, 0);
  still.hidden = false;
}

function closePeer() {
  keepLastFrame();
  if (control) {
    control.close();
    control = null;
  }
  if (cursor) {
    cursor.close();
    cursor = null;
  }
  if (pc) {
    pc.close();
    pc = null;
  }
  audio.detach();
  clearInterval(pingTimer);
}

// The WebSocket API hides why an upgrade was refused; ask the server in words.
async function explainRefusal() {
  try {
    const r = await fetch('/auth', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      cache: 'no-store',
    });
    const body = await r.json().catch(() => ({}));
    if (r.ok) return { text: 'The desktop refused the connection; retrying…', final: false, ok: true };
    if (r.status === 401 || r.status === 403) {
      return { text: body.message || 'This link is not valid.', final: true };
    }
    if (r.status === 429) {
      return { text: 'Too many failed attempts from this address; waiting…', final: false };
    }
    if (r.status === 503) {
      return { text: body.message || 'The desktop has too many viewers; retrying…', final: false };
    }
    return { text: `The server answered ${r.status}; retrying…`, final: false };
  } catch {
    return { text: 'The desktop cannot be reached (is wayrtc still running?); retrying…', final: false };
  }
}

function retryNow() {
  clearTimeout(retryTimer);
  stopped = false;
  connect();
}

function reconnectLater() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
}

// The share ended: wayrtc may be started again (a restart, an update). Ask quietly until
// it answers this link, then connect; a link the new one does not know ends the asking.
function pollEnded() {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(async () => {
    if (window.wayrtc.state !== 'ended') return;
    const why = await explainRefusal();
    if (window.wayrtc.state !== 'ended') return;
    if (why.ok) retryNow();
    else if (why.final) show(why.text, 'error');
    else pollEnded();
  }, ENDED_POLL_MS);
}

function startPeer() {
  closePeer();
  pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  // Its data channels must exist before the answer is made, to be part of it.
  control = createControl({
    pc,
    video,
    stage,
    sink: keySink,
    scope: window.wayrtc.hello ? window.wayrtc.hello.scope : [],
    ui: { notify: flash, clipboard: menu.showClipboard, owns: menu.owns },
  });
  // Every link gets the pointer: a watcher sees where the desktop's is.
  cursor = createCursor({ pc, video, stage, canControl: control.canControl });
  pc.onicecandidate = (ev) => {
    send({
      type: 'candidate',
      candidate: ev.candidate ? ev.candidate.candidate : '',
      sdpMid: ev.candidate ? ev.candidate.sdpMid : '0',
    });
  };
  pc.ontrack = (ev) => {
    // Show each frame, and play the sound, as soon as it is decoded: no jitter buffer for
    // a desktop. The sound comes in a stream of its own, so the browser does not hold the
    // picture back to line the two up; each plays in its own element, the video muted, so
    // its autoplay never waits on the sound's.
    if ('playoutDelayHint' in ev.receiver) ev.receiver.playoutDelayHint = 0;
    if ('jitterBufferTarget' in ev.receiver) ev.receiver.jitterBufferTarget = 0;
    if (ev.track.kind === 'video') {
      video.srcObject = new MediaStream([ev.track]);
      video.play().catch(() => {});
    } else if (ev.track.kind === 'audio' && window.wayrtc.hello?.scope.includes('audio')) {
      audio.attach(ev.track);
    }
  };
  pc.onconnectionstatechange = () => {
    const s = pc ? pc.connectionState : 'closed';
    if (s === 'connected') {
      setState('connected');
      show('Connected; waiting for the first picture…');
    } else if (s === 'failed') {
      setState('failed');
      show('The browser could not reach the desktop over WebRTC (no network path); retrying…',
        'error');
      ws.close();
    }
  };
  return pc;
}

async function onOffer(sdp) {
  const peer = startPeer();
  await peer.setRemoteDescription({ type: 'offer', sdp });
  const answer = await peer.createAnswer();
  await peer.setLocalDescription(answer);
  send({ type: 'answer', sdp: peer.localDescription.sdp });
}

async function onMessage(msg) {
  switch (msg.type) {
    case 'hello':
      window.wayrtc.hello = msg;
      menu.setScope(msg.scope);
      show(msg.scope.includes('control') ? 'Connecting to the desktop…'
        : 'Connecting to the desktop (view only)…');
      break;
    case 'offer':
      await onOffer(msg.sdp);
      break;
    case 'candidate':
      if (pc && msg.candidate) await pc.addIceCandidate({ candidate: msg.candidate, sdpMid: '0' });
      break;
    case 'error':
      show(msg.message, 'error');
      break;
    case 'bye':
      stopped = true;
      setState('ended');
      show(`The share has ended: ${msg.reason}`, 'error', { label: 'Reconnect', run: retryNow });
      closePeer();
      pollEnded();
      break;
    default:
      break;
  }
}

function connect() {
  if (stopped) return;
  setState('connecting');
  show('Connecting…');
  let opened = false;
  ws = new WebSocket(`wss://${location.host}/ws`, ['wayrtc', `token.${token}`]);
  ws.onopen = () => {
    opened = true;
    retryMs = RETRY_MIN_MS;
    pingTimer = setInterval(() => send({ type: 'ping' }), PING_MS);
  };
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    onMessage(msg).catch((err) => show(`Error: ${err.message}`, 'error'));
  };
  ws.onclose = async (ev) => {
    closePeer();
    if (stopped) return;
    if (!opened) {
      const why = await explainRefusal();
      show(why.text, 'error');
      if (why.final) {
        stopped = true;
        setState('refused');
        return;
      }
    } else if (window.wayrtc.state !== 'failed') {
      show(ev.reason ? `Disconnected (${ev.reason}); reconnecting…` : 'Disconnected; reconnecting…',
        'error', { label: 'Retry now', run: retryNow });
    }
    setState('reconnecting');
    reconnectLater();
  };
}

video.addEventListener('resize', () => {
  if (video.videoWidth > 0) {
    const first = window.wayrtc.state !== 'playing';
    setState('playing');
    still.hidden = true;
    if (first && control && !control.canControl) flash(VIEW_ONLY_TEXT);
    else if (first) show('', 'hide');
  }
});

if (!token) {
  setState('refused');
  show('This link has no token. Use the full link wayrtc printed (it ends in #token=…).', 'error');
} else {
  connect();
}
