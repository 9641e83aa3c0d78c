//! [`Histogram`]: observations counted into fixed buckets.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use crate::atomic::add_f64;
use crate::clock;
use crate::family::{fixed_series_in_an_array, sealed, Series, SeriesRef};
use crate::metric::{
    EncodeHistogram, EncodeLabels, EncodeMetric, Metric, MetricEncoder, MetricKind, MetricOptions,
    NoLabels,
};
use crate::rules::{self, BucketError};
use crate::shard::{lines_for, Line, Shard, SHARDS, WORDS_PER_LINE};
use crate::stats::{self, LatencyStats};
use crate::sync::{AtomicU64, Ordering};

/// Observations (latencies, sizes) counted into buckets with fixed upper bounds.
///
/// The bounds come from `#[metric(buckets = [...])]` (checked at compile time), else the
/// Prometheus default `.005 .01 .025 .05 .1 .25 .5 1 2.5 5 10`; the `+Inf` bucket is implicit.
/// An observation `v` lands in the first bucket whose bound is `>= v`.
///
/// `NaN` and negative observations are dropped: they would poison `_sum` and break
/// `rate(_sum) / rate(_count)`. They are counted in [`HistogramSnapshot::dropped`] and never
/// rendered. The count is the sum of the buckets, not a separate atomic, so every scrape is
/// self-consistent: the `+Inf` bucket always equals `_count`.
///
/// ```
/// static BOUNDS: [f64; 3] = [0.1, 0.5, 1.0];
/// let h = metrics_core::Histogram::with_buckets(&BOUNDS);
/// h.observe(0.3);
/// h.observe(7.0);
/// h.observe(f64::NAN); // dropped
/// let s = h.snapshot();
/// assert_eq!((s.count, s.sum, s.dropped), (2, 7.3, 1));
/// assert_eq!(s.buckets.iter().map(|b| b.cumulative_count).collect::<Vec<_>>(), [0, 1, 1, 2]);
/// ```
///
/// Each thread records into its own cache lines (see the crate docs, "Storage"): threads
/// observing one histogram at once do not slow each other down.
pub struct Histogram {
    bounds: &'static [f64],
    /// `shards + 1` rows of `row_lines` lines. A row holds the non-cumulative bucket counts (one
    /// per bound, then `+Inf`) and, after them, the bits of the sum of the observations in
    /// seconds, then the sum of those observed in clock ticks. Rows `0..shards` are the shards;
    /// the last row holds the values at the last [`Series::reset`], subtracted by reads.
    lines: Box<[Line]>,
    row_lines: usize,
    /// `SHARDS`, or 1 for a series of an open-ended family (one row, atomic adds).
    shards: usize,
    dropped: AtomicU64,
    /// The bounds in clock ticks, for the durations `#[instrument_latency]` records
    /// ([`Histogram::observe_ticks`]); computed on the first such observation.
    tick_bounds: OnceLock<Box<[u64]>>,
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("bounds", &self.bounds)
            .field("snapshot", &self.snapshot())
            .finish()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

impl Histogram {
    /// A histogram with the Prometheus default buckets.
    pub fn new() -> Self {
        Self::from_checked(&rules::DEFAULT_BUCKETS)
    }

    /// A histogram with the given upper bounds (`+Inf` is added).
    ///
    /// # Panics
    /// When the bounds are empty, not finite, negative or not strictly increasing; see
    /// [`Histogram::try_with_buckets`] for the fallible form.
    #[track_caller]
    pub fn with_buckets(bounds: &'static [f64]) -> Self {
        match Self::try_with_buckets(bounds) {
            Ok(h) => h,
            Err(e) => panic!("invalid histogram buckets {bounds:?}: {}", e.message),
        }
    }

    /// A histogram with the given upper bounds, or why they are not valid bounds.
    pub fn try_with_buckets(bounds: &'static [f64]) -> Result<Self, BucketError> {
        rules::check_buckets(bounds)?;
        Ok(Self::from_checked(bounds))
    }

    fn from_checked(bounds: &'static [f64]) -> Self {
        Self::with_shards(bounds, SHARDS)
    }

