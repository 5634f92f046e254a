//! Target curves: the ones built into the binary (from `presets/targets/`), any FR file used as
//! a target, and the tilt and bass-shelf adjustments graph tools offer on top of a target.

use std::path::Path;

use super::{FrCurve, FrError, parse};
use crate::dsp::{BandSpec, Coeffs, FilterKind};

/// A target curve built into iemlab.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Target {
    /// Name on the command line (`--target ID`).
    pub id: &'static str,
    /// Name for humans (plot legends).
    pub name: &'static str,
    /// File contents (squig.link or AutoEQ layout).
    text: &'static str,
    /// Other spellings users type, compared without case, spaces or punctuation.
    aliases: &'static [&'static str],
}

/// Gain of the bass shelf in the Harman in-ear 2019 target: the "without bass" variant is the
/// target minus a 9.5 dB low shelf at 105 Hz, Q 0.7 (AutoEQ's default bass boost for this
/// target; the shipped file shows the same ~9 dB rise below 200 Hz).
pub const HARMAN_IE_2019_BASS_DB: f64 = 9.5;

/// Centre and Q of the bass shelf that graph tools (and AutoEQ) add to a target.
pub const BASS_SHELF_HZ: f64 = 105.0;
/// Q of that shelf.
pub const BASS_SHELF_Q: f64 = 0.7;

const HARMAN_ALIASES: &[&str] = &[
    "harman",
    "harman-ie",
    "Harman in-ear 2019",
    "Harman IE 2019 v2",
    "Harman IE 2019v2 Target",
    "harman_in-ear_2019v2",
    "Harman In-Ear 2019 Final",
];

/// Every built-in target.
pub static TARGETS: &[Target] = &[
    Target {
        id: "harman-ie-2019",
        name: "Harman in-ear 2019",
        text: include_str!("../../presets/targets/harman-ie-2019.txt"),
        aliases: HARMAN_ALIASES,
    },
    Target {
        id: "harman-ie-2019-no-bass",
        name: "Harman in-ear 2019 without bass shelf",
        text: include_str!("../../presets/targets/harman-ie-2019.txt"),
        aliases: &[],
    },
    Target {
        id: "harman-ie-2016",
        name: "Harman in-ear 2016",
        text: include_str!("../../presets/targets/harman-ie-2016.csv"),
        aliases: &["Harman IE 2016 Target", "Harman in-ear 2016"],
    },
    Target {
        id: "diffuse-field",
        name: "Diffuse field",
        text: include_str!("../../presets/targets/diffuse-field.txt"),
        aliases: &["Diffuse Field Target", "df"],
    },
    Target {
        id: "free-field",
        name: "Free field",
        text: include_str!("../../presets/targets/free-field.txt"),
        aliases: &["Free Field Target"],
    },
    Target {
        id: "ief-iem",
        name: "IEF IEM target",
        text: include_str!("../../presets/targets/ief-iem.txt"),
        aliases: &["IEF IEM Target", "ief"],
    },
    Target {
        id: "iegems",
        name: "IEGems target",
        text: include_str!("../../presets/targets/iegems.txt"),
        aliases: &["IEGems Target", "IEGems Target F v0.1"],
    },
];

/// Lower-case letters and digits only, and without a trailing "target".
fn key(name: &str) -> String {
    let k: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    k.strip_suffix("target").map(str::to_string).unwrap_or(k)
}

