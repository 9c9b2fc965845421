//! Certificate chain analysis: what a server's chain says, what is wrong with it, and
//! whether the three Exchange-style validation levels pass.
//!
//! - [`parse_chain_pem`] / [`parse_chain_der`] / [`split_chain`]: input to [`CertInfo`]s
//!   (subject, issuer, SAN, serial, validity, key, signature hash, extensions, SCT count,
//!   must-staple, fingerprints and the SPKI hashes DANE needs), bounded by
//!   [`MAX_CERTIFICATES`], [`MAX_CERTIFICATE_SIZE`] and [`MAX_INPUT_SIZE`].
//! - [`analyse`]: a [`ChainReport`] with [`ChainFinding`]s (stable ids in [`ids`]) and the
//!   [`ValidationLevels`]: encryption only (anything goes), certificate validation (a path
//!   to a trusted root, nothing expired), domain validation (also the host name).
//! - [`TrustStore`]: the Mozilla roots (webpki-roots 1) and/or caller-given roots.
//!
//! Time is a parameter (`now_unix`); nothing here reads a clock (x509-parser's
//! `ASN1Time::now()` aborts in wasm anyway).
//!
//! ## Path validation: rustls-webpki with ring, also in wasm32
//!
//! Path validation (trust, validity, basic constraints, EKU serverAuth, name constraints,
//! SAN name matching) is rustls-webpki 0.103's, the verifier rustls uses, with its ring
//! signature algorithms; issuer links inside a presented chain (order, extra certificates,
//! self-signed) use x509-parser's `verify` feature, also ring, which additionally checks
//! SHA-1 signatures so that a SHA-1 self-signed certificate is recognised as self-signed.
//! ring builds for `wasm32-unknown-unknown` with its `wasm32_unknown_unknown_js` feature
//! (set in this crate's manifest for that target only) and clang installed; we chose that
//! over a RustCrypto re-implementation of webpki's algorithm table because one verifier
//! for CLI and browser means one set of answers. Measured on the project's machine (2
//! cores, clang 14): `cargo build -p mxray-core -p mxray-wasm --target wasm32-unknown-unknown`
//! builds ring, rustls-webpki, webpki-roots and x509-parser; the incremental build after
//! adding this module took 47 s. Agreement with C2SP x509-limbo is measured by
//! `tests/x509_limbo.rs`; every disagreement is listed in
//! `tests/fixtures/x509-limbo/DISAGREEMENTS.md`.
//!
//! Host names are matched twice on purpose: [`names::match_host`] (RFC 6125, with the CN
//! fallback reported as a finding) explains *why*, webpki decides the domain level, so the
//! level never passes on a CN-only certificate.
//!
//! Not covered yet: revocation (CRL fetch is IO; a stapled OCSP answer is not yet parsed),
//! DANE TLSA matching against [`CertInfo::spki_sha256`] and friends (the hashes are here).

mod chain;
mod info;
pub mod names;
mod pem;
mod time;
mod trust;

use serde::{Serialize, Serializer};

pub use info::{CertInfo, KeyInfo, KeyKind, SignatureHash, parse_der};
pub use names::NameMatch;
pub use pem::{split_chain, split_der, split_pem};
pub use time::{format_time, parse_time};
pub(crate) use time::{civil_from_days, days_from_civil};
pub use trust::{TrustStore, TrustStoreSummary, verify_name};

use crate::report::Severity;

