//! [`Gauge`] (`i64`) and [`FloatGauge`] (`f64`): values that go up and down.

use crate::atomic::add_f64;
use std::fmt;

use crate::family::{fixed_series_in_an_array, sealed, Series, SeriesRef};
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
///
/// A count of things in progress (requests being served, jobs running) goes up by one when
/// one starts and down when it ends, on every path: [`track`](Self::track) returns a guard
/// that does the second half when dropped, through `return`, `?` and panics alike.
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

    /// Adds one now, and subtracts it when the returned guard is dropped: the gauge counts
    /// what is in progress.
    ///
    /// ```
    /// let in_flight = metrics_core::Gauge::new();
    /// {
    ///     let _g = in_flight.track();
    ///     assert_eq!(in_flight.get(), 1);
    /// }
    /// assert_eq!(in_flight.get(), 0);
    /// ```
    ///
    /// Through a [`Family`](crate::Family), the `track` of the [`SeriesRef`] keeps the series
    /// itself: `family.with(&labels).track()`.
    pub fn track(&self) -> GaugeGuard<'_> {
        GaugeGuard::new(SeriesRef::borrowed(self))
    }
}

impl<'a> SeriesRef<'a, Gauge> {
    /// Adds one to this series now, and subtracts it when the returned guard is dropped, as
    /// [`Gauge::track`] does. The guard keeps its own reference to the series, so it may
    /// outlive this `SeriesRef`: `let _g = family.with(&labels).track();` counts the rest of
    /// the scope, for fixed and open-ended labels alike.
    ///
    /// ```
    /// use metrics_core::{Family, Gauge, LabelSet};
    ///
    /// #[derive(LabelSet)]
    /// struct Labels { route: &'static str }
    ///
    /// let in_flight = Family::<Labels, Gauge>::new();
    /// let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     let _g = in_flight.with(&Labels { route: "/users" }).track();
    ///     assert_eq!(in_flight.with(&Labels { route: "/users" }).get(), 1);
    ///     panic!("the handler failed");
    /// }));
    /// assert!(result.is_err());
    /// assert_eq!(in_flight.with(&Labels { route: "/users" }).get(), 0);
    /// ```
    pub fn track(&self) -> GaugeGuard<'a> {
        GaugeGuard::new(self.clone())
    }
}

/// Subtracts the one that [`Gauge::track`] (or `SeriesRef::track`) added, when dropped.
#[must_use = "the guard subtracts when dropped; dropping it at once undoes the increment"]
pub struct GaugeGuard<'a> {
    gauge: SeriesRef<'a, Gauge>,
}

impl<'a> GaugeGuard<'a> {
    fn new(gauge: SeriesRef<'a, Gauge>) -> Self {
        gauge.inc();
        Self { gauge }
    }
}

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

impl fmt::Debug for GaugeGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GaugeGuard")
            .field("gauge", &*self.gauge)
            .finish()
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

    /// Adds `1.0` now, and subtracts it when the returned guard is dropped (as
    /// [`Gauge::track`]).
    pub fn track(&self) -> FloatGaugeGuard<'_> {
        FloatGaugeGuard::new(SeriesRef::borrowed(self))
    }
}

impl<'a> SeriesRef<'a, FloatGauge> {
    /// Adds `1.0` to this series now, and subtracts it when the returned guard is dropped: the
    /// guard of [`FloatGauge::track`], keeping its own reference to the series.
    pub fn track(&self) -> FloatGaugeGuard<'a> {
        FloatGaugeGuard::new(self.clone())
    }
}

/// Subtracts the `1.0` that [`FloatGauge::track`] added, when dropped.
#[must_use = "the guard subtracts when dropped; dropping it at once undoes the increment"]
pub struct FloatGaugeGuard<'a> {
    gauge: SeriesRef<'a, FloatGauge>,
}

impl<'a> FloatGaugeGuard<'a> {
    fn new(gauge: SeriesRef<'a, FloatGauge>) -> Self {
        gauge.add(1.0);
        Self { gauge }
    }
}

impl Drop for FloatGaugeGuard<'_> {
    fn drop(&mut self) {
        self.gauge.sub(1.0);
    }
}

impl fmt::Debug for FloatGaugeGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FloatGaugeGuard")
            .field("gauge", &*self.gauge)
            .finish()
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
