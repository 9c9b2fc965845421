//! SSL 2.0 handshake messages (the record body, after the two- or three-byte SSLv2 record
//! header that [`super::record`] frames): CLIENT-HELLO (also the SSLv2-compatible hello of
//! SSL 3.0/TLS clients), SERVER-HELLO and ERROR.
//!
//! Layouts follow the SSL 2.0 draft (Hickman, 1995) and RFC 6101 appendix E. Lengths are
//! checked strictly: cipher specs come in threes, the challenge is 16 to 32 bytes, the
//! connection id 16 to 32 bytes, the session id at most 32 bytes (the draft says 0 or 16;
//! longer ones seen in the wild are kept rather than refused).

use std::fmt;

use crate::registry::{CipherSuite, ProtocolVersion, Sslv2CipherKind};
use crate::wire::codec::{
    Codec, DecodeError, DecodeErrorKind, EncodeError, PResult, fail, parse_all, put_u8, put_u16, put_u24,
    take, u8, u16,
};

/// `SSL_MT_ERROR`.
pub const MT_ERROR: u8 = 0;
/// `SSL_MT_CLIENT_HELLO`.
pub const MT_CLIENT_HELLO: u8 = 1;
/// `SSL_MT_SERVER_HELLO`.
pub const MT_SERVER_HELLO: u8 = 4;

/// `SSL_CT_X509_CERTIFICATE`, the only certificate type of SSL 2.0.
pub const CT_X509_CERTIFICATE: u8 = 1;

/// Shortest challenge of a CLIENT-HELLO.
pub const MIN_CHALLENGE_LEN: usize = 16;
/// Longest challenge of a CLIENT-HELLO.
pub const MAX_CHALLENGE_LEN: usize = 32;
/// Longest session id mxray accepts.
pub const MAX_SESSION_ID_LEN: usize = 32;
/// Shortest connection id of a SERVER-HELLO.
pub const MIN_CONNECTION_ID_LEN: usize = 16;
/// Longest connection id of a SERVER-HELLO.
pub const MAX_CONNECTION_ID_LEN: usize = 32;

/// A three-byte cipher spec of a CLIENT-HELLO: an SSL 2.0 CIPHER-KIND, or a TLS cipher
/// suite `0x00XXYY` in an SSLv2-compatible hello.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sslv2CipherSpec(pub u32);

impl Sslv2CipherSpec {
    /// The TLS cipher suite, if the first byte is zero.
    pub fn tls_suite(self) -> Option<CipherSuite> {
        u16::try_from(self.0).ok().map(CipherSuite)
    }

    /// The SSL 2.0 cipher kind, if the first byte is not zero.
    pub fn sslv2_kind(self) -> Option<Sslv2CipherKind> {
        (self.0 > 0xffff).then_some(Sslv2CipherKind(self.0 & 0x00ff_ffff))
    }
}

impl From<CipherSuite> for Sslv2CipherSpec {
    fn from(suite: CipherSuite) -> Self {
        Self(u32::from(suite.0))
    }
}

impl From<Sslv2CipherKind> for Sslv2CipherSpec {
    fn from(kind: Sslv2CipherKind) -> Self {
        Self(kind.0 & 0x00ff_ffff)
    }
}

impl fmt::Debug for Sslv2CipherSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.tls_suite(), self.sslv2_kind()) {
            (Some(suite), _) => write!(f, "{suite:?}"),
            (None, Some(kind)) => write!(f, "{kind:?}"),
            (None, None) => write!(f, "Sslv2CipherSpec({:#08x})", self.0),
        }
    }
}

/// Reads a u24 cipher spec list of `len` bytes (a multiple of three).
fn cipher_specs<'a>(field: &'static str, len: usize) -> impl FnMut(&'a [u8]) -> PResult<'a, Vec<u32>> {
    move |input| {
        let (rest, body) = take(field, len)(input)?;
        Ok((
            rest,
            body.chunks_exact(3).map(|c| c.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))).collect(),
        ))
    }
}

