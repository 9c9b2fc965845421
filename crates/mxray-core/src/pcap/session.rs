//! What one connection says: the application protocol (from the first bytes each side
//! sends), the plaintext mail dialogue read by the core's STARTTLS [`Observer`], and the
//! TLS handshake read by the wire layer's [`HandshakeReader`] and message decoders.
//!
//! TLS records are framed here, by their five-byte header, rather than with the wire
//! layer's `RecordReader`: that reader copies every record into its buffer, and a capture
//! is mostly application data that must be skipped without being copied. Once a direction
//! has said everything the analysis needs (the ClientHello; the server's flight up to
//! ServerHelloDone, or its TLS 1.3 ServerHello), it is marked done and its later bytes are
//! not even reassembled.

use crate::starttls::{Capability, Dialogue, Limits, Observer, Outcome, Protocol};
use crate::wire::alert::Alert;
use crate::wire::certificate::Certificate;
use crate::wire::client_hello::ClientHello;
use crate::wire::codec::Codec;
use crate::wire::handshake::{HandshakeReader, HandshakeType};
use crate::wire::record::MAX_TLS12_CIPHERTEXT_LEN;
use crate::wire::server_hello::ServerHello;

use super::report::{AppProtocol, StartTls, StartTlsStatus};

/// The most bytes of one direction kept while the protocol is being recognised or a
/// plaintext line is incomplete.
pub const MAX_PLAINTEXT_BUFFER: usize = 64 * 1024;
/// The largest handshake message read (a certificate chain is rarely above 16 KiB).
pub const MAX_HANDSHAKE_MESSAGE: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No payload yet, or not enough to recognise the protocol.
    Detect,
    /// A plaintext mail dialogue.
    Plain,
    /// TLS records.
    Tls,
    /// Nothing more to learn.
    Done,
}

/// The TLS facts of a connection, as decoded.
#[derive(Debug, Default)]
pub(crate) struct TlsFacts {
    pub client_hello: Option<ClientHello>,
    pub server_hello: Option<ServerHello>,
    pub hello_retry: bool,
    pub certificates: Vec<Vec<u8>>,
    pub alert: Option<String>,
    pub errors: Vec<String>,
}

/// One direction of TLS records.
#[derive(Debug)]
struct TlsDirection {
    header: [u8; 5],
    header_len: usize,
    /// Bytes left of the current record's body.
    remaining: usize,
    content: u8,
    alert: [u8; 2],
    alert_len: usize,
    handshake: HandshakeReader,
    /// Bytes pushed into the handshake reader since its last complete message.
    handshake_buffered: usize,
    /// A ChangeCipherSpec was seen: what follows is encrypted.
    encrypted: bool,
    done: bool,
}

impl TlsDirection {
    fn new() -> Self {
        Self {
            header: [0; 5],
            header_len: 0,
            remaining: 0,
            content: 0,
            alert: [0; 2],
            alert_len: 0,
            handshake: HandshakeReader::with_max_message_len(MAX_HANDSHAKE_MESSAGE),
            handshake_buffered: 0,
            encrypted: false,
            done: false,
        }
    }
}

/// The analysis of one connection.
#[derive(Debug)]
pub(crate) struct Session {
    phase: Phase,
    pub protocol: AppProtocol,
    pub implicit_tls: bool,
    client_buf: Vec<u8>,
    server_buf: Vec<u8>,
    observer: Option<Observer>,
    dialogue: Option<Dialogue>,
    plaintext_command: Option<String>,
    /// The client sent STARTTLS: its next bytes are TLS, not lines.
    client_asked_tls: bool,
    tls_client: TlsDirection,
    tls_server: TlsDirection,
    pub tls: Option<TlsFacts>,
    pub notes: Vec<String>,
}

impl Session {
    pub(crate) fn new() -> Self {
        Self {
            phase: Phase::Detect,
            protocol: AppProtocol::Unknown,
            implicit_tls: false,
            client_buf: Vec::new(),
            server_buf: Vec::new(),
            observer: None,
            dialogue: None,
            plaintext_command: None,
            client_asked_tls: false,
            tls_client: TlsDirection::new(),
            tls_server: TlsDirection::new(),
            tls: None,
            notes: Vec::new(),
        }
    }

    /// Whether bytes from this side still matter.
    pub(crate) fn wants(&self, from_client: bool) -> bool {
        match self.phase {
            Phase::Done => false,
            Phase::Tls => !if from_client { self.tls_client.done } else { self.tls_server.done },
            Phase::Detect | Phase::Plain => true,
        }
    }

