//! Answering one request: the method, path and headers in; the status, headers and body out.
//! No socket: the connection code (`conn.rs`) calls it, and so can a test or a fuzz target.

use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use hyper::body::Bytes;
use hyper::header::{
    HeaderMap, HeaderValue, ALLOW, AUTHORIZATION, CONTENT_TYPE, HOST, WWW_AUTHENTICATE,
};
use hyper::{Method, Response, StatusCode, Version};
use metrics_core::Registry;

use super::auth::Auth;
use crate::scrape::Scrape;

/// The registry served.
pub(crate) enum Source {
    Global(&'static Registry),
    Local(Arc<Registry>),
}

/// What the server answers with: the registry, the paths, the credentials.
pub(crate) struct Handler {
    pub(crate) registry: Source,
    pub(crate) paths: Arc<[String]>,
    pub(crate) health: Option<String>,
    pub(crate) auth: Option<Auth>,
    /// The size of the last exposition, so the next one is written into a buffer allocated once.
    pub(crate) size_hint: AtomicUsize,
}

/// Where a request goes: an answer known at once, or a scrape to render.
pub(crate) enum Route {
    Answer(Response<Bytes>),
    Scrape(Scrape),
}

impl Handler {
    fn registry(&self) -> &Registry {
        match &self.registry {
            Source::Global(registry) => registry,
            Source::Local(registry) => registry,
        }
    }

    /// The answer to `method path` with `headers` (the path without its query string), rendered
    /// on the calling thread; see [`route`](Self::route) for which answer. The server renders
    /// on its own thread instead (`render.rs`); this is the same answer without a runtime, for
    /// tests and fuzzing.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn handle(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
    ) -> Response<Bytes> {
        match self.route(method, path, headers) {
            Route::Answer(response) => response,
            Route::Scrape(scrape) => {
                let (body, gzipped) = self.render(scrape);
                scrape.response(Bytes::from(body), gzipped)
            }
        }
    }

    /// Where `method path` with `headers` goes:
    ///
    /// - the health path: `200 OK` to `GET` and `HEAD`, else `405` with `Allow: GET, HEAD`;
    /// - without the expected credentials: `401` with the challenge, whatever the path and
    ///   method (so that neither reveals which paths exist);
    /// - a path not served: `404`;
    /// - a method other than `GET` and `HEAD`: `405` with `Allow: GET, HEAD`;
    /// - else a scrape: the exposition in the format `Accept` asks for, gzip-compressed when
    ///   `Accept-Encoding` allows it (feature `gzip`), with `Content-Type` and `Vary`.
    ///
    /// A `HEAD` gets the answer of `GET`: hyper leaves the body out.
    pub(crate) fn route(&self, method: &Method, path: &str, headers: &HeaderMap) -> Route {
        let read = method == Method::GET || method == Method::HEAD;
        if self.health.as_deref() == Some(path) {
            return Route::Answer(if read {
                plain(StatusCode::OK, "OK\n")
            } else {
                not_allowed()
            });
        }
        if let Some(auth) = &self.auth {
            if !auth.admits(headers.get(AUTHORIZATION)) {
                let mut response = plain(StatusCode::UNAUTHORIZED, "Unauthorized\n");
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static(auth.challenge()));
                return Route::Answer(response);
            }
        }
        if !self.paths.iter().any(|p| p == path) {
            return Route::Answer(plain(StatusCode::NOT_FOUND, "Not Found\n"));
        }
        if !read {
            return Route::Answer(not_allowed());
        }
        Route::Scrape(Scrape::asked(headers))
    }

    /// The body of `scrape`, and whether it is gzip-compressed.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn render(&self, scrape: Scrape) -> (Vec<u8>, bool) {
        scrape.render(self.registry(), &self.size_hint)
    }

    /// Writes the exposition `scrape` asks for into `body` (emptied first).
    pub(crate) fn write(&self, scrape: Scrape, body: &mut Vec<u8>) {
        scrape.write(self.registry(), &self.size_hint, body);
    }
}

/// The `400` of an HTTP/1.1 request without exactly one `Host` (RFC 9112, 3.2), if it is one.
pub(crate) fn bad_host(version: Version, headers: &HeaderMap) -> Option<Response<Bytes>> {
    (version == Version::HTTP_11 && headers.get_all(HOST).iter().count() != 1)
        .then(|| plain(StatusCode::BAD_REQUEST, "Bad Request\n"))
}

