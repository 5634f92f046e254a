//! Fitting each channel to the reference: a per-channel profile that corrects both sides of
//! an IEM to the target (or to another IEM) and so also matches them to each other, with
//! the channel imbalance before and after.
//!
//! Both measurements are levelled by one offset (that of their mean), so a level difference
//! between the channels stays in the goals; it becomes each channel's trim (its mean
//! correction over 100 Hz–10 kHz), and the bands are fitted to the rest.

use crate::dsp::Channel;
use crate::eq::{Goal, ResponseGrid};
use crate::fr::FrCurve;
use crate::preset::{ChannelEq, EqProfile};

use super::{
    Correction, CorrectionOptions, EqLayout, FitError, FitReport, correction, fit, fit_from,
};

/// Band over which channel imbalance is measured (Hz): where both ears hear the same and a
/// coupler measures reliably.
pub const IMBALANCE_BAND_HZ: (f64, f64) = (100.0, 10_000.0);

/// How far apart the two channels are: L − R over [`IMBALANCE_BAND_HZ`] (dB).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Imbalance {
    /// RMS of L − R.
    pub rms_db: f64,
    /// Largest |L − R|.
    pub max_db: f64,
}

impl Imbalance {
    /// The imbalance of two curves on the same grid.
    pub fn between(freqs_hz: &[f64], left: &[f64], right: &[f64]) -> Self {
        let diffs: Vec<f64> = freqs_hz
            .iter()
            .zip(left.iter().zip(right))
            .filter(|(f, _)| (IMBALANCE_BAND_HZ.0..=IMBALANCE_BAND_HZ.1).contains(*f))
            .map(|(_, (l, r))| l - r)
            .collect();
        let n = diffs.len().max(1) as f64;
        Imbalance {
            rms_db: (diffs.iter().map(|d| d * d).sum::<f64>() / n).sqrt(),
            max_db: diffs.iter().fold(0.0f64, |m, d| m.max(d.abs())),
        }
    }

    /// `L−R 0.56 dB RMS, 1.9 dB max`.
    pub fn line(&self) -> String {
        format!("{:.2} dB RMS, {:.2} dB max", self.rms_db, self.max_db)
    }
}

/// A per-channel fit.
#[derive(Clone, Debug)]
pub struct ChannelFit {
    /// The profile: each channel's bands and trim, under one preamp that keeps the louder
    /// channel from boosting above 0 dB.
    pub profile: EqProfile,
    /// Each channel's correction (left, right).
    pub corrections: [Correction; 2],
    /// Each channel's fit error (left, right).
    pub reports: [FitReport; 2],
    /// L − R of the measurements, smoothed and levelled as the fit sees them.
    pub before: Imbalance,
    /// L − R after each channel's EQ.
    pub after: Imbalance,
}

/// Both measurements on the grid, smoothed, and levelled by one offset (that of the two
/// together), so the level difference between them stays.
pub fn prepare_pair(left: &FrCurve, right: &FrCurve, opts: &CorrectionOptions) -> [FrCurve; 2] {
    let (smoothed, offset) = smoothed_pair(left, right, opts);
    smoothed.map(|c| c.shifted(-offset))
}

/// Both measurements on the grid and smoothed, and the level of the two together.
fn smoothed_pair(left: &FrCurve, right: &FrCurve, opts: &CorrectionOptions) -> ([FrCurve; 2], f64) {
    let smoothed = [left, right].map(|c| opts.smoothing.apply(&c.on_grid(&opts.grid)));
    let offset = smoothed
        .iter()
        .map(|c| opts.normalise.reference_db(c))
        .sum::<f64>()
        / 2.0;
    (smoothed, offset)
}

/// Each channel's correction to `reference`, both measurements levelled by the same offset.
pub fn channel_corrections(
    left: &FrCurve,
    right: &FrCurve,
    reference: &FrCurve,
    opts: &CorrectionOptions,
) -> [Correction; 2] {
    let (smoothed, offset) = smoothed_pair(left, right, opts);
    let [sl, sr] = &smoothed;
    [(left, sl), (right, sr)].map(|(side, smoothed)| {
        let mut c = correction(side, reference, opts);
        let own = opts.normalise.reference_db(smoothed);
        // correction() levelled this side by its own offset: level it by the common one
        // instead, so the channels keep their level relative to each other.
        let shift = own - offset;
        c.measured = c.measured.shifted(shift);
        for t in &mut c.goal.target_db {
            *t -= shift;
        }
        c
    })
}

