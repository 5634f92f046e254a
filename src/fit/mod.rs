//! Layer 2: fitting an EQ to a wanted response — target correction (target − measured FR),
//! simulation of another IEM (its FR − mine), and refitting a profile to what a device holds.
//!
//! Parametric fits optimise the real biquads' response at the playback rate (not the ideal
//! analog curve); graphic fits solve all slider gains jointly; device fits respect the
//! device's band count, filter kinds, value ranges and steps exactly.

pub mod correction;
pub mod device;
pub mod graphic;
mod linalg;
pub mod peq;
pub mod response;
pub mod save;
pub mod solver;

use std::f64::consts::SQRT_2;
use std::time::{Duration, Instant};

use crate::dsp::{BandError, BandSpec, ISO_BANDS_HZ};
use crate::fr::LogGrid;
use crate::preset::{DeviceSpec, EqProfile, EqShape, Range};

pub use correction::{Correction, CorrectionOptions, correction};
pub use device::{DeviceSlots, device_slots};
pub use response::ResponseGrid;
pub use solver::{Problem, Slot};

/// Weight of Σ gain² (dB²) in parametric fits: see [`Problem::with_gain_penalty`].
pub const GAIN_PENALTY: f64 = 0.01;

/// The response an EQ should have: a wanted level (dB) and a weight at each frequency.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// Frequencies (Hz), rising.
    pub freqs_hz: Vec<f64>,
    /// Wanted EQ gain at each frequency (dB).
    pub target_db: Vec<f64>,
    /// How much the error at each frequency counts (1 = fully).
    pub weights: Vec<f64>,
}

/// The shape of EQ to fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EqLayout<'a> {
    /// This many parametric bands (a low shelf, peaking bands and a high shelf).
    Parametric(usize),
    /// The ISO 10-band graphic EQ.
    Graphic,
    /// What a device holds (its band count, or fewer if given).
    Device(&'a DeviceSpec, Option<usize>),
}

/// Why a fit could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// A band of the profile to refit cannot run at the rate.
    #[error("band {index}: {source}", index = .index + 1)]
    Band {
        /// 0-based band index.
        index: usize,
        /// Why.
        source: BandError,
    },
    /// The device cannot take this fit.
    #[error("{device}: {message}")]
    Device {
        /// Device name.
        device: &'static str,
        /// Why.
        message: String,
    },
    /// The rate or the request leaves nothing to fit.
    #[error("cannot fit: {0}")]
    Request(String),
}

/// How close a fit came, and how long it took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitReport {
    /// RMS error 20 Hz–10 kHz (dB).
    pub rms_low_db: f64,
    /// Largest error 20 Hz–10 kHz (dB).
    pub max_low_db: f64,
    /// RMS error 10–20 kHz (dB).
    pub rms_high_db: f64,
    /// Largest error 10–20 kHz (dB).
    pub max_high_db: f64,
    /// Wall time of the fit.
    pub elapsed: Duration,
}

impl FitReport {
    /// One line for the terminal.
    pub fn line(&self) -> String {
        format!(
            "fit error 20 Hz–10 kHz: {:.2} dB RMS, {:.2} dB max; 10–20 kHz: {:.2} dB RMS, {:.2} dB max; {:.1} ms",
            self.rms_low_db,
            self.max_low_db,
            self.rms_high_db,
            self.max_high_db,
            self.elapsed.as_secs_f64() * 1000.0
        )
    }
}

/// A fitted profile and its report.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    /// The EQ profile (preamp set so that it cannot boost above 0 dB, within the device's
    /// preamp range).
    pub profile: EqProfile,
    /// Fit error and time.
    pub report: FitReport,
}

/// Points of `goal` a filter at `rate` can reach (below 0.49 × rate).
fn reachable(goal: &Goal, rate: f64) -> Goal {
    let keep: Vec<usize> = (0..goal.freqs_hz.len())
        .filter(|&i| goal.freqs_hz[i] < 0.49 * rate)
        .collect();
    Goal {
        freqs_hz: keep.iter().map(|&i| goal.freqs_hz[i]).collect(),
        target_db: keep.iter().map(|&i| goal.target_db[i]).collect(),
        weights: keep.iter().map(|&i| goal.weights[i]).collect(),
    }
}

