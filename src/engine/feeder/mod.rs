//! The feeder thread: decodes the playlist's tracks one after another, resamples them to the
//! device rate and pushes the frames into the ring buffer the audio callback reads, with a
//! [`Mark`] wherever a track starts, a loop jumps back, a seek lands or the playlist ends.
//!
//! Tracks follow each other without a gap. A track that cannot be opened or breaks while
//! playing is reported and skipped; playback goes on with the next one. Seeks bump the
//! epoch, which tells the callback to drop the frames still queued from before the seek.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use rtrb::Producer;

use super::callback::{MAX_PROFILES, Mark, MarkKind};
use super::status::Status;
use crate::decode::{AudioFile, DecodeError};
use crate::resample::StereoResampler;

mod seam;
mod types;

pub use types::{FeederCommand, FeederEvent, TrackSource};

/// Frames decoded per step.
pub(crate) const DECODE_FRAMES: usize = 2048;

/// How long the feeder sleeps when the ring is full.
const FULL_WAIT: Duration = Duration::from_millis(2);

/// The open track.
struct Current {
    index: usize,
    file: AudioFile,
    resampler: StereoResampler,
    /// Source frame where the loop jumps back, and where it ends, when looping.
    loop_frames: Option<(u64, u64)>,
    reported_damage: u64,
    /// The file's size and modification time when opened, to tell a file changed under
    /// playback from one that was short all along.
    stamp: Option<(u64, std::time::SystemTime)>,
}

/// The feeder's state; [`Feeder::run`] is the thread body.
pub struct Feeder {
    tracks: Vec<TrackSource>,
    rate: u32,
    ring: Producer<f32>,
    marks: Producer<Mark>,
    commands: Receiver<FeederCommand>,
    events: Sender<FeederEvent>,
    status: Arc<Status>,
    /// Next track to open when nothing is open.
    next: usize,
    /// Position to start the next opened track at, in seconds.
    start_at: f64,
    current: Option<Current>,
    looping: bool,
    epoch: u32,
    /// Frames pushed into the ring since the start.
    pushed: u64,
    /// Resampled frames waiting for room in the ring, and how many are already pushed.
    pending: Vec<f32>,
    pending_pos: usize,
    decoded: Vec<f32>,
    ended: bool,
    /// Length of the crossfade at a loop seam, device frames.
    seam_frames: usize,
    /// The audio just past a loop region's end (device rate), fading out under the region's
    /// start, and how many of its samples are already mixed.
    seam_tail: Vec<f32>,
    seam_pos: usize,
}

