//! The caps of the SSL Labs SSL Server Rating Guide on protocols, ciphers and key exchange
//! (GRADING.md §10; the version that introduced each cap is in the rule's section).

use crate::registry::{BulkCipher, CipherSuiteInfo, ProtocolVersion};
use crate::report::Severity;

use super::super::letter::cert_key_score;
use super::super::{Grade, Input};
use super::{Rule, RuleSet};

/// Where to switch a protocol version off, for the messages.
const PROTOCOLS_HINT: &str = "Postfix smtpd_tls_protocols = >=TLSv1.2, Dovecot ssl_min_protocol = TLSv1.2, Exchange/Schannel: disable it under SCHANNEL\\Protocols";

/// Where to change the suites, for the messages.
const CIPHERS_HINT: &str = "Postfix tls_high_cipherlist / smtpd_tls_exclude_ciphers, Dovecot ssl_cipher_list";

fn version_rule(i: &Input<'_>, v: ProtocolVersion, name: &str) -> Option<String> {
    i.supports(v).then(|| format!("{name} enabled: disable it ({PROTOCOLS_HINT})"))
}

fn listed(names: &[String]) -> String {
    const SHOWN: usize = 6;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!("{} and {} more", names[..SHOWN].join(", "), names.len() - SHOWN)
    }
}

fn suites_rule(
    i: &Input<'_>,
    pred: impl Fn(ProtocolVersion, &CipherSuiteInfo) -> bool,
    what: &str,
) -> Option<String> {
    let names = i.suite_names(pred);
    (!names.is_empty()).then(|| format!("{what} accepted ({}): remove them ({CIPHERS_HINT})", listed(&names)))
}

/// SSL 2.0 is supported.
///
/// - What: the server accepts an SSL 2.0 hello.
/// - Why: SSL 2.0 is broken by design (no handshake integrity, export ciphers, DROWN); RFC
///   6176 forbids it.
/// - Instead: TLS 1.2 and TLS 1.3 only.
pub const SSLV2: Rule = Rule {
    id: "ssllabs.sslv2",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009c: SSL 2.0 ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The server accepts SSL 2.0.",
    why: "SSL 2.0 has no handshake integrity and only weak ciphers; DROWN uses it to decrypt TLS sessions that share the key. RFC 6176 forbids it.",
    instead: "Disable SSL 2.0; offer TLS 1.2 and TLS 1.3 only.",
    check: sslv2,
};

fn sslv2(i: &Input<'_>) -> Option<String> {
    version_rule(i, ProtocolVersion::SSLV2, "SSLv2")
}

/// SSL 3.0 is supported.
///
/// - What: the server accepts SSL 3.0.
/// - Why: POODLE; RFC 7568 forbids SSL 3.0.
/// - Instead: TLS 1.2 and TLS 1.3 only.
pub const SSLV3: Rule = Rule {
    id: "ssllabs.sslv3",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009h: SSL 3.0 ⇒ B",
    severity: Severity::High,
    cap: Some(Grade::B),
    what: "The server accepts SSL 3.0.",
    why: "SSL 3.0's CBC padding is not authenticated (POODLE) and its key derivation is obsolete; RFC 7568 forbids it.",
    instead: "Disable SSL 3.0; offer TLS 1.2 and TLS 1.3 only.",
    check: sslv3,
};

fn sslv3(i: &Input<'_>) -> Option<String> {
    version_rule(i, ProtocolVersion::SSLV3, "SSLv3")
}

/// SSL 3.0 is the best version.
///
/// - What: nothing newer than SSL 3.0 is supported.
/// - Why: every client is forced onto a broken protocol.
/// - Instead: enable TLS 1.2 and TLS 1.3.
pub const SSLV3_BEST: Rule = Rule {
    id: "ssllabs.sslv3_best",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009i: SSL 3.0 as the best protocol ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "SSL 3.0 (or older) is the newest version the server speaks.",
    why: "Every connection uses a protocol that RFC 7568 forbids.",
    instead: "Update the TLS library and enable TLS 1.2 and TLS 1.3.",
    check: sslv3_best,
};

