//! CamillaDSP YAML (filters and pipeline) and iemlab's generic CSV. Both carry every value
//! exactly, so they hold any profile, per channel too.

use crate::dsp::{Channel, FilterKind};
use crate::preset::device::DeviceSpec;
use crate::preset::export::{Held, exact};

/// CamillaDSP's Biquad type names (HEnquist/camilladsp README.md, "Biquad").
pub(crate) fn camilla_type(kind: FilterKind) -> &'static str {
    match kind {
        FilterKind::Peaking => "Peaking",
        FilterKind::LowShelf => "Lowshelf",
        FilterKind::HighShelf => "Highshelf",
        FilterKind::LowPass => "Lowpass",
        FilterKind::HighPass => "Highpass",
        FilterKind::BandPass => "Bandpass",
        FilterKind::Notch => "Notch",
        FilterKind::AllPass => "Allpass",
    }
}

/// A `filters:` map (a `Gain` filter for the preamp, one `Biquad` per band with `freq`,
/// `gain` and `q`) and a `pipeline:` with one `Filter` step applying them all to channels
/// 0 and 1, in the v3 syntax `channels: [0, 1]` (HEnquist/camilladsp README.md and
/// stepbystep.md). Merge both sections into a config that has `devices`.
pub(crate) fn camilladsp(held: &Held, _device: &DeviceSpec) -> String {
    let mut out = camilladsp_header(&held.name);
    let names = filters("iemlab_", held, &mut out);
    out.push_str("pipeline:\n");
    filter_step("0, 1", &names, &mut out);
    out
}

/// A per-channel profile for CamillaDSP: each channel's filters (`iemlab_left_preamp`,
/// `iemlab_left_band_1`, …, then the right's) and a `Filter` step for each, `channels: [0]`
/// (left) and `channels: [1]` (right).
pub(crate) fn camilladsp_channels(held: &[Held; 2], _device: &DeviceSpec) -> String {
    let [left, _] = held;
    let mut out = camilladsp_header(&left.name);
    let names: Vec<Vec<String>> = Channel::BOTH
        .iter()
        .zip(held)
        .map(|(channel, one)| filters(&format!("iemlab_{}_", channel.name()), one, &mut out))
        .collect();
    out.push_str("pipeline:\n");
    for (channel, names) in Channel::BOTH.iter().zip(&names) {
        filter_step(&channel.index().to_string(), names, &mut out);
    }
    out
}

fn camilladsp_header(name: &str) -> String {
    format!(
        "# {name}: EQ for CamillaDSP, exported by iemlab.\n\
         # Merge `filters` and `pipeline` into a config that has `devices`.\n\
         filters:\n"
    )
}

/// The preamp's `Gain` filter and a `Biquad` per band of `held`, named `{prefix}preamp` and
/// `{prefix}band_N`, written into `out`; their names in order.
fn filters(prefix: &str, held: &Held, out: &mut String) -> Vec<String> {
    let mut names = vec![format!("{prefix}preamp")];
    out.push_str(&format!(
        "  {prefix}preamp:\n    type: Gain\n    parameters:\n      gain: {}\n      inverted: false\n",
        exact(held.preamp_db)
    ));
    for (i, b) in held.bands().iter().enumerate() {
        let name = format!("{prefix}band_{}", i + 1);
        out.push_str(&format!(
            "  {name}:\n    type: Biquad\n    parameters:\n      type: {}\n      freq: {}\n",
            camilla_type(b.kind),
            exact(b.freq_hz)
        ));
        if b.kind.has_gain() {
            out.push_str(&format!("      gain: {}\n", exact(b.gain_db)));
        }
        out.push_str(&format!("      q: {}\n", exact(b.q)));
        names.push(name);
    }
    names
}

/// A pipeline `Filter` step running `names` on `channels` (v3 syntax).
fn filter_step(channels: &str, names: &[String], out: &mut String) {
    out.push_str(&format!(
        "  - type: Filter\n    channels: [{channels}]\n    names:\n"
    ));
    for name in names {
        out.push_str(&format!("      - {name}\n"));
    }
}

/// A header `type,freq_hz,gain_db,q`, a `preamp` row, then one row per band with the
/// profile-file type names; values exact.
pub(crate) fn csv(held: &Held, _device: &DeviceSpec) -> String {
    let mut out = String::from("type,freq_hz,gain_db,q\n");
    csv_rows(held, "", &mut out);
    out
}

/// A per-channel profile as CSV: the header `channel,type,freq_hz,gain_db,q`, then each
/// channel's preamp row and band rows with `left` or `right` first.
pub(crate) fn csv_channels(held: &[Held; 2], _device: &DeviceSpec) -> String {
    let mut out = String::from("channel,type,freq_hz,gain_db,q\n");
    for (channel, one) in Channel::BOTH.iter().zip(held) {
        csv_rows(one, &format!("{},", channel.name()), &mut out);
    }
    out
}

/// The preamp row and one row per band of `held`, each after `prefix`.
fn csv_rows(held: &Held, prefix: &str, out: &mut String) {
    out.push_str(&format!("{prefix}preamp,,{},\n", exact(held.preamp_db)));
    for b in held.bands() {
        let gain = if b.kind.has_gain() {
            exact(b.gain_db)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{prefix}{},{},{gain},{}\n",
            b.kind.name(),
            exact(b.freq_hz),
            exact(b.q)
        ));
    }
}