    fn with_shards(bounds: &'static [f64], shards: usize) -> Self {
        // Bucket counts, `+Inf`, the sum, the sum in ticks.
        let row_lines = lines_for(bounds.len() + 3);
        Self {
            bounds,
            lines: (0..(shards + 1) * row_lines).map(|_| Line::new()).collect(),
            row_lines,
            shards,
            dropped: AtomicU64::new(0),
            tick_bounds: OnceLock::new(),
        }
    }

    /// Word `word` of row `row` (a shard, or `self.shards` for the reset base).
    #[inline]
    fn word(&self, row: usize, word: usize) -> &AtomicU64 {
        &self.lines[row * self.row_lines + word / WORDS_PER_LINE].0[word % WORDS_PER_LINE]
    }

    /// The word after the buckets: the sum's bits.
    #[inline]
    fn sum_word(&self) -> usize {
        self.bounds.len() + 1
    }

    /// The word after the sum: the sum of the observations made in clock ticks.
    #[inline]
    fn tick_sum_word(&self) -> usize {
        self.bounds.len() + 2
    }

    /// Records one observation. `NaN` and negative values are dropped and counted in
    /// [`HistogramSnapshot::dropped`].
    #[inline]
    pub fn observe(&self, v: f64) {
        // Also true for NaN, which compares false with everything.
        if v.is_nan() || v < 0.0 {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let index = self.bounds.partition_point(|&b| b < v);
        self.record(
            index,
            self.sum_word(),
            |sum| (f64::from_bits(sum) + v).to_bits(),
            |sum| add_f64(sum, v),
        );
    }

    /// Records a duration of `ticks` ticks of the clock of `#[instrument_latency]`: compared
    /// with the bounds converted to ticks (once per histogram), added to a sum kept in ticks
    /// and converted to seconds when read. Exported exactly as an observation in seconds, at a
    /// lower cost to the instrumented call (see `crate::clock`).
    #[inline]
    pub(crate) fn observe_ticks(&self, ticks: u64) {
        let bounds = self.tick_bounds.get_or_init(|| {
            self.bounds
                .iter()
                .map(|&bound| clock::ticks_within(bound))
                .collect()
        });
        let index = bounds.partition_point(|&b| b < ticks);
        self.record(
            index,
            self.tick_sum_word(),
            |sum| sum.wrapping_add(ticks),
            |sum| {
                sum.fetch_add(ticks, Ordering::Relaxed);
            },
        );
    }

    /// Counts one observation in bucket `index` and adds it to the sum word `sum_word`: with
    /// `add` (the new bits from the old) in this thread's own row, with `add_shared` (an atomic
    /// update) in a row other threads write too.
    #[inline(always)]
    fn record(
        &self,
        index: usize,
        sum_word: usize,
        add: impl FnOnce(u64) -> u64,
        add_shared: impl FnOnce(&AtomicU64),
    ) {
        let shard = Shard::current();
        let compact = self.shards == 1;
        let row = if compact {
            0
        } else {
            shard.index() & (SHARDS - 1)
        };
        let count = self.word(row, index);
        let sum = self.word(row, sum_word);
        if shard.is_exclusive() && !compact {
            // This thread is the only writer of its shard: no locked read-modify-write.
            count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            sum.store(add(sum.load(Ordering::Relaxed)), Ordering::Relaxed);
        } else {
            count.fetch_add(1, Ordering::Relaxed);
            add_shared(sum);
        }
    }

    /// Records a duration, in seconds.
    #[inline]
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
    }

    /// Starts a timer that records the elapsed seconds when dropped (or [stopped]). It reads
    /// the clock of `#[instrument_latency]`: the CPU's time-stamp counter where it is usable
    /// (cheaper to read than `Instant::now`), calibrated against the OS clock on the first use
    /// in the process, and the OS monotonic clock elsewhere.
    ///
    /// Through a [`Family`](crate::Family), [`SeriesRef::start_timer`] keeps the series itself:
    /// `family.with(&labels).start_timer()`.
    ///
    /// [stopped]: HistogramTimer::stop
    pub fn start_timer(&self) -> HistogramTimer<'_> {
        HistogramTimer::new(SeriesRef::borrowed(self))
    }

