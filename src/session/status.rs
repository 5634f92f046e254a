//! What a face shows about a session besides its lines: the one-line status that fits the
//! width it is given, the keys, and the closing summary.

use crate::engine::Transport;
use crate::timecode::format_time;

use super::{Now, Session};

/// Shortest a title is cut to before fields are dropped.
const MIN_TITLE: usize = 12;

/// One field of the status line, from the most to the least shortened form.
struct Field {
    /// Forms, longest first; the last may be empty (the field can be dropped).
    forms: Vec<String>,
    /// Which form is used now.
    used: usize,
}

impl Field {
    fn new(forms: Vec<String>) -> Field {
        Field { forms, used: 0 }
    }

    fn text(&self) -> &str {
        self.forms.get(self.used).map_or("", String::as_str)
    }

    /// Moves to the next shorter form; false when there is none.
    fn shorten(&mut self) -> bool {
        if self.used + 1 < self.forms.len() {
            self.used += 1;
            true
        } else {
            false
        }
    }
}

fn width_of(fields: &[Field]) -> usize {
    let texts: Vec<&str> = fields
        .iter()
        .map(Field::text)
        .filter(|t| !t.is_empty())
        .collect();
    texts.iter().map(|t| t.chars().count()).sum::<usize>() + 3 * texts.len().saturating_sub(1)
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Session {
    /// The status line at `now`, with the output's peak (dBFS, None for silence), fitted to
    /// `width` characters: names are shortened first, then the least useful fields are
    /// dropped (loop, level, next cue), so that one line never wraps.
    pub fn status_line(&self, now: &Now, peak_db: Option<f64>, width: usize) -> String {
        let Some(track) = self.track else {
            return String::new();
        };
        let title = self.playlist.entry(track).map_or("", |e| e.title.as_str());
        let number = format!("{}/{}", track + 1, self.playlist.len());
        let length = self
            .duration(track)
            .map_or(String::new(), |d| format!("/{}", format_time(d)));
        let position = format!("{}{length}", format_time(now.position));
        let mut fields = Vec::new();
        // The track: its title shortened step by step; the number alone only as a last resort.
        let mut titles = vec![format!("{number} {title}")];
        for keep in [32, 20, MIN_TITLE] {
            if title.chars().count() > keep {
                titles.push(format!("{number} {}", cut(title, keep)));
            }
        }
        let title_steps = titles.len() - 1;
        titles.push(number.clone());
        fields.push(Field::new(titles));
        fields.push(Field::new(vec![position, format_time(now.position)]));
        let next_cue = self
            .playlist
            .cues(track)
            .iter()
            .find(|c| c.at > now.position + 0.01);
        let cue_at = next_cue.map(|cue| {
            fields.push(Field::new(vec![
                format!("next cue {} {}", format_time(cue.at), cue.label),
                format!("next cue {}", format_time(cue.at)),
                String::new(),
            ]));
            fields.len() - 1
        });
        fields.push(Field::new(vec![
            match peak_db {
                // Below the 24-bit floor is silence, however small the peak.
                Some(db) if db > -144.0 => format!("{db:+.1} dBFS"),
                _ => "silence".into(),
            },
            String::new(),
        ]));
        let level_at = fields.len() - 1;
        let profile_at = self.is_ab().then(|| {
            let (long, short) = match &self.blind {
                Some(b) => (b.label(), "X".to_string()),
                None => (
                    format!(
                        "{} {}",
                        self.heard_label(),
                        self.setup
                            .profiles
                            .get(self.heard)
                            .map_or("", String::as_str)
                    ),
                    self.heard_label(),
                ),
            };
            fields.push(Field::new(vec![long.clone(), cut(&long, 24), short]));
            fields.len() - 1
        });
        let loop_at = self.looping.then(|| {
            fields.push(Field::new(vec!["loop".into(), String::new()]));
            fields.len() - 1
        });
        if matches!(now.transport, Transport::Paused | Transport::Pausing) {
            fields.push(Field::new(vec!["[paused]".into()]));
        }
        // Names first, then the least useful fields go: loop, level, the next cue; then the
        // track's length, and last the title.
        let mut plan: Vec<usize> = profile_at.into_iter().flat_map(|i| [i, i]).collect();
        plan.extend(std::iter::repeat_n(0, title_steps));
        plan.extend(cue_at);
        plan.extend(loop_at);
        plan.push(level_at);
        plan.extend(cue_at);
        plan.push(1);
        plan.push(0);
        for i in plan {
            if width_of(&fields) <= width {
                break;
            }
            if let Some(field) = fields.get_mut(i) {
                field.shorten();
            }
        }
        let line = fields
            .iter()
            .map(Field::text)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        cut(&line, width)
    }

    /// The keys this session takes, in one line.
    pub fn key_help(&self) -> &'static str {
        match (self.is_ab(), self.is_blind()) {
            (_, true) => {
                "keys: a/b answer (X is A / X is B) · m note · ←/→ seek · 1–9 cue · s pause · q quit"
            }
            (true, false) => {
                "keys: a/b/c/d select · space toggle A/B · 1–9 replay cue with the other profile · l loop · m note · ←/→ seek · s pause · q quit"
            }
            (false, _) => {
                "keys: space pause · n/p next/previous · ←/→ seek 5 s · 1–9 cue · l loop · m note · +/- volume · q quit"
            }
        }
    }

    /// The closing line: what was played and skipped, underruns, and how much audio the
    /// output took when it says.
    pub fn summary(&self, frames: Option<u64>) -> String {
        let mut line = format!(
            "done: played {} of {} track(s), {} skipped, {} underrun(s)",
            self.played,
            self.playlist.len(),
            self.skipped,
            self.underruns
        );
        if let Some(frames) = frames {
            line.push_str(&format!(
                ", {} of audio output",
                format_time(frames as f64 / f64::from(self.setup.rate))
            ));
        }
        line
    }
}
