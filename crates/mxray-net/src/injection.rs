//! The STARTTLS command-injection probe (CVE-2011-0411 class) over one connection: the
//! plaintext dialogue with STARTTLS and NOOP in one write, a real TLS handshake, then a
//! bounded wait for anything the server says unasked. The decisions are mxray-core's
//! ([`mxray_core::starttls::injection`]); this module only moves bytes and keeps time.
//!
//! The handshake is rustls' (ring provider only) driven by hand over [`Connection`], so the
//! connection's idle timeout and byte counters apply to the TLS bytes too. The certificate
//! is accepted whatever it is (signatures over the handshake are still checked): only the
//! server's unsolicited bytes matter here, and the scan judges the certificate elsewhere.
//!
//! The probe is not part of `mxray scan`'s default plan: it costs one more connection and
//! sends a command the server did not ask for.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mxray_core::starttls::injection::{
    InjectionJudge, InjectionVerdict, after_failed_handshake, verdict_before_tls,
};
use mxray_core::starttls::{Config, Protocol, StartTlsClient};
use rustls::ClientConnection;
use rustls::pki_types::ServerName;
use tokio::time::Instant;

use crate::certificate::client_config;
use crate::starttls::run_starttls;
use crate::transport::{Connection, NetError, Timeouts};

/// How long the probe waits, after the handshake, for the server to answer the injected
/// command (a vulnerable server answers at once, from its buffer).
pub const INJECTION_WAIT: Duration = Duration::from_secs(1);
/// Size of one socket read during the handshake and the wait.
const READ_CHUNK: usize = 16 * 1024;

/// Runs the injection probe against the STARTTLS service `protocol` at `addr`: one
/// connection, and a second (a control without the injected command) only when the first
/// handshake fails. Every wait
/// is bounded: the dialogue and the handshake each by `timeouts.exchange`, each read by
/// `timeouts.idle`, the wait for an unsolicited answer by [`INJECTION_WAIT`]. A network
/// failure is an [`InjectionVerdict::Inconclusive`] with its reason, never an error.
pub async fn probe_injection(addr: SocketAddr, protocol: Protocol, timeouts: Timeouts) -> InjectionVerdict {
    probe_injection_counted(addr, protocol, timeouts).await.0
}

/// [`probe_injection`], with the number of TCP connections it opened (1, or 2 with the
/// control connection), for a caller that reports the scan's cost.
pub async fn probe_injection_counted(
    addr: SocketAddr,
    protocol: Protocol,
    timeouts: Timeouts,
) -> (InjectionVerdict, u32) {
    let session = match start_tls(addr, protocol, timeouts, true).await {
        Ok(session) => session,
        Err(Failure::Decided(verdict)) => return (verdict, 1),
        Err(Failure::Handshake(failure)) => {
            // Did the injected command break the handshake? A control connection without it
            // tells (one more connection, only in this case).
            let control = match start_tls(addr, protocol, timeouts, false).await {
                Ok(_) => Ok(()),
                Err(Failure::Decided(verdict) | Failure::Handshake(verdict)) => Err(match verdict {
                    InjectionVerdict::Inconclusive { reason } => reason,
                    other => format!("{other:?}"),
                }),
            };
            return (after_failed_handshake(failure, control), 2);
        }
    };
    let Session { mut conn, mut tls, mut judge } = session;
    if let Some(verdict) = judge.verdict() {
        return (verdict.clone(), 1);
    }
    (wait_for_data(&mut conn, &mut tls, &mut judge).await, 1)
}

/// A connection after a completed handshake.
struct Session {
    conn: Connection,
    tls: ClientConnection,
    judge: InjectionJudge,
}

/// Why [`start_tls`] stopped.
enum Failure {
    /// Before the handshake: the plaintext dialogue decided.
    Decided(InjectionVerdict),
    /// The TLS handshake failed (an inconclusive verdict with the reason).
    Handshake(InjectionVerdict),
}

