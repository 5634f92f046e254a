//! Stereo 44.1 → 48 kHz resampling: speed (criterion, 10 s of noise per iteration) and
//! quality (printed once per resampler before timing): THD+N of a 1 kHz tone at −1 dBFS
//! (20 Hz–20 kHz, fundamental notched) and the passband's worst deviation to 20 kHz.
//!
//! Compared: the built-in FFT resampler at several FFT sizes, and rubato 5.1's synchronous
//! FFT resampler (f32 and f64, block sizes and sub-blocks) and asynchronous sinc resampler
//! (sinc length, oversampling, interpolation). Run with `cargo bench --bench resample`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iemlab::resample::{BlockResampler, FftDesign, measure};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, Fft, FixedAsync, FixedSync, Resampler, Sample, SincInterpolationParameters,
    SincInterpolationType, WindowFunction,
};

const FROM: u32 = 44_100;
const TO: u32 = 48_000;
const SECONDS: usize = 10;
/// Frames handed over per call, as the renderer's decoder does.
const PIECE: usize = 4096;

/// A resampler under test: converts a whole interleaved stream.
type Convert = Box<dyn FnMut(&[f32]) -> Vec<f32>>;

fn builtin(design: FftDesign) -> Convert {
    Box::new(move |input| {
        let mut r = BlockResampler::with_design(FROM, TO, &design).unwrap();
        let mut out = Vec::with_capacity(input.len() * 12 / 10 + (1 << 16));
        for piece in input.chunks(PIECE * 2) {
            r.process(piece, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    })
}

/// Runs a rubato resampler over a whole stream, in f32 or f64.
fn rubato_all<T: Sample + From<f32> + Into<f64>>(
    mut r: Box<dyn Resampler<T>>,
    input: &[f32],
) -> Vec<f32> {
    let frames = input.len() / 2;
    let samples: Vec<T> = input.iter().map(|&v| T::from(v)).collect();
    let out_len = r.process_all_needed_output_len(frames);
    let mut out = vec![T::from(0.0); out_len * 2];
    let in_view = InterleavedSlice::new(&samples, 2, frames).unwrap();
    let mut out_view = InterleavedSlice::new_mut(&mut out, 2, out_len).unwrap();
    let (_, produced) = r
        .process_all_into_buffer(&in_view, &mut out_view, frames, None)
        .unwrap();
    out.truncate(produced * 2);
    out.into_iter().map(|v| v.into() as f32).collect()
}

fn rubato_fft<T: Sample + From<f32> + Into<f64>>(chunk: usize, sub_chunks: usize) -> Convert {
    Box::new(move |input| {
        let r = Fft::<T>::new_custom(
            FROM as usize,
            TO as usize,
            chunk,
            sub_chunks,
            2,
            WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .unwrap();
        rubato_all::<T>(Box::new(r), input)
    })
}

fn rubato_sinc(
    sinc_len: usize,
    oversampling: usize,
    interpolation: SincInterpolationType,
) -> Convert {
    Box::new(move |input| {
        let params = SincInterpolationParameters {
            sinc_len,
            f_cutoff: Some(rubato::calculate_cutoff(
                sinc_len,
                WindowFunction::BlackmanHarris2,
            )),
            interpolation,
            oversampling_factor: oversampling,
            window: WindowFunction::BlackmanHarris2,
        };
        let r = Async::<f32>::new_sinc(
            f64::from(TO) / f64::from(FROM),
            1.0,
            &params,
            1024,
            2,
            FixedAsync::Input,
        )
        .unwrap();
        rubato_all::<f32>(Box::new(r), input)
    })
}

fn candidates() -> Vec<(String, Convert)> {
    let mut list: Vec<(String, Convert)> = Vec::new();
    for fft_min in [2048, 4096, 8192, 16384] {
        let design = FftDesign {
            fft_min,
            ..FftDesign::default()
        };
        list.push((format!("iemlab fft {fft_min}"), builtin(design)));
    }
    for (chunk, sub) in [(1024, 1), (4096, 1), (4096, 4), (16384, 4)] {
        list.push((
            format!("rubato Fft f32 {chunk}/{sub}"),
            rubato_fft::<f32>(chunk, sub),
        ));
    }
    list.push(("rubato Fft f64 1024/1".into(), rubato_fft::<f64>(1024, 1)));
    for (len, over, interp, name) in [
        (256, 256, SincInterpolationType::Cubic, "cubic"),
        (256, 128, SincInterpolationType::Quadratic, "quadratic"),
        (128, 256, SincInterpolationType::Linear, "linear"),
    ] {
        list.push((
            format!("rubato sinc {len}×{over} {name}"),
            rubato_sinc(len, over, interp),
        ));
    }
    list
}

/// THD+N (dB) of a 1 kHz tone at −1 dBFS, and the passband's worst deviation (dB).
fn quality(convert: &mut Convert) -> (f64, f64) {
    let input = measure::tone(1000.0, FROM, FROM as usize * 3, -1.0);
    let out = convert(&input);
    let thd_n = measure::thd_n_db(&measure::left(&out), TO, 1000.0);
    let ripple = measure::passband_db(FROM, TO, |i| convert(i))
        .into_iter()
        .fold(0.0f64, |m, g| m.max(g.abs()));
    (thd_n, ripple)
}

fn bench(c: &mut Criterion) {
    let frames = FROM as usize * SECONDS;
    // Deterministic white noise at about −10 dBFS RMS.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<f32> = (0..frames * 2)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            ((seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.6
        })
        .collect();
    let mut group = c.benchmark_group("resample 44.1→48 kHz stereo");
    group.throughput(Throughput::Elements(frames as u64));
    group.sample_size(10);
    for (name, mut convert) in candidates() {
        let (thd_n, ripple) = quality(&mut convert);
        eprintln!("{name}: THD+N {thd_n:.1} dB, passband to 20 kHz within ±{ripple:.4} dB");
        group.bench_function(&name, |b| b.iter(|| black_box(convert(black_box(&noise)))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
