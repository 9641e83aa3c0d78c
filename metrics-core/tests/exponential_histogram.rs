//! `ExponentialHistogram`: every observation in the bucket the Prometheus mapping gives it, the
//! resolution halved to fit `max_buckets`, concurrent threads (past the exclusive slots too)
//! and readers, resets, compact series, and quantiles within the stated relative error of the
//! exact quantiles of the same data.

use metrics_core::{
    ExponentialHistogram, ExponentialReading, Family, LabelSet, LabelValue, Series,
};

static BOUNDS: [f64; 3] = [0.01, 0.1, 1.0];

/// The bucket of `v` at `r`'s schema, found from the bounds alone.
fn bucket_of(r: &ExponentialReading, v: f64) -> i32 {
    let mut index = (v.log2() * 2f64.powi(r.schema)).ceil() as i32;
    while r.bucket_bounds(index).0 >= v {
        index -= 1;
    }
    while r.bucket_bounds(index).1 < v {
        index += 1;
    }
    index
}

/// The reading's positive buckets as `(index, count)`, the empty ones left out.
fn occupied(r: &ExponentialReading) -> Vec<(i32, u64)> {
    (r.positive_offset..)
        .zip(r.positive.iter().copied())
        .filter(|&(_, n)| n > 0)
        .collect()
}

/// What `values` give at `r`'s schema, counted one by one: `(index, count)` and the zero count.
fn expected(r: &ExponentialReading, values: &[f64]) -> (Vec<(i32, u64)>, u64) {
    let mut counts = std::collections::BTreeMap::new();
    let mut zero = 0;
    for &v in values {
        if v <= ExponentialHistogram::ZERO_THRESHOLD {
            zero += 1;
        } else {
            *counts.entry(bucket_of(r, v)).or_insert(0u64) += 1;
        }
    }
    (counts.into_iter().collect(), zero)
}

/// The classic counts of `values` (one per bound of `BOUNDS`, then `+Inf`).
fn classic_of(values: &[f64]) -> Vec<u64> {
    let mut counts = vec![0; BOUNDS.len() + 1];
    for &v in values {
        counts[BOUNDS.partition_point(|&b| b < v)] += 1;
    }
    counts
}

/// The reading agrees with itself: one count for both views, no empty bucket at either end,
/// at most the limit's buckets (72 at schema -4).
fn check_invariants(r: &ExponentialReading, max_buckets: usize) {
    assert_eq!(
        r.count,
        r.zero_count + r.positive.iter().sum::<u64>(),
        "{r:?}"
    );
    assert_eq!(r.count, r.classic.iter().sum::<u64>(), "{r:?}");
    if let (Some(first), Some(last)) = (r.positive.first(), r.positive.last()) {
        assert!(*first > 0 && *last > 0, "{r:?}");
    }
    let limit = if r.schema == -4 {
        max_buckets.max(72)
    } else {
        max_buckets
    };
    assert!(
        r.positive.len() <= limit,
        "{} buckets: {r:?}",
        r.positive.len()
    );
    assert!((-4..=8).contains(&r.schema));
}

