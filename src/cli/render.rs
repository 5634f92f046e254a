//! `iemlab render`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::args::{Matching, RenderArgs, Switch};
use super::exit::UsageError;
use super::output::{is_stdout, via_temp_file};
use super::render_many::{encoding, load_profile, profile_label, source_bits};
use crate::decode::AudioFile;
use crate::playlist::Playlist;
use crate::render::ab::{AbRenderRequest, render_ab};
use crate::render::batch::output_tags;
use crate::render::{Encoding, RenderRequest, WavFormat, render};

pub(super) fn run(args: RenderArgs) -> anyhow::Result<ExitCode> {
    if is_batch(&args) {
        return super::render_many::run(&args);
    }
    let input = args.inputs[0].clone();
    if let (Some(from), Some(to)) = (args.from, args.to)
        && to <= from
    {
        return Err(UsageError(format!(
            "--to {} must be after --from {}",
            crate::timecode::format_time(to),
            crate::timecode::format_time(from)
        ))
        .into());
    }
    if same_file(&input, &args.output) {
        return Err(UsageError(format!(
            "{}: output would overwrite the input",
            args.output.display()
        ))
        .into());
    }
    // Profiles are validated at the rate they will run at: the output rate.
    let rate = match args.rate {
        Some(rate) => rate,
        None => AudioFile::open(&input)?.info().sample_rate,
    };
    let format = encoding(&args, false)?;
    let format = source_bits(
        format,
        AudioFile::open(&input)?.info().bits_per_sample,
        args.bits,
    );
    if let Some(specs) = &args.ab {
        let Encoding::Wav(format) = format else {
            return Err(UsageError("--ab writes WAV: give -o OUT.wav".into()).into());
        };
        return run_ab(&args, &input, specs, rate, format);
    }
    if is_stdout(&args.output) && !matches!(format, Encoding::Wav(_)) {
        return Err(UsageError(
            "-o - writes WAV to stdout; FLAC needs a file (its header is rewritten at the end)"
                .into(),
        )
        .into());
    }
    let spec = args.eq.as_deref().unwrap_or("flat");
    // With --iem MINE, --eq NAME is another IEM's sound on mine, fitted now.
    let profile = match args.sim.simulate(&args.sim.slots(&[spec]))?.pop().flatten() {
        Some((profile, line)) => {
            log::info!("{line}");
            profile.check_rate(rate)?;
            profile
        }
        None => load_profile(spec, rate)?,
    };
    let tags = match format {
        Encoding::Flac { .. } => {
            let (tags, note) = output_tags(&input, "", "", &profile_label(&profile, spec));
            if let Some(note) = note {
                log::info!("{note}");
            }
            Some(tags)
        }
        Encoding::Wav(_) => None,
    };
    let summary = to_output(&args.output, |output| {
        let request = RenderRequest {
            input: input.clone(),
            output,
            rate: args.rate,
            from: args.from,
            to: args.to,
            format,
            tags,
            force: args.force,
        };
        let mut summary =
            render(&request, &profile).with_context(|| format!("rendering {}", input.display()))?;
        summary.output = shown(&args.output);
        Ok(summary)
    })?;
    say(&args.output, &summary.line());
    if let Some(warning) = summary.clip_warning() {
        super::output::warn_line(&warning);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `render` with the WAV file to write: `output`, or for `-o -` a temporary file that
/// is then copied to stdout.
fn to_output<T>(
    output: &Path,
    render: impl FnOnce(PathBuf) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if is_stdout(output) {
        via_temp_file("render.wav", |temp| render(temp.to_path_buf()))
    } else {
        render(output.to_path_buf())
    }
}

/// How the output is named in messages.
fn shown(output: &Path) -> PathBuf {
    if is_stdout(output) {
        PathBuf::from("stdout")
    } else {
        output.to_path_buf()
    }
}

/// The result line: on stdout, or on stderr when stdout carries the WAV.
fn say(output: &Path, line: &str) {
    if is_stdout(output) {
        log::info!("{line}");
    } else {
        println!("{line}");
    }
}

/// Whether the command renders into a folder: several inputs, a playlist, or `-o` naming a
/// folder (ending in `/` or one that exists).
fn is_batch(args: &RenderArgs) -> bool {
    let text = args.output.as_os_str().to_string_lossy();
    args.inputs.len() > 1
        || args
            .inputs
            .iter()
            .any(|p| super::listen::is_playlist_path(p))
        || text.ends_with('/')
        || text.ends_with(std::path::MAIN_SEPARATOR)
        || args.output.is_dir()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `render --ab`: through the engine, switching profiles at the given times or cues.
fn run_ab(
    args: &RenderArgs,
    input: &Path,
    specs: &[String],
    rate: u32,
    format: WavFormat,
) -> anyhow::Result<ExitCode> {
    if specs.len() < 2 {
        return Err(
            UsageError("--ab needs at least two profiles, e.g. --ab A.toml,B.toml".into()).into(),
        );
    }
    if args.to.is_some() {
        return Err(UsageError(
            "--to is not supported with --ab (the render runs to the end)".into(),
        )
        .into());
    }
    let names: Vec<&str> = specs.iter().map(String::as_str).collect();
    let simulated = args.sim.simulate(&args.sim.slots(&names))?;
    let mut profiles = Vec::new();
    for (spec, sim) in specs.iter().zip(simulated) {
        match sim {
            Some((profile, line)) => {
                log::info!("{line}");
                profiles.push(Some(profile));
            }
            None => {
                let p = load_profile(spec, rate)?;
                profiles.push((spec != "flat").then_some(p));
            }
        }
    }
    let mut switch_at = args.switch_at.clone();
    if let Some(playlist) = &args.playlist {
        if args.switch != Some(Switch::Cues) {
            return Err(UsageError("--playlist goes with --switch cues".into()).into());
        }
        let p = Playlist::load(playlist)?;
        let n = args.track.unwrap_or(0);
        let entry = p
            .entries()
            .nth(n.wrapping_sub(1))
            .map(|(_, e)| e)
            .ok_or_else(|| {
                UsageError(format!(
                    "--track {n}: the playlist has entries 1 to {}",
                    p.len()
                ))
            })?;
        switch_at.extend(entry.cues.iter().map(|c| c.at));
    }
    let matching = args.matching == Matching::Loudness;
    let summary = to_output(&args.output, |output| {
        let request = AbRenderRequest {
            input: input.to_path_buf(),
            output,
            profiles,
            switch_at: switch_at.clone(),
            crossfade_ms: args.crossfade_ms,
            match_loudness: matching,
            rate: args.rate,
            from: args.from.unwrap_or(0.0),
            format,
            force: args.force,
        };
        render_ab(&request).with_context(|| format!("rendering {}", input.display()))
    })?;
    let times: Vec<String> = switch_at
        .iter()
        .map(|t| crate::timecode::format_time(*t))
        .collect();
    let levels: Vec<String> = summary
        .levels
        .gains_db
        .iter()
        .zip(specs)
        .map(|(g, s)| format!("{s} {g:+.2} dB"))
        .collect();
    let line = format!(
        "{}: {} at {} Hz, A/B through the engine, switches at [{}], levels {}, {} clipped samples",
        shown(&args.output).display(),
        crate::timecode::format_time(summary.frames as f64 / f64::from(summary.rate)),
        summary.rate,
        times.join(", "),
        levels.join(", "),
        summary.clipped_samples
    );
    say(&args.output, &line);
    Ok(ExitCode::SUCCESS)
}
