//! Problems found in a user's file (FR measurements, profiles, playlists, presets to import,
//! the config file, notes), located by path, line and field, and the bounded, UTF-8-checked
//! reading those files share. Every parser reports what is wrong with its file as a
//! [`FileProblem`], so every such message reads the same way: `PATH:LINE: field: message`.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One thing wrong with a user's file, located in it. Shown as `PATH:LINE: field: message`
/// (without `:LINE` for the file as a whole, without `field: ` when no field is named), with
/// long quoted values cut short.
#[derive(Clone, Debug, PartialEq)]
pub struct FileProblem {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number (None when the problem is the file as a whole).
    pub line: Option<usize>,
    /// Field path, e.g. `sections[1].tracks[0].cues[2].at`.
    pub field: Option<String>,
    /// What is wrong, with the offending value.
    pub message: String,
}

impl FileProblem {
    /// A problem with the file as a whole.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        FileProblem {
            path: path.to_path_buf(),
            line: None,
            field: None,
            message: message.into(),
        }
    }

    /// A problem on 1-based line `line` (0: the file as a whole).
    pub fn at(path: &Path, line: usize, message: impl Into<String>) -> Self {
        FileProblem {
            line: (line > 0).then_some(line),
            ..FileProblem::file(path, message)
        }
    }

    /// A problem with field `field` on 1-based line `line` (0: the file as a whole).
    pub fn in_field(
        path: &Path,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let field = field.into();
        FileProblem {
            field: (!field.is_empty()).then_some(field),
            ..FileProblem::at(path, line, message)
        }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": {field}")?;
        }
        write!(f, ": {}", clip_quoted(&self.message))
    }
}

impl std::error::Error for FileProblem {}

/// The bad input is the user's: exit code 2.
impl crate::exit_status::ExitStatus for FileProblem {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// Displays problems one per line.
pub struct Listed<'a>(pub &'a [FileProblem]);

impl fmt::Display for Listed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Longest quoted value (in characters) a message repeats in full.
const MAX_QUOTE_CHARS: usize = 60;

/// `message` with every `'quoted'` value longer than 60 characters cut to its start and
/// `...`, so an error about a one-megabyte line stays one readable line.
pub fn clip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find('\'') {
        let (before, after) = rest.split_at(open + 1);
        out.push_str(before);
        let Some(close) = after.find('\'') else {
            rest = after;
            break;
        };
        let (quoted, tail) = after.split_at(close);
        if quoted.chars().count() > MAX_QUOTE_CHARS {
            out.extend(quoted.chars().take(MAX_QUOTE_CHARS - 3));
            out.push_str("...");
        } else {
            out.push_str(quoted);
        }
        out.push('\'');
        rest = tail.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Maps byte offsets in a text to 1-based line numbers.
pub struct Lines<'a>(pub &'a str);

impl Lines<'_> {
    /// The line holding byte `offset`.
    pub fn at(&self, offset: usize) -> usize {
        self.0
            .as_bytes()
            .iter()
            .take(offset)
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// A problem with `field` of the file at `path`, on the line where `span` (byte offsets
    /// into the text, as toml's `Spanned` gives them) starts.
    pub fn problem(
        &self,
        path: &Path,
        span: std::ops::Range<usize>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> FileProblem {
        FileProblem::in_field(path, self.at(span.start), field, message)
    }
}

/// Why a text file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Opening or reading failed.
    Io(std::io::Error),
    /// The file is too large, or not UTF-8 text.
    Invalid(FileProblem),
}

/// Reads at most `max_bytes` of the file at `path`: a file that says it is larger is refused
/// before reading, and reading stops one byte past the limit, so a file that grows meanwhile
/// or a device that never ends (`/dev/zero`, a FIFO) is refused too, never held in memory.
/// `kind` names the file in messages ("an EQ profile"). A path with nothing behind it that
/// names a file iemlab ships (`presets/eq/bass-boost.toml`, `bass-boost`) reads the copy
/// built into the binary ([`crate::shipped`]).
pub fn read_bounded(path: &Path, max_bytes: u64, kind: &str) -> Result<Vec<u8>, ReadError> {
    let too_large = |size: String| {
        ReadError::Invalid(FileProblem::file(
            path,
            format!("file is {size} bytes; {kind} is at most {max_bytes}"),
        ))
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match crate::shipped::instead_of(path) {
                Some(shipped) => Ok(shipped.text.as_bytes().to_vec()),
                None => Err(ReadError::Io(e)),
            };
        }
        Err(e) => return Err(ReadError::Io(e)),
    };
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Invalid(FileProblem::file(
            path,
            format!("is a folder, not {kind}"),
        )));
    }
    if meta.len() > max_bytes {
        return Err(too_large(meta.len().to_string()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(format!("more than {max_bytes}")));
    }
    Ok(bytes)
}

