//! The traits every metric type implements, and the encoder interface exposition formats implement.

use crate::counter::CounterTable;
use crate::family::SeriesRef;
use crate::histogram::Histogram;
use crate::label::LabelValueRef;
pub use crate::rules::MetricKind;

/// How a metric field is built: what its `#[metric(...)]` attributes ask for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MetricOptions {
    /// Histogram bucket bounds (`#[metric(buckets = [...])]`); `None` for the default buckets.
    pub buckets: Option<&'static [f64]>,
    /// Series cap of an open-ended family (`#[metric(max_series = N)]`); `None` for the default.
    pub max_series: Option<usize>,
}

/// A metric type that can be a field of a `#[derive(MetricSet)]` struct.
///
/// Implemented by [`Counter`](crate::Counter), [`Gauge`](crate::Gauge),
/// [`FloatGauge`](crate::FloatGauge), [`Histogram`] and [`Family`](crate::Family).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a metric type",
    label = "not a metric",
    note = "a `#[derive(MetricSet)]` field is a `Counter`, `Gauge`, `FloatGauge`, `Histogram` or `Family<Labels, _>` of one of them",
    note = "mark a field that is not a metric `#[metric(skip)]`"
)]
pub trait Metric: EncodeMetric + Send + Sync + 'static {
    /// The kind the exposition reports in `# TYPE`.
    const KIND: MetricKind;
    /// The names of the labels of every series (empty for unlabeled metrics).
    const LABEL_NAMES: &'static [&'static str] = &[];
    /// Builds the metric as the field attributes ask.
    fn build(options: &MetricOptions) -> Self
    where
        Self: Sized;
}

/// A single-series metric, which a [`Family`](crate::Family) can hold one of per label set.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the series of a `Family`",
    label = "not a single-series metric",
    note = "a `Family<Labels, M>` holds one `M` per label set: `Counter`, `Gauge`, `FloatGauge` or `Histogram`"
)]
pub trait Series: Metric + Sized {
    /// What [`Family::with`](crate::Family::with) returns: a [`SeriesRef`] that dereferences to
    /// the metric, or for counters a [`CounterRef`](crate::CounterRef).
    type Ref<'a>;

    /// Hands the current value to `encoder`, with `labels`.
    fn encode_series(&self, labels: &dyn EncodeLabels, encoder: &mut dyn MetricEncoder);
    /// Sets the value back to its initial state (what `Family::remove` does to a fixed series).
    fn reset(&self);

    /// Builds a series of an open-ended family. Such a family can hold thousands of series and
    /// finding one already costs a map lookup, so a metric may choose a smaller layout there
    /// than per-thread shards (see the crate docs, "Storage"). Defaults to [`Metric::build`].
    fn build_compact(options: &MetricOptions) -> Self {
        Self::build(options)
    }

