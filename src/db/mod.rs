//! A reviewer's measurement database in the squig.link / CrinGraph "graph tool" layout: a
//! folder holding `phone_book.json` (or a `data*/` subfolder holding it), the measurements
//! `<file> L.txt` and `<file> R.txt` beside it, and targets `<Name> Target.txt` (beside it or
//! in `targets/`).
//!
//! `phone_book.json` is an array of brands `{ "name", "suffix"?, "phones": [...] }`. A phone
//! is a string (its name and file) or an object: `name`; `file`, a string or a list of
//! variants (default: the name); `suffix`, a list as long as `file` naming each variant
//! (`name suffix`); `prefix`, stripped from each file name to name the variant
//! (`name rest`); `collab`, a second brand (`Brand x Collab`, also listed under that brand).
//! This is what CrinGraph's graphtool.js reads (mlochbaum/CrinGraph, graphtool.js
//! 1545–1592, Configuring.md); other fields (`reviewScore`, `price`, links) are kept as they
//! are and not used.
//!
//! Opening a database reads the book and the folder's file names only; a measurement is
//! parsed when it is used. Problems (a file the book names that is missing, files the book
//! does not list, a brand listed twice) are notes, never fatal.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::exit_status::ExitStatus;
use crate::fr::{FrCurve, FrError};
use crate::problem::{FileProblem, ReadError, read_text};

/// Largest phone_book.json read (the reviewer's is ~30 KB).
const MAX_BOOK_BYTES: u64 = 8 << 20;

/// One measured variant of a phone: a file name and which channels exist.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Variant {
    /// The name the graph tool shows for it (`Brand` not included).
    pub name: String,
    /// The file name without the channel and `.txt`.
    pub file: String,
    /// `<file> L.txt` exists.
    pub left: bool,
    /// `<file> R.txt` exists.
    pub right: bool,
}

/// One phone of the book.
#[derive(Clone, Debug, PartialEq)]
pub struct Phone {
    /// Brand as shown (`Brand x Collab` for a collaboration).
    pub brand: String,
    /// Model name.
    pub name: String,
    /// Its measured variants (one unless the book lists several files).
    pub variants: Vec<Variant>,
}

/// A database folder, read.
#[derive(Clone, Debug)]
pub struct Database {
    /// The folder holding phone_book.json and the measurements.
    pub dir: PathBuf,
    /// Every phone, in book order.
    pub phones: Vec<Phone>,
    /// Targets: (name without " Target", file).
    pub targets: Vec<(String, PathBuf)>,
    /// What is odd about it (missing or unlisted files, a brand listed twice).
    pub notes: Vec<String>,
}

/// Why a database or a name in it cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The folder or its book cannot be read or is not a graph-tool database.
    #[error(transparent)]
    Problem(#[from] FileProblem),
    /// No phone or target has this name.
    #[error("no IEM called '{name}' in {dbs}{}", nearest(.closest))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The databases searched.
        dbs: String,
        /// The nearest names.
        closest: Vec<String>,
    },
    /// Several phones or variants have this name.
    #[error("'{name}' could be {}; give one of them", .candidates.join(", "))]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// Every match, as they can be asked for.
        candidates: Vec<String>,
    },
    /// The name was found but none of its measurements exist.
    #[error("{name}: the database lists it, but neither '{file} L.txt' nor '{file} R.txt' is in {dir}", dir = .dir.display())]
    NoFiles {
        /// The phone or variant.
        name: String,
        /// Its file name.
        file: String,
        /// The folder.
        dir: PathBuf,
    },
    /// A measurement file could not be read.
    #[error(transparent)]
    Fr(#[from] FrError),
}

fn nearest(names: &[String]) -> String {
    if names.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", names.join(", "))
    }
}

