use super::*;

const GOOD: &str = r#"
version = 1
name = "test"

[[sections]]
name = "Bass"

[[sections.tracks]]
artist = ""
title = "A Reckoning in Blood"
focus = "crescendo"
cues = [{ at = "02:50", label = "beats" }, { at = "01:10", label = "crescendo" }]
loops = [{ from = "01:05", to = "01:25" }]
"#;

#[test]
fn parses_sections_tracks_cues_and_loops() {
    let p = Playlist::parse(GOOD, Path::new("/x/p.toml")).unwrap();
    assert_eq!(p.len(), 1);
    let e = &p.sections[0].tracks[0];
    assert_eq!(
        e.cues.iter().map(|c| c.at).collect::<Vec<_>>(),
        [70.0, 170.0]
    );
    assert_eq!(e.loops[0].from, 65.0);
    assert_eq!(e.display_name(), "A Reckoning in Blood");
}

#[test]
fn every_problem_is_listed_with_its_line() {
    let bad = GOOD
        .replace("\"02:50\"", "\"01:10\"")
        .replace("to = \"01:25\"", "to = \"01:00\"")
        .replace(
            "focus = \"crescendo\"",
            "focus = \"crescendo\"\ntempo = 120",
        );
    let err = Playlist::parse(&bad, Path::new("p.toml")).unwrap_err();
    assert!(
        err.to_string().contains("p.toml:12: unknown field `tempo`"),
        "{err}"
    );
    let bad = GOOD
        .replace("\"02:50\"", "\"01:10\"")
        .replace("to = \"01:25\"", "to = \"01:00\"")
        .replace("version = 1", "version = 3");
    let msg = Playlist::parse(&bad, Path::new("p.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("p.toml:2: version: unknown version 3"),
        "{msg}"
    );
    assert!(
        msg.contains("p.toml:12: sections[0].tracks[0].cues[1].at: duplicate cue at 01:10.000"),
        "{msg}"
    );
    assert!(msg.contains("p.toml:13: sections[0].tracks[0].loops[0]: ends at 01:00.000 before it starts at 01:05.000"), "{msg}");
}

#[test]
fn times_past_a_known_length_are_problems() {
    let p = Playlist::parse(GOOD, Path::new("p.toml")).unwrap();
    let problems = p.check_times(&[Some(80.0)]);
    assert_eq!(problems.len(), 2);
    assert!(problems[0].message.contains("02:50.000 is past the end"));
    assert!(p.check_times(&[Some(300.0)]).is_empty());
    assert!(p.check_times(&[None]).is_empty());
}
