//! ServerHello (TLS 1.3 HelloRetryRequest included), ServerHelloDone and the TLS 1.2
//! NewSessionTicket, with typed views of the extension bodies a server may send.
//!
//! A [`ServerHello`] keeps its extensions raw ([`RawExtension`]), in wire order, unknown and
//! duplicate ones included, so that decoding then encoding gives the same bytes back. The
//! typed accessors ([`ServerHello::key_share`], [`ServerHello::alpn`], …) decode the first
//! extension of their type on demand and return `None` when it is absent and
//! `Some(Err(_))` when its body is malformed; the error's offset is counted from the start
//! of the ServerHello body, so a finding can point at the faulty byte.
//!
//! The extension bodies are decoded with the shared body codecs of [`super::extensions`]
//! and [`super::key_share`] (the formats both sides use); this module adds the server-side
//! rules (one key share, one version, exactly one ALPN protocol, empty acknowledgements).

use crate::registry::{CipherSuite, CompressionMethod, ExtensionType, NamedGroup, ProtocolVersion};
use crate::wire::codec::{
    Codec, DecodeError, DecodeErrorKind, EncodeError, PResult, RawExtension, encode_extension_block,
    extension_block, parse_all, put_u8, put_u16, put_u32, put_vec8, put_vec16, take, u8, u16, u32, vec8,
    vec16,
};
use crate::wire::extensions::{
    HeartbeatMode, parse_alpn_list, parse_ec_point_formats, parse_heartbeat_mode, parse_key_share_hrr,
    parse_renegotiation_info, parse_selected_version,
};
use crate::wire::key_share::KeyShareEntry;

/// The `random` of a HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 §4.1.3).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2,
    0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Last eight bytes of the server random of a TLS 1.3 server negotiating TLS 1.2
/// (RFC 8446 §4.1.3): `DOWNGRD` then `01`.
pub const DOWNGRADE_SENTINEL_TLS12: [u8; 8] = *b"DOWNGRD\x01";

/// Last eight bytes of the server random of a TLS 1.2 or 1.3 server negotiating TLS 1.1
/// or below: `DOWNGRD` then `00`.
pub const DOWNGRADE_SENTINEL_TLS11: [u8; 8] = *b"DOWNGRD\x00";

/// Longest legacy session id (`opaque legacy_session_id<0..32>`).
pub const MAX_SESSION_ID_LEN: usize = 32;

/// A ServerHello or HelloRetryRequest body (without the handshake header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHello {
    /// `legacy_version` (the negotiated version up to TLS 1.2; `0x0303` in TLS 1.3).
    pub legacy_version: ProtocolVersion,
    /// The server random (the HelloRetryRequest magic value in an HRR).
    pub random: [u8; 32],
    /// `legacy_session_id` (echo of the client's in TLS 1.3), at most 32 bytes.
    pub session_id: Vec<u8>,
    /// The selected cipher suite.
    pub cipher_suite: CipherSuite,
    /// The selected compression method.
    pub compression_method: CompressionMethod,
    /// The extension block; `None` when the message ends after the compression method (as
    /// SSL 3.0 servers send it), `Some(vec![])` for an empty block.
    pub extensions: Option<Vec<RawExtension>>,
}

/// What the last eight bytes of a server random say about a downgrade (RFC 8446 §4.1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DowngradeSentinel {
    /// `DOWNGRD 01`: a TLS 1.3 server negotiated TLS 1.2.
    Tls12,
    /// `DOWNGRD 00`: the server negotiated TLS 1.1 or below.
    Tls11OrBelow,
}

/// The body of a server's `key_share` extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerKeyShare {
    /// In a ServerHello: the server's share.
    Share(KeyShareEntry),
    /// In a HelloRetryRequest: the group the client must send a share for.
    Retry(NamedGroup),
}

