//! `iemlab render`.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::{RenderArgs, UsageError};
use crate::decode::AudioFile;
use crate::preset::EqProfile;
use crate::render::{RenderRequest, render};

pub(super) fn run(args: RenderArgs) -> anyhow::Result<ExitCode> {
    if let (Some(from), Some(to)) = (args.from, args.to)
        && to <= from
    {
        return Err(UsageError(format!(
            "--to {} must be after --from {}",
            crate::timecode::format_time(to),
            crate::timecode::format_time(from)
        ))
        .into());
    }
    if same_file(&args.input, &args.output) {
        return Err(UsageError(format!(
            "{}: output would overwrite the input",
            args.output.display()
        ))
        .into());
    }
    // The profile is validated at the rate it will run at: the output rate.
    let rate = match args.rate {
        Some(rate) => rate,
        None => AudioFile::open(&args.input)?.info().sample_rate,
    };
    let profile = load_profile(&args.eq, rate)?;
    let request = RenderRequest {
        input: args.input.clone(),
        output: args.output.clone(),
        rate: args.rate,
        from: args.from,
        to: args.to,
        format: args.format,
        force: args.force,
    };
    let summary = render(&request, &profile)
        .with_context(|| format!("rendering {}", args.input.display()))?;
    println!("{}", summary.line());
    if let Some(warning) = summary.clip_warning() {
        eprintln!("{warning}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads `--eq`: a profile file, or `flat` for none.
pub(super) fn load_profile(spec: &str, rate: u32) -> anyhow::Result<EqProfile> {
    if spec == "flat" && !Path::new(spec).exists() {
        return Ok(EqProfile::flat());
    }
    Ok(EqProfile::load(Path::new(spec), rate)?)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
