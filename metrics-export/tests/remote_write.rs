//! The Remote Write 1.0 client (feature `remote-write`).
//!
//! Against a fake receiver on loopback (threads and `std::net`, scripted answers): the wire
//! format and headers, retries of `5xx`/`429` with jittered exponential backoff, `4xx` dropped
//! without retry, the bounded queue while the receiver is down, timeouts against a receiver that
//! never answers, garbage answers, the background thread and its flush on drop.
//!
//! Against real receivers started on loopback with free ports: VictoriaMetrics (Debian package
//! `victoria-metrics`) and Prometheus (`prometheus`, with `--web.enable-remote-write-receiver`),
//! both installed by `scripts/setup`; the values queried back equal the recorded ones.
#![cfg(feature = "remote-write")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_export::remote_write::proto::{TimeSeries, WriteRequest};
use metrics_export::{Exporter, RemoteWrite};
use prost::Message as _;

use tests::pushed::{recorded, Reason, ReasonLabels};
use tests::receiver::{Answer, Received, Receiver};
use tests::servers::{self, eventually, free_addr, query, Server};

// ---------------------------------------------------------------------------------------------
// The fake receiver (`tests::receiver`), at `/api/v1/write`, answering `200` past its script.

fn fake(script: impl IntoIterator<Item = Answer>) -> Receiver {
    Receiver::start("/api/v1/write", script, Answer::Status(200))
}

trait Decode {
    fn decode(&self) -> WriteRequest;
}

impl Decode for Received {
    fn decode(&self) -> WriteRequest {
        let raw = snap::raw::Decoder::new()
            .decompress_vec(&self.body)
            .expect("a snappy block");
        WriteRequest::decode(&raw[..]).expect("a WriteRequest")
    }
}

fn series_text(series: &TimeSeries) -> String {
    let labels: Vec<String> = series
        .labels
        .iter()
        .map(|l| format!("{}={:?}", l.name, l.value))
        .collect();
    format!("{{{}}}", labels.join(","))
}

// ---------------------------------------------------------------------------------------------
// Against the fake receiver.

#[test]
fn sends_a_snappy_protobuf_write_request_with_the_required_headers() {
    let fake = fake([]);
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&fake.url())
        .unwrap()
        .registry(Arc::clone(&registry));
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    writer.flush(Duration::from_secs(5)).unwrap();
    let received = fake.received.lock().unwrap();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.header("content-encoding"), Some("snappy"));
    assert_eq!(r.header("content-type"), Some("application/x-protobuf"));
    assert_eq!(r.header("x-prometheus-remote-write-version"), Some("0.1.0"));
    assert!(
        r.header("user-agent")
            .is_some_and(|ua| ua.starts_with("metrics-export/")),
        "{:?}",
        r.headers
    );
    let request = r.decode();
    let mut lines = Vec::new();
    for s in &request.timeseries {
        assert!(
            s.labels.windows(2).all(|w| w[0].name < w[1].name),
            "labels sorted by name: {s:?}"
        );
        assert_eq!(s.samples.len(), 1);
        assert!(s.samples[0].timestamp >= before, "{s:?}");
        lines.push(format!("{} {}", series_text(s), s.samples[0].value));
    }
    let jobs = lines
        .iter()
        .filter(|l| l.contains("job_jobs_total"))
        .count();
    assert_eq!(jobs, 6, "every fixed series, at zero: {lines:#?}");
    assert!(lines.contains(
        &r#"{__name__="job_jobs_total",instance="test-1",reason="manual",retried="true"} 3"#
            .to_owned()
    ));
    let rest: Vec<&str> = lines
        .iter()
        .filter(|l| !l.contains("job_jobs_total"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        rest,
        [
            // The self-metrics, registered in the pushed registry at the first export
            // (their module, `metrics_export::exporter`, sorts first).
            &format!(
                r#"{{__name__="metrics_exporter_pushes_total",exporter="remote_write",url={:?}}} 0"#,
                fake.url()
            ),
            &format!(
                r#"{{__name__="metrics_exporter_push_failures_total",exporter="remote_write",url={:?}}} 0"#,
                fake.url()
            ),
            &format!(
                r#"{{__name__="metrics_exporter_dropped_samples_total",exporter="remote_write",url={:?}}} 0"#,
                fake.url()
            ),
            r#"{__name__="job_queue_items",instance="test-1"} -7"#,
            r#"{__name__="job_load_ratio",instance="test-1"} 0.25"#,
            r#"{__name__="job_duration_seconds_bucket",instance="test-1",le="0.1"} 1"#,
            r#"{__name__="job_duration_seconds_bucket",instance="test-1",le="1"} 2"#,
            r#"{__name__="job_duration_seconds_bucket",instance="test-1",le="10"} 3"#,
            r#"{__name__="job_duration_seconds_bucket",instance="test-1",le="+Inf"} 4"#,
            r#"{__name__="job_duration_seconds_sum",instance="test-1"} 55.55"#,
            r#"{__name__="job_duration_seconds_count",instance="test-1"} 4"#,
        ]
    );
    assert_eq!(writer.metrics().pushes.get(), 1);
    let health = writer.health();
    assert!(health.last_success.is_some());
    assert_eq!(health.last_error, None);
    assert_eq!(health.consecutive_failures, 0);
}

