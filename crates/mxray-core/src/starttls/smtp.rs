//! SMTP and LMTP (RFC 5321, RFC 3207, RFC 2033): reply lines, multi-line replies, the
//! EHLO/LHLO capability list, and what each reply means for the STARTTLS dialogue.
//!
//! A reply line is three digits, then a space (last line), a hyphen (more lines follow)
//! or nothing. Lines of one reply should repeat the same code; the first one is kept.

use super::line::text;
use super::{Capability, Command, Dialogue, Next, Outcome, Pending, Protocol, Reply, Status, Violation};

/// One SMTP reply line, split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyLine<'a> {
    /// The three-digit code.
    pub code: u16,
    /// Whether this is the last line of the reply (a space or nothing after the code).
    pub last: bool,
    /// The text after the code and its separator.
    pub text: &'a [u8],
}

/// Splits one reply line (without its line ending); `None` when it is not one.
pub fn parse_line(line: &[u8]) -> Option<ReplyLine<'_>> {
    let (digits, rest) = line.split_at_checked(3)?;
    let [a, b, c] = <[u8; 3]>::try_from(digits).ok()?;
    if !(b'1'..=b'5').contains(&a) || !b.is_ascii_digit() || !c.is_ascii_digit() {
        return None;
    }
    let code = u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0');
    let (last, text) = match rest.split_first() {
        None => (true, rest),
        Some((b' ', text)) => (true, text),
        Some((b'-', text)) => (false, text),
        Some(_) => return None,
    };
    Some(ReplyLine { code, last, text })
}

/// Collects the lines of one (possibly multi-line) reply.
#[derive(Clone, Debug)]
pub struct ReplyParser {
    code: Option<u16>,
    lines: Vec<String>,
    max_lines: usize,
}

impl ReplyParser {
    /// A parser that refuses replies of more than `max_lines` lines.
    pub fn new(max_lines: usize) -> Self {
        Self { code: None, lines: Vec::new(), max_lines }
    }

    /// Adds one line (without its line ending); returns the reply once its last line came.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Option<Reply>, Violation> {
        let parsed = parse_line(line).ok_or_else(|| Violation::not_a_reply(Protocol::Smtp, line))?;
        if self.lines.len() >= self.max_lines {
            return Err(Violation::TooManyLines { max: self.max_lines });
        }
        let code = *self.code.get_or_insert(parsed.code);
        self.lines.push(text(parsed.text));
        if !parsed.last {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        self.code = None;
        Ok(Some(Reply { status: Status::Code(code), text: lines.join("\n"), lines }))
    }
}

/// Reads an EHLO/LHLO reply: the server's hello line and the capabilities after it.
pub fn parse_ehlo(reply: &Reply) -> (Option<String>, Vec<Capability>) {
    let mut lines = reply.lines.iter();
    let hello = lines.next().cloned();
    (hello, lines.filter_map(|l| parse_capability(l)).collect())
}

/// One EHLO keyword line as a capability; `None` for an empty line.
pub fn parse_capability(line: &str) -> Option<Capability> {
    let line = line.trim();
    let mut words = line.split_ascii_whitespace();
    let keyword = words.next()?.to_ascii_uppercase();
    // `AUTH=LOGIN PLAIN` is the pre-standard form some servers still send.
    if let Some(first) = keyword.strip_prefix("AUTH=") {
        let mechs = std::iter::once(first).chain(words).map(str::to_ascii_uppercase);
        return Some(Capability::Auth(mechs.filter(|m| !m.is_empty()).collect()));
    }
    Some(match keyword.as_str() {
        "SIZE" => Capability::Size(words.next().and_then(|w| w.parse().ok())),
        "8BITMIME" => Capability::EightBitMime,
        "PIPELINING" => Capability::Pipelining,
        "CHUNKING" => Capability::Chunking,
        "SMTPUTF8" => Capability::SmtpUtf8,
        "REQUIRETLS" => Capability::RequireTls,
        "STARTTLS" => Capability::StartTls,
        "DSN" => Capability::Dsn,
        "ENHANCEDSTATUSCODES" => Capability::EnhancedStatusCodes,
        "AUTH" => Capability::Auth(words.map(str::to_ascii_uppercase).collect()),
        _ => Capability::Other(line.to_owned()),
    })
}

/// What `reply` to `command` means.
pub(crate) fn interpret(command: Command, reply: &Reply, d: &mut Dialogue) -> Next {
    let status = reply.status;
    let code = match status {
        Status::Code(code) => code,
        _ => 0,
    };
    if command == Command::Greeting {
        d.banner = Some(reply.text.clone());
    }
    if code == 421 {
        return Next::Finish(Outcome::ServiceUnavailable { status, text: reply.text.clone() });
    }
    let positive = status.is_positive();
    match command {
        Command::Greeting if positive => Next::Send(Command::Hello),
        Command::Greeting => Next::Finish(Outcome::Rejected { status, text: reply.text.clone() }),
        Command::Hello if positive => {
            let (hello, caps) = parse_ehlo(reply);
            d.hello = hello;
            d.set_capabilities(caps);
            if d.starttls_offered {
                Next::Send(Command::StartTls)
            } else {
                Next::Finish(Outcome::StartTlsNotOffered)
            }
        }
        Command::Hello => Next::Finish(Outcome::Rejected { status, text: reply.text.clone() }),
        Command::StartTls if code == 220 => Next::Finish(Outcome::ReadyForTls),
        Command::StartTls => Next::Finish(Outcome::StartTlsRefused { status, text: reply.text.clone() }),
        Command::Capability | Command::Other => Next::Wait,
    }
}

/// What an observed client line is.
pub(crate) fn classify_command(line: &[u8]) -> Pending {
    let verb = verb(line);
    let command = match verb.as_str() {
        "EHLO" | "HELO" | "LHLO" => Command::Hello,
        "STARTTLS" => Command::StartTls,
        _ => Command::Other,
    };
    Pending::new(command, "", &verb)
}

/// The first word of a client line, upper-cased and cut short.
pub(crate) fn verb(line: &[u8]) -> String {
    let word = line.split(|b| b.is_ascii_whitespace()).next().unwrap_or_default();
    let word = word.get(..16).unwrap_or(word);
    text(word).to_ascii_uppercase()
}
