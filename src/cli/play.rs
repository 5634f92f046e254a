//! `iemlab play`: plays a playlist (or files) through the real-time engine, with keys on a
//! terminal and one line per event otherwise.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::PlayArgs;
use super::session::{self, Queue};
use crate::engine::{
    self, EngineConfig, Event, FeederEvent, Player, PlayerEvent, Prepared, Running, Status,
    Transport,
};
use crate::timecode::format_time;

pub(super) fn run(args: PlayArgs) -> anyhow::Result<ExitCode> {
    let queue = Queue::from_inputs(&args.inputs, &args.library)?;
    if args.list {
        queue.print_resolution();
        return Ok(ExitCode::SUCCESS);
    }
    queue.report_missing();
    let start = queue.start_index(args.start.as_deref())?;
    let Some(preferred_rate) = queue.first_rate(start) else {
        eprintln!("nothing to play: no entry resolved to a readable file");
        return Ok(ExitCode::from(2));
    };
    let profile = session::load_profile(args.eq.as_deref(), preferred_rate)?;
    let output = engine::Output::parse(args.device.as_deref());
    let pace = if args.fast {
        engine::Pace::Fast
    } else {
        engine::Pace::RealTime
    };
    let prepared = Prepared::new(&output, preferred_rate, args.buffer, pace, args.force)?;
    let rate = prepared.rate();
    let mut config = EngineConfig::new(rate);
    config.callback.volume_db = args.volume;
    config.callback.ceiling_db = args.ceiling;
    config.start_track = start;
    let (mut player, callback) = engine::start(config, queue.sources());
    let gain = player
        .load(0, profile.as_ref(), 0.0)
        .map_err(anyhow::Error::msg)
        .context("loading the EQ profile")?;
    for track in 0..queue.len() {
        for (id, cue) in queue.cues(track).iter().enumerate() {
            player.cue_at(track, cue.at, id);
        }
    }
    let status = Arc::clone(player.status());
    let mut ui = Ui::new(queue, rate);
    ui.volume = args.volume;
    ui.line(&format!(
        "output: {}; EQ: {}{}; volume {:+.1} dB, limiter at {:+.1} dBFS",
        prepared.describe(),
        profile
            .as_ref()
            .map_or("flat".into(), |p| format!("'{}'", p.name)),
        if gain < -0.05 {
            format!(" (automatic preamp {gain:+.1} dB)")
        } else {
            String::new()
        },
        args.volume,
        args.ceiling
    ));
    let started = Instant::now();
    let running = prepared.start(callback, Arc::clone(&status))?;
    let result = ui.run(&mut player, &running, &status, started);
    player.stop();
    let report = running.finish()?;
    ui.finish(&status, report.as_ref().map(|r| r.frames));
    result?;
    Ok(ExitCode::SUCCESS)
}

/// What the user asked for with a key.
enum Key {
    Quit,
    Pause,
    Next,
    Previous,
    Seek(f64),
    Cue(usize),
    Loop,
    Volume(f64),
}

/// The terminal side: keys and a status line on a terminal, event lines otherwise.
struct Ui {
    queue: Queue,
    rate: u32,
    tty: bool,
    raw: bool,
    track: Option<usize>,
    durations: Vec<Option<f64>>,
    looping: bool,
    volume: f64,
    played: usize,
    skipped: usize,
    first_audio: Option<Duration>,
    underruns: u64,
    last_underrun_note: Option<Instant>,
    skip_reasons: Vec<Option<String>>,
}

impl Ui {
    fn new(queue: Queue, rate: u32) -> Self {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
        let n = queue.len();
        Ui {
            queue,
            rate,
            tty,
            raw: false,
            track: None,
            durations: vec![None; n],
            looping: false,
            volume: -20.0,
            played: 0,
            skipped: 0,
            first_audio: None,
            underruns: 0,
            last_underrun_note: None,
            skip_reasons: vec![None; n],
        }
    }

    /// Prints a line above the status line.
    fn line(&self, text: &str) {
        if self.raw {
            // Raw mode needs explicit carriage returns; clear the status line first.
            print!("\r\x1b[2K{}\r\n", text.replace('\n', "\r\n"));
        } else {
            println!("{text}");
        }
    }

    fn run(
        &mut self,
        player: &mut Player,
        running: &Running,
        status: &Status,
        started: Instant,
    ) -> anyhow::Result<()> {
        if self.tty {
            self.raw = crossterm::terminal::enable_raw_mode().is_ok();
            if self.raw {
                self.line("keys: space pause · n/p next/previous · ←/→ seek 5 s · 1–9 cue · l loop · +/- volume · q quit");
            }
        }
        let outcome = self.event_loop(player, running, status, started);
        if self.raw {
            let _ = crossterm::terminal::disable_raw_mode();
            println!();
        }
        outcome
    }

