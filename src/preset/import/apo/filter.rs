//! One `Filter` line and one `Preamp` line as Equalizer APO 1.4 reads them
//! (filters/BiQuadFilterFactory.cpp, BiQuadFilter.cpp, PreampFilterFactory.cpp):
//!
//! - commas become points before anything else;
//! - the filter runs only after an upper-case `ON` and a type name spelt exactly as APO
//!   knows it (`PK`, `PEQ`, `Modal`, `LP`, `HP`, `LPQ`, `HPQ`, `BP`, `LS`, `HS`, `LSC`, `HSC`,
//!   `NO`, `AP`; `None` is an empty slot);
//! - the values are searched for anywhere after the type, as APO's regular expressions do:
//!   `Fc <f> Hz` (a space may even split `H z`), `Gain <g> dB`, `Q <q>`, `BW Oct <b>`, and for
//!   shelves a slope in dB right after the type (`LS 12dB`), so column spacing, trailing
//!   words and REW's `T60 target` do not matter;
//! - a frequency whose point has exactly three digits after it (`8.000`, `22.123`) is read
//!   as a thousands separator, as Room EQ Wizard writes it: 8000 Hz, 22123 Hz;
//! - a Q, bandwidth or slope of 0 counts as not given: peaking and all-pass filters then need
//!   one, low/high/band-pass filters take Q 1/√2, notches Q 30, shelves a slope S of 0.9;
//! - a shelf's slope in dB is S = slope / 12; `LS`/`HS` with a Q or a slope give a corner
//!   frequency, which APO moves to the RBJ shelf's centre by 10^(|gain| / 80 / S);
//! - `BW Oct` is measured on the digital filter (RBJ's "case: BW"), so its Q depends on the
//!   sample rate near Nyquist: read at 48 kHz, with a note when it differs at 44.1 or 96 kHz.

use super::super::q::{q_from_digital_bandwidth, q_from_shelf_slope};
use crate::dsp::{BandSpec, FilterKind};
use crate::preset::export::EXPORT_RATE;

/// The type names Equalizer APO knows, exactly as it spells them.
const TYPES: [(&str, FilterKind); 14] = [
    ("PK", FilterKind::Peaking),
    ("PEQ", FilterKind::Peaking),
    ("Modal", FilterKind::Peaking),
    ("LP", FilterKind::LowPass),
    ("HP", FilterKind::HighPass),
    ("LPQ", FilterKind::LowPass),
    ("HPQ", FilterKind::HighPass),
    ("BP", FilterKind::BandPass),
    ("LS", FilterKind::LowShelf),
    ("HS", FilterKind::HighShelf),
    ("LSC", FilterKind::LowShelf),
    ("HSC", FilterKind::HighShelf),
    ("NO", FilterKind::Notch),
    ("AP", FilterKind::AllPass),
];

/// Shelf slope Equalizer APO uses when a shelf gives neither Q nor slope ("found out by
/// experimentation with RoomEQWizard", BiQuadFilterFactory.cpp).
const DEFAULT_SHELF_SLOPE: f64 = 0.9;
/// Q Equalizer APO gives a notch without one.
const DEFAULT_NOTCH_Q: f64 = 30.0;
/// The sample rates a bandwidth's Q is compared at.
const OTHER_RATES: [f64; 2] = [44_100.0, 96_000.0];

/// What a `Filter` line holds.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Filter {
    /// A band Equalizer APO runs, with what reading it had to change (notes).
    On(BandSpec, Vec<String>),
    /// Switched off (`OFF`) or an empty slot (`None`).
    Off,
    /// A filter written to run that Equalizer APO does not run (`On`, `pk`), and why.
    NotRun(String),
    /// An IIR filter given by its coefficients (`ON IIR Order 2 Coefficients …`).
    Iir,
}

/// A number as APO reads it: a comma is a decimal point.
pub(super) fn number(token: &str, what: &str) -> Result<f64, String> {
    let cleaned = token.trim().replace(',', ".");
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{what}: '{token}' is not a number")),
    }
}

/// The gain of a `Preamp` line's parameters (`-6.5 dB`).
pub(super) fn parse_preamp(params: &str) -> Result<f64, String> {
    let value = params.split_whitespace().next().ok_or("Preamp: no value")?;
    number(value.trim_end_matches("dB"), "Preamp")
}