/// The mean of `db` over [`IMBALANCE_BAND_HZ`].
fn band_mean(freqs_hz: &[f64], db: &[f64]) -> f64 {
    let inside: Vec<f64> = freqs_hz
        .iter()
        .zip(db)
        .filter(|(f, _)| (IMBALANCE_BAND_HZ.0..=IMBALANCE_BAND_HZ.1).contains(*f))
        .map(|(_, d)| *d)
        .collect();
    inside.iter().sum::<f64>() / inside.len().max(1) as f64
}

/// Fits each channel of an IEM (`left`, `right` measurements) to `reference` in `layout` at
/// `rate` Hz: a per-channel profile called `name`.
pub fn fit_channels(
    left: &FrCurve,
    right: &FrCurve,
    reference: &FrCurve,
    opts: &CorrectionOptions,
    layout: EqLayout<'_>,
    rate: u32,
    name: &str,
) -> Result<ChannelFit, FitError> {
    let corrections = channel_corrections(left, right, reference, opts);
    let [cl, cr] = &corrections;
    // The channel's level goes to its trim (to 0.01 dB, as a profile shows it); the bands
    // fit the shape.
    let shape_of = |c: &Correction| -> (f64, Goal) {
        let trim = (band_mean(&c.goal.freqs_hz, &c.goal.target_db) * 100.0).round() / 100.0;
        let shape = Goal {
            target_db: c.goal.target_db.iter().map(|t| t - trim).collect(),
            ..c.goal.clone()
        };
        (trim, shape)
    };
    // One fit to the mean of the two shapes first: each channel's fit also starts from it,
    // so neither channel ends up fitted worse than one EQ for both would fit it.
    let ((_, shape_l), (_, shape_r)) = (shape_of(cl), shape_of(cr));
    let mean = Goal {
        target_db: shape_l
            .target_db
            .iter()
            .zip(&shape_r.target_db)
            .map(|(l, r)| (l + r) / 2.0)
            .collect(),
        ..shape_l
    };
    let shared = fit(&mean, layout, rate, name)?.profile.bands();
    let side = |c: &Correction| -> Result<(f64, super::Fitted), FitError> {
        let (trim, shape) = shape_of(c);
        Ok((trim, fit_from(&shape, layout, rate, name, Some(&shared))?))
    };
    // The two channels fit side by side.
    let (left_side, right_side) = rayon::join(|| side(cl), || side(cr));
    let ((trim_l, left_fit), (trim_r, right_fit)) = (left_side?, right_side?);
    let mut profile = EqProfile::split(
        name,
        [
            ChannelEq {
                gain_db: trim_l,
                bands: left_fit.profile.bands(),
            },
            ChannelEq {
                gain_db: trim_r,
                bands: right_fit.profile.bands(),
            },
        ],
    );
    // One preamp for both: the louder channel (trim included) must not boost above 0 dB.
    let range = match layout {
        EqLayout::Device(d, _) => Some(d.preamp_db),
        _ => None,
    };
    profile.preamp_db = 0.0;
    profile.preamp_db = profile.safe_preamp_db(rate, range);
    let rate_hz = f64::from(rate);
    let [gl, gr] = [&cl.goal, &cr.goal].map(|g| g.reachable(rate_hz));
    let freqs = &gl.freqs_hz;
    let grid = ResponseGrid::new(freqs, rate_hz);
    // What the listener gets from one channel's EQ: bands, trim and the shared preamp.
    let eq = |channel: Channel| -> Vec<f64> {
        let own = profile.channel_eq(channel);
        grid.bands_db_or_flat(&own.bands)
            .into_iter()
            .map(|d| d + own.gain_db)
            .collect()
    };
    // A side's fitted bands and trim: what its fit error is measured on.
    let fitted = |fit: &super::Fitted, trim: f64| -> Vec<f64> {
        grid.bands_db_or_flat(&fit.profile.bands())
            .into_iter()
            .map(|d| d + trim)
            .collect()
    };
    let measured = |c: &Correction| -> Vec<f64> {
        c.measured
            .freqs_hz
            .iter()
            .zip(&c.measured.db)
            .filter(|(f, _)| **f < rate_hz / 2.0)
            .map(|(_, d)| *d)
            .collect()
    };
    let (ml, mr) = (measured(cl), measured(cr));
    let before = Imbalance::between(freqs, &ml, &mr);
    let plus =
        |m: &[f64], e: Vec<f64>| -> Vec<f64> { m.iter().zip(e).map(|(m, e)| m + e).collect() };
    let after = Imbalance::between(
        freqs,
        &plus(&ml, eq(Channel::Left)),
        &plus(&mr, eq(Channel::Right)),
    );
    let reports = [
        super::report(&gl, &fitted(&left_fit, trim_l), left_fit.report.elapsed),
        super::report(&gr, &fitted(&right_fit, trim_r), right_fit.report.elapsed),
    ];
    Ok(ChannelFit {
        profile,
        corrections,
        reports,
        before,
        after,
    })
}
