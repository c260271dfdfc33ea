// The statistics overlay (menu item "Statistics"): once a second, from the connection's
// getStats(), what the link and the picture are doing — round trip, the bandwidth
// estimate, the bitrate the desktop sent and the one that arrived, frames per second,
// loss, retransmissions, decode time and how long frames waited to be shown. For people
// asking "why is it blurry / late", and for tests (window.wayrtc.stats).

export const STATS_INTERVAL_MS = 1000;

// The reports we use from one getStats() result, flattened (sums over video and audio
// where both count: bytes and packets on the wire).
export function snapshot(report, wall) {
  const s = {
    wall, bytesReceived: 0, packetsReceived: 0, packetsLost: 0, nackCount: 0,
    retransmittedPacketsReceived: 0, bytesSent: null, packetsSent: null,
  };
  let pairId = null;
  const pairs = [];
  for (const r of report.values()) {
    if (r.type === 'inbound-rtp') {
      s.bytesReceived += r.bytesReceived ?? 0;
      s.packetsReceived += r.packetsReceived ?? 0;
      s.packetsLost += r.packetsLost ?? 0;
      s.nackCount += r.nackCount ?? 0;
      s.retransmittedPacketsReceived += r.retransmittedPacketsReceived ?? 0;
      if (r.kind === 'video') {
        s.video = {
          framesDecoded: r.framesDecoded ?? 0,
          totalDecodeTime: r.totalDecodeTime ?? 0,
          jitterBufferDelay: r.jitterBufferDelay ?? 0,
          jitterBufferEmittedCount: r.jitterBufferEmittedCount ?? 0,
          framesPerSecond: r.framesPerSecond,
          width: r.frameWidth,
          height: r.frameHeight,
          pliCount: r.pliCount ?? 0,
        };
      }
    } else if (r.type === 'remote-outbound-rtp') {
      // from the desktop's Sender Reports: what it says it sent
      s.bytesSent = (s.bytesSent ?? 0) + (r.bytesSent ?? 0);
      s.packetsSent = (s.packetsSent ?? 0) + (r.packetsSent ?? 0);
    } else if (r.type === 'transport' && r.selectedCandidatePairId) {
      pairId = r.selectedCandidatePairId;
    } else if (r.type === 'candidate-pair') {
      pairs.push(r);
    }
  }
  const pair = (pairId && report.get(pairId)) ||
    pairs.find((p) => p.nominated && p.state === 'succeeded');
  if (pair) {
    s.rtt = pair.currentRoundTripTime;
    // The browser's estimate of what reaches it, where it gives one (Chromium keeps it
    // to itself, in REMB / transport-cc feedback: then "–", never its outgoing one,
    // which measures the other direction).
    s.estimate = pair.availableIncomingBitrate;
    const local = report.get(pair.localCandidateId);
    if (local) {
      s.path = `${local.candidateType} ${local.protocol}` +
        (local.relayProtocol ? ` via TURN/${local.relayProtocol}` : '');
    }
  }
  return s;
}

// Figures for the second between two snapshots; null where the browser gives nothing.
export function figures(prev, cur) {
  const secs = prev ? (cur.wall - prev.wall) / 1000 : 0;
  const rate = (k) => (prev && secs > 0 && cur[k] !== null && prev[k] !== null
    ? ((cur[k] - prev[k]) * 8) / secs / 1000 : null);
  const delta = (k) => (prev ? cur[k] - prev[k] : null);
  const v = cur.video;
  const pv = prev?.video;
  const frames = v && pv ? v.framesDecoded - pv.framesDecoded : null;
  const emitted = v && pv ? v.jitterBufferEmittedCount - pv.jitterBufferEmittedCount : null;
  const got = delta('packetsReceived');
  const lost = delta('packetsLost');
  return {
    rttMs: cur.rtt !== undefined ? cur.rtt * 1000 : null,
    estimateKbps: cur.estimate !== undefined ? cur.estimate / 1000 : null,
    sentKbps: rate('bytesSent'),
    receivedKbps: rate('bytesReceived'),
    fps: frames !== null && secs > 0 ? frames / secs : (v?.framesPerSecond ?? null),
    lossPct: got !== null && got + lost > 0 ? (100 * Math.max(0, lost)) / (got + lost) : null,
    nacks: delta('nackCount'),
    retransmitted: delta('retransmittedPacketsReceived'),
    decodeMs: frames ? (1000 * (v.totalDecodeTime - pv.totalDecodeTime)) / frames : null,
    frameDelayMs: emitted ? (1000 * (v.jitterBufferDelay - pv.jitterBufferDelay)) / emitted : null,
    size: v?.width ? `${v.width}×${v.height}` : null,
    path: cur.path ?? null,
  };
}

const num = (x, unit, digits = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–'
  : `${x.toFixed(digits)}${unit}`);

export function format(f) {
  return [
    `RTT            ${num(f.rttMs, ' ms')}`,
    `estimate       ${num(f.estimateKbps, ' kbit/s')}`,
    `sent           ${num(f.sentKbps, ' kbit/s')}`,
    `received       ${num(f.receivedKbps, ' kbit/s')}`,
    `frames/s       ${num(f.fps, '', 1)}`,
    `loss           ${num(f.lossPct, ' %', 1)}`,
    `NACKs / resent ${num(f.nacks, '')} / ${num(f.retransmitted, '')}`,
    `decode         ${num(f.decodeMs, ' ms', 1)}`,
    `frame delay    ${num(f.frameDelayMs, ' ms')}`,
    `picture        ${f.size ?? '–'}`,
    `path           ${f.path ?? '–'}`,
  ].join('\n');
}

// element: where the lines go (hidden while off); getPeer(): the RTCPeerConnection or null.
// onChange(shown) lets the menu show the item pressed.
export function createStats({
  element, getPeer, onChange = () => {}, win = globalThis.window,
  timers = globalThis, now = () => Date.now(),
}) {
  let timer = 0;
  let prev = null;
  let busy = false;

  async function tick() {
    const pc = getPeer();
    if (!pc || busy) return;
    busy = true;
    try {
      const cur = snapshot(await pc.getStats(), now());
      if (!timer) return; // turned off meanwhile
      const f = figures(prev && prev.pc === pc ? prev.snap : null, cur);
      prev = { pc, snap: cur };
      element.textContent = format(f);
      win.wayrtc.stats = f;
    } catch {
      // a connection closed under us: the next tick takes the new one
    } finally {
      busy = false;
    }
  }

  function show(on) {
    if (on === !!timer) return on;
    if (on) {
      element.textContent = format(figures(null, { wall: now() }));
      timer = timers.setInterval(tick, STATS_INTERVAL_MS);
      tick();
    } else {
      timers.clearInterval(timer);
      timer = 0;
      prev = null;
      win.wayrtc.stats = null;
    }
    element.hidden = !on;
    onChange(on);
    return on;
  }

  return {
    toggle: () => show(!timer),
    show,
    get shown() {
      return !!timer;
    },
  };
}
