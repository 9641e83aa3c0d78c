//! Side-by-side benchmark against the peer crates: prometheus, prometheus-client, metrics (with
//! metrics-exporter-prometheus) and measured. `scripts/benchmarks` runs it and writes
//! `BENCHMARKS.md` from criterion's estimates.
//!
//! Every case is one criterion group with one function per library (`counter_inc_1t/ours`,
//! `counter_inc_1t/prometheus`, ...). Recording cases report **ns per operation per thread**:
//! a pool of persistent worker threads (spawned once per benchmark function) is released
//! through a barrier, each worker performs `iters` operations, and the wall time from the
//! release until the last worker is done is the sample. With one thread that is the plain cost
//! of an operation; with two it includes the contention on the shared cache lines.
//!
//! Defaults: 2 s warm-up, 5 s measurement, 50 samples per function (about 6 minutes in all);
//! the usual criterion arguments override them (`-- --warm-up-time 0.5 --measurement-time 1`)
//! and filter cases (`-- counter_inc`).

use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};

// ---------------------------------------------------------------------------------------------
// The shared workload: the same label sequence, histogram bounds and observed values for every
// library.

/// The class label's values (first label, 3 values).
const CLASS_NAMES: [&str; 3] = ["ok", "client_error", "server_error"];
/// The method label's values (second label, 6 values).
const METHOD_NAMES: [&str; 6] = ["get", "post", "put", "delete", "patch", "head"];
/// Series of the labeled counter: 3 x 6.
const SERIES: usize = CLASS_NAMES.len() * METHOD_NAMES.len();

/// The order in which every library records the 18 combinations, as (class, method) indices:
/// step 7 through the 18 combinations (7 and 18 are coprime, so each appears once per cycle).
fn combo_sequence() -> [(usize, usize); SERIES] {
    std::array::from_fn(|i| {
        let k = (i * 7) % SERIES;
        (k / METHOD_NAMES.len(), k % METHOD_NAMES.len())
    })
}

/// Where worker `t` starts in the combination sequence (so two threads do not move in lockstep
/// on the same series).
fn start_of(t: usize) -> usize {
    (t * SERIES / 2) % SERIES
}

/// The 12 histogram bounds: exponential from 0.001, factor 2 (0.001 .. 2.048), taken from ours
/// (`#[metric(buckets = exponential(0.001, 2.0, 12))]`) and handed to every peer.
fn bounds() -> [f64; 12] {
    let m = ours::Metrics::default();
    m.latency_seconds
        .bounds()
        .try_into()
        .expect("12 histogram bounds")
}

/// The observed values: one inside each of the 12 buckets and one above the last (`+Inf`).
fn observed_values(bounds: &[f64; 12]) -> [f64; 13] {
    std::array::from_fn(|i| match i {
        0 => bounds[0] * 0.7,
        12 => bounds[11] * 1.5,
        _ => bounds[i] * 0.75,
    })
}

/// The exposition workload: 1,000 x 10 string label values, 10,000 series.
const EXPO_PATHS: usize = 1_000;
const EXPO_SHARDS: usize = 10;

fn expo_labels() -> Vec<(String, String)> {
    let mut v = Vec::with_capacity(EXPO_PATHS * EXPO_SHARDS);
    for p in 0..EXPO_PATHS {
        for s in 0..EXPO_SHARDS {
            v.push((format!("/api/v1/items/{p:04}"), format!("shard-{s}")));
        }
    }
    v
}

/// Checks that an exposition holds the 10,000 series of `bench_expo_requests_total` (ours adds
/// one more: its series-overflow counter, at zero).
fn assert_series(library: &str, text: &str) {
    let samples = text
        .lines()
        .filter(|l| l.starts_with("bench_expo_requests_total{"))
        .count();
    assert_eq!(
        samples,
        EXPO_PATHS * EXPO_SHARDS,
        "{library}: the exposition should hold every series"
    );
}

// ---------------------------------------------------------------------------------------------
// The multi-thread harness.

