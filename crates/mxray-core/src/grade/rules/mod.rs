//! The grading rules, one item each: a stable id, the rule set and section it comes from, a
//! three-part doc (what it checks, why it is weak, what to use instead), a severity, an
//! optional cap on the letter, and a message function that returns the one line a person
//! acts on, or `None` when the rule does not fire.
//!
//! [`RULES`] lists them all; [`explain`] finds one by id for `mxray explain ID`. Ids are
//! stable: rename never, retire by keeping the id out of new reports.
//!
//! Families: [`ssllabs`] (the letter caps of the SSL Labs Rating Guide), [`cert`]
//! (certificate trust and name, applied where clients check them), [`mail`] (mail posture:
//! RFC 7435, 7672, 8461, 8314/8997), [`standards`] (RFC 9325, and one summary finding each
//! for the Mozilla and NCSC-NL verdicts).

use serde::Serialize;

use crate::report::Severity;

use super::{Grade, Input};

pub mod cert;
pub mod mail;
pub mod ssllabs;
pub mod standards;

/// The rule set a rule comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum RuleSet {
    /// Qualys SSL Labs SSL Server Rating Guide (2009k text, later versions as testssl.sh
    /// implements them).
    #[serde(rename = "ssl-labs")]
    SslLabs,
    /// Mozilla Server Side TLS guidelines.
    #[serde(rename = "mozilla")]
    Mozilla,
    /// NCSC-NL TLS guidelines (as Internet.nl implements them).
    #[serde(rename = "ncsc-nl")]
    Ncsc,
    /// RFC 9325 (BCP 195).
    #[serde(rename = "bcp195")]
    Bcp195,
    /// The mail RFCs: opportunistic TLS (RFC 7435), DANE (RFC 7672), MTA-STS (RFC 8461),
    /// submission and access (RFC 8314, RFC 8997).
    #[serde(rename = "mail")]
    Mail,
}

/// One grading rule.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Rule {
    /// Stable id (`ssllabs.tls10_tls11`).
    pub id: &'static str,
    /// The rule set.
    pub set: RuleSet,
    /// The section of the rule set, with its version or date.
    pub section: &'static str,
    /// How much a hit matters.
    pub severity: Severity,
    /// The best letter allowed when the rule fires (`A-` for a warning).
    pub cap: Option<Grade>,
    /// What it checks.
    pub what: &'static str,
    /// Why that is weak.
    pub why: &'static str,
    /// What to use instead.
    pub instead: &'static str,
    /// The one-line message when the rule fires.
    #[serde(skip)]
    pub check: fn(&Input<'_>) -> Option<String>,
}

/// Every rule, in the order findings are produced.
pub static RULES: &[Rule] = &[
    ssllabs::SSLV2,
    ssllabs::SSLV3,
    ssllabs::SSLV3_BEST,
    ssllabs::TLS10_TLS11,
    ssllabs::NO_TLS12,
    ssllabs::NO_TLS13,
    ssllabs::RC4,
    ssllabs::RC4_MODERN,
    ssllabs::RC4_ONLY,
    ssllabs::SWEET32,
    ssllabs::CIPHER_BELOW_112,
    ssllabs::EXPORT,
    ssllabs::ANONYMOUS,
    ssllabs::NO_FORWARD_SECRECY,
    ssllabs::NO_AEAD,
    ssllabs::DH_BELOW_1024,
    ssllabs::DH_BELOW_2048,
    ssllabs::COMPRESSION,
    ssllabs::NO_SECURE_RENEGOTIATION,
    ssllabs::KEY_INSECURE,
    ssllabs::KEY_WEAK,
    cert::MD5_SIGNATURE,
    cert::SHA1_SIGNATURE,
    cert::UNTRUSTED,
    cert::SELF_SIGNED,
    cert::EXPIRED,
    cert::NAME_MISMATCH,
    cert::REVOKED,
    cert::INCOMPLETE_CHAIN,
    cert::WEAK_INTERMEDIATE,
    cert::CHAIN_ORDER,
    cert::EXTRA_CERTIFICATES,
    mail::NO_TLS,
    mail::TLS12_REQUIRED,
    mail::DANE_MISMATCH,
    mail::OPPORTUNISTIC_CERTIFICATE,
    mail::STARTTLS_NO_HANDSHAKE,
    mail::NO_COMMON_MTA,
    mail::SOME_MTAS_FAIL,
    standards::NO_EXTENDED_MASTER_SECRET,
    standards::CBC_WITHOUT_ETM,
    standards::MOZILLA_INTERMEDIATE,
    standards::NCSC_INSUFFICIENT,
    standards::NCSC_PHASE_OUT,
];

/// The rule with `id`, for `mxray explain ID`.
pub fn explain(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}
