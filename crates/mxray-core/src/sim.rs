//! Simulated TLS servers: test infrastructure for the probe planners, usable by mxray-net
//! tests too.
//!
//! A [`SimServer`] answers one ClientHello (the bytes a planner would write on a fresh
//! connection) with the bytes a real server with that configuration would send, built with
//! the crate's own encoders: ServerHello or HelloRetryRequest, Certificate (a dummy DER
//! blob), CertificateStatus, ServerKeyExchange for the chosen group and signature scheme,
//! ServerHelloDone, alerts, SSL 2.0 SERVER-HELLO and ERROR. [`SimQuirks`] reproduce what
//! real servers do to scanners (see `SCANNER-REALITIES.md`): closing on long hellos, on
//! unknown versions, resetting every connection, following the client's order.
//!
//! Nothing here is cryptographically meaningful: keys and signatures are filler of the
//! right shape. The simulation is deterministic for a given RNG.

use rand_core::CryptoRngCore;

use crate::registry::{
    AlertDescription, Authentication, BulkCipher, CipherSuite, CompressionMethod, ExtensionType, GroupKind,
    KeyExchange as SuiteKx, NamedGroup, ProtocolVersion, SignatureScheme, Sslv2CipherKind,
};
use crate::wire::certificate::Certificate;
use crate::wire::certificate_status::CertificateStatus;
use crate::wire::client_hello::ClientHello;
use crate::wire::codec::Codec;
use crate::wire::handshake::{HandshakeReader, HandshakeType, encode_handshake};
use crate::wire::key_share::KeyShareEntry;
use crate::wire::record::{ContentType, Frame, Record, RecordReader, Sslv2Record, encode_records};
use crate::wire::server_hello::{HELLO_RETRY_REQUEST_RANDOM, ServerHello, ServerKeyShare, build};
use crate::wire::server_key_exchange::{
    DheParams, EcCurve, EcdheParams, KeyExchangeParams, ServerKeyExchange, ServerSignature,
};
use crate::wire::sslv2::{CT_X509_CERTIFICATE, Sslv2Error, Sslv2ErrorCode, Sslv2Message, Sslv2ServerHello};

/// Session features a simulated server supports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimFeatures {
    /// Answers `renegotiation_info`.
    pub secure_renegotiation: bool,
    /// Chooses DEFLATE when offered.
    pub compression: bool,
    /// Answers `heartbeat`.
    pub heartbeat: bool,
    /// Answers `extended_master_secret`.
    pub extended_master_secret: bool,
    /// Answers `encrypt_then_mac` (with CBC suites only).
    pub encrypt_then_mac: bool,
    /// Staples an OCSP response when asked.
    pub ocsp_stapling: bool,
    /// Answers `session_ticket`.
    pub session_tickets: bool,
    /// Refuses a lower-version hello carrying TLS_FALLBACK_SCSV.
    pub fallback_scsv: bool,
}

/// Misbehaviours of real servers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimQuirks {
    /// Closes without a word when the hello offers more suites than this.
    pub max_hello_suites: Option<usize>,
    /// Closes without a word on a hello above its highest version (instead of negotiating
    /// down).
    pub version_intolerant: bool,
    /// Resets every connection.
    pub reset_always: bool,
}

/// A simulated server configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimServer {
    /// Supported TLS versions (SSL 3.0 to TLS 1.3).
    pub versions: Vec<ProtocolVersion>,
    /// Supported suites in preference order; each is usable at the versions its registry
    /// entry allows.
    pub suites: Vec<CipherSuite>,
    /// SSL 2.0 cipher kinds (SSL 2.0 is spoken if non-empty).
    pub sslv2_kinds: Vec<Sslv2CipherKind>,
    /// Pick the first suite of the client's list instead of the server's.
    pub honour_client_order: bool,
    /// Groups in preference order (curves for TLS ≤ 1.2; all for TLS 1.3).
    pub groups: Vec<NamedGroup>,
    /// Signature schemes in preference order (TLS 1.2 ServerKeyExchange); each signs
    /// with the certificate of its key type ([`SignatureScheme::signing_key`]).
    pub sig_algs: Vec<SignatureScheme>,
    /// An ECDSA certificate on this curve beside the RSA one. As OpenSSL does at TLS 1.2
    /// and below, its ECDHE_ECDSA suites are usable only when the client's
    /// `supported_groups` (if sent) lists the curve and, at TLS 1.2, its
    /// `signature_algorithms` hold an ECDSA scheme the server has.
    pub ecdsa_curve: Option<NamedGroup>,
    /// DHE modulus size in bits.
    pub dhe_bits: usize,
    /// Session features.
    pub features: SimFeatures,
    /// Misbehaviours.
    pub quirks: SimQuirks,
}

