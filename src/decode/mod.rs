//! File → interleaved stereo f32 frames: symphonia for WAV, AIFF, CAF, FLAC, ALAC/AAC in
//! MP4/M4A, MP3, Ogg Vorbis and Ogg FLAC; libopus (through symphonia-adapter-libopus) for Opus
//! in Ogg (.opus/.ogg), WebM/Matroska (what yt-dlp saves) and MP4. Any channel layout is mixed
//! to stereo as [`downmix`] documents.
//!
//! Positions are frame indices at the file's own rate, counted from the first audible frame:
//! encoder delay and padding are removed wherever the file records them. symphonia 0.6 applies
//! the MP3 LAME/Xing header and Ogg granule positions itself (gapless trimming is always on in
//! 0.6; `FormatOptions` has no switch for it any more); the Opus pre-skip, MP4 edit lists and
//! Matroska's `DiscardPadding` (the filler ending a WebM Opus stream) are applied here
//! (`timeline.rs`, `mp4.rs`, `matroska.rs`). Seeking is sample-accurate: see
//! [`AudioFile::seek`].
//!
//! Damage is survived, not fatal: a packet that fails to decode is skipped and counted
//! ([`AudioFile::skipped_packets`]); in lossless streams the frames it held become silence so
//! that everything after it stays at its true time; a file cut short (an interrupted download)
//! plays up to the cut and counts the loss, and if its container cannot even be opened that way
//! it is retried as a stream read front to back. Panics inside symphonia on hostile input are
//! caught and handled like damage. A file that cannot be opened or holds no decodable audio is
//! an error that names the file.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod codecs;
pub mod downmix;
mod matroska;
mod mp4;
mod packets;
mod reader;
mod tags;
mod timeline;

use std::path::{Path, PathBuf};

use symphonia::core::audio::Channels;
use symphonia::core::codecs::audio::{AudioCodecParameters, AudioDecoder};
use symphonia::core::formats::FormatReader;

use crate::exit_status::ExitStatus;
use crate::timecode::format_time;
pub use downmix::Downmix;
use matroska::EndPadding;
pub use tags::Tags;
use timeline::Timeline;

/// What a file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioInfo {
    /// Sample rate in Hz (Opus is always decoded at 48 kHz).
    pub sample_rate: u32,
    /// Channels in the file (output is always stereo).
    pub source_channels: usize,
    /// Total frames after encoder delay and padding are removed, when the container says.
    pub frames: Option<u64>,
    /// Codec short name, e.g. "flac", "opus", "pcm_s24le".
    pub codec: String,
    /// Bits per sample of the source, for lossless codecs (PCM, FLAC, ALAC) when known.
    pub bits_per_sample: Option<u32>,
}

impl AudioInfo {
    /// Duration in seconds, when known.
    pub fn seconds(&self) -> Option<f64> {
        self.frames.map(|f| f as f64 / f64::from(self.sample_rate))
    }
}

/// Why a file could not be decoded. Every message starts with the file's path.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The file could not be opened.
    #[error("{path}: cannot open: {source}", path = .path.display())]
    Open {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not a format iemlab reads, or is damaged beyond recognition.
    #[error("{path}: not a supported audio file ({reason})", path = .path.display())]
    Unsupported {
        /// File path.
        path: PathBuf,
        /// What symphonia said.
        reason: String,
    },
    /// The container holds no audio track.
    #[error("{path}: no audio track", path = .path.display())]
    NoAudio {
        /// File path.
        path: PathBuf,
    },
    /// The audio is in a codec iemlab cannot decode.
    #[error("{path}: unsupported codec {codec} ({reason})", path = .path.display())]
    UnsupportedCodec {
        /// File path.
        path: PathBuf,
        /// Codec name.
        codec: String,
        /// What symphonia said.
        reason: String,
    },
    /// Reading failed mid-stream in a way that cannot be skipped (a failing disk, say).
    #[error("{path}: read error at {at}: {reason}", path = .path.display())]
    Read {
        /// File path.
        path: PathBuf,
        /// Track time of the failure.
        at: String,
        /// What went wrong.
        reason: String,
    },
    /// A seek beyond the end of the track.
    #[error("{path}: seek to {to} is past the end (track is {length})", path = .path.display())]
    SeekPastEnd {
        /// File path.
        path: PathBuf,
        /// Requested time.
        to: String,
        /// Track length.
        length: String,
    },
}

/// A file the user gave that cannot be decoded: exit code 2, also when it cannot be opened.
impl ExitStatus for DecodeError {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// What to do with decoded frames before a given index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Discard {
    /// Encoder delay at the start of the stream (or of a chained Ogg link).
    Start(i64),
    /// The pre-roll of a seek through the demuxer; a packet starting after the target means
    /// the demuxer overshot and the seek must be redone the slow way.
    FastSeek(i64),
    /// The run-up of a seek that decodes from the start; a hole before the target is silence.
    SlowSeek(i64),
}

