//! NCSC-NL classification: Good, Sufficient, Phase out or Insufficient for every version,
//! suite, group, DH group, certificate property and protocol feature the scan found.
//!
//! Followed: "Transport Layer Security (TLS), Security guidelines version 2025-05" as
//! Internet.nl 1.11 implements it (`checks/tasks/tls/tls_constants.py`, `evaluation.py`;
//! GRADING.md key INL25), because Internet.nl is how Dutch mail operators are measured and
//! its lists are exact where the PDF leaves room. Its rule for suites and groups is "anything
//! not listed is insufficient". The suite lists below are Internet.nl's names, checked
//! against `derived/cipher-suite-classification.csv` of the reference material.
//!
//! Internet.nl's known deviations from the PDF are inherited (GRADING.md §14): PSK/SRP
//! suites are not detected (here: insufficient, as not listed), PQ hybrids are Good.

use serde::Serialize;

use crate::registry::{NamedGroup, ProtocolVersion};

use super::{Input, KeyKind, SignatureHash};

/// The NCSC-NL levels, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NcscClass {
    /// Good.
    Good,
    /// Sufficient.
    Sufficient,
    /// Phase out (Internet.nl: a warning).
    PhaseOut,
    /// Insufficient (Internet.nl: a failure).
    Insufficient,
}

/// What a classified item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NcscKind {
    /// A protocol version.
    Version,
    /// A cipher suite.
    Suite,
    /// A key-exchange group (TLS 1.2 curves and TLS 1.3 groups).
    Group,
    /// A finite-field DH group seen in DHE.
    DhGroup,
    /// The TLS 1.2 key-exchange signature hash.
    KeyExchangeHash,
    /// The server's suite order.
    CipherOrder,
    /// The certificate's public key.
    CertificateKey,
    /// The certificate's signature.
    CertificateSignature,
    /// A protocol feature (compression, renegotiation, extended master secret).
    Feature,
}

/// One classified item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NcscItem {
    /// What it is.
    pub kind: NcscKind,
    /// The item: `TLSv1.0`, `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, `x25519`, `RSA 2048`.
    pub subject: String,
    /// Its class.
    pub class: NcscClass,
    /// Where the class comes from.
    pub source: &'static str,
}

const VERSIONS: &str = "NCSC-NL TLS 2025-05 (Internet.nl 1.11) §versions; GRADING.md §1";
const SUITES: &str =
    "NCSC-NL TLS 2025-05 (Internet.nl 1.11 tls_constants.py) §cipher suites; GRADING.md §8.4";
const GROUPS: &str = "NCSC-NL TLS 2025-05 (Internet.nl 1.11) §key exchange groups; GRADING.md §6";
const DH: &str = "NCSC-NL TLS 2025-05 (Internet.nl 1.11) §finite-field groups; GRADING.md §7";
const KX_HASH: &str =
    "NCSC-NL TLS 2025-05 (Internet.nl 1.11) §hash function for key exchange; GRADING.md §9.2";
const ORDER: &str = "NCSC-NL TLS 2025-05 (Internet.nl 1.11 test_cipher_order) §cipher order; GRADING.md §12";
const CERT_KEY: &str = "NCSC-NL TLS 2025-05 (Internet.nl 1.11 check_pubkey) §certificate key; GRADING.md §3";
const CERT_SIG: &str = "NCSC-NL TLS 2025-05 (Internet.nl 1.11) §certificate signature; GRADING.md §9.1";
const FEATURES: &str = "NCSC-NL TLS 2025-05 (Internet.nl 1.11) §options; GRADING.md §12";

/// Good suites (TLS 1.3).
pub const GOOD_SUITES: [&str; 2] = ["TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

/// Sufficient suites.
pub const SUFFICIENT_SUITES: [&str; 10] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
];

/// Phase-out suites.
pub const PHASE_OUT_SUITES: [&str; 35] = [
    "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
    "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384",
    "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_DHE_RSA_WITH_AES_256_CCM",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_DHE_RSA_WITH_AES_128_CCM",
    "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
];

