//! Shared pieces of the workspace's tests (this package's, and, as a dev-dependency, those of
//! `metrics-export` and `examples`): a metric set declared in another crate than the tests that
//! use it (for the link-time registry), and the helpers several test files need.
//!
//! - [`http`]: a raw HTTP/1.1 client; [`receiver`]: a fake HTTP receiver with scripted answers;
//! - [`servers`]: Prometheus, the Pushgateway and VictoriaMetrics as child processes;
//!   [`tools`]: `promtool` and Python;
//! - [`alloc`]: a counting global allocator; [`pushed`]: the registry the pushers' tests push;
//! - [`panics`]: where a panic is reported.
//!
//! Its sets are `global = false` but for [`SharedMetrics`], which the global registry of a binary
//! linking this library holds once the binary references it (and may hold otherwise: inventory
//! sees what the linker keeps).

pub mod alloc;
pub mod http;
pub mod panics;
pub mod pushed;
pub mod receiver;
pub mod servers;
pub mod tools;

use std::sync::Arc;

use metrics_core::{Counter, MetricSet, Registry};

/// A globally registered set declared in this library crate, so that test binaries can check
/// that the link-time registry sees sets from other crates.
#[derive(MetricSet)]
#[metric_set(prefix = "shared")]
pub struct SharedMetrics {
    /// Jobs processed by the shared library
    pub jobs_total: Counter,
}

/// A registry holding just `set`.
pub fn registry_of<T: MetricSet>(set: &Arc<T>) -> Registry {
    let registry = Registry::new();
    registry.register(Arc::clone(set));
    registry
}

/// Prometheus text 0.0.4 of a registry holding just `set`.
pub fn text_of<T: MetricSet>(set: &Arc<T>) -> String {
    metrics_export::encode_text(&registry_of(set))
}

/// OpenMetrics 1.0 text of a registry holding just `set`.
pub fn openmetrics_of<T: MetricSet>(set: &Arc<T>) -> String {
    metrics_export::encode_openmetrics(&registry_of(set))
}
