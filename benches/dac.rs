//! The DAC path through real audio servers, measured (not a test: figures for the README).
//!
//! `cargo bench --bench dac` starts PipeWire and JACK without a sound card (the same way the
//! e2e tests do) and measures:
//! - cost: CPU time of `iemlab play` of 20 s of noise through the 10-band benchmark profile
//!   at the default buffer, natively and through ALSA on each server, and of CamillaDSP
//!   playing the same file through the same 10 filters (when `camilladsp` is on PATH or
//!   `CAMILLADSP` names it) at 256-frame chunks through ALSA;
//! - key-to-ear latency: `ab` switches between a flat profile and one 30 dB down on a DC
//!   signal, by a line on stdin at a known time (CLOCK_MONOTONIC); the switch is found in
//!   what the PipeWire sink received, captured with the server's own timestamps (the same
//!   clock), and the difference is the latency a listener gets, 20 times per buffer size;
//! - with `IEMLAB_DAC_SOAK_SECS=600`: a soak on PipeWire at 64-frame buffers with a thread
//!   spinning on each core, A/B every second between identical profiles, recorded and
//!   compared block by block, with iemlab's RSS sampled every 10 s.

#[allow(dead_code)]
#[path = "../tests/e2e"]
mod e2e {
    pub mod compare;
    pub mod jack;
    pub mod noise;
    pub mod pipewire;
    pub mod process;
    pub mod servers;
}

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use e2e::jack::Jack;
use e2e::pipewire::PipeWire;
use e2e::servers::{Env, Server};
use e2e::{compare, noise};

const RATE: u32 = 48_000;

fn main() {
    // criterion passes --bench; nothing else is understood.
    let dir = tempfile::tempdir().unwrap();
    let noise = dir.path().join("noise20.wav");
    noise::write(&noise, 20.0, 7);
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/eq/bench-10-band.toml");
    println!("# DAC path through real servers ({})", date());
    if std::env::var_os("IEMLAB_DAC_SKIP_COST").is_none() {
        cost(dir.path(), &noise, &profile);
    }
    if std::env::var_os("IEMLAB_DAC_SKIP_LATENCY").is_none() {
        latency(dir.path());
    }
    if let Some(secs) = std::env::var("IEMLAB_DAC_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        soak(dir.path(), secs);
    }
}

fn date() -> String {
    Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// CPU time (user + system) and wall time of `command`, run to its end.
#[allow(clippy::zombie_processes)] // wait4 reaps it, with its resource usage.
fn measure(command: &mut Command) -> (Duration, Duration, String) {
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child with valid pointers.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    let mut out = String::new();
    if let Some(mut s) = child.stdout {
        let _ = std::io::Read::read_to_string(&mut s, &mut out);
    }
    (cpu, wall, out.lines().next().unwrap_or("").to_string())
}

fn camilladsp() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("CAMILLADSP") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("camilladsp"))
            .find(|p| p.is_file())
    })
}

/// A CamillaDSP config playing `wav` through the benchmark's 10 filters to ALSA's default.
fn camilla_config(dir: &Path, wav: &Path) -> PathBuf {
    let golden = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/bench-10-band.camilladsp.yml"),
    )
    .unwrap();
    let body: String = golden
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let config = format!(
        "devices:\n  samplerate: {RATE}\n  chunksize: 256\n  capture:\n    type: WavFile\n    filename: {}\n  playback:\n    type: Alsa\n    channels: 2\n    device: default\n    format: F32_LE\n{body}\n",
        wav.display()
    );
    let path = dir.join("camilla.yml");
    std::fs::write(&path, config).unwrap();
    path
}

fn cost(dir: &Path, noise: &Path, profile: &Path) {
    println!("\n## Cost of 20 s of real-time playback, 10 peaking filters, default buffer");
    println!("| server | player | CPU time | share of one core | first line |");
    println!("|---|---|---:|---:|---|");
    let camilla = camilladsp();
    let row = |server: &str, who: &str, (cpu, wall, line): (Duration, Duration, String)| {
        println!(
            "| {server} | {who} | {:.2} s | {:.1} % | {} |",
            cpu.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64(),
            line.chars().take(90).collect::<String>()
        );
    };
    let play = |env: &Env, host: &[&str]| {
        measure(
            env.command(env!("CARGO_BIN_EXE_iemlab"))
                .arg("play")
                .arg(noise)
                .arg("--eq")
                .arg(profile)
                .args(["--volume", "0"])
                .args(host),
        )
    };
    {
        let pw = PipeWire::start(&dir.join("pw-cost"));
        row("PipeWire", "iemlab (native)", play(pw.env(), &[]));
        row(
            "PipeWire",
            "iemlab --host alsa",
            play(pw.env(), &["--host", "alsa"]),
        );
        if let Some(c) = &camilla {
            let config = camilla_config(dir, noise);
            let run = measure(
                pw.env()
                    .command(c.to_str().unwrap_or_default())
                    .args(["-l", "error"])
                    .arg(&config),
            );
            row("PipeWire", "CamillaDSP 256 (ALSA)", run);
        }
    }
    {
        let jack = Jack::start(&dir.join("jack-cost"));
        row(
            "JACK",
            "iemlab (native)",
            play(jack.env(), &["--host", "jack", "--device", "jack_thru"]),
        );
        row(
            "JACK",
            "iemlab --host alsa",
            play(jack.env(), &["--host", "alsa"]),
        );
        if let Some(c) = &camilla {
            let config = camilla_config(dir, noise);
            let run = measure(
                jack.env()
                    .command(c.to_str().unwrap_or_default())
                    .args(["-l", "error"])
                    .arg(&config),
            );
            row("JACK", "CamillaDSP 256 (ALSA)", run);
        }
    }
    if camilla.is_none() {
        println!("(CamillaDSP not found: `cargo install camilladsp --version 5.0.0-beta.1`)");
    }
}

