// web/input.js, the encoder of the input channel: exact bytes for each message (as
// src/input/message.c lays them out), and the same bytes through the server's own decoder
// when the build gives us it (WAYRTC_DECODE_INPUT, built by tests/web/meson.build).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import {
  encodePointerMove, encodeButton, encodeWheel, encodeKey, encodeText, encodeReleaseAll,
  normalisedPosition, TEXT_MAX, eventModifiers, syncModifiers, releaseMadeModifiers,
} from '../../web/input.js';

const bytes = (u8) => [...u8];
const hex = (u8) => Buffer.from(u8).toString('hex');
const decoder = process.env.WAYRTC_DECODE_INPUT;

// Runs messages through src/input/message.c; one result line per message.
function decode(messages) {
  const r = spawnSync(decoder, { input: messages.map(hex).join('\n') + '\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trimEnd().split('\n');
}

test('pointer move: type 1, u16 x, u16 y, little-endian, 65535 is 1.0', () => {
  assert.deepEqual(bytes(encodePointerMove(0, 0)), [1, 0, 0, 0, 0]);
  assert.deepEqual(bytes(encodePointerMove(1, 1)), [1, 0xff, 0xff, 0xff, 0xff]);
  // 0.5 * 65535 = 32767.5 rounds to 32768 = 0x8000; 0.25 → 16383.75 → 16384 = 0x4000
  assert.deepEqual(bytes(encodePointerMove(0.5, 0.25)), [1, 0x00, 0x80, 0x00, 0x40]);
  assert.deepEqual(bytes(encodePointerMove(0x1234 / 65535, 0.999999)), [1, 0x34, 0x12, 0xff, 0xff]);
  // out of range and nonsense are clamped, never wrap
  assert.deepEqual(bytes(encodePointerMove(-0.5, 7)), [1, 0, 0, 0xff, 0xff]);
  assert.deepEqual(bytes(encodePointerMove(NaN, Infinity)), [1, 0, 0, 0, 0]);
});

test('button: type 2, MouseEvent.button 0..4, pressed 0/1; others are null', () => {
  assert.deepEqual(bytes(encodeButton(0, true)), [2, 0, 1]);
  assert.deepEqual(bytes(encodeButton(2, false)), [2, 2, 0]);
  assert.deepEqual(bytes(encodeButton(4, 1)), [2, 4, 1]);
  for (const b of [-1, 5, 1.5, '0', null, undefined]) assert.equal(encodeButton(b, true), null);
});

test('wheel: type 3, i16 dx, i16 dy in 1/120 notches, u8 deltaMode', () => {
  // one Chromium notch (100 px), one Firefox notch (3 lines), one page
  assert.deepEqual(bytes(encodeWheel(0, 100, 0)), [3, 0, 0, 120, 0, 0]);
  assert.deepEqual(bytes(encodeWheel(0, -3, 1)), [3, 0, 0, 0x88, 0xff, 1]);
  assert.deepEqual(bytes(encodeWheel(1, 0, 2)), [3, 120, 0, 0, 0, 2]);
  // a touchpad's fraction of a notch survives as v120
  assert.deepEqual(bytes(encodeWheel(-12.5, 5, 0)), [3, 0xf1, 0xff, 6, 0, 0]);
  // clamped to int16, never wrapped
  assert.deepEqual(bytes(encodeWheel(1e9, -1e9, 0)), [3, 0xff, 0x7f, 0x01, 0x80, 0]);
  assert.equal(encodeWheel(0, 0, 0), null);
  assert.equal(encodeWheel(0.1, 0.1, 0), null, 'less than 1/120 of a notch is nothing');
  assert.equal(encodeWheel(0, 100, 3), null);
  assert.equal(encodeWheel(0, 100, undefined), null);
});

test('key: type 4, pressed, u8 length, the KeyboardEvent.code in ASCII', () => {
  assert.deepEqual(bytes(encodeKey('KeyA', true)), [4, 1, 4, 0x4b, 0x65, 0x79, 0x41]);
  assert.deepEqual(bytes(encodeKey('F4', false)), [4, 0, 2, 0x46, 0x34]);
  const longest = 'A'.repeat(32);
  assert.equal(encodeKey(longest, true).length, 35);
  for (const bad of ['', 'Unidentified', 'A'.repeat(33), 'Key A', 'Key-A', 'KéyA', 'Key\0',
    null, undefined, 65]) {
    assert.equal(encodeKey(bad, true), null, `code ${JSON.stringify(bad)}`);
  }
});

function textOf(messages) {
  const dec = new TextDecoder('utf-8', { fatal: true });
  return messages.map((m) => {
    assert.equal(m[0], 5);
    const n = m[1] | (m[2] << 8);
    assert.equal(m.length, 3 + n, 'length field matches');
    assert.ok(n >= 1 && n <= TEXT_MAX, `chunk of ${n} bytes`);
    return dec.decode(m.subarray(3)); // throws on a split character
  }).join('');
}

test('text: type 5, u16 length, UTF-8', () => {
  assert.deepEqual(encodeText('hi').map(bytes), [[5, 2, 0, 0x68, 0x69]]);
  assert.deepEqual(encodeText('é€').map(bytes), [[5, 5, 0, 0xc3, 0xa9, 0xe2, 0x82, 0xac]]);
  assert.deepEqual(encodeText(''), []);
});

test('text: chunks of at most 256 bytes that never split a character', () => {
  const cases = [
    ['a'.repeat(256), [256]],
    ['a'.repeat(257), [256, 1]],
    ['é'.repeat(200), [256, 144]], // 2 bytes each: 128 per chunk
    ['€'.repeat(100), [255, 45]], // 3 bytes each: 85 fit, the 86th would make 258
    ['😀'.repeat(100), [256, 144]], // 4 bytes and two UTF-16 units each
    ['a' + '😀'.repeat(64), [253, 4]], // the 64th emoji would cross 256: next chunk
  ];
  for (const [text, sizes] of cases) {
    const msgs = encodeText(text);
    assert.deepEqual(msgs.map((m) => m.length - 3), sizes, `chunks of ${text.slice(0, 4)}…`);
    assert.equal(textOf(msgs), text);
  }
  // a mix of widths, long enough for many chunks
  const mixed = 'aé€😀\n'.repeat(500);
  assert.equal(textOf(encodeText(mixed)), mixed);
});

test('text: NUL and lone surrogates are dropped (the server refuses them)', () => {
  assert.equal(textOf(encodeText('a\0b\ud800c\udfffd')), 'abcd');
  assert.deepEqual(encodeText('\0\ud83d'), []);
});

test('release-all: type 6 alone', () => {
  assert.deepEqual(bytes(encodeReleaseAll()), [6]);
});

function fakeVideo(rect, videoWidth, videoHeight) {
  return { videoWidth, videoHeight, getBoundingClientRect: () => rect };
}

test('position: a wide window has bars left and right', () => {
  // 800x600 picture in 1600x600: scale 1, 400 px bars on each side
  const v = fakeVideo({ left: 0, top: 0, width: 1600, height: 600 }, 800, 600);
  assert.deepEqual(normalisedPosition(400, 0, v), { x: 0, y: 0 });
  assert.deepEqual(normalisedPosition(1200, 600, v), { x: 1, y: 1 });
  assert.deepEqual(normalisedPosition(800, 150, v), { x: 0.5, y: 0.25 });
  assert.equal(normalisedPosition(399, 300, v), null);
  assert.equal(normalisedPosition(1201, 300, v), null);
  assert.deepEqual(normalisedPosition(100, 300, v, true), { x: 0, y: 0.5 });
  assert.deepEqual(normalisedPosition(1500, -20, v, true), { x: 1, y: 0 });
});

test('position: a tall window has bars above and below, and the element may be offset', () => {
  // 800x600 picture in a 600x1600 box at (10, 20): scale 0.75, 600x450, 575 px bars
  const v = fakeVideo({ left: 10, top: 20, width: 600, height: 1600 }, 800, 600);
  assert.deepEqual(normalisedPosition(10, 595, v), { x: 0, y: 0 });
  assert.deepEqual(normalisedPosition(610, 1045, v), { x: 1, y: 1 });
  assert.deepEqual(normalisedPosition(310, 820, v), { x: 0.5, y: 0.5 });
  assert.equal(normalisedPosition(310, 594, v), null);
  assert.equal(normalisedPosition(310, 1046, v), null);
  assert.deepEqual(normalisedPosition(310, 0, v, true), { x: 0.5, y: 0 });
});

test('position: an exact fit has no bars; no picture yet is null', () => {
  const v = fakeVideo({ left: 0, top: 0, width: 1280, height: 720 }, 1920, 1080);
  assert.deepEqual(normalisedPosition(640, 360, v), { x: 0.5, y: 0.5 });
  assert.equal(normalisedPosition(1, 1, fakeVideo({ left: 0, top: 0, width: 10, height: 10 }, 0, 0)),
    null);
  assert.equal(normalisedPosition(1, 1, fakeVideo({ left: 0, top: 0, width: 0, height: 0 }, 8, 8),
    true), null);
});

test('the page letterboxes with object-fit: contain, as normalisedPosition assumes', () => {
  const css = fs.readFileSync(new URL('../../web/style.css', import.meta.url), 'utf8');
  const rule = css.match(/#screen\s*\{([^}]*)\}/);
  assert.ok(rule, '#screen has a rule');
  assert.match(rule[1], /object-fit:\s*contain/);
});

test('the server decodes what the encoder makes', { skip: !decoder && 'no WAYRTC_DECODE_INPUT' },
  () => {
    const long = 'é€😀'.repeat(40); // 360 bytes: two messages
    const cases = [
      [encodePointerMove(0, 1), 'move 0 65535'],
      [encodePointerMove(0.5, 0.25), 'move 32768 16384'],
      [encodeButton(0, true), 'button 0 1'],
      [encodeButton(4, false), 'button 4 0'],
      [encodeWheel(0, -3, 1), 'wheel 0 -120 1'],
      [encodeWheel(1e9, 1, 0), 'wheel 32767 1 0'],
      [encodeWheel(0, 2, 2), 'wheel 0 240 2'],
      [encodeKey('ControlLeft', true), 'key 1 ControlLeft'],
      [encodeKey('A'.repeat(32), false), `key 0 ${'A'.repeat(32)}`],
      [encodeText('aé')[0], 'text 3 61c3a9'],
      [encodeReleaseAll(), 'release-all'],
      ...encodeText(long).map((m) => [m, `text ${m.length - 3} ${hex(m.subarray(3))}`]),
      ...encodeText('x'.repeat(TEXT_MAX)).map((m) => [m, `text 256 ${'78'.repeat(256)}`]),
    ];
    assert.deepEqual(decode(cases.map((c) => c[0])), cases.map((c) => c[1]));
    // and the decoder refuses what the encoder would never make: the test can fail
    assert.deepEqual(decode([Uint8Array.of(2, 5, 1), Uint8Array.of(4, 1, 3, 0x41, 0x2d, 0x42),
      Uint8Array.of(5, 1, 1, 0x61)]), ['invalid', 'invalid', 'invalid']);
  });

// -- modifiers ----------------------------------------------------------------------------

const NONE = { shift: false, control: false, alt: false, meta: false, altGraph: false };
const mods = (m = {}) => ({ ...NONE, ...m });
const made = (entries) => new Map(entries.map(([m, owners]) => [m, new Set(owners)]));
const plain = (map) => [...map].map(([m, owners]) => [m, [...owners].sort()]);

test('eventModifiers reads the four flags and AltGraph', () => {
  assert.deepEqual(eventModifiers({ shiftKey: true, ctrlKey: 1 }), mods({ shift: true,
    control: true }));
  assert.deepEqual(eventModifiers({ altKey: true, metaKey: true,
    getModifierState: (m) => m === 'AltGraph' }), mods({ alt: true, meta: true, altGraph: true }));
  assert.deepEqual(eventModifiers({ getModifierState: () => { throw new Error('no'); } }), NONE);
});

test('syncModifiers: a flag with no key held makes the left key up, owned by the key', () => {
  const r = syncModifiers(mods({ shift: true }), 'Quote', true, new Set(), new Map());
  assert.deepEqual(r.steps, [['ShiftLeft', true]]);
  assert.deepEqual(plain(r.made), [['ShiftLeft', ['Quote']]]);
  for (const [m, code] of [['control', 'ControlLeft'], ['alt', 'AltLeft'], ['meta', 'MetaLeft'],
    ['altGraph', 'AltRight']]) {
    assert.deepEqual(syncModifiers(mods({ [m]: true }), 'KeyA', true, new Set(), new Map()).steps,
      [[code, true]], m);
  }
  // all at once, in one order: Shift, Control, Alt, Meta
  assert.deepEqual(syncModifiers(mods({ shift: true, control: true, alt: true, meta: true }),
    'KeyA', true, new Set(), new Map()).steps,
  [['ShiftLeft', true], ['ControlLeft', true], ['AltLeft', true], ['MetaLeft', true]]);
});

test('syncModifiers: a held key of either side satisfies the flag; no flag lets go of all', () => {
  for (const held of ['ShiftLeft', 'ShiftRight']) {
    assert.deepEqual(syncModifiers(mods({ shift: true }), 'KeyA', true, new Set([held]),
      new Map()).steps, []);
  }
  assert.deepEqual(syncModifiers(NONE, 'KeyA', true,
    new Set(['ShiftLeft', 'ShiftRight', 'ControlRight', 'AltRight', 'OSLeft', 'KeyB']),
    new Map()).steps,
  [['ShiftLeft', false], ['ShiftRight', false], ['ControlRight', false], ['AltRight', false],
    ['OSLeft', false]]);
  // the inputs are not changed
  const m = made([['ShiftLeft', ['KeyA']]]);
  const held = new Set(['ShiftLeft', 'KeyA']);
  syncModifiers(NONE, 'KeyB', true, held, m);
  assert.deepEqual(plain(m), [['ShiftLeft', ['KeyA']]]);
  assert.deepEqual([...held], ['ShiftLeft', 'KeyA']);
});

test('syncModifiers: the event of a modifier key is trusted for its own modifier', () => {
  assert.deepEqual(syncModifiers(NONE, 'ShiftLeft', true, new Set(), new Map()).steps, []);
  assert.deepEqual(syncModifiers(mods({ shift: true }), 'ShiftRight', false,
    new Set(['ShiftRight']), new Map()).steps, []);
  assert.deepEqual(syncModifiers(mods({ alt: true }), 'AltRight', true, new Set(),
    new Map()).steps, []);
  assert.deepEqual(syncModifiers(mods({ altGraph: true }), 'AltLeft', true, new Set(),
    new Map()).steps, [], 'an Alt key is trusted for AltGraph too');
  // ... but not for the others
  assert.deepEqual(syncModifiers(mods({ shift: true, control: true }), 'ControlLeft', true,
    new Set(), new Map()).steps, [['ShiftLeft', true]]);
  // its own keydown makes a made-up modifier real
  const r = syncModifiers(mods({ shift: true }), 'ShiftLeft', true, new Set(['ShiftLeft']),
    made([['ShiftLeft', ['KeyA']]]));
  assert.deepEqual(plain(r.made), []);
});

test('syncModifiers: keyups only release, and what was made for the key waits for it', () => {
  assert.deepEqual(syncModifiers(mods({ shift: true }), 'KeyA', false, new Set(),
    new Map()).steps, []);
  const r = syncModifiers(NONE, 'KeyA', false, new Set(['ShiftLeft', 'ControlLeft', 'KeyA']),
    made([['ShiftLeft', ['KeyA']]]));
  assert.deepEqual(r.steps, [['ControlLeft', false]]);
  assert.deepEqual(plain(r.made), [['ShiftLeft', ['KeyA']]]);
});

test('syncModifiers: AltGraph is the right Alt; Windows\' Ctrl+Alt beside it is no press', () => {
  assert.deepEqual(syncModifiers(mods({ altGraph: true, control: true, alt: true }), 'KeyQ', true,
    new Set(), new Map()).steps, [['AltRight', true]]);
  assert.deepEqual(syncModifiers(mods({ altGraph: true }), 'KeyQ', true, new Set(['AltRight']),
    new Map()).steps, []);
  // a right Alt held satisfies plain Alt too (it is Alt on a layout without AltGr)
  assert.deepEqual(syncModifiers(mods({ alt: true }), 'F4', true, new Set(['AltRight']),
    new Map()).steps, []);
  // with AltGraph a held Ctrl stays; without Ctrl's flag it goes
  assert.deepEqual(syncModifiers(mods({ altGraph: true, control: true }), 'KeyQ', true,
    new Set(['ControlLeft', 'AltRight']), new Map()).steps, []);
  assert.deepEqual(syncModifiers(mods({ altGraph: true }), 'KeyQ', true,
    new Set(['ControlLeft', 'AltRight']), new Map()).steps, [['ControlLeft', false]]);
});

test('a made-up modifier goes up once the last key under it is up', () => {
  let m = syncModifiers(mods({ shift: true }), 'KeyA', true, new Set(), new Map()).made;
  m = syncModifiers(mods({ shift: true }), 'KeyB', true, new Set(['ShiftLeft', 'KeyA']), m).made;
  assert.deepEqual(plain(m), [['ShiftLeft', ['KeyA', 'KeyB']]]);
  let r = releaseMadeModifiers('KeyA', m);
  assert.deepEqual(r.steps, []);
  r = releaseMadeModifiers('KeyB', r.made);
  assert.deepEqual(r.steps, [['ShiftLeft', false]]);
  assert.deepEqual(plain(r.made), []);
  // a key that says Shift is up does not keep it
  m = syncModifiers(mods({ shift: true }), 'KeyA', true, new Set(), new Map()).made;
  r = syncModifiers(NONE, 'KeyB', true, new Set(['ShiftLeft', 'KeyA']), m);
  assert.deepEqual(r.steps, [['ShiftLeft', false]]);
  assert.deepEqual(plain(r.made), []);
  // the modifier's own release forgets it; another key's release does nothing
  assert.deepEqual(plain(releaseMadeModifiers('ShiftLeft', made([['ShiftLeft', ['KeyA']]])).made),
    []);
  assert.deepEqual(releaseMadeModifiers('KeyZ', made([['ShiftLeft', ['KeyA']]])).steps, []);
});
