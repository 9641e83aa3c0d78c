//! The statistics of an [`ExponentialReading`]: quantiles within a stated relative error, and
//! [`LatencyStats`].

use super::mapping;
use crate::histogram::{Bucket, HistogramSnapshot};
use crate::metric::ExponentialReading;
use crate::stats::{self, LatencyStats};

impl ExponentialReading {
    /// The `q`-quantile (`0 <= q <= 1`) of the observations: the value of rank
    /// `max(1, ⌈q × count⌉)` among them in increasing order, estimated from the bucket that
    /// holds that rank. Off from it by a relative [`relative_error`](Self::relative_error) at
    /// most: the estimate is the harmonic mean of the bucket's bounds, as far (relatively) from
    /// either end. A rank in the zero bucket gives 0 (those observations are at most 2^-128).
    ///
    /// No observation gives `NaN`; `q < 0` gives `-Inf`, `q > 1` gives `+Inf`, `NaN` gives
    /// `NaN`, as for [`HistogramSnapshot::quantile`].
    pub fn quantile(&self, q: f64) -> f64 {
        if q.is_nan() {
            return f64::NAN;
        }
        if q < 0.0 {
            return f64::NEG_INFINITY;
        }
        if q > 1.0 {
            return f64::INFINITY;
        }
        let total = self
            .positive
            .iter()
            .fold(self.zero_count, |n, &c| n.saturating_add(c));
        if total == 0 {
            return f64::NAN;
        }
        #[allow(clippy::cast_precision_loss)]
        let rank = (q * total as f64).ceil().max(1.0);
        // `rank <= total`, which an `f64` holds within a rounding: clamp.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rank = (rank as u64).min(total);
        if rank <= self.zero_count {
            return 0.0;
        }
        let mut seen = self.zero_count;
        for (index, &n) in (self.positive_offset..).zip(&self.positive) {
            seen = seen.saturating_add(n);
            if seen >= rank {
                return mapping::representative(self.schema, index);
            }
        }
        unreachable!("the rank is at most the total")
    }

    /// The bounds of bucket `index` at this reading's schema: it holds the observations in
    /// `(lower, upper]`. The Prometheus Go client's bounds, to the last bit; `upper` is
    /// `f64::MAX` for the bucket that holds it.
    ///
    /// ```
    /// # let r = metrics_core::ExponentialHistogram::with_resolution(&[1.0], 1, 160).snapshot();
    /// assert_eq!(r.schema, 1);
    /// // √2 as the Go client's table has it, an ulp below `std::f64::consts::SQRT_2`.
    /// assert_eq!(r.bucket_bounds(1), (1.0, 1.414213562373095));
    /// assert_eq!(r.bucket_bounds(2), (1.414213562373095, 2.0));
    /// ```
    pub fn bucket_bounds(&self, index: i32) -> (f64, f64) {
        (
            mapping::lower_bound(self.schema, index),
            mapping::upper_bound(self.schema, index),
        )
    }

    /// The largest relative error of [`quantile`](Self::quantile) at this reading's schema:
    /// `(γ-1)/(γ+1)` with `γ = 2^(2^-schema)`, the ratio of a bucket's bounds.
    pub fn relative_error(&self) -> f64 {
        mapping::relative_error(self.schema)
    }

    /// Count, mean, min, max, p50, p90, p95, p99 and standard deviation, from this reading.
    ///
    /// `count` and `mean` are exact, the quantiles are [`quantile`](Self::quantile)'s, and so
    /// are `min` (of rank 1) and `max` (of rank `count`): each within the relative error of
    /// the reading. `stddev` is the population standard deviation about the exact mean, each
    /// bucket's observations taken at the harmonic mean of its bounds (0 for the zero
    /// bucket). See [`LatencyStats`] for why these are estimates.
    pub fn stats(&self) -> LatencyStats {
        if self.count == 0 {
            return LatencyStats::EMPTY;
        }
        #[allow(clippy::cast_precision_loss)]
        let mean = self.sum / self.count as f64;
        LatencyStats {
            count: self.count,
            mean,
            min: self.quantile(0.0),
            max: self.quantile(1.0),
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            stddev: stats::bucket_stddev(
                mean,
                std::iter::once((0.0, self.zero_count)).chain(
                    (self.positive_offset..)
                        .zip(&self.positive)
                        .map(|(index, &n)| (mapping::representative(self.schema, index), n)),
                ),
            ),
        }
    }

    /// The classic buckets as a [`HistogramSnapshot`]: cumulative, `+Inf` last; its
    /// [`quantile`](HistogramSnapshot::quantile) is PromQL's `histogram_quantile` of the
    /// `_bucket` series this histogram exports.
    pub fn classic_snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0u64;
        let buckets = self
            .bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(&self.classic)
            .map(|(upper_bound, &n)| {
                cumulative = cumulative.wrapping_add(n);
                Bucket {
                    upper_bound,
                    cumulative_count: cumulative,
                }
            })
            .collect();
        HistogramSnapshot {
            count: cumulative,
            sum: self.sum,
            buckets,
            dropped: self.dropped,
        }
    }
}
