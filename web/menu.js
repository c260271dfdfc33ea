// The corner menu and the clipboard notice. Fullscreen takes the keyboard lock where the
// browser has one, so Ctrl+W, Alt+Tab and Escape reach the desktop instead of the
// browser; the rest are things a browser cannot type: key combinations, a paste typed out.
// Sound on/off (web/audio.js) shows only while there is sound to turn on or off;
// Statistics toggles the overlay of web/stats.js, Key bar the bar of web/keybar.js; while
// the picture is pinched bigger (web/zoom.js) an item says how much and resets it. Where
// the desktop keeps its size (hello without `resize`) the view items take its place: Fit
// to window, 1:1, and Zoom out / in with the zoom in between (those two leave the menu
// open, for a few presses in a row). Each toggle says its state in words ("Sound: off"),
// not only by its highlight. Escape closes the menu (and goes no further: it was meant
// for the menu, not the desktop). The clipboard notice sits at the top centre, under the
// status line, away from title-bar buttons and panels in the corners; it goes when the
// share ends.

import { COMBOS } from './control.js';

// A notice the browser could copy itself needs no button for long.
const NOTICE_COPIED_MS = 6000;

// getAudio(): the page's sound (web/audio.js createAudio), or null; getStats(): the
// statistics overlay (web/stats.js createStats), or null; getKeybar(), getZoom(): the key
// bar's and the zoom's, or null.
export function createMenu({
  getControl, getAudio = () => null, getStats = () => null, getKeybar = () => null,
  getZoom = () => null, notify, doc = globalThis.document, nav = globalThis.navigator,
  win = globalThis.window,
}) {
  const toolbar = doc.getElementById('toolbar');
  const toggle = doc.getElementById('menu-toggle');
  const panel = doc.getElementById('menu');
  const fullscreenItem = panel.querySelector('[data-action="fullscreen"]');
  const soundItem = panel.querySelector('[data-action="sound"]');
  const statsItem = panel.querySelector('[data-action="stats"]');
  const keybarItem = panel.querySelector('[data-action="keybar"]');
  const zoomItem = panel.querySelector('[data-action="zoom-reset"]');
  const fitItem = panel.querySelector('[data-action="view-fit"]');
  const oneItem = panel.querySelector('[data-action="view-1to1"]');
  const zoomRow = panel.querySelector('.zoom-row');
  const zoomLevel = panel.querySelector('.zoom-level');
  let fixed = false; // the desktop keeps its size: the view items are offered
  const notice = doc.getElementById('clip-notice');
  const noticeText = notice.querySelector('.text');
  let clipText = '';
  let noticeTimer = 0;

  function setOpen(open) {
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
  }

  // Only what this link may do is offered.
  function setScope(scope) {
    const control = scope.includes('control');
    for (const el of panel.querySelectorAll('[data-needs="control"]')) el.hidden = !control;
    // Only a touch screen lacks a keyboard of its own.
    panel.querySelector('[data-action="keyboard"]').hidden = !control || !nav.maxTouchPoints;
  }

  // A toggle's state, in words and for assistive technology.
  function setToggle(item, name, on) {
    if (!item) return;
    item.setAttribute('aria-pressed', String(on));
    item.textContent = `${name}: ${on ? 'on' : 'off'}`;
  }

  // available: an audio track plays; enabled: the person's choice, remembered.
  function setSound({ available, enabled }) {
    soundItem.hidden = !available;
    setToggle(soundItem, 'Sound', enabled);
  }

  function setStats(shown) {
    setToggle(statsItem, 'Statistics', shown);
  }

  function setKeybar(shown) {
    setToggle(keybarItem, 'Key bar', shown);
  }

  // view: web/zoom.js's {scale, mode, ratio}. A desktop that follows the window: the
  // reset item is there only while pinched in. One that keeps its size: the view items,
  // the zoom in device pixels a desktop pixel (100 % is 1:1).
  function setZoom(view) {
    if (zoomItem) {
      zoomItem.hidden = fixed || view.scale <= 1;
      zoomItem.textContent = `Zoom: ${Math.round(view.scale * 100)} % · back to 100 %`;
    }
    if (!fixed || view.ratio === undefined) return;
    fitItem?.setAttribute('aria-pressed', String(view.mode === 'fit'));
    oneItem?.setAttribute('aria-pressed', String(view.mode === '1:1'));
    if (zoomLevel) zoomLevel.textContent = `${Math.round(view.ratio * 100)} %`;
  }

  // hello: whether the desktop keeps its size whatever this window's (see setZoom)
  function setFixed(value) {
    fixed = !!value;
    for (const el of [fitItem, oneItem, zoomRow]) if (el) el.hidden = !fixed;
    if (fixed && zoomItem) zoomItem.hidden = true;
  }

  async function toggleFullscreen() {
    try {
      if (doc.fullscreenElement) await doc.exitFullscreen();
      else await doc.documentElement.requestFullscreen({ navigationUI: 'hide' });
    } catch (err) {
      notify(`The browser refused fullscreen: ${err.message}`);
    }
  }

  function onFullscreenChange() {
    const on = !!doc.fullscreenElement;
    fullscreenItem.textContent = on ? 'Exit fullscreen' : 'Fullscreen';
    const kb = nav.keyboard;
    window.wayrtc.keyboardLocked = false;
    if (!kb || !kb.lock) return;
    if (on) {
      kb.lock().then(() => {
        window.wayrtc.keyboardLocked = !!doc.fullscreenElement;
      }, () => {});
    } else {
      kb.unlock();
    }
  }

  async function pasteAsKeys(control) {
    let text;
    try {
      text = await nav.clipboard.readText();
    } catch {
      notify('The browser did not let this page read the clipboard; press Ctrl+V instead.');
      return;
    }
    if (text) control.typeText(text);
  }

  // What the items that need no connection do.
  const LOCAL = {
    fullscreen: () => toggleFullscreen(),
    sound: () => getAudio()?.toggle(),
    stats: () => getStats()?.toggle(),
    keybar: () => getKeybar()?.toggle(),
    'zoom-reset': () => getZoom()?.reset(),
    'view-fit': () => getZoom()?.fit(),
    'view-1to1': () => getZoom()?.oneToOne(),
    'zoom-in': () => getZoom()?.zoomIn(),
    'zoom-out': () => getZoom()?.zoomOut(),
  };

  function run(item) {
    const control = getControl();
    const action = item.dataset.action;
    if (Object.hasOwn(LOCAL, action)) {
      LOCAL[action]();
    } else if (!control) {
      notify('Not connected to the desktop yet.');
    } else if (item.dataset.combo) {
      control.sendCombo(COMBOS[item.dataset.combo]);
    } else if (action === 'keyboard') {
      setToggle(item, 'Keyboard', control.toggleKeyboard());
    } else if (action === 'paste-keys') {
      pasteAsKeys(control);
    }
  }

  function hideNotice() {
    clearTimeout(noticeTimer);
    notice.hidden = true;
  }

  // Copies in the click's user gesture; the old way when the Clipboard API says no.
  async function copyNow() {
    try {
      await nav.clipboard.writeText(clipText);
    } catch {
      const area = doc.createElement('textarea');
      area.value = clipText;
      area.className = 'offscreen';
      doc.body.append(area);
      area.select();
      const ok = doc.execCommand('copy');
      area.remove();
      if (!ok) {
        noticeText.textContent = 'The browser refused to copy the desktop\'s text';
        return;
      }
    }
    hideNotice();
  }

  function showClipboard(text, copied) {
    clipText = text;
    noticeText.textContent = copied ? 'The desktop copied text (copied here too)'
      : 'The desktop copied text';
    notice.hidden = false;
    clearTimeout(noticeTimer);
    if (copied) noticeTimer = setTimeout(hideNotice, NOTICE_COPIED_MS);
  }

  // Clicks here must not move focus: the keyboard stays with the desktop (or the phone's
  // keyboard stays up).
  for (const el of [toolbar, notice]) {
    el.addEventListener('mousedown', (ev) => ev.preventDefault());
    el.addEventListener('contextmenu', (ev) => ev.preventDefault());
  }
  toggle.addEventListener('click', () => setOpen(panel.hidden));
  panel.addEventListener('click', (ev) => {
    const item = ev.target.closest('button');
    if (!item) return;
    if (item.dataset.keepOpen === undefined) setOpen(false);
    run(item);
  });
  // On the window, first (before web/keyboard.js's listener, made later): the focus is
  // seldom in the menu, as a click on it keeps the focus where it was.
  win.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || panel.hidden) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    const inMenu = toolbar.contains(doc.activeElement);
    setOpen(false);
    if (inMenu) toggle.focus();
  }, { capture: true });
  // Any press elsewhere closes the menu (capture: the desktop's handlers take the event).
  doc.addEventListener('pointerdown', (ev) => {
    if (!panel.hidden && !toolbar.contains(ev.target)) setOpen(false);
  }, { capture: true });
  doc.addEventListener('fullscreenchange', onFullscreenChange);
  if (!doc.fullscreenEnabled) fullscreenItem.hidden = true;
  notice.querySelector('[data-action="copy"]').addEventListener('click', copyNow);
  notice.querySelector('[data-action="dismiss"]').addEventListener('click', hideNotice);

  return {
    setScope,
    setSound,
    setStats,
    setKeybar,
    setZoom,
    setFixed,
    showClipboard,
    hideClipboard: hideNotice,
    // Key events aimed at the menu or the notice are the page's, not the desktop's.
    owns: (target) => target instanceof Node && (toolbar.contains(target) ||
      notice.contains(target)),
  };
}
