//! Shared primitives of every wire codec: the typed decode and encode errors, the nom
//! parsers for integers and length-prefixed vectors with explicit caps, and the generic
//! extension block.
//!
//! nom stays inside the crate: the public face of each message module is
//! `parse(&[u8]) -> Result<T, DecodeError>` and `encode(&self, &mut Vec<u8>)`.
//!
//! Offsets in errors are absolute: every parser works on sub-slices of the caller's input,
//! so the position of a failure is the distance between the failing slice and the start of
//! the buffer handed to `parse_all`.

use thiserror::Error;

use crate::registry::ExtensionType;

/// Why a message failed to decode, and where.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{message} at offset {offset}: {kind}")]
pub struct DecodeError {
    /// The message being decoded, e.g. `"ServerHello"`.
    pub message: &'static str,
    /// Byte offset from the start of the input handed to the decoder.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

/// The defect a decoder found.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside a field.
    #[error("{field} is truncated: needs {needed} bytes, {available} available")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// Bytes were left over after a structure that must fill its container exactly.
    #[error("{count} unexpected bytes after {field}")]
    TrailingBytes {
        /// The structure that should have ended at the container's end.
        field: &'static str,
        /// How many bytes were left.
        count: usize,
    },
    /// A length or count exceeds what the protocol (or mxray's cap) allows.
    #[error("{field} length {len} exceeds the limit of {max}")]
    TooLong {
        /// The field whose length was read.
        field: &'static str,
        /// The length declared on the wire.
        len: usize,
        /// The largest length accepted.
        max: usize,
    },
    /// A length is below the protocol's minimum (e.g. an empty list that must not be).
    #[error("{field} length {len} is below the minimum of {min}")]
    TooShort {
        /// The field whose length was read.
        field: &'static str,
        /// The length declared on the wire.
        len: usize,
        /// The smallest length accepted.
        min: usize,
    },
    /// A field holds a value the message cannot carry there.
    #[error("{field} has unexpected value {value:#x}")]
    UnexpectedValue {
        /// The field that was read.
        field: &'static str,
        /// The value found.
        value: u32,
    },
    /// A structural rule was broken (odd length of a list of 16-bit values, and the like).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field that was read.
        field: &'static str,
        /// What rule was broken.
        reason: &'static str,
    },
}

/// Why a message could not be encoded: a value does not fit its length field.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{field} is {len} bytes, more than its length field allows ({max})")]
pub struct EncodeError {
    /// The field being written.
    pub field: &'static str,
    /// Its encoded length.
    pub len: usize,
    /// The largest length the field can express.
    pub max: usize,
}

/// A wire message with a decoder and an encoder that round-trip.
pub trait Codec: Sized {
    /// The message's name as it appears in errors.
    const NAME: &'static str;

    /// Decodes exactly one message from `bytes`; trailing bytes are an error.
    fn parse(bytes: &[u8]) -> Result<Self, DecodeError>;

    /// Appends the message's encoding to `out`.
    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;

    /// The encoding as a new vector.
    fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }
}

/// The nom error type of the wire parsers: the slice where the failure happened and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WireError<'a> {
    pub(crate) input: &'a [u8],
    pub(crate) kind: DecodeErrorKind,
}

impl<'a> WireError<'a> {
    pub(crate) fn new(input: &'a [u8], kind: DecodeErrorKind) -> Self {
        Self { input, kind }
    }

    /// Converts into the public error, with the offset relative to `base`.
    pub(crate) fn into_decode_error(self, message: &'static str, base: &[u8]) -> DecodeError {
        DecodeError { message, offset: offset_in(base, self.input), kind: self.kind }
    }
}

impl<'a> nom::error::ParseError<&'a [u8]> for WireError<'a> {
    fn from_error_kind(input: &'a [u8], kind: nom::error::ErrorKind) -> Self {
        let kind = match kind {
            nom::error::ErrorKind::Eof | nom::error::ErrorKind::Complete => {
                DecodeErrorKind::Truncated { field: "input", needed: 1, available: input.len() }
            }
            _ => DecodeErrorKind::Invalid { field: "input", reason: "malformed input" },
        };
        Self { input, kind }
    }

    fn append(_input: &'a [u8], _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// Result type of the crate-private nom parsers.
pub(crate) type PResult<'a, T> = nom::IResult<&'a [u8], T, WireError<'a>>;

/// Position of `part` inside `base` (both slices of one buffer); clamped to `base.len()`.
pub(crate) fn offset_in(base: &[u8], part: &[u8]) -> usize {
    part.as_ptr().addr().saturating_sub(base.as_ptr().addr()).min(base.len())
}

/// A failure at `input` (recoverable by `alt`, like any nom `Error`).
pub(crate) fn fail<'a, T>(input: &'a [u8], kind: DecodeErrorKind) -> PResult<'a, T> {
    Err(nom::Err::Error(WireError::new(input, kind)))
}

