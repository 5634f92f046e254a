//! What each EQ preset format or device can hold: band count and layout, filter types, value
//! ranges and quantisation. One description per format serves both the exporter (`iemlab
//! export --format ID`) and the fitter (`iemlab fit --device ID`), so a profile fitted for a
//! device exports to it unchanged.

use crate::dsp::{BandSpec, FilterKind, ISO_BANDS_HZ};
pub use crate::eq::Range;
use crate::eq::range::snap_band;

/// How a format lays out its bands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Layout {
    /// Up to `slots.len()` parametric bands; slot `i` may take any kind in `slots[i]`.
    /// A format whose slots are interchangeable lists the same kinds in each.
    Parametric {
        /// Allowed filter kinds, slot by slot.
        slots: &'static [&'static [FilterKind]],
    },
    /// Peaking bands at fixed centres and fixed Q; only gains are free.
    Graphic {
        /// Band centres in Hz.
        freqs_hz: &'static [f64],
        /// The Q of every band.
        q: f64,
    },
    /// An arbitrary magnitude curve given as (frequency, gain) nodes, as Equalizer APO's
    /// `GraphicEQ:` line; the app builds its own filter from the curve.
    Curve {
        /// Node frequencies in Hz.
        freqs_hz: &'static [f64],
    },
}

/// One preset format or device.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeviceSpec {
    /// Name on the command line (`--format ID`, `--device ID`).
    pub id: &'static str,
    /// Product or format name for humans.
    pub name: &'static str,
    /// Band layout.
    pub layout: Layout,
    /// Centre/corner frequency range (Hz).
    pub freq_hz: Range,
    /// Band gain range (dB).
    pub gain_db: Range,
    /// Q range (parametric layouts).
    pub q: Range,
    /// Preamp range (dB).
    pub preamp_db: Range,
    /// Whether it holds a different EQ for each channel (Equalizer APO's `Channel:`
    /// sections, CamillaDSP's per-channel pipeline steps, EasyEffects' split channels, a CSV
    /// channel column); `fit --per-channel --device` needs it.
    pub per_channel: bool,
    /// Where these limits come from.
    pub source: &'static str,
}

/// A band as the device must hold it, or why it cannot.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Unfit {
    /// More bands than slots.
    #[error("{count} bands, but {device} holds at most {max}")]
    TooManyBands {
        /// Device name.
        device: &'static str,
        /// Bands in the profile.
        count: usize,
        /// Slots on the device.
        max: usize,
    },
    /// A filter type the slot cannot take.
    #[error("band {index}: {device} cannot hold a {kind} filter there")]
    Kind {
        /// Device name.
        device: &'static str,
        /// Band index (0-based).
        index: usize,
        /// The kind's profile-file name.
        kind: &'static str,
    },
}

impl DeviceSpec {
    /// Most parametric bands the device holds (graphic/curve layouts: their node count).
    pub fn max_bands(&self) -> usize {
        match self.layout {
            Layout::Parametric { slots } => slots.len(),
            Layout::Graphic { freqs_hz, .. } | Layout::Curve { freqs_hz } => freqs_hz.len(),
        }
    }

    /// `band` with frequency, gain and Q snapped into the device's ranges and steps.
    pub fn snap(&self, band: &BandSpec) -> BandSpec {
        snap_band(band, self.freq_hz, self.gain_db, self.q)
    }

    /// Whether a parametric band list fits the slots as it stands (types and count; values are
    /// checked by [`DeviceSpec::holds`]).
    pub fn check_kinds(&self, bands: &[BandSpec]) -> Result<(), Unfit> {
        let Layout::Parametric { slots } = self.layout else {
            return Ok(());
        };
        if bands.len() > slots.len() {
            return Err(Unfit::TooManyBands {
                device: self.name,
                count: bands.len(),
                max: slots.len(),
            });
        }
        for (index, (band, kinds)) in bands.iter().zip(slots.iter()).enumerate() {
            if !kinds.contains(&band.kind) {
                return Err(Unfit::Kind {
                    device: self.name,
                    index,
                    kind: band.kind.name(),
                });
            }
        }
        Ok(())
    }