/// Reads a ServerHello body.
fn server_hello(input: &[u8]) -> PResult<'_, ServerHello> {
    let (input, legacy_version) = u16("legacy_version")(input)?;
    let (input, random) = take("random", 32)(input)?;
    let mut random_arr = [0u8; 32];
    random_arr.copy_from_slice(random);
    let (input, session_id) = vec8("legacy_session_id", 0, MAX_SESSION_ID_LEN)(input)?;
    let (input, cipher_suite) = u16("cipher_suite")(input)?;
    let (input, compression_method) = u8("compression_method")(input)?;
    let (input, extensions) =
        if input.is_empty() { (input, None) } else { extension_block(input).map(|(i, e)| (i, Some(e)))? };
    Ok((
        input,
        ServerHello {
            legacy_version: ProtocolVersion(legacy_version),
            random: random_arr,
            session_id: session_id.to_vec(),
            cipher_suite: CipherSuite(cipher_suite),
            compression_method: CompressionMethod(compression_method),
            extensions,
        },
    ))
}

impl Codec for ServerHello {
    const NAME: &'static str = "ServerHello";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, server_hello)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let result = (|| {
            put_u16(out, self.legacy_version.0);
            out.extend_from_slice(&self.random);
            put_vec8("legacy_session_id", out, &self.session_id)?;
            put_u16(out, self.cipher_suite.0);
            put_u8(out, self.compression_method.0);
            match &self.extensions {
                Some(exts) => encode_extension_block(exts, out),
                None => Ok(()),
            }
        })();
        result.inspect_err(|_| out.truncate(start))
    }
}

/// Fails unless an extension body is empty.
fn parse_empty(bytes: &[u8]) -> Result<(), DecodeError> {
    parse_all("extension", bytes, |i| Ok((i, ())))
}

/// Decodes a server ALPN body: a protocol name list holding exactly one name.
fn parse_alpn_one(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut names = parse_alpn_list(bytes)?;
    match names.pop() {
        Some(one) if names.is_empty() => Ok(one),
        _ => Err(DecodeError {
            message: "application_layer_protocol_negotiation",
            offset: 0,
            kind: DecodeErrorKind::Invalid {
                field: "protocol_name_list",
                reason: "a server must select exactly one protocol",
            },
        }),
    }
}

/// Decodes a `max_fragment_length` body: one code.
fn parse_max_fragment_length(bytes: &[u8]) -> Result<u8, DecodeError> {
    parse_all("max_fragment_length", bytes, u8("max_fragment_length"))
}

/// Decodes a HelloRetryRequest `cookie` body (`opaque cookie<1..2^16-1>`).
fn parse_cookie(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    parse_all("cookie", bytes, |i| {
        let (i, c) = vec16("cookie", 1, usize::from(u16::MAX))(i)?;
        Ok((i, c.to_vec()))
    })
}

/// Computes the offset of each extension body within the encoded ServerHello.
fn extensions_start(hello: &ServerHello) -> usize {
    // version + random + session id (with length) + suite + compression + block length
    2 + 32 + 1 + hello.session_id.len() + 2 + 1 + 2
}

