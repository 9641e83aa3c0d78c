//! Pushing a registry to an OpenTelemetry receiver over OTLP/HTTP (feature `otlp`): the
//! OpenTelemetry Collector's `otlp` receiver (port 4318), or any backend that accepts OTLP
//! metrics (Prometheus with `--web.enable-otlp-receiver`, Mimir, VictoriaMetrics...).
//!
//! Each export snapshots the registry into an
//! [`ExportMetricsServiceRequest`] (see
//! [`Otlp::request`] for the mapping) and `POST`s it, protobuf-encoded, with
//! `Content-Type: application/x-protobuf`, to the metrics endpoint (`.../v1/metrics`):
//!
//! - `2xx`, its answer read in full: delivered;
//! - `5xx`, `429`, a transport error or a timeout: retried after the same jittered exponential
//!   backoff as `RemoteWrite` (or the receiver's `Retry-After` if longer,
//!   up to the longest backoff), up to [`max_attempts`](Otlp::max_attempts) sends or the
//!   export's deadline;
//! - any other status: given up at once; so is a `2xx` whose `ExportMetricsServiceResponse`
//!   says part of the request was rejected (`partial_success`, [`PushError::PartialSuccess`]:
//!   the rejected points count as dropped, the export as failed).
//!
//! Unlike remote write, a request that could not be delivered is not queued: every point is
//! cumulative (counted from when the exporter was created), so the next export carries
//! everything the lost one did and only the resolution suffers. The data points given up are
//! counted in `metrics_exporter_dropped_samples_total` (self-metrics registered in the pushed
//! registry with `exporter="otlp"`). A receiver that is down, slow or answering garbage costs an
//! export at most its deadline, never a hang or a panic.

mod metrics;
pub mod proto;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use prost::Message as _;
use ureq::http::Method;

use crate::push::client::{PushClient, Request};
use crate::push::push_settings;
use crate::{ExportError, Exporter, ExporterState, Protocol, PushError};
use proto::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse, InstrumentationScope, KeyValue,
    Resource, ResourceMetrics, ScopeMetrics,
};

/// The `Content-Type` of an OTLP/HTTP protobuf request.
pub const OTLP_CONTENT_TYPE: &str = "application/x-protobuf";
/// The path of the metrics endpoint, appended to a URL without a path.
pub const OTLP_METRICS_PATH: &str = "/v1/metrics";
/// The instrumentation scope of every metric sent: this crate.
pub const SCOPE_NAME: &str = "metrics-export";

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
#[derive(Debug)]
pub struct Otlp {
    client: PushClient,
    resource: Vec<KeyValue>,
    /// The start of every cumulative point: when the exporter was created.
    start_time_unix_nano: u64,
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
    /// 5 s, 5 s for stopping the background thread.
    ///
    /// # Errors
    /// [`PushError::InvalidArgument`] for a URL that is not `http(s)://...`.
    pub fn new(url: &str, service_name: &str) -> Result<Self, PushError> {
        let rest = PushClient::check_url(Protocol::Otlp, url)?;
        let url = match rest.find('/') {
            None => format!("{url}{OTLP_METRICS_PATH}"),
            Some(i) if rest[i..] == *"/" => {
                format!("{}{OTLP_METRICS_PATH}", url.trim_end_matches('/'))
            }
            Some(_) => url.to_owned(),
        };
        Ok(Self {
            client: PushClient::new(Protocol::Otlp, url, 5),
            resource: vec![KeyValue::string("service.name", service_name)],
            start_time_unix_nano: unix_nanos(SystemTime::now()),
        })
    }

    /// Adds a string attribute to the resource (`service.version`, `host.name`...); one with
    /// the key of an earlier one replaces it (`service.name` included).
    #[must_use]
    pub fn resource_attribute(mut self, key: &str, value: &str) -> Self {
        self.resource.retain(|kv| kv.key != key);
        self.resource.push(KeyValue::string(key, value));
        self
    }

    push_settings!("5");

    /// The resource attributes: `service.name` first.
    pub fn resource(&self) -> &[KeyValue] {
        &self.resource
    }

    /// When the exporter was created, in nanoseconds since the Unix epoch: the
    /// `start_time_unix_nano` of every point.
    pub fn start_time_unix_nano(&self) -> u64 {
        self.start_time_unix_nano
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
    /// | HELP, `unit` | `description`, `unit` (as declared or read off the name, `seconds`: not translated to UCUM) |
    /// | instance labels, then series labels | string `attributes` |
    ///
    /// # Errors
    /// [`PushError::Registry`] when pushing the global registry and its sets clash.
    pub fn request(&self, time_unix_nano: u64) -> Result<ExportMetricsServiceRequest, PushError> {
        let registry = self.client.exported_registry()?;
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
}

/// The `partial_success` of a `2xx` answer's `ExportMetricsServiceResponse` as an error when it
/// rejected points (an empty or undecodable answer, or a mere warning, is a success).
fn partial_success(body: &[u8]) -> Result<(), PushError> {
    let partial = ExportMetricsServiceResponse::decode(body)
        .ok()
        .and_then(|r| r.partial_success);
    match partial {
        Some(p) if p.rejected_data_points > 0 => Err(PushError::PartialSuccess {
            rejected: p.rejected_data_points.unsigned_abs(),
            message: p.error_message,
        }),
        _ => Ok(()),
    }
}

impl Exporter for Otlp {
    /// Sends the registry as it is now until delivered, refused, retried enough or
    /// `deadline`. What is not delivered is not kept: the next export carries the same
    /// cumulative points. The points given up (or rejected) count as dropped.
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
        let body = request.encode_to_vec();
        let request = Request {
            method: Method::POST,
            headers: &[("Content-Type", OTLP_CONTENT_TYPE)],
            body: Some(&body),
            export: true,
        };
        let outcome = self
            .client
            .deliver(&request, &mut 0, deadline)
            .and_then(|answer| {
                partial_success(&answer).inspect_err(|_| self.metrics().failures.inc())
            });
        let dropped = match &outcome {
            Ok(()) => 0,
            Err(PushError::PartialSuccess { rejected, .. }) => (*rejected).min(points as u64),
            Err(_) => points as u64,
        };
        self.metrics().dropped_samples.inc_by(dropped);
        Ok(outcome?)
    }

    fn state(&self) -> &ExporterState {
        &self.client.state
    }
}

#[cfg(test)]
mod tests {
    use super::Otlp;

    #[test]
    fn urls_get_the_metrics_path_when_they_have_none() {
        for (given, url) in [
            ("http://c:4318", "http://c:4318/v1/metrics"),
            ("https://c:4318/", "https://c:4318/v1/metrics"),
            ("http://c/otlp/v1/metrics", "http://c/otlp/v1/metrics"),
        ] {
            assert_eq!(Otlp::new(given, "s").unwrap().url(), url);
        }
        let err = Otlp::new("127.0.0.1:4318", "s").unwrap_err();
        assert_eq!(
            err.to_string(),
            "OTLP URL `127.0.0.1:4318` must start with `http://` or `https://`"
        );
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
