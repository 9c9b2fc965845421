//! The "plain HTTP on port 80 only redirects to HTTPS" probe over one connection: the
//! core's request ([`mxray_core::http_redirect::request`]) out, the response head into the
//! core's [`HeadReader`], the core's verdict. The body is never read.
//!
//! # Why not reqwest
//!
//! mxray-net already has reqwest for the MTA-STS fetch, but here it would hide what the
//! probe must control: hyper reads up to ~400 KB of head before giving up (not settable
//! through reqwest), reqwest's timeouts cover the connection and the whole request but not
//! each read, and it decides when to open connections. Over [`Connection`] the probe has
//! the same three clocks as every other mxray probe (connect, idle per read, deadline for
//! the exchange), exactly one TCP connection, and at most [`MAX_HEAD_BYTES`] plus one read
//! of the server's bytes held; the HTTP parsing is still a well-kept crate's (httparse, in
//! the core).
//!
//! Cost: one TCP connection, one request.

use std::io;
use std::net::SocketAddr;

use mxray_core::http_redirect::{
    DEFAULT_PATH, HeadReader, HttpRedirectProbe, HttpVerdict, MAX_HEAD_BYTES, judge, request,
};
use tokio::time::Instant;

use crate::transport::{Connection, NetError, Timeouts};

/// Size of one socket read.
const READ_CHUNK: usize = 4096;

/// Asks `http://host/` at `addr` (port 80 of an address of `host`, normally).
pub async fn probe_http_redirect(addr: SocketAddr, host: &str, timeouts: Timeouts) -> HttpRedirectProbe {
    probe_http_path(addr, host, DEFAULT_PATH, timeouts).await
}

/// Asks `http://host/path` at `addr`. Every wait is bounded: connecting by
/// `timeouts.connect`, each read and write by `timeouts.idle`, the whole exchange by
/// `timeouts.exchange`. A network failure is a [`HttpVerdict::Closed`] (refused, closed,
/// reset) or [`HttpVerdict::Inconclusive`] (a timeout, a malformed head), never an error.
pub async fn probe_http_path(
    addr: SocketAddr,
    host: &str,
    path: &str,
    timeouts: Timeouts,
) -> HttpRedirectProbe {
    let mut probe = HttpRedirectProbe {
        host: host.to_owned(),
        path: path.to_owned(),
        head: None,
        verdict: HttpVerdict::inconclusive("not run"),
        bytes_in: 0,
    };
    let bytes = match request(host, path) {
        Ok(bytes) => bytes,
        Err(e) => {
            probe.verdict = HttpVerdict::inconclusive(e.to_string());
            return probe;
        }
    };
    let mut conn = match Connection::connect(addr, timeouts).await {
        Ok(conn) => conn,
        Err(e @ NetError::Connect { .. }) => {
            probe.verdict = HttpVerdict::Closed { reason: e.to_string() };
            return probe;
        }
        Err(e) => {
            probe.verdict = HttpVerdict::inconclusive(e.to_string());
            return probe;
        }
    };
    probe.verdict = exchange(&mut conn, &bytes, host, path, &mut probe.head, timeouts).await;
    probe.bytes_in = conn.bytes_in;
    probe
}

async fn exchange(
    conn: &mut Connection,
    request: &[u8],
    host: &str,
    path: &str,
    head_out: &mut Option<mxray_core::http_redirect::Head>,
    timeouts: Timeouts,
) -> HttpVerdict {
    let deadline = Instant::now() + timeouts.exchange;
    if let Err(e) = conn.send(request).await {
        return failure(e, 0);
    }
    let mut reader = HeadReader::new();
    let mut buf = vec![0; READ_CHUNK];
    loop {
        let n = match conn.read_some(&mut buf, deadline).await {
            Ok(n) => n,
            Err(e) => return failure(e, reader.buffered()),
        };
        if n == 0 {
            return if reader.buffered() == 0 {
                HttpVerdict::Closed { reason: "the server closed the connection without an answer".into() }
            } else {
                HttpVerdict::inconclusive(format!(
                    "the server closed the connection inside the response head, after {} bytes",
                    reader.buffered()
                ))
            };
        }
        match reader.push(buf.get(..n).unwrap_or_default()) {
            Ok(None) => {}
            Ok(Some(head)) => {
                let verdict = judge(host, path, &head);
                *head_out = Some(head);
                return verdict;
            }
            Err(e) => return HttpVerdict::inconclusive(e.to_string()),
        }
        debug_assert!(reader.buffered() <= MAX_HEAD_BYTES);
    }
}

