//! Bringing a profile inside a format's limits: what a device holds exactly, and what had
//! to change to get there. A profile that already fits comes out unchanged.

use crate::dsp::{BandSpec, FilterKind};
use crate::eq::graphic::fit_gains;
use crate::eq::{Goal, ResponseGrid};
use crate::fr::grid::interpolate;
use crate::preset::device::{DeviceSpec, Layout};
use crate::preset::profile::{EqProfile, EqShape, ProfileError};

/// What a format will hold for a profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Held {
    /// The profile's name.
    pub name: String,
    /// Preamp (dB), snapped to the format; already folded into `curve` for curve layouts.
    pub preamp_db: f64,
    /// Parametric and graphic layouts: the band in each of the device's slots, in slot
    /// order (`None`: the slot is unused, i.e. flat).
    pub slots: Vec<Option<BandSpec>>,
    /// Curve layouts: (Hz, dB) nodes of the whole response, preamp included.
    pub curve: Vec<(f64, f64)>,
}

impl Held {
    /// The held bands in slot order, unused slots left out.
    pub fn bands(&self) -> Vec<BandSpec> {
        self.slots.iter().flatten().copied().collect()
    }

    /// The held settings as a profile (curve layouts have no bands: a flat profile with
    /// their preamp).
    pub fn profile(&self) -> EqProfile {
        EqProfile {
            name: self.name.clone(),
            preamp_db: self.preamp_db,
            shape: EqShape::Parametric(self.bands()),
            channels: Default::default(),
            origin: None,
        }
    }

    /// Response in dB at every point of `grid`, preamp included: the biquads the device
    /// runs, or for a curve the line through its nodes on a log-frequency axis (held flat
    /// past the ends).
    pub fn response_db(&self, grid: &ResponseGrid) -> Vec<f64> {
        if self.curve.is_empty() {
            let mut db = grid.bands_db_or_flat(&self.bands());
            db.iter_mut().for_each(|v| *v += self.preamp_db);
            db
        } else {
            let (freqs, db): (Vec<f64>, Vec<f64>) = self.curve.iter().copied().unzip();
            grid.freqs_hz
                .iter()
                .map(|&f| interpolate(&freqs, &db, f))
                .collect()
        }
    }
}

/// `profile` refitted by [`crate::preset::device_fit::refit`] into slots the device holds, and its preamp;
/// None when the fitter cannot (the drop-and-refit result stands then).
fn refit_for(
    profile: &EqProfile,
    device: &DeviceSpec,
    sample_rate: u32,
) -> Option<(Vec<Option<BandSpec>>, f64)> {
    let fitted = crate::preset::device_fit::refit(profile, device, sample_rate).ok()?;
    let bands = fitted.bands();
    let Layout::Parametric { slots } = device.layout else {
        return None;
    };
    // The fitter fills slots in order with kinds each slot allows.
    device.check_kinds(&bands).ok()?;
    let mut out: Vec<Option<BandSpec>> = bands.into_iter().map(Some).collect();
    out.resize(slots.len(), None);
    Some((out, device.preamp_db.snap(fitted.preamp_db)))
}

