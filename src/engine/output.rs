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

/// Something the running output reported: a device that disappeared (fatal: the stream has
/// stopped and nothing more will be played on it) or a glitch it survived (an xrun).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamFault {
    /// The stream has stopped for good.
    pub fatal: bool,
    /// What the host said.
    pub message: String,
}

impl StreamFault {
    /// Classifies a cpal stream error: only a device that is gone or a stream that must be
    /// rebuilt stops playback (cpal's ALSA worker carries on after anything else, e.g. a
    /// poll interrupted by a signal, an xrun or a busy device).
    pub fn from_cpal(error: &cpal::Error) -> StreamFault {
        use cpal::ErrorKind as K;
        let fatal = matches!(
            error.kind(),
            K::DeviceNotAvailable | K::StreamInvalidated | K::HostUnavailable
        );
        StreamFault {
            fatal,
            message: error.to_string(),
        }
    }

    /// The fault a timer sink reports when told to fail (see [`Prepared::fail_after`]).
    pub fn injected() -> StreamFault {
        StreamFault {
            fatal: true,
            message: "the output device is gone (simulated failure)".into(),
        }
    }
}

impl std::fmt::Display for StreamFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
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
        /// Simulate a device failure after this many frames.
        fail_after: Option<u64>,
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
                fail_after: None,
            },
            Output::Wav(path) => Prepared::Timer {
                rate: preferred_rate,
                buffer: frames,
                pace,
                wav: Some(wav_sink(path, preferred_rate, force)?),
                fail_after: None,
            },
            Output::Device(name) => {
                Prepared::Device(device::open(name.as_deref(), preferred_rate, buffer)?)
            }
        })
    }

    /// Makes a null or WAV output fail like a disconnected sound card after `seconds` of
    /// audio (a test hook for the device-loss path; no effect on a sound card).
    pub fn fail_after(mut self, seconds: Option<f64>) -> Prepared {
        if let Prepared::Timer {
            rate, fail_after, ..
        } = &mut self
        {
            *fail_after = seconds.map(|s| (s.max(0.0) * f64::from(*rate)) as u64);
        }
        self
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
                fail_after,
            } => Running::Timer(TimerSink::start(
                callback, status, rate, buffer, pace, wav, fail_after,
            )),
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

    /// A fault the output reported since the last call, if any.
    pub fn device_error(&self) -> Option<StreamFault> {
        match self {
            Running::Device(p) => p.errors.try_recv().ok(),
            Running::Timer(t) => t.fault(),
        }
    }

    /// Stops and reports (timer sinks finish their WAV file here).
    pub fn finish(self) -> Result<Option<SinkReport>, OutputError> {
        self.stop().1
    }

    /// Stops and hands back the callback, with all its state (profiles, position, queued
    /// audio), so that it can go on on another output; None if it was lost (a panic).
    pub fn stop(self) -> (Option<Callback>, Result<Option<SinkReport>, OutputError>) {
        match self {
            Running::Timer(t) => {
                t.stop();
                let (callback, report) = t.join();
                (callback, report.map(Some).map_err(OutputError::from))
            }
            Running::Device(p) => (p.stop(), Ok(None)),
        }
    }
}