/// Reads a u16 length at `input`, checking `min <= len <= max` and, if `multiple` is 3,
/// that it is a multiple of three.
fn length<'a>(
    field: &'static str,
    min: usize,
    max: usize,
    multiple: usize,
) -> impl FnMut(&'a [u8]) -> PResult<'a, usize> {
    move |input| {
        let (rest, len) = u16(field)(input)?;
        let len = usize::from(len);
        if len > max {
            return fail(input, DecodeErrorKind::TooLong { field, len, max });
        }
        if len < min {
            return fail(input, DecodeErrorKind::TooShort { field, len, min });
        }
        if !len.is_multiple_of(multiple) {
            return fail(input, DecodeErrorKind::Invalid { field, reason: "not a multiple of three" });
        }
        Ok((rest, len))
    }
}

/// Checks the message type byte.
fn msg_type<'a>(expected: u8) -> impl FnMut(&'a [u8]) -> PResult<'a, ()> {
    move |input| {
        let (rest, t) = u8("msg_type")(input)?;
        if t == expected {
            Ok((rest, ()))
        } else {
            fail(input, DecodeErrorKind::UnexpectedValue { field: "msg_type", value: t.into() })
        }
    }
}

/// Writes a length as u16. Encoders only refuse what the length field cannot express; the
/// protocol's bounds are the decoder's business, so simulated servers can send bad values.
fn put_len(field: &'static str, out: &mut Vec<u8>, len: usize) -> Result<(), EncodeError> {
    let v = u16::try_from(len).map_err(|_| EncodeError { field, len, max: usize::from(u16::MAX) })?;
    put_u16(out, v);
    Ok(())
}

/// Appends 24-bit cipher specs.
fn put_specs(out: &mut Vec<u8>, specs: impl Iterator<Item = u32>) {
    for s in specs {
        put_u24(out, s);
    }
}

/// An SSL 2.0 CLIENT-HELLO (message type 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sslv2ClientHello {
    /// The highest version the client supports (`0x0002` for SSL 2.0, `0x0301`… for an
    /// SSLv2-compatible TLS hello).
    pub version: ProtocolVersion,
    /// The cipher specs, in the client's order (at least one).
    pub cipher_specs: Vec<Sslv2CipherSpec>,
    /// The session id to resume (empty for a new session).
    pub session_id: Vec<u8>,
    /// The challenge, 16 to 32 bytes.
    pub challenge: Vec<u8>,
}

/// Longest cipher-spec list: the whole u16 range (65535 is a multiple of three).
const MAX_SPECS_LEN: usize = 0xffff;

fn client_hello(input: &[u8]) -> PResult<'_, Sslv2ClientHello> {
    let (i, ()) = msg_type(MT_CLIENT_HELLO)(input)?;
    let (i, version) = u16("version")(i)?;
    let (i, specs_len) = length("cipher_specs_length", 3, MAX_SPECS_LEN, 3)(i)?;
    let (i, sid_len) = length("session_id_length", 0, MAX_SESSION_ID_LEN, 1)(i)?;
    let (i, challenge_len) = length("challenge_length", MIN_CHALLENGE_LEN, MAX_CHALLENGE_LEN, 1)(i)?;
    let (i, specs) = cipher_specs("cipher_specs", specs_len)(i)?;
    let (i, session_id) = take("session_id", sid_len)(i)?;
    let (i, challenge) = take("challenge", challenge_len)(i)?;
    Ok((
        i,
        Sslv2ClientHello {
            version: ProtocolVersion(version),
            cipher_specs: specs.into_iter().map(Sslv2CipherSpec).collect(),
            session_id: session_id.to_vec(),
            challenge: challenge.to_vec(),
        },
    ))
}

impl Codec for Sslv2ClientHello {
    const NAME: &'static str = "SSLv2 CLIENT-HELLO";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, client_hello)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let result = (|| {
            put_u8(out, MT_CLIENT_HELLO);
            put_u16(out, self.version.0);
            put_len("cipher_specs", out, self.cipher_specs.len().saturating_mul(3))?;
            put_len("session_id", out, self.session_id.len())?;
            put_len("challenge", out, self.challenge.len())?;
            put_specs(out, self.cipher_specs.iter().map(|s| s.0));
            out.extend_from_slice(&self.session_id);
            out.extend_from_slice(&self.challenge);
            Ok(())
        })();
        result.inspect_err(|_| out.truncate(start))
    }
}

