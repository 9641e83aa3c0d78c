//! A minimal HTTP/1.1 client over a raw socket, for the servers under test and the reference
//! servers: exact status lines and headers, no client library in between.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    /// `HTTP/1.1 200 OK`
    pub status_line: String,
    /// In the order received, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body, read to the end of the connection.
    pub body: Vec<u8>,
}

impl Reply {
    /// The status code: `200` of `HTTP/1.1 200 OK`.
    pub fn status(&self) -> u16 {
        self.status_line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not a status line: {:?}", self.status_line))
    }

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

    /// The body as text; panics if it is not UTF-8.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_else(|e| panic!("the body is not UTF-8: {e}"))
    }
}

/// Sends `method path` with `Connection: close` and `headers`, and reads the whole answer;
/// panics on a socket error.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    try_request(addr, method, path, headers)
        .unwrap_or_else(|e| panic!("{method} http://{addr}{path}: {e}"))
}

/// [`request`], with socket errors (nothing listening yet) returned.
pub fn try_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
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
    let mut body = Vec::new();
    reader.read_to_end(&mut body)?;
    Ok(Reply {
        status_line: status_line.trim_end().to_owned(),
        headers,
        body,
    })
}

/// `GET path`, with `Accept: accept` if given; panics on a socket error.
pub fn get(addr: SocketAddr, path: &str, accept: Option<&str>) -> Reply {
    try_get(addr, path, accept).unwrap_or_else(|e| panic!("GET http://{addr}{path}: {e}"))
}

/// [`get`], with socket errors (nothing listening yet) returned.
pub fn try_get(addr: SocketAddr, path: &str, accept: Option<&str>) -> std::io::Result<Reply> {
    match accept {
        Some(accept) => try_request(addr, "GET", path, &[("Accept", accept)]),
        None => try_request(addr, "GET", path, &[]),
    }
}
