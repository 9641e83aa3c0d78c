//! The OTLP/HTTP metrics exporter (feature `otlp`).
//!
//! Against a fake receiver on loopback (threads and `std::net`, scripted answers): the request
//! line, headers and every decoded value; the same body decoded by the reference
//! implementation, the Python package `opentelemetry-proto` (installed by `scripts/setup`);
//! retries of `5xx`/`429`, `4xx` given up at once, and receivers that are down, silent or
//! answering garbage: errors within the deadline, never a hang.
#![cfg(feature = "otlp")]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use metrics_export::otlp::proto::{
    metric::Data, number_data_point::Value, ExportMetricsPartialSuccess,
    ExportMetricsServiceRequest, ExportMetricsServiceResponse, KeyValue, Metric, NumberDataPoint,
};
use metrics_export::{Exporter, Otlp};
use prost::Message as _;
use tests::servers::free_addr;
use tests::tools::python;

use tests::pushed::recorded;
use tests::receiver::{Answer, Received, Receiver};

// ---------------------------------------------------------------------------------------------
// The fake receiver (`tests::receiver`): a base URL (the exporter adds `/v1/metrics`),
// answering `200` with an empty `ExportMetricsServiceResponse` (all accepted) past its script.

fn fake(script: impl IntoIterator<Item = Answer>) -> Receiver {
    Receiver::start(
        "",
        script,
        Answer::Body(200, "application/x-protobuf", Vec::new()),
    )
}

/// `200` with an `ExportMetricsServiceResponse` rejecting `rejected` points, with a message.
fn partial(rejected: i64, message: &str) -> Answer {
    let response = ExportMetricsServiceResponse {
        partial_success: Some(ExportMetricsPartialSuccess {
            rejected_data_points: rejected,
            error_message: message.to_owned(),
        }),
    };
    Answer::Body(200, "application/x-protobuf", response.encode_to_vec())
}

trait Decode {
    fn decode(&self) -> ExportMetricsServiceRequest;
}

impl Decode for Received {
    fn decode(&self) -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest::decode(&self.body[..]).expect("an ExportMetricsServiceRequest")
    }
}

fn attributes(attrs: &[KeyValue]) -> Vec<(&str, &str)> {
    attrs
        .iter()
        .map(|kv| (kv.key.as_str(), kv.as_str().expect("a string attribute")))
        .collect()
}

fn find<'a>(metrics: &'a [Metric], name: &str) -> &'a Metric {
    metrics
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric `{name}` in {metrics:#?}"))
}

