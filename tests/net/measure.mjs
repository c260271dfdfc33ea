// What a viewer sees, measured inside the page (tests only): each frame Chromium shows
// (requestVideoFrameCallback) with its wall time and its age — the pattern client's
// --clock paints the wall time in ms as a bar code on the top row, so now minus the
// decoded value is glass to glass (paint → capture → encode → network → decode → shown) —
// and getStats() once a second. The meter runs from startMeter() on; summarize() reads
// any window of it, so a test can change the network mid-run and compare phases.

// Call before page.goto(): keeps the page's RTCPeerConnection for getStats.
export async function watchPeer(page) {
  await page.addInitScript(() => {
    const Original = window.RTCPeerConnection;
    window.__netPeers = [];
    window.RTCPeerConnection = class extends Original {
      constructor(...args) {
        super(...args);
        window.__netPeers.push(this);
      }
    };
  });
}

// In the page: window.__netClock(src, g, c) reads the clock from the top row of `src`
// (a video or canvas) through canvas c (32 × 16 by 16 pixels) and its context g.
async function installClock(page) {
  await page.evaluate(() => {
    window.__netClock = (src, g, c) => {
      g.drawImage(src, 0, 0, c.width, c.height, 0, 0, c.width, c.height);
      const row = g.getImageData(0, 8, c.width, 1).data;
      let painted = 0;
      for (let i = 0; i < 32; i++) {
        if (row[(i * 16 + 8) * 4 + 1] > 128) painted = (painted | (1 << i)) >>> 0;
      }
      return painted;
    };
  });
}

// Starts collecting frames and stats in the page (after the video plays); clock false:
// no glass to glass (reading the clock of every frame costs the page most of a core).
export async function startMeter(page, { clock = true } = {}) {
  await installClock(page);
  await page.evaluate((clock) => {
    const v = document.getElementById('screen');
    const c = document.createElement('canvas');
    c.width = 32 * 16;
    c.height = 16;
    const g = c.getContext('2d', { willReadFrequently: true });
    const m = { frames: [], stats: [], running: true };
    window.__netMeter = m;
    const onFrame = (now, meta) => {
      if (!m.running) return;
      const wall = Date.now();
      let age = null;
      if (clock && v.videoWidth >= c.width) {
        age = ((wall >>> 0) - window.__netClock(v, g, c)) >>> 0;
        // A clock smeared by a blurry frame decodes to nonsense: not an age.
        if (age > 10000) age = null;
      }
      m.frames.push({ wall, age, presented: meta.presentedFrames });
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
    const sample = async () => {
      if (!m.running) return;
      const pc = window.__netPeers[window.__netPeers.length - 1];
      if (pc) {
        const s = { wall: Date.now() };
        const all = await pc.getStats();
        let pairId = null;
        for (const r of all.values()) {
          if (r.type === 'inbound-rtp' && r.kind === 'video') {
            for (const k of ['bytesReceived', 'packetsReceived', 'packetsLost', 'nackCount',
              'pliCount', 'framesDecoded', 'framesDropped', 'totalDecodeTime',
              'jitterBufferDelay', 'jitterBufferEmittedCount', 'freezeCount',
              'totalFreezesDuration', 'qpSum', 'frameWidth', 'framesPerSecond',
              'retransmittedPacketsReceived', 'keyFramesDecoded']) s[k] = r[k];
          } else if (r.type === 'transport') {
            pairId = r.selectedCandidatePairId;
          }
        }
        const pair = pairId && all.get(pairId);
        if (pair) {
          s.rtt = pair.currentRoundTripTime;
          const local = all.get(pair.localCandidateId);
          const remote = all.get(pair.remoteCandidateId);
          s.path = `${local?.candidateType}/${local?.protocol}` +
            `${local?.relayProtocol ? ` via TURN/${local.relayProtocol}` : ''} → ` +
            `${remote?.candidateType}/${remote?.protocol}`;
        }
        m.stats.push(s);
      }
      setTimeout(sample, 1000);
    };
    sample();
  }, clock);
}

// The same frames for a page that draws into a canvas (noVNC): on every animation frame
// the clock is read from `selector`'s canvas, and a frame counts when it changed. No
// getStats: summarize() leaves those figures empty.
export async function startCanvasMeter(page, selector) {
  await installClock(page);
  await page.evaluate((sel) => {
    const src = document.querySelector(sel);
    const c = document.createElement('canvas');
    c.width = 32 * 16;
    c.height = 16;
    const g = c.getContext('2d', { willReadFrequently: true });
    const m = { frames: [], stats: [], running: true };
    let last = null;
    window.__netMeter = m;
    const onFrame = () => {
      if (!m.running) return;
      if (src.width >= c.width) {
        const painted = window.__netClock(src, g, c);
        if (painted !== last) {
          const wall = Date.now();
          const age = ((wall >>> 0) - painted) >>> 0;
          last = painted;
          m.frames.push({ wall, age: age > 10000 ? null : age });
        }
      }
      requestAnimationFrame(onFrame);
    };
    requestAnimationFrame(onFrame);
  }, selector);
}

export async function readMeter(page) {
  return page.evaluate(() => ({ frames: window.__netMeter.frames, stats: window.__netMeter.stats }));
}

const pct = (sorted, p) => (sorted.length
  ? sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] : null);

