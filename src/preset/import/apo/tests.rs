#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use super::super::q::q_from_shelf_slope;
use super::*;
use crate::dsp::{BandSpec, FilterKind};

fn apo(text: &str) -> Read {
    parse(text, Path::new("x.txt"), "x").unwrap()
}

fn err(text: &str) -> String {
    match parse(text, Path::new("bad.txt"), "x") {
        Ok(read) => panic!("{text:?} was read: {:?}", read.profile),
        Err(e) => e.to_string(),
    }
}

/// The whole import (validation included) of `text` as the file at `path`.
fn import(text: &str, path: &Path) -> Result<super::super::Imported, ImportError> {
    super::super::parse(text, path)
}

#[test]
fn reads_autoeq_parametric_eq() {
    let read = apo(
        "Preamp: -3.4 dB\nFilter 1: ON LSC Fc 105 Hz Gain -0.2 dB Q 0.70\nFilter 2: ON PK Fc 164 Hz Gain -2.6 dB Q 0.92\n",
    );
    let p = read.profile;
    assert_eq!(p.preamp_db, -3.4);
    assert!(!p.is_per_channel());
    let b = p.bands();
    assert_eq!(b[0].kind, FilterKind::LowShelf);
    assert_eq!(b[1], BandSpec::peaking(164.0, -2.6, 0.92));
    assert_eq!(read.format, "Equalizer APO parametric");
    assert_eq!(read.places.bands[1].line, 3);
    assert_eq!(read.places.preamp.unwrap().line, 1);
}

#[test]
fn reads_rew_spacing_commas_and_what_apo_reads_alike() {
    let read = apo(
        "Filter Settings file\nEqualiser: Generic\nFilter  1: ON  PK       Fc   321,5 Hz  Gain  -1.90 dB  BW Oct 1\nFilter  2: ON  None\nFilter 3: OFF PK Fc 1000 Hz Gain 3 dB Q 1\nFilter :ON PK Fc 8.000 Hz Gain 2 dB Q 1\nFilter: On PK Fc 50 Hz Gain 2 dB Q 1\n",
    );
    let b = read.profile.bands();
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].freq_hz, 321.5);
    assert!((b[0].q - std::f64::consts::SQRT_2).abs() < 2e-3);
    assert_eq!(b[1], BandSpec::peaking(8000.0, 2.0, 1.0));
    let notes = read.notes.join("\n");
    assert!(
        notes.contains("line 1: ignored 'Filter Settings file'"),
        "{notes}"
    );
    assert!(
        notes.contains("line 2: ignored the 'Equaliser' command"),
        "{notes}"
    );
    assert!(
        notes.contains("line 6: Fc 8.000 Hz read as 8000 Hz"),
        "{notes}"
    );
    assert!(notes.contains("line 7: skipped 'Filter: On PK"), "{notes}");
    assert!(notes.contains("upper-case ON"), "{notes}");
}

#[test]
fn commands_are_read_with_apos_case() {
    let read =
        apo("preamp: -6 dB\nPreamp: -1 dB\nchannel: L\nFILTER 1: ON PK Fc 1000 Hz Gain 1 dB Q 1\n");
    assert_eq!(read.profile.preamp_db, -1.0);
    assert!(read.profile.bands().is_empty());
    let notes = read.notes.join("\n");
    assert!(
        notes.contains("line 1: ignored 'preamp: -6 dB': Equalizer APO reads 'Preamp'"),
        "{notes}"
    );
    assert!(notes.contains("line 3: ignored 'channel: L'"), "{notes}");
    assert!(notes.contains("line 4: ignored 'FILTER 1:"), "{notes}");
}