/// Benchmarks `work(thread, iters)` on `threads` persistent worker threads: each sample releases
/// them together and measures the wall time until the last one is done, so criterion's time per
/// iteration is the time per operation per thread. `after_sample` runs after each sample,
/// outside the measured time.
fn bench_threads<F>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    threads: usize,
    work: F,
    after_sample: &dyn Fn(),
) where
    F: Fn(usize, u64) + Sync,
{
    let start = Barrier::new(threads + 1);
    let done = Barrier::new(threads + 1);
    let iters = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (start, done, iters, stop, work) = (&start, &done, &iters, &stop, &work);
            s.spawn(move || loop {
                start.wait();
                if stop.load(Ordering::Acquire) {
                    break;
                }
                work(t, iters.load(Ordering::Acquire));
                done.wait();
            });
        }
        g.bench_function(id, |b| {
            b.iter_custom(|n| {
                iters.store(n, Ordering::Release);
                start.wait();
                let t0 = Instant::now();
                done.wait();
                let elapsed = t0.elapsed();
                after_sample();
                elapsed
            });
        });
        stop.store(true, Ordering::Release);
        start.wait();
    });
}

/// Runs `body` while another thread calls `scrape` in a tight loop.
fn with_scraper<R>(scrape: impl Fn() + Sync, body: impl FnOnce() -> R) -> R {
    with_paced_scraper(Duration::ZERO, scrape, body)
}

/// Runs `body` while another thread calls `scrape` every `pause` (back to back for zero).
fn with_paced_scraper<R>(pause: Duration, scrape: impl Fn() + Sync, body: impl FnOnce() -> R) -> R {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                scrape();
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
            }
        });
        let r = body();
        stop.store(true, Ordering::Relaxed);
        r
    })
}

fn no_upkeep() {}

// ---------------------------------------------------------------------------------------------
// Ours.

mod ours {
    use metrics_core::{
        Counter, ExponentialHistogram, Family, Histogram, LabelSet, LabelValue, MetricSet,
    };

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

    pub const CLASSES: [Class; 3] = [Class::Ok, Class::ClientError, Class::ServerError];
    pub const METHODS: [Method; 6] = [
        Method::Get,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Head,
    ];

    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    pub struct RequestLabels {
        pub class: Class,
        pub method: Method,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
    pub struct ExpoLabels {
        pub path: String,
        pub shard: String,
    }

    /// Recording cases.
    #[derive(MetricSet)]
    #[metric_set(prefix = "bench", global = false)]
    pub struct Metrics {
        /// Requests.
        pub requests_total: Counter,
        /// Requests by class and method (18 series).
        pub labeled_requests_total: Family<RequestLabels, Counter>,
        /// Latency, 12 buckets.
        #[metric(buckets = exponential(0.001, 2.0, 12))]
        pub latency_seconds: Histogram,
        /// Latency, exponential buckets (default schema and limit) beside the same 12 classic
        /// buckets.
        #[metric(buckets = exponential(0.001, 2.0, 12))]
        pub latency_exponential_seconds: ExponentialHistogram,
    }

    /// The exposition case.
    #[derive(MetricSet)]
    #[metric_set(prefix = "bench_expo", global = false)]
    pub struct ExpoMetrics {
        /// Requests by path and shard.
        pub requests_total: Family<ExpoLabels, Counter>,
    }

    /// The scraper case: the labeled counter alone in its registry.
    #[derive(MetricSet)]
    #[metric_set(prefix = "bench_scrape", global = false)]
    pub struct ScrapeMetrics {
        /// Requests by class and method (18 series).
        pub requests_total: Family<RequestLabels, Counter>,
    }

    /// The scraper case with one unlabeled counter: one cache line for the scraper to read.
    #[derive(MetricSet)]
    #[metric_set(prefix = "bench_scrape_one", global = false)]
    pub struct ScrapeOneMetrics {
        /// Requests.
        pub requests_total: Counter,
    }

    /// The scraper case with open-ended labels (the same 18 combinations as strings).
    #[derive(MetricSet)]
    #[metric_set(prefix = "bench_scrape_open", global = false)]
    pub struct ScrapeOpenMetrics {
        /// Requests by class and method (18 series, open-ended labels).
        pub requests_total: Family<StrLabels, Counter>,
    }

    #[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
    pub struct StrLabels {
        pub class: &'static str,
        pub method: &'static str,
    }
}

// ---------------------------------------------------------------------------------------------
// prometheus-client.

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
    pub struct ExpoLabels {
        pub path: String,
        pub shard: String,
    }
}

// ---------------------------------------------------------------------------------------------
// measured.

mod ms {
    use measured::{CounterVec, FixedCardinalityLabel, LabelGroup, MetricGroup};

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

