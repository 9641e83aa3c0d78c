//! The messages of the Prometheus protobuf exposition format, `io.prometheus.client` in
//! `io/prometheus/client/metrics.proto` of `prometheus/client_model`, every field, as
//! hand-written `prost` 0.14 messages (no build script, no `protoc`): what the tests decode
//! `write_protobuf`'s output with. The encoder does not use them (it writes the wire format
//! directly), so they check it independently.
//!
//! The file is `proto2`: a scalar field is an `Option`, `None` when absent, and repeated scalars
//! are not packed. An exposition is a sequence of [`MetricFamily`] messages, each preceded by
//! its length as a varint (`Message::decode_length_delimited` reads one).

/// `io.prometheus.client.LabelPair`: one label of a series.
#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct LabelPair {
    /// The label name.
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// The label value.
    #[prost(string, optional, tag = "2")]
    pub value: Option<String>,
}

/// `io.prometheus.client.MetricType`: which field of each [`Metric`] of a family holds its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum MetricType {
    /// [`Metric::counter`].
    Counter = 0,
    /// [`Metric::gauge`].
    Gauge = 1,
    /// [`Metric::summary`].
    Summary = 2,
    /// [`Metric::untyped`].
    Untyped = 3,
    /// [`Metric::histogram`].
    Histogram = 4,
    /// [`Metric::histogram`], its values going up and down.
    GaugeHistogram = 5,
}

