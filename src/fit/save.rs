//! Writing a fitted profile as a normal EQ profile file (`presets/eq/*.toml`, version 1), via
//! a temp file beside the destination that is renamed into place only when complete.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::preset::{EqProfile, EqShape, PROFILE_VERSION};

/// Why a profile could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The destination exists and overwriting was not asked for.
    #[error("{0}: already exists (use --force to overwrite)")]
    Exists(PathBuf),
    /// Creating, writing or renaming failed.
    #[error("{path}: cannot write: {message}", path = .path.display())]
    Write {
        /// Destination.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// A number as a profile shows it: at most 4 decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.4}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The profile as file text, with `description` (e.g. how it was fitted) when given.
pub fn profile_toml(profile: &EqProfile, description: Option<&str>) -> String {
    let mut out = format!(
        "version = {PROFILE_VERSION}\nname = {}\n",
        quoted(&profile.name)
    );
    if let Some(d) = description {
        out.push_str(&format!("description = {}\n", quoted(d)));
    }
    out.push_str(&format!("preamp_db = {}\n", num(profile.preamp_db)));
    match &profile.shape {
        EqShape::Graphic(gains) => {
            let g: Vec<String> = gains.iter().map(|&v| num(v)).collect();
            out.push_str(&format!("graphic = {{ gains_db = [{}] }}\n", g.join(", ")));
        }
        EqShape::Parametric(bands) => {
            out.push_str("bands = [\n");
            for b in bands {
                out.push_str(&format!(
                    "  {{ type = \"{}\", freq_hz = {}, ",
                    b.kind.name(),
                    num(b.freq_hz)
                ));
                if b.kind.has_gain() {
                    out.push_str(&format!("gain_db = {}, ", num(b.gain_db)));
                }
                out.push_str(&format!("q = {} }},\n", num(b.q)));
            }
            out.push_str("]\n");
        }
    }
    out
}

/// Writes `text` to `dest` atomically; refuses an existing `dest` unless `force`.
pub fn write_new(dest: &Path, text: &str, force: bool) -> Result<(), SaveError> {
    if !force && dest.exists() {
        return Err(SaveError::Exists(dest.to_path_buf()));
    }
    let fail = |e: &dyn std::fmt::Display| SaveError::Write {
        path: dest.to_path_buf(),
        message: e.to_string(),
    };
    let mut temp = temp_beside(dest, "part").map_err(|e| fail(&e))?;
    temp.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    persist_new(temp.into_temp_path(), dest, force).map_err(|e| match e {
        Persist::Exists => SaveError::Exists(dest.to_path_buf()),
        Persist::Io(e) => fail(&e),
    })
}

/// A temp file in `dest`'s folder (so the final rename stays on one file system), named
/// `.iemlab-*.EXT`.
pub fn temp_beside(dest: &Path, ext: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".iemlab-")
        .suffix(&format!(".{ext}"))
        .tempfile_in(&dir)
}

/// Why [`persist_new`] failed.
#[derive(Debug)]
pub enum Persist {
    /// `dest` exists and `force` was not given.
    Exists,
    /// Setting permissions or renaming failed.
    Io(std::io::Error),
}

/// Moves a finished temp file to `dest` (rw-r--r--); without `force`, an existing `dest`
/// (even one that appeared meanwhile) is left untouched.
pub fn persist_new(temp: tempfile::TempPath, dest: &Path, force: bool) -> Result<(), Persist> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o644))
            .map_err(Persist::Io)?;
    }
    let result = if force {
        temp.persist(dest)
    } else {
        temp.persist_noclobber(dest)
    };
    result.map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            Persist::Exists
        } else {
            Persist::Io(e.error)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::{BandSpec, FilterKind};

    #[test]
    fn saved_profiles_parse_back_identically() {
        let p = EqProfile {
            name: "Fit \"quoted\"".into(),
            preamp_db: -4.3,
            shape: EqShape::Parametric(vec![
                BandSpec {
                    kind: FilterKind::LowShelf,
                    freq_hz: 105.0,
                    gain_db: 3.25,
                    q: 0.7,
                },
                BandSpec::peaking(1234.56, -2.5, 1.414),
            ]),
        };
        let text = profile_toml(&p, Some("fitted"));
        let back = EqProfile::parse(&text, Path::new("x.toml"), 48_000).unwrap();
        assert_eq!(back, p);
        let g = EqProfile {
            name: "g".into(),
            preamp_db: 0.0,
            shape: EqShape::Graphic([1.5, 0.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 12.0]),
        };
        let back = EqProfile::parse(&profile_toml(&g, None), Path::new("g.toml"), 48_000);
        assert_eq!(back.unwrap(), g);
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("p.toml");
        write_new(&dest, "a", false).unwrap();
        assert!(matches!(
            write_new(&dest, "b", false),
            Err(SaveError::Exists(_))
        ));
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "a");
        write_new(&dest, "b", true).unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "b");
    }
}