#[test]
fn every_observation_is_in_its_bucket() {
    let h = ExponentialHistogram::with_resolution(&BOUNDS, 0, 160);
    for v in [0.0, -0.0, 1e-40, 0.75, 1.0, 1.5, 2.0, 3.0, 1024.0] {
        h.observe(v);
    }
    for v in [f64::NAN, -1.0, f64::INFINITY, f64::NEG_INFINITY] {
        h.observe(v);
    }
    let r = h.snapshot();
    // (0.5, 1]: 0.75 and 1; (1, 2]: 1.5 and 2; (2, 4]: 3; (512, 1024]: 1024.
    assert_eq!(
        (r.schema, r.zero_count, r.positive_offset),
        (0, 3, 0),
        "0, -0 and 1e-40 are at most 2^-128"
    );
    assert_eq!(r.positive, [2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(r.zero_threshold, 2f64.powi(-128));
    assert_eq!((r.count, r.sum, r.dropped), (9, 1032.25, 4));
    assert_eq!(r.bounds, BOUNDS);
    assert_eq!(r.classic, [3, 0, 2, 4]);
    assert_eq!(h.dropped(), 4);
}

#[test]
fn resolution_is_halved_to_the_finest_that_fits() {
    let values: Vec<f64> = (0..400).map(|i| 1.0 + f64::from(i) * 0.0125).collect();
    for max_buckets in [1, 4, 10, 160] {
        let h = ExponentialHistogram::with_resolution(&BOUNDS, 8, max_buckets);
        for &v in &values {
            h.observe(v);
        }
        let r = h.snapshot();
        check_invariants(&r, max_buckets);
        let (counts, zero) = expected(&r, &values);
        assert_eq!(
            (occupied(&r), r.zero_count),
            (counts, zero),
            "{max_buckets}"
        );
        // One schema finer would need more buckets than the limit: 1 to 5.9875.
        let finer = ExponentialReading {
            schema: r.schema + 1,
            ..r.clone()
        };
        let span = bucket_of(&finer, 5.9875) - bucket_of(&finer, 1.0) + 1;
        assert!(
            span as usize > max_buckets,
            "{max_buckets}: schema {}",
            r.schema
        );
    }
    // A limit of 1 on observations from 2^-100 to 2^100: schema -4, buckets -6 to 7 of 2^16.
    let h = ExponentialHistogram::with_resolution(&BOUNDS, 8, 1);
    let values: Vec<f64> = (-100..=100).map(|e| 2f64.powi(e)).collect();
    for &v in &values {
        h.observe(v);
    }
    let r = h.snapshot();
    assert_eq!(
        (r.schema, r.positive_offset, r.positive.len()),
        (-4, -6, 14)
    );
    assert_eq!(occupied(&r), expected(&r, &values).0);
    // Every positive f64 above the zero threshold fits in 72 buckets at schema -4.
    for v in [f64::MAX, f64::MIN_POSITIVE, 3e-39] {
        h.observe(v);
    }
    let r = h.snapshot();
    assert_eq!((r.schema, r.positive.len()), (-4, 72));
    assert_eq!(r.bucket_bounds(r.positive_offset + 71).1, f64::MAX);
}

/// Values whose sums are exact in any order: multiples of 2^-20 below 2^11 (200,000 of them
/// sum below 2^29: 49 bits).
fn spread(thread: u64, n: usize) -> Vec<f64> {
    let mut x = 0x2545_f491_4f6c_dd1d ^ (thread.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Across 21 powers of two, each thread on its own schedule.
            let exponent = (x % 21) as i32 - 10;
            let mantissa = ((x >> 8) % 1024) as f64 / 1024.0 + 1.0;
            mantissa * 2f64.powi(exponent)
        })
        .collect()
}

#[test]
fn threads_past_the_slots_and_a_reader_meanwhile() {
    const THREADS: u64 = 10; // more than the 7 exclusive slots: some record in the shared row
    const EACH: usize = 20_000;
    let h = ExponentialHistogram::with_resolution(&BOUNDS, 8, 40);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..THREADS)
            .map(|t| {
                let h = &h;
                s.spawn(move || {
                    for v in spread(t, EACH) {
                        h.observe(v);
                    }
                })
            })
            .collect();
        s.spawn(|| {
            let mut last = 0;
            let mut readings = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) || readings == 0 {
                let r = h.snapshot();
                check_invariants(&r, 40);
                assert!(
                    r.count >= last,
                    "the count went down: {} then {}",
                    last,
                    r.count
                );
                last = r.count;
                readings += 1;
            }
        });
        for w in writers {
            w.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let values: Vec<f64> = (0..THREADS).flat_map(|t| spread(t, EACH)).collect();
    let r = h.snapshot();
    check_invariants(&r, 40);
    assert_eq!(r.count, THREADS * EACH as u64);
    assert_eq!(occupied(&r), expected(&r, &values).0);
    assert_eq!(r.classic, classic_of(&values));
    assert_eq!(r.sum, values.iter().sum::<f64>());
    // The text formats' view: the same classic buckets and sum.
    let classic = metrics_core::EncodeExponentialHistogram::classic(&h);
    let counts: Vec<u64> = (0..=BOUNDS.len())
        .map(|i| classic.bucket_count(i))
        .collect();
    assert_eq!((counts, classic.sum()), (r.classic.clone(), r.sum));
}

