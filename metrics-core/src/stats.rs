//! Statistics computed in the process from a histogram's buckets: quantiles as PromQL's
//! `histogram_quantile` computes them from classic buckets, and [`LatencyStats`].

use std::cmp::Ordering;

/// Count, mean, range, quantiles and spread of the observations of a histogram, computed in the
/// process from one reading of its buckets:
/// [`HistogramSnapshot::stats`](crate::HistogramSnapshot::stats) and
/// [`ExponentialReading::stats`](crate::ExponentialReading::stats).
///
/// `count` and `mean` are exact (the sum over the count). The rest are estimates from the
/// buckets, since a histogram keeps no observation: the quantiles as each type's `quantile`
/// computes them, `min`, `max` and `stddev` as each `stats` documents. Tracking the exact
/// minimum and maximum would cost every observation a compare and a store per extreme: a
/// quarter more time for the classic histogram's `observe`, measured, for figures a bucket
/// already bounds.
///
/// Every field but `count` is `NaN` when there is no observation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencyStats {
    /// The number of observations.
    pub count: u64,
    /// Their mean: the sum over the count.
    pub mean: f64,
    /// The smallest observation, estimated.
    pub min: f64,
    /// The largest observation, estimated.
    pub max: f64,
    /// The median, estimated.
    pub p50: f64,
    /// The 0.9-quantile, estimated.
    pub p90: f64,
    /// The 0.95-quantile, estimated.
    pub p95: f64,
    /// The 0.99-quantile, estimated.
    pub p99: f64,
    /// The population standard deviation, estimated.
    pub stddev: f64,
}

impl LatencyStats {
    /// The statistics of no observation: `count` 0, every other field `NaN`.
    pub(crate) const EMPTY: Self = Self {
        count: 0,
        mean: f64::NAN,
        min: f64::NAN,
        max: f64::NAN,
        p50: f64::NAN,
        p90: f64::NAN,
        p95: f64::NAN,
        p99: f64::NAN,
        stddev: f64::NAN,
    };
}

/// The relative difference below which `histogram_quantile` takes two cumulative counts as
/// equal: a floating-point artifact rather than a decrease (`smallDeltaTolerance`).
const SMALL_DELTA_TOLERANCE: f64 = 1e-12;

/// The `q`-quantile of classic histogram buckets, `(upper bound, cumulative count)` in any
/// order, exactly as Prometheus's `histogram_quantile` computes it (`BucketQuantile` in
/// `promql/quantile.go`):
///
/// - `q` `NaN` gives `NaN`, `q < 0` gives `-Inf`, `q > 1` gives `+Inf`, before anything else;
/// - the buckets are sorted by bound; without a `+Inf` bucket the answer is `NaN`; buckets of
///   equal bounds are merged (their counts added);
/// - a cumulative count below the one before it is raised to it (monotonicity), and one that
///   differs from it by a relative `1e-12` or less is set to it (a floating-point artifact);
/// - fewer than two buckets, or no observation, gives `NaN`;
/// - the rank `q × count` is looked up among the finite buckets: in the `+Inf` bucket the
///   answer is the highest finite bound; in the first bucket with a bound `<= 0`, that bound;
///   else it is interpolated linearly within the bucket, the first bucket starting at 0.
pub(crate) fn bucket_quantile(q: f64, buckets: &mut Vec<(f64, f64)>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    // Go's comparison, under which -0 and 0 are equal (and merged below).
    buckets.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));
    match buckets.last() {
        Some(&(bound, _)) if bound == f64::INFINITY => {}
        _ => return f64::NAN,
    }
    coalesce(buckets);
    ensure_monotonic(buckets);
    if buckets.len() < 2 {
        return f64::NAN;
    }
    let observations = buckets[buckets.len() - 1].1;
    if observations == 0.0 {
        return f64::NAN;
    }
    let rank = q * observations;
    let finite = buckets.len() - 1;
    let b = buckets[..finite].partition_point(|&(_, count)| count < rank);
    if b == finite {
        return buckets[finite - 1].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let (end, mut count) = buckets[b];
    let mut rank = rank;
    let mut start = 0.0;
    if b > 0 {
        start = buckets[b - 1].0;
        count -= buckets[b - 1].1;
        rank -= buckets[b - 1].1;
    }
    start + (end - start) * (rank / count)
}

/// Merges adjacent buckets of equal bounds, adding their counts (`coalesceBuckets`).
fn coalesce(buckets: &mut Vec<(f64, f64)>) {
    buckets.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1 += next.1;
        }
        same
    });
}

/// Removes decreases of the cumulative counts and differences within
/// [`SMALL_DELTA_TOLERANCE`] (`ensureMonotonicAndIgnoreSmallDeltas`): a count is set to the
/// last count kept, which moves only on a real increase.
fn ensure_monotonic(buckets: &mut [(f64, f64)]) {
    let Some(&(_, mut previous)) = buckets.first() else {
        return;
    };
    for bucket in &mut buckets[1..] {
        let current = bucket.1;
        if current == previous {
            continue;
        }
        if almost_equal(previous, current, SMALL_DELTA_TOLERANCE) || current < previous {
            bucket.1 = previous;
            continue;
        }
        previous = current;
    }
}

/// Whether `a` and `b` differ by less than their magnitude times `epsilon` (Prometheus's
/// `almost.Equal`, without its stale-marker case: these are counts).
fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < epsilon * f64::MIN_POSITIVE;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

