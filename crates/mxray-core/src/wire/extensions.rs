//! Typed views of the ClientHello extensions a scanner sends and an analyser reads, with
//! conversions to and from the [`RawExtension`] form that hellos carry, and the body codecs
//! whose format the server side shares (ALPN list, `ec_point_formats`,
//! `renegotiation_info`, `supported_versions`, key shares, heartbeat mode).
//!
//! Each `parse_*` function decodes one extension *body* (without type and length) and is
//! strict about trailing bytes and the RFC's minimum lengths; error offsets are relative to
//! the start of that body. [`ClientExtension::Unknown`] keeps every extension this module
//! does not type (GREASE, `pre_shared_key`, `early_data`, ECH, …), so nothing is dropped.

use crate::registry::{ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::wire::codec::{
    Codec as _, DecodeError, DecodeErrorKind, EncodeError, PResult, RawExtension, fail, items, parse_all,
    put_u8, put_u16, put_vec8, put_vec16, u8, u16, u16_items, vec8, vec16, with_len8, with_len16,
};
use crate::wire::key_share::{KeyShareEntry, key_share_entry};

/// `HostName` name type of a `server_name` entry (RFC 6066 §3).
pub const SERVER_NAME_HOST_NAME: u8 = 0;
/// `status_type` of an OCSP `status_request` (RFC 6066 §8).
pub const STATUS_TYPE_OCSP: u8 = 1;
/// `psk_ke` PSK key exchange mode (RFC 8446 §4.2.9).
pub const PSK_KE: u8 = 0;
/// `psk_dhe_ke` PSK key exchange mode (RFC 8446 §4.2.9).
pub const PSK_DHE_KE: u8 = 1;
/// `uncompressed` EC point format (RFC 8422 §5.1.2).
pub const EC_POINT_FORMAT_UNCOMPRESSED: u8 = 0;

/// Most list items a typed extension decodes (each item takes at least one byte, so this
/// is never reached within a 64 KiB body; it bounds the loop explicitly).
const MAX_ITEMS: usize = 1 << 16;

/// One entry of a `server_name` list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerNameEntry {
    /// The name type; 0 is `host_name`, others are kept as they are.
    pub name_type: u8,
    /// The name, `opaque<1..2^16-1>` (ASCII for a host name, without a trailing dot).
    pub name: Vec<u8>,
}

/// The mode of a `heartbeat` extension (RFC 6520 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeartbeatMode(pub u8);

impl HeartbeatMode {
    /// `peer_allowed_to_send` (1).
    pub const PEER_ALLOWED_TO_SEND: Self = Self(1);
    /// `peer_not_allowed_to_send` (2).
    pub const PEER_NOT_ALLOWED_TO_SEND: Self = Self(2);
}

/// The body of an OCSP `status_request` (RFC 6066 §8).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OcspStatusRequest {
    /// `ResponderID responder_id_list<0..2^16-1>`, each a DER `ResponderID`.
    pub responder_ids: Vec<Vec<u8>>,
    /// `Extensions request_extensions<0..2^16-1>`: DER OCSP request extensions.
    pub request_extensions: Vec<u8>,
}

/// A ClientHello extension, typed where mxray knows the format.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientExtension {
    /// `server_name` (0): the names the client asks for.
    ServerName(Vec<ServerNameEntry>),
    /// `status_request` (5) of type OCSP.
    StatusRequest(OcspStatusRequest),
    /// `supported_groups` (10).
    SupportedGroups(Vec<NamedGroup>),
    /// `ec_point_formats` (11).
    EcPointFormats(Vec<u8>),
    /// `signature_algorithms` (13).
    SignatureAlgorithms(Vec<SignatureScheme>),
    /// `heartbeat` (15).
    Heartbeat(HeartbeatMode),
    /// `application_layer_protocol_negotiation` (16).
    Alpn(Vec<Vec<u8>>),
    /// `padding` (21): this many zero bytes.
    Padding(usize),
    /// `encrypt_then_mac` (22), empty.
    EncryptThenMac,
    /// `extended_master_secret` (23), empty.
    ExtendedMasterSecret,
    /// `session_ticket` (35): an empty body asks for a ticket, else the ticket to resume.
    SessionTicket(Vec<u8>),
    /// `supported_versions` (43), client form: the versions offered, best first.
    SupportedVersions(Vec<ProtocolVersion>),
    /// `psk_key_exchange_modes` (45).
    PskKeyExchangeModes(Vec<u8>),
    /// `signature_algorithms_cert` (50).
    SignatureAlgorithmsCert(Vec<SignatureScheme>),
    /// `key_share` (51), client form.
    KeyShare(Vec<KeyShareEntry>),
    /// `renegotiation_info` (0xff01): the `renegotiated_connection` bytes (empty on a
    /// first handshake).
    RenegotiationInfo(Vec<u8>),
    /// Any other extension, kept raw (GREASE and unknown types included).
    Unknown(RawExtension),
}

