//! The `iemlab` binary end to end: render, check, demo and their exit codes.

use std::path::{Path, PathBuf};

use iemlab::dsp::{BandSpec, Coeffs, EqChain, FilterKind, max_abs_difference};
use predicates::prelude::*;

use crate::harness::{iemlab, read_wav, repo, temp_dir, write_wav_i16};

/// Writes a stereo 16-bit WAV of a two-tone signal at `rate`, `seconds` long, at `level`.
fn write_wav(path: &Path, rate: u32, seconds: f64, level: f64) -> Vec<f32> {
    let mut quantized = Vec::new();
    for i in 0..(seconds * f64::from(rate)) as usize {
        let t = i as f64 / f64::from(rate);
        let l = level
            * (0.6 * (2.0 * std::f64::consts::PI * 80.0 * t).sin()
                + 0.4 * (2.0 * std::f64::consts::PI * 3000.0 * t).sin());
        let r = level * (2.0 * std::f64::consts::PI * 440.0 * t).sin();
        quantized.extend([l, r].map(|v| (v * 32767.0).round() as i16));
    }
    write_wav_i16(path, rate, &quantized);
    quantized.iter().map(|&q| f32::from(q) / 32768.0).collect()
}

fn write_profile(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn render_applies_the_profile_exactly_as_the_dsp_does() {
    let dir = temp_dir();
    let input = dir.path().join("in.wav");
    let source = write_wav(&input, 48_000, 1.0, 0.3);
    let output = dir.path().join("out.wav");
    iemlab()
        .args(["render", input.to_str().unwrap(), "--eq"])
        .arg(repo("presets/eq/treble-tame.toml"))
        .arg("-o")
        .arg(&output)
        .args(["--format", "f32"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("00:01.000 at 48000 Hz")
                .and(predicate::str::contains("0 clipped samples")),
        );
    let (spec, rendered) = read_wav(&output);
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 32)
    );
    // The same bands through the library's chain give the same samples.
    let bands = [
        BandSpec {
            kind: FilterKind::Peaking,
            freq_hz: 6000.0,
            gain_db: -5.0,
            q: 3.0,
        },
        BandSpec {
            kind: FilterKind::HighShelf,
            freq_hz: 9000.0,
            gain_db: -2.5,
            q: 0.7,
        },
        BandSpec {
            kind: FilterKind::Peaking,
            freq_hz: 3000.0,
            gain_db: -1.0,
            q: 1.2,
        },
    ];
    let coeffs: Vec<Coeffs> = bands
        .iter()
        .map(|b| Coeffs::new(b, 48_000.0).unwrap())
        .collect();
    let mut want = source.clone();
    EqChain::with_stages(48_000.0, 0.0, &coeffs)
        .unwrap()
        .process_interleaved(&mut want);
    assert_eq!(rendered.len(), want.len());
    let worst = max_abs_difference(&rendered, &want);
    assert!(worst < 1e-6, "worst difference {worst}");
    // And the EQ changed the signal (the 3 kHz tone is cut).
    assert!(
        rendered
            .iter()
            .zip(&source)
            .any(|(a, b)| (a - b).abs() > 0.01)
    );
}

#[test]
fn flat_render_at_24_bit_reproduces_the_input() {
    let dir = temp_dir();
    let input = dir.path().join("in.wav");
    let source = write_wav(&input, 44_100, 0.5, 0.5);
    let output = dir.path().join("flat.wav");
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--eq", "flat", "-o"])
        .arg(&output)
        .assert()
        .success();
    let (spec, rendered) = read_wav(&output);
    assert_eq!((spec.bits_per_sample, spec.sample_rate), (24, 44_100));
    assert_eq!(rendered.len(), source.len());
    let worst = max_abs_difference(&rendered, &source);
    assert!(worst < 1e-6, "{worst}");
}

/// A WebM Opus file renders to exactly the length ffmpeg decodes it to: 576000 bytes of
/// stereo f32 from `ffmpeg -i tests/data/opus-48k.webm -f f32le - | wc -c` (ffmpeg 5.1.9), i.e.
/// 72000 frames, the last block's DiscardPadding (648 frames of encoder filler) dropped.
#[test]
fn render_of_webm_opus_stops_where_ffmpeg_stops() {
    let dir = temp_dir();
    let output = dir.path().join("out.wav");
    iemlab()
        .arg("render")
        .arg(repo("tests/data/opus-48k.webm"))
        .args(["--eq", "flat", "-o"])
        .arg(&output)
        .assert()
        .success();
    let (spec, rendered) = read_wav(&output);
    assert_eq!((spec.channels, spec.sample_rate), (2, 48_000));
    assert_eq!(rendered.len() / 2, 72_000);
    // Its last frames are the tones (-6 dBFS sines), not the quiet filler that followed them.
    let tail = &rendered[rendered.len() - 2 * 480..];
    let rms = (tail.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / tail.len() as f64).sqrt();
    assert!(rms > 0.3, "tail rms {rms}");
}

