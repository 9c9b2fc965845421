//! What one certificate says: [`CertInfo`], extracted with x509-parser.

use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use super::{MAX_CERTIFICATE_SIZE, X509Error};

/// The type of a certificate's public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA (rsaEncryption or RSASSA-PSS keys).
    Rsa,
    /// Elliptic-curve (ECDSA/ECDH) key on a named curve.
    Ec,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// DSA.
    Dsa,
    /// Anything else (GOST, unknown OIDs).
    Other,
}

/// A public key: type, size and curve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// The key type.
    pub kind: KeyKind,
    /// Strength in bits: RSA/DSA modulus bits, EC field size, 256 for Ed25519, 456 for Ed448.
    pub bits: u32,
    /// The named curve of an EC key (`P-256`, `P-384`, `P-521`, `secp256k1`, …, or the OID).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// The key algorithm OID, dotted.
    pub algorithm_oid: String,
}

/// The hash inside a signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SignatureHash {
    /// MD2 (broken).
    Md2,
    /// MD5 (broken).
    Md5,
    /// SHA-1 (collisions shown in practice).
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// EdDSA hashes internally.
    Intrinsic,
    /// Not known to mxray.
    Unknown,
}

/// Everything mxray reads from one certificate. Times are unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// X.509 version (1, 2 or 3).
    pub version: u32,
    /// Subject distinguished name, RFC 4514-like (`CN=mx.example.org, O=Example`).
    pub subject: String,
    /// The subject's common names (usually one).
    pub subject_cn: Vec<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number as colon-separated hex.
    pub serial: String,
    /// notBefore, unix seconds.
    pub not_before: i64,
    /// notAfter, unix seconds.
    pub not_after: i64,
    /// DNS names from subjectAltName, as written.
    pub dns_names: Vec<String>,
    /// IP addresses from subjectAltName, as text.
    pub ip_addresses: Vec<String>,
    /// Other subjectAltName entries (`email:…`, `URI:…`, `DirName:…`, `othername:OID`).
    pub other_names: Vec<String>,
    /// The public key.
    pub key: KeyInfo,
    /// Signature algorithm name (`sha256WithRSAEncryption`, `ecdsa-with-SHA384`, …) or OID.
    pub signature_algorithm: String,
    /// The hash of the signature algorithm.
    pub signature_hash: SignatureHash,
    /// basicConstraints cA, if the extension is present.
    pub is_ca: Option<bool>,
    /// basicConstraints pathLenConstraint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_len: Option<u32>,
    /// keyUsage bits by name (`digitalSignature`, `keyEncipherment`, …), empty if absent.
    pub key_usage: Vec<String>,
    /// extendedKeyUsage purposes (`serverAuth`, `clientAuth`, … or OIDs), empty if absent.
    pub extended_key_usage: Vec<String>,
    /// OCSP responder URLs from authorityInfoAccess.
    pub ocsp_urls: Vec<String>,
    /// CA issuers URLs from authorityInfoAccess.
    pub ca_issuer_urls: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// Number of embedded signed certificate timestamps (Certificate Transparency).
    pub sct_count: usize,
    /// TLS feature extension asks for status_request (OCSP must-staple, RFC 7633).
    pub must_staple: bool,
    /// subjectKeyIdentifier, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_key_id: Option<String>,
    /// authorityKeyIdentifier keyIdentifier, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authority_key_id: Option<String>,
    /// Subject equals issuer (byte for byte).
    pub self_issued: bool,
    /// Self-issued and the signature verifies with its own key.
    pub self_signed: bool,
    /// SHA-256 of the whole certificate, lowercase hex (TLSA 0 0 1).
    pub sha256_fingerprint: String,
    /// SHA-1 of the whole certificate, lowercase hex (what old tools display).
    pub sha1_fingerprint: String,
    /// SHA-256 of the SubjectPublicKeyInfo, lowercase hex (TLSA x 1 1, HPKP pin).
    pub spki_sha256: String,
    /// SHA-512 of the SubjectPublicKeyInfo, lowercase hex (TLSA x 1 2).
    pub spki_sha512: String,
    /// Size of the DER encoding.
    pub der_len: usize,
}

