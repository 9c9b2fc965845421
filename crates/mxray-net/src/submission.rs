//! The "TLS before MAIL FROM and AUTH" probe over one plaintext connection: mxray-core's
//! [`SubmissionClient`] driven over a [`Connection`]. The decisions are the core's
//! ([`mxray_core::starttls::submission`]); this module moves bytes and keeps time.
//!
//! Cost: one TCP connection, five to seven commands (EHLO, MAIL, RSET when MAIL was
//! accepted, AUTH PLAIN, `*` when AUTH answered 334, QUIT), never a credential.

use std::net::SocketAddr;

use mxray_core::starttls::submission::{SubmissionClient, SubmissionConfig, SubmissionProbe};
use tokio::time::Instant;

use crate::transport::{Connection, NetError, Timeouts};

/// Size of one socket read.
const READ_CHUNK: usize = 4096;

/// Runs the probe against the SMTP service at `addr` (587 or 25) with `config`. Every wait
/// is bounded: connecting by `timeouts.connect`, each read and write by `timeouts.idle`,
/// the whole dialogue by `timeouts.exchange`. A network failure ends the dialogue with its
/// reason in [`SubmissionProbe::stopped`] (an inconclusive verdict unless a plaintext
/// acceptance was already seen), never an error.
pub async fn probe_submission(
    addr: SocketAddr,
    config: SubmissionConfig,
    timeouts: Timeouts,
) -> SubmissionProbe {
    let mut client = SubmissionClient::new(config);
    let mut conn = match Connection::connect(addr, timeouts).await {
        Ok(conn) => conn,
        Err(e) => {
            client.handle_failure(&e.to_string());
            return client.into_probe();
        }
    };
    let deadline = Instant::now() + timeouts.exchange;
    if let Err(e) = drive(&mut conn, &mut client, deadline).await {
        client.handle_failure(&e.to_string());
    }
    client.into_probe()
}

