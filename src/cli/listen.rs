//! What `play` and `ab` share: the command line's playlist or files as a session's track
//! list, the output opened and started, and the session run on it through the terminal. If
//! the output is lost (a DAC unplugged, a server killed), the session stops cleanly, says so,
//! and offers to go on where it was on another output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::args::SessionArgs;
use super::ui::{Face, Notes, Outcome, Terminal, run_command};
use crate::engine::{
    self, Callback, EngineConfig, MAX_PROFILES, Output, Pace, Player, Prepared, Running, Status,
    TrackSource,
};
use crate::playlist::{Library, Playlist, Resolved};
use crate::preset::EqProfile;
use crate::session::{Effect, Session, Setup};
use crate::timecode::format_time;

/// The track list from `play`'s or `ab`'s inputs: one playlist, or audio files. Playlist
/// entries are looked up in the library folders (`--library`, else the config file's).
pub(super) fn resolve(inputs: &[PathBuf], library: &[PathBuf]) -> anyhow::Result<Resolved> {
    let playlists: Vec<&PathBuf> = inputs.iter().filter(|p| is_playlist_path(p)).collect();
    if playlists.len() > 1 || (!playlists.is_empty() && inputs.len() > 1) {
        return Err(super::exit::usage(
            "give one playlist, or audio files, not both".into(),
        ));
    }
    let Some(path) = playlists.first() else {
        return Ok(Resolved::from_files(inputs));
    };
    let playlist = Playlist::load(path)?;
    let dirs = library_dirs(library)?;
    let needs_library = playlist.entries().any(|(_, e)| e.file.is_none());
    let (lib, warnings) = if needs_library && !dirs.is_empty() {
        Library::scan(&dirs)
    } else {
        (Library::default(), Vec::new())
    };
    for w in warnings {
        eprintln!("library: {w}");
    }
    Ok(Resolved::from_playlist(&playlist, &lib))
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

/// A profile before the session's rate is known: a profile file, `flat`, or none (flat).
pub(super) fn read_profile(eq: Option<&str>) -> anyhow::Result<Option<EqProfile>> {
    match eq {
        None => Ok(None),
        Some(spec) if EqProfile::names_flat(spec) => Ok(None),
        Some(spec) => Ok(Some(EqProfile::load_named(spec)?)),
    }
}

/// What `play` or `ab` decided: the tracks, the profiles by slot, the session's setup (its
/// rate and start are filled in here), and what the opening lines say.
pub(super) struct Plan {
    pub resolved: Resolved,
    pub profiles: Vec<Option<EqProfile>>,
    pub setup: Setup,
    /// The end of the opening line (switching, crossfade), after the output and volume.
    pub headline: String,
    /// Lines after the opening line (the profiles compared).
    pub intro: Vec<String>,
    pub notes: PathBuf,
    pub abx_log: Option<PathBuf>,
}

/// Opens the output, builds the engine and runs the session to its end.
pub(super) fn run(mut plan: Plan, args: &SessionArgs) -> anyhow::Result<ExitCode> {
    for line in plan.resolved.missing_lines() {
        eprintln!("{line}");
    }
    let start = plan.resolved.start_index(args.start.as_deref())?;
    let Some(preferred_rate) = plan.resolved.first_rate(start) else {
        eprintln!("nothing to play: no entry resolved to a readable file");
        return Ok(ExitCode::from(2));
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
    // The chains are built at the output's rate: a band it cannot run is refused here, with
    // its file, line and value.
    for p in plan.profiles.iter().flatten() {
        p.check_rate(rate)?;
    }
    let mut config = EngineConfig::new(rate);
    config.callback.volume_db = args.volume;
    config.callback.ceiling_db = args.ceiling;
    config.callback.start_held = true;
    config.period_frames = prepared.buffer_frames();
    config.start_track = start;
    config.looping = plan.setup.loop_region.is_some();
    let sources = (0..plan.resolved.len())
        .map(|i| {
            let mut levels_db = [0.0; MAX_PROFILES];
            if let Some(Some(m)) = plan.setup.levels.get(i) {
                for (slot, g) in levels_db.iter_mut().zip(&m.gains_db) {
                    *slot = *g as f32;
                }
            }
            TrackSource {
                path: plan.resolved.path(i).map(Path::to_path_buf),
                loop_region: plan.resolved.loop_region(i),
                levels_db,
            }
        })
        .collect();
    let (mut player, callback) = engine::start(config, sources);
    let mut preamps = Vec::new();
    for (slot, p) in plan.profiles.iter().enumerate() {
        preamps.push(player.load(slot, p.as_ref(), 0.0)?);
    }
    let headline = if plan.profiles.len() == 1 {
        let name = plan.profiles[0]
            .as_ref()
            .map_or("flat".into(), |p| format!("'{}'", p.name));
        let preamp = match preamps.first() {
            Some(g) if *g < -0.05 => format!(" (automatic preamp {g:+.1} dB)"),
            _ => String::new(),
        };
        format!(
            "EQ: {name}{preamp}; volume {:+.1} dB, limiter at {:+.1} dBFS",
            args.volume, args.ceiling
        )
    } else {
        format!("volume {:+.1} dB; {}", args.volume, plan.headline)
    };
    plan.setup.rate = rate;
    plan.setup.start = start;
    plan.setup.volume = args.volume;
    let mut session = Session::new(plan.resolved, plan.setup);
    for effect in session.start() {
        if let Effect::Engine(command) = effect {
            run_command(&mut player, command);
        }
    }
    let mut listening = Listening {
        player,
        session,
        term: Terminal::new(),
        notes: Notes::new(plan.notes),
        abx_log: plan.abx_log.map(|p| (p, args.force)),
        rate,
        buffer: args.buffer,
        host: args.host.clone(),
        pace,
        headline,
        intro: plan.intro,
    };
    listening.run(prepared, callback)?;
    Ok(ExitCode::SUCCESS)
}

/// A session with its engine, running on an output.
struct Listening {
    player: Player,
    session: Session,
    term: Terminal,
    notes: Notes,
    abx_log: Option<(PathBuf, bool)>,
    rate: u32,
    /// What a replacement output is opened with after the first one is lost.
    buffer: Option<u32>,
    host: Option<String>,
    pace: Pace,
    headline: String,
    intro: Vec<String>,
}

impl Listening {
    /// Starts the output and runs the session to its end; after a lost output, asks where
    /// to go on and goes on there from the frame where it stopped.
    fn run(&mut self, mut prepared: Prepared, mut callback: Callback) -> anyhow::Result<()> {
        let status = Arc::clone(self.player.status());
        let started = Instant::now();
        let mut first = true;
        loop {
            let running = self.start_output(prepared, callback, &status, first)?;
            first = false;
            let outcome = Face {
                session: &mut self.session,
                player: &mut self.player,
                term: &mut self.term,
                notes: &mut self.notes,
                abx_log: self.abx_log.clone(),
                rate: self.rate,
                started,
            }
            .run(&running, &status);
            let Ok(Outcome::OutputLost(fault)) = outcome else {
                self.player.stop();
                let report = running.finish()?;
                println!(
                    "{}",
                    self.session.summary(report.as_ref().map(|r| r.frames))
                );
                return outcome.map(|_| ());
            };
            let (back, report) = running.stop();
            let (track, seconds) = self.player.position();
            self.term.line(&format!(
                "output lost at {} {}: {fault}",
                self.session.playlist().short_heading(track),
                format_time(seconds)
            ));
            if let Err(e) = report {
                self.term
                    .line(&format!("output: {}", super::exit::error_text(&e.into())));
            }
            let next = match back {
                Some(back) => self.replacement_output()?.map(|p| (p, back)),
                None => None,
            };
            let Some((next, back)) = next else {
                self.player.stop();
                println!("{}", self.session.summary(None));
                return Err(OutputLost(fault.message).into());
            };
            prepared = next;
            callback = back;
        }
    }

    /// Starts `prepared` with the audio queued ahead, says how it runs (latency, scheduling,
    /// adjustments), and starts the music.
    fn start_output(
        &mut self,
        prepared: Prepared,
        callback: Callback,
        status: &Arc<Status>,
        first: bool,
    ) -> anyhow::Result<Running> {
        if !self.player.wait_ready(Duration::from_secs(3)) {
            self.term
                .line("note: the decoder is slow to start; playback may begin with a gap");
        }
        let lookahead = callback.latency_frames();
        // What the last output measured does not describe this one.
        status.device_buffer.store(0, Ordering::Relaxed);
        status.output_delay_ns.store(0, Ordering::Relaxed);
        status.callback_thread.store(0, Ordering::Relaxed);
        let running = prepared.start(callback, Arc::clone(status))?;
        let report = running.report(status, Duration::from_millis(300));
        let latency = report.latency(self.rate, lookahead);
        let server = if report.server_delay > 0.0 {
            format!(" + {:.1} ms server", report.server_delay * 1e3)
        } else {
            String::new()
        };
        let how = format!(
            "{}; latency {:.1} ms ({} frames{server}), {}",
            running.describe(),
            latency * 1e3,
            report.buffer_frames,
            report.scheduling
        );
        if first {
            self.term.line(&format!("output: {how}; {}", self.headline));
            for line in std::mem::take(&mut self.intro) {
                self.term.line(&line);
            }
        } else {
            self.term.line(&format!("going on with {how}"));
        }
        for note in running.notes() {
            self.term.line(&format!("note: {note}"));
        }
        for (ours, theirs) in running.routed() {
            self.term.line(&format!("note: JACK {ours} → {theirs}"));
        }
        self.player.start_playback();
        Ok(running)
    }

    /// Asks which output to go on with after the first was lost: the default device, one
    /// from the list, `null`, or `wav:PATH`. None when the listener declines (or input ends).
    fn replacement_output(&mut self) -> anyhow::Result<Option<Prepared>> {
        for d in crate::engine::device::list(false) {
            let default = if d.is_default { " (default)" } else { "" };
            self.term
                .line(&format!("  {}: {}{default}", d.index, d.name));
        }
        loop {
            let Some(answer) = self.term.ask(
                "continue on: Enter = default device, a device number or name, null, wav:FILE, or q to stop: ",
            ) else {
                return Ok(None);
            };
            if answer == "q" || answer == "quit" {
                return Ok(None);
            }
            match prepare_replacement(
                &answer,
                self.host.as_deref(),
                self.rate,
                self.buffer,
                self.pace,
            ) {
                Ok(p) => return Ok(Some(p)),
                Err(why) => self.term.line(&format!("{why}: choose another output")),
            }
        }
    }
}

/// Opens `device` (a name or index, `null`, `wav:FILE`) to go on with a session playing at
/// `rate` on another output; says why not when it cannot, or runs at another rate.
pub(super) fn prepare_replacement(
    device: &str,
    host: Option<&str>,
    rate: u32,
    buffer: Option<u32>,
    pace: Pace,
) -> Result<Prepared, String> {
    let output = Output::parse(Some(device));
    match Prepared::new(&output, host, rate, buffer, pace, false) {
        Ok(p) if p.rate() == rate => Ok(p),
        Ok(p) => Err(format!(
            "{} runs at {} Hz but this session plays at {rate} Hz",
            p.describe(),
            p.rate()
        )),
        Err(e) => Err(super::exit::error_text(&e.into())),
    }
}

/// The output stopped and the session was not moved to another one.
#[derive(Debug, thiserror::Error)]
#[error("playback stopped: {0}")]
pub(super) struct OutputLost(String);
