//! `iemlab db`: the reviewer's measurement databases (graph-tool folders), and `--db`/`--iem`
//! as every command that takes a measurement reads them.

use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;

use super::config::Config;
use super::exit::UsageError;
use crate::db::{self, Database};

/// `--db DIR`, shared by the commands that take measurements by name.
#[derive(clap::Args, Debug, Clone, Default)]
pub(crate) struct DbArgs {
    /// Measurement database: a squig.link / CrinGraph graph-tool folder (phone_book.json and
    /// `<file> L.txt`/`R.txt`, or its data*/ folder). Repeat for several; default: `db` in
    /// config.toml.
    #[arg(long = "db", value_name = "DIR")]
    pub(crate) dirs: Vec<PathBuf>,
}

impl DbArgs {
    /// The databases asked for (or the config file's), opened; their notes are logged.
    pub(crate) fn open(&self) -> anyhow::Result<Vec<Database>> {
        let dirs = if self.dirs.is_empty() {
            Config::load()?.db
        } else {
            self.dirs.clone()
        };
        let mut dbs = Vec::with_capacity(dirs.len());
        for dir in dirs {
            let db = Database::open(&dir)?;
            for note in &db.notes {
                log::debug!("{}: note: {note}", db.dir.display());
            }
            dbs.push(db);
        }
        Ok(dbs)
    }

    /// [`DbArgs::open`], refusing when there is no database to look names up in.
    pub(crate) fn open_for(&self, what: &str) -> anyhow::Result<Vec<Database>> {
        let dbs = self.open()?;
        if dbs.is_empty() {
            return Err(UsageError(format!(
                "{what}: give --db DIR (a graph-tool folder: phone_book.json and its measurements) or set db = [...] in config.toml"
            ))
            .into());
        }
        Ok(dbs)
    }
}

/// The measurement files of the IEM called `name` (left then right, those that exist).
pub(crate) fn iem_files(dbs: &[Database], name: &str) -> anyhow::Result<Vec<PathBuf>> {
    let found = db::find(dbs, name)?;
    let files: Vec<PathBuf> = found.files().into_iter().flatten().collect();
    if files.is_empty() {
        // Names the files that are missing.
        found.load()?;
    }
    Ok(files)
}

/// What a measurement argument (`--fr`, `--simulate`) means: a file, or with databases open
/// and no such file, the measurements of the IEM of that name.
pub(crate) fn measurement_files(
    dbs: &[Database],
    spec: &std::path::Path,
) -> anyhow::Result<Vec<PathBuf>> {
    if dbs.is_empty() || spec.exists() {
        return Ok(vec![spec.to_path_buf()]);
    }
    iem_files(dbs, &spec.to_string_lossy())
}

/// What a `--target` means: a file or a built-in target as it stands, else a database
/// target of that name (`IEGems` for `IEGems Target.txt`), else as given (and refused with
/// the built-in names later).
pub(crate) fn target_spec(dbs: &[Database], spec: &str) -> anyhow::Result<String> {
    let path = std::path::Path::new(spec);
    if path.is_file() || crate::fr::target::Target::find(spec).is_some() {
        return Ok(spec.to_string());
    }
    Ok(db::find_target(dbs, spec)?.map_or_else(|| spec.to_string(), |p| p.display().to_string()))
}

/// Arguments of `iemlab db`.
#[derive(clap::Args, Debug)]
pub(crate) struct DbCommandArgs {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(clap::Subcommand, Debug)]
enum DbCommand {
    /// List the IEMs of the databases: brand, model, variants and which channel files exist.
    List(ListArgs),
}

#[derive(clap::Args, Debug)]
struct ListArgs {
    /// Only IEMs whose brand, model or variant names hold every word of QUERY.
    #[arg(value_name = "QUERY")]
    query: Vec<String>,
    #[command(flatten)]
    db: DbArgs,
    /// Print one JSON array, one object per IEM.
    #[arg(long)]
    json: bool,
}

/// One IEM in `db list --json`.
#[derive(Serialize)]
struct PhoneJson<'a> {
    brand: &'a str,
    name: &'a str,
    /// The database folder.
    db: String,
    files: Vec<FileJson<'a>>,
}

#[derive(Serialize)]
struct FileJson<'a> {
    /// The variant's name as the graph tool shows it.
    variant: &'a str,
    /// File name without " L.txt"/" R.txt".
    file: &'a str,
    left: bool,
    right: bool,
}

pub(super) fn run(args: DbCommandArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        DbCommand::List(list) => run_list(list),
    }
}

fn run_list(args: ListArgs) -> anyhow::Result<ExitCode> {
    let dbs = args.db.open_for("db list")?;
    let query = args.query.join(" ");
    let mut json = Vec::new();
    let mut count = 0;
    for db in &dbs {
        for note in &db.notes {
            log::info!("note: {}: {note}", db.dir.display());
        }
        for phone in db.search(&query) {
            count += 1;
            if args.json {
                json.push(PhoneJson {
                    brand: &phone.brand,
                    name: &phone.name,
                    db: db.dir.display().to_string(),
                    files: phone
                        .variants
                        .iter()
                        .map(|v| FileJson {
                            variant: &v.name,
                            file: &v.file,
                            left: v.left,
                            right: v.right,
                        })
                        .collect(),
                });
                continue;
            }
            let sides = |v: &db::Variant| match (v.left, v.right) {
                (true, true) => "L R",
                (true, false) => "L only",
                (false, true) => "R only",
                (false, false) => "no files",
            };
            match phone.variants.as_slice() {
                [one] if one.name == phone.name || one.file == phone.name => {
                    println!("{} {}  ({})", phone.brand, phone.name, sides(one));
                }
                variants => {
                    println!("{} {}", phone.brand, phone.name);
                    for v in variants {
                        println!("    {}  ({}; file '{}')", v.name, sides(v), v.file);
                    }
                }
            }
        }
    }
    if args.json {
        super::output::print_json(&json)?;
    } else {
        let targets: Vec<&str> = dbs
            .iter()
            .flat_map(|d| d.targets.iter().map(|(n, _)| n.as_str()))
            .collect();
        log::info!(
            "{count} IEM{} listed; targets: {}",
            if count == 1 { "" } else { "s" },
            if targets.is_empty() {
                "none".to_string()
            } else {
                targets.join(", ")
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
