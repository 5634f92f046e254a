//! One second-order filter section: its kind, its coefficients and its closed-form response.
//!
//! Coefficients are plain `Copy` data computed in f64 from a [`BandSpec`] and a sample rate;
//! the running state lives in [`crate::dsp::EqChain`], one per channel, so new coefficients
//! can be swapped in without touching (or resetting) the state.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

/// The filter shapes an EQ band can take (RBJ Audio EQ Cookbook).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    /// Bell boost or cut around `freq_hz`.
    Peaking,
    /// Shelf that boosts or cuts everything below `freq_hz`.
    LowShelf,
    /// Shelf that boosts or cuts everything above `freq_hz`.
    HighShelf,
    /// 12 dB/octave low pass.
    LowPass,
    /// 12 dB/octave high pass.
    HighPass,
    /// Band pass with 0 dB at its centre.
    BandPass,
    /// Band reject.
    Notch,
    /// Flat magnitude, phase shift around `freq_hz`.
    AllPass,
}

impl FilterKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [FilterKind; 8] = [
        FilterKind::Peaking,
        FilterKind::LowShelf,
        FilterKind::HighShelf,
        FilterKind::LowPass,
        FilterKind::HighPass,
        FilterKind::BandPass,
        FilterKind::Notch,
        FilterKind::AllPass,
    ];

    /// Whether the band's `gain_db` shapes the response (only bells and shelves have a gain).
    pub fn has_gain(self) -> bool {
        matches!(
            self,
            FilterKind::Peaking | FilterKind::LowShelf | FilterKind::HighShelf
        )
    }

    /// The name used in profile files (`type = "low_shelf"`).
    pub fn name(self) -> &'static str {
        match self {
            FilterKind::Peaking => "peaking",
            FilterKind::LowShelf => "low_shelf",
            FilterKind::HighShelf => "high_shelf",
            FilterKind::LowPass => "low_pass",
            FilterKind::HighPass => "high_pass",
            FilterKind::BandPass => "band_pass",
            FilterKind::Notch => "notch",
            FilterKind::AllPass => "all_pass",
        }
    }
}

/// One EQ band as a user writes it: shape, centre/corner frequency, gain and Q.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandSpec {
    /// Filter shape.
    pub kind: FilterKind,
    /// Centre (peaking, band pass, notch, all pass) or corner (shelves, low/high pass) frequency.
    pub freq_hz: f64,
    /// Gain in dB; ignored by kinds without a gain.
    pub gain_db: f64,
    /// Quality factor (for shelves, the cookbook's shelf Q; 0.707 is the steepest without overshoot).
    pub q: f64,
}

impl BandSpec {
    /// A peaking (bell) band.
    pub fn peaking(freq_hz: f64, gain_db: f64, q: f64) -> Self {
        BandSpec {
            kind: FilterKind::Peaking,
            freq_hz,
            gain_db,
            q,
        }
    }
}

/// Why a band cannot be turned into a stable filter at a given sample rate.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BandError {
    /// The frequency is not strictly between 0 and Nyquist.
    #[error("frequency {freq_hz} Hz is outside (0, {nyquist} Hz), the range at {rate} Hz")]
    Frequency {
        /// Requested frequency.
        freq_hz: f64,
        /// Half the sample rate.
        nyquist: f64,
        /// Sample rate.
        rate: f64,
    },
    /// Q must be positive and finite.
    #[error("q {0} must be a finite number above 0")]
    Q(f64),
    /// Gain must be finite.
    #[error("gain {0} dB is not a finite number")]
    Gain(f64),
}

/// Normalised biquad coefficients (a0 = 1): y = b0·x + b1·x₁ + b2·x₂ − a1·y₁ − a2·y₂.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coeffs {
    /// Feed-forward coefficient of x[n].
    pub b0: f64,
    /// Feed-forward coefficient of x[n-1].
    pub b1: f64,
    /// Feed-forward coefficient of x[n-2].
    pub b2: f64,
    /// Feedback coefficient of y[n-1].
    pub a1: f64,
    /// Feedback coefficient of y[n-2].
    pub a2: f64,
}