/// Fits `layout` to `goal` for playback at `rate` Hz; the profile is called `name`.
pub fn fit(goal: &Goal, layout: EqLayout<'_>, rate: u32, name: &str) -> Result<Fitted, FitError> {
    let start = Instant::now();
    let rate_hz = f64::from(rate);
    let goal = reachable(goal, rate_hz);
    if goal.freqs_hz.len() < 2 {
        return Err(FitError::Request(format!(
            "no frequencies of the curve lie below Nyquist at {rate} Hz"
        )));
    }
    let grid = ResponseGrid::new(&goal.freqs_hz, rate_hz);
    let (slots, graphic, preamp_range) = match layout {
        EqLayout::Parametric(0) => {
            return Err(FitError::Request("--peq needs at least 1 band".into()));
        }
        EqLayout::Parametric(n) => (peq::default_slots(n, rate_hz), false, None),
        EqLayout::Graphic => {
            if rate_hz / 2.0 <= 16_000.0 {
                return Err(FitError::Request(format!(
                    "the graphic EQ's 16 kHz band cannot run at {rate} Hz"
                )));
            }
            (
                graphic::graphic_slots(&ISO_BANDS_HZ, SQRT_2, graphic::GRAPHIC_GAIN),
                true,
                None,
            )
        }
        EqLayout::Device(device, count) => match device_slots(device, count, rate_hz)? {
            DeviceSlots::Parametric(slots) => (slots, false, Some(device.preamp_db)),
            DeviceSlots::Graphic(slots) => (slots, true, Some(device.preamp_db)),
            DeviceSlots::Curve => (
                peq::default_slots(count.unwrap_or(10).min(32), rate_hz),
                false,
                Some(device.preamp_db),
            ),
        },
    };
    let slots = if graphic {
        slots
    } else {
        focus_peaks(slots, &goal)
    };
    // A graphic fit is plain least squares; parametric fits prefer smaller gains when the
    // error is about the same (0.01 per dB², against an error summed over ~480 points).
    let penalty = if graphic { 0.0 } else { GAIN_PENALTY };
    let problem = Problem::new(&grid, &goal, &slots).with_gain_penalty(penalty);
    let mut bands = if graphic {
        graphic::fit_graphic(&problem, &goal, &slots)
    } else {
        peq::fit_parametric(&problem, &goal, &slots)
    };
    tidy(&mut bands, &slots);
    let shape = as_shape(&bands, graphic);
    let mut profile = EqProfile {
        name: name.to_string(),
        preamp_db: 0.0,
        shape,
    };
    profile.preamp_db = preamp_for(&profile, rate, preamp_range);
    let achieved = grid
        .bands_db(&profile.bands())
        .map_err(|source| FitError::Band { index: 0, source })?;
    let report = report(&goal, &achieved, start.elapsed());
    Ok(Fitted { profile, report })
}

/// Keeps peaking bands where the fit counts: below the highest frequency whose weight is at
/// least 0.5 (about 10.4 kHz for a target correction, where the treble weight falls; no limit
/// for a refit, whose weights are all 1). Above it the high shelf follows the broad trend;
/// bells there would only chase coupler resonances, and pairs of large opposite bells fighting
/// over a region the error hardly counts are what a listener hears as harsh.
fn focus_peaks(mut slots: Vec<Slot>, goal: &Goal) -> Vec<Slot> {
    let Some(top) = goal
        .freqs_hz
        .iter()
        .zip(&goal.weights)
        .filter(|(_, w)| **w >= 0.5)
        .map(|(f, _)| *f)
        .reduce(f64::max)
    else {
        return slots;
    };
    for s in slots.iter_mut() {
        if s.kind == crate::dsp::FilterKind::Peaking && top < s.freq_hz.max && top > s.freq_hz.min {
            s.freq_hz.max = top;
        }
    }
    slots
}

/// Rounds values that have no device step to what a profile file shows (0.01 Hz, 0.01 dB,
/// 0.001 Q), so the saved profile is exactly the one reported.
fn tidy(bands: &mut [BandSpec], slots: &[Slot]) {
    let round = |v: f64, unit: f64| (v / unit).round() * unit;
    for (b, s) in bands.iter_mut().zip(slots) {
        if s.freq_hz.step.is_none() {
            b.freq_hz = round(b.freq_hz, 0.01).clamp(s.freq_hz.min, s.freq_hz.max);
        }
        if s.gain_db.step.is_none() {
            b.gain_db = round(b.gain_db, 0.01).clamp(s.gain_db.min, s.gain_db.max);
        }
        if s.q.step.is_none() {
            b.q = round(b.q, 0.001).clamp(s.q.min, s.q.max);
        }
    }
}