impl ServerHello {
    /// True if this is a HelloRetryRequest (its random is the RFC 8446 magic value).
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_REQUEST_RANDOM
    }

    /// The downgrade sentinel in the last eight bytes of the random, if any.
    pub fn downgrade_sentinel(&self) -> Option<DowngradeSentinel> {
        let tail = self.random.get(24..)?;
        if tail == DOWNGRADE_SENTINEL_TLS12 {
            Some(DowngradeSentinel::Tls12)
        } else if tail == DOWNGRADE_SENTINEL_TLS11 {
            Some(DowngradeSentinel::Tls11OrBelow)
        } else {
            None
        }
    }

    /// The first extension of type `kind`.
    pub fn extension(&self, kind: ExtensionType) -> Option<&RawExtension> {
        self.extensions.as_deref()?.iter().find(|e| e.kind == kind)
    }

    /// The first extension type that appears more than once (a protocol violation).
    pub fn duplicate_extension(&self) -> Option<ExtensionType> {
        let exts = self.extensions.as_deref()?;
        exts.iter()
            .enumerate()
            .find(|(i, e)| exts.get(..*i).is_some_and(|before| before.iter().any(|b| b.kind == e.kind)))
            .map(|(_, e)| e.kind)
    }

    /// Decodes the body of the first extension of type `kind` with `parse`, and moves the
    /// error offset from the body's start to the ServerHello's (the encoding is exact, so the
    /// position of every body is known).
    fn typed<T>(
        &self,
        kind: ExtensionType,
        parse: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
    ) -> Option<Result<T, DecodeError>> {
        let exts = self.extensions.as_deref()?;
        let mut offset = extensions_start(self);
        for ext in exts {
            if ext.kind == kind {
                return Some(parse(&ext.data).map_err(|e| DecodeError {
                    message: Self::NAME,
                    offset: offset + 4 + e.offset,
                    kind: e.kind,
                }));
            }
            offset += 4 + ext.data.len();
        }
        None
    }

    /// The negotiated version: the `supported_versions` extension if present (TLS 1.3 and
    /// its HelloRetryRequest), else `legacy_version`.
    pub fn selected_version(&self) -> Result<ProtocolVersion, DecodeError> {
        self.supported_version().unwrap_or(Ok(self.legacy_version))
    }

    /// The `supported_versions` extension: the one version the server selected.
    pub fn supported_version(&self) -> Option<Result<ProtocolVersion, DecodeError>> {
        self.typed(ExtensionType::SUPPORTED_VERSIONS, parse_selected_version)
    }

    /// The `key_share` extension: a share in a ServerHello, the selected group in a
    /// HelloRetryRequest.
    pub fn key_share(&self) -> Option<Result<ServerKeyShare, DecodeError>> {
        if self.is_hello_retry_request() {
            self.typed(ExtensionType::KEY_SHARE, |b| parse_key_share_hrr(b).map(ServerKeyShare::Retry))
        } else {
            self.typed(ExtensionType::KEY_SHARE, |b| KeyShareEntry::parse(b).map(ServerKeyShare::Share))
        }
    }

    /// The HelloRetryRequest `cookie` extension (`opaque cookie<1..2^16-1>`).
    pub fn cookie(&self) -> Option<Result<Vec<u8>, DecodeError>> {
        self.typed(ExtensionType::COOKIE, parse_cookie)
    }

    /// The `renegotiation_info` extension (RFC 5746): the renegotiated connection data,
    /// empty on an initial handshake.
    pub fn renegotiation_info(&self) -> Option<Result<Vec<u8>, DecodeError>> {
        self.typed(ExtensionType::RENEGOTIATION_INFO, parse_renegotiation_info)
    }

    /// The `ec_point_formats` extension (RFC 8422): the formats the server can parse.
    pub fn ec_point_formats(&self) -> Option<Result<Vec<u8>, DecodeError>> {
        self.typed(ExtensionType::EC_POINT_FORMATS, parse_ec_point_formats)
    }

    /// The `application_layer_protocol_negotiation` extension: the one selected protocol.
    pub fn alpn(&self) -> Option<Result<Vec<u8>, DecodeError>> {
        self.typed(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION, parse_alpn_one)
    }

    /// The `heartbeat` extension (RFC 6520).
    pub fn heartbeat(&self) -> Option<Result<HeartbeatMode, DecodeError>> {
        self.typed(ExtensionType::HEARTBEAT, parse_heartbeat_mode)
    }

    /// The `max_fragment_length` extension (RFC 6066): the code `1..=4` for 2^9..2^12
    /// bytes; other values are returned as they are for the caller to judge.
    pub fn max_fragment_length(&self) -> Option<Result<u8, DecodeError>> {
        self.typed(ExtensionType::MAX_FRAGMENT_LENGTH, parse_max_fragment_length)
    }

    /// The `status_request` extension, whose body must be empty in a ServerHello.
    pub fn status_request(&self) -> Option<Result<(), DecodeError>> {
        self.typed(ExtensionType::STATUS_REQUEST, parse_empty)
    }

    /// The `session_ticket` extension, whose body must be empty in a ServerHello.
    pub fn session_ticket(&self) -> Option<Result<(), DecodeError>> {
        self.typed(ExtensionType::SESSION_TICKET, parse_empty)
    }

    /// The `extended_master_secret` extension (RFC 7627), whose body must be empty.
    pub fn extended_master_secret(&self) -> Option<Result<(), DecodeError>> {
        self.typed(ExtensionType::EXTENDED_MAIN_SECRET, parse_empty)
    }

    /// The `encrypt_then_mac` extension (RFC 7366), whose body must be empty.
    pub fn encrypt_then_mac(&self) -> Option<Result<(), DecodeError>> {
        self.typed(ExtensionType::ENCRYPT_THEN_MAC, parse_empty)
    }
}

