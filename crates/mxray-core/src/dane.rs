//! DANE for SMTP (RFC 7672, RFC 6698, RFC 7671): the TLSA record model, its presentation
//! format with the RFC 7218 mnemonics, and the check of a set of TLSA records against the
//! certificate chain a server actually presented.
//!
//! # What counts (RFC 7672 §3.1)
//!
//! - **DANE-EE(3)** records match the leaf (the first certificate sent) only. Names, expiry
//!   and the rest of the chain are ignored: the key is the server's identity.
//! - **DANE-TA(2)** records match a certificate of the presented chain (the trust anchor
//!   must be sent by the server). The chain from the leaf up to that anchor must be signed
//!   link by link, every certificate below the anchor must be within its validity window,
//!   and the leaf must carry one of the reference names (the MX host name; RFC 7672 §3.2.2).
//! - **PKIX-TA(0)** and **PKIX-EE(1)** are not used for SMTP: a client treats them as
//!   unusable (§3.1.3). Unknown usages, selectors and matching types are unusable too, and so
//!   is a digest whose length does not fit its matching type. For other services
//!   (submission, IMAP, POP3, HTTPS: RFC 6698/7671) [`check_service`] uses them: a match
//!   counts only together with the caller's PKIX validation of the chain.
//! - TLSA records count only when their answer was **DNSSEC-secure** (§2.2). Records from an
//!   insecure or bogus answer are still matched here, for the report, but the verdict is
//!   [`DaneVerdict::NotSecure`].
//! - If records are published but none is usable, RFC 7672 §2.2 still requires TLS but no
//!   authentication: [`DaneVerdict::NoUsableRecords`].
//!
//! Hashes come from the `sha2` crate, the SubjectPublicKeyInfo and signatures from
//! x509-parser; the only hand-written code is the presentation-format parser (a handful of
//! fields and a hex string), bounded by [`MAX_ASSOCIATION_DATA`].

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256, Sha512};
use x509_parser::prelude::X509Certificate;

use crate::x509::info::{parse_cert, parse_der};
use crate::x509::names::{NameMatch, match_host};

/// The largest certificate association data accepted (a full certificate, matching type 0).
pub const MAX_ASSOCIATION_DATA: usize = 65_535;

/// The most certificates of a chain examined.
pub const MAX_CHAIN: usize = 16;

/// The TLSA certificate usage field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "u8")]
pub struct Usage(pub u8);

impl Usage {
    /// PKIX-TA(0): a CA constraint on PKIX validation.
    pub const PKIX_TA: Self = Self(0);
    /// PKIX-EE(1): a service certificate constraint on PKIX validation.
    pub const PKIX_EE: Self = Self(1);
    /// DANE-TA(2): a trust anchor for the chain.
    pub const DANE_TA: Self = Self(2);
    /// DANE-EE(3): the server's own certificate or key.
    pub const DANE_EE: Self = Self(3);

    /// The RFC 7218 mnemonic, `None` for unassigned values.
    pub fn mnemonic(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "PKIX-TA",
            1 => "PKIX-EE",
            2 => "DANE-TA",
            3 => "DANE-EE",
            255 => "PrivCert",
            _ => return None,
        })
    }
}

/// The TLSA selector field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "u8")]
pub struct Selector(pub u8);

impl Selector {
    /// Cert(0): the whole certificate.
    pub const CERT: Self = Self(0);
    /// SPKI(1): the SubjectPublicKeyInfo.
    pub const SPKI: Self = Self(1);

    /// The RFC 7218 mnemonic, `None` for unassigned values.
    pub fn mnemonic(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "Cert",
            1 => "SPKI",
            255 => "PrivSel",
            _ => return None,
        })
    }
}

/// The TLSA matching type field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "u8")]
pub struct Matching(pub u8);

impl Matching {
    /// Full(0): the selected content itself.
    pub const FULL: Self = Self(0);
    /// SHA2-256(1).
    pub const SHA2_256: Self = Self(1);
    /// SHA2-512(2).
    pub const SHA2_512: Self = Self(2);

    /// The RFC 7218 mnemonic, `None` for unassigned values.
    pub fn mnemonic(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "Full",
            1 => "SHA2-256",
            2 => "SHA2-512",
            255 => "PrivMatch",
            _ => return None,
        })
    }
}

macro_rules! into_u8 {
    ($($t:ty),*) => {$(
        impl From<$t> for u8 {
            fn from(v: $t) -> u8 {
                v.0
            }
        }
    )*};
}
into_u8!(Usage, Selector, Matching);

