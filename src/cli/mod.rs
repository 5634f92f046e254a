//! Layer 4: the `iemlab` command line. Parses arguments, calls into the library, prints
//! results and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad usage or input).

mod check;
mod demo;
mod fit;
mod plot;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::decode::DecodeError;
use crate::preset::ProfileError;
use crate::render::{RenderError, WavError, WavFormat};

/// Listening harness for reviewing and tuning in-ear monitors.
#[derive(Parser, Debug)]
#[command(name = "iemlab", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Render a track through an EQ profile to a WAV file (decode, resample, EQ).
    Render(RenderArgs),
    /// Validate EQ profiles (.toml) and FR measurements (.csv/.txt); lists every problem with file and line.
    Check(CheckArgs),
    /// Synthesise built-in test material and render it through shipped profiles.
    Demo(DemoArgs),
    /// Fit an EQ profile that turns a measured FR into a target (or another IEM's FR).
    Fit(fit::FitArgs),
    /// Draw measured FR, target, EQ response and equalised result as SVG or PNG.
    Plot(plot::PlotArgs),
}

/// Arguments of `iemlab render`.
#[derive(clap::Args, Debug)]
struct RenderArgs {
    /// Audio file to render (WAV, FLAC, ALAC/AAC in M4A, MP3, Ogg Vorbis, AIFF, Opus, WebM).
    input: PathBuf,
    /// EQ profile (.toml), or `flat` for no EQ.
    #[arg(long, value_name = "PROFILE.toml")]
    eq: String,
    /// Output WAV file.
    #[arg(short, long, value_name = "OUT.wav")]
    output: PathBuf,
    /// Output sample rate in Hz (default: the input's rate).
    #[arg(long, value_name = "HZ", value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    rate: Option<u32>,
    /// Start at this track time (mm:ss, mm:ss.fff or seconds).
    #[arg(long, value_name = "mm:ss", value_parser = parse_time_arg)]
    from: Option<f64>,
    /// Stop at this track time (mm:ss, mm:ss.fff or seconds).
    #[arg(long, value_name = "mm:ss", value_parser = parse_time_arg)]
    to: Option<f64>,
    /// Sample format of the WAV: 24-bit integer or 32-bit float.
    #[arg(long, value_enum, default_value = "s24")]
    format: WavFormat,
    /// Overwrite OUT.wav if it exists.
    #[arg(long)]
    force: bool,
}

/// Arguments of `iemlab check`.
#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Files to validate.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Playback rate to validate frequencies against (Nyquist limit).
    #[arg(long, value_name = "HZ", default_value_t = crate::preset::DEFAULT_CHECK_RATE,
          value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    rate: u32,
}

/// Arguments of `iemlab demo`.
#[derive(clap::Args, Debug)]
struct DemoArgs {
    /// Folder to write the demo files into.
    #[arg(short, long, value_name = "DIR", default_value = "iemlab-demo")]
    output: PathBuf,
}

fn parse_time_arg(s: &str) -> Result<f64, String> {
    crate::timecode::parse_time(s)
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let result = match cli.command {
        Command::Render(args) => render::run(args),
        Command::Check(args) => check::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Plot(args) => plot::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", error_text(&err));
            ExitCode::from(exit_code(&err))
        }
    }
}

/// The error and its causes joined with ": ", leaving out a cause whose text the message
/// before it already quotes (errors that embed their source in their own message).
pub(crate) fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}

/// 2 when the user's input is at fault (bad file, bad value, refusing to overwrite), else 1.
fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(code) = fit::exit_code(cause) {
            return code;
        }
        if cause.is::<ProfileError>() || cause.is::<DecodeError>() || cause.is::<UsageError>() {
            return 2;
        }
        if let Some(e) = cause.downcast_ref::<WavError>() {
            return if matches!(e, WavError::Exists(_)) {
                2
            } else {
                1
            };
        }
        if let Some(e) = cause.downcast_ref::<RenderError>() {
            return match e {
                RenderError::Decode(_)
                | RenderError::Profile { .. }
                | RenderError::Range { .. } => 2,
                RenderError::Wav(WavError::Exists(_)) => 2,
                RenderError::Wav(_) | RenderError::Resample(_) => 1,
            };
        }
    }
    1
}

/// A mistake in how the command was called, found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);
