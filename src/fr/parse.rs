//! Reading FR files in the layouts users bring:
//! - AutoEQ CSV: a `frequency,raw[,smoothed,error,...]` header, comma separated; `raw` is used.
//! - squig.link / CrinGraph `.txt`: `frequency<TAB or space or comma>dB` rows, optionally a
//!   header (`Frequency dB Unweighted`), blank lines and `*` comment lines.
//! - REW text exports: a block of `*` comment lines, then `Freq(Hz) SPL(dB) [Phase(degrees)]`
//!   rows separated by spaces, at 1/48 octave or at full linear resolution.
//!
//! Every row is checked: numbers must parse and be finite, frequencies positive and strictly
//! rising. A problem is reported with the file and line, quoting the value.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use super::{FrCurve, FrError};
use crate::problem::{FileProblem, ReadError, decode_lossy, read_bounded};

impl FrCurve {
    /// Reads a measurement or target file (any layout this module knows).
    pub fn load(path: &Path) -> Result<Self, FrError> {
        load(path)
    }
}

/// Files above this size are refused before reading (a full-resolution REW export is ~1.5 MB).
const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads and parses an FR file.
pub fn load(path: &Path) -> Result<FrCurve, FrError> {
    let bytes = read_bounded(path, MAX_FILE_BYTES, "an FR file").map_err(|e| match e {
        ReadError::Io(source) => FrError::Io {
            path: path.to_path_buf(),
            source,
        },
        ReadError::Invalid(problem) => FrError::Problem(problem),
    })?;
    // Comment lines of REW exports may carry non-UTF-8 device names; data rows are ASCII.
    let text = decode_lossy(&bytes);
    parse(&text, path)
}

/// Lowest frequency a row may have (Hz): full-resolution REW exports start near 0.37 Hz,
/// while 1e-320 Hz makes log-frequency interpolation divide infinity by infinity (NaN).
const MIN_FREQ_HZ: f64 = 1e-3;

/// Highest frequency a row may have (Hz): measurements stop near 20–40 kHz.
const MAX_FREQ_HZ: f64 = 1e6;

/// Largest |level| a row may have (dB). SPL and relative levels stay within a few hundred dB;
/// far larger finite values (1.7e308) overflow to infinity once curves are averaged.
const MAX_LEVEL_DB: f64 = 1000.0;

/// Which columns hold frequency and level.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Columns {
    freq: usize,
    level: usize,
}

impl Default for Columns {
    fn default() -> Self {
        Columns { freq: 0, level: 1 }
    }
}

