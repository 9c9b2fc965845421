//! The record layer: TLS records (RFC 5246 §6.2, RFC 8446 §5.1) and SSL 2.0 record
//! headers (draft-hickman-netscape-ssl-00 §1.2), their size limits, an incremental sans-IO
//! reader that reassembles records from reads of any size (down to one byte), and an
//! encoder that splits a byte stream into records of a chosen maximum size.
//!
//! # Limits
//!
//! RFC 5246 §6.2 caps plaintext fragments at 2^14 bytes ([`MAX_PLAINTEXT_LEN`]) and
//! protected ones at 2^14 + 2048 ([`MAX_TLS12_CIPHERTEXT_LEN`]); RFC 8446 §5.2 lowers the
//! latter to 2^14 + 256 ([`MAX_TLS13_CIPHERTEXT_LEN`]). A scanner reading a server does not
//! know yet which version will be spoken, so [`Record::parse`] and [`RecordReader`] accept
//! up to the TLS 1.2 ciphertext limit and reject anything larger with
//! [`DecodeErrorKind::TooLong`], whose field names the limit. The reader's limit can be
//! lowered with [`RecordReader::with_max_fragment_len`]. The encoders refuse only what the
//! length field cannot express, so a prober can deliberately send oversized records.
//!
//! # TLS or SSL 2.0
//!
//! A [`RecordReader`] in [`RecordMode::Auto`] (the default) decides from the first byte of
//! the stream and then keeps that decision for the rest of the connection:
//!
//! - 20..=24 (a TLS content type) → TLS records;
//! - a byte with the high bit set → SSL 2.0 records; the first is a two-byte header, since
//!   a server's first SSL 2.0 message (SERVER-HELLO, or ERROR) is never encrypted, and
//!   three-byte (padded) headers are accepted after it;
//! - anything else → an error naming the byte (plaintext such as `"220 "` of SMTP lands here).
//!
//! Three-byte SSL 2.0 headers cannot start a stream in `Auto` mode: their first byte
//! (`0x00..=0x7f`) overlaps the TLS content types. [`RecordMode::Sslv2`] accepts both
//! header forms from the start; [`RecordMode::Tls`] never looks for SSL 2.0.
//!
//! In TLS mode the reader rejects content types other than the five of [`ContentType`]:
//! on a TLS connection anything else means the peer is not speaking TLS. [`Record::parse`]
//! itself keeps unknown content types, for analysers of captured traffic.

use std::fmt;

use crate::registry::{AlertDescription, ProtocolVersion};
use crate::wire::codec::{
    Codec, DecodeError, DecodeErrorKind, EncodeError, PResult, fail, parse_all, put_u8, put_u16, put_vec16,
    take, u8, u16,
};

/// Largest plaintext fragment: 2^14 bytes (RFC 5246 §6.2.1, RFC 8446 §5.1).
pub const MAX_PLAINTEXT_LEN: usize = 1 << 14;
/// Largest protected fragment up to TLS 1.2: 2^14 + 2048 bytes (RFC 5246 §6.2.3).
pub const MAX_TLS12_CIPHERTEXT_LEN: usize = (1 << 14) + 2048;
/// Largest protected fragment in TLS 1.3: 2^14 + 256 bytes (RFC 8446 §5.2).
pub const MAX_TLS13_CIPHERTEXT_LEN: usize = (1 << 14) + 256;
/// Length of a TLS record header: type, version, length.
pub const TLS_HEADER_LEN: usize = 5;
/// Largest body behind an SSL 2.0 two-byte header (15-bit length).
pub const MAX_SSLV2_LEN_TWO_BYTE: usize = 0x7fff;
/// Largest body behind an SSL 2.0 three-byte header (14-bit length).
pub const MAX_SSLV2_LEN_THREE_BYTE: usize = 0x3fff;

/// The error field used when a TLS record exceeds the TLS 1.2 ciphertext limit.
const LIMIT_FIELD_TLS12: &str = "record length (TLS 1.2 ciphertext limit 2^14+2048)";
/// The error field used when a TLS record exceeds a limit set by the caller.
const LIMIT_FIELD_CUSTOM: &str = "record length (limit set for this reader)";

/// The content type of a TLS record. Unknown values are kept and shown as hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentType(pub u8);

