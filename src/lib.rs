//! iemlab: a listening harness for reviewing and tuning in-ear monitors.
//!
//! Layers (dependencies point down only):
//! - L1 [`dsp`]: biquads, EQ chains, gain ramps and crossfades; no I/O, no allocation in `process`.
//! - L2 [`resample`], [`preset`], [`material`]: signals to f32 frames and EQ profiles.

pub mod dsp;
pub mod material;
pub mod preset;
pub mod resample;
pub mod timecode;
