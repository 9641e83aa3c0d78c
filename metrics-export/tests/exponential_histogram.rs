//! An `ExponentialHistogram` in every output: its classic histogram in Prometheus 0.0.4 and
//! OpenMetrics (read back by our parsers, `promtool` and the Python reference parser), on the
//! Pushgateway (text), and in remote write: its classic series, and with
//! `RemoteWrite::native_histograms` a native histogram sample that a real Prometheus stores.
//! (OTLP, which sends the exponential buckets, is tested in `otlp.rs`.)

use std::sync::Arc;

use metrics_core::{ExponentialHistogram, Family, LabelSet, LabelValue, MetricSet, Registry};
use metrics_export::parse::{self, MetricType};
use tests::tools::{promtool_check_metrics, python};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
#[allow(dead_code)] // `search` is exported at zero, never recorded
enum Route {
    Home,
    Search,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: Route,
}

#[derive(MetricSet)]
#[metric_set(prefix = "svc", global = false)]
struct Service {
    /// Request latency
    #[metric(buckets = [0.01, 0.1, 1.0], unit = "seconds")]
    request_seconds: ExponentialHistogram,
    /// Latency by route
    #[metric(schema = 2, max_buckets = 20, buckets = [0.5])]
    route_seconds: Family<RouteLabels, ExponentialHistogram>,
}

fn recorded() -> (Arc<Registry>, Arc<Service>) {
    let registry = Arc::new(Registry::new());
    let service = Arc::new(Service::default());
    registry.register_with_labels(Arc::clone(&service), &[("instance", "a")]);
    for v in [0.005, 0.05, 0.05, 0.5, 5.0] {
        service.request_seconds.observe(v);
    }
    for v in [0.25, 0.75, 3.0] {
        service
            .route_seconds
            .with(&RouteLabels { route: Route::Home })
            .observe(v);
    }
    (registry, service)
}

const TEXT: &str = r#"# HELP svc_request_seconds Request latency
# TYPE svc_request_seconds histogram
svc_request_seconds_bucket{instance="a",le="0.01"} 1
svc_request_seconds_bucket{instance="a",le="0.1"} 3
svc_request_seconds_bucket{instance="a",le="1"} 4
svc_request_seconds_bucket{instance="a",le="+Inf"} 5
svc_request_seconds_sum{instance="a"} 5.605
svc_request_seconds_count{instance="a"} 5
# HELP svc_route_seconds Latency by route
# TYPE svc_route_seconds histogram
svc_route_seconds_bucket{instance="a",route="home",le="0.5"} 1
svc_route_seconds_bucket{instance="a",route="home",le="+Inf"} 3
svc_route_seconds_sum{instance="a",route="home"} 4
svc_route_seconds_count{instance="a",route="home"} 3
svc_route_seconds_bucket{instance="a",route="search",le="0.5"} 0
svc_route_seconds_bucket{instance="a",route="search",le="+Inf"} 0
svc_route_seconds_sum{instance="a",route="search"} 0
svc_route_seconds_count{instance="a",route="search"} 0
"#;

const OPENMETRICS: &str = r#"# TYPE svc_request_seconds histogram
# UNIT svc_request_seconds seconds
# HELP svc_request_seconds Request latency
svc_request_seconds_bucket{instance="a",le="0.01"} 1
svc_request_seconds_bucket{instance="a",le="0.1"} 3
svc_request_seconds_bucket{instance="a",le="1.0"} 4
svc_request_seconds_bucket{instance="a",le="+Inf"} 5
svc_request_seconds_sum{instance="a"} 5.605
svc_request_seconds_count{instance="a"} 5
# TYPE svc_route_seconds histogram
# UNIT svc_route_seconds seconds
# HELP svc_route_seconds Latency by route
svc_route_seconds_bucket{instance="a",route="home",le="0.5"} 1
svc_route_seconds_bucket{instance="a",route="home",le="+Inf"} 3
svc_route_seconds_sum{instance="a",route="home"} 4.0
svc_route_seconds_count{instance="a",route="home"} 3
svc_route_seconds_bucket{instance="a",route="search",le="0.5"} 0
svc_route_seconds_bucket{instance="a",route="search",le="+Inf"} 0
svc_route_seconds_sum{instance="a",route="search"} 0.0
svc_route_seconds_count{instance="a",route="search"} 0
# EOF
"#;

#[test]
fn text_formats_show_the_classic_histogram() {
    let (registry, _) = recorded();
    assert_eq!(metrics_export::encode_text(&registry), TEXT);
    assert_eq!(metrics_export::encode_openmetrics(&registry), OPENMETRICS);
}

