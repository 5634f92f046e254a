//! `iemlab devices`: the audio outputs this machine has, host by host.

use std::process::ExitCode;

use crate::engine::device;

pub(super) fn run(all: bool) -> anyhow::Result<ExitCode> {
    let devices = device::list(all);
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