/// Reads a UTF-8 text file of at most `max_bytes` (see [`read_bounded`]), without a leading
/// byte-order mark. `kind` names the file in messages.
pub fn read_text(path: &Path, max_bytes: u64, kind: &str) -> Result<String, ReadError> {
    let bytes = read_bounded(path, max_bytes, kind)?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ReadError::Invalid(FileProblem::at(
            path,
            Lines(&String::from_utf8_lossy(e.as_bytes())).at(e.utf8_error().valid_up_to()),
            not_utf8_message(e.as_bytes()),
        ))
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Text of a file whose data is ASCII but whose comments may be in any encoding (REW and
/// Equalizer APO files): UTF-16 with a byte-order mark is decoded, a UTF-8 byte-order mark
/// dropped, and bytes that are not UTF-8 (Latin-1 device names) become U+FFFD.
pub fn decode_lossy(bytes: &[u8]) -> String {
    let utf16 = |rest: &[u8], from: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| {
                from([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        utf16(rest, u16::from_be_bytes)
    } else {
        let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Why bytes are not UTF-8 text, naming the likely encoding so the user knows what to convert.
pub fn not_utf8_message(bytes: &[u8]) -> String {
    let utf16 = bytes.starts_with(&[0xff, 0xfe])
        || bytes.starts_with(&[0xfe, 0xff])
        || bytes.iter().take(64).filter(|&&b| b == 0).count() >= 8;
    if utf16 {
        "file is not UTF-8 text (it looks like UTF-16; save it as UTF-8)".into()
    } else {
        "file is not UTF-8 text (save it as UTF-8)".into()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_huge_file_is_refused_without_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.toml");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(2 << 30)
            .unwrap();
        let start = std::time::Instant::now();
        let Err(ReadError::Invalid(p)) = read_text(&path, 1 << 20, "an EQ profile") else {
            panic!("a 2 GB file was accepted");
        };
        assert!(start.elapsed().as_secs_f64() < 1.0);
        assert!(p.message.contains("2147483648 bytes"), "{}", p.message);
    }

    #[test]
    fn an_endless_device_is_refused_at_the_limit() {
        let Err(ReadError::Invalid(p)) = read_bounded(Path::new("/dev/zero"), 1000, "a playlist")
        else {
            panic!("/dev/zero was read");
        };
        assert!(p.message.contains("more than 1000"), "{}", p.message);
    }

    #[test]
    fn utf16_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("u16.toml");
        let mut bytes = vec![0xff, 0xfe];
        for c in "version = 1\n".encode_utf16() {
            bytes.extend(c.to_le_bytes());
        }
        std::fs::write(&path, bytes).unwrap();
        let Err(ReadError::Invalid(p)) = read_text(&path, 1000, "x") else {
            panic!("UTF-16 accepted");
        };
        assert!(p.message.contains("UTF-16"), "{}", p.message);
        assert_eq!(p.line, Some(1));
    }

    #[test]
    fn a_problem_reads_path_line_field_message() {
        let path = Path::new("p.toml");
        let whole = FileProblem::file(path, "empty");
        let line = FileProblem::at(path, 3, "'x' is not a number");
        let field = FileProblem::in_field(path, 4, "bands[0].q", "0 must be above 0");
        assert_eq!(whole.to_string(), "p.toml: empty");
        assert_eq!(line.to_string(), "p.toml:3: 'x' is not a number");
        assert_eq!(field.to_string(), "p.toml:4: bands[0].q: 0 must be above 0");
        assert_eq!(
            FileProblem::in_field(path, 0, "", "m"),
            FileProblem::file(path, "m")
        );
        assert_eq!(
            Listed(&[line, field]).to_string(),
            "p.toml:3: 'x' is not a number\np.toml:4: bands[0].q: 0 must be above 0"
        );
    }

    #[test]
    fn long_quoted_values_are_clipped() {
        let long = "x".repeat(100_000);
        let clipped = clip_quoted(&format!("unexpected '{long}' (give Fc) and 'short'"));
        assert_eq!(
            clipped,
            format!("unexpected '{}...' (give Fc) and 'short'", "x".repeat(57))
        );
        assert_eq!(clip_quoted("it's fine"), "it's fine");
    }

    #[test]
    fn lossy_text_decodes_utf16_and_latin1() {
        let mut le = vec![0xff, 0xfe];
        let mut be = vec![0xfe, 0xff];
        for c in "Preamp: -3 dB".encode_utf16() {
            le.extend(c.to_le_bytes());
            be.extend(c.to_be_bytes());
        }
        le.push(b'x'); // an odd trailing byte is dropped, not a panic
        assert_eq!(decode_lossy(&le), "Preamp: -3 dB");
        assert_eq!(decode_lossy(&be), "Preamp: -3 dB");
        assert_eq!(
            decode_lossy(b"\xef\xbb\xbf* Caf\xe9 1 2"),
            "* Caf\u{fffd} 1 2"
        );
    }
}
