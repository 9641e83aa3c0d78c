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

/// A real Prometheus server (Debian package `prometheus`, which `scripts/test` installs) for
/// end-to-end tests: started on loopback, scraping one target every second.
pub mod prometheus {
    use std::net::{SocketAddr, TcpListener};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// The Prometheus process, killed (and its data removed) when the test ends.
    pub struct Prometheus {
        child: Child,
        addr: SocketAddr,
        dir: std::path::PathBuf,
    }

    impl Prometheus {
        /// Where its HTTP API listens.
        pub fn addr(&self) -> SocketAddr {
            self.addr
        }
    }

    impl Drop for Prometheus {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// Starts Prometheus scraping `target` every second, on a free loopback port, with its data
    /// in a temporary directory.
    pub fn start(target: SocketAddr) -> Prometheus {
        let dir = std::env::temp_dir().join(format!(
            "prometheus-e2e-{}-{}",
            std::process::id(),
            target.port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: e2e\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "the prometheus server is needed: apt-get install prometheus (scripts/test does)",
            );
        Prometheus { child, addr, dir }
    }

    /// `%`-encodes a PromQL query for a URL.
    fn encode(query: &str) -> String {
        query
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'-' | b'.' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// The value of an instant query's single result, `None` while it has none.
    pub fn query(prometheus: &Prometheus, promql: &str) -> Option<f64> {
        let reply = crate::http::try_get(
            prometheus.addr,
            &format!("/api/v1/query?query={}", encode(promql)),
            None,
        )
        .ok()?;
        if !reply.status_line.contains(" 200 ") {
            return None;
        }
        // `"value":[1700000000.123,"42"]`: the number in quotes after the timestamp.
        let value = reply.body.split("\"value\":[").nth(1)?;
        let value = value.split(",\"").nth(1)?.split('"').next()?;
        value.parse().ok()
    }

    /// Retries `f` every 250 ms for up to a minute.
    pub fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(t) = f() {
                return t;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}
