//! Layer 4: the `iemlab` command line. Parses arguments, calls into the library, prints
//! results and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad usage or input).

mod check;
mod config;
mod demo;
mod devices;
mod play;
mod render;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::decode::DecodeError;
use crate::engine::OutputError;
use crate::engine::device::DeviceError;
use crate::playlist::PlaylistError;
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
    /// Validate EQ profiles; lists every problem with file, line and field.
    Check(CheckArgs),
    /// Synthesise built-in test material and render it through shipped profiles.
    Demo(DemoArgs),
    /// Play a playlist or files through the real-time engine (to the DAC, a WAV or nowhere).
    Play(PlayArgs),
    /// List audio output devices with their rates, formats and buffer ranges.
    Devices,
}

/// Arguments of `iemlab play`.
#[derive(clap::Args, Debug)]
struct PlayArgs {
    /// A playlist (.toml) or audio files.
    #[arg(required = true, value_name = "PLAYLIST|FILE")]
    inputs: Vec<PathBuf>,
    /// EQ profile (.toml), or `flat`.
    #[arg(long, value_name = "PROFILE")]
    eq: Option<String>,
    /// Folder to find the playlist's tracks in (repeatable; default from the config file).
    #[arg(long, value_name = "DIR")]
    library: Vec<PathBuf>,
    /// Output: a device name or index (see `iemlab devices`), `null`, or `wav:OUT.wav`.
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Start at entry N (1-based) or at the section with this name.
    #[arg(long, value_name = "SECTION|N")]
    start: Option<String>,
    /// Output volume in dB (0 = full scale; starts low for your ears' sake).
    #[arg(long, value_name = "DB", default_value_t = -20.0, allow_negative_numbers = true,
          value_parser = parse_volume)]
    volume: f64,
    /// Limiter ceiling in dBFS: no output sample goes above it.
    #[arg(long, value_name = "DBFS", default_value_t = -1.0, allow_negative_numbers = true,
          value_parser = parse_ceiling)]
    ceiling: f64,
    /// Device buffer size in frames.
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(16..=65536))]
    buffer: Option<u32>,
    /// With the null or WAV output: run as fast as possible instead of in real time.
    #[arg(long)]
    fast: bool,
    /// Show which file each entry resolves to (or why none), and exit.
    #[arg(long)]
    list: bool,
    /// Let `--device wav:OUT.wav` replace an existing file.
    #[arg(long)]
    force: bool,
}

fn parse_volume(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of dB"))?;
    if (-90.0..=0.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} dB is outside -90 to 0 dB"))
    }
}

fn parse_ceiling(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of dB"))?;
    if (-30.0..=0.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} dBFS is outside -30 to 0 dBFS"))
    }
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
    /// Only write the files; do not play them to the sound card.
    #[arg(long)]
    no_play: bool,
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
        Command::Play(args) => play::run(args),
        Command::Devices => devices::run(),
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
        if cause.is::<ProfileError>()
            || cause.is::<DecodeError>()
            || cause.is::<UsageError>()
            || cause.is::<PlaylistError>()
            || cause.is::<config::ConfigError>()
        {
            return 2;
        }
        if let Some(e) = cause.downcast_ref::<OutputError>() {
            return match e {
                OutputError::Wav(WavError::Exists(_))
                | OutputError::Device(DeviceError::NotFound(_)) => 2,
                _ => 1,
            };
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

/// A usage error as an `anyhow::Error` (exit code 2).
fn usage(message: String) -> anyhow::Error {
    UsageError(message).into()
}

/// A mistake in how the command was called, found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);