/// The closest settings `device` holds for `profile`, plus a line for everything that had
/// to change. Values are snapped to the device's ranges and steps; bands are put in slots
/// that take their kind; a graphic layout gets least-squares gains; a curve layout gets the
/// profile's response sampled at its nodes. The caller measures how far the result is from
/// the profile and decides whether that is acceptable.
pub fn approximate(
    profile: &EqProfile,
    device: &DeviceSpec,
    sample_rate: u32,
) -> (Held, Vec<String>) {
    let rate = f64::from(sample_rate);
    let mut notes = Vec::new();
    let mut held = Held {
        name: profile.name.clone(),
        preamp_db: device.preamp_db.snap(profile.preamp_db),
        slots: Vec::new(),
        curve: Vec::new(),
    };
    match device.layout {
        Layout::Curve { freqs_hz } => {
            held.preamp_db = profile.preamp_db;
            let nodes = ResponseGrid::new(freqs_hz, rate).bands_db_or_flat(&profile.bands());
            held.curve = freqs_hz
                .iter()
                .zip(nodes)
                .map(|(&f, db)| (f, device.gain_db.snap(profile.preamp_db + db)))
                .collect();
            return (held, notes);
        }
        Layout::Graphic { freqs_hz, q } => {
            let mut bands: Vec<BandSpec> = freqs_hz
                .iter()
                .map(|&f| BandSpec::peaking(f, 0.0, q))
                .collect();
            let source = profile.bands();
            let same_grid = source.len() == bands.len()
                && source.iter().zip(&bands).all(|(s, b)| {
                    s.kind == FilterKind::Peaking && s.freq_hz == b.freq_hz && s.q == b.q
                });
            if same_grid {
                for (b, s) in bands.iter_mut().zip(&source) {
                    b.gain_db = s.gain_db;
                }
            } else {
                let grid = ResponseGrid::standard(rate);
                let goal = Goal::even(grid.freqs_hz.clone(), grid.bands_db_or_flat(&source));
                fit_gains(&mut bands, &goal, &grid, device.gain_db);
                notes.push(format!(
                    "{} bands refitted to the {} fixed bands by least squares",
                    source.len(),
                    bands.len()
                ));
            }
            held.slots = bands.iter().map(|b| Some(device.snap(b))).collect();
        }
        Layout::Parametric { slots } => {
            held.slots = parametric(profile, device, slots, rate, &mut notes);
            // Bands the slots cannot take as they stand (too many, or of kinds a slot
            // refuses): the slotting above had to drop or move some.
            if device.check_kinds(&profile.bands()).is_err() {
                // Dropping bands is one answer; fitting a fresh set of bands that the
                // device holds to the whole response (the same optimiser as `iemlab fit
                // --device`) is another. Keep whichever lands closer.
                if let Some((refitted, preamp)) = refit_for(profile, device, sample_rate) {
                    let candidate = Held {
                        name: held.name.clone(),
                        preamp_db: preamp,
                        slots: refitted,
                        curve: Vec::new(),
                    };
                    let worst = |h: &Held| {
                        deviation(profile, h, sample_rate).map_or(f64::INFINITY, |d| d.0)
                    };
                    if worst(&candidate) < worst(&held) {
                        // The drop-path notes describe settings that are not written.
                        notes.clear();
                        notes.push(format!(
                            "bands refitted by the fitter to {} slots ({:.2} dB worst instead of {:.2} dB by dropping bands)",
                            candidate.bands().len(),
                            worst(&candidate),
                            worst(&held)
                        ));
                        held = candidate;
                        return (held, notes);
                    }
                }
            }
        }
    }
    if held.preamp_db != profile.preamp_db {
        notes.push(format!(
            "preamp {} dB → {} dB (range {} … {} dB)",
            profile.preamp_db, held.preamp_db, device.preamp_db.min, device.preamp_db.max
        ));
    }
    (held, notes)
}

/// Bands into the device's slots: drop kinds it cannot hold, reduce to its capacity, assign
/// slots, snap values, and when anything was dropped, re-set the remaining gains.
fn parametric(
    profile: &EqProfile,
    device: &DeviceSpec,
    slots: &[&[FilterKind]],
    rate: f64,
    notes: &mut Vec<String>,
) -> Vec<Option<BandSpec>> {
    let mut bands = profile.bands();
    let before = bands.len();
    bands.retain(|b| {
        let ok = slots.iter().any(|kinds| kinds.contains(&b.kind));
        if !ok {
            notes.push(format!(
                "dropped a {} band at {} Hz: {} has no {} filter",
                b.kind.name(),
                b.freq_hz,
                device.name,
                b.kind.name()
            ));
        }
        ok
    });
    // Over capacity (more bands of some kind than slots for it), bands are dropped here,
    // weakest first, and `refit_remaining` below re-sets the survivors' gains; `approximate`
    // then also tries `device_fit::refit` and keeps whichever is closer.
    let assigned = reduce_to_capacity(&mut bands, device, slots, rate, notes);
    let dropped = bands.len() < before;

    let mut out: Vec<Option<BandSpec>> =
        assigned.iter().map(|slot| slot.map(|i| bands[i])).collect();
    for (index, slot) in out.iter_mut().enumerate() {
        if let Some(band) = slot {
            let snapped = device.snap(band);
            if snapped != *band {
                notes.push(describe_snap(index, band, &snapped));
            }
            *band = snapped;
        }
    }
    if dropped {
        refit_remaining(profile, device, &mut out, rate, notes);
    }
    out
}

/// Assigns bands to slots (single-kind slots first, then in slot order, each taking the
/// first free band it allows); while some band finds no slot, drops the least significant
/// band of the kinds left over. Returns the band index held by each slot.
fn reduce_to_capacity(
    bands: &mut Vec<BandSpec>,
    device: &DeviceSpec,
    slots: &[&[FilterKind]],
    rate: f64,
    notes: &mut Vec<String>,
) -> Vec<Option<usize>> {
    let grid = ResponseGrid::standard(rate);
    let mut response = vec![0.0; grid.len()];
    loop {
        let assigned = assign(bands, slots);
        let unplaced: Vec<FilterKind> = (0..bands.len())
            .filter(|i| !assigned.contains(&Some(*i)))
            .map(|i| bands[i].kind)
            .collect();
        if unplaced.is_empty() {
            return assigned;
        }
        let mut significance = |b: &BandSpec| {
            grid.band_db_or_flat(b, &mut response);
            response.iter().map(|v| v.abs()).fold(0.0, f64::max)
        };
        let weakest = (0..bands.len())
            .filter(|&i| unplaced.contains(&bands[i].kind))
            .map(|i| (i, significance(&bands[i])))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i);
        let Some(weakest) = weakest else {
            return assigned;
        };
        let b = bands.remove(weakest);
        notes.push(format!(
            "dropped the {} band at {} Hz ({:+} dB): {} has no free slot for it",
            b.kind.name(),
            b.freq_hz,
            b.gain_db,
            device.name
        ));
    }
}

