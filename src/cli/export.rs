//! `iemlab export`: writes a profile as a player's or app's preset file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::builder::PossibleValue;
use serde::Serialize;

use super::exit::UsageError;
use super::output::{is_stdout, write_stdout};
use crate::atomic_file::save;
use crate::preset::export::{self, Chosen, DEFAULT_TOLERANCE_DB, EXPORT_RATE, FORMATS, Format};
use crate::preset::{DeviceSpec, EqProfile, Layout, Range};

/// `--format` takes the ids of [`FORMATS`], so `--help` and completions list them.
impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        FORMATS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.id).help(self.usage))
    }
}

/// Which EQ of a per-channel profile `--channel` exports.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum ChannelChoice {
    /// The left channel's.
    Left,
    /// The right channel's.
    Right,
    /// One EQ fitted to the mean of the two channels' responses.
    Mean,
}

/// Arguments of `iemlab export`.
#[derive(clap::Args, Debug)]
pub(crate) struct ExportArgs {
    /// EQ profile to export (.toml).
    #[arg(required_unless_present = "list", value_name = "PROFILE.toml")]
    profile: Option<PathBuf>,
    /// Format to write (see --list).
    #[arg(
        long,
        value_name = "FMT",
        required_unless_present = "list",
        value_enum,
        ignore_case = true
    )]
    format: Option<Format>,
    /// File to write (default, or `-`: print to stdout).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
    /// Largest deviation (dB) from the profile's response to accept when the format cannot
    /// hold the profile exactly.
    #[arg(long, value_name = "DB", default_value_t = DEFAULT_TOLERANCE_DB)]
    tolerance: f64,
    /// For a per-channel profile and a format with one EQ for both channels: export the
    /// left or right channel's EQ, or one EQ fitted to the mean of the two.
    #[arg(long, value_enum, value_name = "WHICH")]
    channel: Option<ChannelChoice>,
    /// List the formats and their limits.
    #[arg(long)]
    list: bool,
    /// With --list: print the list as one JSON array.
    #[arg(long, requires = "list")]
    json: bool,
}

pub(super) fn run(args: ExportArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        if args.json {
            super::output::print_json(&list_json())?;
        } else {
            print_list();
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(path), Some(format)) = (&args.profile, &args.format) else {
        return Err(UsageError("give a profile and --format (or --list)".into()).into());
    };
    if args.tolerance.is_nan() || args.tolerance < 0.0 {
        return Err(UsageError(format!(
            "--tolerance {} must be 0 dB or more",
            args.tolerance
        ))
        .into());
    }
    let profile = EqProfile::load(path)?;
    profile.check_rate(EXPORT_RATE)?;
    let profile = match args.channel {
        None => profile,
        Some(choice) => {
            let choice = match choice {
                ChannelChoice::Left => export::ChannelChoice::Left,
                ChannelChoice::Right => export::ChannelChoice::Right,
                ChannelChoice::Mean => export::ChannelChoice::Mean,
            };
            let (chosen, how) = export::choose_channel(profile, choice, format)?;
            match how {
                Chosen::SameOnBoth => log::info!(
                    "note: '{}' runs the same EQ on both channels; --channel changes nothing",
                    chosen.name
                ),
                Chosen::Channel => {}
                Chosen::Mean(worst) => log::info!(
                    "note: one EQ for both channels, fitted to the mean of left and right within {worst:.2} dB"
                ),
            }
            chosen
        }
    };
    let exported = export::export(&profile, format, args.tolerance)?;
    for note in &exported.notes {
        log::info!("note: {note}");
    }
    let deviation = if exported.deviation_db == 0.0 {
        "held exactly (0.00 dB deviation)".to_string()
    } else {
        format!(
            "worst deviation {:.2} dB at {:.0} Hz",
            exported.deviation_db, exported.worst_hz
        )
    };
    log::info!(
        "{} → {}: {deviation} (tolerance {} dB)",
        path.display(),
        format.id,
        args.tolerance
    );
    match &args.output {
        None => write_stdout(exported.text.as_bytes())?,
        Some(dest) if is_stdout(dest) => write_stdout(exported.text.as_bytes())?,
        Some(dest) => {
            save(dest, exported.text.as_bytes(), args.force)
                .with_context(|| format!("exporting {}", path.display()))?;
            log::info!("wrote {} ({})", dest.display(), format.usage);
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

/// One format in `export --list --json`.
#[derive(Serialize)]
struct FormatJson {
    /// `--format` id.
    format: &'static str,
    /// Usual file name ending, without the dot.
    extension: &'static str,
    /// Product or format name.
    name: &'static str,
    /// What it holds, in words: "10 filters (peaking/low_shelf/high_shelf)".
    holds: String,
    /// `parametric`, `graphic` or `curve`.
    layout: &'static str,
    /// Filters, fixed bands or curve nodes.
    bands: usize,
    /// Filter types a parametric format takes (every slot's, in order of first appearance).
    filter_types: Vec<&'static str>,
    /// Whether each parametric slot takes only its own types (low shelf first, …).
    fixed_slots: bool,
    /// Ranges and steps of the values it stores.
    limits: LimitsJson,
    /// What the user does with the file.
    usage: &'static str,
}

/// The value ranges of a format.
#[derive(Serialize)]
struct LimitsJson {
    freq_hz: RangeJson,
    gain_db: RangeJson,
    q: RangeJson,
    preamp_db: RangeJson,
}

/// Smallest and largest value and the step (null: continuous).
#[derive(Serialize)]
struct RangeJson {
    min: f64,
    max: f64,
    step: Option<f64>,
}

impl From<Range> for RangeJson {
    fn from(r: Range) -> Self {
        RangeJson {
            min: r.min,
            max: r.max,
            step: r.step,
        }
    }
}

fn list_json() -> Vec<FormatJson> {
    FORMATS
        .iter()
        .map(|f| {
            let d: &DeviceSpec = f.device();
            let described = export::describe(d);
            let (layout, bands, filter_types, fixed_slots) = match d.layout {
                Layout::Parametric { slots } => {
                    let mut kinds: Vec<&'static str> = Vec::new();
                    for kind in slots.iter().flat_map(|s| s.iter()) {
                        if !kinds.contains(&kind.name()) {
                            kinds.push(kind.name());
                        }
                    }
                    let fixed = slots.windows(2).any(|w| w.first() != w.get(1));
                    ("parametric", slots.len(), kinds, fixed)
                }
                Layout::Graphic { freqs_hz, .. } => {
                    ("graphic", freqs_hz.len(), vec!["peaking"], true)
                }
                Layout::Curve { freqs_hz } => ("curve", freqs_hz.len(), Vec::new(), true),
            };
            FormatJson {
                format: f.id,
                extension: f.extension,
                name: d.name,
                holds: described
                    .split_once("; ")
                    .map_or(described.as_str(), |(holds, _)| holds)
                    .to_string(),
                layout,
                bands,
                filter_types,
                fixed_slots,
                limits: LimitsJson {
                    freq_hz: d.freq_hz.into(),
                    gain_db: d.gain_db.into(),
                    q: d.q.into(),
                    preamp_db: d.preamp_db.into(),
                },
                usage: f.usage,
            }
        })
        .collect()
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
