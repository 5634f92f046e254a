//! The listening session's terminal side, shared by `play` and `ab`: event lines, the status
//! line, keys on a terminal (or one command per stdin line when not on one), cue reports and
//! notes. A/B specifics live in [`super::ab::AbState`], which this loop consults.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::ab::AbState;
use super::session::Queue;
use crate::engine::{
    Event, FaultKind, FeederEvent, Player, PlayerEvent, Running, Status, StreamFault, Transport,
};
use crate::timecode::format_time;

/// What the user asked for.
pub(super) enum Input {
    Quit,
    Pause,
    Next,
    Previous,
    Seek(f64),
    Cue(usize),
    Loop,
    Volume(f64),
    /// a/b/c/d: select (or, blind, answer) profile N.
    Profile(usize),
    /// Space in A/B: toggle A and B.
    Toggle,
    /// Open the note prompt (terminal) or add this note (stdin line "note: …").
    Note(Option<String>),
}

/// How a session's event loop ended.
pub(super) enum Outcome {
    /// The playlist ended, the user quit or the A/B session is done.
    Done,
    /// The output stopped for good (a sound card unplugged); the session can go on elsewhere.
    OutputLost(StreamFault),
}

/// The terminal side of a listening session.
pub(super) struct Ui {
    pub queue: Queue,
    pub rate: u32,
    pub raw: bool,
    pub track: Option<usize>,
    pub durations: Vec<Option<f64>>,
    pub looping: bool,
    pub volume: f64,
    /// Index of the last cue reached in the current track.
    pub last_cue: Option<usize>,
    pub ab: Option<AbState>,
    tty: bool,
    played: usize,
    skipped: usize,
    first_audio: Option<Duration>,
    underruns: u64,
    last_underrun_note: Option<Instant>,
    skip_reasons: Vec<Option<String>>,
    stdin: Option<mpsc::Receiver<String>>,
    /// When playback was first seen to have ended, to give up on an output that never
    /// reports it has played the rest.
    ended_at: Option<Instant>,
    /// Output glitches not shown yet, the last of them, and when one was last shown.
    glitches: u64,
    last_glitch: Option<StreamFault>,
    last_glitch_line: Option<Instant>,
    /// The output's frame count when it last moved, and when.
    progress: Option<(u64, Instant)>,
    /// The frame count and time when the output's pace began to be measured, and whether
    /// the measurement is done.
    pace_check: Option<(u64, Instant)>,
    pace_checked: bool,
}