#[test]
fn render_resamples_and_cuts_a_time_range() {
    let dir = temp_dir();
    let input = dir.path().join("in.wav");
    write_wav(&input, 44_100, 3.0, 0.3);
    let output = dir.path().join("part.wav");
    iemlab()
        .arg("render")
        .arg(&input)
        .arg("--eq")
        .arg(repo("presets/eq/bass-boost.toml"))
        .args([
            "--rate", "96000", "--from", "00:01", "--to", "00:02.5", "-o",
        ])
        .arg(&output)
        .assert()
        .success()
        .stdout(predicate::str::contains("44100 → 96000 Hz"));
    let (spec, rendered) = read_wav(&output);
    assert_eq!(spec.sample_rate, 96_000);
    assert_eq!(rendered.len(), 2 * 144_000);
}

#[test]
fn render_refuses_to_overwrite_without_force_and_leaves_the_file_alone() {
    let dir = temp_dir();
    let input = dir.path().join("in.wav");
    write_wav(&input, 48_000, 0.2, 0.3);
    let output = dir.path().join("keep.wav");
    std::fs::write(&output, b"precious").unwrap();
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--eq", "flat", "-o"])
        .arg(&output)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("keep.wav").and(predicate::str::contains("--force")));
    assert_eq!(std::fs::read(&output).unwrap(), b"precious");
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--eq", "flat", "--force", "-o"])
        .arg(&output)
        .assert()
        .success();
    assert_ne!(std::fs::read(&output).unwrap(), b"precious");
    // No temp files are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".part"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn render_warns_how_much_the_output_clipped() {
    let dir = temp_dir();
    let input = dir.path().join("hot.wav");
    write_wav(&input, 48_000, 0.5, 0.9);
    let profile = write_profile(
        dir.path(),
        "boost.toml",
        "version = 1\nname = \"boost\"\npreamp_db = 0\nbands = [{ type = \"low_shelf\", freq_hz = 200, gain_db = 6, q = 0.7 }]\n",
    );
    let output = dir.path().join("out.wav");
    iemlab()
        .arg("render")
        .arg(&input)
        .arg("--eq")
        .arg(&profile)
        .arg("-o")
        .arg(&output)
        .assert()
        .success()
        .stderr(
            predicate::str::contains("were clipped")
                .and(predicate::str::contains("lower the profile's preamp_db by")),
        );
    let (_, rendered) = read_wav(&output);
    assert!(rendered.iter().all(|v| v.abs() <= 1.0));
}

