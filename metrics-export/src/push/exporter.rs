//! The [`Exporter`] trait: a background thread that exports on an interval, `flush` with a
//! deadline, the health of the last exports, and self-metrics registered in the registry the
//! exporter pushes.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use super::ExportError;
use metrics_core::{
    Counter, EncodeMetric, Metric, MetricDesc, MetricSet, Registry, RegistryError, SetInfo,
};

/// How an exporter has been doing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// When an export last succeeded (`None`: never).
    pub last_success: Option<SystemTime>,
    /// The message of the last failed export's error, kept after later successes (`None`:
    /// never failed).
    pub last_error: Option<String>,
    /// Exports that failed since the last success.
    pub consecutive_failures: u64,
}

/// The exporter's self-metrics, a [`MetricSet`] the exporter registers in the registry it
/// pushes, with the instance labels `exporter` (the kind: `remote_write`, `otlp`) and `url`.
///
/// | metric | counts |
/// |---|---|
/// | `metrics_exporter_pushes_total` | requests sent to the receiver (retries included) |
/// | `metrics_exporter_push_failures_total` | requests that failed (transport error, timeout, error status) |
/// | `metrics_exporter_dropped_samples_total` | samples given up: queue full, refused (4xx), retries exhausted |
#[derive(Debug, Default)]
pub struct ExporterMetrics {
    /// Requests sent.
    pub pushes: Counter,
    /// Requests that failed.
    pub failures: Counter,
    /// Samples given up.
    pub dropped_samples: Counter,
}

impl MetricSet for ExporterMetrics {
    const INFO: &'static SetInfo = &SetInfo {
        name: "ExporterMetrics",
        module: module_path!(),
        type_id: std::any::TypeId::of::<Self>,
        metrics: &[
            MetricDesc {
                name: "metrics_exporter_pushes_total",
                help: "Requests an exporter sent to its receiver, retries included",
                unit: None,
                kind: Counter::KIND,
                label_names: &[],
                field: "pushes",
            },
            MetricDesc {
                name: "metrics_exporter_push_failures_total",
                help: "Requests of an exporter that failed: transport error, timeout or error status",
                unit: None,
                kind: Counter::KIND,
                label_names: &[],
                field: "failures",
            },
            MetricDesc {
                name: "metrics_exporter_dropped_samples_total",
                help: "Samples an exporter gave up: queue full, refused by the receiver, or retries exhausted",
                unit: None,
                kind: Counter::KIND,
                label_names: &[],
                field: "dropped_samples",
            },
        ],
    };

    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric> {
        [
            &self.pushes as &dyn EncodeMetric,
            &self.failures,
            &self.dropped_samples,
        ]
        .get(index)
        .copied()
    }
}

/// The state an exporter shares with [`Exporter`]'s provided methods: health, self-metrics,
/// and the stop signal of its background thread.
#[derive(Debug)]
pub struct ExporterState {
    metrics: Arc<ExporterMetrics>,
    health: Mutex<Health>,
    /// The background thread's run, and its changes.
    run: Mutex<Run>,
    wake: Condvar,
    /// Whether the self-metrics were registered (or their registration was refused).
    registered: Mutex<bool>,
    /// How long stopping the background thread may take.
    pub(crate) shutdown_timeout: Duration,
}

/// Whether a background thread runs, and whether it is asked to stop.
#[derive(Debug, Default)]
struct Run {
    /// A background thread runs (until it ends, even after its handle stopped waiting for it).
    running: bool,
    /// Set while the thread is being stopped: waits (backoff) end at once.
    stopping: bool,
    /// When the thread's last flush must end: the stop, plus the shutdown timeout.
    stop_by: Option<Instant>,
}

