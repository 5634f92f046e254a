//! The app formats `iemlab export` writes, read back: EasyEffects output presets (the
//! `equalizer` or `equalizer#0` plugin, split channels included), Poweramp's preset JSON,
//! Rockbox `.cfg` equalizer settings (the `eq low shelf filter: …` lines and the older
//! `eq band N cutoff/q/gain` lines) and iemlab's CSV (with or without a channel column).
//! Every format that exports also imports.

use std::path::Path;

use serde_json::Value;

use super::error::ImportError;
use crate::dsp::{BandSpec, Channel, FilterKind};
use crate::preset::profile::{ChannelEq, EqProfile, EqShape, Origin};
use crate::problem::FileProblem;

/// What an app preset became: the profile and notes.
pub(super) type Read = (EqProfile, &'static str, Vec<String>);

/// `text` read as the app format it is, or None when it is none of them.
pub(super) fn parse(text: &str, path: &Path, name: &str) -> Option<Result<Read, ImportError>> {
    if looks_like_json(text) {
        Some(parse_json(text, path, name))
    } else if looks_like_csv(text) {
        Some(parse_csv(text, path, name))
    } else if looks_like_rockbox(text) {
        Some(parse_rockbox(text, path, name))
    } else {
        None
    }
}

/// Whether `text` is JSON (an object or an array at its start).
pub(super) fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
}

/// Whether `text` holds Rockbox equalizer settings.
pub(super) fn looks_like_rockbox(text: &str) -> bool {
    text.lines()
        .any(|l| l.trim_start().starts_with("eq enabled:"))
        || text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("eq precut:")
                || l.starts_with("eq band ")
                || l.starts_with("eq peak filter")
        })
}

/// Whether `text` is iemlab's CSV (its header first).
pub(super) fn looks_like_csv(text: &str) -> bool {
    matches!(
        text.lines().find(|l| !l.trim().is_empty()).map(str::trim),
        Some(CSV_HEADER | CSV_CHANNEL_HEADER)
    )
}

const CSV_HEADER: &str = "type,freq_hz,gain_db,q";
const CSV_CHANNEL_HEADER: &str = "channel,type,freq_hz,gain_db,q";

/// The line (1-based) of the first `needle` at or after byte `from`, and the byte after it.
fn line_of(text: &str, needle: &str, from: usize) -> Option<(usize, usize)> {
    let at = from + text.get(from..)?.find(needle)?;
    let line = text.get(..at)?.matches('\n').count() + 1;
    Some((line, at + needle.len()))
}

/// A JSON preset: EasyEffects' or Poweramp's.
pub(super) fn parse_json(text: &str, path: &Path, name: &str) -> Result<Read, ImportError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FileProblem::at(path, e.line(), format!("not valid JSON: {e}")))?;
    match &value {
        Value::Object(map) if map.contains_key("output") || map.contains_key("input") => {
            easyeffects(&value, text, path, name)
        }
        Value::Array(_) => poweramp(&value, text, path, name),
        _ => Err(FileProblem::file(
            path,
            "JSON that is neither an EasyEffects preset (`output`) nor a Poweramp preset (an array of presets)",
        )
        .into()),
    }
}

/// EasyEffects' band type names, as [`crate::preset::export`] writes them.
fn easyeffects_kind(name: &str) -> Option<FilterKind> {
    Some(match name {
        "Bell" => FilterKind::Peaking,
        "Lo-shelf" => FilterKind::LowShelf,
        "Hi-shelf" => FilterKind::HighShelf,
        "Lo-pass" => FilterKind::LowPass,
        "Hi-pass" => FilterKind::HighPass,
        "Bandpass" => FilterKind::BandPass,
        "Notch" => FilterKind::Notch,
        "Allpass" => FilterKind::AllPass,
        _ => return None,
    })
}

