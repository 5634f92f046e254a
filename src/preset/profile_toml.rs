//! Profile files (`presets/eq/*.toml`): reading them with every problem located by line and
//! field, and writing them (what `iemlab fit` saves and what `iemlab import` converts presets
//! to; [`crate::atomic_file`] writes the text). Reading checks everything that does not
//! depend on the sample rate; [`EqProfile::chain`] checks the rest.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::dsp::{BandSpec, FilterKind, MAX_STAGES};
use crate::problem::{Lines, Problem, ReadError, read_text};

use super::profile::{
    EqProfile, EqShape, MAX_GAIN_DB, MAX_Q, MIN_FREQ_HZ, MIN_Q, Origin, PROFILE_VERSION,
    ProfileError,
};

/// Profile files larger than this are refused before parsing (a real one is a few KB).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Q given to shelves and low/high passes that do not state one (Butterworth, no overshoot).
const DEFAULT_SHELF_Q: f64 = std::f64::consts::FRAC_1_SQRT_2;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    version: Spanned<u32>,
    name: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    preamp_db: Spanned<f64>,
    bands: Option<Spanned<Vec<Spanned<RawBand>>>>,
    graphic: Option<Spanned<RawGraphic>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    #[serde(rename = "type")]
    kind: Spanned<FilterKind>,
    freq_hz: Spanned<f64>,
    gain_db: Option<Spanned<f64>>,
    q: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGraphic {
    gains_db: Spanned<Vec<Spanned<f64>>>,
}

impl EqProfile {
    /// Reads and validates the profile at `path`: everything that does not depend on the
    /// sample rate it will play at. Whether each band runs at a rate is checked when its
    /// chain is built ([`EqProfile::chain`], [`EqProfile::check_rate`]).
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        Self::parse(&read(path)?, path)
    }

    /// Parses and validates profile text as [`EqProfile::load`] does; `path` names the file
    /// in messages and in the profile's [`Origin`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProfileError> {
        let (profile, problems) = parse_all(text, path)?;
        valid(profile, problems, path)
    }

    /// Reads the profile at `path` and reports every problem, those of playing it at
    /// `sample_rate` Hz included (what `iemlab check --rate` lists), in file order.
    pub fn check(path: &Path, sample_rate: u32) -> Result<Self, ProfileError> {
        check_text(&read(path)?, path, sample_rate)
    }

    /// The profile as the text of a profile file: `comment` as a `#` line first (where it came
    /// from), `description` as the file's description field (how it was made). Every number is
    /// written exactly, the shortest text that reads back as the same value, so the file loads
    /// as this very profile.
    pub fn to_toml(&self, comment: Option<&str>, description: Option<&str>) -> String {
        let mut out = String::new();
        if let Some(c) = comment {
            out.push_str(&format!("# {c}\n"));
        }
        out.push_str(&format!(
            "version = {PROFILE_VERSION}\nname = {}\n",
            quoted(&self.name)
        ));
        if let Some(d) = description {
            out.push_str(&format!("description = {}\n", quoted(d)));
        }
        out.push_str(&format!("preamp_db = {}\n", exact(self.preamp_db)));
        match &self.shape {
            EqShape::Graphic(gains) => {
                let values: Vec<String> = gains.iter().map(|&g| exact(g)).collect();
                out.push_str(&format!(
                    "graphic = {{ gains_db = [{}] }}\n",
                    values.join(", ")
                ));
            }
            EqShape::Parametric(bands) if bands.is_empty() => out.push_str("bands = []\n"),
            EqShape::Parametric(bands) => {
                out.push_str("bands = [\n");
                for b in bands {
                    let gain = if b.kind.has_gain() {
                        format!(", gain_db = {}", exact(b.gain_db))
                    } else {
                        String::new()
                    };
                    out.push_str(&format!(
                        "  {{ type = \"{}\", freq_hz = {}{gain}, q = {} }},\n",
                        b.kind.name(),
                        exact(b.freq_hz),
                        exact(b.q)
                    ));
                }
                out.push_str("]\n");
            }
        }
        out
    }
}

/// The text of the profile file at `path`, bounded like every reader of user files.
fn read(path: &Path) -> Result<String, ProfileError> {
    read_text(path, MAX_FILE_BYTES, "an EQ profile").map_err(|e| match e {
        ReadError::Io(source) => ProfileError::Io {
            path: path.to_path_buf(),
            source,
        },
        ReadError::Invalid(problem) => ProfileError::Invalid {
            path: path.to_path_buf(),
            problems: vec![problem],
        },
    })
}