/// An SSL 2.0 SERVER-HELLO (message type 4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sslv2ServerHello {
    /// True if the server found the client's session id (then certificate and cipher
    /// specs are empty).
    pub session_id_hit: bool,
    /// The certificate type (1, [`CT_X509_CERTIFICATE`]).
    pub certificate_type: u8,
    /// The server's version (`0x0002`).
    pub version: ProtocolVersion,
    /// The server's DER certificate.
    pub certificate: Vec<u8>,
    /// The cipher kinds the server supports among the client's (its answer to the scanner).
    pub cipher_specs: Vec<Sslv2CipherKind>,
    /// The connection id, 16 to 32 bytes.
    pub connection_id: Vec<u8>,
}

fn server_hello(input: &[u8]) -> PResult<'_, Sslv2ServerHello> {
    let (i, ()) = msg_type(MT_SERVER_HELLO)(input)?;
    let (j, hit) = u8("session_id_hit")(i)?;
    if hit > 1 {
        return fail(i, DecodeErrorKind::UnexpectedValue { field: "session_id_hit", value: hit.into() });
    }
    let (i, certificate_type) = u8("certificate_type")(j)?;
    let (i, version) = u16("version")(i)?;
    let (i, cert_len) = length("certificate_length", 0, usize::from(u16::MAX), 1)(i)?;
    let (i, specs_len) = length("cipher_specs_length", 0, MAX_SPECS_LEN, 3)(i)?;
    let (i, cid_len) = length("connection_id_length", MIN_CONNECTION_ID_LEN, MAX_CONNECTION_ID_LEN, 1)(i)?;
    let (i, certificate) = take("certificate", cert_len)(i)?;
    let (i, specs) = cipher_specs("cipher_specs", specs_len)(i)?;
    let (i, connection_id) = take("connection_id", cid_len)(i)?;
    Ok((
        i,
        Sslv2ServerHello {
            session_id_hit: hit == 1,
            certificate_type,
            version: ProtocolVersion(version),
            certificate: certificate.to_vec(),
            cipher_specs: specs.into_iter().map(Sslv2CipherKind).collect(),
            connection_id: connection_id.to_vec(),
        },
    ))
}

impl Codec for Sslv2ServerHello {
    const NAME: &'static str = "SSLv2 SERVER-HELLO";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, server_hello)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let result = (|| {
            put_u8(out, MT_SERVER_HELLO);
            put_u8(out, u8::from(self.session_id_hit));
            put_u8(out, self.certificate_type);
            put_u16(out, self.version.0);
            put_len("certificate", out, self.certificate.len())?;
            put_len("cipher_specs", out, self.cipher_specs.len().saturating_mul(3))?;
            put_len("connection_id", out, self.connection_id.len())?;
            out.extend_from_slice(&self.certificate);
            put_specs(out, self.cipher_specs.iter().map(|k| k.0));
            out.extend_from_slice(&self.connection_id);
            Ok(())
        })();
        result.inspect_err(|_| out.truncate(start))
    }
}

/// An SSL 2.0 error code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sslv2ErrorCode(pub u16);

impl Sslv2ErrorCode {
    /// `SSL_PE_NO_CIPHER`: no cipher in common.
    pub const NO_CIPHER: Self = Self(0x0001);
    /// `SSL_PE_NO_CERTIFICATE`.
    pub const NO_CERTIFICATE: Self = Self(0x0002);
    /// `SSL_PE_BAD_CERTIFICATE`.
    pub const BAD_CERTIFICATE: Self = Self(0x0004);
    /// `SSL_PE_UNSUPPORTED_CERTIFICATE_TYPE`.
    pub const UNSUPPORTED_CERTIFICATE_TYPE: Self = Self(0x0006);

