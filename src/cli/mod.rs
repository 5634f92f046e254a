//! Layer 4: the `iemlab` command line. Parses arguments, calls into the library, prints
//! results and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad usage or input).

mod ab;
mod check;
mod config;
mod demo;
mod devices;
mod docs;
mod export;
mod fit;
mod import;
mod keys;
mod listen;
mod output;
mod play;
mod plot;
mod render;
mod report;
mod shipped;
mod ui;
mod verbosity;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit_status::{self, ExitStatus};
use crate::render::WavFormat;

/// Listening harness for reviewing and tuning in-ear monitors.
#[derive(Parser, Debug)]
#[command(name = "iemlab", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    verbosity: verbosity::Verbosity,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Render a track through an EQ profile to a WAV file (decode, resample, EQ).
    Render(RenderArgs),
    /// Validate EQ profiles and playlists (.toml) and FR measurements (.csv/.txt); lists every problem with file and line.
    Check(CheckArgs),
    /// Synthesise built-in test material and render it through shipped profiles.
    Demo(DemoArgs),
    /// Play a playlist or files through the real-time engine (to the DAC, a WAV or nowhere).
    Play(PlayArgs),
    /// List audio output devices with their rates, formats and buffer ranges.
    Devices(DevicesArgs),
    /// Compare EQ profiles A/B(/C/D): instant level-matched switching, cues, loops, blind ABX, notes.
    Ab(AbArgs),
    /// Turn listening notes into a Markdown review draft.
    Report(ReportArgs),
    /// Export a profile as a preset for a player, DSP or EQ app (see --list).
    Export(export::ExportArgs),
    /// Import an Equalizer APO, AutoEQ or CamillaDSP preset as a profile.
    Import(import::ImportArgs),
    /// Fit an EQ profile that turns a measured FR into a target (or another IEM's FR).
    Fit(fit::FitArgs),
    /// Draw measured FR, target, EQ response and equalised result as SVG or PNG.
    Plot(plot::PlotArgs),
    /// List the playlists, EQ profiles, measurements and targets built into iemlab (usable by
    /// name from any folder), or print one.
    Shipped(shipped::ShippedArgs),
    /// Print a shell completion script, e.g. `iemlab completions bash > ~/.local/share/bash-completion/completions/iemlab`.
    Completions(docs::CompletionsArgs),
    /// Print the manual page (roff), e.g. `iemlab man | man -l -`.
    Man(docs::ManArgs),
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
    #[command(flatten)]
    session: SessionArgs,
    /// Show which file each entry resolves to (or why none), and exit.
    #[arg(long)]
    list: bool,
    /// Notes file (JSON Lines, appended as you go; `m` or `note: TEXT` takes one).
    #[arg(long, value_name = "FILE", default_value = "iemlab-notes.jsonl")]
    notes: PathBuf,
}

