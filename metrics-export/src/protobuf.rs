//! The Prometheus protobuf exposition format (feature `protobuf`): each family as an
//! `io.prometheus.client.MetricFamily` message, preceded by its length as a varint, written
//! straight into the caller's buffer. What it writes: [`encode_protobuf`].

use metrics_core::{
    BucketSpan, EncodeExponentialHistogram, EncodeHistogram, EncodeLabels, ExponentialReading,
    LabelEncoder, LabelValueRef, MetricDesc, MetricEncoder, MetricKind, Registry, RegistryEncoder,
};
use prost::encoding::{encode_key, encode_varint, encoded_len_varint, WireType};

/// The `Content-Type` of [`encode_protobuf`]'s output: length-delimited `MetricFamily` messages.
pub const PROTOBUF_CONTENT_TYPE: &str =
    "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

/// Renders every metric of `registry` in the Prometheus protobuf format: one length-delimited
/// `io.prometheus.client.MetricFamily` message per family (`io/prometheus/client/metrics.proto`
/// of `prometheus/client_model`).
///
/// It is the only exposition format that carries native histograms, so a Prometheus started
/// with `--enable-feature=native-histograms` asks for it first; the HTTP endpoint answers with
/// it when the `Accept` header names it
/// ([`ExpositionFormat::negotiate`](crate::ExpositionFormat::negotiate)). Every family is in it,
/// with the same names and values as in the text formats:
///
/// - a counter: its full name (ending in `_total`), type `COUNTER`, the value as a double;
/// - a gauge, integer or float: type `GAUGE`, the value as a double;
/// - a histogram: type `HISTOGRAM`, the count, the sum and the cumulative count of each finite
///   bucket (the `+Inf` bucket is the count, as the Go client leaves it out too);
/// - an exponential histogram: a native histogram (type `HISTOGRAM` with the schema, the zero
///   bucket's threshold and count, and the positive buckets as spans and count deltas), and its
///   classic buckets beside them as above, for a scraper that reads only those (the text
///   formats show only the classic buckets);
/// - the help text when there is one, and the unit when the metric has one (`unit = "..."`, or
///   read off its name, as for `# UNIT` in OpenMetrics) in the `unit` field (5) that
///   `client_model` 0.6 added, which older readers (Prometheus 2.42) skip.
///
/// A family without series (an open-ended family before its first record) is left out. Label
/// values are written as they are, without the escaping of the text formats.
///
/// ```
/// use std::sync::Arc;
/// use metrics_core::{Counter, MetricSet, Registry};
///
/// #[derive(MetricSet)]
/// #[metric_set(prefix = "worker", global = false)]
/// struct WorkerMetrics {
///     /// Jobs processed
///     jobs_total: Counter,
/// }
///
/// let m = Arc::new(WorkerMetrics::default());
/// let registry = Registry::new();
/// registry.register(m.clone());
/// m.jobs_total.inc_by(3);
///
/// // The family's length, its name (field 1), help (2), type (3, COUNTER is 0), and its one
/// // series (4): a counter (3) whose value (1) is the double 3.
/// let mut want = b"\x32\x0a\x11worker_jobs_total\x12\x0eJobs processed\x18\x00".to_vec();
/// want.extend_from_slice(b"\x22\x0b\x1a\x09\x09");
/// want.extend_from_slice(&3.0f64.to_le_bytes());
/// assert_eq!(metrics_export::encode_protobuf(&registry), want);
/// ```
///
/// Like the text encoders, it allocates nothing per series (but to read an exponential
/// histogram's buckets): each series is assembled in a small reused buffer, and each family's
/// length is put in front of it once it is complete.
pub fn encode_protobuf(registry: &Registry) -> Vec<u8> {
    let mut out = Vec::new();
    write_protobuf(registry, &mut out);
    out
}

/// Appends every metric of `registry` to `out` in the Prometheus protobuf format
/// ([`encode_protobuf`]).
pub fn write_protobuf(registry: &Registry, out: &mut Vec<u8>) {
    // Room for a series with a few labels and a histogram of a dozen buckets: the buffers grow
    // only for larger series.
    let mut writer = Writer {
        out,
        family: None,
        metric: Vec::with_capacity(512),
        value: Vec::with_capacity(256),
        instance: Vec::new(),
    };
    registry.encode(&mut writer);
    writer.finish_family();
}

