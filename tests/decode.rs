//! Decoding every supported format from the tiny fixtures in tests/data (made by
//! scripts/make-fixtures.sh): rate, length, content and channel order; damaged files; seeking.

use std::path::{Path, PathBuf};

use iemlab::decode::{AudioFile, DecodeError, decode_all};

/// One fixture and what it must decode to.
struct Fixture {
    file: &'static str,
    rate: u32,
    channels: usize,
    frames: usize,
    /// Extra frames allowed: formats whose container does not carry the encoder's delay and
    /// padding in a form symphonia applies (AAC in MP4: 1024 priming + padding; Opus in WebM:
    /// end padding up to one Opus frame).
    slack: usize,
    codec: &'static str,
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        file: "s16-44k.wav",
        rate: 44_100,
        channels: 2,
        frames: 8_820,
        slack: 0,
        codec: "pcm_s16le",
    },
    Fixture {
        file: "s24-96k.wav",
        rate: 96_000,
        channels: 2,
        frames: 4_800,
        slack: 0,
        codec: "pcm_s24le",
    },
    Fixture {
        file: "s32-48k.wav",
        rate: 48_000,
        channels: 2,
        frames: 2_400,
        slack: 0,
        codec: "pcm_s32le",
    },
    Fixture {
        file: "f32-192k.wav",
        rate: 192_000,
        channels: 2,
        frames: 3_840,
        slack: 0,
        codec: "pcm_f32le",
    },
    Fixture {
        file: "mono-44k.wav",
        rate: 44_100,
        channels: 1,
        frames: 8_820,
        slack: 0,
        codec: "pcm_s16le",
    },
    Fixture {
        file: "surround-5.1-48k.wav",
        rate: 48_000,
        channels: 6,
        frames: 2_400,
        slack: 0,
        codec: "pcm_s16le",
    },
    Fixture {
        file: "s16-44k.aiff",
        rate: 44_100,
        channels: 2,
        frames: 4_410,
        slack: 0,
        codec: "pcm_s16be",
    },
    Fixture {
        file: "s16-44k.flac",
        rate: 44_100,
        channels: 2,
        frames: 22_050,
        slack: 0,
        codec: "flac",
    },
    Fixture {
        file: "s24-96k.flac",
        rate: 96_000,
        channels: 2,
        frames: 4_800,
        slack: 0,
        codec: "flac",
    },
    Fixture {
        file: "alac-44k.m4a",
        rate: 44_100,
        channels: 2,
        frames: 22_050,
        slack: 0,
        codec: "alac",
    },
    Fixture {
        file: "aac-44k.m4a",
        rate: 44_100,
        channels: 2,
        frames: 22_050,
        slack: 2_112 + 1_024,
        codec: "aac",
    },
    Fixture {
        file: "mp3-44k.mp3",
        rate: 44_100,
        channels: 2,
        frames: 22_050,
        slack: 0,
        codec: "mp3",
    },
    Fixture {
        file: "vorbis-44k.ogg",
        rate: 44_100,
        channels: 2,
        frames: 22_050,
        slack: 0,
        codec: "vorbis",
    },
    Fixture {
        file: "opus-48k.opus",
        rate: 48_000,
        channels: 2,
        frames: 24_000,
        slack: 0,
        codec: "opus",
    },
    Fixture {
        file: "opus-48k.ogg",
        rate: 48_000,
        channels: 2,
        frames: 24_000,
        slack: 0,
        codec: "opus",
    },
    Fixture {
        file: "opus-48k.webm",
        rate: 48_000,
        channels: 2,
        frames: 24_000,
        slack: 960,
        codec: "opus",
    },
];

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file)
}

/// Frequency of one channel from the spacing of its upward zero crossings.
fn frequency(samples: &[f32], channel: usize, rate: u32) -> f64 {
    let all: Vec<f32> = samples.iter().skip(channel).step_by(2).copied().collect();
    // Skip the edges, where lossy codecs put their priming and fades.
    let ch = &all[all.len() / 10..all.len() * 9 / 10];
    let ups: Vec<usize> = (1..ch.len())
        .filter(|&i| ch[i - 1] < 0.0 && ch[i] >= 0.0)
        .collect();
    match (ups.first(), ups.last()) {
        (Some(a), Some(b)) if b > a => (ups.len() - 1) as f64 * f64::from(rate) / (b - a) as f64,
        _ => 0.0,
    }
}

