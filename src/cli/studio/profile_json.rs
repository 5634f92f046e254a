//! The EQ profile as the studio page edits it (docs/STUDIO.md, `Profile`): a preamp and, for
//! each channel, a gain and a list of bands. It becomes an [`EqProfile`] through the profile
//! file's own reader, so the page's values are checked exactly as a profile file's are.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dsp::{BandSpec, Channel, FilterKind};
use crate::preset::export::exact;
use crate::preset::{EqProfile, PROFILE_VERSION, ProfileError};

/// What messages call the page's profile, where a file's would name the file.
const PAGE: &str = "<page>";

/// An EQ profile as the page edits it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileJson {
    /// Display name.
    pub name: String,
    /// Gain before the filters (dB).
    pub preamp_db: f64,
    /// Whether the channels differ; when false only `left` counts (for both channels).
    pub per_channel: bool,
    /// The left channel's gain and bands (both channels' when not per-channel).
    pub left: ChannelJson,
    /// The right channel's gain and bands (per-channel profiles only).
    pub right: ChannelJson,
}

/// What one channel runs after the preamp: a gain and its bands, in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelJson {
    /// Gain (dB) on top of the preamp.
    #[serde(default)]
    pub gain_db: f64,
    /// The bands, in order.
    #[serde(default)]
    pub bands: Vec<BandJson>,
}

/// One band as the page edits it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandJson {
    /// The profile file's filter type: `peaking`, `low_shelf`, `high_shelf`, `low_pass`,
    /// `high_pass`, `band_pass`, `notch` or `all_pass`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Centre or corner frequency (Hz).
    pub freq_hz: f64,
    /// Gain (dB; 0 for the types without one).
    #[serde(default)]
    pub gain_db: f64,
    /// Q.
    pub q: f64,
}

impl BandJson {
    /// The page's form of `band`.
    fn from_spec(band: &BandSpec) -> Self {
        BandJson {
            kind: band.kind.name().to_string(),
            freq_hz: band.freq_hz,
            gain_db: band.gain_db,
            q: band.q,
        }
    }
}

impl ProfileJson {
    /// The profile the page describes, checked as a profile file is (every value finite and
    /// in range, at most as many bands as a chain runs), or a message naming each band and
    /// value that is wrong ("left band 2: q: -1 is outside 0 < q <= 100").
    pub fn to_profile(&self) -> Result<EqProfile, String> {
        let channels: &[(&str, &ChannelJson)] = if self.per_channel {
            &[("left ", &self.left), ("right ", &self.right)]
        } else {
            &[("", &self.left)]
        };
        for (side, channel) in channels {
            for (i, band) in channel.bands.iter().enumerate() {
                if kind(&band.kind).is_none() {
                    return Err(format!(
                        "{side}band {}: unknown type '{}'; types: {}",
                        i + 1,
                        band.kind,
                        FilterKind::ALL.map(FilterKind::name).join(", ")
                    ));
                }
            }
        }
        EqProfile::parse(&self.toml(), Path::new(PAGE)).map_err(|e| self.message(e))
    }

    /// The page's form of `profile`: a profile that is not per-channel has its bands (a
    /// graphic EQ's as its ten peaking bands) in `left`; a per-channel one has each
    /// channel's trim and all the bands it runs.
    pub fn from_profile(profile: &EqProfile) -> ProfileJson {
        let bands = |c: Channel| -> Vec<BandJson> {
            profile
                .channel_bands(c)
                .iter()
                .map(BandJson::from_spec)
                .collect()
        };
        if !profile.is_per_channel() {
            return ProfileJson {
                name: profile.name.clone(),
                preamp_db: profile.channel_preamp_db(Channel::Left),
                per_channel: false,
                left: ChannelJson {
                    gain_db: 0.0,
                    bands: bands(Channel::Left),
                },
                right: ChannelJson::default(),
            };
        }
        let channel = |c: Channel| ChannelJson {
            gain_db: c.pick(&profile.channels).gain_db,
            bands: bands(c),
        };
        ProfileJson {
            name: profile.name.clone(),
            preamp_db: profile.preamp_db,
            per_channel: true,
            left: channel(Channel::Left),
            right: channel(Channel::Right),
        }
    }

