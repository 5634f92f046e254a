//! `iemlab export` and `iemlab import`: golden files for every format and shipped profile,
//! the response of every exported file read back, round trips, exactness inside a device's
//! limits, malformed imports and the command line.
//!
//! Regenerate the golden files after an intended change with
//! `IEMLAB_BLESS=1 cargo test --release --test tests export::`, then review the diff.

use std::path::{Path, PathBuf};

use iemlab::dsp::{BandSpec, Channel, FilterKind};
use iemlab::preset::device::{self, Layout};
use iemlab::preset::export::{self, DEFAULT_TOLERANCE_DB, EXPORT_RATE, FORMATS, Held};
use iemlab::preset::import;
use iemlab::preset::profile::ChannelEq;
use iemlab::preset::{EqProfile, EqShape};
use predicates::prelude::*;

use crate::harness::{data, iemlab, repo, temp_dir};

const PROFILES: [&str; 5] = [
    "flat",
    "bass-boost",
    "treble-tame",
    "v-shape-graphic",
    "bench-10-band",
];

fn shipped(name: &str) -> EqProfile {
    EqProfile::load(&repo(&format!("presets/eq/{name}.toml"))).unwrap()
}

fn golden_path(profile: &str, format: &export::Format) -> PathBuf {
    repo(&format!(
        "tests/golden/{profile}.{}.{}",
        format.id, format.extension
    ))
}

