#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use super::parse;
use crate::dsp::{BandSpec, FilterKind};
use crate::preset::EqProfile;

/// The profile and notes of config `text`, or the error as `iemlab import` prints it.
fn import(text: &str) -> Result<(EqProfile, Vec<String>), String> {
    parse(text, Path::new("c.yml"), "c").map_err(|e| e.to_string())
}

fn peak(freq_hz: f64, gain_db: f64, q: f64) -> BandSpec {
    BandSpec::peaking(freq_hz, gain_db, q)
}

/// Filters `a` (+3 dB at 100 Hz), `b` (-2 dB at 1 kHz), `c` (+1 dB at 5 kHz) and a -4 dB
/// gain `g`, then `pipeline` (its first line is line 15).
fn config(pipeline: &str) -> String {
    format!(
        "filters:\n  a:\n    type: Biquad\n    parameters: {{ type: Peaking, freq: 100, gain: 3, q: 1 }}\n  \
         b:\n    type: Biquad\n    parameters: {{ type: Peaking, freq: 1000, gain: -2, q: 2 }}\n  \
         c:\n    type: Biquad\n    parameters: {{ type: Peaking, freq: 5000, gain: 1, q: 3 }}\n  \
         g:\n    type: Gain\n    parameters: {{ gain: -4 }}\npipeline:\n{pipeline}"
    )
}

