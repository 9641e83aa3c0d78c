//! OpenMetrics 1.0 text.

use metrics_core::{MetricDesc, Registry};

use crate::encoder::{Format, Writer};
use crate::number::write_openmetrics_float;
use metrics_core::escape::write_quoted_text;

/// The `Content-Type` of [`encode_openmetrics`]'s output.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// OpenMetrics 1.0: metadata under the family name (a counter's without `_total`, which its
/// sample keeps), `# UNIT` when the metric has one, floats in canonical form, `# EOF` at the end.
struct OpenMetrics;

impl Format for OpenMetrics {
    fn header(out: &mut String, desc: &MetricDesc) {
        // The specification: "The ordering SHOULD be TYPE, UNIT, HELP." (The Go and Python
        // clients write HELP first; every parser accepts any order.) An empty UNIT or HELP
        // "MUST be treated as if no metadata line for the MetricFamily existed": none is written.
        let family = desc.family_name();
        metadata(out, "TYPE", family, desc.kind.as_str());
        if let Some(unit) = desc.unit.filter(|u| !u.is_empty()) {
            metadata(out, "UNIT", family, unit);
        }
        if !desc.help.is_empty() {
            out.push_str("# HELP ");
            out.push_str(family);
            out.push(' ');
            write_quoted_text(out, desc.help);
            out.push('\n');
        }
    }

    fn float(out: &mut String, f: f64) {
        write_openmetrics_float(out, f);
    }
}