/// A deterministic random number generator (xorshift64*) for simulations and tests, so
/// that a simulated run repeats exactly. It is NOT cryptographically secure; it carries
/// the `CryptoRng` marker only because key-share generation demands it. Never use it for
/// a real scan: the driver uses the operating system's generator.
#[derive(Clone, Debug)]
pub struct SeededRng(pub u64);

impl rand_core::RngCore for SeededRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        // A zero state would stay zero.
        if self.0 == 0 {
            self.0 = 0x9e37_79b9_7f4a_7c15;
        }
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for SeededRng {}

/// How the simulated connection ends after the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SimEnd {
    /// The server waits for the client's next flight.
    Open,
    /// The server closes the connection.
    Close,
    /// The server resets the connection.
    Reset,
}

/// A simulated server's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimResponse {
    /// The bytes the server sends.
    pub bytes: Vec<u8>,
    /// What the connection does afterwards.
    pub end: SimEnd,
}

impl SimResponse {
    fn close() -> Self {
        Self { bytes: Vec::new(), end: SimEnd::Close }
    }

    fn alert(version: ProtocolVersion, description: AlertDescription) -> Self {
        let bytes = Record::alert(version, 2, description).to_bytes().unwrap_or_default();
        Self { bytes, end: SimEnd::Close }
    }
}

/// A dummy DER certificate.
const DUMMY_CERT: [u8; 64] = [0x30; 64];

impl SimServer {
    /// Answers `client` (the first bytes a client sends on a connection).
    pub fn respond(&self, client: &[u8], rng: &mut dyn CryptoRngCore) -> SimResponse {
        if self.quirks.reset_always {
            return SimResponse { bytes: Vec::new(), end: SimEnd::Reset };
        }
        let mut records = RecordReader::new();
        records.push(client);
        let mut handshake = HandshakeReader::new();
        while let Some(frame) = records.next_record() {
            match frame {
                Ok(Frame::Sslv2(r)) => return self.respond_sslv2(&r, rng),
                Ok(Frame::Tls(r)) if r.content_type == ContentType::HANDSHAKE => handshake.push(&r.fragment),
                _ => return SimResponse::close(),
            }
        }
        match handshake.next_message() {
            Some(Ok(m)) if m.typ == HandshakeType::CLIENT_HELLO => match ClientHello::parse(&m.body) {
                Ok(hello) => self.respond_tls(&hello, rng),
                Err(_) => SimResponse::alert(ProtocolVersion::TLSV1_0, AlertDescription::DECODE_ERROR),
            },
            _ => SimResponse::close(),
        }
    }

    fn respond_sslv2(&self, record: &Sslv2Record, rng: &mut dyn CryptoRngCore) -> SimResponse {
        let Ok(Sslv2Message::ClientHello(hello)) = Sslv2Message::parse(&record.body) else {
            return SimResponse::close();
        };
        if self.sslv2_kinds.is_empty() || hello.version != ProtocolVersion::SSLV2 {
            if self.versions.is_empty() {
                return SimResponse::close();
            }
            return SimResponse::alert(ProtocolVersion::TLSV1_0, AlertDescription::PROTOCOL_VERSION);
        }
        let kinds: Vec<Sslv2CipherKind> = self
            .sslv2_kinds
            .iter()
            .copied()
            .filter(|k| hello.cipher_specs.iter().any(|s| s.sslv2_kind() == Some(*k)))
            .collect();
        let message = if kinds.is_empty() {
            Sslv2Message::Error(Sslv2Error { code: Sslv2ErrorCode::NO_CIPHER })
        } else {
            let mut connection_id = vec![0; 16];
            rng.fill_bytes(&mut connection_id);
            Sslv2Message::ServerHello(Sslv2ServerHello {
                session_id_hit: false,
                certificate_type: CT_X509_CERTIFICATE,
                version: ProtocolVersion::SSLV2,
                certificate: DUMMY_CERT.to_vec(),
                cipher_specs: kinds,
                connection_id,
            })
        };
        let bytes = message.to_bytes().and_then(|body| Sslv2Record::new(body).to_bytes()).unwrap_or_default();
        SimResponse { bytes, end: SimEnd::Open }
    }

