//! `iemlab play`: plays a playlist (or files) through the real-time engine, with keys on a
//! terminal and one line per event otherwise.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use super::PlayArgs;
use super::session::{self, Queue, Session};

pub(super) fn run(args: PlayArgs) -> anyhow::Result<ExitCode> {
    let queue = Queue::from_inputs(&args.inputs, &args.session.library)?;
    if args.list {
        queue.print_resolution();
        return Ok(ExitCode::SUCCESS);
    }
    let Some(mut session) = Session::open(queue, &args.session, false)? else {
        return Ok(ExitCode::from(2));
    };
    let profile = session::load_profile(args.eq.as_deref(), session.rate)?;
    let gain = session
        .player
        .load(0, profile.as_ref(), 0.0)
        .map_err(anyhow::Error::msg)
        .context("loading the EQ profile")?;
    session.set_headline(format!(
        "EQ: {}{}; volume {:+.1} dB, limiter at {:+.1} dBFS",
        profile
            .as_ref()
            .map_or("flat".into(), |p| format!("'{}'", p.name)),
        if gain < -0.05 {
            format!(" (automatic preamp {gain:+.1} dB)")
        } else {
            String::new()
        },
        args.session.volume,
        args.session.ceiling
    ));
    session.run()?;
    Ok(ExitCode::SUCCESS)
}

/// Paths given on the command line that are playlists (`.toml`).
pub(super) fn is_playlist_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// Library folders: `--library` values, else the config file's `library` list.
pub(super) fn library_dirs(given: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    Ok(super::config::Config::load()?.library)
}
