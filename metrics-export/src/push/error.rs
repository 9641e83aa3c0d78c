//! The errors of the pushers: [`PushError`] (one type for the three), its transport cause
//! [`TransportError`], and [`ExportError`], what [`Exporter`](super::Exporter) methods return.

use std::error::Error;
use std::fmt;
use std::time::Duration;

use metrics_core::CheckError;

/// The protocol of a pusher, which names its receiver in error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// The Prometheus Pushgateway (`Pushgateway`, feature `pushgateway`).
    Pushgateway,
    /// Prometheus Remote Write 1.0 (`RemoteWrite`, feature `remote-write`).
    RemoteWrite,
    /// OTLP/HTTP metrics (`Otlp`, feature `otlp`).
    Otlp,
}

impl Protocol {
    /// The `exporter` label of the self-metrics: `pushgateway`, `remote_write`, `otlp`.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Self::Pushgateway => "pushgateway",
            Self::RemoteWrite => "remote_write",
            Self::Otlp => "otlp",
        }
    }

    /// The protocol, as error messages name it.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Pushgateway => "Pushgateway",
            Self::RemoteWrite => "remote write",
            Self::Otlp => "OTLP",
        }
    }

    /// The receiver, as error messages name it.
    const fn receiver(self) -> &'static str {
        match self {
            Self::Pushgateway => "the Pushgateway",
            Self::RemoteWrite => "the remote write receiver",
            Self::Otlp => "the OTLP receiver",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.receiver())
    }
}

/// Why a pusher could not be built, or a push failed: the one error of `Pushgateway`,
/// `RemoteWrite` and `Otlp`.
#[derive(Debug)]
#[non_exhaustive]
pub enum PushError {
    /// The URL is not `http://` or `https://`, or another argument is invalid (a grouping
    /// label name of the Pushgateway...).
    InvalidArgument(String),
    /// The linked metric sets clash, so the global registry cannot be pushed.
    Registry(CheckError),
    /// The receiver could not be reached, did not answer in full before the deadline, or
    /// answered something that is not HTTP; `source` says which.
    #[non_exhaustive]
    Transport {
        /// Whose receiver.
        protocol: Protocol,
        /// What happened.
        source: TransportError,
    },
    /// The receiver answered with an error status.
    #[non_exhaustive]
    Status {
        /// Whose receiver.
        protocol: Protocol,
        /// The HTTP status.
        status: u16,
        /// The receiver's explanation (at most 64 KiB of it; a `400` of the Pushgateway names
        /// what it refused, an OTLP receiver sends a protobuf `Status`).
        body: String,
        /// The receiver's `Retry-After`, in seconds (`429`, `503`).
        retry_after: Option<Duration>,
    },
    /// The OTLP receiver accepted the request but rejected some of its data points (an
    /// answer's `partial_success`); sending them again would be refused too.
    #[non_exhaustive]
    PartialSuccess {
        /// The rejected data points.
        rejected: u64,
        /// The receiver's explanation.
        message: String,
    },
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArgument(message) => f.write_str(message),
            Self::Registry(err) => write!(f, "cannot push the global registry: {err}"),
            Self::Transport { protocol, source } => write!(f, "cannot reach {protocol}: {source}"),
            Self::Status {
                protocol,
                status,
                body,
                ..
            } => write!(f, "{protocol} answered {status}: {}", body.trim_end()),
            Self::PartialSuccess { rejected, message } => write!(
                f,
                "the OTLP receiver rejected {rejected} data points: {message}"
            ),
        }
    }
}

impl Error for PushError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            Self::Registry(err) => Some(err),
            Self::Transport { source, .. } => Some(source),
            Self::InvalidArgument(_) | Self::Status { .. } | Self::PartialSuccess { .. } => None,
        }
    }
}

impl PushError {
    /// Whether sending the same request again may succeed: transport errors, `5xx` and `429`.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { .. } => true,
            Self::Status { status, .. } => *status >= 500 || *status == 429,
            Self::InvalidArgument(_) | Self::Registry(_) | Self::PartialSuccess { .. } => false,
        }
    }

    pub(crate) fn transport(protocol: Protocol, source: TransportError) -> Self {
        Self::Transport { protocol, source }
    }

    /// The `Retry-After` of an error status.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// What kept a request from being answered in full: the cause of [`PushError::Transport`].
#[derive(Debug)]
pub struct TransportError(Cause);

#[derive(Debug)]
enum Cause {
    /// The deadline left no time to send (why, in words).
    Deadline(&'static str),
    /// The request failed: not reached, no answer in time, or not HTTP.
    Request(ureq::Error),
    /// The answer's head arrived, its body did not, in full, in time.
    Body(ureq::Error),
}

impl TransportError {
    pub(crate) fn deadline(why: &'static str) -> Self {
        Self(Cause::Deadline(why))
    }

    pub(crate) fn request(err: ureq::Error) -> Self {
        Self(Cause::Request(err))
    }

    pub(crate) fn body(err: ureq::Error) -> Self {
        Self(Cause::Body(err))
    }

    /// Whether the deadline or the request timeout ran out (before sending, or before the
    /// answer arrived in full).
    pub fn is_timeout(&self) -> bool {
        match &self.0 {
            Cause::Deadline(_) => true,
            Cause::Request(err) | Cause::Body(err) => matches!(err, ureq::Error::Timeout(_)),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Cause::Deadline(why) => f.write_str(why),
            Cause::Request(err) => err.fmt(f),
            Cause::Body(err) => write!(f, "the answer did not arrive in full: {err}"),
        }
    }
}

impl Error for TransportError {}

/// Why an export failed: the exporter's own error, kept whole. It displays as that error, its
/// [`source`](Error::source) is that error's cause, and [`downcast_ref`](Self::downcast_ref)
/// gives the error itself (a [`PushError`] for the pushers of this crate).
///
/// ```
/// use std::error::Error as _;
/// use metrics_export::{ExportError, PushError};
///
/// let err = ExportError::from(PushError::InvalidArgument("bad".to_owned()));
/// assert_eq!(err.to_string(), "bad");
/// assert!(matches!(err.downcast_ref::<PushError>(), Some(PushError::InvalidArgument(_))));
/// assert!(err.source().is_none());
/// ```
#[derive(Debug)]
pub struct ExportError(Box<dyn Error + Send + Sync + 'static>);

impl ExportError {
    /// The error of an exporter of your own.
    pub fn new(error: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        Self(error.into())
    }

    /// The exporter's error.
    pub fn get_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }

    /// The exporter's error, if it is an `E`.
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref()
    }

    /// The exporter's error.
    pub fn into_inner(self) -> Box<dyn Error + Send + Sync + 'static> {
        self.0
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Error for ExportError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.0.source()
    }
}

impl From<PushError> for ExportError {
    fn from(err: PushError) -> Self {
        Self(Box::new(err))
    }
}