    /// Whether the device holds `band` exactly (every value in range and on its step).
    pub fn holds(&self, band: &BandSpec) -> bool {
        self.freq_hz.holds(band.freq_hz)
            && (!band.kind.has_gain() || self.gain_db.holds(band.gain_db))
            && self.q.holds(band.q)
    }
}

use FilterKind::{AllPass, BandPass, HighPass, HighShelf, LowPass, LowShelf, Notch, Peaking};

const ANY: &[FilterKind] = &[
    Peaking, LowShelf, HighShelf, LowPass, HighPass, BandPass, Notch, AllPass,
];
const PK: &[FilterKind] = &[Peaking];
const PK_SHELVES: &[FilterKind] = &[Peaking, LowShelf, HighShelf];

/// ISO 10-band graphic centres as a static slice.
static ISO: [f64; 10] = ISO_BANDS_HZ;

/// The 127 nodes AutoEQ writes in every `GraphicEQ.txt`: `int(20 · 1.0563^k)`, k = 0‥126,
/// de-duplicated (jaakkopasanen/AutoEq autoeq/constants.py DEFAULT_GRAPHIC_EQ_STEP and
/// frequency_response.py `eqapo_graphic_eq`; checked against results/*/GraphicEQ.txt).
/// Wavelet accepts only this grid.
pub static AUTOEQ_GRAPHIC_HZ: [f64; 127] = [
    20.0, 21.0, 22.0, 23.0, 24.0, 26.0, 27.0, 29.0, 30.0, 32.0, 34.0, 36.0, 38.0, 40.0, 43.0, 45.0,
    48.0, 50.0, 53.0, 56.0, 59.0, 63.0, 66.0, 70.0, 74.0, 78.0, 83.0, 87.0, 92.0, 97.0, 103.0,
    109.0, 115.0, 121.0, 128.0, 136.0, 143.0, 151.0, 160.0, 169.0, 178.0, 188.0, 199.0, 210.0,
    222.0, 235.0, 248.0, 262.0, 277.0, 292.0, 309.0, 326.0, 345.0, 364.0, 385.0, 406.0, 429.0,
    453.0, 479.0, 506.0, 534.0, 565.0, 596.0, 630.0, 665.0, 703.0, 743.0, 784.0, 829.0, 875.0,
    924.0, 977.0, 1032.0, 1090.0, 1151.0, 1216.0, 1284.0, 1357.0, 1433.0, 1514.0, 1599.0, 1689.0,
    1784.0, 1885.0, 1991.0, 2103.0, 2221.0, 2347.0, 2479.0, 2618.0, 2766.0, 2921.0, 3086.0, 3260.0,
    3443.0, 3637.0, 3842.0, 4058.0, 4287.0, 4528.0, 4783.0, 5052.0, 5337.0, 5637.0, 5955.0, 6290.0,
    6644.0, 7018.0, 7414.0, 7831.0, 8272.0, 8738.0, 9230.0, 9749.0, 10298.0, 10878.0, 11490.0,
    12137.0, 12821.0, 13543.0, 14305.0, 15110.0, 15961.0, 16860.0, 17809.0, 18812.0, 19871.0,
];

/// A `GraphicEQ:` curve on AutoEQ's 127 nodes in 0.1 dB steps (AutoEq prints one
/// decimal), the preamp folded into the curve; Q and frequency limits do not apply.
const fn autoeq_curve(id: &'static str, name: &'static str, source: &'static str) -> DeviceSpec {
    DeviceSpec {
        id,
        name,
        layout: Layout::Curve {
            freqs_hz: &AUTOEQ_GRAPHIC_HZ,
        },
        freq_hz: Range::new(20.0, 20_000.0),
        gain_db: Range::stepped(-30.0, 30.0, 0.1),
        q: Range::new(0.01, 100.0),
        preamp_db: Range::stepped(-30.0, 30.0, 0.1),
        per_channel: false,
        source,
    }
}

