//! Finding a playlist entry's file in the user's music folders.
//!
//! The folders are scanned once: every audio file's artist/title tags are read (symphonia
//! metadata) and its file name normalised. An entry then resolves, in order, to
//! 1. its explicit `file =` (relative to the playlist, or to a library folder);
//! 2. a file whose tags match its artist and title;
//! 3. a file whose name holds every word of its title (and of its artist, when the name has
//!    it), after normalising both: case, punctuation and accents are ignored, as are
//!    "feat." credits, leading track numbers and the `[video-id]` suffix that video
//!    downloaders append.
//!
//! When nothing matches, the closest names are offered as candidates.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::Entry;
use crate::decode::AudioFile;

/// File name endings scanned as audio.
const AUDIO_EXTENSIONS: [&str; 16] = [
    "wav", "wave", "flac", "m4a", "mp4", "aac", "alac", "mp3", "ogg", "oga", "opus", "webm", "mka",
    "mkv", "aiff", "aif",
];

/// Folder depth the scan descends to.
const MAX_DEPTH: usize = 12;

/// One scanned file.
#[derive(Clone, Debug)]
struct LibraryFile {
    path: PathBuf,
    /// Normalised words of the tag artist and title, when tagged.
    tag_artist: Vec<String>,
    tag_title: Vec<String>,
    /// Normalised words of the file name.
    name: Vec<String>,
}

/// The audio files under the library folders.
#[derive(Clone, Debug, Default)]
pub struct Library {
    dirs: Vec<PathBuf>,
    files: Vec<LibraryFile>,
}

/// How an entry resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolution {
    /// Found.
    Found {
        /// The file.
        path: PathBuf,
        /// How: "file =", "tags" or "file name".
        how: &'static str,
    },
    /// Not found.
    Missing {
        /// Why.
        reason: String,
        /// The closest files, best first.
        candidates: Vec<Candidate>,
    },
}

/// A near miss.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The file.
    pub path: PathBuf,
    /// Similarity 0–1.
    pub score: f64,
}

impl Resolution {
    /// The file, when found.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Resolution::Found { path, .. } => Some(path),
            Resolution::Missing { .. } => None,
        }
    }
}

impl Library {
    /// Scans `dirs` (recursively) for audio files and reads their tags. Folders that cannot
    /// be read are reported in the returned warnings.
    pub fn scan(dirs: &[PathBuf]) -> (Library, Vec<String>) {
        let mut warnings = Vec::new();
        let mut paths = Vec::new();
        let mut seen = HashSet::new();
        for dir in dirs {
            if !dir.is_dir() {
                warnings.push(format!("{}: not a folder", dir.display()));
                continue;
            }
            walk(dir, 0, &mut paths, &mut seen, &mut warnings);
        }
        paths.sort();
        let files = paths
            .into_iter()
            .map(|path| {
                let (tag_artist, tag_title) = match AudioFile::open(&path) {
                    Ok(f) => (
                        words(f.tags().artist.as_deref().unwrap_or("")),
                        words(f.tags().title.as_deref().unwrap_or("")),
                    ),
                    Err(_) => (Vec::new(), Vec::new()),
                };
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                LibraryFile {
                    name: words(&strip_name_noise(&stem)),
                    path,
                    tag_artist,
                    tag_title,
                }
            })
            .collect();
        (
            Library {
                dirs: dirs.to_vec(),
                files,
            },
            warnings,
        )
    }

