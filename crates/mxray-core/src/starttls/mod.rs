//! The plaintext half of STARTTLS: SMTP (and submission, RFC 3207), LMTP (RFC 2033), IMAP
//! (RFC 3501/9051), POP3 (RFC 2595/2449) and ManageSieve (RFC 5804) dialogues as sans-IO
//! machines, up to the moment the next bytes on the connection are TLS.
//!
//! Two front ends share one engine and one set of reply parsers:
//!
//! - [`StartTlsClient`] *drives* a dialogue, quinn-proto style. The driver (mxray-net)
//!   drains [`StartTlsClient::poll_transmit`] into the socket, feeds what the server sends
//!   to [`StartTlsClient::handle_input`] and reports a close with
//!   [`StartTlsClient::handle_close`], until [`StartTlsClient::is_done`]. The machine never
//!   waits and holds no clock: the driver arms the timeouts. The client never sends before
//!   the server's reply (postscreen's pre-greet test), except the deliberate command
//!   pipelined after STARTTLS by the injection probe ([`Config::inject_after_starttls`]).
//! - [`Observer`] *watches* a dialogue someone else had (the pcap analyser): it is fed the
//!   client's bytes and the server's bytes, pairs commands with replies and records the
//!   same [`Dialogue`].
//!
//! Both return from every `handle_*` call the number of bytes they consumed and never
//! consume a byte past the reply that ends the dialogue, so whatever follows a positive
//! STARTTLS reply (the TLS handshake, or plaintext a server should not have sent) stays
//! with the caller. The reply parsers ([`smtp::ReplyParser`], [`imap::ResponseParser`],
//! [`pop3::ResponseParser`], [`sieve::ResponseParser`]) and the [`line::LineReader`] work
//! on their own too.
//!
//! What a dialogue can end in is an [`Outcome`], and only a peer that breaks the protocol
//! or a limit gives [`Outcome::Malformed`]: a 421, a refused STARTTLS or a missing STARTTLS
//! capability are findings, not errors.
//!
//! # Limits
//!
//! Every count from the wire is bounded ([`Limits`], defaults below): a line may be
//! [`MAX_LINE_LEN`] bytes (RFC 5321 allows 512 in a reply line; real servers exceed that
//! with long capability lists, so lines above 512 are only recorded in
//! [`Dialogue::longest_line`], and lines above 4096 end the dialogue as malformed), a reply
//! [`MAX_REPLY_LINES`] lines (an endless `250-` stream ends with
//! [`Violation::TooManyLines`]), and the whole plaintext dialogue [`MAX_DIALOGUE_BYTES`]
//! bytes per direction. Memory held is therefore bounded by these caps, whatever the input.

pub mod imap;
pub mod injection;
pub mod line;
pub mod pop3;
pub mod sieve;
pub mod smtp;
pub mod submission;

use std::collections::VecDeque;
use std::fmt;

use serde::Serialize;
use thiserror::Error;

use self::line::{LineReader, excerpt};

/// The longest line accepted, in bytes without the line ending.
pub const MAX_LINE_LEN: usize = 4096;
/// The longest reply line RFC 5321 (section 4.5.3.1.5) allows, CR LF included.
pub const RFC5321_MAX_REPLY_LINE: usize = 512;
/// The most lines one reply may have (a real EHLO reply has about 10 to 20).
pub const MAX_REPLY_LINES: usize = 100;
/// The most plaintext bytes read (and, for the observer, seen from the client) in one
/// dialogue.
pub const MAX_DIALOGUE_BYTES: usize = 64 * 1024;
/// The most commands an observed client may have outstanding without a reply.
pub const MAX_PENDING_COMMANDS: usize = 32;
/// The most characters of a peer's line quoted in an error.
const EXCERPT_LEN: usize = 80;
/// The client name sent in EHLO/LHLO when the configuration leaves it empty.
pub const DEFAULT_CLIENT_NAME: &str = "mxray.invalid";

