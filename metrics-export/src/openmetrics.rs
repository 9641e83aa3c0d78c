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
        Counter, Family, FloatGauge, Gauge, Histogram, MetricOptions, MetricSet, Registry,
    };

    use super::*;
    use crate::fixtures::{metric_set, Reason, ReasonLabels, RetriedRouteLabels, RouteLabels};

    fn openmetrics_of<T: MetricSet>(set: &Arc<T>) -> String {
        let registry = Registry::new();
        registry.register(Arc::clone(set));
        encode_openmetrics(&registry)
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
                one: FloatGauge = FloatGauge::new() => ("app_one_ratio", "One"),
            }
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
# HELP app_load_ratio Load average
app_load_ratio 1e-05
# TYPE app_one_ratio gauge
# HELP app_one_ratio One
app_one_ratio 1.0
# EOF
"
        );
    }

    #[test]
    fn unit_line_only_when_a_unit_is_given() {
        metric_set! {
            struct Units {
                heap: Gauge = Gauge::new() => ("heap_bytes", "Heap in use", unit = "bytes"),
                stack: Gauge = Gauge::new() => ("stack_bytes", "Stack in use"),
                sent: Counter = Counter::new()
                    => ("sent_bytes_total", "Bytes sent", unit = "bytes"),
                empty: Gauge = Gauge::new() => ("empty_unit_bytes", "Empty unit", unit = ""),
            }
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
# HELP stack_bytes Stack in use
stack_bytes 0
# TYPE sent_bytes counter
# UNIT sent_bytes bytes
# HELP sent_bytes Bytes sent
sent_bytes_total 7
# TYPE empty_unit_bytes gauge
# HELP empty_unit_bytes Empty unit
empty_unit_bytes 0
# EOF
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
                format!("# TYPE a_ratio gauge\n# HELP a_ratio a\na_ratio {want}\n# EOF\n")
            );
        }
    }

    #[test]
    fn histograms_with_default_and_custom_buckets() {
        static BOUNDS: [f64; 5] = [0.0, 0.0001, 1.0, 100_000.0, 1e6];
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
            openmetrics_of(&m),
            r#"# TYPE wait_seconds histogram
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
        metric_set! {
            struct Resumes {
                resumes: Family<ReasonLabels, Counter> = Family::new()
                    => ("resumes_total", "Resumes by reason"),
            }
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
        metric_set! {
            struct Routes {
                requests: Family<RouteLabels, Counter> = Family::with_options(capped(2))
                    => ("requests_total", "Requests by route"),
                latency: Family<RetriedRouteLabels, Histogram> = Family::with_options(
                    MetricOptions { buckets: Some(&[0.5]), max_series: Some(1) },
                ) => ("request_duration_seconds", "Latency", unit = "seconds"),
            }
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
# EOF
"#
        );
    }

    #[test]
    fn instance_labels_come_before_series_labels() {
        metric_set! {
            struct Backend {
                state: Gauge = Gauge::new() => ("backend_state", "State"),
                requests: Family<RouteLabels, Counter> = Family::new()
                    => ("backend_requests_total", "Requests"),
            }
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
# EOF
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
# EOF
"#
        );
    }

    #[test]
    fn empty_registry_and_appending() {
        assert_eq!(encode_openmetrics(&Registry::new()), "# EOF\n");
        metric_set! {
            struct Bare {
                up: Gauge = Gauge::new() => ("up_state", ""),
            }
        }
        let registry = Registry::new();
        registry.register(Arc::new(Bare::default()));
        let mut out = String::from("kept\n");
        write_openmetrics(&registry, &mut out);
        assert_eq!(out, "kept\n# TYPE up_state gauge\nup_state 0\n# EOF\n");
    }
}