/// An EasyEffects output (or input) preset whose only plugin is one equalizer.
fn easyeffects(value: &Value, text: &str, path: &Path, name: &str) -> Result<Read, ImportError> {
    let whole = |message: String| -> ImportError { FileProblem::file(path, message).into() };
    let (side, plugins) = ["output", "input"]
        .iter()
        .find_map(|k| value.get(k).map(|v| (*k, v)))
        .ok_or_else(|| whole("no `output` section".into()))?;
    let order: Vec<&str> = plugins
        .get("plugins_order")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let line = |key: &str| line_of(text, &format!("\"{key}\""), 0).map_or(0, |(l, _)| l);
    let mut equalizers = order.iter().filter(|p| p.starts_with("equalizer"));
    let Some(eq_key) = equalizers.next() else {
        return Err(whole(format!(
            "the {side} chain has no equalizer (plugins: {})",
            order.join(", ")
        )));
    };
    if let Some(other) = order.iter().find(|p| !p.starts_with("equalizer")) {
        return Err(FileProblem::at(
            path,
            line(other),
            format!("the '{other}' plugin changes the sound and an EQ profile cannot hold it; remove it from plugins_order to import the equalizer alone"),
        )
        .into());
    }
    if let Some(second) = equalizers.next() {
        return Err(FileProblem::at(
            path,
            line(second),
            format!("a second equalizer, '{second}'; import one at a time"),
        )
        .into());
    }
    let eq = plugins.get(*eq_key).ok_or_else(|| {
        whole(format!(
            "plugins_order names '{eq_key}', which is not in the preset"
        ))
    })?;
    let eq_line = line(eq_key);
    let number = |key: &str| eq.get(key).and_then(Value::as_f64);
    let mut notes = Vec::new();
    if eq.get("bypass").and_then(Value::as_bool) == Some(true) {
        return Err(FileProblem::at(path, eq_line, "the equalizer is bypassed").into());
    }
    if let Some(balance) = number("balance").filter(|b| *b != 0.0) {
        return Err(FileProblem::at(
            path,
            line("balance"),
            format!(
                "balance {balance}: a stereo balance the profile cannot hold exactly; set it to 0"
            ),
        )
        .into());
    }
    let gain = number("input-gain").unwrap_or(0.0) + number("output-gain").unwrap_or(0.0);
    let split = eq.get("split-channels").and_then(Value::as_bool) == Some(true);
    let count = number("num-bands").map_or(usize::MAX, |n| n.max(0.0) as usize);
    let mut lines: [Vec<usize>; 2] = Default::default();
    let mut channels: [ChannelEq; 2] = Default::default();
    let sides = if split {
        Channel::BOTH.to_vec()
    } else {
        vec![Channel::Left]
    };
    let mut modes = Vec::new();
    for channel in sides {
        let key = channel.name();
        let bands = eq.get(key).and_then(Value::as_object).ok_or_else(|| {
            FileProblem::at(path, eq_line, format!("the equalizer has no `{key}` bands"))
        })?;
        let start = line_of(text, &format!("\"{key}\""), 0).map_or(0, |(_, at)| at);
        let mut numbered: Vec<(usize, &Value)> = bands
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("band")?.parse().ok()?, v)))
            .filter(|(i, _)| *i < count)
            .collect();
        numbered.sort_by_key(|(i, _)| *i);
        let own = channel.pick_mut(&mut channels);
        own.gain_db = gain;
        for (i, band) in numbered {
            let at = line_of(text, &format!("\"band{i}\""), start).map_or(0, |(l, _)| l);
            let field = |k: &str| band.get(k);
            if field("mute").and_then(Value::as_bool) == Some(true) {
                notes.push(format!("line {at}: band{i} of {key} is muted: left out"));
                continue;
            }
            let type_name = field("type").and_then(Value::as_str).unwrap_or("Bell");
            if type_name == "Off" {
                continue;
            }
            let kind = easyeffects_kind(type_name).ok_or_else(|| {
                FileProblem::at(path, at, format!("band{i}: unknown type '{type_name}'"))
            })?;
            if let Some(slope) = field("slope")
                .and_then(Value::as_str)
                .filter(|s| *s != "x1")
            {
                return Err(FileProblem::at(
                    path,
                    at,
                    format!("band{i}: slope {slope} stacks the filter; a profile band is one biquad (x1)"),
                )
                .into());
            }
            let mode = field("mode").and_then(Value::as_str).unwrap_or("RLC (BT)");
            if !modes.contains(&mode) {
                modes.push(mode);
            }
            let get = |k: &str| {
                field(k).and_then(Value::as_f64).ok_or_else(|| {
                    ImportError::from(FileProblem::at(
                        path,
                        at,
                        format!("band{i}: no number `{k}`"),
                    ))
                })
            };
            own.bands.push(BandSpec {
                kind,
                freq_hz: get("frequency")?,
                gain_db: if kind.has_gain() { get("gain")? } else { 0.0 },
                q: get("q")?,
            });
            channel.pick_mut(&mut lines).push(at);
        }
    }
    if !split {
        let [left, right] = &mut channels;
        *right = left.clone();
        let [l, r] = &mut lines;
        *r = l.clone();
    }
    if modes.iter().any(|m| *m != "APO (DR)") {
        notes.push(format!(
            "bands in mode {}: imported as the RBJ biquads of mode APO (DR), whose curves differ slightly",
            modes.join(", ")
        ));
    }
    let profile = with_lines(EqProfile::split(name, channels), path, lines, 0);
    Ok((profile, "EasyEffects equalizer", notes))
}

