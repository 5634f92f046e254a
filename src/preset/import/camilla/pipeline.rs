//! Each channel's whole chain, as a config's `pipeline:` builds it (HEnquist/camilladsp
//! README.md, "Pipeline"): `Filter` steps apply their `names` in order to the channels they
//! list (`channel: N` in v1 and v2, `channels: [..]` in v3 and later, all channels when left
//! out); channel 0 is left, 1 right. A `Mixer` step is taken when it routes each channel to
//! itself (a gain and polarity on each at most); one that mixes, swaps, mutes or changes the
//! number of channels is refused at its step, as is a `Processor` other than a noise gate.
//! A config without a pipeline applies its EQ filters to both channels in file order.

use std::collections::HashSet;

use super::document::{Located, Node};
use super::filters::{Effect, effect};
use super::mixer::routing;
use super::params::Refusal;
use crate::dsp::BandSpec;

/// One channel's whole chain: its gain, its bands in order, and what a profile cannot hold
/// unless both channels share it (a polarity flip, a delay).
#[derive(Clone, Debug, Default)]
pub(super) struct Chain {
    /// Sum of the gains (dB) the channel runs.
    pub gain_db: f64,
    /// Line of the first gain's value (0: none).
    pub gain_line: usize,
    /// Bands in order, each with the line of its frequency.
    pub bands: Vec<(BandSpec, usize)>,
    inverted: bool,
    /// Line of the step that last flipped the polarity.
    inverted_at: usize,
    /// Delay in seconds and in samples.
    delay: (f64, f64),
    /// Line of the step that last delayed the channel.
    delayed_at: usize,
}

impl Chain {
    fn apply(&mut self, effect: &Effect, step_line: usize) {
        match effect {
            Effect::Gain { db, inverted, line } => {
                self.gain_db += db;
                if self.gain_line == 0 {
                    self.gain_line = *line;
                }
                if *inverted {
                    self.inverted = !self.inverted;
                    self.inverted_at = step_line;
                }
            }
            Effect::Bands(bands) => self.bands.extend_from_slice(bands),
            Effect::Delay { seconds, samples } => {
                self.delay.0 += seconds;
                self.delay.1 += samples;
                self.delayed_at = step_line;
            }
            Effect::Skip(_) => {}
        }
    }
}

/// The channels left and right as the config builds them, and notes on what was left out.
pub(super) fn chains(root: Node<'_>, notes: &mut Vec<String>) -> Result<[Chain; 2], Located> {
    let filters = section(root, "filters", "named filters")?;
    if let Some(channels) = root
        .get("devices")
        .and_then(|d| d.get("capture"))
        .and_then(|c| c.get("channels"))
        && channels.number() != Some(2.0)
    {
        return Err((
            channels.line,
            format!(
                "devices.capture.channels: {}; a profile is for 2 channels, left and right",
                channels.shown()
            ),
        ));
    }
    let mut chains = [Chain::default(), Chain::default()];
    match root.get("pipeline") {
        None => without_pipeline(&filters, &mut chains, notes)?,
        Some(pipeline) => {
            let mut run = Run {
                filters,
                mixers: section(root, "mixers", "named mixers")?,
                processors: section(root, "processors", "named processors")?,
                used: HashSet::new(),
                noted: HashSet::new(),
                chains: &mut chains,
                notes,
            };
            let steps = pipeline.items().ok_or_else(|| {
                (
                    pipeline.line,
                    "`pipeline` must be a list of steps".to_string(),
                )
            })?;
            for step in steps {
                run.step(step)?;
            }
            run.note_unused();
        }
    }
    shared_only(&chains, notes)?;
    Ok(chains)
}

/// The entries of the map `key` (empty when left out or `null`).
fn section<'a>(root: Node<'a>, key: &str, what: &str) -> Result<Vec<(String, Node<'a>)>, Located> {
    match root.get(key) {
        None => Ok(Vec::new()),
        Some(node) => node
            .entries()
            .ok_or_else(|| (node.line, format!("`{key}` must be a map of {what}"))),
    }
}

