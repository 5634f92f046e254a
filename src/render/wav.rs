//! WAV output that never leaves a partial file or overwrites one by accident: samples go to
//! a temp file beside the destination, which is renamed into place only when complete.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Sample format of a written WAV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WavFormat {
    /// 24-bit integer PCM (values beyond full scale are clipped, and counted).
    S24,
    /// 32-bit float (values beyond full scale are kept, and counted).
    F32,
}

/// Why a WAV file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The destination exists and overwriting was not asked for.
    #[error("{0}: already exists (use --force to overwrite)")]
    Exists(PathBuf),
    /// Creating, writing or renaming failed.
    #[error("{path}: cannot write: {message}", path = .path.display())]
    Write {
        /// Destination path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Peak and clipping statistics of everything written.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LevelStats {
    /// Largest |sample| seen (1.0 = 0 dBFS), before any clipping.
    pub peak: f32,
    /// Samples whose magnitude exceeded full scale.
    pub over: u64,
}

impl LevelStats {
    /// Sample peak in dBFS.
    pub fn peak_dbfs(&self) -> f64 {
        20.0 * f64::from(self.peak).log10()
    }
}

/// A WAV file being written to a temp file next to its destination; dropped without
/// [`WavSink::finish`], the temp file is deleted.
pub struct WavSink {
    dest: PathBuf,
    force: bool,
    format: WavFormat,
    writer: hound::WavWriter<BufWriter<File>>,
    temp: tempfile::TempPath,
    stats: LevelStats,
    frames: u64,
}

/// Largest 24-bit sample value.
const S24_MAX: f32 = 8_388_607.0;

impl WavSink {
    /// Starts a stereo WAV at `rate` Hz destined for `dest`; fails at once if `dest` exists
    /// and `force` is false, so no work is wasted.
    pub fn create(
        dest: &Path,
        rate: u32,
        format: WavFormat,
        force: bool,
    ) -> Result<Self, WavError> {
        if !force && dest.exists() {
            return Err(WavError::Exists(dest.to_path_buf()));
        }
        let fail = |e: &dyn std::fmt::Display| WavError::Write {
            path: dest.to_path_buf(),
            message: e.to_string(),
        };
        let named = crate::preset::save::temp_beside(dest, ".wav.part").map_err(|e| fail(&e))?;
        let (file, temp) = named.into_parts();
        let spec = match format {
            WavFormat::S24 => hound::WavSpec {
                channels: 2,
                sample_rate: rate,
                bits_per_sample: 24,
                sample_format: hound::SampleFormat::Int,
            },
            WavFormat::F32 => hound::WavSpec {
                channels: 2,
                sample_rate: rate,
                bits_per_sample: 32,
                sample_format: hound::SampleFormat::Float,
            },
        };
        let writer = hound::WavWriter::new(BufWriter::with_capacity(1 << 16, file), spec)
            .map_err(|e| fail(&e))?;
        Ok(WavSink {
            dest: dest.to_path_buf(),
            force,
            format,
            writer,
            temp,
            stats: LevelStats::default(),
            frames: 0,
        })
    }

    /// Appends interleaved stereo samples.
    pub fn write(&mut self, samples: &[f32]) -> Result<(), WavError> {
        let mut peak = self.stats.peak;
        let mut over = 0u64;
        for &s in samples {
            let a = s.abs();
            peak = peak.max(a);
            over += u64::from(a > 1.0);
        }
        self.stats.peak = peak;
        self.stats.over += over;
        self.frames += (samples.len() / 2) as u64;
        let result = match self.format {
            WavFormat::S24 => samples.iter().try_for_each(|&s| {
                let v = (s.clamp(-1.0, 1.0) * S24_MAX).round() as i32;
                self.writer.write_sample(v)
            }),
            WavFormat::F32 => samples
                .iter()
                .try_for_each(|&s| self.writer.write_sample(s)),
        };
        result.map_err(|e| self.error(&e))
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
        let dest = self.dest.clone();
        let fail = |e: &dyn std::fmt::Display| WavError::Write {
            path: dest.clone(),
            message: e.to_string(),
        };
        self.writer.finalize().map_err(|e| fail(&e))?;
        crate::preset::save::persist(self.temp, &dest, self.force).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                WavError::Exists(dest.clone())
            } else {
                fail(&e)
            }
        })?;
        Ok(self.stats)
    }

    fn error(&self, e: &dyn std::fmt::Display) -> WavError {
        WavError::Write {
            path: self.dest.clone(),
            message: e.to_string(),
        }
    }
}
