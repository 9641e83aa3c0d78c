//! The `metrics` facade recorder (`metrics_core::facade`), each test with a registry and a
//! recorder of its own, reached as the thread's local `metrics` recorder: recording goes through
//! the `metrics` macros only. Naming rules, refusals, the series cap, idle expiry under a clock
//! moved by hand, buckets per pattern, HELP and UNIT, whole expositions.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_core::facade::{FacadeBuilder, FacadeError, FacadeRecorder, Refusal};
use metrics_core::{
    Counter, EncodeExponentialHistogram, EncodeHistogram, EncodeLabels, MetricDesc, MetricEncoder,
    MetricSet, Registry, RegistryEncoder,
};
use metrics_export::{encode_openmetrics, encode_text};

/// A recorder exporting into `registry`, with `configure`'s settings.
fn facade(
    registry: &Registry,
    configure: impl FnOnce(FacadeBuilder<'_>) -> FacadeBuilder<'_>,
) -> FacadeRecorder {
    configure(FacadeBuilder::new().registry(registry))
        .build()
        .unwrap()
}

/// The recorder's self-metric block, with these counts by reason (`invalid_name`,
/// `invalid_label`, `type_mismatch`, `clash`, `family_limit`).
fn refused(counts: [u64; 5]) -> String {
    let mut out = String::from(
        "# HELP metrics_facade_refused_total Registrations (counter!, gauge! and histogram! calls) refused by the metrics facade recorder, by reason\n\
         # TYPE metrics_facade_refused_total counter\n",
    );
    let reasons = [
        "invalid_name",
        "invalid_label",
        "type_mismatch",
        "clash",
        "family_limit",
    ];
    for (reason, n) in reasons.iter().zip(counts) {
        out.push_str(&format!(
            "metrics_facade_refused_total{{reason=\"{reason}\"}} {n}\n"
        ));
    }
    out
}

/// The registry's self-metric blocks of capped families, one series per family: the
/// registrations sent to the overflow series at the cap, then those with a label value too long.
fn overflow(families: &[(&str, u64, u64)]) -> String {
    let mut out = String::from(
        "# HELP metrics_series_overflow_total Records diverted to an overflow series because their family had reached its series cap\n\
         # TYPE metrics_series_overflow_total counter\n",
    );
    for (metric, n, _) in families {
        out.push_str(&format!(
            "metrics_series_overflow_total{{metric=\"{metric}\"}} {n}\n"
        ));
    }
    out.push_str(
        "# HELP metrics_label_value_too_long_total Records diverted to an overflow series because a label value was longer than their family's max_label_value_len\n\
         # TYPE metrics_label_value_too_long_total counter\n",
    );
    for (metric, _, n) in families {
        out.push_str(&format!(
            "metrics_label_value_too_long_total{{metric=\"{metric}\"}} {n}\n"
        ));
    }
    out
}

const DEFAULT_HELP: &str = "recorded through the metrics facade";

#[test]
fn names_take_the_fixes_of_the_naming_rules() {
    let registry = Registry::new();
    let recorder = facade(&registry, |b| b);
    metrics::with_local_recorder(&recorder, || {
        metrics::counter!("http.requests", "http.method" => "GET").increment(1);
        // The same series, named as exported.
        metrics::counter!("http_requests_total", "http_method" => "GET").increment(1);
        metrics::counter!("HTTP.Errors", "statusCode" => "500").increment(1);
        metrics::gauge!("queueDepth").set(3.0);
        metrics::gauge!("connections_total").set(2.0);
        metrics::gauge!("jobs_count").set(4.0);
        metrics::counter!("2xx").increment(4);
        // `°` and ` ` are `_`; `C` is lowercase, a single `_` before it.
        metrics::gauge!("temperature °C").set(21.5);
    });
    assert_eq!(recorder.refused(Refusal::InvalidName), 0);
    let expected = format!(
        "\
# HELP _2xx_total {DEFAULT_HELP}
# TYPE _2xx_total counter
_2xx_total 4
# HELP connections {DEFAULT_HELP}
# TYPE connections gauge
connections 2
# HELP http_errors_total {DEFAULT_HELP}
# TYPE http_errors_total counter
http_errors_total{{status_code=\"500\"}} 1
# HELP http_requests_total {DEFAULT_HELP}
# TYPE http_requests_total counter
http_requests_total{{http_method=\"GET\"}} 2
# HELP jobs {DEFAULT_HELP}
# TYPE jobs gauge
jobs 4
# HELP queue_depth {DEFAULT_HELP}
# TYPE queue_depth gauge
queue_depth 3
# HELP temperature_c {DEFAULT_HELP}
# TYPE temperature_c gauge
temperature_c 21.5
{}{}",
        refused([0; 5]),
        overflow(&[
            ("_2xx_total", 0, 0),
            ("connections", 0, 0),
            ("http_errors_total", 0, 0),
            ("http_requests_total", 0, 0),
            ("jobs", 0, 0),
            ("queue_depth", 0, 0),
            ("temperature_c", 0, 0),
        ])
    );
    assert_eq!(encode_text(&registry), expected);
}

/// A derived set in the same registry.
#[derive(MetricSet)]
#[metric_set(global = false)]
pub struct Jobs {
    /// Jobs done
    pub jobs_total: Counter,
}

#[test]
fn refused_registrations_are_counted_by_reason_and_record_nowhere() {
    let registry = Registry::new();
    let jobs = Arc::new(Jobs::default());
    registry.register(Arc::clone(&jobs));
    let recorder = facade(&registry, |b| b.max_families(3));
    metrics::with_local_recorder(&recorder, || {
        // invalid_name: a type word, a unit that is not a base unit, nothing left.
        metrics::gauge!("queue_gauge").set(1.0);
        metrics::histogram!("latency_ms").record(3.0);
        metrics::counter!("...").increment(1);
        // invalid_label: `le` on a histogram, two label names that are one once fixed.
        metrics::histogram!("wait_seconds", "le" => "1").record(1.0);
        metrics::counter!("hits", "a.b" => "1", "a_b" => "2").increment(1);
        // clash: a derived set's metric; a sample name of another facade family.
        let taken = metrics::counter!("jobs");
        taken.increment(7);
        metrics::counter!("x_count").increment(1);
        metrics::histogram!("x").record(1.0);
        // type_mismatch: the same name for another type.
        metrics::counter!("work").increment(2);
        let gauge = metrics::gauge!("work");
        gauge.set(9.0);
        // family_limit: `work_total`, `x_count_total` and `depth` are the three families.
        metrics::gauge!("depth").set(1.0);
        metrics::gauge!("height").set(1.0);
        // Each registration counts.
        metrics::gauge!("height").set(2.0);
    });
    assert_eq!(jobs.jobs_total.get(), 0);
    let counts = Refusal::ALL.map(|r| recorder.refused(r));
    assert_eq!(counts, [3, 2, 1, 2, 2]);
    let expected = format!(
        "\
# HELP jobs_total Jobs done
# TYPE jobs_total counter
jobs_total 0
# HELP depth {DEFAULT_HELP}
# TYPE depth gauge
depth 1
# HELP work_total {DEFAULT_HELP}
# TYPE work_total counter
work_total 2
# HELP x_count_total {DEFAULT_HELP}
# TYPE x_count_total counter
x_count_total 1
{}{}",
        refused(counts),
        overflow(&[
            ("depth", 0, 0),
            ("work_total", 0, 0),
            ("x_count_total", 0, 0)
        ])
    );
    assert_eq!(encode_text(&registry), expected);
}

#[test]
fn a_set_registered_later_wins_its_names() {
    let registry = Registry::new();
    let recorder = facade(&registry, |b| b.max_families(2));
    let jobs = metrics::with_local_recorder(&recorder, || {
        let jobs = metrics::counter!("jobs", "queue" => "mail");
        jobs.increment(3);
        metrics::gauge!("backlog").set(2.0);
        metrics::gauge!("workers").set(4.0); // a third family: refused
        jobs
    });
    assert_eq!(recorder.refused(Refusal::FamilyLimit), 1);
    registry.register(Arc::new(Jobs::default()));
    // The family gave way: its handles record nowhere, its name is refused, and its place
    // is free.
    jobs.increment(1);
    metrics::with_local_recorder(&recorder, || {
        metrics::counter!("jobs", "queue" => "mail").increment(1);
        metrics::gauge!("workers").set(5.0);
    });
    assert_eq!(recorder.refused(Refusal::Clash), 2);
    let expected = format!(
        "\
# HELP jobs_total Jobs done
# TYPE jobs_total counter
jobs_total 0
# HELP backlog {DEFAULT_HELP}
# TYPE backlog gauge
backlog 2
# HELP workers {DEFAULT_HELP}
# TYPE workers gauge
workers 5
{}{}",
        refused([0, 0, 0, 2, 1]),
        overflow(&[("backlog", 0, 0), ("workers", 0, 0)])
    );
    assert_eq!(encode_text(&registry), expected);
}

#[test]
fn families_are_capped_with_an_overflow_series() {
    let registry = Registry::new();
    let recorder = facade(&registry, |b| b.max_series(2).max_label_value_len(8));
    metrics::with_local_recorder(&recorder, || {
        for path in ["/a", "/b", "/c", "/a"] {
            metrics::counter!("requests", "path" => path).increment(1);
        }
        // Other label names: the overflow series keeps the first ones seen.
        metrics::counter!("requests", "path" => "/d", "code" => "200").increment(10);
        // The overflow label set itself is that one series, and not a diverted registration.
        metrics::counter!("requests", "path" => "overflow").increment(100);
        // Longer than 8 bytes: no series of its own, whatever the cap.
        metrics::gauge!("sessions", "user" => "motoko").set(1.0);
        metrics::gauge!("sessions", "user" => "kusanagi-motoko").set(5.0);
    });
    let expected = format!(
        "\
# HELP requests_total {DEFAULT_HELP}
# TYPE requests_total counter
requests_total{{path=\"/a\"}} 2
requests_total{{path=\"/b\"}} 1
requests_total{{path=\"overflow\"}} 111
# HELP sessions {DEFAULT_HELP}
# TYPE sessions gauge
sessions{{user=\"motoko\"}} 1
sessions{{user=\"overflow\"}} 5
{}{}",
        refused([0; 5]),
        overflow(&[("requests_total", 2, 0), ("sessions", 0, 1)])
    );
    assert_eq!(encode_text(&registry), expected);
}

/// A clock that moves only when told to.
#[derive(Clone)]
struct HandClock {
    start: Instant,
    seconds: Arc<AtomicU64>,
}

impl HandClock {
    fn new() -> Self {
        HandClock {
            start: Instant::now(),
            seconds: Arc::new(AtomicU64::new(0)),
        }
    }

    fn set(&self, seconds: u64) {
        self.seconds.store(seconds, Ordering::Relaxed);
    }

    fn now(&self) -> Instant {
        self.start + Duration::from_secs(self.seconds.load(Ordering::Relaxed))
    }
}

#[test]
fn idle_series_expire_when_the_registry_is_read() {
    let clock = HandClock::new();
    let registry = Registry::new();
    let recorder = {
        let clock = clock.clone();
        facade(&registry, move |b| {
            b.idle_timeout(Duration::from_secs(60))
                .clock(move || clock.now())
        })
    };
    let scrape = |jobs: &str| {
        format!(
            "# HELP jobs_total {DEFAULT_HELP}\n# TYPE jobs_total counter\n{jobs}{}{}",
            refused([0; 5]),
            overflow(&[("jobs_total", 0, 0)])
        )
    };
    let held = metrics::with_local_recorder(&recorder, || {
        let held = metrics::counter!("jobs", "queue" => "held");
        held.increment(1);
        metrics::counter!("jobs", "queue" => "a").increment(1);
        metrics::counter!("jobs", "queue" => "b").increment(1);
        held
    });
    assert_eq!(
        encode_text(&registry),
        scrape(
            "jobs_total{queue=\"held\"} 1\njobs_total{queue=\"a\"} 1\njobs_total{queue=\"b\"} 1\n"
        )
    );
    clock.set(30);
    metrics::with_local_recorder(&recorder, || {
        metrics::counter!("jobs", "queue" => "a").increment(1);
    });
    assert_eq!(
        encode_text(&registry),
        scrape(
            "jobs_total{queue=\"held\"} 1\njobs_total{queue=\"a\"} 2\njobs_total{queue=\"b\"} 1\n"
        )
    );
    // 59 s after the read that last saw `held` and `b` recorded: still there.
    clock.set(59);
    assert_eq!(
        encode_text(&registry),
        scrape(
            "jobs_total{queue=\"held\"} 1\njobs_total{queue=\"a\"} 2\njobs_total{queue=\"b\"} 1\n"
        )
    );
    // 60 s: both expire; `a`, seen recorded by the read at 30 s, stays.
    clock.set(60);
    assert_eq!(
        encode_text(&registry),
        scrape("jobs_total{queue=\"a\"} 2\n")
    );
    // The kept handle brings its series back, with its value, in its place; `b`, held by
    // nothing, was forgotten, and starts again from zero, last.
    held.increment(1);
    metrics::with_local_recorder(&recorder, || {
        metrics::counter!("jobs", "queue" => "b").increment(1);
    });
    assert_eq!(
        encode_text(&registry),
        scrape(
            "jobs_total{queue=\"held\"} 2\njobs_total{queue=\"a\"} 2\njobs_total{queue=\"b\"} 1\n"
        )
    );
    // Nothing recorded for 60 s after the last read: every series goes, the family stays.
    clock.set(120);
    assert_eq!(encode_text(&registry), scrape(""));
}

#[test]
fn a_handle_that_comes_back_past_the_cap_records_into_the_overflow_series() {
    let clock = HandClock::new();
    let registry = Registry::new();
    let recorder = {
        let clock = clock.clone();
        facade(&registry, move |b| {
            b.max_series(1)
                .idle_timeout(Duration::from_secs(10))
                .clock(move || clock.now())
        })
    };
    let held = metrics::with_local_recorder(&recorder, || metrics::gauge!("peers", "id" => "a"));
    held.set(1.0);
    encode_text(&registry);
    clock.set(10);
    encode_text(&registry); // `a` expires
    metrics::with_local_recorder(&recorder, || {
        metrics::gauge!("peers", "id" => "b").set(2.0);
    });
    // The family is at its cap: `a` stays out, its record goes to the overflow series.
    held.set(3.0);
    let expected = format!(
        "\
# HELP peers {DEFAULT_HELP}
# TYPE peers gauge
peers{{id=\"b\"}} 2
peers{{id=\"overflow\"}} 3
{}{}",
        refused([0; 5]),
        overflow(&[("peers", 1, 0)])
    );
    assert_eq!(encode_text(&registry), expected);
}

#[test]
fn buckets_are_chosen_by_pattern() {
    let registry = Registry::new();
    let recorder = facade(&registry, |b| {
        b.buckets_for("*_seconds", &[0.1, 1.0])
            .buckets_for("db_*", &[10.0, 100.0])
            .buckets_for("*", &[5.0])
    });
    metrics::with_local_recorder(&recorder, || {
        metrics::histogram!("rpc_seconds").record(0.5);
        // The first pattern that matches wins.
        metrics::histogram!("db_wait_seconds").record(0.05);
        metrics::histogram!("db_rows").record(42.0);
        metrics::histogram!("payload").record(7.0);
    });
    let expected = format!(
        "\
# HELP db_rows {DEFAULT_HELP}
# TYPE db_rows histogram
db_rows_bucket{{le=\"10\"}} 0
db_rows_bucket{{le=\"100\"}} 1
db_rows_bucket{{le=\"+Inf\"}} 1
db_rows_sum 42
db_rows_count 1
# HELP db_wait_seconds {DEFAULT_HELP}
# TYPE db_wait_seconds histogram
db_wait_seconds_bucket{{le=\"0.1\"}} 1
db_wait_seconds_bucket{{le=\"1\"}} 1
db_wait_seconds_bucket{{le=\"+Inf\"}} 1
db_wait_seconds_sum 0.05
db_wait_seconds_count 1
# HELP payload {DEFAULT_HELP}
# TYPE payload histogram
payload_bucket{{le=\"5\"}} 0
payload_bucket{{le=\"+Inf\"}} 1
payload_sum 7
payload_count 1
# HELP rpc_seconds {DEFAULT_HELP}
# TYPE rpc_seconds histogram
rpc_seconds_bucket{{le=\"0.1\"}} 0
rpc_seconds_bucket{{le=\"1\"}} 1
rpc_seconds_bucket{{le=\"+Inf\"}} 1
rpc_seconds_sum 0.5
rpc_seconds_count 1
{}{}",
        refused([0; 5]),
        overflow(&[
            ("db_rows", 0, 0),
            ("db_wait_seconds", 0, 0),
            ("payload", 0, 0),
            ("rpc_seconds", 0, 0)
        ])
    );
    assert_eq!(encode_text(&registry), expected);

    // Without a pattern that matches: the Prometheus default buckets.
    let registry = Registry::new();
    let other = facade(&registry, |b| b.buckets_for("*_bytes", &[1024.0]));
    metrics::with_local_recorder(&other, || {
        metrics::histogram!("rpc_seconds").record(0.5);
    });
    assert!(encode_text(&registry).contains(
        "\
rpc_seconds_bucket{le=\"0.005\"} 0
rpc_seconds_bucket{le=\"0.01\"} 0
rpc_seconds_bucket{le=\"0.025\"} 0
rpc_seconds_bucket{le=\"0.05\"} 0
rpc_seconds_bucket{le=\"0.1\"} 0
rpc_seconds_bucket{le=\"0.25\"} 0
rpc_seconds_bucket{le=\"0.5\"} 1
rpc_seconds_bucket{le=\"1\"} 1
rpc_seconds_bucket{le=\"2.5\"} 1
rpc_seconds_bucket{le=\"5\"} 1
rpc_seconds_bucket{le=\"10\"} 1
rpc_seconds_bucket{le=\"+Inf\"} 1
rpc_seconds_sum 0.5
rpc_seconds_count 1
"
    ));
}

#[test]
fn descriptions_give_help_and_base_units() {
    use metrics::Unit;
    let registry = Registry::new();
    let recorder = facade(&registry, |b| b.buckets_for("*", &[0.5]));
    metrics::with_local_recorder(&recorder, || {
        metrics::describe_histogram!("rpc_seconds", Unit::Seconds, "RPC latency");
        metrics::histogram!("rpc_seconds").record(0.25);
        metrics::counter!("sent_bytes").increment(512);
        metrics::describe_gauge!("cache_size", Unit::Kibibytes, "Cache size, KiB");
        metrics::gauge!("cache_size").set(64.0);
        // A base unit the name does not end with: no `# UNIT`.
        metrics::describe_gauge!("uptime", Unit::Seconds, "Time since start");
        metrics::gauge!("uptime").set(90.0);
    });
    // Before its description, a name that ends with a base unit has that unit.
    let before = encode_openmetrics(&registry);
    assert!(before.contains(&format!(
        "# TYPE sent_bytes counter\n# UNIT sent_bytes bytes\n# HELP sent_bytes {DEFAULT_HELP}\nsent_bytes_total 512\n"
    )));
    // A late description: from the next read on.
    metrics::with_local_recorder(&recorder, || {
        metrics::describe_counter!("sent_bytes", Unit::Bytes, "Bytes sent");
    });
    assert_eq!(
        encode_openmetrics(&registry),
        "\
# TYPE cache_size gauge
# HELP cache_size Cache size, KiB
cache_size 64.0
# TYPE rpc_seconds histogram
# UNIT rpc_seconds seconds
# HELP rpc_seconds RPC latency
rpc_seconds_bucket{le=\"0.5\"} 1
rpc_seconds_bucket{le=\"+Inf\"} 1
rpc_seconds_sum 0.25
rpc_seconds_count 1
# TYPE sent_bytes counter
# UNIT sent_bytes bytes
# HELP sent_bytes Bytes sent
sent_bytes_total 512
# TYPE uptime gauge
# HELP uptime Time since start
uptime 90.0
# TYPE metrics_facade_refused counter
# HELP metrics_facade_refused Registrations (counter!, gauge! and histogram! calls) refused by the metrics facade recorder, by reason
metrics_facade_refused_total{reason=\"invalid_name\"} 0
metrics_facade_refused_total{reason=\"invalid_label\"} 0
metrics_facade_refused_total{reason=\"type_mismatch\"} 0
metrics_facade_refused_total{reason=\"clash\"} 0
metrics_facade_refused_total{reason=\"family_limit\"} 0
# TYPE metrics_series_overflow counter
# HELP metrics_series_overflow Records diverted to an overflow series because their family had reached its series cap
metrics_series_overflow_total{metric=\"cache_size\"} 0
metrics_series_overflow_total{metric=\"rpc_seconds\"} 0
metrics_series_overflow_total{metric=\"sent_bytes_total\"} 0
metrics_series_overflow_total{metric=\"uptime\"} 0
# TYPE metrics_label_value_too_long counter
# HELP metrics_label_value_too_long Records diverted to an overflow series because a label value was longer than their family's max_label_value_len
metrics_label_value_too_long_total{metric=\"cache_size\"} 0
metrics_label_value_too_long_total{metric=\"rpc_seconds\"} 0
metrics_label_value_too_long_total{metric=\"sent_bytes_total\"} 0
metrics_label_value_too_long_total{metric=\"uptime\"} 0
# EOF
"
    );
}

#[test]
fn counters_gauges_and_histograms_record_what_the_handles_say() {
    let registry = Registry::new();
    let recorder = facade(&registry, |b| b.buckets_for("*", &[1.0]));
    metrics::with_local_recorder(&recorder, || {
        let frames = metrics::counter!("frames");
        frames.increment(5);
        frames.absolute(3); // already above
        frames.absolute(10);
        frames.increment(1);
        let temperature = metrics::gauge!("temperature_celsius");
        temperature.set(20.5);
        temperature.increment(1.5);
        temperature.decrement(2.0);
        metrics::histogram!("load").record_many(0.25, 3);
    });
    let expected = format!(
        "\
# HELP frames_total {DEFAULT_HELP}
# TYPE frames_total counter
frames_total 11
# HELP load {DEFAULT_HELP}
# TYPE load histogram
load_bucket{{le=\"1\"}} 3
load_bucket{{le=\"+Inf\"}} 3
load_sum 0.75
load_count 3
# HELP temperature_celsius {DEFAULT_HELP}
# TYPE temperature_celsius gauge
temperature_celsius 20
{}{}",
        refused([0; 5]),
        overflow(&[
            ("frames_total", 0, 0),
            ("load", 0, 0),
            ("temperature_celsius", 0, 0)
        ])
    );
    assert_eq!(encode_text(&registry), expected);
}

/// Which kind of series each family hands over, and an exponential histogram's schema.
#[derive(Default)]
struct Shapes(Vec<String>);

impl MetricEncoder for Shapes {
    fn counter(&mut self, _: &dyn EncodeLabels, _: u64) {}
    fn gauge(&mut self, _: &dyn EncodeLabels, _: i64) {}
    fn float_gauge(&mut self, _: &dyn EncodeLabels, _: f64) {}
    fn histogram(&mut self, _: &dyn EncodeLabels, h: &dyn EncodeHistogram) {
        self.0.push(format!("classic {:?}", h.bounds()));
    }
    fn exponential_histogram(&mut self, _: &dyn EncodeLabels, h: &dyn EncodeExponentialHistogram) {
        let reading = h.read();
        self.0.push(format!(
            "exponential schema {} count {} classic {:?}",
            reading.schema, reading.count, reading.bounds
        ));
    }
}

impl RegistryEncoder for Shapes {
    fn family(&mut self, desc: &MetricDesc) {
        self.0.push(desc.name.to_owned());
    }
    fn instance_labels(&mut self, _: &[(String, String)]) {}
}

#[test]
fn histograms_matching_a_pattern_are_exponential() {
    let registry = Registry::new();
    let recorder = facade(&registry, |b| {
        b.buckets_for("*_seconds", &[0.1, 1.0])
            .exponential_for("rpc_*")
    });
    metrics::with_local_recorder(&recorder, || {
        metrics::histogram!("rpc_seconds").record(0.5);
        metrics::histogram!("rpc_seconds").record(2.0);
        metrics::histogram!("db_seconds").record(0.5);
    });
    let mut shapes = Shapes::default();
    registry.encode(&mut shapes);
    assert_eq!(
        shapes.0,
        [
            "db_seconds",
            "classic [0.1, 1.0]",
            "rpc_seconds",
            // 0.5 to 2 spans two powers of two: 128 buckets at schema 6, within the 160 an
            // exponential histogram keeps.
            "exponential schema 6 count 2 classic [0.1, 1.0]",
            "metrics_facade_refused_total",
            "metrics_series_overflow_total",
            "metrics_label_value_too_long_total",
        ]
    );
}

#[test]
fn threads_recording_at_once_lose_nothing() {
    let registry = Registry::new();
    let recorder = facade(&registry, |b| b);
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let recorder = &recorder;
            s.spawn(move || {
                metrics::with_local_recorder(recorder, || {
                    for i in 0..10_000u64 {
                        let parity = if (i + t) % 2 == 0 { "even" } else { "odd" };
                        metrics::counter!("hits", "parity" => parity).increment(1);
                        metrics::counter!("hits_by_thread", "thread" => t.to_string()).increment(i);
                    }
                });
            });
        }
    });
    let text = encode_text(&registry);
    let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let mut hits: Vec<&str> = samples
        .iter()
        .copied()
        .filter(|l| l.starts_with("hits_total"))
        .collect();
    hits.sort_unstable();
    assert_eq!(
        hits,
        [
            "hits_total{parity=\"even\"} 20000",
            "hits_total{parity=\"odd\"} 20000"
        ]
    );
    let mut by_thread: Vec<&str> = samples
        .iter()
        .copied()
        .filter(|l| l.starts_with("hits_by_thread_total"))
        .collect();
    by_thread.sort_unstable();
    assert_eq!(
        by_thread,
        (0..4)
            .map(|t| format!("hits_by_thread_total{{thread=\"{t}\"}} 49995000"))
            .collect::<Vec<_>>()
    );
}

/// The family names of a Prometheus protobuf exposition: length-delimited `MetricFamily`
/// messages, whose field 1 is the name.
fn protobuf_family_names(mut bytes: &[u8]) -> Vec<String> {
    fn varint(bytes: &mut &[u8]) -> u64 {
        let mut value = 0;
        for shift in (0..64).step_by(7) {
            let byte = bytes[0];
            *bytes = &bytes[1..];
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        value
    }
    let mut names = Vec::new();
    while !bytes.is_empty() {
        let len = usize::try_from(varint(&mut bytes)).unwrap();
        let (mut message, rest) = bytes.split_at(len);
        bytes = rest;
        while !message.is_empty() {
            let tag = varint(&mut message);
            let skip = match tag & 7 {
                0 => {
                    varint(&mut message);
                    0
                }
                1 => 8,
                2 => usize::try_from(varint(&mut message)).unwrap(),
                5 => 4,
                other => panic!("wire type {other}"),
            };
            if tag >> 3 == 1 {
                names.push(String::from_utf8(message[..skip].to_vec()).unwrap());
            }
            message = &message[skip..];
        }
    }
    names
}

#[test]
fn every_output_reads_the_facade_families_after_the_sets() {
    let registry = Registry::new();
    registry.register(Arc::new(Jobs::default()));
    let recorder = facade(&registry, |b| b.buckets_for("*", &[1.0]));
    metrics::with_local_recorder(&recorder, || {
        metrics::counter!("missions", "kind" => "recon").increment(1);
        metrics::gauge!("depth_meters").set(120.0);
        metrics::histogram!("dive_seconds").record(0.5);
    });
    let families = [
        "jobs_total",
        "depth_meters",
        "dive_seconds",
        "missions_total",
        "metrics_facade_refused_total",
        "metrics_series_overflow_total",
        "metrics_label_value_too_long_total",
    ];
    let text = encode_text(&registry);
    let typed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(typed, families);
    // OpenMetrics names a counter's family without `_total`.
    let openmetrics = encode_openmetrics(&registry);
    let typed: Vec<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        typed,
        families.map(|f| f.strip_suffix("_total").unwrap_or(f))
    );
    assert_eq!(
        protobuf_family_names(&metrics_export::encode_protobuf(&registry)),
        families
    );
}

#[test]
fn the_builder_says_what_it_cannot_build() {
    let registry = Registry::new();
    let error = |b: FacadeBuilder<'_>| b.registry(&registry).build().unwrap_err();
    let cases = [
        (
            error(FacadeBuilder::new().buckets_for("http.*", &[1.0])),
            "pattern `http.*` can never match: it holds `.`, and exported names hold only lowercase ASCII letters, digits and `_` (patterns match the name as exported)",
        ),
        (
            error(FacadeBuilder::new().exponential_for("")),
            "an empty pattern matches no name; `*` matches every name",
        ),
        (
            error(FacadeBuilder::new().buckets_for("*_seconds", &[1.0, 0.5])),
            "invalid buckets for `*_seconds`: bucket bound 0.5 comes after 1; list the bounds in increasing order",
        ),
        (
            error(FacadeBuilder::new().max_series(0)),
            "`max_series` must be at least 1",
        ),
        (
            error(FacadeBuilder::new().max_families(0)),
            "`max_families` must be at least 1",
        ),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
    let _first = FacadeBuilder::new().registry(&registry).build().unwrap();
    let second = FacadeBuilder::new()
        .registry(&registry)
        .build()
        .unwrap_err();
    assert_eq!(second, FacadeError::RegistryTaken);
    assert_eq!(
        second.to_string(),
        "the registry already has a metrics facade recorder"
    );
}
