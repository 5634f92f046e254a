//! The fuzz corpus through the real binary: every fixture in tests/data (and the shipped
//! presets, FR files and playlists) mutated in named, deterministic ways (cut, bit flips,
//! duplicated and swapped lines, NaN/Inf/huge numbers, UTF-16, Latin-1, CRLF, BOM, ...) and
//! given to `iemlab check`, `import`, `fit`, `render` and `report`. Each run must exit 0 or 2
//! (never 101, a panic, nor a signal), must not print a panic, and a failure must name the
//! file. The bulk is checked in-process; the binary runs over batches and a subset.

use std::path::{Path, PathBuf};
use std::process::Output;

use iemlab::fr::FrCurve;
use iemlab::playlist::Playlist;
use iemlab::preset::EqProfile;
use iemlab::preset::import::import_file;

use crate::harness::mutate::{self, Mutation, Rng};
use crate::harness::{iemlab, temp_dir};

/// The named classes plus three seeded random mutation lists, each with its name.
fn classes(seed: u64) -> Vec<(String, Vec<Mutation>)> {
    let mut out: Vec<(String, Vec<Mutation>)> = mutate::named_classes()
        .into_iter()
        .map(|(n, m)| (n.to_string(), m))
        .collect();
    let mut rng = Rng(seed | 1);
    for i in 0..3 {
        let count = 1 + rng.below(5) as usize;
        out.push((
            format!("random{i}"),
            (0..count).map(|_| rng.mutation()).collect(),
        ));
    }
    out
}

/// Writes every mutant of every seed into `dir`, named `STEM.CLASS.EXT`.
fn write_mutants(dir: &Path, seeds: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for (k, seed) in seeds.iter().enumerate() {
        let bytes = std::fs::read(seed).unwrap();
        let stem = seed
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace(' ', "_");
        let ext = seed.extension().unwrap().to_string_lossy().into_owned();
        for (class, mutations) in classes(0x9e37_79b9 ^ k as u64) {
            let path = dir.join(format!("{stem}.{class}.{ext}"));
            std::fs::write(&path, mutate::apply(&bytes, &mutations)).unwrap();
            out.push(path);
        }
    }
    out
}

/// The checks every run must pass: exit 0 or 2, no panic text, and on failure stderr
/// names one of `files` (when given).
fn assert_clean(what: &str, output: &Output, files: &[&Path]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 2)),
        "{what}: exit {code:?} (101 is a panic, None a signal)\n{stderr}"
    );
    for bad in ["panicked", "RUST_BACKTRACE", "stack overflow"] {
        assert!(
            !stderr.contains(bad),
            "{what}: '{bad}' in stderr:\n{stderr}"
        );
    }
    if code == Some(2) && !files.is_empty() {
        let named = files.iter().any(|f| {
            let name = f.file_name().unwrap().to_string_lossy();
            stderr.contains(&*name)
        });
        assert!(named, "{what}: the error does not name the file:\n{stderr}");
    }
}

/// Every mutant loads through the library or fails naming itself; returns how many failed.
fn in_process<E: std::fmt::Display, T>(
    mutants: &[PathBuf],
    load: impl Fn(&Path) -> Result<T, E>,
) -> usize {
    let mut failed = 0;
    for path in mutants {
        if let Err(e) = load(path) {
            let message = e.to_string();
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(
                message.contains(&*name),
                "{name}: error does not name it: {message}"
            );
            failed += 1;
        }
    }
    failed
}