/// A `Filter` line's parameters (what follows `Filter N:`).
pub(super) fn parse_filter(params: &str) -> Result<Filter, String> {
    let params = params.replace(',', ".");
    let text = params.trim_start();
    let (state, rest) = text.split_at(text.find(char::is_whitespace).unwrap_or(text.len()));
    match state {
        "ON" => {}
        "" => return Err("Filter: empty".into()),
        s if s.eq_ignore_ascii_case("off") => return Ok(Filter::Off),
        s if s.eq_ignore_ascii_case("on") => {
            return Ok(Filter::NotRun(format!(
                "'{s}' is not 'ON': Equalizer APO runs a filter only after an upper-case ON, so this one does not run"
            )));
        }
        other => return Err(format!("Filter: expected ON or OFF, found '{other}'")),
    }
    let rest = rest.trim_start();
    let (ty, suffix) = rest.split_at(
        rest.find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len()),
    );
    let kind = match (ty, TYPES.iter().find(|(name, _)| *name == ty)) {
        ("", _) => return Err("Filter: no filter type".into()),
        ("None", _) => return Ok(Filter::Off),
        ("IIR", _) => return Ok(Filter::Iir),
        (_, Some((_, kind))) => *kind,
        (_, None) => {
            let known = TYPES
                .iter()
                .map(|(name, _)| *name)
                .chain(["None", "IIR"])
                .find(|name| name.eq_ignore_ascii_case(ty));
            return match known {
                Some(name) => Ok(Filter::NotRun(format!(
                    "Equalizer APO knows the filter type as '{name}' (the case matters) and does not run '{ty}'"
                ))),
                None => Err(format!("Filter: unknown filter type '{ty}'")),
            };
        }
    };
    band(kind, ty, suffix)
}

/// The band of `kind` (written `ty`) from the parameters after its type.
fn band(kind: FilterKind, ty: &str, params: &str) -> Result<Filter, String> {
    let mut notes = Vec::new();
    let shelf = matches!(kind, FilterKind::LowShelf | FilterKind::HighShelf);
    let fc = search(params, &["Fc"], is_frequency_char, Unit::Hz)?
        .ok_or("Filter: no Fc (Equalizer APO needs 'Fc <frequency> Hz')")?;
    let freq_hz = frequency(fc, &mut notes)?;
    let gain_db = match search(params, &["Gain"], is_number_char, Unit::DB)? {
        Some(g) if kind.has_gain() => number(g, "Gain")?,
        None if kind.has_gain() => return Err(format!("Filter: a {ty} filter needs Gain")),
        _ => 0.0,
    };
    // As APO: Q, then a bandwidth (not for shelves), then a slope (shelves only), the last
    // one found counting.
    let mut width = Width::None;
    if let Some(q) = search(params, &["Q"], is_number_char, Unit::None)? {
        width = Width::Q(number(q, "Q")?);
    }
    if let Some(bw) = search(params, &["BW", "Oct"], is_number_char, Unit::None)?
        && !shelf
    {
        width = Width::Octaves(number(bw, "BW Oct")?);
    }
    if let Some(slope) = leading_slope(params)
        && shelf
    {
        width = Width::Slope(number(slope, "shelf slope")? / 12.0);
    }
    let q = match (width, kind) {
        (Width::Q(q), _) if q != 0.0 => q,
        (Width::Octaves(bw), _) if bw != 0.0 => bandwidth_q(bw, freq_hz, &mut notes),
        (Width::Slope(s), _) if s != 0.0 => q_from_shelf_slope(gain_db, s),
        (_, FilterKind::Peaking | FilterKind::AllPass) => {
            return Err(format!("Filter: a {ty} filter needs Q or BW Oct"));
        }
        (_, FilterKind::LowShelf | FilterKind::HighShelf) => {
            width = Width::None;
            q_from_shelf_slope(gain_db, DEFAULT_SHELF_SLOPE)
        }
        (_, FilterKind::Notch) => DEFAULT_NOTCH_Q,
        (_, FilterKind::LowPass | FilterKind::HighPass | FilterKind::BandPass) => {
            std::f64::consts::FRAC_1_SQRT_2
        }
    };
    let mut band = BandSpec {
        kind,
        freq_hz,
        gain_db,
        q,
    };
    // `LS`/`HS` (not `LSC`/`HSC`) with a Q or slope of their own: a corner frequency.
    if shelf && !ty.ends_with('C') && width != Width::None {
        let a = 10f64.powf(gain_db / 40.0);
        let s = match width {
            Width::Slope(s) => s,
            _ => 1.0 / ((1.0 / (q * q) - 2.0) / (a + 1.0 / a) + 1.0),
        };
        let factor = 10f64.powf(gain_db.abs() / 80.0 / s);
        band.freq_hz = match kind {
            FilterKind::LowShelf => freq_hz * factor,
            _ => freq_hz / factor,
        };
        notes.push(format!(
            "{ty} at {freq_hz} Hz gives a corner frequency: Equalizer APO centres the shelf at {:.2} Hz, and so does the profile",
            band.freq_hz
        ));
    }
    Ok(Filter::On(band, notes))
}

