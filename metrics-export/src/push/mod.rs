//! What the three pushers share (features `pushgateway`, `remote-write`, `otlp`): one HTTP
//! client ([`client::PushClient`]: endpoint, timeouts, retries, self-metrics, deadlines), one
//! error type ([`PushError`]), and the [`Exporter`] trait that runs a pusher on a background
//! thread.

pub(crate) mod client;
mod error;
mod exporter;

pub use error::{ExportError, Protocol, PushError, TransportError};
pub use exporter::{Exporter, ExporterHandle, ExporterMetrics, ExporterState, Health};

/// The builder methods and getters every pusher has, acting on its `client` field (a
/// [`client::PushClient`]); `$attempts` is the default of `max_attempts`, for the docs.
macro_rules! push_settings {
    ($attempts:literal) => {
        /// Pushes `registry` instead of the global one.
        #[must_use]
        pub fn registry(mut self, registry: ::std::sync::Arc<::metrics_core::Registry>) -> Self {
            self.client.registry = Some(registry);
            self
        }

        /// How long one request may take before it fails, its answer read in full (default
        /// 10 s); an export also stops at its own deadline.
        #[must_use]
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.client.timeout = timeout;
            self
        }

        #[doc = concat!(
            "How many times a request is sent before a retryable failure (a transport error, ",
            "`5xx`, `429`) gives it up (default ", $attempts, ", at least 1)."
        )]
        #[must_use]
        pub fn max_attempts(mut self, attempts: u32) -> Self {
            self.client.max_attempts = attempts.max(1);
            self
        }

        /// The backoff bounds (default 30 ms and 5 s): the wait before retry `n` (from 0) is
        /// random between zero and `min(max, min * 2^n)`, or the receiver's `Retry-After` if
        /// longer, up to `max`.
        #[must_use]
        pub fn backoff(mut self, min: ::std::time::Duration, max: ::std::time::Duration) -> Self {
            self.client.min_backoff = min;
            self.client.max_backoff = max.max(min);
            self
        }

        /// How long stopping the background thread may take, the export under way and the
        /// last flush included (default 5 s).
        #[must_use]
        pub fn shutdown_timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.client.state.shutdown_timeout = timeout;
            self
        }

        /// The URL requests are sent to.
        pub fn url(&self) -> &str {
            &self.client.url
        }

        /// The self-metrics (also registered in the pushed registry).
        pub fn metrics(&self) -> &$crate::ExporterMetrics {
            self.client.state.metrics()
        }
    };
}

pub(crate) use push_settings;

/// A label value as the text the pushed protocols carry (every value is a string there).
#[cfg(any(feature = "remote-write", feature = "otlp"))]
pub(crate) fn label_text(value: metrics_core::LabelValueRef<'_>) -> String {
    match value {
        metrics_core::LabelValueRef::Str(s) => s.to_owned(),
        metrics_core::LabelValueRef::I64(v) => v.to_string(),
        metrics_core::LabelValueRef::U64(v) => v.to_string(),
    }
}
