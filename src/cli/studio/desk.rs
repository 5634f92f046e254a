//! The studio's listening desk: the engine, the output and the listening session, owned by
//! one thread. The page's requests reach it as jobs (closures run on this thread between
//! engine polls), so the engine is driven exactly as `play`/`ab` drive it from the terminal,
//! and what it does is published as a status the page's event channel streams.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::super::ui::{Notes, run_command};
use super::data::ApiError;
use crate::ab::abx::TrialRng;
use crate::ab::matching::match_levels;
use crate::engine::{Callback, Pace, Player, Prepared, Running, Transport, Watch};
use crate::playlist::Resolved;
use crate::preset::EqProfile;
use crate::session::{BlindSetup, Effect, Input, Now, Session, Setup, Switching, Update};

/// Profile slots on the page: A–D, as the engine holds them.
pub(super) const SLOTS: usize = crate::engine::MAX_PROFILES;

/// Slot letters.
pub(super) fn letter(slot: usize) -> char {
    char::from(b'A' + slot as u8)
}

/// Work for the desk thread: runs there with the desk, between engine polls.
pub(super) type Job = Box<dyn FnOnce(&mut Desk) + Send>;

/// How often the status is published (the page's position, meter and lines).
const STATUS_EVERY: Duration = Duration::from_millis(50);
/// An edit is saved at most this long after it was made (edits while dragging come faster).
const AUTOSAVE_AFTER: Duration = Duration::from_millis(250);
/// Levels are matched again once edits have paused this long.
const MATCH_AFTER: Duration = Duration::from_millis(150);
/// Pink noise the slots' levels are matched on, seconds.
const MATCH_SECONDS: f64 = 4.0;
/// Lines kept for the page's log.
const LINES_KEPT: usize = 200;

/// What the page's event channel streams.
#[derive(Clone, Debug, Default, Serialize)]
pub(super) struct StatusJson {
    pub track: Option<usize>,
    pub position: f64,
    pub duration: Option<f64>,
    pub transport: &'static str,
    /// The slot heard (None in an ABX test, where it would give X away).
    pub heard: Option<usize>,
    pub levels_db: [f64; SLOTS],
    pub peak_db: Option<f64>,
    pub underruns: u64,
    #[serde(rename = "loop")]
    pub looping: bool,
    pub blind: Option<BlindJson>,
    /// The output the desk plays to.
    pub output: String,
    /// Output volume, dB.
    pub volume_db: f64,
    /// Crossfade of a profile switch, ms.
    pub crossfade_ms: f64,
    /// Lines the session said, numbered from 1 (the page shows those it has not seen).
    #[serde(skip)]
    pub lines: Arc<VecDeque<(u64, String)>>,
}

/// A blind test's state as the page shows it.
#[derive(Clone, Debug, Serialize)]
pub(super) struct BlindJson {
    /// `abx` or `ratings`.
    pub mode: &'static str,
    pub trial: usize,
    pub trials: u32,
    pub answered: usize,
    pub correct: u32,
    pub done: bool,
    pub p_value: Option<f64>,
}

/// A blind test running on the desk.
enum Blind {
    Open,
    Abx,
    /// Ratings: slot `i` of the engine holds the page's slot `order[i]`; notes written
    /// since `started` are unblinded when the test ends.
    Ratings {
        order: Vec<usize>,
        started: String,
        seed: u64,
    },
}

/// What `studio` sets up before the desk runs.
pub(super) struct DeskSetup {
    pub resolved: Resolved,
    pub player: Player,
    pub callback: Callback,
    pub prepared: Prepared,
    pub rate: u32,
    pub profiles: [Option<EqProfile>; SLOTS],
    pub notes: PathBuf,
    pub autosave_dir: PathBuf,
    pub host: Option<String>,
    pub buffer: Option<u32>,
    pub pace: Pace,
    pub volume: f64,
    pub fade_ms: f64,
    pub output_name: String,
    /// The playlist file, for the review draft's sections.
    pub playlist_path: Option<PathBuf>,
}

