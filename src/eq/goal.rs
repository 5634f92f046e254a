//! What a fit aims at: the wanted EQ response and how much each frequency counts.

/// The response an EQ should have: a wanted level (dB) and a weight at each frequency.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// Frequencies (Hz), rising.
    pub freqs_hz: Vec<f64>,
    /// Wanted EQ gain at each frequency (dB).
    pub target_db: Vec<f64>,
    /// How much the error at each frequency counts (1 = fully).
    pub weights: Vec<f64>,
}

/// Highest frequency a filter is fitted to, as a fraction of the sample rate: just under
/// Nyquist, where every filter kind's response collapses towards it.
pub const REACH: f64 = 0.49;

impl Goal {
    /// `target_db` at `freqs_hz`, every point counting fully.
    pub fn even(freqs_hz: Vec<f64>, target_db: Vec<f64>) -> Self {
        Goal {
            weights: vec![1.0; freqs_hz.len()],
            freqs_hz,
            target_db,
        }
    }

    /// The points a filter at `rate` Hz can reach (below [`REACH`] × rate).
    pub fn reachable(&self, rate: f64) -> Goal {
        let keep: Vec<usize> = (0..self.freqs_hz.len())
            .filter(|&i| self.freqs_hz[i] < REACH * rate)
            .collect();
        Goal {
            freqs_hz: keep.iter().map(|&i| self.freqs_hz[i]).collect(),
            target_db: keep.iter().map(|&i| self.target_db[i]).collect(),
            weights: keep.iter().map(|&i| self.weights[i]).collect(),
        }
    }
}