/// [`EqProfile::check`] of `text`.
fn check_text(text: &str, path: &Path, sample_rate: u32) -> Result<EqProfile, ProfileError> {
    let (profile, mut problems) = parse_all(text, path)?;
    for p in profile.rate_problems(sample_rate) {
        // A value already refused (a frequency of 0 Hz, say) is reported once.
        if !problems.iter().any(|q| q.field == p.field) {
            problems.push(p);
        }
    }
    problems.sort_by(|a, b| (a.line, &a.field).cmp(&(b.line, &b.field)));
    valid(profile, problems, path)
}

/// `profile` if no problem was found, else every problem.
fn valid(
    profile: EqProfile,
    problems: Vec<Problem>,
    path: &Path,
) -> Result<EqProfile, ProfileError> {
    if problems.is_empty() {
        Ok(profile)
    } else {
        Err(ProfileError::Invalid {
            path: path.to_path_buf(),
            problems,
        })
    }
}

/// The profile in `text` and every problem found; an error only when it is not TOML with a
/// profile's fields at all.
fn parse_all(text: &str, path: &Path) -> Result<(EqProfile, Vec<Problem>), ProfileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = Lines(text);
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| lines.at(s.start));
        ProfileError::Invalid {
            path: path.to_path_buf(),
            problems: vec![Problem {
                line,
                field: String::new(),
                message: e.message().trim().to_string(),
            }],
        }
    })?;
    let mut problems = Vec::new();
    let profile = validate(raw, &lines, path, &mut problems);
    Ok((profile, problems))
}