    /// Number of audio files found.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no audio file was found.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Finds the file for `entry`.
    pub fn resolve(&self, entry: &Entry) -> Resolution {
        if let Some(file) = &entry.file {
            if file.is_file() {
                return Resolution::Found {
                    path: file.clone(),
                    how: "file =",
                };
            }
            let name = file.file_name().map(PathBuf::from).unwrap_or_default();
            let in_library = self
                .dirs
                .iter()
                .map(|d| d.join(&name))
                .find(|p| p.is_file());
            if let Some(path) = in_library {
                return Resolution::Found {
                    path,
                    how: "file =",
                };
            }
            return Resolution::Missing {
                reason: format!("file = {} does not exist", file.display()),
                candidates: self.candidates(entry),
            };
        }
        let title = words(&strip_feat(&entry.title));
        let artist = words(&strip_feat(&entry.artist));
        if title.is_empty() {
            return Resolution::Missing {
                reason: "the entry has no title to match".into(),
                candidates: Vec::new(),
            };
        }
        // Tags: the title's words equal the tag title's (ignoring a "feat." credit), and the
        // artist's words all appear in the tag artist (or the entry names no artist).
        let by_tags = self.files.iter().find(|f| {
            !f.tag_title.is_empty()
                && words_equal(&f.tag_title, &title)
                && (artist.is_empty() || contains_all(&f.tag_artist, &artist))
        });
        if let Some(f) = by_tags {
            return Resolution::Found {
                path: f.path.clone(),
                how: "tags",
            };
        }
        // File names: all title words present; prefer names that also carry the artist.
        let named: Vec<&LibraryFile> = self
            .files
            .iter()
            .filter(|f| contains_run(&f.name, &title))
            .collect();
        let best = named
            .iter()
            .find(|f| !artist.is_empty() && contains_all(&f.name, &artist))
            .or_else(|| named.first());
        if let Some(f) = best {
            return Resolution::Found {
                path: f.path.clone(),
                how: "file name",
            };
        }
        Resolution::Missing {
            reason: if self.files.is_empty() {
                "no library given (use --library DIR) and no file =".into()
            } else {
                format!(
                    "no file in the library ({} scanned) has this title in its tags or name",
                    self.files.len()
                )
            },
            candidates: self.candidates(entry),
        }
    }

    /// The three files whose names (or tags) look most like the entry.
    fn candidates(&self, entry: &Entry) -> Vec<Candidate> {
        let wanted = words(&format!("{} {}", entry.artist, entry.title)).join(" ");
        let mut scored: Vec<Candidate> = self
            .files
            .iter()
            .map(|f| {
                let by_name = strsim::jaro_winkler(&wanted, &f.name.join(" "));
                let tags = format!("{} {}", f.tag_artist.join(" "), f.tag_title.join(" "));
                let by_tags = strsim::jaro_winkler(&wanted, tags.trim());
                Candidate {
                    path: f.path.clone(),
                    score: by_name.max(by_tags),
                }
            })
            .filter(|c| c.score > 0.7)
            .collect();
        scored.sort_by(|a, b| b.score.total_cmp(&a.score));
        scored.truncate(3);
        scored
    }
}

fn walk(
    dir: &Path,
    depth: usize,
    out: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
    warnings: &mut Vec<String>,
) {
    // Canonical paths guard against symlink loops.
    let Ok(canonical) = dir.canonicalize() else {
        return;
    };
    if depth > MAX_DEPTH || !seen.insert(canonical) {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!("{}: cannot read: {e}", dir.display()));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, depth + 1, out, seen, warnings);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
}

