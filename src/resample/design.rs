//! The anti-aliasing filter and block sizes of the FFT resampler.
//!
//! The filter is a Kaiser-windowed sinc whose transition band runs from `passband` of the
//! lower Nyquist frequency up to that Nyquist frequency, so nothing at or above it survives
//! (no images when upsampling, no aliases when downsampling). Its length follows from the
//! Kaiser estimate for the wanted attenuation and transition width. Its centre sits a whole
//! number of output frames in, so removing that many output frames maps sample positions
//! exactly.

use rustfft::FftPlanner;
use rustfft::num_complex::Complex;

/// Tuning of the FFT resampler; [`FftDesign::default`] is what [`super::StereoResampler::new`]
/// uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FftDesign {
    /// Stop-band attenuation of the anti-aliasing filter, dB.
    pub attenuation_db: f64,
    /// Passband edge as a fraction of the lower Nyquist frequency (0.91 of 22.05 kHz is
    /// 20.07 kHz); the stop band starts at that Nyquist frequency.
    pub passband: f64,
    /// Smallest input FFT size; blocks are about this long minus the filter length.
    pub fft_min: usize,
}

impl Default for FftDesign {
    fn default() -> Self {
        FftDesign {
            attenuation_db: 150.0,
            passband: 0.91,
            fft_min: 8192,
        }
    }
}

/// Everything the resampler needs, derived from the rates and an [`FftDesign`].
#[derive(Debug)]
pub(super) struct Plan {
    /// Input FFT size (a multiple of the rate pair's smallest input block).
    pub fft_in: usize,
    /// Output FFT size: `fft_in · to / from`.
    pub fft_out: usize,
    /// New input frames per FFT block.
    pub block_in: usize,
    /// Output frames per FFT block: `block_in · to / from`.
    pub block_out: usize,
    /// Output frames of delay (the filter's centre).
    pub delay: usize,
    /// The filter's spectrum at `fft_in` points, scaled by 1 / `fft_in` so that the inverse
    /// FFT restores the level.
    pub filter: Vec<Complex<f32>>,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The zeroth-order modified Bessel function of the first kind (power series).
pub(super) fn bessel_i0(x: f64) -> f64 {
    let q = x * x / 4.0;
    let (mut term, mut sum) = (1.0, 1.0);
    for k in 1..500 {
        term *= q / (k as f64 * k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// True when `n` has no prime factor above 7 (sizes rustfft handles fastest).
fn smooth(mut n: usize) -> bool {
    for p in [2, 3, 5, 7] {
        while n.is_multiple_of(p) {
            n /= p;
        }
    }
    n == 1
}

/// Plans a `from` → `to` Hz resampler (rates above 0 and different).
pub(super) fn plan(from: u32, to: u32, design: &FftDesign) -> Result<Plan, String> {
    if !(design.passband > 0.0 && design.passband < 1.0) {
        return Err(format!(
            "passband {} is not between 0 and 1",
            design.passband
        ));
    }
    if design.attenuation_db.is_nan() || design.attenuation_db < 20.0 {
        return Err(format!(
            "attenuation {} dB is below 20 dB",
            design.attenuation_db
        ));
    }
    let g = gcd(u64::from(from), u64::from(to));
    let (min_in, min_out) = ((u64::from(from) / g) as usize, (u64::from(to) / g) as usize);
    let (from_f, to_f) = (f64::from(from), f64::from(to));
    let nyquist = from_f.min(to_f) / 2.0;
    let (pass, stop) = (design.passband * nyquist, nyquist);
    // Kaiser's estimates: β for the attenuation, taps for the transition width.
    let a = design.attenuation_db;
    let beta = if a > 50.0 {
        0.1102 * (a - 8.7)
    } else if a > 21.0 {
        0.5842 * (a - 21.0).powf(0.4) + 0.07886 * (a - 21.0)
    } else {
        0.0
    };
    let width = (stop - pass) / from_f * 2.0 * std::f64::consts::PI;
    let half = ((a - 7.95) / (2.285 * width) / 2.0).max(1.0);
    // The centre is a whole number of output frames in.
    let delay = (half * to_f / from_f).ceil() as usize;
    let centre = delay as f64 * from_f / to_f;
    let taps = (centre + half).floor() as usize + 1;

    // Blocks: fft_in = j · min_in and block_in = (j − guard) · min_in, where the guard
    // blocks hold the filter's tail (block_in + taps − 1 ≤ fft_in, so the circular
    // convolution is linear) and j ≥ 2 · guard so that one block's tail never outlasts the
    // next block.
    let guard = (taps - 1).div_ceil(min_in).max(1);
    let mut j = (2 * guard).max(design.fft_min.div_ceil(min_in)).max(1);
    while !(smooth(j * min_in) && smooth(j * min_out)) {
        j += 1;
        if j > 1 << 20 {
            return Err("no suitable FFT size".into());
        }
    }
    let (fft_in, fft_out) = (j * min_in, j * min_out);
    if fft_in > 1 << 24 || fft_out > 1 << 24 {
        return Err("the rates share too small a common divisor".into());
    }
    let block_in = (j - guard) * min_in;
    let block_out = (j - guard) * min_out;

    // The windowed sinc, cut off halfway through the transition band, with unity gain at DC.
    let fc = (pass + stop) / 2.0 / from_f;
    let i0_beta = bessel_i0(beta);
    let mut h: Vec<f64> = (0..taps)
        .map(|n| {
            let t = n as f64 - centre;
            let r = t / (half + 1.0);
            if r.abs() >= 1.0 {
                return 0.0;
            }
            let x = 2.0 * std::f64::consts::PI * fc * t;
            let sinc = if t == 0.0 { 1.0 } else { x.sin() / x };
            2.0 * fc * sinc * bessel_i0(beta * (1.0 - r * r).sqrt()) / i0_beta
        })
        .collect();
    let dc: f64 = h.iter().sum();
    h.iter_mut().for_each(|v| *v /= dc);

    let mut spectrum: Vec<Complex<f64>> = vec![Complex::new(0.0, 0.0); fft_in];
    for (s, v) in spectrum.iter_mut().zip(&h) {
        s.re = *v;
    }
    FftPlanner::<f64>::new()
        .plan_fft_forward(fft_in)
        .process(&mut spectrum);
    let scale = 1.0 / fft_in as f64;
    let filter = spectrum
        .iter()
        .map(|c| Complex::new((c.re * scale) as f32, (c.im * scale) as f32))
        .collect();
    Ok(Plan {
        fft_in,
        fft_out,
        block_in,
        block_out,
        delay,
        filter,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_fit_the_filter() {
        for (from, to) in [
            (44100, 48000),
            (48000, 44100),
            (44100, 192000),
            (96000, 48000),
        ] {
            let p = plan(from, to, &FftDesign::default()).unwrap();
            assert_eq!(
                p.fft_in as u64 * u64::from(to),
                p.fft_out as u64 * u64::from(from)
            );
            assert_eq!(
                p.block_in as u64 * u64::from(to),
                p.block_out as u64 * u64::from(from)
            );
            assert!(2 * p.block_out >= p.fft_out, "{from}->{to}");
            assert!(p.block_in < p.fft_in);
        }
    }
}
