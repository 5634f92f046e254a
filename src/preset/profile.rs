//! EQ profiles (`presets/eq/*.toml`): parsing, validation with file/line/field, and
//! conversion to a running [`EqChain`].
//!
//! ```toml
//! version = 1
//! name = "Tame the 6 kHz peak"
//! preamp_db = -2.0
//! bands = [
//!   { type = "low_shelf", freq_hz = 105, gain_db = 3.0, q = 0.7 },
//!   { type = "peaking", freq_hz = 6000, gain_db = -4.0, q = 4.0 },
//! ]
//! # or, instead of bands, the ISO 10-band graphic EQ (31.25 Hz … 16 kHz):
//! # graphic = { gains_db = [3, 2, 0, 0, 0, 0, -1, -2, 0, 1] }
//! ```

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::dsp::{BandSpec, Coeffs, EqChain, FilterKind, ISO_BANDS_HZ, MAX_STAGES, graphic_bands};
use crate::eq::{Range, standard_freqs};
pub use crate::problem::Problem;
use crate::problem::{Lines, Problems, ReadError, read_text};

/// The profile format version this build reads and writes.
pub const PROFILE_VERSION: u32 = 1;

/// Largest |gain| (dB) a band, slider or preamp may have.
pub const MAX_GAIN_DB: f64 = 30.0;

/// Rate `check` validates against unless told otherwise (CD audio; the lowest common rate,
/// so the strictest Nyquist limit).
pub const DEFAULT_CHECK_RATE: u32 = 44_100;

/// Lowest band frequency (Hz). Far below hearing a filter does nothing useful, and near 0 Hz
/// (1e-320, say) its coefficients underflow and the response is NaN.
pub const MIN_FREQ_HZ: f64 = 1.0;

/// Q range of a band. Outside it the coefficients lose all precision (a Q of 1e-300 makes
/// them infinite); real presets stay within 0.1–20.
pub const MIN_Q: f64 = 0.01;
/// Largest Q of a band.
pub const MAX_Q: f64 = 100.0;

/// Profile files larger than this are refused before parsing (a real one is a few KB).
const MAX_FILE_BYTES: u64 = 1 << 20;

/// Q given to shelves and low/high passes that do not state one (Butterworth, no overshoot).
const DEFAULT_SHELF_Q: f64 = std::f64::consts::FRAC_1_SQRT_2;

/// A validated EQ profile.
#[derive(Clone, Debug, PartialEq)]
pub struct EqProfile {
    /// Display name.
    pub name: String,
    /// Gain applied before the filters (negative to make room for boosts).
    pub preamp_db: f64,
    /// The filters.
    pub shape: EqShape,
}

/// What the filters of a profile are.
#[derive(Clone, Debug, PartialEq)]
pub enum EqShape {
    /// Parametric bands, applied in order.
    Parametric(Vec<BandSpec>),
    /// Gains (dB) of the ten ISO graphic EQ sliders.
    Graphic([f64; 10]),
}

impl EqShape {
    /// `bands` as a shape: the ISO graphic EQ when `graphic` and they are its ten bands
    /// (centres and Q √2), else parametric.
    pub fn from_bands(bands: &[BandSpec], graphic: bool) -> Self {
        let iso = graphic
            && bands.len() == 10
            && bands
                .iter()
                .zip(ISO_BANDS_HZ)
                .all(|(b, f)| b.freq_hz == f && (b.q - std::f64::consts::SQRT_2).abs() < 1e-12);
        match bands {
            [a, b, c, d, e, f, g, h, i, j] if iso => {
                EqShape::Graphic([a, b, c, d, e, f, g, h, i, j].map(|band| band.gain_db))
            }
            _ => EqShape::Parametric(bands.to_vec()),
        }
    }
}