/// The class of a protocol version.
pub fn version_class(v: ProtocolVersion) -> NcscClass {
    match v {
        ProtocolVersion::TLSV1_3 => NcscClass::Good,
        ProtocolVersion::TLSV1_2 => NcscClass::Sufficient,
        _ => NcscClass::Insufficient,
    }
}

/// The class of a suite by its IANA name (SSL 2.0 kinds and unknown names: insufficient).
pub fn suite_class(name: &str) -> NcscClass {
    if GOOD_SUITES.contains(&name) {
        NcscClass::Good
    } else if SUFFICIENT_SUITES.contains(&name) {
        NcscClass::Sufficient
    } else if PHASE_OUT_SUITES.contains(&name) {
        NcscClass::PhaseOut
    } else {
        NcscClass::Insufficient
    }
}

/// The class of a key-exchange group.
pub fn group_class(g: NamedGroup) -> NcscClass {
    match g {
        NamedGroup::X25519MLKEM768 | NamedGroup::SECP256R1MLKEM768 | NamedGroup::SECP384R1MLKEM1024 => {
            NcscClass::Good
        }
        NamedGroup::X25519
        | NamedGroup::X448
        | NamedGroup::SECP256R1
        | NamedGroup::SECP384R1
        | NamedGroup::SECP521R1
        | NamedGroup::BRAINPOOLP256R1
        | NamedGroup::BRAINPOOLP384R1
        | NamedGroup::BRAINPOOLP512R1
        | NamedGroup::BRAINPOOLP256R1TLS13
        | NamedGroup::BRAINPOOLP384R1TLS13
        | NamedGroup::BRAINPOOLP512R1TLS13 => NcscClass::Sufficient,
        NamedGroup::SECP224R1
        | NamedGroup::FFDHE3072
        | NamedGroup::FFDHE4096
        | NamedGroup::FFDHE6144
        | NamedGroup::FFDHE8192 => NcscClass::PhaseOut,
        _ => NcscClass::Insufficient,
    }
}

/// The class of a DH group seen in DHE, by its [`dh_groups`](mod@crate::registry::dh_groups) name:
/// ffdhe3072 and larger phase out, ffdhe2048 and every other prime (custom, MODP, …)
/// insufficient (Internet.nl 2025 matches the prime against RFC 7919 byte for byte).
pub fn dh_group_class(name: &str) -> NcscClass {
    match name {
        "ffdhe3072" | "ffdhe4096" | "ffdhe6144" | "ffdhe8192" => NcscClass::PhaseOut,
        _ => NcscClass::Insufficient,
    }
}

/// The class of a certificate key.
pub fn cert_key_class(kind: KeyKind, bits: u32, curve: Option<NamedGroup>) -> NcscClass {
    match kind {
        KeyKind::Rsa if bits >= 3072 => NcscClass::Sufficient,
        KeyKind::Rsa if bits >= 2048 => NcscClass::PhaseOut,
        KeyKind::Ecdsa => match curve {
            Some(
                NamedGroup::SECP256R1
                | NamedGroup::SECP384R1
                | NamedGroup::SECP521R1
                | NamedGroup::BRAINPOOLP256R1
                | NamedGroup::BRAINPOOLP384R1
                | NamedGroup::BRAINPOOLP512R1,
            ) => NcscClass::Sufficient,
            Some(NamedGroup::SECP224R1) => NcscClass::PhaseOut,
            _ => NcscClass::Insufficient,
        },
        KeyKind::Ed25519 | KeyKind::Ed448 => NcscClass::Sufficient,
        _ => NcscClass::Insufficient,
    }
}

/// The class of a certificate signature hash.
pub fn cert_hash_class(hash: SignatureHash) -> NcscClass {
    match hash {
        SignatureHash::Sha256 | SignatureHash::Sha384 | SignatureHash::Sha512 => NcscClass::Good,
        SignatureHash::Intrinsic => NcscClass::Sufficient,
        SignatureHash::Sha224 => NcscClass::PhaseOut,
        _ => NcscClass::Insufficient,
    }
}

fn label(v: ProtocolVersion) -> String {
    v.name().map_or_else(|| format!("0x{:04X}", v.0), str::to_owned)
}

