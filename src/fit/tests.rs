//! Fitting checked from outside: fit-back of known EQs, the graphic least-squares optimum,
//! device constraints, refits, and simulation round trips.

use super::*;
use crate::dsp::{BandSpec, FilterKind};
use crate::eq::{Range, ResponseGrid};
use crate::fr::{FrCurve, LogGrid, Smoothing};
use crate::preset::device::DEVICES;
use crate::preset::device_fit::refit;

/// Deterministic pseudo-random numbers (xorshift64*), so every run fits the same curves.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

fn random_bands(rng: &mut Rng, count: usize) -> Vec<BandSpec> {
    (0..count)
        .map(|_| {
            BandSpec::peaking(
                (rng.range(40f64.ln(), 8000f64.ln())).exp(),
                rng.range(-8.0, 8.0),
                rng.range(0.5, 3.0),
            )
        })
        .collect()
}

fn flat_goal(target_db: Vec<f64>) -> Goal {
    let freqs = LogGrid::STANDARD.freqs();
    Goal {
        weights: vec![1.0; freqs.len()],
        freqs_hz: freqs,
        target_db,
    }
}

fn rms(a: &[f64], b: &[f64]) -> f64 {
    (a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64).sqrt()
}

#[test]
fn fit_back_recovers_a_random_peq_applied_to_a_flat_response() {
    let freqs = LogGrid::STANDARD.freqs();
    let grid = ResponseGrid::new(&freqs, 48_000.0);
    for seed in 1..=6u64 {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
        let known = random_bands(&mut rng, 5 + (seed as usize % 3));
        let known_db = grid.bands_db(&known).unwrap();
        // The measured IEM is flat; the target is flat plus the known EQ.
        let flat = FrCurve {
            name: "flat".into(),
            freqs_hz: freqs.clone(),
            db: vec![80.0; freqs.len()],
        };
        let target = FrCurve {
            name: "target".into(),
            freqs_hz: freqs.clone(),
            db: known_db.iter().map(|v| v + 80.0).collect(),
        };
        let opts = CorrectionOptions {
            smoothing: Smoothing::None,
            max_gain_db: 20.0,
            ..CorrectionOptions::default()
        };
        let c = correction(&flat, &target, &opts);
        let fitted = fit(&c.goal, EqLayout::Parametric(10), 48_000, "fit").unwrap();
        let got = grid.bands_db(&fitted.profile.bands()).unwrap();
        // Normalised at 1 kHz: compare shapes with the known EQ levelled the same way.
        let at_1k = crate::fr::grid::interpolate(&freqs, &known_db, 1000.0);
        let want: Vec<f64> = known_db.iter().map(|v| v - at_1k).collect();
        let e = rms(&got, &want);
        assert!(e < 0.5, "seed {seed}: {e:.3} dB RMS; {:?}", fitted.report);
        assert!(fitted.report.rms_low_db < 0.5);
    }
}

#[test]
fn graphic_fit_is_the_least_squares_optimum() {
    let freqs = LogGrid::STANDARD.freqs();
    let grid = ResponseGrid::new(&freqs, 48_000.0);
    let mut rng = Rng(42);
    // A wanted curve that sliders can nearly but not exactly make (random bells).
    let wanted = grid.bands_db(&random_bands(&mut rng, 6)).unwrap();
    let goal = flat_goal(wanted.clone());
    let fitted = fit(&goal, EqLayout::Graphic, 48_000, "g").unwrap();
    let EqShape::Graphic(gains) = fitted.profile.shape else {
        panic!("graphic expected");
    };
    let cost = |g: &[f64; 10]| {
        let got = grid.bands_db(&crate::dsp::graphic_bands(g)).unwrap();
        got.iter()
            .zip(&wanted)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
    };
    let best = cost(&gains);
    // No single slider move, nor a move of a neighbouring pair, lowers the squared error
    // (beyond the 0.01 dB rounding of saved gains).
    for i in 0..10 {
        for d in [-0.05, 0.05] {
            let mut g = gains;
            g[i] += d;
            assert!(cost(&g) >= best * (1.0 - 1e-4), "slider {i} {d:+}");
            if i < 9 {
                g[i + 1] -= d;
                assert!(cost(&g) >= best * (1.0 - 1e-4), "pair {i} {d:+}");
            }
        }
    }
    // And it beats reading each slider off the curve at its centre.
    let naive: [f64; 10] =
        std::array::from_fn(|i| crate::fr::grid::interpolate(&freqs, &wanted, ISO_BANDS_HZ[i]));
    assert!(best < cost(&naive) * 0.5, "{best} vs {}", cost(&naive));
}

