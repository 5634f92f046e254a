//! Choosing and starting an output for a playback session: the sound card (cpal), a WAV
//! file or nothing, all behind one interface so `play`, `ab` and `demo` share it.

use std::sync::Arc;

use super::callback::Callback;
use super::device::{self, DeviceError, OpenDevice, Playing};
use super::sink::{Output, Pace, SinkReport, TimerSink, wav_sink};
use super::status::{Status, Transport};
use crate::render::{WavError, WavSink};

/// Why an output could not be prepared or run.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The sound card.
    #[error(transparent)]
    Device(#[from] DeviceError),
    /// The WAV file.
    #[error(transparent)]
    Wav(#[from] WavError),
}

/// An output chosen and configured, not yet running.
pub enum Prepared {
    /// A timer thread driving the callback, writing a WAV or nothing.
    Timer {
        /// Rate to run at.
        rate: u32,
        /// Frames per callback.
        buffer: usize,
        /// Real time or as fast as possible.
        pace: Pace,
        /// WAV destination.
        wav: Option<WavSink>,
    },
    /// A sound card.
    Device(OpenDevice),
}

impl Prepared {
    /// Prepares `output`. `preferred_rate` is the rate the first track has (a device that
    /// supports it plays it without resampling); `buffer` is `--buffer`; `force` allows a
    /// WAV output to replace an existing file.
    pub fn new(
        output: &Output,
        preferred_rate: u32,
        buffer: Option<u32>,
        pace: Pace,
        force: bool,
    ) -> Result<Prepared, OutputError> {
        let frames = buffer.unwrap_or(512).max(16) as usize;
        Ok(match output {
            Output::Null => Prepared::Timer {
                rate: preferred_rate,
                buffer: frames,
                pace,
                wav: None,
            },
            Output::Wav(path) => Prepared::Timer {
                rate: preferred_rate,
                buffer: frames,
                pace,
                wav: Some(wav_sink(path, preferred_rate, force)?),
            },
            Output::Device(name) => {
                Prepared::Device(device::open(name.as_deref(), preferred_rate, buffer)?)
            }
        })
    }

    /// The rate the callback must produce.
    pub fn rate(&self) -> u32 {
        match self {
            Prepared::Timer { rate, .. } => *rate,
            Prepared::Device(d) => d.config.sample_rate,
        }
    }

    /// A one-line description: "null sink", "WAV …", or the device with its format.
    pub fn describe(&self) -> String {
        match self {
            Prepared::Timer {
                wav: None,
                buffer,
                rate,
                ..
            } => format!("null sink ({rate} Hz, {buffer}-frame buffers)"),
            Prepared::Timer {
                wav: Some(_), rate, ..
            } => format!("WAV file ({rate} Hz, 24-bit)"),
            Prepared::Device(d) => format!(
                "{} ({} Hz, {} ch, {}, buffer {:?})",
                d.name, d.config.sample_rate, d.config.channels, d.format, d.config.buffer_size
            ),
        }
    }

    /// Starts driving `callback`.
    pub fn start(self, callback: Callback, status: Arc<Status>) -> Result<Running, OutputError> {
        Ok(match self {
            Prepared::Timer {
                rate,
                buffer,
                pace,
                wav,
            } => Running::Timer(TimerSink::start(callback, status, rate, buffer, pace, wav)),
            Prepared::Device(d) => Running::Device(device::play(d, callback)?),
        })
    }
}

/// A running output.
pub enum Running {
    /// Timer-driven.
    Timer(TimerSink),
    /// Sound card.
    Device(Playing),
}

impl Running {
    /// True once the output has nothing more to play: the playlist ended (a device keeps
    /// running until dropped, so the status decides), or a timer sink stopped.
    pub fn is_done(&self, status: &Status) -> bool {
        match self {
            Running::Timer(t) => t.is_finished(),
            Running::Device(_) => status.transport() == Transport::Ended,
        }
    }

    /// A stream error the sound card reported since the last call, if any.
    pub fn device_error(&self) -> Option<String> {
        match self {
            Running::Device(p) => p.errors.try_recv().ok(),
            Running::Timer(_) => None,
        }
    }

    /// Stops and reports (timer sinks finish their WAV file here).
    pub fn finish(self) -> Result<Option<SinkReport>, OutputError> {
        match self {
            Running::Timer(t) => {
                t.stop();
                Ok(Some(t.join()?))
            }
            Running::Device(p) => {
                drop(p);
                Ok(None)
            }
        }
    }
}
