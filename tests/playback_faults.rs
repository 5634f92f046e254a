//! Faults during playback: the playing file truncated or deleted under the engine, and the
//! output device disappearing mid-session (injected through the same path a sound card's
//! stream error takes).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use iemlab::engine::{
    self, EngineConfig, FeederEvent, PlayerEvent, StreamFault, TrackSource, Transport,
};

use crate::harness::{Deadline, EventCounts, iemlab_process, temp_dir, wait_until, write_wav_i16};

/// Writes `seconds` of a 16-bit stereo tone at 44.1 kHz.
fn write_tone(path: &Path, seconds: f64) {
    let tone: Vec<i16> = (0..(seconds * 44_100.0) as usize)
        .flat_map(|n| {
            let v = (8000.0 * (n as f64 * 440.0 * std::f64::consts::TAU / 44_100.0).sin()) as i16;
            [v, v]
        })
        .collect();
    write_wav_i16(path, 44_100, &tone);
}

/// What happened to a two-track playlist whose first file `damage` changes after about half
/// a second of playback: the events and the frames played.
fn play_with_damage(first: &Path, second: &Path, damage: impl FnOnce()) -> (Vec<PlayerEvent>, u64) {
    let tracks = vec![
        TrackSource::new(Some(first.to_path_buf())),
        TrackSource::new(Some(second.to_path_buf())),
    ];
    let mut config = EngineConfig::new(44_100);
    config.ring_seconds = 0.1;
    let (mut player, mut callback) = engine::start(config, tracks);
    let status = std::sync::Arc::clone(player.status());
    let mut events = Vec::new();
    let mut buf = vec![0.0f32; 2 * 512];
    let mut frames = 0u64;
    let mut damage = Some(damage);
    let deadline = Deadline::new("the playlist to end", Duration::from_secs(60));
    while status.transport() != Transport::Ended {
        // Keep the ring topped up, as a real-time pace would.
        while status.queued_frames() < 512 && !status.feeder_done.load(Ordering::Acquire) {
            deadline.check(|| {
                format!(
                    "the feeder at {} queued frames after {frames} played; events {events:?}",
                    status.queued_frames()
                )
            });
            std::thread::sleep(Duration::from_micros(200));
        }
        deadline.check(|| {
            format!(
                "{:?} after {frames} frames; events {events:?}",
                status.transport()
            )
        });
        callback.process(&mut buf);
        frames += 512;
        if frames >= 22_050
            && let Some(d) = damage.take()
        {
            d();
        }
        events.extend(player.poll());
    }
    events.extend(player.poll());
    (events, frames)
}

fn skipped(events: &[PlayerEvent], index: usize) -> Option<&str> {
    events.iter().find_map(|e| match e {
        PlayerEvent::Feeder(FeederEvent::Skipped { index: i, reason }) if *i == index => {
            Some(reason.as_str())
        }
        _ => None,
    })
}

fn opened(events: &[PlayerEvent], index: usize) -> bool {
    events.iter().any(
        |e| matches!(e, PlayerEvent::Feeder(FeederEvent::Opened { index: i, .. }) if *i == index),
    )
}

#[test]
fn a_file_truncated_while_playing_is_cut_short_with_a_reason_and_the_next_track_plays() {
    let dir = temp_dir();
    let (first, second) = (dir.path().join("long.wav"), dir.path().join("next.wav"));
    write_tone(&first, 10.0);
    write_tone(&second, 1.0);
    let (events, frames) = play_with_damage(&first, &second, || {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&first)
            .unwrap();
        // Keep about three seconds of the ten.
        f.set_len(44 + 3 * 44_100 * 4).unwrap();
    });
    let reason = skipped(&events, 0).expect("the truncated track is reported");
    assert!(
        reason.contains("long.wav") && reason.contains("truncated") && reason.contains("of 00:10"),
        "{reason}"
    );
    assert!(opened(&events, 1), "the next track plays");
    assert!(skipped(&events, 1).is_none());
    assert_eq!(
        EventCounts::of(&events),
        EventCounts {
            track_starts: 2,
            skips: 1,
            opened: 2,
            feeder_skips: 1,
            damaged: 1,
            fed: 1,
            ends: 1,
            ..EventCounts::default()
        },
        "{events:?}"
    );
    // About 3 s of the first track and 1 s of the second, not 11 s.
    let seconds = frames as f64 / 44_100.0;
    assert!((3.5..6.0).contains(&seconds), "played {seconds} s");
}

#[test]
fn a_file_deleted_while_playing_plays_to_its_end_from_the_open_handle() {
    let dir = temp_dir();
    let (first, second) = (dir.path().join("gone.wav"), dir.path().join("next.wav"));
    write_tone(&first, 3.0);
    write_tone(&second, 1.0);
    let (events, frames) = play_with_damage(&first, &second, || {
        std::fs::remove_file(&first).unwrap();
    });
    assert!(skipped(&events, 0).is_none(), "{events:?}");
    assert!(opened(&events, 1));
    assert_eq!(
        EventCounts::of(&events),
        EventCounts {
            track_starts: 2,
            opened: 2,
            fed: 1,
            ends: 1,
            ..EventCounts::default()
        },
        "{events:?}"
    );
    let seconds = frames as f64 / 44_100.0;
    assert!((4.0..4.2).contains(&seconds), "played {seconds} s");
}

