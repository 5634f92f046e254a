//! `iemlab plot`: measured FR, target, EQ response and equalised result in one picture; also
//! the picture `iemlab fit --plot` writes next to a profile.

use std::path::PathBuf;
use std::process::ExitCode;

use super::output::{is_stdout, via_temp_file};
use crate::dsp::Channel;
use crate::fit::channels::prepare_pair;
use crate::fit::correction::{CorrectionOptions, prepare};
use crate::fr::plot::{FitPlot, draw};
use crate::fr::{FrCurve, LogGrid, TargetAdjust, target};
use crate::preset::EqProfile;

/// Arguments of `iemlab plot`.
#[derive(clap::Args, Debug)]
pub(super) struct PlotArgs {
    /// Measured FR (repeat for left and right to draw their average).
    #[arg(long, value_name = "FILE", required_unless_present = "iem")]
    fr: Vec<PathBuf>,
    /// Compare IEMs of the --db database by name (repeat for each): each drawn left and right
    /// in two shades of its own colour, levelled at 500 Hz unless --normalize says otherwise.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["fr", "eq"])]
    iem: Vec<String>,
    #[command(flatten)]
    db: super::db::DbArgs,
    /// With --iem: the compensated view, every curve minus this one: an IEM of the database
    /// (the mean of its channels) or `target`.
    #[arg(long, value_name = "NAME|target", requires = "iem")]
    baseline: Option<String>,
    /// Target to draw: a built-in id or an FR file.
    #[arg(long, value_name = "ID|FILE")]
    target: Option<String>,
    /// EQ profile whose response and result to draw.
    #[arg(long, value_name = "PROFILE.toml")]
    eq: Option<String>,
    #[command(flatten)]
    curves: CurveArgs,
    /// Sample rate the EQ runs at (its response near Nyquist depends on it).
    #[arg(long, value_name = "HZ", default_value_t = 48_000,
          value_parser = clap::value_parser!(u32).range(8000..=768_000))]
    fs: u32,
    /// Output picture (.svg or .png; `-`: stdout, as --format says).
    #[arg(short, long, value_name = "OUT.svg|png")]
    output: PathBuf,
    /// Picture format for `-o -` (a file's format comes from its name).
    #[arg(long, value_enum)]
    format: Option<PictureFormat>,
    /// Overwrite OUT if it exists.
    #[arg(long)]
    force: bool,
}

/// `plot --format`.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub(super) enum PictureFormat {
    /// Scalable vector graphics (the default for `-o -`).
    Svg,
    /// A 1400×800 bitmap.
    Png,
}

impl PictureFormat {
    fn extension(self) -> &'static str {
        match self {
            PictureFormat::Svg => "svg",
            PictureFormat::Png => "png",
        }
    }
}

/// How measurement and target are prepared: shared by `fit` and `plot`, so a plot shows the
/// curves exactly as the fit saw them.
#[derive(clap::Args, Debug, Clone)]
pub(super) struct CurveArgs {
    /// Tilt added to the target (dB per octave around 1 kHz; negative is darker).
    #[arg(
        long,
        value_name = "DB/OCT",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub tilt: f64,
    /// Bass shelf added to the target (dB at --bass-shelf-hz; negative removes bass).
    #[arg(
        long,
        value_name = "DB",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub bass_shelf: f64,
    /// Frequency of the bass shelf (Hz).
    #[arg(long, value_name = "HZ", default_value_t = crate::fr::target::BASS_SHELF_HZ)]
    pub bass_shelf_hz: f64,
    /// Q of the bass shelf.
    #[arg(long, value_name = "Q", default_value_t = crate::fr::target::BASS_SHELF_Q)]
    pub bass_shelf_q: f64,
    /// Treble shelf added to the target (dB; a high shelf at 2.5 kHz, Q 0.42, as graph
    /// tools apply it).
    #[arg(
        long,
        value_name = "DB",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub treble_shelf: f64,
    /// Ear gain added to the target (dB; a peak at 2.75 kHz, Q 1).
    #[arg(
        long,
        value_name = "DB",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub ear_gain: f64,
    /// Smoothing of measurement and target (any 1/N from 1/1 to 1/96 works too).
    #[arg(long, value_name = "1/N", default_value = "1/12", value_parser = SmoothingParser)]
    pub smooth: crate::fr::Smoothing,
    /// Level curves at this frequency (e.g. 1000) or by their mean over a band (e.g.
    /// 300-3000); default 1000 Hz, or 500 Hz (as squig.link) when comparing IEMs.
    #[arg(long, value_name = "HZ|LO-HI")]
    pub normalize: Option<crate::fr::Normalise>,
}

