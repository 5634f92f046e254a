//! `iemlab ab`: compare EQ profiles on the test playlist. Every profile's chain runs all the
//! time, so a switch is a short equal-power crossfade between warm filters; profiles are
//! level-matched; switches can follow keys, the entry's cue points (sample-accurate) or a
//! timer; a loop region alternates A and B on each pass; `--blind` runs an ABX test; notes
//! are stamped with track, position, cue and profile and saved as they are written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use super::AbArgs;
use super::session::{self, Queue, Session};
use super::ui::{Input, Ui};
use crate::ab::abx::{AbxLog, Trial, TrialRng, p_value};
use crate::ab::matching::{LevelMatch, match_levels};
use crate::ab::notes::{Note, NotesFile, utc_now};
use crate::decode::decode_range;
use crate::engine::{Player, Status};
use crate::material::pink_noise_stereo;
use crate::preset::EqProfile;
use crate::timecode::{format_time, parse_time};

/// Longest stretch of a track analysed for level matching.
const MATCH_SECONDS: f64 = 60.0;

/// How profile switches are triggered.
#[derive(Clone, Copy, Debug, PartialEq)]
enum SwitchMode {
    Keys,
    Cues,
    Every(f64),
}

/// A running blind ABX test.
struct Abx {
    rng: TrialRng,
    seed: u64,
    wanted: u32,
    /// The slot X plays in the current trial.
    truth: usize,
    trials: Vec<Trial>,
    started: Instant,
    /// Output frame count when the current trial began (for scripted answers).
    trial_frames: u64,
    scripted: Vec<usize>,
    log_path: PathBuf,
    force: bool,
}

/// The A/B state the session UI consults.
pub(super) struct AbState {
    labels: Vec<String>,
    names: Vec<String>,
    /// Number of profiles loaded.
    profiles: usize,
    /// Level match per track, for display (the engine applies the gains itself).
    levels: Vec<Option<LevelMatch>>,
    active: usize,
    blind: bool,
    fade_ms: f64,
    notes_path: PathBuf,
    notes: Option<NotesFile>,
    abx: Option<Abx>,
    loop_region: Option<(f64, f64)>,
    done: bool,
}

pub(super) fn run(args: AbArgs) -> anyhow::Result<ExitCode> {
    let mode = parse_switch(&args.switch)?;
    let loop_region = args.loop_region.as_deref().map(parse_region).transpose()?;
    let mut queue = Queue::from_inputs(&args.inputs, &args.session.library)?;
    if let Some(region) = loop_region {
        queue.set_loop(region);
    }
    let specs: Vec<&str> = [Some(args.a.as_str()), Some(args.b.as_str())]
        .into_iter()
        .chain([args.c.as_deref(), args.d.as_deref()])
        .flatten()
        .collect();
    let mut profiles = Vec::new();
    for spec in &specs {
        profiles.push(session::read_profile(Some(spec))?);
    }
    if args.blind && profiles.len() != 2 {
        return Err(super::usage(
            "--blind compares exactly two profiles, --a and --b".into(),
        ));
    }
    let refs: Vec<Option<&EqProfile>> = profiles.iter().map(Option::as_ref).collect();
    let levels = compute_levels(&queue, &refs, &args.matching, loop_region)?;
    for (i, m) in levels.iter().enumerate() {
        if let Some(m) = m {
            queue.set_levels(i, &m.gains_db);
        }
    }
    let Some(mut session) = Session::open(queue, &args.session, loop_region.is_some())? else {
        return Ok(ExitCode::from(2));
    };
    // The chains are built at the output's rate: a band it cannot run is refused here, with
    // its file, line and value.
    for p in profiles.iter().flatten() {
        p.check_rate(session.rate)?;
    }
    let labels: Vec<String> = (0..profiles.len())
        .map(|i| char::from(b'A' + i as u8).to_string())
        .collect();
    let names: Vec<String> = profiles
        .iter()
        .map(|p| p.as_ref().map_or("flat".into(), |p| p.name.clone()))
        .collect();
    for (slot, p) in refs.iter().enumerate() {
        session
            .player
            .load(slot, *p, 0.0)
            .map_err(anyhow::Error::msg)?;
    }
    if loop_region.is_some() {
        session.ui.looping = true;
        session.player.set_loop(true);
        if !args.blind {
            session.player.alternate_on_loop(Some([0, 1]));
        }
    }
    if !args.blind {
        schedule_switches(&mut session, mode, args.crossfade_ms);
    }
    let abx = args.blind.then(|| {
        let seed = args
            .seed
            .unwrap_or_else(|| TrialRng::from_clock().next_u64());
        let mut rng = TrialRng::new(seed);
        let truth = rng.pick();
        Abx {
            rng,
            seed,
            wanted: args.trials,
            truth,
            trials: Vec::new(),
            started: Instant::now(),
            trial_frames: 0,
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
            log_path: args
                .abx_log
                .clone()
                .unwrap_or_else(|| PathBuf::from(format!("iemlab-abx-{}.json", file_stamp()))),
            force: args.session.force,
        }
    });
    let mut state = AbState {
        labels,
        names,
        profiles: profiles.len(),
        levels,
        active: 0,
        blind: args.blind,
        fade_ms: args.crossfade_ms,
        notes_path: args.notes.clone(),
        notes: None,
        abx,
        loop_region,
        done: false,
    };
    if let Some(abx) = &state.abx {
        session.player.select(abx.truth, state.fade_ms);
        state.active = abx.truth;
    }
    session.set_headline(format!(
        "volume {:+.1} dB; crossfade {} ms; switching: {}",
        args.session.volume,
        args.crossfade_ms,
        match mode {
            SwitchMode::Keys => "keys".to_string(),
            SwitchMode::Cues => "at each cue".to_string(),
            SwitchMode::Every(s) => format!("every {s} s"),
        }
    ));
    if !state.blind {
        for (i, name) in state.names.iter().enumerate() {
            session.add_intro(format!("{}: {name}", state.labels[i]));
        }
    } else {
        session.add_intro(format!(
            "blind ABX: {} trials; X is A or B at random each trial; answer a or b",
            args.trials
        ));
    }
    session.ui.ab = Some(state);
    session.run()?;
    Ok(ExitCode::SUCCESS)
}

