//! Layer 3: real-time playback.
//!
//! ```text
//! feeder thread: decode → resample ─▶ ring (rtrb) ─▶ Callback: EQ chains → crossfade → volume → limiter ─▶ sink
//!                                     marks ───────▶      ▲ commands (rtrb)      │ status (atomics), events (rtrb)
//! control thread (Player) ────────────────────────────────┘◀─────────────────────┘
//! ```
//!
//! [`start`] builds both halves: a [`Player`] for the control thread and a [`Callback`] for
//! whatever drives the output — the sound card through cpal ([`device`]), or a timer thread
//! writing to a WAV file or nowhere ([`sink`]). All of them call the same
//! [`Callback::process`], so tests exercise the real playback path without hardware.

pub mod callback;
pub mod device;
mod device_error;
pub mod fault;
pub mod feeder;
pub mod hosts;
#[cfg(target_os = "linux")]
pub mod jack_route;
pub mod output;
pub mod outputs;
pub mod playing;
pub mod priority;
pub mod sink;
pub mod status;
pub mod watch;

use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rtrb::{Consumer, Producer, RingBuffer};

pub use callback::{Callback, CallbackConfig, Command, MAX_PROFILES, Mark, MarkKind};
pub use fault::{FaultKind, StreamFault};
pub use feeder::{FeederCommand, FeederEvent, TrackSource};
pub use output::{OutputError, OutputReport, Prepared, Running};
pub use sink::{Output, Pace};
pub use status::{Event, Status, Transport};
pub use watch::Watch;

use crate::dsp::EqChain;
use crate::preset::{EqProfile, ProfileError};

/// Capacity of the control → callback command queue.
const COMMAND_CAPACITY: usize = 64;

/// Settings for a playback session.
#[derive(Clone, Copy, Debug)]
pub struct EngineConfig {
    /// The callback's settings (device rate, volume, ceiling, fades).
    pub callback: CallbackConfig,
    /// Ring buffer length in seconds of audio (at least; see [`EngineConfig::ring_frames`]).
    pub ring_seconds: f64,
    /// Frames the output asks for per callback (the device buffer).
    pub period_frames: usize,
    /// Track to start with.
    pub start_track: usize,
    /// Position to start at within it, in seconds.
    pub start_seconds: f64,
    /// Loop each track's loop region from the start; a track opened at its start then
    /// starts at its loop region.
    pub looping: bool,
}

impl EngineConfig {
    /// Defaults at a device rate: 0.5 s ring, from the first track's start.
    pub fn new(sample_rate: u32) -> Self {
        EngineConfig {
            callback: CallbackConfig::new(sample_rate),
            ring_seconds: 0.5,
            period_frames: 512,
            start_track: 0,
            start_seconds: 0.0,
            looping: false,
        }
    }

    /// Frames the ring holds: `ring_seconds`, and at least 8 device buffers plus two of the
    /// feeder's decode steps (resampled up to 5 times, e.g. 44.1 → 192 kHz), so that the
    /// feeder keeps at least 4 buffers ahead of the output whatever the buffer size.
    pub fn ring_frames(&self) -> usize {
        let rate = self.callback.sample_rate as usize;
        let seconds = (self.ring_seconds * rate as f64) as usize;
        let feeder_step = feeder::DECODE_FRAMES * 2 * 5;
        seconds.max(8 * self.period_frames + feeder_step).max(4096)
    }

    /// Frames to queue before the output starts: 4 device buffers and at least 0.1 s, and
    /// never more than half the ring.
    pub fn lead_frames(&self) -> usize {
        let rate = self.callback.sample_rate as usize;
        (4 * self.period_frames)
            .max(rate / 10)
            .min(self.ring_frames() / 2)
    }
}

/// Something that happened, for the UI: from the callback or from the feeder.
#[derive(Clone, Debug)]
pub enum PlayerEvent {
    /// From the audio callback.
    Audio(Event),
    /// From the feeder thread.
    Feeder(FeederEvent),
}