impl CurveArgs {
    /// `--normalize`, or `default`.
    pub(super) fn normalise_or(&self, default: f64) -> crate::fr::Normalise {
        self.normalize.unwrap_or(crate::fr::Normalise::At(default))
    }

    /// The target adjustments asked for, or a usage error naming a value out of range.
    pub(super) fn adjust(&self) -> Result<TargetAdjust, super::exit::UsageError> {
        let adjust = TargetAdjust {
            tilt_db_per_octave: self.tilt,
            bass_shelf_db: self.bass_shelf,
            bass_shelf_hz: self.bass_shelf_hz,
            bass_shelf_q: self.bass_shelf_q,
            treble_shelf_db: self.treble_shelf,
            ear_gain_db: self.ear_gain,
        };
        adjust.check().map_err(|e| {
            use crate::fr::target::AdjustField;
            let flag = match e.field {
                AdjustField::Tilt => "--tilt",
                AdjustField::BassShelf => "--bass-shelf",
                AdjustField::BassShelfHz => "--bass-shelf-hz",
                AdjustField::BassShelfQ => "--bass-shelf-q",
                AdjustField::TrebleShelf => "--treble-shelf",
                AdjustField::EarGain => "--ear-gain",
            };
            super::exit::UsageError(e.message(flag))
        })?;
        Ok(adjust)
    }
}

/// Reads `--smooth` as [`crate::fr::Smoothing`] does, and lists the usual values for
/// `--help` and completions.
#[derive(Clone)]
struct SmoothingParser;

impl clap::builder::TypedValueParser for SmoothingParser {
    type Value = crate::fr::Smoothing;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        clap::builder::StringValueParser::new()
            .try_map(|s| s.parse::<crate::fr::Smoothing>())
            .parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let usual = [
            ("none", "raw curves"),
            ("1/3", "third-octave"),
            ("1/6", "sixth-octave"),
            ("1/12", "twelfth-octave (the default)"),
            ("1/24", "24th-octave"),
            (
                "psy",
                "psychoacoustic: 1/3 octave in the bass to 1/6 above 1 kHz",
            ),
        ];
        Some(Box::new(usual.into_iter().map(|(value, help)| {
            clap::builder::PossibleValue::new(value).help(help)
        })))
    }
}

/// Prepared curves to draw.
pub(super) struct FrPrep {
    /// The measurement, levelled and smoothed: one curve, or left and right (levelled
    /// together, so their difference shows).
    pub measured: Vec<FrCurve>,
    /// The target or simulated IEM, levelled and smoothed.
    pub reference: Option<FrCurve>,
}

/// The picture of a measurement, its reference and (optionally) an EQ at `rate`. A
/// per-channel profile draws each channel's EQ, and its result on that channel's
/// measurement (or on the one measurement given).
pub(super) fn fit_plot(
    prep: &FrPrep,
    profile: Option<&EqProfile>,
    rate: u32,
    subtitle: String,
) -> FitPlot {
    let Some(first) = prep.measured.first() else {
        return FitPlot {
            title: String::new(),
            subtitle,
            target: prep.reference.clone(),
            measured: Vec::new(),
            eq: Vec::new(),
            result: Vec::new(),
            compare: Vec::new(),
        };
    };
    let freqs = &first.freqs_hz;
    let channels: &[Channel] = match profile {
        Some(p) if p.is_per_channel() => &Channel::BOTH,
        Some(_) => &[Channel::Left],
        None => &[],
    };
    let chain = profile.and_then(|p| Some((p, p.chain(rate).ok()?)));
    let mut eq = Vec::new();
    let mut result = Vec::new();
    if let Some((p, chain)) = &chain {
        for (i, &channel) in channels.iter().enumerate() {
            let db: Vec<f64> = freqs
                .iter()
                .map(|&f| {
                    if f < 0.5 * f64::from(rate) {
                        chain.response_db(channel, f) - p.preamp_db
                    } else {
                        0.0
                    }
                })
                .collect();
            let side = if channels.len() > 1 {
                format!(" ({})", channel.name())
            } else {
                String::new()
            };
            let measured = prep.measured.get(i).unwrap_or(first);
            result.push(FrCurve {
                name: side.trim().trim_matches(['(', ')']).to_string(),
                freqs_hz: freqs.clone(),
                db: measured.db.iter().zip(&db).map(|(m, e)| m + e).collect(),
            });
            eq.push(FrCurve {
                name: format!("{}{side} (preamp {:+.1} dB not shown)", p.name, p.preamp_db),
                freqs_hz: freqs.clone(),
                db,
            });
        }
    }
    let title = match &prep.reference {
        Some(r) => format!("{} vs {}", crate::fr::side_less(&first.name), r.name),
        None => crate::fr::side_less(&first.name),
    };
    FitPlot {
        title,
        subtitle,
        compare: Vec::new(),
        measured: prep.measured.clone(),
        target: prep.reference.clone(),
        eq,
        result,
    }
}

