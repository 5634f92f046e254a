//! `iemlab demo`: works anywhere, with no files and no sound card.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::args::DemoArgs;
use crate::engine::{self, EngineConfig, Output, Pace, Prepared, TrackSource, device};
use crate::material::demo_material;
use crate::preset::EqProfile;
use crate::render::{Encoding, RenderRequest, WavFormat, WavSink, render};
use crate::timecode::format_time;

/// Shipped profiles the demo renders through (built into the binary, so it runs anywhere).
const DEMO_PROFILES: [&str; 3] = ["bass-boost", "treble-tame", "v-shape-graphic"];

const DEMO_RATE: u32 = 48_000;

pub(super) fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = &args.output;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create folder", dir.display()))?;
    let material = demo_material(DEMO_RATE);
    let source = dir.join("demo-source.wav");
    // The demo's own folder: re-running the demo replaces its own files.
    let mut sink = WavSink::create(&source, DEMO_RATE, WavFormat::S24, true)?;
    sink.write(&material.samples)?;
    sink.finish()?;
    println!(
        "wrote {} ({}, built-in material at {DEMO_RATE} Hz)",
        source.display(),
        format_time(material.samples.len() as f64 / 2.0 / f64::from(DEMO_RATE))
    );

    let mut outputs: Vec<(PathBuf, EqProfile)> = Vec::new();
    for stem in DEMO_PROFILES {
        let shipped = crate::shipped::find(Path::new(stem))
            .ok_or_else(|| anyhow::anyhow!("{stem}: not a shipped profile"))?;
        let profile = EqProfile::parse(shipped.text, Path::new(shipped.path))?;
        let output = dir.join(format!("demo-{stem}.wav"));
        let request = RenderRequest {
            input: source.clone(),
            output: output.clone(),
            rate: None,
            from: None,
            to: None,
            format: Encoding::Wav(WavFormat::S24),
            tags: None,
            force: true,
        };
        let summary = render(&request, &profile)?;
        println!("wrote {}  ('{}')", summary.line(), profile.name);
        if let Some(w) = summary.clip_warning() {
            super::output::warn_line(&w);
        }
        outputs.push((output, profile));
    }

    println!("\nWhat is where in each file:");
    for s in &material.segments {
        println!(
            "  {}  {:<26} {}",
            format_time(s.start),
            s.name,
            s.listen_for
        );
    }
    println!("\nListen to demo-source.wav, then each demo-*.wav, at the same volume:");
    for (path, profile) in &outputs {
        println!("  {}: {}", path.display(), profile.name);
    }
    if !args.no_play {
        let seconds = material.samples.len() as f64 / 2.0 / f64::from(DEMO_RATE);
        play(&source, outputs.first().map(|(_, p)| p), seconds)?;
    }
    println!(
        "\nNext: render your own track with\n  iemlab render TRACK.flac --eq bass-boost -o out.wav"
    );
    Ok(ExitCode::SUCCESS)
}

/// Plays the material through `profile` on the default sound card, when there is one: the
/// same engine `iemlab play` uses, A then flat, switching halfway so the change is heard.
fn play(source: &Path, profile: Option<&EqProfile>, seconds: f64) -> anyhow::Result<()> {
    if !device::has_default_output() {
        println!("\nNo sound card found, so nothing was played; listen to the files above.");
        return Ok(());
    }
    let output = Output::Device(None);
    let prepared = match Prepared::new(&output, None, DEMO_RATE, None, Pace::RealTime, false) {
        Ok(p) => p,
        Err(e) => {
            println!("\nCould not open the sound card ({e}); listen to the files above.");
            return Ok(());
        }
    };
    let rate = prepared.rate();
    println!(
        "\nPlaying the material on {} through '{}' for its first half, then flat (Ctrl-C stops)",
        prepared.describe(),
        profile.map_or("flat", |p| p.name.as_str())
    );
    let tracks = vec![TrackSource::new(Some(source.to_path_buf()))];
    let mut config = EngineConfig::new(rate);
    config.period_frames = prepared.buffer_frames();
    let (mut player, callback) = engine::start(config, tracks);
    player.load(0, profile, 0.0)?;
    player.load(1, None, 0.0)?;
    player.switch_at(0, seconds / 2.0, 1, 20.0);
    let status = std::sync::Arc::clone(player.status());
    player.wait_ready(std::time::Duration::from_secs(3));
    let running = prepared.start(callback, std::sync::Arc::clone(&status))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !running.is_done(&status) && std::time::Instant::now() < deadline {
        if let Some(e) = running.device_error().filter(engine::StreamFault::is_fatal) {
            println!("output device error: {e}");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    player.stop();
    running.finish()?;
    Ok(())
}
