// web/menu.js on a fake page: Escape closes an open menu wherever the focus is, and goes no
// further (the desktop's keyboard never hears it), while with the menu closed it is the
// desktop's as before; toggles say their state in words; the zoom item shows only while
// zoomed and resets the zoom; the key bar item toggles the bar.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMenu } from '../../web/menu.js';

function element(props = {}) {
  const el = Object.assign(new EventTarget(), {
    hidden: false, attrs: {}, textContent: '', dataset: {}, focused: 0, ...props,
  });
  el.setAttribute = (k, v) => {
    el.attrs[k] = String(v);
  };
  el.getAttribute = (k) => el.attrs[k] ?? null;
  el.closest = () => el;
  el.contains = (t) => t === el || (el.kids ?? []).includes(t);
  el.focus = () => {
    el.focused++;
  };
  return el;
}

function setup() {
  const actions = ['fullscreen', 'sound', 'stats', 'keyboard', 'keybar', 'zoom-reset', 'view-fit',
    'view-1to1', 'zoom-in', 'zoom-out'];
  const items = Object.fromEntries(actions.map((a) => [a, element({ dataset: { action: a } })]));
  items['zoom-in'].dataset.keepOpen = '';
  items['zoom-out'].dataset.keepOpen = '';
  for (const a of ['zoom-reset', 'view-fit', 'view-1to1']) items[a].hidden = true;
  const zoomRow = element({ hidden: true });
  const zoomLevel = element();
  const panel = element({ hidden: true, kids: Object.values(items) });
  panel.querySelector = (sel) => {
    if (sel === '.zoom-row') return zoomRow;
    if (sel === '.zoom-level') return zoomLevel;
    return items[/data-action="([\w-]+)"/.exec(sel)[1]];
  };
  panel.querySelectorAll = () => [];
  const toggle = element();
  const toolbar = element({ kids: [panel, toggle, ...Object.values(items)] });
  const notice = element();
  notice.querySelector = () => element();
  const byId = { toolbar, 'menu-toggle': toggle, menu: panel, 'clip-notice': notice };
  const doc = Object.assign(new EventTarget(), {
    getElementById: (id) => byId[id], fullscreenEnabled: true, activeElement: null,
  });
  const win = new EventTarget();
  const calls = [];
  const menu = createMenu({
    getControl: () => null,
    getKeybar: () => ({ toggle: () => calls.push('keybar') }),
    getZoom: () => ({
      reset: () => calls.push('zoom-reset'),
      fit: () => calls.push('fit'),
      oneToOne: () => calls.push('1:1'),
      zoomIn: () => calls.push('in'),
      zoomOut: () => calls.push('out'),
    }),
    notify: () => {}, doc, nav: {}, win,
  });
  // the desktop's keyboard (web/keyboard.js) listens on the window after the menu
  const desktopKeys = [];
  win.addEventListener('keydown', (ev) => desktopKeys.push(ev.key), { capture: true });
  const press = (k) => {
    const ev = Object.assign(new Event('keydown', { cancelable: true }), { key: k, code: k });
    win.dispatchEvent(ev);
    return ev;
  };
  const click = (item) => {
    const ev = new Event('click');
    Object.defineProperty(ev, 'target', { value: item });
    panel.dispatchEvent(ev);
  };
  return {
    items, panel, toggle, doc, win, menu, desktopKeys, press, click, calls, zoomRow, zoomLevel,
    notice,
  };
}

test('Escape closes the open menu, and the desktop does not get it', () => {
  const t = setup();
  t.toggle.dispatchEvent(new Event('click'));
  assert.equal(t.panel.hidden, false);
  assert.equal(t.toggle.getAttribute('aria-expanded'), 'true');
  const ev = t.press('Escape');
  assert.equal(t.panel.hidden, true, 'closed');
  assert.equal(t.toggle.getAttribute('aria-expanded'), 'false');
  assert.ok(ev.defaultPrevented);
  assert.deepEqual(t.desktopKeys, [], 'the desktop heard nothing');
  assert.equal(t.toggle.focused, 0, 'the focus was not in the menu: it stays where it was');
  // closed: Escape is the desktop's again, and other keys always were
  t.press('Escape');
  t.toggle.dispatchEvent(new Event('click'));
  t.press('a');
  assert.deepEqual(t.desktopKeys, ['Escape', 'a']);
  assert.equal(t.panel.hidden, false, 'a letter does not close it');
  // with the focus on one of its items, the focus goes back to the menu button
  t.doc.activeElement = t.items.stats;
  t.press('Escape');
  assert.equal(t.panel.hidden, true);
  assert.equal(t.toggle.focused, 1);
});