pub(super) fn run(args: PlotArgs) -> anyhow::Result<ExitCode> {
    check_picture_format(&args)?;
    let picture = if args.iem.is_empty() {
        single_plot(&args)?
    } else {
        comparison_plot(&args)?
    };
    if is_stdout(&args.output) {
        let ext = args.format.unwrap_or(PictureFormat::Svg).extension();
        via_temp_file(&format!("plot.{ext}"), |temp| {
            Ok(draw(&picture, temp, true)?)
        })?;
        log::info!("wrote stdout: {}", picture.title);
    } else {
        draw(&picture, &args.output, args.force)?;
        println!("wrote {}: {}", args.output.display(), picture.title);
    }
    Ok(ExitCode::SUCCESS)
}

/// Largest |L − R| (dB, 100 Hz–10 kHz) above which a comparison says the channels differ.
const CHANNELS_DIFFER_DB: f64 = 1.0;

/// `plot --iem A --iem B …`: the IEMs' left and right, the target, levelled together,
/// optionally minus a baseline.
fn comparison_plot(args: &PlotArgs) -> anyhow::Result<FitPlot> {
    let dbs = args
        .db
        .open_for(&format!("--iem {}", args.iem.join(", ")))?;
    let normalise = args.curves.normalise_or(500.0);
    let opts = CorrectionOptions {
        smoothing: args.curves.smooth,
        normalise,
        ..CorrectionOptions::default()
    };
    let mut compare = Vec::new();
    let mut notes = Vec::new();
    let mut names = Vec::new();
    for name in &args.iem {
        let found = crate::db::find(&dbs, name)?;
        let full = found.full_name();
        let curves: Vec<FrCurve> = match found.load()? {
            [Some(l), Some(r)] => {
                let pair = prepare_pair(&l, &r, &opts);
                let worst = pair[0]
                    .freqs_hz
                    .iter()
                    .zip(pair[0].db.iter().zip(&pair[1].db))
                    .filter(|(f, _)| (100.0..=10_000.0).contains(*f))
                    .map(|(_, (a, b))| (a - b).abs())
                    .fold(0.0, f64::max);
                let mut pair = pair.to_vec();
                if worst > CHANNELS_DIFFER_DB {
                    notes.push(format!(
                        "{full}: L and R differ by up to {worst:.1} dB (100 Hz–10 kHz)"
                    ));
                    if let Some(right) = pair.get_mut(1) {
                        right.name =
                            format!("{} (L and R differ by up to {worst:.1} dB)", right.name);
                    }
                }
                pair
            }
            [one, other] => {
                let curve = one.or(other).into_iter().collect::<Vec<_>>();
                notes.push(format!("{full}: one channel measured"));
                curve.iter().map(|c| prepare(c, &opts)).collect()
            }
        };
        names.push(full);
        compare.push(curves);
    }
    let target = match &args.target {
        Some(t) => {
            let spec = super::db::target_spec(&dbs, t)?;
            Some(prepare(
                &args.curves.adjust()?.apply(target::resolve(&spec)?),
                &opts,
            ))
        }
        None => None,
    };
    let mut title = match &target {
        Some(t) if names.len() == 1 => format!("FR of {} against {}", names.join(""), t.name),
        Some(t) => format!("{} against {}", names.join(" vs "), t.name),
        None => names.join(" vs "),
    };
    let (mut compare, mut target) = (compare, target);
    if let Some(base) = &args.baseline {
        let baseline = if base.eq_ignore_ascii_case("target") {
            target
                .clone()
                .ok_or_else(|| super::exit::UsageError("--baseline target needs --target".into()))?
        } else {
            let found = crate::db::find(&dbs, base)?;
            let curves: Vec<FrCurve> = found.load()?.into_iter().flatten().collect();
            let mean = crate::fr::average(&curves, &LogGrid::STANDARD, &found.full_name())?;
            prepare(&mean, &opts)
        };
        let minus = |c: &FrCurve| FrCurve {
            db: c
                .freqs_hz
                .iter()
                .zip(&c.db)
                .map(|(f, v)| v - baseline.level_at(*f))
                .collect(),
            ..c.clone()
        };
        compare = compare
            .iter()
            .map(|iem| iem.iter().map(minus).collect())
            .collect();
        target = target.as_ref().map(minus);
        title = format!("{}, compensated to {}", names.join(" vs "), baseline.name);
    }
    let mut subtitle = format!(
        "{}, levelled at {}",
        args.curves.smooth,
        level_text(normalise)
    );
    for note in &notes {
        log::info!("note: {note}");
    }
    if !notes.is_empty() {
        subtitle.push_str("; the legend notes where L and R differ by more than 1 dB");
    }
    Ok(FitPlot {
        title,
        subtitle,
        target,
        measured: Vec::new(),
        eq: Vec::new(),
        result: Vec::new(),
        compare,
    })
}

