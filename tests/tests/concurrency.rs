//! N threads x M records give exact totals; every histogram's buckets add up to its count,
//! also while another thread scrapes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use metrics_core::{
    Counter, Family, FloatGauge, Gauge, Histogram, LabelSet, LabelValue, MetricSet,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Kind {
    A,
    B,
    C,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct KindLabels {
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct Worker {
    worker: usize,
}

/// Load.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Load {
    /// Events
    events_total: Counter,
    /// Events by kind
    kinds_total: Family<KindLabels, Counter>,
    /// Events by worker
    workers_total: Family<Worker, Counter>,
    /// In flight
    in_flight: Gauge,
    /// Accumulated value
    accumulated_ratio: FloatGauge,
    /// Values
    #[metric(buckets = [1.0, 2.0, 4.0])]
    values_seconds: Histogram,
}

const THREADS: usize = 8;
const RECORDS: usize = 20_000;

#[test]
fn totals_are_exact_under_contention() {
    let m = Arc::new(Load::default());
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let m = Arc::clone(&m);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                barrier.wait();
                for i in 0..RECORDS {
                    m.events_total.inc();
                    let kind = [Kind::A, Kind::B, Kind::C][i % 3];
                    m.kinds_total.with(&KindLabels { kind }).inc();
                    m.workers_total.with(&Worker { worker: t }).inc_by(2);
                    m.in_flight.inc();
                    m.accumulated_ratio.add(0.5);
                    m.values_seconds.observe((i % 5) as f64);
                    m.in_flight.dec();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let total = (THREADS * RECORDS) as u64;
    assert_eq!(m.events_total.get(), total);
    let per_kind: Vec<u64> = [Kind::A, Kind::B, Kind::C]
        .iter()
        .map(|&kind| m.kinds_total.with(&KindLabels { kind }).get())
        .collect();
    assert_eq!(per_kind.iter().sum::<u64>(), total);
    assert_eq!(per_kind[0], (THREADS * RECORDS.div_ceil(3)) as u64);
    for t in 0..THREADS {
        assert_eq!(
            m.workers_total.with(&Worker { worker: t }).get(),
            2 * RECORDS as u64
        );
    }
    assert_eq!(m.in_flight.get(), 0);
    assert_eq!(m.accumulated_ratio.get(), 0.5 * total as f64);
    let s = m.values_seconds.snapshot();
    assert_eq!(s.count, total);
    // Values 0..5 cycle: 0,1 -> le 1; 2 -> le 2; 3,4 -> le 4.
    let per = total / 5;
    assert_eq!(
        s.buckets
            .iter()
            .map(|b| b.cumulative_count)
            .collect::<Vec<_>>(),
        [2 * per, 3 * per, 5 * per, 5 * per]
    );
    assert_eq!(s.sum, (per * (1 + 2 + 3 + 4)) as f64);
}

#[test]
fn scrapes_during_recording_are_monotonic_and_self_consistent() {
    let m = Arc::new(Load::default());
    let registry = metrics_core::Registry::new();
    registry.register(Arc::clone(&m));
    let done = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|_| {
            let m = Arc::clone(&m);
            thread::spawn(move || {
                for i in 0..50_000 {
                    m.events_total.inc();
                    m.kinds_total
                        .with(&KindLabels {
                            kind: [Kind::A, Kind::B, Kind::C][i % 3],
                        })
                        .inc();
                    m.values_seconds.observe((i % 7) as f64);
                }
            })
        })
        .collect();
    let scraper = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut last_events = 0u64;
            let mut last_kinds = [0u64; 3];
            let mut scrapes = 0;
            while !done.load(Ordering::Relaxed) || scrapes == 0 {
                let text = metrics_export::encode_text(&registry);
                let value = |name: &str| -> u64 {
                    let line = text
                        .lines()
                        .find(|l| l.starts_with(name))
                        .unwrap_or_else(|| panic!("{name} missing in {text}"));
                    line.rsplit(' ').next().unwrap().parse().unwrap()
                };
                let events = value("events_total ");
                assert!(
                    events >= last_events,
                    "counter went back: {events} < {last_events}"
                );
                last_events = events;
                for (kind, last) in ["A", "B", "C"].iter().zip(&mut last_kinds) {
                    let now = value(&format!("kinds_total{{kind=\"{kind}\"}} "));
                    assert!(now >= *last, "kind {kind} went back: {now} < {last}");
                    *last = now;
                }
                let buckets: Vec<u64> = ["1", "2", "4", "+Inf"]
                    .iter()
                    .map(|le| value(&format!("values_seconds_bucket{{le=\"{le}\"}} ")))
                    .collect();
                assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
                assert_eq!(buckets[3], value("values_seconds_count "));
                scrapes += 1;
            }
            scrapes
        })
    };
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, Ordering::Relaxed);
    assert!(scraper.join().unwrap() > 0);
    assert_eq!(m.events_total.get(), 100_000);
    assert_eq!(m.values_seconds.count(), 100_000);
    // 50,000 records per writer, kinds in turn: 16,667 A, 16,667 B and 16,666 C each.
    for (kind, per_writer) in [(Kind::A, 16_667), (Kind::B, 16_667), (Kind::C, 16_666)] {
        assert_eq!(
            m.kinds_total.with(&KindLabels { kind }).get(),
            2 * per_writer
        );
    }
}

