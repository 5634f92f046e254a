//! The optimiser behind every fit: Levenberg–Marquardt over the bands' frequency (log), gain
//! and Q (log), minimising the weighted squared error between the summed dB response of the
//! *real* biquads at the playback rate (or at several rates at once) and the wanted curve, with
//! box limits per parameter; then, for devices that store values in steps, a coordinate search
//! over the quantised values.
//!
//! AutoEQ (`autoeq/peq.py`, `PEQ.optimize`) fits the same error with scipy's SLSQP and a
//! numeric gradient over all filters and takes about a second per headphone; here each band's
//! Jacobian columns touch only that band's own response, and |H|² is evaluated without trig
//! (see [`super::response`]), so a 10-band fit takes milliseconds.

use crate::dsp::{BandSpec, Coeffs, FilterKind};

use super::goal::Goal;
use super::linalg::solve;
use super::range::{Range, snap_band};
use super::response::ResponseGrid;

/// Dot product with four independent sums, so the compiler can keep them in SIMD lanes
/// (a single running sum is a serial chain of additions). Most of a fit's time is here.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// What one band of a fit may be: its filter kind and the ranges (and steps) of its values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slot {
    /// Filter kind (fixed during the fit).
    pub kind: FilterKind,
    /// Allowed centre/corner frequencies (Hz).
    pub freq_hz: Range,
    /// Allowed gains (dB).
    pub gain_db: Range,
    /// Allowed Q.
    pub q: Range,
}

impl Slot {
    /// `band` clamped (not quantised) into this slot's ranges, with the slot's kind.
    pub fn clamp(&self, band: &BandSpec) -> BandSpec {
        BandSpec {
            kind: self.kind,
            freq_hz: band.freq_hz.clamp(self.freq_hz.min, self.freq_hz.max),
            gain_db: if self.kind.has_gain() {
                band.gain_db.clamp(self.gain_db.min, self.gain_db.max)
            } else {
                0.0
            },
            q: band.q.clamp(self.q.min, self.q.max),
        }
    }

    /// `band` snapped onto this slot's ranges and steps, with the slot's kind.
    pub fn snap(&self, band: &BandSpec) -> BandSpec {
        let band = BandSpec {
            kind: self.kind,
            gain_db: if self.kind.has_gain() {
                band.gain_db
            } else {
                0.0
            },
            ..*band
        };
        snap_band(&band, self.freq_hz, self.gain_db, self.q)
    }
}

/// The fitting problem: grids, wanted curve, weights and slots.
pub struct Problem<'a> {
    /// One grid per sample rate the bands must hold at; the goal's points are theirs in turn.
    grids: &'a [ResponseGrid],
    /// Number of points of all grids together.
    len: usize,
    target: &'a [f64],
    sqrt_w: Vec<f64>,
    slots: &'a [Slot],
    gain_penalty: f64,
}

/// Parameter `p` of a band: 0 = ln f, 1 = gain, 2 = ln q.
fn get(band: &BandSpec, p: usize) -> f64 {
    match p {
        0 => band.freq_hz.ln(),
        1 => band.gain_db,
        _ => band.q.ln(),
    }
}

fn set(band: &mut BandSpec, p: usize, v: f64) {
    match p {
        0 => band.freq_hz = v.exp(),
        1 => band.gain_db = v,
        _ => band.q = v.exp(),
    }
}

/// Bounds of parameter `p` of a slot, in the optimiser's units.
fn bounds(slot: &Slot, p: usize) -> (f64, f64) {
    match p {
        0 => (slot.freq_hz.min.ln(), slot.freq_hz.max.ln()),
        1 if slot.kind.has_gain() => (slot.gain_db.min, slot.gain_db.max),
        1 => (0.0, 0.0),
        _ => (slot.q.min.ln(), slot.q.max.ln()),
    }
}

impl<'a> Problem<'a> {
    /// A problem over `goal` evaluated on `grid` (the same frequencies) with `slots`.
    pub fn new(grid: &'a ResponseGrid, goal: &'a Goal, slots: &'a [Slot]) -> Self {
        Self::joint(std::slice::from_ref(grid), goal, slots)
    }

    /// A problem over several grids at once, typically the same frequencies at several sample
    /// rates, so the bands fitted hold at each of them: the error is summed over every point of
    /// every grid, and `goal` holds the points of `grids[0]`, then those of `grids[1]`, …
    pub fn joint(grids: &'a [ResponseGrid], goal: &'a Goal, slots: &'a [Slot]) -> Self {
        Problem {
            grids,
            len: grids.iter().map(ResponseGrid::len).sum(),
            target: &goal.target_db,
            sqrt_w: goal.weights.iter().map(|w| w.max(0.0).sqrt()).collect(),
            slots,
            gain_penalty: 0.0,
        }
    }

