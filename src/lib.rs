//! iemlab: a listening harness for reviewing and tuning in-ear monitors.
//!
//! Layers (dependencies point down only):
//! - L1 [`dsp`]: biquads, EQ chains, gain ramps and crossfades; no I/O, no allocation in `process`.
//! - L2 [`decode`], [`resample`], [`preset`], [`material`]: files and signals to f32 frames and EQ profiles;
//!   [`fr`] measurements, [`fit`] EQ fitting, both on [`eq`] (the fitter and band responses
//!   that `fit` and `preset` share, below both).
//! - L3 [`render`]: the offline pipeline (decode → resample → EQ → WAV).
//! - L4 [`cli`]: the `iemlab` command line.
//!
//! Beside the layers, usable from any of them: [`paths`] (where the config file and the
//! user's data such as notes live on each platform) and [`shipped`] (the playlists, profiles,
//! measurements and targets built into the binary, read by name from any folder); [`problem`]
//! (what is wrong with a user's file, located) and [`exit_status`] (the exit code of every
//! error).

// User data must never panic the program: no unwrap/expect outside tests (parsers also deny
// unchecked indexing, module by module).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod ab;
pub mod atomic_file;
pub mod cli;
pub mod contain;
pub mod db;
pub mod decode;
pub mod dsp;
pub mod encode;
pub mod engine;
pub mod eq;
pub mod exit_status;
pub mod fit;
pub mod fr;
pub mod interrupt;
pub mod material;
pub mod paths;
pub mod playlist;
pub mod preset;
pub mod problem;
pub mod render;
pub mod resample;
pub mod session;
pub mod shipped;
pub mod timecode;
