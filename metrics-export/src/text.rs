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
        Counter, Family, FloatGauge, Gauge, Histogram, MetricOptions, MetricSet, Registry,
    };

    use super::*;
    use crate::fixtures::{metric_set, Reason, ReasonLabels, RetriedRouteLabels, RouteLabels};

    fn text_of<T: MetricSet>(set: &Arc<T>) -> String {
        let registry = Registry::new();
        registry.register(Arc::clone(set));
        encode_text(&registry)
    }

    const fn capped(max_series: usize) -> MetricOptions {
        MetricOptions {
            buckets: None,
            max_series: Some(max_series),
        }
    }

    #[test]
    fn counter_gauge_and_float_gauge() {
        metric_set! {
            struct Types {
                jobs: Counter = Counter::new() => ("app_jobs_total", "Jobs done"),
                depth: Gauge = Gauge::new() => ("app_queue_depth", "Queue depth"),
                load: FloatGauge = FloatGauge::new() => ("app_load_ratio", "Load average"),
                heap: Gauge = Gauge::new() => ("app_heap_bytes", "Heap in use", unit = "bytes"),
            }
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
        metric_set! {
            struct Floats {
                a: FloatGauge = FloatGauge::new() => ("a_ratio", "a"),
            }
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
        static BOUNDS: [f64; 4] = [0.0001, 0.5, 1.0, 1e6];
        metric_set! {
            struct Latency {
                wait: Histogram = Histogram::new() => ("wait_seconds", "Wait"),
                run: Histogram = Histogram::with_buckets(&BOUNDS)
                    => ("run_seconds", "Run", unit = "seconds"),
            }
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
        metric_set! {
            struct Resumes {
                resumes: Family<ReasonLabels, Counter> = Family::new()
                    => ("resumes_total", "Resumes by reason"),
            }
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
        metric_set! {
            struct Routes {
                requests: Family<RouteLabels, Counter> = Family::with_options(capped(2))
                    => ("requests_total", "Requests by route"),
                in_flight: Family<RetriedRouteLabels, Gauge> = Family::with_options(capped(1))
                    => ("in_flight_requests", "Requests in flight"),
            }
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
"#
        );
    }

    #[test]
    fn family_without_series_keeps_its_metadata() {
        metric_set! {
            struct Idle {
                requests: Family<RouteLabels, Histogram> = Family::new()
                    => ("request_duration_seconds", "Request latency"),
            }
        }
        let m = Arc::new(Idle::default());
        assert_eq!(
            text_of(&m),
            r#"# HELP request_duration_seconds Request latency
# TYPE request_duration_seconds histogram
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric="request_duration_seconds"} 0
"#
        );
    }

    #[test]
    fn instance_labels_come_before_series_labels() {
        static BOUNDS: [f64; 1] = [0.1];
        metric_set! {
            struct Backend {
                resumes: Family<ReasonLabels, Counter> = Family::new()
                    => ("backend_resumes_total", "Resumes"),
                state: Gauge = Gauge::new() => ("backend_state", "State"),
                step: Histogram = Histogram::with_buckets(&BOUNDS)
                    => ("backend_step_seconds", "Step"),
            }
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
        metric_set! {
            struct Escapes {
                requests: Family<RouteLabels, Counter> = Family::new() => (
                    "escaped_requests_total",
                    "Requests with \"quotes\", a back\\slash, ✓\nand a second line"
                ),
            }
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
"#
        );
    }

    #[test]
    fn empty_help_has_no_help_line() {
        metric_set! {
            struct Bare {
                up: Gauge = Gauge::new() => ("up_state", ""),
            }
        }
        assert_eq!(
            text_of(&Arc::new(Bare::default())),
            "# TYPE up_state gauge\nup_state 0\n"
        );
    }

    #[test]
    fn empty_registry_and_appending() {
        assert_eq!(encode_text(&Registry::new()), "");
        metric_set! {
            struct One {
                up: Gauge = Gauge::new() => ("one_state", "One"),
            }
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