/// The verdict for a failed send or read, `buffered` bytes of head into the answer.
fn failure(error: NetError, buffered: usize) -> HttpVerdict {
    match &error {
        NetError::Io { source, .. }
            if buffered == 0
                && matches!(source.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe) =>
        {
            HttpVerdict::Closed { reason: error.to_string() }
        }
        _ if buffered > 0 => {
            HttpVerdict::inconclusive(format!("{error} (after {buffered} bytes of response head)"))
        }
        _ => HttpVerdict::inconclusive(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// What the scripted server does after reading the request head.
    #[derive(Clone, Debug)]
    enum Act {
        Say(&'static [u8]),
        Drip(&'static [u8], u64),
        Flood(&'static [u8]),
        Sleep(u64),
        Reset,
    }

    /// A one-connection server on 127.0.0.1; the handle gives the request it read.
    async fn server(script: Vec<Act>) -> (SocketAddr, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            for act in script {
                match act {
                    Act::Say(bytes) => {
                        if socket.write_all(bytes).await.is_err() {
                            break;
                        }
                    }
                    Act::Drip(bytes, ms) => {
                        for b in bytes {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                            if socket.write_all(std::slice::from_ref(b)).await.is_err() {
                                break;
                            }
                        }
                    }
                    Act::Flood(bytes) => while socket.write_all(bytes).await.is_ok() {},
                    Act::Sleep(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                    Act::Reset => {
                        let _ = socket.set_zero_linger();
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            String::from_utf8_lossy(&request).into_owned()
        });
        (addr, task)
    }

    fn fast() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(2),
            idle: Duration::from_millis(400),
            exchange: Duration::from_millis(1500),
        }
    }

    #[tokio::test]
    async fn a_redirect_and_content_are_told_apart() {
        let (addr, task) = server(vec![Act::Say(
            b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://mail.example.org/\r\n\r\n",
        )])
        .await;
        let probe = probe_http_redirect(addr, "mail.example.org", fast()).await;
        assert!(probe.verdict.redirects_to_https(), "{probe:?}");
        let request = task.await.unwrap();
        assert!(request.starts_with("GET / HTTP/1.1\r\nHost: mail.example.org\r\n"), "{request}");

        // A body that never ends is not read: the head decides.
        let (addr, _task) = server(vec![
            Act::Say(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"),
            Act::Flood(b"<p>webmail login</p>"),
        ])
        .await;
        let probe = probe_http_redirect(addr, "mail.example.org", fast()).await;
        assert_eq!(probe.verdict, HttpVerdict::Content { status: 200, reason: "OK".into() });
        assert!(probe.bytes_in <= (MAX_HEAD_BYTES + READ_CHUNK) as u64, "{}", probe.bytes_in);
    }

    #[tokio::test]
    async fn hostile_servers_give_clear_verdicts_in_time() {
        type Check = fn(&HttpVerdict) -> bool;
        let cases: Vec<(&str, Vec<Act>, Check)> = vec![
            (
                "endless header lines",
                vec![Act::Say(b"HTTP/1.1 200 OK\r\n"), Act::Flood(b"X-A: b\r\n")],
                |v| matches!(v, HttpVerdict::Inconclusive { reason } if reason.contains("header fields") || reason.contains("longer than")),
            ),
            (
                "huge status line",
                vec![Act::Say(b"HTTP/1.1 200 "), Act::Flood(b"aaaaaaaaaaaaaaaa")],
                |v| matches!(v, HttpVerdict::Inconclusive { reason } if reason.contains("longer than 16384")),
            ),
            (
                "slow drip",
                vec![Act::Drip(b"HTTP/1.1 301 Moved\r\nLocation: https://x/\r\n\r\n", 100)],
                |v| matches!(v, HttpVerdict::Inconclusive { reason } if reason.contains("did not finish")),
            ),
            (
                "silent",
                vec![Act::Sleep(3000)],
                |v| matches!(v, HttpVerdict::Inconclusive { reason } if reason.contains("silent")),
            ),
            ("reset", vec![Act::Reset], |v| matches!(v, HttpVerdict::Closed { .. })),
            ("closed", vec![], |v| matches!(v, HttpVerdict::Closed { .. })),
            (
                "closed mid-head",
                vec![Act::Say(b"HTTP/1.1 301 Mo")],
                |v| matches!(v, HttpVerdict::Inconclusive { reason } if reason.contains("inside the response head")),
            ),
            (
                "not HTTP",
                vec![Act::Say(b"220 mx.example.org ESMTP\r\n")],
                |v| matches!(v, HttpVerdict::Inconclusive { reason } if reason.contains("not an HTTP/1.x response")),
            ),
        ];
        for (name, script, check) in cases {
            let (addr, _task) = server(script).await;
            let started = std::time::Instant::now();
            let probe = probe_http_redirect(addr, "mail.example.org", fast()).await;
            let took = started.elapsed();
            assert!(check(&probe.verdict), "{name}: {:?}", probe.verdict);
            assert!(took < Duration::from_secs(3), "{name} took {took:?}");
            assert!(probe.bytes_in <= (MAX_HEAD_BYTES + READ_CHUNK) as u64, "{name}: {}", probe.bytes_in);
            assert_eq!(probe.findings().len(), 1, "{name}");
        }
    }

    #[tokio::test]
    async fn a_refused_connection_and_a_bad_host_are_reported() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let probe = probe_http_redirect(addr, "mail.example.org", fast()).await;
        assert!(matches!(probe.verdict, HttpVerdict::Closed { .. }), "{probe:?}");
        let probe = probe_http_redirect(addr, "bad host\r\n", fast()).await;
        assert!(matches!(probe.verdict, HttpVerdict::Inconclusive { .. }), "{probe:?}");
    }
}