impl Ui {
    pub(super) fn new(queue: Queue, rate: u32, volume: f64) -> Self {
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
            volume,
            last_cue: None,
            ab: None,
            played: 0,
            skipped: 0,
            first_audio: None,
            underruns: 0,
            last_underrun_note: None,
            skip_reasons: vec![None; n],
            stdin: None,
            ended_at: None,
            glitches: 0,
            last_glitch: None,
            last_glitch_line: None,
            progress: None,
            pace_check: None,
            pace_checked: false,
        }
    }

    /// Prints a line above the status line.
    pub(super) fn line(&self, text: &str) {
        if self.raw {
            // Raw mode needs explicit carriage returns; clear the status line first.
            print!("\r\x1b[2K{}\r\n", text.replace('\n', "\r\n"));
        } else {
            println!("{text}");
        }
    }

    /// Asks a question and reads one answer line (from the terminal, or the next stdin line
    /// when not on one); None when input has ended.
    pub(super) fn ask(&mut self, prompt: &str) -> Option<String> {
        use std::io::Write;
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        let answer = match &self.stdin {
            Some(lines) => lines.recv().ok(),
            None => {
                let mut line = String::new();
                match std::io::stdin().read_line(&mut line) {
                    Ok(0) | Err(_) => None,
                    Ok(_) => Some(line),
                }
            }
        };
        if answer.is_none() {
            println!();
        }
        answer.map(|a| a.trim().to_string())
    }

    /// Runs until the playlist ends, the user quits, the A/B session is done or the output
    /// is lost.
    pub(super) fn run(
        &mut self,
        player: &mut Player,
        running: &Running,
        status: &Status,
        started: Instant,
    ) -> anyhow::Result<Outcome> {
        // A new output: what the last one reported does not carry over.
        self.progress = None;
        self.pace_check = None;
        self.pace_checked = false;
        self.glitches = 0;
        self.last_glitch = None;
        if self.tty {
            self.raw = crossterm::terminal::enable_raw_mode().is_ok();
        }
        if self.raw {
            let keys = match &self.ab {
                Some(ab) => ab.key_help(),
                None => "keys: space pause · n/p next/previous · ←/→ seek 5 s · 1–9 cue · l loop · +/- volume · q quit".into(),
            };
            self.line(&keys);
        } else if self.stdin.is_none() {
            self.stdin = Some(stdin_lines());
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
    ) -> anyhow::Result<Outcome> {
        loop {
            for event in player.poll() {
                self.on_event(event, player, started);
            }
            if let Some(signal) = crate::interrupt::requested() {
                // Notes are already on disk (each is synced as written); the caller stops
                // the output, which discards an unfinished WAV, and restores the terminal.
                self.line(&format!(
                    "interrupted by {}: stopping",
                    crate::interrupt::signal_name(signal)
                ));
                return Ok(self.stop_and_drain(player, running, status));
            }
            if let Some(fault) = self.check_output(running, status) {
                return Ok(Outcome::OutputLost(fault));
            }
            if self.ab.as_ref().is_some_and(AbState::finished) {
                return Ok(self.stop_and_drain(player, running, status));
            }
            if running.is_done(status) || self.drain_timed_out(status) {
                for event in player.poll() {
                    self.on_event(event, player, started);
                }
                // A sink that stopped because it failed says so just before it ends.
                if let Some(fault) = running.device_error().filter(StreamFault::is_fatal) {
                    return Ok(Outcome::OutputLost(fault));
                }
                return Ok(Outcome::Done);
            }
            if let Some(mut ab) = self.ab.take() {
                ab.tick(self, player, status);
                self.ab = Some(ab);
            }
            let input = if self.raw {
                self.draw_status(status);
                read_key(Duration::from_millis(50), self.ab.is_some())?
            } else {
                match self
                    .stdin
                    .as_ref()
                    .map(|rx| rx.recv_timeout(Duration::from_millis(20)))
                {
                    Some(Ok(line)) => {
                        let input = parse_line(&line, self.ab.is_some());
                        if input.is_none() && !line.trim().is_empty() {
                            self.line(&format!(
                                "unknown command {:?}: one key per line (space, n, p, q, l, 1-9, +, -, a-d in A/B), a word (next, previous, pause, quit, left, right) or note: TEXT",
                                line.trim()
                            ));
                        }
                        input
                    }
                    Some(Err(mpsc::RecvTimeoutError::Disconnected)) | None => {
                        std::thread::sleep(Duration::from_millis(20));
                        None
                    }
                    Some(Err(mpsc::RecvTimeoutError::Timeout)) => None,
                }
            };
            if let Some(input) = input
                && !self.on_input(input, player, status)
            {
                return Ok(self.stop_and_drain(player, running, status));
            }
        }
    }

    /// Looks at what the output reported since the last pass: a fatal fault ends the session
    /// at once; survivable ones (xruns) make at most one line every two seconds; an output
    /// that has stopped asking for audio (a sound server killed under an ALSA plugin keeps
    /// failing without saying the device is gone) counts as lost after a second.
    fn check_output(&mut self, running: &Running, status: &Status) -> Option<StreamFault> {
        while let Some(fault) = running.device_error() {
            match fault.kind {
                FaultKind::Lost => return Some(fault),
                // The host's own request (rtkit) failed; iemlab asks the kernel itself where
                // it may, so this only matters if the thread is still normal.
                FaultKind::RealtimeDenied if !running.is_realtime(status) => {
                    self.line(&format!("note: playing at normal priority: {fault}"))
                }
                FaultKind::RealtimeDenied => {}
                FaultKind::Glitch => {
                    self.glitches += 1;
                    self.last_glitch = Some(fault);
                }
            }
        }
        let quiet = self
            .last_glitch_line
            .is_none_or(|t| t.elapsed() > Duration::from_secs(2));
        if quiet && let Some(fault) = self.last_glitch.take() {
            let more = if self.glitches > 1 {
                format!(" ({} times)", self.glitches)
            } else {
                String::new()
            };
            self.line(&format!("output device: {fault}{more}"));
            self.glitches = 0;
            self.last_glitch_line = Some(Instant::now());
        }
        let frames = status.frames_out.load(std::sync::atomic::Ordering::Relaxed);
        self.check_pace(running, status, frames);
        match self.progress {
            Some((seen, _)) if seen != frames => self.progress = Some((frames, Instant::now())),
            None => self.progress = Some((frames, Instant::now())),
            Some((_, since)) if running.is_device() && since.elapsed() > STALLED => {
                let why = self
                    .last_glitch
                    .as_ref()
                    .map_or(String::new(), |f| format!(": {f}"));
                return Some(StreamFault {
                    kind: FaultKind::Lost,
                    message: format!(
                        "the output stopped asking for audio for {:.1} s{why}",
                        since.elapsed().as_secs_f64()
                    ),
                });
            }
            Some(_) => {}
        }
        None
    }

    /// Once, after the output has run a second: an output that took audio much faster than
    /// real time does not wait for its device, so its thread goes back to normal priority.
    fn check_pace(&mut self, running: &Running, status: &Status, frames: u64) {
        let (start, since) = *self.pace_check.get_or_insert((frames, Instant::now()));
        let elapsed = since.elapsed().as_secs_f64();
        if self.pace_checked || elapsed < 1.0 {
            return;
        }
        self.pace_checked = true;
        let speed = (frames - start) as f64 / (elapsed * f64::from(self.rate));
        if speed > 1.5 && running.demote(status) {
            self.line(&format!(
                "note: the output takes audio {speed:.0}× faster than real time; its thread is back at normal priority"
            ));
        }
    }

    /// Ends playback the way quitting should sound: a few milliseconds of fade, then the
    /// output plays what it holds, then the session ends.
    fn stop_and_drain(
        &mut self,
        player: &mut Player,
        running: &Running,
        status: &Status,
    ) -> Outcome {
        player.stop_playback();
        running.wait_drained(status, Duration::from_secs(2));
        match running.device_error().filter(StreamFault::is_fatal) {
            Some(fault) => Outcome::OutputLost(fault),
            None => Outcome::Done,
        }
    }

    /// Whether playback ended a while ago and the output never said it had played it (a
    /// device whose clock stopped): the session ends anyway.
    fn drain_timed_out(&mut self, status: &Status) -> bool {
        if status.final_frame().is_none() {
            self.ended_at = None;
            return false;
        }
        let since = *self.ended_at.get_or_insert_with(Instant::now);
        since.elapsed() > Duration::from_secs(3)
    }

    fn on_event(&mut self, event: PlayerEvent, player: &mut Player, started: Instant) {
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
            PlayerEvent::Feeder(FeederEvent::Damaged { index, packets }) => self.line(&format!(
                "note  {}: {packets} damaged packet(s) skipped",
                self.queue.heading(index)
            )),
            PlayerEvent::Feeder(FeederEvent::SeekFailed { reason }) => {
                self.line(&format!("seek  {reason}"))
            }
            PlayerEvent::Feeder(FeederEvent::Finished) => {}
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
            PlayerEvent::Audio(Event::TrackStarted { index, frame }) => {
                if self.first_audio.is_none() {
                    let t = started.elapsed();
                    self.first_audio = Some(t);
                    self.line(&format!(
                        "first audio frame after {:.1} ms",
                        t.as_secs_f64() * 1e3
                    ));
                }
                let new_track = self.track != Some(index);
                if new_track {
                    self.played += 1;
                    self.last_cue = None;
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
                if new_track && let Some(focus) = self.queue.focus(index) {
                    self.line(&format!("      focus: {focus}"));
                }
                if new_track && let Some(mut ab) = self.ab.take() {
                    ab.on_track(self, player, index);
                    self.ab = Some(ab);
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
            PlayerEvent::Audio(Event::Switched { slot, frame, .. }) => {
                if let Some(ab) = self.ab.as_mut() {
                    let text = ab.on_switched(slot, frame as f64 / f64::from(self.rate));
                    if let Some(text) = text {
                        self.line(&text);
                    }
                }
            }
            PlayerEvent::Audio(Event::CueReached { track, id }) => {
                if let Some(cue) = self.queue.cues(track).get(id) {
                    let text = format!("cue   {} {}", format_time(cue.at), cue.label);
                    self.last_cue = Some(id);
                    self.line(&text);
                }
            }
        }
    }

    /// The playing position in seconds.
    pub(super) fn position(&self, status: &Status) -> f64 {
        status
            .track_frame
            .load(std::sync::atomic::Ordering::Relaxed) as f64
            / f64::from(self.rate)
    }

    /// The label of the last cue passed in the current track.
    pub(super) fn last_cue_label(&self) -> Option<String> {
        let track = self.track?;
        let cue = self.queue.cues(track).get(self.last_cue?)?;
        Some(format!("{} {}", format_time(cue.at), cue.label))
    }

    fn draw_status(&self, status: &Status) {
        use std::io::Write;
        let Some(track) = self.track else { return };
        let pos = self.position(status);
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
        let profile = self
            .ab
            .as_ref()
            .map_or(String::new(), |ab| format!(" · {}", ab.status_label()));
        print!(
            "\r\x1b[2K{} {}{length}{next_cue} · {level}{profile}{}{state}",
            self.queue.short_heading(track),
            format_time(pos),
            if self.looping { " · loop" } else { "" }
        );
        let _ = std::io::stdout().flush();
    }

    /// Acts on an input; false to quit.
    fn on_input(&mut self, input: Input, player: &mut Player, status: &Status) -> bool {
        let track = self.track.unwrap_or(0);
        let pos = self.position(status);
        match input {
            Input::Quit => return false,
            Input::Pause => match status.transport() {
                Transport::Paused | Transport::Pausing => player.resume(),
                _ => player.pause(),
            },
            Input::Next => {
                if let Some(next) = self.queue.next_playable(track) {
                    player.goto(next, 0.0);
                }
            }
            Input::Previous => {
                // As players do: back to the start, or to the previous track near the start.
                if pos > 3.0 {
                    player.goto(track, 0.0);
                } else if let Some(prev) = self.queue.previous_playable(track) {
                    player.goto(prev, 0.0);
                }
            }
            Input::Seek(delta) => player.goto(track, (pos + delta).max(0.0)),
            Input::Cue(n) => match self.queue.cues(track).get(n).map(|c| c.at) {
                Some(at) => match self.ab.take() {
                    Some(mut ab) => {
                        ab.replay_cue(self, player, track, at);
                        self.ab = Some(ab);
                    }
                    None => player.goto(track, at),
                },
                None => self.line(&format!("no cue {} in this track", n + 1)),
            },
            Input::Loop => {
                if self.queue.has_loop(track) {
                    self.looping = !self.looping;
                    player.set_loop(self.looping);
                    self.line(if self.looping { "loop on" } else { "loop off" });
                } else {
                    self.line("this track has no loop region");
                }
            }
            Input::Volume(step) => {
                self.volume = (self.volume + step).clamp(-60.0, 0.0);
                player.set_volume(self.volume);
            }
            Input::Profile(_) | Input::Toggle | Input::Note(_) => {
                if let Some(mut ab) = self.ab.take() {
                    ab.on_input(self, player, status, input);
                    self.ab = Some(ab);
                } else if let Input::Note(_) = input {
                    self.line("notes are taken in `iemlab ab`");
                }
            }
        }
        true
    }

    /// Reads a one-line note on the terminal, completing sound-wheel words with Tab.
    pub(super) fn prompt_note(&self) -> Option<String> {
        use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind};
        use std::io::Write;
        if !self.raw {
            return None;
        }
        let mut text = String::new();
        loop {
            print!("\r\x1b[2Knote> {text}");
            let _ = std::io::stdout().flush();
            let Ok(TermEvent::Key(k)) = event::read() else {
                continue;
            };
            if k.kind == KeyEventKind::Release {
                continue;
            }
            match k.code {
                KeyCode::Enter => return Some(text).filter(|t| !t.trim().is_empty()),
                KeyCode::Esc => return None,
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Tab => {
                    let word_start = text.rfind(' ').map_or(0, |i| i + 1);
                    if let Some(term) = crate::ab::notes::complete(&text[word_start..]) {
                        text.truncate(word_start);
                        text.push_str(term);
                        text.push(' ');
                    }
                }
                KeyCode::Char(c) => text.push(c),
                _ => {}
            }
        }
    }

    /// The closing summary line.
    pub(super) fn finish(&self, status: &Status, frames: Option<u64>) {
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

/// How long a device may stop asking for audio before the session counts it as lost: far
/// longer than any buffer (the largest JACK period is 0.34 s at 48 kHz).
const STALLED: Duration = Duration::from_secs(1);

/// Lines from stdin, read on a thread so the session loop never blocks on them.
fn stdin_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let _ = std::thread::Builder::new()
        .name("iemlab-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
    rx
}

/// A stdin line as an input: a key's letter (`a`, `n`, `q`, `1`, …), `space`, `left`,
/// `right`, or `note: TEXT`.
fn parse_line(line: &str, ab: bool) -> Option<Input> {
    let t = line.trim();
    if let Some(text) = t.strip_prefix("note:") {
        return Some(Input::Note(Some(text.trim().to_string())));
    }
    match t {
        "space" | " " => Some(if ab { Input::Toggle } else { Input::Pause }),
        "left" => Some(Input::Seek(-5.0)),
        "right" => Some(Input::Seek(5.0)),
        "quit" => Some(Input::Quit),
        "next" => Some(Input::Next),
        "previous" => Some(Input::Previous),
        "pause" => Some(Input::Pause),
        // One key per line; any other word is not a command (it never acts on its first
        // letter: "null" is not "n").
        _ => {
            let mut chars = t.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => key_input(c, ab),
                _ => None,
            }
        }
    }
}

/// The input a character key means.
fn key_input(c: char, ab: bool) -> Option<Input> {
    Some(match c {
        'q' => Input::Quit,
        ' ' if ab => Input::Toggle,
        ' ' | 's' => Input::Pause,
        'n' => Input::Next,
        'p' => Input::Previous,
        'l' => Input::Loop,
        'm' => Input::Note(None),
        '+' | '=' => Input::Volume(1.0),
        '-' => Input::Volume(-1.0),
        'a'..='d' if ab => Input::Profile(c as usize - 'a' as usize),
        '1'..='9' => Input::Cue(c as usize - '1' as usize),
        _ => return None,
    })
}

fn read_key(timeout: Duration, ab: bool) -> anyhow::Result<Option<Input>> {
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
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Some(Input::Quit),
        KeyCode::Esc => Some(Input::Quit),
        KeyCode::Right => Some(Input::Seek(5.0)),
        KeyCode::Left => Some(Input::Seek(-5.0)),
        KeyCode::Up => Some(Input::Volume(1.0)),
        KeyCode::Down => Some(Input::Volume(-1.0)),
        KeyCode::Char(c) => key_input(c, ab),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_lines_are_single_keys_or_whole_words() {
        assert!(matches!(parse_line("n", false), Some(Input::Next)));
        assert!(matches!(parse_line(" next ", false), Some(Input::Next)));
        assert!(matches!(parse_line("q", false), Some(Input::Quit)));
        assert!(matches!(parse_line("b", true), Some(Input::Profile(1))));
        assert!(matches!(parse_line("space", true), Some(Input::Toggle)));
        assert!(matches!(
            parse_line("note: warm mids", true),
            Some(Input::Note(Some(t))) if t == "warm mids"
        ));
        // A word is never read as its first letter: "null" is not "next", "quiet" not "quit".
        assert!(parse_line("null", false).is_none());
        assert!(parse_line("quiet", false).is_none());
        assert!(parse_line("", false).is_none());
    }
}
