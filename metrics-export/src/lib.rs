//! Everything that leaves the process: a [`Registry`](metrics_core::Registry) as Prometheus
//! text format 0.0.4 ([`encode_text`]) or OpenMetrics 1.0 text ([`encode_openmetrics`]).
//!
//! ```
//! use std::sync::Arc;
//! use metrics_core::{Counter, Histogram, MetricSet, Registry};
//!
//! #[derive(MetricSet)]
//! #[metric_set(prefix = "worker", global = false)]
//! struct WorkerMetrics {
//!     /// Jobs processed
//!     jobs_total: Counter,
//!     /// Time per job
//!     #[metric(buckets = [0.5, 1.0], unit = "seconds")]
//!     job_duration_seconds: Histogram,
//! }
//!
//! let m = Arc::new(WorkerMetrics::default());
//! let registry = Registry::new();
//! registry.register(m.clone());
//! m.jobs_total.inc();
//! m.job_duration_seconds.observe(0.75);
//!
//! assert_eq!(metrics_export::encode_text(&registry), r#"# HELP worker_jobs_total Jobs processed
//! ## TYPE worker_jobs_total counter
//! worker_jobs_total 1
//! ## HELP worker_job_duration_seconds Time per job
//! ## TYPE worker_job_duration_seconds histogram
//! worker_job_duration_seconds_bucket{le="0.5"} 0
//! worker_job_duration_seconds_bucket{le="1"} 1
//! worker_job_duration_seconds_bucket{le="+Inf"} 1
//! worker_job_duration_seconds_sum 0.75
//! worker_job_duration_seconds_count 1
//! "#);
//! assert_eq!(metrics_export::encode_openmetrics(&registry), r#"# TYPE worker_jobs counter
//! ## HELP worker_jobs Jobs processed
//! worker_jobs_total 1
//! ## TYPE worker_job_duration_seconds histogram
//! ## UNIT worker_job_duration_seconds seconds
//! ## HELP worker_job_duration_seconds Time per job
//! worker_job_duration_seconds_bucket{le="0.5"} 0
//! worker_job_duration_seconds_bucket{le="1.0"} 1
//! worker_job_duration_seconds_bucket{le="+Inf"} 1
//! worker_job_duration_seconds_sum 0.75
//! worker_job_duration_seconds_count 1
//! ## EOF
//! "#);
//! ```
//!
//! Serve the output with [`TEXT_CONTENT_TYPE`] or [`OPENMETRICS_CONTENT_TYPE`]. Neither encoder
//! allocates per series: both write straight into one `String`, and [`write_text`] and
//! [`write_openmetrics`] append to the caller's, so a scrape loop can reuse its buffer.
//!
//! The two formats differ in:
//! - metadata: 0.0.4 writes `# HELP` and `# TYPE` under the full name (a counter's ends in
//!   `_total`); OpenMetrics writes `# TYPE`, `# UNIT` (when the metric has a unit) and `# HELP`
//!   under the family name (a counter's without `_total`; its sample keeps it), and ends with
//!   `# EOF`;
//! - floats: 0.0.4 writes them as the Prometheus Go client (`1`, `0.25`, `1e-05`, `1e+06`);
//!   OpenMetrics in its canonical form, which adds `.0` to integral values (`1.0`, `10.0`);
//! - HELP escaping: `\` and line feed in 0.0.4; also `"` in OpenMetrics.
//!
//! Integer values (counters, gauges, bucket counts, `_count`) are written exactly in both.
//!
//! With feature `protobuf` (on by default), `encode_protobuf` writes the Prometheus protobuf
//! format, the one that carries native histograms; the HTTP endpoint answers with it when the
//! scraper asks for it ([`ExpositionFormat::negotiate`]).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzz/mod.rs"]
pub mod __fuzz;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(any(feature = "server", feature = "pushgateway"))]
mod base64;
mod encoder;
mod negotiate;
mod number;
mod openmetrics;
#[cfg(feature = "otlp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otlp")))]
pub mod otlp;
#[cfg(feature = "parse")]
#[cfg_attr(docsrs, doc(cfg(feature = "parse")))]
pub mod parse;
#[cfg(feature = "protobuf")]
mod protobuf;
#[cfg(any(feature = "pushgateway", feature = "remote-write", feature = "otlp"))]
mod push;
#[cfg(feature = "pushgateway")]
mod pushgateway;
#[cfg(feature = "remote-write")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
pub mod remote_write;
#[cfg(any(feature = "server", feature = "axum"))]
mod scrape;
#[cfg(feature = "server")]
mod server;
mod text;

pub use negotiate::ExpositionFormat;
pub use openmetrics::{encode_openmetrics, write_openmetrics, OPENMETRICS_CONTENT_TYPE};
#[cfg(feature = "otlp")]
#[cfg_attr(docsrs, doc(cfg(feature = "otlp")))]
pub use otlp::Otlp;
#[cfg(feature = "protobuf")]
pub use protobuf::{encode_protobuf, write_protobuf, PROTOBUF_CONTENT_TYPE};
#[cfg(any(feature = "pushgateway", feature = "remote-write", feature = "otlp"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "pushgateway", feature = "remote-write", feature = "otlp")))
)]
pub use push::{
    ExportError, Exporter, ExporterHandle, ExporterMetrics, ExporterState, Health, Protocol,
    PushError, TransportError,
};
#[cfg(feature = "pushgateway")]
#[cfg_attr(docsrs, doc(cfg(feature = "pushgateway")))]
pub use pushgateway::Pushgateway;
#[cfg(feature = "remote-write")]
#[cfg_attr(docsrs, doc(cfg(feature = "remote-write")))]
pub use remote_write::RemoteWrite;
#[cfg(feature = "server")]
#[cfg_attr(docsrs, doc(cfg(feature = "server")))]
pub use server::{MetricsServer, ServerBuilder, ServerError, DEFAULT_PORT};
pub use text::{encode_text, write_text, TEXT_CONTENT_TYPE};
