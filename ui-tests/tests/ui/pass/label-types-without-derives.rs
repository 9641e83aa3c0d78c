//! A label value enum and label sets with no derive but the library's: fixed-cardinality and
//! open-ended alike, in families of every kind.

use metrics_core::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet};

#[derive(LabelValue)]
pub enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
pub struct Fixed {
    pub method: Method,
    pub cached: bool,
}

#[derive(LabelSet)]
pub struct Open {
    pub method: Method,
    pub route: String,
    pub status: u16,
}

/// Metrics keyed by bare label types.
#[derive(MetricSet)]
#[metric_set(global = false)]
pub struct Metrics {
    /// Requests by method
    pub requests_total: Family<Fixed, Counter>,
    /// Requests by route
    pub route_requests_total: Family<Open, Counter>,
    /// Queue depth by route
    pub depth: Family<Open, Gauge>,
    /// Latency by method
    pub latency_seconds: Family<Fixed, Histogram>,
}

fn main() {
    let m = Metrics::default();
    let fixed = Fixed {
        method: Method::Post,
        cached: false,
    };
    m.requests_total.with(&fixed).inc();
    m.latency_seconds.with(&fixed).observe(0.2);
    let open = |route: &str| Open {
        method: Method::Get,
        route: route.to_owned(),
        status: 200,
    };
    m.route_requests_total.with(&open("/a")).inc();
    m.route_requests_total.with(&open("/a")).inc();
    m.depth.with(&open("/b")).set(3);
    assert_eq!(m.requests_total.with(&fixed).get(), 1);
    assert_eq!(m.route_requests_total.with(&open("/a")).get(), 2);
    assert_eq!(m.route_requests_total.len(), 1);
    assert!(m.route_requests_total.remove(&open("/a")));
    assert_eq!(m.depth.get(&open("/b")).map(|g| g.get()), Some(3));
}
