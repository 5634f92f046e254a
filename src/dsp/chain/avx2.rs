//! The x86-64 kernel for CPUs with AVX2 and FMA: two stages per 256-bit register.
//!
//! A register holds `[L_k, R_k, L_k+1, R_k+1]`, stages k and k+1 of both channels. Stage k+1
//! needs stage k's output of the same frame, so the two run one frame apart: in step `i`,
//! stage `j` of the group filters frame `i − j`. Each step then reads only what the previous
//! step produced (pair p's input is pair p−1's upper output and its own lower output, moved
//! into place by one lane permute), so all pairs of a step are independent and their
//! recurrences overlap. The first and last `2P − 1` steps of a chunk (prologue and
//! epilogue) have stages with no frame to filter; their state updates are masked out. The
//! arithmetic for a given stage and frame is the same whatever the step, so output does not
//! depend on how blocks are sliced.

use std::arch::x86_64::*;

use wide::f64x2;

use super::state::StageState;
use crate::dsp::biquad::Coeffs;

/// Most pairs run in one pass. Each keeps three registers across steps (its two state
/// registers and its last output) and five coefficient registers. With sixteen ymm
/// registers five pairs (ten stages) read their coefficients from L1 and spill a few values,
/// yet measured faster per stage than four (more latency hidden) and as fast as six; with
/// AVX-512VL's thirty-two most coefficients stay in registers.
pub(super) const MAX_PAIRS: usize = 5;

/// Coefficients of two consecutive stages, laid out as the register holds them:
/// `[L_k, R_k, L_k+1, R_k+1]`. Feedback coefficients are stored negated.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(32))]
pub(super) struct PairCoeffs {
    b0: [f64; 4],
    b1: [f64; 4],
    b2: [f64; 4],
    neg_a1: [f64; 4],
    neg_a2: [f64; 4],
}

impl PairCoeffs {
    /// Pass-through on both stages.
    pub(super) const IDENTITY: PairCoeffs = PairCoeffs {
        b0: [1.0; 4],
        b1: [0.0; 4],
        b2: [0.0; 4],
        neg_a1: [0.0; 4],
        neg_a2: [0.0; 4],
    };

    /// Stages `lower` and `upper` (each as [left, right]).
    pub(super) fn new(lower: &[Coeffs; 2], upper: &[Coeffs; 2]) -> Self {
        let [a, b] = lower;
        let [c, d] = upper;
        let lanes = |f: fn(&Coeffs) -> f64| [f(a), f(b), f(c), f(d)];
        PairCoeffs {
            b0: lanes(|x| x.b0),
            b1: lanes(|x| x.b1),
            b2: lanes(|x| x.b2),
            neg_a1: lanes(|x| -x.a1),
            neg_a2: lanes(|x| -x.a2),
        }
    }
}

/// Which compilation of the kernel this CPU runs, fastest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Level {
    /// [`avx512vl`]: AVX2, FMA, AVX-512F and AVX-512VL.
    Avx512Vl,
    /// [`avx2_fma`]: AVX2 and FMA.
    Avx2Fma,
}

/// The fastest compilation of the kernel this CPU runs, if any.
pub(super) fn detect() -> Option<Level> {
    if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
        return None;
    }
    if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") {
        return Some(Level::Avx512Vl);
    }
    Some(Level::Avx2Fma)
}

/// `y = a·b + c` in one rounding.
#[inline(always)]
pub(super) fn madd(a: __m256d, b: __m256d, c: __m256d) -> __m256d {
    // SAFETY: only reached from functions compiled with AVX2 and FMA, whose callers checked
    // the CPU has them.
    unsafe { _mm256_fmadd_pd(a, b, c) }
}

/// Mask selecting, per stage of a pair (lower, upper), whether it filters a frame this step.
pub(super) const ACTIVE: [[i64; 4]; 4] = [
    [0, 0, 0, 0],
    [-1, -1, 0, 0],
    [0, 0, -1, -1],
    [-1, -1, -1, -1],
];

/// Registers of `P` pairs carried from step to step.
pub(super) struct Pipe<const P: usize> {
    pub(super) s1: [__m256d; P],
    pub(super) s2: [__m256d; P],
    /// Each pair's output of the last step.
    pub(super) y: [__m256d; P],
    pub(super) coeffs: [[__m256d; 5]; P],
}

