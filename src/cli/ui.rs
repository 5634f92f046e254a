//! The terminal face of a listening session: keys on a terminal (or one command per stdin
//! line when not on one), lines above a status line that fits the terminal's width, and the
//! loop that feeds keys and engine events to the session and carries out what comes back.

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::keys::{Key, parse_line, read_key, stdin_lines};
use crate::ab::notes::NotesFile;
use crate::engine::{Player, Running, Status, StreamFault, Watch};
use crate::session::{Command, Effect, Input, Now, Session, Update};

/// How a session's event loop ended.
pub(super) enum Outcome {
    /// The playlist ended, the listener quit or the blind test is done.
    Done,
    /// The output stopped for good (a sound card unplugged); the session can go on elsewhere.
    OutputLost(StreamFault),
}

/// Where notes go: opened at the first note, so a session without notes writes nothing.
pub(super) struct Notes {
    path: PathBuf,
    file: Option<NotesFile>,
}

impl Notes {
    pub(super) fn new(path: PathBuf) -> Notes {
        Notes { path, file: None }
    }

    /// The notes file.
    pub(super) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends `note` (opening the file, and making its folder, at the first note); returns
    /// the lines that say what happened.
    pub(super) fn save(&mut self, note: &crate::ab::notes::Note) -> Vec<String> {
        let mut lines = Vec::new();
        if self.file.is_none() {
            // The notes file's folder (the data folder's by default) is made on the first note.
            if let Some(folder) = self.path.parent()
                && !folder.as_os_str().is_empty()
            {
                let _ = std::fs::create_dir_all(folder);
            }
            match NotesFile::open(&self.path) {
                Ok(f) => {
                    lines.push(format!("notes go to {}", self.path.display()));
                    self.file = Some(f);
                }
                Err(e) => {
                    lines.push(format!("note not saved: {e}"));
                    return lines;
                }
            }
        }
        match self.file.as_mut().map(|f| f.append(note)) {
            Some(Ok(())) => lines.push(format!(
                "noted {} {} [{}]: {}",
                note.track, note.position, note.profile, note.text
            )),
            Some(Err(e)) => lines.push(format!("note not saved: {e}")),
            None => {}
        }
        lines
    }
}

/// The terminal: raw keys when stdin and stdout are one, stdin lines otherwise.
pub(super) struct Terminal {
    tty: bool,
    raw: bool,
    stdin: Option<mpsc::Receiver<String>>,
}

impl Terminal {
    pub(super) fn new() -> Terminal {
        use std::io::IsTerminal;
        Terminal {
            tty: std::io::stdout().is_terminal() && std::io::stdin().is_terminal(),
            raw: false,
            stdin: None,
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

    /// Raw keys on a terminal (with the key help), stdin lines otherwise.
    fn open(&mut self, help: &str) {
        if self.tty {
            self.raw = crossterm::terminal::enable_raw_mode().is_ok();
        }
        if self.raw {
            self.line(help);
        } else if self.stdin.is_none() {
            self.stdin = Some(stdin_lines());
        }
    }

    fn close(&mut self) {
        if self.raw {
            let _ = crossterm::terminal::disable_raw_mode();
            self.raw = false;
            println!();
        }
    }

    /// Redraws the status line in place, fitted to the terminal's width as it is now (a
    /// resize takes effect at the next draw).
    fn draw(&self, session: &Session, now: &Now, peak: f32) {
        use std::io::Write;
        let width = crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w));
        let peak_db = (peak > 0.0).then(|| 20.0 * f64::from(peak).log10());
        // One column short of the width: a line that fills it exactly wraps on some terminals.
        let line = session.status_line(now, peak_db, width.saturating_sub(1));
        print!("\r\x1b[2K{line}");
        let _ = std::io::stdout().flush();
    }

    /// The next input: a key within `timeout` on a terminal, or a stdin line.
    fn next_input(&mut self, ab: bool) -> anyhow::Result<Option<Input>> {
        if self.raw {
            return match read_key(Duration::from_millis(50), ab)? {
                Some(Key::Input(input)) => Ok(Some(input)),
                Some(Key::NotePrompt) => {
                    Ok(self.prompt_note().and_then(|t| self.note_or_rating(&t)))
                }
                None => Ok(None),
            };
        }
        match self
            .stdin
            .as_ref()
            .map(|rx| rx.recv_timeout(Duration::from_millis(20)))
        {
            Some(Ok(line)) => {
                if line.trim().starts_with("rate:") {
                    return Ok(self.note_or_rating(&line));
                }
                let input = parse_line(&line, ab);
                if input.is_none() && !line.trim().is_empty() {
                    self.line(&format!(
                        "unknown command {:?}: one key per line (space, n, p, q, l, 1-9, +, -, a-d in A/B), a word (next, previous, pause, quit, left, right) or note: TEXT",
                        line.trim()
                    ));
                }
                Ok(input)
            }
            Some(Err(mpsc::RecvTimeoutError::Disconnected)) | None => {
                std::thread::sleep(Duration::from_millis(20));
                Ok(None)
            }
            Some(Err(mpsc::RecvTimeoutError::Timeout)) => Ok(None),
        }
    }

    /// Reads a one-line note on the terminal, completing sound-wheel words with Tab.
    /// A note's text as an input: `rate: SECTION SCORE [words]` becomes a rating (or, when
    /// it is not one, says why and is dropped); anything else is a note.
    fn note_or_rating(&self, text: &str) -> Option<Input> {
        let Some(rest) = text.trim().strip_prefix("rate:") else {
            return Some(Input::Note(text.to_string()));
        };
        match crate::ab::rating::Rating::parse(rest) {
            Ok(rating) => Some(Input::Note(rating.note_text())),
            Err(why) => {
                self.line(&format!("not saved: {why}"));
                None
            }
        }
    }

