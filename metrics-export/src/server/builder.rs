//! [`ServerBuilder`]: the address, paths, credentials, limits and registry of a
//! [`MetricsServer`], checked and bound by [`start`](ServerBuilder::start).

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::Duration;

use metrics_core::Registry;
use tokio::sync::oneshot;

use super::auth::Auth;
use super::conn::serve;
use super::handler::{Handler, Source};
use super::{MetricsServer, ServerError, DEFAULT_PORT};

/// The time a client has to send a request head before its connection is closed.
const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write to a client may stay blocked (a client that does not read its answer)
/// before the connection is closed.
const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections open at once; past it, the one waiting on its client the longest makes room.
const DEFAULT_MAX_CONNECTIONS: usize = 128;

/// Configures a [`MetricsServer`]; [`start`](Self::start) binds and starts it.
#[derive(Debug)]
#[must_use = "a builder does nothing until `start` is called"]
pub struct ServerBuilder {
    addr: Result<Vec<SocketAddr>, (String, io::ErrorKind)>,
    paths: Vec<String>,
    health: Option<String>,
    auth: Option<Auth>,
    registry: Option<Arc<Registry>>,
    limits: Limits,
}

/// How long clients may take, and how many are served at once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) header_read_timeout: Duration,
    pub(crate) write_timeout: Duration,
    pub(crate) max_connections: usize,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        Self {
            addr: Ok(vec![SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT))]),
            paths: vec!["/metrics".to_owned()],
            health: Some("/health".to_owned()),
            auth: None,
            registry: None,
            limits: Limits {
                header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
                write_timeout: DEFAULT_WRITE_TIMEOUT,
                max_connections: DEFAULT_MAX_CONNECTIONS,
            },
        }
    }
}

impl ServerBuilder {
    /// The address to listen on: anything [`ToSocketAddrs`] takes (`"127.0.0.1:9464"`,
    /// `("0.0.0.0", 9100)`, a [`SocketAddr`]); the first that binds is used. Port 0 lets the
    /// system pick a free port ([`MetricsServer::local_addr`] tells which). Default
    /// `127.0.0.1:9464`: reachable from this machine only, until you choose otherwise.
    pub fn bind(mut self, addr: impl ToSocketAddrs + fmt::Display) -> Self {
        let shown = addr.to_string();
        self.addr = addr
            .to_socket_addrs()
            .map(Iterator::collect)
            .map_err(|e| (shown, e.kind()));
        self
    }

    /// Listens on `127.0.0.1:port`.
    pub fn port(self, port: u16) -> Self {
        self.bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
    }

    /// The paths that serve the metrics, replacing the default `/metrics`.
    pub fn paths<I>(mut self, paths: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.paths = paths.into_iter().map(Into::into).collect();
        self
    }

    /// The path that answers `200 OK` to `GET` while the server runs (default `/health`), for
    /// liveness probes; it needs no credentials and renders nothing.
    pub fn health_path(mut self, path: impl Into<String>) -> Self {
        self.health = Some(path.into());
        self
    }

    /// No health path.
    pub fn no_health_path(mut self) -> Self {
        self.health = None;
        self
    }

    /// Scrapes must send `Authorization: Bearer <token>` (Prometheus: `authorization:
    /// credentials: <token>` in the scrape config; the scheme in any case); other requests get
    /// `401`, whatever their path and method, except on the health path. Use it over TLS or on
    /// trusted networks: the token travels in clear over plain HTTP. An empty token (or one
    /// that no request could carry) makes [`start`](Self::start) fail.
    pub fn bearer_token(mut self, token: impl fmt::Display) -> Self {
        self.auth = Some(Auth::bearer(token));
        self
    }

