//! The Remote Write 1.0 client (feature `remote-write`).
//!
//! Against a fake receiver on loopback (threads and `std::net`, scripted answers): the wire
//! format and headers, retries of `5xx`/`429` with jittered exponential backoff, `4xx` dropped
//! without retry, the bounded queue while the receiver is down, timeouts against a receiver that
//! never answers, garbage answers, the background thread and its flush on drop.
//!
//! Against real receivers started on loopback with free ports: VictoriaMetrics (Debian package
//! `victoria-metrics`) and Prometheus (`prometheus`, with `--web.enable-remote-write-receiver`),
//! both installed by `scripts/test`; the values queried back equal the recorded ones.
#![cfg(feature = "remote-write")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_export::remote_write::proto::{TimeSeries, WriteRequest};
use metrics_export::{Exporter, RemoteWrite};
use prost::Message as _;

#[allow(dead_code)]
#[path = "../src/fixtures.rs"]
mod fixtures;
mod support;

use fixtures::{Reason, ReasonLabels};
use support::{recorded, Fake, Received, Reply};

// ---------------------------------------------------------------------------------------------
// The fake receiver (`tests/support`), at `/api/v1/write`, answering `200` past its script.

fn fake(script: impl IntoIterator<Item = Reply>) -> Fake {
    Fake::start("/api/v1/write", script, Reply::Status(200))
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
        Reply::Status(503),
        Reply::Status(429),
        Reply::Status(500),
        Reply::Status(502),
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
        // Jitter is at most the cap; a request on loopback adds a few milliseconds.
        assert!(
            *gap <= cap + Duration::from_millis(50),
            "retry {n}: {gap:?}"
        );
    }
    assert_eq!(writer.metrics().pushes.get(), 5);
    assert_eq!(writer.metrics().failures.get(), 4);
    assert_eq!(writer.metrics().dropped_samples.get(), 0);
    assert_eq!(writer.queued(), 0);
    assert_eq!(writer.health().consecutive_failures, 0);
}

#[test]
fn retry_after_is_honoured_up_to_the_longest_backoff() {
    // `Retry-After: 1` (second), the longest backoff 300 ms: the retry waits 300 ms, where the
    // jittered backoff alone would wait at most 1 ms.
    let fake = fake([Reply::RetryAfter(429, 1), Reply::RetryAfter(503, 0)]);
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&fake.url())
        .unwrap()
        .registry(registry)
        .backoff(Duration::from_millis(1), Duration::from_millis(300));
    writer.flush(Duration::from_secs(5)).unwrap();
    let received = fake.received.lock().unwrap();
    assert_eq!(received.len(), 3);
    let gaps: Vec<Duration> = received.windows(2).map(|w| w[1].at - w[0].at).collect();
    eprintln!("Retry-After 1 s then 0 s, backoff at most 300 ms: gaps {gaps:?}");
    assert!(gaps[0] >= Duration::from_millis(300), "{gaps:?}");
    assert!(gaps[0] < Duration::from_millis(400), "{gaps:?}");
    assert!(gaps[1] < Duration::from_millis(50), "{gaps:?}");
}

