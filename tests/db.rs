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
