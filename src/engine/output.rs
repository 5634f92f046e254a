//! Choosing and starting an output for a playback session: the sound card (cpal), a WAV
//! file or nothing, all behind one interface so `play`, `ab` and `demo` share it.

use std::sync::Arc;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::callback::Callback;
use super::device::{self, DeviceError, OpenDevice, Playing};
use super::fault::StreamFault;
use super::sink::{Output, Pace, SinkReport, TimerSink, wav_sink};
use super::status::Status;
use crate::encode::{WavError, WavSink};
use crate::exit_status::ExitStatus;

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

/// The code of the device's or the WAV file's error.
impl ExitStatus for OutputError {
    fn exit_code(&self) -> u8 {
        match self {
            OutputError::Device(e) => e.exit_code(),
            OutputError::Wav(e) => e.exit_code(),
        }
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
        /// WAV destination (boxed: a sink is large beside the other variant).
        wav: Option<Box<WavSink>>,
        /// Simulate a device failure after this many frames.
        fail_after: Option<u64>,
    },
    /// A sound card.
    Device(Box<OpenDevice>),
}

impl Prepared {
    /// Prepares `output`. `preferred_rate` is the rate the first track has (a device that
    /// supports it plays it without resampling); `host` is `--host` (None: the running sound
    /// server's); `buffer` is `--buffer`; `force` allows a WAV output to replace an existing
    /// file.
    pub fn new(
        output: &Output,
        host: Option<&str>,
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
                wav: Some(Box::new(wav_sink(path, preferred_rate, force)?)),
                fail_after: None,
            },
            Output::Device(name) => Prepared::Device(Box::new(device::open(
                host,
                name.as_deref(),
                preferred_rate,
                buffer,
            )?)),
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

    /// Frames the output asks for per callback.
    pub fn buffer_frames(&self) -> usize {
        match self {
            Prepared::Timer { buffer, .. } => *buffer,
            Prepared::Device(d) => d.buffer_frames() as usize,
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
                "{} via {} ({} Hz, {} ch, {}, {}-frame buffer)",
                d.name,
                d.host,
                d.config.sample_rate,
                d.config.channels,
                d.format,
                d.buffer_frames()
            ),
        }
    }

    /// Starts driving `callback`.
    pub fn start(self, callback: Callback, status: Arc<Status>) -> Result<Running, OutputError> {
        let description = self.describe();
        Ok(match self {
            Prepared::Timer {
                rate,
                buffer,
                pace,
                wav,
                fail_after,
            } => Running::Timer(
                TimerSink::start(
                    callback,
                    status,
                    rate,
                    buffer,
                    pace,
                    wav.map(|w| *w),
                    fail_after,
                ),
                description,
            ),
            Prepared::Device(d) => Running::Device(device::play(*d, callback, status)?),
        })
    }
}

/// How the output runs, once it has run a little: what a listener waits between a key and
/// its sound, and whether the thread that runs the callback has real-time priority.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputReport {
    /// Frames per device buffer, as the output asks for them.
    pub buffer_frames: u32,
    /// What the device or server adds after the callback (its timestamps), in seconds.
    pub server_delay: f64,
    /// The callback thread's scheduling, when known: Some(true) real-time.
    pub realtime: Option<bool>,
    /// A sentence about the scheduling ("real-time (SCHED_FIFO 88)").
    pub scheduling: String,
}

impl OutputReport {
    /// Output latency in seconds: the buffer the callback fills, the limiter's look-ahead and
    /// what the server adds. A switch asked for by a key is heard after this plus, on
    /// average, half a buffer (the wait for the next callback).
    pub fn latency(&self, rate: u32, lookahead_frames: usize) -> f64 {
        (f64::from(self.buffer_frames) + lookahead_frames as f64) / f64::from(rate)
            + self.server_delay
    }
}

/// A running output.
pub enum Running {
    /// Timer-driven, and what it is.
    Timer(TimerSink, String),
    /// Sound card.
    Device(Playing),
}

impl Running {
    /// True once the output has played everything: playback ended or was stopped and the
    /// device's clock says its last audible frame is out (a timer sink stops by itself).
    pub fn is_done(&self, status: &Status) -> bool {
        match self {
            Running::Timer(t, _) => t.is_finished(),
            Running::Device(_) => status.drained.load(Ordering::Acquire),
        }
    }

