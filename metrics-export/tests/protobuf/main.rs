//! The Prometheus protobuf exposition format: what the encoder writes, decoded back with
//! `prost` messages of `metrics.proto` (`proto.rs`) and compared whole; the exact bytes of a
//! small case; the same bytes decoded by Google's own protobuf runtime (the Python package
//! `protobuf`, with the messages of `metrics.proto` declared in the script); and the format
//! negotiated over HTTP.
#![cfg(feature = "protobuf")]

mod proto;

use std::sync::Arc;

use metrics_core::{
    Counter, EncodeExponentialHistogram, EncodeHistogram, EncodeMetric, ExponentialHistogram,
    ExponentialReading, Family, FloatGauge, Gauge, Histogram, LabelEncoder, LabelSet, LabelValue,
    LabelValueRef, MetricDesc, MetricEncoder, MetricKind, MetricSet, Registry, SetInfo,
};
use metrics_export::{encode_protobuf, write_protobuf, PROTOBUF_CONTENT_TYPE};
use prost::Message as _;
use proto::{
    Bucket, BucketSpan, Counter as CounterValue, Gauge as GaugeValue, Histogram as HistogramValue,
    LabelPair, Metric, MetricFamily, MetricType,
};

/// Every length-delimited family of `bytes`; panics on a malformed or truncated message.
fn decode(mut bytes: &[u8]) -> Vec<MetricFamily> {
    let mut families = Vec::new();
    while !bytes.is_empty() {
        families.push(MetricFamily::decode_length_delimited(&mut bytes).unwrap());
    }
    families
}

fn family(name: &str, help: &str, kind: MetricType, metric: Vec<Metric>) -> MetricFamily {
    MetricFamily {
        name: Some(name.to_owned()),
        help: Some(help.to_owned()),
        r#type: Some(kind as i32),
        metric,
        unit: None,
    }
}

fn labels(pairs: &[(&str, &str)]) -> Vec<LabelPair> {
    pairs
        .iter()
        .map(|(name, value)| LabelPair {
            name: Some((*name).to_owned()),
            value: Some((*value).to_owned()),
        })
        .collect()
}

