//! Quality measurements of a resampler's output, shared by the tests and the benchmark.
//!
//! Both analyse one channel with a Kaiser window (β = 20, side lobes about 190 dB down), so
//! leakage from the tone stays far below what is measured.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// Kaiser window β: side lobes far below −150 dB, main lobe ±6.5 bins.
const BETA: f64 = 20.0;

fn kaiser(len: usize) -> Vec<f64> {
    let i0 = super::design::bessel_i0;
    let i0_beta = i0(BETA);
    (0..len)
        .map(|n| {
            let r = 2.0 * n as f64 / (len - 1) as f64 - 1.0;
            i0(BETA * (1.0 - r * r).max(0.0).sqrt()) / i0_beta
        })
        .collect()
}

/// A stereo tone: `frames` frames of `freq` Hz at `level_db` dBFS on both channels.
pub fn tone(freq: f64, rate: u32, frames: usize, level_db: f64) -> Vec<f32> {
    let amp = 10f64.powf(level_db / 20.0);
    (0..frames)
        .flat_map(|i| {
            let v = (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() * amp;
            [v as f32, v as f32]
        })
        .collect()
}

/// The left channel of interleaved stereo.
pub fn left(interleaved: &[f32]) -> Vec<f64> {
    interleaved
        .iter()
        .step_by(2)
        .map(|&v| f64::from(v))
        .collect()
}

/// THD+N in dB of a tone at `freq` Hz in `signal` (mono, at `rate` Hz): the power in
/// 20 Hz–20 kHz outside ±12 bins of the tone, relative to the power within them, over a
/// 65536-point windowed FFT of the middle of the signal.
pub fn thd_n_db(signal: &[f64], rate: u32, freq: f64) -> f64 {
    const LEN: usize = 1 << 16;
    assert!(signal.len() >= LEN, "need at least {LEN} samples");
    let start = (signal.len() - LEN) / 2;
    let w = kaiser(LEN);
    let mut buf: Vec<Complex<f64>> = signal[start..start + LEN]
        .iter()
        .zip(&w)
        .map(|(s, w)| Complex::new(s * w, 0.0))
        .collect();
    FftPlanner::<f64>::new()
        .plan_fft_forward(LEN)
        .process(&mut buf);
    let bin_hz = f64::from(rate) / LEN as f64;
    let tone_bin = (freq / bin_hz).round() as usize;
    let (lo, hi) = (
        (20.0 / bin_hz).ceil() as usize,
        ((20_000.0 / bin_hz).floor() as usize).min(LEN / 2),
    );
    let (mut tone, mut rest) = (0.0, 0.0);
    for (k, c) in buf.iter().enumerate().take(hi + 1).skip(lo) {
        if k.abs_diff(tone_bin) <= 12 {
            tone += c.norm_sqr();
        } else {
            rest += c.norm_sqr();
        }
    }
    10.0 * (rest.max(1e-300) / tone).log10()
}

/// Amplitude of the `freq` Hz component of `signal` (mono, at `rate` Hz), from the windowed
/// middle of the signal.
pub fn amplitude(signal: &[f64], rate: u32, freq: f64) -> f64 {
    let len = signal.len().min(1 << 16);
    let start = (signal.len() - len) / 2;
    let w = kaiser(len);
    let step = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
    let (mut re, mut im) = (0.0, 0.0);
    for (i, (s, w)) in signal[start..start + len].iter().zip(&w).enumerate() {
        let phase = step * (start + i) as f64;
        re += s * w * phase.cos();
        im += s * w * phase.sin();
    }
    2.0 * re.hypot(im) / w.iter().sum::<f64>()
}

/// Frequencies the passband is checked at, 20 Hz to 20 kHz.
pub const PASSBAND_HZ: [f64; 12] = [
    20.0, 100.0, 1000.0, 5000.0, 10_000.0, 15_000.0, 17_000.0, 18_000.0, 19_000.0, 19_500.0,
    19_800.0, 20_000.0,
];

/// Gain in dB at each of [`PASSBAND_HZ`] of `convert` (interleaved stereo at `from` Hz in,
/// interleaved stereo at `to` Hz out), from tones at −6 dBFS.
pub fn passband_db(from: u32, to: u32, mut convert: impl FnMut(&[f32]) -> Vec<f32>) -> Vec<f64> {
    let frames = from as usize * 2;
    PASSBAND_HZ
        .iter()
        .map(|&f| {
            let input = tone(f, from, frames, -6.0);
            let out = convert(&input);
            let a_in = amplitude(&left(&input), from, f);
            let a_out = amplitude(&left(&out), to, f);
            20.0 * (a_out / a_in).log10()
        })
        .collect()
}
