//! How much iemlab says on stderr besides results and errors: `-q`, `-v`, `RUST_LOG`.
//!
//! Messages go through the `log` crate: notes (`note: …`) and what was written at `info`,
//! warnings at `warn`, details for finding a problem at `debug`. By default iemlab's own
//! `info` and above are shown, and nothing from the libraries it uses; `-q` keeps warnings
//! only (and hides progress bars); `-v` adds iemlab's `debug` and the libraries' warnings,
//! `-vv` everyone's `debug`, `-vvv` `trace`. Without `-q`/`-v`, `RUST_LOG` (env_logger's
//! syntax, e.g. `RUST_LOG=iemlab::cli=debug`) chooses instead. Results (on stdout) and
//! errors are printed whatever the level.

use std::io::Write;

use log::{Level, LevelFilter};

/// The `-v`/`-q` flags every command takes.
#[derive(clap::Args, Debug, Clone, Copy)]
pub(super) struct Verbosity {
    /// Say more on stderr: -v iemlab's debug messages, -vv every library's, -vvv trace.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// Say less: no notes, progress bars or "wrote" lines on stderr; results and errors only.
    #[arg(short, long, global = true)]
    quiet: bool,
}

/// The crate's own log target prefix.
const OURS: &str = env!("CARGO_CRATE_NAME");

impl Verbosity {
    /// Installs the logger for the rest of the process (once, from the binary).
    pub(super) fn install(self) {
        let mut builder = env_logger::Builder::new();
        match (self.quiet, self.verbose) {
            (false, 0) if std::env::var_os("RUST_LOG").is_some() => {
                builder.parse_default_env();
            }
            (true, _) => {
                builder.filter_module(OURS, LevelFilter::Warn);
            }
            (false, 0) => {
                builder.filter_module(OURS, LevelFilter::Info);
            }
            (false, 1) => {
                builder
                    .filter_level(LevelFilter::Warn)
                    .filter_module(OURS, LevelFilter::Debug);
            }
            (false, 2) => {
                builder.filter_level(LevelFilter::Debug);
            }
            (false, _) => {
                builder.filter_level(LevelFilter::Trace);
            }
        }
        builder.format(|out, record| match record.level() {
            // A note or what was written: exactly the line iemlab has always printed.
            Level::Info => writeln!(out, "{}", record.args()),
            Level::Warn => writeln!(out, "warning: {}", record.args()),
            Level::Error => writeln!(out, "error: {}", record.args()),
            Level::Debug | Level::Trace => writeln!(
                out,
                "{}: {}: {}",
                record.level().as_str().to_ascii_lowercase(),
                record.target(),
                record.args()
            ),
        });
        // Already set only if a test harness or library did so first; keep theirs.
        let _ = builder.try_init();
    }
}
