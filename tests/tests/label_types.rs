//! Label types need no derive but the library's: a family keys open-ended series by a copy of
//! their values, so values that need escaping, values that run into each other and integers
//! are all told apart and found again, and every encoder reads them back as given.

use std::sync::Arc;

use metrics_core::{
    Counter, EncodeLabels, EncodeMetric, Family, Gauge, LabelEncoder, LabelSet, LabelValue,
    LabelValueRef, MetricEncoder, MetricSet,
};
use tests::text_of;

#[derive(LabelValue)]
#[label(rename_all = "snake_case")]
enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
struct Request {
    method: Method,
    route: String,
    tenant: &'static str,
}

#[derive(LabelSet)]
struct Shard {
    shard: u16,
    offset: i64,
}

/// Metrics keyed by label types without `Clone`, `Eq` or `Hash`.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Set {
    /// Requests
    requests_total: Family<Request, Counter>,
    /// Lag by shard
    lag: Family<Shard, Gauge>,
}

fn request(method: Method, route: &str, tenant: &'static str) -> Request {
    Request {
        method,
        route: route.to_owned(),
        tenant,
    }
}

#[test]
fn series_are_told_apart_and_found_by_their_values() {
    let m = Arc::new(Set::default());
    let awkward = "a\"b\\c\nd,route=\"x";
    for (method, route, tenant, n) in [
        (Method::Get, "/a", "t", 1),
        // Values running into each other: not the series above.
        (Method::Get, "/", "at", 2),
        (Method::Post, "/a", "t", 3),
        (Method::Get, awkward, "t", 4),
        // The same as the first, and the awkward one: found again.
        (Method::Get, "/a", "t", 10),
        (Method::Get, awkward, "t", 40),
    ] {
        m.requests_total
            .with(&request(method, route, tenant))
            .inc_by(n);
    }
    m.lag
        .with(&Shard {
            shard: 7,
            offset: -3,
        })
        .set(5);
    m.lag
        .with(&Shard {
            shard: 7,
            offset: 3,
        })
        .set(6);
    m.lag
        .with(&Shard {
            shard: 7,
            offset: -3,
        })
        .add(1);
    assert_eq!(m.requests_total.len(), 4);
    assert_eq!(
        m.requests_total
            .get(&request(Method::Get, awkward, "t"))
            .map(|c| c.get()),
        Some(44)
    );
    assert!(m
        .requests_total
        .get(&request(Method::Get, "a\"b\\c\nd", "t"))
        .is_none());
    assert_eq!(
        text_of(&m),
        "\
# HELP requests_total Requests
# TYPE requests_total counter
requests_total{method=\"get\",route=\"/a\",tenant=\"t\"} 11
requests_total{method=\"get\",route=\"/\",tenant=\"at\"} 2
requests_total{method=\"post\",route=\"/a\",tenant=\"t\"} 3
requests_total{method=\"get\",route=\"a\\\"b\\\\c\\nd,route=\\\"x\",tenant=\"t\"} 44
# HELP lag Lag by shard
# TYPE lag gauge
lag{shard=\"7\",offset=\"-3\"} 6
lag{shard=\"7\",offset=\"3\"} 6
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"requests_total\"} 0
metrics_series_overflow_total{metric=\"lag\"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"requests_total\"} 0
metrics_label_value_too_long_total{metric=\"lag\"} 0
"
    );
    assert!(m.requests_total.remove(&request(Method::Get, awkward, "t")));
    assert!(!m.requests_total.remove(&request(Method::Get, awkward, "t")));
    assert_eq!(m.requests_total.len(), 3);
}

/// Every label an encoder other than the text formats receives, as `name=value` with the value
/// unescaped, integers marked with their type.
#[derive(Default)]
struct Pairs(Vec<String>);

impl LabelEncoder for Pairs {
    fn label(&mut self, name: &str, value: LabelValueRef<'_>) {
        let value = match value {
            LabelValueRef::Str(s) => s.to_owned(),
            LabelValueRef::I64(v) => format!("{v}i64"),
            LabelValueRef::U64(v) => format!("{v}u64"),
        };
        self.0.push(format!("{name}={value}"));
    }
}

impl MetricEncoder for Pairs {
    fn counter(&mut self, labels: &dyn EncodeLabels, value: u64) {
        labels.encode(self);
        self.0.push(format!("-> {value}"));
    }
    fn gauge(&mut self, labels: &dyn EncodeLabels, value: i64) {
        labels.encode(self);
        self.0.push(format!("-> {value}"));
    }
    fn float_gauge(&mut self, _: &dyn EncodeLabels, _: f64) {}
    fn histogram(&mut self, _: &dyn EncodeLabels, _: &dyn metrics_core::EncodeHistogram) {}
}

#[test]
fn encoders_read_the_label_values_back_as_given() {
    let m = Set::default();
    let awkward = "a\"b\\c\nd,route=\"x";
    m.requests_total
        .with(&request(Method::Post, awkward, "t"))
        .inc();
    m.requests_total
        .with(&request(Method::Get, "ü ✓", "\\"))
        .inc_by(2);
    m.lag
        .with(&Shard {
            shard: u16::MAX,
            offset: i64::MIN,
        })
        .set(1);
    let mut pairs = Pairs::default();
    m.requests_total.encode(&mut pairs);
    m.lag.encode(&mut pairs);
    assert_eq!(
        pairs.0,
        [
            "method=post",
            &format!("route={awkward}"),
            "tenant=t",
            "-> 1",
            "method=get",
            "route=ü ✓",
            "tenant=\\",
            "-> 2",
            "shard=65535u64",
            "offset=-9223372036854775808i64",
            "-> 1",
        ]
    );
}
