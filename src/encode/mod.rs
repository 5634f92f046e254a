//! Frames to audio files: the WAV writer that renders and the WAV sink share. Below the
//! engine and the offline renderer, which both write through it.

pub mod dither;
pub mod flac;
pub mod wav;

pub use dither::Quantizer;
pub use flac::FlacSink;
pub use wav::{LevelStats, WavError, WavFormat, WavSink};

use std::path::Path;

use crate::atomic_file::SaveError;

/// What a render writes: a WAV of one sample format, or a FLAC of 16 or 24 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// WAV (RIFF) in this sample format.
    Wav(WavFormat),
    /// FLAC at this bit depth (16 or 24).
    Flac {
        /// Bits per sample.
        bits: u32,
    },
}

impl Encoding {
    /// Bits per sample written (32 for float).
    pub fn bits(self) -> u32 {
        match self {
            Encoding::Wav(format) => format.bits(),
            Encoding::Flac { bits } => bits,
        }
    }

    /// Whether samples are rounded to integers (and so clipped at full scale).
    pub fn is_integer(self) -> bool {
        !matches!(self, Encoding::Wav(WavFormat::F32))
    }

    /// File name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Encoding::Wav(_) => "wav",
            Encoding::Flac { .. } => "flac",
        }
    }

    /// "FLAC 24-bit", "WAV 32-bit float": for summaries.
    pub fn describe(self) -> String {
        match self {
            Encoding::Wav(WavFormat::F32) => "WAV 32-bit float".into(),
            Encoding::Wav(format) => format!("WAV {}-bit", format.bits()),
            Encoding::Flac { bits } => format!("FLAC {bits}-bit"),
        }
    }
}

/// An output file being written, of either kind.
pub enum FileSink {
    /// A WAV file.
    Wav(Box<WavSink>),
    /// A FLAC file.
    Flac(Box<FlacSink>),
}

impl FileSink {
    /// Starts `dest` in `encoding` at `rate` Hz; integer samples get TPDF dither seeded by
    /// `seed` when `dither`. `tag_bytes` is room kept for tags (FLAC). Fails at once if
    /// `dest` exists and `force` is false.
    pub fn create(
        dest: &Path,
        rate: u32,
        encoding: Encoding,
        dither: Option<u64>,
        tag_bytes: usize,
        force: bool,
    ) -> Result<FileSink, SaveError> {
        Ok(match encoding {
            Encoding::Wav(format) => {
                let mut sink = WavSink::create(dest, rate, format, force)?;
                if let Some(seed) = dither {
                    sink.dither(seed);
                }
                FileSink::Wav(Box::new(sink))
            }
            Encoding::Flac { bits } => {
                let quantizer = Quantizer::new(bits, dither.is_some(), dither.unwrap_or(0));
                FileSink::Flac(Box::new(FlacSink::create(
                    dest, rate, quantizer, bits, tag_bytes, force,
                )?))
            }
        })
    }

    /// Appends interleaved stereo samples.
    pub fn write(&mut self, samples: &[f32]) -> Result<(), SaveError> {
        match self {
            FileSink::Wav(sink) => sink.write(samples),
            FileSink::Flac(sink) => sink.write(samples),
        }
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        match self {
            FileSink::Wav(sink) => sink.frames(),
            FileSink::Flac(sink) => sink.frames(),
        }
    }

    /// Completes the file, with `tags` (FLAC), and moves it into place.
    pub fn finish(
        self,
        tags: Option<&lofty::ogg::tag::VorbisComments>,
    ) -> Result<LevelStats, SaveError> {
        match self {
            FileSink::Wav(sink) => sink.finish(),
            FileSink::Flac(sink) => sink.finish(tags),
        }
    }
}
