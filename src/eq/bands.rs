//! Bands fitted into slots: the one way iemlab fits an EQ, whether to a measurement
//! (`iemlab fit`) or to a profile a device cannot hold as it stands (export, refit).

use crate::dsp::{BandSpec, FilterKind};

use super::goal::Goal;
use super::graphic::fit_graphic;
use super::peq::fit_parametric;
use super::range::Range;
use super::response::ResponseGrid;
use super::solver::{Problem, Slot};

/// Weight of Σ gain² (dB²) in parametric fits: see [`Problem::with_gain_penalty`].
pub const GAIN_PENALTY: f64 = 0.01;

/// Bands for `slots` fitted to `goal` (whose frequencies `grid` holds, prepared for the
/// playback rate). `graphic`: only gains are free, solved as plain least squares; otherwise
/// a parametric fit that prefers smaller gains when the error is about the same (0.01 per
/// dB², against an error summed over ~480 points). Values without a step in their slot are
/// rounded to what a profile file shows.
pub fn fit_bands(goal: &Goal, grid: &ResponseGrid, slots: &[Slot], graphic: bool) -> Vec<BandSpec> {
    fit_bands_from(goal, grid, slots, graphic, None)
}

/// [`fit_bands`], also trying `start` (bands for the same slots, e.g. a fit to a similar
/// goal) as the parametric fit's starting point; whichever ends with the lower cost wins, so
/// the result is never worse than refining `start`.
pub fn fit_bands_from(
    goal: &Goal,
    grid: &ResponseGrid,
    slots: &[Slot],
    graphic: bool,
    start: Option<&[BandSpec]>,
) -> Vec<BandSpec> {
    let slots = if graphic {
        slots.to_vec()
    } else {
        focus_peaks(slots.to_vec(), goal)
    };
    let penalty = if graphic { 0.0 } else { GAIN_PENALTY };
    let problem = Problem::new(grid, goal, &slots).with_gain_penalty(penalty);
    let mut bands = if graphic {
        fit_graphic(&problem, goal, &slots)
    } else {
        fit_parametric(&problem, goal, &slots)
    };
    if let Some(start) = start.filter(|s| !graphic && s.len() == slots.len()) {
        let mut warm: Vec<BandSpec> = start
            .iter()
            .zip(&slots)
            .map(|(b, slot)| slot.clamp(b))
            .collect();
        problem.optimise(&mut warm, 200);
        problem.quantise(&mut warm);
        if problem.cost(&warm) < problem.cost(&bands) {
            bands = warm;
        }
    }
    tidy(&mut bands, &slots);
    bands
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
        if s.kind == FilterKind::Peaking && top < s.freq_hz.max && top > s.freq_hz.min {
            s.freq_hz.max = top;
        }
    }
    slots
}

/// Rounds values that have no device step to what a profile file shows (0.01 Hz, 0.01 dB,
/// 0.001 Q) within their slot's range, as the numbers nearest those decimals, so the saved
/// profile reads back as exactly the one reported.
fn tidy(bands: &mut [BandSpec], slots: &[Slot]) {
    let shown = |range: Range, unit: f64, v: f64| match range.step {
        Some(_) => v,
        // Narrower than the unit (a pinned centre or Q): kept exactly.
        None if range.max - range.min < unit => v.clamp(range.min, range.max),
        None => Range {
            step: Some(unit),
            ..range
        }
        .snap(v),
    };
    for (b, s) in bands.iter_mut().zip(slots) {
        b.freq_hz = shown(s.freq_hz, 0.01, b.freq_hz);
        b.gain_db = shown(s.gain_db, 0.01, b.gain_db);
        b.q = shown(s.q, 0.001, b.q);
    }
}
