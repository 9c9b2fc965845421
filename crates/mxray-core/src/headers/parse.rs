//! The header block: where it ends, its fields (unfolded), and RFC 2047 encoded words.
//!
//! Written by hand rather than with a mail-parsing crate: mxray needs the fields exactly as
//! written (for the raw view), tolerance of pasted fragments (leading blank lines, an mbox
//! `From ` line, stray lines kept as warnings) and hard caps before anything is copied, and
//! decodes encoded words only for display (UTF-8, US-ASCII and Latin-1; other charsets are
//! shown encoded). A full MIME parser would do more and promise less.
//!
//! Caps: [`MAX_HEADER_BYTES`] of header text (the body after the first empty line is never
//! looked at, so a 200 MB message with a normal header is fine), [`MAX_FIELDS`] fields,
//! [`MAX_NAME_LEN`] bytes per field name. Everything else is linear in the input.

use super::HeadersError;

/// The largest header block analysed: 4 MiB. Real headers are a few kilobytes; the largest
/// seen in the wild (long ARC chains, hundreds of hops of a mail loop) stay under 1 MiB.
pub const MAX_HEADER_BYTES: usize = 4 * 1024 * 1024;

/// The most fields analysed; further fields are counted in a warning and ignored.
pub const MAX_FIELDS: usize = 10_000;

/// The longest field name accepted (RFC 5322 sets no limit; real names are under 80).
pub(crate) const MAX_NAME_LEN: usize = 200;

/// The longest encoded word decoded (RFC 2047 allows 75 characters).
const MAX_ENCODED_WORD: usize = 256;

/// How many stray lines (neither a field nor a continuation) are quoted in warnings.
const MAX_STRAY_QUOTED: usize = 5;

/// One header field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    /// Position among the fields, 0 for the first (top) field.
    pub(crate) index: usize,
    /// 1-based line number of its first line in the text.
    pub(crate) line: usize,
    /// The name as written (`Received`).
    pub(crate) name: &'a str,
    /// The value, unfolded (line breaks removed, whitespace kept) and trimmed.
    pub(crate) value: String,
    /// The field exactly as written, folded lines and all (without the final line break).
    pub(crate) raw: &'a str,
}

impl Field<'_> {
    /// True if the name is `name`, ASCII case-insensitively.
    pub(crate) fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// The line endings of the block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineEndings {
    Crlf,
    Lf,
    Mixed,
}

/// A field being read (its continuation lines may follow).
struct Open<'a> {
    line: usize,
    start: usize,
    name: &'a str,
    end: usize,
    value: String,
}

/// A parsed header block.
#[derive(Clone, Debug)]
pub(crate) struct HeaderBlock<'a> {
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) line_endings: LineEndings,
    /// Bytes of header text (up to the empty line).
    pub(crate) header_bytes: usize,
    /// True if a body followed the empty line.
    pub(crate) has_body: bool,
    /// Warnings about the block itself: stray lines, fields beyond the cap.
    pub(crate) warnings: Vec<(&'static str, String)>,
}

/// True for the characters RFC 5322 allows in a field name (printable ASCII but `:`).
fn is_ftext(b: u8) -> bool {
    (33..=126).contains(&b) && b != b':'
}

/// The field name of `line` if it starts a field: `Name:` (obsolete `Name :` too).
fn field_name(line: &str) -> Option<&str> {
    let colon = line.find(':')?;
    let name = line[..colon].trim_end_matches([' ', '\t']);
    (!name.is_empty() && name.len() <= MAX_NAME_LEN && name.bytes().all(is_ftext)).then_some(name)
}

/// Rejects binary input: any NUL, or more than one character in eight a control character
/// (other than tab, CR, LF) or the replacement character of a lossy UTF-8 conversion.
fn check_text(header: &str) -> Result<(), HeadersError> {
    if let Some(at) = header.bytes().position(|b| b == 0) {
        return Err(HeadersError::Binary { reason: format!("a NUL byte at offset {at}") });
    }
    let mut total = 0usize;
    let mut odd = 0usize;
    for c in header.chars() {
        total += 1;
        if (c.is_control() && !matches!(c, '\t' | '\r' | '\n')) || c == char::REPLACEMENT_CHARACTER {
            odd += 1;
        }
    }
    if odd > 0 && odd * 8 > total {
        return Err(HeadersError::Binary {
            reason: format!("{odd} of {total} characters are control characters or undecodable bytes"),
        });
    }
    Ok(())
}