    /// Scrapes must send HTTP basic credentials `user:password` (Prometheus: `basic_auth` in
    /// the scrape config); others get `401`, as with [`bearer_token`](Self::bearer_token), and
    /// the same caveat. An empty user name makes [`start`](Self::start) fail.
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some(Auth::basic(user, password));
        self
    }

    /// How long a client has to send its request head (default 10 s); an idle keep-alive
    /// connection is closed after the same time.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long writing an answer may stay blocked by a client that does not read it before
    /// the connection is closed (default 10 s).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.limits.write_timeout = timeout;
        self
    }

    /// Connections open at once (default 128, at least 1). For a new one past it, the server
    /// closes the connection that has waited on its client the longest: idle between requests,
    /// still sending its request head, or not reading its answer. When every connection is
    /// being answered, new clients wait in the listen backlog until one is done.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limits.max_connections = max.max(1);
        self
    }

    /// Serves `registry` instead of the global one ([`Registry::global`]).
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Binds the address and starts serving on a background thread named `metrics-server`.
    ///
    /// # Errors
    /// [`ServerError::Bind`] when the address cannot be bound or resolved,
    /// [`ServerError::InvalidPath`] / [`ServerError::NoPaths`] for bad paths,
    /// [`ServerError::InvalidCredentials`] for credentials no client could send (an empty token
    /// or user name), [`ServerError::Registry`] when serving the global registry and the linked
    /// metric sets clash, [`ServerError::Runtime`] when the system refuses a thread. Nothing is
    /// left running after an error.
    pub fn start(self) -> Result<MetricsServer, ServerError> {
        if let Some(invalid) = self.auth.as_ref().and_then(Auth::invalid) {
            return Err(ServerError::InvalidCredentials(invalid));
        }
        let paths = validate_paths(self.paths)?;
        if let Some(health) = &self.health {
            // The health path follows the same rules, and is not a metrics path.
            let mut all = paths.to_vec();
            all.push(health.clone());
            validate_paths(all)?;
        }
        let registry = match self.registry {
            Some(registry) => Source::Local(registry),
            None => {
                metrics_core::check().map_err(ServerError::Registry)?;
                Source::Global(Registry::global())
            }
        };
        let listener = bind(self.addr)?;
        let addr = listener.local_addr().map_err(ServerError::Runtime)?;
        listener
            .set_nonblocking(true)
            .map_err(ServerError::Runtime)?;
        // The connections on this thread; the renderings, one at a time, on one blocking thread.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .max_blocking_threads(1)
            .thread_name("metrics-render")
            .build()
            .map_err(ServerError::Runtime)?;
        let (shutdown, stop) = oneshot::channel();
        let handler = Arc::new(Handler {
            registry,
            paths: paths.clone(),
            health: self.health,
            auth: self.auth,
            size_hint: AtomicUsize::new(0),
        });
        let thread = std::thread::Builder::new()
            .name("metrics-server".to_owned())
            .spawn(move || runtime.block_on(serve(listener, handler, self.limits, stop)))
            .map_err(ServerError::Runtime)?;
        Ok(MetricsServer::new(addr, paths, shutdown, thread))
    }
}

fn validate_paths(paths: Vec<String>) -> Result<Arc<[String]>, ServerError> {
    if paths.is_empty() {
        return Err(ServerError::NoPaths);
    }
    for (i, path) in paths.iter().enumerate() {
        let valid = path.starts_with('/')
            && !path.contains(['?', '#'])
            && !path.chars().any(char::is_whitespace);
        if !valid || paths[..i].contains(path) {
            return Err(ServerError::InvalidPath(path.clone()));
        }
    }
    Ok(paths.into())
}

fn bind(
    addr: Result<Vec<SocketAddr>, (String, io::ErrorKind)>,
) -> Result<StdListener, ServerError> {
    let addrs = addr.map_err(|(addr, kind)| ServerError::Bind {
        source: io::Error::new(kind, format!("cannot resolve `{addr}`")),
        addr,
    })?;
    let mut last = None;
    for addr in &addrs {
        match StdListener::bind(addr) {
            Ok(listener) => return Ok(listener),
            Err(err) => last = Some((addr, err)),
        }
    }
    Err(match last {
        Some((addr, source)) => ServerError::Bind {
            addr: addr.to_string(),
            source,
        },
        None => ServerError::Bind {
            addr: String::new(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "no address to bind"),
        },
    })
}