/// One TLSA record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Tlsa {
    /// Certificate usage.
    pub usage: Usage,
    /// Selector.
    pub selector: Selector,
    /// Matching type.
    pub matching: Matching,
    /// Certificate association data.
    #[serde(serialize_with = "hex_bytes")]
    pub data: Vec<u8>,
}

fn hex_bytes<S: serde::Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A TLSA presentation string that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsaError {
    /// Fewer than four fields.
    #[error("a TLSA record needs usage, selector, matching type and data; got {0:?}")]
    MissingFields(String),
    /// A field is neither a number 0–255 nor a known mnemonic.
    #[error("TLSA {field} {value:?} is neither a number 0-255 nor an RFC 7218 mnemonic")]
    BadField {
        /// Which field.
        field: &'static str,
        /// What was written.
        value: String,
    },
    /// The data is not hex.
    #[error("TLSA association data is not hex: {0}")]
    BadHex(String),
    /// The data is longer than [`MAX_ASSOCIATION_DATA`].
    #[error("TLSA association data of {0} bytes exceeds the limit of {MAX_ASSOCIATION_DATA}")]
    TooLong(usize),
}

impl Tlsa {
    /// Parses `3 1 1 0123…` or `DANE-EE SPKI SHA2-256 0123…` (mnemonics are case-insensitive;
    /// the hex may be split by white space, as in zone files).
    pub fn parse(text: &str) -> Result<Self, TlsaError> {
        let mut fields = text.split_whitespace();
        let (Some(u), Some(s), Some(m)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(TlsaError::MissingFields(text.chars().take(80).collect()));
        };
        let usage = Usage(field("usage", u, &["PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"])?);
        let selector = Selector(field("selector", s, &["Cert", "SPKI"])?);
        let matching = Matching(field("matching type", m, &["Full", "SHA2-256", "SHA2-512"])?);
        let hex_text: String = fields.collect();
        if hex_text.is_empty() {
            return Err(TlsaError::MissingFields(text.chars().take(80).collect()));
        }
        if hex_text.len() / 2 > MAX_ASSOCIATION_DATA {
            return Err(TlsaError::TooLong(hex_text.len() / 2));
        }
        Ok(Self { usage, selector, matching, data: unhex(&hex_text)? })
    }

    /// `3 1 1 0123…`, the zone-file form.
    pub fn to_presentation(&self) -> String {
        format!("{} {} {} {}", self.usage.0, self.selector.0, self.matching.0, hex(&self.data))
    }

    /// `DANE-EE SPKI SHA2-256`, numbers where no mnemonic exists.
    pub fn mnemonics(&self) -> String {
        let or_num = |m: Option<&'static str>, n: u8| m.map_or_else(|| n.to_string(), str::to_owned);
        format!(
            "{} {} {}",
            or_num(self.usage.mnemonic(), self.usage.0),
            or_num(self.selector.mnemonic(), self.selector.0),
            or_num(self.matching.mnemonic(), self.matching.0),
        )
    }

    /// Why this record cannot be used by an SMTP client, or `None` if it can (RFC 7672 §3.1).
    pub fn unusable_reason(&self) -> Option<Unusable> {
        match self.usage {
            Usage::PKIX_TA | Usage::PKIX_EE => return Some(Unusable::PkixUsage),
            Usage::DANE_TA | Usage::DANE_EE => {}
            _ => return Some(Unusable::UnknownUsage),
        }
        if !matches!(self.selector, Selector::CERT | Selector::SPKI) {
            return Some(Unusable::UnknownSelector);
        }
        let want = match self.matching {
            Matching::FULL => None,
            Matching::SHA2_256 => Some(32),
            Matching::SHA2_512 => Some(64),
            _ => return Some(Unusable::UnknownMatching),
        };
        match want {
            Some(len) if self.data.len() != len => Some(Unusable::DigestLength { expected: len }),
            None if self.data.is_empty() => Some(Unusable::DigestLength { expected: 1 }),
            _ => None,
        }
    }
}

impl fmt::Display for Tlsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_presentation())
    }
}

fn field(name: &'static str, text: &str, mnemonics: &[&str]) -> Result<u8, TlsaError> {
    if let Ok(n) = text.parse::<u8>() {
        return Ok(n);
    }
    mnemonics
        .iter()
        .position(|m| m.eq_ignore_ascii_case(text))
        .and_then(|i| u8::try_from(i).ok())
        .ok_or_else(|| TlsaError::BadField { field: name, value: text.chars().take(40).collect() })
}