#[test]
fn malformed_lines_name_their_line() {
    assert_eq!(
        err("Preamp: -3 dB\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB\n"),
        "bad.txt:2: Filter: a PK filter needs Q or BW Oct"
    );
    assert!(
        err("Filter 1: ON XX Fc 1 Hz").starts_with("bad.txt:1: Filter: unknown filter type 'XX'")
    );
    assert!(err("\n\nGraphicEQ: 20 0; 10 1").starts_with("bad.txt:3: GraphicEQ node 2"));
    assert!(err("Filter 1: ON PK Fc abc Hz Gain 1 dB Q 1").contains("Fc: 'abc' is not a number"));
    assert!(err("Filter 1: ON PK Fc 1..2 Hz Gain 1 dB Q 1").contains("'1..2' is not a number"));
    assert!(err("hello\n").contains("no Preamp, Filter or GraphicEQ"));
    assert!(err("Preamp: loud").contains("bad.txt:1: Preamp: 'loud' is not a number"));
}

#[test]
fn values_beyond_any_profile_are_named_at_their_line() {
    let refused = |text: &str| {
        import(text, Path::new("big.txt"))
            .err()
            .unwrap()
            .to_string()
    };
    let e = refused("Filter: ON PK Fc 100 Hz Gain 1 dB Q 1\nPreamp: 1e300 dB\n");
    assert!(
        e.starts_with("big.txt:2: preamp_db: the imported value is not valid: 1000")
            && e.ends_with(" dB is beyond ±30 dB"),
        "{e}"
    );
    let e = refused("Preamp: 1e308 dB\nPreamp: 1e308 dB\n");
    assert!(
        e.starts_with("big.txt:2: preamp_db: the imported value is not valid"),
        "{e}"
    );
    let e = refused("GraphicEQ: 20 1e300; 30 -1e300\n");
    assert!(e.starts_with("big.txt:1: "), "{e}");
}

#[test]
fn channel_sections_make_a_per_channel_profile() {
    let read = apo("Preamp: -6 dB\n\
         Filter: ON PK Fc 100 Hz Gain 2 dB Q 1\n\
         Channel: L\n\
         Preamp: -5 dB\n\
         Filter: ON PK Fc 1000 Hz Gain -3 dB Q 2\n\
         Channel: 2\n\
         Filter: ON PK Fc 2000 Hz Gain 1 dB Q 2\n\
         channel: l\n\
         Channel: all\n\
         Filter: ON HSC Fc 10000 Hz Gain -1 dB Q 0.7\n\
         Channel: 1 R\n\
         Preamp: 1 dB\n");
    let p = &read.profile;
    assert!(p.is_per_channel());
    let (low, left, right, high) = (
        BandSpec::peaking(100.0, 2.0, 1.0),
        BandSpec::peaking(1000.0, -3.0, 2.0),
        BandSpec::peaking(2000.0, 1.0, 2.0),
        BandSpec {
            kind: FilterKind::HighShelf,
            freq_hz: 10_000.0,
            gain_db: -1.0,
            q: 0.7,
        },
    );
    assert_eq!(p.channel_bands(Channel::Left), vec![low, left, high]);
    assert_eq!(p.channel_bands(Channel::Right), vec![low, right, high]);
    assert_eq!(p.channel_preamp_db(Channel::Left), -10.0);
    assert_eq!(p.channel_preamp_db(Channel::Right), -5.0);
    // Shared: the band both begin with, named at its line; each channel's own at theirs.
    assert_eq!(p.bands(), vec![low]);
    assert_eq!(read.places.bands[0].line, 2);
    let lines = |c: usize| -> Vec<usize> {
        read.places.channel_bands[c]
            .iter()
            .map(|p| p.line)
            .collect()
    };
    assert_eq!((lines(0), lines(1)), (vec![5, 10], vec![7, 10]));
    assert_eq!(read.places.preamp.as_ref().unwrap().line, 12);
    assert!(
        read.notes
            .iter()
            .any(|n| n.contains("line 8: ignored 'channel: l'"))
    );
}

#[test]
fn the_same_filters_on_each_channel_make_a_shared_profile() {
    let read = apo(
        "Channel: L\nPreamp: -2 dB\nFilter: ON PK Fc 100 Hz Gain 2 dB Q 1\nChannel: R\nPreamp: -2 dB\nFilter: ON PK Fc 100 Hz Gain 2 dB Q 1\n",
    );
    assert!(!read.profile.is_per_channel());
    assert_eq!(read.profile.preamp_db, -2.0);
    assert_eq!(read.profile.bands().len(), 1);
}

