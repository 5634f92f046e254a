//! What the studio page asks of the measurement databases and the preset formats
//! (docs/STUDIO.md: `/api/search`, `/api/curve`, `/api/target`, `/api/fit`, `/api/export`,
//! `/api/import` and the lists of `/api/state`), answered without HTTP: the server turns
//! requests into these calls and their answers (or [`ApiError`]s) into JSON.
//!
//! Every fit, target and export is made by the same library calls the command line makes
//! (`fit --iem`, `ab --iem`, `export`, `import`), so the page and the terminal agree.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::profile_json::ProfileJson;
use crate::db::{self, Database, DbError};
use crate::fit::correction::DEFAULT_MAX_GAIN_DB;
use crate::fit::{CorrectionOptions, EqLayout, FitError, IemFitOptions, fit_iem};
use crate::fr::target::{AdjustField, TARGETS};
use crate::fr::{FrCurve, FrError, LogGrid, Target, TargetAdjust};
use crate::preset::device::{self, DEVICES, DeviceSpec, Layout};
use crate::preset::device_fit::DeviceFitError;
use crate::preset::export::{
    self, ChannelChoice, Chosen, DEFAULT_TOLERANCE_DB, EXPORT_RATE, ExportError, FORMATS,
};
use crate::preset::import::{self, ImportError};
use crate::preset::{MAX_GAIN_DB, ProfileError};

/// Most IEMs one search lists.
pub(crate) const MAX_HITS: usize = 200;

/// Rate fits are designed for (`fit --fs`'s default).
const FIT_RATE: u32 = 48_000;

/// Most bands a parametric fit may have (`fit --peq`'s range).
const MAX_FIT_BANDS: usize = 32;

/// A request the page made that cannot be answered: the HTTP status and what to show.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ApiError {
    /// 400 for bad input, 404 for an unknown name, 500 for a failure of ours.
    pub status: u16,
    /// What is wrong, with the offending value.
    pub message: String,
}

impl ApiError {
    /// Bad input (400).
    pub fn bad(message: impl Into<String>) -> Self {
        ApiError {
            status: 400,
            message: message.into(),
        }
    }

    /// An unknown name (404).
    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: 404,
            message: message.into(),
        }
    }

    /// A failure that is not the request's fault (500): a database file that cannot be read.
    pub fn failed(message: impl Into<String>) -> Self {
        ApiError {
            status: 500,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.status)
    }
}

impl std::error::Error for ApiError {}

/// An unknown IEM is 404 with the database's nearest names; an ambiguous one is the
/// request's to fix; a database or file that cannot be read is ours.
impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unknown { .. } | DbError::NoFiles { .. } => ApiError::not_found(e.to_string()),
            DbError::Ambiguous { .. } => ApiError::bad(e.to_string()),
            DbError::Problem(_) | DbError::Fr(_) => ApiError::failed(e.to_string()),
        }
    }
}

/// A measurement or target file that cannot be read is the database's problem, not the
/// request's.
impl From<FrError> for ApiError {
    fn from(e: FrError) -> Self {
        ApiError::failed(e.to_string())
    }
}

/// A fit the request's layout or device cannot make is bad input.
impl From<FitError> for ApiError {
    fn from(e: FitError) -> Self {
        match e {
            FitError::Curve(e) => e.into(),
            FitError::Device(_) | FitError::Request(_) => ApiError::bad(e.to_string()),
        }
    }
}

impl From<DeviceFitError> for ApiError {
    fn from(e: DeviceFitError) -> Self {
        ApiError::bad(e.to_string())
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        ApiError::bad(e.to_string())
    }
}

impl From<ProfileError> for ApiError {
    fn from(e: ProfileError) -> Self {
        ApiError::bad(e.to_string())
    }
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> Self {
        ApiError::bad(e.to_string())
    }
}

/// The frequencies (Hz) every curve the page gets is sampled at: 1/48 octave, 20 Hz–20 kHz.
pub(crate) fn grid() -> Vec<f64> {
    LogGrid::STANDARD.freqs()
}

/// One IEM a search found (`/api/search`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct SearchHit {
    /// "Brand Model" (or "Brand Variant"): what `/api/curve` and `/api/fit` take.
    pub name: String,
    /// The brand.
    pub brand: String,
    /// `L/R` when both channels are measured, else `mono`.
    pub channels: &'static str,
}

