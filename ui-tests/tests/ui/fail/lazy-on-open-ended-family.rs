use metrics_core::{Counter, Family, LabelSet, MetricSet};

#[derive(LabelSet)]
pub struct Labels {
    pub route: String,
}

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests by route
    #[metric(lazy)]
    pub requests_total: Family<Labels, Counter>,
}

fn main() {}