fn sslv3_best(i: &Input<'_>) -> Option<String> {
    let best = i.best_version()?;
    (best <= ProtocolVersion::SSLV3).then(|| {
        "SSLv3 is the best protocol the server speaks: update the TLS library and enable TLS 1.2 and 1.3"
            .to_owned()
    })
}

/// TLS 1.0 or TLS 1.1 is supported.
///
/// - What: the server accepts TLS 1.0 or TLS 1.1.
/// - Why: RFC 8996 deprecates both (SHA-1/MD5 in the handshake, CBC with implicit IVs).
/// - Instead: TLS 1.2 and TLS 1.3 only.
pub const TLS10_TLS11: Rule = Rule {
    id: "ssllabs.tls10_tls11",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009q (2020-01-31): TLS 1.0/1.1 ⇒ B",
    severity: Severity::Medium,
    cap: Some(Grade::B),
    what: "The server accepts TLS 1.0 or TLS 1.1.",
    why: "RFC 8996 deprecates TLS 1.0 and 1.1: their handshake relies on MD5/SHA-1 and their CBC suites on old constructions. On port 25, legacy senders may fall back to cleartext without them, which is why this is a cap and not a failure.",
    instead: "Offer TLS 1.2 and TLS 1.3 only.",
    check: tls10_tls11,
};

fn tls10_tls11(i: &Input<'_>) -> Option<String> {
    let names: Vec<&str> = [(ProtocolVersion::TLSV1_0, "TLS 1.0"), (ProtocolVersion::TLSV1_1, "TLS 1.1")]
        .into_iter()
        .filter(|(v, _)| i.supports(*v))
        .map(|(_, n)| n)
        .collect();
    (!names.is_empty()).then(|| format!("{} enabled: disable it ({PROTOCOLS_HINT})", names.join(" and ")))
}

/// Neither TLS 1.2 nor TLS 1.3 is supported.
///
/// - What: the best version is older than TLS 1.2.
/// - Why: only deprecated versions remain; modern clients refuse them.
/// - Instead: enable TLS 1.2 and TLS 1.3.
pub const NO_TLS12: Rule = Rule {
    id: "ssllabs.no_tls12",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009j: no TLS 1.2 ⇒ C",
    severity: Severity::High,
    cap: Some(Grade::C),
    what: "The server speaks TLS but neither TLS 1.2 nor TLS 1.3.",
    why: "Only deprecated versions remain (RFC 8996); RFC 9325 requires TLS 1.2.",
    instead: "Update the TLS library and enable TLS 1.2 and TLS 1.3.",
    check: no_tls12,
};

fn no_tls12(i: &Input<'_>) -> Option<String> {
    (!i.supported.is_empty()
        && !i.supports(ProtocolVersion::TLSV1_2)
        && !i.supports(ProtocolVersion::TLSV1_3))
    .then(|| "neither TLS 1.2 nor TLS 1.3 is supported: update the TLS library and enable them".to_owned())
}

/// TLS 1.3 is not supported.
///
/// - What: a server with TLS that lacks TLS 1.3.
/// - Why: TLS 1.3 removes every legacy construction; RFC 9325 says SHOULD support.
/// - Instead: enable TLS 1.3 (OpenSSL 1.1.1 or later).
pub const NO_TLS13: Rule = Rule {
    id: "ssllabs.no_tls13",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009r (2025-05-16): no TLS 1.3 ⇒ warning, at best A-",
    severity: Severity::Low,
    cap: Some(Grade::AMinus),
    what: "The server speaks TLS but not TLS 1.3.",
    why: "TLS 1.3 has only AEAD suites and forward secrecy and encrypts the certificate; RFC 9325 §3.1.1 says servers SHOULD support it.",
    instead: "Enable TLS 1.3 (OpenSSL 1.1.1 or later; Postfix and Dovecot enable it by default).",
    check: no_tls13,
};

fn no_tls13(i: &Input<'_>) -> Option<String> {
    (!i.supported.is_empty() && !i.supports(ProtocolVersion::TLSV1_3))
        .then(|| "TLS 1.3 not supported: enable it (OpenSSL 1.1.1 or later)".to_owned())
}

