//! Real presets as people publish them (tests/fixtures/presets, with MANIFEST.toml saying
//! what each file holds, read by hand from the file and the program that reads it), and
//! per-channel profiles through every format that exports them.

use std::path::{Path, PathBuf};

use iemlab::dsp::{BandSpec, Channel, FilterKind};
use iemlab::preset::export::{self, DEFAULT_TOLERANCE_DB, FORMATS};
use iemlab::preset::import;
use iemlab::preset::{ChannelEq, EqProfile};
use serde::Deserialize;

use crate::harness::iemlab;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/presets")
}

#[derive(Deserialize)]
struct Manifest {
    preset: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    file: String,
    refuse_line: Option<usize>,
    left: Option<Side>,
    right: Option<Side>,
}

#[derive(Deserialize)]
struct Side {
    preamp_db: f64,
    #[serde(default)]
    bands: Vec<Band>,
    curve: Option<Vec<[f64; 2]>>,
}

#[derive(Deserialize)]
struct Band {
    #[serde(rename = "type")]
    kind: String,
    freq_hz: f64,
    #[serde(default)]
    gain_db: f64,
    q: Option<f64>,
    /// A shelf given by its slope instead of Q.
    s: Option<f64>,
    /// APO's corner-frequency shelf (its dB-slope form).
    #[serde(default)]
    corner: bool,
}

/// The cookbook's shelf Q for slope `s` and gain `db` (RBJ Audio EQ Cookbook), computed here
/// rather than by iemlab.
fn shelf_q(db: f64, s: f64) -> f64 {
    let a = 10f64.powf(db / 40.0);
    1.0 / ((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0).sqrt()
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * (1.0 + b.abs())
}

/// Where the imported `got` differs from what the manifest says `want` is.
fn differences(file: &str, channel: Channel, got: &[BandSpec], want: &[Band]) -> Vec<String> {
    let mut out = Vec::new();
    if got.len() != want.len() {
        out.push(format!(
            "{file} {}: {} bands imported, {} in the file",
            channel.name(),
            got.len(),
            want.len()
        ));
        return out;
    }
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let kind = FilterKind::ALL.into_iter().find(|k| k.name() == w.kind);
        let mut wrong = kind != Some(g.kind) || !close(g.gain_db, w.gain_db, 1e-6);
        if !w.corner {
            wrong |= !close(g.freq_hz, w.freq_hz, 1e-9);
            let q = w.q.or(w.s.map(|s| shelf_q(w.gain_db, s)));
            // The manifest writes Q to four decimals (0.7071 for 1/√2).
            wrong |= q.is_some_and(|q| !close(g.q, q, 1e-4));
        }
        if wrong {
            out.push(format!(
                "{file} {} band {i}: imported {g:?}, the file says {} {} Hz {} dB q {:?} s {:?}",
                channel.name(),
                w.kind,
                w.freq_hz,
                w.gain_db,
                w.q,
                w.s
            ));
        }
    }
    out
}

