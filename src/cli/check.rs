//! `iemlab check`: validates EQ profiles and playlists (.toml) and FR measurements
//! (.csv/.txt) and lists every problem; with `--json`, one object per file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::args::CheckArgs;
use crate::decode::AudioFile;
use crate::fr::FrError;
use crate::playlist::{Playlist, PlaylistError, looks_like_playlist};
use crate::preset::{EqProfile, EqShape, ProfileError};
use crate::problem::{FileProblem, Listed, read_text};

pub(super) fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    let mut files = args.files.clone();
    if !args.iem.is_empty() {
        let dbs = args
            .db
            .open_for(&format!("--iem {}", args.iem.join(", ")))?;
        for name in &args.iem {
            files.extend(super::db::iem_files(&dbs, name)?);
        }
    }
    for path in &files {
        let checked = check_file(path, args.rate);
        if checked.failure.is_some() {
            failed += 1;
        }
        if args.json {
            super::output::print_json(&checked)?;
            continue;
        }
        match &checked.failure {
            None => println!("ok    {}: {}", path.display(), checked.line()),
            Some(failure) => eprintln!("{}", failure.text),
        }
    }
    if failed > 0 {
        if !args.json {
            eprintln!(
                "{failed} of {} file{} invalid",
                files.len(),
                plural(files.len())
            );
        }
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// What checking one file found: in `--json`, one object with the file's summary fields
/// (those of its kind) beside `path`, `kind`, `ok` and `problems`.
#[derive(Serialize)]
struct Checked {
    path: PathBuf,
    kind: Kind,
    ok: bool,
    /// Every problem, in file order (empty when ok).
    problems: Vec<ProblemJson>,
    #[serde(flatten)]
    summary: Option<Summary>,
    /// Advice about a valid file (a profile that can clip, a measurement that stops short).
    notes: Vec<String>,
    /// The problems as printed without `--json`.
    #[serde(skip)]
    failure: Option<Failure>,
}

/// What one channel of a per-channel profile adds to the shared filters.
#[derive(Serialize)]
struct ChannelSummary {
    /// Its own bands.
    bands: usize,
    /// Its trim (dB).
    gain_db: f64,
}

/// What kind of file it was taken for.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Profile,
    Playlist,
    Measurement,
    Unknown,
}

/// The summary fields of a valid file.
#[derive(Serialize)]
#[serde(untagged)]
enum Summary {
    Profile {
        name: String,
        /// `parametric` or `graphic`.
        shape: &'static str,
        bands: usize,
        preamp_db: f64,
        /// The rate it was checked at (`--rate`).
        rate_hz: u32,
        /// Largest gain after the preamp at that rate (dB), of the louder channel.
        max_gain_db: Option<f64>,
        /// What each channel adds (a per-channel profile): left, right.
        #[serde(skip_serializing_if = "Option::is_none")]
        channels: Option<[ChannelSummary; 2]>,
    },
    Playlist {
        name: String,
        sections: usize,
        tracks: usize,
        cues: usize,
        /// Entries with a `file =`.
        with_files: usize,
    },
    Measurement {
        name: String,
        points: usize,
        from_hz: f64,
        to_hz: f64,
        min_db: f64,
        max_db: f64,
    },
}

/// One problem: 1-based line (0: the file as a whole), field path (may be empty), message.
#[derive(Serialize)]
struct ProblemJson {
    line: usize,
    field: String,
    message: String,
}

impl From<&FileProblem> for ProblemJson {
    fn from(p: &FileProblem) -> Self {
        ProblemJson {
            line: p.line.unwrap_or(0),
            field: p.field.clone().unwrap_or_default(),
            message: p.message.clone(),
        }
    }
}

/// Why a file is invalid: the text printed, and its problems one by one.
struct Failure {
    text: String,
    problems: Vec<FileProblem>,
}

