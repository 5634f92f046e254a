//! What `play` (and later `ab`) share: turning the command line's playlist or files into a
//! queue of resolved tracks, and loading the EQ profile.

use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::SessionArgs;
use super::ui::{Outcome, Ui};
use crate::decode::AudioFile;
use crate::engine::{
    self, Callback, EngineConfig, MAX_PROFILES, Output, Pace, Player, Prepared, Running,
    TrackSource,
};
use crate::playlist::{Cue, Entry, Library, Playlist, Resolution};
use crate::preset::EqProfile;
use crate::timecode::format_time;

/// The tracks to play, resolved to files.
pub(super) struct Queue {
    /// Section name of each entry ("" for loose files).
    sections: Vec<String>,
    entries: Vec<Entry>,
    resolved: Vec<Resolution>,
    /// Playlist name, when playing one.
    name: Option<String>,
    /// Level-matching gain per profile slot for each entry, dB.
    levels: Vec<[f32; MAX_PROFILES]>,
}

impl Queue {
    /// A queue from `play`'s inputs: one playlist, or audio files. Playlist entries are
    /// looked up in the library folders (`--library`, else the config file's).
    pub(super) fn from_inputs(inputs: &[PathBuf], library: &[PathBuf]) -> anyhow::Result<Queue> {
        let playlists: Vec<&PathBuf> = inputs
            .iter()
            .filter(|p| super::play::is_playlist_path(p))
            .collect();
        if playlists.len() > 1 || (!playlists.is_empty() && inputs.len() > 1) {
            return Err(super::usage(
                "give one playlist, or audio files, not both".into(),
            ));
        }
        if let Some(path) = playlists.first() {
            let playlist = Playlist::load(path)?;
            let dirs = super::play::library_dirs(library)?;
            let needs_library = playlist.entries().any(|(_, e)| e.file.is_none());
            let (lib, warnings) = if needs_library && !dirs.is_empty() {
                Library::scan(&dirs)
            } else {
                (Library::default(), Vec::new())
            };
            for w in warnings {
                eprintln!("library: {w}");
            }
            let mut sections = Vec::new();
            let mut entries = Vec::new();
            let mut resolved = Vec::new();
            for (si, entry) in playlist.entries() {
                sections.push(playlist.sections[si].name.clone());
                resolved.push(lib.resolve(entry));
                entries.push(entry.clone());
            }
            return Ok(Queue {
                sections,
                entries,
                levels: vec![[0.0; MAX_PROFILES]; resolved.len()],
                resolved,
                name: Some(playlist.name),
            });
        }
        let entries: Vec<Entry> = inputs.iter().map(|p| loose_entry(p)).collect();
        let resolved = entries
            .iter()
            .map(|e| match &e.file {
                Some(f) if f.is_file() => Resolution::Found {
                    path: f.clone(),
                    how: "file",
                },
                Some(f) => Resolution::Missing {
                    reason: format!("{}: no such file", f.display()),
                    candidates: Vec::new(),
                },
                None => Resolution::Missing {
                    reason: "no file".into(),
                    candidates: Vec::new(),
                },
            })
            .collect();
        Ok(Queue {
            sections: vec![String::new(); entries.len()],
            levels: vec![[0.0; MAX_PROFILES]; entries.len()],
            entries,
            resolved,
            name: None,
        })
    }

    /// Number of entries.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The engine's track list (unresolved entries have no path and are skipped).
    pub(super) fn sources(&self) -> Vec<TrackSource> {
        self.entries
            .iter()
            .zip(&self.resolved)
            .enumerate()
            .map(|(i, (e, r))| TrackSource {
                path: r.path().map(Path::to_path_buf),
                loop_region: e.loops.first().map(|l| (l.from, l.to)),
                levels_db: self.levels.get(i).copied().unwrap_or_default(),
            })
            .collect()
    }

    /// "[Timbre 1/13] Ed Sheeran – Shivers".
    pub(super) fn heading(&self, index: usize) -> String {
        let Some(entry) = self.entries.get(index) else {
            return format!("[{}]", index + 1);
        };
        let section = self.sections.get(index).map_or("", String::as_str);
        let sep = if section.is_empty() { "" } else { " " };
        format!(
            "[{section}{sep}{}/{}] {}",
            index + 1,
            self.entries.len(),
            entry.display_name()
        )
    }

    /// "3/13 Shivers" for the status line.
    pub(super) fn short_heading(&self, index: usize) -> String {
        let title = self.entries.get(index).map_or("", |e| e.title.as_str());
        format!("{}/{} {title}", index + 1, self.entries.len())
    }

