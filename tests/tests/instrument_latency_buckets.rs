//! `#[instrument_latency(buckets = ...)]`: a function with its own bounds stays in
//! `function_duration_seconds`, its series with their own `le` set beside the default ones of the
//! other functions, which the reference tools and a real Prometheus accept.
//! Its own binary: it reads the global family; only `counted_calls_land_in_their_own_buckets`
//! calls instrumented functions.

use std::sync::Arc;

use metrics_core::{instrument_latency, FunctionMetrics, Registry};

/// Returns at once: its one call lands in the first default bucket, `le="0.005"`.
#[instrument_latency]
fn fast() -> u8 {
    1
}

/// Sleeps 2 ms: its one call lands in `le="1"` (a hang guard 500 times the nap), not in
/// `le="0.001"`.
#[instrument_latency(buckets = [0.001, 1.0])]
fn nap() {
    std::thread::sleep(std::time::Duration::from_millis(2));
}

/// Microsecond buckets, never called: `ok` and `error` at zero.
#[instrument_latency(buckets = exponential(1e-6, 2.0, 4))]
#[allow(dead_code)]
fn never_called() -> Result<(), String> {
    Ok(())
}

/// A block's buckets apply to its methods; a method's own replace them.
#[allow(dead_code)]
struct Store;

#[instrument_latency(buckets = [0.5])]
#[allow(dead_code)]
impl Store {
    fn get(&self) -> u8 {
        1
    }

    #[instrument_latency(buckets = linear(0.25, 0.25, 2))]
    fn put(&self) {}
}

/// The family alone, from a registry of its own.
fn registry() -> Registry {
    let registry = Registry::new();
    registry.register_global::<FunctionMetrics>().unwrap();
    registry
}

