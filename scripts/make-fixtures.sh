#!/usr/bin/env bash
# Regenerates the tiny audio fixtures in tests/data/ (run once; the outputs are committed).
# Needs: sox, ffmpeg (with libmp3lame, aac, libvorbis, libopus, alac encoders).
#   apt-get install -y sox ffmpeg
# Signal: a 440 Hz tone on the left and 1 kHz on the right, -6 dBFS, so tests can check both
# the content and the channel order. Durations are short to keep each file a few tens of KB;
# tests/data/fixtures.toml lists what each file must decode to.
set -euo pipefail
cd "$(dirname "$0")/../tests/data"

tone() { # tone RATE CHANNELS SECONDS OUT [sox output options...]
  local rate=$1 ch=$2 secs=$3 out=$4; shift 4
  if [ "$ch" = 1 ]; then
    sox -n -r "$rate" -c 1 "$@" "$out" synth "$secs" sine 440 gain -6
  else
    sox -n -r "$rate" -c 2 "$@" "$out" synth "$secs" sine 440 sine 1000 gain -6
  fi
}
ff() { ffmpeg -loglevel error -y "$@"; }

tone 44100 2 0.2  s16-44k.wav  -b 16
tone 96000 2 0.05 s24-96k.wav  -b 24
tone 48000 2 0.05 s32-48k.wav  -b 32 -e signed-integer
tone 192000 2 0.02 f32-192k.wav -b 32 -e floating-point
tone 44100 1 0.2  mono-44k.wav -b 16
# 5.1 (FL FR FC LFE BL BR): a different tone per channel, with the WAVE_FORMAT_EXTENSIBLE mask.
ff -f lavfi -i "sine=f=440:r=48000:d=0.05" -f lavfi -i "sine=f=1000:r=48000:d=0.05" \
   -f lavfi -i "sine=f=700:r=48000:d=0.05" -f lavfi -i "sine=f=50:r=48000:d=0.05" \
   -f lavfi -i "sine=f=300:r=48000:d=0.05" -f lavfi -i "sine=f=2000:r=48000:d=0.05" \
   -filter_complex "[0][1][2][3][4][5]join=inputs=6:channel_layout=5.1(side)[a]" -map "[a]" \
   -c:a pcm_s16le surround-5.1-48k.wav
tone 44100 2 0.1  s16-44k.aiff -b 16

tone 44100 2 0.5 s16-44k.flac -b 16
sox s24-96k.wav s24-96k.flac
tone 44100 2 0.5 source-44k.wav -b 16
ff -i source-44k.wav -c:a alac alac-44k.m4a
ff -i source-44k.wav -c:a aac -b:a 64k aac-44k.m4a
ff -i source-44k.wav -c:a libmp3lame -b:a 64k mp3-44k.mp3
ff -i source-44k.wav -c:a libvorbis -q:a 0 vorbis-44k.ogg
tone 48000 2 0.5 source-48k.wav -b 16
ff -i source-48k.wav -c:a libopus -b:a 48k opus-48k.opus
ff -i source-48k.wav -c:a libopus -b:a 48k opus-48k.webm
ff -i source-48k.wav -c:a libopus -b:a 48k -f ogg opus-48k.ogg
rm -f source-44k.wav source-48k.wav
ls -l