#[test]
fn golden_files_match_byte_for_byte() {
    let bless = std::env::var("IEMLAB_BLESS").is_ok_and(|v| v == "1");
    let mut mismatches = Vec::new();
    for name in PROFILES {
        let profile = shipped(name);
        for format in FORMATS {
            let text = export::export(&profile, format, DEFAULT_TOLERANCE_DB)
                .unwrap_or_else(|e| panic!("{name} → {}: {e}", format.id))
                .text;
            let path = golden_path(name, format);
            if bless {
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(text.as_bytes()) {
                mismatches.push(path.display().to_string());
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "differ from golden (IEMLAB_BLESS=1 to regenerate): {mismatches:#?}"
    );
}

#[test]
fn the_command_line_prints_the_golden_bytes() {
    let format = export::find("rockbox").unwrap();
    let want = std::fs::read(golden_path("bench-10-band", format)).unwrap();
    iemlab()
        .arg("export")
        .arg(repo("presets/eq/bench-10-band.toml"))
        .args(["--format", "rockbox"])
        .assert()
        .success()
        .stdout(want)
        .stderr(predicate::str::contains("worst deviation 0.47 dB"));
}

/// What an exported file holds, read back from its text the way each app reads it.
fn read_back(format: &str, text: &str) -> Held {
    let mut held = Held {
        name: String::new(),
        preamp_db: 0.0,
        slots: Vec::new(),
        curve: Vec::new(),
    };
    let number = |s: &str| -> f64 { s.trim().parse().unwrap_or_else(|_| panic!("{s:?}")) };
    match format {
        "graphiceq" | "wavelet" | "jamesdsp" => {
            let line = text.lines().find(|l| l.starts_with("GraphicEQ:")).unwrap();
            held.curve = line["GraphicEQ:".len()..]
                .split(';')
                .map(|pair| {
                    let mut it = pair.split_whitespace();
                    (number(it.next().unwrap()), number(it.next().unwrap()))
                })
                .collect();
        }
        "apo" | "qudelix" | "fiio" | "camilladsp" => {
            let imported = import::parse(text, Path::new("read-back.txt")).unwrap();
            held.preamp_db = imported.profile.preamp_db;
            held.slots = imported.profile.bands().into_iter().map(Some).collect();
        }
        "rockbox" => {
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                let (key, value) = line.split_once(':').unwrap();
                if key == "eq enabled" {
                    assert_eq!(value.trim(), "on");
                    continue;
                }
                let values: Vec<f64> = value.split(',').map(number).collect();
                let kind = match key {
                    "eq precut" => {
                        held.preamp_db = -values[0] / 10.0;
                        continue;
                    }
                    "eq low shelf filter" => FilterKind::LowShelf,
                    "eq high shelf filter" => FilterKind::HighShelf,
                    _ => FilterKind::Peaking,
                };
                held.slots.push(Some(BandSpec {
                    kind,
                    freq_hz: values[0],
                    q: values[1] / 10.0,
                    gain_db: values[2] / 10.0,
                }));
            }
        }
        "poweramp" => {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            let preset = &json[0];
            assert_eq!(preset["parametric"], true);
            held.preamp_db = preset["preamp"].as_f64().unwrap();
            for band in preset["bands"].as_array().unwrap() {
                assert_eq!(band["channels"], 0);
                held.slots.push(Some(BandSpec {
                    kind: match band["type"].as_i64().unwrap() {
                        0 => FilterKind::LowShelf,
                        1 => FilterKind::HighShelf,
                        _ => FilterKind::Peaking,
                    },
                    freq_hz: band["frequency"].as_f64().unwrap(),
                    gain_db: band["gain"].as_f64().unwrap(),
                    q: band["q"].as_f64().unwrap(),
                }));
            }
        }
        "easyeffects" => {
            let json: serde_json::Value = serde_json::from_str(text).unwrap();
            let eq = &json["output"]["equalizer#0"];
            assert_eq!(eq["left"], eq["right"]);
            held.preamp_db = eq["input-gain"].as_f64().unwrap();
            let n = eq["num-bands"].as_u64().unwrap();
            for i in 0..n {
                let band = &eq["left"][format!("band{i}")];
                assert_eq!(band["mode"], "APO (DR)");
                let kind = match band["type"].as_str().unwrap() {
                    "Bell" => FilterKind::Peaking,
                    "Lo-shelf" => FilterKind::LowShelf,
                    "Hi-shelf" => FilterKind::HighShelf,
                    other => panic!("{other}"),
                };
                held.slots.push(Some(BandSpec {
                    kind,
                    freq_hz: band["frequency"].as_f64().unwrap(),
                    gain_db: band["gain"].as_f64().unwrap(),
                    q: band["q"].as_f64().unwrap(),
                }));
            }
        }
        "csv" => {
            for row in text.lines().skip(1) {
                let cells: Vec<&str> = row.split(',').collect();
                if cells[0] == "preamp" {
                    held.preamp_db = number(cells[2]);
                    continue;
                }
                let kind = match cells[0] {
                    "peaking" => FilterKind::Peaking,
                    "low_shelf" => FilterKind::LowShelf,
                    "high_shelf" => FilterKind::HighShelf,
                    other => panic!("{other}"),
                };
                held.slots.push(Some(BandSpec {
                    kind,
                    freq_hz: number(cells[1]),
                    gain_db: number(cells[2]),
                    q: number(cells[3]),
                }));
            }
        }
        other => panic!("no reader for {other}"),
    }
    held
}

#[test]
fn every_exported_file_read_back_is_within_the_reported_deviation() {
    for name in PROFILES {
        let profile = shipped(name);
        for format in FORMATS {
            let exported = export::export(&profile, format, DEFAULT_TOLERANCE_DB).unwrap();
            let back = read_back(format.id, &exported.text);
            let (dev, at) = export::deviation(&profile, &back, EXPORT_RATE).unwrap();
            assert!(
                dev <= exported.deviation_db + 1e-6,
                "{name} → {}: file is {dev} dB off at {at} Hz, reported {}",
                format.id,
                exported.deviation_db
            );
            assert!(exported.deviation_db <= DEFAULT_TOLERANCE_DB);
        }
    }
}

#[test]
fn parametric_formats_round_trip_exactly() {
    for id in ["apo", "qudelix", "fiio", "camilladsp"] {
        let format = export::find(id).unwrap();
        for name in PROFILES {
            let profile = shipped(name);
            let first = export::export(&profile, format, DEFAULT_TOLERANCE_DB).unwrap();
            let imported = import::parse(&first.text, Path::new("x.txt"))
                .unwrap()
                .profile;
            assert_eq!(imported.preamp_db, first.held[0].preamp_db, "{name} {id}");
            assert_eq!(imported.bands(), first.held[0].bands(), "{name} {id}");
            assert_eq!(
                imported.name, profile.name,
                "{name} {id}: the name comes back"
            );
            let again = export::export(&imported, format, 0.0).unwrap();
            assert_eq!(again.text, first.text, "{name} {id}");
            assert_eq!(again.deviation_db, 0.0, "{name} {id}");
        }
    }
    // Profiles inside APO's and CamillaDSP's limits come back identical.
    for name in ["flat", "bass-boost", "treble-tame", "bench-10-band"] {
        let profile = shipped(name);
        for id in ["apo", "camilladsp"] {
            let text = export::export(&profile, export::find(id).unwrap(), 0.0)
                .unwrap()
                .text;
            let imported = import::parse(&text, Path::new("x.txt")).unwrap().profile;
            assert_eq!(
                (imported.preamp_db, imported.bands()),
                (profile.preamp_db, profile.bands()),
                "{name} {id}"
            );
        }
    }
}

/// A per-channel profile: two shared bands under -6.1 dB, then the left's own peak and the
/// right's trim, shelf and peak.
const PER_CHANNEL: &str = r#"version = 1
name = "per channel"
preamp_db = -6.1
bands = [
  { type = "low_shelf", freq_hz = 105, gain_db = 4.5, q = 0.7 },
  { type = "peaking", freq_hz = 1000, gain_db = -2.2, q = 1.4 },
]
[left]
gain_db = 0
bands = [ { type = "peaking", freq_hz = 3000, gain_db = 1.5, q = 2 } ]
[right]
gain_db = -0.7
bands = [
  { type = "high_shelf", freq_hz = 8000, gain_db = -2, q = 0.7 },
  { type = "peaking", freq_hz = 5500, gain_db = -3.1, q = 4 },
]
"#;

#[test]
fn camilladsp_exports_import_and_export_again_to_the_same_bytes() {
    let format = export::find("camilladsp").unwrap();
    let per_channel = EqProfile::parse(PER_CHANNEL, Path::new("per-channel.toml")).unwrap();
    assert!(per_channel.is_per_channel());
    for profile in [shipped("bass-boost"), shipped("bench-10-band"), per_channel] {
        let name = profile.name.clone();
        let first = export::export(&profile, format, 0.0).unwrap();
        let imported = import::parse(&first.text, Path::new("x.yml"))
            .unwrap()
            .profile;
        assert_eq!(imported.name, name);
        assert_eq!(
            imported.is_per_channel(),
            profile.is_per_channel(),
            "{name}"
        );
        for channel in Channel::BOTH {
            let (want, got) = (profile.channel_eq(channel), imported.channel_eq(channel));
            assert_eq!(got.bands, want.bands, "{name} {channel:?}");
            assert!(
                (got.gain_db - want.gain_db).abs() < 1e-12,
                "{name} {channel:?}"
            );
        }
        if profile.is_per_channel() {
            // The same shared bands, each channel's own and its trim (-0.7, not -0.70…02).
            assert_eq!(imported, profile);
        }
        let again = export::export(&imported, format, 0.0).unwrap();
        assert_eq!(again.text, first.text, "{name}");
    }
    // Each channel's filters run in a step of its own.
    let text = export::export(
        &EqProfile::parse(PER_CHANNEL, Path::new("p.toml")).unwrap(),
        format,
        0.0,
    )
    .unwrap()
    .text;
    for line in [
        "  iemlab_left_preamp:\n    type: Gain\n    parameters:\n      gain: -6.1\n",
        "  iemlab_right_band_4:\n    type: Biquad\n    parameters:\n      type: Peaking\n      freq: 5500\n",
        "  - type: Filter\n    channels: [0]\n    names:\n      - iemlab_left_preamp\n",
        "      - iemlab_left_band_3\n  - type: Filter\n    channels: [1]\n    names:\n      - iemlab_right_preamp\n",
    ] {
        assert!(text.contains(line), "{line}\nnot in\n{text}");
    }
}

#[test]
fn a_per_channel_profile_round_trips_through_apo_channel_sections() {
    let shelf = BandSpec {
        kind: FilterKind::LowShelf,
        freq_hz: 105.0,
        gain_db: 4.5,
        q: 0.7,
    };
    let profile = EqProfile::split(
        "balance",
        [
            ChannelEq {
                gain_db: -4.5,
                bands: vec![shelf, BandSpec::peaking(3000.0, 1.5, 2.0)],
            },
            ChannelEq {
                gain_db: -5.2,
                bands: vec![shelf, BandSpec::peaking(5000.0, -2.25, 4.0)],
            },
        ],
    );
    assert!(profile.is_per_channel());
    let apo = export::find("apo").unwrap();
    let first = export::export(&profile, apo, 0.0).unwrap();
    assert_eq!(
        first.text,
        "# balance: Equalizer APO / Peace (parametric), exported by iemlab\n\
         Channel: L\n\
         Preamp: -4.5 dB\n\
         Filter 1: ON LSC Fc 105 Hz Gain 4.5 dB Q 0.70\n\
         Filter 2: ON PK Fc 3000 Hz Gain 1.5 dB Q 2.00\n\
         Channel: R\n\
         Preamp: -5.2 dB\n\
         Filter 1: ON LSC Fc 105 Hz Gain 4.5 dB Q 0.70\n\
         Filter 2: ON PK Fc 5000 Hz Gain -2.25 dB Q 4.00\n"
    );
    assert_eq!(first.deviation_db, 0.0);
    let imported = import::parse(&first.text, Path::new("x.txt")).unwrap();
    assert_eq!(imported.profile, profile);
    let again = export::export(&imported.profile, apo, 0.0).unwrap();
    assert_eq!(again.text, first.text);
    // One-EQ device formats still refuse it.
    for id in ["qudelix", "fiio", "graphiceq"] {
        let format = export::find(id).unwrap();
        assert!(
            matches!(
                export::export(&profile, format, 1.0),
                Err(export::ExportError::OneEq { .. })
            ),
            "{id}"
        );
    }
    // The command line writes it, and imports it back as the same profile.
    let dir = temp_dir();
    let toml = dir.path().join("balance.toml");
    std::fs::write(&toml, profile.to_toml(None, None)).unwrap();
    let txt = dir.path().join("balance.txt");
    iemlab()
        .arg("export")
        .arg(&toml)
        .args(["--format", "apo", "-o"])
        .arg(&txt)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&txt).unwrap(), first.text);
    let back = dir.path().join("back.toml");
    iemlab()
        .arg("import")
        .arg(&txt)
        .arg("-o")
        .arg(&back)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "read as Equalizer APO parametric, per channel: left 2 bands, preamp -4.5 dB; right 2 bands, preamp -5.2 dB",
        ));
    assert_eq!(EqProfile::load(&back).unwrap(), profile);
}