/// Threads come and go, many more over time than there are exclusive per-thread slots, while
/// others record for the whole test and a scraper reads in a loop: slots change hands (and some
/// threads record through the shared shard) without losing or doubling a record.
#[test]
fn short_lived_threads_hand_their_slots_over_without_losing_counts() {
    const WAVES: usize = 40;
    const PER_WAVE: usize = 12;
    const EACH: usize = 2_000;
    let m = Arc::new(Load::default());
    let done = Arc::new(AtomicBool::new(false));
    let scraper = {
        let m = Arc::clone(&m);
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let (mut last_events, mut last_count) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                let events = m.events_total.get();
                let count = m.values_seconds.count();
                assert!(events >= last_events, "{events} < {last_events}");
                assert!(count >= last_count, "{count} < {last_count}");
                let snapshot = m.values_seconds.snapshot();
                assert_eq!(
                    snapshot.buckets.last().unwrap().cumulative_count,
                    snapshot.count
                );
                (last_events, last_count) = (events, count);
            }
        })
    };
    for _ in 0..WAVES {
        let wave: Vec<_> = (0..PER_WAVE)
            .map(|t| {
                let m = Arc::clone(&m);
                thread::spawn(move || {
                    for i in 0..EACH {
                        m.events_total.inc();
                        m.kinds_total
                            .with(&KindLabels {
                                kind: [Kind::A, Kind::B, Kind::C][t % 3],
                            })
                            .inc_by(2);
                        m.values_seconds.observe((i % 5) as f64);
                        // One open-ended series shared by every thread (a compact counter).
                        m.workers_total.with(&Worker { worker: 7 }).inc();
                    }
                })
            })
            .collect();
        for t in wave {
            t.join().unwrap();
        }
    }
    done.store(true, Ordering::Relaxed);
    scraper.join().unwrap();
    let total = (WAVES * PER_WAVE * EACH) as u64;
    assert_eq!(m.events_total.get(), total);
    assert_eq!(m.values_seconds.count(), total);
    let kinds: u64 = [Kind::A, Kind::B, Kind::C]
        .iter()
        .map(|&kind| m.kinds_total.with(&KindLabels { kind }).get())
        .sum();
    assert_eq!(kinds, 2 * total);
    assert_eq!(m.workers_total.with(&Worker { worker: 7 }).get(), total);
    // 0, 1, 2, 3, 4 repeated: the sum is exact in f64.
    assert_eq!(
        m.values_seconds.sum(),
        (WAVES * PER_WAVE * (EACH / 5) * 10) as f64
    );
}

/// An encoder that stops at the first series of an open-ended family until told to go on: a
/// scrape held mid-family (a slow consumer, a stuck exporter).
struct PausingEncoder {
    family: &'static str,
    paused: std::sync::mpsc::Sender<()>,
    resume: std::sync::mpsc::Receiver<()>,
    done: bool,
}

