//! Magnitude responses on a log grid and a small least-squares fitter for band gains: what
//! the exporter uses to set fixed-frequency bands (a graphic EQ, or the bands left after
//! dropping some) so their combined response follows a target curve.

use crate::dsp::{BandSpec, Coeffs};
use crate::preset::Range;

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

/// Response in dB of one band at `freq_hz`; a band that cannot run at this rate counts as
/// flat (callers that need to know check [`Coeffs::new`] themselves).
pub fn band_db(band: &BandSpec, freq_hz: f64, sample_rate: f64) -> f64 {
    Coeffs::new(band, sample_rate).map_or(0.0, |c| c.response(freq_hz, sample_rate).db())
}

/// Combined response in dB of `bands` (no preamp) at `freq_hz`.
pub fn bands_db(bands: &[BandSpec], freq_hz: f64, sample_rate: f64) -> f64 {
    bands.iter().map(|b| band_db(b, freq_hz, sample_rate)).sum()
}

/// Sets the gains of `bands` (frequencies and Qs fixed) so that their combined response
/// follows `target` (dB at each `grid` point) in the least-squares sense, each gain kept
/// within `range`. Gauss–Newton on the dB responses: a bell's shape changes a little with
/// its gain, so a few linearised steps converge where one would not.
pub fn fit_gains(
    bands: &mut [BandSpec],
    target: &[f64],
    grid: &[f64],
    sample_rate: f64,
    range: Range,
) {
    let n = bands.len();
    if n == 0 {
        return;
    }
    const DELTA: f64 = 0.01;
    for _ in 0..8 {
        let columns: Vec<Vec<f64>> = bands
            .iter()
            .map(|b| grid.iter().map(|&f| band_db(b, f, sample_rate)).collect())
            .collect();
        let jacobian: Vec<Vec<f64>> = bands
            .iter()
            .zip(&columns)
            .map(|(b, now)| {
                let nudged = BandSpec {
                    gain_db: b.gain_db + DELTA,
                    ..*b
                };
                grid.iter()
                    .zip(now)
                    .map(|(&f, v)| (band_db(&nudged, f, sample_rate) - v) / DELTA)
                    .collect()
            })
            .collect();
        let residual: Vec<f64> = (0..grid.len())
            .map(|k| target[k] - columns.iter().map(|c| c[k]).sum::<f64>())
            .collect();
        let mut normal = vec![vec![0.0; n]; n];
        let mut rhs = vec![0.0; n];
        for i in 0..n {
            rhs[i] = dot(&jacobian[i], &residual);
            for j in i..n {
                let v = dot(&jacobian[i], &jacobian[j]);
                normal[i][j] = v;
                normal[j][i] = v;
            }
        }
        // A touch of ridge keeps bands the grid barely sees (e.g. above 20 kHz) from drifting.
        let ridge = 1e-6 * (0..n).map(|i| normal[i][i]).sum::<f64>() / n as f64 + 1e-12;
        for (i, row) in normal.iter_mut().enumerate() {
            row[i] += ridge;
        }
        let Some(step) = solve(normal, rhs) else {
            return;
        };
        let mut moved = 0f64;
        for (band, d) in bands.iter_mut().zip(step) {
            let next = (band.gain_db + d).clamp(range.min, range.max);
            moved = moved.max((next - band.gain_db).abs());
            band.gain_db = next;
        }
        if moved < 1e-4 {
            break;
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves the dense system `a · x = b` by Gaussian elimination with partial pivoting;
/// `None` when it is singular.
pub fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let factor = a[row][col] / a[col][col];
            if factor != 0.0 {
                let (upper, lower) = a.split_at_mut(row);
                for (x, p) in lower[0][col..].iter_mut().zip(&upper[col][col..]) {
                    *x -= factor * p;
                }
                b[row] -= factor * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::{GRAPHIC_Q, ISO_BANDS_HZ, graphic_bands};

    #[test]
    fn solve_recovers_a_known_solution() {
        let a = vec![
            vec![4.0, 1.0, 0.0],
            vec![1.0, 3.0, 1.0],
            vec![0.0, 1.0, 2.0],
        ];
        let x = solve(a, vec![6.0, 10.0, 8.0]).unwrap();
        for (got, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((got - want).abs() < 1e-12, "{x:?}");
        }
        assert!(solve(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]).is_none());
    }

    #[test]
    fn fit_gains_recovers_graphic_sliders() {
        let want = [5.0, 4.5, 3.0, 0.5, -1.5, -2.0, -0.5, 1.5, 3.0, 2.0];
        let grid = log_grid(48_000.0);
        let truth = graphic_bands(&want);
        let target: Vec<f64> = grid
            .iter()
            .map(|&f| bands_db(&truth, f, 48_000.0))
            .collect();
        let mut bands: Vec<BandSpec> = ISO_BANDS_HZ
            .iter()
            .map(|&f| BandSpec::peaking(f, 0.0, GRAPHIC_Q))
            .collect();
        fit_gains(
            &mut bands,
            &target,
            &grid,
            48_000.0,
            Range::new(-12.0, 12.0),
        );
        for (b, w) in bands.iter().zip(want) {
            assert!(
                (b.gain_db - w).abs() < 0.01,
                "{} Hz: {}",
                b.freq_hz,
                b.gain_db
            );
        }
    }
}
