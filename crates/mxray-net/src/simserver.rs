//! A simulated server on 127.0.0.1 for tests: mxray-core's [`SimServer`] (a TLS server
//! built on the core codecs, with profiles real OpenSSL 3 servers no longer offer: SSL 2.0,
//! export suites, intolerance, client order) behind a real TCP listener, optionally behind
//! an SMTP STARTTLS dialogue, optionally throttling with `421` like a busy MX.
//!
//! It runs on plain threads so that synchronous tests (the CLI's) can use it as well as
//! async ones. Every read has a timeout; the listener stops when the handle is dropped.
//! It never binds anything but 127.0.0.1.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use mxray_core::sim::{SimEnd, SimServer};
use mxray_core::wire::record::RecordReader;
use rand_core::OsRng;

/// How long a simulated connection waits for the client.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// What the simulated server does before TLS.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Speak SMTP first (greeting, EHLO, STARTTLS).
    pub smtp: Option<SmtpScript>,
    /// Answer the first N connections with `421` and close (throttling).
    pub throttle_first: usize,
}

/// The SMTP dialogue before TLS.
#[derive(Clone, Debug)]
pub struct SmtpScript {
    /// The greeting line, without the code (`sim.example ESMTP`).
    pub greeting: String,
    /// The EHLO keywords after the first line (`PIPELINING`, `AUTH PLAIN`, …).
    pub capabilities: Vec<String>,
    /// Whether STARTTLS is announced and accepted.
    pub starttls: bool,
}

impl Default for SmtpScript {
    fn default() -> Self {
        Self {
            greeting: "sim.example ESMTP mxray-sim".into(),
            capabilities: vec!["PIPELINING".into(), "SIZE 10240000".into(), "8BITMIME".into()],
            starttls: true,
        }
    }
}

/// A running simulated server; stops when dropped.
#[derive(Debug)]
pub struct SimListener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl SimListener {
    /// Starts `server` on 127.0.0.1 with an ephemeral port.
    pub fn start(server: SimServer, behaviour: Behaviour) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let (stop2, connections2) = (Arc::clone(&stop), Arc::clone(&connections));
        let server = Arc::new(server);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let n = connections2.fetch_add(1, Ordering::SeqCst);
                let (server, behaviour) = (Arc::clone(&server), behaviour.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &server, &behaviour, n);
                });
            }
        });
        Ok(Self { addr, stop, connections, thread: Some(thread) })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for SimListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one line (at most 1 KiB) of the client's dialogue.
fn read_line(reader: &mut BufReader<TcpStream>) -> io::Result<String> {
    let mut line = String::new();
    let mut limited = reader.take(1024);
    limited.read_line(&mut line)?;
    Ok(line.trim_end().to_owned())
}

fn smtp(stream: &mut TcpStream, script: &SmtpScript) -> io::Result<bool> {
    write!(stream, "220 {}\r\n", script.greeting)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let line = read_line(&mut reader)?;
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "LHLO" => {
                let mut keywords = script.capabilities.clone();
                if script.starttls {
                    keywords.push("STARTTLS".into());
                }
                write!(stream, "250-sim.example")?;
                for (i, keyword) in keywords.iter().enumerate() {
                    let sep = if i + 1 == keywords.len() { ' ' } else { '-' };
                    write!(stream, "\r\n250{sep}{keyword}")?;
                }
                if keywords.is_empty() {
                    write!(stream, "\r\n250 OK")?;
                }
                write!(stream, "\r\n")?;
            }
            "STARTTLS" if script.starttls => {
                write!(stream, "220 2.0.0 Ready to start TLS\r\n")?;
                return Ok(true);
            }
            "STARTTLS" => write!(stream, "502 5.5.1 STARTTLS not available\r\n")?,
            "QUIT" | "" => {
                write!(stream, "221 2.0.0 Bye\r\n")?;
                return Ok(false);
            }
            _ => write!(stream, "500 5.5.2 unrecognised command\r\n")?,
        }
    }
}

/// Reads exactly one record (TLS or SSL 2.0) and returns its bytes.
fn read_hello(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut reader = RecordReader::new();
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let chunk = buf.get(..n).unwrap_or_default();
        raw.extend_from_slice(chunk);
        let mut rest = chunk;
        while !rest.is_empty() {
            let taken = reader.push(rest);
            rest = rest.get(taken..).unwrap_or_default();
            if reader.next_record().is_some() {
                return Ok(raw);
            }
        }
    }
}

fn serve(mut stream: TcpStream, server: &SimServer, behaviour: &Behaviour, n: usize) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    if n < behaviour.throttle_first {
        write!(stream, "421 4.7.0 sim.example Error: too many connections, try later\r\n")?;
        return stream.shutdown(Shutdown::Both);
    }
    if let Some(script) = &behaviour.smtp
        && !smtp(&mut stream, script)?
    {
        return stream.shutdown(Shutdown::Both);
    }
    let hello = read_hello(&mut stream)?;
    let response = server.respond(&hello, &mut OsRng);
    stream.write_all(&response.bytes)?;
    match response.end {
        SimEnd::Close => stream.shutdown(Shutdown::Both),
        SimEnd::Reset => {
            socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
            drop(stream);
            Ok(())
        }
        SimEnd::Open => {
            // Wait for the client to go away.
            let mut sink = [0u8; 1024];
            while stream.read(&mut sink)? > 0 {}
            Ok(())
        }
    }
}
