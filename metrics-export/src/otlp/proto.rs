//! The OTLP wire messages: the subset of opentelemetry-proto a metrics sender fills, as
//! hand-written `prost` 0.14 messages (no build script, no `protoc`), for reading what
//! [`Otlp::request`](super::Otlp::request) builds (`prost::Message` encodes and decodes them).
//! Field numbers and wire types are those of
//! `opentelemetry/proto/{collector/metrics,metrics,common,resource}/v1/*.proto`, checked
//! against the descriptors of the Python package `opentelemetry-proto` (and by
//! `tests/otlp.rs`, which decodes our requests with it).

/// `opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest`: the body of
/// `POST /v1/metrics`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportMetricsServiceRequest {
    /// The metrics, grouped by resource.
    #[prost(message, repeated, tag = "1")]
    pub resource_metrics: Vec<ResourceMetrics>,
}

/// `opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse`: the body of a
/// `2xx` answer.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExportMetricsServiceResponse {
    /// Set when the receiver refused part of the request.
    #[prost(message, optional, tag = "1")]
    pub partial_success: Option<ExportMetricsPartialSuccess>,
}

/// `opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess`.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct ExportMetricsPartialSuccess {
    /// The data points refused (not to be sent again).
    #[prost(int64, tag = "1")]
    pub rejected_data_points: i64,
    /// Why, or a warning when nothing was refused.
    #[prost(string, tag = "2")]
    pub error_message: String,
}

/// `opentelemetry.proto.metrics.v1.ResourceMetrics`: the metrics of one resource (a service).
#[derive(Clone, PartialEq, prost::Message)]
pub struct ResourceMetrics {
    /// The resource: `service.name` and other attributes.
    #[prost(message, optional, tag = "1")]
    pub resource: Option<Resource>,
    /// The metrics, grouped by instrumentation scope.
    #[prost(message, repeated, tag = "2")]
    pub scope_metrics: Vec<ScopeMetrics>,
    /// The schema of the resource's attributes (empty: none).
    #[prost(string, tag = "3")]
    pub schema_url: String,
}

/// `opentelemetry.proto.metrics.v1.ScopeMetrics`: the metrics of one instrumentation scope.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ScopeMetrics {
    /// The scope (`metrics-export` and its version).
    #[prost(message, optional, tag = "1")]
    pub scope: Option<InstrumentationScope>,
    /// The metrics.
    #[prost(message, repeated, tag = "2")]
    pub metrics: Vec<Metric>,
}

/// `opentelemetry.proto.metrics.v1.Metric`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Metric {
    /// The name (a counter's without `_total`).
    #[prost(string, tag = "1")]
    pub name: String,
    /// The HELP text.
    #[prost(string, tag = "2")]
    pub description: String,
    /// The unit (empty: none).
    #[prost(string, tag = "3")]
    pub unit: String,
    /// The data points and their kind.
    #[prost(oneof = "metric::Data", tags = "5, 7, 9, 10")]
    pub data: Option<metric::Data>,
}

/// The `oneof data` of [`Metric`].
pub mod metric {
    /// The kind of a metric, with its data points.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Data {
        /// A gauge.
        #[prost(message, tag = "5")]
        Gauge(super::Gauge),
        /// A sum (a counter: monotonic, cumulative).
        #[prost(message, tag = "7")]
        Sum(super::Sum),
        /// An explicit-bucket histogram.
        #[prost(message, tag = "9")]
        Histogram(super::Histogram),
        /// An exponential histogram.
        #[prost(message, tag = "10")]
        ExponentialHistogram(super::ExponentialHistogram),
    }
}

/// `opentelemetry.proto.metrics.v1.Gauge`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Gauge {
    /// One point per series.
    #[prost(message, repeated, tag = "1")]
    pub data_points: Vec<NumberDataPoint>,
}

