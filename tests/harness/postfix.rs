//! A real Postfix on 127.0.0.1 (or another loopback address: [`PostfixOptions::on_address`]): SMTP with STARTTLS, submission with required TLS (AUTH
//! offered only after TLS), and smtps (wrapper mode), from a private configuration. smtp
//! and smtps serve an RSA and an ECDSA certificate; submission only the RSA one (the
//! common single-certificate set-up, whose scan cost differs: see `tests/scan_real.rs`).
//!
//! # How it runs as root from a private directory (Postfix 3.7, Debian 12)
//!
//! - `postfix -c DIR/conf start` with a harness-written `main.cf` and `master.cf`. No
//!   `alternate_config_directories` is needed: only the set-gid `postdrop`/`sendmail` check
//!   it, and the harness never submits mail locally.
//! - `queue_directory` (`DIR/queue`) is created by the harness, root-owned, mode 0755 (the
//!   master `chdir`s there before anything else and dies if it is missing). Everything below
//!   it, and `data_directory` (`DIR/data`, owner `postfix`), must NOT be created by hand:
//!   `postfix start` runs `post-install create-missing`, which makes them with the owners of
//!   `/etc/postfix/postfix-files` (`mail_owner = postfix`, `setgid_group = postdrop`, both
//!   made by the Debian package). A root-owned `data_directory` only draws a warning, but
//!   the TLS session cache then fails.
//! - Every path up to the work dir must be searchable by user `postfix` (`$TMPDIR` is).
//! - No service is chrooted (column 5 is `n`): the chroot would need copies of
//!   `/etc/services`, resolv.conf and the certificates.
//! - Logging goes to `DIR/maillog` through the `postlog` service (`maillog_file`, with
//!   `maillog_file_prefixes = DIR`, or Postfix refuses the path). [`Postfix::log`] reads
//!   it; [`Postfix::connect_count`] counts `connect from` lines (the harness's own readiness
//!   check adds two, on the smtp and submission ports, before [`Postfix::start`] returns).
//! - The weak profile imports `OPENSSL_CONF=DIR/openssl-weak.cnf` with `import_environment`
//!   and sets `smtpd_tls_protocols = >=TLSv1, <=TLSv1.2` and a `medium` grade redefined as
//!   `ALL:@SECLEVEL=0`, plus 1024-bit DH parameters (`smtpd_tls_dh1024_param_file`).
//! - SASL: `smtpd_sasl_type = dovecot` against a private auth-only Dovecot
//!   ([`crate::Dovecot::start_auth_only`]) listening on `DIR/sasl-auth`; user `tester`,
//!   password `secret`. Without a working SASL back end an smtpd with
//!   `smtpd_sasl_auth_enable` dies after STARTTLS ("SASL per-connection initialization
//!   failed"), so the back end is part of every Postfix.
//! - Stop: SIGTERM to the master PID read from `DIR/queue/pid/master.pid` after start (what
//!   `postfix stop` does), bounded wait, then SIGKILL. The master's children notice and exit.
//!
//! - Another loopback address (127.0.0.2, 127.0.0.3 …, routed on `lo` by Linux, nothing to
//!   set up) makes the instance a distinct host: the `master.cf` listeners bind it, and
//!   `proxy_interfaces` names it as the instance's own address. `inet_interfaces` stays
//!   127.0.0.1: Postfix checks it against the interface addresses (`getifaddrs`), and `lo`
//!   has only 127.0.0.1/8, so `postfix check` and `start` fail (exit 1, only to syslog) on
//!   127.0.0.2. `mynetworks` stays `127.0.0.0/8`; readiness is checked on that address. [`PostfixOptions::with_smtp_port`] fixes the SMTP port (e.g. one port free on
//!   several addresses, [`crate::net::free_port_on_all`]), so that several instances answer
//!   on the same port number, as MX hosts do on 25.
//!
//! Start takes about 0.2 s (plus ~0.1 s for the auth-only Dovecot).