/// Runs `parser` over all of `input` and converts the outcome into the public error type.
pub(crate) fn parse_all<'a, T>(
    message: &'static str,
    input: &'a [u8],
    mut parser: impl FnMut(&'a [u8]) -> PResult<'a, T>,
) -> Result<T, DecodeError> {
    match parser(input) {
        Ok(([], value)) => Ok(value),
        Ok((rest, _)) => {
            Err(WireError::new(rest, DecodeErrorKind::TrailingBytes { field: message, count: rest.len() })
                .into_decode_error(message, input))
        }
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.into_decode_error(message, input)),
        Err(nom::Err::Incomplete(_)) => Err(DecodeError {
            message,
            offset: input.len(),
            kind: DecodeErrorKind::Truncated { field: message, needed: 1, available: 0 },
        }),
    }
}

/// Takes exactly `n` bytes.
pub(crate) fn take<'a>(field: &'static str, n: usize) -> impl FnMut(&'a [u8]) -> PResult<'a, &'a [u8]> {
    move |input: &'a [u8]| {
        if input.len() < n {
            return fail(input, DecodeErrorKind::Truncated { field, needed: n, available: input.len() });
        }
        let (head, rest) = input.split_at(n);
        Ok((rest, head))
    }
}

/// Reads one byte.
pub(crate) fn u8<'a>(field: &'static str) -> impl FnMut(&'a [u8]) -> PResult<'a, u8> {
    move |input| {
        let (rest, b) = take(field, 1)(input)?;
        Ok((rest, b[0]))
    }
}

/// Reads a big-endian 16-bit integer.
pub(crate) fn u16<'a>(field: &'static str) -> impl FnMut(&'a [u8]) -> PResult<'a, u16> {
    move |input| {
        let (rest, b) = take(field, 2)(input)?;
        Ok((rest, u16::from_be_bytes([b[0], b[1]])))
    }
}

/// Reads a big-endian 24-bit integer.
pub(crate) fn u24<'a>(field: &'static str) -> impl FnMut(&'a [u8]) -> PResult<'a, u32> {
    move |input| {
        let (rest, b) = take(field, 3)(input)?;
        Ok((rest, u32::from_be_bytes([0, b[0], b[1], b[2]])))
    }
}

/// Reads a big-endian 32-bit integer.
pub(crate) fn u32<'a>(field: &'static str) -> impl FnMut(&'a [u8]) -> PResult<'a, u32> {
    move |input| {
        let (rest, b) = take(field, 4)(input)?;
        Ok((rest, u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    }
}

/// Reads a vector with a length prefix of `prefix` bytes (1, 2 or 3), checking
/// `min <= len <= max` before taking the body.
fn vec_n<'a>(
    field: &'static str,
    prefix: usize,
    min: usize,
    max: usize,
) -> impl FnMut(&'a [u8]) -> PResult<'a, &'a [u8]> {
    move |input: &'a [u8]| {
        let (rest, len_bytes) = take(field, prefix)(input)?;
        let len = len_bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len > max {
            return fail(input, DecodeErrorKind::TooLong { field, len, max });
        }
        if len < min {
            return fail(input, DecodeErrorKind::TooShort { field, len, min });
        }
        take(field, len)(rest)
    }
}

/// A vector with a one-byte length prefix (`opaque x<min..max>` with max <= 255).
pub(crate) fn vec8<'a>(
    field: &'static str,
    min: usize,
    max: usize,
) -> impl FnMut(&'a [u8]) -> PResult<'a, &'a [u8]> {
    vec_n(field, 1, min, max)
}

/// A vector with a two-byte length prefix.
pub(crate) fn vec16<'a>(
    field: &'static str,
    min: usize,
    max: usize,
) -> impl FnMut(&'a [u8]) -> PResult<'a, &'a [u8]> {
    vec_n(field, 2, min, max)
}

/// A vector with a three-byte length prefix.
pub(crate) fn vec24<'a>(
    field: &'static str,
    min: usize,
    max: usize,
) -> impl FnMut(&'a [u8]) -> PResult<'a, &'a [u8]> {
    vec_n(field, 3, min, max)
}

