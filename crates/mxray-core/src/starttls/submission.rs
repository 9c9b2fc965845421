//! "Does this SMTP service require TLS before MAIL FROM and AUTH?", sans-IO: the plaintext
//! dialogue that asks, and the verdict over the server's replies.
//!
//! # What is sent
//!
//! One command at a time (never pipelined), each after the previous reply, all in
//! plaintext, no STARTTLS:
//!
//! 1. read the greeting (a `220`);
//! 2. `EHLO name`: records whether STARTTLS and AUTH (with its mechanisms) are advertised
//!    before TLS;
//! 3. `MAIL FROM:<address>` (the null reverse-path `<>` unless the caller gives a
//!    postmaster address); a `2xx` is followed by `RSET`, so no transaction stays open
//!    (AUTH is not allowed inside one, RFC 4954 section 4);
//! 4. `AUTH PLAIN` *without an initial response*: no credential ever leaves. A `334`
//!    (the server waits for credentials in plaintext) is cancelled at once with `*`
//!    (RFC 4954 section 4), whose reply (`501`) is read;
//! 5. `QUIT` (its reply is not waited for).
//!
//! AUTH is tried even when EHLO did not advertise it: a server may take credentials it
//! does not announce.
//!
//! # The verdict
//!
//! Each of MAIL and AUTH ends in a [`GateOutcome`] from its reply: `TlsRequired` (`530`
//! naming STARTTLS/TLS/encryption, as Postfix's `smtpd_tls_security_level = encrypt` sends
//! `530 5.7.0 Must issue a STARTTLS command first`, or `538` for AUTH), `Accepted` (`2xx` to
//! MAIL, `334` to AUTH), `AuthRequired` (a `530` asking for authentication, RFC 4954
//! section 6), `NotOffered` (`502`/`503`/`504` to AUTH) or `Refused` (anything else). The
//! [`SubmissionVerdict`] combines them: plaintext acceptance of either decides even when
//! the rest of the dialogue failed; otherwise a dialogue cut short (timeout, reset, close,
//! `421`, a refused greeting, a malformed reply) is inconclusive with its reason.
//!
//! # Limits
//!
//! The caps of [`Limits`]: each line at most `max_line_len` bytes, each reply
//! at most `max_reply_lines` lines, the whole dialogue at most `max_dialogue_bytes` bytes
//! from the server. Replies are quoted in the report by their first line, cut to
//! [`QUOTE_LEN`] characters.

use std::fmt;

use serde::Serialize;

use super::line::LineReader;
use super::smtp::{self, ReplyParser};
use super::{Capability, DEFAULT_CLIENT_NAME, Limits, Reply, Status, Violation};
use crate::report::{Finding, Severity};

/// The finding id of a server that asks for credentials before TLS.
pub const FINDING_PLAINTEXT_AUTH: &str = "submission.plaintext_auth";
/// The finding id of a server that advertises AUTH before TLS (without being seen to take
/// credentials in plaintext).
pub const FINDING_AUTH_ADVERTISED: &str = "submission.auth_before_tls";
/// The finding id of a submission server that opens a mail transaction in plaintext.
pub const FINDING_PLAINTEXT_MAIL: &str = "submission.plaintext_mail";
/// The finding id of an MX that refuses mail without TLS.
pub const FINDING_MX_TLS_REQUIRED: &str = "submission.mx_requires_tls";
/// The finding id of a probe that could not decide.
pub const FINDING_INCONCLUSIVE: &str = "submission.inconclusive";
/// The most characters of a reply line quoted in the report.
pub const QUOTE_LEN: usize = 120;
/// The longest reverse-path accepted from the caller (RFC 5321 4.5.3.1.3: 256 octets).
const MAX_PATH_LEN: usize = 254;

/// What the probed service is, for the severity of its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Message submission (port 587 with STARTTLS, RFC 6409): TLS should be required
    /// before MAIL and AUTH.
    Submission,
    /// A public MX (port 25): plaintext mail must be accepted (RFC 3207 section 4), so
    /// only AUTH before TLS is a finding; a TLS requirement is information.
    Mx,
}

/// How the probe talks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmissionConfig {
    /// The EHLO name (printable ASCII kept; empty becomes [`DEFAULT_CLIENT_NAME`]).
    pub client_name: String,
    /// The reverse-path of `MAIL FROM` without angle brackets (printable ASCII other than
    /// `<>` kept, at most 254 characters); empty for the null path `<>`.
    pub mail_from: String,
    /// The caps on what the server may send.
    pub limits: Limits,
}

