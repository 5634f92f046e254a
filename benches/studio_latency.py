#!/usr/bin/env python3
"""Edit to first changed sample in `iemlab studio`, measured in its WAV sink.

Starts `iemlab studio --device wav:OUT.wav` on a steady 1 kHz tone, sends EDITS profile
edits to slot A over HTTP as the page does (a peaking band at 1 kHz toggled between -12 and
0 dB), each answered with the output frame counter at the moment the new chain was queued.
Afterwards the WAV is read: for each edit, the first sample that departs from the tone as it
was just before (a sine fitted on the preceding 20 ms) by more than 1 % of its amplitude.

Latency of edit i = (answer received - request sent)        [upper bound of send -> queued]
                  + (first changed output frame - frames out when queued) / rate
The first term overstates (the answer comes back after the chain was queued); the second is
the output's own clock. Usage: studio_latency.py [EDITS] [BUFFER_FRAMES]"""
import json, os, subprocess, sys, tempfile, time, urllib.request
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "iemlab")
RATE, FREQ = 48000, 1000.0
EDITS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
BUFFER = sys.argv[2] if len(sys.argv) > 2 else None

def write_tone(path, seconds):
    n = int(RATE * seconds)
    s = (0.25 * np.sin(2 * np.pi * FREQ * np.arange(n) / RATE)).astype("<f4")
    data = np.repeat(s, 2).tobytes()
    fmt = (3).to_bytes(2, "little") + (2).to_bytes(2, "little") + RATE.to_bytes(4, "little") \
        + (RATE * 8).to_bytes(4, "little") + (8).to_bytes(2, "little") + (32).to_bytes(2, "little")
    with open(path, "wb") as f:
        f.write(b"RIFF" + (36 + len(data)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
                + fmt + b"data" + len(data).to_bytes(4, "little") + data)

def read_left(path):
    sys.path.insert(0, os.path.join(ROOT, "benches"))
    from thdn import read_left as r
    return r(path)[0]

def profile(gain):
    band = {"type": "peaking", "freq_hz": FREQ, "gain_db": gain, "q": 1.0}
    return {"name": "latency", "preamp_db": 0, "per_channel": False,
            "left": {"gain_db": 0, "bands": [band]}, "right": {"gain_db": 0, "bands": []}}

def main():
    d = tempfile.mkdtemp(prefix="iemlab-latency-")
    tone, out = os.path.join(d, "tone.wav"), os.path.join(d, "out.wav")
    write_tone(tone, 3 + EDITS * 0.3 + 3)
    args = [BIN, "studio", "--no-open", "--device", f"wav:{out}", "--autosave", os.path.join(d, "auto"),
            "--notes", os.path.join(d, "notes.jsonl"), tone]
    if BUFFER:
        args += ["--buffer", BUFFER]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().strip()
    base, token = url.split("/?token=")
    def post(path, body):
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"X-Iemlab-Token": token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read())
    post("/api/profile/0", profile(0.0))
    time.sleep(1.5)
    edits = []
    for i in range(EDITS):
        gain = -12.0 if i % 2 == 0 else 0.0
        t0 = time.perf_counter()
        answer = post("/api/profile/0", profile(gain))
        rtt = time.perf_counter() - t0
        edits.append((rtt, answer["frames_out"], answer["program_start"]))
        time.sleep(0.3)
    post("/api/quit", {})
    proc.wait()
    x = read_left(out)
    lat = []
    for rtt, frames_out, start in edits:
        k = frames_out - start          # the WAV index of the first frame that can change
        ref = x[k - 960:k]
        t = np.arange(-960, 0) / RATE
        basis = np.stack([np.sin(2 * np.pi * FREQ * t), np.cos(2 * np.pi * FREQ * t)], 1)
        coef, *_ = np.linalg.lstsq(basis, ref, rcond=None)
        amp = np.hypot(*coef)
        t2 = np.arange(0, 4800) / RATE
        pred = coef[0] * np.sin(2 * np.pi * FREQ * t2) + coef[1] * np.cos(2 * np.pi * FREQ * t2)
        dev = np.abs(x[k:k + 4800] - pred) > 0.01 * amp
        first = int(np.argmax(dev)) if dev.any() else None
        if first is None:
            print("an edit changed nothing within 100 ms", file=sys.stderr)
            continue
        lat.append(rtt + first / RATE)
    lat = np.array(lat) * 1e3
    print(f"edits {len(lat)}: edit -> first changed sample median {np.median(lat):.1f} ms, "
          f"min {lat.min():.1f}, max {lat.max():.1f} (request round trip median "
          f"{np.median([e[0] for e in edits]) * 1e3:.1f} ms)")

main()