/// What every listening session takes: where the tracks are and where the sound goes.
#[derive(clap::Args, Debug, Clone)]
struct SessionArgs {
    /// Folder to find the playlist's tracks in (repeatable; default from the config file).
    #[arg(long, value_name = "DIR")]
    library: Vec<PathBuf>,
    /// Output: a device name or index (see `iemlab devices`), `null`, or `wav:OUT.wav`; with
    /// `--host jack`, the JACK client (or port pattern) to connect to.
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Audio host: `pipewire`, `pulseaudio`, `jack` or `alsa` (default: the running sound
    /// server's own).
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
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
    /// Device buffer size in frames (default about 10 ms; clamped into what the device takes).
    #[arg(long, value_name = "FRAMES", value_parser = clap::value_parser!(u32).range(16..=65536))]
    buffer: Option<u32>,
    /// With the null or WAV output: run as fast as possible instead of in real time.
    #[arg(long)]
    fast: bool,
    /// Let `--device wav:OUT.wav` (and an ABX log) replace an existing file.
    #[arg(long)]
    force: bool,
    /// Test hook: make a null or WAV output fail like an unplugged sound card after SECS.
    #[arg(long, value_name = "SECS", hide = true)]
    fail_output_after: Option<f64>,
}

/// Arguments of `iemlab devices`.
#[derive(clap::Args, Debug)]
struct DevicesArgs {
    /// Also list outputs that report no configuration (ALSA plugins that cannot play here).
    #[arg(long)]
    all: bool,
    /// Print the outputs as one JSON array.
    #[arg(long)]
    json: bool,
}

/// Arguments of `iemlab ab`.
#[derive(clap::Args, Debug)]
struct AbArgs {
    /// A playlist (.toml) or audio files.
    #[arg(required = true, value_name = "PLAYLIST|FILE")]
    inputs: Vec<PathBuf>,
    /// Profile A (.toml or `flat`).
    #[arg(long, value_name = "PROFILE")]
    a: String,
    /// Profile B (.toml or `flat`).
    #[arg(long, value_name = "PROFILE")]
    b: String,
    /// Profile C (optional).
    #[arg(long, value_name = "PROFILE")]
    c: Option<String>,
    /// Profile D (optional).
    #[arg(long, value_name = "PROFILE")]
    d: Option<String>,
    /// When to switch: `keys` (a/b/c/d, space toggles), `cues` (at every cue of the entry,
    /// sample-accurately), or `every SECS`.
    #[arg(long, num_args = 1..=2, value_names = ["MODE", "SECS"], default_values = ["keys"])]
    switch: Vec<String>,
    /// Repeat this region (mm:ss-mm:ss), alternating A and B on each pass.
    #[arg(long = "loop", value_name = "FROM-TO")]
    loop_region: Option<String>,
    /// Level matching: `loudness` (BS.1770 over the track), `pink` (pink noise), or `off`.
    #[arg(long = "match", value_name = "HOW", default_value = "loudness")]
    matching: String,
    /// Blind ABX: labels hidden; each trial plays X (A or B at random), answer a or b.
    #[arg(long)]
    blind: bool,
    /// ABX trials before the result.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=200))]
    trials: u32,
    /// Seed of the ABX sequence (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// Answer the ABX trials from this string of a/b (for scripted runs).
    #[arg(long, value_name = "ab…")]
    answers: Option<String>,
    /// Where to write the ABX trial log (JSON).
    #[arg(long, value_name = "FILE")]
    abx_log: Option<PathBuf>,
    /// Crossfade length when switching, 0–200 ms.
    #[arg(long, value_name = "MS", default_value_t = 20.0, value_parser = parse_crossfade)]
    crossfade_ms: f64,
    /// Notes file (JSON Lines, appended as you go).
    #[arg(long, value_name = "FILE", default_value = "iemlab-notes.jsonl")]
    notes: PathBuf,
    #[command(flatten)]
    session: SessionArgs,
}

/// Arguments of `iemlab report`.
#[derive(clap::Args, Debug)]
struct ReportArgs {
    /// Notes file written by `iemlab ab`.
    notes: PathBuf,
    /// Draft structure.
    #[arg(long, value_enum, default_value = "review")]
    template: report::Template,
    /// Playlist for track order, links and focus.
    #[arg(long, value_name = "PLAYLIST")]
    playlist: Option<PathBuf>,
    /// Output Markdown file (default, or `-`: print).
    #[arg(short, long, value_name = "OUT.md")]
    output: Option<PathBuf>,
    /// Replace OUT.md if it exists.
    #[arg(long)]
    force: bool,
}

fn parse_crossfade(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of ms"))?;
    if (0.0..=200.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} ms is outside 0 to 200 ms"))
    }
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
    #[arg(long, value_name = "PROFILE.toml", required_unless_present = "ab")]
    eq: Option<String>,
    /// A/B render: profiles (.toml or `flat`) separated by commas; starts on the first and
    /// moves to the next at each --switch-at time.
    #[arg(
        long,
        value_name = "A.toml,B.toml",
        value_delimiter = ',',
        conflicts_with = "eq"
    )]
    ab: Option<Vec<String>>,
    /// With --ab: track times to switch at (mm:ss, comma separated).
    #[arg(long, value_name = "mm:ss,…", value_delimiter = ',', value_parser = parse_time_arg)]
    switch_at: Vec<f64>,
    /// With --ab and --playlist/--track: when to switch.
    #[arg(long, value_enum, requires = "playlist")]
    switch: Option<render::Switch>,
    /// With --ab: playlist whose entry --track supplies the cue times.
    #[arg(long, value_name = "PLAYLIST", requires = "track")]
    playlist: Option<PathBuf>,
    /// With --playlist: entry number (1-based).
    #[arg(long, value_name = "N")]
    track: Option<usize>,
    /// With --ab: crossfade length, 0–200 ms.
    #[arg(long, value_name = "MS", default_value_t = 20.0, value_parser = parse_crossfade)]
    crossfade_ms: f64,
    /// With --ab: level matching.
    #[arg(
        long = "match",
        value_name = "HOW",
        value_enum,
        default_value = "loudness"
    )]
    matching: render::Matching,
    /// Output WAV file (`-`: stdout, with the summary on stderr).
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
    /// Print one JSON object per file (path, kind, ok, problems and the file's summary).
    #[arg(long)]
    json: bool,
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

fn parse_time_arg(s: &str) -> Result<f64, crate::timecode::NotATime> {
    crate::timecode::parse_time(s)
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    install_panic_hook();
    std::panic::catch_unwind(run_cli).unwrap_or(ExitCode::from(PANIC_EXIT))
}

