//! Handshake framing (RFC 5246 §7.4, RFC 8446 §4): the handshake types, the four-byte
//! header (`msg_type`, `uint24 length`), and a sans-IO [`HandshakeReader`] that reassembles
//! messages split across records, several messages per record, and reads of any size.
//!
//! Message bodies are decoded by their own modules ([`client_hello`](crate::wire::client_hello),
//! [`server_hello`](crate::wire::server_hello), …) without the header; this module adds and
//! removes it. A single message is capped at [`MAX_HANDSHAKE_MESSAGE_LEN`], checked from
//! the declared length before any of its body is buffered.

use std::collections::VecDeque;
use std::fmt;

use crate::registry::ProtocolVersion;
use crate::wire::codec::{
    Codec, DecodeError, DecodeErrorKind, EncodeError, fail, parse_all, put_u8, put_vec24, take, u8, u24,
};
use crate::wire::record::{ContentType, encode_records};

/// Largest handshake message mxray accepts: 256 KiB, ample for certificate chains
/// (rustls uses 64 KiB for its whole-message limit, OpenSSL 100 KiB by default).
pub const MAX_HANDSHAKE_MESSAGE_LEN: usize = 256 * 1024;
/// Length of the handshake header: type and 24-bit length.
pub const HANDSHAKE_HEADER_LEN: usize = 4;

/// A handshake message type. Unknown values are kept and shown as hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandshakeType(pub u8);

macro_rules! handshake_types {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        impl HandshakeType {
            $(
                #[doc = concat!("`", $text, "` (", stringify!($value), ").")]
                pub const $name: Self = Self($value);
            )*

            /// The registry name, `None` for unassigned values.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

handshake_types! {
    HELLO_REQUEST = 0, "hello_request";
    CLIENT_HELLO = 1, "client_hello";
    SERVER_HELLO = 2, "server_hello";
    HELLO_VERIFY_REQUEST = 3, "hello_verify_request";
    NEW_SESSION_TICKET = 4, "new_session_ticket";
    END_OF_EARLY_DATA = 5, "end_of_early_data";
    ENCRYPTED_EXTENSIONS = 8, "encrypted_extensions";
    CERTIFICATE = 11, "certificate";
    SERVER_KEY_EXCHANGE = 12, "server_key_exchange";
    CERTIFICATE_REQUEST = 13, "certificate_request";
    SERVER_HELLO_DONE = 14, "server_hello_done";
    CERTIFICATE_VERIFY = 15, "certificate_verify";
    CLIENT_KEY_EXCHANGE = 16, "client_key_exchange";
    FINISHED = 20, "finished";
    CERTIFICATE_URL = 21, "certificate_url";
    CERTIFICATE_STATUS = 22, "certificate_status";
    SUPPLEMENTAL_DATA = 23, "supplemental_data";
    KEY_UPDATE = 24, "key_update";
    MESSAGE_HASH = 254, "message_hash";
}

impl fmt::Debug for HandshakeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "HandshakeType({:#04x})", self.0),
        }
    }
}

impl fmt::Display for HandshakeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "{:#04X}", self.0),
        }
    }
}

/// A handshake message: its type and undecoded body (without the header).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HandshakeMessage {
    /// The message type.
    pub typ: HandshakeType,
    /// The body, decoded by the message's own module.
    pub body: Vec<u8>,
}

impl Codec for HandshakeMessage {
    const NAME: &'static str = "handshake message";

    /// Decodes exactly one framed message (header and body).
    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |input| {
            let (rest, typ) = u8("handshake type")(input)?;
            let (body_start, len) = u24("handshake length")(rest)?;
            let len = len as usize;
            if len > MAX_HANDSHAKE_MESSAGE_LEN {
                return fail(
                    rest,
                    DecodeErrorKind::TooLong {
                        field: "handshake length",
                        len,
                        max: MAX_HANDSHAKE_MESSAGE_LEN,
                    },
                );
            }
            let (rest, body) = take("handshake body", len)(body_start)?;
            Ok((rest, Self { typ: HandshakeType(typ), body: body.to_vec() }))
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        encode_handshake(self.typ, &self.body, out)
    }
}