    /// Open-ended string labels, interned on first use.
    #[derive(Clone, Copy, LabelGroup)]
    #[label(set = ExpoLabelSet)]
    pub struct ExpoLabels<'a> {
        #[label(dynamic_with = measured::lasso::ThreadedRodeo, default)]
        pub path: &'a str,
        #[label(dynamic_with = measured::lasso::ThreadedRodeo, default)]
        pub shard: &'a str,
    }

    #[derive(MetricGroup)]
    #[metric(new())]
    pub struct ExpoMetrics {
        /// Requests by path and shard.
        #[metric(label_set = ExpoLabelSet::new())]
        pub bench_expo_requests_total: CounterVec<ExpoLabelSet>,
    }
}

// ---------------------------------------------------------------------------------------------
// metrics: one global recorder (metrics-exporter-prometheus) for the recording cases, installed
// once; the exposition case builds a recorder of its own and renders it through its handle.

fn metrics_recorder(bounds: &[f64; 12]) -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(bounds)
            .expect("valid buckets")
            .build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).expect("the only global metrics recorder");
        handle
    })
}

// ---------------------------------------------------------------------------------------------
// Cases.

fn counter_inc(c: &mut Criterion, threads: usize) {
    let mut g = c.benchmark_group(format!("counter_inc_{threads}t"));

    let m = ours::Metrics::default();
    bench_threads(
        &mut g,
        "ours",
        threads,
        |_, n| {
            let c = &m.requests_total;
            for _ in 0..n {
                black_box(c).inc();
            }
        },
        &no_upkeep,
    );

    let c = prometheus::IntCounter::new("bench_requests_total", "Requests.").unwrap();
    bench_threads(
        &mut g,
        "prometheus",
        threads,
        |_, n| {
            for _ in 0..n {
                black_box(&c).inc();
            }
        },
        &no_upkeep,
    );

    let c = prometheus_client::metrics::counter::Counter::<u64>::default();
    bench_threads(
        &mut g,
        "prometheus-client",
        threads,
        |_, n| {
            for _ in 0..n {
                black_box(&c).inc();
            }
        },
        &no_upkeep,
    );

    metrics_recorder(&bounds());
    let c = metrics::counter!("bench_requests_total");
    bench_threads(
        &mut g,
        "metrics",
        threads,
        |_, n| {
            for _ in 0..n {
                black_box(&c).increment(1);
            }
        },
        &no_upkeep,
    );

    let c = measured::Counter::new();
    bench_threads(
        &mut g,
        "measured",
        threads,
        |_, n| {
            for _ in 0..n {
                black_box(&c).inc();
            }
        },
        &no_upkeep,
    );
    g.finish();
}

/// Records `iters` times through the combination sequence, starting at worker `t`'s offset.
#[inline(always)]
fn cycle<T>(seq: &[T; SERIES], t: usize, iters: u64, mut record: impl FnMut(&T)) {
    let mut j = start_of(t);
    for _ in 0..iters {
        record(black_box(&seq[j]));
        j += 1;
        if j == SERIES {
            j = 0;
        }
    }
}