impl Checked {
    fn valid(path: &Path, kind: Kind, summary: Summary, notes: Vec<String>) -> Self {
        Checked {
            path: path.to_path_buf(),
            kind,
            ok: true,
            problems: Vec::new(),
            summary: Some(summary),
            notes,
            failure: None,
        }
    }

    fn invalid(path: &Path, kind: Kind, failure: Failure) -> Self {
        Checked {
            path: path.to_path_buf(),
            kind,
            ok: false,
            problems: failure.problems.iter().map(ProblemJson::from).collect(),
            summary: None,
            notes: Vec::new(),
            failure: Some(failure),
        }
    }

    /// The one-line description of a valid file that follows `ok    FILE: `.
    fn line(&self) -> String {
        let mut line = match &self.summary {
            None => String::new(),
            Some(Summary::Profile {
                name,
                shape,
                bands,
                preamp_db,
                max_gain_db,
                channels,
                ..
            }) => {
                let filters = if *shape == "graphic" {
                    "10-band graphic EQ".to_string()
                } else {
                    format!("{bands} parametric band{}", plural(*bands))
                };
                let mut line = format!("EQ profile '{name}', {filters}, preamp {preamp_db:+.1} dB");
                if let Some([left, right]) = channels {
                    let own = |c: &ChannelSummary| {
                        format!(
                            "+{} band{}, trim {:+.1} dB",
                            c.bands,
                            plural(c.bands),
                            c.gain_db
                        )
                    };
                    line.push_str(&format!(
                        ", per channel (left {}; right {})",
                        own(left),
                        own(right)
                    ));
                }
                if let Some(max) = max_gain_db
                    && *max <= 0.05
                {
                    // Round -0.04 to +0.0 rather than print "-0.0".
                    let shown = if max.abs() < 0.05 { 0.0 } else { *max };
                    line.push_str(&format!(", max gain {shown:+.1} dB (no net boost)"));
                }
                line
            }
            Some(Summary::Playlist {
                name,
                sections,
                tracks,
                cues,
                with_files,
            }) => format!(
                "playlist '{name}', {sections} section{}, {tracks} track{}, {cues} cue{}{}",
                plural(*sections),
                plural(*tracks),
                plural(*cues),
                if *with_files > 0 {
                    format!(", {with_files} with file =")
                } else {
                    String::new()
                }
            ),
            Some(Summary::Measurement {
                name,
                points,
                from_hz,
                to_hz,
                min_db,
                max_db,
            }) => format!(
                "FR measurement '{name}', {points} points, {} Hz to {} Hz, levels {min_db:.1} to {max_db:.1} dB",
                trim_hz(*from_hz),
                trim_hz(*to_hz)
            ),
        };
        for note in &self.notes {
            line.push_str("; note: ");
            line.push_str(note);
        }
        line
    }
}

/// Validates one file.
fn check_file(path: &Path, rate: u32) -> Checked {
    // A shipped file by name (`bass-boost`) is checked as what it is.
    let named = crate::shipped::instead_of(path).map_or(path, |f| Path::new(f.path));
    let ext = named
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "csv" || ext == "txt" {
        return check_fr(path);
    }
    if ext != "toml" {
        let problem = FileProblem::file(
            path,
            "cannot check this kind of file (expected an EQ profile or playlist, .toml, or an FR measurement, .csv/.txt)",
        );
        return Checked::invalid(
            path,
            Kind::Unknown,
            Failure {
                text: problem.to_string(),
                problems: vec![problem],
            },
        );
    }
    // Bounded like every reader of user files; a file that fails here is reported by the
    // profile loader below, with the same limit and message.
    if let Ok(text) = read_text(path, 4 << 20, "a playlist")
        && looks_like_playlist(&text)
    {
        return check_playlist(path);
    }
    let profile = match EqProfile::check(path, rate) {
        Ok(profile) => profile,
        Err(e) => return Checked::invalid(path, Kind::Profile, profile_failure(e)),
    };
    let (shape, bands) = match &profile.shape {
        EqShape::Parametric(b) => ("parametric", b.len()),
        EqShape::Graphic(_) => ("graphic", 10),
    };
    let max_gain_db = profile.max_gain_db(rate);
    let mut notes = Vec::new();
    if let Some(max) = max_gain_db
        && max > 0.05
    {
        notes.push(format!(
            "boosts up to {max:+.1} dB after preamp, so loud tracks can clip (lower preamp_db by {:.1} dB to prevent it)",
            (max * 10.0).ceil() / 10.0
        ));
    }
    let summary = Summary::Profile {
        name: profile.name.clone(),
        shape,
        bands,
        preamp_db: profile.preamp_db,
        rate_hz: rate,
        max_gain_db,
        channels: profile.is_per_channel().then(|| {
            profile.channels.clone().map(|c| ChannelSummary {
                bands: c.bands.len(),
                gain_db: c.gain_db,
            })
        }),
    };
    Checked::valid(path, Kind::Profile, summary, notes)
}