    /// The upper bounds of the finite buckets.
    pub fn bounds(&self) -> &'static [f64] {
        self.bounds
    }

    /// The number of observations in each bucket, not cumulative: one per bound, then the
    /// `+Inf` bucket. Each bucket is read once, so summing this is a consistent `_count`.
    pub fn bucket_counts(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        (0..self.bounds.len() + 1).map(|bucket| self.bucket_count(bucket))
    }

    /// Bucket `bucket`'s count since the last reset.
    fn bucket_count(&self, bucket: usize) -> u64 {
        let base = self.word(self.shards, bucket).load(Ordering::Relaxed);
        self.total_count(bucket).wrapping_sub(base)
    }

    /// Bucket `bucket`'s count summed over the shards, since creation.
    fn total_count(&self, bucket: usize) -> u64 {
        (0..self.shards).fold(0u64, |n, row| {
            n.wrapping_add(self.word(row, bucket).load(Ordering::Relaxed))
        })
    }

    /// The sum over the shards of the observations in seconds, since creation.
    fn total_sum(&self) -> f64 {
        (0..self.shards)
            .map(|row| f64::from_bits(self.word(row, self.sum_word()).load(Ordering::Relaxed)))
            .sum()
    }

    /// The sum over the shards of the observations in ticks, since creation.
    fn total_ticks(&self) -> u64 {
        (0..self.shards).fold(0u64, |n, row| {
            n.wrapping_add(self.word(row, self.tick_sum_word()).load(Ordering::Relaxed))
        })
    }

    /// The sum of all recorded observations.
    pub fn sum(&self) -> f64 {
        let base = f64::from_bits(
            self.word(self.shards, self.sum_word())
                .load(Ordering::Relaxed),
        );
        let seconds = self.total_sum() - base;
        let ticks = self.total_ticks().wrapping_sub(
            self.word(self.shards, self.tick_sum_word())
                .load(Ordering::Relaxed),
        );
        if ticks == 0 {
            return seconds;
        }
        seconds + clock::seconds(ticks)
    }

    /// The number of recorded observations.
    pub fn count(&self) -> u64 {
        self.bucket_counts().sum()
    }

    /// The number of dropped (`NaN` or negative) observations.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// A consistent copy of the buckets, count and sum.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut cumulative = 0u64;
        let buckets = self
            .bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(self.bucket_counts())
            .map(|(upper_bound, n)| {
                cumulative += n;
                Bucket {
                    upper_bound,
                    cumulative_count: cumulative,
                }
            })
            .collect();
        HistogramSnapshot {
            count: cumulative,
            sum: self.sum(),
            buckets,
            dropped: self.dropped(),
        }
    }
}

/// One bucket of a [`HistogramSnapshot`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// The bucket's upper bound (`le`); `f64::INFINITY` for the last one.
    pub upper_bound: f64,
    /// Observations `<= upper_bound`.
    pub cumulative_count: u64,
}

/// A copy of a histogram's state, and the statistics it answers in the process:
/// [`quantile`](Self::quantile), [`mean`](Self::mean) and [`stats`](Self::stats).
///
/// ```
/// static BOUNDS: [f64; 3] = [0.1, 0.5, 1.0];
/// let h = metrics_core::Histogram::with_buckets(&BOUNDS);
/// for v in [0.05, 0.2, 0.3, 0.4, 0.7, 2.0] {
///     h.observe(v);
/// }
/// let s = h.snapshot();
/// // Rank 0.5 × 6 = 3 is the 2nd of the 3 observations in (0.1, 0.5]: 0.1 + 0.4 × 2/3.
/// assert_eq!(s.quantile(0.5), 0.1 + 0.4 * (2.0 / 3.0));
/// assert_eq!(s.quantile(0.99), 1.0); // in `+Inf`: the highest finite bound
/// assert_eq!(s.mean(), 3.65 / 6.0);
/// let stats = s.stats();
/// assert_eq!((stats.count, stats.min, stats.max), (6, 0.0, 1.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramSnapshot {
    /// Recorded observations; equal to the last bucket's cumulative count.
    pub count: u64,
    /// Sum of the recorded observations.
    pub sum: f64,
    /// Cumulative buckets, the `+Inf` one last.
    pub buckets: Vec<Bucket>,
    /// Observations dropped because they were `NaN` or negative.
    pub dropped: u64,
}