    /// The draft's name, `None` for other values.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::NO_CIPHER => Some("NO-CIPHER-ERROR"),
            Self::NO_CERTIFICATE => Some("NO-CERTIFICATE-ERROR"),
            Self::BAD_CERTIFICATE => Some("BAD-CERTIFICATE-ERROR"),
            Self::UNSUPPORTED_CERTIFICATE_TYPE => Some("UNSUPPORTED-CERTIFICATE-TYPE-ERROR"),
            _ => None,
        }
    }
}

impl fmt::Debug for Sslv2ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Sslv2ErrorCode({:#06x})", self.0),
        }
    }
}

impl fmt::Display for Sslv2ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}({:#06x})", self.0),
            None => write!(f, "unknown({:#06x})", self.0),
        }
    }
}

/// An SSL 2.0 ERROR message (message type 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sslv2Error {
    /// The error code.
    pub code: Sslv2ErrorCode,
}

fn error(input: &[u8]) -> PResult<'_, Sslv2Error> {
    let (i, ()) = msg_type(MT_ERROR)(input)?;
    let (i, code) = u16("error_code")(i)?;
    Ok((i, Sslv2Error { code: Sslv2ErrorCode(code) }))
}

impl Codec for Sslv2Error {
    const NAME: &'static str = "SSLv2 ERROR";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, error)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_u8(out, MT_ERROR);
        put_u16(out, self.code.0);
        Ok(())
    }
}

/// An SSL 2.0 message, dispatched on its first byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sslv2Message {
    /// ERROR (0).
    Error(Sslv2Error),
    /// CLIENT-HELLO (1).
    ClientHello(Sslv2ClientHello),
    /// SERVER-HELLO (4).
    ServerHello(Sslv2ServerHello),
    /// Any other message type, kept raw (the rest of an SSL 2.0 handshake is encrypted
    /// or irrelevant to a scanner).
    Other {
        /// The first byte.
        msg_type: u8,
        /// The bytes after it.
        body: Vec<u8>,
    },
}