/// The population standard deviation of observations known only by bucket: each bucket's
/// count taken at one representative value, `(value, count)`, about the exact `mean`.
pub(crate) fn bucket_stddev(mean: f64, buckets: impl Iterator<Item = (f64, u64)>) -> f64 {
    let mut n = 0u64;
    let mut squares = 0.0;
    for (value, count) in buckets.filter(|&(_, count)| count > 0) {
        n += count;
        #[allow(clippy::cast_precision_loss)]
        let weight = count as f64;
        squares += weight * (value - mean) * (value - mean);
    }
    if n == 0 {
        return f64::NAN;
    }
    #[allow(clippy::cast_precision_loss)]
    let n = n as f64;
    (squares / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantile(q: f64, buckets: &[(f64, f64)]) -> f64 {
        bucket_quantile(q, &mut buckets.to_vec())
    }

    const INF: f64 = f64::INFINITY;

    #[test]
    fn edge_rules_of_histogram_quantile() {
        let b = [(1.0, 10.0), (2.0, 20.0), (INF, 30.0)];
        assert!(quantile(f64::NAN, &b).is_nan());
        assert_eq!(quantile(-0.5, &b), f64::NEG_INFINITY);
        assert_eq!(quantile(1.5, &b), INF);
        // q < 0 wins even over an empty histogram, as in Prometheus.
        assert_eq!(quantile(-1.0, &[(1.0, 0.0), (INF, 0.0)]), f64::NEG_INFINITY);
        assert!(quantile(0.5, &[(1.0, 0.0), (INF, 0.0)]).is_nan());
        assert!(quantile(0.5, &[(1.0, 1.0), (2.0, 2.0)]).is_nan(), "no +Inf");
        assert!(quantile(0.5, &[(INF, 5.0)]).is_nan(), "one bucket");
        assert!(quantile(0.5, &[]).is_nan());
        // Linear within the bucket, the first from 0.
        assert_eq!(quantile(0.25, &b), 0.75);
        assert_eq!(quantile(0.5, &b), 1.5);
        // A rank in +Inf: the highest finite bound.
        assert_eq!(quantile(0.9, &b), 2.0);
        assert_eq!(quantile(1.0, &b), 2.0);
        // q = 0 with an empty first bucket: 0 / 0, as Prometheus computes it.
        assert!(quantile(0.0, &[(1.0, 0.0), (2.0, 3.0), (INF, 3.0)]).is_nan());
        assert_eq!(quantile(0.0, &b), 0.0);
        // A first bound <= 0 is the answer for ranks in it.
        assert_eq!(quantile(0.1, &[(0.0, 5.0), (1.0, 10.0), (INF, 10.0)]), 0.0);
        assert_eq!(
            quantile(0.1, &[(-1.0, 5.0), (1.0, 10.0), (INF, 10.0)]),
            -1.0
        );
        // A negative lower bound is interpolated from.
        assert_eq!(
            quantile(0.75, &[(-1.0, 5.0), (1.0, 10.0), (INF, 10.0)]),
            0.0
        );
    }

    #[test]
    fn unsorted_duplicated_and_decreasing_buckets_are_fixed_as_prometheus_does() {
        // Sorted by bound first.
        assert_eq!(quantile(0.5, &[(INF, 30.0), (2.0, 20.0), (1.0, 10.0)]), 1.5);
        // Equal bounds merged, their counts added (as when two series share an `le`).
        assert_eq!(
            quantile(0.5, &[(1.0, 5.0), (1.0, 5.0), (2.0, 20.0), (INF, 30.0)]),
            1.5
        );
        // A decrease is raised to the count before it: 2.0 counts 10, not 5.
        assert_eq!(
            quantile(0.5, &[(1.0, 10.0), (2.0, 5.0), (3.0, 30.0), (INF, 30.0)]),
            2.25
        );
        // A difference of a relative 1e-12 or less is ignored, in either direction.
        let almost = 10.0 * (1.0 + 1e-13);
        assert_eq!(
            quantile(0.5, &[(1.0, 10.0), (2.0, almost), (3.0, 30.0), (INF, 30.0)]),
            2.25
        );
        let mut b = vec![(1.0, 10.0), (2.0, almost), (INF, 30.0)];
        ensure_monotonic(&mut b);
        assert_eq!(b, [(1.0, 10.0), (2.0, 10.0), (INF, 30.0)]);
        // A larger difference is real.
        let mut b = vec![(1.0, 10.0), (2.0, 10.001), (INF, 30.0)];
        ensure_monotonic(&mut b);
        assert_eq!(b[1].1, 10.001);
    }

    #[test]
    fn almost_equal_follows_prometheus() {
        assert!(almost_equal(f64::NAN, f64::NAN, 1e-12));
        assert!(almost_equal(1e12, 1e12 + 1.0, 1e-12));
        assert!(!almost_equal(1e11, 1e11 + 1.0, 1e-12));
        assert!(!almost_equal(0.0, 1e-300, 1e-12));
        assert!(almost_equal(0.0, 0.0, 1e-12));
    }

    #[test]
    fn stddev_of_bucket_values() {
        // Two at 1, two at 3: mean 2, every deviation 1.
        assert_eq!(
            bucket_stddev(2.0, [(1.0, 2), (3.0, 2), (9.0, 0)].into_iter()),
            1.0
        );
        assert!(bucket_stddev(f64::NAN, std::iter::empty()).is_nan());
    }
}
