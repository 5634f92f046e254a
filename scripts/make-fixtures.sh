#!/usr/bin/env bash
# Regenerates the tiny audio fixtures in tests/data/ (run once; the outputs are committed, so
# tests and CI never need these tools).
#
# Needs: sox, ffmpeg (with libmp3lame, libvorbis, libopus, aac, alac, ac3), flac, opusenc.
#   apt-get install -y sox ffmpeg flac opus-tools
#
# Reruns are reproducible: sox without dither (-D), ffmpeg in bit-exact mode, fixed Ogg serials.
#
# Signal: a 440 Hz tone on the left and 1 kHz on the right at -6 dBFS (RMS 0.354), so tests can
# check content, level and channel order; mono files carry the 440 Hz tone; the 5.1 file has a
# different tone per channel. Durations are short (0.02 to 1.5 s) to keep each file a few KB to
# ~35 KB; the Opus files are the longest because seeking in them is checked past the 0.5 s
# pre-roll. tests/data/fixtures.toml lists what each file must decode to; keep it in sync.
#
# Encoders are the ones real files come from: flac and opusenc (the reference encoders), LAME,
# libvorbis, ffmpeg's AAC/ALAC in M4A (with the edit list that records AAC priming) and ffmpeg's
# WebM muxer (the layout yt-dlp produces, CodecDelay and all).
set -euo pipefail
cd "$(dirname "$0")/../tests/data"

tone() { # tone RATE CHANNELS SECONDS OUT [sox output options...]
  local rate=$1 ch=$2 secs=$3 out=$4; shift 4
  if [ "$ch" = 1 ]; then
    sox -D -n -r "$rate" -c 1 "$@" "$out" synth "$secs" sine 440 gain -6
  else
    sox -D -n -r "$rate" -c 2 "$@" "$out" synth "$secs" sine 440 sine 1000 gain -6
  fi
}
# Bit-exact mode leaves out encoder versions, dates and random IDs, so reruns give the same bytes.
ff() { # ff ARGS... OUTPUT
  local out=${*: -1}
  ffmpeg -nostdin -loglevel error -y "${@:1:$#-1}" -fflags +bitexact -flags:a +bitexact "$out"
}
# Tags used to check tag reading (playlist matching).
TAGS=(-metadata artist="Test Artist" -metadata title="Test Tone" -metadata album="Fixtures")

# PCM: every sample format, a range of rates, mono and 5.1.
tone 44100 2 0.2  s16-44k.wav  -b 16
tone 96000 2 0.05 s24-96k.wav  -b 24
tone 48000 2 0.05 s32-48k.wav  -b 32 -e signed-integer
tone 192000 2 0.02 f32-192k.wav -b 32 -e floating-point
tone 44100 1 0.2  mono-44k.wav -b 16
# 5.1 with the WAVE_FORMAT_EXTENSIBLE channel mask, a different tone per channel at 1/8 full
# scale: FL 440, FR 1000, FC 700, LFE 50, SL 300, SR 2000 Hz. (The explicit map matters: join
# would otherwise put each mono input, whose layout is FC, on the centre first.)
ff -f lavfi -i "sine=f=440:r=48000:d=0.05" -f lavfi -i "sine=f=1000:r=48000:d=0.05" \
   -f lavfi -i "sine=f=700:r=48000:d=0.05" -f lavfi -i "sine=f=50:r=48000:d=0.05" \
   -f lavfi -i "sine=f=300:r=48000:d=0.05" -f lavfi -i "sine=f=2000:r=48000:d=0.05" \
   -filter_complex "[0][1][2][3][4][5]join=inputs=6:channel_layout=5.1(side):map=0.0-FL|1.0-FR|2.0-FC|3.0-LFE|4.0-SL|5.0-SR[a]" \
   -map "[a]" -c:a pcm_s16le surround-5.1-48k.wav
# (through ffmpeg: sox stamps the time into AIFF files)
tone 44100 2 0.1 aiff-source.wav -b 16
ff -i aiff-source.wav -c:a pcm_s16be s16-44k.aiff

# Lossless compressed.
tone 44100 2 0.5 source-44k.wav -b 16
flac --silent --force --best --no-padding -T ARTIST="Test Artist" -T TITLE="Test Tone" -T ALBUM="Fixtures" \
  -o s16-44k.flac source-44k.wav
sox s24-96k.wav s24-96k.flac
ff -i source-44k.wav -c:a alac alac-44k.m4a

# Lossy, 0.5 s at 44.1 kHz.
ff -i source-44k.wav -c:a aac -b:a 64k "${TAGS[@]}" aac-44k.m4a
ff -i source-44k.wav -c:a libmp3lame -b:a 64k "${TAGS[@]}" mp3-44k.mp3
ff -i source-44k.wav -c:a libvorbis -q:a 0 vorbis-44k.ogg

# Opus, 1.5 s at 48 kHz: .opus from opusenc, Ogg and WebM from ffmpeg.
tone 48000 2 1.5 source-48k.wav -b 16
opusenc --quiet --serial 1 --bitrate 32 --artist "Test Artist" --title "Test Tone" --album "Fixtures" \
  source-48k.wav opus-48k.opus
ff -i source-48k.wav -c:a libopus -b:a 32k opus-48k.ogg
ff -i source-48k.wav -c:a libopus -b:a 32k opus-48k.webm

# A chained Ogg Vorbis file (two streams back to back, as some internet radio recordings
# are): 0.3 s + 0.2 s.
tone 44100 2 0.3 link-a.wav -b 16
tone 44100 2 0.2 link-b.wav -b 16
ff -i link-a.wav -c:a libvorbis -q:a 0 link-a.ogg
# Different stream serial numbers mark where the second stream starts.
ff -i link-b.wav -c:a libvorbis -q:a 0 -serial_offset 7 link-b.ogg
cat link-a.ogg link-b.ogg > chained-vorbis.ogg

# Files that must be refused with a clear error: AC-3 (a codec symphonia lacks) in Matroska, and
# a Matroska file with a subtitle track but no audio.
ff -f lavfi -i "sine=f=440:r=48000:d=0.1" -c:a ac3 -b:a 96k ac3-48k.mka
printf '1\n00:00:00,000 --> 00:00:01,000\nno audio here\n' > subtitle.srt
ff -i subtitle.srt -c:s srt subtitles-only.mkv

rm -f aiff-source.wav source-44k.wav source-48k.wav link-a.wav link-b.wav link-a.ogg link-b.ogg subtitle.srt
ls -l
du -sh .
