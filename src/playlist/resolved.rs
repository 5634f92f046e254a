//! A listening session's track list: a playlist's entries (or loose files) each resolved to a
//! file in the library, or said to be missing and why.

use std::path::{Path, PathBuf};

use super::{Cue, Entry, Library, LoopRegion, Playlist, Resolution};
use crate::decode::AudioFile;
use crate::exit_status::ExitStatus;
use crate::timecode::format_time;

/// One entry and where it resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedEntry {
    /// Section name ("" for loose files).
    pub section: String,
    /// The playlist's entry.
    pub entry: Entry,
    /// The file it resolved to, or why not.
    pub resolution: Resolution,
}

/// The entries of a session, in order, resolved to files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resolved {
    /// Playlist name, when playing one.
    pub name: Option<String>,
    entries: Vec<ResolvedEntry>,
}

/// `--start` named no entry or section.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A number out of range.
    #[error("--start {0}: the queue has entries 1 to {1}")]
    OutOfRange(usize, usize),
    /// No section of that name.
    #[error("--start {0}: no section of that name (sections: {1})")]
    NoSection(String, String),
}

/// `--start` is the user's: exit code 2.
impl ExitStatus for StartError {
    fn exit_code(&self) -> u8 {
        2
    }
}

impl Resolved {
    /// Entries already resolved (for tests, and faces that resolve in their own way).
    pub fn from_entries(name: Option<String>, entries: Vec<ResolvedEntry>) -> Resolved {
        Resolved { name, entries }
    }

    /// A playlist's entries looked up in `library` (entries with `file =` need none).
    pub fn from_playlist(playlist: &Playlist, library: &Library) -> Resolved {
        let entries = playlist
            .entries()
            .map(|(si, entry)| ResolvedEntry {
                section: playlist
                    .sections
                    .get(si)
                    .map_or(String::new(), |s| s.name.clone()),
                resolution: library.resolve(entry),
                entry: entry.clone(),
            })
            .collect();
        Resolved {
            name: Some(playlist.name.clone()),
            entries,
        }
    }

    /// Audio files given on the command line, each an entry titled by its file name.
    pub fn from_files(paths: &[PathBuf]) -> Resolved {
        let entries = paths
            .iter()
            .map(|path| {
                let resolution = if path.is_file() {
                    Resolution::Found {
                        path: path.clone(),
                        how: "file",
                    }
                } else {
                    Resolution::Missing {
                        reason: format!("{}: no such file", path.display()),
                        candidates: Vec::new(),
                    }
                };
                ResolvedEntry {
                    section: String::new(),
                    entry: loose_entry(path),
                    resolution,
                }
            })
            .collect();
        Resolved {
            name: None,
            entries,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, in order.
    pub fn iter(&self) -> impl Iterator<Item = &ResolvedEntry> {
        self.entries.iter()
    }

    /// Entry `index`.
    pub fn entry(&self, index: usize) -> Option<&Entry> {
        self.entries.get(index).map(|e| &e.entry)
    }

    /// Section name of entry `index` ("" for loose files).
    pub fn section(&self, index: usize) -> &str {
        self.entries.get(index).map_or("", |e| e.section.as_str())
    }

    /// The file entry `index` resolved to.
    pub fn path(&self, index: usize) -> Option<&Path> {
        self.entries.get(index).and_then(|e| e.resolution.path())
    }

    /// What to listen for in entry `index`.
    pub fn focus(&self, index: usize) -> Option<&str> {
        self.entry(index)
            .map(|e| e.focus.as_str())
            .filter(|f| !f.is_empty())
    }

    /// Cue points of entry `index`.
    pub fn cues(&self, index: usize) -> &[Cue] {
        self.entry(index).map_or(&[], |e| &e.cues)
    }

    /// The loop region of entry `index`, when it has one.
    pub fn loop_region(&self, index: usize) -> Option<(f64, f64)> {
        self.entry(index)
            .and_then(|e| e.loops.first())
            .map(|l| (l.from, l.to))
    }

    /// Gives every entry the loop region `(from, to)` (seconds).
    pub fn set_loop(&mut self, (from, to): (f64, f64)) {
        for e in &mut self.entries {
            e.entry.loops = vec![LoopRegion { from, to, line: 0 }];
        }
    }

    /// The next entry after `index` that resolved to a file.
    pub fn next_playable(&self, index: usize) -> Option<usize> {
        (index + 1..self.len()).find(|&i| self.path(i).is_some())
    }

    /// The last entry before `index` that resolved to a file.
    pub fn previous_playable(&self, index: usize) -> Option<usize> {
        (0..index).rev().find(|&i| self.path(i).is_some())
    }

    /// The first entry from `index` on that resolved to a file.
    pub fn first_playable(&self, index: usize) -> Option<usize> {
        (index..self.len()).find(|&i| self.path(i).is_some())
    }

    /// "[Timbre 1/13] Ed Sheeran – Shivers".
    pub fn heading(&self, index: usize) -> String {
        let Some(entry) = self.entry(index) else {
            return format!("[{}]", index + 1);
        };
        let section = self.section(index);
        let sep = if section.is_empty() { "" } else { " " };
        format!(
            "[{section}{sep}{}/{}] {}",
            index + 1,
            self.len(),
            entry.display_name()
        )
    }

    /// "3/13 Shivers", for a status line.
    pub fn short_heading(&self, index: usize) -> String {
        let title = self.entry(index).map_or("", |e| e.title.as_str());
        format!("{}/{} {title}", index + 1, self.len())
    }

    /// The entry to start at: `--start N` (1-based) or the first entry of the section whose
    /// name starts with `start` (case ignored).
    pub fn start_index(&self, start: Option<&str>) -> Result<usize, StartError> {
        let Some(start) = start else { return Ok(0) };
        if let Ok(n) = start.parse::<usize>() {
            if n == 0 || n > self.len() {
                return Err(StartError::OutOfRange(n, self.len()));
            }
            return Ok(n - 1);
        }
        let wanted = start.to_lowercase();
        self.entries
            .iter()
            .position(|e| e.section.to_lowercase().starts_with(&wanted))
            .ok_or_else(|| {
                let mut names: Vec<&str> =
                    self.entries.iter().map(|e| e.section.as_str()).collect();
                names.dedup();
                StartError::NoSection(start.to_string(), names.join(", "))
            })
    }

    /// Length of entry `index` in seconds, when its file says.
    pub fn duration(&self, index: usize) -> Option<f64> {
        AudioFile::open(self.path(index)?).ok()?.info().seconds()
    }

    /// Sample rate of the first playable entry from `start`, for choosing the device rate.
    pub fn first_rate(&self, start: usize) -> Option<u32> {
        (start..self.len())
            .filter_map(|i| self.path(i))
            .find_map(|p| AudioFile::open(p).ok().map(|f| f.info().sample_rate))
    }

    /// "missing [Timbre 1/13] …: why" for each entry that will be skipped.
    pub fn missing_lines(&self) -> Vec<String> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match &e.resolution {
                Resolution::Missing { reason, .. } => {
                    Some(format!("missing {}: {reason}", self.heading(i)))
                }
                Resolution::Found { .. } => None,
            })
            .collect()
    }

