//! `iemlab import`: community presets as iemlab profiles. Reads Equalizer APO / Peace
//! configurations (`Preamp:`, `Filter N:`, `GraphicEQ:`, `Channel:` sections and the files
//! they `Include:`, which is also AutoEQ's ParametricEQ.txt, FixedBandEQ.txt and the
//! Wavelet/AutoEQ GraphicEQ.txt, and REW's filter export), CamillaDSP configs (what the
//! pipeline does to the left and right channels), and the app formats iemlab exports
//! (EasyEffects, Poweramp, Rockbox, CSV).
//! Every imported profile is written as profile TOML and read back through the profile
//! parser, so what `import` prints is exactly what `iemlab` later loads; a value it refuses
//! is reported at the line of the user's file it came from (an included file's own line).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod apo;
mod apps;
mod camilla;
mod error;
mod file;
mod places;
mod q;

use std::path::Path;

use crate::preset::{EqProfile, ProfileError};
use crate::problem::{FileProblem, ReadError};
pub use error::ImportError;
use places::Places;

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

/// Reads and converts the preset at `path`.
pub fn import_file(path: &Path) -> Result<Imported, ImportError> {
    let text = file::read_text(path, "a preset").map_err(|e| match e {
        ReadError::Io(source) => ImportError::Io {
            path: path.to_path_buf(),
            source,
        },
        ReadError::Invalid(problem) => ImportError::Problem(problem),
    })?;
    parse(&text, path)
}

/// Converts preset `text`; `path` names the file in messages, gives the profile its name and
/// is where an Equalizer APO `Include:` is looked for from.
pub fn parse(text: &str, path: &Path) -> Result<Imported, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let name =
        exported_name(text).or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()));
    let name = name
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "imported".into());
    let (profile, places, format, notes) = if let Some(read) = apps::parse(text, path, &name) {
        let (p, format, n) = read?;
        let places = p.origin.as_ref().map(Places::from_origin);
        (p, places.unwrap_or_default(), format, n)
    } else if camilla::looks_like(text) {
        let (p, n) = camilla::parse(text, path, &name)?;
        let places = p.origin.as_ref().map(Places::from_origin);
        (p, places.unwrap_or_default(), "CamillaDSP filters", n)
    } else {
        let read = apo::parse(text, path, &name)?;
        (read.profile, read.places, read.format, read.notes)
    };
    // Read back through the profile parser: the same validation as any profile file, each
    // problem then named at the line of the user's file the value came from.
    let toml = profile_toml(&profile, path, format);
    let checked = match EqProfile::parse(&toml, path) {
        Ok(checked) => checked,
        Err(ProfileError::Invalid { problems }) => {
            let mut located: Vec<FileProblem> = problems
                .into_iter()
                .map(|p| in_user_file(p, &places, path))
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
/// file (the preset or a file it includes) that `places` gives for its field, with the field
/// kept; at the preset as a whole when no line is known.
fn in_user_file(problem: FileProblem, places: &Places, path: &Path) -> FileProblem {
    let place = problem.field.as_deref().and_then(|f| places.of_field(f));
    let message = format!("the imported value is not valid: {}", problem.message);
    match (place, problem.field) {
        (Some(place), Some(field)) => {
            FileProblem::in_field(&place.path, place.line, field, message)
        }
        (_, Some(field)) => FileProblem {
            field: Some(field),
            ..FileProblem::file(path, message)
        },
        _ => FileProblem::file(path, message),
    }
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
