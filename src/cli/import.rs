//! `iemlab import`: turns an Equalizer APO, AutoEQ or CamillaDSP preset into a profile.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::output::{is_stdout, write_stdout};
use crate::atomic_file::save;
use crate::dsp::Channel;
use crate::preset::import::{import_file, profile_toml};

/// Arguments of `iemlab import`.
#[derive(clap::Args, Debug)]
pub(crate) struct ImportArgs {
    /// Preset to read: Equalizer APO / Peace text (with its Channel sections and the files it
    /// includes), AutoEQ ParametricEQ.txt, FixedBandEQ.txt or GraphicEQ.txt, or a CamillaDSP
    /// config.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Profile to write, e.g. NAME.toml (default, or `-`: print to stdout).
    #[arg(short, long, value_name = "NAME.toml")]
    output: Option<PathBuf>,
    /// Overwrite the profile if it exists.
    #[arg(long)]
    force: bool,
}

pub(super) fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let imported = import_file(&args.file)?;
    // A file of garbage lines has a note per line; the first few say what happened.
    const SHOWN_NOTES: usize = 20;
    for note in imported.notes.iter().take(SHOWN_NOTES) {
        log::info!("note: {note}");
    }
    if imported.notes.len() > SHOWN_NOTES {
        log::info!(
            "note: ... and {} more notes",
            imported.notes.len() - SHOWN_NOTES
        );
    }
    let profile = &imported.profile;
    let bands = |n: usize| format!("{n} band{}", if n == 1 { "" } else { "s" });
    if profile.is_per_channel() {
        let channel = |c: Channel| {
            format!(
                "{} {}, preamp {} dB",
                c.name(),
                bands(profile.channel_bands(c).len()),
                profile.channel_preamp_db(c)
            )
        };
        log::info!(
            "{}: read as {}, per channel: {}; {}",
            args.file.display(),
            imported.format,
            channel(Channel::Left),
            channel(Channel::Right)
        );
    } else {
        log::info!(
            "{}: read as {}, {}, preamp {} dB",
            args.file.display(),
            imported.format,
            bands(profile.bands().len()),
            profile.preamp_db
        );
    }
    let text = profile_toml(profile, &args.file, imported.format);
    match &args.output {
        None => write_stdout(text.as_bytes())?,
        Some(dest) if is_stdout(dest) => write_stdout(text.as_bytes())?,
        Some(dest) => {
            save(dest, text.as_bytes(), args.force)
                .with_context(|| format!("importing {}", args.file.display()))?;
            log::info!("wrote {}", dest.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
