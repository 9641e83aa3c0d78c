//! The HTTP client of the three pushers: one endpoint, the registry pushed there, a request
//! timeout, the retry policy (jittered exponential backoff, `Retry-After`), the self-metrics,
//! and the deadline every request keeps: an answer counts only once read in full by then.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_core::Registry;
use ureq::http;

use super::{ExporterState, Protocol, PushError, TransportError};

/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("metrics-export/", env!("CARGO_PKG_VERSION"));

/// The most of an answer's body kept (the rest is read and dropped).
const BODY_LIMIT: usize = 64 * 1024;

/// One request of a pusher: method, headers and body (`None`: no body at all).
pub(crate) struct Request<'a> {
    pub(crate) method: http::Method,
    pub(crate) headers: &'a [(&'static str, &'static str)],
    pub(crate) body: Option<&'a [u8]>,
    /// Whether it is an export's, counted in the self-metrics (the Pushgateway's own calls,
    /// `push()`..., are not).
    pub(crate) export: bool,
}

/// The endpoint, its settings, and the state of the exporter that uses it.
pub(crate) struct PushClient {
    pub(crate) protocol: Protocol,
    pub(crate) url: String,
    pub(crate) registry: Option<Arc<Registry>>,
    agent: ureq::Agent,
    pub(crate) timeout: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) min_backoff: Duration,
    pub(crate) max_backoff: Duration,
    /// The exporter's health, self-metrics, background thread and its shutdown timeout.
    pub(crate) state: ExporterState,
}

impl fmt::Debug for PushClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushClient")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

/// A clone is another exporter of the same endpoint: same settings and registry, its own
/// health and self-metrics.
impl Clone for PushClient {
    fn clone(&self) -> Self {
        Self {
            protocol: self.protocol,
            url: self.url.clone(),
            registry: self.registry.clone(),
            agent: self.agent.clone(),
            timeout: self.timeout,
            max_attempts: self.max_attempts,
            min_backoff: self.min_backoff,
            max_backoff: self.max_backoff,
            state: self.state.fresh(),
        }
    }
}

