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
/// allocates its buffer once.
pub(crate) fn respond<B: From<Vec<u8>>>(
    registry: &Registry,
    headers: &HeaderMap,
    size_hint: &AtomicUsize,
) -> http::Response<B> {
    let format = ExpositionFormat::negotiate(joined(headers, &ACCEPT).as_deref());
    let mut body = Vec::with_capacity(size_hint.load(Ordering::Relaxed) + 1024);
    format.write(registry, &mut body);
    size_hint.store(body.len(), Ordering::Relaxed);
    let (body, gzipped) = compress(joined(headers, &ACCEPT_ENCODING).as_deref(), body);
    let mut response = http::Response::new(B::from(body));
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if gzipped {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(http::header::VARY, HeaderValue::from_static(VARY));
    response
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

/// The body, gzip-compressed when `accept_encoding` accepts it (feature `gzip`).
#[cfg(feature = "gzip")]
fn compress(accept_encoding: Option<&str>, body: Vec<u8>) -> (Vec<u8>, bool) {
    use std::io::Write as _;
    if !accepts_gzip(accept_encoding) {
        return (body, false);
    }
    let mut gz = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4 + 64),
        flate2::Compression::fast(),
    );
    // Writing into a `Vec` cannot fail; if it somehow did, the plain body is still right.
    match gz.write_all(&body).and_then(|()| gz.finish()) {
        Ok(compressed) => (compressed, true),
        Err(_) => (body, false),
    }
}

#[cfg(not(feature = "gzip"))]
fn compress(_accept_encoding: Option<&str>, body: Vec<u8>) -> (Vec<u8>, bool) {
    (body, false)
}

/// Whether an `Accept-Encoding` value accepts gzip: `gzip` (or `x-gzip`) with a weight above
/// 0, or `*` above 0 when gzip is not named.
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
