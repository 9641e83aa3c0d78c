//! What a request handler writes first: a latency timer and an in-flight guard taken straight
//! from `family.with(&labels)`, held to the end of the handler, for fixed and open-ended labels.
//! Every way out of the handler (return, `?`, panic) records the latency and brings the
//! in-flight gauge back down.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use metrics_core::{Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet};
use tests::text_of;

#[derive(Clone, Copy, LabelValue)]
#[label(rename_all = "snake_case")]
enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
struct MethodLabels {
    method: Method,
}

#[derive(LabelSet)]
struct RouteLabels {
    route: String,
}

/// A small service's timers.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Latency {
    /// Request latency by method
    #[metric(buckets = [1.0])]
    latency_seconds: Family<MethodLabels, Histogram>,
    /// Request latency by route
    #[metric(buckets = [1.0])]
    route_latency_seconds: Family<RouteLabels, Histogram>,
}

/// A small service's in-flight gauges.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct InFlight {
    /// Requests being served, by method
    in_flight: Family<MethodLabels, Gauge>,
    /// Requests being served, by route
    route_in_flight: Family<RouteLabels, Gauge>,
    /// Connections open
    connections: Gauge,
    /// Work in progress, weighted
    load: FloatGauge,
}

enum Ending {
    Return,
    Error,
    Panic,
}

/// A handler with the one-liners at its top; `during` sees the metrics while it runs.
fn handle(
    t: &Latency,
    m: &InFlight,
    method: Method,
    route: &str,
    ending: Ending,
    during: impl FnOnce(),
) -> Result<u32, String> {
    let _t = t
        .latency_seconds
        .with(&MethodLabels { method })
        .start_timer();
    let _g = m.in_flight.with(&MethodLabels { method }).track();
    let route = RouteLabels {
        route: route.to_owned(),
    };
    let _rt = t.route_latency_seconds.with(&route).start_timer();
    let _rg = m.route_in_flight.with(&route).track();
    let _c = m.connections.track();
    let _l = m.load.track();
    during();
    let parsed: u32 = match ending {
        Ending::Return => "7".parse().map_err(|e| format!("{e}"))?,
        Ending::Error => "x".parse().map_err(|e| format!("{e}"))?,
        Ending::Panic => panic!("the handler failed"),
    };
    Ok(parsed)
}

#[test]
fn every_way_out_of_a_handler_is_timed_and_leaves_nothing_in_flight() {
    let t = Latency::default();
    let m = Arc::new(InFlight::default());
    let get = MethodLabels {
        method: Method::Get,
    };
    let users = RouteLabels {
        route: "/users".to_owned(),
    };

    // While a request is being served, the scrape shows it in flight.
    let seen = std::cell::RefCell::new(String::new());
    let ok = handle(&t, &m, Method::Get, "/users", Ending::Return, || {
        *seen.borrow_mut() = text_of(&m);
    });
    assert_eq!(ok, Ok(7));
    let exposition = |requests: i64, users: i64, orders: Option<i64>| {
        let orders = orders.map_or(String::new(), |n| {
            format!("route_in_flight{{route=\"/orders\"}} {n}\n")
        });
        format!(
            "\
# HELP in_flight Requests being served, by method
# TYPE in_flight gauge
in_flight{{method=\"get\"}} {requests}
in_flight{{method=\"post\"}} 0
# HELP route_in_flight Requests being served, by route
# TYPE route_in_flight gauge
route_in_flight{{route=\"/users\"}} {users}
{orders}\
# HELP connections Connections open
# TYPE connections gauge
connections {requests}
# HELP load Work in progress, weighted
# TYPE load gauge
load {requests}
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{{metric=\"route_in_flight\"}} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{{metric=\"route_in_flight\"}} 0
"
        )
    };
    assert_eq!(seen.into_inner(), exposition(1, 1, None));

    // `?` returns early; a panic unwinds.
    let err = handle(&t, &m, Method::Post, "/users", Ending::Error, || {});
    assert_eq!(err, Err("invalid digit found in string".to_owned()));
    let panic = catch_unwind(AssertUnwindSafe(|| {
        handle(&t, &m, Method::Get, "/orders", Ending::Panic, || {})
    }));
    assert!(panic.is_err());

    // Each call was timed once, under its own labels; nothing is left in flight.
    let post = MethodLabels {
        method: Method::Post,
    };
    let orders = RouteLabels {
        route: "/orders".to_owned(),
    };
    assert_eq!(t.latency_seconds.with(&get).count(), 2);
    assert_eq!(t.latency_seconds.with(&post).count(), 1);
    assert_eq!(t.route_latency_seconds.with(&users).count(), 2);
    assert_eq!(t.route_latency_seconds.with(&orders).count(), 1);
    assert_eq!(text_of(&m), exposition(0, 0, Some(0)));
}

#[test]
fn guards_outlive_the_series_ref_and_count_concurrent_requests() {
    let t = Latency::default();
    let m = InFlight::default();
    let users = RouteLabels {
        route: "/users".to_owned(),
    };
    // Several requests at once: each guard adds one, and takes its own one away.
    let first = m.route_in_flight.with(&users).track();
    let series = m.route_in_flight.with(&users);
    let second = series.track();
    drop(series);
    let third = m
        .in_flight
        .with(&MethodLabels {
            method: Method::Get,
        })
        .track();
    assert_eq!(m.route_in_flight.with(&users).get(), 2);
    drop(first);
    assert_eq!(m.route_in_flight.with(&users).get(), 1);
    drop(second);
    drop(third);
    assert_eq!(m.route_in_flight.with(&users).get(), 0);
    assert_eq!(
        m.in_flight
            .with(&MethodLabels {
                method: Method::Get
            })
            .get(),
        0
    );

    // A timer stopped by hand records once; a discarded one not at all.
    let timer = t.route_latency_seconds.with(&users).start_timer();
    let elapsed = timer.stop();
    t.route_latency_seconds.with(&users).start_timer().discard();
    let series = t.route_latency_seconds.with(&users);
    assert_eq!(series.count(), 1);
    assert!((series.sum() - elapsed.as_secs_f64()).abs() < 1e-9);
}