fn counter(pairs: &[(&str, &str)], value: f64) -> Metric {
    Metric {
        label: labels(pairs),
        counter: Some(CounterValue {
            value: Some(value),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn gauge(pairs: &[(&str, &str)], value: f64) -> Metric {
    Metric {
        label: labels(pairs),
        gauge: Some(GaugeValue { value: Some(value) }),
        ..Default::default()
    }
}

/// A classic histogram: `(upper bound, cumulative count)` of the finite buckets.
fn histogram(pairs: &[(&str, &str)], buckets: &[(f64, u64)], count: u64, sum: f64) -> Metric {
    Metric {
        label: labels(pairs),
        histogram: Some(HistogramValue {
            sample_count: Some(count),
            sample_sum: Some(sum),
            bucket: buckets
                .iter()
                .map(|&(bound, cumulative)| Bucket {
                    cumulative_count: Some(cumulative),
                    upper_bound: Some(bound),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
#[allow(dead_code)] // exported at zero, never recorded
enum Reason {
    RateLimit,
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct ResumeLabels {
    reason: Reason,
    retried: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: &'static str,
    status: u16,
}

#[derive(MetricSet)]
#[metric_set(prefix = "app", global = false)]
struct App {
    /// Resumes by reason
    resumes_total: Family<ResumeLabels, Counter>,
    /// Requests by route
    #[metric(max_series = 2)]
    requests_total: Family<RouteLabels, Counter>,
    /// Routes never requested
    idle_total: Family<RouteLabels, Counter>,
    /// Bytes sent
    #[metric(unit = "bytes")]
    sent_bytes_total: Counter,
    /// Queue depth
    queue_depth: Gauge,
    /// Load average
    load_ratio: FloatGauge,
    /// Wait
    wait_seconds: Histogram,
    /// Run time
    #[metric(unit = "seconds", buckets = [0.0, 1.0, 1e6])]
    run_seconds: Histogram,
}

#[test]
fn every_family_decodes_back_whole() {
    let app = Arc::new(App::default());
    let registry = Registry::new();
    registry.register_with_labels(Arc::clone(&app), &[("backend", "cpu \"0\"\n\\")]);
    app.resumes_total
        .with(&ResumeLabels {
            reason: Reason::Manual,
            retried: true,
        })
        .inc_by(u64::from(u32::MAX) + 1);
    for (route, status) in [("/a", 200), ("/ü\n\"", 503), ("/a", 200), ("/c", 200)] {
        app.requests_total
            .with(&RouteLabels { route, status })
            .inc();
    }
    app.sent_bytes_total.inc_by(7);
    app.queue_depth.set(i64::MIN);
    app.load_ratio.set(f64::NEG_INFINITY);
    for v in [0.003, 0.3, 0.3, 42.0] {
        app.wait_seconds.observe(v);
    }
    for v in [0.0, 1.0, 2.5, 2e6] {
        app.run_seconds.observe(v);
    }

    let instance = ("backend", "cpu \"0\"\n\\");
    let resumes = [
        ("rate_limit", "false", 0.0),
        ("rate_limit", "true", 0.0),
        ("manual", "false", 0.0),
        ("manual", "true", 4_294_967_296.0),
    ];
    let want = vec![
        family(
            "app_resumes_total",
            "Resumes by reason",
            MetricType::Counter,
            resumes
                .iter()
                .map(|&(reason, retried, v)| {
                    counter(&[instance, ("reason", reason), ("retried", retried)], v)
                })
                .collect(),
        ),
        family(
            "app_requests_total",
            "Requests by route",
            MetricType::Counter,
            vec![
                counter(&[instance, ("route", "/a"), ("status", "200")], 2.0),
                counter(&[instance, ("route", "/ü\n\""), ("status", "503")], 1.0),
                counter(
                    &[instance, ("route", "overflow"), ("status", "overflow")],
                    1.0,
                ),
            ],
        ),
        // `app_idle_total` has no series: left out.
        MetricFamily {
            unit: Some("bytes".to_owned()),
            ..family(
                "app_sent_bytes_total",
                "Bytes sent",
                MetricType::Counter,
                vec![counter(&[instance], 7.0)],
            )
        },
        family(
            "app_queue_depth",
            "Queue depth",
            MetricType::Gauge,
            vec![gauge(&[instance], -9.223_372_036_854_776e18)],
        ),
        // The units of `app_load_ratio` and `app_wait_seconds` are read off their names.
        MetricFamily {
            unit: Some("ratio".to_owned()),
            ..family(
                "app_load_ratio",
                "Load average",
                MetricType::Gauge,
                vec![gauge(&[instance], f64::NEG_INFINITY)],
            )
        },
        MetricFamily {
            unit: Some("seconds".to_owned()),
            ..family(
                "app_wait_seconds",
                "Wait",
                MetricType::Histogram,
                vec![histogram(
                    &[instance],
                    &[
                        (0.005, 1),
                        (0.01, 1),
                        (0.025, 1),
                        (0.05, 1),
                        (0.1, 1),
                        (0.25, 1),
                        (0.5, 3),
                        (1.0, 3),
                        (2.5, 3),
                        (5.0, 3),
                        (10.0, 3),
                    ],
                    4,
                    42.603,
                )],
            )
        },
        MetricFamily {
            unit: Some("seconds".to_owned()),
            ..family(
                "app_run_seconds",
                "Run time",
                MetricType::Histogram,
                vec![histogram(
                    &[instance],
                    &[(0.0, 1), (1.0, 2), (1e6, 3)],
                    4,
                    2_000_003.5,
                )],
            )
        },
        family(
            "metrics_series_overflow_total",
            "Records diverted to an overflow series because their family had reached its series cap",
            MetricType::Counter,
            vec![
                counter(&[instance, ("metric", "app_requests_total")], 1.0),
                counter(&[instance, ("metric", "app_idle_total")], 0.0),
            ],
        ),
        family(
            "metrics_label_value_too_long_total",
            "Records diverted to an overflow series because a label value was longer than their family's max_label_value_len",
            MetricType::Counter,
            vec![
                counter(&[instance, ("metric", "app_requests_total")], 0.0),
                counter(&[instance, ("metric", "app_idle_total")], 0.0),
            ],
        ),
    ];
    assert_eq!(decode(&encode_protobuf(&registry)), want);
}

#[derive(MetricSet)]
#[metric_set(global = false)]
struct Small {
    /// Jobs
    jobs_total: Counter,
    /// Run
    #[metric(buckets = [0.5])]
    run_seconds: Histogram,
}

#[test]
fn the_bytes_of_a_small_registry() {
    let small = Arc::new(Small::default());
    let registry = Registry::new();
    registry.register_with_labels(Arc::clone(&small), &[("a", "b")]);
    small.jobs_total.inc_by(3);
    small.run_seconds.observe(0.25);
    small.run_seconds.observe(0.75);
    let mut want = Vec::new();
    // A family: its length, then name (1), help (2), type (3), each series (4), and its unit
    // (5) if it has one. A series: its labels (1), then its counter (3) or histogram (7).
    // Fields in number order, as the Go client writes them.
    let label = b"\x0a\x06\x0a\x01a\x12\x01b";
    want.extend_from_slice(b"\x29\x0a\x0ajobs_total\x12\x04Jobs\x18\x00\x22\x13");
    want.extend_from_slice(label);
    want.extend_from_slice(b"\x1a\x09\x09");
    want.extend_from_slice(&3.0f64.to_le_bytes());
    // A histogram: count (1), sum (2), the finite buckets (3), each its cumulative count (1)
    // and upper bound (2). Its family is 65 bytes: 56 up to the end of its series, then 9 of
    // the unit read off its name (`seconds`).
    want.extend_from_slice(b"\x41\x0a\x0brun_seconds\x12\x03Run\x18\x04\x22\x22");
    want.extend_from_slice(label);
    want.extend_from_slice(b"\x3a\x18\x08\x02\x11");
    want.extend_from_slice(&1.0f64.to_le_bytes());
    want.extend_from_slice(b"\x1a\x0b\x08\x01\x11");
    want.extend_from_slice(&0.5f64.to_le_bytes());
    want.extend_from_slice(b"\x2a\x07seconds");
    assert_eq!(encode_protobuf(&registry), want);
    let format = metrics_export::ExpositionFormat::Protobuf;
    assert_eq!(format.encode(&registry), want);
    assert_eq!(
        (format.content_type(), PROTOBUF_CONTENT_TYPE),
        (
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"
        )
    );
}

#[test]
fn appends_and_handles_long_families() {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct Shard {
        shard: u32,
    }
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Sharded {
        /// Items per shard
        #[metric(max_series = 100_000)]
        items: Family<Shard, Gauge>,
    }
    assert_eq!(encode_protobuf(&Registry::new()), b"");
    let sharded = Arc::new(Sharded::default());
    let registry = Registry::new();
    registry.register(Arc::clone(&sharded));
    for shard in 0..20_000 {
        sharded
            .items
            .with(&Shard { shard })
            .set(i64::from(shard) - 7);
    }
    let mut out = b"kept".to_vec();
    write_protobuf(&registry, &mut out);
    assert_eq!(&out[..4], b"kept");
    let families = decode(&out[4..]);
    // A family of 20,000 series is about 500 KB: its length takes three varint bytes.
    assert_eq!(out[4..7].iter().filter(|b| **b & 0x80 != 0).count(), 2);
    let metrics = &families[0].metric;
    assert_eq!(metrics.len(), 20_000);
    for (shard, metric) in (0..20_000).zip(metrics) {
        let shard_text = shard.to_string();
        assert_eq!(
            *metric,
            gauge(&[("shard", &shard_text)], f64::from(shard) - 7.0)
        );
    }
    // And the self-metrics of an open-ended family.
    let names: Vec<&str> = families
        .iter()
        .map(|f| f.name.as_deref().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "items",
            "metrics_series_overflow_total",
            "metrics_label_value_too_long_total"
        ]
    );
}

/// An exponential histogram series of fixed content, as any source of such data can hand it
/// to an encoder.
struct Fixed(ExponentialReading);

impl EncodeHistogram for Fixed {
    fn bounds(&self) -> &[f64] {
        &self.0.bounds
    }
    fn bucket_count(&self, index: usize) -> u64 {
        self.0.classic[index]
    }
    fn sum(&self) -> f64 {
        self.0.sum
    }
}

impl EncodeExponentialHistogram for Fixed {
    fn classic(&self) -> &dyn EncodeHistogram {
        self
    }
    fn read(&self) -> ExponentialReading {
        self.0.clone()
    }
}

/// A set of exponential histograms of fixed content, each one series labeled `case`.
struct FixedSet(Vec<(&'static str, Fixed)>);

impl EncodeMetric for FixedSet {
    fn encode(&self, encoder: &mut dyn MetricEncoder) {
        for (case, histogram) in &self.0 {
            encoder.exponential_histogram(
                &|out: &mut dyn LabelEncoder| out.label("case", LabelValueRef::Str(case)),
                histogram,
            );
        }
    }
}

impl MetricSet for FixedSet {
    const INFO: &'static SetInfo = &SetInfo {
        name: "FixedSet",
        module: module_path!(),
        type_id: std::any::TypeId::of::<Self>,
        metrics: &[MetricDesc {
            name: "request_duration_seconds",
            help: "Request duration",
            unit: Some("seconds"),
            kind: MetricKind::Histogram,
            label_names: &["case"],
            field: "requests",
        }],
    };

    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric> {
        (index == 0).then_some(self as &dyn EncodeMetric)
    }
}

fn reading(
    schema: i32,
    zero_threshold: f64,
    zero_count: u64,
    positive_offset: i32,
    positive: &[u64],
    classic: &[u64],
) -> ExponentialReading {
    let count = zero_count + positive.iter().sum::<u64>();
    assert_eq!(count, classic.iter().sum::<u64>());
    ExponentialReading {
        schema,
        zero_threshold,
        zero_count,
        positive_offset,
        positive: positive.to_vec(),
        bounds: [0.5, 1.0][..classic.len() - 1].to_vec(),
        classic: classic.to_vec(),
        count,
        sum: 12.5,
        dropped: 0,
    }
}

fn span(offset: i32, length: u32) -> BucketSpan {
    BucketSpan {
        offset: Some(offset),
        length: Some(length),
    }
}

/// The registry of [`FixedSet`]'s cases, and the histograms they are to be written as.
fn native_cases() -> (Registry, Vec<(&'static str, HistogramValue)>) {
    let tiny = 2f64.powi(-128);
    let native = |schema, zero_threshold, zero_count| HistogramValue {
        sample_sum: Some(12.5),
        schema: Some(schema),
        zero_threshold: Some(zero_threshold),
        zero_count: Some(zero_count),
        ..Default::default()
    };
    let cases = vec![
        (
            "dual",
            reading(3, tiny, 1, -2, &[3, 0, 0, 1, 0, 0, 0, 5], &[2, 4, 4]),
            HistogramValue {
                sample_count: Some(10),
                bucket: vec![
                    Bucket {
                        cumulative_count: Some(2),
                        upper_bound: Some(0.5),
                        ..Default::default()
                    },
                    Bucket {
                        cumulative_count: Some(6),
                        upper_bound: Some(1.0),
                        ..Default::default()
                    },
                ],
                // A gap of two empty buckets stays in the span; a longer one starts another.
                positive_span: vec![span(-2, 4), span(3, 1)],
                positive_delta: vec![3, -3, 0, 1, 4],
                ..native(3, tiny, 1)
            },
        ),
        (
            "native only, coarse",
            reading(-4, 0.0, 0, 70_000, &[u64::MAX >> 1], &[u64::MAX >> 1]),
            HistogramValue {
                sample_count: Some(u64::MAX >> 1),
                positive_span: vec![span(70_000, 1)],
                positive_delta: vec![i64::MAX],
                ..native(-4, 0.0, 0)
            },
        ),
        (
            "only zeros",
            reading(8, 0.001, 4, 0, &[], &[4]),
            HistogramValue {
                sample_count: Some(4),
                ..native(8, 0.001, 4)
            },
        ),
        (
            "empty",
            reading(3, tiny, 0, 0, &[], &[0]),
            HistogramValue {
                sample_count: Some(0),
                ..native(3, tiny, 0)
            },
        ),
        (
            "empty, no zero bucket",
            reading(0, 0.0, 0, 0, &[], &[0]),
            HistogramValue {
                sample_count: Some(0),
                // Else it would read as a classic histogram without buckets.
                positive_span: vec![span(0, 0)],
                ..native(0, 0.0, 0)
            },
        ),
    ];
    let registry = Registry::new();
    let mut want = Vec::new();
    let mut set = Vec::new();
    for (case, reading, histogram) in cases {
        set.push((case, Fixed(reading)));
        want.push((case, histogram));
    }
    registry.register(Arc::new(FixedSet(set)));
    (registry, want)
}

#[test]
fn exponential_histograms_are_native_with_their_classic_buckets() {
    let (registry, want) = native_cases();
    let want = MetricFamily {
        unit: Some("seconds".to_owned()),
        ..family(
            "request_duration_seconds",
            "Request duration",
            MetricType::Histogram,
            want.into_iter()
                .map(|(case, histogram)| Metric {
                    label: labels(&[("case", case)]),
                    histogram: Some(histogram),
                    ..Default::default()
                })
                .collect(),
        )
    };
    assert_eq!(decode(&encode_protobuf(&registry)), [want]);
}

#[test]
fn the_exponential_histogram_of_a_derived_set() {
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Api {
        /// Request duration
        #[metric(buckets = [1.0, 2.5])]
        request_duration_seconds: ExponentialHistogram,
    }
    let api = Arc::new(Api::default());
    let registry = Registry::new();
    registry.register(Arc::clone(&api));
    for v in [1.0, 2.0, 3.0] {
        api.request_duration_seconds.observe(v);
    }
    // At schema 8, 1 to 3 would span 407 buckets, at 7 204: over the 160 allowed. At schema 6,
    // 1 is bucket 0 (its upper bound), 2 bucket 64, 3 bucket ⌈64 × log2 3⌉ = 102. The unit is
    // read off the name.
    let want = MetricFamily {
        unit: Some("seconds".to_owned()),
        ..family(
            "request_duration_seconds",
            "Request duration",
            MetricType::Histogram,
            vec![Metric {
                histogram: Some(HistogramValue {
                    sample_count: Some(3),
                    sample_sum: Some(6.0),
                    bucket: vec![
                        Bucket {
                            cumulative_count: Some(1),
                            upper_bound: Some(1.0),
                            ..Default::default()
                        },
                        Bucket {
                            cumulative_count: Some(2),
                            upper_bound: Some(2.5),
                            ..Default::default()
                        },
                    ],
                    schema: Some(6),
                    zero_threshold: Some(2f64.powi(-128)),
                    zero_count: Some(0),
                    positive_span: vec![span(0, 1), span(63, 1), span(37, 1)],
                    positive_delta: vec![1, 0, 0],
                    ..Default::default()
                }),
                ..Default::default()
            }],
        )
    };
    assert_eq!(decode(&encode_protobuf(&registry)), [want]);
}

/// The messages of `metrics.proto` (client_model), declared field by field for Google's
/// protobuf runtime, with the proto2 rules (optional scalars, unpacked repeated scalars).
/// Reads the length-delimited families on standard input, checks that each is what the runtime
/// itself writes for it, and prints each in text format.
const PYTHON_DECODE: &str = r#"
import sys
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format

F = descriptor_pb2.FieldDescriptorProto
OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED
MESSAGES = {
    "LabelPair": [("name", 1, OPT, F.TYPE_STRING), ("value", 2, OPT, F.TYPE_STRING)],
    "Gauge": [("value", 1, OPT, F.TYPE_DOUBLE)],
    "Counter": [("value", 1, OPT, F.TYPE_DOUBLE), ("exemplar", 2, OPT, "Exemplar"),
                ("created_timestamp", 3, OPT, "Timestamp")],
    "Untyped": [("value", 1, OPT, F.TYPE_DOUBLE)],
    "Histogram": [("sample_count", 1, OPT, F.TYPE_UINT64), ("sample_count_float", 4, OPT, F.TYPE_DOUBLE),
                  ("sample_sum", 2, OPT, F.TYPE_DOUBLE), ("bucket", 3, REP, "Bucket"),
                  ("created_timestamp", 15, OPT, "Timestamp"), ("schema", 5, OPT, F.TYPE_SINT32),
                  ("zero_threshold", 6, OPT, F.TYPE_DOUBLE), ("zero_count", 7, OPT, F.TYPE_UINT64),
                  ("zero_count_float", 8, OPT, F.TYPE_DOUBLE), ("negative_span", 9, REP, "BucketSpan"),
                  ("negative_delta", 10, REP, F.TYPE_SINT64), ("negative_count", 11, REP, F.TYPE_DOUBLE),
                  ("positive_span", 12, REP, "BucketSpan"), ("positive_delta", 13, REP, F.TYPE_SINT64),
                  ("positive_count", 14, REP, F.TYPE_DOUBLE), ("exemplars", 16, REP, "Exemplar")],
    "Bucket": [("cumulative_count", 1, OPT, F.TYPE_UINT64), ("cumulative_count_float", 4, OPT, F.TYPE_DOUBLE),
               ("upper_bound", 2, OPT, F.TYPE_DOUBLE), ("exemplar", 3, OPT, "Exemplar")],
    "BucketSpan": [("offset", 1, OPT, F.TYPE_SINT32), ("length", 2, OPT, F.TYPE_UINT32)],
    "Exemplar": [("label", 1, REP, "LabelPair"), ("value", 2, OPT, F.TYPE_DOUBLE),
                 ("timestamp", 3, OPT, "Timestamp")],
    "Timestamp": [("seconds", 1, OPT, F.TYPE_INT64), ("nanos", 2, OPT, F.TYPE_INT32)],
    "Metric": [("label", 1, REP, "LabelPair"), ("gauge", 2, OPT, "Gauge"), ("counter", 3, OPT, "Counter"),
               ("untyped", 5, OPT, "Untyped"), ("histogram", 7, OPT, "Histogram"),
               ("timestamp_ms", 6, OPT, F.TYPE_INT64)],
    "MetricFamily": [("name", 1, OPT, F.TYPE_STRING), ("help", 2, OPT, F.TYPE_STRING),
                     ("type", 3, OPT, "MetricType"), ("metric", 4, REP, "Metric"),
                     ("unit", 5, OPT, F.TYPE_STRING)],
}
file = descriptor_pb2.FileDescriptorProto(name="metrics.proto", package="io.prometheus.client", syntax="proto2")
kinds = file.enum_type.add(name="MetricType")
for i, name in enumerate(["COUNTER", "GAUGE", "SUMMARY", "UNTYPED", "HISTOGRAM", "GAUGE_HISTOGRAM"]):
    kinds.value.add(name=name, number=i)
for message, fields in MESSAGES.items():
    m = file.message_type.add(name=message)
    for name, number, label, ty in fields:
        f = m.field.add(name=name, number=number, label=label)
        if isinstance(ty, str):
            f.type = F.TYPE_ENUM if ty == "MetricType" else F.TYPE_MESSAGE
            f.type_name = ".io.prometheus.client." + ty
        else:
            f.type = ty
pool = descriptor_pool.DescriptorPool()
pool.Add(file)
MetricFamily = message_factory.GetMessageClass(pool.FindMessageTypeByName("io.prometheus.client.MetricFamily"))

data = sys.stdin.buffer.read()
pos = 0
while pos < len(data):
    size = shift = 0
    while True:
        b = data[pos]; pos += 1
        size |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            break
    family = MetricFamily()
    family.ParseFromString(data[pos:pos + size])
    # The runtime writes fields in number order: the same bytes, nothing unknown or out of place.
    assert family.SerializeToString() == data[pos:pos + size], family
    pos += size
    print(text_format.MessageToString(family, as_one_line=True, as_utf8=True))
"#;

#[test]
fn googles_protobuf_runtime_reads_the_same() {
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Reference {
        /// Requests by route
        requests_total: Family<RouteLabels, Counter>,
        /// Load
        load_ratio: FloatGauge,
        /// Latency
        #[metric(unit = "seconds", buckets = [0.1, 1.0])]
        latency_seconds: Histogram,
    }
    let reference = Arc::new(Reference::default());
    let registry = Registry::new();
    registry.register(Arc::clone(&reference));
    reference
        .requests_total
        .with(&RouteLabels {
            route: "/ü \"x\"",
            status: 404,
        })
        .inc_by(2);
    reference.load_ratio.set(0.25);
    reference.latency_seconds.observe(0.05);
    reference.latency_seconds.observe(5.0);
    let mut bytes = encode_protobuf(&registry);
    write_protobuf(&native_cases().0, &mut bytes);
    let (ok, output) = tests::tools::python(PYTHON_DECODE, &[], &bytes);
    assert!(ok, "the protobuf runtime disagrees:\n{output}");
    assert_eq!(
        output,
        r#"name: "requests_total" help: "Requests by route" type: COUNTER metric { label { name: "route" value: "/ü \"x\"" } label { name: "status" value: "404" } counter { value: 2.0 } }
name: "load_ratio" help: "Load" type: GAUGE metric { gauge { value: 0.25 } } unit: "ratio"
name: "latency_seconds" help: "Latency" type: HISTOGRAM metric { histogram { sample_count: 2 sample_sum: 5.05 bucket { cumulative_count: 1 upper_bound: 0.1 } bucket { cumulative_count: 1 upper_bound: 1.0 } } } unit: "seconds"
name: "metrics_series_overflow_total" help: "Records diverted to an overflow series because their family had reached its series cap" type: COUNTER metric { label { name: "metric" value: "requests_total" } counter { value: 0.0 } }
name: "metrics_label_value_too_long_total" help: "Records diverted to an overflow series because a label value was longer than their family\'s max_label_value_len" type: COUNTER metric { label { name: "metric" value: "requests_total" } counter { value: 0.0 } }
name: "request_duration_seconds" help: "Request duration" type: HISTOGRAM metric { label { name: "case" value: "dual" } histogram { sample_count: 10 sample_sum: 12.5 bucket { cumulative_count: 2 upper_bound: 0.5 } bucket { cumulative_count: 6 upper_bound: 1.0 } schema: 3 zero_threshold: 2.938735877055719e-39 zero_count: 1 positive_span { offset: -2 length: 4 } positive_span { offset: 3 length: 1 } positive_delta: 3 positive_delta: -3 positive_delta: 0 positive_delta: 1 positive_delta: 4 } } metric { label { name: "case" value: "native only, coarse" } histogram { sample_count: 9223372036854775807 sample_sum: 12.5 schema: -4 zero_threshold: 0.0 zero_count: 0 positive_span { offset: 70000 length: 1 } positive_delta: 9223372036854775807 } } metric { label { name: "case" value: "only zeros" } histogram { sample_count: 4 sample_sum: 12.5 schema: 8 zero_threshold: 0.001 zero_count: 4 } } metric { label { name: "case" value: "empty" } histogram { sample_count: 0 sample_sum: 12.5 schema: 3 zero_threshold: 2.938735877055719e-39 zero_count: 0 } } metric { label { name: "case" value: "empty, no zero bucket" } histogram { sample_count: 0 sample_sum: 12.5 schema: 0 zero_threshold: 0.0 zero_count: 0 positive_span { offset: 0 length: 0 } } } unit: "seconds"
"#
    );
}

#[cfg(feature = "server")]
#[test]
fn the_server_answers_what_prometheus_with_native_histograms_asks_for() {
    use metrics_export::MetricsServer;
    use tests::http::request;

    let small = Arc::new(Small::default());
    let registry = Arc::new(Registry::new());
    registry.register(Arc::clone(&small));
    small.jobs_total.inc_by(3);
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(Arc::clone(&registry))
        .start()
        .unwrap();
    // As Prometheus 2.42 sends it with `--enable-feature=native-histograms`.
    let accept = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                  encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,\
                  application/openmetrics-text;version=0.0.1;q=0.75,\
                  text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    let reply = request(
        server.local_addr(),
        "GET",
        "/metrics",
        &[("Accept", accept)],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply.header("Content-Type"), Some(PROTOBUF_CONTENT_TYPE));
    assert_eq!(reply.header("Content-Encoding"), None);
    assert_eq!(reply.body, encode_protobuf(&registry));
    assert_eq!(decode(&reply.body)[0].name.as_deref(), Some("jobs_total"));

    #[cfg(feature = "gzip")]
    {
        use std::io::Read as _;
        let reply = request(
            server.local_addr(),
            "GET",
            "/metrics",
            &[("Accept", accept), ("Accept-Encoding", "gzip")],
        );
        assert_eq!(reply.header("Content-Type"), Some(PROTOBUF_CONTENT_TYPE));
        assert_eq!(reply.header("Content-Encoding"), Some("gzip"));
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&reply.body[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, encode_protobuf(&registry));
    }

    // Without the protobuf range (Prometheus without the flag, curl): text as before.
    let reply = request(
        server.local_addr(),
        "GET",
        "/metrics",
        &[(
            "Accept",
            "application/openmetrics-text;version=1.0.0,*/*;q=0.1",
        )],
    );
    assert_eq!(
        reply.header("Content-Type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let reply = request(server.local_addr(), "GET", "/metrics", &[("Accept", "*/*")]);
    assert_eq!(
        reply.text(),
        "# HELP jobs_total Jobs\n# TYPE jobs_total counter\njobs_total 3\n\
         # HELP run_seconds Run\n# TYPE run_seconds histogram\n\
         run_seconds_bucket{le=\"0.5\"} 0\nrun_seconds_bucket{le=\"+Inf\"} 0\n\
         run_seconds_sum 0\nrun_seconds_count 0\n"
    );
}

#[cfg(feature = "axum")]
#[test]
fn the_axum_route_answers_protobuf_too() {
    let small = Arc::new(Small::default());
    let registry = Arc::new(Registry::new());
    registry.register(Arc::clone(&small));
    small.run_seconds.observe(0.5);
    let app = axum::Router::new().route(
        "/metrics",
        metrics_export::axum::metrics(Arc::clone(&registry)),
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    let reply = tests::http::get(
        addr,
        "/metrics",
        Some("application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"),
    );
    assert_eq!(reply.header("Content-Type"), Some(PROTOBUF_CONTENT_TYPE));
    assert_eq!(
        decode(&reply.body),
        [
            family(
                "jobs_total",
                "Jobs",
                MetricType::Counter,
                vec![counter(&[], 0.0)]
            ),
            MetricFamily {
                unit: Some("seconds".to_owned()),
                ..family(
                    "run_seconds",
                    "Run",
                    MetricType::Histogram,
                    vec![histogram(&[], &[(0.5, 1)], 1, 0.5)]
                )
            },
        ]
    );
}
