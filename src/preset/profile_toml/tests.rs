//! Reading profile files checked from outside: values, lines and fields of every problem.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::dsp::{BandSpec, Channel};

fn parse(text: &str) -> Result<EqProfile, ProfileError> {
    EqProfile::parse(text, Path::new("x.toml"))
}

fn problems(text: &str) -> Vec<FileProblem> {
    match parse(text) {
        Err(ProfileError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

/// What `iemlab check` lists for `text` at 44.1 kHz.
fn checked(text: &str) -> Vec<FileProblem> {
    match check_text(text, Path::new("x.toml"), 44_100) {
        Err(ProfileError::Invalid { problems, .. }) => problems,
        other => panic!("expected problems, got {other:?}"),
    }
}

const GOOD: &str = r#"version = 1
name = "test"
preamp_db = -3.5
bands = [
  { type = "low_shelf", freq_hz = 105, gain_db = 4.0, q = 0.7 },
  { type = "peaking", freq_hz = 6000, gain_db = -3.0, q = 4 },
  { type = "high_pass", freq_hz = 15 },
]
"#;

#[test]
fn reads_a_parametric_profile() {
    let p = parse(GOOD).unwrap();
    assert_eq!(p.name, "test");
    assert_eq!(p.preamp_db, -3.5);
    let bands = p.bands();
    assert_eq!(bands.len(), 3);
    assert_eq!(bands[1], BandSpec::peaking(6000.0, -3.0, 4.0));
    assert_eq!(bands[2].kind, FilterKind::HighPass);
    assert_eq!(bands[2].q, DEFAULT_SHELF_Q);
    let chain = p.chain(48_000).unwrap();
    assert_eq!(chain.len(), 3);
    assert!((chain.response_db(crate::dsp::Channel::Right, 6000.0) - (-3.5 - 3.0)).abs() < 0.2);
}

#[test]
fn reads_a_graphic_profile() {
    let p = parse(
        "version = 1\nname = \"g\"\npreamp_db = -6\ngraphic = { gains_db = [6, 5, 4, 0, 0, 0, -1, -2, 0, 1] }\n",
    )
    .unwrap();
    assert_eq!(
        p.shape,
        EqShape::Graphic([6., 5., 4., 0., 0., 0., -1., -2., 0., 1.])
    );
    assert_eq!(p.bands().len(), 10);
}

#[test]
fn out_of_range_values_name_line_and_field() {
    let text = GOOD
        .replace("freq_hz = 6000", "freq_hz = 30000")
        .replace("q = 4 }", "q = -1 }");
    // Loading does not know the rate: only the Q is wrong.
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(
        (p[0].line, p[0].field.as_deref()),
        (Some(6), Some("bands[1].q"))
    );
    // Checked at a rate, both, in file order.
    let p = checked(&text);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(
        (p[0].line, p[0].field.as_deref()),
        (Some(6), Some("bands[1].freq_hz"))
    );
    assert!(p[0].message.contains("30000"), "{}", p[0].message);
    assert!(
        p[0].message.contains("Nyquist at 44100 Hz"),
        "{}",
        p[0].message
    );
    assert_eq!(
        (p[1].line, p[1].field.as_deref()),
        (Some(6), Some("bands[1].q"))
    );
    // A frequency refused on loading is listed once.
    let p = checked(&GOOD.replace("freq_hz = 6000", "freq_hz = 0"));
    assert_eq!(p.len(), 1, "{p:?}");
}

#[test]
fn unknown_fields_and_types_are_refused_with_line() {
    let p = problems(&GOOD.replace("q = 0.7 }", "q = 0.7, gian_db = 1 }"));
    assert_eq!(p[0].line, Some(5));
    assert!(p[0].message.contains("gian_db"), "{}", p[0].message);
    let p = problems(&GOOD.replace("\"peaking\"", "\"peak\""));
    assert_eq!(p[0].line, Some(6));
    assert!(p[0].message.contains("peak"));
}

#[test]
fn gain_limits_and_version_are_checked() {
    let p = problems(
        &GOOD
            .replace("gain_db = 4.0", "gain_db = 31")
            .replace("version = 1", "version = 2"),
    );
    let fields: Vec<&str> = p.iter().filter_map(|p| p.field.as_deref()).collect();
    assert_eq!(fields, ["version", "bands[0].gain_db"]);
    let p = problems(&GOOD.replace("gain_db = 4.0", "gain_db = nan"));
    assert!(p[0].message.contains("NaN"), "{}", p[0].message);
}

#[test]
fn gain_on_a_pass_filter_is_refused() {
    let p = problems(&GOOD.replace(
        "{ type = \"high_pass\", freq_hz = 15 }",
        "{ type = \"high_pass\", freq_hz = 15, gain_db = 3 }",
    ));
    assert_eq!(p[0].field.as_deref(), Some("bands[2].gain_db"));
}

#[test]
fn graphic_needs_ten_values_and_no_bands() {
    let p = problems("version = 1\nname = \"g\"\npreamp_db = 0\ngraphic = { gains_db = [1, 2] }\n");
    assert_eq!(
        (p[0].line, p[0].field.as_deref()),
        (Some(4), Some("graphic.gains_db"))
    );
    let p = problems("version = 1\nname = \"g\"\npreamp_db = 0\n");
    assert!(p[0].message.contains("no filters"));
}

#[test]
fn errors_display_with_path_and_line() {
    let err = parse(&GOOD.replace("freq_hz = 6000", "freq_hz = 0")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("x.toml:6: bands[1].freq_hz: 0 Hz"), "{msg}");
}

#[test]
fn vanishing_frequency_and_q_are_refused() {
    // Found by fuzzing: a band at 1e-320 Hz (or Q 1e-320) passed `> 0` and made the
    // response NaN.
    let p = problems(&GOOD.replace("freq_hz = 6000", "freq_hz = 1e-320"));
    assert_eq!(p[0].field.as_deref(), Some("bands[1].freq_hz"));
    let p = problems(&GOOD.replace("q = 4 }", "q = 1e-320 }"));
    assert_eq!(p[0].field.as_deref(), Some("bands[1].q"));
    assert!(
        p[0].message.contains("smallest q, 0.01"),
        "{}",
        p[0].message
    );
}

#[test]
fn thousands_of_bands_are_one_problem() {
    let band = "  { type = \"peaking\", freq_hz = 1000, gain_db = 1, q = 1 },\n";
    let text = format!(
        "version = 1\nname = \"many\"\npreamp_db = 0\nbands = [\n{}]\n",
        band.repeat(10_000)
    );
    let p = problems(&text);
    assert_eq!(p.len(), 1, "{:?}", &p[..3]);
    assert!(p[0].message.starts_with("10000 bands"), "{}", p[0].message);
}

const SPLIT: &str = r#"version = 1
name = "split"
preamp_db = -2
bands = [ { type = "peaking", freq_hz = 1000, gain_db = 2, q = 1 } ]

[left]
gain_db = 0.0
bands = [ { type = "peaking", freq_hz = 3000, gain_db = 1.5, q = 2 } ]

[right]
gain_db = -0.4
bands = [
  { type = "high_shelf", freq_hz = 8000, gain_db = -2, q = 0.7 },
  { type = "peaking", freq_hz = 30000, gain_db = 1, q = 1 },
]
"#;

#[test]
fn reads_a_per_channel_profile() {
    let p = EqProfile::parse(SPLIT, Path::new("x.toml")).unwrap();
    assert!(p.is_per_channel());
    assert_eq!(p.channel_bands(Channel::Left).len(), 2);
    assert_eq!(p.channel_bands(Channel::Right).len(), 3);
    assert_eq!(p.channel_preamp_db(Channel::Right), -2.4);
    assert_eq!(p.stage_count(), 3);
    // The right channel's 30 kHz band cannot run at 44.1 kHz: its table, band and line.
    let listed = checked(SPLIT);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].line, Some(14));
    assert_eq!(listed[0].field.as_deref(), Some("right.bands[1].freq_hz"));
    let chain = p.chain(96_000).unwrap();
    assert!(!chain.channels_match());
    // Each channel runs the shared band, then its own, under its own preamp.
    let expected = |preamp: f64, bands: &[BandSpec], f: f64| {
        preamp
            + bands
                .iter()
                .map(|b| {
                    crate::dsp::Coeffs::new(b, 96_000.0)
                        .unwrap()
                        .response(f, 96_000.0)
                        .db()
                })
                .sum::<f64>()
    };
    let shared = BandSpec::peaking(1000.0, 2.0, 1.0);
    let left = [shared, BandSpec::peaking(3000.0, 1.5, 2.0)];
    let shelf = BandSpec {
        kind: FilterKind::HighShelf,
        freq_hz: 8000.0,
        gain_db: -2.0,
        q: 0.7,
    };
    let right = [shared, shelf, BandSpec::peaking(30_000.0, 1.0, 1.0)];
    for f in [100.0, 1000.0, 3000.0, 9000.0, 20_000.0] {
        let l = chain.response_db(Channel::Left, f);
        let r = chain.response_db(Channel::Right, f);
        assert!(
            (l - expected(-2.0, &left, f)).abs() < 1e-9,
            "{f} Hz left {l}"
        );
        assert!(
            (r - expected(-2.4, &right, f)).abs() < 1e-9,
            "{f} Hz right {r}"
        );
    }
}

#[test]
fn channel_tables_are_checked_like_the_shared_bands() {
    let unknown = problems(&SPLIT.replace("gain_db = -0.4", "trim_db = -0.4"));
    assert_eq!(unknown[0].line, Some(11), "{unknown:?}");
    assert!(
        unknown[0].message.contains("unknown field `trim_db`"),
        "{unknown:?}"
    );
    let loud = problems(&SPLIT.replace("gain_db = -0.4", "gain_db = -40"));
    assert_eq!(loud[0].field.as_deref(), Some("right.gain_db"), "{loud:?}");
    assert_eq!(loud[0].line, Some(11));
    let no_q = problems(&SPLIT.replace("gain_db = 1.5, q = 2", "gain_db = 1.5"));
    assert_eq!(
        no_q[0].field.as_deref(),
        Some("left.bands[0].q"),
        "{no_q:?}"
    );
    // 32 stages a channel: 1 shared + 31 of its own is the most.
    let band = "{ type = \"peaking\", freq_hz = 500, gain_db = 1, q = 1 },";
    let many = |n: usize| {
        format!(
            "version = 1\nname = \"m\"\npreamp_db = 0\nbands = [{band}]\n[left]\nbands = [{}]\n",
            band.repeat(n)
        )
    };
    assert!(parse(&many(31)).is_ok());
    let too_many = problems(&many(32));
    assert_eq!(
        too_many[0].field.as_deref(),
        Some("left.bands"),
        "{too_many:?}"
    );
    assert!(too_many[0].message.contains("at most 32"), "{too_many:?}");
}

#[test]
fn equal_channel_tables_are_the_same_eq_on_both_channels() {
    let graphic = "version = 1\nname = \"g\"\npreamp_db = -3\ngraphic = { gains_db = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }\n[left]\ngain_db = -2\n[right]\ngain_db = -2\n";
    let p = parse(graphic).unwrap();
    assert!(!p.is_per_channel());
    assert_eq!(p.preamp_db, -5.0);
    assert!(matches!(p.shape, EqShape::Graphic(_)));
    let with_bands = format!(
        "{}bands = [ {{ type = \"peaking\", freq_hz = 3000, gain_db = 1, q = 2 }} ]\n",
        graphic.replace("[right]\ngain_db = -2\n", "bands = [ { type = \"peaking\", freq_hz = 3000, gain_db = 1, q = 2 } ]\n[right]\ngain_db = -2\n")
    );
    let p = parse(&with_bands).unwrap();
    assert!(!p.is_per_channel());
    assert_eq!(p.bands().len(), 11);
    assert_eq!(p.origin.unwrap().band_lines.len(), 11);
}
