//! Packet timestamps → frame indices of the decoded output (frame 0 = the first audible frame).
//!
//! Containers disagree on where the codec's start-up delay lives:
//! - Ogg Opus: timestamps are granule positions, which count the pre-skip (RFC 7845 §4.2).
//! - MP4 (AAC, Opus, ALAC): the edit list's media time says how many frames to skip; symphonia
//!   0.6 ignores edit lists, so [`super::mp4`] reads it.
//! - WebM/Matroska Opus: timestamps exclude the codec delay but are rounded to the timestamp
//!   scale (1 ms = 48 frames), each muxer rounding its own way (ffmpeg's are off by up to 1.5 ms).
//!   So positions are counted instead, from each packet's exact duration in its TOC byte
//!   (RFC 6716 §3.1), starting at the pre-skip; seeking re-reads packets from the start (cheap:
//!   no decoding) rather than trust the rounded times. The filler ending the last packet is
//!   its block's DiscardPadding (see [`super::matroska`]).
//! - MP3 (LAME/Xing header), Vorbis, FLAC, PCM: symphonia's timestamps and trims are exact.
//!
//! Opus decoders are built with the header's pre-skip zeroed (see [`opus_without_pre_skip`]), so
//! the pre-skip is always dropped here, by timestamp, the same way at the start and after a seek.

use symphonia::core::units::TimeBase;

/// How one track's packet timestamps map to output frame indices.
#[derive(Clone, Debug)]
pub(crate) struct Timeline {
    time_base: Option<TimeBase>,
    rate: u32,
    /// Frames at the start of the stream that are encoder delay (subtracted from timestamps).
    delay: i64,
    /// Counted positions (Opus in Matroska): the pre-skip, and the 48 kHz position of the next
    /// packet from the start of the stream, pre-skip included.
    counted: Option<(i64, i64)>,
}

/// Where a track's timestamps come from; decides how [`Timeline`] reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Timestamps include `delay` frames of encoder delay (Ogg Opus pre-skip, MP4 edit list).
    Delayed(u64),
    /// Rounded timestamps (Matroska) of an Opus stream with this pre-skip: count instead.
    OpusCounted(u64),
    /// Timestamps are exact output frame indices.
    Exact,
}

impl Timeline {
    /// A timeline for a track at `rate` Hz whose timestamps count in `time_base`.
    pub(crate) fn new(time_base: Option<TimeBase>, rate: u32, layout: Layout) -> Timeline {
        let (delay, counted) = match layout {
            Layout::Delayed(d) => (i64::try_from(d).unwrap_or(0), None),
            Layout::OpusCounted(p) => (0, Some((i64::try_from(p).unwrap_or(0), 0))),
            Layout::Exact => (0, None),
        };
        Timeline {
            time_base,
            rate,
            delay,
            counted,
        }
    }

    /// Whether positions are counted from the start, so that a demuxer seek cannot be placed.
    pub(crate) fn is_counted(&self) -> bool {
        self.counted.is_some()
    }

    /// Frames of encoder delay hidden at the start (counted in the container's frame total).
    pub(crate) fn delay(&self) -> u64 {
        self.delay.unsigned_abs()
    }

    /// Whether one tick is one frame, so that timestamps and durations are exact.
    pub(crate) fn exact_ticks(&self) -> bool {
        self.time_base
            .is_none_or(|tb| tb.numer.get() == 1 && tb.denom.get() == self.rate)
    }

    /// Frames per time-base tick, rounded up (1 when ticks are frames).
    pub(crate) fn tick_frames(&self) -> i64 {
        self.time_base.map_or(1, |tb| {
            let num = u64::from(self.rate) * u64::from(tb.numer.get());
            i64::try_from(num.div_ceil(u64::from(tb.denom.get())))
                .unwrap_or(i64::MAX)
                .max(1)
        })
    }

    /// Converts a span of time-base ticks to frames (rounded down).
    pub(crate) fn ticks_to_frames(&self, ticks: i64) -> i64 {
        match self.time_base {
            Some(tb) if !(tb.numer.get() == 1 && tb.denom.get() == self.rate) => {
                let num = i128::from(ticks) * i128::from(tb.numer.get()) * i128::from(self.rate);
                let frames = num.div_euclid(i128::from(tb.denom.get()));
                i64::try_from(frames).unwrap_or(if frames < 0 { i64::MIN } else { i64::MAX })
            }
            _ => ticks,
        }
    }

