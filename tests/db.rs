//! The reviewer's graph-tool database by name: `db list`, `--iem` in fit and plot, names
//! that are ambiguous or unknown.

use predicates::prelude::*;

use crate::harness::{iemlab, repo, temp_dir};

fn db() -> String {
    repo("tests/data/graphtool").display().to_string()
}

#[test]
fn db_list_shows_every_phone_and_its_channel_files() {
    let out = iemlab()
        .args(["db", "list", "--db", &db()])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("Symphonium Crimson  (L R)"), "{text}");
    assert!(text.contains("Moondrop Chu  (L only)"), "{text}");
    assert!(
        text.contains("    Turbo 0001  (no files; file 'Turbo 0001')"),
        "{text}"
    );
    let notes = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        notes.contains("brand 'Moondrop' is listed twice"),
        "{notes}"
    );
    let json = iemlab()
        .args(["db", "list", "trio", "--json", "--db", &db()])
        .assert()
        .success();
    let list: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    let phones = list.as_array().unwrap();
    assert_eq!(phones.len(), 2);
    assert_eq!(phones[0]["brand"], "CCA");
    assert_eq!(phones[0]["files"][1]["file"], "Trio 1111");
    assert_eq!(phones[0]["files"][1]["left"], false);
    iemlab()
        .args(["db", "list", "--db", "/nonexistent/db"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/db"));
}

#[test]
fn fit_takes_iems_and_targets_by_name() {
    let dir = temp_dir();
    let out = dir.path().join("crimson-as-p8.toml");
    iemlab()
        .args([
            "fit",
            "--db",
            &db(),
            "--iem",
            "symphonium crimson",
            "--simulate",
            "P8",
            "--per-channel",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("L−R imbalance"));
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("[left]") && text.contains("fitted as P8"),
        "{text}"
    );
    // A database target by name, with graph-tool adjustments named in the description.
    let tuned = dir.path().join("tuned.toml");
    iemlab()
        .args([
            "fit",
            "--db",
            &db(),
            "--iem",
            "Crimson",
            "--target",
            "IEGems Target",
            "--ear-gain",
            "1",
            "-o",
        ])
        .arg(&tuned)
        .assert()
        .success();
    let text = std::fs::read_to_string(&tuned).unwrap();
    assert!(text.contains("(ear gain +1 dB)"), "{text}");
    iemlab()
        .args(["fit", "--db", &db(), "--iem", "Trio", "-o"])
        .arg(dir.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "'Trio' could be CCA Trio 0000, CCA Trio 1111, 64 Audio Trio",
        ));
    iemlab()
        .args(["fit", "--db", &db(), "--iem", "Crimsn", "-o"])
        .arg(dir.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("closest: Symphonium Crimson"));
    iemlab()
        .args(["fit", "--db", &db(), "--iem", "Variations", "-o"])
        .arg(dir.path().join("x.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "neither 'Variations L.txt' nor 'Variations R.txt'",
        ));
    iemlab()
        .args(["fit", "--iem", "Crimson", "-o"])
        .arg(dir.path().join("x.toml"))
        .env("IEMLAB_CONFIG", dir.path().join("none.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give --db DIR"));
}

#[test]
fn plot_compares_iems_as_reviewers_publish_them() {
    let dir = temp_dir();
    let svg = dir.path().join("cmp.svg");
    iemlab()
        .args([
            "plot",
            "--db",
            &db(),
            "--iem",
            "Crimson",
            "--iem",
            "P8",
            "--iem",
            "Cantor",
        ])
        .args(["--target", "harman-ie-2019", "--tilt", "-0.5", "-o"])
        .arg(&svg)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "AFUL Cantor: L and R differ by up to",
        ));
    let picture = std::fs::read_to_string(&svg).unwrap();
    for label in [
        "Symphonium Crimson vs AFUL P8 vs AFUL Cantor against Harman in-ear 2019 (tilt -0.5 dB/oct)",
        "levelled at 500 Hz",
        "Symphonium Crimson L",
        "AFUL Cantor R (L and R differ by up to",
        "Target: Harman in-ear 2019 (tilt -0.5 dB/oct)",
    ] {
        assert!(picture.contains(label), "{label} missing");
    }
    let compensated = dir.path().join("comp.svg");
    iemlab()
        .args([
            "plot",
            "--db",
            &db(),
            "--iem",
            "Crimson",
            "--iem",
            "P8",
            "--baseline",
            "P8",
        ])
        .args(["--normalize", "300-3000", "-o"])
        .arg(&compensated)
        .assert()
        .success();
    let picture = std::fs::read_to_string(&compensated).unwrap();
    assert!(picture.contains("compensated to AFUL P8") && picture.contains("the 300–3000 Hz mean"));
}