/// A mail protocol with a STARTTLS upgrade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Protocol {
    /// SMTP, on port 25 or submission on 587.
    Smtp,
    /// LMTP: SMTP with LHLO instead of EHLO.
    Lmtp,
    /// IMAP.
    Imap,
    /// POP3.
    Pop3,
    /// ManageSieve.
    Sieve,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Smtp => "SMTP",
            Self::Lmtp => "LMTP",
            Self::Imap => "IMAP",
            Self::Pop3 => "POP3",
            Self::Sieve => "ManageSieve",
        })
    }
}

/// The caps on what a peer may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest line, in bytes without the line ending.
    pub max_line_len: usize,
    /// The most lines in one reply.
    pub max_reply_lines: usize,
    /// The most plaintext bytes per direction.
    pub max_dialogue_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_line_len: MAX_LINE_LEN,
            max_reply_lines: MAX_REPLY_LINES,
            max_dialogue_bytes: MAX_DIALOGUE_BYTES,
        }
    }
}

/// How a [`StartTlsClient`] talks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The protocol spoken.
    pub protocol: Protocol,
    /// The name sent in EHLO/LHLO (SMTP, LMTP). Characters other than printable ASCII are
    /// dropped; an empty name becomes [`DEFAULT_CLIENT_NAME`].
    pub client_name: String,
    /// The caps on what the server may send.
    pub limits: Limits,
    /// Pipeline a NOOP in the same write as STARTTLS (`STARTTLS\r\nNOOP\r\n`) and record
    /// whether its reply comes back in plaintext ([`Dialogue::injection`]).
    pub inject_after_starttls: bool,
}

impl Config {
    /// The default configuration for `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            client_name: DEFAULT_CLIENT_NAME.to_owned(),
            limits: Limits::default(),
            inject_after_starttls: false,
        }
    }
}

/// The status of a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Status {
    /// An SMTP/LMTP reply code.
    Code(u16),
    /// IMAP or ManageSieve `OK`, POP3 `+OK`.
    Ok,
    /// IMAP or ManageSieve `NO`.
    No,
    /// IMAP `BAD`.
    Bad,
    /// IMAP or ManageSieve `BYE`: the server is closing the connection.
    Bye,
    /// IMAP `PREAUTH` greeting.
    PreAuth,
    /// POP3 `-ERR`.
    Err,
}

impl Status {
    /// A positive completion (2xx, `OK`, `+OK`).
    pub fn is_positive(self) -> bool {
        match self {
            Self::Code(code) => (200..300).contains(&code),
            Self::Ok => true,
            _ => false,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(code) => write!(f, "{code}"),
            Self::Ok => f.write_str("OK"),
            Self::No => f.write_str("NO"),
            Self::Bad => f.write_str("BAD"),
            Self::Bye => f.write_str("BYE"),
            Self::PreAuth => f.write_str("PREAUTH"),
            Self::Err => f.write_str("-ERR"),
        }
    }
}

/// One complete server reply, in the shape common to the four protocols.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reply {
    /// The reply's status.
    pub status: Status,
    /// Human-readable text: for SMTP all lines' texts joined by LF, otherwise the text
    /// after the status word of the status line (response code included for IMAP).
    pub text: String,
    /// The data lines: for SMTP the text of every line (after the code and separator), for
    /// IMAP the untagged lines without `* `, for POP3 the multi-line body (dot-unstuffed),
    /// for ManageSieve the lines before the status line.
    pub lines: Vec<String>,
}

/// A capability the server announced before TLS.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Capability {
    /// SMTP `SIZE`, with the limit when one was given and readable.
    Size(Option<u64>),
    /// SMTP `8BITMIME`.
    EightBitMime,
    /// SMTP or POP3 `PIPELINING`.
    Pipelining,
    /// SMTP `CHUNKING` (BDAT).
    Chunking,
    /// SMTP `SMTPUTF8`.
    SmtpUtf8,
    /// SMTP `REQUIRETLS` (RFC 8689).
    RequireTls,
    /// STARTTLS (POP3: `STLS`).
    StartTls,
    /// SASL mechanisms (SMTP `AUTH`, IMAP `AUTH=`, POP3 `SASL`, ManageSieve `"SASL"`),
    /// upper-cased.
    Auth(Vec<String>),
    /// SMTP `DSN`.
    Dsn,
    /// SMTP `ENHANCEDSTATUSCODES`.
    EnhancedStatusCodes,
    /// IMAP `LOGINDISABLED`: the LOGIN command is refused before TLS.
    LoginDisabled,
    /// POP3 `USER`: USER/PASS login is offered.
    User,
    /// Anything else, as the server wrote it.
    Other(String),
}

