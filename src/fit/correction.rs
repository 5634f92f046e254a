//! What the EQ should do: the wanted correction curve from a measurement and a reference
//! (a target curve, or another IEM's measurement when simulating it), with the treble above
//! ~10 kHz de-emphasised and boosts limited.

use crate::fr::{FrCurve, LogGrid, Normalise, Smoothing};

use crate::eq::Goal;

/// Above this the fit's weight starts falling (a coupler does not match the ear drum up
/// there: the review template's "Above 8kHz, the measurement likely does not match").
pub const TREBLE_FADE_START_HZ: f64 = 8_000.0;
/// From here on the fit's weight is [`TREBLE_WEIGHT`].
pub const TREBLE_FADE_END_HZ: f64 = 12_500.0;
/// Weight of the error above [`TREBLE_FADE_END_HZ`], relative to 1 below 8 kHz.
pub const TREBLE_WEIGHT: f64 = 0.1;
/// Default largest boost (dB), AutoEQ's `DEFAULT_MAX_GAIN`.
pub const DEFAULT_MAX_GAIN_DB: f64 = 6.0;

/// How measurement and reference are prepared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CorrectionOptions {
    /// Grid to compare on.
    pub grid: LogGrid,
    /// Smoothing of both curves before subtracting (AutoEQ smooths at 1/12 octave).
    pub smoothing: Smoothing,
    /// How both curves are levelled.
    pub normalise: Normalise,
    /// Largest boost the EQ may ask for (dB).
    pub max_gain_db: f64,
}

impl Default for CorrectionOptions {
    fn default() -> Self {
        CorrectionOptions {
            grid: LogGrid::STANDARD,
            smoothing: Smoothing::Octave(12),
            normalise: Normalise::default(),
            max_gain_db: DEFAULT_MAX_GAIN_DB,
        }
    }
}

/// The prepared curves and the goal the EQ is fitted to.
#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    /// The measurement on the grid, smoothed and levelled.
    pub measured: FrCurve,
    /// The reference (target or other IEM) on the grid, smoothed and levelled.
    pub reference: FrCurve,
    /// Wanted EQ response: reference − measured, boosts limited, with treble weights.
    pub goal: Goal,
}

/// Fit weight at `freq_hz`: 1 up to 8 kHz, falling (linearly in log-frequency) to 0.1 at
/// 12.5 kHz and above.
pub fn treble_weight(freq_hz: f64) -> f64 {
    if freq_hz <= TREBLE_FADE_START_HZ {
        1.0
    } else if freq_hz >= TREBLE_FADE_END_HZ {
        TREBLE_WEIGHT
    } else {
        let t = (freq_hz / TREBLE_FADE_START_HZ).ln()
            / (TREBLE_FADE_END_HZ / TREBLE_FADE_START_HZ).ln();
        1.0 + t * (TREBLE_WEIGHT - 1.0)
    }
}

/// A curve put on the grid, smoothed and levelled as `opts` say.
pub fn prepare(curve: &FrCurve, opts: &CorrectionOptions) -> FrCurve {
    let on_grid = curve.on_grid(&opts.grid);
    opts.normalise.apply(opts.smoothing.apply(&on_grid))
}

/// The EQ that turns `measured` into `reference`: reference − measured after both are
/// prepared, boosts capped at `max_gain_db`, weighted down above 8 kHz.
pub fn correction(measured: &FrCurve, reference: &FrCurve, opts: &CorrectionOptions) -> Correction {
    let measured = prepare(measured, opts);
    let reference = prepare(reference, opts);
    let raw = FrCurve {
        name: String::new(),
        freqs_hz: measured.freqs_hz.clone(),
        db: reference
            .db
            .iter()
            .zip(&measured.db)
            .map(|(r, m)| r - m)
            .collect(),
    };
    // In the treble the correction is smoothed over a whole octave (blended in over the same
    // 8–12.5 kHz band where the weight falls): coupler peaks and dips up there are not what
    // the ear drum gets, so the EQ should follow only the broad trend. AutoEQ does the same
    // with a 2-octave treble window above 6–8 kHz (`DEFAULT_TREBLE_SMOOTHING_WINDOW_SIZE` in
    // `autoeq/constants.py`, used by `FrequencyResponse.smoothen`).
    let broad = Smoothing::Octave(1).apply(&raw);
    let target_db = raw
        .db
        .iter()
        .zip(&broad.db)
        .zip(&raw.freqs_hz)
        .map(|((fine, wide), &f)| {
            let t = (1.0 - treble_weight(f)) / (1.0 - TREBLE_WEIGHT);
            (fine + t * (wide - fine)).min(opts.max_gain_db)
        })
        .collect();
    let goal = Goal {
        freqs_hz: measured.freqs_hz.clone(),
        target_db,
        weights: measured
            .freqs_hz
            .iter()
            .map(|&f| treble_weight(f))
            .collect(),
    };
    Correction {
        measured,
        reference,
        goal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(name: &str, level: f64) -> FrCurve {
        FrCurve {
            name: name.into(),
            freqs_hz: vec![10.0, 1000.0, 30_000.0],
            db: vec![level; 3],
        }
    }

    #[test]
    fn correction_is_reference_minus_measured_with_boost_capped() {
        let mut measured = flat("m", 90.0);
        measured.db[0] = 80.0; // 10 dB short in the bass
        let opts = CorrectionOptions {
            smoothing: Smoothing::None,
            ..CorrectionOptions::default()
        };
        let c = correction(&measured, &flat("t", 60.0), &opts);
        // Levelled at 1 kHz, so absolute SPL does not matter; the bass boost is capped at 6 dB.
        assert!((c.goal.target_db[0] - 6.0).abs() < 1e-9);
        let mid = c.goal.freqs_hz.iter().position(|&f| f >= 5000.0).unwrap();
        assert!(c.goal.target_db[mid].abs() < 0.01);
        assert_eq!(c.goal.weights[0], 1.0);
        assert_eq!(*c.goal.weights.last().unwrap(), TREBLE_WEIGHT);
    }

    #[test]
    fn treble_weight_falls_between_8_and_12_5_khz() {
        assert_eq!(treble_weight(1000.0), 1.0);
        let w10 = treble_weight(10_000.0);
        assert!(w10 < 1.0 && w10 > TREBLE_WEIGHT, "{w10}");
        assert_eq!(treble_weight(16_000.0), TREBLE_WEIGHT);
    }
}
