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
    // The simulations' fits first: how close each came.
    if !args.blind {
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
        profiles: names,
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
    listen::run(
        Plan {
            resolved,
            profiles,
            setup,
            headline,
            intro,
            notes: args.notes.clone().unwrap_or_else(crate::paths::notes_file),
            abx_log,
        },
        &args.session,
    )
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
fn file_stamp() -> String {
    utc_now()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect()
}
