//! `iemlab report NOTES --template review`: a Markdown draft in the structure of the review
//! template (timbre; bass and dynamics; resolution; stereo imaging and soundstage;
//! comparisons), with each track introduced as the template does and the notes grouped
//! under it.

use super::notes::Note;
use crate::ab::rating::{RATED_SECTIONS, Rating};
use crate::playlist::Playlist;

/// The template's listening sections, in order, with the heading it gives each.
const SECTIONS: [(&str, &str); 4] = [
    ("timbre", "**Timbre:**"),
    ("bass", "**Bass and perceived dynamic:**"),
    ("resolution", "**Resolution:**"),
    ("stereo", "**Stereo imaging and soundstage:**"),
];

/// One track's notes.
struct TrackNotes<'a> {
    section: String,
    artist: String,
    title: String,
    link: Option<String>,
    focus: Option<String>,
    notes: Vec<&'a Note>,
}

/// Writes the review draft. With the playlist, tracks appear in its order with its links and
/// focus; notes on tracks it does not hold follow at the end of their section.
pub fn review_draft(notes: &[Note], playlist: Option<&Playlist>) -> String {
    let mut tracks: Vec<TrackNotes<'_>> = Vec::new();
    if let Some(p) = playlist {
        for (si, e) in p.entries() {
            tracks.push(TrackNotes {
                section: p.sections[si].name.clone(),
                artist: e.artist.clone(),
                title: e.title.clone(),
                link: e.link.clone(),
                focus: Some(e.focus.clone()).filter(|f| !f.is_empty()),
                notes: Vec::new(),
            });
        }
    }
    let (ratings, notes): (Vec<&Note>, Vec<&Note>) = notes
        .iter()
        .partition(|n| Rating::from_note(&n.text).is_some());
    for note in notes {
        // Same track in the same section (Ciaccona is in two).
        let slot = tracks.iter().position(|t| {
            t.title == note.track && (note.section.is_empty() || t.section == note.section)
        });
        match slot {
            Some(i) => tracks[i].notes.push(note),
            None => tracks.push(TrackNotes {
                section: note.section.clone(),
                artist: note.artist.clone(),
                title: note.track.clone(),
                link: note.link.clone(),
                focus: None,
                notes: vec![note],
            }),
        }
    }
    let mut out = String::from("Sonic Performance\n===\n\n");
    let mut placed = vec![false; tracks.len()];
    for (key, heading) in SECTIONS {
        out.push_str(heading);
        out.push_str("\n\n");
        let mut first = true;
        for (i, t) in tracks.iter().enumerate() {
            if placed[i] || !t.section.to_lowercase().contains(key) {
                continue;
            }
            placed[i] = true;
            write_track(&mut out, t, first);
            first = false;
        }
        if first {
            out.push_str("(no notes)\n\n");
        }
    }
    let rest: Vec<usize> = (0..tracks.len())
        .filter(|&i| !placed[i] && !tracks[i].notes.is_empty())
        .collect();
    if !rest.is_empty() {
        out.push_str("**Other tracks:**\n\n");
        for (k, &i) in rest.iter().enumerate() {
            write_track(&mut out, &tracks[i], k == 0);
        }
    }
    out.push_str("_____\n\nComparisons\n===\n\n");
    let mut any = false;
    for t in &tracks {
        let mut profiles: Vec<&str> = t.notes.iter().map(|n| n.profile.as_str()).collect();
        profiles.sort_unstable();
        profiles.dedup();
        if profiles.len() < 2 {
            continue;
        }
        any = true;
        out.push_str(&format!(
            "**{} on {}**:\n\n",
            profiles.join(" vs "),
            track_name(t)
        ));
        for p in profiles {
            for n in t.notes.iter().filter(|n| n.profile == p) {
                out.push_str(&format!("- {p}, {}: {}\n", stamp(n), n.text));
            }
        }
        out.push('\n');
    }
    if !any {
        out.push_str("(no track has notes on more than one profile)\n");
    }
    if !ratings.is_empty() {
        out.push_str(&ratings_table(&ratings));
    }
    out
}

/// The ratings as a table: a row per profile, a column per rated section, each cell the
/// mean score (and how many ratings it is the mean of, when more than one).
fn ratings_table(ratings: &[&Note]) -> String {
    // The same profile rated in several sessions, under other hidden letters, is one row.
    let who = |n: &Note| -> String {
        n.profile
            .split(" (rated blind as")
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let mut profiles: Vec<String> = ratings.iter().map(|n| who(n)).collect();
    profiles.sort_unstable();
    profiles.dedup();
    let mut out = String::from("\n_____\n\nBlind ratings\n===\n\n");
    out.push_str("1 (Poor) to 3 (Good) to 5 (Outstanding).\n\n| Profile |");
    for (_, heading) in RATED_SECTIONS {
        out.push_str(&format!(" {heading} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(RATED_SECTIONS.len()));
    out.push('\n');
    for p in &profiles {
        out.push_str(&format!("| {p} |"));
        for (key, _) in RATED_SECTIONS {
            let scores: Vec<f64> = ratings
                .iter()
                .filter(|n| who(n) == *p)
                .filter_map(|n| Rating::from_note(&n.text))
                .filter(|r| r.section == key)
                .map(|r| f64::from(r.score))
                .collect();
            let cell = match scores.len() {
                0 => String::new(),
                1 => format!("{}/5", scores.first().copied().unwrap_or_default()),
                n => format!("{:.1}/5 ({n})", scores.iter().sum::<f64>() / n as f64),
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    let words: Vec<String> = ratings
        .iter()
        .filter_map(|n| {
            let r = Rating::from_note(&n.text)?;
            (!r.words.is_empty())
                .then(|| format!("- {}, {} {}/5: {}", n.profile, r.section, r.score, r.words))
        })
        .collect();
    if !words.is_empty() {
        out.push('\n');
        out.push_str(&words.join("\n"));
        out.push('\n');
    }
    out
}

fn track_name(t: &TrackNotes<'_>) -> String {
    if t.artist.is_empty() {
        t.title.clone()
    } else {
        format!("{} by {}", t.title, t.artist)
    }
}

fn stamp(n: &Note) -> String {
    match &n.cue {
        Some(cue) => format!("{} ({cue})", n.position),
        None => n.position.clone(),
    }
}

fn write_track(out: &mut String, t: &TrackNotes<'_>, first: bool) {
    let name = match &t.link {
        Some(link) => format!("**[{}]({link})**", track_name(t)),
        None => format!("**{}**", track_name(t)),
    };
    let lead = if first {
        "The first track is"
    } else {
        "The next track is"
    };
    out.push_str(&format!("{lead} {name}."));
    if let Some(focus) = &t.focus {
        out.push_str(&format!(" {focus}"));
    }
    out.push_str(" Here are key observations:\n\n");
    if t.notes.is_empty() {
        out.push_str("- \n");
    }
    for n in &t.notes {
        let profile = if n.profile.is_empty() {
            String::new()
        } else {
            format!(", {}", n.profile)
        };
        out.push_str(&format!("- {}{profile}: {}\n", stamp(n), n.text));
    }
    out.push('\n');
}