/// Parses `body` as a sequence of items until it is exhausted. Each item must consume at
/// least one byte; more than `max_items` items is an error. The vector grows with the
/// items actually parsed, so its size is bounded by `body.len()`.
pub(crate) fn items<'a, T>(
    field: &'static str,
    body: &'a [u8],
    max_items: usize,
    mut item: impl FnMut(&'a [u8]) -> PResult<'a, T>,
) -> Result<Vec<T>, nom::Err<WireError<'a>>> {
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        if out.len() == max_items {
            return Err(nom::Err::Error(WireError::new(
                rest,
                DecodeErrorKind::TooLong { field, len: out.len() + 1, max: max_items },
            )));
        }
        let (next, value) = item(rest)?;
        if next.len() == rest.len() {
            return Err(nom::Err::Error(WireError::new(
                rest,
                DecodeErrorKind::Invalid { field, reason: "item consumed no bytes" },
            )));
        }
        out.push(value);
        rest = next;
    }
    Ok(out)
}

/// Parses a list of big-endian 16-bit values that fills `body` exactly.
pub(crate) fn u16_items<'a>(
    field: &'static str,
    body: &'a [u8],
) -> Result<Vec<u16>, nom::Err<WireError<'a>>> {
    if !body.len().is_multiple_of(2) {
        return Err(nom::Err::Error(WireError::new(
            body,
            DecodeErrorKind::Invalid { field, reason: "odd length for a list of 16-bit values" },
        )));
    }
    Ok(body.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect())
}

/// Appends one byte.
pub(crate) fn put_u8(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}

/// Appends a big-endian 16-bit integer.
pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends the low 24 bits of `v`, big-endian.
pub(crate) fn put_u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes()[1..]);
}

/// Appends a big-endian 32-bit integer.
pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Writes a length prefix of `prefix` bytes, lets `body` append the content, then patches
/// the prefix. Fails if the content does not fit the prefix.
fn with_len(
    field: &'static str,
    prefix: usize,
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let at = out.len();
    out.extend(std::iter::repeat_n(0, prefix));
    body(out)?;
    let len = out.len() - at - prefix;
    let max = (1usize << (8 * prefix)) - 1;
    if len > max {
        out.truncate(at);
        return Err(EncodeError { field, len, max });
    }
    let be = (len as u32).to_be_bytes();
    out[at..at + prefix].copy_from_slice(&be[4 - prefix..]);
    Ok(())
}

/// Writes content behind a one-byte length prefix.
pub(crate) fn with_len8(
    field: &'static str,
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    with_len(field, 1, out, body)
}

/// Writes content behind a two-byte length prefix.
pub(crate) fn with_len16(
    field: &'static str,
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    with_len(field, 2, out, body)
}

/// Writes content behind a three-byte length prefix.
pub(crate) fn with_len24(
    field: &'static str,
    out: &mut Vec<u8>,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    with_len(field, 3, out, body)
}

/// Writes `bytes` behind a one-byte length prefix.
pub(crate) fn put_vec8(field: &'static str, out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), EncodeError> {
    with_len8(field, out, |o| {
        o.extend_from_slice(bytes);
        Ok(())
    })
}

/// Writes `bytes` behind a two-byte length prefix.
pub(crate) fn put_vec16(field: &'static str, out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), EncodeError> {
    with_len16(field, out, |o| {
        o.extend_from_slice(bytes);
        Ok(())
    })
}

/// Writes `bytes` behind a three-byte length prefix.
pub(crate) fn put_vec24(field: &'static str, out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), EncodeError> {
    with_len24(field, out, |o| {
        o.extend_from_slice(bytes);
        Ok(())
    })
}

/// One extension as it appears on the wire: its type and its undecoded body.
///
/// Typed views of the bodies live in the message modules; the raw form is what hellos
/// carry, so that unknown, GREASE and duplicate extensions survive a round trip.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawExtension {
    /// The extension type (kept even when unknown).
    pub kind: ExtensionType,
    /// The extension's body, without its length prefix.
    pub data: Vec<u8>,
}

/// Most extensions a hello may carry before mxray refuses it (the block is at most 64 KiB,
/// and each extension takes at least 4 bytes, so this bound is never reached by size alone).
pub(crate) const MAX_EXTENSIONS: usize = 16_384;

