//! Pushing a registry to an OpenTelemetry receiver over OTLP/HTTP (feature `otlp`): the
//! OpenTelemetry Collector's `otlp` receiver (port 4318), or any backend that accepts OTLP
//! metrics (Prometheus with `--web.enable-otlp-receiver`, Mimir, VictoriaMetrics...).
//!
//! Each export snapshots the registry into an [`ExportMetricsServiceRequest`] (see
//! [`Otlp::request`] for the mapping) and `POST`s it, protobuf-encoded, with
//! `Content-Type: application/x-protobuf`, to the metrics endpoint (`.../v1/metrics`):
//!
//! - `2xx`: delivered;
//! - `5xx`, `429`, a transport error or a timeout: retried after the same jittered exponential
//!   backoff as `RemoteWrite` (or the receiver's `Retry-After` if longer,
//!   up to the longest backoff), up to [`max_attempts`](Otlp::max_attempts) sends or the
//!   export's deadline;
//! - any other status: given up at once; so is a `2xx` whose `ExportMetricsServiceResponse`
//!   says part of the request was rejected (`partial_success`, [`OtlpError::PartialSuccess`]:
//!   the rejected points count as dropped, the export as failed).
//!
//! Unlike remote write, a request that could not be delivered is not queued: every point is
//! cumulative (counted from when the exporter was created), so the next export carries
//! everything the lost one did and only the resolution suffers. The data points given up are
//! counted in `metrics_exporter_dropped_samples_total` (self-metrics registered in the pushed
//! registry with `exporter="otlp"`). A receiver that is down, slow or answering garbage costs an
//! export at most its deadline, never a hang or a panic.

mod metrics;
mod proto;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use metrics_core::{CheckError, Registry};
use prost::Message as _;

use crate::exporter::{self, ExportError, Exporter, ExporterMetrics, ExporterState, SendError};
pub use proto::{
    any_value, metric, number_data_point, AggregationTemporality, AnyValue,
    ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse, Gauge,
    Histogram, HistogramDataPoint, InstrumentationScope, KeyValue, Metric, NumberDataPoint,
    Resource, ResourceMetrics, ScopeMetrics, Sum,
};

/// The `Content-Type` of an OTLP/HTTP protobuf request.
pub const OTLP_CONTENT_TYPE: &str = "application/x-protobuf";
/// The path of the metrics endpoint, appended to a URL without a path.
pub const OTLP_METRICS_PATH: &str = "/v1/metrics";
/// The instrumentation scope of every metric sent: this crate.
pub const SCOPE_NAME: &str = "metrics-export";

const USER_AGENT: &str = concat!("metrics-export/", env!("CARGO_PKG_VERSION"));

/// An OTLP/HTTP metrics exporter pushing one registry (the global one by default) to one
/// receiver.
///
/// ```no_run
/// use std::sync::Arc;
/// use std::time::Duration;
/// use metrics_export::{Exporter, Otlp};
///
/// let otlp = Otlp::new("http://127.0.0.1:4318", "palingenesis")? // posts to /v1/metrics
///     .resource_attribute("deployment.environment.name", "prod")
///     .timeout(Duration::from_secs(5));
/// let handle = Arc::new(otlp).start(Duration::from_secs(60)); // an export every minute
/// handle.flush(Duration::from_secs(2))?; // export now, wait at most 2 s
/// drop(handle); // stops the thread after a last flush (at most 5 s)
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Otlp {
    url: String,
    registry: Option<Arc<Registry>>,
    agent: ureq::Agent,
    timeout: Duration,
    max_attempts: u32,
    min_backoff: Duration,
    max_backoff: Duration,
    shutdown_timeout: Duration,
    resource: Vec<KeyValue>,
    /// The start of every cumulative point: when the exporter was created.
    start_time_unix_nano: u64,
    state: ExporterState,
}

/// Why an OTLP exporter could not be built, or a request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum OtlpError {
    /// The URL is not `http://` or `https://`.
    InvalidArgument(String),
    /// The linked metric sets clash, so the global registry cannot be pushed.
    Registry(CheckError),
    /// The receiver could not be reached, or did not answer in time, or answered garbage.
    Transport(String),
    /// The receiver answered with an error status.
    Status {
        /// The HTTP status.
        status: u16,
        /// The receiver's explanation (at most 64 KiB of it; protobuf `Status` as sent).
        body: String,
        /// The receiver's `Retry-After`, in seconds (`429`, `503`).
        retry_after: Option<Duration>,
    },
    /// The receiver accepted the request but rejected some of its data points (an answer's
    /// `partial_success`); sending them again would be refused too.
    PartialSuccess {
        /// The rejected data points.
        rejected: u64,
        /// The receiver's explanation.
        message: String,
    },
}