/// Appends the header and `body` of one handshake message to `out`. Fails only when the
/// body does not fit the 24-bit length.
pub fn encode_handshake(typ: HandshakeType, body: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let at = out.len();
    put_u8(out, typ.0);
    put_vec24("handshake body", out, body).inspect_err(|_| out.truncate(at))
}

/// Frames `body` as a handshake message of type `typ` and splits it into handshake records
/// of `record_version` with at most `max_fragment` bytes each (see
/// [`encode_records`]): ready-to-send bytes.
pub fn handshake_records(
    typ: HandshakeType,
    body: &[u8],
    record_version: ProtocolVersion,
    max_fragment: usize,
) -> Result<Vec<u8>, EncodeError> {
    let mut message = Vec::with_capacity(body.len() + HANDSHAKE_HEADER_LEN);
    encode_handshake(typ, body, &mut message)?;
    let mut out = Vec::new();
    encode_records(ContentType::HANDSHAKE, record_version, &message, max_fragment, &mut out);
    Ok(out)
}

/// Reassembles handshake messages from the fragments of handshake records.
///
/// [`push`](Self::push) the fragment of every handshake record as it arrives (or any
/// slices of the handshake byte stream); [`next_message`](Self::next_message) yields the
/// messages completed so far, in order, then the error that stopped the stream, if any.
/// The declared length of each message is checked against the cap as soon as its header
/// is complete; the body is buffered only as its bytes arrive. Error offsets count bytes
/// of the handshake stream (record headers excluded).
#[derive(Clone, Debug)]
pub struct HandshakeReader {
    /// The header or body of the message being read.
    partial: Vec<u8>,
    /// Declared body length once the header is complete.
    body_len: Option<usize>,
    /// Stream offset of the current message's first byte.
    message_start: usize,
    /// Bytes of the handshake stream pushed so far.
    position: usize,
    ready: VecDeque<HandshakeMessage>,
    max_message_len: usize,
    error: Option<DecodeError>,
}

impl Default for HandshakeReader {
    fn default() -> Self {
        Self::new()
    }
}

impl HandshakeReader {
    /// A reader with the [`MAX_HANDSHAKE_MESSAGE_LEN`] cap.
    pub fn new() -> Self {
        Self::with_max_message_len(MAX_HANDSHAKE_MESSAGE_LEN)
    }

    /// A reader with a different cap on one message's body.
    pub fn with_max_message_len(max: usize) -> Self {
        Self {
            partial: Vec::new(),
            body_len: None,
            message_start: 0,
            position: 0,
            ready: VecDeque::new(),
            max_message_len: max,
            error: None,
        }
    }

    /// True while a message has started but is not complete (a record boundary inside a
    /// message; RFC 8446 §5.1 forbids other content types in between).
    pub fn is_mid_message(&self) -> bool {
        !self.partial.is_empty()
    }

    /// Adds bytes of the handshake stream. Errors are reported by
    /// [`next_message`](Self::next_message); after one, further input is ignored.
    pub fn push(&mut self, mut data: &[u8]) {
        while !data.is_empty() && self.error.is_none() {
            match self.body_len {
                None => {
                    let need = HANDSHAKE_HEADER_LEN - self.partial.len();
                    let (head, rest) = data.split_at(need.min(data.len()));
                    self.partial.extend_from_slice(head);
                    self.position += head.len();
                    data = rest;
                    if let &[_, a, b, c] = self.partial.as_slice() {
                        let len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
                        if len > self.max_message_len {
                            self.error = Some(DecodeError {
                                message: HandshakeMessage::NAME,
                                offset: self.message_start + 1,
                                kind: DecodeErrorKind::TooLong {
                                    field: "handshake length",
                                    len,
                                    max: self.max_message_len,
                                },
                            });
                            return;
                        }
                        self.body_len = Some(len);
                    }
                }
                Some(len) => {
                    let need = HANDSHAKE_HEADER_LEN + len - self.partial.len();
                    let (head, rest) = data.split_at(need.min(data.len()));
                    self.partial.extend_from_slice(head);
                    self.position += head.len();
                    data = rest;
                }
            }
            if let Some(len) = self.body_len
                && self.partial.len() == HANDSHAKE_HEADER_LEN + len
            {
                let typ = HandshakeType(self.partial.first().copied().unwrap_or_default());
                let body = self.partial.split_off(HANDSHAKE_HEADER_LEN);
                self.partial.clear();
                self.body_len = None;
                self.message_start = self.position;
                self.ready.push_back(HandshakeMessage { typ, body });
            }
        }
    }

