//! Listening notes: one line each, stamped with where in the playlist it was written, saved
//! as JSON Lines. Every note is appended and flushed to disk before the next key is read, so
//! a crash or Ctrl-C loses nothing already written; a note that cannot be written whole (disk
//! full) is cut off again, so the notes before it stay readable.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::exit_status::ExitStatus;
use crate::problem::FileProblem;

/// Sound-wheel terms (ITU-R BS.2399 as the review template uses them), offered when
/// completing a word in a note.
pub const SOUND_WHEEL: [&str; 33] = [
    "attack",
    "bass precision",
    "bass strength",
    "boomy",
    "boxy",
    "bright",
    "brilliance",
    "canny",
    "clarity",
    "clean",
    "dark",
    "depth",
    "detailed",
    "distance",
    "envelopment",
    "full",
    "homogeneous",
    "internality",
    "localisability",
    "muffled",
    "nasal",
    "natural",
    "powerful",
    "presence",
    "punch",
    "reverberation",
    "sibilance",
    "tinny",
    "treble strength",
    "warmth",
    "width",
    "harshness",
    "texture",
];

/// The sound-wheel term that `prefix` (the word being typed) completes to, when exactly one
/// term starts with it.
pub fn complete(prefix: &str) -> Option<&'static str> {
    let p = prefix.to_lowercase();
    if p.is_empty() {
        return None;
    }
    let mut hits = SOUND_WHEEL.iter().filter(|t| t.starts_with(&p));
    match (hits.next(), hits.next()) {
        (Some(t), None) => Some(t),
        _ => None,
    }
}

/// One note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// When it was written (UTC, RFC 3339).
    pub time: String,
    /// Playlist section ("" for loose files).
    #[serde(default)]
    pub section: String,
    /// Track artist.
    #[serde(default)]
    pub artist: String,
    /// Track title.
    pub track: String,
    /// Where to hear the track, from the playlist.
    #[serde(default)]
    pub link: Option<String>,
    /// Position in the track, `mm:ss.fff`.
    pub position: String,
    /// The last cue passed, if any.
    #[serde(default)]
    pub cue: Option<String>,
    /// The profile heard ("A", "B", … or "X" in a blind test).
    #[serde(default)]
    pub profile: String,
    /// The note.
    pub text: String,
}

/// Why notes could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    /// Reading or writing failed.
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// Notes file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A line is not a note, or the file is not a notes file (too large, not UTF-8).
    #[error(transparent)]
    Invalid(#[from] FileProblem),
}

/// The notes file is the user's: exit code 2, also when it cannot be read or written.
impl ExitStatus for NotesError {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// Where notes are appended: a file, or (in tests) a writer wrapping one.
pub trait NotesSink: Write {
    /// Current length in bytes.
    fn byte_len(&mut self) -> std::io::Result<u64>;
    /// Cuts the sink back to `len` bytes (to remove a half-written note).
    fn truncate(&mut self, len: u64) -> std::io::Result<()>;
    /// Makes sure what was written reached the disk.
    fn sync(&mut self) -> std::io::Result<()>;
}

impl NotesSink for File {
    fn byte_len(&mut self) -> std::io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.set_len(len)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.sync_data()
    }
}

/// An open notes file, appended to one note at a time.
pub struct NotesFile<W: NotesSink = File> {
    path: PathBuf,
    file: W,
}

impl NotesFile {
    /// Opens (or creates) `path` for appending. Existing notes are kept.
    pub fn open(path: &Path) -> Result<Self, NotesError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| NotesError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(NotesFile {
            path: path.to_path_buf(),
            file,
        })
    }
}

