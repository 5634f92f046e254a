//! The sound card through cpal: listing outputs, choosing one by host, name or index,
//! negotiating rate, sample format and buffer size, and running the [`Callback`] in cpal's
//! output callback until the device has played the last frame.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, FromSample, SampleFormat, SizedSample, StreamConfig, SupportedBufferSize};

use super::callback::Callback;
use super::fault::StreamFault;
use super::hosts;
use super::status::Status;

/// Why no device could be opened.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// No output device at all.
    #[error(
        "no audio output device found (use --device null or --device wav:OUT.wav to play without one)"
    )]
    NoDevice,
    /// The named device does not exist.
    #[error("no output device matches \"{0}\" (see `iemlab devices`)")]
    NotFound(String),
    /// `--device` names no JACK client or ports that take audio.
    #[error("--device: {0}")]
    JackTarget(String),
    /// `--host` names no host iemlab knows.
    #[error("--host {name}: unknown audio host (this build has: {known})")]
    UnknownHost {
        /// What was asked for.
        name: String,
        /// What there is.
        known: String,
    },
    /// The host's server is not running.
    #[error("--host {host}: {reason}")]
    HostUnavailable {
        /// Host name.
        host: String,
        /// Why.
        reason: String,
    },
    /// The device refused every configuration.
    #[error("{device}: {message}")]
    Config {
        /// Device name.
        device: String,
        /// What cpal said.
        message: String,
    },
}

/// One output device as `iemlab devices` shows it.
#[derive(Clone, Debug)]
pub struct DeviceReport {
    /// Host (`alsa`, `pipewire`, `jack`, …).
    pub host: String,
    /// Whether sessions play through this host when `--host` is not given.
    pub default_host: bool,
    /// Index in the host's output list (what `--device N` takes).
    pub index: usize,
    /// Name.
    pub name: String,
    /// cpal's device id.
    pub id: String,
    /// Whether this is the host's default output.
    pub is_default: bool,
    /// Supported configurations: channels, rate range, format, buffer range.
    pub configs: Vec<String>,
}

/// Whether the default host has a default output that can be opened (on a machine without a
/// sound card or server, ALSA names a "default" that cannot).
pub fn has_default_output() -> bool {
    let (_, host) = hosts::default_host();
    let Some(device) = host.default_output_device() else {
        return false;
    };
    device
        .supported_output_configs()
        .is_ok_and(|mut c| c.next().is_some())
}

/// The output devices of every usable host, the default host first. Without `all`, outputs
/// that report no configuration (ALSA plugins that cannot play here) are left out.
pub fn list(all: bool) -> Vec<DeviceReport> {
    let mut out = Vec::new();
    for (n, (id, host)) in hosts::usable().into_iter().enumerate() {
        let default_id = host.default_output_device().and_then(|d| d.id().ok());
        let Ok(devices) = host.output_devices() else {
            continue;
        };
        for (index, device) in devices.enumerate() {
            let device_id = device.id().ok();
            let configs = device
                .supported_output_configs()
                .map(|c| summarise(&c.collect::<Vec<_>>()))
                .unwrap_or_default();
            if configs.is_empty() && !all {
                continue;
            }
            out.push(DeviceReport {
                host: hosts::host_name(id),
                default_host: n == 0,
                index,
                name: device_name(&device),
                id: device_id
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                is_default: device_id.is_some() && device_id == default_id,
                configs,
            });
        }
    }
    out
}

fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_string())
        .or_else(|_| device.id().map(|i| i.to_string()))
        .unwrap_or_else(|_| "(unnamed)".into())
}

