//! The `Received:` grammar of RFC 5321 §4.4 (`from … by … via … with … id … for …; date`)
//! and RFC 5322 §3.6.7, read the way MTAs actually write it: clauses in any order, comments
//! anywhere (nested, holding the reverse DNS, the address, the HELO name, TLS details),
//! multi-word `with` clauses (`Microsoft SMTP Server`), words after the clauses
//! (`envelope-from <…>`), and fields that are only a comment (`(qmail 1234 invoked by uid
//! 0)`). Nothing here fails: what does not fit is left in [`Received::extra`] and the raw
//! field is always kept by the caller.

use std::net::IpAddr;

/// Deepest comment nesting followed; deeper parentheses are read as text.
const MAX_COMMENT_DEPTH: u32 = 32;

/// One token of a `Received:` value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'a> {
    /// An atom, a quoted string or an `<addr-spec>`.
    Word(&'a str),
    /// A comment, without its outer parentheses.
    Comment(&'a str),
}

/// Splits `text` into words and comments.
fn tokens(text: &str) -> Vec<Token<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            c if c.is_ascii_whitespace() => i += 1,
            b'(' => {
                let start = i + 1;
                let mut depth = 0u32;
                while i < b.len() {
                    match b[i] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        b'\\' => i += 1,
                        _ => {}
                    }
                    if depth > MAX_COMMENT_DEPTH {
                        depth = MAX_COMMENT_DEPTH;
                    }
                    i += 1;
                }
                let end = i.min(b.len());
                out.push(Token::Comment(&text[start..end]));
                i = end + 1;
            }
            b')' => i += 1,
            _ => {
                let start = i;
                let mut quoted = false;
                let mut angle = false;
                while i < b.len() {
                    match b[i] {
                        b'"' => quoted = !quoted,
                        b'\\' if quoted => i += 1,
                        b'<' if !quoted => angle = true,
                        b'>' if !quoted => angle = false,
                        b'(' | b')' if !quoted && !angle => break,
                        c if c.is_ascii_whitespace() && !quoted && !angle => break,
                        _ => {}
                    }
                    i += 1;
                }
                let end = i.min(b.len());
                out.push(Token::Word(&text[start..end]));
            }
        }
    }
    out
}

/// The offset of the `;` that starts the date: the last one outside comments, quotes and
/// angle brackets.
fn date_separator(text: &str) -> Option<usize> {
    let mut depth = 0u32;
    let mut quoted = false;
    let mut angle = false;
    let mut last = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 => quoted = !quoted,
            '(' if !quoted => depth = depth.saturating_add(1),
            ')' if !quoted => depth = depth.saturating_sub(1),
            '<' if !quoted && depth == 0 => angle = true,
            '>' if !quoted && depth == 0 => angle = false,
            ';' if depth == 0 && !quoted && !angle => last = Some(i),
            _ => {}
        }
    }
    last
}

/// A clause: its keyword's words and the comments that follow them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Clause<'a> {
    pub(crate) words: Vec<&'a str>,
    pub(crate) comments: Vec<&'a str>,
}

impl Clause<'_> {
    /// The first word, if any.
    pub(crate) fn first(&self) -> Option<&str> {
        self.words.first().copied()
    }
}

/// The parts of a `Received:` value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Received<'a> {
    pub(crate) from: Option<Clause<'a>>,
    pub(crate) by: Option<Clause<'a>>,
    pub(crate) via: Option<Clause<'a>>,
    pub(crate) with: Option<Clause<'a>>,
    pub(crate) id: Option<Clause<'a>>,
    pub(crate) for_: Option<Clause<'a>>,
    /// Words and comments before the first keyword.
    pub(crate) extra: Clause<'a>,
    /// The text after the last `;`, trimmed.
    pub(crate) date: Option<&'a str>,
}

/// Parses the (unfolded) value of a `Received:` field.
pub(crate) fn parse(value: &str) -> Received<'_> {
    let (clauses, date) = match date_separator(value) {
        Some(at) => (&value[..at], Some(value[at + 1..].trim()).filter(|d| !d.is_empty())),
        None => (value, None),
    };
    let mut r = Received { date, ..Received::default() };
    #[derive(Clone, Copy)]
    enum Slot {
        Extra,
        From,
        By,
        Via,
        With,
        Id,
        For,
    }
    let mut slot = Slot::Extra;
    for token in tokens(clauses) {
        if let Token::Word(w) = token {
            let keyword = match w.to_ascii_lowercase().as_str() {
                "from" if r.from.is_none() => Some(Slot::From),
                "by" if r.by.is_none() => Some(Slot::By),
                "via" if r.via.is_none() => Some(Slot::Via),
                "with" if r.with.is_none() => Some(Slot::With),
                "id" if r.id.is_none() => Some(Slot::Id),
                "for" if r.for_.is_none() => Some(Slot::For),
                _ => None,
            };
            if let Some(k) = keyword {
                slot = k;
                let clause = Some(Clause::default());
                match k {
                    Slot::From => r.from = clause,
                    Slot::By => r.by = clause,
                    Slot::Via => r.via = clause,
                    Slot::With => r.with = clause,
                    Slot::Id => r.id = clause,
                    Slot::For => r.for_ = clause,
                    Slot::Extra => {}
                }
                continue;
            }
        }
        let clause = match slot {
            Slot::Extra => Some(&mut r.extra),
            Slot::From => r.from.as_mut(),
            Slot::By => r.by.as_mut(),
            Slot::Via => r.via.as_mut(),
            Slot::With => r.with.as_mut(),
            Slot::Id => r.id.as_mut(),
            Slot::For => r.for_.as_mut(),
        };
        if let Some(clause) = clause {
            match token {
                Token::Word(w) => clause.words.push(w),
                Token::Comment(c) => clause.comments.push(c),
            }
        }
    }
    r
}

