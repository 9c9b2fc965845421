//! The ClientHello (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2): one type that decodes any hello a
//! client sends (for the pcap analyser and the listener) and encodes any hello a scanner
//! wants to send, from SSL 3.0 to TLS 1.3, plus the SSLv2-compatible form of RFC 5246
//! Appendix E.2.
//!
//! The encoder is hand-written because a scanner sends hellos no TLS library will build:
//! arbitrary cipher lists with unknown code points and SCSVs, SSL 3.0 hellos without an
//! extension block, duplicate or GREASE extensions, TLS 1.3 offers without the keys a real
//! client would hold. TLS crates (rustls, openssl) only emit what they themselves support,
//! and parser crates (tls-parser) do not encode. Decoding keeps everything as it was on the
//! wire ([`RawExtension`]s in order, duplicates and unknown values included), so
//! `parse` then `encode` gives back the same bytes.
//!
//! [`ClientHelloBuilder`] assembles the hellos probes send: legacy version and
//! `supported_versions` for TLS 1.3, RFC 8701 GREASE, and the RFC 7685 padding that keeps
//! a hello out of the 256..=511-byte range some F5 load balancers hang on.

use rand_core::RngCore;

use crate::registry::{
    CipherSuite, CompressionMethod, ExtensionType, NamedGroup, ProtocolVersion, SignatureScheme,
    Sslv2CipherKind,
};
use crate::wire::codec::{
    Codec, DecodeError, EncodeError, RawExtension, encode_extension_block, extension_block, parse_all,
    put_u8, put_u16, put_vec8, take, u16, u16_items, vec8, vec16, with_len16,
};
use crate::wire::extensions::{self as ext, ClientExtension, ServerNameEntry};
use crate::wire::handshake::{HANDSHAKE_HEADER_LEN, HandshakeType, encode_handshake, handshake_records};
use crate::wire::key_share::KeyShareEntry;
use crate::wire::record::{MAX_SSLV2_LEN_TWO_BYTE, Sslv2Record};

/// Longest legacy session ID (RFC 5246 §7.4.1.2).
pub const MAX_SESSION_ID_LEN: usize = 32;

/// A ClientHello body (without the handshake header).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientHello {
    /// `legacy_version` (`client_version` before TLS 1.3): 0x0303 in TLS 1.3 hellos.
    pub legacy_version: ProtocolVersion,
    /// The client random.
    pub random: [u8; 32],
    /// `legacy_session_id`, at most 32 bytes.
    pub session_id: Vec<u8>,
    /// The cipher suites in the client's order, SCSVs, GREASE and unknown values included.
    pub cipher_suites: Vec<CipherSuite>,
    /// The compression methods offered.
    pub compression_methods: Vec<CompressionMethod>,
    /// The extensions in wire order; `None` when the hello has no extension block at all
    /// (SSL 3.0 and old TLS clients), `Some(vec![])` for an empty block.
    pub extensions: Option<Vec<RawExtension>>,
}

impl Codec for ClientHello {
    const NAME: &'static str = "ClientHello";

    /// Decodes a ClientHello body. Empty cipher or compression lists are accepted (they are
    /// representable, and an analyser wants to report them); an odd-length cipher list, a
    /// session ID over 32 bytes and bytes after the extension block are errors.
    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |input| {
            let (rest, legacy_version) = u16("legacy_version")(input)?;
            let (rest, random) = take("random", 32)(rest)?;
            let (rest, session_id) = vec8("legacy_session_id", 0, MAX_SESSION_ID_LEN)(rest)?;
            let (rest, suites) = vec16("cipher_suites", 0, usize::from(u16::MAX))(rest)?;
            let cipher_suites = u16_items("cipher_suites", suites)?.into_iter().map(CipherSuite).collect();
            let (rest, compression) = vec8("compression_methods", 0, 255)(rest)?;
            let (rest, extensions) = if rest.is_empty() {
                (rest, None)
            } else {
                let (rest, exts) = extension_block(rest)?;
                (rest, Some(exts))
            };
            let mut random_bytes = [0; 32];
            random_bytes.copy_from_slice(random);
            Ok((
                rest,
                Self {
                    legacy_version: ProtocolVersion(legacy_version),
                    random: random_bytes,
                    session_id: session_id.to_vec(),
                    cipher_suites,
                    compression_methods: compression.iter().copied().map(CompressionMethod).collect(),
                    extensions,
                },
            ))
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let at = out.len();
        self.encode_inner(out).inspect_err(|_| out.truncate(at))
    }
}

