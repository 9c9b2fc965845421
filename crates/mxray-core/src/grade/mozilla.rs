//! Mozilla Server Side TLS: compliance with the modern, intermediate and old profiles, with
//! every deviation listed.
//!
//! The profiles are read from Mozilla's own guideline JSON, `data/mozilla/guidelines-5.8.json`
//! (MPL-2.0, mozilla/ssl-config-generator, provenance in `data/README.md`), compiled in with
//! `include_str!` and parsed once. **Version 5.8** is followed because its modern and
//! intermediate profiles are exactly those of 6.0 (`latest.json`; a test checks the
//! equality against the 6.0 copy) and it still defines "old", which 6.0 dropped and which many
//! mail servers are still measured against. 5.7 would add DHE to intermediate, which Mozilla
//! removed deliberately in 5.8.
//!
//! A server complies with a profile when, of what the scan found:
//!
//! - every supported version is in `tls_versions` (and modern's TLS 1.3 is supported);
//! - every TLS ≤ 1.2 suite is in `ciphers.iana`, every TLS 1.3 suite in `ciphersuites`;
//! - every group it accepts (TLS 1.2 and 1.3) is in `tls_curves`;
//! - every DHE modulus is at least `dh_param_size`;
//! - where `server_preferred_order` is true (old), it enforces its own suite order;
//! - it staples OCSP (`ocsp_staple`), when the scan could tell;
//! - the certificate, when known: key type in `certificate_types`, RSA key at least
//!   `rsa_key_size`, ECDSA curve in `certificate_curves`, signature in
//!   `certificate_signatures`, lifespan at most `maximum_certificate_lifespan` days.
//!
//! Not applied to mail: `hsts_min_age` (HTTP only). `ecdh_param_size` (256) is covered by the
//! curve list. `oldest_clients` is information.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::registry::{CipherSuite, NamedGroup, ProtocolVersion, cipher_suites, named_groups};

use super::{Input, KeyKind, SignatureHash, SignatureKind};

/// The guideline JSON that is followed.
const GUIDELINES: &str = include_str!("../../../../data/mozilla/guidelines-5.8.json");

/// A Mozilla profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// TLS 1.3 only, ECDSA certificates.
    Modern,
    /// TLS 1.2 and 1.3, ECDHE AEAD suites: the general-purpose recommendation.
    Intermediate,
    /// Back to TLS 1.0 and 3DES, for very old clients.
    Old,
}

impl Profile {
    /// The three profiles, strictest first.
    pub const ALL: [Self; 3] = [Self::Modern, Self::Intermediate, Self::Old];

    /// The key in the guideline JSON.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Modern => "modern",
            Self::Intermediate => "intermediate",
            Self::Old => "old",
        }
    }
}

/// Compliance with one profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProfileVerdict {
    /// The profile.
    pub profile: Profile,
    /// No deviation found.
    pub compliant: bool,
    /// Each deviation, as one line.
    pub deviations: Vec<String>,
}

/// One profile as the JSON gives it (the keys mxray uses).
#[derive(Clone, Debug, Deserialize)]
pub struct Configuration {
    /// `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`.
    pub tls_versions: Vec<String>,
    /// TLS ≤ 1.2 suites by library naming; mxray reads `iana`.
    pub ciphers: Ciphers,
    /// TLS 1.3 suites.
    pub ciphersuites: Vec<String>,
    /// Groups (OpenSSL names: `X25519`, `prime256v1`).
    pub tls_curves: Vec<String>,
    /// `ecdsa`, `rsa`.
    pub certificate_types: Vec<String>,
    /// OpenSSL curve names.
    pub certificate_curves: Vec<String>,
    /// `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, …
    pub certificate_signatures: Vec<String>,
    /// Minimum RSA key size.
    pub rsa_key_size: Option<u32>,
    /// Minimum DHE modulus size.
    pub dh_param_size: Option<u32>,
    /// Days.
    pub maximum_certificate_lifespan: Option<u32>,
    /// OCSP stapling expected.
    pub ocsp_staple: bool,
    /// The server chooses the suite.
    pub server_preferred_order: bool,
}