impl Feeder {
    /// A feeder for `tracks` at device rate `rate`, starting at track `start` at
    /// `start_seconds`, crossfading loop seams over `seam_frames` frames, looping from the
    /// start when `looping`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tracks: Vec<TrackSource>,
        rate: u32,
        start: usize,
        start_seconds: f64,
        seam_frames: u32,
        looping: bool,
        ring: Producer<f32>,
        marks: Producer<Mark>,
        commands: Receiver<FeederCommand>,
        events: Sender<FeederEvent>,
        status: Arc<Status>,
    ) -> Self {
        Feeder {
            tracks,
            rate,
            ring,
            marks,
            commands,
            events,
            status,
            next: start,
            start_at: start_seconds,
            current: None,
            looping,
            epoch: 0,
            pushed: 0,
            pending: Vec::with_capacity(DECODE_FRAMES * 2 * 5),
            pending_pos: 0,
            decoded: Vec::with_capacity(DECODE_FRAMES * 2),
            ended: false,
            seam_frames: seam_frames as usize,
            seam_tail: Vec::with_capacity(seam_frames as usize * 2),
            seam_pos: 0,
        }
    }

    /// Feeds until told to stop or until the callback side is gone.
    pub fn run(mut self) {
        loop {
            // Commands first, so a seek never waits behind decoding.
            let command = if self.ended && self.current.is_none() {
                // Nothing to do until someone asks for something.
                match self.commands.recv_timeout(Duration::from_millis(50)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => {
                        if self.ring.is_abandoned() {
                            return;
                        }
                        None
                    }
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                self.commands.try_recv().ok()
            };
            if let Some(command) = command {
                match command {
                    FeederCommand::Stop => return,
                    FeederCommand::Goto { index, seconds } => self.goto(index, seconds),
                    FeederCommand::Loop(on) => self.set_loop(on),
                }
                continue;
            }
            if self.ring.is_abandoned() {
                return;
            }
            if !self.flush_pending() {
                std::thread::sleep(FULL_WAIT);
                continue;
            }
            if self.current.is_none() && !self.ended {
                self.open_next();
                continue;
            }
            self.decode_step();
        }
    }

    /// Pushes what is pending; true when nothing is left.
    fn flush_pending(&mut self) -> bool {
        let rest = &self.pending[self.pending_pos..];
        if rest.is_empty() {
            return true;
        }
        let (pushed, _) = self.ring.push_partial_slice(rest);
        let n = pushed.len();
        self.pending_pos += n;
        self.pushed += (n / 2) as u64;
        self.status.frames_fed.store(self.pushed, Ordering::Release);
        if self.pending_pos >= self.pending.len() {
            self.pending.clear();
            self.pending_pos = 0;
            true
        } else {
            false
        }
    }

    /// Queues a mark for the frames appended from now on (after any still pending).
    fn mark(&mut self, kind: MarkKind) {
        let waiting = (self.pending.len() - self.pending_pos) as u64 / 2;
        let mark = Mark {
            at: self.pushed + waiting,
            epoch: self.epoch,
            kind,
        };
        // The marks queue only fills if the callback has stopped reading; wait briefly.
        let mut value = mark;
        for _ in 0..500 {
            match self.marks.push(value) {
                Ok(()) => return,
                Err(rtrb::PushError::Full(v)) => {
                    value = v;
                    std::thread::sleep(FULL_WAIT);
                }
            }
        }
    }

    fn send(&self, event: FeederEvent) {
        let _ = self.events.send(event);
    }

    /// Opens track `self.next` (skipping entries that fail) and marks its start.
    fn open_next(&mut self) {
        while self.next < self.tracks.len() {
            let index = self.next;
            self.next += 1;
            let mut start = std::mem::take(&mut self.start_at);
            // Looping, a track opened at its start begins at its loop region: the listener
            // hears the passage being compared from the first pass.
            if self.looping
                && start == 0.0
                && let Some((from, _)) = self.tracks.get(index).and_then(|t| t.loop_region)
            {
                start = from;
            }
            match self.open(index, start) {
                Ok(current) => {
                    // A seam still fading belongs to the track before.
                    self.seam_tail.clear();
                    let frame = (start * f64::from(self.rate)).round() as u64;
                    self.send(FeederEvent::Opened {
                        index,
                        info: current.file.info().clone(),
                    });
                    self.current = Some(current);
                    let levels_db = self.levels(index);
                    self.mark(MarkKind::Track {
                        index,
                        frame,
                        levels_db,
                    });
                    return;
                }
                Err(reason) => {
                    self.send(FeederEvent::Skipped { index, reason });
                    self.mark(MarkKind::Skipped { index });
                }
            }
        }
        self.ended = true;
        self.status.feeder_done.store(true, Ordering::Release);
        self.mark(MarkKind::End);
        self.send(FeederEvent::Finished);
    }

    fn open(&self, index: usize, seconds: f64) -> Result<Current, String> {
        let source = self
            .tracks
            .get(index)
            .ok_or_else(|| format!("no track {}", index + 1))?;
        let path = source
            .path
            .as_ref()
            .ok_or_else(|| "no file found for this entry".to_string())?;
        let stamp = file_stamp(path);
        let mut file = AudioFile::open(path).map_err(|e| e.to_string())?;
        if seconds > 0.0 {
            file.seek(seconds).map_err(|e| e.to_string())?;
        }
        let resampler =
            StereoResampler::new(file.info().sample_rate, self.rate).map_err(|e| e.to_string())?;
        let mut current = Current {
            index,
            file,
            resampler,
            loop_frames: None,
            reported_damage: 0,
            stamp,
        };
        if self.looping {
            current.loop_frames = source.loop_frames(current.file.info().sample_rate);
        }
        Ok(current)
    }

    fn levels(&self, index: usize) -> [f32; MAX_PROFILES] {
        self.tracks
            .get(index)
            .map_or([0.0; MAX_PROFILES], |t| t.levels_db)
    }

    /// Starts a new epoch: everything queued so far is stale.
    fn bump_epoch(&mut self) {
        self.epoch += 1;
        self.status
            .requested_epoch
            .store(self.epoch, Ordering::Release);
    }

    fn goto(&mut self, index: usize, seconds: f64) {
        let same = self.current.as_ref().is_some_and(|c| c.index == index);
        if same {
            let Some(current) = self.current.as_mut() else {
                return;
            };
            match current.file.seek(seconds) {
                Ok(_) => {
                    current.resampler.reset();
                    self.pending.clear();
                    self.pending_pos = 0;
                    self.seam_tail.clear();
                    self.bump_epoch();
                    let frame = (seconds.max(0.0) * f64::from(self.rate)).round() as u64;
                    let levels_db = self.levels(index);
                    self.mark(MarkKind::Track {
                        index,
                        frame,
                        levels_db,
                    });
                }
                Err(e) => self.send(FeederEvent::SeekFailed {
                    reason: e.to_string(),
                }),
            }
            return;
        }
        self.bump_epoch();
        self.pending.clear();
        self.pending_pos = 0;
        self.seam_tail.clear();
        self.current = None;
        self.ended = false;
        self.status.feeder_done.store(false, Ordering::Release);
        self.next = index;
        self.start_at = seconds.max(0.0);
    }

    fn set_loop(&mut self, on: bool) {
        self.looping = on;
        if let Some(current) = self.current.as_mut() {
            current.loop_frames = if on {
                self.tracks
                    .get(current.index)
                    .and_then(|t| t.loop_frames(current.file.info().sample_rate))
            } else {
                None
            };
        }
    }

    /// Decodes, resamples and queues one block of the current track; at its end, closes it.
    fn decode_step(&mut self) {
        let Some(current) = self.current.as_mut() else {
            return;
        };
        let mut want = DECODE_FRAMES;
        if let Some((_, end)) = current.loop_frames {
            let pos = current.file.position();
            want = want.min(end.saturating_sub(pos) as usize);
        }
        self.decoded.clear();
        let result = if want == 0 {
            Ok(0)
        } else {
            current.file.read(&mut self.decoded, want)
        };
        let skipped = current.file.skipped_packets();
        if skipped > current.reported_damage {
            current.reported_damage = skipped;
            let index = current.index;
            self.send(FeederEvent::Damaged {
                index,
                packets: skipped,
            });
        }
        let Some(current) = self.current.as_mut() else {
            return;
        };
        match result {
            Ok(0) if want == 0 => self.loop_back(),
            Ok(0) => {
                let from = self.pending.len();
                let _ = current.resampler.finish(&mut self.pending);
                self.blend_seam(from);
                let Some(current) = self.current.as_mut() else {
                    return;
                };
                let early = ended_early(&current.file, current.stamp);
                let index = current.index;
                self.current = None;
                if let Some(reason) = early {
                    self.send(FeederEvent::Skipped { index, reason });
                    self.mark(MarkKind::Skipped { index });
                }
            }
            Ok(_) => {
                let from = self.pending.len();
                if let Err(e) = current.resampler.process(&self.decoded, &mut self.pending) {
                    let index = current.index;
                    self.current = None;
                    self.send(FeederEvent::Skipped {
                        index,
                        reason: e.to_string(),
                    });
                    self.mark(MarkKind::Skipped { index });
                }
                self.blend_seam(from);
            }
            Err(e) => {
                let index = current.index;
                let _ = current.resampler.finish(&mut self.pending);
                self.current = None;
                self.send(FeederEvent::Skipped {
                    index,
                    reason: describe(&e),
                });
                self.mark(MarkKind::Skipped { index });
            }
        }
    }
}

/// Size and modification time of `path`, when it can be read.
fn file_stamp(path: &std::path::Path) -> Option<(u64, std::time::SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.len(), meta.modified().ok()?))
}

/// Why a track that just ended ended before its length as opened, if the file was
/// truncated or rewritten while it played (a file that was short all along is reported by
/// the decoder as damage instead; a file deleted while playing still plays to its end, as
/// the open handle keeps its data).
fn ended_early(file: &AudioFile, stamp: Option<(u64, std::time::SystemTime)>) -> Option<String> {
    let info = file.info();
    let length = info.frames?;
    let at = file.position();
    // A few milliseconds of slack for containers whose stated length is approximate.
    let slack = u64::from(info.sample_rate / 100);
    let changed = stamp.is_some_and(|s| file_stamp(file.path()).is_some_and(|now| now != s));
    (changed && at + slack < length).then(|| {
        let rate = f64::from(info.sample_rate);
        format!(
            "{}: ended at {} of {}: the file was truncated or changed while playing",
            file.path().display(),
            crate::timecode::format_time(at as f64 / rate),
            crate::timecode::format_time(length as f64 / rate)
        )
    })
}

fn describe(e: &DecodeError) -> String {
    format!("stopped: {e}")
}