fn single_point(metric: &Metric) -> &NumberDataPoint {
    match &metric.data {
        Some(Data::Gauge(g)) => {
            assert_eq!(g.data_points.len(), 1, "{metric:?}");
            &g.data_points[0]
        }
        other => panic!("`{}` is not a gauge: {other:?}", metric.name),
    }
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

// ---------------------------------------------------------------------------------------------
// The request, decoded.

/// One flush to a fake receiver: what it received.
fn one_export() -> (Otlp, Received, u64, u64) {
    let fake = fake([]);
    let (registry, _job) = recorded();
    let before = now_ns();
    let otlp = Otlp::new(&fake.url(), "palingenesis")
        .unwrap()
        .resource_attribute("service.version", "7.2")
        .registry(registry);
    otlp.flush(Duration::from_secs(5)).unwrap();
    let after = now_ns();
    let mut received = fake.received.lock().unwrap();
    assert_eq!(received.len(), 1);
    let r = received.pop().unwrap();
    (otlp, r, before, after)
}

#[test]
fn posts_a_protobuf_export_request_with_every_value() {
    let (otlp, r, before, after) = one_export();
    assert_eq!(r.request_line, "POST /v1/metrics HTTP/1.1");
    assert_eq!(r.header("content-type"), Some("application/x-protobuf"));
    assert_eq!(r.header("content-encoding"), None);
    assert!(
        r.header("user-agent")
            .is_some_and(|ua| ua.starts_with("metrics-export/")),
        "{:?}",
        r.headers
    );
    let request = r.decode();
    assert_eq!(request.resource_metrics.len(), 1);
    let rm = &request.resource_metrics[0];
    assert_eq!(
        attributes(&rm.resource.as_ref().unwrap().attributes),
        [("service.name", "palingenesis"), ("service.version", "7.2")]
    );
    assert_eq!(rm.scope_metrics.len(), 1);
    let sm = &rm.scope_metrics[0];
    let scope = sm.scope.as_ref().unwrap();
    assert_eq!(scope.name, "metrics-export");
    assert_eq!(scope.version, env!("CARGO_PKG_VERSION"));
    let metrics = &sm.metrics;
    let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            // The self-metrics, registered in the pushed registry at the first export.
            "metrics_exporter_pushes",
            "metrics_exporter_push_failures",
            "metrics_exporter_dropped_samples",
            "job_jobs",
            "job_queue_items",
            "job_load_ratio",
            "job_duration_seconds",
        ]
    );

    let start = otlp.start_time_unix_nano();
    assert!(before <= start, "created in the test");
    let check_times = |start_ns: u64, time_ns: u64| {
        assert_eq!(start_ns, start);
        assert!((start..=after).contains(&time_ns), "{time_ns}");
    };

    // Counter: monotonic cumulative sum of integers, every fixed series at zero.
    let jobs = find(metrics, "job_jobs");
    assert_eq!(jobs.description, "Jobs by reason");
    assert_eq!(jobs.unit, "");
    let Some(Data::Sum(sum)) = &jobs.data else {
        panic!("{jobs:?}")
    };
    assert!(sum.is_monotonic);
    assert_eq!(sum.aggregation_temporality, 2, "cumulative");
    assert_eq!(sum.data_points.len(), 6);
    for p in &sum.data_points {
        check_times(p.start_time_unix_nano, p.time_unix_nano);
        let attrs = attributes(&p.attributes);
        assert_eq!(attrs[0], ("instance", "test-1"));
        let expected = if attrs
            == [
                ("instance", "test-1"),
                ("reason", "manual"),
                ("retried", "true"),
            ] {
            3
        } else {
            0
        };
        assert_eq!(p.value, Some(Value::AsInt(expected)), "{attrs:?}");
    }
    let pushes = find(metrics, "metrics_exporter_pushes");
    let Some(Data::Sum(pushes)) = &pushes.data else {
        panic!()
    };
    assert_eq!(
        attributes(&pushes.data_points[0].attributes),
        [("exporter", "otlp"), ("url", otlp.url())]
    );
    assert_eq!(pushes.data_points[0].value, Some(Value::AsInt(0)));

    // Gauges: integer and float.
    let queue = single_point(find(metrics, "job_queue_items"));
    assert_eq!(queue.value, Some(Value::AsInt(-7)));
    assert_eq!(attributes(&queue.attributes), [("instance", "test-1")]);
    check_times(queue.start_time_unix_nano, queue.time_unix_nano);
    let load = single_point(find(metrics, "job_load_ratio"));
    assert_eq!(load.value, Some(Value::AsDouble(0.25)));

    // Histogram: per-bucket counts, cumulative temporality.
    let duration = find(metrics, "job_duration_seconds");
    assert_eq!(duration.unit, "seconds");
    assert_eq!(duration.description, "Job duration");
    let Some(Data::Histogram(h)) = &duration.data else {
        panic!("{duration:?}")
    };
    assert_eq!(h.aggregation_temporality, 2, "cumulative");
    assert_eq!(h.data_points.len(), 1);
    let p = &h.data_points[0];
    check_times(p.start_time_unix_nano, p.time_unix_nano);
    assert_eq!(attributes(&p.attributes), [("instance", "test-1")]);
    assert_eq!(p.explicit_bounds, [0.1, 1.0, 10.0]);
    assert_eq!(p.bucket_counts, [1, 1, 1, 1], "one observation per bucket");
    assert_eq!(p.count, 4);
    assert_eq!(p.sum, Some(55.55));

    assert_eq!(otlp.metrics().pushes.get(), 1);
    let health = otlp.health();
    assert!(health.last_success.is_some());
    assert_eq!(health.consecutive_failures, 0);
}

const PYTHON_CHECK: &str = r#"
import sys
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
req = metrics_service_pb2.ExportMetricsServiceRequest()
req.ParseFromString(sys.stdin.buffer.read())
start, before, after = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
CUMULATIVE = metrics_pb2.AGGREGATION_TEMPORALITY_CUMULATIVE
assert len(req.resource_metrics) == 1
rm = req.resource_metrics[0]
res = {kv.key: kv.value.string_value for kv in rm.resource.attributes}
assert res == {"service.name": "palingenesis", "service.version": "7.2"}, res
sm = rm.scope_metrics[0]
assert (sm.scope.name, sm.scope.version) == ("metrics-export", sys.argv[4]), sm.scope
m = {x.name: x for x in sm.metrics}

def attrs(p):
    return [(kv.key, kv.value.string_value) for kv in p.attributes]

def times(p):
    assert p.start_time_unix_nano == start, (p.start_time_unix_nano, start)
    assert before <= start <= p.time_unix_nano <= after, p.time_unix_nano

jobs = m["job_jobs"]
assert jobs.WhichOneof("data") == "sum"
assert jobs.sum.is_monotonic and jobs.sum.aggregation_temporality == CUMULATIVE
assert jobs.description == "Jobs by reason"
values = {}
for p in jobs.sum.data_points:
    times(p)
    assert p.WhichOneof("value") == "as_int"
    values[tuple(attrs(p))] = p.as_int