#[test]
fn only_a_vanished_device_or_invalidated_stream_is_fatal() {
    use cpal::{Error, ErrorKind};
    let fault = |k| StreamFault::from_cpal(&Error::with_message(k, "x"));
    assert!(fault(ErrorKind::DeviceNotAvailable).is_fatal());
    assert!(fault(ErrorKind::StreamInvalidated).is_fatal());
    assert!(!fault(ErrorKind::BackendError).is_fatal());
    assert!(!fault(ErrorKind::DeviceBusy).is_fatal());
    assert!(!fault(ErrorKind::Xrun).is_fatal());
    assert!(!fault(ErrorKind::DeviceChanged).is_fatal());
    // A refused real-time promotion is a note, never the end of a session.
    assert_eq!(
        fault(ErrorKind::RealtimeDenied).kind,
        iemlab::engine::FaultKind::RealtimeDenied
    );
}

/// Runs `play` on `inputs` with an output that fails after one second, answers the
/// "continue on" question with `answer`, and returns the exit status, stdout and stderr.
fn lose_output(args: &[&str], answer: &str) -> (std::process::ExitStatus, String, String) {
    let mut child = iemlab_process()
        .arg("play")
        .args(args)
        .args(["--fast", "--fail-output-after", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        let mut piece = Vec::new();
        // The prompt has no newline: read up to each space, so that it arrives whole.
        while r.read_until(b' ', &mut piece).unwrap() > 0 {
            if tx
                .send(String::from_utf8_lossy(&piece).into_owned())
                .is_err()
            {
                break;
            }
            piece.clear();
        }
    });
    let mut out = String::new();
    let deadline = Deadline::new("play to ask where to continue", Duration::from_secs(30));
    while !out.ends_with("or q to stop: ") {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(piece) => out.push_str(&piece),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("play closed its output without asking where to continue:\n{out}")
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        deadline.check(|| {
            let _ = child.kill();
            format!("stdout:\n{out}")
        });
    }
    writeln!(stdin, "{answer}").unwrap();
    drop(stdin);
    let status = wait_until(
        "play to exit after the answer",
        Duration::from_secs(30),
        || {
            out.extend(rx.try_iter());
            match child.try_wait().unwrap() {
                Some(status) => Ok(status),
                None => Err(format!("still running; stdout:\n{out}")),
            }
        },
    );
    reader.join().unwrap();
    out.extend(rx.try_iter());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status, out, err)
}

fn demo_tracks(dir: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = (dir.join("a.wav"), dir.join("b.wav"));
    write_tone(&a, 2.0);
    write_tone(&b, 2.0);
    (a, b)
}

#[test]
fn play_survives_a_lost_output_and_goes_on_seamlessly_where_it_was() {
    let dir = temp_dir();
    let (a, b) = demo_tracks(dir.path());
    let (first, rest, whole) = (
        dir.path().join("first.wav"),
        dir.path().join("rest.wav"),
        dir.path().join("whole.wav"),
    );
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
    let device = format!("wav:{}", first.display());
    let (status, out, err) = lose_output(
        &[a_s, b_s, "--device", &device],
        &format!("wav:{}", rest.display()),
    );
    assert!(status.success(), "{out}\n{err}");
    assert!(out.contains("output lost at 1/2"), "{out}");
    assert!(out.contains("simulated failure"), "{out}");
    assert!(out.contains("going on with WAV file"), "{out}");
    assert!(out.contains("played 2 of 2"), "{out}");

    // The same session without the failure, in one file: the two halves join into it
    // sample for sample (nothing lost, nothing repeated, no click at the join).
    let ok = iemlab_process()
        .args(["play", a_s, b_s, "--fast", "--device"])
        .arg(format!("wav:{}", whole.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(ok.status.success());
    let read = |p: &Path| -> Vec<i32> {
        hound::WavReader::open(p)
            .unwrap()
            .into_samples::<i32>()
            .map(Result::unwrap)
            .collect()
    };
    let (head, tail, whole) = (read(&first), read(&rest), read(&whole));
    assert!(
        head.len() >= 2 * 44_100,
        "first output holds the first second"
    );
    let joined: Vec<i32> = head.iter().chain(&tail).copied().collect();
    let n = whole.len().min(joined.len());
    assert!(
        n >= whole.len() - 2 * 1024,
        "{} vs {}",
        joined.len(),
        whole.len()
    );
    assert!(
        joined[..n] == whole[..n],
        "the joined outputs differ from one run"
    );
}

#[test]
fn declining_to_continue_after_a_lost_output_stops_cleanly_with_exit_1() {
    let dir = temp_dir();
    let (a, _) = demo_tracks(dir.path());
    let (status, out, err) = lose_output(&[a.to_str().unwrap(), "--device", "null"], "q");
    assert_eq!(status.code(), Some(1), "{out}\n{err}");
    assert!(out.contains("output lost at"), "{out}");
    assert!(
        err.contains("playback stopped: the output device is gone"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