/// At most this many certificates in one chain (servers send 2 to 4).
pub const MAX_CERTIFICATES: usize = 32;
/// At most this many bytes in one certificate (rustls's limit for a Certificate message
/// entry is 64 KiB).
pub const MAX_CERTIFICATE_SIZE: usize = 64 * 1024;
/// At most this many bytes of PEM/DER input.
pub const MAX_INPUT_SIZE: usize = 4 * 1024 * 1024;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// Why certificate input could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// The text holds no PEM block.
    #[error("not a PEM certificate: {reason}")]
    NotPem {
        /// What was found instead.
        reason: String,
    },
    /// A PEM block is malformed.
    #[error("bad PEM block at line {line}: {reason}")]
    BadPem {
        /// 1-based line of the BEGIN line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A PEM block is something other than a certificate (a key, a CSR, …).
    #[error("PEM block at line {line} is a {label}, not a CERTIFICATE")]
    NotCertificate {
        /// The block's label.
        label: String,
        /// 1-based line of the BEGIN line.
        line: usize,
    },
    /// A certificate's DER does not parse.
    #[error("certificate #{} does not parse: {reason}", index + 1)]
    BadDer {
        /// 0-based position in the chain.
        index: usize,
        /// The parser's reason.
        reason: String,
    },
    /// Something is bigger than its cap.
    #[error("{what} of {size} bytes is over the limit of {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// More certificates than [`MAX_CERTIFICATES`].
    #[error("more than {max} certificates")]
    TooMany {
        /// The cap.
        max: usize,
    },
    /// No certificate in the input.
    #[error("no certificate in the input")]
    Empty,
}

/// Parses PEM text (one or more CERTIFICATE blocks) into [`CertInfo`]s, leaf first.
pub fn parse_chain_pem(text: &str) -> Result<Vec<CertInfo>, X509Error> {
    parse_chain_der(&split_pem(text)?)
}

/// Parses DER certificates into [`CertInfo`]s.
pub fn parse_chain_der(chain: &[Vec<u8>]) -> Result<Vec<CertInfo>, X509Error> {
    if chain.is_empty() {
        return Err(X509Error::Empty);
    }
    if chain.len() > MAX_CERTIFICATES {
        return Err(X509Error::TooMany { max: MAX_CERTIFICATES });
    }
    chain.iter().enumerate().map(|(i, der)| parse_der(der, i)).collect()
}

/// Stable ids of the chain findings.
pub mod ids {
    /// A certificate does not parse.
    pub const UNPARSEABLE: &str = "x509.unparseable";
    /// The server sent no certificate.
    pub const NO_CERTIFICATE: &str = "x509.no-certificate";
    /// Certificates are not in issuing order.
    pub const CHAIN_ORDER: &str = "x509.chain-order";
    /// A certificate that is not on the leaf's path.
    pub const EXTRA_CERTIFICATE: &str = "x509.extra-certificate";
    /// The issuer of the top certificate is neither sent nor a trusted root.
    pub const INCOMPLETE_CHAIN: &str = "x509.incomplete-chain";
    /// The root itself is sent (harmless, wasted bytes).
    pub const ROOT_INCLUDED: &str = "x509.root-included";
    /// The leaf is self-signed.
    pub const SELF_SIGNED: &str = "x509.self-signed";
    /// A certificate has expired.
    pub const EXPIRED: &str = "x509.expired";
    /// A certificate is not valid yet.
    pub const NOT_YET_VALID: &str = "x509.not-yet-valid";
    /// A certificate expires within the warning window.
    pub const EXPIRING_SOON: &str = "x509.expiring-soon";
    /// Signed with MD5 or MD2.
    pub const MD5_SIGNATURE: &str = "x509.md5-signature";
    /// Signed with SHA-1.
    pub const SHA1_SIGNATURE: &str = "x509.sha1-signature";
    /// RSA key under 2048 bits.
    pub const WEAK_RSA_KEY: &str = "x509.weak-rsa-key";
    /// EC key on a small or non-standard curve.
    pub const WEAK_CURVE: &str = "x509.weak-curve";
    /// DSA key.
    pub const DSA_KEY: &str = "x509.dsa-key";
    /// The host name is not in the certificate.
    pub const NAME_MISMATCH: &str = "x509.name-mismatch";
    /// The host name matched only the subject CN (no SAN).
    pub const CN_FALLBACK: &str = "x509.cn-fallback";
    /// No path to a trusted root.
    pub const UNTRUSTED: &str = "x509.untrusted";
    /// The leaf's EKU does not allow TLS server authentication.
    pub const NO_SERVER_AUTH_EKU: &str = "x509.no-server-auth-eku";
    /// The leaf is a CA certificate.
    pub const LEAF_IS_CA: &str = "x509.leaf-is-ca";
    /// The leaf demands OCSP stapling (must-staple).
    pub const MUST_STAPLE: &str = "x509.must-staple";
}

