use super::*;
use crate::preset::device::find;

fn profile(bands: Vec<BandSpec>, preamp_db: f64) -> EqProfile {
    EqProfile {
        name: "t".into(),
        preamp_db,
        shape: EqShape::Parametric(bands),
        channels: Default::default(),
        origin: None,
    }
}

#[test]
fn a_profile_inside_the_limits_is_held_unchanged() {
    let p = profile(
        vec![
            BandSpec::peaking(1000.0, -3.5, 1.25),
            BandSpec {
                kind: FilterKind::LowShelf,
                freq_hz: 105.0,
                gain_db: 4.0,
                q: 0.7,
            },
        ],
        -4.0,
    );
    for id in ["apo", "qudelix", "fiio", "camilladsp"] {
        let (held, notes) = approximate(&p, find(id).unwrap(), 48_000);
        assert_eq!(held.profile(), p, "{id}");
        assert!(notes.is_empty(), "{id}: {notes:?}");
    }
}

#[test]
fn rockbox_slots_take_shelves_and_peaks_in_their_places() {
    let p = profile(
        vec![
            BandSpec::peaking(1000.0, -3.0, 1.0),
            BandSpec {
                kind: FilterKind::HighShelf,
                freq_hz: 9000.0,
                gain_db: -2.0,
                q: 0.7,
            },
        ],
        0.0,
    );
    let (held, _) = approximate(&p, find("rockbox").unwrap(), 48_000);
    assert_eq!(held.slots.len(), 10);
    assert_eq!(held.slots[0], None);
    assert_eq!(held.slots[1], Some(BandSpec::peaking(1000.0, -3.0, 1.0)));
    assert_eq!(held.slots[9].unwrap().kind, FilterKind::HighShelf);
}

#[test]
fn over_capacity_drops_the_weakest_band_and_says_so() {
    let mut bands: Vec<BandSpec> = (0..11)
        .map(|i| BandSpec::peaking(100.0 * 2f64.powi(i / 2), 6.0, 2.0))
        .collect();
    bands[5].gain_db = 0.2;
    let (held, notes) = approximate(&profile(bands, -6.0), find("qudelix").unwrap(), 48_000);
    assert_eq!(held.bands().len(), 10);
    assert!(notes.iter().any(|n| n.contains("+0.2 dB")), "{notes:?}");
}

#[test]
fn curve_nodes_sample_the_whole_response() {
    let p = profile(vec![BandSpec::peaking(1000.0, 6.0, 1.0)], -6.0);
    let (held, _) = approximate(&p, find("graphiceq").unwrap(), 48_000);
    assert_eq!(held.curve.len(), 127);
    let at = |f: f64| held.curve.iter().find(|n| n.0 == f).unwrap().1;
    assert_eq!(at(20.0), -6.0);
    assert!((at(977.0) - 0.0).abs() < 0.11);
    let flat_below = held.response_db(&ResponseGrid::new(&[10.0], 48_000.0));
    assert!((flat_below[0] + 6.0).abs() < 1e-12);
}
