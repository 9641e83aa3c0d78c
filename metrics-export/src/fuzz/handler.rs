//! The server's request handler without a socket: a request read from the fuzzer's bytes,
//! answered by three servers of one registry (open, bearer token, basic credentials).

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, OnceLock};

use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT_ENCODING, ALLOW, AUTHORIZATION, CONTENT_ENCODING,
    CONTENT_TYPE, VARY, WWW_AUTHENTICATE,
};
use http::{Method, StatusCode};
use metrics_core::{
    Counter, EncodeMetric, Gauge, Metric, MetricDesc, MetricSet, Registry, SetInfo,
};

use crate::server::auth::Auth;
use crate::server::handler::{Handler, Source};
use crate::ExpositionFormat;

/// The most headers read, hyper's limit for a request.
const MAX_HEADERS: usize = 100;

/// A request, `METHOD PATH` on the first line (the path as the handler gets it, without its
/// query string), then `Name: value` headers one a line, as in an HTTP/1.1 request head. Each
/// server answers it; every answer:
///
/// - is `200`, `401`, `404` or `405` (never a server error), and has a `Content-Type`;
/// - has the status the request gets without its headers, but for a `401` that credentials
///   turn into a `200` (no header changes the answer of the open server);
/// - to a scrape, is the registry's exposition in the format its `Content-Type` names,
///   gzip-compressed only when `Accept-Encoding` was sent and `Content-Encoding` says so,
///   with `Vary`; a `401` has a challenge, a `405` an `Allow`.
///
/// Bytes that no HTTP request carries (a method that is no token, a header name or value with
/// control characters) are left out, or the input skipped, as hyper refuses them before any
/// handler runs.
pub fn handler(data: &[u8]) {
    let Some((method, path, headers)) = request(data) else {
        return;
    };
    let bare = HeaderMap::new();
    for server in servers() {
        let answer = server.handler.handle(&method, &path, &headers);
        let status = answer.status();
        let without_headers = server.handler.handle(&method, &path, &bare).status();
        let shown = || format!("{} {method} {path} {headers:?}: {answer:?}", server.name);
        assert!(
            answer.headers().contains_key(CONTENT_TYPE),
            "no Content-Type: {}",
            shown()
        );
        let credentials = status == StatusCode::OK && without_headers == StatusCode::UNAUTHORIZED;
        assert!(
            status == without_headers || (server.expected.is_some() && credentials),
            "without its headers the request gets {without_headers}: {}",
            shown()
        );
        let header = |name| answer.headers().get(name).and_then(|v| v.to_str().ok());
        match status {
            StatusCode::OK if path == "/health" => assert_eq!(answer.body().as_ref(), b"OK\n"),
            StatusCode::OK => {
                let format = match header(CONTENT_TYPE) {
                    Some(crate::TEXT_CONTENT_TYPE) => ExpositionFormat::Text,
                    Some(crate::OPENMETRICS_CONTENT_TYPE) => ExpositionFormat::OpenMetrics,
                    #[cfg(feature = "protobuf")]
                    Some(crate::PROTOBUF_CONTENT_TYPE) => ExpositionFormat::Protobuf,
                    _ => panic!("a scrape answered with another Content-Type: {}", shown()),
                };
                assert_eq!(header(VARY), Some(crate::scrape::VARY), "{}", shown());
                let body = match header(CONTENT_ENCODING) {
                    None => answer.body().to_vec(),
                    Some("gzip") if headers.contains_key(ACCEPT_ENCODING) => gunzip(answer.body()),
                    Some(_) => panic!("an encoding not asked for: {}", shown()),
                };
                assert!(body == format.encode(&registry().1), "{}", shown());
            }
            StatusCode::UNAUTHORIZED => {
                assert!(header(WWW_AUTHENTICATE).is_some(), "{}", shown());
                assert_ne!(
                    headers.get(AUTHORIZATION).map(HeaderValue::as_bytes),
                    server.expected.map(str::as_bytes),
                    "the expected credentials refused: {}",
                    shown()
                );
            }
            StatusCode::NOT_FOUND => {}
            StatusCode::METHOD_NOT_ALLOWED => {
                assert_eq!(header(ALLOW), Some("GET, HEAD"), "{}", shown());
            }
            _ => panic!("unexpected status: {}", shown()),
        }
    }
}

