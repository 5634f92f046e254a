//! Watching a running output from the control thread: faults it reported, an output that
//! stopped asking for audio, one that takes audio faster than real time, and the end of
//! playback. Every face of a session (the terminal, the page) runs one of these.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::fault::{FaultKind, StreamFault};
use super::output::Running;
use super::status::Status;

/// How long a device may stop asking for audio before it counts as lost: far longer than
/// any buffer (the largest JACK period is 0.34 s at 48 kHz).
const STALLED: Duration = Duration::from_secs(1);

/// Longest the output may take to play what it holds after playback ended.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

/// What the watch saw in one look.
#[derive(Debug, Default)]
pub struct Seen {
    /// The output is gone: the session must stop or move elsewhere.
    pub lost: Option<StreamFault>,
    /// Lines to show (glitches, at most one every two seconds; priority notes).
    pub lines: Vec<String>,
}

/// The watch over one output.
pub struct Watch {
    rate: u32,
    glitches: u64,
    last_glitch: Option<StreamFault>,
    last_glitch_line: Option<Instant>,
    /// The output's frame count when it last moved, and when.
    progress: Option<(u64, Instant)>,
    /// Where the pace measurement started, and whether it is done.
    pace_from: Option<(u64, Instant)>,
    pace_checked: bool,
    /// When playback was first seen to have ended.
    ended_at: Option<Instant>,
}

impl Watch {
    /// A watch for an output running at `rate`.
    pub fn new(rate: u32) -> Watch {
        Watch {
            rate,
            glitches: 0,
            last_glitch: None,
            last_glitch_line: None,
            progress: None,
            pace_from: None,
            pace_checked: false,
            ended_at: None,
        }
    }

    /// Looks at what the output reported since the last look: a fatal fault ends at once;
    /// survivable ones (xruns) make at most one line every two seconds; an output that has
    /// stopped asking for audio (a sound server killed under an ALSA plugin keeps failing
    /// without saying the device is gone) counts as lost after a second; an output that took
    /// audio much faster than real time over its first second does not wait for its device,
    /// so its thread goes back to normal priority.
    pub fn look(&mut self, running: &Running, status: &Status) -> Seen {
        let mut seen = Seen::default();
        while let Some(fault) = running.device_error() {
            match fault.kind {
                FaultKind::Lost => {
                    seen.lost = Some(fault);
                    return seen;
                }
                // The host's own request (rtkit) failed; iemlab asks the kernel itself where
                // it may, so this only matters if the thread is still normal.
                FaultKind::RealtimeDenied if !running.is_realtime(status) => seen
                    .lines
                    .push(format!("note: playing at normal priority: {fault}")),
                FaultKind::RealtimeDenied => {}
                FaultKind::Glitch => {
                    self.glitches += 1;
                    self.last_glitch = Some(fault);
                }
            }
        }
        let quiet = self
            .last_glitch_line
            .is_none_or(|t| t.elapsed() > Duration::from_secs(2));
        if quiet && let Some(fault) = self.last_glitch.take() {
            let more = if self.glitches > 1 {
                format!(" ({} times)", self.glitches)
            } else {
                String::new()
            };
            seen.lines.push(format!("output device: {fault}{more}"));
            self.glitches = 0;
            self.last_glitch_line = Some(Instant::now());
        }
        let frames = status.frames_out.load(Ordering::Relaxed);
        self.check_pace(running, status, frames, &mut seen);
        match self.progress {
            Some((before, _)) if before != frames => self.progress = Some((frames, Instant::now())),
            None => self.progress = Some((frames, Instant::now())),
            Some((_, since)) if running.is_device() && since.elapsed() > STALLED => {
                let why = self
                    .last_glitch
                    .as_ref()
                    .map_or(String::new(), |f| format!(": {f}"));
                seen.lost = Some(StreamFault {
                    kind: FaultKind::Lost,
                    message: format!(
                        "the output stopped asking for audio for {:.1} s{why}",
                        since.elapsed().as_secs_f64()
                    ),
                });
            }
            Some(_) => {}
        }
        seen
    }

    fn check_pace(&mut self, running: &Running, status: &Status, frames: u64, seen: &mut Seen) {
        let (start, since) = *self.pace_from.get_or_insert((frames, Instant::now()));
        let elapsed = since.elapsed().as_secs_f64();
        if self.pace_checked || elapsed < 1.0 {
            return;
        }
        self.pace_checked = true;
        let speed = frames.saturating_sub(start) as f64 / (elapsed * f64::from(self.rate));
        if speed > 1.5 && running.demote(status) {
            seen.lines.push(format!(
                "note: the output takes audio {speed:.0}× faster than real time; its thread is back at normal priority"
            ));
        }
    }

    /// Whether the output has played everything after playback ended, or playback ended a
    /// while ago and the output never said so (a device whose clock stopped).
    pub fn is_finished(&mut self, running: &Running, status: &Status) -> bool {
        if running.is_done(status) {
            return true;
        }
        if status.final_frame().is_none() {
            self.ended_at = None;
            return false;
        }
        let since = *self.ended_at.get_or_insert_with(Instant::now);
        since.elapsed() > DRAIN_TIMEOUT
    }
}
