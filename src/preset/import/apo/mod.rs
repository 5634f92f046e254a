//! Equalizer APO / Peace configurations (`config.txt` and what it includes), which are also
//! AutoEQ's ParametricEQ.txt, FixedBandEQ.txt and GraphicEQ.txt and REW's generic filter
//! export, read as Equalizer APO 1.4 reads them (its Configuration reference; the source:
//! FilterEngine.cpp and filters/*FilterFactory.cpp) into a profile, per channel when the
//! channels differ.
//!
//! A line is `Command: parameters`; the command is what comes before the first colon, spaces
//! around it trimmed (`Filter :ON`, `Filter  7:`), spelt with APO's case.
//!
//! What each line does:
//!
//! - `Preamp: G dB` adds G to the channels selected (preamps add up per channel).
//! - `Filter[ N]: ON TYPE …` adds a filter to the channels selected ([`filter`] reads it as
//!   APO does: REW's columns, decimal commas, `8.000` Hz as 8000 Hz, defaults, shelves' slopes
//!   and corner frequencies). `OFF` and `None` slots do nothing.
//! - `GraphicEQ: f g; …` adds a curve to the channels selected; the curves of a channel add
//!   up and become 31 bands fitted at 44.1, 48 and 96 kHz ([`curve`]), placed where the
//!   channel's first curve is. A curve of 0 dB at every node (Equalizer APO's own default
//!   config.txt has one next to its filters) changes nothing and is left out, with a note.
//!   A curve and Filter lines on one channel are kept together when their bands fit in the 32
//!   a channel runs (31 for the curve, so one filter), else refused.
//! - `Channel: L`, `R`, `L R`, `all`, `1`, `2` (1 = L, 2 = R, words in any case) selects the
//!   channels the lines after it apply to; before any Channel line, both. A channel beyond
//!   the two (`C`, `LFE`, `SL`, `2 C`, `3`, or a virtual channel `L2` made by Copy) is
//!   refused at its line, never merged into L or R.
//! - `Include: FILE` reads FILE at that point with the channels selected then, relative to the
//!   including file's folder (`\` or `/`, `..` allowed); after it the including file's channel
//!   selection is back, as in APO. A file that is not there, an include of a file being read
//!   (a cycle, named file by file), nesting deeper than 8 or more than 64 included files in
//!   all are refused at the Include line; each file is read bounded like the preset itself.
//!   A problem inside an included file names that file and its line, and the Include lines
//!   that led there.
//!
//! Refused, naming the file, the line and what the line does, because a profile (a preamp
//! and filters for each of two channels) cannot hold it: `Copy`, `Delay`, `Convolution`,
//! `VSTPlugin`, `LoudnessCorrection`, `Filter: ON IIR …`; and what makes lines depend on
//! something iemlab cannot know or run: `Device` (even `Device: all`: a device selection is
//! the user's setup, not the EQ), `Stage`, `Eval`, `If`/`ElseIf`/`Else`/`EndIf`, and inline
//! expressions (backticks).
//!
//! Left out with a note, because Equalizer APO does nothing with them either: lines without a
//! colon and unknown commands (REW's header lines `Dated:`, `Notes:`, `Equaliser:` …), a
//! known command spelt in another case (`preamp:`; APO's commands are case-sensitive), and a
//! filter APO does not run although it looks meant to: `On` or `on` instead of `ON`, a type
//! name in another case (`pk`). Importing those as written would make the profile differ
//! from what the user has been hearing. Comments (`#`) and blank lines are skipped silently.
//!
//! Nothing is dropped or merged silently: every line is read, refused or noted.

mod config;
mod curve;
mod filter;
mod include;
#[cfg(test)]
mod tests;

use std::path::Path;

use super::error::ImportError;
use super::places::{ChannelPlaces, Place, Places};
use crate::dsp::{Channel, MAX_STAGES};
use crate::preset::profile::{ChannelEq, EqProfile};
use crate::problem::FileProblem;
use config::{Chain, Step};
use curve::{CURVE_BANDS, Fitted};