/// The capability as the server would spell it (`SIZE 10240000`, `AUTH PLAIN LOGIN`).
impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Size(Some(limit)) => write!(f, "SIZE {limit}"),
            Self::Size(None) => f.write_str("SIZE"),
            Self::EightBitMime => f.write_str("8BITMIME"),
            Self::Pipelining => f.write_str("PIPELINING"),
            Self::Chunking => f.write_str("CHUNKING"),
            Self::SmtpUtf8 => f.write_str("SMTPUTF8"),
            Self::RequireTls => f.write_str("REQUIRETLS"),
            Self::StartTls => f.write_str("STARTTLS"),
            Self::Auth(mechanisms) => write!(f, "AUTH {}", mechanisms.join(" ")),
            Self::Dsn => f.write_str("DSN"),
            Self::EnhancedStatusCodes => f.write_str("ENHANCEDSTATUSCODES"),
            Self::LoginDisabled => f.write_str("LOGINDISABLED"),
            Self::User => f.write_str("USER"),
            Self::Other(raw) => f.write_str(raw),
        }
    }
}

/// One command and the status of its reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The command (its verb, or `greeting`).
    pub command: String,
    /// The reply's status.
    pub status: Status,
}

/// The command-injection probe: a command pipelined after STARTTLS in one write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Injection {
    /// The command injected, without its line ending.
    pub command: String,
    /// The first line of a plaintext reply that followed the STARTTLS reply, if one did.
    pub plaintext_reply: Option<String>,
}

/// What a peer did that breaks the protocol or a limit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Error, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Violation {
    /// A line is longer than the cap.
    #[error("a line is longer than {max} bytes")]
    LineTooLong {
        /// The cap.
        max: usize,
    },
    /// A reply has more lines than the cap (an endless `250-` stream, for one).
    #[error("a reply has more than {max} lines")]
    TooManyLines {
        /// The cap.
        max: usize,
    },
    /// The plaintext dialogue is longer than the cap.
    #[error("the plaintext dialogue exceeds {max} bytes")]
    TooManyBytes {
        /// The cap.
        max: usize,
    },
    /// A line that cannot be a reply of the protocol (garbage, or another protocol).
    #[error("not a {protocol} reply: {line:?}")]
    NotAReply {
        /// The protocol expected.
        protocol: Protocol,
        /// The start of the line.
        line: String,
    },
    /// An observed client has too many commands without a reply.
    #[error("more than {max} commands are waiting for a reply")]
    TooManyPending {
        /// The cap.
        max: usize,
    },
}

impl Violation {
    pub(crate) fn not_a_reply(protocol: Protocol, line: &[u8]) -> Self {
        Self::NotAReply { protocol, line: excerpt(line, EXCERPT_LEN) }
    }
}

/// How a dialogue ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Outcome {
    /// The server accepted STARTTLS (220, `OK`, `+OK`): the next bytes are TLS.
    ReadyForTls,
    /// The server did not announce STARTTLS.
    StartTlsNotOffered,
    /// The server refused STARTTLS (e.g. `454 TLS not available`).
    StartTlsRefused {
        /// The reply's status.
        status: Status,
        /// The reply's text.
        text: String,
    },
    /// The server is unavailable (SMTP 421, IMAP/ManageSieve `BYE`), at any point.
    ServiceUnavailable {
        /// The reply's status.
        status: Status,
        /// The reply's text.
        text: String,
    },
    /// The server refused the session (a 554 banner, a refused EHLO, POP3 `-ERR`).
    Rejected {
        /// The reply's status.
        status: Status,
        /// The reply's text.
        text: String,
    },
    /// The IMAP server greeted with `PREAUTH`: STARTTLS is not possible any more.
    PreAuthenticated,
    /// The server closed the connection before the dialogue ended.
    Closed,
    /// The server broke the protocol or a limit.
    Malformed(Violation),
}

