//! What each EQ preset format or device can hold: band count and layout, filter types, value
//! ranges and quantisation. One description per format serves both the exporter (`iemlab
//! export --format ID`) and the fitter (`iemlab fit --device ID`), so a profile fitted for a
//! device exports to it unchanged.

use crate::dsp::{BandSpec, FilterKind, ISO_BANDS_HZ};

/// A closed range of allowed values with an optional quantisation step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Values are multiples of this step (none: continuous).
    pub step: Option<f64>,
}

impl Range {
    /// A continuous range.
    pub const fn new(min: f64, max: f64) -> Self {
        Range {
            min,
            max,
            step: None,
        }
    }

    /// A range whose values are multiples of `step`.
    pub const fn stepped(min: f64, max: f64, step: f64) -> Self {
        Range {
            min,
            max,
            step: Some(step),
        }
    }

    /// The nearest value the range can hold: clamped, then rounded to the step (and kept in
    /// range if rounding stepped outside it).
    pub fn snap(&self, value: f64) -> f64 {
        let clamped = value.clamp(self.min, self.max);
        match self.step {
            None => clamped,
            Some(step) => {
                let rounded = (clamped / step).round() * step;
                if rounded > self.max + 1e-9 {
                    rounded - step
                } else if rounded < self.min - 1e-9 {
                    rounded + step
                } else {
                    rounded
                }
            }
        }
    }

    /// Whether `value` is inside the range and on its step (to within rounding error).
    pub fn holds(&self, value: f64) -> bool {
        let tolerance = 1e-9 * value.abs().max(1.0);
        value >= self.min - tolerance
            && value <= self.max + tolerance
            && self.step.is_none_or(|step| {
                let k = value / step;
                (k - k.round()).abs() < 1e-6
            })
    }
}

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
        BandSpec {
            kind: band.kind,
            freq_hz: self.freq_hz.snap(band.freq_hz),
            gain_db: if band.kind.has_gain() {
                self.gain_db.snap(band.gain_db)
            } else {
                band.gain_db
            },
            q: self.q.snap(band.q),
        }
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

/// Every format iemlab knows. Values here are the starting facts from the project's format
/// notes; each writer in `preset::export` cites the public source it was checked against.
pub static DEVICES: &[DeviceSpec] = &[
    DeviceSpec {
        id: "apo",
        name: "Equalizer APO / Peace (parametric)",
        layout: Layout::Parametric { slots: &[ANY; 32] },
        freq_hz: Range::new(1.0, 96_000.0),
        gain_db: Range::new(-30.0, 30.0),
        q: Range::new(0.01, 100.0),
        preamp_db: Range::new(-60.0, 30.0),
        source: "Equalizer APO configuration reference (Filter/Preamp commands)",
    },
    DeviceSpec {
        id: "qudelix",
        name: "Qudelix 5K",
        layout: Layout::Parametric {
            slots: &[PK_SHELVES; 10],
        },
        freq_hz: Range::new(20.0, 20_000.0),
        gain_db: Range::stepped(-12.0, 12.0, 0.1),
        q: Range::stepped(0.1, 7.0, 0.01),
        preamp_db: Range::stepped(-12.0, 0.0, 0.1),
        source: "AutoEQ device configs; Qudelix 5K app",
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
        source: "Rockbox apps/settings_list.c and apps/eq.c",
    },
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
        source: "AutoEQ 10-band fixed-band convention",
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
    fn snap_clamps_and_quantises_within_range() {
        let r = Range::stepped(-12.0, 12.0, 0.5);
        assert_eq!(r.snap(3.26), 3.5);
        assert_eq!(r.snap(40.0), 12.0);
        assert!(r.holds(r.snap(-7.74)));
        assert!(!r.holds(3.3));
        let odd = Range::stepped(0.15, 6.4, 0.1);
        assert!(odd.snap(0.15) >= 0.15);
    }

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
