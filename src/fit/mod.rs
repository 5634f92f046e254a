//! Layer 2: fitting an EQ to a measurement — target correction (target − measured FR) and
//! simulation of another IEM (its FR − mine) — with the fitter in [`crate::eq`], which
//! [`crate::preset`] also uses to refit a profile to what a device holds.
//!
//! Parametric fits optimise the real biquads' response at the playback rate (not the ideal
//! analog curve); graphic fits solve all slider gains jointly; device fits respect the
//! device's band count, filter kinds, value ranges and steps exactly.

pub mod channels;
pub mod correction;
pub mod iem;

use std::f64::consts::SQRT_2;
use std::time::{Duration, Instant};

use crate::dsp::{BandSpec, ISO_BANDS_HZ};
use crate::eq::graphic::{GRAPHIC_GAIN, graphic_slots};
use crate::eq::peq::default_slots;
use crate::eq::{Goal, ResponseGrid, fit_bands_from};
use crate::preset::device_fit::{DeviceFitError, DeviceSlots, device_slots};
use crate::preset::{DeviceSpec, EqProfile, EqShape};

use crate::exit_status::ExitStatus;
pub use channels::{ChannelFit, Imbalance, fit_channels};
pub use correction::{Correction, CorrectionOptions, correction};
pub use iem::{IemFit, IemFitOptions, fit_iem};

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
    /// The device cannot take this fit, or a band cannot run at the rate.
    #[error(transparent)]
    Device(#[from] DeviceFitError),
    /// The rate or the request leaves nothing to fit.
    #[error("cannot fit: {0}")]
    Request(String),
    /// The measurements cannot be combined (averaged) to be fitted.
    #[error(transparent)]
    Curve(#[from] crate::fr::FrError),
}

/// The request cannot be fitted: exit code 2.
impl ExitStatus for FitError {
    fn exit_code(&self) -> u8 {
        2
    }
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

/// Fits `layout` to `goal` for playback at `rate` Hz; the profile is called `name`.
pub fn fit(goal: &Goal, layout: EqLayout<'_>, rate: u32, name: &str) -> Result<Fitted, FitError> {
    fit_from(goal, layout, rate, name, None)
}

/// [`fit`], also refining `warm_start` (bands of an earlier fit in the same layout) and keeping
/// whichever fits better.
pub fn fit_from(
    goal: &Goal,
    layout: EqLayout<'_>,
    rate: u32,
    name: &str,
    warm_start: Option<&[BandSpec]>,
) -> Result<Fitted, FitError> {
    let start = Instant::now();
    let rate_hz = f64::from(rate);
    let goal = goal.reachable(rate_hz);
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
        EqLayout::Parametric(n) => (default_slots(n, rate_hz), false, None),
        EqLayout::Graphic => {
            if rate_hz / 2.0 <= 16_000.0 {
                return Err(FitError::Request(format!(
                    "the graphic EQ's 16 kHz band cannot run at {rate} Hz"
                )));
            }
            (
                graphic_slots(&ISO_BANDS_HZ, SQRT_2, GRAPHIC_GAIN),
                true,
                None,
            )
        }
        EqLayout::Device(device, count) => match device_slots(device, count, rate_hz)? {
            DeviceSlots::Parametric(slots) => (slots, false, Some(device.preamp_db)),
            DeviceSlots::Graphic(slots) => (slots, true, Some(device.preamp_db)),
            DeviceSlots::Curve => (
                default_slots(count.unwrap_or(10).min(32), rate_hz),
                false,
                Some(device.preamp_db),
            ),
        },
    };
    let bands = fit_bands_from(&goal, &grid, &slots, graphic, warm_start);
    let mut profile = EqProfile {
        name: name.to_string(),
        preamp_db: 0.0,
        shape: EqShape::from_bands(&bands, graphic),
        channels: Default::default(),
        origin: None,
    };
    profile.preamp_db = profile.safe_preamp_db(rate, preamp_range);
    let achieved = grid
        .bands_db(&profile.bands())
        .map_err(|source| DeviceFitError::Band { index: 0, source })?;
    let report = report(&goal, &achieved, start.elapsed());
    Ok(Fitted { profile, report })
}

/// RMS and largest error of `achieved` against the goal, below and above 10 kHz.
pub(crate) fn report(goal: &Goal, achieved: &[f64], elapsed: Duration) -> FitReport {
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

#[cfg(test)]
mod tests;
