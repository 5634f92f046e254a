//! Float samples to integers of a given width, with TPDF dither.
//!
//! Rounding a float signal to 16 or 24 bits without dither leaves an error that follows the
//! signal (distortion, and on fades a "grainy" tail). TPDF dither adds, before rounding, the
//! sum of two independent uniform values of ±½ LSB each: the error becomes a constant white
//! noise floor (½ LSB RMS with the rounding: −96 dBFS at 16 bits, −144 dBFS at 24) that no longer
//! depends on the signal. No noise shaping: the files go to players whose output stage is
//! unknown, and shaped noise pushed to 15–20 kHz is audible on sensitive IEMs at high gain.
//!
//! The noise comes from a small seeded generator, so a render is the same every time it runs.

/// Converts interleaved float samples (±1.0 = full scale) to `bits`-bit integers.
#[derive(Clone, Debug)]
pub struct Quantizer {
    scale: f32,
    max: i32,
    dither: bool,
    rng: u64,
}

impl Quantizer {
    /// A quantizer to `bits` (16, 24 or 32) bits, with TPDF dither when `dither`. Full
    /// scale is 2^(bits−1), as decoders (symphonia, ffmpeg, libFLAC) read it back, so a
    /// value survives the round trip exactly; +1.0 itself clips to the largest value.
    pub fn new(bits: u32, dither: bool, seed: u64) -> Quantizer {
        let max = ((1i64 << (bits - 1)) - 1) as i32;
        Quantizer {
            scale: (1i64 << (bits - 1)) as f32,
            max,
            dither,
            // Never zero: xorshift would stay there.
            rng: seed | 1,
        }
    }

    /// Whether dither is added.
    pub fn dithers(&self) -> bool {
        self.dither
    }

    /// Appends each sample of `samples` as an integer to `out`; values beyond full scale are
    /// clipped.
    pub fn quantize(&mut self, samples: &[f32], out: &mut Vec<i32>) {
        let (lo, hi) = (-f64::from(self.max) - 1.0, f64::from(self.max));
        let scale = f64::from(self.scale);
        out.reserve(samples.len());
        if self.dither {
            let q = |s: f32, d: f64| round(f64::from(s) * scale + d).clamp(lo, hi) as i32;
            let mut pairs = samples.chunks_exact(2);
            for pair in &mut pairs {
                let [d0, d1] = self.tpdf_pair();
                out.extend([q(pair[0], d0), q(pair[1], d1)]);
            }
            for &s in pairs.remainder() {
                out.push(q(s, self.tpdf_pair()[0]));
            }
        } else {
            out.extend(
                samples
                    .iter()
                    .map(|&s| round(f64::from(s) * scale).clamp(lo, hi) as i32),
            );
        }
    }

    /// Appends each sample as a little-endian integer of `width` bytes (2 or 3, or 4) to
    /// `out`: [`Quantizer::quantize`] straight to a WAV's data bytes.
    pub fn quantize_le(
        &mut self,
        samples: &[f32],
        width: usize,
        out: &mut Vec<i32>,
        bytes: &mut Vec<u8>,
    ) {
        out.clear();
        self.quantize(samples, out);
        let start = bytes.len();
        bytes.resize(start + out.len() * width, 0);
        for (dst, v) in bytes[start..].chunks_exact_mut(width).zip(out.iter()) {
            dst.copy_from_slice(&v.to_le_bytes()[..width]);
        }
    }

    /// Two independent TPDF values in LSBs (−1 to +1, triangular), one per channel of a
    /// frame: each the difference of two uniform values, all four 16-bit slices of one 64-bit
    /// xorshift step (a 1/65536-LSB grid, far finer than the noise it shapes).
    #[inline]
    fn tpdf_pair(&mut self) -> [f64; 2] {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        const UNIT: f64 = 1.0 / 65_536.0;
        let u = |shift: u32| f64::from((x >> shift) as u16) * UNIT;
        [u(48) - u(32), u(16) - u(0)]
    }
}