/// A sentence a mail administrator can act on: `the server refused STARTTLS: 454 TLS not
/// available due to temporary reason`.
impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ReadyForTls => f.write_str("STARTTLS accepted"),
            Self::StartTlsNotOffered => f.write_str("the server does not offer STARTTLS"),
            Self::StartTlsRefused { status, text } => {
                write!(f, "the server refused STARTTLS: {status} {text}")
            }
            Self::ServiceUnavailable { status, text } => {
                write!(f, "the server is unavailable: {status} {text}")
            }
            Self::Rejected { status, text } => write!(f, "the server rejected the session: {status} {text}"),
            Self::PreAuthenticated => {
                f.write_str("the IMAP server greeted with PREAUTH, so STARTTLS is impossible")
            }
            Self::Closed => f.write_str("the server closed the connection during the plaintext dialogue"),
            Self::Malformed(violation) => write!(f, "the server broke the protocol: {violation}"),
        }
    }
}

/// Everything the plaintext dialogue revealed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dialogue {
    /// The protocol spoken.
    pub protocol: Protocol,
    /// The greeting's text (ManageSieve: the `IMPLEMENTATION` capability).
    pub banner: Option<String>,
    /// SMTP/LMTP: the first line of the EHLO/LHLO reply (the server's name and greeting).
    pub hello: Option<String>,
    /// Every command and the status of its reply, in order.
    pub exchanges: Vec<Exchange>,
    /// The capabilities announced before TLS (the last list seen).
    pub capabilities: Vec<Capability>,
    /// The server announced STARTTLS (POP3: STLS).
    pub starttls_offered: bool,
    /// SASL mechanisms offered before TLS, where credentials would cross in clear.
    pub auth_before_tls: Vec<String>,
    /// IMAP: whether `LOGINDISABLED` was announced (`None` for other protocols or when no
    /// capability list was seen).
    pub login_disabled: Option<bool>,
    /// POP3: whether `USER` was announced before STLS.
    pub user_before_tls: Option<bool>,
    /// The command-injection probe, when configured.
    pub injection: Option<Injection>,
    /// Some line ended with a bare LF instead of CR LF.
    pub bare_lf: bool,
    /// The longest server line, in bytes without the line ending (above
    /// [`RFC5321_MAX_REPLY_LINE`] minus 2 breaks RFC 5321 for SMTP).
    pub longest_line: usize,
    /// Plaintext bytes consumed from the server.
    pub bytes_in: usize,
    /// Plaintext bytes the client sent (or, observed, that were seen from the client).
    pub bytes_out: usize,
    /// How the dialogue ended; `None` while it runs or if it was cut short.
    pub outcome: Option<Outcome>,
}

impl Dialogue {
    /// An empty record for `protocol`.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            banner: None,
            hello: None,
            exchanges: Vec::new(),
            capabilities: Vec::new(),
            starttls_offered: false,
            auth_before_tls: Vec::new(),
            login_disabled: None,
            user_before_tls: None,
            injection: None,
            bare_lf: false,
            longest_line: 0,
            bytes_in: 0,
            bytes_out: 0,
            outcome: None,
        }
    }

    /// Replaces the capability list and the facts derived from it.
    pub(crate) fn set_capabilities(&mut self, caps: Vec<Capability>) {
        self.starttls_offered = caps.contains(&Capability::StartTls);
        let mut mechs: Vec<String> = Vec::new();
        for cap in &caps {
            if let Capability::Auth(list) = cap {
                for m in list {
                    if !mechs.contains(m) {
                        mechs.push(m.clone());
                    }
                }
            }
        }
        self.auth_before_tls = mechs;
        match self.protocol {
            Protocol::Imap => self.login_disabled = Some(caps.contains(&Capability::LoginDisabled)),
            Protocol::Pop3 => self.user_before_tls = Some(caps.contains(&Capability::User)),
            _ => {}
        }
        self.capabilities = caps;
    }
}

