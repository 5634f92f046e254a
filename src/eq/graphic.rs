//! Graphic (fixed-band) fits: only the gains are free. The gains are solved jointly, as least
//! squares over the combined response of all bands (neighbouring ISO bands overlap by about
//! half their width, so reading each gain off the curve at its centre overshoots), with the
//! same optimiser as parametric fits: with frequencies and Q fixed it is Gauss–Newton on a
//! nearly linear problem and converges in a few steps.

use crate::dsp::{BandSpec, FilterKind};

use super::goal::Goal;
use super::range::Range;
use super::response::ResponseGrid;
use super::solver::{Problem, Slot};

/// Gain range of a graphic EQ slider when no device limits it (AutoEQ's ±12 dB convention).
pub const GRAPHIC_GAIN: Range = Range::new(-12.0, 12.0);

/// One slot per fixed band: frequency and Q pinned, gain within `gain`.
pub fn graphic_slots(freqs_hz: &[f64], q: f64, gain: Range) -> Vec<Slot> {
    freqs_hz
        .iter()
        .map(|&f| Slot {
            kind: FilterKind::Peaking,
            freq_hz: Range::new(f, f),
            gain_db: gain,
            q: Range::new(q, q),
        })
        .collect()
}

/// The least-squares gains for `slots` (then quantised to the gain step, if any).
pub fn fit_graphic(problem: &Problem<'_>, goal: &Goal, slots: &[Slot]) -> Vec<BandSpec> {
    let mut bands: Vec<BandSpec> = slots
        .iter()
        .map(|s| {
            let f = s.freq_hz.min;
            let start = crate::fr::grid::interpolate(&goal.freqs_hz, &goal.target_db, f);
            s.clamp(&BandSpec::peaking(f, start, s.q.min))
        })
        .collect();
    problem.optimise(&mut bands, 100);
    problem.quantise(&mut bands);
    bands
}

/// Sets the gains of `bands` (kinds, frequencies and Qs fixed) so that their combined
/// response follows `goal` (on `grid`, the same frequencies) in the least-squares sense, each
/// gain within `gain` (its step is left to the caller). The graphic fit with a pinned slot
/// per band: what the exporter and importer use to re-set fixed bands.
pub fn fit_gains(bands: &mut [BandSpec], goal: &Goal, grid: &ResponseGrid, gain: Range) {
    let slots = pinned_slots(bands, gain);
    Problem::new(grid, goal, &slots).optimise(bands, 100);
}

/// [`fit_gains`] for bands that will run at several sample rates: each of `grids` holds
/// `goal`'s frequencies at one rate, and the gains follow `goal` best over all of them at
/// once. Near the top of the band a biquad's response depends on the rate (the bilinear
/// transform squeezes it towards Nyquist), so gains fitted at one rate can miss the curve by
/// dB at another.
pub fn fit_gains_jointly(bands: &mut [BandSpec], goal: &Goal, grids: &[ResponseGrid], gain: Range) {
    let slots = pinned_slots(bands, gain);
    let repeat = |v: &[f64]| -> Vec<f64> { grids.iter().flat_map(|_| v.iter().copied()).collect() };
    let joint = Goal {
        freqs_hz: repeat(&goal.freqs_hz),
        target_db: repeat(&goal.target_db),
        weights: repeat(&goal.weights),
    };
    Problem::joint(grids, &joint, &slots).optimise(bands, 100);
}

/// A slot per band pinning its kind, frequency and Q, its gain free within `gain`; the
/// bands are clamped into them.
fn pinned_slots(bands: &mut [BandSpec], gain: Range) -> Vec<Slot> {
    let slots: Vec<Slot> = bands
        .iter()
        .map(|b| Slot {
            kind: b.kind,
            freq_hz: Range::new(b.freq_hz, b.freq_hz),
            gain_db: Range::new(gain.min, gain.max),
            q: Range::new(b.q, b.q),
        })
        .collect();
    for (band, slot) in bands.iter_mut().zip(&slots) {
        *band = slot.clamp(band);
    }
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::{GRAPHIC_Q, ISO_BANDS_HZ, graphic_bands};
    use crate::fr::LogGrid;

    #[test]
    fn fit_gains_recovers_graphic_sliders() {
        let want = [5.0, 4.5, 3.0, 0.5, -1.5, -2.0, -0.5, 1.5, 3.0, 2.0];
        let grid = ResponseGrid::new(&LogGrid::STANDARD.freqs(), 48_000.0);
        let truth = grid.bands_db(&graphic_bands(&want)).unwrap();
        let mut bands: Vec<BandSpec> = ISO_BANDS_HZ
            .iter()
            .map(|&f| BandSpec::peaking(f, 0.0, GRAPHIC_Q))
            .collect();
        let goal = Goal::even(grid.freqs_hz.clone(), truth);
        fit_gains(&mut bands, &goal, &grid, Range::new(-12.0, 12.0));
        for (b, w) in bands.iter().zip(want) {
            assert!(
                (b.gain_db - w).abs() < 0.01,
                "{} Hz: {}",
                b.freq_hz,
                b.gain_db
            );
        }
    }

    #[test]
    fn a_joint_fit_holds_at_every_rate() {
        // A treble lift as a curve (no rate of its own): gains fitted at 48 kHz alone miss
        // it at 96 kHz, where the same bells are wider near the top; fitted jointly the bands
        // hold at all three rates.
        let freqs = LogGrid::STANDARD.freqs();
        let truth: Vec<f64> = freqs
            .iter()
            .map(|f| 6.0 * (-(f / 14_000.0).log2().powi(2)).exp())
            .collect();
        let grids = [44_100.0, 48_000.0, 96_000.0].map(|rate| ResponseGrid::new(&freqs, rate));
        let goal = Goal::even(freqs.clone(), truth.clone());
        let fresh = || -> Vec<BandSpec> {
            [4000.0, 6350.0, 10_080.0, 12_700.0, 16_000.0]
                .iter()
                .map(|&f| BandSpec::peaking(f, 0.0, 1.4))
                .collect()
        };
        // Squared error summed over all three rates, and the worst error at 96 kHz.
        let errors = |bands: &[BandSpec]| -> (f64, f64) {
            let mut squares = 0.0;
            let mut worst_96k = 0.0f64;
            for g in &grids {
                for (got, want) in g.bands_db(bands).unwrap().iter().zip(&truth) {
                    squares += (got - want).powi(2);
                    if g.rate == 96_000.0 {
                        worst_96k = worst_96k.max((got - want).abs());
                    }
                }
            }
            (squares, worst_96k)
        };
        let mut alone = fresh();
        fit_gains(&mut alone, &goal, &grids[1], Range::new(-12.0, 12.0));
        let mut joint = fresh();
        fit_gains_jointly(&mut joint, &goal, &grids, Range::new(-12.0, 12.0));
        let (alone, joint) = (errors(&alone), errors(&joint));
        assert!(
            joint.0 < 0.9 * alone.0 && joint.1 < 0.7 * alone.1,
            "joint {joint:?} vs 48 kHz alone {alone:?}"
        );
    }
}