/// Why a profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}", path = .path.display())]
    Io {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not have the profile's fields.
    #[error("{}", Problems(.path, .problems))]
    Invalid {
        /// File path.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

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
    /// A profile that changes nothing (bypass).
    pub fn flat() -> Self {
        EqProfile {
            name: "flat".into(),
            preamp_db: 0.0,
            shape: EqShape::Parametric(Vec::new()),
        }
    }

    /// Reads and validates a profile for playback at `sample_rate` Hz.
    pub fn load(path: &Path, sample_rate: u32) -> Result<Self, ProfileError> {
        let text = read_text(path, MAX_FILE_BYTES, "an EQ profile").map_err(|e| match e {
            ReadError::Io(source) => ProfileError::Io {
                path: path.to_path_buf(),
                source,
            },
            ReadError::Invalid(problem) => ProfileError::Invalid {
                path: path.to_path_buf(),
                problems: vec![problem],
            },
        })?;
        Self::parse(&text, path, sample_rate)
    }

    /// Parses and validates profile text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path, sample_rate: u32) -> Result<Self, ProfileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let lines = Lines(text);
        let invalid = |problems| ProfileError::Invalid {
            path: path.to_path_buf(),
            problems,
        };
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| lines.at(s.start));
            invalid(vec![Problem {
                line,
                field: String::new(),
                message: e.message().trim().to_string(),
            }])
        })?;
        let mut problems = Vec::new();
        let profile = validate(raw, &lines, f64::from(sample_rate), &mut problems);
        if problems.is_empty() {
            Ok(profile)
        } else {
            Err(invalid(problems))
        }
    }

    /// The profile's filters as parametric bands (a graphic EQ becomes its ten peaking bands).
    pub fn bands(&self) -> Vec<BandSpec> {
        match &self.shape {
            EqShape::Parametric(bands) => bands.clone(),
            EqShape::Graphic(gains) => graphic_bands(gains).to_vec(),
        }
    }

    /// A running chain for playback at `sample_rate` Hz.
    pub fn chain(&self, sample_rate: u32) -> Result<EqChain, String> {
        let rate = f64::from(sample_rate);
        let bands = self.bands();
        let coeffs: Vec<Coeffs> = bands
            .iter()
            .enumerate()
            .map(|(i, b)| Coeffs::new(b, rate).map_err(|e| format!("band {}: {e}", i + 1)))
            .collect::<Result<_, _>>()?;
        EqChain::with_stages(rate, self.preamp_db, &coeffs).map_err(|e| e.to_string())
    }

    /// Largest gain (dB, preamp included) of the profile over 20 Hz–20 kHz (or up to Nyquist)
    /// at `sample_rate`, on the standard 1/48-octave grid: above 0 dB, a full-scale signal
    /// can clip.
    pub fn max_gain_db(&self, sample_rate: u32) -> Option<f64> {
        let chain = self.chain(sample_rate).ok()?;
        standard_freqs(f64::from(sample_rate))
            .into_iter()
            .map(|f| chain.response_db(f))
            .reduce(f64::max)
    }
}

impl EqProfile {
    /// The preamp that keeps this profile (its own preamp aside) from boosting above 0 dB,
    /// rounded down to 0.1 dB or to the step of `range`, never above 0 dB, within `range`
    /// when given; the number nearest that decimal, as a profile file shows it.
    pub fn safe_preamp_db(&self, rate: u32, range: Option<Range>) -> f64 {
        let flat = EqProfile {
            preamp_db: 0.0,
            ..self.clone()
        };
        // The same profile may play at 44.1 or 48 kHz too, where the top octave differs
        // slightly: leave headroom for the loudest of them.
        let peak = [rate, 44_100, 48_000]
            .into_iter()
            .filter_map(|r| flat.max_gain_db(r))
            .fold(0.0f64, f64::max);
        let range = range.unwrap_or(Range::new(f64::NEG_INFINITY, 0.0));
        let step = range.step.unwrap_or(0.1);
        // Round the headroom up to whole steps (a tiny epsilon keeps 3.0 from becoming 3.1).
        let steps = ((peak / step) - 1e-9).ceil().max(0.0);
        Range {
            step: Some(step),
            ..range
        }
        .floor(-(steps * step))
    }
}

fn validate(
    raw: RawProfile,
    lines: &Lines<'_>,
    rate: f64,
    problems: &mut Vec<Problem>,
) -> EqProfile {
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

    let nyquist = rate / 2.0;
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
                    if !(freq > 0.0 && freq < nyquist) {
                        report(
                            b.freq_hz.span(),
                            &field("freq_hz"),
                            format!(
                                "{freq} Hz is outside 0 < freq_hz < {nyquist} Hz (Nyquist at {rate} Hz)"
                            ),
                        );
                    } else if freq < MIN_FREQ_HZ {
                        report(
                            b.freq_hz.span(),
                            &field("freq_hz"),
                            format!("{freq} Hz is below the lowest band frequency, {MIN_FREQ_HZ} Hz"),
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
                            report(
                                span,
                                &field("q"),
                                format!("a {} band needs q", kind.name()),
                            );
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
            if nyquist <= 16_000.0 {
                report(
                    0..0,
                    "graphic",
                    format!("the 16 kHz band cannot run at {rate} Hz (Nyquist {nyquist} Hz)"),
                );
            }
            EqShape::Graphic(out)
        }
    };
    EqProfile {
        name: raw.name.into_inner(),
        preamp_db: preamp,
        shape,
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EqProfile, ProfileError> {
        EqProfile::parse(text, Path::new("x.toml"), 44_100)
    }

    fn problems(text: &str) -> Vec<Problem> {
        match parse(text) {
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
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!((p[0].line, p[0].field.as_str()), (6, "bands[1].freq_hz"));
        assert!(p[0].message.contains("30000"), "{}", p[0].message);
        assert_eq!((p[1].line, p[1].field.as_str()), (6, "bands[1].q"));
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
    fn nyquist_depends_on_rate() {
        let text = GOOD.replace("freq_hz = 6000", "freq_hz = 23000");
        assert!(parse(&text).is_err());
        assert!(EqProfile::parse(&text, Path::new("x.toml"), 96_000).is_ok());
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
    fn max_gain_includes_preamp() {
        let p = parse(GOOD).unwrap();
        let g = p.max_gain_db(44_100).unwrap();
        // The +4 dB shelf with -3.5 dB preamp peaks near +0.5 dB.
        assert!((g - 0.5).abs() < 0.3, "{g}");
    }
}
