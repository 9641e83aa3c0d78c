//! [`Counter`]: a monotonically increasing `u64`.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::metric::{
    EncodeLabels, EncodeMetric, Metric, MetricEncoder, MetricKind, MetricOptions, NoLabels, Series,
};

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
#[derive(Debug, Default)]
pub struct Counter {
    value: AtomicU64,
}

impl Counter {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self {
            value: AtomicU64::new(0),
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.value.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n`.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        self.value.fetch_add(n, Ordering::Relaxed);
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
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

    fn reset(&self) {
        self.value.store(0, Ordering::Relaxed);
    }
}
