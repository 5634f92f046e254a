#!/usr/bin/env bash
# The render goals side by side, every tool in the same hyperfine run:
#   1. 60 s of 48 kHz stereo, WAV → 24-bit WAV, the same 10 peaking filters: iemlab against
#      CamillaDSP (WavFile capture, File playback with a WAV header, chunk 1024), sox, ffmpeg;
#   2. the review playlist (13 tracks, ~56 min, benches/review-library.sh) rendered to tagged
#      FLAC in a folder, wall time as a multiple of real time, peak RSS.
# Needs: sox, ffmpeg, flac, hyperfine; CamillaDSP on PATH or in $CAMILLADSP
# (cargo install camilladsp --version 5.0.0-beta.1).
# Usage: benches/render_peers.sh [SECONDS] [LIBRARY_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
LIB=${2:-$WORK/library}
PROFILE=presets/eq/bench-10-band.toml
CAMILLA=${CAMILLADSP:-$(command -v camilladsp || true)}

cargo build --release --quiet
BIN=$PWD/target/release/iemlab

echo "== 1. $SECS s, 48 kHz stereo WAV → 24-bit WAV, 10 peaking filters =="
sox -n -r 48000 -c 2 -b 24 "$WORK/in.wav" synth "$SECS" pinknoise synth "$SECS" sine mix 40-16000 gain -8
source benches/peer-filters.sh
RUNS=(-n iemlab "$BIN render $WORK/in.wav --eq $PROFILE -o $WORK/iemlab.wav --force")
if [ -n "$CAMILLA" ]; then
  "$BIN" export "$PROFILE" --format camilladsp -o "$WORK/eq.yml" --force >/dev/null
  {
    echo "devices:"
    echo "  samplerate: 48000"
    echo "  chunksize: 1024"
    echo "  capture: { type: WavFile, filename: \"$WORK/in.wav\" }"
    echo "  playback: { type: File, channels: 2, format: S24_3_LE, wav_header: true, filename: \"$WORK/camilla.wav\" }"
    grep -v '^#' "$WORK/eq.yml"
  } > "$WORK/camilla.yml"
  RUNS+=(-n camilladsp "$CAMILLA $WORK/camilla.yml")
else
  echo "(CamillaDSP not found: cargo install camilladsp --version 5.0.0-beta.1, or set CAMILLADSP)"
fi
RUNS+=(-n sox "sox $WORK/in.wav -b 24 $WORK/sox.wav $SOX_FX"
       -n ffmpeg "ffmpeg -loglevel error -y -i $WORK/in.wav -af $FF_FX -c:a pcm_s24le $WORK/ffmpeg.wav")
hyperfine --warmup 1 --runs 10 --export-json "$WORK/one.json" "${RUNS[@]}" >/dev/null
python3 - "$WORK/one.json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
me = next(r for r in runs if r["command"] == "iemlab")
print(f"{'tool':<12}{'wall (median)':>15}{'CPU (user+sys)':>17}{'iemlab faster by':>18}")
for r in runs:
    cpu = r["user"] + r["system"]
    ratio = r["median"] / me["median"]
    print(f"{r['command']:<12}{r['median']*1000:>12.1f} ms{cpu*1000:>14.1f} ms{ratio:>17.2f}×")
PY

echo
echo "== 2. the review playlist to FLAC =="
[ -d "$LIB" ] || benches/review-library.sh "$LIB" >/dev/null 2>&1
hyperfine --warmup 1 --runs 3 --export-json "$WORK/list.json" \
  --prepare "rm -rf $WORK/out" \
  -n playlist "$BIN render playlists/iem-review.toml --library $LIB --eq $PROFILE -o $WORK/out/ -q" >/dev/null
/usr/bin/time -f "%M" -o "$WORK/rss" "$BIN" render playlists/iem-review.toml --library "$LIB" \
  --eq "$PROFILE" -o "$WORK/out/" --force -q >/dev/null
AUDIO=$(for f in "$WORK"/out/*.flac; do soxi -D "$f"; done | awk '{s += $1} END {print s}')
python3 - "$WORK/list.json" "$AUDIO" "$(cat "$WORK/rss")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
audio = float(sys.argv[2])
print(f"{audio/60:.1f} min of audio in {r['median']:.2f} s wall (CPU {r['user']+r['system']:.2f} s): "
      f"{audio / r['median']:.0f}× real time; peak RSS {int(sys.argv[3])/1024:.0f} MB")
PY
