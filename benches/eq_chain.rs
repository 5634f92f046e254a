//! EQ kernel speed: ns per stereo frame per stage for a 10-band peaking chain at 48 kHz.
//! Criterion reports time per block of 4096 frames; the figure to track is that time divided
//! by 4096 × 10 (printed at the end as "ns/frame/stage"). Goal: ≤ 1.5 ns on the CI machine.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use iemlab::dsp::{BandSpec, Coeffs, EqChain};

const FRAMES: usize = 4096;

fn chain(stages: usize) -> EqChain {
    let coeffs: Vec<Coeffs> = (0..stages)
        .map(|i| {
            let f = 31.25 * 2f64.powi((i % 10) as i32);
            Coeffs::new(
                &BandSpec::peaking(f, if i % 2 == 0 { 3.0 } else { -2.0 }, 1.41),
                48_000.0,
            )
            .unwrap()
        })
        .collect();
    EqChain::with_stages(48_000.0, -3.0, &coeffs).unwrap()
}

fn signal() -> Vec<f32> {
    let mut seed = 1u32;
    (0..FRAMES * 2)
        .map(|_| {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1 << 24) as f32 - 0.5
        })
        .collect()
}

fn bench_chain(c: &mut Criterion) {
    let mut group = c.benchmark_group("eq_chain");
    for stages in [1usize, 4, 10, 20] {
        group.throughput(Throughput::Elements((FRAMES * stages) as u64));
        group.bench_with_input(
            BenchmarkId::new("stereo_4096_frames", stages),
            &stages,
            |b, &n| {
                let mut eq = chain(n);
                let mut buf = signal();
                b.iter(|| {
                    eq.process_interleaved(&mut buf);
                    std::hint::black_box(&buf);
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_chain);
criterion_main!(benches);
