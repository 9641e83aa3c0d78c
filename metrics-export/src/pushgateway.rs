//! Pushing a registry to a Prometheus Pushgateway (feature `pushgateway`), for jobs that end
//! before anything could scrape them.

use std::time::Instant;

use ureq::http::Method;

use crate::push::client::{PushClient, Request};
use crate::push::push_settings;
use crate::TEXT_CONTENT_TYPE;
use crate::{encode_text, ExportError, Exporter, ExporterState, Protocol, PushError};

/// A Pushgateway group: the gateway's URL, the `job` and the other grouping labels, and the
/// registry pushed there.
///
/// ```no_run
/// use std::sync::Arc;
/// use metrics_core::Registry;
/// use metrics_export::Pushgateway;
///
/// let registry = Arc::new(Registry::new());
/// let gateway = Pushgateway::new("http://127.0.0.1:9091", "nightly_backup")?
///     .grouping("instance", "db-1")?
///     .registry(registry);
/// gateway.push()?;        // PUT: replaces the group's metrics
/// gateway.push_add()?;    // POST: replaces only the families pushed
/// gateway.delete()?;      // DELETE: removes the group
/// # Ok::<(), metrics_export::PushError>(())
/// ```
///
/// Grouping label values are sent base64url-encoded (`label@base64/...`), so any value works,
/// `/` and the empty string included. Each call waits at most its [`timeout`](Self::timeout)
/// (10 s by default), the gateway's answer read in full: a gateway that is down or slow makes
/// `push` return an error, never hang or panic. A failed request is not retried unless
/// [`max_attempts`](Self::max_attempts) says so.
///
/// It is also an [`Exporter`]: `Arc::new(gateway).start(interval)` pushes (`PUT`) every
/// `interval` on a background thread, with [`flush`](Exporter::flush),
/// [`health`](Exporter::health) and the self-metrics `metrics_exporter_*_total
/// {exporter="pushgateway",url=...}` registered in the pushed registry.
///
/// A clone is another exporter of the same group: same URL, registry and settings, its own
/// health and self-metrics.
#[derive(Clone, Debug)]
pub struct Pushgateway {
    /// Its URL is `http://host:port/metrics/job@base64/...`, without a trailing `/`.
    client: PushClient,
}

impl Pushgateway {
    /// The group `job` of the gateway at `url` (`http://host:9091`), pushing the global
    /// registry until [`registry`](Self::registry) says otherwise.
    ///
    /// Defaults: requests time out after 10 s, one send per push (no retry), backoff between
    /// 30 ms and 5 s, 5 s for stopping the background thread.
    ///
    /// # Errors
    /// [`PushError::InvalidArgument`] for a URL that is not `http(s)://...` or an empty job.
    pub fn new(url: &str, job: &str) -> Result<Self, PushError> {
        PushClient::check_url(Protocol::Pushgateway, url)?;
        let base = url.trim_end_matches('/');
        if job.is_empty() {
            return Err(PushError::InvalidArgument(
                "the Pushgateway job name must not be empty".to_owned(),
            ));
        }
        let url = format!("{base}/metrics/job@base64/{}", base64url(job));
        Ok(Self {
            client: PushClient::new(Protocol::Pushgateway, url, 1),
        })
    }

    /// Adds a grouping label (`instance`, `shard`, ...) to the group's key.
    ///
    /// # Errors
    /// [`PushError::InvalidArgument`] for a label name that is not a valid Prometheus label
    /// name, or is `job`.
    pub fn grouping(mut self, name: &str, value: &str) -> Result<Self, PushError> {
        if name == "job" {
            return Err(PushError::InvalidArgument(
                "`job` is the group's job name, given to `Pushgateway::new`".to_owned(),
            ));
        }
        metrics_core::rules::check_label_name(name)
            .map_err(|e| PushError::InvalidArgument(format!("grouping label `{name}`: {e}")))?;
        let url = &mut self.client.url;
        url.push('/');
        url.push_str(name);
        url.push_str("@base64/");
        url.push_str(&base64url(value));
        Ok(self)
    }

