//! Mail policy records published in DNS and over HTTPS: MTA-STS (RFC 8461), TLS-RPT
//! (RFC 8460), SPF (RFC 7208) and DMARC (RFC 7489).
//!
//! Everything here is sans-IO: the caller resolves the TXT records (and fetches the
//! MTA-STS policy file, see `mxray_net::mta_sts`) and hands over the text. Each check
//! returns a typed result with [`Finding`]s (stable id, [`Severity`], one line an
//! administrator can act on), the same shape the scan report and the grading use.
//!
//! - [`mta_sts`]: the `_mta-sts` TXT record, the policy file, MX pattern matching (§4.1)
//!   and what each mode means for every MX host.
//! - [`tlsrpt`]: the `_smtp._tls` TXT record.
//! - [`spf`]: the `v=spf1` record: selection, term syntax, `all` qualifier, the
//!   DNS-lookup count of the record's own terms.
//! - [`dmarc`]: the `_dmarc` TXT record: tags, values and a policy-strength summary.
//!
//! ## Why the grammars are written by hand
//!
//! The four grammars are small ABNF tag lists (a few dozen lines each) and no well-kept
//! crate covers them all without IO: the Rust SPF/DMARC crates found either resolve DNS
//! themselves (tokio, hickory) or stop at "parses or not", without the per-term reasons
//! an audit needs. The parsers below follow the RFCs' ABNF production by production; every
//! input is bounded ([`MAX_RECORD_SIZE`], [`mta_sts::MAX_POLICY_SIZE`]) before any work,
//! and the table tests quote the RFC rule each case exercises.

pub mod dmarc;
pub mod mta_sts;
pub mod spf;
pub mod tlsrpt;

use serde::Serialize;

pub use crate::report::{Finding, Severity};

/// At most this many bytes of one TXT record's text (the strings of one record joined).
/// A DNS message is at most 65 535 bytes, so no real record is longer.
pub const MAX_RECORD_SIZE: usize = 65_535;

/// Why a record or policy is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The input is longer than its cap.
    #[error("{what} of {size} bytes is over the limit of {max}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// The record does not start with the version tag its RFC demands.
    #[error("does not start with {expected:?}")]
    BadVersion {
        /// The version tag expected (`v=STSv1`).
        expected: &'static str,
    },
    /// A required field or tag is absent.
    #[error("required {field:?} is missing")]
    Missing {
        /// The field's name.
        field: &'static str,
    },
    /// A field that may appear once appears again.
    #[error("{field:?} appears more than once")]
    Duplicate {
        /// The field's name.
        field: String,
    },
    /// A field, term or tag breaks the grammar.
    #[error("{item:?}: {reason}")]
    Syntax {
        /// The offending text (shortened to [`MAX_QUOTE`] characters).
        item: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// At most this many characters of offending input are quoted in an error.
pub const MAX_QUOTE: usize = 80;

impl PolicyError {
    /// A [`PolicyError::Syntax`] quoting `item` (shortened).
    pub(crate) fn syntax(item: &str, reason: impl Into<String>) -> Self {
        Self::Syntax { item: quote(item), reason: reason.into() }
    }
}

/// `text` cut to [`MAX_QUOTE`] characters (with `…` when cut).
pub(crate) fn quote(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTE) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Fails if `text` is over `max` bytes.
pub(crate) fn check_size(what: &'static str, text: &str, max: usize) -> Result<(), PolicyError> {
    if text.len() > max {
        return Err(PolicyError::TooLarge { what, size: text.len(), max });
    }
    Ok(())
}

/// What the set of TXT records at a name amounts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    /// No record of this kind (after discarding records of other kinds).
    Absent,
    /// Exactly one record, and it is valid.
    Valid,
    /// Exactly one record, and it is not valid: receivers treat it as absent (or, for SPF,
    /// as a permanent error).
    Invalid,
    /// More than one record of this kind: receivers treat the set as absent (or, for SPF,
    /// as a permanent error).
    Multiple,
}

/// The result of checking the TXT records published for one mechanism.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordCheck<T> {
    /// What the records amount to.
    pub status: RecordStatus,
    /// The selected record's text (`null` when absent or multiple).
    pub text: Option<String>,
    /// The parsed record, when valid.
    pub record: Option<T>,
    /// The parse error, when invalid.
    pub error: Option<String>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

