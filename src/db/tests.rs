//! The database against the reviewer's layout (tests/data/graphtool) and hand-made books.

use super::*;

fn graphtool() -> Database {
    Database::open(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/graphtool")).unwrap()
}

#[test]
fn reads_the_book_and_notes_its_quirks() {
    let db = graphtool();
    assert_eq!(db.phones.len(), 16);
    let fh11 = db.phones.iter().find(|p| p.name == "FH11").unwrap();
    assert_eq!(fh11.variants.len(), 2);
    assert!(fh11.variants[0].left && fh11.variants[0].right);
    assert!(!fh11.variants[1].left && !fh11.variants[1].right);
    let chu = db.phones.iter().find(|p| p.name == "Chu").unwrap();
    assert!(chu.variants[0].left && !chu.variants[0].right);
    let notes = db.notes.join("\n");
    assert!(
        notes.contains("brand 'Moondrop' is listed twice"),
        "{notes}"
    );
    assert!(
        notes.contains("Fiio FH11 Preproduction: no 'FH11 Preproduction L.txt'"),
        "{notes}"
    );
    assert!(!notes.contains("not in the phone book"), "{notes}");
    let names: Vec<&str> = db.targets.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Harman IE 2019 v2", "IEGems"]);
}

#[test]
fn names_resolve_as_people_type_them() {
    let dbs = [graphtool()];
    let full = |n: &str| find(&dbs, n).map(|f| f.full_name());
    assert_eq!(full("Crimson").unwrap(), "Symphonium Crimson");
    assert_eq!(full("symphonium crimson").unwrap(), "Symphonium Crimson");
    assert_eq!(full("blessing-2").unwrap(), "Moondrop Blessing 2");
    assert_eq!(full("IE900").unwrap(), "Sennheiser IE900");
    // A variant by its file name; a phone with one variant by its book name.
    assert_eq!(full("Turbo 0001").unwrap(), "Penon Turbo 0001");
    assert_eq!(full("FF3 (Earbuds)").unwrap(), "Fiio FF3");
    assert_eq!(full("64 Audio Trio").unwrap(), "64 Audio Trio");
    match find(&dbs, "Turbo").unwrap_err() {
        DbError::Ambiguous { candidates, .. } => {
            assert_eq!(
                candidates,
                ["Penon Turbo 0000", "Penon Turbo 0001", "Penon Turbo 1111"]
            )
        }
        e => panic!("{e}"),
    }
    let trio = find(&dbs, "Trio").unwrap_err().to_string();
    assert!(
        trio.contains("CCA Trio 0000") && trio.contains("64 Audio Trio"),
        "{trio}"
    );
    let unknown = find(&dbs, "Crimsen").unwrap_err().to_string();
    assert!(unknown.contains("closest: Symphonium Crimson"), "{unknown}");
    let missing = find(&dbs, "Variations")
        .unwrap()
        .load()
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("neither 'Variations L.txt' nor 'Variations R.txt'"),
        "{missing}"
    );
    let [l, r] = find(&dbs, "Crimson").unwrap().load().unwrap();
    assert_eq!(l.unwrap().name, "Symphonium Crimson L");
    assert!(r.is_some());
    assert!(find_target(&dbs, "iegems target").unwrap().is_some());
    assert!(find_target(&dbs, "nonesuch").unwrap().is_none());
    // The same target in two databases: which one is the user's to say.
    let twice = [graphtool(), graphtool()];
    let err = find_target(&twice, "IEGems").unwrap_err().to_string();
    assert!(
        err.contains("'IEGems' could be") && err.contains("IEGems Target.txt"),
        "{err}"
    );
}

#[test]
fn suffix_prefix_and_collab_name_variants_as_graphtool_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data_mine")).unwrap();
    let root = dir.path().join("data_mine");
    std::fs::write(
        root.join("phone_book.json"),
        r#"[{"name": "Brand", "phones": [
            {"name": "Ace", "file": ["Ace A", "Ace B"], "suffix": ["", "(B filter)"]},
            {"name": "Duo", "file": ["Duo v1", "Duo v2"], "prefix": "Duo"},
            {"name": "Tri", "collab": "Other", "reviewScore": 4}
        ]}, {"name": "Nameless"}, 42]"#,
    )
    .unwrap();
    for f in ["Ace A L.txt", "Extra R.txt"] {
        std::fs::write(root.join(f), "20 80\n20000 80\n").unwrap();
    }
    // The book is found in the data*/ folder.
    let db = Database::open(dir.path()).unwrap();
    let names: Vec<String> = db
        .phones
        .iter()
        .flat_map(|p| {
            p.variants
                .iter()
                .map(move |v| format!("{}|{}|{}", p.brand, v.name, v.file))
        })
        .collect();
    assert_eq!(
        names,
        [
            "Brand|Ace|Ace A",
            "Brand|Ace (B filter)|Ace B",
            "Brand|Duo v1|Duo v1",
            "Brand|Duo v2|Duo v2",
            "Brand x Other|Tri|Tri"
        ]
    );
    let notes = db.notes.join("\n");
    assert!(
        notes.contains("1 measurement not in the phone book: Extra"),
        "{notes}"
    );
    assert!(notes.contains("brand 3 has no name"), "{notes}");
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join("phone_book.json"),
        "[{\"name\": \"X\",\n \"phones\": [}",
    )
    .unwrap();
    let err = Database::open(broken.path()).unwrap_err().to_string();
    assert!(err.contains("phone_book.json:2: not valid JSON"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let err = Database::open(empty.path()).unwrap_err().to_string();
    assert!(err.contains("not a graph-tool database"), "{err}");
}

#[test]
fn punctuation_tells_names_apart_when_typed_exactly_and_duplicates_are_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("phone_book.json"),
        r#"[{"name": "Tin HiFi", "phones": ["T2", "T2+"]}, {"name": "Tin HiFi", "phones": ["T2"]}]"#,
    )
    .unwrap();
    for f in ["T2 L.txt", "T2+ L.txt"] {
        std::fs::write(dir.path().join(f), "20 80\n20000 80\n").unwrap();
    }
    let dbs = [Database::open(dir.path()).unwrap()];
    assert_eq!(find(&dbs, "T2+").unwrap().full_name(), "Tin HiFi T2+");
    assert_eq!(find(&dbs, "t2").unwrap().full_name(), "Tin HiFi T2");
    // "T-2" is both by its key and neither exactly.
    assert!(matches!(find(&dbs, "T-2"), Err(DbError::Ambiguous { .. })));
}
