//! `iemlab play`, `devices` and playlist checks end to end, through the null and WAV sinks.

use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::harness::{data, iemlab, temp_dir};

/// A library folder laid out the way reviewers' downloads look, and a playlist over it.
fn library_and_playlist(dir: &Path) -> (PathBuf, PathBuf) {
    let lib = dir.join("music");
    std::fs::create_dir_all(lib.join("yt")).unwrap();
    // Matched by file name: track number, accents and a video-id suffix are ignored.
    std::fs::copy(
        data("opus-48k.webm"),
        lib.join("yt/01 - Ed Sheeran - Shivers [z2_Lrg6rRks].webm"),
    )
    .unwrap();
    std::fs::copy(
        data("s16-44k.flac"),
        lib.join("Polyphia - Playing Gód.flac"),
    )
    .unwrap();
    // Matched by tags (the fixtures say artist "Test Artist", title "Test Tone").
    std::fs::copy(data("mp3-44k.mp3"), lib.join("track07.mp3")).unwrap();
    // Found by name but broken.
    std::fs::write(
        lib.join("See-Saw - Kiwi wa Boku ni Niteiru.m4a"),
        b"not really an m4a".repeat(50),
    )
    .unwrap();
    let playlist = dir.join("review.toml");
    std::fs::write(
        &playlist,
        r#"version = 1
name = "Test review"

[[sections]]
name = "Timbre"

[[sections.tracks]]
artist = "Ed Sheeran"
title = "Shivers"
focus = "harshness"

[[sections.tracks]]
artist = "See-Saw"
title = "Kiwi wa Boku ni Niteiru"
focus = "vocals"

[[sections.tracks]]
artist = "2CELLOS"
title = "Now We Are Free"
focus = "cellos"

[[sections]]
name = "Bass"

[[sections.tracks]]
artist = "Polyphia"
title = "Playing God"
focus = "guitars"
cues = [{ at = "00:00.2", label = "riff" }]

[[sections.tracks]]
artist = "Test Artist"
title = "Test Tone"
focus = "tone"
"#,
    )
    .unwrap();
    (lib, playlist)
}

#[test]
fn list_shows_how_each_entry_resolved_and_the_closest_misses() {
    let dir = temp_dir();
    let (lib, playlist) = library_and_playlist(dir.path());
    iemlab()
        .arg("play")
        .arg(&playlist)
        .arg("--library")
        .arg(&lib)
        .arg("--list")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Ed Sheeran – Shivers  →")
                .and(predicate::str::contains("(by file name)"))
                .and(predicate::str::contains("Playing Gód.flac (by file name)"))
                .and(predicate::str::contains("Test Artist – Test Tone  →"))
                .and(predicate::str::contains("(by tags)"))
                .and(predicate::str::contains(
                    "2CELLOS – Now We Are Free  →  MISSING",
                ))
                .and(predicate::str::contains("4 of 5 entries resolved")),
        );
}

#[test]
fn a_playlist_plays_in_order_to_the_null_sink_skipping_missing_and_corrupt_tracks() {
    let dir = temp_dir();
    let (lib, playlist) = library_and_playlist(dir.path());
    let out = iemlab()
        .arg("play")
        .arg(&playlist)
        .arg("--library")
        .arg(&lib)
        .args(["--device", "null", "--fast"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("missing [Timbre 3/5] 2CELLOS – Now We Are Free"),
        "{stderr}"
    );
    let order: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("play ") || l.starts_with("skip "))
        .collect();
    assert_eq!(order.len(), 5, "{stdout}");
    assert!(order[0].starts_with("play  [Timbre 1/5] Ed Sheeran – Shivers"));
    assert!(order[1].starts_with("skip  [Timbre 2/5] See-Saw"));
    assert!(order[2].starts_with("skip  [Timbre 3/5] 2CELLOS"));
    assert!(order[3].starts_with("play  [Bass 4/5] Polyphia – Playing God"));
    assert!(order[4].starts_with("play  [Bass 5/5] Test Artist – Test Tone"));
    assert!(stdout.contains("cue   00:00.200 riff"), "{stdout}");
    assert!(
        stdout.contains("done: played 3 of 5 track(s), 2 skipped, 0 underrun(s)"),
        "{stdout}"
    );
}

