use super::*;
use crate::fit::correction::correction;
use crate::preset::EqProfile;

use super::super::profile_json::{BandJson, ChannelJson};

fn bench() -> Bench {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/graphtool");
    Bench::new(vec![crate::db::Database::open(&dir).unwrap()])
}

fn fit_req(iem: &str) -> FitReq {
    serde_json::from_value(serde_json::json!({ "iem": iem })).unwrap()
}

fn tune() -> ProfileJson {
    let band = |kind: &str, freq_hz, gain_db, q| BandJson {
        kind: kind.into(),
        freq_hz,
        gain_db,
        q,
    };
    ProfileJson {
        name: "my tune".into(),
        preamp_db: -4.0,
        per_channel: false,
        left: ChannelJson {
            gain_db: 0.0,
            bands: vec![
                band("low_shelf", 105.0, 3.5, 0.7),
                band("peaking", 3000.0, -2.0, 1.4),
                band("peaking", 6200.0, -4.5, 4.0),
                band("high_shelf", 10_000.0, 1.5, 0.7),
            ],
        },
        right: ChannelJson::default(),
    }
}

#[test]
fn the_grid_is_a_48th_octave_from_20_hz_to_20_khz() {
    let g = grid();
    assert!((470..=490).contains(&g.len()), "{}", g.len());
    assert_eq!(g.first(), Some(&20.0));
    assert!((g[g.len() - 1] - 20_000.0).abs() < 1e-9);
    let step = g[1] / g[0];
    assert!((step.log2() - 1.0 / 48.0).abs() < 1e-3, "{step}");
    assert_eq!(bench().grid(), g.as_slice());
}

#[test]
fn search_finds_iems_by_any_word_and_lists_all_for_nothing() {
    let b = bench();
    let hits = b.search("p8");
    assert_eq!(
        hits,
        [SearchHit {
            name: "AFUL P8".into(),
            brand: "AFUL".into(),
            channels: "L/R",
        }]
    );
    let all = b.search("");
    assert!(all.len() >= 8, "{all:?}");
    assert!(
        all.iter()
            .any(|h| h.name == "Moondrop Chu" && h.channels == "mono")
    );
    // Every name a search gives is one the other calls take.
    for hit in &all {
        b.curve(&hit.name).unwrap();
    }
    assert!(b.search("nonesuch").is_empty());
}

#[test]
fn a_curve_has_both_channels_on_the_grid() {
    let b = bench();
    let c = b.curve("Crimson").unwrap();
    assert_eq!(c.name, "Symphonium Crimson");
    let right = c.right.as_ref().unwrap();
    assert_eq!(c.left.len(), b.grid().len());
    assert_eq!(right.len(), b.grid().len());
    let at_1k = b.grid().iter().position(|&f| f >= 1000.0).unwrap();
    assert!(c.left[at_1k].is_some_and(f64::is_finite));
    assert!(right[at_1k].is_some_and(f64::is_finite));
    assert_ne!(c.left, *right);
    let mono = b.curve("Chu").unwrap();
    assert!(mono.right.is_none());
    let unknown = b.curve("Crimsen").unwrap_err();
    assert_eq!(unknown.status, 404);
    assert!(unknown.message.contains("Symphonium Crimson"), "{unknown}");
}