    /// Bytes this session holds or has recorded, for the analyser's memory cap.
    pub(crate) fn memory(&self) -> usize {
        let dialogue = self.observer.as_ref().map_or(0, |o| o.dialogue().bytes_in + o.dialogue().bytes_out);
        self.client_buf.len()
            + self.server_buf.len()
            + self.tls_client.handshake_buffered
            + self.tls_server.handshake_buffered
            + dialogue
    }

    /// Stops the analysis of this connection, freeing its buffers.
    pub(crate) fn abandon(&mut self, note: String) {
        self.notes.push(note);
        self.end_plain();
        self.phase = Phase::Done;
        self.client_buf = Vec::new();
        self.server_buf = Vec::new();
        self.tls_client = TlsDirection::new();
        self.tls_server = TlsDirection::new();
    }

    /// Bytes of the stream were never captured.
    pub(crate) fn on_gap(&mut self, from_client: bool, len: u64) {
        if self.phase == Phase::Done || !self.wants(from_client) {
            return;
        }
        let side = if from_client { "client" } else { "server" };
        self.abandon(format!("{len} bytes from the {side} were not captured; the analysis stops there"));
    }

    /// The next bytes from one side.
    pub(crate) fn on_data(&mut self, from_client: bool, data: &[u8]) {
        match self.phase {
            Phase::Done => {}
            Phase::Tls => self.tls_data(from_client, data),
            Phase::Detect | Phase::Plain => {
                let buf = if from_client { &mut self.client_buf } else { &mut self.server_buf };
                if buf.len() + data.len() > MAX_PLAINTEXT_BUFFER {
                    self.abandon(format!(
                        "more than {MAX_PLAINTEXT_BUFFER} bytes of plaintext without a complete line or reply"
                    ));
                    return;
                }
                buf.extend_from_slice(data);
                if self.phase == Phase::Detect {
                    self.detect();
                }
                if self.phase == Phase::Plain {
                    self.plain();
                }
            }
        }
    }

    /// Recognises the protocol from the first bytes.
    fn detect(&mut self) {
        if looks_like_tls(&self.client_buf) || looks_like_tls(&self.server_buf) {
            self.protocol = AppProtocol::Tls;
            self.implicit_tls = true;
            self.start_tls();
            return;
        }
        let server = self.server_buf.as_slice();
        if server.len() < 4 && !server.contains(&b'\n') {
            if self.client_buf.len() >= 16 {
                self.abandon(
                    "the client spoke first, and not TLS: not a mail protocol this analysis reads".into(),
                );
            }
            return;
        }
        let protocol = if server.starts_with(b"220") {
            Protocol::Smtp
        } else if server.starts_with(b"* OK")
            || server.starts_with(b"* PREAUTH")
            || server.starts_with(b"* BYE")
        {
            Protocol::Imap
        } else if server.starts_with(b"+OK") || server.starts_with(b"-ERR") {
            Protocol::Pop3
        } else if server.starts_with(b"\"") {
            Protocol::Sieve
        } else {
            self.phase = Phase::Done;
            self.client_buf = Vec::new();
            self.server_buf = Vec::new();
            return;
        };
        self.protocol = match protocol {
            Protocol::Imap => AppProtocol::Imap,
            Protocol::Pop3 => AppProtocol::Pop3,
            Protocol::Sieve => AppProtocol::Sieve,
            _ => AppProtocol::Smtp,
        };
        self.observer = Some(Observer::new(protocol, Limits::default()));
        self.phase = Phase::Plain;
    }

    /// Feeds the observer, line by line for the client so that a command that leaves the
    /// dialogue (MAIL, LOGIN, USER, …) is seen before the observer takes it.
    fn plain(&mut self) {
        let Some(observer) = self.observer.as_mut() else { return };
        loop {
            let mut progress = false;
            if !self.client_buf.is_empty() && !observer.is_done() && !self.client_asked_tls {
                // Whole lines only: the verb of a line split across segments is read once.
                if let Some(end) = self.client_buf.iter().position(|&b| b == b'\n').map(|i| i + 1) {
                    let line = &self.client_buf[..end];
                    let protocol = observer.dialogue().protocol;
                    let verb = verb(protocol, line);
                    if leaves_dialogue(protocol, &verb) {
                        self.plaintext_command = Some(verb.chars().take(16).collect());
                        self.end_plain();
                        self.phase = Phase::Done;
                        return;
                    }
                    self.client_asked_tls = verb == "STARTTLS" || verb == "STLS";
                    let n = observer.observe_client(line);
                    self.client_buf.drain(..n);
                    progress |= n > 0;
                }
            }
            if !self.server_buf.is_empty() && !observer.is_done() {
                let n = observer.observe_server(&self.server_buf);
                self.server_buf.drain(..n);
                progress |= n > 0;
            }
            if observer.is_done() {
                if observer.dialogue().outcome == Some(Outcome::ReadyForTls) {
                    self.end_plain();
                    self.start_tls();
                } else {
                    self.end_plain();
                    self.phase = Phase::Done;
                }
                return;
            }
            if !progress {
                return;
            }
        }
    }

