//! The series behind the `metrics` handles: our metric types, a state for idle expiry, and the
//! `CounterFn`, `GaugeFn`, `HistogramFn` implementations that the handles call.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Weak};

use metrics::{CounterFn, GaugeFn, HistogramFn};

use crate::metric::{EncodeLabels, LabelEncoder, LabelValueRef, MetricEncoder, MetricKind};
use crate::{Counter, ExponentialHistogram, FloatGauge, Histogram};

use super::family::{Family, Revived};

/// Recorded since the last read of the registry (or never read since it was created).
pub(crate) const ACTIVE: u8 = 0;
/// Not recorded since the last read, which set `seen`.
pub(crate) const IDLE: u8 = 1;
/// Idle for the idle timeout: not exported. A handle that records revives it.
pub(crate) const EXPIRED: u8 = 2;
/// Its family gave way to a set of the registry: records are dropped.
pub(crate) const RETIRED: u8 = 3;

/// The value of one series of a kind: what the family builds, and how it is exported.
pub(crate) trait Value: Send + Sync + Sized + 'static {
    /// The kind of its family.
    const KIND: MetricKind;
    /// A new series (histograms: with these bounds, exponential buckets or not).
    fn build(bounds: &'static [f64], exponential: bool) -> Self;
    /// Hands the current value to `encoder`.
    fn encode(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder);
}

/// A counter: [`Counter`] (per-thread shards once two threads record it), and what
/// `absolute` added.
pub(crate) struct CounterValue {
    counter: Counter,
    /// Added by `absolute` to reach the value it asked for.
    offset: AtomicU64,
}

impl CounterValue {
    pub(crate) fn get(&self) -> u64 {
        self.counter
            .get()
            .wrapping_add(self.offset.load(Ordering::Relaxed))
    }

    /// Raises the value to `value` if it is below (`metrics`' "set to at least").
    fn absolute(&self, value: u64) {
        let mut offset = self.offset.load(Ordering::Relaxed);
        loop {
            let current = self.counter.get().wrapping_add(offset);
            if value <= current {
                return;
            }
            match self.offset.compare_exchange_weak(
                offset,
                offset.wrapping_add(value - current),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => offset = now,
            }
        }
    }
}

impl Value for CounterValue {
    const KIND: MetricKind = MetricKind::Counter;

    fn build(_: &'static [f64], _: bool) -> Self {
        CounterValue {
            counter: Counter::new(),
            offset: AtomicU64::new(0),
        }
    }

    fn encode(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        encoder.counter(labels, self.get());
    }
}

/// A gauge: `metrics` gauges are `f64`.
pub(crate) struct GaugeValue(pub(crate) FloatGauge);

impl Value for GaugeValue {
    const KIND: MetricKind = MetricKind::Gauge;

    fn build(_: &'static [f64], _: bool) -> Self {
        GaugeValue(FloatGauge::new())
    }

    fn encode(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        encoder.float_gauge(labels, self.0.get());
    }
}

/// A histogram: classic buckets, or exponential ones beside them.
pub(crate) enum HistogramValue {
    Classic(Histogram),
    /// Boxed: four times the size of a classic one.
    Exponential(Box<ExponentialHistogram>),
}

impl HistogramValue {
    #[inline]
    fn observe(&self, v: f64) {
        match self {
            HistogramValue::Classic(h) => h.observe(v),
            HistogramValue::Exponential(h) => h.observe(v),
        }
    }
}

impl Value for HistogramValue {
    const KIND: MetricKind = MetricKind::Histogram;

    fn build(bounds: &'static [f64], exponential: bool) -> Self {
        // The bounds were checked when the recorder was built.
        if exponential {
            HistogramValue::Exponential(Box::new(ExponentialHistogram::with_buckets(bounds)))
        } else {
            HistogramValue::Classic(Histogram::with_buckets(bounds))
        }
    }

    fn encode(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder) {
        match self {
            HistogramValue::Classic(h) => encoder.histogram(labels, h),
            HistogramValue::Exponential(h) => encoder.exponential_histogram(labels, &**h),
        }
    }
}

/// The labels of a series: names as exported, sorted, each with its value.
pub(crate) struct SeriesLabels {
    pairs: Box<[(Box<str>, Box<str>)]>,
    /// `name="value",...` as the text formats write them: the series' identity in its family.
    rendered: Box<str>,
}

impl SeriesLabels {
    /// `pairs`, sorted by name.
    pub(crate) fn new<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        let pairs: Box<[(Box<str>, Box<str>)]> = pairs.map(|(n, v)| (n.into(), v.into())).collect();
        let rendered = render(pairs.iter().map(|(n, v)| (&**n, &**v)));
        SeriesLabels { pairs, rendered }
    }
}

