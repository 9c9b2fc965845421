//! Stapled OCSP responses (RFC 6960): is the leaf revoked, and can the answer be believed?
//!
//! `check` (called by [`analyse_stapled`](super::analyse_stapled)) takes the DER
//! `OCSPResponse` a server stapled (TLS `CertificateStatus`), the
//! leaf and its issuer, and the time, and returns an [`OcspReport`] with findings: revoked
//! (the certificate validation level fails), unknown, malformed, for another certificate,
//! outside its validity (`thisUpdate`/`nextUpdate` against `now`), or not signed by the
//! issuer or a responder the issuer delegated to (`id-kp-OCSPSigning`). A revocation is
//! believed only from a response whose signature verifies and whose CertID names the leaf.
//!
//! ## Why a hand-written walk of the ASN.1
//!
//! The structure is read with asn1-rs (`Any` headers), which x509-parser already brings
//! and which builds for wasm32; the RustCrypto `x509-ocsp` crate would bring a second
//! ASN.1 stack (`der`, `x509-cert`, `spki`) beside x509-parser's for a dozen fields.
//! Signatures are checked with x509-parser's `verify_signature` (ring), the same code that
//! checks issuer links in the chain. Every list is capped ([`MAX_RESPONSES`],
//! [`MAX_RESPONDER_CERTS`]) and the input size is bounded by [`MAX_OCSP_SIZE`].

use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_parser::asn1_rs::{Any, Class, FromDer, Tag};
use x509_parser::prelude::{AlgorithmIdentifier, SubjectPublicKeyInfo, X509Certificate};
use x509_parser::verify::verify_signature;

use super::{ChainFinding, ids};
use crate::report::Severity;

/// The largest stapled response mxray reads (real ones are 0.5–4 KiB).
pub const MAX_OCSP_SIZE: usize = 64 * 1024;
/// Most SingleResponses read from one response.
pub const MAX_RESPONSES: usize = 64;
/// Most responder certificates read from one response.
pub const MAX_RESPONDER_CERTS: usize = 8;
/// Clock skew tolerated on `thisUpdate` (five minutes, as OpenSSL's `-validity_period`).
const SKEW: i64 = 300;

/// What a stapled response says about the leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OcspStatus {
    /// Not revoked.
    Good,
    /// Revoked.
    Revoked,
    /// The responder does not know the certificate.
    Unknown,
    /// The response could not be read, is an error response, or does not name the leaf.
    Unusable,
}

/// The stapled OCSP response of a chain, as checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OcspReport {
    /// The leaf's status, as the response says (`unusable` when it says nothing usable).
    pub status: OcspStatus,
    /// When the leaf was revoked (unix seconds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<i64>,
    /// `producedAt`, unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub produced_at: Option<i64>,
    /// `thisUpdate` of the leaf's answer, unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub this_update: Option<i64>,
    /// `nextUpdate` of the leaf's answer, unix seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_update: Option<i64>,
    /// The signature verifies with the issuer's key or a delegated responder's; `null` when
    /// the issuer is not known (not sent and not a root).
    pub signature_valid: Option<bool>,
    /// The response's size in bytes.
    pub size: usize,
}

/// A revocation status of one certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CertStatus {
    Good,
    Revoked(i64),
    Unknown,
}

/// One SingleResponse.
#[derive(Debug)]
struct Single<'a> {
    hash: AlgorithmIdentifier<'a>,
    name_hash: &'a [u8],
    key_hash: &'a [u8],
    serial: &'a [u8],
    status: CertStatus,
    this_update: i64,
    next_update: Option<i64>,
}

/// A BasicOCSPResponse.
#[derive(Debug)]
struct Basic<'a> {
    tbs: &'a [u8],
    produced_at: i64,
    responses: Vec<Single<'a>>,
    signature_algorithm: AlgorithmIdentifier<'a>,
    signature: x509_parser::asn1_rs::BitString<'a>,
    certs: Vec<X509Certificate<'a>>,
}

/// Why a response could not be read.
type ParseError = String;