/// What a device supports, in a few lines: channel counts, rates, sample formats and
/// buffer sizes over all its configurations (ALSA plugins list hundreds of them).
fn summarise(ranges: &[cpal::SupportedStreamConfigRange]) -> Vec<String> {
    if ranges.is_empty() {
        return Vec::new();
    }
    let span = |a: u32, b: u32, unit: &str| {
        if a == b {
            format!("{a}{unit}")
        } else {
            format!("{a}-{b}{unit}")
        }
    };
    let channels = ranges.iter().map(|r| u32::from(r.channels()));
    let (min_ch, max_ch) = (channels.clone().min(), channels.max());
    let min_rate = ranges.iter().map(|r| r.min_sample_rate()).min();
    let max_rate = ranges.iter().map(|r| r.max_sample_rate()).max();
    let mut formats: Vec<String> = Vec::new();
    for r in ranges {
        let f = r.sample_format().to_string();
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    vec![
        format!(
            "channels {}, rates {}",
            span(min_ch.unwrap_or(0), max_ch.unwrap_or(0), ""),
            span(min_rate.unwrap_or(0), max_rate.unwrap_or(0), " Hz")
        ),
        format!("formats {}", formats.join(", ")),
        match buffer_range(ranges.iter()) {
            Some((a, b)) => format!("buffer {}", span(a, b, " frames")),
            None => "buffer size not reported".into(),
        },
    ]
}

/// The widest buffer range over some configurations, when any reports one.
fn buffer_range<'a>(
    ranges: impl Iterator<Item = &'a cpal::SupportedStreamConfigRange>,
) -> Option<(u32, u32)> {
    ranges
        .filter_map(|r| match r.buffer_size() {
            SupportedBufferSize::Range { min, max } => Some((*min, *max)),
            SupportedBufferSize::Unknown => None,
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
}

/// The device buffer a session asks for when `--buffer` is not given: about 10 ms (512
/// frames at 44.1 and 48 kHz, 1024 at 88.2 and 96 kHz), short enough that a switch is heard
/// at once, long enough that a busy desktop does not glitch. `BufferSize::Default` can mean
/// hundreds of milliseconds on ALSA hardware, so iemlab never leaves it to the device.
pub fn default_buffer_frames(rate: u32) -> u32 {
    (rate / 100).max(16).next_power_of_two()
}

/// A device and the stream configuration chosen for it.
pub struct OpenDevice {
    device: cpal::Device,
    /// Host name (`pipewire`, `jack`, `alsa`, …).
    pub host: String,
    /// Device name.
    pub name: String,
    /// Chosen configuration.
    pub config: StreamConfig,
    /// Chosen sample format.
    pub format: SampleFormat,
    /// What had to be adjusted (a buffer size clamped into the device's range), to show.
    pub notes: Vec<String>,
    /// JACK only: the client or ports to connect to instead of the physical outputs.
    jack_target: Option<String>,
    /// Whether iemlab may give the callback thread real-time priority itself, when the
    /// host did not: a thread that waits on the device between buffers (a sound server's
    /// client, an ALSA PCM), never one that spins (ALSA's `null` PCM takes audio as fast as
    /// it comes, and would starve the machine) nor JACK's (the server decides).
    promote: bool,
}

impl OpenDevice {
    /// Frames per device buffer.
    pub fn buffer_frames(&self) -> u32 {
        match self.config.buffer_size {
            BufferSize::Fixed(n) => n,
            BufferSize::Default => default_buffer_frames(self.config.sample_rate),
        }
    }
}

/// Finds the output device `name` on `host` (None = the default host: the running sound
/// server's) and picks a configuration: the rate `preferred_rate` when the device supports
/// it (else its default rate, and playback resamples), stereo when possible, the best sample
/// format, and `buffer` frames (default about 10 ms) clamped into what the device takes.
///
/// `name` is a name, part of one, an id, or an index from `iemlab devices`; with JACK it is
/// the client (or a pattern of ports) to connect to.
pub fn open(
    host: Option<&str>,
    name: Option<&str>,
    preferred_rate: u32,
    buffer: Option<u32>,
) -> Result<OpenDevice, DeviceError> {
    let (id, host) = match host {
        Some(h) => {
            let id = hosts::by_name(h)?;
            (id, hosts::open(id)?)
        }
        None => hosts::default_host(),
    };
    let jack = hosts::is_jack(id);
    #[cfg(target_os = "linux")]
    if let (true, Some(target)) = (jack, name) {
        super::jack_route::resolve(target).map_err(DeviceError::JackTarget)?;
    }
    let device = match name {
        None => host.default_output_device().ok_or(DeviceError::NoDevice)?,
        Some(_) if jack => host.default_output_device().ok_or(DeviceError::NoDevice)?,
        Some(wanted) => find(&host, wanted)?,
    };
    let device_label = device_name(&device);
    let config_error = |message: String| DeviceError::Config {
        device: device_label.clone(),
        message,
    };
    let ranges: Vec<_> = device
        .supported_output_configs()
        .map_err(|e| config_error(e.to_string()))?
        .collect();
    let rank_format = |f: SampleFormat| match f {
        SampleFormat::F32 => 0,
        SampleFormat::I32 => 1,
        SampleFormat::I24 => 2,
        SampleFormat::I16 => 3,
        _ => 9,
    };
    let usable = |r: &&cpal::SupportedStreamConfigRange| rank_format(r.sample_format()) < 9;
    let best = ranges
        .iter()
        .filter(usable)
        .filter(|r| r.min_sample_rate() <= preferred_rate && preferred_rate <= r.max_sample_rate())
        .min_by_key(|r| (r.channels() != 2, rank_format(r.sample_format())))
        .map(|r| r.with_sample_rate(preferred_rate));
    let chosen = match best {
        Some(c) => c,
        None => {
            let default = device
                .default_output_config()
                .map_err(|e| config_error(e.to_string()))?;
            if rank_format(default.sample_format()) < 9 {
                default
            } else {
                ranges
                    .iter()
                    .filter(usable)
                    .min_by_key(|r| (r.channels() != 2, rank_format(r.sample_format())))
                    .map(|r| r.with_max_sample_rate())
                    .ok_or_else(|| config_error("no supported sample format".into()))?
            }
        }
    };
    let format = chosen.sample_format();
    let mut notes = Vec::new();
    let rate = chosen.sample_rate();
    // PipeWire plays a client's buffer one graph cycle after the callback that filled it
    // (cpal's PipeWire stream runs on its own loop, not in the cycle), so half the buffer
    // there gives the listener about the latency the default gives elsewhere.
    let default = match hosts::host_name(id).as_str() {
        "pipewire" => (default_buffer_frames(rate) / 2).max(64),
        _ => default_buffer_frames(rate),
    };
    let wanted = buffer.unwrap_or(default);
    let frames = match chosen.buffer_size() {
        SupportedBufferSize::Range { min, max } => {
            let frames = wanted.clamp(*min, (*max).max(*min));
            if frames != wanted && buffer.is_some() {
                notes.push(format!(
                    "--buffer {wanted}: {} takes {} frames, using {frames}",
                    device_label,
                    if min == max {
                        min.to_string()
                    } else {
                        format!("{min}-{max}")
                    }
                ));
            }
            frames
        }
        SupportedBufferSize::Unknown => wanted,
    };
    let mut config: StreamConfig = chosen.config();
    config.buffer_size = BufferSize::Fixed(frames);
    let host_name = hosts::host_name(id);
    let device_id = device.id().map(|i| i.to_string()).unwrap_or_default();
    // ALSA's `null` PCM never waits for a device: its thread spins, and is never promoted.
    // Any other output found to run faster than real time is demoted again (see
    // `Running::demote`).
    let promote = match host_name.as_str() {
        "pipewire" | "pulseaudio" => true,
        "alsa" => !device_id.contains("null"),
        _ => false,
    };
    Ok(OpenDevice {
        device,
        host: host_name,
        name: device_label,
        config,
        format,
        notes,
        jack_target: name.filter(|_| jack).map(str::to_string),
        promote,
    })
}

fn find(host: &cpal::Host, wanted: &str) -> Result<cpal::Device, DeviceError> {
    let devices: Vec<cpal::Device> = host
        .output_devices()
        .map_err(|_| DeviceError::NoDevice)?
        .collect();
    if let Ok(index) = wanted.parse::<usize>() {
        return devices
            .into_iter()
            .nth(index)
            .ok_or_else(|| DeviceError::NotFound(wanted.to_string()));
    }
    let lower = wanted.to_lowercase();
    let exact = devices.iter().position(|d| {
        device_name(d).to_lowercase() == lower
            || d.id().is_ok_and(|i| i.to_string().to_lowercase() == lower)
    });
    let partial = || {
        devices.iter().position(|d| {
            device_name(d).to_lowercase().contains(&lower)
                || d.id()
                    .is_ok_and(|i| i.to_string().to_lowercase().contains(&lower))
        })
    };
    exact
        .or_else(partial)
        .and_then(|i| devices.into_iter().nth(i))
        .ok_or_else(|| DeviceError::NotFound(wanted.to_string()))
}

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
    fn default_buffer_is_about_ten_milliseconds() {
        assert_eq!(default_buffer_frames(44_100), 512);
        assert_eq!(default_buffer_frames(48_000), 512);
        assert_eq!(default_buffer_frames(96_000), 1024);
        assert_eq!(default_buffer_frames(192_000), 2048);
    }

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