    fn prompt_note(&self) -> Option<String> {
        use crossterm::event::{self, Event as TermEvent, KeyCode, KeyEventKind};
        use std::io::Write;
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
}

/// Everything the event loop drives.
pub(super) struct Face<'a> {
    pub session: &'a mut Session,
    pub player: &'a mut Player,
    pub term: &'a mut Terminal,
    pub notes: &'a mut Notes,
    /// Where the blind test's log goes, and whether it may replace a file.
    pub abx_log: Option<(PathBuf, bool)>,
    pub rate: u32,
    pub started: Instant,
}

impl Face<'_> {
    fn now(&self, status: &Status) -> Now {
        Now {
            elapsed: self.started.elapsed(),
            position: status.track_frame.load(Ordering::Relaxed) as f64 / f64::from(self.rate),
            frames_out: status.frames_out.load(Ordering::Relaxed),
            transport: status.transport(),
        }
    }

    /// Runs until the playlist ends, the listener quits, the blind test is done or the
    /// output is lost.
    pub(super) fn run(&mut self, running: &Running, status: &Status) -> anyhow::Result<Outcome> {
        self.term.open(self.session.key_help());
        let outcome = self.event_loop(running, status);
        self.term.close();
        outcome
    }

    fn event_loop(&mut self, running: &Running, status: &Status) -> anyhow::Result<Outcome> {
        let mut watch = Watch::new(self.rate);
        loop {
            if self.feed_events(status) {
                return Ok(self.stop_and_drain(running, status));
            }
            if let Some(signal) = crate::interrupt::requested() {
                // Notes are already on disk (each is synced as written); the caller stops
                // the output, which discards an unfinished WAV, and restores the terminal.
                self.term.line(&format!(
                    "interrupted by {}: stopping",
                    crate::interrupt::signal_name(signal)
                ));
                return Ok(self.stop_and_drain(running, status));
            }
            let seen = watch.look(running, status);
            for line in &seen.lines {
                self.term.line(line);
            }
            if let Some(fault) = seen.lost {
                return Ok(Outcome::OutputLost(fault));
            }
            if watch.is_finished(running, status) {
                self.feed_events(status);
                // A sink that stopped because it failed says so just before it ends.
                if let Some(fault) = running.device_error().filter(StreamFault::is_fatal) {
                    return Ok(Outcome::OutputLost(fault));
                }
                return Ok(Outcome::Done);
            }
            let now = self.now(status);
            let effects = self.session.update(Update::Tick, &now);
            if self.apply(effects) {
                return Ok(self.stop_and_drain(running, status));
            }
            if self.term.raw {
                self.term.draw(self.session, &now, status.take_peak());
            }
            if let Some(input) = self.term.next_input(self.session.is_ab())? {
                let now = self.now(status);
                let effects = self.session.update(Update::Input(input), &now);
                if self.apply(effects) {
                    return Ok(self.stop_and_drain(running, status));
                }
            }
        }
    }

    /// Passes the engine's events to the session; true if it asked to stop.
    fn feed_events(&mut self, status: &Status) -> bool {
        let mut stop = false;
        for event in self.player.poll() {
            let now = self.now(status);
            let effects = self.session.update(Update::Engine(event), &now);
            stop |= self.apply(effects);
        }
        stop
    }

    /// Carries out what the session asked for; true if it asked to stop.
    fn apply(&mut self, effects: Vec<Effect>) -> bool {
        let mut stop = false;
        for effect in effects {
            match effect {
                Effect::Engine(command) => run_command(self.player, command),
                Effect::Show(line) => self.term.line(&line),
                Effect::SaveNote(note) => {
                    for line in self.notes.save(&note) {
                        self.term.line(&line);
                    }
                }
                Effect::SaveAbxLog(log) => {
                    let Some((path, force)) = &self.abx_log else {
                        continue;
                    };
                    if let Some(folder) = path.parent()
                        && !folder.as_os_str().is_empty()
                    {
                        let _ = std::fs::create_dir_all(folder);
                    }
                    match crate::atomic_file::save(path, log.json().as_bytes(), *force) {
                        Ok(()) => self
                            .term
                            .line(&format!("trial log written to {}", path.display())),
                        Err(e) => self.term.line(&format!("trial log not written: {e:#}")),
                    }
                }
                Effect::Stop => stop = true,
            }
        }
        stop
    }

    /// Ends playback the way quitting should sound: a few milliseconds of fade, then the
    /// output plays what it holds, then the session ends.
    fn stop_and_drain(&mut self, running: &Running, status: &Status) -> Outcome {
        self.player.stop_playback();
        running.wait_drained(status, Duration::from_secs(2));
        self.feed_events(status);
        match running.device_error().filter(StreamFault::is_fatal) {
            Some(fault) => Outcome::OutputLost(fault),
            None => Outcome::Done,
        }
    }
}

/// A session's engine command, given to the engine.
pub(super) fn run_command(player: &mut Player, command: Command) {
    match command {
        Command::Select { slot, fade_ms } => player.select(slot, fade_ms),
        Command::Goto { track, seconds } => player.goto(track, seconds),
        Command::SwitchAt {
            track,
            seconds,
            slot,
            fade_ms,
        } => player.switch_at(track, seconds, slot, fade_ms),
        Command::CueAt { track, seconds, id } => player.cue_at(track, seconds, id),
        Command::SetLoop(on) => player.set_loop(on),
        Command::AlternateOnLoop(pair) => player.alternate_on_loop(pair),
        Command::Pause => player.pause(),
        Command::Resume => player.resume(),
        Command::Volume(db) => player.set_volume(db),
    }
}