impl Target {
    /// The built-in target called `name` (id or alias; case, spaces and punctuation ignored;
    /// "without bass"/"no bass" picks the Harman variant without its shelf).
    pub fn find(name: &str) -> Option<&'static Target> {
        let mut k = key(name);
        let mut no_bass = false;
        for suffix in ["withoutbassshelf", "withoutbass", "nobassshelf", "nobass"] {
            if let Some(stripped) = k.strip_suffix(suffix) {
                k = key(stripped);
                no_bass = true;
                break;
            }
        }
        let hit = TARGETS
            .iter()
            .find(|t| key(t.id) == k || t.aliases.iter().any(|a| key(a) == k))?;
        if no_bass && hit.id == "harman-ie-2019" {
            return TARGETS.iter().find(|t| t.id == "harman-ie-2019-no-bass");
        }
        Some(hit)
    }

    /// The target's curve (absolute levels as shipped).
    pub fn curve(&self) -> Result<FrCurve, FrError> {
        let mut curve = parse::parse(self.text, Path::new(self.id))?;
        curve.name = self.name.to_string();
        if self.id == "harman-ie-2019-no-bass" {
            let name = curve.name.clone();
            curve = TargetAdjust {
                bass_shelf_db: -HARMAN_IE_2019_BASS_DB,
                ..TargetAdjust::default()
            }
            .apply(curve);
            curve.name = name;
        }
        Ok(curve)
    }
}