/// Two seconds of noise at 48 kHz, stereo, about −20 dBFS.
fn noise_wav(path: &std::path::Path) {
    let mut seed = 7u32;
    let samples: Vec<f32> = (0..2 * 2 * 48_000)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (f64::from(seed) / f64::from(u32::MAX) - 0.5) as f32 * 0.2
        })
        .collect();
    crate::harness::write_wav_f32(path, 48_000, &samples);
}

#[test]
fn ab_and_render_hear_other_iems_on_mine_by_name() {
    let dir = temp_dir();
    let input = dir.path().join("noise.wav");
    noise_wav(&input);
    // ab: two simulations fitted on the fly, level-matched and played (null output).
    let out = iemlab()
        .arg("ab")
        .arg(&input)
        .args([
            "--db",
            &db(),
            "--iem",
            "Crimson",
            "--a",
            "P8",
            "--b",
            "Cantor",
            "--c",
            "flat",
        ])
        .args(["--switch", "every", "0.5", "--device", "null", "--fast"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.get_output().stdout),
        String::from_utf8_lossy(&out.get_output().stderr)
    );
    for line in [
        "AFUL P8 on Symphonium Crimson: 10 bands, fit error",
        "AFUL Cantor on Symphonium Crimson: 10 bands, fit error",
        "C: flat",
    ] {
        assert!(said.contains(line), "{line} missing from:\n{said}");
    }
    // render --ab: the same by name, switching at 1 s; the two halves differ.
    let wav = dir.path().join("ab.wav");
    iemlab()
        .arg("render")
        .arg(&input)
        .args([
            "--ab",
            "P8,Cantor",
            "--iem",
            "Crimson",
            "--db",
            &db(),
            "--per-channel",
        ])
        .args(["--switch-at", "0:01", "--format", "f32", "-o"])
        .arg(&wav)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "AFUL P8 on Symphonium Crimson: 10 bands, fit error left",
        ));
    let (_, samples) = crate::harness::read_wav(&wav);
    assert_eq!(samples.len(), 4 * 48_000);
    // A name that is no IEM of the database is refused before anything plays.
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--ab", "P9,Cantor", "--iem", "Crimson", "--db", &db(), "-o"])
        .arg(dir.path().join("x.wav"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no IEM called 'P9'"));
}

#[test]
fn check_and_render_take_iems_by_name() {
    let out = iemlab()
        .args(["check", "--db", &db(), "--iem", "Crimson", "--iem", "Chu"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        text.lines().count(),
        3,
        "Crimson L and R, Chu L only:\n{text}"
    );
    assert!(text.contains("Chu L.txt: FR measurement"), "{text}");
    iemlab()
        .args(["check", "--db", &db(), "--iem", "Turbo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "'Turbo' could be Penon Turbo 0000",
        ));
    let dir = temp_dir();
    let input = dir.path().join("noise.wav");
    noise_wav(&input);
    let out = dir.path().join("p8-on-crimson.wav");
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--db", &db(), "--iem", "Crimson", "--eq", "P8", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "AFUL P8 on Symphonium Crimson: 10 bands",
        ));
    let (_, rendered) = crate::harness::read_wav(&out);
    let (_, source) = crate::harness::read_wav(&input);
    assert!(iemlab::dsp::max_abs_difference(&rendered, &source) > 0.001);
}
