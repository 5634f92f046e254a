//! WAV output that never leaves a partial file or overwrites one by accident: samples go to
//! a temp file beside the destination ([`crate::atomic_file`]), which is renamed into place
//! only when complete.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use super::dither::Quantizer;
use crate::atomic_file::{self, Pending, SaveError};

/// Sample format of a written WAV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WavFormat {
    /// 24-bit integer PCM (values beyond full scale are clipped, and counted).
    S24,
    /// 16-bit integer PCM (values beyond full scale are clipped, and counted).
    S16,
    /// 32-bit float (values beyond full scale are kept, and counted).
    F32,
}

impl WavFormat {
    /// Bits per sample.
    pub fn bits(self) -> u32 {
        match self {
            WavFormat::S16 => 16,
            WavFormat::S24 => 24,
            WavFormat::F32 => 32,
        }
    }
}

/// Why a WAV file could not be written: the same as any other saved file.
pub type WavError = SaveError;

/// Peak and clipping statistics of everything written.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LevelStats {
    /// Largest |sample| seen (1.0 = 0 dBFS), before any clipping.
    pub peak: f32,
    /// Samples whose magnitude exceeded full scale.
    pub over: u64,
}

impl LevelStats {
    /// Counts `samples` in.
    pub fn add(&mut self, samples: &[f32]) {
        let mut peak = self.peak;
        let mut over = 0u64;
        for &s in samples {
            let a = s.abs();
            peak = peak.max(a);
            over += u64::from(a > 1.0);
        }
        self.peak = peak;
        self.over += over;
    }

    /// Sample peak in dBFS.
    pub fn peak_dbfs(&self) -> f64 {
        20.0 * f64::from(self.peak).log10()
    }
}

/// A WAV file being written to a temp file next to its destination; dropped without
/// [`WavSink::finish`], the temp file is deleted. `W` is where the bytes go: the temp file
/// itself, or (in tests) a writer wrapping it.
pub struct WavSink<W: Write + Seek = File> {
    format: WavFormat,
    writer: BufWriter<W>,
    /// Length of the header hound wrote; its last four bytes are the data chunk's length.
    header_len: u64,
    /// Bytes of samples written.
    data_bytes: u64,
    /// One block of samples as bytes.
    bytes: Vec<u8>,
    pending: Pending,
    stats: LevelStats,
    frames: u64,
    /// Float to integers for the integer formats (undithered unless [`WavSink::dither`]).
    quantizer: Quantizer,
    ints: Vec<i32>,
}

impl WavSink {
    /// Starts a stereo WAV at `rate` Hz destined for `dest`; fails at once if `dest` exists
    /// and `force` is false, so no work is wasted.
    pub fn create(
        dest: &Path,
        rate: u32,
        format: WavFormat,
        force: bool,
    ) -> Result<Self, WavError> {
        let (file, pending) = atomic_file::create_seekable(
            dest,
            force,
            "is a pipe; a WAV file needs a real file (its header is rewritten at the end)",
        )?;
        WavSink::new(file, pending, rate, format)
    }
}

impl<W: Write + Seek> WavSink<W> {
    /// Starts a stereo WAV at `rate` Hz written through `writer`, put in place by `pending`
    /// (both from [`atomic_file::create`]).
    pub fn new(
        writer: W,
        pending: Pending,
        rate: u32,
        format: WavFormat,
    ) -> Result<Self, WavError> {
        let spec = match format {
            WavFormat::S24 => hound::WavSpec {
                channels: 2,
                sample_rate: rate,
                bits_per_sample: 24,
                sample_format: hound::SampleFormat::Int,
            },
            WavFormat::S16 => hound::WavSpec {
                channels: 2,
                sample_rate: rate,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            },
            WavFormat::F32 => hound::WavSpec {
                channels: 2,
                sample_rate: rate,
                bits_per_sample: 32,
                sample_format: hound::SampleFormat::Float,
            },
        };
        // hound writes the header (WAVE_FORMAT_EXTENSIBLE where the format asks for it);
        // the samples go straight to the file as bytes, a block at a time, and the two
        // lengths in the header are filled in at the end as hound would.
        let mut header = std::io::Cursor::new(Vec::new());
        hound::WavWriter::new(&mut header, spec)
            .and_then(|w| w.finalize())
            .map_err(|e| hound_error(pending.dest(), e))?;
        let header = header.into_inner();
        // Blocks of samples are larger than the buffer, so they go to the file without being
        // copied into it first; the buffer only gathers small writes.
        let mut writer = BufWriter::with_capacity(1 << 13, writer);
        writer
            .write_all(&header)
            .map_err(|e| SaveError::io(pending.dest(), "write", e))?;
        Ok(WavSink {
            format,
            writer,
            header_len: header.len() as u64,
            data_bytes: 0,
            bytes: Vec::new(),
            pending,
            stats: LevelStats::default(),
            frames: 0,
            quantizer: Quantizer::new(format.bits(), false, 0),
            ints: Vec::new(),
        })
    }

    /// Adds TPDF dither (seeded by `seed`) when rounding to the integer formats.
    pub fn dither(&mut self, seed: u64) {
        self.quantizer = Quantizer::new(self.format.bits(), true, seed);
    }