/// Validates a playlist; cue and loop times are checked against the length of every track
/// whose `file =` can be opened.
fn check_playlist(path: &Path) -> Checked {
    let playlist = match Playlist::load(path) {
        Ok(playlist) => playlist,
        Err(e) => return Checked::invalid(path, Kind::Playlist, playlist_failure(e)),
    };
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
        let text = Listed(&problems).to_string();
        return Checked::invalid(path, Kind::Playlist, Failure { text, problems });
    }
    let summary = Summary::Playlist {
        name: playlist.name.clone(),
        sections: playlist.sections.len(),
        tracks: playlist.len(),
        cues: playlist.entries().map(|(_, e)| e.cues.len()).sum(),
        with_files: playlist.entries().filter(|(_, e)| e.file.is_some()).count(),
    };
    Checked::valid(path, Kind::Playlist, summary, Vec::new())
}

/// Validates an FR measurement or target file.
fn check_fr(path: &Path) -> Checked {
    let curve = match crate::fr::FrCurve::load(path) {
        Ok(curve) => curve,
        Err(e) => return Checked::invalid(path, Kind::Measurement, fr_failure(path, e)),
    };
    let (lo, hi) = curve.span_hz();
    let (min, max) = curve
        .db
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let mut notes = Vec::new();
    if lo > 25.0 || hi < 18_000.0 {
        notes.push("does not cover 20 Hz–20 kHz, the ends are held flat when fitting".into());
    }
    let summary = Summary::Measurement {
        name: curve.name.clone(),
        points: curve.db.len(),
        from_hz: lo,
        to_hz: hi,
        min_db: min,
        max_db: max,
    };
    Checked::valid(path, Kind::Measurement, summary, notes)
}

/// A problem with the whole file that could not be read.
fn unreadable(path: &Path, source: &std::io::Error) -> Vec<FileProblem> {
    vec![FileProblem::file(path, format!("cannot read: {source}"))]
}

fn profile_failure(e: ProfileError) -> Failure {
    let problems = match &e {
        ProfileError::Io { path, source } => unreadable(path, source),
        ProfileError::Invalid { problems, .. } | ProfileError::Rate { problems, .. } => {
            problems.clone()
        }
    };
    Failure {
        text: e.to_string(),
        problems,
    }
}

fn playlist_failure(e: PlaylistError) -> Failure {
    let problems = match &e {
        PlaylistError::Io { path, source } => unreadable(path, source),
        PlaylistError::Invalid { problems, .. } => problems.clone(),
    };
    Failure {
        text: e.to_string(),
        problems,
    }
}

fn fr_failure(path: &Path, e: FrError) -> Failure {
    let problems = match &e {
        FrError::Io { path, source } => unreadable(path, source),
        FrError::Problem(problem) => vec![problem.clone()],
        other => vec![FileProblem::file(path, other.to_string())],
    };
    Failure {
        text: e.to_string(),
        problems,
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn trim_hz(f: f64) -> String {
    let s = format!("{f:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
