use metrics_core::{Family, LabelSet, MetricSet};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    pub method: String,
}

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests
    pub requests_total: Family<Labels, u64>,
}

fn main() {}