    /// Adds `penalty` × Σ gain² to the error (Tikhonov regularisation): among fits that are
    /// nearly as good, the one with smaller gains wins, so two large bells of opposite sign
    /// do not fight over one region. Zero (off) by default.
    pub fn with_gain_penalty(mut self, penalty: f64) -> Self {
        self.gain_penalty = penalty.max(0.0);
        self
    }

    fn penalty(&self, bands: &[BandSpec]) -> f64 {
        self.gain_penalty * bands.iter().map(|b| b.gain_db * b.gain_db).sum::<f64>()
    }

    /// Each grid with the range of its points among all the problem's points.
    fn segments(&self) -> impl Iterator<Item = (&ResponseGrid, std::ops::Range<usize>)> {
        self.grids.iter().scan(0, |start, grid| {
            let range = *start..*start + grid.len();
            *start = range.end;
            Some((grid, range))
        })
    }

    /// Response (dB) of one band on the grids, one after the other; an unrealisable band
    /// counts as flat (the ranges keep the optimiser away from those anyway).
    pub fn band_response(&self, band: &BandSpec, out: &mut [f64]) {
        for (grid, range) in self.segments() {
            grid.band_db_or_flat(band, &mut out[range]);
        }
    }

    /// |H|² polynomials of `band` at `grid`'s rate (flat for an unrealisable band, as in
    /// `band_db`).
    fn poly(grid: &ResponseGrid, band: &BandSpec) -> [f64; 6] {
        let c = Coeffs::new(band, grid.rate).unwrap_or(Coeffs::IDENTITY);
        ResponseGrid::power_poly(&c)
    }

    fn responses(&self, bands: &[BandSpec]) -> Vec<Vec<f64>> {
        bands
            .iter()
            .map(|b| {
                let mut r = vec![0.0; self.len];
                self.band_response(b, &mut r);
                r
            })
            .collect()
    }

    fn cost_of(&self, responses: &[Vec<f64>]) -> f64 {
        (0..self.len)
            .map(|j| {
                let model: f64 = responses.iter().map(|r| r[j]).sum();
                let e = self.sqrt_w[j] * (model - self.target[j]);
                e * e
            })
            .sum()
    }

    /// Weighted sum of squared errors of `bands`.
    pub fn cost(&self, bands: &[BandSpec]) -> f64 {
        self.cost_of(&self.responses(bands)) + self.penalty(bands)
    }

