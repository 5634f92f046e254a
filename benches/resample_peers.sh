#!/usr/bin/env bash
# Resampling 44.1 → 48 kHz, iemlab render vs ffmpeg (soxr, precision 20 and 28) and sox, in
# one run: wall and CPU time on a 10:42 stereo 24-bit FLAC (pink noise), and THD+N of a 1 kHz
# tone at −1 dBFS (float WAV in, float WAV out; benches/thdn.py).
# Needs: sox, ffmpeg, hyperfine, python3 with numpy (apt-get install -y sox ffmpeg hyperfine
# python3-numpy).
# Usage: benches/resample_peers.sh [RUNS] [EXTRA_BINARY...]   (default 5 runs; each extra
# iemlab binary, e.g. a build of an older commit, is measured beside target/release/iemlab)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
shift || true
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

cargo build --release --quiet
BINS=("$PWD/target/release/iemlab" "$@")

sox -n -r 44100 -c 2 -b 24 "$WORK/in.flac" synth 642 pinknoise gain -6
# The tone computed in f64 and stored as f32 (THD+N −151 dB; sox's own synth measures −140 dB).
python3 -c "
import numpy as np, sys
n = np.arange(44100 * 5)
x = 10 ** (-1 / 20) * np.sin(2 * np.pi * 1000 * n / 44100)
np.repeat(x, 2).astype('<f4').tofile(sys.argv[1])" "$WORK/tone.raw"
sox -t f32 -r 44100 -c 2 "$WORK/tone.raw" -e float -b 32 "$WORK/tone.wav"

# name<TAB>command with IN and OUT placeholders
CMDS=()
for b in "${BINS[@]}"; do
  CMDS+=("iemlab $(basename "$b")	$b render IN -o OUT --rate 48000 --format f32 --force --eq flat")
done
CMDS+=("ffmpeg soxr precision 20	ffmpeg -nostdin -loglevel error -y -i IN -af aresample=resampler=soxr -ar 48000 -c:a pcm_f32le OUT")
CMDS+=("ffmpeg soxr precision 28	ffmpeg -nostdin -loglevel error -y -i IN -af aresample=resampler=soxr:precision=28 -ar 48000 -c:a pcm_f32le OUT")
CMDS+=("sox rate -v	sox IN -b 32 -e float OUT rate -v 48000")

ARGS=()
i=0
for c in "${CMDS[@]}"; do
  name=${c%%	*}
  cmd=${c#*	}
  ARGS+=(-n "$name" "${cmd//IN/$WORK/in.flac}")
  ARGS[-1]=${ARGS[-1]//OUT/$WORK/out$i.wav}
  i=$((i + 1))
done
hyperfine --warmup 1 --runs "$RUNS" -N --export-json "$WORK/times.json" "${ARGS[@]}"

i=0
for c in "${CMDS[@]}"; do
  cmd=${c#*	}
  cmd=${cmd//IN/$WORK/tone.wav}
  ${cmd//OUT/$WORK/tone$i.wav} >/dev/null
  i=$((i + 1))
done

python3 - "$WORK" "${#CMDS[@]}" <<'PY'
import json, subprocess, sys
work, n = sys.argv[1], int(sys.argv[2])
times = json.load(open(f"{work}/times.json"))["results"]
print("| tool | wall time | CPU time (user + sys) | THD+N, 1 kHz −1 dBFS |")
print("|---|---|---|---|")
for i, r in enumerate(times):
    thdn = subprocess.run(["python3", "benches/thdn.py", f"{work}/tone{i}.wav"],
                          capture_output=True, text=True, check=True).stdout.strip()
    user = sum(r["user"]) / len(r["user"]) if isinstance(r["user"], list) else r["user"]
    sys_ = sum(r["system"]) / len(r["system"]) if isinstance(r["system"], list) else r["system"]
    print(f"| {r['command']} | {r['mean']:.2f} ± {r['stddev']:.2f} s | {user + sys_:.2f} s | {thdn} dB |")
PY
