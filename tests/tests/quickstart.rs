//! The README quickstart, as written, against the global registry (its own binary, so no other
//! test shares the global values).

use metrics_core::{
    Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
pub enum ResumeReason {
    RateLimit,
    ContextExhausted,
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct ResumeLabels {
    pub reason: ResumeReason,
}

/// Core daemon metrics.
#[derive(MetricSet)]
#[metric_set(prefix = "palingenesis")]
pub struct DaemonMetrics {
    /// Total number of resume operations attempted
    pub resumes_total: Family<ResumeLabels, Counter>,
    /// Total number of successful resumes
    pub resumes_success_total: Counter,
    /// Current daemon state (1=monitoring, 2=paused, 3=waiting, 4=resuming)
    pub daemon_state: Gauge,
    /// Fraction of the context window in use
    pub context_usage_ratio: FloatGauge,
    /// Time taken for resume operations
    #[metric(buckets = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0])]
    pub resume_duration_seconds: Histogram,
}

const FIRST_SCRAPE: &str = "\
# HELP palingenesis_context_usage_ratio Fraction of the context window in use
# TYPE palingenesis_context_usage_ratio gauge
palingenesis_context_usage_ratio 0
";

#[test]
fn quickstart_records_and_renders_the_global_registry() {
    metrics_core::check().expect("no clashing names");
    // Every declared metric is exported from the first scrape, at zero.
    let first = metrics_export::encode_text(Registry::global());
    assert!(first.contains(FIRST_SCRAPE), "{first}");
    assert!(first.contains("palingenesis_resumes_total{reason=\"manual\"} 0\n"));
    assert!(first.contains("palingenesis_resume_duration_seconds_bucket{le=\"+Inf\"} 0\n"));

    let m: &'static DaemonMetrics = DaemonMetrics::global();
    m.resumes_total
        .with(&ResumeLabels {
            reason: ResumeReason::RateLimit,
        })
        .inc();
    m.resumes_success_total.inc_by(2);
    m.daemon_state.set(1);
    m.daemon_state.inc();
    m.daemon_state.dec();
    m.daemon_state.add(-3);
    m.daemon_state.add(3);
    m.context_usage_ratio.set(0.25);
    m.context_usage_ratio.add(0.5);
    m.resume_duration_seconds.observe(0.42);
    m.resume_duration_seconds.observe(45.0);
    assert_eq!(m.resumes_success_total.get(), 2);
    assert_eq!(m.daemon_state.get(), 1);

    let text = metrics_export::encode_text(Registry::global());
    assert_eq!(
        text,
        "\
# HELP palingenesis_resumes_total Total number of resume operations attempted
# TYPE palingenesis_resumes_total counter
palingenesis_resumes_total{reason=\"rate_limit\"} 1
palingenesis_resumes_total{reason=\"context_exhausted\"} 0
palingenesis_resumes_total{reason=\"manual\"} 0
# HELP palingenesis_resumes_success_total Total number of successful resumes
# TYPE palingenesis_resumes_success_total counter
palingenesis_resumes_success_total 2
# HELP palingenesis_daemon_state Current daemon state (1=monitoring, 2=paused, 3=waiting, 4=resuming)
# TYPE palingenesis_daemon_state gauge
palingenesis_daemon_state 1
# HELP palingenesis_context_usage_ratio Fraction of the context window in use
# TYPE palingenesis_context_usage_ratio gauge
palingenesis_context_usage_ratio 0.75
# HELP palingenesis_resume_duration_seconds Time taken for resume operations
# TYPE palingenesis_resume_duration_seconds histogram
palingenesis_resume_duration_seconds_bucket{le=\"0.1\"} 0
palingenesis_resume_duration_seconds_bucket{le=\"0.5\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"1\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"2\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"5\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"10\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"30\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"60\"} 2
palingenesis_resume_duration_seconds_bucket{le=\"+Inf\"} 2
palingenesis_resume_duration_seconds_sum 45.42
palingenesis_resume_duration_seconds_count 2
"
    );

    let om = metrics_export::encode_openmetrics(Registry::global());
    assert_eq!(
        om,
        "\
# TYPE palingenesis_resumes counter
# HELP palingenesis_resumes Total number of resume operations attempted
palingenesis_resumes_total{reason=\"rate_limit\"} 1
palingenesis_resumes_total{reason=\"context_exhausted\"} 0
palingenesis_resumes_total{reason=\"manual\"} 0
# TYPE palingenesis_resumes_success counter
# HELP palingenesis_resumes_success Total number of successful resumes
palingenesis_resumes_success_total 2
# TYPE palingenesis_daemon_state gauge
# HELP palingenesis_daemon_state Current daemon state (1=monitoring, 2=paused, 3=waiting, 4=resuming)
palingenesis_daemon_state 1
# TYPE palingenesis_context_usage_ratio gauge
# UNIT palingenesis_context_usage_ratio ratio
# HELP palingenesis_context_usage_ratio Fraction of the context window in use
palingenesis_context_usage_ratio 0.75
# TYPE palingenesis_resume_duration_seconds histogram
# UNIT palingenesis_resume_duration_seconds seconds
# HELP palingenesis_resume_duration_seconds Time taken for resume operations
palingenesis_resume_duration_seconds_bucket{le=\"0.1\"} 0
palingenesis_resume_duration_seconds_bucket{le=\"0.5\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"1.0\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"2.0\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"5.0\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"10.0\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"30.0\"} 1
palingenesis_resume_duration_seconds_bucket{le=\"60.0\"} 2
palingenesis_resume_duration_seconds_bucket{le=\"+Inf\"} 2
palingenesis_resume_duration_seconds_sum 45.42
palingenesis_resume_duration_seconds_count 2
# EOF
"
    );

    // The README's p99, in three lines: rank 0.99 × 2 is in (30, 60], interpolated.
    let snapshot = m.resume_duration_seconds.snapshot();
    let p99 = snapshot.quantile(0.99);
    let stats = snapshot.stats();
    assert_eq!(p99, 30.0 + 30.0 * (1.98 - 1.0));
    assert_eq!((stats.count, stats.mean, stats.p99), (2, 22.71, p99));
    assert_eq!(
        (stats.min, stats.max),
        (0.1, 60.0),
        "the range of the non-empty buckets"
    );

    // The timer observes the elapsed seconds when dropped.
    {
        let _t = m.resume_duration_seconds.start_timer();
    }
    let s = m.resume_duration_seconds.snapshot();
    assert_eq!(s.count, 3);
    assert_eq!(
        s.buckets[0].cumulative_count, 1,
        "a ~0 s timing lands in le=0.1"
    );
}

#[test]
fn instances_outside_the_global_registry_keep_their_own_values() {
    let mine = std::sync::Arc::new(DaemonMetrics::default());
    let registry = Registry::new();
    registry.register(mine.clone());
    mine.resumes_success_total.inc_by(7);
    let text = metrics_export::encode_text(&registry);
    assert!(
        text.contains("\npalingenesis_resumes_success_total 7\n"),
        "{text}"
    );
    assert_ne!(
        std::ptr::from_ref(&*mine),
        std::ptr::from_ref(DaemonMetrics::global())
    );
}