    /// Waits (at most `timeout`) for the output to have played everything, after playback
    /// ended or was stopped. A device whose clock stops moving is given up on at the timeout.
    pub fn wait_drained(&self, status: &Status, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while !self.is_done(status) {
            if Instant::now() >= until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }

    /// Waits (at most `timeout`) for the first callbacks and reports the latency and
    /// scheduling they show; gives the callback thread real-time priority when the host did
    /// not and the system allows it. A timer sink reports its own buffer and no server.
    pub fn report(&self, status: &Status, timeout: Duration) -> OutputReport {
        let until = Instant::now() + timeout;
        while status.device_buffer.load(Ordering::Relaxed) == 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        // A second look once a few buffers have run: servers settle their delay.
        std::thread::sleep(Duration::from_millis(20).min(timeout));
        let thread = status.callback_thread.load(Ordering::Relaxed);
        let (mut realtime, mut scheduling) = super::priority::describe_thread(thread);
        if let Running::Device(p) = self
            && p.may_promote
        {
            if realtime == Some(false) && super::priority::promote_thread(thread) {
                (realtime, scheduling) = super::priority::describe_thread(thread);
            }
            if realtime == Some(true) {
                super::priority::promote_siblings(thread);
            }
        }
        let buffer_frames = status.device_buffer.load(Ordering::Relaxed);
        let mut server_delay = status.output_delay_ns.load(Ordering::Relaxed) as f64 * 1e-9;
        if let Running::Device(p) = self
            && p.host == "pipewire"
        {
            // PipeWire runs a client's stream one graph cycle ahead of the sink and its
            // timestamps leave that cycle out (measured with `cargo bench --bench dac`: a
            // switch is heard about two quanta after the callback that made it).
            let cycle = f64::from(buffer_frames) / f64::from(p.rate);
            server_delay = server_delay.max(cycle);
        }
        OutputReport {
            buffer_frames,
            server_delay,
            realtime,
            scheduling,
        }
    }

    /// Returns the callback thread to normal priority if iemlab promoted it: for an output
    /// found to take audio faster than real time (a PCM that does not wait for the device
    /// spins, and at real-time priority would starve the machine). Returns whether it did.
    pub fn demote(&self, status: &Status) -> bool {
        let thread = status.callback_thread.load(Ordering::Relaxed);
        matches!(self, Running::Device(p) if p.may_promote)
            && super::priority::demote_thread(thread)
    }

    /// Whether this is a sound card (which runs on its own clock) rather than a timer sink.
    pub fn is_device(&self) -> bool {
        matches!(self, Running::Device(_))
    }

    /// Whether the thread running the callback has real-time priority now.
    pub fn is_realtime(&self, status: &Status) -> bool {
        let thread = status.callback_thread.load(Ordering::Relaxed);
        super::priority::describe_thread(thread).0 == Some(true)
    }

    /// The output in one line: device, host, rate, format and buffer.
    pub fn describe(&self) -> &str {
        match self {
            Running::Timer(_, description) => description,
            Running::Device(p) => &p.description,
        }
    }

    /// What had to be adjusted to open the output (a buffer size clamped), to show.
    pub fn notes(&self) -> &[String] {
        match self {
            Running::Timer(..) => &[],
            Running::Device(p) => &p.notes,
        }
    }

    /// Where a JACK stream was connected, when iemlab routed it.
    pub fn routed(&self) -> &[(String, String)] {
        match self {
            Running::Device(p) => &p.routed,
            Running::Timer(..) => &[],
        }
    }

    /// A fault the output reported since the last call, if any.
    pub fn device_error(&self) -> Option<StreamFault> {
        match self {
            Running::Device(p) => p.errors.try_recv().ok(),
            Running::Timer(t, _) => t.fault(),
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
            Running::Timer(t, _) => {
                t.stop();
                let (callback, report) = t.join();
                (callback, report.map(Some).map_err(OutputError::from))
            }
            Running::Device(p) => (p.stop(), Ok(None)),
        }
    }
}
