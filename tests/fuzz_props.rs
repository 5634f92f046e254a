//! Fuzzing on stable Rust: property tests that feed every parser mutated copies of the real
//! files in the repository (EQ profiles, playlists, FR measurements and targets, imported
//! presets, audio) and check that each load either succeeds with a valid result or fails with
//! an error naming the file; never a panic.
//!
//! Case counts are modest for CI; `PROPTEST_CASES=N` raises them (scripts/fuzz-long runs
//! these same properties for as many minutes as it is given, each run with a new random
//! seed; `PROPTEST_RNG_SEED=N` replays one).

use std::path::{Path, PathBuf};

use iemlab::decode::{AudioFile, decode_all};
use iemlab::fit::{CorrectionOptions, correction};
use iemlab::fr::{FrCurve, LogGrid, Smoothing};
use iemlab::playlist::Playlist;
use iemlab::preset::EqProfile;
use iemlab::preset::import::{import_file, profile_toml};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use crate::harness::mutate::{self, ENCODINGS, Mutation, TOKENS};
use crate::harness::{temp_dir, write_wav_f32};

/// Cases per property unless `PROPTEST_CASES` says otherwise.
fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    // CI replays the same cases every run; scripts/fuzz-long gives each run a new seed.
    let rng_seed = match std::env::var("PROPTEST_RNG_SEED") {
        Ok(_) => ProptestConfig::default().rng_seed,
        Err(_) => RngSeed::Fixed(0x1e4_1ab),
    };
    ProptestConfig {
        cases,
        rng_seed,
        // Every failure found becomes a named regression test instead.
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let tokens = 0..TOKENS.len();
    prop_oneof![
        any::<u16>().prop_map(Mutation::Truncate),
        (any::<u32>(), any::<u8>()).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        (any::<u32>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        (any::<u32>(), 0u16..200).prop_map(|(at, len)| Mutation::DeleteRange { at, len }),
        (any::<u32>(), tokens.clone()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<u32>(), 1u8..4).prop_map(|(line, times)| Mutation::DuplicateLine { line, times }),
        any::<u32>().prop_map(|line| Mutation::DeleteLine { line }),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (any::<u32>(), tokens.clone())
            .prop_map(|(nth, token)| Mutation::ReplaceNumber { nth, token }),
        (any::<u32>(), tokens).prop_map(|(nth, token)| Mutation::ReplaceNumber { nth, token }),
        (0..ENCODINGS.len()).prop_map(|i| Mutation::Encode(ENCODINGS[i])),
        (0u8..3).prop_map(|times| Mutation::Repeat { times }),
    ]
}

/// A seed file of the kind, and up to six mutations of it.
fn mutant(seeds: Vec<PathBuf>) -> impl Strategy<Value = (PathBuf, Vec<Mutation>)> {
    (
        prop::sample::select(seeds),
        prop::collection::vec(mutation(), 1..6),
    )
}

/// Writes the mutated seed into a fresh folder under the seed's extension and returns
/// its path (the folder lives as long as the guard).
fn write_mutant(seed: &Path, mutations: &[Mutation]) -> (tempfile::TempDir, PathBuf) {
    let bytes = mutate::apply(&std::fs::read(seed).unwrap(), mutations);
    let dir = temp_dir();
    let ext = seed
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = dir.path().join(format!("mutant.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// An error message must say which file it is about.
fn names_file(message: &str, path: &Path) -> Result<(), TestCaseError> {
    let name = path.file_name().unwrap().to_string_lossy();
    prop_assert!(
        message.contains(&*name),
        "error does not name {name}: {message}"
    );
    prop_assert!(!message.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(config(96))]

    /// A mutated EQ profile loads into a chain that runs at the rate, or is refused (on
    /// loading, or when the chain is built) naming the file.
    #[test]
    fn fuzz_profile((seed, mutations) in mutant(mutate::profiles()), rate in prop::sample::select(vec![44_100u32, 48_000, 96_000])) {
        let (_dir, path) = write_mutant(&seed, &mutations);
        match EqProfile::load(&path) {
            Ok(profile) => match profile.chain(rate) {
                Ok(_) => {
                    let gain = profile.max_gain_db(rate);
                    prop_assert!(gain.is_some_and(f64::is_finite), "{gain:?}");
                }
                Err(e) => names_file(&e.to_string(), &path)?,
            },
            Err(e) => names_file(&e.to_string(), &path)?,
        }
    }

    /// A mutated playlist loads with entries whose times are finite, or is refused naming
    /// the file.
    #[test]
    fn fuzz_playlist((seed, mutations) in mutant(mutate::playlists()), length in 0.0f64..600.0) {
        let (_dir, path) = write_mutant(&seed, &mutations);
        match Playlist::load(&path) {
            Ok(playlist) => {
                for (_, entry) in playlist.entries() {
                    prop_assert!(entry.cues.iter().all(|c| c.at.is_finite() && c.at >= 0.0));
                    let _ = entry.display_name();
                }
                let durations = vec![Some(length); playlist.len()];
                let _ = playlist.check_times(&durations);
            }
            Err(e) => names_file(&e.to_string(), &path)?,
        }
    }

    /// A mutated FR file parses into a curve with finite, rising points, which the fit's
    /// preparation (grid, smoothing, levelling) turns into finite numbers; or is refused
    /// naming the file.
    #[test]
    fn fuzz_fr_file((seed, mutations) in mutant(mutate::fr_files())) {
        let (_dir, path) = write_mutant(&seed, &mutations);
        match FrCurve::load(&path) {
            Ok(curve) => {
                prop_assert_eq!(curve.freqs_hz.len(), curve.db.len());
                prop_assert!(curve.freqs_hz.len() >= 2);
                prop_assert!(curve.freqs_hz.windows(2).all(|w| w[0] < w[1]));
                prop_assert!(curve.freqs_hz.iter().chain(&curve.db).all(|v| v.is_finite()));
                prop_assert!(curve.freqs_hz[0] > 0.0);
                let grid = LogGrid::STANDARD;
                let on_grid = curve.on_grid(&grid);
                let smoothed = Smoothing::Octave(12).apply(&on_grid);
                prop_assert!(smoothed.db.iter().all(|v| v.is_finite()), "{:?}", &smoothed.db[..4]);
                if let Ok(mean) = iemlab::fr::average(std::slice::from_ref(&curve), &grid, "m") {
                    let c = correction(&mean, &mean, &CorrectionOptions::default());
                    prop_assert!(c.goal.target_db.iter().all(|v| v.is_finite()));
                }
            }
            Err(e) => names_file(&e.to_string(), &path)?,
        }
    }

    /// A mutated preset imports into a profile that reads back identically from the TOML
    /// `import` writes, or is refused naming the file.
    #[test]
    fn fuzz_import((seed, mutations) in mutant(mutate::import_files())) {
        let (_dir, path) = write_mutant(&seed, &mutations);
        match import_file(&path) {
            Ok(imported) => {
                let toml = profile_toml(&imported.profile, &path, imported.format);
                let back = EqProfile::parse(&toml, &path);
                prop_assert_eq!(back.ok(), Some(imported.profile));
            }
            Err(e) => names_file(&e.to_string(), &path)?,
        }
    }
}

proptest! {
    #![proptest_config(config(24))]

    /// A real audio file with a few bytes flipped or overwritten, cut, or with a chunk
    /// removed decodes (around the damage) or fails naming the file.
    #[test]
    fn fuzz_audio_damage(
        seed in prop::sample::select(mutate::audio_files()),
        mutations in prop::collection::vec(prop_oneof![
            (any::<u32>(), any::<u8>()).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
            (any::<u32>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
            (any::<u32>(), 0u16..2000).prop_map(|(at, len)| Mutation::DeleteRange { at, len }),
            any::<u16>().prop_map(Mutation::Truncate),
        ], 1..8),
    ) {
        let (_dir, path) = write_mutant(&seed, &mutations);
        check_decode(&path)?;
    }

    /// Random bytes behind the first bytes of a real file (so the container is recognised
    /// and the parser goes further) decode or fail naming the file.
    #[test]
    fn fuzz_audio_random_body(
        seed in prop::sample::select(mutate::audio_files()),
        keep in 0usize..512,
        body in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let real = std::fs::read(&seed).unwrap();
        let mut bytes = real[..keep.min(real.len())].to_vec();
        bytes.extend(body);
        let dir = temp_dir();
        let ext = seed.extension().unwrap().to_string_lossy().into_owned();
        let path = dir.path().join(format!("mutant.{ext}"));
        std::fs::write(&path, bytes).unwrap();
        check_decode(&path)?;
    }
}

/// Decodes `path` to its end: Ok with whole stereo frames, or an error naming the file.
fn check_decode(path: &Path) -> Result<(), TestCaseError> {
    match decode_all(path) {
        Ok((info, samples)) => {
            prop_assert_eq!(samples.len() % 2, 0);
            prop_assert!(info.sample_rate > 0);
            prop_assert!(samples.iter().all(|s| s.is_finite()), "non-finite sample");
        }
        Err(e) => names_file(&e.to_string(), path)?,
    }
    Ok(())
}

/// Every audio fixture cut at every 1 KB boundary decodes what is there or fails naming the
/// file (the cases a partial download produces).
#[test]
fn audio_fixtures_cut_at_every_kilobyte() {
    let dir = temp_dir();
    let mut runs = 0;
    for seed in mutate::audio_files() {
        let bytes = std::fs::read(&seed).unwrap();
        let name = format!("cut.{}", seed.extension().unwrap().to_string_lossy());
        let path = dir.path().join(&name);
        for cut in (0..bytes.len()).step_by(1024) {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            if let Err(e) = check_decode(&path) {
                panic!("{} cut at {cut}: {e}", seed.display());
            }
            // Seeking in what is left must not panic either.
            if let Ok(mut file) = AudioFile::open(&path) {
                let _ = file.seek(0.05);
                let mut out = Vec::new();
                let _ = file.read(&mut out, 4096);
            }
            runs += 1;
        }
    }
    assert!(runs > 200, "only {runs} cuts");
}

/// Bytes that are no audio format at all, under every audio extension.
#[test]
fn random_bytes_under_audio_names_are_refused_naming_the_file() {
    let dir = temp_dir();
    let mut rng = mutate::Rng(0x5eed);
    for ext in [
        "wav", "flac", "mp3", "m4a", "ogg", "opus", "webm", "mka", "aiff",
    ] {
        for len in [0usize, 1, 4, 12, 44, 100, 4096] {
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            let path = dir.path().join(format!("noise-{len}.{ext}"));
            std::fs::write(&path, bytes).unwrap();
            let err = decode_all(&path).expect_err("noise decoded");
            assert!(
                err.to_string().contains(&format!("noise-{len}.{ext}")),
                "{err}"
            );
        }
    }
}

/// Found by fuzzing: a float WAV whose damaged bytes read as NaN or infinity passed them to
/// the output, where they stick in every filter's state. They decode as silence.
#[test]
fn nan_and_infinite_float_samples_decode_as_silence() {
    let dir = temp_dir();
    let path = dir.path().join("nan.wav");
    write_wav_f32(
        &path,
        48_000,
        &[
            0.5,
            f32::NAN,
            f32::INFINITY,
            -0.25,
            f32::NEG_INFINITY,
            0.125,
        ],
    );
    let (_, samples) = decode_all(&path).unwrap();
    assert_eq!(samples, [0.5, 0.0, 0.0, -0.25, 0.0, 0.125]);
}
