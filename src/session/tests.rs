//! The session's order of inputs, without a terminal or a device.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::ab::matching::LevelMatch;
use crate::engine::PlayerEvent;
use crate::playlist::{Cue, Entry, LoopRegion, Resolution, ResolvedEntry};

fn entry(title: &str, cues: &[(f64, &str)]) -> Entry {
    Entry {
        artist: "Artist".into(),
        title: title.into(),
        album: None,
        file: None,
        link: None,
        focus: format!("listen to {title}"),
        cues: cues
            .iter()
            .map(|(at, label)| Cue {
                at: *at,
                label: (*label).into(),
                line: 0,
            })
            .collect(),
        loops: vec![LoopRegion {
            from: 65.0,
            to: 85.0,
            line: 0,
        }],
        line: 0,
    }
}

/// The review's shape: a missing timbre track, then "A Reckoning in Blood" with its cues.
fn review() -> Resolved {
    let found = |p: &str| Resolution::Found {
        path: PathBuf::from(p),
        how: "tags",
    };
    Resolved::from_entries(
        Some("IEM review".into()),
        vec![
            ResolvedEntry {
                section: "Timbre".into(),
                entry: entry("Shivers", &[]),
                resolution: Resolution::Missing {
                    reason: "not in the library".into(),
                    candidates: Vec::new(),
                },
            },
            ResolvedEntry {
                section: "Bass and dynamics".into(),
                entry: entry(
                    "A Reckoning in Blood",
                    &[(70.0, "crescendo"), (170.0, "beats")],
                ),
                resolution: found("reckoning.flac"),
            },
            ResolvedEntry {
                section: "Bass and dynamics".into(),
                entry: entry("Shadow of Baar Dau", &[(20.0, "drop")]),
                resolution: found("baar-dau.flac"),
            },
        ],
    )
}

fn ab_setup() -> Setup {
    let mut setup = Setup::play(48_000, "Bass boost", 3);
    setup.profiles = vec!["Bass boost".into(), "Treble tame".into()];
    setup.start = 1;
    setup.durations = vec![None, Some(642.0), Some(300.0)];
    setup
}

fn at(seconds: f64) -> Now {
    Now {
        elapsed: Duration::from_secs_f64(seconds),
        position: seconds,
        frames_out: (seconds * 48_000.0) as u64,
        transport: crate::engine::Transport::Playing,
    }
}

fn input(s: &mut Session, i: Input, now: &Now) -> Vec<Effect> {
    s.update(Update::Input(i), now)
}

fn event(s: &mut Session, e: crate::engine::Event, now: &Now) -> Vec<Effect> {
    s.update(Update::Engine(PlayerEvent::Audio(e)), now)
}

fn notes(effects: &[Effect]) -> Vec<&Note> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::SaveNote(n) => Some(n),
            _ => None,
        })
        .collect()
}

#[test]
fn notes_are_stamped_with_what_is_heard_in_the_order_they_arrive() {
    let mut s = Session::new(review(), ab_setup());
    s.start();
    // Before the first track has started: the note is about the entry that will play
    // (the session starts at "bass"), never the missing timbre track.
    let first = input(
        &mut s,
        Input::Note("crescendo hits hard, boomy midbass".into()),
        &at(0.0),
    );
    let n = notes(&first)[0];
    assert_eq!(n.track, "A Reckoning in Blood");
    assert_eq!(n.section, "Bass and dynamics");
    assert_eq!(n.profile, "A");
    event(
        &mut s,
        crate::engine::Event::TrackStarted { index: 1, frame: 0 },
        &at(0.0),
    );
    event(
        &mut s,
        crate::engine::Event::CueReached { track: 1, id: 0 },
        &at(70.0),
    );
    // `b`, then a note at once: the note is about B, whether or not the output has
    // switched yet.
    let b = input(&mut s, Input::Profile(1), &at(71.0));
    assert!(b.contains(&Effect::Engine(Command::Select {
        slot: 1,
        fade_ms: 20.0
    })));
    let second = input(
        &mut s,
        Input::Note("cleaner, less boomy but thinner".into()),
        &at(71.2),
    );
    let n = notes(&second)[0];
    assert_eq!(
        (n.profile.as_str(), n.position.as_str(), n.cue.as_deref()),
        ("B", "01:11.200", Some("01:10.000 crescendo"))
    );
    // A scheduled switch heard at a cue counts too.
    event(
        &mut s,
        crate::engine::Event::Switched {
            slot: 0,
            track: Some(1),
            frame: 170 * 48_000,
        },
        &at(170.0),
    );
    let third = input(&mut s, Input::Note("beats snappy".into()), &at(171.0));
    assert_eq!(notes(&third)[0].profile, "A");
}

#[test]
fn switches_are_scheduled_at_every_cue_from_a_at_each_entry_start() {
    let mut setup = ab_setup();
    setup.switching = Switching::Cues;
    let mut s = Session::new(review(), setup);
    let effects = s.start();
    let switches: Vec<(usize, f64, usize)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Engine(Command::SwitchAt {
                track,
                seconds,
                slot,
                ..
            }) => Some((*track, *seconds, *slot)),
            _ => None,
        })
        .collect();
    assert_eq!(
        switches,
        [
            (1, 0.0, 0),
            (1, 70.0, 1),
            (1, 170.0, 0),
            (2, 0.0, 0),
            (2, 20.0, 1)
        ]
    );
    let cues = effects
        .iter()
        .filter(|e| matches!(e, Effect::Engine(Command::CueAt { .. })))
        .count();
    assert_eq!(cues, 3);
}

