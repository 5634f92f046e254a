//! `iemlab ab`: compare EQ profiles on the test playlist. Every profile's chain runs all the
//! time, so a switch is a short equal-gain crossfade between warm filters; profiles are
//! level-matched; switches can follow keys, the entry's cue points (sample-accurate) or a
//! timer; a loop region alternates A and B on each pass; `--blind` runs an ABX test; notes
//! are stamped with track, position, cue and profile and saved as they are written. The
//! session itself is `crate::session::Session`; this file turns the arguments into it.

use std::process::ExitCode;

use super::args::{AbArgs, AbMatching};
use super::listen::{self, Plan};
use crate::ab::abx::TrialRng;
use crate::ab::matching::{Matching, match_entries};
use crate::ab::notes::utc_now;
use crate::preset::EqProfile;
use crate::session::{BlindSetup, Setup, Switching};
use crate::timecode::parse_time;

pub(super) fn run(args: AbArgs) -> anyhow::Result<ExitCode> {
    let switching = parse_switch(&args.switch)?;
    let matching = match args.matching {
        AbMatching::Loudness => Matching::Loudness,
        AbMatching::Pink => Matching::Pink,
        AbMatching::Off => Matching::Off,
    };
    let loop_region = args.loop_region.as_deref().map(parse_region).transpose()?;
    let mut resolved = listen::resolve(&args.inputs, &args.session.library)?;
    if let Some(region) = loop_region {
        resolved.set_loop(region);
    }
    let specs: Vec<&str> = [Some(args.a.as_str()), Some(args.b.as_str())]
        .into_iter()
        .chain([args.c.as_deref(), args.d.as_deref()])
        .flatten()
        .collect();
    // Names of other IEMs (with --iem) are fitted on the fly, side by side.
    let simulated = args.sim.simulate(&args.sim.slots(&specs))?;
    let mut profiles = Vec::new();
    let mut fit_lines = Vec::new();
    for (spec, sim) in specs.iter().zip(simulated) {
        match sim {
            Some((profile, line)) => {
                fit_lines.push(line);
                profiles.push(Some(profile));
            }
            None => profiles.push(listen::read_profile(Some(spec))?),
        }
    }
    // Blind ratings: the profiles in a hidden order (Fisher–Yates, seeded by --seed).
    let mut order: Vec<usize> = (0..profiles.len()).collect();
    let rating_seed = args
        .seed
        .unwrap_or_else(|| TrialRng::from_clock().next_u64());
    if args.rate {
        let mut rng = TrialRng::new(rating_seed);
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        profiles = order.iter().map(|&i| profiles[i].clone()).collect();
    }
    let real_names: Vec<String> = order.iter().map(|&i| specs[i].to_string()).collect();
    if args.blind && profiles.len() != 2 {
        return Err(super::exit::usage(
            "--blind compares exactly two profiles, --a and --b".into(),
        ));
    }
    let refs: Vec<Option<&EqProfile>> = profiles.iter().map(Option::as_ref).collect();
    let levels = match_entries(&resolved, &refs, matching, loop_region)?;
    let names: Vec<String> = profiles
        .iter()
        .map(|p| p.as_ref().map_or("flat".into(), |p| p.name.clone()))
        .collect();
    let shown_names: Vec<String> = if args.rate {
        (0..names.len())
            .map(|i| format!("hidden {}", char::from(b'A' + i as u8)))
            .collect()
    } else {
        names.clone()
    };
    let blind = args.blind.then(|| BlindSetup {
        trials: args.trials,
        seed: args
            .seed
            .unwrap_or_else(|| TrialRng::from_clock().next_u64()),
        scripted: args
            .answers
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter_map(|c| match c.to_ascii_lowercase() {
                'a' => Some(0),
                'b' => Some(1),
                _ => None,
            })
            .collect(),
    });
    let mut intro = if args.blind {
        vec![format!(
            "blind ABX: {} trials; X is A or B at random each trial; answer a or b",
            args.trials
        )]
    } else {
        names
            .iter()
            .enumerate()
            .map(|(i, name)| format!("{}: {name}", char::from(b'A' + i as u8)))
            .collect()
    };
    // The simulations' fits first: how close each came (not in a blind test, where the
    // lines would give the order away).
    if args.rate {
        intro = vec![format!(
            "blind ratings: A–{} are the profiles in a hidden order; rate what you hear: rate: SECTION SCORE [words] (after m, or as a line), sections {}, 1 Poor · 3 Good · 5 Outstanding",
            char::from(b'A' + (names.len() - 1) as u8),
            crate::ab::rating::RATED_SECTIONS.map(|(k, _)| k).join(", ")
        )];
    } else if !args.blind {
        intro.splice(0..0, fit_lines);
    }
    let durations = match switching {
        Switching::Every(_) => (0..resolved.len()).map(|i| resolved.duration(i)).collect(),
        _ => vec![None; resolved.len()],
    };
    let headline = format!(
        "crossfade {} ms; switching: {}",
        args.crossfade_ms,
        match switching {
            Switching::Keys => "keys".to_string(),
            Switching::Cues => "at each cue".to_string(),
            Switching::Every(s) => format!("every {s} s"),
        }
    );
    let setup = Setup {
        rate: 0,
        start: 0,
        profiles: shown_names,
        levels,
        durations,
        fade_ms: args.crossfade_ms,
        switching,
        loop_region,
        blind,
        volume: args.session.volume,
        abx_log: None,
    };
    let abx_log = args.blind.then(|| {
        args.abx_log.clone().unwrap_or_else(|| {
            crate::paths::in_notes_dir(&format!("iemlab-abx-{}.json", file_stamp()))
        })
    });
    let notes = args.notes.clone().unwrap_or_else(crate::paths::notes_file);
    let started = utc_now();
    let result = listen::run(
        Plan {
            resolved,
            profiles,
            setup,
            headline,
            intro,
            notes: notes.clone(),
            abx_log,
        },
        &args.session,
    );
    if args.rate {
        // The order first, whatever happened: without it the ratings mean nothing.
        let labels: Vec<String> = names
            .iter()
            .zip(&real_names)
            .map(|(name, spec)| {
                if name == spec {
                    name.clone()
                } else {
                    format!("{name} ({spec})")
                }
            })
            .collect();
        println!("the hidden order was (--seed {rating_seed}):");
        for (i, label) in labels.iter().enumerate() {
            println!("  {}: {label}", char::from(b'A' + i as u8));
        }
        for line in unblind(&notes, &started, &labels)? {
            println!("{line}");
        }
    }
    result
}