/// The engine, its output and the session, on the desk thread.
pub(super) struct Desk {
    player: Player,
    session: Session,
    running: Option<Running>,
    /// Held while no output runs (after one was lost).
    spare: Option<Callback>,
    resolved: Resolved,
    rate: u32,
    /// The page's profiles by slot.
    profiles: [Option<EqProfile>; SLOTS],
    levels_db: [f64; SLOTS],
    /// Pink noise the slots' levels are matched on (made at the first match).
    pink: Vec<f32>,
    notes: Notes,
    autosave_dir: PathBuf,
    unsaved: [bool; SLOTS],
    last_save: Instant,
    match_due: Option<Instant>,
    blind: Blind,
    host: Option<String>,
    buffer: Option<u32>,
    pace: Pace,
    fade_ms: f64,
    output_name: String,
    playlist_path: Option<PathBuf>,
    lines: VecDeque<(u64, String)>,
    line_seq: u64,
    started: Instant,
    watch: Watch,
    quit: bool,
}

impl Desk {
    /// Loads the slots, starts the session and the output.
    pub(super) fn start(setup: DeskSetup) -> anyhow::Result<Desk> {
        let session = Session::new(setup.resolved.clone(), open_setup(&setup));
        let mut desk = Desk {
            player: setup.player,
            session,
            running: None,
            spare: None,
            resolved: setup.resolved,
            rate: setup.rate,
            profiles: setup.profiles,
            levels_db: [0.0; SLOTS],
            pink: Vec::new(),
            notes: Notes::new(setup.notes),
            autosave_dir: setup.autosave_dir,
            unsaved: [false; SLOTS],
            last_save: Instant::now(),
            match_due: None,
            blind: Blind::Open,
            host: setup.host,
            buffer: setup.buffer,
            pace: setup.pace,
            fade_ms: setup.fade_ms,
            output_name: setup.output_name,
            playlist_path: setup.playlist_path,
            lines: VecDeque::new(),
            line_seq: 0,
            started: Instant::now(),
            watch: Watch::new(setup.rate),
            quit: false,
        };
        for slot in 0..SLOTS {
            desk.load_engine(slot, slot)?;
        }
        // Flat slots need no matching (all at 0 dB).
        if desk.profiles.iter().any(Option::is_some) {
            desk.match_levels();
        }
        let effects = desk.session.start();
        desk.apply(effects);
        desk.start_output(setup.prepared, setup.callback)?;
        Ok(desk)
    }

