//! CamillaDSP configs (v1 to v4): what the `pipeline:` does to channels 0 (left) and 1
//! (right) becomes a profile, per channel when they differ. The YAML is read by saphyr
//! ([`document`]), each filter's effect by [`filters`] (its bands by [`biquad`], its
//! parameters through [`params`]), a mixer's routing by [`mixer`], the channels' chains by
//! [`pipeline`]; [`EqProfile::split`] then makes the bands both channels begin with shared.
//! Every problem names the line of the config.

mod biquad;
mod document;
mod filters;
mod mixer;
mod params;
mod pipeline;

use std::path::Path;

use super::error::ImportError;
use crate::preset::EqProfile;
use crate::preset::profile::ChannelEq;
use crate::preset::profile::Origin;
use crate::problem::FileProblem;
use document::{Located, Node};
use pipeline::Chain;

/// Whether `text` looks like a CamillaDSP config (a top-level `filters:` or `pipeline:`).
pub(super) fn looks_like(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("filters:") || l.starts_with("pipeline:"))
}

/// The profile the config's pipeline makes of channels 0 and 1, and notes on what was left
/// out.
pub(super) fn parse(
    text: &str,
    path: &Path,
    name: &str,
) -> Result<(EqProfile, Vec<String>), ImportError> {
    let at =
        |(line, message): Located| -> ImportError { FileProblem::at(path, line, message).into() };
    let yaml = document::load(text).map_err(at)?;
    let root = Node::root(&yaml);
    if root.entries().is_none() && !root.is_null() {
        return Err(at((
            root.line,
            "a CamillaDSP config is a map of sections (filters, mixers, pipeline, ...)".into(),
        )));
    }
    let mut notes = Vec::new();
    let chains = pipeline::chains(root, &mut notes).map_err(at)?;
    Ok((profile(name, path, chains), notes))
}

/// The profile of the two channels' chains, with the line of each band and of the preamp.
fn profile(name: &str, path: &Path, chains: [Chain; 2]) -> EqProfile {
    let whole = |c: &Chain| ChannelEq {
        gain_db: c.gain_db,
        bands: c.bands.iter().map(|(band, _)| *band).collect(),
    };
    let [left, right] = &chains;
    let mut profile = EqProfile::split(name, [whole(left), whole(right)]);
    let lines = |c: &Chain| -> Vec<usize> { c.bands.iter().map(|(_, line)| *line).collect() };
    let (left_lines, right_lines) = (lines(left), lines(right));
    // Split keeps the bands both channels begin with (left's) as shared, the rest per channel.
    let shared = profile.bands().len();
    let own = |lines: &[usize]| lines.get(shared..).unwrap_or_default().to_vec();
    let (louder, quieter) = if right.gain_db > left.gain_db {
        (right, left)
    } else {
        (left, right)
    };
    profile.origin = Some(Origin {
        path: path.to_path_buf(),
        band_lines: left_lines.get(..shared).unwrap_or_default().to_vec(),
        channel_band_lines: [own(&left_lines), own(&right_lines)],
        preamp_line: if louder.gain_line > 0 {
            louder.gain_line
        } else {
            quieter.gain_line
        },
        graphic_line: 0,
    });
    profile
}

#[cfg(test)]
mod tests;
