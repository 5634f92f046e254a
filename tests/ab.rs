//! A/B comparison end to end: switches at cues rendered through the engine, loudness
//! matching, loop seams, scripted blind ABX, notes that survive a killed process, and the
//! review draft.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use iemlab::decode::decode_all;
use iemlab::dsp::integrated_lufs;
use iemlab::engine::{self, EngineConfig, TrackSource};
use predicates::prelude::*;

use crate::harness::{
    Deadline, EventCounts, eq_preset, iemlab, iemlab_process, temp_dir, wait_ready, wait_until,
    write_wav_f32,
};

/// The shipped profile `name`, as a command-line argument.
fn preset(name: &str) -> String {
    eq_preset(name).display().to_string()
}

/// A quiet music-like test signal (chords and noise, well under the limiter's ceiling).
fn write_music(path: &Path, rate: u32, seconds: f64) {
    write_signal(
        path,
        rate,
        seconds,
        &[55.0, 220.0, 277.2, 329.6, 2500.0, 7000.0],
        0.02,
    );
}

/// Sines at `freqs` (0.03 each) plus `noise` peak-to-peak white noise.
fn write_signal(path: &Path, rate: u32, seconds: f64, freqs: &[f64], noise_level: f64) {
    let mut samples = Vec::new();
    let mut state = 99u32;
    for i in 0..(seconds * f64::from(rate)) as usize {
        let t = i as f64 / f64::from(rate);
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (f64::from(state) / f64::from(u32::MAX) - 0.5) * noise_level;
        let chord: f64 = freqs
            .iter()
            .enumerate()
            .map(|(k, f)| (std::f64::consts::TAU * f * t + k as f64).sin() * 0.03)
            .sum();
        samples.extend([(chord + noise) as f32, (chord * 0.9 - noise) as f32]);
    }
    write_wav_f32(path, rate, &samples);
}

fn render_ab(input: &Path, out: &Path, profiles: &str, extra: &[&str]) -> Vec<f32> {
    iemlab()
        .arg("render")
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(["--ab", profiles, "--format", "f32", "--force"])
        .args(extra)
        .assert()
        .success();
    decode_all(out).unwrap().1
}

