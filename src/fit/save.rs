//! A fitted profile as the text of a normal EQ profile file (`presets/eq/*.toml`, version 1);
//! [`crate::atomic_file`] writes it.

use crate::preset::{EqProfile, EqShape, PROFILE_VERSION};

/// A number as a profile shows it: at most 4 decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.4}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A TOML string literal.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The profile as file text, with `description` (e.g. how it was fitted) when given.
pub fn profile_toml(profile: &EqProfile, description: Option<&str>) -> String {
    let mut out = format!(
        "version = {PROFILE_VERSION}\nname = {}\n",
        quoted(&profile.name)
    );
    if let Some(d) = description {
        out.push_str(&format!("description = {}\n", quoted(d)));
    }
    out.push_str(&format!("preamp_db = {}\n", num(profile.preamp_db)));
    match &profile.shape {
        EqShape::Graphic(gains) => {
            let g: Vec<String> = gains.iter().map(|&v| num(v)).collect();
            out.push_str(&format!("graphic = {{ gains_db = [{}] }}\n", g.join(", ")));
        }
        EqShape::Parametric(bands) => {
            out.push_str("bands = [\n");
            for b in bands {
                out.push_str(&format!(
                    "  {{ type = \"{}\", freq_hz = {}, ",
                    b.kind.name(),
                    num(b.freq_hz)
                ));
                if b.kind.has_gain() {
                    out.push_str(&format!("gain_db = {}, ", num(b.gain_db)));
                }
                out.push_str(&format!("q = {} }},\n", num(b.q)));
            }
            out.push_str("]\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::{BandSpec, FilterKind};
    use std::path::Path;

    #[test]
    fn saved_profiles_parse_back_identically() {
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
                BandSpec::peaking(1234.56, -2.5, 1.414),
            ]),
        };
        let text = profile_toml(&p, Some("fitted"));
        let back = EqProfile::parse(&text, Path::new("x.toml"), 48_000).unwrap();
        assert_eq!(back, p);
        let g = EqProfile {
            name: "g".into(),
            preamp_db: 0.0,
            shape: EqShape::Graphic([1.5, 0.0, -2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 12.0]),
        };
        let back = EqProfile::parse(&profile_toml(&g, None), Path::new("g.toml"), 48_000);
        assert_eq!(back.unwrap(), g);
    }
}
