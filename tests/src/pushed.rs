//! What the pushing exporters' tests (remote write, OTLP) push: a registry with deterministic
//! values.

use std::sync::Arc;

use metrics_core::{
    Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry,
};

/// Why a job ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
pub enum Reason {
    /// Rate limited.
    RateLimit,
    /// Started by hand.
    Manual,
    /// Out of context.
    ContextExhausted,
}

/// Fixed-cardinality labels: every combination is a series from the start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct ReasonLabels {
    /// Why.
    pub reason: Reason,
    /// Whether it was a retry.
    pub retried: bool,
}

/// Every kind of metric, with instance label `instance="test-1"`.
#[derive(MetricSet)]
#[metric_set(prefix = "job", global = false)]
pub struct Job {
    /// Jobs by reason
    pub jobs_total: Family<ReasonLabels, Counter>,
    /// Items queued
    pub queue_items: Gauge,
    /// Load
    pub load_ratio: FloatGauge,
    /// Job duration
    #[metric(buckets = [0.1, 1.0, 10.0], unit = "seconds")]
    pub duration_seconds: Histogram,
}

/// A registry with deterministic values: `job_jobs_total{reason="manual",retried="true"} 3`,
/// `job_queue_items -7`, `job_load_ratio 0.25`, a histogram of 0.05, 0.5, 5 and 50.
pub fn recorded() -> (Arc<Registry>, Arc<Job>) {
    let registry = Arc::new(Registry::new());
    let job = Arc::new(Job::default());
    registry.register_with_labels(Arc::clone(&job), &[("instance", "test-1")]);
    job.jobs_total
        .with(&ReasonLabels {
            reason: Reason::Manual,
            retried: true,
        })
        .inc_by(3);
    job.queue_items.set(-7);
    job.load_ratio.set(0.25);
    for v in [0.05, 0.5, 5.0, 50.0] {
        job.duration_seconds.observe(v);
    }
    (registry, job)
}