/// The user named something that is not (uniquely) there: exit code 2.
impl ExitStatus for DbError {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// A name as matching compares it: lower case, letters and digits only ("Blessing 2",
/// "blessing-2" and "BLESSING2" are one name).
pub fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where phone_book.json is for a database folder: in it, or in one `data*` subfolder.
fn find_book(dir: &Path) -> Result<PathBuf, FileProblem> {
    let direct = dir.join("phone_book.json");
    if direct.is_file() {
        return Ok(direct);
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| FileProblem::file(dir, format!("cannot read the database folder: {e}")))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("data"))
                && p.join("phone_book.json").is_file()
        })
        .map(|p| p.join("phone_book.json"))
        .collect();
    found.sort();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(FileProblem::file(
            dir,
            "not a graph-tool database: no phone_book.json in it or in a data*/ folder",
        )),
        several => Err(FileProblem::file(
            dir,
            format!(
                "several phone books ({}): give the folder of the one to use",
                several
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

impl Database {
    /// Opens the database in `dir` (or its `data*/` subfolder): the book and the names of
    /// the files beside it.
    pub fn open(dir: &Path) -> Result<Database, DbError> {
        let book = find_book(dir)?;
        let root = book.parent().unwrap_or(dir).to_path_buf();
        let text = read_text(&book, MAX_BOOK_BYTES, "a phone book").map_err(|e| match e {
            ReadError::Io(e) => FileProblem::file(&book, format!("cannot read: {e}")),
            ReadError::Invalid(p) => p,
        })?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| FileProblem::at(&book, e.line(), format!("not valid JSON: {e}")))?;
        let files: HashSet<String> = std::fs::read_dir(&root)
            .map_err(|e| FileProblem::file(&root, format!("cannot list: {e}")))?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        let mut targets: Vec<(String, PathBuf)> = files
            .iter()
            .filter_map(|f| Some((f.strip_suffix(" Target.txt")?.to_string(), root.join(f))))
            .collect();
        if let Ok(entries) = std::fs::read_dir(root.join("targets")) {
            targets.extend(entries.filter_map(Result::ok).filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                let stem = name.strip_suffix(".txt")?;
                let stem = stem.strip_suffix(" Target").unwrap_or(stem);
                Some((stem.to_string(), e.path()))
            }));
        }
        targets.sort();
        let mut db = Database {
            dir: root,
            phones: Vec::new(),
            targets,
            notes: Vec::new(),
        };
        db.read_book(&value, &book, &files)?;
        Ok(db)
    }

    /// Reads the brands and phones of the book.
    fn read_book(
        &mut self,
        value: &Value,
        book: &Path,
        files: &HashSet<String>,
    ) -> Result<(), FileProblem> {
        let brands = value
            .as_array()
            .ok_or_else(|| FileProblem::file(book, "a phone book is a JSON array of brands"))?;
        let mut seen_brands: Vec<String> = Vec::new();
        let mut used: HashSet<String> = HashSet::new();
        for (b, brand) in brands.iter().enumerate() {
            let Some(brand_name) = brand.get("name").and_then(Value::as_str) else {
                self.notes
                    .push(format!("brand {} has no name: left out", b + 1));
                continue;
            };
            if seen_brands.iter().any(|s| key(s) == key(brand_name)) {
                self.notes.push(format!(
                    "brand '{brand_name}' is listed twice: both lists are read"
                ));
            } else {
                seen_brands.push(brand_name.to_string());
            }
            let phones = brand.get("phones").and_then(Value::as_array);
            for phone in phones.map(Vec::as_slice).unwrap_or_default() {
                match read_phone(brand_name, phone, files) {
                    Some(p) => {
                        for v in &p.variants {
                            used.insert(v.file.clone());
                            if !v.left && !v.right {
                                self.notes.push(format!(
                                    "{} {}: no '{} L.txt' or '{} R.txt'",
                                    p.brand, v.name, v.file, v.file
                                ));
                            }
                        }
                        self.phones.push(p);
                    }
                    None => self.notes.push(format!(
                        "brand '{brand_name}': a phone entry that is neither a name nor an object with a name: left out"
                    )),
                }
            }
        }
        let unlisted: BTreeSet<&str> = files
            .iter()
            .filter_map(|f| {
                f.strip_suffix(" L.txt")
                    .or_else(|| f.strip_suffix(" R.txt"))
            })
            .filter(|stem| !used.contains(*stem))
            .collect();
        if !unlisted.is_empty() {
            self.notes.push(format!(
                "{} measurement{} not in the phone book: {}",
                unlisted.len(),
                if unlisted.len() == 1 { "" } else { "s" },
                unlisted.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        Ok(())
    }

    /// Phones whose brand, name or variant names contain every word of `query` (all when
    /// empty), as `db list` shows them.
    pub fn search(&self, query: &str) -> Vec<&Phone> {
        let words: Vec<String> = query.split_whitespace().map(key).collect();
        self.phones
            .iter()
            .filter(|p| {
                let hay = format!(
                    "{} {} {}",
                    key(&p.brand),
                    key(&p.name),
                    p.variants
                        .iter()
                        .map(|v| format!("{} {}", key(&v.name), key(&v.file)))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect()
    }
}

/// One phone entry of the book under `brand`; None when it has no name.
fn read_phone(brand: &str, entry: &Value, files: &HashSet<String>) -> Option<Phone> {
    let exists = |file: &str, side: &str| files.contains(&format!("{file} {side}.txt"));
    let variant = |name: String, file: String| Variant {
        left: exists(&file, "L"),
        right: exists(&file, "R"),
        name,
        file,
    };
    if let Some(name) = entry.as_str() {
        return Some(Phone {
            brand: brand.to_string(),
            name: name.to_string(),
            variants: vec![variant(name.to_string(), name.to_string())],
        });
    }
    let name = entry.get("name")?.as_str()?.to_string();
    let brand = match entry.get("collab").and_then(Value::as_str) {
        Some(collab) => format!("{brand} x {collab}"),
        None => brand.to_string(),
    };
    let variants = match entry.get("file") {
        Some(Value::Array(list)) => {
            let files: Vec<String> = list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            let suffixes: Option<Vec<String>> = entry.get("suffix").and_then(|s| {
                let list = s.as_array()?;
                Some(
                    list.iter()
                        .map(|v| v.as_str().unwrap_or_default().to_string())
                        .collect(),
                )
            });
            let prefix = entry.get("prefix").and_then(Value::as_str);
            files
                .iter()
                .enumerate()
                .map(|(i, file)| {
                    let shown = match (&suffixes, prefix) {
                        (Some(s), _) if s.len() == files.len() => {
                            match s.get(i).map(String::as_str).unwrap_or_default() {
                                "" => name.clone(),
                                suffix => format!("{name} {suffix}"),
                            }
                        }
                        (_, Some(prefix)) => match file.strip_prefix(prefix) {
                            Some(rest) => format!("{name} {}", rest.trim_start()),
                            None => file.clone(),
                        },
                        _ => file.clone(),
                    };
                    variant(shown, file.clone())
                })
                .collect()
        }
        Some(Value::String(file)) => vec![variant(name.clone(), file.clone())],
        _ => vec![variant(name.clone(), name.clone())],
    };
    Some(Phone {
        brand,
        name,
        variants,
    })
}

/// A measurement found by name: which database, phone and variant.
#[derive(Clone, Debug)]
pub struct Found<'a> {
    /// The database.
    pub db: &'a Database,
    /// The phone.
    pub phone: &'a Phone,
    /// The variant.
    pub variant: &'a Variant,
}

impl Found<'_> {
    /// "Brand Variant", as messages and legends name it.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.phone.brand, self.variant.name)
    }

    /// The left and right measurement files that exist.
    pub fn files(&self) -> [Option<PathBuf>; 2] {
        let file = |side: &str, there: bool| {
            there.then(|| {
                self.db
                    .dir
                    .join(format!("{} {side}.txt", self.variant.file))
            })
        };
        [file("L", self.variant.left), file("R", self.variant.right)]
    }

    /// Both channels' measurements (a channel without a file is None; at least one is
    /// there), named "Brand Variant L" and "… R".
    pub fn load(&self) -> Result<[Option<FrCurve>; 2], DbError> {
        let [l, r] = self.files();
        if l.is_none() && r.is_none() {
            return Err(DbError::NoFiles {
                name: self.full_name(),
                file: self.variant.file.clone(),
                dir: self.db.dir.clone(),
            });
        }
        let load = |path: Option<PathBuf>, side: &str| -> Result<Option<FrCurve>, DbError> {
            let Some(path) = path else { return Ok(None) };
            let mut curve = FrCurve::load(&path)?;
            curve.name = format!("{} {side}", self.full_name());
            Ok(Some(curve))
        };
        Ok([load(l, "L")?, load(r, "R")?])
    }
}

/// Every name a variant answers to: "Brand Model", "Model", "Brand Variant", the variant's
/// name and its file name (compared as [`key`]s).
fn names(phone: &Phone, variant: &Variant) -> [String; 5] {
    [
        key(&format!("{} {}", phone.brand, phone.name)),
        key(&phone.name),
        key(&format!("{} {}", phone.brand, variant.name)),
        key(&variant.name),
        key(&variant.file),
    ]
}

/// Finds `name` in `dbs`: a variant whose own name, file name or "Brand Variant" is `name`,
/// else a phone with that model name or "Brand Model" when it has one variant. Several
/// matches are ambiguous; none gives the closest names.
pub fn find<'a>(dbs: &'a [Database], name: &str) -> Result<Found<'a>, DbError> {
    let wanted = key(name);
    let all = || {
        dbs.iter().flat_map(|db| {
            db.phones.iter().flat_map(move |phone| {
                phone
                    .variants
                    .iter()
                    .map(move |variant| Found { db, phone, variant })
            })
        })
    };
    // Per phone: the variants named so, else all its variants when its model is named so
    // (a variant named exactly wins over its siblings, "FH11" over "FH11 Preproduction").
    let mut matches: Vec<Found<'a>> = Vec::new();
    for db in dbs {
        for phone in &db.phones {
            let found = |variant| Found { db, phone, variant };
            let exact: Vec<Found<'a>> = phone
                .variants
                .iter()
                .filter(|v| {
                    let [_, _, brand_variant, variant, file] = names(phone, v);
                    [brand_variant, variant, file].contains(&wanted)
                })
                .map(found)
                .collect();
            if !exact.is_empty() {
                matches.extend(exact);
            } else if phone.variants.first().is_some_and(|v| {
                let [brand_model, model, ..] = names(phone, v);
                [brand_model, model].contains(&wanted)
            }) {
                matches.extend(phone.variants.iter().map(found));
            }
        }
    }
    // A brand listed twice (or one folder given twice) lists the same file twice: one match.
    let mut seen = HashSet::new();
    matches.retain(|f| seen.insert((f.db.dir.clone(), f.variant.file.clone())));
    // Punctuation that the keys drop still tells "T2+" from "T2" when typed exactly.
    if matches.len() > 1 {
        let typed = name.trim().to_lowercase();
        let exact: Vec<Found<'a>> = matches
            .iter()
            .filter(|f| {
                [
                    f.full_name(),
                    f.variant.name.clone(),
                    f.variant.file.clone(),
                    f.phone.name.clone(),
                ]
                .iter()
                .any(|n| n.to_lowercase() == typed)
            })
            .cloned()
            .collect();
        if exact.len() == 1 {
            matches = exact;
        }
    }
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => {
            let mut scored: Vec<(f64, String)> = all()
                .map(|f| {
                    let full = f.full_name();
                    let score = strsim::normalized_levenshtein(&key(&full), &wanted).max(
                        strsim::normalized_levenshtein(&key(&f.variant.name), &wanted),
                    );
                    (score, full)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored.dedup_by(|a, b| a.1 == b.1);
            Err(DbError::Unknown {
                name: name.to_string(),
                dbs: dbs
                    .iter()
                    .map(|d| d.dir.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                // The best, and any others nearly as close.
                closest: scored
                    .iter()
                    .take(3)
                    .filter(|(score, _)| {
                        scored
                            .first()
                            .is_some_and(|(best, _)| *score >= best - 0.15)
                    })
                    .map(|(_, n)| n.clone())
                    .collect(),
            })
        }
        several => Err(DbError::Ambiguous {
            name: name.to_string(),
            candidates: several.iter().map(Found::full_name).collect(),
        }),
    }
}

/// The target called `name` (with or without " Target") in `dbs`: None when there is none,
/// an error naming the files when several are (beside the book and in `targets/`, or in two
/// databases).
pub fn find_target<'a>(dbs: &'a [Database], name: &str) -> Result<Option<&'a Path>, DbError> {
    let wanted = key(name);
    let bare = wanted.strip_suffix("target").unwrap_or(&wanted);
    let found: Vec<&Path> = dbs
        .iter()
        .flat_map(|db| &db.targets)
        .filter(|(n, _)| key(n) == wanted || key(n) == bare)
        .map(|(_, p)| p.as_path())
        .collect();
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        several => Err(DbError::Ambiguous {
            name: name.to_string(),
            candidates: several.iter().map(|p| p.display().to_string()).collect(),
        }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests;
