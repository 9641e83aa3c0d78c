//! Memory per labeled counter series, ours beside the peer crates, measured with a counting
//! global allocator: the heap bytes still allocated after building a family and creating its
//! series, divided by the number of series. A separate binary from `peers.rs` so that the
//! counting allocator does not slow the timed benchmarks.
//!
//! Two shapes: fixed labels (two enums, 3 x 6 = 18 series, where the library has derived
//! fixed-cardinality labels) and open-ended labels (two strings, 1,000 x 10 = 10,000 series).
//! Label values are handed to each library the way it takes them (`String`s cloned into the
//! key, `&str` interned or copied); the bytes the library keeps for them are counted.
//!
//! Then memory per histogram series: our classic and exponential histograms beside HdrHistogram
//! and DDSketch, after the same observations (latencies over five decades).
//!
//! Prints the tables, and writes them as JSON to `$PEERS_MEMORY_OUT` when set
//! (`scripts/benchmarks` keeps it beside criterion's estimates and renders it in
//! `BENCHMARKS.md`).

use tests::alloc::{heap_of, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CLASS_NAMES: [&str; 3] = ["ok", "client_error", "server_error"];
const METHOD_NAMES: [&str; 6] = ["get", "post", "put", "delete", "patch", "head"];
const FIXED_SERIES: usize = 18;
const OPEN_SERIES: usize = 10_000;

struct Row {
    library: &'static str,
    labels: &'static str,
    series: usize,
    heap_bytes: usize,
    note: String,
}

impl Row {
    fn per_series(&self) -> f64 {
        self.heap_bytes as f64 / self.series as f64
    }
}

mod ours {
    use metrics_core::{Counter, Family, LabelSet, LabelValue};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
    #[label(rename_all = "snake_case")]
    pub enum Class {
        Ok,
        ClientError,
        ServerError,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
    #[label(rename_all = "snake_case")]
    pub enum Method {
        Get,
        Post,
        Put,
        Delete,
        Patch,
        Head,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    pub struct RequestLabels {
        pub class: Class,
        pub method: Method,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
    pub struct StringLabels {
        pub path: String,
        pub shard: String,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
    pub struct StaticLabels {
        pub path: &'static str,
        pub shard: &'static str,
    }

    pub type Fixed = Family<RequestLabels, Counter>;
    pub type Strings = Family<StringLabels, Counter>;
    pub type Statics = Family<StaticLabels, Counter>;
}

mod pc {
    use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelValue)]
    pub enum Class {
        Ok,
        ClientError,
        ServerError,
    }

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EncodeLabelValue)]
    pub enum Method {
        Get,
        Post,
        Put,
        Delete,
        Patch,
        Head,
    }

    pub const CLASSES: [Class; 3] = [Class::Ok, Class::ClientError, Class::ServerError];
    pub const METHODS: [Method; 6] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];

    #[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
    pub struct RequestLabels {
        pub class: Class,
        pub method: Method,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
    pub struct StringLabels {
        pub path: String,
        pub shard: String,
    }
}

mod ms {
    use measured::{FixedCardinalityLabel, LabelGroup};

    #[derive(Clone, Copy, Debug, PartialEq, FixedCardinalityLabel)]
    #[label(rename_all = "snake_case")]
    pub enum Class {
        Ok,
        ClientError,
        ServerError,
    }

    #[derive(Clone, Copy, Debug, PartialEq, FixedCardinalityLabel)]
    #[label(rename_all = "snake_case")]
    pub enum Method {
        Get,
        Post,
        Put,
        Delete,
        Patch,
        Head,
    }

    pub const CLASSES: [Class; 3] = [Class::Ok, Class::ClientError, Class::ServerError];
    pub const METHODS: [Method; 6] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];

    #[derive(Clone, Copy, LabelGroup)]
    #[label(set = RequestLabelSet)]
    pub struct RequestLabels {
        pub class: Class,
        pub method: Method,
    }

    #[derive(Clone, Copy, LabelGroup)]
    #[label(set = StringLabelSet)]
    pub struct StringLabels<'a> {
        #[label(dynamic_with = measured::lasso::ThreadedRodeo, default)]
        pub path: &'a str,
        #[label(dynamic_with = measured::lasso::ThreadedRodeo, default)]
        pub shard: &'a str,
    }
}

