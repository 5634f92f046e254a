//! A closed range of allowed values with an optional step: what a device or a fit allows for
//! a band's frequency, gain or Q, and the snapping of values onto it.

use crate::dsp::BandSpec;

/// `band` with its frequency, gain (for kinds that have one) and Q snapped onto these ranges
/// and their steps: what a device or a fitting slot holds of it.
pub fn snap_band(band: &BandSpec, freq_hz: Range, gain_db: Range, q: Range) -> BandSpec {
    BandSpec {
        kind: band.kind,
        freq_hz: freq_hz.snap(band.freq_hz),
        gain_db: if band.kind.has_gain() {
            gain_db.snap(band.gain_db)
        } else {
            band.gain_db
        },
        q: q.snap(band.q),
    }
}

/// A closed range of allowed values with an optional quantisation step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Values are multiples of this step (none: continuous).
    pub step: Option<f64>,
}

impl Range {
    /// A continuous range.
    pub const fn new(min: f64, max: f64) -> Self {
        Range {
            min,
            max,
            step: None,
        }
    }

    /// A range whose values are multiples of `step`.
    pub const fn stepped(min: f64, max: f64, step: f64) -> Self {
        Range {
            min,
            max,
            step: Some(step),
        }
    }

    /// The nearest value the range can hold: clamped, then rounded to the step (and kept in
    /// range if rounding stepped outside it).
    pub fn snap(&self, value: f64) -> f64 {
        let clamped = value.clamp(self.min, self.max);
        match self.step {
            None => clamped,
            Some(step) => {
                let rounded = (clamped / step).round() * step;
                let inside = if rounded > self.max + 1e-9 {
                    rounded - step
                } else if rounded < self.min - 1e-9 {
                    rounded + step
                } else {
                    rounded
                };
                canonical(inside, step)
            }
        }
    }

    /// The largest value of the range at or below `value` (rounding down keeps headroom), or
    /// the range's minimum if none is.
    pub fn floor(&self, value: f64) -> f64 {
        let v = value.min(self.max);
        let floored = match self.step {
            Some(step) => ((v / step) + 1e-9).floor() * step,
            None => v,
        };
        self.snap(floored.max(self.min))
    }

    /// How many decimals a value on this range's step needs (None: continuous or not a
    /// decimal step). Writers print values with exactly this many decimals.
    pub fn decimals(&self) -> Option<usize> {
        self.step.and_then(step_decimals)
    }

    /// Whether `value` is inside the range and on its step (to within rounding error).
    pub fn holds(&self, value: f64) -> bool {
        let tolerance = 1e-9 * value.abs().max(1.0);
        value >= self.min - tolerance
            && value <= self.max + tolerance
            && self.step.is_none_or(|step| {
                let k = value / step;
                (k - k.round()).abs() < 1e-6
            })
    }
}

/// Decimal places of a step such as 0.1 or 0.01 (up to 6), if it is one.
fn step_decimals(step: f64) -> Option<usize> {
    (0..=6).find(|&d| {
        let scaled = step * 10f64.powi(d as i32);
        (scaled - scaled.round()).abs() < 1e-9
    })
}

/// `value` (a multiple of `step`) as the f64 nearest its decimal text, so that writing it
/// with the step's decimals and reading it back gives the identical number.
fn canonical(value: f64, step: f64) -> f64 {
    let value = if value == 0.0 { 0.0 } else { value };
    match step_decimals(step) {
        Some(d) => format!("{value:.d$}").parse().unwrap_or(value),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snap_clamps_and_quantises_within_range() {
        let r = Range::stepped(-12.0, 12.0, 0.5);
        assert_eq!(r.snap(3.26), 3.5);
        assert_eq!(r.snap(40.0), 12.0);
        assert!(r.holds(r.snap(-7.74)));
        assert!(!r.holds(3.3));
        let odd = Range::stepped(0.15, 6.4, 0.1);
        assert!(odd.snap(0.15) >= 0.15);
    }

    #[test]
    fn floor_rounds_down_onto_the_steps_within_range() {
        let r = Range::stepped(-12.0, 0.0, 0.1);
        assert_eq!(r.floor(-6.34), -6.4);
        assert_eq!(r.floor(-6.3), -6.3);
        assert_eq!(r.floor(2.0), 0.0);
        assert_eq!(r.floor(-40.0), -12.0);
        assert_eq!(Range::new(-3.0, 0.0).floor(-1.234), -1.234);
    }
}
