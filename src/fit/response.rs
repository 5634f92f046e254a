//! Fast magnitude response of real biquads on a fixed frequency grid: the fitter evaluates
//! thousands of candidate filters, so cos ω and cos 2ω are computed once per grid point and
//! |H|² comes from the coefficients without complex arithmetic or trigonometry.

use crate::dsp::{BandError, BandSpec, Coeffs};

/// A frequency grid prepared for one sample rate.
#[derive(Clone, Debug)]
pub struct ResponseGrid {
    /// Grid frequencies (Hz).
    pub freqs_hz: Vec<f64>,
    /// Sample rate (Hz).
    pub rate: f64,
    cos1: Vec<f64>,
    cos2: Vec<f64>,
}

impl ResponseGrid {
    /// Prepares `freqs_hz` for filters running at `rate` Hz.
    pub fn new(freqs_hz: &[f64], rate: f64) -> Self {
        let w = |f: f64| 2.0 * std::f64::consts::PI * f / rate;
        ResponseGrid {
            freqs_hz: freqs_hz.to_vec(),
            rate,
            cos1: freqs_hz.iter().map(|&f| w(f).cos()).collect(),
            cos2: freqs_hz.iter().map(|&f| (2.0 * w(f)).cos()).collect(),
        }
    }

    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.freqs_hz.len()
    }

    /// Whether the grid is empty.
    pub fn is_empty(&self) -> bool {
        self.freqs_hz.is_empty()
    }

    /// The coefficients of |H|² as polynomials in cos ω and cos 2ω:
    /// `[n0, n1, n2, d0, d1, d2]` with |H|² = (n0 + n1·cos ω + n2·cos 2ω) / (d0 + d1·cos ω + d2·cos 2ω).
    pub fn power_poly(c: &Coeffs) -> [f64; 6] {
        [
            c.b0 * c.b0 + c.b1 * c.b1 + c.b2 * c.b2,
            2.0 * (c.b0 * c.b1 + c.b1 * c.b2),
            2.0 * c.b0 * c.b2,
            1.0 + c.a1 * c.a1 + c.a2 * c.a2,
            2.0 * (c.a1 + c.a1 * c.a2),
            2.0 * c.a2,
        ]
    }

    /// The numerator and denominator of |H|² of `poly` at every grid point.
    pub fn power_parts(&self, poly: &[f64; 6], num: &mut [f64], den: &mut [f64]) {
        for (j, (n, d)) in num.iter_mut().zip(den.iter_mut()).enumerate() {
            let (c1, c2) = (self.cos1[j], self.cos2[j]);
            *n = (poly[0] + poly[1] * c1 + poly[2] * c2).max(1e-30);
            *d = poly[3] + poly[4] * c1 + poly[5] * c2;
        }
    }

    /// d(dB)/dθ at every grid point, from the derivative `dpoly` of the |H|² polynomials with
    /// respect to θ and the current numerator and denominator: no logarithms needed.
    pub fn db_derivative(&self, dpoly: &[f64; 6], num: &[f64], den: &[f64], out: &mut [f64]) {
        let k = 10.0 / std::f64::consts::LN_10;
        for (j, o) in out.iter_mut().enumerate() {
            let (c1, c2) = (self.cos1[j], self.cos2[j]);
            let dn = dpoly[0] + dpoly[1] * c1 + dpoly[2] * c2;
            let dd = dpoly[3] + dpoly[4] * c1 + dpoly[5] * c2;
            *o = k * (dn / num[j] - dd / den[j]);
        }
    }

    /// Writes the magnitude (dB) of `c` at every grid point into `out`.
    ///
    /// |H(e^{jω})|² = (b0² + b1² + b2² + 2(b0·b1 + b1·b2)·cos ω + 2·b0·b2·cos 2ω)
    ///              / (1 + a1² + a2² + 2(a1 + a1·a2)·cos ω + 2·a2·cos 2ω)
    pub fn coeffs_db(&self, c: &Coeffs, out: &mut [f64]) {
        let n0 = c.b0 * c.b0 + c.b1 * c.b1 + c.b2 * c.b2;
        let n1 = 2.0 * (c.b0 * c.b1 + c.b1 * c.b2);
        let n2 = 2.0 * c.b0 * c.b2;
        let d0 = 1.0 + c.a1 * c.a1 + c.a2 * c.a2;
        let d1 = 2.0 * (c.a1 + c.a1 * c.a2);
        let d2 = 2.0 * c.a2;
        for ((o, &c1), &c2) in out.iter_mut().zip(&self.cos1).zip(&self.cos2) {
            let num = n0 + n1 * c1 + n2 * c2;
            let den = d0 + d1 * c1 + d2 * c2;
            // A notch reaches exactly zero; floor it rather than return -inf.
            *o = 10.0 * (num.max(1e-30) / den).log10();
        }
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
}
