use metrics_core::{Family, Histogram, LabelSet, MetricSet};

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
pub struct Labels {
    pub le: String,
}

#[derive(MetricSet)]
pub struct Metrics {
    /// Latency
    pub latency_seconds: Family<Labels, Histogram>,
}

fn main() {}
