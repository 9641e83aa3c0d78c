//! The metrics endpoint inside an [axum] application (feature `axum`): a route that answers like
//! [`MetricsServer`](crate::MetricsServer) does, in your router, on your runtime.
//!
//! ```
//! use std::sync::Arc;
//! use axum::Router;
//! use metrics_core::Registry;
//!
//! let registry = Arc::new(Registry::new());
//! let app: Router = Router::new()
//!     .route("/metrics", metrics_export::axum::metrics(registry))
//!     // or, for every set linked into the program:
//!     .route("/global", metrics_export::axum::global_metrics()?);
//! # Ok::<(), metrics_core::CheckError>(())
//! ```
//!
//! `GET` (and `HEAD`, which axum answers from `GET`) renders the registry in the format the
//! `Accept` header asks for ([`ExpositionFormat::negotiate`](crate::ExpositionFormat::negotiate)),
//! gzip-compressed when `Accept-Encoding` allows it and the `gzip` feature is on; other methods
//! get axum's `405`. Rendering runs on the calling task: a few milliseconds for 10,000 series.

use std::ops::Deref;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use axum::body::Body;
use axum::http::HeaderMap;
use axum::routing::MethodRouter;
use metrics_core::{CheckError, Registry};

/// A `GET` route serving `registry`.
pub fn metrics<S>(registry: Arc<Registry>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    route(registry)
}

/// A `GET` route serving the global registry ([`Registry::global`]).
///
/// # Errors
/// When the metric sets linked into the program clash ([`metrics_core::check`]), instead of the
/// panic [`Registry::global`] would raise at the first scrape.
pub fn global_metrics<S>() -> Result<MethodRouter<S>, CheckError>
where
    S: Clone + Send + Sync + 'static,
{
    metrics_core::check()?;
    Ok(route(Registry::global()))
}

fn route<S, R>(registry: R) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
    R: Deref<Target = Registry> + Clone + Send + Sync + 'static,
{
    let size_hint = Arc::new(AtomicUsize::new(0));
    axum::routing::get(move |headers: HeaderMap| {
        let registry = registry.clone();
        let size_hint = Arc::clone(&size_hint);
        async move { crate::scrape::respond::<Body>(&registry, &headers, &size_hint) }
    })
}
