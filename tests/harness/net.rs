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
//!
//! The same routing lets several servers stand for several hosts: Postfix can listen on
//! 127.0.0.2, 127.0.0.3 … ([`crate::PostfixOptions::on_address`]), each a distinct MX
//! address. [`free_port_on_all`] finds one port free on several of them, so that one
//! `--port` reaches every MX; [`wait_listening_on`] and [`is_listening_on`] read
//! `/proc/net/tcp` for that address.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
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
    free_ports_on(LOOPBACK, n)
}

/// Ports this process has handed out. A port is free only while nobody listens on it:
/// servers started in parallel (the testbed starts its Postfix instances together) would
/// otherwise be able to draw the same port between one's probe and its bind, and then share
/// it. Each port is handed out once per test process.
static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// `n` distinct free ports on the loopback address `ip` (all bound at once, then released),
/// none handed out before by this process.
pub fn free_ports_on(ip: Ipv4Addr, n: usize) -> Result<Vec<u16>> {
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut listeners = Vec::with_capacity(n);
    let mut ports = Vec::with_capacity(n);
    for _ in 0..n * 50 {
        if ports.len() == n {
            break;
        }
        let listener = TcpListener::bind((ip, 0)).with_context(|| format!("binding {ip}:0"))?;
        let port = listener.local_addr()?.port();
        // Held until all are drawn, so the kernel does not offer the same port twice.
        listeners.push(listener);
        if handed_out.insert(port) {
            ports.push(port);
        }
    }
    if ports.len() < n {
        bail!("no {n} fresh free ports on {ip} after {} draws", n * 50);
    }
    Ok(ports)
}

/// One port free on every address of `ips` at once (kernel-chosen on the first, tried on
/// the others; up to 50 draws), not handed out before by this process.
pub fn free_port_on_all(ips: &[Ipv4Addr]) -> Result<u16> {
    let Some((first, rest)) = ips.split_first() else { bail!("no address given") };
    for _ in 0..50 {
        let listener = TcpListener::bind((*first, 0)).with_context(|| format!("binding {first}:0"))?;
        let port = listener.local_addr()?.port();
        if rest.iter().all(|ip| TcpListener::bind((*ip, port)).is_ok())
            && HANDED_OUT.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(port)
        {
            return Ok(port);
        }
    }
    bail!("no port free on all of {ips:?} after 50 draws")
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
    is_listening_on(LOOPBACK, port)
}

/// True if a socket listens on `ip`:`port` (from `/proc/net/tcp`, where the address is
/// the 32-bit value in host byte order, in hex: 127.0.0.2 is `0200007F`).
pub fn is_listening_on(ip: Ipv4Addr, port: u16) -> bool {
    let Ok(table) = fs::read_to_string("/proc/net/tcp") else { return false };
    let want = format!("{:08X}:{port:04X}", u32::from_le_bytes(ip.octets()));
    table.lines().skip(1).any(|line| {
        let mut f = line.split_whitespace();
        f.nth(1) == Some(want.as_str()) && f.nth(1) == Some("0A")
    })
}

/// Waits until every port in `ports` listens, or fails after `timeout`.
pub fn wait_listening(ports: &[u16], timeout: Duration) -> Result<Duration> {
    wait_listening_on(LOOPBACK, ports, timeout)
}

/// Waits until every port in `ports` listens on `ip`, or fails after `timeout`.
pub fn wait_listening_on(ip: Ipv4Addr, ports: &[u16], timeout: Duration) -> Result<Duration> {
    let start = Instant::now();
    if crate::process::wait_until(timeout, || ports.iter().all(|p| is_listening_on(ip, *p))) {
        return Ok(start.elapsed());
    }
    let missing: Vec<u16> = ports.iter().copied().filter(|p| !is_listening_on(ip, *p)).collect();
    bail!("nothing listens on {ip} port(s) {missing:?} after {timeout:?}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_drawn_in_parallel_are_never_handed_out_twice() {
        let drawn: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4).map(|_| s.spawn(|| free_ports(50).unwrap())).collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        let distinct: BTreeSet<u16> = drawn.iter().copied().collect();
        assert_eq!(distinct.len(), drawn.len(), "a port was handed out twice");
        let shared = free_port_on_all(&[LOOPBACK, REMOTE_SOURCE]).unwrap();
        assert!(!distinct.contains(&shared));
    }
}
