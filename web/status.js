// The status line: what the client is doing or why it cannot, in words, with a button
// beside it where one helps (Retry now, Reconnect); and window.wayrtc.state, the same for
// tests and scripts.

const FLASH_MS = 4000;

// element: the status box; state: window.wayrtc; onState(value): after each change of
// window.wayrtc.state.
export function createStatus({
  element, state, onState = () => {}, win = globalThis.window,
}) {
  let flashTimer = 0;

  // `action`: {label, run} for a button beside the text (Retry now, Reconnect).
  function show(text, kind = 'info', action = null) {
    win.clearTimeout(flashTimer);
    element.textContent = text;
    if (action) {
      const button = element.ownerDocument.createElement('button');
      button.type = 'button';
      button.textContent = action.label;
      button.addEventListener('click', action.run);
      element.append(' ', button);
    }
    element.classList.toggle('error', kind === 'error');
    element.classList.toggle('hidden', kind === 'hide');
    if (kind === 'error') state.error = text;
  }

  // A message that goes away by itself, unless another replaces it first.
  function flash(text) {
    show(text);
    flashTimer = win.setTimeout(() => show('', 'hide'), FLASH_MS);
  }

  function setState(value) {
    state.state = value;
    onState(value);
  }

  return { show, flash, setState };
}
