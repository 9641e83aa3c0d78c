//! The interfaces: what every metric type implements, and what exposition formats implement to
//! read them. Nothing here names a metric type.

pub use crate::rules::MetricKind;

/// How a metric field is built: what its `#[metric(...)]` attributes ask for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MetricOptions {
    /// Histogram bucket bounds (`#[metric(buckets = [...])]`); `None` for the default buckets.
    pub buckets: Option<&'static [f64]>,
    /// Series cap of an open-ended family (`#[metric(max_series = N)]`); `None` for the default.
    pub max_series: Option<usize>,
    /// Whether a family of fixed-cardinality labels exports a series only once recorded into
    /// (`#[metric(lazy)]`); ignored for other metrics.
    pub lazy: bool,
    /// The longest label value, in bytes, of a new series of an open-ended family
    /// (`#[metric(max_label_value_len = N)]`); `None` for the process-wide default
    /// ([`default_max_label_value_len`](crate::default_max_label_value_len)).
    pub max_label_value_len: Option<usize>,
}

/// A metric type that can be a field of a `#[derive(MetricSet)]` struct.
///
/// Implemented by [`Counter`](crate::Counter), [`Gauge`](crate::Gauge),
/// [`FloatGauge`](crate::FloatGauge), [`Histogram`](crate::Histogram) and
/// [`Family`](crate::Family).
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
    /// For a [`Family`](crate::Family): `Some(true)` when any of its labels is open-ended,
    /// `Some(false)` when all are fixed-cardinality. `None` for a single-series metric. What
    /// `#[derive(MetricSet)]` checks `#[metric(lazy)]` and `#[metric(max_label_value_len)]`
    /// against.
    const LABELS_OPEN_ENDED: Option<bool> = None;
    /// Builds the metric as the field attributes ask.
    ///
    /// # Panics
    /// When `options` cannot build it (histogram buckets that are not valid bounds).
    #[track_caller]
    fn build(options: &MetricOptions) -> Self
    where
        Self: Sized;
}

/// The object-safe part of a metric: what an exposition needs to read it.
pub trait EncodeMetric: Send + Sync {
    /// Hands every series of this metric to `encoder`, in a deterministic order.
    fn encode(&self, encoder: &mut dyn MetricEncoder);
    /// For an open-ended family: how many records went to its overflow series because it had
    /// reached its series cap. `None` for metrics without a cap.
    fn overflowed(&self) -> Option<u64> {
        None
    }
    /// For an open-ended family: how many records went to its overflow series because a label
    /// value was longer than its `max_label_value_len`. `None` for other metrics.
    fn label_values_too_long(&self) -> Option<u64> {
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
    /// One histogram series with explicit bucket bounds.
    ///
    /// Each kind of series is handed over through a trait of its own, [`EncodeHistogram`] here,
    /// so that any source of such data can feed an encoder, not only this crate's types.
    fn histogram(&mut self, labels: &dyn EncodeLabels, histogram: &dyn EncodeHistogram);
}

/// The data of one histogram series with explicit bucket bounds, as an exposition reads it: the
/// bounds, a count per bucket and the sum of the observations.
///
/// [`Histogram`](crate::Histogram) implements it. The `_count` an encoder writes is the sum of
/// the bucket counts, each read once, so the `+Inf` bucket and `_count` agree even while
/// observations are being recorded.
///
/// ```
/// use metrics_core::EncodeHistogram;
///
/// static BOUNDS: [f64; 2] = [0.1, 1.0];
/// let h = metrics_core::Histogram::with_buckets(&BOUNDS);
/// h.observe(0.5);
/// h.observe(3.0);
/// let h: &dyn EncodeHistogram = &h;
/// assert_eq!(h.bounds(), [0.1, 1.0]);
/// assert_eq!([h.bucket_count(0), h.bucket_count(1), h.bucket_count(2)], [0, 1, 1]);
/// assert_eq!(h.sum(), 3.5);
/// ```
pub trait EncodeHistogram {
    /// The upper bounds of the finite buckets, increasing; the `+Inf` bucket follows them.
    fn bounds(&self) -> &[f64];
    /// The observations in bucket `index`, not cumulative: `index < bounds().len()` is the
    /// bucket of that bound, `index == bounds().len()` the `+Inf` bucket.
    fn bucket_count(&self, index: usize) -> u64;
    /// The sum of the observations.
    fn sum(&self) -> f64;
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

/// The value of one label, as an exposition writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelValueRef<'a> {
    /// Text, escaped by the exposition.
    Str(&'a str),
    /// A signed integer, written in decimal.
    I64(i64),
    /// An unsigned integer, written in decimal.
    U64(u64),
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