/// `opentelemetry.proto.metrics.v1.Sum`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sum {
    /// One point per series.
    #[prost(message, repeated, tag = "1")]
    pub data_points: Vec<NumberDataPoint>,
    /// An [`AggregationTemporality`] (always cumulative here).
    #[prost(enumeration = "AggregationTemporality", tag = "2")]
    pub aggregation_temporality: i32,
    /// Whether the sum only goes up (a counter).
    #[prost(bool, tag = "3")]
    pub is_monotonic: bool,
}

/// `opentelemetry.proto.metrics.v1.Histogram`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    /// One point per series.
    #[prost(message, repeated, tag = "1")]
    pub data_points: Vec<HistogramDataPoint>,
    /// An [`AggregationTemporality`] (always cumulative here).
    #[prost(enumeration = "AggregationTemporality", tag = "2")]
    pub aggregation_temporality: i32,
}

/// `opentelemetry.proto.metrics.v1.AggregationTemporality`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum AggregationTemporality {
    /// Not set (invalid in a request).
    Unspecified = 0,
    /// Each point covers the time since the previous one.
    Delta = 1,
    /// Each point covers the time since `start_time_unix_nano`.
    Cumulative = 2,
}

/// `opentelemetry.proto.metrics.v1.NumberDataPoint`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct NumberDataPoint {
    /// The series' labels (instance labels, then its own).
    #[prost(message, repeated, tag = "7")]
    pub attributes: Vec<KeyValue>,
    /// Nanoseconds since the Unix epoch: when the cumulative count started.
    #[prost(fixed64, tag = "2")]
    pub start_time_unix_nano: u64,
    /// Nanoseconds since the Unix epoch: when the value was read.
    #[prost(fixed64, tag = "3")]
    pub time_unix_nano: u64,
    /// The value.
    #[prost(oneof = "number_data_point::Value", tags = "4, 6")]
    pub value: Option<number_data_point::Value>,
}

/// The `oneof value` of [`NumberDataPoint`].
pub mod number_data_point {
    /// A point's value.
    #[derive(Clone, Copy, PartialEq, prost::Oneof)]
    pub enum Value {
        /// A floating-point value (float gauges).
        #[prost(double, tag = "4")]
        AsDouble(f64),
        /// An integer value (counters, integer gauges).
        #[prost(sfixed64, tag = "6")]
        AsInt(i64),
    }
}

/// `opentelemetry.proto.metrics.v1.HistogramDataPoint`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HistogramDataPoint {
    /// The series' labels (instance labels, then its own).
    #[prost(message, repeated, tag = "9")]
    pub attributes: Vec<KeyValue>,
    /// Nanoseconds since the Unix epoch: when the cumulative counts started.
    #[prost(fixed64, tag = "2")]
    pub start_time_unix_nano: u64,
    /// Nanoseconds since the Unix epoch: when the histogram was read.
    #[prost(fixed64, tag = "3")]
    pub time_unix_nano: u64,
    /// The number of observations (the sum of `bucket_counts`).
    #[prost(fixed64, tag = "4")]
    pub count: u64,
    /// The sum of the observations.
    #[prost(double, optional, tag = "5")]
    pub sum: Option<f64>,
    /// The observations per bucket, not cumulative: one per bound, then the `+Inf` bucket.
    #[prost(fixed64, repeated, tag = "6")]
    pub bucket_counts: Vec<u64>,
    /// The upper bounds (inclusive) of the finite buckets.
    #[prost(double, repeated, tag = "7")]
    pub explicit_bounds: Vec<f64>,
}

/// `opentelemetry.proto.metrics.v1.ExponentialHistogram`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExponentialHistogram {
    /// One point per series.
    #[prost(message, repeated, tag = "1")]
    pub data_points: Vec<ExponentialHistogramDataPoint>,
    /// An [`AggregationTemporality`] (always cumulative here).
    #[prost(enumeration = "AggregationTemporality", tag = "2")]
    pub aggregation_temporality: i32,
}

