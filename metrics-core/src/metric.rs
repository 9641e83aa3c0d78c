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
    /// The starting resolution of an exponential histogram (`#[metric(schema = N)]`, -4..=8);
    /// `None` for the default.
    pub schema: Option<i8>,
    /// The most buckets an exponential histogram keeps before it halves its resolution
    /// (`#[metric(max_buckets = N)]`); `None` for the default.
    pub max_buckets: Option<usize>,
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
/// [`FloatGauge`](crate::FloatGauge), [`Histogram`](crate::Histogram),
/// [`ExponentialHistogram`](crate::ExponentialHistogram) and [`Family`](crate::Family).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a metric type",
    label = "not a metric",
    note = "a `#[derive(MetricSet)]` field is a `Counter`, `Gauge`, `FloatGauge`, `Histogram`, `ExponentialHistogram` or `Family<Labels, _>` of one of them",
    note = "mark a field that is not a metric `#[metric(skip)]`"
)]
pub trait Metric: EncodeMetric + Send + Sync + 'static {
    /// The kind the exposition reports in `# TYPE`.
    const KIND: MetricKind;
    /// The names of the labels of every series (empty for unlabeled metrics).
    const LABEL_NAMES: &'static [&'static str] = &[];
    /// Whether its series are exponential histograms, which take `#[metric(schema = N)]` and
    /// `#[metric(max_buckets = N)]`.
    const EXPONENTIAL: bool = false;
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

    /// One exponential histogram series: buckets at powers of `2^(2^-schema)`, and the classic
    /// buckets of fixed bounds it records too.
    ///
    /// The default writes the classic histogram ([`EncodeExponentialHistogram::classic`]) with
    /// [`histogram`](Self::histogram): what a format without exponential buckets (the text
    /// formats) shows. A format with them (OTLP, Prometheus protobuf) reads
    /// [`EncodeExponentialHistogram::read`] instead.
    fn exponential_histogram(
        &mut self,
        labels: &dyn EncodeLabels,
        histogram: &dyn EncodeExponentialHistogram,
    ) {
        self.histogram(labels, histogram.classic());
    }
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

/// The data of one exponential histogram series, as an exposition reads it: the classic view
/// (fixed `le` bounds, read without allocating) and a reading of both views that agree on the
/// count.
///
/// [`ExponentialHistogram`](crate::ExponentialHistogram) implements it; so can any other source
/// of such data.
///
/// ```
/// use metrics_core::{EncodeExponentialHistogram, EncodeHistogram, ExponentialReading};
///
/// /// Two observations: 0 and 3.
/// struct Fixed;
///
/// impl EncodeHistogram for Fixed {
///     fn bounds(&self) -> &[f64] { &[1.0] }
///     fn bucket_count(&self, index: usize) -> u64 { 1 } // one `<= 1`, one in `+Inf`
///     fn sum(&self) -> f64 { 3.0 }
/// }
///
/// impl EncodeExponentialHistogram for Fixed {
///     fn classic(&self) -> &dyn EncodeHistogram { self }
///     fn read(&self) -> ExponentialReading {
///         ExponentialReading {
///             schema: 0,
///             zero_threshold: 2f64.powi(-128),
///             zero_count: 1,
///             positive_offset: 2, // (2, 4]
///             positive: vec![1],
///             bounds: vec![1.0],
///             classic: vec![1, 1],
///             count: 2,
///             sum: 3.0,
///             dropped: 0,
///         }
///     }
/// }
///
/// let h: &dyn EncodeExponentialHistogram = &Fixed;
/// assert_eq!(h.classic().bucket_count(1), 1);
/// assert_eq!(h.read().count, 2);
/// ```
pub trait EncodeExponentialHistogram {
    /// The classic histogram: the fixed bounds, a count per bucket, the sum. What the text
    /// formats, the remote write `_bucket` series and the Pushgateway show.
    fn classic(&self) -> &dyn EncodeHistogram;
    /// Both views read together: [`ExponentialReading::count`] is the sum of the exponential
    /// buckets (zero bucket included) and of the classic buckets alike.
    fn read(&self) -> ExponentialReading;
}

