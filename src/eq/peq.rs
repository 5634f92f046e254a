//! Parametric fits: the default slot set (a low shelf, peaking filters and a high shelf, as
//! AutoEQ's `8_PEAKING_WITH_SHELVES`), a greedy first guess, then the joint optimisation.

use crate::dsp::{BandSpec, FilterKind};

use super::goal::Goal;
use super::range::Range;
use super::solver::{Problem, Slot};

/// Peaking Q range (AutoEQ's peaking filter limits, `autoeq/constants.py`).
pub const PEAKING_Q: Range = Range::new(0.18, 6.0);
/// Shelf Q range (AutoEQ's shelf limits).
pub const SHELF_Q: Range = Range::new(0.4, 0.7);
/// Gain range of a band when no device limits it (dB): what most devices and apps hold.
pub const PEQ_GAIN: Range = Range::new(-12.0, 12.0);
/// Where the shelves start (AutoEQ: low shelf at 105 Hz, high shelf at 10 kHz, Q 0.7).
const LOW_SHELF_START_HZ: f64 = 105.0;
const HIGH_SHELF_START_HZ: f64 = 10_000.0;

/// Frequency range of a kind of band at `rate`: peaking 20 Hz–18 kHz, low shelf 20 Hz–1 kHz,
/// high shelf 1–16 kHz, all below 0.45 × the rate.
pub fn kind_freq_range(kind: FilterKind, rate: f64) -> Range {
    let top = 0.45 * rate;
    match kind {
        FilterKind::LowShelf => Range::new(20.0, 1000.0_f64.min(top)),
        FilterKind::HighShelf => Range::new(1000.0_f64.min(top / 2.0), 16_000.0_f64.min(top)),
        _ => Range::new(20.0, 18_000.0_f64.min(top)),
    }
}

/// Q range of a kind of band.
pub fn kind_q_range(kind: FilterKind) -> Range {
    match kind {
        FilterKind::LowShelf | FilterKind::HighShelf => SHELF_Q,
        _ => PEAKING_Q,
    }
}

/// `count` slots: with three or more, a low shelf, `count − 2` peaking filters and a high
/// shelf; fewer are all peaking.
pub fn default_slots(count: usize, rate: f64) -> Vec<Slot> {
    (0..count)
        .map(|i| {
            let kind = if count >= 3 && i == 0 {
                FilterKind::LowShelf
            } else if count >= 3 && i == count - 1 {
                FilterKind::HighShelf
            } else {
                FilterKind::Peaking
            };
            Slot {
                kind,
                freq_hz: kind_freq_range(kind, rate),
                gain_db: PEQ_GAIN,
                q: kind_q_range(kind),
            }
        })
        .collect()
}

/// Fits bands for `slots` to `goal` on `grid`: first guess, optimisation, a second chance for
/// bands that ended up doing nothing, then quantisation to the slots' steps.
pub fn fit_parametric(problem: &Problem<'_>, goal: &Goal, slots: &[Slot]) -> Vec<BandSpec> {
    let mut bands = first_guess(problem, goal, slots);
    problem.optimise(&mut bands, 200);
    for _ in 0..2 {
        // A peaking band left near 0 dB is wasted: move it to the largest remaining error.
        let idle: Vec<usize> = bands
            .iter()
            .enumerate()
            .filter(|(i, b)| slots[*i].kind == FilterKind::Peaking && b.gain_db.abs() < 0.1)
            .map(|(i, _)| i)
            .collect();
        if idle.is_empty() {
            break;
        }
        for i in idle {
            let others: Vec<BandSpec> = bands
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, b)| *b)
                .collect();
            let residual = residual(problem, goal, &others);
            bands[i] = slots[i].clamp(&peak_guess(goal, &residual));
        }
        problem.optimise(&mut bands, 200);
    }
    problem.quantise(&mut bands);
    bands
}

/// Goal minus the response of `bands`.
fn residual(problem: &Problem<'_>, goal: &Goal, bands: &[BandSpec]) -> Vec<f64> {
    let mut r = goal.target_db.clone();
    for band in bands {
        let mut one = vec![0.0; r.len()];
        problem.band_response(band, &mut one);
        r.iter_mut().zip(&one).for_each(|(a, b)| *a -= b);
    }
    r
}

/// Shelves at their usual corners with the least-squares gain, then each peaking band on the
/// largest weighted error left, as wide as that error's half-height width.
fn first_guess(problem: &Problem<'_>, goal: &Goal, slots: &[Slot]) -> Vec<BandSpec> {
    let mut bands: Vec<BandSpec> = Vec::with_capacity(slots.len());
    let mut order: Vec<usize> = (0..slots.len()).collect();
    // Shelves first: they take the broad tilt, the bells the detail.
    order.sort_by_key(|&i| slots[i].kind == FilterKind::Peaking);
    let mut placed: Vec<(usize, BandSpec)> = Vec::new();
    for i in order {
        let slot = &slots[i];
        let current: Vec<BandSpec> = placed.iter().map(|(_, b)| *b).collect();
        let r = residual(problem, goal, &current);
        let band = match slot.kind {
            FilterKind::LowShelf | FilterKind::HighShelf => {
                let start = if slot.kind == FilterKind::LowShelf {
                    LOW_SHELF_START_HZ
                } else {
                    HIGH_SHELF_START_HZ
                };
                let unit = slot.clamp(&BandSpec {
                    kind: slot.kind,
                    freq_hz: start,
                    gain_db: 1.0,
                    q: 0.7,
                });
                let mut shape = vec![0.0; r.len()];
                problem.band_response(&unit, &mut shape);
                let num: f64 = (0..r.len())
                    .map(|j| goal.weights[j] * shape[j] * r[j])
                    .sum();
                let den: f64 = (0..r.len())
                    .map(|j| goal.weights[j] * shape[j] * shape[j])
                    .sum();
                let gain = if den > 0.0 { num / den } else { 0.0 };
                BandSpec {
                    gain_db: gain,
                    ..unit
                }
            }
            _ => peak_guess(goal, &r),
        };
        placed.push((i, slot.clamp(&band)));
    }
    placed.sort_by_key(|(i, _)| *i);
    bands.extend(placed.into_iter().map(|(_, b)| b));
    bands
}

/// A peaking band on the largest weighted error of `residual`, its Q from the half-height
/// width of that error (Q = √(2^N) / (2^N − 1) for a bandwidth of N octaves).
fn peak_guess(goal: &Goal, residual: &[f64]) -> BandSpec {
    let n = residual.len();
    let Some(i) = (0..n).max_by(|&a, &b| {
        (goal.weights[a] * residual[a].abs()).total_cmp(&(goal.weights[b] * residual[b].abs()))
    }) else {
        return BandSpec::peaking(1000.0, 0.0, 1.0);
    };
    let g = residual[i];
    let inside =
        |j: usize| residual[j].signum() == g.signum() && residual[j].abs() >= g.abs() / 2.0;
    let mut lo = i;
    while lo > 0 && inside(lo - 1) {
        lo -= 1;
    }
    let mut hi = i;
    while hi + 1 < n && inside(hi + 1) {
        hi += 1;
    }
    let f = &goal.freqs_hz;
    let bw = if n > 1 {
        (f[hi] / f[lo]).log2().max((f[1] / f[0]).log2() * 2.0)
    } else {
        1.0
    };
    let q = 2f64.powf(bw).sqrt() / (2f64.powf(bw) - 1.0);
    BandSpec::peaking(f[i], g, q)
}