/// The profile `raw` describes, with every problem that does not depend on the sample rate
/// pushed to `problems` (the profile then holds stand-ins where values were wrong).
fn validate(
    raw: RawProfile,
    lines: &Lines<'_>,
    path: &Path,
    problems: &mut Vec<Problem>,
) -> EqProfile {
    let mut origin = Origin {
        path: path.to_path_buf(),
        ..Origin::default()
    };
    let mut report = |span: std::ops::Range<usize>, field: &str, message: String| {
        problems.push(Problem {
            line: lines.at(span.start),
            field: field.to_string(),
            message,
        })
    };
    if *raw.version.get_ref() != PROFILE_VERSION {
        report(
            raw.version.span(),
            "version",
            format!(
                "unknown version {}; this build reads version {PROFILE_VERSION}",
                raw.version.get_ref()
            ),
        );
    }
    let _ = raw.description;
    if raw.name.get_ref().trim().is_empty() {
        report(raw.name.span(), "name", "name is empty".into());
    }
    let preamp = *raw.preamp_db.get_ref();
    check_gain(preamp, "preamp_db", raw.preamp_db.span(), &mut report);

    let shape = match (raw.bands, raw.graphic) {
        (Some(_), Some(g)) => {
            report(
                g.span(),
                "graphic",
                "a profile has either `bands` or `graphic`, not both".into(),
            );
            EqShape::Parametric(Vec::new())
        }
        (None, None) => {
            report(
                0..0,
                "",
                "no filters: add `bands = [...]` (parametric) or `graphic = { gains_db = [...] }`"
                    .into(),
            );
            EqShape::Parametric(Vec::new())
        }
        (Some(bands), None) => {
            if bands.get_ref().len() > MAX_STAGES {
                // One problem, not one per band: a file with thousands of bands is a mistake
                // (or an attack), and listing each would bury the message.
                report(
                    bands.span(),
                    "bands",
                    format!(
                        "{} bands; a profile holds at most {MAX_STAGES}",
                        bands.get_ref().len()
                    ),
                );
                return EqProfile {
                    name: raw.name.into_inner(),
                    preamp_db: preamp,
                    shape: EqShape::Parametric(Vec::new()),
                    origin: Some(origin),
                };
            }
            let specs = bands
                .into_inner()
                .into_iter()
                .enumerate()
                .map(|(i, band)| {
                    let span = band.span();
                    let b = band.into_inner();
                    let kind = *b.kind.get_ref();
                    let field = |name: &str| format!("bands[{i}].{name}");
                    let freq = *b.freq_hz.get_ref();
                    origin.band_lines.push(lines.at(b.freq_hz.span().start));
                    // Whether it is below Nyquist depends on the rate: checked when the chain
                    // is built (EqProfile::chain).
                    if !(freq > 0.0 && freq.is_finite()) {
                        report(
                            b.freq_hz.span(),
                            &field("freq_hz"),
                            format!("{freq} Hz is not a frequency above 0 Hz"),
                        );
                    } else if freq < MIN_FREQ_HZ {
                        report(
                            b.freq_hz.span(),
                            &field("freq_hz"),
                            format!(
                                "{freq} Hz is below the lowest band frequency, {MIN_FREQ_HZ} Hz"
                            ),
                        );
                    }
                    let gain = match (&b.gain_db, kind.has_gain()) {
                        (Some(g), true) => {
                            check_gain(*g.get_ref(), &field("gain_db"), g.span(), &mut report);
                            *g.get_ref()
                        }
                        (None, true) => {
                            report(
                                span.clone(),
                                &field("gain_db"),
                                format!("a {} band needs gain_db", kind.name()),
                            );
                            0.0
                        }
                        (Some(g), false) if *g.get_ref() != 0.0 => {
                            report(
                                g.span(),
                                &field("gain_db"),
                                format!(
                                    "{} dB has no effect on a {} band; remove it",
                                    g.get_ref(),
                                    kind.name()
                                ),
                            );
                            0.0
                        }
                        _ => 0.0,
                    };
                    let q = match &b.q {
                        Some(q) => {
                            let v = *q.get_ref();
                            if !(v.is_finite() && v > 0.0 && v <= MAX_Q) {
                                report(
                                    q.span(),
                                    &field("q"),
                                    format!("{v} is outside 0 < q <= {MAX_Q}"),
                                );
                            } else if v < MIN_Q {
                                report(
                                    q.span(),
                                    &field("q"),
                                    format!("{v} is below the smallest q, {MIN_Q}"),
                                );
                            }
                            v
                        }
                        None if needs_explicit_q(kind) => {
                            report(span, &field("q"), format!("a {} band needs q", kind.name()));
                            1.0
                        }
                        None => DEFAULT_SHELF_Q,
                    };
                    BandSpec {
                        kind,
                        freq_hz: freq,
                        gain_db: gain,
                        q,
                    }
                })
                .collect();
            EqShape::Parametric(specs)
        }
        (None, Some(graphic)) => {
            origin.graphic_line = lines.at(graphic.span().start);
            let gains = graphic.into_inner().gains_db;
            let span = gains.span();
            let values = gains.into_inner();
            if values.len() != 10 {
                report(
                    span,
                    "graphic.gains_db",
                    format!(
                        "{} values; the graphic EQ has exactly 10 bands",
                        values.len()
                    ),
                );
            }
            let mut out = [0.0; 10];
            for (i, (slot, g)) in out.iter_mut().zip(&values).enumerate() {
                check_gain(
                    *g.get_ref(),
                    &format!("graphic.gains_db[{i}]"),
                    g.span(),
                    &mut report,
                );
                *slot = *g.get_ref();
            }
            EqShape::Graphic(out)
        }
    };
    EqProfile {
        name: raw.name.into_inner(),
        preamp_db: preamp,
        shape,
        origin: Some(origin),
    }
}

fn needs_explicit_q(kind: FilterKind) -> bool {
    matches!(
        kind,
        FilterKind::Peaking | FilterKind::BandPass | FilterKind::Notch | FilterKind::AllPass
    )
}