fn rms(samples: &[f32], channel: usize) -> f64 {
    let ch: Vec<f64> = samples
        .iter()
        .skip(channel)
        .step_by(2)
        .map(|v| f64::from(*v))
        .collect();
    (ch.iter().map(|v| v * v).sum::<f64>() / ch.len() as f64).sqrt()
}

#[test]
fn every_fixture_decodes_with_known_rate_length_and_content() {
    for f in FIXTURES {
        let (info, samples) = decode_all(&data(f.file)).unwrap_or_else(|e| panic!("{e}"));
        let frames = samples.len() / 2;
        assert_eq!(info.sample_rate, f.rate, "{}", f.file);
        assert_eq!(info.source_channels, f.channels, "{}", f.file);
        assert_eq!(info.codec, f.codec, "{}", f.file);
        assert!(
            frames >= f.frames && frames <= f.frames + f.slack,
            "{}: {frames} frames, expected {} (+{})",
            f.file,
            f.frames,
            f.slack
        );
        match f.channels {
            // A 440 Hz tone at -6 dBFS: RMS 0.354, on both sides.
            1 => {
                assert!(
                    (frequency(&samples, 1, f.rate) - 440.0).abs() < 15.0,
                    "{}",
                    f.file
                );
                assert_eq!(samples[100], samples[101]);
            }
            // 440 Hz left, 1 kHz right: checks content and channel order.
            2 => {
                assert!(
                    (frequency(&samples, 0, f.rate) - 440.0).abs() < 15.0,
                    "{} left",
                    f.file
                );
                assert!(
                    (frequency(&samples, 1, f.rate) - 1000.0).abs() < 25.0,
                    "{} right",
                    f.file
                );
            }
            // 5.1 with tones at 1/8 full scale per channel: BS.775 gives
            // 0.088 · √(1 + ½ + ½) / (1 + √2) ≈ 0.052 on each side.
            _ => {
                assert!((rms(&samples, 0) - 0.052).abs() < 0.003, "{}", f.file);
                assert!((rms(&samples, 1) - 0.052).abs() < 0.003, "{}", f.file);
            }
        }
        let level = rms(&samples, 0);
        assert!(level > 0.03 && level < 0.4, "{}: rms {level}", f.file);
    }
}

#[test]
fn lossless_formats_decode_to_the_same_samples() {
    let (_, wav) = decode_all(&data("s24-96k.wav")).unwrap();
    let (_, flac) = decode_all(&data("s24-96k.flac")).unwrap();
    assert_eq!(flac, wav);
}

/// Outcome of decoding a damaged file: an error naming it, or audio with a count of
/// skipped packets. Never a panic.
fn decode_damaged(path: &Path) -> Result<(usize, u64), String> {
    let p = path.to_path_buf();
    let outcome = std::panic::catch_unwind(move || -> Result<(usize, u64), DecodeError> {
        let mut file = AudioFile::open(&p)?;
        let mut out = Vec::new();
        while file.read(&mut out, 4096)? > 0 {}
        Ok((out.len() / 2, file.skipped_packets()))
    });
    match outcome {
        Err(_) => panic!("{}: decoder panicked", path.display()),
        Ok(result) => result.map_err(|e| e.to_string()),
    }
}