use std::fmt::Write as _;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::certs::CertSet;
use crate::dovecot::Dovecot;
use crate::net::{self, START_TIMEOUT};
use crate::process;
use crate::{Endpoint, Protocol, TlsProfile, WorkDir};

/// What to start.
#[derive(Clone, Debug)]
pub struct PostfixOptions {
    /// Suffix of endpoint names (`smtp-NAME`); defaults to the profile's name.
    pub name: String,
    /// The TLS profile.
    pub profile: TlsProfile,
    /// Deliver mail for [`MAILBOX_DOMAIN`] into one mbox file ([`Postfix::mailbox`]), and ask
    /// SMTP clients for a certificate (verified against the set's CA) so that the
    /// `Received:` fields carry Postfix's client-certificate lines.
    pub mailbox: bool,
    /// The loopback address every listener binds (default 127.0.0.1).
    pub address: Ipv4Addr,
    /// The SMTP port (default: a free one chosen by the kernel).
    pub smtp_port: Option<u16>,
    /// Also listen on a fourth port ([`Postfix::plaintext_auth_addr`]): submission with
    /// TLS offered (`may`) and AUTH allowed before it (`smtpd_tls_auth_only = no`), the
    /// misconfiguration the submission probe looks for. Not among [`Postfix::endpoints`].
    pub plaintext_auth: bool,
}

impl PostfixOptions {
    /// A Postfix with `profile`, named after it.
    pub fn new(profile: TlsProfile) -> Self {
        Self {
            name: profile.as_str().to_owned(),
            profile,
            mailbox: false,
            address: net::LOOPBACK,
            smtp_port: None,
            plaintext_auth: false,
        }
    }

    /// Also listen on [`Postfix::plaintext_auth_addr`].
    pub fn with_plaintext_auth(mut self) -> Self {
        self.plaintext_auth = true;
        self
    }

    /// Listens on the loopback address `address` (127.0.0.2, 127.0.0.3 …) instead of
    /// 127.0.0.1.
    pub fn on_address(mut self, address: Ipv4Addr) -> Self {
        self.address = address;
        self
    }

    /// Serves SMTP on `port` (submission and smtps still on free ports).
    pub fn with_smtp_port(mut self, port: u16) -> Self {
        self.smtp_port = Some(port);
        self
    }

    /// Names the endpoints `smtp-NAME` … instead of after the profile.
    pub fn named(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// Also deliver mail for [`MAILBOX_DOMAIN`] into [`Postfix::mailbox`].
    pub fn with_mailbox(mut self) -> Self {
        self.mailbox = true;
        self
    }
}

/// The domain a Postfix started [`PostfixOptions::with_mailbox`] accepts mail for: any
/// local part, delivered by `virtual(8)` into `DIR/mail/inbox` (mbox), owned by `postfix`.
pub const MAILBOX_DOMAIN: &str = "inbox.test.example";

/// A running Postfix. Dropping it stops the master by PID and removes the work dir.
#[derive(Debug)]
pub struct Postfix {
    name: String,
    profile: TlsProfile,
    master_pid: u32,
    smtp: SocketAddr,
    submission: SocketAddr,
    smtps: SocketAddr,
    plaintext_auth: Option<SocketAddr>,
    started_in: Duration,
    // Dropped after the master is stopped (Drop::drop runs before the fields are dropped),
    // and before the work dir.
    sasl: Option<Dovecot>,
    dir: WorkDir,
}

/// The `system_default` OpenSSL configuration of every weak profile.
pub(crate) const OPENSSL_WEAK_CNF: &str = "openssl_conf = openssl_init\n\n[openssl_init]\nssl_conf = \
     ssl_sect\n\n[ssl_sect]\nsystem_default = system_default_sect\n\n[system_default_sect]\nCipherString = \
     ALL:@SECLEVEL=0\nMinProtocol = TLSv1\nMaxProtocol = TLSv1.2\n";

impl Postfix {
    /// Configures and starts a Postfix serving the `rsa` and `ecdsa` certificates of `certs`
    /// (a [`CertSet::standard`] set). Retries with new ports if one was taken meanwhile.
    pub fn start(options: &PostfixOptions, certs: &CertSet) -> Result<Self> {
        crate::require_tools()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(options, certs) {
                Err(e) if attempt < 3 && format!("{e:#}").contains("in use") => continue,
                other => return other.with_context(|| format!("starting Postfix {}", options.name)),
            }
        }
    }