fn parse_switch(words: &[String]) -> anyhow::Result<SwitchMode> {
    match words {
        [m] if m == "keys" => Ok(SwitchMode::Keys),
        [m] if m == "cues" => Ok(SwitchMode::Cues),
        [m, secs] if m == "every" => match secs.parse::<f64>() {
            Ok(s) if s >= 0.5 && s.is_finite() => Ok(SwitchMode::Every(s)),
            _ => Err(super::usage(format!(
                "--switch every {secs}: give seconds, at least 0.5"
            ))),
        },
        _ => Err(super::usage(format!(
            "--switch {}: use keys, cues, or every SECS",
            words.join(" ")
        ))),
    }
}

/// `01:05-01:25` as seconds.
pub(super) fn parse_region(text: &str) -> anyhow::Result<(f64, f64)> {
    let bad = || super::usage(format!("--loop {text}: use FROM-TO, e.g. 01:05-01:25"));
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let from = parse_time(a).map_err(|e| super::usage(format!("--loop: {e}")))?;
    let to = parse_time(b).map_err(|e| super::usage(format!("--loop: {e}")))?;
    if to <= from {
        return Err(bad());
    }
    Ok((from, to))
}

/// Level matches per track: analysed on the loop region, around the first cue, or from the
/// start (at most a minute), or on pink noise; None where a track cannot be analysed.
fn compute_levels(
    queue: &Queue,
    profiles: &[Option<&EqProfile>],
    how: &str,
    region: Option<(f64, f64)>,
) -> anyhow::Result<Vec<Option<LevelMatch>>> {
    match how {
        "off" => Ok(vec![Some(LevelMatch::off(profiles.len())); queue.len()]),
        "pink" => {
            // Pink noise at the first track's rate (what the output most likely runs at), or
            // the lowest common rate above it at which every profile runs.
            let first = queue.first_rate(0).unwrap_or(48_000);
            let runs_at = |r: u32| profiles.iter().flatten().try_for_each(|p| p.check_rate(r));
            let common = [first, 48_000, 96_000, 192_000]
                .into_iter()
                .filter(|&r| r >= first)
                .find(|&r| runs_at(r).is_ok());
            let rate = match common {
                Some(rate) => rate,
                None => runs_at(first).map(|()| first)?,
            };
            let m = match_levels(profiles, &pink_noise_stereo(rate, 10.0), rate)
                .map_err(anyhow::Error::msg)?;
            Ok(vec![Some(m); queue.len()])
        }
        "loudness" => Ok((0..queue.len())
            .map(|i| {
                let path = queue.path(i)?;
                // The passage being compared: the loop region, else around the first cue,
                // else the start.
                let (from, to) = region
                    .or_else(|| {
                        let cue = queue.cues(i).first()?.at;
                        Some(((cue - 10.0).max(0.0), cue + MATCH_SECONDS - 10.0))
                    })
                    .unwrap_or((0.0, MATCH_SECONDS));
                analyse(path, from, Some(to), profiles)
            })
            .collect()),
        other => Err(super::usage(format!(
            "--match {other}: use loudness, pink or off"
        ))),
    }
}

