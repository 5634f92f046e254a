//! File → interleaved stereo f32 frames: symphonia for WAV, AIFF, FLAC, ALAC/AAC in MP4/M4A,
//! MP3, Ogg Vorbis and CAF; libopus (through symphonia-adapter-libopus) for Opus in Ogg
//! (.opus/.ogg) and in WebM/Matroska, the form video downloaders produce.
//!
//! A packet that fails to decode is skipped and counted ([`AudioFile::skipped_packets`]); a
//! file that cannot be opened or has no decodable audio is an error that names the file.

pub mod downmix;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::{MetadataOptions, StandardTag};
use symphonia::core::units::{Time, TimeBase, Timestamp};

use crate::timecode::format_time;
pub use downmix::Downmix;

/// After this many consecutive unreadable packets the rest of the file is given up on.
const MAX_CONSECUTIVE_ERRORS: u32 = 64;

/// What a file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct AudioInfo {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Channels in the file (output is always stereo).
    pub source_channels: usize,
    /// Total frames, when the container says.
    pub frames: Option<u64>,
    /// Codec short name, e.g. "flac", "opus".
    pub codec: String,
    /// Bits per sample of the source, when meaningful (PCM, FLAC, ALAC).
    pub bits_per_sample: Option<u32>,
}

impl AudioInfo {
    /// Duration in seconds, when known.
    pub fn seconds(&self) -> Option<f64> {
        self.frames.map(|f| f as f64 / f64::from(self.sample_rate))
    }
}

/// Artist, title and album tags, for matching playlist entries to files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tags {
    /// Track artist.
    pub artist: Option<String>,
    /// Track title.
    pub title: Option<String>,
    /// Album title.
    pub album: Option<String>,
}

/// Why a file could not be decoded.
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
    /// Reading failed mid-stream in a way that cannot be skipped.
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
    #[error("{path}: cannot seek to {to}, the track is {length} long", path = .path.display())]
    SeekPastEnd {
        /// File path.
        path: PathBuf,
        /// Requested time.
        to: String,
        /// Track length.
        length: String,
    },
}

/// symphonia's decoders plus libopus.
fn codecs() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}

/// An open audio file that yields stereo f32 frames.
pub struct AudioFile {
    path: PathBuf,
    info: AudioInfo,
    tags: Tags,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    time_base: Option<TimeBase>,
    downmix: Downmix,
    /// Decoded samples in the source layout, reused packet after packet.
    scratch: Vec<f32>,
    /// Stereo frames decoded but not yet returned; `pending_pos` samples are already taken.
    pending: Vec<f32>,
    pending_pos: usize,
    /// After a seek: frames before this are dropped.
    discard_before: Option<u64>,
    position: u64,
    /// Where the next packet should start (frames); a later start means packets were lost.
    expected_pts: Option<i64>,
    skipped: u64,
    consecutive_errors: u32,
    ended: bool,
}

impl std::fmt::Debug for AudioFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioFile")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