impl Coeffs {
    /// The identity filter (passes the signal unchanged).
    pub const IDENTITY: Coeffs = Coeffs {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// Coefficients for `band` at `sample_rate` Hz, after checking the band is realisable.
    pub fn new(band: &BandSpec, sample_rate: f64) -> Result<Coeffs, BandError> {
        let nyquist = sample_rate / 2.0;
        if !(band.freq_hz > 0.0 && band.freq_hz < nyquist) {
            return Err(BandError::Frequency {
                freq_hz: band.freq_hz,
                nyquist,
                rate: sample_rate,
            });
        }
        if !(band.q.is_finite() && band.q > 0.0) {
            return Err(BandError::Q(band.q));
        }
        if !band.gain_db.is_finite() {
            return Err(BandError::Gain(band.gain_db));
        }
        Ok(match band.kind {
            FilterKind::BandPass => band_pass(band, sample_rate),
            kind => from_cookbook(kind, band, sample_rate),
        })
    }

    /// Complex response H(e^{jω}) at `freq_hz` for a filter running at `sample_rate`.
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> Complex {
        let w = 2.0 * PI * freq_hz / sample_rate;
        // z^-1 and z^-2 on the unit circle.
        let z1 = Complex::from_polar(1.0, -w);
        let z2 = Complex::from_polar(1.0, -2.0 * w);
        let num = Complex::real(self.b0) + z1.scale(self.b1) + z2.scale(self.b2);
        let den = Complex::real(1.0) + z1.scale(self.a1) + z2.scale(self.a2);
        num / den
    }
}

/// Peaking, shelves, low/high pass, notch and all pass: the RBJ Audio EQ Cookbook formulas as
/// implemented by the `biquad` crate, evaluated in f64.
fn from_cookbook(kind: FilterKind, band: &BandSpec, sample_rate: f64) -> Coeffs {
    use biquad::{Coefficients, ToHertz, Type};
    let ty = match kind {
        FilterKind::Peaking => Type::PeakingEQ(band.gain_db),
        FilterKind::LowShelf => Type::LowShelf(band.gain_db),
        FilterKind::HighShelf => Type::HighShelf(band.gain_db),
        FilterKind::LowPass => Type::LowPass,
        FilterKind::HighPass => Type::HighPass,
        FilterKind::Notch => Type::Notch,
        FilterKind::AllPass | FilterKind::BandPass => Type::AllPass,
    };
    match Coefficients::<f64>::from_params(ty, sample_rate.hz(), band.freq_hz.hz(), band.q) {
        Ok(c) => Coeffs {
            b0: c.b0,
            b1: c.b1,
            b2: c.b2,
            a1: c.a1,
            a2: c.a2,
        },
        // Unreachable after the range checks in `Coeffs::new`; identity is the safe answer.
        Err(_) => Coeffs::IDENTITY,
    }
}

/// RBJ cookbook band pass, "constant 0 dB peak gain" variant: unity at the centre frequency,
/// which is what an EQ band should do (the `biquad` crate implements the peak-gain = Q variant).
fn band_pass(band: &BandSpec, sample_rate: f64) -> Coeffs {
    let w0 = 2.0 * PI * band.freq_hz / sample_rate;
    let alpha = w0.sin() / (2.0 * band.q);
    let a0 = 1.0 + alpha;
    Coeffs {
        b0: alpha / a0,
        b1: 0.0,
        b2: -alpha / a0,
        a1: -2.0 * w0.cos() / a0,
        a2: (1.0 - alpha) / a0,
    }
}

/// A complex number, just enough for frequency responses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// 1 + 0j, the response of an empty chain.
    pub const ONE: Complex = Complex { re: 1.0, im: 0.0 };

    /// A real number.
    pub fn real(re: f64) -> Self {
        Complex { re, im: 0.0 }
    }

    /// r·e^{jθ}.
    pub fn from_polar(r: f64, theta: f64) -> Self {
        Complex {
            re: r * theta.cos(),
            im: r * theta.sin(),
        }
    }

