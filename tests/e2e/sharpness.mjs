// Sharpness of the picture a viewer sees, against the compositor's own pixels.
// The reference is grim's screenshot of the virtual desktop, converted to Y'CbCr with the
// encoder's own arithmetic (media/convert.c: BT.709 limited range from 720 lines, luma
// truncated, 4:2:0 chroma the rounded mean of each 2x2 block; 4:4:4 chroma per pixel).
// The decoded picture is read from the <video> as Chromium decoded it (WebCodecs
// `new VideoFrame(video)` + copyTo: the planes themselves, no RGB round trip through a
// canvas), so the two are compared in the same matrix and nothing but the coding loss is
// measured. Per presented frame (requestVideoFrameCallback) the page records:
//   y      luma PSNR (dB, peak 255)
//   c      chroma PSNR (Cb and Cr together) at the stream's chroma resolution
//   c444   chroma PSNR against full-resolution chroma (what 4:2:0 itself loses on
//          coloured text; equal to c for a 4:4:4 stream)
//   cb, cr the same for Cb and Cr apart (a red glyph loses in Cr what a blue one does in Cb)
//   worst  the worst 16x16 luma block's PSNR
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  startWayrtc, stop, launchBrowser, waitForVideo, tmpDir, capturePeerConnections,
} from './lib.mjs';

export const NO_ERROR_DB = 99; // PSNR of identical pictures

// A dense terminal page, the same on every machine: ls -la style lines, wide enough to
// fill the window, every fourth name in colour (red, green, yellow, blue, magenta, cyan on
// the default background, and a few on coloured backgrounds).
export function denseText(cols = 178, rows = 44) {
  const colours = ['31', '32', '33', '34', '35', '36', '1;31', '30;42', '37;44', '30;43'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct'];
  let seed = 12345;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 8) % n; // the low bits of this generator repeat quickly
  };
  const word = () => {
    const a = 'abcdefghijklmnopqrstuvwxyz0123456789_-.+';
    let s = '';
    for (let i = 3 + rand(14); i > 0; i--) s += a[rand(a.length)];
    return s;
  };
  const lines = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    let visible = 0;
    let n = 0;
    for (;;) {
      const perm = `${rand(2) ? 'd' : '-'}rw${rand(2) ? 'x' : '-'}r-${rand(2) ? 'x' : '-'}r--`;
      const size = String(rand(9999999)).padStart(8);
      const field = `${perm} ${1 + rand(9)} root root ${size} ${months[rand(10)]} ` +
        `${String(1 + rand(28)).padStart(2)} ${String(rand(24)).padStart(2, '0')}:` +
        `${String(rand(60)).padStart(2, '0')} `;
      const name = `lib${word()}.so.${rand(10)}`;
      if (visible + field.length + name.length + 1 > cols) break;
      line += field;
      line += n % 4 === 1 ? `\x1b[${colours[rand(colours.length)]}m${name}\x1b[0m ` : `${name} `;
      visible += field.length + name.length + 1;
      n++;
    }
    lines.push(line);
  }
  return lines.join('\r\n');
}

// Coloured text, the same on every machine: dense lines of ls-like words in red, green,
// blue, magenta, yellow and cyan, in bands on the terminal's dark background and on light
// ones (white, light grey, yellow), and a few lines of saturated pairs (red on blue, blue
// on red, green on magenta). 4:2:0 shares one Cb and Cr among four pixels, so the edges of
// coloured glyphs smear into their background: this is what 4:4:4 is for.
export function colourText(cols = 178, rows = 44) {
  const fgs = ['31', '32', '34', '35', '33', '36', '91', '94', '92'];
  const bands = ['', '47', '107', '103', '', '47;30', '44;31', '41;34', '45;32'];
  let seed = 4242;
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 8) % n;
  };
  const a = 'abcdefghijklmnopqrstuvwxyz0123456789_-.+';
  const lines = [];
  for (let r = 0; r < rows; r++) {
    const bg = bands[Math.floor(r / 5) % bands.length];
    let line = '';
    let visible = 0;
    for (;;) {
      let word = '';
      for (let i = 3 + rand(10); i > 0; i--) word += a[rand(a.length)];
      if (visible + word.length + 1 > cols) break;
      const fg = bg.includes(';') ? '' : fgs[rand(fgs.length)];
      const sgr = [bg.split(';')[0], bg.split(';')[1] ?? fg].filter((x) => x).join(';');
      line += `\x1b[${sgr || '0'}m${word} `;
      visible += word.length + 1;
    }
    // the rest of the row in the band's background, so bands are whole rows
    line += `\x1b[${bg || '0'}m${' '.repeat(cols - visible)}\x1b[0m`;
    lines.push(line);
  }
  return lines.join('\r\n');
}