/// `name="value",...`, each value escaped as both text formats escape label values.
pub(crate) fn render<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Box<str> {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(name);
        out.push_str("=\"");
        crate::escape::write_quoted_text(&mut out, value);
        out.push('"');
    }
    out.into_boxed_str()
}

impl EncodeLabels for SeriesLabels {
    fn encode(&self, out: &mut dyn LabelEncoder) {
        for (name, value) in &*self.pairs {
            out.label(name, LabelValueRef::Str(value));
        }
    }

    fn rendered(&self) -> Option<&str> {
        Some(&self.rendered)
    }
}

/// One series: what a `metrics` handle holds (an `Arc`), so recording through a handle is the
/// metric's own cost plus one load of `state`.
pub(crate) struct Series<V> {
    pub(crate) value: V,
    /// [`ACTIVE`], [`IDLE`], [`EXPIRED`] or [`RETIRED`].
    pub(crate) state: AtomicU8,
    /// When a read of the registry last saw it recorded (or created), in nanoseconds of the
    /// recorder's clock.
    pub(crate) seen: AtomicU64,
    pub(crate) labels: SeriesLabels,
    /// The overflow series of its family, outside the series cap.
    pub(crate) overflow: bool,
    family: Weak<Family<V>>,
}

impl<V: Value> Series<V> {
    pub(crate) fn new(
        value: V,
        labels: SeriesLabels,
        overflow: bool,
        now: u64,
        family: Weak<Family<V>>,
    ) -> Self {
        Series {
            value,
            state: AtomicU8::new(ACTIVE),
            seen: AtomicU64::new(now),
            labels,
            overflow,
            family,
        }
    }

    /// Whether the series is exported (neither expired nor retired).
    pub(crate) fn is_live(&self) -> bool {
        self.state.load(Ordering::Relaxed) <= IDLE
    }

    #[inline]
    fn record(&self, f: impl FnOnce(&V)) {
        if self.state.load(Ordering::Relaxed) == ACTIVE {
            f(&self.value);
        } else {
            self.record_slow(f);
        }
    }

    /// Marks the series recorded, or revives it: once per read of the registry, or after an
    /// expiry.
    #[cold]
    #[inline(never)]
    fn record_slow(&self, f: impl FnOnce(&V)) {
        match self
            .state
            .compare_exchange(IDLE, ACTIVE, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) | Err(ACTIVE) => f(&self.value),
            Err(_) => {
                let Some(family) = self.family.upgrade() else {
                    return;
                };
                match family.revive(self) {
                    Revived::Here => f(&self.value),
                    Revived::Overflow(overflow) => overflow.record(f),
                    Revived::Gone => {}
                }
            }
        }
    }
}

impl CounterFn for Series<CounterValue> {
    #[inline]
    fn increment(&self, value: u64) {
        self.record(|v| v.counter.inc_by(value));
    }

    fn absolute(&self, value: u64) {
        self.record(|v| v.absolute(value));
    }
}

impl GaugeFn for Series<GaugeValue> {
    #[inline]
    fn increment(&self, value: f64) {
        self.record(|v| v.0.add(value));
    }

    #[inline]
    fn decrement(&self, value: f64) {
        self.record(|v| v.0.sub(value));
    }

    #[inline]
    fn set(&self, value: f64) {
        self.record(|v| v.0.set(value));
    }
}

impl HistogramFn for Series<HistogramValue> {
    #[inline]
    fn record(&self, value: f64) {
        Series::record(self, |v| v.observe(value));
    }

    fn record_many(&self, value: f64, count: usize) {
        Series::record(self, |v| {
            for _ in 0..count {
                v.observe(value);
            }
        });
    }
}

/// A series as the handle the `metrics` macros return.
pub(crate) trait Handle: Value {
    type Handle;
    fn handle(series: Option<Arc<Series<Self>>>) -> Self::Handle;
}

impl Handle for CounterValue {
    type Handle = metrics::Counter;
    fn handle(series: Option<Arc<Series<Self>>>) -> metrics::Counter {
        series.map_or_else(metrics::Counter::noop, metrics::Counter::from_arc)
    }
}

impl Handle for GaugeValue {
    type Handle = metrics::Gauge;
    fn handle(series: Option<Arc<Series<Self>>>) -> metrics::Gauge {
        series.map_or_else(metrics::Gauge::noop, metrics::Gauge::from_arc)
    }
}

impl Handle for HistogramValue {
    type Handle = metrics::Histogram;
    fn handle(series: Option<Arc<Series<Self>>>) -> metrics::Histogram {
        series.map_or_else(metrics::Histogram::noop, metrics::Histogram::from_arc)
    }
}
