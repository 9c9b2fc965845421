//! The STARTTLS command-injection probe (CVE-2011-0411 and its kin in Cyrus, Courier,
//! Exim and others), sans-IO: what is sent, and the verdict from what comes back.
//!
//! # What is sent
//!
//! The plaintext dialogue is the ordinary one ([`StartTlsClient`](super::StartTlsClient))
//! with [`Config::inject_after_starttls`](super::Config::inject_after_starttls) on: the
//! STARTTLS command and a second command leave in ONE write, so they arrive in one segment:
//!
//! | protocol | bytes of the write                                        |
//! |----------|-----------------------------------------------------------|
//! | SMTP     | `STARTTLS\r\nNOOP\r\n` (after EHLO)                       |
//! | IMAP     | `b STARTTLS\r\nc NOOP\r\n` (after `a CAPABILITY`)         |
//! | POP3     | `STLS\r\nNOOP\r\n` (after CAPA)                           |
//!
//! The injected command is NOOP because it is harmless (it changes no state and sends no
//! mail) and every server answers it (SMTP `250`, IMAP `OK`, POP3 `+OK`, RFC 5321 4.1.1.9,
//! RFC 3501 6.1.2, RFC 1939 5) — and even an error reply would show that the command was
//! executed — so silence means the server discarded it.
//!
//! # The verdict
//!
//! A correct server discards what the client sent after STARTTLS before the handshake
//! (RFC 3207 section 4.2 requires it: Postfix) or drops the connection (Dovecot). A
//! vulnerable one keeps the injected line in its input buffer and answers it *inside* TLS,
//! unasked, right after the handshake: an attacker who can insert plaintext runs commands
//! in the victim's secured session. [`InjectionJudge`] reads what the server sends inside TLS before the client
//! sends anything:
//!
//! - a complete reply line → [`InjectionVerdict::Vulnerable`];
//! - nothing within the driver's short wait → [`InjectionVerdict::NotVulnerable`];
//! - a handshake that fails after the injected command, where a control connection without
//!   it completes the handshake ([`after_failed_handshake`]) → also `NotVulnerable`: the
//!   server dropped the session rather than execute the command (Dovecot does this);
//! - the server refusing STARTTLS, closing, failing the handshake, or sending something that
//!   is not a reply → [`InjectionVerdict::Inconclusive`] with the reason.
//!
//! A server that answers the injected command in *plaintext* after its STARTTLS reply
//! ([`Injection::plaintext_reply`](super::Injection::plaintext_reply)) also executed it:
//! [`verdict_before_tls`] reports that as vulnerable (outside TLS) without a handshake.

use serde::Serialize;

use super::line::{LineReader, excerpt};
use super::{Dialogue, Outcome, Protocol, imap, pop3, sieve, smtp};
use crate::report::{Finding, Severity};

/// The finding id of a vulnerable server.
pub const FINDING_ID: &str = "starttls.injection";
/// The longest line read inside TLS (an unsolicited reply is a short line; anything longer
/// is not a reply, and the judge holds no more than this).
pub const MAX_TLS_LINE: usize = 512;
/// The most characters of the server's reply quoted in a verdict.
const QUOTE_LEN: usize = 80;

/// The command pipelined after STARTTLS for `protocol`, without its line ending (IMAP
/// tags it `c`: `a` is CAPABILITY and `b` STARTTLS).
pub fn injected_command(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Imap => "c NOOP",
        Protocol::Smtp | Protocol::Lmtp | Protocol::Pop3 | Protocol::Sieve => "NOOP",
    }
}

/// The outcome of the injection probe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
#[non_exhaustive]
pub enum InjectionVerdict {
    /// The server answered the injected command, unasked.
    Vulnerable {
        /// The first line of its answer (quoted, control characters escaped).
        reply: String,
        /// The answer came inside TLS (the CVE-2011-0411 bug), not in plaintext before the
        /// handshake.
        inside_tls: bool,
    },
    /// The server did not execute the injected command.
    NotVulnerable {
        /// How: `false` when the handshake succeeded and the server sent nothing of its own
        /// (it discarded the command: Postfix); `true` when the handshake failed after the
        /// injected command while a control handshake without one succeeded (it refuses
        /// pipelined input: Dovecot closes the connection).
        refused_pipelining: bool,
    },
    /// The probe could not tell.
    Inconclusive {
        /// Why (STARTTLS refused, closed, handshake failed, a timeout, …).
        reason: String,
    },
}