fn labeled_counter(c: &mut Criterion, threads: usize) {
    let mut g = c.benchmark_group(format!("labeled_counter_{threads}t"));
    let combos = combo_sequence();

    let m = ours::Metrics::default();
    let seq = combos.map(|(a, b)| ours::RequestLabels {
        class: ours::CLASSES[a],
        method: ours::METHODS[b],
    });
    bench_threads(
        &mut g,
        "ours",
        threads,
        |t, n| cycle(&seq, t, n, |l| m.labeled_requests_total.with(l).inc()),
        &no_upkeep,
    );
    // The same loop over 18 plain counters, no labels: what `ours` costs beyond this is the
    // label lookup alone (the loop and the 18 cache lines are in both).
    let plain: [metrics_core::Counter; SERIES] =
        std::array::from_fn(|_| metrics_core::Counter::new());
    let refs: [&metrics_core::Counter; SERIES] = std::array::from_fn(|i| &plain[i]);
    bench_threads(
        &mut g,
        "ours-unlabeled",
        threads,
        |t, n| cycle(&refs, t, n, |c| c.inc()),
        &no_upkeep,
    );

    let v = prometheus::IntCounterVec::new(
        prometheus::Opts::new("bench_labeled_requests_total", "Requests."),
        &["class", "method"],
    )
    .unwrap();
    let seq = combos.map(|(a, b)| [CLASS_NAMES[a], METHOD_NAMES[b]]);
    bench_threads(
        &mut g,
        "prometheus",
        threads,
        |t, n| cycle(&seq, t, n, |l| v.with_label_values(l).inc()),
        &no_upkeep,
    );

    let f = prometheus_client::metrics::family::Family::<
        pc::RequestLabels,
        prometheus_client::metrics::counter::Counter,
    >::default();
    let seq = combos.map(|(a, b)| pc::RequestLabels {
        class: pc::CLASSES[a],
        method: pc::METHODS[b],
    });
    bench_threads(
        &mut g,
        "prometheus-client",
        threads,
        |t, n| {
            cycle(&seq, t, n, |l| {
                f.get_or_create(l).inc();
            })
        },
        &no_upkeep,
    );

    metrics_recorder(&bounds());
    let seq = combos.map(|(a, b)| (CLASS_NAMES[a], METHOD_NAMES[b]));
    bench_threads(
        &mut g,
        "metrics",
        threads,
        |t, n| {
            cycle(&seq, t, n, |&(a, b)| {
                metrics::counter!("bench_labeled_requests_total", "class" => a, "method" => b)
                    .increment(1);
            })
        },
        &no_upkeep,
    );

    let v = measured::CounterVec::with_label_set(ms::RequestLabelSet::new());
    let seq = combos.map(|(a, b)| ms::RequestLabels {
        class: ms::CLASSES[a],
        method: ms::METHODS[b],
    });
    bench_threads(
        &mut g,
        "measured",
        threads,
        |t, n| cycle(&seq, t, n, |l| v.inc(*l)),
        &no_upkeep,
    );
    g.finish();
}

fn histogram_observe(c: &mut Criterion, threads: usize) {
    let mut g = c.benchmark_group(format!("histogram_observe_{threads}t"));
    let bounds = bounds();
    let values = observed_values(&bounds);

    let m = ours::Metrics::default();
    assert_eq!(m.latency_seconds.bounds(), &bounds[..]);
    bench_threads(
        &mut g,
        "ours",
        threads,
        |t, n| cycle_values(&values, t, n, |v| m.latency_seconds.observe(v)),
        &no_upkeep,
    );

    let h = prometheus::Histogram::with_opts(
        prometheus::HistogramOpts::new("bench_latency_seconds", "Latency.")
            .buckets(bounds.to_vec()),
    )
    .unwrap();
    bench_threads(
        &mut g,
        "prometheus",
        threads,
        |t, n| cycle_values(&values, t, n, |v| h.observe(v)),
        &no_upkeep,
    );

    let h = prometheus_client::metrics::histogram::Histogram::new(bounds);
    bench_threads(
        &mut g,
        "prometheus-client",
        threads,
        |t, n| cycle_values(&values, t, n, |v| h.observe(v)),
        &no_upkeep,
    );

    // metrics-exporter-prometheus appends raw observations to a lock-free block list and turns
    // them into buckets in `run_upkeep` (a background task every 5 s when it serves HTTP itself);
    // here upkeep runs after each sample, outside the measured time, so memory stays bounded.
    let handle = metrics_recorder(&bounds);
    let h = metrics::histogram!("bench_latency_seconds");
    bench_threads(
        &mut g,
        "metrics",
        threads,
        |t, n| cycle_values(&values, t, n, |v| h.record(v)),
        &|| handle.run_upkeep(),
    );

    let h = measured::Histogram::<12>::with_metadata(
        measured::metric::histogram::Thresholds::with_buckets(bounds),
    );
    bench_threads(
        &mut g,
        "measured",
        threads,
        |t, n| cycle_values(&values, t, n, |v| h.observe(v)),
        &no_upkeep,
    );

    // Ours, exponential buckets: the same values, the same 12 classic buckets recorded too.
    assert_eq!(m.latency_exponential_seconds.bounds(), &bounds[..]);
    bench_threads(
        &mut g,
        "ours-exponential",
        threads,
        |t, n| {
            cycle_values(&values, t, n, |v| {
                m.latency_exponential_seconds.observe(v);
            })
        },
        &no_upkeep,
    );
    let reading = m.latency_exponential_seconds.snapshot();
    assert_eq!(reading.count, reading.classic.iter().sum::<u64>());

    // Quantile sketches, which have no concurrent form: each worker records into its own
    // instance (as hdrhistogram's `Recorder`s do), locked once per sample, so these rows are
    // the cost of `record` and `add` alone, never shared between threads.
    // HdrHistogram: integer values, nanoseconds from 1 ns to 60 s, 3 significant digits.
    let hdr: Vec<Mutex<hdrhistogram::Histogram<u64>>> = (0..threads)
        .map(|_| {
            Mutex::new(hdrhistogram::Histogram::new_with_bounds(1, 60_000_000_000, 3).unwrap())
        })
        .collect();
    bench_threads(
        &mut g,
        "hdrhistogram",
        threads,
        |t, n| {
            let mut h = hdr[t].lock().unwrap();
            cycle_values(&values, t, n, |v| {
                h.record((v * 1e9) as u64).expect("within the bounds");
            });
        },
        &no_upkeep,
    );
    // DDSketch: its default configuration (1% relative error, at most 2,048 bins).
    let dd: Vec<Mutex<sketches_ddsketch::DDSketch>> = (0..threads)
        .map(|_| {
            Mutex::new(sketches_ddsketch::DDSketch::new(
                sketches_ddsketch::Config::defaults(),
            ))
        })
        .collect();
    bench_threads(
        &mut g,
        "sketches-ddsketch",
        threads,
        |t, n| {
            let mut sketch = dd[t].lock().unwrap();
            cycle_values(&values, t, n, |v| sketch.add(v));
        },
        &no_upkeep,
    );
    g.finish();
}