fn is_rc4(info: &CipherSuiteInfo) -> bool {
    info.cipher == BulkCipher::Rc4
}

/// RC4 is accepted.
///
/// - What: any RC4 suite is accepted.
/// - Why: RC4's keystream biases let an attacker recover plaintext; RFC 7465 forbids it.
/// - Instead: AES-GCM or ChaCha20-Poly1305 with ECDHE.
pub const RC4: Rule = Rule {
    id: "ssllabs.rc4",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009i: RC4 ⇒ B",
    severity: Severity::High,
    cap: Some(Grade::B),
    what: "The server accepts an RC4 suite.",
    why: "RC4's keystream is biased; repeated plaintext (cookies, AUTH) can be recovered. RFC 7465 forbids RC4.",
    instead: "Remove RC4; use AES-GCM or ChaCha20-Poly1305 with ECDHE.",
    check: rc4,
};

fn rc4(i: &Input<'_>) -> Option<String> {
    suites_rule(i, |_, s| is_rc4(s), "RC4 suites")
}

/// RC4 with TLS 1.1 or later.
///
/// - What: an RC4 suite is accepted with TLS 1.1 or newer.
/// - Why: those clients have better ciphers; RC4 there is pure loss.
/// - Instead: remove RC4.
pub const RC4_MODERN: Rule = Rule {
    id: "ssllabs.rc4_modern",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009j: RC4 with TLS 1.1 or later ⇒ C",
    severity: Severity::High,
    cap: Some(Grade::C),
    what: "The server accepts RC4 with TLS 1.1, 1.2 or 1.3 clients.",
    why: "Clients that speak TLS 1.1 or later all have AES; offering them RC4 only adds the RC4 weaknesses.",
    instead: "Remove RC4.",
    check: rc4_modern,
};

fn rc4_modern(i: &Input<'_>) -> Option<String> {
    suites_rule(i, |v, s| v >= ProtocolVersion::TLSV1_1 && is_rc4(s), "RC4 suites with TLS 1.1 or later")
}

/// Only RC4.
///
/// - What: every accepted suite is RC4.
/// - Why: every connection uses a broken cipher.
/// - Instead: AES-GCM or ChaCha20-Poly1305 with ECDHE.
pub const RC4_ONLY: Rule = Rule {
    id: "ssllabs.rc4_only",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009k: only RC4 ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "Every suite the server accepts is RC4.",
    why: "Every connection uses a cipher RFC 7465 forbids.",
    instead: "Enable AES-GCM or ChaCha20-Poly1305 suites with ECDHE and remove RC4.",
    check: rc4_only,
};

fn rc4_only(i: &Input<'_>) -> Option<String> {
    (!i.suites.is_empty() && i.suites.iter().all(|(_, s)| is_rc4(s)))
        .then(|| format!("only RC4 suites are accepted: enable AES-GCM suites with ECDHE ({CIPHERS_HINT})"))
}

/// True for 64-bit block ciphers.
fn is_64bit_block(info: &CipherSuiteInfo) -> bool {
    matches!(
        info.cipher,
        BulkCipher::TripleDesCbc
            | BulkCipher::IdeaCbc
            | BulkCipher::DesCbc
            | BulkCipher::Rc2Cbc
            | BulkCipher::FortezzaCbc
            | BulkCipher::Gost28147Cnt
            | BulkCipher::MagmaCtr
            | BulkCipher::MagmaMgmL
            | BulkCipher::MagmaMgmS
    )
}