    fn respond_tls(&self, hello: &ClientHello, rng: &mut dyn CryptoRngCore) -> SimResponse {
        if self.quirks.max_hello_suites.is_some_and(|max| hello.cipher_suites.len() > max) {
            return SimResponse::close();
        }
        let Some(&max_version) = self.versions.iter().max() else { return SimResponse::close() };
        let record_version = hello.record_version();
        let offered: Vec<ProtocolVersion> = match hello.supported_versions() {
            Some(Ok(list)) => list.into_iter().filter(|v| !v.is_grease()).collect(),
            _ => {
                let mut v: Vec<ProtocolVersion> = self
                    .versions
                    .iter()
                    .copied()
                    .filter(|&v| v <= hello.legacy_version && v < ProtocolVersion::TLSV1_3)
                    .collect();
                if v.is_empty() {
                    v.push(hello.legacy_version);
                }
                v
            }
        };
        let client_max = offered.iter().copied().max().unwrap_or(hello.legacy_version);
        if self.quirks.version_intolerant && client_max > max_version {
            return SimResponse::close();
        }
        let Some(version) = self.versions.iter().copied().filter(|v| offered.contains(v)).max() else {
            return SimResponse::alert(record_version, AlertDescription::PROTOCOL_VERSION);
        };
        if self.features.fallback_scsv
            && hello.cipher_suites.contains(&CipherSuite::TLS_FALLBACK_SCSV)
            && version < max_version
        {
            return SimResponse::alert(version, AlertDescription::INAPPROPRIATE_FALLBACK);
        }
        let client_groups = match hello.supported_groups() {
            Some(Ok(g)) => Some(g),
            _ => None,
        };
        let client_sigalgs = match hello.signature_algorithms() {
            Some(Ok(s)) => Some(s),
            _ => None,
        };
        let group_for = |tls13: bool| -> Option<NamedGroup> {
            let usable = |g: &NamedGroup| tls13 || g.info().is_some_and(|i| i.kind == GroupKind::EcCurve);
            match &client_groups {
                Some(list) => self.groups.iter().copied().filter(usable).find(|g| list.contains(g)),
                None if tls13 => None,
                None => self.groups.iter().copied().find(usable),
            }
        };
        // The scheme that signs for a certificate of key type `key`.
        let sigalg_for = |key: Authentication| -> Option<SignatureScheme> {
            let mut own = self.sig_algs.iter().copied().filter(|s| s.signing_key() == Some(key));
            match &client_sigalgs {
                Some(list) if version >= ProtocolVersion::TLSV1_2 => own.find(|s| list.contains(s)),
                _ => own.next(),
            }
        };
        let usable = |s: CipherSuite| -> bool {
            let Some(info) = s.info() else { return false };
            if !info.versions.contains(version) || !self.suites.contains(&s) {
                return false;
            }
            if version == ProtocolVersion::TLSV1_3 {
                return true;
            }
            if info.auth == Authentication::Ecdsa {
                let Some(curve) = self.ecdsa_curve else { return false };
                if client_groups.as_ref().is_some_and(|list| !list.contains(&curve)) {
                    return false;
                }
            }
            let signed = !matches!(info.auth, Authentication::None)
                && matches!(info.kx, SuiteKx::Dhe | SuiteKx::Ecdhe);
            if matches!(info.kx, SuiteKx::Ecdhe) && group_for(false).is_none() {
                return false;
            }
            !(signed && version >= ProtocolVersion::TLSV1_2 && sigalg_for(info.auth).is_none())
        };
        let chosen = if self.honour_client_order {
            hello.cipher_suites.iter().copied().find(|&s| usable(s))
        } else {
            self.suites.iter().copied().find(|&s| hello.cipher_suites.contains(&s) && usable(s))
        };
        let Some(suite) = chosen else {
            return SimResponse::alert(version, AlertDescription::HANDSHAKE_FAILURE);
        };
        let mut random = [0; 32];
        rng.fill_bytes(&mut random);
        let mut session_id = vec![0; 32];
        rng.fill_bytes(&mut session_id);
        if version == ProtocolVersion::TLSV1_3 {
            return self.respond_tls13(hello, suite, group_for(true), random, session_id, rng);
        }
        let sigalg = suite.info().and_then(|i| sigalg_for(i.auth));
        self.respond_tls12(hello, version, suite, group_for(false), sigalg, random, session_id)
    }

