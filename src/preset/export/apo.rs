//! Equalizer APO text: the parametric `Preamp:`/`Filter N:` form (also AutoEQ's
//! ParametricEQ.txt, and what Qudelix and FiiO users type in), per channel in `Channel: L` and
//! `Channel: R` sections, and the `GraphicEQ:` line (what Wavelet and JamesDSP import).

use crate::dsp::{BandSpec, Channel, FilterKind};
use crate::preset::device::{DeviceSpec, Range};
use crate::preset::export::{Held, number};

/// Equalizer APO's filter type token for a kind. LSC/HSC are APO's shelves given by centre
/// frequency and Q, the RBJ shelf iemlab runs; LPQ/HPQ are the pass filters that take a Q.
/// Source: Equalizer APO Configuration reference, "Filter" command; AutoEq
/// frequency_response.py `write_eqapo_parametric_eq` writes PK/LSC/HSC the same way.
pub(crate) fn apo_type(kind: FilterKind) -> &'static str {
    match kind {
        FilterKind::Peaking => "PK",
        FilterKind::LowShelf => "LSC",
        FilterKind::HighShelf => "HSC",
        FilterKind::LowPass => "LPQ",
        FilterKind::HighPass => "HPQ",
        FilterKind::BandPass => "BP",
        FilterKind::Notch => "NO",
        FilterKind::AllPass => "AP",
    }
}

fn decimals(range: &Range, fallback: usize) -> usize {
    range.decimals().unwrap_or(fallback)
}

/// `Preamp: -6.2 dB` then `Filter N: ON PK Fc 1000 Hz Gain -3.0 dB Q 1.41`, one line per
/// band, after a `#` comment naming the profile and format. Numbers carry the format's
/// step (AutoEQ prints gains with one decimal and Q with two; APO itself takes at most two
/// decimals so no number has exactly three, which APO reads as a thousands separator).
pub(crate) fn parametric(held: &Held, device: &DeviceSpec) -> String {
    let mut out = header(held, device);
    preamp_and_filters(held, device, &mut out);
    out
}

/// A per-channel profile: after the comment, `Channel: L` with the left channel's `Preamp:`
/// and `Filter N:` lines (numbered from 1, numbers as [`parametric`] prints them), then
/// `Channel: R` with the right's. Equalizer APO applies each section to its channel only
/// (Configuration reference, "Channel"), and preamps add up per channel, so each section
/// holds its channel's whole preamp and every band it runs.
pub(crate) fn parametric_channels(held: &[Held; 2], device: &DeviceSpec) -> String {
    let [left, _] = held;
    let mut out = header(left, device);
    for (channel, one) in Channel::BOTH.into_iter().zip(held) {
        let section = match channel {
            Channel::Left => "L",
            Channel::Right => "R",
        };
        out.push_str(&format!("Channel: {section}\n"));
        preamp_and_filters(one, device, &mut out);
    }
    out
}

/// The `#` comment naming the profile and format.
fn header(held: &Held, device: &DeviceSpec) -> String {
    format!("# {}: {}, exported by iemlab\n", held.name, device.name)
}

/// `Preamp:` and one `Filter N:` line per band of `held`.
fn preamp_and_filters(held: &Held, device: &DeviceSpec, out: &mut String) {
    let f_dec = decimals(&device.freq_hz, 2);
    let g_dec = decimals(&device.gain_db, 2);
    let q_dec = decimals(&device.q, 2);
    out.push_str(&format!(
        "Preamp: {} dB\n",
        number(held.preamp_db, decimals(&device.preamp_db, 2), 1)
    ));
    for (i, band) in held.bands().iter().enumerate() {
        out.push_str(&filter_line(i + 1, band, f_dec, g_dec, q_dec));
    }
}

fn filter_line(n: usize, band: &BandSpec, f_dec: usize, g_dec: usize, q_dec: usize) -> String {
    let fc = number(band.freq_hz, f_dec, 0);
    let q = number(band.q, q_dec, 2.min(q_dec));
    if band.kind.has_gain() {
        let gain = number(band.gain_db, g_dec, 1.min(g_dec));
        format!(
            "Filter {n}: ON {} Fc {fc} Hz Gain {gain} dB Q {q}\n",
            apo_type(band.kind)
        )
    } else {
        format!("Filter {n}: ON {} Fc {fc} Hz Q {q}\n", apo_type(band.kind))
    }
}

/// `GraphicEQ: 20 -6.2; 21 -6.2; …` on AutoEQ's 127 nodes, gains with the format's step
/// (one decimal, as AutoEq `eqapo_graphic_eq` prints them). Wavelet and JamesDSP take the
/// line exactly as AutoEQ writes it: one line, no comment, no trailing newline (AutoEq
/// results/*/GraphicEQ.txt; JDSP4Linux default.conf `graphiceq_param`).
pub(crate) fn graphic_eq_line(held: &Held, device: &DeviceSpec) -> String {
    let g_dec = decimals(&device.gain_db, 1);
    let nodes: Vec<String> = held
        .curve
        .iter()
        .map(|(f, g)| format!("{} {}", number(*f, 0, 0), number(*g, g_dec, g_dec)))
        .collect();
    format!("GraphicEQ: {}", nodes.join("; "))
}

/// The GraphicEQ line as an Equalizer APO config file: a comment naming the profile, the
/// line, and a newline.
pub(crate) fn graphic_eq_config(held: &Held, device: &DeviceSpec) -> String {
    format!(
        "# {}: {} (preamp folded into the curve), exported by iemlab\n{}\n",
        held.name,
        device.name,
        graphic_eq_line(held, device)
    )
}