/// What a command is, as far as the dialogue is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// The server's greeting (no command was sent).
    Greeting,
    /// EHLO, LHLO (or HELO when observed).
    Hello,
    /// IMAP and ManageSieve CAPABILITY, POP3 CAPA.
    Capability,
    /// STARTTLS, POP3 STLS.
    StartTls,
    /// Anything else (observed only).
    Other,
}

/// A command waiting for its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pending {
    pub(crate) command: Command,
    /// The IMAP tag (empty for the other protocols and for the greeting).
    pub(crate) tag: String,
    /// The verb as recorded in [`Exchange::command`].
    pub(crate) name: String,
}

impl Pending {
    pub(crate) fn new(command: Command, tag: &str, name: &str) -> Self {
        Self { command, tag: tag.to_owned(), name: name.to_owned() }
    }
}

/// What a reply means for the dialogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send this command (a driving client only).
    Send(Command),
    /// The dialogue is over.
    Finish(Outcome),
    /// Wait for the next reply.
    Wait,
}

/// The reply parser of the protocol spoken.
#[derive(Clone, Debug)]
enum Parser {
    Smtp(smtp::ReplyParser),
    Imap(imap::ResponseParser),
    Pop3(pop3::ResponseParser),
    Sieve(sieve::ResponseParser),
}

impl Parser {
    fn new(protocol: Protocol, pending: &Pending, max_lines: usize) -> Self {
        match protocol {
            Protocol::Smtp | Protocol::Lmtp => Self::Smtp(smtp::ReplyParser::new(max_lines)),
            Protocol::Imap => Self::Imap(if pending.command == Command::Greeting {
                imap::ResponseParser::greeting(max_lines)
            } else {
                imap::ResponseParser::tagged(&pending.tag, max_lines)
            }),
            Protocol::Pop3 => {
                Self::Pop3(pop3::ResponseParser::new(pending.command == Command::Capability, max_lines))
            }
            Protocol::Sieve => Self::Sieve(sieve::ResponseParser::new(max_lines)),
        }
    }

    fn push_line(&mut self, line: &[u8]) -> Result<Option<Reply>, Violation> {
        match self {
            Self::Smtp(p) => p.push_line(line),
            Self::Imap(p) => p.push_line(line),
            Self::Pop3(p) => p.push_line(line),
            Self::Sieve(p) => p.push_line(line),
        }
    }
}

/// The engine both front ends share: server lines in, replies paired with commands.
#[derive(Clone, Debug)]
struct Engine {
    protocol: Protocol,
    limits: Limits,
    lines: LineReader,
    parser: Option<Parser>,
    pending: VecDeque<Pending>,
    dialogue: Dialogue,
}

impl Engine {
    fn new(protocol: Protocol, limits: Limits) -> Self {
        let mut pending = VecDeque::new();
        pending.push_back(Pending::new(Command::Greeting, "", "greeting"));
        Self {
            protocol,
            limits,
            lines: LineReader::new(limits.max_line_len),
            parser: None,
            pending,
            dialogue: Dialogue::new(protocol),
        }
    }

    fn is_done(&self) -> bool {
        self.dialogue.outcome.is_some()
    }

    fn fail(&mut self, violation: Violation) {
        self.dialogue.outcome = Some(Outcome::Malformed(violation));
    }

