//! The one-liners of a request handler: a latency timer and an in-flight guard taken straight
//! from `family.with(&labels)`, for fixed and open-ended labels, held to the end of the scope.

use metrics_core::{Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet};

#[derive(LabelValue)]
pub enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
pub struct Fixed {
    pub method: Method,
}

#[derive(LabelSet)]
pub struct Open {
    pub route: String,
}

/// Handler metrics.
#[derive(MetricSet)]
pub struct Metrics {
    /// Latency by method
    pub latency_seconds: Family<Fixed, Histogram>,
    /// Latency by route
    pub route_latency_seconds: Family<Open, Histogram>,
    /// Requests in progress by method
    pub in_flight: Family<Fixed, Gauge>,
    /// Requests in progress by route
    pub route_in_flight: Family<Open, Gauge>,
    /// Load in progress by route
    pub route_load: Family<Open, FloatGauge>,
}

fn handle(m: &Metrics, method: Method, route: &str) -> usize {
    let _t = m.latency_seconds.with(&Fixed { method }).start_timer();
    let _g = m.in_flight.with(&Fixed { method: Method::Get }).track();
    let route = Open {
        route: route.to_owned(),
    };
    let _rt = m.route_latency_seconds.with(&route).start_timer();
    let _rg = m.route_in_flight.with(&route).track();
    let _rl = m.route_load.with(&route).track();
    route.route.len()
}

fn main() {
    let m = Metrics::global();
    assert_eq!(handle(m, Method::Post, "/users"), 6);
    let post = Fixed {
        method: Method::Post,
    };
    let users = Open {
        route: "/users".to_owned(),
    };
    assert_eq!(m.latency_seconds.with(&post).count(), 1);
    assert_eq!(m.route_latency_seconds.with(&users).count(), 1);
    assert_eq!(m.in_flight.with(&Fixed { method: Method::Get }).get(), 0);
    assert_eq!(m.route_in_flight.with(&users).get(), 0);
    assert_eq!(m.route_load.with(&users).get(), 0.0);
}
