//! The bands of `Biquad` and `BiquadCombo` filters (HEnquist/camilladsp README.md, "IIR";
//! the combos as src/filters/biquadcombo.rs builds them).

use super::document::Located;
use super::params::{Params, Refusal};
use crate::dsp::{BandSpec, FilterKind};
use crate::preset::import::q::{q_from_bandwidth, q_from_shelf_slope};

/// The band of a `Biquad` filter.
pub(super) fn biquad(p: &Params<'_>) -> Result<Vec<(BandSpec, usize)>, Refusal> {
    let ty = p.kind()?;
    let kind = match ty.as_str() {
        "Peaking" => FilterKind::Peaking,
        "Lowshelf" => FilterKind::LowShelf,
        "Highshelf" => FilterKind::HighShelf,
        "Lowpass" => FilterKind::LowPass,
        "Highpass" => FilterKind::HighPass,
        "Bandpass" => FilterKind::BandPass,
        "Notch" => FilterKind::Notch,
        "Allpass" => FilterKind::AllPass,
        "LowpassFO" | "HighpassFO" | "LowshelfFO" | "HighshelfFO" | "AllpassFO" => {
            return Err(Refusal::Unholdable(format!(
                "a first-order {ty} biquad (iemlab's bands are second-order)"
            )));
        }
        "Free" | "GeneralNotch" | "LinkwitzTransform" => {
            return Err(Refusal::Unholdable(format!(
                "a {ty} biquad, which no band type of a profile matches"
            )));
        }
        other => {
            return Err(Refusal::Invalid((
                p.node.get("type").map_or(p.node.line, |t| t.line),
                format!(
                    "filters.{}.parameters.type: '{other}' is not a CamillaDSP Biquad type",
                    p.name
                ),
            )));
        }
    };
    let (freq_hz, line) = p.need("freq")?;
    let gain_db = if kind.has_gain() {
        p.need("gain")?.0
    } else {
        0.0
    };
    let shelf = matches!(kind, FilterKind::LowShelf | FilterKind::HighShelf);
    let width = |key: &str| -> Result<Option<f64>, Located> { Ok(p.number(key)?.map(|v| v.0)) };
    let q = match (width("q")?, width("bandwidth")?, width("slope")?) {
        (Some(q), _, _) => q,
        (None, Some(octaves), _)
            if !shelf && !matches!(kind, FilterKind::LowPass | FilterKind::HighPass) =>
        {
            q_from_bandwidth(octaves)
        }
        (None, None, Some(slope)) if shelf => {
            // CamillaDSP's slope is in dB/octave, 0 < slope ≤ 12; 12 is the cookbook's S = 1.
            if !(slope > 0.0 && slope <= 12.0) {
                let line = p.number("slope")?.map_or(p.node.line, |v| v.1);
                return Err(Refusal::Invalid((
                    line,
                    format!(
                        "filters.{}.parameters.slope: {slope} dB/octave is outside 0 < slope ≤ 12",
                        p.name
                    ),
                )));
            }
            q_from_shelf_slope(gain_db, slope / 12.0)
        }
        _ => {
            let width = match kind {
                FilterKind::LowShelf | FilterKind::HighShelf => "q or slope",
                FilterKind::LowPass | FilterKind::HighPass => "q",
                _ => "q or bandwidth",
            };
            return Err(Refusal::Invalid((
                p.node.line,
                format!("filters.{}.parameters: no {width}", p.name),
            )));
        }
    };
    Ok(vec![(
        BandSpec {
            kind,
            freq_hz,
            gain_db,
            q,
        },
        line,
    )])
}