    fn respond_tls13(
        &self,
        hello: &ClientHello,
        suite: CipherSuite,
        group: Option<NamedGroup>,
        random: [u8; 32],
        session_id: Vec<u8>,
        rng: &mut dyn CryptoRngCore,
    ) -> SimResponse {
        let Some(group) = group else {
            return SimResponse::alert(ProtocolVersion::TLSV1_2, AlertDescription::HANDSHAKE_FAILURE);
        };
        let has_share =
            matches!(hello.key_shares(), Some(Ok(shares)) if shares.iter().any(|s| s.group == group));
        let (random, share) = if has_share {
            let mut key = vec![0; 32];
            rng.fill_bytes(&mut key);
            (random, ServerKeyShare::Share(KeyShareEntry::new(group, key)))
        } else {
            (HELLO_RETRY_REQUEST_RANDOM, ServerKeyShare::Retry(group))
        };
        let Ok(key_share) = build::key_share(&share) else { return SimResponse::close() };
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random,
            session_id: hello.session_id.clone(),
            cipher_suite: suite,
            compression_method: CompressionMethod::NULL,
            extensions: Some(vec![build::supported_versions(ProtocolVersion::TLSV1_3), key_share]),
        };
        let _ = session_id;
        let mut out = Vec::new();
        if let Ok(body) = sh.to_bytes() {
            push_handshake(&mut out, ProtocolVersion::TLSV1_2, HandshakeType::SERVER_HELLO, &body);
        }
        SimResponse { bytes: out, end: SimEnd::Open }
    }

    #[allow(clippy::too_many_arguments)]
    fn respond_tls12(
        &self,
        hello: &ClientHello,
        version: ProtocolVersion,
        suite: CipherSuite,
        group: Option<NamedGroup>,
        sigalg: Option<SignatureScheme>,
        random: [u8; 32],
        session_id: Vec<u8>,
    ) -> SimResponse {
        let Some(info) = suite.info() else { return SimResponse::close() };
        let asked = |kind: ExtensionType| hello.extension(kind).is_some();
        let f = &self.features;
        let mut exts = Vec::new();
        let reneg = asked(ExtensionType::RENEGOTIATION_INFO)
            || hello.cipher_suites.contains(&CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
        if f.secure_renegotiation && reneg {
            exts.extend(build::renegotiation_info(&[]).ok());
        }
        if f.extended_master_secret && asked(ExtensionType::EXTENDED_MAIN_SECRET) {
            exts.push(build::empty(ExtensionType::EXTENDED_MAIN_SECRET));
        }
        let cbc = !info.is_aead() && !matches!(info.cipher, BulkCipher::Rc4 | BulkCipher::Null);
        if f.encrypt_then_mac && cbc && asked(ExtensionType::ENCRYPT_THEN_MAC) {
            exts.push(build::empty(ExtensionType::ENCRYPT_THEN_MAC));
        }
        if f.heartbeat && asked(ExtensionType::HEARTBEAT) {
            exts.push(build::heartbeat(crate::wire::extensions::HeartbeatMode::PEER_ALLOWED_TO_SEND));
        }
        if f.session_tickets && asked(ExtensionType::SESSION_TICKET) {
            exts.push(build::empty(ExtensionType::SESSION_TICKET));
        }
        let staple = f.ocsp_stapling && asked(ExtensionType::STATUS_REQUEST);
        if staple {
            exts.push(build::empty(ExtensionType::STATUS_REQUEST));
        }
        let compression = if f.compression && hello.compression_methods.contains(&CompressionMethod::DEFLATE)
        {
            CompressionMethod::DEFLATE
        } else {
            CompressionMethod::NULL
        };
        let sh = ServerHello {
            legacy_version: version,
            random,
            session_id,
            cipher_suite: suite,
            compression_method: compression,
            extensions: if exts.is_empty() { None } else { Some(exts) },
        };
        let mut out = Vec::new();
        let Ok(body) = sh.to_bytes() else { return SimResponse::close() };
        push_handshake(&mut out, version, HandshakeType::SERVER_HELLO, &body);
        if !matches!(info.auth, Authentication::None | Authentication::Psk | Authentication::Srp) {
            let cert = Certificate { certificate_list: vec![DUMMY_CERT.to_vec()] };
            if let Ok(body) = cert.to_bytes() {
                push_handshake(&mut out, version, HandshakeType::CERTIFICATE, &body);
            }
            if staple && let Ok(body) = CertificateStatus::Ocsp(vec![0x30; 16]).to_bytes() {
                push_handshake(&mut out, version, HandshakeType::CERTIFICATE_STATUS, &body);
            }
        }
        let signature = if matches!(info.auth, Authentication::None) {
            None
        } else {
            Some(ServerSignature {
                scheme: if version >= ProtocolVersion::TLSV1_2 { sigalg } else { None },
                signature: vec![0x5a; 64],
            })
        };
        let params = match info.kx {
            SuiteKx::Ecdhe => group.map(|g| {
                KeyExchangeParams::Ecdh(EcdheParams { curve: EcCurve::Named(g), public: vec![4; 65] })
            }),
            SuiteKx::Dhe => {
                let mut p = vec![0xff; self.dhe_bits.div_ceil(8).max(1)];
                p[0] = 0x80 | 0x7f;
                Some(KeyExchangeParams::Dh(DheParams { p, g: vec![2], ys: vec![3; 32] }))
            }
            _ => None,
        };
        if let Some(params) = params {
            let ske = ServerKeyExchange { psk_identity_hint: None, params, signature };
            if let Ok(body) = ske.to_bytes() {
                push_handshake(&mut out, version, HandshakeType::SERVER_KEY_EXCHANGE, &body);
            }
        }
        push_handshake(&mut out, version, HandshakeType::SERVER_HELLO_DONE, &[]);
        SimResponse { bytes: out, end: SimEnd::Open }
    }
}

