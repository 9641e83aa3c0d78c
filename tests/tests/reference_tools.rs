//! The exposition of a set using every feature is accepted by the reference tools:
//! `promtool check metrics` (0.0.4, no lint warning) and the Python reference parser
//! (`prometheus_client.openmetrics.parser`, OpenMetrics 1.0). `scripts/setup` installs both.

use std::sync::Arc;

use metrics_core::{
    Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry,
};
use tests::tools::{promtool_check_metrics, python};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
#[allow(dead_code)] // exported at zero, never recorded
enum Reason {
    RateLimit,
    ContextExhausted,
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct ReasonLabels {
    reason: Reason,
    retried: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: String,
    #[label(name = "status_code")]
    status: u16,
}

/// Every feature at once.
#[derive(MetricSet)]
#[metric_set(prefix = "everything", global = false)]
struct Everything {
    /// Resumes by reason
    resumes_total: Family<ReasonLabels, Counter>,
    /// Requests by route, with "quotes", a back\slash
    /// and a second line
    #[metric(max_series = 2)]
    requests_total: Family<RouteLabels, Counter>,
    /// Plain counter
    #[metric(name = "renamed_events_total")]
    events: Counter,
    /// Daemon state
    daemon_state: Gauge,
    /// Context usage
    context_usage_ratio: FloatGauge,
    /// Heap in use
    #[metric(unit = "bytes")]
    heap_bytes: Gauge,
    /// Request latency
    #[metric(buckets = exponential(0.001, 4.0, 6), unit = "seconds")]
    request_duration_seconds: Family<RouteLabels, Histogram>,
    /// Default buckets
    wait_duration_seconds: Histogram,
    #[metric(skip)]
    _not_a_metric: u8,
}

fn exposition() -> (String, String) {
    let registry = Registry::new();
    let a = Arc::new(Everything::default());
    let b = Arc::new(Everything::default());
    registry.register_with_labels(a.clone(), &[("backend", "cuda")]);
    registry.register_with_labels(b.clone(), &[("backend", "cpu \"fallback\"\n")]);
    a.resumes_total
        .with(&ReasonLabels {
            reason: Reason::ContextExhausted,
            retried: true,
        })
        .inc();
    for (route, status) in [("/a", 200), ("/b\\\"", 500), ("/c", 200), ("/ü", 404)] {
        let labels = RouteLabels {
            route: route.to_owned(),
            status,
        };
        a.requests_total.with(&labels).inc();
        a.request_duration_seconds.with(&labels).observe(0.02);
    }
    a.events.inc_by(12);
    a.daemon_state.set(-2);
    a.context_usage_ratio.set(1e-7);
    b.context_usage_ratio.set(f64::NAN);
    a.heap_bytes.set(1 << 40);
    a.wait_duration_seconds.observe(3.5);
    (
        metrics_export::encode_text(&registry),
        metrics_export::encode_openmetrics(&registry),
    )
}

#[test]
fn promtool_accepts_the_text_format_without_warnings() {
    let (text, _) = exposition();
    let (ok, output) = promtool_check_metrics(&text);
    assert!(ok, "promtool failed:\n{output}\n--- input ---\n{text}");
    assert_eq!(
        output.trim(),
        "",
        "promtool warned:\n{output}\n--- input ---\n{text}"
    );
}

const PARSE: &str = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    print(family.name, family.type, family.unit or "-", len(family.samples))
"#;

#[test]
fn python_reference_parser_accepts_openmetrics() {
    let (_, om) = exposition();
    let (ok, output) = python(PARSE, &[], om.as_bytes());
    assert!(
        ok,
        "the reference parser rejected it:\n{output}\n--- input ---\n{om}"
    );
    assert_eq!(
        output,
        "\
everything_resumes counter - 12
everything_requests counter - 3
everything_renamed_events counter - 2
everything_daemon_state gauge - 2
everything_context_usage_ratio gauge ratio 2
everything_heap_bytes gauge bytes 2
everything_request_duration_seconds histogram seconds 36
everything_wait_duration_seconds histogram seconds 28
metrics_series_overflow counter - 4
metrics_label_value_too_long counter - 4
",
        "--- input ---\n{om}"
    );
}