test('toggles say their state in words; zoom and key bar items do their job', () => {
  const t = setup();
  t.menu.setSound({ available: true, enabled: false });
  assert.equal(t.items.sound.textContent, 'Sound: off');
  assert.equal(t.items.sound.getAttribute('aria-pressed'), 'false');
  t.menu.setSound({ available: true, enabled: true });
  assert.equal(t.items.sound.textContent, 'Sound: on');
  t.menu.setStats(true);
  assert.equal(t.items.stats.textContent, 'Statistics: on');
  t.menu.setKeybar(false);
  assert.equal(t.items.keybar.textContent, 'Key bar: off');
  t.menu.setKeybar(true);
  assert.equal(t.items.keybar.textContent, 'Key bar: on');
  assert.equal(t.items.keybar.getAttribute('aria-pressed'), 'true');
  t.click(t.items.keybar);
  assert.deepEqual(t.calls, ['keybar']);

  assert.equal(t.items['zoom-reset'].hidden, true);
  t.menu.setZoom({ scale: 2.5 });
  assert.equal(t.items['zoom-reset'].hidden, false, 'zoomed: the item is there');
  assert.match(t.items['zoom-reset'].textContent, /250 %/);
  t.click(t.items['zoom-reset']);
  assert.deepEqual(t.calls, ['keybar', 'zoom-reset']);
  t.menu.setZoom({ scale: 1 });
  assert.equal(t.items['zoom-reset'].hidden, true);
});

test('a desktop that keeps its size: Fit, 1:1 and zoom steps in the menu, saying which', () => {
  const t = setup();
  t.menu.setFixed(false);
  assert.equal(t.items['view-fit'].hidden, true, 'a desktop that follows the window: no view items');
  assert.equal(t.zoomRow.hidden, true);
  t.menu.setFixed(true);
  assert.equal(t.items['view-fit'].hidden, false);
  assert.equal(t.items['view-1to1'].hidden, false);
  assert.equal(t.zoomRow.hidden, false);
  t.menu.setZoom({ scale: 1, mode: 'fit', ratio: 0.625 });
  assert.equal(t.items['view-fit'].getAttribute('aria-pressed'), 'true');
  assert.equal(t.items['view-1to1'].getAttribute('aria-pressed'), 'false');
  assert.equal(t.zoomLevel.textContent, '63 %');
  t.menu.setZoom({ scale: 1.6, mode: '1:1', ratio: 1 });
  assert.equal(t.items['view-fit'].getAttribute('aria-pressed'), 'false');
  assert.equal(t.items['view-1to1'].getAttribute('aria-pressed'), 'true');
  assert.equal(t.zoomLevel.textContent, '100 %');
  assert.equal(t.items['zoom-reset'].hidden, true, 'Fit does what the pinch reset would');

  t.toggle.dispatchEvent(new Event('click'));
  t.click(t.items['zoom-in']);
  assert.equal(t.panel.hidden, false, 'zooming leaves the menu open, for another step');
  t.click(t.items['zoom-out']);
  t.click(t.items['view-1to1']);
  assert.equal(t.panel.hidden, true, 'a choice closes it');
  t.click(t.items['view-fit']);
  assert.deepEqual(t.calls, ['in', 'out', '1:1', 'fit']);
});

test('the clipboard notice: shown for a copy, taken away when the share ends', () => {
  const t = setup();
  t.notice.hidden = true;
  t.menu.showClipboard('copied text', false);
  assert.equal(t.notice.hidden, false);
  t.menu.hideClipboard();
  assert.equal(t.notice.hidden, true);
});
