//! What the engine's events mean for a session: lines to show, the entry playing, the
//! profile heard, the cue last passed, and the counts of the closing summary.

use std::time::Duration;

use super::{Effect, Now, Session};
use crate::engine::{Event, FeederEvent, PlayerEvent};
use crate::timecode::format_time;

impl Session {
    pub(super) fn on_event(&mut self, event: PlayerEvent, now: &Now, out: &mut Vec<Effect>) {
        let show = |out: &mut Vec<Effect>, text: String| out.push(Effect::Show(text));
        match event {
            PlayerEvent::Feeder(FeederEvent::Opened { index, info }) => {
                if let Some(d) = self.setup.durations.get_mut(index) {
                    *d = info.seconds().or(*d);
                }
            }
            PlayerEvent::Feeder(FeederEvent::Skipped { index, reason }) => {
                // Shown when playback reaches it (Event::Skipped), in playlist order.
                if let Some(r) = self.skip_reasons.get_mut(index) {
                    *r = Some(reason);
                }
            }
            PlayerEvent::Feeder(FeederEvent::Damaged { index, packets }) => show(
                out,
                format!(
                    "note  {}: {packets} damaged packet(s) skipped",
                    self.playlist.heading(index)
                ),
            ),
            PlayerEvent::Feeder(FeederEvent::SeekFailed { reason }) => {
                show(out, format!("seek  {reason}"))
            }
            PlayerEvent::Feeder(FeederEvent::Finished) => {}
            PlayerEvent::Audio(Event::Skipped { index }) => {
                self.skipped += 1;
                let reason = self
                    .skip_reasons
                    .get(index)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "could not be played".into());
                show(
                    out,
                    format!("skip  {}: {reason}", self.playlist.heading(index)),
                );
            }
            PlayerEvent::Audio(Event::TrackStarted { index, frame }) => {
                self.track_started(index, frame, now, out)
            }
            PlayerEvent::Audio(Event::Underrun) => {
                // One line a second at most, however many buffers ran short.
                self.underruns += 1;
                let quiet = self
                    .last_underrun_line
                    .is_none_or(|t| now.elapsed.saturating_sub(t) > Duration::from_secs(1));
                if quiet {
                    self.last_underrun_line = Some(now.elapsed);
                    show(
                        out,
                        format!(
                            "underrun: the decoder fell behind ({} so far)",
                            self.underruns
                        ),
                    );
                }
            }
            PlayerEvent::Audio(Event::Paused) => show(out, "pause".into()),
            PlayerEvent::Audio(Event::Resumed) => show(out, "resume".into()),
            PlayerEvent::Audio(Event::LoopSeam { frame }) => show(
                out,
                format!("loop  back to {}", format_time(self.seconds(frame))),
            ),
            PlayerEvent::Audio(Event::Ended) => show(out, "end of playlist".into()),
            PlayerEvent::Audio(Event::Switched { slot, frame, .. }) => {
                self.heard = slot;
                if self.blind.is_none()
                    && let (Some(label), Some(name)) =
                        (self.labels.get(slot), self.setup.profiles.get(slot))
                {
                    show(
                        out,
                        format!(
                            "switch → {label} ({name}) at {}",
                            format_time(self.seconds(frame))
                        ),
                    );
                }
            }
            PlayerEvent::Audio(Event::CueReached { track, id }) => {
                if let Some(cue) = self.playlist.cues(track).get(id) {
                    self.last_cue = Some(id);
                    show(out, format!("cue   {} {}", format_time(cue.at), cue.label));
                }
            }
        }
    }

    fn seconds(&self, frame: u64) -> f64 {
        frame as f64 / f64::from(self.setup.rate)
    }

    fn track_started(&mut self, index: usize, frame: u64, now: &Now, out: &mut Vec<Effect>) {
        if self.first_audio.is_none() {
            self.first_audio = Some(now.elapsed);
            out.push(Effect::Show(format!(
                "first audio frame after {:.1} ms",
                now.elapsed.as_secs_f64() * 1e3
            )));
        }
        let new_track = self.track != Some(index);
        if new_track {
            self.played += 1;
            self.last_cue = None;
        }
        self.track = Some(index);
        let length = self
            .duration(index)
            .map_or(String::new(), |d| format!(" / {}", format_time(d)));
        out.push(Effect::Show(format!(
            "play  {} from {}{length}",
            self.playlist.heading(index),
            format_time(self.seconds(frame))
        )));
        if !new_track {
            return;
        }
        if let Some(focus) = self.playlist.focus(index) {
            out.push(Effect::Show(format!("      focus: {focus}")));
        }
        if let (true, false, Some(Some(m))) =
            (self.is_ab(), self.is_blind(), self.setup.levels.get(index))
            && m.loudness_lufs.iter().all(|l| l.is_finite())
        {
            let parts: Vec<String> = m
                .loudness_lufs
                .iter()
                .zip(&m.gains_db)
                .zip(&self.labels)
                .map(|((l, g), label)| format!("{label} {l:.1} LUFS → {g:+.1} dB"))
                .collect();
            out.push(Effect::Show(format!(
                "      level match: {}",
                parts.join(", ")
            )));
        }
    }
}
