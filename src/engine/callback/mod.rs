//! The audio callback: the only code that runs on the real-time thread.
//!
//! It pulls stereo frames from the feeder's ring buffer, runs every loaded profile's EQ chain
//! on them (so switching between profiles is a crossfade between warm filters), applies the
//! profile's level gain, the fades, the volume and the safety limiter, and writes the output.
//! It takes no lock, allocates nothing, does no I/O and cannot panic on any input: commands
//! arrive on a heap-free SPSC queue, status leaves through atomics and a second queue, and a
//! replaced EQ chain is sent back to be freed on the control thread.
//!
//! Positions: the feeder tags the stream with [`Mark`]s at cumulative frame counts (a track
//! starts, a loop seam, the end, a seek's new epoch). The callback counts the frames it
//! consumes and applies each mark exactly at its frame, so track positions and cue switches
//! are sample-accurate at the device rate.

mod profiles;
mod schedule;
mod stream;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rtrb::{Consumer, Producer};

use super::status::{Event, Status, Transport};
use crate::dsp::{EqChain, Fader, GainRamp, Limiter};
use profiles::Profiles;
pub use profiles::{CHUNK, MAX_PROFILES};
pub use schedule::MAX_SCHEDULED;
use schedule::{Action, Schedule};

/// A message from the control thread to the callback.
pub enum Command {
    /// Fade out and hold (frames stay in the ring).
    Pause,
    /// Fade back in where playback paused.
    Resume,
    /// Glide the output volume to this many dB.
    Volume(f64),
    /// Load a profile into a slot: its EQ chain (None = flat) and level gain. The chain it
    /// replaces is returned through the trash queue.
    Load {
        /// Slot index (< [`MAX_PROFILES`]).
        slot: usize,
        /// EQ chain built at the device rate; None for a flat (bypass) profile.
        chain: Option<Box<EqChain>>,
        /// Level-matching and safety gain applied after the chain, in dB.
        gain_db: f64,
    },
    /// Switch to a loaded slot with an equal-power crossfade of `fade` frames.
    Select {
        /// Slot index.
        slot: usize,
        /// Crossfade length in frames (0 = instant).
        fade: u32,
    },
    /// Switch to `slot` when track `track` reaches `frame` (device-rate frames).
    SwitchAt {
        /// Track index in the playlist.
        track: usize,
        /// Frame in the track, at the device rate.
        frame: u64,
        /// Slot to switch to.
        slot: usize,
        /// Crossfade length in frames.
        fade: u32,
    },
    /// Glide slot `slot`'s level gain to `gain_db` (a new track's loudness match).
    SetGain {
        /// Slot index.
        slot: usize,
        /// New gain after the chain, dB.
        gain_db: f64,
    },
    /// At every loop seam, switch between these two slots (None: stay).
    AlternateOnLoop(Option<[usize; 2]>),
    /// Report [`Event::CueReached`] with `id` whenever track `track` plays its frame `frame`.
    CueAt {
        /// Track index in the playlist.
        track: usize,
        /// Frame in the track, at the device rate.
        frame: u64,
        /// Caller's number for the cue.
        id: usize,
    },
    /// Forget every scheduled switch and cue.
    ClearSchedule,
    /// Fade out over a few milliseconds and end: what quitting sounds like (never a cut).
    Stop,
    /// Start playing a callback built held (see [`CallbackConfig::start_held`]): from the
    /// first frame, no fade.
    Start,
}

/// A position tag in the frame stream, placed by the feeder.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    /// Cumulative frame count (over everything ever pushed) where the mark applies.
    pub at: u64,
    /// Seek generation; a mark with a newer epoch makes every frame before it stale.
    pub epoch: u32,
    /// What happens there.
    pub kind: MarkKind,
}

/// What a [`Mark`] announces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MarkKind {
    /// Track `index` starts playing at its frame `frame` (device rate).
    Track {
        /// Track index in the playlist.
        index: usize,
        /// First frame's position in the track (device rate).
        frame: u64,
        /// The track's level-matching gain per slot, dB.
        levels_db: [f32; MAX_PROFILES],
    },
    /// A loop jumps back to `frame` of the current track (the feeder crossfades the seam).
    Seam {
        /// Position in the track after the jump (device rate).
        frame: u64,
    },
    /// Track `index` was skipped (it could not be played); announced in stream order.
    Skipped {
        /// Track index.
        index: usize,
    },
    /// Nothing follows: the playlist is done.
    End,
}

