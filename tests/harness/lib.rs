//! The real-server test harness: Postfix, Dovecot and `openssl s_server`, each started on
//! 127.0.0.1 high ports from a private work directory, and stopped by the PID it started.
//!
//! ```no_run
//! use mxray_tests::{Testbed, TlsProfile};
//! let bed = Testbed::builder().postfix(TlsProfile::Strong).dovecot(TlsProfile::Weak).start()?;
//! for e in bed.endpoints() {
//!     println!("{e}"); // "smtp-strong 127.0.0.1:40025 smtp starttls"
//! }
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! An HTTPS server for MTA-STS policies and other web cases is a private nginx ([`nginx`]).
//!
//! # Rules the harness keeps
//!
//! - **Loopback only.** Every listener is bound to `127.0.0.1` ([`net::LOOPBACK`]), or, for
//!   several hosts, to another address of 127/8 (`PostfixOptions::on_address`,
//!   `DovecotOptions::on_address`, [`VulnerableSmtp`]); ports come from the kernel
//!   (`bind 127.0.0.1:0`), so tests run in parallel.
//! - **Stop by PID.** Each server type remembers the PID of the master it started and, on
//!   drop, sends SIGTERM to that PID only, waits (bounded), then SIGKILL. Nothing is ever
//!   stopped by name.
//! - **Every wait has a timeout** ([`net::START_TIMEOUT`], [`process::STOP_TIMEOUT`]); a
//!   server that does not come up is an error that quotes its log.
//! - **Private state.** Each server writes configuration, queue, state, logs and certificates
//!   under its own [`WorkDir`] (`$TMPDIR/mxray-testbed/NAME-PID-SEQ`), removed on drop. Set
//!   `MXRAY_TESTBED_KEEP=1` to keep it for a post-mortem; `MXRAY_TESTBED_TRACE=1` prints
//!   the phases of a Postfix start.
//! - **Nothing installed by hand.** The Debian packages come from `cargo xtask setup`; a
//!   missing binary is an error saying so ([`require_tools`]).
//!
//! # Exited children and zombies
//!
//! Postfix and Dovecot daemonise; their masters are children of PID 1 once detached. On a
//! machine whose PID 1 does not reap orphans (a bare container or micro-VM init), the stopped
//! daemons linger as zombies. A zombie runs nothing and holds no socket, so
//! [`process::alive`] treats the states `Z` and `X` as gone.

pub mod certs;
pub mod dns;
pub mod dovecot;
pub mod net;
pub mod nginx;
pub mod openssl;
pub mod postfix;
pub mod process;
pub mod smtp_client;
pub mod testbed;
pub mod vulnerable_smtp;
mod workdir;

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

pub use certs::{CertSet, CertSpec, Issued, Issuer, KeyType, Validity};
pub use dns::{Delegation, Knot, Zone};
pub use dovecot::{Dovecot, DovecotOptions};
pub use openssl::OpensslServer;
pub use postfix::{MAILBOX_DOMAIN, Postfix, PostfixOptions};
pub use smtp_client::{Negotiated, SmtpTlsOptions, send_starttls};
pub use testbed::{Testbed, TestbedBuilder};
pub use vulnerable_smtp::{InjectionBug, VulnerableSmtp};
pub use workdir::WorkDir;

/// The TLS configuration a server runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsProfile {
    /// TLS 1.2 and 1.3 only; ECDHE with AES-GCM or ChaCha20-Poly1305 in TLS 1.2.
    Strong,
    /// TLS 1.0 to 1.2 (no 1.3); `ALL:@SECLEVEL=0`: CBC, RSA key exchange, 1024-bit DHE,
    /// whatever OpenSSL 3.0 still serves.
    Weak,
    /// Arbitrary settings (an `openssl s_server` with hand-picked arguments).
    Custom,
}

impl TlsProfile {
    /// `strong`, `weak` or `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strong => "strong",
            Self::Weak => "weak",
            Self::Custom => "custom",
        }
    }
}

impl fmt::Display for TlsProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is spoken on an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// SMTP on a port-25-like listener: STARTTLS offered, not required.
    Smtp,
    /// Submission: STARTTLS required before anything else, AUTH only after TLS.
    Submission,
    /// SMTP in TLS wrapper mode (implicit TLS, port-465-like).
    Smtps,
    /// IMAP with STARTTLS.
    Imap,
    /// IMAP in implicit TLS.
    Imaps,
    /// POP3 with STLS.
    Pop3,
    /// POP3 in implicit TLS.
    Pop3s,
    /// Bare TLS (`openssl s_server`).
    Tls,
}

impl Protocol {
    /// The protocol's short name: `smtp`, `submission`, `smtps`, `imap`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::Submission => "submission",
            Self::Smtps => "smtps",
            Self::Imap => "imap",
            Self::Imaps => "imaps",
            Self::Pop3 => "pop3",
            Self::Pop3s => "pop3s",
            Self::Tls => "tls",
        }
    }

    /// The `openssl s_client -starttls` argument, or `None` for implicit TLS.
    pub fn starttls(self) -> Option<&'static str> {
        match self {
            Self::Smtp | Self::Submission => Some("smtp"),
            Self::Imap => Some("imap"),
            Self::Pop3 => Some("pop3"),
            Self::Smtps | Self::Imaps | Self::Pop3s | Self::Tls => None,
        }
    }

    /// `starttls` or `implicit`.
    pub fn tls_mode(self) -> &'static str {
        if self.starttls().is_some() { "starttls" } else { "implicit" }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One listening port of a started server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Unique within a testbed, e.g. `smtp-strong`, `imaps-weak`.
    pub name: String,
    /// Always on 127.0.0.1.
    pub addr: SocketAddr,
    /// What is spoken there.
    pub protocol: Protocol,
    /// The server's TLS profile.
    pub profile: TlsProfile,
}

impl fmt::Display for Endpoint {
    /// `smtp-strong 127.0.0.1:40025 smtp starttls`: the line the `testbed` binary prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {}", self.name, self.addr, self.protocol, self.protocol.tls_mode())
    }
}

/// The programs the harness runs, with the Debian package that provides each.
pub const REQUIRED_TOOLS: &[(&str, &str)] = &[
    ("/usr/bin/openssl", "openssl"),
    ("/usr/sbin/postfix", "postfix"),
    ("/usr/sbin/dovecot", "dovecot-core"),
    ("/usr/lib/dovecot/imap-login", "dovecot-imapd"),
    ("/usr/lib/dovecot/pop3-login", "dovecot-pop3d"),
];

/// Fails, naming `cargo xtask setup`, if a program the harness runs is missing.
pub fn require_tools() -> anyhow::Result<()> {
    let missing: Vec<String> = REQUIRED_TOOLS
        .iter()
        .filter(|(path, _)| !Path::new(path).exists())
        .map(|(path, package)| format!("{path} (Debian package {package})"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "the real-server harness needs {}; run `cargo xtask setup` to install the test packages",
        missing.join(", ")
    )
}