impl HistogramSnapshot {
    /// The `q`-quantile (`0 <= q <= 1`) of the observations, estimated from the buckets exactly
    /// as PromQL's `histogram_quantile(q, x_bucket)` computes it from the same cumulative counts
    /// at one instant (not from a `rate`):
    ///
    /// - the rank `q × count` is found among the buckets and the answer interpolated linearly
    ///   within its bucket, the first bucket starting at 0 (or, if its bound is `<= 0`,
    ///   answering that bound);
    /// - a rank in the `+Inf` bucket gives the highest finite bound;
    /// - no observation gives `NaN`; `q < 0` gives `-Inf`, `q > 1` gives `+Inf`, `NaN` gives
    ///   `NaN`;
    /// - buckets are sorted by bound, equal bounds merged, and a cumulative count below the
    ///   one before it raised to it, as Prometheus does for buckets gathered from several
    ///   series (a snapshot of a [`Histogram`] is already in order).
    pub fn quantile(&self, q: f64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let mut buckets = self
            .buckets
            .iter()
            .map(|b| (b.upper_bound, b.cumulative_count as f64))
            .collect();
        stats::bucket_quantile(q, &mut buckets)
    }

    /// The mean of the observations, `sum / count`: exact. `NaN` when there is none.
    pub fn mean(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let count = self.count as f64;
        self.sum / count
    }

    /// Count, mean, min, max, p50, p90, p95, p99 and standard deviation, from this snapshot.
    ///
    /// `count` and `mean` are exact, the quantiles are [`quantile`](Self::quantile)'s. `min`
    /// and `max` are the bounds of the range the non-empty buckets cover: `min` the lower
    /// bound of the lowest (0 for the first bucket), `max` the upper bound of the highest, or
    /// when that is the `+Inf` bucket the highest finite bound (as for quantiles), so that
    /// `min <= p50 <= p90 <= p95 <= p99 <= max`. `stddev` is the population standard deviation
    /// about the exact mean, each bucket's observations taken at its middle (those of `+Inf`
    /// at the highest finite bound). See [`LatencyStats`] for why these are estimates.
    pub fn stats(&self) -> LatencyStats {
        if self.count == 0 {
            return LatencyStats::EMPTY;
        }
        // (lower bound, upper bound, count) of each bucket, non-cumulative.
        let mut previous = (0.0, 0u64);
        let mut highest_finite = 0.0;
        let buckets: Vec<(f64, f64, u64)> = self
            .buckets
            .iter()
            .map(|b| {
                let (lower, below) = previous;
                previous = (b.upper_bound, b.cumulative_count);
                if b.upper_bound.is_finite() {
                    highest_finite = b.upper_bound;
                }
                (
                    lower,
                    b.upper_bound,
                    b.cumulative_count.saturating_sub(below),
                )
            })
            .collect();
        let finite = |bound: f64| {
            if bound.is_finite() {
                bound
            } else {
                highest_finite
            }
        };
        let occupied = || buckets.iter().filter(|b| b.2 > 0);
        let mean = self.mean();
        LatencyStats {
            count: self.count,
            mean,
            min: occupied().next().map_or(f64::NAN, |b| finite(b.0)),
            max: occupied().next_back().map_or(f64::NAN, |b| finite(b.1)),
            p50: self.quantile(0.5),
            p90: self.quantile(0.9),
            p95: self.quantile(0.95),
            p99: self.quantile(0.99),
            stddev: stats::bucket_stddev(
                mean,
                buckets.iter().map(|&(lower, upper, n)| {
                    let middle = if upper.is_finite() {
                        (lower + upper) / 2.0
                    } else {
                        highest_finite
                    };
                    (middle, n)
                }),
            ),
        }
    }
}