impl ClientHello {
    fn encode_inner(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if self.session_id.len() > MAX_SESSION_ID_LEN {
            return Err(EncodeError {
                field: "legacy_session_id",
                len: self.session_id.len(),
                max: MAX_SESSION_ID_LEN,
            });
        }
        put_u16(out, self.legacy_version.0);
        out.extend_from_slice(&self.random);
        put_vec8("legacy_session_id", out, &self.session_id)?;
        with_len16("cipher_suites", out, |out| {
            self.cipher_suites.iter().for_each(|s| put_u16(out, s.0));
            Ok(())
        })?;
        let compression: Vec<u8> = self.compression_methods.iter().map(|c| c.0).collect();
        put_vec8("compression_methods", out, &compression)?;
        if let Some(exts) = &self.extensions {
            encode_extension_block(exts, out)?;
        }
        Ok(())
    }

    /// The record-layer version to send this hello in: the hello's own version for SSL 3.0
    /// (and below), TLS 1.0 (0x0301) for every TLS hello. RFC 8446 §5.1 asks for 0x0301 in
    /// an initial ClientHello, RFC 5246 Appendix E.1 allows the lowest version supported, and
    /// scanners (testssl.sh, sslyze) do the same because some old servers and middleboxes
    /// drop a first record whose version is above what they know.
    pub fn record_version(&self) -> ProtocolVersion {
        if self.legacy_version <= ProtocolVersion::SSLV3 {
            self.legacy_version
        } else {
            ProtocolVersion::TLSV1_0
        }
    }

    /// The hello framed as a handshake message (header and body).
    pub fn to_handshake_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let body = self.to_bytes()?;
        let mut out = Vec::with_capacity(body.len() + HANDSHAKE_HEADER_LEN);
        encode_handshake(HandshakeType::CLIENT_HELLO, &body, &mut out)?;
        Ok(out)
    }

    /// The hello as ready-to-send handshake records of [`record_version`](Self::record_version),
    /// split at `max_fragment` bytes (use
    /// [`MAX_PLAINTEXT_LEN`](crate::wire::record::MAX_PLAINTEXT_LEN) for one record where
    /// it fits, a small value to probe a server's reassembly).
    pub fn to_records(&self, max_fragment: usize) -> Result<Vec<u8>, EncodeError> {
        handshake_records(HandshakeType::CLIENT_HELLO, &self.to_bytes()?, self.record_version(), max_fragment)
    }

    /// The hello in the SSL 2.0-compatible form (RFC 5246 Appendix E.2, RFC 6101 Appendix
    /// E.1) with its two-byte SSLv2 record header: `msg_type` 1, `legacy_version`, the
    /// SSLv2 `extra_kinds` first and then every cipher suite as a three-byte spec
    /// `00 xx yy`, the session ID, and the random's last 16 bytes (for an SSL 2.0 hello,
    /// version 0x0002) or all 32 as the challenge. That form cannot carry compression
    /// methods or extensions: a hello with a non-empty extension list is refused.
    pub fn to_sslv2_compatible_record(
        &self,
        extra_kinds: &[Sslv2CipherKind],
    ) -> Result<Vec<u8>, EncodeError> {
        if let Some(exts) = &self.extensions
            && !exts.is_empty()
        {
            return Err(EncodeError {
                field: "extensions (an SSLv2-compatible hello has none)",
                len: exts.len(),
                max: 0,
            });
        }
        let challenge: &[u8] =
            if self.legacy_version == ProtocolVersion::SSLV2 { &self.random[16..] } else { &self.random };
        let spec_len = 3 * (extra_kinds.len() + self.cipher_suites.len());
        let mut body = Vec::with_capacity(9 + spec_len + self.session_id.len() + challenge.len());
        put_u8(&mut body, 1);
        put_u16(&mut body, self.legacy_version.0);
        for (field, len) in [
            ("cipher_spec_length", spec_len),
            ("session_id_length", self.session_id.len()),
            ("challenge_length", challenge.len()),
        ] {
            let len16 =
                u16::try_from(len).map_err(|_| EncodeError { field, len, max: usize::from(u16::MAX) })?;
            put_u16(&mut body, len16);
        }
        for kind in extra_kinds {
            body.extend_from_slice(&kind.0.to_be_bytes()[1..]);
        }
        for suite in &self.cipher_suites {
            put_u8(&mut body, 0);
            put_u16(&mut body, suite.0);
        }
        body.extend_from_slice(&self.session_id);
        body.extend_from_slice(challenge);
        if body.len() > MAX_SSLV2_LEN_TWO_BYTE {
            return Err(EncodeError {
                field: "SSLv2 record body",
                len: body.len(),
                max: MAX_SSLV2_LEN_TWO_BYTE,
            });
        }
        Sslv2Record::new(body).to_bytes()
    }

    /// The first extension of type `kind`, if any.
    pub fn extension(&self, kind: ExtensionType) -> Option<&RawExtension> {
        self.extensions.as_deref().unwrap_or_default().iter().find(|e| e.kind == kind)
    }

    /// Every extension, typed where mxray knows its format (in wire order).
    pub fn typed_extensions(&self) -> Vec<Result<ClientExtension, DecodeError>> {
        self.extensions.as_deref().unwrap_or_default().iter().map(ClientExtension::from_raw).collect()
    }

    /// Decodes the body of the first extension of `kind` with `parse`; `None` if absent.
    /// Error offsets are relative to the extension body.
    fn typed<T>(
        &self,
        kind: ExtensionType,
        parse: impl FnOnce(&[u8]) -> Result<T, DecodeError>,
    ) -> Option<Result<T, DecodeError>> {
        self.extension(kind).map(|e| parse(&e.data))
    }

    /// The `server_name` list.
    pub fn server_name(&self) -> Option<Result<Vec<ServerNameEntry>, DecodeError>> {
        self.typed(ExtensionType::SERVER_NAME, ext::parse_server_name_list)
    }

    /// The first `host_name` of the `server_name` extension, if present, well-formed and
    /// valid UTF-8.
    pub fn host_name(&self) -> Option<String> {
        let names = self.server_name()?.ok()?;
        let entry = names.into_iter().find(|e| e.name_type == ext::SERVER_NAME_HOST_NAME)?;
        String::from_utf8(entry.name).ok()
    }

    /// The `supported_groups` list.
    pub fn supported_groups(&self) -> Option<Result<Vec<NamedGroup>, DecodeError>> {
        self.typed(ExtensionType::SUPPORTED_GROUPS, ext::parse_supported_groups)
    }

    /// The `signature_algorithms` list.
    pub fn signature_algorithms(&self) -> Option<Result<Vec<SignatureScheme>, DecodeError>> {
        self.typed(ExtensionType::SIGNATURE_ALGORITHMS, |b| {
            ext::parse_signature_algorithms("signature_algorithms", b)
        })
    }

    /// The `supported_versions` list.
    pub fn supported_versions(&self) -> Option<Result<Vec<ProtocolVersion>, DecodeError>> {
        self.typed(ExtensionType::SUPPORTED_VERSIONS, ext::parse_supported_versions_list)
    }

    /// The `key_share` entries.
    pub fn key_shares(&self) -> Option<Result<Vec<KeyShareEntry>, DecodeError>> {
        self.typed(ExtensionType::KEY_SHARE, ext::parse_key_share_client)
    }

    /// The ALPN protocol names.
    pub fn alpn_protocols(&self) -> Option<Result<Vec<Vec<u8>>, DecodeError>> {
        self.typed(ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION, ext::parse_alpn_list)
    }

    /// The `ec_point_formats` list.
    pub fn ec_point_formats(&self) -> Option<Result<Vec<u8>, DecodeError>> {
        self.typed(ExtensionType::EC_POINT_FORMATS, ext::parse_ec_point_formats)
    }

    /// The `renegotiation_info` extension's `renegotiated_connection`.
    pub fn renegotiation_info(&self) -> Option<Result<Vec<u8>, DecodeError>> {
        self.typed(ExtensionType::RENEGOTIATION_INFO, ext::parse_renegotiation_info)
    }
}

