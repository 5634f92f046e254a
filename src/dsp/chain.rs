//! A fixed-capacity cascade of biquads with a preamp, processing stereo blocks in place.
//!
//! Samples are f32 at the edges; coefficients and state are f64, so even a 20 Hz shelf at
//! 192 kHz (poles a hair from the unit circle) stays ~150 dB below the signal in error.
//!
//! Speed: a single biquad's recurrence (y depends on the previous y through a multiply and an
//! add) costs ~8 cycles of latency per sample, which a naive stage-after-stage loop pays in
//! full; the work is to keep many independent recurrences in flight. Two kernels do it, one
//! picked when the chain is built from what the CPU has:
//!
//! - x86-64 with AVX2 and FMA (`chain/avx2.rs`): a 256-bit register holds two consecutive stages of
//!   both channels, the second stage one frame behind the first, so one fused multiply-add
//!   sequence advances two stages; up to five such pairs (ten stages) run per pass over a
//!   128-frame chunk. It is compiled twice, the second time for AVX-512VL CPUs whose 32 ymm
//!   registers hold the coefficients. Here FMA measured faster than separate multiplies and
//!   adds (with ten stages in flight, throughput bounds the loop, not latency).
//! - everywhere else (`wide::f64x2`, SSE2 or NEON): both channels side by side in a 128-bit
//!   register, up to six stages fused per pass. (FMA made this one slower: it is latency
//!   bound, and FMA's latency is longer than an add's.)
//!
//! The two agree to about one f32 step (the AVX2 kernel rounds fused multiply-adds once);
//! within each, output does not depend on how blocks are sliced.

use wide::f64x2;

use crate::dsp::biquad::{Coeffs, Complex};

#[cfg(target_arch = "x86_64")]
mod avx2;
mod state;

use state::StageState;

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

/// Which code runs the stages, decided once when a chain is built from what the CPU has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kernel {
    /// `wide::f64x2`, one stage per register: any CPU.
    Portable,
    /// AVX2 with FMA, two stages per register, compiled for the level the CPU has.
    #[cfg(target_arch = "x86_64")]
    Avx2(avx2::Level),
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        if let Some(level) = avx2::detect() {
            return Kernel::Avx2(level);
        }
        Kernel::Portable
    }
}

/// One of the two channels of a stereo chain: the lane of the SIMD register it runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// First channel (lane 0).
    Left,
    /// Second channel (lane 1).
    Right,
}

impl Channel {
    /// Both channels, left first.
    pub const BOTH: [Channel; 2] = [Channel::Left, Channel::Right];

    /// The lane (and interleaved sample offset) of the channel.
    pub fn index(self) -> usize {
        match self {
            Channel::Left => 0,
            Channel::Right => 1,
        }
    }

    /// This channel's item of a (left, right) pair.
    pub fn pick<T>(self, pair: &[T; 2]) -> &T {
        let [left, right] = pair;
        match self {
            Channel::Left => left,
            Channel::Right => right,
        }
    }

    /// This channel's item of a (left, right) pair, to change.
    pub fn pick_mut<T>(self, pair: &mut [T; 2]) -> &mut T {
        let [left, right] = pair;
        match self {
            Channel::Left => left,
            Channel::Right => right,
        }
    }

    /// `left` or `right`, as profile files and messages name it.
    pub fn name(self) -> &'static str {
        match self {
            Channel::Left => "left",
            Channel::Right => "right",
        }
    }
}

