//! The test signal: stereo white noise (no two 10 ms blocks alike, so every block can be
//! found in a recording).

use super::compare::Frame;

/// Peak of the uniform noise: √3 × 10^(−8/20), an RMS of −8 dBFS with peaks at −3.2 dBFS,
/// so the limiter at 0 dBFS never touches it.
const PEAK: f64 = 0.690;

/// `frames` of uniform white noise, left and right independent; `seed` picks which.
pub fn frames(frames: usize, seed: u64) -> Vec<Frame> {
    let mut state = seed;
    let mut next = || {
        // splitmix64: good enough noise, and the same on every machine.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        (PEAK * (2.0 * unit - 1.0)) as f32
    };
    (0..frames).map(|_| [next(), next()]).collect()
}