/// The `function_duration_seconds` exposition of `fast` and `nap` called once each, their
/// `_sum` values shown as `SUM`, in OpenMetrics.
const CALLED_ONCE_OPENMETRICS: &str = r#"# TYPE function_duration_seconds histogram
# UNIT function_duration_seconds seconds
# HELP function_duration_seconds Wall time of the functions instrumented with #[instrument_latency], by how the call ended
function_duration_seconds_bucket{function="Store::get",module="instrument_latency_buckets",result="ok",le="0.5"} 0
function_duration_seconds_bucket{function="Store::get",module="instrument_latency_buckets",result="ok",le="+Inf"} 0
function_duration_seconds_sum{function="Store::get",module="instrument_latency_buckets",result="ok"} 0.0
function_duration_seconds_count{function="Store::get",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_bucket{function="Store::put",module="instrument_latency_buckets",result="ok",le="0.25"} 0
function_duration_seconds_bucket{function="Store::put",module="instrument_latency_buckets",result="ok",le="0.5"} 0
function_duration_seconds_bucket{function="Store::put",module="instrument_latency_buckets",result="ok",le="+Inf"} 0
function_duration_seconds_sum{function="Store::put",module="instrument_latency_buckets",result="ok"} 0.0
function_duration_seconds_count{function="Store::put",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.005"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.01"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.025"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.05"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.1"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.25"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.5"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="1.0"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="2.5"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="5.0"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="10.0"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="+Inf"} 1
function_duration_seconds_sum{function="fast",module="instrument_latency_buckets",result="ok"} SUM
function_duration_seconds_count{function="fast",module="instrument_latency_buckets",result="ok"} 1
function_duration_seconds_bucket{function="nap",module="instrument_latency_buckets",result="ok",le="0.001"} 0
function_duration_seconds_bucket{function="nap",module="instrument_latency_buckets",result="ok",le="1.0"} 1
function_duration_seconds_bucket{function="nap",module="instrument_latency_buckets",result="ok",le="+Inf"} 1
function_duration_seconds_sum{function="nap",module="instrument_latency_buckets",result="ok"} SUM
function_duration_seconds_count{function="nap",module="instrument_latency_buckets",result="ok"} 1
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="1e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="2e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="4e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="8e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="+Inf"} 0
function_duration_seconds_sum{function="never_called",module="instrument_latency_buckets",result="ok"} 0.0
function_duration_seconds_count{function="never_called",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="1e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="2e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="4e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="8e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="+Inf"} 0
function_duration_seconds_sum{function="never_called",module="instrument_latency_buckets",result="error"} 0.0
function_duration_seconds_count{function="never_called",module="instrument_latency_buckets",result="error"} 0
# EOF
"#;

/// Replaces the value of the `_sum` sample of `function`'s `ok` series with `SUM`, returning it.
fn take_sum(text: &mut String, function: &str) -> f64 {
    let prefix = format!(
        "function_duration_seconds_sum{{function=\"{function}\",module=\"instrument_latency_buckets\",result=\"ok\"}} "
    );
    let start = text.find(&prefix).unwrap() + prefix.len();
    let end = start + text[start..].find('\n').unwrap();
    let value = text[start..end].parse().unwrap();
    text.replace_range(start..end, "SUM");
    value
}

#[test]
fn counted_calls_land_in_their_own_buckets() {
    assert_eq!(fast(), 1);
    nap();

    let mut text = metrics_export::encode_text(&registry());
    let fast_sum = take_sum(&mut text, "fast");
    let nap_sum = take_sum(&mut text, "nap");
    assert!(fast_sum > 0.0 && fast_sum < 0.005, "fast: {fast_sum}");
    assert!((0.002 * 0.999..1.0).contains(&nap_sum), "nap: {nap_sum}");
    assert_eq!(
        text,
        r#"# HELP function_duration_seconds Wall time of the functions instrumented with #[instrument_latency], by how the call ended
# TYPE function_duration_seconds histogram
function_duration_seconds_bucket{function="Store::get",module="instrument_latency_buckets",result="ok",le="0.5"} 0
function_duration_seconds_bucket{function="Store::get",module="instrument_latency_buckets",result="ok",le="+Inf"} 0
function_duration_seconds_sum{function="Store::get",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_count{function="Store::get",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_bucket{function="Store::put",module="instrument_latency_buckets",result="ok",le="0.25"} 0
function_duration_seconds_bucket{function="Store::put",module="instrument_latency_buckets",result="ok",le="0.5"} 0
function_duration_seconds_bucket{function="Store::put",module="instrument_latency_buckets",result="ok",le="+Inf"} 0
function_duration_seconds_sum{function="Store::put",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_count{function="Store::put",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.005"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.01"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.025"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.05"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.1"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.25"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="0.5"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="1"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="2.5"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="5"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="10"} 1
function_duration_seconds_bucket{function="fast",module="instrument_latency_buckets",result="ok",le="+Inf"} 1
function_duration_seconds_sum{function="fast",module="instrument_latency_buckets",result="ok"} SUM
function_duration_seconds_count{function="fast",module="instrument_latency_buckets",result="ok"} 1
function_duration_seconds_bucket{function="nap",module="instrument_latency_buckets",result="ok",le="0.001"} 0
function_duration_seconds_bucket{function="nap",module="instrument_latency_buckets",result="ok",le="1"} 1
function_duration_seconds_bucket{function="nap",module="instrument_latency_buckets",result="ok",le="+Inf"} 1
function_duration_seconds_sum{function="nap",module="instrument_latency_buckets",result="ok"} SUM
function_duration_seconds_count{function="nap",module="instrument_latency_buckets",result="ok"} 1
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="1e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="2e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="4e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="8e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="ok",le="+Inf"} 0
function_duration_seconds_sum{function="never_called",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_count{function="never_called",module="instrument_latency_buckets",result="ok"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="1e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="2e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="4e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="8e-06"} 0
function_duration_seconds_bucket{function="never_called",module="instrument_latency_buckets",result="error",le="+Inf"} 0
function_duration_seconds_sum{function="never_called",module="instrument_latency_buckets",result="error"} 0
function_duration_seconds_count{function="never_called",module="instrument_latency_buckets",result="error"} 0
"#
    );

    let mut om = metrics_export::encode_openmetrics(&registry());
    assert_eq!(take_sum(&mut om, "fast"), fast_sum);
    assert_eq!(take_sum(&mut om, "nap"), nap_sum);
    assert_eq!(om, CALLED_ONCE_OPENMETRICS);
}

/// The `le` values of every `_bucket` sample as the Python client's parsers read `text`
/// (`parser` names one: `prometheus_client.parser` for text 0.0.4,
/// `prometheus_client.openmetrics.parser`), one line per series: `function result le...`.
fn python_buckets(parser: &str, text: &str) -> String {
    let script = format!(
        "import sys\n\
         from {parser} import text_string_to_metric_families\n\
         series = {{}}\n\
         for family in text_string_to_metric_families(sys.stdin.read()):\n    \
             for s in family.samples:\n        \
                 if s.name.endswith('_bucket'):\n            \
                     key = (s.labels['function'], s.labels['result'])\n            \
                     series.setdefault(key, []).append(str(float(s.labels['le'])))\n\
         for (function, result), les in series.items():\n    \
             print(function, result, *les)"
    );
    let (ok, output) = tests::tools::python(&script, &[], text.as_bytes());
    assert!(ok, "{parser}:\n{output}\n--- input ---\n{text}");
    output
}

#[test]
fn one_family_with_several_le_sets_passes_the_reference_tools() {
    let text = metrics_export::encode_text(&registry());
    let (ok, output) = tests::tools::promtool_check_metrics(&text);
    assert!(
        ok && output.trim().is_empty(),
        "promtool:\n{output}\n--- input ---\n{text}"
    );

    let expected = "\
Store::get ok 0.5 inf
Store::put ok 0.25 0.5 inf
fast ok 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1.0 2.5 5.0 10.0 inf
nap ok 0.001 1.0 inf
never_called ok 1e-06 2e-06 4e-06 8e-06 inf
never_called error 1e-06 2e-06 4e-06 8e-06 inf
";
    assert_eq!(python_buckets("prometheus_client.parser", &text), expected);
    let om = metrics_export::encode_openmetrics(&registry());
    assert_eq!(
        python_buckets("prometheus_client.openmetrics.parser", &om),
        expected
    );
}

/// A real Prometheus scrapes the family and keeps every series, each with its own `le` set;
/// quantiles `by (function, le)` give one value per function.
#[test]
fn prometheus_ingests_one_family_with_several_le_sets() {
    let server = metrics_export::MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(Arc::new(registry()))
        .start()
        .expect("serving the family");
    let prometheus = tests::servers::prometheus(server.local_addr());
    let query = |promql: &str| {
        tests::servers::eventually(promql, || tests::servers::query(&prometheus, promql))
    };
    assert_eq!(query("up"), 1.0);
    // 2 + 3 + 12 + 3 + 2 * 5 bucket series.
    assert_eq!(query("count(function_duration_seconds_bucket)"), 30.0);
    assert_eq!(
        query(r#"count(function_duration_seconds_bucket{function="never_called",le="4e-06"})"#),
        2.0
    );
    assert_eq!(
        query("count(histogram_quantile(0.5, sum by (function, le) (function_duration_seconds_bucket)))"),
        5.0
    );
    drop(prometheus);
    server.shutdown();
}