    /// Converts frames to time-base ticks (rounded down, so a seek lands at or before them).
    fn frames_to_ticks(&self, frames: i64) -> i64 {
        match self.time_base {
            Some(tb) if !(tb.numer.get() == 1 && tb.denom.get() == self.rate) => {
                let num = i128::from(frames) * i128::from(tb.denom.get());
                let den = i128::from(tb.numer.get()) * i128::from(self.rate);
                let ticks = num.div_euclid(den.max(1));
                i64::try_from(ticks).unwrap_or(if ticks < 0 { i64::MIN } else { i64::MAX })
            }
            _ => frames,
        }
    }

    /// Output frame index of the first frame the next packet (stamped `pts`, holding `data`)
    /// decodes to. Call once per packet of the track, in order, decodable or not.
    pub(crate) fn frame_of(&mut self, pts: i64, data: &[u8]) -> i64 {
        match &mut self.counted {
            Some((pre_skip, next)) => {
                let start = *next - *pre_skip;
                *next = next.saturating_add(opus_packet_frames(data).unwrap_or(0));
                // Opus decodes at 48 kHz here (see `super::codecs`); other rates scale.
                if self.rate == 48_000 {
                    start
                } else {
                    start.saturating_mul(i64::from(self.rate)) / 48_000
                }
            }
            None => self.ticks_to_frames(pts).saturating_sub(self.delay),
        }
    }

    /// Notes that the packet just placed, holding `data`, ends `frames` early (Matroska's
    /// DiscardPadding): counted positions then go on from its real end.
    pub(crate) fn end_early(&mut self, frames: i64, data: &[u8]) {
        if let Some((_, next)) = &mut self.counted {
            let frames = if self.rate == 48_000 {
                frames
            } else {
                frames.saturating_mul(48_000) / i64::from(self.rate.max(1))
            };
            let len = opus_packet_frames(data).unwrap_or(0);
            *next = next.saturating_sub(frames.clamp(0, len));
        }
    }

    /// Timestamp to ask the demuxer for so that decoding starts at or before output frame
    /// `frame`.
    pub(crate) fn ts_of(&self, frame: i64) -> i64 {
        self.frames_to_ticks(frame.saturating_add(self.delay))
    }
}

/// Frames (at 48 kHz) in one Opus packet, from its TOC byte (RFC 6716 §3.1); `None` when the
/// packet is malformed.
pub(crate) fn opus_packet_frames(packet: &[u8]) -> Option<i64> {
    let toc = *packet.first()?;
    let config = toc >> 3;
    let frame = match config {
        // SILK-only: 10, 20, 40, 60 ms.
        0..=11 => [480, 960, 1920, 2880].get(usize::from(config % 4)),
        // Hybrid: 10, 20 ms.
        12..=15 => [480, 960].get(usize::from(config % 2)),
        // CELT-only: 2.5, 5, 10, 20 ms.
        _ => [120, 240, 480, 960].get(usize::from(config % 4)),
    }
    .copied()?;
    let count = match toc & 0b11 {
        0 => 1,
        1 | 2 => 2,
        _ => i64::from(*packet.get(1)? & 0b11_1111),
    };
    // A packet holds at most 120 ms.
    let total = frame * count;
    (total > 0 && total <= 5760).then_some(total)
}

/// Pre-skip (frames at 48 kHz) of an Ogg-style Opus identification header ("OpusHead"): a
/// little-endian u16 at byte 10.
pub(crate) fn opus_pre_skip(extra_data: &[u8]) -> Option<u64> {
    if !extra_data.starts_with(b"OpusHead") {
        return None;
    }
    let bytes = extra_data.get(10..)?.first_chunk::<2>()?;
    Some(u64::from(u16::from_le_bytes(*bytes)))
}