/// Connects, runs the plaintext dialogue (with the injected command when `inject`) and the
/// TLS handshake.
async fn start_tls(
    addr: SocketAddr,
    protocol: Protocol,
    timeouts: Timeouts,
    inject: bool,
) -> Result<Session, Failure> {
    let mut conn = Connection::connect(addr, timeouts)
        .await
        .map_err(|e| Failure::Decided(InjectionVerdict::inconclusive(e.to_string())))?;
    let mut config = Config::new(protocol);
    config.inject_after_starttls = inject;
    let deadline = Instant::now() + timeouts.exchange;
    let outcome = run_starttls(&mut conn, StartTlsClient::new(config), deadline)
        .await
        .map_err(|e| Failure::Decided(InjectionVerdict::inconclusive(e.to_string())))?;
    if let Some(verdict) = verdict_before_tls(&outcome.dialogue) {
        return Err(Failure::Decided(verdict));
    }
    let tls = client_config(Arc::default())
        .and_then(|config| ClientConnection::new(config, ServerName::IpAddress(addr.ip().into())));
    let mut tls =
        tls.map_err(|e| Failure::Decided(InjectionVerdict::inconclusive(format!("TLS setup: {e}"))))?;
    let mut judge = InjectionJudge::new(protocol);
    let mut pending = outcome.surplus;
    handshake(&mut conn, &mut tls, &mut pending, &mut judge, timeouts).await.map_err(Failure::Handshake)?;
    Ok(Session { conn, tls, judge })
}

/// Completes the handshake, feeding `pending` (bytes read with the STARTTLS reply) first.
/// Application data that arrives with the server's last flight goes to `judge`.
async fn handshake(
    conn: &mut Connection,
    tls: &mut ClientConnection,
    pending: &mut Vec<u8>,
    judge: &mut InjectionJudge,
    timeouts: Timeouts,
) -> Result<(), InjectionVerdict> {
    let deadline = Instant::now() + timeouts.exchange;
    let mut buf = vec![0; READ_CHUNK];
    loop {
        flush(conn, tls).await.map_err(|e| fail("the TLS handshake", &e))?;
        if !pending.is_empty() {
            feed(tls, pending, judge)?;
            continue;
        }
        if !tls.is_handshaking() {
            return Ok(());
        }
        let n = conn.read_some(&mut buf, deadline).await.map_err(|e| fail("the TLS handshake", &e))?;
        if n == 0 {
            return Err(InjectionVerdict::inconclusive(
                "the server closed the connection during the TLS handshake",
            ));
        }
        pending.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
}

/// Waits up to [`INJECTION_WAIT`] for application data and decides.
async fn wait_for_data(
    conn: &mut Connection,
    tls: &mut ClientConnection,
    judge: &mut InjectionJudge,
) -> InjectionVerdict {
    let deadline = Instant::now() + INJECTION_WAIT;
    let mut buf = vec![0; READ_CHUNK];
    loop {
        match conn.read_some(&mut buf, deadline).await {
            Err(NetError::Idle { .. } | NetError::Deadline { .. }) => return judge.handle_timeout(),
            Err(e) => return fail("the wait after the handshake", &e),
            Ok(0) => return judge.handle_close(),
            Ok(n) => {
                let mut pending = buf.get(..n).unwrap_or_default().to_vec();
                while !pending.is_empty() {
                    if let Err(verdict) = feed(tls, &mut pending, judge) {
                        return verdict;
                    }
                }
                if let Some(verdict) = judge.verdict() {
                    return verdict.clone();
                }
                if tls.wants_write() {
                    // A key update or similar: answer it, or the server may wait for us.
                    if let Err(e) = flush(conn, tls).await {
                        return fail("the wait after the handshake", &e);
                    }
                }
            }
        }
    }
}

/// Feeds some of `pending` to rustls, then hands any plaintext to `judge`. A TLS error or
/// the server's close_notify ends the probe.
fn feed(
    tls: &mut ClientConnection,
    pending: &mut Vec<u8>,
    judge: &mut InjectionJudge,
) -> Result<(), InjectionVerdict> {
    let used = tls
        .read_tls(&mut pending.as_slice())
        .map_err(|e| InjectionVerdict::inconclusive(format!("TLS: {e}")))?;
    if used == 0 {
        return Err(InjectionVerdict::inconclusive("TLS: the record layer took no bytes"));
    }
    pending.drain(..used);
    let state = tls
        .process_new_packets()
        .map_err(|e| InjectionVerdict::inconclusive(format!("TLS handshake failed: {e}")))?;
    let mut plain = vec![0; state.plaintext_bytes_to_read()];
    if !plain.is_empty() {
        let n = tls.reader().read(&mut plain).unwrap_or(0);
        judge.handle_data(plain.get(..n).unwrap_or_default());
    }
    if state.peer_has_closed() {
        return Err(judge.handle_close());
    }
    Ok(())
}

/// Sends whatever rustls has queued.
async fn flush(conn: &mut Connection, tls: &mut ClientConnection) -> Result<(), NetError> {
    while tls.wants_write() {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = tls.write_tls(&mut out);
        conn.send(&out).await?;
    }
    Ok(())
}

fn fail(stage: &str, e: &NetError) -> InjectionVerdict {
    InjectionVerdict::inconclusive(format!("{stage}: {e}"))
}