    /// Moves the observer's record into `dialogue`.
    fn end_plain(&mut self) {
        if let Some(observer) = self.observer.take() {
            self.dialogue = Some(observer.finish());
        }
    }

    /// Switches to TLS and feeds what each side had buffered.
    fn start_tls(&mut self) {
        self.phase = Phase::Tls;
        self.tls = Some(TlsFacts::default());
        let client = std::mem::take(&mut self.client_buf);
        let server = std::mem::take(&mut self.server_buf);
        self.tls_data(true, &client);
        if self.phase == Phase::Tls {
            self.tls_data(false, &server);
        }
    }

    /// TLS records from one side.
    fn tls_data(&mut self, from_client: bool, mut data: &[u8]) {
        while !data.is_empty() {
            let dir = if from_client { &mut self.tls_client } else { &mut self.tls_server };
            if dir.done {
                break;
            }
            if dir.remaining == 0 {
                let take = (5 - dir.header_len).min(data.len());
                dir.header[dir.header_len..dir.header_len + take].copy_from_slice(&data[..take]);
                dir.header_len += take;
                data = &data[take..];
                if dir.header_len < 5 {
                    break;
                }
                dir.header_len = 0;
                let [content, major, _, hi, lo] = dir.header;
                let len = usize::from(u16::from_be_bytes([hi, lo]));
                if !(20..=24).contains(&content) || major != 3 || len > MAX_TLS12_CIPHERTEXT_LEN {
                    let what = if content & 0x80 != 0 && !from_client {
                        "an SSL 2.0 record"
                    } else if content & 0x80 != 0 {
                        "an SSL 2.0-format ClientHello (not decoded)"
                    } else {
                        "bytes that are not a TLS record"
                    };
                    self.tls_error(from_client, format!("{}: {what}", side(from_client)));
                    continue;
                }
                dir.content = content;
                dir.remaining = len;
                dir.alert_len = 0;
                if content == 23 {
                    // Application data: the handshake is over in this direction.
                    dir.done = true;
                }
                continue;
            }
            let n = dir.remaining.min(data.len());
            let (body, rest) = data.split_at(n);
            data = rest;
            dir.remaining -= n;
            match dir.content {
                22 if !dir.encrypted => {
                    dir.handshake.push(body);
                    dir.handshake_buffered += body.len();
                    self.handshake_messages(from_client);
                }
                21 if !dir.encrypted => {
                    let take = (2 - dir.alert_len).min(body.len());
                    dir.alert[dir.alert_len..dir.alert_len + take].copy_from_slice(&body[..take]);
                    dir.alert_len += take;
                    if dir.alert_len == 2 && dir.remaining == 0 {
                        let alert = match Alert::parse(&dir.alert) {
                            Ok(a) => format!("{} from the {}", alert_text(&a), side(from_client)),
                            Err(_) => format!("an unreadable alert from the {}", side(from_client)),
                        };
                        if let Some(tls) = self.tls.as_mut()
                            && tls.alert.is_none()
                        {
                            tls.alert = Some(alert);
                        }
                    }
                }
                20 if dir.remaining == 0 => {
                    dir.encrypted = true;
                    if !from_client {
                        dir.done = true;
                    }
                }
                _ => {}
            }
        }
        if self.tls_client.done && self.tls_server.done {
            self.phase = Phase::Done;
            self.tls_client = TlsDirection::new();
            self.tls_server = TlsDirection::new();
            self.tls_client.done = true;
            self.tls_server.done = true;
        }
    }

    /// Decodes the handshake messages completed so far.
    fn handshake_messages(&mut self, from_client: bool) {
        loop {
            let dir = if from_client { &mut self.tls_client } else { &mut self.tls_server };
            if dir.done {
                return;
            }
            let message = match dir.handshake.next_message() {
                None => return,
                Some(Ok(m)) => m,
                Some(Err(e)) => {
                    self.tls_error(from_client, format!("{} handshake: {e}", side(from_client)));
                    return;
                }
            };
            dir.handshake_buffered = 0;
            let Some(tls) = self.tls.as_mut() else { return };
            match (from_client, message.typ) {
                (true, HandshakeType::CLIENT_HELLO) => {
                    match ClientHello::parse(&message.body) {
                        Ok(hello) => tls.client_hello = Some(hello),
                        Err(e) => tls.errors.push(format!("ClientHello: {e}")),
                    }
                    self.tls_client.done = true;
                }
                (false, HandshakeType::SERVER_HELLO) => match ServerHello::parse(&message.body) {
                    Ok(hello) if hello.is_hello_retry_request() => tls.hello_retry = true,
                    Ok(hello) => {
                        let tls13 = hello.supported_version().is_some_and(|v| v.is_ok_and(|v| v.0 == 0x0304));
                        tls.server_hello = Some(hello);
                        if tls13 {
                            self.tls_server.done = true;
                        }
                    }
                    Err(e) => {
                        tls.errors.push(format!("ServerHello: {e}"));
                        self.tls_server.done = true;
                    }
                },
                (false, HandshakeType::CERTIFICATE) => match Certificate::parse(&message.body) {
                    Ok(chain) => tls.certificates = chain.certificate_list,
                    Err(e) => tls.errors.push(format!("Certificate: {e}")),
                },
                (false, HandshakeType::SERVER_HELLO_DONE) => self.tls_server.done = true,
                _ => {}
            }
        }
    }