/// The header with its pre-skip set to 0. The libopus adapter trims the header's pre-skip from
/// the first packet it decodes after being built — even when that packet comes after a seek —
/// and reads it little-endian even from MP4's big-endian `dOps`; so the decoder is told there
/// is none and [`Timeline`] drops the delay by timestamp instead.
pub(crate) fn opus_without_pre_skip(extra_data: &[u8]) -> Option<Box<[u8]>> {
    if !extra_data.starts_with(b"OpusHead") {
        return None;
    }
    let mut patched = extra_data.to_vec();
    patched.get_mut(10..12)?.fill(0);
    Some(patched.into_boxed_slice())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::num::NonZero;

    fn tb(numer: u32, denom: u32) -> Option<TimeBase> {
        Some(TimeBase::new(NonZero::new(numer)?, NonZero::new(denom)?))
    }

    #[test]
    fn ogg_opus_granules_lose_the_pre_skip() {
        let mut t = Timeline::new(tb(1, 48_000), 48_000, Layout::Delayed(312));
        assert!(!t.is_counted());
        assert_eq!(t.frame_of(0, &[]), -312);
        assert_eq!(t.frame_of(960, &[]), 648);
        assert_eq!(t.ts_of(1000), 1312);
        assert_eq!(t.delay(), 312);
    }

    #[test]
    fn matroska_opus_positions_are_counted_from_packet_durations() {
        let mut t = Timeline::new(tb(1, 1000), 48_000, Layout::OpusCounted(312));
        assert!(t.is_counted());
        // 20 ms CELT packet (config 31, one frame), whatever the rounded time says.
        assert_eq!(t.frame_of(-6, &[31 << 3]), -312);
        assert_eq!(t.frame_of(15, &[31 << 3]), 648);
        // Two 10 ms SILK frames.
        assert_eq!(t.frame_of(35, &[1]), 1608);
        // Code 3: M = 3 frames of 2.5 ms.
        assert_eq!(t.frame_of(55, &[(16 << 3) | 3, 3]), 2568);
        // A malformed packet takes no time.
        assert_eq!(t.frame_of(56, &[]), 2928);
        assert_eq!(t.frame_of(57, &[31 << 3]), 2928);
        // A packet ending in 648 frames of padding: the next starts at its real end, and
        // padding longer than the packet takes no more than the packet.
        t.end_early(648, &[31 << 3]);
        assert_eq!(t.frame_of(77, &[31 << 3]), 3240);
        t.end_early(5000, &[31 << 3]);
        assert_eq!(t.frame_of(97, &[31 << 3]), 3240);
    }

    #[test]
    fn opus_packet_durations() {
        assert_eq!(opus_packet_frames(&[0]), Some(480));
        assert_eq!(opus_packet_frames(&[(3 << 3) | 1]), Some(5760));
        assert_eq!(opus_packet_frames(&[(15 << 3) | 2]), Some(1920));
        assert_eq!(opus_packet_frames(&[(3 << 3) | 3, 3]), None);
        assert_eq!(opus_packet_frames(&[(16 << 3) | 3, 0]), None);
        assert_eq!(opus_packet_frames(&[(16 << 3) | 3]), None);
    }

    #[test]
    fn exact_times_pass_through() {
        let mut t = Timeline::new(tb(1, 44_100), 44_100, Layout::Exact);
        assert_eq!(t.frame_of(-1105, &[]), -1105);
        assert_eq!(t.ts_of(4410), 4410);
        // A coarser time base converts both ways.
        let mut t = Timeline::new(tb(1, 1000), 44_100, Layout::Exact);
        assert_eq!(t.frame_of(1000, &[]), 44_100);
        assert_eq!(t.ts_of(44_099), 999);
    }

    #[test]
    fn opus_headers_are_read_and_patched() {
        let mut head = b"OpusHead\x01\x02\x38\x01\x80\xbb\0\0\0\0\0".to_vec();
        assert_eq!(opus_pre_skip(&head), Some(312));
        let patched = opus_without_pre_skip(&head).unwrap_or_default();
        assert_eq!(opus_pre_skip(&patched), Some(0));
        head.truncate(11);
        assert_eq!(opus_pre_skip(&head), None);
        assert!(opus_without_pre_skip(b"dOps").is_none());
    }
}
