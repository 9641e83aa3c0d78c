//! One scrape: the format the request asks for, rendered, gzip-compressed when accepted, as an
//! HTTP answer. Shared by the standalone server and the axum handler.

use std::sync::atomic::{AtomicUsize, Ordering};

use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE,
};
use metrics_core::Registry;

use crate::ExpositionFormat;

/// The `Vary` header of a scrape's answer.
pub(crate) const VARY: &str = if cfg!(feature = "gzip") {
    "Accept, Accept-Encoding"
} else {
    "Accept"
};

/// The answer to a scrape of `registry` with the request's `headers`: `200` with the format
/// `Accept` asks for (its `Content-Type`), gzip-compressed when `Accept-Encoding` allows it
/// (`Content-Encoding`), and `Vary`. `size_hint` keeps the last size, so the next scrape
/// allocates its buffer once. (The server renders on a thread of its own, `server/render.rs`.)
#[cfg(feature = "axum")]
pub(crate) fn respond<B: From<Vec<u8>>>(
    registry: &Registry,
    headers: &HeaderMap,
    size_hint: &AtomicUsize,
) -> http::Response<B> {
    let scrape = Scrape::asked(headers);
    let (body, gzipped) = scrape.render(registry, size_hint);
    scrape.response(B::from(body), gzipped)
}

/// What a scrape asks for: a format, and whether a gzip-compressed answer is accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scrape {
    pub(crate) format: ExpositionFormat,
    pub(crate) gzip: bool,
}

impl Scrape {
    /// The number of different scrapes ([`index`](Self::index) is below it): each format,
    /// compressed or not.
    #[cfg(feature = "server")]
    pub(crate) const KINDS: usize = 6;

    /// What the request's `Accept` and `Accept-Encoding` headers ask for.
    pub(crate) fn asked(headers: &HeaderMap) -> Self {
        Self {
            format: ExpositionFormat::negotiate(joined(headers, &ACCEPT).as_deref()),
            gzip: accepts_gzip(joined(headers, &ACCEPT_ENCODING).as_deref()),
        }
    }

    /// A different number in `0..KINDS` for each scrape.
    #[cfg(feature = "server")]
    pub(crate) fn index(self) -> usize {
        let format = match self.format {
            ExpositionFormat::Text => 0,
            ExpositionFormat::OpenMetrics => 1,
            #[cfg(feature = "protobuf")]
            ExpositionFormat::Protobuf => 2,
        };
        format * 2 + usize::from(self.gzip)
    }

    /// The body: `registry` in the format, compressed when gzip is accepted; and whether it is
    /// (it is not if compressing failed).
    pub(crate) fn render(self, registry: &Registry, size_hint: &AtomicUsize) -> (Vec<u8>, bool) {
        let mut body = Vec::new();
        self.write(registry, size_hint, &mut body);
        match compress(self.gzip, &body) {
            Some(compressed) => (compressed, true),
            None => (body, false),
        }
    }

    /// Writes `registry` in the format into `body` (emptied first), which gets the capacity of
    /// the last exposition (`size_hint`) at once.
    pub(crate) fn write(self, registry: &Registry, size_hint: &AtomicUsize, body: &mut Vec<u8>) {
        body.clear();
        body.reserve_exact(size_hint.load(Ordering::Relaxed) + 1024);
        self.format.write(registry, body);
        size_hint.store(body.len(), Ordering::Relaxed);
    }

    /// The `200` answer with `body`: `Content-Type`, `Content-Encoding` when `gzipped`, `Vary`.
    pub(crate) fn response<B>(self, body: B, gzipped: bool) -> http::Response<B> {
        let mut response = http::Response::new(body);
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(self.format.content_type()),
        );
        if gzipped {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        headers.insert(http::header::VARY, HeaderValue::from_static(VARY));
        response
    }
}

/// The values of every `name` header, joined by commas (as HTTP allows), `None` if absent.
fn joined(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let joined = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    (!joined.is_empty()).then_some(joined)
}

/// `body` gzip-compressed when `gzip` is true; `None` if not, or if that failed (which
/// writing into a `Vec` cannot, but then the plain text is still a right answer).
#[cfg(feature = "gzip")]
pub(crate) fn compress(gzip: bool, body: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write as _;
    if !gzip {
        return None;
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    gz.write_all(body).and_then(|()| gz.finish()).ok()
}

#[cfg(not(feature = "gzip"))]
pub(crate) fn compress(_gzip: bool, _body: &[u8]) -> Option<Vec<u8>> {
    None
}

/// Whether an `Accept-Encoding` value accepts gzip: `gzip` (or `x-gzip`) with a weight above
/// 0, or `*` above 0 when gzip is not named. Never without the `gzip` feature.
#[cfg(feature = "gzip")]
fn accepts_gzip(accept_encoding: Option<&str>) -> bool {
    let (mut gzip, mut any) = (None, None);
    for coding in accept_encoding.unwrap_or("").split(',') {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1000), |(_, v)| crate::negotiate::parse_q(v.trim()))
            .unwrap_or(0);
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(gzip.unwrap_or(0).max(q));
        } else if name == "*" {
            any = Some(q);
        }
    }
    gzip.or(any).is_some_and(|q| q > 0)
}

#[cfg(not(feature = "gzip"))]
fn accepts_gzip(_accept_encoding: Option<&str>) -> bool {
    false
}

#[cfg(all(test, feature = "gzip"))]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn accept_encoding() {
        assert!(accepts_gzip(Some("gzip")));
        assert!(accepts_gzip(Some("gzip, deflate, br")));
        assert!(accepts_gzip(Some("identity, GZIP;q=0.5")));
        assert!(accepts_gzip(Some("x-gzip")));
        assert!(accepts_gzip(Some("*")));
        assert!(!accepts_gzip(None));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
        assert!(!accepts_gzip(Some("gzip;q=0, *")));
        assert!(!accepts_gzip(Some("*;q=0")));
        assert!(!accepts_gzip(Some("br, deflate")));
        assert!(!accepts_gzip(Some("gzip;q=abc")));
    }
}