    /// Sets entry `index`'s level-matching gains (dB per profile slot).
    pub(super) fn set_levels(&mut self, index: usize, gains_db: &[f64]) {
        if let Some(l) = self.levels.get_mut(index) {
            for (slot, g) in l.iter_mut().zip(gains_db) {
                *slot = *g as f32;
            }
        }
    }

    /// Length of entry `index` in seconds, when its file says.
    pub(super) fn duration(&self, index: usize) -> Option<f64> {
        AudioFile::open(self.path(index)?).ok()?.info().seconds()
    }

    /// Gives every entry the loop region `(from, to)` (seconds).
    pub(super) fn set_loop(&mut self, (from, to): (f64, f64)) {
        for e in &mut self.entries {
            e.loops = vec![crate::playlist::LoopRegion { from, to, line: 0 }];
        }
    }

    /// Entry `index`.
    pub(super) fn entry(&self, index: usize) -> Option<&Entry> {
        self.entries.get(index)
    }

    /// Section name of entry `index` ("" for loose files).
    pub(super) fn section(&self, index: usize) -> &str {
        self.sections.get(index).map_or("", String::as_str)
    }

    /// The resolved file of entry `index`.
    pub(super) fn path(&self, index: usize) -> Option<&Path> {
        self.resolved.get(index).and_then(Resolution::path)
    }

    /// What to listen for in entry `index`.
    pub(super) fn focus(&self, index: usize) -> Option<&str> {
        self.entries
            .get(index)
            .map(|e| e.focus.as_str())
            .filter(|f| !f.is_empty())
    }

    /// Cue points of entry `index`.
    pub(super) fn cues(&self, index: usize) -> &[Cue] {
        self.entries.get(index).map_or(&[], |e| &e.cues)
    }

    /// Whether entry `index` has a loop region.
    pub(super) fn has_loop(&self, index: usize) -> bool {
        self.entries.get(index).is_some_and(|e| !e.loops.is_empty())
    }

    pub(super) fn next_playable(&self, index: usize) -> Option<usize> {
        (index + 1..self.len()).find(|&i| self.resolved[i].path().is_some())
    }

    pub(super) fn previous_playable(&self, index: usize) -> Option<usize> {
        (0..index)
            .rev()
            .find(|&i| self.resolved[i].path().is_some())
    }

    /// The entry to start at: `--start N` (1-based) or a section name (or its start).
    pub(super) fn start_index(&self, start: Option<&str>) -> anyhow::Result<usize> {
        let Some(start) = start else { return Ok(0) };
        if let Ok(n) = start.parse::<usize>() {
            if n == 0 || n > self.len() {
                return Err(super::usage(format!(
                    "--start {n}: the queue has entries 1 to {}",
                    self.len()
                )));
            }
            return Ok(n - 1);
        }
        let wanted = start.to_lowercase();
        self.sections
            .iter()
            .position(|s| s.to_lowercase().starts_with(&wanted))
            .ok_or_else(|| {
                let mut names: Vec<&str> = self.sections.iter().map(String::as_str).collect();
                names.dedup();
                super::usage(format!(
                    "--start {start}: no section of that name (sections: {})",
                    names.join(", ")
                ))
            })
    }

    /// Sample rate of the first playable track from `start`, for choosing the device rate.
    pub(super) fn first_rate(&self, start: usize) -> Option<u32> {
        self.resolved
            .iter()
            .skip(start)
            .filter_map(Resolution::path)
            .find_map(|p| AudioFile::open(p).ok().map(|f| f.info().sample_rate))
    }

    /// Prints where each entry resolved, or why not and the closest candidates.
    pub(super) fn print_resolution(&self) {
        if let Some(name) = &self.name {
            println!("{name}");
        }
        let mut section = "";
        for (i, (entry, res)) in self.entries.iter().zip(&self.resolved).enumerate() {
            if self.sections[i] != section {
                section = &self.sections[i];
                println!("\n{section}");
            }
            let cues = if entry.cues.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = entry
                    .cues
                    .iter()
                    .map(|c| format!("{} {}", format_time(c.at), c.label))
                    .collect();
                format!("  cues: {}", list.join(", "))
            };
            match res {
                Resolution::Found { path, how } => println!(
                    "  {:>2}. {}  →  {} (by {how}){cues}",
                    i + 1,
                    entry.display_name(),
                    path.display()
                ),
                Resolution::Missing { reason, candidates } => {
                    println!(
                        "  {:>2}. {}  →  MISSING: {reason}{cues}",
                        i + 1,
                        entry.display_name()
                    );
                    for c in candidates {
                        println!(
                            "        closest: {} ({:.0}% alike)",
                            c.path.display(),
                            c.score * 100.0
                        );
                    }
                }
            }
        }
        let found = self.resolved.iter().filter(|r| r.path().is_some()).count();
        println!("\n{found} of {} entries resolved", self.len());
    }

    /// Prints the entries that will be skipped.
    pub(super) fn report_missing(&self) {
        for (i, res) in self.resolved.iter().enumerate() {
            if let Resolution::Missing { reason, .. } = res {
                eprintln!("missing {}: {reason}", self.heading(i));
            }
        }
    }
}