/// A stereo EQ: preamp then up to [`MAX_STAGES`] biquads in series, each channel with its own
/// coefficients and preamp in its own SIMD lane (so different filters for left and right cost
/// what the same filters cost). Never allocates after construction, so it can run inside the
/// audio callback.
#[derive(Clone, Debug)]
pub struct EqChain {
    /// Per stage, the left and right coefficients.
    coeffs: [[Coeffs; 2]; MAX_STAGES],
    state: [StageState; MAX_STAGES],
    len: usize,
    /// Linear preamp gain of each channel.
    preamp: [f64; 2],
    sample_rate: f64,
    /// Frames processed since the last reset, to align chunk boundaries absolutely.
    clock: u64,
    scratch: [f64x2; CHUNK],
    kernel: Kernel,
    /// `coeffs` two stages at a time, as the AVX2 kernel reads them.
    #[cfg(target_arch = "x86_64")]
    pairs: [avx2::PairCoeffs; MAX_STAGES / 2],
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
            coeffs: [[Coeffs::IDENTITY; 2]; MAX_STAGES],
            state: [StageState::default(); MAX_STAGES],
            len: 0,
            preamp: [1.0; 2],
            sample_rate,
            clock: 0,
            scratch: [f64x2::ZERO; CHUNK],
            kernel: Kernel::detect(),
            #[cfg(target_arch = "x86_64")]
            pairs: [avx2::PairCoeffs::IDENTITY; MAX_STAGES / 2],
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

