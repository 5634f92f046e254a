//! The playback engine end to end without a sound card: the same callback the device runs,
//! driven buffer by buffer, checked frame by frame against a straight decode.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use iemlab::decode::decode_all;
use iemlab::engine::{
    self, Callback, CallbackConfig, Command, EngineConfig, Event, FeederEvent, Mark, MarkKind,
    Player, PlayerEvent, Status, TrackSource,
};
use iemlab::resample::StereoResampler;
use rtrb::RingBuffer;

use crate::harness::{Deadline, EventCounts, temp_dir, wait_ready, wait_until, write_wav_f32};

/// Writes `seconds` of a deterministic stereo signal with no zero samples (noise plus an
/// offset, so a frame of silence inserted anywhere can be told apart).
fn write_signal(path: &Path, rate: u32, seconds: f64, seed: u32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let mut out = Vec::new();
    for _ in 0..(seconds * f64::from(rate)) as usize * 2 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out.push(0.2 + 0.1 * (state as f32 / u32::MAX as f32 - 0.5));
    }
    write_wav_f32(path, rate, &out);
    out
}

/// Exact-transfer settings: unity volume, no fades, a ceiling above any test signal.
fn exact(rate: u32) -> EngineConfig {
    let mut c = EngineConfig::new(rate);
    c.callback.volume_db = 0.0;
    c.callback.fade_frames = 0;
    c.callback.seam_frames = 0;
    c.callback.ceiling_db = 0.0;
    c.ring_seconds = 30.0;
    c
}

fn source(path: &Path) -> TrackSource {
    TrackSource::new(Some(path.to_path_buf()))
}

/// Waits until the feeder has queued everything (the ring holds the whole playlist); the
/// player's events meanwhile are added to `events`.
fn wait_fed(player: &mut Player, events: &mut Vec<PlayerEvent>) {
    wait_until("the feeder to finish", Duration::from_secs(30), || {
        let new = player.poll();
        let done = new
            .iter()
            .any(|e| matches!(e, PlayerEvent::Feeder(FeederEvent::Finished)));
        events.extend(new);
        if done {
            Ok(())
        } else {
            Err(format!(
                "{} frames queued; events {events:?}",
                player.status().queued_frames()
            ))
        }
    });
}

/// Runs the callback until the playlist has ended and the limiter's delay is out.
fn run_out(callback: &mut Callback, status: &Status, buffer: usize) -> Vec<f32> {
    let mut out = Vec::new();
    let mut buf = vec![0.0; buffer * 2];
    let mut tail = 8;
    for _ in 0..1_000_000 {
        callback.process(&mut buf);
        out.extend_from_slice(&buf);
        if status.transport() == engine::Transport::Ended {
            tail -= 1;
            if tail == 0 {
                break;
            }
        }
    }
    out
}

/// Output with every all-zero frame removed (start-up silence, limiter delay, pauses).
fn strip_silence(samples: &[f32]) -> Vec<f32> {
    samples
        .chunks_exact(2)
        .filter(|f| f[0] != 0.0 || f[1] != 0.0)
        .flatten()
        .copied()
        .collect()
}

/// Frame index where `needle` (interleaved) occurs in `hay`, if exactly once.
fn find_frames(hay: &[f32], needle: &[f32]) -> Option<usize> {
    let frames = hay.len() / 2;
    let n = needle.len() / 2;
    let hits: Vec<usize> = (0..frames.saturating_sub(n))
        .filter(|&i| hay[i * 2..(i + n) * 2] == *needle)
        .collect();
    (hits.len() == 1).then(|| hits[0])
}