impl Default for SubmissionConfig {
    fn default() -> Self {
        Self {
            client_name: DEFAULT_CLIENT_NAME.to_owned(),
            mail_from: String::new(),
            limits: Limits::default(),
        }
    }
}

/// A reply as the report quotes it: its code and first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplySummary {
    /// The three-digit code.
    pub code: u16,
    /// The text of its first line (after the code), control characters escaped, cut to
    /// [`QUOTE_LEN`] characters.
    pub text: String,
}

impl ReplySummary {
    fn of(reply: &Reply) -> Self {
        let code = match reply.status {
            Status::Code(code) => code,
            _ => 0,
        };
        let first = reply.lines.first().map(String::as_str).unwrap_or_default();
        Self { code, text: first.chars().take(QUOTE_LEN).collect() }
    }
}

impl fmt::Display for ReplySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

/// What one reply to MAIL or AUTH means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GateOutcome {
    /// Refused until STARTTLS (`530` naming TLS, `538`).
    TlsRequired,
    /// Accepted in plaintext (`2xx` to MAIL; `334` to AUTH: the server waits for
    /// credentials).
    Accepted,
    /// Refused until the client authenticates (`530 5.7.0 Authentication required`).
    AuthRequired,
    /// AUTH, or the mechanism, is not available (`502`, `503`, `504`).
    NotOffered,
    /// Any other refusal (`550`, `554`, …).
    Refused,
}

/// The command probed and its reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Gate {
    /// What the reply means.
    pub outcome: GateOutcome,
    /// The reply.
    pub reply: ReplySummary,
}

/// Which command a gate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    Mail,
    Auth,
}

/// What `reply` to MAIL or AUTH means.
fn classify(verb: Verb, reply: &Reply) -> GateOutcome {
    let Status::Code(code) = reply.status else { return GateOutcome::Refused };
    let text = reply.text.to_ascii_uppercase();
    let names_tls = ["STARTTLS", "TLS", "ENCRYPT", "SSL"].iter().any(|w| text.contains(w));
    match (verb, code) {
        (Verb::Mail, 200..=299) | (Verb::Auth, 334) => GateOutcome::Accepted,
        (Verb::Auth, 538) => GateOutcome::TlsRequired,
        (_, 530) if names_tls => GateOutcome::TlsRequired,
        (_, 530) => GateOutcome::AuthRequired,
        (Verb::Auth, 502..=504) => GateOutcome::NotOffered,
        // Some servers answer with another 5xx/4xx naming STARTTLS (`554 5.7.0 Must issue
        // STARTTLS first`).
        (_, 400..=599) if text.contains("STARTTLS") => GateOutcome::TlsRequired,
        _ => GateOutcome::Refused,
    }
}

/// Everything the dialogue showed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SubmissionProbe {
    /// The greeting.
    pub banner: Option<ReplySummary>,
    /// The EHLO reply.
    pub ehlo: Option<ReplySummary>,
    /// STARTTLS was advertised in the plaintext EHLO reply.
    pub starttls_advertised: bool,
    /// SASL mechanisms advertised before TLS (upper-cased; empty when none).
    pub auth_advertised: Vec<String>,
    /// The reply to `MAIL FROM` (absent when the dialogue stopped before it).
    pub mail: Option<Gate>,
    /// The reply to `RSET` after an accepted MAIL.
    pub rset: Option<ReplySummary>,
    /// The reply to `AUTH PLAIN` (absent when the dialogue stopped before it).
    pub auth: Option<Gate>,
    /// The reply to the `*` that cancelled a `334`.
    pub auth_cancel: Option<ReplySummary>,
    /// Why the dialogue stopped before it asked everything (a timeout, a reset, a `421`).
    pub stopped: Option<String>,
    /// Bytes read from the server.
    pub bytes_in: usize,
    /// Bytes sent.
    pub bytes_out: usize,
}