    /// A chain with each channel's own `stages` and `preamp_db` (left, right) at
    /// `sample_rate` Hz; the shorter channel is padded with pass-through stages.
    pub fn with_channel_stages(
        sample_rate: f64,
        preamp_db: [f64; 2],
        stages: [&[Coeffs]; 2],
    ) -> Result<Self, TooManyStages> {
        let mut chain = EqChain::new(sample_rate);
        chain.set_channel_stages(stages)?;
        chain.set_channel_preamp_db(preamp_db);
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

    /// True when samples pass through unchanged: no stage and a unity preamp.
    pub fn is_identity(&self) -> bool {
        self.len == 0 && self.preamp == [1.0; 2]
    }

    /// True when no filter stage is active (the chain is only its preamp).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The active stages' coefficients of one channel (pass-through stages pad the shorter
    /// channel of a per-channel chain).
    pub fn stages(&self, channel: Channel) -> impl Iterator<Item = &Coeffs> {
        self.coeffs[..self.len].iter().map(move |c| channel.pick(c))
    }

    /// Whether both channels run the same preamp and stages.
    pub fn channels_match(&self) -> bool {
        self.preamp[0] == self.preamp[1] && self.coeffs[..self.len].iter().all(|[l, r]| l == r)
    }

    /// Linear preamp gain of a channel.
    pub fn preamp(&self, channel: Channel) -> f64 {
        *channel.pick(&self.preamp)
    }

    /// Sets both channels' preamp in dB; takes effect from the next sample (use a ramp for
    /// live changes).
    pub fn set_preamp_db(&mut self, db: f64) {
        self.set_channel_preamp_db([db; 2]);
    }

    /// Sets each channel's preamp in dB (left, right).
    pub fn set_channel_preamp_db(&mut self, db: [f64; 2]) {
        self.preamp = db.map(|d| 10f64.powf(d / 20.0));
    }

    /// Replaces the coefficients of both channels with the same stages. State of stages that
    /// stay is kept, so a live change is quiet; stages that go away are cleared so they start
    /// from rest if they come back.
    pub fn set_stages(&mut self, stages: &[Coeffs]) -> Result<(), TooManyStages> {
        self.set_channel_stages([stages, stages])
    }

    /// Replaces each channel's coefficients (left, right); the shorter channel is padded with
    /// pass-through stages. State is kept as [`EqChain::set_stages`] keeps it.
    pub fn set_channel_stages(&mut self, stages: [&[Coeffs]; 2]) -> Result<(), TooManyStages> {
        let len = stages[0].len().max(stages[1].len());
        if len > MAX_STAGES {
            return Err(TooManyStages { requested: len });
        }
        for (i, pair) in self.coeffs.iter_mut().enumerate() {
            for (lane, channel) in pair.iter_mut().zip(stages) {
                *lane = channel.get(i).copied().unwrap_or(Coeffs::IDENTITY);
            }
        }
        for state in &mut self.state[len..] {
            *state = StageState::default();
        }
        #[cfg(target_arch = "x86_64")]
        for (pair, c) in self.pairs.iter_mut().zip(self.coeffs.chunks_exact(2)) {
            *pair = avx2::PairCoeffs::new(&c[0], &c[1]);
        }
        self.len = len;
        Ok(())
    }

    /// Takes over `old`'s filter memory, stage by stage, so a chain that replaces another
    /// while audio plays (an edited profile) goes on without a click; stages `old` did not
    /// have start from rest.
    pub fn continue_from(&mut self, old: &EqChain) {
        for (i, state) in self.state.iter_mut().enumerate() {
            *state = if i < old.len {
                old.state[i]
            } else {
                StageState::default()
            };
        }
        self.clock = old.clock;
    }

    /// Clears all filter memory (after a seek, so old audio does not ring into new).
    pub fn reset(&mut self) {
        self.state = [StageState::default(); MAX_STAGES];
        self.clock = 0;
    }

    /// Complex response of one channel's preamp and stages at `freq_hz`.
    pub fn response(&self, channel: Channel, freq_hz: f64) -> Complex {
        self.stages(channel)
            .fold(Complex::real(self.preamp(channel)), |acc, c| {
                acc * c.response(freq_hz, self.sample_rate)
            })
    }

    /// Magnitude response of one channel in dB at `freq_hz`.
    pub fn response_db(&self, channel: Channel, freq_hz: f64) -> f64 {
        self.response(channel, freq_hz).db()
    }

    /// Filters interleaved stereo frames (L, R, L, R, …) in place. A trailing odd sample is
    /// left untouched.
    pub fn process_interleaved(&mut self, samples: &mut [f32]) {
        let frames = samples.len() / 2;
        let mut done = 0;
        while done < frames {
            let n = self.next_chunk_len(frames - done);
            let block = &mut samples[2 * done..2 * (done + n)];
            let scratch = &mut self.scratch[..n];
            match self.kernel {
                Kernel::Portable => {
                    let [gl, gr] = self.preamp;
                    for (dst, src) in scratch.iter_mut().zip(block.chunks_exact(2)) {
                        *dst = f64x2::new([f64::from(src[0]) * gl, f64::from(src[1]) * gr]);
                    }
                }
                // SAFETY: the level is what the CPU has.
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx2(level) => unsafe { level.widen(scratch, block, self.preamp) },
            }
            self.run_chunk(n);
            let scratch = &self.scratch[..n];
            match self.kernel {
                Kernel::Portable => {
                    for (dst, src) in block.chunks_exact_mut(2).zip(scratch.iter()) {
                        let [l, r] = src.to_array();
                        dst[0] = l as f32;
                        dst[1] = r as f32;
                    }
                }
                // SAFETY: as above.
                #[cfg(target_arch = "x86_64")]
                Kernel::Avx2(level) => unsafe { level.narrow(block, scratch) },
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
            let [gl, gr] = self.preamp;
            for ((dst, a), b) in self.scratch.iter_mut().zip(l.iter()).zip(r.iter()) {
                *dst = f64x2::new([f64::from(*a) * gl, f64::from(*b) * gr]);
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

    /// Runs every stage over the first `n` frames of the scratch block (the preamp is
    /// applied as the block is converted to f64).
    fn run_chunk(&mut self, n: usize) {
        let block = &mut self.scratch[..n];
        let len = self.len;
        #[cfg(target_arch = "x86_64")]
        if let Kernel::Avx2(level) = self.kernel {
            // Pairs of stages, in as few groups of at most MAX_PAIRS as possible, of
            // near-equal size (13 pairs → 4 + 4 + 5), for the same reason as below.
            let pairs = len.div_ceil(2);
            let groups = pairs.div_ceil(avx2::MAX_PAIRS);
            let (mut pair, mut stage) = (0, 0);
            for g in 0..groups {
                let size = (pairs - pair) / (groups - g);
                let stages = (2 * size).min(len - stage);
                // SAFETY: the level is what the CPU has.
                unsafe {
                    level.run_stages(
                        &self.pairs[pair..pair + size],
                        &mut self.state[stage..stage + stages],
                        block,
                    );
                }
                pair += size;
                stage += stages;
            }
        }
        // Split the stages into as few groups of at most MAX_GROUP as possible, of near-equal
        // size (10 stages → 5 + 5, not 6 + 4): a small group has too few recurrences in
        // flight to hide their latency.
        if self.kernel == Kernel::Portable {
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

/// One stage's coefficients, the left channel's in lane 0 and the right's in lane 1.
#[derive(Clone, Copy)]
struct LaneCoeffs {
    b0: f64x2,
    b1: f64x2,
    b2: f64x2,
    neg_a1: f64x2,
    neg_a2: f64x2,
}

impl LaneCoeffs {
    fn new([l, r]: &[Coeffs; 2]) -> Self {
        LaneCoeffs {
            b0: f64x2::new([l.b0, r.b0]),
            b1: f64x2::new([l.b1, r.b1]),
            b2: f64x2::new([l.b2, r.b2]),
            neg_a1: f64x2::new([-l.a1, -r.a1]),
            neg_a2: f64x2::new([-l.a2, -r.a2]),
        }
    }
}

/// Runs `N` consecutive stages over `block`, fused per frame so their recurrences overlap.
/// Returns `N`, the number of stages consumed.
#[inline(always)]
fn run_group<const N: usize>(
    coeffs: &[[Coeffs; 2]],
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
        let replacement: Vec<Coeffs> = chain.stages(Channel::Left).copied().collect();
        chain.set_stages(&replacement).unwrap();
        assert_eq!(chain.state, before);
        chain.set_stages(&replacement[..4]).unwrap();
        assert_eq!(chain.state[..4], before[..4]);
        assert!(chain.state[4..].iter().all(|s| *s == StageState::default()));
    }

    #[test]
    fn each_channel_runs_its_own_stages_and_preamp() {
        let rate = 48_000.0;
        let left: Vec<Coeffs> = (0..7)
            .map(|i| Coeffs::new(&BandSpec::peaking(50.0 * 2f64.powi(i), 5.0, 2.0), rate).unwrap())
            .collect();
        let right: Vec<Coeffs> = ten_band(rate).stages(Channel::Left).copied().collect();
        let mut both = EqChain::with_channel_stages(rate, [-1.0, -4.0], [&left, &right]).unwrap();
        assert_eq!(both.len(), 10);
        assert!(!both.channels_match());
        let input = noise(5000, 9);
        let mut out = input.clone();
        both.process_interleaved(&mut out);
        let mut l = input.clone();
        EqChain::with_stages(rate, -1.0, &left)
            .unwrap()
            .process_interleaved(&mut l);
        let mut r = input.clone();
        ten_band(rate).process_interleaved(&mut r);
        for i in 0..5000 {
            assert_eq!(out[2 * i], l[2 * i], "left, frame {i}");
            assert_eq!(out[2 * i + 1], r[2 * i + 1], "right, frame {i}");
        }
        let f = 800.0;
        assert!(
            (both.response_db(Channel::Left, f)
                - EqChain::with_stages(rate, -1.0, &left)
                    .unwrap()
                    .response_db(Channel::Left, f))
            .abs()
                < 1e-12
        );
        assert!(
            (both.response_db(Channel::Right, f) - ten_band(rate).response_db(Channel::Right, f))
                .abs()
                < 1e-12
        );
        assert!(ten_band(rate).channels_match());
    }

    /// Both channels of `input` through `stages` (per channel) in plain f64, direct form I.
    fn reference_f64(preamp_db: [f64; 2], stages: [&[Coeffs]; 2], input: &[f32]) -> Vec<f64> {
        let mut out: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
        for (ch, chain) in stages.iter().enumerate() {
            let gain = 10f64.powf(preamp_db[ch] / 20.0);
            let mut x: Vec<f64> = out.iter().skip(ch).step_by(2).map(|v| v * gain).collect();
            for c in *chain {
                let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
                for v in &mut x {
                    let y = c.b0 * *v + c.b1 * x1 + c.b2 * x2 - c.a1 * y1 - c.a2 * y2;
                    (x2, x1, y2, y1) = (x1, *v, y1, y);
                    *v = y;
                }
            }
            for (o, v) in out.iter_mut().skip(ch).step_by(2).zip(x) {
                *o = v;
            }
        }
        out
    }

    /// Worst error of `out` against `reference`, in dB relative to the reference's peak.
    fn error_db(out: &[f32], reference: &[f64]) -> f64 {
        let peak = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let worst = out
            .iter()
            .zip(reference)
            .fold(0.0f64, |m, (&o, r)| m.max((f64::from(o) - r).abs()));
        20.0 * (worst / peak).log10()
    }

    /// Every kernel this CPU runs, the detected one first, the portable one last.
    fn kernels() -> Vec<Kernel> {
        let mut all = vec![Kernel::detect()];
        #[cfg(target_arch = "x86_64")]
        if let Kernel::Avx2(avx2::Level::Avx512Vl) = all[0] {
            all.push(Kernel::Avx2(avx2::Level::Avx2Fma));
        }
        if all[0] != Kernel::Portable {
            all.push(Kernel::Portable);
        }
        all
    }

    #[test]
    fn fast_kernel_is_picked_where_the_cpu_has_it() {
        #[cfg(target_arch = "x86_64")]
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            let level = if is_x86_feature_detected!("avx512vl") {
                avx2::Level::Avx512Vl
            } else {
                avx2::Level::Avx2Fma
            };
            assert_eq!(EqChain::new(48000.0).kernel, Kernel::Avx2(level));
            return;
        }
        assert_eq!(EqChain::new(48000.0).kernel, Kernel::Portable);
    }

    /// Every stage count up to MAX_STAGES (odd ones pad a pass-through stage, and the group
    /// split changes with the count), per-channel coefficients, blocks of odd lengths:
    /// every kernel this CPU runs agrees with the portable one far below the −100 dB each
    /// must meet against f64, and each is exact under re-slicing.
    #[test]
    fn kernels_agree_and_track_f64() {
        let rate = 96_000.0;
        let band = |i: usize, detune: f64| {
            let f = 20.0 * 1.25f64.powi(i as i32) * detune;
            let g = if i.is_multiple_of(3) { 6.0 } else { -4.5 };
            Coeffs::new(&BandSpec::peaking(f, g, 0.7 + (i % 4) as f64), rate).unwrap()
        };
        let input = noise(3000, 13);
        for count in 1..=MAX_STAGES {
            let left: Vec<Coeffs> = (0..count).map(|i| band(i, 1.0)).collect();
            let right: Vec<Coeffs> = (0..count.saturating_sub(1))
                .map(|i| band(i, 1.09))
                .collect();
            let preamp = [-6.0, -7.5];
            let reference = reference_f64(preamp, [&left, &right], &input);
            let make = |kernel| {
                let mut chain =
                    EqChain::with_channel_stages(rate, preamp, [&left, &right]).unwrap();
                chain.kernel = kernel;
                chain
            };
            let outputs: Vec<Vec<f32>> = kernels()
                .into_iter()
                .map(|kernel| {
                    let mut out = input.clone();
                    make(kernel).process_interleaved(&mut out);
                    let err = error_db(&out, &reference);
                    assert!(
                        err < -100.0,
                        "{kernel:?}, {count} stages: {err:.1} dB from f64"
                    );
                    let mut sliced = input.clone();
                    let mut chain = make(kernel);
                    for (i, piece) in sliced.chunks_mut(2 * (1 + (count * 37) % 150)).enumerate() {
                        if i % 2 == 0 {
                            chain.process_interleaved(piece);
                        } else {
                            let mut l: Vec<f32> = piece.iter().step_by(2).copied().collect();
                            let mut r: Vec<f32> =
                                piece.iter().skip(1).step_by(2).copied().collect();
                            chain.process_planar(&mut l, &mut r);
                            for (f, (a, b)) in piece.chunks_exact_mut(2).zip(l.iter().zip(&r)) {
                                f.copy_from_slice(&[*a, *b]);
                            }
                        }
                    }
                    assert_eq!(
                        sliced, out,
                        "{kernel:?}, {count} stages: slicing changed output"
                    );
                    out
                })
                .collect();
            let portable: Vec<f64> = outputs
                .last()
                .unwrap()
                .iter()
                .map(|&v| f64::from(v))
                .collect();
            for out in &outputs {
                let agree = error_db(out, &portable);
                assert!(
                    agree < -140.0,
                    "{count} stages: kernels differ by {agree:.1} dB"
                );
            }
        }
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
