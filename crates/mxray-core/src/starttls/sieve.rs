//! ManageSieve (RFC 5804): the greeting (a capability list of quoted strings ending in an
//! `OK`, `NO` or `BYE` line), `STARTTLS`, and what each response means for the dialogue.
//!
//! After the TLS handshake the server sends its capabilities again; that part is
//! encrypted and not this module's concern. Literal strings (`{n}`) do not occur in
//! capability lists in practice; such a line is kept raw.

use super::line::text;
use super::smtp::verb;
use super::{Capability, Command, Dialogue, Next, Outcome, Pending, Protocol, Reply, Status, Violation};

/// Splits a status line (`OK …`, `NO …`, `BYE …`) into its status and text; `None` for
/// any other line.
pub fn parse_status(line: &[u8]) -> Option<(Status, &[u8])> {
    let (word, rest) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (line.get(..i)?, line.get(i + 1..)?),
        None => (line, &b""[..]),
    };
    let status = match word.to_ascii_uppercase().as_slice() {
        b"OK" => Status::Ok,
        b"NO" => Status::No,
        b"BYE" => Status::Bye,
        _ => return None,
    };
    Some((status, rest))
}

/// Collects one response: data lines (quoted strings or literals) up to a status line.
#[derive(Clone, Debug)]
pub struct ResponseParser {
    lines: Vec<String>,
    max_lines: usize,
}

impl ResponseParser {
    /// A parser that refuses responses of more than `max_lines` lines.
    pub fn new(max_lines: usize) -> Self {
        Self { lines: Vec::new(), max_lines }
    }

    /// Adds one line (without its line ending); returns the response once it is complete.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Option<Reply>, Violation> {
        if let Some((status, rest)) = parse_status(line) {
            let lines = std::mem::take(&mut self.lines);
            return Ok(Some(Reply { status, text: text(rest), lines }));
        }
        if !matches!(line.first(), Some(b'"' | b'{')) {
            return Err(Violation::not_a_reply(Protocol::Sieve, line));
        }
        if self.lines.len() >= self.max_lines {
            return Err(Violation::TooManyLines { max: self.max_lines });
        }
        self.lines.push(String::from_utf8_lossy(line).into_owned());
        Ok(None)
    }
}

/// The quoted strings of a line, unescaped (`\"` and `\\`); stops at the first thing that
/// is not a quoted string.
pub fn quoted_strings(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ').is_some() {}
        if chars.next() != Some('"') {
            return out;
        }
        let mut s = String::new();
        loop {
            match chars.next() {
                None => return out,
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some(c) => s.push(c),
                    None => return out,
                },
                Some(c) => s.push(c),
            }
        }
        out.push(s);
    }
}

/// One capability line as a capability, with the `IMPLEMENTATION` string apart.
fn parse_capability(line: &str) -> Option<Result<Capability, String>> {
    let mut strings = quoted_strings(line).into_iter();
    let Some(name) = strings.next() else {
        return Some(Ok(Capability::Other(line.to_owned())));
    };
    let value = strings.next();
    Some(Ok(match name.to_ascii_uppercase().as_str() {
        "STARTTLS" => Capability::StartTls,
        "SASL" => Capability::Auth(
            value.unwrap_or_default().split_ascii_whitespace().map(str::to_ascii_uppercase).collect(),
        ),
        "IMPLEMENTATION" => return value.map(Err),
        _ => Capability::Other(match value {
            Some(v) => format!("{name} {v}"),
            None => name,
        }),
    }))
}

/// What `reply` to `command` means.
pub(crate) fn interpret(command: Command, reply: &Reply, d: &mut Dialogue) -> Next {
    let status = reply.status;
    let text = || reply.text.clone();
    if matches!(command, Command::Greeting | Command::Capability) && status == Status::Ok {
        let mut caps = Vec::new();
        for item in reply.lines.iter().filter_map(|l| parse_capability(l)) {
            match item {
                Ok(Capability::Auth(mechs)) if mechs.is_empty() => {}
                Ok(cap) => caps.push(cap),
                Err(implementation) => d.banner = Some(implementation),
            }
        }
        d.set_capabilities(caps);
        if command == Command::Greeting && d.banner.is_none() {
            d.banner = Some(reply.text.clone());
        }
    }
    match (command, status) {
        (_, Status::Bye) => Next::Finish(Outcome::ServiceUnavailable { status, text: text() }),
        (Command::Greeting | Command::Capability | Command::Hello, Status::Ok) => {
            if d.starttls_offered {
                Next::Send(Command::StartTls)
            } else {
                Next::Finish(Outcome::StartTlsNotOffered)
            }
        }
        (Command::Greeting | Command::Capability | Command::Hello, _) => {
            Next::Finish(Outcome::Rejected { status, text: text() })
        }
        (Command::StartTls, Status::Ok) => Next::Finish(Outcome::ReadyForTls),
        (Command::StartTls, _) => Next::Finish(Outcome::StartTlsRefused { status, text: text() }),
        (Command::Other, _) => Next::Wait,
    }
}

/// What an observed client line is.
pub(crate) fn classify_command(line: &[u8]) -> Pending {
    let verb = verb(line);
    let command = match verb.as_str() {
        "CAPABILITY" => Command::Capability,
        "STARTTLS" => Command::StartTls,
        _ => Command::Other,
    };
    Pending::new(command, "", &verb)
}