#[test]
fn the_issue_example_imports() {
    let text = "title: HD 600\ndescription: |\n  Oratory1990's preset,\n  by hand.\nfilters:\n  \
        pre:\n    type: Gain\n    parameters: { gain: -6.5, inverted: false }\n  \
        dip:\n    type: Biquad\n    parameters: { type: Peaking, freq: 2500, gain: -3.2, q: 1.41 }\n  \
        bass:\n    type: Biquad\n    parameters: { type: Lowshelf, freq: 105, gain: 5.5, slope: 12 }\n\
        pipeline:\n  - type: Filter\n    channels: [0, 1]\n    names: [pre, bass, dip]\n";
    let (profile, notes) = import(text).unwrap();
    assert!(!profile.is_per_channel());
    assert_eq!(profile.preamp_db, -6.5);
    let bands = profile.bands();
    assert_eq!(bands.len(), 2);
    assert_eq!(
        (bands[0].kind, bands[0].freq_hz, bands[0].gain_db),
        (FilterKind::LowShelf, 105.0, 5.5)
    );
    // 12 dB/octave is the cookbook's S = 1: Q 1/√2 at any gain.
    assert!((bands[0].q - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
    assert_eq!(bands[1], peak(2500.0, -3.2, 1.41));
    let origin = profile.origin.unwrap();
    assert_eq!(origin.band_lines, [14, 11]);
    assert_eq!(origin.preamp_line, 8);
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn each_channel_runs_its_steps_in_every_syntax() {
    // v1/v2: `channel: N`; v3: `channels: [..]`, block or flow; left out: both.
    let v1 = config(
        "  - type: Filter\n    channel: 0\n    names: [g, a, b]\n  \
         - type: Filter\n    channel: 1\n    names: [g, a, c]\n",
    );
    let v3 = config(
        "- type: Filter\n  names: [g, a]\n- type: Filter\n  channels:\n  - 0\n  names: [b]\n\
         - type: Filter\n  channels: [1]\n  names: [c]\n",
    );
    for text in [v1, v3] {
        let (p, notes) = import(&text).unwrap();
        assert!(p.is_per_channel());
        assert_eq!(p.preamp_db, -4.0);
        assert_eq!(p.bands(), [peak(100.0, 3.0, 1.0)]);
        assert_eq!(p.channels[0].bands, [peak(1000.0, -2.0, 2.0)]);
        assert_eq!(p.channels[1].bands, [peak(5000.0, 1.0, 3.0)]);
        assert_eq!(p.channels[1].gain_db, 0.0);
        let origin = p.origin.unwrap();
        assert_eq!(origin.band_lines, [4]);
        assert_eq!(origin.channel_band_lines, [vec![7], vec![10]]);
        assert!(notes.is_empty(), "{notes:?}");
    }
    // The same filters on both: one profile. A gain on one side only: a trim.
    let (p, _) = import(&config("- type: Filter\n  channels: [1]\n  names: [g]\n")).unwrap();
    assert_eq!((p.preamp_db, p.channels[1].gain_db), (0.0, -4.0));
    assert!(p.bands().is_empty());
}

#[test]
fn a_five_point_peq_is_five_bands_and_q_0_turns_one_off() {
    let text = "filters:\n  peq:\n    type: BiquadCombo\n    parameters:\n      type: FivePointPeq\n      \
        fls: 80\n      gls: 4\n      qls: 0.7\n      fp1: 300\n      gp1: -2\n      qp1: 1.5\n      \
        fp2: 1000\n      gp2: 0\n      qp2: 0\n      fp3: 3000\n      gp3: 2.5\n      qp3: 2\n      \
        fhs: 9000\n      ghs: -3\n      qhs: 0.7\npipeline:\n  - type: Filter\n    names: [peq]\n";
    let (p, _) = import(text).unwrap();
    let b = p.bands();
    let kinds: Vec<FilterKind> = b.iter().map(|b| b.kind).collect();
    assert_eq!(
        kinds,
        [
            FilterKind::LowShelf,
            FilterKind::Peaking,
            FilterKind::Peaking,
            FilterKind::HighShelf
        ]
    );
    assert_eq!((b[0].freq_hz, b[0].gain_db, b[0].q), (80.0, 4.0, 0.7));
    assert_eq!(b[2], peak(3000.0, 2.5, 2.0));
    assert_eq!((b[3].freq_hz, b[3].gain_db), (9000.0, -3.0));
    assert_eq!(p.origin.unwrap().band_lines, [6, 9, 15, 18]);
}

#[test]
fn gains_in_db_or_linear_and_polarity() {
    let text = "filters:\n  half:\n    type: Gain\n    parameters: { gain: -0.5, scale: linear }\n  \
        flip:\n    type: Gain\n    parameters: { gain: 0, inverted: true }\npipeline:\n";
    // -0.5 linear is -6.02 dB and inverted; inverted again: the same polarity.
    let (p, notes) = import(&format!(
        "{text}  - type: Filter\n    names: [half, flip]\n"
    ))
    .unwrap();
    assert!((p.preamp_db - 20.0 * 0.5f64.log10()).abs() < 1e-12);
    assert!(notes.is_empty(), "{notes:?}");
    let (_, notes) = import(&format!("{text}  - type: Filter\n    names: [flip]\n")).unwrap();
    assert!(
        notes.iter().any(|n| n.contains("polarity flip both share")),
        "{notes:?}"
    );
    let err = import(&format!(
        "{text}  - type: Filter\n    names: [half]\n  - type: Filter\n    channels: [1]\n    names: [flip]\n"
    ))
    .unwrap_err();
    assert!(
        err.starts_with("c.yml:11: after this step channel 0 is inverted"),
        "{err}"
    );
}

#[test]
fn a_delay_both_channels_share_is_latency_and_one_between_them_is_refused() {
    let text =
        "filters:\n  d:\n    type: Delay\n    parameters: { delay: 2.5, unit: ms }\npipeline:\n";
    let (p, notes) = import(&format!("{text}  - type: Filter\n    names: [d]\n")).unwrap();
    assert!(p.bands().is_empty());
    assert!(
        notes[0].contains("delayed (Delay) by 2.5 ms: latency"),
        "{notes:?}"
    );
    let err = import(&format!(
        "{text}  - type: Filter\n    channels: [0]\n    names: [d]\n"
    ))
    .unwrap_err();
    assert!(
        err.starts_with("c.yml:6: channel 0 is delayed by 2.5 ms"),
        "{err}"
    );
}

const MIXERS: &str = "mixers:\n  same:\n    channels: { in: 2, out: 2 }\n    mapping:\n      \
    - dest: 0\n        sources: [{ channel: 0, gain: 0, inverted: false }]\n      \
    - dest: 1\n        sources:\n          - channel: 1\n  \
    swap:\n    channels: { in: 2, out: 2 }\n    mapping:\n      \
    - { dest: 0, sources: [{ channel: 1 }] }\n      - { dest: 1, sources: [{ channel: 0 }] }\n  \
    wide:\n    channels: { in: 2, out: 4 }\n    mapping: []\n  \
    blend:\n    channels: { in: 2, out: 2 }\n    mapping:\n      \
    - { dest: 0, sources: [{ channel: 0 }, { channel: 1, gain: -6 }] }\n      \
    - { dest: 1, sources: [{ channel: 1 }] }\n";

#[test]
fn an_identity_mixer_is_taken_and_one_that_routes_is_refused_at_its_step() {
    let with = |steps: &str| import(&format!("{}{MIXERS}", config(steps)));
    let (p, notes) =
        with("  - { type: Mixer, name: same }\n  - { type: Filter, names: [a] }\n").unwrap();
    assert_eq!(p.bands(), [peak(100.0, 3.0, 1.0)]);
    assert!(
        notes[0].contains("'same' passes each channel through unchanged"),
        "{notes:?}"
    );
    for (mixer, what) in [
        ("swap", "(line 28) feeds channel 0 from channel 1"),
        ("wide", "makes 4 channels of 2"),
        ("blend", "mixes channels 0 and 1 into channel 0"),
    ] {
        let err = with(&format!(
            "  - type: Filter\n    names: [a]\n  - type: Mixer\n    name: {mixer}\n"
        ))
        .unwrap_err();
        assert!(err.starts_with("c.yml:17: the Mixer step"), "{err}");
        assert!(err.contains(what), "{err}");
    }
}

#[test]
fn without_a_pipeline_the_eq_filters_run_on_both_channels_in_file_order() {
    let text = "filters:\n  g:\n    type: Gain\n    parameters: { gain: -3 }\n  \
        fir:\n    type: Conv\n    parameters: { type: Raw, filename: x.txt }\n  \
        a:\n    type: Biquad\n    parameters: { type: Highpass, freq: 20, q: 0.7 }\n  \
        vol:\n    type: Volume\n    parameters: { fader: Aux1 }\n";
    let (p, notes) = import(text).unwrap();
    assert_eq!(p.preamp_db, -3.0);
    assert_eq!(p.bands().len(), 1);
    assert_eq!(p.bands()[0].kind, FilterKind::HighPass);
    assert!(notes[0].starts_with("no pipeline"), "{notes:?}");
    assert!(
        notes[1].contains("line 5: skipped the filter 'fir', a FIR convolution"),
        "{notes:?}"
    );
    assert!(notes[2].contains("'vol', a volume control"), "{notes:?}");
    // `filters: null` is no filters.
    let (p, _) = import("filters: null\npipeline: []\n").unwrap();
    assert_eq!(
        p,
        EqProfile {
            name: "c".into(),
            ..EqProfile::flat()
        }
    );
}

#[test]
fn filters_the_pipeline_does_not_run_are_noted_and_bypassed_steps_skipped() {
    let (p, notes) = import(&config(
        "  - type: Filter\n    names: [a]\n  - type: Filter\n    bypassed: true\n    names: [b]\n",
    ))
    .unwrap();
    assert_eq!(p.bands(), [peak(100.0, 3.0, 1.0)]);
    assert_eq!(
        notes,
        [
            "line 17: skipped the bypassed Filter step",
            "not in the pipeline, ignored: b, c, g"
        ]
    );
}

#[test]
fn what_a_profile_cannot_hold_is_refused_at_its_pipeline_step() {
    let text = "filters:\n  lp:\n    type: Biquad\n    parameters: { type: LowpassFO, freq: 700 }\n\
        pipeline:\n  - type: Filter\n    channels: [1]\n    names: [lp]\n";
    let err = import(text).unwrap_err();
    assert!(
        err.starts_with("c.yml:6: this Filter step runs 'lp' (line 2), a first-order"),
        "{err}"
    );
    let err = import("processors:\n  comp:\n    type: Compressor\n    parameters: {}\npipeline:\n  - { type: Processor, name: comp }\n").unwrap_err();
    assert!(
        err.starts_with("c.yml:6: the Processor step 'comp' (line 2) compresses"),
        "{err}"
    );
}

#[test]
fn malformed_configs_name_their_line() {
    let cases = [
        (config("  - type: Filter\n    channels: [2]\n    names: [a]\n"), "c.yml:16: channel 2: a stereo pipeline"),
        (config("  - type: Filter\n    names: a\n"), "c.yml:16: `names` must be a list"),
        (config("  - type: Filter\n    names: [a, nope]\n"), "c.yml:16: the pipeline names 'nope'"),
        (config("  - type: Sum\n"), "c.yml:15: a pipeline step of type 'Sum'"),
        (config("  - names: [a]\n"), "c.yml:15: a pipeline step without a type"),
        (config("  - { type: Mixer, name: m }\n"), "c.yml:15: the pipeline names Mixer 'm'"),
        (config("  type: Filter\n"), "c.yml:14: `pipeline` must be a list"),
        (config("  - type: Filter\n    names: [a]\n  - [\n"), "c.yml:18: YAML syntax: "),
        ("filters:\n  a:\n    type: Biquad\n    parameters:\n      type: Peaking\n      freq: x\n      q: 1\n      gain: 2\npipeline:\n  - type: Filter\n    names: [a]\n".into(), "c.yml:6: filters.a.parameters.freq: 'x' is not a number"),
        ("filters:\n  a:\n    type: Biquad\n    parameters: { type: Peaking, freq: 1000, gain: 1 }\npipeline: [{ type: Filter, names: [a] }]\n".into(), "c.yml:4: filters.a.parameters: no q or bandwidth"),
        ("- filters\n".into(), "c.yml:1: a CamillaDSP config is a map"),
        ("devices:\n  capture: { channels: 4 }\nfilters: {}\n".into(), "c.yml:2: devices.capture.channels: '4'"),
        ("filters: {}\n---\npipeline: []\n".into(), "c.yml:2: a second YAML document"),
    ];
    for (text, want) in cases {
        let err = import(&text).unwrap_err();
        assert!(err.starts_with(want), "want {want}\n got {err}\n{text}");
    }
}

#[test]
fn graphic_equalizer_tilt_and_crossover_combos_are_the_bands_camilladsp_builds() {
    let text = "filters:\n  geq:\n    type: BiquadCombo\n    parameters:\n      type: GraphicEqualizer\n      \
        gains: [0, 3, -2]\n  tilt:\n    type: BiquadCombo\n    parameters: { type: Tilt, gain: 4 }\n  \
        lr:\n    type: BiquadCombo\n    parameters: { type: LinkwitzRileyHighpass, freq: 30, order: 4 }\n\
        pipeline:\n  - type: Filter\n    names: [geq, tilt, lr]\n";
    let (p, _) = import(text).unwrap();
    let b = p.bands();
    assert_eq!(b.len(), 6);
    // Three bands share 20 Hz–20 kHz on a log scale; the 0 dB one is left out.
    let octaves = (20_000f32.log2() - 20f32.log2()) / 3.0;
    let centre = 2f32.powf(20f32.log2() + 1.5 * octaves);
    assert_eq!((b[0].freq_hz, b[0].gain_db), (f64::from(centre), 3.0));
    assert!((b[0].freq_hz - 632.5).abs() < 0.1, "{}", b[0].freq_hz);
    assert_eq!(b[1].gain_db, -2.0);
    assert_eq!(b[0].q, b[1].q);
    assert_eq!(
        (b[2].kind, b[2].freq_hz, b[2].gain_db, b[2].q),
        (FilterKind::LowShelf, 110.0, -2.0, 0.35)
    );
    assert_eq!(
        (b[3].kind, b[3].freq_hz, b[3].gain_db),
        (FilterKind::HighShelf, 3500.0, 2.0)
    );
    assert!(
        b[4..]
            .iter()
            .all(|b| b.kind == FilterKind::HighPass && b.freq_hz == 30.0)
    );
    assert!((b[4].q - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-12);
    let odd = "filters:\n  bw:\n    type: BiquadCombo\n    parameters: { type: ButterworthLowpass, freq: 9000, order: 3 }\n\
        pipeline:\n  - type: Filter\n    names: [bw]\n";
    let err = import(odd).unwrap_err();
    assert!(
        err.starts_with("c.yml:6: this Filter step runs 'bw' (line 2), an odd-order"),
        "{err}"
    );
}
