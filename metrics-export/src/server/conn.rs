//! The connections: accepting them (making room at the limit, `eviction.rs`), serving each
//! with hyper, and the write timeout that closes a connection whose client does not read its
//! answer.

use std::future::Future as _;
use std::io;
use std::net::TcpListener as StdListener;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::oneshot;

use super::answer::{Answer, RequestDone};
use super::builder::Limits;
use super::eviction::{Conn, Connections};
use super::handler::{bad_host, Handler, Route};
use super::render::Renderer;

/// The largest request head read (the minimum hyper allows); a scrape request is a few hundred
/// bytes.
const MAX_REQUEST_HEAD: usize = 8 * 1024;

/// What the connections of one server share.
struct Server {
    handler: Arc<Handler>,
    connections: Arc<Connections>,
    renderer: Arc<Renderer>,
    http: hyper::server::conn::http1::Builder,
    write_timeout: Duration,
}

/// Accepts connections until `stop` fires (or its sender is dropped); returning drops the
/// runtime's tasks, which closes every connection.
pub(crate) async fn serve(
    listener: StdListener,
    handler: Arc<Handler>,
    limits: Limits,
    mut stop: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(MAX_REQUEST_HEAD);
    let connections = Arc::new(Connections::new(
        limits.max_connections,
        Arc::new(tokio::sync::Notify::new()),
    ));
    let server = Arc::new(Server {
        renderer: Arc::new(Renderer::new(
            Arc::clone(&handler),
            Arc::clone(&connections),
        )),
        handler,
        connections,
        http,
        write_timeout: limits.write_timeout,
    });
    loop {
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
        // At the limit, room is made by closing the connection that has waited on its client
        // the longest; when every connection is being answered, this one waits (and the next
        // clients in the listen backlog).
        loop {
            let changed = server.connections.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if server.connections.make_room() {
                break;
            }
            tokio::select! {
                biased;
                _ = &mut stop => return,
                () = changed => {}
            }
        }
        let _ = stream.set_nodelay(true);
        let conn = server.connections.open();
        let task = tokio::spawn(Arc::clone(&server).connection(stream, conn.clone()));
        conn.serve_with(task.abort_handle());
        drop(conn);
        // The new connection reads its request head (already sent, by a scraper) before the
        // next accept: it then waits on the server, not on its client, and cannot be closed to
        // make room for the next one.
        tokio::task::yield_now().await;
    }
}

impl Server {
    async fn connection(self: Arc<Self>, stream: tokio::net::TcpStream, conn: Conn) {
        let server = Arc::clone(&self);
        let served = conn.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let server = Arc::clone(&server);
            let conn = served.clone();
            async move { server.answer(&request, conn).await }
        });
        let io = TokioIo::new(WriteTimeout::new(stream, self.write_timeout, conn));
        // Errors are the client's (reset, timeout, malformed request): nothing to do.
        let _ = self.http.serve_connection(io, service).await;
    }

    /// The answer to `request`; an error (a rendering panicked) closes the connection.
    async fn answer(
        &self,
        request: &Request<Incoming>,
        conn: Conn,
    ) -> Result<Response<Answer>, io::Error> {
        conn.request_started();
        let done = RequestDone(conn.clone());
        if let Some(bad) = bad_host(request.version(), request.headers()) {
            return Ok(bad.map(|body| Answer::text(body, done)));
        }
        let route = self
            .handler
            .route(request.method(), request.uri().path(), request.headers());
        match route {
            Route::Answer(response) => Ok(response.map(|body| Answer::text(body, done))),
            Route::Scrape(scrape) => {
                let rendering = self
                    .renderer
                    .rendering(scrape)
                    .await
                    .ok_or_else(|| io::Error::other("rendering the exposition panicked"))?;
                conn.holds(rendering.id());
                let gzipped = rendering.gzipped;
                Ok(scrape.response(Answer::rendered(rendering, done), gzipped))
            }
        }
    }
}

/// A socket whose writes fail with `TimedOut` once blocked for longer than `timeout`: a client
/// that stops reading its answer cannot hold the connection (and the answer's memory) forever.
/// It tells the connection's entry when a write blocks and when one goes through, and writes
/// vectored (so that hyper queues an answer's body as it is instead of copying it).
struct WriteTimeout<T> {
    inner: T,
    timeout: Duration,
    /// Armed while a write is pending.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    conn: Conn,
}

impl<T> WriteTimeout<T> {
    fn new(inner: T, timeout: Duration, conn: Conn) -> Self {
        Self {
            inner,
            timeout,
            deadline: None,
            conn,
        }
    }

    /// Turns a pending write into an error once the deadline has passed.
    fn check<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if polled.is_ready() {
            if self.deadline.take().is_some() {
                self.conn.write_done();
            }
            return polled;
        }
        if self.deadline.is_none() {
            self.deadline = Some(Box::pin(tokio::time::sleep(self.timeout)));
            self.conn.write_blocked();
        }
        let Some(deadline) = self.deadline.as_mut() else {
            return Poll::Pending;
        };
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client did not read its answer in time",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.check(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.check(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.check(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.check(cx, polled)
    }
}
