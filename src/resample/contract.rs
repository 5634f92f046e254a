//! What both resamplers promise (the block resampler that renders files and the one that
//! plays), tested once and run for each: rates that match pass through, the output has
//! exactly its length, a tone comes out in place, and the block size changes nothing.

/// A stereo resampler as the tests drive it.
pub(super) trait Stream: Sized {
    fn open(from: u32, to: u32) -> Self;
    fn push(&mut self, input: &[f32], out: &mut Vec<f32>);
    fn end(&mut self, out: &mut Vec<f32>);
}

/// A stereo sine at half scale.
pub(super) fn sine(freq: f64, rate: u32, frames: usize) -> Vec<f32> {
    (0..frames)
        .flat_map(|i| {
            let v = (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin() * 0.5;
            [v as f32, v as f32]
        })
        .collect()
}

/// `input` resampled from `from` to `to`, fed `block` frames at a time.
pub(super) fn run<R: Stream>(from: u32, to: u32, input: &[f32], block: usize) -> Vec<f32> {
    let mut r = R::open(from, to);
    let mut out = Vec::new();
    for piece in input.chunks(block * 2) {
        r.push(piece, &mut out);
    }
    r.end(&mut out);
    out
}

pub(super) fn passthrough_when_rates_match<R: Stream>() {
    let input = sine(1000.0, 48000, 1000);
    assert_eq!(run::<R>(48000, 48000, &input, 100), input);
}

pub(super) fn output_length_is_exact<R: Stream>() {
    for (from, to, frames) in [
        (44100, 48000, 44100),
        (48000, 44100, 12345),
        (44100, 192000, 777),
        (96000, 48000, 5),
    ] {
        let out = run::<R>(from, to, &sine(440.0, from, frames), 500);
        let want = (frames as u64 * to as u64 + from as u64 / 2) / from as u64;
        assert_eq!(out.len() as u64, want * 2, "{from}->{to} {frames}");
    }
}

pub(super) fn tone_stays_clean_and_in_place<R: Stream>() {
    // A 1 kHz tone resampled 44.1 → 48 kHz must equal a 1 kHz tone generated at 48 kHz,
    // sample for sample (delay removed), away from the edges.
    let out = run::<R>(44100, 48000, &sine(1000.0, 44100, 44100), 1000);
    let want = sine(1000.0, 48000, 48000);
    let (mut err, mut sig) = (0.0f64, 0.0f64);
    for i in (4000..44000).map(|f| f * 2) {
        err += f64::from(out[i] - want[i]).powi(2);
        sig += f64::from(want[i]).powi(2);
    }
    let snr = 10.0 * (sig / err).log10();
    assert!(snr > 120.0, "SNR {snr:.1} dB");
}

pub(super) fn block_size_does_not_change_output<R: Stream>() {
    let input = sine(3000.0, 48000, 10000);
    let a = run::<R>(48000, 44100, &input, 64);
    let b = run::<R>(48000, 44100, &input, 4096);
    assert_eq!(a, b);
}
