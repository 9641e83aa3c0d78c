//! Everything that leaves the process: the Prometheus text format 0.0.4 and OpenMetrics 1.0
//! text of a [`Registry`](metrics_core::Registry).
//!
//! ```
//! use std::sync::Arc;
//! use metrics_core::{Counter, MetricSet, Registry};
//!
//! /// Worker metrics.
//! #[derive(MetricSet)]
//! #[metric_set(prefix = "worker", global = false)]
//! struct WorkerMetrics {
//!     /// Jobs processed
//!     jobs_total: Counter,
//! }
//!
//! let m = Arc::new(WorkerMetrics::default());
//! let registry = Registry::new();
//! registry.register(m.clone());
//! m.jobs_total.inc();
//!
//! assert_eq!(metrics_export::encode_text(&registry), "\
//! ## HELP worker_jobs_total Jobs processed
//! ## TYPE worker_jobs_total counter
//! worker_jobs_total 1
//! ");
//! assert_eq!(metrics_export::encode_openmetrics(&registry), "\
//! ## HELP worker_jobs Jobs processed
//! ## TYPE worker_jobs counter
//! worker_jobs_total 1
//! ## EOF
//! ");
//! ```
//!
//! Neither encoder allocates per series: they write straight into one `String`
//! ([`write_text`] and [`write_openmetrics`] reuse the caller's).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod encoder;
mod escape;
mod number;
mod openmetrics;
mod text;

pub use openmetrics::{encode_openmetrics, write_openmetrics, OPENMETRICS_CONTENT_TYPE};
pub use text::{encode_text, write_text, TEXT_CONTENT_TYPE};
