//! Prometheus text format 0.0.4, as the Prometheus Go client writes it.

use metrics_core::{MetricDesc, Registry};

use crate::encoder::{Format, Writer};
use crate::number::write_go_float;
use metrics_core::escape::write_help_text;

/// The `Content-Type` of [`encode_text`]'s output.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Prometheus 0.0.4: `# HELP` then `# TYPE` under the full metric name (a counter's ends in
/// `_total`), no `# UNIT`, floats as Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
struct Text;

impl Format for Text {
    fn header(out: &mut String, desc: &MetricDesc) {
        // An empty HELP line says nothing; the derive requires help text anyway.
        if !desc.help.is_empty() {
            out.push_str("# HELP ");
            out.push_str(desc.name);
            out.push(' ');
            write_help_text(out, desc.help);
            out.push('\n');
        }
        out.push_str("# TYPE ");
        out.push_str(desc.name);
        out.push(' ');
        out.push_str(desc.kind.as_str());
        out.push('\n');
    }

    fn float(out: &mut String, f: f64) {
        write_go_float(out, f);
    }
}

/// Renders every metric of `registry` in the Prometheus text format 0.0.4.
pub fn encode_text(registry: &Registry) -> String {
    let mut out = String::new();
    write_text(registry, &mut out);
    out
}

