//! Preset files of players and EQ apps: Poweramp's preset JSON, EasyEffects' preset JSON
//! and Rockbox's `.cfg` equalizer settings.

use crate::dsp::{BandSpec, FilterKind};
use crate::preset::device::DeviceSpec;
use crate::preset::export::{Held, exact, number};

/// A JSON number that always has a decimal point (as Poweramp and EasyEffects write them).
fn json_number(value: f64) -> String {
    let text = exact(value);
    if text.contains(['.', 'e']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Poweramp's equalizer preset: a one-element array of `{name, preamp, parametric, bands}`,
/// each band `{type, channels, frequency, q, gain, color}` with type 0 = low shelf, 1 = high
/// shelf, 2 = peaking, channels 0 = both, and the shelves first, tab-indented, as in real
/// exports (Bronya-Rand/PA-CEQ "PA-CEQ 3.0 [7_29_21 1_33 AM].json"). Poweramp always has
/// both shelves, so an unused shelf slot is written flat at AutoEQ's 105 Hz / 10 kHz.
pub(crate) fn poweramp(held: &Held, _device: &DeviceSpec) -> String {
    let mut bands: Vec<BandSpec> = Vec::new();
    for (slot, fallback) in held.slots.iter().zip(
        [
            Some((FilterKind::LowShelf, 105.0)),
            Some((FilterKind::HighShelf, 10_000.0)),
        ]
        .into_iter()
        .chain(std::iter::repeat(None)),
    ) {
        match (slot, fallback) {
            (Some(b), _) => bands.push(*b),
            (None, Some((kind, freq_hz))) => bands.push(BandSpec {
                kind,
                freq_hz,
                gain_db: 0.0,
                q: 0.7,
            }),
            (None, None) => {}
        }
    }
    let items: Vec<String> = bands
        .iter()
        .map(|b| {
            let code = match b.kind {
                FilterKind::LowShelf => 0,
                FilterKind::HighShelf => 1,
                _ => 2,
            };
            format!(
                "\t\t{{\n\t\t\t\"type\": {code},\n\t\t\t\"channels\": 0,\n\t\t\t\"frequency\": {},\n\t\t\t\"q\": {},\n\t\t\t\"gain\": {},\n\t\t\t\"color\": 0\n\t\t}}",
                number(b.freq_hz, 0, 0),
                json_number(b.q),
                json_number(b.gain_db)
            )
        })
        .collect();
    format!(
        "[{{\n\t\"name\": {},\n\t\"preamp\": {},\n\t\"parametric\": true,\n\t\"bands\": [\n{}\n\t]\n}}\n]\n",
        json_string(&held.name),
        json_number(held.preamp_db),
        items.join(",\n")
    )
}

/// EasyEffects' band type names (the LSP equalizer's filter types as EasyEffects spells
/// them: Bell, Hi-pass, Hi-shelf, Lo-pass, Lo-shelf, Notch, Allpass, Bandpass).
fn easyeffects_type(kind: FilterKind) -> &'static str {
    match kind {
        FilterKind::Peaking => "Bell",
        FilterKind::LowShelf => "Lo-shelf",
        FilterKind::HighShelf => "Hi-shelf",
        FilterKind::LowPass => "Lo-pass",
        FilterKind::HighPass => "Hi-pass",
        FilterKind::BandPass => "Bandpass",
        FilterKind::Notch => "Notch",
        FilterKind::AllPass => "Allpass",
    }
}

/// An EasyEffects output preset holding one equalizer (`equalizer#0`, EasyEffects 7+):
/// `input-gain` is the preamp, `left` and `right` carry the same bands (split-channels
/// off), keys sorted and 4-space indented as EasyEffects writes them. Bands use mode
/// "APO (DR)", EasyEffects' direct RBJ biquads, the filters Equalizer APO runs (wwmm/easyeffects
/// equalizer band settings; community presets such as JackHack96/EasyEffects-Presets).
/// An empty profile gets one flat bell, as the equalizer has at least one band.
pub(crate) fn easyeffects(held: &Held, _device: &DeviceSpec) -> String {
    let mut bands = held.bands();
    if bands.is_empty() {
        bands.push(BandSpec::peaking(1000.0, 0.0, 1.0));
    }
    let channel = |indent: &str| -> String {
        let items: Vec<String> = bands
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let pad = format!("{indent}    ");
                let fields = [
                    ("frequency", json_number(b.freq_hz)),
                    (
                        "gain",
                        json_number(if b.kind.has_gain() { b.gain_db } else { 0.0 }),
                    ),
                    ("mode", json_string("APO (DR)")),
                    ("mute", "false".into()),
                    ("q", json_number(b.q)),
                    ("slope", json_string("x1")),
                    ("solo", "false".into()),
                    ("type", json_string(easyeffects_type(b.kind))),
                    ("width", "4.0".into()),
                ];
                let body: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{pad}    \"{k}\": {v}"))
                    .collect();
                format!("{pad}\"band{i}\": {{\n{}\n{pad}}}", body.join(",\n"))
            })
            .collect();
        format!("{{\n{}\n{indent}}}", items.join(",\n"))
    };
    let i3 = "            ";
    format!(
        "{{\n    \"output\": {{\n        \"blocklist\": [],\n        \"equalizer#0\": {{\n\
{i3}\"balance\": 0.0,\n{i3}\"bypass\": false,\n{i3}\"input-gain\": {},\n{i3}\"left\": {},\n\
{i3}\"mode\": \"IIR\",\n{i3}\"num-bands\": {},\n{i3}\"output-gain\": 0.0,\n\
{i3}\"pitch-left\": 0.0,\n{i3}\"pitch-right\": 0.0,\n{i3}\"right\": {},\n\
{i3}\"split-channels\": false\n        }},\n        \"plugins_order\": [\n\
            \"equalizer#0\"\n        ]\n    }}\n}}\n",
        json_number(held.preamp_db),
        channel(i3),
        bands.len(),
        channel(i3),
    )
}