impl Default for ExporterState {
    fn default() -> Self {
        Self::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ExporterState {
    /// A fresh state: never exported, counters at zero, a shutdown timeout of 5 s.
    pub fn new() -> Self {
        Self {
            metrics: Arc::new(ExporterMetrics::default()),
            health: Mutex::new(Health::default()),
            run: Mutex::new(Run::default()),
            wake: Condvar::new(),
            registered: Mutex::new(false),
            shutdown_timeout: Duration::from_secs(5),
        }
    }

    /// A fresh state with the same shutdown timeout.
    pub(crate) fn fresh(&self) -> Self {
        Self {
            shutdown_timeout: self.shutdown_timeout,
            ..Self::new()
        }
    }

    /// The self-metrics.
    pub fn metrics(&self) -> &Arc<ExporterMetrics> {
        &self.metrics
    }

    /// Registers the self-metrics in `registry` with the instance labels
    /// `exporter="<kind>",url="<url>"`.
    ///
    /// # Errors
    /// When the registry already holds the self-metrics of an exporter of the same kind and URL.
    pub fn register(
        &self,
        registry: &Registry,
        kind: &str,
        url: &str,
    ) -> Result<(), RegistryError> {
        registry.try_register_with_labels(
            Arc::clone(&self.metrics),
            &[("exporter", kind), ("url", url)],
        )
    }

    /// Registers the self-metrics in `registry` (see [`register`](Self::register)) on the first
    /// call. Refused when an exporter of the same kind and URL already did: its counters are then
    /// this one's only in `metrics()` and the health.
    pub(crate) fn register_once(&self, registry: &Registry, kind: &str, url: &str) {
        let mut registered = lock(&self.registered);
        if !*registered {
            *registered = true;
            let _ = self.register(registry, kind, url);
        }
    }

    /// The current health.
    pub fn health(&self) -> Health {
        lock(&self.health).clone()
    }

    /// Records the outcome of one export.
    pub fn record(&self, outcome: &Result<(), ExportError>) {
        let mut health = lock(&self.health);
        match outcome {
            Ok(()) => {
                health.last_success = Some(SystemTime::now());
                health.consecutive_failures = 0;
            }
            Err(e) => {
                health.last_error = Some(e.to_string());
                health.consecutive_failures += 1;
            }
        }
    }

    /// Sleeps `duration`, or less: until `deadline`, or until the background thread is being
    /// stopped. Returns `false` when woken by the stop (the caller should give up waiting).
    pub fn pause(&self, duration: Duration, deadline: Instant) -> bool {
        let until = (Instant::now() + duration).min(deadline);
        let mut run = lock(&self.run);
        loop {
            if run.stopping {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            run = self.wait(run, until - now);
        }
    }

    fn wait<'a>(&self, run: MutexGuard<'a, Run>, timeout: Duration) -> MutexGuard<'a, Run> {
        self.wake
            .wait_timeout(run, timeout)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    /// Marks a background thread as running.
    ///
    /// # Panics
    /// When one already runs.
    #[track_caller]
    fn begin(&self) {
        let mut run = lock(&self.run);
        assert!(
            !run.running,
            "this exporter already runs on a background thread"
        );
        *run = Run {
            running: true,
            stopping: false,
            stop_by: None,
        };
    }

    /// Asks the background thread to stop, its last flush ending by `stop_by`, and waits for it
    /// until then. Returns `false` when it still runs (an export is waiting for its receiver).
    fn stop(&self, stop_by: Instant) -> bool {
        let mut run = lock(&self.run);
        run.stopping = true;
        run.stop_by = Some(stop_by);
        self.wake.notify_all();
        while run.running {
            let left = stop_by.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            run = self.wait(run, left);
        }
        true
    }

    /// For the background thread, once asked to stop: waits (backoff) work again, for its last
    /// flush, which must end by the returned deadline.
    fn stopped(&self) -> Instant {
        let mut run = lock(&self.run);
        run.stopping = false;
        run.stop_by.unwrap_or_else(Instant::now)
    }

    /// For the background thread, as it ends.
    fn end(&self) {
        lock(&self.run).running = false;
        self.wake.notify_all();
    }
}

/// Marks the background thread as ended when it returns, or unwinds.
struct Ending<'a>(&'a ExporterState);

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// A pusher: something that sends a registry's current values somewhere. The provided methods
/// run it on a background thread ([`start`](Exporter::start)), push now ([`flush`](Exporter::flush))
/// and report how it has been doing ([`health`](Exporter::health)).
pub trait Exporter: Send + Sync + 'static {
    /// One export: snapshots the registry and delivers it (with what is still pending), giving
    /// up at `deadline`. Waits (backoff) go through [`ExporterState::pause`] so a stopping
    /// background thread is not held up.
    ///
    /// # Errors
    /// What prevented delivery.
    fn export(&self, deadline: Instant) -> Result<(), ExportError>;

