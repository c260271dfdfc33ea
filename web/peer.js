// The WebRTC side of the page: one RTCPeerConnection per offer from the server, answered
// here; its data channels (web/control.js) and the desktop's pointer (web/cursor.js) made
// before the answer; the picture and the sound shown as soon as they are decoded; the
// last picture kept, dimmed, while there is no connection.

import { createControl } from './control.js';
import { createCursor } from './cursor.js';

// elements: { video, stage, keySink, still }; menu, audio: web/menu.js's and web/audio.js's;
// status: web/status.js's; state: window.wayrtc; signaling: { send(msg), close() } of
// web/signaling.js; zoom, keybar: web/zoom.js's and web/keybar.js's.
export function createPeer({
  elements, menu, audio, status, state, signaling, zoom = null, keybar = null,
}) {
  const { video, stage, keySink, still } = elements;
  let pc = null;
  let control = null;
  let cursor = null;

  // The last picture stays, dimmed, while there is no connection: a blip should not blank
  // the screen.
  function keepLastFrame() {
    if (!video.videoWidth || !still.hidden) return;
    still.width = video.videoWidth;
    still.height = video.videoHeight;
    still.getContext('2d').drawImage(video, 0, 0);
    still.hidden = false;
  }

  function close() {
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
  }

  function start() {
    close();
    // The desktop's TURN server, with credentials made for this viewer (hello), lets a
    // browser whose network blocks UDP connect over TCP or TLS.
    pc = new RTCPeerConnection({
      bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require',
      iceServers: state.hello?.iceServers ?? [],
    });
    // Its data channels must exist before the answer is made, to be part of it.
    control = createControl({
      pc,
      video,
      stage,
      sink: keySink,
      scope: state.hello ? state.hello.scope : [],
      ui: {
        notify: status.flash,
        clipboard: menu.showClipboard,
        owns: (t) => menu.owns(t) || !!keybar?.owns(t),
      },
      zoom,
      latch: keybar,
    });
    // Every link gets the pointer: a watcher sees where the desktop's is.
    cursor = createCursor({ pc, video, stage, canControl: control.canControl });
    pc.onicecandidate = (ev) => {
      signaling.send({
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
      } else if (ev.track.kind === 'audio' && state.hello?.scope.includes('audio')) {
        audio.attach(ev.track);
      }
    };
    pc.onconnectionstatechange = () => {
      const s = pc ? pc.connectionState : 'closed';
      if (s === 'connected') {
        status.setState('connected');
        status.show(state.noPicture ?? 'Connected; waiting for the first picture…');
      } else if (s === 'failed') {
        status.setState('failed');
        status.show('The browser could not reach the desktop over WebRTC (no network path); retrying…',
          'error');
        signaling.close();
      }
    };
    return pc;
  }

  async function answer(sdp) {
    const peer = start();
    await peer.setRemoteDescription({ type: 'offer', sdp });
    const desc = await peer.createAnswer();
    await peer.setLocalDescription(desc);
    signaling.send({ type: 'answer', sdp: peer.localDescription.sdp });
  }

  // candidate null: wayrtc has no more; an empty one tells the browser (which then stops
  // waiting for more), and a browser that refuses it loses nothing.
  async function addCandidate(candidate) {
    if (pc && candidate) await pc.addIceCandidate({ candidate, sdpMid: '0' });
    else if (pc) await pc.addIceCandidate({ candidate: '', sdpMid: '0' }).catch(() => {});
  }

  return {
    answer,
    addCandidate,
    close,
    getPeer: () => pc,
    getControl: () => control,
    getCursor: () => cursor,
  };
}
