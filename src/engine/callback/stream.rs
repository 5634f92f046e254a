//! Reading the feeder's frames in step with its marks: each chunk runs up to the next mark,
//! scheduled switch or cue, so that each lands on its exact frame; a seek drops what was
//! queued before it; what the ring lacks plays as silence and counts as an underrun.

use std::sync::atomic::Ordering;

use super::schedule::Action;
use super::{CHUNK, Callback, MAX_SCHEDULED, Mark, MarkKind};
use crate::dsp::Fader;
use crate::engine::status::{Event, Transport};

/// What a step during a seek did.
enum Flush {
    /// Covered this many frames.
    Read(usize),
    /// The old audio is gone: step again to play the new.
    Again,
}

impl Callback {
    /// Reads the next run of dry frames (at most `max`) into `self.dry`, fades them, and
    /// returns how many frames it covers.
    pub(super) fn step(&mut self, max: usize) -> usize {
        let max = max.min(CHUNK);
        // Two passes at most: a flush that completes makes the second pass play new audio.
        for _ in 0..3 {
            self.apply_due();
            if matches!(self.transport, Transport::Paused | Transport::Ended) {
                return self.silence(max);
            }
            let requested = self.status.requested_epoch.load(Ordering::Acquire);
            if requested > self.epoch {
                match self.step_flushing(max, requested) {
                    Flush::Read(n) => return n,
                    Flush::Again => continue,
                }
            }
            return self.step_playing(max);
        }
        self.silence(max)
    }

    /// `n` frames of silence, nothing consumed.
    fn silence(&mut self, n: usize) -> usize {
        self.dry[..n * 2].fill(0.0);
        n
    }

    /// A seek or jump: fade out what is playing, then drop the rest of the old audio and wait
    /// for the new audio's mark.
    fn step_flushing(&mut self, max: usize, requested: u32) -> Flush {
        if !self.flushing {
            self.flushing = true;
            self.fader.fade_to(0.0, self.config.fade_frames);
        }
        self.drop_stale_marks(requested);
        let mark = self.marks.peek().ok().copied();
        let until = mark.map_or(u64::MAX, |m| m.at.saturating_sub(self.consumed));
        let silent = self.fader.is_settled() && self.fader.gain() == 0.0;
        let available = (self.ring.slots() / 2) as u64;
        let take = (max as u64).min(until).min(available) as usize;
        if silent || take == 0 {
            if let Some(mark) = mark {
                self.finish_flush(mark);
                return Flush::Again;
            }
            // The feeder is still seeking: silence, and nothing consumed.
            return Flush::Read(self.silence(max));
        }
        Flush::Read(self.read(take, take))
    }

    /// Playback: up to the next mark, scheduled point or the end of a stop's fade; what the
    /// ring lacks plays as silence.
    fn step_playing(&mut self, max: usize) -> usize {
        let mut want = max as u64;
        if let Ok(mark) = self.marks.peek() {
            want = want.min(mark.at.saturating_sub(self.consumed).max(1));
        }
        if let Some(next) = self
            .track
            .and_then(|t| self.schedule.next_in(t, self.track_frame))
        {
            want = want.min(next);
        }
        if self.transport == Transport::Stopping {
            // End the chunk where the fade-out ends, so the last audible frame is exact.
            want = want.min(u64::from(self.fader.remaining()).max(1));
        }
        let want = want as usize;
        let take = want.min(self.ring.slots() / 2);
        if take < want && self.track.is_some() && !self.underrun_reported {
            // The feeder is behind: the missing frames play as silence.
            self.underrun_reported = true;
            self.status.underruns.fetch_add(1, Ordering::Relaxed);
            self.emit(Event::Underrun);
        }
        self.read(take, want)
    }