fn analyse(
    path: &Path,
    from: f64,
    to: Option<f64>,
    profiles: &[Option<&EqProfile>],
) -> Option<LevelMatch> {
    let (info, samples) = decode_range(path, from, to).ok()?;
    match_levels(profiles, &samples, info.sample_rate).ok()
}

/// Registers every track's switches before playback starts, so they land sample-accurately
/// even when the output runs faster than the screen: each track starts on A, then A and B
/// alternate at each cue (or every SECS).
fn schedule_switches(session: &mut Session, mode: SwitchMode, fade_ms: f64) {
    for index in 0..session.ui.queue.len() {
        let times: Vec<f64> = match mode {
            SwitchMode::Keys => continue,
            SwitchMode::Cues => session.ui.queue.cues(index).iter().map(|c| c.at).collect(),
            SwitchMode::Every(secs) => {
                let length = session.ui.queue.duration(index).unwrap_or(600.0);
                (1..)
                    .map(|k| f64::from(k) * secs)
                    .take_while(|t| *t < length)
                    .take(100)
                    .collect()
            }
        };
        if times.is_empty() {
            continue;
        }
        if index > 0 {
            session.player.switch_at(index, 0.0, 0, fade_ms);
        }
        for (k, t) in times.iter().enumerate() {
            session.player.switch_at(index, *t, (k + 1) % 2, fade_ms);
        }
    }
}

/// `20261125-112003` for default file names.
fn file_stamp() -> String {
    utc_now()
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == 'T')
        .map(|c| if c == 'T' { '-' } else { c })
        .collect()
}

impl AbState {
    pub(super) fn key_help(&self) -> String {
        if self.blind {
            "keys: a/b answer (X is A / X is B) · m note · ←/→ seek · 1–9 cue · s pause · q quit"
                .into()
        } else {
            "keys: a/b/c/d select · space toggle A/B · 1–9 replay cue with the other profile · l loop · m note · ←/→ seek · s pause · q quit".into()
        }
    }

    pub(super) fn finished(&self) -> bool {
        self.done
    }

    /// The profile shown on the status line ("X" when blind).
    pub(super) fn status_label(&self) -> String {
        match &self.abx {
            Some(abx) => format!("X · trial {}/{}", abx.trials.len() + 1, abx.wanted),
            None => format!("{} {}", self.labels[self.active], self.names[self.active]),
        }
    }

    /// A switch happened: a line for the log (none when blind).
    pub(super) fn on_switched(&mut self, slot: usize, at: f64) -> Option<String> {
        self.active = slot;
        if self.blind {
            return None;
        }
        Some(format!(
            "switch → {} ({}) at {}",
            self.labels.get(slot)?,
            self.names.get(slot)?,
            format_time(at)
        ))
    }

    /// A new track started: show its level match.
    pub(super) fn on_track(&mut self, ui: &Ui, _player: &mut Player, index: usize) {
        let Some(Some(m)) = self.levels.get(index) else {
            return;
        };
        if !self.blind && m.loudness_lufs.iter().all(|l| l.is_finite()) {
            let parts: Vec<String> = m
                .loudness_lufs
                .iter()
                .zip(&m.gains_db)
                .enumerate()
                .map(|(i, (l, g))| format!("{} {l:.1} LUFS → {g:+.1} dB", self.labels[i]))
                .collect();
            ui.line(&format!("      level match: {}", parts.join(", ")));
        }
    }

    /// Jump-to-cue: replay from just before the cue, switching at the cue to the profile
    /// not heard now.
    pub(super) fn replay_cue(&mut self, ui: &Ui, player: &mut Player, track: usize, at: f64) {
        let pre_roll = (at - 3.0).max(0.0);
        player.goto(track, pre_roll);
        if !self.blind {
            let other = if self.active == 0 { 1 } else { 0 };
            player.switch_at(track, at, other, self.fade_ms);
            ui.line(&format!(
                "replay cue {} from {}: {} then {} at the cue",
                format_time(at),
                format_time(pre_roll),
                self.labels[self.active],
                self.labels[other]
            ));
        }
    }

