//! Programme loudness (ITU-R BS.1770 / EBU R128, K-weighted, gated), through the ebur128
//! crate, for level-matching EQ profiles.

/// Integrated loudness in LUFS of interleaved stereo `samples` at `rate`; None for silence
/// (everything below the absolute gate) or an unusable rate.
pub fn integrated_lufs(samples: &[f32], rate: u32) -> Option<f64> {
    let mut meter = ebur128::EbuR128::new(2, rate, ebur128::Mode::I).ok()?;
    meter.add_frames_f32(samples).ok()?;
    meter.loudness_global().ok().filter(|l| l.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_1k_sine_in_both_channels_reads_about_minus_0_7_lufs() {
        // BS.1770: a 997 Hz sine at 0 dBFS in one channel reads -3.01 LUFS; in two, +0.0.
        let rate = 48_000;
        let samples: Vec<f32> = (0..rate * 5)
            .flat_map(|i| {
                let v = (std::f64::consts::TAU * 997.0 * f64::from(i) / f64::from(rate)).sin();
                [v as f32 * 0.5, v as f32 * 0.5]
            })
            .collect();
        let l = integrated_lufs(&samples, rate).unwrap();
        assert!((l - (-6.02)).abs() < 0.1, "{l}");
        assert_eq!(integrated_lufs(&vec![0.0; 96_000], rate), None);
    }
}
