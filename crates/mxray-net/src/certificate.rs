//! The certificate a server presents for one SNI name, at the cost of one connection: the
//! STARTTLS dialogue where the service needs one, then one rustls handshake (ring, TLS 1.2
//! and 1.3) whose verifier records the chain and accepts it. `mxray domain` uses it for a
//! second name on an address and port that another name's full scan already covered: only
//! the certificate can differ by SNI there.
//!
//! Also [`port_open`], the one-connect check that keeps a closed port at one connection.
//!
//! The handshake is driven by hand over [`Connection`] (as in [`crate::injection`]) so every
//! wait is under the connection's timeouts. The chain is recorded when the server's
//! Certificate message is read, so it is kept even when the handshake fails later.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use mxray_core::starttls::{self, Outcome, StartTlsClient};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use tokio::time::Instant;

use crate::starttls::run_starttls;
use crate::transport::{Connection, NetError, Timeouts};

/// Size of one socket read during the handshake.
const READ_CHUNK: usize = 16 * 1024;

/// What [`fetch_chain`] got.
#[derive(Clone, Debug, Default)]
pub struct ChainFetch {
    /// The chain (DER, leaf first) as sent; empty when none was read.
    pub chain: Vec<Vec<u8>>,
    /// The STARTTLS dialogue, for services that have one.
    pub dialogue: Option<starttls::Dialogue>,
    /// TCP connections opened (1, or 0 when the connect itself failed before counting).
    pub connections: u32,
    /// Why no chain was read, or why the handshake failed after it.
    pub error: Option<String>,
}

/// The outcome of the one-connect check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortProbe {
    /// Accepted.
    Open,
    /// Refused or unreachable (the reason).
    Closed(String),
    /// No answer within the connect timeout.
    Filtered,
}

/// Connects to `addr` once and closes at once.
pub async fn port_open(addr: SocketAddr, timeouts: Timeouts) -> PortProbe {
    match Connection::connect(addr, timeouts).await {
        Ok(_) => PortProbe::Open,
        Err(NetError::ConnectTimeout { .. }) => PortProbe::Filtered,
        Err(e) => PortProbe::Closed(e.to_string()),
    }
}

