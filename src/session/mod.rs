//! Layer 3: a listening session as a state machine. The listener's inputs and the engine's
//! events go in, in the order they arrive ([`Session::update`]); engine commands, lines to
//! show, notes and logs to save come out as [`Effect`]s. Level matching, cue scheduling,
//! loops, blind trials and notes live here, so that the terminal UI and the studio page only
//! translate keys or clicks into [`Input`]s and draw what comes out, and the order of inputs
//! is unit-tested without a terminal or a device.
//!
//! The profile being heard is the listener's last choice (or the last scheduled switch), as
//! of the moment each input arrives: a note taken right after pressing `b` is about B, even
//! if the output has not yet played a buffer of it.

pub mod blind;
mod events;
mod status;
mod types;

#[cfg(test)]
mod tests;

use std::time::Duration;

use crate::ab::notes::{Note, utc_now};
use crate::engine::Transport;
use crate::playlist::Resolved;
use crate::timecode::format_time;

pub use types::{BlindSetup, Command, Effect, Input, Now, Setup, Switching, Update};

/// A listening session: `play` (one profile) or `ab` (two to four, open or blind).
pub struct Session {
    playlist: Resolved,
    setup: Setup,
    labels: Vec<String>,
    /// The profile being heard (slot).
    heard: usize,
    /// The entry playing, once one has started.
    track: Option<usize>,
    /// The last cue reached in the playing entry.
    last_cue: Option<usize>,
    looping: bool,
    volume: f64,
    played: usize,
    skipped: usize,
    underruns: u64,
    /// When an underrun was last shown (at most one line a second).
    last_underrun_line: Option<Duration>,
    first_audio: Option<Duration>,
    skip_reasons: Vec<Option<String>>,
    blind: Option<blind::Blind>,
    done: bool,
}

impl Session {
    /// A session over `playlist` as `setup` describes it.
    pub fn new(playlist: Resolved, setup: Setup) -> Session {
        let n = playlist.len();
        let labels = (0..setup.profiles.len())
            .map(|i| char::from(b'A' + i as u8).to_string())
            .collect();
        let blind = setup.blind.clone().map(blind::Blind::new);
        let mut durations = setup.durations.clone();
        durations.resize(n, None);
        let mut setup = setup;
        setup.durations = durations;
        setup.levels.resize(n, None);
        Session {
            heard: blind.as_ref().map_or(0, blind::Blind::truth),
            looping: setup.loop_region.is_some(),
            volume: setup.volume,
            playlist,
            setup,
            labels,
            track: None,
            last_cue: None,
            played: 0,
            skipped: 0,
            underruns: 0,
            last_underrun_line: None,
            first_audio: None,
            skip_reasons: vec![None; n],
            blind,
            done: false,
        }
    }

    /// What the engine must know before the first frame: every entry's cue points, the
    /// scheduled switches, the loop, and a blind test's first X.
    pub fn start(&mut self) -> Vec<Effect> {
        let mut out = Vec::new();
        for track in 0..self.playlist.len() {
            for (id, cue) in self.playlist.cues(track).iter().enumerate() {
                out.push(Effect::Engine(Command::CueAt {
                    track,
                    seconds: cue.at,
                    id,
                }));
            }
        }
        if self.looping {
            out.push(Effect::Engine(Command::SetLoop(true)));
            if self.is_ab() && self.blind.is_none() {
                out.push(Effect::Engine(Command::AlternateOnLoop(Some([0, 1]))));
            }
        }
        if self.blind.is_none() && self.is_ab() {
            self.schedule_switches(&mut out);
        }
        if self.blind.is_some() {
            out.push(Effect::Engine(Command::Select {
                slot: self.heard,
                fade_ms: 0.0,
            }));
        }
        out
    }

