//! RFC 9325 (BCP 195) requirements the scan can see, and one summary finding each for the
//! Mozilla intermediate profile and the NCSC-NL classes (the full lists are in the grading).

use crate::registry::{CipherMode, ProtocolVersion};
use crate::report::Severity;

use super::super::{Input, NcscClass, Profile};
use super::{Rule, RuleSet};

/// TLS 1.2 without extended master secret.
///
/// - What: TLS 1.2 is supported and the server does not negotiate RFC 7627 EMS.
/// - Why: without EMS, a man in the middle can synchronise two sessions' secrets (triple
///   handshake).
/// - Instead: a TLS library with EMS (OpenSSL 1.1.0+ enables it by default).
pub const NO_EXTENDED_MASTER_SECRET: Rule = Rule {
    id: "bcp195.no_extended_master_secret",
    set: RuleSet::Bcp195,
    section: "RFC 9325 §3.5 (TLS 1.2 MUST support RFC 7627); NCSC-NL 2025 requires it",
    severity: Severity::Medium,
    cap: None,
    what: "TLS 1.2 is supported without the extended master secret extension (RFC 7627).",
    why: "Without EMS the master secret is not bound to the handshake, which enables the triple-handshake attack on resumption and renegotiation.",
    instead: "Update the TLS library (OpenSSL 1.1.0 or later negotiates EMS by default).",
    check: no_extended_master_secret,
};

fn no_extended_master_secret(i: &Input<'_>) -> Option<String> {
    (i.supports(ProtocolVersion::TLSV1_2) && i.findings.features.extended_master_secret == Some(false))
        .then(|| "TLS 1.2 without extended master secret (RFC 7627): update the TLS library".to_owned())
}

/// CBC suites without encrypt-then-MAC.
///
/// - What: a CBC suite was negotiated and the server did not agree to RFC 7366.
/// - Why: MAC-then-encrypt is the root of padding-oracle attacks (Lucky13).
/// - Instead: AEAD suites, or encrypt-then-MAC for the CBC ones that remain.
pub const CBC_WITHOUT_ETM: Rule = Rule {
    id: "bcp195.cbc_without_etm",
    set: RuleSet::Bcp195,
    section: "RFC 9325 §4.2 (CBC suites SHOULD NOT be used without RFC 7366)",
    severity: Severity::Low,
    cap: None,
    what: "CBC suites are accepted and the server does not negotiate encrypt-then-MAC.",
    why: "CBC with MAC-then-encrypt leaks through padding and timing (Lucky13, POODLE-TLS); encrypt-then-MAC closes that.",
    instead: "Prefer AEAD suites and drop CBC; where CBC must stay, use a library with encrypt-then-MAC (OpenSSL 1.1.0+).",
    check: cbc_without_etm,
};

fn cbc_without_etm(i: &Input<'_>) -> Option<String> {
    if i.findings.features.encrypt_then_mac != Some(false) {
        return None;
    }
    let cbc = i.suite_names(|v, s| v < ProtocolVersion::TLSV1_3 && s.mode() == CipherMode::Cbc);
    (!cbc.is_empty()).then(|| {
        format!("{} CBC suite(s) without encrypt-then-MAC: prefer AEAD suites and drop CBC", cbc.len())
    })
}

/// Not compliant with Mozilla intermediate.
///
/// - What: any deviation from Mozilla's intermediate profile (guidelines 5.8).
/// - Why: intermediate is what Mozilla recommends for general-purpose servers.
/// - Instead: the intermediate configuration (ssl-config.mozilla.org has Postfix and
///   Dovecot).
pub const MOZILLA_INTERMEDIATE: Rule = Rule {
    id: "mozilla.intermediate",
    set: RuleSet::Mozilla,
    section: "Mozilla Server Side TLS 5.8, intermediate",
    severity: Severity::Low,
    cap: None,
    what: "The server deviates from Mozilla's intermediate profile (the general-purpose recommendation).",
    why: "Intermediate is the configuration Mozilla recommends for servers that need not support very old clients; each deviation is either a legacy option or a missing protection.",
    instead: "Apply the intermediate configuration from ssl-config.mozilla.org (it has Postfix and Dovecot).",
    check: mozilla_intermediate,
};

fn mozilla_intermediate(i: &Input<'_>) -> Option<String> {
    let v = i.mozilla.iter().find(|v| v.profile == Profile::Intermediate)?;
    (!v.compliant).then(|| {
        format!(
            "not Mozilla intermediate: {} (see ssl-config.mozilla.org for Postfix/Dovecot)",
            v.deviations.join("; ")
        )
    })
}

fn ncsc_subjects(i: &Input<'_>, class: NcscClass) -> Vec<String> {
    i.ncsc.iter().filter(|n| n.class == class).map(|n| n.subject.clone()).collect()
}

/// NCSC-NL insufficient items.
///
/// - What: any version, suite, group, certificate property or feature NCSC-NL rates
///   insufficient.
/// - Why: Internet.nl fails the test on them.
/// - Instead: the good or sufficient alternatives in the NCSC-NL guidelines.
pub const NCSC_INSUFFICIENT: Rule = Rule {
    id: "ncsc.insufficient",
    set: RuleSet::Ncsc,
    section: "NCSC-NL TLS guidelines 2025-05 (Internet.nl 1.11)",
    severity: Severity::Medium,
    cap: None,
    what: "Something the server offers is rated insufficient by NCSC-NL.",
    why: "Insufficient settings are those NCSC-NL considers unsafe; Internet.nl's mail test fails on them.",
    instead: "Remove them; keep TLS 1.3, TLS 1.2 with ECDHE AEAD suites, X25519/P-256/P-384, RSA ≥ 3072 or ECDSA P-256/P-384.",
    check: ncsc_insufficient,
};

fn ncsc_insufficient(i: &Input<'_>) -> Option<String> {
    let s = ncsc_subjects(i, NcscClass::Insufficient);
    (!s.is_empty()).then(|| format!("NCSC-NL insufficient: {}: remove or replace them", s.join(", ")))
}

/// NCSC-NL phase-out items.
///
/// - What: anything NCSC-NL rates "phase out".
/// - Why: acceptable today, to be removed; Internet.nl warns.
/// - Instead: the good or sufficient alternatives.
pub const NCSC_PHASE_OUT: Rule = Rule {
    id: "ncsc.phase_out",
    set: RuleSet::Ncsc,
    section: "NCSC-NL TLS guidelines 2025-05 (Internet.nl 1.11)",
    severity: Severity::Low,
    cap: None,
    what: "Something the server offers is rated 'phase out' by NCSC-NL.",
    why: "Phase-out settings are still acceptable but have better replacements and are on their way out; Internet.nl warns on them.",
    instead: "Plan their removal: ECDHE with AES-GCM/ChaCha20, ffdhe3072+ only if DHE must stay, RSA 3072 or ECDSA keys.",
    check: ncsc_phase_out,
};

fn ncsc_phase_out(i: &Input<'_>) -> Option<String> {
    let s = ncsc_subjects(i, NcscClass::PhaseOut);
    (!s.is_empty()).then(|| format!("NCSC-NL phase out: {}: plan their removal", s.join(", ")))
}