/// Parses FR text; `path` names the curve (its file stem) and locates errors.
pub fn parse(text: &str, path: &Path) -> Result<FrCurve, FrError> {
    let line_error =
        |line: usize, message: String| FrError::Problem(FileProblem::at(path, line, message));
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut columns = Columns::default();
    let mut freqs: Vec<f64> = Vec::new();
    let mut levels: Vec<f64> = Vec::new();
    let mut prev_line = 0;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if is_comment(line) {
            continue;
        }
        let fields = split_fields(line);
        let Some(first) = fields.first() else {
            continue;
        };
        if first.parse::<f64>().is_err() && !looks_numeric(first) {
            if !freqs.is_empty() {
                return Err(line_error(
                    number,
                    format!("'{}' is not a data row (frequency, level)", clip(line)),
                ));
            }
            columns = header_columns(&fields);
            continue;
        }
        let value = |col: usize, what: &str| -> Result<f64, FrError> {
            let Some(field) = fields.get(col) else {
                return Err(line_error(
                    number,
                    format!(
                        "'{}' has {} column{}; the {what} is in column {}",
                        clip(line),
                        fields.len(),
                        if fields.len() == 1 { "" } else { "s" },
                        col + 1
                    ),
                ));
            };
            let v: f64 = field.parse().map_err(|_| {
                line_error(number, format!("{what} '{}' is not a number", clip(field)))
            })?;
            if !v.is_finite() {
                return Err(line_error(
                    number,
                    format!("{what} '{}' is not a finite number", clip(field)),
                ));
            }
            Ok(v)
        };
        let f = value(columns.freq, "frequency")?;
        let db = value(columns.level, "level")?;
        if f <= 0.0 {
            return Err(line_error(
                number,
                format!("frequency {f} Hz must be above 0"),
            ));
        }
        if f < MIN_FREQ_HZ {
            return Err(line_error(
                number,
                format!("frequency {f} Hz is below {MIN_FREQ_HZ} Hz; not an audio measurement"),
            ));
        }
        if f > MAX_FREQ_HZ {
            return Err(line_error(
                number,
                format!("frequency {f} Hz is above {MAX_FREQ_HZ} Hz; not an audio measurement"),
            ));
        }
        if db.abs() > MAX_LEVEL_DB {
            return Err(line_error(
                number,
                format!("level {db} dB is beyond ±{MAX_LEVEL_DB} dB; not a measured level"),
            ));
        }
        if let Some(&last) = freqs.last() {
            if f == last {
                return Err(line_error(
                    number,
                    format!("frequency {f} Hz repeats line {prev_line}"),
                ));
            }
            if f < last {
                return Err(line_error(
                    number,
                    format!(
                        "frequency {f} Hz is below {last} Hz on line {prev_line}; rows must rise in frequency"
                    ),
                ));
            }
        }
        freqs.push(f);
        levels.push(db);
        prev_line = number;
    }
    let file_error = |message: &str| FrError::Problem(FileProblem::file(path, message));
    match freqs.len() {
        0 => Err(file_error(
            "no data rows (expected lines of 'frequency level', e.g. '1000 75.2')",
        )),
        1 => Err(file_error(
            "only one data row; a frequency response needs at least two",
        )),
        _ => Ok(FrCurve {
            name: curve_name(path),
            freqs_hz: freqs,
            db: levels,
        }),
    }
}

/// Blank lines and the comment styles real files use (`*` REW, `#`, `//`, `;`).
fn is_comment(line: &str) -> bool {
    line.is_empty()
        || line.starts_with('*')
        || line.starts_with('#')
        || line.starts_with("//")
        || line.starts_with(';')
}

/// Splits a row on commas, else semicolons, else whitespace (tabs or spaces).
fn split_fields(line: &str) -> Vec<&str> {
    if line.contains(',') {
        line.split(',').map(str::trim).collect()
    } else if line.contains(';') {
        line.split(';').map(str::trim).collect()
    } else {
        line.split_whitespace().collect()
    }
}

/// Whether a field that failed to parse was meant as a number (so the row is a malformed data
/// row, not a header): it starts with a digit, sign or dot, or is NaN/inf.
fn looks_numeric(field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    field
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
        || lower == "nan"
        || lower.starts_with("inf")
}

/// Columns named by a header line: frequency is the column whose name starts with `freq` or
/// `hz` (else the first); level is AutoEQ's `raw` if present, else the first column after the
/// frequency whose name says SPL/dB/level/magnitude, else the next column.
fn header_columns(names: &[&str]) -> Columns {
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let freq = lower
        .iter()
        .position(|n| n.starts_with("freq") || n.starts_with("hz"))
        .unwrap_or(0);
    let level = lower
        .iter()
        .position(|n| n == "raw")
        .or_else(|| {
            lower.iter().enumerate().position(|(i, n)| {
                i != freq
                    && ["spl", "db", "level", "magnitude", "mag", "amplitude"]
                        .iter()
                        .any(|k| n.contains(k))
            })
        })
        .unwrap_or(if freq == 0 { 1 } else { 0 });
    Columns { freq, level }
}

fn curve_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "measurement".into())
}