/// ISO graphic bands become a graphic profile; anything else a parametric one.
fn as_shape(bands: &[BandSpec], graphic: bool) -> EqShape {
    let iso = graphic
        && bands.len() == 10
        && bands
            .iter()
            .zip(ISO_BANDS_HZ)
            .all(|(b, f)| b.freq_hz == f && (b.q - SQRT_2).abs() < 1e-12);
    if iso {
        EqShape::Graphic(std::array::from_fn(|i| bands[i].gain_db))
    } else {
        EqShape::Parametric(bands.to_vec())
    }
}

/// The preamp that keeps `profile` from boosting above 0 dB (rounded down to 0.1 dB, or to
/// the device's step), never above 0 dB, within `range` when given.
pub fn preamp_for(profile: &EqProfile, rate: u32, range: Option<Range>) -> f64 {
    let flat = EqProfile {
        preamp_db: 0.0,
        ..profile.clone()
    };
    // The same profile may play at 44.1 or 48 kHz too, where the top octave differs slightly:
    // leave headroom for the loudest of them.
    let peak = [rate, 44_100, 48_000]
        .into_iter()
        .filter_map(|r| flat.max_gain_db(r))
        .fold(0.0f64, f64::max);
    let step = range.and_then(|r| r.step).unwrap_or(0.1);
    // Round the headroom up to whole steps (a tiny epsilon keeps 3.0 from becoming 3.1).
    let steps = ((peak / step) - 1e-9).ceil().max(0.0);
    let preamp = -(steps * step);
    match range {
        Some(r) => floor_to(r, preamp),
        None => preamp,
    }
}

/// The largest value of `range` at or below `value` (rounding down keeps headroom), or the
/// range's minimum if none is.
fn floor_to(range: Range, value: f64) -> f64 {
    let v = value.min(range.max);
    let floored = match range.step {
        Some(step) => ((v / step) + 1e-9).floor() * step,
        None => v,
    };
    range.snap(floored.max(range.min))
}

/// RMS and largest error of `achieved` against the goal, below and above 10 kHz.
fn report(goal: &Goal, achieved: &[f64], elapsed: Duration) -> FitReport {
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    for ((f, t), a) in goal.freqs_hz.iter().zip(&goal.target_db).zip(achieved) {
        if *f < 10_000.0 {
            lo.push(a - t);
        } else {
            hi.push(a - t);
        }
    }
    let rms = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            (v.iter().map(|e| e * e).sum::<f64>() / v.len() as f64).sqrt()
        }
    };
    let max = |v: &[f64]| v.iter().fold(0.0f64, |m, e| m.max(e.abs()));
    FitReport {
        rms_low_db: rms(&lo),
        max_low_db: max(&lo),
        rms_high_db: rms(&hi),
        max_high_db: max(&hi),
        elapsed,
    }
}

/// A profile the device holds exactly (every band passes [`DeviceSpec::holds`], the kinds
/// pass [`DeviceSpec::check_kinds`], at most as many bands as slots; graphic layouts get
/// their fixed centres), fitted to `profile`'s magnitude response on the 20 Hz–20 kHz log
/// grid at `sample_rate` with the same optimiser as `iemlab fit`. The preamp keeps the input's
/// headroom (or more, if the new bands boost more), within the device's preamp range.
/// A device that takes an arbitrary curve holds any profile: it is returned unchanged.
pub fn refit(
    profile: &EqProfile,
    device: &DeviceSpec,
    sample_rate: u32,
) -> Result<EqProfile, FitError> {
    let rate = f64::from(sample_rate);
    if matches!(device.layout, crate::preset::Layout::Curve { .. }) {
        return Ok(profile.clone());
    }
    let freqs: Vec<f64> = LogGrid::STANDARD
        .freqs()
        .into_iter()
        .filter(|&f| f < 0.49 * rate)
        .collect();
    let grid = ResponseGrid::new(&freqs, rate);
    let bands = profile.bands();
    for (index, band) in bands.iter().enumerate() {
        crate::dsp::Coeffs::new(band, rate).map_err(|source| FitError::Band { index, source })?;
    }
    let wanted = grid
        .bands_db(&bands)
        .map_err(|source| FitError::Band { index: 0, source })?;
    let goal = Goal {
        freqs_hz: freqs.clone(),
        target_db: wanted,
        weights: vec![1.0; freqs.len()],
    };
    let mut fitted = fit(
        &goal,
        EqLayout::Device(device, None),
        sample_rate,
        &profile.name,
    )?
    .profile;
    let own = EqProfile {
        preamp_db: 0.0,
        ..fitted.clone()
    };
    let needed = preamp_for(&own, sample_rate, Some(device.preamp_db));
    fitted.preamp_db = floor_to(device.preamp_db, profile.preamp_db.min(needed));
    Ok(fitted)
}

#[cfg(test)]
mod tests;