fn any<'a>(input: &'a [u8], what: &str) -> Result<(&'a [u8], Any<'a>), ParseError> {
    Any::from_der(input).map_err(|e| format!("{what}: {e}"))
}

/// A universal SEQUENCE: its contents and the input after it.
fn sequence<'a>(input: &'a [u8], what: &str) -> Result<(&'a [u8], &'a [u8]), ParseError> {
    let (rest, a) = any(input, what)?;
    if a.class() != Class::Universal || a.tag() != Tag::Sequence {
        return Err(format!("{what}: expected a SEQUENCE"));
    }
    Ok((rest, a.data))
}

fn time(a: &Any<'_>, what: &str) -> Result<i64, ParseError> {
    a.as_generalizedtime()
        .map_err(|e| format!("{what}: {e}"))?
        .utc_datetime()
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("{what}: {e}"))
}

/// A `[n]` context-specific element.
fn is_context(a: &Any<'_>, tag: u32) -> bool {
    a.class() == Class::ContextSpecific && a.tag() == Tag(tag)
}

/// Reads an `OCSPResponse`: `Ok(Err(status))` for an unsuccessful responseStatus.
fn parse(der: &[u8]) -> Result<Result<Basic<'_>, u32>, ParseError> {
    if der.len() > MAX_OCSP_SIZE {
        return Err(format!("{} bytes, more than the {MAX_OCSP_SIZE} mxray reads", der.len()));
    }
    let (rest, body) = sequence(der, "OCSPResponse")?;
    if !rest.is_empty() {
        return Err("bytes after the OCSPResponse".into());
    }
    let (body, status) = any(body, "responseStatus")?;
    let status = status.as_enumerated().map_err(|e| format!("responseStatus: {e}"))?.0;
    if status != 0 {
        return Ok(Err(status));
    }
    let (_, bytes) = any(body, "responseBytes")?;
    if !is_context(&bytes, 0) {
        return Err("responseBytes: expected [0]".into());
    }
    let (_, rb) = sequence(bytes.data, "ResponseBytes")?;
    let (rb, kind) = any(rb, "responseType")?;
    let kind = kind.as_oid().map_err(|e| format!("responseType: {e}"))?;
    if kind.to_id_string() != "1.3.6.1.5.5.7.48.1.1" {
        return Err(format!("responseType {kind} is not id-pkix-ocsp-basic"));
    }
    let (_, octets) = any(rb, "response")?;
    if octets.class() != Class::Universal || octets.tag() != Tag::OctetString {
        return Err("response: expected an OCTET STRING".into());
    }
    parse_basic(octets.data).map(Ok)
}

fn parse_basic(input: &[u8]) -> Result<Basic<'_>, ParseError> {
    let (_, body) = sequence(input, "BasicOCSPResponse")?;
    let (after_tbs, _) = any(body, "tbsResponseData")?;
    let tbs = &body[..body.len() - after_tbs.len()];
    let (_, data) = sequence(tbs, "ResponseData")?;
    let (mut data, mut first) = any(data, "ResponseData")?;
    if is_context(&first, 0) {
        (data, first) = any(data, "responderID")?; // version: v1 is the only one
    }
    if !(is_context(&first, 1) || is_context(&first, 2)) {
        return Err("responderID: expected [1] name or [2] key hash".into());
    }
    let (data, produced) = any(data, "producedAt")?;
    let produced_at = time(&produced, "producedAt")?;
    let (_, list) = sequence(data, "responses")?;
    let mut responses = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        if responses.len() == MAX_RESPONSES {
            return Err(format!("more than {MAX_RESPONSES} responses"));
        }
        let (next, single) = sequence(rest, "SingleResponse")?;
        responses.push(parse_single(single)?);
        rest = next;
    }
    let (after, signature_algorithm) =
        AlgorithmIdentifier::from_der(after_tbs).map_err(|e| format!("signatureAlgorithm: {e}"))?;
    let (after, signature) = any(after, "signature")?;
    let signature = signature.bitstring().map_err(|e| format!("signature: {e}"))?;
    let mut certs = Vec::new();
    if !after.is_empty() {
        let (_, tagged) = any(after, "certs")?;
        if !is_context(&tagged, 0) {
            return Err("certs: expected [0]".into());
        }
        let (_, mut list) = sequence(tagged.data, "certs")?;
        while !list.is_empty() {
            if certs.len() == MAX_RESPONDER_CERTS {
                return Err(format!("more than {MAX_RESPONDER_CERTS} responder certificates"));
            }
            let (next, cert) = X509Certificate::from_der(list).map_err(|e| format!("certs: {e}"))?;
            certs.push(cert);
            list = next;
        }
    }
    Ok(Basic { tbs, produced_at, responses, signature_algorithm, signature, certs })
}