#[test]
fn retries_5xx_and_429_with_jittered_exponential_backoff() {
    let fake = fake([
        Answer::Status(503),
        Answer::Status(429),
        Answer::Status(500),
        Answer::Status(502),
    ]);
    let (registry, _job) = recorded();
    let (min, max) = (Duration::from_millis(40), Duration::from_millis(100));
    let writer = RemoteWrite::new(&fake.url())
        .unwrap()
        .registry(registry)
        .backoff(min, max);
    let started = Instant::now();
    writer.flush(Duration::from_secs(10)).unwrap();
    let received = fake.received.lock().unwrap();
    assert_eq!(received.len(), 5, "4 failures, then delivered");
    // The same request each time.
    assert!(received.iter().all(|r| r.body == received[0].body));
    let gaps: Vec<Duration> = received.windows(2).map(|w| w[1].at - w[0].at).collect();
    eprintln!(
        "backoff gaps (caps 40, 80, 100, 100 ms): {gaps:?}, total {:?}",
        started.elapsed()
    );
    for (n, gap) in gaps.iter().enumerate() {
        let cap = (min * 2u32.pow(n as u32)).min(max);
        // A jittered wait of at most the cap (the bound is the unit test of `backoff_delay`):
        // here a hang guard at ten times it.
        assert!(*gap < cap * 10, "retry {n}: {gap:?}");
    }
    assert_eq!(writer.metrics().pushes.get(), 5);
    assert_eq!(writer.metrics().failures.get(), 4);
    assert_eq!(writer.metrics().dropped_samples.get(), 0);
    assert_eq!(writer.queued(), 0);
    assert_eq!(writer.health().consecutive_failures, 0);
}

#[test]
fn retry_after_is_honoured_up_to_the_longest_backoff() {
    // `Retry-After: 60` (seconds), the longest backoff 1 s: the retry waits 1 s, where the
    // jittered backoff alone would wait at most 1 ms. Then `Retry-After: 0`: the jittered
    // backoff alone, at most 2 ms. (The upper bounds are hang guards at ten times the
    // expected waits, far from the minute and the second they tell apart.)
    let fake = fake([Answer::RetryAfter(429, 60), Answer::RetryAfter(503, 0)]);
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&fake.url())
        .unwrap()
        .registry(registry)
        .backoff(Duration::from_millis(1), Duration::from_secs(1));
    writer.flush(Duration::from_secs(120)).unwrap();
    let received = fake.received.lock().unwrap();
    assert_eq!(received.len(), 3);
    let gaps: Vec<Duration> = received.windows(2).map(|w| w[1].at - w[0].at).collect();
    eprintln!("Retry-After 60 s then 0 s, backoff at most 1 s: gaps {gaps:?}");
    assert!(gaps[0] >= Duration::from_secs(1), "{gaps:?}");
    assert!(gaps[0] < Duration::from_secs(10), "{gaps:?}");
    assert!(gaps[1] < Duration::from_millis(500), "{gaps:?}");
}

#[test]
fn other_4xx_are_dropped_and_counted_not_retried() {
    let fake = fake([Answer::Status(400), Answer::Status(404)]);
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&fake.url())
        .unwrap()
        .registry(registry)
        .backoff(Duration::from_millis(1), Duration::from_millis(1));
    let samples = writer.write_request(0).unwrap().timeseries.len() as u64;
    let err = writer.flush(Duration::from_secs(5)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the remote write receiver answered 400: status 400"),
        "{err}"
    );
    assert_eq!(fake.count(), 1, "not retried");
    assert_eq!(writer.queued(), 0);
    assert_eq!(writer.metrics().dropped_samples.get(), samples);
    let health = writer.health();
    assert_eq!(health.consecutive_failures, 1);
    assert_eq!(health.last_success, None);

    writer.flush(Duration::from_secs(5)).unwrap_err();
    assert_eq!(fake.count(), 2);
    assert_eq!(writer.health().consecutive_failures, 2);
    assert_eq!(writer.metrics().dropped_samples.get(), 2 * samples);

    writer.flush(Duration::from_secs(5)).unwrap();
    let health = writer.health();
    assert_eq!(health.consecutive_failures, 0);
    assert!(health.last_success.is_some());
    assert!(health.last_error.unwrap().contains("404"));
}