/// SWEET32: a 64-bit block cipher with TLS 1.1 or later.
///
/// - What: 3DES, IDEA or another 64-bit block cipher accepted with TLS 1.1 or newer.
/// - Why: birthday collisions after about 32 GB on one connection leak plaintext (SWEET32,
///   CVE-2016-2183).
/// - Instead: AES-GCM or ChaCha20-Poly1305.
pub const SWEET32: Rule = Rule {
    id: "ssllabs.sweet32",
    set: RuleSet::SslLabs,
    section: "SSL Labs 1.28.3 (2017): 64-bit block cipher with TLS 1.1+ ⇒ C",
    severity: Severity::Medium,
    cap: Some(Grade::C),
    what: "The server accepts a 64-bit block cipher (3DES, IDEA) with TLS 1.1 or later.",
    why: "With 64-bit blocks, CBC collisions appear after about 2^32 blocks, so long connections leak plaintext (SWEET32, CVE-2016-2183).",
    instead: "Remove 3DES and IDEA; use AES-GCM or ChaCha20-Poly1305.",
    check: sweet32,
};

fn sweet32(i: &Input<'_>) -> Option<String> {
    suites_rule(
        i,
        |v, s| v >= ProtocolVersion::TLSV1_1 && is_64bit_block(s),
        "64-bit block cipher suites (SWEET32) with TLS 1.1 or later",
    )
}

/// A suite below 112 bits.
///
/// - What: a suite whose cipher key is shorter than 112 bits (NULL, DES, 40/56-bit export).
/// - Why: brute force is practical, or there is no encryption at all.
/// - Instead: 128-bit or 256-bit AEAD suites.
pub const CIPHER_BELOW_112: Rule = Rule {
    id: "ssllabs.cipher_below_112",
    set: RuleSet::SslLabs,
    section: "Qualys 2017 cipher grading adjustments (testssl.sh set_ciph_str_score): < 112 bits ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The server accepts a suite with less than 112 bits of key (including NULL encryption).",
    why: "Keys of 56 bits or less are brute-forced cheaply; NULL suites send the traffic in clear. RFC 9325 §4.1 forbids suites below 112 bits.",
    instead: "Remove them; use AES-128/256-GCM or ChaCha20-Poly1305.",
    check: cipher_below_112,
};

fn cipher_below_112(i: &Input<'_>) -> Option<String> {
    suites_rule(i, |_, s| s.key_bits < 112, "suites below 112 bits")
}

/// Export suites.
///
/// - What: an export-grade suite is accepted.
/// - Why: 40/56-bit keys and 512-bit key exchange (FREAK, Logjam).
/// - Instead: remove every EXPORT suite.
pub const EXPORT: Rule = Rule {
    id: "ssllabs.export",
    set: RuleSet::SslLabs,
    section: "testssl.sh run_rating (Rating Guide 2009r): export suites ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The server accepts an export-grade suite.",
    why: "Export suites use 40/56-bit keys and 512-bit RSA or DH, which FREAK and Logjam exploit to downgrade other connections too.",
    instead: "Remove every EXPORT suite.",
    check: export,
};

fn export(i: &Input<'_>) -> Option<String> {
    suites_rule(i, |_, s| s.export, "export suites")
}

/// Anonymous suites.
///
/// - What: a suite without server authentication (`*_anon_*`, NULL key exchange).
/// - Why: anybody in the path can impersonate the server.
/// - Instead: authenticated ECDHE suites.
pub const ANONYMOUS: Rule = Rule {
    id: "ssllabs.anonymous",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009k: anonymous key exchange scores 0 ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The server accepts a suite that does not authenticate it (anonymous DH/ECDH or NULL).",
    why: "Without authentication a man in the middle completes the handshake with both sides; even DANE cannot help.",
    instead: "Remove aNULL suites (OpenSSL: add !aNULL to the cipher list).",
    check: anonymous,
};

fn anonymous(i: &Input<'_>) -> Option<String> {
    suites_rule(i, |_, s| s.is_anonymous(), "anonymous suites")
}

/// No forward secrecy.
///
/// - What: no accepted suite has an ephemeral key exchange.
/// - Why: a stolen key decrypts every recorded session.
/// - Instead: ECDHE suites (and TLS 1.3).
pub const NO_FORWARD_SECRECY: Rule = Rule {
    id: "ssllabs.no_forward_secrecy",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009p (2018-03-01): no forward secrecy ⇒ B",
    severity: Severity::Medium,
    cap: Some(Grade::B),
    what: "None of the accepted suites has forward secrecy.",
    why: "With RSA key transport or static DH, whoever obtains the server key later decrypts every recorded session.",
    instead: "Enable ECDHE suites (and TLS 1.3); prefer them.",
    check: no_forward_secrecy,
};