// Figures for the window [from, to) (wall-clock ms): shown frames/s, the longest gap
// between shown frames (also from `from` to the first), glass-to-glass p50/p95, and from
// getStats the received bitrate, loss, NACKs, keyframe requests, the jitter buffer's
// delay per frame, decode time per frame, average QP, freezes, RTT.
export function summarize({ frames, stats }, from, to) {
  const f = frames.filter((x) => x.wall >= from && x.wall < to);
  let gap = 0;
  let last = from;
  for (const x of f) {
    gap = Math.max(gap, x.wall - last);
    last = x.wall;
  }
  gap = Math.max(gap, to - last);
  const ages = f.map((x) => x.age).filter((a) => a !== null).sort((a, b) => a - b);
  const s = stats.filter((x) => x.wall >= from - 500 && x.wall < to + 500);
  const a = s[0];
  const b = s[s.length - 1];
  const d = (k) => (a && b && b[k] !== undefined ? b[k] - a[k] : null);
  const secs = a && b ? (b.wall - a.wall) / 1000 : 0;
  const frames_ = d('framesDecoded');
  const emitted = d('jitterBufferEmittedCount');
  const rtts = s.map((x) => x.rtt).filter((x) => x !== undefined);
  return {
    seconds: (to - from) / 1000,
    fps: f.length / ((to - from) / 1000),
    // what the decoder took (getStats), whether or not the page showed each one
    decodedFps: secs && frames_ !== null ? frames_ / secs : null,
    maxGapMs: gap,
    g2gP50: pct(ages, 0.5),
    g2gP95: pct(ages, 0.95),
    ageSamples: ages.length,
    kbps: secs ? (d('bytesReceived') * 8) / secs / 1000 : null,
    lost: d('packetsLost'),
    lossPct: d('packetsReceived') + d('packetsLost') > 0
      ? (100 * d('packetsLost')) / (d('packetsReceived') + d('packetsLost')) : null,
    nacks: d('nackCount'),
    resent: d('retransmittedPacketsReceived'),
    plis: d('pliCount'),
    keyframes: d('keyFramesDecoded'),
    jitterBufferMs: emitted ? (1000 * d('jitterBufferDelay')) / emitted : null,
    decodeMs: frames_ ? (1000 * d('totalDecodeTime')) / frames_ : null,
    qp: frames_ ? d('qpSum') / frames_ : null,
    freezes: d('freezeCount'),
    frozenS: d('totalFreezesDuration'),
    rttMs: rtts.length ? (1000 * rtts.reduce((x, y) => x + y, 0)) / rtts.length : null,
    path: b?.path ?? null,
  };
}

// After a change at `at`: ms until the picture is steady again (from then until `to`,
// every gap between shown frames under gapMs and every frame younger than ageMs), or
// null if it never is.
export function settleTime({ frames }, at, to, { gapMs = 250, ageMs = 250 } = {}) {
  const f = frames.filter((x) => x.wall >= at && x.wall < to);
  let steadyFrom = null;
  let last = at;
  for (const x of f) {
    const ok = x.wall - last < gapMs && (x.age === null || x.age < ageMs);
    if (!ok) steadyFrom = null;
    else if (steadyFrom === null) steadyFrom = last;
    last = x.wall;
  }
  if (to - last >= gapMs) return null;
  return steadyFrom === null ? null : steadyFrom - at;
}

// The window [at, to) in bins of binMs: frames shown, the longest gap ending in the bin
// and the oldest frame's age, for seeing how a step plays out (network.mjs --trace).
export function timeline({ frames }, at, to, binMs = 250) {
  const bins = [];
  let last = at;
  for (let t = at; t < to; t += binMs) bins.push({ t: t - at, frames: 0, gapMs: 0, ageMs: null });
  for (const x of frames) {
    if (x.wall < at || x.wall >= to) continue;
    const b = bins[Math.floor((x.wall - at) / binMs)];
    b.frames++;
    b.gapMs = Math.max(b.gapMs, x.wall - last);
    if (x.age !== null) b.ageMs = Math.max(b.ageMs ?? 0, x.age);
    last = x.wall;
  }
  return bins;
}

// One line of figures for logs and benchmarks.
export function describe(name, r) {
  const n = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  return `${name}: ${n(r.fps, 1)} fps (${n(r.decodedFps, 1)} decoded), longest gap ${n(r.maxGapMs)} ms, glass-to-glass ` +
    `p50 ${n(r.g2gP50)} / p95 ${n(r.g2gP95)} ms, ${n(r.kbps)} kbit/s, loss ${n(r.lossPct, 1)} % ` +
    `(${n(r.lost)} packets), ${n(r.nacks)} NACKs, ${n(r.resent)} resent, ${n(r.plis)} PLIs, ` +
    'jitter buffer ' +
    `${n(r.jitterBufferMs)} ms, decode ${n(r.decodeMs, 1)} ms, QP ${n(r.qp, 1)}, ` +
    `${n(r.freezes)} freezes (${n(r.frozenS, 1)} s), RTT ${n(r.rttMs)} ms, path ${r.path ?? '-'}`;
}