#[test]
fn a_playlist_plays_gaplessly_and_skips_missing_and_corrupt_entries() {
    let dir = temp_dir();
    let a = write_signal(&dir.path().join("a.wav"), 48_000, 0.5, 1);
    let b = write_signal(&dir.path().join("b.wav"), 48_000, 0.7, 2);
    let corrupt = dir.path().join("corrupt.flac");
    std::fs::write(&corrupt, b"fLaC this is not a real stream".repeat(40)).unwrap();
    let tracks = vec![
        source(&dir.path().join("a.wav")),
        TrackSource::new(None),
        source(&corrupt),
        source(&dir.path().join("b.wav")),
    ];
    let (mut player, mut callback) = engine::start(exact(48_000), tracks);
    let mut events = Vec::new();
    wait_fed(&mut player, &mut events);
    let status = Arc::clone(player.status());
    let out = run_out(&mut callback, &status, 256);
    events.extend(player.poll());
    let played = strip_silence(&out);
    let want: Vec<f32> = a.iter().chain(&b).copied().collect();
    assert_eq!(played.len(), want.len());
    assert!(
        played == want,
        "output differs from the two tracks back to back"
    );
    let skipped: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Feeder(FeederEvent::Skipped { index, .. }) => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(skipped, vec![1, 2]);
    let started: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Audio(Event::TrackStarted { index, .. }) => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(started, vec![0, 3]);
    assert_eq!(status.underruns.load(Ordering::Relaxed), 0);
    assert_eq!(
        EventCounts::of(&events),
        EventCounts {
            track_starts: 2,
            skips: 2,
            opened: 2,
            feeder_skips: 2,
            fed: 1,
            ends: 1,
            ..EventCounts::default()
        },
        "{events:?}"
    );
}

/// Plays `file` at device rate `rate`, seeks to `seconds` after a few buffers, and returns
/// the output (having checked that the seek was reported as the track starting again).
fn play_with_seek(file: &Path, rate: u32, seconds: f64) -> Vec<f32> {
    let (mut player, mut callback) = engine::start(exact(rate), vec![source(file)]);
    let mut events = Vec::new();
    wait_fed(&mut player, &mut events);
    let status = Arc::clone(player.status());
    let mut out = Vec::new();
    let mut buf = vec![0.0; 512];
    for _ in 0..20 {
        callback.process(&mut buf);
        out.extend_from_slice(&buf);
    }
    player.goto(0, seconds);
    // Let the feeder queue the rest of the track from there, then the callback act on the
    // seek before it runs on (a callback running ahead of the feeder plays silence).
    wait_fed(&mut player, &mut events);
    let deadline = Deadline::new("the callback to play the seek", Duration::from_secs(10));
    while status.epoch.load(Ordering::Relaxed) == 0 {
        deadline.check(|| format!("epoch 0, events {events:?}"));
        callback.process(&mut buf);
        out.extend_from_slice(&buf);
        events.extend(player.poll());
        std::thread::sleep(Duration::from_millis(1));
    }
    out.extend(run_out(&mut callback, &status, 256));
    events.extend(player.poll());
    assert_eq!(
        EventCounts::of(&events),
        EventCounts {
            track_starts: 2,
            opened: 2,
            fed: 2,
            ends: 1,
            ..EventCounts::default()
        },
        "{events:?}"
    );
    out
}

#[test]
fn a_seek_lands_on_the_exact_frame_at_44k1_and_48k() {
    let dir = temp_dir();
    for rate in [44_100u32, 48_000] {
        let path: PathBuf = dir.path().join(format!("s{rate}.wav"));
        let signal = write_signal(&path, rate, 3.0, rate);
        let t = 1.234_5;
        let out = play_with_seek(&path, rate, t);
        let frame = (t * f64::from(rate)).round() as usize;
        let needle = &signal[frame * 2..(frame + 64) * 2];
        let at = find_frames(&out, needle).expect("the frames after the seek are in the output");
        // The frame before it is not the source's previous frame: playback jumped exactly
        // there (it is silence from the limiter's reset or the end of the old audio).
        assert_ne!(
            &out[(at - 1) * 2..at * 2],
            &signal[(frame - 1) * 2..frame * 2]
        );
        // And from there on the output is the source, to its end.
        let rest = strip_silence(&out[at * 2..]);
        assert!(
            rest == signal[frame * 2..],
            "output after the seek differs from the source"
        );
    }
}