/// How a filter's width was given.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Width {
    None,
    Q(f64),
    Octaves(f64),
    /// Shelf slope S (1 = 12 dB).
    Slope(f64),
}

/// Q of a band `octaves` wide at `freq_hz`, as APO sets it at 48 kHz, with a note when the
/// same width is a different Q at 44.1 or 96 kHz.
fn bandwidth_q(octaves: f64, freq_hz: f64, notes: &mut Vec<String>) -> f64 {
    let q = q_from_digital_bandwidth(octaves, freq_hz, f64::from(EXPORT_RATE));
    let others = OTHER_RATES.map(|rate| q_from_digital_bandwidth(octaves, freq_hz, rate));
    if others.iter().any(|o| (o / q - 1.0).abs() > 0.01) {
        notes.push(format!(
            "BW Oct {octaves} at {freq_hz} Hz: Equalizer APO's Q for it depends on the sample rate ({:.3} at 44.1 kHz, {q:.3} at 48 kHz, {:.3} at 96 kHz); the profile takes {q:.3}",
            others[0], others[1]
        ));
    }
    q
}

/// A frequency as APO reads it: non-breaking spaces (a thousands separator in some locales)
/// dropped, and a point followed by exactly three last digits read as a thousands separator.
fn frequency(token: &str, notes: &mut Vec<String>) -> Result<f64, String> {
    let digits: String = token.chars().filter(|&c| c != '\u{a0}').collect();
    let value = number(&digits, "Fc")?;
    let chars: Vec<char> = digits.chars().collect();
    let point_before_three = chars.len() >= 5
        && !digits.contains(['e', 'E'])
        && chars.len().checked_sub(4).and_then(|i| chars.get(i)) == Some(&'.');
    if point_before_three {
        let hz = value * 1000.0;
        notes.push(format!(
            "Fc {digits} Hz read as {hz} Hz: Equalizer APO takes a point before the last three digits for a thousands separator, as Room EQ Wizard writes them"
        ));
        return Ok(hz);
    }
    Ok(value)
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')
}

fn is_frequency_char(c: char) -> bool {
    is_number_char(c) || c == '\u{a0}'
}

/// What must follow a value.
#[derive(Clone, Copy)]
enum Unit {
    None,
    /// `\s*H\s*z`
    Hz,
    /// `\s*dB`
    DB,
}

/// The first value in `text` that follows `keys` as APO's regular expressions find it:
/// whitespace, the first key, then each further key after whitespace, optional whitespace,
/// a run of `value` characters and the unit. Where the keys are but no such value follows
/// them (`Gain x dB`, `Fc 100 hz`), what is wrong.
fn search<'a>(
    text: &'a str,
    keys: &[&str],
    value: fn(char) -> bool,
    unit: Unit,
) -> Result<Option<&'a str>, String> {
    let Some((first, more)) = keys.split_first() else {
        return Ok(None);
    };
    let mut wrong = None;
    for (at, _) in text.match_indices(first) {
        let before = text.get(..at).unwrap_or_default();
        if !before.chars().next_back().is_some_and(char::is_whitespace) {
            continue;
        }
        let mut rest = text.get(at + first.len()..).unwrap_or_default();
        let mut all_keys = true;
        for key in more {
            let trimmed = rest.trim_start();
            match trimmed.strip_prefix(key) {
                Some(after) if trimmed.len() < rest.len() => rest = after,
                _ => all_keys = false,
            }
        }
        if !all_keys {
            continue;
        }
        let rest = rest.trim_start();
        let end = rest.find(|c: char| !value(c)).unwrap_or(rest.len());
        let (found, after) = rest.split_at(end);
        let after = after.trim_start();
        let unit_follows = match unit {
            Unit::None => true,
            Unit::Hz => after
                .strip_prefix('H')
                .is_some_and(|z| z.trim_start().starts_with('z')),
            Unit::DB => after.starts_with("dB"),
        };
        if !found.is_empty() && unit_follows {
            return Ok(Some(found));
        }
        let token = rest.split_whitespace().next().unwrap_or_default();
        let what = keys.join(" ");
        wrong.get_or_insert(match (found.is_empty(), unit) {
            (true, _) | (false, Unit::None) => format!("{what}: '{token}' is not a number"),
            (false, Unit::Hz) => format!("{what}: '{found}' is not followed by Hz"),
            (false, Unit::DB) => format!("{what}: '{found}' is not followed by dB"),
        });
    }
    wrong.map_or(Ok(None), Err)
}