/// The bands of a `BiquadCombo` filter, as CamillaDSP builds them (src/filters/biquadcombo.rs).
pub(super) fn combo(p: &Params<'_>) -> Result<Vec<(BandSpec, usize)>, Refusal> {
    let ty = p.kind()?;
    match ty.as_str() {
        "FivePointPeq" => {
            let mut bands = Vec::new();
            for (kind, f, g, q) in [
                (FilterKind::LowShelf, "fls", "gls", "qls"),
                (FilterKind::Peaking, "fp1", "gp1", "qp1"),
                (FilterKind::Peaking, "fp2", "gp2", "qp2"),
                (FilterKind::Peaking, "fp3", "gp3", "qp3"),
                (FilterKind::HighShelf, "fhs", "ghs", "qhs"),
            ] {
                let (freq_hz, line) = p.need(f)?;
                let (gain_db, _) = p.need(g)?;
                let (q, _) = p.need(q)?;
                // CamillaDSP leaves out a band whose Q is 0.
                if q.abs() > 0.001 {
                    let band = BandSpec {
                        kind,
                        freq_hz,
                        gain_db,
                        q,
                    };
                    bands.push((band, line));
                }
            }
            Ok(bands)
        }
        "GraphicEqualizer" => graphic(p),
        "Tilt" => {
            // A low shelf at 110 Hz and a high shelf at 3.5 kHz, Q 0.35, ∓gain/2.
            let (gain, line) = p.need("gain")?;
            Ok(vec![
                (
                    BandSpec {
                        kind: FilterKind::LowShelf,
                        freq_hz: 110.0,
                        gain_db: -gain / 2.0,
                        q: 0.35,
                    },
                    line,
                ),
                (
                    BandSpec {
                        kind: FilterKind::HighShelf,
                        freq_hz: 3500.0,
                        gain_db: gain / 2.0,
                        q: 0.35,
                    },
                    line,
                ),
            ])
        }
        "ButterworthHighpass"
        | "ButterworthLowpass"
        | "LinkwitzRileyHighpass"
        | "LinkwitzRileyLowpass" => {
            let (freq_hz, line) = p.need("freq")?;
            let (order, order_line) = p.need("order")?;
            if order < 1.0 || order.fract() != 0.0 || order > 64.0 {
                return Err(Refusal::Invalid((
                    order_line,
                    format!(
                        "filters.{}.parameters.order: {order} is not a filter order",
                        p.name
                    ),
                )));
            }
            let order = order as usize;
            let kind = if ty.ends_with("Highpass") {
                FilterKind::HighPass
            } else {
                FilterKind::LowPass
            };
            let qs = if ty.starts_with("Butterworth") {
                if order % 2 == 1 {
                    return Err(Refusal::Unholdable(format!(
                        "an odd-order {ty} (its first-order section is not a band a profile has)"
                    )));
                }
                butterworth_qs(order)
            } else {
                if order % 2 == 1 {
                    return Err(Refusal::Invalid((
                        order_line,
                        format!(
                            "filters.{}.parameters.order: a Linkwitz-Riley order is even, not {order}",
                            p.name
                        ),
                    )));
                }
                linkwitz_riley_qs(order)
            };
            Ok(qs
                .into_iter()
                .map(|q| {
                    let band = BandSpec {
                        kind,
                        freq_hz,
                        gain_db: 0.0,
                        q,
                    };
                    (band, line)
                })
                .collect())
        }
        other => Err(Refusal::Invalid((
            p.node.get("type").map_or(p.node.line, |t| t.line),
            format!(
                "filters.{}.parameters.type: '{other}' is not a CamillaDSP BiquadCombo type",
                p.name
            ),
        ))),
    }
}

/// A GraphicEqualizer's peaks: the bands share the log range `freq_min`…`freq_max`
/// (20 Hz…20 kHz) equally, each as wide as its share; bands at 0 dB are left out. Computed
/// in f32, as CamillaDSP does.
fn graphic(p: &Params<'_>) -> Result<Vec<(BandSpec, usize)>, Refusal> {
    let gains = p.node.get("gains").ok_or_else(|| {
        (
            p.node.line,
            format!("filters.{}.parameters: no gains", p.name),
        )
    })?;
    let items = gains.items().ok_or_else(|| {
        (
            gains.line,
            format!("filters.{}.parameters.gains: not a list of dB", p.name),
        )
    })?;
    let min = p.number("freq_min")?.map_or(20.0, |v| v.0) as f32;
    let max = p.number("freq_max")?.map_or(20_000.0, |v| v.0) as f32;
    let (min_log, max_log) = (min.log2(), max.log2());
    let octaves = (max_log - min_log) / items.len().max(1) as f32;
    let mut bands = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let gain = item.number().filter(|g| g.is_finite()).ok_or_else(|| {
            (
                item.line,
                format!(
                    "filters.{}.parameters.gains[{i}]: {} is not a number",
                    p.name,
                    item.shown()
                ),
            )
        })?;
        if gain.abs() > 0.001 {
            let freq = 2f32.powf(min_log + (i as f32 + 0.5) * octaves);
            let band =
                BandSpec::peaking(f64::from(freq), gain, q_from_bandwidth(f64::from(octaves)));
            bands.push((band, item.line));
        }
    }
    Ok(bands)
}

/// The Q of each second-order section of a Butterworth filter of `order` (an odd order also
/// has a first-order section, not listed).
fn butterworth_qs(order: usize) -> Vec<f64> {
    (0..order / 2)
        .map(|n| 1.0 / (2.0 * (std::f64::consts::PI / order as f64 * (n as f64 + 0.5)).sin()))
        .collect()
}

/// The sections of a Linkwitz-Riley filter (even `order`): two Butterworth filters of half
/// the order, whose two first-order sections (order 2, 6, 10, …) make one of Q 0.5.
fn linkwitz_riley_qs(order: usize) -> Vec<f64> {
    let half = order / 2;
    let mut qs = butterworth_qs(half);
    qs.extend_from_within(..);
    if half % 2 == 1 {
        qs.push(0.5);
    }
    qs
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn butterworth_and_linkwitz_riley_sections_match_camilladsp() {
        let close = |a: &[f64], b: &[f64]| {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3)
        };
        let half_power = std::f64::consts::FRAC_1_SQRT_2;
        assert!(close(&butterworth_qs(2), &[half_power]));
        assert!(close(&butterworth_qs(4), &[1.3066, 0.5412]));
        assert!(close(&linkwitz_riley_qs(2), &[0.5]));
        assert!(close(&linkwitz_riley_qs(4), &[half_power, half_power]));
        assert!(close(&linkwitz_riley_qs(6), &[1.0, 1.0, 0.5]));
        assert!(close(
            &linkwitz_riley_qs(8),
            &[1.3066, 0.5412, 1.3066, 0.5412]
        ));
    }
}