    /// Where each entry resolved, or why not and the closest candidates, section by
    /// section: what `play --list` prints.
    pub fn resolution_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(name) = &self.name {
            out.push(name.clone());
        }
        let mut section = None;
        for (i, e) in self.entries.iter().enumerate() {
            if section != Some(e.section.as_str()) {
                section = Some(e.section.as_str());
                out.push(String::new());
                out.push(e.section.clone());
            }
            let cues = if e.entry.cues.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = e
                    .entry
                    .cues
                    .iter()
                    .map(|c| format!("{} {}", format_time(c.at), c.label))
                    .collect();
                format!("  cues: {}", list.join(", "))
            };
            let name = e.entry.display_name();
            match &e.resolution {
                Resolution::Found { path, how } => out.push(format!(
                    "  {:>2}. {name}  →  {} (by {how}){cues}",
                    i + 1,
                    path.display()
                )),
                Resolution::Missing { reason, candidates } => {
                    out.push(format!(
                        "  {:>2}. {name}  →  MISSING: {reason}{cues}",
                        i + 1
                    ));
                    for c in candidates {
                        out.push(format!(
                            "        closest: {} ({:.0}% alike)",
                            c.path.display(),
                            c.score * 100.0
                        ));
                    }
                }
            }
        }
        let found = self
            .entries
            .iter()
            .filter(|e| e.resolution.path().is_some())
            .count();
        out.push(String::new());
        out.push(format!("{found} of {} entries resolved", self.len()));
        out
    }
}

/// A loose file on the command line as a playlist entry.
fn loose_entry(path: &Path) -> Entry {
    Entry {
        artist: String::new(),
        title: path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        album: None,
        file: Some(path.to_path_buf()),
        link: None,
        focus: String::new(),
        cues: Vec::new(),
        loops: Vec::new(),
        line: 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn two_sections() -> Resolved {
        let entry = |title: &str| Entry {
            artist: String::new(),
            title: title.into(),
            album: None,
            file: None,
            link: None,
            focus: String::new(),
            cues: Vec::new(),
            loops: Vec::new(),
            line: 0,
        };
        let found = |p: &str| Resolution::Found {
            path: PathBuf::from(p),
            how: "tags",
        };
        let missing = Resolution::Missing {
            reason: "not in the library".into(),
            candidates: Vec::new(),
        };
        Resolved {
            name: Some("t".into()),
            entries: vec![
                ResolvedEntry {
                    section: "Timbre".into(),
                    entry: entry("Shivers"),
                    resolution: missing,
                },
                ResolvedEntry {
                    section: "Timbre".into(),
                    entry: entry("Bones"),
                    resolution: found("b.flac"),
                },
                ResolvedEntry {
                    section: "Bass and dynamics".into(),
                    entry: entry("Reckoning"),
                    resolution: found("r.flac"),
                },
            ],
        }
    }

    #[test]
    fn start_takes_a_number_or_the_start_of_a_section_name() {
        let r = two_sections();
        assert_eq!(r.start_index(None).unwrap(), 0);
        assert_eq!(r.start_index(Some("3")).unwrap(), 2);
        assert_eq!(r.start_index(Some("bass")).unwrap(), 2);
        assert!(matches!(
            r.start_index(Some("4")),
            Err(StartError::OutOfRange(4, 3))
        ));
        let err = r.start_index(Some("soundstage")).unwrap_err().to_string();
        assert!(err.contains("Timbre, Bass and dynamics"), "{err}");
    }

    #[test]
    fn missing_entries_are_skipped_when_moving() {
        let r = two_sections();
        assert_eq!(r.first_playable(0), Some(1));
        assert_eq!(r.next_playable(1), Some(2));
        assert_eq!(r.previous_playable(1), None);
        assert_eq!(
            r.missing_lines(),
            ["missing [Timbre 1/3] Shivers: not in the library"]
        );
        assert_eq!(r.heading(2), "[Bass and dynamics 3/3] Reckoning");
        assert_eq!(r.short_heading(1), "2/3 Bones");
    }
}
