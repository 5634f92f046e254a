//! Soak: a long real-time A/B session through the null sink at 64-frame buffers, with two
//! 10-band profiles, switching every second, while other threads keep every core busy.
//! Reports underruns (goal: zero), buffers that started late, the worst callback, and the
//! peak resident memory with its growth over the run (goal: flat).
//!
//! `cargo bench --bench soak` runs for 10 minutes; `IEMLAB_SOAK_SECS=60` shortens it and
//! `IEMLAB_SOAK_LOAD_THREADS=N` sets the load (default: one thread per core).
//! Not a criterion benchmark: it is one long run, reported as it goes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use iemlab::engine::{self, EngineConfig, Output, Pace, Prepared, TrackSource, Transport};
use iemlab::preset::EqProfile;

const RATE: u32 = 48_000;
const BUFFER: u32 = 64;

/// Resident set size of this process in KiB, from /proc.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Writes `seconds` of a stereo 24-bit WAV of two tones and noise.
fn write_track(path: &Path, seconds: u32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("temp WAV");
    let mut state = 0x1234_5678u32;
    for n in 0..seconds as usize * RATE as usize {
        let t = n as f64 / f64::from(RATE);
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = f64::from(state) / f64::from(u32::MAX) - 0.5;
        let v = 0.3 * (std::f64::consts::TAU * 110.0 * t).sin()
            + 0.1 * (std::f64::consts::TAU * 3_000.0 * t).sin()
            + 0.1 * noise;
        let s = (v * 8_388_607.0 * 0.5) as i32;
        w.write_sample(s).expect("write");
        w.write_sample(-s).expect("write");
    }
    w.finalize().expect("finalize");
}

fn main() {
    // `cargo bench` passes --bench; a filter argument that is not ours means "not me".
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && a != "soak")
    {
        return;
    }
    let seconds: u32 = std::env::var("IEMLAB_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let dir = tempfile::tempdir().expect("temp dir");
    let track = dir.path().join("soak.wav");
    // One minute of material, looped by the playlist: ten entries of it cover ten minutes.
    write_track(&track, 60);
    let entries = seconds.div_ceil(60).max(1) as usize;
    let tracks = vec![TrackSource::new(Some(track.clone())); entries];
    let presets = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/eq");
    let a = EqProfile::load(&presets.join("bench-10-band.toml")).expect("profile");
    // B: the same ten bands with the gains mirrored, so every band changes at each switch.
    let mirrored = std::fs::read_to_string(presets.join("bench-10-band.toml"))
        .expect("profile")
        .replace("gain_db = ", "gain_db = -")
        .replace("gain_db = --", "gain_db = ");
    let b_path = dir.path().join("mirrored.toml");
    std::fs::write(&b_path, mirrored).expect("temp profile");
    let b = EqProfile::load(&b_path).expect("profile");

    // Load: one spinning thread per core, at the same priority as playback.
    let cores = std::env::var("IEMLAB_SOAK_LOAD_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let stop_load = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..cores)
        .map(|_| {
            let stop = Arc::clone(&stop_load);
            std::thread::spawn(move || {
                let mut x = 1.0f64;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..10_000 {
                        x = std::hint::black_box(x * 1.000_001 + 1e-9);
                    }
                }
                x
            })
        })
        .collect();

    let mut config = EngineConfig::new(RATE);
    config.callback.volume_db = -10.0;
    let (mut player, callback) = engine::start(config, tracks);
    player.load(0, Some(&a), 0.0).expect("load A");
    player.load(1, Some(&b), 0.0).expect("load B");
    let status = Arc::clone(player.status());
    let prepared = Prepared::new(
        &Output::Null,
        None,
        RATE,
        Some(BUFFER),
        Pace::RealTime,
        false,
    )
    .expect("null sink");
    let rss_start = rss_kib();
    let started = Instant::now();
    let running = prepared
        .start(callback, Arc::clone(&status))
        .expect("start");
    println!(
        "soak: {seconds} s real time, {BUFFER}-frame buffers at {RATE} Hz, 2 × 10-band profiles, \
         A/B every second, {cores} load threads"
    );
    let mut slot = 0;
    let mut rss_peak = rss_start;
    let mut rss_after_warmup = None;
    let mut next_report = 60;
    while started.elapsed() < Duration::from_secs(u64::from(seconds))
        && status.transport() != Transport::Ended
    {
        std::thread::sleep(Duration::from_secs(1));
        slot = 1 - slot;
        player.select(slot, 20.0);
        let _ = player.poll();
        let rss = rss_kib();
        rss_peak = rss_peak.max(rss);
        let elapsed = started.elapsed().as_secs();
        if elapsed >= 10 && rss_after_warmup.is_none() {
            rss_after_warmup = Some(rss);
        }
        if elapsed >= next_report {
            next_report += 60;
            println!(
                "  {:>4} s: underruns {}, RSS {} KiB",
                elapsed,
                status.underruns.load(Ordering::Relaxed),
                rss
            );
        }
    }
    let played = started.elapsed();
    player.stop();
    let report = running.finish().expect("sink").expect("timer sink report");
    stop_load.store(true, Ordering::Relaxed);
    for t in load {
        let _ = t.join();
    }
    let rss_end = rss_kib();
    let warm = rss_after_warmup.unwrap_or(rss_start);
    println!(
        "soak result: {:.0} s, {} buffers, underruns {}, late buffers {} ({:.4}%), worst callback {:.1} µs \
         (period {:.0} µs); RSS start {} KiB, after 10 s {} KiB, peak {} KiB, end {} KiB \
         (growth after warm-up {:+} KiB)",
        played.as_secs_f64(),
        report.frames / u64::from(BUFFER),
        status.underruns.load(Ordering::Relaxed),
        report.late_buffers,
        100.0 * report.late_buffers as f64 / (report.frames / u64::from(BUFFER)).max(1) as f64,
        report.worst_callback.as_secs_f64() * 1e6,
        f64::from(BUFFER) / f64::from(RATE) * 1e6,
        rss_start,
        warm,
        rss_peak,
        rss_end,
        rss_end as i64 - warm as i64,
    );
}
