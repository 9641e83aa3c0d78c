//! Pushing a registry to a Prometheus Remote Write 1.0 receiver (feature `remote-write`):
//! VictoriaMetrics, Mimir, Thanos Receive, Cortex, or Prometheus itself with
//! `--web.enable-remote-write-receiver`.
//!
//! Each export snapshots the registry into a [`WriteRequest`] (one sample per series, stamped
//! with the snapshot's time), encodes it as protobuf, compresses it with snappy (block format)
//! and queues it. The queue is then sent oldest first:
//!
//! - `2xx`: delivered;
//! - `5xx`, `429`, a transport error or a timeout: retried, after an exponential backoff with
//!   full jitter (a random wait between zero and `min(max, min * 2^retry)`, or the receiver's
//!   `Retry-After` if longer, up to `max`), up to
//!   [`max_attempts`](RemoteWrite::max_attempts) sends, then dropped;
//! - any other status (`400` for a sample the receiver refuses...): dropped at once, a retry
//!   would be refused too.
//!
//! The queue holds at most [`queue_capacity`](RemoteWrite::queue_capacity) requests: when a new
//! snapshot finds it full, the oldest request is dropped. Dropped samples are counted in
//! `metrics_exporter_dropped_samples_total`, one of the self-metrics ([`ExporterMetrics`])
//! registered in the pushed registry. A receiver that is down, slow or answering garbage
//! therefore costs the program one bounded queue, one background thread and a request timeout,
//! never a hang or a panic.

mod proto;
mod series;

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use metrics_core::{CheckError, Registry};
use prost::Message as _;

use crate::exporter::{self, agent, ExportError, Exporter, ExporterMetrics, ExporterState};
pub use proto::{Label, Sample, TimeSeries, WriteRequest};

/// The `Content-Type` of a remote write request.
pub const REMOTE_WRITE_CONTENT_TYPE: &str = "application/x-protobuf";
/// The `X-Prometheus-Remote-Write-Version` of Remote Write 1.0.
pub const REMOTE_WRITE_VERSION: &str = "0.1.0";

const USER_AGENT: &str = concat!("metrics-export/", env!("CARGO_PKG_VERSION"));

/// A Remote Write 1.0 client pushing one registry (the global one by default) to one receiver.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
/// use metrics_core::Registry;
/// use metrics_export::{Exporter, RemoteWrite};
///
/// let registry = Arc::new(Registry::new());
/// let writer = RemoteWrite::new("http://127.0.0.1:8428/api/v1/write")?
///     .registry(registry)
///     .timeout(Duration::from_secs(5));
/// let handle = Arc::new(writer).start(Duration::from_secs(15)); // a push every 15 s
/// // ... the program runs; `handle.health()` says how the pushes go.
/// handle.flush(Duration::from_secs(2))?; // push now, wait at most 2 s
/// drop(handle); // stops the thread after a last flush (at most 5 s, `shutdown_timeout`)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RemoteWrite {
    url: String,
    registry: Option<Arc<Registry>>,
    agent: ureq::Agent,
    timeout: Duration,
    capacity: usize,
    max_attempts: u32,
    min_backoff: Duration,
    max_backoff: Duration,
    shutdown_timeout: Duration,
    queue: Mutex<VecDeque<Pending>>,
    /// Held by the export that sends the queue: one sender at a time, oldest request first.
    sending: Mutex<()>,
    state: ExporterState,
}

/// A compressed write request waiting to be sent.
struct Pending {
    body: Vec<u8>,
    samples: u64,
    /// Sends that failed with a retryable error.
    attempts: u32,
}

/// Why a remote write client could not be built, or a request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RemoteWriteError {
    /// The URL is not `http://` or `https://`, or an option is out of range.
    InvalidArgument(String),
    /// The linked metric sets clash, so the global registry cannot be pushed.
    Registry(CheckError),
    /// The receiver could not be reached, or did not answer in time, or answered garbage.
    Transport(String),
    /// The receiver answered with an error status.
    Status {
        /// The HTTP status.
        status: u16,
        /// The receiver's explanation (at most 64 KiB of it).
        body: String,
        /// The receiver's `Retry-After`, in seconds (`429`, `503`).
        retry_after: Option<Duration>,
    },
}

impl fmt::Display for RemoteWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArgument(message) => f.write_str(message),
            Self::Registry(err) => write!(f, "cannot push the global registry: {err}"),
            Self::Transport(err) => write!(f, "cannot reach the remote write receiver: {err}"),
            Self::Status { status, body, .. } => {
                write!(
                    f,
                    "the remote write receiver answered {status}: {}",
                    body.trim_end()
                )
            }
        }
    }
}