assert len(values) == 6, values
assert values[(("instance", "test-1"), ("reason", "manual"), ("retried", "true"))] == 3
assert sum(values.values()) == 3

q = m["job_queue_items"]
assert q.WhichOneof("data") == "gauge"
(p,) = q.gauge.data_points
times(p)
assert p.WhichOneof("value") == "as_int" and p.as_int == -7
assert attrs(p) == [("instance", "test-1")]

(p,) = m["job_load_ratio"].gauge.data_points
assert p.WhichOneof("value") == "as_double" and p.as_double == 0.25

h = m["job_duration_seconds"]
assert h.WhichOneof("data") == "histogram" and h.unit == "seconds"
assert h.histogram.aggregation_temporality == CUMULATIVE
(p,) = h.histogram.data_points
times(p)
assert list(p.explicit_bounds) == [0.1, 1.0, 10.0]
assert list(p.bucket_counts) == [1, 1, 1, 1]
assert p.count == 4 and p.HasField("sum") and p.sum == 55.55
print("ok", len(sm.metrics), "metrics")
"#;

#[test]
fn the_python_opentelemetry_proto_package_decodes_the_request() {
    let (otlp, r, before, after) = one_export();
    let (ok, output) = python(
        PYTHON_CHECK,
        &[
            &otlp.start_time_unix_nano().to_string(),
            &before.to_string(),
            &after.to_string(),
            env!("CARGO_PKG_VERSION"),
        ],
        &r.body,
    );
    assert!(ok, "opentelemetry-proto disagrees:\n{output}");
    assert_eq!(output, "ok 7 metrics\n");
}

// ---------------------------------------------------------------------------------------------
// Failures.

#[test]
fn retries_5xx_and_429_then_delivers() {
    let fake = fake([
        Answer::Status(503),
        Answer::Status(429),
        Answer::Status(500),
    ]);
    let (registry, _job) = recorded();
    let otlp = Otlp::new(&fake.url(), "svc")
        .unwrap()
        .registry(registry)
        .backoff(Duration::from_millis(1), Duration::from_millis(20));
    otlp.flush(Duration::from_secs(10)).unwrap();
    let received = fake.received.lock().unwrap();
    assert_eq!(received.len(), 4, "3 failures, then delivered");
    assert!(received.iter().all(|r| r.body == received[0].body));
    assert_eq!(otlp.metrics().pushes.get(), 4);
    assert_eq!(otlp.metrics().failures.get(), 3);
    assert_eq!(otlp.metrics().dropped_samples.get(), 0);
    assert_eq!(otlp.health().consecutive_failures, 0);
}