fn unhex(text: &str) -> Result<Vec<u8>, TlsaError> {
    if !text.len().is_multiple_of(2) {
        return Err(TlsaError::BadHex(format!("odd number of digits ({})", text.len())));
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| TlsaError::BadHex(format!("{:?}", String::from_utf8_lossy(pair))))
        })
        .collect()
}

/// Why a TLSA record is not usable for SMTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Unusable {
    /// PKIX-TA(0) or PKIX-EE(1): not used for SMTP (RFC 7672 §3.1.3).
    PkixUsage,
    /// Usage not assigned.
    UnknownUsage,
    /// Selector not assigned.
    UnknownSelector,
    /// Matching type not assigned.
    UnknownMatching,
    /// The digest length does not fit the matching type.
    DigestLength {
        /// Bytes the matching type produces.
        expected: usize,
    },
}

impl fmt::Display for Unusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PkixUsage => f.write_str("PKIX-TA/PKIX-EE usages are not used for SMTP (RFC 7672 3.1.3)"),
            Self::UnknownUsage => f.write_str("unassigned certificate usage"),
            Self::UnknownSelector => f.write_str("unassigned selector"),
            Self::UnknownMatching => f.write_str("unassigned matching type"),
            Self::DigestLength { expected } => write!(f, "association data is not {expected} bytes"),
        }
    }
}

/// The association data a certificate yields for a selector and matching type.
pub fn association_data(cert_der: &[u8], selector: Selector, matching: Matching) -> Option<Vec<u8>> {
    let cert = parse_cert(cert_der, 0).ok()?;
    association_of(&cert, cert_der, selector, matching)
}

fn association_of(
    cert: &X509Certificate<'_>,
    der: &[u8],
    selector: Selector,
    matching: Matching,
) -> Option<Vec<u8>> {
    let content = match selector {
        Selector::CERT => der,
        Selector::SPKI => cert.tbs_certificate.subject_pki.raw,
        _ => return None,
    };
    Some(match matching {
        Matching::FULL => content.to_vec(),
        Matching::SHA2_256 => Sha256::digest(content).to_vec(),
        Matching::SHA2_512 => Sha512::digest(content).to_vec(),
        _ => return None,
    })
}

/// How trustworthy the DNS answer that carried the TLSA records was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsaAuthenticity {
    /// DNSSEC-validated: the records may be used.
    Secure,
    /// Insecure, bogus or not validated: the records must not be used.
    NotSecure,
}

/// What happened to one TLSA record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum RecordOutcome {
    /// The record matched certificate `certificate` (0 = leaf) and every RFC 7672 condition
    /// for its usage holds.
    Match {
        /// The index in the presented chain.
        certificate: usize,
    },
    /// A DANE-TA record matched certificate `certificate`, but the chain below it fails
    /// (signature, validity or name): listed in `problems`.
    TaMatchChainFails {
        /// The index of the trust anchor in the presented chain.
        certificate: usize,
        /// What failed.
        problems: Vec<String>,
    },
    /// No certificate of the chain matches.
    NoMatch,
    /// The record cannot be used (see [`Unusable`]).
    Unusable {
        /// Why.
        reason: Unusable,
    },
}

/// One record and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordResult {
    /// The record.
    pub record: Tlsa,
    /// `DANE-EE SPKI SHA2-256`.
    pub mnemonics: String,
    /// What happened.
    pub outcome: RecordOutcome,
}

/// The overall DANE result for one server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DaneVerdict {
    /// No TLSA records: DANE does not apply.
    NoRecords,
    /// Records exist but their answer was not DNSSEC-secure: they must be ignored.
    NotSecure,
    /// Secure records, none usable: TLS is mandatory, authentication is not possible.
    NoUsableRecords,
    /// At least one usable record matched: the server is authenticated.
    Authenticated,
    /// Usable records, none matched: a DANE client refuses to deliver (defers the mail).
    Mismatch,
    /// Records exist but no certificate chain was obtained (no TLS, or the handshake failed).
    NoCertificate,
}

impl DaneVerdict {
    /// A short word for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoRecords => "none",
            Self::NotSecure => "not secure",
            Self::NoUsableRecords => "unusable",
            Self::Authenticated => "match",
            Self::Mismatch => "MISMATCH",
            Self::NoCertificate => "no certificate",
        }
    }
}

/// The DANE check of one server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DaneReport {
    /// The verdict.
    pub verdict: DaneVerdict,
    /// Each record and what it matched.
    pub records: Vec<RecordResult>,
    /// The RFC 7672 consequences, one sentence each.
    pub notes: Vec<String>,
}