/// A shelf's slope right after its type (`LS 12dB`, `HSC 6 dB`).
fn leading_slope(params: &str) -> Option<&str> {
    let rest = params.trim_start();
    let end = rest
        .find(|c: char| !is_number_char(c))
        .unwrap_or(rest.len());
    let (found, after) = rest.split_at(end);
    (!found.is_empty() && after.trim_start().starts_with("dB")).then_some(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn on(params: &str) -> (BandSpec, Vec<String>) {
        match parse_filter(params).unwrap() {
            Filter::On(band, notes) => (band, notes),
            other => panic!("{params}: {other:?}"),
        }
    }

    #[test]
    fn reads_rew_columns_commas_and_the_thousands_separator() {
        let (b, notes) = on(" ON  PK       Fc    50,0 Hz  Gain -10,0 dB  Q  2,50");
        assert_eq!(b, BandSpec::peaking(50.0, -10.0, 2.5));
        assert!(notes.is_empty());
        let (b, notes) = on(" ON  LP       Fc   8.000 Hz");
        assert_eq!((b.kind, b.freq_hz), (FilterKind::LowPass, 8000.0));
        assert!((b.q - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
        assert!(notes[0].contains("read as 8000 Hz"), "{notes:?}");
        assert_eq!(on("ON PK Fc 22.123 Hz Gain 1 dB Q 1").0.freq_hz, 22_123.0);
        assert_eq!(on("ON PK Fc 22.12 Hz Gain 1 dB Q 1").0.freq_hz, 22.12);
        assert_eq!(on("ON PK Fc 1.2345 Hz Gain 1 dB Q 1").0.freq_hz, 1.2345);
        assert_eq!(on("ON PK Fc 1000 Hz Gain 1 dB Q 1").0.freq_hz, 1000.0);
        assert_eq!(on("ON PK Fc 1\u{a0}000 Hz Gain 1 dB Q 1").0.freq_hz, 1000.0);
        // A comma before three digits is the same point to APO.
        assert_eq!(on("ON PK Fc 8,000 Hz Gain 1 dB Q 1").0.freq_hz, 8000.0);
        // REW's modal filter: "100H z" and its T60 target.
        let (b, _) = on(" ON  Modal    Fc     100H z  Gain   3,0 dB  Q  5,41  T60 target   100 ms");
        assert_eq!(b, BandSpec::peaking(100.0, 3.0, 5.41));
    }

    #[test]
    fn defaults_follow_apo() {
        assert_eq!(on("ON NO Fc 800 Hz").0.q, 30.0);
        assert!((on("ON BP Fc 800 Hz").0.q - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
        // A notch and a pass filter have no gain, whatever the line says.
        assert_eq!(on("ON HP Fc 30 Hz Gain 3 dB").0.gain_db, 0.0);
        // Q 0 is no Q.
        assert!(parse_filter("ON PK Fc 100 Hz Gain 1 dB Q 0").is_err());
        assert_eq!(
            parse_filter("ON AP Fc 900 Hz").unwrap_err(),
            "Filter: a AP filter needs Q or BW Oct"
        );
        assert_eq!(
            parse_filter("ON PK Fc 100 Hz Q 1").unwrap_err(),
            "Filter: a PK filter needs Gain"
        );
    }

    #[test]
    fn shelves_take_q_slope_or_apos_default_and_ls_hs_a_corner_frequency() {
        let s09 = q_from_shelf_slope(5.0, 0.9);
        // No Q or slope: S = 0.9 at the centre frequency, LS or LSC alike.
        for ty in ["LS", "LSC"] {
            let (b, notes) = on(&format!("ON {ty} Fc 300 Hz Gain 5 dB"));
            assert_eq!((b.freq_hz, b.q), (300.0, s09));
            assert!(notes.is_empty());
        }
        // LSC with Q: exactly what the profile runs.
        let (b, _) = on("ON LSC Fc 105 Hz Gain 5.5 dB Q 0.71");
        assert_eq!(
            (b.kind, b.freq_hz, b.q),
            (FilterKind::LowShelf, 105.0, 0.71)
        );
        // LS 12dB: S = 1 at a corner frequency, moved up by 10^(5/80) for a 5 dB cut.
        let (b, notes) = on("ON  LS 12dB  Fc   2.000 Hz  Gain  -5,0 dB");
        assert_eq!(b.kind, FilterKind::LowShelf);
        assert!((b.freq_hz - 2000.0 * 10f64.powf(5.0 / 80.0)).abs() < 1e-9);
        assert!((b.q - q_from_shelf_slope(-5.0, 1.0)).abs() < 1e-12);
        assert!(notes.iter().any(|n| n.contains("corner")), "{notes:?}");
        // HS 6dB: S = 0.5, moved down.
        let (b, _) = on("ON  HS 6dB   Fc  12.000 Hz  Gain  10,0 dB");
        assert!((b.freq_hz - 12_000.0 / 10f64.powf(10.0 / 80.0 / 0.5)).abs() < 1e-9);
        // HSC 12dB: S = 1 at the centre.
        let (b, _) = on("ON HSC 12dB Fc 1000 Hz Gain 3 dB");
        assert_eq!(b.freq_hz, 1000.0);
        // A shelf ignores a bandwidth.
        assert_eq!(
            on("ON LSC Fc 100 Hz Gain 3 dB BW Oct 2").0.q,
            q_from_shelf_slope(3.0, 0.9)
        );
    }

    #[test]
    fn what_apo_does_not_run() {
        assert_eq!(parse_filter("OFF PK Fc 1 Hz").unwrap(), Filter::Off);
        assert_eq!(parse_filter(" ON  None   ").unwrap(), Filter::Off);
        assert_eq!(
            parse_filter("ON IIR Order 2 Coefficients 1 0 0 1 0 0").unwrap(),
            Filter::Iir
        );
        let Filter::NotRun(why) = parse_filter("On HSC Fc 11000 Hz Gain -2.5 dB Q 0.71").unwrap()
        else {
            panic!()
        };
        assert!(why.contains("upper-case ON"), "{why}");
        let Filter::NotRun(why) = parse_filter("ON pk Fc 1000 Hz Gain 1 dB Q 1").unwrap() else {
            panic!()
        };
        assert!(why.contains("'PK'"), "{why}");
        assert_eq!(
            parse_filter("ON XX Fc 1 Hz").unwrap_err(),
            "Filter: unknown filter type 'XX'"
        );
        assert!(
            parse_filter("ON PK Gain 1 dB Q 1")
                .unwrap_err()
                .contains("no Fc")
        );
        assert!(
            parse_filter("PK Fc 1 Hz")
                .unwrap_err()
                .contains("expected ON or OFF")
        );
    }

    #[test]
    fn a_bandwidth_is_measured_as_apo_measures_it() {
        let (b, notes) = on("ON PK Fc 321.5 Hz Gain 1 dB BW Oct 1");
        assert!((b.q - std::f64::consts::SQRT_2).abs() < 2e-3, "{}", b.q);
        assert!(notes.is_empty());
        let (b, notes) = on("ON PK Fc 10000 Hz Gain 1 dB BW Oct 1");
        assert!((b.q - 1.026).abs() < 1e-3, "{}", b.q);
        assert!(notes[0].contains("depends on the sample rate"), "{notes:?}");
    }

    #[test]
    fn preamps() {
        assert_eq!(parse_preamp(" -6,5 dB").unwrap(), -6.5);
        assert_eq!(parse_preamp("-3dB").unwrap(), -3.0);
        assert_eq!(parse_preamp(" ").unwrap_err(), "Preamp: no value");
    }
}