    fn start_once(options: &PostfixOptions, certs: &CertSet) -> Result<Self> {
        let t0 = Instant::now();
        let dir = WorkDir::new(&format!("postfix-{}", options.name))?;
        let ip = options.address;
        let count = if options.plaintext_auth { 4 } else { 3 };
        let mut ports = net::free_ports_on(ip, count)?;
        if let Some(port) = options.smtp_port {
            ports.retain(|p| *p != port);
            ports.insert(0, port);
            ports.truncate(count);
        }
        let at = |port: u16| SocketAddr::new(IpAddr::V4(ip), port);
        let (smtp, submission, smtps) = (at(ports[0]), at(ports[1]), at(ports[2]));
        let plaintext_auth = ports.get(3).map(|&port| at(port));
        let sasl_socket = dir.join("sasl-auth");
        let sasl = Dovecot::start_auth_only(&format!("sasl-{}", options.name), &sasl_socket)?;
        let conf = dir.mkdir("conf", 0o755)?;
        dir.mkdir("queue", 0o755)?;
        if options.profile == TlsProfile::Weak {
            dir.write("openssl-weak.cnf", OPENSSL_WEAK_CNF)?;
        }
        let mut cf = main_cf(dir.path(), ip, options.profile, certs, &sasl_socket)?;
        if options.mailbox {
            cf.push_str(&mailbox_cf(&dir, certs)?);
        }
        fs::write(conf.join("main.cf"), cf).context("writing main.cf")?;
        let mut master = master_cf(smtp, submission, smtps);
        if let Some(addr) = plaintext_auth {
            master.push_str(&plaintext_auth_cf(addr));
        }
        fs::write(conf.join("master.cf"), master).context("writing master.cf")?;

        let trace = std::env::var_os("MXRAY_TESTBED_TRACE").is_some();
        if trace {
            eprintln!("postfix {}: sasl up after {:?}", options.name, t0.elapsed());
        }
        // Output to a file, not a pipe: the daemonised master inherits the descriptors, and
        // reading a pipe to its end would wait for the master's children to let go (~2 s).
        let out_file = dir.join("postfix-start.out");
        let out = fs::File::create(&out_file).context("creating postfix-start.out")?;
        let status = Command::new("postfix")
            .arg("-c")
            .arg(&conf)
            .arg("start")
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .status()
            .context("running `postfix start` (run `cargo xtask setup`)")?;
        let log = fs::read_to_string(dir.join("maillog")).unwrap_or_default();
        if !status.success() {
            bail!(
                "`postfix -c {} start` failed ({status}): {}\nmaillog:\n{log}",
                conf.display(),
                fs::read_to_string(&out_file).unwrap_or_default().trim(),
            );
        }
        if trace {
            eprintln!("postfix {}: `postfix start` done after {:?}", options.name, t0.elapsed());
        }
        let pid_file = dir.join("queue/pid/master.pid");
        let mut master_pid = None;
        process::wait_until(START_TIMEOUT, || {
            master_pid = process::read_pid_file(&pid_file).ok().filter(|p| process::alive(*p));
            master_pid.is_some()
        });
        let Some(master_pid) = master_pid else {
            bail!("no live master PID in {} after {START_TIMEOUT:?}; maillog:\n{log}", pid_file.display())
        };
        let mut this = Self {
            name: options.name.clone(),
            profile: options.profile,
            master_pid,
            smtp,
            submission,
            smtps,
            plaintext_auth,
            started_in: Duration::ZERO,
            sasl: Some(sasl),
            dir,
        };
        let ready = net::wait_listening_on(ip, &ports, START_TIMEOUT)
            .and_then(|_| net::wait_banner(smtp, "220 ", START_TIMEOUT))
            .and_then(|_| net::wait_banner(submission, "220 ", START_TIMEOUT));
        if let Err(e) = ready {
            // `this` is dropped here, which stops the master.
            bail!("{e:#}; maillog:\n{}", this.log());
        }
        this.started_in = t0.elapsed();
        Ok(this)
    }

