//! Offline rendering: decode → resample → EQ → WAV, streaming in blocks so memory stays flat
//! whatever the track length.

pub mod ab;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::decode::{AudioFile, DecodeError};
use crate::dsp::EqChain;
pub use crate::encode::{LevelStats, WavError, WavFormat, WavSink};
use crate::exit_status::ExitStatus;
use crate::preset::{EqProfile, ProfileError};
use crate::resample::{ResampleError, StereoResampler};
use crate::timecode::format_time;

/// Frames decoded per step.
const BLOCK_FRAMES: usize = 4096;

/// What to render and how.
#[derive(Clone, Debug)]
pub struct RenderRequest {
    /// Audio file to read.
    pub input: PathBuf,
    /// WAV file to write.
    pub output: PathBuf,
    /// Output rate; `None` keeps the input's rate.
    pub rate: Option<u32>,
    /// Start time in seconds (track time).
    pub from: Option<f64>,
    /// End time in seconds (track time).
    pub to: Option<f64>,
    /// Sample format of the WAV.
    pub format: WavFormat,
    /// Overwrite an existing output.
    pub force: bool,
}

/// What a render did, for the one-line summary.
#[derive(Clone, Debug)]
pub struct RenderSummary {
    /// The written file.
    pub output: PathBuf,
    /// Rate of the input file.
    pub input_rate: u32,
    /// Rate of the written file.
    pub output_rate: u32,
    /// Frames written.
    pub frames: u64,
    /// Wall-clock time taken.
    pub elapsed: Duration,
    /// Peak level and samples over full scale.
    pub levels: LevelStats,
    /// Corrupt packets skipped while decoding.
    pub skipped_packets: u64,
    /// Sample format written.
    pub format: WavFormat,
}

impl RenderSummary {
    /// Seconds of audio written.
    pub fn audio_seconds(&self) -> f64 {
        self.frames as f64 / f64::from(self.output_rate)
    }

