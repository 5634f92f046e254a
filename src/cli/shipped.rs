//! `iemlab shipped`: the playlists, EQ profiles, measurements and targets built into iemlab,
//! which every command finds by name from any folder; or one of them, printed or saved to
//! edit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use super::output::{is_stdout, write_stdout};
use crate::fr::target::{TARGETS, Target};
use crate::playlist::Playlist;
use crate::preset::EqProfile;
use crate::shipped::{FILES, Kind, ShippedFile};

/// Arguments of `iemlab shipped`.
#[derive(clap::Args, Debug)]
pub(super) struct ShippedArgs {
    /// A shipped file to print (or save with -o), by name, e.g. `bass-boost`.
    #[arg(value_name = "NAME")]
    name: Option<String>,
    /// Save it here instead (`-`: print).
    #[arg(short, long, value_name = "FILE", requires = "name")]
    output: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long, requires = "output")]
    force: bool,
    /// Print the list as one JSON array (kind, name, path, title).
    #[arg(long, conflicts_with = "name")]
    json: bool,
}

/// One shipped file in the list.
#[derive(Serialize)]
struct Listed {
    /// `playlist`, `profile`, `measurement` or `target`.
    kind: &'static str,
    /// What to type where a file goes.
    name: &'static str,
    /// Its path in iemlab's repository.
    path: &'static str,
    /// Its own name: the profile's or playlist's `name`, the target's full name.
    title: String,
}

pub(super) fn run(args: ShippedArgs) -> anyhow::Result<ExitCode> {
    let Some(name) = &args.name else {
        let list: Vec<Listed> = FILES.iter().map(listed).collect();
        if args.json {
            super::output::print_json(&list)?;
        } else {
            print_list(&list);
        }
        return Ok(ExitCode::SUCCESS);
    };
    let Some(file) = crate::shipped::find(Path::new(name)) else {
        let names: Vec<&str> = FILES.iter().map(|f| f.name).collect();
        return Err(super::exit::usage(format!(
            "no shipped file '{name}'; shipped: {}",
            names.join(", ")
        )));
    };
    match &args.output {
        None => write_stdout(file.text.as_bytes())?,
        Some(dest) if is_stdout(dest) => write_stdout(file.text.as_bytes())?,
        Some(dest) => {
            crate::atomic_file::save(dest, file.text.as_bytes(), args.force)
                .with_context(|| format!("saving {}", file.path))?;
            log::info!("wrote {} (a copy of {})", dest.display(), file.path);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn listed(f: &'static ShippedFile) -> Listed {
    let path = Path::new(f.path);
    let (kind, title) = match f.kind {
        Kind::Playlist => (
            "playlist",
            Playlist::parse(f.text, path)
                .ok()
                .map(|p| format!("{} ({} tracks)", p.name, p.len())),
        ),
        Kind::Profile => (
            "profile",
            EqProfile::parse(f.text, path).ok().map(|p| p.name),
        ),
        Kind::Measurement => ("measurement", None),
        Kind::Target => ("target", Target::find(f.name).map(|t| t.name.to_string())),
    };
    Listed {
        kind,
        name: f.name,
        path: f.path,
        // Every shipped file parses (a test checks it); a name is all the list needs.
        title: title.unwrap_or_else(|| f.name.to_string()),
    }
}

fn print_list(list: &[Listed]) {
    let mut last = None;
    for (item, file) in list.iter().zip(FILES) {
        if last != Some(file.kind) {
            last = Some(file.kind);
            println!("{}:", heading(file.kind));
        }
        println!("  {:<18} {}", item.name, item.title);
    }
    println!(
        "\nA name works wherever a file goes, from any folder (a file of that name there comes \
         first):\n  iemlab export bass-boost --format apo\n  iemlab fit --fr \"Crimson L\" \
         --target harman-ie-2019 -o crimson.toml\n`iemlab shipped NAME -o FILE` saves a copy to edit."
    );
}

/// "EQ profiles", or for targets how to use them and the ones without a file.
fn heading(kind: Kind) -> String {
    if kind != Kind::Target {
        return kind.plural().to_string();
    }
    let variants: Vec<&str> = TARGETS
        .iter()
        .map(|t| t.id)
        .filter(|id| FILES.iter().all(|f| f.name != *id))
        .collect();
    format!(
        "{} (--target ID; also built in: {})",
        kind.plural(),
        variants.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_parses_as_what_it_is() {
        for f in FILES {
            let path = Path::new(f.path);
            match f.kind {
                Kind::Playlist => assert!(Playlist::parse(f.text, path).is_ok(), "{}", f.path),
                Kind::Profile => assert!(EqProfile::parse(f.text, path).is_ok(), "{}", f.path),
                Kind::Measurement | Kind::Target => {
                    assert!(crate::fr::parse::parse(f.text, path).is_ok(), "{}", f.path);
                }
            }
        }
    }
}