/// Observes `iters` values, cycling through `values` from worker `t`'s offset.
#[inline(always)]
fn cycle_values(values: &[f64; 13], t: usize, iters: u64, mut observe: impl FnMut(f64)) {
    let mut j = t * 6 % values.len();
    for _ in 0..iters {
        observe(black_box(values[j]));
        j += 1;
        if j == values.len() {
            j = 0;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The `metrics` facade: the same macros recorded by our recorder (`metrics_core::facade`) and by
// metrics-exporter-prometheus. Each is reached the same way, as the thread's local recorder
// (`metrics::with_local_recorder`: the `metrics` cases above installed the global one), so the
// macros' own cost is in both.

/// Records through `recorder` as this thread's `metrics` recorder.
fn facade_recording(recorder: &(dyn metrics::Recorder + Sync), record: impl FnOnce()) {
    metrics::with_local_recorder(recorder, record);
}

fn facade(c: &mut Criterion, threads: usize) {
    let bounds = bounds();
    let values = observed_values(&bounds);
    let combos = combo_sequence();
    let registry = metrics_core::Registry::new();
    let ours = metrics_core::facade::FacadeBuilder::new()
        .registry(&registry)
        .buckets_for("bench_facade_latency_seconds", &bounds)
        .build()
        .expect("a facade recorder for the bench registry");
    let theirs = metrics_exporter_prometheus::PrometheusBuilder::new()
        .set_buckets(&bounds)
        .expect("valid buckets")
        .build_recorder();
    let handle = theirs.handle();

    // metrics-exporter-prometheus buckets raw histogram observations in `run_upkeep`: after
    // each sample, outside the measured time.
    let upkeep = || handle.run_upkeep();
    let recorders: [(&str, &(dyn metrics::Recorder + Sync), &dyn Fn()); 2] = [
        ("ours", &ours, &no_upkeep),
        ("metrics-exporter-prometheus", &theirs, &upkeep),
    ];

    // Both recorders see every case (recorded once here, before any filtered run).
    for (id, recorder, _) in recorders {
        facade_recording(recorder, || {
            metrics::counter!("bench_facade_requests_total").increment(1);
            metrics::counter!("bench_facade_kept_requests_total").increment(1);
            metrics::counter!("bench_facade_labeled_requests_total", "class" => "ok", "method" => "get")
                .increment(1);
            metrics::histogram!("bench_facade_latency_seconds").record(values[0]);
        });
        let text = match id {
            "ours" => metrics_export::encode_text(&registry),
            _ => handle.render(),
        };
        for sample in [
            "bench_facade_requests_total ",
            "bench_facade_kept_requests_total ",
            "bench_facade_labeled_requests_total{class=\"ok\",method=\"get\"} ",
            "bench_facade_latency_seconds_count ",
        ] {
            assert!(text.contains(sample), "{id}: {sample}");
        }
    }

    // `counter!` with a static key at every record: what a library writes.
    let mut g = c.benchmark_group(format!("facade_counter_{threads}t"));
    for (id, recorder, upkeep) in recorders {
        bench_threads(
            &mut g,
            id,
            threads,
            |_, n| {
                facade_recording(recorder, || {
                    for _ in 0..n {
                        metrics::counter!("bench_facade_requests_total").increment(1);
                    }
                })
            },
            upkeep,
        );
    }
    g.finish();

    // The handle kept: the increment alone.
    let mut g = c.benchmark_group(format!("facade_counter_handle_{threads}t"));
    for (id, recorder, upkeep) in recorders {
        let counter = metrics::with_local_recorder(recorder, || {
            metrics::counter!("bench_facade_kept_requests_total")
        });
        bench_threads(
            &mut g,
            id,
            threads,
            |_, n| {
                for _ in 0..n {
                    black_box(&counter).increment(1);
                }
            },
            upkeep,
        );
    }
    g.finish();

    // Two labels from the 18 combinations at every record: a key built, hashed and looked up.
    let mut g = c.benchmark_group(format!("facade_labeled_counter_{threads}t"));
    let seq = combos.map(|(a, b)| (CLASS_NAMES[a], METHOD_NAMES[b]));
    for (id, recorder, upkeep) in recorders {
        bench_threads(
            &mut g,
            id,
            threads,
            |t, n| {
                facade_recording(recorder, || {
                    cycle(&seq, t, n, |&(a, b)| {
                        metrics::counter!("bench_facade_labeled_requests_total", "class" => a, "method" => b)
                            .increment(1);
                    })
                })
            },
            upkeep,
        );
    }
    g.finish();

    // `histogram!` at every record, 12 buckets.
    let mut g = c.benchmark_group(format!("facade_histogram_{threads}t"));
    for (id, recorder, upkeep) in recorders {
        bench_threads(
            &mut g,
            id,
            threads,
            |t, n| {
                facade_recording(recorder, || {
                    cycle_values(&values, t, n, |v| {
                        metrics::histogram!("bench_facade_latency_seconds").record(v);
                    })
                })
            },
            upkeep,
        );
    }
    g.finish();
}

fn exposition(c: &mut Criterion) {
    let labels = expo_labels();
    let mut g = c.benchmark_group("exposition_10k");
    g.sampling_mode(SamplingMode::Flat);

    // Ours: Prometheus text 0.0.4 into a reused String.
    let m = Arc::new(ours::ExpoMetrics::default());
    for (i, (path, shard)) in labels.iter().enumerate() {
        m.requests_total
            .with(&ours::ExpoLabels {
                path: path.clone(),
                shard: shard.clone(),
            })
            .inc_by(i as u64);
    }
    assert_eq!(m.requests_total.diverted(), 0);
    let registry = metrics_core::Registry::new();
    registry.register(Arc::clone(&m));
    let mut out = String::new();
    metrics_export::write_text(&registry, &mut out);
    assert_series("ours", &out);
    g.bench_function("ours", |b| {
        b.iter(|| {
            out.clear();
            metrics_export::write_text(&registry, &mut out);
            black_box(out.len())
        })
    });

    // prometheus: gather + TextEncoder (0.0.4) into a reused String.
    let v = prometheus::IntCounterVec::new(
        prometheus::Opts::new("bench_expo_requests_total", "Requests by path and shard."),
        &["path", "shard"],
    )
    .unwrap();
    for (i, (path, shard)) in labels.iter().enumerate() {
        v.with_label_values(&[path, shard]).inc_by(i as u64);
    }
    let preg = prometheus::Registry::new();
    preg.register(Box::new(v)).unwrap();
    let encoder = prometheus::TextEncoder::new();
    let mut out = String::new();
    encoder.encode_utf8(&preg.gather(), &mut out).unwrap();
    assert_series("prometheus", &out);
    g.bench_function("prometheus", |b| {
        b.iter(|| {
            out.clear();
            encoder.encode_utf8(&preg.gather(), &mut out).unwrap();
            black_box(out.len())
        })
    });

    // prometheus-client: its text encoder writes OpenMetrics 1.0 (it has no 0.0.4 encoder).
    let f = prometheus_client::metrics::family::Family::<
        pc::ExpoLabels,
        prometheus_client::metrics::counter::Counter,
    >::default();
    for (i, (path, shard)) in labels.iter().enumerate() {
        f.get_or_create(&pc::ExpoLabels {
            path: path.clone(),
            shard: shard.clone(),
        })
        .inc_by(i as u64);
    }
    let mut pcreg = prometheus_client::registry::Registry::default();
    pcreg.register(
        "bench_expo_requests",
        "Requests by path and shard.",
        f.clone(),
    );
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &pcreg).unwrap();
    assert_series("prometheus-client", &out);
    g.bench_function("prometheus-client", |b| {
        b.iter(|| {
            out.clear();
            prometheus_client::encoding::text::encode(&mut out, &pcreg).unwrap();
            black_box(out.len())
        })
    });

    // metrics: a recorder of its own, filled through `with_local_recorder`, rendered (0.0.4)
    // through its handle into a reused buffer.
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        metrics::describe_counter!("bench_expo_requests_total", "Requests by path and shard.");
        for (i, (path, shard)) in labels.iter().enumerate() {
            metrics::counter!("bench_expo_requests_total", "path" => path.clone(), "shard" => shard.clone())
                .increment(i as u64);
        }
    });
    let mut buf = Vec::new();
    handle.render_to_write(&mut buf).unwrap();
    assert_series("metrics", std::str::from_utf8(&buf).unwrap());
    g.bench_function("metrics", |b| {
        b.iter(|| {
            buf.clear();
            handle.render_to_write(&mut buf).unwrap();
            black_box(buf.len())
        })
    });

    // measured: open-ended labels interned in lasso's ThreadedRodeo, the buffered text encoder
    // (0.0.4) reused.
    use measured::MetricGroup as _;
    let mm = ms::ExpoMetrics::new();
    for (i, (path, shard)) in labels.iter().enumerate() {
        mm.bench_expo_requests_total
            .inc_by(ms::ExpoLabels { path, shard }, i as u64);
    }
    let mut enc = measured::text::BufferedTextEncoder::new();
    mm.collect_group_into(&mut enc).unwrap();
    let bytes = enc.finish();
    assert_series("measured", std::str::from_utf8(&bytes).unwrap());
    drop(bytes);
    g.bench_function("measured", |b| {
        b.iter(|| {
            mm.collect_group_into(&mut enc).unwrap();
            black_box(enc.finish().len())
        })
    });
    g.finish();

    // OpenMetrics 1.0, like for like with prometheus-client.
    let mut g = c.benchmark_group("exposition_10k_openmetrics");
    g.sampling_mode(SamplingMode::Flat);
    let mut out = String::new();
    g.bench_function("ours", |b| {
        b.iter(|| {
            out.clear();
            metrics_export::write_openmetrics(&registry, &mut out);
            black_box(out.len())
        })
    });
    g.bench_function("prometheus-client", |b| {
        b.iter(|| {
            out.clear();
            prometheus_client::encoding::text::encode(&mut out, &pcreg).unwrap();
            black_box(out.len())
        })
    });
    g.finish();
}

