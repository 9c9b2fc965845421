//! Certificate trust, name, validity and signature: the SSL Labs T/M/F caps, applied only
//! where clients check the certificate ([`MailContext::certificate_must_validate`]): every
//! client-facing port, and port 25 when DANE or MTA-STS promise authentication. On
//! opportunistic SMTP the same facts give the info finding `mail.opportunistic_certificate`
//! instead (GRADING.md §13.6, RFC 7435, RFC 9325 §7.1).
//!
//! [`MailContext::certificate_must_validate`]: super::super::MailContext::certificate_must_validate

use crate::report::Severity;

use super::super::{CertFacts, Grade, Input, SignatureHash};
use super::{Rule, RuleSet};

/// The certificate, when its clients check it.
fn checked<'a>(i: &Input<'a>) -> Option<&'a CertFacts> {
    i.cert.filter(|_| i.ctx.certificate_must_validate())
}

/// MD5 or MD2 certificate signature.
///
/// - What: the leaf is signed with MD5 or MD2.
/// - Why: MD5 collisions let an attacker obtain a CA signature for a forged certificate.
/// - Instead: a certificate signed with SHA-256.
pub const MD5_SIGNATURE: Rule = Rule {
    id: "cert.md5_signature",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009e: MD5 certificate signature ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The certificate is signed with MD5 or MD2 (where clients check certificates).",
    why: "MD5 collisions are cheap; a forged certificate with the same signature was shown in 2008. RFC 9325 §4.5 forbids it.",
    instead: "Have the certificate reissued with SHA-256.",
    check: md5_signature,
};

fn md5_signature(i: &Input<'_>) -> Option<String> {
    let sig = checked(i)?.signature?;
    matches!(sig.hash, SignatureHash::Md5 | SignatureHash::Md2)
        .then(|| "the certificate is signed with MD5: have it reissued with SHA-256".to_owned())
}

/// SHA-1 certificate signature.
///
/// - What: the leaf is signed with SHA-1.
/// - Why: SHA-1 collisions are practical (SHAttered 2017, chosen-prefix 2020); clients
///   distrust such certificates.
/// - Instead: a certificate signed with SHA-256.
pub const SHA1_SIGNATURE: Rule = Rule {
    id: "cert.sha1_signature",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009f (no A+), testssl.sh run_rating: SHA-1 certificate ⇒ T",
    severity: Severity::Medium,
    cap: Some(Grade::T),
    what: "The certificate is signed with SHA-1 (where clients check certificates).",
    why: "Chosen-prefix SHA-1 collisions cost tens of thousands of dollars (2020); browsers and mail clients reject SHA-1 certificates. RFC 9155 forbids SHA-1 signatures.",
    instead: "Have the certificate reissued with SHA-256.",
    check: sha1_signature,
};

fn sha1_signature(i: &Input<'_>) -> Option<String> {
    let cert = checked(i)?;
    if cert.self_signed == Some(true) {
        return None; // the signature of a self-signed certificate proves nothing anyway
    }
    (cert.signature?.hash == SignatureHash::Sha1)
        .then(|| "the certificate is signed with SHA-1: have it reissued with SHA-256".to_owned())
}

/// Certificate not trusted.
///
/// - What: the chain does not lead to a trusted root (and the leaf is not self-signed,
///   which has its own rule).
/// - Why: clients that validate refuse the connection or warn.
/// - Instead: a certificate from a public CA, with the intermediates sent.
pub const UNTRUSTED: Rule = Rule {
    id: "cert.untrusted",
    set: RuleSet::SslLabs,
    section: "Rating Guide (wiki, 2009k+): untrusted certificate ⇒ T",
    severity: Severity::High,
    cap: Some(Grade::T),
    what: "The certificate chain does not lead to a trusted root, on a port where clients check it.",
    why: "Mail clients, MTA-STS senders and DANE-TA senders refuse or warn; users learn to click through warnings.",
    instead: "Install a certificate from a public CA (Let's Encrypt) and send the full chain (Postfix smtpd_tls_chain_files, Dovecot ssl_cert with the intermediates).",
    check: untrusted,
};

fn untrusted(i: &Input<'_>) -> Option<String> {
    let cert = checked(i)?;
    (cert.trusted == Some(false) && cert.self_signed != Some(true)).then(|| {
        "the certificate chain is not trusted: install a certificate from a public CA and send the intermediates".to_owned()
    })
}