impl PushClient {
    /// A client of `url` (already checked), with the defaults: 10 s per request,
    /// `max_attempts` sends, backoff between 30 ms and 5 s, 5 s for stopping the background
    /// thread.
    pub(crate) fn new(protocol: Protocol, url: String, max_attempts: u32) -> Self {
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                // Error statuses are answers, read like the others.
                .http_status_as_error(false)
                .user_agent(USER_AGENT)
                .build(),
        );
        Self {
            protocol,
            url,
            registry: None,
            agent,
            timeout: Duration::from_secs(10),
            max_attempts,
            min_backoff: Duration::from_millis(30),
            max_backoff: Duration::from_secs(5),
            state: ExporterState::new(),
        }
    }

    /// `url` without its scheme, or the error of a URL that is not `http(s)://...`.
    pub(crate) fn check_url(protocol: Protocol, url: &str) -> Result<&str, PushError> {
        url.strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .ok_or_else(|| {
                PushError::InvalidArgument(format!(
                    "{} URL `{url}` must start with `http://` or `https://`",
                    protocol.name()
                ))
            })
    }

    /// The registry pushed: the one given, or the global one when its sets do not clash.
    pub(crate) fn registry(&self) -> Result<&Registry, PushError> {
        match &self.registry {
            Some(registry) => Ok(registry),
            None => {
                metrics_core::check().map_err(PushError::Registry)?;
                Ok(Registry::global())
            }
        }
    }

    /// The registry an export pushes: [`registry`](Self::registry), with the self-metrics
    /// registered there on the first call.
    pub(crate) fn exported_registry(&self) -> Result<&Registry, PushError> {
        let registry = self.registry()?;
        self.state
            .register_once(registry, self.protocol.label(), &self.url);
        Ok(registry)
    }

    /// Sends `request` until it is delivered (the answer's body, at most 64 KiB of it),
    /// refused, sent `max_attempts` times in all (`attempts` counts the sends already made, and
    /// those made here), or until `deadline`. Waits between sends go through
    /// [`ExporterState::pause`], so a stopping background thread cuts them short.
    pub(crate) fn deliver(
        &self,
        request: &Request<'_>,
        attempts: &mut u32,
        deadline: Instant,
    ) -> Result<Vec<u8>, PushError> {
        loop {
            if deadline.saturating_duration_since(Instant::now()) < Duration::from_millis(1) {
                return Err(
                    self.transport(TransportError::deadline("deadline reached before sending"))
                );
            }
            let error = match self.send(request, deadline) {
                Ok(body) => return Ok(body),
                Err(error) => error,
            };
            *attempts += 1;
            if !self.worth_retrying(&error, *attempts) {
                return Err(error);
            }
            let wait = self.retry_wait(*attempts - 1, error.retry_after());
            if Instant::now() + wait >= deadline || !self.state.pause(wait, deadline) {
                // Not before the deadline, or the thread is stopping.
                return Err(error);
            }
        }
    }

    /// Whether a request that failed with `error` after `attempts` sends may be sent again
    /// (later, when [`deliver`](Self::deliver) gave up at its deadline): otherwise it was
    /// refused, or retried enough.
    pub(crate) fn worth_retrying(&self, error: &PushError, attempts: u32) -> bool {
        error.is_retryable() && attempts < self.max_attempts
    }

    pub(crate) fn transport(&self, source: TransportError) -> PushError {
        PushError::transport(self.protocol, source)
    }

    /// Sends once, the answer read in full within the request timeout and by `deadline`.
    fn send(&self, request: &Request<'_>, deadline: Instant) -> Result<Vec<u8>, PushError> {
        let timeout = self
            .timeout
            .min(deadline.saturating_duration_since(Instant::now()));
        let outcome = self.exchange(request, timeout);
        if request.export {
            let metrics = self.state.metrics();
            metrics.pushes.inc();
            if outcome.is_err() {
                metrics.failures.inc();
            }
        }
        outcome
    }

    fn exchange(&self, request: &Request<'_>, timeout: Duration) -> Result<Vec<u8>, PushError> {
        let mut head = http::Request::builder()
            .method(request.method.clone())
            .uri(&self.url);
        for (name, value) in request.headers {
            head = head.header(*name, *value);
        }
        let sent = match request.body {
            Some(body) => head.body(body).map(|r| self.run(r, timeout)),
            None => head.body(()).map(|r| self.run(r, timeout)),
        };
        let mut response = sent
            .map_err(|e| self.transport(TransportError::request(e.into())))?
            .map_err(|e| self.transport(TransportError::request(e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = read_body(response.body_mut());
        if (200..300).contains(&status) {
            // A success only once its answer has arrived in full.
            return body.map_err(|e| self.transport(TransportError::body(e)));
        }
        // A refusal explains itself in the body; what arrived of it in time is enough.
        let body = body.unwrap_or_default();
        Err(PushError::Status {
            protocol: self.protocol,
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            retry_after,
        })
    }

    fn run<S: ureq::AsSendBody>(
        &self,
        request: http::Request<S>,
        timeout: Duration,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        // The global timeout covers the whole exchange, the answer's body included.
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        self.agent.run(request)
    }

    /// The wait before retry `retry` (from 0): [`backoff_delay`], or the receiver's
    /// `Retry-After` if longer, up to the longest backoff.
    fn retry_wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let wait = backoff_delay(self.min_backoff, self.max_backoff, retry);
        retry_after.map_or(wait, |asked| wait.max(asked.min(self.max_backoff)))
    }
}

/// Reads a body to its end, keeping its first 64 KiB.
fn read_body(body: &mut ureq::Body) -> Result<Vec<u8>, ureq::Error> {
    let mut reader = body.as_reader();
    let mut kept = Vec::new();
    let mut buf = [0u8; 8 * 1024];
    loop {
        let n = reader.read(&mut buf).map_err(ureq::Error::from)?;
        if n == 0 {
            return Ok(kept);
        }
        let room = BODY_LIMIT.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
}

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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::backoff_delay;

    #[test]
    fn backoff_is_full_jitter_under_an_exponential_cap() {
        let (min, max) = (Duration::from_millis(10), Duration::from_millis(100));
        for retry in 0..40 {
            let cap = Duration::from_millis((10u64 << retry.min(10)).min(100));
            let delays: Vec<Duration> = (0..200).map(|_| backoff_delay(min, max, retry)).collect();
            assert!(delays.iter().all(|d| *d <= cap), "{retry}: {delays:?}");
            // Spread over the whole range: some in the lower and some in the upper quarter.
            assert!(delays.iter().any(|d| *d < cap / 4), "{retry}");
            assert!(delays.iter().any(|d| *d > cap * 3 / 4), "{retry}");
        }
    }
}