    /// Levenberg–Marquardt from `bands` (one per slot, already inside the slots' ranges).
    pub fn optimise(&self, bands: &mut [BandSpec], max_iterations: usize) {
        let m = self.len;
        let mut responses = self.responses(bands);
        let mut cost = self.cost_of(&responses) + self.penalty(bands);
        let mut lambda = 1e-3;
        let mut stalls = 0;
        let mut column = vec![0.0; m];
        let (mut num, mut den) = (vec![0.0; m], vec![0.0; m]);
        let mut history: Vec<f64> = Vec::new();
        for _ in 0..max_iterations {
            history.push(cost);
            // Stop when ten steps together gained less than 0.1 %: the fit is creeping
            // (nearly redundant bands), and what is left is far below audibility.
            if history.len() > 10 && history[history.len() - 11] - cost < 1e-3 * cost {
                break;
            }
            // Weighted residual e_j = √w_j (model_j − target_j).
            let residual: Vec<f64> = (0..m)
                .map(|j| {
                    let model: f64 = responses.iter().map(|r| r[j]).sum();
                    self.sqrt_w[j] * (model - self.target[j])
                })
                .collect();
            // Jacobian columns of the free parameters: the derivative of the real biquad's
            // |H|² polynomials by a central difference of its coefficients (six numbers per
            // parameter), then d(dB) = 10/ln10 · (dN/N − dD/D) at each point (exact chain rule).
            let mut params: Vec<(usize, usize)> = Vec::new();
            let mut jac: Vec<Vec<f64>> = Vec::new();
            for (i, (band, slot)) in bands.iter().zip(self.slots).enumerate() {
                for (grid, range) in self.segments() {
                    let poly = Self::poly(grid, band);
                    grid.power_parts(&poly, &mut num[range.clone()], &mut den[range]);
                }
                for p in 0..3 {
                    let (lo, hi) = bounds(slot, p);
                    if hi - lo < 1e-12 {
                        continue;
                    }
                    let x = get(band, p);
                    let h = 1e-5;
                    let (mut up, mut down) = (*band, *band);
                    set(&mut up, p, x + h);
                    set(&mut down, p, x - h);
                    for (grid, range) in self.segments() {
                        let (pu, pd) = (Self::poly(grid, &up), Self::poly(grid, &down));
                        let dpoly: [f64; 6] = std::array::from_fn(|k| (pu[k] - pd[k]) / (2.0 * h));
                        let (n, d) = (&num[range.clone()], &den[range.clone()]);
                        grid.db_derivative(&dpoly, n, d, &mut column[range]);
                    }
                    let col: Vec<f64> = (0..m).map(|j| self.sqrt_w[j] * column[j]).collect();
                    let mut grad: f64 = dot(&col, &residual);
                    if p == 1 {
                        grad += self.gain_penalty * x;
                    }
                    // Active set: a parameter on its bound that the gradient pushes outward
                    // stays where it is this step.
                    if (x <= lo + 1e-12 && grad > 0.0) || (x >= hi - 1e-12 && grad < 0.0) {
                        continue;
                    }
                    params.push((i, p));
                    jac.push(col);
                }
            }
            let k = params.len();
            if k == 0 {
                break;
            }
            let mut jtj = vec![0.0; k * k];
            let mut jte = vec![0.0; k];
            for a in 0..k {
                jte[a] = dot(&jac[a], &residual);
                // The penalty's rows: √penalty · gain, derivative √penalty.
                let (i, p) = params[a];
                if p == 1 {
                    jte[a] += self.gain_penalty * bands[i].gain_db;
                    jtj[a * k + a] += self.gain_penalty;
                }
                for b in a..k {
                    let v = dot(&jac[a], &jac[b]);
                    jtj[a * k + b] += v;
                    if b != a {
                        jtj[b * k + a] += v;
                    }
                }
            }
            let mut improved = false;
            while lambda < 1e10 {
                let mut a = jtj.clone();
                for d in 0..k {
                    a[d * k + d] += lambda * jtj[d * k + d] + 1e-9;
                }
                let mut b: Vec<f64> = jte.iter().map(|v| -v).collect();
                let Some(step) = solve(&mut a, &mut b, k) else {
                    lambda *= 4.0;
                    continue;
                };
                let mut trial = bands.to_vec();
                for (&(i, p), d) in params.iter().zip(&step) {
                    let (lo, hi) = bounds(&self.slots[i], p);
                    let v = (get(&trial[i], p) + d).clamp(lo, hi);
                    set(&mut trial[i], p, v);
                }
                let trial_responses = self.responses(&trial);
                let trial_cost = self.cost_of(&trial_responses) + self.penalty(&trial);
                if trial_cost < cost {
                    let gain = (cost - trial_cost) / cost.max(1e-300);
                    bands.copy_from_slice(&trial);
                    responses = trial_responses;
                    cost = trial_cost;
                    lambda = (lambda / 3.0).max(1e-9);
                    stalls = if gain < 1e-5 { stalls + 1 } else { 0 };
                    improved = true;
                    break;
                }
                lambda *= 4.0;
            }
            if !improved || stalls >= 3 {
                break;
            }
        }
    }

    /// Moves every band onto its slot's steps, then searches the neighbouring steps of each
    /// stepped value (±1, 2, 4 … 32 steps) while that lowers the error.
    pub fn quantise(&self, bands: &mut [BandSpec]) {
        for (band, slot) in bands.iter_mut().zip(self.slots) {
            *band = slot.snap(band);
        }
        let stepped = |slot: &Slot, p: usize| match p {
            0 => slot.freq_hz.step,
            1 if slot.kind.has_gain() => slot.gain_db.step,
            1 => None,
            _ => slot.q.step,
        };
        if !self
            .slots
            .iter()
            .any(|s| (0..3).any(|p| stepped(s, p).is_some()))
        {
            return;
        }
        let mut responses = self.responses(bands);
        let mut cost = self.cost_of(&responses) + self.penalty(bands);
        for _ in 0..6 {
            let mut any = false;
            for i in 0..bands.len() {
                let slot = self.slots[i];
                for p in 0..3 {
                    let Some(step) = stepped(&slot, p) else {
                        continue;
                    };
                    for mult in [1.0, 2.0, 4.0, 8.0, 16.0, 32.0] {
                        for sign in [-1.0, 1.0] {
                            let mut trial = bands[i];
                            let raw = match p {
                                0 => trial.freq_hz,
                                1 => trial.gain_db,
                                _ => trial.q,
                            } + sign * mult * step;
                            match p {
                                0 => trial.freq_hz = raw,
                                1 => trial.gain_db = raw,
                                _ => trial.q = raw,
                            }
                            let trial = slot.snap(&trial);
                            if trial == bands[i] {
                                continue;
                            }
                            let mut r = vec![0.0; self.len];
                            self.band_response(&trial, &mut r);
                            let old = std::mem::replace(&mut responses[i], r);
                            let c = self.cost_of(&responses)
                                + self.penalty(bands)
                                + self.gain_penalty
                                    * (trial.gain_db.powi(2) - bands[i].gain_db.powi(2));
                            if c < cost - 1e-12 {
                                cost = c;
                                bands[i] = trial;
                                any = true;
                            } else {
                                responses[i] = old;
                            }
                        }
                    }
                }
            }
            if !any {
                break;
            }
        }
    }
}
