//! `iemlab export`: writes a profile as a player's or app's preset file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::UsageError;
use crate::atomic_file::save;
use crate::preset::EqProfile;
use crate::preset::export::{self, DEFAULT_TOLERANCE_DB, EXPORT_RATE, FORMATS};

/// Arguments of `iemlab export`.
#[derive(clap::Args, Debug)]
pub(crate) struct ExportArgs {
    /// EQ profile to export (.toml).
    #[arg(required_unless_present = "list", value_name = "PROFILE.toml")]
    profile: Option<PathBuf>,
    /// Format to write (see --list).
    #[arg(long, value_name = "FMT", required_unless_present = "list")]
    format: Option<String>,
    /// File to write (default: print to stdout).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
    /// Largest deviation (dB) from the profile's response to accept when the format cannot
    /// hold the profile exactly.
    #[arg(long, value_name = "DB", default_value_t = DEFAULT_TOLERANCE_DB)]
    tolerance: f64,
    /// List the formats and their limits.
    #[arg(long)]
    list: bool,
}

pub(super) fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        print_list();
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(path), Some(id)) = (&args.profile, &args.format) else {
        return Err(UsageError("give a profile and --format (or --list)".into()).into());
    };
    if args.tolerance.is_nan() || args.tolerance < 0.0 {
        return Err(UsageError(format!(
            "--tolerance {} must be 0 dB or more",
            args.tolerance
        ))
        .into());
    }
    let format = export::find(id).ok_or_else(|| export::ExportError::UnknownFormat(id.clone()))?;
    let profile = EqProfile::load(path)?;
    profile.check_rate(EXPORT_RATE)?;
    let exported = export::export(&profile, format, args.tolerance)?;
    for note in &exported.notes {
        eprintln!("note: {note}");
    }
    let deviation = if exported.deviation_db == 0.0 {
        "held exactly (0.00 dB deviation)".to_string()
    } else {
        format!(
            "worst deviation {:.2} dB at {:.0} Hz",
            exported.deviation_db, exported.worst_hz
        )
    };
    eprintln!(
        "{} → {}: {deviation} (tolerance {} dB)",
        path.display(),
        format.id,
        args.tolerance
    );
    match &args.output {
        None => print!("{}", exported.text),
        Some(dest) => {
            save(dest, exported.text.as_bytes(), args.force)
                .with_context(|| format!("exporting {}", path.display()))?;
            eprintln!("wrote {} ({})", dest.display(), format.usage);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_list() {
    println!("{:<12} {:<5} limits / how to use", "FORMAT", "FILE");
    for f in FORMATS {
        let device = f.device();
        println!("{:<12} .{:<4} {}", f.id, f.extension, device.name);
        println!("{:<18} {}", "", export::describe(device));
        println!("{:<18} {}", "", f.usage);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic_file::testing::{FailAfter, names};
    use crate::atomic_file::{SaveError, create, save_via};

    #[test]
    fn an_export_cut_short_by_a_full_disk_leaves_the_old_preset() {
        let profile = EqProfile::parse(
            include_str!("../../presets/eq/bass-boost.toml"),
            std::path::Path::new("bass-boost.toml"),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("preset.txt");
        std::fs::write(&dest, "old preset").unwrap();
        for id in ["apo", "rockbox"] {
            let format = export::find(id).unwrap();
            let text = export::export(&profile, format, DEFAULT_TOLERANCE_DB)
                .unwrap()
                .text;
            for n in [0, text.len() / 2, text.len() - 1] {
                let (file, pending) = create(&dest, true).unwrap();
                let err = save_via(FailAfter::new(file, n), pending, text.as_bytes()).unwrap_err();
                assert!(matches!(err, SaveError::Io { .. }), "{id} after {n}: {err}");
                assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old preset");
                assert_eq!(names(dir.path()), ["preset.txt"]);
            }
        }
    }
}
