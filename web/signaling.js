// The signaling WebSocket (docs/protocol.md): opened with the link's token as a
// subprotocol, kept alive with pings, reconnected with a growing pause when it drops, and
// after "the share has ended" asked about quietly until wayrtc answers this link again.
// A refused upgrade is explained in words by asking /auth.

const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 5000;
// After "the share has ended": how often to ask, quietly, whether wayrtc is back.
const ENDED_POLL_MS = 5000;
const PING_MS = 10000;

// token: the link's; status: web/status.js's; state: window.wayrtc; onMessage(msg): each
// message, parsed (a promise; its failure is shown); onClose(): the socket closed (the
// peer goes with it).
export function createSignaling({
  token, status, state, onMessage, onClose, win = globalThis.window,
}) {
  let ws = null;
  let retryMs = RETRY_MIN_MS;
  let stopped = false;
  let pingTimer = 0;
  let retryTimer = 0;

  function send(msg) {
    if (ws && ws.readyState === win.WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  // The WebSocket API hides why an upgrade was refused; ask the server in words.
  async function explainRefusal() {
    try {
      const r = await win.fetch('/auth', {
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
    win.clearTimeout(retryTimer);
    stopped = false;
    connect();
  }

  function reconnectLater() {
    win.clearTimeout(retryTimer);
    retryTimer = win.setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  // The share ended: wayrtc may be started again (a restart, an update). Ask quietly until
  // it answers this link, then connect; a link the new one does not know ends the asking.
  function pollEnded() {
    win.clearTimeout(retryTimer);
    retryTimer = win.setTimeout(async () => {
      if (state.state !== 'ended') return;
      const why = await explainRefusal();
      if (state.state !== 'ended') return;
      if (why.ok) retryNow();
      else if (why.final) status.show(why.text, 'error');
      else pollEnded();
    }, ENDED_POLL_MS);
  }

  // "bye": the share has ended; no reconnecting, only the quiet asking (pollEnded).
  function stop() {
    stopped = true;
  }

  function stopPing() {
    win.clearInterval(pingTimer);
  }

  function connect() {
    if (stopped) return;
    status.setState('connecting');
    status.show('Connecting…');
    let opened = false;
    ws = new win.WebSocket(`wss://${win.location.host}/ws`, ['wayrtc', `token.${token}`]);
    ws.onopen = () => {
      opened = true;
      retryMs = RETRY_MIN_MS;
      pingTimer = win.setInterval(() => send({ type: 'ping' }), PING_MS);
    };
    ws.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      onMessage(msg).catch((err) => status.show(`Error: ${err.message}`, 'error'));
    };
    ws.onclose = async (ev) => {
      stopPing();
      onClose();
      if (stopped) return;
      if (!opened) {
        const why = await explainRefusal();
        status.show(why.text, 'error');
        if (why.final) {
          stopped = true;
          status.setState('refused');
          return;
        }
      } else if (state.state !== 'failed') {
        status.show(ev.reason ? `Disconnected (${ev.reason}); reconnecting…` : 'Disconnected; reconnecting…',
          'error', { label: 'Retry now', run: retryNow });
      }
      status.setState('reconnecting');
      reconnectLater();
    };
  }

  return {
    connect, send, retryNow, pollEnded, stop,
    close: () => ws.close(),
  };
}