fn parse_single(input: &[u8]) -> Result<Single<'_>, ParseError> {
    let (rest, cert_id) = sequence(input, "CertID")?;
    let (id, hash) = AlgorithmIdentifier::from_der(cert_id).map_err(|e| format!("hashAlgorithm: {e}"))?;
    let (id, name_hash) = any(id, "issuerNameHash")?;
    let (id, key_hash) = any(id, "issuerKeyHash")?;
    let (_, serial) = any(id, "serialNumber")?;
    if name_hash.tag() != Tag::OctetString
        || key_hash.tag() != Tag::OctetString
        || serial.tag() != Tag::Integer
    {
        return Err("CertID: unexpected types".into());
    }
    let (rest, status) = any(rest, "certStatus")?;
    let status = match (status.class(), status.tag().0) {
        (Class::ContextSpecific, 0) => CertStatus::Good,
        (Class::ContextSpecific, 1) => {
            let (_, at) = any(status.data, "revocationTime")?;
            CertStatus::Revoked(time(&at, "revocationTime")?)
        }
        (Class::ContextSpecific, 2) => CertStatus::Unknown,
        _ => return Err("certStatus: expected [0], [1] or [2]".into()),
    };
    let (rest, this) = any(rest, "thisUpdate")?;
    let this_update = time(&this, "thisUpdate")?;
    let mut next_update = None;
    if !rest.is_empty() {
        let (_, next) = any(rest, "nextUpdate")?;
        if is_context(&next, 0) {
            let (_, t) = any(next.data, "nextUpdate")?;
            next_update = Some(time(&t, "nextUpdate")?);
        }
    }
    Ok(Single {
        hash,
        name_hash: name_hash.data,
        key_hash: key_hash.data,
        serial: serial.data,
        status,
        this_update,
        next_update,
    })
}

