//! `iemlab check`: validates EQ profiles (.toml) and FR measurements (.csv/.txt) and lists
//! every problem.

use std::path::Path;
use std::process::ExitCode;

use super::CheckArgs;
use crate::decode::AudioFile;
use crate::playlist::{Playlist, looks_like_playlist};
use crate::preset::{EqProfile, EqShape, ProfileError};
use crate::problem::{Problems, read_text};

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
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "csv" || ext == "txt" {
        return check_fr(path);
    }
    if ext != "toml" {
        return Err(format!(
            "{}: cannot check this kind of file (expected an EQ profile or playlist, .toml, or an FR measurement, .csv/.txt)",
            path.display()
        ));
    }
    // Bounded like every reader of user files; a file that fails here is reported by the
    // profile loader below, with the same limit and message.
    if let Ok(text) = read_text(path, 4 << 20, "a playlist")
        && looks_like_playlist(&text)
    {
        return check_playlist(path);
    }
    let profile = EqProfile::check(path, rate).map_err(|e: ProfileError| e.to_string())?;
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

/// Validates an FR measurement or target file.
fn check_fr(path: &Path) -> Result<String, String> {
    let curve = crate::fr::FrCurve::load(path).map_err(|e| e.to_string())?;
    let (lo, hi) = curve.span_hz();
    let (min, max) = curve
        .db
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let mut line = format!(
        "FR measurement '{}', {} points, {} Hz to {} Hz, levels {min:.1} to {max:.1} dB",
        curve.name,
        curve.db.len(),
        trim_hz(lo),
        trim_hz(hi)
    );
    if lo > 25.0 || hi < 18_000.0 {
        line.push_str("; note: does not cover 20 Hz–20 kHz, the ends are held flat when fitting");
    }
    Ok(line)
}

fn trim_hz(f: f64) -> String {
    let s = format!("{f:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
