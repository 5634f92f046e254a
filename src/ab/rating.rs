//! Blind ratings on the review template's scale: each profile rated 1–5 (1 Poor, 3 Good,
//! 5 Outstanding) for the template's sections, with optional words. A rating is a note whose
//! text is `rating SECTION N/5 (LABEL): words`, so it is saved as notes are (at once, and
//! never lost), and the review draft gathers them into a table.

/// The sections rated: (key, heading in the review), as the template names them.
pub const RATED_SECTIONS: [(&str, &str); 4] = [
    ("timbre", "Timbre"),
    ("bass", "Bass and perceived dynamic"),
    ("resolution", "Resolution"),
    ("stereo", "Stereo imaging and soundstage"),
];

/// The template's scale: 1 Poor, 3 Good, 5 Outstanding (2 and 4 between them).
pub const SCALE: [&str; 5] = ["Poor", "Fair", "Good", "Very good", "Outstanding"];

/// One rating.
#[derive(Clone, Debug, PartialEq)]
pub struct Rating {
    /// The section's key (`timbre`, `bass`, `resolution`, `stereo`).
    pub section: &'static str,
    /// 1 to 5.
    pub score: u8,
    /// The listener's words, if any.
    pub words: String,
}

/// The section a word names: its key or the first word of its heading, and a few words
/// people use for it ("dynamics", "soundstage", "imaging", "stage", "detail").
fn section(word: &str) -> Option<&'static str> {
    let w = word.to_lowercase();
    let key = match w.as_str() {
        "timbre" | "tone" | "tonality" => "timbre",
        "bass" | "dynamic" | "dynamics" => "bass",
        "resolution" | "detail" | "details" => "resolution",
        "stereo" | "imaging" | "soundstage" | "stage" => "stereo",
        _ => return None,
    };
    RATED_SECTIONS.iter().map(|(k, _)| *k).find(|k| *k == key)
}

impl Rating {
    /// Reads `SECTION SCORE [words]` (`timbre 4 warm and full`), as typed after `rate:`.
    pub fn parse(text: &str) -> Result<Rating, String> {
        let usage = || {
            format!(
                "a rating is SECTION SCORE [words]: sections {}, score 1 (Poor) to 5 (Outstanding)",
                RATED_SECTIONS.map(|(k, _)| k).join(", ")
            )
        };
        let mut words = text.split_whitespace();
        let (Some(name), Some(score)) = (words.next(), words.next()) else {
            return Err(usage());
        };
        let section = section(name).ok_or_else(|| format!("'{name}': {}", usage()))?;
        let score: u8 = score
            .trim_end_matches("/5")
            .parse()
            .ok()
            .filter(|s| (1..=5).contains(s))
            .ok_or_else(|| format!("'{score}': {}", usage()))?;
        Ok(Rating {
            section,
            score,
            words: words.collect::<Vec<_>>().join(" "),
        })
    }

    /// The note text: `rating timbre 4/5 (Very good): warm and full`.
    pub fn note_text(&self) -> String {
        let label = SCALE
            .get(usize::from(self.score).saturating_sub(1))
            .copied()
            .unwrap_or("");
        let mut text = format!("rating {} {}/5 ({label})", self.section, self.score);
        if !self.words.is_empty() {
            text.push_str(": ");
            text.push_str(&self.words);
        }
        text
    }

    /// The rating a note's text holds, if it is one.
    pub fn from_note(text: &str) -> Option<Rating> {
        let rest = text.strip_prefix("rating ")?;
        let (head, words) = match rest.split_once(": ") {
            Some((head, words)) => (head, words),
            None => (rest, ""),
        };
        let mut parts = head.split_whitespace();
        let section = section(parts.next()?)?;
        let score: u8 = parts.next()?.strip_suffix("/5")?.parse().ok()?;
        Some(Rating {
            section,
            score,
            words: words.to_string(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn ratings_read_and_write_as_note_text() {
        let r = Rating::parse("Soundstage 5 wide, holographic").unwrap();
        assert_eq!(r.section, "stereo");
        assert_eq!(
            r.note_text(),
            "rating stereo 5/5 (Outstanding): wide, holographic"
        );
        assert_eq!(Rating::from_note(&r.note_text()), Some(r));
        let plain = Rating::parse("bass 3").unwrap();
        assert_eq!(plain.note_text(), "rating bass 3/5 (Good)");
        assert_eq!(Rating::from_note("rating bass 3/5 (Good)"), Some(plain));
        assert!(Rating::parse("timbre 6").unwrap_err().contains("'6'"));
        assert!(Rating::parse("vibes 3").unwrap_err().contains("'vibes'"));
        assert!(Rating::parse("timbre").is_err());
        assert_eq!(Rating::from_note("warm vocals"), None);
    }
}
