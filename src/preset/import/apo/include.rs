//! `Include: FILE` as Equalizer APO follows it (filters/IncludeFilterFactory.cpp): FILE
//! relative to the including file's folder, or absolute. Windows' `\` separators are read
//! as `/`, so a configuration written on Windows reads anywhere. iemlab bounds what APO
//! bounds only by a recursion limit of 100: includes nest at most [`MAX_INCLUDE_DEPTH`] deep,
//! at most [`MAX_INCLUDED_FILES`] are read in all, each no larger than the preset itself may
//! be, and a file that includes one being read (a cycle) is refused.

use std::path::{Path, PathBuf};

use super::super::file::read_text;
use crate::problem::ReadError;

/// Deepest nesting of `Include:` followed.
pub(super) const MAX_INCLUDE_DEPTH: usize = 8;
/// Most files included in all.
pub(super) const MAX_INCLUDED_FILES: usize = 64;

/// The file `written` names in an Include line of the file at `including`.
pub(super) fn resolve(written: &str, including: &Path) -> PathBuf {
    let folder = including.parent().unwrap_or(Path::new(""));
    folder.join(written.replace('\\', "/"))
}

/// What identifies a file on disk, however a path names it (cycles are found by it).
pub(super) fn identity(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The text of the included file at `path` (written `written`), or what is wrong with it.
pub(super) fn read(path: &Path, written: &str) -> Result<String, String> {
    if !path.exists() {
        return Err(format!(
            "Include: '{written}' not found (looked for {})",
            path.display()
        ));
    }
    read_text(path, "an included preset").map_err(|e| match e {
        ReadError::Io(e) => format!("Include: cannot read '{written}': {e}"),
        ReadError::Invalid(p) => format!("Include: {p}"),
    })
}