#[test]
fn channels_beyond_two_are_refused_at_their_line() {
    for (channel, what) in [
        ("C", "the centre channel"),
        ("2 C", "the centre channel"),
        ("L SL", "a side channel"),
        ("LFE", "the subwoofer channel"),
        ("3", "channel 3"),
        ("0", "channel 0"),
        ("L2 R2", "'L2', a channel other than L and R"),
    ] {
        let e = err(&format!(
            "Preamp: -1 dB\nChannel: {channel}\nFilter: ON PK Fc 1 Hz Gain 1 dB Q 1\n"
        ));
        assert_eq!(
            e,
            format!(
                "bad.txt:2: 'Channel: {channel}' selects {what}; a profile holds the left and right channels only (L or 1, R or 2, all)"
            )
        );
    }
    assert!(err("Channel:\n").starts_with("bad.txt:1: 'Channel:' names no channel"));
}

#[test]
fn what_a_profile_cannot_hold_is_refused_with_what_it_does() {
    for (line, what) in [
        ("Copy: L=0.5*L+0.5*R", "copies or mixes channels"),
        ("Delay: 500 ms", "delays channels"),
        (
            "Convolution: room.wav",
            "convolves with an impulse response file",
        ),
        ("VSTPlugin: Library x.dll", "runs a VST plugin"),
        (
            "LoudnessCorrection: State 1",
            "changes the sound with the volume setting",
        ),
        (
            "Device: all",
            "selects the playback devices the lines after it apply to",
        ),
        (
            "Stage: post-mix",
            "selects the processing stage the lines after it apply to",
        ),
        ("Eval: x = 3", "sets a variable with an expression"),
        (
            "If: x == 3",
            "makes the lines after it depend on an expression",
        ),
        (
            "ElseIf: x == 4",
            "makes the lines after it depend on an expression",
        ),
        ("Else:", "makes the lines after it depend on an expression"),
        ("EndIf:", "ends lines that depend on an expression"),
        (
            "Filter: ON IIR Order 2 Coefficients 1 0 0 1 0 0",
            "is an IIR filter given by its coefficients",
        ),
        ("Preamp: `x` dB", "holds an inline expression"),
    ] {
        let e = err(&format!("Preamp: -1 dB\n  {line}\n"));
        assert!(e.starts_with(&format!("bad.txt:2: '{line}' {what}")), "{e}");
    }
}

/// A folder of files for one test.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn includes_apply_where_they_are_with_the_channels_selected_then() {
    let dir = folder(&[
        (
            "conf/config.txt",
            "Preamp: -3 dB\nChannel: R\nInclude: ..\\eq\\right.txt\nFilter: ON PK Fc 300 Hz Gain 3 dB Q 1\nChannel: L\nInclude: ../eq/left.txt\n",
        ),
        (
            "eq/right.txt",
            "Preamp: -1 dB\nFilter: ON PK Fc 100 Hz Gain 1 dB Q 1\nChannel: L\nFilter: ON PK Fc 200 Hz Gain 2 dB Q 1\n",
        ),
        ("eq/left.txt", "\u{feff}Include: sub/inner.txt\n"),
        (
            "eq/sub/inner.txt",
            "Filter: ON PK Fc 400 Hz Gain 4 dB Q 1\r\n",
        ),
    ]);
    let top = dir.path().join("conf/config.txt");
    let read = parse(&std::fs::read_to_string(&top).unwrap(), &top, "x").unwrap();
    let p = &read.profile;
    let freqs = |c| -> Vec<f64> { p.channel_bands(c).iter().map(|b| b.freq_hz).collect() };
    // right.txt's Channel: L applies inside it only; the 300 Hz filter is the right's again.
    assert_eq!(freqs(Channel::Right), vec![100.0, 300.0]);
    assert_eq!(freqs(Channel::Left), vec![200.0, 400.0]);
    assert_eq!(p.channel_preamp_db(Channel::Right), -4.0);
    assert_eq!(p.channel_preamp_db(Channel::Left), -3.0);
    let inner = &read.places.channel_bands[0][1];
    assert!(inner.path.ends_with("eq/sub/inner.txt"), "{inner:?}");
    assert_eq!(inner.line, 1);
}

