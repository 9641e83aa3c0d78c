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
use crate::{encode_openmetrics, encode_text};

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn sample(name: &str, pairs: &[(&str, &str)], value: f64) -> Sample {
    Sample {
        name: name.to_owned(),
        labels: labels(pairs),
        value,
        timestamp: None,
        exemplar: None,
    }
}

/// The error of `parse` on `input`, checked to be on `line` and to contain `what`.
#[track_caller]
fn rejects(
    parse: fn(&str) -> Result<Exposition, ParseError>,
    input: &str,
    line: usize,
    what: &str,
) {
    match parse(input) {
        Ok(exposition) => panic!("accepted {input:?} as {exposition:#?}"),
        Err(e) => {
            assert_eq!(e.line(), line, "{input:?}: {e}");
            assert!(e.message().contains(what), "{input:?}: {e}");
            assert_eq!(e.to_string(), format!("line {line}: {}", e.message()));
        }
    }
}

#[test]
fn openmetrics_families_samples_and_exemplars() {
    let input = r#"# TYPE jobs counter
# UNIT jobs_seconds seconds
# TYPE jobs_seconds histogram
# HELP jobs_seconds Time \"per\" job\nin \\seconds\z
jobs_seconds_bucket{queue="a\"b",le="0.5"} 1 # {trace="x"} 0.25 1.5
jobs_seconds_bucket{queue="a\"b",le="+Inf"} 2
jobs_seconds_count{queue="a\"b"} 2
jobs_seconds_sum{queue="a\"b"} 1.25
jobs_seconds_created{queue="a\"b"} 1e9
# TYPE state stateset
state{state="up"} 1 17
state{state="down"} 0 17
# TYPE build info
build_info{version="1.0"} 1
unknown_sample -Inf
# EOF"#;
    let exposition = openmetrics(input).unwrap();
    let names: Vec<(&str, MetricType)> = exposition
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("jobs", MetricType::Counter),
            ("jobs_seconds", MetricType::Histogram),
            ("state", MetricType::StateSet),
            ("build", MetricType::Info),
            ("unknown_sample", MetricType::Unknown),
        ]
    );
    assert!(exposition.families[0].samples.is_empty());
    let histogram = exposition.family("jobs_seconds").unwrap();
    assert_eq!(histogram.unit.as_deref(), Some("seconds"));
    assert_eq!(
        histogram.help.as_deref(),
        Some("Time \"per\" job\nin \\seconds\\z")
    );
    let bucket = &histogram.samples[0];
    assert_eq!(bucket.labels, labels(&[("queue", "a\"b"), ("le", "0.5")]));
    assert_eq!(
        bucket.exemplar,
        Some(Exemplar {
            labels: labels(&[("trace", "x")]),
            value: 0.25,
            timestamp: Some(1.5),
        })
    );
    assert_eq!(histogram.samples[4].value, 1e9);
    assert_eq!(exposition.families[2].samples[1].timestamp, Some(17.0));
    assert_eq!(
        exposition.families[4].samples,
        [sample("unknown_sample", &[], f64::NEG_INFINITY)]
    );
    assert_eq!(exposition.families[3].help, None);
}

