//! Building the probe hellos: which extensions each version's hello carries.
//!
//! TLS 1.0–1.2 hellos ask for every session feature at once (`renegotiation_info`,
//! `session_ticket`, `status_request`, `heartbeat`, `extended_master_secret`,
//! `encrypt_then_mac`), so the features are read from the answers to the enumeration
//! hellos at no extra cost. They offer every elliptic curve of the registry (FFDHE groups
//! are left out: an RFC 7919 server would then refuse DHE suites when none matches) and,
//! at TLS 1.2, every signature scheme. SSL 3.0 hellos carry no extension at all, as SSL 3.0
//! clients did. TLS 1.3 hellos offer every TLS 1.3 group with one real X25519 key share
//! (never a bogus share), so that a server preferring another group says so with a
//! HelloRetryRequest. Hellos of 256–511 bytes get the RFC 7685 padding (F5 workaround).

use crate::registry::{
    CipherSuite, CompressionMethod, GroupKind, NamedGroup, ProtocolVersion, SignatureScheme, named_groups,
    signature_schemes,
};
use crate::wire::client_hello::ClientHelloBuilder;
use crate::wire::codec::Codec;
use crate::wire::extensions::{ClientExtension, EC_POINT_FORMAT_UNCOMPRESSED, HeartbeatMode};
use crate::wire::key_share;
use crate::wire::record::{MAX_PLAINTEXT_LEN, Sslv2Record};
use crate::wire::sslv2::{Sslv2CipherSpec, Sslv2ClientHello};

use super::{HelloTag, PlannedHello, ProbeRng};

/// What one probe hello offers.
#[derive(Clone, Debug)]
pub(crate) struct HelloSpec {
    pub(crate) version: ProtocolVersion,
    pub(crate) suites: Vec<CipherSuite>,
    /// `supported_groups`; `None` for the default list of the version.
    pub(crate) groups: Option<Vec<NamedGroup>>,
    /// `signature_algorithms` (TLS 1.2 and 1.3); `None` for every scheme.
    pub(crate) sigalgs: Option<Vec<SignatureScheme>>,
    pub(crate) compression: Vec<CompressionMethod>,
}

impl HelloSpec {
    pub(crate) fn new(version: ProtocolVersion, suites: Vec<CipherSuite>) -> Self {
        Self { version, suites, groups: None, sigalgs: None, compression: vec![CompressionMethod::NULL] }
    }
}

/// The elliptic curves a TLS ≤ 1.2 hello offers.
pub(crate) fn tls12_groups() -> Vec<NamedGroup> {
    named_groups()
        .filter(|g| g.kind == GroupKind::EcCurve)
        .map(|g| g.group)
        .filter(|g| !is_tls13_only_curve(*g) && !is_explicit(*g))
        .collect()
}

/// The groups a TLS 1.3 hello offers: X25519 first (it carries the key share).
pub(crate) fn tls13_groups() -> Vec<NamedGroup> {
    let mut out: Vec<NamedGroup> = named_groups()
        .map(|g| (g.group, g.kind))
        .filter(|&(g, kind)| kind != GroupKind::EcCurve || tls13_curve(g))
        .map(|(g, _)| g)
        .collect();
    out.sort_by_key(|g| *g != NamedGroup::X25519);
    out
}

fn is_explicit(g: NamedGroup) -> bool {
    g == NamedGroup::ARBITRARY_EXPLICIT_PRIME_CURVES || g == NamedGroup::ARBITRARY_EXPLICIT_CHAR2_CURVES
}

fn is_tls13_only_curve(g: NamedGroup) -> bool {
    (NamedGroup::BRAINPOOLP256R1TLS13.0..=NamedGroup::BRAINPOOLP512R1TLS13.0).contains(&g.0)
}

fn tls13_curve(g: NamedGroup) -> bool {
    [
        NamedGroup::X25519,
        NamedGroup::X448,
        NamedGroup::SECP256R1,
        NamedGroup::SECP384R1,
        NamedGroup::SECP521R1,
    ]
    .contains(&g)
        || is_tls13_only_curve(g)
        || (NamedGroup::GC256A.0..=NamedGroup::CURVESM2.0).contains(&g.0)
}

/// Every signature scheme of the registry.
pub(crate) fn all_sigalgs() -> Vec<SignatureScheme> {
    signature_schemes().map(|s| s.scheme).collect()
}

