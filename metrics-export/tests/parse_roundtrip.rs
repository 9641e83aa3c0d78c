//! Our expositions read back: a registry rendered with `encode_openmetrics` and `encode_text`
//! parses (`metrics_export::parse`) to the names, HELP texts, label values and sample values it
//! holds, for any label value (any Unicode, quotes, backslashes, line feeds), any instance
//! label, and any value.
//!
//! Also: any input, however malformed, is parsed or rejected with an error naming a line.
//!
//! HELP texts are `&'static str` constants of a `MetricSet` (`MetricSet::INFO` is a `const`),
//! so no registry can carry a generated one: the HELP property renders the header line with
//! the escaping function both encoders use (`metrics_core::escape`), and a fixed set of hard
//! HELP texts goes through a real registry.

use std::collections::HashSet;
use std::sync::Arc;

use metrics_core::escape::{write_help_text, write_quoted_text};
use metrics_core::{Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, MetricSet, Registry};
use metrics_export::parse::{self, Exposition, MetricFamily, MetricType, Sample};
use metrics_export::{encode_openmetrics, encode_text};
use proptest::prelude::*;

/// An open-ended label set with one `String` label: `route`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Route {
    route: String,
}

/// Every kind of metric, by route.
#[derive(MetricSet)]
#[metric_set(prefix = "prop", global = false)]
struct Props {
    /// Requests by route
    requests_total: Family<Route, Counter>,
    /// Queue depth
    queue_depth: Family<Route, Gauge>,
    /// Load
    load_ratio: Family<Route, FloatGauge>,
    /// Latency
    #[metric(buckets = [0.0, 0.25, 1.0, 1e6], unit = "seconds")]
    latency_seconds: Family<Route, Histogram>,
}

/// The bucket bounds of `prop_latency_seconds`.
const BOUNDS: [f64; 4] = [0.0, 0.25, 1.0, 1e6];

/// What one route records.
#[derive(Clone, Debug)]
struct Recorded {
    route: String,
    requests: u64,
    depth: i64,
    load: f64,
    latencies: Vec<f64>,
}

/// Text that is hard to escape: mostly quotes, backslashes, line feeds, the letter `n` (for
/// `\n` look-alikes), `#`, braces, blanks, and any Unicode scalar (controls and NUL included).
fn hard_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('\n'),
        Just('n'),
        Just('#'),
        Just('{'),
        Just('}'),
        Just(','),
        Just('='),
        Just(' '),
        Just('\t'),
        Just('\r'),
        Just('✓'),
        any::<char>(),
    ];
    prop::collection::vec(c, 0..16).prop_map(String::from_iter)
}

/// Any `f64`, and more often the simple and the awkward ones.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        0.0..1e3,
        Just(0.0),
        Just(-0.0),
        Just(1e-5),
        Just(1e21),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MIN_POSITIVE),
        Just(f64::MAX),
    ]
}

fn recorded() -> impl Strategy<Value = Vec<Recorded>> {
    let routes = prop::collection::hash_set(hard_text(), 1..4);
    routes.prop_flat_map(|routes| {
        let n = routes.len();
        (
            Just(routes.into_iter().collect::<Vec<_>>()),
            prop::collection::vec(any::<u64>(), n),
            prop::collection::vec(any::<i64>(), n),
            prop::collection::vec(value(), n),
            prop::collection::vec(prop::collection::vec(value(), 0..6), n),
        )
            .prop_map(|(routes, requests, depth, load, latencies)| {
                routes
                    .into_iter()
                    .enumerate()
                    .map(|(i, route)| Recorded {
                        route,
                        requests: requests[i],
                        depth: depth[i],
                        load: load[i],
                        latencies: latencies[i].clone(),
                    })
                    .collect()
            })
    })
}

/// A sample as compared: name, labels in the order written (a `le` as the number it is, since
/// the formats write bounds differently), value.
type Row = (String, Vec<(String, String)>, f64);

