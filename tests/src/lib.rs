//! Shared pieces of the end-to-end tests: a metric set declared in another crate than the tests
//! that use it (for the link-time registry), and tiny helpers.

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