impl<W: NotesSink> NotesFile<W> {
    /// Notes appended through `sink`, reported as `path`.
    pub fn with_sink(path: &Path, sink: W) -> Self {
        NotesFile {
            path: path.to_path_buf(),
            file: sink,
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `note` as one line and makes sure it reached the disk. When that fails (disk
    /// full), whatever part of the line was written is cut off again, so every earlier note
    /// stays readable and the next note starts on a fresh line.
    pub fn append(&mut self, note: &Note) -> Result<(), NotesError> {
        let path = self.path.clone();
        let io = |source| NotesError::Io {
            path: path.clone(),
            source,
        };
        let mut line = serde_json::to_string(note).map_err(|e| io(std::io::Error::other(e)))?;
        line.push('\n');
        let before = self.file.byte_len().map_err(io)?;
        // One write call per note: with O_APPEND a line is never interleaved with another.
        let written = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .and_then(|()| self.file.sync());
        if let Err(e) = written {
            let _ = self.file.truncate(before);
            return Err(io(e));
        }
        Ok(())
    }
}

/// Largest notes file `report` reads.
const MAX_NOTES_BYTES: u64 = 16 << 20;

/// Reads every note of a notes file.
pub fn read_notes(path: &Path) -> Result<Vec<Note>, NotesError> {
    // Bounded: a session's notes are a few KB; a huge file is refused, not read into memory.
    let text =
        crate::problem::read_text(path, MAX_NOTES_BYTES, "a notes file").map_err(|e| match e {
            crate::problem::ReadError::Io(source) => NotesError::Io {
                path: path.to_path_buf(),
                source,
            },
            crate::problem::ReadError::Invalid(problem) => NotesError::Invalid(problem),
        })?;
    let mut notes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let note = serde_json::from_str(line)
            .map_err(|e| FileProblem::at(path, i + 1, format!("not a note: {e}")))?;
        notes.push(note);
    }
    Ok(notes)
}

/// The current UTC time as RFC 3339 (`2026-11-25T11:20:03Z`).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sound_wheel_words_complete_when_unambiguous() {
        assert_eq!(complete("envel"), Some("envelopment"));
        assert_eq!(complete("Punc"), Some("punch"));
        assert_eq!(complete("b"), None);
        assert_eq!(complete("zz"), None);
    }

    #[test]
    fn notes_append_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.jsonl");
        let note = Note {
            time: utc_now(),
            section: "Bass".into(),
            artist: String::new(),
            track: "A Reckoning in Blood".into(),
            link: None,
            position: "01:10.000".into(),
            cue: Some("crescendo".into()),
            profile: "B".into(),
            text: "more punch \"here\"".into(),
        };
        NotesFile::open(&path).unwrap().append(&note).unwrap();
        NotesFile::open(&path).unwrap().append(&note).unwrap();
        assert_eq!(read_notes(&path).unwrap(), vec![note.clone(), note]);
        std::fs::write(&path, "{\"time\": 1}\n").unwrap();
        let err = read_notes(&path).unwrap_err().to_string();
        assert!(err.contains("n.jsonl:1: not a note"), "{err}");
        assert!(utc_now().ends_with('Z') && utc_now().len() == 20);
    }

    impl<W: NotesSink> NotesSink for crate::atomic_file::testing::FailAfter<W> {
        fn byte_len(&mut self) -> std::io::Result<u64> {
            self.inner.byte_len()
        }

        fn truncate(&mut self, len: u64) -> std::io::Result<()> {
            self.inner.truncate(len)
        }

        fn sync(&mut self) -> std::io::Result<()> {
            self.inner.sync()
        }
    }

    fn note(text: &str) -> Note {
        Note {
            time: "2026-01-01T00:00:00Z".into(),
            section: String::new(),
            artist: String::new(),
            track: "t".into(),
            link: None,
            position: "00:01.000".into(),
            cue: None,
            profile: "A".into(),
            text: text.into(),
        }
    }

    #[test]
    fn a_full_disk_mid_note_keeps_the_earlier_notes_readable() {
        use crate::atomic_file::testing::FailAfter;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.jsonl");
        NotesFile::open(&path)
            .unwrap()
            .append(&note("first"))
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        let file = OpenOptions::new().append(true).open(&path).unwrap();
        let mut notes = NotesFile::with_sink(&path, FailAfter::new(file, 20));
        let err = notes
            .append(&note("second, cut short"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("n.jsonl: No space left on device"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        // The disk has room again: the next note lands on its own line.
        NotesFile::open(&path)
            .unwrap()
            .append(&note("third"))
            .unwrap();
        let texts: Vec<String> = read_notes(&path)
            .unwrap()
            .into_iter()
            .map(|n| n.text)
            .collect();
        assert_eq!(texts, ["first", "third"]);
    }
}
