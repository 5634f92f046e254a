//! Outputs without a sound card: a null sink and a WAV sink, driven by a timer thread that
//! calls the same [`Callback::process`] the sound card's callback does, a buffer at a time,
//! at real-time pace or as fast as possible.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::callback::Callback;
use super::fault::StreamFault;
use super::status::Status;
use crate::encode::{WavError, WavFormat, WavSink};

/// Where playback goes, as `--device` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// `null`: discard the audio.
    Null,
    /// `wav:PATH`: write it to a WAV file.
    Wav(PathBuf),
    /// A cpal device by name or index; None = the default output.
    Device(Option<String>),
}

impl Output {
    /// Parses a `--device` value: `null`, `wav:OUT.wav`, or a device name or index.
    pub fn parse(text: Option<&str>) -> Output {
        match text {
            None | Some("") | Some("default") => Output::Device(None),
            Some("null") => Output::Null,
            Some(t) => match t.strip_prefix("wav:") {
                Some(path) => Output::Wav(PathBuf::from(path)),
                None => Output::Device(Some(t.to_string())),
            },
        }
    }
}

/// How fast a timer-driven sink runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// One buffer per buffer period, like a sound card.
    RealTime,
    /// As fast as the callback can go.
    Fast,
}

/// What a timer-driven sink did.
#[derive(Debug)]
pub struct SinkReport {
    /// Frames written (to a WAV: the program, without the limiter's delay).
    pub frames: u64,
    /// Largest time one `process` call took.
    pub worst_callback: Duration,
    /// The WAV's level statistics, when writing one.
    pub clipped_samples: u64,
    /// In real time: buffers that started more than a buffer period after they were due
    /// (where a sound card would have run dry).
    pub late_buffers: u64,
}

/// What the sink thread returns: the callback (to run on another output) and its report.
type SinkResult = (Callback, Result<SinkReport, WavError>);

/// A running timer-driven sink.
pub struct TimerSink {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<SinkResult>>,
    faults: mpsc::Receiver<StreamFault>,
}