fn scraper(c: &mut Criterion) {
    let mut g = c.benchmark_group("counter_inc_1t_scraper");
    let combos = combo_sequence();

    // Ours, enum labels: the scraper encodes the registry (0.0.4) in a tight loop.
    let m = Arc::new(ours::ScrapeMetrics::default());
    let registry = metrics_core::Registry::new();
    registry.register(Arc::clone(&m));
    let seq = combos.map(|(a, b)| ours::RequestLabels {
        class: ours::CLASSES[a],
        method: ours::METHODS[b],
    });
    let work = |t: usize, n: u64| cycle(&seq, t, n, |l| m.requests_total.with(l).inc());
    let scrape = || {
        black_box(metrics_export::encode_text(&registry));
    };
    bench_threads(&mut g, "without", 1, work, &no_upkeep);
    // A scraper 1,000 times a second: far above any real scrape rate (Prometheus scrapes every
    // 15 s by default), yet each scrape still moves the family's lines to the scraper's core.
    // Measured right after `without`, before the tight loop below keeps both cores busy: in a
    // full run that measured it after the tight loop, it read 11% slower than `without`, and
    // 0.96 to 1.00 times it when measured right after `without`.
    with_paced_scraper(Duration::from_millis(1), scrape, || {
        bench_threads(&mut g, "with-1ms", 1, work, &no_upkeep)
    });
    with_scraper(scrape, || {
        bench_threads(&mut g, "with", 1, work, &no_upkeep)
    });

    // Ours, one unlabeled counter: each scrape reads one line, the least any scrape of a
    // current value can move.
    let m = Arc::new(ours::ScrapeOneMetrics::default());
    let registry = metrics_core::Registry::new();
    registry.register(Arc::clone(&m));
    let work = |_: usize, n: u64| {
        let c = &m.requests_total;
        for _ in 0..n {
            black_box(c).inc();
        }
    };
    let scrape = || {
        black_box(metrics_export::encode_text(&registry));
    };
    bench_threads(&mut g, "unlabeled-without", 1, work, &no_upkeep);
    with_scraper(scrape, || {
        bench_threads(&mut g, "unlabeled-with", 1, work, &no_upkeep)
    });

    // Ours, open-ended labels (the same 18 combinations as &'static str).
    let m = Arc::new(ours::ScrapeOpenMetrics::default());
    let registry = metrics_core::Registry::new();
    registry.register(Arc::clone(&m));
    let seq = combos.map(|(a, b)| ours::StrLabels {
        class: CLASS_NAMES[a],
        method: METHOD_NAMES[b],
    });
    let work = |t: usize, n: u64| cycle(&seq, t, n, |l| m.requests_total.with(l).inc());
    let scrape = || {
        black_box(metrics_export::encode_text(&registry));
    };
    bench_threads(&mut g, "open-without", 1, work, &no_upkeep);
    with_scraper(scrape, || {
        bench_threads(&mut g, "open-with", 1, work, &no_upkeep)
    });

    // prometheus-client, one unlabeled counter.
    let c = prometheus_client::metrics::counter::Counter::<u64>::default();
    let mut pcreg = prometheus_client::registry::Registry::default();
    pcreg.register("bench_scrape_one_requests", "Requests.", c.clone());
    let work = |_: usize, n: u64| {
        for _ in 0..n {
            black_box(&c).inc();
        }
    };
    let scrape = || {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &pcreg).unwrap();
        black_box(out);
    };
    bench_threads(
        &mut g,
        "prometheus-client-unlabeled-without",
        1,
        work,
        &no_upkeep,
    );
    with_scraper(scrape, || {
        bench_threads(
            &mut g,
            "prometheus-client-unlabeled-with",
            1,
            work,
            &no_upkeep,
        )
    });

    // prometheus-client, the same family; its scraper encodes OpenMetrics.
    let f = prometheus_client::metrics::family::Family::<
        pc::RequestLabels,
        prometheus_client::metrics::counter::Counter,
    >::default();
    let mut pcreg = prometheus_client::registry::Registry::default();
    pcreg.register("bench_scrape_requests", "Requests.", f.clone());
    let seq = combos.map(|(a, b)| pc::RequestLabels {
        class: pc::CLASSES[a],
        method: pc::METHODS[b],
    });
    let work = |t: usize, n: u64| {
        cycle(&seq, t, n, |l| {
            f.get_or_create(l).inc();
        })
    };
    let scrape = || {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &pcreg).unwrap();
        black_box(out);
    };
    bench_threads(&mut g, "prometheus-client-without", 1, work, &no_upkeep);
    with_scraper(scrape, || {
        bench_threads(&mut g, "prometheus-client-with", 1, work, &no_upkeep)
    });
    g.finish();
}

