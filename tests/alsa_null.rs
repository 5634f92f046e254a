//! The real cpal output path without a sound card: ALSA's `null` PCM made the default
//! device through an asoundrc in a private HOME, so `iemlab` opens it exactly as it opens a
//! DAC. The null PCM takes samples as fast as they come, so this proves the stream, format
//! negotiation and callback, not real-time pacing.

#![cfg(target_os = "linux")]

use predicates::prelude::*;

use crate::harness::{data, iemlab, temp_dir};

fn home_with_null_default() -> tempfile::TempDir {
    let home = temp_dir();
    std::fs::write(
        home.path().join(".asoundrc"),
        "pcm.!default {\n  type null\n}\n",
    )
    .unwrap();
    home
}

#[test]
fn play_opens_the_default_alsa_device_and_plays_through_it() {
    let home = home_with_null_default();
    iemlab()
        .env("HOME", home.path())
        .env_remove("IEMLAB_CONFIG")
        .env_remove("XDG_CONFIG_HOME")
        .arg("play")
        .arg(data("s16-44k.flac"))
        .arg(data("opus-48k.opus"))
        .args([
            "--eq",
            "presets/eq/bass-boost.toml",
            "--buffer",
            "256",
            "--host",
            "alsa",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stdout(
            predicate::str::contains("output: Default Audio Device via alsa (44100 Hz, 2 ch")
                .and(predicate::str::contains("play  [1/2] s16-44k.flac"))
                .and(predicate::str::contains("play  [2/2] opus-48k.opus"))
                .and(predicate::str::contains("done: played 2 of 2 track(s)")),
        );
}

#[test]
fn devices_lists_the_null_pcm() {
    let home = home_with_null_default();
    iemlab()
        .env("HOME", home.path())
        .arg("devices")
        .assert()
        .success()
        .stdout(predicate::str::contains("(default)").and(predicate::str::contains("alsa:null")));
}