#[test]
fn check_survives_every_mutated_profile_playlist_and_fr_file() {
    let dir = temp_dir();
    let profiles = write_mutants(dir.path(), &mutate::profiles());
    let playlists = write_mutants(dir.path(), &mutate::playlists());
    let fr = write_mutants(dir.path(), &mutate::fr_files());

    // The bulk, in-process: each class must really break some files (a mutation that changes
    // nothing tests nothing) and leave others readable.
    let bad_profiles = in_process(&profiles, |p| EqProfile::check(p, 44_100));
    let bad_playlists = in_process(&playlists, Playlist::load);
    let bad_fr = in_process(&fr, FrCurve::load);
    assert!(
        bad_profiles > profiles.len() / 3,
        "{bad_profiles} of {}",
        profiles.len()
    );
    assert!(bad_profiles < profiles.len(), "every profile mutant failed");
    assert!(
        bad_playlists > 5 && bad_fr > fr.len() / 3,
        "{bad_playlists} {bad_fr}"
    );

    // One `check` over all of them: invalid ones are listed by name, valid ones as "ok".
    let all: Vec<&PathBuf> = profiles.iter().chain(&playlists).chain(&fr).collect();
    let output = iemlab().arg("check").args(&all).output().unwrap();
    assert_clean("check", &output, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    for path in &all {
        let shown = path.display().to_string();
        assert!(
            stdout.contains(&format!("ok    {shown}:")) || stderr.contains(&shown),
            "check said nothing about {shown}"
        );
    }
}

#[test]
fn import_survives_every_mutated_preset() {
    let dir = temp_dir();
    let all = write_mutants(dir.path(), &mutate::import_files());
    let failed = in_process(&all, import_file);
    assert!(
        failed > all.len() / 4 && failed < all.len(),
        "{failed} of {}",
        all.len()
    );
    // The binary on the fixtures' mutants (the goldens' are covered in-process above).
    let sub = dir.path().join("fixtures");
    std::fs::create_dir(&sub).unwrap();
    for path in write_mutants(
        &sub,
        &mutate::files("tests/data/presets", &[".txt", ".yml"]),
    ) {
        let output = iemlab().arg("import").arg(&path).output().unwrap();
        assert_clean(&format!("import {}", path.display()), &output, &[&path]);
    }
}

#[test]
fn fit_survives_mutated_measurements() {
    let dir = temp_dir();
    let seeds = mutate::files("tests/data/fr", &[".txt", ".csv"]);
    let out = dir.path().join("out.toml");
    for path in write_mutants(dir.path(), &seeds) {
        let output = iemlab()
            .args(["fit", "--force", "--fr"])
            .arg(&path)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_clean(&format!("fit {}", path.display()), &output, &[&path]);
        if output.status.success() {
            // What fit wrote must be a profile `check` accepts.
            EqProfile::load(&out).unwrap();
        }
    }
}

#[test]
fn render_survives_mutated_audio_and_profiles() {
    let dir = temp_dir();
    let out = dir.path().join("out.wav");
    let audio: Vec<PathBuf> = [
        "s16-44k.wav",
        "s16-44k.flac",
        "mp3-44k.mp3",
        "opus-48k.ogg",
        "aac-44k.m4a",
    ]
    .iter()
    .map(|f| mutate::repo().join("tests/data").join(f))
    .collect();
    let keep = [
        "empty",
        "half",
        "cut-last-bytes",
        "flip",
        "repeated",
        "random0",
        "random1",
    ];
    let runs = |paths: Vec<PathBuf>| -> Vec<PathBuf> {
        paths
            .into_iter()
            .filter(|p| {
                keep.iter()
                    .any(|k| p.to_string_lossy().contains(&format!(".{k}.")))
            })
            .collect()
    };
    for input in runs(write_mutants(dir.path(), &audio)) {
        let output = iemlab()
            .arg("render")
            .arg(&input)
            .args(["--eq", "flat", "--force", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert_clean(&format!("render {}", input.display()), &output, &[&input]);
    }
    let wav = mutate::repo().join("tests/data/s16-44k.wav");
    let eq_dir = dir.path().join("eq");
    std::fs::create_dir(&eq_dir).unwrap();
    for profile in write_mutants(&eq_dir, &mutate::profiles())
        .iter()
        .step_by(5)
    {
        let output = iemlab()
            .arg("render")
            .arg(&wav)
            .arg("--eq")
            .arg(profile)
            .args(["--force", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert_clean(
            &format!("render --eq {}", profile.display()),
            &output,
            &[profile],
        );
    }
}

#[test]
fn report_survives_mutated_notes() {
    let dir = temp_dir();
    let seed = dir.path().join("seed-notes.jsonl");
    let note = |section: &str, position: &str, text: &str| {
        format!(
            "{{\"time\":\"2026-11-25T11:20:03Z\",\"section\":\"{section}\",\"artist\":\"\",\"track\":\"A Reckoning in Blood\",\"link\":null,\"position\":\"{position}\",\"cue\":null,\"profile\":\"A\",\"text\":\"{text}\"}}\n"
        )
    };
    std::fs::write(
        &seed,
        note("Bass", "01:10.000", "tight, fast")
            + &note("Timbre", "00:20.500", "a bit bright")
            + &note("Resolution", "02:50.000", "clean"),
    )
    .unwrap();
    let sub = dir.path().join("m");
    std::fs::create_dir(&sub).unwrap();
    for notes in write_mutants(&sub, &[seed]) {
        let output = iemlab()
            .arg("report")
            .arg(&notes)
            .args(["--template", "review"])
            .output()
            .unwrap();
        assert_clean(&format!("report {}", notes.display()), &output, &[&notes]);
    }
}

/// Files far too large for what they claim to be are refused by their size, naming the file,
/// without being read (the 2 GB files are sparse: no disk space, no reading). The message
/// quotes the size, which is known before reading; how long a refusal takes is not tested.
#[test]
fn huge_files_are_refused_quickly_naming_the_file() {
    let dir = temp_dir();
    let sparse = |name: &str| {
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .set_len(2 << 30)
            .unwrap();
        path
    };
    let csv = sparse("huge.csv");
    let toml = sparse("huge.toml");
    let preset = sparse("huge-ParametricEQ.txt");
    let notes = sparse("huge.jsonl");
    for args in [
        vec!["check".into(), csv.clone()],
        vec!["check".into(), toml.clone()],
        vec!["import".into(), preset.clone()],
        vec![
            "fit".into(),
            "--fr".into(),
            csv.clone(),
            "-o".into(),
            dir.path().join("o.toml"),
        ],
        vec!["report".into(), notes.clone()],
    ] {
        let output = iemlab().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        let file = args
            .iter()
            .find(|a| a.to_string_lossy().contains("huge"))
            .unwrap();
        assert!(
            stderr.contains(&*file.to_string_lossy()),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("2147483648 bytes"), "{args:?}: {stderr}");
    }
    // A profile of a million bands: 50 MB of TOML, refused by size before parsing.
    let band = "  { type = \"peaking\", freq_hz = 1000, gain_db = 1, q = 1 },\n";
    let million = dir.path().join("million.toml");
    std::fs::write(
        &million,
        format!(
            "version = 1\nname = \"m\"\npreamp_db = 0\nbands = [\n{}]\n",
            band.repeat(1_000_000)
        ),
    )
    .unwrap();
    let output = iemlab().arg("check").arg(&million).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("million.toml: file is") && stderr.contains("at most"),
        "{stderr}"
    );
}
