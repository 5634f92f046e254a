//! The packet loop: demux, decode, trim, place on the timeline, downmix; and the ways a stream
//! ends (cleanly, cut short, damaged beyond use) or changes (chained Ogg links).

use std::io::ErrorKind;

use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error;
use symphonia::core::formats::TrackType;

use super::matroska::padding_frames;
use super::reader::{layout, make_decoder};
use super::timeline::{Timeline, opus_packet_frames};
use super::{AudioFile, DecodeError, Discard, Downmix, codecs};
use crate::timecode::format_time;

/// After this many consecutive unreadable packets the rest of the file is given up on.
const MAX_CONSECUTIVE_ERRORS: u32 = 64;
/// Chained Ogg links followed before giving up (a hostile file could hold thousands).
const MAX_LINKS: u32 = 1000;
/// Longest run of lost frames replaced by silence, in seconds.
const MAX_FILL_SECONDS: i64 = 10;

impl AudioFile {
    /// Reads the next packet; decodes it into `pending` if it is ours, or notes the end.
    pub(super) fn step(&mut self) -> Result<(), DecodeError> {
        self.used = true;
        let next = crate::contain::contained(|| self.format.next_packet());
        let mut packet = match next {
            Ok(Ok(Some(packet))) => packet,
            Ok(Ok(None)) => {
                self.finish(false);
                return Ok(());
            }
            Ok(Err(Error::ResetRequired)) => return self.next_link(),
            Ok(Err(Error::IoError(e))) => match e.kind() {
                // A truncated file: what was there has been played; say so by counting it.
                ErrorKind::UnexpectedEof => {
                    self.finish(true);
                    return Ok(());
                }
                ErrorKind::InvalidData | ErrorKind::Other => return self.bad_packet(),
                _ => {
                    return Err(DecodeError::Read {
                        path: self.path.clone(),
                        at: format_time(self.position as f64 / f64::from(self.info.sample_rate)),
                        reason: e.to_string(),
                    });
                }
            },
            Ok(Err(_)) => return self.bad_packet(),
            // The demuxer's state is unknown after a panic: end here.
            Err(_) => {
                self.finish(true);
                return Ok(());
            }
        };
        if packet.track_id != self.track_id {
            return Ok(());
        }
        if !self.length_exact {
            // The demuxer trims packets to a length it only estimated (an MP3 without a
            // Xing/LAME header): beyond that guess is real audio, so keep all of it.
            packet.dur = packet.dur.saturating_add(packet.trim_end);
            packet.trim_end = symphonia::core::units::Duration::ZERO;
        }
        let trim = i64::try_from(packet.trim_start.get()).unwrap_or(0);
        // Matroska: encoder filler at the end of this packet (its block's DiscardPadding).
        let padding = match self
            .padding
            .take(packet.track_id, packet.pts.get(), packet.data.len())
        {
            0 => 0,
            ns => padding_frames(ns, self.info.sample_rate),
        };
        let start = self
            .link_base
            .saturating_add(self.timeline.frame_of(packet.pts.get(), &packet.data))
            .saturating_add(self.timeline.ticks_to_frames(trim));
        if padding > 0 {
            self.timeline.end_early(padding, &packet.data);
        }
        // Seeking in WebM Opus: packets wholly before the pre-roll are counted, not decoded.
        if let Some(scan) = self.scan_before {
            let len = opus_packet_frames(&packet.data)
                .unwrap_or(0)
                .saturating_sub(padding)
                .max(0);
            if start.saturating_add(len) <= scan {
                self.last_end = start.saturating_add(len);
                return Ok(());
            }
            self.scan_before = None;
        }
        let (decoder, layout, downmix, scratch) = (
            &mut self.decoder,
            &mut self.layout,
            &mut self.downmix,
            &mut self.scratch,
        );
        let decoded = crate::contain::contained(|| -> Result<usize, Error> {
            let buf = decoder.decode(&packet)?;
            let channels = buf.spec().channels();
            if channels.count() != buf.num_planes() {
                return Err(Error::DecodeError(
                    "channel count does not match the buffer",
                ));
            }
            // Layouts rarely change; clone only when one does.
            if channels != layout {
                *layout = channels.clone();
                *downmix = Downmix::for_channels(layout);
            }
            scratch.resize(buf.samples_interleaved(), 0.0);
            buf.copy_to_slice_interleaved(&mut scratch[..]);
            Ok(buf.frames())
        });
        let mut frames = match decoded {
            Ok(Ok(frames)) => i64::try_from(frames).unwrap_or(0),
            Ok(Err(Error::ResetRequired)) => {
                self.decoder.reset();
                return self.bad_packet();
            }
            Ok(Err(_)) => return self.bad_packet(),
            Err(_) => {
                match make_decoder(&self.params) {
                    Ok(decoder) => self.decoder = decoder,
                    Err(_) => self.ended = true,
                }
                return self.bad_packet();
            }
        };
        self.consecutive_errors = 0;
        // Where ticks are frames, a packet's duration is exact: MP4 marks the padding of its last
        // AAC packet only by giving it a shorter duration than it decodes to.
        let dur = i64::try_from(packet.dur.get()).unwrap_or(0);
        if self.timeline.exact_ticks() && dur > 0 && frames > dur {
            frames = dur;
        }
        frames = frames.saturating_sub(padding);
        if frames <= 0 {
            return Ok(());
        }
        self.place(start, frames);
        Ok(())
    }

