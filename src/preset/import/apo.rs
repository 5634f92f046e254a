//! Equalizer APO / Peace text: `Preamp:`, `Filter N:` and `GraphicEQ:` lines. This is also
//! AutoEQ's ParametricEQ.txt, FixedBandEQ.txt and GraphicEQ.txt, and REW's generic filter
//! export. Syntax per the Equalizer APO Configuration reference: `#` starts a comment,
//! commands other than these are ignored (and reported), a comma in a number is a decimal
//! point, several preamps add up.

use std::path::Path;

use super::error::ImportError;
use super::q::{q_from_bandwidth, q_from_shelf_slope};
use crate::dsp::{BandSpec, FilterKind};
use crate::eq::graphic::fit_gains;
use crate::eq::{Goal, Range, ResponseGrid};
use crate::fr::grid::interpolate;
use crate::preset::export::EXPORT_RATE;
use crate::preset::profile::{EqProfile, EqShape};
use crate::problem::{FileProblem, clip_quoted};

/// Shelf slope Equalizer APO uses when a shelf gives neither Q nor slope.
const APO_DEFAULT_SHELF_SLOPE: f64 = 0.9;
/// Q Equalizer APO gives a notch without one.
const APO_DEFAULT_NOTCH_Q: f64 = 30.0;

/// Parses APO text into a profile named `name`, the format it was, and notes.
pub(super) fn parse(
    text: &str,
    path: &Path,
    name: &str,
) -> Result<(EqProfile, &'static str, Vec<String>), ImportError> {
    let line_err = |line: usize, message: String| -> ImportError {
        FileProblem::at(path, line, message).into()
    };
    let mut preamp = 0.0;
    let mut saw_preamp = false;
    let mut bands = Vec::new();
    let mut curve: Option<(usize, Vec<(f64, f64)>)> = None;
    let mut notes = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((command, params)) = line.split_once(':') else {
            notes.push(clip_quoted(&format!("line {line_no}: ignored '{line}'")));
            continue;
        };
        let command = command.trim();
        let lower = command.to_ascii_lowercase();
        if lower == "preamp" {
            preamp += parse_preamp(params).map_err(|m| line_err(line_no, m))?;
            saw_preamp = true;
        } else if lower == "filter" || lower.starts_with("filter ") || lower.starts_with("filter\t")
        {
            if let Some(band) = parse_filter(params).map_err(|m| line_err(line_no, m))? {
                bands.push((line_no, band));
            }
        } else if lower == "graphiceq" {
            if curve.is_some() {
                return Err(line_err(
                    line_no,
                    "a second GraphicEQ line; import one curve at a time".into(),
                ));
            }
            curve = Some((
                line_no,
                parse_curve(params).map_err(|m| line_err(line_no, m))?,
            ));
        } else {
            notes.push(clip_quoted(&format!(
                "line {line_no}: ignored the '{command}' command"
            )));
        }
    }
    let shape_err = |message: &str| -> ImportError { FileProblem::file(path, message).into() };
    match curve {
        Some((line, _)) if !bands.is_empty() => Err(line_err(
            line,
            "GraphicEQ together with Filter lines; import the curve and the filters separately"
                .into(),
        )),
        Some((_, nodes)) => {
            let (profile, deviation) = curve_to_profile(name, preamp, &nodes);
            notes.push(format!(
                "the {}-node curve became a low shelf, 29 third-octave bells and a high shelf (within {:.2} dB of it)",
                nodes.len(),
                deviation
            ));
            Ok((profile, "Equalizer APO GraphicEQ", notes))
        }
        None if bands.is_empty() && !saw_preamp => Err(shape_err(
            "no Preamp, Filter or GraphicEQ lines: not an Equalizer APO or AutoEQ preset",
        )),
        None => Ok((
            EqProfile {
                name: name.into(),
                preamp_db: preamp,
                shape: EqShape::Parametric(bands.into_iter().map(|(_, b)| b).collect()),
                channels: Default::default(),
                origin: None,
            },
            "Equalizer APO parametric",
            notes,
        )),
    }
}

/// A number as APO reads it: a comma is a decimal point.
fn number(token: &str, what: &str) -> Result<f64, String> {
    let cleaned = token.trim().replace(',', ".");
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{what}: '{token}' is not a number")),
    }
}

fn parse_preamp(params: &str) -> Result<f64, String> {
    let mut tokens = params.split_whitespace();
    let value = tokens.next().ok_or("Preamp: no value")?;
    let db = number(value.trim_end_matches("dB"), "Preamp")?;
    Ok(db)
}

