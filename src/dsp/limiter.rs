//! A look-ahead safety limiter for the playback path: no output sample ever exceeds the
//! ceiling, gain reduction starts before a peak arrives (so it does not distort it), and
//! NaN or infinite input becomes silence rather than reaching the DAC.
//!
//! The gain computer is the moving-minimum-then-moving-average design: for every frame the
//! gain it needs (`ceiling / peak`) enters a sliding minimum over the look-ahead window, which
//! is then smoothed by a box average of the same length. Every average that covers a frame
//! includes that frame's own required gain or a smaller one, so the smoothed gain is never
//! above what the frame needs; the audio is delayed by the window so the gain meets the
//! sample it was computed for. Release is an exponential return towards unity, applied
//! before the smoothing. A final clamp guards against rounding.

/// Longest look-ahead the limiter supports, in frames (5.3 ms at 48 kHz, 1.3 ms at 192 kHz).
pub const MAX_LOOKAHEAD: usize = 256;

/// Stereo-linked look-ahead peak limiter. Allocates only in [`Limiter::new`].
#[derive(Clone, Debug)]
pub struct Limiter {
    ceiling: f32,
    window: usize,
    /// Delayed audio, `window` frames, as a ring.
    delay: Vec<[f32; 2]>,
    /// Required gains of the last `window` frames, as a ring (for the moving minimum).
    needed: Vec<f32>,
    /// Monotonic deque of indices into `needed` (ring positions, oldest first).
    deque: Vec<u32>,
    deque_head: usize,
    deque_len: usize,
    /// Held-and-released gains of the last `window` frames, as a ring (for the average).
    held: Vec<f32>,
    held_sum: f64,
    pos: usize,
    /// Gain after release, before smoothing.
    released: f32,
    release_coeff: f32,
    /// Frames whose gain was reduced.
    limited_frames: u64,
    /// Non-finite input samples replaced by silence.
    non_finite: u64,
}

impl Limiter {
    /// A limiter at `ceiling_db` dBFS with `lookahead_ms` of look-ahead and `release_ms`
    /// release time constant, at `sample_rate`. The look-ahead is capped at
    /// [`MAX_LOOKAHEAD`] frames.
    pub fn new(sample_rate: f64, ceiling_db: f64, lookahead_ms: f64, release_ms: f64) -> Self {
        let window = ((lookahead_ms * 1e-3 * sample_rate).round() as usize).clamp(1, MAX_LOOKAHEAD);
        let release_frames = (release_ms * 1e-3 * sample_rate).max(1.0);
        Limiter {
            ceiling: super::db_to_gain(ceiling_db) as f32,
            window,
            delay: vec![[0.0; 2]; window],
            needed: vec![1.0; window],
            deque: vec![0; window],
            deque_head: 0,
            deque_len: 0,
            held: vec![1.0; window],
            held_sum: window as f64,
            pos: 0,
            released: 1.0,
            release_coeff: (-1.0 / release_frames).exp() as f32,
            limited_frames: 0,
            non_finite: 0,
        }
    }

    /// The ceiling as a linear amplitude.
    pub fn ceiling(&self) -> f32 {
        self.ceiling
    }

    /// Latency the limiter adds, in frames.
    pub fn latency(&self) -> usize {
        self.window
    }

    /// Frames processed with a gain below unity so far.
    pub fn limited_frames(&self) -> u64 {
        self.limited_frames
    }

    /// Non-finite samples replaced by silence so far.
    pub fn non_finite_samples(&self) -> u64 {
        self.non_finite
    }