/// The suite lists of a profile.
#[derive(Clone, Debug, Deserialize)]
pub struct Ciphers {
    /// IANA names.
    pub iana: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Guidelines {
    version: f64,
    configurations: Configurations,
}

#[derive(Debug, Deserialize)]
struct Configurations {
    modern: Configuration,
    intermediate: Configuration,
    old: Configuration,
}

/// A profile resolved to registry values.
#[derive(Debug)]
struct Resolved {
    config: Configuration,
    versions: Vec<ProtocolVersion>,
    suites12: Vec<CipherSuite>,
    suites13: Vec<CipherSuite>,
    groups: Vec<NamedGroup>,
    cert_curves: Vec<NamedGroup>,
}

/// The guideline version followed (`5.8`).
pub fn guideline_version() -> f64 {
    parsed().0
}

/// The JSON configuration of `profile`.
pub fn configuration(profile: Profile) -> &'static Configuration {
    &parsed().1[index(profile)].config
}

fn index(profile: Profile) -> usize {
    match profile {
        Profile::Modern => 0,
        Profile::Intermediate => 1,
        Profile::Old => 2,
    }
}

/// A Mozilla version name as a registry version (`TLSv1` is TLS 1.0).
pub(crate) fn version_by_name(name: &str) -> Option<ProtocolVersion> {
    [
        ProtocolVersion::SSLV3,
        ProtocolVersion::TLSV1_0,
        ProtocolVersion::TLSV1_1,
        ProtocolVersion::TLSV1_2,
        ProtocolVersion::TLSV1_3,
    ]
    .into_iter()
    .find(|v| v.name() == Some(name) || (name == "TLSv1" && *v == ProtocolVersion::TLSV1_0))
}

/// An IANA suite name as a code.
pub(crate) fn suite_by_name(name: &str) -> Option<CipherSuite> {
    cipher_suites().find(|i| i.name == name).and_then(|i| match i.code {
        crate::registry::CipherCode::Tls(s) => Some(s),
        crate::registry::CipherCode::Sslv2(_) => None,
    })
}

/// An OpenSSL or IANA group name as a code (`prime256v1` is secp256r1).
pub(crate) fn group_by_name(name: &str) -> Option<NamedGroup> {
    let iana = match name {
        "prime256v1" => "secp256r1",
        "X25519" => "x25519",
        "X448" => "x448",
        other => other,
    };
    named_groups().find(|g| g.name == iana).map(|g| g.group)
}

/// Every name of `names` that `f` resolves.
fn all<T>(names: &[String], f: fn(&str) -> Option<T>) -> Vec<T> {
    names.iter().filter_map(|n| f(n)).collect()
}

fn resolve(config: Configuration) -> Resolved {
    Resolved {
        versions: all(&config.tls_versions, version_by_name),
        suites12: all(&config.ciphers.iana, suite_by_name),
        suites13: all(&config.ciphersuites, suite_by_name),
        groups: all(&config.tls_curves, group_by_name),
        cert_curves: all(&config.certificate_curves, group_by_name),
        config,
    }
}

fn parsed() -> &'static (f64, [Resolved; 3]) {
    static PARSED: OnceLock<(f64, [Resolved; 3])> = OnceLock::new();
    PARSED.get_or_init(|| {
        // The file is compiled in and a test parses it: failing here is a build defect.
        let g: Guidelines =
            serde_json::from_str(GUIDELINES).expect("data/mozilla/guidelines-5.8.json parses");
        let c = g.configurations;
        (g.version, [resolve(c.modern), resolve(c.intermediate), resolve(c.old)])
    })
}

/// Verdicts before anything is known (used while an [`Input`] is built).
pub(crate) fn empty() -> [ProfileVerdict; 3] {
    Profile::ALL.map(|profile| ProfileVerdict { profile, compliant: true, deviations: Vec::new() })
}

