//! The DSP maths checked from outside: FFT of the impulse response against the closed-form
//! response, and the f32-in/f32-out chain against a plain f64 reference.

use iemlab::dsp::{BandSpec, Coeffs, EqChain, FilterKind, graphic_chain};
use rustfft::{FftPlanner, num_complex::Complex32};

/// Runs an impulse through `chain` and returns the left channel's spectrum.
fn impulse_spectrum(chain: &mut EqChain, n: usize) -> Vec<Complex32> {
    let mut buf = vec![0.0f32; 2 * n];
    buf[0] = 1.0;
    buf[1] = 1.0;
    chain.process_interleaved(&mut buf);
    let mut spectrum: Vec<Complex32> = buf
        .iter()
        .step_by(2)
        .map(|&v| Complex32::new(v, 0.0))
        .collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut spectrum);
    spectrum
}

/// Largest disagreement (dB) between FFT and closed form over 20 Hz–20 kHz.
fn worst_db_error(chain: &EqChain, rate: f64, n: usize) -> f64 {
    let mut probe = chain.clone();
    let spectrum = impulse_spectrum(&mut probe, n);
    let mut worst = 0.0f64;
    for (k, bin) in spectrum.iter().enumerate().take(n / 2) {
        let f = k as f64 * rate / n as f64;
        if !(20.0..=20_000.0).contains(&f) {
            continue;
        }
        let want = chain.response(iemlab::dsp::Channel::Left, f).abs();
        let got = f64::from(bin.norm());
        // In a notch's null the dB scale explodes; compare linear magnitude there instead.
        let err = if want > 1e-3 {
            (20.0 * (got / want).log10()).abs()
        } else {
            ((got - want).abs() / 1e-3) * 0.01
        };
        worst = worst.max(err);
    }
    worst
}

#[test]
fn every_filter_kind_matches_its_closed_form_response() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        for kind in FilterKind::ALL {
            for (freq, gain, q) in [(1000.0, 6.0, 0.9), (60.0, -8.0, 2.5), (9000.0, 4.0, 0.5)] {
                let band = BandSpec {
                    kind,
                    freq_hz: freq,
                    gain_db: gain,
                    q,
                };
                let coeffs = Coeffs::new(&band, rate).unwrap();
                let chain = EqChain::with_stages(rate, 0.0, &[coeffs]).unwrap();
                let err = worst_db_error(&chain, rate, 1 << 17);
                assert!(
                    err < 0.01,
                    "{kind:?} {freq} Hz {gain} dB q {q} at {rate}: {err:.4} dB"
                );
            }
        }
    }
}

#[test]
fn a_full_chain_and_the_graphic_eq_match_their_responses() {
    let rate = 48_000.0;
    let bands: Vec<Coeffs> = FilterKind::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| {
            let band = BandSpec {
                kind,
                freq_hz: 50.0 * 2.2f64.powi(i as i32),
                gain_db: 3.0 - i as f64,
                q: 0.8,
            };
            Coeffs::new(&band, rate).unwrap()
        })
        .collect();
    let chain = EqChain::with_stages(rate, -3.0, &bands).unwrap();
    assert!(worst_db_error(&chain, rate, 1 << 17) < 0.01);
    let graphic = graphic_chain(
        &[4.0, -3.0, 2.0, 0.0, -6.0, 5.0, 1.0, -2.0, 3.0, -4.0],
        -2.0,
        rate,
    )
    .unwrap();
    assert!(worst_db_error(&graphic, rate, 1 << 17) < 0.01);
}

/// Textbook direct form I in f64: the reference the f32 chain must track.
fn reference_f64(c: &Coeffs, input: &[f64]) -> Vec<f64> {
    let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
    input
        .iter()
        .map(|&x| {
            let y = c.b0 * x + c.b1 * x1 + c.b2 * x2 - c.a1 * y1 - c.a2 * y2;
            (x2, x1, y2, y1) = (x1, x, y1, y);
            y
        })
        .collect()
}

#[test]
fn low_shelf_at_20_hz_and_192_khz_tracks_f64_reference_within_minus_100_db() {
    let rate = 192_000.0;
    let shelf = BandSpec {
        kind: FilterKind::LowShelf,
        freq_hz: 20.0,
        gain_db: 6.0,
        q: 0.707,
    };
    let c = Coeffs::new(&shelf, rate).unwrap();
    let frames = 192_000 * 2;
    // Bass-heavy test signal: 25 Hz sine plus white noise, as f32 (what the chain receives).
    let mut seed = 0x2545_f491u32;
    let input: Vec<f32> = (0..frames)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let noise = (f64::from(seed) / f64::from(u32::MAX) - 0.5) * 0.2;
            (0.5 * (2.0 * std::f64::consts::PI * 25.0 * i as f64 / rate).sin() + noise) as f32
        })
        .collect();
    let reference = reference_f64(&c, &input.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
    let mut chain = EqChain::with_stages(rate, 0.0, &[c]).unwrap();
    let mut stereo: Vec<f32> = input.iter().flat_map(|&v| [v, v]).collect();
    chain.process_interleaved(&mut stereo);
    let (mut err, mut sig) = (0.0f64, 0.0f64);
    for (i, r) in reference.iter().enumerate() {
        err += (f64::from(stereo[2 * i]) - r).powi(2);
        sig += r * r;
    }
    let error_db = 10.0 * (err / sig).log10();
    assert!(
        error_db < -100.0,
        "error {error_db:.1} dB relative to signal"
    );

    // The bar is one a naive f32 biquad (f32 coefficients and state) does not clear, so the
    // test tells precise state from imprecise.
    let (mut x1, mut x2, mut y1, mut y2) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    let (b0, b1, b2, a1, a2) = (
        c.b0 as f32,
        c.b1 as f32,
        c.b2 as f32,
        c.a1 as f32,
        c.a2 as f32,
    );
    let mut naive_err = 0.0f64;
    for (x, r) in input.iter().zip(&reference) {
        let y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
        (x2, x1, y2, y1) = (x1, *x, y1, y);
        naive_err += (f64::from(y) - r).powi(2);
    }
    let naive_db = 10.0 * (naive_err / sig).log10();
    assert!(
        naive_db > -100.0,
        "naive f32 biquad reached {naive_db:.1} dB"
    );
}