impl Codec for Sslv2Message {
    const NAME: &'static str = "SSLv2 message";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |input| {
            let (rest, t) = u8("msg_type")(input)?;
            match t {
                MT_ERROR => error(input).map(|(i, m)| (i, Self::Error(m))),
                MT_CLIENT_HELLO => client_hello(input).map(|(i, m)| (i, Self::ClientHello(m))),
                MT_SERVER_HELLO => server_hello(input).map(|(i, m)| (i, Self::ServerHello(m))),
                msg_type => Ok((&rest[rest.len()..], Self::Other { msg_type, body: rest.to_vec() })),
            }
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Error(m) => m.encode(out),
            Self::ClientHello(m) => m.encode(out),
            Self::ServerHello(m) => m.encode(out),
            Self::Other { msg_type, body } => {
                put_u8(out, *msg_type);
                out.extend_from_slice(body);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_hello_sample() -> Sslv2ClientHello {
        Sslv2ClientHello {
            version: ProtocolVersion::TLSV1_2,
            cipher_specs: vec![
                Sslv2CipherKind::SSL_CK_RC4_128_WITH_MD5.into(),
                Sslv2CipherKind::SSL_CK_DES_192_EDE3_CBC_WITH_MD5.into(),
                CipherSuite(0xc02f).into(),
                CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV.into(),
            ],
            session_id: vec![],
            challenge: vec![0x42; 16],
        }
    }

    fn server_hello_sample() -> Sslv2ServerHello {
        Sslv2ServerHello {
            session_id_hit: false,
            certificate_type: CT_X509_CERTIFICATE,
            version: ProtocolVersion::SSLV2,
            certificate: vec![0x30; 500],
            cipher_specs: vec![
                Sslv2CipherKind::SSL_CK_RC4_128_WITH_MD5,
                Sslv2CipherKind::SSL_CK_RC4_128_EXPORT40_WITH_MD5,
                Sslv2CipherKind(0xff0080),
            ],
            connection_id: vec![7; 16],
        }
    }

    fn samples() -> Vec<Sslv2Message> {
        vec![
            Sslv2Message::ClientHello(client_hello_sample()),
            Sslv2Message::ClientHello(Sslv2ClientHello {
                version: ProtocolVersion::SSLV2,
                cipher_specs: vec![Sslv2CipherKind::SSL_CK_DES_64_CBC_WITH_MD5.into()],
                session_id: vec![1; 16],
                challenge: vec![2; 32],
            }),
            Sslv2Message::ServerHello(server_hello_sample()),
            Sslv2Message::ServerHello(Sslv2ServerHello {
                session_id_hit: true,
                certificate: vec![],
                cipher_specs: vec![],
                connection_id: vec![9; 32],
                ..server_hello_sample()
            }),
            Sslv2Message::Error(Sslv2Error { code: Sslv2ErrorCode::NO_CIPHER }),
            Sslv2Message::Error(Sslv2Error { code: Sslv2ErrorCode(0x0099) }),
        ]
    }

    #[test]
    fn samples_round_trip_and_every_truncation_fails() {
        for msg in samples() {
            let bytes = msg.to_bytes().unwrap();
            assert_eq!(Sslv2Message::parse(&bytes).unwrap(), msg);
            let direct = match &msg {
                Sslv2Message::ClientHello(m) => Sslv2ClientHello::parse(&bytes).map(|p| p == *m),
                Sslv2Message::ServerHello(m) => Sslv2ServerHello::parse(&bytes).map(|p| p == *m),
                Sslv2Message::Error(m) => Sslv2Error::parse(&bytes).map(|p| p == *m),
                Sslv2Message::Other { .. } => Ok(true),
            };
            assert_eq!(direct, Ok(true));
            for cut in 0..bytes.len() {
                assert!(Sslv2Message::parse(&bytes[..cut]).is_err(), "cut at {cut} of {msg:?}");
            }
        }
        let other = Sslv2Message::parse(&[2, 1, 2, 3]).unwrap();
        assert_eq!(other, Sslv2Message::Other { msg_type: 2, body: vec![1, 2, 3] });
        assert_eq!(other.to_bytes().unwrap(), [2, 1, 2, 3]);
    }

    #[test]
    fn client_hello_wire_layout_matches_the_draft() {
        let bytes = client_hello_sample().to_bytes().unwrap();
        let expected_head = [1, 0x03, 0x03, 0, 12, 0, 0, 0, 16];
        assert_eq!(bytes[..9], expected_head);
        assert_eq!(bytes[9..21], [0x01, 0x00, 0x80, 0x07, 0x00, 0xc0, 0x00, 0xc0, 0x2f, 0x00, 0x00, 0xff]);
        let hello = Sslv2ClientHello::parse(&bytes).unwrap();
        assert_eq!(hello.cipher_specs[2].tls_suite(), Some(CipherSuite(0xc02f)));
        assert_eq!(hello.cipher_specs[2].sslv2_kind(), None);
        assert_eq!(hello.cipher_specs[0].sslv2_kind(), Some(Sslv2CipherKind::SSL_CK_RC4_128_WITH_MD5));
        assert_eq!(format!("{:?}", hello.cipher_specs[0]), "SSL_CK_RC4_128_WITH_MD5");
    }

    #[test]
    fn strict_lengths_are_enforced_with_offsets() {
        let good = client_hello_sample().to_bytes().unwrap();
        let table: &[(usize, [u8; 2], usize, DecodeErrorKind)] = &[
            (
                3,
                [0, 4],
                3,
                DecodeErrorKind::Invalid { field: "cipher_specs_length", reason: "not a multiple of three" },
            ),
            (3, [0, 0], 3, DecodeErrorKind::TooShort { field: "cipher_specs_length", len: 0, min: 3 }),
            (5, [0, 33], 5, DecodeErrorKind::TooLong { field: "session_id_length", len: 33, max: 32 }),
            (7, [0, 15], 7, DecodeErrorKind::TooShort { field: "challenge_length", len: 15, min: 16 }),
            (7, [0, 33], 7, DecodeErrorKind::TooLong { field: "challenge_length", len: 33, max: 32 }),
        ];
        for (at, patch, offset, kind) in table {
            let mut bytes = good.clone();
            bytes[*at..*at + 2].copy_from_slice(patch);
            let err = Sslv2ClientHello::parse(&bytes).unwrap_err();
            assert_eq!((err.offset, &err.kind), (*offset, kind));
        }
        let err = Sslv2ClientHello::parse(&[4]).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::UnexpectedValue { field: "msg_type", value: 4 });

        let good = server_hello_sample().to_bytes().unwrap();
        let mut bytes = good.clone();
        bytes[1] = 2;
        let err = Sslv2ServerHello::parse(&bytes).unwrap_err();
        assert_eq!(
            (err.offset, err.kind),
            (1, DecodeErrorKind::UnexpectedValue { field: "session_id_hit", value: 2 })
        );
        let mut bytes = good.clone();
        bytes[7..9].copy_from_slice(&[0, 8]);
        let err = Sslv2ServerHello::parse(&bytes).unwrap_err();
        assert_eq!(err.offset, 7);
        assert!(matches!(err.kind, DecodeErrorKind::Invalid { field: "cipher_specs_length", .. }));
        let mut bytes = good;
        bytes[9..11].copy_from_slice(&[0, 15]);
        let err = Sslv2ServerHello::parse(&bytes).unwrap_err();
        assert_eq!(
            (err.offset, err.kind),
            (9, DecodeErrorKind::TooShort { field: "connection_id_length", len: 15, min: 16 })
        );

        // Encoders write out-of-protocol lengths (for hostile simulated peers); decoders refuse them.
        let short = Sslv2ClientHello { challenge: vec![0; 15], ..client_hello_sample() }.to_bytes().unwrap();
        assert!(Sslv2ClientHello::parse(&short).is_err());
        let none = Sslv2ClientHello { cipher_specs: vec![], ..client_hello_sample() }.to_bytes().unwrap();
        assert!(Sslv2ClientHello::parse(&none).is_err());
        let long =
            Sslv2ServerHello { connection_id: vec![0; 33], ..server_hello_sample() }.to_bytes().unwrap();
        assert!(Sslv2ServerHello::parse(&long).is_err());
        assert!(
            Sslv2ServerHello { certificate: vec![0; 65_536], ..server_hello_sample() }.to_bytes().is_err()
        );
    }

