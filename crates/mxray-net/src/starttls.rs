//! The thin driver of mxray-core's STARTTLS machines: it sends what the machine wants to
//! send, reads what the server sends, feeds it in, and keeps time. Every decision about
//! the dialogue is the machine's ([`StartTlsClient`]).
//!
//! The whole dialogue runs against one deadline, each read also against the connection's
//! idle timeout, so a server that drips one byte at a time or never answers cannot hold a
//! scan. Bytes the server sent after the reply that ended the dialogue (after a positive
//! STARTTLS reply they should be the start of TLS) are handed back as
//! [`StartTlsOutcome::surplus`], never dropped.

use mxray_core::starttls::{Dialogue, StartTlsClient};
use thiserror::Error;
use tokio::time::Instant;

use crate::transport::{Connection, NetError};

/// Size of one socket read. Plaintext replies are small; a read never takes more than the
/// machine's byte cap allows past it, since the machine stops consuming when it is done.
const READ_CHUNK: usize = 4096;

/// A finished plaintext dialogue.
#[derive(Debug)]
pub struct StartTlsOutcome {
    /// What the dialogue revealed, with its [`Dialogue::outcome`] set.
    pub dialogue: Dialogue,
    /// Bytes read after the reply that ended the dialogue (TLS bytes, or plaintext a
    /// server sent after its STARTTLS reply).
    pub surplus: Vec<u8>,
}

/// A dialogue cut short by the network (a timeout, a reset), with what it revealed so far.
#[derive(Debug, Error)]
#[error("the STARTTLS dialogue was cut short: {source}")]
pub struct StartTlsError {
    /// The dialogue up to the failure (its `outcome` is `None`).
    pub dialogue: Box<Dialogue>,
    /// What went wrong.
    #[source]
    pub source: NetError,
}

