//! `iemlab fit`: an EQ profile from a measured FR and a target (or another IEM's FR), for one
//! measurement or, in batch, for every measurement in a folder (in parallel).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::db::{iem_files, measurement_files, target_spec};
use super::exit::UsageError;
use super::output::{is_stdout, write_stdout};
use super::plot::{FrPrep, fit_plot};
use crate::atomic_file::{self, SaveError};
use crate::fit::{Correction, CorrectionOptions, EqLayout, Fitted, correction, fit, fit_channels};
use crate::fr::{FrCurve, LogGrid, target};
use crate::preset::device;

mod done;
mod plan;

use done::Done;
pub(super) use plan::FitArgs;
use plan::{Plan, describe};

/// `args` with every name turned into the files it stands for: `--iem` into `--fr` files,
/// a `--simulate` that is not a file into that IEM's files, a database target by name into
/// its file.
fn with_files(mut args: FitArgs) -> anyhow::Result<FitArgs> {
    // The databases are opened only when a name needs them.
    let named = args.iem.is_some()
        || args.simulate.iter().any(|p| !p.exists())
        || (!std::path::Path::new(&args.target).is_file()
            && crate::fr::target::Target::find(&args.target).is_none());
    let dbs = match (&args.iem, named) {
        (Some(name), _) => args.db.open_for(&format!("--iem {name}"))?,
        (None, true) => args.db.open()?,
        (None, false) => Vec::new(),
    };
    if let Some(name) = &args.iem {
        args.fr = iem_files(&dbs, name)?;
    }
    let mut simulate = Vec::new();
    for spec in &args.simulate {
        simulate.extend(measurement_files(&dbs, spec)?);
    }
    args.simulate = simulate;
    args.target = target_spec(&dbs, &args.target)?;
    Ok(args)
}

