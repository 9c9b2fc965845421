//! IMAP (RFC 3501, RFC 9051): response lines, the greeting (`* OK`, `* PREAUTH`, `* BYE`,
//! possibly with a `[CAPABILITY …]` response code), tagged command completion, the
//! capability list and what each response means for the STARTTLS dialogue.
//!
//! Literals (`{n}`) do not occur in the responses a STARTTLS dialogue sees; a line that
//! announces one is kept as text.

use super::line::text;
use super::smtp::verb;
use super::{Capability, Command, Dialogue, Next, Outcome, Pending, Protocol, Reply, Status, Violation};

/// One IMAP response line, split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResponseLine<'a> {
    /// The tag: `*` for untagged responses, `+` for a continuation request.
    pub tag: &'a [u8],
    /// The status word (`OK`, `NO`, `BAD`, `BYE`, `PREAUTH`), when the line has one.
    pub status: Option<Status>,
    /// What follows the status word, or for data lines (`* CAPABILITY …`) everything
    /// after the tag.
    pub text: &'a [u8],
}

impl ResponseLine<'_> {
    /// The response code in square brackets at the start of the text (`CAPABILITY …`).
    pub fn code(&self) -> Option<&[u8]> {
        let inner = self.text.strip_prefix(b"[")?;
        let end = inner.iter().position(|&b| b == b']')?;
        inner.get(..end)
    }
}

/// Splits one response line (without its line ending); `None` when it is not one.
pub fn parse_line(line: &[u8]) -> Option<ResponseLine<'_>> {
    let (tag, rest) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (line.get(..i)?, line.get(i + 1..)?),
        None => (line, &b""[..]),
    };
    if tag.is_empty() || !tag.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    if tag == b"+" {
        return Some(ResponseLine { tag, status: None, text: rest });
    }
    let (word, after) = match rest.iter().position(|&b| b == b' ') {
        Some(i) => (rest.get(..i)?, rest.get(i + 1..)?),
        None => (rest, &b""[..]),
    };
    let status = match word.to_ascii_uppercase().as_slice() {
        b"OK" => Some(Status::Ok),
        b"NO" => Some(Status::No),
        b"BAD" => Some(Status::Bad),
        b"BYE" => Some(Status::Bye),
        b"PREAUTH" => Some(Status::PreAuth),
        _ => None,
    };
    match status {
        Some(status) => Some(ResponseLine { tag, status: Some(status), text: after }),
        // Untagged data starts with an atom (`CAPABILITY`) or a number (`3 EXISTS`).
        None if tag == b"*" && !word.is_empty() && word.iter().all(u8::is_ascii_alphanumeric) => {
            Some(ResponseLine { tag, status: None, text: rest })
        }
        None => None,
    }
}

/// Collects the response to one command: untagged lines up to the tagged completion (or
/// an untagged `BYE`); for the greeting, the one untagged status line.
#[derive(Clone, Debug)]
pub struct ResponseParser {
    /// `None` for the greeting.
    tag: Option<Vec<u8>>,
    lines: Vec<String>,
    seen: usize,
    max_lines: usize,
}

impl ResponseParser {
    /// A parser for the server's greeting.
    pub fn greeting(max_lines: usize) -> Self {
        Self { tag: None, lines: Vec::new(), seen: 0, max_lines }
    }

    /// A parser for the response to the command tagged `tag`.
    pub fn tagged(tag: &str, max_lines: usize) -> Self {
        Self { tag: Some(tag.as_bytes().to_vec()), lines: Vec::new(), seen: 0, max_lines }
    }

    /// Adds one line (without its line ending); returns the response once it is complete.
    pub fn push_line(&mut self, line: &[u8]) -> Result<Option<Reply>, Violation> {
        let bad = || Violation::not_a_reply(Protocol::Imap, line);
        let parsed = parse_line(line).ok_or_else(bad)?;
        if self.seen >= self.max_lines {
            return Err(Violation::TooManyLines { max: self.max_lines });
        }
        self.seen += 1;
        let done = |status, lines| Ok(Some(Reply { status, text: text(parsed.text), lines }));
        let Some(tag) = &self.tag else {
            return match parsed.status {
                Some(status @ (Status::Ok | Status::PreAuth | Status::Bye)) if parsed.tag == b"*" => {
                    done(status, Vec::new())
                }
                _ => Err(bad()),
            };
        };
        match parsed.status {
            Some(Status::Bye) if parsed.tag == b"*" => done(Status::Bye, std::mem::take(&mut self.lines)),
            Some(status) if parsed.tag == tag.as_slice() => done(status, std::mem::take(&mut self.lines)),
            _ if parsed.tag == b"*" => {
                self.lines.push(text(line.get(2..).unwrap_or_default()));
                Ok(None)
            }
            // Continuation requests and other tags' completions are not this response.
            _ => Ok(None),
        }
    }
}

