//! The audio callback allocates and frees nothing: every call runs under the binary's global
//! allocator (declared in tests.rs), which counts any allocation or deallocation made inside
//! `assert_no_alloc`, through start-up, two loaded 10-band profiles, switches, scheduled cue
//! switches, cues, pause, resume, seeks, a reload of a per-channel profile, underruns and the end of the
//! playlist. The events the player reports, counted, show that each of those paths ran.

use std::time::Duration;

use assert_no_alloc::{assert_no_alloc, violation_count};
use iemlab::dsp::Channel;
use iemlab::engine::{self, EngineConfig, TrackSource, Transport};
use iemlab::preset::EqProfile;

use crate::harness::{Deadline, EventCounts, data, eq_preset};

fn profile(name: &str) -> EqProfile {
    EqProfile::load(&eq_preset(name)).unwrap()
}

#[test]
fn the_callback_never_allocates() {
    let tracks = ["s16-44k.flac", "opus-48k.opus", "mp3-44k.mp3"]
        .iter()
        .map(|f| TrackSource {
            loop_region: Some((0.05, 0.15)),
            ..TrackSource::new(Some(data(f)))
        })
        .collect();
    let mut config = EngineConfig::new(48_000);
    config.ring_seconds = 0.1;
    // One device buffer of eight times what the ring holds: the ring runs dry within it
    // whatever the feeder does, and the underrun path runs.
    let mut long_buf = vec![0.0f32; 2 * 8 * config.ring_frames()];
    let (mut player, mut callback) = engine::start(config, tracks);
    let status = std::sync::Arc::clone(player.status());
    player
        .load(0, Some(&profile("bench-10-band.toml")), 0.0)
        .unwrap();
    player
        .load(1, Some(&profile("v-shape-graphic.toml")), -1.5)
        .unwrap();
    player.load(2, None, -3.0).unwrap();
    player.switch_at(0, 0.1, 1, 5.0);
    player.switch_at(1, 0.05, 2, 5.0);
    player.cue_at(0, 0.02, 10);
    player.cue_at(2, 0.1, 12);

    let mut buf = vec![0.0f32; 2 * 256];
    let mut events = Vec::new();
    // Chains the callback handed back for freeing: the reload's old one.
    let mut returned = 0;
    let deadline = Deadline::new("the playlist to end", Duration::from_secs(20));
    let mut calls = 0u32;
    while status.transport() != Transport::Ended {
        deadline.check(|| {
            format!(
                "{calls} buffers, {:?} at {:?}, {:?}",
                status.transport(),
                player.position(),
                EventCounts::of(&events)
            )
        });
        if calls == 60 {
            assert_no_alloc(|| callback.process(&mut long_buf));
        } else {
            assert_no_alloc(|| callback.process(&mut buf));
        }
        calls += 1;
        match calls {
            5 => player.select(1, 20.0),
            9 => player.pause(),
            30 => player.resume(),
            40 => player.set_loop(true),
            90 => player.set_loop(false),
            100 => player.goto(0, 0.12),
            120 => {
                // The reload is a per-channel profile: each channel's own coefficients in
                // its lane.
                let per_channel = EqProfile::split(
                    "per channel",
                    [
                        profile("treble-tame.toml").channel_eq(Channel::Left),
                        profile("bench-10-band.toml").channel_eq(Channel::Right),
                    ],
                );
                assert!(per_channel.is_per_channel());
                player.load(0, Some(&per_channel), 0.0).unwrap();
            }
            130 => player.goto(1, 0.0),
            150 => player.set_volume(-6.0),
            _ => {}
        }
        returned += player.collect_trash();
        events.extend(player.poll());
        // Sometimes let the feeder fall behind, to run the underrun path more.
        if !calls.is_multiple_of(50) {
            std::thread::sleep(Duration::from_micros(300));
        }
    }
    events.extend(player.poll());
    assert!(calls > 100, "the playlist ended after only {calls} buffers");
    assert_eq!(
        violation_count(),
        0,
        "the audio callback allocated or freed memory"
    );
    // Each path the test means to run, shown to have run. The switch to slot 1 at 0.1 s into
    // the first track finds slot 1 already selected and reports nothing. At least five track
    // starts: three tracks and the two after the first seek (the second seek's start can
    // replace one the callback had not reached). Underruns and seams vary with how far ahead
    // the feeder is.
    let seen = EventCounts::of(&events);
    assert_eq!(returned, 1, "the reload handed back the old chain");
    assert!(seen.underruns >= 1, "{seen:?}");
    assert_eq!(
        (seen.pauses, seen.resumes, seen.ends),
        (1, 1, 1),
        "{seen:?}"
    );
    assert_eq!(seen.switches, 2, "{events:?}");
    assert_eq!(seen.cues, 2, "{events:?}");
    assert!(seen.loop_seams >= 1, "{events:?}");
    assert!(seen.track_starts >= 5, "{events:?}");
}
