//! The axum route over real sockets: axum's own server on port 0, a raw HTTP/1.1 client.
#![cfg(feature = "axum")]

use std::net::SocketAddr;
use std::sync::Arc;

use metrics_core::{Counter, MetricSet, Registry};
use tests::http::{get, request};

/// Serves `app` on a thread of its own; the address it listens on.
fn serve(app: axum::Router) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

#[test]
fn the_route_negotiates_formats_and_encodings_like_the_server() {
    #[derive(MetricSet)]
    #[metric_set(global = false)]
    struct Jobs {
        /// Jobs done
        jobs_total: Counter,
    }

    let registry = Arc::new(Registry::new());
    let jobs = Arc::new(Jobs::default());
    registry.register(Arc::clone(&jobs));
    jobs.jobs_total.inc_by(3);
    let app = axum::Router::new().route("/metrics", metrics_export::axum::metrics(registry));
    let addr = serve(app);

    let reply = get(addr, "/metrics", None);
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        reply.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(
        reply.text(),
        "# HELP jobs_total Jobs done\n# TYPE jobs_total counter\njobs_total 3\n"
    );

    let reply = get(
        addr,
        "/metrics",
        Some("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;q=0.3"),
    );
    assert_eq!(
        reply.header("Content-Type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    assert_eq!(
        reply.text(),
        "# TYPE jobs counter\n# HELP jobs Jobs done\njobs_total 3\n# EOF\n"
    );

    #[cfg(feature = "gzip")]
    {
        use std::io::Read as _;
        let reply = request(addr, "GET", "/metrics", &[("Accept-Encoding", "gzip")]);
        assert_eq!(reply.header("Content-Encoding"), Some("gzip"));
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&reply.body[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert_eq!(
            plain,
            "# HELP jobs_total Jobs done\n# TYPE jobs_total counter\njobs_total 3\n"
        );
    }

    let reply = request(addr, "POST", "/metrics", &[("Content-Length", "0")]);
    assert_eq!(reply.status(), 405, "{reply:?}");
}

#[test]
fn the_global_route_serves_the_global_registry() {
    let app =
        axum::Router::new().route("/metrics", metrics_export::axum::global_metrics().unwrap());
    let addr = serve(app);
    let reply = get(addr, "/metrics", None);
    assert_eq!(reply.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        reply.text(),
        metrics_export::encode_text(Registry::global())
    );
}
