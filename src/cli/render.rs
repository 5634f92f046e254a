//! `iemlab render`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::args::{Matching, OutputFormat, RenderArgs, Switch};
use super::exit::UsageError;
use super::output::{is_stdout, via_temp_file};
use crate::decode::AudioFile;
use crate::playlist::Playlist;
use crate::preset::EqProfile;
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
    let format = super::render_many::source_bits(
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

/// What `--format` and `--bits` ask for; without `--format`, FLAC for a folder or a `.flac`
/// name and 24-bit WAV otherwise.
pub(super) fn encoding(args: &RenderArgs, folder: bool) -> Result<Encoding, UsageError> {
    let ext = args
        .output
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let bits = args.bits;
    let wav = |bits: Option<u32>| {
        Encoding::Wav(if bits == Some(16) {
            WavFormat::S16
        } else {
            WavFormat::S24
        })
    };
    let sample_format = |format: WavFormat| match bits {
        Some(b) if b != format.bits() => Err(UsageError(format!(
            "--bits {b} does not go with --format {}",
            format!("{format:?}").to_lowercase()
        ))),
        _ => Ok(Encoding::Wav(format)),
    };
    let chosen = match args.format {
        Some(OutputFormat::Flac) => Encoding::Flac {
            bits: bits.unwrap_or(24),
        },
        Some(OutputFormat::Wav) => wav(bits),
        Some(OutputFormat::S24) => sample_format(WavFormat::S24)?,
        Some(OutputFormat::S16) => sample_format(WavFormat::S16)?,
        Some(OutputFormat::F32) => sample_format(WavFormat::F32)?,
        None if folder || ext.as_deref() == Some("flac") => Encoding::Flac {
            bits: bits.unwrap_or(24),
        },
        None => wav(bits),
    };
    if !folder
        && let Some(ext) = ext.as_deref()
        && matches!(ext, "wav" | "flac")
        && ext != chosen.extension()
    {
        return Err(UsageError(format!(
            "{}: the name says {} but --format writes {}",
            args.output.display(),
            ext.to_uppercase(),
            chosen.describe()
        )));
    }
    Ok(chosen)
}

/// How the profile is named in tags: its own name, else what was typed.
pub(super) fn profile_label(profile: &EqProfile, spec: &str) -> String {
    if profile.name.trim().is_empty() {
        spec.to_string()
    } else {
        profile.name.clone()
    }
}

/// Loads `--eq` for output at `rate` Hz: a profile file, or `flat` for none.
pub(super) fn load_profile(spec: &str, rate: u32) -> anyhow::Result<EqProfile> {
    let profile = EqProfile::load_named(spec)?;
    profile.check_rate(rate)?;
    Ok(profile)
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