/// The Mozilla name of a certificate signature algorithm (`sha256WithRSAEncryption`).
pub fn signature_name(kind: SignatureKind, hash: SignatureHash) -> String {
    let h = match hash {
        SignatureHash::Md2 => "MD2",
        SignatureHash::Md5 => "MD5",
        SignatureHash::Sha1 => "SHA1",
        SignatureHash::Sha224 => "SHA224",
        SignatureHash::Sha256 => "SHA256",
        SignatureHash::Sha384 => "SHA384",
        SignatureHash::Sha512 => "SHA512",
        SignatureHash::Intrinsic | SignatureHash::Unknown => "",
    };
    match kind {
        SignatureKind::RsaPkcs1 => format!("{}WithRSAEncryption", h.to_ascii_lowercase()),
        SignatureKind::RsaPss => "rsassaPss".to_owned(),
        SignatureKind::Ecdsa => format!("ecdsa-with-{h}"),
        SignatureKind::Dsa => format!("dsa_with_{h}"),
        SignatureKind::Ed25519 => "ED25519".to_owned(),
        SignatureKind::Ed448 => "ED448".to_owned(),
        SignatureKind::Other => "other".to_owned(),
    }
}

fn version_label(v: ProtocolVersion) -> String {
    v.name().map_or_else(|| format!("0x{:04X}", v.0), str::to_owned)
}

/// The deviations of the scan from one profile.
fn deviations(input: &Input<'_>, p: &Resolved) -> Vec<String> {
    let c = &p.config;
    let name = |profile_list: &[String]| profile_list.join(", ");
    let mut out = Vec::new();
    for &v in &input.supported {
        if !p.versions.contains(&v) {
            out.push(format!(
                "{} is enabled; the profile allows only {}",
                version_label(v),
                name(&c.tls_versions)
            ));
        }
    }
    if p.versions == [ProtocolVersion::TLSV1_3] && !input.supports(ProtocolVersion::TLSV1_3) {
        out.push("TLSv1.3 is not supported; the profile requires it".to_owned());
    }
    let mut extra12 = Vec::new();
    let mut extra13 = Vec::new();
    for &(v, info) in &input.suites {
        let crate::registry::CipherCode::Tls(code) = info.code else {
            continue;
        };
        let (allowed, extra) = if v == ProtocolVersion::TLSV1_3 {
            (&p.suites13, &mut extra13)
        } else {
            (&p.suites12, &mut extra12)
        };
        if !allowed.contains(&code) && !extra.contains(&info.name) {
            extra.push(info.name);
        }
    }
    if !extra12.is_empty() {
        out.push(format!("cipher suites outside the profile: {}", extra12.join(", ")));
    }
    if !extra13.is_empty() {
        out.push(format!("TLS 1.3 cipher suites outside the profile: {}", extra13.join(", ")));
    }
    let groups = &input.findings.groups;
    let mut extra_groups: Vec<String> = Vec::new();
    for g in groups.tls12.iter().chain(&groups.tls13) {
        let shown = g.to_string();
        if !p.groups.contains(g) && !extra_groups.contains(&shown) {
            extra_groups.push(shown);
        }
    }
    if !extra_groups.is_empty() {
        out.push(format!(
            "groups outside the profile: {} (the profile lists {})",
            extra_groups.join(", "),
            name(&c.tls_curves)
        ));
    }
    if let (Some(min), Some(&bits)) = (c.dh_param_size, input.findings.dhe_bits.iter().min())
        && (bits as u64) < u64::from(min)
    {
        out.push(format!("DHE uses {bits}-bit parameters; the profile asks for at least {min}"));
    }
    if c.server_preferred_order {
        let client: Vec<String> = input
            .findings
            .versions
            .iter()
            .filter(|v| v.version < ProtocolVersion::TLSV1_3 && v.server_order == Some(false))
            .map(|v| version_label(v.version))
            .collect();
        if !client.is_empty() {
            out.push(format!(
                "the client chooses the suite in {}; the profile wants server order",
                client.join(", ")
            ));
        }
    }
    if c.ocsp_staple && input.findings.features.ocsp_stapling == Some(false) {
        out.push("no OCSP stapling; the profile enables it".to_owned());
    }
    if let Some(cert) = input.cert {
        if let Some(key) = cert.key {
            let kind = match key.kind {
                KeyKind::Rsa => "rsa",
                KeyKind::Ecdsa => "ecdsa",
                KeyKind::Dsa => "dsa",
                KeyKind::Ed25519 => "ed25519",
                KeyKind::Ed448 => "ed448",
                KeyKind::Other => "other",
            };
            if !c.certificate_types.iter().any(|t| t == kind) {
                out.push(format!(
                    "the certificate key is {kind}; the profile uses {}",
                    name(&c.certificate_types)
                ));
            }
            if key.kind == KeyKind::Rsa
                && let Some(min) = c.rsa_key_size
                && key.bits < min
            {
                out.push(format!("the RSA key has {} bits; the profile asks for at least {min}", key.bits));
            }
            if key.kind == KeyKind::Ecdsa && key.curve.is_none_or(|curve| !p.cert_curves.contains(&curve)) {
                let curve = key.curve.map_or_else(|| "an unnamed curve".to_owned(), |g| g.to_string());
                out.push(format!(
                    "the ECDSA key is on {curve}; the profile uses {}",
                    name(&c.certificate_curves)
                ));
            }
        }
        if let Some(sig) = cert.signature {
            let sig_name = signature_name(sig.kind, sig.hash);
            if !c.certificate_signatures.contains(&sig_name) {
                out.push(format!(
                    "the certificate is signed with {sig_name}; the profile uses {}",
                    name(&c.certificate_signatures)
                ));
            }
        }
        if let (Some(days), Some(max)) = (cert.lifespan_days, c.maximum_certificate_lifespan)
            && days > max
        {
            out.push(format!("the certificate is valid for {days} days; the profile allows at most {max}"));
        }
    }
    out
}