fn no_forward_secrecy(i: &Input<'_>) -> Option<String> {
    (!i.suites.is_empty() && !i.suites.iter().any(|(_, s)| s.forward_secrecy))
        .then(|| format!("no suite with forward secrecy: enable ECDHE suites and TLS 1.3 ({CIPHERS_HINT})"))
}

/// No AEAD suite.
///
/// - What: no accepted suite is AEAD (GCM, CCM, ChaCha20-Poly1305).
/// - Why: only CBC (MAC-then-encrypt, padding oracles) or stream ciphers remain.
/// - Instead: AES-GCM or ChaCha20-Poly1305.
pub const NO_AEAD: Rule = Rule {
    id: "ssllabs.no_aead",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009p (2018-03-01): no AEAD ⇒ B",
    severity: Severity::Medium,
    cap: Some(Grade::B),
    what: "None of the accepted suites is an AEAD suite.",
    why: "CBC suites authenticate before encrypting, the source of Lucky13 and padding-oracle attacks.",
    instead: "Enable AES-GCM or ChaCha20-Poly1305 suites.",
    check: no_aead,
};

fn no_aead(i: &Input<'_>) -> Option<String> {
    (!i.suites.is_empty() && !i.suites.iter().any(|(_, s)| s.is_aead()))
        .then(|| format!("no AEAD suite: enable AES-GCM or ChaCha20-Poly1305 suites ({CIPHERS_HINT})"))
}

fn min_dhe(i: &Input<'_>) -> Option<usize> {
    i.findings.dhe_bits.iter().copied().min()
}

/// DH parameters below 1024 bits.
///
/// - What: a DHE key exchange with a modulus under 1024 bits.
/// - Why: such groups are broken by precomputation (Logjam).
/// - Instead: ECDHE, or ffdhe2048 or larger.
pub const DH_BELOW_1024: Rule = Rule {
    id: "ssllabs.dh_below_1024",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009j: key exchange < 1024 bits scores ≤ 40 ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "DHE uses a modulus shorter than 1024 bits.",
    why: "512- and 768-bit discrete logarithms are computed in hours after a precomputation (Logjam); the session keys fall.",
    instead: "Use ECDHE only, or RFC 7919 ffdhe2048 or larger (Postfix smtpd_tls_dh1024_param_file with a 2048-bit group).",
    check: dh_below_1024,
};

fn dh_below_1024(i: &Input<'_>) -> Option<String> {
    let bits = min_dhe(i)?;
    (bits < 1024).then(|| format!("DHE uses a {bits}-bit group: use ECDHE, or ffdhe2048 or larger"))
}

/// DH parameters below 2048 bits.
///
/// - What: a DHE key exchange with a modulus of 1024 to 2047 bits.
/// - Why: 1024-bit groups are within reach of nation-state precomputation.
/// - Instead: ECDHE, or ffdhe2048 or larger.
pub const DH_BELOW_2048: Rule = Rule {
    id: "ssllabs.dh_below_2048",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009j: DH parameters < 2048 ⇒ B",
    severity: Severity::Medium,
    cap: Some(Grade::B),
    what: "DHE uses a modulus of 1024 to 2047 bits.",
    why: "A 1024-bit group, especially a shared one, is within reach of a precomputation (Logjam paper, 2015).",
    instead: "Use ECDHE only, or RFC 7919 ffdhe2048 or larger.",
    check: dh_below_2048,
};

fn dh_below_2048(i: &Input<'_>) -> Option<String> {
    let bits = min_dhe(i)?;
    (1024..2048).contains(&bits).then(|| {
        format!("DHE uses a {bits}-bit group: use ffdhe2048 or larger (Postfix smtpd_tls_dh1024_param_file), or ECDHE only")
    })
}

