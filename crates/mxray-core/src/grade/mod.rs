//! Grading: what a scan found, judged by the published rule sets, as data plus small
//! functions.
//!
//! [`grade`] takes the planners' [`TlsFindings`], what is known about the certificate
//! ([`CertFacts`], filled by the caller from the x509 analysis) and where the endpoint sits
//! in the mail system ([`MailContext`]), and returns a [`Grading`]:
//!
//! - `letter`: an SSL-Labs-style letter (A+ … F, T, M), computed as testssl.sh computes the
//!   SSL Labs Rating Guide (see [`letter`](mod@letter)), with the caps that applied (`caps`);
//! - `mozilla`: compliance with Mozilla's modern, intermediate and old profiles, with every
//!   deviation listed (see [`mozilla`](mod@mozilla); guidelines 5.8, for the reason given there);
//! - `ncsc`: the NCSC-NL class of every version, suite, group, DH group, certificate property
//!   and protocol feature (NCSC-NL TLS guidelines 2025-05 as Internet.nl implements them, see
//!   [`ncsc`](mod@ncsc));
//! - `mail`: the mail posture verdict, which knows opportunistic TLS (RFC 7435, see
//!   [`mail`](mod@mail));
//! - `findings`: one per triggered rule, each with a stable id, severity, a one-line reason to
//!   act on, and the rule set and section it comes from.
//!
//! Every rule is one item in [`rules`]: a stable id, a three-part doc (what it checks, why it
//! is weak, what to use instead), a message function and a table test (STYLE item 11). The
//! table [`rules::RULES`] feeds `mxray explain ID`.
//!
//! `Option` fields mean "not known": a rule never fires on an unknown, and the docs of each
//! type say what the caller must fill. Sources are the files under
//! `shared/reference/GRADING.md`; its section numbers are quoted in the rules.
//!
//! # Mail adaptation of the letter
//!
//! The SSL Labs letter is web-shaped. Two changes make it fit mail, both from GRADING.md
//! §13.6 (a synthesis of RFC 7435, RFC 9325 §7.1 and Internet.nl's mail scoring):
//!
//! - On SMTP relay (port 25) with neither DANE nor MTA-STS promising authentication, the
//!   certificate trust, name and expiry caps (T, M) are not applied: nobody checks them, and
//!   encryption without authentication beats cleartext. An info finding says so.
//! - testssl.sh's own "STARTTLS ⇒ T" cap is not applied (STARTTLS is the only way on 25).
//!
//! HSTS and HPKP, which SSL Labs needs for A+, do not apply to mail: A+ is an A without any
//! cap or warning.

use serde::Serialize;

use crate::probe::TlsFindings;
use crate::registry::{CipherCode, CipherSuiteInfo, NamedGroup, ProtocolVersion};
use crate::report::Severity;
use crate::target::Service;

mod facts;
pub mod letter;
pub mod mail;
pub mod mozilla;
pub mod ncsc;
pub mod rules;

#[cfg(test)]
mod tests;

/// The hash of a certificate signature: the x509 analysis's own type.
pub use crate::x509::SignatureHash;
pub use letter::{Grade, Scores};
pub use mail::{MailVerdict, Verdict};
pub use mozilla::{Profile, ProfileVerdict};
pub use ncsc::{NcscClass, NcscItem, NcscKind};
pub use rules::{RULES, Rule, RuleSet, explain};

/// The kind of a public key (certificate key or signing key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// RSA (PKCS #1 or PSS key).
    Rsa,
    /// DSA.
    Dsa,
    /// ECDSA on a named curve.
    Ecdsa,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// Anything else (GOST, SM2, ML-DSA, unknown OIDs).
    Other,
}

/// The leaf certificate's public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CertKey {
    /// The algorithm.
    pub kind: KeyKind,
    /// Modulus bits (RSA, DSA), field bits (EC: 256 for P-256, 255 for Ed25519).
    pub bits: u32,
    /// The named curve of an ECDSA key (`NamedGroup::SECP256R1`); `None` for other keys or
    /// explicit curve parameters.
    pub curve: Option<NamedGroup>,
}

/// The signature algorithm of a certificate (the issuer's signature on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// RSASSA-PKCS1-v1_5 (`sha256WithRSAEncryption`).
    RsaPkcs1,
    /// RSASSA-PSS.
    RsaPss,
    /// DSA.
    Dsa,
    /// ECDSA (`ecdsa-with-SHA256`).
    Ecdsa,
    /// Ed25519.
    Ed25519,
    /// Ed448.
    Ed448,
    /// Anything else.
    Other,
}