    /// Runs jobs and the engine until the page (or a signal) says quit, then stops the
    /// output cleanly and saves what is unsaved.
    pub(super) fn run(mut self, jobs: mpsc::Receiver<Job>, publish: impl Fn(StatusJson)) {
        let mut last_status = Instant::now() - STATUS_EVERY;
        while !self.quit {
            match jobs.recv_timeout(Duration::from_millis(5)) {
                Ok(job) => {
                    job(&mut self);
                    while let Ok(job) = jobs.try_recv() {
                        job(&mut self);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if crate::interrupt::requested().is_some() {
                self.say("interrupted: stopping".into());
                break;
            }
            self.poll_engine();
            self.housekeeping();
            if last_status.elapsed() >= STATUS_EVERY {
                last_status = Instant::now();
                publish(self.status());
            }
        }
        self.save_all();
        self.player.stop_playback();
        if let Some(running) = self.running.take() {
            running.wait_drained(self.player.status(), Duration::from_secs(2));
            self.player.stop();
            match running.finish() {
                Ok(report) => {
                    println!(
                        "{}",
                        self.session.summary(report.as_ref().map(|r| r.frames))
                    );
                    // The engine's real-time figures over the whole session (a null or WAV
                    // output's own timing; a sound card's callbacks are timed by its host).
                    if let Some(r) = report.filter(|r| r.frames > 0) {
                        let period = self
                            .player
                            .status()
                            .device_buffer
                            .load(std::sync::atomic::Ordering::Relaxed)
                            as f64
                            / f64::from(self.rate);
                        println!(
                            "callback: worst {:.0} µs ({:.1} % of the {:.2} ms period), {} late buffer(s)",
                            r.worst_callback.as_secs_f64() * 1e6,
                            100.0 * r.worst_callback.as_secs_f64() / period.max(1e-9),
                            period * 1e3,
                            r.late_buffers
                        );
                    }
                }
                Err(e) => eprintln!("output: {e}"),
            }
        }
        publish(self.status());
    }

    fn now(&self) -> Now {
        let status = self.player.status();
        Now {
            elapsed: self.started.elapsed(),
            position: self.player.position().1,
            frames_out: status.frames_out.load(std::sync::atomic::Ordering::Relaxed),
            transport: status.transport(),
        }
    }

    /// Feeds the engine's events and the passing of time to the session; watches the output.
    fn poll_engine(&mut self) {
        for event in self.player.poll() {
            let now = self.now();
            let effects = self.session.update(Update::Engine(event), &now);
            self.apply(effects);
        }
        let now = self.now();
        let effects = self.session.update(Update::Tick, &now);
        self.apply(effects);
        let Some(running) = &self.running else {
            return;
        };
        let seen = self.watch.look(running, self.player.status());
        for line in seen.lines {
            self.say(line);
        }
        if let Some(fault) = seen.lost {
            self.say(format!(
                "output lost: {fault}; pick another output to go on"
            ));
            if let Some(running) = self.running.take() {
                let (back, _) = running.stop();
                self.spare = back;
            }
        }
    }

    /// Saves edits and matches levels once edits pause.
    fn housekeeping(&mut self) {
        if self.unsaved.iter().any(|u| *u) && self.last_save.elapsed() >= AUTOSAVE_AFTER {
            self.save_all();
        }
        if self.match_due.is_some_and(|t| Instant::now() >= t) {
            self.match_due = None;
            self.match_levels();
        }
    }

    fn say(&mut self, line: String) {
        self.line_seq += 1;
        self.lines.push_back((self.line_seq, line));
        while self.lines.len() > LINES_KEPT {
            self.lines.pop_front();
        }
    }

    /// Carries out what the session asked for.
    fn apply(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Engine(command) => run_command(&mut self.player, command),
                Effect::Show(line) => self.say(line),
                Effect::SaveNote(note) => {
                    for line in self.notes.save(&note) {
                        self.say(line);
                    }
                }
                Effect::SaveAbxLog(log) => {
                    // Beside the notes (`--notes`), as the ratings are.
                    let path = self.notes.path().with_file_name(format!(
                        "iemlab-abx-{}.json",
                        super::super::ab::file_stamp()
                    ));
                    if let Some(folder) = path.parent() {
                        let _ = std::fs::create_dir_all(folder);
                    }
                    match crate::atomic_file::save(&path, log.json().as_bytes(), false) {
                        Ok(()) => self.say(format!("trial log written to {}", path.display())),
                        Err(e) => self.say(format!("trial log not written: {e:#}")),
                    }
                }
                // The end of a blind test (or of the playlist): the page stays, open.
                Effect::Stop => {
                    if matches!(self.blind, Blind::Abx) {
                        self.finish_blind();
                    }
                }
            }
        }
    }

    fn status(&self) -> StatusJson {
        let status = self.player.status();
        let (track, position) = self.player.position();
        let peak = status.take_peak();
        let blind = match &self.blind {
            Blind::Open => None,
            Blind::Abx => self
                .session
                .blind_progress()
                .map(|(answered, trials, correct)| BlindJson {
                    mode: "abx",
                    trial: answered + 1,
                    trials,
                    answered,
                    correct,
                    done: answered as u32 >= trials,
                    p_value: (answered > 0)
                        .then(|| crate::ab::abx::p_value(correct, answered as u32)),
                }),
            Blind::Ratings { .. } => Some(BlindJson {
                mode: "ratings",
                trial: 0,
                trials: 0,
                answered: 0,
                correct: 0,
                done: false,
                p_value: None,
            }),
        };
        StatusJson {
            track: self.session.track().or(Some(track)),
            position,
            duration: self.resolved.duration(track),
            transport: match status.transport() {
                Transport::Playing => "playing",
                Transport::Pausing | Transport::Paused => "paused",
                Transport::Stopping | Transport::Ended => "stopped",
            },
            heard: (!matches!(self.blind, Blind::Abx)).then(|| self.session.heard()),
            levels_db: self.levels_db,
            peak_db: (peak > 0.0).then(|| 20.0 * f64::from(peak).log10()),
            underruns: status.underruns.load(std::sync::atomic::Ordering::Relaxed),
            looping: self.session.is_looping(),
            blind,
            output: if self.running.is_some() {
                self.output_name.clone()
            } else {
                "none (lost)".into()
            },
            volume_db: self.session.volume(),
            crossfade_ms: self.fade_ms,
            lines: Arc::new(self.lines.clone()),
        }
    }

    /// Starts `prepared` with the audio queued ahead, and the music.
    fn start_output(&mut self, prepared: Prepared, callback: Callback) -> anyhow::Result<()> {
        let status = Arc::clone(self.player.status());
        self.player.wait_ready(Duration::from_secs(3));
        let running = prepared.start(callback, status)?;
        self.say(format!("output: {}", running.describe()));
        for note in running.notes() {
            self.say(format!("note: {note}"));
        }
        self.running = Some(running);
        self.player.start_playback();
        Ok(())
    }

    // --- What the page asks for ---

    /// The page's profile for `slot` (None: flat), heard at once; saved and level-matched
    /// shortly after. Returns the automatic preamp and the level match.
    pub(super) fn set_profile(
        &mut self,
        slot: usize,
        profile: Option<EqProfile>,
    ) -> Result<serde_json::Value, ApiError> {
        if slot >= SLOTS {
            return Err(ApiError::not_found(format!(
                "no slot {slot}: slots are 0–3"
            )));
        }
        if let Some(p) = &profile {
            p.check_rate(self.rate)
                .map_err(|e| ApiError::bad(e.to_string()))?;
        }
        self.profiles[slot] = profile;
        let engine_slot = self.engine_slot(slot);
        self.load_engine(engine_slot, slot)
            .map_err(|e| ApiError::bad(e.to_string()))?;
        self.unsaved[slot] = true;
        self.match_due = Some(Instant::now() + MATCH_AFTER);
        let safety = self.profiles[slot]
            .as_ref()
            .map_or(0.0, |p| p.safety_gain_db(self.rate));
        // What the output had taken when the new chain was queued: the next frame it takes
        // is the first that can carry the edit (the latency benchmark measures from here).
        let status = self.player.status();
        let frames_out = status.frames_out.load(std::sync::atomic::Ordering::Relaxed);
        let program_start = status
            .program_start
            .load(std::sync::atomic::Ordering::Relaxed);
        Ok(serde_json::json!({
            "frames_out": frames_out,
            "program_start": (program_start != u64::MAX).then_some(program_start),
            "preamp_db": safety,
            "level_db": self.levels_db[slot],
            "autosave": self.autosave_path(slot),
        }))
    }

    /// The engine slot holding the page's `slot` (they differ only in blind ratings).
    fn engine_slot(&self, slot: usize) -> usize {
        match &self.blind {
            Blind::Ratings { order, .. } => order.iter().position(|&s| s == slot).unwrap_or(slot),
            _ => slot,
        }
    }

    /// Loads the page's profile `slot` into the engine's `engine_slot` at its level.
    fn load_engine(&mut self, engine_slot: usize, slot: usize) -> anyhow::Result<()> {
        // Even a flat slot gets an (empty) chain: edits then continue its filters' memory.
        let profile = self.profiles[slot].clone().unwrap_or_else(EqProfile::flat);
        self.player
            .load(engine_slot, Some(&profile), self.levels_db[slot])?;
        Ok(())
    }

    /// Matches the slots' loudness on pink noise (the quietest stays, the others come down)
    /// and glides each slot to its new level.
    fn match_levels(&mut self) {
        let flat = EqProfile::flat();
        let refs: Vec<Option<&EqProfile>> = self
            .profiles
            .iter()
            .map(|p| Some(p.as_ref().unwrap_or(&flat)))
            .collect();
        if self.pink.is_empty() {
            self.pink = crate::material::pink_noise_stereo(self.rate, MATCH_SECONDS);
        }
        let Ok(m) = match_levels(&refs, &self.pink, self.rate) else {
            return;
        };
        let safety: Vec<f64> = refs
            .iter()
            .map(|p| p.map_or(0.0, |p| p.safety_gain_db(self.rate)))
            .collect();
        for (slot, (&level, safety)) in m.gains_db.iter().zip(safety).enumerate() {
            if (level - self.levels_db[slot]).abs() > 0.01 {
                self.levels_db[slot] = level;
                let engine_slot = self.engine_slot(slot);
                self.player.set_level(engine_slot, level, safety);
            }
        }
    }

    /// Where slot `slot`'s profile autosaves.
    pub(super) fn autosave_path(&self, slot: usize) -> PathBuf {
        autosave_path(&self.autosave_dir, slot)
    }

    fn save_all(&mut self) {
        self.last_save = Instant::now();
        for slot in 0..SLOTS {
            if !std::mem::take(&mut self.unsaved[slot]) {
                continue;
            }
            let path = self.autosave_path(slot);
            let result = match &self.profiles[slot] {
                Some(p) => {
                    let _ = std::fs::create_dir_all(&self.autosave_dir);
                    let text = p.to_toml(
                        Some(&format!(
                            "Slot {} of iemlab studio, saved as it was edited",
                            letter(slot)
                        )),
                        None,
                    );
                    crate::atomic_file::save(&path, text.as_bytes(), true)
                        .map_err(|e| format!("{e:#}"))
                }
                None => match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
                    _ => Ok(()),
                },
            };
            if let Err(e) = result {
                self.say(format!("slot {} not saved: {e}", letter(slot)));
            }
        }
    }