/// One IEM's raw measurement on the grid (`/api/curve`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct CurveJson {
    /// "Brand Model".
    pub name: String,
    /// The left channel (or the only one measured); null outside the measured range.
    pub left: Vec<Option<f64>>,
    /// The right channel, when both are measured.
    pub right: Option<Vec<Option<f64>>>,
}

/// A target and the adjustments on it, as `/api/target` takes them (query parameters) and
/// `/api/fit` (its `target`). Missing values change nothing; unknown ones (the token) are
/// ignored.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default)]
pub(crate) struct TargetReq {
    /// A built-in target (id or name) or a target of the databases.
    pub name: String,
    /// Tilt (dB per octave around 1 kHz).
    pub tilt: f64,
    /// Bass shelf gain (dB).
    pub bass_db: f64,
    /// Bass shelf frequency (Hz).
    pub bass_hz: f64,
    /// Bass shelf Q.
    pub bass_q: f64,
    /// Treble shelf gain (dB; 2.5 kHz, Q 0.42).
    pub treble_db: f64,
    /// Ear gain (dB; a peak at 2.75 kHz, Q 1).
    pub ear_gain_db: f64,
}

impl Default for TargetReq {
    fn default() -> Self {
        let none = TargetAdjust::default();
        TargetReq {
            name: TARGETS[0].id.to_string(),
            tilt: none.tilt_db_per_octave,
            bass_db: none.bass_shelf_db,
            bass_hz: none.bass_shelf_hz,
            bass_q: none.bass_shelf_q,
            treble_db: none.treble_shelf_db,
            ear_gain_db: none.ear_gain_db,
        }
    }
}

impl TargetReq {
    /// The adjustments, checked as `fit --tilt …` checks them, named as the page names them.
    fn adjust(&self) -> Result<TargetAdjust, ApiError> {
        let adjust = TargetAdjust {
            tilt_db_per_octave: self.tilt,
            bass_shelf_db: self.bass_db,
            bass_shelf_hz: self.bass_hz,
            bass_shelf_q: self.bass_q,
            treble_shelf_db: self.treble_db,
            ear_gain_db: self.ear_gain_db,
        };
        adjust.check().map_err(|e| {
            ApiError::bad(e.message(match e.field {
                AdjustField::Tilt => "tilt",
                AdjustField::BassShelf => "bass_db",
                AdjustField::BassShelfHz => "bass_hz",
                AdjustField::BassShelfQ => "bass_q",
                AdjustField::TrebleShelf => "treble_db",
                AdjustField::EarGain => "ear_gain_db",
            }))
        })?;
        Ok(adjust)
    }
}

/// A target with its adjustments on the grid (`/api/target`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct TargetJson {
    /// The target's name.
    pub name: String,
    /// Its name with the adjustments: "Harman in-ear 2019 (tilt -1 dB/oct)".
    pub label: String,
    /// Its level (dB, as the target file has it) on the grid.
    pub db: Vec<f64>,
}

/// What `/api/fit` is asked: the user's IEM fitted to a target, or to sound like `other`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FitReq {
    /// The user's IEM by name.
    pub iem: String,
    /// The target and its adjustments (unused when `other` is given).
    #[serde(default)]
    pub target: TargetReq,
    /// Another IEM of the databases: fit `iem` to sound like it ("other on iem").
    #[serde(default)]
    pub other: Option<String>,
    /// Parametric bands (1–32; a device holds at most its own count).
    #[serde(default = "default_bands")]
    pub bands: usize,
    /// Fit the ISO 10-band graphic EQ instead.
    #[serde(default)]
    pub graphic: bool,
    /// Fit exactly what this device or format holds (its id).
    #[serde(default)]
    pub device: Option<String>,
    /// Fit each channel on its own.
    #[serde(default)]
    pub per_channel: bool,
    /// Largest boost (dB).
    #[serde(default = "default_max_gain")]
    pub max_gain_db: f64,
}

fn default_bands() -> usize {
    10
}

fn default_max_gain() -> f64 {
    DEFAULT_MAX_GAIN_DB
}

/// A fit (`/api/fit`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct FitJson {
    /// The fitted profile.
    pub profile: ProfileJson,
    /// RMS fit error below 10 kHz (dB; the worse channel's for a per-channel fit).
    pub error_db: f64,
    /// What was fitted and how close it came, in one line.
    pub line: String,
}

