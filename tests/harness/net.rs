//! Loopback ports and readiness waits.
//!
//! Readiness is checked two ways: [`wait_listening`] reads `/proc/net/tcp` for a LISTEN
//! socket (no connection is made, so a server's connection log stays clean), and
//! [`wait_banner`] connects and reads the first line (proves the whole server answers).
//!
//! Dovecot treats a client whose address equals its own as secured: from 127.0.0.1 it
//! offers `AUTH=PLAIN` before STARTTLS even with `ssl = required`. [`connect_from`] binds
//! the client socket to another loopback source ([`REMOTE_SOURCE`], 127.0.0.2, routed on
//! `lo` by Linux without any set-up) to see what a remote client sees.

use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The only address servers listen on.
pub const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// A loopback source address that is not the servers' own.
pub const REMOTE_SOURCE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// How long a server may take to start listening and greet.
pub const START_TIMEOUT: Duration = Duration::from_secs(15);

/// `n` distinct free ports on 127.0.0.1 (all bound at once, then released).
pub fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((LOOPBACK, 0)).context("binding 127.0.0.1:0"))
        .collect::<Result<Vec<_>>>()?;
    listeners.iter().map(|l| Ok(l.local_addr()?.port())).collect()
}

/// One free port on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    Ok(free_ports(1)?[0])
}

/// `127.0.0.1:port`.
pub fn loopback(port: u16) -> SocketAddr {
    SocketAddr::new(IpAddr::V4(LOOPBACK), port)
}

/// True if a socket listens on 127.0.0.1:`port` (from `/proc/net/tcp`).
pub fn is_listening(port: u16) -> bool {
    let Ok(table) = fs::read_to_string("/proc/net/tcp") else { return false };
    let want = format!("0100007F:{port:04X}");
    table.lines().skip(1).any(|line| {
        let mut f = line.split_whitespace();
        f.nth(1) == Some(want.as_str()) && f.nth(1) == Some("0A")
    })
}

/// Waits until every port in `ports` listens, or fails after `timeout`.
pub fn wait_listening(ports: &[u16], timeout: Duration) -> Result<Duration> {
    let start = Instant::now();
    if crate::process::wait_until(timeout, || ports.iter().all(|p| is_listening(*p))) {
        return Ok(start.elapsed());
    }
    let missing: Vec<u16> = ports.iter().copied().filter(|p| !is_listening(*p)).collect();
    bail!("nothing listens on 127.0.0.1 port(s) {missing:?} after {timeout:?}")
}

/// A TCP connection to `addr` from source address `source` (port chosen by the kernel),
/// with connect, read and write timeouts of `timeout`.
pub fn connect_from(source: Ipv4Addr, addr: SocketAddr, timeout: Duration) -> Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).context("socket()")?;
    socket
        .bind(&SocketAddr::new(IpAddr::V4(source), 0).into())
        .with_context(|| format!("binding {source}:0"))?;
    socket
        .connect_timeout(&addr.into(), timeout)
        .with_context(|| format!("connecting {source} -> {addr}"))?;
    let stream = TcpStream::from(socket);
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// Connects to `addr` (from 127.0.0.1) and reads the first line, retrying until it starts
/// with `prefix` or `timeout` passes. Returns the line.
pub fn wait_banner(addr: SocketAddr, prefix: &str, timeout: Duration) -> Result<String> {
    let start = Instant::now();
    let mut last = String::from("no attempt");
    while start.elapsed() < timeout {
        let left = timeout.saturating_sub(start.elapsed()).max(Duration::from_millis(50));
        match read_line(addr, left.min(Duration::from_secs(5))) {
            Ok(line) if line.starts_with(prefix) => return Ok(line),
            Ok(line) => last = format!("greeting {line:?}"),
            Err(e) => last = format!("{e:#}"),
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    bail!("no {prefix:?} greeting from {addr} within {timeout:?} (last: {last})")
}

/// The first line a server sends on a fresh connection.
pub fn read_line(addr: SocketAddr, timeout: Duration) -> Result<String> {
    let stream = TcpStream::connect_timeout(&addr, timeout).with_context(|| format!("connecting {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).with_context(|| format!("reading from {addr}"))?;
    Ok(line.trim_end().to_owned())
}
