//! The HTTP endpoint under hostile clients, scaled down from the attacks of `scripts/attack`:
//! connections kept idle, request heads sent a byte at a time, pipelined gzip scrapes, clients
//! that never read. Each test checks that a legitimate scraper and `/health` still get their
//! answers promptly, and bounds what the attack costs (CPU, memory). The latency limits are hang
//! guards (an answer takes milliseconds here); the tests run one at a time, since they measure
//! the process.
#![cfg(all(feature = "server", target_os = "linux"))] // reads /proc

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use metrics_core::{Counter, Family, LabelSet, MetricSet, Registry};
use metrics_export::MetricsServer;

/// A legitimate scrape or health check must be answered within this while attacked.
const PROMPT: Duration = Duration::from_secs(1);

/// The tests measure latency, CPU and memory of the whole process: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RouteLabels {
    route: String,
    code: u16,
}

#[derive(MetricSet)]
#[metric_set(prefix = "big", global = false)]
struct Big {
    /// Requests by route
    #[metric(max_series = 1_000_000)]
    requests_total: Family<RouteLabels, Counter>,
}

/// A registry of about `mb` MB of Prometheus text, of series that compress like real ones; and
/// the exact size of its exposition.
fn big_registry(mb: usize) -> (Arc<Registry>, usize) {
    let big = Arc::new(Big::default());
    // `big_requests_total{route="/api/v1/items/0000001/details",code="200"} 123`: ~70 bytes.
    for i in 0..mb * 1_000_000 / 70 {
        let labels = RouteLabels {
            route: format!("/api/v1/items/{:07}/details", i / 4),
            code: [200, 404, 500, 503][i % 4],
        };
        big.requests_total.with(&labels).inc_by(i as u64 % 1000);
    }
    let registry = Arc::new(Registry::new());
    registry.register(big);
    let size = metrics_export::encode_text(&registry).len();
    (registry, size)
}

fn small_registry() -> Arc<Registry> {
    big_registry(0).0
}

/// `GET path` on a new connection with `headers`, which must answer `200` within `limit`;
/// returns how long it took.
fn answered_within(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    let result = (|| -> std::io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect_timeout(&addr, limit)?;
        stream.set_read_timeout(Some(limit))?;
        let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        Ok(answer)
    })();
    let elapsed = started.elapsed();
    match result {
        Ok(answer) => assert!(
            answer.starts_with(b"HTTP/1.1 200 OK\r\n"),
            "GET {path}: {:?}",
            String::from_utf8_lossy(&answer[..answer.len().min(200)])
        ),
        Err(e) => panic!("GET {path}: no answer after {elapsed:?}: {e}"),
    }
    assert!(elapsed < limit, "GET {path} answered after {elapsed:?}");
    elapsed
}

/// Clients run by `attack` until the returned guard is dropped.
struct Attack {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// Connections the attackers made (they reconnect when the server closes theirs).
    connections: Arc<AtomicUsize>,
}

impl Drop for Attack {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// `n` clients, each running `client(connection, stop)` on a connection of its own, again on a
/// new connection whenever it returns (the server closed it) until the attack stops.
fn attack(
    addr: SocketAddr,
    n: usize,
    client: fn(&mut TcpStream, &AtomicBool) -> std::io::Result<()>,
) -> Attack {
    let stop = Arc::new(AtomicBool::new(false));
    let connections = Arc::new(AtomicUsize::new(0));
    let threads = (0..n)
        .map(|_| {
            let stop = Arc::clone(&stop);
            let connections = Arc::clone(&connections);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1))
                    else {
                        continue;
                    };
                    connections.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
                    let _ = client(&mut stream, &stop);
                }
            })
        })
        .collect();
    Attack {
        stop,
        threads,
        connections,
    }
}