/// Parses one DER certificate strictly (no trailing bytes) and describes it.
pub fn parse_der(der: &[u8], index: usize) -> Result<CertInfo, X509Error> {
    let cert = parse_cert(der, index)?;
    Ok(describe(&cert, der))
}

/// Parses with x509-parser, bounded and strict about trailing bytes.
pub(crate) fn parse_cert(der: &[u8], index: usize) -> Result<X509Certificate<'_>, X509Error> {
    if der.len() > MAX_CERTIFICATE_SIZE {
        return Err(X509Error::TooLarge { what: "certificate", size: der.len(), max: MAX_CERTIFICATE_SIZE });
    }
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok((rest, _)) => Err(X509Error::BadDer {
            index,
            reason: format!("{} trailing bytes after the certificate", rest.len()),
        }),
        Err(e) => Err(X509Error::BadDer { index, reason: e.to_string() }),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn general_name(name: &GeneralName<'_>) -> String {
    match name {
        GeneralName::DNSName(s) => format!("DNS:{s}"),
        GeneralName::RFC822Name(s) => format!("email:{s}"),
        GeneralName::URI(s) => format!("URI:{s}"),
        GeneralName::IPAddress(b) => format!("IP:{}", ip_text(b).unwrap_or_else(|| hex(b))),
        GeneralName::DirectoryName(n) => format!("DirName:{n}"),
        GeneralName::OtherName(oid, _) => format!("othername:{oid}"),
        GeneralName::RegisteredID(oid) => format!("RID:{oid}"),
        other => format!("{other:?}"),
    }
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => Some(std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string()),
        16 => {
            let arr: [u8; 16] = bytes.try_into().ok()?;
            Some(std::net::Ipv6Addr::from(arr).to_string())
        }
        _ => None,
    }
}

/// Signature algorithm OID → (name, hash).
pub(crate) fn signature_algorithm(oid: &str) -> (&'static str, SignatureHash) {
    use SignatureHash::*;
    match oid {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption", Md2),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption", Md5),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("sha1WithRSAEncryption", Sha1),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption", Sha224),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption", Sha256),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption", Sha384),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption", Sha512),
        "1.2.840.113549.1.1.10" => ("rsassaPss", Unknown),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1", Sha1),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224", Sha224),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256", Sha256),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384", Sha384),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512", Sha512),
        "1.3.101.112" => ("ED25519", Intrinsic),
        "1.3.101.113" => ("ED448", Intrinsic),
        "1.2.840.10040.4.3" => ("dsa-with-SHA1", Sha1),
        "2.16.840.1.101.3.4.3.1" => ("dsa-with-SHA224", Sha224),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-SHA256", Sha256),
        _ => ("", Unknown),
    }
}

fn hash_oid(oid: &str) -> SignatureHash {
    match oid {
        "1.3.14.3.2.26" => SignatureHash::Sha1,
        "2.16.840.1.101.3.4.2.4" => SignatureHash::Sha224,
        "2.16.840.1.101.3.4.2.1" => SignatureHash::Sha256,
        "2.16.840.1.101.3.4.2.2" => SignatureHash::Sha384,
        "2.16.840.1.101.3.4.2.3" => SignatureHash::Sha512,
        _ => SignatureHash::Unknown,
    }
}

/// Curve OID → (name, field bits).
pub(crate) fn curve(oid: &str) -> (Option<&'static str>, u32) {
    match oid {
        "1.2.840.10045.3.1.1" => (Some("P-192"), 192),
        "1.3.132.0.33" => (Some("P-224"), 224),
        "1.2.840.10045.3.1.7" => (Some("P-256"), 256),
        "1.3.132.0.34" => (Some("P-384"), 384),
        "1.3.132.0.35" => (Some("P-521"), 521),
        "1.3.132.0.10" => (Some("secp256k1"), 256),
        "1.3.36.3.3.2.8.1.1.7" => (Some("brainpoolP256r1"), 256),
        "1.3.36.3.3.2.8.1.1.11" => (Some("brainpoolP384r1"), 384),
        "1.3.36.3.3.2.8.1.1.13" => (Some("brainpoolP512r1"), 512),
        _ => (None, 0),
    }
}