impl InjectionVerdict {
    /// An inconclusive verdict for `reason`.
    pub fn inconclusive(reason: impl Into<String>) -> Self {
        Self::Inconclusive { reason: reason.into() }
    }

    /// The finding for a vulnerable server (`starttls.injection`, high), `None` otherwise.
    pub fn finding(&self) -> Option<Finding> {
        let Self::Vulnerable { reply, inside_tls } = self else { return None };
        let message = if *inside_tls {
            format!(
                "the server answered a command pipelined after STARTTLS inside TLS ({reply:?}; CVE-2011-0411 class): an attacker can inject commands into secured sessions; update the mail server"
            )
        } else {
            format!(
                "the server answered a command pipelined after STARTTLS in plaintext ({reply:?}; CVE-2011-0411 class): it does not discard pre-TLS input; update the mail server"
            )
        };
        Some(Finding { id: FINDING_ID, severity: Severity::High, message })
    }
}

/// The verdict the plaintext dialogue already gives, or `None` when the probe must go on
/// to the TLS handshake (STARTTLS accepted, no plaintext answer to the injected command).
pub fn verdict_before_tls(dialogue: &Dialogue) -> Option<InjectionVerdict> {
    match &dialogue.outcome {
        None => Some(InjectionVerdict::inconclusive("the plaintext dialogue did not finish")),
        Some(Outcome::ReadyForTls) => {
            let reply = dialogue.injection.as_ref()?.plaintext_reply.clone()?;
            Some(InjectionVerdict::Vulnerable { reply, inside_tls: false })
        }
        Some(other) => Some(InjectionVerdict::inconclusive(other.to_string())),
    }
}

/// The verdict when the handshake after the injected command failed with `failure`
/// (an [`InjectionVerdict::Inconclusive`]) and a control dialogue without injection then
/// ended in `control`: `Ok` when its handshake completed, `Err(reason)` otherwise. Only a
/// completed control handshake shows that the injected command caused the failure.
pub fn after_failed_handshake(failure: InjectionVerdict, control: Result<(), String>) -> InjectionVerdict {
    match (failure, control) {
        (InjectionVerdict::Inconclusive { .. }, Ok(())) => {
            InjectionVerdict::NotVulnerable { refused_pipelining: true }
        }
        (InjectionVerdict::Inconclusive { reason }, Err(control)) => InjectionVerdict::inconclusive(format!(
            "{reason}; a handshake without the injected command failed too: {control}"
        )),
        (decided, _) => decided,
    }
}

/// Reads the application data a server sends inside TLS before the client says anything,
/// and decides. Holds at most [`MAX_TLS_LINE`] bytes.
#[derive(Clone, Debug)]
pub struct InjectionJudge {
    protocol: Protocol,
    reader: LineReader,
    verdict: Option<InjectionVerdict>,
}