// The shell command (run inside the virtual desktop) that shows `textFile` in foot and
// then keeps still: no cursor blink, no scrollbar, a small font, foot's own defaults for
// the rest (an empty config file, so the user's config plays no part).
export function footCommand(dir, textFile) {
  const config = path.join(dir, 'foot.ini');
  fs.writeFileSync(config,
    '[main]\nfont=monospace:size=8\n[cursor]\nblink=no\n[csd]\npreferred=none\n');
  return `exec foot --config=${config} sh -c 'cat ${textFile}; exec sleep 100000'`;
}

// grim's screenshot of the desktop at `env` (XDG_RUNTIME_DIR, WAYLAND_DISPLAY), as RGB.
export function grab(env) {
  const ppm = execFileSync('grim', ['-t', 'ppm', '-'], { env, maxBuffer: 64 << 20 });
  // P6\n<w> <h>\n<max>\n<data>
  let i = 0;
  const fields = [];
  while (fields.length < 4) {
    while (ppm[i] === 0x20 || ppm[i] === 0x0a) i++;
    let s = '';
    while (ppm[i] !== 0x20 && ppm[i] !== 0x0a) s += String.fromCharCode(ppm[i++]);
    fields.push(s);
  }
  i++; // the single whitespace after maxval
  const [magic, w, h, max] = fields;
  if (magic !== 'P6' || max !== '255') throw new Error(`grim gave ${magic} max ${max}`);
  return { width: Number(w), height: Number(h), rgb: ppm.subarray(i, i + w * h * 3) };
}

export function sameImage(a, b) {
  return a.width === b.width && a.height === b.height && a.rgb.equals(b.rgb);
}

// The BT.709 limited-range coefficients of media/convert.c, in 1/256.
const K = { yr: 47, yg: 157, yb: 16, ur: -26, ug: -87, ub: 112, vr: 112, vg: -102, vb: -10 };

// Y, 4:2:0 and 4:4:4 chroma of an RGB picture, each plane tightly packed.
export function reference(img) {
  const { width: w, height: h, rgb } = img;
  const y = Buffer.alloc(w * h);
  const u444 = Buffer.alloc(w * h);
  const v444 = Buffer.alloc(w * h);
  const cu = new Int32Array(w * h);
  const cv = new Int32Array(w * h);
  for (let p = 0; p < w * h; p++) {
    const r = rgb[3 * p], g = rgb[3 * p + 1], b = rgb[3 * p + 2];
    y[p] = ((K.yr * r + K.yg * g + K.yb * b) >> 8) + 16;
    cu[p] = (K.ur * r + K.ug * g + K.ub * b + 32768) >> 8;
    cv[p] = (K.vr * r + K.vg * g + K.vb * b + 32768) >> 8;
    u444[p] = cu[p];
    v444[p] = cv[p];
  }
  const cw = w >> 1, ch = h >> 1;
  const u420 = Buffer.alloc(cw * ch);
  const v420 = Buffer.alloc(cw * ch);
  const mean = (c, p) => ((((c[p] + c[p + w] + 1) >> 1) + ((c[p + 1] + c[p + w + 1] + 1) >> 1) + 1) >> 1);
  for (let j = 0; j < ch; j++) {
    for (let i = 0; i < cw; i++) {
      const p = 2 * j * w + 2 * i;
      u420[j * cw + i] = mean(cu, p);
      v420[j * cw + i] = mean(cv, p);
    }
  }
  return { width: w, height: h, y, u420, v420, u444, v444 };
}

