//! Graphic (fixed-band) fits: only the gains are free. The gains are solved jointly, as least
//! squares over the combined response of all bands (neighbouring ISO bands overlap by about
//! half their width, so reading each gain off the curve at its centre overshoots), with the
//! same optimiser as parametric fits: with frequencies and Q fixed it is Gauss–Newton on a
//! nearly linear problem and converges in a few steps.

use crate::dsp::{BandSpec, FilterKind};
use crate::preset::Range;

use super::Goal;
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
