//! What one filter of a config's `filters:` does to a channel it runs on (HEnquist/camilladsp
//! README.md, "Filters", and src/config/mod.rs for the exact parameter names):
//!
//! - `Biquad` Peaking, Lowshelf, Highshelf (`q`, `bandwidth` in octaves, or `slope` in
//!   dB/octave for shelves), Lowpass, Highpass (`q`), Notch, Bandpass, Allpass (`q` or
//!   `bandwidth`): one band each.
//! - `BiquadCombo` FivePointPeq (`fls`/`gls`/`qls` low shelf, `fp1`…`fp3` peaks, `fhs`
//!   high shelf; a band with Q 0 is off, as in CamillaDSP), GraphicEqualizer, Tilt, and
//!   Butterworth or Linkwitz-Riley high and low passes of even order: the biquads CamillaDSP
//!   builds for them (src/filters/biquadcombo.rs).
//! - `Gain` (`gain` in dB or `scale: linear`, `inverted`, `mute`): the channel's gain.
//! - `Delay`: a delay, which both channels may share (latency only).
//! - `Volume`, `Loudness`, `Dither`, `Limiter`: skipped with a note. A Volume filter follows a
//!   fader set while CamillaDSP runs (0 dB unless moved), Loudness boosts bass and treble
//!   only below its reference volume, Dither adds noise at the output's last bits, a Limiter
//!   acts only above its clip level: none of them is the EQ, and iemlab has its own volume
//!   and limiter.
//! - First-order and free biquads, GeneralNotch, LinkwitzTransform, odd-order Butterworth,
//!   `Conv` (FIR) and `DiffEq`: a response a profile's bands cannot hold.

use super::biquad::{biquad, combo};
use super::document::Node;
use super::params::{Params, Refusal, text};
use crate::dsp::BandSpec;

/// What a filter does to one channel.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Effect {
    /// A gain (dB), with the line of its value, and whether it inverts the polarity.
    Gain {
        /// Gain in dB.
        db: f64,
        /// Whether the polarity is inverted.
        inverted: bool,
        /// Line of the gain's value.
        line: usize,
    },
    /// EQ bands in order, each with the line of its frequency.
    Bands(Vec<(BandSpec, usize)>),
    /// A delay: seconds, or samples when given in samples.
    Delay {
        /// Delay in seconds (`ms`, `us`, `mm` at 343 m/s).
        seconds: f64,
        /// Delay in samples.
        samples: f64,
    },
    /// Nothing a profile holds or needs; why.
    Skip(String),
}

/// The speed of sound CamillaDSP turns millimetres of delay into time with (m/s).
const SPEED_OF_SOUND: f64 = 343.0;

/// What the filter `name`, defined by `filter`, does to a channel.
pub(super) fn effect(name: &str, filter: Node<'_>) -> Result<Effect, Refusal> {
    let ty = text(name, filter, "type")?;
    let params = filter
        .get("parameters")
        .ok_or_else(|| (filter.line, format!("filters.{name}: no parameters")))?;
    let p = Params { name, node: params };
    match ty.as_str() {
        "Gain" => gain(&p),
        "Biquad" => biquad(&p).map(Effect::Bands),
        "BiquadCombo" => combo(&p).map(Effect::Bands),
        "Delay" => delay(&p),
        "Volume" => Ok(Effect::Skip(
            "a volume control on a fader set while CamillaDSP runs".into(),
        )),
        "Loudness" => Ok(Effect::Skip(
            "loudness compensation, which follows the volume control".into(),
        )),
        "Dither" => Ok(Effect::Skip("dither at the output's bit depth".into())),
        "Limiter" => Ok(Effect::Skip(
            "a limiter, which acts only above its clip level".into(),
        )),
        "Conv" => Err(Refusal::Unholdable("a FIR convolution (Conv)".into())),
        "DiffEq" => Err(Refusal::Unholdable(
            "a difference equation (DiffEq) of its own coefficients".into(),
        )),
        other => Err(Refusal::Invalid((
            filter.get("type").map_or(filter.line, |t| t.line),
            format!("filters.{name}.type: '{other}' is not a CamillaDSP filter type"),
        ))),
    }
}

fn gain(p: &Params<'_>) -> Result<Effect, Refusal> {
    let (value, line) = p.need("gain")?;
    if p.flag("mute")? {
        return Err(Refusal::Unholdable("a muted Gain".into()));
    }
    let linear = match p.node.get("scale") {
        None => false,
        Some(scale) => match scale.text().as_deref() {
            Some("dB") => false,
            Some("linear") => true,
            _ => {
                return Err(Refusal::Invalid((
                    scale.line,
                    format!(
                        "filters.{}.parameters.scale: {} is not dB or linear",
                        p.name,
                        scale.shown()
                    ),
                )));
            }
        },
    };
    let mut inverted = p.flag("inverted")?;
    let db = if linear {
        if value == 0.0 {
            return Err(Refusal::Unholdable("a Gain of 0 (silence)".into()));
        }
        // A negative factor inverts (CamillaDSP README.md, "Gain").
        inverted ^= value < 0.0;
        20.0 * value.abs().log10()
    } else {
        value
    };
    Ok(Effect::Gain { db, inverted, line })
}

fn delay(p: &Params<'_>) -> Result<Effect, Refusal> {
    let (value, _) = p.need("delay")?;
    let unit = p.node.get("unit");
    let scale = match unit.as_ref().and_then(Node::text).as_deref() {
        None | Some("ms") => 1e-3,
        Some("us") => 1e-6,
        Some("mm") => 1e-3 / SPEED_OF_SOUND,
        Some("samples") => {
            return Ok(Effect::Delay {
                seconds: 0.0,
                samples: value,
            });
        }
        Some(other) => {
            return Err(Refusal::Invalid((
                unit.map_or(p.node.line, |u| u.line),
                format!(
                    "filters.{}.parameters.unit: '{other}' is not ms, us, mm or samples",
                    p.name
                ),
            )));
        }
    };
    Ok(Effect::Delay {
        seconds: value * scale,
        samples: 0.0,
    })
}