    /// Multiply by a real number.
    pub fn scale(self, k: f64) -> Self {
        Complex {
            re: self.re * k,
            im: self.im * k,
        }
    }

    /// Magnitude |z|.
    pub fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }

    /// Magnitude in dB (20·log10|z|).
    pub fn db(self) -> f64 {
        20.0 * self.abs().log10()
    }

    /// Phase in radians.
    pub fn arg(self) -> f64 {
        self.im.atan2(self.re)
    }
}

impl std::ops::Mul for Complex {
    type Output = Complex;
    fn mul(self, o: Complex) -> Complex {
        Complex {
            re: self.re * o.re - self.im * o.im,
            im: self.re * o.im + self.im * o.re,
        }
    }
}

impl std::ops::Div for Complex {
    type Output = Complex;
    fn div(self, o: Complex) -> Complex {
        let d = o.re * o.re + o.im * o.im;
        Complex {
            re: (self.re * o.re + self.im * o.im) / d,
            im: (self.im * o.re - self.re * o.im) / d,
        }
    }
}

impl std::ops::Add for Complex {
    type Output = Complex;
    fn add(self, o: Complex) -> Complex {
        Complex {
            re: self.re + o.re,
            im: self.im + o.im,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(kind: FilterKind, f: f64, g: f64, q: f64) -> BandSpec {
        BandSpec {
            kind,
            freq_hz: f,
            gain_db: g,
            q,
        }
    }

    #[test]
    fn peaking_hits_its_gain_at_centre() {
        let c = Coeffs::new(&band(FilterKind::Peaking, 1000.0, 6.0, 1.0), 48000.0).unwrap();
        assert!((c.response(1000.0, 48000.0).db() - 6.0).abs() < 1e-9);
        assert!(c.response(20.0, 48000.0).db().abs() < 0.05);
    }

    #[test]
    fn shelves_reach_their_gain_far_from_corner() {
        let ls = Coeffs::new(&band(FilterKind::LowShelf, 200.0, -4.0, 0.707), 48000.0).unwrap();
        assert!((ls.response(10.0, 48000.0).db() + 4.0).abs() < 0.01);
        assert!((ls.response(200.0, 48000.0).db() + 2.0).abs() < 0.01);
        let hs = Coeffs::new(&band(FilterKind::HighShelf, 8000.0, 3.0, 0.707), 48000.0).unwrap();
        assert!((hs.response(23000.0, 48000.0).db() - 3.0).abs() < 0.05);
    }

    #[test]
    fn band_pass_is_unity_at_centre_and_notch_is_deep() {
        let bp = Coeffs::new(&band(FilterKind::BandPass, 2000.0, 0.0, 2.0), 44100.0).unwrap();
        assert!(bp.response(2000.0, 44100.0).db().abs() < 1e-9);
        let n = Coeffs::new(&band(FilterKind::Notch, 2000.0, 0.0, 2.0), 44100.0).unwrap();
        assert!(n.response(2000.0, 44100.0).db() < -100.0);
        let ap = Coeffs::new(&band(FilterKind::AllPass, 2000.0, 0.0, 2.0), 44100.0).unwrap();
        for f in [20.0, 2000.0, 15000.0] {
            assert!(ap.response(f, 44100.0).db().abs() < 1e-9);
        }
    }

    #[test]
    fn rejects_unrealisable_bands() {
        let at = |f, q, g| Coeffs::new(&band(FilterKind::Peaking, f, g, q), 44100.0);
        assert!(matches!(
            at(0.0, 1.0, 0.0),
            Err(BandError::Frequency { .. })
        ));
        assert!(matches!(
            at(22050.0, 1.0, 0.0),
            Err(BandError::Frequency { .. })
        ));
        assert!(matches!(
            at(f64::NAN, 1.0, 0.0),
            Err(BandError::Frequency { .. })
        ));
        assert!(matches!(at(100.0, 0.0, 0.0), Err(BandError::Q(_))));
        assert!(matches!(
            at(100.0, 1.0, f64::INFINITY),
            Err(BandError::Gain(_))
        ));
    }
}