impl PausingEncoder {
    fn maybe_pause(&mut self) {
        if !self.done && self.family == "workers_total" {
            self.done = true;
            self.paused.send(()).unwrap();
            self.resume.recv().unwrap();
        }
    }
}

impl metrics_core::MetricEncoder for PausingEncoder {
    fn counter(&mut self, _: &dyn metrics_core::EncodeLabels, _: u64) {
        self.maybe_pause();
    }
    fn gauge(&mut self, _: &dyn metrics_core::EncodeLabels, _: i64) {}
    fn float_gauge(&mut self, _: &dyn metrics_core::EncodeLabels, _: f64) {}
    fn histogram(
        &mut self,
        _: &dyn metrics_core::EncodeLabels,
        _: &dyn metrics_core::EncodeHistogram,
    ) {
    }
}

impl metrics_core::RegistryEncoder for PausingEncoder {
    fn family(&mut self, desc: &metrics_core::MetricDesc) {
        self.family = desc.name;
    }
    fn instance_labels(&mut self, _: &[(String, String)]) {}
}

/// While a scrape is held in the middle of an open-ended family (holding its read lock),
/// recorders of every kind still finish: existing series, new series of that family, fixed
/// families, histograms. The series created meanwhile are all in the next scrape, once each.
#[test]
fn a_paused_scrape_does_not_block_recording() {
    let m = Arc::new(Load::default());
    let registry = Arc::new(metrics_core::Registry::new());
    registry.register(Arc::clone(&m));
    m.workers_total.with(&Worker { worker: 0 }).inc();

    let (paused_tx, paused_rx) = std::sync::mpsc::channel();
    let (resume_tx, resume_rx) = std::sync::mpsc::channel();
    let scraper = {
        let registry = Arc::clone(&registry);
        thread::spawn(move || {
            registry.encode(&mut PausingEncoder {
                family: "",
                paused: paused_tx,
                resume: resume_rx,
                done: false,
            });
        })
    };
    paused_rx.recv().unwrap();

    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let m = Arc::clone(&m);
            let done = done_tx.clone();
            thread::spawn(move || {
                for i in 0..500 {
                    m.workers_total.with(&Worker { worker: 0 }).inc();
                    m.workers_total
                        .with(&Worker {
                            worker: 1 + t * 500 + i,
                        })
                        .inc();
                    m.kinds_total.with(&KindLabels { kind: Kind::B }).inc();
                    m.values_seconds.observe(1.5);
                    m.events_total.inc();
                }
                done.send(()).unwrap();
            })
        })
        .collect();
    for _ in 0..4 {
        done_rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("a recorder is blocked by the paused scrape");
    }
    // Still paused: nothing waited for it.
    resume_tx.send(()).unwrap();
    scraper.join().unwrap();
    for w in writers {
        w.join().unwrap();
    }

    assert_eq!(m.workers_total.len(), 1 + 4 * 500);
    assert_eq!(
        m.workers_total.with(&Worker { worker: 0 }).get(),
        1 + 4 * 500
    );
    let text = metrics_export::encode_text(&registry);
    let worker_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("workers_total{"))
        .collect();
    assert_eq!(worker_lines.len(), 1 + 4 * 500, "every series once");
    let mut unique = worker_lines.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), worker_lines.len(), "no series twice");
    assert!(
        text.contains("\nworkers_total{worker=\"0\"} 2001\n"),
        "{text}"
    );
    assert!(text.contains("\nkinds_total{kind=\"B\"} 2000\n"));
    assert!(text.contains("\nevents_total 2000\n"));
    assert!(text.contains("\nvalues_seconds_count 2000\n"));
    // Once a creation gets the write lock, the pending series move into the map, in order.
    m.workers_total.with(&Worker { worker: 999_999 }).inc();
    let text = metrics_export::encode_text(&registry);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("workers_total{"))
            .count(),
        2 + 4 * 500
    );
}
