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

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    HeaderValue, ACCEPT, ACCEPT_ENCODING, ALLOW, AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE,
    VARY, WWW_AUTHENTICATE,
};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use metrics_core::{CheckError, Registry};
use tokio::sync::oneshot;

/// The port of [`MetricsServer::builder`]'s default address.
pub const DEFAULT_PORT: u16 = 9464;

/// The time a client has to send a request head before its connection is closed.
const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write to a client may stay blocked (a client that does not read its answer)
/// before the connection is closed.
const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections served at once; further ones wait in the listen backlog until one closes.
const DEFAULT_MAX_CONNECTIONS: usize = 128;

/// The largest request head read (the minimum hyper allows); a scrape request is a few hundred
/// bytes.
const MAX_REQUEST_HEAD: usize = 8 * 1024;

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
/// 1.0 when asked, else Prometheus text 0.0.4), with that format's exact `Content-Type` and
/// `Vary`, gzip-compressed when `Accept-Encoding` allows it (feature `gzip`). Other paths answer
/// `404`, other methods `405` with `Allow: GET, HEAD`. Query strings are ignored.
pub struct MetricsServer {
    addr: SocketAddr,
    paths: Arc<[String]>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

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
struct Limits {
    header_read_timeout: Duration,
    write_timeout: Duration,
    max_connections: usize,
}

/// The credentials a scrape must present.
#[derive(Clone)]
enum Auth {
    /// The whole expected `Authorization` value, and the challenge of a 401.
    Header {
        expected: String,
        challenge: &'static str,
    },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Header { challenge, .. } => write!(f, "{challenge} (credentials hidden)"),
        }
    }
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
            Self::InvalidPath(_) | Self::NoPaths => None,
        }
    }
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
    /// credentials: <token>` in the scrape config); others get `401`. Use it over TLS or on
    /// trusted networks: the token travels in clear over plain HTTP.
    pub fn bearer_token(mut self, token: impl fmt::Display) -> Self {
        self.auth = Some(Auth::Header {
            expected: format!("Bearer {token}"),
            challenge: "Bearer",
        });
        self
    }

    /// Scrapes must send HTTP basic credentials `user:password` (Prometheus: `basic_auth` in
    /// the scrape config); others get `401`. The same caveat as [`bearer_token`](Self::bearer_token).
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some(Auth::Header {
            expected: format!(
                "Basic {}",
                crate::base64::encode(
                    format!("{user}:{password}").as_bytes(),
                    crate::base64::STANDARD
                )
            ),
            challenge: "Basic realm=\"metrics\", charset=\"UTF-8\"",
        });
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

    /// Connections served at once (default 128, at least 1); further clients wait in the
    /// listen backlog until one closes.
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
    /// [`ServerError::Registry`] when serving the global registry and the linked metric sets
    /// clash, [`ServerError::Runtime`] when the system refuses a thread. Nothing is left running
    /// after an error.
    pub fn start(self) -> Result<MetricsServer, ServerError> {
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(ServerError::Runtime)?;
        let (shutdown, stop) = oneshot::channel();
        let state = Arc::new(State {
            registry,
            paths: paths.clone(),
            health: self.health,
            auth: self.auth,
            size_hint: AtomicUsize::new(0),
        });
        let thread = std::thread::Builder::new()
            .name("metrics-server".to_owned())
            .spawn(move || runtime.block_on(serve(listener, state, self.limits, stop)))
            .map_err(ServerError::Runtime)?;
        Ok(MetricsServer {
            addr,
            paths,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
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

impl MetricsServer {
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

enum Source {
    Global(&'static Registry),
    Local(Arc<Registry>),
}

struct State {
    registry: Source,
    paths: Arc<[String]>,
    health: Option<String>,
    auth: Option<Auth>,
    /// The size of the last exposition, so the next one is written into a buffer allocated once.
    size_hint: AtomicUsize,
}

impl State {
    fn registry(&self) -> &Registry {
        match &self.registry {
            Source::Global(registry) => registry,
            Source::Local(registry) => registry,
        }
    }
}

/// Accepts connections until `stop` fires (or its sender is dropped); returning drops the
/// runtime's tasks, which closes every connection.
async fn serve(
    listener: StdListener,
    state: Arc<State>,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(_) => return,
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_REQUEST_HEAD);
    let http = Arc::new(http);
    let connections = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    loop {
        // A slot first: past `max_connections`, clients wait in the backlog instead of each
        // holding memory here.
        let permit = tokio::select! {
            biased;
            _ = &mut stop => return,
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let stream = tokio::select! {
            biased;
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, a connection reset before accept...: wait a little
                // instead of spinning, and keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        let http = Arc::clone(&http);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let response = respond(&state, &req);
                async move { Ok::<_, Infallible>(response) }
            });
            let io = TokioIo::new(WriteTimeout::new(stream, limits.write_timeout));
            // Errors are the client's (reset, timeout, malformed request): nothing to do.
            let _ = http.serve_connection(io, service).await;
            drop(permit);
        });
    }
}

/// A socket whose writes fail with `TimedOut` once blocked for longer than `timeout`: a client
/// that stops reading its answer cannot hold the connection (and the answer's memory) forever.
struct WriteTimeout<T> {
    inner: T,
    timeout: Duration,
    /// Armed while a write is pending.
    deadline: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteTimeout<T> {
    fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            deadline: None,
        }
    }

    /// Turns a pending write into an error once the deadline has passed.
    fn check<R>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        polled: std::task::Poll<io::Result<R>>,
    ) -> std::task::Poll<io::Result<R>> {
        use std::future::Future as _;
        use std::task::Poll;
        if polled.is_ready() {
            self.deadline = None;
            return polled;
        }
        let timeout = self.timeout;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read its answer in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteTimeout<T> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteTimeout<T> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.check(cx, polled)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.check(cx, polled)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_shutdown(cx);
        self.check(cx, polled)
    }
}

fn respond(state: &State, req: &Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    let health = state.health.as_deref() == Some(path);
    if !health && !state.paths.iter().any(|p| p == path) {
        return plain(StatusCode::NOT_FOUND, "Not Found\n");
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if health {
        return plain(StatusCode::OK, "OK\n");
    }
    if let Some(Auth::Header {
        expected,
        challenge,
    }) = &state.auth
    {
        let given = req.headers().get(AUTHORIZATION).map(HeaderValue::as_bytes);
        if !given.is_some_and(|given| same_secret(given, expected.as_bytes())) {
            let mut response = plain(StatusCode::UNAUTHORIZED, "Unauthorized\n");
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            return response;
        }
    }
    let scrape = crate::scrape::scrape(
        state.registry(),
        crate::scrape::joined(req.headers(), &ACCEPT).as_deref(),
        crate::scrape::joined(req.headers(), &ACCEPT_ENCODING).as_deref(),
        &state.size_hint,
    );
    let mut response = Response::new(Full::new(Bytes::from(scrape.body)));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(scrape.format.content_type()),
    );
    if scrape.gzipped {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(VARY, HeaderValue::from_static(crate::scrape::VARY));
    response
}

/// Compares a presented secret with the expected one in time independent of where they differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret(b"Bearer abc", b"Bearer abc"));
        assert!(!same_secret(b"Bearer abd", b"Bearer abc"));
        assert!(!same_secret(b"Bearer ab", b"Bearer abc"));
        assert!(!same_secret(b"", b"Bearer abc"));
    }
}
