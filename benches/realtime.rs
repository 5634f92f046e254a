//! Real-time figures of the playback engine (run with `cargo bench --bench realtime`):
//! - callback time per buffer (median, 99.9th percentile, worst) at 64, 256 and 1024 frames,
//!   48 kHz, with two 10-band profiles loaded (both run on every buffer, as in A/B) and the
//!   limiter, as a share of the buffer period;
//! - time from starting a session to its first audio frame, and seek latency, through the
//!   null sink in real time.
//!
//! Not a criterion benchmark: worst cases and start-up times need each event timed on its
//! own, not averaged.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use iemlab::engine::{
    self, Callback, CallbackConfig, Command, EngineConfig, Mark, MarkKind, Output, Pace, Prepared,
    Status, TrackSource,
};
use iemlab::preset::EqProfile;
use rtrb::RingBuffer;

const RATE: u32 = 48_000;

fn profile(name: &str) -> EqProfile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("presets/eq")
        .join(name);
    EqProfile::load(&path).expect("shipped profile")
}

/// CPU time this thread has used: unlike wall time, it leaves out time the scheduler gave
/// to other processes, so it is the callback's own cost on a busy machine.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn callback_times(frames: usize, calls: usize, profiles: usize) {
    let (mut ring, ring_rx) = RingBuffer::<f32>::new(1 << 20);
    let (mut marks, marks_rx) = RingBuffer::<Mark>::new(16);
    let (mut commands, cmd_rx) = RingBuffer::<Command>::new(16);
    let (trash, _trash_rx) = RingBuffer::new(16);
    let (events, mut events_rx) = RingBuffer::new(1 << 16);
    let status = Arc::new(Status::default());
    let mut callback = Callback::new(
        CallbackConfig::new(RATE),
        ring_rx,
        marks_rx,
        cmd_rx,
        trash,
        events,
        Arc::clone(&status),
    );
    let a = profile("bench-10-band.toml");
    let b = profile("v-shape-graphic.toml");
    let loaded = [(0, &a), (1, &b), (2, &a), (3, &b)];
    for (slot, p) in loaded.into_iter().take(profiles) {
        let chain = Box::new(p.chain(RATE).expect("chain"));
        let _ = commands.push(Command::Load {
            slot,
            chain: Some(chain),
            gain_db: -1.0,
        });
    }
    let _ = marks.push(Mark {
        at: 0,
        epoch: 0,
        kind: MarkKind::Track {
            index: 0,
            frame: 0,
            levels_db: [0.0; 4],
        },
    });
    // Noise at -12 dBFS so the filters and limiter work on real values.
    let mut state = 0x1234_5678u32;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state as f32 / u32::MAX as f32 - 0.5) * 0.5
    };
    let mut buf = vec![0.0f32; frames * 2];
    // Warm-up: caches, branch predictors and page mappings settle as in steady playback.
    let capacity = ring.buffer().capacity();
    for _ in 0..1000 {
        while capacity - ring.slots() < frames * 8 {
            let _ = ring.push(noise());
        }
        callback.process(&mut buf);
        while events_rx.pop().is_ok() {}
    }
    let mut times = Vec::with_capacity(calls);
    let mut cpu = Vec::with_capacity(calls);
    for i in 0..calls {
        while capacity - ring.slots() < frames * 8 {
            let _ = ring.push(noise());
        }
        if i % 500 == 250 {
            // Switch A/B now and then, so crossfades are part of the figures.
            let _ = commands.push(Command::Select {
                slot: (i / 500) % 2,
                fade: 960,
            });
        }
        let (t0, c0) = (Instant::now(), thread_cpu_time());
        callback.process(&mut buf);
        times.push(t0.elapsed());
        cpu.push(thread_cpu_time().saturating_sub(c0));
        while events_rx.pop().is_ok() {}
    }
    times.sort();
    cpu.sort();
    let period = Duration::from_secs_f64(frames as f64 / f64::from(RATE));
    let share = |d: Duration| 100.0 * d.as_secs_f64() / period.as_secs_f64();
    let (med, p999, worst) = (
        percentile(&times, 0.5),
        percentile(&times, 0.999),
        times[times.len() - 1],
    );
    println!(
        "callback, {profiles} profiles, {frames:>4} frames ({:>6.2} ms period): median {:>7.2} µs ({:.2} %), p99.9 {:>7.2} µs ({:.2} %), worst {:>7.2} µs ({:.2} %), {calls} calls, underruns {}",
        period.as_secs_f64() * 1e3,
        med.as_secs_f64() * 1e6,
        share(med),
        p999.as_secs_f64() * 1e6,
        share(p999),
        worst.as_secs_f64() * 1e6,
        share(worst),
        status.underruns.load(Ordering::Relaxed)
    );
    println!(
        "         thread CPU time: median {:>7.2} µs, p99.9 {:>7.2} µs, worst {:>7.2} µs ({:.2} % of the period)",
        percentile(&cpu, 0.5).as_secs_f64() * 1e6,
        percentile(&cpu, 0.999).as_secs_f64() * 1e6,
        cpu[cpu.len() - 1].as_secs_f64() * 1e6,
        share(cpu[cpu.len() - 1])
    );
}