impl TimerSink {
    /// Starts a thread that drives `callback` in buffers of `buffer_frames` at `rate`,
    /// writing to `wav` when given, until playback has ended or stopped and its last audible
    /// frame is out, or [`TimerSink::stop`] is called.
    ///
    /// A WAV gets exactly the program: the limiter's look-ahead delay is taken off its start
    /// and nothing is written past the last frame, so a render of a track has the track's
    /// length and every event (a switch, a cue) lands on its own frame.
    ///
    /// `fail_after` makes the sink behave like a sound card that disappears after that many
    /// frames: it reports a fatal [`StreamFault`] through the same path a device's stream
    /// error takes and stops calling the callback (for testing how sessions survive it).
    pub fn start(
        mut callback: Callback,
        status: Arc<Status>,
        rate: u32,
        buffer_frames: usize,
        pace: Pace,
        mut wav: Option<WavSink>,
        fail_after: Option<u64>,
    ) -> TimerSink {
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let buffer_frames = buffer_frames.max(1);
        let (fault_tx, faults) = mpsc::channel();
        let wav_out = wav.is_some();
        let handle = std::thread::Builder::new()
            .name("iemlab-sink".into())
            .spawn(move || {
                // Real-time scheduling when the system allows it, as for the sound card.
                if pace == Pace::RealTime {
                    super::priority::promote_current_thread();
                }
                status
                    .device_buffer
                    .store(buffer_frames as u32, Ordering::Relaxed);
                status
                    .callback_thread
                    .store(super::priority::current_thread_id(), Ordering::Relaxed);
                let result = (|| {
                    let mut buf = vec![0.0f32; buffer_frames * 2];
                    let period = Duration::from_secs_f64(buffer_frames as f64 / f64::from(rate));
                    let mut started = Instant::now();
                    let mut frames = 0u64;
                    let mut worst = Duration::ZERO;
                    let mut late_buffers = 0u64;
                    let mut written = 0u64;
                    while !stop_flag.load(Ordering::Relaxed) {
                        let played = callback
                            .program_start()
                            .map_or(0, |p| callback.frames_out().saturating_sub(p));
                        if fail_after.is_some_and(|n| played >= n) {
                            let _ = fault_tx.send(StreamFault::injected());
                            break;
                        }
                        if pace == Pace::Fast {
                            // As fast as the feeder can decode: wait for a full buffer, as a
                            // sound card never would, so that --fast runs never underrun.
                            let wait_until = Instant::now() + Duration::from_secs(5);
                            while status.queued_frames() < buffer_frames as u64
                                && !status.feeder_done.load(Ordering::Acquire)
                                && !stop_flag.load(Ordering::Relaxed)
                                && Instant::now() < wait_until
                            {
                                std::thread::sleep(Duration::from_micros(200));
                            }
                        }
                        let t0 = Instant::now();
                        // Buffer k is due at k periods; one period later a card runs dry.
                        let due = period * (frames / buffer_frames as u64 + 1) as u32;
                        if pace == Pace::RealTime && t0.duration_since(started) > due {
                            late_buffers += 1;
                        }
                        // Frames are numbered over the callback's whole life, so that a session
                        // moved here from a lost output goes on without a gap or a repeat.
                        let first = callback.frames_out();
                        callback.process(&mut buf);
                        worst = worst.max(t0.elapsed());
                        frames += buffer_frames as u64;
                        let end = first + buffer_frames as u64;
                        let last = callback.final_frame();
                        if let (Some(w), Some(from)) = (wav.as_mut(), callback.program_start()) {
                            let from = from.max(first);
                            let to = last.unwrap_or(u64::MAX).min(end);
                            if to > from {
                                let (a, b) = ((from - first) as usize, (to - first) as usize);
                                w.write(&buf[a * 2..b * 2])?;
                                written += to - from;
                            }
                        }
                        if last.is_some_and(|f| end >= f) {
                            status.drained.store(true, Ordering::Release);
                            break;
                        }
                        if pace == Pace::RealTime {
                            let due = started + period * (frames / buffer_frames as u64) as u32;
                            let now = Instant::now();
                            match due.checked_duration_since(now) {
                                Some(wait) => std::thread::sleep(wait),
                                // Far behind (the process was stopped, the machine paused):
                                // go on from now, as a sound card would, instead of
                                // running the backlog back to back.
                                None if now - due > period * 4 => started += now - due,
                                None => {}
                            }
                        }
                    }
                    let clipped_samples = match wav {
                        Some(w) => w.finish()?.over,
                        None => 0,
                    };
                    Ok(SinkReport {
                        frames: if wav_out { written } else { frames },
                        worst_callback: worst,
                        clipped_samples,
                        late_buffers,
                    })
                })();
                (callback, result)
            })
            .ok();
        TimerSink {
            stop,
            handle,
            faults,
        }
    }

    /// A fault the sink reported since the last call, if any.
    pub fn fault(&self) -> Option<StreamFault> {
        self.faults.try_recv().ok()
    }

    /// Whether the sink thread has finished.
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// Asks the thread to stop after the current buffer.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for the thread and returns the callback (None if the thread did not start or
    /// panicked) and what the sink did.
    pub fn join(mut self) -> (Option<Callback>, Result<SinkReport, WavError>) {
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok((callback, result))) => (Some(callback), result),
            Some(Err(_)) => (None, Err(sink_failure("the sink thread panicked"))),
            None => (None, Err(sink_failure("could not start the sink thread"))),
        }
    }
}

fn sink_failure(message: &str) -> WavError {
    WavError::Write {
        path: PathBuf::from("(output)"),
        message: message.to_string(),
    }
}

/// Opens a WAV sink for `--device wav:PATH` (24-bit, refusing to overwrite unless `force`).
pub fn wav_sink(path: &std::path::Path, rate: u32, force: bool) -> Result<WavSink, WavError> {
    WavSink::create(path, rate, WavFormat::S24, force)
}
