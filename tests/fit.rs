//! `iemlab fit`, `iemlab plot` and `iemlab check` on FR files, end to end on real
//! measurements (REW exports from the reviewer's database, an AutoEQ-layout CSV and a
//! full-resolution REW excerpt).

use std::path::PathBuf;

use iemlab::fr::FrCurve;
use iemlab::preset::{EqProfile, EqShape, device};
use predicates::prelude::*;

use crate::harness::{iemlab, repo, temp_dir};

fn fixture(name: &str) -> PathBuf {
    repo(&format!("tests/data/fr/{name}"))
}

#[test]
fn every_fr_fixture_and_shipped_curve_parses() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "tests/data/fr",
        "tests/data/fr/pairs",
        "presets/fr",
        "presets/targets",
    ] {
        for entry in std::fs::read_dir(repo(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 15);
    for file in &files {
        let c = FrCurve::load(file).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            c.db.len() > 100,
            "{}: {} points",
            file.display(),
            c.db.len()
        );
        let (lo, hi) = c.span_hz();
        assert!(lo <= 21.0 && hi >= 19_000.0, "{}", file.display());
    }
    // The full-resolution excerpt keeps REW's linear 0.366 Hz × 25 steps and its phase column.
    let cantor = FrCurve::load(&fixture("Cantor L excerpt.txt")).unwrap();
    assert!((cantor.freqs_hz[1] - cantor.freqs_hz[0] - 9.155).abs() < 0.01);
    // AutoEQ CSV: the `raw` column is read, the others ignored.
    let csv = FrCurve::load(&fixture("crimson-autoeq.csv")).unwrap();
    let rew = FrCurve::load(&fixture("Crimson L.txt")).unwrap();
    assert!((csv.level_at(1000.0) - (rew.level_at(1000.0) - 75.0)).abs() < 0.05);
}

#[test]
fn check_validates_fr_files_and_names_the_bad_line() {
    iemlab()
        .arg("check")
        .arg(fixture("Crimson L.txt"))
        .arg(fixture("crimson-autoeq.csv"))
        .arg(repo("presets/eq/bass-boost.toml"))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("FR measurement 'Crimson L', 688 points")
                .and(predicate::str::contains("EQ profile 'Bass boost")),
        );
    let dir = temp_dir();
    let good = std::fs::read_to_string(fixture("Crimson L.txt")).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    // Line 20 of the file is a data row; break it in the ways real files break.
    let cases = [
        (
            "nan.txt",
            "20.0 NaN 1.0",
            "20: level 'NaN' is not a finite number",
        ),
        (
            "text.txt",
            "20.0 abc 1.0",
            "20: level 'abc' is not a number",
        ),
        ("dup.txt", lines[18], "20: frequency"),
        ("short.txt", "20.0", "20: '20.0' has 1 column"),
    ];
    for (name, row, message) in cases {
        let mut broken = lines.clone();
        broken[19] = row;
        let path = dir.path().join(name);
        std::fs::write(&path, broken.join("\n")).unwrap();
        iemlab()
            .arg("check")
            .arg(&path)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("{name}:{message}")));
    }
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "frequency,raw\n").unwrap();
    iemlab()
        .arg("check")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("empty.csv: no data rows"));
}