/// A host as a `from` or `by` clause names it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Host {
    /// The name as written (for `from`, usually the HELO/EHLO name).
    pub(crate) name: Option<String>,
    /// The HELO/EHLO name when the MTA wrote it separately (`helo=`, `(HELO x)`).
    pub(crate) helo: Option<String>,
    /// The reverse-DNS name the receiving MTA looked up (`(rdns [ip])`).
    pub(crate) reverse_dns: Option<String>,
    /// The address.
    pub(crate) ip: Option<IpAddr>,
}

/// An address from `[192.0.2.1]`, `[IPv6:2001:db8::1]`, `[192.0.2.1]:25`, `::ffff:…`
/// or a bare address.
fn ip_of(text: &str) -> Option<IpAddr> {
    let t = text.trim().trim_end_matches([',', ';']);
    let t = t.strip_prefix('[').map_or(t, |inner| inner.split(']').next().unwrap_or(inner));
    let t = t.strip_prefix("IPv6:").or_else(|| t.strip_prefix("ipv6:")).unwrap_or(t);
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(ip);
    }
    // `1.2.3.4:port` (no brackets).
    let (host, port) = t.rsplit_once(':')?;
    if port.bytes().all(|b| b.is_ascii_digit()) {
        host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    } else {
        None
    }
}

/// The host of a `from` or `by` clause.
pub(crate) fn host(clause: &Clause<'_>) -> Host {
    let mut h = Host { name: clause.first().map(str::to_owned), ..Host::default() };
    if let Some(ip) = clause.first().and_then(ip_of) {
        h.ip = Some(ip);
    }
    for comment in &clause.comments {
        let mut words = comment.split_whitespace().peekable();
        let mut first_in_comment = true;
        while let Some(w) = words.next() {
            let lower = w.to_ascii_lowercase();
            if let Some(helo) = lower.strip_prefix("helo=").or_else(|| lower.strip_prefix("ehlo=")) {
                let _ = helo;
                h.helo.get_or_insert_with(|| w[5..].trim_end_matches([',', ')']).to_owned());
            } else if lower == "helo" || lower == "ehlo" {
                if let Some(next) = words.next() {
                    h.helo.get_or_insert_with(|| next.to_owned());
                }
            } else if let Some(ip) =
                ip_of(w).filter(|_| w.starts_with('[') || first_in_comment || h.ip.is_none())
            {
                h.ip.get_or_insert(ip);
            } else if first_in_comment
                && words.peek().is_some_and(|n| n.starts_with('['))
                && !lower.starts_with("port=")
                && lower != "unknown"
            {
                h.reverse_dns.get_or_insert_with(|| w.to_owned());
            }
            first_in_comment = false;
        }
    }
    h
}

/// What a `with` protocol keyword says: (TLS, authenticated), from the
/// "Mail Transmission Types" registry (RFC 3848, RFC 6531, RFC 8314) and common variants.
pub(crate) fn protocol_facts(word: &str) -> Option<(bool, bool)> {
    let w = word.to_ascii_uppercase();
    let base = w.strip_prefix("UTF8").unwrap_or(&w);
    let base = base.strip_prefix("LOCAL-").unwrap_or(base);
    let facts = match base {
        // `local`, `mapi` (Exchange's Outlook hop, usually MAPI over HTTPS) and other
        // non-SMTP keywords say nothing about the transport: unknown.
        "SMTP" | "ESMTP" | "LMTP" | "HTTP" | "IMAP" | "POP3" => (false, false),
        "ESMTPA" | "LMTPA" | "SMTPA" => (false, true),
        "ESMTPS" | "LMTPS" | "SMTPS" | "HTTPS" | "IMAPS" | "POP3S" => (true, false),
        "ESMTPSA" | "LMTPSA" | "SMTPSA" | "HTTPSA" => (true, true),
        _ => return None,
    };
    Some(facts)
}
