//! [`Gauge`] (`i64`) and [`FloatGauge`] (`f64`): values that go up and down.

use crate::atomic::add_f64;
use crate::family::{fixed_series_in_an_array, sealed, Series};
use crate::metric::{
    EncodeLabels, EncodeMetric, Metric, MetricEncoder, MetricKind, MetricOptions, NoLabels,
};
use crate::sync::{const_fn, AtomicI64, AtomicU64, Ordering};

/// An integer value that goes up and down: a state, a queue length, sessions in progress.
///
/// Arithmetic wraps at the `i64` bounds.
///
/// ```
/// let g = metrics_core::Gauge::new();
/// g.set(5);
/// g.inc();
/// g.dec();
/// g.add(-2);
/// assert_eq!(g.get(), 3);
/// ```
#[derive(Debug, Default)]
pub struct Gauge {
    value: AtomicI64,
}

impl Gauge {
    const_fn! {
        /// A gauge at zero.
        pub fn new() -> Self {
            Self {
                value: AtomicI64::new(0),
            }
        }
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, v: i64) {
        self.value.store(v, Ordering::Relaxed);
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.add(-1);
    }

    /// Adds `delta` (which may be negative).
    #[inline]
    pub fn add(&self, delta: i64) {
        self.value.fetch_add(delta, Ordering::Relaxed);
    }

    /// Subtracts `delta`.
    #[inline]
    pub fn sub(&self, delta: i64) {
        self.value.fetch_sub(delta, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.value.load(Ordering::Relaxed)
    }
}

impl EncodeMetric for Gauge {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        self.encode_series(&NoLabels, encoder);
    }
}

impl Metric for Gauge {
    const KIND: MetricKind = MetricKind::Gauge;

    fn build(_options: &MetricOptions) -> Self {
        Self::new()
    }
}

impl sealed::Sealed for Gauge {}

impl Series for Gauge {
    fixed_series_in_an_array!();

    fn encode_series(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        encoder.gauge(labels, self.get());
    }

    fn reset(&self) {
        self.set(0);
    }
}

/// A floating-point value that goes up and down: a ratio, a temperature, a load average.
///
/// Any `f64` is stored as given: `NaN` and the infinities are valid gauge values in both
/// exposition formats (rendered `NaN`, `+Inf`, `-Inf`).
///
/// ```
/// let g = metrics_core::FloatGauge::new();
/// g.set(0.25);
/// g.add(0.5);
/// assert_eq!(g.get(), 0.75);
/// ```
#[derive(Debug, Default)]
pub struct FloatGauge {
    bits: AtomicU64,
}

impl FloatGauge {
    const_fn! {
        /// A gauge at `0.0`.
        pub fn new() -> Self {
            Self {
                bits: AtomicU64::new(0),
            }
        }
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, v: f64) {
        self.bits.store(v.to_bits(), Ordering::Relaxed);
    }

    /// Adds `delta` (which may be negative), atomically.
    #[inline]
    pub fn add(&self, delta: f64) {
        add_f64(&self.bits, delta);
    }

    /// Subtracts `delta`, atomically.
    #[inline]
    pub fn sub(&self, delta: f64) {
        add_f64(&self.bits, -delta);
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

impl EncodeMetric for FloatGauge {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        self.encode_series(&NoLabels, encoder);
    }
}

impl Metric for FloatGauge {
    const KIND: MetricKind = MetricKind::Gauge;

    fn build(_options: &MetricOptions) -> Self {
        Self::new()
    }
}

impl sealed::Sealed for FloatGauge {}

impl Series for FloatGauge {
    fixed_series_in_an_array!();

    fn encode_series(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        encoder.float_gauge(labels, self.get());
    }

    fn reset(&self) {
        self.set(0.0);
    }
}
