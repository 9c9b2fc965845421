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

/// STARTTLS offered and accepted, yet no handshake completes.
///
/// - What: a STARTTLS service (SMTP, submission, LMTP, IMAP, POP3, ManageSieve) where every
///   ClientHello was refused. The scanner sends a hello only after the server announced
///   STARTTLS and answered the command with its go-ahead (a dialogue that ends otherwise
///   stops the scan before any hello, and no version is judged), so refused versions on a
///   STARTTLS service mean exactly this.
/// - Why: distinct from a server without STARTTLS: senders try, fail, and then defer the
///   mail (Postfix logs `Cannot start TLS: handshake failure` and defers) or retry in clear
///   text (Exim's default `tls_tempfail_tryclear`, the RFC 7435 fallback); RFC 3207 §4.1
///   leaves the choice to the client. Mail is delayed or crosses in clear text.
/// - Instead: fix the certificate and key (a missing or unreadable key is the usual cause)
///   or the TLS settings, or stop announcing STARTTLS until they work.
pub const STARTTLS_NO_HANDSHAKE: Rule = Rule {
    id: "mail.starttls_no_handshake",
    set: RuleSet::Mail,
    section: "RFC 3207 §4.1 (the client decides after a failed negotiation); RFC 7435 §3 (fallback to clear text)",
    severity: Severity::Critical,
    cap: None,
    what: "The server announces STARTTLS and accepts the command, but every TLS handshake after it fails.",
    why: "Senders try TLS and fail on every connection: Postfix defers the mail (\"Cannot start TLS: handshake failure\") and retries later, Exim retries in clear text by default (tls_tempfail_tryclear); mail is delayed or crosses the network in clear text, and mail clients cannot connect securely at all.",
    instead: "Fix the TLS configuration (certificate and key readable and matching, protocols and ciphers enabled), or stop announcing STARTTLS until it works.",
    check: starttls_no_handshake,
};

fn starttls_no_handshake(i: &Input<'_>) -> Option<String> {
    (i.ctx.service.starttls().is_some() && no_tls(i).is_some()).then(|| {
        if i.ctx.is_relay() {
            "STARTTLS is announced and accepted but every TLS handshake fails: senders defer mail (Postfix) or retry in clear text (Exim); fix the certificate, key and TLS settings".to_owned()
        } else {
            "STARTTLS is announced and accepted but every TLS handshake fails: clients cannot connect securely; fix the certificate, key and TLS settings".to_owned()
        }
    })
}

/// No common sending MTA can negotiate TLS.
///
/// - What: on SMTP relay, the server completes TLS handshakes, but with versions, suites,
///   groups or signature schemes that none of the sending-MTA profiles of
///   [`crate::mta_profiles`] offers (only CCM_8, only FFDHE groups at TLS 1.3, …).
/// - Why: every such sender's handshake fails; they defer or fall back to clear text as if
///   STARTTLS were broken, while the server looks fine to a scanner.
/// - Instead: enable the suites and groups every MTA offers: TLS 1.3 with AES-GCM and
///   X25519/P-256, TLS 1.2 with ECDHE-RSA/ECDSA AES-GCM.
pub const NO_COMMON_MTA: Rule = Rule {
    id: "mail.no_common_mta",
    set: RuleSet::Mail,
    section: "RFC 7435 §3, RFC 3207 §4.1; sending-MTA profiles measured 2026-11-22 (mta_profiles) [synthesis]",
    severity: Severity::High,
    cap: None,
    what: "On SMTP relay, TLS works only with parameters that none of the common sending MTAs (Postfix on OpenSSL, Exim on GnuTLS) offers.",
    why: "Every such sender's handshake fails: mail is deferred or sent in clear text, although the server completes handshakes with a scanner.",
    instead: "Enable what every MTA offers: TLS 1.3 with TLS_AES_128_GCM_SHA256/TLS_AES_256_GCM_SHA384 and x25519/secp256r1, TLS 1.2 with ECDHE AES-GCM suites.",
    check: no_common_mta,
};

/// The profiles that fail, with the reason, when the rule applies.
fn failing_mtas(i: &Input<'_>) -> Option<(Vec<crate::mta_profiles::MtaOutcome>, usize)> {
    if !i.ctx.is_relay() || i.supported.is_empty() {
        return None;
    }
    let outcomes = crate::mta_profiles::simulate(i.findings);
    let total = outcomes.len();
    let failing: Vec<_> = outcomes.into_iter().filter(|o| !o.negotiates).collect();
    Some((failing, total))
}

fn describe(failing: &[crate::mta_profiles::MtaOutcome]) -> String {
    failing
        .iter()
        .map(|o| {
            let probably = if o.certain { "" } else { "probably " };
            format!("{}: {probably}{}", o.name, o.note.as_deref().unwrap_or("fails"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn no_common_mta(i: &Input<'_>) -> Option<String> {
    let (failing, total) = failing_mtas(i)?;
    (failing.len() == total).then(|| {
        format!(
            "no common sending MTA can negotiate TLS with this server: {}; enable TLS 1.3 AES-GCM with x25519 or TLS 1.2 ECDHE AES-GCM",
            describe(&failing)
        )
    })
}

/// Some common sending MTAs cannot negotiate TLS.
///
/// - What: on SMTP relay, at least one sending-MTA profile negotiates and at least one fails.
/// - Why: mail from the failing MTAs is deferred or sent in clear text.
/// - Instead: enable the suites and groups the failing MTAs offer (the message names them).
pub const SOME_MTAS_FAIL: Rule = Rule {
    id: "mail.some_mtas_fail",
    set: RuleSet::Mail,
    section: "RFC 7435 §3; sending-MTA profiles measured 2026-11-22 (mta_profiles) [synthesis]",
    severity: Severity::Medium,
    cap: None,
    what: "On SMTP relay, some common sending MTAs negotiate TLS with the server and others cannot.",
    why: "Mail from the MTAs that cannot negotiate is deferred or sent in clear text.",
    instead: "Enable a suite and group the failing MTAs offer (TLS 1.3 AES-GCM with x25519/secp256r1, or TLS 1.2 ECDHE AES-GCM).",
    check: some_mtas_fail,
};

fn some_mtas_fail(i: &Input<'_>) -> Option<String> {
    let (failing, total) = failing_mtas(i)?;
    (!failing.is_empty() && failing.len() < total).then(|| {
        format!(
            "{} of {total} common sending MTAs cannot negotiate TLS: {}",
            failing.len(),
            describe(&failing)
        )
    })
}
