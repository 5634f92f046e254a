//! The user's config file: defaults for options given on every run.
//!
//! Read from [`crate::paths::config_file`]: `$IEMLAB_CONFIG`, else
//! `$XDG_CONFIG_HOME/iemlab/config.toml` or `~/.config/iemlab/config.toml` (Linux, macOS),
//! `%APPDATA%\iemlab\config\config.toml` (Windows); a missing file means no defaults.
//!
//! ```toml
//! library = ["/home/me/Music/iem-test-tracks"]
//! db = ["~/graphtool/data_iegems"]
//! ```

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::problem::{FileProblem, Lines, ReadError, read_text};

/// Config files larger than this are refused before reading (a real one is a few lines).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Settings from the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Config {
    /// Library folders scanned when `--library` is not given.
    #[serde(default)]
    pub library: Vec<PathBuf>,
    /// Measurement databases (graph-tool folders) used when `--db` is not given.
    #[serde(default)]
    pub db: Vec<PathBuf>,
}

impl Config {
    /// Reads the config file; defaults when there is none. A file that cannot be read is a
    /// problem with it, as a broken one is: the user is to fix it.
    pub(super) fn load() -> Result<Config, FileProblem> {
        let Some(path) = crate::paths::config_file() else {
            return Ok(Config::default());
        };
        if !path.exists() {
            log::debug!("no config file at {}", path.display());
            return Ok(Config::default());
        }
        log::debug!("reading the config file {}", path.display());
        Config::from_file(&path)
    }

    /// Reads the config file at `path`.
    fn from_file(path: &Path) -> Result<Config, FileProblem> {
        let text = read_text(path, MAX_FILE_BYTES, "a config file").map_err(|e| match e {
            ReadError::Io(e) => FileProblem::file(path, format!("cannot read: {e}")),
            ReadError::Invalid(problem) => problem,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            let line = e.span().map_or(0, |s| Lines(&text).at(s.start));
            FileProblem::at(path, line, e.message().trim())
        })?;
        // Relative folders are relative to the config file; "~/" is the home folder.
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let home = crate::paths::home_dir();
        for dir in config.library.iter_mut().chain(config.db.iter_mut()) {
            if let (Ok(rest), Some(home)) = (dir.strip_prefix("~"), home.as_ref()) {
                *dir = home.join(rest);
            } else if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const GOOD: &str = "# my defaults\nlibrary = [\"~/Music/iem\", \"tracks\", \"/srv/music\"]\n";

    /// Loads `bytes` as a config file named `iemlab-config.toml`.
    fn load(bytes: &[u8]) -> Result<Config, FileProblem> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("iemlab-config.toml");
        std::fs::write(&path, bytes).unwrap();
        Config::from_file(&path)
    }

    #[test]
    fn relative_folders_are_resolved_against_the_file() {
        let config = load(GOOD.as_bytes()).unwrap();
        assert_eq!(config.library.len(), 3);
        assert!(config.library[1].ends_with("tracks"));
        assert!(config.library[1].is_absolute());
    }

    #[test]
    fn broken_configs_name_file_and_line() {
        let err = load(b"library = [\"a\"]\nlibary = []\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("iemlab-config.toml:2"), "{err}");
        let err = load(&[0xff, 0xfe, b'l', 0]).unwrap_err().to_string();
        assert!(err.contains("UTF-16"), "{err}");
        let err = load(&vec![b'#'; (MAX_FILE_BYTES + 1) as usize])
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most"), "{err}");
    }

    fn cases() -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: cases(),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// A mutated config (bytes replaced, cut, inserted) loads or is refused with its name;
        /// never a panic.
        #[test]
        fn fuzz_config_never_panics(
            edits in prop::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 0..8),
            cut in any::<u16>(),
        ) {
            let mut bytes = GOOD.as_bytes().to_vec();
            for (at, byte, op) in edits {
                let at = usize::from(at) % (bytes.len() + 1);
                match op {
                    0 => bytes.insert(at, byte),
                    1 if at < bytes.len() => bytes[at] = byte,
                    _ => {
                        bytes.truncate(at.max(1));
                    }
                }
            }
            bytes.truncate(usize::from(cut) % (bytes.len() + 1));
            match load(&bytes) {
                Ok(config) => prop_assert!(config.library.iter().all(|p| p.is_absolute() || p.as_os_str().is_empty())),
                Err(e) => prop_assert!(e.to_string().contains("iemlab-config.toml"), "{e}"),
            }
        }
    }
}