/// ServerHelloDone: a handshake message with an empty body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerHelloDone;

impl Codec for ServerHelloDone {
    const NAME: &'static str = "ServerHelloDone";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |i| Ok((i, Self)))
    }

    fn encode(&self, _out: &mut Vec<u8>) -> Result<(), EncodeError> {
        Ok(())
    }
}

/// The TLS 1.2 NewSessionTicket (RFC 5077): a lifetime hint and an opaque ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// `ticket_lifetime_hint` in seconds; 0 means unspecified.
    pub lifetime_hint: u32,
    /// The ticket (`opaque ticket<0..2^16-1>`).
    pub ticket: Vec<u8>,
}

impl Codec for NewSessionTicket {
    const NAME: &'static str = "NewSessionTicket";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |i| {
            let (i, lifetime_hint) = u32("ticket_lifetime_hint")(i)?;
            let (i, ticket) = vec16("ticket", 0, usize::from(u16::MAX))(i)?;
            Ok((i, Self { lifetime_hint, ticket: ticket.to_vec() }))
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        put_u32(out, self.lifetime_hint);
        put_vec16("ticket", out, &self.ticket).inspect_err(|_| out.truncate(start))
    }
}

/// Builders of server extensions, for simulated servers and tests.
pub mod build {
    use super::{ExtensionType, HeartbeatMode, ProtocolVersion, RawExtension, ServerKeyShare};
    use crate::wire::codec::{Codec as _, EncodeError, put_u16};
    use crate::wire::extensions::{
        encode_alpn_list, encode_ec_point_formats, encode_renegotiation_info, encode_selected_version,
    };

    /// `supported_versions` selecting `version`.
    pub fn supported_versions(version: ProtocolVersion) -> RawExtension {
        let mut data = Vec::new();
        encode_selected_version(version, &mut data);
        RawExtension { kind: ExtensionType::SUPPORTED_VERSIONS, data }
    }

    /// `key_share` with a share or, for a HelloRetryRequest, a selected group.
    pub fn key_share(share: &ServerKeyShare) -> Result<RawExtension, EncodeError> {
        let mut data = Vec::new();
        match share {
            ServerKeyShare::Share(entry) => entry.encode(&mut data)?,
            ServerKeyShare::Retry(group) => put_u16(&mut data, group.0),
        }
        Ok(RawExtension { kind: ExtensionType::KEY_SHARE, data })
    }

    /// `renegotiation_info` carrying `renegotiated_connection`.
    pub fn renegotiation_info(renegotiated_connection: &[u8]) -> Result<RawExtension, EncodeError> {
        let mut data = Vec::new();
        encode_renegotiation_info(renegotiated_connection, &mut data)?;
        Ok(RawExtension { kind: ExtensionType::RENEGOTIATION_INFO, data })
    }