/// What `/api/export` is asked.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportReq {
    /// The profile.
    pub profile: ProfileJson,
    /// A format id of [`FORMATS`].
    pub format: String,
    /// For a per-channel profile and a format with one EQ: which channel's (or the mean).
    #[serde(default)]
    pub channel: Option<ChannelChoice>,
}

/// A profile written in a format (`/api/export`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ExportJson {
    /// The file's contents.
    pub text: String,
    /// A file name for it: the profile's name and the format's ending.
    pub file_name: String,
    /// Largest difference (dB) between the profile's response and the exported one.
    pub deviation_db: f64,
    /// What had to change to fit the format.
    pub notes: Vec<String>,
}

/// What `/api/import` is given: a preset file's name and text.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImportReq {
    /// The file's name (names the profile and messages).
    pub name: String,
    /// Its text.
    pub text: String,
}

/// One export format (`/api/state` `formats`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct FormatJson {
    /// Format id.
    pub id: &'static str,
    /// Product or format name.
    pub name: &'static str,
    /// File name ending, without the dot.
    pub ext: &'static str,
    /// Whether it holds a different EQ for each channel.
    pub per_channel: bool,
}

/// One device or format a fit can be held to (`/api/state` `devices`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct DeviceJson {
    /// Device id (`device` of `/api/fit`).
    pub id: &'static str,
    /// Product or format name.
    pub name: &'static str,
    /// Most bands (fixed bands of a graphic EQ, nodes of a curve).
    pub bands: usize,
    /// Filter types it takes (every slot's, in order of first appearance).
    pub kinds: Vec<&'static str>,
    /// Band gain range (dB).
    pub gain: [f64; 2],
    /// Q range.
    pub q: [f64; 2],
    /// The fixed centres of a graphic EQ or curve (Hz); null for parametric.
    pub freqs: Option<Vec<f64>>,
}

/// Every export format.
pub(crate) fn formats() -> Vec<FormatJson> {
    FORMATS
        .iter()
        .map(|f| FormatJson {
            id: f.id,
            name: f.device().name,
            ext: f.extension,
            per_channel: f.per_channel(),
        })
        .collect()
}

/// Every device and format a fit can be held to.
pub(crate) fn devices() -> Vec<DeviceJson> {
    DEVICES.iter().map(device_json).collect()
}

fn device_json(d: &DeviceSpec) -> DeviceJson {
    let (kinds, freqs) = match d.layout {
        Layout::Parametric { slots } => {
            let mut kinds: Vec<&'static str> = Vec::new();
            for kind in slots.iter().flat_map(|s| s.iter()) {
                if !kinds.contains(&kind.name()) {
                    kinds.push(kind.name());
                }
            }
            (kinds, None)
        }
        Layout::Graphic { freqs_hz, .. } => (vec!["peaking"], Some(freqs_hz.to_vec())),
        Layout::Curve { freqs_hz } => (Vec::new(), Some(freqs_hz.to_vec())),
    };
    DeviceJson {
        id: d.id,
        name: d.name,
        bands: d.max_bands(),
        kinds,
        gain: [d.gain_db.min, d.gain_db.max],
        q: [d.q.min, d.q.max],
        freqs,
    }
}

/// The measurement databases the page works with, opened once.
#[derive(Clone, Debug)]
pub(crate) struct Bench {
    dbs: Vec<Database>,
    grid: Vec<f64>,
}

impl Bench {
    /// A bench over databases already open.
    pub fn new(dbs: Vec<Database>) -> Self {
        Bench { dbs, grid: grid() }
    }

    /// The databases' folders (`/api/state` `dbs`).
    pub fn db_dirs(&self) -> Vec<String> {
        self.dbs
            .iter()
            .map(|d| d.dir.display().to_string())
            .collect()
    }

    /// The grid curves are sampled at.
    pub fn grid(&self) -> &[f64] {
        &self.grid
    }

    /// The IEMs whose brand, model or variant hold every word of `query` (all of them for
    /// an empty one), one per measured variant, at most [`MAX_HITS`].
    pub fn search(&self, query: &str) -> Vec<SearchHit> {
        self.dbs
            .iter()
            .flat_map(|db| db.search(query))
            .flat_map(|phone| {
                phone
                    .variants
                    .iter()
                    .filter(|v| v.left || v.right)
                    .map(|v| SearchHit {
                        name: format!("{} {}", phone.brand, v.name),
                        brand: phone.brand.clone(),
                        channels: if v.left && v.right { "L/R" } else { "mono" },
                    })
            })
            .take(MAX_HITS)
            .collect()
    }

