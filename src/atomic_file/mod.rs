//! Every file iemlab writes (WAV renders, exported presets, imported and fitted profiles,
//! plots, review drafts, ABX logs) goes through here: the bytes go to a temp file with an
//! unpredictable name beside the destination, which is renamed into place only when complete.
//! A failure, a full disk or a Ctrl-C never leaves a partial file; an existing file is kept
//! unless `--force` (then replaced in one rename, a symlink replaced rather than written
//! through). A destination that is a device or pipe (`/dev/null`, `/dev/stdout`) is written
//! directly instead, since it cannot hold a partial file.

use std::fs::File;
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};

use crate::exit_status::ExitStatus;
use crate::interrupt;

/// Why a file could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The destination exists and overwriting was not asked for.
    #[error("{}: already exists (use --force to overwrite)", .0.display())]
    Exists(PathBuf),
    /// The destination is something iemlab does not write to (a folder, a block device, a
    /// pipe for a WAV file).
    #[error("{}: {what}", path.display())]
    NotAFile {
        /// Destination.
        path: PathBuf,
        /// What it is instead.
        what: &'static str,
    },
    /// Creating, writing, syncing or renaming failed (disk full, no such folder, read-only).
    #[error("{}: cannot {action}: {source}", path.display())]
    Io {
        /// Destination.
        path: PathBuf,
        /// What was being done, e.g. "write" or "create a file in folder out".
        action: String,
        /// The system's error.
        source: io::Error,
    },
    /// A failure that is not an I/O error (an encoder's or the output thread's).
    #[error("{}: cannot write: {message}", path.display())]
    Write {
        /// Destination.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// SIGINT or SIGTERM arrived before the file was complete; nothing was put in place.
    #[error("{}: not written: interrupted by {} (unfinished file removed)", path.display(), interrupt::signal_name(*signal))]
    Interrupted {
        /// Destination.
        path: PathBuf,
        /// The signal's number.
        signal: i32,
    },
}

impl SaveError {
    /// An I/O failure while doing `action` to `path`.
    pub fn io(path: &Path, action: impl Into<String>, source: io::Error) -> Self {
        SaveError::Io {
            path: path.to_path_buf(),
            action: action.into(),
            source,
        }
    }
}

/// 2 when the request is at fault (the file exists, the path is a folder or its folder does
/// not exist), 128 + signal when interrupted, else 1 (disk full, read-only, I/O error).
impl ExitStatus for SaveError {
    fn exit_code(&self) -> u8 {
        match self {
            SaveError::Exists(_) | SaveError::NotAFile { .. } => 2,
            SaveError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound => 2,
            SaveError::Io { .. } | SaveError::Write { .. } => 1,
            SaveError::Interrupted { signal, .. } => interrupt::exit_code(*signal),
        }
    }
}

/// A file being written beside its destination: [`Pending::commit`] puts it in place,
/// dropping it removes it. The bytes go through the `File` that [`create`] returns with it,
/// or through anything wrapping that file.
#[derive(Debug)]
pub struct Pending {
    dest: PathBuf,
    force: bool,
    /// None when writing directly to a device or pipe.
    temp: Option<Temp>,
}

/// The temp file's path (deleted on drop) and a handle to sync it with.
#[derive(Debug)]
struct Temp {
    path: Option<tempfile::TempPath>,
    sync: File,
}

impl Drop for Temp {
    fn drop(&mut self) {
        // Removed while holding the registry, so a signal's clean-up never races it.
        let mut temps = interrupt::temps();
        if let Some(path) = self.path.take() {
            temps.retain(|p| p != &*path);
            drop(path);
        }
    }
}