#[test]
fn openmetrics_rejections() {
    let om = openmetrics;
    rejects(om, "", 1, "does not end with `# EOF`");
    rejects(om, "a 1\n# EOF\n\n", 3, "nothing may follow `# EOF`");
    rejects(om, "a 1\r\n# EOF\n", 1, "invalid value `1\\r`");
    rejects(om, "# comment\n# EOF\n", 1, "unknown metadata `# comment`");
    rejects(
        om,
        "# TYPE a counter\na 1\n# EOF\n",
        2,
        "not a sample name of counter `a`",
    );
    rejects(
        om,
        "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n",
        5,
        "the sample `a` belongs to the family `a` (line 1)",
    );
    rejects(
        om,
        "# TYPE a_total gauge\n# TYPE a counter\n# EOF\n",
        2,
        "counter `a` has samples named `a_total`",
    );
    rejects(
        om,
        "a{b=\"1\"} 1\na{b=\"1\"} 2\n# EOF\n",
        2,
        "duplicate sample",
    );
    rejects(
        om,
        "a{b=\"1\"} 1\na{b=\"2\"} 2\na{b=\"1\"} 2\n# EOF\n",
        3,
        "not contiguous",
    );
    rejects(om, "a{b=\"\\\"} 1\n# EOF\n", 1, "missing its closing `\"`");
    rejects(om, "a{b=\"1\"}  1\n# EOF\n", 1, "two spaces");
    rejects(
        om,
        "# TYPE a histogram\na_bucket{le=\"1\"} 1.5\na_bucket{le=\"+Inf\"} 2\n# EOF\n",
        2,
        "must be an integer",
    );
    rejects(
        om,
        "# TYPE a histogram\na_bucket{le=\"1\"} 1\na_bucket{le=\"+Inf\"} 2\na_count 3\na_sum 1\n# EOF\n",
        4,
        "`a_count` is 3 but the `+Inf` bucket of `a` is 2",
    );
    rejects(
        om,
        "# TYPE a histogram\na_bucket{le=\"1\"} 1\n# TYPE b gauge\n# EOF\n",
        2,
        "no `le=\"+Inf\"` bucket",
    );
    rejects(
        om,
        "# TYPE a counter\na_total 1 # {} 1 2 3\n# EOF\n",
        2,
        "unexpected `3`",
    );
    // The timestamp of a sample that repeats must not go backwards; equal is allowed.
    assert!(openmetrics("a 1 5\na 2 5\na 3 6\n# EOF\n").is_ok());
}

