//! The 10-band ISO graphic EQ: octave-spaced peaking bands at fixed centres and a fixed Q.

use std::f64::consts::SQRT_2;

use crate::dsp::biquad::{BandError, BandSpec, Coeffs, Complex, FilterKind};
use crate::dsp::chain::EqChain;

/// Centre frequencies of the ten bands, in Hz (ISO 266 octave series from 31.25 Hz).
pub const ISO_BANDS_HZ: [f64; 10] = [
    31.25, 62.5, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0,
];

/// Q of every band: √2, i.e. one octave between the band edges (1/Q = 2·sinh(ln2/2 · 1 oct)),
/// so neighbouring bands meet near their half-gain points and a flat setting of all sliders
/// gives a smooth plateau. This is the Q AutoEQ and most 10-band graphic EQ apps use.
pub const GRAPHIC_Q: f64 = SQRT_2;

/// The ten peaking bands for the given slider gains (dB).
pub fn graphic_bands(gains_db: &[f64; 10]) -> [BandSpec; 10] {
    std::array::from_fn(|i| BandSpec {
        kind: FilterKind::Peaking,
        freq_hz: ISO_BANDS_HZ[i],
        gain_db: gains_db[i],
        q: GRAPHIC_Q,
    })
}

/// Coefficients of the ten bands at `sample_rate`. Bands at or above Nyquist (16 kHz at a
/// 32 kHz rate) cannot exist and are left out, which is reported as an error.
pub fn graphic_coeffs(gains_db: &[f64; 10], sample_rate: f64) -> Result<[Coeffs; 10], BandError> {
    let bands = graphic_bands(gains_db);
    let mut out = [Coeffs::IDENTITY; 10];
    for (dst, band) in out.iter_mut().zip(bands.iter()) {
        *dst = Coeffs::new(band, sample_rate)?;
    }
    Ok(out)
}

/// Combined response of the ten bands (no preamp) at `freq_hz`.
pub fn graphic_response(
    gains_db: &[f64; 10],
    freq_hz: f64,
    sample_rate: f64,
) -> Result<Complex, BandError> {
    let coeffs = graphic_coeffs(gains_db, sample_rate)?;
    Ok(coeffs.iter().fold(Complex::ONE, |acc, c| {
        acc * c.response(freq_hz, sample_rate)
    }))
}

/// A ready-to-run chain for a graphic EQ setting.
pub fn graphic_chain(
    gains_db: &[f64; 10],
    preamp_db: f64,
    sample_rate: f64,
) -> Result<EqChain, BandError> {
    let coeffs = graphic_coeffs(gains_db, sample_rate)?;
    let mut chain = EqChain::new(sample_rate);
    // Ten stages always fit: MAX_STAGES is at least 32.
    if chain.set_stages(&coeffs).is_err() {
        unreachable!("a chain holds at least ten stages");
    }
    chain.set_preamp_db(preamp_db);
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_slider_peaks_at_its_centre() {
        for i in 0..10 {
            let mut gains = [0.0; 10];
            gains[i] = 6.0;
            let at = |f| graphic_response(&gains, f, 48000.0).unwrap().db();
            let centre = at(ISO_BANDS_HZ[i]);
            assert!((centre - 6.0).abs() < 0.01, "band {i}: {centre}");
            // One octave away the band has fallen to well under half its gain in dB.
            if i > 0 {
                assert!(at(ISO_BANDS_HZ[i - 1]) < 2.0);
            }
        }
    }

    #[test]
    fn all_sliders_up_gives_a_smooth_plateau() {
        // Neighbouring bands overlap, so the plateau sits a little above the slider value and
        // ripples by about ±1 dB between centres.
        let gains = [6.0; 10];
        for i in 0..=300 {
            let f = 40.0 * 2f64.powf(i as f64 / 40.0); // 40 Hz … ~7.7 kHz
            let db = graphic_response(&gains, f, 48000.0).unwrap().db();
            assert!(db > 6.0 && db < 9.5, "{f} Hz: {db} dB");
        }
    }

    #[test]
    fn chain_matches_response() {
        let gains = [3.0, -2.0, 1.0, 0.0, 4.0, -6.0, 2.0, 0.5, -1.0, 5.0];
        let chain = graphic_chain(&gains, -5.0, 44100.0).unwrap();
        for f in [40.0, 400.0, 4000.0, 15000.0] {
            let want = graphic_response(&gains, f, 44100.0).unwrap().db() - 5.0;
            assert!((chain.response_db(crate::dsp::Channel::Left, f) - want).abs() < 1e-9);
        }
    }

    #[test]
    fn sixteen_k_band_needs_a_rate_above_32k() {
        assert!(graphic_coeffs(&[0.0; 10], 32000.0).is_err());
        assert!(graphic_coeffs(&[0.0; 10], 44100.0).is_ok());
    }
}