#[test]
fn fit_writes_a_profile_that_check_and_render_accept() {
    let dir = temp_dir();
    let out = dir.path().join("crimson.toml");
    iemlab()
        .args(["fit", "--fr"])
        .arg(fixture("Crimson L.txt"))
        .args(["--target", "Harman IE 2019 v2", "--peq", "10", "-o"])
        .arg(&out)
        .arg("--plot")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("10 parametric bands")
                .and(predicate::str::contains("fit error 20 Hz–10 kHz")),
        );
    let profile = EqProfile::load(&out).unwrap();
    assert_eq!(profile.bands().len(), 10);
    // The preamp keeps the EQ from boosting above 0 dB.
    assert!(profile.max_gain_db(48_000).unwrap() <= 0.01);
    assert!(
        std::fs::read(out.with_extension("png"))
            .unwrap()
            .starts_with(b"\x89PNG")
    );
    iemlab().arg("check").arg(&out).assert().success();
    let wav = dir.path().join("out.wav");
    iemlab()
        .arg("render")
        .arg(repo("tests/data/s16-44k.wav"))
        .arg("--eq")
        .arg(&out)
        .arg("-o")
        .arg(&wav)
        .assert()
        .success();
    // Never overwrites without --force, and leaves the file alone.
    let before = std::fs::read(&out).unwrap();
    iemlab()
        .args(["fit", "--fr"])
        .arg(fixture("P8 L.txt"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists (use --force"));
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

#[test]
fn graphic_and_device_fits_hold_what_they_promise() {
    let dir = temp_dir();
    let graphic = dir.path().join("g.toml");
    iemlab()
        .args(["fit", "--graphic", "--fr"])
        .arg(fixture("crimson-autoeq.csv"))
        .arg("-o")
        .arg(&graphic)
        .assert()
        .success();
    let p = EqProfile::load(&graphic).unwrap();
    let EqShape::Graphic(gains) = p.shape else {
        panic!("graphic expected")
    };
    assert!(gains.iter().all(|g| g.abs() <= 12.0));
    for id in ["qudelix", "rockbox"] {
        let out = dir.path().join(format!("{id}.toml"));
        iemlab()
            .args(["fit", "--device", id, "--fs", "44100", "--fr"])
            .arg(fixture("P8 L.txt"))
            .arg("-o")
            .arg(&out)
            .assert()
            .success();
        let d = device::find(id).unwrap();
        let bands = EqProfile::load(&out).unwrap().bands();
        assert!(d.check_kinds(&bands).is_ok(), "{id}");
        assert!(bands.iter().all(|b| d.holds(b)), "{id}: {bands:?}");
    }
    iemlab()
        .args(["fit", "--device", "nonesuch", "--fr"])
        .arg(fixture("P8 L.txt"))
        .arg("-o")
        .arg(dir.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value 'nonesuch' for '--device <ID>'",
        ));
}

#[test]
fn simulation_and_left_right_average_fit() {
    let dir = temp_dir();
    let out = dir.path().join("as-p8.toml");
    iemlab()
        .args(["fit", "--fr"])
        .arg(repo("presets/fr/Crimson L.txt"))
        .arg("--fr")
        .arg(repo("presets/fr/Crimson R.txt"))
        .arg("--simulate")
        .arg(repo("presets/fr/P8 L.txt"))
        .arg("--simulate")
        .arg(repo("presets/fr/P8 R.txt"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("(Crimson → P8)"));
    assert_eq!(EqProfile::load(&out).unwrap().name, "Crimson as P8");
}

#[test]
fn bad_inputs_exit_2_with_file_and_line() {
    let dir = temp_dir();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "20 70\n30 71\n25 72\n").unwrap();
    iemlab()
        .args(["fit", "--fr"])
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("o.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.txt:3: frequency 25 Hz is below 30 Hz",
        ));
    iemlab()
        .args(["fit", "--target", "harman-2099", "--fr"])
        .arg(fixture("P8 L.txt"))
        .arg("-o")
        .arg(dir.path().join("o.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown target 'harman-2099'"));
    assert!(!dir.path().join("o.toml").exists());
}

#[test]
fn batch_fits_a_folder_and_reports_the_bad_file() {
    let dir = temp_dir();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for name in ["Crimson L.txt", "P8 L.txt"] {
        std::fs::copy(fixture(name), input.join(name)).unwrap();
    }
    std::fs::write(input.join("broken.csv"), "frequency,raw\n20,1\n20,2\n").unwrap();
    let out = dir.path().join("out");
    iemlab()
        .args(["fit", "--fr"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("fitted 2 of 3 measurements"))
        .stderr(predicate::str::contains(
            "broken.csv:3: frequency 20 Hz repeats line 2",
        ));
    for name in ["Crimson L.toml", "P8 L.toml"] {
        assert!(EqProfile::load(&out.join(name)).is_ok(), "{name}");
    }
}

#[test]
fn plot_draws_measurement_target_and_eq() {
    let dir = temp_dir();
    let svg = dir.path().join("fit.svg");
    iemlab()
        .args(["plot", "--fr"])
        .arg(fixture("Crimson L.txt"))
        .args(["--target", "harman-ie-2019", "--eq"])
        .arg(repo("presets/eq/bass-boost.toml"))
        .arg("-o")
        .arg(&svg)
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    for label in [
        "Target: Harman in-ear 2019",
        "Measured: Crimson L",
        "Equalised",
        "Frequency (Hz)",
    ] {
        assert!(text.contains(label), "{label}");
    }
    iemlab()
        .args(["plot", "--fr"])
        .arg(fixture("Crimson L.txt"))
        .arg("-o")
        .arg(dir.path().join("fit.jpg"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("plot files end in .svg or .png"));
}

/// The left and right measurements of every IEM in tests/data/fr/pairs (the reviewer's
/// database files).
fn pairs() -> Vec<(String, FrCurve, FrCurve)> {
    let dir = repo("tests/data/fr/pairs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(" L.txt").map(str::to_string)
        })
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let load = |side: &str| FrCurve::load(&dir.join(format!("{n} {side}.txt"))).unwrap();
            (n.clone(), load("L"), load("R"))
        })
        .collect()
}

