//! `iemlab devices`: the audio outputs this machine has, host by host.

use std::process::ExitCode;

use serde::Serialize;

use crate::engine::device::{self, DeviceReport};

/// One output in `iemlab devices --json`.
#[derive(Serialize)]
struct DeviceJson<'a> {
    /// Host (`pipewire`, `pulseaudio`, `jack`, `alsa`).
    host: &'a str,
    /// Whether sessions play through this host when `--host` is not given.
    default_host: bool,
    /// What `--device N` takes (with `--host HOST` unless `default_host`).
    index: usize,
    /// What `--device NAME` matches.
    name: &'a str,
    /// The host's own id of the device.
    id: &'a str,
    /// Whether this is the host's default output.
    is_default: bool,
    /// Channels and rates, sample formats, buffer range: one line each.
    configs: &'a [String],
}

impl<'a> From<&'a DeviceReport> for DeviceJson<'a> {
    fn from(d: &'a DeviceReport) -> Self {
        DeviceJson {
            host: &d.host,
            default_host: d.default_host,
            index: d.index,
            name: &d.name,
            id: &d.id,
            is_default: d.is_default,
            configs: &d.configs,
        }
    }
}

pub(super) fn run(all: bool, json: bool) -> anyhow::Result<ExitCode> {
    let devices = device::list(all);
    if json {
        let list: Vec<DeviceJson> = devices.iter().map(DeviceJson::from).collect();
        super::output::print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if devices.is_empty() {
        println!(
            "No audio output devices found. iemlab can still play to `--device null` \
             (discard, for timing and tests) or `--device wav:OUT.wav` (record what it would play)."
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut host = "";
    for d in &devices {
        if d.host != host {
            host = &d.host;
            let default = if d.default_host {
                "  (used when --host is not given)"
            } else {
                ""
            };
            println!("{host}:{default}");
        }
        println!(
            "  {:>2}. {}{}",
            d.index,
            d.name,
            if d.is_default { "  (default)" } else { "" }
        );
        if d.id != d.name && !d.id.is_empty() {
            println!("      id: {}", d.id);
        }
        if d.configs.is_empty() {
            println!("      no configurations reported");
        }
        for c in &d.configs {
            println!("      {c}");
        }
    }
    #[cfg(target_os = "linux")]
    if devices.iter().any(|d| d.host == "jack") {
        let targets = crate::engine::jack_route::targets();
        if !targets.is_empty() {
            println!("jack clients that take audio (--host jack --device NAME):");
            for (name, ports) in targets {
                println!("      {name}: {}", ports.join(", "));
            }
        }
    }
    println!(
        "\nPlay to one with `--device N` (index) or `--device NAME` (name or part of it), \
         on another host with `--host NAME`."
    );
    if !all {
        println!("`iemlab devices --all` also lists outputs that report no configuration.");
    }
    Ok(ExitCode::SUCCESS)
}