/// One thing worth saying about a chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainFinding {
    /// Stable id (see [`ids`]).
    pub id: &'static str,
    /// How bad.
    pub severity: Severity,
    /// One line a person can act on.
    pub message: String,
    /// The certificate it is about (0 = leaf, in presented order), if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<usize>,
}

/// The three validation levels of Exchange send connectors and Cisco ESA, side by side.
/// `Ok(())` passes; `Err` carries the reason. In JSON: `{"pass": true}` or
/// `{"pass": false, "reason": "…"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidationLevels {
    /// Encryption only: any certificate is accepted (opportunistic TLS, RFC 7435). True
    /// when there is a certificate at all.
    pub encryption_only: bool,
    /// Certificate validation: a path to a trusted root, every certificate in its validity.
    #[serde(serialize_with = "serialize_level")]
    pub certificate: Result<(), String>,
    /// Domain validation: certificate validation and the host name in the SAN.
    #[serde(serialize_with = "serialize_level")]
    pub domain: Result<(), String>,
}

fn serialize_level<S: Serializer>(level: &Result<(), String>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Level<'a> {
        pass: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<&'a str>,
    }
    Level { pass: level.is_ok(), reason: level.as_ref().err().map(String::as_str) }.serialize(s)
}

/// Everything [`analyse`] found about one chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// The host name checked, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The time of the analysis, unix seconds.
    pub at: i64,
    /// The certificates as presented (unparseable ones left out; see the findings).
    pub certificates: Vec<CertInfo>,
    /// Presented-order indices of the path from the leaf up, as the server sent it.
    pub path: Vec<usize>,
    /// How the host matched the leaf, if a host was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_match: Option<NameMatch>,
    /// What the trust store held.
    pub trust: TrustStoreSummary,
    /// Findings, most severe first.
    pub findings: Vec<ChainFinding>,
    /// The three validation levels.
    pub levels: ValidationLevels,
}

impl ChainReport {
    /// The leaf certificate, if the chain has one.
    pub fn leaf(&self) -> Option<&CertInfo> {
        self.certificates.first()
    }
}