/// The control side of a playback session.
pub struct Player {
    commands: Producer<Command>,
    trash: Consumer<Box<EqChain>>,
    events: Consumer<Event>,
    feeder_tx: mpsc::Sender<FeederCommand>,
    feeder_events: mpsc::Receiver<FeederEvent>,
    feeder: Option<JoinHandle<()>>,
    status: Arc<Status>,
    rate: u32,
    /// Frames to queue before the output starts.
    lead_frames: u64,
    /// Each slot's level gain in dB (before the automatic preamp), to report it.
    slot_gains: [f64; MAX_PROFILES],
}

/// Builds a playback session over `tracks` and starts its feeder thread.
pub fn start(config: EngineConfig, tracks: Vec<TrackSource>) -> (Player, Callback) {
    let rate = config.callback.sample_rate;
    let ring_frames = config.ring_frames();
    let (ring_tx, ring_rx) = RingBuffer::<f32>::new(ring_frames * 2);
    let (marks_tx, marks_rx) = RingBuffer::<Mark>::new(256);
    let (cmd_tx, cmd_rx) = RingBuffer::<Command>::new(COMMAND_CAPACITY);
    // Larger than the command queue: every Load can return at most one chain.
    let (trash_tx, trash_rx) = RingBuffer::<Box<EqChain>>::new(COMMAND_CAPACITY * 2);
    let (events_tx, events_rx) = RingBuffer::<Event>::new(1024);
    let (feeder_tx, feeder_rx) = mpsc::channel();
    let (feeder_events_tx, feeder_events_rx) = mpsc::channel();
    let status = Arc::new(Status::default());
    let callback = Callback::new(
        config.callback,
        ring_rx,
        marks_rx,
        cmd_rx,
        trash_tx,
        events_tx,
        Arc::clone(&status),
    );
    let feeder = feeder::Feeder::new(
        tracks,
        rate,
        config.start_track,
        config.start_seconds,
        config.callback.seam_frames,
        config.looping,
        ring_tx,
        marks_tx,
        feeder_rx,
        feeder_events_tx,
        Arc::clone(&status),
    );
    let handle = std::thread::Builder::new()
        .name("iemlab-feeder".into())
        .spawn(move || feeder.run())
        .ok();
    let player = Player {
        lead_frames: config.lead_frames() as u64,
        commands: cmd_tx,
        trash: trash_rx,
        events: events_rx,
        feeder_tx,
        feeder_events: feeder_events_rx,
        feeder: handle,
        status,
        rate,
        slot_gains: [0.0; MAX_PROFILES],
    };
    (player, callback)
}

impl Player {
    /// Device rate.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Shared live status.
    pub fn status(&self) -> &Arc<Status> {
        &self.status
    }

    fn send(&mut self, command: Command) {
        self.collect_trash();
        // The queue holds 64 commands and the callback drains it every buffer; if the output
        // has stopped, the command is dropped (nothing can play it anyway).
        let _ = self.commands.push(command);
    }

    /// Frees chains the callback handed back (a profile replaced in its slot); returns how
    /// many.
    pub fn collect_trash(&mut self) -> usize {
        std::iter::from_fn(|| self.trash.pop().ok()).count()
    }

    /// Loads `profile` into `slot` with an extra level gain (dB); None loads flat. The chain
    /// is built here, at the device rate, and the automatic preamp keeps the profile from
    /// boosting above 0 dB. Returns the total gain applied after the chain, in dB.
    pub fn load(
        &mut self,
        slot: usize,
        profile: Option<&EqProfile>,
        level_db: f64,
    ) -> Result<f64, ProfileError> {
        let (chain, safety) = match profile {
            Some(p) => (
                Some(Box::new(p.chain(self.rate)?)),
                p.safety_gain_db(self.rate),
            ),
            None => (None, 0.0),
        };
        let gain_db = level_db + safety;
        if let Some(g) = self.slot_gains.get_mut(slot) {
            *g = gain_db;
        }
        self.send(Command::Load {
            slot,
            chain,
            gain_db,
        });
        Ok(gain_db)
    }

    /// Glides `slot`'s level gain (after its chain and automatic preamp) to `level_db`, as a
    /// level match that changed after the profile was loaded.
    pub fn set_level(&mut self, slot: usize, level_db: f64, safety_db: f64) {
        let gain_db = level_db + safety_db;
        if let Some(g) = self.slot_gains.get_mut(slot) {
            *g = gain_db;
        }
        self.send(Command::SetGain { slot, gain_db });
    }