impl<'a> SeriesRef<'a, Histogram> {
    /// Starts a timer that records into this series when dropped (or stopped), as
    /// [`Histogram::start_timer`] does. The timer keeps its own reference to the series, so it
    /// may outlive this `SeriesRef`: `let _t = family.with(&labels).start_timer();` times the
    /// rest of the scope, for fixed and open-ended labels alike.
    ///
    /// ```
    /// use metrics_core::{Family, Histogram, LabelSet, LabelValue};
    ///
    /// #[derive(LabelValue)]
    /// enum Route { Users, Orders }
    ///
    /// #[derive(LabelSet)]
    /// struct Labels { route: Route }
    ///
    /// let latency = Family::<Labels, Histogram>::new();
    /// {
    ///     let _t = latency.with(&Labels { route: Route::Users }).start_timer();
    ///     // ... handle the request ...
    /// } // recorded here
    /// assert_eq!(latency.with(&Labels { route: Route::Users }).count(), 1);
    /// ```
    pub fn start_timer(&self) -> HistogramTimer<'a> {
        HistogramTimer::new(self.clone())
    }
}

/// Records the time since [`Histogram::start_timer`] (or [`SeriesRef::start_timer`]) when
/// dropped.
#[must_use = "the timer records when dropped; dropping it at once records ~0 seconds"]
#[derive(Debug)]
pub struct HistogramTimer<'a> {
    histogram: SeriesRef<'a, Histogram>,
    /// The clock's raw reading at the start (see `crate::clock`).
    start: u64,
    armed: bool,
}

impl<'a> HistogramTimer<'a> {
    fn new(histogram: SeriesRef<'a, Histogram>) -> Self {
        Self {
            histogram,
            start: clock::now(),
            armed: true,
        }
    }

    /// Records now and returns the elapsed time: the duration added to the histogram's sum.
    pub fn stop(mut self) -> Duration {
        self.armed = false;
        let ticks = clock::ticks_since(self.start);
        self.histogram.observe_ticks(ticks);
        Duration::from_secs_f64(clock::seconds(ticks))
    }

    /// Drops the timer without recording anything.
    pub fn discard(mut self) {
        self.armed = false;
    }
}

impl Drop for HistogramTimer<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.histogram.observe_ticks(clock::ticks_since(self.start));
        }
    }
}

impl EncodeMetric for Histogram {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        self.encode_series(&NoLabels, encoder);
    }
}

impl Metric for Histogram {
    const KIND: MetricKind = MetricKind::Histogram;

    fn build(options: &MetricOptions) -> Self {
        match options.buckets {
            Some(bounds) => Self::with_buckets(bounds),
            None => Self::new(),
        }
    }
}

impl EncodeHistogram for Histogram {
    fn bounds(&self) -> &[f64] {
        self.bounds
    }

    fn bucket_count(&self, index: usize) -> u64 {
        self.bucket_count(index)
    }

    fn sum(&self) -> f64 {
        self.sum()
    }
}

impl sealed::Sealed for Histogram {}

impl Series for Histogram {
    fixed_series_in_an_array!();

    fn encode_series(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        encoder.histogram(labels, self);
    }

    fn build_compact(options: &MetricOptions) -> Self {
        let bounds = options.buckets.unwrap_or(&rules::DEFAULT_BUCKETS);
        if let Err(e) = rules::check_buckets(bounds) {
            panic!("invalid histogram buckets {bounds:?}: {}", e.message);
        }
        Self::with_shards(bounds, 1)
    }