/// Fixed settings of a callback.
#[derive(Clone, Copy, Debug)]
pub struct CallbackConfig {
    /// Device rate in Hz.
    pub sample_rate: u32,
    /// Start volume in dB.
    pub volume_db: f64,
    /// Limiter ceiling in dBFS.
    pub ceiling_db: f64,
    /// Fade at pause, resume, seek and a start in the middle of a track, in frames.
    pub fade_frames: u32,
    /// Crossfade at a loop seam, in frames.
    pub seam_frames: u32,
    /// Fade-out when stopping, in frames.
    pub stop_frames: u32,
    /// Fade in when playback starts in the middle of a track (live playback). Offline
    /// renders turn it off: their output is the track, sample for sample.
    pub fade_in_mid_track: bool,
    /// Start held: silence, nothing consumed, until [`Command::Start`]; lets an output run
    /// (and report its latency) before the music begins.
    pub start_held: bool,
}

impl CallbackConfig {
    /// Defaults for a device rate: -20 dB start volume, -1 dBFS ceiling, 10 ms fades and
    /// loop-seam crossfades, 5 ms fade-out when stopping.
    pub fn new(sample_rate: u32) -> Self {
        CallbackConfig {
            sample_rate,
            volume_db: -20.0,
            ceiling_db: -1.0,
            fade_frames: sample_rate / 100,
            seam_frames: sample_rate / 100,
            stop_frames: sample_rate / 200,
            fade_in_mid_track: true,
            start_held: false,
        }
    }
}

/// The real-time half of the engine. Build it off the audio thread; then only
/// [`Callback::process`] is called, from whichever thread drives the sink.
pub struct Callback {
    ring: Consumer<f32>,
    marks: Consumer<Mark>,
    commands: Consumer<Command>,
    trash: Producer<Box<EqChain>>,
    events: Producer<Event>,
    status: Arc<Status>,
    config: CallbackConfig,

    profiles: Profiles,
    schedule: Schedule,
    alternate: Option<[usize; 2]>,
    dry: Vec<f32>,

    fader: Fader,
    volume: GainRamp,
    limiter: Limiter,

    transport: Transport,
    /// Frames consumed from the ring since the engine started.
    consumed: u64,
    epoch: u32,
    /// Fading out stale frames before a flush to a newer epoch.
    flushing: bool,
    track: Option<usize>,
    track_frame: u64,
    underrun_reported: bool,
    /// Frames written to the output since the engine started, up to the current chunk.
    out_frames: u64,
    /// The output frame after the last audible one, once playback has ended or stopped
    /// (the limiter's delay included): everything from there on is silence.
    final_frame: Option<u64>,
    /// Told to stop: nothing plays again.
    stopped: bool,
    /// The output frame where playback started (None while held).
    start_frame: Option<u64>,
}

impl Callback {
    /// A callback reading from the feeder's queues. All buffers are allocated here.
    pub fn new(
        config: CallbackConfig,
        ring: Consumer<f32>,
        marks: Consumer<Mark>,
        commands: Consumer<Command>,
        trash: Producer<Box<EqChain>>,
        events: Producer<Event>,
        status: Arc<Status>,
    ) -> Self {
        let rate = f64::from(config.sample_rate);
        Callback {
            ring,
            marks,
            commands,
            trash,
            events,
            status,
            config,
            profiles: Profiles::new(),
            schedule: Schedule::new(),
            alternate: None,
            dry: vec![0.0; CHUNK * 2],
            // Playback starts at full gain; a start in the middle of a track fades in when
            // its first mark arrives.
            fader: Fader::new(1.0),
            volume: GainRamp::new(config.volume_db),
            limiter: Limiter::new(rate, config.ceiling_db, 1.5, 60.0),
            transport: if config.start_held {
                Transport::Paused
            } else {
                Transport::Playing
            },
            consumed: 0,
            epoch: 0,
            flushing: false,
            track: None,
            track_frame: 0,
            underrun_reported: false,
            out_frames: 0,
            final_frame: None,
            stopped: false,
            start_frame: (!config.start_held).then_some(0),
        }
    }

    /// The output frame after the last audible one, once playback has ended or been
    /// stopped: an output has played everything once it has played this many frames.
    pub fn final_frame(&self) -> Option<u64> {
        self.final_frame
    }

    /// Frames the output lags the input by (the limiter's look-ahead).
    pub fn latency_frames(&self) -> usize {
        self.limiter.latency()
    }

    /// Frames written to the output so far (by every output this callback has run on).
    pub fn frames_out(&self) -> u64 {
        self.out_frames
    }

    /// The output frame where the program starts: where playback started plus the
    /// limiter's delay (None while held). A sink that keeps exactly the program (a WAV) writes
    /// the frames from here to [`Callback::final_frame`].
    pub fn program_start(&self) -> Option<u64> {
        self.start_frame.map(|f| f + self.limiter.latency() as u64)
    }

