//! Whole-block exposition of every metric type, in both formats.

use std::sync::Arc;

use metrics_core::{Counter, FloatGauge, Gauge, Histogram, MetricSet};
use tests::{openmetrics_of, text_of};

#[test]
fn counter_gauge_and_float_gauge() {
    /// Types.
    #[derive(MetricSet)]
    #[metric_set(prefix = "app", global = false)]
    struct Types {
        /// Jobs done
        jobs_total: Counter,
        /// Queue depth
        queue_depth: Gauge,
        /// Load average
        load_ratio: FloatGauge,
    }
    let m = Arc::new(Types::default());
    m.jobs_total.inc_by(1_000_000);
    m.queue_depth.set(-3);
    m.load_ratio.set(1e-5);
    assert_eq!(
        text_of(&m),
        "\
# HELP app_jobs_total Jobs done
# TYPE app_jobs_total counter
app_jobs_total 1000000
# HELP app_queue_depth Queue depth
# TYPE app_queue_depth gauge
app_queue_depth -3
# HELP app_load_ratio Load average
# TYPE app_load_ratio gauge
app_load_ratio 1e-05
"
    );
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE app_jobs counter
# HELP app_jobs Jobs done
app_jobs_total 1000000
# TYPE app_queue_depth gauge
# HELP app_queue_depth Queue depth
app_queue_depth -3
# TYPE app_load_ratio gauge
# UNIT app_load_ratio ratio
# HELP app_load_ratio Load average
app_load_ratio 1e-05
# EOF
"
    );
}

#[test]
fn float_gauge_special_values() {
    /// Floats.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Floats {
        /// a
        nan_ratio: FloatGauge,
        /// b
        inf_ratio: FloatGauge,
        /// c
        neg_inf_ratio: FloatGauge,
        /// d
        big_ratio: FloatGauge,
    }
    let m = Arc::new(Floats::default());
    m.nan_ratio.set(f64::NAN);
    m.inf_ratio.set(f64::INFINITY);
    m.neg_inf_ratio.set(f64::NEG_INFINITY);
    m.big_ratio.set(1_234_567.0);
    let text = text_of(&m);
    let values: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        values,
        [
            "nan_ratio NaN",
            "inf_ratio +Inf",
            "neg_inf_ratio -Inf",
            "big_ratio 1.234567e+06"
        ]
    );
}

#[test]
fn histogram_with_default_buckets() {
    /// Hist.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Hist {
        /// Request latency
        request_duration_seconds: Histogram,
    }
    let m = Arc::new(Hist::default());
    for v in [0.003, 0.2, 0.2, 7.0, 11.0] {
        m.request_duration_seconds.observe(v);
    }
    // Dropped: counted in the snapshot, never rendered.
    m.request_duration_seconds.observe(f64::NAN);
    m.request_duration_seconds.observe(-1.0);
    assert_eq!(m.request_duration_seconds.snapshot().dropped, 2);
    assert_eq!(
        text_of(&m),
        "\
# HELP request_duration_seconds Request latency
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{le=\"0.005\"} 1
request_duration_seconds_bucket{le=\"0.01\"} 1
request_duration_seconds_bucket{le=\"0.025\"} 1
request_duration_seconds_bucket{le=\"0.05\"} 1
request_duration_seconds_bucket{le=\"0.1\"} 1
request_duration_seconds_bucket{le=\"0.25\"} 3
request_duration_seconds_bucket{le=\"0.5\"} 3
request_duration_seconds_bucket{le=\"1\"} 3
request_duration_seconds_bucket{le=\"2.5\"} 3
request_duration_seconds_bucket{le=\"5\"} 3
request_duration_seconds_bucket{le=\"10\"} 4
request_duration_seconds_bucket{le=\"+Inf\"} 5
request_duration_seconds_sum 18.403
request_duration_seconds_count 5
"
    );
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE request_duration_seconds histogram
# UNIT request_duration_seconds seconds
# HELP request_duration_seconds Request latency
request_duration_seconds_bucket{le=\"0.005\"} 1
request_duration_seconds_bucket{le=\"0.01\"} 1
request_duration_seconds_bucket{le=\"0.025\"} 1
request_duration_seconds_bucket{le=\"0.05\"} 1
request_duration_seconds_bucket{le=\"0.1\"} 1
request_duration_seconds_bucket{le=\"0.25\"} 3
request_duration_seconds_bucket{le=\"0.5\"} 3
request_duration_seconds_bucket{le=\"1.0\"} 3
request_duration_seconds_bucket{le=\"2.5\"} 3
request_duration_seconds_bucket{le=\"5.0\"} 3
request_duration_seconds_bucket{le=\"10.0\"} 4
request_duration_seconds_bucket{le=\"+Inf\"} 5
request_duration_seconds_sum 18.403
request_duration_seconds_count 5
# EOF
"
    );
}

#[test]
fn histogram_timer_and_snapshot() {
    static BOUNDS: [f64; 2] = [1.0, 2.0];
    let h = Histogram::with_buckets(&BOUNDS);
    let t = h.start_timer();
    let elapsed = t.stop();
    assert!(elapsed.as_secs_f64() < 1.0);
    h.start_timer().discard();
    h.observe_duration(std::time::Duration::from_millis(1500));
    let s = h.snapshot();
    assert_eq!(s.count, 2);
    assert_eq!(
        s.buckets
            .iter()
            .map(|b| (b.upper_bound, b.cumulative_count))
            .collect::<Vec<_>>(),
        [(1.0, 1), (2.0, 2), (f64::INFINITY, 2)]
    );
    assert!((s.sum - 1.5 - elapsed.as_secs_f64()).abs() < 1e-9);
}

/// The timer reads the TSC (quanta) and records ticks: what it records and returns is still
/// wall time in seconds, to within the TSC's calibration against the OS clock.
#[test]
fn histogram_timer_measures_wall_time() {
    let h = Histogram::new();
    let started = std::time::Instant::now();
    let t = h.start_timer();
    std::thread::sleep(std::time::Duration::from_millis(30));
    let elapsed = t.stop().as_secs_f64();
    {
        let _dropped = h.start_timer();
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    let wall = started.elapsed().as_secs_f64();
    assert!(
        (0.03 * 0.999..=wall * 1.001).contains(&elapsed),
        "{elapsed} {wall}"
    );
    let s = h.snapshot();
    assert_eq!(s.count, 2);
    assert!(
        (0.06 * 0.999..=wall * 1.001).contains(&s.sum),
        "{} {wall}",
        s.sum
    );
    // Both above `0.025` (and, on any machine, below 10 s).
    let le = |bound: f64| {
        s.buckets
            .iter()
            .find(|b| b.upper_bound == bound)
            .unwrap()
            .cumulative_count
    };
    assert_eq!((le(0.025), le(10.0)), (0, 2), "{s:?}");
}

#[test]
fn invalid_runtime_buckets_are_errors() {
    static UNSORTED: [f64; 2] = [2.0, 1.0];
    static EMPTY: [f64; 0] = [];
    let e = Histogram::try_with_buckets(&UNSORTED).unwrap_err();
    assert_eq!(e.index, Some(1));
    assert_eq!(
        e.message,
        "bucket bound 1 comes after 2; list the bounds in increasing order"
    );
    assert!(Histogram::try_with_buckets(&EMPTY).is_err());
}