    /// Each entry starts on A, then A and B alternate at each cue (or every SECS).
    fn schedule_switches(&self, out: &mut Vec<Effect>) {
        let fade_ms = self.setup.fade_ms;
        for track in 0..self.playlist.len() {
            let times: Vec<f64> = match self.setup.switching {
                Switching::Keys => continue,
                Switching::Cues => self.playlist.cues(track).iter().map(|c| c.at).collect(),
                Switching::Every(secs) => {
                    let length = self.duration(track).unwrap_or(600.0);
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
            if track > 0 {
                out.push(Effect::Engine(Command::SwitchAt {
                    track,
                    seconds: 0.0,
                    slot: 0,
                    fade_ms,
                }));
            }
            for (k, seconds) in times.iter().enumerate() {
                out.push(Effect::Engine(Command::SwitchAt {
                    track,
                    seconds: *seconds,
                    slot: (k + 1) % 2,
                    fade_ms,
                }));
            }
        }
    }

    /// Takes one update, in arrival order, and says what follows from it.
    pub fn update(&mut self, update: Update, now: &Now) -> Vec<Effect> {
        let mut out = Vec::new();
        match update {
            Update::Input(input) => self.on_input(input, now, &mut out),
            Update::Engine(event) => self.on_event(event, now, &mut out),
            Update::Tick => {
                if let Some(answer) = self
                    .blind
                    .as_ref()
                    .and_then(|b| b.scripted_due(now, self.setup.rate))
                {
                    self.answer(answer, now, &mut out);
                }
            }
        }
        out
    }

    /// Whether the session has nothing more to do (a blind test that has run its trials).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The entries.
    pub fn playlist(&self) -> &Resolved {
        &self.playlist
    }

    /// Whether this compares profiles.
    pub fn is_ab(&self) -> bool {
        self.setup.profiles.len() > 1
    }

    /// Whether the profiles are hidden.
    pub fn is_blind(&self) -> bool {
        self.blind.is_some()
    }

    /// The entry playing, once one has started.
    pub fn track(&self) -> Option<usize> {
        self.track
    }

    /// A blind test's trials answered, trials wanted and answers correct.
    pub fn blind_progress(&self) -> Option<(usize, u32, u32)> {
        self.blind.as_ref().map(blind::Blind::progress)
    }

    /// Takes over from a session that ran on the same engine up to now, with entry `track`
    /// playing: notes and cues are about it until the next entry starts (a face that swaps
    /// its session mid-playlist, as the studio does to start or end a blind test).
    pub fn continue_at(&mut self, track: usize) {
        self.track = Some(track);
        self.played = self.played.max(1);
        self.first_audio.get_or_insert(Duration::ZERO);
    }

    /// The output volume, dB.
    pub fn volume(&self) -> f64 {
        self.volume
    }

    /// Whether the entry's loop region is looping.
    pub fn is_looping(&self) -> bool {
        self.looping
    }

    /// The profile being heard.
    pub fn heard(&self) -> usize {
        self.heard
    }

    fn duration(&self, track: usize) -> Option<f64> {
        self.setup.durations.get(track).copied().flatten()
    }

    /// The entry an input is about: the one playing, or before the first has started, the
    /// one that will (never a missing entry before it).
    fn current(&self) -> usize {
        self.track
            .or_else(|| self.playlist.first_playable(self.setup.start))
            .unwrap_or(self.setup.start)
    }

    fn on_input(&mut self, input: Input, now: &Now, out: &mut Vec<Effect>) {
        let track = self.current();
        let pos = if self.track.is_some() {
            now.position
        } else {
            0.0
        };
        let engine = |c| Effect::Engine(c);
        match input {
            Input::Quit => out.push(Effect::Stop),
            Input::Pause => out.push(engine(match now.transport {
                Transport::Paused | Transport::Pausing => Command::Resume,
                _ => Command::Pause,
            })),
            Input::Next => {
                if let Some(next) = self.playlist.next_playable(track) {
                    out.push(self.goto(next, 0.0));
                }
            }
            Input::Previous => {
                // As players do: back to the start, or to the previous entry near the start.
                if pos > 3.0 {
                    out.push(self.goto(track, 0.0));
                } else if let Some(prev) = self.playlist.previous_playable(track) {
                    out.push(self.goto(prev, 0.0));
                }
            }
            Input::Seek(delta) => out.push(self.goto(track, (pos + delta).max(0.0))),
            Input::Cue(n) => match self.playlist.cues(track).get(n).map(|c| c.at) {
                Some(at) if self.is_ab() => self.replay_cue(track, at, out),
                Some(at) => out.push(self.goto(track, at)),
                None => out.push(Effect::Show(format!("no cue {} in this track", n + 1))),
            },
            Input::Loop => {
                if self.playlist.loop_region(track).is_some() {
                    self.looping = !self.looping;
                    out.push(engine(Command::SetLoop(self.looping)));
                    out.push(Effect::Show(
                        if self.looping { "loop on" } else { "loop off" }.into(),
                    ));
                } else {
                    out.push(Effect::Show("this track has no loop region".into()));
                }
            }
            Input::Volume(step) => {
                self.volume = (self.volume + step).clamp(-60.0, 0.0);
                out.push(engine(Command::Volume(self.volume)));
            }
            Input::Profile(n) if self.blind.is_some() => self.answer(n, now, out),
            Input::Profile(_) if !self.is_ab() => out.push(Effect::Show(
                "one profile plays here; compare them with `iemlab ab`".into(),
            )),
            Input::Profile(n) if n < self.labels.len() => self.select(n, out),
            Input::Profile(n) => out.push(Effect::Show(format!(
                "no profile {}",
                char::from(b'A' + n.min(25) as u8)
            ))),
            Input::Toggle if self.is_ab() && self.blind.is_none() => {
                self.select(if self.heard == 0 { 1 } else { 0 }, out)
            }
            Input::Toggle => out.push(engine(match now.transport {
                Transport::Paused | Transport::Pausing => Command::Resume,
                _ => Command::Pause,
            })),
            Input::Note(text) => self.note(text, now, out),
        }
    }

    fn goto(&mut self, track: usize, seconds: f64) -> Effect {
        Effect::Engine(Command::Goto { track, seconds })
    }

    fn select(&mut self, slot: usize, out: &mut Vec<Effect>) {
        self.heard = slot;
        out.push(Effect::Engine(Command::Select {
            slot,
            fade_ms: self.setup.fade_ms,
        }));
    }

    /// Jump-to-cue in A/B: replay from 3 s before the cue, switching at the cue to the
    /// profile not heard now.
    fn replay_cue(&mut self, track: usize, at: f64, out: &mut Vec<Effect>) {
        let pre_roll = (at - 3.0).max(0.0);
        out.push(self.goto(track, pre_roll));
        if self.blind.is_some() {
            return;
        }
        let other = if self.heard == 0 { 1 } else { 0 };
        out.push(Effect::Engine(Command::SwitchAt {
            track,
            seconds: at,
            slot: other,
            fade_ms: self.setup.fade_ms,
        }));
        out.push(Effect::Show(format!(
            "replay cue {} from {}: {} then {} at the cue",
            format_time(at),
            format_time(pre_roll),
            self.labels[self.heard],
            self.labels[other]
        )));
    }

    /// A note stamped with what is heard as it arrives.
    fn note(&mut self, text: String, now: &Now, out: &mut Vec<Effect>) {
        let text = text.trim().to_string();
        if text.is_empty() {
            return;
        }
        let track = self.current();
        let entry = self.playlist.entry(track);
        let position = if self.track.is_some() {
            now.position
        } else {
            0.0
        };
        out.push(Effect::SaveNote(Note {
            time: utc_now(),
            section: self.playlist.section(track).to_string(),
            artist: entry.map_or(String::new(), |e| e.artist.clone()),
            track: entry.map_or(String::new(), |e| e.title.clone()),
            link: entry.and_then(|e| e.link.clone()),
            position: format_time(position),
            cue: self.last_cue_label(),
            profile: self.heard_label(),
            text,
        }));
    }

    /// The profile for notes and lines: "A", "B", … in A/B ("X" when blind), the profile's
    /// name when one plays alone.
    fn heard_label(&self) -> String {
        if self.blind.is_some() {
            "X".into()
        } else if !self.is_ab() {
            self.setup.profiles.first().cloned().unwrap_or_default()
        } else {
            self.labels.get(self.heard).cloned().unwrap_or_default()
        }
    }

    /// "01:10 crescendo": the last cue passed in the playing entry.
    fn last_cue_label(&self) -> Option<String> {
        let cue = self.playlist.cues(self.track?).get(self.last_cue?)?;
        Some(format!("{} {}", format_time(cue.at), cue.label))
    }

    fn answer(&mut self, answer: usize, now: &Now, out: &mut Vec<Effect>) {
        let track = self.current();
        let title = self
            .playlist
            .entry(track)
            .map_or(String::new(), |e| e.title.clone());
        let cue = self.last_cue_label();
        let Some(blind) = self.blind.as_mut() else {
            return;
        };
        let names = [
            self.setup.profiles.first().cloned().unwrap_or_default(),
            self.setup.profiles.get(1).cloned().unwrap_or_default(),
        ];
        let outcome = blind.answer(answer, now, title, cue, &names, out);
        match outcome {
            blind::Outcome::Next(truth) => {
                self.heard = truth;
                out.push(Effect::Engine(Command::Select {
                    slot: truth,
                    fade_ms: self.setup.fade_ms,
                }));
                // Every trial from the start of the passage being compared.
                if let (Some((from, _)), Some(t)) = (self.setup.loop_region, self.track) {
                    out.push(self.goto(t, from));
                }
            }
            blind::Outcome::Finished => self.done = true,
            blind::Outcome::Refused => {}
        }
    }
}