/// The answer to "does the service require TLS before MAIL FROM and AUTH?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
#[non_exhaustive]
pub enum SubmissionVerdict {
    /// Both MAIL and AUTH were refused until STARTTLS.
    TlsRequired,
    /// The server accepted MAIL, or asked for AUTH credentials, in plaintext.
    PlaintextAccepted {
        /// MAIL FROM got a `2xx`.
        mail: bool,
        /// AUTH PLAIN got a `334`.
        auth: bool,
    },
    /// Neither was accepted in plaintext, but not (only) for want of TLS: MAIL needs
    /// authentication, AUTH is not offered, or a refusal that names no reason.
    NotAccepted,
    /// The dialogue stopped before deciding.
    Inconclusive {
        /// Why.
        reason: String,
    },
}

impl SubmissionProbe {
    /// The verdict over the replies. Plaintext acceptance decides even when the dialogue
    /// was cut short afterwards.
    pub fn verdict(&self) -> SubmissionVerdict {
        let accepted = |g: &Option<Gate>| g.as_ref().is_some_and(|g| g.outcome == GateOutcome::Accepted);
        let (mail, auth) = (accepted(&self.mail), accepted(&self.auth));
        if mail || auth {
            return SubmissionVerdict::PlaintextAccepted { mail, auth };
        }
        if let Some(reason) = &self.stopped {
            return SubmissionVerdict::Inconclusive { reason: reason.clone() };
        }
        let (Some(m), Some(a)) = (&self.mail, &self.auth) else {
            return SubmissionVerdict::Inconclusive {
                reason: "the dialogue did not reach MAIL and AUTH".into(),
            };
        };
        if m.outcome == GateOutcome::TlsRequired && a.outcome == GateOutcome::TlsRequired {
            SubmissionVerdict::TlsRequired
        } else {
            SubmissionVerdict::NotAccepted
        }
    }

    /// The findings for a service in `role`:
    ///
    /// - `submission.plaintext_auth` (high): `334` to AUTH before TLS;
    /// - `submission.auth_before_tls` (medium): AUTH advertised before TLS, and not already
    ///   reported as taken;
    /// - `submission.plaintext_mail` (medium, submission only): MAIL accepted before TLS;
    /// - `submission.mx_requires_tls` (info, MX only): MAIL refused until STARTTLS;
    /// - `submission.inconclusive` (info): the probe could not decide.
    pub fn findings(&self, role: Role) -> Vec<Finding> {
        let mut out = Vec::new();
        let is = |g: &Option<Gate>, o: GateOutcome| g.as_ref().is_some_and(|g| g.outcome == o);
        if let Some(Gate { outcome: GateOutcome::Accepted, reply }) = &self.auth {
            out.push(Finding {
                id: FINDING_PLAINTEXT_AUTH,
                severity: Severity::High,
                message: format!(
                    "the server answered AUTH PLAIN before TLS with \"{reply}\": clients can send passwords in clear; require STARTTLS before AUTH (Postfix: smtpd_tls_auth_only = yes)"
                ),
            });
        } else if !self.auth_advertised.is_empty() {
            out.push(Finding {
                id: FINDING_AUTH_ADVERTISED,
                severity: Severity::Medium,
                message: format!(
                    "the server advertises AUTH {} before TLS: clients may send passwords in clear; offer AUTH only after STARTTLS",
                    self.auth_advertised.join(" ")
                ),
            });
        }
        match role {
            Role::Submission => {
                if let Some(Gate { outcome: GateOutcome::Accepted, reply }) = &self.mail {
                    out.push(Finding {
                        id: FINDING_PLAINTEXT_MAIL,
                        severity: Severity::Medium,
                        message: format!(
                            "the submission server accepted MAIL FROM before TLS (\"{reply}\"): messages can be submitted in clear; require STARTTLS (Postfix: smtpd_tls_security_level = encrypt)"
                        ),
                    });
                }
            }
            Role::Mx => {
                if is(&self.mail, GateOutcome::TlsRequired) {
                    out.push(Finding {
                        id: FINDING_MX_TLS_REQUIRED,
                        severity: Severity::Info,
                        message: "the MX refuses mail before STARTTLS: senders without TLS cannot deliver (RFC 3207 section 4 asks a public MX to accept them)".into(),
                    });
                }
            }
        }
        if let SubmissionVerdict::Inconclusive { reason } = self.verdict() {
            out.push(Finding {
                id: FINDING_INCONCLUSIVE,
                severity: Severity::Info,
                message: format!("whether the server requires TLS before MAIL and AUTH is unknown: {reason}"),
            });
        }
        out
    }
}

/// Where the client is in the dialogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Greeting,
    Ehlo,
    Mail,
    Rset,
    Auth,
    AuthCancel,
    Done,
}