// The `MetricType` values of `metrics.proto` that the writer uses.
const TYPE_COUNTER: u64 = 0;
const TYPE_GAUGE: u64 = 1;
const TYPE_HISTOGRAM: u64 = 4;
// The field numbers of `metrics.proto` that the writer fills.
const FAMILY_NAME: u32 = 1;
const FAMILY_HELP: u32 = 2;
const FAMILY_TYPE: u32 = 3;
const FAMILY_METRIC: u32 = 4;
const FAMILY_UNIT: u32 = 5;
const METRIC_LABEL: u32 = 1;
const METRIC_GAUGE: u32 = 2;
const METRIC_COUNTER: u32 = 3;
const METRIC_HISTOGRAM: u32 = 7;
const LABEL_NAME: u32 = 1;
const LABEL_VALUE: u32 = 2;
/// `Gauge.value` and `Counter.value`.
const VALUE: u32 = 1;
const HISTOGRAM_SAMPLE_COUNT: u32 = 1;
const HISTOGRAM_SAMPLE_SUM: u32 = 2;
const HISTOGRAM_BUCKET: u32 = 3;
const HISTOGRAM_SCHEMA: u32 = 5;
const HISTOGRAM_ZERO_THRESHOLD: u32 = 6;
const HISTOGRAM_ZERO_COUNT: u32 = 7;
const HISTOGRAM_POSITIVE_SPAN: u32 = 12;
const HISTOGRAM_POSITIVE_DELTA: u32 = 13;
const BUCKET_CUMULATIVE_COUNT: u32 = 1;
const BUCKET_UPPER_BOUND: u32 = 2;
const SPAN_OFFSET: u32 = 1;
const SPAN_LENGTH: u32 = 2;

/// The family being written.
struct Family {
    desc: MetricDesc,
    /// Where its message starts in `out`, once its first series is written (its length goes
    /// there when it is complete).
    start: Option<usize>,
}

/// Writes a registry into `out`: each series is assembled in `metric` (its histogram in
/// `value`), then appended to `out` behind its field key and length.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    family: Option<Family>,
    /// The `Metric` message being assembled.
    metric: Vec<u8>,
    /// A message nested in `metric`, being assembled.
    value: Vec<u8>,
    /// The current instance labels, as `Metric.label` fields.
    instance: Vec<u8>,
}

impl Writer<'_> {
    /// Starts a series of the current family: writes the family's metadata first if this is its
    /// first series, and the instance labels into `metric`.
    fn begin_series(&mut self) {
        let Some(family) = &mut self.family else {
            return;
        };
        if family.start.is_none() {
            family.start = Some(self.out.len());
            let desc = &family.desc;
            string_field(self.out, FAMILY_NAME, desc.name);
            if !desc.help.is_empty() {
                string_field(self.out, FAMILY_HELP, desc.help);
            }
            let kind = match desc.kind {
                MetricKind::Counter => TYPE_COUNTER,
                MetricKind::Gauge => TYPE_GAUGE,
                MetricKind::Histogram => TYPE_HISTOGRAM,
            };
            varint_field(self.out, FAMILY_TYPE, kind);
        }
        self.metric.clear();
        self.metric.extend_from_slice(&self.instance);
    }

    /// Writes the series' own labels after its instance labels.
    fn labels(&mut self, labels: &dyn EncodeLabels) {
        labels.encode(&mut LabelWriter(&mut self.metric));
    }

    /// Ends the series assembled in `metric`, appending it to the family.
    fn end_series(&mut self) {
        message_field(self.out, FAMILY_METRIC, &self.metric);
    }

    /// A series whose value is a `Gauge` or `Counter` message of one double.
    fn single(&mut self, field: u32, labels: &dyn EncodeLabels, value: f64) {
        self.begin_series();
        self.labels(labels);
        encode_key(field, WireType::LengthDelimited, &mut self.metric);
        encode_varint(9, &mut self.metric);
        double_field(&mut self.metric, VALUE, value);
        self.end_series();
    }

    /// Puts the length of the complete family in front of it.
    fn finish_family(&mut self) {
        let Some(Family {
            desc,
            start: Some(start),
        }) = self.family.take()
        else {
            return;
        };
        if let Some(unit) = desc.unit.filter(|u| !u.is_empty()) {
            string_field(self.out, FAMILY_UNIT, unit);
        }
        let mut len = [0u8; 10];
        let mut prefix = &mut len[..];
        encode_varint((self.out.len() - start) as u64, &mut prefix);
        let written = 10 - prefix.len();
        self.out
            .splice(start..start, len[..written].iter().copied());
    }
}