    /// Fills `out` (interleaved stereo f32) with the next frames. Real-time safe.
    pub fn process(&mut self, out: &mut [f32]) {
        self.drain_commands();
        self.underrun_reported = false;
        let frames = out.len() / 2;
        let mut done = 0;
        let mut peak = 0.0f32;
        while done < frames {
            let n = self.step(frames - done);
            let chunk = &mut out[done * 2..(done + n) * 2];
            self.finish_chunk(n, chunk);
            peak = chunk.iter().fold(peak, |p, s| p.max(s.abs()));
            done += n;
            self.out_frames += n as u64;
        }
        // An odd trailing sample (never from a stereo device) stays silent.
        if let Some(last) = out.get_mut(frames * 2) {
            *last = 0.0;
        }
        self.publish(frames as u64, peak);
    }

    fn drain_commands(&mut self) {
        while let Ok(command) = self.commands.pop() {
            match command {
                Command::Pause => {
                    if self.transport == Transport::Playing {
                        if self.config.fade_frames == 0 {
                            self.transport = Transport::Paused;
                            self.emit(Event::Paused);
                        } else {
                            self.transport = Transport::Pausing;
                            self.fader.fade_to(0.0, self.config.fade_frames);
                        }
                    }
                }
                Command::Resume => {
                    if matches!(self.transport, Transport::Paused | Transport::Pausing) {
                        self.transport = Transport::Playing;
                        self.fader.fade_to(1.0, self.config.fade_frames);
                        self.emit(Event::Resumed);
                    }
                }
                Command::Volume(db) => self.volume.ramp_to(db, self.config.fade_frames),
                Command::Load {
                    slot,
                    chain,
                    gain_db,
                } => {
                    if let Some(old) =
                        self.profiles
                            .load(slot, chain, gain_db, self.config.fade_frames)
                    {
                        // The control thread frees it. The trash queue is larger than the
                        // command queue, so this cannot fail while commands can arrive.
                        let _ = self.trash.push(old);
                    }
                }
                Command::Select { slot, fade } => self.select(slot, fade),
                Command::SetGain { slot, gain_db } => {
                    self.profiles
                        .set_gain(slot, gain_db, self.config.fade_frames)
                }
                Command::AlternateOnLoop(pair) => self.alternate = pair,
                Command::SwitchAt {
                    track,
                    frame,
                    slot,
                    fade,
                } => self
                    .schedule
                    .add(track, frame, Action::Switch { slot, fade }),
                Command::CueAt { track, frame, id } => {
                    self.schedule.add(track, frame, Action::Cue { id })
                }
                Command::ClearSchedule => self.schedule.clear(),
                Command::Stop if !self.stopped => {
                    self.stopped = true;
                    match self.transport {
                        Transport::Ended | Transport::Stopping => {}
                        Transport::Paused => self.end_here(0),
                        Transport::Playing | Transport::Pausing => {
                            self.transport = Transport::Stopping;
                            self.fader.fade_to(0.0, self.config.stop_frames);
                        }
                    }
                }
                Command::Stop => {}
                Command::Start => {
                    if self.start_frame.is_none() && !self.stopped {
                        self.transport = Transport::Playing;
                        self.start_frame = Some(self.out_frames);
                        self.status.program_start.store(
                            self.out_frames + self.limiter.latency() as u64,
                            Ordering::Relaxed,
                        );
                    }
                }
            }
        }
    }

    /// Playback is over `after` frames into the current chunk: what is still in the
    /// limiter's delay line plays out, then only silence.
    fn end_here(&mut self, after: usize) {
        self.transport = Transport::Ended;
        if self.final_frame.is_none() {
            self.final_frame = Some(self.out_frames + (after + self.limiter.latency()) as u64);
        }
    }

    /// Switches to `slot` (a crossfade of `fade` frames) and says so.
    fn select(&mut self, slot: usize, fade: u32) {
        if !self.profiles.select(slot, fade) {
            return;
        }
        self.status.active_slot.store(slot, Ordering::Relaxed);
        self.emit(Event::Switched {
            slot,
            track: self.track,
            frame: self.track_frame,
        });
    }

    /// Runs the chains, the switch crossfade, volume and limiter over `n` dry frames.
    fn finish_chunk(&mut self, n: usize, out: &mut [f32]) {
        self.profiles.run(&self.dry[..n * 2], out);
        self.volume.process_interleaved(out);
        self.limiter.process_interleaved(out);
    }

    fn publish(&mut self, frames: u64, peak: f32) {
        let s = &self.status;
        s.frames_out.fetch_add(frames, Ordering::Relaxed);
        s.track_frame.store(self.track_frame, Ordering::Relaxed);
        s.peak_bits.fetch_max(peak.to_bits(), Ordering::Relaxed);
        s.set_transport(self.transport);
        s.epoch.store(self.epoch, Ordering::Relaxed);
        s.final_frame
            .store(self.final_frame.unwrap_or(u64::MAX), Ordering::Relaxed);
        s.frames_taken.store(self.consumed, Ordering::Release);
    }

    fn emit(&mut self, event: Event) {
        if self.events.push(event).is_err() {
            self.status.events_dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}
