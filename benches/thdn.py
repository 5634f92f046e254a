#!/usr/bin/env python3
"""THD+N (dB) of a 1 kHz tone in the left channel of a float or integer WAV: the power in
20 Hz-20 kHz outside +-12 bins of the tone relative to the power within them, over a
65536-point Kaiser-windowed (beta 20) FFT of the middle of the file. The same measurement
as src/resample/measure.rs. Usage: thdn.py FILE.wav [FREQ]"""
import sys, wave
import numpy as np

def read_left(path):
    with open(path, "rb") as f:
        data = f.read()
    # Walk the RIFF chunks: WAVE_FORMAT_EXTENSIBLE float files are not read by `wave`.
    pos, fmt, samples = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            tag = int.from_bytes(body[0:2], "little")
            if tag == 0xFFFE:
                tag = int.from_bytes(body[24:26], "little")
            fmt = (tag, int.from_bytes(body[2:4], "little"),
                   int.from_bytes(body[4:8], "little"), int.from_bytes(body[14:16], "little"))
        elif cid == b"data":
            samples = body
        pos += 8 + size + (size & 1)
    tag, channels, rate, bits = fmt
    if tag == 3:
        x = np.frombuffer(samples, dtype="<f4" if bits == 32 else "<f8").astype(np.float64)
    elif bits == 24:
        b = np.frombuffer(samples[: len(samples) // 3 * 3], dtype=np.uint8).reshape(-1, 3)
        v = b[:, 0].astype(np.int32) | (b[:, 1].astype(np.int32) << 8) | (b[:, 2].astype(np.int32) << 16)
        x = ((v << 8) >> 8) / 2.0**23
    else:
        x = np.frombuffer(samples, dtype="<i%d" % (bits // 8)).astype(np.float64) / 2.0 ** (bits - 1)
    return x[::channels], rate

def thd_n(x, rate, freq):
    n = 1 << 16
    start = (len(x) - n) // 2
    spec = np.abs(np.fft.rfft(x[start:start + n] * np.kaiser(n, 20.0))) ** 2
    hz = rate / n
    tone_bin = int(round(freq / hz))
    k = np.arange(len(spec))
    band = (k >= int(np.ceil(20 / hz))) & (k <= int(20000 / hz))
    notch = np.abs(k - tone_bin) <= 12
    return 10 * np.log10(spec[band & ~notch].sum() / spec[band & notch].sum())

if __name__ == "__main__":
    x, rate = read_left(sys.argv[1])
    print(f"{thd_n(x, rate, float(sys.argv[2]) if len(sys.argv) > 2 else 1000.0):.1f}")