impl AudioFile {
    /// Opens and probes `path`.
    pub fn open(path: &Path) -> Result<AudioFile, DecodeError> {
        let unsupported = |reason: String| DecodeError::Unsupported {
            path: path.to_path_buf(),
            reason,
        };
        let file = File::open(path).map_err(|source| DecodeError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(DecodeError::Open {
                path: path.to_path_buf(),
                source: std::io::Error::other("is a folder"),
            });
        }
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(&ext.to_ascii_lowercase());
        }
        let mut format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| unsupported(e.to_string()))?;
        let track = format
            .default_track(TrackType::Audio)
            .or_else(|| format.first_track_known_codec(TrackType::Audio))
            .ok_or_else(|| DecodeError::NoAudio {
                path: path.to_path_buf(),
            })?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| DecodeError::NoAudio {
                path: path.to_path_buf(),
            })?
            .clone();
        let track_id = track.id;
        let time_base = track.time_base;
        let frames = track.num_frames;
        let decoder = codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| unsupported(e.to_string()))?;
        let sample_rate = params
            .sample_rate
            .filter(|r| *r > 0)
            .ok_or_else(|| unsupported("no sample rate".into()))?;
        let channels = params.channels.clone().unwrap_or_default();
        let tags = read_tags(format.as_mut());
        Ok(AudioFile {
            path: path.to_path_buf(),
            info: AudioInfo {
                sample_rate,
                source_channels: channels.count(),
                frames,
                codec: decoder.codec_info().short_name.to_string(),
                bits_per_sample: params.bits_per_sample,
            },
            tags,
            format,
            decoder,
            track_id,
            time_base,
            downmix: Downmix::for_channels(&channels),
            scratch: Vec::new(),
            pending: Vec::new(),
            pending_pos: 0,
            discard_before: None,
            position: 0,
            expected_pts: None,
            skipped: 0,
            consecutive_errors: 0,
            ended: false,
        })
    }

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

    /// Packets that failed to decode and were skipped so far.
    pub fn skipped_packets(&self) -> u64 {
        self.skipped
    }

    /// Decodes up to `max_frames` frames, appending them to `out` as interleaved stereo;
    /// returns how many were appended (0 at the end of the stream).
    pub fn read(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, DecodeError> {
        while self.pending_frames() < max_frames && !self.ended {
            self.decode_packet()?;
        }
        let n = self.pending_frames().min(max_frames);
        out.extend_from_slice(&self.pending[self.pending_pos..self.pending_pos + 2 * n]);
        self.pending_pos += 2 * n;
        if self.pending_pos == self.pending.len() {
            self.pending.clear();
            self.pending_pos = 0;
        }
        self.position += n as u64;
        Ok(n)
    }

    /// Sample-accurate seek: afterwards the next frame read is frame round(seconds · rate).
    /// Returns that frame index.
    pub fn seek(&mut self, seconds: f64) -> Result<u64, DecodeError> {
        let rate = f64::from(self.info.sample_rate);
        let target = (seconds.max(0.0) * rate).round() as u64;
        if let Some(total) = self.info.frames
            && target > total
        {
            return Err(DecodeError::SeekPastEnd {
                path: self.path.clone(),
                to: format_time(seconds),
                length: format_time(total as f64 / rate),
            });
        }
        let time = Time::try_from_secs_f64(target as f64 / rate).unwrap_or_default();
        let to = SeekTo::Time {
            time,
            track_id: Some(self.track_id),
        };
        // libopus through the adapter reports Ogg granule positions that include the stream's
        // pre-skip, so packet times after a seek are off by it: decode from the start instead.
        let seekable = self.info.codec != "opus";
        match self
            .format
            .seek(SeekMode::Accurate, to)
            .ok()
            .filter(|_| seekable)
        {
            Some(_) => {
                self.decoder.reset();
                self.pending.clear();
                self.pending_pos = 0;
                self.ended = false;
                self.discard_before = Some(target);
                self.expected_pts = None;
                self.position = target;
            }
            // Some streams cannot seek: decode from the start and drop frames instead.
            None => {
                *self = AudioFile::open(&self.path)?;
                self.skip_frames(target)?;
            }
        }
        Ok(target)
    }

    /// Reads and drops `frames` frames.
    fn skip_frames(&mut self, mut frames: u64) -> Result<(), DecodeError> {
        let mut sink = Vec::with_capacity(8192);
        while frames > 0 {
            sink.clear();
            let n = self.read(&mut sink, frames.min(4096) as usize)?;
            if n == 0 {
                break;
            }
            frames -= n as u64;
        }
        Ok(())
    }

    fn pending_frames(&self) -> usize {
        (self.pending.len() - self.pending_pos) / 2
    }

    /// Converts a timestamp in the track's time base to frames at the file's rate.
    fn ts_to_frames(&self, ts: Timestamp) -> i64 {
        self.ticks_to_frames(ts.get())
    }

    /// Converts a count of time-base ticks to frames at the file's rate.
    fn ticks_to_frames(&self, ts: i64) -> i64 {
        match self.time_base {
            Some(tb) if !(tb.numer.get() == 1 && tb.denom.get() == self.info.sample_rate) => {
                let num =
                    i128::from(ts) * i128::from(tb.numer.get()) * i128::from(self.info.sample_rate);
                (num / i128::from(tb.denom.get())) as i64
            }
            _ => ts,
        }
    }

    /// Decodes the next packet of our track into `pending`, or marks the end.
    fn decode_packet(&mut self) -> Result<(), DecodeError> {
        let packet = match self.format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) | Err(SymphoniaError::ResetRequired) => {
                self.ended = true;
                return Ok(());
            }
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                // A truncated file: what was there has been played; say so by counting it.
                self.skipped += 1;
                self.ended = true;
                return Ok(());
            }
            Err(e @ (SymphoniaError::DecodeError(_) | SymphoniaError::IoError(_))) => {
                return self.note_bad_packet(&e);
            }
            Err(e) => {
                return Err(DecodeError::Read {
                    path: self.path.clone(),
                    at: format_time(self.position as f64 / f64::from(self.info.sample_rate)),
                    reason: e.to_string(),
                });
            }
        };
        if packet.track_id != self.track_id {
            return Ok(());
        }
        let pts = self.ts_to_frames(packet.pts);
        // Where the next packet should start: `dur` counts the valid (untrimmed) frames; some
        // containers (WebM) leave it 0, and then the decoded length stands in.
        let dur = packet.dur.get();
        let end =
            (dur > 0).then(|| self.ticks_to_frames(packet.pts.get().saturating_add(dur as i64)));
        let decoded = match self.decoder.decode(&packet) {
            Ok(buf) => {
                let frames = buf.frames();
                let channels = buf.spec().channels().clone();
                self.scratch.resize(buf.samples_interleaved(), 0.0);
                buf.copy_to_slice_interleaved(&mut self.scratch[..]);
                Some((frames, channels))
            }
            Err(e @ (SymphoniaError::DecodeError(_) | SymphoniaError::IoError(_))) => {
                return self.note_bad_packet(&e);
            }
            Err(SymphoniaError::ResetRequired) => {
                self.decoder.reset();
                None
            }
            Err(e) => {
                return self.note_bad_packet(&e);
            }
        };
        self.consecutive_errors = 0;
        let Some((frames, channels)) = decoded else {
            return Ok(());
        };
        if channels.count() != self.downmix.source_channels() {
            self.downmix = Downmix::for_channels(&channels);
        }
        let n = channels.count().max(1);
        let trimmed = packet.trim_start.get() > 0 || packet.trim_end.get() > 0;
        self.fill_gap(pts, end.unwrap_or(pts + frames as i64), trimmed);
        let mut skip = 0usize;
        if let Some(target) = self.discard_before {
            let target = target as i64;
            if pts + frames as i64 <= target {
                return Ok(());
            }
            skip = (target - pts).clamp(0, frames as i64) as usize;
            self.discard_before = None;
        }
        let start = (skip * n).min(self.scratch.len());
        self.downmix
            .apply(&self.scratch[start..], &mut self.pending);
        Ok(())
    }

    /// When the demuxer dropped damaged data (FLAC resyncing after a CRC error, say), the next
    /// packet starts later than the last one ended. Count the loss and fill it with silence so
    /// that everything after it stays at its true time (cue points stay sample-accurate).
    fn fill_gap(&mut self, pts: i64, end: i64, trimmed: bool) {
        // Timestamps in coarse time bases (WebM: 1 ms) round; only gaps beyond a tick count.
        let tick = self.time_base.map_or(1, |tb| {
            let (num, den) = (
                u64::from(self.info.sample_rate) * u64::from(tb.numer.get()),
                u64::from(tb.denom.get()),
            );
            num.div_ceil(den) as i64
        });
        // Only lossless streams are judged: their packet times are exact, while lossy codecs
        // hide encoder delay inside packets (Opus pre-skip, AAC priming) and would look gappy.
        let exact = ["flac", "alac"].contains(&self.info.codec.as_str())
            || self.info.codec.starts_with("pcm");
        if let Some(expected) = self.expected_pts.filter(|_| exact) {
            let gap = pts - expected;
            if gap > tick + 1 && self.discard_before.is_none() {
                self.skipped += 1;
                let fill = gap.min(i64::from(self.info.sample_rate) * 10) as usize;
                self.pending.resize(self.pending.len() + 2 * fill, 0.0);
            }
        }
        // Encoder delay and padding are trimmed from packets at the ends; timestamps around
        // them do not line up, so gaps are only judged between untrimmed packets.
        self.expected_pts = if trimmed { None } else { Some(end) };
    }

    fn note_bad_packet(&mut self, _error: &SymphoniaError) -> Result<(), DecodeError> {
        self.skipped += 1;
        self.consecutive_errors += 1;
        if self.consecutive_errors >= MAX_CONSECUTIVE_ERRORS {
            self.ended = true;
        }
        Ok(())
    }
}

fn read_tags(format: &mut dyn FormatReader) -> Tags {
    let mut tags = Tags::default();
    let mut metadata = format.metadata();
    let Some(revision) = metadata.skip_to_latest() else {
        return tags;
    };
    let all = revision.media.tags.iter().chain(
        revision
            .per_track
            .iter()
            .flat_map(|t| t.metadata.tags.iter()),
    );
    for tag in all {
        match &tag.std {
            Some(StandardTag::Artist(v)) if tags.artist.is_none() => {
                tags.artist = Some(v.to_string())
            }
            Some(StandardTag::TrackTitle(v)) if tags.title.is_none() => {
                tags.title = Some(v.to_string())
            }
            Some(StandardTag::Album(v)) if tags.album.is_none() => tags.album = Some(v.to_string()),
            _ => {}
        }
    }
    tags
}

/// Decodes a whole file into interleaved stereo.
pub fn decode_all(path: &Path) -> Result<(AudioInfo, Vec<f32>), DecodeError> {
    let mut file = AudioFile::open(path)?;
    let mut out = Vec::new();
    while file.read(&mut out, 1 << 16)? > 0 {}
    Ok((file.info().clone(), out))
}
