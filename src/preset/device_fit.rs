//! Fitting for a device: its description ([`DeviceSpec`]) as fitting slots, so a fit for a
//! device is exactly what the device can hold (its band count, the filter kind each slot
//! takes, and frequency, gain and Q ranges with their steps), and a profile refitted into
//! them when it cannot be held as it stands.

use crate::dsp::{BandError, Channel, Coeffs, FilterKind};
use crate::eq::graphic::graphic_slots;
use crate::eq::peq::{kind_freq_range, kind_q_range};
use crate::eq::{Goal, Range, ResponseGrid, Slot, fit_bands};

use super::device::{DeviceSpec, Layout};
use super::profile::{EqProfile, EqShape};

/// Why a fit for a device cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DeviceFitError {
    /// A band of the profile to refit cannot run at the rate.
    #[error("band {index}: {source}", index = .index + 1)]
    Band {
        /// 0-based band index.
        index: usize,
        /// Why.
        source: BandError,
    },
    /// The device cannot take this fit.
    #[error("{device}: {message}")]
    Device {
        /// Device name.
        device: &'static str,
        /// Why.
        message: String,
    },
}

/// A profile or device the user chose that cannot be fitted: exit code 2.
impl crate::exit_status::ExitStatus for DeviceFitError {
    fn exit_code(&self) -> u8 {
        2
    }
}

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
) -> Result<DeviceSlots, DeviceFitError> {
    let nyquist_cap = Range::new(0.0, 0.45 * rate);
    match device.layout {
        Layout::Curve { .. } => Ok(DeviceSlots::Curve),
        Layout::Graphic { freqs_hz, q } => {
            if let Some(&top) = freqs_hz.iter().rev().find(|&&f| f >= rate / 2.0) {
                return Err(DeviceFitError::Device {
                    device: device.name,
                    message: format!(
                        "its {top} Hz band cannot run at {rate} Hz (Nyquist {} Hz)",
                        rate / 2.0
                    ),
                });
            }
            Ok(DeviceSlots::Graphic(graphic_slots(
                freqs_hz,
                q,
                device.gain_db,
            )))
        }
        Layout::Parametric { slots } => {
            let n = count.unwrap_or(slots.len()).min(slots.len());
            if n == 0 {
                return Err(DeviceFitError::Device {
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
                        return Err(DeviceFitError::Device {
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

/// A profile the device holds exactly (every band passes [`DeviceSpec::holds`], the kinds
/// pass [`DeviceSpec::check_kinds`], at most as many bands as slots; graphic layouts get
/// their fixed centres), fitted to `profile`'s magnitude response on the 20 Hz–20 kHz log
/// grid at `sample_rate` with the same fitter as `iemlab fit`. The preamp keeps the input's
/// headroom (or more, if the new bands boost more), within the device's preamp range.
/// A device that takes an arbitrary curve holds any profile: it is returned unchanged.
pub fn refit(
    profile: &EqProfile,
    device: &DeviceSpec,
    sample_rate: u32,
) -> Result<EqProfile, DeviceFitError> {
    let rate = f64::from(sample_rate);
    if matches!(device.layout, Layout::Curve { .. }) {
        return Ok(profile.clone());
    }
    let bands = profile.bands();
    for (index, band) in bands.iter().enumerate() {
        Coeffs::new(band, rate).map_err(|source| DeviceFitError::Band { index, source })?;
    }
    let (slots, graphic) = match device_slots(device, None, rate)? {
        DeviceSlots::Curve => return Ok(profile.clone()),
        DeviceSlots::Parametric(slots) => (slots, false),
        DeviceSlots::Graphic(slots) => (slots, true),
    };
    let grid = ResponseGrid::standard(rate);
    let wanted = grid
        .bands_db(&bands)
        .map_err(|source| DeviceFitError::Band { index: 0, source })?;
    let goal = Goal::even(grid.freqs_hz.clone(), wanted);
    let fitted = fit_bands(&goal, &grid, &slots, graphic);
    let mut out = EqProfile {
        name: profile.name.clone(),
        preamp_db: 0.0,
        shape: EqShape::from_bands(&fitted, graphic),
        channels: Default::default(),
        origin: None,
    };
    let needed = out.safe_preamp_db(sample_rate, Some(device.preamp_db));
    out.preamp_db = device.preamp_db.floor(profile.preamp_db.min(needed));
    Ok(out)
}

/// One EQ for both channels of a per-channel `profile`, for a device with one EQ: fitted
/// as [`refit`] fits, to the mean of the two channels' responses (bands in dB, and the mean
/// of their preamps), with as many bands as the busier channel runs (within the device's).
/// Returns the profile and its largest deviation (dB) from that mean, 20 Hz–20 kHz.
pub fn fit_mean(
    profile: &EqProfile,
    device: &DeviceSpec,
    sample_rate: u32,
) -> Result<(EqProfile, f64), DeviceFitError> {
    let rate = f64::from(sample_rate);
    let grid = ResponseGrid::standard(rate);
    let mut wanted = vec![0.0; grid.len()];
    let mut preamp = 0.0;
    for channel in Channel::BOTH {
        let bands = profile.channel_bands(channel);
        let db = grid
            .bands_db(&bands)
            .map_err(|source| DeviceFitError::Band { index: 0, source })?;
        for (w, d) in wanted.iter_mut().zip(db) {
            *w += d / 2.0;
        }
        preamp += profile.channel_preamp_db(channel) / 2.0;
    }
    let count = Some(profile.stage_count().max(1));
    let slots = match device_slots(device, count, rate)? {
        DeviceSlots::Parametric(slots) => (slots, false),
        DeviceSlots::Graphic(slots) => (slots, true),
        // A curve takes any response: fit parametric bands it converts exactly.
        DeviceSlots::Curve => match device_slots(curve_fit_device(), count, rate)? {
            DeviceSlots::Parametric(slots) => (slots, false),
            _ => (Vec::new(), false),
        },
    };
    let goal = Goal::even(grid.freqs_hz.clone(), wanted.clone());
    let fitted = fit_bands(&goal, &grid, &slots.0, slots.1);
    let mut out = EqProfile::shared(
        format!("{} (mean of left and right)", profile.name),
        0.0,
        EqShape::from_bands(&fitted, slots.1),
    );
    let needed = out.safe_preamp_db(sample_rate, Some(device.preamp_db));
    out.preamp_db = device.preamp_db.floor(preamp.min(needed));
    let got = grid.bands_db_or_flat(&out.bands());
    let worst = got
        .iter()
        .zip(&wanted)
        .map(|(g, w)| (g + out.preamp_db - (w + preamp)).abs())
        .fold(0.0, f64::max);
    Ok((out, worst))
}

/// Whose slots a curve device's mean fit uses: Equalizer APO's (any kind, any value).
fn curve_fit_device() -> &'static DeviceSpec {
    super::device::find("apo").unwrap_or(&super::device::DEVICES[0])
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
