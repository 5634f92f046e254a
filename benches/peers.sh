#!/usr/bin/env bash
# iemlab render vs sox and ffmpeg on the identical 10-band peaking chain, same input, same
# run. Needs: sox, ffmpeg, hyperfine (apt-get install -y sox ffmpeg hyperfine).
# Usage: benches/peers.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PROFILE=presets/eq/bench-10-band.toml

cargo build --release --quiet
BIN=target/release/iemlab

# The same 60 s, 48 kHz, 24-bit stereo input for everyone: pink noise plus a tone sweep.
sox -n -r 48000 -c 2 -b 24 "$WORK/in.wav" synth "$SECS" pinknoise synth "$SECS" sine mix 40-16000 gain -8
sox "$WORK/in.wav" "$WORK/in.flac"

# The profile's bands as sox and ffmpeg filters (the script is run from the repository root).
source benches/peer-filters.sh

for IN in in.wav in.flac; do
  echo "== input: $IN ($SECS s, 48 kHz stereo), output: 24-bit WAV =="
  hyperfine --warmup 1 --runs 7 --export-json "$WORK/$IN.json" \
    -n iemlab "$BIN render $WORK/$IN --eq $PROFILE -o $WORK/iemlab.wav --force" \
    -n sox "sox $WORK/$IN -b 24 $WORK/sox.wav $SOX_FX" \
    -n ffmpeg "ffmpeg -loglevel error -y -i $WORK/$IN -af $FF_FX -c:a pcm_s24le $WORK/ffmpeg.wav"
  python3 - "$WORK/$IN.json" "$SECS" <<'PY'
import json, sys
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
secs = float(sys.argv[2])
me = runs["iemlab"]["median"]
for name in ("iemlab", "sox", "ffmpeg"):
    t = runs[name]["median"]
    print(f"{name:7s} median {t*1000:8.1f} ms  {secs/t:7.0f}x real time  iemlab is {t/me:5.2f}x faster" if name != "iemlab"
          else f"{name:7s} median {t*1000:8.1f} ms  {secs/t:7.0f}x real time")
PY
done

# The three outputs should agree: same filters, so differences are rounding only. sox turns
# each into raw f32 (the WAVs are WAVE_FORMAT_EXTENSIBLE, which Python's wave module rejects).
for NAME in iemlab sox ffmpeg; do
  sox "$WORK/$NAME.wav" -t raw -e floating-point -b 32 "$WORK/$NAME.f32"
done
python3 - "$WORK" <<'PY'
import array, math, sys
d = sys.argv[1]
def load(name):
    a = array.array("f"); a.frombytes(open(f"{d}/{name}.f32", "rb").read()); return a
a, s, f = load("iemlab"), load("sox"), load("ffmpeg")
def diff(x, y):
    n = min(len(x), len(y))
    e = sum((x[i] - y[i]) ** 2 for i in range(0, n, 7)); p = sum(x[i] ** 2 for i in range(0, n, 7))
    peak = max(abs(x[i] - y[i]) for i in range(n))
    return f"{10 * math.log10(e / p) if e > 0 else float('-inf'):6.1f} dB rms difference, peak {peak:.2e}"
print(f"iemlab vs sox:    {diff(a, s)}")
print(f"iemlab vs ffmpeg: {diff(a, f)}")
PY