/// The method, path and headers of a request written as [`handler`] reads it.
fn request(data: &[u8]) -> Option<(Method, String, HeaderMap)> {
    let mut lines = data.split(|&b| b == b'\n');
    let first = lines.next()?;
    let (method, path) = match first.iter().position(|&b| b == b' ') {
        Some(space) => (&first[..space], &first[space + 1..]),
        None => (first, &b"/metrics"[..]),
    };
    let method = Method::from_bytes(method).ok()?;
    let path = std::str::from_utf8(path).ok()?.to_owned();
    let mut headers = HeaderMap::new();
    for line in lines.take(MAX_HEADERS) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let value = &line[colon + 1..];
        let value = &value[value.iter().take_while(|&&b| b == b' ').count()..];
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(value),
        ) {
            headers.append(name, value);
        }
    }
    Some((method, path, headers))
}

/// One configuration of the server: the handler, and the `Authorization` it admits.
struct Server {
    name: &'static str,
    handler: Handler,
    expected: Option<&'static str>,
}

fn servers() -> &'static [Server; 3] {
    static SERVERS: OnceLock<[Server; 3]> = OnceLock::new();
    SERVERS.get_or_init(|| {
        let server = |name, auth, expected| Server {
            name,
            handler: Handler {
                registry: Source::Local(Arc::clone(&registry().1)),
                paths: Arc::from(["/metrics".to_owned(), "/api/v1/metrics".to_owned()]),
                health: Some("/health".to_owned()),
                auth,
                size_hint: AtomicUsize::new(0),
            },
            expected,
        };
        [
            server("open", None, None),
            server("bearer", Some(Auth::bearer("t0k3n")), Some("Bearer t0k3n")),
            server(
                "basic",
                Some(Auth::basic("prometheus", "s3cr3t")),
                // base64("prometheus:s3cr3t")
                Some("Basic cHJvbWV0aGV1czpzM2NyM3Q="),
            ),
        ]
    })
}

/// What the servers serve: a counter and a gauge whose HELP texts need escaping.
#[derive(Default)]
struct Served {
    requests: Counter,
    depth: Gauge,
}

impl MetricSet for Served {
    const INFO: &'static SetInfo = &SetInfo {
        name: "Served",
        module: module_path!(),
        type_id: std::any::TypeId::of::<Self>,
        metrics: &[
            MetricDesc {
                name: "fuzz_requests_total",
                help: "Requests \"served\"\\\nsince start",
                unit: None,
                kind: Counter::KIND,
                label_names: &[],
                field: "requests",
            },
            MetricDesc {
                name: "fuzz_queue_depth_bytes",
                help: "Queue depth",
                unit: Some("bytes"),
                kind: Gauge::KIND,
                label_names: &[],
                field: "depth",
            },
        ],
    };

    fn metric(&self, index: usize) -> Option<&dyn EncodeMetric> {
        [&self.requests as &dyn EncodeMetric, &self.depth]
            .get(index)
            .copied()
    }
}

fn registry() -> &'static (Arc<Served>, Arc<Registry>) {
    static REGISTRY: OnceLock<(Arc<Served>, Arc<Registry>)> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let served = Arc::new(Served::default());
        let registry = Arc::new(Registry::new());
        registry.register(Arc::clone(&served));
        served.requests.inc_by(7);
        served.depth.set(-3);
        (served, registry)
    })
}

#[cfg(feature = "gzip")]
fn gunzip(body: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .read_to_end(&mut out)
        .expect("a gzip body that decompresses");
    out
}

#[cfg(not(feature = "gzip"))]
fn gunzip(_body: &[u8]) -> Vec<u8> {
    panic!("a gzip body without the `gzip` feature")
}