    /// `ec_point_formats` with `formats`.
    pub fn ec_point_formats(formats: &[u8]) -> Result<RawExtension, EncodeError> {
        let mut data = Vec::new();
        encode_ec_point_formats(formats, &mut data)?;
        Ok(RawExtension { kind: ExtensionType::EC_POINT_FORMATS, data })
    }

    /// ALPN selecting `protocol`.
    pub fn alpn(protocol: &[u8]) -> Result<RawExtension, EncodeError> {
        let mut data = Vec::new();
        encode_alpn_list(&[protocol.to_vec()], &mut data)?;
        Ok(RawExtension { kind: ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION, data })
    }

    /// `heartbeat` with `mode`.
    pub fn heartbeat(mode: HeartbeatMode) -> RawExtension {
        RawExtension { kind: ExtensionType::HEARTBEAT, data: vec![mode.0] }
    }

    /// An extension with an empty body (`status_request`, `session_ticket`,
    /// `extended_master_secret`, `encrypt_then_mac` in a ServerHello).
    pub fn empty(kind: ExtensionType) -> RawExtension {
        RawExtension { kind, data: Vec::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_tls12() -> ServerHello {
        ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [7; 32],
            session_id: vec![0xaa; 32],
            cipher_suite: CipherSuite(0xc02f),
            compression_method: CompressionMethod::NULL,
            extensions: Some(vec![
                build::renegotiation_info(&[]).unwrap(),
                build::ec_point_formats(&[0, 1, 2]).unwrap(),
                build::empty(ExtensionType::SESSION_TICKET),
                build::empty(ExtensionType::EXTENDED_MAIN_SECRET),
                build::empty(ExtensionType::ENCRYPT_THEN_MAC),
                build::empty(ExtensionType::STATUS_REQUEST),
                build::alpn(b"smtp").unwrap(),
                build::heartbeat(HeartbeatMode::PEER_NOT_ALLOWED_TO_SEND),
                RawExtension { kind: ExtensionType::MAX_FRAGMENT_LENGTH, data: vec![2] },
                RawExtension { kind: ExtensionType(0xbeef), data: vec![1, 2, 3] },
                RawExtension { kind: ExtensionType(0xbeef), data: vec![] },
            ]),
        }
    }

    fn sample_tls13() -> ServerHello {
        ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [0x11; 32],
            session_id: vec![3; 32],
            cipher_suite: CipherSuite(0x1301),
            compression_method: CompressionMethod::NULL,
            extensions: Some(vec![
                build::supported_versions(ProtocolVersion::TLSV1_3),
                build::key_share(&ServerKeyShare::Share(KeyShareEntry::new(NamedGroup::X25519, vec![9; 32])))
                    .unwrap(),
            ]),
        }
    }

    fn sample_hrr() -> ServerHello {
        ServerHello {
            random: HELLO_RETRY_REQUEST_RANDOM,
            extensions: Some(vec![
                build::supported_versions(ProtocolVersion::TLSV1_3),
                build::key_share(&ServerKeyShare::Retry(NamedGroup::SECP384R1)).unwrap(),
                RawExtension { kind: ExtensionType::COOKIE, data: vec![0, 2, 0xca, 0xfe] },
            ]),
            ..sample_tls13()
        }
    }

    fn sample_ssl3() -> ServerHello {
        ServerHello {
            legacy_version: ProtocolVersion::SSLV3,
            session_id: vec![],
            extensions: None,
            cipher_suite: CipherSuite(0x000a),
            ..sample_tls12()
        }
    }

    fn samples() -> Vec<ServerHello> {
        vec![
            sample_tls12(),
            sample_tls13(),
            sample_hrr(),
            sample_ssl3(),
            ServerHello { extensions: Some(vec![]), ..sample_ssl3() },
        ]
    }

