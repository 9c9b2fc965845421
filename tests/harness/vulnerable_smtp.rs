//! A small SMTP server with the STARTTLS command-injection bug (CVE-2011-0411 class), for
//! the injection probe's tests (`tests/injection_real.rs`) and for `mxray domain`'s
//! (`cli/tests/domain_multi.rs`, where it is one MX among real Postfix instances).
//!
//! No packaged server still has the bug, so it is written here, by hand, on purpose: it reads
//! commands through a buffered reader, and after STARTTLS it keeps the bytes that reader
//! already holds (what the client pipelined after STARTTLS) and, with
//! [`InjectionBug::AnswersInsideTls`], answers them inside the new TLS session (rustls, the
//! given certificate). [`InjectionBug::AnswersInPlaintext`] answers them in plaintext right
//! after the STARTTLS reply; [`InjectionBug::None`] drops them, as RFC 3207 4.2 requires.
//!
//! It serves any number of connections (one thread each, 10 s read and write timeouts),
//! so that a full `mxray scan` of it works too: the usual EHLO/NOOP/QUIT dialogue before and
//! inside TLS, `502` for anything else, and whatever TLS a scanner offers that rustls does
//! not speak just closes the connection. It listens on the loopback address it is given
//! (127.0.0.x); dropping it stops the accept thread (the connection threads end by their
//! timeouts or when the client leaves).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::Issued;

/// How the server treats what it buffered before the handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectionBug {
    /// Answers the buffered commands inside TLS (CVE-2011-0411).
    AnswersInsideTls,
    /// Answers them in plaintext right after the STARTTLS reply, then starts TLS.
    AnswersInPlaintext,
    /// Drops them before the handshake, as RFC 3207 requires.
    None,
}

/// Per-connection read and write timeout.
const IO_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
struct Log {
    /// Commands that arrived before the handshake and were answered inside TLS.
    injected: Vec<String>,
    /// Commands the clients sent inside TLS.
    inside_tls: Vec<String>,
}

/// A running vulnerable (or fixed) SMTP server. Dropping it stops accepting.
#[derive(Debug)]
pub struct VulnerableSmtp {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    connections: Arc<AtomicUsize>,
    log: Arc<Mutex<Log>>,
    accept: Option<JoinHandle<()>>,
}

impl VulnerableSmtp {
    /// Listens on `addr` (a loopback address; port 0 for a free one) with `bug`, presenting
    /// the chain and key of `cert`.
    pub fn start(addr: SocketAddr, cert: &Issued, bug: InjectionBug) -> Result<Self> {
        let pem = std::fs::read(&cert.chain).with_context(|| format!("reading {}", cert.chain.display()))?;
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(&pem).collect::<Result<_, _>>().context("parsing the chain")?;
        let key = PrivateKeyDer::from_pem_slice(
            &std::fs::read(&cert.key).with_context(|| format!("reading {}", cert.key.display()))?,
        )
        .context("parsing the key")?;
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_single_cert(chain, key)?;
        let config = Arc::new(config);
        let listener = TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(Log::default()));
        let accept = {
            let (stop, connections, log) = (stop.clone(), connections.clone(), log.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((tcp, _)) => {
                            connections.fetch_add(1, Ordering::Relaxed);
                            let (config, log) = (config.clone(), log.clone());
                            std::thread::spawn(move || {
                                let _ = serve(tcp, config, bug, &log);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Ok(Self { addr, stop, connections, log, accept: Some(accept) })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }

    /// The commands that arrived before a handshake and were answered inside TLS (the
    /// injected ones), over all connections so far.
    pub fn injected(&self) -> Vec<String> {
        self.log.lock().map(|l| l.injected.clone()).unwrap_or_default()
    }

    /// The commands clients sent inside TLS, over all connections so far.
    pub fn inside_tls(&self) -> Vec<String> {
        self.log.lock().map(|l| l.inside_tls.clone()).unwrap_or_default()
    }
}

impl Drop for VulnerableSmtp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn reply_to(line: &str) -> &'static [u8] {
    let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
    match verb.as_str() {
        "EHLO" => b"250-vuln.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
        "HELO" | "RSET" => b"250 vuln.test\r\n",
        "NOOP" => b"250 2.0.0 Ok\r\n",
        "QUIT" => b"221 2.0.0 Bye\r\n",
        _ => b"502 5.5.2 Error: command not recognized\r\n",
    }
}

fn is_quit(line: &str) -> bool {
    line.trim_end().eq_ignore_ascii_case("QUIT")
}

fn serve(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    bug: InjectionBug,
    log: &Mutex<Log>,
) -> Result<()> {
    tcp.set_nonblocking(false)?;
    tcp.set_read_timeout(Some(IO_TIMEOUT))?;
    tcp.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(tcp);
    reader.get_mut().write_all(b"220 vuln.test ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim_end().eq_ignore_ascii_case("STARTTLS") {
            break;
        }
        reader.get_mut().write_all(reply_to(&line))?;
        if is_quit(&line) {
            return Ok(());
        }
    }
    // The bytes the reader already holds: what the client pipelined after STARTTLS.
    let buffered = String::from_utf8_lossy(reader.buffer()).into_owned();
    let mut ready = b"220 2.0.0 Ready to start TLS\r\n".to_vec();
    if bug == InjectionBug::AnswersInPlaintext {
        for command in buffered.lines() {
            ready.extend_from_slice(reply_to(command));
        }
    }
    let mut tcp = reader.into_inner();
    tcp.write_all(&ready)?;
    let mut tls = rustls::StreamOwned::new(rustls::ServerConnection::new(config)?, tcp);
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock)? == (0, 0) {
            anyhow::bail!("no progress in the handshake");
        }
    }
    if bug == InjectionBug::AnswersInsideTls {
        for command in buffered.lines() {
            tls.write_all(reply_to(command))?;
            if let Ok(mut l) = log.lock() {
                l.injected.push(command.to_owned());
            }
        }
        tls.flush()?;
    }
    let mut reader = BufReader::new(tls);
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if let Ok(mut l) = log.lock() {
            l.inside_tls.push(line.trim_end().to_owned());
        }
        reader.get_mut().write_all(reply_to(&line))?;
        reader.get_mut().flush()?;
        if is_quit(&line) {
            return Ok(());
        }
    }
}