const KEY_USAGE_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

fn key_info(cert: &X509Certificate<'_>) -> KeyInfo {
    let spki = cert.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    let kind = match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => KeyKind::Rsa,
        "1.2.840.10045.2.1" => KeyKind::Ec,
        "1.3.101.112" => KeyKind::Ed25519,
        "1.3.101.113" => KeyKind::Ed448,
        "1.2.840.10040.4.1" => KeyKind::Dsa,
        _ => KeyKind::Other,
    };
    let mut curve_name = None;
    let bits = match kind {
        KeyKind::Ed25519 => 256,
        KeyKind::Ed448 => 456,
        KeyKind::Ec => {
            let curve_oid =
                spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
            let (name, bits) = curve_oid.as_deref().map(curve).unwrap_or((None, 0));
            curve_name = name.map(str::to_owned).or(curve_oid);
            if bits == 0 { spki.parsed().map(|k| k.key_size() as u32).unwrap_or(0) } else { bits }
        }
        _ => match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => rsa.key_size() as u32,
            Ok(PublicKey::DSA(_)) => dsa_bits(&spki.algorithm.parameters),
            Ok(key) => key.key_size() as u32,
            Err(_) => 0,
        },
    };
    KeyInfo { kind, bits, curve: curve_name, algorithm_oid: oid }
}

/// DSA strength is the size of p, the first INTEGER of the parameters.
fn dsa_bits(params: &Option<x509_parser::der_parser::asn1_rs::Any<'_>>) -> u32 {
    use x509_parser::der_parser::asn1_rs::FromDer as _;
    let Some(any) = params else { return 0 };
    let Ok((_, p)) = x509_parser::der_parser::asn1_rs::Integer::from_der(any.data) else { return 0 };
    let bytes = p.as_ref();
    let trimmed = bytes.iter().skip_while(|b| **b == 0).count();
    (trimmed * 8) as u32
}