    /// How many times faster than real time the render ran.
    pub fn realtime_factor(&self) -> f64 {
        self.audio_seconds() / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// One line: duration, speed, peak and clipping.
    pub fn line(&self) -> String {
        let rate = if self.input_rate == self.output_rate {
            format!("{} Hz", self.output_rate)
        } else {
            format!("{} → {} Hz", self.input_rate, self.output_rate)
        };
        let mut line = format!(
            "{}: {} at {rate}, {:.0}× real time, peak {:+.1} dBFS, {} clipped samples",
            self.output.display(),
            format_time(self.audio_seconds()),
            self.realtime_factor(),
            self.levels.peak_dbfs(),
            self.clipped_samples(),
        );
        if self.skipped_packets > 0 {
            line.push_str(&format!(
                ", {} corrupt packets skipped",
                self.skipped_packets
            ));
        }
        line
    }

    /// Samples that were clipped in the file (float files keep overs, so none are clipped).
    pub fn clipped_samples(&self) -> u64 {
        match self.format {
            WavFormat::S24 => self.levels.over,
            WavFormat::F32 => 0,
        }
    }

    /// A warning when any sample went over full scale, with how much headroom is missing.
    pub fn clip_warning(&self) -> Option<String> {
        if self.levels.over == 0 {
            return None;
        }
        let over_db = self.levels.peak_dbfs();
        Some(match self.format {
            WavFormat::S24 => format!(
                "warning: {} samples went over full scale (peak {over_db:+.2} dBFS) and were clipped; \
                 lower the profile's preamp_db by {:.1} dB, or render with --format f32 to keep them",
                self.levels.over,
                (over_db * 10.0).ceil() / 10.0
            ),
            WavFormat::F32 => format!(
                "warning: {} samples are over full scale (peak {over_db:+.2} dBFS); the float file \
                 keeps them, but a DAC will clip them unless the level is lowered by {:.1} dB",
                self.levels.over,
                (over_db * 10.0).ceil() / 10.0
            ),
        })
    }
}

/// Why a render failed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The input could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The output could not be written.
    #[error(transparent)]
    Wav(#[from] WavError),
    /// The rate conversion could not be set up.
    #[error(transparent)]
    Resample(#[from] ResampleError),
    /// The profile cannot run at the output rate.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// `--from`/`--to` do not describe a part of the track.
    #[error("{path}: {message}", path = .path.display())]
    Range {
        /// Input path.
        path: PathBuf,
        /// What is wrong with the range.
        message: String,
    },
}

/// 2 for the user's input (track, profile, range), else the code of the inner error.
impl ExitStatus for RenderError {
    fn exit_code(&self) -> u8 {
        match self {
            RenderError::Decode(e) => e.exit_code(),
            RenderError::Profile(e) => e.exit_code(),
            RenderError::Range { .. } => 2,
            RenderError::Wav(e) => e.exit_code(),
            RenderError::Resample(e) => e.exit_code(),
        }
    }
}

/// The output rate a render of `input` at `rate` will use.
pub fn output_rate(input: &AudioFile, rate: Option<u32>) -> u32 {
    rate.unwrap_or(input.info().sample_rate)
}

/// Renders `request.input` through `profile` into `request.output`.
pub fn render(request: &RenderRequest, profile: &EqProfile) -> Result<RenderSummary, RenderError> {
    let started = Instant::now();
    let mut file = AudioFile::open(&request.input)?;
    let out_rate = output_rate(&file, request.rate);
    let chain = profile.chain(out_rate)?;
    let limit = frame_range(&mut file, request)?;
    let mut sink = WavSink::create(&request.output, out_rate, request.format, request.force)?;
    let mut pipeline = Pipeline::new(file.info().sample_rate, out_rate, chain)?;
    let mut decoded = Vec::with_capacity(BLOCK_FRAMES * 2);
    let mut remaining = limit;
    loop {
        let want = remaining.map_or(BLOCK_FRAMES, |r| r.min(BLOCK_FRAMES as u64) as usize);
        if want == 0 {
            break;
        }
        decoded.clear();
        let got = file.read(&mut decoded, want)?;
        if got == 0 {
            break;
        }
        if let Some(r) = remaining.as_mut() {
            *r -= got as u64;
        }
        let block = pipeline.push(&decoded)?;
        sink.write(block)?;
    }
    let tail = pipeline.finish()?;
    sink.write(tail)?;
    let frames = sink.frames();
    let levels = sink.finish()?;
    Ok(RenderSummary {
        output: request.output.clone(),
        input_rate: file.info().sample_rate,
        output_rate: out_rate,
        frames,
        elapsed: started.elapsed(),
        levels,
        skipped_packets: file.skipped_packets(),
        format: request.format,
    })
}

/// Seeks to `--from` and returns how many input frames `--to` allows (None = to the end).
fn frame_range(file: &mut AudioFile, request: &RenderRequest) -> Result<Option<u64>, RenderError> {
    let rate = f64::from(file.info().sample_rate);
    let range_error = |message: String| RenderError::Range {
        path: request.input.clone(),
        message,
    };
    let start = request.from.unwrap_or(0.0);
    if let (Some(from), Some(to)) = (request.from, request.to)
        && to <= from
    {
        return Err(range_error(format!(
            "--to {} is not after --from {}",
            format_time(to),
            format_time(from)
        )));
    }
    if start > 0.0 {
        file.seek(start)?;
    }
    Ok(request
        .to
        .map(|to| ((to * rate).round() as u64).saturating_sub((start * rate).round() as u64)))
}

/// Resampler and EQ with their scratch buffers, reused block after block.
struct Pipeline {
    resampler: StereoResampler,
    chain: EqChain,
    buf: Vec<f32>,
}

impl Pipeline {
    fn new(in_rate: u32, out_rate: u32, chain: EqChain) -> Result<Self, RenderError> {
        Ok(Pipeline {
            resampler: StereoResampler::new(in_rate, out_rate)?,
            chain,
            buf: Vec::with_capacity(BLOCK_FRAMES * 2 * 5),
        })
    }

    fn push(&mut self, decoded: &[f32]) -> Result<&[f32], RenderError> {
        self.buf.clear();
        self.resampler.process(decoded, &mut self.buf)?;
        self.chain.process_interleaved(&mut self.buf);
        Ok(&self.buf)
    }

    fn finish(&mut self) -> Result<&[f32], RenderError> {
        self.buf.clear();
        self.resampler.finish(&mut self.buf)?;
        self.chain.process_interleaved(&mut self.buf);
        Ok(&self.buf)
    }
}

/// Convenience for tests and the demo: render with defaults.
pub fn render_simple(
    input: &Path,
    profile: &EqProfile,
    output: &Path,
    force: bool,
) -> Result<RenderSummary, RenderError> {
    render(
        &RenderRequest {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            rate: None,
            from: None,
            to: None,
            format: WavFormat::S24,
            force,
        },
        profile,
    )
}