/// One line of a text.
#[derive(Clone, Copy)]
struct Line<'a> {
    /// Offset of its first byte.
    offset: usize,
    /// The line without its `\n` (and without a `\r` before it).
    body: &'a str,
    /// Offset just after its line break.
    next: usize,
    /// Its break: `Some(true)` CRLF, `Some(false)` LF, `None` for a last line without one.
    crlf: Option<bool>,
}

/// Splits `text` into lines.
fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |l| {
        let start = offset;
        offset += l.len();
        let crlf = if l.ends_with("\r\n") {
            Some(true)
        } else if l.ends_with('\n') {
            Some(false)
        } else {
            None
        };
        let body = l.strip_suffix('\n').unwrap_or(l);
        let body = body.strip_suffix('\r').unwrap_or(body);
        Line { offset: start, body, next: offset, crlf }
    })
}

impl<'a> HeaderBlock<'a> {
    /// Finds the header block in `text` and splits it into fields.
    pub(crate) fn parse(text: &'a str) -> Result<Self, HeadersError> {
        // Skip blank lines and an mbox "From " separator line before the header.
        let mut start = 0;
        for line in lines(text) {
            if line.offset > MAX_HEADER_BYTES {
                return Err(HeadersError::TooLarge { size: line.offset, max: MAX_HEADER_BYTES });
            }
            let mbox_from =
                line.offset == 0 && line.body.starts_with("From ") && field_name(line.body).is_none();
            if line.body.trim().is_empty() || mbox_from {
                start = line.next;
                continue;
            }
            break;
        }
        let rest = &text[start..];
        // The header ends at the first empty line.
        let mut end = rest.len();
        let mut has_body = false;
        for line in lines(rest) {
            if line.offset > MAX_HEADER_BYTES {
                return Err(HeadersError::TooLarge { size: line.offset, max: MAX_HEADER_BYTES });
            }
            if line.body.is_empty() {
                end = line.offset;
                has_body = true;
                break;
            }
        }
        if end > MAX_HEADER_BYTES {
            return Err(HeadersError::TooLarge { size: end, max: MAX_HEADER_BYTES });
        }
        let header = &rest[..end];
        check_text(header)?;

        let first_line = text[..start].matches('\n').count() + 1;
        let mut fields: Vec<Field<'a>> = Vec::new();
        let mut warnings = Vec::new();
        let (mut crlf, mut lf) = (0usize, 0usize);
        let mut stray = 0usize;
        let mut dropped = 0usize;
        let mut current: Option<Open<'a>> = None;
        let finish = |current: &mut Option<Open<'a>>, fields: &mut Vec<Field<'a>>| {
            if let Some(open) = current.take() {
                let raw = header[open.start..open.end].trim_end_matches(['\r', '\n']);
                fields.push(Field {
                    index: fields.len(),
                    line: open.line,
                    name: open.name,
                    value: open.value.trim().to_owned(),
                    raw,
                });
            }
        };
        for (n, line) in lines(header).enumerate() {
            match line.crlf {
                Some(true) => crlf += 1,
                Some(false) => lf += 1,
                None => {}
            }
            let end_of_line = line.offset + line.body.len();
            if line.body.starts_with([' ', '\t']) {
                if let Some(open) = current.as_mut() {
                    open.value.push_str(line.body);
                    open.end = end_of_line;
                    continue;
                }
            } else if let Some(name) = field_name(line.body) {
                finish(&mut current, &mut fields);
                if fields.len() >= MAX_FIELDS {
                    dropped += 1;
                    continue;
                }
                let value = line.body[line.body.find(':').map_or(line.body.len(), |c| c + 1)..].to_owned();
                current =
                    Some(Open { line: first_line + n, start: line.offset, name, end: end_of_line, value });
                continue;
            }
            // Neither a field nor the continuation of one.
            finish(&mut current, &mut fields);
            stray += 1;
            if stray <= MAX_STRAY_QUOTED {
                let shown: String = line.body.chars().take(120).collect();
                warnings.push((
                    "header.stray_line",
                    format!("line {} is not a header field and was skipped: {shown:?}", first_line + n),
                ));
            }
        }
        finish(&mut current, &mut fields);
        if stray > MAX_STRAY_QUOTED {
            warnings.push((
                "header.stray_line",
                format!("{} more lines were not header fields and were skipped", stray - MAX_STRAY_QUOTED),
            ));
        }
        if dropped > 0 {
            warnings.push((
                "header.too_many_fields",
                format!("only the first {MAX_FIELDS} fields were analysed; {dropped} more were ignored"),
            ));
        }
        if fields.is_empty() {
            return Err(HeadersError::NoHeaderFields);
        }
        let line_endings = match (crlf, lf) {
            (0, _) => LineEndings::Lf,
            (_, 0) => LineEndings::Crlf,
            _ => LineEndings::Mixed,
        };
        Ok(Self { fields, line_endings, header_bytes: header.len(), has_body, warnings })
    }
}

