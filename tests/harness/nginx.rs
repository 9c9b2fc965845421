//! A private nginx serving HTTPS on a 127.0.0.1 high port: name-based virtual hosts (by
//! SNI and `Host`), each with its own certificate and one answer at one path: a file with
//! a chosen `Content-Type`, a bare status, or a redirect. Built for the MTA-STS policy
//! fetch (`/.well-known/mta-sts.txt`), usable for any HTTPS case.
//!
//! ```no_run
//! # use mxray_tests::{CertSet, CertSpec, WorkDir};
//! # use mxray_tests::nginx::{Answer, Nginx, Site};
//! # let dir = WorkDir::new("doc")?;
//! # let mut certs = CertSet::standard(dir.path())?;
//! let cert = certs.issue(&CertSpec::leaf("sts", "mta-sts.good.test"))?;
//! let nginx = Nginx::start(&[Site::new("mta-sts.good.test", &cert, "/.well-known/mta-sts.txt",
//!     Answer::text("version: STSv1\nmode: enforce\nmx: mx.good.test\nmax_age: 604800\n"))])?;
//! println!("{}", nginx.addr());
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! nginx runs in the foreground (`daemon off`) as a direct child, from its own prefix
//! directory (`-p DIR -c DIR/nginx.conf -e DIR/error.log`: nothing under /etc/nginx or
//! /var/log/nginx is read or written), and is stopped by its PID on drop. The first site
//! is also the default server (what a client without a matching SNI gets).
//!
//! [`Nginx::start_with_http`] adds a plain-HTTP listener on a second port with its own
//! name-based hosts ([`HttpSite`]): each either redirects everything to HTTPS
//! (`return 301 https://$host$request_uri;`, the usual port-80 set-up) or serves an
//! [`Answer`] at a path, in plaintext. The first is the default server of that port.

use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::certs::Issued;
use crate::net::{self, START_TIMEOUT};
use crate::{WorkDir, process};

/// The nginx binary (Debian package `nginx-light`).
pub const NGINX: &str = "/usr/sbin/nginx";

/// What a site answers at its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// 200 with this body and `Content-Type`.
    File {
        /// The body.
        body: Vec<u8>,
        /// The `Content-Type` header.
        content_type: String,
    },
    /// This status with nginx's own body (`404`, `500`).
    Status(u16),
    /// A redirect (`301`, `302`, …) to `location`.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header.
        location: String,
    },
}

impl Answer {
    /// 200 `text/plain` with `body`.
    pub fn text(body: &str) -> Self {
        Self::File { body: body.as_bytes().to_vec(), content_type: "text/plain".into() }
    }
}

/// One virtual host.
#[derive(Clone, Debug)]
pub struct Site {
    /// The `server_name` (matched against SNI and `Host`).
    pub host: String,
    /// The certificate it presents (its chain file and key).
    pub cert: Issued,
    /// The path it answers at (exact match); everything else is 404.
    pub path: String,
    /// The answer.
    pub answer: Answer,
}

impl Site {
    /// A site for `host` presenting `cert`, answering `answer` at `path`.
    pub fn new(host: &str, cert: &Issued, path: &str, answer: Answer) -> Self {
        Self { host: host.to_owned(), cert: cert.clone(), path: path.to_owned(), answer }
    }
}

/// What a plain-HTTP host answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlainAnswer {
    /// `return STATUS https://$host$request_uri;` for every request.
    RedirectToHttps(u16),
    /// This answer at this path (everything else 404), in plaintext.
    Serve {
        /// The path (exact match).
        path: String,
        /// The answer.
        answer: Answer,
    },
}

/// One virtual host of the plain-HTTP listener.
#[derive(Clone, Debug)]
pub struct HttpSite {
    /// The `server_name` (matched against `Host`).
    pub host: String,
    /// What it answers.
    pub answer: PlainAnswer,
}