    /// The raw measurement of the IEM called `name`, each channel on the grid.
    pub fn curve(&self, name: &str) -> Result<CurveJson, ApiError> {
        let found = db::find(&self.dbs, name)?;
        let [left, right] = found.load()?;
        let on_grid = |c: &FrCurve| -> Vec<Option<f64>> {
            let (lo, hi) = c.span_hz();
            self.grid
                .iter()
                .map(|&f| (lo..=hi).contains(&f).then(|| c.level_at(f)))
                .collect()
        };
        let (left, right) = match (left, right) {
            (Some(l), r) => (on_grid(&l), r.as_ref().map(on_grid)),
            (None, Some(r)) => (on_grid(&r), None),
            // Found::load names the missing files instead.
            (None, None) => return Err(ApiError::not_found(format!("{name}: no measurement"))),
        };
        Ok(CurveJson {
            name: found.full_name(),
            left,
            right,
        })
    }

    /// The names of every target: the built-in ones, then the databases'.
    pub fn targets(&self) -> Vec<String> {
        TARGETS
            .iter()
            .map(|t| t.id.to_string())
            .chain(
                self.dbs
                    .iter()
                    .flat_map(|d| d.targets.iter().map(|(n, _)| n.clone())),
            )
            .collect()
    }

    /// The target called `name`: a built-in one, else one of the databases'. (Never a file
    /// by path: the page names targets, it does not read files.)
    fn target_curve(&self, name: &str) -> Result<FrCurve, ApiError> {
        if let Some(t) = Target::find(name) {
            return Ok(t.curve()?);
        }
        match db::find_target(&self.dbs, name)? {
            Some(path) => Ok(FrCurve::load(path)?),
            None => Err(ApiError::not_found(format!(
                "no target called '{name}'; targets: {}",
                self.targets().join(", ")
            ))),
        }
    }

    /// The target `req` names with its adjustments: on the grid, and as the curve fits use.
    fn adjusted_target(&self, req: &TargetReq) -> Result<(String, FrCurve), ApiError> {
        let adjust = req.adjust()?;
        let curve = self.target_curve(&req.name)?;
        Ok((curve.name.clone(), adjust.apply(curve)))
    }

    /// The target `req` names with its adjustments, on the grid.
    pub fn target(&self, req: &TargetReq) -> Result<TargetJson, ApiError> {
        let (name, curve) = self.adjusted_target(req)?;
        Ok(TargetJson {
            name,
            db: self.grid.iter().map(|&f| curve.level_at(f)).collect(),
            label: curve.name,
        })
    }

    /// The measurements of the IEM called `name`: its full name and the channels that exist
    /// (left first).
    fn measurements(&self, name: &str) -> Result<(String, Vec<FrCurve>), ApiError> {
        let found = db::find(&self.dbs, name)?;
        let curves = found.load()?.into_iter().flatten().collect();
        Ok((found.full_name(), curves))
    }