/// A Poweramp preset array: its first preset (`type` 0 low shelf, 1 high shelf, 2 peaking;
/// `channels` 0 both).
fn poweramp(value: &Value, text: &str, path: &Path, name: &str) -> Result<Read, ImportError> {
    let presets = value.as_array().map(Vec::as_slice).unwrap_or_default();
    let Some(preset) = presets.first() else {
        return Err(FileProblem::file(path, "an empty array: no Poweramp preset").into());
    };
    let mut notes = Vec::new();
    if presets.len() > 1 {
        notes.push(format!(
            "{} presets in the file: imported the first",
            presets.len()
        ));
    }
    let bands = preset
        .get("bands")
        .and_then(Value::as_array)
        .ok_or_else(|| FileProblem::file(path, "the preset has no `bands` array"))?;
    let name = preset
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(name);
    let mut out = Vec::new();
    let mut lines = Vec::new();
    let mut from = line_of(text, "\"bands\"", 0).map_or(0, |(_, at)| at);
    for (i, band) in bands.iter().enumerate() {
        let (at, next) = line_of(text, "{", from).unwrap_or((0, from));
        from = next;
        let get = |k: &str| {
            band.get(k).and_then(Value::as_f64).ok_or_else(|| {
                ImportError::from(FileProblem::at(
                    path,
                    at,
                    format!("bands[{i}]: no number `{k}`"),
                ))
            })
        };
        let kind = match get("type")? as i64 {
            0 => FilterKind::LowShelf,
            1 => FilterKind::HighShelf,
            2 => FilterKind::Peaking,
            other => {
                return Err(FileProblem::at(
                    path,
                    at,
                    format!("bands[{i}]: filter type {other} is not one Poweramp's parametric EQ writes (0 low shelf, 1 high shelf, 2 peaking)"),
                )
                .into());
            }
        };
        let channels = band.get("channels").and_then(Value::as_i64).unwrap_or(0);
        if channels != 0 {
            return Err(FileProblem::at(
                path,
                at,
                format!("bands[{i}]: channels {channels}: a band on one channel only, which this importer does not map"),
            )
            .into());
        }
        out.push(BandSpec {
            kind,
            freq_hz: get("frequency")?,
            gain_db: get("gain")?,
            q: get("q")?,
        });
        lines.push(at);
    }
    let preamp = preset.get("preamp").and_then(Value::as_f64).unwrap_or(0.0);
    let profile = EqProfile {
        origin: Some(Origin {
            path: path.to_path_buf(),
            band_lines: lines,
            preamp_line: line_of(text, "\"preamp\"", 0).map_or(0, |(l, _)| l),
            ..Origin::default()
        }),
        ..EqProfile::shared(name, preamp, EqShape::Parametric(out))
    };
    Ok((profile, "Poweramp preset", notes))
}

/// `profile` with where its bands came from: each channel's whole list of band lines, split
/// as [`EqProfile::split`] split the bands.
fn with_lines(
    mut profile: EqProfile,
    path: &Path,
    lines: [Vec<usize>; 2],
    preamp_line: usize,
) -> EqProfile {
    let shared = profile.bands().len();
    let [left, right] = lines;
    let (band_lines, left_own) = if shared <= left.len() {
        let mut left = left;
        let own = left.split_off(shared);
        (left, own)
    } else {
        (left, Vec::new())
    };
    let right_own = right.get(shared..).unwrap_or_default().to_vec();
    profile.origin = Some(Origin {
        path: path.to_path_buf(),
        band_lines,
        channel_band_lines: [left_own, right_own],
        preamp_line,
        ..Origin::default()
    });
    profile
}