/// The verdicts of the three profiles.
pub(crate) fn verdicts(input: &Input<'_>) -> [ProfileVerdict; 3] {
    let resolved = &parsed().1;
    Profile::ALL.map(|profile| {
        let deviations = deviations(input, &resolved[index(profile)]);
        ProfileVerdict { profile, compliant: deviations.is_empty(), deviations }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_in_the_guidelines_resolves() {
        let (version, resolved) = parsed();
        assert_eq!(*version, 5.8);
        for r in resolved {
            assert_eq!(r.versions.len(), r.config.tls_versions.len(), "{:?}", r.config.tls_versions);
            assert_eq!(r.suites12.len(), r.config.ciphers.iana.len(), "{:?}", r.config.ciphers.iana);
            assert_eq!(r.suites13.len(), r.config.ciphersuites.len());
            assert_eq!(r.groups.len(), r.config.tls_curves.len(), "{:?}", r.config.tls_curves);
            assert_eq!(r.cert_curves.len(), r.config.certificate_curves.len());
        }
    }

    #[test]
    fn modern_and_intermediate_of_5_8_are_those_of_6_0() {
        let latest: serde_json::Value =
            serde_json::from_str(include_str!("../../../../data/mozilla/guidelines-6.0.json")).unwrap();
        let followed: serde_json::Value = serde_json::from_str(GUIDELINES).unwrap();
        for p in ["modern", "intermediate"] {
            assert_eq!(latest["configurations"][p], followed["configurations"][p], "{p}");
        }
        assert!(latest["configurations"]["old"].is_null());
    }

    #[test]
    fn signature_names_are_mozillas() {
        assert_eq!(signature_name(SignatureKind::RsaPkcs1, SignatureHash::Sha256), "sha256WithRSAEncryption");
        assert_eq!(signature_name(SignatureKind::Ecdsa, SignatureHash::Sha384), "ecdsa-with-SHA384");
        for name in &configuration(Profile::Intermediate).certificate_signatures {
            let known = [SignatureKind::RsaPkcs1, SignatureKind::Ecdsa].iter().any(|&k| {
                [SignatureHash::Sha256, SignatureHash::Sha384, SignatureHash::Sha512]
                    .iter()
                    .any(|&h| signature_name(k, h) == *name)
            });
            assert!(known, "{name}");
        }
    }
}