    /// Switches to `slot` with an equal-gain crossfade of `fade_ms`.
    pub fn select(&mut self, slot: usize, fade_ms: f64) {
        let fade = (fade_ms * 1e-3 * f64::from(self.rate)).round() as u32;
        self.send(Command::Select { slot, fade });
    }

    /// Schedules a switch to `slot` at `seconds` into track `track`.
    pub fn switch_at(&mut self, track: usize, seconds: f64, slot: usize, fade_ms: f64) {
        let rate = f64::from(self.rate);
        self.send(Command::SwitchAt {
            track,
            frame: (seconds * rate).round() as u64,
            slot,
            fade: (fade_ms * 1e-3 * rate).round() as u32,
        });
    }

    /// Alternates between two slots at every loop seam (None: no alternation).
    pub fn alternate_on_loop(&mut self, pair: Option<[usize; 2]>) {
        self.send(Command::AlternateOnLoop(pair));
    }

    /// Forgets scheduled switches and cue reports.
    pub fn clear_schedule(&mut self) {
        self.send(Command::ClearSchedule);
    }

    /// Asks for [`Event::CueReached`] `id` whenever track `track` plays `seconds`.
    pub fn cue_at(&mut self, track: usize, seconds: f64, id: usize) {
        self.send(Command::CueAt {
            track,
            frame: (seconds * f64::from(self.rate)).round() as u64,
            id,
        });
    }

    /// Waits until the feeder has queued enough audio for the output to start without
    /// running dry (or has queued everything there is), at most `timeout`. Returns whether
    /// it got there.
    pub fn wait_ready(&self, timeout: std::time::Duration) -> bool {
        use std::sync::atomic::Ordering::Acquire;
        let until = std::time::Instant::now() + timeout;
        loop {
            if self.status.queued_frames() >= self.lead_frames
                || self.status.feeder_done.load(Acquire)
            {
                return true;
            }
            if std::time::Instant::now() >= until {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }

    /// Fades out over a few milliseconds and ends playback (what `q` does); the output
    /// then plays what it holds and reports itself done.
    pub fn stop_playback(&mut self) {
        self.send(Command::Stop);
    }

    /// Starts a session built held ([`CallbackConfig::start_held`]).
    pub fn start_playback(&mut self) {
        self.send(Command::Start);
    }

    /// Pauses with a short fade.
    pub fn pause(&mut self) {
        self.send(Command::Pause);
    }

    /// Resumes with a short fade.
    pub fn resume(&mut self) {
        self.send(Command::Resume);
    }

    /// Glides the volume to `db`.
    pub fn set_volume(&mut self, db: f64) {
        self.send(Command::Volume(db));
    }

    /// Seeks to `seconds` in track `index` (or plays that track from there).
    pub fn goto(&mut self, index: usize, seconds: f64) {
        let _ = self.feeder_tx.send(FeederCommand::Goto { index, seconds });
    }

    /// Turns looping of the current track's loop region on or off.
    pub fn set_loop(&mut self, on: bool) {
        let _ = self.feeder_tx.send(FeederCommand::Loop(on));
    }

    /// The playing track and its position in seconds.
    pub fn position(&self) -> (usize, f64) {
        use std::sync::atomic::Ordering::Relaxed;
        let frame = self.status.track_frame.load(Relaxed);
        (
            self.status.track.load(Relaxed),
            frame as f64 / f64::from(self.rate),
        )
    }

    /// Events since the last call, callback's and feeder's, in arrival order per source.
    pub fn poll(&mut self) -> Vec<PlayerEvent> {
        self.collect_trash();
        let mut out = Vec::new();
        while let Ok(e) = self.feeder_events.try_recv() {
            out.push(PlayerEvent::Feeder(e));
        }
        while let Ok(e) = self.events.pop() {
            out.push(PlayerEvent::Audio(e));
        }
        out
    }

    /// Stops the feeder and waits for it.
    pub fn stop(&mut self) {
        let _ = self.feeder_tx.send(FeederCommand::Stop);
        if let Some(handle) = self.feeder.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop();
    }
}