    /// Consumes server bytes until a reply is complete (returned with its command), the
    /// input is used up, or nothing is expected. Returns the bytes consumed.
    fn next_reply(&mut self, input: &[u8]) -> (usize, Option<(Pending, Reply)>) {
        let mut used = 0;
        while !self.is_done() && used < input.len() {
            let Some(front) = self.pending.front() else { break };
            let parser = self
                .parser
                .get_or_insert_with(|| Parser::new(self.protocol, front, self.limits.max_reply_lines));
            let rest = input.get(used..).unwrap_or_default();
            let (n, line) = match self.lines.push(rest) {
                Ok(step) => step,
                Err(v) => {
                    self.fail(v);
                    break;
                }
            };
            used += n;
            self.dialogue.bytes_in += n;
            if self.dialogue.bytes_in > self.limits.max_dialogue_bytes {
                self.fail(Violation::TooManyBytes { max: self.limits.max_dialogue_bytes });
                break;
            }
            let Some(line) = line else { continue };
            self.dialogue.bare_lf |= line.bare_lf;
            self.dialogue.longest_line = self.dialogue.longest_line.max(line.bytes.len());
            match parser.push_line(&line.bytes) {
                Err(v) => {
                    self.fail(v);
                    break;
                }
                Ok(None) => {}
                Ok(Some(reply)) => {
                    self.parser = None;
                    let Some(pending) = self.pending.pop_front() else { break };
                    self.dialogue
                        .exchanges
                        .push(Exchange { command: pending.name.clone(), status: reply.status });
                    return (used, Some((pending, reply)));
                }
            }
        }
        (used, None)
    }

    fn interpret(&mut self, pending: &Pending, reply: &Reply) -> Next {
        let d = &mut self.dialogue;
        match self.protocol {
            Protocol::Smtp | Protocol::Lmtp => smtp::interpret(pending.command, reply, d),
            Protocol::Imap => imap::interpret(pending.command, reply, d),
            Protocol::Pop3 => pop3::interpret(pending.command, reply, d),
            Protocol::Sieve => sieve::interpret(pending.command, reply, d),
        }
    }
}

/// A STARTTLS dialogue driven from the client side. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct StartTlsClient {
    engine: Engine,
    config: Config,
    transmit: Vec<u8>,
}

impl StartTlsClient {
    /// A client that waits for the server's greeting.
    pub fn new(config: Config) -> Self {
        Self { engine: Engine::new(config.protocol, config.limits), config, transmit: Vec::new() }
    }