fn assign(bands: &[BandSpec], slots: &[&[FilterKind]]) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by_key(|&s| slots[s].len());
    let mut taken = vec![false; bands.len()];
    let mut out = vec![None; slots.len()];
    for s in order {
        if let Some(i) = (0..bands.len()).find(|&i| !taken[i] && slots[s].contains(&bands[i].kind))
        {
            taken[i] = true;
            out[s] = Some(i);
        }
    }
    out
}

/// After dropping bands, the remaining gains (and empty shelf slots, as shelves at AutoEQ's
/// 105 Hz / 10 kHz, Q 0.7) are re-set by least squares to follow the profile's response.
fn refit_remaining(
    profile: &EqProfile,
    device: &DeviceSpec,
    slots_out: &mut [Option<BandSpec>],
    rate: f64,
    notes: &mut Vec<String>,
) {
    let Layout::Parametric { slots } = device.layout else {
        return;
    };
    for (slot, kinds) in slots_out.iter_mut().zip(slots) {
        if slot.is_none() {
            if kinds == &[FilterKind::LowShelf] {
                *slot = Some(shelf(FilterKind::LowShelf, 105.0, device));
            } else if kinds == &[FilterKind::HighShelf] {
                *slot = Some(shelf(FilterKind::HighShelf, 10_000.0, device));
            }
        }
    }
    let grid = ResponseGrid::standard(rate);
    let mut free: Vec<BandSpec> = slots_out
        .iter()
        .flatten()
        .filter(|b| b.kind.has_gain())
        .copied()
        .collect();
    let fixed: Vec<BandSpec> = slots_out
        .iter()
        .flatten()
        .filter(|b| !b.kind.has_gain())
        .copied()
        .collect();
    // The profile's response, less what the preamp's snapping changed and what the bands
    // without a gain do.
    let preamp_shift = profile.preamp_db - device.preamp_db.snap(profile.preamp_db);
    let target: Vec<f64> = grid
        .bands_db_or_flat(&profile.bands())
        .iter()
        .zip(grid.bands_db_or_flat(&fixed))
        .map(|(want, fixed)| want + preamp_shift - fixed)
        .collect();
    fit_gains(
        &mut free,
        &Goal::even(grid.freqs_hz.clone(), target),
        &grid,
        device.gain_db,
    );
    let mut refitted = free.into_iter();
    for band in slots_out.iter_mut().flatten().filter(|b| b.kind.has_gain()) {
        if let Some(new) = refitted.next() {
            band.gain_db = device.gain_db.snap(new.gain_db);
        }
    }
    notes.push("gains of the remaining bands re-set by least squares".into());
}

fn shelf(kind: FilterKind, freq_hz: f64, device: &DeviceSpec) -> BandSpec {
    device.snap(&BandSpec {
        kind,
        freq_hz,
        gain_db: 0.0,
        q: 0.7,
    })
}

fn describe_snap(index: usize, from: &BandSpec, to: &BandSpec) -> String {
    let mut parts = Vec::new();
    if from.freq_hz != to.freq_hz {
        parts.push(format!("{} Hz → {} Hz", from.freq_hz, to.freq_hz));
    }
    if from.gain_db != to.gain_db {
        parts.push(format!("gain {} dB → {} dB", from.gain_db, to.gain_db));
    }
    if from.q != to.q {
        parts.push(format!("Q {} → {}", from.q, to.q));
    }
    format!(
        "slot {}: {} {}",
        index + 1,
        from.kind.name(),
        parts.join(", ")
    )
}

/// Worst |difference| (dB) and where (Hz) between `profile`'s response and `held`'s, over
/// 20 Hz–20 kHz at 1/48 octave.
pub fn deviation(
    profile: &EqProfile,
    held: &Held,
    sample_rate: u32,
) -> Result<(f64, f64), ProfileError> {
    let rate = f64::from(sample_rate);
    // Both must be runnable at this rate, or their responses would be fiction.
    profile.check_rate(sample_rate)?;
    held.profile().check_rate(sample_rate)?;
    // Both sides are evaluated the same way (sum of per-band dB), so settings held exactly
    // give zero.
    let grid = ResponseGrid::standard(rate);
    let want = grid.bands_db_or_flat(&profile.bands());
    let worst = want
        .iter()
        .zip(held.response_db(&grid))
        .zip(&grid.freqs_hz)
        .map(|((w, h), &f)| ((profile.preamp_db + w - h).abs(), f))
        .fold(
            (0.0, 20.0),
            |worst, x| if x.0 > worst.0 { x } else { worst },
        );
    // Summing the same bands in another slot order differs in the last bits only.
    Ok(if worst.0 < 1e-9 {
        (0.0, worst.1)
    } else {
        worst
    })
}

#[cfg(test)]
mod tests;