    #[test]
    fn samples_round_trip_and_every_truncation_fails() {
        for hello in samples() {
            let bytes = hello.to_bytes().unwrap();
            assert_eq!(ServerHello::parse(&bytes).unwrap(), hello);
            for cut in 0..bytes.len() {
                // Cutting an SSL 3.0 hello right after the compression method is a valid hello.
                if hello.extensions.is_some() && cut == extensions_start(&hello) - 2 {
                    continue;
                }
                assert!(ServerHello::parse(&bytes[..cut]).is_err(), "cut at {cut} of {hello:?}");
            }
        }
    }

    #[test]
    fn typed_accessors_decode_server_extension_bodies() {
        let h = sample_tls12();
        assert_eq!(h.renegotiation_info(), Some(Ok(vec![])));
        assert_eq!(h.ec_point_formats(), Some(Ok(vec![0, 1, 2])));
        assert_eq!(h.session_ticket(), Some(Ok(())));
        assert_eq!(h.extended_master_secret(), Some(Ok(())));
        assert_eq!(h.encrypt_then_mac(), Some(Ok(())));
        assert_eq!(h.status_request(), Some(Ok(())));
        assert_eq!(h.alpn(), Some(Ok(b"smtp".to_vec())));
        assert_eq!(h.heartbeat(), Some(Ok(HeartbeatMode::PEER_NOT_ALLOWED_TO_SEND)));
        assert_eq!(h.max_fragment_length(), Some(Ok(2)));
        assert_eq!(h.key_share(), None);
        assert_eq!(h.selected_version(), Ok(ProtocolVersion::TLSV1_2));
        assert_eq!(h.duplicate_extension(), Some(ExtensionType(0xbeef)));
        assert!(!h.is_hello_retry_request());

        let h = sample_tls13();
        assert_eq!(h.selected_version(), Ok(ProtocolVersion::TLSV1_3));
        assert_eq!(
            h.key_share(),
            Some(Ok(ServerKeyShare::Share(KeyShareEntry::new(NamedGroup::X25519, vec![9; 32]))))
        );
        assert_eq!(h.duplicate_extension(), None);

        let h = sample_hrr();
        assert!(h.is_hello_retry_request());
        assert_eq!(h.key_share(), Some(Ok(ServerKeyShare::Retry(NamedGroup::SECP384R1))));
        assert_eq!(h.cookie(), Some(Ok(vec![0xca, 0xfe])));
        assert_eq!(sample_ssl3().renegotiation_info(), None);
        assert_eq!(sample_ssl3().selected_version(), Ok(ProtocolVersion::SSLV3));
    }

    #[test]
    fn malformed_extension_bodies_are_reported_with_absolute_offsets() {
        let mut h = sample_tls13();
        // A key share whose length says 32 but carries 3 bytes.
        h.extensions = Some(vec![
            build::supported_versions(ProtocolVersion::TLSV1_3),
            RawExtension { kind: ExtensionType::KEY_SHARE, data: vec![0, 0x1d, 0, 32, 1, 2, 3] },
        ]);
        let bytes = h.to_bytes().unwrap();
        let reparsed = ServerHello::parse(&bytes).unwrap();
        let err = reparsed.key_share().unwrap().unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::Truncated { field: "key_exchange", needed: 32, available: 3 });
        // The key_exchange body starts 4 bytes (group + length) into the extension body.
        let body_at = bytes.len() - 7;
        assert_eq!(err.offset, body_at + 4);
        assert_eq!(bytes[err.offset..], [1, 2, 3]);

