//! A device playing: the cpal stream running the [`Callback`], with the buffer size it
//! accepted, where a JACK stream was connected, and the drain that tells when the device has
//! played the last frame.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{BufferSize, FromSample, SampleFormat, SizedSample};

use super::callback::Callback;
use super::device::{DeviceError, OpenDevice};
use super::fault::StreamFault;
use super::status::Status;

/// Largest device buffer converted in one go; bigger buffers are done in pieces.
const SCRATCH_FRAMES: usize = 8192;

/// A running output stream. Dropping it stops playback.
pub struct Playing {
    stream: cpal::Stream,
    /// Stream errors reported by the host (device gone, xruns).
    pub errors: mpsc::Receiver<StreamFault>,
    returned: mpsc::Receiver<Callback>,
    /// Where a JACK stream was connected, when not to the physical outputs.
    pub routed: Vec<(String, String)>,
    /// See [`OpenDevice`]'s `promote`.
    pub may_promote: bool,
    /// What had to be adjusted to open it (a buffer size), to show.
    pub notes: Vec<String>,
    /// Frames per device buffer, as built.
    pub buffer_frames: u32,
    /// The device, its host and format, in one line.
    pub description: String,
    /// Host name (`pipewire`, `jack`, `alsa`, …).
    pub host: String,
    /// Sample rate.
    pub rate: u32,
}

impl Playing {
    /// Stops the stream and returns the callback it was running.
    pub fn stop(self) -> Option<Callback> {
        drop(self.stream);
        self.returned.recv_timeout(Duration::from_secs(2)).ok()
    }
}

/// Owns the callback inside cpal's data closure and sends it back when the closure is
/// dropped (when the stream is torn down, never on the audio path).
struct HandBack {
    callback: Option<Callback>,
    to: mpsc::Sender<Callback>,
}

impl Drop for HandBack {
    fn drop(&mut self) {
        if let Some(callback) = self.callback.take() {
            let _ = self.to.send(callback);
        }
    }
}

/// Starts `callback` on the device. A buffer size the device refuses when the stream is
/// built (ALSA plugins report wider ranges than they take) is replaced by the nearest power
/// of two it accepts, with a note.
pub fn play(
    mut open: OpenDevice,
    callback: Callback,
    status: Arc<Status>,
) -> Result<Playing, DeviceError> {
    let name = open.name.clone();
    let fail = |e: &dyn std::fmt::Display| DeviceError::Config {
        device: name.clone(),
        message: e.to_string(),
    };
    let wanted = open.buffer_frames();
    let mut callback = Some(callback);
    let mut first_error = None;
    for frames in buffer_candidates(wanted) {
        let Some(cb) = callback.take() else { break };
        open.config.buffer_size = BufferSize::Fixed(frames);
        let (tx, errors) = mpsc::channel();
        let (back_tx, returned) = mpsc::channel();
        let hand = HandBack {
            callback: Some(cb),
            to: back_tx,
        };
        let built = match open.format {
            SampleFormat::F32 => build::<f32>(&open, hand, Arc::clone(&status), tx),
            SampleFormat::I32 => build::<i32>(&open, hand, Arc::clone(&status), tx),
            SampleFormat::I24 => build::<cpal::I24>(&open, hand, Arc::clone(&status), tx),
            SampleFormat::I16 => build::<i16>(&open, hand, Arc::clone(&status), tx),
            other => return Err(fail(&format!("unsupported sample format {other}"))),
        };
        let stream = match built {
            Ok(stream) => stream,
            Err(e) if e.kind() == cpal::ErrorKind::UnsupportedConfig => {
                // cpal dropped the closure, which handed the callback back.
                callback = returned.try_recv().ok();
                first_error.get_or_insert(e);
                continue;
            }
            Err(e) => return Err(fail(&e)),
        };
        if frames != wanted {
            open.notes.push(format!(
                "{} refused {wanted}-frame buffers; using {frames}",
                open.name
            ));
        }
        // A JACK stream is connected where the user asked before its first frame: until
        // `play`, cpal's JACK client outputs silence without calling the callback.
        let routed = match open.jack_target.as_deref() {
            #[cfg(target_os = "linux")]
            Some(target) => super::jack_route::route(target).map_err(|e| fail(&e))?,
            _ => Vec::new(),
        };
        stream.play().map_err(|e| fail(&e))?;
        let description = format!(
            "{} via {} ({} Hz, {} ch, {}, {frames}-frame buffer)",
            open.name, open.host, open.config.sample_rate, open.config.channels, open.format
        );
        return Ok(Playing {
            description,
            host: open.host.clone(),
            rate: open.config.sample_rate,
            stream,
            errors,
            returned,
            routed,
            may_promote: open.promote,
            notes: open.notes,
            buffer_frames: frames,
        });
    }
    Err(match first_error {
        Some(e) => fail(&e),
        None => fail(&"the stream could not be built"),
    })
}

/// Buffer sizes to try, nearest to `wanted` first: it, then powers of two above and below
/// it in turn, from 16 to 65536 frames.
fn buffer_candidates(wanted: u32) -> Vec<u32> {
    let mut out = vec![wanted];
    let (mut up, mut down) = (wanted.next_power_of_two(), wanted.next_power_of_two() / 2);
    if up == wanted {
        up *= 2;
    }
    while up <= 65_536 || down >= 16 {
        if up <= 65_536 {
            out.push(up);
            up *= 2;
        }
        if down >= 16 {
            out.push(down);
            down /= 2;
        }
    }
    out
}

