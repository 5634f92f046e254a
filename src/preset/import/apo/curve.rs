//! `GraphicEQ:` curves. Equalizer APO turns the nodes into a long minimum-phase FIR
//! (filters/GraphicEQFilter.cpp), interpolating the gain linearly in log frequency between
//! nodes and holding the end nodes' gains beyond them (helpers/GainIterator.cpp). A profile
//! holds biquads, so a curve becomes a low shelf, 29 third-octave bells and a high shelf
//! fitted to it by least squares, jointly at 44.1, 48 and 96 kHz: near the top a biquad's
//! response depends on the rate, and the profile may play at any of them.

use super::filter::number;
use crate::dsp::{BandSpec, FilterKind};
use crate::eq::graphic::fit_gains_jointly;
use crate::eq::{Goal, Range, ResponseGrid, standard_freqs};
use crate::fr::grid::interpolate;

/// The sample rates a fitted curve must hold at.
pub(super) const FIT_RATES: [u32; 3] = [44_100, 48_000, 96_000];

/// Bands a curve becomes.
pub(super) const CURVE_BANDS: usize = 31;

/// Q of the third-octave bands a curve is fitted with. Third-octave centres as AutoEQ's
/// 31-band graphic EQ (20·2^(i/3) Hz), but about an octave wide rather than its Q 4.32:
/// overlapping bands follow a smooth curve without ripple between centres (measured on the
/// shipped profiles' curves: 0.1–0.8 dB worst case with Q 1.4, 0.7–1.5 dB with Q 4.32).
const THIRD_OCTAVE_Q: f64 = 1.4;

/// `f1 g1; f2 g2; …` with rising frequencies. APO reads a comma as a decimal point only when
/// the line has no point at all.
pub(super) fn parse_curve(params: &str) -> Result<Vec<(f64, f64)>, String> {
    let commas_are_points = !params.contains('.');
    let value = |token: &str, what: &str| -> Result<f64, String> {
        if !commas_are_points && token.contains(',') {
            return Err(format!(
                "{what}: '{token}' is not a number (Equalizer APO reads a comma as a decimal point only when the line has no point)"
            ));
        }
        number(token, what)
    };
    let mut nodes: Vec<(f64, f64)> = Vec::new();
    for (i, pair) in params.split(';').enumerate() {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let mut parts = pair.split_whitespace();
        let (Some(f), Some(g), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "GraphicEQ node {}: expected 'frequency gain', found '{pair}'",
                i + 1
            ));
        };
        let f = value(f, "GraphicEQ frequency")?;
        let g = value(g, "GraphicEQ gain")?;
        if f <= 0.0 || nodes.last().is_some_and(|last| f <= last.0) {
            return Err(format!(
                "GraphicEQ node {}: frequency {f} Hz does not rise",
                i + 1
            ));
        }
        nodes.push((f, g));
    }
    if nodes.len() < 2 {
        return Err("GraphicEQ: fewer than two nodes".into());
    }
    Ok(nodes)
}

/// The frequencies curves are summed and fitted on: 20 Hz–20 kHz at 1/48 octave (all of it
/// below Nyquist at every [`FIT_RATES`] rate).
pub(super) fn grid_freqs() -> Vec<f64> {
    standard_freqs(f64::from(FIT_RATES[0]))
}

/// The curve of `nodes` on [`grid_freqs`], as APO interpolates it.
pub(super) fn on_grid(nodes: &[(f64, f64)]) -> Vec<f64> {
    let (freqs, db): (Vec<f64>, Vec<f64>) = nodes.iter().copied().unzip();
    grid_freqs()
        .iter()
        .map(|&f| interpolate(&freqs, &db, f))
        .collect()
}

/// A curve as bands.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Fitted {
    /// The curve's mean level (dB), for the preamp.
    pub level_db: f64,
    /// A low shelf at 40 Hz, 29 third-octave bells (31.7 Hz–16 kHz) and a high shelf at 12 kHz.
    pub bands: Vec<BandSpec>,
    /// Worst |difference| (dB) between level + bands and the curve at any of [`FIT_RATES`].
    pub deviation_db: f64,
}