/// Sleeps `duration` unless the attack stops first; false once it has.
fn pause(stop: &AtomicBool, duration: Duration) -> bool {
    let until = Instant::now() + duration;
    while Instant::now() < until {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    !stop.load(Ordering::Relaxed)
}

/// Reads one answer of a keep-alive connection (its head, then `Content-Length` bytes).
fn read_answer(stream: &mut TcpStream, stop: &AtomicBool) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut left = None;
    let mut buf = [0u8; 64 * 1024];
    loop {
        // One byte at a time until the head ends (so that nothing of the body, or of the next
        // answer, is read with it); then the body in big reads.
        let want = match left {
            Some(0) => return Ok(()),
            Some(n) => buf.len().min(n),
            None => 1,
        };
        match stream.read(&mut buf[..want]) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => match &mut left {
                Some(left) => *left -= n,
                None => {
                    head.push(buf[0]);
                    if head.ends_with(b"\r\n\r\n") {
                        let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                        left = Some(
                            text.lines()
                                .find_map(|l| l.strip_prefix("content-length: "))
                                .map_or(0, |n| n.trim().parse().unwrap_or(0)),
                        );
                    }
                }
            },
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if stop.load(Ordering::Relaxed) {
                    return Err(e);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether the server closed the connection (EOF or reset), without reading its answer: a peek
/// that does not wait.
fn closed_by_server(stream: &TcpStream) -> bool {
    let _ = stream.set_nonblocking(true);
    let mut byte = [0u8; 1];
    let closed = match stream.peek(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    let _ = stream.set_nonblocking(false);
    closed
}

#[test]
fn idle_keep_alive_connections_do_not_keep_new_clients_out() {
    let _serial = serial();
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(small_registry())
        .max_connections(8)
        .start()
        .unwrap();
    let addr = server.local_addr();
    // As many keep-alive connections as the server serves, each asking `/health` every 200 ms:
    // none is ever idle long enough for the idle timeout (10 s).
    let keepalive = attack(addr, 8, |stream, stop| loop {
        stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")?;
        read_answer(stream, stop)?;
        if !pause(stop, Duration::from_millis(200)) {
            return Ok(());
        }
    });
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..5 {
        answered_within(addr, "/metrics", &[], PROMPT);
        answered_within(addr, "/health", &[], PROMPT);
    }
    // The attackers are still served: they got new connections when theirs were closed.
    let made = keepalive.connections.load(Ordering::Relaxed);
    assert!(made >= 8, "{made}");
    drop(keepalive);
}

#[test]
fn slow_request_heads_past_the_cap_do_not_delay_a_scrape() {
    let _serial = serial();
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(small_registry())
        .max_connections(8)
        .start()
        .unwrap();
    let addr = server.local_addr();
    // More slow clients than the server serves, each sending its head a byte every 100 ms (well
    // within the 10 s header read timeout, for a while).
    let slowloris = attack(addr, 20, |stream, stop| {
        stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")?;
        while pause(stop, Duration::from_millis(100)) {
            if closed_by_server(stream) {
                return Ok(());
            }
            stream.write_all(b"x")?;
        }
        Ok(())
    });
    std::thread::sleep(Duration::from_millis(500));
    for _ in 0..5 {
        answered_within(addr, "/metrics", &[], PROMPT);
        answered_within(addr, "/health", &[], PROMPT);
    }
    drop(slowloris);
}

/// Nanoseconds of CPU the server's threads (named `metrics-...`) have used.
#[cfg(feature = "gzip")]
fn server_cpu() -> Duration {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with("metrics-") {
            let schedstat =
                std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            total += schedstat
                .split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(total)
}

// (Without the `gzip` feature, the same scrapes are answered uncompressed.)
#[test]
fn pipelined_gzip_scrapes_do_not_hold_health_up() {
    let _serial = serial();
    let (registry, _) = big_registry(4);
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    let addr = server.local_addr();
    // Four connections, each sending eight gzip scrapes at once and reading the answers.
    let pipelines = attack(addr, 4, |stream, stop| {
        let scrape = b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n";
        while !stop.load(Ordering::Relaxed) {
            stream.write_all(&scrape.repeat(8))?;
            for _ in 0..8 {
                read_answer(stream, stop)?;
            }
        }
        Ok(())
    });
    std::thread::sleep(Duration::from_millis(200));
    let limit = Duration::from_millis(500);
    let mut slowest = Duration::ZERO;
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        slowest = slowest.max(answered_within(addr, "/health", &[], limit));
        std::thread::sleep(Duration::from_millis(20));
    }
    answered_within(addr, "/metrics", &[("Accept-Encoding", "gzip")], PROMPT);
    drop(pipelines);
    eprintln!("slowest /health: {slowest:?}");
}

// With gzip, so that rendering is what the CPU is spent on, not writing 32 answers of 4 MB.
#[cfg(feature = "gzip")]
#[test]
fn concurrent_scrapes_share_a_rendering() {
    let _serial = serial();
    let (registry, _) = big_registry(4);
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    let addr = server.local_addr();
    let gzip = [("Accept-Encoding", "gzip")];
    answered_within(addr, "/metrics", &gzip, PROMPT);
    // The CPU of one gzip scrape (the smallest of three, so that a preemption does not count).
    let one = (0..3)
        .map(|_| {
            let before = server_cpu();
            answered_within(addr, "/metrics", &gzip, PROMPT);
            server_cpu() - before
        })
        .min()
        .unwrap();
    // 32 at once: sent together, answered from one or two renderings.
    let mut streams: Vec<TcpStream> = (0..32).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let before = server_cpu();
    for stream in &mut streams {
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
            .unwrap();
    }
    for stream in &mut streams {
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"));
    }
    let all = server_cpu() - before;
    eprintln!("CPU of 32 concurrent scrapes: {all:?}, of one: {one:?}");
    assert!(
        all < one * 8,
        "32 concurrent scrapes used {all:?} of CPU, one alone {one:?}"
    );
}

/// The resident memory of this process.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: usize = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
fn clients_that_never_read_do_not_multiply_memory() {
    let _serial = serial();
    let (registry, size) = big_registry(4);
    let server = MetricsServer::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .start()
        .unwrap();
    let addr = server.local_addr();
    answered_within(addr, "/metrics", &[], PROMPT);
    let base = rss();
    // The documented bound, `4 × S + 5 × Z + N × 24 KiB` (no gzip here: Z = 0), with 5 MB
    // for the allocator.
    let bound = 4 * size + 128 * 24 * 1024 + 5_000_000;
    let peak = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let grown = rss().saturating_sub(base);
                peak.fetch_max(grown, Ordering::Relaxed);
                if grown > bound {
                    // Over the bound: stop the attack now rather than let it grow further.
                    done.store(true, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    // 32 clients that send a scrape and never read its answer, one every 40 ms (so that they
    // cannot all share one rendering), each again once the server closes its connection.
    let mut nonreaders = Vec::new();
    for _ in 0..32 {
        if done.load(Ordering::Relaxed) {
            break;
        }
        nonreaders.push(attack(addr, 1, |stream, stop| {
            stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")?;
            while pause(stop, Duration::from_millis(20)) {
                if closed_by_server(stream) {
                    return Ok(());
                }
            }
            Ok(())
        }));
        std::thread::sleep(Duration::from_millis(40));
    }
    if !done.load(Ordering::Relaxed) {
        for _ in 0..3 {
            answered_within(addr, "/metrics", &[], PROMPT);
            answered_within(addr, "/health", &[], PROMPT);
        }
    }
    done.store(true, Ordering::Relaxed);
    monitor.join().unwrap();
    drop(nonreaders);
    let peak = peak.load(Ordering::Relaxed);
    eprintln!(
        "memory grew by {peak} bytes at most, for an exposition of {size} bytes (bound {bound})"
    );
    assert!(
        peak <= bound,
        "memory grew by {} MB under 32 clients that do not read a {} MB exposition \
         (bound {} MB)",
        peak / 1_000_000,
        size / 1_000_000,
        bound / 1_000_000
    );
}