#[test]
fn a_seek_after_resampling_lands_within_one_frame() {
    let dir = temp_dir();
    let path = dir.path().join("s.wav");
    write_signal(&path, 44_100, 3.0, 7);
    let (_, decoded) = decode_all(&path).unwrap();
    let mut reference = Vec::new();
    let mut rs = StereoResampler::new(44_100, 48_000).unwrap();
    rs.process(&decoded, &mut reference).unwrap();
    rs.finish(&mut reference).unwrap();
    let t = 1.5;
    let out = play_with_seek(&path, 48_000, t);
    // Locate the post-seek audio by its best match against the full-track resample, using
    // a stretch well after the resampler's restart.
    let expected = (t * 48_000.0).round() as usize;
    let probe = expected + 4000;
    let needle = &reference[probe * 2..(probe + 256) * 2];
    let err_at = |i: usize| -> f64 {
        out[i * 2..(i + 256) * 2]
            .iter()
            .zip(needle)
            .map(|(a, b)| f64::from(a - b).powi(2))
            .sum()
    };
    let (best, err) = (0..out.len() / 2 - 256)
        .map(|i| (i, err_at(i)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap();
    assert!(err < 1e-6, "no close match (error {err})");
    // `best` is where reference frame `probe` plays, so the seek target (4000 frames
    // earlier) should be the first frame of the new audio. That starts right after the
    // silence left by the flush (the limiter's cleared delay line).
    let silent = |i: usize| out[i * 2] == 0.0 && out[i * 2 + 1] == 0.0;
    let first_new = (0..best).rev().find(|&i| silent(i)).unwrap() + 1;
    let landed = first_new as i64 - (best as i64 - 4000);
    assert!(
        landed.abs() <= 1,
        "seek landed {landed} frames off (first new frame {first_new}, match at {best}, \
         frames around the start: {:?})",
        &out[first_new.saturating_sub(3) * 2..(first_new + 3) * 2]
    );
}

#[test]
fn pause_and_resume_lose_and_repeat_no_frames() {
    let dir = temp_dir();
    let path = dir.path().join("p.wav");
    let signal = write_signal(&path, 48_000, 1.0, 3);
    let (mut player, mut callback) = engine::start(exact(48_000), vec![source(&path)]);
    let mut events = Vec::new();
    wait_fed(&mut player, &mut events);
    let status = Arc::clone(player.status());
    let mut out = Vec::new();
    let mut buf = vec![0.0; 300];
    for round in 0..4 {
        for _ in 0..17 {
            callback.process(&mut buf);
            out.extend_from_slice(&buf);
        }
        if round % 2 == 0 {
            player.pause();
        } else {
            player.resume();
        }
    }
    player.resume();
    out.extend(run_out(&mut callback, &status, 128));
    events.extend(player.poll());
    assert_eq!(
        EventCounts::of(&events),
        EventCounts {
            track_starts: 1,
            pauses: 2,
            resumes: 2,
            opened: 1,
            fed: 1,
            ends: 1,
            ..EventCounts::default()
        },
        "{events:?}"
    );
    let played = strip_silence(&out);
    assert_eq!(played.len(), signal.len());
    assert!(played == signal, "paused playback differs from the source");
    // It really paused: far more output than input.
    assert!(out.len() > signal.len() + 2 * 17 * 300);
}

#[test]
fn a_starved_callback_counts_one_underrun_per_buffer_and_plays_silence() {
    let (mut ring, ring_rx) = RingBuffer::<f32>::new(1 << 16);
    let (mut marks, marks_rx) = RingBuffer::<Mark>::new(16);
    let (_cmd, cmd_rx) = RingBuffer::<Command>::new(4);
    let (trash, _trash_rx) = RingBuffer::new(4);
    let (events, mut events_rx) = RingBuffer::new(64);
    let status = Arc::new(Status::default());
    let mut config = CallbackConfig::new(48_000);
    config.fade_frames = 0;
    config.volume_db = 0.0;
    let mut callback = Callback::new(
        config,
        ring_rx,
        marks_rx,
        cmd_rx,
        trash,
        events,
        Arc::clone(&status),
    );
    marks
        .push(Mark {
            at: 0,
            epoch: 0,
            kind: MarkKind::Track {
                index: 0,
                frame: 0,
                levels_db: [0.0; 4],
            },
        })
        .unwrap();
    for _ in 0..1000 {
        ring.push(0.25).unwrap();
    }
    let mut buf = vec![1.0; 1024];
    callback.process(&mut buf); // 512 frames, 500 available: one underrun
    callback.process(&mut buf); // nothing available: another
    assert_eq!(status.underruns.load(Ordering::Relaxed), 2);
    // Silence once the limiter's short delay has let out the last real frames.
    assert!(buf[200..].iter().all(|&s| s == 0.0));
    let underruns = std::iter::from_fn(|| events_rx.pop().ok())
        .filter(|e| *e == Event::Underrun)
        .count();
    assert_eq!(underruns, 2);
    // Fed again, it plays again without counting more.
    for _ in 0..2048 {
        ring.push(0.25).unwrap();
    }
    callback.process(&mut buf);
    assert_eq!(status.underruns.load(Ordering::Relaxed), 2);
}

/// Mean power of interleaved stereo frames `from..to`.
fn power(samples: &[f32], from: usize, to: usize) -> f64 {
    let s = &samples[from * 2..to * 2];
    s.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / s.len() as f64
}

/// White noise around zero (unlike `write_signal`, no offset): what a loop seam joins.
fn write_noise(path: &Path, rate: u32, seconds: f64) -> Vec<f32> {
    let mut state = 12345u32;
    let mut out = Vec::new();
    for _ in 0..(seconds * f64::from(rate)) as usize * 2 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out.push(0.25 * (state as f32 / u32::MAX as f32 - 0.5));
    }
    write_wav_f32(path, rate, &out);
    out
}

#[test]
fn a_loop_starts_at_its_region_and_its_seam_is_a_crossfade_without_a_dip() {
    let dir = temp_dir();
    let path = dir.path().join("noise.wav");
    let rate = 48_000;
    let src = write_noise(&path, rate, 2.0);
    let mut config = exact(rate);
    config.callback.seam_frames = 480;
    config.callback.fade_in_mid_track = false;
    config.looping = true;
    let mut track = source(&path);
    track.loop_region = Some((0.5, 1.0));
    let (mut player, mut callback) = engine::start(config, vec![track]);
    let mut events = Vec::new();
    wait_ready(&mut player, &mut events);
    let latency = callback.latency_frames();
    let mut out = Vec::new();
    let mut buf = vec![0.0f32; 256 * 2];
    while out.len() < (latency + 3 * 24_000 + 4096) * 2 {
        callback.process(&mut buf);
        out.extend_from_slice(&buf);
        events.extend(player.poll());
        std::thread::sleep(Duration::from_micros(50));
    }
    // Three seams in three passes, each back to 00:00.500.
    let seams = events
        .iter()
        .filter(|e| matches!(e, PlayerEvent::Audio(Event::LoopSeam { frame: 24_000 })))
        .count();
    assert_eq!(seams, 3, "{events:?}");
    assert_eq!(
        EventCounts::of(&events),
        EventCounts {
            track_starts: 1,
            loop_seams: 3,
            opened: 1,
            ..EventCounts::default()
        },
        "{events:?}"
    );
    let out = &out[latency * 2..];
    // The first pass is the region itself, from its first frame: nothing before it plays.
    let region = &src[24_000 * 2..48_000 * 2];
    assert_eq!(
        &out[..24_000 * 2],
        region,
        "the first pass is not the loop region"
    );
    // The seam: 480 frames where the audio past the region's end fades out under the
    // region's start; unrelated noise keeps its power through an equal-power crossfade
    // (a fade out and back in sat 25 dB down for 2 ms and lost 5 dB over these 10 ms).
    let whole = power(out, 0, 24_000);
    let seam = power(out, 24_000, 24_480);
    let db = 10.0 * (seam / whole).log10();
    assert!(db.abs() < 1.0, "the seam is {db:+.2} dB against the loop");
    // After the seam, the second pass is the region again, sample for sample.
    assert_eq!(
        &out[24_480 * 2..48_000 * 2],
        &region[480 * 2..],
        "the second pass differs from the region"
    );
}

#[test]
fn stopping_fades_out_in_a_few_milliseconds_and_marks_the_last_audible_frame() {
    let dir = temp_dir();
    let path = dir.path().join("a.wav");
    write_signal(&path, 48_000, 2.0, 7);
    let mut config = exact(48_000);
    config.callback.stop_frames = 240;
    let (mut player, mut callback) = engine::start(config, vec![source(&path)]);
    let mut events = Vec::new();
    wait_ready(&mut player, &mut events);
    let mut buf = vec![0.0f32; 512 * 2];
    for _ in 0..10 {
        callback.process(&mut buf);
    }
    assert_eq!(callback.final_frame(), None);
    let before = callback.frames_out();
    player.stop_playback();
    let mut out = Vec::new();
    for _ in 0..4 {
        callback.process(&mut buf);
        out.extend_from_slice(&buf);
    }
    // 240 frames of fade after the stop, then the limiter's delay line: silence after.
    let last = callback
        .final_frame()
        .expect("stopping marks the last frame");
    assert_eq!(last, before + 240 + callback.latency_frames() as u64);
    let quiet_from = (last - before) as usize;
    assert!(
        out[quiet_from * 2..].iter().all(|s| *s == 0.0),
        "sound after the end"
    );
    // A fade, not a cut: the last frames before the end are near silence, and fall smoothly.
    let tail = &out[(quiet_from - 20) * 2..quiet_from * 2];
    assert!(tail.iter().all(|s| s.abs() < 0.05), "{tail:?}");
    assert!(
        out[..100].iter().any(|s| s.abs() > 0.1),
        "nothing played before the stop"
    );
    events.extend(player.poll());
    let seen = EventCounts::of(&events);
    assert_eq!((seen.track_starts, seen.underruns), (1, 0), "{events:?}");
}

#[test]
fn a_held_start_plays_nothing_until_started_then_the_track_from_its_first_frame() {
    let dir = temp_dir();
    let path = dir.path().join("a.wav");
    let src = write_signal(&path, 48_000, 1.0, 3);
    let mut config = exact(48_000);
    config.callback.start_held = true;
    let (mut player, mut callback) = engine::start(config, vec![source(&path)]);
    let mut events = Vec::new();
    wait_ready(&mut player, &mut events);
    let mut buf = vec![0.0f32; 256 * 2];
    for _ in 0..8 {
        callback.process(&mut buf);
        assert!(buf.iter().all(|s| *s == 0.0), "a held callback played");
    }
    assert_eq!(callback.program_start(), None);
    player.start_playback();
    let mut out = Vec::new();
    for _ in 0..8 {
        callback.process(&mut buf);
        out.extend_from_slice(&buf);
    }
    let start = callback.program_start().expect("started") - 8 * 256;
    assert_eq!(start as usize, callback.latency_frames());
    assert_eq!(
        &out[start as usize * 2..(start as usize + 1000) * 2],
        &src[..2000]
    );
    events.extend(player.poll());
    let seen = EventCounts::of(&events);
    assert_eq!((seen.track_starts, seen.underruns), (1, 0), "{events:?}");
}
