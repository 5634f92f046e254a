//! CamillaDSP configs: the `Biquad` and `Gain` filters a `pipeline:` applies to channel 0
//! become a profile (HEnquist/camilladsp README.md: Biquad types Peaking, Lowshelf,
//! Highshelf, Lowpass, Highpass, Notch, Bandpass, Allpass with `freq`, `gain`, and `q`,
//! `bandwidth` or, for shelves, `slope` in dB/octave; Gain with `gain` and `scale`).

use std::path::Path;

use super::error::ImportError;
use super::q::{q_from_bandwidth, q_from_shelf_slope};
use crate::dsp::{BandSpec, FilterKind};
use crate::preset::import::yaml::{self, Kind, Yaml};
use crate::preset::{EqProfile, EqShape};
use crate::problem::FileProblem;

/// Whether `text` looks like a CamillaDSP config (a top-level `filters:` or `pipeline:`).
pub(super) fn looks_like(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("filters:") || l.starts_with("pipeline:"))
}

/// The profile the config's pipeline applies to channel 0, and notes.
pub(super) fn parse(
    text: &str,
    path: &Path,
    name: &str,
) -> Result<(EqProfile, Vec<String>), ImportError> {
    let err = |line: usize, message: String| -> ImportError {
        FileProblem::at(path, line, message).into()
    };
    let doc = yaml::parse(text).map_err(|(line, m)| err(line, m))?;
    let mut notes = Vec::new();
    let filters = match doc.get("filters") {
        Some(
            f @ Yaml {
                kind: Kind::Map(_), ..
            },
        ) => f,
        Some(f) => {
            return Err(err(
                f.line,
                "`filters` must be a map of named filters".into(),
            ));
        }
        None => {
            return Err(FileProblem::file(path, "no `filters:` section").into());
        }
    };
    let order = pipeline_order(&doc, filters, &mut notes).map_err(|(l, m)| err(l, m))?;
    let mut preamp = 0.0;
    let mut bands = Vec::new();
    for (filter_name, line) in order {
        let filter = filters.get(&filter_name).ok_or_else(|| {
            err(
                line,
                format!("the pipeline names '{filter_name}', which `filters` does not define"),
            )
        })?;
        convert(&filter_name, filter, &mut preamp, &mut bands, &mut notes)
            .map_err(|(l, m)| err(l, m))?;
    }
    Ok((
        EqProfile {
            name: name.into(),
            preamp_db: preamp,
            shape: EqShape::Parametric(bands),
            channels: Default::default(),
            origin: None,
        },
        notes,
    ))
}

/// Filter names in the order the pipeline runs them on channel 0 (with the line naming
/// each); every filter in file order when there is no pipeline.
fn pipeline_order(
    doc: &Yaml,
    filters: &Yaml,
    notes: &mut Vec<String>,
) -> Result<Vec<(String, usize)>, (usize, String)> {
    let Some(pipeline) = doc.get("pipeline") else {
        notes.push("no pipeline: every filter taken in file order".into());
        let Kind::Map(entries) = &filters.kind else {
            return Ok(Vec::new());
        };
        return Ok(entries.iter().map(|(k, v)| (k.clone(), v.line)).collect());
    };
    let Kind::List(steps) = &pipeline.kind else {
        return Err((pipeline.line, "`pipeline` must be a list of steps".into()));
    };
    let mut per_channel: [Vec<(String, usize)>; 2] = [Vec::new(), Vec::new()];
    for step in steps {
        match step.get("type").and_then(Yaml::text) {
            Some("Filter") => {}
            Some(other) => {
                notes.push(format!("line {}: skipped the {other} step", step.line));
                continue;
            }
            None => return Err((step.line, "pipeline step without a type".into())),
        }
        let channels: Vec<String> = match (step.get("channels"), step.get("channel")) {
            (
                Some(Yaml {
                    kind: Kind::List(items),
                    ..
                }),
                _,
            ) => items
                .iter()
                .filter_map(|i| i.text().map(str::to_string))
                .collect(),
            (_, Some(c)) => c.text().map(str::to_string).into_iter().collect(),
            // No channels: the step applies to all of them.
            _ => vec!["0".into(), "1".into()],
        };
        let names: Vec<(String, usize)> = match step.get("names") {
            Some(Yaml {
                kind: Kind::List(items),
                line,
            }) => items
                .iter()
                .map(|i| i.text().map(|t| (t.to_string(), i.line.max(*line))))
                .collect::<Option<_>>()
                .ok_or((*line, "`names` must list filter names".into()))?,
            Some(other) => return Err((other.line, "`names` must be a list".into())),
            None => return Err((step.line, "Filter step without `names`".into())),
        };
        for (channel, list) in per_channel.iter_mut().enumerate() {
            if channels.iter().any(|c| c == &channel.to_string()) {
                list.extend(names.iter().cloned());
            }
        }
    }
    let [left, right] = per_channel;
    let same = left.iter().map(|n| &n.0).eq(right.iter().map(|n| &n.0));
    if !same && !right.is_empty() {
        notes.push("channels 0 and 1 differ: imported channel 0".into());
    }
    Ok(left)
}