/// Up to 32 filters of any type with every value written exactly (text formats that carry
/// full-precision numbers), within iemlab's own profile limits.
const fn exact_32(
    id: &'static str,
    name: &'static str,
    freq_hz: Range,
    source: &'static str,
) -> DeviceSpec {
    DeviceSpec {
        id,
        name,
        layout: Layout::Parametric { slots: &[ANY; 32] },
        freq_hz,
        gain_db: Range::new(-30.0, 30.0),
        q: Range::new(0.01, 100.0),
        preamp_db: Range::new(-30.0, 30.0),
        per_channel: true,
        source,
    }
}

/// Every format iemlab knows, one entry per `iemlab export --format ID` (and `fit --device ID`).
/// Each entry names the public source its limits were checked against; what could not be
/// checked says so.
pub static DEVICES: &[DeviceSpec] = &[
    DeviceSpec {
        id: "apo",
        name: "Equalizer APO / Peace (parametric)",
        layout: Layout::Parametric { slots: &[ANY; 32] },
        // Two decimals at most for every number: APO reads a number with exactly three
        // decimals ("22.123") as having a thousands separator.
        freq_hz: Range::stepped(1.0, 96_000.0, 0.01),
        gain_db: Range::stepped(-30.0, 30.0, 0.01),
        q: Range::stepped(0.01, 100.0, 0.01),
        preamp_db: Range::stepped(-30.0, 30.0, 0.01),
        per_channel: true,
        source: "Equalizer APO Configuration reference (Preamp, Filter: PK/LSC/HSC/LPQ/HPQ/BP/NO/AP); AutoEq ParametricEQ.txt",
    },
    autoeq_curve(
        "graphiceq",
        "Equalizer APO GraphicEQ line",
        "Equalizer APO GraphicEQ command; AutoEq frequency_response.py eqapo_graphic_eq (127 nodes, 0.1 dB)",
    ),
    autoeq_curve(
        "wavelet",
        "Wavelet (Android) AutoEQ import",
        "Wavelet docs/Import.md (GraphicEQ text on AutoEq's 127-node grid); gain limits not published",
    ),
    autoeq_curve(
        "jamesdsp",
        "JamesDSP arbitrary response EQ",
        "JDSP4Linux resources/assets/default.conf (graphiceq_param holds a GraphicEQ: string); gain limits not published",
    ),
    DeviceSpec {
        id: "poweramp",
        name: "Poweramp Equalizer (parametric preset)",
        layout: Layout::Parametric {
            slots: &[&[LowShelf], &[HighShelf], PK, PK, PK, PK, PK, PK, PK, PK],
        },
        freq_hz: Range::stepped(20.0, 20_000.0, 1.0),
        gain_db: Range::new(-15.0, 15.0),
        q: Range::new(0.1, 12.0),
        preamp_db: Range::new(-15.0, 15.0),
        per_channel: false,
        source: "AutoEq constants.py POWERAMP_EQUALIZER (LS+HS+8 PK, ±15 dB, Q 0.1–12); preset JSON as in Bronya-Rand/PA-CEQ; preamp range not published",
    },
    DeviceSpec {
        id: "rockbox",
        name: "Rockbox",
        layout: Layout::Parametric {
            slots: &[&[LowShelf], PK, PK, PK, PK, PK, PK, PK, PK, &[HighShelf]],
        },
        freq_hz: Range::stepped(20.0, 22_040.0, 1.0),
        gain_db: Range::stepped(-24.0, 24.0, 0.1),
        q: Range::stepped(0.5, 6.4, 0.1),
        preamp_db: Range::stepped(-24.0, 0.0, 0.1),
        per_channel: false,
        source: "Rockbox apps/settings_list.c (eq precut 0–240, eq low shelf/peak 1–8/high shelf filter: Hz, Q×10, gain×10) and apps/menus/eq_menu.h (EQ_CUTOFF 20–22040, EQ_GAIN ±240, EQ_Q 5–64)",
    },
    DeviceSpec {
        id: "qudelix",
        name: "Qudelix 5K",
        layout: Layout::Parametric {
            slots: &[PK_SHELVES; 10],
        },
        freq_hz: Range::stepped(20.0, 20_000.0, 1.0),
        gain_db: Range::stepped(-12.0, 12.0, 0.1),
        q: Range::stepped(0.1, 7.0, 0.01),
        preamp_db: Range::stepped(-12.0, 0.0, 0.1),
        per_channel: false,
        source: "AutoEq constants.py QUDELIX_5K (LS+HS+8 PK, ±12 dB, Q 0.1–7); the app has no preset import, so values are typed in",
    },
    DeviceSpec {
        id: "fiio",
        name: "FiiO Control PEQ (10 filters)",
        layout: Layout::Parametric {
            slots: &[PK_SHELVES; 10],
        },
        freq_hz: Range::stepped(20.0, 20_000.0, 1.0),
        gain_db: Range::stepped(-12.0, 12.0, 0.1),
        q: Range::stepped(0.1, 10.0, 0.01),
        preamp_db: Range::stepped(-12.0, 0.0, 0.1),
        per_channel: false,
        source: "project format notes (10 filters, ±12 dB); Q range and file schema of FiiO Control not published: unverified",
    },
    exact_32(
        "camilladsp",
        "CamillaDSP (filters and pipeline)",
        Range::new(1.0, 96_000.0),
        "HEnquist/camilladsp README.md (Biquad Peaking/Lowshelf/Highshelf/…, Gain) and stepbystep.md (pipeline Filter steps)",
    ),
    exact_32(
        "easyeffects",
        "EasyEffects equalizer preset",
        Range::new(10.0, 24_000.0),
        "wwmm/easyeffects equalizer preset JSON (equalizer#0, band types Bell/Lo-shelf/Hi-shelf/…, mode \"APO (DR)\", at most 32 bands)",
    ),
    exact_32(
        "csv",
        "Generic CSV (type, freq_hz, gain_db, q)",
        Range::new(1.0, 96_000.0),
        "iemlab's own column layout (no common standard exists)",
    ),
    DeviceSpec {
        id: "graphic10",
        name: "ISO 10-band graphic EQ",
        layout: Layout::Graphic {
            freqs_hz: &ISO,
            q: std::f64::consts::SQRT_2,
        },
        freq_hz: Range::new(20.0, 20_000.0),
        gain_db: Range::new(-12.0, 12.0),
        q: Range::new(std::f64::consts::SQRT_2, std::f64::consts::SQRT_2),
        preamp_db: Range::new(-30.0, 0.0),
        per_channel: false,
        source: "AutoEq constants.py 10_BAND_GRAPHIC_EQ (31.25·2^i Hz, Q √2, ±12 dB)",
    },
];

/// The format or device named `id` (case-insensitive).
pub fn find(id: &str) -> Option<&'static DeviceSpec> {
    DEVICES.iter().find(|d| d.id.eq_ignore_ascii_case(id))
}

/// The ids of every known format, for error messages.
pub fn ids() -> Vec<&'static str> {
    DEVICES.iter().map(|d| d.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rockbox_slots_fix_the_filter_types() {
        let rockbox = find("Rockbox").unwrap();
        let mut bands = vec![BandSpec::peaking(1000.0, 1.0, 1.0); 3];
        assert!(matches!(
            rockbox.check_kinds(&bands),
            Err(Unfit::Kind { index: 0, .. })
        ));
        bands[0].kind = LowShelf;
        assert!(rockbox.check_kinds(&bands).is_ok());
        assert!(matches!(
            rockbox.check_kinds(&[bands[0]; 11]),
            Err(Unfit::TooManyBands { max: 10, .. })
        ));
    }
}