/// Appends every metric of `registry` to `out` in the Prometheus text format 0.0.4.
pub fn write_text(registry: &Registry, out: &mut String) {
    registry.encode(&mut Writer::<Text>::new(out));
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

    fn text_of<T: MetricSet>(set: &Arc<T>) -> String {
        let registry = Registry::new();
        registry.register(Arc::clone(set));
        encode_text(&registry)
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
            #[metric(name = "app_heap_bytes", help = "Heap in use", unit = "bytes")]
            heap: Gauge,
        }
        let m = Arc::new(Types::default());
        m.jobs.inc_by(u64::MAX);
        m.depth.set(i64::MIN);
        m.load.set(1e-5);
        m.heap.set(1 << 40);
        assert_eq!(
            text_of(&m),
            "\
# HELP app_jobs_total Jobs done
# TYPE app_jobs_total counter
app_jobs_total 18446744073709551615
# HELP app_queue_depth Queue depth
# TYPE app_queue_depth gauge
app_queue_depth -9223372036854775808
# HELP app_load_ratio Load average
# TYPE app_load_ratio gauge
app_load_ratio 1e-05
# HELP app_heap_bytes Heap in use
# TYPE app_heap_bytes gauge
app_heap_bytes 1099511627776
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
        let cases: [(f64, &str); 10] = [
            (0.0, "0"),
            (1.0, "1"),
            (-0.5, "-0.5"),
            (123_456.0, "123456"),
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
                text_of(&m),
                format!("# HELP a_ratio a\n# TYPE a_ratio gauge\na_ratio {want}\n")
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
            #[metric(name = "run_seconds", help = "Run", unit = "seconds", buckets = [0.0001, 0.5, 1.0, 1e6])]
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
            text_of(&m),
            r#"# HELP wait_seconds Wait
# TYPE wait_seconds histogram
wait_seconds_bucket{le="0.005"} 1
wait_seconds_bucket{le="0.01"} 1
wait_seconds_bucket{le="0.025"} 1
wait_seconds_bucket{le="0.05"} 1
wait_seconds_bucket{le="0.1"} 1
wait_seconds_bucket{le="0.25"} 1
wait_seconds_bucket{le="0.5"} 3
wait_seconds_bucket{le="1"} 3
wait_seconds_bucket{le="2.5"} 3
wait_seconds_bucket{le="5"} 3
wait_seconds_bucket{le="10"} 3
wait_seconds_bucket{le="+Inf"} 4
wait_seconds_sum 42.603
wait_seconds_count 4
# HELP run_seconds Run
# TYPE run_seconds histogram
run_seconds_bucket{le="0.0001"} 1
run_seconds_bucket{le="0.5"} 1
run_seconds_bucket{le="1"} 2
run_seconds_bucket{le="1e+06"} 3
run_seconds_bucket{le="+Inf"} 4
run_seconds_sum 2.0000035e+06
run_seconds_count 4
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
                reason: Reason::Manual,
                retried: true,
            })
            .inc_by(3);
        assert_eq!(
            text_of(&m),
            r#"# HELP resumes_total Resumes by reason
# TYPE resumes_total counter
resumes_total{reason="rate_limit",retried="false"} 0
resumes_total{reason="rate_limit",retried="true"} 0
resumes_total{reason="manual",retried="false"} 0
resumes_total{reason="manual",retried="true"} 3
resumes_total{reason="context_exhausted",retried="false"} 0
resumes_total{reason="context_exhausted",retried="true"} 0
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
            #[metric(
                name = "in_flight_requests",
                help = "Requests in flight",
                max_series = 1
            )]
            in_flight: Family<RetriedRouteLabels, Gauge>,
        }
        let m = Arc::new(Routes::default());
        for route in ["/a", "/b", "/a", "/c", "/d", "/c"] {
            m.requests.with(&RouteLabels { route }).inc();
        }
        let in_flight = |retried, route, status| RetriedRouteLabels {
            retried,
            route,
            status,
        };
        m.in_flight.with(&in_flight(false, "/a", 200)).set(2);
        m.in_flight.with(&in_flight(true, "/b", 503)).inc();
        m.in_flight.with(&in_flight(true, "/c", 200)).inc();
        assert_eq!(
            text_of(&m),
            r#"# HELP requests_total Requests by route
# TYPE requests_total counter
requests_total{route="/a"} 2
requests_total{route="/b"} 1
requests_total{route="overflow"} 3
# HELP in_flight_requests Requests in flight
# TYPE in_flight_requests gauge
in_flight_requests{retried="false",route="/a",status="200"} 2
in_flight_requests{retried="true",route="overflow",status="overflow"} 2
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric="requests_total"} 3
metrics_series_overflow_total{metric="in_flight_requests"} 2
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric="requests_total"} 0
metrics_label_value_too_long_total{metric="in_flight_requests"} 0
"#
        );
    }

    #[test]
    fn family_without_series_keeps_its_metadata() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Idle {
            #[metric(name = "request_duration_seconds", help = "Request latency")]
            requests: Family<RouteLabels, Histogram>,
        }
        let m = Arc::new(Idle::default());
        assert_eq!(
            text_of(&m),
            r#"# HELP request_duration_seconds Request latency
# TYPE request_duration_seconds histogram
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric="request_duration_seconds"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric="request_duration_seconds"} 0
"#
        );
    }

    #[test]
    fn instance_labels_come_before_series_labels() {
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct Backend {
            #[metric(name = "backend_resumes_total", help = "Resumes")]
            resumes: Family<ReasonLabels, Counter>,
            #[metric(name = "backend_state", help = "State")]
            state: Gauge,
            #[metric(name = "backend_step_seconds", help = "Step", buckets = [0.1])]
            step: Histogram,
        }
        let registry = Registry::new();
        let cuda = Arc::new(Backend::default());
        let cpu = Arc::new(Backend::default());
        registry.register_with_labels(Arc::clone(&cuda), &[("backend", "cuda"), ("node", "n1")]);
        registry.register_with_labels(
            Arc::clone(&cpu),
            &[("backend", "cpu \"fallback\"\\\n"), ("node", "ü")],
        );
        cuda.state.set(1);
        cpu.state.set(2);
        cpu.step.observe(0.05);
        assert_eq!(
            encode_text(&registry),
            r#"# HELP backend_resumes_total Resumes
# TYPE backend_resumes_total counter
backend_resumes_total{backend="cpu \"fallback\"\\\n",node="ü",reason="rate_limit",retried="false"} 0
backend_resumes_total{backend="cpu \"fallback\"\\\n",node="ü",reason="rate_limit",retried="true"} 0
backend_resumes_total{backend="cpu \"fallback\"\\\n",node="ü",reason="manual",retried="false"} 0
backend_resumes_total{backend="cpu \"fallback\"\\\n",node="ü",reason="manual",retried="true"} 0
backend_resumes_total{backend="cpu \"fallback\"\\\n",node="ü",reason="context_exhausted",retried="false"} 0
backend_resumes_total{backend="cpu \"fallback\"\\\n",node="ü",reason="context_exhausted",retried="true"} 0
backend_resumes_total{backend="cuda",node="n1",reason="rate_limit",retried="false"} 0
backend_resumes_total{backend="cuda",node="n1",reason="rate_limit",retried="true"} 0
backend_resumes_total{backend="cuda",node="n1",reason="manual",retried="false"} 0
backend_resumes_total{backend="cuda",node="n1",reason="manual",retried="true"} 0
backend_resumes_total{backend="cuda",node="n1",reason="context_exhausted",retried="false"} 0
backend_resumes_total{backend="cuda",node="n1",reason="context_exhausted",retried="true"} 0
# HELP backend_state State
# TYPE backend_state gauge
backend_state{backend="cpu \"fallback\"\\\n",node="ü"} 2
backend_state{backend="cuda",node="n1"} 1
# HELP backend_step_seconds Step
# TYPE backend_step_seconds histogram
backend_step_seconds_bucket{backend="cpu \"fallback\"\\\n",node="ü",le="0.1"} 1
backend_step_seconds_bucket{backend="cpu \"fallback\"\\\n",node="ü",le="+Inf"} 1
backend_step_seconds_sum{backend="cpu \"fallback\"\\\n",node="ü"} 0.05
backend_step_seconds_count{backend="cpu \"fallback\"\\\n",node="ü"} 1
backend_step_seconds_bucket{backend="cuda",node="n1",le="0.1"} 0
backend_step_seconds_bucket{backend="cuda",node="n1",le="+Inf"} 0
backend_step_seconds_sum{backend="cuda",node="n1"} 0
backend_step_seconds_count{backend="cuda",node="n1"} 0
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
        for route in ["/b\\\"", "/ü ✓", "/new\nline", "\\n"] {
            m.requests.with(&RouteLabels { route }).inc();
        }
        assert_eq!(
            text_of(&m),
            r#"# HELP escaped_requests_total Requests with "quotes", a back\\slash, ✓\nand a second line
# TYPE escaped_requests_total counter
escaped_requests_total{route="/b\\\""} 1
escaped_requests_total{route="/ü ✓"} 1
escaped_requests_total{route="/new\nline"} 1
escaped_requests_total{route="\\n"} 1
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric="escaped_requests_total"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric="escaped_requests_total"} 0
"#
        );
    }

    #[test]
    fn empty_registry_and_appending() {
        assert_eq!(encode_text(&Registry::new()), "");
        #[derive(MetricSet)]
        #[metric_set(global = false)]
        struct One {
            #[metric(name = "one_state", help = "One")]
            up: Gauge,
        }
        let registry = Registry::new();
        registry.register(Arc::new(One::default()));
        let mut out = String::from("# kept\n");
        write_text(&registry, &mut out);
        write_text(&registry, &mut out);
        assert_eq!(
            out,
            "# kept\n\
             # HELP one_state One\n# TYPE one_state gauge\none_state 0\n\
             # HELP one_state One\n# TYPE one_state gauge\none_state 0\n"
        );
    }
}
