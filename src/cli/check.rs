//! `iemlab check`: validates files and lists every problem.

use std::path::Path;
use std::process::ExitCode;

use super::CheckArgs;
use crate::decode::AudioFile;
use crate::playlist::{Playlist, looks_like_playlist};
use crate::preset::{EqProfile, EqShape, ProfileError};
use crate::problem::Problems;

pub(super) fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    for path in &args.files {
        match check_file(path, args.rate) {
            Ok(report) => println!("ok    {}: {report}", path.display()),
            Err(message) => {
                failed += 1;
                eprintln!("{message}");
            }
        }
    }
    if failed > 0 {
        eprintln!(
            "{failed} of {} file{} invalid",
            args.files.len(),
            if args.files.len() == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Validates one file; Ok carries a one-line description, Err every problem.
fn check_file(path: &Path, rate: u32) -> Result<String, String> {
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if !is_toml {
        return Err(format!(
            "{}: cannot check this kind of file (expected an EQ profile or playlist, .toml)",
            path.display()
        ));
    }
    if let Ok(text) = std::fs::read_to_string(path)
        && looks_like_playlist(&text)
    {
        return check_playlist(path);
    }
    let profile = EqProfile::load(path, rate).map_err(|e: ProfileError| e.to_string())?;
    let filters = match &profile.shape {
        EqShape::Parametric(b) => format!(
            "{} parametric band{}",
            b.len(),
            if b.len() == 1 { "" } else { "s" }
        ),
        EqShape::Graphic(_) => "10-band graphic EQ".to_string(),
    };
    let mut line = format!(
        "EQ profile '{}', {filters}, preamp {:+.1} dB",
        profile.name, profile.preamp_db
    );
    if let Some(max) = profile.max_gain_db(rate) {
        if max > 0.05 {
            line.push_str(&format!(
                "; note: boosts up to {max:+.1} dB after preamp, so loud tracks can clip (lower preamp_db by {:.1} dB to prevent it)",
                (max * 10.0).ceil() / 10.0
            ));
        } else {
            // Round -0.04 to +0.0 rather than print "-0.0".
            let shown = if max.abs() < 0.05 { 0.0 } else { max };
            line.push_str(&format!(", max gain {shown:+.1} dB (no net boost)"));
        }
    }
    Ok(line)
}

/// Validates a playlist; cue and loop times are checked against the length of every track
/// whose `file =` can be opened.
fn check_playlist(path: &Path) -> Result<String, String> {
    let playlist = Playlist::load(path).map_err(|e| e.to_string())?;
    let durations: Vec<Option<f64>> = playlist
        .entries()
        .map(|(_, e)| {
            e.file
                .as_ref()
                .and_then(|f| AudioFile::open(f).ok())
                .and_then(|f| f.info().seconds())
        })
        .collect();
    let problems = playlist.check_times(&durations);
    if !problems.is_empty() {
        return Err(Problems(path, &problems).to_string());
    }
    let cues: usize = playlist.entries().map(|(_, e)| e.cues.len()).sum();
    let with_files = playlist.entries().filter(|(_, e)| e.file.is_some()).count();
    Ok(format!(
        "playlist '{}', {} section{}, {} track{}, {cues} cue{}{}",
        playlist.name,
        playlist.sections.len(),
        plural(playlist.sections.len()),
        playlist.len(),
        plural(playlist.len()),
        plural(cues),
        if with_files > 0 {
            format!(", {with_files} with file =")
        } else {
            String::new()
        }
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
