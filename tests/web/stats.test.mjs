// web/stats.js and its menu item: the figures made from two getStats() results a second
// apart (as Chromium names them), the overlay shown and updated every second while on,
// and the menu's Statistics item turning it on and off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot, figures, format, createStats, STATS_INTERVAL_MS } from '../../web/stats.js';
import { createMenu } from '../../web/menu.js';

const settle = () => new Promise((r) => setTimeout(r, 0));

// A getStats() result one second into a stream: n counts the seconds.
function report(n) {
  const entries = [
    ['IT01V', {
      type: 'inbound-rtp', kind: 'video', bytesReceived: 250000 * n, packetsReceived: 200 * n,
      packetsLost: 2 * n, nackCount: 3 * n, retransmittedPacketsReceived: n,
      framesDecoded: 30 * n, totalDecodeTime: 0.15 * n, jitterBufferDelay: 1.2 * n,
      jitterBufferEmittedCount: 30 * n, frameWidth: 1280, frameHeight: 720, pliCount: 0,
    }],
    ['IT01A', {
      type: 'inbound-rtp', kind: 'audio', bytesReceived: 12500 * n, packetsReceived: 50 * n,
      packetsLost: 0, nackCount: 0,
    }],
    ['RO01V', { type: 'remote-outbound-rtp', kind: 'video', bytesSent: 262500 * n, packetsSent: 210 * n }],
    ['T01', { type: 'transport', selectedCandidatePairId: 'CP1' }],
    ['CP1', {
      type: 'candidate-pair', currentRoundTripTime: 0.042, availableIncomingBitrate: 2500000,
      localCandidateId: 'L1', remoteCandidateId: 'R1', nominated: true, state: 'succeeded',
    }],
    ['L1', { type: 'local-candidate', candidateType: 'relay', relayProtocol: 'tcp', protocol: 'udp' }],
  ];
  return new Map(entries.map(([id, r]) => [id, { id, ...r }]));
}

test('figures over one second: RTT, estimate, sent and received bitrate, fps, loss, resends, decode, frame delay', () => {
  const f = figures(snapshot(report(1), 1000), snapshot(report(2), 2000));
  assert.equal(f.rttMs, 42);
  assert.equal(f.estimateKbps, 2500);
  assert.equal(f.sentKbps, 2100); // 262,500 bytes in a second
  assert.equal(f.receivedKbps, 2100); // video 2000 + audio 100
  assert.equal(f.fps, 30);
  assert.ok(Math.abs(f.lossPct - (100 * 2) / 252) < 1e-9, `loss ${f.lossPct}`);
  assert.equal(f.nacks, 3);
  assert.equal(f.retransmitted, 1);
  assert.ok(Math.abs(f.decodeMs - 5) < 1e-9);
  assert.ok(Math.abs(f.frameDelayMs - 40) < 1e-9);
  assert.equal(f.size, '1280×720');
  assert.equal(f.path, 'relay udp via TURN/tcp');
  const text = format(f);
  for (const line of [/^RTT +42 ms$/m, /^estimate +2500 kbit\/s$/m, /^sent +2100 kbit\/s$/m,
    /^received +2100 kbit\/s$/m, /^frames\/s +30\.0$/m, /^loss +0\.8 %$/m,
    /^NACKs \/ resent 3 \/ 1$/m, /^decode +5\.0 ms$/m, /^frame delay +40 ms$/m]) {
    assert.match(text, line);
  }
});

test('the first sample, and a browser that gives nothing, show dashes, not zeros', () => {
  const f = figures(null, snapshot(new Map(), 0));
  assert.equal(f.fps, null);
  assert.equal(f.rttMs, null);
  const text = format(f);
  assert.match(text, /^RTT +–$/m);
  assert.match(text, /^frames\/s +–$/m);
  assert.doesNotMatch(text, /NaN|undefined|null/);
});

class FakeTimers {
  constructor() {
    this.intervals = new Map();
    this.next = 1;
  }

  setInterval(fn, ms) {
    this.intervals.set(this.next, { fn, ms });
    return this.next++;
  }

  clearInterval(id) {
    this.intervals.delete(id);
  }

  async fire() {
    for (const { fn } of this.intervals.values()) fn();
    await settle();
  }
}

