//! Pushing a registry to a Prometheus Pushgateway (feature `pushgateway`), for jobs that end
//! before anything could scrape them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use metrics_core::{CheckError, Registry};

use crate::{encode_text, ExportError, Exporter, ExporterState, TEXT_CONTENT_TYPE};

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
/// `/` and the empty string included. Requests time out after 10 s by default
/// ([`timeout`](Self::timeout)): a gateway that is down or slow makes `push` return an error,
/// never hang or panic.
///
/// It is also an [`Exporter`]: `Arc::new(gateway).start(interval)` pushes (`PUT`) every
/// `interval` on a background thread, with [`flush`](Exporter::flush),
/// [`health`](Exporter::health) and the self-metrics `metrics_exporter_*_total
/// {exporter="pushgateway",url=...}` registered in the pushed registry.
pub struct Pushgateway {
    /// `http://host:port/metrics/job@base64/...`, without a trailing `/`.
    url: String,
    registry: Option<Arc<Registry>>,
    agent: ureq::Agent,
    timeout: Duration,
    state: ExporterState,
}

/// A clone is another exporter of the same group: same URL, registry and timeout, its own
/// health and self-metrics.
impl Clone for Pushgateway {
    fn clone(&self) -> Self {
        Self {
            url: self.url.clone(),
            registry: self.registry.clone(),
            agent: self.agent.clone(),
            timeout: self.timeout,
            state: ExporterState::new(),
        }
    }
}

/// Why a push failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The URL is not `http://` or `https://`, or a grouping label name is invalid.
    InvalidArgument(String),
    /// The linked metric sets clash, so the global registry cannot be pushed.
    Registry(CheckError),
    /// The gateway could not be reached, or did not answer in time.
    Transport(String),
    /// The gateway answered with an error status (a `400` names what it refused).
    Status {
        /// The HTTP status.
        status: u16,
        /// The gateway's explanation.
        body: String,
    },
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArgument(message) => f.write_str(message),
            Self::Registry(err) => write!(f, "cannot push the global registry: {err}"),
            Self::Transport(err) => write!(f, "cannot reach the Pushgateway: {err}"),
            Self::Status { status, body } => {
                write!(f, "the Pushgateway answered {status}: {}", body.trim_end())
            }
        }
    }
}

impl std::error::Error for PushError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Registry(err) => Some(err),
            _ => None,
        }
    }
}

impl fmt::Debug for Pushgateway {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pushgateway")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Pushgateway {
    /// The group `job` of the gateway at `url` (`http://host:9091`), pushing the global
    /// registry until [`registry`](Self::registry) says otherwise.
    ///
    /// # Errors
    /// [`PushError::InvalidArgument`] for a URL that is not `http(s)://...` or an empty job.
    pub fn new(url: &str, job: &str) -> Result<Self, PushError> {
        let base = url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(PushError::InvalidArgument(format!(
                "Pushgateway URL `{url}` must start with `http://` or `https://`"
            )));
        }
        if job.is_empty() {
            return Err(PushError::InvalidArgument(
                "the Pushgateway job name must not be empty".to_owned(),
            ));
        }
        let timeout = Duration::from_secs(10);
        Ok(Self {
            url: format!("{base}/metrics/job@base64/{}", base64url(job)),
            registry: None,
            agent: agent(timeout),
            timeout,
            state: ExporterState::new(),
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
        self.url.push('/');
        self.url.push_str(name);
        self.url.push_str("@base64/");
        self.url.push_str(&base64url(value));
        Ok(self)
    }

    /// Pushes `registry` instead of the global one.
    #[must_use]
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// How long a request may take before it fails (default 10 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self.agent = agent(timeout);
        self
    }

    /// The group's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `PUT`: the group's metrics become exactly the registry's.
    ///
    /// # Errors
    /// See [`PushError`].
    pub fn push(&self) -> Result<(), PushError> {
        let body = self.body()?;
        self.answer(
            self.agent
                .put(&self.url)
                .header("Content-Type", TEXT_CONTENT_TYPE)
                .send(body),
        )
    }

    /// `POST`: the families in the registry replace those of the same name in the group;
    /// the group's other families stay.
    ///
    /// # Errors
    /// See [`PushError`].
    pub fn push_add(&self) -> Result<(), PushError> {
        let body = self.body()?;
        self.answer(
            self.agent
                .post(&self.url)
                .header("Content-Type", TEXT_CONTENT_TYPE)
                .send(body),
        )
    }

    /// `DELETE`: removes the group.
    ///
    /// # Errors
    /// See [`PushError`].
    pub fn delete(&self) -> Result<(), PushError> {
        self.answer(self.agent.delete(&self.url).call())
    }

    fn body(&self) -> Result<String, PushError> {
        Ok(match &self.registry {
            Some(registry) => encode_text(registry),
            None => {
                metrics_core::check().map_err(PushError::Registry)?;
                encode_text(Registry::global())
            }
        })
    }

    fn answer(
        &self,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(), PushError> {
        let mut response = sent.map_err(|e| PushError::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        // The gateway explains a refusal in the body; a garbage or huge body is cut short.
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        Err(PushError::Status { status, body })
    }
}

impl From<PushError> for ExportError {
    fn from(err: PushError) -> Self {
        ExportError(err.to_string())
    }
}

impl Exporter for Pushgateway {
    /// One `PUT` of the registry, with its self-metrics registered there on the first call.
    /// A failed push is not retried: the next one carries the registry's values again. Its
    /// samples count as dropped.
    fn export(&self, _deadline: std::time::Instant) -> Result<(), ExportError> {
        let registry = self
            .state
            .pushed_registry(self.registry.as_deref(), "pushgateway", &self.url)
            .map_err(PushError::Registry)?;
        let body = encode_text(registry);
        let metrics = self.state.metrics();
        metrics.pushes.inc();
        let outcome = self.answer(
            self.agent
                .put(&self.url)
                .header("Content-Type", TEXT_CONTENT_TYPE)
                .send(body.as_str()),
        );
        if outcome.is_err() {
            metrics.failures.inc();
            let samples = body.lines().filter(|l| !l.starts_with('#')).count();
            metrics.dropped_samples.inc_by(samples as u64);
        }
        Ok(outcome?)
    }

    fn state(&self) -> &ExporterState {
        &self.state
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build(),
    )
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