    /// The user's IEM fitted to the (adjusted) target, or with `other` to sound like that
    /// IEM, as `fit --iem` and `ab --iem` fit it.
    pub fn fit(&self, req: &FitReq) -> Result<FitJson, ApiError> {
        let start = Instant::now();
        if !(req.max_gain_db.is_finite() && (0.0..=MAX_GAIN_DB).contains(&req.max_gain_db)) {
            return Err(ApiError::bad(format!(
                "max_gain_db {} must be between 0 and {MAX_GAIN_DB} dB",
                req.max_gain_db
            )));
        }
        if !(1..=MAX_FIT_BANDS).contains(&req.bands) {
            return Err(ApiError::bad(format!(
                "bands {} must be between 1 and {MAX_FIT_BANDS}",
                req.bands
            )));
        }
        let device = match &req.device {
            None => None,
            Some(id) => Some(device::find(id).ok_or_else(|| {
                ApiError::bad(format!(
                    "unknown device '{id}'; devices: {}",
                    device::ids().join(", ")
                ))
            })?),
        };
        let layout = match (device, req.graphic) {
            (Some(d), true) if !matches!(d.layout, Layout::Graphic { .. }) => {
                return Err(ApiError::bad(format!(
                    "{} is not a graphic EQ: fit it without graphic",
                    d.name
                )));
            }
            (Some(d), _) => EqLayout::Device(d, Some(req.bands)),
            (None, true) => EqLayout::Graphic,
            (None, false) => EqLayout::Parametric(req.bands),
        };
        let (my_name, mine) = self.measurements(&req.iem)?;
        let (reference, name) = match &req.other {
            Some(other) => {
                let (other_name, curves) = self.measurements(other)?;
                let reference = crate::fr::average(&curves, &LogGrid::STANDARD, &other_name)?;
                (reference, format!("{other_name} on {my_name}"))
            }
            None => {
                let (_, reference) = self.adjusted_target(&req.target)?;
                let per = if req.per_channel {
                    " (per channel)"
                } else {
                    ""
                };
                let name = format!("{my_name} to {}{per}", reference.name);
                (reference, name)
            }
        };
        let how = IemFitOptions {
            opts: CorrectionOptions {
                max_gain_db: req.max_gain_db,
                ..CorrectionOptions::default()
            },
            layout,
            rate: FIT_RATE,
            per_channel: req.per_channel,
        };
        let fitted = fit_iem(&mine, &my_name, &reference, &how, &name)?;
        let bands = fitted.profile.stage_count();
        let line = format!(
            "{name}: {bands} band{}, fit error {}, {:.0} ms",
            if bands == 1 { "" } else { "s" },
            fitted.error_line(),
            start.elapsed().as_secs_f64() * 1000.0
        );
        Ok(FitJson {
            profile: ProfileJson::from_profile(&fitted.profile),
            error_db: fitted.report.rms_low_db,
            line,
        })
    }
}

/// The profile written in a format, as `iemlab export` writes it. The page sees how far the
/// format is from the profile instead of being refused beyond `export`'s tolerance (a note
/// says so).
pub(crate) fn export(req: &ExportReq) -> Result<ExportJson, ApiError> {
    let profile = req.profile.to_profile().map_err(ApiError::bad)?;
    let format =
        export::find(&req.format).ok_or_else(|| ExportError::UnknownFormat(req.format.clone()))?;
    profile.check_rate(EXPORT_RATE)?;
    let mut notes = Vec::new();
    let profile = match req.channel {
        None if profile.is_per_channel() && !format.per_channel() => {
            return Err(ApiError::bad(format!(
                "{} has one EQ for both channels and '{}' is per-channel: export the left or right channel, or the mean of the two",
                format.id, profile.name
            )));
        }
        None => profile,
        Some(choice) => {
            let (chosen, how) = export::choose_channel(profile, choice, format)?;
            if let Chosen::Mean(worst) = how {
                notes.push(format!(
                    "one EQ for both channels, fitted to the mean of left and right within {worst:.2} dB"
                ));
            }
            chosen
        }
    };
    let exported = export::export(&profile, format, f64::INFINITY)?;
    notes.extend(exported.notes);
    if exported.deviation_db > DEFAULT_TOLERANCE_DB {
        notes.push(format!(
            "{} holds this profile only within {:.2} dB (at {:.0} Hz); `iemlab export` accepts {DEFAULT_TOLERANCE_DB} dB unless given --tolerance",
            format.id, exported.deviation_db, exported.worst_hz
        ));
    }
    Ok(ExportJson {
        text: exported.text,
        file_name: format!("{}.{}", file_stem(&profile.name), format.extension),
        deviation_db: exported.deviation_db,
        notes,
    })
}

/// `name` as a file name: letters, digits, spaces, `-`, `_` and `.` kept, the rest `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim_matches('.').trim();
    if stem.is_empty() {
        "profile".into()
    } else {
        stem.to_string()
    }
}

/// A preset's text read as `iemlab import` reads a file called `name`. Equalizer APO's
/// `Include:` is refused: it reads other files of this computer, which a page must not.
pub(crate) fn import(name: &str, text: &str) -> Result<ProfileJson, ApiError> {
    let includes = text.lines().any(|l| {
        l.split_once(':')
            .is_some_and(|(key, _)| key.trim().eq_ignore_ascii_case("include"))
    });
    if includes {
        return Err(ApiError::bad(format!(
            "{name}: Include: reads other files; paste the included file's text instead"
        )));
    }
    // Only the file's name: where it was is not the page's to say.
    let file = Path::new(name)
        .file_name()
        .map_or_else(|| PathBuf::from("imported"), PathBuf::from);
    let imported = import::parse(text, &file)?;
    Ok(ProfileJson::from_profile(&imported.profile))
}

#[cfg(test)]
mod tests;
