//! `-o -`: every command that writes a file writes it to stdout instead, and says what it
//! did on stderr.

use std::io::Write;
use std::path::Path;

use crate::atomic_file::SaveError;

/// Whether `-o` asked for stdout.
pub(super) fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes a whole file to stdout; a closed or full stdout is an error naming it.
pub(super) fn write_stdout(bytes: &[u8]) -> Result<(), SaveError> {
    let fail = |e| SaveError::io(Path::new("stdout"), "write", e);
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).map_err(fail)?;
    out.flush().map_err(fail)
}

/// For writers that need a real file (a WAV header is rewritten at the end; plotters opens
/// its file by name): `write` makes the file `name` in a fresh temporary folder, which is
/// then copied to stdout and removed.
pub(super) fn via_temp_file<T>(
    name: &str,
    write: impl FnOnce(&Path) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let dir = tempfile::Builder::new()
        .prefix(".iemlab-")
        .tempdir()
        .map_err(|e| SaveError::io(Path::new(name), "create a temporary folder", e))?;
    let path = dir.path().join(name);
    let made = write(&path)?;
    let mut file = std::fs::File::open(&path).map_err(|e| SaveError::io(&path, "read back", e))?;
    let fail = |e| SaveError::io(Path::new("stdout"), "write", e);
    let mut out = std::io::stdout().lock();
    std::io::copy(&mut file, &mut out).map_err(fail)?;
    out.flush().map_err(fail)?;
    Ok(made)
}

/// Prints `value` as one line of JSON on stdout (an object, or an array of them).
pub(super) fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(value)?;
    line.push(b'\n');
    write_stdout(&line)?;
    Ok(())
}

/// Logs a library's warning text (which starts with `warning: `) as a warning.
pub(super) fn warn_line(text: &str) {
    log::warn!("{}", text.strip_prefix("warning: ").unwrap_or(text));
}