/// Sends what the client has to send, feeds what the server sends, until the client is
/// done. Bytes read past one reply wait in `pending` until the next command went out.
async fn drive(
    conn: &mut Connection,
    client: &mut SubmissionClient,
    deadline: Instant,
) -> Result<(), NetError> {
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0; READ_CHUNK];
    let mut out = Vec::new();
    loop {
        client.poll_transmit(&mut out);
        if !out.is_empty() {
            let sent = conn.send(&out).await;
            out.clear();
            // The QUIT is a courtesy: a failure to send it changes nothing.
            if client.is_done() {
                return Ok(());
            }
            sent?;
        }
        if client.is_done() {
            return Ok(());
        }
        if !pending.is_empty() {
            let used = client.handle_input(&pending);
            pending.drain(..used);
            if used > 0 {
                continue;
            }
        }
        let n = conn.read_some(&mut buf, deadline).await?;
        if n == 0 {
            client.handle_close();
            return Ok(());
        }
        let chunk = buf.get(..n).unwrap_or_default();
        let used = client.handle_input(chunk);
        // Unasked bytes past the reply stay for the next command. The core bounds the
        // dialogue's bytes, and pending holds at most one unread chunk on top.
        if pending.len() < READ_CHUNK {
            pending.extend_from_slice(chunk.get(used..).unwrap_or_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use mxray_core::starttls::submission::{GateOutcome, SubmissionVerdict};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;

    use super::*;

    /// What the scripted server does next.
    #[derive(Clone, Debug)]
    enum Act {
        /// Sends these bytes.
        Say(&'static [u8]),
        /// Reads one client line (and records it).
        Hear,
        /// Sends these bytes one at a time, `ms` apart.
        Drip(&'static [u8], u64),
        /// Sends this byte pattern again and again until the client goes away.
        Flood(&'static [u8]),
        /// Waits.
        Sleep(u64),
        /// Closes with a reset (SO_LINGER 0).
        Reset,
    }

    /// A one-connection server on 127.0.0.1 playing `script`; the join handle gives the
    /// client lines it heard.
    async fn server(script: Vec<Act>) -> (SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            let mut socket = BufReader::new(socket);
            let mut heard = Vec::new();
            for act in script {
                match act {
                    Act::Say(bytes) => {
                        if socket.get_mut().write_all(bytes).await.is_err() {
                            break;
                        }
                    }
                    Act::Hear => {
                        let mut line = String::new();
                        if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                            break;
                        }
                        heard.push(line.trim_end().to_owned());
                    }
                    Act::Drip(bytes, ms) => {
                        for b in bytes {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                            if socket.get_mut().write_all(std::slice::from_ref(b)).await.is_err() {
                                return heard;
                            }
                        }
                    }
                    Act::Flood(bytes) => {
                        while socket.get_mut().write_all(bytes).await.is_ok() {}
                        break;
                    }
                    Act::Sleep(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
                    Act::Reset => {
                        let _ = socket.get_ref().set_zero_linger();
                        break;
                    }
                }
            }
            // Let the client read before the close.
            tokio::time::sleep(Duration::from_millis(50)).await;
            heard
        });
        (addr, task)
    }

    fn fast() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(2),
            idle: Duration::from_millis(400),
            exchange: Duration::from_millis(1500),
        }
    }

    const GREETING: &[u8] = b"220 mx.test ESMTP\r\n";
    const EHLO: &[u8] = b"250-mx.test\r\n250 STARTTLS\r\n";

    async fn probe(script: Vec<Act>) -> (SubmissionProbe, Vec<String>, Duration) {
        let (addr, task) = server(script).await;
        let started = std::time::Instant::now();
        let probe = probe_submission(addr, SubmissionConfig::default(), fast()).await;
        let took = started.elapsed();
        (probe, task.await.unwrap(), took)
    }

    #[tokio::test]
    async fn plaintext_auth_is_cancelled_and_reported() {
        use Act::{Hear, Say};
        let (probe, heard, _) = probe(vec![
            Say(GREETING),
            Hear,
            Say(b"250-mx.test\r\n250 STARTTLS\r\n"),
            Hear,
            Say(b"530 5.7.0 Authentication required\r\n"),
            Hear,
            Say(b"334 \r\n"),
            Hear,
            Say(b"501 5.7.0 Authentication aborted\r\n"),
            Hear,
            Say(b"221 bye\r\n"),
        ])
        .await;
        assert_eq!(heard, ["EHLO mxray.invalid", "MAIL FROM:<>", "AUTH PLAIN", "*", "QUIT"]);
        assert_eq!(probe.verdict(), SubmissionVerdict::PlaintextAccepted { mail: false, auth: true });
        assert_eq!(probe.auth.as_ref().map(|g| g.outcome), Some(GateOutcome::Accepted));
        assert!(probe.auth_advertised.is_empty(), "334 although AUTH was not advertised");
    }

    #[tokio::test]
    async fn plaintext_mail_is_reset_and_reported() {
        use Act::{Hear, Say};
        let (probe, heard, _) = probe(vec![
            Say(GREETING),
            Hear,
            Say(EHLO),
            Hear,
            Say(b"250 2.1.0 Ok\r\n"),
            Hear,
            Say(b"250 2.0.0 Ok\r\n"),
            Hear,
            Say(b"503 5.5.1 Error: authentication not enabled\r\n"),
            Hear,
        ])
        .await;
        assert_eq!(heard, ["EHLO mxray.invalid", "MAIL FROM:<>", "RSET", "AUTH PLAIN", "QUIT"]);
        assert_eq!(probe.verdict(), SubmissionVerdict::PlaintextAccepted { mail: true, auth: false });
        assert_eq!(probe.auth.as_ref().map(|g| g.outcome), Some(GateOutcome::NotOffered));
    }

    #[tokio::test]
    async fn hostile_servers_give_inconclusive_verdicts_in_time() {
        use Act::{Drip, Flood, Hear, Reset, Say, Sleep};
        let cases: Vec<(&str, Vec<Act>, &str)> = vec![
            ("421 banner", vec![Say(b"421 4.3.2 mx.test busy\r\n")], "421"),
            ("554 banner", vec![Say(b"554 5.7.1 no\r\n")], "refused the session"),
            ("silent", vec![Sleep(3000)], "the greeting"),
            ("reset after EHLO", vec![Say(GREETING), Hear, Reset], "the reply to EHLO"),
            ("close after MAIL", vec![Say(GREETING), Hear, Say(EHLO), Hear], "closed the connection"),
            (
                "slow drip",
                vec![Say(GREETING), Hear, Drip(b"250-mx.test\r\n250-a\r\n250 b\r\n", 100)],
                "did not finish",
            ),
            (
                "endless 250- lines",
                vec![Say(GREETING), Hear, Flood(b"250-AAAAAAAA\r\n")],
                "more than 100 lines",
            ),
            (
                "huge line",
                vec![Say(GREETING), Hear, Flood(b"250AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
                "longer than 4096",
            ),
            ("not SMTP", vec![Say(b"SSH-2.0-OpenSSH_9.2\r\n")], "not a SMTP reply"),
        ];
        for (name, script, reason) in cases {
            let (probe, _, took) = probe(script).await;
            let SubmissionVerdict::Inconclusive { reason: got } = probe.verdict() else {
                panic!("{name}: {:?}", probe.verdict())
            };
            assert!(got.contains(reason), "{name}: {got:?} lacks {reason:?}");
            assert!(took < Duration::from_secs(3), "{name} took {took:?}");
            assert!(probe.bytes_in <= 64 * 1024 + 4096, "{name}: {} bytes", probe.bytes_in);
        }
    }

    #[tokio::test]
    async fn a_refused_connection_is_inconclusive() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let probe = probe_submission(addr, SubmissionConfig::default(), fast()).await;
        let SubmissionVerdict::Inconclusive { reason } = probe.verdict() else { panic!("{probe:?}") };
        assert!(reason.contains("connecting to"), "{reason}");
    }
}