    /// Appends interleaved stereo samples. After SIGINT/SIGTERM this fails with
    /// `Interrupted`, so every render stops at the next block.
    pub fn write(&mut self, samples: &[f32]) -> Result<(), WavError> {
        if let Some(signal) = crate::interrupt::requested() {
            return Err(SaveError::Interrupted {
                path: self.pending.dest().to_path_buf(),
                signal,
            });
        }
        self.stats.add(samples);
        self.frames += (samples.len() / 2) as u64;
        self.bytes.clear();
        match self.format {
            WavFormat::S24 | WavFormat::S16 => {
                let width = (self.format.bits() / 8) as usize;
                self.quantizer
                    .quantize_le(samples, width, &mut self.ints, &mut self.bytes);
            }
            WavFormat::F32 => {
                self.bytes.resize(samples.len() * 4, 0);
                for (dst, s) in self.bytes.chunks_exact_mut(4).zip(samples) {
                    dst.copy_from_slice(&s.to_le_bytes());
                }
            }
        }
        self.data_bytes += self.bytes.len() as u64;
        if self.header_len + self.data_bytes > u64::from(u32::MAX) {
            return Err(SaveError::Write {
                path: self.pending.dest().to_path_buf(),
                message: "a WAV file holds at most 4 GiB; write FLAC (or a lower rate) for \
                          audio this long"
                    .into(),
            });
        }
        self.writer
            .write_all(&self.bytes)
            .map_err(|e| SaveError::io(self.pending.dest(), "write", e))
    }

    /// Level statistics so far.
    pub fn stats(&self) -> LevelStats {
        self.stats
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Completes the file and moves it into place. Without `force`, an existing destination
    /// (even one that appeared while rendering) is left untouched.
    pub fn finish(self) -> Result<LevelStats, WavError> {
        let WavSink {
            writer,
            header_len,
            data_bytes,
            pending,
            stats,
            ..
        } = self;
        let io = |e| SaveError::io(pending.dest(), "write", e);
        let mut file = writer.into_inner().map_err(|e| io(e.into_error()))?;
        // RIFF's length counts everything after its first eight bytes; the data chunk's
        // length is the header's last four bytes.
        let riff = (header_len - 8 + data_bytes) as u32;
        file.seek(SeekFrom::Start(4)).map_err(io)?;
        file.write_all(&riff.to_le_bytes()).map_err(io)?;
        file.seek(SeekFrom::Start(header_len - 4)).map_err(io)?;
        file.write_all(&(data_bytes as u32).to_le_bytes())
            .map_err(io)?;
        file.flush().map_err(io)?;
        drop(file);
        pending.commit()?;
        Ok(stats)
    }
}

/// hound's error as a save error, keeping the system's error (disk full) when there is one.
fn hound_error(dest: &Path, e: hound::Error) -> SaveError {
    match e {
        hound::Error::IoError(e) => SaveError::io(dest, "write", e),
        other => SaveError::Write {
            path: dest.to_path_buf(),
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic_file::testing::{FailAfter, names};
    use crate::exit_status::ExitStatus;

    /// Writes `frames` of a sine through a sink that fails after `limit` bytes, into `dest`
    /// (which holds "old" already); returns the error.
    fn render_failing(dest: &Path, frames: usize, limit: usize) -> SaveError {
        let (file, pending) = atomic_file::create(dest, true).unwrap();
        let temp = pending.write_path().to_path_buf();
        let mut sink =
            WavSink::new(FailAfter::new(file, limit), pending, 48_000, WavFormat::S24).unwrap();
        let samples: Vec<f32> = (0..frames * 2)
            .map(|i| (i as f32 * 0.01).sin() * 0.5)
            .collect();
        let result = samples
            .chunks(4096)
            .try_for_each(|block| sink.write(block))
            .and_then(|()| sink.finish().map(|_| ()));
        assert!(!temp.exists(), "temp file left behind");
        result.unwrap_err()
    }

    #[test]
    fn a_full_disk_during_a_render_leaves_nothing_and_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.wav");
        std::fs::write(&dest, "old").unwrap();
        // Mid-stream (one second is 288 kB; the buffer holds 64 kB), at the header, and
        // at the final header rewrite.
        for (frames, limit) in [(48_000, 100_000), (48_000, 10), (100, 400)] {
            let err = render_failing(&dest, frames, limit);
            let text = err.to_string();
            assert!(
                text.contains("out.wav: cannot write: No space left on device"),
                "{frames} frames, {limit} bytes: {text}"
            );
            assert_eq!(err.exit_code(), 1);
            assert_eq!(std::fs::read(&dest).unwrap(), b"old");
            assert_eq!(names(dir.path()), ["out.wav"]);
        }
    }

    #[test]
    fn a_complete_render_replaces_the_file_only_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.wav");
        std::fs::write(&dest, "old").unwrap();
        assert!(matches!(
            WavSink::create(&dest, 48_000, WavFormat::F32, false),
            Err(SaveError::Exists(_))
        ));
        let mut sink = WavSink::create(&dest, 48_000, WavFormat::F32, true).unwrap();
        sink.write(&[0.25; 200]).unwrap();
        sink.finish().unwrap();
        let reader = hound::WavReader::open(&dest).unwrap();
        assert_eq!(reader.duration(), 100);
        assert_eq!(names(dir.path()), ["out.wav"]);
    }
}
