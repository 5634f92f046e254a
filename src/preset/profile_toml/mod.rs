//! Profile files (`presets/eq/*.toml`): reading them with every problem located by line and
//! field, and writing them (`write.rs`). Reading checks everything that does not depend on
//! the sample rate; [`EqProfile::chain`] checks the rest.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::dsp::{BandSpec, Channel, FilterKind, MAX_STAGES};
use crate::problem::{FileProblem, Lines, ReadError, read_text};

use super::profile::{
    ChannelEq, EqProfile, EqShape, MAX_GAIN_DB, MAX_Q, MIN_FREQ_HZ, MIN_Q, Origin, PROFILE_VERSION,
    ProfileError,
};

mod write;

pub(crate) use write::{exact, number};

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
    left: Option<Spanned<RawChannel>>,
    right: Option<Spanned<RawChannel>>,
}

/// A `[left]` or `[right]` table: what one channel adds after the shared filters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    gain_db: Option<Spanned<f64>>,
    bands: Option<Spanned<Vec<Spanned<RawBand>>>>,
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

    /// The profile a command line names: `flat` (unless a file of that name is in the
    /// current folder) for none, else a file or a shipped profile as [`EqProfile::load`]
    /// reads it.
    pub fn load_named(spec: &str) -> Result<Self, ProfileError> {
        if Self::names_flat(spec) {
            return Ok(EqProfile::flat());
        }
        Self::load(Path::new(spec))
    }

    /// Whether a command line's `spec` means no EQ: `flat`, unless a file of that name is in
    /// the current folder.
    pub fn names_flat(spec: &str) -> bool {
        spec == "flat" && !Path::new(spec).exists()
    }

    /// Parses and validates profile text as [`EqProfile::load`] does; `path` names the file
    /// in messages and in the profile's [`Origin`].
    pub fn parse(text: &str, path: &Path) -> Result<Self, ProfileError> {
        let (profile, problems) = parse_all(text, path)?;
        valid(profile, problems)
    }

    /// Reads the profile at `path` and reports every problem, those of playing it at
    /// `sample_rate` Hz included (what `iemlab check --rate` lists), in file order.
    pub fn check(path: &Path, sample_rate: u32) -> Result<Self, ProfileError> {
        check_text(&read(path)?, path, sample_rate)
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
    valid(profile, problems)
}

/// `profile` if no problem was found, else every problem.
fn valid(profile: EqProfile, problems: Vec<FileProblem>) -> Result<EqProfile, ProfileError> {
    if problems.is_empty() {
        Ok(profile)
    } else {
        Err(ProfileError::Invalid { problems })
    }
}

/// The profile in `text` and every problem found; an error only when it is not TOML with a
/// profile's fields at all.
fn parse_all(text: &str, path: &Path) -> Result<(EqProfile, Vec<FileProblem>), ProfileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = Lines(text);
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| lines.at(s.start));
        ProfileError::Invalid {
            problems: vec![FileProblem::at(path, line, e.message().trim())],
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
    problems: &mut Vec<FileProblem>,
) -> EqProfile {
    let mut origin = Origin {
        path: path.to_path_buf(),
        ..Origin::default()
    };
    let mut report = |span: std::ops::Range<usize>, field: &str, message: String| {
        problems.push(lines.problem(path, span, field, message))
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
                    channels: Default::default(),
                    origin: Some(origin),
                    ..EqProfile::shared(raw.name.into_inner(), preamp, EqShape::Parametric(vec![]))
                };
            }
            let (specs, band_lines) =
                validate_bands(bands.into_inner(), "bands", lines, &mut report);
            origin.band_lines = band_lines;
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
    let shared_stages = match &shape {
        EqShape::Parametric(bands) => bands.len(),
        EqShape::Graphic(gains) => gains.len(),
    };
    let mut channels: [ChannelEq; 2] = Default::default();
    for (channel, raw_channel) in Channel::BOTH.into_iter().zip([raw.left, raw.right]) {
        let Some(table) = raw_channel else { continue };
        let name = channel.name();
        let table = table.into_inner();
        let own = channel.pick_mut(&mut channels);
        if let Some(gain) = table.gain_db {
            check_gain(
                *gain.get_ref(),
                &format!("{name}.gain_db"),
                gain.span(),
                &mut report,
            );
            own.gain_db = *gain.get_ref();
        }
        let Some(bands) = table.bands else { continue };
        let count = bands.get_ref().len();
        if shared_stages + count > MAX_STAGES {
            report(
                bands.span(),
                &format!("{name}.bands"),
                format!(
                    "{count} bands after {shared_stages} shared ones; a channel runs at most {MAX_STAGES}"
                ),
            );
            continue;
        }
        let (specs, band_lines) = validate_bands(
            bands.into_inner(),
            &format!("{name}.bands"),
            lines,
            &mut report,
        );
        own.bands = specs;
        *channel.pick_mut(&mut origin.channel_band_lines) = band_lines;
    }
    // Equal [left] and [right] tables are the same EQ on both channels.
    EqProfile {
        name: raw.name.into_inner(),
        preamp_db: preamp,
        shape,
        channels,
        origin: Some(origin),
    }
    .tidy()
}

/// The bands of a `bands` list (`prefix` names it in problems: `bands`, `left.bands`), and
/// the line of each one's `freq_hz`; every problem that does not depend on the sample rate
/// goes to `report`, and a wrong value becomes a stand-in.
fn validate_bands(
    bands: Vec<Spanned<RawBand>>,
    prefix: &str,
    lines: &Lines<'_>,
    report: &mut impl FnMut(std::ops::Range<usize>, &str, String),
) -> (Vec<BandSpec>, Vec<usize>) {
    let mut band_lines = Vec::with_capacity(bands.len());
    let specs = bands
        .into_iter()
        .enumerate()
        .map(|(i, band)| {
            let span = band.span();
            let b = band.into_inner();
            let kind = *b.kind.get_ref();
            let field = |name: &str| format!("{prefix}[{i}].{name}");
            let freq = *b.freq_hz.get_ref();
            band_lines.push(lines.at(b.freq_hz.span().start));
            // Whether it is below Nyquist depends on the rate: checked when the chain is
            // built (EqProfile::chain).
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
                    format!("{freq} Hz is below the lowest band frequency, {MIN_FREQ_HZ} Hz"),
                );
            }
            let gain = match (&b.gain_db, kind.has_gain()) {
                (Some(g), true) => {
                    check_gain(*g.get_ref(), &field("gain_db"), g.span(), report);
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
    (specs, band_lines)
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
mod tests;
