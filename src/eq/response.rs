//! Fast magnitude response of real biquads on a fixed frequency grid: the fitter evaluates
//! thousands of candidate filters, so sin²(ω/2) is computed once per grid point and |H|²
//! comes from the coefficients without complex arithmetic or trigonometry.
//!
//! |H|² is written in s = sin²(ω/2) rather than in cos ω and cos 2ω (RBJ Audio EQ Cookbook,
//! "magnitude response" note): for a band far below the sample rate the cos form subtracts
//! numbers near 1 to get values near 1e-10 and keeps only a few digits, which made the
//! fitter's derivatives for bands near 20–60 Hz wrong by up to 100 %.

use crate::dsp::{BandError, BandSpec, Coeffs};
use crate::fr::LogGrid;

use super::goal::REACH;

/// The frequencies EQ responses are fitted and compared on for filters at `rate` Hz: the
/// standard grid ([`LogGrid::STANDARD`], 20 Hz–20 kHz at 1/48 octave) below [`REACH`] × rate.
pub fn standard_freqs(rate: f64) -> Vec<f64> {
    LogGrid::STANDARD.freqs_below(REACH * rate)
}

/// dB per unit of ln |H|²: 10 / ln 10.
const DB_PER_NEPER_POWER: f64 = 10.0 / std::f64::consts::LN_10;

/// A frequency grid prepared for one sample rate.
#[derive(Clone, Debug)]
pub struct ResponseGrid {
    /// Grid frequencies (Hz).
    pub freqs_hz: Vec<f64>,
    /// Sample rate (Hz).
    pub rate: f64,
    /// sin²(ω/2) at each frequency.
    s: Vec<f64>,
}

impl ResponseGrid {
    /// Prepares `freqs_hz` for filters running at `rate` Hz.
    pub fn new(freqs_hz: &[f64], rate: f64) -> Self {
        ResponseGrid {
            freqs_hz: freqs_hz.to_vec(),
            rate,
            s: freqs_hz
                .iter()
                .map(|&f| (std::f64::consts::PI * f / rate).sin().powi(2))
                .collect(),
        }
    }

    /// The standard grid ([`standard_freqs`]) prepared for `rate` Hz.
    pub fn standard(rate: f64) -> Self {
        Self::new(&standard_freqs(rate), rate)
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.freqs_hz.len()
    }

    /// Whether the grid is empty.
    pub fn is_empty(&self) -> bool {
        self.freqs_hz.is_empty()
    }

    /// The coefficients of |H|² as polynomials in s = sin²(ω/2):
    /// `[n0, n1, n2, d0, d1, d2]` with |H|² = (n0 + n1·s + n2·s²) / (d0 + d1·s + d2·s²), where
    /// n0 = (b0 + b1 + b2)², n1 = −4·(b1·(b0 + b2) + 4·b0·b2), n2 = 16·b0·b2 (likewise for
    /// the a's, a0 = 1).
    pub fn power_poly(c: &Coeffs) -> [f64; 6] {
        let (b_sum, a_sum) = (c.b0 + c.b1 + c.b2, 1.0 + c.a1 + c.a2);
        [
            b_sum * b_sum,
            -4.0 * (c.b1 * (c.b0 + c.b2) + 4.0 * c.b0 * c.b2),
            16.0 * c.b0 * c.b2,
            a_sum * a_sum,
            -4.0 * (c.a1 * (1.0 + c.a2) + 4.0 * c.a2),
            16.0 * c.a2,
        ]
    }

    /// The numerator and denominator of |H|² of `poly` at every grid point.
    pub fn power_parts(&self, poly: &[f64; 6], num: &mut [f64], den: &mut [f64]) {
        for ((n, d), &s) in num.iter_mut().zip(den.iter_mut()).zip(&self.s) {
            *n = (poly[0] + s * (poly[1] + s * poly[2])).max(1e-30);
            *d = poly[3] + s * (poly[4] + s * poly[5]);
        }
    }

    /// d(dB)/dθ at every grid point, from the derivative `dpoly` of the |H|² polynomials with
    /// respect to θ and the current numerator and denominator: no logarithms needed.
    pub fn db_derivative(&self, dpoly: &[f64; 6], num: &[f64], den: &[f64], out: &mut [f64]) {
        let k = DB_PER_NEPER_POWER;
        for (j, (o, &s)) in out.iter_mut().zip(&self.s).enumerate() {
            let dn = dpoly[0] + s * (dpoly[1] + s * dpoly[2]);
            let dd = dpoly[3] + s * (dpoly[4] + s * dpoly[5]);
            *o = k * (dn / num[j] - dd / den[j]);
        }
    }

