//! `iemlab play`: plays a playlist (or files) through the real-time engine, with keys on a
//! terminal and one line per event otherwise.

use std::process::ExitCode;

use super::args::PlayArgs;
use super::listen::{self, Plan};
use crate::session::Setup;

pub(super) fn run(args: PlayArgs) -> anyhow::Result<ExitCode> {
    let resolved = listen::resolve(&args.inputs, &args.session.library)?;
    if args.list {
        for line in resolved.resolution_lines() {
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    // With --iem MINE, --eq NAME is another IEM's sound on mine, fitted now.
    let profile = match args.eq.as_deref() {
        Some(spec) => match args.sim.simulate(&args.sim.slots(&[spec]))?.pop().flatten() {
            Some((profile, line)) => {
                log::info!("{line}");
                Some(profile)
            }
            None => listen::read_profile(Some(spec))?,
        },
        None => None,
    };
    let name = profile.as_ref().map_or("flat".into(), |p| p.name.clone());
    let setup = Setup::play(0, &name, resolved.len());
    listen::run(
        Plan {
            resolved,
            profiles: vec![profile],
            setup,
            headline: String::new(),
            intro: Vec::new(),
            notes: args.notes.clone().unwrap_or_else(crate::paths::notes_file),
            abx_log: None,
        },
        &args.session,
    )
}