/// The capabilities in a `CAPABILITY` data line or response code.
pub fn parse_capabilities(list: &str) -> Vec<Capability> {
    let mut words = list.split_ascii_whitespace().peekable();
    if words.peek().is_some_and(|w| w.eq_ignore_ascii_case("CAPABILITY")) {
        words.next();
    }
    let mut caps = Vec::new();
    let mut mechs = Vec::new();
    for word in words {
        let upper = word.to_ascii_uppercase();
        if let Some(mech) = upper.strip_prefix("AUTH=") {
            mechs.push(mech.to_owned());
            continue;
        }
        caps.push(match upper.as_str() {
            "STARTTLS" => Capability::StartTls,
            "LOGINDISABLED" => Capability::LoginDisabled,
            _ => Capability::Other(word.to_owned()),
        });
    }
    if !mechs.is_empty() {
        caps.push(Capability::Auth(mechs));
    }
    caps
}

/// The capability list a response carries, in an untagged `CAPABILITY` line or in a
/// `[CAPABILITY …]` response code of its status line.
fn capabilities_of(reply: &Reply) -> Option<Vec<Capability>> {
    let is_caps = |s: &str| s.get(..11).is_some_and(|w| w.eq_ignore_ascii_case("CAPABILITY "));
    if let Some(line) = reply.lines.iter().find(|l| is_caps(l)) {
        return Some(parse_capabilities(line));
    }
    let code = reply.text.strip_prefix('[')?;
    let code = code.get(..code.find(']')?)?;
    is_caps(code).then(|| parse_capabilities(code))
}

fn decide(d: &Dialogue) -> Next {
    if d.starttls_offered { Next::Send(Command::StartTls) } else { Next::Finish(Outcome::StartTlsNotOffered) }
}

/// What `reply` to `command` means.
pub(crate) fn interpret(command: Command, reply: &Reply, d: &mut Dialogue) -> Next {
    let status = reply.status;
    let caps = capabilities_of(reply);
    let had_caps = caps.is_some();
    if let Some(caps) = caps {
        d.set_capabilities(caps);
    }
    if command == Command::Greeting {
        d.banner = Some(reply.text.clone());
    }
    let text = || reply.text.clone();
    match (command, status) {
        (_, Status::Bye) => Next::Finish(Outcome::ServiceUnavailable { status, text: text() }),
        (Command::Greeting, Status::PreAuth) => Next::Finish(Outcome::PreAuthenticated),
        (Command::Greeting, Status::Ok) if had_caps => decide(d),
        (Command::Greeting, Status::Ok) => Next::Send(Command::Capability),
        (Command::Greeting | Command::Capability | Command::Hello, _) if status != Status::Ok => {
            Next::Finish(Outcome::Rejected { status, text: text() })
        }
        (Command::Capability | Command::Hello, _) => decide(d),
        (Command::StartTls, Status::Ok) => Next::Finish(Outcome::ReadyForTls),
        (Command::StartTls, _) => Next::Finish(Outcome::StartTlsRefused { status, text: text() }),
        (Command::Greeting | Command::Other, _) => Next::Wait,
    }
}

/// What an observed client line is.
pub(crate) fn classify_command(line: &[u8]) -> Pending {
    let (tag, rest) = match line.iter().position(|&b| b == b' ') {
        Some(i) => (line.get(..i).unwrap_or_default(), line.get(i + 1..).unwrap_or_default()),
        None => (line, &b""[..]),
    };
    let verb = verb(rest);
    let command = match verb.as_str() {
        "CAPABILITY" => Command::Capability,
        "STARTTLS" => Command::StartTls,
        _ => Command::Other,
    };
    Pending::new(command, &text(tag.get(..64).unwrap_or(tag)), &verb)
}
