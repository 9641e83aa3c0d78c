//! The expositions of a registry using every feature are accepted by the reference tools:
//! `promtool check metrics` (Prometheus 0.0.4, with no lint warning) and the Python reference
//! parser (`prometheus_client.openmetrics.parser`, OpenMetrics 1.0). `scripts/setup` installs both.

use std::sync::Arc;

use metrics_core::{
    Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry,
};
use tests::tools::{promtool_check_metrics, python};

/// A registry using every feature, in two instances with hard instance labels.
fn registry() -> Registry {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
    #[label(rename_all = "snake_case")]
    #[allow(dead_code)] // exported at zero, never recorded
    enum Reason {
        RateLimit,
        Manual,
        ContextExhausted,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct ReasonLabels {
        reason: Reason,
        retried: bool,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct RouteLabels {
        route: &'static str,
    }

    /// A fixed label and open-ended ones: past the cap, the fixed label keeps its value.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct RetriedRouteLabels {
        retried: bool,
        route: &'static str,
        status: u16,
    }

    #[derive(MetricSet)]
    #[metric_set(prefix = "everything", global = false)]
    struct Everything {
        /// Resumes by reason
        resumes_total: Family<ReasonLabels, Counter>,
        #[metric(
            max_series = 2,
            help = "Requests by route, with \"quotes\", a back\\slash\nand a second line"
        )]
        requests_total: Family<RouteLabels, Counter>,
        /// Plain counter
        events_total: Counter,
        /// Bytes sent
        #[metric(unit = "bytes")]
        sent_bytes_total: Counter,
        /// Daemon state
        daemon_state: Gauge,
        /// Context usage
        context_usage_ratio: FloatGauge,
        /// Heap in use
        #[metric(unit = "bytes")]
        heap_bytes: Gauge,
        /// Request latency
        #[metric(
            buckets = [0.001, 0.004, 0.016, 0.064, 0.256, 1.024],
            max_series = 2,
            unit = "seconds"
        )]
        request_duration_seconds: Family<RetriedRouteLabels, Histogram>,
        /// Default buckets
        wait_duration_seconds: Histogram,
        /// Bounds in every notation ✓
        #[metric(buckets = [0.0, 1e-5, 0.0001, 100_000.0, 1e6, 1e21])]
        wide_range_seconds: Histogram,
    }

    let registry = Registry::new();
    let cuda = Arc::new(Everything::default());
    let cpu = Arc::new(Everything::default());
    registry.register_with_labels(Arc::clone(&cuda), &[("backend", "cuda")]);
    registry.register_with_labels(Arc::clone(&cpu), &[("backend", "cpu \"fallback\"\\\n ü")]);
    cuda.resumes_total
        .with(&ReasonLabels {
            reason: Reason::ContextExhausted,
            retried: true,
        })
        .inc();
    for (i, route) in ["/a", "/b\\\"", "/c", "/ü\n"].into_iter().enumerate() {
        cuda.requests_total.with(&RouteLabels { route }).inc();
        let labels = RetriedRouteLabels {
            retried: i % 2 == 0,
            route,
            status: 200,
        };
        cuda.request_duration_seconds.with(&labels).observe(0.02);
    }
    cuda.events_total.inc_by(12);
    cuda.sent_bytes_total.inc_by(u64::MAX);
    cuda.daemon_state.set(-2);
    cuda.context_usage_ratio.set(1e-7);
    cpu.context_usage_ratio.set(f64::NAN);
    cuda.heap_bytes.set(1 << 40);
    cuda.wait_duration_seconds.observe(3.5);
    for v in [0.0, 5e-6, 2e6, 1e22, f64::NAN] {
        cpu.wide_range_seconds.observe(v);
    }
    registry
}

#[test]
fn promtool_accepts_the_text_format_without_warnings() {
    let text = metrics_export::encode_text(&registry());
    let (ok, output) = promtool_check_metrics(&text);
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
everything_events counter - 2
everything_sent_bytes counter bytes 2
everything_daemon_state gauge - 2
everything_context_usage_ratio gauge ratio 2
everything_heap_bytes gauge bytes 2
everything_request_duration_seconds histogram seconds 36 0.001 0.004 0.016 0.064 0.256 1.024 +Inf
everything_wait_duration_seconds histogram seconds 28 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1.0 2.5 5.0 10.0 +Inf
everything_wide_range_seconds histogram seconds 18 0.0 1e-05 0.0001 100000.0 1e+06 1e+21 +Inf
metrics_series_overflow counter - 4
metrics_label_value_too_long counter - 4
",
        "--- input ---\n{om}"
    );
}