/// The kernel's functions compiled for one set of CPU features, in a module of their own.
macro_rules! kernel {
    ($(#[$doc:meta])* $module:ident, $features:literal) => {
        $(#[$doc])*
        pub(super) mod $module {
            use std::arch::x86_64::*;

            use wide::f64x2;

            use crate::dsp::chain::avx2::{ACTIVE, PairCoeffs, Pipe, madd};
            use crate::dsp::chain::state::StageState;

        /// Runs `stages` consecutive stages (their state in `state`, their coefficients paired in
        /// `pairs`) over `block`, `P = ceil(stages / 2)` pairs fused per step.
        ///
        /// # Safety
        /// The CPU must have the module's features.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn run_stages(
            pairs: &[PairCoeffs],
            state: &mut [StageState],
            block: &mut [f64x2],
        ) {
            match pairs.len() {
                1 => run_pairs::<1>(pairs, state, block),
                2 => run_pairs::<2>(pairs, state, block),
                3 => run_pairs::<3>(pairs, state, block),
                4 => run_pairs::<4>(pairs, state, block),
                _ => run_pairs::<5>(pairs, state, block),
            }
        }

        /// Converts interleaved f32 frames to f64 in `dst`, times each channel's `preamp` (as the
        /// portable path does it, so the same values), four samples per instruction.
        ///
        /// # Safety
        /// The CPU must have the module's features.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn widen(dst: &mut [f64x2], src: &[f32], preamp: [f64; 2]) {
            let n = dst.len().min(src.len() / 2);
            let gain = _mm256_setr_pd(preamp[0], preamp[1], preamp[0], preamp[1]);
            let (d, s) = (dst.as_mut_ptr().cast::<f64>(), src.as_ptr());
            let mut i = 0;
            while i + 2 <= n {
                // SAFETY: frames i and i + 1 are in both slices.
                unsafe {
                    let v = _mm256_cvtps_pd(_mm_loadu_ps(s.add(2 * i)));
                    _mm256_storeu_pd(d.add(2 * i), _mm256_mul_pd(v, gain));
                }
                i += 2;
            }
            if i < n {
                dst[i] = f64x2::new([
                    f64::from(src[2 * i]) * preamp[0],
                    f64::from(src[2 * i + 1]) * preamp[1],
                ]);
            }
        }

        /// Rounds f64 frames to interleaved f32 in `dst`, four samples per instruction.
        ///
        /// # Safety
        /// The CPU must have the module's features.
        #[target_feature(enable = $features)]
        pub(crate) unsafe fn narrow(dst: &mut [f32], src: &[f64x2]) {
            let n = src.len().min(dst.len() / 2);
            let (d, s) = (dst.as_mut_ptr(), src.as_ptr().cast::<f64>());
            let mut i = 0;
            while i + 2 <= n {
                // SAFETY: frames i and i + 1 are in both slices.
                unsafe { _mm_storeu_ps(d.add(2 * i), _mm256_cvtpd_ps(_mm256_loadu_pd(s.add(2 * i)))) };
                i += 2;
            }
            if i < n {
                let [l, r] = src[i].to_array();
                dst[2 * i] = l as f32;
                dst[2 * i + 1] = r as f32;
            }
        }

        #[target_feature(enable = $features)]
        fn run_pairs<const P: usize>(pairs: &[PairCoeffs], state: &mut [StageState], block: &mut [f64x2]) {
            let stages = state.len();
            debug_assert!(pairs.len() == P && stages <= 2 * P && stages > 2 * P - 2);
            let load_state = |k: usize, pick: fn(&StageState) -> f64x2| -> __m128d {
                let v = state.get(k).map_or([0.0; 2], |s| pick(s).to_array());
                _mm_setr_pd(v[0], v[1])
            };
            let mut pipe = Pipe::<P> {
                s1: std::array::from_fn(|p| {
                    _mm256_set_m128d(load_state(2 * p + 1, |s| s.s1), load_state(2 * p, |s| s.s1))
                }),
                s2: std::array::from_fn(|p| {
                    _mm256_set_m128d(load_state(2 * p + 1, |s| s.s2), load_state(2 * p, |s| s.s2))
                }),
                y: [_mm256_setzero_pd(); P],
                coeffs: std::array::from_fn(|p| {
                    let c = &pairs[p];
                    // SAFETY: the arrays are four f64 each, aligned to 32 bytes by PairCoeffs.
                    unsafe {
                        [
                            _mm256_load_pd(c.b0.as_ptr()),
                            _mm256_load_pd(c.b1.as_ptr()),
                            _mm256_load_pd(c.b2.as_ptr()),
                            _mm256_load_pd(c.neg_a1.as_ptr()),
                            _mm256_load_pd(c.neg_a2.as_ptr()),
                        ]
                    }
                }),
            };
            let n = block.len();
            let lag = 2 * P - 1;
            let io = block.as_mut_ptr().cast::<f64>();
            let mut i = 0;
            if n > lag {
                while i < lag {
                    // SAFETY: step reads frame i < n and writes frame i - lag only when in 0..n.
                    unsafe { step::<P, true>(&mut pipe, io, i, n) };
                    i += 1;
                }
                while i < n {
                    // SAFETY: lag <= i < n: frame i is read, frame i - lag written.
                    unsafe { step::<P, false>(&mut pipe, io, i, n) };
                    i += 1;
                }
            }
            while i < n + lag {
                // SAFETY: as above, each access checked against n.
                unsafe { step::<P, true>(&mut pipe, io, i, n) };
                i += 1;
            }
            for (k, st) in state.iter_mut().enumerate() {
                let (p, half) = (k / 2, k % 2);
                let take = |v: __m256d| -> f64x2 {
                    let mut out = [0.0; 4];
                    // SAFETY: out holds four f64.
                    unsafe { _mm256_storeu_pd(out.as_mut_ptr(), v) };
                    f64x2::new([out[2 * half], out[2 * half + 1]])
                };
                st.s1 = take(pipe.s1[p]);
                st.s2 = take(pipe.s2[p]);
            }
        }

        /// One step: every pair filters one frame (stage j of the group frame `i − j`). With
        /// `MASKED`, stages whose frame is outside `0..n` keep their state, frame `i` is read only
        /// when below `n` and the output written only when its frame is in `0..n`.
        ///
        /// # Safety
        /// `io` points to `n` interleaved stereo frames; without `MASKED`, `2P − 1 <= i < n`.
        #[target_feature(enable = $features)]
        #[inline]
        unsafe fn step<const P: usize, const MASKED: bool>(
            pipe: &mut Pipe<P>,
            io: *mut f64,
            i: usize,
            n: usize,
        ) {
            let lag = 2 * P - 1;
            let input = if !MASKED || i < n {
                // SAFETY: frame i < n.
                unsafe { _mm_loadu_pd(io.add(2 * i)) }
            } else {
                _mm_setzero_pd()
            };
            // Last pair first, so each pair's input is taken from outputs of the previous step.
            for p in (0..P).rev() {
                let x = if p == 0 {
                    _mm256_permute2f128_pd::<0x20>(_mm256_castpd128_pd256(input), pipe.y[0])
                } else {
                    _mm256_permute2f128_pd::<0x21>(pipe.y[p - 1], pipe.y[p])
                };
                let [b0, b1, b2, na1, na2] = pipe.coeffs[p];
                // Transposed direct form II; the terms without y are formed first so the loop-carried
                // path (y → s1 → next y) is two fused multiply-adds long.
                let y = madd(b0, x, pipe.s1[p]);
                let s1 = madd(na1, y, madd(b1, x, pipe.s2[p]));
                let s2 = madd(na2, y, _mm256_mul_pd(b2, x));
                if MASKED {
                    let lower = (i >= 2 * p && i < n + 2 * p) as usize;
                    let upper = (i > 2 * p && i <= n + 2 * p) as usize;
                    // SAFETY: the table rows are four i64, read unaligned.
                    let mask = unsafe {
                        _mm256_castsi256_pd(_mm256_loadu_si256(
                            ACTIVE[lower | upper << 1].as_ptr().cast(),
                        ))
                    };
                    pipe.s1[p] = _mm256_blendv_pd(pipe.s1[p], s1, mask);
                    pipe.s2[p] = _mm256_blendv_pd(pipe.s2[p], s2, mask);
                } else {
                    pipe.s1[p] = s1;
                    pipe.s2[p] = s2;
                }
                pipe.y[p] = y;
            }
            if !MASKED || (i >= lag && i - lag < n) {
                // SAFETY: frame i - lag is in 0..n.
                unsafe {
                    _mm_storeu_pd(
                        io.add(2 * (i - lag)),
                        _mm256_extractf128_pd::<1>(pipe.y[P - 1]),
                    )
                };
            }
        }
        }
    };
}