impl ContentType {
    /// `change_cipher_spec` (20).
    pub const CHANGE_CIPHER_SPEC: Self = Self(20);
    /// `alert` (21).
    pub const ALERT: Self = Self(21);
    /// `handshake` (22).
    pub const HANDSHAKE: Self = Self(22);
    /// `application_data` (23).
    pub const APPLICATION_DATA: Self = Self(23);
    /// `heartbeat` (24, RFC 6520).
    pub const HEARTBEAT: Self = Self(24);

    /// The registry name, `None` for values TLS does not define.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            20 => "change_cipher_spec",
            21 => "alert",
            22 => "handshake",
            23 => "application_data",
            24 => "heartbeat",
            _ => return None,
        })
    }

    /// True for the five content types a TLS connection can carry.
    pub fn is_known(self) -> bool {
        self.name().is_some()
    }
}

impl fmt::Debug for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "ContentType({:#04x})", self.0),
        }
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{:#04X}", self.0),
        }
    }
}

/// One TLS record: header fields and the (plaintext or protected) fragment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The content type (kept even when unknown).
    pub content_type: ContentType,
    /// The record-layer version (`legacy_record_version` in TLS 1.3).
    pub version: ProtocolVersion,
    /// The fragment, without the header.
    pub fragment: Vec<u8>,
}

impl Record {
    /// A record carrying `fragment`.
    pub fn new(content_type: ContentType, version: ProtocolVersion, fragment: Vec<u8>) -> Self {
        Self { content_type, version, fragment }
    }

    /// A plaintext alert record: level (1 warning, 2 fatal) and description.
    pub fn alert(version: ProtocolVersion, level: u8, description: AlertDescription) -> Self {
        Self::new(ContentType::ALERT, version, vec![level, description.0])
    }
}

/// Parses a TLS record header and its fragment (up to `max` bytes).
fn tls_record(max: usize, limit_field: &'static str) -> impl FnMut(&[u8]) -> PResult<'_, Record> {
    move |input| {
        let (rest, content_type) = u8("record content type")(input)?;
        let (rest, version) = u16("record version")(rest)?;
        let (body, len) = u16("record length")(rest)?;
        let len = usize::from(len);
        if len > max {
            return fail(rest, DecodeErrorKind::TooLong { field: limit_field, len, max });
        }
        let (rest, fragment) = take("record fragment", len)(body)?;
        Ok((
            rest,
            Record {
                content_type: ContentType(content_type),
                version: ProtocolVersion(version),
                fragment: fragment.to_vec(),
            },
        ))
    }
}

impl Codec for Record {
    const NAME: &'static str = "TLS record";

    /// Decodes one record; fragments longer than [`MAX_TLS12_CIPHERTEXT_LEN`] are refused.
    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, tls_record(MAX_TLS12_CIPHERTEXT_LEN, LIMIT_FIELD_TLS12))
    }

    /// Encodes the record; only fragments beyond 65535 bytes are refused, so oversized
    /// records can be sent on purpose.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let at = out.len();
        put_u8(out, self.content_type.0);
        put_u16(out, self.version.0);
        put_vec16("record fragment", out, &self.fragment).inspect_err(|_| out.truncate(at))
    }
}

/// Splits `data` into records of `content_type` with at most `max_fragment` bytes each
/// and appends them to `out`. `max_fragment` is clamped to `1..=65535`; empty `data`
/// yields no record. Used to send fragmented handshakes on purpose.
pub fn encode_records(
    content_type: ContentType,
    version: ProtocolVersion,
    data: &[u8],
    max_fragment: usize,
    out: &mut Vec<u8>,
) {
    let max = max_fragment.clamp(1, usize::from(u16::MAX));
    for chunk in data.chunks(max) {
        put_u8(out, content_type.0);
        put_u16(out, version.0);
        // `chunk.len() <= u16::MAX` by the clamp above.
        put_u16(out, u16::try_from(chunk.len()).unwrap_or(u16::MAX));
        out.extend_from_slice(chunk);
    }
}

