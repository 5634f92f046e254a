//! The command line's conventions: completions and man page, `--json` outputs, `-o -` for
//! stdout, `-q`/`-v`, and the shipped files found by name from any folder.

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::harness::{iemlab, repo, temp_dir};

/// Runs `iemlab ARGS` expecting success, returning stdout.
fn stdout_of(args: &[&str]) -> String {
    let out = iemlab().args(args).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn bash_completions_name_every_command_and_the_values_of_enumerated_flags() {
    let script = stdout_of(&["completions", "bash"]);
    assert!(script.contains("complete -F _iemlab"), "{script}");
    for command in [
        "render", "check", "demo", "play", "devices", "ab", "report", "export", "import", "fit",
        "plot",
    ] {
        assert!(script.contains(&format!("iemlab,{command})")), "{command}");
    }
    // export --format, fit --device, render --format and --smooth list their values.
    for values in [
        "apo graphiceq wavelet poweramp rockbox qudelix fiio camilladsp easyeffects jamesdsp csv",
        "flac wav s24 s16 f32",
        "none 1/3 1/6 1/12 1/24 psy",
        "qudelix",
    ] {
        assert!(script.contains(values), "{values}");
    }
    for shell in ["zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(
            script.contains("rockbox") && script.contains("iemlab"),
            "{shell}"
        );
    }
    // PowerShell's script completes commands and flags, not values.
    let script = stdout_of(&["completions", "powershell"]);
    assert!(script.contains("'iemlab;fit'") && script.contains("--device"));
    iemlab().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn the_man_page_is_roff_and_names_the_commands() {
    let page = stdout_of(&["man"]);
    // clap_mangen starts with two lines defining the apostrophe; the title comes next.
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap();
    assert!(first.starts_with(".TH iemlab 1"), "{first}");
    for command in [
        "iemlab\\-fit",
        "iemlab\\-export",
        "iemlab\\-ab",
        "iemlab\\-man",
    ] {
        assert!(page.contains(command), "{command}");
    }
    let fit = stdout_of(&["man", "fit"]);
    assert!(fit.contains(".TH iemlab\\-fit 1") || fit.contains(".TH iemlab-fit 1"));
    assert!(fit.contains("\\-\\-device") && fit.contains("qudelix"));
    iemlab()
        .args(["man", "nonesuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no command 'nonesuch'"));
}

#[test]
fn export_list_json_is_one_array_describing_every_format() {
    let list: Value = serde_json::from_str(&stdout_of(&["export", "--list", "--json"])).unwrap();
    let formats = list.as_array().unwrap();
    assert_eq!(formats.len(), 11);
    let rockbox = formats.iter().find(|f| f["format"] == "rockbox").unwrap();
    assert_eq!(rockbox["extension"], "cfg");
    assert_eq!(rockbox["layout"], "parametric");
    assert_eq!(rockbox["bands"], 10);
    assert_eq!(rockbox["fixed_slots"], true);
    assert_eq!(rockbox["limits"]["gain_db"]["max"], 24.0);
    assert_eq!(rockbox["limits"]["q"]["step"], 0.1);
    let graphic = formats.iter().find(|f| f["format"] == "graphiceq").unwrap();
    assert_eq!(graphic["layout"], "curve");
    assert_eq!(graphic["bands"], 127);
    assert!(
        graphic["limits"]["freq_hz"]["step"].is_null()
            || graphic["limits"]["freq_hz"]["step"].is_number()
    );
    for f in formats {
        assert!(!f["holds"].as_str().unwrap().is_empty(), "{f}");
        assert!(!f["usage"].as_str().unwrap().is_empty(), "{f}");
    }
}

/// Every line of `text` parsed as JSON.
fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn check_json_gives_one_object_per_file_with_problems_and_summary() {
    let dir = temp_dir();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "version = 1\nname = \"bad\"\npreamp_db = 0.0\nbands = [\n  { type = \"peaking\", freq_hz = 25000, gain_db = 3, q = 1 },\n  { type = \"peaking\", freq_hz = 1000, gain_db = 40, q = 1 },\n]\n",
    )
    .unwrap();
    let out = iemlab()
        .args(["check", "--json"])
        .arg(repo("presets/eq/bass-boost.toml"))
        .arg(repo("playlists/iem-review.toml"))
        .arg(repo("presets/fr/Crimson L.txt"))
        .arg(&bad)
        .assert()
        .code(2)
        .stderr("");
    let objects = json_lines(&String::from_utf8_lossy(&out.get_output().stdout));
    assert_eq!(objects.len(), 4);
    let [profile, playlist, fr, bad] = &objects[..] else {
        unreachable!()
    };
    assert_eq!(profile["kind"], "profile");
    assert_eq!(profile["ok"], true);
    assert_eq!(profile["bands"], 1);
    assert_eq!(profile["shape"], "parametric");
    assert_eq!(profile["preamp_db"], -6.2);
    assert_eq!(profile["rate_hz"], 44_100);
    assert!(
        profile["path"]
            .as_str()
            .unwrap()
            .ends_with("bass-boost.toml")
    );
    assert_eq!(playlist["kind"], "playlist");
    assert_eq!(playlist["tracks"], 13);
    assert_eq!(playlist["sections"], 4);
    assert_eq!(fr["kind"], "measurement");
    assert_eq!(fr["name"], "Crimson L");
    assert!(fr["points"].as_u64().unwrap() > 100);
    assert_eq!(bad["ok"], false);
    let problems = bad["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[0]["line"], 5);
    assert_eq!(problems[0]["field"], "bands[0].freq_hz");
    assert!(problems[1]["message"].as_str().unwrap().contains("40 dB"));
}

#[test]
fn devices_json_is_one_array_of_outputs() {
    let list: Value = serde_json::from_str(&stdout_of(&["devices", "--json", "--all"])).unwrap();
    for device in list.as_array().unwrap() {
        for field in ["host", "name", "id"] {
            assert!(device[field].is_string(), "{device}");
        }
        for field in ["default_host", "is_default"] {
            assert!(device[field].is_boolean(), "{device}");
        }
        assert!(
            device["index"].is_u64() && device["configs"].is_array(),
            "{device}"
        );
    }
}

#[test]
fn fit_json_is_one_object_per_profile_and_one_line_each_in_a_batch() {
    let dir = temp_dir();
    let out = dir.path().join("crimson.toml");
    let text = {
        let assert = iemlab()
            .args(["fit", "--json", "--device", "qudelix", "--fr"])
            .arg(repo("presets/fr/Crimson L.txt"))
            .arg("-o")
            .arg(&out)
            .assert()
            .success();
        String::from_utf8(assert.get_output().stdout.clone()).unwrap()
    };
    let fit: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(fit["output"], out.to_str().unwrap());
    assert_eq!(fit["device"], "qudelix");
    assert_eq!(fit["bands"], 10);
    assert_eq!(fit["measurement"], "Crimson L");
    assert_eq!(fit["reference"], "Harman in-ear 2019");
    assert!(fit["preamp_db"].as_f64().unwrap() < 0.0);
    let rms = fit["error_db"]["rms_20_10k"].as_f64().unwrap();
    assert!(rms > 0.0 && rms < 1.0, "{fit}");
    assert!(fit["time_ms"].as_f64().unwrap() > 0.0);
    assert!(out.exists());

    let batch = dir.path().join("batch");
    let assert = iemlab()
        .args(["fit", "--json", "--fr"])
        .arg(repo("presets/fr"))
        .arg("-o")
        .arg(&batch)
        .assert()
        .success();
    let lines = json_lines(&String::from_utf8_lossy(&assert.get_output().stdout));
    assert_eq!(lines.len(), 7);
    for fit in &lines {
        let output = fit["output"].as_str().unwrap();
        assert!(Path::new(output).exists(), "{output}");
        assert_eq!(fit["fr"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn dash_o_dash_writes_every_file_to_stdout_and_the_messages_to_stderr() {
    let dir = temp_dir();
    let d = dir.path();
    iemlab()
        .args(["demo", "--no-play", "-o"])
        .arg(d)
        .assert()
        .success();
    let source = d.join("demo-source.wav");
    let bass = repo("presets/eq/bass-boost.toml");

    // render: the WAV on stdout is the file -o FILE writes.
    let piped = iemlab()
        .arg("render")
        .arg(&source)
        .arg("--eq")
        .arg(&bass)
        .args(["-o", "-"])
        .assert()
        .success()
        .stderr(predicate::str::starts_with("stdout: 00:22.200 at 48000 Hz"));
    let file = d.join("bass.wav");
    iemlab()
        .arg("render")
        .arg(&source)
        .arg("--eq")
        .arg(&bass)
        .arg("-o")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(piped.get_output().stdout, std::fs::read(&file).unwrap());
    let ab = iemlab()
        .arg("render")
        .arg(&source)
        .arg("--ab")
        .arg(format!("{},flat", bass.display()))
        .args(["--switch-at", "00:05", "-o", "-"])
        .assert()
        .success();
    assert_eq!(&ab.get_output().stdout[..4], b"RIFF");

    // export, import, fit and report print their file; plot its picture.
    let export = iemlab()
        .arg("export")
        .arg(&bass)
        .args(["--format", "apo", "-o", "-"])
        .assert()
        .success()
        .stderr(predicate::str::contains("held exactly"));
    let apo = String::from_utf8(export.get_output().stdout.clone()).unwrap();
    assert!(
        apo.contains("Filter 1: ON LSC Fc 105 Hz Gain 6.0 dB"),
        "{apo}"
    );
    let apo_file = d.join("bass.txt");
    std::fs::write(&apo_file, &apo).unwrap();
    let import = iemlab()
        .arg("import")
        .arg(&apo_file)
        .args(["-o", "-"])
        .assert()
        .success();
    let toml = String::from_utf8(import.get_output().stdout.clone()).unwrap();
    assert!(
        toml.contains("low_shelf") && toml.contains("preamp_db = -6.2"),
        "{toml}"
    );
    let fit = iemlab()
        .args(["fit", "--fr"])
        .arg(repo("presets/fr/Crimson L.txt"))
        .args(["-o", "-"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "wrote stdout: 10 parametric bands",
        ));
    let fitted = String::from_utf8(fit.get_output().stdout.clone()).unwrap();
    assert!(fitted.starts_with("version = 1\n") && fitted.contains("high_shelf"));
    iemlab()
        .args(["fit", "--plot", "--fr"])
        .arg(repo("presets/fr/Crimson L.txt"))
        .args(["-o", "-"])
        .assert()
        .code(2);
    let svg = iemlab()
        .args(["plot", "--fr"])
        .arg(repo("presets/fr/Crimson L.txt"))
        .args(["-o", "-"])
        .assert()
        .success();
    assert!(svg.get_output().stdout.starts_with(b"<svg"));
    let png = iemlab()
        .args(["plot", "--format", "png", "--fr"])
        .arg(repo("presets/fr/Crimson L.txt"))
        .args(["-o", "-"])
        .assert()
        .success();
    assert!(png.get_output().stdout.starts_with(b"\x89PNG"));
    let notes = d.join("notes.jsonl");
    std::fs::write(
        &notes,
        r#"{"time":"2026-12-01T10:00:00Z","section":"Timbre","track":"Shivers","position":"00:10.000","cue":null,"profile":"A","text":"warm"}"#,
    )
    .unwrap();
    let report = iemlab()
        .arg("report")
        .arg(&notes)
        .args(["-o", "-"])
        .assert();
    let report = report.get_output();
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert!(String::from_utf8_lossy(&report.stdout).contains("warm"));
    // Nothing was left in the folder but what the commands wrote to it.
    let mut names: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("demo-"))
        .collect();
    names.sort();
    assert_eq!(names, ["bass.txt", "bass.wav", "notes.jsonl"]);
}

#[test]
fn quiet_hides_notes_and_verbose_shows_debug() {
    let export = |flag: Option<&str>| {
        let mut cmd = iemlab();
        cmd.env_remove("RUST_LOG");
        if let Some(flag) = flag {
            cmd.arg(flag);
        }
        let out = cmd
            .arg("export")
            .arg(repo("presets/eq/bench-10-band.toml"))
            .args(["--format", "rockbox", "--tolerance", "2"])
            .assert()
            .success();
        String::from_utf8(out.get_output().stderr.clone()).unwrap()
    };
    let normal = export(None);
    assert!(
        normal.contains("note: ") && normal.contains("→ rockbox"),
        "{normal}"
    );
    assert!(!normal.contains("debug"), "{normal}");
    assert_eq!(export(Some("-q")), "");
    let verbose = export(Some("-v"));
    assert!(verbose.contains("debug: iemlab::cli: iemlab "), "{verbose}");
    assert!(verbose.contains(&normal), "{verbose}");
    iemlab().args(["-q", "-v", "devices"]).assert().code(2);
}

#[test]
fn shipped_files_are_found_by_name_or_repository_path_from_any_folder() {
    let dir = temp_dir();
    let here = |args: &[&str]| {
        let out = iemlab()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let apo = here(&["export", "bass-boost", "--format", "apo"]);
    assert!(apo.contains("Filter 1: ON LSC Fc 105 Hz"), "{apo}");
    assert_eq!(
        here(&["export", "presets/eq/bass-boost.toml", "--format", "apo"]),
        apo
    );
    let checked = here(&[
        "check",
        "treble-tame",
        "iem-review.toml",
        "playlists/iem-review.toml",
        "Crimson L",
        "presets/fr/P8 R.txt",
    ]);
    assert_eq!(checked.lines().count(), 5, "{checked}");
    assert!(checked.contains("playlist 'IEM review', 4 sections, 13 tracks"));
    here(&[
        "fit",
        "--fr",
        "Crimson L",
        "--fr",
        "presets/fr/Crimson R.txt",
        "--target",
        "harman-ie-2019",
        "-o",
        "crimson.toml",
    ]);
    let listed = here(&["play", "playlists/iem-review.toml", "--list"]);
    assert!(listed.contains("0 of 13 entries resolved"), "{listed}");
    // A file of that name in the folder comes first.
    std::fs::write(
        dir.path().join("bass-boost"),
        "version = 1\nname = \"mine\"\npreamp_db = -1.0\nbands = []\n",
    )
    .unwrap();
    let mine = here(&["export", "bass-boost", "--format", "apo"]);
    assert!(
        mine.contains("Preamp: -1.0 dB") && !mine.contains("Filter"),
        "{mine}"
    );
    iemlab()
        .current_dir(dir.path())
        .args(["export", "no-such-profile", "--format", "apo"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-profile: cannot read"));
}

#[test]
fn shipped_lists_every_built_in_file_and_prints_or_saves_one() {
    let list = stdout_of(&["shipped"]);
    for name in [
        "iem-review",
        "bass-boost",
        "v-shape-graphic",
        "Crimson L",
        "harman-ie-2016",
    ] {
        assert!(list.contains(name), "{name}");
    }
    let json: Value = serde_json::from_str(&stdout_of(&["shipped", "--json"])).unwrap();
    let items = json.as_array().unwrap();
    assert!(items.len() >= 19);
    let bass = items.iter().find(|i| i["name"] == "bass-boost").unwrap();
    assert_eq!(bass["kind"], "profile");
    assert_eq!(bass["path"], "presets/eq/bass-boost.toml");
    assert_eq!(bass["title"], "Bass boost (+6 dB shelf at 105 Hz)");
    let text = std::fs::read_to_string(repo("presets/eq/treble-tame.toml")).unwrap();
    assert_eq!(stdout_of(&["shipped", "treble-tame"]), text);
    let dir = temp_dir();
    let copy = dir.path().join("mine.toml");
    iemlab()
        .args(["shipped", "treble-tame", "-o"])
        .arg(&copy)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), text);
    iemlab()
        .args(["shipped", "nonesuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no shipped file 'nonesuch'"));
}