/// Time from a switch command entering the queue to the first output frame of the new
/// profile, through the null sink in real time at `frames`-frame buffers: the callback picks
/// the command up at its next buffer, so this is up to one buffer period.
fn switch_latency(frames: usize) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let flac = dir.join("material.flac");
    if !flac.exists() {
        return;
    }
    let prepared = Prepared::new(
        &Output::Null,
        None,
        RATE,
        Some(frames as u32),
        Pace::RealTime,
        false,
    )
    .expect("null sink");
    let (mut player, callback) = engine::start(
        EngineConfig::new(RATE),
        vec![TrackSource::new(Some(flac.clone()))],
    );
    player
        .load(0, Some(&profile("bench-10-band.toml")), 0.0)
        .expect("load");
    player
        .load(1, Some(&profile("v-shape-graphic.toml")), 0.0)
        .expect("load");
    let status = Arc::clone(player.status());
    let running = prepared
        .start(callback, Arc::clone(&status))
        .expect("start");
    std::thread::sleep(Duration::from_millis(100));
    let mut times = Vec::new();
    for k in 0..60 {
        let slot = (k + 1) % 2;
        // Land at a random point of the buffer period.
        std::thread::sleep(Duration::from_micros(3_000 + (k as u64 * 7_919) % 5_000));
        let t = Instant::now();
        player.select(slot, 5.0);
        while status.active_slot.load(Ordering::Acquire) != slot {
            std::hint::spin_loop();
        }
        times.push(t.elapsed());
    }
    player.stop();
    let _ = running.finish();
    times.sort();
    let period = frames as f64 / f64::from(RATE) * 1e3;
    println!(
        "switch command to first switched frame, {frames:>4}-frame buffers ({period:.2} ms period): median {:.2} ms, worst {:.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn startup_and_seek(path: &Path) {
    let mut firsts = Vec::new();
    let mut seeks = Vec::new();
    for round in 0..10 {
        let t0 = Instant::now();
        let prepared = Prepared::new(&Output::Null, None, RATE, Some(256), Pace::RealTime, false)
            .expect("null sink");
        let (mut player, callback) = engine::start(
            EngineConfig::new(RATE),
            vec![TrackSource::new(Some(path.to_path_buf()))],
        );
        player
            .load(0, Some(&profile("bench-10-band.toml")), 0.0)
            .expect("load");
        let status = Arc::clone(player.status());
        let running = prepared
            .start(callback, Arc::clone(&status))
            .expect("start");
        while status.frames_taken.load(Ordering::Acquire) == 0 {
            std::hint::spin_loop();
        }
        firsts.push(t0.elapsed());
        for k in 0..3 {
            std::thread::sleep(Duration::from_millis(30));
            let epoch = status.epoch.load(Ordering::Acquire);
            let t = Instant::now();
            player.goto(0, 2.0 + f64::from((round * 3 + k) % 15));
            while status.epoch.load(Ordering::Acquire) == epoch {
                std::hint::spin_loop();
            }
            seeks.push(t.elapsed());
        }
        player.stop();
        let _ = running.finish();
    }
    firsts.sort();
    seeks.sort();
    println!(
        "start to first audio frame (FLAC, null sink, 256-frame buffers): median {:.1} ms, worst {:.1} ms",
        percentile(&firsts, 0.5).as_secs_f64() * 1e3,
        firsts[firsts.len() - 1].as_secs_f64() * 1e3
    );
    println!(
        "seek to first new frame played: median {:.1} ms, worst {:.1} ms ({} seeks)",
        percentile(&seeks, 0.5).as_secs_f64() * 1e3,
        seeks[seeks.len() - 1].as_secs_f64() * 1e3,
        seeks.len()
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too, briefly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let calls = if quick { 200 } else { 40_000 };
    for profiles in [2, 4] {
        for frames in [64, 256, 1024] {
            callback_times(frames, calls, profiles);
        }
    }
    if !quick {
        for frames in [64, 256, 1024] {
            switch_latency(frames);
        }
    }
    if quick {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let flac = dir.join("material.flac");
    if flac.exists() {
        startup_and_seek(&flac);
    } else {
        println!(
            "run `cargo bench --bench pipeline` first to create {}",
            flac.display()
        );
    }
}