/// Builds the hello of `spec`.
pub(crate) fn build(
    spec: &HelloSpec,
    server_name: Option<&str>,
    tag: HelloTag,
    rng: ProbeRng<'_>,
) -> Option<PlannedHello> {
    let version = spec.version;
    let mut b = ClientHelloBuilder::new(version).cipher_suites(spec.suites.iter().copied());
    if version == ProtocolVersion::SSLV3 {
        b = b.compression_methods(spec.compression.iter().copied());
    } else if version <= ProtocolVersion::TLSV1_2 {
        b = b.compression_methods(spec.compression.iter().copied());
        if let Some(name) = server_name {
            b = b.extension(ClientExtension::host_name(name));
        }
        b = b
            .extension(ClientExtension::EcPointFormats(vec![EC_POINT_FORMAT_UNCOMPRESSED]))
            .extension(ClientExtension::SupportedGroups(spec.groups.clone().unwrap_or_else(tls12_groups)));
        if version == ProtocolVersion::TLSV1_2 {
            b = b.extension(ClientExtension::SignatureAlgorithms(
                spec.sigalgs.clone().unwrap_or_else(all_sigalgs),
            ));
        }
        b = b
            .extension(ClientExtension::RenegotiationInfo(Vec::new()))
            .extension(ClientExtension::SessionTicket(Vec::new()))
            .extension(ClientExtension::ocsp_status_request())
            .extension(ClientExtension::Heartbeat(HeartbeatMode::PEER_ALLOWED_TO_SEND))
            .extension(ClientExtension::ExtendedMasterSecret)
            .extension(ClientExtension::EncryptThenMac)
            .padding(true);
    } else {
        let groups = spec.groups.clone().unwrap_or_else(tls13_groups);
        let mut r = rng;
        let mut shares = Vec::new();
        let mut private = None;
        // One real share: X25519 while offered, else P-256 (the TLS 1.3 signature-scheme
        // scan offers P-256 alone to a server without X25519).
        let share_group =
            [NamedGroup::X25519, NamedGroup::SECP256R1].into_iter().find(|g| groups.contains(g));
        if let Some(group) = share_group
            && (group == NamedGroup::X25519 || groups.len() == 1)
        {
            let (share, secret) = key_share::generate(group, &mut r).ok()?;
            shares.push(share);
            private = Some(secret);
        }
        return finish13(b, spec, server_name, groups, (shares, private), tag, r);
    }
    let mut rng = rng;
    let hello = b.build(&mut rng).ok()?;
    let bytes = hello.to_records(MAX_PLAINTEXT_LEN).ok()?;
    Some(PlannedHello { tag, version, hello: Some(hello), bytes, key_share: None })
}

fn finish13(
    mut b: ClientHelloBuilder,
    spec: &HelloSpec,
    server_name: Option<&str>,
    groups: Vec<NamedGroup>,
    (shares, key_share): (Vec<key_share::KeyShareEntry>, Option<key_share::KeySharePrivate>),
    tag: HelloTag,
    mut rng: ProbeRng<'_>,
) -> Option<PlannedHello> {
    if let Some(name) = server_name {
        b = b.extension(ClientExtension::host_name(name));
    }
    b = b
        .extension(ClientExtension::SupportedGroups(groups))
        .extension(ClientExtension::SignatureAlgorithms(spec.sigalgs.clone().unwrap_or_else(all_sigalgs)))
        .extension(ClientExtension::KeyShare(shares))
        .extension(ClientExtension::PskKeyExchangeModes(vec![crate::wire::extensions::PSK_DHE_KE]))
        // A TLS 1.3 server staples its OCSP response in the leaf's certificate entry only
        // when asked (RFC 8446 §4.4.2.1).
        .extension(ClientExtension::ocsp_status_request())
        .padding(true);
    let hello = b.build(&mut rng).ok()?;
    let bytes = hello.to_records(MAX_PLAINTEXT_LEN).ok()?;
    Some(PlannedHello { tag, version: spec.version, hello: Some(hello), bytes, key_share })
}

/// An SSL 2.0 CLIENT-HELLO offering every SSL 2.0 cipher kind of the registry.
pub(crate) fn build_sslv2(tag: HelloTag, rng: ProbeRng<'_>) -> Option<PlannedHello> {
    let mut challenge = vec![0; 16];
    rng.fill_bytes(&mut challenge);
    let hello = Sslv2ClientHello {
        version: ProtocolVersion::SSLV2,
        cipher_specs: sslv2_kinds().into_iter().map(Sslv2CipherSpec::from).collect(),
        session_id: Vec::new(),
        challenge,
    };
    let bytes = Sslv2Record::new(hello.to_bytes().ok()?).to_bytes().ok()?;
    Some(PlannedHello { tag, version: ProtocolVersion::SSLV2, hello: None, bytes, key_share: None })
}

/// Every SSL 2.0 cipher kind of the registry.
pub(crate) fn sslv2_kinds() -> Vec<crate::registry::Sslv2CipherKind> {
    crate::registry::cipher_suites()
        .filter_map(|i| match i.code {
            crate::registry::CipherCode::Sslv2(k) => Some(k),
            crate::registry::CipherCode::Tls(_) => None,
        })
        .collect()
}