/// True for TLS 1.3 and its drafts (0x7fxx), which go in `supported_versions`.
fn is_tls13(version: ProtocolVersion) -> bool {
    version >= ProtocolVersion::TLSV1_3 || version.0 >> 8 == 0x7f
}

/// A GREASE value (RFC 8701 §2) drawn from `rng`.
fn grease_u16(rng: &mut impl RngCore) -> u16 {
    let i = (rng.next_u32() % 16) as u16;
    0x0a0a + 0x1010 * i
}

/// Where to add an extension to `list`: at the end, or before a final `pre_shared_key`,
/// which RFC 8446 §4.2.11 requires to be last.
fn before_psk<T>(list: &[T], kind: impl Fn(&T) -> ExtensionType) -> usize {
    match list.last() {
        Some(e) if kind(e) == ExtensionType::PRE_SHARED_KEY => list.len() - 1,
        _ => list.len(),
    }
}

/// Message length (header included) below which no padding is added.
const PADDING_FROM: usize = 256;
/// Message length the padding brings a hello to.
const PADDING_TO: usize = 512;

/// Assembles the ClientHellos that probes send.
///
/// ```
/// # use mxray_core::registry::{CipherSuite, NamedGroup, ProtocolVersion};
/// # use mxray_core::wire::client_hello::ClientHelloBuilder;
/// # use mxray_core::wire::extensions::ClientExtension;
/// # struct Rng(u64);
/// # impl rand_core::RngCore for Rng {
/// #     fn next_u32(&mut self) -> u32 { self.next_u64() as u32 }
/// #     fn next_u64(&mut self) -> u64 { self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1); self.0 }
/// #     fn fill_bytes(&mut self, d: &mut [u8]) { rand_core::impls::fill_bytes_via_next(self, d) }
/// #     fn try_fill_bytes(&mut self, d: &mut [u8]) -> Result<(), rand_core::Error> { self.fill_bytes(d); Ok(()) }
/// # }
/// # let mut rng = Rng(1);
/// let hello = ClientHelloBuilder::new(ProtocolVersion::TLSV1_2)
///     .cipher_suites([CipherSuite(0xc02f), CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV])
///     .extension(ClientExtension::host_name("mx.example.org"))
///     .extension(ClientExtension::SupportedGroups(vec![NamedGroup::X25519]))
///     .build(&mut rng)
///     .unwrap();
/// assert_eq!(hello.legacy_version, ProtocolVersion::TLSV1_2);
/// ```
#[derive(Clone, Debug)]
pub struct ClientHelloBuilder {
    version: ProtocolVersion,
    random: Option<[u8; 32]>,
    session_id: Vec<u8>,
    cipher_suites: Vec<CipherSuite>,
    compression_methods: Vec<CompressionMethod>,
    extensions: Vec<ClientExtension>,
    force_extension_block: bool,
    grease: bool,
    padding: bool,
}

