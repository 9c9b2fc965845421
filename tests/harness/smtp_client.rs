//! Sends one message over SMTP with STARTTLS using `openssl s_client -starttls smtp`, and
//! reports what TLS the client negotiated (from s_client's own session summary): the ground
//! truth for the header analysis, which reads the same session from the server's
//! `Received:` field.
//!
//! The dialogue after TLS is written to s_client's standard input in one go (`ehlo`,
//! `mail from`, `rcpt to`, `data`, the message, `.`, `quit`), in lower case: s_client
//! treats lines starting with `R` or `Q` as commands unless `-ign_eof` is given, which it
//! is (s_client then also keeps reading until Postfix closes after `quit`). Postfix 3.7
//! accepts the pipelined commands and the message sent before its `354`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The TLS the client asks for.
#[derive(Clone, Debug, Default)]
pub struct SmtpTlsOptions {
    /// `-tls1_2`, `-tls1_3`, or nothing (the highest both support).
    pub version_flag: Option<&'static str>,
    /// `-cipher` (TLS 1.2 and below).
    pub cipher: Option<String>,
    /// `-ciphersuites` (TLS 1.3).
    pub ciphersuites: Option<String>,
    /// A client certificate and its key.
    pub client_cert: Option<(PathBuf, PathBuf)>,
}

/// What the client negotiated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// `TLSv1.3`, as s_client prints it.
    pub protocol: String,
    /// The OpenSSL name of the suite (for TLS 1.3 the IANA name).
    pub cipher: String,
    /// s_client's whole output, for error messages.
    pub transcript: String,
}

/// How long one s_client may run.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

/// Sends `message` (header and body, LF line endings) from `sender` to `recipient` via the
/// SMTP server at `addr`, after STARTTLS with `tls`.
pub fn send_starttls(
    addr: SocketAddr,
    tls: &SmtpTlsOptions,
    sender: &str,
    recipient: &str,
    message: &str,
) -> Result<Negotiated> {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-starttls", "smtp", "-connect", &addr.to_string(), "-crlf", "-ign_eof", "-brief"]);
    cmd.args(["-name", "client.test.example"]);
    if let Some(flag) = tls.version_flag {
        cmd.arg(flag);
    }
    if let Some(c) = &tls.cipher {
        cmd.args(["-cipher", c]);
    }
    if let Some(c) = &tls.ciphersuites {
        cmd.args(["-ciphersuites", c]);
    }
    if let Some((cert, key)) = &tls.client_cert {
        cmd.arg("-cert").arg(cert).arg("-key").arg(key);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running openssl s_client (run `cargo xtask setup`)")?;
    let mut input = format!("ehlo client.test.example\nmail from:<{sender}>\nrcpt to:<{recipient}>\ndata\n");
    for line in message.lines() {
        // Dot-stuffing (RFC 5321 §4.5.2).
        if line.starts_with('.') {
            input.push('.');
        }
        input.push_str(line);
        input.push('\n');
    }
    input.push_str(".\nquit\n");
    child
        .stdin
        .take()
        .context("s_client stdin")?
        .write_all(input.as_bytes())
        .context("writing to s_client")?;
    let pid = child.id();
    let waiter = std::thread::spawn(move || child.wait_with_output());
    let deadline = std::time::Instant::now() + CLIENT_TIMEOUT;
    while !waiter.is_finished() {
        if std::time::Instant::now() > deadline {
            crate::process::signal(pid, libc::SIGKILL)?;
            bail!("openssl s_client to {addr} did not finish within {CLIENT_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out =
        waiter.join().map_err(|_| anyhow::anyhow!("s_client waiter panicked"))?.context("s_client output")?;
    let transcript =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let field = |key: &str| -> Option<String> {
        transcript.lines().find_map(|l| l.strip_prefix(key)).map(|v| v.trim().to_owned())
    };
    let (Some(protocol), Some(cipher)) = (field("Protocol version:"), field("Ciphersuite:")) else {
        bail!("no TLS session in the s_client output:\n{transcript}");
    };
    if !transcript.contains("250 2.0.0 Ok: queued") {
        bail!("the server did not queue the message:\n{transcript}");
    }
    Ok(Negotiated { protocol, cipher, transcript })
}
