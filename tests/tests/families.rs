//! Labeled families: fixed-cardinality labels exported at zero, open-ended labels in
//! first-record order, remove and clear, the series cap and its overflow series.

use std::borrow::Cow;
use std::sync::Arc;

use metrics_core::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricSet};
use tests::{openmetrics_of, text_of};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
enum Method {
    Get,
    #[label(rename = "POST")]
    Post,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Outcome {
    #[allow(dead_code)]
    Ok,
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Fixed {
    method: Method,
    #[label(name = "result")]
    outcome: Outcome,
    cached: bool,
}

#[test]
fn fixed_labels_export_every_combination_at_zero() {
    /// Fixed.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Requests
        requests_total: Family<Fixed, Counter>,
    }
    let m = Arc::new(Set::default());
    assert_eq!(m.requests_total.len(), 8);
    m.requests_total
        .with(&Fixed {
            method: Method::Post,
            outcome: Outcome::Failed,
            cached: true,
        })
        .inc_by(3);
    assert_eq!(
        text_of(&m),
        "\
# HELP requests_total Requests
# TYPE requests_total counter
requests_total{method=\"get\",result=\"Ok\",cached=\"false\"} 0
requests_total{method=\"get\",result=\"Ok\",cached=\"true\"} 0
requests_total{method=\"get\",result=\"Failed\",cached=\"false\"} 0
requests_total{method=\"get\",result=\"Failed\",cached=\"true\"} 0
requests_total{method=\"POST\",result=\"Ok\",cached=\"false\"} 0
requests_total{method=\"POST\",result=\"Ok\",cached=\"true\"} 0
requests_total{method=\"POST\",result=\"Failed\",cached=\"false\"} 0
requests_total{method=\"POST\",result=\"Failed\",cached=\"true\"} 3
"
    );
    let key = Fixed {
        method: Method::Post,
        outcome: Outcome::Failed,
        cached: true,
    };
    // Removing a fixed series resets it: it is always exported.
    assert!(m.requests_total.remove(&key));
    assert_eq!(m.requests_total.with(&key).get(), 0);
    m.requests_total.with(&key).inc();
    m.requests_total.clear();
    assert_eq!(m.requests_total.get(&key).map(|c| c.get()), Some(0));
    assert_eq!(Method::Post.as_label_value(), "POST");
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Route {
    route: &'static str,
    method: Method,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Tenant {
    tenant: String,
    shard: u16,
    region: Cow<'static, str>,
    delta: i32,
}

#[test]
fn open_ended_labels_appear_in_first_record_order() {
    /// Open.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Requests by route
        requests_total: Family<Route, Counter>,
        /// Tenants
        tenant_jobs: Family<Tenant, Gauge>,
    }
    let m = Arc::new(Set::default());
    assert!(m.requests_total.is_empty());
    let r = |route| Route {
        route,
        method: Method::Get,
    };
    m.requests_total.with(&r("/b")).inc();
    m.requests_total.with(&r("/a")).inc_by(2);
    m.requests_total.with(&r("/b")).inc();
    m.tenant_jobs
        .with(&Tenant {
            tenant: "acme".to_owned(),
            shard: 7,
            region: Cow::Borrowed("eu"),
            delta: -1,
        })
        .set(4);
    assert_eq!(
        text_of(&m),
        "\
# HELP requests_total Requests by route
# TYPE requests_total counter
requests_total{route=\"/b\",method=\"get\"} 2
requests_total{route=\"/a\",method=\"get\"} 2
# HELP tenant_jobs Tenants
# TYPE tenant_jobs gauge
tenant_jobs{tenant=\"acme\",shard=\"7\",region=\"eu\",delta=\"-1\"} 4
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"requests_total\"} 0
metrics_series_overflow_total{metric=\"tenant_jobs\"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"requests_total\"} 0
metrics_label_value_too_long_total{metric=\"tenant_jobs\"} 0
"
    );
    assert!(m.requests_total.remove(&r("/b")));
    assert!(!m.requests_total.remove(&r("/b")));
    assert!(m.requests_total.get(&r("/b")).is_none());
    m.requests_total.with(&r("/c")).inc();
    let text = text_of(&m);
    assert!(
        text.contains("requests_total{route=\"/a\",method=\"get\"} 2\nrequests_total{route=\"/c\",method=\"get\"} 1\n"),
        "{text}"
    );
    m.requests_total.clear();
    assert!(m.requests_total.is_empty());
}

#[test]
fn past_the_cap_records_go_to_the_overflow_series() {
    /// Capped.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Requests by route
        #[metric(max_series = 2)]
        requests_total: Family<Route, Counter>,
        /// Latency by route
        #[metric(max_series = 1, buckets = [1.0])]
        latency_seconds: Family<Route, Histogram>,
    }
    let m = Arc::new(Set::default());
    let get = |route| Route {
        route,
        method: Method::Get,
    };
    let post = |route| Route {
        route,
        method: Method::Post,
    };
    m.requests_total.with(&get("/a")).inc();
    m.requests_total.with(&get("/b")).inc();
    // Over the cap: new combinations are diverted, existing ones still record.
    m.requests_total.with(&get("/c")).inc();
    m.requests_total.with(&get("/d")).inc();
    m.requests_total.with(&post("/e")).inc();
    m.requests_total.with(&get("/a")).inc();
    assert_eq!(m.requests_total.diverted(), 3);
    assert_eq!(m.requests_total.len(), 4);
    m.latency_seconds.with(&get("/a")).observe(0.5);
    assert_eq!(
        text_of(&m),
        "\
# HELP requests_total Requests by route
# TYPE requests_total counter
requests_total{route=\"/a\",method=\"get\"} 2
requests_total{route=\"/b\",method=\"get\"} 1
requests_total{route=\"overflow\",method=\"get\"} 2
requests_total{route=\"overflow\",method=\"POST\"} 1
# HELP latency_seconds Latency by route
# TYPE latency_seconds histogram
latency_seconds_bucket{route=\"/a\",method=\"get\",le=\"1\"} 1
latency_seconds_bucket{route=\"/a\",method=\"get\",le=\"+Inf\"} 1
latency_seconds_sum{route=\"/a\",method=\"get\"} 0.5
latency_seconds_count{route=\"/a\",method=\"get\"} 1
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"requests_total\"} 3
metrics_series_overflow_total{metric=\"latency_seconds\"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"requests_total\"} 0
metrics_label_value_too_long_total{metric=\"latency_seconds\"} 0
"
    );
    let om = openmetrics_of(&m);
    assert!(
        om.ends_with(
            "# TYPE metrics_series_overflow counter\n# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap\nmetrics_series_overflow_total{metric=\"requests_total\"} 3\nmetrics_series_overflow_total{metric=\"latency_seconds\"} 0\n\
             # TYPE metrics_label_value_too_long counter\n# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len\nmetrics_label_value_too_long_total{metric=\"requests_total\"} 0\nmetrics_label_value_too_long_total{metric=\"latency_seconds\"} 0\n# EOF\n"
        ),
        "{om}"
    );
}

#[test]
fn memory_stays_bounded_under_unbounded_label_values() {
    /// Bounded.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Tenants
        #[metric(max_series = 100)]
        tenant_jobs_total: Family<Tenant, Counter>,
    }
    let m = Set::default();
    for i in 0..10_000 {
        m.tenant_jobs_total
            .with(&Tenant {
                tenant: format!("t{i}"),
                shard: 0,
                region: Cow::Borrowed("eu"),
                delta: 0,
            })
            .inc();
    }
    assert_eq!(m.tenant_jobs_total.len(), 101);
    assert_eq!(m.tenant_jobs_total.diverted(), 9_900);
    assert_eq!(m.tenant_jobs_total.max_series(), 100);
}

#[test]
fn default_cap_is_ten_thousand() {
    let f: Family<Route, Counter> = Family::new();
    assert_eq!(f.max_series(), metrics_core::DEFAULT_MAX_SERIES);
    assert_eq!(metrics_core::DEFAULT_MAX_SERIES, 10_000);
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Partition {
    shard: u32,
    offset: i64,
    primary: bool,
}

#[test]
fn integer_labels_of_the_overflow_series_read_overflow_too() {
    /// Capped, keyed by integers.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Writes by partition
        #[metric(max_series = 1)]
        writes_total: Family<Partition, Counter>,
    }
    let m = Arc::new(Set::default());
    let p = |shard, offset, primary| Partition {
        shard,
        offset,
        primary,
    };
    m.writes_total.with(&p(7, -3, true)).inc();
    m.writes_total.with(&p(8, 0, true)).inc_by(2);
    m.writes_total.with(&p(u32::MAX, i64::MIN, false)).inc();
    m.writes_total.with(&p(7, -3, true)).inc();
    // Every open-ended label of the overflow series reads `overflow`, whatever its Rust type (a
    // label value is text in both formats, so it needs no number); `bool` is fixed and keeps
    // its value, one overflow series per value. No real integer label reads `overflow`.
    assert_eq!(
        text_of(&m),
        "\
# HELP writes_total Writes by partition
# TYPE writes_total counter
writes_total{shard=\"7\",offset=\"-3\",primary=\"true\"} 2
writes_total{shard=\"overflow\",offset=\"overflow\",primary=\"false\"} 1
writes_total{shard=\"overflow\",offset=\"overflow\",primary=\"true\"} 2
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"writes_total\"} 2
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"writes_total\"} 0
"
    );
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE writes counter
# HELP writes Writes by partition
writes_total{shard=\"7\",offset=\"-3\",primary=\"true\"} 2
writes_total{shard=\"overflow\",offset=\"overflow\",primary=\"false\"} 1
writes_total{shard=\"overflow\",offset=\"overflow\",primary=\"true\"} 2
# TYPE metrics_series_overflow counter
# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap
metrics_series_overflow_total{metric=\"writes_total\"} 2
# TYPE metrics_label_value_too_long counter
# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
metrics_label_value_too_long_total{metric=\"writes_total\"} 0
# EOF
"
    );
}

/// A real label value `overflow` names the overflow series: it records there, before and after
/// the cap, so the exposition never holds two series with the same labels (which promtool and
/// the OpenMetrics parsers reject).
#[test]
fn a_real_overflow_value_is_the_overflow_series_not_a_second_one() {
    /// Capped.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Requests by route
        #[metric(max_series = 1)]
        requests_total: Family<Route, Counter>,
    }
    let m = Arc::new(Set::default());
    let get = |route: &'static str| Route {
        route,
        method: Method::Get,
    };
    // Before the cap: not a new series, and not diverted.
    m.requests_total.with(&get("overflow")).inc();
    assert_eq!(
        (m.requests_total.len(), m.requests_total.diverted()),
        (1, 0)
    );
    m.requests_total.with(&get("/a")).inc();
    // Past the cap, both go to the same overflow series.
    m.requests_total.with(&get("/b")).inc();
    m.requests_total.with(&get("overflow")).inc_by(5);
    assert_eq!(m.requests_total.diverted(), 1);
    assert_eq!(
        text_of(&m),
        "\
# HELP requests_total Requests by route
# TYPE requests_total counter
requests_total{route=\"/a\",method=\"get\"} 1
requests_total{route=\"overflow\",method=\"get\"} 7
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"requests_total\"} 1
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"requests_total\"} 0
"
    );
}