#[test]
fn graphic_eq_files_import_close_to_the_profile() {
    for name in PROFILES {
        let profile = shipped(name);
        let text = export::export(&profile, export::find("wavelet").unwrap(), 1.0)
            .unwrap()
            .text;
        let imported = import::parse(&text, Path::new("x.txt")).unwrap().profile;
        let back = Held {
            name: String::new(),
            preamp_db: imported.preamp_db,
            slots: imported.bands().into_iter().map(Some).collect(),
            curve: Vec::new(),
        };
        let (dev, at) = export::deviation(&profile, &back, EXPORT_RATE).unwrap();
        assert!(dev < 1.0, "{name}: {dev} dB at {at} Hz");
    }
}

/// A profile every value of which `device` holds: up to three bands of the slots' kinds,
/// values snapped to its steps; a flat profile for curve layouts.
fn inside(device: &device::DeviceSpec) -> EqProfile {
    let mut bands = Vec::new();
    if let Layout::Parametric { slots } = device.layout {
        for (i, kinds) in slots.iter().take(3).enumerate() {
            let kind = kinds[0];
            let band = BandSpec {
                kind,
                freq_hz: 250.0 * 3f64.powi(i as i32),
                gain_db: -3.3 + i as f64,
                q: 0.9,
            };
            bands.push(device.snap(&band));
        }
    }
    EqProfile {
        name: format!("inside {}", device.id),
        preamp_db: device.preamp_db.snap(-3.0),
        shape: EqShape::Parametric(bands),
        channels: Default::default(),
        origin: None,
    }
}

