//! A real Prometheus server (the Debian package `prometheus`, which `scripts/setup` installs with
//! promtool) scrapes our endpoint on loopback: the target is `up`, OpenMetrics was negotiated
//! (the metadata API lists the counter family without `_total`, which only an OpenMetrics scrape
//! gives), and the values queried back through its HTTP API equal the values recorded.

use std::sync::Arc;

use metrics_core::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet, Registry};
use metrics_export::MetricsServer;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
enum Outcome {
    Done,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct OutcomeLabels {
    outcome: Outcome,
}

/// What Prometheus scrapes.
#[derive(MetricSet)]
#[metric_set(prefix = "e2e", global = false)]
struct Target {
    /// Jobs by outcome
    jobs_total: Family<OutcomeLabels, Counter>,
    /// Items in the queue
    queue_items: Gauge,
    /// Job duration
    #[metric(buckets = [0.1, 1.0, 10.0])]
    job_duration_seconds: Histogram,
}

#[test]
fn a_real_prometheus_scrapes_negotiates_openmetrics_and_reads_our_values() {
    let target = Arc::new(Target::default());
    let registry = Arc::new(Registry::new());
    registry.register(Arc::clone(&target));
    target
        .jobs_total
        .with(&OutcomeLabels {
            outcome: Outcome::Done,
        })
        .inc_by(42);
    target.queue_items.set(-7);
    for v in [0.05, 0.5, 5.0, 50.0] {
        target.job_duration_seconds.observe(v);
    }
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    let prometheus = tests::servers::prometheus(server.local_addr());

    let up = tests::servers::eventually("the target to be up", || {
        tests::servers::query(&prometheus, "up{job=\"e2e\"}").filter(|&up| up == 1.0)
    });
    assert_eq!(up, 1.0);
    let done = tests::servers::eventually("a scrape with the counter", || {
        tests::servers::query(&prometheus, "e2e_jobs_total{outcome=\"done\"}")
    });
    assert_eq!(done, 42.0);
    // Exported at zero before anything was recorded.
    assert_eq!(
        tests::servers::query(&prometheus, "e2e_jobs_total{outcome=\"failed\"}"),
        Some(0.0)
    );
    assert_eq!(
        tests::servers::query(&prometheus, "e2e_queue_items"),
        Some(-7.0)
    );
    assert_eq!(
        tests::servers::query(&prometheus, "e2e_job_duration_seconds_count"),
        Some(4.0)
    );
    assert_eq!(
        tests::servers::query(&prometheus, "e2e_job_duration_seconds_sum"),
        Some(55.55)
    );
    assert_eq!(
        tests::servers::query(&prometheus, "e2e_job_duration_seconds_bucket{le=\"1.0\"}"),
        Some(2.0),
        "OpenMetrics writes `le=\"1.0\"`, which Prometheus keeps as is"
    );

    // The metadata API: under OpenMetrics the counter family is `e2e_jobs` (its samples keep
    // `_total`); a 0.0.4 scrape would list `e2e_jobs_total`.
    let metadata = tests::servers::eventually("metadata of the counter family", || {
        let reply =
            tests::http::try_get(prometheus.addr(), "/api/v1/metadata?metric=e2e_jobs", None)
                .ok()?;
        let body = reply.text();
        body.contains("\"type\":\"counter\"")
            .then(|| body.to_owned())
    });
    assert!(metadata.contains("\"e2e_jobs\""), "{metadata}");
    assert!(
        metadata.contains("\"help\":\"Jobs by outcome\""),
        "{metadata}"
    );

    // Values move between scrapes.
    target
        .jobs_total
        .with(&OutcomeLabels {
            outcome: Outcome::Failed,
        })
        .inc_by(3);
    let failed = tests::servers::eventually("the new value", || {
        tests::servers::query(&prometheus, "e2e_jobs_total{outcome=\"failed\"}")
            .filter(|&v| v == 3.0)
    });
    assert_eq!(failed, 3.0);
}