#[test]
fn the_wav_sink_records_exactly_what_would_play() {
    let dir = temp_dir();
    let out = dir.path().join("played.wav");
    iemlab()
        .arg("play")
        .arg(data("s16-44k.wav"))
        .arg("--device")
        .arg(format!("wav:{}", out.display()))
        .args(["--fast", "--volume", "0"])
        .assert()
        .success();
    let (_, source) = iemlab::decode::decode_all(&data("s16-44k.wav")).unwrap();
    let (info, played) = iemlab::decode::decode_all(&out).unwrap();
    assert_eq!(info.sample_rate, 44_100);
    // Find the limiter's delay, then compare after the 10 ms fade-in.
    let delay = played.chunks_exact(2).position(|f| f[0] != 0.0).unwrap();
    let skip = 441 * 2;
    let worst = iemlab::dsp::max_abs_difference(&played[delay * 2 + skip..], &source[skip..]);
    assert!(worst < 1e-4, "worst difference {worst}");
    assert!(played.len() >= source.len() + delay * 2);
    // Refuses to overwrite without --force.
    iemlab()
        .arg("play")
        .arg(data("s16-44k.wav"))
        .arg("--device")
        .arg(format!("wav:{}", out.display()))
        .arg("--fast")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn bad_play_input_is_reported_with_exit_code_2() {
    iemlab()
        .args(["play", "nope.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.toml"));
    iemlab()
        .arg("play")
        .arg(data("s16-44k.wav"))
        .args(["--start", "9", "--device", "null"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--start 9"));
    iemlab()
        .arg("play")
        .arg(data("s16-44k.wav"))
        .args(["--device", "no-such-device-anywhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-device-anywhere"));
    iemlab()
        .args(["play", "/no/such/file.flac", "--device", "null"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to play"));
}

#[test]
fn check_validates_playlists_including_cue_times_against_known_lengths() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists/iem-review.toml");
    iemlab()
        .arg("check")
        .arg(&shipped)
        .assert()
        .success()
        .stdout(predicate::str::contains("4 sections, 13 tracks, 6 cues"));
    let dir = temp_dir();
    let p = dir.path().join("p.toml");
    std::fs::write(
        &p,
        format!(
            "version = 1\nname = \"x\"\n[[sections]]\nname = \"s\"\n[[sections.tracks]]\nartist = \"a\"\ntitle = \"t\"\nfile = \"{}\"\nfocus = \"f\"\ncues = [{{ at = \"01:10\", label = \"late\" }}]\n",
            data("s16-44k.flac").display()
        ),
    )
    .unwrap();
    iemlab()
        .arg("check")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "p.toml:10: a – t: cue: 01:10.000 is past the end of the track (00:00.500)",
        ));
}

#[test]
fn the_shipped_review_playlist_has_the_templates_tracks_and_cues() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists/iem-review.toml");
    let p = iemlab::playlist::Playlist::load(&path).unwrap();
    let sizes: Vec<(String, usize)> = p
        .sections
        .iter()
        .map(|s| (s.name.clone(), s.tracks.len()))
        .collect();
    assert_eq!(
        sizes,
        [
            ("Timbre".to_string(), 7),
            ("Bass and dynamics".to_string(), 2),
            ("Resolution".to_string(), 2),
            ("Stereo imaging and soundstage".to_string(), 2)
        ]
    );
    let cues = |title: &str| -> Vec<f64> {
        p.entries()
            .find(|(_, e)| e.title.starts_with(title))
            .unwrap()
            .1
            .cues
            .iter()
            .map(|c| c.at)
            .collect()
    };
    assert_eq!(cues("A Reckoning in Blood"), [70.0, 170.0]);
    assert_eq!(cues("Shadow of Baar Dau"), [20.0, 40.0]);
    assert_eq!(cues("Synchro BOM-BA-YE"), [0.0]);
    assert_eq!(cues("ABC"), [0.0]);
    let ciaccona = p.entries().filter(|(_, e)| e.title == "Ciaccona").count();
    assert_eq!(ciaccona, 2);
}

#[test]
fn devices_lists_outputs_or_says_there_are_none() {
    iemlab()
        .arg("devices")
        .assert()
        .success()
        .stdout(predicate::str::contains("--device"));
}