/// One SSL 2.0 record: header form and the raw body (MAC, data and padding, still
/// encrypted if the connection is). The [`sslv2`](crate::wire::sslv2) module decodes the
/// messages inside.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sslv2Record {
    /// True for the three-byte header form, which carries `security_escape` and `padding`.
    pub three_byte_header: bool,
    /// The IS-ESCAPE bit of a three-byte header (always false for a two-byte header).
    pub security_escape: bool,
    /// Count of padding bytes at the end of `body` (three-byte header only; else 0).
    pub padding: u8,
    /// The record body, `RECORD-LENGTH` bytes.
    pub body: Vec<u8>,
}

impl Sslv2Record {
    /// A record with a two-byte header, as every unencrypted SSL 2.0 message uses.
    pub fn new(body: Vec<u8>) -> Self {
        Self { three_byte_header: false, security_escape: false, padding: 0, body }
    }
}

/// Parses an SSL 2.0 record; `allow_three_byte` says whether a first byte without the
/// high bit is a three-byte header or an error.
fn sslv2_record(allow_three_byte: bool) -> impl FnMut(&[u8]) -> PResult<'_, Sslv2Record> {
    move |input| {
        let (rest, b0) = u8("SSLv2 record header")(input)?;
        let (rest, b1) = u8("SSLv2 record header")(rest)?;
        if b0 & 0x80 != 0 {
            let len = (usize::from(b0 & 0x7f) << 8) | usize::from(b1);
            let (rest, body) = take("SSLv2 record body", len)(rest)?;
            return Ok((rest, Sslv2Record::new(body.to_vec())));
        }
        if !allow_three_byte {
            return fail(
                input,
                DecodeErrorKind::UnexpectedValue { field: "SSLv2 record header", value: u32::from(b0) },
            );
        }
        let (body_start, padding) = u8("SSLv2 record padding")(rest)?;
        let len = (usize::from(b0 & 0x3f) << 8) | usize::from(b1);
        if usize::from(padding) > len {
            return fail(
                rest,
                DecodeErrorKind::Invalid {
                    field: "SSLv2 record padding",
                    reason: "padding longer than the record",
                },
            );
        }
        let (rest, body) = take("SSLv2 record body", len)(body_start)?;
        Ok((
            rest,
            Sslv2Record {
                three_byte_header: true,
                security_escape: b0 & 0x40 != 0,
                padding,
                body: body.to_vec(),
            },
        ))
    }
}

impl Codec for Sslv2Record {
    const NAME: &'static str = "SSLv2 record";

    /// Decodes one record with either header form.
    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, sslv2_record(true))
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let len = self.body.len();
        if self.three_byte_header {
            if len > MAX_SSLV2_LEN_THREE_BYTE {
                return Err(EncodeError { field: "SSLv2 record body", len, max: MAX_SSLV2_LEN_THREE_BYTE });
            }
            let escape = if self.security_escape { 0x40 } else { 0 };
            // `len` fits 14 bits, checked above.
            put_u8(out, escape | ((len >> 8) as u8 & 0x3f));
            put_u8(out, (len & 0xff) as u8);
            put_u8(out, self.padding);
        } else {
            if len > MAX_SSLV2_LEN_TWO_BYTE {
                return Err(EncodeError { field: "SSLv2 record body", len, max: MAX_SSLV2_LEN_TWO_BYTE });
            }
            put_u8(out, 0x80 | ((len >> 8) as u8 & 0x7f));
            put_u8(out, (len & 0xff) as u8);
        }
        out.extend_from_slice(&self.body);
        Ok(())
    }
}

/// What a [`RecordReader`] yields.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Frame {
    /// A TLS record.
    Tls(Record),
    /// An SSL 2.0 record.
    Sslv2(Sslv2Record),
}

/// Which record formats a [`RecordReader`] accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RecordMode {
    /// Decide from the first byte of the stream (see the module documentation).
    #[default]
    Auto,
    /// TLS records only.
    Tls,
    /// SSL 2.0 records only, with two- or three-byte headers.
    Sslv2,
}

