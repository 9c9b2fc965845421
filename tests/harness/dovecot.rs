//! A real Dovecot on 127.0.0.1 (or another loopback address: [`DovecotOptions::on_address`]): IMAP (STARTTLS), IMAPS, POP3 (STLS) and POP3S, from a
//! private configuration file.
//!
//! # How it runs as root from a private directory (Dovecot 2.3.19, Debian 12)
//!
//! - `dovecot -F -c DIR/dovecot.conf`: in the foreground, so the master is a child of the
//!   test process, which reaps it after stopping it (no zombie). `base_dir` (`DIR/run`, where
//!   `master.pid` and the internal sockets live) and `state_dir` (`DIR/state`) are private;
//!   `instance_name` is unique per server. Dovecot creates both itself.
//! - No system users are needed: a `passwd-file` passdb (`DIR/users`, user `tester`,
//!   password `secret`) and a `static` userdb running as the packaged `dovecot` user with
//!   mail under `DIR/mail` (chowned to it). Logins use the packaged `dovenull` user.
//! - `ssl = yes` (or `required`, [`DovecotOptions::require_tls`]) and
//!   `disable_plaintext_auth = yes`. Dovecot considers 127.0.0.1 -> 127.0.0.1 secured and
//!   offers `AUTH=PLAIN` before STARTTLS there; connect from 127.0.0.2 with
//!   [`crate::net::connect_from`] to see `LOGINDISABLED`, or start it on another loopback
//!   address ([`DovecotOptions::on_address`]): clients then connect from 127.0.0.1 (the
//!   kernel's source for all of 127/8 on `lo`), not its own address, and see it as remote
//!   clients do.
//! - The weak profile: `ssl_min_protocol = TLSv1`, `ssl_cipher_list = ALL:@SECLEVEL=0`,
//!   `ssl_dh` 1024 bits and `OPENSSL_CONF` (imported with `import_environment`) for the
//!   `MaxProtocol = TLSv1.2` Dovecot 2.3 has no setting for.
//! - Stop: SIGTERM to the master PID, bounded wait, SIGKILL; the master takes its children
//!   down with it.
//!
//! Start takes about 0.1 s.

use std::fmt::Write as _;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::fs::chown;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::certs::CertSet;
use crate::net::{self, START_TIMEOUT};
use crate::postfix::OPENSSL_WEAK_CNF;
use crate::process;
use crate::{Endpoint, Protocol, TlsProfile, WorkDir};

/// The user every Dovecot's passdb knows.
pub const USER: &str = "tester";
/// Its password.
pub const PASSWORD: &str = "secret";

/// What to start.
#[derive(Clone, Debug)]
pub struct DovecotOptions {
    /// Suffix of endpoint names (`imap-NAME`); defaults to the profile's name.
    pub name: String,
    /// The TLS profile.
    pub profile: TlsProfile,
    /// `ssl = required` instead of `ssl = yes`.
    pub require_tls: bool,
    /// The loopback address every listener binds (default 127.0.0.1).
    pub address: Ipv4Addr,
}

impl DovecotOptions {
    /// A Dovecot with `profile`, named after it, `ssl = yes`.
    pub fn new(profile: TlsProfile) -> Self {
        Self { name: profile.as_str().to_owned(), profile, require_tls: false, address: net::LOOPBACK }
    }

    /// Listens on the loopback address `address` (127.0.0.2, 127.0.0.3 …) instead of
    /// 127.0.0.1.
    pub fn on_address(mut self, address: Ipv4Addr) -> Self {
        self.address = address;
        self
    }
}

/// A running Dovecot. Dropping it stops the master by PID and removes the work dir.
#[derive(Debug)]
pub struct Dovecot {
    name: String,
    profile: TlsProfile,
    child: Child,
    master_pid: u32,
    // (protocol, address): imap, imaps, pop3, pop3s; empty for an auth-only instance.
    listeners: Vec<(Protocol, SocketAddr)>,
    started_in: Duration,
    dir: WorkDir,
}