/// A line or field shortened for messages.
fn clip(s: &str) -> String {
    if s.chars().count() > 60 {
        let head: String = s.chars().take(57).collect();
        format!("{head}...")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<FrCurve, FrError> {
        parse(text, Path::new("m.txt"))
    }

    fn line_of(err: FrError) -> (usize, String) {
        match err {
            FrError::Problem(FileProblem {
                line: Some(line),
                message,
                ..
            }) => (line, message),
            other => panic!("expected a line error, got {other}"),
        }
    }

    #[test]
    fn reads_rew_export_with_comments_and_phase() {
        let text = "* Measurement data measured by REW V5.20.9\r\n* Freq(Hz) SPL(dB) Phase(degrees)\r\n20.000000 81.4 36.1\r\n20.300000 81.5 36.0\r\n";
        let c = parse_str(text).unwrap();
        assert_eq!(c.freqs_hz, [20.0, 20.3]);
        assert_eq!(c.db, [81.4, 81.5]);
        assert_eq!(c.name, "m");
    }

    #[test]
    fn reads_autoeq_csv_raw_column_wherever_it_is() {
        let c = parse_str("frequency,smoothed,raw,target\n20,1,2,3\n40,4,5,6\n").unwrap();
        assert_eq!(c.db, [2.0, 5.0]);
        let c = parse_str("\u{feff}frequency,raw\n20.00,6.89\n20.20,6.90\n").unwrap();
        assert_eq!(c.db, [6.89, 6.90]);
    }

    #[test]
    fn reads_squig_tab_and_headerless_comma_layouts() {
        let c = parse_str("\r\n\r\nFrequency\tdB\tUnweighted\r\n19.5\t60.0\t\r\n19.8\t60.1\t\r\n")
            .unwrap();
        assert_eq!(c.db, [60.0, 60.1]);
        let c = parse_str("20, 70\n30, 71\n").unwrap();
        assert_eq!(c.freqs_hz, [20.0, 30.0]);
        let c = parse_str("20;70\n30;71\n").unwrap();
        assert_eq!(c.db, [70.0, 71.0]);
    }

    #[test]
    fn malformed_rows_name_line_and_value() {
        let (line, msg) = line_of(parse_str("* h\n20 70\n30 7O\n").unwrap_err());
        assert_eq!(line, 3);
        assert!(msg.contains("'7O'"), "{msg}");
        let (line, msg) = line_of(parse_str("20 70\n30 NaN\n").unwrap_err());
        assert_eq!(line, 2);
        assert!(msg.contains("NaN"), "{msg}");
        let (line, msg) = line_of(parse_str("20 70\n20 71\n").unwrap_err());
        assert_eq!(line, 2);
        assert!(msg.contains("repeats line 1"), "{msg}");
        let (line, msg) = line_of(parse_str("20 70\n30 71\n25 72\n").unwrap_err());
        assert_eq!(line, 3);
        assert!(msg.contains("below 30 Hz on line 2"), "{msg}");
        let (line, _) = line_of(parse_str("20 70\n30\n").unwrap_err());
        assert_eq!(line, 2);
        let (line, _) = line_of(parse_str("20 70\nfoo bar\n").unwrap_err());
        assert_eq!(line, 2);
        let (line, msg) = line_of(parse_str("0 70\n30 71\n").unwrap_err());
        assert_eq!(line, 1);
        assert!(msg.contains("above 0"), "{msg}");
        let (line, _) = line_of(parse_str("20 70\n30 inf\n").unwrap_err());
        assert_eq!(line, 2);
        // Found by fuzzing: the largest finite level passed and averaging made it infinite.
        let (line, msg) = line_of(parse_str("20 70\n30 1.7976931348623157e308\n").unwrap_err());
        assert_eq!(line, 2);
        assert!(msg.contains("beyond ±1000 dB"), "{msg}");
        let (line, _) = line_of(parse_str("20 70\n3e9 71\n").unwrap_err());
        assert_eq!(line, 2);
        // Found by fuzzing: a first row at 1e-320 Hz made the gridded curve NaN.
        let (line, msg) = line_of(parse_str("1e-320 70\n30 71\n").unwrap_err());
        assert_eq!(line, 1);
        assert!(msg.contains("below 0.001 Hz"), "{msg}");
    }

    #[test]
    fn empty_and_single_row_files_are_refused() {
        for text in ["", "* only comments\n\n", "frequency,raw\n"] {
            let err = parse_str(text).unwrap_err();
            assert!(err.to_string().contains("no data rows"), "{err}");
        }
        assert!(
            parse_str("20 70\n")
                .unwrap_err()
                .to_string()
                .contains("only one")
        );
    }
}