impl ClientExtension {
    /// A `server_name` extension asking for one host name.
    pub fn host_name(host: &str) -> Self {
        Self::ServerName(vec![ServerNameEntry {
            name_type: SERVER_NAME_HOST_NAME,
            name: host.as_bytes().to_vec(),
        }])
    }

    /// A `status_request` for OCSP with no responder IDs and no request extensions.
    pub fn ocsp_status_request() -> Self {
        Self::StatusRequest(OcspStatusRequest::default())
    }

    /// The extension type on the wire.
    pub fn kind(&self) -> ExtensionType {
        match self {
            Self::ServerName(_) => ExtensionType::SERVER_NAME,
            Self::StatusRequest(_) => ExtensionType::STATUS_REQUEST,
            Self::SupportedGroups(_) => ExtensionType::SUPPORTED_GROUPS,
            Self::EcPointFormats(_) => ExtensionType::EC_POINT_FORMATS,
            Self::SignatureAlgorithms(_) => ExtensionType::SIGNATURE_ALGORITHMS,
            Self::Heartbeat(_) => ExtensionType::HEARTBEAT,
            Self::Alpn(_) => ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
            Self::Padding(_) => ExtensionType::PADDING,
            Self::EncryptThenMac => ExtensionType::ENCRYPT_THEN_MAC,
            Self::ExtendedMasterSecret => ExtensionType::EXTENDED_MAIN_SECRET,
            Self::SessionTicket(_) => ExtensionType::SESSION_TICKET,
            Self::SupportedVersions(_) => ExtensionType::SUPPORTED_VERSIONS,
            Self::PskKeyExchangeModes(_) => ExtensionType::PSK_KEY_EXCHANGE_MODES,
            Self::SignatureAlgorithmsCert(_) => ExtensionType::SIGNATURE_ALGORITHMS_CERT,
            Self::KeyShare(_) => ExtensionType::KEY_SHARE,
            Self::RenegotiationInfo(_) => ExtensionType::RENEGOTIATION_INFO,
            Self::Unknown(raw) => raw.kind,
        }
    }

