//! Pushing to a real Pushgateway (the Debian package `prometheus-pushgateway`, installed by
//! `scripts/setup`), started on loopback with a free port: PUT replaces a group, POST merges,
//! DELETE removes, grouping keys with `/` and empty values, the gateway's 400 surfaced as an
//! error, and a gateway that is down or silent gives an error, not a hang.
#![cfg(feature = "pushgateway")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_core::{Counter, Gauge, Histogram, MetricSet, Registry};
use metrics_export::{PushError, Pushgateway};
use tests::receiver::{Answer, Receiver};
use tests::servers::{self, Server};

#[derive(MetricSet)]
#[metric_set(prefix = "backup", global = false)]
struct Jobs {
    /// Jobs done
    jobs_total: Counter,
}

/// The gateway's own exposition, lines of the `backup_` families only.
fn gateway_lines(gateway: &Server) -> Vec<String> {
    tests::http::get(gateway.addr(), "/metrics", None)
        .text()
        .lines()
        .filter(|l| l.starts_with("backup_"))
        .map(str::to_owned)
        .collect()
}

fn registry_with<T: MetricSet>(set: T) -> (Arc<Registry>, Arc<T>) {
    let registry = Arc::new(Registry::new());
    let set = Arc::new(set);
    registry.register(Arc::clone(&set));
    (registry, set)
}

#[test]
fn put_post_delete_against_a_real_pushgateway() {
    #[derive(MetricSet)]
    #[metric_set(prefix = "backup", global = false)]
    struct Extra {
        /// Size of the last backup
        #[metric(unit = "bytes")]
        size_bytes: Gauge,
    }

    /// `backup_size_bytes` again, as a histogram.
    #[derive(MetricSet)]
    #[metric_set(prefix = "backup", global = false)]
    struct Clash {
        /// Sizes of the backups
        #[metric(buckets = [1024.0])]
        size_bytes: Histogram,
    }

    let gateway = servers::pushgateway();
    let url = gateway.url();
    let (jobs_registry, jobs) = registry_with(Jobs::default());
    jobs.jobs_total.inc_by(3);
    let group = Pushgateway::new(&url, "backup/nightly")
        .unwrap()
        .grouping("instance", "db-1")
        .unwrap()
        .grouping("shard", "")
        .unwrap();

    // PUT.
    group
        .clone()
        .registry(Arc::clone(&jobs_registry))
        .push()
        .unwrap();
    assert_eq!(
        gateway_lines(&gateway),
        ["backup_jobs_total{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 3"]
    );

    // POST merges: the other family is added, the pushed one replaced.
    let (extra_registry, extra) = registry_with(Extra::default());
    extra.size_bytes.set(1024);
    group
        .clone()
        .registry(extra_registry.clone())
        .push_add()
        .unwrap();
    let mut lines = gateway_lines(&gateway);
    lines.sort();
    assert_eq!(
        lines,
        [
            "backup_jobs_total{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 3",
            "backup_size_bytes{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 1024",
        ]
    );

    // PUT replaces the whole group.
    group
        .clone()
        .registry(Arc::clone(&extra_registry))
        .push()
        .unwrap();
    assert_eq!(
        gateway_lines(&gateway),
        ["backup_size_bytes{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 1024"]
    );

    // A family pushed with another type than the gateway holds (in another group): its 400, as
    // an error.
    let other = Pushgateway::new(&url, "backup/nightly").unwrap();
    other.clone().registry(extra_registry).push().unwrap();
    let (clash_registry, _) = registry_with(Clash::default());
    let err = group
        .clone()
        .registry(clash_registry)
        .push_add()
        .unwrap_err();
    match &err {
        PushError::Status { status, body, .. } => {
            assert_eq!(*status, 400, "{body}");
            assert!(!body.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("the Pushgateway answered 400: "),
        "{err}"
    );

    // DELETE.
    group.delete().unwrap();
    other.delete().unwrap();
    assert!(gateway_lines(&gateway).is_empty());
}

#[test]
fn a_gateway_that_is_down_or_silent_is_an_error_not_a_hang() {
    // Nothing listens.
    let (registry, _) = registry_with(Jobs::default());
    let down = Pushgateway::new(&format!("http://{}", servers::free_addr()), "j")
        .unwrap()
        .registry(Arc::clone(&registry));
    assert!(matches!(down.push(), Err(PushError::Transport { .. })));

    // Accepts, reads the request, never answers (for a minute).
    let silent = Receiver::start("", [], Answer::Silent(Duration::from_secs(60)));
    let started = Instant::now();
    let err = Pushgateway::new(&silent.url(), "j")
        .unwrap()
        .registry(registry)
        .timeout(Duration::from_millis(300))
        .push()
        .unwrap_err();
    assert!(matches!(err, PushError::Transport { .. }), "{err:?}");
    // A hang guard, ten times the timeout.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(silent.count(), 1);

    // Answers garbage.
    let garbage = Receiver::start("", [], Answer::Garbage);
    let err = Pushgateway::new(&garbage.url(), "j")
        .unwrap()
        .registry(Arc::new(Registry::new()))
        .timeout(Duration::from_secs(2))
        .push()
        .unwrap_err();
    assert!(matches!(err, PushError::Transport { .. }), "{err:?}");
    assert_eq!(garbage.count(), 1);
}

#[test]
fn as_an_exporter_it_pushes_periodically_with_health_and_self_metrics() {
    use metrics_export::Exporter;
    let gateway = servers::pushgateway();
    let (registry, jobs) = registry_with(Jobs::default());
    jobs.jobs_total.inc_by(2);
    let group = Arc::new(
        Pushgateway::new(&gateway.url(), "periodic")
            .unwrap()
            .registry(Arc::clone(&registry)),
    );
    let handle = Arc::clone(&group).start(Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !gateway_lines(&gateway)
        .iter()
        .any(|l| l == "backup_jobs_total{instance=\"\",job=\"periodic\"} 2")
    {
        assert!(Instant::now() < deadline, "{:?}", gateway_lines(&gateway));
        std::thread::sleep(Duration::from_millis(50));
    }
    // A value recorded just before the handle is dropped arrives with the final flush.
    jobs.jobs_total.inc();
    drop(handle);
    assert!(gateway_lines(&gateway)
        .iter()
        .any(|l| l == "backup_jobs_total{instance=\"\",job=\"periodic\"} 3"));
    let health = group.health();
    assert!(health.last_success.is_some());
    assert_eq!(health.consecutive_failures, 0);
    // The self-metrics are in the pushed registry (and so on the gateway).
    let text = metrics_export::encode_text(&registry);
    assert!(
        text.contains("metrics_exporter_pushes_total{exporter=\"pushgateway\",url=\""),
        "{text}"
    );

    // A gateway that is gone: failures in the health, not a panic.
    drop(gateway);
    let err = group.flush(Duration::from_secs(5)).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot reach the Pushgateway"),
        "{err}"
    );
    assert_eq!(group.health().consecutive_failures, 1);
}
