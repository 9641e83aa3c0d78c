//! A metric named after a base unit has that unit without `unit = "..."`: `# UNIT` in
//! OpenMetrics, and the unit of its description (which OTLP exports), for every kind and
//! through a type alias; a name without one has none.

use std::sync::Arc;

use metrics_core::{
    Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, MetricSet, FUNCTION_DURATION_METRIC,
};
use tests::{openmetrics_of, text_of};

#[derive(LabelSet)]
struct Route {
    route: &'static str,
}

type Temperature = FloatGauge;

/// A process's metrics.
#[derive(MetricSet)]
#[metric_set(prefix = "process", global = false)]
struct Process {
    /// CPU time
    cpu_seconds_total: Counter,
    /// Resident memory
    resident_memory_bytes: Gauge,
    /// Cache hits per lookup
    cache_hit_ratio: FloatGauge,
    /// Request latency
    #[metric(buckets = [0.5])]
    request_duration_seconds: Family<Route, Histogram>,
    /// CPU temperature, through an alias
    cpu_celsius: Temperature,
    /// Open file descriptors
    open_fds: Gauge,
    /// Bytes written, unit declared
    #[metric(unit = "bytes")]
    written_bytes_total: Counter,
}

#[test]
fn names_ending_in_a_base_unit_have_it() {
    let m = Arc::new(Process::default());
    m.cpu_seconds_total.inc_by(3);
    m.resident_memory_bytes.set(1 << 20);
    m.cache_hit_ratio.set(0.5);
    m.request_duration_seconds
        .with(&Route { route: "/" })
        .observe(0.25);
    m.cpu_celsius.set(41.5);
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
# HELP process_cpu_seconds CPU time
process_cpu_seconds_total 3
# TYPE process_resident_memory_bytes gauge
# UNIT process_resident_memory_bytes bytes
# HELP process_resident_memory_bytes Resident memory
process_resident_memory_bytes 1048576
# TYPE process_cache_hit_ratio gauge
# UNIT process_cache_hit_ratio ratio
# HELP process_cache_hit_ratio Cache hits per lookup
process_cache_hit_ratio 0.5
# TYPE process_request_duration_seconds histogram
# UNIT process_request_duration_seconds seconds
# HELP process_request_duration_seconds Request latency
process_request_duration_seconds_bucket{route=\"/\",le=\"0.5\"} 1
process_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 1
process_request_duration_seconds_sum{route=\"/\"} 0.25
process_request_duration_seconds_count{route=\"/\"} 1
# TYPE process_cpu_celsius gauge
# UNIT process_cpu_celsius celsius
# HELP process_cpu_celsius CPU temperature, through an alias
process_cpu_celsius 41.5
# TYPE process_open_fds gauge
# HELP process_open_fds Open file descriptors
process_open_fds 0
# TYPE process_written_bytes counter
# UNIT process_written_bytes bytes
# HELP process_written_bytes Bytes written, unit declared
process_written_bytes_total 0
# TYPE metrics_series_overflow counter
# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap
metrics_series_overflow_total{metric=\"process_request_duration_seconds\"} 0
# TYPE metrics_label_value_too_long counter
# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
metrics_label_value_too_long_total{metric=\"process_request_duration_seconds\"} 0
# EOF
"
    );
    // The 0.0.4 text format has no units: unchanged.
    assert!(!text_of(&m).contains("UNIT"));
    let units: Vec<(&str, Option<&str>)> = Process::INFO
        .metrics
        .iter()
        .map(|d| (d.name, d.unit))
        .collect();
    assert_eq!(
        units,
        [
            ("process_cpu_seconds_total", Some("seconds")),
            ("process_resident_memory_bytes", Some("bytes")),
            ("process_cache_hit_ratio", Some("ratio")),
            ("process_request_duration_seconds", Some("seconds")),
            ("process_cpu_celsius", Some("celsius")),
            ("process_open_fds", None),
            ("process_written_bytes_total", Some("bytes")),
        ]
    );
    // `#[instrument_latency]`'s histogram too.
    assert_eq!(FUNCTION_DURATION_METRIC.unit, Some("seconds"));
}