/// Analyses `chain` (DER, leaf first, as the server sent it) for `host` at `now_unix`
/// against `trust`, warning about certificates that expire within `expiry_warning_days`.
/// Never fails: unreadable input becomes findings.
pub fn analyse(
    chain: &[Vec<u8>],
    host: Option<&str>,
    now_unix: i64,
    trust: &TrustStore,
    expiry_warning_days: u32,
) -> ChainReport {
    let mut findings = Vec::new();
    let mut add = |id, severity, message: String, certificate| {
        findings.push(ChainFinding { id, severity, message, certificate });
    };
    let chain = &chain[..chain.len().min(MAX_CERTIFICATES)];
    let mut parsed = Vec::new();
    let mut ders = Vec::new();
    for (i, der) in chain.iter().enumerate() {
        match info::parse_cert(der, i) {
            Ok(cert) => {
                parsed.push(cert);
                ders.push(der.clone());
            }
            Err(e) => add(ids::UNPARSEABLE, Severity::High, e.to_string(), Some(i)),
        }
    }
    let certificates: Vec<CertInfo> =
        ders.iter().enumerate().filter_map(|(i, d)| parse_der(d, i).ok()).collect();
    let path = chain::presented_path(&parsed);

    if certificates.is_empty() {
        add(ids::NO_CERTIFICATE, Severity::Critical, "no certificate to analyse".into(), None);
        let reason = "no certificate".to_owned();
        return finish(
            host,
            now_unix,
            certificates,
            path,
            None,
            trust,
            findings,
            ValidationLevels {
                encryption_only: false,
                certificate: Err(reason.clone()),
                domain: Err(reason),
            },
        );
    }

    // Order, extra certificates, the top of the path.
    if path.iter().enumerate().any(|(position, &index)| position != index) {
        add(
            ids::CHAIN_ORDER,
            Severity::Low,
            "the certificates are not in issuing order (leaf, its issuer, …): some clients fail".into(),
            None,
        );
    }
    for index in (0..certificates.len()).filter(|i| !path.contains(i)) {
        add(
            ids::EXTRA_CERTIFICATE,
            Severity::Low,
            format!(
                "certificate #{} ({}) is not part of the leaf's chain: remove it",
                index + 1,
                certificates[index].subject
            ),
            Some(index),
        );
    }
    let leaf = &certificates[0];
    let top_index = *path.last().unwrap_or(&0);
    let top = &certificates[top_index];
    if leaf.self_signed {
        add(
            ids::SELF_SIGNED,
            Severity::High,
            "the server certificate is self-signed: only encryption-only clients accept it".into(),
            Some(0),
        );
    } else if top.self_issued {
        if path.len() > 1 {
            add(
                ids::ROOT_INCLUDED,
                Severity::Info,
                format!("the root ({}) is sent too; it is not needed", top.subject),
                Some(top_index),
            );
        }
    } else if !trust.has_subject(parsed[top_index].issuer().as_raw()) {
        add(
            ids::INCOMPLETE_CHAIN,
            Severity::Medium,
            format!(
                "the issuer of certificate #{} ({}) is neither sent nor a known root: send the intermediate certificate",
                top_index + 1,
                top.issuer
            ),
            Some(top_index),
        );
    }

    // Per certificate: validity, signature hash, key.
    let warn = i64::from(expiry_warning_days) * DAY;
    for (i, cert) in certificates.iter().enumerate() {
        let what = if i == 0 {
            "the server certificate".to_owned()
        } else {
            format!("certificate #{} ({})", i + 1, cert.subject)
        };
        if now_unix > cert.not_after {
            let days = (now_unix - cert.not_after) / DAY;
            let severity = if i == 0 { Severity::Critical } else { Severity::High };
            add(ids::EXPIRED, severity, format!("{what} expired {days} days ago"), Some(i));
        } else if now_unix < cert.not_before {
            add(
                ids::NOT_YET_VALID,
                Severity::High,
                format!("{what} is not valid yet (check the server's clock)"),
                Some(i),
            );
        } else if cert.not_after - now_unix < warn {
            let days = (cert.not_after - now_unix) / DAY;
            add(
                ids::EXPIRING_SOON,
                Severity::Medium,
                format!("{what} expires in {days} days: renew it"),
                Some(i),
            );
        }
        // The signature on a root is never checked; on everything else it matters.
        let is_root = cert.self_signed && i != 0;
        if !is_root {
            match cert.signature_hash {
                SignatureHash::Md5 | SignatureHash::Md2 => add(
                    ids::MD5_SIGNATURE,
                    Severity::Critical,
                    format!(
                        "{what} is signed with {}: forgeable; reissue with SHA-256",
                        cert.signature_algorithm
                    ),
                    Some(i),
                ),
                SignatureHash::Sha1 => add(
                    ids::SHA1_SIGNATURE,
                    Severity::High,
                    format!("{what} is signed with {}: reissue with SHA-256", cert.signature_algorithm),
                    Some(i),
                ),
                _ => {}
            }
        }
        match cert.key.kind {
            KeyKind::Rsa if cert.key.bits < 2048 => {
                let severity = if cert.key.bits < 1024 { Severity::Critical } else { Severity::High };
                add(
                    ids::WEAK_RSA_KEY,
                    severity,
                    format!("{what} has a {}-bit RSA key: use 2048 bits or more", cert.key.bits),
                    Some(i),
                );
            }
            KeyKind::Ec => {
                let curve = cert.key.curve.as_deref().unwrap_or("unknown");
                if !matches!(curve, "P-256" | "P-384" | "P-521") {
                    let severity = if cert.key.bits < 224 { Severity::High } else { Severity::Low };
                    add(
                        ids::WEAK_CURVE,
                        severity,
                        format!(
                            "{what} uses the curve {curve}: use P-256 or P-384, which every client supports"
                        ),
                        Some(i),
                    );
                }
            }
            KeyKind::Dsa => {
                add(
                    ids::DSA_KEY,
                    Severity::High,
                    format!("{what} has a DSA key: no TLS 1.3 client accepts it; use RSA or ECDSA"),
                    Some(i),
                );
            }
            _ => {}
        }
    }
    if leaf.is_ca == Some(true) && !leaf.self_signed {
        add(
            ids::LEAF_IS_CA,
            Severity::Low,
            "the server certificate is a CA certificate (basicConstraints cA)".into(),
            Some(0),
        );
    }
    if !leaf.extended_key_usage.is_empty()
        && !leaf.extended_key_usage.iter().any(|e| e == "serverAuth" || e == "anyExtendedKeyUsage")
    {
        add(
            ids::NO_SERVER_AUTH_EKU,
            Severity::High,
            format!(
                "the server certificate's extended key usage ({}) does not allow TLS server authentication",
                leaf.extended_key_usage.join(", ")
            ),
            Some(0),
        );
    }
    if leaf.must_staple {
        add(
            ids::MUST_STAPLE,
            Severity::Info,
            "the certificate demands OCSP stapling (must-staple): the server must staple".into(),
            Some(0),
        );
    }

    // Names.
    let name_match = host.map(|host| names::match_host(leaf, host));
    match (&name_match, host) {
        (Some(NameMatch::CommonNameFallback(cn)), Some(host)) => add(
            ids::CN_FALLBACK,
            Severity::Medium,
            format!(
                "{host} matches only the subject CN {cn}; the certificate has no subjectAltName: modern clients refuse it"
            ),
            Some(0),
        ),
        (Some(NameMatch::Mismatch), Some(host)) => {
            let mut names: Vec<&str> =
                leaf.dns_names.iter().chain(&leaf.ip_addresses).map(String::as_str).collect();
            if names.is_empty() {
                names = leaf.subject_cn.iter().map(String::as_str).collect();
            }
            add(
                ids::NAME_MISMATCH,
                Severity::High,
                format!("{host} is not among the certificate's names ({})", names.join(", ")),
                Some(0),
            );
        }
        _ => {}
    }

    // Trust and the levels.
    let certificate = trust.verify_path(&ders, now_unix);
    if let Err(reason) = &certificate {
        add(ids::UNTRUSTED, Severity::High, format!("certificate validation fails: {reason}"), None);
    }
    let domain = match (&certificate, host) {
        (Err(reason), _) => Err(format!("certificate validation fails: {reason}")),
        (Ok(()), None) => Err("no host name given".to_owned()),
        (Ok(()), Some(host)) => verify_name(&ders[0], host),
    };
    let levels = ValidationLevels { encryption_only: true, certificate, domain };
    finish(host, now_unix, certificates, path, name_match, trust, findings, levels)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    host: Option<&str>,
    at: i64,
    certificates: Vec<CertInfo>,
    path: Vec<usize>,
    name_match: Option<NameMatch>,
    trust: &TrustStore,
    mut findings: Vec<ChainFinding>,
    levels: ValidationLevels,
) -> ChainReport {
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    ChainReport {
        host: host.map(str::to_owned),
        at,
        certificates,
        path,
        name_match,
        trust: trust.summary(),
        findings,
        levels,
    }
}