    /// Decodes the body of `raw` by its type; types this module does not know become
    /// [`Unknown`](Self::Unknown). A known type with a malformed body is an error.
    pub fn from_raw(raw: &RawExtension) -> Result<Self, DecodeError> {
        let body = raw.data.as_slice();
        Ok(match raw.kind {
            ExtensionType::SERVER_NAME => Self::ServerName(parse_server_name_list(body)?),
            ExtensionType::STATUS_REQUEST => Self::StatusRequest(parse_status_request(body)?),
            ExtensionType::SUPPORTED_GROUPS => Self::SupportedGroups(parse_supported_groups(body)?),
            ExtensionType::EC_POINT_FORMATS => Self::EcPointFormats(parse_ec_point_formats(body)?),
            ExtensionType::SIGNATURE_ALGORITHMS => {
                Self::SignatureAlgorithms(parse_signature_algorithms("signature_algorithms", body)?)
            }
            ExtensionType::HEARTBEAT => Self::Heartbeat(parse_heartbeat_mode(body)?),
            ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION => Self::Alpn(parse_alpn_list(body)?),
            ExtensionType::PADDING => Self::Padding(parse_padding(body)?),
            ExtensionType::ENCRYPT_THEN_MAC => {
                parse_empty("encrypt_then_mac", body)?;
                Self::EncryptThenMac
            }
            ExtensionType::EXTENDED_MAIN_SECRET => {
                parse_empty("extended_master_secret", body)?;
                Self::ExtendedMasterSecret
            }
            ExtensionType::SESSION_TICKET => Self::SessionTicket(body.to_vec()),
            ExtensionType::SUPPORTED_VERSIONS => {
                Self::SupportedVersions(parse_supported_versions_list(body)?)
            }
            ExtensionType::PSK_KEY_EXCHANGE_MODES => {
                Self::PskKeyExchangeModes(parse_psk_key_exchange_modes(body)?)
            }
            ExtensionType::SIGNATURE_ALGORITHMS_CERT => {
                Self::SignatureAlgorithmsCert(parse_signature_algorithms("signature_algorithms_cert", body)?)
            }
            ExtensionType::KEY_SHARE => Self::KeyShare(parse_key_share_client(body)?),
            ExtensionType::RENEGOTIATION_INFO => Self::RenegotiationInfo(parse_renegotiation_info(body)?),
            _ => Self::Unknown(raw.clone()),
        })
    }

    /// Encodes the body and wraps it with the extension type.
    pub fn to_raw(&self) -> Result<RawExtension, EncodeError> {
        let mut data = Vec::new();
        match self {
            Self::ServerName(names) => encode_server_name_list(names, &mut data)?,
            Self::StatusRequest(request) => encode_status_request(request, &mut data)?,
            Self::SupportedGroups(groups) => {
                put_u16_list("supported_groups", groups.iter().map(|g| g.0), &mut data)?;
            }
            Self::EcPointFormats(formats) => encode_ec_point_formats(formats, &mut data)?,
            Self::SignatureAlgorithms(schemes) | Self::SignatureAlgorithmsCert(schemes) => {
                put_u16_list("signature_algorithms", schemes.iter().map(|s| s.0), &mut data)?;
            }
            Self::Heartbeat(mode) => put_u8(&mut data, mode.0),
            Self::Alpn(protocols) => encode_alpn_list(protocols, &mut data)?,
            Self::Padding(len) => {
                if *len > usize::from(u16::MAX) {
                    return Err(EncodeError { field: "padding", len: *len, max: usize::from(u16::MAX) });
                }
                data.resize(*len, 0);
            }
            Self::EncryptThenMac | Self::ExtendedMasterSecret => {}
            Self::SessionTicket(ticket) => data.extend_from_slice(ticket),
            Self::SupportedVersions(versions) => encode_supported_versions_list(versions, &mut data)?,
            Self::PskKeyExchangeModes(modes) => put_vec8("psk_key_exchange_modes", &mut data, modes)?,
            Self::KeyShare(entries) => encode_key_share_client(entries, &mut data)?,
            Self::RenegotiationInfo(info) => encode_renegotiation_info(info, &mut data)?,
            Self::Unknown(raw) => return Ok(raw.clone()),
        }
        if data.len() > usize::from(u16::MAX) {
            return Err(EncodeError { field: "extension data", len: data.len(), max: usize::from(u16::MAX) });
        }
        Ok(RawExtension { kind: self.kind(), data })
    }
}

/// Runs `parser` over a whole extension body, naming the extension in errors.
fn body<'a, T>(
    name: &'static str,
    bytes: &'a [u8],
    parser: impl FnMut(&'a [u8]) -> PResult<'a, T>,
) -> Result<T, DecodeError> {
    parse_all(name, bytes, parser)
}

/// Writes a `vec16` of 16-bit values.
fn put_u16_list(
    field: &'static str,
    values: impl Iterator<Item = u16>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    with_len16(field, out, |out| {
        values.for_each(|v| put_u16(out, v));
        Ok(())
    })
}

