//! Fit time: a 10-band parametric fit, a graphic fit and a Qudelix 5K device fit of a real
//! measurement (Crimson L, REW export) to the Harman in-ear 2019 target at 48 kHz — the
//! figure to track is milliseconds per fit (AutoEQ takes about a second per PEQ fit).
//! Also the least-squares fits outside `iemlab fit`: exporting a parametric profile to the
//! ISO graphic EQ (ten gains), exporting 10 bands to Rockbox's fixed slots (drop and re-set
//! gains, and a refit by the fitter), and importing a `GraphicEQ:` curve (31 gains).

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use iemlab::fit::{CorrectionOptions, EqLayout, correction, fit};
use iemlab::fr::{FrCurve, target};
use iemlab::preset::EqProfile;
use iemlab::preset::export::{self, EXPORT_RATE, approximate::approximate};

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
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let treble = EqProfile::load(&root.join("presets/eq/treble-tame.toml")).unwrap();
    let ten = EqProfile::load(&root.join("presets/eq/bench-10-band.toml")).unwrap();
    let graphic10 = iemlab::preset::device::find("graphic10").unwrap();
    let rockbox = export::find("rockbox").unwrap();
    let curve = root.join("tests/data/presets/Example IEM GraphicEQ.txt");
    group.bench_function("export_graphic10", |b| {
        b.iter(|| approximate(black_box(&treble), graphic10, EXPORT_RATE))
    });
    group.bench_function("export_rockbox", |b| {
        b.iter(|| export::export(black_box(&ten), rockbox, 1.0).unwrap())
    });
    group.bench_function("import_curve", |b| {
        b.iter(|| iemlab::preset::import::import_file(black_box(&curve)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