/// What [`check`] needs.
#[derive(Clone, Copy, Debug)]
pub struct DaneInput<'a> {
    /// The TLSA RRset (`_25._tcp.MX`).
    pub records: &'a [Tlsa],
    /// Whether that answer was DNSSEC-secure.
    pub authenticity: TlsaAuthenticity,
    /// The chain the server presented, DER, leaf first (empty if none was obtained).
    pub chain: &'a [Vec<u8>],
    /// The reference names for DANE-TA (the MX host name, and the TLSA base domain if it
    /// differs after CNAME expansion), without trailing dot or with it.
    pub names: &'a [&'a str],
    /// Now, unix seconds (DANE-TA checks validity; DANE-EE does not).
    pub now: i64,
}

/// Checks TLSA records against a presented chain (see the module doc for the rules).
pub fn check(input: &DaneInput<'_>) -> DaneReport {
    check_with(input, None)
}

/// The check for a service other than SMTP (RFC 6698 §2.1.1, RFC 7671): PKIX-TA(0) and
/// PKIX-EE(1) are usable there. `pkix` is the caller's PKIX validation of the chain for the
/// service name (`Err(reason)` when it fails). A PKIX-EE record matches the leaf; a PKIX-TA
/// record matches a certificate of the presented chain (a trust anchor the server does not
/// send cannot be matched here); either counts only when PKIX validation succeeds, else its
/// outcome is [`RecordOutcome::TaMatchChainFails`] with the reason. DANE-TA and DANE-EE are
/// judged as for SMTP, with `names` the service's name.
pub fn check_service(input: &DaneInput<'_>, pkix: &Result<(), String>) -> DaneReport {
    check_with(input, Some(pkix))
}

fn check_with(input: &DaneInput<'_>, pkix: Option<&Result<(), String>>) -> DaneReport {
    let mut notes = Vec::new();
    if input.records.is_empty() {
        return DaneReport { verdict: DaneVerdict::NoRecords, records: Vec::new(), notes };
    }
    let chain = &input.chain[..input.chain.len().min(MAX_CHAIN)];
    let parsed: Vec<Option<X509Certificate<'_>>> =
        chain.iter().enumerate().map(|(i, der)| parse_cert(der, i).ok()).collect();
    let records: Vec<RecordResult> = input
        .records
        .iter()
        .map(|r| RecordResult {
            record: r.clone(),
            mnemonics: r.mnemonics(),
            outcome: outcome(r, chain, &parsed, input, pkix),
        })
        .collect();

    let usable = records.iter().filter(|r| !matches!(r.outcome, RecordOutcome::Unusable { .. })).count();
    let matched = records.iter().any(|r| matches!(r.outcome, RecordOutcome::Match { .. }));
    if records
        .iter()
        .any(|r| r.record.usage == Usage::DANE_EE && matches!(r.outcome, RecordOutcome::Match { .. }))
    {
        notes.push(
            "DANE-EE(3) matched: the certificate's names and expiry are not checked (RFC 7672 3.1.1)".into(),
        );
    }
    if records
        .iter()
        .any(|r| r.record.usage == Usage::DANE_TA && matches!(r.outcome, RecordOutcome::Match { .. }))
    {
        notes.push(
            "DANE-TA(2) matched: the chain to the anchor, its validity and the MX host name were checked \
             (RFC 7672 3.1.2)"
                .into(),
        );
    }
    if pkix.is_some()
        && records.iter().any(|r| {
            matches!(r.record.usage, Usage::PKIX_TA | Usage::PKIX_EE)
                && matches!(r.outcome, RecordOutcome::Match { .. })
        })
    {
        notes.push("a PKIX record matched and the chain validates for the name (RFC 6698 2.1.1)".into());
    }
    if records.iter().any(|r| matches!(r.outcome, RecordOutcome::Unusable { reason: Unusable::PkixUsage })) {
        notes.push("PKIX-TA(0)/PKIX-EE(1) records are ignored by SMTP clients (RFC 7672 3.1.3)".into());
    }
    // SMTP (RFC 7672) and other services (RFC 6698/7671) differ in what a client does.
    let service = pkix.is_some();
    let verdict = if input.authenticity == TlsaAuthenticity::NotSecure {
        notes.push(if service {
            "the TLSA answer is not DNSSEC-secure, so a DANE client ignores it and relies on PKIX alone \
             (RFC 6698 4.1)"
                .into()
        } else {
            "the TLSA answer is not DNSSEC-secure, so a DANE client ignores it and falls back to \
             opportunistic TLS (RFC 7672 2.2)"
                .into()
        });
        DaneVerdict::NotSecure
    } else if usable == 0 {
        notes.push(if service {
            "no usable TLSA record: a DANE client authenticates the server with PKIX alone (RFC 6698 4.1)"
                .into()
        } else {
            "no usable TLSA record: a DANE client still requires TLS but cannot authenticate the server \
             (RFC 7672 2.2)"
                .into()
        });
        DaneVerdict::NoUsableRecords
    } else if chain.is_empty() {
        let consequence = if service { "refuses the connection" } else { "defers delivery" };
        notes.push(format!(
            "usable TLSA records but no certificate was obtained: a DANE client {consequence}"
        ));
        DaneVerdict::NoCertificate
    } else if matched {
        DaneVerdict::Authenticated
    } else {
        let consequence = if service { "refuses the connection" } else { "defers delivery" };
        notes.push(format!("no usable TLSA record matches the presented chain: a DANE client {consequence}"));
        DaneVerdict::Mismatch
    };
    DaneReport { verdict, records, notes }
}