/// An incremental, sans-IO record deframer.
///
/// Feed it bytes as they arrive with [`push`](Self::push) (which takes only what fits one
/// maximal record plus its header, and says how much it took), then drain complete records
/// with [`next_record`](Self::next_record). A caller's loop:
///
/// ```
/// # use mxray_core::wire::record::RecordReader;
/// let mut reader = RecordReader::new();
/// let mut input: &[u8] = &[22, 3, 3, 0, 1, 0x0e];
/// while !input.is_empty() {
///     let taken = reader.push(input);
///     input = &input[taken..];
///     while let Some(frame) = reader.next_record() {
///         let frame = frame.expect("a valid record");
///         # let _ = frame;
///     }
/// }
/// ```
///
/// Errors are final: once a record is malformed, every later call to `next_record` returns
/// the same error and `push` discards its input (reporting it as taken, so a loop ends).
/// Error offsets count bytes from the start of the stream.
#[derive(Clone, Debug)]
pub struct RecordReader {
    buf: Vec<u8>,
    /// The mode asked for; `Auto` until the first byte decides.
    mode: RecordMode,
    /// Stream offset of `buf[0]`.
    consumed: usize,
    max_fragment: usize,
    error: Option<DecodeError>,
}

impl Default for RecordReader {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordReader {
    /// A reader in [`RecordMode::Auto`] with the TLS 1.2 ciphertext limit.
    pub fn new() -> Self {
        Self::with_mode(RecordMode::Auto)
    }

    /// A reader in the given mode.
    pub fn with_mode(mode: RecordMode) -> Self {
        Self { buf: Vec::new(), mode, consumed: 0, max_fragment: MAX_TLS12_CIPHERTEXT_LEN, error: None }
    }

    /// Lowers (or raises, up to 65535) the largest TLS fragment accepted.
    pub fn with_max_fragment_len(mut self, max: usize) -> Self {
        self.max_fragment = max.min(usize::from(u16::MAX));
        self
    }

    /// The current mode; `Auto` until the first byte has been seen.
    pub fn mode(&self) -> RecordMode {
        self.mode
    }

    /// Bytes held that do not yet form a complete record.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The largest number of bytes the buffer may hold in the current mode.
    pub fn capacity(&self) -> usize {
        match self.mode {
            // The first byte decides; until then one header is all we need.
            RecordMode::Auto => TLS_HEADER_LEN,
            RecordMode::Tls => TLS_HEADER_LEN + self.max_fragment,
            RecordMode::Sslv2 => 2 + MAX_SSLV2_LEN_TWO_BYTE,
        }
    }

    /// Takes as many bytes of `data` as fit the buffer and returns how many it took; call
    /// [`next_record`](Self::next_record) to make room, then offer the rest again.
    pub fn push(&mut self, data: &[u8]) -> usize {
        if self.error.is_some() {
            return data.len();
        }
        if self.mode == RecordMode::Auto
            && self.buf.is_empty()
            && let Some(&first) = data.first()
        {
            self.decide(first);
            if self.error.is_some() {
                return data.len();
            }
        }
        let room = self.capacity().saturating_sub(self.buf.len());
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        n
    }

    /// Fixes the mode from the first byte of the stream.
    fn decide(&mut self, first: u8) {
        if ContentType(first).is_known() {
            self.mode = RecordMode::Tls;
        } else if first & 0x80 != 0 {
            self.mode = RecordMode::Sslv2;
        } else {
            self.error = Some(DecodeError {
                message: "TLS record",
                offset: self.consumed,
                kind: DecodeErrorKind::UnexpectedValue {
                    field: "record content type (neither TLS nor an SSLv2 header)",
                    value: u32::from(first),
                },
            });
        }
    }

    /// The next complete record, `None` if more bytes are needed, or the error that
    /// stopped the stream.
    pub fn next_record(&mut self) -> Option<Result<Frame, DecodeError>> {
        if let Some(e) = &self.error {
            return Some(Err(e.clone()));
        }
        let step = match self.mode {
            RecordMode::Auto => return None,
            RecordMode::Tls => self.next_tls(),
            RecordMode::Sslv2 => self.next_sslv2(),
        };
        match step {
            Ok(Some((frame, used))) => {
                self.buf.drain(..used);
                self.consumed += used;
                Some(Ok(frame))
            }
            Ok(None) => None,
            Err(e) => {
                self.error = Some(e.clone());
                Some(Err(e))
            }
        }
    }

    fn error_at(&self, message: &'static str, at: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError { message, offset: self.consumed + at, kind }
    }

