//! What the audio callback reports back: a block of atomics for the current state (read at
//! any time by the UI) and [`Event`]s for things that happen (read in order from a queue).

use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering};

/// Where playback stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Playing.
    Playing,
    /// Fading out towards a pause.
    Pausing,
    /// Paused: silence, nothing consumed.
    Paused,
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
#[derive(Debug, Default)]
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
    pub feeder_done: std::sync::atomic::AtomicBool,
    transport: AtomicU8,
}

impl Status {
    /// Stores the transport state.
    pub fn set_transport(&self, t: Transport) {
        let v = match t {
            Transport::Playing => 0,
            Transport::Pausing => 1,
            Transport::Paused => 2,
            Transport::Ended => 3,
        };
        self.transport.store(v, Ordering::Relaxed);
    }

    /// The transport state.
    pub fn transport(&self) -> Transport {
        match self.transport.load(Ordering::Relaxed) {
            0 => Transport::Playing,
            1 => Transport::Pausing,
            2 => Transport::Paused,
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
