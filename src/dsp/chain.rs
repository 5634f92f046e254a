//! A fixed-capacity cascade of biquads with a preamp, processing stereo blocks in place.
//!
//! Samples are f32 at the edges; coefficients and state are f64, so even a 20 Hz shelf at
//! 192 kHz (poles a hair from the unit circle) stays ~150 dB below the signal in error.
//!
//! Speed: a single biquad's recurrence (y depends on the previous y through a multiply and an
//! add) costs ~8 cycles of latency per sample, which a naive stage-after-stage loop pays in
//! full. Here both channels run side by side in one SIMD register (`wide::f64x2`, SSE2 on
//! x86-64, NEON on ARM) and up to six stages are fused per pass over a short block, so the CPU
//! overlaps their independent recurrences instead of waiting on one. (A fused multiply-add
//! build was tried and was slower: FMA's latency is longer than an add's, and latency is what
//! bounds this loop.)

use wide::f64x2;

use crate::dsp::biquad::{Coeffs, Complex};

/// Most stages a chain can hold (a 10-band graphic EQ uses 10; device PEQs use up to ~20).
pub const MAX_STAGES: usize = 32;

/// Frames per inner pass. Denormal flushing happens at absolute multiples of this, so output
/// does not depend on how the caller slices its blocks.
const CHUNK: usize = 128;

/// Most stages fused into one pass. Each fused stage keeps its state (two f64×2 registers)
/// in registers; six is what fits x86-64's sixteen vector registers with room to spare.
const MAX_GROUP: usize = 6;

/// State magnitudes below this are flushed to zero, keeping long decays out of subnormals
/// (which are ~100× slower on x86). 1e-30 is ~600 dB below full scale: inaudible by far.
const DENORMAL_FLOOR: f64 = 1e-30;

/// Per-stage state, transposed direct form II, one SIMD lane per channel (L, R).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct StageState {
    s1: f64x2,
    s2: f64x2,
}

/// A stereo EQ: preamp then up to [`MAX_STAGES`] biquads in series. Never allocates after
/// construction, so it can run inside the audio callback.
#[derive(Clone, Debug)]
pub struct EqChain {
    coeffs: [Coeffs; MAX_STAGES],
    state: [StageState; MAX_STAGES],
    len: usize,
    preamp: f64,
    sample_rate: f64,
    /// Frames processed since the last reset, to align chunk boundaries absolutely.
    clock: u64,
    scratch: [f64x2; CHUNK],
}

/// Asked for more stages than an [`EqChain`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{requested} filter stages requested, a chain holds at most {MAX_STAGES}")]
pub struct TooManyStages {
    /// Number of stages asked for.
    pub requested: usize,
}

impl EqChain {
    /// An empty chain (unity gain) at `sample_rate` Hz.
    pub fn new(sample_rate: f64) -> Self {
        EqChain {
            coeffs: [Coeffs::IDENTITY; MAX_STAGES],
            state: [StageState::default(); MAX_STAGES],
            len: 0,
            preamp: 1.0,
            sample_rate,
            clock: 0,
            scratch: [f64x2::ZERO; CHUNK],
        }
    }

    /// A chain of `stages` with `preamp_db` at `sample_rate` Hz.
    pub fn with_stages(
        sample_rate: f64,
        preamp_db: f64,
        stages: &[Coeffs],
    ) -> Result<Self, TooManyStages> {
        let mut chain = EqChain::new(sample_rate);
        chain.set_stages(stages)?;
        chain.set_preamp_db(preamp_db);
        Ok(chain)
    }

    /// Sample rate the coefficients were computed for.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Number of active stages.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no filter stage is active (the chain is only its preamp).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The active stages' coefficients.
    pub fn stages(&self) -> &[Coeffs] {
        &self.coeffs[..self.len]
    }

    /// Linear preamp gain.
    pub fn preamp(&self) -> f64 {
        self.preamp
    }

