//! Offline A/B: render a track through the real-time engine's own callback, switching
//! between profiles at given times, into a WAV file. What comes out is exactly what `ab`
//! would play (at 0 dB volume), so switches, crossfades and level matching can be inspected
//! and tested without a device.

use std::path::PathBuf;
use std::sync::Arc;

use crate::ab::matching::{LevelMatch, LevelMatchError, match_levels};
use crate::decode::{AudioFile, decode_range};
use crate::engine::{self, EngineConfig, MAX_PROFILES, OutputError, Pace, Prepared, TrackSource};
use crate::exit_status::ExitStatus;
use crate::preset::{EqProfile, ProfileError};
use crate::render::{WavFormat, WavSink};

/// What to render.
pub struct AbRenderRequest {
    /// Input file.
    pub input: PathBuf,
    /// Output WAV.
    pub output: PathBuf,
    /// Profiles in slot order (None = flat); playback starts on the first.
    pub profiles: Vec<Option<EqProfile>>,
    /// Track times (seconds) where the output moves to the next profile, cycling.
    pub switch_at: Vec<f64>,
    /// Crossfade length, ms.
    pub crossfade_ms: f64,
    /// Match loudness (BS.1770) over the whole track.
    pub match_loudness: bool,
    /// Output rate (None: the input's).
    pub rate: Option<u32>,
    /// Start time, seconds.
    pub from: f64,
    /// Sample format.
    pub format: WavFormat,
    /// Replace an existing output.
    pub force: bool,
}

/// What was rendered.
#[derive(Debug)]
pub struct AbRenderSummary {
    /// Frames written.
    pub frames: u64,
    /// Output rate.
    pub rate: u32,
    /// The level match applied.
    pub levels: LevelMatch,
    /// Samples over full scale in the written file.
    pub clipped_samples: u64,
}

/// Why an A/B render failed.
#[derive(Debug, thiserror::Error)]
pub enum AbRenderError {
    /// The input.
    #[error(transparent)]
    Decode(#[from] crate::decode::DecodeError),
    /// A profile cannot run at the output rate.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// Levels could not be matched (a silent track).
    #[error(transparent)]
    Match(#[from] LevelMatchError),
    /// Too many profiles.
    #[error("at most {MAX_PROFILES} profiles can be compared")]
    TooMany,
    /// The output.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Writing.
    #[error(transparent)]
    Wav(#[from] crate::render::WavError),
}

/// 2 for the user's input (track, profiles, how many), else the output's code.
impl ExitStatus for AbRenderError {
    fn exit_code(&self) -> u8 {
        match self {
            AbRenderError::Decode(e) => e.exit_code(),
            AbRenderError::Profile(e) => e.exit_code(),
            AbRenderError::Match(e) => e.exit_code(),
            AbRenderError::TooMany => 2,
            AbRenderError::Output(e) => e.exit_code(),
            AbRenderError::Wav(e) => e.exit_code(),
        }
    }
}

/// Renders `request` through the engine.
pub fn render_ab(request: &AbRenderRequest) -> Result<AbRenderSummary, AbRenderError> {
    if request.profiles.len() > MAX_PROFILES || request.profiles.is_empty() {
        return Err(AbRenderError::TooMany);
    }
    let input_rate = AudioFile::open(&request.input)?.info().sample_rate;
    let rate = request.rate.unwrap_or(input_rate);
    let refs: Vec<Option<&EqProfile>> = request.profiles.iter().map(Option::as_ref).collect();
    let levels = if request.match_loudness {
        let (info, samples) = decode_range(&request.input, 0.0, None)?;
        match_levels(&refs, &samples, info.sample_rate)?
    } else {
        LevelMatch::off(refs.len())
    };
    let mut source = TrackSource::new(Some(request.input.clone()));
    for (slot, g) in source.levels_db.iter_mut().zip(&levels.gains_db) {
        *slot = *g as f32;
    }
    let mut config = EngineConfig::new(rate);
    config.callback.volume_db = 0.0;
    // The file is the track: no fade at its start, whatever the start time.
    config.callback.fade_in_mid_track = false;
    config.start_seconds = request.from;
    let (mut player, callback) = engine::start(config, vec![source]);
    for (slot, p) in refs.iter().enumerate() {
        player.load(slot, *p, 0.0)?;
    }
    let mut times = request.switch_at.clone();
    times.sort_by(f64::total_cmp);
    for (k, t) in times.iter().enumerate() {
        player.switch_at(0, *t, (k + 1) % refs.len(), request.crossfade_ms);
    }
    let wav = WavSink::create(&request.output, rate, request.format, request.force)?;
    let prepared = Prepared::Timer {
        rate,
        buffer: 512,
        pace: Pace::Fast,
        wav: Some(Box::new(wav)),
        fail_after: None,
    };
    let status = Arc::clone(player.status());
    player.wait_ready(std::time::Duration::from_secs(10));
    let running = prepared.start(callback, Arc::clone(&status))?;
    while !running.is_done(&status) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    player.stop();
    // A timer output always reports.
    let (frames, clipped_samples) = running
        .finish()?
        .map_or((0, 0), |r| (r.frames, r.clipped_samples));
    Ok(AbRenderSummary {
        frames,
        rate,
        levels,
        clipped_samples,
    })
}