/// One connection to `addr`: the dialogue of `starttls` (if any), then a handshake with SNI
/// `server_name`, keeping the chain presented. Never fails: problems are in
/// [`ChainFetch::error`].
pub async fn fetch_chain(
    addr: SocketAddr,
    starttls: Option<starttls::Config>,
    server_name: &str,
    timeouts: Timeouts,
) -> ChainFetch {
    let mut fetch = ChainFetch::default();
    let mut conn = match Connection::connect(addr, timeouts).await {
        Ok(conn) => conn,
        Err(e) => {
            fetch.connections = 1;
            fetch.error = Some(e.to_string());
            return fetch;
        }
    };
    fetch.connections = 1;
    let mut pending = Vec::new();
    if let Some(config) = starttls {
        let deadline = Instant::now() + timeouts.exchange;
        match run_starttls(&mut conn, StartTlsClient::new(config), deadline).await {
            Err(e) => {
                fetch.error = Some(e.to_string());
                fetch.dialogue = Some(*e.dialogue);
                return fetch;
            }
            Ok(done) => {
                let ready = done.dialogue.outcome == Some(Outcome::ReadyForTls);
                if !ready {
                    fetch.error = Some(done.dialogue.outcome.as_ref().map_or_else(
                        || "the dialogue ended before STARTTLS".to_owned(),
                        ToString::to_string,
                    ));
                    fetch.dialogue = Some(done.dialogue);
                    return fetch;
                }
                fetch.dialogue = Some(done.dialogue);
                pending = done.surplus;
            }
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let name = ServerName::try_from(server_name.trim_end_matches('.').to_owned())
        .unwrap_or_else(|_| ServerName::IpAddress(addr.ip().into()));
    let tls = client_config(Arc::clone(&seen)).and_then(|config| ClientConnection::new(config, name));
    let mut tls = match tls {
        Ok(tls) => tls,
        Err(e) => {
            fetch.error = Some(format!("TLS setup: {e}"));
            return fetch;
        }
    };
    if let Err(e) = handshake(&mut conn, &mut tls, &mut pending, timeouts).await {
        fetch.error = Some(e);
    }
    fetch.chain = seen.lock().map(|c| c.clone()).unwrap_or_default();
    if fetch.chain.is_empty() && fetch.error.is_none() {
        fetch.error = Some("the server sent no certificate".into());
    }
    fetch
}

/// Completes the handshake (or stops once the chain is recorded and the handshake fails).
async fn handshake(
    conn: &mut Connection,
    tls: &mut ClientConnection,
    pending: &mut Vec<u8>,
    timeouts: Timeouts,
) -> Result<(), String> {
    let deadline = Instant::now() + timeouts.exchange;
    let mut buf = vec![0; READ_CHUNK];
    loop {
        while tls.wants_write() {
            let mut out = Vec::new();
            // Writing to a Vec cannot fail.
            let _ = tls.write_tls(&mut out);
            conn.send(&out).await.map_err(|e| format!("the TLS handshake: {e}"))?;
        }
        if !pending.is_empty() {
            let used = tls.read_tls(&mut pending.as_slice()).map_err(|e| format!("TLS: {e}"))?;
            if used == 0 {
                return Err("TLS: the record layer took no bytes".into());
            }
            pending.drain(..used);
            tls.process_new_packets().map_err(|e| format!("TLS handshake failed: {e}"))?;
            continue;
        }
        if !tls.is_handshaking() {
            return Ok(());
        }
        let n = conn.read_some(&mut buf, deadline).await.map_err(|e| format!("the TLS handshake: {e}"))?;
        if n == 0 {
            return Err("the server closed the connection during the TLS handshake".into());
        }
        pending.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
}

/// A rustls client (ring, TLS 1.2 and 1.3) that accepts any chain and records it in `seen`
/// (the handshake signatures are still checked with the chain's key): the chain fetch here
/// and the injection probe, which judge the certificate elsewhere.
pub(crate) fn client_config(seen: Arc<Mutex<Vec<Vec<u8>>>>) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(ring::default_provider());
    let verifier = Arc::new(Recorder { algorithms: provider.signature_verification_algorithms, seen });
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Records the chain; still checks the handshake signatures with the chain's key.
#[derive(Debug)]
struct Recorder {
    algorithms: WebPkiSupportedAlgorithms,
    seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = std::iter::once(end_entity)
                .chain(intermediates)
                .take(mxray_core::dane::MAX_CHAIN)
                .map(|c| c.as_ref().to_vec())
                .collect();
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn timeouts() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(2),
            idle: Duration::from_secs(2),
            exchange: Duration::from_secs(4),
        }
    }

    #[tokio::test]
    async fn open_and_closed_ports_cost_one_connect() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        assert_eq!(port_open(open, timeouts()).await, PortProbe::Open);
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        assert!(matches!(port_open(closed, timeouts()).await, PortProbe::Closed(_)));
        let fetch = fetch_chain(closed, None, "mail.example.org", timeouts()).await;
        assert_eq!(fetch.connections, 1);
        assert!(fetch.chain.is_empty());
        assert!(fetch.error.is_some());
    }

    /// A server that answers the ClientHello with garbage: no chain, an error, one
    /// connection, within the timeouts.
    #[tokio::test]
    async fn a_non_tls_server_gives_no_chain() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0; 512];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        });
        let fetch = fetch_chain(addr, None, "mail.example.org", timeouts()).await;
        assert_eq!(fetch.connections, 1);
        assert!(fetch.chain.is_empty());
        assert!(fetch.error.as_deref().is_some_and(|e| e.contains("TLS")), "{:?}", fetch.error);
        server.await.unwrap();
    }
}
