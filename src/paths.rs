//! Where iemlab keeps the user's own files: the config file and a data folder (listening notes),
//! in each platform's usual place, found with `etcetera` rather than from `$HOME` (which
//! Windows does not set):
//!
//! | | Linux, macOS and other Unix (XDG) | Windows |
//! |---|---|---|
//! | config file | `$XDG_CONFIG_HOME/iemlab/config.toml`, else `~/.config/iemlab/config.toml` | `%APPDATA%\iemlab\config\config.toml` |
//! | data folder | `$XDG_DATA_HOME/iemlab`, else `~/.local/share/iemlab` | `%APPDATA%\iemlab\data` |
//! | notes | `<data folder>/notes/` | `<data folder>\notes\` |
//!
//! `$IEMLAB_CONFIG` names another config file. Nothing here creates a folder: whoever writes
//! into one creates it.

use std::path::PathBuf;

use etcetera::{AppStrategy, AppStrategyArgs};

/// The platform's folders for iemlab, or None when the home folder cannot be found.
fn strategy() -> Option<impl AppStrategy> {
    let strategy = etcetera::choose_app_strategy(AppStrategyArgs {
        top_level_domain: String::new(),
        author: String::new(),
        app_name: "iemlab".into(),
    });
    if strategy.is_err() {
        log::debug!("no home folder found, so no config file or data folder");
    }
    strategy.ok()
}

/// The user's home folder (what `~/` means in the config file).
pub fn home_dir() -> Option<PathBuf> {
    etcetera::home_dir().ok()
}

/// The config file: `$IEMLAB_CONFIG` if set, else `config.toml` in iemlab's config folder
/// (see the table in this module's documentation). It may not exist.
pub fn config_file() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("IEMLAB_CONFIG") {
        return Some(PathBuf::from(path));
    }
    Some(strategy()?.config_dir().join("config.toml"))
}

/// The folder for data iemlab keeps for the user (see the table in this module's
/// documentation). It may not exist yet.
pub fn data_dir() -> Option<PathBuf> {
    Some(strategy()?.data_dir())
}

/// Where listening notes go by default: `notes/` in the data folder, e.g.
/// `~/.local/share/iemlab/notes/` on Linux or `%APPDATA%\iemlab\data\notes\` on Windows.
/// None when the home folder cannot be found (then notes go to the current folder). The
/// folder may not exist yet: create it before writing the first note.
pub fn notes_dir() -> Option<PathBuf> {
    Some(data_dir()?.join("notes"))
}

/// The notes file a session appends to and `report` reads when none is named:
/// `notes.jsonl` in [`notes_dir`], or `iemlab-notes.jsonl` in the current folder when there
/// is no home folder.
pub fn notes_file() -> PathBuf {
    notes_dir().map_or_else(
        || PathBuf::from("iemlab-notes.jsonl"),
        |dir| dir.join("notes.jsonl"),
    )
}

/// Where a blind test's trial log goes when none is named: `name` in [`notes_dir`], beside
/// the notes (the current folder when there is no home folder).
pub fn in_notes_dir(name: &str) -> PathBuf {
    notes_dir().map_or_else(|| PathBuf::from(name), |dir| dir.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn folders_follow_xdg_on_unix() {
        // Read-only: the variables this process was started with decide.
        let home = home_dir().unwrap();
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".config"));
        let data = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| home.join(".local/share"));
        if std::env::var_os("IEMLAB_CONFIG").is_none() {
            assert_eq!(
                config_file().unwrap(),
                config.join("iemlab").join("config.toml")
            );
        }
        assert_eq!(data_dir().unwrap(), data.join("iemlab"));
        assert_eq!(notes_dir().unwrap(), data.join("iemlab").join("notes"));
    }
}
