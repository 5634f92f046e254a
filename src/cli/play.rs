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
    let profile = listen::read_profile(args.eq.as_deref())?;
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