    /// Queues the decoded frames `start..start + frames` (in `scratch`), minus any discarded
    /// ones, with silence before them for lost data.
    fn place(&mut self, start: i64, frames: i64) {
        let end = start.saturating_add(frames);
        self.last_end = end;
        let mut skip = 0;
        let mut silence = 0;
        match self.discard {
            Some(discard) => {
                let before = discard.before();
                if end <= before {
                    return;
                }
                if start > before {
                    match discard {
                        Discard::FastSeek(_) => {
                            self.overshot = true;
                            return;
                        }
                        Discard::SlowSeek(_) => silence = start - before,
                        Discard::Start(_) => {}
                    }
                }
                skip = (before - start).clamp(0, frames);
                self.discard = None;
            }
            None => {
                // Damaged data the demuxer dropped (FLAC resyncing after a CRC error, say)
                // shows as a jump in timestamps. Only lossless streams are judged: lossy
                // codecs hide delay inside packets and would look gappy.
                if let Some(expected) = self.expected.filter(|_| self.lossless)
                    && start - expected > 2 * self.timeline.tick_frames()
                {
                    self.skipped += 1;
                    silence = start - expected;
                }
            }
        }
        if self.lossless {
            self.expected = Some(end);
        }
        if silence > 0 {
            let fill = silence.min(MAX_FILL_SECONDS * i64::from(self.info.sample_rate));
            let fill = usize::try_from(fill).unwrap_or(0);
            self.pending.resize(self.pending.len() + 2 * fill, 0.0);
        }
        let n = self.layout.count();
        let from = usize::try_from(skip).unwrap_or(0).saturating_mul(n);
        let to = usize::try_from(frames).unwrap_or(0).saturating_mul(n);
        if let Some(samples) = self.scratch.get(from..to) {
            let start = self.pending.len();
            self.downmix.apply(samples, &mut self.pending);
            // A damaged float PCM file can hold NaN or infinity, which would stick in every
            // filter's state downstream and silence (or blast) the rest of the track: play
            // silence for those samples instead.
            for v in self.pending.iter_mut().skip(start) {
                if !v.is_finite() {
                    *v = 0.0;
                }
            }
        }
    }

    /// The demuxer met a new chained Ogg link (or otherwise asks to start over): carry on with
    /// the new track when it plays at the same rate, else end cleanly.
    fn next_link(&mut self) -> Result<(), DecodeError> {
        self.links += 1;
        let next = self
            .format
            .default_track(TrackType::Audio)
            .or_else(|| self.format.first_track(TrackType::Audio))
            .and_then(|t| match &t.codec_params {
                Some(CodecParameters::Audio(p)) => Some((t.clone(), p.clone())),
                _ => None,
            });
        let Some((track, original)) = next.filter(|_| self.links <= MAX_LINKS) else {
            self.ended = true;
            return Ok(());
        };
        let params = codecs::decoder_params(&original);
        let rate = self.info.sample_rate;
        let decoder = match make_decoder(&params) {
            Ok(decoder) if params.sample_rate == Some(rate) => decoder,
            _ => {
                self.ended = true;
                return Ok(());
            }
        };
        let layout = layout(self.format.as_ref(), &track, &original, &self.path, rate);
        self.timeline = Timeline::new(track.time_base, rate, layout);
        self.decoder = decoder;
        self.params = params;
        self.track_id = track.id;
        self.link_base = self.last_end;
        if matches!(self.discard, None | Some(Discard::Start(_))) {
            self.discard = Some(Discard::Start(self.link_base));
        }
        self.expected = None;
        self.chained = true;
        // The file's length is no longer known: the header only described the first link.
        self.info.frames = None;
        Ok(())
    }

    /// Ends the stream. A stream that stops short of the length its header promised was cut
    /// off (an interrupted download, say) even when the demuxer saw a clean end: that counts
    /// as a skip too, once, so damage is never silent.
    fn finish(&mut self, damaged: bool) {
        if !self.ended {
            let short = self.length_exact
                && !self.chained
                && self
                    .info
                    .frames
                    .is_some_and(|total| self.last_end < total as i64);
            if damaged || short {
                self.skipped += 1;
            }
        }
        self.ended = true;
    }

    /// Counts a packet that could not be read or decoded; after many in a row, the rest of the
    /// file is given up on.
    fn bad_packet(&mut self) -> Result<(), DecodeError> {
        self.skipped += 1;
        self.consecutive_errors += 1;
        if self.consecutive_errors >= MAX_CONSECUTIVE_ERRORS {
            self.ended = true;
        }
        Ok(())
    }
}