fn not_allowed() -> Response<Bytes> {
    let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

fn plain(status: StatusCode, body: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from_static(body.as_bytes()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    use hyper::header::{HeaderMap, HeaderValue};
    use hyper::Method;
    use metrics_core::Registry;

    use super::{Auth, Handler, Source};

    fn handler(auth: Option<Auth>) -> Handler {
        Handler {
            registry: Source::Local(Arc::new(Registry::new())),
            paths: Arc::from(["/metrics".to_owned()]),
            health: Some("/health".to_owned()),
            auth,
            size_hint: AtomicUsize::new(0),
        }
    }

    /// Status, headers (in order) and body of an answer.
    fn answer(handler: &Handler, method: Method, path: &str, headers: &[(&str, &str)]) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let response = handler.handle(&method, path, &map);
        let mut out = format!("{}\n", response.status());
        for (name, value) in response.headers() {
            out.push_str(&format!("{name}: {}\n", value.to_str().unwrap()));
        }
        out.push('\n');
        out.push_str(std::str::from_utf8(response.body()).unwrap());
        out
    }

    #[test]
    fn answers_without_a_socket() {
        let open = handler(None);
        assert_eq!(
            answer(&open, Method::GET, "/metrics", &[]),
            format!(
                "200 OK\ncontent-type: text/plain; version=0.0.4; charset=utf-8\nvary: {}\n\n",
                crate::scrape::VARY
            )
        );
        assert_eq!(
            answer(&open, Method::GET, "/other", &[]),
            "404 Not Found\ncontent-type: text/plain; charset=utf-8\n\nNot Found\n"
        );
        assert_eq!(
            answer(&open, Method::POST, "/metrics", &[]),
            "405 Method Not Allowed\ncontent-type: text/plain; charset=utf-8\nallow: GET, HEAD\n\n\
             Method Not Allowed\n"
        );
        assert_eq!(
            answer(&open, Method::HEAD, "/health", &[]),
            "200 OK\ncontent-type: text/plain; charset=utf-8\n\nOK\n"
        );
    }

    #[test]
    fn credentials_are_checked_before_rendering() {
        let closed = handler(Some(Auth::bearer("t0k3n")));
        let refused = "401 Unauthorized\ncontent-type: text/plain; charset=utf-8\n\
                       www-authenticate: Bearer\n\nUnauthorized\n";
        assert_eq!(answer(&closed, Method::GET, "/metrics", &[]), refused);
        assert_eq!(
            answer(
                &closed,
                Method::GET,
                "/metrics",
                &[("authorization", "Bearer t0k3")]
            ),
            refused
        );
        assert!(answer(
            &closed,
            Method::GET,
            "/metrics",
            &[("authorization", "Bearer t0k3n")]
        )
        .starts_with("200 OK\n"));
        // The health path needs none.
        assert!(answer(&closed, Method::GET, "/health", &[]).starts_with("200 OK\n"));
        // Without them, neither the path nor the method is told apart.
        assert_eq!(answer(&closed, Method::POST, "/metrics", &[]), refused);
        assert_eq!(answer(&closed, Method::GET, "/other", &[]), refused);
        assert_eq!(answer(&closed, Method::DELETE, "/other", &[]), refused);
        let token = [("authorization", "bearer t0k3n")];
        assert!(answer(&closed, Method::POST, "/metrics", &token).starts_with("405 "));
        assert!(answer(&closed, Method::GET, "/other", &token).starts_with("404 "));
    }

    #[test]
    fn http_1_1_needs_one_host() {
        use hyper::header::{HeaderMap, HeaderValue, HOST};
        use hyper::Version;
        let mut headers = HeaderMap::new();
        let bad = |version, headers: &HeaderMap| {
            super::bad_host(version, headers).map(|r| (r.status().as_u16(), r.into_body()))
        };
        assert_eq!(
            bad(Version::HTTP_11, &headers),
            Some((400, hyper::body::Bytes::from_static(b"Bad Request\n")))
        );
        assert_eq!(bad(Version::HTTP_10, &headers), None);
        headers.append(HOST, HeaderValue::from_static("a"));
        assert_eq!(bad(Version::HTTP_11, &headers), None);
        headers.append(HOST, HeaderValue::from_static("b"));
        assert_eq!(bad(Version::HTTP_11, &headers).map(|b| b.0), Some(400));
    }

    #[test]
    fn the_format_follows_accept() {
        let open = handler(None);
        assert_eq!(
            answer(
                &open,
                Method::GET,
                "/metrics",
                &[("accept", "application/openmetrics-text; version=1.0.0")]
            ),
            format!(
                "200 OK\ncontent-type: application/openmetrics-text; version=1.0.0; \
                 charset=utf-8\nvary: {}\n\n# EOF\n",
                crate::scrape::VARY
            )
        );
    }
}
