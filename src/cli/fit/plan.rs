//! What a fit is asked to do: `iemlab fit`'s arguments and the plan made from them, and how
//! a fit made under a plan is described.

use std::path::PathBuf;

use crate::cli::plot::CurveArgs;
use crate::dsp::Channel;
use crate::fit::{CorrectionOptions, Fitted};
use crate::fr::FrCurve;
use crate::preset::{DeviceSpec, EqShape, device};

/// Arguments of `iemlab fit`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct FitArgs {
    /// Measured FR of your IEM (AutoEQ CSV, squig.link .txt or REW export). Give it twice
    /// (left and right) to fit their average; give a folder to fit every file in it.
    #[arg(long, value_name = "FILE|DIR", required_unless_present = "iem")]
    pub(super) fr: Vec<PathBuf>,
    /// Your IEM by name in the --db database ("Crimson", "Symphonium Crimson"): both
    /// channels' measurements, averaged (or each fitted with --per-channel).
    #[arg(long, value_name = "NAME", conflicts_with = "fr")]
    pub(super) iem: Option<String>,
    #[command(flatten)]
    pub(super) db: crate::cli::db::DbArgs,
    /// Target: a built-in id (harman-ie-2019, harman-ie-2019-no-bass, harman-ie-2016,
    /// diffuse-field, free-field, ief-iem, iegems), any FR file, or a target of the --db
    /// database by name.
    #[arg(
        long,
        value_name = "ID|FILE",
        default_value = "harman-ie-2019",
        conflicts_with = "simulate"
    )]
    pub(super) target: String,
    /// Sound like another IEM: fit its FR minus yours instead of a target (repeat for L/R),
    /// or its name in the --db database (both channels).
    #[arg(long, value_name = "OTHER_FR")]
    pub(super) simulate: Vec<PathBuf>,
    /// Number of parametric bands (a low shelf, peaking bands and a high shelf).
    #[arg(long, value_name = "N", conflicts_with = "graphic",
          value_parser = clap::value_parser!(u16).range(1..=32))]
    pub(super) peq: Option<u16>,
    /// With --fr LEFT --fr RIGHT: fit each channel to the target (so they also match each
    /// other), a per-channel profile; prints the L−R imbalance before and after.
    #[arg(long)]
    pub(super) per_channel: bool,
    /// Fit the ISO 10-band graphic EQ instead (gains solved jointly).
    #[arg(long)]
    pub(super) graphic: bool,
    /// Largest boost the EQ may apply (dB).
    #[arg(long, value_name = "DB", default_value_t = crate::fit::correction::DEFAULT_MAX_GAIN_DB)]
    pub(super) max_gain: f64,
    /// Playback sample rate the filters are designed for (Hz).
    #[arg(long, value_name = "HZ", default_value_t = 48_000,
          value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    pub(super) fs: u32,
    /// Fit exactly what this device or app holds.
    #[arg(long, value_name = "ID", value_enum, ignore_case = true)]
    pub(super) device: Option<DeviceSpec>,
    #[command(flatten)]
    pub(super) curves: CurveArgs,
    /// Profile name (default: from the measurement and target).
    #[arg(long)]
    pub(super) name: Option<String>,
    /// Output profile (.toml; `-` prints it), or a folder when --fr is a folder.
    #[arg(short, long, value_name = "OUT.toml|DIR")]
    pub(super) output: PathBuf,
    /// Also draw the fit next to the profile (same name, .png).
    #[arg(long)]
    pub(super) plot: bool,
    /// Overwrite existing outputs.
    #[arg(long)]
    pub(super) force: bool,
    /// Print what was fitted as JSON: one object per profile (one per line for a folder).
    #[arg(long)]
    pub(super) json: bool,
}

/// `--device` takes the ids of [`device::DEVICES`], so `--help` and completions list them.
impl clap::ValueEnum for DeviceSpec {
    fn value_variants<'a>() -> &'a [Self] {
        device::DEVICES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.id).help(self.name))
    }
}

/// Everything about a fit except which measurement it is for.
pub(super) struct Plan<'a> {
    pub(super) args: &'a FitArgs,
    pub(super) device: Option<&'static DeviceSpec>,
    pub(super) reference: FrCurve,
    pub(super) opts: CorrectionOptions,
    pub(super) simulate: bool,
}

/// How a fit was made, for the profile's description and the summary line.
pub(super) fn describe(plan: &Plan<'_>, fitted: &Fitted) -> String {
    let profile = &fitted.profile;
    let shape = match &profile.shape {
        _ if profile.is_per_channel() => format!(
            "per channel: {} and {} parametric bands (left, right)",
            profile.channel_bands(Channel::Left).len(),
            profile.channel_bands(Channel::Right).len()
        ),
        EqShape::Graphic(_) => "10-band graphic EQ".to_string(),
        EqShape::Parametric(b) => format!("{} parametric bands", b.len()),
    };
    let device = plan
        .device
        .map(|d| format!(" for {}", d.name))
        .unwrap_or_default();
    let aim = if plan.simulate { "as" } else { "to" };
    format!(
        "{shape}{device}, fitted {aim} {} by iemlab at {} Hz, {}, max boost {} dB",
        plan.reference.name, plan.args.fs, plan.opts.smoothing, plan.opts.max_gain_db
    )
}
