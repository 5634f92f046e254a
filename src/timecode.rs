//! Track times as reviewers write them: `01:10`, `1:10.5`, `02:03:04`, or plain seconds.

use crate::exit_status::ExitStatus;

/// Text that is not a track time, as the user wrote it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a time (use mm:ss, mm:ss.fff, hh:mm:ss or seconds)")]
pub struct NotATime(pub String);

/// A time the user wrote: exit code 2.
impl ExitStatus for NotATime {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// Parses `[hh:]mm:ss[.fff]` or plain seconds (`70`, `70.25`) into seconds.
pub fn parse_time(text: &str) -> Result<f64, NotATime> {
    let t = text.trim();
    let bad = || NotATime(text.to_string());
    if t.is_empty() {
        return Err(bad());
    }
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() > 3 {
        return Err(bad());
    }
    let mut seconds = 0.0;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let valid = !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_digit() || (last && c == '.'))
            && part.matches('.').count() <= 1;
        if !valid {
            return Err(bad());
        }
        let v: f64 = part.parse().map_err(|_| bad())?;
        // Minutes and seconds after the first field stay below 60, as on a clock.
        if i > 0 && v >= 60.0 {
            return Err(bad());
        }
        seconds = seconds * 60.0 + v;
    }
    if seconds.is_finite() {
        Ok(seconds)
    } else {
        Err(bad())
    }
}

/// Formats seconds as `mm:ss.fff` (or `h:mm:ss.fff` past an hour).
pub fn format_time(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, f) = (rest / 1000, rest % 1000);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}.{f:03}")
    } else {
        format!("{m:02}:{s:02}.{f:03}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_reviewer_times() {
        assert_eq!(parse_time("01:10"), Ok(70.0));
        assert_eq!(parse_time("2:50.5"), Ok(170.5));
        assert_eq!(parse_time("1:02:03"), Ok(3723.0));
        assert_eq!(parse_time("75"), Ok(75.0));
        assert_eq!(parse_time("0.25"), Ok(0.25));
        for bad in [
            "", "1:", ":30", "01:75", "a:10", "-5", "1.5:00", "1:2:3:4", "1e3",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format_time(70.0), "01:10.000");
        assert_eq!(format_time(3723.25), "1:02:03.250");
        assert_eq!(parse_time(&format_time(170.5)), Ok(170.5));
    }
}