fn outcome(
    record: &Tlsa,
    chain: &[Vec<u8>],
    parsed: &[Option<X509Certificate<'_>>],
    input: &DaneInput<'_>,
    pkix: Option<&Result<(), String>>,
) -> RecordOutcome {
    let pkix_usage = matches!(record.usage, Usage::PKIX_TA | Usage::PKIX_EE);
    match (record.unusable_reason(), pkix) {
        (Some(Unusable::PkixUsage), Some(_)) => {}
        (Some(reason), _) => return RecordOutcome::Unusable { reason },
        (None, _) => {}
    }
    let matches_at = |i: usize| {
        parsed[i].as_ref().and_then(|c| association_of(c, &chain[i], record.selector, record.matching))
            == Some(record.data.clone())
    };
    if let (true, Some(pkix)) = (pkix_usage, pkix) {
        let found = if record.usage == Usage::PKIX_EE {
            (!chain.is_empty() && matches_at(0)).then_some(0)
        } else {
            (0..chain.len()).find(|&i| matches_at(i))
        };
        return match (found, pkix) {
            (None, _) => RecordOutcome::NoMatch,
            (Some(certificate), Ok(())) => RecordOutcome::Match { certificate },
            (Some(certificate), Err(why)) => RecordOutcome::TaMatchChainFails {
                certificate,
                problems: vec![format!("PKIX validation fails: {why}")],
            },
        };
    }
    if record.usage == Usage::DANE_EE {
        return if !chain.is_empty() && matches_at(0) {
            RecordOutcome::Match { certificate: 0 }
        } else {
            RecordOutcome::NoMatch
        };
    }
    // DANE-TA: the nearest matching certificate above or at the leaf.
    let Some(anchor) = (0..chain.len()).find(|&i| matches_at(i)) else { return RecordOutcome::NoMatch };
    let problems = ta_chain_problems(chain, parsed, anchor, input);
    if problems.is_empty() {
        RecordOutcome::Match { certificate: anchor }
    } else {
        RecordOutcome::TaMatchChainFails { certificate: anchor, problems }
    }
}

/// For DANE-TA: signatures from the leaf up to `anchor`, validity below the anchor, names.
fn ta_chain_problems(
    chain: &[Vec<u8>],
    parsed: &[Option<X509Certificate<'_>>],
    anchor: usize,
    input: &DaneInput<'_>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for i in 0..anchor {
        let (Some(cert), Some(issuer)) = (&parsed[i], &parsed[i + 1]) else {
            problems.push(format!("certificate {i} or {} does not parse", i + 1));
            continue;
        };
        if cert.verify_signature(Some(issuer.public_key())).is_err() {
            problems.push(format!("certificate {i} is not signed by certificate {}", i + 1));
        }
    }
    for (i, cert) in parsed.iter().enumerate().take(anchor) {
        let Some(cert) = cert else { continue };
        let validity = cert.validity();
        if input.now < validity.not_before.timestamp() {
            problems.push(format!("certificate {i} is not valid yet"));
        } else if input.now > validity.not_after.timestamp() {
            problems.push(format!("certificate {i} has expired"));
        }
    }
    // The leaf is always below or at the anchor; a self-anchored leaf still needs the name.
    match parse_der(&chain[0], 0) {
        Ok(leaf) => {
            let named = input.names.iter().any(|n| !matches!(match_host(&leaf, n), NameMatch::Mismatch));
            if !named {
                problems.push(format!("the leaf names none of {}", input.names.join(", ")));
            }
        }
        Err(e) => problems.push(format!("the leaf does not parse: {e}")),
    }
    problems
}

#[cfg(test)]
mod tests;
