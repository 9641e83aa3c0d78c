//! The `metrics` facade recorder as the process's global `metrics` recorder: the macros of
//! every crate and thread land in `Registry::global()`, in one scrape with the derived sets,
//! those of a real library that reports through `metrics` 0.24 among them (mobc, a connection
//! pool), and the exposition passes `promtool check metrics`. Its own binary:
//! `metrics::set_global_recorder` works once per process.

use std::convert::Infallible;

use metrics_core::facade::{FacadeBuilder, FacadeError, Refusal};
use metrics_core::{Counter, MetricSet, Registry};
use tests::tools::promtool_check_metrics;

/// Derived, registered at link time.
#[derive(MetricSet)]
#[metric_set(prefix = "app")]
pub struct AppMetrics {
    /// Jobs done
    pub jobs_total: Counter,
}

/// A pool of numbers: mobc's connections, without a database.
struct Numbers;

#[async_trait::async_trait]
impl mobc::Manager for Numbers {
    type Connection = u32;
    type Error = Infallible;

    async fn connect(&self) -> Result<u32, Infallible> {
        Ok(7)
    }

    async fn check(&self, conn: u32) -> Result<u32, Infallible> {
        Ok(conn)
    }
}

/// Checks two connections out of a mobc pool and back in: mobc records its metrics through
/// the `metrics` macros. The pool is returned, with its runtime, so that its connections stay
/// open.
fn use_a_pool() -> (tokio::runtime::Runtime, mobc::Pool<Numbers>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let pool = runtime.block_on(async {
        let pool = mobc::Pool::builder().max_open(2).build(Numbers);
        let a = pool.get().await.unwrap();
        let b = pool.get().await.unwrap();
        assert_eq!(*a + *b, 14);
        drop((a, b));
        // A connection goes back to the pool in a task of its own: let them run (a hang guard,
        // far above the few turns they take).
        for _ in 0..10_000 {
            if pool.state().await.idle == 2 {
                return pool;
            }
            tokio::task::yield_now().await;
        }
        panic!("the connections never went back to the pool");
    });
    (runtime, pool)
}

#[test]
fn the_global_recorder_exports_every_crate_into_the_global_registry() {
    let recorder = metrics_core::facade::install().unwrap();
    assert_eq!(
        metrics_core::facade::install().unwrap_err(),
        FacadeError::RegistryTaken
    );
    let local = Registry::new();
    assert_eq!(
        FacadeBuilder::new().registry(&local).install().unwrap_err(),
        FacadeError::AlreadyInstalled
    );

    AppMetrics::global().jobs_total.inc();
    // The `tests` library's set is linked too (through `tests::tools`).
    tests::SharedMetrics::global().jobs_total.inc_by(0);
    let _pool = use_a_pool();
    // Names known at compile time, and at run time.
    metrics::describe_counter!("tachikoma_missions_started_total", "Missions started");
    metrics::counter!("tachikoma_missions_started_total", "kind" => "recon").increment(1);
    let crew = "batou";
    metrics::counter!(format!("tachikoma_{crew}_missions_total")).increment(2);
    // Every thread reaches the global recorder.
    std::thread::spawn(|| metrics::gauge!("tachikoma_depth_meters").set(12.5))
        .join()
        .unwrap();
    // A derived set owns the name.
    metrics::counter!("app_jobs_total").increment(5);

    // mobc's histogram, `mobc_client_queries_wait_histogram_ms`, names its type and a unit
    // that is not a base unit: refused at each of its two registrations.
    assert_eq!(recorder.refused(Refusal::InvalidName), 2);
    assert_eq!(recorder.refused(Refusal::Clash), 1);
    let text = metrics_export::encode_text(Registry::global());
    assert_eq!(
        text,
        r#"# HELP app_jobs_total Jobs done
# TYPE app_jobs_total counter
app_jobs_total 1
# HELP shared_jobs_total Jobs processed by the shared library
# TYPE shared_jobs_total counter
shared_jobs_total 0
# HELP mobc_client_queries_wait Number of queries currently waiting for a connection
# TYPE mobc_client_queries_wait gauge
mobc_client_queries_wait 0
# HELP mobc_pool_connections_busy Number of currently busy Pool Connections (executing a database query)
# TYPE mobc_pool_connections_busy gauge
mobc_pool_connections_busy 0
# HELP mobc_pool_connections_idle Number of currently unused Pool Connections (waiting for the next pool query to run)
# TYPE mobc_pool_connections_idle gauge
mobc_pool_connections_idle 2
# HELP mobc_pool_connections_open Number of currently open Pool Connections
# TYPE mobc_pool_connections_open gauge
mobc_pool_connections_open 2
# HELP mobc_pool_connections_opened_total Total number of Pool Connections opened
# TYPE mobc_pool_connections_opened_total counter
mobc_pool_connections_opened_total 2
# HELP tachikoma_batou_missions_total recorded through the metrics facade
# TYPE tachikoma_batou_missions_total counter
tachikoma_batou_missions_total 2
# HELP tachikoma_depth_meters recorded through the metrics facade
# TYPE tachikoma_depth_meters gauge
tachikoma_depth_meters 12.5
# HELP tachikoma_missions_started_total Missions started
# TYPE tachikoma_missions_started_total counter
tachikoma_missions_started_total{kind="recon"} 1
# HELP metrics_facade_refused_total Registrations (counter!, gauge! and histogram! calls) refused by the metrics facade recorder, by reason
# TYPE metrics_facade_refused_total counter
metrics_facade_refused_total{reason="invalid_name"} 2
metrics_facade_refused_total{reason="invalid_label"} 0
metrics_facade_refused_total{reason="type_mismatch"} 0
metrics_facade_refused_total{reason="clash"} 1
metrics_facade_refused_total{reason="family_limit"} 0
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric="mobc_client_queries_wait"} 0
metrics_series_overflow_total{metric="mobc_pool_connections_busy"} 0
metrics_series_overflow_total{metric="mobc_pool_connections_idle"} 0
metrics_series_overflow_total{metric="mobc_pool_connections_open"} 0
metrics_series_overflow_total{metric="mobc_pool_connections_opened_total"} 0
metrics_series_overflow_total{metric="tachikoma_batou_missions_total"} 0
metrics_series_overflow_total{metric="tachikoma_depth_meters"} 0
metrics_series_overflow_total{metric="tachikoma_missions_started_total"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric="mobc_client_queries_wait"} 0
metrics_label_value_too_long_total{metric="mobc_pool_connections_busy"} 0
metrics_label_value_too_long_total{metric="mobc_pool_connections_idle"} 0
metrics_label_value_too_long_total{metric="mobc_pool_connections_open"} 0
metrics_label_value_too_long_total{metric="mobc_pool_connections_opened_total"} 0
metrics_label_value_too_long_total{metric="tachikoma_batou_missions_total"} 0
metrics_label_value_too_long_total{metric="tachikoma_depth_meters"} 0
metrics_label_value_too_long_total{metric="tachikoma_missions_started_total"} 0
"#
    );
    assert_eq!(promtool_check_metrics(&text), (true, String::new()));
}