#[test]
fn problems_in_included_files_name_that_file_and_the_includes() {
    let dir = folder(&[
        ("a.txt", "Preamp: -3 dB\n\nInclude: b.txt\n"),
        ("b.txt", "# b\nInclude: c.txt\n"),
        (
            "c.txt",
            "Filter: ON PK Fc 1000 Hz Gain 3 dB Q 1\nDelay: 10 ms\n",
        ),
        (
            "loud.txt",
            "Filter: ON PK Fc 1000 Hz Gain 1 dB Q 1\nFilter: ON PK Fc 2000 Hz Gain 45 dB Q 1\n",
        ),
        ("uses-loud.txt", "Channel: R\nInclude: loud.txt\n"),
        ("missing.txt", "Preamp: -1 dB\nInclude: nowhere.txt\n"),
        ("self.txt", "Include: other.txt\n"),
        ("other.txt", "Preamp: 1 dB\nInclude: self.txt\n"),
        ("deep0.txt", "Include: deep1.txt\n"),
    ]);
    for i in 1..=9 {
        std::fs::write(
            dir.path().join(format!("deep{i}.txt")),
            format!("Include: deep{}.txt\n", i + 1),
        )
        .unwrap();
    }
    let at = |name: &str| dir.path().join(name);
    let run = |name: &str| -> String {
        let path = at(name);
        import(&std::fs::read_to_string(&path).unwrap(), &path)
            .map(|i| format!("{:?}", i.profile))
            .unwrap_or_else(|e| e.to_string())
    };
    assert_eq!(
        run("a.txt"),
        format!(
            "{}:2: 'Delay: 10 ms' delays channels, which a profile (a preamp and filters for the left and right channels) cannot hold (included from {}:2, from {}:3)",
            at("c.txt").display(),
            at("b.txt").display(),
            at("a.txt").display()
        )
    );
    assert_eq!(
        run("uses-loud.txt"),
        format!(
            "{}:2: right.bands[1].gain_db: the imported value is not valid: 45 dB is beyond ±30 dB",
            at("loud.txt").display()
        )
    );
    assert_eq!(
        run("missing.txt"),
        format!(
            "{}:2: Include: 'nowhere.txt' not found (looked for {})",
            at("missing.txt").display(),
            at("nowhere.txt").display()
        )
    );
    let cycle = run("self.txt");
    assert!(
        cycle.starts_with(&format!(
            "{}:2: Include: 'self.txt' includes a file that is being read: ",
            at("other.txt").display()
        )),
        "{cycle}"
    );
    assert!(
        cycle.contains("self.txt → ") && cycle.contains("other.txt → "),
        "{cycle}"
    );
    let deep = run("deep0.txt");
    assert!(
        deep.starts_with(&format!(
            "{}:1: Include: 'deep9.txt' nests includes more than 8 deep",
            at("deep8.txt").display()
        )),
        "{deep}"
    );
}

#[test]
fn included_files_are_bounded_and_counted() {
    let dir = folder(&[("big.txt", ""), ("many.txt", "")]);
    std::fs::write(
        dir.path().join("big.txt"),
        "#".repeat(usize::try_from(super::super::file::MAX_FILE_BYTES).unwrap() + 1),
    )
    .unwrap();
    let text = "Preamp: 0 dB\nInclude: big.txt\n";
    let e = parse(text, &dir.path().join("top.txt"), "x")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("top.txt:2: Include: ") && e.contains("an included preset is at most"),
        "{e}"
    );
    std::fs::write(dir.path().join("one.txt"), "Preamp: -0.1 dB\n").unwrap();
    let text = "Include: one.txt\n".repeat(include::MAX_INCLUDED_FILES + 1);
    let e = parse(&text, &dir.path().join("top.txt"), "x")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains(&format!(
            "top.txt:{}: Include: 'one.txt' is more than 64",
            include::MAX_INCLUDED_FILES + 1
        )),
        "{e}"
    );
}