    /// Writes the magnitude (dB) of `c` at every grid point into `out`.
    pub fn coeffs_db(&self, c: &Coeffs, out: &mut [f64]) {
        let p = Self::power_poly(c);
        for (o, &s) in out.iter_mut().zip(&self.s) {
            let num = p[0] + s * (p[1] + s * p[2]);
            let den = p[3] + s * (p[4] + s * p[5]);
            // A notch reaches exactly zero; floor it rather than return -inf. One natural
            // log per point (glibc's log10 costs a log and more; most of a fit's time is here).
            *o = DB_PER_NEPER_POWER * (num.max(1e-30) / den).ln();
        }
    }

    /// Writes the magnitude (dB) of `band` at every grid point into `out`; a band that cannot
    /// run at this rate counts as flat (callers that must know check [`Coeffs::new`]).
    pub fn band_db_or_flat(&self, band: &BandSpec, out: &mut [f64]) {
        match Coeffs::new(band, self.rate) {
            Ok(c) => self.coeffs_db(&c, out),
            Err(_) => out.iter_mut().for_each(|v| *v = 0.0),
        }
    }

    /// The summed magnitude (dB) of `bands` at every grid point, a band that cannot run at
    /// this rate counting as flat.
    pub fn bands_db_or_flat(&self, bands: &[BandSpec]) -> Vec<f64> {
        let mut total = vec![0.0; self.len()];
        let mut one = vec![0.0; self.len()];
        for band in bands {
            self.band_db_or_flat(band, &mut one);
            total.iter_mut().zip(&one).for_each(|(t, v)| *t += v);
        }
        total
    }

    /// The magnitude (dB) of `band` at every grid point.
    pub fn band_db(&self, band: &BandSpec) -> Result<Vec<f64>, BandError> {
        let c = Coeffs::new(band, self.rate)?;
        let mut out = vec![0.0; self.len()];
        self.coeffs_db(&c, &mut out);
        Ok(out)
    }

    /// The summed magnitude (dB) of a chain of bands at every grid point.
    pub fn bands_db(&self, bands: &[BandSpec]) -> Result<Vec<f64>, BandError> {
        let mut total = vec![0.0; self.len()];
        let mut one = vec![0.0; self.len()];
        for band in bands {
            let c = Coeffs::new(band, self.rate)?;
            self.coeffs_db(&c, &mut one);
            total.iter_mut().zip(&one).for_each(|(t, v)| *t += v);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::FilterKind;
    use crate::fr::LogGrid;

    #[test]
    fn matches_the_complex_response_of_every_kind() {
        let freqs = LogGrid::new(20.0, 20_000.0, 6).freqs();
        let grid = ResponseGrid::new(&freqs, 44_100.0);
        for kind in FilterKind::ALL {
            let band = BandSpec {
                kind,
                freq_hz: 1234.0,
                gain_db: -7.5,
                q: 1.7,
            };
            let c = Coeffs::new(&band, 44_100.0).unwrap();
            let fast = grid.band_db(&band).unwrap();
            for (f, v) in freqs.iter().zip(fast) {
                let exact = c.response(*f, 44_100.0).db();
                // Deep in a stop band the |H|² form loses a few digits to cancellation.
                let tolerance = 1e-9 + 1e-5 * exact.abs();
                assert!(
                    (exact - v).abs() < tolerance,
                    "{kind:?} at {f}: {exact} vs {v}"
                );
            }
        }
    }

    #[test]
    fn derivatives_stay_exact_for_bands_far_below_the_rate() {
        // A 31.25 Hz bell at 48 kHz: in cos ω form, d(dB)/d(gain) came out twice too large.
        let freqs = LogGrid::STANDARD.freqs();
        let grid = ResponseGrid::new(&freqs, 48_000.0);
        let band = BandSpec::peaking(31.25, 4.9, std::f64::consts::SQRT_2);
        let poly = |gain_db: f64| {
            ResponseGrid::power_poly(&Coeffs::new(&BandSpec { gain_db, ..band }, 48_000.0).unwrap())
        };
        let (mut num, mut den, mut slope) = (
            vec![0.0; grid.len()],
            vec![0.0; grid.len()],
            vec![0.0; grid.len()],
        );
        grid.power_parts(&poly(4.9), &mut num, &mut den);
        let h = 1e-5;
        let (up, down) = (poly(4.9 + h), poly(4.9 - h));
        let dpoly: [f64; 6] = std::array::from_fn(|k| (up[k] - down[k]) / (2.0 * h));
        grid.db_derivative(&dpoly, &num, &den, &mut slope);
        let exact = |gain_db: f64, f: f64| {
            Coeffs::new(&BandSpec { gain_db, ..band }, 48_000.0)
                .unwrap()
                .response(f, 48_000.0)
                .db()
        };
        for (f, got) in freqs.iter().zip(slope) {
            let want = (exact(4.9 + 1e-3, *f) - exact(4.9 - 1e-3, *f)) / 2e-3;
            assert!((got - want).abs() < 1e-4, "{f} Hz: {got} vs {want}");
        }
    }
}