    /// Sets the preamp in dB; takes effect from the next sample (use a ramp for live changes).
    pub fn set_preamp_db(&mut self, db: f64) {
        self.preamp = 10f64.powf(db / 20.0);
    }

    /// Replaces the coefficients. State of stages that stay is kept, so a live change is
    /// quiet; stages that go away are cleared so they start from rest if they come back.
    pub fn set_stages(&mut self, stages: &[Coeffs]) -> Result<(), TooManyStages> {
        if stages.len() > MAX_STAGES {
            return Err(TooManyStages {
                requested: stages.len(),
            });
        }
        self.coeffs[..stages.len()].copy_from_slice(stages);
        for i in stages.len()..MAX_STAGES {
            self.coeffs[i] = Coeffs::IDENTITY;
            self.state[i] = StageState::default();
        }
        self.len = stages.len();
        Ok(())
    }

    /// Changes one stage's coefficients without touching its state.
    pub fn set_stage(&mut self, index: usize, coeffs: Coeffs) {
        if index < self.len {
            self.coeffs[index] = coeffs;
        }
    }

    /// Clears all filter memory (after a seek, so old audio does not ring into new).
    pub fn reset(&mut self) {
        self.state = [StageState::default(); MAX_STAGES];
        self.clock = 0;
    }

    /// Complex response of preamp and all stages at `freq_hz`.
    pub fn response(&self, freq_hz: f64) -> Complex {
        self.stages()
            .iter()
            .fold(Complex::real(self.preamp), |acc, c| {
                acc * c.response(freq_hz, self.sample_rate)
            })
    }

    /// Magnitude response in dB at `freq_hz`.
    pub fn response_db(&self, freq_hz: f64) -> f64 {
        self.response(freq_hz).db()
    }

    /// Filters interleaved stereo frames (L, R, L, R, …) in place. A trailing odd sample is
    /// left untouched.
    pub fn process_interleaved(&mut self, samples: &mut [f32]) {
        let frames = samples.len() / 2;
        let mut done = 0;
        while done < frames {
            let n = self.next_chunk_len(frames - done);
            let block = &mut samples[2 * done..2 * (done + n)];
            for (dst, src) in self.scratch.iter_mut().zip(block.chunks_exact(2)) {
                *dst = f64x2::new([f64::from(src[0]), f64::from(src[1])]);
            }
            self.run_chunk(n);
            for (dst, src) in block.chunks_exact_mut(2).zip(self.scratch.iter()) {
                let [l, r] = src.to_array();
                dst[0] = l as f32;
                dst[1] = r as f32;
            }
            done += n;
        }
    }

    /// Filters a planar stereo block in place; `left` and `right` must have equal lengths
    /// (extra samples in the longer one are left untouched).
    pub fn process_planar(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        let mut done = 0;
        while done < frames {
            let n = self.next_chunk_len(frames - done);
            let (l, r) = (&mut left[done..done + n], &mut right[done..done + n]);
            for ((dst, a), b) in self.scratch.iter_mut().zip(l.iter()).zip(r.iter()) {
                *dst = f64x2::new([f64::from(*a), f64::from(*b)]);
            }
            self.run_chunk(n);
            for ((src, a), b) in self.scratch.iter().zip(l.iter_mut()).zip(r.iter_mut()) {
                let [left, right] = src.to_array();
                *a = left as f32;
                *b = right as f32;
            }
            done += n;
        }
    }

    /// Length of the next inner pass: up to the next absolute CHUNK boundary.
    fn next_chunk_len(&self, remaining: usize) -> usize {
        let phase = (self.clock % CHUNK as u64) as usize;
        (CHUNK - phase).min(remaining)
    }

