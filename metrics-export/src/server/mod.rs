//! The HTTP endpoint: a registry served on a background thread (feature `server`).
//!
//! The transport is [hyper] 1.x driven by a single-threaded [tokio] runtime that the server owns
//! on its own thread. hyper is the HTTP implementation most of the Rust ecosystem runs on (axum,
//! reqwest and tonic are built on it), is actively maintained, and gives what an endpoint that
//! must never hurt its program needs: bounded request heads, a header read timeout so a slow
//! client cannot hold a connection open forever, keep-alive for scrapers, and many connections
//! served by one thread. The user's program needs no async runtime: the runtime lives and dies
//! with the [`MetricsServer`] handle. (`tiny_http`, the usual blocking alternative, has had no
//! release since 2022, no timeouts, and a thread per connection.)
//!
//! # Hostile clients
//!
//! A scraper must get its answers, and `/health` its `200`, whatever the other clients do; the
//! server must never cost its program more than a stated amount. What guards each resource:
//!
//! - Connections (`eviction.rs`). At most `max_connections` (128) are open. Each either waits
//!   on its client (for a request head, between keep-alive requests, or for the client to read
//!   its answer) or on the server (its request is being answered). At the cap, the connection
//!   that has waited on its client the longest is closed to make room for the new one; only
//!   when every connection is being answered does the new one wait in the listen backlog.
//!   Of the ways to keep clients that hold connections from starving the others, this is the
//!   one they cannot defeat: an idle timeout is beaten by a client sending a request (or a
//!   header byte) a little more often than it, and cutting it shorter would cut scrapers that
//!   keep their connection between scrapes; a cap on requests in flight instead of connections
//!   leaves the file descriptors unbounded. Closing a connection that waits on its client loses
//!   no work: none of its requests is being answered (a keep-alive client reconnects for its
//!   next one), or its client was not reading. A newly accepted connection reads its request
//!   head before the next is accepted, so a scraper, which sends its request at once, is being
//!   answered before it could be chosen. Below the cap, the header read timeout (10 s) closes
//!   idle and slow connections, the write timeout (10 s) those whose client does not read.
//! - CPU (`render.rs`). Scrapes are rendered (and compressed) on the runtime's one blocking
//!   thread, `metrics-render`, one at a time, never on the connections' thread: `/health`, the
//!   `401`s and the other connections are answered while a big registry renders. A scrape
//!   waits for the next rendering of its kind (format, gzip or not) to start, and every scrape
//!   arriving meanwhile shares it: an answer is never older than its request, a kind is never
//!   rendered twice at once, concurrent scrapes cost one or two renderings instead of one each,
//!   and a client pipelining scrapes keeps at most that one thread busy.
//! - Memory (`render.rs`, `answer.rs`). An answer holds its rendering, shared with every other
//!   answer of it, and hyper writes it from there with vectored writes (never a copy per
//!   connection). At most four renderings are alive at once, the ones being made included; the
//!   next one waits for one to be released, and when every connection holding one is blocked
//!   on a client that does not read, those connections are closed to release it. The buffers
//!   of released renderings are reused for the next ones. So, with `S` the size of the
//!   exposition, `Z` that of its gzip-compressed form and `N` = `max_connections`, what the
//!   server holds for its clients, over its idle footprint, is at most
//!
//!   ```text
//!   4 × S + 5 × Z + N × 24 KiB (+ under 1 MiB for the compressor)
//!   ```
//!
//!   whatever the number of clients and whatever they do: four rendering buffers (one may be
//!   the text a compressed rendering is made from), the compressed bodies alive and the one
//!   being compressed, and per connection its task and hyper's read and head buffers (8 KiB
//!   each). With a 16 MB exposition (1.3 MB compressed) and 128 connections: about 76 MB.

mod answer;
pub(crate) mod auth;
mod builder;
mod conn;
mod eviction;
pub(crate) mod handler;
mod render;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::thread::JoinHandle;

use metrics_core::CheckError;
use tokio::sync::oneshot;

pub use builder::ServerBuilder;

/// The port of [`MetricsServer::builder`]'s default address.
pub const DEFAULT_PORT: u16 = 9464;

