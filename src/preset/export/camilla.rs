//! CamillaDSP YAML (filters and pipeline) and iemlab's generic CSV. Both carry every value
//! exactly, so they hold any profile.

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
    let mut out = format!(
        "# {}: EQ for CamillaDSP, exported by iemlab.\n\
         # Merge `filters` and `pipeline` into a config that has `devices`.\n\
         filters:\n  iemlab_preamp:\n    type: Gain\n    parameters:\n      gain: {}\n      inverted: false\n",
        held.name,
        exact(held.preamp_db)
    );
    let bands = held.bands();
    for (i, b) in bands.iter().enumerate() {
        out.push_str(&format!(
            "  iemlab_band_{}:\n    type: Biquad\n    parameters:\n      type: {}\n      freq: {}\n",
            i + 1,
            camilla_type(b.kind),
            exact(b.freq_hz)
        ));
        if b.kind.has_gain() {
            out.push_str(&format!("      gain: {}\n", exact(b.gain_db)));
        }
        out.push_str(&format!("      q: {}\n", exact(b.q)));
    }
    out.push_str(
        "pipeline:\n  - type: Filter\n    channels: [0, 1]\n    names:\n      - iemlab_preamp\n",
    );
    for i in 0..bands.len() {
        out.push_str(&format!("      - iemlab_band_{}\n", i + 1));
    }
    out
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
