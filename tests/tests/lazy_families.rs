//! `#[metric(lazy)]`: a family of fixed-cardinality labels that exports only the combinations
//! recorded into, instead of every one at zero; and what `get`, `remove` and `clear` do to its
//! series.

use std::sync::Arc;

use metrics_core::{Counter, Family, Histogram, LabelSet, LabelValue, MetricOptions, MetricSet};
use tests::{openmetrics_of, text_of};

#[derive(Clone, Copy, LabelValue)]
#[label(rename_all = "snake_case")]
enum Method {
    Get,
    Post,
    Delete,
}

#[derive(Clone, Copy, LabelValue)]
#[label(rename_all = "snake_case")]
enum Route {
    Users,
    Orders,
    Health,
}

#[derive(LabelSet)]
struct Labels {
    method: Method,
    route: Route,
}

/// The same histogram and counter, eager and lazy.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Requests {
    /// Latency, every combination from the start
    latency_seconds: Family<Labels, Histogram>,
    /// Latency, recorded combinations only
    #[metric(lazy)]
    lazy_latency_seconds: Family<Labels, Histogram>,
    /// Requests, recorded combinations only
    #[metric(lazy)]
    requests_total: Family<Labels, Counter>,
}

fn exposed_lines(text: &str, metric: &str) -> usize {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}_")) || l.starts_with(&format!("{metric}{{")))
        .count()
}

#[test]
fn a_lazy_family_exports_what_was_recorded() {
    let m = Arc::new(Requests::default());
    let get_users = Labels {
        method: Method::Get,
        route: Route::Users,
    };
    let post_orders = Labels {
        method: Method::Post,
        route: Route::Orders,
    };
    // Nothing recorded: 3 methods x 3 routes x 14 lines (11 bounds, +Inf, sum, count) for the
    // eager family, none for the lazy ones.
    let text = text_of(&m);
    assert_eq!(exposed_lines(&text, "latency_seconds"), 126);
    assert_eq!(exposed_lines(&text, "lazy_latency_seconds"), 0);
    assert_eq!(exposed_lines(&text, "requests_total"), 0);
    assert!(m.requests_total.is_lazy() && !m.latency_seconds.is_lazy());
    assert_eq!((m.requests_total.len(), m.latency_seconds.len()), (0, 9));
    assert!(m.requests_total.get(&get_users).is_none());

    m.requests_total.with(&post_orders).inc_by(2);
    m.requests_total.with(&get_users).inc();
    m.lazy_latency_seconds.with(&get_users).observe(0.2);
    // Taking the series counts as recording: the series shows, at zero.
    let _ = m.lazy_latency_seconds.with(&post_orders);
    assert_eq!(m.requests_total.len(), 2);
    assert_eq!(m.requests_total.get(&get_users).map(|c| c.get()), Some(1));

    let text = text_of(&m);
    let lazy: String = text
        .lines()
        .filter(|l| !l.contains("latency_seconds") || l.contains("lazy_latency_seconds"))
        .map(|l| format!("{l}\n"))
        .collect();
    // In the order of the label combinations, whatever the order of the first records.
    assert_eq!(
        lazy,
        "\
# HELP lazy_latency_seconds Latency, recorded combinations only
# TYPE lazy_latency_seconds histogram
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"0.005\"} 0
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"0.01\"} 0
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"0.025\"} 0
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"0.05\"} 0
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"0.1\"} 0
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"0.25\"} 1
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"0.5\"} 1
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"1\"} 1
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"2.5\"} 1
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"5\"} 1
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"10\"} 1
lazy_latency_seconds_bucket{method=\"get\",route=\"users\",le=\"+Inf\"} 1
lazy_latency_seconds_sum{method=\"get\",route=\"users\"} 0.2
lazy_latency_seconds_count{method=\"get\",route=\"users\"} 1
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"0.005\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"0.01\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"0.025\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"0.05\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"0.1\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"0.25\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"0.5\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"1\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"2.5\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"5\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"10\"} 0
lazy_latency_seconds_bucket{method=\"post\",route=\"orders\",le=\"+Inf\"} 0
lazy_latency_seconds_sum{method=\"post\",route=\"orders\"} 0
lazy_latency_seconds_count{method=\"post\",route=\"orders\"} 0
# HELP requests_total Requests, recorded combinations only
# TYPE requests_total counter
requests_total{method=\"get\",route=\"users\"} 1
requests_total{method=\"post\",route=\"orders\"} 2
"
    );
    assert_eq!(exposed_lines(&text, "latency_seconds"), 126);
}

#[test]
fn remove_and_clear_hide_lazy_series_until_recorded_again() {
    /// Lazy counters.
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Set {
        /// Requests
        #[metric(lazy)]
        requests_total: Family<Labels, Counter>,
    }
    let m = Arc::new(Set::default());
    let l = |method, route| Labels { method, route };
    m.requests_total
        .with(&l(Method::Get, Route::Users))
        .inc_by(5);
    m.requests_total
        .with(&l(Method::Delete, Route::Health))
        .inc();

    // `remove` resets the series and hides it: it existed once.
    assert!(m.requests_total.remove(&l(Method::Get, Route::Users)));
    assert!(!m.requests_total.remove(&l(Method::Get, Route::Users)));
    assert!(!m.requests_total.remove(&l(Method::Post, Route::Users)));
    assert!(m
        .requests_total
        .get(&l(Method::Get, Route::Users))
        .is_none());
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE requests counter
# HELP requests Requests
requests_total{method=\"delete\",route=\"health\"} 1
# EOF
"
    );
    // Recorded again, it shows again, from zero.
    m.requests_total.with(&l(Method::Get, Route::Users)).inc();
    assert_eq!(
        openmetrics_of(&m),
        "\
# TYPE requests counter
# HELP requests Requests
requests_total{method=\"get\",route=\"users\"} 1
requests_total{method=\"delete\",route=\"health\"} 1
# EOF
"
    );

    // `clear` resets and hides every series.
    m.requests_total.clear();
    assert!(m.requests_total.is_empty());
    assert_eq!(
        openmetrics_of(&m),
        "# TYPE requests counter\n# HELP requests Requests\n# EOF\n"
    );
    m.requests_total
        .with(&l(Method::Delete, Route::Health))
        .inc();
    assert_eq!(m.requests_total.len(), 1);
    assert_eq!(
        m.requests_total
            .get(&l(Method::Delete, Route::Health))
            .map(|c| c.get()),
        Some(1)
    );
}

#[test]
fn a_family_built_at_run_time_can_be_lazy() {
    let lazy = Family::<Labels, Counter>::with_options(MetricOptions {
        lazy: true,
        ..MetricOptions::default()
    });
    assert!(lazy.is_lazy() && lazy.is_empty());
    lazy.with(&Labels {
        method: Method::Post,
        route: Route::Health,
    })
    .inc();
    assert_eq!(lazy.len(), 1);

    // More than 64 combinations: several words of flags.
    #[derive(LabelSet)]
    struct Wide {
        a: Method,
        b: Route,
        c: Method,
        d: Route,
        up: bool,
    }
    let wide = Family::<Wide, Histogram>::with_options(MetricOptions {
        lazy: true,
        ..MetricOptions::default()
    });
    let last = Wide {
        a: Method::Delete,
        b: Route::Health,
        c: Method::Delete,
        d: Route::Health,
        up: true,
    };
    let first = Wide {
        a: Method::Get,
        b: Route::Users,
        c: Method::Get,
        d: Route::Users,
        up: false,
    };
    wide.with(&last).observe(1.0);
    wide.with(&first).observe(1.0);
    assert_eq!(wide.len(), 2);
    assert!(wide.remove(&last));
    assert_eq!(wide.len(), 1);
    assert!(wide.get(&last).is_none());
    assert_eq!(wide.get(&first).map(|h| h.count()), Some(1));

    // On open-ended labels, `lazy` changes nothing: their series already appear when recorded.
    #[derive(LabelSet)]
    struct Open {
        route: String,
    }
    let open = Family::<Open, Counter>::with_options(MetricOptions {
        lazy: true,
        ..MetricOptions::default()
    });
    assert!(!open.is_lazy() && open.is_empty());
}