impl fmt::Display for OtlpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArgument(message) => f.write_str(message),
            Self::Registry(err) => write!(f, "cannot push the global registry: {err}"),
            Self::Transport(err) => write!(f, "cannot reach the OTLP receiver: {err}"),
            Self::Status { status, body, .. } => {
                write!(
                    f,
                    "the OTLP receiver answered {status}: {}",
                    body.trim_end()
                )
            }
            Self::PartialSuccess { rejected, message } => {
                write!(
                    f,
                    "the OTLP receiver rejected {rejected} data points: {message}"
                )
            }
        }
    }
}

impl std::error::Error for OtlpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Registry(err) => Some(err),
            _ => None,
        }
    }
}

impl OtlpError {
    /// Whether sending the same request again may succeed: transport errors, `5xx` and `429`.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Status { status, .. } => *status >= 500 || *status == 429,
            Self::InvalidArgument(_) | Self::Registry(_) | Self::PartialSuccess { .. } => false,
        }
    }
}

impl From<SendError> for OtlpError {
    fn from(err: SendError) -> Self {
        match err {
            SendError::Transport(e) => Self::Transport(e),
            SendError::Status {
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

impl From<OtlpError> for ExportError {
    fn from(err: OtlpError) -> Self {
        ExportError(err.to_string())
    }
}

impl fmt::Debug for Otlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Otlp")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl Otlp {
    /// An exporter to the receiver at `url`, for the service `service_name` (the resource
    /// attribute `service.name`), pushing the global registry until
    /// [`registry`](Self::registry) says otherwise. A URL without a path
    /// (`http://collector:4318`) gets the metrics path, `/v1/metrics`; one with a path is used
    /// as it is (the `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` convention).
    ///
    /// Defaults: requests time out after 10 s, 5 sends per export, backoff between 30 ms and
    /// 5 s, 5 s for the last flush when the background thread stops.
    ///
    /// # Errors
    /// [`OtlpError::InvalidArgument`] for a URL that is not `http(s)://...`.
    pub fn new(url: &str, service_name: &str) -> Result<Self, OtlpError> {
        let Some(rest) = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
        else {
            return Err(OtlpError::InvalidArgument(format!(
                "OTLP URL `{url}` must start with `http://` or `https://`"
            )));
        };
        let url = match rest.find('/') {
            None => format!("{url}{OTLP_METRICS_PATH}"),
            Some(i) if rest[i..] == *"/" => {
                format!("{}{OTLP_METRICS_PATH}", url.trim_end_matches('/'))
            }
            Some(_) => url.to_owned(),
        };
        Ok(Self {
            url,
            registry: None,
            agent: exporter::agent(),
            timeout: Duration::from_secs(10),
            max_attempts: 5,
            min_backoff: Duration::from_millis(30),
            max_backoff: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(5),
            resource: vec![KeyValue::string("service.name", service_name)],
            start_time_unix_nano: unix_nanos(SystemTime::now()),
            state: ExporterState::new(),
        })
    }

    /// Pushes `registry` instead of the global one.
    #[must_use]
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Adds a string attribute to the resource (`service.version`, `host.name`...); one with
    /// the key of an earlier one replaces it (`service.name` included).
    #[must_use]
    pub fn resource_attribute(mut self, key: &str, value: &str) -> Self {
        self.resource.retain(|kv| kv.key != key);
        self.resource.push(KeyValue::string(key, value));
        self
    }

    /// How long one request may take before it fails (default 10 s); an export also stops at
    /// its own deadline.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many times an export's request is sent before a retryable failure gives it up
    /// (default 5, at least 1).
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

    /// The metrics endpoint's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The resource attributes: `service.name` first.
    pub fn resource(&self) -> &[KeyValue] {
        &self.resource
    }

    /// When the exporter was created, in nanoseconds since the Unix epoch: the
    /// `start_time_unix_nano` of every point.
    pub fn start_time_unix_nano(&self) -> u64 {
        self.start_time_unix_nano
    }

    /// The self-metrics (also registered in the pushed registry).
    pub fn metrics(&self) -> &ExporterMetrics {
        self.state.metrics()
    }

    /// The request of the registry as it is now, read at `time_unix_nano` (nanoseconds since the
    /// Unix epoch): one resource (service.name and the other attributes), one scope
    /// (`metrics-export` and this crate's version), one metric per family with a series:
    ///
    /// | registry | OTLP |
    /// |---|---|
    /// | counter `x_total` | `Sum` named `x` (the family name, as the Collector's Prometheus receiver names it), monotonic, cumulative, `as_int` |
    /// | gauge | `Gauge`, `as_int` |
    /// | float gauge | `Gauge`, `as_double` |
    /// | histogram | `Histogram`, cumulative: `explicit_bounds`, per-bucket `bucket_counts` (the last is `+Inf`), `count`, `sum` |
    /// | HELP, `unit` | `description`, `unit` (as declared, `seconds`: not translated to UCUM) |
    /// | instance labels, then series labels | string `attributes` |
    ///
    /// # Errors
    /// [`OtlpError::Registry`] when pushing the global registry and its sets clash.
    pub fn request(&self, time_unix_nano: u64) -> Result<ExportMetricsServiceRequest, OtlpError> {
        let registry = self
            .state
            .pushed_registry(self.registry.as_deref(), "otlp", &self.url)
            .map_err(OtlpError::Registry)?;
        let metrics = metrics::snapshot(registry, self.start_time_unix_nano, time_unix_nano);
        Ok(ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(Resource {
                    attributes: self.resource.clone(),
                }),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope {
                        name: SCOPE_NAME.to_owned(),
                        version: env!("CARGO_PKG_VERSION").to_owned(),
                    }),
                    metrics,
                }],
                schema_url: String::new(),
            }],
        })
    }

    /// Sends one request, waiting at most `timeout`.
    fn send(&self, body: &[u8], timeout: Duration) -> Result<(), OtlpError> {
        self.metrics().pushes.inc();
        let sent = self
            .agent
            .post(&self.url)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Content-Type", OTLP_CONTENT_TYPE)
            .header("User-Agent", USER_AGENT)
            .send(body);
        let outcome = exporter::answer(sent)
            .map_err(OtlpError::from)
            .and_then(|body| partial_success(&body));
        if outcome.is_err() {
            self.metrics().failures.inc();
        }
        outcome
    }

    /// Sends `body` until delivered, refused, retried enough, or `deadline`.
    fn deliver(&self, body: &[u8], deadline: Instant) -> Result<(), OtlpError> {
        let mut attempts = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(1) {
                return Err(OtlpError::Transport(
                    "deadline reached before sending".to_owned(),
                ));
            }
            let err = match self.send(body, self.timeout.min(left)) {
                Ok(()) => return Ok(()),
                Err(err) => err,
            };
            attempts += 1;
            if !err.is_retryable() || attempts >= self.max_attempts {
                return Err(err);
            }
            let retry_after = match err {
                OtlpError::Status { retry_after, .. } => retry_after,
                _ => None,
            };
            let wait = exporter::retry_wait(
                self.min_backoff,
                self.max_backoff,
                attempts - 1,
                retry_after,
            );
            if Instant::now() + wait >= deadline || !self.state.pause(wait, deadline) {
                // Not before the deadline, or the thread is stopping.
                return Err(err);
            }
        }
    }
}