fn describe(cert: &X509Certificate<'_>, der: &[u8]) -> CertInfo {
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let (name, mut hash) = signature_algorithm(&sig_oid);
    if sig_oid == "1.2.840.113549.1.1.10"
        && let Some(params) = &cert.signature_algorithm.parameters
        && let Ok(pss) = x509_parser::signature_algorithm::RsaSsaPssParams::try_from(params)
    {
        hash = hash_oid(&pss.hash_algorithm_oid().to_id_string());
    }
    let mut info = CertInfo {
        version: cert.version().0 + 1,
        subject: cert.subject().to_string(),
        subject_cn: cert
            .subject()
            .iter_common_name()
            .map(|cn| cn.as_str().map(str::to_owned).unwrap_or_else(|_| hex(cn.as_slice())))
            .collect(),
        issuer: cert.issuer().to_string(),
        serial: colon_hex(cert.raw_serial()),
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        dns_names: Vec::new(),
        ip_addresses: Vec::new(),
        other_names: Vec::new(),
        key: key_info(cert),
        signature_algorithm: if name.is_empty() { sig_oid.clone() } else { name.to_owned() },
        signature_hash: hash,
        is_ca: None,
        path_len: None,
        key_usage: Vec::new(),
        extended_key_usage: Vec::new(),
        ocsp_urls: Vec::new(),
        ca_issuer_urls: Vec::new(),
        crl_urls: Vec::new(),
        sct_count: 0,
        must_staple: false,
        subject_key_id: None,
        authority_key_id: None,
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        self_signed: false,
        sha256_fingerprint: hex(&Sha256::digest(der)),
        sha1_fingerprint: hex(&Sha1::digest(der)),
        spki_sha256: hex(&Sha256::digest(cert.public_key().raw)),
        spki_sha512: hex(&Sha512::digest(cert.public_key().raw)),
        der_len: der.len(),
    };
    info.self_signed = info.self_issued && super::chain::signed_by(cert, cert) != Some(false);
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                for gn in &san.general_names {
                    match gn {
                        GeneralName::DNSName(s) => info.dns_names.push((*s).to_owned()),
                        GeneralName::IPAddress(b) => {
                            info.ip_addresses.push(ip_text(b).unwrap_or_else(|| hex(b)));
                        }
                        other => info.other_names.push(general_name(other)),
                    }
                }
            }
            ParsedExtension::BasicConstraints(bc) => {
                info.is_ca = Some(bc.ca);
                info.path_len = bc.path_len_constraint;
            }
            ParsedExtension::KeyUsage(ku) => {
                info.key_usage = KEY_USAGE_NAMES
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| (ku.flags >> i) & 1 == 1)
                    .map(|(_, n)| (*n).to_owned())
                    .collect();
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let named = [
                    (eku.any, "anyExtendedKeyUsage"),
                    (eku.server_auth, "serverAuth"),
                    (eku.client_auth, "clientAuth"),
                    (eku.code_signing, "codeSigning"),
                    (eku.email_protection, "emailProtection"),
                    (eku.time_stamping, "timeStamping"),
                    (eku.ocsp_signing, "OCSPSigning"),
                ];
                info.extended_key_usage =
                    named.iter().filter(|(on, _)| *on).map(|(_, n)| (*n).to_owned()).collect();
                info.extended_key_usage.extend(eku.other.iter().map(|o| o.to_id_string()));
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for ad in aia.iter() {
                    let GeneralName::URI(uri) = ad.access_location else { continue };
                    match ad.access_method.to_id_string().as_str() {
                        "1.3.6.1.5.5.7.48.1" => info.ocsp_urls.push(uri.to_owned()),
                        "1.3.6.1.5.5.7.48.2" => info.ca_issuer_urls.push(uri.to_owned()),
                        _ => {}
                    }
                }
            }
            ParsedExtension::CRLDistributionPoints(points) => {
                for point in points.iter() {
                    if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                        for name in names {
                            if let GeneralName::URI(uri) = name {
                                info.crl_urls.push((*uri).to_owned());
                            }
                        }
                    }
                }
            }
            ParsedExtension::SCT(scts) => info.sct_count = scts.len(),
            ParsedExtension::SubjectKeyIdentifier(id) => info.subject_key_id = Some(hex(id.0)),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                info.authority_key_id = aki.key_identifier.as_ref().map(|id| hex(id.0));
            }
            _ => {
                // TLS feature (RFC 7633): SEQUENCE OF INTEGER; 5 is status_request.
                if ext.oid.to_id_string() == "1.3.6.1.5.5.7.1.24" {
                    info.must_staple = tls_feature_has_status_request(ext.value);
                }
            }
        }
    }
    info
}

/// True if a DER `SEQUENCE OF INTEGER` (short form) contains the INTEGER 5.
fn tls_feature_has_status_request(value: &[u8]) -> bool {
    let Some((&0x30, rest)) = value.split_first() else { return false };
    let Some((&len, mut items)) = rest.split_first() else { return false };
    if usize::from(len) != items.len() {
        return false;
    }
    while let [0x02, l, tail @ ..] = items {
        let l = usize::from(*l);
        if l > tail.len() {
            return false;
        }
        if tail[..l].iter().skip_while(|b| **b == 0).eq([5u8].iter()) {
            return true;
        }
        items = &tail[l..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn must_staple_table() {
        assert!(tls_feature_has_status_request(&[0x30, 0x03, 0x02, 0x01, 0x05]));
        assert!(tls_feature_has_status_request(&[0x30, 0x06, 0x02, 0x01, 0x11, 0x02, 0x01, 0x05]));
        assert!(!tls_feature_has_status_request(&[0x30, 0x03, 0x02, 0x01, 0x11]));
        assert!(!tls_feature_has_status_request(&[0x30, 0x05, 0x02, 0x01, 0x05]));
        assert!(!tls_feature_has_status_request(&[]));
    }
}
