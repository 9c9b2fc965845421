//! Mail posture rules: no TLS at all, TLS 1.2 where clients require it, DANE that does not
//! match, and the note that opportunistic SMTP does not need a validating certificate.

use crate::report::Severity;
use crate::target::Service;

use super::super::{Grade, Input, SignatureHash};
use super::{Rule, RuleSet};
use crate::registry::ProtocolVersion;

/// No TLS at all.
///
/// - What: every protocol version was refused.
/// - Why: mail and credentials cross in clear text.
/// - Instead: enable TLS 1.2 and 1.3 with a certificate.
pub const NO_TLS: Rule = Rule {
    id: "mail.no_tls",
    set: RuleSet::Mail,
    section: "RFC 7435 §3 (any encryption beats none); RFC 3207, RFC 8314",
    severity: Severity::Critical,
    cap: Some(Grade::F),
    what: "The server completes no TLS handshake at all.",
    why: "Without TLS, mail and logins cross the network in clear text; on port 25 even opportunistic encryption would be better than none.",
    instead: "Configure a certificate and enable TLS (Postfix smtpd_tls_security_level = may with smtpd_tls_chain_files; Dovecot ssl = yes).",
    check: no_tls,
};

fn no_tls(i: &Input<'_>) -> Option<String> {
    (i.supported.is_empty() && i.findings.versions.iter().any(|v| v.supported == Some(false)))
        .then(|| "no TLS handshake succeeds: configure a certificate and enable TLS 1.2 and 1.3".to_owned())
}

/// TLS 1.2 required by the clients.
///
/// - What: a submission/access port, or an MX under MTA-STS, without TLS 1.2 or 1.3.
/// - Why: RFC 8997 sets TLS 1.2 as the floor for mail clients; MTA-STS senders require it.
/// - Instead: enable TLS 1.2 and 1.3.
pub const TLS12_REQUIRED: Rule = Rule {
    id: "mail.tls12_required",
    set: RuleSet::Mail,
    section: "RFC 8314 §4.1 as updated by RFC 8997; RFC 8461 §7.2",
    severity: Severity::High,
    cap: None,
    what: "A port whose clients require TLS 1.2 (submission, IMAP, POP3, or an MX under MTA-STS) offers neither TLS 1.2 nor 1.3.",
    why: "RFC 8997 makes TLS 1.2 the minimum for mail submission and access; MTA-STS senders require TLS 1.2 (RFC 8461 §7.2) and defer mail otherwise.",
    instead: "Update the TLS library and enable TLS 1.2 and TLS 1.3.",
    check: tls12_required,
};

fn tls12_required(i: &Input<'_>) -> Option<String> {
    let needs = !i.ctx.is_relay() || i.ctx.mta_sts_enforced;
    (needs
        && !i.supported.is_empty()
        && !i.supports(ProtocolVersion::TLSV1_2)
        && !i.supports(ProtocolVersion::TLSV1_3))
    .then(|| {
        let who = if i.ctx.is_relay() { "MTA-STS senders" } else { "mail clients (RFC 8997)" };
        format!("{who} require TLS 1.2 and the server offers neither TLS 1.2 nor 1.3: enable them")
    })
}

/// DANE TLSA records do not match.
///
/// - What: the domain publishes TLSA records for this MX and none matches the chain.
/// - Why: DANE senders refuse to deliver and defer the mail.
/// - Instead: publish TLSA records for the current key (and the next one, before a rollover).
pub const DANE_MISMATCH: Rule = Rule {
    id: "mail.dane_mismatch",
    set: RuleSet::Mail,
    section: "RFC 7672 §2.2 (no usable TLSA match ⇒ the MX is skipped, mail deferred)",
    severity: Severity::Critical,
    cap: None,
    what: "DANE is published for this MX and the presented chain matches none of the TLSA records.",
    why: "Senders that validate DANE (Postfix, Exim, large providers) will not deliver to this MX; mail queues and eventually bounces.",
    instead: "Publish a TLSA record for the current key (3 1 1 of the leaf SPKI) before switching keys, keep the old one until the switch is done.",
    check: dane_mismatch,
};

fn dane_mismatch(i: &Input<'_>) -> Option<String> {
    (i.ctx.dane_promised && i.ctx.dane_authenticated == Some(false)).then(|| {
        "the certificate matches none of the published TLSA records: DANE senders defer mail; publish 3 1 1 for the current key".to_owned()
    })
}

/// Opportunistic SMTP with a certificate nobody validates.
///
/// - What: port 25 without DANE or MTA-STS, and the certificate is self-signed, untrusted,
///   expired, for another name or SHA-1/MD5 signed (not reported when DANE matched: the MX
///   is authenticated then).
/// - Why: it is not a weakness there: senders encrypt without authenticating (RFC 7435), so
///   any certificate gives the same protection; but nobody is protected against an active
///   attacker either.
/// - Instead: nothing is required; to let senders authenticate the MX, publish DANE TLSA
///   (3 1 1) with DNSSEC, or an MTA-STS policy with a public-CA certificate.
pub const OPPORTUNISTIC_CERTIFICATE: Rule = Rule {
    id: "mail.opportunistic_certificate",
    set: RuleSet::Mail,
    section: "RFC 7435 §3, RFC 9325 §7.1; GRADING.md §13.6 [synthesis]",
    severity: Severity::Info,
    cap: None,
    what: "On SMTP relay without DANE or MTA-STS, the certificate would not validate (self-signed, untrusted, expired, wrong name or weak signature).",
    why: "Not a failure: opportunistic TLS encrypts without authenticating, so senders accept any certificate; but an active attacker can still impersonate the MX.",
    instead: "To be authenticated, publish DANE TLSA 3 1 1 (with DNSSEC) or an MTA-STS policy with a public-CA certificate for the MX name.",
    check: opportunistic_certificate,
};

fn opportunistic_certificate(i: &Input<'_>) -> Option<String> {
    let cert = i.cert?;
    // DANE that matched authenticates the MX already: no advice to publish it.
    if i.ctx.service != Service::Smtp
        || i.ctx.certificate_must_validate()
        || i.ctx.dane_authenticated == Some(true)
    {
        return None;
    }
    let weak_sig = cert
        .signature
        .is_some_and(|s| matches!(s.hash, SignatureHash::Sha1 | SignatureHash::Md5 | SignatureHash::Md2));
    (cert.fails_validation() || weak_sig).then(|| {
        "the certificate would not validate, which is fine for opportunistic SMTP (RFC 7435): publish DANE TLSA 3 1 1 to let senders authenticate the MX".to_owned()
    })
}