impl Discard {
    fn before(self) -> i64 {
        match self {
            Discard::Start(i) | Discard::FastSeek(i) | Discard::SlowSeek(i) => i,
        }
    }
}

/// An open audio file that yields stereo f32 frames.
pub struct AudioFile {
    path: PathBuf,
    info: AudioInfo,
    tags: Tags,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    /// The parameters the decoder was built from, to rebuild it after a crash.
    params: AudioCodecParameters,
    track_id: u32,
    timeline: Timeline,
    /// Matroska's DiscardPadding, which symphonia reads and drops.
    padding: EndPadding,
    /// Layout the downmix was built for; decoded buffers are compared against it.
    layout: Channels,
    downmix: Downmix,
    /// Decoded samples in the source layout, reused packet after packet.
    scratch: Vec<f32>,
    /// Stereo frames decoded but not yet returned; `pending_pos` samples are already taken.
    pending: Vec<f32>,
    pending_pos: usize,
    discard: Option<Discard>,
    /// Slow seek in a counted timeline: packets ending before this index are not decoded.
    scan_before: Option<i64>,
    /// Set when a fast seek's first audible packet started after the target.
    overshot: bool,
    /// Output index where the current chained-Ogg link starts.
    link_base: i64,
    /// End index of the last packet decoded (or scanned).
    last_end: i64,
    /// Where the next lossless packet should start; a later start means data was lost.
    expected: Option<i64>,
    position: u64,
    skipped: u64,
    consecutive_errors: u32,
    ended: bool,
    /// A chained Ogg link was met: timestamps restart, so seeks decode from the start.
    chained: bool,
    /// Chained links met so far.
    links: u32,
    /// Packets have been read since opening (see [`AudioFile::seek`]).
    used: bool,
    /// The header's frame count is exact (not an estimate), so ending short of it is damage.
    length_exact: bool,
    /// Opened as a stream that cannot seek (a damaged file): seeks decode from the start.
    forward_only: bool,
    /// Lossless codec: timestamp jumps mean lost data.
    lossless: bool,
}

impl std::fmt::Debug for AudioFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioFile")
            .field("path", &self.path)
            .field("info", &self.info)
            .field("position", &self.position)
            .finish()
    }
}

impl AudioFile {
    /// What the file holds.
    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Artist/title/album tags, where the file has them.
    pub fn tags(&self) -> &Tags {
        &self.tags
    }

    /// Frame index (at the file's rate) of the next frame [`AudioFile::read`] returns.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Packets that failed to decode and were skipped so far (also counts a file that ends
    /// mid-packet, and packets met again while a seek decodes from the start).
    pub fn skipped_packets(&self) -> u64 {
        self.skipped
    }