/// Rounds to the nearest integer, ties to even, in two additions: adding 1.5 · 2^52 leaves
/// no fraction bits, so the FPU's own rounding does the work. (`f64::round` is a library
/// call on CPUs without SSE4.1, which the portable x86-64 build assumes; this is 3× faster
/// there.) Exact for |x| < 2^51; samples are below 2^31.
#[inline]
fn round(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    (x + MAGIC) - MAGIC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_to_the_nearest_with_ties_to_even() {
        for (x, r) in [
            (0.4, 0.0),
            (0.5, 0.0),
            (1.5, 2.0),
            (-0.5, 0.0),
            (-1.5, -2.0),
            (2.6, 3.0),
        ] {
            assert_eq!(round(x), r, "{x}");
        }
        assert_eq!(round(8_388_607.4), 8_388_607.0);
        assert_eq!(round(-2_147_483_648.0), -2_147_483_648.0);
    }

    #[test]
    fn without_dither_full_scale_and_rounding_are_exact() {
        let mut q = Quantizer::new(16, false, 1);
        let mut out = Vec::new();
        q.quantize(&[1.0, -1.0, 1.6 / 32768.0, 0.5, 2.0, -2.0, 0.0], &mut out);
        assert_eq!(out, [32767, -32768, 2, 16384, 32767, -32768, 0]);
    }

    #[test]
    fn tpdf_is_triangular_between_minus_one_and_one_lsb_with_no_offset() {
        let mut q = Quantizer::new(16, true, 42);
        let n = 1_000_000;
        let pairs: Vec<[f64; 2]> = (0..n / 2).map(|_| q.tpdf_pair()).collect();
        let values: Vec<f64> = pairs.iter().flatten().copied().collect();
        assert!(values.iter().all(|v| (-1.0..=1.0).contains(v)));
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = values.iter().map(|&v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        // The two channels' values are independent.
        let cov = pairs.iter().map(|[a, b]| a * b).sum::<f64>() / (n / 2) as f64;
        assert!(cov.abs() < 2e-3, "covariance {cov}");
        assert!(mean.abs() < 2e-3, "mean {mean}");
        // Triangular on [−1, 1]: variance 1/6.
        assert!((var - 1.0 / 6.0).abs() < 2e-3, "variance {var}");
        // Triangular, not uniform: a quarter of the values lie beyond ±½ LSB (a half if uniform).
        let outer = values.iter().filter(|v| v.abs() > 0.5).count() as f64 / n as f64;
        assert!((outer - 0.25).abs() < 5e-3, "share beyond ±½ LSB {outer}");
    }

    #[test]
    fn dither_decorrelates_the_error_of_a_low_level_tone() {
        // A tone at −90 dBFS rounded to 16 bits: undithered, the error is the tone's
        // distortion (it repeats with the tone); dithered, it is noise with no tone in it.
        let rate = 48_000.0;
        let tone: Vec<f32> = (0..48_000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / rate).sin() * 3.16e-5)
            .collect();
        let correlation = |dither: bool| {
            let mut q = Quantizer::new(16, dither, 7);
            let mut out = Vec::new();
            q.quantize(&tone, &mut out);
            let err: Vec<f64> = out
                .iter()
                .zip(&tone)
                .map(|(&o, &t)| f64::from(o) / 32767.0 - f64::from(t))
                .collect();
            let dot: f64 = err.iter().zip(&tone).map(|(e, &t)| e * f64::from(t)).sum();
            let ee: f64 = err.iter().map(|e| e * e).sum();
            let tt: f64 = tone.iter().map(|&t| f64::from(t) * f64::from(t)).sum();
            (dot / (ee * tt).sqrt()).abs()
        };
        assert!(correlation(false) > 0.3, "{}", correlation(false));
        assert!(correlation(true) < 0.02, "{}", correlation(true));
    }

    #[test]
    fn the_same_seed_gives_the_same_output() {
        let input: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.01).sin() * 0.3).collect();
        let run = |seed| {
            let mut q = Quantizer::new(24, true, seed);
            let mut out = Vec::new();
            q.quantize(&input, &mut out);
            out
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }
}