fn open_labels() -> Vec<(String, String)> {
    let mut v = Vec::with_capacity(OPEN_SERIES);
    for p in 0..OPEN_SERIES / 10 {
        for s in 0..10 {
            v.push((format!("/api/v1/items/{p:04}"), format!("shard-{s}")));
        }
    }
    v
}

fn fixed_combos() -> impl Iterator<Item = (usize, usize)> {
    (0..CLASS_NAMES.len()).flat_map(|a| (0..METHOD_NAMES.len()).map(move |b| (a, b)))
}

fn main() {
    use ours::{Class, Method};
    let classes = [Class::Ok, Class::ClientError, Class::ServerError];
    let methods = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];
    let labels = open_labels();
    // The &'static str labels exist before measuring: they are the program's literals.
    let statics: Vec<(&'static str, &'static str)> = labels
        .iter()
        .map(|(p, s)| -> (&'static str, &'static str) {
            (Box::leak(p.clone().into()), Box::leak(s.clone().into()))
        })
        .collect();
    let mut rows = Vec::new();

    // ---- Ours.
    let (f, bytes) = heap_of(|| {
        let f = ours::Fixed::new();
        for (a, b) in fixed_combos() {
            f.with(&ours::RequestLabels {
                class: classes[a],
                method: methods[b],
            })
            .inc();
        }
        f
    });
    assert_eq!(f.len(), FIXED_SERIES);
    rows.push(Row {
        library: "ours",
        labels: "fixed (2 derived enums)",
        series: FIXED_SERIES,
        heap_bytes: bytes,
        note: "one table, allocated up front: a row per shard (8), each a word per series plus 7 words of padding at each end".into(),
    });
    drop(f);

    let (f, bytes) = heap_of(|| {
        let f = ours::Strings::new();
        for (p, s) in &labels {
            f.with(&ours::StringLabels {
                path: p.clone(),
                shard: s.clone(),
            })
            .inc();
        }
        f
    });
    assert_eq!((f.len(), f.diverted()), (OPEN_SERIES, 0));
    rows.push(Row {
        library: "ours",
        labels: "open-ended (2 `String`s)",
        series: OPEN_SERIES,
        heap_bytes: bytes,
        note: "map entry + `Arc<Counter>` + the two label `String`s + the labels rendered once for scrapes".into(),
    });
    drop(f);

    let (f, bytes) = heap_of(|| {
        let f = ours::Statics::new();
        for &(p, s) in &statics {
            f.with(&ours::StaticLabels { path: p, shard: s }).inc();
        }
        f
    });
    assert_eq!((f.len(), f.diverted()), (OPEN_SERIES, 0));
    rows.push(Row {
        library: "ours",
        labels: "open-ended (2 `&'static str`s)",
        series: OPEN_SERIES,
        heap_bytes: bytes,
        note: "map entry + `Arc<Counter>` + the labels rendered once; the label strings are the program's".into(),
    });
    drop(f);

    // Ours again, every series recorded by two threads: an unlabeled counter or a histogram
    // grows per-thread shards then (a fixed family's table has them from the start).
    // (Both threads alive while recording, so they hold distinct slots: a thread that starts
    // after another exited would inherit its slot and the series would stay one line.)
    let by_two_threads = |record: &(dyn Fn() + Sync)| {
        let both = std::sync::Barrier::new(2);
        let run = || {
            both.wait();
            record();
            both.wait();
        };
        std::thread::scope(|scope| {
            scope.spawn(run);
            scope.spawn(run);
        });
    };
    let (f, bytes) = heap_of(|| {
        let f = ours::Fixed::new();
        by_two_threads(&|| {
            for (a, b) in fixed_combos() {
                f.with(&ours::RequestLabels {
                    class: classes[a],
                    method: methods[b],
                })
                .inc();
            }
        });
        f
    });
    rows.push(Row {
        library: "ours",
        labels: "fixed, 2 recording threads",
        series: FIXED_SERIES,
        heap_bytes: bytes,
        note: "the same table: every shard has its row from the start, so more threads cost nothing more".into(),
    });
    drop(f);

    let (f, bytes) = heap_of(|| {
        let f = ours::Strings::new();
        by_two_threads(&|| {
            for (p, s) in &labels {
                f.with(&ours::StringLabels {
                    path: p.clone(),
                    shard: s.clone(),
                })
                .inc();
            }
        });
        f
    });
    assert_eq!((f.len(), f.diverted()), (OPEN_SERIES, 0));
    rows.push(Row {
        library: "ours",
        labels: "open-ended (2 `String`s), 2 recording threads",
        series: OPEN_SERIES,
        heap_bytes: bytes,
        note: "as above, plus one line shared by the other threads (atomic adds): series of open-ended families do not grow per-thread shards".into(),
    });
    drop(f);

    // ---- prometheus.
    let (v, bytes) = heap_of(|| {
        let v = prometheus::IntCounterVec::new(
            prometheus::Opts::new("bench_requests_total", "Requests."),
            &["class", "method"],
        )
        .unwrap();
        for (a, b) in fixed_combos() {
            v.with_label_values(&[CLASS_NAMES[a], METHOD_NAMES[b]])
                .inc();
        }
        v
    });
    rows.push(Row {
        library: "prometheus",
        labels: "fixed (2 `&str`s)",
        series: FIXED_SERIES,
        heap_bytes: bytes,
        note: "no fixed-cardinality labels: the same map as open-ended labels".into(),
    });
    drop(v);

    let (v, bytes) = heap_of(|| {
        let v = prometheus::IntCounterVec::new(
            prometheus::Opts::new("bench_requests_total", "Requests."),
            &["path", "shard"],
        )
        .unwrap();
        for (p, s) in &labels {
            v.with_label_values(&[p, s]).inc();
        }
        v
    });
    rows.push(Row {
        library: "prometheus",
        labels: "open-ended (2 `&str`s)",
        series: OPEN_SERIES,
        heap_bytes: bytes,
        note: "each series keeps its label pairs as owned strings".into(),
    });
    drop(v);

    // ---- prometheus-client.
    type PcCounter = prometheus_client::metrics::counter::Counter;
    let (f, bytes) = heap_of(|| {
        let f =
            prometheus_client::metrics::family::Family::<pc::RequestLabels, PcCounter>::default();
        for (a, b) in fixed_combos() {
            f.get_or_create(&pc::RequestLabels {
                class: pc::CLASSES[a],
                method: pc::METHODS[b],
            })
            .inc();
        }
        f
    });
    rows.push(Row {
        library: "prometheus-client",
        labels: "fixed (2 derived enums)",
        series: FIXED_SERIES,
        heap_bytes: bytes,
        note: "a `HashMap` entry and an `Arc` per series, created on first use".into(),
    });
    drop(f);

    let (f, bytes) = heap_of(|| {
        let f =
            prometheus_client::metrics::family::Family::<pc::StringLabels, PcCounter>::default();
        for (p, s) in &labels {
            f.get_or_create(&pc::StringLabels {
                path: p.clone(),
                shard: s.clone(),
            })
            .inc();
        }
        f
    });
    rows.push(Row {
        library: "prometheus-client",
        labels: "open-ended (2 `String`s)",
        series: OPEN_SERIES,
        heap_bytes: bytes,
        note: "map entry + `Arc` counter + the two label `String`s".into(),
    });
    drop(f);

    // ---- metrics (metrics-exporter-prometheus's registry).
    let (r, bytes) = heap_of(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        metrics::with_local_recorder(&recorder, || {
            for (a, b) in fixed_combos() {
                metrics::counter!("bench_requests_total", "class" => CLASS_NAMES[a], "method" => METHOD_NAMES[b])
                    .increment(1);
            }
        });
        recorder
    });
    let (r2, empty) =
        heap_of(|| metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder());
    drop(r2);
    rows.push(Row {
        library: "metrics",
        labels: "fixed (2 `&'static str`s)",
        series: FIXED_SERIES,
        heap_bytes: bytes.saturating_sub(empty),
        note: format!(
            "recorder registry, less an empty recorder's {empty} B; no fixed-cardinality labels"
        ),
    });
    drop(r);

    let (r, bytes) = heap_of(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        metrics::with_local_recorder(&recorder, || {
            for (p, s) in &labels {
                metrics::counter!("bench_requests_total", "path" => p.clone(), "shard" => s.clone())
                    .increment(1);
            }
        });
        recorder
    });
    rows.push(Row {
        library: "metrics",
        labels: "open-ended (2 `String`s)",
        series: OPEN_SERIES,
        heap_bytes: bytes.saturating_sub(empty),
        note: "key (name + label pairs) + `Arc` atomic per series, less an empty recorder".into(),
    });
    drop(r);

    // ---- measured.
    let (v, bytes) = heap_of(|| {
        let v = measured::CounterVec::with_label_set(ms::RequestLabelSet::new());
        for (a, b) in fixed_combos() {
            v.inc(ms::RequestLabels {
                class: ms::CLASSES[a],
                method: ms::METHODS[b],
            });
        }
        v
    });
    rows.push(Row {
        library: "measured",
        labels: "fixed (2 derived enums)",
        series: FIXED_SERIES,
        heap_bytes: bytes,
        note: "a dense array: one cache-padded cell per series".into(),
    });
    drop(v);

    let (v, bytes) = heap_of(|| {
        let v = measured::CounterVec::with_label_set(ms::StringLabelSet::new());
        for (p, s) in &labels {
            v.inc(ms::StringLabels { path: p, shard: s });
        }
        v
    });
    rows.push(Row {
        library: "measured",
        labels: "open-ended (2 interned `&str`s)",
        series: OPEN_SERIES,
        heap_bytes: bytes,
        note: "sharded map entry per series; label strings interned once per distinct value (1,000 + 10)".into(),
    });
    drop(v);

    let histogram_rows = histograms();

    println!(
        "{:<18} {:<32} {:>7} {:>12} {:>10}  note",
        "library", "labels", "series", "heap bytes", "B/series"
    );
    for r in rows.iter().chain(&histogram_rows) {
        println!(
            "{:<18} {:<32} {:>7} {:>12} {:>10.1}  {}",
            r.library,
            r.labels,
            r.series,
            r.heap_bytes,
            r.per_series(),
            r.note
        );
    }

    if let Some(path) = std::env::var_os("PEERS_MEMORY_OUT") {
        let mut json = String::from("{\n  \"rows\": [\n");
        json_rows(&mut json, &rows);
        json.push_str("  ],\n  \"histogram_rows\": [\n");
        json_rows(&mut json, &histogram_rows);
        json.push_str(&format!(
            "  ],\n  \"ours_counter_size_of\": {}\n}}\n",
            std::mem::size_of::<metrics_core::Counter>()
        ));
        let path = std::path::PathBuf::from(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the memory report's folder");
        }
        std::fs::write(&path, json).expect("write the memory report");
        println!("memory report written to {}", path.display());
    }
}