impl HttpSite {
    /// A host that redirects everything to `https://$host$request_uri` with a 301.
    pub fn redirect_to_https(host: &str) -> Self {
        Self { host: host.to_owned(), answer: PlainAnswer::RedirectToHttps(301) }
    }

    /// A host that serves `answer` at `path` in plaintext.
    pub fn serve(host: &str, path: &str, answer: Answer) -> Self {
        Self { host: host.to_owned(), answer: PlainAnswer::Serve { path: path.to_owned(), answer } }
    }
}

/// A running nginx.
#[derive(Debug)]
pub struct Nginx {
    addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    child: Child,
    dir: WorkDir,
}

/// Fails, naming `cargo xtask setup`, if nginx is not installed.
pub fn require_nginx() -> Result<()> {
    if Path::new(NGINX).exists() {
        return Ok(());
    }
    bail!("the HTTPS tests need {NGINX} (Debian package nginx-light); run `cargo xtask setup`")
}

impl Nginx {
    /// Starts nginx with `sites` on one 127.0.0.1 port (retried on a port race).
    pub fn start(sites: &[Site]) -> Result<Self> {
        Self::start_with_http(sites, &[])
    }

    /// Starts nginx with the HTTPS `sites` on one 127.0.0.1 port and, when `http` is not
    /// empty, the plain-HTTP hosts `http` on another ([`Self::http_addr`]).
    pub fn start_with_http(sites: &[Site], http: &[HttpSite]) -> Result<Self> {
        require_nginx()?;
        if sites.is_empty() {
            bail!("nginx needs at least one site");
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(sites, http) {
                Err(e) if attempt < 3 && format!("{e:#}").contains("in use") => continue,
                other => return other.context("starting nginx"),
            }
        }
    }

    fn start_once(sites: &[Site], http: &[HttpSite]) -> Result<Self> {
        let dir = WorkDir::new("nginx")?;
        let ports = net::free_ports(2)?;
        let addr = net::loopback(ports[0]);
        let http_addr = (!http.is_empty()).then(|| net::loopback(ports[1]));
        for sub in ["tmp", "sites"] {
            dir.mkdir(sub, 0o755)?;
        }
        let conf = config(&dir, addr, sites, http_addr.map(|a| (a, http)))?;
        let conf = dir.write("nginx.conf", conf)?;
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.join("stderr")).context("creating nginx's stderr file")?)
            .spawn()
            .context("starting nginx (run `cargo xtask setup`)")?;
        let mut this = Self { addr, http_addr, child, dir };
        let mut exited = None;
        let child = &mut this.child;
        let ok = process::wait_until(START_TIMEOUT, || {
            exited = child.try_wait().ok().flatten();
            exited.is_some()
                || (net::is_listening(addr.port()) && http_addr.is_none_or(|a| net::is_listening(a.port())))
        });
        if let Some(status) = exited {
            bail!("nginx exited during start ({status}): {}", this.log());
        }
        if !ok {
            bail!("nginx did not listen on {addr} within {START_TIMEOUT:?}: {}", this.log());
        }
        Ok(this)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The plain-HTTP address, when [`Self::start_with_http`] was given hosts.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// The master's PID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its stderr and error log so far.
    pub fn log(&self) -> String {
        let read = |f: &str| fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        format!("{}{}", read("stderr"), read("error.log"))
    }

    /// The access log so far, one line per request: `SNI HOST STATUS "REQUEST-LINE"`.
    pub fn access_log(&self) -> String {
        fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }

    /// Stops it by PID and reaps it (what [`Drop`] does).
    pub fn stop(&mut self) -> Result<()> {
        if self.child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        let stopped = process::stop_pid(self.child.id(), "nginx");
        let _ = self.child.wait();
        stopped
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("testbed: stopping nginx: {e:#}");
        }
    }
}

/// Quotes a path or value for nginx's configuration language.
fn q(text: &str) -> Result<String> {
    if text.contains(['"', '\\', '$', '\n', '\r']) {
        bail!("{text:?} cannot be quoted safely in nginx.conf");
    }
    Ok(format!("\"{text}\""))
}