#[test]
fn a_channel_holds_32_filters() {
    let filters = "Filter: ON PK Fc 1000 Hz Gain 1 dB Q 1\n".repeat(33);
    assert_eq!(
        err(&format!("Channel: R\n{filters}")),
        "bad.txt:34: Filter: the right channel's filter number 33; a channel runs at most 32"
    );
}

/// AutoEQ's 127 node frequencies with `gain(f)`.
fn curve_line(gain: impl Fn(f64) -> f64) -> String {
    let nodes: Vec<String> = crate::preset::device::AUTOEQ_GRAPHIC_HZ
        .iter()
        .map(|&f| format!("{f} {:.1}", gain(f)))
        .collect();
    format!("GraphicEQ: {}", nodes.join("; "))
}

fn deviation(note: &str) -> f64 {
    note.split("within ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_curve_becomes_bands_close_to_it() {
    let read = apo(&curve_line(|f| {
        -6.0 + 4.0 * (-(f / 1000.0).log2().powi(2)).exp()
    }));
    assert_eq!(read.profile.bands().len(), 31);
    assert_eq!(read.format, "Equalizer APO GraphicEQ");
    assert!(
        read.notes[0].contains("at 44.1, 48 and 96 kHz"),
        "{:?}",
        read.notes
    );
    assert!(deviation(&read.notes[0]) < 0.3, "{:?}", read.notes);
    assert!(read.places.bands.iter().all(|p| p.line == 1));
}

#[test]
fn a_curve_of_zeros_is_left_out_and_a_curve_with_filters_is_kept_if_it_fits() {
    let zeros = "GraphicEQ: 25 0; 40 0; 16000 0";
    let read = apo(&format!(
        "Preamp: -6 dB\nFilter: ON PK Fc 20 Hz Gain 4 dB Q 1\n{zeros}\n"
    ));
    assert_eq!(
        read.profile.bands(),
        vec![BandSpec::peaking(20.0, 4.0, 1.0)]
    );
    assert_eq!(read.format, "Equalizer APO parametric");
    assert!(
        read.notes[0].contains("line 3: left out the 3-node GraphicEQ curve"),
        "{:?}",
        read.notes
    );

    let bump = curve_line(|f| 3.0 * (-(f / 1000.0).log2().powi(2)).exp());
    let read = apo(&format!("Filter: ON PK Fc 20 Hz Gain 4 dB Q 1\n{bump}\n"));
    let bands = read.profile.bands();
    assert_eq!(bands.len(), 32);
    assert_eq!(bands[0], BandSpec::peaking(20.0, 4.0, 1.0));
    assert_eq!(read.places.bands[31].line, 2);

    let two = "Filter: ON PK Fc 20 Hz Gain 4 dB Q 1\n".repeat(2);
    assert_eq!(
        err(&format!("{two}{bump}\n")),
        "bad.txt:3: GraphicEQ: the curve becomes 31 bands and the left channel also has 2 Filter lines, more than the 32 bands a channel runs; import the curve and the filters separately"
    );
}

#[test]
fn curves_add_up_per_channel() {
    let bump = |g: f64| curve_line(move |f| g * (-(f / 1000.0).log2().powi(2)).exp());
    let read = apo(&format!("{}\nChannel: R\n{}\n", bump(2.0), bump(2.0)));
    let p = &read.profile;
    assert!(p.is_per_channel());
    let at_1k = |c| {
        let chain = p.chain(48_000).unwrap();
        chain.response_db(c, 1000.0)
    };
    assert!(
        (at_1k(Channel::Left) - 2.0).abs() < 0.3,
        "{}",
        at_1k(Channel::Left)
    );
    assert!(
        (at_1k(Channel::Right) - 4.0).abs() < 0.3,
        "{}",
        at_1k(Channel::Right)
    );
    let notes = read.notes.join("\n");
    assert!(notes.contains("left: the 127-node curve became"), "{notes}");
    assert!(
        notes.contains("right: the 2 GraphicEQ curves, added up, became"),
        "{notes}"
    );
}

// The corpus of real presets (tests/fixtures/presets): every Equalizer APO, REW and AutoEQ
// file imports to what MANIFEST.toml says, or is refused at its line.

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/presets")
}