/// A loose file on the command line as a playlist entry.
fn loose_entry(path: &Path) -> Entry {
    Entry {
        artist: String::new(),
        title: path
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        album: None,
        file: Some(path.to_path_buf()),
        link: None,
        focus: String::new(),
        cues: Vec::new(),
        loops: Vec::new(),
        line: 0,
    }
}

/// `--eq` for a session at `rate` Hz: a profile file, `flat`, or none (flat).
pub(super) fn load_profile(eq: Option<&str>, rate: u32) -> anyhow::Result<Option<EqProfile>> {
    let profile = read_profile(eq)?;
    if let Some(p) = &profile {
        p.check_rate(rate)?;
    }
    Ok(profile)
}

/// `--eq` before the session's rate is known: a profile file, `flat`, or none (flat).
pub(super) fn read_profile(eq: Option<&str>) -> anyhow::Result<Option<EqProfile>> {
    match eq {
        None | Some("flat") => Ok(None),
        Some(path) => Ok(Some(EqProfile::load(Path::new(path))?)),
    }
}

/// A listening session being set up: the engine built at the output's rate, not yet
/// running. Profiles are loaded into `player` before [`Session::run`].
pub(super) struct Session {
    pub player: Player,
    pub ui: Ui,
    pub rate: u32,
    callback: Option<Callback>,
    prepared: Option<Prepared>,
    /// What a replacement output is opened with after the first one is lost.
    buffer: Option<u32>,
    host: Option<String>,
    pace: Pace,
    /// The rest of the opening line, after the output and its latency (EQ, volume, …).
    headline: String,
    /// Lines shown after the opening line (the profiles compared).
    intro: Vec<String>,
}

impl Session {
    /// Reports missing entries, picks the start entry and the output, and builds the engine
    /// (with every entry's cue points registered), looping each entry's loop region from
    /// the start when `looping`. None when nothing can be played.
    pub(super) fn open(
        queue: Queue,
        args: &SessionArgs,
        looping: bool,
    ) -> anyhow::Result<Option<Session>> {
        queue.report_missing();
        let start = queue.start_index(args.start.as_deref())?;
        let Some(preferred_rate) = queue.first_rate(start) else {
            eprintln!("nothing to play: no entry resolved to a readable file");
            return Ok(None);
        };
        let output = Output::parse(args.device.as_deref());
        let pace = if args.fast {
            Pace::Fast
        } else {
            Pace::RealTime
        };
        let prepared = Prepared::new(
            &output,
            args.host.as_deref(),
            preferred_rate,
            args.buffer,
            pace,
            args.force,
        )?
        .fail_after(args.fail_output_after);
        let rate = prepared.rate();
        let mut config = EngineConfig::new(rate);
        config.callback.volume_db = args.volume;
        config.callback.ceiling_db = args.ceiling;
        config.callback.start_held = true;
        config.period_frames = prepared.buffer_frames();
        config.start_track = start;
        config.looping = looping;
        let (mut player, callback) = engine::start(config, queue.sources());
        for track in 0..queue.len() {
            for (id, cue) in queue.cues(track).iter().enumerate() {
                player.cue_at(track, cue.at, id);
            }
        }
        Ok(Some(Session {
            player,
            ui: Ui::new(queue, rate, args.volume),
            rate,
            callback: Some(callback),
            prepared: Some(prepared),
            buffer: args.buffer,
            host: args.host.clone(),
            pace,
            headline: String::new(),
            intro: Vec::new(),
        }))
    }

    /// Sets what the opening line says after the output and its latency.
    pub(super) fn set_headline(&mut self, text: String) {
        self.headline = text;
    }

    /// Adds a line to show after the opening line.
    pub(super) fn add_intro(&mut self, text: String) {
        self.intro.push(text);
    }

