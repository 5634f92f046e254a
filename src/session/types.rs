//! What goes into a listening session and what comes out of it.

use std::path::PathBuf;
use std::time::Duration;

use crate::ab::abx::AbxLog;
use crate::ab::notes::Note;
use crate::engine::{PlayerEvent, Transport};

/// What the listener asked for: a key, a click or a stdin line, already understood.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Stop listening.
    Quit,
    /// Pause, or resume when paused.
    Pause,
    /// The next playable entry.
    Next,
    /// Back to the start of the entry, or the previous one near its start.
    Previous,
    /// Seek by this many seconds.
    Seek(f64),
    /// Jump to cue N (0-based) of the current entry.
    Cue(usize),
    /// Loop the entry's loop region, or stop looping.
    Loop,
    /// Change the volume by this many dB.
    Volume(f64),
    /// Select profile N (0 = A); in a blind test, answer "X is N".
    Profile(usize),
    /// Toggle between A and B.
    Toggle,
    /// A note about what is heard now.
    Note(String),
}

/// Something that reaches the session: the listener, the engine, or the passing of time.
#[derive(Clone, Debug)]
pub enum Update {
    /// The listener.
    Input(Input),
    /// The engine (the audio callback or the feeder).
    Engine(PlayerEvent),
    /// Nothing happened; time passed (scripted answers are given on ticks).
    Tick,
}

/// Where playback stands when an update arrives: what the output has played.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Now {
    /// Time since the session started.
    pub elapsed: Duration,
    /// Position in the playing entry, seconds.
    pub position: f64,
    /// Frames the output has played since the session started.
    pub frames_out: u64,
    /// The transport.
    pub transport: Transport,
}

impl Now {
    /// The start of a session: nothing played.
    pub fn zero() -> Now {
        Now {
            elapsed: Duration::ZERO,
            position: 0.0,
            frames_out: 0,
            transport: Transport::Playing,
        }
    }
}

/// Something the engine should do, in the session's terms (times in seconds).
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Switch to profile `slot` with a crossfade of `fade_ms`.
    Select {
        /// Profile slot.
        slot: usize,
        /// Crossfade, ms.
        fade_ms: f64,
    },
    /// Play entry `track` from `seconds`.
    Goto {
        /// Entry index.
        track: usize,
        /// Position.
        seconds: f64,
    },
    /// Switch to `slot` when entry `track` reaches `seconds`.
    SwitchAt {
        /// Entry index.
        track: usize,
        /// Position.
        seconds: f64,
        /// Profile slot.
        slot: usize,
        /// Crossfade, ms.
        fade_ms: f64,
    },
    /// Report cue `id` whenever entry `track` reaches `seconds`.
    CueAt {
        /// Entry index.
        track: usize,
        /// Position.
        seconds: f64,
        /// Cue number in the entry.
        id: usize,
    },
    /// Loop the playing entry's loop region (or stop).
    SetLoop(bool),
    /// At each loop seam, alternate between these two profiles.
    AlternateOnLoop(Option<[usize; 2]>),
    /// Pause with a short fade.
    Pause,
    /// Resume.
    Resume,
    /// Glide the volume to this many dB.
    Volume(f64),
}

/// What a session update asks of the face that runs it.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Tell the engine.
    Engine(Command),
    /// Show a line to the listener.
    Show(String),
    /// Append this note to the notes file (and say whether it was saved).
    SaveNote(Note),
    /// Write the blind test's log (the session has ended).
    SaveAbxLog(AbxLog),
    /// Stop playback (fade out, let the output play what it holds) and end.
    Stop,
}

/// How profile switches are scheduled in an A/B session.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Switching {
    /// By the listener only.
    Keys,
    /// At every cue of each entry, alternating, from A at the entry's start.
    Cues,
    /// Every this many seconds, alternating.
    Every(f64),
}

/// A blind ABX test's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct BlindSetup {
    /// Trials to run.
    pub trials: u32,
    /// Seed of the trials' random order.
    pub seed: u64,
    /// Answers given automatically, one after each third of a second of a trial (for tests
    /// and demonstrations): 0 = A, 1 = B.
    pub scripted: Vec<usize>,
}

/// Everything a session needs to know at its start.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    /// Output rate, Hz.
    pub rate: u32,
    /// Entry to start at.
    pub start: usize,
    /// Profile names in slot order; one for `play`, two to four for `ab`.
    pub profiles: Vec<String>,
    /// Each entry's level match per slot (dB) and the loudness it was measured at (LUFS),
    /// when matched.
    pub levels: Vec<Option<crate::ab::matching::LevelMatch>>,
    /// Each entry's length, when known.
    pub durations: Vec<Option<f64>>,
    /// Crossfade for switches, ms.
    pub fade_ms: f64,
    /// Scheduled switching (A/B sessions).
    pub switching: Switching,
    /// A loop region given for the whole session (`--loop`): the session loops from its start.
    pub loop_region: Option<(f64, f64)>,
    /// A blind test instead of open A/B.
    pub blind: Option<BlindSetup>,
    /// Starting volume, dB.
    pub volume: f64,
    /// Where the blind test's log goes (named in what the session shows).
    pub abx_log: Option<PathBuf>,
}

impl Setup {
    /// A plain `play` session: one profile, no A/B.
    pub fn play(rate: u32, profile: &str, entries: usize) -> Setup {
        Setup {
            rate,
            start: 0,
            profiles: vec![profile.to_string()],
            levels: vec![None; entries],
            durations: vec![None; entries],
            fade_ms: 20.0,
            switching: Switching::Keys,
            loop_region: None,
            blind: None,
            volume: -20.0,
            abx_log: None,
        }
    }
}
