use metrics_core::{Counter, Family, LabelSet, LabelValue, MetricSet};

#[derive(LabelValue)]
pub enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
pub struct Labels {
    pub method: Method,
}

#[derive(MetricSet)]
pub struct Metrics {
    /// Requests by method
    #[metric(max_label_value_len = 64)]
    pub requests_total: Family<Labels, Counter>,
}

fn main() {}