pub(super) fn run(args: FitArgs) -> anyhow::Result<ExitCode> {
    let args = with_files(args)?;
    if !(args.max_gain.is_finite() && (0.0..=crate::preset::MAX_GAIN_DB).contains(&args.max_gain)) {
        return Err(UsageError(format!(
            "--max-gain {} must be between 0 and {} dB",
            args.max_gain,
            crate::preset::MAX_GAIN_DB
        ))
        .into());
    }
    // The table's own entry, which lives as long as the fits that borrow it.
    let device = args.device.and_then(|d| device::find(d.id));
    if let (Some(d), true) = (device, args.graphic)
        && !matches!(d.layout, crate::preset::Layout::Graphic { .. })
    {
        return Err(UsageError(format!(
            "--graphic and --device {}: {} is not a graphic EQ (drop --graphic)",
            d.id, d.name
        ))
        .into());
    }
    let simulate = !args.simulate.is_empty();
    let reference = if simulate {
        let curves = args
            .simulate
            .iter()
            .map(|p| FrCurve::load(p))
            .collect::<Result<Vec<_>, _>>()?;
        let name = curves[0].name.clone();
        crate::fr::average(&curves, &LogGrid::STANDARD, &crate::fr::side_less(&name))?
    } else {
        args.curves.adjust()?.apply(target::resolve(&args.target)?)
    };
    let plan = Plan {
        args: &args,
        device,
        reference,
        opts: CorrectionOptions {
            grid: LogGrid::STANDARD,
            smoothing: args.curves.smooth,
            normalise: args.curves.normalise_or(1000.0),
            max_gain_db: args.max_gain,
        },
        simulate,
    };
    if args.fr.len() == 1 && args.fr[0].is_dir() {
        if args.per_channel {
            return Err(UsageError(
                "--per-channel fits one IEM's two measurements: give --fr LEFT --fr RIGHT".into(),
            )
            .into());
        }
        return run_batch(&plan, &args.fr[0]);
    }
    if args.per_channel {
        return run_per_channel(&plan);
    }
    let to_stdout = is_stdout(&args.output);
    if to_stdout && (args.plot || args.json) {
        return Err(UsageError(format!(
            "-o - prints the profile, so --{} needs -o OUT.toml",
            if args.plot { "plot" } else { "json" }
        ))
        .into());
    }
    let curves = args
        .fr
        .iter()
        .map(|p| FrCurve::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    let name = if curves.len() > 1 {
        crate::fr::side_less(&curves[0].name)
    } else {
        curves[0].name.clone()
    };
    let measured = crate::fr::average(&curves, &LogGrid::STANDARD, &name)?;
    let (c, fitted) = fit_one(&plan, &measured)?;
    if to_stdout {
        write_stdout(profile_text(&plan, &fitted).as_bytes())?;
    } else {
        save(
            &plan,
            &c,
            std::slice::from_ref(&c.measured),
            &fitted,
            &args.output,
        )?;
    }
    let done = Done::new(&plan, &args.fr, &c, &fitted, &args.output);
    if args.json {
        super::output::print_json(&done)?;
    } else if to_stdout {
        log::info!("{}", done.line());
        log::info!("{}", fitted.report.line());
    } else {
        println!("{}", done.line());
        println!("{}", fitted.report.line());
    }
    Ok(ExitCode::SUCCESS)
}

/// `fit --per-channel`: one profile with each channel fitted to the reference.
fn run_per_channel(plan: &Plan<'_>) -> anyhow::Result<ExitCode> {
    let args = plan.args;
    if args.fr.len() != 2 {
        let given = match &args.iem {
            Some(name) => format!(
                "{name} has {} measured channel in the database",
                args.fr.len()
            ),
            None => format!("{} given", args.fr.len()),
        };
        return Err(UsageError(format!(
            "--per-channel needs the two measurements of one IEM: --fr LEFT --fr RIGHT ({given})"
        ))
        .into());
    }
    if let Some(d) = plan.device
        && !d.per_channel
    {
        return Err(UsageError(format!(
            "--per-channel and --device {}: {} has one EQ for both channels (fit without --per-channel for one EQ from the L/R average)",
            d.id, d.name
        ))
        .into());
    }
    if args.graphic {
        return Err(UsageError(
            "--per-channel fits parametric bands; --graphic has one EQ for both channels".into(),
        )
        .into());
    }
    let mut curves = args
        .fr
        .iter()
        .map(|p| FrCurve::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    // Left first: a pair named "X R", "X L" is taken in its sides' order.
    let side = |c: &FrCurve| crate::fr::is_right(&c.name);
    if curves.first().is_some_and(side) && !curves.get(1).is_some_and(side) {
        curves.swap(0, 1);
    }
    let [left, right] = [&curves[0], &curves[1]];
    let measurement = crate::fr::side_less(&left.name);
    let name = args.name.clone().unwrap_or_else(|| {
        let what = if plan.simulate { "as" } else { "to" };
        format!("{measurement} {what} {} (per channel)", plan.reference.name)
    });
    let fit = fit_channels(
        left,
        right,
        &plan.reference,
        &plan.opts,
        layout(plan),
        args.fs,
        &name,
    )
    .with_context(|| format!("fitting {measurement}"))?;
    let [left_report, right_report] = &fit.reports;
    let worst = if left_report.rms_low_db >= right_report.rms_low_db {
        left_report
    } else {
        right_report
    };
    let fitted = Fitted {
        profile: fit.profile.clone(),
        report: *worst,
    };
    let [c, c_right] = &fit.corrections;
    let to_stdout = is_stdout(&args.output);
    if to_stdout {
        write_stdout(profile_text(plan, &fitted).as_bytes())?;
    } else {
        save(
            plan,
            c,
            &[c.measured.clone(), c_right.measured.clone()],
            &fitted,
            &args.output,
        )?;
    }
    // The summary names the IEM, not its left side.
    let mut named = c.clone();
    named.measured.name = measurement;
    let done = Done::new(plan, &args.fr, &named, &fitted, &args.output).with_channels(&fit);
    if args.json {
        super::output::print_json(&done)?;
        return Ok(ExitCode::SUCCESS);
    }
    let lines = [
        done.line().to_string(),
        format!("left:  {}", left_report.line()),
        format!("right: {}", right_report.line()),
        format!(
            "L−R imbalance (100 Hz–10 kHz): {} before, {} after",
            fit.before.line(),
            fit.after.line()
        ),
    ];
    for line in lines {
        if to_stdout {
            log::info!("{line}");
        } else {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn layout<'a>(plan: &'a Plan<'_>) -> EqLayout<'a> {
    let count = plan.args.peq.map(usize::from);
    match (plan.device, plan.args.graphic) {
        (Some(d), _) => EqLayout::Device(d, count),
        (None, true) => EqLayout::Graphic,
        (None, false) => EqLayout::Parametric(count.unwrap_or(10)),
    }
}

fn fit_one(plan: &Plan<'_>, measured: &FrCurve) -> anyhow::Result<(Correction, Fitted)> {
    let c = correction(measured, &plan.reference, &plan.opts);
    let name = plan.args.name.clone().unwrap_or_else(|| {
        let what = if plan.simulate { "as" } else { "to" };
        format!("{} {what} {}", measured.name, plan.reference.name)
    });
    let fitted = fit(&c.goal, layout(plan), plan.args.fs, &name)
        .with_context(|| format!("fitting {}", measured.name))?;
    Ok((c, fitted))
}

/// The profile file's text.
fn profile_text(plan: &Plan<'_>, fitted: &Fitted) -> String {
    fitted.profile.to_toml(None, Some(&describe(plan, fitted)))
}

/// Writes the profile (and with --plot its picture, drawn over `measured`: one curve, or the
/// left and right of a per-channel fit).
fn save(
    plan: &Plan<'_>,
    c: &Correction,
    measured: &[FrCurve],
    fitted: &Fitted,
    out: &Path,
) -> anyhow::Result<()> {
    let text = profile_text(plan, fitted);
    // Both files are written beside their destinations first and put in place together,
    // so a failure (an existing plot, a full disk) leaves neither.
    let (mut file, profile) = atomic_file::create(out, plan.args.force)?;
    if plan.args.plot {
        let png = out.with_extension("png");
        if !plan.args.force && std::fs::symlink_metadata(&png).is_ok() {
            return Err(SaveError::Exists(png).into());
        }
    }
    std::io::Write::write_all(&mut file, text.as_bytes())
        .map_err(|e| SaveError::io(out, "write", e))?;
    drop(file);
    let mut plot = None;
    if plan.args.plot {
        let png = out.with_extension("png");
        let prep = FrPrep {
            measured: measured.to_vec(),
            reference: Some(c.reference.clone()),
        };
        let subtitle = format!(
            "{}; {}, levelled at {}",
            fitted.report.line(),
            plan.opts.smoothing,
            super::plot::level_text(plan.opts.normalise)
        );
        let picture = fit_plot(&prep, Some(&fitted.profile), plan.args.fs, subtitle);
        plot = Some(crate::fr::plot::draw_pending(
            &picture,
            &png,
            plan.args.force,
        )?);
    }
    profile.commit()?;
    if let Some(plot) = plot {
        plot.commit()?;
    }
    Ok(())
}

/// Fits every .txt/.csv measurement in `dir` in parallel, one profile per file in the output
/// folder, with a progress bar; a bad file is reported and the rest still fitted.
fn run_batch(plan: &Plan<'_>, dir: &Path) -> anyhow::Result<ExitCode> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("csv"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(UsageError(format!(
            "{}: no .txt or .csv measurements in this folder",
            dir.display()
        ))
        .into());
    }
    let out_dir = &plan.args.output;
    if out_dir.extension().is_some_and(|e| e == "toml") || is_stdout(out_dir) {
        return Err(UsageError(format!(
            "--fr {} is a folder, so -o must be a folder, not {}",
            dir.display(),
            out_dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("{}: cannot create folder", out_dir.display()))?;
    // Hidden by -q, as by a stderr that is not a terminal.
    let bar = if log::log_enabled!(log::Level::Info) {
        ProgressBar::new(files.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} fitted, {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let results: Vec<(PathBuf, anyhow::Result<(Done, String)>)> = files
        .par_iter()
        .map(|file| {
            let result = (|| {
                let measured = FrCurve::load(file)?;
                let (c, fitted) = fit_one(plan, &measured)?;
                let out = out_dir.join(format!("{}.toml", measured.name));
                save(plan, &c, std::slice::from_ref(&c.measured), &fitted, &out)?;
                let line = format!("{}: {}", out.display(), fitted.report.line());
                Ok((
                    Done::new(plan, std::slice::from_ref(file), &c, &fitted, &out),
                    line,
                ))
            })();
            bar.inc(1);
            (file.clone(), result)
        })
        .collect();
    bar.finish_and_clear();
    let mut failed = 0;
    let mut worst = 0;
    for (file, result) in &results {
        match result {
            Ok((done, _)) if plan.args.json => super::output::print_json(done)?,
            Ok((_, line)) => println!("ok    {line}"),
            Err(e) => {
                failed += 1;
                worst = worst.max(super::exit::exit_code(e));
                eprintln!("error: {}: {}", file.display(), super::exit::error_text(e));
            }
        }
    }
    let tally = format!(
        "fitted {} of {} measurements into {}",
        results.len() - failed,
        results.len(),
        out_dir.display()
    );
    if plan.args.json {
        log::info!("{tally}");
    } else {
        println!("{tally}");
    }
    Ok(if failed > 0 {
        ExitCode::from(worst.max(1))
    } else {
        ExitCode::SUCCESS
    })
}