/// No pipeline: CamillaDSP would run nothing, but the user means the filters. The EQ
/// filters (gains and bands) run on both channels in file order; the others are noted.
fn without_pipeline(
    filters: &[(String, Node<'_>)],
    chains: &mut [Chain; 2],
    notes: &mut Vec<String>,
) -> Result<(), Located> {
    notes.push("no pipeline: the EQ filters applied to both channels in file order".into());
    for (name, filter) in filters {
        match effect(name, *filter) {
            Ok(Effect::Skip(why)) => notes.push(skipped(name, *filter, &why)),
            Ok(Effect::Delay { .. }) => notes.push(skipped(name, *filter, "a delay")),
            Ok(other) => chains.iter_mut().for_each(|c| c.apply(&other, filter.line)),
            Err(Refusal::Unholdable(what)) => notes.push(skipped(name, *filter, &what)),
            Err(Refusal::Invalid(located)) => return Err(located),
        }
    }
    Ok(())
}

fn skipped(name: &str, filter: Node<'_>, why: &str) -> String {
    format!("line {}: skipped the filter '{name}', {why}", filter.line)
}

/// A polarity flip or a delay is held when both channels share it (it is then inaudible, or
/// latency), refused when they differ.
fn shared_only(chains: &[Chain; 2], notes: &mut Vec<String>) -> Result<(), Located> {
    let [left, right] = chains;
    match (left.inverted, right.inverted) {
        (true, true) => notes.push(
            "both channels are inverted: a polarity flip both share is inaudible, left out".into(),
        ),
        (true, false) | (false, true) => {
            let (inverted, other) = if left.inverted { (0, 1) } else { (1, 0) };
            return Err((
                left.inverted_at.max(right.inverted_at),
                format!(
                    "after this step channel {inverted} is inverted and channel {other} is not: \
                     a profile cannot hold a polarity difference between the channels"
                ),
            ));
        }
        (false, false) => {}
    }
    let same = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
    let delay = |(seconds, samples): (f64, f64)| match (seconds, samples) {
        (s, 0.0) => format!("{} ms", s * 1e3),
        (0.0, n) => format!("{n} samples"),
        (s, n) => format!("{} ms and {n} samples", s * 1e3),
    };
    if same(left.delay.0, right.delay.0) && same(left.delay.1, right.delay.1) {
        if left.delay != (0.0, 0.0) {
            notes.push(format!(
                "both channels are delayed (Delay) by {}: latency only, left out",
                delay(left.delay)
            ));
        }
        return Ok(());
    }
    Err((
        left.delayed_at.max(right.delayed_at),
        format!(
            "channel 0 is delayed by {} and channel 1 by {}: a profile cannot hold a delay \
             between the channels",
            delay(left.delay),
            delay(right.delay)
        ),
    ))
}

/// Walking a pipeline.
struct Run<'a, 'c> {
    filters: Vec<(String, Node<'a>)>,
    mixers: Vec<(String, Node<'a>)>,
    processors: Vec<(String, Node<'a>)>,
    /// Filters a step names.
    used: HashSet<String>,
    /// Skipped filters already noted.
    noted: HashSet<String>,
    chains: &'c mut [Chain; 2],
    notes: &'c mut Vec<String>,
}

/// A `name` of a step and its definition in `section`.
fn lookup<'a>(
    section: &[(String, Node<'a>)],
    step: Node<'a>,
    kind: &str,
    key: &str,
) -> Result<(String, Node<'a>), Located> {
    let name = step
        .get("name")
        .ok_or_else(|| (step.line, format!("a {kind} step without a name")))?;
    let text = name.text().ok_or_else(|| {
        (
            name.line,
            format!("the {kind} name {} is not a name", name.shown()),
        )
    })?;
    section
        .iter()
        .find(|(n, _)| *n == text)
        .map(|(n, node)| (n.clone(), *node))
        .ok_or_else(|| {
            (
                name.line,
                format!("the pipeline names {kind} '{text}', which `{key}` does not define"),
            )
        })
}

impl<'a> Run<'a, '_> {
    fn step(&mut self, step: Node<'a>) -> Result<(), Located> {
        let ty = step
            .get("type")
            .and_then(|t| t.text())
            .ok_or_else(|| (step.line, "a pipeline step without a type".to_string()))?;
        if let Some(bypassed) = step.get("bypassed") {
            match bypassed.boolean() {
                Some(true) => {
                    self.notes.push(format!(
                        "line {}: skipped the bypassed {ty} step",
                        step.line
                    ));
                    return Ok(());
                }
                Some(false) => {}
                None => {
                    return Err((
                        bypassed.line,
                        format!("bypassed: {} is not true or false", bypassed.shown()),
                    ));
                }
            }
        }
        match ty.as_ref() {
            "Filter" => self.filter_step(step),
            "Mixer" => self.mixer_step(step),
            "Processor" => self.processor_step(step),
            other => Err((
                step.line,
                format!(
                    "a pipeline step of type '{other}'; the types are Filter, Mixer and Processor"
                ),
            )),
        }
    }

    fn filter_step(&mut self, step: Node<'a>) -> Result<(), Located> {
        let channels = match (step.get("channels"), step.get("channel")) {
            (Some(_), Some(one)) => {
                return Err((
                    one.line,
                    "a Filter step has `channels` (v3) or `channel` (v1, v2), not both".into(),
                ));
            }
            (Some(list), None) => list
                .items()
                .ok_or_else(|| {
                    (
                        list.line,
                        "`channels` must be a list of channel numbers".to_string(),
                    )
                })?
                .into_iter()
                .map(channel)
                .collect::<Result<Vec<_>, _>>()?,
            (None, Some(one)) => vec![channel(one)?],
            (None, None) => vec![0, 1],
        };
        let names = step
            .get("names")
            .ok_or_else(|| (step.line, "a Filter step without `names`".to_string()))?;
        let names = names.items().ok_or_else(|| {
            (
                names.line,
                "`names` must be a list of filter names".to_string(),
            )
        })?;
        for item in names {
            let name = item
                .text()
                .ok_or_else(|| (item.line, format!("{} is not a filter name", item.shown())))?;
            let (name, filter) = self
                .filters
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(n, f)| (n.clone(), *f))
                .ok_or_else(|| {
                    (
                        item.line,
                        format!("the pipeline names '{name}', which `filters` does not define"),
                    )
                })?;
            self.used.insert(name.clone());
            let effect = match effect(&name, filter) {
                Ok(effect) => effect,
                Err(Refusal::Invalid(located)) => return Err(located),
                Err(Refusal::Unholdable(what)) => {
                    return Err((
                        step.line,
                        format!(
                            "this Filter step runs '{name}' (line {}), {what}: a profile cannot \
                             hold it",
                            filter.line
                        ),
                    ));
                }
            };
            if let Effect::Skip(why) = &effect {
                if self.noted.insert(name.clone()) {
                    self.notes.push(skipped(&name, filter, why));
                }
                continue;
            }
            for &c in &channels {
                if let Some(chain) = self.chains.get_mut(c) {
                    chain.apply(&effect, step.line);
                }
            }
        }
        Ok(())
    }

    fn mixer_step(&mut self, step: Node<'a>) -> Result<(), Located> {
        let (name, mixer) = lookup(&self.mixers, step, "Mixer", "mixers")?;
        let gains = match routing(&name, mixer)? {
            Ok(gains) => gains,
            Err(what) => {
                return Err((
                    step.line,
                    format!(
                        "the Mixer step '{name}' (line {}) {what}: a profile cannot hold that",
                        mixer.line
                    ),
                ));
            }
        };
        let unchanged =
            |g: &Effect| matches!(g, Effect::Gain { db, inverted: false, .. } if *db == 0.0);
        if gains.iter().all(unchanged) {
            self.notes.push(format!(
                "line {}: the Mixer '{name}' passes each channel through unchanged",
                step.line
            ));
        }
        for (chain, gain) in self.chains.iter_mut().zip(&gains) {
            chain.apply(gain, step.line);
        }
        Ok(())
    }

    fn processor_step(&mut self, step: Node<'a>) -> Result<(), Located> {
        let (name, processor) = lookup(&self.processors, step, "Processor", "processors")?;
        let ty = processor.get("type").and_then(|t| t.text());
        let what = match ty.as_deref() {
            Some("NoiseGate") => {
                self.notes.push(format!(
                    "line {}: skipped the NoiseGate '{name}', which acts only below its threshold",
                    step.line
                ));
                return Ok(());
            }
            Some("Compressor") => "compresses the dynamics",
            Some("RACE") => "feeds each channel into the other (crosstalk cancellation)",
            _ => {
                return Err((
                    processor.line,
                    format!("processors.{name}: no Compressor, NoiseGate or RACE type"),
                ));
            }
        };
        Err((
            step.line,
            format!(
                "the Processor step '{name}' (line {}) {what}: a profile cannot hold that",
                processor.line
            ),
        ))
    }

    /// Notes the filters no step names.
    fn note_unused(&mut self) {
        let unused: Vec<&str> = self
            .filters
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !self.used.contains(*n))
            .collect();
        const LISTED: usize = 8;
        match unused.len() {
            0 => {}
            n if n <= LISTED => self.notes.push(format!(
                "not in the pipeline, ignored: {}",
                unused.join(", ")
            )),
            n => self.notes.push(format!(
                "not in the pipeline, ignored: {} and {} more",
                unused.get(..LISTED).unwrap_or_default().join(", "),
                n - LISTED
            )),
        }
    }
}

/// A channel number of a Filter step: 0 (left) or 1 (right).
fn channel(node: Node<'_>) -> Result<usize, Located> {
    match node.number() {
        Some(n) if n == 0.0 || n == 1.0 => Ok(n as usize),
        Some(n) if n >= 2.0 && n.fract() == 0.0 => Err((
            node.line,
            format!("channel {n}: a stereo pipeline has channels 0 (left) and 1 (right)"),
        )),
        _ => Err((
            node.line,
            format!("channel {}: not a channel number", node.shown()),
        )),
    }
}