    /// Builds the `n` series of a fixed-label family, in
    /// [`LabelSet::fixed_index`](crate::LabelSet::fixed_index) order.
    fn build_fixed(options: &MetricOptions, n: usize) -> FixedSeries<Self>;
    /// Series `index` (`< n`) of a fixed-label family.
    fn fixed_ref(fixed: &FixedSeries<Self>, index: usize) -> Self::Ref<'_>;
    /// A series held apart from the fixed ones (open-ended labels, overflow series).
    fn series_ref(series: SeriesRef<'_, Self>) -> Self::Ref<'_>;
    /// Hands every fixed series to `encoder`, series `i` with `labels(i)`.
    fn encode_fixed<E: EncodeLabels>(
        fixed: &FixedSeries<Self>,
        labels: impl Fn(usize) -> E,
        encoder: &mut dyn MetricEncoder,
    );
    /// [`reset`](Self::reset)s fixed series `index`.
    fn reset_fixed(fixed: &FixedSeries<Self>, index: usize);
}

/// Every series of a fixed-label family, one per label combination: an array of the metric,
/// or for [`Counter`](crate::Counter)s a table of per-thread rows (see the crate docs,
/// "Storage"). Both are fields, the unused one empty, so that naming a `Family` of a type that
/// is not a [`Series`] is one error, not one per trait the compiler then checks.
pub struct FixedSeries<M> {
    pub(crate) each: Box<[M]>,
    pub(crate) counters: CounterTable,
}

impl<M> FixedSeries<M> {
    /// Series as an array of `M`.
    pub(crate) fn each(each: Box<[M]>) -> Self {
        Self {
            each,
            counters: CounterTable::new(0),
        }
    }
}

/// The fixed series of a family as an array of the metric: the `Series` items of every metric
/// without a layout of its own.
macro_rules! fixed_series_in_an_array {
    () => {
        type Ref<'a> = $crate::SeriesRef<'a, Self>;

        fn build_fixed(
            options: &$crate::MetricOptions,
            n: usize,
        ) -> $crate::metric::FixedSeries<Self> {
            $crate::metric::FixedSeries::each(
                (0..n)
                    .map(|_| <Self as $crate::Metric>::build(options))
                    .collect(),
            )
        }

        #[inline]
        fn fixed_ref(
            fixed: &$crate::metric::FixedSeries<Self>,
            index: usize,
        ) -> $crate::SeriesRef<'_, Self> {
            $crate::SeriesRef::borrowed(&fixed.each[index])
        }

        #[inline]
        fn series_ref(series: $crate::SeriesRef<'_, Self>) -> $crate::SeriesRef<'_, Self> {
            series
        }

        fn encode_fixed<E: $crate::metric::EncodeLabels>(
            fixed: &$crate::metric::FixedSeries<Self>,
            labels: impl Fn(usize) -> E,
            encoder: &mut dyn $crate::metric::MetricEncoder,
        ) {
            for (i, m) in fixed.each.iter().enumerate() {
                m.encode_series(&labels(i), encoder);
            }
        }

        fn reset_fixed(fixed: &$crate::metric::FixedSeries<Self>, index: usize) {
            fixed.each[index].reset();
        }
    };
}
pub(crate) use fixed_series_in_an_array;

/// The object-safe part of a metric: what an exposition needs to read it.
pub trait EncodeMetric: Send + Sync {
    /// Hands every series of this metric to `encoder`, in a deterministic order.
    fn encode(&self, encoder: &mut dyn MetricEncoder);
    /// For an open-ended family: how many records went to its overflow series because it had
    /// reached its series cap. `None` for metrics without a cap.
    fn overflowed(&self) -> Option<u64> {
        None
    }
}

/// Receives the series of one metric. Exposition formats implement it.
pub trait MetricEncoder {
    /// One counter series.
    fn counter(&mut self, labels: &dyn EncodeLabels, value: u64);
    /// One integer gauge series.
    fn gauge(&mut self, labels: &dyn EncodeLabels, value: i64);
    /// One floating-point gauge series.
    fn float_gauge(&mut self, labels: &dyn EncodeLabels, value: f64);
    /// One histogram series; read it with [`Histogram::bounds`], [`Histogram::bucket_counts`]
    /// and [`Histogram::sum`].
    fn histogram(&mut self, labels: &dyn EncodeLabels, histogram: &Histogram);
}

/// The labels of one series, written pair by pair.
pub trait EncodeLabels {
    /// Writes every `name="value"` pair to `out`, in declaration order.
    fn encode(&self, out: &mut dyn LabelEncoder);

    /// The same pairs already written out, `name="value",name2="value2"`, each value escaped
    /// with [`escape::write_quoted_text`](crate::escape::write_quoted_text) (which both text
    /// formats share), when the labels keep such a copy: the series of an open-ended
    /// [`Family`](crate::Family) do, rendered once when created, so a scrape copies one string
    /// per series instead of escaping every value again. A text encoder may use it instead of
    /// [`encode`](Self::encode); other encoders ignore it.
    fn rendered(&self) -> Option<&str> {
        None
    }
}

/// Receives label pairs. Exposition formats implement it.
pub trait LabelEncoder {
    /// One `name="value"` pair.
    fn label(&mut self, name: &str, value: LabelValueRef<'_>);
}

/// The labels of an unlabeled series: none.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoLabels;

impl EncodeLabels for NoLabels {
    fn encode(&self, _out: &mut dyn LabelEncoder) {}
}

impl<F: Fn(&mut dyn LabelEncoder)> EncodeLabels for F {
    fn encode(&self, out: &mut dyn LabelEncoder) {
        self(out);
    }
}

/// `metric` as the object the registry reads; generated code calls it with a `Metric` bound.
#[doc(hidden)]
#[inline]
pub fn as_encode_metric<M: Metric>(metric: &M) -> &dyn EncodeMetric {
    metric
}