/// Starts writing `dest`: a temp file beside it, or `dest` itself when it is a device or a
/// pipe. Without `force`, an existing `dest` (a dangling symlink included) is refused here
/// and again at the final rename.
pub fn create(dest: &Path, force: bool) -> Result<(File, Pending), SaveError> {
    if let Ok(meta) = std::fs::metadata(dest) {
        if meta.is_dir() {
            return Err(SaveError::NotAFile {
                path: dest.to_path_buf(),
                what: "is a folder; give a file name",
            });
        }
        if !meta.is_file() {
            return open_direct(dest, &meta);
        }
    }
    if !force && std::fs::symlink_metadata(dest).is_ok() {
        return Err(SaveError::Exists(dest.to_path_buf()));
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // `.iemlab-RANDOM.part.png`: hidden, clearly unfinished, and still ending in the
    // destination's extension for writers that choose the format by name (plotters).
    let suffix = match dest.extension() {
        Some(ext) => format!(".part.{}", ext.to_string_lossy()),
        None => ".part".to_string(),
    };
    // Registered before the file exists, so a signal's clean-up cannot miss it.
    let mut temps = interrupt::temps();
    let named = tempfile::Builder::new()
        .prefix(".iemlab-")
        .suffix(&suffix)
        .tempfile_in(&dir)
        .map_err(|e| {
            SaveError::io(
                dest,
                format!("create a file in folder {}", dir.display()),
                e,
            )
        })?;
    let (file, path) = named.into_parts();
    temps.push(path.to_path_buf());
    drop(temps);
    let sync = file.try_clone();
    let temp = Temp {
        path: Some(path),
        sync: sync.map_err(|e| SaveError::io(dest, "open", e))?,
    };
    Ok((
        file,
        Pending {
            dest: dest.to_path_buf(),
            force,
            temp: Some(temp),
        },
    ))
}

/// Opens a device or pipe for writing as it is: no temp file, nothing to replace.
fn open_direct(dest: &Path, meta: &std::fs::Metadata) -> Result<(File, Pending), SaveError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if meta.file_type().is_block_device() {
            return Err(SaveError::NotAFile {
                path: dest.to_path_buf(),
                what: "is a block device; iemlab does not write to disks",
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(dest)
        .map_err(|e| SaveError::io(dest, "open", e))?;
    Ok((
        file,
        Pending {
            dest: dest.to_path_buf(),
            force: false,
            temp: None,
        },
    ))
}

impl Pending {
    /// The destination.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Where the bytes are going: the temp file, or the destination when writing directly.
    /// For writers that open files by name (plotters).
    pub fn write_path(&self) -> &Path {
        self.temp
            .as_ref()
            .and_then(|t| t.path.as_deref())
            .unwrap_or(&self.dest)
    }

    /// Whether this writes straight to a device or pipe.
    pub fn is_direct(&self) -> bool {
        self.temp.is_none()
    }

    /// Syncs the finished temp file and renames it to the destination (rw-r--r--). Without
    /// `force`, a destination that appeared meanwhile is kept and `Exists` returned; after
    /// SIGINT/SIGTERM nothing is put in place and `Interrupted` is returned. Either way the
    /// temp file is removed.
    pub fn commit(mut self) -> Result<(), SaveError> {
        let Some(mut temp) = self.temp.take() else {
            return match interrupt::requested() {
                Some(signal) => Err(self.interrupted(signal)),
                None => Ok(()),
            };
        };
        let dest = self.dest.clone();
        temp.sync
            .sync_all()
            .map_err(|e| SaveError::io(&dest, "write", e))?;
        let Some(path) = temp.path.take() else {
            return Err(SaveError::io(
                &dest,
                "write",
                io::Error::other("no temp file"),
            ));
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
                .map_err(|e| SaveError::io(&dest, "set permissions on the new file", e))?;
        }
        let mut temps = interrupt::temps();
        temps.retain(|p| p != &*path);
        if let Some(signal) = interrupt::requested() {
            drop(path);
            return Err(self.interrupted(signal));
        }
        // rename(2) replaces a symlink at `dest` rather than following it; the no-clobber
        // variant fails if anything (a dangling symlink too) appeared at `dest`.
        let result = if self.force {
            path.persist(&dest)
        } else {
            path.persist_noclobber(&dest)
        };
        drop(temps);
        result.map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                SaveError::Exists(dest.clone())
            } else {
                SaveError::io(&dest, "rename the finished file into place", e.error)
            }
        })
    }

    fn interrupted(&self, signal: i32) -> SaveError {
        SaveError::Interrupted {
            path: self.dest.clone(),
            signal,
        }
    }
}

/// Writes `bytes` through `writer` (the file [`create`] returned, or a wrapper of it) and
/// commits; on any failure the destination is untouched and the temp file removed.
pub fn save_via<W: Write>(mut writer: W, pending: Pending, bytes: &[u8]) -> Result<(), SaveError> {
    let io = |e| SaveError::io(pending.dest(), "write", e);
    writer.write_all(bytes).map_err(io)?;
    writer.flush().map_err(io)?;
    drop(writer);
    pending.commit()
}

/// Writes `bytes` to `dest` atomically; refuses an existing `dest` unless `force`.
pub fn save(dest: &Path, bytes: &[u8], force: bool) -> Result<(), SaveError> {
    let (file, pending) = create(dest, force)?;
    save_via(file, pending, bytes)
}

/// [`create`] for a file whose header is rewritten at the end (WAV, FLAC): a pipe is refused,
/// naming `kind`.
pub fn create_seekable(
    dest: &Path,
    force: bool,
    kind: &'static str,
) -> Result<(File, Pending), SaveError> {
    let (mut file, pending) = create(dest, force)?;
    if pending.is_direct() && !seekable(&mut file) {
        return Err(SaveError::NotAFile {
            path: dest.to_path_buf(),
            what: kind,
        });
    }
    Ok((file, pending))
}

/// Whether `file` can seek (a WAV header is rewritten at the end; a pipe cannot do that).
pub fn seekable(file: &mut File) -> bool {
    file.stream_position().is_ok()
}

/// Test helpers: a writer that fails like a full disk after a number of bytes.
#[cfg(test)]
pub(crate) mod testing {
    use std::io::{self, Seek, SeekFrom, Write};

    /// Passes the first `left` bytes to `inner`, then fails every write with ENOSPC.
    pub(crate) struct FailAfter<W> {
        pub inner: W,
        pub left: usize,
    }

    impl<W> FailAfter<W> {
        pub(crate) fn new(inner: W, left: usize) -> Self {
            FailAfter { inner, left }
        }
    }

    /// The error a full disk gives.
    pub(crate) fn disk_full() -> io::Error {
        io::Error::from_raw_os_error(28)
    }

    impl<W: Write> Write for FailAfter<W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(disk_full());
            }
            let n = buf.len().min(self.left);
            let n = self.inner.write(&buf[..n])?;
            self.left -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    impl<W: Seek> Seek for FailAfter<W> {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            self.inner.seek(pos)
        }
    }

    /// The names in `dir`, sorted.
    pub(crate) fn names(dir: &std::path::Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests;
