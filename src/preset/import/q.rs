//! Q from the other ways presets give a filter's width: a bandwidth in octaves, or a shelf's
//! slope.

/// Q of a band `octaves` wide (the analog bandwidth relation Equalizer APO and CamillaDSP
/// documentation give: 1/Q = 2·sinh(ln 2 / 2 · BW)).
pub(super) fn q_from_bandwidth(octaves: f64) -> f64 {
    1.0 / (2.0 * (std::f64::consts::LN_2 / 2.0 * octaves).sinh())
}

/// Q of a band `octaves` wide at `freq_hz` for a filter running at `rate` Hz, with the
/// bandwidth measured on the digital filter's response, as Equalizer APO sets it (RBJ Audio
/// EQ Cookbook, "case: BW": α = sin ω0 · sinh(ln 2 / 2 · BW · ω0 / sin ω0); with α = sin ω0 /
/// 2Q that is 1/Q = 2·sinh(ln 2 / 2 · BW · ω0 / sin ω0)). Far below Nyquist it is
/// [`q_from_bandwidth`]; near it the same width takes a lower Q, and a different one at each rate.
pub(super) fn q_from_digital_bandwidth(octaves: f64, freq_hz: f64, rate: f64) -> f64 {
    let w0 = 2.0 * std::f64::consts::PI * freq_hz / rate;
    let warp = if w0.sin() > 0.0 { w0 / w0.sin() } else { 1.0 };
    1.0 / (2.0 * (std::f64::consts::LN_2 / 2.0 * octaves * warp).sinh())
}

/// Q of an RBJ shelf of `gain_db` with shelf slope `s` (1 = steepest without overshoot):
/// 1/Q = √((A + 1/A)(1/S − 1) + 2), A = 10^(gain/40) (RBJ Audio EQ Cookbook).
pub(super) fn q_from_shelf_slope(gain_db: f64, s: f64) -> f64 {
    let a = 10f64.powf(gain_db / 40.0);
    let inv = ((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0).max(1e-9).sqrt();
    1.0 / inv
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_and_slope_conversions_match_known_values() {
        // One octave is Q √2 (the graphic EQ's Q); S = 1 is Q 1/√2 for any gain.
        assert!((q_from_bandwidth(1.0) - std::f64::consts::SQRT_2).abs() < 1e-3);
        assert!((q_from_shelf_slope(6.0, 1.0) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
        // Far below Nyquist the digital width is the analog one; at 10 kHz and 48 kHz one
        // octave is Q 1.026 (ω0 / sin ω0 = 1.355).
        assert!(
            (q_from_digital_bandwidth(1.0, 100.0, 48_000.0) - q_from_bandwidth(1.0)).abs() < 1e-4
        );
        let q = q_from_digital_bandwidth(1.0, 10_000.0, 48_000.0);
        assert!((q - 1.026).abs() < 1e-3, "{q}");
    }
}
