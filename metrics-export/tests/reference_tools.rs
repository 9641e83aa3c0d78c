//! The expositions of a registry using every feature are accepted by the reference tools:
//! `promtool check metrics` (Prometheus 0.0.4, with no lint warning) and the Python reference
//! parser (`prometheus_client.openmetrics.parser`, OpenMetrics 1.0). `scripts/test` installs both.

use std::fs::File;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use metrics_core::{Counter, Family, FloatGauge, Gauge, Histogram, MetricOptions, Registry};

#[allow(dead_code)]
#[path = "../src/fixtures.rs"]
mod fixtures;

use fixtures::{metric_set, Reason, ReasonLabels, RetriedRouteLabels, RouteLabels};

static LATENCY: [f64; 6] = [0.001, 0.004, 0.016, 0.064, 0.256, 1.024];
static WIDE: [f64; 6] = [0.0, 1e-5, 0.0001, 100_000.0, 1e6, 1e21];

metric_set! {
    struct Everything {
        resumes: Family<ReasonLabels, Counter> = Family::new()
            => ("everything_resumes_total", "Resumes by reason"),
        requests: Family<RouteLabels, Counter> = Family::with_options(MetricOptions {
            buckets: None,
            max_series: Some(2),
        }) => (
            "everything_requests_total",
            "Requests by route, with \"quotes\", a back\\slash\nand a second line"
        ),
        events: Counter = Counter::new() => ("everything_events_total", "Plain counter"),
        sent: Counter = Counter::new()
            => ("everything_sent_bytes_total", "Bytes sent", unit = "bytes"),
        state: Gauge = Gauge::new() => ("everything_daemon_state", "Daemon state"),
        usage: FloatGauge = FloatGauge::new()
            => ("everything_context_usage_ratio", "Context usage"),
        heap: Gauge = Gauge::new() => ("everything_heap_bytes", "Heap in use", unit = "bytes"),
        latency: Family<RetriedRouteLabels, Histogram> = Family::with_options(MetricOptions {
            buckets: Some(&LATENCY),
            max_series: Some(2),
        }) => ("everything_request_duration_seconds", "Request latency", unit = "seconds"),
        wait: Histogram = Histogram::new()
            => ("everything_wait_duration_seconds", "Default buckets"),
        wide: Histogram = Histogram::with_buckets(&WIDE)
            => ("everything_wide_range_seconds", "Bounds in every notation ✓"),
    }
}

fn registry() -> Registry {
    let registry = Registry::new();
    let cuda = Arc::new(Everything::default());
    let cpu = Arc::new(Everything::default());
    registry.register_with_labels(Arc::clone(&cuda), &[("backend", "cuda")]);
    registry.register_with_labels(Arc::clone(&cpu), &[("backend", "cpu \"fallback\"\\\n ü")]);
    cuda.resumes
        .with(&ReasonLabels {
            reason: Reason::ContextExhausted,
            retried: true,
        })
        .inc();
    for (i, route) in ["/a", "/b\\\"", "/c", "/ü\n"].into_iter().enumerate() {
        cuda.requests.with(&RouteLabels { route }).inc();
        let labels = RetriedRouteLabels {
            retried: i % 2 == 0,
            route,
            status: 200,
        };
        cuda.latency.with(&labels).observe(0.02);
    }
    cuda.events.inc_by(12);
    cuda.sent.inc_by(u64::MAX);
    cuda.state.set(-2);
    cuda.usage.set(1e-7);
    cpu.usage.set(f64::NAN);
    cuda.heap.set(1 << 40);
    cuda.wait.observe(3.5);
    for v in [0.0, 5e-6, 2e6, 1e22, f64::NAN] {
        cpu.wide.observe(v);
    }
    registry
}

/// Writes `text` to a temporary file and runs `program args < file`: (success, stdout + stderr).
fn check_file(name: &str, text: &str, program: &str, args: &[&str], hint: &str) -> (bool, String) {
    let path: PathBuf =
        std::env::temp_dir().join(format!("metrics-export-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::from(File::open(&path).unwrap()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}); {hint}"));
    std::fs::remove_file(&path).unwrap();
    let mut all = String::from_utf8_lossy(&output.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.success(), all)
}

#[test]
fn promtool_accepts_the_text_format_without_warnings() {
    let text = metrics_export::encode_text(&registry());
    let (ok, output) = check_file(
        "text.prom",
        &text,
        "promtool",
        &["check", "metrics"],
        "install it: apt-get install -y prometheus",
    );
    assert!(ok, "promtool failed:\n{output}\n--- input ---\n{text}");
    assert_eq!(
        output, "",
        "promtool warned:\n{output}\n--- input ---\n{text}"
    );
}

const PARSE: &str = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    les = sorted({s.labels["le"] for s in family.samples if "le" in s.labels}, key=float)
    print(family.name, family.type, family.unit or "-", len(family.samples), *les)
"#;

#[test]
fn python_reference_parser_accepts_openmetrics() {
    let om = metrics_export::encode_openmetrics(&registry());
    let (ok, output) = check_file(
        "openmetrics.txt",
        &om,
        "python3",
        &["-c", PARSE],
        "install it: pip install prometheus-client",
    );
    assert!(
        ok,
        "the reference parser rejected it:\n{output}\n--- input ---\n{om}"
    );
    assert_eq!(
        output,
        "\
everything_resumes counter - 12
everything_requests counter - 3
everything_events counter - 2
everything_sent_bytes counter bytes 2
everything_daemon_state gauge - 2
everything_context_usage_ratio gauge - 2
everything_heap_bytes gauge bytes 2
everything_request_duration_seconds histogram seconds 36 0.001 0.004 0.016 0.064 0.256 1.024 +Inf
everything_wait_duration_seconds histogram - 28 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1.0 2.5 5.0 10.0 +Inf
everything_wide_range_seconds histogram - 18 0.0 1e-05 0.0001 100000.0 1e+06 1e+21 +Inf
metrics_series_overflow counter - 4
",
        "--- input ---\n{om}"
    );
}