    /// The page's profiles by slot.
    pub(super) fn profiles(&self) -> &[Option<EqProfile>; SLOTS] {
        &self.profiles
    }

    pub(super) fn levels_db(&self) -> [f64; SLOTS] {
        self.levels_db
    }

    pub(super) fn heard(&self) -> Option<usize> {
        (!matches!(self.blind, Blind::Abx)).then(|| self.session.heard())
    }

    pub(super) fn resolved(&self) -> &Resolved {
        &self.resolved
    }

    pub(super) fn rate(&self) -> u32 {
        self.rate
    }

    pub(super) fn notes_path(&self) -> &Path {
        self.notes.path()
    }

    pub(super) fn autosave_dir(&self) -> &Path {
        &self.autosave_dir
    }

    pub(super) fn output_name(&self) -> &str {
        &self.output_name
    }

    /// A listener's input, as the terminal's keys give it.
    pub(super) fn input(&mut self, input: Input) {
        if input == Input::Quit {
            self.quit = true;
            return;
        }
        let now = self.now();
        let effects = self.session.update(Update::Input(input), &now);
        self.apply(effects);
    }

    /// Plays entry `track` from `seconds` (a cue button starts a little before its cue).
    pub(super) fn goto(&mut self, track: usize, seconds: f64) -> Result<(), ApiError> {
        if track >= self.resolved.len() || self.resolved.path(track).is_none() {
            return Err(ApiError::bad(format!(
                "entry {track} is not in the playlist or has no file"
            )));
        }
        if !seconds.is_finite() || seconds < 0.0 {
            return Err(ApiError::bad(format!("cannot seek to {seconds} s")));
        }
        self.player.goto(track, seconds);
        if self.player.status().transport() != Transport::Playing {
            self.player.resume();
        }
        Ok(())
    }