/// Appends one handshake message in its own record.
fn push_handshake(out: &mut Vec<u8>, version: ProtocolVersion, typ: HandshakeType, body: &[u8]) {
    let mut message = Vec::new();
    if encode_handshake(typ, body, &mut message).is_ok() {
        encode_records(
            ContentType::HANDSHAKE,
            version,
            &message,
            crate::wire::record::MAX_PLAINTEXT_LEN,
            out,
        );
    }
}

/// Ready-made server profiles for tests of the planners, the driver and the CLI.
pub mod profiles {
    use super::{SimFeatures, SimQuirks, SimServer};
    use crate::registry::{CipherSuite as S, NamedGroup as G, ProtocolVersion as V, SignatureScheme as Sig};

    /// The common defaults: RSA-signed, three signature schemes, 2048-bit DHE, no features.
    pub fn base() -> SimServer {
        SimServer {
            versions: vec![],
            suites: vec![],
            sslv2_kinds: vec![],
            honour_client_order: false,
            groups: vec![G::X25519, G::SECP256R1, G::SECP384R1],
            sig_algs: vec![Sig::RSA_PSS_RSAE_SHA256, Sig::RSA_PKCS1_SHA256, Sig::RSA_PKCS1_SHA1],
            ecdsa_curve: None,
            dhe_bits: 2048,
            features: SimFeatures::default(),
            quirks: SimQuirks::default(),
        }
    }

