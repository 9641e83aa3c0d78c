//! A fake HTTP receiver on loopback (threads and `std::net`) for the pushing exporters: it
//! answers each request with the next scripted [`Answer`] and records what it received.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the fake receiver answers to one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A status with a short text body.
    Status(u16),
    /// A status with a `Retry-After` of this many seconds.
    RetryAfter(u16, u64),
    /// A status with this body and `Content-Type`.
    Body(u16, &'static str, Vec<u8>),
    /// Reads the request, answers nothing, holds the connection this long.
    Silent(Duration),
    /// Answers bytes that are not HTTP, then closes.
    Garbage,
}

/// One request the receiver got.
pub struct Received {
    /// When its body was read.
    pub at: Instant,
    /// `POST /v1/metrics HTTP/1.1`.
    pub request_line: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body, `Content-Length` bytes.
    pub body: Vec<u8>,
}

impl Received {
    /// The value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The receiver, stopped when dropped.
pub struct Receiver {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Appended to `http://addr` by [`url`](Self::url).
    path: &'static str,
    /// Every request, in the order received.
    pub received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl Receiver {
    /// A receiver at `http://127.0.0.1:PORT{path}` answering `script`, then `otherwise`.
    pub fn start(
        path: &'static str,
        script: impl IntoIterator<Item = Answer>,
        otherwise: Answer,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let script: Arc<Mutex<VecDeque<Answer>>> =
            Arc::new(Mutex::new(script.into_iter().collect()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (received, stop) = (Arc::clone(&received), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut connections = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (script, received, stop, otherwise) = (
                                Arc::clone(&script),
                                Arc::clone(&received),
                                Arc::clone(&stop),
                                otherwise.clone(),
                            );
                            connections.push(std::thread::spawn(move || {
                                serve(stream, &script, &otherwise, &received, &stop);
                            }));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
                for c in connections {
                    let _ = c.join();
                }
            })
        };
        Self {
            addr,
            path,
            received,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    /// How many requests it received.
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
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

/// Serves one connection: requests one after the other (keep-alive) until the client closes.
fn serve(
    stream: TcpStream,
    script: &Mutex<VecDeque<Answer>>,
    otherwise: &Answer,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
) {
    stream
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let _ = writer.set_nodelay(true);
    loop {
        // The request head.
        let mut headers = Vec::new();
        let mut request_line = None;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) => return,
                Ok(_) => {}
                Err(_) if stop.load(Ordering::SeqCst) => return,
                Err(_) => continue, // read timeout: wait for more
            }
            let l = line.trim_end();
            if request_line.is_none() {
                request_line = Some(l.to_owned());
                continue;
            }
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':') {
                headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        let mut read = 0;
        while read < length {
            match reader.read(&mut body[read..]) {
                Ok(0) => return,
                Ok(n) => read += n,
                Err(_) if stop.load(Ordering::SeqCst) => return,
                Err(_) => {}
            }
        }
        received.lock().unwrap().push(Received {
            at: Instant::now(),
            request_line: request_line.unwrap_or_default(),
            headers,
            body,
        });
        let reply = script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| otherwise.clone());
        let (status, extra, content_type, body) = match reply {
            Answer::Status(status) => (
                status,
                String::new(),
                "text/plain",
                format!("status {status}\n").into_bytes(),
            ),
            Answer::RetryAfter(status, after) => (
                status,
                format!("Retry-After: {after}\r\n"),
                "text/plain",
                format!("status {status}\n").into_bytes(),
            ),
            Answer::Body(status, content_type, body) => (status, String::new(), content_type, body),
            Answer::Silent(hold) => {
                let until = Instant::now() + hold;
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return;
            }
            Answer::Garbage => {
                let _ = writer.write_all(b"\x00\xffNOT HTTP AT ALL\r\n\r\n\x13\x37");
                return;
            }
        };
        // One write: several small segments would meet Nagle's algorithm and delayed ACKs
        // (40 ms stalls that would blur the backoff the tests measure).
        let mut answer = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: {content_type}\r\n{extra}\r\n",
            body.len()
        )
        .into_bytes();
        answer.extend_from_slice(&body);
        let _ = writer.write_all(&answer);
    }
}
