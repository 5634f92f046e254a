//! Decode and render speed, as × real time (audio seconds per wall-clock second):
//! - decode: FLAC and MP3, 20 s of the built-in demo material;
//! - render: the whole offline pipeline (decode FLAC → 10-band EQ → 24-bit WAV), and the same
//!   with resampling 44.1 → 48 kHz.
//!
//! The encoded inputs are made once with ffmpeg (apt-get install ffmpeg) into target/bench-data;
//! without ffmpeg the decode and render benchmarks are skipped with a message.

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iemlab::decode::AudioFile;
use iemlab::material::demo_material;
use iemlab::preset::EqProfile;
use iemlab::render::{Encoding, RenderRequest, WavFormat, WavSink, render};

fn bench_data() -> Option<(PathBuf, f64)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).ok()?;
    let wav = dir.join("material.wav");
    let m = demo_material(44_100);
    let seconds = m.samples.len() as f64 / 2.0 / 44_100.0;
    if !wav.exists() {
        let mut sink = WavSink::create(&wav, 44_100, WavFormat::S24, true).ok()?;
        sink.write(&m.samples).ok()?;
        sink.finish().ok()?;
    }
    for (ext, args) in [("flac", vec![]), ("mp3", vec!["-b:a", "320k"])] {
        let out = dir.join(format!("material.{ext}"));
        if !out.exists() {
            let ok = Command::new("ffmpeg")
                .args(["-loglevel", "error", "-y", "-i"])
                .arg(&wav)
                .args(&args)
                .arg(&out)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                eprintln!("ffmpeg not found: skipping decode/render benchmarks");
                return None;
            }
        }
    }
    Some((dir, seconds))
}

fn decode_all(path: &Path) -> usize {
    let mut file = AudioFile::open(path).unwrap();
    let mut buf = Vec::with_capacity(8192);
    let mut total = 0;
    loop {
        buf.clear();
        let n = file.read(&mut buf, 4096).unwrap();
        if n == 0 {
            return total;
        }
        total += n;
    }
}

fn bench_pipeline(c: &mut Criterion) {
    let Some((dir, seconds)) = bench_data() else {
        return;
    };
    let mut group = c.benchmark_group("realtime");
    group.sample_size(10);
    // Throughput in "elements" = milliseconds of audio, so criterion's Kelem/s ÷ 1000 reads
    // directly as × real time.
    group.throughput(Throughput::Elements((seconds * 1000.0) as u64));
    for ext in ["flac", "mp3"] {
        let path = dir.join(format!("material.{ext}"));
        group.bench_function(format!("decode_{ext}"), |b| b.iter(|| decode_all(&path)));
    }
    let profile = EqProfile::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/eq/bench-10-band.toml"),
    )
    .unwrap();
    for (name, rate) in [
        ("render_flac_10band", None),
        ("render_flac_10band_to_48k", Some(48_000)),
    ] {
        let request = RenderRequest {
            input: dir.join("material.flac"),
            output: dir.join(format!("{name}.wav")),
            rate,
            from: None,
            to: None,
            format: Encoding::Wav(WavFormat::S24),
            tags: None,
            force: true,
        };
        group.bench_function(name, |b| b.iter(|| render(&request, &profile).unwrap()));
    }
    group.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