#[test]
fn a_tilt_turns_the_target_about_1_khz() {
    let b = bench();
    let flat = b.target(&TargetReq::default()).unwrap();
    let tilted = b
        .target(&TargetReq {
            tilt: -1.0,
            ..TargetReq::default()
        })
        .unwrap();
    assert_eq!(flat.name, "Harman in-ear 2019");
    assert_eq!(flat.label, flat.name);
    assert_eq!(tilted.label, "Harman in-ear 2019 (tilt -1 dB/oct)");
    for ((f, a), b) in b.grid().iter().zip(&flat.db).zip(&tilted.db) {
        assert!((b - a + (f / 1000.0).log2()).abs() < 1e-9, "{f} Hz");
    }
    assert!(b.targets().iter().any(|t| t == "IEGems"));
    let db_target = b
        .target(&TargetReq {
            name: "IEGems".into(),
            ..TargetReq::default()
        })
        .unwrap();
    assert_eq!(db_target.db.len(), b.grid().len());
    let err = b
        .target(&TargetReq {
            name: "nonesuch".into(),
            ..TargetReq::default()
        })
        .unwrap_err();
    assert_eq!(err.status, 404);
    let err = b
        .target(&TargetReq {
            tilt: 7.0,
            ..TargetReq::default()
        })
        .unwrap_err();
    assert_eq!(err, ApiError::bad("tilt 7 is outside ±6"));
    // Query parameters come as text; the token is not the target's.
    let req: TargetReq = serde_urlencoded_like("name=df&tilt=-0.5&token=abc");
    assert_eq!((req.name.as_str(), req.tilt), ("df", -0.5));
}

/// A query string read as the server's query extractor reads it.
fn serde_urlencoded_like(query: &str) -> TargetReq {
    let map: serde_json::Map<String, serde_json::Value> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| {
            let value = v
                .parse::<f64>()
                .map_or_else(|_| v.into(), serde_json::Value::from);
            (k.to_string(), value)
        })
        .collect();
    serde_json::from_value(map.into()).unwrap()
}

#[test]
fn a_fit_to_the_target_lowers_the_error() {
    let b = bench();
    let fitted = b.fit(&fit_req("Crimson")).unwrap();
    // The error with no EQ: the correction's goal itself.
    let (name, mine) = b.measurements("Crimson").unwrap();
    let measured = crate::fr::average(&mine, &LogGrid::STANDARD, &name).unwrap();
    let target = Target::find("harman-ie-2019").unwrap().curve().unwrap();
    let c = correction(&measured, &target, &CorrectionOptions::default());
    let before = crate::fit::report(
        &c.goal,
        &vec![0.0; c.goal.freqs_hz.len()],
        Default::default(),
    );
    assert!(
        fitted.error_db < before.rms_low_db / 2.0,
        "{} vs {}",
        fitted.error_db,
        before.rms_low_db
    );
    assert_eq!(fitted.profile.left.bands.len(), 10);
    assert!(!fitted.profile.per_channel);
    assert!(
        fitted
            .line
            .starts_with("Symphonium Crimson to Harman in-ear 2019: 10 bands"),
        "{}",
        fitted.line
    );
    // The page loads what it gets back.
    fitted.profile.to_profile().unwrap();
}

#[test]
fn a_fit_to_another_iem_and_per_channel() {
    let b = bench();
    let mut req = fit_req("Crimson");
    req.other = Some("P8".into());
    req.bands = 6;
    let sim = b.fit(&req).unwrap();
    assert_eq!(sim.profile.name, "AFUL P8 on Symphonium Crimson");
    assert_eq!(sim.profile.left.bands.len(), 6);
    assert!(sim.error_db.is_finite());

    req.per_channel = true;
    let per = b.fit(&req).unwrap();
    assert!(per.profile.per_channel, "{per:?}");
    assert!(per.line.contains("left") && per.line.contains("right"));
    per.profile.to_profile().unwrap();

    req.iem = "Chu".into();
    assert_eq!(b.fit(&req).unwrap_err().status, 400);
    req.iem = "Nonesuch".into();
    assert_eq!(b.fit(&req).unwrap_err().status, 404);
}