impl Step {
    fn waiting_for(self) -> &'static str {
        match self {
            Self::Greeting => "the greeting",
            Self::Ehlo => "the reply to EHLO",
            Self::Mail => "the reply to MAIL FROM",
            Self::Rset => "the reply to RSET",
            Self::Auth => "the reply to AUTH PLAIN",
            Self::AuthCancel => "the reply to the AUTH cancellation",
            Self::Done => "nothing",
        }
    }
}

/// The probe's client, quinn-proto style: the driver drains [`Self::poll_transmit`] into
/// the socket, feeds what the server sends to [`Self::handle_input`] (which consumes at
/// most one reply, so bytes a server sends unasked stay with the driver until the next
/// command has gone out), reports a close or a failed wait with [`Self::handle_close`] or
/// [`Self::handle_failure`], and stops once [`Self::is_done`] (after a last
/// [`Self::poll_transmit`] for the QUIT). See the [module docs](self).
#[derive(Clone, Debug)]
pub struct SubmissionClient {
    config: SubmissionConfig,
    step: Step,
    reader: LineReader,
    parser: ReplyParser,
    transmit: Vec<u8>,
    probe: SubmissionProbe,
}

impl SubmissionClient {
    /// A client that waits for the greeting.
    pub fn new(config: SubmissionConfig) -> Self {
        let reader = LineReader::new(config.limits.max_line_len);
        let parser = ReplyParser::new(config.limits.max_reply_lines);
        Self {
            config,
            step: Step::Greeting,
            reader,
            parser,
            transmit: Vec::new(),
            probe: SubmissionProbe::default(),
        }
    }