impl Dovecot {
    /// Configures and starts a Dovecot serving the `rsa` (and, as `ssl_alt_cert`, `ecdsa`)
    /// certificates of `certs` (a [`CertSet::standard`] set).
    pub fn start(options: &DovecotOptions, certs: &CertSet) -> Result<Self> {
        crate::require_tools()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(&options.name, options.profile, Some((options, certs)), None) {
                Err(e) if attempt < 3 && format!("{e:#}").contains("in use") => continue,
                other => return other.with_context(|| format!("starting Dovecot {}", options.name)),
            }
        }
    }

    /// A Dovecot that only runs its auth service, listening on the Unix socket `socket`
    /// (mode 0666): the SASL back end of [`crate::Postfix`].
    pub fn start_auth_only(name: &str, socket: &Path) -> Result<Self> {
        Self::start_once(name, TlsProfile::Custom, None, Some(socket))
            .with_context(|| format!("starting the auth-only Dovecot {name}"))
    }

    fn start_once(
        name: &str,
        profile: TlsProfile,
        server: Option<(&DovecotOptions, &CertSet)>,
        auth_socket: Option<&Path>,
    ) -> Result<Self> {
        let t0 = Instant::now();
        let ip = server.map_or(net::LOOPBACK, |(options, _)| options.address);
        let dir = WorkDir::new(&format!("dovecot-{name}"))?;
        let d = dir.path().display().to_string();
        dir.write("users", format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"))?;
        let mail = dir.mkdir("mail", 0o700)?;
        let (uid, gid) = user_ids("dovecot")?;
        chown(&mail, Some(uid), Some(gid)).with_context(|| format!("chown dovecot {}", mail.display()))?;
        let instance = dir.path().file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut conf = format!(
            "# Written by the mxray test harness.
base_dir = {d}/run
state_dir = {d}/state
instance_name = {instance}
log_path = {d}/dovecot.log
listen = {ip}
auth_mechanisms = plain login
disable_plaintext_auth = yes
mail_location = maildir:{d}/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={d}/mail/%u
}}
"
        );
        let mut listeners = Vec::new();
        let mut env_conf = None;
        if let Some(socket) = auth_socket {
            let _ = write!(
                conf,
                "protocols = none\nssl = no\nservice auth {{\n  unix_listener {} {{\n    mode = 0666\n  }}\n}}\n",
                socket.display()
            );
        } else if let Some((options, certs)) = server {
            let ports = net::free_ports_on(ip, 4)?;
            let at = |port: u16| SocketAddr::new(IpAddr::V4(ip), port);
            listeners = vec![
                (Protocol::Imap, at(ports[0])),
                (Protocol::Imaps, at(ports[1])),
                (Protocol::Pop3, at(ports[2])),
                (Protocol::Pop3s, at(ports[3])),
            ];
            let rsa = certs.get(CertSet::RSA)?;
            let ecdsa = certs.get(CertSet::ECDSA)?;
            let _ = write!(
                conf,
                "protocols = imap pop3
ssl = {ssl}
ssl_cert = <{rsa_chain}
ssl_key = <{rsa_key}
ssl_alt_cert = <{ec_chain}
ssl_alt_key = <{ec_key}
ssl_prefer_server_ciphers = yes
service imap-login {{
  inet_listener imap {{
    address = {ip}
    port = {imap}
  }}
  inet_listener imaps {{
    address = {ip}
    port = {imaps}
    ssl = yes
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    address = {ip}
    port = {pop3}
  }}
  inet_listener pop3s {{
    address = {ip}
    port = {pop3s}
    ssl = yes
  }}
}}
",
                ssl = if options.require_tls { "required" } else { "yes" },
                rsa_chain = rsa.chain.display(),
                rsa_key = rsa.key.display(),
                ec_chain = ecdsa.chain.display(),
                ec_key = ecdsa.key.display(),
                imap = ports[0],
                imaps = ports[1],
                pop3 = ports[2],
                pop3s = ports[3],
            );
            match profile {
                TlsProfile::Strong | TlsProfile::Custom => conf
                    .push_str("ssl_min_protocol = TLSv1.2\nssl_cipher_list = ECDHE+AESGCM:ECDHE+CHACHA20\n"),
                TlsProfile::Weak => {
                    let cnf = dir.write("openssl-weak.cnf", OPENSSL_WEAK_CNF)?;
                    let _ = write!(
                        conf,
                        "ssl_min_protocol = TLSv1\nssl_cipher_list = ALL:@SECLEVEL=0\nssl_dh = <{dh}\n\
                         import_environment = TZ OPENSSL_CONF={cnf}\n",
                        dh = certs.dh1024().display(),
                        cnf = cnf.display()
                    );
                    env_conf = Some(cnf);
                }
            }
        }
        let conf_file = dir.write("dovecot.conf", conf)?;
        let mut cmd = Command::new("dovecot");
        cmd.arg("-F")
            .arg("-c")
            .arg(&conf_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(cnf) = env_conf {
            cmd.env("OPENSSL_CONF", cnf);
        }
        let child = cmd.spawn().context("starting dovecot (run `cargo xtask setup`)")?;
        let master_pid = child.id();
        let mut this = Self {
            name: name.to_owned(),
            profile,
            child,
            master_pid,
            listeners,
            started_in: Duration::ZERO,
            dir,
        };
        if let Err(e) = this.wait_ready(auth_socket) {
            let exited = this.child.try_wait().ok().flatten();
            let mut stderr = String::new();
            if exited.is_some()
                && let Some(mut err) = this.child.stderr.take()
            {
                let _ = std::io::Read::read_to_string(&mut err, &mut stderr);
            }
            bail!("{e:#}; dovecot exit: {exited:?}; stderr: {}; log:\n{}", stderr.trim(), this.log());
        }
        this.started_in = t0.elapsed();
        Ok(this)
    }

    fn wait_ready(&mut self, auth_socket: Option<&Path>) -> Result<()> {
        let pid_file = self.dir.join("run/master.pid");
        let child = &mut self.child;
        let mut exited = false;
        let ok = process::wait_until(START_TIMEOUT, || {
            exited = matches!(child.try_wait(), Ok(Some(_)));
            exited
                || process::read_pid_file(&pid_file).ok() == Some(self.master_pid)
                    && auth_socket.is_none_or(Path::exists)
        });
        if exited {
            bail!("dovecot exited during start");
        }
        if !ok {
            bail!("dovecot wrote no {} within {START_TIMEOUT:?}", pid_file.display());
        }
        let ports: Vec<u16> = self.listeners.iter().map(|(_, a)| a.port()).collect();
        let ip = match self.listeners.first() {
            Some((_, SocketAddr::V4(a))) => *a.ip(),
            _ => net::LOOPBACK,
        };
        net::wait_listening_on(ip, &ports, START_TIMEOUT)?;
        for (protocol, addr) in &self.listeners {
            match protocol {
                Protocol::Imap => drop(net::wait_banner(*addr, "* OK", START_TIMEOUT)?),
                Protocol::Pop3 => drop(net::wait_banner(*addr, "+OK", START_TIMEOUT)?),
                _ => {}
            }
        }
        Ok(())
    }

    /// The endpoints: `imap-NAME`, `imaps-NAME`, `pop3-NAME`, `pop3s-NAME`.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.listeners
            .iter()
            .map(|(protocol, addr)| Endpoint {
                name: format!("{protocol}-{}", self.name),
                addr: *addr,
                protocol: *protocol,
                profile: self.profile,
            })
            .collect()
    }

    /// The address of `protocol` (Imap, Imaps, Pop3 or Pop3s).
    pub fn addr(&self, protocol: Protocol) -> Option<SocketAddr> {
        self.listeners.iter().find(|(p, _)| *p == protocol).map(|(_, a)| *a)
    }

    /// The PID of the Dovecot master this harness started.
    pub fn master_pid(&self) -> u32 {
        self.master_pid
    }

    /// The TLS profile.
    pub fn profile(&self) -> TlsProfile {
        self.profile
    }

    /// Wall time from the call to start until the greetings arrived.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The private directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    /// Stops the master by PID and reaps it (what [`Drop`] does).
    pub fn stop(&mut self) -> Result<()> {
        if self.child.try_wait().ok().flatten().is_some() {
            return Ok(());
        }
        let stopped = process::stop_pid(self.master_pid, "Dovecot master");
        // Reap: the master is our child. stop_pid saw it gone (zombie or reaped), so this
        // does not block for long.
        let _ = self.child.wait();
        stopped
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("testbed: stopping Dovecot {}: {e:#}", self.name);
        }
    }
}

/// The uid and gid of a system user, from `/etc/passwd`.
fn user_ids(user: &str) -> Result<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").context("reading /etc/passwd")?;
    for line in passwd.lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() > 3 && f[0] == user {
            return Ok((f[2].parse()?, f[3].parse()?));
        }
    }
    bail!("no user {user:?} in /etc/passwd; run `cargo xtask setup` (the dovecot-core package makes it)")
}