#[test]
fn a_device_fit_holds_to_the_device() {
    let b = bench();
    let mut req = fit_req("Cantor");
    req.device = Some("rockbox".into());
    req.bands = 20;
    let fitted = b.fit(&req).unwrap();
    let profile = fitted.profile.to_profile().unwrap();
    let rockbox = device::find("rockbox").unwrap();
    let bands = profile.bands();
    assert_eq!(bands.len(), rockbox.max_bands());
    rockbox.check_kinds(&bands).unwrap();
    assert!(bands.iter().all(|band| rockbox.holds(band)), "{bands:?}");

    req.device = Some("wobble".into());
    let err = b.fit(&req).unwrap_err();
    assert!(err.message.contains("rockbox"), "{err}");
    req.device = Some("rockbox".into());
    req.graphic = true;
    assert_eq!(b.fit(&req).unwrap_err().status, 400);
    let mut req = fit_req("Cantor");
    req.max_gain_db = 31.0;
    assert_eq!(b.fit(&req).unwrap_err().status, 400);
    req.max_gain_db = 6.0;
    req.bands = 0;
    assert_eq!(b.fit(&req).unwrap_err().status, 400);
}

#[test]
fn a_profile_exports_to_every_format() {
    for format in formats() {
        let out = export(&ExportReq {
            profile: tune(),
            format: format.id.into(),
            channel: None,
        })
        .unwrap();
        assert!(!out.text.trim().is_empty(), "{}", format.id);
        assert!(
            out.deviation_db.is_finite() && out.deviation_db >= 0.0,
            "{}",
            format.id
        );
        assert_eq!(out.file_name, format!("my tune.{}", format.ext));
    }
    assert_eq!(formats().len(), FORMATS.len());
    assert!(devices().iter().any(|d| d.id == "rockbox" && d.bands == 10));
    let graphic = devices().into_iter().find(|d| d.id == "graphic10").unwrap();
    assert_eq!(graphic.freqs.map(|f| f.len()), Some(10));
}

#[test]
fn a_per_channel_profile_to_one_eq_needs_a_channel() {
    let mut per = tune();
    per.per_channel = true;
    per.right = ChannelJson {
        gain_db: -1.0,
        bands: per.left.bands[..2].to_vec(),
    };
    let mut req = ExportReq {
        profile: per,
        format: "rockbox".into(),
        channel: None,
    };
    let err = export(&req).unwrap_err();
    assert_eq!(err.status, 400);
    assert!(err.message.contains("per-channel"), "{err}");
    req.channel = Some(ChannelChoice::Mean);
    let mean = export(&req).unwrap();
    assert!(mean.notes.iter().any(|n| n.contains("mean")), "{mean:?}");
    req.format = "apo".into();
    req.channel = None;
    assert!(export(&req).unwrap().text.contains("Channel"));
    req.format = "nonesuch".into();
    assert!(export(&req).unwrap_err().message.contains("apo"));
    let req: ExportReq = serde_json::from_value(serde_json::json!({
        "profile": tune(), "format": "apo", "channel": "left"
    }))
    .unwrap();
    assert_eq!(req.channel, Some(ChannelChoice::Left));
}

#[test]
fn an_exported_apo_preset_imports_as_the_same_bands() {
    let out = export(&ExportReq {
        profile: tune(),
        format: "apo".into(),
        channel: None,
    })
    .unwrap();
    assert_eq!(out.deviation_db, 0.0);
    let back = import("my tune.txt", &out.text).unwrap();
    let want = tune().to_profile().unwrap();
    let got = back.to_profile().unwrap();
    assert_eq!(got.bands().len(), want.bands().len());
    for (g, w) in got.bands().iter().zip(want.bands()) {
        assert_eq!(g.kind, w.kind);
        assert!((g.freq_hz - w.freq_hz).abs() < 1e-6, "{g:?} {w:?}");
        assert!((g.gain_db - w.gain_db).abs() < 1e-6, "{g:?} {w:?}");
        assert!((g.q - w.q).abs() < 1e-3, "{g:?} {w:?}");
    }
    assert!((got.preamp_db - want.preamp_db).abs() < 1e-6);
    let _: &EqProfile = &got;

    let err = import("x.txt", "Include: /etc/passwd\n").unwrap_err();
    assert_eq!(err.status, 400);
    assert!(import("x.txt", "Filter 1: ON PK Fc wobble Hz Gain 1 dB Q 1\n").is_err());
}
