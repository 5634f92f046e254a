//! The files iemlab ships (the review playlist, EQ profiles, sample measurements and target
//! curves), built into the binary so that an installed `iemlab` finds them in any folder.
//!
//! Wherever iemlab reads a playlist, profile or FR file, a path that names nothing on disk
//! but names a shipped file reads the built-in copy instead (see [`instead_of`]): its path in
//! the repository (`presets/eq/bass-boost.toml`, `playlists/iem-review.toml`,
//! `presets/fr/Crimson L.txt`), its file name (`bass-boost.toml`) or its name
//! (`bass-boost`, `Crimson L`). A file on disk always wins.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Component, Path};

/// What a shipped file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A playlist (`playlists/`).
    Playlist,
    /// An EQ profile (`presets/eq/`).
    Profile,
    /// A measured FR (`presets/fr/`).
    Measurement,
    /// A target curve (`presets/targets/`; `--target ID` also finds these).
    Target,
}

impl Kind {
    /// The kind in the user's words, plural: "playlists", "EQ profiles", …
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Playlist => "playlists",
            Kind::Profile => "EQ profiles",
            Kind::Measurement => "measurements",
            Kind::Target => "targets",
        }
    }
}

/// One file built into the binary.
#[derive(Debug)]
pub struct ShippedFile {
    /// What it is.
    pub kind: Kind,
    /// Its name: the file name without the extension, e.g. `bass-boost`, `Crimson L`.
    pub name: &'static str,
    /// Its path in the repository, with `/`, e.g. `presets/eq/bass-boost.toml`.
    pub path: &'static str,
    /// Its contents.
    pub text: &'static str,
}

/// A [`ShippedFile`] from the repository folder `$dir`, named `$name`.`$ext`.
macro_rules! shipped {
    ($kind:ident, $dir:literal, $name:literal, $ext:literal) => {
        ShippedFile {
            kind: Kind::$kind,
            name: $name,
            path: concat!($dir, "/", $name, ".", $ext),
            text: include_str!(concat!("../", $dir, "/", $name, ".", $ext)),
        }
    };
}

/// Every shipped file (a test checks that this is exactly what the repository's folders hold).
pub static FILES: &[ShippedFile] = &[
    shipped!(Playlist, "playlists", "iem-review", "toml"),
    shipped!(Profile, "presets/eq", "flat", "toml"),
    shipped!(Profile, "presets/eq", "bass-boost", "toml"),
    shipped!(Profile, "presets/eq", "treble-tame", "toml"),
    shipped!(Profile, "presets/eq", "v-shape-graphic", "toml"),
    shipped!(Profile, "presets/eq", "bench-10-band", "toml"),
    shipped!(Measurement, "presets/fr", "Blessing 2 L", "txt"),
    shipped!(Measurement, "presets/fr", "Crimson L", "txt"),
    shipped!(Measurement, "presets/fr", "Crimson R", "txt"),
    shipped!(Measurement, "presets/fr", "IE900 L", "txt"),
    shipped!(Measurement, "presets/fr", "MEST3 L", "txt"),
    shipped!(Measurement, "presets/fr", "P8 L", "txt"),
    shipped!(Measurement, "presets/fr", "P8 R", "txt"),
    shipped!(Target, "presets/targets", "harman-ie-2019", "txt"),
    shipped!(Target, "presets/targets", "harman-ie-2016", "csv"),
    shipped!(Target, "presets/targets", "diffuse-field", "txt"),
    shipped!(Target, "presets/targets", "free-field", "txt"),
    shipped!(Target, "presets/targets", "ief-iem", "txt"),
    shipped!(Target, "presets/targets", "iegems", "txt"),
];

impl ShippedFile {
    /// The file name, e.g. `bass-boost.toml`.
    pub fn file_name(&self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }
}

/// The shipped file `spec` names: a repository path (`presets/eq/bass-boost.toml`), a file
/// name (`bass-boost.toml`) or a name (`bass-boost`). Absolute paths and paths through `..`
/// name none. Does not look at the disk.
pub fn find(spec: &Path) -> Option<&'static ShippedFile> {
    let mut parts = Vec::new();
    for component in spec.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) | Component::ParentDir => return None,
        }
    }
    let joined = parts.join("/");
    FILES.iter().find(|f| {
        f.path == joined || (parts.len() == 1 && (f.name == joined || f.file_name() == joined))
    })
}

/// The shipped file to read in place of `path`: the one it names (see [`find`]) when
/// nothing, not even a dangling symlink, is at `path`.
pub fn instead_of(path: &Path) -> Option<&'static ShippedFile> {
    let file = find(path)?;
    if std::fs::symlink_metadata(path).is_ok() {
        return None;
    }
    log::debug!(
        "{}: no such file here, so the built-in {} is read",
        path.display(),
        file.path
    );
    Some(file)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_exactly_what_the_shipped_folders_hold() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        for dir in ["playlists", "presets/eq", "presets/fr", "presets/targets"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                on_disk.push(format!("{dir}/{name}"));
            }
        }
        on_disk.sort();
        let mut table: Vec<String> = FILES.iter().map(|f| f.path.to_string()).collect();
        table.sort();
        assert_eq!(table, on_disk);
        for f in FILES {
            assert_eq!(f.text, std::fs::read_to_string(root.join(f.path)).unwrap());
            let same_name = FILES.iter().filter(|g| g.name == f.name).count();
            assert_eq!(same_name, 1, "{} is not a unique name", f.name);
        }
    }

    #[test]
    fn files_are_found_by_path_file_name_or_name_only() {
        let bass = Some("presets/eq/bass-boost.toml");
        let found = |spec: &str| find(Path::new(spec)).map(|f| f.path);
        assert_eq!(found("presets/eq/bass-boost.toml"), bass);
        assert_eq!(found("./presets/eq/bass-boost.toml"), bass);
        assert_eq!(found("bass-boost.toml"), bass);
        assert_eq!(found("bass-boost"), bass);
        assert_eq!(found("Crimson L"), Some("presets/fr/Crimson L.txt"));
        assert_eq!(found("iem-review.toml"), Some("playlists/iem-review.toml"));
        assert_eq!(
            found("harman-ie-2016"),
            Some("presets/targets/harman-ie-2016.csv")
        );
        for other in [
            "/presets/eq/bass-boost.toml",
            "../presets/eq/bass-boost.toml",
            "eq/bass-boost.toml",
            "mine/bass-boost.toml",
            "bass-boost.txt",
            "Bass-Boost",
            "",
        ] {
            assert_eq!(found(other), None, "{other}");
        }
    }

    #[test]
    fn a_file_on_disk_is_read_instead_of_the_shipped_one() {
        // The repository's own copy exists (tests run in the crate's folder), so nothing
        // is substituted for it; a name with nothing behind it is.
        assert!(Path::new("presets/eq/bass-boost.toml").is_file());
        assert!(instead_of(Path::new("presets/eq/bass-boost.toml")).is_none());
        if !Path::new("bass-boost").exists() {
            assert!(instead_of(Path::new("bass-boost")).is_some());
        }
    }
}
