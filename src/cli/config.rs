//! The user's config file: defaults for options given on every run.
//!
//! Read from `$IEMLAB_CONFIG`, else `$XDG_CONFIG_HOME/iemlab/config.toml`, else
//! `~/.config/iemlab/config.toml`; a missing file means no defaults.
//!
//! ```toml
//! library = ["/home/me/Music/iem-test-tracks"]
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::problem::{Lines, Problem, Problems, ReadError, read_text};

/// Settings from the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Config {
    /// Library folders scanned when `--library` is not given.
    #[serde(default)]
    pub library: Vec<PathBuf>,
}

/// The config file is broken.
#[derive(Debug, thiserror::Error)]
#[error("{}", Problems(.path, std::slice::from_ref(.problem)))]
pub(super) struct ConfigError {
    path: PathBuf,
    problem: Problem,
}

impl Config {
    /// Where the config file lives.
    fn path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("IEMLAB_CONFIG") {
            return Some(PathBuf::from(p));
        }
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
        Some(base.join("iemlab").join("config.toml"))
    }

    /// Reads the config file; defaults when there is none.
    pub(super) fn load() -> Result<Config, ConfigError> {
        let Some(path) = Config::path() else {
            return Ok(Config::default());
        };
        if !path.exists() {
            return Ok(Config::default());
        }
        let fail = |problem| ConfigError {
            path: path.clone(),
            problem,
        };
        let text = read_text(&path, 1 << 20, "a config file").map_err(|e| match e {
            ReadError::Io(e) => fail(Problem::file(format!("cannot read: {e}"))),
            ReadError::Invalid(p) => fail(p),
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            fail(Problem {
                line: e.span().map_or(0, |s| Lines(&text).at(s.start)),
                field: String::new(),
                message: e.message().trim().to_string(),
            })
        })?;
        // Relative folders are relative to the config file; "~/" is the home folder.
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let home = std::env::var_os("HOME").map(PathBuf::from);
        for dir in &mut config.library {
            if let (Ok(rest), Some(home)) = (dir.strip_prefix("~"), home.as_ref()) {
                *dir = home.join(rest);
            } else if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
        Ok(config)
    }
}
