//! Layer 1: pure DSP. Biquad coefficients and state, EQ chains, the ISO graphic EQ, gain
//! ramps and crossfades. No I/O, and nothing in a `process` function allocates.

pub mod biquad;
pub mod chain;
pub mod graphic;
pub mod limiter;
pub mod loudness;
pub mod ramp;

pub use biquad::{BandError, BandSpec, Coeffs, Complex, FilterKind};
pub use chain::{Channel, EqChain, MAX_STAGES, TooManyStages};
pub use graphic::{GRAPHIC_Q, ISO_BANDS_HZ, graphic_bands, graphic_chain, graphic_response};
pub use limiter::Limiter;
pub use loudness::integrated_lufs;
pub use ramp::{Crossfade, Fader, GainRamp, Law, db_to_gain, gain_to_db};

/// The largest absolute sample difference between two buffers, over their common length:
/// how renders, chains and references are compared.
pub fn max_abs_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}
