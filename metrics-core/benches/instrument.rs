//! Overhead of `#[instrument_latency]` per call, 1 thread: a trivial function, bare and
//! instrumented (into the global family, and into a histogram with `histogram = ...`), plus the
//! floors written by hand: two clock reads and one histogram observation, with
//! `std::time::Instant` and with quanta's raw clock, each converted to a `Duration` for
//! `Histogram::observe_duration`. The macro's timer reads quanta's clock (the CPU's time-stamp
//! counter where usable, else the OS monotonic clock) and keeps the duration in ticks up to the
//! histogram (see `metrics-core/src/clock.rs`), which is why it beats the floors written with the
//! public API.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use metrics_core::{instrument_latency, Histogram, MetricSet};

/// Bench metrics.
#[derive(MetricSet)]
#[metric_set(prefix = "bench")]
struct Timed {
    /// Calls.
    call_duration_seconds: Histogram,
}

#[inline(never)]
fn bare(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[inline(never)]
#[instrument_latency]
fn instrumented(x: u64) -> u64 {
    x.wrapping_mul(3)
}

#[inline(never)]
#[instrument_latency]
fn instrumented_result(x: u64) -> Result<u64, u64> {
    if x.is_multiple_of(2) {
        Ok(x)
    } else {
        Err(x)
    }
}

#[inline(never)]
#[instrument_latency(histogram = Timed::global().call_duration_seconds)]
fn instrumented_into_histogram(x: u64) -> u64 {
    x.wrapping_mul(3)
}

fn instrument(c: &mut Criterion) {
    let mut g = c.benchmark_group("instrument_1_thread");
    g.bench_function("bare_fn", |b| b.iter(|| bare(black_box(7))));
    g.bench_function("instrumented_fn", |b| b.iter(|| instrumented(black_box(7))));
    g.bench_function("instrumented_fn_result", |b| {
        b.iter(|| instrumented_result(black_box(8)))
    });
    g.bench_function("instrumented_fn_histogram_expr", |b| {
        b.iter(|| instrumented_into_histogram(black_box(7)))
    });
    let h = Histogram::new();
    g.bench_function("floor_two_instant_now_and_observe", |b| {
        b.iter(|| {
            let start = Instant::now();
            black_box(bare(black_box(7)));
            h.observe_duration(start.elapsed());
        })
    });
    // The public timer: the same clock and tick-domain observation as the attribute.
    g.bench_function("histogram_start_timer_stop", |b| {
        b.iter(|| {
            let t = h.start_timer();
            black_box(bare(black_box(7)));
            t.stop()
        })
    });
    g.bench_function("instant_now", |b| b.iter(Instant::now));
    // The clock instrumented functions read (see `Timer` in src/instrument.rs).
    let clock = quanta::Clock::new();
    g.bench_function("quanta_raw", |b| b.iter(|| clock.raw()));
    g.bench_function("floor_two_quanta_raw_and_observe", |b| {
        b.iter(|| {
            let start = clock.raw();
            black_box(bare(black_box(7)));
            h.observe_duration(clock.delta(start, clock.raw()));
        })
    });
    g.finish();
}

criterion_group!(benches, instrument);
criterion_main!(benches);
