//! A real Prometheus server (the Debian package `prometheus`, which `scripts/test` installs with
//! promtool) scrapes our endpoint on loopback: the target is `up`, OpenMetrics was negotiated
//! (the metadata API lists the counter family without `_total`, which only an OpenMetrics scrape
//! gives), and the values queried back through its HTTP API equal the values recorded.

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_core::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry};
use metrics_export::MetricsServer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
enum Outcome {
    Done,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct OutcomeLabels {
    outcome: Outcome,
}

/// What Prometheus scrapes.
#[derive(MetricSet)]
#[metric_set(prefix = "e2e", global = false)]
struct Target {
    /// Jobs by outcome
    jobs_total: Family<OutcomeLabels, Counter>,
    /// Items in the queue
    queue_items: Gauge,
    /// Job duration
    #[metric(buckets = [0.1, 1.0, 10.0])]
    job_duration_seconds: Histogram,
}

/// The Prometheus process, killed (and its data removed) when the test ends.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
    dir: std::path::PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_prometheus(target: SocketAddr) -> Prometheus {
    let dir = std::env::temp_dir().join(format!("prometheus-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let config = dir.join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: e2e\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the prometheus server is needed: apt-get install prometheus (scripts/test does)");
    Prometheus { child, addr, dir }
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
fn query(prometheus: &Prometheus, promql: &str) -> Option<f64> {
    let reply = tests::http::try_get(
        prometheus.addr,
        &format!("/api/v1/query?query={}", encode(promql)),
        None,
    )
    .ok()?;
    if !reply.status_line.contains(" 200 ") {
        return None;
    }
    // `"value":[1700000000.123,"42"]`: the number in quotes after the timestamp.
    let value = reply.body.split("\"value\":[").nth(1)?;
    let value = value.split(",\"").nth(1)?.split('"').next()?;
    value.parse().ok()
}

fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(t) = f() {
            return t;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn a_real_prometheus_scrapes_negotiates_openmetrics_and_reads_our_values() {
    let target = Arc::new(Target::default());
    let registry = Arc::new(Registry::new());
    registry.register(Arc::clone(&target));
    target
        .jobs_total
        .with(&OutcomeLabels {
            outcome: Outcome::Done,
        })
        .inc_by(42);
    target.queue_items.set(-7);
    for v in [0.05, 0.5, 5.0, 50.0] {
        target.job_duration_seconds.observe(v);
    }
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    let prometheus = start_prometheus(server.local_addr());

    let up = eventually("the target to be up", || {
        query(&prometheus, "up{job=\"e2e\"}").filter(|&up| up == 1.0)
    });
    assert_eq!(up, 1.0);
    let done = eventually("a scrape with the counter", || {
        query(&prometheus, "e2e_jobs_total{outcome=\"done\"}")
    });
    assert_eq!(done, 42.0);
    // Exported at zero before anything was recorded.
    assert_eq!(
        query(&prometheus, "e2e_jobs_total{outcome=\"failed\"}"),
        Some(0.0)
    );
    assert_eq!(query(&prometheus, "e2e_queue_items"), Some(-7.0));
    assert_eq!(
        query(&prometheus, "e2e_job_duration_seconds_count"),
        Some(4.0)
    );
    assert_eq!(
        query(&prometheus, "e2e_job_duration_seconds_sum"),
        Some(55.55)
    );
    assert_eq!(
        query(&prometheus, "e2e_job_duration_seconds_bucket{le=\"1.0\"}"),
        Some(2.0),
        "OpenMetrics writes `le=\"1.0\"`, which Prometheus keeps as is"
    );

    // The metadata API: under OpenMetrics the counter family is `e2e_jobs` (its samples keep
    // `_total`); a 0.0.4 scrape would list `e2e_jobs_total`.
    let metadata = eventually("metadata of the counter family", || {
        let reply =
            tests::http::try_get(prometheus.addr, "/api/v1/metadata?metric=e2e_jobs", None).ok()?;
        reply
            .body
            .contains("\"type\":\"counter\"")
            .then_some(reply.body)
    });
    assert!(metadata.contains("\"e2e_jobs\""), "{metadata}");
    assert!(
        metadata.contains("\"help\":\"Jobs by outcome\""),
        "{metadata}"
    );

    // Values move between scrapes.
    target
        .jobs_total
        .with(&OutcomeLabels {
            outcome: Outcome::Failed,
        })
        .inc_by(3);
    let failed = eventually("the new value", || {
        query(&prometheus, "e2e_jobs_total{outcome=\"failed\"}").filter(|&v| v == 3.0)
    });
    assert_eq!(failed, 3.0);
}