/// The digest of `data` with the CertID hash algorithm, if mxray knows it.
fn digest(algorithm: &AlgorithmIdentifier<'_>, data: &[u8]) -> Option<Vec<u8>> {
    Some(match algorithm.algorithm.to_id_string().as_str() {
        "1.3.14.3.2.26" => Sha1::digest(data).to_vec(),
        "2.16.840.1.101.3.4.2.1" => Sha256::digest(data).to_vec(),
        "2.16.840.1.101.3.4.2.2" => Sha384::digest(data).to_vec(),
        "2.16.840.1.101.3.4.2.3" => Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

/// INTEGER contents without leading zero octets, for comparing serials.
fn trim_serial(serial: &[u8]) -> &[u8] {
    let mut s = serial;
    while s.len() > 1 && s[0] == 0 {
        s = &s[1..];
    }
    s
}

/// The EKU id-kp-OCSPSigning.
fn ocsp_signing(cert: &X509Certificate<'_>) -> bool {
    matches!(cert.extended_key_usage(), Ok(Some(eku)) if eku.value.ocsp_signing)
}

/// Checks the stapled `response` for `leaf`, whose issuer's key is `issuer` (from the
/// chain or a root), at `now`. Findings go to `findings`; the report says what was found.
pub(crate) fn check(
    response: &[u8],
    leaf: &X509Certificate<'_>,
    issuer: Option<&SubjectPublicKeyInfo<'_>>,
    now: i64,
    findings: &mut Vec<ChainFinding>,
) -> OcspReport {
    let mut add = |id, severity, message: String| {
        findings.push(ChainFinding { id, severity, message, certificate: Some(0) });
    };
    let mut report = OcspReport {
        status: OcspStatus::Unusable,
        revoked_at: None,
        produced_at: None,
        this_update: None,
        next_update: None,
        signature_valid: None,
        size: response.len(),
    };
    let basic = match parse(response) {
        Ok(Ok(basic)) => basic,
        Ok(Err(status)) => {
            let name = match status {
                1 => "malformedRequest",
                2 => "internalError",
                3 => "tryLater",
                5 => "sigRequired",
                6 => "unauthorized",
                _ => "unknown status",
            };
            add(
                ids::OCSP_MALFORMED,
                Severity::Medium,
                format!(
                    "the stapled OCSP response is an error ({name}, {status}): fix the server's OCSP fetching"
                ),
            );
            return report;
        }
        Err(e) => {
            add(
                ids::OCSP_MALFORMED,
                Severity::Medium,
                format!("the stapled OCSP response cannot be read ({e}): fix or turn off stapling"),
            );
            return report;
        }
    };
    report.produced_at = Some(basic.produced_at);

    // The answer about the leaf: same serial, same issuer name (and key, if known).
    let leaf_serial = trim_serial(leaf.raw_serial());
    let issuer_name = leaf.issuer().as_raw();
    let single = basic.responses.iter().find(|s| {
        trim_serial(s.serial) == leaf_serial
            && digest(&s.hash, issuer_name).is_some_and(|h| h == s.name_hash)
            && issuer
                .is_none_or(|k| digest(&s.hash, &k.subject_public_key.data).is_some_and(|h| h == s.key_hash))
    });
    let Some(single) = single else {
        add(
            ids::OCSP_WRONG_CERTIFICATE,
            Severity::Medium,
            "the stapled OCSP response is about another certificate: the server staples a stale or foreign response"
                .into(),
        );
        return report;
    };
    report.this_update = Some(single.this_update);
    report.next_update = single.next_update;

    // The signer: the issuer itself, or a certificate in the response that the issuer
    // signed and marked id-kp-OCSPSigning.
    let verifies = |key: &SubjectPublicKeyInfo<'_>| {
        verify_signature(key, &basic.signature_algorithm, &basic.signature, basic.tbs).is_ok()
    };
    report.signature_valid = issuer.map(|issuer| {
        verifies(issuer)
            || basic.certs.iter().any(|c| {
                ocsp_signing(c) && c.verify_signature(Some(issuer)).is_ok() && verifies(c.public_key())
            })
    });
    match report.signature_valid {
        Some(false) => {
            add(
                ids::OCSP_BAD_SIGNATURE,
                Severity::Medium,
                "the stapled OCSP response is not signed by the issuer or a responder it delegated to: clients ignore it"
                    .into(),
            );
            return report;
        }
        None => add(
            ids::OCSP_UNVERIFIED,
            Severity::Low,
            "the stapled OCSP response cannot be verified: the issuer's certificate is neither sent nor a known root"
                .into(),
        ),
        Some(true) => {}
    }

    report.status = match single.status {
        CertStatus::Good => OcspStatus::Good,
        CertStatus::Revoked(at) => {
            report.revoked_at = Some(at);
            OcspStatus::Revoked
        }
        CertStatus::Unknown => OcspStatus::Unknown,
    };
    if single.this_update > now + SKEW {
        add(
            ids::OCSP_EXPIRED,
            Severity::Medium,
            "the stapled OCSP response is not valid yet (thisUpdate in the future): check the clocks".into(),
        );
    } else if single.next_update.is_some_and(|next| next < now) {
        add(
            ids::OCSP_EXPIRED,
            Severity::Medium,
            "the stapled OCSP response has expired (nextUpdate passed): the server does not refresh it"
                .into(),
        );
    }
    match report.status {
        // A revocation is final: believed from any signed answer about the leaf, current or not,
        // but only when the signature could be checked.
        OcspStatus::Revoked if report.signature_valid == Some(true) => add(
            ids::OCSP_REVOKED,
            Severity::Critical,
            format!(
                "the server's own stapled OCSP response says its certificate was revoked on {}: install a new certificate",
                super::format_time(single_revoked(single))
            ),
        ),
        OcspStatus::Unknown => add(
            ids::OCSP_UNKNOWN,
            Severity::Low,
            "the stapled OCSP response says the responder does not know the certificate".into(),
        ),
        _ => {}
    }
    report
}

fn single_revoked(single: &Single<'_>) -> i64 {
    match single.status {
        CertStatus::Revoked(at) => at,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::{TrustStore, analyse_stapled, parse_chain_pem, split_chain};

    const CA: &[u8] = include_bytes!("../../tests/fixtures/ocsp/ca.pem");
    const LEAF: &[u8] = include_bytes!("../../tests/fixtures/ocsp/leaf.pem");
    const GOOD: &[u8] = include_bytes!("../../tests/fixtures/ocsp/good.der");
    const REVOKED: &[u8] = include_bytes!("../../tests/fixtures/ocsp/revoked.der");
    const DELEGATED_REVOKED: &[u8] = include_bytes!("../../tests/fixtures/ocsp/delegated-revoked.der");
    const WRONG_CERT: &[u8] = include_bytes!("../../tests/fixtures/ocsp/wrong-cert.der");
    const EXPIRED: &[u8] = include_bytes!("../../tests/fixtures/ocsp/expired.der");
    const BAD_SIGNATURE: &[u8] = include_bytes!("../../tests/fixtures/ocsp/bad-signature.der");

    /// An hour after the leaf was made (the responses were made right after it).
    fn now() -> i64 {
        let leaf = parse_chain_pem(std::str::from_utf8(LEAF).unwrap()).unwrap();
        leaf[0].not_before + 3600
    }

    fn run(response: &[u8], trust: &TrustStore, at: i64) -> crate::x509::ChainReport {
        let chain = split_chain(LEAF).unwrap();
        analyse_stapled(&chain, Some(response), Some("mx.example.org"), at, trust, 30)
    }

    fn trust() -> TrustStore {
        TrustStore::empty().with_extra(CA).unwrap()
    }

    fn ocsp_ids(report: &crate::x509::ChainReport) -> Vec<&'static str> {
        report.findings.iter().map(|f| f.id).filter(|id| id.starts_with("x509.ocsp")).collect()
    }

    #[test]
    fn table_of_stapled_responses() {
        struct Case {
            name: &'static str,
            response: &'static [u8],
            status: OcspStatus,
            signature_valid: Option<bool>,
            ids: &'static [&'static str],
            certificate_level_passes: bool,
        }
        let cases = [
            Case {
                name: "good",
                response: GOOD,
                status: OcspStatus::Good,
                signature_valid: Some(true),
                ids: &[],
                certificate_level_passes: true,
            },
            Case {
                name: "revoked",
                response: REVOKED,
                status: OcspStatus::Revoked,
                signature_valid: Some(true),
                ids: &[ids::OCSP_REVOKED],
                certificate_level_passes: false,
            },
            Case {
                name: "revoked, signed by a delegated responder",
                response: DELEGATED_REVOKED,
                status: OcspStatus::Revoked,
                signature_valid: Some(true),
                ids: &[ids::OCSP_REVOKED],
                certificate_level_passes: false,
            },
            Case {
                name: "about another certificate",
                response: WRONG_CERT,
                status: OcspStatus::Unusable,
                signature_valid: None,
                ids: &[ids::OCSP_WRONG_CERTIFICATE],
                certificate_level_passes: true,
            },
            Case {
                name: "expired",
                response: EXPIRED,
                status: OcspStatus::Good,
                signature_valid: Some(true),
                ids: &[ids::OCSP_EXPIRED],
                certificate_level_passes: true,
            },
            Case {
                name: "revoked but signed by a key of the same name",
                response: BAD_SIGNATURE,
                status: OcspStatus::Unusable,
                signature_valid: Some(false),
                ids: &[ids::OCSP_BAD_SIGNATURE],
                certificate_level_passes: true,
            },
        ];
        for case in cases {
            let report = run(case.response, &trust(), now());
            let ocsp = report.ocsp.as_ref().unwrap();
            assert_eq!(ocsp.status, case.status, "{}", case.name);
            assert_eq!(ocsp.signature_valid, case.signature_valid, "{}", case.name);
            assert_eq!(ocsp_ids(&report), case.ids, "{}", case.name);
            assert_eq!(report.levels.certificate.is_ok(), case.certificate_level_passes, "{}", case.name);
            assert_eq!(ocsp.size, case.response.len());
        }
    }

    #[test]
    fn a_revocation_fails_the_certificate_and_domain_levels_with_the_reason() {
        let report = run(REVOKED, &trust(), now());
        let reason = report.levels.certificate.clone().unwrap_err();
        assert!(reason.contains("revoked"), "{reason}");
        assert!(report.levels.domain.is_err());
        let ocsp = report.ocsp.unwrap();
        assert_eq!(ocsp.revoked_at, Some(ocsp.this_update.unwrap() - 86_400));
        assert!(ocsp.next_update.unwrap() > now());
        let finding = report.findings.iter().find(|f| f.id == ids::OCSP_REVOKED).unwrap();
        assert_eq!(finding.severity, Severity::Critical);
    }

    #[test]
    fn times_are_judged_against_now() {
        // The good response, before it was made: not valid yet.
        let report = run(GOOD, &trust(), now() - 2 * 86_400);
        assert_eq!(ocsp_ids(&report), [ids::OCSP_EXPIRED]);
        // The expired response, the minute it was made: current.
        let produced = run(EXPIRED, &trust(), now()).ocsp.unwrap().this_update.unwrap();
        assert_eq!(ocsp_ids(&run(EXPIRED, &trust(), produced + 30)), Vec::<&str>::new());
    }

    #[test]
    fn without_the_issuer_nothing_is_believed() {
        let report = run(REVOKED, &TrustStore::empty(), now());
        let ocsp = report.ocsp.as_ref().unwrap();
        assert_eq!(ocsp.signature_valid, None);
        assert!(ocsp_ids(&report).contains(&ids::OCSP_UNVERIFIED));
        assert!(!ocsp_ids(&report).contains(&ids::OCSP_REVOKED), "an unverified revocation is not reported");
        assert!(report.levels.certificate.is_err(), "untrusted anyway");
    }

    #[test]
    fn malformed_responses_are_findings_never_panics() {
        for len in 0..GOOD.len() {
            let report = run(&GOOD[..len], &trust(), now());
            assert_eq!(ocsp_ids(&report), [ids::OCSP_MALFORMED], "truncated at {len}");
            assert_eq!(report.ocsp.unwrap().status, OcspStatus::Unusable);
        }
        let mut trailing = GOOD.to_vec();
        trailing.push(0);
        assert_eq!(ocsp_ids(&run(&trailing, &trust(), now())), [ids::OCSP_MALFORMED]);
        // OCSPResponse { responseStatus tryLater(3) }.
        let report = run(&[0x30, 0x03, 0x0a, 0x01, 0x03], &trust(), now());
        assert_eq!(ocsp_ids(&report), [ids::OCSP_MALFORMED]);
        assert!(report.findings.iter().any(|f| f.message.contains("tryLater")));
        let huge = vec![0u8; MAX_OCSP_SIZE + 1];
        assert_eq!(ocsp_ids(&run(&huge, &trust(), now())), [ids::OCSP_MALFORMED]);
        // Flipping any byte of the signed part never yields a believed revocation of the
        // good response.
        for i in 0..GOOD.len() {
            let mut bytes = GOOD.to_vec();
            bytes[i] ^= 0x01;
            let report = run(&bytes, &trust(), now());
            assert!(!ocsp_ids(&report).contains(&ids::OCSP_REVOKED), "byte {i}");
        }
    }

    #[test]
    fn no_staple_no_ocsp_report() {
        let chain = split_chain(LEAF).unwrap();
        let report = analyse_stapled(&chain, None, Some("mx.example.org"), now(), &trust(), 30);
        assert_eq!(report.ocsp, None);
        assert!(report.levels.certificate.is_ok());
    }
}