/// Decodes RFC 2047 encoded words (`=?UTF-8?Q?caf=C3=A9?=`, `=?iso-8859-1?B?...?=`) in an
/// unstructured value. Whitespace between two adjacent encoded words is dropped (RFC 2047
/// §6.2). Words in charsets other than UTF-8, US-ASCII and Latin-1, and malformed words,
/// are left as written; the second value says whether any was.
pub(crate) fn decode_words(value: &str) -> (String, bool) {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    let mut left_encoded = false;
    let mut pending_space = "";
    let mut last_was_word = false;
    while let Some(at) = rest.find("=?") {
        let before = &rest[..at];
        let Some((decoded, len)) = decode_word(&rest[at..]) else {
            out.push_str(pending_space);
            pending_space = "";
            out.push_str(&rest[..at + 2]);
            if looks_encoded(&rest[at..]) {
                left_encoded = true;
            }
            rest = &rest[at + 2..];
            last_was_word = false;
            continue;
        };
        if !(last_was_word && before.chars().all(|c| c == ' ' || c == '\t')) {
            out.push_str(pending_space);
            out.push_str(before);
        }
        match decoded {
            Some(text) => out.push_str(&text),
            None => {
                out.push_str(&rest[at..at + len]);
                left_encoded = true;
            }
        }
        rest = &rest[at + len..];
        last_was_word = true;
        // Whitespace that may sit between this word and the next.
        let ws = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        pending_space = &rest[..ws];
        rest = &rest[ws..];
    }
    out.push_str(pending_space);
    out.push_str(rest);
    (out, left_encoded)
}

/// True if `s` starts like an encoded word (for the "left encoded" flag of malformed words).
fn looks_encoded(s: &str) -> bool {
    let mut end = s.len().min(MAX_ENCODED_WORD);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let window = s.get(2..end).unwrap_or("");
    window.contains("?=") && window.split('?').count() >= 4
}

/// Parses one encoded word at the start of `s`: `Some((Some(text), len))` when decoded,
/// `Some((None, len))` when well-formed but in an unsupported charset, `None` if malformed.
fn decode_word(s: &str) -> Option<(Option<String>, usize)> {
    // RFC 2047 §2 caps an encoded word at 75 characters; looking a little further keeps
    // lenient decoding of long words and every search bounded.
    let mut end = s.len().min(MAX_ENCODED_WORD);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let s = &s[..end];
    let body = s.strip_prefix("=?")?;
    let q1 = body.find('?')?;
    let charset = &body[..q1];
    let after = &body[q1 + 1..];
    let q2 = after.find('?')?;
    let encoding = &after[..q2];
    let text_start = &after[q2 + 1..];
    let end = text_start.find("?=")?;
    let text = &text_start[..end];
    if charset.is_empty()
        || text.contains([' ', '\t'])
        || !charset.bytes().all(|b| b.is_ascii_graphic() && b != b'?')
        || encoding.len() != 1
    {
        return None;
    }
    let len = 2 + q1 + 1 + q2 + 1 + end + 2;
    let bytes = match encoding {
        "B" | "b" => base64(text)?,
        "Q" | "q" => quoted_printable(text)?,
        _ => return None,
    };
    // RFC 2231 language suffix: `UTF-8*en`.
    let charset = charset.split('*').next().unwrap_or(charset).to_ascii_lowercase();
    let decoded = match charset.as_str() {
        "utf-8" | "utf8" | "us-ascii" | "ascii" => Some(String::from_utf8_lossy(&bytes).into_owned()),
        "iso-8859-1" | "latin1" | "iso8859-1" | "windows-1252" | "cp1252" | "iso-8859-15" => {
            Some(bytes.iter().map(|&b| char::from(b)).collect())
        }
        _ => None,
    };
    Some((decoded, len))
}

/// Decodes base64 (padding optional); `None` on a character outside the alphabet.
fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in text.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes the Q encoding (`_` is a space, `=XX` a byte); `None` on a bad escape.
fn quoted_printable(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}