    fn next_tls(&self) -> Result<Option<(Frame, usize)>, DecodeError> {
        let Some(header) = self.buf.get(..TLS_HEADER_LEN) else {
            return Ok(None);
        };
        let content_type = ContentType(header[0]);
        if !content_type.is_known() {
            return Err(self.error_at(
                Record::NAME,
                0,
                DecodeErrorKind::UnexpectedValue {
                    field: "record content type",
                    value: u32::from(header[0]),
                },
            ));
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if len > self.max_fragment {
            let field = if self.max_fragment == MAX_TLS12_CIPHERTEXT_LEN {
                LIMIT_FIELD_TLS12
            } else {
                LIMIT_FIELD_CUSTOM
            };
            return Err(self.error_at(
                Record::NAME,
                3,
                DecodeErrorKind::TooLong { field, len, max: self.max_fragment },
            ));
        }
        let Some(fragment) = self.buf.get(TLS_HEADER_LEN..TLS_HEADER_LEN + len) else {
            return Ok(None);
        };
        let record = Record {
            content_type,
            version: ProtocolVersion(u16::from_be_bytes([header[1], header[2]])),
            fragment: fragment.to_vec(),
        };
        Ok(Some((Frame::Tls(record), TLS_HEADER_LEN + len)))
    }

    fn next_sslv2(&self) -> Result<Option<(Frame, usize)>, DecodeError> {
        let Some(&[b0, b1]) = self.buf.get(..2) else {
            return Ok(None);
        };
        // The first record of an Auto stream must use a two-byte header (module docs).
        let header_len = if b0 & 0x80 != 0 { 2 } else { 3 };
        let len = if header_len == 2 {
            (usize::from(b0 & 0x7f) << 8) | usize::from(b1)
        } else {
            (usize::from(b0 & 0x3f) << 8) | usize::from(b1)
        };
        if self.buf.len() < header_len + len {
            return Ok(None);
        }
        match sslv2_record(true)(&self.buf) {
            Ok((_, record)) => Ok(Some((Frame::Sslv2(record), header_len + len))),
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
                let mut e = e.into_decode_error(Sslv2Record::NAME, &self.buf);
                e.offset += self.consumed;
                Err(e)
            }
            Err(nom::Err::Incomplete(_)) => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn tls_sample() -> Vec<Record> {
        vec![
            Record::new(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_0, vec![1, 0, 0, 0]),
            Record::alert(ProtocolVersion::TLSV1_2, 2, AlertDescription(40)),
            Record::new(ContentType::CHANGE_CIPHER_SPEC, ProtocolVersion::TLSV1_2, vec![1]),
            Record::new(ContentType::APPLICATION_DATA, ProtocolVersion::TLSV1_2, vec![0xaa; 300]),
            Record::new(ContentType(99), ProtocolVersion(0xfefd), vec![]),
            Record::new(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, vec![7; MAX_TLS12_CIPHERTEXT_LEN]),
        ]
    }

    #[test]
    fn content_types_have_names() {
        let table = [
            (20, "change_cipher_spec"),
            (21, "alert"),
            (22, "handshake"),
            (23, "application_data"),
            (24, "heartbeat"),
        ];
        for (v, name) in table {
            assert_eq!(ContentType(v).name(), Some(name));
            assert_eq!(format!("{:?}", ContentType(v)), name);
        }
        assert_eq!(format!("{:?}", ContentType(0x32)), "ContentType(0x32)");
        assert_eq!(ContentType(0x32).to_string(), "0x32");
    }

    #[test]
    fn records_round_trip_and_every_truncation_fails() {
        for record in tls_sample() {
            let bytes = record.to_bytes().unwrap();
            assert_eq!(Record::parse(&bytes).unwrap(), record);
            for cut in 0..bytes.len() {
                assert!(Record::parse(&bytes[..cut]).is_err(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn alert_record_bytes_are_as_the_rfc_says() {
        let bytes = Record::alert(ProtocolVersion::TLSV1_2, 2, AlertDescription(40)).to_bytes().unwrap();
        assert_eq!(bytes, [21, 3, 3, 0, 2, 2, 40]);
    }

    #[test]
    fn oversized_records_are_refused_with_the_limit_named() {
        let mut bytes = vec![23, 3, 3, 0x48, 0x01];
        bytes.resize(5 + MAX_TLS12_CIPHERTEXT_LEN + 1, 0);
        let err = Record::parse(&bytes).unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::TooLong { field: LIMIT_FIELD_TLS12, len: 18433, max: MAX_TLS12_CIPHERTEXT_LEN }
        );
        assert_eq!(err.offset, 3);
        // The reader refuses it as soon as the header is in, without waiting for the body.
        let mut reader = RecordReader::new();
        assert_eq!(reader.push(&bytes[..5]), 5);
        let err = reader.next_record().unwrap().unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooLong { len: 18433, .. }));
        assert!(err.to_string().contains("2^14+2048"), "{err}");
        // And it stays failed.
        assert_eq!(reader.push(&bytes[5..]), bytes.len() - 5);
        assert!(reader.next_record().unwrap().is_err());
    }

    #[test]
    fn a_tls13_reader_applies_the_tls13_limit() {
        let mut reader =
            RecordReader::with_mode(RecordMode::Tls).with_max_fragment_len(MAX_TLS13_CIPHERTEXT_LEN);
        reader.push(&[23, 3, 3, 0x41, 0x01]);
        let err = reader.next_record().unwrap().unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::TooLong {
                field: LIMIT_FIELD_CUSTOM,
                len: 0x4101,
                max: MAX_TLS13_CIPHERTEXT_LEN
            }
        );
    }

    #[test]
    fn encode_records_splits_a_stream() {
        let data: Vec<u8> = (0..10).collect();
        let mut out = Vec::new();
        encode_records(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, &data, 4, &mut out);
        assert_eq!(
            out,
            [&[22, 3, 3, 0, 4, 0, 1, 2, 3][..], &[22, 3, 3, 0, 4, 4, 5, 6, 7], &[22, 3, 3, 0, 2, 8, 9],]
                .concat()
        );
        let mut out = Vec::new();
        encode_records(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, &data, 0, &mut out);
        assert_eq!(out.len(), 10 * 6, "a limit of 0 is clamped to 1");
    }

    /// Feeds `stream` to a reader in chunks of the sizes in `chunks` (cycled), returning
    /// every frame or the first error.
    fn read_all(
        mut reader: RecordReader,
        stream: &[u8],
        chunks: &[usize],
    ) -> Result<Vec<Frame>, DecodeError> {
        let mut frames = Vec::new();
        let mut rest = stream;
        let mut sizes = chunks.iter().cycle();
        while !rest.is_empty() {
            let want = sizes.next().copied().unwrap_or(1).max(1).min(rest.len());
            let mut piece = &rest[..want];
            rest = &rest[want..];
            while !piece.is_empty() {
                let n = reader.push(piece);
                piece = &piece[n..];
                while let Some(frame) = reader.next_record() {
                    frames.push(frame?);
                }
            }
        }
        Ok(frames)
    }

    #[test]
    fn reader_reassembles_records_from_any_read_sizes() {
        let records = tls_sample().into_iter().filter(|r| r.content_type.is_known()).collect::<Vec<_>>();
        let stream: Vec<u8> = records.iter().flat_map(|r| r.to_bytes().unwrap()).collect();
        let expected: Vec<Frame> = records.into_iter().map(Frame::Tls).collect();
        for chunks in [&[1][..], &[2], &[3, 7], &[5], &[4096], &[100_000], &[1, 18_437, 2]] {
            let frames = read_all(RecordReader::new(), &stream, chunks).unwrap();
            assert_eq!(frames, expected, "chunks {chunks:?}");
        }
    }

    #[test]
    fn reader_buffer_never_exceeds_one_maximal_record() {
        let mut reader = RecordReader::new();
        let mut big = vec![23u8, 3, 3, 0x48, 0x00];
        big.resize(100_000, 0);
        assert_eq!(reader.push(&big), TLS_HEADER_LEN + MAX_TLS12_CIPHERTEXT_LEN);
        assert_eq!(reader.buffered(), TLS_HEADER_LEN + MAX_TLS12_CIPHERTEXT_LEN);
        assert_eq!(reader.push(&big), 0, "full until drained");
        assert!(reader.next_record().unwrap().is_ok());
        assert_eq!(reader.buffered(), 0);
        assert_eq!(reader.push(&big[..3]), 3);
    }

    #[test]
    fn reader_rejects_plaintext_protocols_with_the_offending_byte() {
        let mut reader = RecordReader::new();
        reader.push(b"220 mail.example.org ESMTP\r\n");
        let err = reader.next_record().unwrap().unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(matches!(err.kind, DecodeErrorKind::UnexpectedValue { value: 0x32, .. }));

        // After a good record, a bad content type is reported at its stream offset.
        let mut reader = RecordReader::new();
        reader.push(&[22, 3, 3, 0, 1, 14, 0x32, 3, 3, 0, 0]);
        assert!(reader.next_record().unwrap().is_ok());
        let err = reader.next_record().unwrap().unwrap_err();
        assert_eq!(err.offset, 6);
    }

    #[test]
    fn sslv2_records_are_recognised_and_round_trip() {
        let two = Sslv2Record::new(vec![4, 0, 1, 0, 2]);
        let three =
            Sslv2Record { three_byte_header: true, security_escape: true, padding: 3, body: vec![9; 11] };
        for record in [&two, &three] {
            let bytes = record.to_bytes().unwrap();
            assert_eq!(&Sslv2Record::parse(&bytes).unwrap(), record);
            for cut in 0..bytes.len() {
                assert!(Sslv2Record::parse(&bytes[..cut]).is_err());
            }
        }
        assert_eq!(two.to_bytes().unwrap()[..2], [0x80, 5]);
        assert_eq!(three.to_bytes().unwrap()[..3], [0x40, 11, 3]);

        let stream = [two.to_bytes().unwrap(), three.to_bytes().unwrap()].concat();
        let frames = read_all(RecordReader::new(), &stream, &[1]).unwrap();
        assert_eq!(frames, [Frame::Sslv2(two.clone()), Frame::Sslv2(three.clone())]);

        // Told to expect SSLv2, a stream may start with a three-byte header.
        let stream = [three.to_bytes().unwrap(), two.to_bytes().unwrap()].concat();
        let frames = read_all(RecordReader::with_mode(RecordMode::Sslv2), &stream, &[2]).unwrap();
        assert_eq!(frames, [Frame::Sslv2(three), Frame::Sslv2(two)]);
    }

    #[test]
    fn sslv2_padding_longer_than_the_body_is_invalid() {
        let bytes = [0x00, 2, 3, 0, 0];
        let err = Sslv2Record::parse(&bytes).unwrap_err();
        assert_eq!(err.offset, 2);
        let err = read_all(RecordReader::with_mode(RecordMode::Sslv2), &[0x80, 0, 0x00, 2, 3, 0, 0], &[1])
            .unwrap_err();
        assert_eq!(err.offset, 4);
    }

    #[test]
    fn sslv2_encoder_refuses_what_the_header_cannot_say() {
        assert!(Sslv2Record::new(vec![0; 0x8000]).to_bytes().is_err());
        let r = Sslv2Record {
            three_byte_header: true,
            security_escape: false,
            padding: 0,
            body: vec![0; 0x4000],
        };
        assert!(r.to_bytes().is_err());
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_record_decoders(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = Record::parse(&data);
            let _ = Sslv2Record::parse(&data);
        }

        #[test]
        fn arbitrary_chunkings_never_panic_the_reader(
            data in proptest::collection::vec(any::<u8>(), 0..2000),
            chunks in proptest::collection::vec(1usize..50, 1..8),
            mode in 0u8..3,
        ) {
            let mode = [RecordMode::Auto, RecordMode::Tls, RecordMode::Sslv2][usize::from(mode)];
            let _ = read_all(RecordReader::with_mode(mode), &data, &chunks);
        }

        #[test]
        fn chunking_does_not_change_what_is_read(
            fragments in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6),
            chunks in proptest::collection::vec(1usize..40, 1..5),
        ) {
            let stream: Vec<u8> = fragments
                .iter()
                .flat_map(|f| Record::new(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, f.clone()).to_bytes().unwrap())
                .collect();
            let whole = read_all(RecordReader::new(), &stream, &[usize::MAX]).unwrap();
            let pieces = read_all(RecordReader::new(), &stream, &chunks).unwrap();
            prop_assert_eq!(whole, pieces);
        }
    }
}