    /// Sets the histogram back to empty without writing to the shards (their writers may be
    /// recording): the current totals become the base subtracted from later reads.
    /// Observations racing with the reset may land on either side of it.
    fn reset(&self) {
        for bucket in 0..=self.bounds.len() {
            self.word(self.shards, bucket)
                .store(self.total_count(bucket), Ordering::Relaxed);
        }
        self.word(self.shards, self.sum_word())
            .store(self.total_sum().to_bits(), Ordering::Relaxed);
        self.word(self.shards, self.tick_sum_word())
            .store(self.total_ticks(), Ordering::Relaxed);
        self.dropped.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cumulative(h: &Histogram) -> Vec<u64> {
        h.snapshot()
            .buckets
            .iter()
            .map(|b| b.cumulative_count)
            .collect()
    }

    #[test]
    fn ticks_land_in_the_bucket_their_seconds_would() {
        static BOUNDS: [f64; 3] = [0.001, 0.1, 1.0];
        for h in [
            Histogram::with_buckets(&BOUNDS),
            <Histogram as Series>::build_compact(&MetricOptions {
                buckets: Some(&BOUNDS),
                ..MetricOptions::default()
            }),
        ] {
            let at_most = clock::ticks_within(0.1);
            h.observe_ticks(0);
            h.observe_ticks(at_most); // <= 0.1 s: the 0.1 bucket
            h.observe_ticks(at_most + 1); // just over: the 1.0 bucket
            h.observe_ticks(clock::ticks_within(5.0)); // +Inf
            assert_eq!(cumulative(&h), [1, 2, 3, 4]);
            let expected = 0.1 + 0.1 + 5.0;
            assert!((h.sum() - expected).abs() < 1e-6, "{}", h.sum());

            // Observations in seconds and in ticks add up in one sum.
            h.observe(0.25);
            assert_eq!(cumulative(&h), [1, 2, 4, 5]);
            assert!((h.sum() - expected - 0.25).abs() < 1e-6, "{}", h.sum());

            // A reset covers the tick sum too.
            h.reset();
            assert_eq!((h.count(), h.sum()), (0, 0.0));
            h.observe_ticks(clock::ticks_within(0.5));
            assert_eq!(cumulative(&h), [0, 0, 1, 1]);
            assert!((h.sum() - 0.5).abs() < 1e-6, "{}", h.sum());
        }
    }

    #[test]
    fn stats_estimate_from_the_buckets() {
        static BOUNDS: [f64; 3] = [0.1, 0.5, 1.0];
        let h = Histogram::with_buckets(&BOUNDS);
        assert_eq!(h.snapshot().stats().count, 0);
        assert!(h.snapshot().stats().stddev.is_nan() && h.snapshot().mean().is_nan());
        for v in [0.05, 0.2, 0.3, 0.4, 0.7, 2.0] {
            h.observe(v);
        }
        let s = h.snapshot().stats();
        let mean = 3.65 / 6.0;
        assert_eq!((s.count, s.mean, s.min, s.max), (6, mean, 0.0, 1.0));
        // Each bucket at its middle; `+Inf` at the highest finite bound.
        let squares = (0.05f64 - mean).powi(2)
            + 3.0 * (0.3f64 - mean).powi(2)
            + (0.75f64 - mean).powi(2)
            + (1.0f64 - mean).powi(2);
        assert!((s.stddev - (squares / 6.0).sqrt()).abs() < 1e-15, "{s:?}");
        let p = |q| h.snapshot().quantile(q);
        assert_eq!(
            (s.p50, s.p90, s.p95, s.p99),
            (p(0.5), p(0.9), p(0.95), p(0.99))
        );
        assert!(s.min <= s.p50 && s.p50 <= s.p90 && s.p99 <= s.max);
        // Only the upper buckets occupied: the range starts at their lower bound.
        let h = Histogram::with_buckets(&BOUNDS);
        h.observe(0.7);
        assert_eq!(
            (h.snapshot().stats().min, h.snapshot().stats().max),
            (0.5, 1.0)
        );
    }

    #[test]
    fn ticks_from_many_threads_are_all_counted() {
        let h = Histogram::new();
        let tick = clock::ticks_within(0.01);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10_000 {
                        h.observe_ticks(tick);
                    }
                });
            }
        });
        assert_eq!(h.count(), 40_000);
        let sum_ticks = 40_000 * tick;
        #[allow(clippy::cast_precision_loss)]
        let expected = sum_ticks as f64 * clock::seconds_per_tick();
        assert!((h.sum() - expected).abs() < 1e-9, "{} {expected}", h.sum());
        // 0.01 s is the `.01` bucket's bound: everything `<= .01`.
        assert_eq!(cumulative(&h)[1], 40_000);
        assert_eq!(cumulative(&h)[0], 0);
    }
}