/// Refuses `--format` with a file name of another kind.
fn check_picture_format(args: &PlotArgs) -> anyhow::Result<()> {
    if let Some(format) = args.format
        && !is_stdout(&args.output)
        && args.output.extension().and_then(|e| e.to_str()) != Some(format.extension())
    {
        return Err(super::exit::usage(format!(
            "{}: --format {} is for -o -; a file's format comes from its name (.{})",
            args.output.display(),
            format.extension(),
            format.extension()
        )));
    }
    Ok(())
}

/// `plot --fr … [--target] [--eq]`: one measurement (or a left/right pair), its target and
/// an EQ.
fn single_plot(args: &PlotArgs) -> anyhow::Result<FitPlot> {
    let curves = args
        .fr
        .iter()
        .map(|p| FrCurve::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    let opts = CorrectionOptions {
        smoothing: args.curves.smooth,
        normalise: args.curves.normalise_or(1000.0),
        ..CorrectionOptions::default()
    };
    let reference = match &args.target {
        Some(t) => {
            let adjust = args.curves.adjust()?;
            Some(prepare(&adjust.apply(target::resolve(t)?), &opts))
        }
        None => None,
    };
    let profile = match &args.eq {
        Some(spec) => {
            let profile = crate::preset::EqProfile::load_named(spec)?;
            profile.check_rate(args.fs)?;
            Some(profile)
        }
        None => None,
    };
    // Two measurements with a per-channel profile: each channel on its own measurement;
    // else their average.
    let measured = match (curves.as_slice(), &profile) {
        ([first, second], Some(p)) if p.is_per_channel() => {
            // Left first: a pair named "X R", "X L" is taken in its sides' order.
            let (left, right) =
                if crate::fr::is_right(&first.name) && !crate::fr::is_right(&second.name) {
                    (second, first)
                } else {
                    (first, second)
                };
            let [l, r] = prepare_pair(left, right, &opts);
            vec![l, r]
        }
        _ => {
            let name = curves.first().map(|c| c.name.clone()).unwrap_or_default();
            vec![prepare(
                &crate::fr::average(&curves, &LogGrid::STANDARD, &name)?,
                &opts,
            )]
        }
    };
    let prep = FrPrep {
        measured,
        reference,
    };
    let subtitle = format!(
        "{}, levelled at {}",
        args.curves.smooth,
        level_text(args.curves.normalise_or(1000.0))
    );
    Ok(fit_plot(&prep, profile.as_ref(), args.fs, subtitle))
}

/// "1 kHz" or "the 300–3000 Hz mean".
pub(super) fn level_text(n: crate::fr::Normalise) -> String {
    match n {
        crate::fr::Normalise::At(f) => format!("{f} Hz"),
        crate::fr::Normalise::Mean(lo, hi) => format!("the {lo}–{hi} Hz mean"),
    }
}
