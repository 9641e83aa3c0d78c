//! Pushing a registry to a Prometheus Remote Write 1.0 receiver (feature `remote-write`):
//! VictoriaMetrics, Mimir, Thanos Receive, Cortex, or Prometheus itself with
//! `--web.enable-remote-write-receiver`.
//!
//! Each export snapshots the registry into a [`WriteRequest`] (one sample per series, stamped
//! with the snapshot's time), encodes it as protobuf, compresses it with snappy (block format)
//! and queues it. The queue is then sent oldest first:
//!
//! - `2xx`, its answer read in full: delivered;
//! - `5xx`, `429`, a transport error or a timeout: retried, after an exponential backoff with
//!   full jitter (a random wait between zero and `min(max, min * 2^retry)`, or the receiver's
//!   `Retry-After` if longer, up to `max`), up to
//!   [`max_attempts`](RemoteWrite::max_attempts) sends, then dropped;
//! - any other status (`400` for a sample the receiver refuses...): dropped at once, a retry
//!   would be refused too.
//!
//! The queue holds at most [`queue_capacity`](RemoteWrite::queue_capacity) requests: when a new
//! snapshot finds it full, the oldest request is dropped. Dropped samples are counted in
//! `metrics_exporter_dropped_samples_total`, one of the self-metrics ([`ExporterMetrics`](crate::ExporterMetrics))
//! registered in the pushed registry. A receiver that is down, slow or answering garbage
//! therefore costs the program one bounded queue, one background thread and a request timeout,
//! never a hang or a panic.

pub mod proto;
mod series;

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prost::Message as _;
use ureq::http::Method;

use crate::push::client::{PushClient, Request};
use crate::push::push_settings;
use crate::{ExportError, Exporter, ExporterState, Protocol, PushError, TransportError};
use proto::WriteRequest;

/// The `Content-Type` of a remote write request.
pub const REMOTE_WRITE_CONTENT_TYPE: &str = "application/x-protobuf";
/// The `X-Prometheus-Remote-Write-Version` of Remote Write 1.0.
pub const REMOTE_WRITE_VERSION: &str = "0.1.0";

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
    client: PushClient,
    capacity: usize,
    queue: Mutex<VecDeque<Pending>>,
    /// Held by the export that sends the queue: one sender at a time, oldest request first.
    sending: Mutex<()>,
    /// Whether exponential histograms send a native histogram sample too.
    native_histograms: bool,
}

/// A compressed write request waiting to be sent.
struct Pending {
    body: Vec<u8>,
    samples: u64,
    /// Sends that failed with a retryable error.
    attempts: u32,
}

impl fmt::Debug for RemoteWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteWrite")
            .field("client", &self.client)
            .field("queue_capacity", &self.capacity)
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
    /// backoff between 30 ms and 5 s (Prometheus' own remote write defaults), 5 s for stopping
    /// the background thread.
    ///
    /// # Errors
    /// [`PushError::InvalidArgument`] for a URL that is not `http(s)://...`.
    pub fn new(url: &str) -> Result<Self, PushError> {
        PushClient::check_url(Protocol::RemoteWrite, url)?;
        Ok(Self {
            client: PushClient::new(Protocol::RemoteWrite, url.to_owned(), 10),
            capacity: 16,
            queue: Mutex::new(VecDeque::new()),
            sending: Mutex::new(()),
            native_histograms: false,
        })
    }

    /// Whether each [`ExponentialHistogram`](metrics_core::ExponentialHistogram) series also
    /// sends a native histogram sample (the `histograms` field of Remote Write 1.0), in a
    /// series named after the family, beside its classic `_bucket`, `_sum` and `_count`
    /// series (which it always sends). Off by default: Prometheus before 3.0 refuses a whole
    /// request holding one unless started with `--enable-feature=native-histograms`, and
    /// VictoriaMetrics ignores them.
    #[must_use]
    pub fn native_histograms(mut self, send: bool) -> Self {
        self.native_histograms = send;
        self
    }

    push_settings!("10");

    /// How many requests may wait for delivery (default 16, at least 1); when full, the oldest
    /// is dropped.
    #[must_use]
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// Requests waiting for delivery.
    pub fn queued(&self) -> usize {
        lock(&self.queue).len()
    }

    /// The write request of the registry as it is now, every sample stamped `timestamp_ms`
    /// (milliseconds since the Unix epoch).
    ///
    /// # Errors
    /// [`PushError::Registry`] when pushing the global registry and its sets clash.
    pub fn write_request(&self, timestamp_ms: i64) -> Result<WriteRequest, PushError> {
        let registry = self.client.exported_registry()?;
        Ok(WriteRequest {
            timeseries: series::snapshot(registry, timestamp_ms, self.native_histograms),
        })
    }

    /// Snapshots the registry into the queue, dropping the oldest request if it is full.
    fn enqueue(&self) -> Result<(), PushError> {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let request = self.write_request(now_ms)?;
        let samples: u64 = request
            .timeseries
            .iter()
            .map(|s| (s.samples.len() + s.histograms.len()) as u64)
            .sum();
        if samples == 0 {
            return Ok(());
        }
        let body = snap::raw::Encoder::new()
            .compress_vec(&request.encode_to_vec())
            .map_err(|e| PushError::InvalidArgument(format!("snappy: {e}")))?;
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

    /// Sends the queue, oldest first, until it is empty or `deadline`.
    fn drain(&self, deadline: Instant) -> Result<(), PushError> {
        // One sender at a time; another export's sender gives up by its own deadline.
        let _sending = loop {
            if let Ok(guard) = self.sending.try_lock() {
                break guard;
            }
            if Instant::now() >= deadline {
                return Err(self.client.transport(TransportError::deadline(
                    "deadline reached while another export was sending",
                )));
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
            let request = Request {
                method: Method::POST,
                headers: &[
                    ("Content-Encoding", "snappy"),
                    ("Content-Type", REMOTE_WRITE_CONTENT_TYPE),
                    ("X-Prometheus-Remote-Write-Version", REMOTE_WRITE_VERSION),
                ],
                body: Some(&pending.body),
                export: true,
            };
            let sent_before = pending.attempts;
            let Err(error) = self
                .client
                .deliver(&request, &mut pending.attempts, deadline)
            else {
                continue;
            };
            if !self.client.worth_retrying(&error, pending.attempts) {
                // Refused (a retry would be refused too), or retried enough: dropped.
                self.metrics().dropped_samples.inc_by(pending.samples);
                failed = Some(error);
                continue;
            }
            // The deadline, or the thread is stopping: the next export retries. The export's
            // error is this request's, or (when it could not be sent at all) that of a request
            // dropped before it.
            let sent = pending.attempts > sent_before;
            self.requeue(pending);
            return Err(failed.filter(|_| !sent).unwrap_or(error));
        }
    }
}

impl Exporter for RemoteWrite {
    fn export(&self, deadline: Instant) -> Result<(), ExportError> {
        self.enqueue()?;
        Ok(self.drain(deadline)?)
    }

    fn state(&self) -> &ExporterState {
        &self.client.state
    }
}

#[cfg(test)]
mod tests {
    use super::RemoteWrite;

    #[test]
    fn urls_are_checked() {
        let err = RemoteWrite::new("127.0.0.1:8428/api/v1/write").unwrap_err();
        assert_eq!(
            err.to_string(),
            "remote write URL `127.0.0.1:8428/api/v1/write` must start with `http://` or `https://`"
        );
        let writer = RemoteWrite::new("https://x/api/v1/write").unwrap();
        assert_eq!(writer.url(), "https://x/api/v1/write");
    }
}