    /// Sets the crossfade of profile switches (ms); a blind test takes it from its next start.
    pub(super) fn set_crossfade(&mut self, ms: f64) {
        self.fade_ms = ms;
        if matches!(self.blind, Blind::Open) {
            let setup = self.open_setup();
            self.restart_session(setup);
        }
        self.say(format!("crossfade {ms:.0} ms"));
    }

    /// Stops the desk (the server stops after it).
    pub(super) fn quit(&mut self) {
        self.quit = true;
    }

    /// Starts a blind test (`abx` between A and B, or `ratings` over the slots in use), or
    /// ends the one running (`off`).
    pub(super) fn set_blind(&mut self, mode: &str, trials: u32) -> Result<(), ApiError> {
        match mode {
            "off" => {
                self.finish_blind();
                Ok(())
            }
            "abx" => {
                self.finish_blind();
                let setup = Setup {
                    blind: Some(BlindSetup {
                        trials: trials.clamp(1, 100),
                        seed: TrialRng::from_clock().next_u64(),
                        scripted: Vec::new(),
                    }),
                    profiles: vec![self.slot_name(0), self.slot_name(1)],
                    ..self.open_setup()
                };
                self.restart_session(setup);
                self.blind = Blind::Abx;
                self.say(format!(
                    "blind ABX: {} trials; X is A or B at random each trial; answer A or B",
                    trials.clamp(1, 100)
                ));
                Ok(())
            }
            "ratings" => {
                self.finish_blind();
                let used: Vec<usize> = (0..SLOTS)
                    .filter(|&s| s < 2 || self.profiles[s].is_some())
                    .collect();
                let seed = TrialRng::from_clock().next_u64();
                let mut rng = TrialRng::new(seed);
                let mut order = used.clone();
                for i in (1..order.len()).rev() {
                    let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                    order.swap(i, j);
                }
                self.blind = Blind::Ratings {
                    order: order.clone(),
                    started: crate::ab::notes::utc_now(),
                    seed,
                };
                for (engine_slot, &slot) in order.iter().enumerate() {
                    self.load_engine(engine_slot, slot)
                        .map_err(|e| ApiError::bad(e.to_string()))?;
                    let safety = self.profiles[slot]
                        .as_ref()
                        .map_or(0.0, |p| p.safety_gain_db(self.rate));
                    self.player
                        .set_level(engine_slot, self.levels_db[slot], safety);
                }
                let hidden: Vec<String> = (0..order.len())
                    .map(|i| format!("hidden {}", letter(i)))
                    .collect();
                let setup = Setup {
                    profiles: hidden,
                    ..self.open_setup()
                };
                self.restart_session(setup);
                self.say(format!(
                    "blind ratings: A–{} are the profiles in a hidden order; rate each section 1–5",
                    letter(order.len() - 1)
                ));
                Ok(())
            }
            other => Err(ApiError::bad(format!(
                "unknown blind mode {other:?}: abx, ratings or off"
            ))),
        }
    }