/// A certificate signature algorithm: algorithm and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CertSignature {
    /// The algorithm.
    pub kind: SignatureKind,
    /// The hash.
    pub hash: SignatureHash,
}

/// What the grading rules need to know about the certificate the endpoint presents (the
/// leaf, and the chain's verdicts). The caller maps the x509 analysis onto it; every `None`
/// means "not known" and no rule fires on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CertFacts {
    /// The leaf's public key.
    pub key: Option<CertKey>,
    /// The leaf's signature algorithm (the hash its issuer used).
    pub signature: Option<CertSignature>,
    /// The chain leads to a trusted root (the root store in use, or `--ca`).
    pub trusted: Option<bool>,
    /// The host name (MX name, SNI) matches the leaf's names (RFC 6125).
    pub name_matches: Option<bool>,
    /// The leaf is expired or not yet valid at the scan time.
    pub expired: Option<bool>,
    /// The leaf is self-signed.
    pub self_signed: Option<bool>,
    /// Days between notBefore and notAfter of the leaf.
    pub lifespan_days: Option<u32>,
    /// A stapled OCSP response whose signature verifies says the leaf is revoked.
    pub revoked: Option<bool>,
    /// The chain lacks an intermediate: the issuer of its top certificate is neither sent
    /// nor a known root.
    pub incomplete_chain: Option<bool>,
    /// The weakest signature hash on a sent intermediate (a certificate of the leaf's path
    /// other than the leaf and a self-signed root); `None` without intermediates.
    pub intermediate_hash: Option<SignatureHash>,
    /// The smallest RSA key of a sent intermediate, in bits; `None` without RSA ones.
    pub intermediate_rsa_bits: Option<u32>,
    /// The certificates are not sent in issuing order (leaf, its issuer, …).
    pub out_of_order: Option<bool>,
    /// Sent certificates that are not on the leaf's path.
    pub extra_certificates: Option<usize>,
}

impl CertFacts {
    /// True when something known says the certificate does not validate: untrusted,
    /// self-signed, expired, or for another name.
    pub fn fails_validation(&self) -> bool {
        self.trusted == Some(false)
            || self.self_signed == Some(true)
            || self.expired == Some(true)
            || self.name_matches == Some(false)
    }
}

/// Where the endpoint sits in the mail system: what its clients expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MailContext {
    /// The service (from the target: port 25 is [`Service::Smtp`], 587 `Submission`, 465
    /// `Smtps`, 993 `Imaps`, 995 `Pop3s`, …).
    pub service: Service,
    /// The domain publishes DANE TLSA records for this MX host (RFC 7672): senders that do
    /// DANE require TLS and a matching certificate.
    pub dane_promised: bool,
    /// The TLSA records match the chain presented (DANE-EE or DANE-TA authenticated);
    /// `None` when not checked.
    pub dane_authenticated: Option<bool>,
    /// The domain publishes an MTA-STS policy in mode `enforce` that lists this MX (RFC
    /// 8461): senders require PKIX validation, the name and TLS 1.2. (In `testing` mode they
    /// deliver anyway and report; `mxray domain` shows that in its MTA-STS column.)
    pub mta_sts_enforced: bool,
}

impl MailContext {
    /// A context for `service` with no DANE and no MTA-STS.
    pub const fn new(service: Service) -> Self {
        Self { service, dane_promised: false, dane_authenticated: None, mta_sts_enforced: false }
    }

    /// SMTP relay on port 25 (also LMTP is not: it is a local, configured hop).
    pub fn is_relay(&self) -> bool {
        self.service == Service::Smtp
    }

    /// True when clients of this endpoint check the certificate by PKIX: every
    /// client-facing service (submission, IMAP, POP3, ManageSieve, HTTPS, plain TLS), and
    /// SMTP relay when MTA-STS is enforced or DANE is promised without a known TLSA match.
    pub fn certificate_must_validate(&self) -> bool {
        !self.is_relay()
            || self.mta_sts_enforced
            || (self.dane_promised && self.dane_authenticated != Some(true))
    }
}

/// One cap on the letter, from a triggered rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cap {
    /// The rule's id.
    pub rule: &'static str,
    /// The best letter the rule allows (`A-` for a warning).
    pub letter: Grade,
    /// Why, as the rule's message.
    pub reason: String,
}

/// One triggered rule: what to act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GradeFinding {
    /// The rule's stable id (`ssllabs.tls10_tls11`).
    pub id: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// One line saying what was found and what to do.
    pub message: String,
    /// The rule set.
    pub set: RuleSet,
    /// The section of the rule set (`Rating Guide 2009q`).
    pub section: &'static str,
}