#[test]
fn our_parsers_read_both_text_forms() {
    let (registry, service) = recorded();
    let reading = service.request_seconds.snapshot();
    for exposition in [
        parse::text(&metrics_export::encode_text(&registry)).unwrap(),
        parse::openmetrics(&metrics_export::encode_openmetrics(&registry)).unwrap(),
    ] {
        let names: Vec<&str> = exposition
            .families
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["svc_request_seconds", "svc_route_seconds"]);
        let family = exposition.family("svc_request_seconds").unwrap();
        assert_eq!(family.kind, MetricType::Histogram);
        // The buckets read back are the reading's classic buckets.
        let buckets: Vec<(f64, f64)> = family
            .samples
            .iter()
            .filter(|s| s.name == "svc_request_seconds_bucket")
            .map(|s| (s.label("le").unwrap().parse().unwrap(), s.value))
            .collect();
        let classic = reading.classic_snapshot();
        let expected: Vec<(f64, f64)> = classic
            .buckets
            .iter()
            .map(|b| (b.upper_bound, b.cumulative_count as f64))
            .collect();
        assert_eq!(buckets, expected);
        assert_eq!(
            exposition
                .family("svc_route_seconds")
                .unwrap()
                .samples
                .len(),
            8
        );
    }
}

#[test]
fn promtool_and_the_python_parser_accept_the_text_outputs() {
    let (registry, _) = recorded();
    let text = metrics_export::encode_text(&registry);
    let (ok, output) = promtool_check_metrics(&text);
    assert!(ok, "promtool failed:\n{output}");
    assert_eq!(output.trim(), "", "promtool warned:\n{output}");
    let script = r#"
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    print(family.name, family.type, family.unit or "-", len(family.samples))
"#;
    let om = metrics_export::encode_openmetrics(&registry);
    let (ok, output) = python(script, &[], om.as_bytes());
    assert!(ok, "the reference parser rejected it:\n{output}");
    assert_eq!(
        output,
        "svc_request_seconds histogram seconds 6\nsvc_route_seconds histogram seconds 8\n"
    );
}

#[cfg(feature = "pushgateway")]
#[test]
fn the_pushgateway_keeps_the_classic_histogram() {
    let gateway = tests::servers::pushgateway();
    let (registry, _) = recorded();
    metrics_export::Pushgateway::new(&gateway.url(), "svc")
        .unwrap()
        .registry(registry)
        .push()
        .unwrap();
    let lines: Vec<String> = tests::http::get(gateway.addr(), "/metrics", None)
        .text()
        .lines()
        .filter(|l| l.starts_with("svc_request_seconds"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines,
        [
            r#"svc_request_seconds_bucket{instance="a",job="svc",le="0.01"} 1"#,
            r#"svc_request_seconds_bucket{instance="a",job="svc",le="0.1"} 3"#,
            r#"svc_request_seconds_bucket{instance="a",job="svc",le="1"} 4"#,
            r#"svc_request_seconds_bucket{instance="a",job="svc",le="+Inf"} 5"#,
            r#"svc_request_seconds_sum{instance="a",job="svc"} 5.605"#,
            r#"svc_request_seconds_count{instance="a",job="svc"} 5"#,
        ]
    );
}

#[cfg(feature = "remote-write")]
mod remote_write {
    use std::time::Duration;

    use metrics_export::{Exporter, RemoteWrite};
    use tests::servers::{self, eventually, query};

    use super::recorded;

    #[test]
    fn victoria_metrics_stores_the_classic_series() {
        let vm = servers::victoria_metrics();
        let (registry, _) = recorded();
        let writer = RemoteWrite::new(&format!("{}/api/v1/write", vm.url()))
            .unwrap()
            .registry(registry);
        writer.flush(Duration::from_secs(10)).unwrap();
        let count = eventually("the pushed series", || {
            let _ = tests::http::try_get(vm.addr(), "/internal/force_flush", None);
            query(&vm, "svc_request_seconds_count")
        });
        assert_eq!(count, 5.0);
        assert_eq!(
            query(&vm, r#"svc_request_seconds_bucket{le="0.1"}"#),
            Some(3.0)
        );
    }

    #[test]
    fn prometheus_stores_the_native_histogram_sample_too() {
        let prometheus = servers::prometheus_native_receiver();
        let (registry, service) = recorded();
        let writer = RemoteWrite::new(&format!("{}/api/v1/write", prometheus.url()))
            .unwrap()
            .native_histograms(true)
            .registry(registry);
        writer.flush(Duration::from_secs(10)).unwrap();
        assert_eq!(writer.metrics().failures.get(), 0);
        let count = eventually("the native histogram", || {
            query(&prometheus, "histogram_count(svc_request_seconds)")
        });
        assert_eq!(count, 5.0);
        assert_eq!(
            query(&prometheus, "histogram_sum(svc_request_seconds)"),
            Some(5.605)
        );
        // The classic series beside it.
        assert_eq!(query(&prometheus, "svc_request_seconds_count"), Some(5.0));
        // Prometheus places each observation in the buckets we sent: the fraction of them
        // at most the upper bound of the bucket of 0.05 is 3 out of 5.
        let reading = service.request_seconds.snapshot();
        let index =
            reading.positive_offset + reading.positive.iter().position(|&n| n == 2).unwrap() as i32;
        let (_, upper) = reading.bucket_bounds(index);
        assert!(upper >= 0.05 && reading.bucket_bounds(index).0 < 0.05);
        assert_eq!(
            query(
                &prometheus,
                &format!("histogram_fraction(0, {upper:e}, svc_request_seconds)")
            ),
            Some(0.6)
        );
        // A route with no observation: count 0.
        assert_eq!(
            query(
                &prometheus,
                r#"histogram_count(svc_route_seconds{route="search"})"#
            ),
            Some(0.0)
        );
    }
}