function overlay() {
  const timers = new FakeTimers();
  let n = 1;
  let clock = 1000;
  const pc = { getStats: async () => report(n) };
  const element = { hidden: true, textContent: '' };
  const win = { wayrtc: { stats: null } };
  const shown = [];
  const stats = createStats({
    element, getPeer: () => pc, onChange: (on) => shown.push(on), win, timers,
    now: () => clock,
  });
  const second = async () => {
    n++;
    clock += 1000;
    await timers.fire();
  };
  return { stats, element, win, timers, shown, second };
}

test('on: shown, updated every second; off: hidden, no timer, no figures', async () => {
  const o = overlay();
  assert.equal(o.stats.shown, false);
  o.stats.toggle();
  assert.equal(o.element.hidden, false);
  assert.deepEqual([...o.timers.intervals.values()].map((t) => t.ms), [STATS_INTERVAL_MS]);
  await settle();
  assert.match(o.element.textContent, /^frames\/s +–$/m, 'one sample: no rate yet');
  await o.second();
  assert.match(o.element.textContent, /^frames\/s +30\.0$/m);
  assert.equal(o.win.wayrtc.stats.fps, 30);
  assert.equal(o.win.wayrtc.stats.receivedKbps, 2100);
  o.stats.toggle();
  assert.equal(o.element.hidden, true);
  assert.equal(o.timers.intervals.size, 0);
  assert.equal(o.win.wayrtc.stats, null);
  assert.deepEqual(o.shown, [true, false]);
});

test('no connection yet: the overlay waits without failing', async () => {
  const timers = new FakeTimers();
  const element = { hidden: true, textContent: '' };
  const stats = createStats({ element, getPeer: () => null, win: { wayrtc: {} }, timers });
  stats.show(true);
  await timers.fire();
  assert.equal(element.hidden, false);
  assert.match(element.textContent, /^RTT +–$/m);
});

function element(props = {}) {
  const el = Object.assign(new EventTarget(), { hidden: false, attrs: {}, ...props });
  el.setAttribute = (k, v) => {
    el.attrs[k] = String(v);
  };
  el.getAttribute = (k) => el.attrs[k] ?? null;
  el.closest = () => el;
  el.contains = (t) => t === el;
  return el;
}

const clickOn = (panel, item) => {
  const ev = new Event('click');
  Object.defineProperty(ev, 'target', { value: item });
  panel.dispatchEvent(ev);
};

test('the menu\'s Statistics item turns the overlay on and off and shows it pressed', async () => {
  const items = {
    fullscreen: element(), sound: element({ hidden: true }), keyboard: element(),
    stats: element({ dataset: { action: 'stats' } }),
  };
  const panel = element({ hidden: true });
  panel.querySelector = (sel) => items[/data-action="([\w-]+)"/.exec(sel)?.[1]] ?? null;
  panel.querySelectorAll = () => [];
  const notice = element();
  notice.querySelector = () => element();
  const byId = { toolbar: element(), 'menu-toggle': element(), menu: panel, 'clip-notice': notice };
  const doc = Object.assign(new EventTarget(), { getElementById: (id) => byId[id], fullscreenEnabled: true });
  const o = { timers: new FakeTimers(), element: { hidden: true, textContent: '' } };
  let stats = null;
  const menu = createMenu({ getControl: () => null, getStats: () => stats, notify: () => {}, doc, nav: {},
    win: new EventTarget() });
  // the page's wiring (web/app.js)
  stats = createStats({
    element: o.element, getPeer: () => ({ getStats: async () => report(1) }),
    onChange: menu.setStats, win: { wayrtc: {} }, timers: o.timers,
  });
  clickOn(panel, items.stats);
  assert.equal(o.element.hidden, false);
  assert.equal(items.stats.getAttribute('aria-pressed'), 'true');
  assert.equal(items.stats.textContent, 'Statistics: on', 'said in words, not only pressed');
  clickOn(panel, items.stats);
  assert.equal(o.element.hidden, true);
  assert.equal(items.stats.getAttribute('aria-pressed'), 'false');
  assert.equal(items.stats.textContent, 'Statistics: off');
  assert.equal(o.timers.intervals.size, 0);
});