    /// Ends a blind test: the slots go back to their places, ratings are unblinded.
    fn finish_blind(&mut self) {
        match std::mem::replace(&mut self.blind, Blind::Open) {
            Blind::Open => return,
            Blind::Abx => {}
            Blind::Ratings {
                order,
                started,
                seed,
            } => {
                let labels: Vec<String> = order.iter().map(|&s| self.slot_name(s)).collect();
                self.say(format!("the hidden order was (seed {seed}):"));
                for (i, label) in labels.iter().enumerate() {
                    self.say(format!("  {}: {label}", letter(i)));
                }
                match super::super::ab::unblind(self.notes.path(), &started, &labels) {
                    Ok(lines) => lines.into_iter().for_each(|l| self.say(l)),
                    Err(e) => self.say(format!("ratings not unblinded: {e:#}")),
                }
                // unblind replaced the file: later notes go to the new one, not the old inode.
                self.notes = Notes::new(self.notes.path().to_path_buf());
                for slot in 0..SLOTS {
                    let _ = self.load_engine(slot, slot);
                    let safety = self.profiles[slot]
                        .as_ref()
                        .map_or(0.0, |p| p.safety_gain_db(self.rate));
                    self.player.set_level(slot, self.levels_db[slot], safety);
                }
            }
        }
        let setup = self.open_setup();
        self.restart_session(setup);
    }

    /// A profile slot's name as notes and logs give it.
    fn slot_name(&self, slot: usize) -> String {
        match &self.profiles[slot] {
            Some(p) => format!("{}: {}", letter(slot), p.name),
            None => format!("{}: flat", letter(slot)),
        }
    }