/// One band of the manifest, with the comment after it (APO's slope and frequency sense of a
/// shelf given without Q are only there).
#[derive(Debug)]
struct Want {
    band: toml::Table,
    comment: String,
}

/// One `[[preset]]` of the manifest with the bands of its channels as written.
#[derive(Debug, Default)]
struct Entry {
    table: toml::Table,
    bands: [Vec<Want>; 2],
}

fn manifest() -> Vec<Entry> {
    let text = std::fs::read_to_string(fixtures().join("MANIFEST.toml")).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let tables = doc["preset"].as_array().unwrap();
    let mut entries: Vec<Entry> = Vec::new();
    let mut channel = 0;
    for line in text.lines() {
        let line = line.trim();
        match line {
            "[[preset]]" => {
                entries.push(Entry {
                    table: tables[entries.len()].as_table().unwrap().clone(),
                    ..Entry::default()
                });
                channel = 0;
            }
            "[preset.left]" => channel = 0,
            "[preset.right]" => channel = 1,
            _ if line.starts_with("{ type") => {
                let (band, comment) = line.split_once('#').unwrap_or((line, ""));
                let band = band.trim().trim_end_matches(',');
                let band: toml::Table = format!("b = {band}").parse::<toml::Table>().unwrap()["b"]
                    .as_table()
                    .unwrap()
                    .clone();
                entries.last_mut().unwrap().bands[channel].push(Want {
                    band,
                    comment: comment.to_string(),
                });
            }
            _ => {}
        }
    }
    entries
}

fn kind(name: &str) -> FilterKind {
    FilterKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .unwrap()
}

