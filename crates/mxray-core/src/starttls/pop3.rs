//! POP3 (RFC 1939, RFC 2449, RFC 2595): status lines, the `CAPA` multi-line response
//! ending in `.`, and what each response means for the STARTTLS (`STLS`) dialogue.

use super::line::text;
use super::smtp::verb;
use super::{Capability, Command, Dialogue, Next, Outcome, Pending, Protocol, Reply, Status, Violation};

/// Splits a status line (`+OK …` or `-ERR …`) into its status and text; `None` for any
/// other line.
pub fn parse_status(line: &[u8]) -> Option<(Status, &[u8])> {
    let (status, rest) = if line.get(..3)?.eq_ignore_ascii_case(b"+OK") {
        (Status::Ok, line.get(3..)?)
    } else if line.get(..4)?.eq_ignore_ascii_case(b"-ERR") {
        (Status::Err, line.get(4..)?)
    } else {
        return None;
    };
    match rest.split_first() {
        None => Some((status, rest)),
        Some((b' ', text)) => Some((status, text)),
        Some(_) => None,
    }
}

/// Collects one response: a status line, and for a multi-line command answered `+OK`,
/// the body up to the line holding a single `.` (dot-unstuffed).
#[derive(Clone, Debug)]
pub struct ResponseParser {
    multiline: bool,
    status: Option<(Status, String)>,
    lines: Vec<String>,
    max_lines: usize,
}

impl ResponseParser {
    /// A parser for the response to a command that is `multiline` (CAPA) or not.
    pub fn new(multiline: bool, max_lines: usize) -> Self {
        Self { multiline, status: None, lines: Vec::new(), max_lines }
    }

    /// Adds one line (without its line ending); returns the response once it is complete.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Option<Reply>, Violation> {
        let Some((status, status_text)) = &self.status else {
            let (status, text_bytes) =
                parse_status(line).ok_or_else(|| Violation::not_a_reply(Protocol::Pop3, line))?;
            if !self.multiline || status != Status::Ok {
                return Ok(Some(Reply { status, text: text(text_bytes), lines: Vec::new() }));
            }
            self.status = Some((status, text(text_bytes)));
            return Ok(None);
        };
        if line == b"." {
            let reply =
                Reply { status: *status, text: status_text.clone(), lines: std::mem::take(&mut self.lines) };
            self.status = None;
            return Ok(Some(reply));
        }
        if self.lines.len() >= self.max_lines {
            return Err(Violation::TooManyLines { max: self.max_lines });
        }
        let unstuffed = if line.starts_with(b"..") { line.get(1..).unwrap_or_default() } else { line };
        self.lines.push(text(unstuffed));
        Ok(None)
    }
}

/// One `CAPA` line as a capability; `None` for an empty line.
pub fn parse_capability(line: &str) -> Option<Capability> {
    let line = line.trim();
    let mut words = line.split_ascii_whitespace();
    Some(match words.next()?.to_ascii_uppercase().as_str() {
        "STLS" => Capability::StartTls,
        "USER" => Capability::User,
        "SASL" => Capability::Auth(words.map(str::to_ascii_uppercase).collect()),
        "PIPELINING" => Capability::Pipelining,
        _ => Capability::Other(line.to_owned()),
    })
}

/// What `reply` to `command` means.
pub(crate) fn interpret(command: Command, reply: &Reply, d: &mut Dialogue) -> Next {
    let status = reply.status;
    let text = || reply.text.clone();
    match command {
        Command::Greeting => {
            d.banner = Some(reply.text.clone());
            if status == Status::Ok {
                Next::Send(Command::Capability)
            } else {
                Next::Finish(Outcome::Rejected { status, text: text() })
            }
        }
        // A server without CAPA cannot announce STLS (RFC 2595 section 4).
        Command::Capability | Command::Hello if status != Status::Ok => {
            Next::Finish(Outcome::StartTlsNotOffered)
        }
        Command::Capability | Command::Hello => {
            d.set_capabilities(reply.lines.iter().filter_map(|l| parse_capability(l)).collect());
            if d.starttls_offered {
                Next::Send(Command::StartTls)
            } else {
                Next::Finish(Outcome::StartTlsNotOffered)
            }
        }
        Command::StartTls if status == Status::Ok => Next::Finish(Outcome::ReadyForTls),
        Command::StartTls => Next::Finish(Outcome::StartTlsRefused { status, text: text() }),
        Command::Other => Next::Wait,
    }
}

/// What an observed client line is.
pub(crate) fn classify_command(line: &[u8]) -> Pending {
    let verb = verb(line);
    let command = match verb.as_str() {
        "CAPA" => Command::Capability,
        "STLS" => Command::StartTls,
        _ => Command::Other,
    };
    Pending::new(command, "", &verb)
}
