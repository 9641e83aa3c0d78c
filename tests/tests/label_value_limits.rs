//! Where the longest label value comes from: `#[metric(max_label_value_len = N)]` on a family,
//! else the process-wide default (1,024 bytes, `set_default_max_label_value_len`), which also
//! bounds the instance labels a registry accepts. Its own binary: it changes the process-wide
//! default.

use std::sync::Arc;

use metrics_core::{
    default_max_label_value_len, set_default_max_label_value_len, Counter, Family, Gauge, LabelSet,
    LabelValue, MetricSet, Registry, RegistryError, DEFAULT_MAX_LABEL_VALUE_LEN,
};
use tests::text_of;

#[derive(LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(LabelSet)]
struct Request {
    method: Method,
    user_agent: String,
    code: i64,
}

/// Requests with a tight limit, and with the default one.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Requests {
    /// Requests by user agent
    #[metric(max_label_value_len = 8)]
    requests_total: Family<Request, Counter>,
    /// Requests in progress by user agent
    in_flight: Family<Request, Gauge>,
}

fn request(method: Method, user_agent: &str, code: i64) -> Request {
    Request {
        method,
        user_agent: user_agent.to_owned(),
        code,
    }
}

#[test]
fn a_family_limit_sends_longer_values_to_the_overflow_series() {
    let m = Arc::new(Requests::default());
    assert_eq!(m.requests_total.max_label_value_len(), 8);
    // Exactly 8 bytes (`ü` is two): a series. 9 bytes: the overflow series of its fixed
    // labels. An integer label is as long as its decimal text.
    m.requests_total
        .with(&request(Method::Get, "curl/8.x", 200))
        .inc();
    m.requests_total
        .with(&request(Method::Get, "ü-agent", -1))
        .inc();
    m.requests_total
        .with(&request(Method::Get, "curl/8.xy", 200))
        .inc();
    m.requests_total
        .with(&request(Method::Post, "curl/8.xy", 200))
        .inc_by(2);
    m.requests_total
        .with(&request(Method::Post, "curl", -100_000_000))
        .inc();
    m.requests_total
        .with(&request(Method::Get, "curl", 12_345_678))
        .inc();
    assert_eq!(
        (m.requests_total.too_long(), m.requests_total.diverted()),
        (3, 0)
    );
    // (`in_flight` follows the process-wide default, which the other test of this binary
    // changes: it stays empty here.)
    assert_eq!(
        text_of(&m),
        "\
# HELP requests_total Requests by user agent
# TYPE requests_total counter
requests_total{method=\"Get\",user_agent=\"curl/8.x\",code=\"200\"} 1
requests_total{method=\"Get\",user_agent=\"ü-agent\",code=\"-1\"} 1
requests_total{method=\"Get\",user_agent=\"curl\",code=\"12345678\"} 1
requests_total{method=\"Get\",user_agent=\"overflow\",code=\"overflow\"} 1
requests_total{method=\"Post\",user_agent=\"overflow\",code=\"overflow\"} 3
# HELP in_flight Requests in progress by user agent
# TYPE in_flight gauge
# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{metric=\"requests_total\"} 0
metrics_series_overflow_total{metric=\"in_flight\"} 0
# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
# TYPE metrics_label_value_too_long_total counter
metrics_label_value_too_long_total{metric=\"requests_total\"} 3
metrics_label_value_too_long_total{metric=\"in_flight\"} 0
"
    );
}

/// A set registered with instance labels.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Backend {
    /// Jobs
    jobs_total: Counter,
}

#[test]
fn the_process_wide_default_bounds_families_and_instance_labels() {
    assert_eq!(DEFAULT_MAX_LABEL_VALUE_LEN, 1024);
    assert_eq!(default_max_label_value_len(), 1024);
    let m = Requests::default();
    assert_eq!(m.in_flight.max_label_value_len(), 1024);
    let long = "x".repeat(1025);
    m.in_flight
        .with(&request(Method::Get, &long[..1024], 0))
        .inc();
    m.in_flight.with(&request(Method::Get, &long, 0)).inc();
    assert_eq!((m.in_flight.len(), m.in_flight.too_long()), (2, 1));

    let registry = Registry::new();
    let err = registry
        .try_register_with_labels(Arc::new(Backend::default()), &[("backend", &long)])
        .unwrap_err();
    assert_eq!(
        err,
        RegistryError::LabelValueTooLong {
            set: "Backend",
            label: "backend".to_owned(),
            len: 1025,
            max: 1024,
        }
    );
    assert_eq!(
        err.to_string(),
        "cannot register `Backend`: the value of instance label `backend` is 1025 bytes long, longer than the 1024 bytes label values may have"
    );
    registry.register_with_labels(Arc::new(Backend::default()), &[("backend", &long[..1024])]);

    // A new default applies to the series created from then on, in families without their own
    // limit, and to instance labels.
    set_default_max_label_value_len(4);
    assert_eq!(default_max_label_value_len(), 4);
    assert_eq!(
        (
            m.in_flight.max_label_value_len(),
            m.requests_total.max_label_value_len()
        ),
        (4, 8)
    );
    m.in_flight.with(&request(Method::Post, "abcd", 0)).inc();
    m.in_flight.with(&request(Method::Post, "abcde", 0)).inc();
    m.requests_total
        .with(&request(Method::Post, "abcde", 0))
        .inc();
    assert_eq!((m.in_flight.len(), m.in_flight.too_long()), (4, 2));
    assert_eq!(
        (m.requests_total.len(), m.requests_total.too_long()),
        (1, 0)
    );
    // The existing series stay.
    assert_eq!(
        m.in_flight
            .get(&request(Method::Get, &long[..1024], 0))
            .map(|g| g.get()),
        Some(1)
    );
    assert!(matches!(
        registry.try_register_with_labels(Arc::new(Backend::default()), &[("backend", "cuda!")]),
        Err(RegistryError::LabelValueTooLong { len: 5, max: 4, .. })
    ));
    set_default_max_label_value_len(DEFAULT_MAX_LABEL_VALUE_LEN);
}
