//! Test playlists (`playlists/*.toml`): sections of tracks, each with what to listen for, cue
//! points and loop regions.
//!
//! ```toml
//! version = 1
//! name = "IEM review"
//!
//! [[sections]]
//! name = "Bass and dynamics"
//!
//! [[sections.tracks]]
//! artist = ""                       # empty when the reviewer does not name one
//! title = "A Reckoning in Blood"
//! album = "Ghost of Tsushima OST"   # optional
//! file = "music/reckoning.flac"     # optional; relative to this file
//! link = "https://…"                # optional
//! focus = "The crescendo at 01:10; strong, snappy beats from 02:50."
//! cues = [{ at = "01:10", label = "crescendo" }, { at = "02:50", label = "beats" }]
//! loops = [{ from = "01:05", to = "01:25" }]
//! ```

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

pub mod library;
pub mod resolved;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::exit_status::ExitStatus;
use crate::problem::{FileProblem, Lines, Listed, ReadError, read_text};
use crate::timecode::{format_time, parse_time};

pub use library::{Candidate, Library, Resolution};
pub use resolved::{Resolved, ResolvedEntry, StartError};

/// The playlist format version this build reads.
pub const PLAYLIST_VERSION: u32 = 1;

/// Playlists larger than this are refused before parsing.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// A validated playlist.
#[derive(Clone, Debug, PartialEq)]
pub struct Playlist {
    /// Display name.
    pub name: String,
    /// The file it was read from.
    pub path: PathBuf,
    /// Sections in order.
    pub sections: Vec<Section>,
}

/// A section of the review (timbre, bass and dynamics, …).
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// Heading.
    pub name: String,
    /// Tracks in order.
    pub tracks: Vec<Entry>,
}

/// One track of the playlist.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Artist ("" when not named).
    pub artist: String,
    /// Title.
    pub title: String,
    /// Album, when given.
    pub album: Option<String>,
    /// Explicit file, resolved against the playlist's folder.
    pub file: Option<PathBuf>,
    /// Where to hear it (a video or store page), for the review's link text.
    pub link: Option<String>,
    /// What to listen for.
    pub focus: String,
    /// Cue points in track time, in order.
    pub cues: Vec<Cue>,
    /// Loop regions.
    pub loops: Vec<LoopRegion>,
    /// Line of the entry in the playlist file.
    pub line: usize,
}

/// A moment to listen at.
#[derive(Clone, Debug, PartialEq)]
pub struct Cue {
    /// Track time in seconds.
    pub at: f64,
    /// What happens there.
    pub label: String,
    /// Line in the playlist file.
    pub line: usize,
}

/// A region to repeat.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoopRegion {
    /// Start, seconds.
    pub from: f64,
    /// End, seconds.
    pub to: f64,
    /// Line in the playlist file.
    pub line: usize,
}

impl Entry {
    /// "Artist – Title", or the title alone when there is no artist.
    pub fn display_name(&self) -> String {
        if self.artist.is_empty() {
            self.title.clone()
        } else {
            format!("{} – {}", self.artist, self.title)
        }
    }
}

/// Why a playlist could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PlaylistError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}", path = .path.display())]
    Io {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid playlist.
    #[error("{}", Listed(.problems))]
    Invalid {
        /// Every problem found.
        problems: Vec<FileProblem>,
    },
}

/// A playlist the user gave that cannot be read: exit code 2.
impl ExitStatus for PlaylistError {
    fn exit_code(&self) -> u8 {
        2
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaylist {
    version: Spanned<u32>,
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    sections: Spanned<Vec<Spanned<RawSection>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    name: Spanned<String>,
    tracks: Spanned<Vec<Spanned<RawEntry>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    artist: Spanned<String>,
    title: Spanned<String>,
    album: Option<String>,
    file: Option<Spanned<String>>,
    link: Option<String>,
    focus: Spanned<String>,
    #[serde(default)]
    cues: Vec<Spanned<RawCue>>,
    #[serde(default)]
    loops: Vec<Spanned<RawLoop>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCue {
    at: Spanned<String>,
    label: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoop {
    from: Spanned<String>,
    to: Spanned<String>,
}

impl Playlist {
    /// Reads and validates a playlist.
    pub fn load(path: &Path) -> Result<Self, PlaylistError> {
        let text = read_text(path, MAX_FILE_BYTES, "a playlist").map_err(|e| match e {
            ReadError::Io(source) => PlaylistError::Io {
                path: path.to_path_buf(),
                source,
            },
            ReadError::Invalid(problem) => PlaylistError::Invalid {
                problems: vec![problem],
            },
        })?;
        Self::parse(&text, path)
    }

    /// Parses and validates playlist text; `path` names it in messages and anchors relative
    /// `file =` paths.
    pub fn parse(text: &str, path: &Path) -> Result<Self, PlaylistError> {
        let lines = Lines(text);
        let invalid = |problems| PlaylistError::Invalid { problems };
        let raw: RawPlaylist = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| lines.at(s.start));
            invalid(vec![FileProblem::at(path, line, e.message().trim())])
        })?;
        let mut problems = Vec::new();
        let base = path.parent().unwrap_or(Path::new("."));
        let playlist = validate(raw, &lines, path, base, &mut problems);
        if problems.is_empty() {
            Ok(playlist)
        } else {
            Err(invalid(problems))
        }
    }

    /// Every entry in order with its section index.
    pub fn entries(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.sections
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.tracks.iter().map(move |e| (i, e)))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.sections.iter().map(|s| s.tracks.len()).sum()
    }