#[test]
fn per_channel_fits_match_the_channels_and_fit_each_as_well_as_a_shared_fit() {
    use iemlab::dsp::Channel;
    use iemlab::eq::ResponseGrid;
    use iemlab::fit::{CorrectionOptions, EqLayout, fit, fit_channels};
    use iemlab::fr::{LogGrid, target};

    let reference = target::resolve("harman-ie-2019").unwrap();
    let opts = CorrectionOptions::default();
    let pairs = pairs();
    assert_eq!(pairs.len(), 10);
    let mut after = Vec::new();
    for (name, left, right) in &pairs {
        let per = fit_channels(
            left,
            right,
            &reference,
            &opts,
            EqLayout::Parametric(10),
            48_000,
            name,
        )
        .unwrap();
        assert!(per.profile.is_per_channel(), "{name}");
        assert!(
            per.after.rms_db < per.before.rms_db,
            "{name}: {:?} → {:?}",
            per.before,
            per.after
        );
        after.push(per.after.rms_db);
        // A shared fit to the L/R average, played on each channel, against that channel's
        // own goal: the per-channel fit is no worse on either side (level left free in both,
        // RMS 20 Hz–10 kHz, where the fit report measures it).
        let average =
            iemlab::fr::average(&[left.clone(), right.clone()], &LogGrid::STANDARD, name).unwrap();
        let shared_c = iemlab::fit::correction(&average, &reference, &opts);
        let shared = fit(&shared_c.goal, EqLayout::Parametric(10), 48_000, name).unwrap();
        for (channel, c) in Channel::BOTH.into_iter().zip(&per.corrections) {
            let grid = ResponseGrid::new(&c.goal.freqs_hz, 48_000.0);
            let error = |eq: Vec<f64>| {
                let e: Vec<f64> = c
                    .goal
                    .freqs_hz
                    .iter()
                    .zip(eq.iter().zip(&c.goal.target_db))
                    .filter(|(f, _)| **f < 10_000.0)
                    .map(|(_, (a, t))| a - t)
                    .collect();
                let mean = e.iter().sum::<f64>() / e.len() as f64;
                (e.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / e.len() as f64).sqrt()
            };
            let own = error(grid.bands_db(&per.profile.channel_bands(channel)).unwrap());
            let common = error(grid.bands_db(&shared.profile.bands()).unwrap());
            assert!(
                own <= common + 0.02,
                "{name} {}: per-channel {own:.3} dB, shared {common:.3} dB",
                channel.name()
            );
        }
    }
    after.sort_by(f64::total_cmp);
    let median = (after[4] + after[5]) / 2.0;
    assert!(
        median <= 0.3,
        "median L−R after per-channel fits: {median:.3} dB ({after:?})"
    );
}

#[test]
fn fit_per_channel_on_the_command_line() {
    let dir = temp_dir();
    let pairs = repo("tests/data/fr/pairs");
    let out = dir.path().join("crimson.toml");
    // Right first: the sides are taken from the names.
    let run = iemlab()
        .args(["fit", "--per-channel", "--fr"])
        .arg(pairs.join("Crimson R.txt"))
        .arg("--fr")
        .arg(pairs.join("Crimson L.txt"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    assert!(
        text.contains("per channel: 10 and 10 parametric bands"),
        "{text}"
    );
    assert!(text.contains("L−R imbalance (100 Hz–10 kHz):"), "{text}");
    let profile = EqProfile::load(&out).unwrap();
    assert!(profile.is_per_channel());
    iemlab()
        .arg("check")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("per channel (left +10 bands"));
    // A device with one EQ for both channels cannot take it.
    iemlab()
        .args(["fit", "--per-channel", "--device", "qudelix", "--fr"])
        .arg(pairs.join("Crimson L.txt"))
        .arg("--fr")
        .arg(pairs.join("Crimson R.txt"))
        .arg("-o")
        .arg(dir.path().join("q.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has one EQ for both channels"));
    iemlab()
        .args(["fit", "--per-channel", "--fr"])
        .arg(pairs.join("Crimson L.txt"))
        .arg("-o")
        .arg(dir.path().join("one.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--fr LEFT --fr RIGHT"));
}