/// Rockbox equalizer settings. Rockbox reads `eq precut: N` (N tenths of a dB of cut),
/// `eq low shelf filter`, `eq peak filter 1`…`8`, `eq high shelf filter` as
/// `cutoff, Q×10, gain×10`, and, from older versions, `eq band N cutoff|q|gain: V` (band 0
/// a low shelf, the last a high shelf). `#` starts a comment, also after a value. Other
/// settings in a full `.cfg` (volume, theme…) are not EQ and are left out with a note;
/// `eq enabled: off` is refused, as the player would play the file flat.
pub(super) fn parse_rockbox(text: &str, path: &Path, name: &str) -> Result<Read, ImportError> {
    let at = |line: usize, message: String| -> ImportError {
        FileProblem::at(path, line, message).into()
    };
    let mut precut = 0.0;
    let mut precut_line = 0;
    let mut filters: Vec<(usize, FilterKind, [f64; 3])> = Vec::new();
    // Older `eq band N` lines: per band number, its first line and cutoff, q, gain.
    let mut numbered: Vec<(usize, usize, [Option<f64>; 3])> = Vec::new();
    let mut other = 0;
    let mut enabled = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let Some((key, value)) = content.split_once(':') else {
            return Err(at(
                line,
                format!("expected 'setting: value', found '{content}'"),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        let number = |v: &str| -> Result<f64, ImportError> {
            v.trim()
                .parse::<f64>()
                .map_err(|_| at(line, format!("{key}: '{v}' is not a number")))
        };
        let triple = || -> Result<[f64; 3], ImportError> {
            let parts: Vec<&str> = value.split(',').collect();
            match parts.as_slice() {
                [c, q, g] => Ok([number(c)?, number(q)? / 10.0, number(g)? / 10.0]),
                _ => Err(at(
                    line,
                    format!("{key}: expected 'cutoff, q×10, gain×10', found '{value}'"),
                )),
            }
        };
        match key {
            "eq enabled" => enabled = Some((line, value.eq_ignore_ascii_case("on"))),
            "eq precut" => {
                precut = -number(value)? / 10.0;
                precut_line = line;
            }
            "eq low shelf filter" => filters.push((line, FilterKind::LowShelf, triple()?)),
            "eq high shelf filter" => filters.push((line, FilterKind::HighShelf, triple()?)),
            k if k.starts_with("eq peak filter") => {
                filters.push((line, FilterKind::Peaking, triple()?))
            }
            k if k.starts_with("eq band ") => {
                let mut words = k.split_whitespace().skip(2);
                let (Some(n), Some(what), None) = (words.next(), words.next(), words.next()) else {
                    return Err(at(
                        line,
                        format!("'{k}': expected 'eq band N cutoff|q|gain'"),
                    ));
                };
                let n: usize = n
                    .parse()
                    .map_err(|_| at(line, format!("'{k}': '{n}' is not a band number")))?;
                let slot = match what {
                    "cutoff" => 0,
                    "q" => 1,
                    "gain" => 2,
                    _ => return Err(at(line, format!("'{k}': unknown band setting '{what}'"))),
                };
                let scale = if slot == 0 { 1.0 } else { 10.0 };
                let value = number(value)? / scale;
                let index = match numbered.iter().position(|(band, ..)| *band == n) {
                    Some(index) => index,
                    None => {
                        numbered.push((n, line, [None; 3]));
                        numbered.len() - 1
                    }
                };
                if let Some(v) = numbered
                    .get_mut(index)
                    .and_then(|(_, _, values)| values.get_mut(slot))
                {
                    *v = Some(value);
                }
            }
            k if k.starts_with("eq ") => {
                return Err(at(
                    line,
                    format!("'{k}' is an equalizer setting this importer does not know"),
                ));
            }
            _ => other += 1,
        }
    }
    if let Some((line, false)) = enabled {
        return Err(at(
            line,
            "eq enabled: off: the player plays this preset flat".into(),
        ));
    }
    // The numbered form: band 0 is a low shelf, the highest a high shelf.
    numbered.sort_by_key(|(n, ..)| *n);
    let last = numbered.last().map(|(n, ..)| *n);
    for (n, line, values) in numbered {
        let [Some(cutoff), Some(q), Some(gain)] = values else {
            return Err(at(line, format!("eq band {n} lacks its cutoff, q or gain")));
        };
        let kind = match n {
            0 => FilterKind::LowShelf,
            n if Some(n) == last => FilterKind::HighShelf,
            _ => FilterKind::Peaking,
        };
        filters.push((line, kind, [cutoff, q, gain]));
    }
    let band_lines: Vec<usize> = filters.iter().map(|(line, ..)| *line).collect();
    let bands: Vec<BandSpec> = filters
        .into_iter()
        .map(|(_, kind, [freq_hz, q, gain_db])| BandSpec {
            kind,
            freq_hz,
            gain_db,
            q,
        })
        .collect();
    if bands.is_empty() && precut_line == 0 {
        return Err(
            FileProblem::file(path, "no equalizer settings (eq precut, eq … filter)").into(),
        );
    }
    let mut notes = Vec::new();
    if other > 0 {
        notes.push(format!(
            "{other} setting{} other than the equalizer left out",
            if other == 1 { "" } else { "s" }
        ));
    }
    let profile = EqProfile {
        origin: Some(Origin {
            path: path.to_path_buf(),
            band_lines,
            preamp_line: precut_line,
            ..Origin::default()
        }),
        ..EqProfile::shared(name, precut, EqShape::Parametric(bands))
    };
    Ok((profile, "Rockbox equalizer", notes))
}

/// iemlab's CSV: `type,freq_hz,gain_db,q` rows (a `preamp` row carries the preamp in
/// `gain_db`), optionally after a `channel` column of `left`/`right` (a per-channel
/// profile, each channel's rows its whole chain).
pub(super) fn parse_csv(text: &str, path: &Path, name: &str) -> Result<Read, ImportError> {
    let at = |line: usize, message: String| -> ImportError {
        FileProblem::at(path, line, message).into()
    };
    let mut rows = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let per_channel = matches!(rows.next(), Some((_, CSV_CHANNEL_HEADER)));
    let mut channels: [ChannelEq; 2] = Default::default();
    let mut lines: [Vec<usize>; 2] = Default::default();
    let mut preamp_line = 0;
    for (line, row) in rows {
        let cells: Vec<&str> = row.split(',').map(str::trim).collect();
        let (targets, cells): (Vec<Channel>, &[&str]) = if per_channel {
            let Some((first, rest)) = cells.split_first() else {
                continue;
            };
            let channel = match *first {
                "left" => Channel::Left,
                "right" => Channel::Right,
                other => {
                    return Err(at(
                        line,
                        format!("channel '{other}': expected left or right"),
                    ));
                }
            };
            (vec![channel], rest)
        } else {
            (Channel::BOTH.to_vec(), cells.as_slice())
        };
        let [kind, freq, gain, q] = cells else {
            return Err(at(
                line,
                format!(
                    "expected {} columns, found '{row}'",
                    if per_channel { 5 } else { 4 }
                ),
            ));
        };
        let number = |what: &str, v: &str| -> Result<f64, ImportError> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| at(line, format!("{what}: '{v}' is not a number")))
        };
        if *kind == "preamp" {
            let db = number("gain_db", gain)?;
            for c in &targets {
                c.pick_mut(&mut channels).gain_db += db;
            }
            preamp_line = line;
            continue;
        }
        let kind = crate::dsp::FilterKind::ALL
            .into_iter()
            .find(|k| k.name() == *kind)
            .ok_or_else(|| at(line, format!("unknown filter type '{kind}'")))?;
        let band = BandSpec {
            kind,
            freq_hz: number("freq_hz", freq)?,
            gain_db: if gain.is_empty() {
                0.0
            } else {
                number("gain_db", gain)?
            },
            q: number("q", q)?,
        };
        for c in &targets {
            c.pick_mut(&mut channels).bands.push(band);
            c.pick_mut(&mut lines).push(line);
        }
    }
    let profile = with_lines(EqProfile::split(name, channels), path, lines, preamp_line);
    Ok((profile, "iemlab CSV", Vec::new()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn rockbox_band_lines_make_shelves_of_the_first_and_last_band() {
        let text = "eq enabled: on\neq precut: 50\neq band 0 cutoff: 60\neq band 0 q: 7\neq band 0 gain: 50\n\
                    eq band 1 cutoff: 200\neq band 1 q: 10\neq band 1 gain: 35\n\
                    eq band 2 cutoff: 12000\neq band 2 q: 7\neq band 2 gain: -5\n";
        let (p, _, _) = parse_rockbox(text, Path::new("b.cfg"), "b").unwrap();
        assert_eq!(p.preamp_db, -5.0);
        let b = p.bands();
        assert_eq!(b.len(), 3);
        assert_eq!(
            (b[0].kind, b[0].freq_hz, b[0].q, b[0].gain_db),
            (FilterKind::LowShelf, 60.0, 0.7, 5.0)
        );
        assert_eq!(b[1].kind, FilterKind::Peaking);
        assert_eq!((b[2].kind, b[2].gain_db), (FilterKind::HighShelf, -0.5));
        assert_eq!(p.origin.unwrap().band_lines, vec![3, 6, 9]);
    }

    #[test]
    fn rockbox_inline_comments_and_unknown_eq_settings() {
        let text = "eq precut: 33\neq peak filter 1: 907, 10, 20   # +2.0 dB\n";
        let (p, _, _) = parse_rockbox(text, Path::new("c.cfg"), "c").unwrap();
        assert_eq!(p.bands()[0].gain_db, 2.0);
        let err = parse_rockbox(
            "eq precut: 1\neq filter 1: 100, 7, 3, 0\n",
            Path::new("c.cfg"),
            "c",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "c.cfg:2: 'eq filter 1' is an equalizer setting this importer does not know"
        );
        let off =
            parse_rockbox("eq enabled: off\neq precut: 1\n", Path::new("c.cfg"), "c").unwrap_err();
        assert!(
            off.to_string().starts_with("c.cfg:1: eq enabled: off"),
            "{off}"
        );
    }

    #[test]
    fn csv_with_a_channel_column_is_per_channel() {
        let text = "channel,type,freq_hz,gain_db,q\nleft,preamp,,-3,\nleft,peaking,1000,2,1\n\
                    right,preamp,,-3.5,\nright,peaking,1000,2,1\nright,high_shelf,8000,-1,0.7\n";
        let (p, _, _) = parse_csv(text, Path::new("x.csv"), "x").unwrap();
        assert!(p.is_per_channel());
        assert_eq!(p.bands().len(), 1);
        assert_eq!(p.channel_preamp_db(Channel::Right), -3.5);
        assert_eq!(p.channel_bands(Channel::Right).len(), 2);
        assert_eq!(p.origin.unwrap().channel_band_lines[1], vec![6]);
        let bad = parse_csv(
            "type,freq_hz,gain_db,q\npeaking,1k,2,1\n",
            Path::new("x.csv"),
            "x",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(bad, "x.csv:2: freq_hz: '1k' is not a number");
    }

    #[test]
    fn easyeffects_refuses_other_plugins_and_reads_split_channels() {
        let with_delay = r#"{"output": {"plugins_order": ["equalizer#0", "delay#0"],
            "equalizer#0": {}, "delay#0": {}}}"#;
        let err = parse_json(with_delay, Path::new("e.json"), "e")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("e.json:1: the 'delay#0' plugin changes the sound"),
            "{err}"
        );
        let split = r#"{"output": {"plugins_order": ["equalizer#0"], "equalizer#0": {
            "input-gain": -2.0, "num-bands": 1, "split-channels": true,
            "left": {"band0": {"frequency": 100.0, "gain": 3.0, "q": 1.0, "type": "Bell", "mode": "APO (DR)"}},
            "right": {"band0": {"frequency": 100.0, "gain": 2.0, "q": 1.0, "type": "Bell", "mode": "APO (DR)"}}}}}"#;
        let (p, _, notes) = parse_json(split, Path::new("e.json"), "e").unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert!(p.is_per_channel());
        assert_eq!(p.channel_bands(Channel::Right)[0].gain_db, 2.0);
        assert_eq!(p.channel_preamp_db(Channel::Left), -2.0);
    }
}
