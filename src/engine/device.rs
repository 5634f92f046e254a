//! The sound card through cpal: listing devices, choosing one by name or index, negotiating
//! rate, sample format and buffer size, and running the [`Callback`] in cpal's output
//! callback.

use std::sync::mpsc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{BufferSize, FromSample, SampleFormat, SizedSample, StreamConfig, SupportedBufferSize};

use super::callback::Callback;
use super::output::StreamFault;

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
    /// Host (ALSA, JACK, …).
    pub host: String,
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

/// Whether the default host's default output is a device it actually lists (on a machine
/// without a sound card ALSA names a "default" that cannot be opened).
pub fn has_default_output() -> bool {
    let host = cpal::default_host();
    let Some(id) = host.default_output_device().and_then(|d| d.id().ok()) else {
        return false;
    };
    host.output_devices()
        .map(|mut devices| devices.any(|d| d.id().ok().as_ref() == Some(&id)))
        .unwrap_or(false)
}

/// Every output device of every available host.
pub fn list() -> Vec<DeviceReport> {
    let mut out = Vec::new();
    for host_id in cpal::available_hosts() {
        let Ok(host) = cpal::host_from_id(host_id) else {
            continue;
        };
        let default_id = host.default_output_device().and_then(|d| d.id().ok());
        let Ok(devices) = host.output_devices() else {
            continue;
        };
        for (index, device) in devices.enumerate() {
            let id = device.id().ok();
            let configs = device
                .supported_output_configs()
                .map(|c| summarise(&c.collect::<Vec<_>>()))
                .unwrap_or_default();
            out.push(DeviceReport {
                host: host_id.name().to_string(),
                index,
                name: device_name(&device),
                id: id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
                is_default: id.is_some() && id == default_id,
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
    let min_ch = ranges.iter().map(|r| r.channels()).min().unwrap_or(0);
    let max_ch = ranges.iter().map(|r| r.channels()).max().unwrap_or(0);
    let min_rate = ranges
        .iter()
        .map(|r| r.min_sample_rate())
        .min()
        .unwrap_or(0);
    let max_rate = ranges
        .iter()
        .map(|r| r.max_sample_rate())
        .max()
        .unwrap_or(0);
    let mut formats: Vec<String> = Vec::new();
    for r in ranges {
        let f = r.sample_format().to_string();
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let buffers = ranges
        .iter()
        .filter_map(|r| match r.buffer_size() {
            SupportedBufferSize::Range { min, max } => Some((*min, *max)),
            SupportedBufferSize::Unknown => None,
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let span = |a: u32, b: u32, unit: &str| {
        if a == b {
            format!("{a}{unit}")
        } else {
            format!("{a}-{b}{unit}")
        }
    };
    vec![
        format!(
            "channels {}, rates {}",
            span(u32::from(min_ch), u32::from(max_ch), ""),
            span(min_rate, max_rate, " Hz")
        ),
        format!("formats {}", formats.join(", ")),
        match buffers {
            Some((a, b)) => format!("buffer {}", span(a, b, " frames")),
            None => "buffer size not reported".into(),
        },
    ]
}

/// A device and the stream configuration chosen for it.
pub struct OpenDevice {
    device: cpal::Device,
    /// Device name.
    pub name: String,
    /// Chosen configuration.
    pub config: StreamConfig,
    /// Chosen sample format.
    pub format: SampleFormat,
}

/// Finds the output device `name` (a name, part of one, an id, or an index from
/// `iemlab devices`; None = default) and picks a configuration: the rate `preferred_rate`
/// when the device supports it (else its default rate, and playback resamples), stereo when
/// possible, the best sample format, and `buffer` frames when given and supported.
pub fn open(
    name: Option<&str>,
    preferred_rate: u32,
    buffer: Option<u32>,
) -> Result<OpenDevice, DeviceError> {
    let host = cpal::default_host();
    let device = match name {
        None => host.default_output_device().ok_or(DeviceError::NoDevice)?,
        Some(wanted) => find(&host, wanted)?,
    };
    let name = device_name(&device);
    let config_error = |message: String| DeviceError::Config {
        device: name.clone(),
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
    let buffer_size = match (buffer, chosen.buffer_size()) {
        (Some(n), SupportedBufferSize::Range { min, max }) if (*min..=*max).contains(&n) => {
            BufferSize::Fixed(n)
        }
        (Some(n), SupportedBufferSize::Unknown) => BufferSize::Fixed(n),
        (Some(n), SupportedBufferSize::Range { min, max }) => {
            BufferSize::Fixed(n.clamp(*min, *max))
        }
        (None, _) => BufferSize::Default,
    };
    let mut config: StreamConfig = chosen.config();
    config.buffer_size = buffer_size;
    Ok(OpenDevice {
        device,
        name,
        config,
        format,
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
}

impl Playing {
    /// Stops the stream and returns the callback it was running.
    pub fn stop(self) -> Option<Callback> {
        drop(self.stream);
        self.returned
            .recv_timeout(std::time::Duration::from_secs(2))
            .ok()
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

/// Starts `callback` on the device.
pub fn play(open: OpenDevice, callback: Callback) -> Result<Playing, DeviceError> {
    let (tx, errors) = mpsc::channel();
    let (back_tx, returned) = mpsc::channel();
    let callback = HandBack {
        callback: Some(callback),
        to: back_tx,
    };
    let channels = usize::from(open.config.channels).max(1);
    let name = open.name.clone();
    let stream = match open.format {
        SampleFormat::F32 => build::<f32>(&open, callback, channels, tx),
        SampleFormat::I32 => build::<i32>(&open, callback, channels, tx),
        SampleFormat::I24 => build::<cpal::I24>(&open, callback, channels, tx),
        SampleFormat::I16 => build::<i16>(&open, callback, channels, tx),
        other => {
            return Err(DeviceError::Config {
                device: name,
                message: format!("unsupported sample format {other}"),
            });
        }
    }
    .map_err(|e| DeviceError::Config {
        device: name.clone(),
        message: e.to_string(),
    })?;
    stream.play().map_err(|e| DeviceError::Config {
        device: name,
        message: e.to_string(),
    })?;
    Ok(Playing {
        stream,
        errors,
        returned,
    })
}

fn build<T>(
    open: &OpenDevice,
    mut callback: HandBack,
    channels: usize,
    errors: mpsc::Sender<StreamFault>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    let mut scratch = vec![0.0f32; SCRATCH_FRAMES * 2];
    open.device.build_output_stream(
        open.config,
        move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
            let Some(callback) = callback.callback.as_mut() else {
                return;
            };
            for block in data.chunks_mut(SCRATCH_FRAMES * channels) {
                let frames = block.len() / channels;
                let stereo = &mut scratch[..frames * 2];
                callback.process(stereo);
                write_frames(block, stereo, channels);
            }
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