/// Lower-case ASCII words: accents folded (deunicode), punctuation dropped.
pub fn words(text: &str) -> Vec<String> {
    deunicode::deunicode(text)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Drops a "feat. X" / "ft. X" / "featuring X" credit (to the end or to a closing bracket).
fn strip_feat(text: &str) -> String {
    // Matched without lower-casing the text: lower-casing changes byte lengths ("ẞ" is three
    // bytes, "ß" two), so an offset into the lower-cased copy could fall inside a character
    // of `text`.
    let find = |marker: &str| {
        text.char_indices().map(|(i, _)| i).find(|&i| {
            text.get(i..i + marker.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(marker))
        })
    };
    let cut = [
        "(feat.",
        "[feat.",
        "(ft.",
        " feat. ",
        " feat ",
        " ft. ",
        " featuring ",
    ]
    .iter()
    .filter_map(|m| find(m))
    .min();
    match cut {
        Some(i) => {
            let rest = &text[i..];
            // A bracketed credit ends at its bracket; anything after it stays.
            let tail = if rest.starts_with(['(', '[']) {
                rest.find([')', ']']).map_or("", |j| &rest[j + 1..])
            } else {
                ""
            };
            format!("{}{}", &text[..i], tail)
        }
        None => text.to_string(),
    }
}

/// Removes what file names add around a title: a leading track number ("01 - ", "1. ",
/// "03_"), a trailing video id ("[dQw4w9WgXcQ]", " - dQw4w9WgXcQ" as yt-dlp writes), and
/// "feat." credits.
fn strip_name_noise(stem: &str) -> String {
    let mut s = stem.trim().to_string();
    // Trailing [id] or (id).
    if let Some(open) = s.rfind(['[', '(']) {
        let inner = s[open + 1..].trim_end_matches([']', ')']);
        if is_video_id(inner) {
            s.truncate(open);
        }
    }
    // Trailing "-id" / " id" of exactly 11 id characters.
    let trimmed = s.trim_end();
    // The id is 11 ASCII characters, so it can only start on a character boundary.
    if let Some((head, tail)) = trimmed
        .len()
        .checked_sub(11)
        .filter(|&at| at > 1)
        .and_then(|at| trimmed.split_at_checked(at))
    {
        // Only after a '-' (youtube-dl's "title-id" names), and only if it looks generated:
        // a digit, '-' or '_' in it, or capitals after the first letter.
        let generated = tail
            .chars()
            .any(|c| c.is_ascii_digit() || c == '-' || c == '_')
            || tail
                .chars()
                .skip(1)
                .filter(char::is_ascii_uppercase)
                .count()
                >= 2;
        if is_video_id(tail) && head.ends_with('-') && generated {
            s = head.trim_end_matches(['-', ' ', '_']).to_string();
        }
    }
    // Leading track number.
    let t = s.trim_start();
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if (1..=3).contains(&digits) {
        let rest = &t[digits..];
        if rest.starts_with([' ', '.', '-', '_']) {
            s = rest.trim_start_matches([' ', '.', '-', '_']).to_string();
        }
    }
    strip_feat(&s)
}

/// YouTube-style video id: 11 characters of A–Z, a–z, 0–9, '-' and '_'.
fn is_video_id(s: &str) -> bool {
    s.len() == 11
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn words_equal(a: &[String], b: &[String]) -> bool {
    a == b || words_equal_loose(a, b)
}

/// Equal but for a trailing bracketed part, e.g. "Now We Are Free (Gladiator)".
fn words_equal_loose(tag: &[String], title: &[String]) -> bool {
    tag.len() > title.len() && tag.starts_with(title) && title.len() >= 2
}

fn contains_all(hay: &[String], needles: &[String]) -> bool {
    needles.iter().all(|n| hay.contains(n))
}

/// Whether the title's words appear in order, consecutively, in the name.
fn contains_run(hay: &[String], needle: &[String]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_like_a_user_expects() {
        assert_eq!(
            words("Kiwi wa Boku ni Niteiru"),
            ["kiwi", "wa", "boku", "ni", "niteiru"]
        );
        assert_eq!(words("Synchro BOM-BA-YE"), ["synchro", "bom", "ba", "ye"]);
        assert_eq!(words("Pokémon Ré"), ["pokemon", "re"]);
        assert_eq!(
            words(&strip_name_noise(
                "03 - Polyphia - ABC (feat. Sophia Black) [Mtd24QIBJ5Y]"
            )),
            ["polyphia", "abc"]
        );
        assert_eq!(
            words(&strip_name_noise("Ed Sheeran - Shivers-z2_Lrg6rRks")),
            ["ed", "sheeran", "shivers"]
        );
        assert_eq!(words(&strip_feat("ABC feat. Sophia Black")), ["abc"]);
        assert_eq!(words(&strip_name_noise("1. Shivers")), ["shivers"]);
        // A title that happens to be 11 letters long stays.
        assert_eq!(
            words(&strip_name_noise("Artist - Nightingale")),
            ["artist", "nightingale"]
        );
    }

    #[test]
    fn names_with_case_changing_letters_do_not_panic() {
        // These panicked: "ẞ" lower-cases to the shorter "ß", and the offset of "(feat." in
        // the lower-cased name sliced the original inside a character.
        assert_eq!(words(&strip_feat("ẞ(feat. X) Song")), ["ss", "song"]);
        assert_eq!(words(&strip_feat("Ⱥ song FEAT. Y")), ["a", "song"]);
        // A multi-byte character where the 11-character video id would start.
        assert_eq!(words(&strip_name_noise("xxéaaaaaaaaaa")), ["xxeaaaaaaaaaa"]);
    }

    #[test]
    fn title_words_must_appear_together() {
        let name = words("polyphia playing god live");
        assert!(contains_run(&name, &words("Playing God")));
        assert!(!contains_run(&name, &words("God Playing")));
        assert!(!contains_run(&words("abcd"), &words("ABC")));
    }
}
