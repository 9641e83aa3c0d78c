//! Pushing to a real Pushgateway (the Debian package `prometheus-pushgateway`, installed by
//! `scripts/test`), started on loopback with a free port: PUT replaces a group, POST merges,
//! DELETE removes, grouping keys with `/` and empty values, the gateway's 400 surfaced as an
//! error, and a gateway that is down or silent gives an error, not a hang.
#![cfg(feature = "pushgateway")]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics_core::{Counter, Gauge, Registry};
use metrics_export::{PushError, Pushgateway};

#[allow(dead_code)]
#[path = "../src/fixtures.rs"]
mod fixtures;

use fixtures::metric_set;

metric_set! {
    struct Jobs {
        jobs: Counter = Counter::new() => ("backup_jobs_total", "Jobs done"),
    }
}

metric_set! {
    struct Extra {
        bytes: Gauge = Gauge::new() => ("backup_size_bytes", "Size of the last backup", unit = "bytes"),
    }
}

metric_set! {
    struct Clash {
        jobs: Gauge = Gauge::new() => ("backup_jobs_total", "Jobs done, as a gauge"),
    }
}

struct Gateway {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_gateway() -> Gateway {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new("prometheus-pushgateway")
        .arg(format!("--web.listen-address={addr}"))
        .arg("--persistence.file=")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect(
            "the Pushgateway is needed: apt-get install prometheus-pushgateway (scripts/test does)",
        );
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "the Pushgateway did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Gateway { child, addr }
}

/// The gateway's own exposition, lines of the `backup_` families only.
fn gateway_lines(gateway: &Gateway) -> Vec<String> {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(gateway.addr).unwrap();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
        .lines()
        .filter(|l| l.starts_with("backup_"))
        .map(str::to_owned)
        .collect()
}

fn registry_with<T: metrics_core::MetricSet>(set: T) -> (Arc<Registry>, Arc<T>) {
    let registry = Arc::new(Registry::new());
    let set = Arc::new(set);
    registry.register(Arc::clone(&set));
    (registry, set)
}

#[test]
fn put_post_delete_against_a_real_pushgateway() {
    let gateway = start_gateway();
    let url = format!("http://{}", gateway.addr);
    let (jobs_registry, jobs) = registry_with(Jobs::default());
    jobs.jobs.inc_by(3);
    let group = Pushgateway::new(&url, "backup/nightly")
        .unwrap()
        .grouping("instance", "db-1")
        .unwrap()
        .grouping("shard", "")
        .unwrap();

    // PUT.
    group
        .clone()
        .registry(Arc::clone(&jobs_registry))
        .push()
        .unwrap();
    assert_eq!(
        gateway_lines(&gateway),
        ["backup_jobs_total{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 3"]
    );

    // POST merges: the other family is added, the pushed one replaced.
    let (extra_registry, extra) = registry_with(Extra::default());
    extra.bytes.set(1024);
    group
        .clone()
        .registry(extra_registry.clone())
        .push_add()
        .unwrap();
    let mut lines = gateway_lines(&gateway);
    lines.sort();
    assert_eq!(
        lines,
        [
            "backup_jobs_total{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 3",
            "backup_size_bytes{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 1024",
        ]
    );

    // PUT replaces the whole group.
    group.clone().registry(extra_registry).push().unwrap();
    assert_eq!(
        gateway_lines(&gateway),
        ["backup_size_bytes{instance=\"db-1\",job=\"backup/nightly\",shard=\"\"} 1024"]
    );

    // A family pushed with another type than the gateway holds: its 400, as an error.
    let other = Pushgateway::new(&url, "backup/nightly").unwrap();
    other.clone().registry(jobs_registry).push().unwrap();
    let (clash_registry, _) = registry_with(Clash::default());
    let err = group
        .clone()
        .registry(clash_registry)
        .push_add()
        .unwrap_err();
    match &err {
        PushError::Status { status, body, .. } => {
            assert_eq!(*status, 400, "{body}");
            assert!(!body.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("the Pushgateway answered 400: "),
        "{err}"
    );

    // DELETE.
    group.delete().unwrap();
    other.delete().unwrap();
    assert!(gateway_lines(&gateway).is_empty());
}

#[test]
fn a_gateway_that_is_down_or_silent_is_an_error_not_a_hang() {
    // Nothing listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (registry, _) = registry_with(Jobs::default());
    let down = Pushgateway::new(&format!("http://127.0.0.1:{port}"), "j")
        .unwrap()
        .registry(Arc::clone(&registry));
    assert!(matches!(down.push(), Err(PushError::Transport { .. })));

    // Accepts, never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let held = std::thread::spawn(move || {
        let (stream, _) = silent.accept().unwrap();
        std::thread::sleep(Duration::from_secs(1));
        drop(stream);
    });
    let started = Instant::now();
    let err = Pushgateway::new(&format!("http://{addr}"), "j")
        .unwrap()
        .registry(registry)
        .timeout(Duration::from_millis(300))
        .push()
        .unwrap_err();
    assert!(matches!(err, PushError::Transport { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    held.join().unwrap();

    // Answers garbage.
    let garbage = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = garbage.local_addr().unwrap();
    let answering = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = garbage.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = stream.read(&mut buf);
        let _ = stream.write_all(b"\x00\xffnot http at all\r\n\r\n");
    });
    let err = Pushgateway::new(&format!("http://{addr}"), "j")
        .unwrap()
        .registry(Arc::new(Registry::new()))
        .timeout(Duration::from_secs(2))
        .push()
        .unwrap_err();
    assert!(matches!(err, PushError::Transport { .. }), "{err:?}");
    answering.join().unwrap();
}

#[test]
fn as_an_exporter_it_pushes_periodically_with_health_and_self_metrics() {
    use metrics_export::Exporter;
    let gateway = start_gateway();
    let (registry, jobs) = registry_with(Jobs::default());
    jobs.jobs.inc_by(2);
    let group = Arc::new(
        Pushgateway::new(&format!("http://{}", gateway.addr), "periodic")
            .unwrap()
            .registry(Arc::clone(&registry)),
    );
    let handle = Arc::clone(&group).start(Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !gateway_lines(&gateway)
        .iter()
        .any(|l| l == "backup_jobs_total{instance=\"\",job=\"periodic\"} 2")
    {
        assert!(Instant::now() < deadline, "{:?}", gateway_lines(&gateway));
        std::thread::sleep(Duration::from_millis(50));
    }
    // A value recorded just before the handle is dropped arrives with the final flush.
    jobs.jobs.inc();
    drop(handle);
    assert!(gateway_lines(&gateway)
        .iter()
        .any(|l| l == "backup_jobs_total{instance=\"\",job=\"periodic\"} 3"));
    let health = group.health();
    assert!(health.last_success.is_some());
    assert_eq!(health.consecutive_failures, 0);
    // The self-metrics are in the pushed registry (and so on the gateway).
    let text = metrics_export::encode_text(&registry);
    assert!(
        text.contains("metrics_exporter_pushes_total{exporter=\"pushgateway\",url=\""),
        "{text}"
    );

    // A gateway that is gone: failures in the health, not a panic.
    drop(gateway);
    let err = group.flush(Duration::from_secs(5)).unwrap_err();
    assert!(
        err.to_string().starts_with("cannot reach the Pushgateway"),
        "{err}"
    );
    assert_eq!(group.health().consecutive_failures, 1);
}