    /// Appends the bytes to send now to `out`; returns whether there were any. Call it
    /// after every `handle_*` (and once more after [`Self::is_done`]: a polite goodbye
    /// may be waiting, which the driver may send without reading the answer).
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        if self.transmit.is_empty() {
            return false;
        }
        self.engine.dialogue.bytes_out += self.transmit.len();
        out.append(&mut self.transmit);
        true
    }

    /// Feeds bytes from the server; returns how many were consumed. Fewer than
    /// `input.len()` are consumed only when the dialogue ended: the rest is not plaintext
    /// of this dialogue (after [`Outcome::ReadyForTls`] it should be TLS).
    pub fn handle_input(&mut self, input: &[u8]) -> usize {
        let mut used = 0;
        while !self.engine.is_done() {
            let rest = input.get(used..).unwrap_or_default();
            let (n, reply) = self.engine.next_reply(rest);
            used += n;
            let Some((pending, reply)) = reply else { break };
            match self.engine.interpret(&pending, &reply) {
                Next::Wait => {}
                Next::Send(command) => self.send(command),
                Next::Finish(outcome) => self.finish(outcome, input.get(used..).unwrap_or_default()),
            }
        }
        used
    }

    /// The server closed the connection (or reset it).
    pub fn handle_close(&mut self) {
        if !self.engine.is_done() {
            self.engine.dialogue.outcome = Some(Outcome::Closed);
        }
    }

    /// Whether the dialogue is over (an outcome is in [`Self::dialogue`]).
    pub fn is_done(&self) -> bool {
        self.engine.is_done()
    }

    /// What the dialogue revealed so far.
    pub fn dialogue(&self) -> &Dialogue {
        &self.engine.dialogue
    }

    /// The record of the dialogue.
    pub fn into_dialogue(self) -> Dialogue {
        self.engine.dialogue
    }

    /// Looks at bytes the server sent after a positive STARTTLS reply: when the injection
    /// probe is on and they begin with a complete plaintext reply line, records it in
    /// [`Injection::plaintext_reply`]. [`Self::handle_input`] does this with the rest of
    /// its input; a driver may call it again with bytes read later.
    pub fn observe_after_starttls(&mut self, bytes: &[u8]) {
        if self.engine.dialogue.outcome != Some(Outcome::ReadyForTls) {
            return;
        }
        let Some(injection) = self.engine.dialogue.injection.as_mut() else { return };
        if injection.plaintext_reply.is_some() {
            return;
        }
        let mut reader = LineReader::new(self.config.limits.max_line_len);
        let Ok((_, Some(line))) = reader.push(bytes) else { return };
        let plain = match self.config.protocol {
            Protocol::Smtp | Protocol::Lmtp => smtp::parse_line(&line.bytes).is_some(),
            Protocol::Imap => imap::parse_line(&line.bytes).is_some(),
            Protocol::Pop3 => pop3::parse_status(&line.bytes).is_some(),
            Protocol::Sieve => sieve::parse_status(&line.bytes).is_some(),
        };
        if plain {
            injection.plaintext_reply = Some(excerpt(&line.bytes, EXCERPT_LEN));
        }
    }

    fn send(&mut self, command: Command) {
        let protocol = self.config.protocol;
        let (pending, bytes) = match (protocol, command) {
            (Protocol::Smtp | Protocol::Lmtp, Command::Hello) => {
                let verb = if protocol == Protocol::Lmtp { "LHLO" } else { "EHLO" };
                let name = sanitize_name(&self.config.client_name);
                (Pending::new(command, "", verb), format!("{verb} {name}\r\n"))
            }
            (Protocol::Imap, Command::Capability) => {
                (Pending::new(command, "a", "CAPABILITY"), "a CAPABILITY\r\n".to_owned())
            }
            (Protocol::Imap, Command::StartTls) => {
                (Pending::new(command, "b", "STARTTLS"), "b STARTTLS\r\n".to_owned())
            }
            (Protocol::Pop3, Command::Capability) => {
                (Pending::new(command, "", "CAPA"), "CAPA\r\n".to_owned())
            }
            (Protocol::Pop3, Command::StartTls) => (Pending::new(command, "", "STLS"), "STLS\r\n".to_owned()),
            (Protocol::Sieve, Command::Capability) => {
                (Pending::new(command, "", "CAPABILITY"), "CAPABILITY\r\n".to_owned())
            }
            (_, Command::StartTls) => (Pending::new(command, "", "STARTTLS"), "STARTTLS\r\n".to_owned()),
            // The interpreters ask only for the commands above.
            (_, _) => return,
        };
        self.transmit.extend_from_slice(bytes.as_bytes());
        if command == Command::StartTls && self.config.inject_after_starttls {
            let injected = injection::injected_command(protocol);
            self.transmit.extend_from_slice(injected.as_bytes());
            self.transmit.extend_from_slice(b"\r\n");
            self.engine.dialogue.injection =
                Some(Injection { command: injected.to_owned(), plaintext_reply: None });
        }
        self.engine.pending.push_back(pending);
    }

    fn finish(&mut self, outcome: Outcome, rest: &[u8]) {
        let goodbye = matches!(
            outcome,
            Outcome::StartTlsNotOffered
                | Outcome::StartTlsRefused { .. }
                | Outcome::Rejected { .. }
                | Outcome::PreAuthenticated
        );
        self.engine.dialogue.outcome = Some(outcome);
        if goodbye {
            let bye: &[u8] = match self.config.protocol {
                Protocol::Imap => b"z LOGOUT\r\n",
                Protocol::Sieve => b"LOGOUT\r\n",
                _ => b"QUIT\r\n",
            };
            self.transmit.extend_from_slice(bye);
        }
        self.observe_after_starttls(rest);
    }
}

/// The EHLO argument: printable ASCII only, never empty.
fn sanitize_name(name: &str) -> String {
    let clean: String = name.chars().filter(|c| c.is_ascii_graphic()).collect();
    if clean.is_empty() { DEFAULT_CLIENT_NAME.to_owned() } else { clean }
}

