//! The reference servers, started as child processes on loopback with free ports and their data
//! in a temporary directory: Prometheus (Debian package `prometheus`), the Pushgateway
//! (`prometheus-pushgateway`) and VictoriaMetrics (`victoria-metrics`), all installed by
//! `scripts/setup`.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http;

/// A server process, killed (and its data removed) when dropped.
pub struct Server {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl Server {
    /// Where its HTTP API listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits up to a minute until `GET path` answers `200`; panics if the process exits.
    fn wait_ready(mut self, path: &str) -> Self {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if http::try_get(self.addr, path, None).is_ok_and(|reply| answered_ok(&reply)) {
                return self;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server on {} exited: {status}", self.addr);
            }
            assert!(
                Instant::now() < deadline,
                "the server on {} did not start",
                self.addr
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether `reply` is a `200` (a server still starting may answer anything, or nothing).
fn answered_ok(reply: &http::Reply) -> bool {
    reply.status_line.split(' ').nth(1) == Some("200")
}

/// A loopback address nothing listens on (the port was free a moment ago).
pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Starts `binary` (of Debian package `package`) on a free address, with a fresh temporary
/// directory: `args` gets both.
fn spawn(
    binary: &str,
    package: &str,
    args: impl FnOnce(SocketAddr, &PathBuf) -> Vec<String>,
) -> Server {
    let addr = free_addr();
    let dir = std::env::temp_dir().join(format!("{binary}-{}-{}", std::process::id(), addr.port()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let child = Command::new(binary)
        .args(args(addr, &dir))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("`{binary}` is needed ({e}): scripts/setup installs it (Debian package `{package}`)")
        });
    Server { child, addr, dir }
}

/// A Prometheus server scraping `target` every second. It returns at once: wait for the first
/// scrape with [`eventually`] (`up` is 1).
pub fn prometheus(target: SocketAddr) -> Server {
    prometheus_with_flags(target, &[])
}

/// [`prometheus`] with native histograms (`--enable-feature=native-histograms`): it asks for
/// the protobuf format first.
pub fn prometheus_native_histograms(target: SocketAddr) -> Server {
    prometheus_with_flags(target, &["--enable-feature=native-histograms"])
}

fn prometheus_with_flags(target: SocketAddr, flags: &[&str]) -> Server {
    spawn("prometheus", "prometheus", |addr, dir| {
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: e2e\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let mut args = vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address={addr}"),
        ];
        args.extend(flags.iter().map(|flag| (*flag).to_owned()));
        args
    })
}

/// A Prometheus server that scrapes nothing and receives remote writes at `/api/v1/write`,
/// ready.
pub fn prometheus_receiver() -> Server {
    spawn("prometheus", "prometheus", |addr, dir| {
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").unwrap();
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address={addr}"),
            "--web.enable-remote-write-receiver".to_owned(),
        ]
    })
    .wait_ready("/-/ready")
}

/// A Prometheus server that scrapes nothing and receives remote writes at `/api/v1/write`,
/// native histogram samples included (`--enable-feature=native-histograms`), ready.
pub fn prometheus_native_receiver() -> Server {
    spawn("prometheus", "prometheus", |addr, dir| {
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, "global:\n  scrape_interval: 1m\n").unwrap();
        vec![
            format!("--config.file={}", config.display()),
            format!("--storage.tsdb.path={}", dir.join("data").display()),
            format!("--web.listen-address={addr}"),
            "--web.enable-remote-write-receiver".to_owned(),
            "--enable-feature=native-histograms".to_owned(),
        ]
    })
    .wait_ready("/-/ready")
}

/// A VictoriaMetrics server (remote writes at `/api/v1/write`, a Prometheus query API), ready,
/// answering queries with what it stored without delay or cache.
pub fn victoria_metrics() -> Server {
    spawn("victoria-metrics", "victoria-metrics", |addr, dir| {
        vec![
            format!("-httpListenAddr={addr}"),
            format!("-storageDataPath={}", dir.display()),
            "-search.latencyOffset=0s".to_owned(),
            "-search.disableCache".to_owned(),
        ]
    })
    .wait_ready("/health")
}

/// A Pushgateway keeping its groups in memory only, ready.
pub fn pushgateway() -> Server {
    spawn(
        "prometheus-pushgateway",
        "prometheus-pushgateway",
        |addr, _| {
            vec![
                format!("--web.listen-address={addr}"),
                "--persistence.file=".to_owned(),
            ]
        },
    )
    .wait_ready("/-/ready")
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

/// The value of an instant query's single result (Prometheus query API, which VictoriaMetrics
/// also serves), `None` while it has none.
pub fn query(server: &Server, promql: &str) -> Option<f64> {
    query_path(server, &format!("/api/v1/query?query={}", encode(promql)))
}

/// [`query`] evaluated at `time` (seconds since the Unix epoch), so that several queries read
/// the same scrapes.
pub fn query_at(server: &Server, promql: &str, time: f64) -> Option<f64> {
    query_path(
        server,
        &format!("/api/v1/query?query={}&time={time:.3}", encode(promql)),
    )
}

fn query_path(server: &Server, path: &str) -> Option<f64> {
    let reply = http::try_get(server.addr, path, None).ok()?;
    if !answered_ok(&reply) {
        return None;
    }
    // `"value":[1700000000.123,"42"]`: the number in quotes after the timestamp.
    let value = reply.text().split("\"value\":[").nth(1)?;
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