#[test]
fn render_reports_bad_input_with_exit_code_2() {
    let dir = temp_dir();
    let out = dir.path().join("o.wav");
    // Missing input.
    iemlab()
        .args(["render", "no-such-track.flac", "--eq", "flat", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-track.flac"))
        // The OS reason once, not repeated by the error chain.
        .stderr(predicate::function(|e: &str| {
            e.matches("os error 2").count() == 1
        }));
    // Not audio.
    let junk = dir.path().join("junk.mp3");
    std::fs::write(&junk, "this is not audio\n".repeat(100)).unwrap();
    iemlab()
        .arg("render")
        .arg(&junk)
        .args(["--eq", "flat", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("junk.mp3"));
    // A band above Nyquist of the output rate.
    let input = dir.path().join("in.wav");
    write_wav(&input, 44_100, 0.2, 0.3);
    let profile = write_profile(
        dir.path(),
        "high.toml",
        "version = 1\nname = \"high\"\npreamp_db = 0\nbands = [{ type = \"peaking\", freq_hz = 30000, gain_db = -3, q = 1 }]\n",
    );
    iemlab()
        .arg("render")
        .arg(&input)
        .arg("--eq")
        .arg(&profile)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "high.toml:4: bands[0].freq_hz: 30000 Hz",
        ));
    // --to before --from.
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--eq", "flat", "--from", "00:10", "--to", "00:05", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    // Unparseable time.
    iemlab()
        .arg("render")
        .arg(&input)
        .args(["--eq", "flat", "--from", "1:75", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("1:75"));
    assert!(!out.exists());
}

#[test]
fn check_accepts_shipped_profiles() {
    let mut cmd = iemlab();
    cmd.arg("check");
    for entry in std::fs::read_dir(repo("presets/eq")).unwrap() {
        cmd.arg(entry.unwrap().path());
    }
    cmd.assert()
        .success()
        .stdout(predicate::str::contains("ok").and(predicate::str::contains("10-band graphic EQ")));
}

#[test]
fn check_lists_every_problem_with_file_line_and_field() {
    let dir = temp_dir();
    let bad = write_profile(
        dir.path(),
        "bad.toml",
        "version = 1\nname = \"bad\"\npreamp_db = 0\nbands = [\n  { type = \"peaking\", freq_hz = 25000, gain_db = 3, q = 1 },\n  { type = \"peaking\", freq_hz = 1000, gain_db = 40, q = 0 },\n]\n",
    );
    let unknown = write_profile(
        dir.path(),
        "unknown.toml",
        "version = 1\nname = \"u\"\npreamp_db = 0\nbands = []\ncolour = \"red\"\n",
    );
    let good = repo("presets/eq/bass-boost.toml");
    iemlab()
        .arg("check")
        .arg(&bad)
        .arg(&good)
        .arg(&unknown)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("bass-boost.toml"))
        .stderr(
            predicate::str::contains("bad.toml:5: bands[0].freq_hz: 25000 Hz")
                .and(predicate::str::contains(
                    "bad.toml:6: bands[1].gain_db: 40 dB",
                ))
                .and(predicate::str::contains("bad.toml:6: bands[1].q: 0"))
                .and(predicate::str::contains("unknown.toml:5"))
                .and(predicate::str::contains("colour"))
                .and(predicate::str::contains("2 of 3 files invalid")),
        );
}

#[test]
fn check_rate_moves_the_nyquist_limit() {
    let dir = temp_dir();
    let p = write_profile(
        dir.path(),
        "air.toml",
        "version = 1\nname = \"air\"\npreamp_db = -2\nbands = [{ type = \"high_shelf\", freq_hz = 23000, gain_db = 2, q = 0.7 }]\n",
    );
    iemlab().arg("check").arg(&p).assert().code(2);
    iemlab()
        .arg("check")
        .arg(&p)
        .args(["--rate", "96000"])
        .assert()
        .success();
}

#[test]
fn check_of_a_missing_or_unknown_file_fails_with_its_name() {
    iemlab()
        .args(["check", "missing.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
    iemlab()
        .args(["check", "notes.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.txt"));
}

#[test]
fn usage_errors_exit_2() {
    iemlab().assert().code(2);
    iemlab().args(["render", "x.wav"]).assert().code(2);
    iemlab().args(["frobnicate"]).assert().code(2);
}

#[test]
fn demo_writes_source_and_three_renders_without_any_files() {
    let dir = temp_dir();
    let out = dir.path().join("demo");
    iemlab()
        .current_dir(dir.path())
        .args(["demo", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("demo-source.wav")
                .and(predicate::str::contains("demo-bass-boost.wav"))
                .and(predicate::str::contains("hand claps")),
        );
    let (_, source) = read_wav(&out.join("demo-source.wav"));
    for name in [
        "demo-bass-boost.wav",
        "demo-treble-tame.wav",
        "demo-v-shape-graphic.wav",
    ] {
        let (spec, rendered) = read_wav(&out.join(name));
        assert_eq!(spec.sample_rate, 48_000);
        assert_eq!(rendered.len(), source.len(), "{name}");
        assert!(
            rendered
                .iter()
                .zip(&source)
                .any(|(a, b)| (a - b).abs() > 0.01),
            "{name} is unchanged"
        );
        assert!(rendered.iter().all(|v| v.abs() < 1.0), "{name} clips");
    }
    // Running it again replaces its own files.
    iemlab().args(["demo", "-o"]).arg(&out).assert().success();
}

#[test]
fn a_panic_is_reported_as_a_bug_in_one_line_without_a_backtrace() {
    iemlab()
        .env("IEMLAB_TEST_PANIC", "1")
        .env("RUST_BACKTRACE", "1")
        .args(["check", "x.toml"])
        .assert()
        .code(70)
        .stderr(
            predicate::str::contains("internal error")
                .and(predicate::str::contains("bug in iemlab"))
                .and(predicate::str::contains("backtrace").not())
                .and(predicate::str::contains("panicked").not()),
        );
}

#[test]
fn a_panic_on_another_thread_ends_the_process_with_the_same_report() {
    iemlab()
        .env("IEMLAB_TEST_PANIC", "thread")
        .args(["check", "x.toml"])
        .assert()
        .code(70)
        .stderr(
            predicate::str::contains("internal error in thread iemlab-test")
                .and(predicate::str::contains("bug in iemlab")),
        );
}
