//! Reading a preset from disk: bounded in size (real presets are a few KB), decoded whatever
//! its encoding (UTF-8 or UTF-16 with a byte-order mark, invalid bytes replaced).

use std::path::Path;

use crate::problem::{ReadError, decode_lossy, read_bounded};

/// Largest file `import` reads, the preset or a file it includes.
pub(super) const MAX_FILE_BYTES: u64 = 1 << 20;

/// The text of the file at `path`; `kind` names it in messages ("a preset").
pub(super) fn read_text(path: &Path, kind: &str) -> Result<String, ReadError> {
    let bytes = read_bounded(path, MAX_FILE_BYTES, kind)?;
    Ok(decode_lossy(&bytes))
}
