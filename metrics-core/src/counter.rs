//! [`Counter`]: a monotonically increasing `u64`.

use std::fmt;
use std::sync::atomic::Ordering;

use crate::metric::{
    EncodeLabels, EncodeMetric, Metric, MetricEncoder, MetricKind, MetricOptions, NoLabels, Series,
};
use crate::shard::{Line, Shard, SHARDS, SHARED};

/// A count that only goes up: requests served, errors seen, bytes sent.
///
/// Its name must end in `_total` (checked at compile time by `#[derive(MetricSet)]`).
/// Increments are `u64`, so a negative increment cannot be written; an increment that would pass
/// `u64::MAX` wraps, which Prometheus reads as a counter reset.
///
/// ```
/// let c = metrics_core::Counter::new();
/// c.inc();
/// c.inc_by(2);
/// assert_eq!(c.get(), 3);
/// ```
///
/// Each thread records into its own cache line (see the crate docs, "Storage"), so threads
/// incrementing one counter at once do not slow each other down; [`get`](Self::get) sums them.
pub struct Counter {
    /// One line per shard: the count at word 0; the shared shard's word 1 holds the value
    /// subtracted by [`Series::reset`].
    lines: [Line; SHARDS],
}

/// Word of the shared shard's line holding the count at the last reset.
const BASE: usize = 1;

impl Default for Counter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Counter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counter")
            .field("value", &self.get())
            .finish()
    }
}

impl Counter {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self {
            lines: [const { Line::new() }; SHARDS],
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds `n`.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        let shard = Shard::current();
        let cell = &self.lines[shard.index() & (SHARDS - 1)].0[0];
        if shard.is_exclusive() {
            // This thread is the only writer of its shard: no locked read-modify-write.
            cell.store(
                cell.load(Ordering::Relaxed).wrapping_add(n),
                Ordering::Relaxed,
            );
        } else {
            cell.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.total()
            .wrapping_sub(self.lines[SHARED].0[BASE].load(Ordering::Relaxed))
    }

    /// The sum of the shards, since creation.
    fn total(&self) -> u64 {
        self.lines.iter().fold(0u64, |sum, line| {
            sum.wrapping_add(line.0[0].load(Ordering::Relaxed))
        })
    }
}

impl EncodeMetric for Counter {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        self.encode_series(&NoLabels, encoder);
    }
}

impl Metric for Counter {
    const KIND: MetricKind = MetricKind::Counter;

    fn build(_options: &MetricOptions) -> Self {
        Self::new()
    }
}

impl Series for Counter {
    fn encode_series(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        encoder.counter(labels, self.get());
    }

    /// Sets the count back to zero without writing to the shards (their writers may be
    /// recording): the current total becomes the base subtracted from later reads. Increments
    /// racing with the reset may land on either side of it.
    fn reset(&self) {
        self.lines[SHARED].0[BASE].store(self.total(), Ordering::Relaxed);
    }
}
