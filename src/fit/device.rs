//! Turning a device description ([`DeviceSpec`]) into fitting slots, so a fit for a device
//! is exactly what the device can hold: its band count, the filter kind each slot takes, and
//! frequency, gain and Q ranges with their steps.

use crate::dsp::FilterKind;
use crate::preset::{DeviceSpec, Layout, Range};

use super::FitError;
use super::peq::{kind_freq_range, kind_q_range};
use super::solver::Slot;

/// How a device's bands are fitted.
#[derive(Clone, Debug, PartialEq)]
pub enum DeviceSlots {
    /// Parametric slots (kinds chosen, ranges intersected with the device's).
    Parametric(Vec<Slot>),
    /// Fixed bands: only gains are free.
    Graphic(Vec<Slot>),
    /// The device takes an arbitrary curve: any parametric fit can be converted exactly.
    Curve,
}

/// The part of `a` that lies inside `b`, keeping `b`'s step (the device's); `b` itself when
/// they do not overlap.
fn within(a: Range, b: Range) -> Range {
    let min = a.min.max(b.min);
    let max = a.max.min(b.max);
    if min > max {
        return b;
    }
    Range {
        min,
        max,
        step: b.step,
    }
}

/// The slots for fitting `count` bands (at most the device's; `None`: all of them) at `rate`.
pub fn device_slots(
    device: &DeviceSpec,
    count: Option<usize>,
    rate: f64,
) -> Result<DeviceSlots, FitError> {
    let nyquist_cap = Range::new(0.0, 0.45 * rate);
    match device.layout {
        Layout::Curve { .. } => Ok(DeviceSlots::Curve),
        Layout::Graphic { freqs_hz, q } => {
            if let Some(&top) = freqs_hz.iter().rev().find(|&&f| f >= rate / 2.0) {
                return Err(FitError::Device {
                    device: device.name,
                    message: format!(
                        "its {top} Hz band cannot run at {rate} Hz (Nyquist {} Hz)",
                        rate / 2.0
                    ),
                });
            }
            Ok(DeviceSlots::Graphic(super::graphic::graphic_slots(
                freqs_hz,
                q,
                device.gain_db,
            )))
        }
        Layout::Parametric { slots } => {
            let n = count.unwrap_or(slots.len()).min(slots.len());
            if n == 0 {
                return Err(FitError::Device {
                    device: device.name,
                    message: "no bands to fit".into(),
                });
            }
            (0..n)
                .map(|i| {
                    let kinds = slots[i];
                    let wants = |k: FilterKind| kinds.contains(&k);
                    let kind = if n >= 3 && i == 0 && wants(FilterKind::LowShelf) {
                        FilterKind::LowShelf
                    } else if n >= 3 && i == n - 1 && wants(FilterKind::HighShelf) {
                        FilterKind::HighShelf
                    } else if wants(FilterKind::Peaking) {
                        FilterKind::Peaking
                    } else if let Some(&k) = kinds.iter().find(|k| k.has_gain()) {
                        k
                    } else {
                        return Err(FitError::Device {
                            device: device.name,
                            message: format!("slot {} takes no filter with a gain", i + 1),
                        });
                    };
                    Ok(Slot {
                        kind,
                        freq_hz: within(
                            within(kind_freq_range(kind, rate), nyquist_cap),
                            device.freq_hz,
                        ),
                        gain_db: device.gain_db,
                        q: within(kind_q_range(kind), device.q),
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(DeviceSlots::Parametric)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preset::device::find;

    #[test]
    fn rockbox_slots_follow_its_fixed_types_and_steps() {
        let DeviceSlots::Parametric(slots) =
            device_slots(find("rockbox").unwrap(), None, 44_100.0).unwrap()
        else {
            panic!("parametric expected");
        };
        assert_eq!(slots.len(), 10);
        assert_eq!(slots[0].kind, FilterKind::LowShelf);
        assert_eq!(slots[9].kind, FilterKind::HighShelf);
        assert!(slots[1..9].iter().all(|s| s.kind == FilterKind::Peaking));
        // Shelf Q 0.4–0.7 inside Rockbox's 0.5–6.4 in 0.1 steps.
        assert_eq!(slots[0].q, Range::stepped(0.5, 0.7, 0.1));
        assert_eq!(slots[1].q, Range::stepped(0.5, 6.0, 0.1));
    }

    #[test]
    fn graphic_devices_pin_frequency_and_q() {
        let DeviceSlots::Graphic(slots) =
            device_slots(find("graphic10").unwrap(), None, 48_000.0).unwrap()
        else {
            panic!("graphic expected");
        };
        assert_eq!(slots.len(), 10);
        assert_eq!(slots[9].freq_hz, Range::new(16_000.0, 16_000.0));
        assert!(device_slots(find("graphic10").unwrap(), None, 32_000.0).is_err());
    }
}