#[test]
fn truncated_and_bit_flipped_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    for f in FIXTURES {
        let bytes = std::fs::read(data(f.file)).unwrap();
        let name = f.file.replace('.', "-damaged.");
        let damaged = dir.path().join(&name);
        let cuts = [1024, bytes.len() / 2, bytes.len() - 7];
        for cut in cuts {
            std::fs::write(&damaged, &bytes[..cut.min(bytes.len())]).unwrap();
            match decode_damaged(&damaged) {
                Ok((frames, _)) => assert!(frames <= f.frames + f.slack, "{name} cut at {cut}"),
                Err(message) => assert!(message.contains(&name), "{message}"),
            }
        }
        // Truncated at half: what is there still plays (when half holds at least one packet).
        std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
        if let (Ok((frames, _)), true) = (decode_damaged(&damaged), bytes.len() > 12_000) {
            assert!(frames > 0, "{name}: nothing decoded from half a file");
        }
        // Flip every 97th byte in the second half (the headers survive, the audio does not).
        let mut flipped = bytes.clone();
        for i in (bytes.len() / 2..bytes.len()).step_by(97) {
            flipped[i] ^= 0x5A;
        }
        std::fs::write(&damaged, &flipped).unwrap();
        match decode_damaged(&damaged) {
            Ok((frames, _)) => assert!(
                frames > 0 || bytes.len() < 12_000,
                "{name}: flipped file decoded nothing"
            ),
            Err(message) => assert!(message.contains(&name), "{message}"),
        }
    }
}

#[test]
fn compressed_formats_count_corrupt_packets() {
    // Damage in the middle of a FLAC stream is caught by its CRCs: those frames are skipped,
    // counted and replaced by silence, so the rest plays at its true time.
    let bytes = std::fs::read(data("s16-44k.flac")).unwrap();
    let mut flipped = bytes.clone();
    for i in (bytes.len() / 2..bytes.len() / 2 + 200).step_by(13) {
        flipped[i] ^= 0xFF;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flipped.flac");
    std::fs::write(&path, &flipped).unwrap();
    let (frames, skipped) = decode_damaged(&path).unwrap();
    assert!(skipped > 0, "no packet counted as skipped");
    assert_eq!(frames, 22_050);
}

#[test]
fn unreadable_files_are_errors_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.flac");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("readme.mp3");
    std::fs::write(&text, "not audio at all\n".repeat(50)).unwrap();
    for path in [
        empty,
        text,
        dir.path().join("missing.wav"),
        dir.path().to_path_buf(),
    ] {
        let err = AudioFile::open(&path).expect_err("should not open");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(err.to_string().contains(&name), "{err}");
    }
}

#[test]
fn seeking_is_sample_accurate() {
    for (file, at) in [
        ("s16-44k.wav", 0.0731),
        ("s24-96k.flac", 0.0234),
        ("s16-44k.flac", 0.3),
        ("alac-44k.m4a", 0.25),
        ("s16-44k.aiff", 0.05),
        ("mp3-44k.mp3", 0.2),
        ("vorbis-44k.ogg", 0.2),
        ("opus-48k.opus", 0.2),
    ] {
        let (info, full) = decode_all(&data(file)).unwrap();
        let mut f = AudioFile::open(&data(file)).unwrap();
        let target = f.seek(at).unwrap();
        assert_eq!(target, (at * f64::from(info.sample_rate)).round() as u64);
        assert_eq!(f.position(), target);
        let mut out = Vec::new();
        while f.read(&mut out, 4096).unwrap() > 0 {}
        let start = target as usize * 2;
        assert_eq!(out.len(), full.len() - start, "{file}: length after seek");
        // Lossless formats must match bit for bit. Lossy decoders restart from a reset state at
        // the seek point, so their first few milliseconds differ slightly; check alignment by
        // correlation instead of equality.
        let lossless = !["mp3", "ogg", "opus"].iter().any(|e| file.ends_with(e));
        if lossless {
            assert_eq!(out, full[start..], "{file}");
        } else {
            let tail = 2 * 2000.min(out.len() / 2 - 1);
            let err: f64 = out[out.len() - tail..]
                .iter()
                .zip(&full[full.len() - tail..])
                .map(|(a, b)| f64::from(a - b).powi(2))
                .sum::<f64>()
                / tail as f64;
            assert!(err < 1e-4, "{file}: misaligned after seek (mse {err})");
        }
    }
}

#[test]
fn seeking_past_the_end_is_an_error() {
    let mut f = AudioFile::open(&data("s16-44k.flac")).unwrap();
    let err = f.seek(10.0).unwrap_err().to_string();
    assert!(
        err.contains("s16-44k.flac") && err.contains("00:10.000"),
        "{err}"
    );
}