/// Self-signed certificate.
///
/// - What: the leaf is self-signed, on a port where clients check it.
/// - Why: nobody can tell it from an attacker's.
/// - Instead: a certificate from a public CA.
pub const SELF_SIGNED: Rule = Rule {
    id: "cert.self_signed",
    set: RuleSet::SslLabs,
    section: "Rating Guide (wiki, 2009k+): self-signed certificate ⇒ T",
    severity: Severity::High,
    cap: Some(Grade::T),
    what: "The certificate is self-signed, on a port where clients check it.",
    why: "A self-signed certificate cannot be told from one an attacker made; clients refuse it or teach users to accept any.",
    instead: "Install a certificate from a public CA (Let's Encrypt); on port 25 alone, publish DANE TLSA 3 1 1 instead.",
    check: self_signed,
};

fn self_signed(i: &Input<'_>) -> Option<String> {
    (checked(i)?.self_signed == Some(true)).then(|| {
        "the certificate is self-signed and clients of this port check it: install a certificate from a public CA".to_owned()
    })
}

/// Expired or not yet valid certificate.
///
/// - What: the leaf is outside its validity at the scan time.
/// - Why: validating clients refuse it.
/// - Instead: renew it, automatically.
pub const EXPIRED: Rule = Rule {
    id: "cert.expired",
    set: RuleSet::SslLabs,
    section: "Rating Guide (wiki, 2009k+): expired certificate ⇒ T",
    severity: Severity::High,
    cap: Some(Grade::T),
    what: "The certificate is expired or not yet valid, on a port where clients check it.",
    why: "Validating clients refuse it; MTA-STS senders defer mail (RFC 8461 §4.2).",
    instead: "Renew the certificate and automate renewal (ACME), then reload the server.",
    check: expired,
};

fn expired(i: &Input<'_>) -> Option<String> {
    (checked(i)?.expired == Some(true))
        .then(|| "the certificate is expired or not yet valid: renew it and reload the server".to_owned())
}

/// Certificate name mismatch.
///
/// - What: the host name is not among the leaf's names.
/// - Why: validating clients refuse it.
/// - Instead: a certificate that lists this host name in its SAN.
pub const NAME_MISMATCH: Rule = Rule {
    id: "cert.name_mismatch",
    set: RuleSet::SslLabs,
    section: "Rating Guide (wiki): certificate name mismatch ⇒ M",
    severity: Severity::High,
    cap: Some(Grade::M),
    what: "The certificate does not name this host, on a port where clients check it.",
    why: "Clients verify the name (RFC 6125, RFC 7817 for mail, RFC 8461 §4.2 for MTA-STS) and refuse a certificate for another host.",
    instead: "Get a certificate whose subjectAltName lists the host name clients use (the MX name on port 25).",
    check: name_mismatch,
};

fn name_mismatch(i: &Input<'_>) -> Option<String> {
    (checked(i)?.name_matches == Some(false)).then(|| {
        "the certificate does not name this host: add the host name to the certificate's subjectAltName"
            .to_owned()
    })
}

/// Revoked certificate.
///
/// - What: a stapled OCSP response, signed by the issuer or its delegated responder, says
///   the leaf is revoked.
/// - Why: a revoked certificate's key may be in an attacker's hands; clients that check
///   revocation refuse it.
/// - Instead: a new key and certificate, and stapling fresh responses.
pub const REVOKED: Rule = Rule {
    id: "cert.revoked",
    set: RuleSet::SslLabs,
    section: "Qualys CertView grading (GRADING.md §caps): revoked certificate ⇒ F",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The server's own stapled OCSP response says its certificate is revoked (where clients check certificates).",
    why: "Revocation means the CA withdrew the certificate, often because the key leaked; clients that read the staple refuse the connection.",
    instead: "Generate a new key, get a new certificate, install it and reload the server.",
    check: revoked,
};

fn revoked(i: &Input<'_>) -> Option<String> {
    (checked(i)?.revoked == Some(true)).then(|| {
        "the stapled OCSP response says the certificate is revoked: install a new key and certificate"
            .to_owned()
    })
}

/// Incomplete chain.
///
/// - What: the server does not send an intermediate its leaf needs.
/// - Why: clients without the intermediate cached fail to validate.
/// - Instead: send the full chain.
pub const INCOMPLETE_CHAIN: Rule = Rule {
    id: "cert.incomplete_chain",
    set: RuleSet::SslLabs,
    section: "Rating Guide 2009i: incomplete chain ⇒ B",
    severity: Severity::Medium,
    cap: Some(Grade::B),
    what: "The chain lacks an intermediate certificate: the issuer of the last certificate sent is neither sent nor a root (where clients check certificates).",
    why: "Mail clients and MTAs do not fetch missing intermediates (no AIA chasing): validation fails for them even where a browser would succeed.",
    instead: "Send the leaf followed by its intermediates (Postfix smtpd_tls_chain_files, Dovecot ssl_cert with the fullchain file).",
    check: incomplete_chain,
};

