//! `iemlab import`: community presets as iemlab profiles. Reads Equalizer APO / Peace text
//! (`Preamp:`, `Filter N:`, `GraphicEQ:`, which is also AutoEQ's ParametricEQ.txt,
//! FixedBandEQ.txt and the Wavelet/AutoEQ GraphicEQ.txt) and CamillaDSP configs (what the
//! pipeline does to the left and right channels, a per-channel profile when they differ).
//! Every imported profile is written as profile TOML and read back through the profile
//! parser, so what `import` prints is exactly what `iemlab` later loads.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod apo;
mod apps;
mod camilla;
mod error;
mod q;

use std::path::Path;

use crate::dsp::{Channel, MAX_STAGES};
use crate::preset::profile::Origin;
use crate::preset::{EqProfile, ProfileError};
use crate::problem::{FileProblem, ReadError, decode_lossy, read_bounded};
pub use error::ImportError;

/// A profile read from another program's preset.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The profile.
    pub profile: EqProfile,
    /// Which format the file was read as.
    pub format: &'static str,
    /// What was ignored or approximated.
    pub notes: Vec<String>,
}

/// Largest file `import` reads (real presets are a few KB).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Reads and converts the preset at `path`.
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    let bytes = read_bounded(path, MAX_FILE_BYTES, "a preset").map_err(|e| match e {
        ReadError::Io(source) => ImportError::Io {
            path: path.to_path_buf(),
            source,
        },
        ReadError::Invalid(problem) => ImportError::Problem(problem),
    })?;
    let text = decode_lossy(&bytes);
    parse(&text, path)
}

/// Converts preset `text`; `path` names the file in messages and gives the profile its name.
pub fn parse(text: &str, path: &Path) -> Result<Imported, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let name =
        exported_name(text).or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()));
    let name = name
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "imported".into());
    let (profile, format, notes) = if apps::looks_like_json(text) {
        apps::parse_json(text, path, &name)?
    } else if apps::looks_like_csv(text) {
        apps::parse_csv(text, path, &name)?
    } else if apps::looks_like_rockbox(text) {
        apps::parse_rockbox(text, path, &name)?
    } else if camilla::looks_like(text) {
        let (p, n) = camilla::parse(text, path, &name)?;
        (p, "CamillaDSP filters", n)
    } else {
        let (p, format, n) = apo::parse(text, path, &name)?;
        (p, format, n)
    };
    // Read back through the profile parser: the same validation as any profile file, each
    // problem then named at the line of the user's file the value came from.
    let toml = profile_toml(&profile, path, format);
    let checked = match EqProfile::parse(&toml, path) {
        Ok(checked) => checked,
        Err(ProfileError::Invalid { problems }) => {
            let origin = profile.origin.unwrap_or_default();
            let mut located: Vec<FileProblem> = problems
                .into_iter()
                .map(|p| in_user_file(p, &origin, path))
                .collect();
            return Err(match located.len() {
                1 => located.remove(0).into(),
                _ => ImportError::Problems(located),
            });
        }
        Err(e) => return Err(FileProblem::file(path, e.to_string()).into()),
    };
    Ok(Imported {
        profile: checked,
        format,
        notes,
    })
}

/// `problem`, found in the profile TOML an import made, moved to the line of the user's
/// file `origin` gives for its band (or the preamp line), with the field kept.
fn in_user_file(problem: FileProblem, origin: &Origin, path: &Path) -> FileProblem {
    let field = problem.field.clone().unwrap_or_default();
    let index_in = |prefix: &str| -> Option<usize> {
        field.strip_prefix(prefix)?.split(']').next()?.parse().ok()
    };
    let line = if let Some(i) = index_in("bands[") {
        origin.band_lines.get(i).copied()
    } else if let Some(i) = index_in("left.bands[") {
        Channel::Left
            .pick(&origin.channel_band_lines)
            .get(i)
            .copied()
    } else if let Some(i) = index_in("right.bands[") {
        Channel::Right
            .pick(&origin.channel_band_lines)
            .get(i)
            .copied()
    } else if field == "bands" {
        // Too many bands: the first one past the limit.
        first_past_limit(&origin.band_lines, 0)
    } else if let Some(channel) = Channel::BOTH
        .into_iter()
        .find(|c| field == format!("{}.bands", c.name()))
    {
        first_past_limit(
            channel.pick(&origin.channel_band_lines).as_slice(),
            origin.band_lines.len(),
        )
    } else if field == "preamp_db" || field.ends_with(".gain_db") {
        Some(origin.preamp_line).filter(|&l| l > 0)
    } else {
        None
    };
    let message = format!("the imported value is not valid: {}", problem.message);
    match (line, problem.field) {
        (Some(line), Some(field)) if line > 0 => FileProblem::in_field(path, line, field, message),
        (_, Some(field)) => FileProblem {
            field: Some(field),
            ..FileProblem::file(path, message)
        },
        _ => FileProblem::file(path, message),
    }
}

/// The line of the first of `lines` (a channel's bands after `before` shared ones) that a
/// chain of [`MAX_STAGES`] has no room for, or of the last.
fn first_past_limit(lines: &[usize], before: usize) -> Option<usize> {
    lines
        .get(MAX_STAGES.saturating_sub(before))
        .or(lines.last())
        .copied()
}

/// The profile name in the first line iemlab writes into its exports
/// (`# NAME: FORMAT, exported by iemlab`), so an exported file imports under its own name.
fn exported_name(text: &str) -> Option<String> {
    let first = text.lines().next()?.strip_prefix("# ")?;
    let (head, _) = first.split_once(", exported by iemlab")?;
    let (name, _format) = head.rsplit_once(": ")?;
    Some(name.to_string())
}

/// Profile TOML for `profile`, every value written exactly, with a comment naming where it
/// came from.
pub fn profile_toml(profile: &EqProfile, source: &Path, format: &str) -> String {
    let file = source.file_name().map_or_else(
        || source.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    profile.to_toml(
        Some(&format!("Imported by iemlab from {file} ({format}).")),
        None,
    )
}