// Integer values become `f64`, the protobuf format's only sample type: exact up to 2^53, as
// for every Prometheus sample.
#[allow(clippy::cast_precision_loss)]
impl MetricEncoder for Writer<'_> {
    fn counter(&mut self, labels: &dyn EncodeLabels, value: u64) {
        self.single(METRIC_COUNTER, labels, value as f64);
    }

    fn gauge(&mut self, labels: &dyn EncodeLabels, value: i64) {
        self.single(METRIC_GAUGE, labels, value as f64);
    }

    fn float_gauge(&mut self, labels: &dyn EncodeLabels, value: f64) {
        self.single(METRIC_GAUGE, labels, value);
    }

    fn histogram(&mut self, labels: &dyn EncodeLabels, histogram: &dyn EncodeHistogram) {
        self.begin_series();
        self.labels(labels);
        // Each bucket is read once and the count is the final cumulative count, as in the text
        // formats. The count and sum come first in the message (fields in number order, as the
        // Go client writes them), so the buckets are assembled apart, then appended.
        let buckets = &mut self.value;
        buckets.clear();
        let bounds = histogram.bounds();
        let mut cumulative = 0u64;
        for (index, &bound) in bounds.iter().enumerate() {
            cumulative = cumulative.wrapping_add(histogram.bucket_count(index));
            bucket_field(buckets, cumulative, bound);
        }
        let count = cumulative.wrapping_add(histogram.bucket_count(bounds.len()));
        let len = 1 + encoded_len_varint(count) + 1 + 8 + buckets.len();
        let metric = &mut self.metric;
        encode_key(METRIC_HISTOGRAM, WireType::LengthDelimited, metric);
        encode_varint(len as u64, metric);
        varint_field(metric, HISTOGRAM_SAMPLE_COUNT, count);
        double_field(metric, HISTOGRAM_SAMPLE_SUM, histogram.sum());
        metric.extend_from_slice(buckets);
        self.end_series();
    }

    fn exponential_histogram(
        &mut self,
        labels: &dyn EncodeLabels,
        histogram: &dyn EncodeExponentialHistogram,
    ) {
        self.native_histogram(labels, &histogram.read());
    }
}

impl Writer<'_> {
    /// An exponential histogram: its native buckets, and its classic buckets beside them.
    fn native_histogram(&mut self, labels: &dyn EncodeLabels, reading: &ExponentialReading) {
        self.begin_series();
        self.labels(labels);
        let (spans, deltas) = reading.positive_spans();
        let value = &mut self.value;
        value.clear();
        varint_field(value, HISTOGRAM_SAMPLE_COUNT, reading.count);
        double_field(value, HISTOGRAM_SAMPLE_SUM, reading.sum);
        let mut cumulative = 0u64;
        for (&bound, &count) in reading.bounds.iter().zip(&reading.classic) {
            cumulative = cumulative.wrapping_add(count);
            bucket_field(value, cumulative, bound);
        }
        sint_field(value, HISTOGRAM_SCHEMA, i64::from(reading.schema));
        double_field(value, HISTOGRAM_ZERO_THRESHOLD, reading.zero_threshold);
        varint_field(value, HISTOGRAM_ZERO_COUNT, reading.zero_count);
        if spans.is_empty() && reading.zero_threshold == 0.0 && reading.zero_count == 0 {
            // Without observations and with a zero threshold of 0 it would read as a classic
            // histogram: one span of no bucket says it is native (as the Go client writes it).
            span_field(
                value,
                &BucketSpan {
                    offset: 0,
                    length: 0,
                },
            );
        }
        for span in &spans {
            span_field(value, span);
        }
        for &delta in &deltas {
            sint_field(value, HISTOGRAM_POSITIVE_DELTA, delta);
        }
        message_field(&mut self.metric, METRIC_HISTOGRAM, value);
        self.end_series();
    }
}