#[test]
fn other_4xx_are_dropped_and_counted_not_retried() {
    let fake = fake([Reply::Status(400), Reply::Status(404)]);
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
    let fake = fake(std::iter::repeat_n(Reply::Status(503), 100));
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
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (registry, _job) = recorded();
    let writer = RemoteWrite::new(&format!("http://127.0.0.1:{port}/api/v1/write"))
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
        assert!(
            started.elapsed() < Duration::from_secs(1),
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
        Reply::Silent(Duration::from_secs(5)),
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
    let err = writer.flush(Duration::from_secs(3)).unwrap_err();
    let took = started.elapsed();
    assert!(err.to_string().starts_with("cannot reach"), "{err}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    assert_eq!(writer.metrics().failures.get(), 2);
    eprintln!("flush against a silent receiver, 2 attempts of 200 ms: {took:?}");

    // On the background thread, the program records at full speed meanwhile.
    let handle = Arc::clone(&writer).start(Duration::from_millis(50));
    let started = Instant::now();
    for _ in 0..1_000_000 {
        job.queue.inc();
    }
    let recording = started.elapsed();
    assert!(recording < Duration::from_millis(500), "{recording:?}");
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    drop(handle);
    let stopping = started.elapsed();
    eprintln!(
        "1,000,000 increments while pushing: {recording:?}; drop of the handle: {stopping:?}"
    );
    // The export under way gives up (its backoff is cut short, its request times out after
    // 200 ms), then the last flush within its 300 ms.
    assert!(stopping < Duration::from_millis(1500), "{stopping:?}");
    assert!(writer.health().consecutive_failures >= 2);
}

#[test]
fn garbage_answers_are_errors_not_panics() {
    let fake = fake(std::iter::repeat_n(Reply::Garbage, 100));
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
    job.queue.set(12_345);
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

/// A receiver process, killed (and its data removed) when the test ends.
struct Server {
    child: Child,
    addr: SocketAddr,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn spawn(binary: &str, package: &str, args: &[String]) -> Child {
    Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("`{binary}` is needed ({e}): apt-get install -y {package} (scripts/test does)")
        })
}

/// `GET path`: the status code and the body.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    let status = reply.split(' ').nth(1)?.parse().ok()?;
    let (_, body) = reply.split_once("\r\n\r\n")?;
    Some((status, body.to_owned()))
}

fn wait_until_ready(server: &mut Server, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some((200, _)) = get(server.addr, path) {
            return;
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("the receiver exited: {status}");
        }
        assert!(Instant::now() < deadline, "the receiver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `%`-encodes a PromQL query for a URL.
fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of an instant query's single result, `None` while it has none.
fn query(addr: SocketAddr, promql: &str) -> Option<f64> {
    let (status, body) = get(addr, &format!("/api/v1/query?query={}", encode(promql)))?;
    if status != 200 {
        return None;
    }
    // `"value":[1700000000.123,"42"]`: the number in quotes after the timestamp.
    let value = body.split("\"value\":[").nth(1)?;
    let value = value.split(",\"").nth(1)?.split('"').next()?;
    value.parse().ok()
}

/// Pushes the deterministic registry to `url`, then checks every value through `addr`'s query
/// API (`before_query` runs before each poll: VictoriaMetrics' force flush).
fn push_and_query_back(url: &str, addr: SocketAddr, before_query: &dyn Fn()) {
    let (registry, job) = recorded();
    let writer = RemoteWrite::new(url).unwrap().registry(registry);
    writer.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(writer.metrics().failures.get(), 0);

    let deadline = Instant::now() + Duration::from_secs(60);
    let first = r#"job_jobs_total{instance="test-1",reason="manual",retried="true"}"#;
    let value = loop {
        before_query();
        if let Some(v) = query(addr, first) {
            break v;
        }
        assert!(
            Instant::now() < deadline,
            "the pushed samples never showed up"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
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
        assert_eq!(query(addr, promql), Some(want), "{promql}");
    }
    // A second push: the counter moved, the receiver has the new value.
    job.jobs
        .with(&ReasonLabels {
            reason: Reason::Manual,
            retried: true,
        })
        .inc_by(2);
    std::thread::sleep(Duration::from_millis(5)); // a later timestamp
    writer.flush(Duration::from_secs(10)).unwrap();
    loop {
        before_query();
        if query(addr, first) == Some(5.0) {
            break;
        }
        assert!(Instant::now() < deadline, "the second push never showed up");
        std::thread::sleep(Duration::from_millis(250));
    }
    assert_eq!(
        query(
            addr,
            r#"metrics_exporter_pushes_total{exporter="remote_write"}"#
        ),
        Some(1.0)
    );
}

#[test]
fn a_real_victoria_metrics_stores_the_pushed_values() {
    let dir = temp_dir("victoria-metrics-rw");
    let addr = free_addr();
    let child = spawn(
        "victoria-metrics",
        "victoria-metrics",
        &[
            format!("-httpListenAddr={addr}"),
            format!("-storageDataPath={}", dir.display()),
            "-search.latencyOffset=0s".to_owned(),
            "-search.disableCache".to_owned(),
        ],
    );
    let mut server = Server { child, addr, dir };
    wait_until_ready(&mut server, "/health");
    push_and_query_back(&format!("http://{addr}/api/v1/write"), addr, &|| {
        let _ = get(addr, "/internal/force_flush");
    });
}

#[test]
fn a_real_prometheus_receiver_stores_the_pushed_values() {
    let dir = temp_dir("prometheus-rw");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 1m\n").unwrap();
    let addr = free_addr();
    let child = spawn(
        "prometheus",
        "prometheus",
        &[
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address={addr}"),
            "--web.enable-remote-write-receiver".to_owned(),
        ],
    );
    let mut server = Server { child, addr, dir };
    wait_until_ready(&mut server, "/-/ready");
    push_and_query_back(&format!("http://{addr}/api/v1/write"), addr, &|| {});
}