    /// Starts `prepared` with the audio queued ahead, says how it runs (latency, scheduling,
    /// adjustments), and starts the music.
    fn start_output(
        &mut self,
        prepared: Prepared,
        callback: Callback,
        status: &Arc<crate::engine::Status>,
        first: bool,
    ) -> anyhow::Result<Running> {
        if !self.player.wait_ready(Duration::from_secs(3)) {
            self.ui
                .line("note: the decoder is slow to start; playback may begin with a gap");
        }
        let lookahead = callback.latency_frames();
        // What the last output measured does not describe this one.
        status.device_buffer.store(0, Ordering::Relaxed);
        status.output_delay_ns.store(0, Ordering::Relaxed);
        status.callback_thread.store(0, Ordering::Relaxed);
        let running = prepared.start(callback, Arc::clone(status))?;
        let described = running.describe();
        let report = running.report(status, Duration::from_millis(300));
        let latency = report.latency(self.rate, lookahead);
        let server = if report.server_delay > 0.0 {
            format!(" + {:.1} ms server", report.server_delay * 1e3)
        } else {
            String::new()
        };
        let how = format!(
            "{described}; latency {:.1} ms ({} frames{server}), {}",
            latency * 1e3,
            report.buffer_frames,
            report.scheduling
        );
        if first {
            let tail = if self.headline.is_empty() {
                String::new()
            } else {
                format!("; {}", self.headline)
            };
            self.ui.line(&format!("output: {how}{tail}"));
            for line in std::mem::take(&mut self.intro) {
                self.ui.line(&line);
            }
        } else {
            self.ui.line(&format!("going on with {how}"));
        }
        for note in running.notes() {
            self.ui.line(&format!("note: {note}"));
        }
        for (ours, theirs) in running.routed() {
            self.ui.line(&format!("note: JACK {ours} → {theirs}"));
        }
        self.player.start_playback();
        Ok(running)
    }

    /// Starts the output and runs the session to its end. If the output is lost (a sound
    /// card unplugged), the session stops cleanly, says so, and offers to go on where it
    /// was on another output.
    pub(super) fn run(mut self) -> anyhow::Result<()> {
        let (Some(mut prepared), Some(mut callback)) = (self.prepared.take(), self.callback.take())
        else {
            anyhow::bail!("the session was already run");
        };
        let status = Arc::clone(self.player.status());
        let started = Instant::now();
        let mut first = true;
        loop {
            let running = self.start_output(prepared, callback, &status, first)?;
            first = false;
            let outcome = self.ui.run(&mut self.player, &running, &status, started);
            let Ok(Outcome::OutputLost(fault)) = outcome else {
                self.player.stop();
                let report = running.finish()?;
                self.ui.finish(&status, report.as_ref().map(|r| r.frames));
                return outcome.map(|_| ());
            };
            let (back, report) = running.stop();
            let (track, seconds) = self.player.position();
            self.ui.line(&format!(
                "output lost at {} {}: {fault}",
                self.ui.queue.short_heading(track),
                format_time(seconds)
            ));
            if let Err(e) = report {
                self.ui
                    .line(&format!("output: {}", super::error_text(&e.into())));
            }
            let next = match back {
                Some(back) => self.replacement_output()?.map(|p| (p, back)),
                None => None,
            };
            let Some((next, back)) = next else {
                self.player.stop();
                self.ui.finish(&status, None);
                return Err(OutputLost(fault.message).into());
            };
            prepared = next;
            callback = back;
        }
    }

    /// Asks which output to go on with after the first was lost: the default device, one
    /// from the list, `null`, or `wav:PATH`. None when the user declines (or input ends).
    fn replacement_output(&mut self) -> anyhow::Result<Option<Prepared>> {
        let devices = crate::engine::device::list(false);
        for d in &devices {
            let default = if d.is_default { " (default)" } else { "" };
            self.ui.line(&format!("  {}: {}{default}", d.index, d.name));
        }
        loop {
            let Some(answer) = self.ui.ask(
                "continue on: Enter = default device, a device number or name, null, wav:FILE, or q to stop: ",
            ) else {
                return Ok(None);
            };
            if answer == "q" || answer == "quit" {
                return Ok(None);
            }
            let output = Output::parse(Some(&answer));
            match Prepared::new(
                &output,
                self.host.as_deref(),
                self.rate,
                self.buffer,
                self.pace,
                false,
            ) {
                Ok(p) if p.rate() == self.rate => return Ok(Some(p)),
                Ok(p) => self.ui.line(&format!(
                    "{} runs at {} Hz but this session plays at {} Hz: choose another output",
                    p.describe(),
                    p.rate(),
                    self.rate
                )),
                Err(e) => self.ui.line(&super::error_text(&e.into())),
            }
        }
    }
}

/// The output stopped and the session was not moved to another one.
#[derive(Debug, thiserror::Error)]
#[error("playback stopped: {0}")]
pub(super) struct OutputLost(String);