    /// Moves the bytes to send next into `out` (nothing while waiting for a reply).
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) {
        self.probe.bytes_out += self.transmit.len();
        out.append(&mut self.transmit);
    }

    /// Whether the dialogue is over (a last [`Self::poll_transmit`] may hold the QUIT).
    pub fn is_done(&self) -> bool {
        self.step == Step::Done
    }

    /// What the dialogue showed so far.
    pub fn probe(&self) -> &SubmissionProbe {
        &self.probe
    }

    /// The result, once done (or whatever was learned, if the driver gives up).
    pub fn into_probe(self) -> SubmissionProbe {
        self.probe
    }

    /// Feeds bytes from the server; returns how many were consumed. Consumption stops
    /// after a complete reply (the next command must go out first) and when done.
    pub fn handle_input(&mut self, input: &[u8]) -> usize {
        let mut used = 0;
        while self.step != Step::Done && self.transmit.is_empty() {
            let Some(rest) = input.get(used..).filter(|r| !r.is_empty()) else { break };
            let budget = self.config.limits.max_dialogue_bytes.saturating_sub(self.probe.bytes_in);
            let rest = rest.get(..budget.min(rest.len())).unwrap_or_default();
            if rest.is_empty() {
                let max = self.config.limits.max_dialogue_bytes;
                self.fail(Violation::TooManyBytes { max }.to_string());
                break;
            }
            let (n, line) = match self.reader.push(rest) {
                Ok(step) => step,
                Err(violation) => {
                    self.fail(format!("the server broke the protocol: {violation}"));
                    break;
                }
            };
            used += n;
            self.probe.bytes_in += n;
            let Some(line) = line else { continue };
            match self.parser.push_line(&line.bytes) {
                Ok(None) => {}
                Ok(Some(reply)) => self.on_reply(&reply),
                Err(violation) => self.fail(format!("the server broke the protocol: {violation}")),
            }
        }
        used
    }

    /// The server closed the connection.
    pub fn handle_close(&mut self) {
        if self.step != Step::Done {
            let reason = format!(
                "the server closed the connection while mxray waited for {}",
                self.step.waiting_for()
            );
            self.fail(reason);
        }
    }

    /// A wait failed (a timeout, a reset): `reason` says how.
    pub fn handle_failure(&mut self, reason: &str) {
        if self.step != Step::Done {
            let reason = format!("while waiting for {}: {reason}", self.step.waiting_for());
            self.fail(reason);
        }
    }

    fn fail(&mut self, reason: String) {
        self.probe.stopped = Some(reason);
        self.step = Step::Done;
        self.transmit.clear();
    }

    fn send(&mut self, line: &str, next: Step) {
        self.transmit.extend_from_slice(line.as_bytes());
        self.transmit.extend_from_slice(b"\r\n");
        self.step = next;
    }

    fn finish(&mut self) {
        self.send("QUIT", Step::Done);
    }

    fn on_reply(&mut self, reply: &Reply) {
        let summary = ReplySummary::of(reply);
        if summary.code == 421 {
            self.fail(format!(
                "the server closed the session (421) in answer to {}: \"{summary}\"",
                self.step.waiting_for()
            ));
            return;
        }
        match self.step {
            Step::Greeting if summary.code == 220 => {
                self.probe.banner = Some(summary);
                let name = printable(&self.config.client_name, |c| c.is_ascii_graphic());
                let name = if name.is_empty() { DEFAULT_CLIENT_NAME.to_owned() } else { name };
                self.send(&format!("EHLO {name}"), Step::Ehlo);
            }
            Step::Greeting => {
                self.fail(format!("the server refused the session in its greeting: \"{summary}\""));
                self.probe.banner = Some(summary);
            }
            Step::Ehlo if reply.status.is_positive() => {
                let (_, caps) = smtp::parse_ehlo(reply);
                for cap in caps {
                    match cap {
                        Capability::StartTls => self.probe.starttls_advertised = true,
                        Capability::Auth(mechs) => self.probe.auth_advertised = mechs,
                        _ => {}
                    }
                }
                self.probe.ehlo = Some(summary);
                let path =
                    printable(&self.config.mail_from, |c| c.is_ascii_graphic() && c != '<' && c != '>');
                let path: String = path.chars().take(MAX_PATH_LEN).collect();
                self.send(&format!("MAIL FROM:<{path}>"), Step::Mail);
            }
            Step::Ehlo => {
                self.fail(format!("the server refused EHLO: \"{summary}\""));
                self.probe.ehlo = Some(summary);
            }
            Step::Mail => {
                let outcome = classify(Verb::Mail, reply);
                self.probe.mail = Some(Gate { outcome, reply: summary });
                if outcome == GateOutcome::Accepted {
                    self.send("RSET", Step::Rset);
                } else {
                    self.send("AUTH PLAIN", Step::Auth);
                }
            }
            Step::Rset => {
                self.probe.rset = Some(summary);
                self.send("AUTH PLAIN", Step::Auth);
            }
            Step::Auth => {
                let outcome = classify(Verb::Auth, reply);
                self.probe.auth = Some(Gate { outcome, reply: summary });
                if outcome == GateOutcome::Accepted {
                    // RFC 4954 section 4: a client cancels an exchange with a lone "*".
                    self.send("*", Step::AuthCancel);
                } else {
                    self.finish();
                }
            }
            Step::AuthCancel => {
                self.probe.auth_cancel = Some(summary);
                self.finish();
            }
            Step::Done => {}
        }
    }
}