    /// Runs preamp and every stage over the first `n` frames of the scratch block.
    fn run_chunk(&mut self, n: usize) {
        let block = &mut self.scratch[..n];
        let preamp = f64x2::splat(self.preamp);
        for frame in block.iter_mut() {
            *frame *= preamp;
        }
        // Split the stages into as few groups of at most MAX_GROUP as possible, of near-equal
        // size (10 stages → 5 + 5, not 6 + 4): a small group has too few recurrences in
        // flight to hide their latency.
        let len = self.len;
        let groups = len.div_ceil(MAX_GROUP);
        let mut stage = 0;
        for g in 0..groups {
            let size = (len - stage) / (groups - g);
            let c = &self.coeffs[stage..stage + size];
            let s = &mut self.state[stage..stage + size];
            stage += match size {
                1 => run_group::<1>(c, s, block),
                2 => run_group::<2>(c, s, block),
                3 => run_group::<3>(c, s, block),
                4 => run_group::<4>(c, s, block),
                5 => run_group::<5>(c, s, block),
                _ => run_group::<6>(c, s, block),
            };
        }
        self.clock += n as u64;
        if self.clock.is_multiple_of(CHUNK as u64) {
            let flush = |v: f64x2| {
                f64x2::new(
                    v.to_array()
                        .map(|x| if x.abs() < DENORMAL_FLOOR { 0.0 } else { x }),
                )
            };
            for st in &mut self.state[..len] {
                st.s1 = flush(st.s1);
                st.s2 = flush(st.s2);
            }
        }
    }
}

/// One stage's coefficients broadcast to both lanes.
#[derive(Clone, Copy)]
struct LaneCoeffs {
    b0: f64x2,
    b1: f64x2,
    b2: f64x2,
    neg_a1: f64x2,
    neg_a2: f64x2,
}

impl LaneCoeffs {
    fn new(c: &Coeffs) -> Self {
        LaneCoeffs {
            b0: f64x2::splat(c.b0),
            b1: f64x2::splat(c.b1),
            b2: f64x2::splat(c.b2),
            neg_a1: f64x2::splat(-c.a1),
            neg_a2: f64x2::splat(-c.a2),
        }
    }
}