/// Now on CLOCK_MONOTONIC, in nanoseconds: the clock PipeWire stamps its cycles with.
fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Samples the sink received, each buffer with the time its first frame was played.
type Captured = Arc<Mutex<Vec<(u64, Vec<f32>)>>>;

/// Captures what the PipeWire sink `sink` plays, with the server's timestamps.
fn capture(sink: &str) -> (cpal::Stream, Captured) {
    let host = cpal::host_from_id(
        cpal::available_hosts()
            .into_iter()
            .find(|h| h.name() == "PipeWire")
            .expect("cpal's PipeWire host"),
    )
    .expect("PipeWire");
    let device = host
        .input_devices()
        .expect("inputs")
        .find(|d| d.id().is_ok_and(|i| i.to_string().ends_with(sink)))
        .expect("the sink as an input");
    // No latency asked for: the player's buffer sets the server's quantum.
    let config = cpal::StreamConfig {
        channels: 2,
        sample_rate: RATE,
        buffer_size: cpal::BufferSize::Default,
    };
    let got: Captured = Arc::new(Mutex::new(Vec::with_capacity(100_000)));
    let sink_got = Arc::clone(&got);
    let stream = device
        .build_input_stream(
            config,
            move |data: &[f32], info: &cpal::InputCallbackInfo| {
                let at = info.timestamp().capture.as_nanos() as u64;
                if let Ok(mut g) = sink_got.lock() {
                    g.push((at, data.to_vec()));
                }
            },
            |e| {
                if e.kind() != cpal::ErrorKind::RealtimeDenied {
                    eprintln!("capture: {e}")
                }
            },
            None,
        )
        .expect("capture stream");
    stream.play().expect("capture");
    (stream, got)
}

/// Writes `seconds` of a constant 0.5 in both channels: a switch to a profile 30 dB down is
/// a step, found to the frame.
fn write_dc(path: &Path, seconds: f64) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for _ in 0..(seconds * f64::from(RATE)) as usize * 2 {
        w.write_sample(0.5f32).unwrap();
    }
    w.finalize().unwrap();
}