/// `opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint`: buckets at powers of
/// `2^(2^-scale)`, bucket `i` holding `(base^i, base^(i+1)]`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ExponentialHistogramDataPoint {
    /// The series' labels (instance labels, then its own).
    #[prost(message, repeated, tag = "1")]
    pub attributes: Vec<KeyValue>,
    /// Nanoseconds since the Unix epoch: when the cumulative counts started.
    #[prost(fixed64, tag = "2")]
    pub start_time_unix_nano: u64,
    /// Nanoseconds since the Unix epoch: when the histogram was read.
    #[prost(fixed64, tag = "3")]
    pub time_unix_nano: u64,
    /// The number of observations: `zero_count` plus the bucket counts.
    #[prost(fixed64, tag = "4")]
    pub count: u64,
    /// The sum of the observations.
    #[prost(double, optional, tag = "5")]
    pub sum: Option<f64>,
    /// The resolution: `2^scale` buckets per power of two (a Prometheus native histogram's
    /// schema).
    #[prost(sint32, tag = "6")]
    pub scale: i32,
    /// Observations in `[-zero_threshold, zero_threshold]`.
    #[prost(fixed64, tag = "7")]
    pub zero_count: u64,
    /// The buckets of the positive observations.
    #[prost(message, optional, tag = "8")]
    pub positive: Option<exponential_histogram_data_point::Buckets>,
    /// The buckets of the negative observations (none here: they are dropped).
    #[prost(message, optional, tag = "9")]
    pub negative: Option<exponential_histogram_data_point::Buckets>,
    /// `DataPointFlags` (none here).
    #[prost(uint32, tag = "10")]
    pub flags: u32,
    /// The smallest observation (not sent: not tracked).
    #[prost(double, optional, tag = "12")]
    pub min: Option<f64>,
    /// The largest observation (not sent: not tracked).
    #[prost(double, optional, tag = "13")]
    pub max: Option<f64>,
    /// The upper bound of the zero bucket.
    #[prost(double, tag = "14")]
    pub zero_threshold: f64,
}

/// The nested messages of [`ExponentialHistogramDataPoint`].
pub mod exponential_histogram_data_point {
    /// Consecutive buckets: `bucket_counts[k]` is bucket `offset + k`.
    #[derive(Clone, PartialEq, Eq, prost::Message)]
    pub struct Buckets {
        /// The index of the first bucket.
        #[prost(sint32, tag = "1")]
        pub offset: i32,
        /// The observations per bucket, not cumulative.
        #[prost(uint64, repeated, tag = "2")]
        pub bucket_counts: Vec<u64>,
    }
}

/// `opentelemetry.proto.common.v1.KeyValue`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct KeyValue {
    /// The attribute's name.
    #[prost(string, tag = "1")]
    pub key: String,
    /// The attribute's value.
    #[prost(message, optional, tag = "2")]
    pub value: Option<AnyValue>,
}

impl KeyValue {
    /// A string attribute.
    pub fn string(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue(value.into())),
            }),
        }
    }

    /// The value when it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s),
            _ => None,
        }
    }
}

/// `opentelemetry.proto.common.v1.AnyValue` (the scalar kinds).
#[derive(Clone, PartialEq, prost::Message)]
pub struct AnyValue {
    /// The value.
    #[prost(oneof = "any_value::Value", tags = "1, 2, 3, 4")]
    pub value: Option<any_value::Value>,
}

/// The `oneof value` of [`AnyValue`].
pub mod any_value {
    /// An attribute value.
    #[derive(Clone, PartialEq, prost::Oneof)]
    pub enum Value {
        /// A string (every label value is sent as one).
        #[prost(string, tag = "1")]
        StringValue(String),
        /// A boolean.
        #[prost(bool, tag = "2")]
        BoolValue(bool),
        /// An integer.
        #[prost(int64, tag = "3")]
        IntValue(i64),
        /// A float.
        #[prost(double, tag = "4")]
        DoubleValue(f64),
    }
}

/// `opentelemetry.proto.common.v1.InstrumentationScope`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct InstrumentationScope {
    /// The scope's name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The scope's version.
    #[prost(string, tag = "2")]
    pub version: String,
}

/// `opentelemetry.proto.resource.v1.Resource`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Resource {
    /// The resource's attributes (`service.name`...).
    #[prost(message, repeated, tag = "1")]
    pub attributes: Vec<KeyValue>,
}
