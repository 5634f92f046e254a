//! Offline rendering: decode → resample → EQ → WAV, streaming in blocks so memory stays flat
//! whatever the track length.

pub mod ab;
pub mod batch;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lofty::ogg::OggPictureStorage;
use lofty::ogg::tag::VorbisComments;

use crate::decode::{AudioFile, DecodeError};
use crate::dsp::EqChain;
pub use crate::encode::{Encoding, FileSink, LevelStats, WavError, WavFormat, WavSink};
use crate::exit_status::ExitStatus;
use crate::preset::{EqProfile, ProfileError};
use crate::resample::{BlockResampler, ResampleError};
use crate::timecode::format_time;

/// Frames decoded per step.
const BLOCK_FRAMES: usize = 4096;

/// What to render and how.
#[derive(Clone, Debug)]
pub struct RenderRequest {
    /// Audio file to read.
    pub input: PathBuf,
    /// File to write.
    pub output: PathBuf,
    /// Output rate; `None` keeps the input's rate.
    pub rate: Option<u32>,
    /// Start time in seconds (track time).
    pub from: Option<f64>,
    /// End time in seconds (track time).
    pub to: Option<f64>,
    /// What to write: WAV of a sample format, or FLAC.
    pub format: Encoding,
    /// Tags (and cover art) for the written file (FLAC).
    pub tags: Option<VorbisComments>,
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
    /// What was written.
    pub format: Encoding,
    /// Whether TPDF dither was added when rounding to integers.
    pub dithered: bool,
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
        if self.format.is_integer() {
            self.levels.over
        } else {
            0
        }
    }

    /// A warning when any sample went over full scale, with how much headroom is missing.
    pub fn clip_warning(&self) -> Option<String> {
        if self.levels.over == 0 {
            return None;
        }
        let over_db = self.levels.peak_dbfs();
        let lower = (over_db * 10.0).ceil() / 10.0;
        Some(match self.format {
            Encoding::Wav(WavFormat::F32) => format!(
                "warning: {} samples are over full scale (peak {over_db:+.2} dBFS); the float file \
                 keeps them, but a DAC will clip them unless the level is lowered by {lower:.1} dB",
                self.levels.over,
            ),
            Encoding::Wav(_) => format!(
                "warning: {} samples went over full scale (peak {over_db:+.2} dBFS) and were clipped; \
                 lower the profile's preamp_db by {lower:.1} dB, or render with --format f32 to keep them",
                self.levels.over,
            ),
            Encoding::Flac { .. } => format!(
                "warning: {} samples went over full scale (peak {over_db:+.2} dBFS) and were clipped; \
                 lower the profile's preamp_db by {lower:.1} dB",
                self.levels.over,
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
    render_with_progress(request, profile, &|_| {})
}

/// Blocks in flight between two stages of the pipeline: enough to ride out a slow block,
/// few enough that memory does not grow with the file.
const QUEUE_BLOCKS: usize = 4;

/// [`render`], calling `progress` with the number of output frames of each block written.
///
/// Three stages overlap on three threads, joined by bounded queues whose buffers go back to
/// the stage that fills them: decoding, then rate conversion and EQ, then rounding (with
/// dither) and encoding. An error in any stage stops the others at their next block, and
/// leaves no file behind.
pub fn render_with_progress(
    request: &RenderRequest,
    profile: &EqProfile,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<RenderSummary, RenderError> {
    let started = Instant::now();
    let mut file = AudioFile::open(&request.input)?;
    let in_rate = file.info().sample_rate;
    let out_rate = output_rate(&file, request.rate);
    let chain = profile.chain(out_rate)?;
    let limit = frame_range(&mut file, request)?;
    let dither =
        needs_dither(&file, out_rate, &chain, request.format).then(|| seed_for(&request.input));
    let tag_bytes = request.tags.as_ref().map_or(0, tag_size);
    let mut sink = FileSink::create(
        &request.output,
        out_rate,
        request.format,
        dither,
        tag_bytes,
        request.force,
    )?;
    let mut pipeline = Pipeline::new(in_rate, out_rate, chain)?;

    let (decoded_tx, decoded_rx) = mpsc::sync_channel::<Vec<f32>>(QUEUE_BLOCKS);
    let (decoded_back_tx, decoded_back_rx) = mpsc::channel::<Vec<f32>>();
    let (output_tx, output_rx) = mpsc::sync_channel::<Vec<f32>>(QUEUE_BLOCKS);
    let (output_back_tx, output_back_rx) = mpsc::channel::<Vec<f32>>();
    let (file, processed, written) = std::thread::scope(|scope| {
        let decoder = scope.spawn(move || -> Result<AudioFile, RenderError> {
            let mut remaining = limit;
            loop {
                let want = remaining.map_or(BLOCK_FRAMES, |r| r.min(BLOCK_FRAMES as u64) as usize);
                if want == 0 {
                    break;
                }
                let mut block = decoded_back_rx
                    .try_recv()
                    .unwrap_or_else(|_| Vec::with_capacity(BLOCK_FRAMES * 2));
                block.clear();
                let got = file.read(&mut block, want)?;
                if got == 0 {
                    break;
                }
                if let Some(r) = remaining.as_mut() {
                    *r -= got as u64;
                }
                if decoded_tx.send(block).is_err() {
                    break;
                }
            }
            Ok(file)
        });
        let writer = scope.spawn(move || -> Result<FileSink, RenderError> {
            for block in output_rx {
                sink.write(&block)?;
                progress((block.len() / 2) as u64);
                let _ = output_back_tx.send(block);
            }
            Ok(sink)
        });
        let processed = (move || -> Result<(), RenderError> {
            let next = |rx: &mpsc::Receiver<Vec<f32>>| {
                let mut out = rx.try_recv().unwrap_or_default();
                out.clear();
                out
            };
            for block in decoded_rx {
                let mut out = next(&output_back_rx);
                pipeline.push(&block, &mut out)?;
                let _ = decoded_back_tx.send(block);
                if output_tx.send(out).is_err() {
                    return Ok(());
                }
            }
            let mut tail = next(&output_back_rx);
            pipeline.finish(&mut tail)?;
            let _ = output_tx.send(tail);
            Ok(())
        })();
        let file = decoder
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        let written = writer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (file, processed, written)
    });
    // The writer's error comes first: a full disk stops the other stages, not the reverse.
    let sink = written?;
    processed?;
    let file = file?;
    let frames = sink.frames();
    let levels = sink.finish(request.tags.as_ref())?;
    Ok(RenderSummary {
        output: request.output.clone(),
        input_rate: in_rate,
        output_rate: out_rate,
        frames,
        elapsed: started.elapsed(),
        levels,
        skipped_packets: file.skipped_packets(),
        format: request.format,
        dithered: dither.is_some(),
    })
}

/// Whether rounding to the output's integers needs dither: always, unless the samples
/// reach the writer untouched (no EQ, no rate conversion) from a source of no more bits,
/// where they round exactly and the output is bit for bit the source.
fn needs_dither(file: &AudioFile, out_rate: u32, chain: &EqChain, format: Encoding) -> bool {
    if !format.is_integer() {
        return false;
    }
    let untouched = chain.is_identity() && file.info().sample_rate == out_rate;
    let fits = file
        .info()
        .bits_per_sample
        .is_some_and(|bits| bits <= format.bits());
    !(untouched && fits)
}

/// A dither seed from the source's file name, so a render gives the same samples each time
/// it runs (whatever the output is called, `-o -` included) and two tracks rendered side by
/// side get different noise.
fn seed_for(path: &Path) -> u64 {
    let name = path.file_name().unwrap_or(path.as_os_str());
    // FNV-1a: stable across runs and builds (std's hasher is not).
    name.as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// Bytes the tags will take in a FLAC file: pictures, texts and their headers.
fn tag_size(tags: &VorbisComments) -> usize {
    let texts: usize = tags.items().map(|(k, v)| k.len() + v.len() + 5).sum();
    let pictures: usize = tags
        .pictures()
        .iter()
        .map(|(p, _)| p.data().len() + p.description().map_or(0, str::len) + 64)
        .sum();
    texts + pictures + tags.vendor().len() + 64
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

/// Resampler and EQ, reused block after block.
struct Pipeline {
    resampler: BlockResampler,
    chain: EqChain,
}

impl Pipeline {
    fn new(in_rate: u32, out_rate: u32, chain: EqChain) -> Result<Self, RenderError> {
        Ok(Pipeline {
            resampler: BlockResampler::new(in_rate, out_rate)?,
            chain,
        })
    }

    /// Converts and filters `decoded` into `out`.
    fn push(&mut self, decoded: &[f32], out: &mut Vec<f32>) -> Result<(), RenderError> {
        self.resampler.process(decoded, out)?;
        self.chain.process_interleaved(out);
        Ok(())
    }

    /// The resampler's last frames, filtered, into `out`.
    fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), RenderError> {
        self.resampler.finish(out)?;
        self.chain.process_interleaved(out);
        Ok(())
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
            format: Encoding::Wav(WavFormat::S24),
            tags: None,
            force,
        },
        profile,
    )
}