fn baseline(c: &mut Criterion) {
    let mut g = c.benchmark_group("baseline");
    let a = AtomicU64::new(0);
    let add = |_: usize, n: u64| {
        for _ in 0..n {
            black_box(&a).fetch_add(1, Ordering::Relaxed);
        }
    };
    bench_threads(&mut g, "atomic_fetch_add_1t", 1, add, &no_upkeep);
    bench_threads(&mut g, "atomic_fetch_add_2t", 2, add, &no_upkeep);

    thread_local! {
        static LOCAL: Cell<u64> = const { Cell::new(0) };
    }
    bench_threads(
        &mut g,
        "thread_local_cell_1t",
        1,
        |_, n| {
            LOCAL.with(|c| {
                for _ in 0..n {
                    let c = black_box(c);
                    c.set(c.get() + 1);
                }
            })
        },
        &no_upkeep,
    );
    g.finish();
}

fn peers(c: &mut Criterion) {
    counter_inc(c, 1);
    counter_inc(c, 2);
    labeled_counter(c, 1);
    labeled_counter(c, 2);
    histogram_observe(c, 1);
    histogram_observe(c, 2);
    facade(c, 1);
    facade(c, 2);
    exposition(c);
    scraper(c);
    baseline(c);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .sample_size(50);
    targets = peers
}
criterion_main!(benches);