    /// Limits interleaved stereo frames in place (delayed by [`Limiter::latency`] frames).
    pub fn process_interleaved(&mut self, samples: &mut [f32]) {
        let w = self.window;
        for frame in samples.chunks_exact_mut(2) {
            let mut input = [frame[0], frame[1]];
            for s in &mut input {
                if !s.is_finite() {
                    *s = 0.0;
                    self.non_finite += 1;
                }
            }
            let peak = input[0].abs().max(input[1].abs());
            let need = if peak > self.ceiling {
                self.ceiling / peak
            } else {
                1.0
            };
            let pos = self.pos;
            // Sliding minimum over the last `w` required gains.
            self.needed[pos] = need;
            if self.deque_len > 0 && self.deque[self.deque_head] as usize == pos {
                // The oldest entry is the slot being overwritten: it left the window.
                self.deque_head = (self.deque_head + 1) % w;
                self.deque_len -= 1;
            }
            while self.deque_len > 0 {
                let back = (self.deque_head + self.deque_len - 1) % w;
                if self.needed[self.deque[back] as usize] >= need {
                    self.deque_len -= 1;
                } else {
                    break;
                }
            }
            self.deque[(self.deque_head + self.deque_len) % w] = pos as u32;
            self.deque_len += 1;
            let window_min = self.needed[self.deque[self.deque_head] as usize];
            // Release towards unity, never above what the window needs.
            self.released = (1.0 - self.release_coeff) + self.release_coeff * self.released;
            self.released = self.released.min(window_min);
            // Box average of the held gains.
            self.held_sum += f64::from(self.released) - f64::from(self.held[pos]);
            self.held[pos] = self.released;
            let gain = ((self.held_sum / w as f64) as f32).min(1.0);
            // Output the frame that entered `w` frames ago.
            let delayed = self.delay[pos];
            self.delay[pos] = input;
            self.pos = (pos + 1) % w;
            if gain < 1.0 {
                self.limited_frames += 1;
            }
            let c = self.ceiling;
            frame[0] = (delayed[0] * gain).clamp(-c, c);
            frame[1] = (delayed[1] * gain).clamp(-c, c);
        }
    }

    /// Clears the delay line and gain state (after a seek, the old audio is gone).
    pub fn reset(&mut self) {
        self.delay.fill([0.0; 2]);
        self.needed.fill(1.0);
        self.held.fill(1.0);
        self.held_sum = self.window as f64;
        self.deque_len = 0;
        self.deque_head = 0;
        self.released = 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(frames: usize, amp: f32, hz: f32, rate: f32) -> Vec<f32> {
        (0..frames)
            .flat_map(|i| {
                let v = amp * (std::f32::consts::TAU * hz * i as f32 / rate).sin();
                [v, v * 0.5]
            })
            .collect()
    }

    #[test]
    fn quiet_audio_passes_unchanged_apart_from_the_delay() {
        let mut lim = Limiter::new(48_000.0, -1.0, 1.5, 50.0);
        let input = sine(4800, 0.5, 440.0, 48_000.0);
        let mut out = input.clone();
        lim.process_interleaved(&mut out);
        let d = lim.latency() * 2;
        assert_eq!(&out[d..], &input[..input.len() - d]);
        assert_eq!(lim.limited_frames(), 0);
    }

    #[test]
    fn no_sample_exceeds_the_ceiling_and_peaks_are_not_clipped_flat() {
        let mut lim = Limiter::new(48_000.0, -1.0, 1.5, 50.0);
        let mut out = sine(48_000, 4.0, 100.0, 48_000.0);
        // Sudden full-scale-plus transients too.
        for i in (1000..out.len()).step_by(9973) {
            out[i] = 20.0;
        }
        lim.process_interleaved(&mut out);
        let c = lim.ceiling();
        assert!(out.iter().all(|s| s.abs() <= c));
        // Gain reduction is smooth: the limited sine is not a square wave.
        let at_ceiling = out.iter().filter(|s| (s.abs() - c).abs() < 1e-6).count();
        assert!(
            at_ceiling < out.len() / 50,
            "{at_ceiling} samples sit at the ceiling"
        );
    }

    #[test]
    fn nan_and_infinity_become_silence() {
        let mut lim = Limiter::new(44_100.0, -1.0, 1.0, 50.0);
        let mut buf = vec![0.1; 400];
        buf[10] = f32::NAN;
        buf[11] = f32::INFINITY;
        buf[12] = f32::NEG_INFINITY;
        lim.process_interleaved(&mut buf);
        assert!(
            buf.iter()
                .all(|s| s.is_finite() && s.abs() <= lim.ceiling())
        );
        assert_eq!(lim.non_finite_samples(), 3);
    }

    #[test]
    fn gain_recovers_after_a_peak() {
        let mut lim = Limiter::new(48_000.0, -1.0, 1.5, 20.0);
        let mut buf = vec![0.5f32; 48_000 * 2];
        buf[200] = 3.0;
        lim.process_interleaved(&mut buf);
        let tail = &buf[buf.len() - 200..];
        assert!(
            tail.iter().all(|&s| (s - 0.5).abs() < 1e-3),
            "{:?}",
            &tail[..4]
        );
    }
}
