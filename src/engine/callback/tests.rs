//! The callback's schedule, driven frame by frame with hand-made queues: a switch lands on
//! its frame, a crossfade lasts its length, a seek drops the old audio.

use std::sync::Arc;

use rtrb::{Producer, RingBuffer};

use super::*;
use crate::dsp::db_to_gain;

/// A callback and the ends of its queues a test feeds.
struct Rig {
    callback: Callback,
    ring: Producer<f32>,
    marks: Producer<Mark>,
    commands: Producer<Command>,
    status: Arc<Status>,
    events: rtrb::Consumer<Event>,
}

impl Rig {
    /// Unity volume, no fades, a ceiling above the test signal; `frames` of a constant 0.25
    /// queued as track 0 from its start.
    fn new(frames: usize) -> Rig {
        let (mut ring, ring_rx) = RingBuffer::<f32>::new(1 << 16);
        let (mut marks, marks_rx) = RingBuffer::<Mark>::new(16);
        let (commands, cmd_rx) = RingBuffer::<Command>::new(16);
        let (trash, _trash_rx) = RingBuffer::new(16);
        let (events_tx, events) = RingBuffer::new(64);
        let status = Arc::new(Status::default());
        let mut config = CallbackConfig::new(48_000);
        config.fade_frames = 0;
        config.volume_db = 0.0;
        config.ceiling_db = 0.0;
        let callback = Callback::new(
            config,
            ring_rx,
            marks_rx,
            cmd_rx,
            trash,
            events_tx,
            Arc::clone(&status),
        );
        let _ = marks.push(Mark {
            at: 0,
            epoch: 0,
            kind: MarkKind::Track {
                index: 0,
                frame: 0,
                levels_db: [0.0; MAX_PROFILES],
            },
        });
        for _ in 0..frames * 2 {
            let _ = ring.push(0.25);
        }
        Rig {
            callback,
            ring,
            marks,
            commands,
            status,
            events,
        }
    }

    /// Slot 1: flat, 6 dB down, so the profile heard can be read off the level.
    fn load_quiet_b(&mut self) {
        let _ = self.commands.push(Command::Load {
            slot: 1,
            chain: None,
            gain_db: -6.0,
        });
    }

    /// Runs `frames` frames in buffers of `buffer`, without the limiter's delay.
    fn run(&mut self, frames: usize, buffer: usize) -> Vec<f32> {
        let delay = self.callback.latency_frames();
        let mut out = Vec::new();
        let mut buf = vec![0.0; buffer * 2];
        while out.len() < (frames + delay) * 2 {
            self.callback.process(&mut buf);
            out.extend_from_slice(&buf);
        }
        out.drain(..delay * 2);
        out.truncate(frames * 2);
        out
    }

    fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.events.pop().ok()).collect()
    }
}

#[test]
fn a_scheduled_switch_lands_on_its_frame_whatever_the_buffer() {
    let b = 0.25 * db_to_gain(-6.0) as f32;
    for buffer in [1, 64, 100, 512] {
        let mut rig = Rig::new(4000);
        rig.load_quiet_b();
        let _ = rig.commands.push(Command::SwitchAt {
            track: 0,
            frame: 1234,
            slot: 1,
            fade: 0,
        });
        let out = rig.run(3000, buffer);
        assert!(
            out[..1234 * 2].iter().all(|s| *s == 0.25),
            "{buffer}: A before"
        );
        assert!(
            out[1234 * 2..].iter().all(|s| (s - b).abs() < 1e-7),
            "{buffer}: B from frame 1234"
        );
        assert!(rig.events().contains(&Event::Switched {
            slot: 1,
            track: Some(0),
            frame: 1234
        }));
    }
}

#[test]
fn a_crossfade_lasts_its_length_and_moves_evenly() {
    let mut rig = Rig::new(4000);
    rig.load_quiet_b();
    let _ = rig.commands.push(Command::SwitchAt {
        track: 0,
        frame: 1000,
        slot: 1,
        fade: 480,
    });
    let out = rig.run(2000, 256);
    let b = 0.25 * db_to_gain(-6.0) as f32;
    assert_eq!(out[999 * 2], 0.25);
    // Equal gain: frame k of the fade is A·(1 − t) + B·t with t = (k + ½)/480.
    for k in [0usize, 100, 240, 479] {
        let t = (k as f32 + 0.5) / 480.0;
        let want = 0.25 * (1.0 - t) + b * t;
        assert!(
            (out[(1000 + k) * 2] - want).abs() < 1e-6,
            "frame {k} of the fade"
        );
    }
    assert!((out[1480 * 2] - b).abs() < 1e-7, "B once the fade is over");
}

#[test]
fn a_seek_drops_the_old_audio_and_plays_the_new_from_its_mark() {
    let mut rig = Rig::new(1000);
    let _ = rig.run(200, 100);
    // The feeder seeks: a new epoch, the old frames still queued, then the new audio.
    rig.status.requested_epoch.store(1, Ordering::Release);
    let at = 1000;
    let _ = rig.marks.push(Mark {
        at,
        epoch: 1,
        kind: MarkKind::Track {
            index: 0,
            frame: 48_000,
            levels_db: [0.0; MAX_PROFILES],
        },
    });
    for _ in 0..2000 {
        let _ = rig.ring.push(-0.5);
    }
    let out = rig.run(1000, 100);
    // No fade configured: nothing of the old audio after the seek, the new from its mark.
    let first_new = out.iter().position(|s| *s == -0.5).unwrap_or(usize::MAX) / 2;
    assert!(out[..first_new * 2].iter().all(|s| *s == 0.0 || *s == 0.25));
    assert!(
        out[first_new * 2..].iter().all(|s| *s == -0.5),
        "the new audio, unbroken"
    );
    assert!(rig.events().contains(&Event::TrackStarted {
        index: 0,
        frame: 48_000
    }));
    assert_eq!(
        rig.status.track_frame.load(Ordering::Relaxed),
        48_000 + (1000 - first_new as u64)
    );
}