fn max_step(samples: &[f32], from: usize, to: usize) -> f32 {
    (from.max(1)..to.min(samples.len() / 2))
        .flat_map(|i| (0..2).map(move |c| (i, c)))
        .map(|(i, c)| (samples[i * 2 + c] - samples[(i - 1) * 2 + c]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_switch_at_a_cue_is_a_before_and_b_after_with_no_click_between() {
    let dir = temp_dir();
    let input = dir.path().join("music.wav");
    // Smooth, bass-heavy material where A and B differ a lot (a 6 dB shelf at 105 Hz against
    // flat): a hard switch between them jumps by far more than the waveform ever steps.
    write_signal(&input, 48_000, 4.0, &[55.0, 110.0, 220.0, 330.0], 0.0);
    let playlist = dir.path().join("p.toml");
    std::fs::write(
        &playlist,
        format!(
            "version = 1\nname = \"t\"\n[[sections]]\nname = \"Bass\"\n[[sections.tracks]]\nartist = \"\"\ntitle = \"music\"\nfile = \"{}\"\nfocus = \"f\"\ncues = [{{ at = \"00:02\", label = \"drop\" }}]\n",
            input.display()
        ),
    )
    .unwrap();
    let (a, b) = (preset("bass-boost.toml"), "flat".to_string());
    let off = ["--match", "off"];
    let switched = render_ab(
        &input,
        &dir.path().join("ab.wav"),
        &format!("{a},{b}"),
        &[
            "--match",
            "off",
            "--playlist",
            playlist.to_str().unwrap(),
            "--track",
            "1",
            "--switch",
            "cues",
        ],
    );
    // "Never" switch: a time past the end.
    let only_a = render_ab(
        &input,
        &dir.path().join("a.wav"),
        &format!("{a},{b}"),
        &[&off[..], &["--switch-at", "59:00"]].concat(),
    );
    let only_b = render_ab(
        &input,
        &dir.path().join("b.wav"),
        &format!("{b},{a}"),
        &[&off[..], &["--switch-at", "59:00"]].concat(),
    );
    assert_eq!(switched.len(), only_a.len());
    let cue = 2 * 48_000;
    let fade = 20 * 48; // 20 ms
    let before = &switched[..cue * 2];
    assert!(
        before == &only_a[..cue * 2],
        "before the cue the output is not A"
    );
    let after = (cue + fade) * 2;
    let worst = iemlab::dsp::max_abs_difference(&switched[after..], &only_b[after..]);
    assert!(
        worst < 1e-6,
        "after the crossfade the output is not B (worst {worst})"
    );
    // No step in the crossfade much beyond the signals' own largest step: an equal-gain
    // fade between two EQs of the same music moves from one to the other a little each
    // frame, while a switch without a fade jumps by |A − B|, here many times the largest
    // step.
    let (lo, hi) = (cue - 100, cue + fade + 100);
    // The signals' own steps, away from the start and the abrupt end of the file.
    let frames = only_a.len() / 2;
    let own = max_step(&only_a, 2000, frames - 2000).max(max_step(&only_b, 2000, frames - 2000));
    let seen = max_step(&switched, lo, hi);
    assert!(
        seen <= own * 1.5,
        "step {seen} in the crossfade vs {own} in the signals"
    );
    let hard = render_ab(
        &input,
        &dir.path().join("hard.wav"),
        &format!("{a},{b}"),
        &[
            "--match",
            "off",
            "--switch-at",
            "00:02",
            "--crossfade-ms",
            "0",
        ],
    );
    let jump = max_step(&hard, lo, hi);
    assert!(
        jump > own * 5.0,
        "the test signal cannot show a click ({jump} vs {own})"
    );
}

#[test]
fn a_rendered_ab_has_the_inputs_length_and_switches_on_their_exact_frame() {
    let dir = temp_dir();
    let input = dir.path().join("music.wav");
    write_music(&input, 48_000, 3.0);
    let source = decode_all(&input).unwrap().1;
    // Identical profiles: every switch, crossfade and all, leaves the music untouched (an
    // equal-power fade swelled each one by up to 3 dB).
    let same = render_ab(
        &input,
        &dir.path().join("same.wav"),
        "flat,flat",
        &["--match", "off", "--switch-at", "0.5,1,1.5,2"],
    );
    assert_eq!(same.len(), source.len(), "not the input's length");
    let worst = iemlab::dsp::max_abs_difference(&same, &source);
    assert!(
        worst < 1e-6,
        "identical profiles changed the output by {worst}"
    );
    // A 6 dB step at 01.000 with no crossfade: the first quieter frame is frame 48 000.
    let minus6 = dir.path().join("minus6.toml");
    std::fs::write(
        &minus6,
        "version = 1\nname = \"minus 6\"\npreamp_db = -6.0\nbands = []\n",
    )
    .unwrap();
    let step = render_ab(
        &input,
        &dir.path().join("step.wav"),
        &format!("flat,{}", minus6.display()),
        &["--match", "off", "--switch-at", "1", "--crossfade-ms", "0"],
    );
    assert_eq!(step.len(), source.len());
    let g = 10f32.powf(-6.0 / 20.0);
    assert_eq!(
        &step[..48_000 * 2],
        &source[..48_000 * 2],
        "changed before 01.000"
    );
    let after = step[48_000 * 2..]
        .iter()
        .zip(&source[48_000 * 2..])
        .map(|(y, x)| (y - x * g).abs())
        .fold(0.0f32, f32::max);
    assert!(after < 1e-6, "not 6 dB down from frame 48 000 ({after})");
}

#[test]
fn loudness_matching_levels_two_profiles_within_a_tenth_of_a_lu() {
    let dir = temp_dir();
    let input = dir.path().join("demo.wav");
    let material = iemlab::material::demo_material(48_000);
    let mut sink =
        iemlab::render::WavSink::create(&input, 48_000, iemlab::render::WavFormat::F32, true)
            .unwrap();
    sink.write(&material.samples).unwrap();
    sink.finish().unwrap();
    for (a, b) in [
        ("bass-boost.toml", "treble-tame.toml"),
        ("v-shape-graphic.toml", "flat.toml"),
    ] {
        let (a, b) = (preset(a), preset(b));
        let never = ["--switch-at", "59:00"];
        let ra = render_ab(
            &input,
            &dir.path().join("a.wav"),
            &format!("{a},{b}"),
            &never,
        );
        let rb = render_ab(
            &input,
            &dir.path().join("b.wav"),
            &format!("{b},{a}"),
            &never,
        );
        let (la, lb) = (
            integrated_lufs(&ra, 48_000).unwrap(),
            integrated_lufs(&rb, 48_000).unwrap(),
        );
        assert!(
            (la - lb).abs() <= 0.1,
            "{a} {la:.3} LUFS vs {b} {lb:.3} LUFS"
        );
        // And without matching they differ audibly.
        let ua = render_ab(
            &input,
            &dir.path().join("ua.wav"),
            &format!("{a},{b}"),
            &["--match", "off", "--switch-at", "59:00"],
        );
        let ub = render_ab(
            &input,
            &dir.path().join("ub.wav"),
            &format!("{b},{a}"),
            &["--match", "off", "--switch-at", "59:00"],
        );
        let gap =
            (integrated_lufs(&ua, 48_000).unwrap() - integrated_lufs(&ub, 48_000).unwrap()).abs();
        assert!(gap > 0.5, "unmatched gap {gap}");
    }
}

#[test]
fn loop_seams_alternate_profiles_without_clicks() {
    let dir = temp_dir();
    let path = dir.path().join("sine.wav");
    let sine: Vec<f32> = (0..48_000 * 2)
        .flat_map(|i| {
            let v = (std::f64::consts::TAU * 440.0 * f64::from(i) / 48_000.0).sin() as f32 * 0.3;
            [v, v]
        })
        .collect();
    write_wav_f32(&path, 48_000, &sine);
    let mut config = EngineConfig::new(48_000);
    config.callback.volume_db = 0.0;
    let mut source = TrackSource::new(Some(path.clone()));
    // A loop whose ends do not meet in phase: without the seam's crossfade it would click.
    source.loop_region = Some((0.1003, 0.3517));
    let (mut player, mut callback) = engine::start(config, vec![source]);
    let flat = iemlab::preset::EqProfile::flat();
    player.load(0, None, 0.0).unwrap();
    player.load(1, Some(&flat), -3.0).unwrap();
    player.set_loop(true);
    player.alternate_on_loop(Some([0, 1]));
    // As a session does: the output starts once the feeder is ahead (an underrun at the
    // start would insert silence, a click of its own).
    let mut events = Vec::new();
    wait_ready(&mut player, &mut events);
    let mut out = Vec::new();
    let mut buf = vec![0.0f32; 512];
    let deadline = Deadline::new("two seconds of looped output", Duration::from_secs(10));
    while out.len() < 48_000 * 2 * 2 {
        deadline.check(|| format!("{} frames, {:?}", out.len() / 2, EventCounts::of(&events)));
        callback.process(&mut buf);
        out.extend_from_slice(&buf);
        events.extend(player.poll());
        std::thread::sleep(Duration::from_micros(200));
    }
    let seen = EventCounts::of(&events);
    // The region (0.2514 s) loops six or seven times in two seconds (how many varies with
    // when looping reaches the feeder); every seam alternates the profile.
    assert!(seen.loop_seams >= 6, "{seen:?}");
    assert_eq!(
        seen.switches, seen.loop_seams,
        "a switch at every seam: {seen:?}"
    );
    assert_eq!(seen.underruns, 0, "{seen:?}");
    let step = max_step(&out, 1, out.len() / 2);
    // The sine's own largest step is 0.3·2π·440/48000 ≈ 0.0173; an equal-power seam between
    // two phases of the same sine (the worst case for that law: the two sides are fully
    // correlated) can reach √2 of it.
    assert!(step < 0.025, "largest step {step}");
}

#[test]
fn a_scripted_blind_abx_scores_and_logs_every_trial() {
    let dir = temp_dir();
    let input = dir.path().join("music.wav");
    write_music(&input, 48_000, 4.0);
    let log = dir.path().join("abx.json");
    iemlab()
        .arg("ab")
        .arg(&input)
        .args(["--a", &preset("bass-boost.toml"), "--b", "flat", "--blind"])
        .args(["--trials", "8", "--seed", "42", "--answers", "abababab"])
        .args([
            "--loop",
            "00:01-00:02",
            "--device",
            "null",
            "--fast",
            "--abx-log",
        ])
        .arg(&log)
        .timeout(Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicate::str::contains("ABX result:"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    let trials = json["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 8);
    let correct = trials.iter().filter(|t| t["truth"] == t["answer"]).count() as u64;
    assert_eq!(json["correct"].as_u64().unwrap(), correct);
    let p = json["p_value"].as_f64().unwrap();
    assert!((p - iemlab::ab::abx::p_value(correct as u32, 8)).abs() < 1e-12);
    // Same seed, same hidden sequence.
    let log2 = dir.path().join("abx2.json");
    iemlab()
        .arg("ab")
        .arg(&input)
        .args(["--a", &preset("bass-boost.toml"), "--b", "flat", "--blind"])
        .args(["--trials", "8", "--seed", "42", "--answers", "aaaaaaaa"])
        .args([
            "--loop",
            "00:01-00:02",
            "--device",
            "null",
            "--fast",
            "--abx-log",
        ])
        .arg(&log2)
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let json2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&log2).unwrap()).unwrap();
    let truths = |j: &serde_json::Value| -> Vec<String> {
        j["trials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["truth"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(truths(&json), truths(&json2));
}

#[test]
fn notes_survive_a_killed_process_and_become_a_review_draft() {
    let dir = temp_dir();
    let input = dir.path().join("Shivers.wav");
    write_music(&input, 48_000, 30.0);
    let notes = dir.path().join("notes.jsonl");
    let mut child = iemlab_process()
        .arg("ab")
        .arg(&input)
        .args([
            "--a",
            &preset("bass-boost.toml"),
            "--b",
            "flat",
            "--device",
            "null",
            "--notes",
        ])
        .arg(&notes)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "note: warm vocals, good body").unwrap();
    writeln!(stdin, "b").unwrap();
    writeln!(stdin, "note: more sibilance and brilliance").unwrap();
    stdin.flush().unwrap();
    wait_until("two notes saved", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&notes).unwrap_or_default();
        if text.lines().count() >= 2 {
            Ok(())
        } else {
            Err(format!("{}:\n{text}", notes.display()))
        }
    });
    // SIGKILL: no chance to flush or clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    let saved = iemlab::ab::notes::read_notes(&notes).unwrap();
    assert_eq!(saved.len(), 2);
    assert_eq!(saved[0].text, "warm vocals, good body");
    assert_eq!(saved[0].track, "Shivers.wav");
    assert_eq!(saved[1].text, "more sibilance and brilliance");
    assert!(
        saved
            .iter()
            .all(|n| n.position.contains(':') && !n.profile.is_empty())
    );

    let draft = dir.path().join("draft.md");
    iemlab()
        .arg("report")
        .arg(&notes)
        .args(["--template", "review", "-o"])
        .arg(&draft)
        .assert()
        .success();
    let text = std::fs::read_to_string(&draft).unwrap();
    for want in [
        "**Timbre:**",
        "**Bass and perceived dynamic:**",
        "**Resolution:**",
        "**Stereo imaging and soundstage:**",
        "Comparisons",
        "warm vocals, good body",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
}

#[test]
fn the_review_draft_follows_the_playlist_with_its_links() {
    let dir = temp_dir();
    let notes = dir.path().join("n.jsonl");
    std::fs::write(
        &notes,
        concat!(
            r#"{"time":"2026-11-25T10:00:00Z","section":"Bass and dynamics","artist":"","track":"A Reckoning in Blood","position":"01:10.020","cue":"01:10.000 crescendo","profile":"A","text":"crescendo hits hard, punch"}"#, "\n",
            r#"{"time":"2026-11-25T10:01:00Z","section":"Bass and dynamics","artist":"","track":"A Reckoning in Blood","position":"01:10.020","cue":"01:10.000 crescendo","profile":"B","text":"softer, less punch"}"#, "\n",
        ),
    )
    .unwrap();
    let playlist = Path::new(env!("CARGO_MANIFEST_DIR")).join("playlists/iem-review.toml");
    iemlab()
        .arg("report")
        .arg(&notes)
        .arg("--playlist")
        .arg(&playlist)
        .assert()
        .success()
        .stdout(
            predicate::str::contains(
                "**[A Reckoning in Blood](https://www.youtube.com/watch?v=kaBMXXo-vdU)**",
            )
            .and(predicate::str::contains(
                "- 01:10.020 (01:10.000 crescendo), A: crescendo hits hard, punch",
            ))
            .and(predicate::str::contains(
                "**A vs B on A Reckoning in Blood**",
            ))
            .and(predicate::str::contains("**[Shivers by Ed Sheeran]")),
        );
    std::fs::write(&notes, "not json\n").unwrap();
    iemlab()
        .arg("report")
        .arg(&notes)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("n.jsonl:1: not a note"));
}

#[test]
fn ab_rejects_bad_options_with_exit_code_2() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/s16-44k.wav");
    for (args, msg) in [
        (vec!["--switch", "sometimes"], "--switch sometimes"),
        (vec!["--switch", "every", "0"], "every 0"),
        (vec!["--loop", "01:00-00:30"], "--loop 01:00-00:30"),
        (
            vec!["--match", "maybe"],
            "invalid value 'maybe' for '--match",
        ),
    ] {
        iemlab()
            .arg("ab")
            .arg(&data)
            .args(["--a", "flat", "--b", "flat", "--device", "null", "--fast"])
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(msg));
    }
}

#[test]
fn profiles_are_checked_at_the_rate_the_output_runs_at() {
    let dir = temp_dir();
    let air = dir.path().join("air.toml");
    std::fs::write(
        &air,
        "version = 1\nname = \"air\"\npreamp_db = -2\nbands = [{ type = \"high_shelf\", freq_hz = 23000, gain_db = 2, q = 0.7 }]\n",
    )
    .unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let ab = |tracks: &[&str], extra: &[&str]| {
        let mut cmd = iemlab();
        cmd.arg("ab");
        for t in tracks {
            cmd.arg(data.join(t));
        }
        cmd.arg("--a")
            .arg(&air)
            .args(["--b", "flat", "--device", "null", "--fast"])
            .args(extra)
            .timeout(Duration::from_secs(60))
            .assert()
    };
    // The output runs at the track's 44.1 kHz, where 23 kHz is above Nyquist.
    ab(&["s16-44k.wav"], &["--match", "off"]).code(2).stderr(
        predicate::str::contains("air.toml:4: bands[0].freq_hz: 23000 Hz")
            .and(predicate::str::contains("Nyquist at 44100 Hz")),
    );
    // Starting on a 96 kHz track, it runs at 96 kHz: the 44.1 kHz track before it does not
    // matter, nor does pink-noise matching.
    for matching in ["off", "pink"] {
        ab(
            &["s16-44k.wav", "s24-96k.wav"],
            &["--start", "2", "--match", matching],
        )
        .success()
        .stdout(predicate::str::contains("end of playlist"));
    }
}

#[test]
fn blind_ratings_are_saved_unblinded_and_tabled_in_the_draft() {
    let dir = temp_dir();
    let input = dir.path().join("Shivers.wav");
    write_music(&input, 48_000, 30.0);
    let notes = dir.path().join("notes.jsonl");
    let mut child = iemlab_process()
        .arg("ab")
        .arg(&input)
        .args([
            "--a",
            &preset("bass-boost.toml"),
            "--b",
            "flat",
            "--rate",
            "--seed",
            "1",
        ])
        .args(["--device", "null", "--notes"])
        .arg(&notes)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "rate: timbre 4 warm and full").unwrap();
    writeln!(stdin, "rate: vibes 9").unwrap();
    writeln!(stdin, "b").unwrap();
    writeln!(stdin, "rate: soundstage 2").unwrap();
    stdin.flush().unwrap();
    wait_until("two ratings saved", Duration::from_secs(20), || {
        let text = std::fs::read_to_string(&notes).unwrap_or_default();
        if text.lines().count() >= 2 {
            Ok(())
        } else {
            Err(format!("{}:\n{text}", notes.display()))
        }
    });
    // Still blind while playing: the file names the hidden letters only.
    let during = iemlab::ab::notes::read_notes(&notes).unwrap();
    assert_eq!(during[0].profile, "A");
    assert_eq!(
        during[0].text,
        "rating timbre 4/5 (Very good): warm and full"
    );
    assert_eq!(during[1].profile, "B");
    writeln!(stdin, "q").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("the hidden order was (--seed 1):"), "{said}");
    let after = iemlab::ab::notes::read_notes(&notes).unwrap();
    assert_eq!(after.len(), 2, "the bad rating was not saved");
    let names: Vec<&str> = after.iter().map(|n| n.profile.as_str()).collect();
    assert!(
        names[0].ends_with("(rated blind as A)") && names[1].ends_with("(rated blind as B)"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("flat"))
            && names.iter().any(|n| n.starts_with("Bass boost")),
        "{names:?}"
    );
    let draft = iemlab().arg("report").arg(&notes).assert().success();
    let text = String::from_utf8_lossy(&draft.get_output().stdout).into_owned();
    assert!(text.contains("Blind ratings"), "{text}");
    assert!(text.contains("| Profile | Timbre | Bass and perceived dynamic | Resolution | Stereo imaging and soundstage |"), "{text}");
    assert!(text.contains(" 4/5 |") && text.contains(" 2/5 |"), "{text}");
}