impl<T> RecordCheck<T> {
    /// Builds the check from the TXT records at the name: `is_candidate` keeps the records
    /// of this kind (the others are someone else's), `parse` reads the one left, `assess`
    /// adds findings about a valid record. `absent`, `multiple` and `invalid` are the
    /// findings for the three failure cases.
    pub(crate) fn build(
        records: &[impl AsRef<str>],
        is_candidate: impl Fn(&str) -> bool,
        parse: impl Fn(&str) -> Result<T, PolicyError>,
        assess: impl Fn(&T, &mut Vec<Finding>),
        absent: Option<Finding>,
        multiple: impl Fn(usize) -> Finding,
        invalid: impl Fn(&PolicyError) -> Finding,
    ) -> Self {
        let candidates: Vec<&str> = records.iter().map(AsRef::as_ref).filter(|r| is_candidate(r)).collect();
        let mut findings = Vec::new();
        let check = match candidates.as_slice() {
            [] => {
                findings.extend(absent);
                Self { status: RecordStatus::Absent, text: None, record: None, error: None, findings }
            }
            [one] => match parse(one) {
                Ok(record) => {
                    assess(&record, &mut findings);
                    let text = Some(quote_record(one));
                    Self { status: RecordStatus::Valid, text, record: Some(record), error: None, findings }
                }
                Err(e) => {
                    findings.push(invalid(&e));
                    let (text, error) = (Some(quote_record(one)), Some(e.to_string()));
                    Self { status: RecordStatus::Invalid, text, record: None, error, findings }
                }
            },
            many => {
                findings.push(multiple(many.len()));
                Self { status: RecordStatus::Multiple, text: None, record: None, error: None, findings }
            }
        };
        check.sorted()
    }

    fn sorted(mut self) -> Self {
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        self
    }
}

/// A record's text as kept in a report: bounded like any quoted input.
fn quote_record(text: &str) -> String {
    match text.char_indices().nth(4 * MAX_QUOTE) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// A finding.
pub(crate) fn finding(id: &'static str, severity: Severity, message: impl Into<String>) -> Finding {
    Finding { id, severity, message: message.into() }
}

/// True for the ABNF `WSP` (space or horizontal tab).
pub(crate) fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Splits a `tag=value; tag=value` list on `;`, trimming `WSP` around each part; a single
/// trailing `;` (and whitespace after it) is allowed. Empty parts in the middle are
/// returned as empty strings for the caller to reject.
pub(crate) fn split_tags(text: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = text.split(';').map(|p| p.trim_matches(is_wsp)).collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// True for the `ext-name` of RFC 8460/8461: `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" /
/// "-" / ".")`.
pub(crate) fn is_ext_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// True for the `ext-value` of RFC 8460/8461: `1*(%x21-3A / %x3C / %x3E-7E)` (visible
/// ASCII except `;` and `=`).
pub(crate) fn is_ext_value(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| matches!(b, 0x21..=0x3A | 0x3C | 0x3E..=0x7E))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_split_on_semicolons_with_whitespace() {
        let cases: &[(&str, &[&str])] = &[
            ("v=STSv1; id=1", &["v=STSv1", "id=1"]),
            ("v=STSv1;id=1;", &["v=STSv1", "id=1"]),
            ("v=STSv1 ;\tid=1 ; ", &["v=STSv1", "id=1"]),
            ("v=STSv1;;id=1", &["v=STSv1", "", "id=1"]),
            ("v=STSv1", &["v=STSv1"]),
            ("", &[""]),
        ];
        for (text, want) in cases {
            assert_eq!(split_tags(text), *want, "{text:?}");
        }
    }

    #[test]
    fn extension_names_and_values() {
        for (name, ok) in [("a", true), ("x-y_z.1", true), ("_x", false), ("", false), ("a b", false)] {
            assert_eq!(is_ext_name(name), ok, "{name:?}");
        }
        assert!(is_ext_name(&"a".repeat(32)));
        assert!(!is_ext_name(&"a".repeat(33)));
        for (value, ok) in
            [("abc", true), ("a:b<c>", true), ("", false), ("a=b", false), ("a;b", false), ("a b", false)]
        {
            assert_eq!(is_ext_value(value), ok, "{value:?}");
        }
    }

    #[test]
    fn quotes_are_bounded() {
        let long = "é".repeat(200);
        let q = quote(&long);
        assert_eq!(q.chars().count(), MAX_QUOTE + 1);
        assert!(q.ends_with('…'));
        assert_eq!(quote("short"), "short");
    }
}
