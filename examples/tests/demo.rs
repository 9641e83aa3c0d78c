//! The demo service as a user runs it: the `palingenesis` binary started on port 0, scraped over
//! HTTP on both paths in both formats, its metrics compared whole against the acceptance
//! criteria of seed story 7.2 (AC1 to AC6), and its numbers seen moving.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Lines};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use tests::http::{get, Reply};

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The demo process, killed when the test ends (also on failure).
struct Demo {
    child: Child,
    addr: SocketAddr,
    /// Kept open: the demo's later output must not meet a closed pipe.
    _stdout: Lines<BufReader<ChildStdout>>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the demo on a free port and reads the URL it prints.
fn start_demo(args: &[&str]) -> Demo {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palingenesis"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in the first line: {first:?}"));
    let addr = url
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("not http://ADDR/metrics: {url}"));
    assert!(addr.starts_with("127.0.0.1:"), "{url}");
    assert!(
        second.ends_with(&format!("http://{addr}/api/v1/metrics")),
        "{second:?}"
    );
    Demo {
        child,
        addr: addr.parse().unwrap(),
        _stdout: lines,
    }
}

/// A sample's labels, in order.
type Labels = Vec<(String, String)>;

/// One family of a Prometheus text 0.0.4 exposition.
#[derive(Debug, Default)]
struct Family {
    kind: String,
    /// `(sample name, labels, value)` in order.
    samples: Vec<(String, Labels, f64)>,
}

/// A small reader of the text format, enough for the demo's output (no escapes in it).
fn parse_text(body: &str) -> BTreeMap<String, Family> {
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    for line in body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            families.entry(name.to_owned()).or_default().kind = kind.to_owned();
        } else if !line.starts_with('#') && !line.is_empty() {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (
                    name,
                    labels
                        .strip_suffix('}')
                        .unwrap()
                        .split(',')
                        .map(|pair| {
                            let (k, v) = pair.split_once('=').unwrap();
                            (k.to_owned(), v.trim_matches('"').to_owned())
                        })
                        .collect(),
                ),
                None => (series, Vec::new()),
            };
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|suffix| {
                    name.strip_suffix(suffix)
                        .filter(|base| families.get(*base).is_some_and(|f| f.kind == "histogram"))
                })
                .unwrap_or(name);
            families
                .get_mut(family)
                .unwrap_or_else(|| panic!("sample before its # TYPE: {line}"))
                .samples
                .push((name.to_owned(), labels, value.parse().unwrap()));
        }
    }
    families
}

fn scrape(demo: &Demo, path: &str, accept: Option<&str>) -> Reply {
    let reply = get(demo.addr, path, accept);
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK", "{path}");
    reply
}

fn value(families: &BTreeMap<String, Family>, name: &str) -> f64 {
    let family = &families[name];
    family.samples.iter().map(|(_, _, v)| v).sum()
}

/// Seed 7.2, AC1 to AC3: every metric and its type. The one deviation, for Prometheus naming
/// conventions: the gauge `palingenesis_current_session_steps_total` is
/// `palingenesis_current_session_steps` (`_total` is for counters).
const SEED_METRICS: &[(&str, &str)] = &[
    // AC1
    ("palingenesis_resumes_total", "counter"),
    ("palingenesis_resumes_success_total", "counter"),
    ("palingenesis_resumes_failure_total", "counter"),
    ("palingenesis_sessions_started_total", "counter"),
    ("palingenesis_rate_limits_total", "counter"),
    ("palingenesis_context_exhaustions_total", "counter"),
    // AC2
    ("palingenesis_daemon_state", "gauge"),
    ("palingenesis_current_session_steps_completed", "gauge"),
    ("palingenesis_current_session_steps", "gauge"),
    ("palingenesis_active_sessions", "gauge"),
    ("palingenesis_retry_attempts", "gauge"),
    // AC3
    ("palingenesis_resume_duration_seconds", "histogram"),
    ("palingenesis_detection_latency_seconds", "histogram"),
    ("palingenesis_wait_duration_seconds", "histogram"),
];