#[test]
fn retry_after_is_honoured_up_to_the_longest_backoff() {
    let fake = fake([Answer::RetryAfter(503, 60)]);
    let (registry, _job) = recorded();
    let otlp = Otlp::new(&fake.url(), "svc")
        .unwrap()
        .registry(registry)
        .backoff(Duration::from_millis(1), Duration::from_millis(300));
    let started = Instant::now();
    otlp.flush(Duration::from_secs(120)).unwrap();
    let took = started.elapsed();
    assert_eq!(fake.count(), 2);
    // `Retry-After: 60` (seconds) capped at the longest backoff, 300 ms (a hang guard at ten
    // times that: far below the minute asked for).
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_partial_success_is_an_error_not_retried_its_rejected_points_dropped() {
    let fake = fake([partial(2, "bad points"), partial(0, "a warning")]);
    let (registry, _job) = recorded();
    let otlp = Otlp::new(&fake.url(), "svc").unwrap().registry(registry);
    let err = otlp.flush(Duration::from_secs(5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the OTLP receiver rejected 2 data points: bad points"
    );
    assert_eq!(fake.count(), 1, "not retried");
    assert_eq!(otlp.metrics().dropped_samples.get(), 2);
    // A warning without rejected points is a success.
    otlp.flush(Duration::from_secs(5)).unwrap();
    assert_eq!(otlp.health().consecutive_failures, 0);
    assert_eq!(otlp.metrics().dropped_samples.get(), 2);
}

#[test]
fn other_4xx_are_given_up_at_once_and_counted() {
    let fake = fake([Answer::Status(400)]);
    let (registry, _job) = recorded();
    let otlp = Otlp::new(&fake.url(), "svc")
        .unwrap()
        .registry(registry)
        .backoff(Duration::from_millis(1), Duration::from_millis(1));
    let err = otlp.flush(Duration::from_secs(5)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the OTLP receiver answered 400: status 400"),
        "{err}"
    );
    assert_eq!(fake.count(), 1, "not retried");
    // 3 self-metrics + 6 counter series + 2 gauges + 1 histogram.
    assert_eq!(otlp.metrics().dropped_samples.get(), 12);
    assert_eq!(otlp.health().consecutive_failures, 1);
    otlp.flush(Duration::from_secs(5)).unwrap();
    let health = otlp.health();
    assert_eq!(health.consecutive_failures, 0);
    assert!(health.last_error.unwrap().contains("400"));
}

#[test]
fn a_receiver_that_is_down_fails_within_the_deadline() {
    let (registry, _job) = recorded();
    let otlp = Otlp::new(&format!("http://{}", free_addr()), "svc")
        .unwrap()
        .registry(registry)
        .max_attempts(u32::MAX)
        .backoff(Duration::from_millis(10), Duration::from_millis(50));
    for _ in 0..3 {
        let started = Instant::now();
        let err = otlp.flush(Duration::from_millis(300)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot reach the OTLP receiver"),
            "{err}"
        );
        // Retried without end but for the deadline (a hang guard at ten times it).
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
    let health = otlp.health();
    assert_eq!(health.consecutive_failures, 3);
    assert_eq!(health.last_success, None);
    assert_eq!(otlp.metrics().dropped_samples.get(), 3 * 12);
}

#[test]
fn a_receiver_that_never_answers_times_out_and_the_thread_stops_promptly() {
    let fake = fake(std::iter::repeat_n(
        Answer::Silent(Duration::from_secs(60)),
        100,
    ));
    let (registry, job) = recorded();
    let otlp = Arc::new(
        Otlp::new(&fake.url(), "svc")
            .unwrap()
            .registry(registry)
            .timeout(Duration::from_millis(200))
            .max_attempts(2)
            .backoff(Duration::from_millis(1), Duration::from_millis(1))
            .shutdown_timeout(Duration::from_millis(300)),
    );
    let started = Instant::now();
    let err = otlp.flush(Duration::from_secs(60)).unwrap_err();
    let took = started.elapsed();
    assert!(err.to_string().starts_with("cannot reach"), "{err}");
    // Two attempts of 200 ms, not the minute the receiver holds each (a hang guard at ten
    // times their 400 ms).
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(otlp.metrics().failures.get(), 2);

    // The program records while an export of the thread waits on the receiver.
    let handle = Arc::clone(&otlp).start(Duration::from_millis(50));
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.count() < 3 {
        assert!(Instant::now() < deadline, "no export from the thread");
        std::thread::sleep(Duration::from_millis(5));
    }
    for _ in 0..1_000_000 {
        job.queue_items.inc();
    }
    assert_eq!(job.queue_items.get(), 1_000_000 - 7);
    let started = Instant::now();
    drop(handle);
    let stopping = started.elapsed();
    eprintln!("drop of the handle against a silent receiver: {stopping:?}");
    // The export under way gives up, then the last flush within its 300 ms (a hang guard at
    // ten times their 500 ms).
    assert!(stopping < Duration::from_secs(5), "{stopping:?}");
    assert!(otlp.health().consecutive_failures >= 2);
}

#[test]
fn garbage_answers_are_errors_not_panics() {
    let fake = fake(std::iter::repeat_n(Answer::Garbage, 100));
    let (registry, _job) = recorded();
    let otlp = Otlp::new(&fake.url(), "svc")
        .unwrap()
        .registry(registry)
        .max_attempts(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(2));
    let err = otlp.flush(Duration::from_secs(5)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot reach the OTLP receiver"),
        "{err}"
    );
    assert_eq!(fake.count(), 3, "retried as a transport error");
}

#[test]
fn the_background_thread_exports_periodically_and_flushes_on_drop() {
    let fake = fake([]);
    let (registry, job) = recorded();
    let otlp = Arc::new(Otlp::new(&fake.url(), "svc").unwrap().registry(registry));
    let handle = Arc::clone(&otlp).start(Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.count() < 3 {
        assert!(Instant::now() < deadline, "no periodic exports");
        std::thread::sleep(Duration::from_millis(20));
    }
    job.queue_items.set(12_345);
    drop(handle);
    let received = fake.received.lock().unwrap();
    let last = received.last().unwrap().decode();
    let metrics = &last.resource_metrics[0].scope_metrics[0].metrics;
    assert_eq!(
        single_point(find(metrics, "job_queue_items")).value,
        Some(Value::AsInt(12_345)),
        "the flush on drop"
    );
    // Every export's points share the start time; their times advance.
    let times: Vec<u64> = received
        .iter()
        .map(|r| {
            let req = r.decode();
            let m = &req.resource_metrics[0].scope_metrics[0].metrics;
            let p = single_point(find(m, "job_queue_items"));
            assert_eq!(p.start_time_unix_nano, otlp.start_time_unix_nano());
            p.time_unix_nano
        })
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    assert_eq!(otlp.health().consecutive_failures, 0);
}