fn incomplete_chain(i: &Input<'_>) -> Option<String> {
    (checked(i)?.incomplete_chain == Some(true)).then(|| {
        "the chain is incomplete: send the intermediate certificate(s) after the server certificate"
            .to_owned()
    })
}

/// Weak intermediate.
///
/// - What: an intermediate is signed with MD5 or SHA-1, or has an RSA key under 2048 bits.
/// - Why: the chain is only as strong as its weakest signature.
/// - Instead: the CA's current intermediate.
pub const WEAK_INTERMEDIATE: Rule = Rule {
    id: "cert.weak_intermediate",
    set: RuleSet::Bcp195,
    section: "RFC 9325 §4.5 and RFC 9155 (no MD5/SHA-1 signatures), RFC 9325 §4.3 (RSA ≥ 2048)",
    severity: Severity::Medium,
    cap: None,
    what: "An intermediate certificate the server sends is signed with MD5 or SHA-1, or has an RSA key under 2048 bits (where clients check certificates).",
    why: "Forging an intermediate forges every certificate below it; SHA-1 collisions and RSA-1024 factoring are within reach of a funded attacker, and current clients reject such chains.",
    instead: "Install the CA's current (SHA-256, RSA-2048+ or ECDSA) intermediate in the chain file.",
    check: weak_intermediate,
};

fn weak_intermediate(i: &Input<'_>) -> Option<String> {
    let cert = checked(i)?;
    let hash = match cert.intermediate_hash {
        Some(SignatureHash::Md5 | SignatureHash::Md2) => Some("MD5"),
        Some(SignatureHash::Sha1) => Some("SHA-1"),
        _ => None,
    };
    let small = cert.intermediate_rsa_bits.filter(|&b| b < 2048);
    match (hash, small) {
        (None, None) => None,
        (Some(h), None) => Some(format!(
            "an intermediate certificate is signed with {h}: install the CA's current intermediate"
        )),
        (None, Some(b)) => Some(format!(
            "an intermediate certificate has a {b}-bit RSA key: install the CA's current intermediate"
        )),
        (Some(h), Some(b)) => Some(format!(
            "an intermediate certificate is signed with {h} and one has a {b}-bit RSA key: install the CA's current intermediate"
        )),
    }
}

/// Chain out of order.
///
/// - What: the certificates are not sent leaf first, each followed by its issuer.
/// - Why: TLS requires that order; strict clients fail.
/// - Instead: leaf, then intermediates in issuing order.
pub const CHAIN_ORDER: Rule = Rule {
    id: "cert.chain_order",
    set: RuleSet::Bcp195,
    section: "RFC 5246 §7.4.2, RFC 8446 §4.4.2 (certificate_list order)",
    severity: Severity::Low,
    cap: None,
    what: "The certificates are not sent in issuing order (where clients check certificates).",
    why: "TLS 1.2 requires each certificate to certify the one before it; TLS 1.3 clients tolerate other orders, older and embedded ones may not.",
    instead: "Put the server certificate first, then each issuer in turn.",
    check: chain_order,
};

fn chain_order(i: &Input<'_>) -> Option<String> {
    (checked(i)?.out_of_order == Some(true)).then(|| {
        "the certificates are not in issuing order: send the server certificate first, then each issuer"
            .to_owned()
    })
}

/// Extra certificates.
///
/// - What: certificates are sent that are not on the leaf's path.
/// - Why: bytes on every handshake, and a sign of a mixed-up chain file.
/// - Instead: send only the leaf's path.
pub const EXTRA_CERTIFICATES: Rule = Rule {
    id: "cert.extra_certificates",
    set: RuleSet::Bcp195,
    section: "RFC 8446 §4.4.2 (certificates not on the path), SSL Labs \"Extra certs\"",
    severity: Severity::Low,
    cap: None,
    what: "The server sends certificates that are not part of its certificate's chain (where clients check certificates).",
    why: "They add bytes to every handshake and usually mean a stale or mixed chain file; some clients try them and fail.",
    instead: "Keep only the server certificate and its intermediates in the chain file.",
    check: extra_certificates,
};

fn extra_certificates(i: &Input<'_>) -> Option<String> {
    let n = checked(i)?.extra_certificates.filter(|&n| n > 0)?;
    Some(format!("{n} certificate(s) sent are not part of the chain: remove them from the chain file"))
}
