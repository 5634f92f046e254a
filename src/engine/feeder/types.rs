//! What the feeder takes (tracks, commands) and reports (events).

use std::path::PathBuf;

use crate::decode::AudioInfo;
use crate::engine::callback::MAX_PROFILES;

/// One track the feeder can play.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackSource {
    /// File to decode; None for an entry that did not resolve (it is skipped).
    pub path: Option<PathBuf>,
    /// Loop region (seconds) used when looping is on.
    pub loop_region: Option<(f64, f64)>,
    /// Level-matching gain per profile slot for this track, dB (applied from its first
    /// frame on).
    pub levels_db: [f32; MAX_PROFILES],
}

impl TrackSource {
    /// A track with no loop region and no level offsets.
    pub fn new(path: Option<PathBuf>) -> Self {
        TrackSource {
            path,
            loop_region: None,
            levels_db: [0.0; MAX_PROFILES],
        }
    }
}

/// A request to the feeder.
#[derive(Clone, Debug, PartialEq)]
pub enum FeederCommand {
    /// Jump to `seconds` in track `index` (start playing it if it is not the current one).
    Goto {
        /// Track index.
        index: usize,
        /// Position in the track.
        seconds: f64,
    },
    /// Turn the current track's loop region on or off.
    Loop(bool),
    /// Stop feeding and end the thread.
    Stop,
}

/// What the feeder reports.
#[derive(Clone, Debug)]
pub enum FeederEvent {
    /// Track `index` opened.
    Opened {
        /// Track index.
        index: usize,
        /// What the file holds.
        info: AudioInfo,
    },
    /// Track `index` was skipped.
    Skipped {
        /// Track index.
        index: usize,
        /// Why.
        reason: String,
    },
    /// Corrupt packets were skipped while decoding track `index`.
    Damaged {
        /// Track index.
        index: usize,
        /// Packets skipped so far.
        packets: u64,
    },
    /// A seek failed (past the end, say); playback carries on where it was.
    SeekFailed {
        /// Why.
        reason: String,
    },
    /// Every track has been fed.
    Finished,
}

impl TrackSource {
    /// The loop region in source frames at `source_rate`, when the track has a valid one.
    pub(super) fn loop_frames(&self, source_rate: u32) -> Option<(u64, u64)> {
        let (from, to) = self.loop_region?;
        let rate = f64::from(source_rate);
        let (a, b) = ((from * rate).round() as u64, (to * rate).round() as u64);
        (b > a).then_some((a, b))
    }
}
