//! Writing exported presets and imported profiles: the text goes to a temp file beside the
//! destination and is renamed into place when complete, so a failure never leaves a
//! partial file, and an existing file is only replaced when asked.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The destination exists and overwriting was not asked for.
    #[error("{}: already exists (use --force to overwrite)", .0.display())]
    Exists(PathBuf),
    /// Creating, writing or renaming failed.
    #[error("{path}: cannot write: {message}", path = .path.display())]
    Write {
        /// Destination path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Writes `text` to `dest` atomically; without `force`, an existing `dest` (even one that
/// appears while writing) is left untouched.
pub fn save_text(dest: &Path, text: &str, force: bool) -> Result<(), SaveError> {
    if !force && dest.exists() {
        return Err(SaveError::Exists(dest.to_path_buf()));
    }
    let fail = |e: &dyn std::fmt::Display| SaveError::Write {
        path: dest.to_path_buf(),
        message: e.to_string(),
    };
    let mut temp = temp_beside(dest, ".part").map_err(|e| fail(&e))?;
    temp.write_all(text.as_bytes()).map_err(|e| fail(&e))?;
    temp.as_file().sync_all().map_err(|e| fail(&e))?;
    persist(temp.into_temp_path(), dest, force).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            SaveError::Exists(dest.to_path_buf())
        } else {
            fail(&e)
        }
    })
}

/// A temp file in `dest`'s folder (so the final rename is atomic), deleted if dropped.
pub(crate) fn temp_beside(dest: &Path, suffix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    tempfile::Builder::new()
        .prefix(".iemlab-")
        .suffix(suffix)
        .tempfile_in(&dir)
}

/// Moves a finished temp file to `dest` with the usual rw-r--r-- (temp files are created
/// owner-only). Without `force` an existing `dest` is kept and the error's kind is
/// `AlreadyExists`.
pub(crate) fn persist(temp: tempfile::TempPath, dest: &Path, force: bool) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o644))?;
    }
    if force {
        temp.persist(dest).map_err(|e| e.error)
    } else {
        temp.persist_noclobber(dest).map_err(|e| e.error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_without_force_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("p.txt");
        save_text(&dest, "one\n", false).unwrap();
        assert!(matches!(
            save_text(&dest, "two\n", false),
            Err(SaveError::Exists(_))
        ));
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "one\n");
        save_text(&dest, "two\n", true).unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "two\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