/// A registry served over HTTP on a background thread, until this handle is dropped or
/// [`shutdown`](Self::shutdown) is called.
///
/// ```
/// use std::sync::Arc;
/// use metrics_core::Registry;
/// use metrics_export::MetricsServer;
///
/// let registry = Arc::new(Registry::new());
/// let server = MetricsServer::builder()
///     .bind("127.0.0.1:0")                  // port 0: the system picks a free port
///     .paths(["/metrics", "/api/v1/metrics"])
///     .registry(registry)                   // default: the global registry
///     .start()?;                            // bind errors are returned, never a panic
/// println!("serving {}", server.url());     // http://127.0.0.1:PORT/metrics
/// server.shutdown();                        // or drop it
/// # Ok::<(), metrics_export::ServerError>(())
/// ```
///
/// `GET` (and `HEAD`) on a served path answers `200` with the exposition in the format the
/// `Accept` header asks for ([`negotiate`](crate::ExpositionFormat::negotiate): OpenMetrics
/// 1.0 when asked, the protobuf format when named in full (feature `protobuf`), else
/// Prometheus text 0.0.4), with that format's exact `Content-Type` and
/// `Vary`, gzip-compressed when `Accept-Encoding` allows it (feature `gzip`). Other paths answer
/// `404`, other methods `405` with `Allow: GET, HEAD`; with credentials set
/// ([`bearer_token`](ServerBuilder::bearer_token), [`basic_auth`](ServerBuilder::basic_auth)),
/// a request without them gets `401` whatever its path and method, except on the health path.
/// An HTTP/1.1 request without exactly one `Host` gets `400`. Query strings are ignored.
///
/// Clients cannot starve each other or the program: at
/// [`max_connections`](ServerBuilder::max_connections), the connection that has waited on its
/// client the longest (idle, sending its request slowly, or not reading its answer) is closed
/// to make room for a new one; scrapes are rendered on a thread of their own, one rendering
/// shared by all the scrapes waiting for it; and the memory held for answers is bounded by
/// `4 × S + 5 × Z + 24 KiB × max_connections`, `S` being the size of the exposition and `Z`
/// that of its gzip-compressed form, whatever the number of clients.
pub struct MetricsServer {
    addr: SocketAddr,
    paths: Arc<[String]>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Why a [`MetricsServer`] did not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// The address could not be bound (in use, not local, no permission) or resolved.
    Bind {
        /// The address as given.
        addr: String,
        /// The system's error.
        source: io::Error,
    },
    /// A path is empty, does not start with `/`, or is given twice.
    InvalidPath(String),
    /// The credentials of [`bearer_token`](ServerBuilder::bearer_token) or
    /// [`basic_auth`](ServerBuilder::basic_auth) cannot be sent by any client (an empty token
    /// or user name, a control character): the reason.
    InvalidCredentials(&'static str),
    /// No path to serve.
    NoPaths,
    /// The metric sets linked into the program clash, so the global registry cannot be built
    /// (see [`metrics_core::check`]).
    Registry(CheckError),
    /// The background thread or its runtime could not be created.
    Runtime(io::Error),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind { addr, source } => {
                write!(f, "cannot serve metrics on `{addr}`: {source}")
            }
            Self::InvalidPath(path) => write!(
                f,
                "invalid metrics path `{path}`: a path starts with `/` and is given once"
            ),
            Self::InvalidCredentials(reason) => write!(f, "invalid scrape credentials: {reason}"),
            Self::NoPaths => f.write_str("no metrics path to serve"),
            Self::Registry(err) => write!(f, "cannot serve the global registry: {err}"),
            Self::Runtime(err) => write!(f, "cannot start the metrics server thread: {err}"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bind { source, .. } => Some(source),
            Self::Registry(err) => Some(err),
            Self::Runtime(err) => Some(err),
            Self::InvalidPath(_) | Self::InvalidCredentials(_) | Self::NoPaths => None,
        }
    }
}

impl MetricsServer {
    fn new(
        addr: SocketAddr,
        paths: Arc<[String]>,
        shutdown: oneshot::Sender<()>,
        thread: JoinHandle<()>,
    ) -> Self {
        Self {
            addr,
            paths,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// A builder with the defaults: `127.0.0.1:9464`, path `/metrics`, the global registry.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The address the server listens on (with the port the system chose for port 0).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The served paths, in the order given.
    #[must_use]
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The URL of the first path, `http://127.0.0.1:PORT/metrics` (an unspecified address such
    /// as `0.0.0.0` is shown as the loopback address of its family, which reaches it).
    #[must_use]
    pub fn url(&self) -> String {
        self.url_of(&self.paths[0])
    }

    /// The URLs of every served path.
    #[must_use]
    pub fn urls(&self) -> Vec<String> {
        self.paths.iter().map(|p| self.url_of(p)).collect()
    }

    fn url_of(&self, path: &str) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{addr}{path}")
    }

    /// Stops the server: the listening socket and every open connection are closed before this
    /// returns (a scrape being answered is cut off). Dropping the handle does the same.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // Err: the thread is already gone (it only ends on this signal, or by a panic).
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            // A panic of the server thread stays there: it must not reach the program here.
            let _ = thread.join();
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricsServer")
            .field("addr", &self.addr)
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}