/// One reading of an exponential histogram: the exponential buckets, the classic buckets and
/// the count and sum they share.
///
/// Bucket indexes follow Prometheus native histograms: at schema `s`, with
/// `base = 2^(2^-s)`, bucket `i` holds the observations in `(base^(i-1), base^i]` (OTLP's
/// `ExponentialHistogram` numbers the same bucket `i - 1`, and calls the schema its scale).
/// Observations in `[0, zero_threshold]` count in the zero bucket. Negative observations
/// are dropped (counted in `dropped`), so there are no negative buckets.
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialReading {
    /// The resolution, -4..=8: `2^schema` buckets per power of two.
    pub schema: i32,
    /// The upper bound of the zero bucket.
    pub zero_threshold: f64,
    /// Observations in `[0, zero_threshold]`.
    pub zero_count: u64,
    /// The index of the bucket `positive[0]` counts.
    pub positive_offset: i32,
    /// Observations per bucket (not cumulative), bucket `positive_offset` first; neither the
    /// first nor the last is zero (empty when every observation is in the zero bucket).
    pub positive: Vec<u64>,
    /// The classic buckets' upper bounds (`le`), increasing; `+Inf` follows them.
    pub bounds: Vec<f64>,
    /// Observations per classic bucket (not cumulative): one per bound, then `+Inf`.
    pub classic: Vec<u64>,
    /// The number of observations: `zero_count` plus the sum of `positive`, and the sum of
    /// `classic`.
    pub count: u64,
    /// The sum of the observations.
    pub sum: f64,
    /// Observations dropped because they were `NaN`, infinite or negative.
    pub dropped: u64,
}

/// A run of consecutive buckets in the sparse form of the Prometheus protobuf and remote write
/// messages (`BucketSpan`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketSpan {
    /// The gap before the run: from the end of the previous span, or for the first span, the
    /// index of its first bucket.
    pub offset: i32,
    /// The number of buckets in the run.
    pub length: u32,
}

impl ExponentialReading {
    /// The positive buckets in the sparse form of Prometheus native histograms: spans and, for
    /// every bucket the spans cover, its count less the previous one's (the first's less 0).
    /// As the Go client writes them: a gap of one or two empty buckets stays inside a span
    /// (as zero counts), a longer one starts a new span.
    ///
    /// ```
    /// use metrics_core::{BucketSpan, ExponentialReading};
    ///
    /// let r = ExponentialReading {
    ///     schema: 0,
    ///     zero_threshold: 0.0,
    ///     zero_count: 0,
    ///     positive_offset: -2,
    ///     positive: vec![3, 0, 0, 1, 0, 0, 0, 5],
    ///     bounds: vec![],
    ///     classic: vec![9],
    ///     count: 9,
    ///     sum: 0.0,
    ///     dropped: 0,
    /// };
    /// let (spans, deltas) = r.positive_spans();
    /// assert_eq!(
    ///     spans,
    ///     [BucketSpan { offset: -2, length: 4 }, BucketSpan { offset: 3, length: 1 }]
    /// );
    /// assert_eq!(deltas, [3, -3, 0, 1, 4]);
    /// ```
    pub fn positive_spans(&self) -> (Vec<BucketSpan>, Vec<i64>) {
        let mut spans: Vec<BucketSpan> = Vec::new();
        let mut deltas = Vec::new();
        let mut previous = 0i64;
        // The index after the last bucket written: where a gap is measured from.
        let mut next = 0i32;
        for (i, &count) in (self.positive_offset..).zip(&self.positive) {
            if count == 0 {
                continue;
            }
            let gap = i - next;
            match spans.last_mut() {
                Some(span) if gap <= 2 => {
                    // As empty buckets inside the span.
                    for _ in 0..gap {
                        deltas.push(-previous);
                        previous = 0;
                    }
                    span.length += gap.unsigned_abs() + 1;
                }
                _ => spans.push(BucketSpan {
                    offset: gap,
                    length: 1,
                }),
            }
            // Counts past `i64::MAX` wrap, as the Go client's `int64` counts would.
            #[allow(clippy::cast_possible_wrap)]
            let count = count as i64;
            deltas.push(count.wrapping_sub(previous));
            previous = count;
            next = i + 1;
        }
        (spans, deltas)
    }
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
