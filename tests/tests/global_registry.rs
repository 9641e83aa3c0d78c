//! The link-time registry sees sets from other crates of the workspace (here the `tests`
//! library's `SharedMetrics`), orders sets by module and name, and exports them at zero.
//! Its own binary: it reads the global registry.

use metrics_core::{Counter, MetricSet, Registry};

/// Declared in this test crate.
#[derive(MetricSet)]
#[metric_set(prefix = "local")]
pub struct LocalMetrics {
    /// Local events
    pub events_total: Counter,
}

#[test]
fn global_registry_holds_sets_of_every_linked_crate() {
    // Referencing the library keeps it linked: inventory sees only what the linker keeps.
    tests::SharedMetrics::global().jobs_total.inc_by(3);
    LocalMetrics::global().events_total.inc();
    metrics_core::check().unwrap();
    assert_eq!(
        metrics_export::encode_text(Registry::global()),
        "\
# HELP local_events_total Local events
# TYPE local_events_total counter
local_events_total 1
# HELP shared_jobs_total Jobs processed by the shared library
# TYPE shared_jobs_total counter
shared_jobs_total 3
"
    );
}

#[test]
fn the_server_serves_the_global_registry_by_default() {
    tests::SharedMetrics::global().jobs_total.inc_by(0);
    let server = metrics_export::MetricsServer::builder()
        .bind("127.0.0.1:0")
        .start()
        .unwrap();
    let reply = tests::http::get(server.local_addr(), "/metrics", None);
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    // Values are left out: the other test of this binary records concurrently.
    let families: Vec<&str> = reply
        .text()
        .lines()
        .filter(|line| line.starts_with('#'))
        .collect();
    assert_eq!(
        families,
        [
            "# HELP local_events_total Local events",
            "# TYPE local_events_total counter",
            "# HELP shared_jobs_total Jobs processed by the shared library",
            "# TYPE shared_jobs_total counter",
        ]
    );
}
