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