    /// The next complete message, `None` if more bytes are needed, or the error that
    /// stopped the stream (after every message completed before it).
    pub fn next_message(&mut self) -> Option<Result<HandshakeMessage, DecodeError>> {
        if let Some(message) = self.ready.pop_front() {
            return Some(Ok(message));
        }
        self.error.clone().map(Err)
    }

    /// Reports a stream that ended inside a message: call when the connection closes or a
    /// non-handshake record arrives. `Ok` if no message is pending.
    pub fn finish(&self) -> Result<(), DecodeError> {
        if self.partial.is_empty() {
            return Ok(());
        }
        let (field, needed) = match self.body_len {
            None => ("handshake header", HANDSHAKE_HEADER_LEN),
            Some(len) => ("handshake body", HANDSHAKE_HEADER_LEN + len),
        };
        Err(DecodeError {
            message: HandshakeMessage::NAME,
            offset: self.position,
            kind: DecodeErrorKind::Truncated { field, needed, available: self.partial.len() },
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::wire::record::{Frame, RecordReader};

    fn messages() -> Vec<HandshakeMessage> {
        vec![
            HandshakeMessage { typ: HandshakeType::SERVER_HELLO, body: (0..70).collect() },
            HandshakeMessage { typ: HandshakeType::CERTIFICATE, body: vec![0x30; 5000] },
            HandshakeMessage { typ: HandshakeType::SERVER_KEY_EXCHANGE, body: vec![3, 0, 29, 32] },
            HandshakeMessage { typ: HandshakeType::SERVER_HELLO_DONE, body: vec![] },
            HandshakeMessage { typ: HandshakeType(0xee), body: vec![1] },
        ]
    }

    fn drain(reader: &mut HandshakeReader) -> Result<Vec<HandshakeMessage>, DecodeError> {
        std::iter::from_fn(|| reader.next_message()).take(1000).collect()
    }

    #[test]
    fn handshake_types_have_names() {
        let table = [
            (1, "client_hello"),
            (2, "server_hello"),
            (3, "hello_verify_request"),
            (4, "new_session_ticket"),
            (5, "end_of_early_data"),
            (8, "encrypted_extensions"),
            (11, "certificate"),
            (12, "server_key_exchange"),
            (13, "certificate_request"),
            (14, "server_hello_done"),
            (15, "certificate_verify"),
            (16, "client_key_exchange"),
            (20, "finished"),
            (21, "certificate_url"),
            (22, "certificate_status"),
            (23, "supplemental_data"),
            (24, "key_update"),
            (254, "message_hash"),
        ];
        for (v, name) in table {
            assert_eq!(HandshakeType(v).name(), Some(name));
            assert_eq!(HandshakeType(v).to_string(), name);
        }
        assert_eq!(format!("{:?}", HandshakeType(0xee)), "HandshakeType(0xee)");
    }

    #[test]
    fn messages_round_trip_and_every_truncation_fails() {
        for message in messages() {
            let bytes = message.to_bytes().unwrap();
            assert_eq!(
                bytes[..4],
                [message.typ.0, 0, (message.body.len() >> 8) as u8, message.body.len() as u8]
            );
            assert_eq!(HandshakeMessage::parse(&bytes).unwrap(), message);
            for cut in 0..bytes.len() {
                assert!(HandshakeMessage::parse(&bytes[..cut]).is_err());
            }
        }
    }

    #[test]
    fn several_messages_in_one_push_and_one_message_across_many() {
        let stream: Vec<u8> = messages().iter().flat_map(|m| m.to_bytes().unwrap()).collect();
        let mut reader = HandshakeReader::new();
        reader.push(&stream);
        assert_eq!(drain(&mut reader).unwrap(), messages());
        assert!(!reader.is_mid_message());
        reader.finish().unwrap();

        let mut reader = HandshakeReader::new();
        for chunk in stream.chunks(3) {
            reader.push(chunk);
        }
        assert_eq!(drain(&mut reader).unwrap(), messages());
    }

    #[test]
    fn a_multi_record_fragmented_handshake_fed_one_byte_at_a_time() {
        let mut stream = Vec::new();
        for message in messages() {
            stream
                .extend(handshake_records(message.typ, &message.body, ProtocolVersion::TLSV1_2, 7).unwrap());
        }
        // Interleave an alert record at the end, as a server that gives up would.
        stream.extend([21, 3, 3, 0, 2, 2, 40]);
        let mut records = RecordReader::new();
        let mut handshakes = HandshakeReader::new();
        let mut alerts = Vec::new();
        for byte in &stream {
            assert_eq!(records.push(std::slice::from_ref(byte)), 1);
            while let Some(frame) = records.next_record() {
                match frame.unwrap() {
                    Frame::Tls(r) if r.content_type == ContentType::HANDSHAKE => {
                        assert!(r.fragment.len() <= 7);
                        handshakes.push(&r.fragment);
                    }
                    Frame::Tls(r) => alerts.push(r.fragment),
                    Frame::Sslv2(_) => panic!("not SSLv2"),
                }
            }
        }
        assert_eq!(drain(&mut handshakes).unwrap(), messages());
        assert_eq!(alerts, [vec![2, 40]]);
        handshakes.finish().unwrap();
    }

    #[test]
    fn the_cap_is_checked_from_the_header_before_buffering() {
        let mut reader = HandshakeReader::with_max_message_len(100);
        reader.push(&[1, 0, 0, 5, 1, 2, 3, 4, 5]);
        reader.push(&[11, 0x10, 0, 0]);
        assert_eq!(reader.next_message().unwrap().unwrap().body, [1, 2, 3, 4, 5]);
        let err = reader.next_message().unwrap().unwrap_err();
        assert_eq!(err.offset, 10);
        assert_eq!(
            err.kind,
            DecodeErrorKind::TooLong { field: "handshake length", len: 0x10_0000, max: 100 }
        );
        assert!(reader.partial.capacity() < 100, "no room was reserved for the body");
        reader.push(&[0; 50]);
        assert!(reader.next_message().unwrap().is_err(), "errors are final");

        let big = [&[11u8, 0x04, 0x00, 0x01][..], &[0; 10]].concat();
        let err = HandshakeMessage::parse(&big).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooLong { max: MAX_HANDSHAKE_MESSAGE_LEN, .. }));
    }

    #[test]
    fn finish_reports_a_message_cut_short() {
        let mut reader = HandshakeReader::new();
        reader.push(&[2, 0, 0, 9, 1, 2]);
        assert!(reader.next_message().is_none());
        assert!(reader.is_mid_message());
        let err = reader.finish().unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::Truncated { field: "handshake body", needed: 13, available: 6 }
        );
        let mut reader = HandshakeReader::new();
        reader.push(&[2, 0]);
        assert!(matches!(
            reader.finish().unwrap_err().kind,
            DecodeErrorKind::Truncated { field: "handshake header", .. }
        ));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_handshake_reader(
            data in proptest::collection::vec(any::<u8>(), 0..3000),
            chunk in 1usize..64,
        ) {
            let _ = HandshakeMessage::parse(&data);
            let mut reader = HandshakeReader::with_max_message_len(1024);
            for piece in data.chunks(chunk) {
                reader.push(piece);
                while let Some(Ok(_)) = reader.next_message() {}
            }
            let _ = reader.finish();
        }
    }
}