/// What the data closure keeps between calls to tell when the device has played the last
/// frame.
struct Drain {
    /// Frames handed to the device so far.
    frames: u64,
    /// When the last audible frame reaches the listener, on the stream's clock.
    deadline: Option<cpal::StreamInstant>,
}

impl Drain {
    /// Called after each buffer of `n` frames whose first frame plays at `playback`: once
    /// the callback's final frame is in a buffer, notes when it will have played (plus one
    /// buffer of margin for servers whose delay leaves out their own queue); once the
    /// stream's clock passes that, the output is drained.
    fn after_buffer(
        &mut self,
        n: usize,
        final_frame: Option<u64>,
        stamp: &cpal::OutputStreamTimestamp,
        rate: u32,
        status: &Status,
    ) {
        let first = self.frames;
        self.frames += n as u64;
        let seconds = |frames: u64| Duration::from_secs_f64(frames as f64 / f64::from(rate));
        match (self.deadline, final_frame) {
            (None, Some(last)) if last <= self.frames => {
                let into = last.saturating_sub(first);
                self.deadline = Some(stamp.playback + seconds(into) + seconds(n as u64));
            }
            (Some(deadline), _) if stamp.callback >= deadline => {
                status.drained.store(true, Ordering::Release);
            }
            _ => {}
        }
    }
}

fn build<T>(
    open: &OpenDevice,
    mut callback: HandBack,
    status: Arc<Status>,
    errors: mpsc::Sender<StreamFault>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let channels = usize::from(open.config.channels).max(1);
    let rate = open.config.sample_rate;
    let mut scratch = vec![0.0f32; SCRATCH_FRAMES * 2];
    let mut drain = Drain {
        frames: 0,
        deadline: None,
    };
    let mut first = true;
    open.device.build_output_stream(
        open.config,
        move |data: &mut [T], info: &cpal::OutputCallbackInfo| {
            let Some(callback) = callback.callback.as_mut() else {
                return;
            };
            let stamp = info.timestamp();
            if first {
                first = false;
                status
                    .callback_thread
                    .store(super::priority::current_thread_id(), Ordering::Relaxed);
            }
            let delay = stamp.playback.saturating_duration_since(stamp.callback);
            status
                .output_delay_ns
                .store(delay.as_nanos() as u64, Ordering::Relaxed);
            let frames = data.len() / channels;
            status.device_buffer.store(frames as u32, Ordering::Relaxed);
            for block in data.chunks_mut(SCRATCH_FRAMES * channels) {
                let n = block.len() / channels;
                let stereo = &mut scratch[..n * 2];
                callback.process(stereo);
                write_frames(block, stereo, channels);
            }
            drain.after_buffer(frames, callback.final_frame(), &stamp, rate, &status);
        },
        move |err| {
            let _ = errors.send(StreamFault::from_cpal(&err));
        },
        None,
    )
}

/// Writes stereo frames to a device buffer of `channels` channels: mono devices get the
/// average, extra channels silence.
fn write_frames<T: SizedSample + FromSample<f32>>(out: &mut [T], stereo: &[f32], channels: usize) {
    for (frame, lr) in out.chunks_exact_mut(channels).zip(stereo.chunks_exact(2)) {
        if let [only] = frame {
            *only = T::from_sample(0.5 * (lr[0] + lr[1]));
            continue;
        }
        for (c, sample) in frame.iter_mut().enumerate() {
            *sample = T::from_sample(match c {
                0 => lr[0],
                1 => lr[1],
                _ => 0.0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_sizes_are_tried_nearest_first() {
        assert_eq!(buffer_candidates(64)[..5], [64, 128, 32, 256, 16]);
        assert_eq!(buffer_candidates(480)[..4], [480, 512, 256, 1024]);
        assert!(buffer_candidates(64).contains(&65_536));
    }

    #[test]
    fn drained_once_the_stream_clock_passes_the_last_frame() {
        let status = Status::default();
        let mut drain = Drain {
            frames: 0,
            deadline: None,
        };
        let at = |ms: u64, delay_ms: u64| cpal::OutputStreamTimestamp {
            callback: cpal::StreamInstant::from_nanos(ms * 1_000_000),
            playback: cpal::StreamInstant::from_nanos((ms + delay_ms) * 1_000_000),
        };
        // 480-frame buffers at 48 kHz (10 ms), 20 ms of server delay; the last audible frame
        // is frame 1200, in the third buffer (5 ms into it).
        drain.after_buffer(480, None, &at(0, 20), 48_000, &status);
        drain.after_buffer(480, None, &at(10, 20), 48_000, &status);
        drain.after_buffer(480, Some(1200), &at(20, 20), 48_000, &status);
        // It plays at 20 + 20 + 5 = 45 ms; with a buffer of margin, drained from 55 ms.
        for ms in [30, 40, 50] {
            drain.after_buffer(480, Some(1200), &at(ms, 20), 48_000, &status);
            assert!(!status.drained.load(Ordering::Acquire), "{ms} ms");
        }
        drain.after_buffer(480, Some(1200), &at(60, 20), 48_000, &status);
        assert!(status.drained.load(Ordering::Acquire));
    }
}
