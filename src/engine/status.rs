//! What the audio callback reports back: a block of atomics for the current state (read at
//! any time by the UI) and [`Event`]s for things that happen (read in order from a queue).

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Where playback stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Playing.
    Playing,
    /// Fading out towards a pause.
    Pausing,
    /// Paused: silence, nothing consumed.
    Paused,
    /// Fading out to stop for good.
    Stopping,
    /// The playlist has ended.
    Ended,
}

/// Something the callback did, in stream order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// Track `index` began at its frame `frame` (device rate).
    TrackStarted {
        /// Track index.
        index: usize,
        /// Position in the track.
        frame: u64,
    },
    /// Track `index` was skipped here (the feeder said why).
    Skipped {
        /// Track index.
        index: usize,
    },
    /// A loop went back to `frame`.
    LoopSeam {
        /// Position in the track after the seam.
        frame: u64,
    },
    /// The output switched to profile slot `slot`.
    Switched {
        /// New slot.
        slot: usize,
        /// Track playing, if any.
        track: Option<usize>,
        /// Position in the track.
        frame: u64,
    },
    /// Track `track` reached the cue registered with `id`.
    CueReached {
        /// Track index.
        track: usize,
        /// The id given to `Player::cue_at`.
        id: usize,
    },
    /// The ring buffer ran dry during a callback.
    Underrun,
    /// A pause fade finished.
    Paused,
    /// Playback resumed.
    Resumed,
    /// The last track ended.
    Ended,
}

/// Live state shared between the callback (writer) and the UI (reader).
#[derive(Debug)]
pub struct Status {
    /// Frames written to the output since the start.
    pub frames_out: AtomicU64,
    /// Index of the playing track.
    pub track: AtomicUsize,
    /// Position in the playing track, in device-rate frames.
    pub track_frame: AtomicU64,
    /// Largest absolute output sample since the UI last took it (f32 bits).
    pub peak_bits: AtomicU32,
    /// Callbacks that found the ring buffer short.
    pub underruns: AtomicU64,
    /// Events lost because the UI did not read them in time.
    pub events_dropped: AtomicU64,
    /// Profile slot being heard.
    pub active_slot: AtomicUsize,
    /// Seek generation the callback plays.
    pub epoch: AtomicU32,
    /// Seek generation the feeder has started: when it is ahead of `epoch`, the queued audio
    /// is stale and the callback drops it.
    pub requested_epoch: AtomicU32,
    /// Frames the feeder has pushed into the ring, and the callback has taken from it: their
    /// difference is what is queued.
    pub frames_fed: AtomicU64,
    /// See `frames_fed`.
    pub frames_taken: AtomicU64,
    /// True once the feeder has queued the last track.
    pub feeder_done: AtomicBool,
    /// The output frame after the last audible one, once playback has ended or stopped
    /// (u64::MAX before).
    pub final_frame: AtomicU64,
    /// True once the output has played that frame (the device's own clock says so).
    pub drained: AtomicBool,
    /// The output frame where the program starts (where playback started plus the
    /// limiter's delay); u64::MAX while held. A WAV output's first frame is this one.
    pub program_start: AtomicU64,
    /// What the output adds between the callback and the listener, in nanoseconds (the
    /// device's buffer and the server's queue, from its timestamps); 0 until known.
    pub output_delay_ns: AtomicU64,
    /// Frames in the most recent device buffer.
    pub device_buffer: AtomicU32,
    /// The thread that runs the callback (its pthread id; 0 until the first callback), to
    /// report its scheduling.
    pub callback_thread: AtomicU64,
    transport: AtomicU8,
}

impl Default for Status {
    fn default() -> Self {
        Status {
            frames_out: AtomicU64::new(0),
            track: AtomicUsize::new(0),
            track_frame: AtomicU64::new(0),
            peak_bits: AtomicU32::new(0),
            underruns: AtomicU64::new(0),
            events_dropped: AtomicU64::new(0),
            active_slot: AtomicUsize::new(0),
            epoch: AtomicU32::new(0),
            requested_epoch: AtomicU32::new(0),
            frames_fed: AtomicU64::new(0),
            frames_taken: AtomicU64::new(0),
            feeder_done: AtomicBool::new(false),
            final_frame: AtomicU64::new(u64::MAX),
            program_start: AtomicU64::new(u64::MAX),
            drained: AtomicBool::new(false),
            output_delay_ns: AtomicU64::new(0),
            device_buffer: AtomicU32::new(0),
            callback_thread: AtomicU64::new(0),
            transport: AtomicU8::new(0),
        }
    }
}

impl Status {
    /// The output frame after the last audible one, once playback has ended or stopped.
    pub fn final_frame(&self) -> Option<u64> {
        let f = self.final_frame.load(Ordering::Relaxed);
        (f != u64::MAX).then_some(f)
    }

    /// Stores the transport state.
    pub fn set_transport(&self, t: Transport) {
        let v = match t {
            Transport::Playing => 0,
            Transport::Pausing => 1,
            Transport::Paused => 2,
            Transport::Stopping => 3,
            Transport::Ended => 4,
        };
        self.transport.store(v, Ordering::Relaxed);
    }

    /// The transport state.
    pub fn transport(&self) -> Transport {
        match self.transport.load(Ordering::Relaxed) {
            0 => Transport::Playing,
            1 => Transport::Pausing,
            2 => Transport::Paused,
            3 => Transport::Stopping,
            _ => Transport::Ended,
        }
    }

    /// Frames queued in the ring and not yet played.
    pub fn queued_frames(&self) -> u64 {
        self.frames_fed
            .load(Ordering::Acquire)
            .saturating_sub(self.frames_taken.load(Ordering::Acquire))
    }

    /// The output peak since the last call, as a linear amplitude, and resets it.
    pub fn take_peak(&self) -> f32 {
        f32::from_bits(self.peak_bits.swap(0, Ordering::Relaxed))
    }
}