/// `rows` as JSON objects, one a line.
fn json_rows(json: &mut String, rows: &[Row]) {
    for (i, r) in rows.iter().enumerate() {
        json.push_str(&format!(
            "    {{\"library\": {}, \"labels\": {}, \"series\": {}, \"heap_bytes\": {}, \"bytes_per_series\": {:.1}, \"note\": {}}}{}\n",
            quote(r.library),
            quote(r.labels),
            r.series,
            r.heap_bytes,
            r.per_series(),
            quote(&r.note),
            if i + 1 < rows.len() { "," } else { "" }
        ));
    }
}

/// Latencies from 100 µs to 10 s, evenly spread in log scale: what fills the buckets of each
/// structure as a service's latencies would.
fn latencies() -> Vec<f64> {
    (0..10_000)
        .map(|i| 1e-4 * 10f64.powf(5.0 * f64::from(i) / 10_000.0))
        .collect()
}

/// Memory per histogram series, each after recording `latencies()`.
fn histograms() -> Vec<Row> {
    use metrics_core::{ExponentialHistogram, Family, Histogram, LabelSet};

    #[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct PathLabels {
        path: String,
    }

    static BOUNDS: [f64; 12] = [
        0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048,
    ];
    const OPEN: usize = 1_000;
    let values = latencies();
    let by_two_threads = |record: &(dyn Fn() + Sync)| {
        let both = std::sync::Barrier::new(2);
        let run = || {
            both.wait();
            record();
            both.wait();
        };
        std::thread::scope(|scope| {
            scope.spawn(run);
            scope.spawn(run);
        });
    };
    let mut rows = Vec::new();
    let mut row = |library, labels, series, heap_bytes, note: String| {
        rows.push(Row {
            library,
            labels,
            series,
            heap_bytes,
            note,
        });
    };

    let (h, bytes) = heap_of(|| {
        let h = Histogram::with_buckets(&BOUNDS);
        values.iter().for_each(|&v| h.observe(v));
        h
    });
    row(
        "ours",
        "`Histogram`, 12 bounds",
        1,
        bytes,
        "8 shards of 2 lines (buckets, sums) and a reset row, allocated up front".into(),
    );
    drop(h);

    let (h, bytes) = heap_of(|| {
        let h = ExponentialHistogram::with_buckets(&BOUNDS);
        values.iter().for_each(|&v| h.observe(v));
        h
    });
    let r = h.snapshot();
    row(
        "ours",
        "`ExponentialHistogram`, 1 thread",
        1,
        bytes,
        format!(
            "one block (the classic buckets, the sum, 160 bucket counts) for the recording thread, plus the shared row and bases; schema {}, {} buckets in use",
            r.schema,
            r.positive.len()
        ),
    );
    drop(h);

    let (h, bytes) = heap_of(|| {
        let h = ExponentialHistogram::with_buckets(&BOUNDS);
        by_two_threads(&|| values.iter().for_each(|&v| h.observe(v)));
        h
    });
    row(
        "ours",
        "`ExponentialHistogram`, 2 threads",
        1,
        bytes,
        "a block per recording thread".into(),
    );
    drop(h);

    let (f, bytes) = heap_of(|| {
        let f = Family::<PathLabels, ExponentialHistogram>::new();
        for i in 0..OPEN {
            let h = f.with(&PathLabels {
                path: format!("/api/{i:04}"),
            });
            values.iter().step_by(10).for_each(|&v| h.observe(v));
        }
        f
    });
    row(
        "ours",
        "`Family<String, ExponentialHistogram>`",
        OPEN,
        bytes,
        "a series of an open-ended family: one row under a mutex, its buckets grown as used (1,000 observations each), plus the map entry and label".into(),
    );
    drop(f);

    let (h, bytes) = heap_of(|| {
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
        for &v in &values {
            h.record((v * 1e9) as u64).unwrap();
        }
        h
    });
    row(
        "hdrhistogram",
        "`Histogram<u64>`, 3 digits, 1 ns to 60 s",
        1,
        bytes,
        "a count per value bucket of the whole range, allocated up front; one writer".into(),
    );
    drop(h);

    let (h, bytes) = heap_of(|| {
        let mut h = sketches_ddsketch::DDSketch::new(sketches_ddsketch::Config::defaults());
        values.iter().for_each(|&v| h.add(v));
        h
    });
    row(
        "sketches-ddsketch",
        "`DDSketch`, defaults (1%)",
        1,
        bytes,
        "bins grown as used, up to 2,048; one writer".into(),
    );
    drop(h);
    rows
}

/// A JSON string literal.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