impl std::error::Error for RemoteWriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Registry(err) => Some(err),
            _ => None,
        }
    }
}

impl RemoteWriteError {
    /// Whether sending the same request again may succeed: transport errors, `5xx` and `429`.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Status { status, .. } => *status >= 500 || *status == 429,
            Self::InvalidArgument(_) | Self::Registry(_) => false,
        }
    }
}

impl From<exporter::SendError> for RemoteWriteError {
    fn from(err: exporter::SendError) -> Self {
        match err {
            exporter::SendError::Transport(e) => Self::Transport(e),
            exporter::SendError::Status {
                status,
                body,
                retry_after,
            } => Self::Status {
                status,
                body,
                retry_after,
            },
        }
    }
}

impl From<RemoteWriteError> for ExportError {
    fn from(err: RemoteWriteError) -> Self {
        ExportError(err.to_string())
    }
}

impl fmt::Debug for RemoteWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteWrite")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("queue_capacity", &self.capacity)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RemoteWrite {
    /// A client of the receiver whose write endpoint is `url`
    /// (`http://host:8428/api/v1/write`), pushing the global registry until
    /// [`registry`](Self::registry) says otherwise.
    ///
    /// Defaults: requests time out after 10 s, at most 16 requests queued, 10 sends per request,
    /// backoff between 30 ms and 5 s (Prometheus' own remote write defaults), 5 s for the last
    /// flush when the background thread stops.
    ///
    /// # Errors
    /// [`RemoteWriteError::InvalidArgument`] for a URL that is not `http(s)://...`.
    pub fn new(url: &str) -> Result<Self, RemoteWriteError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(RemoteWriteError::InvalidArgument(format!(
                "remote write URL `{url}` must start with `http://` or `https://`"
            )));
        }
        let timeout = Duration::from_secs(10);
        Ok(Self {
            url: url.to_owned(),
            registry: None,
            agent: agent(),
            timeout,
            capacity: 16,
            max_attempts: 10,
            min_backoff: Duration::from_millis(30),
            max_backoff: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(5),
            queue: Mutex::new(VecDeque::new()),
            sending: Mutex::new(()),
            state: ExporterState::new(),
        })
    }

    /// Pushes `registry` instead of the global one.
    #[must_use]
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// How long one request may take before it fails (default 10 s); an export also stops at
    /// its own deadline.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many requests may wait for delivery (default 16, at least 1); when full, the oldest
    /// is dropped.
    #[must_use]
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How many times a request is sent before a retryable failure drops it (default 10, at
    /// least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff bounds (default 30 ms and 5 s): the wait before retry `n` (from 0) is random
    /// between zero and `min(max, min * 2^n)`.
    #[must_use]
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max.max(min);
        self
    }

    /// How long the last flush may take when the background thread stops (default 5 s).
    #[must_use]
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The receiver's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests waiting for delivery.
    pub fn queued(&self) -> usize {
        lock(&self.queue).len()
    }

    /// The self-metrics (also registered in the pushed registry).
    pub fn metrics(&self) -> &ExporterMetrics {
        self.state.metrics()
    }

    /// The write request of the registry as it is now, every sample stamped `timestamp_ms`
    /// (milliseconds since the Unix epoch).
    ///
    /// # Errors
    /// [`RemoteWriteError::Registry`] when pushing the global registry and its sets clash.
    pub fn write_request(&self, timestamp_ms: i64) -> Result<WriteRequest, RemoteWriteError> {
        let registry = self
            .state
            .pushed_registry(self.registry.as_deref(), "remote_write", &self.url)
            .map_err(RemoteWriteError::Registry)?;
        Ok(WriteRequest {
            timeseries: series::snapshot(registry, timestamp_ms),
        })
    }

    /// Snapshots the registry into the queue, dropping the oldest request if it is full.
    fn enqueue(&self) -> Result<(), RemoteWriteError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let request = self.write_request(now_ms)?;
        let samples: u64 = request
            .timeseries
            .iter()
            .map(|s| s.samples.len() as u64)
            .sum();
        if samples == 0 {
            return Ok(());
        }
        let body = snap::raw::Encoder::new()
            .compress_vec(&request.encode_to_vec())
            .map_err(|e| RemoteWriteError::InvalidArgument(format!("snappy: {e}")))?;
        let mut queue = lock(&self.queue);
        queue.push_back(Pending {
            body,
            samples,
            attempts: 0,
        });
        self.trim(&mut queue);
        Ok(())
    }

    /// Drops the oldest requests past the capacity, counting their samples.
    fn trim(&self, queue: &mut VecDeque<Pending>) {
        while queue.len() > self.capacity {
            if let Some(dropped) = queue.pop_front() {
                self.metrics().dropped_samples.inc_by(dropped.samples);
            }
        }
    }

    /// Puts a request that could not be delivered yet back at the head of the queue.
    fn requeue(&self, pending: Pending) {
        let mut queue = lock(&self.queue);
        queue.push_front(pending);
        self.trim(&mut queue);
    }

    /// Sends one request, waiting at most `timeout`.
    fn send(&self, body: &[u8], timeout: Duration) -> Result<(), RemoteWriteError> {
        self.metrics().pushes.inc();
        let sent = self
            .agent
            .post(&self.url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Encoding", "snappy")
            .header("Content-Type", REMOTE_WRITE_CONTENT_TYPE)
            .header("X-Prometheus-Remote-Write-Version", REMOTE_WRITE_VERSION)
            .header("User-Agent", USER_AGENT)
            .send(body);
        let outcome = exporter::answer(sent)
            .map(drop)
            .map_err(RemoteWriteError::from);
        if outcome.is_err() {
            self.metrics().failures.inc();
        }
        outcome
    }

    /// Sends the queue, oldest first, until it is empty or `deadline`.
    fn drain(&self, deadline: Instant) -> Result<(), RemoteWriteError> {
        // One sender at a time; another export's sender gives up by its own deadline.
        let _sending = loop {
            if let Ok(guard) = self.sending.try_lock() {
                break guard;
            }
            if Instant::now() >= deadline {
                return Err(RemoteWriteError::Transport(
                    "deadline reached while another export was sending".to_owned(),
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        // The error of the last request dropped by this export: the export failed even if later
        // requests were delivered.
        let mut failed = None;
        loop {
            let Some(mut pending) = lock(&self.queue).pop_front() else {
                return failed.map_or(Ok(()), Err);
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(1) {
                self.requeue(pending);
                return Err(failed.unwrap_or_else(|| {
                    RemoteWriteError::Transport("deadline reached before sending".to_owned())
                }));
            }
            let err = match self.send(&pending.body, self.timeout.min(left)) {
                Ok(()) => continue,
                Err(err) => err,
            };
            pending.attempts += 1;
            if !err.is_retryable() || pending.attempts >= self.max_attempts {
                // Refused (a retry would be refused too), or retried enough: dropped.
                self.metrics().dropped_samples.inc_by(pending.samples);
                failed = Some(err);
                continue;
            }
            let retry_after = match err {
                RemoteWriteError::Status { retry_after, .. } => retry_after,
                _ => None,
            };
            let wait = exporter::retry_wait(
                self.min_backoff,
                self.max_backoff,
                pending.attempts - 1,
                retry_after,
            );
            let retry_at = Instant::now() + wait;
            self.requeue(pending);
            if retry_at >= deadline || !self.state.pause(wait, deadline) {
                // Not before the deadline, or the thread is stopping: the next export retries.
                return Err(err);
            }
        }
    }

    /// Full jitter: a random wait between zero and `min(max, min * 2^retry)`.
    #[cfg(test)]
    fn backoff_delay(&self, retry: u32) -> Duration {
        exporter::backoff_delay(self.min_backoff, self.max_backoff, retry)
    }
}

impl Exporter for RemoteWrite {
    fn export(&self, deadline: Instant) -> Result<(), ExportError> {
        self.enqueue()?;
        Ok(self.drain(deadline)?)
    }

    fn state(&self) -> &ExporterState {
        &self.state
    }

    fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RemoteWrite;

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_cap() {
        let w = RemoteWrite::new("http://x/api/v1/write")
            .unwrap()
            .backoff(Duration::from_millis(10), Duration::from_millis(100));
        for retry in 0..40 {
            let cap = Duration::from_millis((10u64 << retry.min(10)).min(100));
            let delays: Vec<Duration> = (0..200).map(|_| w.backoff_delay(retry)).collect();
            assert!(delays.iter().all(|d| *d <= cap), "{retry}: {delays:?}");
            // Spread over the whole range: some in the lower and some in the upper quarter.
            assert!(delays.iter().any(|d| *d < cap / 4), "{retry}");
            assert!(delays.iter().any(|d| *d > cap * 3 / 4), "{retry}");
        }
    }

    #[test]
    fn urls_are_checked() {
        assert!(RemoteWrite::new("127.0.0.1:8428/api/v1/write").is_err());
        assert!(RemoteWrite::new("https://x/api/v1/write").is_ok());
    }
}