/// `text` with only the characters `keep` allows.
fn printable(text: &str, keep: impl Fn(char) -> bool) -> String {
    text.chars().filter(|&c| keep(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the client against `replies`, one per command (the greeting first), as on a
    /// real connection; returns the probe and the client's lines.
    fn run(replies: &[&str], end: Option<&str>) -> (SubmissionProbe, Vec<String>) {
        let mut client = SubmissionClient::new(SubmissionConfig::default());
        let mut sent = Vec::new();
        for reply in replies {
            assert!(!client.is_done(), "the client finished before {reply:?}");
            let bytes = reply.as_bytes();
            let mut used = 0;
            while used < bytes.len() && !client.is_done() {
                let n = client.handle_input(&bytes[used..]);
                assert!(n > 0 || !client.is_done());
                used += n;
                let mut out = Vec::new();
                client.poll_transmit(&mut out);
                sent.extend(String::from_utf8(out).unwrap().lines().map(str::to_owned));
                if n == 0 {
                    break;
                }
            }
        }
        match end {
            Some("close") => client.handle_close(),
            Some(reason) => client.handle_failure(reason),
            None => {}
        }
        let mut out = Vec::new();
        client.poll_transmit(&mut out);
        sent.extend(String::from_utf8(out).unwrap().lines().map(str::to_owned));
        (client.into_probe(), sent)
    }

    const GREETING: &str = "220 mx.test ESMTP\r\n";
    const EHLO: &str = "250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
    const EHLO_AUTH: &str = "250-mx.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n";
    const TLS_FIRST: &str = "530 5.7.0 Must issue a STARTTLS command first\r\n";

    #[test]
    fn verdicts_over_reply_tables() {
        type Case<'a> = (&'a str, &'a [&'a str], Option<&'a str>, SubmissionVerdict);
        let plain = |mail, auth| SubmissionVerdict::PlaintextAccepted { mail, auth };
        let cases: &[Case<'_>] = &[
            (
                "postfix encrypt",
                &[GREETING, EHLO, TLS_FIRST, TLS_FIRST],
                None,
                SubmissionVerdict::TlsRequired,
            ),
            (
                "postfix may, auth only after TLS",
                &[
                    GREETING,
                    EHLO,
                    "250 2.1.0 Ok\r\n",
                    "250 2.0.0 Ok\r\n",
                    "503 5.5.1 Error: authentication not enabled\r\n",
                ],
                None,
                plain(true, false),
            ),
            (
                "plaintext auth",
                &[
                    GREETING,
                    EHLO_AUTH,
                    "530 5.7.0 Authentication required\r\n",
                    "334 \r\n",
                    "501 5.7.0 cancelled\r\n",
                ],
                None,
                plain(false, true),
            ),
            (
                "538 for auth",
                &[
                    GREETING,
                    EHLO,
                    TLS_FIRST,
                    "538 5.7.11 Encryption required for requested authentication mechanism\r\n",
                ],
                None,
                SubmissionVerdict::TlsRequired,
            ),
            (
                "auth required, auth not offered",
                &[GREETING, EHLO, "530 5.7.0 Authentication required\r\n", "504 5.5.4 Unrecognized\r\n"],
                None,
                SubmissionVerdict::NotAccepted,
            ),
            (
                "554 naming STARTTLS",
                &[
                    GREETING,
                    EHLO,
                    "554 5.7.0 Must issue STARTTLS first\r\n",
                    "554 5.7.0 Must issue STARTTLS first\r\n",
                ],
                None,
                SubmissionVerdict::TlsRequired,
            ),
            (
                "mail accepted, then a timeout",
                &[GREETING, EHLO, "250 ok\r\n"],
                Some("silent for 3s"),
                plain(true, false),
            ),
        ];
        for (name, replies, end, expected) in cases {
            let (probe, _) = run(replies, *end);
            assert_eq!(probe.verdict(), *expected, "{name}: {probe:?}");
        }
    }

    #[test]
    fn inconclusive_outcomes_say_why() {
        type Case<'a> = (&'a [&'a str], Option<&'a str>, &'a str);
        let cases: &[Case<'_>] = &[
            (&["421 4.3.2 Service shutting down\r\n"], None, "421"),
            (&["554 5.7.1 go away\r\n"], None, "refused the session"),
            (&[GREETING, "500 no\r\n"], None, "refused EHLO"),
            (
                &[GREETING, EHLO],
                Some("close"),
                "closed the connection while mxray waited for the reply to MAIL FROM",
            ),
            (&[GREETING, EHLO, TLS_FIRST], Some("reset by peer"), "reply to AUTH PLAIN: reset by peer"),
            (&[GREETING, EHLO, TLS_FIRST, "421 bye\r\n"], None, "421"),
            (&["HTTP/1.1 400 Bad Request\r\n"], None, "not a SMTP reply"),
            (&[], Some("silent"), "the greeting: silent"),
        ];
        for (replies, end, reason) in cases {
            let (probe, _) = run(replies, *end);
            match probe.verdict() {
                SubmissionVerdict::Inconclusive { reason: got } => {
                    assert!(got.contains(reason), "{got:?} lacks {reason:?}")
                }
                other => panic!("{replies:?}: {other:?}"),
            }
            assert!(probe.findings(Role::Submission).iter().any(|f| f.id == FINDING_INCONCLUSIVE));
        }
    }

    #[test]
    fn sends_one_command_at_a_time_and_never_a_credential() {
        let (probe, sent) = run(
            &[
                GREETING,
                EHLO_AUTH,
                "250 2.1.0 Ok\r\n",
                "250 2.0.0 Ok\r\n",
                "334 \r\n",
                "501 5.7.0 Authentication aborted\r\n",
            ],
            None,
        );
        assert_eq!(sent, ["EHLO mxray.invalid", "MAIL FROM:<>", "RSET", "AUTH PLAIN", "*", "QUIT"]);
        assert_eq!(probe.auth_advertised, ["PLAIN", "LOGIN"]);
        assert!(probe.starttls_advertised);
        assert_eq!(probe.auth_cancel.as_ref().map(|r| r.code), Some(501));
        let ids: Vec<_> = probe.findings(Role::Submission).iter().map(|f| f.id).collect();
        assert_eq!(ids, [FINDING_PLAINTEXT_AUTH, FINDING_PLAINTEXT_MAIL]);
        let ids: Vec<_> = probe.findings(Role::Mx).iter().map(|f| f.id).collect();
        assert_eq!(ids, [FINDING_PLAINTEXT_AUTH]);
    }

    #[test]
    fn a_reply_is_consumed_only_after_its_command_went_out() {
        let mut client = SubmissionClient::new(SubmissionConfig::default());
        let both = b"220 mx\r\n250 mx\r\n";
        let n = client.handle_input(both);
        assert_eq!(n, 8, "only the greeting");
        assert_eq!(client.handle_input(&both[n..]), 0, "EHLO not sent yet");
        let mut out = Vec::new();
        client.poll_transmit(&mut out);
        assert_eq!(out, b"EHLO mxray.invalid\r\n");
        assert_eq!(client.handle_input(&both[n..]), 8);
        assert_eq!(client.probe().ehlo.as_ref().map(|r| r.code), Some(250));
    }

    #[test]
    fn caller_addresses_are_sanitised() {
        let config = SubmissionConfig {
            client_name: "probe\r\nRCPT TO:<x>".into(),
            mail_from: "postmaster@example.org>\r\nDATA".into(),
            ..SubmissionConfig::default()
        };
        let mut client = SubmissionClient::new(config);
        let mut out = Vec::new();
        client.handle_input(GREETING.as_bytes());
        client.poll_transmit(&mut out);
        client.handle_input(EHLO.as_bytes());
        client.poll_transmit(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "EHLO probeRCPTTO:<x>\r\nMAIL FROM:<postmaster@example.orgDATA>\r\n"
        );
    }

    #[test]
    fn limits_bound_what_is_held() {
        let limits = Limits { max_line_len: 64, max_reply_lines: 5, max_dialogue_bytes: 256 };
        let config = SubmissionConfig { limits, ..SubmissionConfig::default() };
        let cases: [(Vec<u8>, &str); 2] =
            [(vec![b'2'; 10_000], "longer than 64"), (b"220-x\r\n".repeat(100), "more than 5 lines")];
        for (input, reason) in &cases {
            let mut client = SubmissionClient::new(config.clone());
            client.handle_input(input);
            assert!(client.is_done());
            let stopped = client.probe().stopped.clone().unwrap();
            assert!(stopped.contains(reason), "{stopped}");
        }
        // The dialogue byte cap: an EHLO reply of many short lines under the line cap.
        let mut client = SubmissionClient::new(SubmissionConfig {
            limits: Limits { max_reply_lines: 1000, ..limits },
            ..SubmissionConfig::default()
        });
        client.handle_input(GREETING.as_bytes());
        client.poll_transmit(&mut Vec::new());
        let endless = b"250-AAAAAAAAAAAAAAAA\r\n".repeat(50);
        let mut used = 0;
        while !client.is_done() && used < endless.len() {
            used += client.handle_input(&endless[used..]);
        }
        assert!(client.probe().stopped.as_deref().unwrap_or_default().contains("exceeds 256 bytes"));
        assert!(client.probe().bytes_in <= 256);
    }

    #[test]
    fn the_probe_serialises_with_replies() {
        let (probe, _) = run(&[GREETING, EHLO, TLS_FIRST, TLS_FIRST], None);
        let json = serde_json::to_value(&probe).unwrap();
        assert_eq!(json["mail"]["outcome"], "tls_required");
        assert_eq!(json["auth"]["reply"]["code"], 530);
        assert_eq!(json["auth"]["reply"]["text"], "5.7.0 Must issue a STARTTLS command first");
        let verdict = serde_json::to_value(probe.verdict()).unwrap();
        assert_eq!(verdict["verdict"], "tls_required");
        assert!(probe.findings(Role::Submission).is_empty());
        let (mx, _) = run(&[GREETING, EHLO, TLS_FIRST, TLS_FIRST], None);
        assert_eq!(mx.findings(Role::Mx).first().map(|f| f.id), Some(FINDING_MX_TLS_REQUIRED));
    }
}
