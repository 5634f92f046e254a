# Sourced by benches/peers.sh and benches/render_peers.sh: the profile $PROFILE's preamp and
# peaking bands as sox effects ($SOX_FX) and an ffmpeg filter chain ($FF_FX), so every peer
# runs the filters the iemlab run uses.
BANDS=$(grep -o 'freq_hz = [0-9.]*, gain_db = [-0-9.]*, q = [0-9.]*' "$PROFILE" |
        sed -E 's/freq_hz = ([0-9.]+), gain_db = ([-0-9.]+), q = ([0-9.]+)/\1 \2 \3/')
PREAMP=$(sed -nE 's/^preamp_db = ([-0-9.]+)/\1/p' "$PROFILE")
SOX_FX="gain $PREAMP"
FF_FX="volume=${PREAMP}dB"
while read -r f g q; do
  SOX_FX="$SOX_FX equalizer $f ${q}q $g"
  FF_FX="$FF_FX,equalizer=f=$f:t=q:w=$q:g=$g"
done <<< "$BANDS"
