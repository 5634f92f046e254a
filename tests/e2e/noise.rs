//! The test signal: stereo white noise (no two 10 ms blocks alike, so every block can be
//! found in a recording), and WAV files written from and read back to frames.

use std::path::Path;

use super::compare::Frame;

/// The rate every file, server and recorder in these tests runs at.
pub const RATE: u32 = 48_000;

/// Peak of the uniform noise: √3 × 10^(−8/20), an RMS of −8 dBFS with peaks at −3.2 dBFS,
/// so the limiter at 0 dBFS never touches it.
const PEAK: f64 = 0.690;

/// `frames` of uniform white noise, left and right independent; `seed` picks which.
pub fn frames(frames: usize, seed: u64) -> Vec<Frame> {
    let mut state = seed;
    let mut next = || {
        // splitmix64: good enough noise, and the same on every machine.
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        (PEAK * (2.0 * unit - 1.0)) as f32
    };
    (0..frames).map(|_| [next(), next()]).collect()
}

/// Writes `seconds` of noise (see [`frames`]) to `path` as a 32-bit float WAV at 48 kHz, so
/// that what a server records can be compared exactly; returns the frames.
pub fn write(path: &Path, seconds: f64, seed: u64) -> Vec<Frame> {
    let audio = frames((seconds * f64::from(RATE)) as usize, seed);
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for frame in &audio {
        w.write_sample(frame[0]).unwrap();
        w.write_sample(frame[1]).unwrap();
    }
    w.finalize().unwrap();
    audio
}

/// A recorder's stereo WAV (float, or integer as jack_rec writes it) as frames.
pub fn read(path: &Path) -> Result<Vec<Frame>, String> {
    let what = |e: hound::Error| format!("{}: {e}", path.display());
    let mut reader = hound::WavReader::open(path).map_err(what)?;
    let spec = reader.spec();
    if spec.channels != 2 || spec.sample_rate != RATE {
        return Err(format!(
            "{}: {} channels at {} Hz, not 2 at {RATE}",
            path.display(),
            spec.channels,
            spec.sample_rate
        ));
    }
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = 2f64.powi(i32::from(spec.bits_per_sample) - 1);
            reader
                .samples::<i32>()
                .map(|s| s.map(|s| (f64::from(s) / scale) as f32))
                .collect()
        }
    }
    .map_err(what)?;
    Ok(samples.chunks_exact(2).map(|f| [f[0], f[1]]).collect())
}