    /// The endpoints: `smtp-NAME`, `submission-NAME`, `smtps-NAME`.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        [(Protocol::Smtp, self.smtp), (Protocol::Submission, self.submission), (Protocol::Smtps, self.smtps)]
            .into_iter()
            .map(|(protocol, addr)| Endpoint {
                name: format!("{protocol}-{}", self.name),
                addr,
                protocol,
                profile: self.profile,
            })
            .collect()
    }

    /// The SMTP (STARTTLS offered) address.
    pub fn smtp_addr(&self) -> SocketAddr {
        self.smtp
    }

    /// The submission (STARTTLS required) address.
    pub fn submission_addr(&self) -> SocketAddr {
        self.submission
    }

    /// The smtps (wrapper mode) address.
    pub fn smtps_addr(&self) -> SocketAddr {
        self.smtps
    }

    /// The submission port that takes AUTH before TLS ([`PostfixOptions::with_plaintext_auth`]).
    pub fn plaintext_auth_addr(&self) -> Option<SocketAddr> {
        self.plaintext_auth
    }

    /// The PID of the Postfix master this harness started.
    pub fn master_pid(&self) -> u32 {
        self.master_pid
    }

    /// The PID of the auth-only Dovecot behind SASL.
    pub fn sasl_pid(&self) -> Option<u32> {
        self.sasl.as_ref().map(Dovecot::master_pid)
    }

    /// The TLS profile.
    pub fn profile(&self) -> TlsProfile {
        self.profile
    }

    /// Wall time from the call to [`Self::start`] until both greetings arrived.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// The private directory (configuration in `conf/`, queue in `queue/`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The log so far (`maillog_file`).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("maillog")).unwrap_or_default()
    }

    /// How many `connect from` lines the log holds (one per accepted TCP connection).
    /// Lines are written by `postlogd` asynchronously; poll if exactness matters.
    pub fn connect_count(&self) -> usize {
        self.log().lines().filter(|l| l.contains(": connect from ")).count()
    }

    /// The mbox file of [`PostfixOptions::with_mailbox`] as delivered so far (empty before
    /// the first delivery).
    pub fn mailbox(&self) -> String {
        fs::read_to_string(self.dir.join("mail/inbox")).unwrap_or_default()
    }

    /// Waits until the mailbox holds `count` messages (mbox `From ` lines) or `timeout`
    /// passes; the mailbox text.
    pub fn wait_for_messages(&self, count: usize, timeout: Duration) -> Result<String> {
        let mut text = String::new();
        let done = process::wait_until(timeout, || {
            text = self.mailbox();
            text.lines().filter(|l| l.starts_with("From ")).count() >= count
        });
        if !done {
            bail!(
                "the mailbox has not received {count} message(s) after {timeout:?}; maillog:\n{}",
                self.log()
            );
        }
        Ok(text)
    }

    /// Stops the master by PID (what [`Drop`] does), then the SASL back end.
    pub fn stop(&mut self) -> Result<()> {
        process::stop_pid(self.master_pid, "Postfix master")?;
        if let Some(mut sasl) = self.sasl.take() {
            sasl.stop()?;
        }
        Ok(())
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("testbed: stopping Postfix {}: {e:#}", self.name);
        }
    }
}

