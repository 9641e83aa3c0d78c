use metrics_core::{Counter, Family, Gauge, LabelSet, MetricSet};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    #[label(name = "Method")]
    pub method: String,
}

// One error, at the label name: the derive emits a stub `LabelSet` impl beside it, so these
// families do not each report that `Labels` is not a label set.
#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    pub requests_total: Family<Labels, Counter>,
    /// Requests in flight
    pub in_flight: Family<Labels, Gauge>,
}

fn main() {
    let _ = Metrics::global();
}
