//! The HTTP endpoint over real sockets: a server on port 0, a client speaking raw HTTP/1.1 (so
//! the exact bytes of status lines and headers are what is checked).
#![cfg(feature = "server")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_core::{Counter, Family, LabelSet, LabelValue, MetricSet, Registry};
use metrics_export::{MetricsServer, ServerError};
use tests::http::{get, request};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
#[label(rename_all = "snake_case")]
#[allow(dead_code)] // exported at zero, never recorded
enum Reason {
    RateLimit,
    Manual,
    ContextExhausted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct ReasonLabels {
    reason: Reason,
    retried: bool,
}

/// What the servers of these tests serve.
#[derive(MetricSet)]
#[metric_set(global = false)]
struct Jobs {
    /// Jobs done
    jobs_total: Counter,
    /// Resumes by reason
    resumes_total: Family<ReasonLabels, Counter>,
}

const TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// The answer varies with `Accept`, and with `Accept-Encoding` when gzip is compiled in.
const VARY: &str = if cfg!(feature = "gzip") {
    "Accept, Accept-Encoding"
} else {
    "Accept"
};
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// What Prometheus 3 sends by default.
const PROMETHEUS_ACCEPT: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

fn jobs_server(paths: &[&str]) -> (MetricsServer, Arc<Jobs>) {
    let registry = Arc::new(Registry::new());
    let jobs = Arc::new(Jobs::default());
    registry.register(Arc::clone(&jobs));
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .paths(paths.iter().copied())
        .registry(registry)
        .start()
        .unwrap();
    (server, jobs)
}

/// What the two bodies below show.
fn record(jobs: &Jobs) {
    jobs.jobs_total.inc_by(3);
    jobs.resumes_total
        .with(&ReasonLabels {
            reason: Reason::Manual,
            retried: true,
        })
        .inc();
}

const TEXT_BODY: &str = "\
# HELP jobs_total Jobs done
# TYPE jobs_total counter
jobs_total 3
# HELP resumes_total Resumes by reason
# TYPE resumes_total counter
resumes_total{reason=\"rate_limit\",retried=\"false\"} 0
resumes_total{reason=\"rate_limit\",retried=\"true\"} 0
resumes_total{reason=\"manual\",retried=\"false\"} 0
resumes_total{reason=\"manual\",retried=\"true\"} 1
resumes_total{reason=\"context_exhausted\",retried=\"false\"} 0
resumes_total{reason=\"context_exhausted\",retried=\"true\"} 0
";

const OPENMETRICS_BODY: &str = "\
# TYPE jobs counter
# HELP jobs Jobs done
jobs_total 3
# TYPE resumes counter
# HELP resumes Resumes by reason
resumes_total{reason=\"rate_limit\",retried=\"false\"} 0
resumes_total{reason=\"rate_limit\",retried=\"true\"} 0
resumes_total{reason=\"manual\",retried=\"false\"} 0
resumes_total{reason=\"manual\",retried=\"true\"} 1
resumes_total{reason=\"context_exhausted\",retried=\"false\"} 0
resumes_total{reason=\"context_exhausted\",retried=\"true\"} 0
# EOF
";

#[test]
fn both_formats_on_both_paths_by_accept() {
    let (server, jobs) = jobs_server(&["/metrics", "/api/v1/metrics"]);
    record(&jobs);
    let addr = server.local_addr();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_ne!(addr.port(), 0);
    assert_eq!(server.url(), format!("http://{addr}/metrics"));
    assert_eq!(
        server.urls(),
        [
            format!("http://{addr}/metrics"),
            format!("http://{addr}/api/v1/metrics")
        ]
    );

    for path in ["/metrics", "/api/v1/metrics", "/metrics?debug=1"] {
        for (accept, content_type, body) in [
            (None, TEXT, TEXT_BODY),
            (Some("*/*"), TEXT, TEXT_BODY),
            (Some("text/plain;version=0.0.4"), TEXT, TEXT_BODY),
            (Some(PROMETHEUS_ACCEPT), OPENMETRICS, OPENMETRICS_BODY),
            (
                Some("application/openmetrics-text; version=1.0.0"),
                OPENMETRICS,
                OPENMETRICS_BODY,
            ),
            (
                Some("application/openmetrics-text;q=0.1, text/plain;q=0.9"),
                TEXT,
                TEXT_BODY,
            ),
        ] {
            let reply = get(addr, path, accept);
            assert_eq!(reply.status_line, "HTTP/1.1 200 OK", "{path} {accept:?}");
            assert_eq!(reply.header("Content-Type"), Some(content_type));
            assert_eq!(reply.header("Vary"), Some(VARY));
            assert_eq!(
                reply.header("Content-Length"),
                Some(body.len().to_string().as_str())
            );
            assert_eq!(reply.text(), body, "{path} {accept:?}");
        }
    }
}

#[test]
fn every_scrape_sees_the_current_values() {
    let (server, jobs) = jobs_server(&["/metrics"]);
    for n in 1..=3 {
        jobs.jobs_total.inc();
        let reply = get(server.local_addr(), "/metrics", None);
        let body = reply.text();
        assert!(body.contains(&format!("\njobs_total {n}\n")), "{body}");
    }
}

#[test]
fn other_paths_404_other_methods_405() {
    let (server, _) = jobs_server(&["/metrics", "/api/v1/metrics"]);
    let addr = server.local_addr();
    for path in ["/", "/metric", "/metrics/", "/api/v1/metrics/x", "/METRICS"] {
        let reply = get(addr, path, None);
        assert_eq!(reply.status_line, "HTTP/1.1 404 Not Found", "{path}");
        assert_eq!(
            reply.header("Content-Type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(reply.text(), "Not Found\n");
    }
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let reply = request(addr, method, "/metrics", &[("Content-Length", "0")]);
        assert_eq!(
            reply.status_line, "HTTP/1.1 405 Method Not Allowed",
            "{method}"
        );
        assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
        assert_eq!(reply.text(), "Method Not Allowed\n");
    }
    // An unknown path is 404 whatever the method.
    let reply = request(addr, "POST", "/nope", &[("Content-Length", "0")]);
    assert_eq!(reply.status_line, "HTTP/1.1 404 Not Found");
}

#[test]
fn head_answers_the_headers_of_get_without_a_body() {
    let (server, _) = jobs_server(&["/metrics"]);
    let reply = request(
        server.local_addr(),
        "HEAD",
        "/metrics",
        &[("Accept", "application/openmetrics-text")],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply.header("Content-Type"), Some(OPENMETRICS));
    assert_eq!(reply.text(), "");
}

#[test]
fn keep_alive_serves_several_scrapes_on_one_connection() {
    let (server, jobs) = jobs_server(&["/metrics"]);
    record(&jobs);
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    for _ in 0..3 {
        stream.write_all(request.as_bytes()).unwrap();
        let mut length = None;
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "HTTP/1.1 200 OK\r\n");
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(n) = line.strip_prefix("content-length: ") {
                length = Some(n.trim().parse::<usize>().unwrap());
            }
        }
        let mut body = vec![0; length.unwrap()];
        reader.read_exact(&mut body).unwrap();
        assert_eq!(String::from_utf8(body).unwrap(), TEXT_BODY);
    }
}

/// Connecting is refused once the server is gone (retried briefly: the port is released by the
/// time `shutdown`/`drop` returns, but a refused connect is what proves it).
fn assert_closed(addr: SocketAddr) {
    let err = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
}

#[test]
fn dropping_the_handle_stops_the_server() {
    let (server, _) = jobs_server(&["/metrics"]);
    let addr = server.local_addr();
    assert_eq!(get(addr, "/metrics", None).status_line, "HTTP/1.1 200 OK");
    // An idle keep-alive connection does not hold the shutdown up, and is closed by it.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 15];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200 OK");
    let started = Instant::now();
    drop(server);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_closed(addr);
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    // The connection reads to its end (EOF or reset), not a timeout.
    match idle.read_to_end(&mut rest) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}

#[test]
fn shutdown_stops_the_server() {
    let (server, _) = jobs_server(&["/metrics"]);
    let addr = server.local_addr();
    server.shutdown();
    assert_closed(addr);
    // The port can be bound again at once.
    let again = MetricsServer::builder()
        .bind(addr)
        .registry(Arc::new(Registry::new()))
        .start()
        .unwrap();
    assert_eq!(again.local_addr(), addr);
}

#[test]
fn a_port_in_use_is_an_error_not_a_panic() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let err = MetricsServer::builder()
        .bind(addr)
        .registry(Arc::new(Registry::new()))
        .start()
        .unwrap_err();
    match &err {
        ServerError::Bind {
            addr: shown,
            source,
        } => {
            assert_eq!(shown, &addr.to_string());
            assert_eq!(source.kind(), std::io::ErrorKind::AddrInUse);
        }
        other => panic!("{other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with(&format!("cannot serve metrics on `{addr}`: ")));
}

#[test]
fn bad_addresses_and_paths_are_errors() {
    let registry = Arc::new(Registry::new());
    let start = |builder: metrics_export::ServerBuilder| {
        builder
            .bind("127.0.0.1:0")
            .registry(Arc::clone(&registry))
            .start()
            .unwrap_err()
    };
    for paths in [
        vec!["metrics"],
        vec![""],
        vec!["/metrics", "/metrics"],
        vec!["/a b"],
        vec!["/metrics?x"],
    ] {
        let err = start(MetricsServer::builder().paths(paths.clone()));
        assert!(
            matches!(&err, ServerError::InvalidPath(p) if p == paths.last().unwrap()),
            "{paths:?}: {err:?}"
        );
    }
    let err = start(MetricsServer::builder().paths(Vec::<String>::new()));
    assert!(matches!(err, ServerError::NoPaths), "{err:?}");

    let err = MetricsServer::builder()
        .bind("no-such-host.invalid:80")
        .registry(Arc::clone(&registry))
        .start()
        .unwrap_err();
    assert!(matches!(err, ServerError::Bind { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("cannot serve metrics on `no-such-host.invalid:80`"),
        "{err}"
    );
    // An address of another machine cannot be bound.
    let err = MetricsServer::builder()
        .bind("192.0.2.1:0")
        .registry(Arc::clone(&registry))
        .start()
        .unwrap_err();
    assert!(matches!(err, ServerError::Bind { .. }), "{err:?}");
}

#[test]
fn the_default_address_is_loopback() {
    // Port 9464 may be taken on this machine: what matters is where the builder binds.
    match MetricsServer::builder()
        .registry(Arc::new(Registry::new()))
        .start()
    {
        Ok(server) => {
            assert_eq!(server.local_addr(), "127.0.0.1:9464".parse().unwrap());
            assert_eq!(server.url(), "http://127.0.0.1:9464/metrics");
        }
        Err(ServerError::Bind { addr, .. }) => assert_eq!(addr, "127.0.0.1:9464"),
        Err(other) => panic!("{other:?}"),
    }
}

#[test]
fn an_unspecified_address_is_shown_as_loopback() {
    let server = MetricsServer::builder()
        .bind("0.0.0.0:0")
        .registry(Arc::new(Registry::new()))
        .start()
        .unwrap();
    let port = server.local_addr().port();
    assert_eq!(server.url(), format!("http://127.0.0.1:{port}/metrics"));
    let reply = get(
        format!("127.0.0.1:{port}").parse().unwrap(),
        "/metrics",
        None,
    );
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
}

#[test]
fn many_concurrent_scrapes_are_all_answered() {
    let (server, jobs) = jobs_server(&["/metrics"]);
    record(&jobs);
    let addr = server.local_addr();
    let threads: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let accept = if i % 2 == 0 {
                        None
                    } else {
                        Some(PROMETHEUS_ACCEPT)
                    };
                    let reply = get(addr, "/metrics", accept);
                    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
                    let want = if accept.is_some() {
                        OPENMETRICS_BODY
                    } else {
                        TEXT_BODY
                    };
                    assert_eq!(reply.text(), want);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

fn server_with(builder: metrics_export::ServerBuilder) -> (MetricsServer, Arc<Jobs>) {
    let registry = Arc::new(Registry::new());
    let jobs = Arc::new(Jobs::default());
    registry.register(Arc::clone(&jobs));
    record(&jobs);
    let server = builder
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    (server, jobs)
}

#[test]
fn health_answers_ok_without_credentials() {
    let (server, _) = server_with(MetricsServer::builder().bearer_token("s3cret"));
    let reply = get(server.local_addr(), "/health", None);
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply.text(), "OK\n");
    let reply = request(
        server.local_addr(),
        "POST",
        "/health",
        &[("Content-Length", "0")],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 405 Method Not Allowed");

    let (server, _) = server_with(MetricsServer::builder().health_path("/-/healthy"));
    assert_eq!(get(server.local_addr(), "/-/healthy", None).text(), "OK\n");
    assert_eq!(
        get(server.local_addr(), "/health", None).status_line,
        "HTTP/1.1 404 Not Found"
    );
    let (server, _) = server_with(MetricsServer::builder().no_health_path());
    assert_eq!(
        get(server.local_addr(), "/health", None).status_line,
        "HTTP/1.1 404 Not Found"
    );
    // The health path cannot also be a metrics path.
    let err = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .paths(["/health"])
        .registry(Arc::new(Registry::new()))
        .start()
        .unwrap_err();
    assert!(matches!(err, ServerError::InvalidPath(p) if p == "/health"));
}

#[test]
fn bearer_token_is_required_when_set() {
    let (server, _) = server_with(MetricsServer::builder().bearer_token("s3cret"));
    let addr = server.local_addr();
    for auth in [
        None,
        Some("Bearer wrong"),
        Some("Bearer s3cre"),
        Some("Bearers3cret"),
        Some("Basic czNjcmV0"),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        let reply = request(addr, "GET", "/metrics", &headers);
        assert_eq!(reply.status_line, "HTTP/1.1 401 Unauthorized", "{auth:?}");
        assert_eq!(reply.header("WWW-Authenticate"), Some("Bearer"));
        assert_eq!(reply.text(), "Unauthorized\n");
    }
    let reply = request(
        addr,
        "GET",
        "/metrics",
        &[("Authorization", "Bearer s3cret")],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply.text(), TEXT_BODY);
}

#[test]
fn basic_auth_is_required_when_set() {
    let (server, _) = server_with(MetricsServer::builder().basic_auth("prometheus", "pa:ss"));
    let addr = server.local_addr();
    let reply = get(addr, "/metrics", None);
    assert_eq!(reply.status_line, "HTTP/1.1 401 Unauthorized");
    assert_eq!(
        reply.header("WWW-Authenticate"),
        Some("Basic realm=\"metrics\", charset=\"UTF-8\"")
    );
    // base64("prometheus:pa:ss")
    let reply = request(
        addr,
        "GET",
        "/metrics",
        &[("Authorization", "Basic cHJvbWV0aGV1czpwYTpzcw==")],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply.text(), TEXT_BODY);
    let reply = request(
        addr,
        "GET",
        "/metrics",
        &[("Authorization", "Basic cHJvbWV0aGV1czpwYXNz")],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 401 Unauthorized");
}

#[cfg(feature = "gzip")]
#[test]
fn gzip_when_accept_encoding_asks_for_it() {
    use std::io::Read as _;
    let (server, _) = server_with(MetricsServer::builder());
    let addr = server.local_addr();
    let gzipped = |accept_encoding: &str, accept: &str| {
        request(
            addr,
            "GET",
            "/metrics",
            &[("Accept", accept), ("Accept-Encoding", accept_encoding)],
        )
    };
    for (accept, want) in [
        ("text/plain", TEXT_BODY),
        (PROMETHEUS_ACCEPT, OPENMETRICS_BODY),
    ] {
        let reply = gzipped("gzip", accept);
        assert_eq!(reply.header("Content-Encoding"), Some("gzip"), "{reply:?}");
        assert_eq!(
            reply.header("Content-Length"),
            Some(reply.body.len().to_string().as_str())
        );
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&reply.body[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(plain, want);
    }
    // Not asked, or refused: plain.
    for accept_encoding in ["identity", "gzip;q=0", "br"] {
        let reply = gzipped(accept_encoding, "text/plain");
        assert_eq!(
            reply.header("Content-Encoding"),
            None,
            "{accept_encoding}: {reply:?}"
        );
        assert_eq!(reply.text(), TEXT_BODY);
    }
}

/// A registry whose exposition is about 20 MB: more than the socket buffers of both ends hold,
/// so a client that does not read blocks the server's writes.
fn big_registry() -> Arc<Registry> {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
    struct RouteLabels {
        route: &'static str,
    }

    #[derive(MetricSet)]
    #[metric_set(prefix = "big", global = false)]
    struct Big {
        /// Requests by route
        requests_total: Family<RouteLabels, Counter>,
    }

    let big = Arc::new(Big::default());
    for i in 0..2_000 {
        let route: &'static str =
            Box::leak(format!("/{i}/{}", "x".repeat(10_000)).into_boxed_str());
        big.requests_total.with(&RouteLabels { route }).inc();
    }
    let registry = Arc::new(Registry::new());
    registry.register(big);
    registry
}

#[test]
fn a_client_that_does_not_read_is_cut_off_by_the_write_timeout() {
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(big_registry())
        .write_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let addr = server.local_addr();
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // Others are served meanwhile.
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    assert_eq!(get(addr, "/health", None).text(), "OK\n");
    assert!(started.elapsed() < Duration::from_secs(2));
    // Past the timeout (ten times it, so that a loaded machine has written what it could) the
    // server gives up: reading now ends well short of the 20 MB.
    std::thread::sleep(Duration::from_secs(3));
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut received = Vec::new();
    match stalled.read_to_end(&mut received) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert!(
        received.len() < 20_000_000,
        "the whole answer arrived: {} bytes",
        received.len()
    );
    assert!(received.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

#[test]
fn past_max_connections_the_longest_idle_connection_makes_room() {
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(Arc::new(Registry::new()))
        .max_connections(2)
        .start()
        .unwrap();
    let addr = server.local_addr();
    let mut idle: Vec<TcpStream> = (0..2)
        .map(|_| {
            let stream = TcpStream::connect(addr).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            stream
        })
        .collect();
    // A third client is served at once...
    let reply = get(addr, "/health", None);
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply.text(), "OK\n");
    // ... in the place of the connection that had waited the longest (the first), which the
    // server closed; the second is still open, and served.
    idle[0]
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    match idle[0].read_to_end(&mut rest) {
        Ok(_) => assert_eq!(rest, b""),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    idle[1]
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    idle[1]
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reply = String::new();
    idle[1].read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.ends_with("\r\n\r\nOK\n"), "{reply}");
}

#[test]
fn past_max_connections_a_slow_request_head_makes_room() {
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(Arc::new(Registry::new()))
        .max_connections(1)
        .start()
        .unwrap();
    let addr = server.local_addr();
    // Half a request head: the connection waits on its client, and is closed for the next.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHo").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(get(addr, "/health", None).text(), "OK\n");
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut rest = Vec::new();
    match slow.read_to_end(&mut rest) {
        Ok(_) => assert_eq!(rest, b""),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
}

#[test]
fn an_idle_connection_is_closed_after_the_header_read_timeout() {
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(Arc::new(Registry::new()))
        .header_read_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let mut idle = TcpStream::connect(server.local_addr()).unwrap();
    // Half a request head, then nothing.
    idle.write_all(b"GET /metrics HTTP/1.1\r\nHo").unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = idle.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "held {:?}",
        started.elapsed()
    );
    // hyper answers a timed-out head with 408 or just closes.
    assert!(
        rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&rest)
    );
}

#[test]
fn an_oversized_request_head_is_refused_not_buffered() {
    let (server, _) = jobs_server(&["/metrics"]);
    let mut stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Two headers of 24 KiB: six times the bound (and few, so that hyper's own limit on the
    // number of headers is not what refuses it).
    let mut head = String::from("GET /metrics HTTP/1.1\r\nHost: x\r\n");
    for i in 0..2 {
        head.push_str(&format!("X-Filler-{i}: {}\r\n", "y".repeat(24 * 1024)));
    }
    head.push_str("\r\n");
    // The server may close before everything is written: a reset is fine too.
    let _ = stream.write_all(head.as_bytes());
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 431"),
        "{reply}"
    );
    // And the server goes on serving.
    assert_eq!(
        get(server.local_addr(), "/metrics", None).status_line,
        "HTTP/1.1 200 OK"
    );
}

#[test]
fn the_authorization_scheme_is_case_insensitive() {
    // RFC 9110, 11.1: the scheme is case-insensitive; the credentials are not.
    let (server, _) = server_with(MetricsServer::builder().bearer_token("s3cret"));
    let addr = server.local_addr();
    for auth in [
        "Bearer s3cret",
        "bearer s3cret",
        "BEARER s3cret",
        "bEaReR  s3cret",
    ] {
        let reply = request(addr, "GET", "/metrics", &[("Authorization", auth)]);
        assert_eq!(reply.status_line, "HTTP/1.1 200 OK", "{auth}");
        assert_eq!(reply.text(), TEXT_BODY);
    }
    for auth in ["bearer S3CRET", "Bearer", "Bearer ", "Basic s3cret"] {
        let reply = request(addr, "GET", "/metrics", &[("Authorization", auth)]);
        assert_eq!(reply.status_line, "HTTP/1.1 401 Unauthorized", "{auth}");
    }
    let (server, _) = server_with(MetricsServer::builder().basic_auth("prometheus", "pa:ss"));
    for auth in [
        "Basic cHJvbWV0aGV1czpwYTpzcw==",
        "basic cHJvbWV0aGV1czpwYTpzcw==",
        "BASIC cHJvbWV0aGV1czpwYTpzcw==",
    ] {
        let reply = request(
            server.local_addr(),
            "GET",
            "/metrics",
            &[("Authorization", auth)],
        );
        assert_eq!(reply.status_line, "HTTP/1.1 200 OK", "{auth}");
    }
}

#[test]
fn empty_credentials_are_refused_at_start() {
    let start = |builder: metrics_export::ServerBuilder| {
        builder
            .bind("127.0.0.1:0")
            .registry(Arc::new(Registry::new()))
            .start()
            .unwrap_err()
    };
    for (builder, message) in [
        (
            MetricsServer::builder().bearer_token(""),
            "invalid scrape credentials: the bearer token is empty",
        ),
        (
            MetricsServer::builder().bearer_token("s3\ncret"),
            "invalid scrape credentials: the bearer token contains a control character",
        ),
        (
            MetricsServer::builder().basic_auth("", "s3cret"),
            "invalid scrape credentials: the user name is empty",
        ),
        (
            MetricsServer::builder().basic_auth("prometheus\r", "s3cret"),
            "invalid scrape credentials: the user name contains a control character",
        ),
        (
            MetricsServer::builder().basic_auth("prometheus", "s3\u{7f}cret"),
            "invalid scrape credentials: the password contains a control character",
        ),
    ] {
        let err = start(builder);
        assert!(matches!(err, ServerError::InvalidCredentials(_)), "{err:?}");
        assert_eq!(err.to_string(), message);
    }
    // An empty password is the user's choice.
    let (server, _) = server_with(MetricsServer::builder().basic_auth("prometheus", ""));
    // base64("prometheus:")
    let reply = request(
        server.local_addr(),
        "GET",
        "/metrics",
        &[("Authorization", "Basic cHJvbWV0aGV1czo=")],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
}

#[test]
fn without_credentials_everything_but_health_is_401() {
    let (server, _) = server_with(MetricsServer::builder().bearer_token("s3cret"));
    let addr = server.local_addr();
    // Neither the path nor the method is revealed before the credentials are checked.
    for (method, path) in [
        ("GET", "/metrics"),
        ("GET", "/nope"),
        ("POST", "/metrics"),
        ("DELETE", "/nope"),
        ("HEAD", "/nope"),
    ] {
        let reply = request(addr, method, path, &[("Content-Length", "0")]);
        assert_eq!(
            reply.status_line, "HTTP/1.1 401 Unauthorized",
            "{method} {path}"
        );
        assert_eq!(reply.header("WWW-Authenticate"), Some("Bearer"));
        assert_eq!(reply.header("Allow"), None);
    }
    // With them, the usual answers.
    let credentials = ("Authorization", "Bearer s3cret");
    let reply = request(
        addr,
        "POST",
        "/metrics",
        &[credentials, ("Content-Length", "0")],
    );
    assert_eq!(reply.status_line, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
    let reply = request(addr, "GET", "/nope", &[credentials]);
    assert_eq!(reply.status_line, "HTTP/1.1 404 Not Found");
    // The health path needs none, and is still only for GET and HEAD.
    assert_eq!(get(addr, "/health", None).status_line, "HTTP/1.1 200 OK");
    let reply = request(addr, "POST", "/health", &[("Content-Length", "0")]);
    assert_eq!(reply.status_line, "HTTP/1.1 405 Method Not Allowed");
}

/// The whole answer to `raw`, sent as is.
fn raw_answer(addr: SocketAddr, raw: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8(answer).unwrap()
}

#[test]
fn http_1_1_without_one_host_is_400() {
    let (server, _) = server_with(MetricsServer::builder());
    let addr = server.local_addr();
    // RFC 9112, 3.2: an HTTP/1.1 request without Host, or with two, is answered 400.
    for raw in [
        "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
    ] {
        let answer = raw_answer(addr, raw);
        assert!(
            answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{raw:?}: {answer}"
        );
        assert!(answer.ends_with("\r\n\r\nBad Request\n"), "{answer}");
    }
    // HTTP/1.0 has no Host requirement.
    let answer = raw_answer(addr, "GET /metrics HTTP/1.0\r\n\r\n");
    assert!(answer.starts_with("HTTP/1.0 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with(TEXT_BODY), "{answer}");
}