/// One `Filter` line's parameters: `ON|OFF TYPE [Fc f Hz] [Gain g dB] [Q q | BW Oct b]`.
/// `None` for a switched-off filter or an empty (`None`) slot.
fn parse_filter(params: &str) -> Result<Option<BandSpec>, String> {
    let tokens: Vec<&str> = params.split_whitespace().collect();
    let (state, rest) = tokens.split_first().ok_or("Filter: empty")?;
    match state.to_ascii_uppercase().as_str() {
        "ON" => {}
        "OFF" => return Ok(None),
        other => return Err(format!("Filter: expected ON or OFF, found '{other}'")),
    }
    let (ty, rest) = rest.split_first().ok_or("Filter: no filter type")?;
    let ty = ty.to_ascii_uppercase();
    if ty == "NONE" {
        return Ok(None);
    }
    let kind = match ty.as_str() {
        "PK" | "PEQ" | "MODAL" => FilterKind::Peaking,
        "LS" | "LSC" | "LSQ" => FilterKind::LowShelf,
        "HS" | "HSC" | "HSQ" => FilterKind::HighShelf,
        "LP" | "LPQ" => FilterKind::LowPass,
        "HP" | "HPQ" => FilterKind::HighPass,
        "BP" => FilterKind::BandPass,
        "NO" => FilterKind::Notch,
        "AP" => FilterKind::AllPass,
        other => return Err(format!("Filter: unknown filter type '{other}'")),
    };
    let (mut fc, mut gain, mut q, mut bw) = (None, None, None, None);
    let mut i = 0;
    while let Some(&token) = rest.get(i) {
        let key = token.to_ascii_lowercase();
        let value = rest.get(i + 1).copied();
        match (key.as_str(), value) {
            ("fc", Some(v)) => fc = Some(number(v.trim_end_matches("Hz"), "Fc")?),
            ("gain", Some(v)) => gain = Some(number(v.trim_end_matches("dB"), "Gain")?),
            ("q", Some(v)) => q = Some(number(v, "Q")?),
            ("bw", Some(o)) if o.eq_ignore_ascii_case("oct") => {
                let v = rest.get(i + 2).ok_or("BW Oct: no value")?;
                bw = Some(number(v, "BW Oct")?);
                i += 1;
            }
            ("hz" | "db", _) => {
                i += 1;
                continue;
            }
            (_, None) => return Err(format!("Filter: '{token}' has no value")),
            // Includes the shelf slope form (`LSC 12 dB`), which iemlab does not read.
            _ => {
                return Err(format!(
                    "Filter: unexpected '{token}' (give Fc, Gain and Q)"
                ));
            }
        }
        i += 2;
    }
    let freq_hz = fc.ok_or("Filter: no Fc")?;
    if kind.has_gain() && gain.is_none() {
        return Err(format!("Filter: a {ty} filter needs Gain"));
    }
    let gain_db = gain.unwrap_or(0.0);
    let q = match (q, bw, kind) {
        (Some(q), _, _) => q,
        (None, Some(bw), _) => q_from_bandwidth(bw),
        (None, None, FilterKind::LowShelf | FilterKind::HighShelf) => {
            q_from_shelf_slope(gain_db, APO_DEFAULT_SHELF_SLOPE)
        }
        (None, None, FilterKind::LowPass | FilterKind::HighPass) => std::f64::consts::FRAC_1_SQRT_2,
        (None, None, FilterKind::Notch) => APO_DEFAULT_NOTCH_Q,
        (None, None, _) => return Err(format!("Filter: a {ty} filter needs Q or BW Oct")),
    };
    Ok(Some(BandSpec {
        kind,
        freq_hz,
        gain_db,
        q,
    }))
}

/// `f1 g1; f2 g2; …` with rising frequencies.
fn parse_curve(params: &str) -> Result<Vec<(f64, f64)>, String> {
    let mut nodes: Vec<(f64, f64)> = Vec::new();
    for (i, pair) in params.split(';').enumerate() {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let mut parts = pair.split_whitespace();
        let (Some(f), Some(g), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "GraphicEQ node {}: expected 'frequency gain', found '{pair}'",
                i + 1
            ));
        };
        let f = number(f, "GraphicEQ frequency")?;
        let g = number(g, "GraphicEQ gain")?;
        if f <= 0.0 || nodes.last().is_some_and(|last| f <= last.0) {
            return Err(format!(
                "GraphicEQ node {}: frequency {f} Hz does not rise",
                i + 1
            ));
        }
        nodes.push((f, g));
    }
    if nodes.len() < 2 {
        return Err("GraphicEQ: fewer than two nodes".into());
    }
    Ok(nodes)
}

/// Q of the third-octave bands a curve is fitted with. Third-octave centres as AutoEQ's
/// 31-band graphic EQ (20·2^(i/3) Hz), but about an octave wide rather than its Q 4.32:
/// overlapping bands follow a smooth curve without ripple between centres (measured on the
/// shipped profiles' curves: 0.1–0.8 dB worst case with Q 1.4, 0.7–1.5 dB with Q 4.32).
const THIRD_OCTAVE_Q: f64 = 1.4;