kernel!(
    /// AVX2 and FMA: sixteen ymm registers, so some coefficients and state are read from L1.
    avx2_fma,
    "avx2,fma"
);
kernel!(
    /// The same code given AVX-512VL's thirty-two ymm registers: the compiler keeps the
    /// coefficients of the steady loop in registers.
    avx512vl,
    "avx2,fma,avx512f,avx512vl"
);

impl Level {
    /// Runs `stages` consecutive stages over `block` (see [`avx2_fma::run_stages`]).
    ///
    /// # Safety
    /// The CPU must have the level's features (as [`detect`] found).
    pub(super) unsafe fn run_stages(
        self,
        pairs: &[PairCoeffs],
        state: &mut [StageState],
        block: &mut [f64x2],
    ) {
        // SAFETY: the caller checked the features.
        unsafe {
            match self {
                Level::Avx512Vl => avx512vl::run_stages(pairs, state, block),
                Level::Avx2Fma => avx2_fma::run_stages(pairs, state, block),
            }
        }
    }

    /// f32 to f64 with the preamp (see [`avx2_fma::widen`]).
    ///
    /// # Safety
    /// As [`Level::run_stages`].
    pub(super) unsafe fn widen(self, dst: &mut [f64x2], src: &[f32], preamp: [f64; 2]) {
        // SAFETY: the caller checked the features.
        unsafe {
            match self {
                Level::Avx512Vl => avx512vl::widen(dst, src, preamp),
                Level::Avx2Fma => avx2_fma::widen(dst, src, preamp),
            }
        }
    }

    /// f64 to f32 (see [`avx2_fma::narrow`]).
    ///
    /// # Safety
    /// As [`Level::run_stages`].
    pub(super) unsafe fn narrow(self, dst: &mut [f32], src: &[f64x2]) {
        // SAFETY: the caller checked the features.
        unsafe {
            match self {
                Level::Avx512Vl => avx512vl::narrow(dst, src),
                Level::Avx2Fma => avx2_fma::narrow(dst, src),
            }
        }
    }
}
