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
            curve = TargetAdjust {
                tilt_db_per_octave: 0.0,
                bass_shelf_db: -HARMAN_IE_2019_BASS_DB,
            }
            .apply(curve);
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

/// Adjustments on top of a target, as graph tools offer them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TargetAdjust {
    /// Tilt in dB per octave, pivoting at 1 kHz (positive: brighter).
    pub tilt_db_per_octave: f64,
    /// Extra bass: gain of a low shelf at 105 Hz, Q 0.7 (negative removes bass).
    pub bass_shelf_db: f64,
}

impl TargetAdjust {
    /// Whether the adjustment changes nothing.
    pub fn is_none(&self) -> bool {
        self.tilt_db_per_octave == 0.0 && self.bass_shelf_db == 0.0
    }

    /// `curve` with the tilt and shelf added.
    pub fn apply(&self, mut curve: FrCurve) -> FrCurve {
        if self.is_none() {
            return curve;
        }
        // The shelf is evaluated as a biquad at 192 kHz, where it matches the analog shelf
        // to well under 0.01 dB across the audio band. Fixed, valid values: cannot fail.
        let shelf = Coeffs::new(
            &BandSpec {
                kind: FilterKind::LowShelf,
                freq_hz: BASS_SHELF_HZ,
                gain_db: self.bass_shelf_db,
                q: BASS_SHELF_Q,
            },
            192_000.0,
        )
        .unwrap_or(Coeffs::IDENTITY);
        for (f, db) in curve.freqs_hz.iter().zip(curve.db.iter_mut()) {
            *db += self.tilt_db_per_octave * (f / 1000.0).log2();
            if self.bass_shelf_db != 0.0 {
                *db += shelf.response(*f, 192_000.0).db();
            }
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
            bass_shelf_db: 0.0,
        }
        .apply(c);
        assert_eq!(t.db, [2.0, 0.0, -2.0]);
    }
}
