//! Per-call overhead of an instrumented function, ours beside the peers' attribute macros, in
//! one run, 1 thread: the same trivial function bare, with `#[instrument_latency]`, with
//! `#[autometrics]` (its prometheus-client 0.22 backend) and as a method measured by `metered`'s
//! `ResponseTime` (`#[metered(registry = ...)]` impl). `scripts/benchmarks` turns the estimates
//! (group `instrumented_call`) into the "Per-call overhead of instrumented functions" table.
//!
//! Clocks: ours reads quanta's raw clock (the CPU's time-stamp counter where it is invariant;
//! the bench prints which one ran and writes it to `target/tmp/instrument-clock-source`);
//! autometrics and metered read `std::time::Instant` (`clock_gettime` through the vDSO).
//!
//! `cargo bench -p tests --features peers --bench instrument_peers`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

#[inline(never)]
fn bare(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[inline(never)]
#[metrics_core::instrument_latency]
fn ours(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[inline(never)]
#[autometrics::autometrics]
fn with_autometrics(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[derive(Default)]
struct Service {
    metrics: ServiceMetrics,
}

#[metered::metered(registry = ServiceMetrics)]
impl Service {
    #[inline(never)]
    #[measure(metered::ResponseTime)]
    fn with_metered(&self, x: u64) -> u64 {
        x.wrapping_mul(3)
    }
}

fn instrumented_call(c: &mut Criterion) {
    let service = Service::default();
    let mut g = c.benchmark_group("instrumented_call");
    g.bench_function("bare", |b| b.iter(|| bare(black_box(7))));
    g.bench_function("ours", |b| b.iter(|| ours(black_box(7))));
    g.bench_function("autometrics", |b| b.iter(|| with_autometrics(black_box(7))));
    g.bench_function("metered", |b| b.iter(|| service.with_metered(black_box(7))));
    g.finish();
    // Which clock ran, for `scripts/benchmarks`' table.
    let source = metrics_core::FunctionMetrics::clock_source();
    eprintln!("instrument_latency clock: {source}");
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("instrument-clock-source");
    if let Err(e) = std::fs::write(&file, source) {
        eprintln!("could not write {}: {e}", file.display());
    }
    // Every call was recorded.
    assert!(
        service
            .metrics
            .with_metered
            .response_time
            .0
            .histogram()
            .len()
            > 0
    );
}

criterion_group!(benches, instrumented_call);
criterion_main!(benches);