fn main_cf(
    dir: &Path,
    ip: Ipv4Addr,
    profile: TlsProfile,
    certs: &CertSet,
    sasl_socket: &Path,
) -> Result<String> {
    let d = dir.display();
    let rsa = certs.get(CertSet::RSA)?;
    let ecdsa = certs.get(CertSet::ECDSA)?;
    let p = |path: &PathBuf| path.display().to_string();
    let mut cf = format!(
        "# Written by the mxray test harness.
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = {host}
mydomain = test.example
myorigin = $myhostname
mydestination =
relay_domains =
relayhost =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
proxy_interfaces = {ip}
inet_protocols = ipv4
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions = reject_unauth_destination
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_banner = $myhostname ESMTP mxray-testbed
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
smtpd_sasl_type = dovecot
smtpd_sasl_path = {sasl}
smtpd_sasl_auth_enable = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = {rsa_chain}
smtpd_tls_key_file = {rsa_key}
smtpd_tls_eccert_file = {ec_chain}
smtpd_tls_eckey_file = {ec_key}
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
tls_preempt_cipherlist = yes
",
        host = CertSet::HOST,
        sasl = sasl_socket.display(),
        rsa_chain = p(&rsa.chain),
        rsa_key = p(&rsa.key),
        ec_chain = p(&ecdsa.chain),
        ec_key = p(&ecdsa.key),
    );
    match profile {
        TlsProfile::Strong | TlsProfile::Custom => cf.push_str(
            "smtpd_tls_protocols = >=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_ciphers = high
smtpd_tls_mandatory_ciphers = high
tls_high_cipherlist = ECDHE+AESGCM:ECDHE+CHACHA20
smtpd_tls_exclude_ciphers = aNULL
",
        ),
        TlsProfile::Weak => {
            let _ = write!(
                cf,
                "import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C \
                 POSTLOG_SERVICE POSTLOG_HOSTNAME OPENSSL_CONF={d}/openssl-weak.cnf
smtpd_tls_protocols = >=TLSv1, <=TLSv1.2
smtpd_tls_mandatory_protocols = >=TLSv1, <=TLSv1.2
smtpd_tls_ciphers = medium
smtpd_tls_mandatory_ciphers = medium
tls_medium_cipherlist = ALL:@SECLEVEL=0
smtpd_tls_dh1024_param_file = {dh}
",
                dh = certs.dh1024().display()
            );
        }
    }
    Ok(cf)
}

/// The uid and gid of user `postfix` (from `/etc/passwd`).
fn postfix_ids() -> Result<(u32, u32)> {
    let passwd = fs::read_to_string("/etc/passwd").context("reading /etc/passwd")?;
    let line =
        passwd.lines().find(|l| l.starts_with("postfix:")).context("no user postfix in /etc/passwd")?;
    let fields: Vec<&str> = line.split(':').collect();
    let id = |i: usize| -> Result<u32> {
        fields.get(i).context("short passwd line")?.parse().context("passwd id")
    };
    Ok((id(2)?, id(3)?))
}

/// The main.cf lines of [`PostfixOptions::with_mailbox`]; makes `DIR/mail` owned by
/// `postfix` (the uid `virtual(8)` delivers as).
fn mailbox_cf(dir: &WorkDir, certs: &CertSet) -> Result<String> {
    let (uid, gid) = postfix_ids()?;
    let mail = dir.mkdir("mail", 0o755)?;
    std::os::unix::fs::chown(&mail, Some(uid), Some(gid)).context("chown mail directory")?;
    let ca = certs.get(CertSet::CA)?;
    Ok(format!(
        "virtual_mailbox_domains = {MAILBOX_DOMAIN}
virtual_mailbox_base = {base}
virtual_mailbox_maps = static:inbox
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{gid}
smtpd_tls_ask_ccert = yes
smtpd_tls_CAfile = {ca}
",
        base = mail.display(),
        ca = ca.cert.display(),
    ))
}

fn master_cf(smtp: SocketAddr, submission: SocketAddr, smtps: SocketAddr) -> String {
    format!(
        "# Written by the mxray test harness. Nothing is chrooted.
{smtp} inet n - n - - smtpd
{submission} inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_eccert_file=
  -o smtpd_tls_eckey_file=
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
{smtps} inet n - n - - smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"
    )
}

/// The master.cf lines of [`PostfixOptions::with_plaintext_auth`].
fn plaintext_auth_cf(addr: SocketAddr) -> String {
    format!(
        "{addr} inet n - n - - smtpd
  -o syslog_name=postfix/plainauth
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=no
"
    )
}
