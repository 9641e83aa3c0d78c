//! A generic set's kind-dependent name rules are checked for each instantiation: `Pool<Gauge>`
//! is fine, `Pool<Counter>` exports a counter without `_total`.

use metrics_core::{Counter, Gauge, Metric, MetricSet};

/// Generic.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Pool<M: Metric> {
    /// Connections
    connections: M,
}

fn main() {
    let _fine = Pool::<Gauge>::default();
    let _refused = Pool::<Counter>::default();
}