#[test]
fn text_format_samples_comments_and_blanks() {
    let input = "\
# A comment, then a blank line

# HELP http_requests_total Requests \"served\",\\n with \\\\ escapes
#TYPE http_requests_total counter
http_requests_total{method=\"post\",code=\"200\",} 1027 1395066363000
\thttp_requests_total { method = \"post\" , code = \"400\" }\t3\t1395066363000
# HELP metric_without_type
weird_metric{label=\"\\\\ \\\" \\n ✓\"} -1e+06
# TYPE latency histogram
latency_bucket{le=\"0.05\"} 24054
latency_bucket{le=\"+Inf\"} 144320
latency_sum 53423
latency_count 144320
# TYPE rpc summary
rpc{quantile=\"0.5\"} NaN
rpc_sum 1.7560473e+07
rpc_count 2693
# TYPE up untyped
up +Inf -5
";
    let exposition = text(input).unwrap();
    let kinds: Vec<(&str, MetricType, Option<&str>, usize)> = exposition
        .families
        .iter()
        .map(|f| (f.name.as_str(), f.kind, f.help.as_deref(), f.samples.len()))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                "http_requests_total",
                MetricType::Counter,
                Some("Requests \"served\",\n with \\ escapes"),
                2
            ),
            ("metric_without_type", MetricType::Unknown, Some(""), 0),
            ("weird_metric", MetricType::Unknown, None, 1),
            ("latency", MetricType::Histogram, None, 4),
            ("rpc", MetricType::Summary, None, 3),
            ("up", MetricType::Unknown, None, 1),
        ]
    );
    let requests = &exposition.families[0].samples;
    assert_eq!(
        requests[1].labels,
        labels(&[("method", "post"), ("code", "400")])
    );
    assert_eq!(
        (requests[1].value, requests[1].timestamp),
        (3.0, Some(1_395_066_363_000.0))
    );
    assert_eq!(
        exposition.families[2].samples,
        [sample("weird_metric", &[("label", "\\ \" \n ✓")], -1e6)]
    );
    assert!(exposition.families[4].samples[0].value.is_nan());
    assert_eq!(exposition.families[5].samples[0].timestamp, Some(-5.0));
    assert_eq!(text(""), Ok(Exposition::default()));
    assert_eq!(text("\n \t\n\t"), Ok(Exposition::default()));
    assert_eq!(text("a 1\n  ").unwrap().families.len(), 1);
}

#[test]
fn text_format_rejections() {
    let t = text;
    rejects(t, "a 1", 1, "does not end with a line feed");
    rejects(t, "a 1\n# comment", 2, "does not end with a line feed");
    rejects(t, "# HELP a x\\ty\n", 1, "invalid escape sequence `\\t`");
    rejects(t, "a{b=\"\\t\"} 1\n", 1, "invalid escape sequence `\\t`");
    rejects(t, "a{b=\"1\"} 1\na{b=\"1\"} 1\n", 2, "duplicate sample");
    rejects(t, "a 1\n# TYPE a gauge\n", 2, "comes after its samples");
    rejects(t, "a 1\n# HELP a x\n", 2, "comes after its samples");
    rejects(
        t,
        "# TYPE a gauge\n# TYPE a counter\n",
        2,
        "second `# TYPE`",
    );
    rejects(t, "# HELP a x\n# HELP a y\n", 2, "second `# HELP`");
    rejects(t, "# TYPE a meh\n", 1, "unknown type `meh`");
    rejects(t, "# TYPE a\n", 1, "needs a type");
    rejects(t, "# TYPE a gaugehistogram\n", 1, "unknown type");
    rejects(t, "# HELP\n", 1, "needs a metric name");
    rejects(t, "# HELP a-b x\n", 1, "invalid metric name `a-b`");
    rejects(t, "a 1\nb 1\na 2\n", 3, "must be contiguous");
    rejects(
        t,
        "# TYPE a histogram\na 1\n",
        2,
        "not a sample name of histogram",
    );
    rejects(
        t,
        "# TYPE a histogram\na_bucket 1\n",
        2,
        "needs an `le` label",
    );
    rejects(
        t,
        "# TYPE a histogram\na_bucket{le=\"x\"} 1\n",
        2,
        "invalid bucket bound",
    );
    rejects(t, "# TYPE a summary\na 1\n", 2, "needs a `quantile` label");
    rejects(t, "a_sum 1\n# TYPE a summary\n", 2, "already takes");
    rejects(t, "a 1 1.5\n", 1, "invalid timestamp `1.5`");
    rejects(t, "a 1 2 3\n", 1, "unexpected `3`");
    rejects(t, "a 1 \n", 1, "trailing blank after the value");
    rejects(t, "a 1 2\t\n", 1, "trailing blank after the timestamp");
    rejects(t, "a 0x1p-3\n", 1, "invalid value");
    rejects(t, "a 1_000\n", 1, "invalid value");
    rejects(t, "a 1e999\n", 1, "invalid value `1e999`");
    rejects(t, "a\n", 1, "has no value");
    rejects(t, "a{} \n", 1, "has no value");
    rejects(t, "a{b=1} 1\n", 1, "double quotes");
    rejects(t, "a{b=\"1\" c=\"2\"} 1\n", 1, "expected `,` or `}`");
    rejects(t, "a{b=\"1\",b=\"2\"} 1\n", 1, "appears twice");
    rejects(t, "a{,} 1\n", 1, "expected a label name");
    rejects(t, "a{b=\"1\"\n", 1, "missing its closing `}`");
    rejects(t, "0a 1\n", 1, "expected a metric name");
    rejects(t, "a.b 1\n", 1, "expected a blank or `{`");
}

#[derive(MetricSet)]
#[metric_set(global = false)]
struct Everything {
    #[metric(name = "everything_resumes_total", help = "Resumes by reason")]
    resumes: Family<ReasonLabels, Counter>,
    #[metric(
        name = "everything_requests_total",
        help = "Requests by route, with \"quotes\", a back\\slash\nand a second line",
        max_series = 2
    )]
    requests: Family<RouteLabels, Counter>,
    #[metric(name = "everything_daemon_state", help = "Daemon state")]
    state: Gauge,
    #[metric(name = "everything_context_usage_ratio", help = "Context usage ✓")]
    usage: FloatGauge,
    #[metric(name = "everything_heap_bytes", help = "Heap in use", unit = "bytes")]
    heap: Gauge,
    #[metric(name = "everything_request_duration_seconds", help = "Request latency", unit = "seconds", buckets = [0.001, 0.5, 1e6], max_series = 1)]
    latency: Family<RetriedRouteLabels, Histogram>,
}

fn everything() -> Registry {
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
        .inc_by(u64::MAX);
    for route in ["/a", "/b\\\"", "/c\n", "/d"] {
        cuda.requests.with(&RouteLabels { route }).inc();
    }
    cuda.state.set(i64::MIN);
    cpu.usage.set(1e-5);
    cuda.usage.set(f64::NAN);
    cpu.heap.set(1 << 40);
    for (status, v) in [(200, 0.0004), (503, 2e6), (200, 0.7)] {
        cuda.latency
            .with(&RetriedRouteLabels {
                retried: false,
                route: "/a",
                status,
            })
            .observe(v);
    }
    registry
}

/// Both encoders' output parses, to the same samples: the formats differ only in the family
/// names of counters, the units, and how floats are written.
#[test]
fn our_expositions_parse_and_agree() {
    let registry = everything();
    let om = openmetrics(&encode_openmetrics(&registry)).unwrap();
    let text = text(&encode_text(&registry)).unwrap();
    assert_eq!(om.families.len(), text.families.len());
    let om_names: Vec<&str> = om.families.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        om_names,
        [
            "everything_resumes",
            "everything_requests",
            "everything_daemon_state",
            "everything_context_usage_ratio",
            "everything_heap_bytes",
            "everything_request_duration_seconds",
            "metrics_series_overflow",
            "metrics_label_value_too_long",
        ]
    );
    for (o, t) in om.families.iter().zip(&text.families) {
        assert_eq!(o.kind, t.kind, "{}", o.name);
        let full_name = match o.kind {
            MetricType::Counter => format!("{}_total", o.name),
            _ => o.name.clone(),
        };
        assert_eq!(t.name, full_name);
        assert_eq!(o.help, t.help, "{}", o.name);
        assert_eq!(t.unit, None);
        assert_eq!(o.samples.len(), t.samples.len(), "{}", o.name);
        for (os, ts) in o.samples.iter().zip(&t.samples) {
            assert_eq!(os.name, ts.name);
            // `le` is written `1.0` in OpenMetrics, `1` in 0.0.4: compare as numbers.
            let numeric = |s: &Sample| -> Vec<(String, String)> {
                s.labels
                    .iter()
                    .map(|(n, v)| {
                        let v = if n == "le" {
                            v.parse::<f64>().unwrap().to_string()
                        } else {
                            v.clone()
                        };
                        (n.clone(), v)
                    })
                    .collect()
            };
            assert_eq!(numeric(os), numeric(ts), "{}", os.name);
            assert!(
                os.value == ts.value || (os.value.is_nan() && ts.value.is_nan()),
                "{}: {} != {}",
                os.name,
                os.value,
                ts.value
            );
        }
    }
    let requests = om.family("everything_requests").unwrap();
    assert_eq!(
        requests.help.as_deref(),
        Some("Requests by route, with \"quotes\", a back\\slash\nand a second line")
    );
    let routes: Vec<(Option<&str>, Option<&str>)> = requests
        .samples
        .iter()
        .map(|s| (s.label("backend"), s.label("route")))
        .collect();
    assert!(routes.contains(&(Some("cuda"), Some("/b\\\""))));
    assert!(routes.contains(&(Some("cuda"), Some("overflow"))));
    let resumes = om.family("everything_resumes").unwrap();
    assert!(resumes
        .samples
        .iter()
        .any(|s| s.value == 18_446_744_073_709_551_615.0));
    assert_eq!(
        om.family("everything_heap_bytes").unwrap().unit.as_deref(),
        Some("bytes")
    );
    let cpu_heap = &text.family("everything_heap_bytes").unwrap().samples[0];
    assert_eq!(
        (cpu_heap.label("backend"), cpu_heap.value),
        (Some("cpu \"fallback\"\\\n ü"), 1_099_511_627_776.0)
    );
}