/// `io.prometheus.client.Gauge`.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Gauge {
    /// The value.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Counter`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Counter {
    /// The value.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
    /// An exemplar of the latest increments.
    #[prost(message, optional, tag = "2")]
    pub exemplar: Option<Exemplar>,
    /// When the counter started counting from zero.
    #[prost(message, optional, tag = "3")]
    pub created_timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Quantile`: one quantile of a [`Summary`].
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Quantile {
    /// The quantile, in `[0, 1]`.
    #[prost(double, optional, tag = "1")]
    pub quantile: Option<f64>,
    /// Its value.
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Summary`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Summary {
    /// The number of observations.
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    /// The sum of the observations.
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    /// The quantiles.
    #[prost(message, repeated, tag = "3")]
    pub quantile: Vec<Quantile>,
    /// When the summary started counting from zero.
    #[prost(message, optional, tag = "4")]
    pub created_timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Untyped`.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Untyped {
    /// The value.
    #[prost(double, optional, tag = "1")]
    pub value: Option<f64>,
}

/// `io.prometheus.client.Histogram`: a classic histogram (`bucket`), a native one (`schema`,
/// the zero bucket and the spans and deltas), or both at once.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    /// The number of observations.
    #[prost(uint64, optional, tag = "1")]
    pub sample_count: Option<u64>,
    /// The number of observations of a float histogram (overrides `sample_count` if above 0).
    #[prost(double, optional, tag = "4")]
    pub sample_count_float: Option<f64>,
    /// The sum of the observations.
    #[prost(double, optional, tag = "2")]
    pub sample_sum: Option<f64>,
    /// The classic buckets, by increasing upper bound; the `+Inf` bucket may be left out.
    #[prost(message, repeated, tag = "3")]
    pub bucket: Vec<Bucket>,
    /// When the histogram started counting from zero.
    #[prost(message, optional, tag = "15")]
    pub created_timestamp: Option<Timestamp>,
    /// The native buckets' schema: each power of two is split into `2^schema` buckets.
    #[prost(sint32, optional, tag = "5")]
    pub schema: Option<i32>,
    /// The breadth of the zero bucket: observations in `[-zero_threshold, zero_threshold]`.
    #[prost(double, optional, tag = "6")]
    pub zero_threshold: Option<f64>,
    /// The observations in the zero bucket.
    #[prost(uint64, optional, tag = "7")]
    pub zero_count: Option<u64>,
    /// The zero bucket of a float histogram (overrides `zero_count` if above 0).
    #[prost(double, optional, tag = "8")]
    pub zero_count_float: Option<f64>,
    /// The runs of consecutive negative buckets.
    #[prost(message, repeated, tag = "9")]
    pub negative_span: Vec<BucketSpan>,
    /// The count of each negative bucket minus that of the previous one (the first: minus 0).
    #[prost(sint64, repeated, packed = "false", tag = "10")]
    pub negative_delta: Vec<i64>,
    /// The count of each negative bucket of a float histogram.
    #[prost(double, repeated, packed = "false", tag = "11")]
    pub negative_count: Vec<f64>,
    /// The runs of consecutive positive buckets; one span of offset 0 and length 0 marks a
    /// native histogram without observations and with a zero threshold of 0.
    #[prost(message, repeated, tag = "12")]
    pub positive_span: Vec<BucketSpan>,
    /// The count of each positive bucket minus that of the previous one (the first: minus 0).
    #[prost(sint64, repeated, packed = "false", tag = "13")]
    pub positive_delta: Vec<i64>,
    /// The count of each positive bucket of a float histogram.
    #[prost(double, repeated, packed = "false", tag = "14")]
    pub positive_count: Vec<f64>,
    /// Exemplars of the native buckets (with timestamps).
    #[prost(message, repeated, tag = "16")]
    pub exemplars: Vec<Exemplar>,
}

/// `io.prometheus.client.Bucket`: one bucket of a classic histogram.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Bucket {
    /// The observations at most `upper_bound`.
    #[prost(uint64, optional, tag = "1")]
    pub cumulative_count: Option<u64>,
    /// The same, in a float histogram (overrides `cumulative_count` if above 0).
    #[prost(double, optional, tag = "4")]
    pub cumulative_count_float: Option<f64>,
    /// The upper bound, inclusive.
    #[prost(double, optional, tag = "2")]
    pub upper_bound: Option<f64>,
    /// An exemplar of the bucket.
    #[prost(message, optional, tag = "3")]
    pub exemplar: Option<Exemplar>,
}

/// `io.prometheus.client.BucketSpan`: a run of consecutive native buckets.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct BucketSpan {
    /// The first bucket's index (first span) or the gap after the previous span (the others).
    #[prost(sint32, optional, tag = "1")]
    pub offset: Option<i32>,
    /// The number of buckets.
    #[prost(uint32, optional, tag = "2")]
    pub length: Option<u32>,
}

/// `io.prometheus.client.Exemplar`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Exemplar {
    /// The exemplar's labels (a trace id, say).
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// The observed value.
    #[prost(double, optional, tag = "2")]
    pub value: Option<f64>,
    /// When it was observed.
    #[prost(message, optional, tag = "3")]
    pub timestamp: Option<Timestamp>,
}

/// `io.prometheus.client.Metric`: one series of a family, its value in the field the family's
/// [`MetricType`] names.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metric {
    /// The labels.
    #[prost(message, repeated, tag = "1")]
    pub label: Vec<LabelPair>,
    /// The value of a gauge.
    #[prost(message, optional, tag = "2")]
    pub gauge: Option<Gauge>,
    /// The value of a counter.
    #[prost(message, optional, tag = "3")]
    pub counter: Option<Counter>,
    /// The value of a summary.
    #[prost(message, optional, tag = "4")]
    pub summary: Option<Summary>,
    /// The value of an untyped metric.
    #[prost(message, optional, tag = "5")]
    pub untyped: Option<Untyped>,
    /// The value of a histogram.
    #[prost(message, optional, tag = "7")]
    pub histogram: Option<Histogram>,
    /// When the value was taken, in milliseconds since the Unix epoch (absent: at the scrape).
    #[prost(int64, optional, tag = "6")]
    pub timestamp_ms: Option<i64>,
}

/// `io.prometheus.client.MetricFamily`: a metric's metadata and its series.
#[derive(Clone, PartialEq, prost::Message)]
pub struct MetricFamily {
    /// The metric name (a counter's ends in `_total`).
    #[prost(string, optional, tag = "1")]
    pub name: Option<String>,
    /// The help text.
    #[prost(string, optional, tag = "2")]
    pub help: Option<String>,
    /// The type ([`MetricType`]).
    #[prost(enumeration = "MetricType", optional, tag = "3")]
    pub r#type: Option<i32>,
    /// The series.
    #[prost(message, repeated, tag = "4")]
    pub metric: Vec<Metric>,
    /// The unit, a suffix of the name.
    #[prost(string, optional, tag = "5")]
    pub unit: Option<String>,
}

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, prost::Message)]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Nanoseconds past the second, in `[0, 999_999_999]`.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}