    /// Whether the playlist has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Problems with cue and loop times past the end of the track, given each entry's
    /// duration in seconds when known (in entry order).
    pub fn check_times(&self, durations: &[Option<f64>]) -> Vec<FileProblem> {
        let mut problems = Vec::new();
        for ((_, entry), duration) in self.entries().zip(durations) {
            let Some(length) = *duration else { continue };
            for cue in &entry.cues {
                if cue.at > length {
                    problems.push(FileProblem::in_field(
                        &self.path,
                        cue.line,
                        format!("{}: cue", entry.display_name()),
                        format!(
                            "{} is past the end of the track ({})",
                            format_time(cue.at),
                            format_time(length)
                        ),
                    ));
                }
            }
            for region in &entry.loops {
                if region.to > length {
                    problems.push(FileProblem::in_field(
                        &self.path,
                        region.line,
                        format!("{}: loop", entry.display_name()),
                        format!(
                            "ends at {}, past the end of the track ({})",
                            format_time(region.to),
                            format_time(length)
                        ),
                    ));
                }
            }
        }
        problems
    }
}

fn validate(
    raw: RawPlaylist,
    lines: &Lines<'_>,
    path: &Path,
    base: &Path,
    problems: &mut Vec<FileProblem>,
) -> Playlist {
    let mut report = |span: std::ops::Range<usize>, field: String, message: String| {
        problems.push(lines.problem(path, span, field, message))
    };
    if *raw.version.get_ref() != PLAYLIST_VERSION {
        report(
            raw.version.span(),
            "version".into(),
            format!(
                "unknown version {}; this build reads version {PLAYLIST_VERSION}",
                raw.version.get_ref()
            ),
        );
    }
    let _ = raw.description;
    if raw.name.get_ref().trim().is_empty() {
        report(raw.name.span(), "name".into(), "name is empty".into());
    }
    if raw.sections.get_ref().is_empty() {
        report(raw.sections.span(), "sections".into(), "no sections".into());
    }
    let mut parse_at = |s: &Spanned<String>, field: String| -> Option<f64> {
        match parse_time(s.get_ref()) {
            Ok(t) => Some(t),
            Err(e) => {
                report(s.span(), field, e.to_string());
                None
            }
        }
    };
    let mut sections = Vec::new();
    let mut notes: Vec<(std::ops::Range<usize>, String, String)> = Vec::new();
    for (si, section) in raw.sections.into_inner().into_iter().enumerate() {
        let section = section.into_inner();
        let sfield = format!("sections[{si}]");
        if section.name.get_ref().trim().is_empty() {
            notes.push((
                section.name.span(),
                format!("{sfield}.name"),
                "name is empty".into(),
            ));
        }
        if section.tracks.get_ref().is_empty() {
            notes.push((
                section.tracks.span(),
                format!("{sfield}.tracks"),
                "no tracks".into(),
            ));
        }
        let mut tracks = Vec::new();
        for (ti, entry) in section.tracks.into_inner().into_iter().enumerate() {
            let span = entry.span();
            let e = entry.into_inner();
            let tfield = format!("{sfield}.tracks[{ti}]");
            if e.title.get_ref().trim().is_empty() {
                notes.push((
                    e.title.span(),
                    format!("{tfield}.title"),
                    "title is empty".into(),
                ));
            }
            let _ = e.artist.span();
            let mut cues: Vec<Cue> = Vec::new();
            for (ci, cue) in e.cues.into_iter().enumerate() {
                let cue_span = cue.span();
                let c = cue.into_inner();
                let Some(at) = parse_at(&c.at, format!("{tfield}.cues[{ci}].at")) else {
                    continue;
                };
                if let Some(dup) = cues.iter().find(|x| (x.at - at).abs() < 1e-3) {
                    notes.push((
                        c.at.span(),
                        format!("{tfield}.cues[{ci}].at"),
                        format!(
                            "duplicate cue at {} (also on line {})",
                            format_time(at),
                            dup.line
                        ),
                    ));
                }
                cues.push(Cue {
                    at,
                    label: c.label.into_inner(),
                    line: lines.at(cue_span.start),
                });
            }
            cues.sort_by(|a, b| a.at.total_cmp(&b.at));
            let mut loops = Vec::new();
            for (li, region) in e.loops.into_iter().enumerate() {
                let lspan = region.span();
                let r = region.into_inner();
                let from = parse_at(&r.from, format!("{tfield}.loops[{li}].from"));
                let to = parse_at(&r.to, format!("{tfield}.loops[{li}].to"));
                if let (Some(from), Some(to)) = (from, to) {
                    if to <= from {
                        notes.push((
                            r.to.span(),
                            format!("{tfield}.loops[{li}]"),
                            format!(
                                "ends at {} before it starts at {}",
                                format_time(to),
                                format_time(from)
                            ),
                        ));
                    } else {
                        loops.push(LoopRegion {
                            from,
                            to,
                            line: lines.at(lspan.start),
                        });
                    }
                }
            }
            let file = e.file.map(|f| {
                let p = PathBuf::from(f.get_ref());
                if p.is_absolute() { p } else { base.join(p) }
            });
            tracks.push(Entry {
                artist: e.artist.into_inner().trim().to_string(),
                title: e.title.into_inner().trim().to_string(),
                album: e.album,
                file,
                link: e.link,
                focus: e.focus.into_inner().trim().to_string(),
                cues,
                loops,
                line: lines.at(span.start),
            });
        }
        sections.push(Section {
            name: section.name.into_inner(),
            tracks,
        });
    }
    for (span, field, message) in notes {
        report(span, field, message);
    }
    Playlist {
        name: raw.name.into_inner(),
        path: path.to_path_buf(),
        sections,
    }
}

/// Whether a TOML text is a playlist rather than an EQ profile (it has `sections`).
pub fn looks_like_playlist(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("[[sections") || l.starts_with("sections")
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests;