    fn open_setup(&self) -> Setup {
        Setup {
            profiles: (0..SLOTS).map(|s| self.slot_name(s)).collect(),
            ..base_setup(
                self.rate,
                &self.resolved,
                self.session.volume(),
                self.fade_ms,
            )
        }
    }

    /// A new session over the same playlist and engine, where playback stands.
    fn restart_session(&mut self, setup: Setup) {
        self.player.clear_schedule();
        let playing = self.session.track();
        self.session = Session::new(self.resolved.clone(), setup);
        if let Some(track) = playing {
            self.session.continue_at(track);
        }
        let effects = self.session.start();
        self.apply(effects);
    }

    /// A note about what is heard now (a rating is a note too).
    pub(super) fn note(&mut self, text: String) -> PathBuf {
        self.input(Input::Note(text));
        self.notes.path().to_path_buf()
    }

    /// The review draft from the notes so far, saved beside them.
    pub(super) fn report(&mut self) -> Result<serde_json::Value, ApiError> {
        // No notes file yet: a draft with no notes in it.
        let notes = if self.notes.path().exists() {
            crate::ab::notes::read_notes(self.notes.path())
                .map_err(|e| ApiError::bad(format!("{e:#}")))?
        } else {
            Vec::new()
        };
        let playlist = self
            .playlist_path
            .as_deref()
            .and_then(|p| crate::playlist::Playlist::load(p).ok());
        let draft = crate::ab::report::review_draft(&notes, playlist.as_ref());
        let path = self.notes.path().with_file_name("review-draft.md");
        crate::atomic_file::save(&path, draft.as_bytes(), true)
            .map_err(|e| ApiError::failed(format!("{}: {e:#}", path.display())))?;
        self.say(format!("review draft written to {}", path.display()));
        Ok(serde_json::json!({ "markdown": draft, "path": path }))
    }

    /// Moves playback to another output (a device name or index, `null`, `wav:FILE`), from
    /// where it stands.
    pub(super) fn set_output(&mut self, device: &str) -> Result<String, ApiError> {
        let prepared = super::super::listen::prepare_replacement(
            device,
            self.host.as_deref(),
            self.rate,
            self.buffer,
            self.pace,
        )
        .map_err(ApiError::bad)?;
        let callback = match (self.running.take(), self.spare.take()) {
            (Some(running), _) => running.stop().0,
            (None, spare) => spare,
        };
        let Some(callback) = callback else {
            return Err(ApiError::failed(
                "the engine did not come back from the old output",
            ));
        };
        let description = prepared.describe();
        self.start_output(prepared, callback)
            .map_err(|e| ApiError::bad(format!("{e:#}")))?;
        self.output_name = description.clone();
        Ok(description)
    }
}

/// A studio session's setup: open A–D by keys (the page's buttons), no level match per
/// entry (the desk matches the slots itself), lengths known for the seek bar.
fn base_setup(rate: u32, resolved: &Resolved, volume: f64, fade_ms: f64) -> Setup {
    Setup {
        rate,
        start: 0,
        profiles: (0..SLOTS).map(|s| letter(s).to_string()).collect(),
        levels: vec![None; resolved.len()],
        durations: (0..resolved.len()).map(|i| resolved.duration(i)).collect(),
        fade_ms,
        switching: Switching::Keys,
        loop_region: None,
        blind: None,
        volume,
        abx_log: None,
    }
}

fn open_setup(setup: &DeskSetup) -> Setup {
    Setup {
        profiles: (0..SLOTS)
            .map(|s| match &setup.profiles[s] {
                Some(p) => format!("{}: {}", letter(s), p.name),
                None => format!("{}: flat", letter(s)),
            })
            .collect(),
        ..base_setup(setup.rate, &setup.resolved, setup.volume, setup.fade_ms)
    }
}

/// Where slot `slot`'s profile autosaves in `dir`.
pub(super) fn autosave_path(dir: &Path, slot: usize) -> PathBuf {
    dir.join(format!("slot-{}.toml", letter(slot).to_ascii_lowercase()))
}