/// Everything the grading concluded about one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Grading {
    /// The letter: `A+`, `A`, `A-`, `B`, `C`, `D`, `E`, `F`, or `T` (certificate not
    /// trusted) / `M` (certificate name mismatch).
    pub letter: Grade,
    /// The letter if certificate trust and name were ignored (SSL Labs shows it beside T/M).
    pub letter_ignoring_trust: Grade,
    /// The category scores behind the letter.
    pub scores: Scores,
    /// The caps that applied, lowest letter first.
    pub caps: Vec<Cap>,
    /// Mozilla modern, intermediate, old.
    pub mozilla: [ProfileVerdict; 3],
    /// The NCSC-NL class of every version, suite, group and certificate property.
    pub ncsc: Vec<NcscItem>,
    /// The mail posture.
    pub mail: MailVerdict,
    /// Every triggered rule, most severe first.
    pub findings: Vec<GradeFinding>,
}

/// What the rules look at: the scan, the certificate, the context, and what is derived from
/// them once (the accepted suites, the Mozilla and NCSC verdicts).
#[derive(Debug)]
pub struct Input<'a> {
    /// The scan.
    pub findings: &'a TlsFindings,
    /// The certificate, if analysed.
    pub cert: Option<&'a CertFacts>,
    /// Where the endpoint sits.
    pub ctx: &'a MailContext,
    /// Versions the server supports, oldest first.
    pub supported: Vec<ProtocolVersion>,
    /// Accepted suites with known properties, per version (duplicates across versions kept).
    pub suites: Vec<(ProtocolVersion, &'static CipherSuiteInfo)>,
    /// Mozilla verdicts (modern, intermediate, old).
    pub mozilla: [ProfileVerdict; 3],
    /// NCSC-NL classes.
    pub ncsc: Vec<NcscItem>,
}

impl<'a> Input<'a> {
    /// Derives what the rules share from the scan.
    pub fn new(findings: &'a TlsFindings, cert: Option<&'a CertFacts>, ctx: &'a MailContext) -> Self {
        let mut supported: Vec<ProtocolVersion> =
            findings.versions.iter().filter(|v| v.supported == Some(true)).map(|v| v.version).collect();
        supported.sort();
        let suites = findings
            .versions
            .iter()
            .filter(|v| v.supported == Some(true))
            .flat_map(|v| v.suites.iter().filter_map(move |s| s.code.info().map(|i| (v.version, i))))
            .filter(|(_, i)| !i.scsv)
            .collect();
        let mut input =
            Self { findings, cert, ctx, supported, suites, mozilla: mozilla::empty(), ncsc: Vec::new() };
        input.mozilla = mozilla::verdicts(&input);
        input.ncsc = ncsc::classify(&input);
        input
    }

    /// True if the server supports `version`.
    pub fn supports(&self, version: ProtocolVersion) -> bool {
        self.supported.contains(&version)
    }

    /// The newest supported version.
    pub fn best_version(&self) -> Option<ProtocolVersion> {
        self.supported.last().copied()
    }

    /// Accepted suites matching `pred`, by name (OpenSSL name where there is one), each once.
    pub fn suite_names(&self, pred: impl Fn(ProtocolVersion, &CipherSuiteInfo) -> bool) -> Vec<String> {
        let mut seen: Vec<CipherCode> = Vec::new();
        let mut out = Vec::new();
        for &(v, info) in &self.suites {
            if pred(v, info) && !seen.contains(&info.code) {
                seen.push(info.code);
                out.push(info.openssl.unwrap_or(info.name).to_owned());
            }
        }
        out
    }
}

/// Grades one endpoint. See the module documentation.
pub fn grade(findings: &TlsFindings, cert: Option<&CertFacts>, ctx: &MailContext) -> Grading {
    let input = Input::new(findings, cert, ctx);
    let mut out: Vec<GradeFinding> = Vec::new();
    let mut caps: Vec<Cap> = Vec::new();
    for rule in RULES {
        if let Some(message) = (rule.check)(&input) {
            if let Some(letter) = rule.cap {
                caps.push(Cap { rule: rule.id, letter, reason: message.clone() });
            }
            out.push(GradeFinding {
                id: rule.id,
                severity: rule.severity,
                message,
                set: rule.set,
                section: rule.section,
            });
        }
    }
    caps.sort_by_key(|c| c.letter.rank());
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    let scores = Scores::of(&input);
    let (letter, letter_ignoring_trust) = letter::letter(&scores, &caps);
    let mail = mail::verdict(&input, letter_ignoring_trust, &out);
    Grading {
        letter,
        letter_ignoring_trust,
        scores,
        caps,
        mozilla: input.mozilla.clone(),
        ncsc: input.ncsc.clone(),
        mail,
        findings: out,
    }
}
