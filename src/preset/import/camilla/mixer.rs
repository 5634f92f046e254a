//! Whether a config's mixer routes each channel to itself (HEnquist/camilladsp README.md,
//! "Mixers"), and with what gain and polarity.

use super::document::{Located, Node};
use super::filters::Effect;

/// What a mixer does to each channel when it routes each to itself: a gain and polarity
/// each (left, right); otherwise what it does instead ("mixes channels 0 and 1 into 0").
/// CamillaDSP's mixer: `channels: {in, out}`, `mapping: [{dest, mute, sources: [{channel,
/// gain, scale, inverted, mute}]}]`, gain 0 dB when left out.
pub(super) fn routing(name: &str, mixer: Node<'_>) -> Result<Result<[Effect; 2], String>, Located> {
    let field = |node: Node<'_>, key: &str| -> Result<f64, Located> {
        let value = node
            .get(key)
            .ok_or_else(|| (node.line, format!("mixers.{name}: no {key}")))?;
        value.number().filter(|v| v.is_finite()).ok_or_else(|| {
            (
                value.line,
                format!("mixers.{name}: {key}: {} is not a number", value.shown()),
            )
        })
    };
    let flag = |node: Node<'_>, key: &str| -> Result<bool, Located> {
        match node.get(key) {
            None => Ok(false),
            Some(v) => v.boolean().ok_or_else(|| {
                (
                    v.line,
                    format!("mixers.{name}: {key}: {} is not true or false", v.shown()),
                )
            }),
        }
    };
    let channels = mixer
        .get("channels")
        .ok_or_else(|| (mixer.line, format!("mixers.{name}: no channels")))?;
    let (ins, outs) = (field(channels, "in")?, field(channels, "out")?);
    if ins != 2.0 {
        return Ok(Err(format!("takes {ins} channels (a profile has 2)")));
    }
    if outs > 2.0 {
        return Ok(Err(format!("makes {outs} channels of 2 (a profile has 2)")));
    }
    if outs < 2.0 {
        return Ok(Err(format!("mixes 2 channels into {outs}")));
    }
    let mapping = mixer
        .get("mapping")
        .ok_or_else(|| (mixer.line, format!("mixers.{name}: no mapping")))?;
    let mapping = mapping.items().ok_or_else(|| {
        (
            mapping.line,
            format!("mixers.{name}: mapping is not a list"),
        )
    })?;
    let mut routes: [Option<Effect>; 2] = [None, None];
    for entry in mapping {
        let dest = field(entry, "dest")?;
        let Some(route) = (dest == 0.0 || dest == 1.0)
            .then(|| routes.get_mut(dest as usize))
            .flatten()
        else {
            return Err((
                entry.line,
                format!("mixers.{name}: dest {dest} is not a channel of its 2 outputs"),
            ));
        };
        if route.is_some() {
            return Ok(Err(format!("maps channel {dest} twice")));
        }
        if flag(entry, "mute")? {
            return Ok(Err(format!("mutes channel {dest}")));
        }
        let sources = entry
            .get("sources")
            .and_then(|s| s.items())
            .ok_or_else(|| {
                (
                    entry.line,
                    format!("mixers.{name}: dest {dest} has no sources list"),
                )
            })?;
        let mut heard = Vec::new();
        for source in sources {
            if !flag(source, "mute")? {
                heard.push(source);
            }
        }
        let source = match heard.as_slice() {
            [] => return Ok(Err(format!("leaves channel {dest} silent"))),
            [one] => *one,
            [..] => {
                let from: Vec<String> = heard
                    .iter()
                    .map(|s| {
                        s.get("channel")
                            .and_then(|c| c.number())
                            .map_or("?".into(), |c| c.to_string())
                    })
                    .collect();
                return Ok(Err(format!(
                    "mixes channels {} into channel {dest}",
                    from.join(" and ")
                )));
            }
        };
        let from = field(source, "channel")?;
        if from != dest {
            return Ok(Err(format!("feeds channel {dest} from channel {from}")));
        }
        let (gain, line) = match source.get("gain") {
            None => (0.0, source.line),
            Some(g) => (field(source, "gain")?, g.line),
        };
        let linear = match source.get("scale") {
            None => false,
            Some(s) => match s.text().as_deref() {
                Some("dB") => false,
                Some("linear") => true,
                _ => {
                    return Err((
                        s.line,
                        format!("mixers.{name}: scale: {} is not dB or linear", s.shown()),
                    ));
                }
            },
        };
        let mut inverted = flag(source, "inverted")?;
        let db = if linear {
            if gain == 0.0 {
                return Ok(Err(format!("leaves channel {dest} silent (gain 0)")));
            }
            inverted ^= gain < 0.0;
            20.0 * gain.abs().log10()
        } else {
            gain
        };
        *route = Some(Effect::Gain { db, inverted, line });
    }
    match routes {
        [Some(left), Some(right)] => Ok(Ok([left, right])),
        [None, _] => Ok(Err("leaves channel 0 silent".into())),
        [_, None] => Ok(Err("leaves channel 1 silent".into())),
    }
}