#[test]
fn device_fits_always_respect_the_device() {
    let freqs = LogGrid::STANDARD.freqs();
    let grid = ResponseGrid::new(&freqs, 44_100.0);
    for seed in 1..=3u64 {
        let mut rng = Rng(seed * 7919);
        let mut bands = random_bands(&mut rng, 6);
        bands.push(BandSpec {
            kind: FilterKind::LowShelf,
            freq_hz: 90.0,
            gain_db: rng.range(-10.0, 15.0),
            q: 0.7,
        });
        let goal = flat_goal(grid.bands_db(&bands).unwrap());
        for device in DEVICES {
            let fitted = fit(&goal, EqLayout::Device(device, None), 44_100, "d").unwrap();
            let p = &fitted.profile;
            let out = p.bands();
            if let crate::preset::Layout::Curve { .. } = device.layout {
                // A curve format samples whatever response it is given: the fit is a plain
                // parametric one, exported as a curve.
                continue;
            }
            assert!(out.len() <= device.max_bands(), "{}", device.id);
            assert!(device.check_kinds(&out).is_ok(), "{}: {out:?}", device.id);
            for b in &out {
                assert!(device.holds(b), "{}: {b:?}", device.id);
            }
            assert!(
                device.preamp_db.holds(p.preamp_db),
                "{}: {}",
                device.id,
                p.preamp_db
            );
            if let crate::preset::Layout::Graphic { freqs_hz, q } = device.layout {
                assert!(
                    out.iter()
                        .zip(freqs_hz)
                        .all(|(b, f)| b.freq_hz == *f && b.q == q)
                );
            }
            // Saved and read back, it is a valid profile.
            let text = p.to_toml(None, None);
            let back = EqProfile::parse(&text, std::path::Path::new("d.toml")).unwrap();
            assert!(
                back.bands().iter().all(|b| device.holds(b)),
                "{}",
                device.id
            );
        }
    }
}

#[test]
fn refit_turns_any_profile_into_one_the_device_holds() {
    let mut rng = Rng(2024);
    let profile = EqProfile {
        name: "ten".into(),
        preamp_db: -7.0,
        shape: EqShape::Parametric(random_bands(&mut rng, 10)),
        channels: Default::default(),
        origin: None,
    };
    let freqs = LogGrid::STANDARD.freqs();
    let grid = ResponseGrid::new(&freqs, 48_000.0);
    let wanted = grid.bands_db(&profile.bands()).unwrap();
    for id in ["qudelix", "rockbox", "apo"] {
        let device = crate::preset::device::find(id).unwrap();
        let out = refit(&profile, device, 48_000).unwrap();
        let bands = out.bands();
        assert!(device.check_kinds(&bands).is_ok());
        assert!(bands.iter().all(|b| device.holds(b)), "{id}");
        let e = rms(&grid.bands_db(&bands).unwrap(), &wanted);
        assert!(e < 0.6, "{id}: {e:.2} dB RMS");
        assert!(out.preamp_db <= -7.0 + 1e-9 && device.preamp_db.holds(out.preamp_db));
    }
    let g = refit(
        &profile,
        crate::preset::device::find("graphic10").unwrap(),
        48_000,
    )
    .unwrap();
    assert!(matches!(g.shape, EqShape::Graphic(_)));
    // A band the rate cannot run is reported with its number.
    let mut bad = profile.clone();
    bad.shape = EqShape::Parametric(vec![
        BandSpec::peaking(1000.0, 1.0, 1.0),
        BandSpec::peaking(30_000.0, 1.0, 1.0),
    ]);
    let err = refit(&bad, crate::preset::device::find("apo").unwrap(), 48_000).unwrap_err();
    assert!(err.to_string().starts_with("band 2:"), "{err}");
}

#[test]
fn simulating_a_then_b_then_back_composes_to_flat() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fr");
    let a = FrCurve::load(&dir.join("Crimson L.txt")).unwrap();
    let b = FrCurve::load(&dir.join("P8 L.txt")).unwrap();
    let opts = CorrectionOptions {
        max_gain_db: 20.0,
        ..CorrectionOptions::default()
    };
    let ab = correction(&a, &b, &opts);
    let ba = correction(&b, &a, &opts);
    let fit_ab = fit(&ab.goal, EqLayout::Parametric(10), 48_000, "ab").unwrap();
    let fit_ba = fit(&ba.goal, EqLayout::Parametric(10), 48_000, "ba").unwrap();
    let freqs: Vec<f64> = ab
        .goal
        .freqs_hz
        .iter()
        .copied()
        .filter(|&f| f < 10_000.0)
        .collect();
    let grid = ResponseGrid::new(&freqs, 48_000.0);
    let sum: Vec<f64> = grid
        .bands_db(&fit_ab.profile.bands())
        .unwrap()
        .iter()
        .zip(grid.bands_db(&fit_ba.profile.bands()).unwrap())
        .map(|(x, y)| x + y)
        .collect();
    let e = rms(&sum, &vec![0.0; sum.len()]);
    assert!(e < 1.0, "A→B→A leaves {e:.2} dB RMS below 10 kHz");
}

#[test]
fn preamp_keeps_the_profile_from_boosting() {
    let p = EqProfile {
        name: "b".into(),
        preamp_db: 0.0,
        shape: EqShape::Parametric(vec![BandSpec::peaking(1000.0, 4.04, 1.0)]),
        channels: Default::default(),
        origin: None,
    };
    assert!((p.safe_preamp_db(48_000, None) + 4.1).abs() < 1e-9);
    let r = Range::stepped(-3.0, 0.0, 0.5);
    assert_eq!(p.safe_preamp_db(48_000, Some(r)), -3.0);
    let cut = EqProfile {
        shape: EqShape::Parametric(vec![BandSpec::peaking(1000.0, -4.0, 1.0)]),
        ..p
    };
    assert_eq!(cut.safe_preamp_db(48_000, None), 0.0);
}
