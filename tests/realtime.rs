//! The audio callback allocates and frees nothing: every call runs under a global allocator
//! that counts any allocation or deallocation made inside `assert_no_alloc`, through start-up,
//! two loaded 10-band profiles, switches, scheduled cue switches, pause, resume, seeks, a
//! profile reload, underruns and the end of the playlist.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_no_alloc::{AllocDisabler, assert_no_alloc, violation_count};
use iemlab::engine::{self, EngineConfig, TrackSource, Transport};
use iemlab::preset::EqProfile;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

fn profile(name: &str) -> EqProfile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("presets/eq")
        .join(name);
    EqProfile::load(&path).unwrap()
}

#[test]
fn the_callback_never_allocates() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let tracks = ["s16-44k.flac", "opus-48k.opus", "mp3-44k.mp3"]
        .iter()
        .map(|f| TrackSource {
            loop_region: Some((0.05, 0.15)),
            ..TrackSource::new(Some(data.join(f)))
        })
        .collect();
    let mut config = EngineConfig::new(48_000);
    config.ring_seconds = 0.1;
    let (mut player, mut callback) = engine::start(config, tracks);
    let status = Arc::clone(player.status());
    player
        .load(0, Some(&profile("bench-10-band.toml")), 0.0)
        .unwrap();
    player
        .load(1, Some(&profile("v-shape-graphic.toml")), -1.5)
        .unwrap();
    player.load(2, None, -3.0).unwrap();
    player.switch_at(0, 0.1, 1, 5.0);
    player.switch_at(1, 0.05, 2, 5.0);

    let mut buf = vec![0.0f32; 2 * 256];
    let started = Instant::now();
    let mut calls = 0u32;
    while status.transport() != Transport::Ended && started.elapsed() < Duration::from_secs(20) {
        assert_no_alloc(|| callback.process(&mut buf));
        calls += 1;
        match calls {
            5 => player.select(1, 20.0),
            9 => player.pause(),
            30 => player.resume(),
            40 => player.set_loop(true),
            90 => player.set_loop(false),
            100 => player.goto(0, 0.12),
            120 => {
                player
                    .load(0, Some(&profile("treble-tame.toml")), 0.0)
                    .unwrap();
            }
            130 => player.goto(1, 0.0),
            150 => player.set_volume(-6.0),
            _ => {}
        }
        let _ = player.poll();
        // Sometimes let the feeder fall behind, to run the underrun path too.
        if !calls.is_multiple_of(50) {
            std::thread::sleep(Duration::from_micros(300));
        }
    }
    assert!(calls > 100, "the playlist ended after only {calls} buffers");
    assert_eq!(
        violation_count(),
        0,
        "the audio callback allocated or freed memory"
    );
}