    /// Decodes up to `max_frames` frames, appending them to `out` as interleaved stereo;
    /// returns how many were appended (0 at the end of the stream).
    pub fn read(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, DecodeError> {
        // Drop what earlier calls took, so that reads that never end on a packet boundary do
        // not grow the buffer (this moves at most a packet's worth of samples).
        if self.pending_pos > 0 {
            self.pending
                .drain(..self.pending_pos.min(self.pending.len()));
            self.pending_pos = 0;
        }
        while self.pending_frames() < max_frames && !self.ended {
            self.step()?;
        }
        let n = self.pending_frames().min(max_frames);
        let taken = self
            .pending
            .get(self.pending_pos..self.pending_pos + 2 * n)
            .unwrap_or_default();
        out.extend_from_slice(taken);
        self.pending_pos += 2 * n;
        if self.pending_pos >= self.pending.len() {
            self.pending.clear();
            self.pending_pos = 0;
        }
        self.position += n as u64;
        Ok(n)
    }

    /// Sample-accurate seek: afterwards the next frame read is frame round(seconds · rate),
    /// the frame a decode from the start has there. Returns that frame index. Negative times
    /// seek to the start; a time past the end is an error (which may leave the reader at the
    /// end: seek again to go on).
    ///
    /// The demuxer is asked for a point a codec-specific pre-roll before the target (none for
    /// PCM/FLAC/ALAC; two frames for MP3/AAC, 8192 frames for Vorbis, 0.5 s for Opus), the
    /// decoder restarts there, and frames are decoded and dropped up to the target, so that
    /// lossy decoders reach the target in the state a decode from the start has. The samples
    /// are then bit-identical for PCM, FLAC, ALAC, MP3 and Vorbis. AAC differs by up to ~5e-3
    /// in noise-substituted bands (symphonia's noise generator cannot be rewound) and Opus by
    /// under 1e-6 (its band-energy prediction never quite forgets the start state).
    ///
    /// Where the demuxer cannot place a seek exactly (Opus in WebM, whose times are rounded to
    /// 1 ms; chained Ogg; a file opened forward-only because it is damaged; a demuxer that
    /// fails or overshoots) the file is read from the start instead; WebM Opus packets before
    /// the pre-roll are then only demuxed, not decoded.
    pub fn seek(&mut self, seconds: f64) -> Result<u64, DecodeError> {
        let rate = f64::from(self.info.sample_rate);
        let seconds = if seconds.is_nan() {
            0.0
        } else {
            seconds.max(0.0)
        };
        let past_end = |file: &AudioFile, frames: u64| DecodeError::SeekPastEnd {
            path: file.path.clone(),
            to: if seconds.is_finite() {
                format_time(seconds)
            } else {
                "infinity".into()
            },
            length: format_time(frames as f64 / rate),
        };
        let target = (seconds * rate).round();
        if !target.is_finite() || target >= i64::MAX as f64 {
            return Err(past_end(self, self.info.frames.unwrap_or(0)));
        }
        let target = target as u64;
        if let Some(total) = self.info.frames
            && target > total
        {
            return Err(past_end(self, total));
        }
        // Demuxers keep state between packets that their seek does not always reset (symphonia
        // 0.6's FLAC parser loses the frame after a seek back into a frame it was reading; its
        // MP3 reader misplaces forward seeks from mid-stream). A seek from a freshly opened
        // reader is reliable, and reopening costs one probe, so a used reader starts again.
        if self.used {
            self.rewind()?;
        }
        let preroll = codecs::preroll(&self.info.codec, self.info.sample_rate);
        let fast =
            !self.chained && !self.forward_only && !self.timeline.is_counted() && target > preroll;
        if fast && self.demuxer_seek(target, preroll)? {
            return Ok(target);
        }
        if self.used {
            self.rewind()?;
        }
        let goal = target as i64;
        self.discard = Some(Discard::SlowSeek(goal));
        if self.timeline.is_counted() {
            self.scan_before = Some(goal - preroll as i64);
        }
        self.run_up()?;
        self.scan_before = None;
        if self.discard.is_some() && self.last_end < goal {
            let length = self.last_end.max(0) as u64;
            self.position = length;
            return Err(past_end(self, length));
        }
        self.discard = None;
        self.position = target;
        Ok(target)
    }

    /// Seeks through the demuxer to `preroll` frames before `target` and decodes up to it;
    /// `false` when that did not work out and the slow way is needed.
    fn demuxer_seek(&mut self, target: u64, preroll: u64) -> Result<bool, DecodeError> {
        let goal = target as i64;
        let ts = self.timeline.ts_of(goal - preroll as i64);
        // Even a failed seek may have moved the demuxer.
        self.used = true;
        if !self.seek_format(ts) {
            return Ok(false);
        }
        self.decoder.reset();
        self.padding.restart();
        self.pending.clear();
        self.pending_pos = 0;
        self.ended = false;
        self.overshot = false;
        self.expected = None;
        self.consecutive_errors = 0;
        self.discard = Some(Discard::FastSeek(goal));
        self.run_up()?;
        if self.overshot || (self.discard.is_some() && self.last_end < goal) {
            return Ok(false);
        }
        self.discard = None;
        self.position = target;
        Ok(true)
    }

    /// Decodes until the pending discard is done (the target reached) or the stream ends.
    fn run_up(&mut self) -> Result<(), DecodeError> {
        while self.discard.is_some() && !self.ended && !self.overshot {
            self.step()?;
        }
        Ok(())
    }

    fn pending_frames(&self) -> usize {
        (self.pending.len() - self.pending_pos.min(self.pending.len())) / 2
    }
}

/// Decodes a whole file into interleaved stereo.
pub fn decode_all(path: &Path) -> Result<(AudioInfo, Vec<f32>), DecodeError> {
    decode_range(path, 0.0, None)
}

/// Decodes the part of a file from `from` seconds up to `to` seconds (or the end) into
/// interleaved stereo.
pub fn decode_range(
    path: &Path,
    from: f64,
    to: Option<f64>,
) -> Result<(AudioInfo, Vec<f32>), DecodeError> {
    let mut file = AudioFile::open(path)?;
    let rate = f64::from(file.info().sample_rate);
    let start = if from > 0.0 { file.seek(from)? } else { 0 };
    let mut left = match to {
        Some(to) => ((to * rate).round().max(0.0) as u64).saturating_sub(start),
        None => u64::MAX,
    };
    // Reserve for what the header promises, within reason: a damaged header can claim anything.
    let promised = file.info().frames.unwrap_or(0).min(left);
    let sane = u64::from(file.info().sample_rate) * 3600;
    let mut out = Vec::with_capacity(2 * promised.min(sane) as usize);
    while left > 0 {
        let n = file.read(&mut out, left.min(1 << 16) as usize)?;
        if n == 0 {
            break;
        }
        left -= n as u64;
    }
    Ok((file.info().clone(), out))
}