#[test]
fn a_profile_inside_a_devices_limits_exports_with_zero_deviation() {
    for format in FORMATS {
        let profile = inside(format.device());
        let exported =
            export::export(&profile, format, 0.0).unwrap_or_else(|e| panic!("{}: {e}", format.id));
        assert!(
            exported.deviation_db < 1e-9,
            "{}: {}",
            format.id,
            exported.deviation_db
        );
        assert!(
            exported.notes.is_empty(),
            "{}: {:?}",
            format.id,
            exported.notes
        );
        if exported.held[0].curve.is_empty() {
            assert_eq!(exported.held[0].bands(), profile.bands(), "{}", format.id);
        }
    }
}

#[test]
fn autoeq_and_camilladsp_files_import() {
    let preset = |f: &str| data(&format!("presets/{f}"));
    let peq = import::import_file(&preset("Example IEM ParametricEQ.txt")).unwrap();
    assert_eq!(peq.profile.name, "Example IEM ParametricEQ");
    assert_eq!(peq.profile.preamp_db, -4.1);
    let bands = peq.profile.bands();
    assert_eq!(bands.len(), 5);
    assert_eq!(bands[3], BandSpec::peaking(5900.0, -3.9, 3.1));
    assert_eq!(bands[4].kind, FilterKind::HighShelf);

    let fixed = import::import_file(&preset("Example IEM FixedBandEQ.txt")).unwrap();
    assert_eq!(fixed.profile.bands().len(), 10);
    assert_eq!(
        fixed.profile.bands()[9],
        BandSpec::peaking(16000.0, -1.0, 1.41)
    );

    let curve = import::import_file(&preset("Example IEM GraphicEQ.txt")).unwrap();
    assert_eq!(curve.format, "Equalizer APO GraphicEQ");
    assert!(curve.notes[0].contains("within 0."), "{:?}", curve.notes);

    let camilla = import::import_file(&preset("camilla-example.yml")).unwrap();
    assert_eq!(camilla.profile.preamp_db, -5.5);
    let b = camilla.profile.bands();
    assert_eq!(b.len(), 2);
    assert_eq!(
        (b[0].kind, b[0].freq_hz, b[0].gain_db),
        (FilterKind::LowShelf, 90.0, 4.5)
    );
    assert!((b[0].q - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
    assert_eq!(b[1], BandSpec::peaking(2500.0, -2.0, 1.5));
    assert!(
        camilla.notes.iter().any(|n| n.contains("Delay")),
        "{:?}",
        camilla.notes
    );
}

#[test]
fn malformed_imports_name_file_and_line_and_exit_2() {
    let dir = temp_dir();
    let cases = [
        (
            "bad.txt",
            "Preamp: -3 dB\n# comment\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB\n",
            "bad.txt:3: Filter: a PK filter needs Q or BW Oct",
        ),
        (
            "gain.txt",
            "Filter 1: ON PK Fc 1000 Hz Gain x dB Q 1\n",
            "gain.txt:1: Gain: 'x' is not a number",
        ),
        (
            "curve.txt",
            "GraphicEQ: 20 0; 30 1; 25 2",
            "curve.txt:1: GraphicEQ node 3: frequency 25 Hz does not rise",
        ),
        (
            "cdsp.yml",
            "filters:\n  a:\n    type: Biquad\n    parameters:\n      type: Peaking\n      gain: 3\n      q: 1\npipeline:\n  - type: Filter\n    channels: [0]\n    names: [a]\n",
            "cdsp.yml:4: filters.a.parameters: no freq",
        ),
        (
            "ghost.yml",
            "filters:\n  a:\n    type: Gain\n    parameters: { gain: -3 }\npipeline:\n  - type: Filter\n    channel: 0\n    names:\n      - a\n      - b\n",
            "ghost.yml:10: the pipeline names 'b'",
        ),
        (
            "loud.txt",
            "Filter 1: ON PK Fc 1000 Hz Gain 45 dB Q 1\n",
            "loud.txt:1: bands[0].gain_db: the imported value is not valid: 45 dB is beyond ±30 dB",
        ),
    ];
    for (name, text, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        iemlab()
            .arg("import")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(want));
    }
}

#[test]
fn export_writes_files_safely_and_refuses_what_it_cannot_hold() {
    let dir = temp_dir();
    let out = dir.path().join("tame.txt");
    let profile = repo("presets/eq/treble-tame.toml");
    let run = |extra: &[&str]| {
        let mut cmd = iemlab();
        cmd.arg("export")
            .arg(&profile)
            .args(["--format", "apo", "-o"])
            .arg(&out)
            .args(extra);
        cmd.assert()
    };
    run(&[]).success();
    let golden = std::fs::read(golden_path("treble-tame", export::find("apo").unwrap())).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), golden);
    std::fs::write(&out, "mine").unwrap();
    run(&[])
        .code(2)
        .stderr(predicate::str::contains("already exists (use --force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    run(&["--force"]).success();
    assert_eq!(std::fs::read(&out).unwrap(), golden);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temp files left"
    );

    iemlab()
        .arg("export")
        .arg(repo("presets/eq/bench-10-band.toml"))
        .args(["--format", "rockbox", "--tolerance", "0.4"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("Rockbox cannot hold")
                .or(predicate::str::contains("rockbox cannot hold")),
        )
        .stderr(predicate::str::contains("0.47 dB off"));
    iemlab()
        .arg("export")
        .arg(&profile)
        .args(["--format", "winamp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value 'winamp' for '--format <FMT>'",
        ));
}

#[test]
fn list_names_every_format_with_its_limits() {
    let assert = iemlab().args(["export", "--list"]).assert().success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for format in FORMATS {
        assert!(
            out.contains(&format!("\n{:<12} .", format.id)),
            "{}",
            format.id
        );
    }
    assert!(out.contains("Q 0.5…6.4 (step 0.1)"), "{out}");
}

#[test]
fn an_imported_profile_is_saved_and_loads() {
    let dir = temp_dir();
    let dest = dir.path().join("aria.toml");
    iemlab()
        .arg("import")
        .arg(repo("tests/data/presets/Example IEM ParametricEQ.txt"))
        .arg("-o")
        .arg(&dest)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "read as Equalizer APO parametric, 5 bands, preamp -4.1 dB",
        ));
    iemlab().arg("check").arg(&dest).assert().success();
    let loaded = EqProfile::load(&dest).unwrap();
    assert_eq!(loaded.bands()[1], BandSpec::peaking(212.0, -1.8, 0.85));
    iemlab()
        .arg("import")
        .arg(repo("tests/data/presets/camilla-example.yml"))
        .arg("-o")
        .arg(&dest)
        .assert()
        .code(2);
}