// Installs the meter in the page (once). Every presented frame's planes are copied out as
// it is shown (requestVideoFrameCallback); with a reference they are measured and recorded
// in window.__sharp.series as { t (Date.now()), y, c, c444, worst, format, frames }.
// Without one yet (`ref` null: the desktop is still settling) the copies wait, the newest
// MAX_WAITING of them, and are measured when meter() is called again with the reference,
// so "how sharp 1 s after the screen went still" needs no guess about when that was.
export async function meter(page, ref) {
  const b64 = (buf) => buf.toString('base64');
  await page.evaluate(({ r, none }) => {
    const MAX_WAITING = 100;
    const dec = (s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
    const state = window.__sharp ?? (window.__sharp = { series: [] });
    state.waiting ??= [];
    const psnr = (sse, n) => (sse === 0 ? none : 10 * Math.log10((255 * 255 * n) / sse));
    const sse = (a, ao, astride, b, w2, h2) => {
      let s = 0;
      for (let j = 0; j < h2; j++) {
        const ra = ao + j * astride, rb = j * w2;
        for (let i = 0; i < w2; i++) {
          const d = a[ra + i] - b[rb + i];
          s += d * d;
        }
      }
      return s;
    };
    function evaluate({ t, frames, fmt, w, h, buf, layout }) {
      const R = state.ref;
      if (w !== R.w || h !== R.h || !['I420', 'I444', 'NV12'].includes(fmt)) {
        state.series.push({ t, format: fmt, frames, skipped: true, size: [w, h] });
        return;
      }
      const Y = layout[0];
      if (state.keep) state.kept = { buf, layout, fmt };
      const ySse = sse(buf, Y.offset, Y.stride, R.y, R.w, R.h);
      let worst = none;
      for (let by = 0; by + 16 <= R.h; by += 16) {
        for (let bx = 0; bx + 16 <= R.w; bx += 16) {
          let s = 0;
          for (let j = 0; j < 16; j++) {
            const ra = Y.offset + (by + j) * Y.stride + bx, rb = (by + j) * R.w + bx;
            for (let i = 0; i < 16; i++) {
              const d = buf[ra + i] - R.y[rb + i];
              s += d * d;
            }
          }
          worst = Math.min(worst, psnr(s, 256));
        }
      }
      // the chroma planes apart, whatever the layout
      const sub = fmt === 'I444' ? 1 : 2;
      const cw = R.w / sub, ch = R.h / sub;
      const plane = (k) => {
        const out = new Uint8Array(cw * ch);
        for (let j = 0; j < ch; j++) {
          for (let i = 0; i < cw; i++) {
            out[j * cw + i] = fmt === 'NV12'
              ? buf[layout[1].offset + j * layout[1].stride + 2 * i + k]
              : buf[layout[1 + k].offset + j * layout[1 + k].stride + i];
          }
        }
        return out;
      };
      const U = plane(0), V = plane(1);
      const refU = sub === 1 ? R.u444 : R.u420, refV = sub === 1 ? R.v444 : R.v420;
      const cSse = sse(U, 0, cw, refU, cw, ch) + sse(V, 0, cw, refV, cw, ch);
      // against full-resolution chroma: each decoded sample stands for its block
      let uSse = 0, vSse = 0;
      for (let j = 0; j < R.h; j++) {
        for (let i = 0; i < R.w; i++) {
          const q = ((j / sub) | 0) * cw + ((i / sub) | 0), p = j * R.w + i;
          const du = U[q] - R.u444[p], dv = V[q] - R.v444[p];
          uSse += du * du;
          vSse += dv * dv;
        }
      }
      state.series.push({
        t, frames, format: fmt,
        y: psnr(ySse, R.w * R.h), c: psnr(cSse, 2 * cw * ch),
        c444: psnr(uSse + vSse, 2 * R.w * R.h), cb: psnr(uSse, R.w * R.h),
        cr: psnr(vSse, R.w * R.h), worst,
      });
    }
    // The frame shown now, copied out; its time is when it was presented (or now).
    async function capture(video, frames, t) {
      let vf;
      try {
        vf = new VideoFrame(video);
      } catch {
        return; // no frame yet
      }
      try {
        const buf = new Uint8Array(vf.allocationSize());
        const layout = await vf.copyTo(buf);
        const got = { t, frames, fmt: vf.format, w: vf.visibleRect.width,
          h: vf.visibleRect.height, buf, layout };
        if (state.ref) {
          evaluate(got);
        } else {
          state.waiting.push(got);
          if (state.waiting.length > MAX_WAITING) state.waiting.shift();
        }
      } finally {
        vf.close();
      }
    }
    // Copies are made one at a time, in order; a frame presented meanwhile is copied next
    // (the newest one: the video element has no older ones to give).
    state.run = async (frames, t) => {
      if (state.busy) {
        state.again = { frames, t };
        return;
      }
      state.busy = true;
      try {
        let next = { frames, t };
        while (next) {
          state.again = null;
          await capture(document.getElementById('screen'), next.frames, next.t);
          next = state.again;
        }
      } finally {
        state.busy = false;
      }
    };
    if (r) {
      state.ref = { w: r.w, h: r.h, y: dec(r.y), u420: dec(r.u420), v420: dec(r.v420),
        u444: dec(r.u444), v444: dec(r.v444) };
      for (const got of state.waiting.splice(0)) evaluate(got);
    }
    if (!state.running) {
      state.running = true;
      const video = document.getElementById('screen');
      const cb = (now, meta) => {
        // presentation time in the page's clock, as Date.now()
        const t = Math.round(performance.timeOrigin + (meta.presentationTime ?? now));
        state.run(meta.presentedFrames, t);
        video.requestVideoFrameCallback(cb);
      };
      video.requestVideoFrameCallback(cb);
      state.run(0, Date.now()); // the frame shown now: a still picture brings no callback
      // and a poll, for a page Chromium does not render often (a busy machine, a tab
      // behind another): a frame decoded since the last copy is copied too
      let seen = -1;
      setInterval(() => {
        const n = video.getVideoPlaybackQuality().totalVideoFrames;
        if (n !== seen && !state.busy) {
          seen = n;
          state.run(n, Date.now());
        }
      }, 250);
      // video bytes received over time (capturePeerConnections), for the bits spent
      state.bytes = [];
      setInterval(async () => {
        const pc = window.__wayrtcPeers?.[window.__wayrtcPeers.length - 1];
        if (!pc) return;
        for (const x of (await pc.getStats()).values()) {
          if (x.type === 'inbound-rtp' && x.kind === 'video') {
            state.bytes.push({ t: Date.now(), bytes: x.bytesReceived, frames: x.framesDecoded });
          }
        }
      }, 100);
    }
  }, {
    r: ref && {
      w: ref.width, h: ref.height, y: b64(ref.y), u420: b64(ref.u420), v420: b64(ref.v420),
      u444: b64(ref.u444), v444: b64(ref.v444),
    },
    none: NO_ERROR_DB,
  });
}

// Video bytes received between two times (Date.now()), from the page's 100 ms samples.
export async function bytesBetween(page, t0, t1) {
  const list = await page.evaluate(() => window.__sharp?.bytes ?? []);
  const before = (t) => list.filter((x) => x.t <= t).pop() ?? list[0];
  if (!list.length) return null;
  return before(t1).bytes - before(t0).bytes;
}

export function series(page) {
  return page.evaluate(() => window.__sharp?.series ?? []);
}

// The measurement in force at time t: the last frame presented at or before it.
export function at(list, t) {
  let last = null;
  for (const s of list) {
    if (s.skipped) continue;
    if (s.t <= t) last = s;
  }
  return last;
}

// The first measurement at which a condition holds, or null.
export function firstWhere(list, fn) {
  return list.find((s) => !s.skipped && fn(s)) ?? null;
}

export function fmt(s) {
  if (!s) return 'none';
  return `Y ${s.y.toFixed(1)} dB, C ${s.c.toFixed(1)} dB (4:4:4 ref ${s.c444.toFixed(1)}: ` +
    `Cb ${s.cb.toFixed(1)}, Cr ${s.cr.toFixed(1)}), worst block ${s.worst.toFixed(1)} dB, ${s.format}`;
}

// The measurement scenario of issue 10: wayrtc's virtual desktop (1280x720) shows a dense
// still terminal; viewer A watches from the start, viewer B joins `joinAfterMs` after
// wayrtc started. Returns both pages' series and the times that matter (Date.now()):
// still (the screen's final picture first seen by grim), join (B's page opened).
export async function joinScenario({ args = [], joinAfterMs = 3000, afterJoinMs = 3000, size = [1280, 720], text = denseText() } = {}) {
  const dir = tmpDir('wayrtc-sharp-');
  const runtime = tmpDir('wayrtc-sharp-run-');
  fs.writeFileSync(path.join(dir, 'text'), text);
  const started = Date.now();
  const w = await startWayrtc(['--source=virtual', `--size=${size[0]}x${size[1]}`,
    '--listen=127.0.0.1:0', ...args, '--', 'sh', '-c', footCommand(dir, path.join(dir, 'text'))],
  { env: { XDG_RUNTIME_DIR: runtime }, timeoutMs: 60000 });
  const browser = await launchBrowser();
  try {
    const socket = fs.readdirSync(runtime).find((f) => /^wayland-\d+$/.test(f));
    const env = { ...process.env, XDG_RUNTIME_DIR: runtime, WAYLAND_DISPLAY: socket };
    const a = await browser.newPage({ viewport: { width: size[0], height: size[1] } });
    await capturePeerConnections(a);
    await a.goto(w.url);
    await waitForVideo(a, 60000);
    await meter(a, null); // copies frames from now on; measured once the picture is known

    // the screen is still once grim sees the same picture for 500 ms running
    let last = grab(env);
    let since = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const now = grab(env);
      if (!sameImage(now, last)) {
        last = now;
        since = Date.now();
      } else if (Date.now() - since >= 500) {
        break;
      }
      if (Date.now() - started > 20000) throw new Error('the desktop never kept still');
    }
    const still = since;
    if (process.env.WAYRTC_SHARP_DUMP) {
      fs.writeFileSync(process.env.WAYRTC_SHARP_DUMP,
        Buffer.concat([Buffer.from(`P6\n${last.width} ${last.height}\n255\n`), last.rgb]));
    }
    const ref = reference(last);
    await meter(a, ref);

    const wait = started + joinAfterMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const b = await browser.newPage({ viewport: { width: size[0], height: size[1] } });
    await capturePeerConnections(b);
    const join = Date.now();
    await b.goto(w.url);
    if (process.env.WAYRTC_SHARP_DUMP) await b.evaluate(() => { window.__sharp = { series: [], keep: true }; });
    await meter(b, ref); // before its first frame: ICE and DTLS take longer than this
    await waitForVideo(b, 60000);
    // B's measurements until afterJoinMs after its first frame (copying and measuring a
    // frame takes a while on a busy machine: wait for them, not for the clock)
    const deadline = Date.now() + 60000;
    for (;;) {
      const first = firstWhere(await series(b), () => true);
      if (first && Date.now() >= first.t + afterJoinMs) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await b.waitForFunction(() => !window.__sharp.busy, null, { timeout: 30000 });
    if (process.env.WAYRTC_SHARP_DUMP) {
      const y = await b.evaluate(() => {
        const k = window.__sharp.kept;
        if (!k) return null;
        const { w, h } = window.__sharp.ref;
        let s = '';
        for (let j = 0; j < h; j++) {
          for (let i = 0; i < w; i++) s += String.fromCharCode(k.buf[k.layout[0].offset + j * k.layout[0].stride + i]);
        }
        return btoa(s);
      });
      if (y) {
        fs.writeFileSync(`${process.env.WAYRTC_SHARP_DUMP}.y`, Buffer.from(y, 'base64'));
        fs.writeFileSync(`${process.env.WAYRTC_SHARP_DUMP}.refy`, ref.y);
      }
    }
    const sa = await series(a);
    const sb = await series(b);
    const changed = !sameImage(grab(env), last);
    return { a: sa, b: sb, still, join, changed, log: w.log,
      refineBytes: await bytesBetween(a, still, still + 1500),
      joinBytes: await bytesBetween(a, join, Date.now()),
      statsA: await inboundVideo(a), statsB: await inboundVideo(b) };
  } finally {
    await browser.close();
    await stop(w.child);
  }
}

// What Chromium says of the video it received (the page's newest connection).
export function inboundVideo(page) {
  return page.evaluate(async () => {
    const pc = window.__wayrtcPeers[window.__wayrtcPeers.length - 1];
    for (const s of (await pc.getStats()).values()) {
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        return {
          bytesReceived: s.bytesReceived, packetsReceived: s.packetsReceived,
          packetsLost: s.packetsLost, nackCount: s.nackCount, pliCount: s.pliCount,
          firCount: s.firCount, framesDecoded: s.framesDecoded,
          keyFramesDecoded: s.keyFramesDecoded, framesDropped: s.framesDropped,
          decoderImplementation: s.decoderImplementation,
        };
      }
    }
    return null;
  });
}
