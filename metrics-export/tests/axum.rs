//! The axum route over real sockets: axum's own server on port 0, a raw HTTP/1.1 client.
#![cfg(feature = "axum")]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use metrics_core::{Counter, Registry};

#[allow(dead_code)]
#[path = "../src/fixtures.rs"]
mod fixtures;

use fixtures::metric_set;

metric_set! {
    struct Jobs {
        jobs: Counter = Counter::new() => ("jobs_total", "Jobs done"),
    }
}

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

fn request(addr: SocketAddr, head: &str) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8(all[..split].to_vec()).unwrap(),
        all[split + 4..].to_vec(),
    )
}

#[test]
fn the_route_negotiates_formats_and_encodings_like_the_server() {
    let registry = Arc::new(Registry::new());
    let jobs = Arc::new(Jobs::default());
    registry.register(Arc::clone(&jobs));
    jobs.jobs.inc_by(3);
    let app = axum::Router::new().route("/metrics", metrics_export::axum::metrics(registry));
    let addr = serve(app);

    let (head, body) = request(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(
        head.contains("\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8"),
        "{head}"
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "# HELP jobs_total Jobs done\n# TYPE jobs_total counter\njobs_total 3\n"
    );

    let (head, body) = request(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: application/openmetrics-text;version=1.0.0;q=0.5,text/plain;q=0.3\r\n\r\n",
    );
    assert!(
        head.contains(
            "\r\ncontent-type: application/openmetrics-text; version=1.0.0; charset=utf-8"
        ),
        "{head}"
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "# TYPE jobs counter\n# HELP jobs Jobs done\njobs_total 3\n# EOF\n"
    );

    #[cfg(feature = "gzip")]
    {
        let (head, body) = request(
            addr,
            "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept-Encoding: gzip\r\n\r\n",
        );
        assert!(head.contains("\r\ncontent-encoding: gzip"), "{head}");
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut plain)
            .unwrap();
        assert!(plain.ends_with("jobs_total 3\n"), "{plain}");
    }

    let (head, _) = request(
        addr,
        "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
}

#[test]
fn the_global_route_serves_the_global_registry() {
    let app =
        axum::Router::new().route("/metrics", metrics_export::axum::global_metrics().unwrap());
    let addr = serve(app);
    let (head, body) = request(
        addr,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(
        String::from_utf8(body).unwrap(),
        metrics_export::encode_text(Registry::global())
    );
}
