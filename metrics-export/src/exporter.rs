//! What every pushing exporter shares (features `remote-write`, `otlp` and `pushgateway`): a
//! background thread that exports on an interval, `flush` with a deadline, the health of the
//! last exports, self-metrics registered in the registry the exporter pushes, and (for remote
//! write and OTLP) the HTTP plumbing of their requests (one `ureq` agent configuration, jittered
//! backoff, reading an answer).

#[cfg(any(feature = "remote-write", feature = "otlp"))]
use std::collections::hash_map::RandomState;
use std::fmt;
#[cfg(any(feature = "remote-write", feature = "otlp"))]
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use metrics_core::{
    CheckError, Counter, EncodeMetric, Metric, MetricDesc, MetricSet, Registry, RegistryError,
    SetInfo,
};

/// Why an export failed, as [`Health::last_error`] keeps it: a human-readable message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportError(pub String);

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExportError {}

/// How an exporter has been doing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// When an export last succeeded (`None`: never).
    pub last_success: Option<SystemTime>,
    /// The error of the last failed export, kept after later successes (`None`: never failed).
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
    /// Set while the background thread is being stopped: waits (backoff) end at once.
    stopping: Mutex<bool>,
    wake: Condvar,
    /// Whether a background thread runs.
    started: AtomicBool,
    /// Whether the self-metrics were registered (or their registration was refused).
    registered: Mutex<bool>,
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
    /// A fresh state: never exported, counters at zero.
    pub fn new() -> Self {
        Self {
            metrics: Arc::new(ExporterMetrics::default()),
            health: Mutex::new(Health::default()),
            stopping: Mutex::new(false),
            wake: Condvar::new(),
            started: AtomicBool::new(false),
            registered: Mutex::new(false),
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

    /// The registry an exporter pushes: `registry`, or the global one when its sets do not
    /// clash. The first call registers the self-metrics there (see [`register`](Self::register);
    /// refused when an exporter of the same kind and URL already did: its counters are then this
    /// one's only in `metrics()` and the health).
    pub(crate) fn pushed_registry<'a>(
        &self,
        registry: Option<&'a Registry>,
        kind: &str,
        url: &str,
    ) -> Result<&'a Registry, CheckError> {
        let registry = match registry {
            Some(registry) => registry,
            None => {
                metrics_core::check()?;
                Registry::global()
            }
        };
        let mut registered = lock(&self.registered);
        if !*registered {
            *registered = true;
            let _ = self.register(registry, kind, url);
        }
        Ok(registry)
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
                health.last_error = Some(e.0.clone());
                health.consecutive_failures += 1;
            }
        }
    }

    /// Sleeps `duration`, or less: until `deadline`, or until the background thread is being
    /// stopped. Returns `false` when woken by the stop (the caller should give up waiting).
    pub fn pause(&self, duration: Duration, deadline: Instant) -> bool {
        let until = (Instant::now() + duration).min(deadline);
        let mut stopping = lock(&self.stopping);
        loop {
            if *stopping {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            stopping = self
                .wake
                .wait_timeout(stopping, until - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn set_stopping(&self, value: bool) {
        *lock(&self.stopping) = value;
        self.wake.notify_all();
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

    /// How long the final flush may take when the background thread stops (default 5 s).
    fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(5)
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
    /// handle is dropped or [`ExporterHandle::shutdown`]; then flushes once more, within
    /// [`shutdown_timeout`](Exporter::shutdown_timeout). Each periodic export may take at most
    /// `interval`.
    ///
    /// # Panics
    /// When the thread cannot be spawned, or a background thread already runs for this exporter.
    fn start(self: Arc<Self>, interval: Duration) -> ExporterHandle
    where
        Self: Sized,
    {
        assert!(
            !self.state().started.swap(true, Ordering::SeqCst),
            "this exporter already runs on a background thread"
        );
        let interval = interval.max(Duration::from_millis(1));
        let exporter = Arc::clone(&self);
        let thread = std::thread::Builder::new()
            .name("metrics-exporter".to_owned())
            .spawn(move || {
                let state = exporter.state();
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
                state.set_stopping(false);
                let outcome = exporter.export(Instant::now() + exporter.shutdown_timeout());
                state.record(&outcome);
                state.started.store(false, Ordering::SeqCst);
            })
            .expect("cannot spawn the metrics-exporter thread");
        let exporter: Arc<dyn Exporter> = self;
        ExporterHandle {
            exporter,
            thread: Some(thread),
        }
    }
}

/// The background thread of an [`Exporter`]: dropping it (or [`shutdown`](Self::shutdown))
/// stops the periodic exports, flushes once more within the exporter's shutdown timeout, and
/// waits for the thread.
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

    /// Stops the thread after a final flush and returns the health after it.
    pub fn shutdown(mut self) -> Health {
        self.stop();
        self.exporter.health()
    }

    fn stop(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.exporter.state().set_stopping(true);
            // The thread does not panic: an exporter's errors are values.
            let _ = thread.join();
        }
    }
}

impl Drop for ExporterHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(any(feature = "remote-write", feature = "otlp"))]
/// Full jitter: a random wait between zero and `min(max, min * 2^retry)`.
pub(crate) fn backoff_delay(min: Duration, max: Duration, retry: u32) -> Duration {
    let cap = min
        .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
        .min(max);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(retry);
    let random = hasher.finish();
    // `random / u64::MAX` of the cap, in nanoseconds (caps fit in u64 ns for 584 years).
    let cap_ns = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    let ns = (u128::from(cap_ns) * u128::from(random) / u128::from(u64::MAX)) as u64;
    Duration::from_nanos(ns)
}

#[cfg(any(feature = "remote-write", feature = "otlp"))]
/// The wait before retry `retry` (from 0): [`backoff_delay`], or the receiver's `Retry-After`
/// if longer, up to `max`.
pub(crate) fn retry_wait(
    min: Duration,
    max: Duration,
    retry: u32,
    retry_after: Option<Duration>,
) -> Duration {
    let wait = backoff_delay(min, max, retry);
    retry_after.map_or(wait, |asked| wait.max(asked.min(max)))
}

#[cfg(any(feature = "remote-write", feature = "otlp"))]
/// The agent of a pushing exporter: error statuses are answers, not errors.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    )
}

#[cfg(any(feature = "remote-write", feature = "otlp"))]
/// Why one request failed, before an exporter names its receiver in the message.
pub(crate) enum SendError {
    /// Not reached, no answer in time, or an answer that is not HTTP.
    Transport(String),
    /// An error status, with the answer's body (at most 64 KiB) and `Retry-After` (seconds).
    Status {
        status: u16,
        body: String,
        retry_after: Option<Duration>,
    },
}

#[cfg(any(feature = "remote-write", feature = "otlp"))]
/// Reads the answer to one request: `2xx` is a success, with the answer's body (at most 64 KiB).
pub(crate) fn answer(
    sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Vec<u8>, SendError> {
    let mut response = sent.map_err(|e| SendError::Transport(e.to_string()))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    // Read (at most 64 KiB of) the answer: a refusal explains itself there, and a read body
    // lets the connection be reused.
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(SendError::Status {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            retry_after,
        })
    }
}
