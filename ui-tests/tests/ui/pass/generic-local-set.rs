//! A generic set cannot be global, but lives in local registries.

use std::sync::Arc;

use metrics_core::{Gauge, Metric, MetricSet, Registry};

/// Generic.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Pool<M: Metric> {
    /// Connections
    connections: M,
}

fn main() {
    let registry = Registry::new();
    let pool = Arc::new(Pool::<Gauge>::default());
    pool.connections.set(3);
    registry.register(pool);
}
