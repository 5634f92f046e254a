//! The sound card through cpal: choosing an output by host, name or index and negotiating
//! rate, sample format and buffer size. Listing outputs is in [`super::outputs`], playing
//! on one in [`super::playing`] (both re-exported here).

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::{BufferSize, SampleFormat, StreamConfig, SupportedBufferSize};

pub use super::device_error::DeviceError;
use super::hosts;
use super::outputs::device_name;
pub use super::outputs::{DeviceReport, has_default_output, list};
pub use super::playing::{Playing, play};

/// The device buffer a session asks for when `--buffer` is not given: about 10 ms (512
/// frames at 44.1 and 48 kHz, 1024 at 88.2 and 96 kHz), short enough that a switch is heard
/// at once, long enough that a busy desktop does not glitch. `BufferSize::Default` can mean
/// hundreds of milliseconds on ALSA hardware, so iemlab never leaves it to the device.
pub fn default_buffer_frames(rate: u32) -> u32 {
    (rate / 100).max(16).next_power_of_two()
}

/// A device and the stream configuration chosen for it.
pub struct OpenDevice {
    pub(super) device: cpal::Device,
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
    pub(super) jack_target: Option<String>,
    /// Whether iemlab may give the callback thread real-time priority itself, when the
    /// host did not: a thread that waits on the device between buffers (a sound server's
    /// client, an ALSA PCM), never one that spins (ALSA's `null` PCM takes audio as fast as
    /// it comes, and would starve the machine) nor JACK's (the server decides).
    pub(super) promote: bool,
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
        super::jack_route::resolve(target).map_err(|e| DeviceError::JackTarget(e.to_string()))?;
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
}