    /// The profile file the page's profile is: shared bands when not per-channel, else each
    /// channel's in its `[left]`/`[right]` table. Numbers are written exactly.
    fn toml(&self) -> String {
        let name = toml::Value::String(self.name.clone()).to_string();
        let mut out = format!(
            "version = {PROFILE_VERSION}\nname = {name}\npreamp_db = {}\n",
            exact(self.preamp_db)
        );
        if self.per_channel {
            out.push_str("bands = []\n");
            for (side, channel) in [("left", &self.left), ("right", &self.right)] {
                out.push_str(&format!(
                    "\n[{side}]\ngain_db = {}\n{}",
                    exact(channel.gain_db),
                    bands_toml(&channel.bands)
                ));
            }
        } else {
            out.push_str(&bands_toml(&self.left.bands));
            if self.left.gain_db != 0.0 {
                // The same trim on both channels: the reader folds it into the preamp.
                for side in ["left", "right"] {
                    out.push_str(&format!(
                        "\n[{side}]\ngain_db = {}\n",
                        exact(self.left.gain_db)
                    ));
                }
            }
        }
        out
    }

    /// The reader's problems in the page's words: each band by channel and number (from 1)
    /// instead of the file's field path and line.
    fn message(&self, e: ProfileError) -> String {
        let ProfileError::Invalid { problems } = e else {
            return e.to_string();
        };
        problems
            .iter()
            .map(|p| match &p.field {
                Some(field) => format!("{}: {}", page_field(field), p.message),
                None => p.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The filter kind the profile file calls `name`.
fn kind(name: &str) -> Option<FilterKind> {
    FilterKind::ALL.into_iter().find(|k| k.name() == name)
}

/// `bands = [...]` of a profile file; every value written as given (a gain only where the
/// type has one, and there even when 0, so a missing one is never taken for a mistake).
fn bands_toml(bands: &[BandJson]) -> String {
    let mut out = String::from("bands = [\n");
    for b in bands {
        let gain = match kind(&b.kind) {
            Some(k) if !k.has_gain() && b.gain_db == 0.0 => String::new(),
            _ => format!(", gain_db = {}", exact(b.gain_db)),
        };
        out.push_str(&format!(
            "  {{ type = {}, freq_hz = {}{gain}, q = {} }},\n",
            toml::Value::String(b.kind.clone()),
            exact(b.freq_hz),
            exact(b.q)
        ));
    }
    out.push_str("]\n");
    out
}

/// A profile file's field path as the page names it: `left.bands[1].q` → `left band 2 q`,
/// `bands[0].freq_hz` → `band 1 freq_hz`; other fields as they are.
fn page_field(field: &str) -> String {
    let (side, rest) = match field.split_once('.') {
        Some((side @ ("left" | "right"), rest)) => (format!("{side} "), rest),
        _ => (String::new(), field),
    };
    let Some(inner) = rest.strip_prefix("bands[") else {
        return field.to_string();
    };
    let Some((index, after)) = inner.split_once(']') else {
        return field.to_string();
    };
    let Ok(index) = index.parse::<usize>() else {
        return field.to_string();
    };
    let what = after.strip_prefix('.').unwrap_or(after);
    format!("{side}band {} {what}", index + 1)
        .trim_end()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(kind: &str, freq_hz: f64, gain_db: f64, q: f64) -> BandJson {
        BandJson {
            kind: kind.into(),
            freq_hz,
            gain_db,
            q,
        }
    }

    fn shared(bands: Vec<BandJson>) -> ProfileJson {
        ProfileJson {
            name: "my tune".into(),
            preamp_db: -3.0,
            per_channel: false,
            left: ChannelJson {
                gain_db: 0.0,
                bands,
            },
            right: ChannelJson::default(),
        }
    }

    #[test]
    fn the_documented_example_reads() {
        let text = r#"{ "name": "my tune", "preamp_db": 0.0, "per_channel": false,
          "left":  { "gain_db": 0.0, "bands": [ { "type": "peaking", "freq_hz": 1000, "gain_db": -3, "q": 1.4 } ] },
          "right": { "gain_db": 0.0, "bands": [] } }"#;
        let json: ProfileJson = serde_json::from_str(text).unwrap();
        let profile = json.to_profile().unwrap();
        assert_eq!(profile.bands(), [BandSpec::peaking(1000.0, -3.0, 1.4)]);
        assert!(!profile.is_per_channel());
        let unknown = text.replace("\"q\": 1.4", "\"q\": 1.4, \"slope\": 2");
        assert!(serde_json::from_str::<ProfileJson>(&unknown).is_err());
    }

    #[test]
    fn shared_and_per_channel_profiles_round_trip() {
        let json = shared(vec![
            band("low_shelf", 105.0, 4.5, 0.7),
            band("peaking", 3000.0, -2.25, 2.0),
            band("high_pass", 20.0, 0.0, 0.707),
        ]);
        let profile = json.to_profile().unwrap();
        assert_eq!(profile.bands().len(), 3);
        assert_eq!(ProfileJson::from_profile(&profile), json);

        let mut per = json.clone();
        per.per_channel = true;
        per.left.gain_db = -0.5;
        per.right = ChannelJson {
            gain_db: 0.0,
            bands: vec![band("peaking", 6000.0, -4.0, 4.0)],
        };
        let profile = per.to_profile().unwrap();
        assert!(profile.is_per_channel());
        assert_eq!(profile.channel_bands(Channel::Left).len(), 3);
        assert_eq!(profile.channel_preamp_db(Channel::Left), -3.5);
        assert_eq!(profile.channel_preamp_db(Channel::Right), -3.0);
        let back = ProfileJson::from_profile(&profile);
        assert_eq!(back, per);
        assert_eq!(back.to_profile().unwrap(), profile);
    }

    #[test]
    fn a_shared_trim_goes_to_the_preamp() {
        let mut json = shared(vec![band("peaking", 1000.0, 1.0, 1.0)]);
        json.left.gain_db = -2.0;
        let profile = json.to_profile().unwrap();
        assert!(!profile.is_per_channel());
        assert_eq!(profile.preamp_db, -5.0);
    }

    #[test]
    fn bad_bands_are_refused_by_number_and_value() {
        let ok = band("peaking", 1000.0, 1.0, 1.0);
        let cases = [
            (band("peaking", 0.0, 1.0, 1.0), "band 2 freq_hz", "0 Hz"),
            (band("peaking", 1000.0, 1.0, -1.0), "band 2 q", "-1"),
            (
                band("peaking", 1000.0, 45.0, 1.0),
                "band 2 gain_db",
                "45 dB",
            ),
            (band("wobble", 1000.0, 1.0, 1.0), "band 2", "'wobble'"),
        ];
        for (bad, field, value) in cases {
            let err = shared(vec![ok.clone(), bad.clone()])
                .to_profile()
                .unwrap_err();
            assert!(err.starts_with(field), "{bad:?}: {err}");
            assert!(err.contains(value), "{bad:?}: {err}");
        }
        let mut per = shared(vec![]);
        per.per_channel = true;
        per.right.bands = vec![ok, band("notch", 25_000_000.0, 0.0, 1e9)];
        let err = per.to_profile().unwrap_err();
        assert!(err.contains("right band 2 q"), "{err}");
        let mut unnamed = shared(vec![]);
        unnamed.name = " ".into();
        assert!(unnamed.to_profile().unwrap_err().contains("name"));
    }

    #[test]
    fn field_paths_read_as_the_page_names_them() {
        assert_eq!(page_field("bands[0].freq_hz"), "band 1 freq_hz");
        assert_eq!(page_field("left.bands[11].q"), "left band 12 q");
        assert_eq!(page_field("right.gain_db"), "right.gain_db");
        assert_eq!(page_field("preamp_db"), "preamp_db");
    }
}