/// Classifies everything the scan and the certificate show.
pub(crate) fn classify(input: &Input<'_>) -> Vec<NcscItem> {
    let mut out = Vec::new();
    let mut push = |kind, subject: String, class, source| {
        if !out.iter().any(|i: &NcscItem| i.kind == kind && i.subject == subject) {
            out.push(NcscItem { kind, subject, class, source });
        }
    };
    for &v in &input.supported {
        push(NcscKind::Version, label(v), version_class(v), VERSIONS);
    }
    for (_, info) in &input.suites {
        push(NcscKind::Suite, info.name.to_owned(), suite_class(info.name), SUITES);
    }
    let groups = &input.findings.groups;
    for &g in groups.tls12.iter().chain(&groups.tls13) {
        push(NcscKind::Group, g.to_string(), group_class(g), GROUPS);
    }
    for name in &input.findings.dhe_groups {
        push(NcscKind::DhGroup, name.clone(), dh_group_class(name), DH);
    }
    if input.supports(ProtocolVersion::TLSV1_2) && !input.findings.sig_algs.is_empty() {
        let names: Vec<String> = input.findings.sig_algs.iter().map(ToString::to_string).collect();
        let has = |h: &str| names.iter().any(|n| n.ends_with(h));
        let class = if has("sha1") || has("md5") {
            NcscClass::Insufficient
        } else if has("sha224") {
            NcscClass::PhaseOut
        } else {
            NcscClass::Good
        };
        push(NcscKind::KeyExchangeHash, names.join(", "), class, KX_HASH);
    }
    for v in input
        .findings
        .versions
        .iter()
        .filter(|v| v.supported == Some(true) && v.version < ProtocolVersion::TLSV1_3)
    {
        let classes: Vec<NcscClass> =
            v.suites.iter().filter_map(|s| s.code.info()).map(|i| suite_class(i.name)).collect();
        let weak = |c: &NcscClass| *c >= NcscClass::PhaseOut;
        let (any_ok, any_weak) = (classes.iter().any(|c| !weak(c)), classes.iter().any(weak));
        if !(any_ok && any_weak) {
            continue;
        }
        // Server order: the suites are in server order; a weak one before a good one fails.
        let class = match v.server_order {
            Some(true) => {
                let first_weak = classes.iter().position(weak).unwrap_or(usize::MAX);
                let last_ok = classes.iter().rposition(|c| !weak(c)).unwrap_or(0);
                if first_weak < last_ok { NcscClass::Insufficient } else { NcscClass::Good }
            }
            Some(false) => NcscClass::Insufficient,
            None => continue,
        };
        push(NcscKind::CipherOrder, label(v.version), class, ORDER);
    }
    if let Some(cert) = input.cert {
        if let Some(key) = cert.key {
            let subject = match (key.kind, key.curve) {
                (KeyKind::Ecdsa, Some(curve)) => format!("ECDSA {curve}"),
                (kind, _) => format!("{kind:?} {}", key.bits).to_uppercase(),
            };
            push(NcscKind::CertificateKey, subject, cert_key_class(key.kind, key.bits, key.curve), CERT_KEY);
        }
        if let Some(sig) = cert.signature {
            let subject = super::mozilla::signature_name(sig.kind, sig.hash);
            push(NcscKind::CertificateSignature, subject, cert_hash_class(sig.hash), CERT_SIG);
        }
    }
    let f = &input.findings.features;
    if let Some(on) = f.compression {
        let class = if on { NcscClass::Insufficient } else { NcscClass::Good };
        push(NcscKind::Feature, "TLS compression".to_owned(), class, FEATURES);
    }
    if let Some(on) = f.secure_renegotiation {
        let class = if on { NcscClass::Good } else { NcscClass::Insufficient };
        push(NcscKind::Feature, "secure renegotiation".to_owned(), class, FEATURES);
    }
    if input.supports(ProtocolVersion::TLSV1_2)
        && let Some(on) = f.extended_master_secret
    {
        let class = if on { NcscClass::Good } else { NcscClass::Insufficient };
        push(NcscKind::Feature, "extended master secret".to_owned(), class, FEATURES);
    }
    out
}