    fn event_loop(
        &mut self,
        player: &mut Player,
        running: &Running,
        status: &Status,
        started: Instant,
    ) -> anyhow::Result<()> {
        loop {
            for event in player.poll() {
                self.on_event(event, started);
            }
            if let Some(err) = running.device_error() {
                self.line(&format!("output device error: {err}"));
                if status.transport() != Transport::Playing {
                    anyhow::bail!("the output device stopped: {err}");
                }
            }
            if running.is_done(status) {
                // Let the last events arrive.
                for event in player.poll() {
                    self.on_event(event, started);
                }
                return Ok(());
            }
            if self.raw {
                self.draw_status(status);
                if let Some(key) = read_key(Duration::from_millis(50))?
                    && !self.on_key(key, player, status)
                {
                    return Ok(());
                }
            } else {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    fn on_event(&mut self, event: PlayerEvent, started: Instant) {
        match event {
            PlayerEvent::Feeder(FeederEvent::Opened { index, info }) => {
                if let Some(d) = self.durations.get_mut(index) {
                    *d = info.seconds();
                }
            }
            PlayerEvent::Feeder(FeederEvent::Skipped { index, reason }) => {
                // Shown when playback reaches it (Event::Skipped), in playlist order.
                if let Some(r) = self.skip_reasons.get_mut(index) {
                    *r = Some(reason);
                }
            }
            PlayerEvent::Audio(Event::Skipped { index }) => {
                self.skipped += 1;
                let reason = self
                    .skip_reasons
                    .get(index)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "could not be played".into());
                self.line(&format!("skip  {}: {reason}", self.queue.heading(index)));
            }
            PlayerEvent::Feeder(FeederEvent::Damaged { index, packets }) => self.line(&format!(
                "note  {}: {packets} damaged packet(s) skipped",
                self.queue.heading(index)
            )),
            PlayerEvent::Feeder(FeederEvent::SeekFailed { reason }) => {
                self.line(&format!("seek  {reason}"))
            }
            PlayerEvent::Feeder(FeederEvent::Finished) => {}
            PlayerEvent::Audio(Event::TrackStarted { index, frame }) => {
                if self.first_audio.is_none() {
                    let t = started.elapsed();
                    self.first_audio = Some(t);
                    self.line(&format!(
                        "first audio frame after {:.1} ms",
                        t.as_secs_f64() * 1e3
                    ));
                }
                if self.track != Some(index) {
                    self.played += 1;
                }
                self.track = Some(index);
                let at = frame as f64 / f64::from(self.rate);
                let length = self
                    .durations
                    .get(index)
                    .copied()
                    .flatten()
                    .map_or(String::new(), |d| format!(" / {}", format_time(d)));
                self.line(&format!(
                    "play  {} from {}{length}",
                    self.queue.heading(index),
                    format_time(at)
                ));
                if let Some(focus) = self.queue.focus(index) {
                    self.line(&format!("      focus: {focus}"));
                }
            }
            PlayerEvent::Audio(Event::Underrun) => {
                // One line a second at most, however many buffers ran short.
                self.underruns += 1;
                if self
                    .last_underrun_note
                    .is_none_or(|t| t.elapsed() > Duration::from_secs(1))
                {
                    self.last_underrun_note = Some(Instant::now());
                    self.line(&format!(
                        "underrun: the decoder fell behind ({} so far)",
                        self.underruns
                    ));
                }
            }
            PlayerEvent::Audio(Event::Paused) => self.line("pause"),
            PlayerEvent::Audio(Event::Resumed) => self.line("resume"),
            PlayerEvent::Audio(Event::LoopSeam { frame }) => self.line(&format!(
                "loop  back to {}",
                format_time(frame as f64 / f64::from(self.rate))
            )),
            PlayerEvent::Audio(Event::Ended) => self.line("end of playlist"),
            PlayerEvent::Audio(Event::Switched { .. }) => {}
            PlayerEvent::Audio(Event::CueReached { track, id }) => {
                if let Some(cue) = self.queue.cues(track).get(id) {
                    let text = format!("cue   {} {}", format_time(cue.at), cue.label);
                    self.line(&text);
                }
            }
        }
    }

    fn draw_status(&self, status: &Status) {
        use std::io::Write;
        let Some(track) = self.track else { return };
        let pos = position(status, self.rate);
        let length = self
            .durations
            .get(track)
            .copied()
            .flatten()
            .map_or(String::new(), |d| format!("/{}", format_time(d)));
        let next_cue = self
            .queue
            .cues(track)
            .iter()
            .find(|c| c.at > pos + 0.01)
            .map_or(String::new(), |c| {
                format!(" · next cue {} {}", format_time(c.at), c.label)
            });
        let peak = status.take_peak();
        let level = if peak > 0.0 {
            format!("{:+.1} dBFS", 20.0 * peak.log10())
        } else {
            "silence".into()
        };
        let state = match status.transport() {
            Transport::Paused | Transport::Pausing => " [paused]",
            _ => "",
        };
        print!(
            "\r\x1b[2K{} {}{length}{next_cue} · {level}{}{state}",
            self.queue.short_heading(track),
            format_time(pos),
            if self.looping { " · loop" } else { "" }
        );
        let _ = std::io::stdout().flush();
    }

    /// Acts on a key; false to quit.
    fn on_key(&mut self, key: Key, player: &mut Player, status: &Status) -> bool {
        let track = self.track.unwrap_or(0);
        let pos = position(status, self.rate);
        match key {
            Key::Quit => return false,
            Key::Pause => match status.transport() {
                Transport::Paused | Transport::Pausing => player.resume(),
                _ => player.pause(),
            },
            Key::Next => {
                if let Some(next) = self.queue.next_playable(track) {
                    player.goto(next, 0.0);
                }
            }
            Key::Previous => {
                // As players do: back to the start, or to the previous track near the start.
                if pos > 3.0 {
                    player.goto(track, 0.0);
                } else if let Some(prev) = self.queue.previous_playable(track) {
                    player.goto(prev, 0.0);
                }
            }
            Key::Seek(delta) => player.goto(track, (pos + delta).max(0.0)),
            Key::Cue(n) => match self.queue.cues(track).get(n) {
                Some(cue) => player.goto(track, cue.at),
                None => self.line(&format!("no cue {} in this track", n + 1)),
            },
            Key::Loop => {
                if self.queue.has_loop(track) {
                    self.looping = !self.looping;
                    player.set_loop(self.looping);
                    self.line(if self.looping { "loop on" } else { "loop off" });
                } else {
                    self.line("this track has no loop region");
                }
            }
            Key::Volume(step) => {
                self.volume = (self.volume + step).clamp(-60.0, 0.0);
                player.set_volume(self.volume);
            }
        }
        true
    }

    fn finish(&self, status: &Status, frames: Option<u64>) {
        use std::sync::atomic::Ordering::Relaxed;
        let underruns = status.underruns.load(Relaxed);
        let mut line = format!(
            "done: played {} of {} track(s), {} skipped, {underruns} underrun(s)",
            self.played,
            self.queue.len(),
            self.skipped
        );
        if let Some(frames) = frames {
            line.push_str(&format!(
                ", {} of audio output",
                format_time(frames as f64 / f64::from(self.rate))
            ));
        }
        println!("{line}");
    }
}

fn position(status: &Status, rate: u32) -> f64 {
    status
        .track_frame
        .load(std::sync::atomic::Ordering::Relaxed) as f64
        / f64::from(rate)
}

fn read_key(timeout: Duration) -> anyhow::Result<Option<Key>> {
    use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind, KeyModifiers};
    if !event::poll(timeout)? {
        return Ok(None);
    }
    let TermEvent::Key(k) = event::read()? else {
        return Ok(None);
    };
    if k.kind == KeyEventKind::Release {
        return Ok(None);
    }
    Ok(match k.code {
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Some(Key::Quit),
        KeyCode::Char('q') | KeyCode::Esc => Some(Key::Quit),
        KeyCode::Char(' ') => Some(Key::Pause),
        KeyCode::Char('n') => Some(Key::Next),
        KeyCode::Char('p') => Some(Key::Previous),
        KeyCode::Right => Some(Key::Seek(5.0)),
        KeyCode::Left => Some(Key::Seek(-5.0)),
        KeyCode::Char('l') => Some(Key::Loop),
        KeyCode::Char('+') | KeyCode::Char('=') | KeyCode::Up => Some(Key::Volume(1.0)),
        KeyCode::Char('-') | KeyCode::Down => Some(Key::Volume(-1.0)),
        KeyCode::Char(c @ '1'..='9') => Some(Key::Cue(c as usize - '1' as usize)),
        _ => None,
    })
}

/// Paths given on the command line that are playlists (`.toml`).
pub(super) fn is_playlist_path(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// Library folders: `--library` values, else the config file's `library` list.
pub(super) fn library_dirs(given: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    Ok(super::config::Config::load()?.library)
}