    fn tls_error(&mut self, from_client: bool, error: String) {
        if let Some(tls) = self.tls.as_mut() {
            tls.errors.push(error);
        }
        let dir = if from_client { &mut self.tls_client } else { &mut self.tls_server };
        dir.done = true;
    }

    /// The connection's STARTTLS verdict and dialogue, at the end of the capture.
    pub(crate) fn finish(&mut self) -> (Option<StartTls>, Option<Dialogue>) {
        self.end_plain();
        let Some(dialogue) = self.dialogue.take() else { return (None, None) };
        let used = dialogue.outcome == Some(Outcome::ReadyForTls);
        // A server that accepts STARTTLS offers it, even when the client never asked for
        // the capability list (openssl s_client sends STLS straight away).
        let offered = dialogue.starttls_offered || used;
        let greeted = dialogue.exchanges.iter().any(|e| e.command != "greeting");
        let status = match &dialogue.outcome {
            Some(Outcome::ReadyForTls) => StartTlsStatus::Used,
            Some(Outcome::StartTlsRefused { .. }) => StartTlsStatus::Refused,
            Some(Outcome::StartTlsNotOffered | Outcome::PreAuthenticated) => StartTlsStatus::NotOffered,
            _ if self.plaintext_command.is_some() || greeted => {
                if offered {
                    StartTlsStatus::OfferedNotUsed
                } else {
                    StartTlsStatus::NotOffered
                }
            }
            _ => StartTlsStatus::Unknown,
        };
        let mangled =
            dialogue.capabilities.iter().any(|c| matches!(c, Capability::Other(s) if is_mangled(s)));
        let stripped = !used && (self.plaintext_command.is_some() || mangled);
        let starttls =
            StartTls { offered, used, status, stripped, plaintext_command: self.plaintext_command.clone() };
        (Some(starttls), Some(dialogue))
    }
}

fn side(from_client: bool) -> &'static str {
    if from_client { "client" } else { "server" }
}

fn alert_text(alert: &Alert) -> String {
    let level = match alert.level.0 {
        1 => "warning",
        2 => "fatal",
        _ => "unknown-level",
    };
    format!("{level} {}", alert.description)
}

/// A TLS record header (handshake or alert, SSL 3.0 to TLS 1.3), or an SSL 2.0-format
/// ClientHello.
fn looks_like_tls(bytes: &[u8]) -> bool {
    match bytes {
        [20..=23, 3, minor, ..] => *minor <= 4,
        [b0, _, 1, ..] => b0 & 0x80 != 0,
        _ => false,
    }
}

/// The capability some middleboxes put in place of STARTTLS (`XXXXXXXA`, `XXXA`).
fn is_mangled(capability: &str) -> bool {
    capability.len() >= 4
        && capability.bytes().all(|b| b == b'X' || b == b'A')
        && capability.starts_with("XXX")
}

/// The command verb of a client line (after the tag, for IMAP), upper-cased.
fn verb(protocol: Protocol, line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut words = text.split_ascii_whitespace();
    if protocol == Protocol::Imap {
        words.next();
    }
    words.next().unwrap_or_default().to_ascii_uppercase()
}

/// Whether a client command leaves the pre-TLS dialogue: neither part of the capability
/// exchange nor STARTTLS nor a goodbye.
fn leaves_dialogue(protocol: Protocol, verb: &str) -> bool {
    let stays: &[&str] = match protocol {
        Protocol::Imap => &["CAPABILITY", "STARTTLS", "NOOP", "ID", "LOGOUT"],
        Protocol::Pop3 => &["CAPA", "STLS", "NOOP", "QUIT"],
        Protocol::Sieve => &["CAPABILITY", "STARTTLS", "NOOP", "LOGOUT"],
        _ => &["EHLO", "HELO", "LHLO", "STARTTLS", "NOOP", "RSET", "QUIT"],
    };
    !verb.is_empty() && !stays.contains(&verb)
}