/// Reveals a blind rating session: the notes written since `started` under a hidden letter
/// name the profile that letter was (`labels`, in letter order), the file is rewritten in
/// place (atomically), and the lines returned give the ratings per profile and section. (Another
/// session writing to the same notes file at the same time is not told apart: give each
/// its own `--notes` file.)
pub(super) fn unblind(
    notes: &std::path::Path,
    started: &str,
    labels: &[String],
) -> anyhow::Result<Vec<String>> {
    use crate::ab::notes::read_notes;
    use crate::ab::rating::{RATED_SECTIONS, Rating};
    let Ok(mut all) = read_notes(notes) else {
        return Ok(vec!["no ratings were written".into()]);
    };
    let mut rated = 0;
    let mut relabelled = 0;
    for note in all.iter_mut().filter(|n| n.time.as_str() >= started) {
        let letter = note.profile.chars().next().map(|c| c as usize);
        if let Some(label) = letter
            .and_then(|c| c.checked_sub('A' as usize))
            .and_then(|i| labels.get(i))
            .filter(|_| note.profile.len() == 1)
        {
            note.profile = format!("{label} (rated blind as {})", note.profile);
            rated += usize::from(Rating::from_note(&note.text).is_some());
            relabelled += 1;
        }
    }
    if relabelled == 0 {
        // Nothing was written under a hidden letter: the file is left as it is.
        return Ok(vec!["no notes or ratings were written".into()]);
    }
    let mut text = String::new();
    for note in &all {
        text.push_str(&serde_json::to_string(note)?);
        text.push('\n');
    }
    crate::atomic_file::save(notes, text.as_bytes(), true)?;
    let mut lines = vec![format!(
        "{rated} rating{} saved in {}",
        if rated == 1 { "" } else { "s" },
        notes.display()
    )];
    for (key, heading) in RATED_SECTIONS {
        let scores: Vec<String> = all
            .iter()
            .filter(|n| n.time.as_str() >= started)
            .filter_map(|n| Some((n, Rating::from_note(&n.text)?)))
            .filter(|(_, r)| r.section == key)
            .map(|(n, r)| format!("{} {}/5", n.profile, r.score))
            .collect();
        if !scores.is_empty() {
            lines.push(format!("  {heading}: {}", scores.join("; ")));
        }
    }
    Ok(lines)
}

/// `--switch keys`, `cues` or `every SECS`.
fn parse_switch(words: &[String]) -> anyhow::Result<Switching> {
    match words {
        [m] if m == "keys" => Ok(Switching::Keys),
        [m] if m == "cues" => Ok(Switching::Cues),
        [m, secs] if m == "every" => match secs.parse::<f64>() {
            Ok(s) if s >= 0.5 && s.is_finite() => Ok(Switching::Every(s)),
            _ => Err(super::exit::usage(format!(
                "--switch every {secs}: give seconds, at least 0.5"
            ))),
        },
        _ => Err(super::exit::usage(format!(
            "--switch {}: use keys, cues, or every SECS",
            words.join(" ")
        ))),
    }
}

/// `--match loudness`, `pink` or `off`.
/// `01:05-01:25` as seconds.
pub(super) fn parse_region(text: &str) -> anyhow::Result<(f64, f64)> {
    let bad = || super::exit::usage(format!("--loop {text}: use FROM-TO, e.g. 01:05-01:25"));
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let from = parse_time(a).map_err(|e| super::exit::usage(format!("--loop: {e}")))?;
    let to = parse_time(b).map_err(|e| super::exit::usage(format!("--loop: {e}")))?;
    if to <= from {
        return Err(bad());
    }
    Ok((from, to))
}

/// `20261125-112003` for default file names.
pub(super) fn file_stamp() -> String {
    utc_now()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect()
}