fn metadata(out: &mut String, keyword: &str, family: &str, value: &str) {
    out.push_str("# ");
    out.push_str(keyword);
    out.push(' ');
    out.push_str(family);
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// Renders every metric of `registry` as OpenMetrics 1.0 text, `# EOF` included.
pub fn encode_openmetrics(registry: &Registry) -> String {
    let mut out = String::new();
    write_openmetrics(registry, &mut out);
    out
}

/// Appends every metric of `registry` to `out` as OpenMetrics 1.0 text, `# EOF` included.
pub fn write_openmetrics(registry: &Registry, out: &mut String) {
    registry.encode(&mut Writer::<OpenMetrics>::new(out));
    out.push_str("# EOF\n");
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use metrics_core::{
        Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry,
    };

    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
    #[label(rename_all = "snake_case")]
    #[allow(dead_code)] // some variants are only exported at zero, never recorded
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
    struct RetriedRouteLabels {
        retried: bool,
        route: &'static str,
        status: u16,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct RouteLabels {
        route: &'static str,
    }

    fn openmetrics_of<T: MetricSet>(set: &Arc<T>) -> String {
        let registry = Registry::new();
        registry.register(Arc::clone(set));
        encode_openmetrics(&registry)
    }

    #[test]
    fn counter_gauge_and_float_gauge() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Types {
            #[metric(name = "app_jobs_total", help = "Jobs done")]
            jobs: Counter,
            #[metric(name = "app_queue_depth", help = "Queue depth")]
            depth: Gauge,
            #[metric(name = "app_load_ratio", help = "Load average")]
            load: FloatGauge,
            #[metric(name = "app_one_ratio", help = "One")]
            one: FloatGauge,
        }
        let m = Arc::new(Types::default());
        m.jobs.inc_by(u64::MAX);
        m.depth.set(i64::MIN);
        m.load.set(1e-5);
        m.one.set(1.0);
        assert_eq!(
            openmetrics_of(&m),
            "\
# TYPE app_jobs counter
# HELP app_jobs Jobs done
app_jobs_total 18446744073709551615
# TYPE app_queue_depth gauge
# HELP app_queue_depth Queue depth
app_queue_depth -9223372036854775808
# TYPE app_load_ratio gauge
# UNIT app_load_ratio ratio
# HELP app_load_ratio Load average
app_load_ratio 1e-05
# TYPE app_one_ratio gauge
# UNIT app_one_ratio ratio
# HELP app_one_ratio One
app_one_ratio 1.0
# EOF
"
        );
    }

    #[test]
    fn unit_line_only_when_a_unit_is_given_or_read_off_the_name() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Units {
            #[metric(name = "heap_bytes", help = "Heap in use", unit = "bytes")]
            heap: Gauge,
            #[metric(name = "stack_bytes", help = "Stack in use")]
            stack: Gauge,
            #[metric(name = "stack_depth", help = "Frames on the stack")]
            depth: Gauge,
            #[metric(name = "sent_bytes_total", help = "Bytes sent", unit = "bytes")]
            sent: Counter,
        }
        let m = Arc::new(Units::default());
        m.heap.set(4096);
        m.sent.inc_by(7);
        assert_eq!(
            openmetrics_of(&m),
            "\
# TYPE heap_bytes gauge
# UNIT heap_bytes bytes
# HELP heap_bytes Heap in use
heap_bytes 4096
# TYPE stack_bytes gauge
# UNIT stack_bytes bytes
# HELP stack_bytes Stack in use
stack_bytes 0
# TYPE stack_depth gauge
# HELP stack_depth Frames on the stack
stack_depth 0
# TYPE sent_bytes counter
# UNIT sent_bytes bytes
# HELP sent_bytes Bytes sent
sent_bytes_total 7
# EOF
"
        );
    }

    #[test]
    fn float_gauge_values() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Floats {
            #[metric(name = "a_ratio", help = "a")]
            a: FloatGauge,
        }
        let m = Arc::new(Floats::default());
        let cases: [(f64, &str); 11] = [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (-3.0, "-3.0"),
            (-0.5, "-0.5"),
            (123_456.0, "123456.0"),
            (1_234_567.0, "1.234567e+06"),
            (1e21, "1e+21"),
            (0.0001, "0.0001"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
        ];
        for (v, want) in cases {
            m.a.set(v);
            assert_eq!(
                openmetrics_of(&m),
                format!("# TYPE a_ratio gauge\n# UNIT a_ratio ratio\n# HELP a_ratio a\na_ratio {want}\n# EOF\n")
            );
        }
    }

    #[test]
    fn histograms_with_default_and_custom_buckets() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Latency {
            #[metric(name = "wait_seconds", help = "Wait")]
            wait: Histogram,
            #[metric(name = "run_seconds", help = "Run", unit = "seconds", buckets = [0.0, 0.0001, 1.0, 100_000.0, 1e6])]
            run: Histogram,
        }
        let m = Arc::new(Latency::default());
        for v in [0.003, 0.3, 0.3, 42.0, f64::NAN, -1.0] {
            m.wait.observe(v);
        }
        for v in [0.0, 1.0, 2.5, 2e6] {
            m.run.observe(v);
        }
        assert_eq!(
            openmetrics_of(&m),
            r#"# TYPE wait_seconds histogram
# UNIT wait_seconds seconds
# HELP wait_seconds Wait
wait_seconds_bucket{le="0.005"} 1
wait_seconds_bucket{le="0.01"} 1
wait_seconds_bucket{le="0.025"} 1
wait_seconds_bucket{le="0.05"} 1
wait_seconds_bucket{le="0.1"} 1
wait_seconds_bucket{le="0.25"} 1
wait_seconds_bucket{le="0.5"} 3
wait_seconds_bucket{le="1.0"} 3
wait_seconds_bucket{le="2.5"} 3
wait_seconds_bucket{le="5.0"} 3
wait_seconds_bucket{le="10.0"} 3
wait_seconds_bucket{le="+Inf"} 4
wait_seconds_sum 42.603
wait_seconds_count 4
# TYPE run_seconds histogram
# UNIT run_seconds seconds
# HELP run_seconds Run
run_seconds_bucket{le="0.0"} 1
run_seconds_bucket{le="0.0001"} 1
run_seconds_bucket{le="1.0"} 2
run_seconds_bucket{le="100000.0"} 3
run_seconds_bucket{le="1e+06"} 3
run_seconds_bucket{le="+Inf"} 4
run_seconds_sum 2.0000035e+06
run_seconds_count 4
# EOF
"#
        );
    }

    #[test]
    fn fixed_family_exports_every_combination_at_zero() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Resumes {
            #[metric(name = "resumes_total", help = "Resumes by reason")]
            resumes: Family<ReasonLabels, Counter>,
        }
        let m = Arc::new(Resumes::default());
        m.resumes
            .with(&ReasonLabels {
                reason: Reason::RateLimit,
                retried: false,
            })
            .inc();
        assert_eq!(
            openmetrics_of(&m),
            r#"# TYPE resumes counter
# HELP resumes Resumes by reason
resumes_total{reason="rate_limit",retried="false"} 1
resumes_total{reason="rate_limit",retried="true"} 0
resumes_total{reason="manual",retried="false"} 0
resumes_total{reason="manual",retried="true"} 0
resumes_total{reason="context_exhausted",retried="false"} 0
resumes_total{reason="context_exhausted",retried="true"} 0
# EOF
"#
        );
    }

    #[test]
    fn open_family_past_its_cap_has_overflow_series_and_self_metric() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Routes {
            #[metric(name = "requests_total", help = "Requests by route", max_series = 2)]
            requests: Family<RouteLabels, Counter>,
            #[metric(name = "request_duration_seconds", help = "Latency", unit = "seconds", buckets = [0.5], max_series = 1)]
            latency: Family<RetriedRouteLabels, Histogram>,
        }
        let m = Arc::new(Routes::default());
        for route in ["/a", "/b", "/a", "/c", "/d", "/c"] {
            m.requests.with(&RouteLabels { route }).inc();
        }
        let labels = |retried, route, status| RetriedRouteLabels {
            retried,
            route,
            status,
        };
        m.latency.with(&labels(false, "/a", 200)).observe(0.25);
        m.latency.with(&labels(true, "/b", 503)).observe(2.0);
        assert_eq!(
            openmetrics_of(&m),
            r#"# TYPE requests counter
# HELP requests Requests by route
requests_total{route="/a"} 2
requests_total{route="/b"} 1
requests_total{route="overflow"} 3
# TYPE request_duration_seconds histogram
# UNIT request_duration_seconds seconds
# HELP request_duration_seconds Latency
request_duration_seconds_bucket{retried="false",route="/a",status="200",le="0.5"} 1
request_duration_seconds_bucket{retried="false",route="/a",status="200",le="+Inf"} 1
request_duration_seconds_sum{retried="false",route="/a",status="200"} 0.25
request_duration_seconds_count{retried="false",route="/a",status="200"} 1
request_duration_seconds_bucket{retried="true",route="overflow",status="overflow",le="0.5"} 0
request_duration_seconds_bucket{retried="true",route="overflow",status="overflow",le="+Inf"} 1
request_duration_seconds_sum{retried="true",route="overflow",status="overflow"} 2.0
request_duration_seconds_count{retried="true",route="overflow",status="overflow"} 1
# TYPE metrics_series_overflow counter
# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap
metrics_series_overflow_total{metric="requests_total"} 3
metrics_series_overflow_total{metric="request_duration_seconds"} 1
# TYPE metrics_label_value_too_long counter
# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
metrics_label_value_too_long_total{metric="requests_total"} 0
metrics_label_value_too_long_total{metric="request_duration_seconds"} 0
# EOF
"#
        );
    }

    #[test]
    fn instance_labels_come_before_series_labels() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Backend {
            #[metric(name = "backend_state", help = "State")]
            state: Gauge,
            #[metric(name = "backend_requests_total", help = "Requests")]
            requests: Family<RouteLabels, Counter>,
        }
        let registry = Registry::new();
        let cuda = Arc::new(Backend::default());
        let cpu = Arc::new(Backend::default());
        registry.register_with_labels(Arc::clone(&cuda), &[("backend", "cuda")]);
        registry.register_with_labels(Arc::clone(&cpu), &[("backend", "cpu \"fallback\"\n")]);
        cuda.state.set(1);
        cuda.requests.with(&RouteLabels { route: "/a" }).inc();
        assert_eq!(
            encode_openmetrics(&registry),
            r#"# TYPE backend_state gauge
# HELP backend_state State
backend_state{backend="cpu \"fallback\"\n"} 0
backend_state{backend="cuda"} 1
# TYPE backend_requests counter
# HELP backend_requests Requests
backend_requests_total{backend="cuda",route="/a"} 1
# TYPE metrics_series_overflow counter
# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap
metrics_series_overflow_total{backend="cpu \"fallback\"\n",metric="backend_requests_total"} 0
metrics_series_overflow_total{backend="cuda",metric="backend_requests_total"} 0
# TYPE metrics_label_value_too_long counter
# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
metrics_label_value_too_long_total{backend="cpu \"fallback\"\n",metric="backend_requests_total"} 0
metrics_label_value_too_long_total{backend="cuda",metric="backend_requests_total"} 0
# EOF
"#
        );
    }

    #[test]
    fn help_and_label_values_are_escaped() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Escapes {
            #[metric(
                name = "escaped_requests_total",
                help = "Requests with \"quotes\", a back\\slash, ✓\nand a second line"
            )]
            requests: Family<RouteLabels, Counter>,
        }
        let m = Arc::new(Escapes::default());
        for route in ["/b\\\"", "/ü ✓", "/new\nline"] {
            m.requests.with(&RouteLabels { route }).inc();
        }
        assert_eq!(
            openmetrics_of(&m),
            r#"# TYPE escaped_requests counter
# HELP escaped_requests Requests with \"quotes\", a back\\slash, ✓\nand a second line
escaped_requests_total{route="/b\\\""} 1
escaped_requests_total{route="/ü ✓"} 1
escaped_requests_total{route="/new\nline"} 1
# TYPE metrics_series_overflow counter
# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap
metrics_series_overflow_total{metric="escaped_requests_total"} 0
# TYPE metrics_label_value_too_long counter
# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
metrics_label_value_too_long_total{metric="escaped_requests_total"} 0
# EOF
"#
        );
    }

    #[test]
    fn empty_registry_and_appending() {
        assert_eq!(encode_openmetrics(&Registry::new()), "# EOF\n");
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct One {
            #[metric(name = "one_state", help = "One")]
            up: Gauge,
        }
        let registry = Registry::new();
        registry.register(Arc::new(One::default()));
        let mut out = String::from("kept\n");
        write_openmetrics(&registry, &mut out);
        assert_eq!(
            out,
            "kept\n# TYPE one_state gauge\n# HELP one_state One\none_state 0\n# EOF\n"
        );
    }
}