fn rows(samples: &[Sample]) -> Vec<Row> {
    let mut rows: Vec<Row> = samples
        .iter()
        .map(|s| {
            let labels = s
                .labels
                .iter()
                .map(|(n, v)| {
                    let v = if n == "le" {
                        bound(v.parse().expect("le is a number"))
                    } else {
                        v.clone()
                    };
                    (n.clone(), v)
                })
                .collect();
            (s.name.clone(), labels, s.value)
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    rows
}

fn bound(b: f64) -> String {
    b.to_string()
}

/// Equal values, NaN equal to NaN (and 0 to -0: the formats may write either as `0`).
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn assert_rows(family: &MetricFamily, want: &mut [Row]) -> Result<(), TestCaseError> {
    want.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let got = rows(&family.samples);
    prop_assert_eq!(got.len(), want.len(), "{}", family.name);
    for (g, w) in got.iter().zip(want.iter()) {
        prop_assert_eq!((&g.0, &g.1), (&w.0, &w.1));
        prop_assert!(same(g.2, w.2), "{} {:?}: {} != {}", g.0, g.1, g.2, w.2);
    }
    Ok(())
}

/// The families we expect, then checks `exposition` against them. `openmetrics` picks the
/// naming of that format (a counter's family name without `_total`, units).
fn check(
    exposition: &Exposition,
    openmetrics: bool,
    instance: &(String, String),
    props: &Props,
    recorded: &[Recorded],
) -> Result<(), TestCaseError> {
    let labels = |route: &str| vec![instance.clone(), ("route".to_owned(), route.to_owned())];
    let family = |name: &str| {
        exposition
            .family(name)
            .ok_or_else(|| TestCaseError::fail(format!("no family `{name}`")))
    };

    let requests = family(if openmetrics {
        "prop_requests"
    } else {
        "prop_requests_total"
    })?;
    prop_assert_eq!(requests.kind, MetricType::Counter);
    prop_assert_eq!(requests.help.as_deref(), Some("Requests by route"));
    #[allow(clippy::cast_precision_loss)] // what the parser reads too: the nearest f64
    let mut want: Vec<Row> = recorded
        .iter()
        .map(|r| {
            let name = "prop_requests_total".to_owned();
            (name, labels(&r.route), r.requests as f64)
        })
        .collect();
    assert_rows(requests, &mut want)?;

    let depth = family("prop_queue_depth")?;
    prop_assert_eq!(depth.kind, MetricType::Gauge);
    prop_assert_eq!(depth.help.as_deref(), Some("Queue depth"));
    #[allow(clippy::cast_precision_loss)]
    let mut want: Vec<Row> = recorded
        .iter()
        .map(|r| {
            (
                "prop_queue_depth".to_owned(),
                labels(&r.route),
                r.depth as f64,
            )
        })
        .collect();
    assert_rows(depth, &mut want)?;

    let load = family("prop_load_ratio")?;
    prop_assert_eq!(load.kind, MetricType::Gauge);
    let mut want: Vec<Row> = recorded
        .iter()
        .map(|r| ("prop_load_ratio".to_owned(), labels(&r.route), r.load))
        .collect();
    assert_rows(load, &mut want)?;

    let latency = family("prop_latency_seconds")?;
    prop_assert_eq!(latency.kind, MetricType::Histogram);
    prop_assert_eq!(latency.help.as_deref(), Some("Latency"));
    let unit = if openmetrics { Some("seconds") } else { None };
    prop_assert_eq!(latency.unit.as_deref(), unit);
    let mut want: Vec<Row> = Vec::new();
    for r in recorded {
        let route = Route {
            route: r.route.clone(),
        };
        let series = props
            .latency_seconds
            .get(&route)
            .ok_or_else(|| TestCaseError::fail("no latency series"))?;
        // What the histogram holds: the observations that are neither NaN nor negative.
        let kept = r.latencies.iter().filter(|v| **v >= 0.0).count() as u64;
        let mut cumulative = 0u64;
        let bounds = BOUNDS.iter().copied().chain([f64::INFINITY]);
        for (b, n) in bounds.zip(series.bucket_counts()) {
            cumulative += n;
            let mut labels = labels(&r.route);
            labels.push(("le".to_owned(), bound(b)));
            #[allow(clippy::cast_precision_loss)]
            want.push((
                "prop_latency_seconds_bucket".into(),
                labels,
                cumulative as f64,
            ));
        }
        prop_assert_eq!(cumulative, kept);
        #[allow(clippy::cast_precision_loss)]
        let count = cumulative as f64;
        want.push(("prop_latency_seconds_count".into(), labels(&r.route), count));
        want.push((
            "prop_latency_seconds_sum".into(),
            labels(&r.route),
            series.sum(),
        ));
    }
    assert_rows(latency, &mut want)?;
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any label values, instance label and values: both formats read back what was recorded.
    #[test]
    fn registry_round_trips(
        recorded in recorded(),
        instance_name in "[a-z][a-z0-9_]{0,10}",
        instance_value in hard_text(),
    ) {
        let props = Arc::new(Props::default());
        let registry = Registry::new();
        let instance = [(instance_name.as_str(), instance_value.as_str())];
        // Names the set or the registry reserves (`route`, `le`, `metric`...) are refused.
        prop_assume!(registry.try_register_with_labels(Arc::clone(&props), &instance).is_ok());
        for r in &recorded {
            let route = Route { route: r.route.clone() };
            props.requests_total.with(&route).inc_by(r.requests);
            props.queue_depth.with(&route).set(r.depth);
            props.load_ratio.with(&route).set(r.load);
            // The series exists from here on, even without an observation.
            let latency = props.latency_seconds.with(&route);
            for &v in &r.latencies {
                latency.observe(v);
            }
        }
        let instance = (instance_name, instance_value);

        let om = encode_openmetrics(&registry);
        let parsed = parse::openmetrics(&om)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{om}")))?;
        check(&parsed, true, &instance, &props, &recorded)?;

        let text = encode_text(&registry);
        let parsed = parse::text(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        check(&parsed, false, &instance, &props, &recorded)?;
    }

    /// Any HELP text, escaped as the encoders escape it, reads back: exactly in OpenMetrics; in
    /// 0.0.4 less the blanks at its start, which the format cannot carry (Prometheus skips the
    /// blanks between the name and the text).
    #[test]
    fn help_text_round_trips(help in hard_text()) {
        let mut om = String::from("# TYPE x gauge\n# HELP x ");
        write_quoted_text(&mut om, &help);
        om.push_str("\nx 1.0\n# EOF\n");
        let parsed = parse::openmetrics(&om)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{om}")))?;
        prop_assert_eq!(parsed.families[0].help.as_deref(), Some(help.as_str()));

        let mut text = String::from("# HELP x ");
        write_help_text(&mut text, &help);
        text.push_str("\n# TYPE x gauge\nx 1\n");
        let parsed = parse::text(&text)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(
            parsed.families[0].help.as_deref(),
            Some(help.trim_start_matches([' ', '\t']))
        );
    }
}

/// A line made of the pieces expositions are made of, in any order.
fn exposition_line() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("# TYPE ".to_owned()),
        Just("# HELP ".to_owned()),
        Just("# UNIT ".to_owned()),
        Just("# EOF".to_owned()),
        Just("a".to_owned()),
        Just("a_total".to_owned()),
        Just("a_bucket".to_owned()),
        Just("a_count".to_owned()),
        Just(" counter".to_owned()),
        Just(" histogram".to_owned()),
        Just("{le=\"+Inf\"}".to_owned()),
        Just("{b=\"".to_owned()),
        Just("\",".to_owned()),
        Just("}".to_owned()),
        Just(" # {".to_owned()),
        Just(" 1".to_owned()),
        Just(" -1.5e3".to_owned()),
        Just(" NaN".to_owned()),
        hard_text(),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(config())]

    /// Whatever the input, both parsers answer, and an error names a line of it (or the one
    /// after the last).
    #[test]
    fn any_input_is_parsed_or_rejected_with_a_line(
        lines in prop::collection::vec(exposition_line(), 0..8),
        eof in any::<bool>(),
    ) {
        let mut input = lines.join("\n");
        if eof {
            input.push_str("\n# EOF\n");
        }
        let last = input.split('\n').count() + 1;
        for result in [parse::openmetrics(&input), parse::text(&input)] {
            if let Err(e) = result {
                prop_assert!((1..=last).contains(&e.line()), "{e} for {input:?}");
                prop_assert!(!e.message().is_empty());
            }
        }
    }
}

/// Hard HELP texts through a real registry, in both formats (the derive trims a HELP text:
/// leading and trailing blanks and line feeds are for the property test above).
#[test]
fn hard_help_texts_round_trip() {
    #[derive(MetricSet)]
    #[metric_set(prefix = "help", global = false)]
    struct HardHelp {
        #[metric(help = "say \"hi\" and \"bye\"")]
        quotes: Gauge,
        #[metric(help = "C:\\dir\\ and \\\\server")]
        backslash: Gauge,
        #[metric(help = "ends with \\")]
        trailing_backslash: Gauge,
        #[metric(help = "two\nlines\n\nand a blank one")]
        newline: Gauge,
        #[metric(help = "\\n is not \n, \\\" is not \"")]
        escapes: Gauge,
        #[metric(help = "✓ 日本語 \u{1F600} \u{0} \r\t.")]
        unicode: Gauge,
        #[metric(help = "# EOF")]
        eof: Gauge,
        #[metric(help = "{a=\"b\"} 1 # {} 2")]
        braces: Gauge,
    }

    const HELP: [(&str, &str); 8] = [
        ("help_quotes", "say \"hi\" and \"bye\""),
        ("help_backslash", "C:\\dir\\ and \\\\server"),
        ("help_trailing_backslash", "ends with \\"),
        ("help_newline", "two\nlines\n\nand a blank one"),
        ("help_escapes", "\\n is not \n, \\\" is not \""),
        ("help_unicode", "✓ 日本語 \u{1F600} \u{0} \r\t."),
        ("help_eof", "# EOF"),
        ("help_braces", "{a=\"b\"} 1 # {} 2"),
    ];
    let registry = Registry::new();
    registry.register(Arc::new(HardHelp::default()));
    let om = parse::openmetrics(&encode_openmetrics(&registry)).unwrap();
    let text = parse::text(&encode_text(&registry)).unwrap();
    for exposition in [&om, &text] {
        let got: Vec<(&str, Option<&str>)> = exposition
            .families
            .iter()
            .map(|f| (f.name.as_str(), f.help.as_deref()))
            .collect();
        let want: Vec<(&str, Option<&str>)> = HELP
            .iter()
            .map(|(name, help)| (*name, Some(*help)))
            .collect();
        assert_eq!(got, want);
        let values: HashSet<String> = exposition
            .families
            .iter()
            .flat_map(|f| f.samples.iter().map(|s| format!("{} {}", s.name, s.value)))
            .collect();
        assert_eq!(values.len(), HELP.len());
    }
}