#[test]
fn a_request_that_keeps_failing_is_dropped_after_max_attempts() {
    let fake = fake(std::iter::repeat_n(Answer::Status(503), 100));
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&fake.url())
        .unwrap()
        .registry(registry)
        .max_attempts(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(5));
    let samples = writer.write_request(0).unwrap().timeseries.len() as u64;
    let err = writer.flush(Duration::from_secs(5)).unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(fake.count(), 3);
    assert_eq!(writer.queued(), 0);
    assert_eq!(writer.metrics().dropped_samples.get(), samples);
    assert_eq!(writer.metrics().failures.get(), 3);
}

#[test]
fn a_receiver_that_is_down_keeps_the_queue_bounded() {
    // Nothing listens there.
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&format!("http://{}/api/v1/write", free_addr()))
        .unwrap()
        .registry(registry)
        .queue_capacity(3)
        .max_attempts(u32::MAX)
        // The first retry would come after the flush's deadline: each flush sends once.
        .backoff(Duration::from_secs(10), Duration::from_secs(10));
    let samples = writer.write_request(0).unwrap().timeseries.len() as u64;
    for i in 1..=10u64 {
        let started = Instant::now();
        let err = writer.flush(Duration::from_millis(500)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot reach the remote write receiver"),
            "{err}"
        );
        // Within the deadline (a hang guard at ten times it).
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(writer.queued() <= 3);
        assert_eq!(
            writer.metrics().dropped_samples.get(),
            i.saturating_sub(3) * samples,
            "flush {i}"
        );
    }
    assert_eq!(writer.queued(), 3);
    let health = writer.health();
    assert_eq!(health.consecutive_failures, 10);
    assert_eq!(health.last_success, None);
    assert!(health.last_error.unwrap().starts_with("cannot reach"));
}

#[test]
fn a_receiver_that_never_answers_times_out_and_does_not_block_recording() {
    let fake = fake(std::iter::repeat_n(
        Answer::Silent(Duration::from_secs(60)),
        100,
    ));
    let (registry, job) = recorded();
    let writer = Arc::new(
        RemoteWrite::new(&fake.url())
            .unwrap()
            .registry(registry)
            .timeout(Duration::from_millis(200))
            .max_attempts(2)
            .backoff(Duration::from_millis(1), Duration::from_millis(1))
            .shutdown_timeout(Duration::from_millis(300)),
    );
    let started = Instant::now();
    let err = writer.flush(Duration::from_secs(60)).unwrap_err();
    let took = started.elapsed();
    assert!(err.to_string().starts_with("cannot reach"), "{err}");
    // Two attempts of 200 ms, not the minute the receiver holds each (a hang guard at ten
    // times their 400 ms).
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert_eq!(writer.metrics().failures.get(), 2);
    eprintln!("flush against a silent receiver, 2 attempts of 200 ms: {took:?}");

    // On the background thread: the program records while a push waits on the receiver.
    let handle = Arc::clone(&writer).start(Duration::from_millis(50));
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.count() < 3 {
        assert!(Instant::now() < deadline, "no push from the thread");
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    for _ in 0..1_000_000 {
        job.queue_items.inc();
    }
    let recording = started.elapsed();
    assert_eq!(job.queue_items.get(), 1_000_000 - 7);
    let started = Instant::now();
    drop(handle);
    let stopping = started.elapsed();
    eprintln!(
        "1,000,000 increments while pushing: {recording:?}; drop of the handle: {stopping:?}"
    );
    // The export under way gives up (its backoff is cut short, its request times out after
    // 200 ms), then the last flush within its 300 ms (a hang guard at ten times their 500 ms).
    assert!(stopping < Duration::from_secs(5), "{stopping:?}");
    assert!(writer.health().consecutive_failures >= 2);
}

#[test]
fn garbage_answers_are_errors_not_panics() {
    let fake = fake(std::iter::repeat_n(Answer::Garbage, 100));
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&fake.url())
        .unwrap()
        .registry(registry)
        .max_attempts(3)
        .backoff(Duration::from_millis(1), Duration::from_millis(2));
    let err = writer.flush(Duration::from_secs(5)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot reach the remote write receiver"),
        "{err}"
    );
    assert_eq!(fake.count(), 3, "retried as a transport error");
    assert_eq!(writer.queued(), 0);
}