#[test]
fn every_real_preset_imports_to_what_the_file_says() {
    let text = std::fs::read_to_string(corpus().join("MANIFEST.toml")).unwrap();
    let manifest: Manifest = toml::from_str(&text).unwrap_or_else(|e| panic!("{}", e.message()));
    assert!(manifest.preset.len() >= 40);
    let mut wrong = Vec::new();
    for entry in &manifest.preset {
        let path = corpus().join(&entry.file);
        let result = import::import_file(&path);
        match (entry.refuse_line, result) {
            (Some(line), Ok(_)) => wrong.push(format!(
                "{}: imported, but line {line} holds what a profile cannot",
                entry.file
            )),
            (Some(line), Err(e)) => {
                let message = e.to_string();
                // In an included file, the error names that file's line and then the
                // including line: "(included from …:8)".
                if !message.contains(&format!(":{line}:"))
                    && !message.contains(&format!(":{line})"))
                {
                    wrong.push(format!(
                        "{}: refused, not at line {line}: {message}",
                        entry.file
                    ));
                }
            }
            (None, Err(e)) => wrong.push(format!("{}: refused: {e}", entry.file)),
            (None, Ok(imported)) => {
                let profile = imported.profile;
                let left = entry.left.as_ref().unwrap();
                let right = entry.right.as_ref().unwrap_or(left);
                if entry.right.is_some() != profile.is_per_channel() {
                    wrong.push(format!(
                        "{}: per-channel {}, the file {}",
                        entry.file,
                        profile.is_per_channel(),
                        entry.right.is_some()
                    ));
                }
                for (channel, side) in [(Channel::Left, left), (Channel::Right, right)] {
                    if side.curve.is_some() {
                        // Curves are fitted: checked by the curve test below.
                        continue;
                    }
                    let preamp = profile.channel_preamp_db(channel);
                    if !close(preamp, side.preamp_db, 1e-6) {
                        wrong.push(format!(
                            "{} {}: preamp {preamp} dB, the file says {} dB",
                            entry.file,
                            channel.name(),
                            side.preamp_db
                        ));
                    }
                    wrong.extend(differences(
                        &entry.file,
                        channel,
                        &profile.channel_bands(channel),
                        &side.bands,
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A per-channel profile: a shared cut, then a different correction on each side and a
/// 0.4 dB level difference (a measured unit's imbalance, in short).
fn per_channel() -> EqProfile {
    let shared = BandSpec::peaking(6000.0, -3.0, 4.0);
    EqProfile::split(
        "matched pair",
        [
            ChannelEq {
                gain_db: -4.0,
                bands: vec![
                    shared,
                    BandSpec::peaking(2500.0, 1.5, 2.0),
                    BandSpec {
                        kind: FilterKind::LowShelf,
                        freq_hz: 105.0,
                        gain_db: 3.5,
                        q: 0.7,
                    },
                ],
            },
            ChannelEq {
                gain_db: -4.4,
                bands: vec![shared, BandSpec::peaking(3100.0, -1.25, 3.0)],
            },
        ],
    )
}

#[test]
fn per_channel_profiles_round_trip_byte_for_byte() {
    let per_channel_formats: Vec<&str> = FORMATS
        .iter()
        .filter(|f| f.per_channel())
        .map(|f| f.id)
        .collect();
    assert_eq!(
        per_channel_formats,
        ["apo", "camilladsp", "easyeffects", "csv"]
    );
    let profile = per_channel();
    assert!(profile.is_per_channel());
    let shared = iemlab::preset::EqProfile::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/eq/bass-boost.toml"),
    )
    .unwrap();
    for format in FORMATS.iter().filter(|f| f.per_channel()) {
        for p in [&profile, &shared] {
            let first = export::export(p, format, DEFAULT_TOLERANCE_DB).unwrap();
            let file = format!("{}.{}", p.name, format.extension);
            let back = import::parse(&first.text, Path::new(&file))
                .unwrap_or_else(|e| panic!("{} {}: {e}\n{}", format.id, p.name, first.text))
                .profile;
            assert_eq!(back.is_per_channel(), p.is_per_channel(), "{}", format.id);
            let again = export::export(&back, format, 0.0).unwrap();
            assert_eq!(again.text, first.text, "{} {}", format.id, p.name);
            // What comes back runs what the profile runs, on each channel.
            for channel in Channel::BOTH {
                let (d, at) = export::deviation(
                    &p.channel_profile(channel),
                    &export::approximate(&back.channel_profile(channel), format.device(), 48_000).0,
                    48_000,
                )
                .unwrap();
                assert!(
                    d < 0.01,
                    "{} {}: {d} dB at {at} Hz",
                    format.id,
                    channel.name()
                );
            }
        }
    }
}

#[test]
fn one_eq_formats_refuse_a_per_channel_profile_unless_told_which_channel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pair.toml");
    std::fs::write(&path, per_channel().to_toml(None, None)).unwrap();
    let refused = iemlab()
        .args(["export", path.to_str().unwrap(), "--format", "rockbox"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("rockbox has one EQ for both channels and 'matched pair' is per-channel"),
        "{message}"
    );
    for channel in ["left", "right", "mean"] {
        let out = iemlab()
            .args([
                "export",
                path.to_str().unwrap(),
                "--format",
                "rockbox",
                "--channel",
                channel,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{channel}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("eq low shelf filter"), "{text}");
    }
}

/// One channel through `bands` under `preamp_db`, in f64 from the f32 input: the reference a
/// render is held to (direct form I, every value f64).
fn reference_f64(input: &[f32], preamp_db: f64, bands: &[BandSpec], rate: f64) -> Vec<f64> {
    let mut x: Vec<f64> = input
        .iter()
        .map(|&v| f64::from(v) * 10f64.powf(preamp_db / 20.0))
        .collect();
    for band in bands {
        let c = iemlab::dsp::Coeffs::new(band, rate).unwrap();
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for v in x.iter_mut() {
            let y = c.b0 * *v + c.b1 * x1 + c.b2 * x2 - c.a1 * y1 - c.a2 * y2;
            (x2, x1, y2, y1) = (x1, *v, y1, y);
            *v = y;
        }
    }
    x
}

#[test]
fn a_render_through_a_per_channel_profile_runs_each_channels_own_chain() {
    let dir = tempfile::tempdir().unwrap();
    let profile_path = dir.path().join("pair.toml");
    let profile = per_channel();
    std::fs::write(&profile_path, profile.to_toml(None, None)).unwrap();
    // Different noise on each side, 2 s at 48 kHz, about −10 dBFS.
    let rate = 48_000;
    let mut seed = 0x1234_5678u32;
    let input: Vec<f32> = (0..2 * 2 * rate)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (f64::from(seed) / f64::from(u32::MAX) - 0.5) as f32 * 0.6
        })
        .collect();
    let wav = dir.path().join("in.wav");
    crate::harness::write_wav_f32(&wav, rate as u32, &input);
    let out = dir.path().join("out.wav");
    iemlab()
        .arg("render")
        .arg(&wav)
        .arg("--eq")
        .arg(&profile_path)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let (_, rendered) = crate::harness::read_wav(&out);
    assert_eq!(rendered.len(), input.len());
    for channel in Channel::BOTH {
        let side: Vec<f32> = input
            .iter()
            .skip(channel.index())
            .step_by(2)
            .copied()
            .collect();
        let want = reference_f64(
            &side,
            profile.channel_preamp_db(channel),
            &profile.channel_bands(channel),
            f64::from(rate as u32),
        );
        let got = rendered.iter().skip(channel.index()).step_by(2);
        let (mut err, mut sig) = (0.0f64, 0.0f64);
        for (g, w) in got.zip(&want) {
            err += (f64::from(*g) - w).powi(2);
            sig += w * w;
        }
        let residual_db = 10.0 * (err / sig).log10();
        eprintln!("{}: residual {residual_db:.1} dB", channel.name());
        assert!(
            residual_db < -80.0,
            "{}: residual {residual_db:.1} dB",
            channel.name()
        );
    }
    // The two channels really run different chains.
    let other = reference_f64(
        &input.iter().step_by(2).copied().collect::<Vec<_>>(),
        profile.channel_preamp_db(Channel::Right),
        &profile.channel_bands(Channel::Right),
        48_000.0,
    );
    let left: Vec<f32> = rendered.iter().step_by(2).copied().collect();
    let apart = left
        .iter()
        .zip(&other)
        .map(|(a, b)| (f64::from(*a) - b).abs())
        .fold(0.0, f64::max);
    assert!(apart > 0.01, "{apart}");
}