    /// The exporter's health, self-metrics and stop signal.
    fn state(&self) -> &ExporterState;

    /// How long stopping the background thread may take, the export under way and the last
    /// flush included (default: the state's, 5 s unless the exporter's builder says otherwise).
    fn shutdown_timeout(&self) -> Duration {
        self.state().shutdown_timeout
    }

    /// Exports now, waiting at most `timeout`; the outcome is recorded in the health.
    ///
    /// # Errors
    /// What prevented delivery before the deadline.
    fn flush(&self, timeout: Duration) -> Result<(), ExportError> {
        let outcome = self.export(Instant::now() + timeout);
        self.state().record(&outcome);
        outcome
    }

    /// How the last exports went.
    fn health(&self) -> Health {
        self.state().health()
    }

    /// Exports every `interval` on a background thread (`metrics-exporter`) until the returned
    /// handle is dropped or [`ExporterHandle::shutdown`]; then flushes once more. Each periodic
    /// export may take at most `interval`; stopping takes at most
    /// [`shutdown_timeout`](Exporter::shutdown_timeout), the export under way and the last
    /// flush included.
    ///
    /// # Panics
    /// When the thread cannot be spawned, or a background thread already runs for this exporter
    /// (one its handle stopped waiting for counts until it ends). The panic reports the
    /// caller's location.
    #[track_caller]
    fn start(self: Arc<Self>, interval: Duration) -> ExporterHandle
    where
        Self: Sized,
    {
        self.state().begin();
        let interval = interval.max(Duration::from_millis(1));
        let exporter = Arc::clone(&self);
        let thread = std::thread::Builder::new()
            .name("metrics-exporter".to_owned())
            .spawn(move || {
                let state = exporter.state();
                let _ending = Ending(state);
                let mut next = Instant::now() + interval;
                // `pause` returns `false` once the handle asks the thread to stop.
                while state.pause(next.saturating_duration_since(Instant::now()), next) {
                    let outcome = exporter.export(next + interval);
                    state.record(&outcome);
                    next += interval;
                    let now = Instant::now();
                    if next < now {
                        next = now; // an export that overran: the next one starts at once
                    }
                }
                let outcome = exporter.export(state.stopped());
                state.record(&outcome);
            });
        let thread = match thread {
            Ok(thread) => thread,
            Err(err) => {
                self.state().end();
                panic!("cannot spawn the metrics-exporter thread: {err}");
            }
        };
        let exporter: Arc<dyn Exporter> = self;
        ExporterHandle {
            exporter,
            thread: Some(thread),
        }
    }
}

/// The background thread of an [`Exporter`]: dropping it (or [`shutdown`](Self::shutdown))
/// stops the periodic exports, flushes once more, and waits for the thread, all within the
/// exporter's shutdown timeout. A request under way cannot be cut short: when the thread still
/// waits for its receiver at the timeout, it is left to end on its own (its last flush given
/// up) and the drop returns.
pub struct ExporterHandle {
    exporter: Arc<dyn Exporter>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for ExporterHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExporterHandle")
            .field("health", &self.exporter.health())
            .finish_non_exhaustive()
    }
}

impl ExporterHandle {
    /// How the exporter has been doing.
    pub fn health(&self) -> Health {
        self.exporter.health()
    }

    /// Exports now, waiting at most `timeout` (see [`Exporter::flush`]).
    ///
    /// # Errors
    /// What prevented delivery before the deadline.
    pub fn flush(&self, timeout: Duration) -> Result<(), ExportError> {
        self.exporter.flush(timeout)
    }

    /// Stops the thread after a final flush and returns the health after it (see the type's
    /// documentation for the bound).
    pub fn shutdown(mut self) -> Health {
        self.stop();
        self.exporter.health()
    }

    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let stop_by = Instant::now() + self.exporter.shutdown_timeout();
            if self.exporter.state().stop(stop_by) {
                // A panic of the exporter stays on its thread.
                let _ = thread.join();
            }
        }
    }
}

impl Drop for ExporterHandle {
    fn drop(&mut self) {
        self.stop();
    }
}