/// What the demo adds to the seed: a native histogram (its classic buckets in the text formats).
const DEMO_METRICS: &[(&str, &str)] = &[("palingenesis_api_request_duration_seconds", "histogram")];

/// Seed 7.2, AC4.
const SEED_BUCKETS: &[(&str, &[&str])] = &[
    (
        "palingenesis_resume_duration_seconds",
        &["0.1", "0.5", "1", "2", "5", "10", "30", "60", "+Inf"],
    ),
    (
        "palingenesis_detection_latency_seconds",
        &["0.01", "0.05", "0.1", "0.5", "1", "2", "5", "+Inf"],
    ),
    (
        "palingenesis_wait_duration_seconds",
        &["1", "5", "10", "30", "60", "120", "300", "600", "+Inf"],
    ),
];

/// Seed 7.2, AC6: the labeled counters, their label and its values. The seed lists
/// `timeout, spawn_failed, etc.` for `error_type`; the demo's third is `state_corrupt`.
const SEED_LABELS: &[(&str, &str, &[&str])] = &[
    (
        "palingenesis_resumes_total",
        "reason",
        &["rate_limit", "context_exhausted", "manual"],
    ),
    (
        "palingenesis_resumes_failure_total",
        "error_type",
        &["timeout", "spawn_failed", "state_corrupt"],
    ),
];

#[test]
fn the_demo_serves_every_metric_of_the_seed() {
    let demo = start_demo(&["--speed", "100000"]);
    let families = parse_text(scrape(&demo, "/api/v1/metrics", None).text());

    let found: Vec<(&str, &str)> = families
        .iter()
        .map(|(name, f)| (name.as_str(), f.kind.as_str()))
        .collect();
    let mut want = [SEED_METRICS, DEMO_METRICS].concat();
    want.sort_unstable();
    assert_eq!(
        found, want,
        "names and types (AC1 to AC3, and the demo's own)"
    );

    for (name, bounds) in SEED_BUCKETS {
        let le: Vec<&str> = families[*name]
            .samples
            .iter()
            .filter(|(sample, _, _)| sample.ends_with("_bucket"))
            .map(|(_, labels, _)| {
                assert_eq!(labels.len(), 1, "{name}: {labels:?}");
                assert_eq!(labels[0].0, "le");
                labels[0].1.as_str()
            })
            .collect();
        assert_eq!(le, *bounds, "{name} buckets (AC4)");
        let samples: Vec<&str> = families[*name]
            .samples
            .iter()
            .map(|(sample, _, _)| sample.strip_prefix(*name).unwrap())
            .filter(|suffix| *suffix != "_bucket")
            .collect();
        assert_eq!(samples, ["_sum", "_count"], "{name}");
    }

    for (name, family) in &families {
        let labels: Vec<&(String, String)> = family
            .samples
            .iter()
            .flat_map(|(_, labels, _)| labels)
            .filter(|(label, _)| label != "le")
            .collect();
        match SEED_LABELS.iter().find(|(labeled, _, _)| labeled == name) {
            Some((_, label, values)) => {
                // Every value exported from the start, each once (AC6).
                let found: Vec<(&str, &str)> = labels
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let want: Vec<(&str, &str)> = values.iter().map(|v| (*label, *v)).collect();
                assert_eq!(found, want, "{name} labels (AC6)");
            }
            None => assert!(labels.is_empty(), "{name} is not labeled: {labels:?}"),
        }
    }
}

