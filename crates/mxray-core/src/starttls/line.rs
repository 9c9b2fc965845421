//! Bounded line splitting for the plaintext mail protocols.
//!
//! [`LineReader`] takes bytes as they arrive and hands back one line at a time, never
//! consuming a byte past the line feed that ends it: the caller learns exactly how many
//! bytes belonged to the dialogue, so bytes that follow (TLS after a STARTTLS reply) stay
//! with the caller. Lines end with CRLF or, leniently, with a bare LF (recorded, since
//! RFC 5321 and RFC 3501 require CRLF). A line longer than the reader's cap is an error,
//! not an allocation: the reader holds at most `max_len` bytes.

use super::Violation;

/// One complete line, without its line ending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The bytes of the line, without CR LF or LF.
    pub bytes: Vec<u8>,
    /// The line ended with a bare LF instead of CR LF.
    pub bare_lf: bool,
}

/// Splits a byte stream into lines of at most `max_len` bytes (line ending excluded).
#[derive(Clone, Debug)]
pub struct LineReader {
    buf: Vec<u8>,
    max_len: usize,
}

impl LineReader {
    /// A reader that refuses lines longer than `max_len` bytes.
    pub fn new(max_len: usize) -> Self {
        Self { buf: Vec::new(), max_len }
    }

    /// Whether part of a line is buffered (the stream stopped inside a line).
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Consumes bytes of `input` up to and including the first LF. Returns how many bytes
    /// were consumed and the line they completed, if any; with no LF in `input` every byte
    /// is consumed into the partial line.
    pub fn push(&mut self, input: &[u8]) -> Result<(usize, Option<Line>), Violation> {
        let (take, complete) = match input.iter().position(|&b| b == b'\n') {
            Some(lf) => (lf + 1, true),
            None => (input.len(), false),
        };
        let content = input.get(..if complete { take - 1 } else { take }).unwrap_or_default();
        // A CR right before the LF is not content; allow one byte of slack for it.
        let last = content.last().or_else(|| self.buf.last());
        let cr_slack = usize::from(!complete || last == Some(&b'\r'));
        if self.buf.len() + content.len() > self.max_len + cr_slack {
            return Err(Violation::LineTooLong { max: self.max_len });
        }
        self.buf.extend_from_slice(content);
        if !complete {
            return Ok((take, None));
        }
        let mut bytes = std::mem::take(&mut self.buf);
        let bare_lf = bytes.last() != Some(&b'\r');
        if !bare_lf {
            bytes.pop();
        }
        Ok((take, Some(Line { bytes, bare_lf })))
    }
}

/// Text of a line for reports: invalid UTF-8 replaced, control characters escaped.
pub(crate) fn text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for c in String::from_utf8_lossy(bytes).chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// The first `max` characters of `s`, for errors that quote the peer.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    text(bytes).chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(reader: &mut LineReader, mut input: &[u8]) -> Result<Vec<Line>, Violation> {
        let mut out = Vec::new();
        while !input.is_empty() {
            let (n, line) = reader.push(input)?;
            out.extend(line);
            input = input.get(n..).unwrap_or_default();
        }
        Ok(out)
    }

    #[test]
    fn splits_crlf_and_bare_lf_lines() {
        let mut r = LineReader::new(16);
        let lines = all_lines(&mut r, b"one\r\ntwo\nthree\r\n").unwrap();
        let got: Vec<_> = lines.iter().map(|l| (l.bytes.as_slice(), l.bare_lf)).collect();
        assert_eq!(got, [(&b"one"[..], false), (b"two", true), (b"three", false)]);
        assert!(!r.has_partial());
    }

    #[test]
    fn never_consumes_past_the_line_feed() {
        let mut r = LineReader::new(16);
        let (n, line) = r.push(b"220 ok\r\n\x16\x03\x01").unwrap();
        assert_eq!(n, 8);
        assert_eq!(line.unwrap().bytes, b"220 ok");
    }

    #[test]
    fn byte_at_a_time_gives_the_same_lines() {
        let input = b"a\r\nbc\r\n\r\nd\n";
        let mut r = LineReader::new(16);
        let mut lines = Vec::new();
        for b in input {
            let (n, line) = r.push(std::slice::from_ref(b)).unwrap();
            assert_eq!(n, 1);
            lines.extend(line.map(|l| l.bytes));
        }
        assert_eq!(lines, [b"a".to_vec(), b"bc".to_vec(), b"".to_vec(), b"d".to_vec()]);
    }

    #[test]
    fn the_cap_counts_content_not_the_line_ending() {
        let mut r = LineReader::new(4);
        assert_eq!(all_lines(&mut r, b"abcd\r\n").unwrap().len(), 1);
        let mut r = LineReader::new(4);
        assert_eq!(all_lines(&mut r, b"abcd\n").unwrap().len(), 1);
        // Byte by byte, the CR may arrive before we know it ends the line.
        let mut r = LineReader::new(4);
        for b in b"abcd\r" {
            r.push(std::slice::from_ref(b)).unwrap();
        }
        assert_eq!(r.push(b"\n").unwrap().1.unwrap().bytes, b"abcd");
        let mut r = LineReader::new(4);
        assert_eq!(all_lines(&mut r, b"abcde\r\n"), Err(Violation::LineTooLong { max: 4 }));
        let mut r = LineReader::new(4);
        for b in b"abcd\r" {
            r.push(std::slice::from_ref(b)).unwrap();
        }
        assert_eq!(r.push(b"x"), Err(Violation::LineTooLong { max: 4 }));
    }

    #[test]
    fn text_escapes_controls_and_replaces_invalid_utf8() {
        assert_eq!(text(b"a\x00b\xff"), "a\\0b\u{fffd}");
        assert_eq!(excerpt(b"abcdef", 3), "abc");
    }
}