/// The `partial_success` of a `2xx` answer's `ExportMetricsServiceResponse` as an error when it
/// rejected points (an empty or undecodable answer, or a mere warning, is a success).
fn partial_success(body: &[u8]) -> Result<(), OtlpError> {
    let partial = ExportMetricsServiceResponse::decode(body)
        .ok()
        .and_then(|r| r.partial_success);
    match partial {
        Some(p) if p.rejected_data_points > 0 => Err(OtlpError::PartialSuccess {
            rejected: p.rejected_data_points.unsigned_abs(),
            message: p.error_message,
        }),
        _ => Ok(()),
    }
}

impl Exporter for Otlp {
    fn export(&self, deadline: Instant) -> Result<(), ExportError> {
        let request = self.request(unix_nanos(SystemTime::now()))?;
        let points: usize = request
            .resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
            .map(metrics::points)
            .sum();
        if points == 0 {
            return Ok(());
        }
        let outcome = self.deliver(&request.encode_to_vec(), deadline);
        match &outcome {
            Ok(()) => {}
            Err(OtlpError::PartialSuccess { rejected, .. }) => {
                self.metrics()
                    .dropped_samples
                    .inc_by((*rejected).min(points as u64));
            }
            Err(_) => self.metrics().dropped_samples.inc_by(points as u64),
        }
        Ok(outcome?)
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
    use super::Otlp;

    #[test]
    fn urls_get_the_metrics_path_when_they_have_none() {
        assert!(Otlp::new("127.0.0.1:4318", "s").is_err());
        let url = |u: &str| Otlp::new(u, "s").unwrap().url().to_owned();
        assert_eq!(url("http://c:4318"), "http://c:4318/v1/metrics");
        assert_eq!(url("https://c:4318/"), "https://c:4318/v1/metrics");
        assert_eq!(url("http://c/otlp/v1/metrics"), "http://c/otlp/v1/metrics");
    }

    #[test]
    fn service_name_is_the_first_resource_attribute() {
        let o = Otlp::new("http://c", "palingenesis")
            .unwrap()
            .resource_attribute("service.version", "1.2")
            .resource_attribute("service.version", "1.3");
        let attrs: Vec<(&str, &str)> = o
            .resource()
            .iter()
            .map(|kv| (kv.key.as_str(), kv.as_str().unwrap()))
            .collect();
        assert_eq!(
            attrs,
            [("service.name", "palingenesis"), ("service.version", "1.3")]
        );
    }
}
