// The clipboard half of remote control (web/control.js), on its own `clipboard` channel
// (docs/input.md): this page's pastes become the desktop's clipboard, before the Ctrl+V
// that pastes them; the desktop's copies become this device's clipboard, or a notice.

export const CLIPBOARD_MAX = 262144; // bytes of UTF-8 in one clipboard message

// How long a Ctrl+V waits for the browser's paste event before it goes out anyway.
export const PASTE_WAIT_MS = 100;
// How long the V then waits for the clipboard text to leave the browser, so the desktop
// has the new clipboard before it sees the key.
export const CLIPBOARD_DRAIN_MS = 1000;

const utf8 = new TextEncoder();

export function utf8Length(text) {
  return utf8.encode(text).length;
}

// channel: the `clipboard` data channel or null; out: control.js's { isOpen, hold,
// unhold }: while held, `input` waits (the Ctrl+V behind the text); typeText(text):
// web/keyboard.js's, for a paste with no Ctrl+V; ui: { notify(text), clipboard(text,
// copied) }; state: window.wayrtc; signal: aborts the listeners on close; on(target, type,
// fn, opts): adds a listener that control.js removes on close.
export function createClipboard({
  win, doc, channel, out, canControl, typeText, ui, state, signal, on,
}) {
  let pasteTimer = 0;
  let drainTimer = 0;
  let lastSent = null;

  function pasteDone() {
    win.clearTimeout(pasteTimer);
    win.clearTimeout(drainTimer);
    pasteTimer = 0;
    drainTimer = 0;
    // a later paste must not be ended by this one's drain
    if (channel) channel.removeEventListener('bufferedamountlow', pasteDone);
    out.unhold();
  }

  // A Ctrl+V: the input behind it waits for the paste event's text, or PASTE_WAIT_MS.
  function begin() {
    out.hold();
    win.clearTimeout(pasteTimer);
    pasteTimer = win.setTimeout(pasteDone, PASTE_WAIT_MS);
  }

  function send(text) {
    if (!out.isOpen(channel) || !text) return false;
    if (utf8Length(text) > CLIPBOARD_MAX) {
      ui.notify?.('That text is too long for the desktop\'s clipboard (256 KiB at most).');
      return false;
    }
    channel.send(text);
    lastSent = text;
    state.clipboardSent = (state.clipboardSent || 0) + 1;
    return true;
  }

  // The V follows once the text has left the browser (or after CLIPBOARD_DRAIN_MS).
  function pasteAfterDrain() {
    if (!channel.bufferedAmount) {
      pasteDone();
      return;
    }
    channel.bufferedAmountLowThreshold = 0;
    channel.addEventListener('bufferedamountlow', pasteDone, { signal });
    drainTimer = win.setTimeout(pasteDone, CLIPBOARD_DRAIN_MS);
  }

  function onPaste(ev) {
    if (!canControl && !out.isOpen(channel)) return;
    const text = ev.clipboardData ? ev.clipboardData.getData('text/plain') : '';
    ev.preventDefault(); // it goes to the desktop, not into the hidden textarea
    const fromKey = pasteTimer !== 0;
    win.clearTimeout(pasteTimer);
    pasteTimer = 0;
    const sent = send(text);
    if (fromKey) {
      if (sent) pasteAfterDrain();
      else pasteDone();
    } else {
      // A paste with no Ctrl+V (a phone's paste button): type it where the cursor is.
      typeText(text);
    }
  }

  function onMessage(ev) {
    // What the desktop held when this page joined comes as binary (UTF-8), a copy made
    // since as text: only a copy is written over this device's clipboard and announced;
    // the old text is kept in window.wayrtc.clipboard, quietly.
    const atJoin = typeof ev.data !== 'string';
    const text = atJoin ? new TextDecoder().decode(ev.data) : ev.data;
    state.clipboard = text;
    if (atJoin || text === lastSent) return; // or our own paste coming back
    const report = (copied) => ui.clipboard?.(text, copied);
    const cb = win.navigator?.clipboard;
    if (!cb || !cb.writeText) {
      report(false);
      return;
    }
    cb.writeText(text).then(() => report(true), () => report(false));
  }

  on(doc, 'paste', onPaste, { capture: true });
  on(channel, 'message', onMessage);

  return {
    // A Ctrl+V may wait for its text: only with the channel open.
    wanted: () => out.isOpen(channel),
    begin,
    // Letting go of everything: a paste in progress ends, and `input` flows again.
    forget: pasteDone,
  };
}
