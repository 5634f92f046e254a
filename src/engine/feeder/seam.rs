//! A loop's seam: at the region's end the feeder decodes a little past it, jumps back to the
//! region's start, and crossfades the audio past the end into the start.

use super::{Feeder, FeederEvent};
use crate::dsp::{Crossfade, Law};
use crate::engine::callback::MarkKind;

impl Feeder {
    /// At a loop region's end: decodes a little past it, jumps back to the region's start
    /// and marks the seam. The audio past the end fades out while the start fades in (an
    /// equal-power crossfade: the two are unrelated music, so their powers add), so the seam
    /// neither clicks nor dips.
    pub(super) fn loop_back(&mut self) {
        let seam = self.seam_frames;
        let Some(current) = self.current.as_mut() else {
            return;
        };
        let Some((start, _)) = current.loop_frames else {
            return;
        };
        let source_rate = current.file.info().sample_rate;
        let through_end = current
            .resampler
            .output_frames_for(current.resampler.frames_in());
        let tail_source =
            (seam as u64 * u64::from(source_rate)).div_ceil(u64::from(self.rate)) as usize + 1;
        self.decoded.clear();
        if current.file.read(&mut self.decoded, tail_source).is_err() {
            self.decoded.clear();
        }
        let _ = current.resampler.process(&self.decoded, &mut self.pending);
        let _ = current.resampler.finish(&mut self.pending);
        // The frames past the end are the last ones the resampler produced; they are still
        // pending (pushed frames are always older than this step's output).
        let past_end = current.resampler.frames_out().saturating_sub(through_end) as usize;
        let cut = self
            .pending
            .len()
            .saturating_sub(past_end * 2)
            .max(self.pending_pos);
        self.seam_tail.clear();
        let keep = (self.pending.len() - cut).min(seam * 2);
        self.seam_tail
            .extend_from_slice(&self.pending[cut..cut + keep]);
        // A region that ends at the end of the file fades in from silence.
        self.seam_tail.resize(seam * 2, 0.0);
        self.seam_pos = 0;
        self.pending.truncate(cut);
        let seconds = start as f64 / f64::from(source_rate);
        match current.file.seek(seconds) {
            Ok(_) => {
                current.resampler.reset();
                let frame = (seconds * f64::from(self.rate)).round() as u64;
                self.mark(MarkKind::Seam { frame });
            }
            Err(e) => {
                current.loop_frames = None;
                self.seam_tail.clear();
                self.send(FeederEvent::SeekFailed {
                    reason: e.to_string(),
                });
            }
        }
    }

    /// Mixes the tail kept at a loop seam into the frames appended to `pending` from
    /// index `from` on.
    pub(super) fn blend_seam(&mut self, from: usize) {
        let len = self.seam_tail.len() / 2;
        if self.seam_pos >= self.seam_tail.len() {
            return;
        }
        let fresh = self.pending.get_mut(from..).unwrap_or_default();
        for (frame, tail) in fresh
            .chunks_exact_mut(2)
            .zip(self.seam_tail[self.seam_pos..].chunks_exact(2))
        {
            let k = (self.seam_pos / 2) as u32;
            let (g_out, g_in) = Crossfade::gains_at(k, len as u32, Law::EqualPower);
            frame[0] = tail[0] * g_out + frame[0] * g_in;
            frame[1] = tail[1] * g_out + frame[1] * g_in;
            self.seam_pos += 2;
        }
    }
}
