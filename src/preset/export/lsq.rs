//! The log grid deviations and the exporter's fits are evaluated on.

/// Points per octave of the grid deviations and fits are evaluated on.
pub const GRID_PER_OCTAVE: f64 = 48.0;

/// Frequencies from 20 Hz to 20 kHz (or just under Nyquist) at 1/48 octave.
pub fn log_grid(sample_rate: f64) -> Vec<f64> {
    let top = 20_000f64.min(sample_rate * 0.5 * 0.999);
    let steps = (GRID_PER_OCTAVE * (top / 20.0).log2()).floor() as usize;
    (0..=steps)
        .map(|i| 20.0 * 2f64.powf(i as f64 / GRID_PER_OCTAVE))
        .collect()
}