/// A configuration read into a profile.
pub(super) struct Read {
    /// The profile.
    pub profile: EqProfile,
    /// Where its values came from.
    pub places: Places,
    /// Which form the file was.
    pub format: &'static str,
    /// What was left out or read in a way worth knowing.
    pub notes: Vec<String>,
}

/// Reads the configuration `text` of the file at `path` (its includes from disk) into a
/// profile named `name`.
pub(super) fn parse(text: &str, path: &Path, name: &str) -> Result<Read, ImportError> {
    let config = config::read(text, path)?;
    if !config.saw_eq {
        return Err(FileProblem::file(
            path,
            "no Preamp, Filter or GraphicEQ lines: not an Equalizer APO or AutoEQ preset",
        )
        .into());
    }
    let mut notes = config.notes;
    let [left, right] = config.chains;
    let left_fit = left.curve_db.as_deref().map(curve::fit);
    // Both channels with the same curves (the usual case) share one fit.
    let right_fit = match (&right.curve_db, &left_fit) {
        (Some(r), Some(fitted)) if Some(r) == left.curve_db.as_ref() => Some(fitted.clone()),
        (r, _) => r.as_deref().map(curve::fit),
    };
    let same_curves = left.curve_db == right.curve_db;
    for (channel, chain, fitted) in [
        (Channel::Left, &left, &left_fit),
        (Channel::Right, &right, &right_fit),
    ] {
        if let Some(fitted) = fitted
            && (channel == Channel::Left || !same_curves)
        {
            let whose = if same_curves {
                String::new()
            } else {
                format!("{}: ", channel.name())
            };
            let curves = match chain.curves {
                1 => format!("the {}-node curve", chain.nodes),
                n => format!("the {n} GraphicEQ curves, added up,"),
            };
            notes.push(format!(
                "{whose}{curves} became a low shelf, 29 third-octave bells and a high shelf (within {:.2} dB of it at 44.1, 48 and 96 kHz)",
                fitted.deviation_db
            ));
        }
    }
    let (left_eq, left_places) = channel_eq(Channel::Left, &left, left_fit.as_ref())?;
    let (right_eq, right_places) = channel_eq(Channel::Right, &right, right_fit.as_ref())?;
    let profile = EqProfile::split(name, [left_eq, right_eq]);
    let places = Places::split(&profile, [left_places, right_places]);
    let format = if left.curve_db.is_some() || right.curve_db.is_some() {
        "Equalizer APO GraphicEQ"
    } else {
        "Equalizer APO parametric"
    };
    Ok(Read {
        profile,
        places,
        format,
        notes,
    })
}

/// What `chain` runs on `channel` as one channel's EQ (its whole preamp and bands), with the
/// lines they came from; its curve, if any, as `fitted` at the curve's place.
fn channel_eq(
    channel: Channel,
    chain: &Chain,
    fitted: Option<&Fitted>,
) -> Result<(ChannelEq, ChannelPlaces), ImportError> {
    let mut bands = Vec::new();
    let mut places = Vec::new();
    let mut curve_place: Option<&Place> = None;
    for step in &chain.steps {
        match (step, fitted) {
            (Step::Band(band, place), _) => {
                bands.push(*band);
                places.push(place.clone());
            }
            (Step::Curve(place), Some(fitted)) => {
                if chain.bands + CURVE_BANDS > MAX_STAGES {
                    return Err(FileProblem::at(
                        &place.path,
                        place.line,
                        format!(
                            "GraphicEQ: the curve becomes {CURVE_BANDS} bands and the {} channel also has {} Filter lines, more than the {MAX_STAGES} bands a channel runs; import the curve and the filters separately",
                            channel.name(),
                            chain.bands
                        ),
                    )
                    .into());
                }
                bands.extend_from_slice(&fitted.bands);
                places.extend(std::iter::repeat_n(place.clone(), fitted.bands.len()));
                curve_place = Some(place);
            }
            (Step::Curve(_), None) => {}
        }
    }
    let level = fitted.map_or(0.0, |f| f.level_db);
    Ok((
        ChannelEq {
            gain_db: chain.preamp_db + level,
            bands,
        },
        ChannelPlaces {
            preamp: chain.preamp.clone().or_else(|| curve_place.cloned()),
            bands: places,
        },
    ))
}