/// The band the profile should hold for a manifest band: a shelf without Q has the slope S
/// its comment gives (APO's default 0.9 when none), and a corner frequency is moved to the
/// RBJ centre as APO moves it.
fn expected(want: &Want) -> BandSpec {
    let f = |key: &str| want.band.get(key).and_then(|v| v.as_float());
    let kind = kind(want.band["type"].as_str().unwrap());
    let gain_db = f("gain_db").unwrap_or(0.0);
    let freq_hz = f("freq_hz").unwrap();
    let Some(q) = f("q").or_else(|| {
        (!matches!(kind, FilterKind::LowShelf | FilterKind::HighShelf))
            .then_some(std::f64::consts::FRAC_1_SQRT_2)
    }) else {
        let s: f64 = want
            .comment
            .split("S = ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .and_then(|s| s.rsplit("= ").next())
            .map_or(0.9, |s| s.trim().parse().unwrap());
        let factor = if want.comment.contains("corner") {
            10f64.powf(gain_db.abs() / 80.0 / s)
        } else {
            1.0
        };
        let freq_hz = match kind {
            FilterKind::LowShelf => freq_hz * factor,
            _ => freq_hz / factor,
        };
        return BandSpec {
            kind,
            freq_hz,
            gain_db,
            q: q_from_shelf_slope(gain_db, s),
        };
    };
    BandSpec {
        kind,
        freq_hz,
        gain_db,
        q,
    }
}

fn close(a: &BandSpec, b: &BandSpec) -> bool {
    a.kind == b.kind
        && (a.freq_hz - b.freq_hz).abs() < 1e-6 * b.freq_hz
        && (a.gain_db - b.gain_db).abs() < 1e-9
        && (a.q - b.q).abs() < 1e-4 * b.q
}

/// Manifest entries this importer reads differently, each with what it does instead.
const DIFFERS: [(&str, &str); 1] = [(
    // The profile holds gains within ±30 dB; the file's 10 Hz shelf is -50 dB.
    "apo/rew-piereligio-sls-handedited.txt",
    "rew-piereligio-sls-handedited.txt:12: bands[1].gain_db: the imported value is not valid: -50 dB is beyond ±30 dB",
)];

#[test]
fn the_corpus_imports_as_its_manifest_says() {
    let mut checked = 0;
    for entry in manifest() {
        let table = &entry.table;
        let format = table["format"].as_str().unwrap();
        if !(["apo", "rew", "graphiceq"].contains(&format) || format.starts_with("autoeq-")) {
            continue;
        }
        checked += 1;
        let file = table["file"].as_str().unwrap();
        let path = fixtures().join(file);
        let result = super::super::import_file(&path);
        if let Some((_, message)) = DIFFERS.iter().find(|(f, _)| *f == file) {
            let e = result.err().unwrap().to_string();
            assert!(e.ends_with(message), "{file}: {e}");
            continue;
        }
        if let Some(line) = table.get("refuse_line") {
            let e = match result {
                Ok(i) => panic!("{file}: imported, expected a refusal: {:?}", i.profile),
                Err(e) => e.to_string(),
            };
            let name = Path::new(file).file_name().unwrap().to_string_lossy();
            assert!(e.contains(&format!("{name}:{line}")), "{file}: {e}");
            let what = table["refuse_what"].as_str().unwrap();
            match what.strip_prefix("Include: ") {
                Some(included) => {
                    let included = included.split(" (").next().unwrap();
                    assert!(
                        e.starts_with(&format!("{}", path.with_file_name(included).display())),
                        "{file}: {e}"
                    );
                }
                None => assert!(e.contains(&format!("'{what}'")), "{file}: {e}"),
            }
            continue;
        }
        let imported = result.unwrap_or_else(|e| panic!("{file}: {e}"));
        let profile = &imported.profile;
        for channel in Channel::BOTH {
            let side = match (channel, table.get("right")) {
                (Channel::Right, Some(right)) => right.as_table().unwrap(),
                _ => table["left"].as_table().unwrap(),
            };
            let wants = match (channel, table.get("right")) {
                (Channel::Right, Some(_)) => &entry.bands[1],
                _ => &entry.bands[0],
            };
            let preamp = side["preamp_db"].as_float().unwrap();
            let expected: Vec<BandSpec> = wants.iter().map(expected).collect();
            match side.get("curve") {
                None => {
                    let got = profile.channel_bands(channel);
                    assert_eq!(
                        profile.channel_preamp_db(channel),
                        preamp,
                        "{file} {channel:?}"
                    );
                    assert_eq!(got.len(), expected.len(), "{file} {channel:?}: {got:?}");
                    for (g, w) in got.iter().zip(&expected) {
                        assert!(close(g, w), "{file} {channel:?}: {g:?} vs {w:?}");
                    }
                }
                Some(curve) => {
                    // A curve becomes fitted bands: the response follows the curve within the
                    // deviation the note gives, at every rate.
                    let nodes: Vec<(f64, f64)> = curve
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| {
                            let n = n.as_array().unwrap();
                            (n[0].as_float().unwrap(), n[1].as_float().unwrap())
                        })
                        .collect();
                    let (freqs, db): (Vec<f64>, Vec<f64>) = nodes.into_iter().unzip();
                    let note = imported.notes.iter().find(|n| n.contains("within "));
                    let limit = note.map_or(1e-9, |n| deviation(n)) + 0.006;
                    for rate in curve::FIT_RATES {
                        let chain = profile.chain(rate).unwrap();
                        let bands =
                            crate::eq::ResponseGrid::new(&curve::grid_freqs(), f64::from(rate))
                                .bands_db(&expected)
                                .unwrap();
                        for (i, f) in curve::grid_freqs().into_iter().enumerate() {
                            let want =
                                preamp + bands[i] + crate::fr::grid::interpolate(&freqs, &db, f);
                            let got = chain.response_db(channel, f);
                            assert!(
                                (got - want).abs() <= limit,
                                "{file} {channel:?} at {rate} Hz, {f} Hz: {got} vs {want} (note: {note:?})"
                            );
                        }
                    }
                }
            }
        }
    }
    assert_eq!(
        checked, 24,
        "the manifest's Equalizer APO, REW and AutoEQ entries"
    );
}