#[test]
fn readers_never_see_a_half_done_relayout() {
    // One writer moving up an octave at a time: its block halves its resolution down to
    // schema -4, then its window moves, while a reader snapshots. Each reading must be exactly
    // the first `count` observations (one writer records in order), at the reading's schema.
    // (On OS threads, where a reading rarely meets a re-layout: `tests/loom_slots.rs` checks
    // every interleaving of one.)
    let values: Vec<f64> = (0..600).map(|i| 1.5 * 2f64.powi(i)).collect();
    for _ in 0..50 {
        let h = ExponentialHistogram::with_resolution(&BOUNDS, 8, 4);
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                for &v in &values {
                    h.observe(v);
                }
                done.store(true, std::sync::atomic::Ordering::Release);
            });
            loop {
                let finished = done.load(std::sync::atomic::Ordering::Acquire);
                let r = h.snapshot();
                check_invariants(&r, 4);
                let seen = &values[..r.count as usize];
                assert_eq!(occupied(&r), expected(&r, seen).0, "after {}", r.count);
                if finished {
                    assert_eq!(r.count, 600);
                    break;
                }
            }
        });
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
enum Route {
    Home,
    Search,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: Route,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct PathLabels {
    path: String,
}

#[test]
fn reset_through_family_remove() {
    let family = Family::<RouteLabels, ExponentialHistogram>::new();
    let home = RouteLabels { route: Route::Home };
    let first = [0.003, 0.2, 0.5, 7.0];
    for v in first {
        family.with(&home).observe(v);
    }
    family
        .with(&RouteLabels {
            route: Route::Search,
        })
        .observe(1.0);
    let before = family.with(&home).snapshot();
    assert_eq!(before.count, 4);
    assert!(family.remove(&home));
    let r = family.with(&home).snapshot();
    assert_eq!((r.count, r.sum, r.zero_count), (0, 0.0, 0));
    assert!(
        r.positive.is_empty() && r.classic.iter().all(|&n| n == 0),
        "{r:?}"
    );
    assert_eq!(r.schema, before.schema, "a reset keeps the resolution");
    // Observed again: only the new ones.
    let second = [0.004, 0.004, 30.0];
    for v in second {
        family.with(&home).observe(v);
    }
    let r = family.with(&home).snapshot();
    check_invariants(&r, 160);
    assert_eq!(occupied(&r), expected(&r, &second).0);
    assert_eq!((r.count, r.sum), (3, 30.008));
    assert_eq!(
        family
            .with(&RouteLabels {
                route: Route::Search
            })
            .snapshot()
            .count,
        1
    );
    // The same through `Series::reset`.
    let h = ExponentialHistogram::new();
    h.observe(1.0);
    h.reset();
    h.observe(2.0);
    assert_eq!(occupied(&h.snapshot()), expected(&h.snapshot(), &[2.0]).0);
}

#[test]
fn compact_series_of_an_open_ended_family() {
    let family = Family::<PathLabels, ExponentialHistogram>::new();
    let values = spread(3, 5_000);
    std::thread::scope(|s| {
        for half in values.chunks(2_500) {
            let family = &family;
            s.spawn(move || {
                for &v in half {
                    family.with(&PathLabels { path: "/a".into() }).observe(v);
                }
            });
        }
    });
    let r = family.with(&PathLabels { path: "/a".into() }).snapshot();
    check_invariants(&r, 160);
    assert_eq!(r.count, 5_000);
    assert_eq!(occupied(&r), expected(&r, &values).0);
    assert_eq!(r.sum, values.iter().sum::<f64>());
}

// ---------------------------------------------------------------------------------------------
// Quantiles against the exact quantiles of the same data.

/// A xorshift generator with uniform and normal draws.
struct Random(u64);

impl Random {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        // 53 random bits in (0, 1).
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Box-Muller.
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// The exact `q`-quantile of sorted `data`: the value of rank `max(1, ⌈q n⌉)`.
fn exact(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank - 1]
}

fn check_quantiles(name: &str, data: Vec<f64>, schema: i8, max_buckets: usize) -> i32 {
    let h = ExponentialHistogram::with_resolution(&BOUNDS, schema, max_buckets);
    for &v in &data {
        h.observe(v);
    }
    let r = h.snapshot();
    check_invariants(&r, max_buckets);
    let mut sorted = data;
    sorted.sort_by(f64::total_cmp);
    let alpha = r.relative_error();
    for q in [0.5, 0.9, 0.99, 0.999] {
        let (estimate, truth) = (r.quantile(q), exact(&sorted, q));
        let error = (estimate - truth).abs() / truth;
        assert!(
            error <= alpha * (1.0 + 1e-9),
            "{name}, q = {q}: {estimate} for {truth}, relative error {error} > {alpha} (schema {})",
            r.schema
        );
    }
    let stats = r.stats();
    let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
    assert!(
        (stats.min - min).abs() <= min * alpha * (1.0 + 1e-9),
        "{name}: min"
    );
    assert!(
        (stats.max - max).abs() <= max * alpha * (1.0 + 1e-9),
        "{name}: max"
    );
    assert_eq!(stats.count, sorted.len() as u64);
    assert_eq!(stats.p99, r.quantile(0.99));
    r.schema
}

#[test]
fn quantiles_within_the_relative_error_of_the_exact_ones() {
    let mut rng = Random(0x853c_49e6_748f_ea9b);
    let n = 200_000;
    // Latencies around 50 ms, a long tail.
    let lognormal: Vec<f64> = (0..n).map(|_| (-3.0 + rng.normal()).exp()).collect();
    // Two modes: cache hits near 1 ms, misses near 200 ms.
    let bimodal: Vec<f64> = (0..n)
        .map(|i| {
            let (center, spread) = if i % 5 == 0 { (0.2, 0.3) } else { (0.001, 0.2) };
            center * (spread * rng.normal()).exp()
        })
        .collect();
    let uniform: Vec<f64> = (0..n).map(|_| 0.001 + 2.0 * rng.uniform()).collect();
    for (name, data) in [
        ("lognormal", lognormal),
        ("bimodal", bimodal),
        ("uniform", uniform),
    ] {
        // The defaults: schema 8 lowered to fit 160 buckets.
        let schema = check_quantiles(name, data.clone(), 8, 160);
        assert!((2..=5).contains(&schema), "{name}: schema {schema}");
        // Coarser buckets: a larger error, still within its bound.
        check_quantiles(name, data.clone(), 0, 160);
        check_quantiles(name, data, 8, 20);
    }
}

#[test]
fn quantile_edges() {
    let h = ExponentialHistogram::new();
    let r = h.snapshot();
    assert!(r.quantile(0.5).is_nan());
    assert_eq!(r.stats().count, 0);
    assert!(r.stats().mean.is_nan() && r.stats().p99.is_nan());
    h.observe(0.0);
    h.observe(0.0);
    h.observe(1.0);
    let r = h.snapshot();
    assert_eq!(r.quantile(-0.1), f64::NEG_INFINITY);
    assert_eq!(r.quantile(1.1), f64::INFINITY);
    assert!(r.quantile(f64::NAN).is_nan());
    assert_eq!(r.quantile(0.0), 0.0);
    assert_eq!(r.quantile(0.66), 0.0, "rank 2 of 3 is in the zero bucket");
    let (lower, upper) = r.bucket_bounds(0);
    assert_eq!(upper, 1.0);
    assert_eq!(r.quantile(0.67), 2.0 / (1.0 / lower + 1.0 / upper));
    // The classic view, as `histogram_quantile` reads it: 3 observations <= 0.005.
    assert_eq!(r.classic_snapshot().quantile(0.5), 0.005 * 1.5 / 2.0);
    assert_eq!(r.classic_snapshot().count, 3);
}