    /// Moves `take` frames from the ring into `self.dry`, pads with silence to `n` frames,
    /// applies the fader and returns `n`.
    fn read(&mut self, take: usize, n: usize) -> usize {
        if take > 0
            && let Ok(chunk) = self.ring.read_chunk(take * 2)
        {
            let (a, b) = chunk.as_slices();
            self.dry[..a.len()].copy_from_slice(a);
            self.dry[a.len()..a.len() + b.len()].copy_from_slice(b);
            chunk.commit_all();
            self.consumed += take as u64;
            self.track_frame += take as u64;
        }
        self.dry[take * 2..n * 2].fill(0.0);
        self.fader.process_interleaved(&mut self.dry[..n * 2]);
        if self.fader.is_settled() {
            match self.transport {
                Transport::Pausing => {
                    self.transport = Transport::Paused;
                    self.emit(Event::Paused);
                }
                Transport::Stopping => self.end_here(n),
                _ => {}
            }
        }
        n
    }

    /// Drops the stale frames before a newer epoch's `mark`; the mark itself is applied by
    /// the next [`Callback::apply_due`], which starts the fade-in.
    fn finish_flush(&mut self, mark: Mark) {
        let stale = (mark.at.saturating_sub(self.consumed) as usize).min(self.ring.slots() / 2);
        if stale > 0
            && let Ok(chunk) = self.ring.read_chunk(stale * 2)
        {
            chunk.commit_all();
            self.consumed += stale as u64;
        }
        if self.consumed >= mark.at {
            self.flushing = false;
            self.limiter.reset();
        }
    }

    /// Discards marks of epochs older than `requested`: they describe audio being dropped.
    fn drop_stale_marks(&mut self, requested: u32) {
        while self.marks.peek().is_ok_and(|m| m.epoch < requested) {
            let _ = self.marks.pop();
        }
    }

    /// Applies every mark and scheduled point due at the current frame.
    fn apply_due(&mut self) {
        let requested = self.status.requested_epoch.load(Ordering::Acquire);
        if requested > self.epoch {
            self.drop_stale_marks(requested);
        }
        while let Ok(mark) = self.marks.peek().copied() {
            if mark.at > self.consumed || (mark.epoch > self.epoch && self.flushing) {
                break;
            }
            let _ = self.marks.pop();
            self.on_mark(mark);
        }
        let Some(track) = self.track else { return };
        for i in 0..MAX_SCHEDULED {
            match self.schedule.due(i, track, self.track_frame) {
                Some(Action::Switch { slot, fade }) => self.select(slot, fade),
                Some(Action::Cue { id }) => self.emit(Event::CueReached { track, id }),
                None => {}
            }
        }
    }

    /// What a mark in the stream means, at its frame.
    fn on_mark(&mut self, mark: Mark) {
        let first = self.track.is_none();
        let new_epoch = mark.epoch > self.epoch;
        self.epoch = mark.epoch;
        match mark.kind {
            MarkKind::Track {
                index,
                frame,
                levels_db,
            } => {
                self.profiles.set_levels(&levels_db);
                self.track = Some(index);
                self.track_frame = frame;
                if self.transport == Transport::Ended && !self.stopped {
                    // Back from the end (a seek after the playlist ended).
                    self.transport = Transport::Playing;
                    self.final_frame = None;
                }
                self.status.track.store(index, Ordering::Relaxed);
                self.emit(Event::TrackStarted { index, frame });
            }
            MarkKind::Seam { frame } => {
                self.track_frame = frame;
                if let Some([x, y]) = self.alternate {
                    // The profiles cross over while the audio crosses the seam.
                    let other = if self.profiles.active() == x { y } else { x };
                    self.select(other, self.config.seam_frames);
                }
                self.emit(Event::LoopSeam { frame });
            }
            MarkKind::Skipped { index } => self.emit(Event::Skipped { index }),
            MarkKind::End => {
                if self.transport != Transport::Ended {
                    self.end_here(0);
                }
                self.emit(Event::Ended);
            }
        }
        // After a seek the new audio fades in (the old faded out); so does a first track that
        // starts in its middle, live. A track played from its start needs no fade.
        let mid_track = matches!(mark.kind, MarkKind::Track { frame, .. } if frame > 0);
        let fade_in = new_epoch || (first && mid_track && self.config.fade_in_mid_track);
        // Held, the fade waits for the start.
        let held = self.start_frame.is_none();
        if fade_in && (self.transport == Transport::Playing || held) {
            self.fader = Fader::new(0.0);
            self.fader.fade_to(1.0, self.config.fade_frames);
        }
    }
}