    #[test]
    fn error_codes_have_the_draft_names() {
        let bytes = Sslv2Error { code: Sslv2ErrorCode::NO_CIPHER }.to_bytes().unwrap();
        assert_eq!(bytes, [0, 0, 1]);
        assert_eq!(Sslv2ErrorCode::NO_CIPHER.to_string(), "NO-CIPHER-ERROR(0x0001)");
        assert_eq!(Sslv2ErrorCode(0x0006).name(), Some("UNSUPPORTED-CERTIFICATE-TYPE-ERROR"));
        assert_eq!(format!("{:?}", Sslv2ErrorCode(9)), "Sslv2ErrorCode(0x0009)");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            crate::fuzzing::sslv2(&bytes);
            let _ = (Sslv2ClientHello::parse(&bytes), Sslv2ServerHello::parse(&bytes), Sslv2Error::parse(&bytes));
        }

        #[test]
        fn structured_client_hellos_round_trip(
            specs in proptest::collection::vec(0u32..0x0100_0000, 1..40),
            sid in proptest::collection::vec(proptest::num::u8::ANY, 0..=32),
            challenge in proptest::collection::vec(proptest::num::u8::ANY, 16..=32),
        ) {
            let hello = Sslv2ClientHello {
                version: ProtocolVersion::TLSV1_0,
                cipher_specs: specs.into_iter().map(Sslv2CipherSpec).collect(),
                session_id: sid,
                challenge,
            };
            let bytes = hello.to_bytes().unwrap();
            proptest::prop_assert_eq!(Sslv2ClientHello::parse(&bytes).unwrap(), hello);
        }
    }
}
