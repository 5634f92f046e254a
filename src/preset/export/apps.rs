//! Preset files of players and EQ apps: Poweramp's preset JSON, EasyEffects' preset JSON
//! and Rockbox's `.cfg` equalizer settings.

use serde::Serialize;
use serde_json::json;

use crate::dsp::{BandSpec, FilterKind};
use crate::preset::device::DeviceSpec;
use crate::preset::export::Held;

/// JSON as the apps write it: pretty, indented with `indent`, a newline at the end.
fn pretty_json(value: &impl Serialize, indent: &[u8]) -> String {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(indent);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing plain structs and maps of numbers and strings into memory cannot fail.
    let _ = value.serialize(&mut serializer);
    String::from_utf8_lossy(&out).into_owned()
}

/// One band of a Poweramp preset, fields in the order Poweramp writes them.
#[derive(Serialize)]
struct PowerampBand {
    #[serde(rename = "type")]
    kind: u8,
    channels: u8,
    frequency: i64,
    q: f64,
    gain: f64,
    color: u8,
}

/// A Poweramp preset.
#[derive(Serialize)]
struct PowerampPreset<'a> {
    name: &'a str,
    preamp: f64,
    parametric: bool,
    bands: Vec<PowerampBand>,
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
    let preset = PowerampPreset {
        name: &held.name,
        preamp: held.preamp_db,
        parametric: true,
        bands: bands
            .iter()
            .map(|b| PowerampBand {
                kind: match b.kind {
                    FilterKind::LowShelf => 0,
                    FilterKind::HighShelf => 1,
                    _ => 2,
                },
                channels: 0,
                frequency: b.freq_hz.round() as i64,
                q: b.q,
                gain: b.gain_db,
                color: 0,
            })
            .collect(),
    };
    // A one-element array, the object starting on the bracket's line, as Poweramp writes it.
    format!("[{}\n]\n", pretty_json(&preset, b"\t"))
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
    let bands = held.bands();
    easyeffects_preset(held.preamp_db, [&bands, &bands], false)
}

/// An EasyEffects preset with split-channels on: `left` and `right` each with their own
/// bands (the shorter padded with flat bells, as both have `num-bands` bands) under the
/// louder channel's preamp as `input-gain`. EasyEffects has no gain of one channel alone,
/// so the quieter channel begins with [`trim_bands`] for the difference.
pub(crate) fn easyeffects_channels(held: &[Held; 2], _device: &DeviceSpec) -> String {
    let [left, right] = held;
    let preamp = left.preamp_db.max(right.preamp_db);
    let side = |h: &Held| {
        let mut bands = h.bands();
        if h.preamp_db != preamp {
            bands.splice(0..0, trim_bands(h.preamp_db - preamp));
        }
        bands
    };
    easyeffects_preset(preamp, [&side(left), &side(right)], true)
}

/// Why a per-channel profile's EasyEffects preset cannot be written: the quieter channel's
/// trim takes two bands, and the equalizer holds at most 32 a channel.
pub(crate) fn easyeffects_channels_problem(held: &[Held; 2]) -> Option<String> {
    let preamp = held
        .iter()
        .map(|h| h.preamp_db)
        .fold(f64::NEG_INFINITY, f64::max);
    let most = held
        .iter()
        .map(|h| h.bands().len() + if h.preamp_db != preamp { 2 } else { 0 })
        .max()
        .unwrap_or(0);
    (most > 32).then(|| {
        format!("{most} bands in a channel with its trim (two shelves); EasyEffects holds 32")
    })
}

/// Two bands whose product is a flat gain of `db` at every frequency: a low and a high shelf
/// of `db` at the same corner and Q. An RBJ high shelf of gain G is G dB times the low shelf
/// of −G, and the low shelves of G and −G are each other's inverse, so the pair is exactly
/// G dB.
pub(crate) fn trim_bands(db: f64) -> [BandSpec; 2] {
    let shelf = |kind| BandSpec {
        kind,
        freq_hz: 1000.0,
        gain_db: db,
        q: std::f64::consts::FRAC_1_SQRT_2,
    };
    [shelf(FilterKind::LowShelf), shelf(FilterKind::HighShelf)]
}

/// The EasyEffects preset JSON for `bands` (left, right) under `preamp_db`.
fn easyeffects_preset(preamp_db: f64, bands: [&[BandSpec]; 2], split: bool) -> String {
    let count = bands.iter().map(|b| b.len()).max().unwrap_or(0).max(1);
    let side = |own: &[BandSpec]| -> serde_json::Value {
        let flat = BandSpec::peaking(1000.0, 0.0, 1.0);
        let map: serde_json::Map<String, serde_json::Value> = (0..count)
            .map(|i| {
                let b = own.get(i).copied().unwrap_or(flat);
                let band = json!({
                    "frequency": b.freq_hz,
                    "gain": if b.kind.has_gain() { b.gain_db } else { 0.0 },
                    "mode": "APO (DR)",
                    "mute": false,
                    "q": b.q,
                    "slope": "x1",
                    "solo": false,
                    "type": easyeffects_type(b.kind),
                    "width": 4.0,
                });
                (format!("band{i}"), band)
            })
            .collect();
        serde_json::Value::Object(map)
    };
    let [left, right] = bands;
    let preset = json!({
        "output": {
            "blocklist": [],
            "equalizer#0": {
                "balance": 0.0,
                "bypass": false,
                "input-gain": preamp_db,
                "left": side(left),
                "mode": "IIR",
                "num-bands": count,
                "output-gain": 0.0,
                "pitch-left": 0.0,
                "pitch-right": 0.0,
                "right": side(right),
                "split-channels": split,
            },
            "plugins_order": ["equalizer#0"],
        }
    });
    let mut text = pretty_json(&preset, b"    ");
    text.push('\n');
    text
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::dsp::Coeffs;

    #[test]
    fn the_trim_pair_is_a_flat_gain() {
        for rate in [44_100.0, 48_000.0, 96_000.0] {
            for db in [-0.4, -3.0, -12.5] {
                let [low, high] = trim_bands(db).map(|b| Coeffs::new(&b, rate).unwrap());
                for f in [10.0, 100.0, 1000.0, 5000.0, 20_000.0] {
                    let got = low.response(f, rate).db() + high.response(f, rate).db();
                    assert!(
                        (got - db).abs() < 1e-9,
                        "{db} dB at {f} Hz, {rate} Hz: {got}"
                    );
                }
            }
        }
    }
}
