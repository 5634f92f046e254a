//! Gain ramps and crossfades, with lengths in samples (frames).
//!
//! Gain moves linearly in dB, which is geometric in amplitude: one multiply per frame and
//! perceptually even. Crossfades come in two laws, chosen by how alike the two signals are:
//! equal-gain (linear) for correlated signals, such as the outputs of two EQ profiles on the
//! same music, where the gains must sum to 1 or the switch swells by up to +3 dB; and
//! equal-power (cos/sin) for uncorrelated ones, such as the end and the start of a loop
//! region, where the powers must sum to 1 or the seam dips by up to 3 dB.

use std::f64::consts::FRAC_PI_2;

/// Converts dB to a linear amplitude factor.
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Converts a linear amplitude factor to dB (−inf for 0).
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.log10()
}

/// A gain that glides to a new value over a number of frames, linearly in dB.
#[derive(Clone, Copy, Debug)]
pub struct GainRamp {
    gain: f64,
    target: f64,
    step: f64,
    remaining: u32,
}

impl GainRamp {
    /// A steady gain of `db`.
    pub fn new(db: f64) -> Self {
        let g = db_to_gain(db);
        GainRamp {
            gain: g,
            target: g,
            step: 1.0,
            remaining: 0,
        }
    }

    /// Current linear gain.
    pub fn gain(&self) -> f64 {
        self.gain
    }

    /// True while the gain is still moving.
    pub fn is_ramping(&self) -> bool {
        self.remaining > 0
    }

    /// Glides to `db` over `frames` frames (0 = jump). Ramping to or from silence uses a
    /// −120 dB floor, since a geometric ramp cannot start or end at zero.
    pub fn ramp_to(&mut self, db: f64, frames: u32) {
        const FLOOR: f64 = 1e-6;
        self.target = db_to_gain(db);
        if frames == 0 {
            self.gain = self.target;
            self.remaining = 0;
            return;
        }
        let from = self.gain.max(FLOOR);
        let to = self.target.max(FLOOR);
        self.gain = from;
        self.step = (to / from).powf(1.0 / f64::from(frames));
        self.remaining = frames;
    }

    /// Applies the gain to interleaved stereo frames in place, advancing the ramp.
    pub fn process_interleaved(&mut self, samples: &mut [f32]) {
        for frame in samples.chunks_exact_mut(2) {
            if self.remaining > 0 {
                self.gain *= self.step;
                self.remaining -= 1;
                if self.remaining == 0 {
                    self.gain = self.target;
                }
            }
            let g = self.gain as f32;
            frame[0] *= g;
            frame[1] *= g;
        }
    }
}

/// How a crossfade shares the two signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Law {
    /// Gains sum to 1: identical (or correlated) signals pass unchanged through the fade.
    EqualGain,
    /// Powers sum to 1: uncorrelated signals keep their loudness through the fade.
    EqualPower,
}

/// A crossfade from one signal to another over a fixed number of frames.
#[derive(Clone, Copy, Debug)]
pub struct Crossfade {
    len: u32,
    pos: u32,
    law: Law,
}

impl Crossfade {
    /// An equal-gain crossfade lasting `frames` frames (0 = instant switch): the law for
    /// switching between EQ profiles of the same music.
    pub fn new(frames: u32) -> Self {
        Crossfade::with_law(frames, Law::EqualGain)
    }

    /// A crossfade of `frames` frames with the given law.
    pub fn with_law(frames: u32, law: Law) -> Self {
        Crossfade {
            len: frames,
            pos: 0,
            law,
        }
    }

    /// Frames of the fade still to come.
    pub fn remaining(&self) -> u32 {
        self.len.saturating_sub(self.pos)
    }

    /// True once every frame of the fade has been produced.
    pub fn is_done(&self) -> bool {
        self.pos >= self.len
    }

    /// Gains (outgoing, incoming) at fade position `pos` of `len` under `law`: 1 − t and t
    /// for equal gain, cos and sin of a quarter turn (out² + in² = 1) for equal power.
    pub fn gains_at(pos: u32, len: u32, law: Law) -> (f32, f32) {
        if len == 0 || pos >= len {
            return (0.0, 1.0);
        }
        // Sample at frame centres so the fade is symmetric and never sits at exactly 0 or 1.
        let t = (f64::from(pos) + 0.5) / f64::from(len);
        match law {
            Law::EqualGain => ((1.0 - t) as f32, t as f32),
            Law::EqualPower => {
                let (s, c) = (t * FRAC_PI_2).sin_cos();
                (c as f32, s as f32)
            }
        }
    }