        let table: &[(ExtensionType, &[u8], &str)] = &[
            (ExtensionType::SUPPORTED_VERSIONS, &[3, 4, 0], "trailing"),
            (ExtensionType::SUPPORTED_VERSIONS, &[3], "truncated"),
            (ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION, &[0, 3, 2, b'h', b'2', 0], "trailing"),
            (
                ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
                &[0, 5, 2, b'h', b'2', 1, b'x'],
                "invalid",
            ),
            (ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION, &[0, 1, 0], "short"),
            (ExtensionType::EC_POINT_FORMATS, &[0], "short"),
            (ExtensionType::STATUS_REQUEST, &[0], "trailing"),
            (ExtensionType::RENEGOTIATION_INFO, &[], "truncated"),
            (ExtensionType::HEARTBEAT, &[], "truncated"),
        ];
        for &(kind, data, what) in table {
            let mut h = sample_ssl3();
            h.extensions = Some(vec![RawExtension { kind, data: data.to_vec() }]);
            let h = ServerHello::parse(&h.to_bytes().unwrap()).unwrap();
            let result = match kind {
                ExtensionType::SUPPORTED_VERSIONS => h.supported_version().map(|r| r.map(drop)),
                ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => h.alpn().map(|r| r.map(drop)),
                ExtensionType::EC_POINT_FORMATS => h.ec_point_formats().map(|r| r.map(drop)),
                ExtensionType::STATUS_REQUEST => h.status_request(),
                ExtensionType::RENEGOTIATION_INFO => h.renegotiation_info().map(|r| r.map(drop)),
                _ => h.heartbeat().map(|r| r.map(drop)),
            };
            let err = result.unwrap().unwrap_err();
            let ok = match err.kind {
                DecodeErrorKind::TrailingBytes { .. } => what == "trailing",
                DecodeErrorKind::Truncated { .. } => what == "truncated",
                DecodeErrorKind::Invalid { .. } => what == "invalid",
                DecodeErrorKind::TooShort { .. } => what == "short",
                _ => false,
            };
            assert!(ok, "{kind:?} {data:?}: {err}");
            assert!(err.offset >= extensions_start(&h) + 4, "{err}");
        }
        assert!(sample_tls13().selected_version().is_ok());
    }

    #[test]
    fn downgrade_sentinels_are_recognised() {
        let mut h = sample_tls12();
        assert_eq!(h.downgrade_sentinel(), None);
        h.random[24..].copy_from_slice(b"DOWNGRD\x01");
        assert_eq!(h.downgrade_sentinel(), Some(DowngradeSentinel::Tls12));
        h.random[24..].copy_from_slice(b"DOWNGRD\x00");
        assert_eq!(h.downgrade_sentinel(), Some(DowngradeSentinel::Tls11OrBelow));
        h.random[24..].copy_from_slice(b"DOWNGRD\x02");
        assert_eq!(h.downgrade_sentinel(), None);
    }

    #[test]
    fn header_errors_name_field_and_offset() {
        let mut bytes = sample_tls12().to_bytes().unwrap();
        bytes[34] = 33; // session id length
        let err = ServerHello::parse(&bytes).unwrap_err();
        assert_eq!(err.offset, 34);
        assert_eq!(err.kind, DecodeErrorKind::TooLong { field: "legacy_session_id", len: 33, max: 32 });
        // The encoder writes what the length field can hold (for hostile simulated servers).
        let too_long = ServerHello { session_id: vec![0; 33], ..sample_tls12() };
        assert!(ServerHello::parse(&too_long.to_bytes().unwrap()).is_err());
    }

    #[test]
    fn server_hello_done_is_empty() {
        assert_eq!(ServerHelloDone::parse(&[]), Ok(ServerHelloDone));
        let err = ServerHelloDone::parse(&[0]).unwrap_err();
        assert_eq!(err.offset, 0);
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { field: "ServerHelloDone", count: 1 });
        assert_eq!(ServerHelloDone.to_bytes().unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn new_session_ticket_round_trips() {
        let t = NewSessionTicket { lifetime_hint: 7200, ticket: vec![5; 100] };
        let bytes = t.to_bytes().unwrap();
        assert_eq!(NewSessionTicket::parse(&bytes).unwrap(), t);
        for cut in 0..bytes.len() {
            assert!(NewSessionTicket::parse(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn openssl_fixtures_decode_and_round_trip() {
        let tls12: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-server-hello-tls12-ecdhe.bin");
        let h = ServerHello::parse(tls12).unwrap();
        assert_eq!(h.cipher_suite, CipherSuite(0xc02f));
        assert_eq!(h.selected_version(), Ok(ProtocolVersion::TLSV1_2));
        assert_eq!(h.renegotiation_info(), Some(Ok(vec![])));
        assert_eq!(h.extended_master_secret(), Some(Ok(())));
        assert_eq!(h.status_request(), Some(Ok(())));
        assert_eq!(h.session_ticket(), Some(Ok(())));
        assert!(h.ec_point_formats().unwrap().unwrap().contains(&0));
        // OpenSSL 3.0 also speaks TLS 1.3, so a TLS 1.2 hello carries the sentinel.
        assert_eq!(h.downgrade_sentinel(), Some(DowngradeSentinel::Tls12));
        assert_eq!(h.to_bytes().unwrap(), tls12);

        let dhe: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-server-hello-tls12-dhe.bin");
        let h = ServerHello::parse(dhe).unwrap();
        assert_eq!(h.cipher_suite, CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
        assert_eq!(h.to_bytes().unwrap(), dhe);

        for tls13 in [
            &include_bytes!("../../tests/fixtures/openssl-3.0-server-hello-tls13.bin")[..],
            &include_bytes!("../../tests/fixtures/openssl-3.0-server-hello-tls13-after-hrr.bin")[..],
        ] {
            let h = ServerHello::parse(tls13).unwrap();
            assert!(!h.is_hello_retry_request());
            assert_eq!(h.selected_version(), Ok(ProtocolVersion::TLSV1_3));
            assert_eq!(h.cipher_suite, CipherSuite(0x1302));
            assert_eq!(h.downgrade_sentinel(), None);
            match h.key_share() {
                Some(Ok(ServerKeyShare::Share(KeyShareEntry {
                    group: NamedGroup::X25519,
                    key_exchange,
                }))) => {
                    assert_eq!(key_exchange.len(), 32);
                }
                other => panic!("unexpected key share {other:?}"),
            }
            assert_eq!(h.to_bytes().unwrap(), tls13);
        }

        let hrr: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-hello-retry-request.bin");
        let h = ServerHello::parse(hrr).unwrap();
        assert!(h.is_hello_retry_request());
        assert_eq!(h.selected_version(), Ok(ProtocolVersion::TLSV1_3));
        assert_eq!(h.key_share(), Some(Ok(ServerKeyShare::Retry(NamedGroup::X25519))));
        assert_eq!(h.to_bytes().unwrap(), hrr);

        let nst: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-new-session-ticket-tls12.bin");
        let t = NewSessionTicket::parse(nst).unwrap();
        assert_eq!(t.lifetime_hint, 7200);
        assert_eq!(t.to_bytes().unwrap(), nst);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            crate::fuzzing::server_hello(&bytes);
            if let Ok(h) = ServerHello::parse(&bytes) {
                let _ = (h.key_share(), h.alpn(), h.selected_version(), h.ec_point_formats(), h.heartbeat());
                let _ = (h.renegotiation_info(), h.cookie(), h.duplicate_extension(), h.downgrade_sentinel());
            }
            let _ = NewSessionTicket::parse(&bytes);
        }

        #[test]
        fn hellos_with_random_extensions_round_trip(
            exts in proptest::collection::vec((proptest::num::u16::ANY, proptest::collection::vec(proptest::num::u8::ANY, 0..20)), 0..8),
            sid in proptest::collection::vec(proptest::num::u8::ANY, 0..=32),
        ) {
            let hello = ServerHello {
                session_id: sid,
                extensions: Some(exts.into_iter().map(|(k, data)| RawExtension { kind: ExtensionType(k), data }).collect()),
                ..sample_tls12()
            };
            let bytes = hello.to_bytes().unwrap();
            proptest::prop_assert_eq!(ServerHello::parse(&bytes).unwrap(), hello);
        }
    }
}