    push_settings!("1");

    /// `PUT`: the group's metrics become exactly the registry's.
    ///
    /// # Errors
    /// See [`PushError`].
    pub fn push(&self) -> Result<(), PushError> {
        self.send(Method::PUT)
    }

    /// `POST`: the families in the registry replace those of the same name in the group;
    /// the group's other families stay.
    ///
    /// # Errors
    /// See [`PushError`].
    pub fn push_add(&self) -> Result<(), PushError> {
        self.send(Method::POST)
    }

    /// `DELETE`: removes the group.
    ///
    /// # Errors
    /// See [`PushError`].
    pub fn delete(&self) -> Result<(), PushError> {
        self.send(Method::DELETE)
    }

    /// One call: the registry (none for `DELETE`), sent within one timeout.
    fn send(&self, method: Method) -> Result<(), PushError> {
        let body = match method {
            Method::DELETE => None,
            // Not the exporter's registry: no self-metrics registered there.
            _ => Some(encode_text(self.client.registry()?)),
        };
        let deadline = Instant::now() + self.client.timeout;
        self.deliver(method, body.as_deref(), deadline, false)
    }

    fn deliver(
        &self,
        method: Method,
        body: Option<&str>,
        deadline: Instant,
        export: bool,
    ) -> Result<(), PushError> {
        let headers: &[_] = match body {
            Some(_) => &[("Content-Type", TEXT_CONTENT_TYPE)],
            None => &[],
        };
        let request = Request {
            method,
            headers,
            body: body.map(str::as_bytes),
            export,
        };
        self.client.deliver(&request, &mut 0, deadline).map(drop)
    }
}

impl Exporter for Pushgateway {
    /// One `PUT` of the registry, with its self-metrics registered there on the first call,
    /// retried as [`max_attempts`](Pushgateway::max_attempts) says (by default not at all: the
    /// next push carries the registry's values again). The samples of a failed push count as
    /// dropped.
    fn export(&self, deadline: Instant) -> Result<(), ExportError> {
        let body = encode_text(self.client.exported_registry()?);
        let outcome = self.deliver(Method::PUT, Some(&body), deadline, true);
        if let Err(error) = outcome {
            let samples = body.lines().filter(|l| !l.starts_with('#')).count();
            self.metrics().dropped_samples.inc_by(samples as u64);
            return Err(error.into());
        }
        Ok(())
    }

    fn state(&self) -> &ExporterState {
        &self.client.state
    }
}

/// base64url with padding (RFC 4648 §5); the empty string is `=`, as the Pushgateway wants.
fn base64url(value: &str) -> String {
    if value.is_empty() {
        return "=".to_owned();
    }
    crate::base64::encode(value.as_bytes(), crate::base64::URL_SAFE)
}

#[cfg(test)]
mod tests {
    use super::{base64url, Pushgateway};

    #[test]
    fn base64url_as_the_pushgateway_reads_it() {
        assert_eq!(base64url(""), "=");
        assert_eq!(base64url("a/b"), "YS9i");
        assert_eq!(base64url("??>"), "Pz8-");
        assert_eq!(base64url("\u{ff}\u{ff}"), "w7_Dvw==");
    }

    #[test]
    fn urls_and_argument_errors() {
        let g = Pushgateway::new("http://127.0.0.1:9091/", "backup/nightly")
            .unwrap()
            .grouping("instance", "")
            .unwrap();
        assert_eq!(
            g.url(),
            "http://127.0.0.1:9091/metrics/job@base64/YmFja3VwL25pZ2h0bHk=/instance@base64/="
        );
        assert!(Pushgateway::new("127.0.0.1:9091", "j").is_err());
        assert!(Pushgateway::new("http://x", "").is_err());
        let g = Pushgateway::new("http://x", "j").unwrap();
        assert!(g.clone().grouping("job", "x").is_err());
        let err = g.grouping("bad-name", "x").unwrap_err();
        assert!(
            err.to_string().starts_with("grouping label `bad-name`: "),
            "{err}"
        );
    }
}