    /// Mixes interleaved stereo `from` into `to` in place, advancing the fade; once the fade
    /// is done `to` passes unchanged. Extra frames in the longer slice are ignored.
    pub fn mix_into(&mut self, from: &[f32], to: &mut [f32]) {
        for (a, b) in from.chunks_exact(2).zip(to.chunks_exact_mut(2)) {
            if self.pos >= self.len {
                break;
            }
            let (g_out, g_in) = Crossfade::gains_at(self.pos, self.len, self.law);
            b[0] = a[0] * g_out + b[0] * g_in;
            b[1] = a[1] * g_out + b[1] * g_in;
            self.pos += 1;
        }
    }
}

/// A fade in amplitude: glides linearly from the current gain to a target over a number of
/// frames, reaching exactly 0 or 1 (unlike [`GainRamp`], which is geometric). Used for
/// fade-in at start, fade-out before a pause or seek and the dip at a loop seam.
#[derive(Clone, Copy, Debug)]
pub struct Fader {
    gain: f32,
    target: f32,
    step: f32,
    remaining: u32,
}

impl Fader {
    /// A steady gain.
    pub fn new(gain: f32) -> Self {
        Fader {
            gain,
            target: gain,
            step: 0.0,
            remaining: 0,
        }
    }

    /// Current gain.
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// The gain the fade is heading to.
    pub fn target(&self) -> f32 {
        self.target
    }

    /// True once the target is reached.
    pub fn is_settled(&self) -> bool {
        self.remaining == 0
    }

    /// Frames until the target is reached.
    pub fn remaining(&self) -> u32 {
        self.remaining
    }

    /// Glides to `target` over `frames` frames (0 = jump).
    pub fn fade_to(&mut self, target: f32, frames: u32) {
        self.target = target;
        if frames == 0 {
            self.gain = target;
            self.remaining = 0;
        } else {
            self.step = (target - self.gain) / frames as f32;
            self.remaining = frames;
        }
    }

    /// Applies the fade to interleaved stereo frames in place, advancing it.
    pub fn process_interleaved(&mut self, samples: &mut [f32]) {
        if self.remaining == 0 {
            if self.gain != 1.0 {
                for s in samples.iter_mut() {
                    *s *= self.gain;
                }
            }
            return;
        }
        for frame in samples.chunks_exact_mut(2) {
            if self.remaining > 0 {
                self.remaining -= 1;
                self.gain = if self.remaining == 0 {
                    self.target
                } else {
                    self.gain + self.step
                };
            }
            frame[0] *= self.gain;
            frame[1] *= self.gain;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fader_reaches_zero_and_one_exactly() {
        let mut f = Fader::new(1.0);
        f.fade_to(0.0, 10);
        let mut buf = vec![1.0f32; 24];
        f.process_interleaved(&mut buf);
        assert_eq!(buf[18..], [0.0; 6]);
        assert!(buf[0] > 0.85 && buf[0] < 1.0);
        f.fade_to(1.0, 4);
        let mut buf = vec![1.0f32; 10];
        f.process_interleaved(&mut buf);
        assert_eq!(buf[6..], [1.0; 4]);
        assert!(f.is_settled());
    }

    #[test]
    fn ramp_is_linear_in_db_and_lands_exactly() {
        let mut r = GainRamp::new(0.0);
        r.ramp_to(-20.0, 100);
        let mut buf = vec![1.0f32; 200];
        r.process_interleaved(&mut buf);
        // Halfway (frame 49, the 50th multiply) the gain is -10 dB.
        let mid_db = gain_to_db(f64::from(buf[2 * 49]));
        assert!((mid_db + 10.0).abs() < 0.01, "{mid_db}");
        assert_eq!(buf[199], 0.1);
        assert!(!r.is_ramping());
    }

    #[test]
    fn equal_power_keeps_power_constant() {
        for pos in 0..480 {
            let (a, b) = Crossfade::gains_at(pos, 480, Law::EqualPower);
            assert!((a * a + b * b - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn equal_gain_passes_identical_signals_unchanged() {
        for pos in 0..480 {
            let (a, b) = Crossfade::gains_at(pos, 480, Law::EqualGain);
            assert!((a + b - 1.0).abs() < 1e-6);
        }
        let from: Vec<f32> = (0..960).map(|i| ((i as f32) * 0.37).sin()).collect();
        let mut to = from.clone();
        let mut xf = Crossfade::new(480);
        xf.mix_into(&from, &mut to);
        let worst = from
            .iter()
            .zip(&to)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "{worst}");
    }

    #[test]
    fn crossfade_moves_from_one_signal_to_the_other() {
        let from = vec![1.0f32; 64];
        let mut to = vec![-1.0f32; 64];
        let mut xf = Crossfade::new(16);
        xf.mix_into(&from, &mut to);
        assert!(to[0] > 0.9);
        assert!(to[2 * 15] < -0.9);
        assert_eq!(to[2 * 16], -1.0);
        assert!(xf.is_done());
    }
}
