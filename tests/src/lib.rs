//! Shared pieces of the end-to-end tests: a metric set declared in another crate than the tests
//! that use it (for the link-time registry), and tiny helpers.

use std::sync::Arc;

use metrics_core::{Counter, MetricSet, Registry};

/// A globally registered set declared in this library crate, so that test binaries can check
/// that the link-time registry sees sets from other crates.
#[derive(MetricSet)]
#[metric_set(prefix = "shared")]
pub struct SharedMetrics {
    /// Jobs processed by the shared library
    pub jobs_total: Counter,
}

/// A registry holding just `set`.
pub fn registry_of<T: MetricSet>(set: &Arc<T>) -> Registry {
    let registry = Registry::new();
    registry.register(Arc::clone(set));
    registry
}

/// Prometheus text 0.0.4 of a registry holding just `set`.
pub fn text_of<T: MetricSet>(set: &Arc<T>) -> String {
    metrics_export::encode_text(&registry_of(set))
}

/// OpenMetrics 1.0 text of a registry holding just `set`.
pub fn openmetrics_of<T: MetricSet>(set: &Arc<T>) -> String {
    metrics_export::encode_openmetrics(&registry_of(set))
}

/// A minimal HTTP/1.1 client over a raw socket, for scraping servers in tests: exact status
/// lines and headers, no client library in between.
pub mod http {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    /// An HTTP answer.
    #[derive(Debug)]
    pub struct Reply {
        /// `HTTP/1.1 200 OK`
        pub status_line: String,
        /// In the order received.
        pub headers: Vec<(String, String)>,
        /// The body, read to the end of the connection.
        pub body: String,
    }

    impl Reply {
        /// The value of header `name` (case-insensitive); panics if it is given twice.
        pub fn header(&self, name: &str) -> Option<&str> {
            let mut found = self
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name));
            let value = found.next().map(|(_, v)| v.as_str());
            assert!(found.next().is_none(), "header {name} given twice");
            value
        }
    }

    /// Sends `GET path` with `Connection: close` (and `Accept: accept` if given) and reads the
    /// whole answer; panics on a socket error.
    pub fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> Reply {
        try_get(addr, path, accept).unwrap_or_else(|e| panic!("GET http://{addr}{path}: {e}"))
    }

    /// [`get`], with socket errors (nothing listening yet) returned.
    pub fn try_get(addr: SocketAddr, path: &str, accept: Option<&str>) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        if let Some(accept) = accept {
            head.push_str("Accept: ");
            head.push_str(accept);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        let mut reader = BufReader::new(stream);
        let mut status_line = String::new();
        reader.read_line(&mut status_line)?;
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line)?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| std::io::Error::other(format!("not a header: {line:?}")))?;
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut body = String::new();
        reader.read_to_string(&mut body)?;
        Ok(Reply {
            status_line: status_line.trim_end().to_owned(),
            headers,
            body,
        })
    }
}