/// A target by built-in name or from a file: a file wins if one exists at that path.
pub fn resolve(spec: &str) -> Result<FrCurve, FrError> {
    let path = Path::new(spec);
    if path.is_file() {
        return FrCurve::load(path);
    }
    match Target::find(spec) {
        Some(t) => t.curve(),
        None => Err(FrError::UnknownTarget {
            name: spec.to_string(),
            known: TARGETS.iter().map(|t| t.id).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Treble shelf of the graph tools' target adjustments (squig.link / modernGraphTool: a high
/// shelf at 2.5 kHz, Q 0.42).
pub const TREBLE_SHELF_HZ: f64 = 2500.0;
/// Q of the treble shelf.
pub const TREBLE_SHELF_Q: f64 = 0.42;
/// Ear gain of the graph tools' target adjustments: a peak at 2.75 kHz, Q 1.
pub const EAR_GAIN_HZ: f64 = 2750.0;
/// Q of the ear gain peak.
pub const EAR_GAIN_Q: f64 = 1.0;

/// Adjustments on top of a target, as graph tools offer them (modernGraphTool's
/// target-adjustment-store and squig.link's graphtool.js: a tilt, a bass shelf, a treble
/// shelf and an ear-gain peak, RBJ biquads).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetAdjust {
    /// Tilt in dB per octave, pivoting at 1 kHz (positive: brighter).
    pub tilt_db_per_octave: f64,
    /// Extra bass: gain of a low shelf (negative removes bass).
    pub bass_shelf_db: f64,
    /// The bass shelf's frequency (Hz; 105 by default).
    pub bass_shelf_hz: f64,
    /// The bass shelf's Q (0.7 by default).
    pub bass_shelf_q: f64,
    /// Gain of a high shelf at 2.5 kHz, Q 0.42.
    pub treble_shelf_db: f64,
    /// Gain of a peak at 2.75 kHz, Q 1 (the ear canal's gain around 3 kHz).
    pub ear_gain_db: f64,
}

impl Default for TargetAdjust {
    fn default() -> Self {
        TargetAdjust {
            tilt_db_per_octave: 0.0,
            bass_shelf_db: 0.0,
            bass_shelf_hz: BASS_SHELF_HZ,
            bass_shelf_q: BASS_SHELF_Q,
            treble_shelf_db: 0.0,
            ear_gain_db: 0.0,
        }
    }
}

/// Which adjustment of a [`TargetAdjust`] a value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustField {
    /// [`TargetAdjust::tilt_db_per_octave`].
    Tilt,
    /// [`TargetAdjust::bass_shelf_db`].
    BassShelf,
    /// [`TargetAdjust::bass_shelf_hz`].
    BassShelfHz,
    /// [`TargetAdjust::bass_shelf_q`].
    BassShelfQ,
    /// [`TargetAdjust::treble_shelf_db`].
    TrebleShelf,
    /// [`TargetAdjust::ear_gain_db`].
    EarGain,
}

/// An adjustment outside what graph tools offer (or not a number).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdjustError {
    /// Which adjustment.
    pub field: AdjustField,
    /// Its value.
    pub value: f64,
    /// The range allowed, in words: "±6", "20–2000 Hz".
    pub range: &'static str,
}

impl AdjustError {
    /// "NAME VALUE is outside RANGE", with the adjustment called as the caller calls it
    /// (`--tilt` on the command line, `tilt` on the page).
    pub fn message(&self, name: &str) -> String {
        format!("{name} {} is outside {}", self.value, self.range)
    }
}

impl TargetAdjust {
    /// Whether every adjustment is within what graph tools offer: tilt ±6 dB/oct, shelves
    /// and ear gain ±30 dB, the bass shelf at 20–2000 Hz with Q 0.1–10.
    pub fn check(&self) -> Result<(), AdjustError> {
        let gains = [
            (AdjustField::Tilt, self.tilt_db_per_octave, 6.0, "±6"),
            (AdjustField::BassShelf, self.bass_shelf_db, 30.0, "±30"),
            (AdjustField::TrebleShelf, self.treble_shelf_db, 30.0, "±30"),
            (AdjustField::EarGain, self.ear_gain_db, 30.0, "±30"),
        ];
        for (field, value, limit, range) in gains {
            if !(value.is_finite() && value.abs() <= limit) {
                return Err(AdjustError {
                    field,
                    value,
                    range,
                });
            }
        }
        if !(20.0..=2000.0).contains(&self.bass_shelf_hz) {
            return Err(AdjustError {
                field: AdjustField::BassShelfHz,
                value: self.bass_shelf_hz,
                range: "20–2000 Hz",
            });
        }
        if !(0.1..=10.0).contains(&self.bass_shelf_q) {
            return Err(AdjustError {
                field: AdjustField::BassShelfQ,
                value: self.bass_shelf_q,
                range: "0.1–10",
            });
        }
        Ok(())
    }

    /// Whether the adjustment changes nothing.
    pub fn is_none(&self) -> bool {
        self.tilt_db_per_octave == 0.0
            && self.bass_shelf_db == 0.0
            && self.treble_shelf_db == 0.0
            && self.ear_gain_db == 0.0
    }

    /// The adjustments as legends and profile descriptions name them, e.g. "tilt -0.8
    /// dB/oct, bass +6 dB at 105 Hz"; empty when there are none.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.tilt_db_per_octave != 0.0 {
            parts.push(format!("tilt {:+} dB/oct", self.tilt_db_per_octave));
        }
        if self.bass_shelf_db != 0.0 {
            let q = if self.bass_shelf_q == BASS_SHELF_Q {
                String::new()
            } else {
                format!(" Q {}", self.bass_shelf_q)
            };
            parts.push(format!(
                "bass {:+} dB at {} Hz{q}",
                self.bass_shelf_db, self.bass_shelf_hz
            ));
        }
        if self.treble_shelf_db != 0.0 {
            parts.push(format!("treble {:+} dB", self.treble_shelf_db));
        }
        if self.ear_gain_db != 0.0 {
            parts.push(format!("ear gain {:+} dB", self.ear_gain_db));
        }
        parts.join(", ")
    }

    /// The shelves and peak as bands (those with a gain).
    fn bands(&self) -> Vec<BandSpec> {
        [
            (
                FilterKind::LowShelf,
                self.bass_shelf_hz,
                self.bass_shelf_db,
                self.bass_shelf_q,
            ),
            (
                FilterKind::HighShelf,
                TREBLE_SHELF_HZ,
                self.treble_shelf_db,
                TREBLE_SHELF_Q,
            ),
            (
                FilterKind::Peaking,
                EAR_GAIN_HZ,
                self.ear_gain_db,
                EAR_GAIN_Q,
            ),
        ]
        .into_iter()
        .filter(|(_, _, gain, _)| *gain != 0.0)
        .map(|(kind, freq_hz, gain_db, q)| BandSpec {
            kind,
            freq_hz,
            gain_db,
            q,
        })
        .collect()
    }

    /// `curve` with the tilt, shelves and peak added.
    pub fn apply(&self, mut curve: FrCurve) -> FrCurve {
        if self.is_none() {
            return curve;
        }
        // The filters are evaluated as biquads at 192 kHz, where they match the analog
        // shelves and peak to well under 0.01 dB across the audio band. A value no filter
        // can have (checked by the command line) leaves that filter out.
        let filters: Vec<Coeffs> = self
            .bands()
            .iter()
            .filter_map(|b| Coeffs::new(b, 192_000.0).ok())
            .collect();
        for (f, db) in curve.freqs_hz.iter().zip(curve.db.iter_mut()) {
            *db += self.tilt_db_per_octave * (f / 1000.0).log2();
            for c in &filters {
                *db += c.response(*f, 192_000.0).db();
            }
        }
        if !self.describe().is_empty() {
            curve.name = format!("{} ({})", curve.name, self.describe());
        }
        curve
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_target_parses_and_covers_the_audio_band() {
        for t in TARGETS {
            let c = t.curve().unwrap();
            let (lo, hi) = c.span_hz();
            assert!(lo <= 21.0 && hi >= 19_000.0, "{}: {lo}–{hi}", t.id);
        }
    }

    #[test]
    fn harman_aliases_resolve_with_and_without_bass() {
        for alias in HARMAN_ALIASES {
            assert_eq!(Target::find(alias).unwrap().id, "harman-ie-2019", "{alias}");
        }
        for alias in [
            "Harman in-ear 2019 without bass",
            "Harman IE 2019 v2 (no bass)",
        ] {
            assert_eq!(
                Target::find(alias).map(|t| t.id),
                Some("harman-ie-2019-no-bass"),
                "{alias}"
            );
        }
        assert!(Target::find("nonesuch").is_none());
        assert!(matches!(
            resolve("nonesuch"),
            Err(FrError::UnknownTarget { .. })
        ));
    }

    #[test]
    fn no_bass_variant_differs_only_in_the_bass() {
        let with = Target::find("harman-ie-2019").unwrap().curve().unwrap();
        let without = Target::find("harman-ie-2019-no-bass")
            .unwrap()
            .curve()
            .unwrap();
        let diff = |f| with.level_at(f) - without.level_at(f);
        assert!((diff(20.0) - 9.4).abs() < 0.2, "{}", diff(20.0));
        assert!(diff(2000.0).abs() < 0.05);
        // Without its shelf the target is nearly flat below 200 Hz.
        assert!((without.level_at(20.0) - without.level_at(200.0)).abs() < 1.5);
    }

    #[test]
    fn tilt_pivots_at_1k() {
        let c = FrCurve {
            name: "flat".into(),
            freqs_hz: vec![250.0, 1000.0, 4000.0],
            db: vec![0.0; 3],
        };
        let t = TargetAdjust {
            tilt_db_per_octave: -1.0,
            ..TargetAdjust::default()
        }
        .apply(c);
        assert_eq!(t.db, [2.0, 0.0, -2.0]);
        assert_eq!(t.name, "flat (tilt -1 dB/oct)");
    }

    #[test]
    fn treble_shelf_and_ear_gain_are_the_graph_tools_filters() {
        let c = FrCurve {
            name: "flat".into(),
            freqs_hz: vec![20.0, 2750.0, 20_000.0],
            db: vec![0.0; 3],
        };
        let treble = TargetAdjust {
            treble_shelf_db: -3.0,
            ..TargetAdjust::default()
        }
        .apply(c.clone());
        assert!(
            treble.db[0].abs() < 0.05 && (treble.db[2] + 3.0).abs() < 0.1,
            "{:?}",
            treble.db
        );
        let ear = TargetAdjust {
            ear_gain_db: 2.0,
            ..TargetAdjust::default()
        }
        .apply(c);
        assert!(
            (ear.db[1] - 2.0).abs() < 1e-6 && ear.db[0].abs() < 0.01,
            "{:?}",
            ear.db
        );
        assert_eq!(ear.name, "flat (ear gain +2 dB)");
    }
}
