//! Problems found in a user's text file (playlists, profiles), located by line and field,
//! and the bounded, UTF-8-checked reading those files share.

use std::fmt;
use std::path::Path;

/// One thing wrong with a file, located in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// 1-based line number (0 when the problem is the file as a whole).
    pub line: usize,
    /// Field path, e.g. `sections[1].tracks[0].cues[2].at`.
    pub field: String,
    /// What is wrong, with the offending value.
    pub message: String,
}

impl Problem {
    /// A problem with the whole file.
    pub fn file(message: impl Into<String>) -> Self {
        Problem {
            line: 0,
            field: String::new(),
            message: message.into(),
        }
    }
}

/// Displays problems one per line as `file:line: field: message`.
pub struct Problems<'a>(pub &'a Path, pub &'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.1.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", self.0.display())?;
            if p.line > 0 {
                write!(f, ":{}", p.line)?;
            }
            if p.field.is_empty() {
                write!(f, ": {}", p.message)?;
            } else {
                write!(f, ": {}: {}", p.field, p.message)?;
            }
        }
        Ok(())
    }
}

/// Maps byte offsets in a text to 1-based line numbers.
pub struct Lines<'a>(pub &'a str);

impl Lines<'_> {
    /// The line holding byte `offset`.
    pub fn at(&self, offset: usize) -> usize {
        let end = offset.min(self.0.len());
        self.0.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }
}

/// Why a text file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// The file is too large, or not UTF-8 text.
    Invalid(Problem),
}

/// Reads a UTF-8 text file of at most `max_bytes` (checked before reading, so a huge file is
/// refused at once), without a leading byte-order mark. `kind` names the file in messages.
pub fn read_text(path: &Path, max_bytes: u64, kind: &str) -> Result<String, ReadError> {
    let size = std::fs::metadata(path).map_err(ReadError::Io)?.len();
    if size > max_bytes {
        return Err(ReadError::Invalid(Problem::file(format!(
            "file is {size} bytes; {kind} is at most {max_bytes}"
        ))));
    }
    let bytes = std::fs::read(path).map_err(ReadError::Io)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ReadError::Invalid(Problem {
            line: Lines(&String::from_utf8_lossy(e.as_bytes())).at(e.utf8_error().valid_up_to()),
            field: String::new(),
            message: "file is not UTF-8 text".into(),
        })
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}