    pub(super) fn on_input(
        &mut self,
        ui: &mut Ui,
        player: &mut Player,
        status: &Status,
        input: Input,
    ) {
        match input {
            Input::Profile(n) if self.abx.is_some() => self.answer(ui, player, status, n),
            Input::Profile(n) => {
                if n < self.profiles {
                    player.select(n, self.fade_ms);
                } else {
                    ui.line(&format!("no profile {}", char::from(b'A' + n as u8)));
                }
            }
            Input::Toggle if !self.blind => {
                player.select(if self.active == 0 { 1 } else { 0 }, self.fade_ms);
            }
            Input::Note(text) => {
                let text = text.or_else(|| ui.prompt_note());
                if let Some(text) = text {
                    self.save_note(ui, status, text);
                }
            }
            _ => {}
        }
    }

    fn save_note(&mut self, ui: &Ui, status: &Status, text: String) {
        let track = ui.track.unwrap_or(0);
        let entry = ui.queue.entry(track);
        let note = Note {
            time: utc_now(),
            section: ui.queue.section(track).to_string(),
            artist: entry.map_or(String::new(), |e| e.artist.clone()),
            track: entry.map_or(String::new(), |e| e.title.clone()),
            link: entry.and_then(|e| e.link.clone()),
            position: format_time(ui.position(status)),
            cue: ui.last_cue_label(),
            profile: if self.blind {
                "X".into()
            } else {
                self.labels[self.active].clone()
            },
            text,
        };
        if self.notes.is_none() {
            match NotesFile::open(&self.notes_path) {
                Ok(f) => self.notes = Some(f),
                Err(e) => {
                    ui.line(&format!("note not saved: {e}"));
                    return;
                }
            }
        }
        if let Some(file) = self.notes.as_mut() {
            match file.append(&note) {
                Ok(()) => ui.line(&format!(
                    "noted {} {} [{}]: {}",
                    note.track, note.position, note.profile, note.text
                )),
                Err(e) => ui.line(&format!("note not saved: {e}")),
            }
        }
    }

    /// Called every loop turn: scripted ABX answers.
    pub(super) fn tick(&mut self, ui: &mut Ui, player: &mut Player, status: &Status) {
        let rate = u64::from(ui.rate);
        let next = self.abx.as_ref().and_then(|abx| {
            let heard = status
                .frames_out
                .load(std::sync::atomic::Ordering::Relaxed)
                .saturating_sub(abx.trial_frames);
            // Each scripted answer after a third of a second of X.
            (heard > rate / 3)
                .then(|| abx.scripted.get(abx.trials.len()).copied())
                .flatten()
        });
        if let Some(answer) = next {
            self.answer(ui, player, status, answer);
        }
    }

    fn answer(&mut self, ui: &mut Ui, player: &mut Player, status: &Status, answer: usize) {
        let position = format_time(ui.position(status));
        let cue = ui.last_cue_label();
        let track = ui
            .track
            .and_then(|t| ui.queue.entry(t))
            .map_or(String::new(), |e| e.title.clone());
        let Some(abx) = self.abx.as_mut() else { return };
        if answer > 1 {
            ui.line("answer a (X is A) or b (X is B)");
            return;
        }
        let number = abx.trials.len() as u32 + 1;
        abx.trials.push(Trial {
            number,
            answered_after_s: abx.started.elapsed().as_secs_f64(),
            track,
            position,
            cue,
            truth: ["A", "B"][abx.truth].into(),
            answer: ["A", "B"][answer].into(),
            correct: answer == abx.truth,
        });
        ui.line(&format!(
            "trial {number}/{}: answered {}",
            abx.wanted,
            ["A", "B"][answer]
        ));
        if number >= abx.wanted {
            let correct = abx.trials.iter().filter(|t| t.correct).count() as u32;
            let log = AbxLog {
                a: self.names[0].clone(),
                b: self.names[1].clone(),
                seed: abx.seed,
                correct,
                p_value: p_value(correct, number),
                trials: abx.trials.clone(),
            };
            ui.line(&format!("ABX result: {}", log.summary()));
            match crate::atomic_file::save(&abx.log_path, log.json().as_bytes(), abx.force) {
                Ok(()) => ui.line(&format!("trial log written to {}", abx.log_path.display())),
                Err(e) => ui.line(&format!("trial log not written: {e:#}")),
            }
            self.done = true;
            return;
        }
        // Next trial: a fresh X, and back to the passage being compared.
        abx.truth = abx.rng.pick();
        abx.trial_frames = status.frames_out.load(std::sync::atomic::Ordering::Relaxed);
        let truth = abx.truth;
        player.select(truth, self.fade_ms);
        if let (Some((from, _)), Some(t)) = (self.loop_region, ui.track) {
            player.goto(t, from);
        }
    }
}