    /// A strong OpenSSL-like server: TLS 1.2 and 1.3, nine AEAD suites with forward
    /// secrecy, X25519MLKEM768 first.
    pub fn strong() -> SimServer {
        SimServer {
            versions: vec![V::TLSV1_2, V::TLSV1_3],
            suites: vec![
                S::TLS_AES_256_GCM_SHA384,
                S::TLS_CHACHA20_POLY1305_SHA256,
                S::TLS_AES_128_GCM_SHA256,
                S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                S::TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
                S::TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                S::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
            ],
            groups: vec![G::X25519MLKEM768, G::X25519, G::SECP256R1, G::SECP384R1, G::FFDHE2048],
            features: SimFeatures {
                secure_renegotiation: true,
                extended_master_secret: true,
                session_tickets: true,
                ocsp_stapling: true,
                fallback_scsv: true,
                ..SimFeatures::default()
            },
            ..base()
        }
    }

    /// The strong Postfix of the test harness: TLS 1.2 and 1.3, an RSA and a P-256
    /// ECDSA certificate, OpenSSL 3.0's default groups and signature schemes (thirteen at
    /// TLS 1.2, five of them ECDSA), in the server order the real one reports.
    pub fn dual() -> SimServer {
        SimServer {
            suites: vec![
                S::TLS_AES_256_GCM_SHA384,
                S::TLS_CHACHA20_POLY1305_SHA256,
                S::TLS_AES_128_GCM_SHA256,
                S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ],
            groups: vec![G::X25519, G::X448, G::SECP256R1, G::SECP521R1, G::SECP384R1],
            sig_algs: vec![
                Sig::ECDSA_SECP256R1_SHA256,
                Sig::ECDSA_SECP384R1_SHA384,
                Sig::ECDSA_SECP521R1_SHA512,
                Sig(0x0303),
                Sig::ECDSA_SHA1,
                Sig::RSA_PSS_RSAE_SHA256,
                Sig::RSA_PSS_RSAE_SHA384,
                Sig::RSA_PSS_RSAE_SHA512,
                Sig::RSA_PKCS1_SHA256,
                Sig::RSA_PKCS1_SHA384,
                Sig::RSA_PKCS1_SHA512,
                Sig(0x0301),
                Sig::RSA_PKCS1_SHA1,
            ],
            ecdsa_curve: Some(G::SECP256R1),
            ..strong()
        }
    }

    /// A weak server: TLS 1.0-1.2, CBC, RSA key exchange, 3DES, 1024-bit DHE, compression.
    pub fn weak() -> SimServer {
        SimServer {
            versions: vec![V::TLSV1_0, V::TLSV1_1, V::TLSV1_2],
            suites: vec![
                S::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
                S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
                S::TLS_DHE_RSA_WITH_AES_256_CBC_SHA,
                S::TLS_RSA_WITH_AES_256_CBC_SHA,
                S::TLS_RSA_WITH_AES_128_CBC_SHA,
                S::TLS_RSA_WITH_3DES_EDE_CBC_SHA,
                S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ],
            dhe_bits: 1024,
            groups: vec![G::SECP256R1, G::SECP384R1],
            features: SimFeatures {
                secure_renegotiation: true,
                encrypt_then_mac: true,
                heartbeat: true,
                compression: true,
                fallback_scsv: false,
                ..SimFeatures::default()
            },
            ..base()
        }
    }

    /// An SSL 3.0-only server with RC4, export and DES suites.
    pub fn sslv3() -> SimServer {
        SimServer {
            versions: vec![V::SSLV3],
            suites: vec![
                S::TLS_RSA_WITH_RC4_128_SHA,
                S::TLS_RSA_WITH_RC4_128_MD5,
                S::TLS_RSA_EXPORT_WITH_RC4_40_MD5,
                S::TLS_RSA_EXPORT_WITH_DES40_CBC_SHA,
                S::TLS_RSA_WITH_DES_CBC_SHA,
            ],
            ..base()
        }
    }
}