#[test]
fn both_paths_answer_both_formats() {
    let demo = start_demo(&["--speed", "1"]);
    for path in ["/metrics", "/api/v1/metrics"] {
        let text = scrape(&demo, path, None);
        assert_eq!(text.header("Content-Type"), Some(TEXT));
        assert!(text
            .text()
            .starts_with("# HELP palingenesis_resumes_total Total number of resume operations attempted\n# TYPE palingenesis_resumes_total counter\n"));
        let openmetrics = scrape(
            &demo,
            path,
            Some("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3"),
        );
        assert_eq!(openmetrics.header("Content-Type"), Some(OPENMETRICS));
        assert!(openmetrics
            .text()
            .starts_with("# TYPE palingenesis_resumes counter\n# HELP palingenesis_resumes Total number of resume operations attempted\n"));
        assert!(openmetrics.text().ends_with("# EOF\n"));
    }
    assert_eq!(
        get(demo.addr, "/", None).status_line,
        "HTTP/1.1 404 Not Found"
    );
}

#[test]
fn the_numbers_move_and_agree() {
    let demo = start_demo(&["--speed", "20000"]);
    let first = parse_text(scrape(&demo, "/metrics", None).text());
    let started = value(&first, "palingenesis_sessions_started_total");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = parse_text(scrape(&demo, "/metrics", None).text());
        for counter in SEED_METRICS.iter().filter(|(_, kind)| *kind == "counter") {
            assert!(
                value(&now, counter.0) >= value(&first, counter.0),
                "{} went down",
                counter.0
            );
        }
        // AC5: every completed resume is observed, and counted as a success or a failure. The
        // observation comes first, so a scrape between the two sees it one ahead.
        let completed = value(&now, "palingenesis_resumes_success_total")
            + value(&now, "palingenesis_resumes_failure_total");
        let observed = now["palingenesis_resume_duration_seconds"]
            .samples
            .iter()
            .find(|(name, _, _)| name.ends_with("_count"))
            .unwrap()
            .2;
        assert!(
            observed == completed || observed == completed + 1.0,
            "{observed} resumes observed, {completed} counted"
        );
        if value(&now, "palingenesis_sessions_started_total") >= started + 3.0 {
            assert!(value(&now, "palingenesis_resumes_total") > 0.0);
            assert!(value(&now, "palingenesis_detection_latency_seconds") > 0.0);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no new sessions in 30 s: {now:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_port_in_use_is_reported_not_a_panic() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_palingenesis"))
        .env("PALINGENESIS_PORT", &port)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!(
            "palingenesis: cannot serve metrics on `127.0.0.1:{port}`: "
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("--port N or PALINGENESIS_PORT=N"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A real Prometheus scrapes the demo: the target is up, the seed's families arrive (the
/// counter family named without `_total` in the metadata: OpenMetrics was negotiated), and the
/// simulated sessions are seen counting up.
#[test]
fn a_real_prometheus_scrapes_the_demo() {
    let demo = start_demo(&["--speed", "20000"]);
    let prometheus = tests::servers::prometheus(demo.addr);
    let up = tests::servers::eventually("the demo to be up", || {
        tests::servers::query(&prometheus, "up").filter(|&up| up == 1.0)
    });
    assert_eq!(up, 1.0);
    let first = tests::servers::eventually("sessions", || {
        tests::servers::query(&prometheus, "palingenesis_sessions_started_total")
    });
    let later = tests::servers::eventually("more sessions", || {
        tests::servers::query(&prometheus, "palingenesis_sessions_started_total")
            .filter(|&n| n > first)
    });
    assert!(later > first);
    assert_eq!(
        tests::servers::query(&prometheus, "count(palingenesis_resumes_total)"),
        Some(3.0),
        "every reason, from the first scrape"
    );
    assert_eq!(
        tests::servers::query(
            &prometheus,
            "count(palingenesis_resume_duration_seconds_bucket)"
        ),
        Some(9.0)
    );
    let metadata = tests::servers::eventually("metadata", || {
        let reply = tests::http::try_get(
            prometheus.addr(),
            "/api/v1/metadata?metric=palingenesis_resumes",
            None,
        )
        .ok()?;
        let body = reply.text();
        body.contains("\"type\":\"counter\"")
            .then(|| body.to_owned())
    });
    assert!(
        metadata.contains("Total number of resume operations attempted"),
        "{metadata}"
    );
}
