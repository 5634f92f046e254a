//! The log-frequency grid curves are compared on, interpolation onto it, and levelling
//! (normalisation) of a curve at a frequency or by its mean over a band.

use super::FrCurve;

impl FrCurve {
    /// Level at `freq_hz`, linear in log-frequency between points, held flat beyond the ends.
    pub fn level_at(&self, freq_hz: f64) -> f64 {
        interpolate(&self.freqs_hz, &self.db, freq_hz)
    }
}

/// Points spaced evenly in log-frequency from `f_min` to `f_max` (both included).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogGrid {
    /// Lowest frequency (Hz).
    pub f_min: f64,
    /// Highest frequency (Hz).
    pub f_max: f64,
    /// Points per octave.
    pub per_octave: u32,
}

impl LogGrid {
    /// The grid iemlab fits and plots on: 20 Hz–20 kHz at 1/48 octave (~480 points), the
    /// resolution of REW's usual export.
    pub const STANDARD: LogGrid = LogGrid {
        f_min: 20.0,
        f_max: 20_000.0,
        per_octave: 48,
    };

    /// A grid from `f_min` to `f_max` with `per_octave` points per octave.
    pub fn new(f_min: f64, f_max: f64, per_octave: u32) -> Self {
        LogGrid {
            f_min,
            f_max,
            per_octave: per_octave.max(1),
        }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        let octaves = (self.f_max / self.f_min).log2().max(0.0);
        (octaves * f64::from(self.per_octave)).round() as usize + 1
    }

    /// Whether the grid has no points (never, for a valid grid).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frequencies, rising; the last one is exactly `f_max`.
    pub fn freqs(&self) -> Vec<f64> {
        let n = self.len();
        if n < 2 {
            return vec![self.f_min];
        }
        let ratio = (self.f_max / self.f_min).ln() / (n - 1) as f64;
        (0..n)
            .map(|i| self.f_min * (ratio * i as f64).exp())
            .collect()
    }

    /// The frequencies below `limit_hz` (e.g. what a filter at some sample rate can reach).
    pub fn freqs_below(&self, limit_hz: f64) -> Vec<f64> {
        let mut freqs = self.freqs();
        freqs.retain(|&f| f < limit_hz);
        freqs
    }
}

/// The level at `f` on the curve (`freqs` rising), linear in log-frequency between points and
/// held at the end values outside the measured range.
pub fn interpolate(freqs: &[f64], db: &[f64], f: f64) -> f64 {
    let (Some(&first), Some(&last)) = (freqs.first(), freqs.last()) else {
        return 0.0;
    };
    if f <= first {
        return db.first().copied().unwrap_or(0.0);
    }
    if f >= last {
        return db.last().copied().unwrap_or(0.0);
    }
    // First index whose frequency is >= f; 1 <= hi < len here.
    let hi = freqs.partition_point(|&x| x < f);
    let lo = hi.saturating_sub(1);
    match (freqs.get(lo), freqs.get(hi), db.get(lo), db.get(hi)) {
        (Some(&f_lo), Some(&f_hi), Some(&db_lo), Some(&db_hi)) => {
            let t = (f / f_lo).ln() / (f_hi / f_lo).ln();
            db_lo + t * (db_hi - db_lo)
        }
        // `db` shorter than `freqs`: hold its last value.
        _ => db.last().copied().unwrap_or(0.0),
    }
}

/// How curves are levelled against each other before comparing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Normalise {
    /// 0 dB at this frequency (graph tools' usual choice: 1 kHz or 500 Hz).
    At(f64),
    /// 0 dB mean level over this band (Hz).
    Mean(f64, f64),
}

impl Default for Normalise {
    fn default() -> Self {
        Normalise::At(1000.0)
    }
}

