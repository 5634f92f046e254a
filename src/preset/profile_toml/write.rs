//! Profile files written out: what `iemlab fit` saves and what `iemlab import` converts
//! presets to ([`crate::atomic_file`] writes the text).

use crate::dsp::{BandSpec, Channel};
use crate::preset::profile::{EqProfile, EqShape, PROFILE_VERSION};

impl EqProfile {
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
            EqShape::Parametric(bands) => out.push_str(&bands_line(bands)),
        }
        for channel in Channel::BOTH {
            let own = channel.pick(&self.channels);
            if !self.is_per_channel() && own.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n[{}]\ngain_db = {}\n{}",
                channel.name(),
                exact(own.gain_db),
                bands_line(&own.bands)
            ));
        }
        out
    }
}

/// `bands = [...]`, one band a line.
fn bands_line(bands: &[BandSpec]) -> String {
    if bands.is_empty() {
        return "bands = []\n".into();
    }
    let mut out = String::from("bands = [\n");
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
    out
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `value` exactly (the shortest text that reads back as the same f64; integral values
/// without a fraction), never "-0": how profile files and the exact export formats write
/// numbers. Magnitudes from 1e15 up are written with an exponent (`1e300`: written out, they
/// would read back as a TOML integer too large for one), and the non-finite as TOML spells
/// them (`inf`, `-inf`, `nan`), so a value the profile refuses reads back to be named, not
/// to break the file.
pub(crate) fn exact(value: f64) -> String {
    if value == 0.0 {
        "0".into()
    } else if value.is_nan() {
        "nan".into()
    } else if value.is_finite() && value.abs() >= 1e15 {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// `value` with `decimals` decimals, trailing zeros trimmed down to `min_decimals`, and
/// never "-0".
pub(crate) fn number(value: f64, decimals: usize, min_decimals: usize) -> String {
    let mut text = format!("{value:.decimals$}");
    if let Some(dot) = text.find('.') {
        let keep = dot + 1 + min_decimals;
        while text.len() > keep && text.ends_with('0') {
            text.pop();
        }
        if text.ends_with('.') {
            text.pop();
        }
    }
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text.remove(0);
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::dsp::FilterKind;
    use crate::preset::profile::ChannelEq;
    use std::path::Path;

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
            channels: Default::default(),
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
            channels: Default::default(),
            origin: None,
        };
        let text = g.to_toml(None, None);
        assert!(text.contains("preamp_db = 0\n"), "{text}");
        let back = EqProfile::parse(&text, Path::new("g.toml"));
        assert_eq!(back.unwrap(), g);
        let empty = EqProfile::flat().to_toml(None, None);
        assert!(empty.ends_with("bands = []\n"), "{empty}");
        let split = EqProfile {
            channels: [
                ChannelEq {
                    gain_db: 0.0,
                    bands: vec![BandSpec::peaking(3000.0, 1.5, 2.0)],
                },
                ChannelEq {
                    gain_db: -0.4,
                    bands: vec![],
                },
            ],
            ..g
        };
        let text = split.to_toml(None, None);
        assert!(
            text.ends_with("[left]\ngain_db = 0\nbands = [\n  { type = \"peaking\", freq_hz = 3000, gain_db = 1.5, q = 2 },\n]\n\n[right]\ngain_db = -0.4\nbands = []\n"),
            "{text}"
        );
        assert_eq!(EqProfile::parse(&text, Path::new("s.toml")).unwrap(), split);
    }
}