fn config(
    dir: &WorkDir,
    addr: SocketAddr,
    sites: &[Site],
    http: Option<(SocketAddr, &[HttpSite])>,
) -> Result<String> {
    let p = |rel: &str| q(&dir.join(rel).display().to_string());
    let mut c = String::new();
    writeln!(c, "daemon off;\nmaster_process on;\nworker_processes 1;\npid {};", p("nginx.pid")?)?;
    writeln!(c, "error_log {} info;\nevents {{ worker_connections 64; }}\nhttp {{", p("error.log")?)?;
    writeln!(c, "  log_format sni '$ssl_server_name $host $status \"$request\"';")?;
    writeln!(c, "  access_log {} sni;", p("access.log")?)?;
    for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        writeln!(c, "  {temp}_temp_path {};", p(&format!("tmp/{temp}"))?)?;
    }
    writeln!(c, "  server_tokens off;\n  ssl_protocols TLSv1.2 TLSv1.3;")?;
    for (i, site) in sites.iter().enumerate() {
        let default = if i == 0 { " default_server" } else { "" };
        writeln!(c, "  server {{\n    listen {addr} ssl{default};\n    server_name {};", q(&site.host)?)?;
        writeln!(c, "    ssl_certificate {};", q(&site.cert.chain.display().to_string())?)?;
        writeln!(c, "    ssl_certificate_key {};", q(&site.cert.key.display().to_string())?)?;
        writeln!(c, "    location = {} {{", q(&site.path)?)?;
        match &site.answer {
            Answer::File { body, content_type } => {
                let file = dir.write(&format!("sites/{i}.body"), body)?;
                writeln!(c, "      types {{ }}\n      default_type {};", q(content_type)?)?;
                writeln!(c, "      alias {};", q(&file.display().to_string())?)?;
            }
            Answer::Status(status) => writeln!(c, "      return {status};")?,
            Answer::Redirect { status, location } => writeln!(c, "      return {status} {};", q(location)?)?,
        }
        writeln!(c, "    }}\n    location / {{ return 404; }}\n  }}")?;
    }
    if let Some((http_addr, http_sites)) = http {
        c.push_str(&http_config(dir, http_addr, http_sites)?);
    }
    c.push_str("}\n");
    Ok(c)
}

/// The `server` blocks of the plain-HTTP listener.
fn http_config(dir: &WorkDir, addr: SocketAddr, sites: &[HttpSite]) -> Result<String> {
    let mut c = String::new();
    for (i, site) in sites.iter().enumerate() {
        let default = if i == 0 { " default_server" } else { "" };
        writeln!(c, "  server {{\n    listen {addr}{default};\n    server_name {};", q(&site.host)?)?;
        match &site.answer {
            // `$host` cannot go through q(): the directive is written as nginx wants it.
            PlainAnswer::RedirectToHttps(status) => {
                writeln!(c, "    return {status} https://$host$request_uri;")?;
            }
            PlainAnswer::Serve { path, answer } => {
                writeln!(c, "    location = {} {{", q(path)?)?;
                match answer {
                    Answer::File { body, content_type } => {
                        // try_files, not alias: an alias for `/` would be taken for a directory.
                        dir.write(&format!("sites/http-{i}.body"), body)?;
                        writeln!(c, "      types {{ }}\n      default_type {};", q(content_type)?)?;
                        writeln!(c, "      root {};", q(&dir.join("sites").display().to_string())?)?;
                        writeln!(c, "      try_files /http-{i}.body =404;")?;
                    }
                    Answer::Status(status) => writeln!(c, "      return {status};")?,
                    Answer::Redirect { status, location } => {
                        writeln!(c, "      return {status} {};", q(location)?)?;
                    }
                }
                writeln!(c, "    }}\n    location / {{ return 404; }}")?;
            }
        }
        writeln!(c, "  }}")?;
    }
    Ok(c)
}
