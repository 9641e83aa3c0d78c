//! Every pusher (Pushgateway, remote write, OTLP) keeps its deadlines against a receiver that
//! accepts connections and never answers, or answers a `200` whose body never arrives:
//! `flush(timeout)` returns by its deadline, dropping the background thread's handle returns
//! within the documented shutdown timeout (5 s), and an answer counts as a success only when
//! read completely.
#![cfg(any(feature = "pushgateway", feature = "remote-write", feature = "otlp"))]

use std::error::Error as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use metrics_core::Registry;
use metrics_export::{Exporter, PushError, TransportError};

/// The flush deadline of the tests.
const FLUSH: Duration = Duration::from_millis(500);
/// The documented bound of dropping a handle: the default shutdown timeout.
const SHUTDOWN: Duration = Duration::from_secs(5);
/// What scheduling may add to a deadline on a loaded machine.
const SLACK: Duration = Duration::from_millis(500);

/// What the receiver does with a request.
#[derive(Clone, Copy)]
enum Answer {
    /// Reads it, answers nothing.
    Nothing,
    /// Answers `200` announcing a 64-byte body, and never sends the body.
    HeadOnly,
}

/// A receiver on loopback that holds every connection until it is dropped.
struct Receiver {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Receiver {
    fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (accepted, stop) = (Arc::clone(&accepted), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut held = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::SeqCst);
                            let stop = Arc::clone(&stop);
                            held.push(std::thread::spawn(move || hold(stream, answer, &stop)));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
                for h in held {
                    let _ = h.join();
                }
            })
        };
        Self {
            addr,
            accepted,
            stop,
            acceptor: Some(acceptor),
        }
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits (at most 10 s) until a request has come in.
    fn wait_for_a_request(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.accepted.load(Ordering::SeqCst) == 0 {
            assert!(Instant::now() < deadline, "no request came in");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Reads the request head, answers as told, then holds the connection until `stop`.
fn hold(mut stream: TcpStream, answer: Answer, stop: &AtomicBool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let mut answered = false;
    while !stop.load(Ordering::SeqCst) {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        if !answered && head.windows(4).any(|w| w == b"\r\n\r\n") {
            answered = true;
            if let Answer::HeadOnly = answer {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n\
                      Content-Length: 64\r\n\r\n",
                );
            }
        }
    }
}

fn registry() -> Arc<Registry> {
    // Empty: the pushers' own self-metrics, registered at the first export, make the payload.
    Arc::new(Registry::new())
}

/// `flush(FLUSH)` fails by its deadline.
fn flush_returns_by_its_deadline<E: Exporter>(answer: Answer, exporter: impl Fn(&str) -> E) {
    let receiver = Receiver::start(answer);
    let exporter = exporter(&receiver.base());
    let started = Instant::now();
    let outcome = exporter.flush(FLUSH);
    let took = started.elapsed();
    eprintln!("flush({FLUSH:?}): {took:?}, {outcome:?}");
    let err = outcome.unwrap_err();
    assert!(err.to_string().starts_with("cannot reach the "), "{err}");
    // The pusher's error, and its cause.
    assert!(
        matches!(err.downcast_ref(), Some(PushError::Transport { .. })),
        "{err:?}"
    );
    let cause = err
        .source()
        .and_then(|e| e.downcast_ref::<TransportError>());
    assert!(cause.is_some_and(TransportError::is_timeout), "{err:?}");
    assert!(took <= FLUSH + SLACK, "flush({FLUSH:?}) took {took:?}");
    let health = exporter.health();
    assert_eq!(health.consecutive_failures, 1);
    assert_eq!(health.last_success, None);
    let metrics = exporter.state().metrics();
    assert_eq!((metrics.pushes.get(), metrics.failures.get()), (1, 1));
}

/// Dropping the handle while an export waits for the receiver returns within the shutdown
/// timeout.
fn drop_returns_by_the_shutdown_timeout<E: Exporter>(exporter: impl Fn(&str) -> E) {
    let receiver = Receiver::start(Answer::Nothing);
    let exporter = Arc::new(exporter(&receiver.base()));
    let handle = Arc::clone(&exporter).start(Duration::from_secs(2));
    receiver.wait_for_a_request();
    let started = Instant::now();
    drop(handle);
    let took = started.elapsed();
    eprintln!("drop of the handle during an export: {took:?}");
    assert!(took <= SHUTDOWN + SLACK, "drop took {took:?}");
}

/// The three tests for one pusher, built by `$exporter` from the receiver's base URL.
macro_rules! deadline_tests {
    ($feature:literal, $pusher:ident, $exporter:expr) => {
        #[cfg(feature = $feature)]
        mod $pusher {
            use super::*;

            #[test]
            fn flush_returns_by_its_deadline_against_a_silent_receiver() {
                flush_returns_by_its_deadline(Answer::Nothing, $exporter);
            }

            #[test]
            fn a_2xx_whose_body_never_arrives_is_a_failure() {
                flush_returns_by_its_deadline(Answer::HeadOnly, $exporter);
            }

            #[test]
            fn drop_returns_by_the_shutdown_timeout_against_a_silent_receiver() {
                drop_returns_by_the_shutdown_timeout($exporter);
            }
        }
    };
}

deadline_tests!("pushgateway", pushgateway, |base: &str| {
    metrics_export::Pushgateway::new(base, "j")
        .unwrap()
        .registry(registry())
});

deadline_tests!("remote-write", remote_write, |base: &str| {
    metrics_export::RemoteWrite::new(&format!("{base}/api/v1/write"))
        .unwrap()
        .registry(registry())
});

deadline_tests!("otlp", otlp, |base: &str| {
    metrics_export::Otlp::new(base, "svc")
        .unwrap()
        .registry(registry())
});
