//! Fractional-octave smoothing of a curve on a log grid: each point becomes the mean level
//! (dB) over a window 1/N octave wide centred on it, as graph tools and REW do. Psychoacoustic
//! smoothing widens the window in the bass and narrows it in the treble (REW's definition:
//! 1/3 octave below 100 Hz, 1/6 octave above 1 kHz, varying in between).

use super::FrCurve;

/// How much to smooth a curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Smoothing {
    /// Leave the curve as it is.
    None,
    /// A window of 1/N octave (3, 6, 12, 24, ...).
    Octave(u32),
    /// 1/3 octave below 100 Hz to 1/6 octave above 1 kHz (REW "psychoacoustic").
    Psychoacoustic,
}

/// Text that is not a smoothing, as the user wrote it (lower-cased).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a smoothing: use none, 1/3, 1/6, 1/12, 1/24 (1/1 to 1/96) or psy")]
pub struct NotASmoothing(pub String);

impl std::str::FromStr for Smoothing {
    type Err = NotASmoothing;

    /// `none`, `1/3`, `1/6`, `1/12`, `1/24` (any 1/N), or `psy`.
    fn from_str(s: &str) -> Result<Self, NotASmoothing> {
        let s = s.trim().to_ascii_lowercase();
        match s.as_str() {
            "none" | "0" => Ok(Smoothing::None),
            "psy" | "psycho" | "psychoacoustic" => Ok(Smoothing::Psychoacoustic),
            _ => {
                let n = s.strip_prefix("1/").unwrap_or(&s);
                match n.parse::<u32>() {
                    Ok(n) if (1..=96).contains(&n) => Ok(Smoothing::Octave(n)),
                    _ => Err(NotASmoothing(s)),
                }
            }
        }
    }
}

impl std::fmt::Display for Smoothing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Smoothing::None => write!(f, "no smoothing"),
            Smoothing::Octave(n) => write!(f, "1/{n} octave smoothing"),
            Smoothing::Psychoacoustic => write!(f, "psychoacoustic smoothing"),
        }
    }
}

impl Smoothing {
    /// Window width in octaves at `freq_hz`.
    pub fn width_octaves(&self, freq_hz: f64) -> f64 {
        match *self {
            Smoothing::None => 0.0,
            Smoothing::Octave(n) => 1.0 / f64::from(n),
            Smoothing::Psychoacoustic => {
                // Interpolate 1/3 → 1/6 octave linearly in log-frequency between 100 Hz and 1 kHz.
                let t = ((freq_hz / 100.0).log10()).clamp(0.0, 1.0);
                1.0 / 3.0 + t * (1.0 / 6.0 - 1.0 / 3.0)
            }
        }
    }

    /// `curve` smoothed. The curve must be on a log grid (as [`FrCurve::on_grid`] makes it);
    /// the window is truncated at the ends of the curve.
    pub fn apply(&self, curve: &FrCurve) -> FrCurve {
        let n = curve.db.len().min(curve.freqs_hz.len());
        let step_octaves = match curve.freqs_hz.as_slice() {
            [f0, f1, ..] => (f1 / f0).log2(),
            _ => 0.0,
        };
        if *self == Smoothing::None || n < 3 || !(step_octaves.is_finite() && step_octaves > 0.0) {
            return curve.clone();
        }
        // Prefix sums make each window mean O(1).
        let prefix: Vec<f64> = std::iter::once(0.0)
            .chain(curve.db.iter().scan(0.0, |sum, v| {
                *sum += v;
                Some(*sum)
            }))
            .collect();
        let db = curve
            .freqs_hz
            .iter()
            .take(n)
            .enumerate()
            .map(|(i, &f)| {
                let half = self.width_octaves(f) / 2.0;
                let k = (half / step_octaves).round() as usize;
                let lo = i.saturating_sub(k);
                let hi = i.saturating_add(k).min(n - 1);
                match (prefix.get(hi + 1), prefix.get(lo)) {
                    (Some(end), Some(start)) => (end - start) / (hi + 1 - lo) as f64,
                    _ => 0.0,
                }
            })
            .collect();
        FrCurve {
            name: curve.name.clone(),
            freqs_hz: curve.freqs_hz.clone(),
            db,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::fr::LogGrid;

    fn curve(f: impl Fn(f64) -> f64) -> FrCurve {
        let freqs = LogGrid::STANDARD.freqs();
        let db = freqs.iter().map(|&x| f(x)).collect();
        FrCurve {
            name: "c".into(),
            freqs_hz: freqs,
            db,
        }
    }

    #[test]
    fn smoothing_keeps_straight_lines_and_flattens_ripple() {
        // A tilt linear in log-frequency is unchanged away from the ends.
        let tilt = curve(|f| 3.0 * (f / 1000.0).log2());
        let s = Smoothing::Octave(3).apply(&tilt);
        for i in 20..tilt.db.len() - 20 {
            assert!((s.db[i] - tilt.db[i]).abs() < 1e-9);
        }
        // A ripple with a 1/6-octave period is averaged out by 1/6-octave smoothing.
        let ripple = curve(|f| 2.0 * (2.0 * std::f64::consts::PI * 6.0 * (f / 20.0).log2()).sin());
        let s = Smoothing::Octave(6).apply(&ripple);
        let peak = s.db[20..s.db.len() - 20]
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(peak < 0.3, "{peak}");
        assert_eq!(Smoothing::None.apply(&ripple), ripple);
    }

    #[test]
    fn psychoacoustic_is_wider_in_the_bass() {
        let p = Smoothing::Psychoacoustic;
        assert!((p.width_octaves(50.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!((p.width_octaves(5000.0) - 1.0 / 6.0).abs() < 1e-12);
        assert!(p.width_octaves(300.0) < 1.0 / 3.0 && p.width_octaves(300.0) > 1.0 / 6.0);
        assert_eq!("1/12".parse(), Ok(Smoothing::Octave(12)));
        assert_eq!("psy".parse(), Ok(Smoothing::Psychoacoustic));
        assert!("1/0".parse::<Smoothing>().is_err());
    }
}