/// Exit code after an internal error (a panic): distinct from 1 (failure) and 2 (bad input).
const PANIC_EXIT: u8 = 70;

/// A panic is a bug in iemlab, never the user's doing: say so in one line, with where it
/// happened, instead of Rust's panic message and backtrace (set IEMLAB_BACKTRACE=1 for one),
/// and exit 70 whichever thread it was on.
/// The terminal is taken out of raw mode first, so the shell is usable afterwards.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if crate::contain::is_contained() {
            return;
        }
        let _ = crossterm::terminal::disable_raw_mode();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current()
            .name()
            .map(|n| format!(" in thread {n}"))
            .unwrap_or_default();
        // Written with write!, not eprintln!: a closed stderr must not turn this into an abort.
        use std::io::Write;
        let mut err = std::io::stderr();
        let _ = writeln!(
            err,
            "\r\ninternal error{thread}: {message}{place}\n\
             This is a bug in iemlab, not a problem with your files; please report it with the command you ran."
        );
        if std::env::var_os("IEMLAB_BACKTRACE").is_some() {
            let _ = writeln!(err, "{}", std::backtrace::Backtrace::force_capture());
        }
        // The main thread's panic unwinds to `main`, which exits 70. Any other thread
        // (the feeder, the output's) would leave the session waiting for audio that never
        // comes: end the process now, leaving no temp file behind.
        if std::thread::current().name() != Some("main") {
            crate::interrupt::remove_temps_now();
            std::process::exit(i32::from(PANIC_EXIT));
        }
    }));
}

fn run_cli() -> ExitCode {
    if let Some(how) = std::env::var_os("IEMLAB_TEST_PANIC") {
        if how == "thread" {
            let worker = std::thread::Builder::new()
                .name("iemlab-test".into())
                .spawn(|| panic!("IEMLAB_TEST_PANIC=thread (a test of the panic report)"));
            if let Ok(worker) = worker {
                let _ = worker.join();
            }
            return ExitCode::SUCCESS;
        }
        panic!("IEMLAB_TEST_PANIC is set (a test of the panic report)");
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    cli.verbosity.install();
    log::debug!("iemlab {}: {:?}", env!("CARGO_PKG_VERSION"), cli.command);
    if let Err(e) = crate::interrupt::install() {
        log::warn!(
            "cannot watch for Ctrl-C/SIGTERM ({e}); an interrupted render may leave a .iemlab-*.part file"
        );
    }
    // These stop by themselves at the next block or key poll when a signal arrives (see
    // `interrupt`); the rest are ended by the signal thread after their temp files are removed.
    let _cooperating = matches!(
        cli.command,
        Command::Render(_) | Command::Demo(_) | Command::Play(_) | Command::Ab(_)
    )
    .then(crate::interrupt::cooperate);
    let result = match cli.command {
        Command::Render(args) => render::run(args),
        Command::Check(args) => check::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Play(args) => play::run(args),
        Command::Devices(args) => devices::run(args.all, args.json),
        Command::Ab(args) => ab::run(args),
        Command::Report(args) => report::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Plot(args) => plot::run(args),
        Command::Shipped(args) => shipped::run(args),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
    };
    let interrupted = crate::interrupt::requested();
    match (result, interrupted) {
        (Ok(code), None) => code,
        (Ok(_), Some(signal)) => {
            eprintln!("interrupted by {}", crate::interrupt::signal_name(signal));
            ExitCode::from(crate::interrupt::exit_code(signal))
        }
        (Err(err), interrupted) => {
            eprintln!("error: {}", error_text(&err));
            ExitCode::from(interrupted.map_or_else(|| exit_code(&err), crate::interrupt::exit_code))
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

/// The exit code of `err` (see [`crate::exit_status`]): the library's error types and the
/// command line's usage error know their own.
fn exit_code(err: &anyhow::Error) -> u8 {
    exit_status::exit_code(err.chain(), &[exit_status::probe::<UsageError>])
}

/// Prints `value` as one line of JSON on stdout (an object, or an array of them).
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    output::write_stdout(&line)?;
    Ok(())
}

/// Logs a library's warning text (which starts with `warning: `) as a warning.
fn warn_line(text: &str) {
    log::warn!("{}", text.strip_prefix("warning: ").unwrap_or(text));
}

/// A usage error as an `anyhow::Error` (exit code 2).
fn usage(message: String) -> anyhow::Error {
    UsageError(message).into()
}

/// A mistake in how the command was called, found after argument parsing.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// The user called the command wrongly: exit code 2.
impl ExitStatus for UsageError {
    fn exit_code(&self) -> u8 {
        2
    }
}