impl ClientHelloBuilder {
    /// A builder for a hello offering up to `version`. For TLS 1.3 (or a draft) the hello
    /// says 0x0303 in `legacy_version` and, unless an explicit `SupportedVersions`
    /// extension is added, offers `[version]` in `supported_versions`. Compression defaults
    /// to `[NULL]`; the cipher list starts empty.
    pub fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            random: None,
            session_id: Vec::new(),
            cipher_suites: Vec::new(),
            compression_methods: vec![CompressionMethod::NULL],
            extensions: Vec::new(),
            force_extension_block: false,
            grease: false,
            padding: false,
        }
    }

    /// A fixed client random (otherwise drawn from the RNG at [`build`](Self::build)).
    pub fn random(mut self, random: [u8; 32]) -> Self {
        self.random = Some(random);
        self
    }

    /// The legacy session ID (at most 32 bytes, else `build` fails).
    pub fn session_id(mut self, id: Vec<u8>) -> Self {
        self.session_id = id;
        self
    }

    /// Appends cipher suites, in order (SCSVs and unknown values are ordinary entries).
    pub fn cipher_suites(mut self, suites: impl IntoIterator<Item = CipherSuite>) -> Self {
        self.cipher_suites.extend(suites);
        self
    }

    /// Replaces the compression methods.
    pub fn compression_methods(mut self, methods: impl IntoIterator<Item = CompressionMethod>) -> Self {
        self.compression_methods = methods.into_iter().collect();
        self
    }

    /// Appends an extension (duplicates are kept: a probe may want them).
    pub fn extension(mut self, extension: ClientExtension) -> Self {
        self.extensions.push(extension);
        self
    }

    /// Writes an extension block even when there is no extension (an empty block);
    /// otherwise a hello without extensions has no block, as SSL 3.0 hellos.
    pub fn empty_extension_block(mut self) -> Self {
        self.force_extension_block = true;
        self
    }

    /// Adds RFC 8701 GREASE values, drawn from the RNG: a cipher suite first in the list,
    /// an empty extension first and a one-byte extension last (before `pre_shared_key`), and the first entry of
    /// `supported_groups`, `key_share` (a one-byte share for the GREASE group) and
    /// `supported_versions` when those extensions are present, as Chrome does.
    pub fn grease(mut self, on: bool) -> Self {
        self.grease = on;
        self
    }

    /// Adds an RFC 7685 `padding` extension when the handshake message would be 256 to 511
    /// bytes long, bringing it to 512 (the F5 workaround of BoringSSL and OpenSSL). Placed
    /// last, or just before `pre_shared_key`, which must stay last.
    pub fn padding(mut self, on: bool) -> Self {
        self.padding = on;
        self
    }

    /// Builds the hello; `rng` supplies the random (unless fixed) and GREASE values, so
    /// the same seed gives the same hello.
    pub fn build(self, rng: &mut impl RngCore) -> Result<ClientHello, EncodeError> {
        let mut cipher_suites = self.cipher_suites;
        let mut extensions = self.extensions;
        let tls13 = is_tls13(self.version);
        let legacy_version = if tls13 { ProtocolVersion::TLSV1_2 } else { self.version };
        if tls13 && !extensions.iter().any(|e| e.kind() == ExtensionType::SUPPORTED_VERSIONS) {
            let at = before_psk(&extensions, ClientExtension::kind);
            extensions.insert(at, ClientExtension::SupportedVersions(vec![self.version]));
        }
        let random = match self.random {
            Some(r) => r,
            None => {
                let mut r = [0; 32];
                rng.fill_bytes(&mut r);
                r
            }
        };
        if self.grease {
            let suite = grease_u16(rng);
            let first = grease_u16(rng);
            let mut last = grease_u16(rng);
            if last == first {
                last ^= 0x1010;
            }
            let group = NamedGroup(grease_u16(rng));
            let version = ProtocolVersion(grease_u16(rng));
            cipher_suites.insert(0, CipherSuite(suite));
            for e in &mut extensions {
                match e {
                    ClientExtension::SupportedGroups(groups) => groups.insert(0, group),
                    ClientExtension::KeyShare(shares) => shares.insert(0, KeyShareEntry::new(group, vec![0])),
                    ClientExtension::SupportedVersions(versions) => versions.insert(0, version),
                    _ => {}
                }
            }
            extensions.insert(
                0,
                ClientExtension::Unknown(RawExtension { kind: ExtensionType(first), data: vec![] }),
            );
            let at = before_psk(&extensions, ClientExtension::kind);
            extensions.insert(
                at,
                ClientExtension::Unknown(RawExtension { kind: ExtensionType(last), data: vec![0] }),
            );
        }
        let mut raw = extensions.iter().map(ClientExtension::to_raw).collect::<Result<Vec<_>, _>>()?;
        let mut hello = ClientHello {
            legacy_version,
            random,
            session_id: self.session_id,
            cipher_suites,
            compression_methods: self.compression_methods,
            extensions: None,
        };
        if self.padding && !raw.iter().any(|e| e.kind == ExtensionType::PADDING) {
            hello.extensions = Some(raw.clone());
            let len = HANDSHAKE_HEADER_LEN + hello.to_bytes()?.len();
            if (PADDING_FROM..PADDING_TO).contains(&len) {
                let room = PADDING_TO - len;
                // An extension takes four bytes before its data; WebSphere 7 rejects an
                // empty last extension, so the data is never empty (as in BoringSSL).
                let data_len = if room > 4 { room - 4 } else { 1 };
                let at = before_psk(&raw, |e| e.kind);
                raw.insert(at, RawExtension { kind: ExtensionType::PADDING, data: vec![0; data_len] });
            }
        }
        hello.extensions = if raw.is_empty() && !self.force_extension_block { None } else { Some(raw) };
        hello.encode(&mut Vec::new())?;
        Ok(hello)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::registry::is_grease_u16;
    use crate::wire::codec::DecodeErrorKind;
    use crate::wire::handshake::HandshakeReader;
    use crate::wire::key_share::{generate, tests::TestRng};
    use crate::wire::record::{ContentType, Frame, MAX_PLAINTEXT_LEN, RecordReader};

    /// `openssl s_client -servername mx.example.org -alpn smtp` (OpenSSL 3.0.19), as
    /// records; see tests/fixtures/README.md.
    const OPENSSL_HELLO_RECORDS: &[u8] =
        include_bytes!("../../tests/fixtures/openssl-3.0-client-hello-tls13.bin");

    fn hello(extensions: Option<Vec<RawExtension>>) -> ClientHello {
        ClientHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [7; 32],
            session_id: vec![1; 32],
            cipher_suites: vec![
                CipherSuite(0x2a2a),
                CipherSuite(0xc02f),
                CipherSuite(0xfefe),
                CipherSuite::TLS_FALLBACK_SCSV,
                CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
            ],
            compression_methods: vec![CompressionMethod(1), CompressionMethod::NULL],
            extensions,
        }
    }

    fn samples() -> Vec<ClientHello> {
        let dup = RawExtension { kind: ExtensionType::SERVER_NAME, data: vec![0, 3, 0, 0, 0] };
        vec![
            hello(None),
            hello(Some(vec![])),
            hello(Some(vec![
                RawExtension { kind: ExtensionType(0x0a0a), data: vec![] },
                dup.clone(),
                dup,
                RawExtension { kind: ExtensionType(0xfff0), data: vec![1, 2, 3] },
            ])),
            ClientHello {
                legacy_version: ProtocolVersion::SSLV3,
                random: [0; 32],
                session_id: vec![],
                cipher_suites: vec![],
                compression_methods: vec![],
                extensions: None,
            },
            ClientHello::parse(&openssl_hello_body()).unwrap(),
        ]
    }

    /// The fixture read as a server would: records fed one byte at a time, then handshake
    /// reassembly.
    fn openssl_hello_body() -> Vec<u8> {
        let mut records = RecordReader::new();
        let mut handshakes = HandshakeReader::new();
        for byte in OPENSSL_HELLO_RECORDS {
            assert_eq!(records.push(std::slice::from_ref(byte)), 1);
            while let Some(frame) = records.next_record() {
                let Frame::Tls(record) = frame.unwrap() else { panic!("TLS expected") };
                assert_eq!(record.content_type, ContentType::HANDSHAKE);
                assert_eq!(record.version, ProtocolVersion::TLSV1_0);
                handshakes.push(&record.fragment);
            }
        }
        let message = handshakes.next_message().unwrap().unwrap();
        assert_eq!(message.typ, HandshakeType::CLIENT_HELLO);
        assert!(handshakes.next_message().is_none());
        message.body
    }

    #[test]
    fn a_real_openssl_hello_decodes_and_re_encodes_byte_for_byte() {
        let body = openssl_hello_body();
        let hello = ClientHello::parse(&body).unwrap();
        assert_eq!(hello.legacy_version, ProtocolVersion::TLSV1_2);
        assert_eq!(hello.session_id.len(), 32, "middlebox compatibility mode");
        assert_eq!(hello.cipher_suites.len(), 31);
        assert_eq!(hello.cipher_suites[0], CipherSuite(0x1302));
        assert_eq!(hello.cipher_suites.last(), Some(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
        assert_eq!(hello.compression_methods, [CompressionMethod::NULL]);
        assert_eq!(hello.host_name().as_deref(), Some("mx.example.org"));
        assert_eq!(
            hello.supported_versions().unwrap().unwrap(),
            [
                ProtocolVersion::TLSV1_3,
                ProtocolVersion::TLSV1_2,
                ProtocolVersion::TLSV1_1,
                ProtocolVersion::TLSV1_0
            ]
        );
        let shares = hello.key_shares().unwrap().unwrap();
        assert_eq!(shares.len(), 1);
        assert_eq!(shares[0].group, NamedGroup::X25519);
        assert_eq!(shares[0].key_exchange.len(), 32);
        assert_eq!(hello.alpn_protocols().unwrap().unwrap(), [b"smtp".to_vec()]);
        assert_eq!(hello.ec_point_formats().unwrap().unwrap(), [0, 1, 2]);
        assert!(hello.supported_groups().unwrap().unwrap().contains(&NamedGroup::SECP256R1));
        assert!(
            hello.signature_algorithms().unwrap().unwrap().contains(&SignatureScheme::RSA_PSS_RSAE_SHA256)
        );
        assert!(hello.renegotiation_info().is_none());
        for typed in hello.typed_extensions() {
            typed.unwrap();
        }
        assert_eq!(hello.to_bytes().unwrap(), body);
        assert_eq!(hello.to_records(MAX_PLAINTEXT_LEN).unwrap(), OPENSSL_HELLO_RECORDS);
    }

    #[test]
    fn samples_round_trip_and_every_truncation_fails() {
        for sample in samples() {
            let bytes = sample.to_bytes().unwrap();
            assert_eq!(ClientHello::parse(&bytes).unwrap(), sample);
            for cut in 0..bytes.len() {
                match ClientHello::parse(&bytes[..cut]) {
                    Err(_) => {}
                    // Cut exactly before the extension block: a valid hello without one.
                    Ok(h) => assert!(h.extensions.is_none() && sample.extensions.is_some(), "cut at {cut}"),
                }
            }
        }
    }

    #[test]
    fn decode_errors_name_the_field_and_offset() {
        let mut bytes = hello(None).to_bytes().unwrap();
        bytes[34] = 33; // session ID length
        let err = ClientHello::parse(&bytes).unwrap_err();
        assert_eq!(err.offset, 34);
        assert_eq!(err.kind, DecodeErrorKind::TooLong { field: "legacy_session_id", len: 33, max: 32 });

        let mut bytes = hello(None).to_bytes().unwrap();
        bytes[35 + 32 + 1] = 9; // odd cipher list length
        let err = ClientHello::parse(&bytes).unwrap_err();
        assert!(err.offset >= 35 + 32, "{err}");

        let mut bytes = hello(Some(vec![])).to_bytes().unwrap();
        bytes.push(0);
        let err = ClientHello::parse(&bytes).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { field: "ClientHello", count: 1 });
        assert_eq!(err.offset, bytes.len() - 1);
    }

    #[test]
    fn oversized_session_ids_do_not_encode() {
        let mut h = hello(None);
        h.session_id = vec![0; 33];
        let mut out = vec![0xaa];
        assert!(h.encode(&mut out).is_err());
        assert_eq!(out, [0xaa]);
    }

    #[test]
    fn builder_makes_hellos_for_every_version() {
        let suites = [CipherSuite(0xc02f), CipherSuite(0x00ff), CipherSuite(0x5600), CipherSuite(0xbeef)];
        for (version, legacy, record, block) in [
            (ProtocolVersion::SSLV3, 0x0300, 0x0300, false),
            (ProtocolVersion::TLSV1_0, 0x0301, 0x0301, true),
            (ProtocolVersion::TLSV1_1, 0x0302, 0x0301, true),
            (ProtocolVersion::TLSV1_2, 0x0303, 0x0301, true),
            (ProtocolVersion::TLSV1_3, 0x0303, 0x0301, true),
        ] {
            let mut builder = ClientHelloBuilder::new(version).cipher_suites(suites);
            if block {
                builder = builder.extension(ClientExtension::RenegotiationInfo(vec![]));
            }
            let h = builder.build(&mut TestRng(9)).unwrap();
            assert_eq!(h.legacy_version.0, legacy);
            assert_eq!(h.record_version().0, record);
            assert_eq!(h.cipher_suites, suites);
            assert_eq!(h.extensions.is_some(), block);
            let records = h.to_records(MAX_PLAINTEXT_LEN).unwrap();
            assert_eq!(records[..3], [22, (record >> 8) as u8, record as u8]);
            if version == ProtocolVersion::TLSV1_3 {
                assert_eq!(h.supported_versions().unwrap().unwrap(), [ProtocolVersion::TLSV1_3]);
            } else {
                assert!(h.supported_versions().is_none());
            }
        }
        let h = ClientHelloBuilder::new(ProtocolVersion::SSLV3)
            .empty_extension_block()
            .build(&mut TestRng(1))
            .unwrap();
        assert_eq!(h.extensions, Some(vec![]));
    }

    #[test]
    fn a_full_tls13_probe_hello_with_real_key_shares() {
        let mut rng = TestRng(42);
        let (x25519, _x) = generate(NamedGroup::X25519, &mut rng).unwrap();
        let (p256, _p) = generate(NamedGroup::SECP256R1, &mut rng).unwrap();
        let build = |rng: &mut TestRng| {
            ClientHelloBuilder::new(ProtocolVersion::TLSV1_3)
                .session_id(vec![0x55; 32])
                .cipher_suites([CipherSuite(0x1301), CipherSuite(0x1302)])
                .extension(ClientExtension::host_name("mx.example.org"))
                .extension(ClientExtension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::SECP256R1]))
                .extension(ClientExtension::EcPointFormats(vec![0]))
                .extension(ClientExtension::SignatureAlgorithms(vec![SignatureScheme::RSA_PSS_RSAE_SHA256]))
                .extension(ClientExtension::SignatureAlgorithmsCert(vec![
                    SignatureScheme::RSA_PSS_RSAE_SHA256,
                ]))
                .extension(ClientExtension::SupportedVersions(vec![
                    ProtocolVersion::TLSV1_3,
                    ProtocolVersion::TLSV1_2,
                ]))
                .extension(ClientExtension::KeyShare(vec![x25519.clone(), p256.clone()]))
                .extension(ClientExtension::PskKeyExchangeModes(vec![ext::PSK_DHE_KE]))
                .extension(ClientExtension::ocsp_status_request())
                .extension(ClientExtension::RenegotiationInfo(vec![]))
                .extension(ClientExtension::SessionTicket(vec![]))
                .extension(ClientExtension::Heartbeat(ext::HeartbeatMode::PEER_ALLOWED_TO_SEND))
                .extension(ClientExtension::Alpn(vec![b"smtp".to_vec()]))
                .extension(ClientExtension::ExtendedMasterSecret)
                .extension(ClientExtension::EncryptThenMac)
                .grease(true)
                .padding(true)
                .build(rng)
                .unwrap()
        };
        let h = build(&mut TestRng(7));
        assert_eq!(h, build(&mut TestRng(7)), "deterministic given the RNG");
        assert_ne!(h, build(&mut TestRng(8)));
        // GREASE where RFC 8701 puts it.
        assert!(h.cipher_suites[0].is_grease());
        let exts = h.extensions.as_ref().unwrap();
        assert!(exts[0].kind.is_grease() && exts[0].data.is_empty());
        let versions = h.supported_versions().unwrap().unwrap();
        assert!(versions[0].is_grease());
        assert_eq!(versions[1..], [ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2]);
        let groups = h.supported_groups().unwrap().unwrap();
        let shares = h.key_shares().unwrap().unwrap();
        assert!(groups[0].is_grease());
        assert_eq!(shares[0], KeyShareEntry::new(groups[0], vec![0]));
        assert_eq!(shares[1..], [x25519, p256]);
        assert_eq!(exts.iter().filter(|e| e.kind == ExtensionType::SUPPORTED_VERSIONS).count(), 1);
        // Every typed extension decodes back, and the whole hello round trips.
        for typed in h.typed_extensions() {
            typed.unwrap();
        }
        assert_eq!(ClientHello::parse(&h.to_bytes().unwrap()).unwrap(), h);
        let last_grease = exts.iter().rev().find(|e| is_grease_u16(e.kind.0)).unwrap();
        assert_eq!(last_grease.data, [0]);
        assert_ne!(last_grease.kind, exts[0].kind);
    }

    #[test]
    fn padding_brings_256_to_511_byte_hellos_to_512() {
        for extra in [0usize, 1, 86, 87, 100, 250, 300, 338, 339, 340, 342, 343, 400] {
            let build = |pad| {
                ClientHelloBuilder::new(ProtocolVersion::TLSV1_2)
                    .cipher_suites((0..60).map(CipherSuite))
                    .extension(ClientExtension::SessionTicket(vec![1; extra]))
                    .padding(pad)
                    .build(&mut TestRng(3))
                    .unwrap()
            };
            let plain = build(false).to_handshake_bytes().unwrap().len();
            let padded_hello = build(true);
            let padded = padded_hello.to_handshake_bytes().unwrap().len();
            if (256..512).contains(&plain) {
                let pad = padded_hello.extensions.as_ref().unwrap().last().unwrap();
                assert_eq!(pad.kind, ExtensionType::PADDING);
                assert!(!pad.data.is_empty() && pad.data.iter().all(|&b| b == 0));
                if plain <= 507 {
                    assert_eq!(padded, 512, "plain {plain}");
                } else {
                    assert_eq!(padded, plain + 5, "plain {plain}");
                }
            } else {
                assert_eq!(padded, plain, "plain {plain}: no padding outside 256..512");
            }
        }
        // pre_shared_key stays last.
        let h = ClientHelloBuilder::new(ProtocolVersion::TLSV1_3)
            .cipher_suites((0..100).map(CipherSuite))
            .extension(ClientExtension::Unknown(RawExtension {
                kind: ExtensionType::PRE_SHARED_KEY,
                data: vec![0; 10],
            }))
            .padding(true)
            .build(&mut TestRng(3))
            .unwrap();
        let exts = h.extensions.as_ref().unwrap();
        assert_eq!(exts.last().unwrap().kind, ExtensionType::PRE_SHARED_KEY);
        assert_eq!(exts[exts.len() - 2].kind, ExtensionType::PADDING);
        assert_eq!(h.to_handshake_bytes().unwrap().len(), 512);
    }

    #[test]
    fn sslv2_compatible_hellos() {
        let mut h = ClientHelloBuilder::new(ProtocolVersion::TLSV1_0)
            .cipher_suites([CipherSuite(0x0035), CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV])
            .random([0xab; 32])
            .build(&mut TestRng(1))
            .unwrap();
        let bytes = h.to_sslv2_compatible_record(&[Sslv2CipherKind::SSL_CK_RC4_128_WITH_MD5]).unwrap();
        let expected = [
            &[0x80, 9 + 9 + 32, 1, 3, 1, 0, 9, 0, 0, 0, 32][..],
            &[0x01, 0x00, 0x80, 0x00, 0x00, 0x35, 0x00, 0x00, 0xff],
            &[0xab; 32],
        ]
        .concat();
        assert_eq!(bytes, expected);
        let parsed = Sslv2Record::parse(&bytes).unwrap();
        assert_eq!(parsed.body, expected[2..]);
        // An SSL 2.0 hello has a 16-byte challenge.
        h.legacy_version = ProtocolVersion::SSLV2;
        h.cipher_suites.clear();
        let bytes =
            h.to_sslv2_compatible_record(&[Sslv2CipherKind::SSL_CK_DES_192_EDE3_CBC_WITH_MD5]).unwrap();
        assert_eq!(bytes[..11], [0x80, 9 + 3 + 16, 1, 0, 2, 0, 3, 0, 0, 0, 16]);
        h.extensions = Some(vec![RawExtension { kind: ExtensionType::SERVER_NAME, data: vec![] }]);
        assert!(h.to_sslv2_compatible_record(&[]).is_err());
    }

    fn arb_hello() -> impl Strategy<Value = ClientHello> {
        let ext = (any::<u16>(), proptest::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(k, data)| RawExtension { kind: ExtensionType(k), data });
        (
            any::<u16>(),
            any::<[u8; 32]>(),
            proptest::collection::vec(any::<u8>(), 0..=32),
            proptest::collection::vec(any::<u16>(), 0..40),
            proptest::collection::vec(any::<u8>(), 0..4),
            proptest::option::of(proptest::collection::vec(ext, 0..8)),
        )
            .prop_map(|(v, random, session_id, suites, comp, extensions)| ClientHello {
                legacy_version: ProtocolVersion(v),
                random,
                session_id,
                cipher_suites: suites.into_iter().map(CipherSuite).collect(),
                compression_methods: comp.into_iter().map(CompressionMethod).collect(),
                extensions,
            })
    }

    proptest! {
        #[test]
        fn arbitrary_hellos_round_trip(h in arb_hello()) {
            let bytes = h.to_bytes().unwrap();
            prop_assert_eq!(ClientHello::parse(&bytes).unwrap(), h);
        }

        #[test]
        fn arbitrary_bytes_never_panic_the_hello_decoder(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            crate::fuzzing::client_hello(&data);
            if let Ok(h) = ClientHello::parse(&data) {
                let _ = h.typed_extensions();
                let _ = h.host_name();
            }
        }

        #[test]
        fn arbitrary_hello_prefixes_never_panic(h in arb_hello(), cut in 0usize..400) {
            let bytes = h.to_bytes().unwrap();
            let _ = ClientHello::parse(&bytes[..cut.min(bytes.len())]);
        }
    }
}