/// Parses one `Extension` (type, `opaque extension_data<0..2^16-1>`).
pub(crate) fn extension(input: &[u8]) -> PResult<'_, RawExtension> {
    let (input, kind) = u16("extension type")(input)?;
    let (input, data) = vec16("extension data", 0, usize::from(u16::MAX))(input)?;
    Ok((input, RawExtension { kind: ExtensionType(kind), data: data.to_vec() }))
}

/// Parses an extension block: a two-byte length, then extensions filling it exactly.
pub(crate) fn extension_block(input: &[u8]) -> PResult<'_, Vec<RawExtension>> {
    let (rest, body) = vec16("extensions", 0, usize::from(u16::MAX))(input)?;
    let exts = items("extensions", body, MAX_EXTENSIONS, extension)?;
    Ok((rest, exts))
}

/// Writes an extension block (two-byte length, then each extension).
pub(crate) fn encode_extension_block(exts: &[RawExtension], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    with_len16("extensions", out, |out| {
        for ext in exts {
            put_u16(out, ext.kind.0);
            put_vec16("extension data", out, &ext.data)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_decode_and_encode_as_tables_say() {
        let table: &[(u32, usize, &[u8])] = &[
            (0, 1, &[0x00]),
            (0xff, 1, &[0xff]),
            (0x0303, 2, &[0x03, 0x03]),
            (0xffff, 2, &[0xff, 0xff]),
            (0x01_0203, 3, &[0x01, 0x02, 0x03]),
            (0xdead_beef, 4, &[0xde, 0xad, 0xbe, 0xef]),
        ];
        for &(value, width, bytes) in table {
            let mut out = Vec::new();
            let decoded = match width {
                1 => {
                    put_u8(&mut out, value as u8);
                    u32::from(parse_all("t", bytes, u8("v")).unwrap())
                }
                2 => {
                    put_u16(&mut out, value as u16);
                    u32::from(parse_all("t", bytes, u16("v")).unwrap())
                }
                3 => {
                    put_u24(&mut out, value);
                    parse_all("t", bytes, u24("v")).unwrap()
                }
                _ => {
                    put_u32(&mut out, value);
                    parse_all("t", bytes, u32("v")).unwrap()
                }
            };
            assert_eq!(decoded, value);
            assert_eq!(out, bytes);
        }
    }

    #[test]
    fn errors_carry_absolute_offsets() {
        // vec16 declares 5 bytes, only 2 follow: the failure is at the body, offset 2 + 1.
        let input = [0xaa, 0x00, 0x05, 0x01, 0x02];
        let err = parse_all("t", &input, |i| {
            let (i, _) = u8("lead")(i)?;
            vec16("body", 0, 100)(i)
        })
        .unwrap_err();
        assert_eq!(err.offset, 3);
        assert_eq!(err.kind, DecodeErrorKind::Truncated { field: "body", needed: 5, available: 2 });
    }

    #[test]
    fn lengths_are_capped_before_taking() {
        let input = [0x01, 0x00];
        let err = parse_all("t", &input, vec16("body", 0, 255)).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLong { field: "body", len: 256, max: 255 });
        assert_eq!(err.offset, 0);
    }

    #[test]
    fn trailing_bytes_are_rejected_where_they_start() {
        let err = parse_all("t", &[1, 2, 3], u16("v")).unwrap_err();
        assert_eq!(err.offset, 2);
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { field: "t", count: 1 });
    }

    #[test]
    fn encoders_refuse_content_longer_than_the_prefix() {
        let mut out = vec![9];
        let err = put_vec8("x", &mut out, &[0; 256]).unwrap_err();
        assert_eq!(err, EncodeError { field: "x", len: 256, max: 255 });
        assert_eq!(out, [9], "a failed write leaves the buffer as it was");
    }

    #[test]
    fn extension_blocks_round_trip_with_unknown_types() {
        let exts = vec![
            RawExtension { kind: ExtensionType(0x0a0a), data: vec![] },
            RawExtension { kind: ExtensionType(0xfe0d), data: vec![1, 2, 3] },
            RawExtension { kind: ExtensionType(0), data: vec![0; 7] },
        ];
        let mut out = Vec::new();
        encode_extension_block(&exts, &mut out).unwrap();
        assert_eq!(parse_all("t", &out, extension_block).unwrap(), exts);
        for cut in 0..out.len() {
            assert!(parse_all("t", &out[..cut], extension_block).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn odd_u16_lists_are_invalid() {
        assert!(u16_items("list", &[1, 2, 3]).is_err());
        assert_eq!(u16_items("list", &[0, 1, 0xc0, 0x2f]).unwrap(), vec![1, 0xc02f]);
    }
}
