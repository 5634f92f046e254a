//! Layer 4: the `iemlab` command line. Parses arguments, calls into the library, prints
//! results and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad usage or input).

mod ab;
mod args;
mod check;
mod config;
mod demo;
mod devices;
mod docs;
mod exit;
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

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use args::{
    AbArgs, CheckArgs, DemoArgs, DevicesArgs, PlayArgs, RenderArgs, ReportArgs, SessionArgs,
};

use crate::exit_status::ExitStatus;

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
            ExitCode::from(
                interrupted.map_or_else(|| exit::exit_code(&err), crate::interrupt::exit_code),
            )
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