/// TLS compression.
///
/// - What: the server agrees to DEFLATE compression.
/// - Why: CRIME recovers secrets from compressed, encrypted traffic.
/// - Instead: disable compression.
pub const COMPRESSION: Rule = Rule {
    id: "ssllabs.compression",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009c/2009j: TLS compression (CRIME) ⇒ C",
    severity: Severity::High,
    cap: Some(Grade::C),
    what: "The server compresses TLS records.",
    why: "Compression before encryption leaks secrets through the length of the records (CRIME).",
    instead: "Disable TLS compression (OpenSSL: SSL_OP_NO_COMPRESSION; update old libraries).",
    check: compression,
};

fn compression(i: &Input<'_>) -> Option<String> {
    (i.findings.features.compression == Some(true)).then(|| {
        "TLS compression enabled (CRIME): disable it (Postfix tls_ssl_options = NO_COMPRESSION)".to_owned()
    })
}

/// No secure renegotiation.
///
/// - What: the server does not acknowledge RFC 5746 `renegotiation_info`.
/// - Why: without it, renegotiation can splice an attacker's prefix into a session.
/// - Instead: update the TLS library.
pub const NO_SECURE_RENEGOTIATION: Rule = Rule {
    id: "ssllabs.no_secure_renegotiation",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009e: secure renegotiation unsupported ⇒ warning, at best A-",
    severity: Severity::Medium,
    cap: Some(Grade::AMinus),
    what: "The server does not support RFC 5746 secure renegotiation.",
    why: "Without renegotiation_info, an attacker can prefix a victim's session with its own data (CVE-2009-3555); RFC 9325 §3.5 requires it.",
    instead: "Update the TLS library (every library since 2010 supports RFC 5746).",
    check: no_secure_renegotiation,
};

fn no_secure_renegotiation(i: &Input<'_>) -> Option<String> {
    (i.findings.features.secure_renegotiation == Some(false))
        .then(|| "no RFC 5746 secure renegotiation: update the TLS library".to_owned())
}

/// The certificate key is insecure.
///
/// - What: the certificate key scores 40 or less (RSA/DSA < 1024 bits, EC < 123 bits).
/// - Why: such keys are factored or solved with public effort.
/// - Instead: RSA 2048+ or ECDSA P-256.
pub const KEY_INSECURE: Rule = Rule {
    id: "ssllabs.key_insecure",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009e: key < 1024 bits ⇒ F (testssl.sh: key score ≤ 40 ⇒ F)",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The certificate key is shorter than 1024 bits (RSA/DSA) or 123 bits (EC).",
    why: "512-bit RSA is factored in hours on rented machines; whoever does it impersonates the server.",
    instead: "A new key: ECDSA P-256 or RSA 2048/3072 bits.",
    check: key_insecure,
};

fn key_insecure(i: &Input<'_>) -> Option<String> {
    let key = i.cert?.key?;
    (cert_key_score(i)? <= 40).then(|| {
        format!("the certificate key has only {} bits: replace it (ECDSA P-256 or RSA 3072)", key.bits)
    })
}

/// The certificate key is weak.
///
/// - What: the certificate key scores 80 (RSA/DSA 1024–2047 bits, EC 123–162 bits).
/// - Why: 1024-bit RSA is within reach of well-funded attackers.
/// - Instead: RSA 2048+ or ECDSA P-256.
pub const KEY_WEAK: Rule = Rule {
    id: "ssllabs.key_weak",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009e: key < 2048 bits ⇒ B (testssl.sh: key score ≤ 80 ⇒ B)",
    severity: Severity::Medium,
    cap: Some(Grade::B),
    what: "The certificate key has 1024 to 2047 bits (RSA/DSA) or 123 to 162 bits (EC).",
    why: "1024-bit RSA offers about 80 bits of security, below every current guideline; RFC 9325 §4.5 requires 2048.",
    instead: "A new key: ECDSA P-256 or RSA 2048/3072 bits.",
    check: key_weak,
};

fn key_weak(i: &Input<'_>) -> Option<String> {
    let key = i.cert?.key?;
    (cert_key_score(i)? == 80)
        .then(|| format!("the certificate key has {} bits: replace it (ECDSA P-256 or RSA 3072)", key.bits))
}