/// Why `--normalize` could not be read.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NormaliseError {
    /// Not a number of Hz.
    #[error("'{0}' is not a frequency in Hz")]
    NotHz(String),
    /// Zero, negative or infinite.
    #[error("{0} Hz must be above 0")]
    NotPositive(f64),
    /// A band whose ends do not rise.
    #[error("band {0}-{1} Hz must rise")]
    Falling(f64, f64),
}

impl std::str::FromStr for Normalise {
    type Err = NormaliseError;

    /// `1000` (0 dB at 1 kHz) or `300-3000` (0 dB mean over 300 Hz–3 kHz).
    fn from_str(s: &str) -> Result<Self, NormaliseError> {
        let num = |t: &str| -> Result<f64, NormaliseError> {
            let v: f64 = t
                .trim()
                .trim_end_matches("Hz")
                .trim()
                .parse()
                .map_err(|_| NormaliseError::NotHz(t.to_string()))?;
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(NormaliseError::NotPositive(v))
            }
        };
        match s.split_once('-') {
            Some((lo, hi)) => {
                let (lo, hi) = (num(lo)?, num(hi)?);
                if lo < hi {
                    Ok(Normalise::Mean(lo, hi))
                } else {
                    Err(NormaliseError::Falling(lo, hi))
                }
            }
            None => Ok(Normalise::At(num(s)?)),
        }
    }
}

impl Normalise {
    /// The level of `curve` this normalisation calls 0 dB.
    pub fn reference_db(&self, curve: &FrCurve) -> f64 {
        match *self {
            Normalise::At(f) => curve.level_at(f),
            Normalise::Mean(lo, hi) => {
                // Mean over a fine log grid, so a sparse or a dense file give the same answer.
                let grid = LogGrid::new(lo, hi, 96).freqs();
                grid.iter().map(|&f| curve.level_at(f)).sum::<f64>() / grid.len() as f64
            }
        }
    }

    /// `curve` shifted so that its reference level is 0 dB.
    pub fn apply(&self, curve: FrCurve) -> FrCurve {
        let reference = self.reference_db(&curve);
        curve.shifted(-reference)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn standard_grid_spans_20_to_20k_at_1_48_octave() {
        let f = LogGrid::STANDARD.freqs();
        assert_eq!(f.len(), 479);
        assert!((f[0] - 20.0).abs() < 1e-12);
        assert!((f[f.len() - 1] - 20_000.0).abs() < 1e-9);
        assert!((f[48] / f[0] - 2.0).abs() < 0.002);
    }

    #[test]
    fn interpolation_is_linear_in_log_frequency_and_held_at_ends() {
        let freqs = [100.0, 400.0];
        let db = [0.0, 12.0];
        assert!((interpolate(&freqs, &db, 200.0) - 6.0).abs() < 1e-12);
        assert_eq!(interpolate(&freqs, &db, 10.0), 0.0);
        assert_eq!(interpolate(&freqs, &db, 1e5), 12.0);
        assert_eq!(interpolate(&freqs, &db, 400.0), 12.0);
    }

    #[test]
    fn normalisation_at_a_frequency_or_over_a_band() {
        let c = FrCurve {
            name: "c".into(),
            freqs_hz: vec![100.0, 1000.0, 10_000.0],
            db: vec![70.0, 80.0, 90.0],
        };
        let at = Normalise::At(1000.0).apply(c.clone());
        assert_eq!(at.db, [-10.0, 0.0, 10.0]);
        // Symmetric band around 1 kHz in log frequency: the mean is the 1 kHz level.
        let mean = Normalise::Mean(100.0, 10_000.0).reference_db(&c);
        assert!((mean - 80.0).abs() < 1e-9, "{mean}");
        assert_eq!("300-3000".parse(), Ok(Normalise::Mean(300.0, 3000.0)));
        assert_eq!("500".parse(), Ok(Normalise::At(500.0)));
        assert!("3000-300".parse::<Normalise>().is_err());
        assert!("x".parse::<Normalise>().is_err());
    }
}
