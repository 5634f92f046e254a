//! Fit time: a 10-band parametric fit, a graphic fit and a Qudelix 5K device fit of a real
//! measurement (Crimson L, REW export) to the Harman in-ear 2019 target at 48 kHz — the
//! figure to track is milliseconds per fit (AutoEQ takes about a second per PEQ fit).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use iemlab::fit::{CorrectionOptions, EqLayout, correction, fit};
use iemlab::fr::{FrCurve, target};

fn bench(c: &mut Criterion) {
    let measured =
        FrCurve::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fr/Crimson L.txt"))
            .unwrap();
    let harman = target::resolve("harman-ie-2019").unwrap();
    let goal = correction(&measured, &harman, &CorrectionOptions::default()).goal;
    let qudelix = iemlab::preset::device::find("qudelix").unwrap();
    let mut group = c.benchmark_group("fit");
    group.sample_size(20);
    group.bench_function("peq10", |b| {
        b.iter(|| fit(black_box(&goal), EqLayout::Parametric(10), 48_000, "b").unwrap())
    });
    group.bench_function("graphic10", |b| {
        b.iter(|| fit(black_box(&goal), EqLayout::Graphic, 48_000, "b").unwrap())
    });
    group.bench_function("qudelix", |b| {
        b.iter(|| {
            fit(
                black_box(&goal),
                EqLayout::Device(qudelix, None),
                48_000,
                "b",
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
