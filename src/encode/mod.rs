//! Frames to audio files: the WAV writer that renders and the WAV sink share. Below the
//! engine and the offline renderer, which both write through it.

pub mod wav;

pub use wav::{LevelStats, WavError, WavFormat, WavSink};