impl InjectionJudge {
    /// A judge for a dialogue in `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Self { protocol, reader: LineReader::new(MAX_TLS_LINE), verdict: None }
    }

    /// The verdict, once the server's bytes decided it.
    pub fn verdict(&self) -> Option<&InjectionVerdict> {
        self.verdict.as_ref()
    }

    /// Feeds decrypted bytes the server sent; returns the verdict once the first complete
    /// line decides it (later bytes are ignored).
    pub fn handle_data(&mut self, mut bytes: &[u8]) -> Option<&InjectionVerdict> {
        while self.verdict.is_none() && !bytes.is_empty() {
            match self.reader.push(bytes) {
                Err(violation) => {
                    self.verdict = Some(InjectionVerdict::inconclusive(format!(
                        "the server sent unexpected data inside TLS: {violation}"
                    )));
                }
                Ok((used, line)) => {
                    bytes = bytes.get(used..).unwrap_or_default();
                    if let Some(line) = line {
                        self.verdict = Some(self.judge_line(&line.bytes));
                    }
                }
            }
        }
        self.verdict.as_ref()
    }

    /// The server closed the session (close_notify or TCP close) without deciding.
    pub fn handle_close(&mut self) -> InjectionVerdict {
        self.verdict.clone().unwrap_or_else(|| {
            InjectionVerdict::inconclusive("the server closed the connection after the TLS handshake")
        })
    }

    /// The wait is over without a decision: silence means not vulnerable; half a line is
    /// inconclusive.
    pub fn handle_timeout(&mut self) -> InjectionVerdict {
        if let Some(verdict) = &self.verdict {
            return verdict.clone();
        }
        if self.reader.has_partial() {
            InjectionVerdict::inconclusive("the server sent an incomplete line inside TLS")
        } else {
            InjectionVerdict::NotVulnerable { refused_pipelining: false }
        }
    }

    fn judge_line(&self, line: &[u8]) -> InjectionVerdict {
        let is_reply = match self.protocol {
            Protocol::Smtp | Protocol::Lmtp => smtp::parse_line(line).is_some(),
            Protocol::Imap => imap::parse_line(line).is_some(),
            Protocol::Pop3 => pop3::parse_status(line).is_some(),
            Protocol::Sieve => sieve::parse_status(line).is_some(),
        };
        let quoted = excerpt(line, QUOTE_LEN);
        if is_reply {
            InjectionVerdict::Vulnerable { reply: quoted, inside_tls: true }
        } else {
            InjectionVerdict::inconclusive(format!(
                "the server sent a line that is not a reply inside TLS: {quoted:?}"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Config, StartTlsClient};
    use super::*;

    #[test]
    fn the_write_carries_both_commands() {
        // Each server reply is fed after the client's command, as on a real connection.
        type Case<'a> = (Protocol, &'a [&'a [u8]], &'a [u8]);
        let cases: [Case<'_>; 3] = [
            (Protocol::Smtp, &[b"220 mx ESMTP\r\n", b"250-mx\r\n250 STARTTLS\r\n"], b"STARTTLS\r\nNOOP\r\n"),
            (
                Protocol::Imap,
                &[b"* OK ready\r\n", b"* CAPABILITY IMAP4rev1 STARTTLS\r\na OK done\r\n"],
                b"b STARTTLS\r\nc NOOP\r\n",
            ),
            (Protocol::Pop3, &[b"+OK ready\r\n", b"+OK\r\nSTLS\r\n.\r\n"], b"STLS\r\nNOOP\r\n"),
        ];
        for (protocol, replies, expected_tail) in cases {
            let mut config = Config::new(protocol);
            config.inject_after_starttls = true;
            let mut client = StartTlsClient::new(config);
            for reply in replies {
                let mut discard = Vec::new();
                client.poll_transmit(&mut discard);
                assert_eq!(client.handle_input(reply), reply.len(), "{protocol}");
            }
            let mut last = Vec::new();
            assert!(client.poll_transmit(&mut last), "{protocol}: nothing to send");
            assert_eq!(last, expected_tail, "{protocol}: {}", String::from_utf8_lossy(&last));
            let injection = client.dialogue().injection.clone().unwrap();
            assert_eq!(injection.command, injected_command(protocol));
        }
    }

    #[test]
    fn verdicts_from_what_the_server_sends_inside_tls() {
        // (protocol, chunks of decrypted data, then: None = timeout, Some(()) = close, expected)
        let vulnerable = |reply: &str| InjectionVerdict::Vulnerable { reply: reply.into(), inside_tls: true };
        let cases: Vec<(Protocol, Vec<&[u8]>, bool, InjectionVerdict)> = vec![
            (Protocol::Smtp, vec![b"250 2.0.0 Ok\r\n"], false, vulnerable("250 2.0.0 Ok")),
            (Protocol::Smtp, vec![b"25", b"0 ok\r\n"], false, vulnerable("250 ok")),
            (Protocol::Smtp, vec![b"502 5.5.2 unknown\r\n"], false, vulnerable("502 5.5.2 unknown")),
            (Protocol::Imap, vec![b"c OK NOOP completed\r\n"], false, vulnerable("c OK NOOP completed")),
            (Protocol::Pop3, vec![b"+OK\r\n"], false, vulnerable("+OK")),
            (Protocol::Pop3, vec![b"-ERR unknown command\r\n"], true, vulnerable("-ERR unknown command")),
            (Protocol::Smtp, vec![], false, InjectionVerdict::NotVulnerable { refused_pipelining: false }),
            (
                Protocol::Smtp,
                vec![],
                true,
                InjectionVerdict::inconclusive("the server closed the connection after the TLS handshake"),
            ),
            (
                Protocol::Smtp,
                vec![b"250 ok"],
                false,
                InjectionVerdict::inconclusive("the server sent an incomplete line inside TLS"),
            ),
            (
                Protocol::Pop3,
                vec![b"hello\r\n"],
                false,
                InjectionVerdict::inconclusive(
                    "the server sent a line that is not a reply inside TLS: \"hello\"",
                ),
            ),
        ];
        for (protocol, chunks, close, expected) in cases {
            let mut judge = InjectionJudge::new(protocol);
            for chunk in &chunks {
                judge.handle_data(chunk);
            }
            let verdict = if close { judge.handle_close() } else { judge.handle_timeout() };
            assert_eq!(verdict, expected, "{protocol} {chunks:?}");
        }
    }

    #[test]
    fn an_endless_line_is_bounded() {
        let mut judge = InjectionJudge::new(Protocol::Smtp);
        let junk = vec![b'x'; 100];
        for _ in 0..20 {
            judge.handle_data(&junk);
        }
        assert!(matches!(judge.verdict(), Some(InjectionVerdict::Inconclusive { .. })));
    }

    #[test]
    fn the_plaintext_dialogue_decides_some_cases() {
        let mut config = Config::new(Protocol::Smtp);
        config.inject_after_starttls = true;
        let run = |server: &[u8]| {
            let mut client = StartTlsClient::new(config.clone());
            let mut out = Vec::new();
            let mut input = server;
            while !input.is_empty() && !client.is_done() {
                client.poll_transmit(&mut out);
                let used = client.handle_input(input);
                input = &input[used..];
            }
            client.into_dialogue()
        };
        let ehlo = b"220 mx\r\n250-mx\r\n250 STARTTLS\r\n".to_vec();
        let ready = [ehlo.clone(), b"220 go ahead\r\n".to_vec()].concat();
        assert_eq!(verdict_before_tls(&run(&ready)), None);
        let plain = [ready.clone(), b"250 ok\r\n\x16\x03".to_vec()].concat();
        assert_eq!(
            verdict_before_tls(&run(&plain)),
            Some(InjectionVerdict::Vulnerable { reply: "250 ok".into(), inside_tls: false })
        );
        let refused = [ehlo, b"454 4.7.0 TLS not available\r\n".to_vec()].concat();
        assert!(matches!(verdict_before_tls(&run(&refused)), Some(InjectionVerdict::Inconclusive { .. })));
    }

    #[test]
    fn a_failed_handshake_is_judged_by_the_control() {
        let closed = || InjectionVerdict::inconclusive("closed during the handshake");
        assert_eq!(
            after_failed_handshake(closed(), Ok(())),
            InjectionVerdict::NotVulnerable { refused_pipelining: true }
        );
        assert_eq!(
            after_failed_handshake(closed(), Err("no shared cipher".into())),
            InjectionVerdict::inconclusive(
                "closed during the handshake; a handshake without the injected command failed too: no shared cipher"
            )
        );
        let vulnerable = InjectionVerdict::Vulnerable { reply: "250 ok".into(), inside_tls: true };
        assert_eq!(after_failed_handshake(vulnerable.clone(), Ok(())), vulnerable);
    }

    #[test]
    fn only_a_vulnerable_verdict_is_a_finding() {
        let v = InjectionVerdict::Vulnerable { reply: "250 ok".into(), inside_tls: true };
        let finding = v.finding().unwrap();
        assert_eq!((finding.id, finding.severity), (FINDING_ID, Severity::High));
        assert!(finding.message.contains("update the mail server"), "{}", finding.message);
        assert_eq!(InjectionVerdict::NotVulnerable { refused_pipelining: false }.finding(), None);
        assert_eq!(InjectionVerdict::inconclusive("x").finding(), None);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"verdict":"vulnerable","reply":"250 ok","inside_tls":true}"#);
        assert_eq!(
            serde_json::to_string(&InjectionVerdict::NotVulnerable { refused_pipelining: true }).unwrap(),
            r#"{"verdict":"not_vulnerable","refused_pipelining":true}"#
        );
    }
}
