//! The outputs this machine has, host by host, as `iemlab devices` lists them.

use cpal::SupportedBufferSize;
use cpal::traits::{DeviceTrait, HostTrait};

use super::hosts;

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

pub(super) fn device_name(device: &cpal::Device) -> String {
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
