//! `openssl s_server` with arbitrary arguments on a 127.0.0.1 high port.
//!
//! ```no_run
//! # use mxray_tests::{CertSet, OpensslServer, WorkDir};
//! # let dir = WorkDir::new("doc")?;
//! # let certs = CertSet::standard(dir.path())?;
//! let tls13 = OpensslServer::start("tls13-only", certs.get(CertSet::RSA)?, &["-tls1_3"])?;
//! let dhe = OpensslServer::start("dhe1024", certs.get(CertSet::RSA)?, &[
//!     "-dhparam", &certs.dh1024().display().to_string(), "-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0",
//! ])?;
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! The server is a direct child: its stdin is held open (s_server would otherwise read EOF
//! and stop echoing), its output goes to a file in its work dir ([`OpensslServer::output`]),
//! and it is stopped by PID and reaped on drop.

use std::fs::{self, File};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::certs::Issued;
use crate::net::{self, START_TIMEOUT};
use crate::process;
use crate::{Endpoint, Protocol, TlsProfile, WorkDir};

/// A running `openssl s_server`.
#[derive(Debug)]
pub struct OpensslServer {
    name: String,
    addr: SocketAddr,
    child: Child,
    _stdin: Option<ChildStdin>,
    started_in: Duration,
    dir: WorkDir,
}

impl OpensslServer {
    /// Starts `openssl s_server -accept 127.0.0.1:PORT -cert C -key K [-cert_chain CHAIN] ARGS`
    /// serving `cert`, where CHAIN is the issued chain without its leaf (s_server sends the
    /// leaf from `-cert` and then every certificate of `-cert_chain`, so the leaf would go
    /// out twice). `args` must not contain `-accept`/`-port` (the harness picks the port).
    pub fn start(name: &str, cert: &Issued, args: &[&str]) -> Result<Self> {
        crate::require_tools()?;
        if args.iter().any(|a| matches!(*a, "-accept" | "-port" | "-connect")) {
            bail!("OpensslServer picks the address itself; drop -accept/-port from {args:?}");
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(name, cert, args) {
                Err(e) if attempt < 3 && format!("{e:#}").contains("in use") => continue,
                other => return other.with_context(|| format!("starting openssl s_server {name}")),
            }
        }
    }

    fn start_once(name: &str, cert: &Issued, args: &[&str]) -> Result<Self> {
        let t0 = Instant::now();
        let dir = WorkDir::new(&format!("s_server-{name}"))?;
        let addr = net::loopback(net::free_port()?);
        let out = File::create(dir.join("output")).context("creating the s_server output file")?;
        let mut command = Command::new("openssl");
        command
            .arg("s_server")
            .arg("-accept")
            .arg(addr.to_string())
            .arg("-cert")
            .arg(&cert.cert)
            .arg("-key")
            .arg(&cert.key);
        let intermediates = intermediates_only(&fs::read_to_string(&cert.chain)?);
        if !intermediates.is_empty() {
            command.arg("-cert_chain").arg(dir.write("intermediates.pem", intermediates)?);
        }
        let mut child = command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("starting openssl s_server (run `cargo xtask setup`)")?;
        let stdin = child.stdin.take();
        let mut this =
            Self { name: name.to_owned(), addr, child, _stdin: stdin, started_in: Duration::ZERO, dir };
        let child = &mut this.child;
        let mut exited = None;
        let ok = process::wait_until(START_TIMEOUT, || {
            exited = child.try_wait().ok().flatten();
            exited.is_some() || net::is_listening(addr.port())
        });
        if let Some(status) = exited {
            bail!("openssl s_server exited during start ({status}): {}", this.output());
        }
        if !ok {
            bail!("openssl s_server did not listen on {addr} within {START_TIMEOUT:?}: {}", this.output());
        }
        this.started_in = t0.elapsed();
        Ok(this)
    }

    /// The endpoint, protocol [`Protocol::Tls`], profile [`TlsProfile::Custom`].
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            name: self.name.clone(),
            addr: self.addr,
            protocol: Protocol::Tls,
            profile: TlsProfile::Custom,
        }
    }

    /// The address it accepts on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wall time until it listened.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// What it printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        fs::read_to_string(self.dir.join("output")).unwrap_or_default()
    }

    /// Stops it by PID and reaps it (what [`Drop`] does).
    pub fn stop(&mut self) -> Result<()> {
        if self.child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        let stopped = process::stop_pid(self.child.id(), "openssl s_server");
        let _ = self.child.wait();
        stopped
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("testbed: stopping s_server {}: {e:#}", self.name);
        }
    }
}

/// The PEM blocks of a chain file after the first (the leaf).
fn intermediates_only(chain: &str) -> String {
    const END: &str = "-----END CERTIFICATE-----";
    match chain.find(END) {
        Some(at) => chain[at + END.len()..].trim_start().to_owned(),
        None => String::new(),
    }
}

/// SHA-256 (hex) of the certificate's SubjectPublicKeyInfo, computed by the `openssl` CLI
/// (`x509 -pubkey | pkey -pubin -outform DER | dgst -sha256`), independently of mxray: the
/// data of a TLSA `3 1 1` / `2 1 1` record.
pub fn spki_sha256(cert: &std::path::Path) -> Result<String> {
    digest(&format!(
        "openssl x509 -in '{}' -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r",
        cert.display()
    ))
}

/// SHA-256 (hex) of the whole DER certificate, by the `openssl` CLI: the data of a TLSA
/// `3 0 1` / `2 0 1` record.
pub fn cert_sha256(cert: &std::path::Path) -> Result<String> {
    digest(&format!("openssl x509 -in '{}' -outform DER | openssl dgst -sha256 -r", cert.display()))
}

fn digest(script: &str) -> Result<String> {
    let out = Command::new("sh").arg("-c").arg(script).output().context("running openssl")?;
    if !out.status.success() {
        bail!("{script}: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .filter(|hex| hex.len() == 64)
        .map(str::to_owned)
        .with_context(|| format!("{script}: no digest in its output"))
}