/// The bands that follow `curve_db` (on [`grid_freqs`]) at every [`FIT_RATES`] rate.
pub(super) fn fit(curve_db: &[f64]) -> Fitted {
    let freqs = grid_freqs();
    let grids = FIT_RATES.map(|rate| ResponseGrid::new(&freqs, f64::from(rate)));
    let level = curve_db.iter().sum::<f64>() / curve_db.len().max(1) as f64;
    let level_db = (level * 100.0).round() / 100.0;
    let target: Vec<f64> = curve_db.iter().map(|v| v - level_db).collect();
    let shelf = |kind, freq_hz| BandSpec {
        kind,
        freq_hz,
        gain_db: 0.0,
        q: std::f64::consts::FRAC_1_SQRT_2,
    };
    let mut bands: Vec<BandSpec> =
        std::iter::once(shelf(FilterKind::LowShelf, 40.0))
            .chain((2..31).map(|i| {
                BandSpec::peaking(20.0 * 2f64.powf(f64::from(i) / 3.0), 0.0, THIRD_OCTAVE_Q)
            }))
            .chain(std::iter::once(shelf(FilterKind::HighShelf, 12_000.0)))
            .collect();
    let goal = Goal::even(freqs, target);
    fit_gains_jointly(&mut bands, &goal, &grids, Range::new(-30.0, 30.0));
    for b in &mut bands {
        b.freq_hz = (b.freq_hz * 100.0).round() / 100.0;
        b.gain_db = (b.gain_db * 100.0).round() / 100.0;
    }
    let deviation_db = grids
        .iter()
        .flat_map(|grid| {
            grid.bands_db_or_flat(&bands)
                .iter()
                .zip(curve_db)
                .map(|(got, want)| (level_db + got - want).abs())
                .collect::<Vec<f64>>()
        })
        .fold(0.0, f64::max);
    Fitted {
        level_db,
        bands,
        deviation_db,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_smooth_curve_becomes_bands_close_to_it_at_every_rate() {
        let nodes: Vec<(f64, f64)> = crate::preset::device::AUTOEQ_GRAPHIC_HZ
            .iter()
            .map(|&f| (f, -6.0 + 4.0 * (-(f / 1000.0).log2().powi(2)).exp()))
            .collect();
        let fitted = fit(&on_grid(&nodes));
        assert_eq!(fitted.bands.len(), CURVE_BANDS);
        assert!(fitted.deviation_db < 0.3, "{fitted:?}");
        assert!((fitted.level_db + 5.0).abs() < 1.0, "{}", fitted.level_db);
    }

    #[test]
    fn a_treble_curve_holds_at_44_1_and_96_khz() {
        // A +8 dB lift from 10 kHz up: fitted at 48 kHz alone its 16 kHz bell and 12 kHz
        // shelf missed it by about 2 dB at 96 kHz.
        let nodes = [(20.0, 0.0), (8000.0, 0.0), (12_000.0, 8.0), (20_000.0, 8.0)];
        let fitted = fit(&on_grid(&nodes));
        assert!(fitted.deviation_db < 1.0, "{}", fitted.deviation_db);
    }

    #[test]
    fn nodes_must_rise_and_commas_are_points_only_without_points() {
        assert_eq!(
            parse_curve("20 0,5; 30 1").unwrap(),
            vec![(20.0, 0.5), (30.0, 1.0)]
        );
        assert!(
            parse_curve("20.5 0,5; 30 1")
                .unwrap_err()
                .contains("only when the line has no point")
        );
        assert_eq!(
            parse_curve("20 0; 30 1; 25 2").unwrap_err(),
            "GraphicEQ node 3: frequency 25 Hz does not rise"
        );
        assert_eq!(
            parse_curve("20 0").unwrap_err(),
            "GraphicEQ: fewer than two nodes"
        );
    }
}
