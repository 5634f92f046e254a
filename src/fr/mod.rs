//! Layer 2: frequency-response (FR) measurements and target curves.
//!
//! A [`FrCurve`] is what a measurement file holds: frequencies (Hz, strictly rising) and levels
//! (dB). Files are read by [`parse`] (AutoEQ CSV, squig.link/CrinGraph text, REW exports),
//! put on a common log grid by [`grid`], levelled and smoothed by [`smooth`]; [`target`] holds
//! the built-in target curves and their tilt/bass-shelf adjustments; [`plot`] draws them.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

pub mod grid;
pub mod parse;
pub mod plot;
pub mod smooth;
pub mod target;

use std::path::PathBuf;

use crate::exit_status::ExitStatus;
use crate::problem::FileProblem;

pub use grid::{LogGrid, Normalise, NormaliseError};
pub use smooth::{NotASmoothing, Smoothing};
pub use target::{Target, TargetAdjust};

/// A frequency response: levels in dB at strictly rising frequencies in Hz.
#[derive(Clone, Debug, PartialEq)]
pub struct FrCurve {
    /// Display name (the file stem for a measurement, the target's name for a target).
    pub name: String,
    /// Frequencies in Hz, strictly rising, all > 0.
    pub freqs_hz: Vec<f64>,
    /// Level at each frequency in dB (SPL or relative).
    pub db: Vec<f64>,
}

/// Why a measurement or target could not be read or combined.
#[derive(Debug, thiserror::Error)]
pub enum FrError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}", path = .path.display())]
    Io {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is wrong: a line (bad number, NaN, frequencies out of order, ...) or the
    /// file as a whole (empty, too few points, too large).
    #[error(transparent)]
    Problem(#[from] FileProblem),
    /// A target name that is neither built in nor an existing file.
    #[error("unknown target '{name}': not a file, and not one of {known}")]
    UnknownTarget {
        /// What the user asked for.
        name: String,
        /// The built-in ids, comma separated.
        known: String,
    },
    /// Curves to be combined do not cover a common frequency range.
    #[error("cannot combine {what}: {message}")]
    Combine {
        /// What was being combined.
        what: String,
        /// Why not.
        message: String,
    },
}

/// Every failure to read or combine curves is the user's input: exit code 2.
impl ExitStatus for FrError {
    fn exit_code(&self) -> u8 {
        2
    }
}

impl FrCurve {
    /// Lowest and highest frequency measured.
    pub fn span_hz(&self) -> (f64, f64) {
        (
            self.freqs_hz.first().copied().unwrap_or(0.0),
            self.freqs_hz.last().copied().unwrap_or(0.0),
        )
    }

    /// This curve resampled onto `grid`. Where the file is denser than the grid (a
    /// full-resolution REW export has ~400 points per 1/48 octave at 10 kHz) the points within
    /// each grid cell are averaged; elsewhere the level is interpolated.
    pub fn on_grid(&self, grid: &LogGrid) -> FrCurve {
        let freqs = grid.freqs();
        let half_cell = 2f64.powf(0.5 / f64::from(grid.per_octave));
        let db = freqs
            .iter()
            .map(|&f| {
                let lo = self.freqs_hz.partition_point(|&x| x < f / half_cell);
                let hi = self.freqs_hz.partition_point(|&x| x < f * half_cell);
                match self.db.get(lo..hi) {
                    Some(cell) if cell.len() >= 2 => cell.iter().sum::<f64>() / cell.len() as f64,
                    _ => self.level_at(f),
                }
            })
            .collect();
        FrCurve {
            name: self.name.clone(),
            freqs_hz: freqs,
            db,
        }
    }

    /// The same curve with `offset_db` added everywhere.
    pub fn shifted(mut self, offset_db: f64) -> FrCurve {
        self.db.iter_mut().for_each(|v| *v += offset_db);
        self
    }
}

/// A measurement's name without its channel: "Crimson L" → "Crimson" (the name of an L/R
/// pair or average).
pub fn side_less(name: &str) -> String {
    name.strip_suffix(" L")
        .or_else(|| name.strip_suffix(" R"))
        .or_else(|| name.strip_suffix("_L"))
        .or_else(|| name.strip_suffix("_R"))
        .unwrap_or(name)
        .to_string()
}

/// Whether a measurement's name says it is a right channel ("Crimson R", "crimson_R").
pub fn is_right(name: &str) -> bool {
    name.ends_with(" R") || name.ends_with("_R")
}

/// The mean (in dB) of several curves on `grid`: left + right channel, or several
/// measurements of one IEM. Each must reach at least one octave into the grid.
pub fn average(curves: &[FrCurve], grid: &LogGrid, name: &str) -> Result<FrCurve, FrError> {
    let Some(first) = curves.first() else {
        return Err(FrError::Combine {
            what: name.to_string(),
            message: "no curves given".into(),
        });
    };
    if curves.len() == 1 {
        let mut one = first.on_grid(grid);
        one.name = name.to_string();
        return Ok(one);
    }
    for c in curves {
        let (lo, hi) = c.span_hz();
        if hi < grid.f_min * 2.0 || lo > grid.f_max / 2.0 {
            return Err(FrError::Combine {
                what: name.to_string(),
                message: format!(
                    "'{}' covers {lo:.0}–{hi:.0} Hz, outside the {:.0}–{:.0} Hz grid",
                    c.name, grid.f_min, grid.f_max
                ),
            });
        }
    }
    let freqs = grid.freqs();
    let n = curves.len() as f64;
    let db = freqs
        .iter()
        .map(|&f| curves.iter().map(|c| c.level_at(f)).sum::<f64>() / n)
        .collect();
    Ok(FrCurve {
        name: name.to_string(),
        freqs_hz: freqs,
        db,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn dense_measurements_are_averaged_per_grid_cell() {
        // A full-resolution export: 1 Hz steps with ±1 dB alternating ripple.
        let freqs: Vec<f64> = (1..=20_000).map(f64::from).collect();
        let db = (0..freqs.len())
            .map(|i| if i % 2 == 0 { 81.0 } else { 79.0 })
            .collect();
        let dense = FrCurve {
            name: "dense".into(),
            freqs_hz: freqs,
            db,
        };
        let g = dense.on_grid(&LogGrid::STANDARD);
        // Above ~3 kHz a 1/48-octave cell holds dozens of points: the ripple averages out.
        let top: Vec<f64> = g.db[g.db.len() - 100..].to_vec();
        assert!(top.iter().all(|v| (v - 80.0).abs() < 0.2), "{top:?}");
    }

    #[test]
    fn average_of_left_and_right_is_the_mean_in_db() {
        let grid = LogGrid::new(20.0, 20_000.0, 12);
        let l = FrCurve {
            name: "L".into(),
            freqs_hz: vec![10.0, 30_000.0],
            db: vec![80.0, 80.0],
        };
        let r = l.clone().shifted(-4.0);
        let avg = average(&[l, r], &grid, "avg").unwrap();
        assert!(avg.db.iter().all(|v| (v - 78.0).abs() < 1e-12));
        assert_eq!(avg.freqs_hz.len(), grid.len());
        assert!(average(&[], &grid, "none").is_err());
    }
}