/// Runs `N` consecutive stages over `block`, fused per frame so their recurrences overlap.
/// Returns `N`, the number of stages consumed.
#[inline(always)]
fn run_group<const N: usize>(
    coeffs: &[Coeffs],
    state: &mut [StageState],
    block: &mut [f64x2],
) -> usize {
    let c: [LaneCoeffs; N] = std::array::from_fn(|k| LaneCoeffs::new(&coeffs[k]));
    let mut s: [StageState; N] = std::array::from_fn(|k| state[k]);
    for frame in block.iter_mut() {
        let mut x = *frame;
        for k in 0..N {
            let (ck, sk) = (&c[k], &mut s[k]);
            // Terms that do not depend on y are formed first, so the loop-carried path
            // (y → s1 → next y) is one multiply and two adds long.
            let y = ck.b0 * x + sk.s1;
            sk.s1 = (ck.b1 * x + sk.s2) + ck.neg_a1 * y;
            sk.s2 = ck.b2 * x + ck.neg_a2 * y;
            x = y;
        }
        *frame = x;
    }
    state[..N].copy_from_slice(&s);
    N
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::biquad::{BandSpec, FilterKind};

    fn noise(frames: usize, seed: u32) -> Vec<f32> {
        let mut x = seed;
        (0..frames * 2)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x as f32 / u32::MAX as f32) * 1.6 - 0.8
            })
            .collect()
    }

    fn ten_band(rate: f64) -> EqChain {
        let stages: Vec<Coeffs> = (0..10)
            .map(|i| {
                let f = 31.25 * 2f64.powi(i);
                let g = if i % 2 == 0 { 4.0 } else { -3.0 };
                Coeffs::new(&BandSpec::peaking(f, g, 1.4), rate).unwrap()
            })
            .collect();
        EqChain::with_stages(rate, -4.0, &stages).unwrap()
    }

    #[test]
    fn block_size_does_not_change_output() {
        let input = noise(10_000, 7);
        let mut reference = input.clone();
        ten_band(48000.0).process_interleaved(&mut reference);
        assert_ne!(reference, input);
        for block in [1usize, 64, 4096, 333] {
            let mut chain = ten_band(48000.0);
            let mut out = input.clone();
            for piece in out.chunks_mut(block * 2) {
                chain.process_interleaved(piece);
            }
            assert_eq!(out, reference, "block size {block}");
        }
    }

    #[test]
    fn planar_equals_interleaved() {
        let input = noise(3000, 3);
        let mut inter = input.clone();
        ten_band(44100.0).process_interleaved(&mut inter);
        let mut l: Vec<f32> = input.iter().step_by(2).copied().collect();
        let mut r: Vec<f32> = input.iter().skip(1).step_by(2).copied().collect();
        ten_band(44100.0).process_planar(&mut l, &mut r);
        for i in 0..3000 {
            assert_eq!(inter[2 * i], l[i]);
            assert_eq!(inter[2 * i + 1], r[i]);
        }
    }

    #[test]
    fn zero_gain_bands_are_transparent() {
        let stages: Vec<Coeffs> = [100.0, 1000.0, 10000.0]
            .iter()
            .map(|&f| Coeffs::new(&BandSpec::peaking(f, 0.0, 2.0), 48000.0).unwrap())
            .collect();
        let mut chain = EqChain::with_stages(48000.0, 0.0, &stages).unwrap();
        let input = noise(4096, 11);
        let mut out = input.clone();
        chain.process_interleaved(&mut out);
        let worst = crate::dsp::max_abs_difference(&input, &out);
        assert!(worst < 1e-6, "worst deviation {worst}");
    }

    #[test]
    fn channels_are_independent() {
        let mut chain = ten_band(48000.0);
        let mut buf = vec![0.0f32; 2000];
        buf[0] = 1.0; // impulse on L only
        chain.process_interleaved(&mut buf);
        assert!(buf.iter().skip(1).step_by(2).all(|&r| r == 0.0));
        assert!(buf.iter().step_by(2).any(|&l| l != 0.0));
    }

    #[test]
    fn changing_coefficients_keeps_state() {
        let mut chain = ten_band(48000.0);
        let mut buf = noise(500, 5);
        chain.process_interleaved(&mut buf);
        let before = chain.state;
        let replacement: Vec<Coeffs> = chain.stages().to_vec();
        chain.set_stages(&replacement).unwrap();
        assert_eq!(chain.state, before);
        chain.set_stages(&replacement[..4]).unwrap();
        assert_eq!(chain.state[..4], before[..4]);
        assert!(chain.state[4..].iter().all(|s| *s == StageState::default()));
    }

    #[test]
    fn too_many_stages_is_an_error() {
        let stages = vec![Coeffs::IDENTITY; MAX_STAGES + 1];
        assert_eq!(
            EqChain::with_stages(48000.0, 0.0, &stages).unwrap_err(),
            TooManyStages {
                requested: MAX_STAGES + 1
            }
        );
    }

    #[test]
    fn long_silence_flushes_to_exact_zero() {
        let shelf = BandSpec {
            kind: FilterKind::LowShelf,
            freq_hz: 20.0,
            gain_db: 6.0,
            q: 0.707,
        };
        let c = Coeffs::new(&shelf, 192000.0).unwrap();
        let mut chain = EqChain::with_stages(192000.0, 0.0, &[c]).unwrap();
        let mut buf = noise(100, 1);
        chain.process_interleaved(&mut buf);
        let mut silence = vec![0.0f32; 2 * 192000 * 8];
        chain.process_interleaved(&mut silence);
        assert_eq!(chain.state[0].s1, f64x2::ZERO);
        assert_eq!(*silence.last().unwrap(), 0.0);
    }
}
