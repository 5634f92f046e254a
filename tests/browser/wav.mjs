// WAV helpers for the browser test: write a stereo float WAV, read one back (PCM 16/24/32
// or float, WAVE_FORMAT_EXTENSIBLE too), RMS in short windows.
import { readFileSync, writeFileSync } from 'node:fs';

/** Writes interleaved stereo 32-bit float `left` (Float32Array) to both channels. */
export function writeWav(path, left, rate = 48000) {
  const n = left.length;
  const data = Buffer.alloc(n * 8);
  for (let i = 0; i < n; i++) { data.writeFloatLE(left[i], i * 8); data.writeFloatLE(left[i], i * 8 + 4); }
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(3, 20); h.writeUInt16LE(2, 22);
  h.writeUInt32LE(rate, 24); h.writeUInt32LE(rate * 8, 28); h.writeUInt16LE(8, 32); h.writeUInt16LE(32, 34);
  h.write('data', 36); h.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([h, data]));
}

/** A sine of `hz` at amplitude `amp`, `seconds` long. */
export function sine(hz, seconds, amp = 0.25, rate = 48000) {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin(2 * Math.PI * hz * i / rate);
  return x;
}

/** Reads a WAV: {rate, channels, left: Float32Array}. */
export function readWav(path) {
  const b = readFileSync(path);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${path}: not a WAV`);
  let off = 12, fmt = null, data = null;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    let size = b.readUInt32LE(off + 4);
    if (id === 'data' && (size === 0 || size === 0xffffffff || off + 8 + size > b.length)) size = b.length - off - 8;
    if (id === 'fmt ') fmt = { tag: b.readUInt16LE(off + 8), channels: b.readUInt16LE(off + 10), rate: b.readUInt32LE(off + 12), bits: b.readUInt16LE(off + 22), sub: size >= 26 ? b.readUInt16LE(off + 32) : 0 };
    if (id === 'data') { data = b.subarray(off + 8, off + 8 + size); break; }
    off += 8 + size + (size & 1);
  }
  if (!fmt || !data) throw new Error(`${path}: no fmt or data chunk`);
  const tag = fmt.tag === 0xfffe ? fmt.sub : fmt.tag;
  const bps = fmt.bits / 8, frame = bps * fmt.channels, n = Math.floor(data.length / frame);
  const left = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * frame;
    left[i] = tag === 3 ? data.readFloatLE(o)
      : bps === 2 ? data.readInt16LE(o) / 32768
        : bps === 3 ? data.readIntLE(o, 3) / 8388608
          : data.readInt32LE(o) / 2147483648;
  }
  return { rate: fmt.rate, channels: fmt.channels, left };
}

/** RMS in dBFS of x[from, from + len). */
export function rmsDb(x, from, len) {
  let s = 0;
  const a = Math.max(0, from), b = Math.min(x.length, from + len);
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return b > a ? 10 * Math.log10(s / (b - a) + 1e-20) : -200;
}