/// A STARTTLS dialogue watched from outside (a capture): fed both directions, it records
/// the same [`Dialogue`] a [`StartTlsClient`] would. See the [module docs](self).
///
/// Feed the two directions in the order they happened, as far as it is known: a server
/// reply is only consumed once the command it answers has been seen, so
/// [`Self::observe_server`] consumes nothing while no command is outstanding and the
/// caller keeps the bytes for later.
#[derive(Clone, Debug)]
pub struct Observer {
    engine: Engine,
    client_lines: LineReader,
    client_done: bool,
}

impl Observer {
    /// An observer of a dialogue in `protocol`, with `limits` on both directions.
    pub fn new(protocol: Protocol, limits: Limits) -> Self {
        Self {
            engine: Engine::new(protocol, limits),
            client_lines: LineReader::new(limits.max_line_len),
            client_done: false,
        }
    }

    /// Feeds bytes the client sent; returns how many were consumed. Consumption stops
    /// after the client's STARTTLS line (its next bytes are TLS) or when the dialogue ends.
    pub fn observe_client(&mut self, input: &[u8]) -> usize {
        let mut used = 0;
        while !self.client_done && !self.engine.is_done() && used < input.len() {
            let rest = input.get(used..).unwrap_or_default();
            let (n, line) = match self.client_lines.push(rest) {
                Ok(step) => step,
                Err(v) => {
                    self.engine.fail(v);
                    break;
                }
            };
            used += n;
            self.engine.dialogue.bytes_out += n;
            let max = self.engine.limits.max_dialogue_bytes;
            if self.engine.dialogue.bytes_out > max {
                self.engine.fail(Violation::TooManyBytes { max });
                break;
            }
            let Some(line) = line else { continue };
            let pending = match self.engine.protocol {
                Protocol::Smtp | Protocol::Lmtp => smtp::classify_command(&line.bytes),
                Protocol::Imap => imap::classify_command(&line.bytes),
                Protocol::Pop3 => pop3::classify_command(&line.bytes),
                Protocol::Sieve => sieve::classify_command(&line.bytes),
            };
            if self.engine.pending.len() >= MAX_PENDING_COMMANDS {
                self.engine.fail(Violation::TooManyPending { max: MAX_PENDING_COMMANDS });
                break;
            }
            self.client_done = pending.command == Command::StartTls;
            self.engine.pending.push_back(pending);
        }
        used
    }

    /// Feeds bytes the server sent; returns how many were consumed (see the type's docs).
    pub fn observe_server(&mut self, input: &[u8]) -> usize {
        let mut used = 0;
        while !self.engine.is_done() {
            let rest = input.get(used..).unwrap_or_default();
            let (n, reply) = self.engine.next_reply(rest);
            used += n;
            let Some((pending, reply)) = reply else { break };
            match self.engine.interpret(&pending, &reply) {
                // The client may go on without STARTTLS, or try it anyway.
                Next::Wait | Next::Send(_) | Next::Finish(Outcome::StartTlsNotOffered) => {}
                Next::Finish(outcome) => self.engine.dialogue.outcome = Some(outcome),
            }
        }
        used
    }

    /// Whether the dialogue is over.
    pub fn is_done(&self) -> bool {
        self.engine.is_done()
    }

    /// What was seen so far.
    pub fn dialogue(&self) -> &Dialogue {
        &self.engine.dialogue
    }

    /// The record of the dialogue once the capture ends: an unfinished dialogue ends as
    /// [`Outcome::StartTlsNotOffered`] if the server never announced STARTTLS, otherwise
    /// as [`Outcome::Closed`].
    pub fn finish(self) -> Dialogue {
        let mut d = self.engine.dialogue;
        if d.outcome.is_none() {
            let greeted = d.exchanges.iter().any(|e| e.command != "greeting");
            d.outcome = Some(if greeted && !d.starttls_offered {
                Outcome::StartTlsNotOffered
            } else {
                Outcome::Closed
            });
        }
        d
    }
}

#[cfg(test)]
mod tests;