/// Rockbox's own defaults for each band (apps/settings_list.c `eq_defaults`: cutoff Hz,
/// Q×10, gain×10), written for unused slots.
const ROCKBOX_DEFAULTS: [(i64, i64); 10] = [
    (32, 7),
    (64, 10),
    (125, 10),
    (250, 10),
    (500, 10),
    (1000, 10),
    (2000, 10),
    (4000, 10),
    (8000, 10),
    (16000, 7),
];

/// Rockbox equalizer settings as a `.cfg` (apps/settings_list.c): `eq enabled: on`,
/// `eq precut:` in tenths of a dB of attenuation, then `eq low shelf filter`, `eq peak
/// filter 1`…`8` and `eq high shelf filter`, each `cutoff Hz, Q×10, gain×10` as
/// `eq_write_to_cfg` prints them. Lines starting with `#` are comments. Rockbox lists
/// presets from `/.rockbox/eqs` (apps/settings.h `EQS_DIR`).
pub(crate) fn rockbox(held: &Held, _device: &DeviceSpec) -> String {
    let tenths = |v: f64| {
        let t = (v * 10.0).round() as i64;
        if t == 0 { 0 } else { t }
    };
    let mut out = format!(
        "# {}: Rockbox equalizer settings, exported by iemlab\neq enabled: on\neq precut: {}\n",
        held.name,
        tenths(-held.preamp_db)
    );
    for (i, slot) in held.slots.iter().enumerate() {
        let label = match i {
            0 => "eq low shelf filter".to_string(),
            9 => "eq high shelf filter".to_string(),
            n => format!("eq peak filter {n}"),
        };
        let (cutoff, q, gain) = match slot {
            Some(b) => (b.freq_hz.round() as i64, tenths(b.q), tenths(b.gain_db)),
            None => {
                let (cutoff, q) = ROCKBOX_DEFAULTS[i.min(9)];
                (cutoff, q, 0)
            }
        };
        out.push_str(&format!("{label}: {cutoff}, {q}, {gain}\n"));
    }
    out
}