fn check_gain(
    db: f64,
    field: &str,
    span: std::ops::Range<usize>,
    report: &mut impl FnMut(std::ops::Range<usize>, &str, String),
) {
    if !db.is_finite() {
        report(span, field, format!("{db} is not a finite number of dB"));
    } else if db.abs() > MAX_GAIN_DB {
        report(span, field, format!("{db} dB is beyond ±{MAX_GAIN_DB} dB"));
    }
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `value` exactly (the shortest text that reads back as the same f64; integral values
/// without a fraction), never "-0": how profile files and the exact export formats write
/// numbers.
pub(crate) fn exact(value: f64) -> String {
    if value == 0.0 {
        "0".into()
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::dsp::BandSpec;

    fn parse(text: &str) -> Result<EqProfile, ProfileError> {
        EqProfile::parse(text, Path::new("x.toml"))
    }

    fn problems(text: &str) -> Vec<Problem> {
        match parse(text) {
            Err(ProfileError::Invalid { problems, .. }) => problems,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    /// What `iemlab check` lists for `text` at 44.1 kHz.
    fn checked(text: &str) -> Vec<Problem> {
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
        assert!((chain.response_db(6000.0) - (-3.5 - 3.0)).abs() < 0.2);
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
        assert_eq!((p[0].line, p[0].field.as_str()), (6, "bands[1].q"));
        // Checked at a rate, both, in file order.
        let p = checked(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!((p[0].line, p[0].field.as_str()), (6, "bands[1].freq_hz"));
        assert!(p[0].message.contains("30000"), "{}", p[0].message);
        assert!(
            p[0].message.contains("Nyquist at 44100 Hz"),
            "{}",
            p[0].message
        );
        assert_eq!((p[1].line, p[1].field.as_str()), (6, "bands[1].q"));
        // A frequency refused on loading is listed once.
        let p = checked(&GOOD.replace("freq_hz = 6000", "freq_hz = 0"));
        assert_eq!(p.len(), 1, "{p:?}");
    }

    #[test]
    fn unknown_fields_and_types_are_refused_with_line() {
        let p = problems(&GOOD.replace("q = 0.7 }", "q = 0.7, gian_db = 1 }"));
        assert_eq!(p[0].line, 5);
        assert!(p[0].message.contains("gian_db"), "{}", p[0].message);
        let p = problems(&GOOD.replace("\"peaking\"", "\"peak\""));
        assert_eq!(p[0].line, 6);
        assert!(p[0].message.contains("peak"));
    }

    #[test]
    fn gain_limits_and_version_are_checked() {
        let p = problems(
            &GOOD
                .replace("gain_db = 4.0", "gain_db = 31")
                .replace("version = 1", "version = 2"),
        );
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
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
        assert_eq!(p[0].field, "bands[2].gain_db");
    }

    #[test]
    fn graphic_needs_ten_values_and_no_bands() {
        let p =
            problems("version = 1\nname = \"g\"\npreamp_db = 0\ngraphic = { gains_db = [1, 2] }\n");
        assert_eq!((p[0].line, p[0].field.as_str()), (4, "graphic.gains_db"));
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
        assert_eq!(p[0].field, "bands[1].freq_hz");
        let p = problems(&GOOD.replace("q = 4 }", "q = 1e-320 }"));
        assert_eq!(p[0].field, "bands[1].q");
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
        let start = std::time::Instant::now();
        let p = problems(&text);
        assert!(start.elapsed().as_secs_f64() < 2.0);
        assert_eq!(p.len(), 1, "{:?}", &p[..3]);
        assert!(p[0].message.starts_with("10000 bands"), "{}", p[0].message);
    }

    #[test]
    fn written_profiles_read_back_identically() {
        let p = EqProfile {
            name: "Fit \"quoted\"".into(),
            preamp_db: -4.3,
            shape: EqShape::Parametric(vec![
                BandSpec {
                    kind: FilterKind::LowShelf,
                    freq_hz: 105.0,
                    gain_db: 3.25,
                    q: 0.7,
                },
                BandSpec::peaking(1234.56, -2.5, std::f64::consts::SQRT_2),
                BandSpec {
                    kind: FilterKind::HighPass,
                    freq_hz: 15.0,
                    gain_db: 0.0,
                    q: 0.5,
                },
            ]),
            origin: None,
        };
        let text = p.to_toml(Some("made by hand"), Some("fitted"));
        assert!(text.starts_with("# made by hand\nversion = 1\n"), "{text}");
        assert!(text.contains("q = 1.4142135623730951 }"), "{text}");
        assert!(
            text.contains("{ type = \"high_pass\", freq_hz = 15, q = 0.5 }"),
            "{text}"
        );
        let back = EqProfile::parse(&text, Path::new("x.toml")).unwrap();
        assert_eq!(back, p);
        let g = EqProfile {
            name: "g".into(),
            preamp_db: -0.0,
            shape: EqShape::Graphic([1.5, 0.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 12.0]),
            origin: None,
        };
        let text = g.to_toml(None, None);
        assert!(text.contains("preamp_db = 0\n"), "{text}");
        let back = EqProfile::parse(&text, Path::new("g.toml"));
        assert_eq!(back.unwrap(), g);
        let empty = EqProfile::flat().to_toml(None, None);
        assert!(empty.ends_with("bands = []\n"), "{empty}");
    }
}