fn latency(dir: &Path) {
    println!(
        "\n## Key-to-ear latency on PipeWire (a switch sent on stdin, found in what the sink played)"
    );
    println!(
        "| --buffer | device buffer, latency reported by iemlab | median | worst | goal: buffer + server period + 5 ms |"
    );
    println!("|---:|---|---:|---:|---:|");
    let dc = dir.join("dc.wav");
    write_dc(&dc, 30.0);
    let minus30 = dir.join("minus30.toml");
    std::fs::write(
        &minus30,
        "version = 1\nname = \"minus 30\"\npreamp_db = -30.0\nbands = []\n",
    )
    .unwrap();
    let pw = PipeWire::start(&dir.join("pw-latency"));
    for (key, value) in [
        ("XDG_RUNTIME_DIR", pw.env().get("XDG_RUNTIME_DIR")),
        (
            "DBUS_SESSION_BUS_ADDRESS",
            pw.env().get("DBUS_SESSION_BUS_ADDRESS"),
        ),
    ] {
        // SAFETY: set before this process starts any thread that reads the environment.
        unsafe { std::env::set_var(key, value) };
    }
    for buffer in [None, Some(64u32), Some(1024)] {
        let (stream, got) = capture("iemlab-sink");
        let mut args: Vec<String> = ["ab", dc.to_str().unwrap(), "--a", "flat", "--b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(minus30.display().to_string());
        args.extend(
            [
                "--crossfade-ms",
                "0",
                "--match",
                "off",
                "--volume",
                "0",
                "--ceiling",
                "0",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        if let Some(b) = buffer {
            args.extend(["--buffer".to_string(), b.to_string()]);
        }
        let mut child = pw
            .env()
            .command(env!("CARGO_BIN_EXE_iemlab"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let all_out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut std::io::BufReader::new(stdout), &mut text);
            text
        });
        std::thread::sleep(Duration::from_millis(1500));
        let mut keys = Vec::new();
        let mut state = 1u64;
        for k in 0..20 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            std::thread::sleep(Duration::from_millis(250 + (state >> 56)));
            let key = if k % 2 == 0 { "b" } else { "a" };
            let at = monotonic_ns();
            if writeln!(stdin, "{key}")
                .and_then(|_| stdin.flush())
                .is_err()
            {
                break;
            }
            keys.push((at, k % 2 == 0));
        }
        std::thread::sleep(Duration::from_millis(500));
        let _ = writeln!(stdin, "q");
        let _ = child.wait();
        drop(stream);
        let text = all_out.join().unwrap_or_default();
        if keys.len() < 20 {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            println!("iemlab ended early:\n{text}\n{err}");
        }
        let line = text.lines().next().unwrap_or_default().to_string();
        let captured = got.lock().map(|g| g.clone()).unwrap_or_default();
        let mut delays = Vec::new();
        for (at, down) in keys {
            // The first frame after the key that is on the new side of the step.
            let heard = captured.iter().find_map(|(t, samples)| {
                samples.chunks_exact(2).enumerate().find_map(|(i, f)| {
                    let when = t + (i as u64 * 1_000_000_000) / u64::from(RATE);
                    let quiet = f[0].abs() < 0.25;
                    (when > at && quiet == down).then_some(when)
                })
            });
            if let Some(h) = heard {
                delays.push((h - at) as f64 * 1e-6);
            }
        }
        delays.sort_by(f64::total_cmp);
        // The buffer the output really used, as its first line says ("…, 256-frame buffer)").
        let frames: u32 = line
            .split("-frame buffer")
            .next()
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(buffer.unwrap_or(0));
        // With PipeWire the server's period is the quantum, which the player's buffer sets.
        let budget = 2.0 * f64::from(frames) / f64::from(RATE) * 1e3 + 5.0;
        let reported = line
            .split("latency ")
            .nth(1)
            .and_then(|l| l.split(')').next())
            .unwrap_or("?");
        match (delays.get(delays.len() / 2), delays.last()) {
            (Some(median), Some(worst)) => println!(
                "| {} | {frames}, {reported}) | {median:.1} ms | {worst:.1} ms | {budget:.1} ms ({} of 20 found) |",
                buffer.map_or("default".to_string(), |b| b.to_string()),
                delays.len()
            ),
            _ => println!("| {frames} | {reported}) | no switch found in the capture | | |"),
        }
    }
}

fn soak(dir: &Path, secs: f64) {
    println!(
        "\n## Soak on PipeWire: {secs:.0} s at 64-frame buffers, A/B every second, a spinning thread per core"
    );
    let file = dir.join("soak.wav");
    let source = noise::write(&file, secs, 11);
    let pw = PipeWire::start(&dir.join("pw-soak"));
    let stop = Arc::new(AtomicBool::new(false));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let spinners: Vec<_> = (0..cores)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                }
            })
        })
        .collect();
    let recording = dir.join("soak-rec.wav");
    let recorder = pw.record(&recording, secs + 5.0);
    let mut child = pw
        .env()
        .command(env!("CARGO_BIN_EXE_iemlab"))
        .args(["ab", file.to_str().unwrap(), "--a", "flat", "--b", "flat"])
        .args([
            "--switch",
            "every",
            "1",
            "--buffer",
            "64",
            "--volume",
            "0",
            "--ceiling",
            "0",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut rss = Vec::new();
    let started = Instant::now();
    while child.try_wait().ok().flatten().is_none() {
        if started.elapsed().as_secs() >= (rss.len() as u64 + 1) * 10 {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            if let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
            {
                rss.push(kb / 1024.0);
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut s, &mut out);
    }
    stop.store(true, Ordering::Relaxed);
    for s in spinners {
        let _ = s.join();
    }
    let recorded = recorder.finish();
    let result = match compare::compare(&recorded, &source, 0..source.len()) {
        Ok(c) => c.to_string(),
        Err(e) => e,
    };
    let glitches = out
        .lines()
        .filter(|l| l.starts_with("output device:"))
        .count();
    println!("- {}", out.lines().last().unwrap_or(""));
    println!("- recording against the file: {result}");
    println!("- xrun lines from the output: {glitches}");
    if let (Some(first), Some(peak), Some(last)) = (
        rss.first(),
        rss.iter().copied().reduce(f64::max),
        rss.last(),
    ) {
        println!("- RSS after 10 s {first:.1} MB, peak {peak:.1} MB, end {last:.1} MB");
    }
}