/// Parses a `vec16` list of 16-bit values of at least `min` bytes.
fn u16_list<'a>(field: &'static str, min: usize) -> impl FnMut(&'a [u8]) -> PResult<'a, Vec<u16>> {
    move |input| {
        let (rest, list) = vec16(field, min, usize::from(u16::MAX))(input)?;
        Ok((rest, u16_items(field, list)?))
    }
}

/// Fails unless `bytes` is empty.
fn parse_empty(name: &'static str, bytes: &[u8]) -> Result<(), DecodeError> {
    body(name, bytes, |input| Ok((input, ())))
}

/// Decodes a `server_name` body: `ServerName server_name_list<1..2^16-1>`.
pub fn parse_server_name_list(bytes: &[u8]) -> Result<Vec<ServerNameEntry>, DecodeError> {
    body("server_name", bytes, |input| {
        let (rest, list) = vec16("server_name_list", 1, usize::from(u16::MAX))(input)?;
        let names = items("server_name_list", list, MAX_ITEMS, |i| {
            let (i, name_type) = u8("name_type")(i)?;
            let (i, name) = vec16("server name", 1, usize::from(u16::MAX))(i)?;
            Ok((i, ServerNameEntry { name_type, name: name.to_vec() }))
        })?;
        Ok((rest, names))
    })
}

/// Encodes a `server_name` body.
pub fn encode_server_name_list(names: &[ServerNameEntry], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    with_len16("server_name_list", out, |out| {
        for entry in names {
            put_u8(out, entry.name_type);
            put_vec16("server name", out, &entry.name)?;
        }
        Ok(())
    })
}

/// Decodes a `status_request` body of type OCSP.
pub fn parse_status_request(bytes: &[u8]) -> Result<OcspStatusRequest, DecodeError> {
    body("status_request", bytes, |input| {
        let (rest, status_type) = u8("status_type")(input)?;
        if status_type != STATUS_TYPE_OCSP {
            return fail(
                input,
                DecodeErrorKind::UnexpectedValue { field: "status_type", value: status_type.into() },
            );
        }
        let (rest, ids) = vec16("responder_id_list", 0, usize::from(u16::MAX))(rest)?;
        let responder_ids = items("responder_id_list", ids, MAX_ITEMS, |i| {
            vec16("ResponderID", 1, usize::from(u16::MAX))(i).map(|(r, id)| (r, id.to_vec()))
        })?;
        let (rest, exts) = vec16("request_extensions", 0, usize::from(u16::MAX))(rest)?;
        Ok((rest, OcspStatusRequest { responder_ids, request_extensions: exts.to_vec() }))
    })
}

/// Encodes a `status_request` body of type OCSP.
pub fn encode_status_request(request: &OcspStatusRequest, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    put_u8(out, STATUS_TYPE_OCSP);
    with_len16("responder_id_list", out, |out| {
        for id in &request.responder_ids {
            put_vec16("ResponderID", out, id)?;
        }
        Ok(())
    })?;
    put_vec16("request_extensions", out, &request.request_extensions)
}

/// Decodes a `supported_groups` body: `NamedGroup named_group_list<2..2^16-1>`.
pub fn parse_supported_groups(bytes: &[u8]) -> Result<Vec<NamedGroup>, DecodeError> {
    let list = body("supported_groups", bytes, u16_list("named_group_list", 2))?;
    Ok(list.into_iter().map(NamedGroup).collect())
}

/// Decodes a `signature_algorithms` or `signature_algorithms_cert` body
/// (`SignatureScheme supported_signature_algorithms<2..2^16-2>`); `name` is the
/// extension's name for errors.
pub fn parse_signature_algorithms(
    name: &'static str,
    bytes: &[u8],
) -> Result<Vec<SignatureScheme>, DecodeError> {
    let list = body(name, bytes, u16_list("supported_signature_algorithms", 2))?;
    Ok(list.into_iter().map(SignatureScheme).collect())
}

/// Decodes an `ec_point_formats` body: `ECPointFormat ec_point_format_list<1..2^8-1>`.
/// Same format in ClientHello and ServerHello.
pub fn parse_ec_point_formats(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    body("ec_point_formats", bytes, |i| vec8("ec_point_format_list", 1, 255)(i).map(|(r, l)| (r, l.to_vec())))
}

/// Encodes an `ec_point_formats` body.
pub fn encode_ec_point_formats(formats: &[u8], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    put_vec8("ec_point_format_list", out, formats)
}

/// Decodes a `renegotiation_info` body: `opaque renegotiated_connection<0..255>`. Same
/// format in ClientHello and ServerHello.
pub fn parse_renegotiation_info(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    body("renegotiation_info", bytes, |i| {
        vec8("renegotiated_connection", 0, 255)(i).map(|(r, l)| (r, l.to_vec()))
    })
}

/// Encodes a `renegotiation_info` body.
pub fn encode_renegotiation_info(
    renegotiated_connection: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    put_vec8("renegotiated_connection", out, renegotiated_connection)
}

/// Decodes a `heartbeat` body: one `HeartbeatMode` byte. Same format on both sides.
pub fn parse_heartbeat_mode(bytes: &[u8]) -> Result<HeartbeatMode, DecodeError> {
    body("heartbeat", bytes, |i| u8("heartbeat mode")(i).map(|(r, m)| (r, HeartbeatMode(m))))
}

/// Decodes an ALPN body: `ProtocolName protocol_name_list<2..2^16-1>`, each
/// `opaque ProtocolName<1..2^8-1>`. Same format in ServerHello (with exactly one name).
pub fn parse_alpn_list(bytes: &[u8]) -> Result<Vec<Vec<u8>>, DecodeError> {
    body("application_layer_protocol_negotiation", bytes, |input| {
        let (rest, list) = vec16("protocol_name_list", 2, usize::from(u16::MAX))(input)?;
        let names = items("protocol_name_list", list, MAX_ITEMS, |i| {
            vec8("ProtocolName", 1, 255)(i).map(|(r, n)| (r, n.to_vec()))
        })?;
        Ok((rest, names))
    })
}

/// Encodes an ALPN body.
pub fn encode_alpn_list(protocols: &[Vec<u8>], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    with_len16("protocol_name_list", out, |out| {
        for name in protocols {
            put_vec8("ProtocolName", out, name)?;
        }
        Ok(())
    })
}

/// Decodes a `padding` body: its length, if every byte is zero (RFC 7685 §3).
pub fn parse_padding(bytes: &[u8]) -> Result<usize, DecodeError> {
    match bytes.iter().position(|&b| b != 0) {
        None => Ok(bytes.len()),
        Some(at) => Err(DecodeError {
            message: "padding",
            offset: at,
            kind: DecodeErrorKind::Invalid { field: "padding", reason: "padding bytes must be zero" },
        }),
    }
}

/// Decodes a ClientHello `supported_versions` body:
/// `ProtocolVersion versions<2..254>`.
pub fn parse_supported_versions_list(bytes: &[u8]) -> Result<Vec<ProtocolVersion>, DecodeError> {
    body("supported_versions", bytes, |input| {
        let (rest, list) = vec8("versions", 2, 254)(input)?;
        let versions = u16_items("versions", list)?;
        Ok((rest, versions.into_iter().map(ProtocolVersion).collect()))
    })
}

/// Encodes a ClientHello `supported_versions` body.
pub fn encode_supported_versions_list(
    versions: &[ProtocolVersion],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    with_len8("versions", out, |out| {
        versions.iter().for_each(|v| put_u16(out, v.0));
        Ok(())
    })
}

/// Decodes a ServerHello (or HelloRetryRequest) `supported_versions` body: the one
/// `selected_version`.
pub fn parse_selected_version(bytes: &[u8]) -> Result<ProtocolVersion, DecodeError> {
    body("supported_versions", bytes, |i| u16("selected_version")(i).map(|(r, v)| (r, ProtocolVersion(v))))
}

/// Encodes a ServerHello `supported_versions` body.
pub fn encode_selected_version(version: ProtocolVersion, out: &mut Vec<u8>) {
    put_u16(out, version.0);
}

/// Decodes a `psk_key_exchange_modes` body: `PskKeyExchangeMode ke_modes<1..255>`.
pub fn parse_psk_key_exchange_modes(bytes: &[u8]) -> Result<Vec<u8>, DecodeError> {
    body("psk_key_exchange_modes", bytes, |i| vec8("ke_modes", 1, 255)(i).map(|(r, l)| (r, l.to_vec())))
}

/// Decodes a ClientHello `key_share` body: `KeyShareEntry client_shares<0..2^16-1>`.
/// A ServerHello's body is one entry: use [`KeyShareEntry::parse`]; a HelloRetryRequest's
/// is one group: [`parse_key_share_hrr`].
pub fn parse_key_share_client(bytes: &[u8]) -> Result<Vec<KeyShareEntry>, DecodeError> {
    body("key_share", bytes, |input| {
        let (rest, list) = vec16("client_shares", 0, usize::from(u16::MAX))(input)?;
        let entries = items("client_shares", list, MAX_ITEMS, key_share_entry)?;
        Ok((rest, entries))
    })
}

/// Encodes a ClientHello `key_share` body.
pub fn encode_key_share_client(entries: &[KeyShareEntry], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    with_len16("client_shares", out, |out| entries.iter().try_for_each(|e| e.encode(out)))
}

/// Decodes a HelloRetryRequest `key_share` body: the `selected_group`.
pub fn parse_key_share_hrr(bytes: &[u8]) -> Result<NamedGroup, DecodeError> {
    body("key_share", bytes, |i| u16("selected_group")(i).map(|(r, g)| (r, NamedGroup(g))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<ClientExtension> {
        vec![
            ClientExtension::host_name("mx.example.org"),
            ClientExtension::ServerName(vec![
                ServerNameEntry { name_type: 0, name: b"a".to_vec() },
                ServerNameEntry { name_type: 7, name: vec![1, 2] },
            ]),
            ClientExtension::ocsp_status_request(),
            ClientExtension::StatusRequest(OcspStatusRequest {
                responder_ids: vec![vec![0x30, 0], vec![1]],
                request_extensions: vec![0x30, 0x03, 1, 2, 3],
            }),
            ClientExtension::SupportedGroups(vec![
                NamedGroup(0x3a3a),
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
            ]),
            ClientExtension::EcPointFormats(vec![0, 1, 2]),
            ClientExtension::SignatureAlgorithms(vec![
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme(0x0201),
            ]),
            ClientExtension::SignatureAlgorithmsCert(vec![SignatureScheme::ED25519]),
            ClientExtension::Heartbeat(HeartbeatMode::PEER_ALLOWED_TO_SEND),
            ClientExtension::Heartbeat(HeartbeatMode::PEER_NOT_ALLOWED_TO_SEND),
            ClientExtension::Alpn(vec![b"h2".to_vec(), b"http/1.1".to_vec()]),
            ClientExtension::Padding(0),
            ClientExtension::Padding(200),
            ClientExtension::EncryptThenMac,
            ClientExtension::ExtendedMasterSecret,
            ClientExtension::SessionTicket(vec![]),
            ClientExtension::SessionTicket(vec![9; 100]),
            ClientExtension::SupportedVersions(vec![
                ProtocolVersion(0x8a8a),
                ProtocolVersion::TLSV1_3,
                ProtocolVersion::TLSV1_2,
            ]),
            ClientExtension::PskKeyExchangeModes(vec![PSK_DHE_KE]),
            ClientExtension::KeyShare(vec![]),
            ClientExtension::KeyShare(vec![
                KeyShareEntry::new(NamedGroup(0x1a1a), vec![0]),
                KeyShareEntry::new(NamedGroup::X25519, vec![7; 32]),
            ]),
            ClientExtension::RenegotiationInfo(vec![]),
            ClientExtension::RenegotiationInfo(vec![1; 12]),
            ClientExtension::Unknown(RawExtension { kind: ExtensionType(0xdada), data: vec![0] }),
            ClientExtension::Unknown(RawExtension { kind: ExtensionType::EARLY_DATA, data: vec![] }),
        ]
    }

    #[test]
    fn every_typed_extension_round_trips_and_every_truncation_fails() {
        for ext in samples() {
            let raw = ext.to_raw().unwrap();
            assert_eq!(raw.kind, ext.kind());
            assert_eq!(ClientExtension::from_raw(&raw).unwrap(), ext, "{ext:?}");
            // Bodies whose every strict prefix is malformed (skip those where a shorter
            // body is valid too: opaque tickets, padding, unknown, empty).
            let prefix_may_parse = matches!(
                ext,
                ClientExtension::SessionTicket(_)
                    | ClientExtension::Padding(_)
                    | ClientExtension::Unknown(_)
                    | ClientExtension::EncryptThenMac
                    | ClientExtension::ExtendedMasterSecret
            );
            if !prefix_may_parse {
                for cut in 0..raw.data.len() {
                    let short = RawExtension { kind: raw.kind, data: raw.data[..cut].to_vec() };
                    assert!(ClientExtension::from_raw(&short).is_err(), "{ext:?} cut at {cut}");
                }
            }
        }
    }

    #[test]
    fn bodies_are_the_bytes_the_rfcs_give() {
        let table: Vec<(ClientExtension, &[u8])> = vec![
            (ClientExtension::host_name("ab"), &[0, 5, 0, 0, 2, b'a', b'b']),
            (ClientExtension::ocsp_status_request(), &[1, 0, 0, 0, 0]),
            (ClientExtension::SupportedGroups(vec![NamedGroup::X25519]), &[0, 2, 0, 0x1d]),
            (ClientExtension::EcPointFormats(vec![0]), &[1, 0]),
            (ClientExtension::Heartbeat(HeartbeatMode::PEER_ALLOWED_TO_SEND), &[1]),
            (ClientExtension::Alpn(vec![b"h2".to_vec()]), &[0, 3, 2, b'h', b'2']),
            (ClientExtension::Padding(3), &[0, 0, 0]),
            (ClientExtension::SupportedVersions(vec![ProtocolVersion::TLSV1_3]), &[2, 3, 4]),
            (ClientExtension::PskKeyExchangeModes(vec![1]), &[1, 1]),
            (ClientExtension::RenegotiationInfo(vec![]), &[0]),
            (ClientExtension::ExtendedMasterSecret, &[]),
        ];
        for (ext, bytes) in table {
            assert_eq!(ext.to_raw().unwrap().data, bytes, "{ext:?}");
        }
    }

    #[test]
    fn malformed_bodies_say_what_and_where() {
        let err = parse_supported_groups(&[0, 3, 0, 0x1d, 0]).unwrap_err();
        assert_eq!(err.offset, 2);
        assert!(matches!(err.kind, DecodeErrorKind::Invalid { field: "named_group_list", .. }));
        let err = parse_padding(&[0, 0, 1]).unwrap_err();
        assert_eq!(err.offset, 2);
        let err = parse_status_request(&[2, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::UnexpectedValue { field: "status_type", value: 2 });
        let err = parse_renegotiation_info(&[0, 0]).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { field: "renegotiation_info", count: 1 });
        assert!(parse_empty("encrypt_then_mac", &[0]).is_err());
        assert!(parse_alpn_list(&[0, 1, 0]).is_err(), "empty protocol names are invalid");
    }

    #[test]
    fn server_side_forms_decode() {
        assert_eq!(parse_selected_version(&[3, 4]).unwrap(), ProtocolVersion::TLSV1_3);
        assert_eq!(parse_key_share_hrr(&[0, 0x17]).unwrap(), NamedGroup::SECP256R1);
        assert!(parse_selected_version(&[3]).is_err());
        let mut out = Vec::new();
        encode_selected_version(ProtocolVersion::TLSV1_3, &mut out);
        assert_eq!(out, [3, 4]);
    }

    #[test]
    fn oversized_values_fail_to_encode() {
        assert!(ClientExtension::Padding(70_000).to_raw().is_err());
        assert!(ClientExtension::Alpn(vec![vec![0; 256]]).to_raw().is_err());
        assert!(ClientExtension::SessionTicket(vec![0; 70_000]).to_raw().is_err());
    }
}