fn number(filter: &str, params: &Yaml, key: &str) -> Result<Option<f64>, (usize, String)> {
    let Some(value) = params.get(key) else {
        return Ok(None);
    };
    let text = value.text().unwrap_or_default();
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err((
            value.line,
            format!("filters.{filter}.parameters.{key}: '{text}' is not a number"),
        )),
    }
}

fn convert(
    name: &str,
    filter: &Yaml,
    preamp: &mut f64,
    bands: &mut Vec<BandSpec>,
    notes: &mut Vec<String>,
) -> Result<(), (usize, String)> {
    let ty = filter.get("type").and_then(Yaml::text).unwrap_or_default();
    let params = filter
        .get("parameters")
        .ok_or((filter.line, format!("filters.{name}: no parameters")))?;
    let need = |key: &str| -> Result<f64, (usize, String)> {
        number(name, params, key)?
            .ok_or((params.line, format!("filters.{name}.parameters: no {key}")))
    };
    match ty {
        "Gain" => {
            let gain = need("gain")?;
            *preamp += match params.get("scale").and_then(Yaml::text) {
                Some("linear") => 20.0 * gain.abs().log10(),
                _ => gain,
            };
        }
        "Biquad" => {
            let sub = params.get("type").and_then(Yaml::text).unwrap_or_default();
            let kind = match sub {
                "Peaking" => FilterKind::Peaking,
                "Lowshelf" => FilterKind::LowShelf,
                "Highshelf" => FilterKind::HighShelf,
                "Lowpass" => FilterKind::LowPass,
                "Highpass" => FilterKind::HighPass,
                "Bandpass" => FilterKind::BandPass,
                "Notch" => FilterKind::Notch,
                "Allpass" => FilterKind::AllPass,
                other => {
                    return Err((
                        params.line,
                        format!("filters.{name}: a '{other}' biquad cannot be imported"),
                    ));
                }
            };
            let freq_hz = need("freq")?;
            let gain_db = if kind.has_gain() { need("gain")? } else { 0.0 };
            let q = match (
                number(name, params, "q")?,
                number(name, params, "bandwidth")?,
                number(name, params, "slope")?,
            ) {
                (Some(q), _, _) => q,
                (None, Some(bw), _) => q_from_bandwidth(bw),
                (None, None, Some(slope))
                    if matches!(kind, FilterKind::LowShelf | FilterKind::HighShelf) =>
                {
                    // CamillaDSP's slope is in dB/octave; 12 dB/octave is the cookbook's S = 1.
                    q_from_shelf_slope(gain_db, slope / 12.0)
                }
                _ => return Err((params.line, format!("filters.{name}.parameters: no q"))),
            };
            bands.push(BandSpec {
                kind,
                freq_hz,
                gain_db,
                q,
            });
        }
        "Delay" | "Volume" | "Loudness" | "Dither" => {
            notes.push(format!(
                "line {}: skipped the {ty} filter '{name}'",
                filter.line
            ));
        }
        other => {
            return Err((
                filter.line,
                format!("filters.{name}: a '{other}' filter cannot be imported"),
            ));
        }
    }
    Ok(())
}