/// Runs `client` over `conn` until its dialogue ends or `deadline` passes.
///
/// A clean close by the server ends the dialogue with
/// [`Outcome::Closed`](mxray_core::starttls::Outcome::Closed) and is not an error. A
/// goodbye the machine queues at the end (QUIT, LOGOUT) is sent best-effort, without
/// waiting for its answer.
pub async fn run_starttls(
    conn: &mut Connection,
    mut client: StartTlsClient,
    deadline: Instant,
) -> Result<StartTlsOutcome, StartTlsError> {
    let mut out = Vec::new();
    let mut buf = vec![0; READ_CHUNK];
    let fail =
        |client: StartTlsClient, source| StartTlsError { dialogue: Box::new(client.into_dialogue()), source };
    loop {
        if client.poll_transmit(&mut out) {
            if let Err(e) = conn.send(&out).await {
                return Err(fail(client, e));
            }
            out.clear();
        }
        let n = match conn.read_some(&mut buf, deadline).await {
            Ok(n) => n,
            Err(e) => return Err(fail(client, e)),
        };
        if n == 0 {
            client.handle_close();
            return Ok(StartTlsOutcome { dialogue: client.into_dialogue(), surplus: Vec::new() });
        }
        let chunk = buf.get(..n).unwrap_or_default();
        let used = client.handle_input(chunk);
        if client.is_done() {
            let surplus = chunk.get(used..).unwrap_or_default().to_vec();
            client.observe_after_starttls(&surplus);
            if client.poll_transmit(&mut out) {
                // The goodbye is a courtesy: the outcome is known whether it arrives or not.
                let _ = conn.send(&out).await;
            }
            return Ok(StartTlsOutcome { dialogue: client.into_dialogue(), surplus });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use mxray_core::starttls::{Config, Outcome, Protocol};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::transport::Timeouts;

    /// One step of a scripted server: wait for a line from the client (if `expect` is
    /// set, check it), then send each chunk after its delay.
    struct Step {
        expect: Option<&'static str>,
        chunks: Vec<(Duration, Vec<u8>)>,
    }

    fn say(bytes: &[u8]) -> Vec<(Duration, Vec<u8>)> {
        vec![(Duration::ZERO, bytes.to_vec())]
    }

    /// A one-connection server on 127.0.0.1 that plays `steps`, then closes (or resets).
    /// It returns everything the client sent through the join handle.
    async fn scripted_server(
        steps: Vec<Step>,
        reset: bool,
    ) -> (SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut received = Vec::new();
            for step in steps {
                if let Some(expect) = step.expect {
                    while !received.ends_with(b"\r\n") || !String::from_utf8_lossy(&received).contains(expect)
                    {
                        let mut buf = [0u8; 512];
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return received,
                            Ok(n) => received.extend_from_slice(&buf[..n]),
                        }
                    }
                }
                for (delay, bytes) in step.chunks {
                    tokio::time::sleep(delay).await;
                    if socket.write_all(&bytes).await.is_err() {
                        return received;
                    }
                }
            }
            if reset {
                let _ = socket.set_zero_linger();
            } else {
                // Read what the client still sends (a goodbye), until it closes.
                let mut buf = [0u8; 512];
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(200), socket.read(&mut buf)).await
                {
                    if n == 0 {
                        break;
                    }
                    received.extend_from_slice(&buf[..n]);
                }
            }
            received
        });
        (addr, handle)
    }

    fn fast() -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(2),
            idle: Duration::from_millis(300),
            exchange: Duration::from_millis(800),
        }
    }

    fn smtp() -> StartTlsClient {
        StartTlsClient::new(Config::new(Protocol::Smtp))
    }

    async fn dial(addr: SocketAddr) -> (Connection, Instant) {
        let conn = Connection::connect(addr, fast()).await.unwrap();
        (conn, Instant::now() + fast().exchange)
    }

    #[tokio::test]
    async fn starttls_a_full_smtp_dialogue_reaches_tls() {
        let steps = vec![
            Step { expect: None, chunks: say(b"220 mail.example ESMTP Postfix\r\n") },
            Step {
                expect: Some("EHLO mxray.invalid\r\n"),
                chunks: say(b"250-mail.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 CHUNKING\r\n"),
            },
            Step {
                expect: Some("STARTTLS\r\n"),
                chunks: say(b"220 2.0.0 Ready to start TLS\r\n\x16\x03\x03\x00\x01"),
            },
        ];
        let (addr, server) = scripted_server(steps, false).await;
        let (mut conn, deadline) = dial(addr).await;
        let outcome = run_starttls(&mut conn, smtp(), deadline).await.unwrap();
        assert_eq!(outcome.dialogue.outcome, Some(Outcome::ReadyForTls));
        assert_eq!(outcome.surplus, b"\x16\x03\x03\x00\x01");
        assert_eq!(outcome.dialogue.bytes_out as u64, conn.bytes_out);
        drop(conn);
        assert_eq!(server.await.unwrap(), b"EHLO mxray.invalid\r\nSTARTTLS\r\n");
    }

    #[tokio::test]
    async fn starttls_a_missing_capability_is_an_outcome_and_the_client_says_goodbye() {
        let steps = vec![
            Step { expect: None, chunks: say(b"220 mail.example ESMTP\r\n") },
            Step { expect: Some("EHLO"), chunks: say(b"250-mail.example\r\n250 8BITMIME\r\n") },
        ];
        let (addr, server) = scripted_server(steps, false).await;
        let (mut conn, deadline) = dial(addr).await;
        let outcome = run_starttls(&mut conn, smtp(), deadline).await.unwrap();
        assert_eq!(outcome.dialogue.outcome, Some(Outcome::StartTlsNotOffered));
        drop(conn);
        assert!(server.await.unwrap().ends_with(b"QUIT\r\n"));
    }

    #[tokio::test]
    async fn starttls_a_slow_drip_server_hits_the_deadline() {
        // One byte every 50 ms: never idle for 300 ms, but the greeting needs 1.5 s.
        let greeting = b"220 mail.example ESMTP slowly, very slowly\r\n";
        let chunks = greeting.iter().map(|b| (Duration::from_millis(50), vec![*b])).collect();
        let (addr, _server) = scripted_server(vec![Step { expect: None, chunks }], false).await;
        let (mut conn, deadline) = dial(addr).await;
        let err = run_starttls(&mut conn, smtp(), deadline).await.unwrap_err();
        assert!(matches!(err.source, NetError::Deadline { .. }), "{err}");
        assert_eq!(err.dialogue.outcome, None);
        assert!(err.dialogue.bytes_in > 0);
    }

    #[tokio::test]
    async fn starttls_a_server_that_never_answers_hits_the_idle_timeout() {
        let steps = vec![
            Step { expect: None, chunks: say(b"220 mail.example ESMTP\r\n") },
            // Reads EHLO, then says nothing for longer than the idle timeout.
            Step { expect: Some("EHLO"), chunks: vec![(Duration::from_secs(2), b"250 x\r\n".to_vec())] },
        ];
        let (addr, _server) = scripted_server(steps, false).await;
        let (mut conn, deadline) = dial(addr).await;
        let err = run_starttls(&mut conn, smtp(), deadline).await.unwrap_err();
        assert!(matches!(err.source, NetError::Idle { .. }), "{err}");
        assert_eq!(err.dialogue.banner.as_deref(), Some("mail.example ESMTP"));
    }

    #[tokio::test]
    async fn starttls_a_reset_mid_reply_is_an_error_and_a_close_an_outcome() {
        let steps = vec![
            Step { expect: None, chunks: say(b"220 mail.example ESMTP\r\n") },
            Step { expect: Some("EHLO"), chunks: say(b"250-mail.example\r\n250-PIPEL") },
        ];
        let (addr, _server) = scripted_server(steps, true).await;
        let (mut conn, deadline) = dial(addr).await;
        match run_starttls(&mut conn, smtp(), deadline).await {
            Err(err) => assert!(matches!(err.source, NetError::Io { .. }), "{err}"),
            // The reset may be seen as a close on some stacks.
            Ok(outcome) => assert_eq!(outcome.dialogue.outcome, Some(Outcome::Closed)),
        }

        let steps = vec![Step { expect: None, chunks: say(b"220 mail.example ESMTP\r\n") }];
        let (addr, _server) = scripted_server(steps, false).await;
        let (mut conn, deadline) = dial(addr).await;
        let outcome = run_starttls(&mut conn, smtp(), deadline).await.unwrap();
        assert_eq!(outcome.dialogue.outcome, Some(Outcome::Closed));
    }

    #[tokio::test]
    async fn starttls_a_421_greeting_is_a_finding() {
        let steps = vec![Step {
            expect: None,
            chunks: say(b"421 4.7.0 mail.example Error: too many connections from 127.0.0.1\r\n"),
        }];
        let (addr, server) = scripted_server(steps, false).await;
        let (mut conn, deadline) = dial(addr).await;
        let outcome = run_starttls(&mut conn, smtp(), deadline).await.unwrap();
        assert!(matches!(outcome.dialogue.outcome, Some(Outcome::ServiceUnavailable { .. })));
        drop(conn);
        assert_eq!(server.await.unwrap(), b"");
    }
}