#[test]
fn the_background_thread_pushes_periodically_and_flushes_on_drop() {
    let fake = fake([]);
    let (registry, job) = recorded();
    let writer = Arc::new(RemoteWrite::new(&fake.url()).unwrap().registry(registry));
    let handle = Arc::clone(&writer).start(Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.count() < 3 {
        assert!(Instant::now() < deadline, "no periodic pushes");
        std::thread::sleep(Duration::from_millis(20));
    }
    job.queue_items.set(12_345);
    drop(handle);
    let received = fake.received.lock().unwrap();
    let last = received.last().unwrap().decode();
    let queue = last
        .timeseries
        .iter()
        .find(|s| s.labels.iter().any(|l| l.value == "job_queue_items"))
        .unwrap();
    assert_eq!(queue.samples[0].value, 12_345.0, "the flush on drop");
    let gaps: Vec<Duration> = received.windows(2).map(|w| w[1].at - w[0].at).collect();
    eprintln!("periodic pushes every 100 ms: gaps {gaps:?}");
    let health = writer.health();
    assert_eq!(health.consecutive_failures, 0);
    assert!(health.last_success.is_some());
    // Self-metrics of the last push: the pushes before it.
    let pushes = last
        .timeseries
        .iter()
        .find(|s| {
            s.labels
                .iter()
                .any(|l| l.value == "metrics_exporter_pushes_total")
        })
        .unwrap();
    assert_eq!(pushes.samples[0].value, (received.len() - 1) as f64);
}

// ---------------------------------------------------------------------------------------------
// Against real receivers.

/// Pushes the deterministic registry to `receiver`, then checks every value through its query
/// API (`before_query` runs before each poll: VictoriaMetrics' force flush).
fn push_and_query_back(receiver: &Server, before_query: &dyn Fn()) {
    let url = format!("{}/api/v1/write", receiver.url());
    let (registry, job) = recorded();
    let writer = RemoteWrite::new(&url).unwrap().registry(registry);
    writer.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(writer.metrics().failures.get(), 0);

    let first = r#"job_jobs_total{instance="test-1",reason="manual",retried="true"}"#;
    let value = eventually("the pushed samples", || {
        before_query();
        query(receiver, first)
    });
    assert_eq!(value, 3.0);
    let expected = [
        (r#"job_jobs_total{reason="manual",retried="false"}"#, 0.0),
        (r#"job_queue_items{instance="test-1"}"#, -7.0),
        ("job_load_ratio", 0.25),
        (r#"job_duration_seconds_bucket{le="0.1"}"#, 1.0),
        (r#"job_duration_seconds_bucket{le="1"}"#, 2.0),
        (r#"job_duration_seconds_bucket{le="10"}"#, 3.0),
        (r#"job_duration_seconds_bucket{le="+Inf"}"#, 4.0),
        ("job_duration_seconds_sum", 55.55),
        ("job_duration_seconds_count", 4.0),
        (
            r#"metrics_exporter_pushes_total{exporter="remote_write"}"#,
            0.0,
        ),
    ];
    for (promql, want) in expected {
        assert_eq!(query(receiver, promql), Some(want), "{promql}");
    }
    // A second push: the counter moved, the receiver has the new value.
    job.jobs_total
        .with(&ReasonLabels {
            reason: Reason::Manual,
            retried: true,
        })
        .inc_by(2);
    std::thread::sleep(Duration::from_millis(5)); // a later timestamp
    writer.flush(Duration::from_secs(10)).unwrap();
    eventually("the second push", || {
        before_query();
        query(receiver, first).filter(|&v| v == 5.0)
    });
    assert_eq!(
        query(
            receiver,
            r#"metrics_exporter_pushes_total{exporter="remote_write"}"#
        ),
        Some(1.0)
    );
}

#[test]
fn a_real_victoria_metrics_stores_the_pushed_values() {
    let victoria_metrics = servers::victoria_metrics();
    let addr = victoria_metrics.addr();
    push_and_query_back(&victoria_metrics, &|| {
        let _ = tests::http::try_get(addr, "/internal/force_flush", None);
    });
}

#[test]
fn a_real_prometheus_receiver_stores_the_pushed_values() {
    push_and_query_back(&servers::prometheus_receiver(), &|| {});
}