#[test]
fn a_blind_test_runs_its_trials_from_the_loop_start_and_logs_them() {
    let mut setup = ab_setup();
    setup.loop_region = Some((65.0, 85.0));
    setup.blind = Some(BlindSetup {
        trials: 3,
        seed: 7,
        scripted: vec![0, 1, 0],
    });
    let mut s = Session::new(review(), setup);
    let start = s.start();
    assert!(start.contains(&Effect::Engine(Command::SetLoop(true))));
    // No alternation in a blind test: X stays X for the whole trial.
    assert!(
        !start
            .iter()
            .any(|e| matches!(e, Effect::Engine(Command::AlternateOnLoop(_))))
    );
    event(
        &mut s,
        crate::engine::Event::TrackStarted {
            index: 1,
            frame: 65 * 48_000,
        },
        &at(65.0),
    );
    let mut all = Vec::new();
    let mut t = 65.0;
    while !s.is_done() && t < 200.0 {
        t += 0.2;
        all.extend(s.update(Update::Tick, &at(t)));
    }
    assert!(s.is_done(), "the scripted answers never ended the test");
    let gotos = all
        .iter()
        .filter(|e| matches!(e, Effect::Engine(Command::Goto { track: 1, seconds }) if *seconds == 65.0))
        .count();
    assert_eq!(
        gotos, 2,
        "each new trial goes back to the loop start: {all:?}"
    );
    let log = all.iter().find_map(|e| match e {
        Effect::SaveAbxLog(log) => Some(log),
        _ => None,
    });
    let log = log.expect("a log at the end");
    assert_eq!(log.trials.len(), 3);
    assert_eq!(log.trials[0].track, "A Reckoning in Blood");
    assert_eq!(all.last(), Some(&Effect::Stop));
    // Labels stay hidden: no switch line names a profile.
    let named = event(
        &mut s,
        crate::engine::Event::Switched {
            slot: 1,
            track: Some(1),
            frame: 0,
        },
        &at(t),
    );
    assert!(named.is_empty(), "{named:?}");
}

#[test]
fn the_status_line_fits_any_width_shortening_names_before_dropping_fields() {
    let mut setup = ab_setup();
    setup.profiles = vec![
        "Bass boost (+6 dB shelf at 105 Hz)".into(),
        "Treble tame (6 kHz notch, soft top)".into(),
    ];
    setup.loop_region = Some((65.0, 85.0));
    let mut s = Session::new(review(), setup);
    event(
        &mut s,
        crate::engine::Event::TrackStarted { index: 1, frame: 0 },
        &at(1.312),
    );
    let now = at(1.312);
    let wide = s.status_line(&now, Some(-45.2), 200);
    assert_eq!(
        wide,
        "2/3 A Reckoning in Blood · 00:01.312/10:42.000 · next cue 01:10.000 crescendo · -45.2 dBFS · A Bass boost (+6 dB shelf at 105 Hz) · loop"
    );
    for width in [120, 100, 80, 60, 40, 30, 20] {
        let line = s.status_line(&now, Some(-45.2), width);
        assert!(line.chars().count() <= width, "{width}: {line}");
        assert!(
            line.contains("00:01.312"),
            "{width}: the position is kept: {line}"
        );
    }
    // At 80 columns the names shorten before any field goes.
    let line80 = s.status_line(&now, Some(-45.2), 80);
    assert!(line80.contains("next cue 01:10.000"), "{line80}");
    assert!(line80.contains("dBFS"), "{line80}");
}

#[test]
fn underruns_make_one_line_a_second_and_are_all_counted() {
    let mut s = Session::new(review(), ab_setup());
    let mut shown = 0;
    for k in 0..50 {
        let now = at(f64::from(k) * 0.05);
        shown += event(&mut s, crate::engine::Event::Underrun, &now).len();
    }
    assert_eq!(shown, 3, "2.5 s of underruns make 3 lines");
    assert!(s.summary(None).contains("50 underrun(s)"));
}

#[test]
fn the_first_entry_shows_its_focus_and_level_match() {
    let mut setup = ab_setup();
    setup.levels[1] = Some(LevelMatch {
        gains_db: vec![-1.2, 0.0],
        loudness_lufs: vec![-14.0, -15.2],
    });
    let mut s = Session::new(review(), setup);
    let lines: Vec<String> = event(
        &mut s,
        crate::engine::Event::TrackStarted { index: 1, frame: 0 },
        &at(0.0),
    )
    .into_iter()
    .filter_map(|e| match e {
        Effect::Show(l) => Some(l),
        _ => None,
    })
    .collect();
    assert_eq!(
        lines[1],
        "play  [Bass and dynamics 2/3] Artist – A Reckoning in Blood from 00:00.000 / 10:42.000"
    );
    assert_eq!(lines[2], "      focus: listen to A Reckoning in Blood");
    assert_eq!(
        lines[3],
        "      level match: A -14.0 LUFS → -1.2 dB, B -15.2 LUFS → +0.0 dB"
    );
}

#[test]
fn a_session_that_takes_over_mid_playlist_stamps_notes_with_the_entry_playing() {
    // The studio swaps its session to start a blind test while entry 2 plays: notes after
    // the swap are about entry 2, not the session's start entry.
    let mut s = Session::new(review(), ab_setup());
    s.start();
    s.continue_at(2);
    let effects = input(&mut s, Input::Note("airy".into()), &at(12.0));
    let n = notes(&effects)[0];
    assert_eq!(n.track, "Shadow of Baar Dau");
    assert_eq!(n.position, "00:12.000");
}
