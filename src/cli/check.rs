//! `iemlab check`: validates files and lists every problem.

use std::path::Path;
use std::process::ExitCode;

use super::CheckArgs;
use crate::preset::{EqProfile, EqShape, ProfileError};

pub(super) fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut failed = 0;
    for path in &args.files {
        match check_file(path, args.rate) {
            Ok(report) => println!("ok    {}: {report}", path.display()),
            Err(message) => {
                failed += 1;
                eprintln!("{message}");
            }
        }
    }
    if failed > 0 {
        eprintln!(
            "{failed} of {} file{} invalid",
            args.files.len(),
            if args.files.len() == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Validates one file; Ok carries a one-line description, Err every problem.
fn check_file(path: &Path, rate: u32) -> Result<String, String> {
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    if !is_toml {
        return Err(format!(
            "{}: cannot check this kind of file (expected an EQ profile, .toml)",
            path.display()
        ));
    }
    let profile = EqProfile::load(path, rate).map_err(|e: ProfileError| e.to_string())?;
    let filters = match &profile.shape {
        EqShape::Parametric(b) => format!(
            "{} parametric band{}",
            b.len(),
            if b.len() == 1 { "" } else { "s" }
        ),
        EqShape::Graphic(_) => "10-band graphic EQ".to_string(),
    };
    let mut line = format!(
        "EQ profile '{}', {filters}, preamp {:+.1} dB",
        profile.name, profile.preamp_db
    );
    if let Some(max) = profile.max_gain_db(rate) {
        if max > 0.05 {
            line.push_str(&format!(
                "; note: boosts up to {max:+.1} dB after preamp, so loud tracks can clip (lower preamp_db by {:.1} dB to prevent it)",
                (max * 10.0).ceil() / 10.0
            ));
        } else {
            // Round -0.04 to +0.0 rather than print "-0.0".
            let shown = if max.abs() < 0.05 { 0.0 } else { max };
            line.push_str(&format!(", max gain {shown:+.1} dB (no net boost)"));
        }
    }
    Ok(line)
}
