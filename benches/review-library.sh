#!/usr/bin/env bash
# A stand-in for a reviewer's library: the 13 tracks of playlists/iem-review.toml as tagged
# files with cover art (11 FLAC at 44.1 kHz/16-bit and 48 kHz/24-bit, 2 MP3), 3–6 minutes
# each (about an hour in all), named the way downloads are. The audio is synthesised
# (music-like: tones, a pulse and pink noise with a slow swell), so FLAC has real work to do.
# Needs: sox, ffmpeg, flac (apt-get install -y sox ffmpeg flac).
# Usage: benches/review-library.sh DIR
set -euo pipefail
DIR=${1:?usage: benches/review-library.sh DIR}
mkdir -p "$DIR"
COVER="$DIR/.cover.png"
ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=600x600" -frames:v 1 "$COVER"
i=0
while IFS='|' read -r artist title secs rate bits ext; do
  i=$((i + 1))
  name="$title"
  [ -n "$artist" ] && name="$artist - $title"
  out="$DIR/$(printf '%02d' "$i") - $name.$ext"
  [ -e "$out" ] && continue
  tmp="$DIR/.tmp.wav"
  f=$((110 * (i % 5 + 1)))
  sox -n -r "$rate" -c 2 -b 24 "$tmp" synth "$secs" pinknoise synth "$secs" sine mix "$f" \
    synth "$secs" triangle mix "$((f * 3))" tremolo 0.3 40 gain -10
  if [ "$ext" = flac ]; then
    sox "$tmp" -b "$bits" "$out"
    metaflac --set-tag="ARTIST=$artist" --set-tag="TITLE=$title" --set-tag="ALBUM=Review set" \
      --set-tag="TRACKNUMBER=$i" --set-tag="REPLAYGAIN_TRACK_GAIN=-6.20 dB" \
      --import-picture-from="$COVER" "$out"
  else
    ffmpeg -nostdin -loglevel error -y -i "$tmp" -i "$COVER" -map 0 -map 1 -c:a libmp3lame -b:a 320k \
      -c:v png -disposition:v attached_pic -id3v2_version 3 \
      -metadata artist="$artist" -metadata title="$title" -metadata album="Review set" "$out"
  fi
  rm -f "$tmp"
done <<'LIST'
Ed Sheeran|Shivers|207|44100|16|flac
See-Saw|Kiwi wa Boku ni Niteiru|263|44100|16|flac
2CELLOS|Now We Are Free|252|44100|16|flac
Polyphia|Playing God|203|48000|24|flac
Lang Lang|Goldberg Variations Aria|289|96000|24|flac
Kavakos|Ciaccona|362|44100|16|flac
Tokyo Kosei Wind Orchestra|Synchro BOM-BA-YE|301|44100|16|mp3
|A Reckoning in Blood|224|44100|16|flac
Two Steps from Hell|Strength of a Thousand Men (Live)|228|48000|24|flac
Kavakos|Ciaccona (II)|240|44100|16|flac
Polyphia|ABC feat. Sophia Black|211|44100|16|mp3
|Original Sound Effect Track - Memory|184|44100|16|flac
|Shadow of Baar Dau|247|44100|16|flac
LIST
rm -f "$COVER"