/// A curve as a profile: its mean level becomes preamp (added to the file's), and a low
/// shelf at 40 Hz, 29 third-octave peaking bands (31.7 Hz–16 kHz) and a high shelf at
/// 12 kHz are fitted to the rest by least squares. Returns the profile
/// and its worst deviation from the curve (dB).
fn curve_to_profile(name: &str, preamp: f64, nodes: &[(f64, f64)]) -> (EqProfile, f64) {
    let rate = f64::from(EXPORT_RATE);
    let grid = ResponseGrid::standard(rate);
    let (node_freqs, node_db): (Vec<f64>, Vec<f64>) = nodes.iter().copied().unzip();
    let curve: Vec<f64> = grid
        .freqs_hz
        .iter()
        .map(|&f| interpolate(&node_freqs, &node_db, f))
        .collect();
    let level: f64 = curve.iter().sum::<f64>() / grid.len() as f64;
    let level = (level * 100.0).round() / 100.0;
    let target: Vec<f64> = curve.iter().map(|v| v - level).collect();
    let shelf = |kind, freq_hz| BandSpec {
        kind,
        freq_hz,
        gain_db: 0.0,
        q: std::f64::consts::FRAC_1_SQRT_2,
    };
    let mut bands: Vec<BandSpec> =
        std::iter::once(shelf(FilterKind::LowShelf, 40.0))
            .chain((2..31).map(|i| {
                BandSpec::peaking(20.0 * 2f64.powf(f64::from(i) / 3.0), 0.0, THIRD_OCTAVE_Q)
            }))
            .chain(std::iter::once(shelf(FilterKind::HighShelf, 12_000.0)))
            .collect();
    let goal = Goal::even(grid.freqs_hz.clone(), target);
    fit_gains(&mut bands, &goal, &grid, Range::new(-30.0, 30.0));
    for b in &mut bands {
        b.freq_hz = (b.freq_hz * 100.0).round() / 100.0;
        b.gain_db = (b.gain_db * 100.0).round() / 100.0;
    }
    let profile = EqProfile {
        name: name.into(),
        preamp_db: preamp + level,
        shape: EqShape::Parametric(bands),
        channels: Default::default(),
        origin: None,
    };
    let deviation = grid
        .bands_db_or_flat(&profile.bands())
        .iter()
        .zip(&curve)
        .map(|(got, want)| (profile.preamp_db + got - (preamp + want)).abs())
        .fold(0.0, f64::max);
    (profile, deviation)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> (EqProfile, Vec<String>) {
        let (p, _, n) = parse(text, Path::new("x.txt"), "x").unwrap();
        (p, n)
    }

    #[test]
    fn reads_autoeq_parametric_eq() {
        let (p, _) = parse_ok(
            "Preamp: -3.4 dB\nFilter 1: ON LSC Fc 105 Hz Gain -0.2 dB Q 0.70\nFilter 2: ON PK Fc 164 Hz Gain -2.6 dB Q 0.92\n",
        );
        assert_eq!(p.preamp_db, -3.4);
        let b = p.bands();
        assert_eq!(b[0].kind, FilterKind::LowShelf);
        assert_eq!(b[1], BandSpec::peaking(164.0, -2.6, 0.92));
    }

    #[test]
    fn reads_rew_spacing_commas_and_bandwidth() {
        let (p, notes) = parse_ok(
            "Filter Settings file\nEqualiser: Generic\nFilter  1: ON  PK       Fc   321,5 Hz  Gain  -1.90 dB  BW Oct 1\nFilter  2: ON  None\nFilter 3: OFF PK Fc 1000 Hz Gain 3 dB Q 1\n",
        );
        let b = p.bands();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].freq_hz, 321.5);
        assert!((b[0].q - std::f64::consts::SQRT_2).abs() < 1e-3);
        assert!(notes.iter().any(|n| n.contains("Equaliser")));
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let err = |text: &str| {
            parse(text, Path::new("bad.txt"), "x")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("Preamp: -3 dB\nFilter 1: ON PK Fc 1000 Hz Gain 3 dB\n"),
            "bad.txt:2: Filter: a PK filter needs Q or BW Oct"
        );
        assert!(
            err("Filter 1: ON XX Fc 1 Hz")
                .starts_with("bad.txt:1: Filter: unknown filter type 'XX'")
        );
        assert!(err("\n\nGraphicEQ: 20 0; 10 1").starts_with("bad.txt:3: GraphicEQ node 2"));
        assert!(err("Filter 1: ON PK Fc abc Hz Gain 1 dB Q 1").contains("'abc' is not a number"));
        assert!(err("hello\n").contains("no Preamp, Filter or GraphicEQ"));
    }

    #[test]
    fn a_curve_becomes_bands_close_to_it() {
        let nodes: Vec<String> = crate::preset::device::AUTOEQ_GRAPHIC_HZ
            .iter()
            .map(|f| {
                format!(
                    "{f} {:.1}",
                    -6.0 + 4.0 * (-(f / 1000.0).log2().powi(2)).exp()
                )
            })
            .collect();
        let (p, notes) = parse_ok(&format!("GraphicEQ: {}", nodes.join("; ")));
        assert_eq!(p.bands().len(), 31);
        let dev: f64 = notes[0]
            .split("within ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(dev < 0.3, "{notes:?}");
    }
}