impl RegistryEncoder for Writer<'_> {
    fn family(&mut self, desc: &MetricDesc) {
        self.finish_family();
        self.family = Some(Family {
            desc: *desc,
            start: None,
        });
    }

    fn instance_labels(&mut self, labels: &[(String, String)]) {
        self.instance.clear();
        // At most 16 bytes of keys and lengths per pair: one allocation per scrape.
        let room = labels.iter().map(|(n, v)| n.len() + v.len() + 16).sum();
        self.instance.reserve(room);
        let mut pairs = LabelWriter(&mut self.instance);
        for (name, value) in labels {
            pairs.label(name, LabelValueRef::Str(value));
        }
    }
}

/// Writes labels as `Metric.label` fields.
struct LabelWriter<'a>(&'a mut Vec<u8>);

impl LabelEncoder for LabelWriter<'_> {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        let mut digits = itoa::Buffer::new();
        let value = match value {
            LabelValueRef::Str(s) => s,
            LabelValueRef::I64(v) => digits.format(v),
            LabelValueRef::U64(v) => digits.format(v),
        };
        let len = string_field_len(name) + string_field_len(value);
        encode_key(METRIC_LABEL, WireType::LengthDelimited, self.0);
        encode_varint(len as u64, self.0);
        string_field(self.0, LABEL_NAME, name);
        string_field(self.0, LABEL_VALUE, value);
    }
}

/// A classic bucket: its cumulative count and upper bound.
fn bucket_field(out: &mut Vec<u8>, cumulative: u64, bound: f64) {
    let len = 1 + encoded_len_varint(cumulative) + 1 + 8;
    encode_key(HISTOGRAM_BUCKET, WireType::LengthDelimited, out);
    encode_varint(len as u64, out);
    varint_field(out, BUCKET_CUMULATIVE_COUNT, cumulative);
    double_field(out, BUCKET_UPPER_BOUND, bound);
}

/// A positive bucket span: its offset and length.
fn span_field(out: &mut Vec<u8>, span: &BucketSpan) {
    let offset = zigzag(i64::from(span.offset));
    let length = u64::from(span.length);
    let len = 1 + encoded_len_varint(offset) + 1 + encoded_len_varint(length);
    encode_key(HISTOGRAM_POSITIVE_SPAN, WireType::LengthDelimited, out);
    encode_varint(len as u64, out);
    varint_field(out, SPAN_OFFSET, offset);
    varint_field(out, SPAN_LENGTH, length);
}

/// A `sint32` or `sint64` field (zigzag-encoded).
fn sint_field(out: &mut Vec<u8>, field: u32, value: i64) {
    varint_field(out, field, zigzag(value));
}

/// Zigzag encoding: small negative numbers as small unsigned ones (`-1` as 1, `1` as 2).
#[allow(clippy::cast_sign_loss)]
fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// The encoded length of a string field of a field number below 16 (a one-byte key).
fn string_field_len(s: &str) -> usize {
    1 + encoded_len_varint(s.len() as u64) + s.len()
}

fn string_field(out: &mut Vec<u8>, field: u32, s: &str) {
    message_field(out, field, s.as_bytes());
}

fn message_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    encode_key(field, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

fn varint_field(out: &mut Vec<u8>, field: u32, value: u64) {
    encode_key(field, WireType::Varint, out);
    encode_varint(value, out);
}

fn double_field(out: &mut Vec<u8>, field: u32, value: f64) {
    encode_key(field, WireType::SixtyFourBit, out);
    out.extend_from_slice(&value.to_le_bytes());
}
