//! The body of an answer: a short text, or a rendering shared with the other answers that hold
//! it. hyper queues it as it is and writes it from there (no copy per connection); the
//! rendering is let go, and the connection told its request is done, once the last byte has
//! been written.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::body::{Body, Buf, Bytes, Frame, SizeHint};

use super::eviction::Conn;
use super::render::Rendering;

/// A response body in one piece.
pub(crate) struct Answer {
    chunk: Option<Chunk>,
    /// Tells the connection when the answer is done, when there is no chunk to carry it.
    _done: Option<RequestDone>,
}

/// The piece of an [`Answer`], as hyper writes it.
pub(crate) struct Chunk {
    data: Data,
    written: usize,
    _done: RequestDone,
}

enum Data {
    Text(Bytes),
    Rendered(Arc<Rendering>),
}

impl Data {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Text(bytes) => bytes,
            Self::Rendered(rendering) => &rendering.body,
        }
    }
}

/// Tells the connection that its request has been answered, when dropped.
pub(crate) struct RequestDone(pub(crate) Conn);

impl Drop for RequestDone {
    fn drop(&mut self) {
        self.0.request_done();
    }
}

impl Answer {
    pub(crate) fn text(body: Bytes, done: RequestDone) -> Self {
        Self::new(Data::Text(body), done)
    }

    pub(crate) fn rendered(rendering: Arc<Rendering>, done: RequestDone) -> Self {
        Self::new(Data::Rendered(rendering), done)
    }

    fn new(data: Data, done: RequestDone) -> Self {
        if data.bytes().is_empty() {
            Self {
                chunk: None,
                _done: Some(done),
            }
        } else {
            Self {
                chunk: Some(Chunk {
                    data,
                    written: 0,
                    _done: done,
                }),
                _done: None,
            }
        }
    }
}

impl Body for Answer {
    type Data = Chunk;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Chunk>, Infallible>>> {
        Poll::Ready(self.chunk.take().map(|chunk| Ok(Frame::data(chunk))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunk.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.chunk.as_ref().map_or(0, |c| c.remaining() as u64))
    }
}

impl Buf for Chunk {
    fn remaining(&self) -> usize {
        self.data.bytes().len() - self.written
    }

    fn chunk(&self) -> &[u8] {
        &self.data.bytes()[self.written..]
    }

    fn advance(&mut self, cnt: usize) {
        assert!(
            cnt <= self.remaining(),
            "advanced past the end of an answer"
        );
        self.written += cnt;
    }
}
