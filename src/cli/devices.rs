//! `iemlab devices`: the audio outputs this machine has.

use std::process::ExitCode;

use crate::engine::device;

pub(super) fn run() -> anyhow::Result<ExitCode> {
    let devices = device::list();
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
            println!("{host}:");
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
    println!("\nPlay to one with `--device N` (index) or `--device NAME` (name or part of it).");
    Ok(ExitCode::SUCCESS)
}
