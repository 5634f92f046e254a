//! Layer 4: the `iemlab` command line. Parses arguments, calls into the library, prints
//! results and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad usage or input).

mod ab;
mod args;
mod check;
mod config;
mod db;
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
mod render_many;
mod report;
mod shipped;
mod sim;
mod studio;
mod ui;
mod verbosity;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

use exit::error_text;

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
        Command::Render(_)
            | Command::Demo(_)
            | Command::Play(_)
            | Command::Ab(_)
            | Command::Studio(_)
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
        Command::Db(args) => db::run(args),
        Command::Studio(args) => studio::run(args),
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
