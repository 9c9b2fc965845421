//! MTA-STS (RFC 8461): the `_mta-sts` TXT record (§3.1), the policy file served at
//! `https://mta-sts.DOMAIN/.well-known/mta-sts.txt` (§3.2), MX pattern matching (§4.1) and
//! what the policy's mode means for each MX host (§5).
//!
//! - [`check_records`]: the TXT records at `_mta-sts.DOMAIN` → [`RecordCheck`] of
//!   [`StsRecord`]: records not beginning with `v=STSv1;` are discarded, more than one left
//!   means "no policy", the one left must follow the §3.1 grammar exactly.
//! - [`check_policy`] / [`check_policy_bytes`]: the policy file → [`PolicyCheck`]: LF or
//!   CRLF lines, `version: STSv1`, `mode`, `max_age` (0 to 31 557 600), `mx` patterns,
//!   unknown keys kept and ignored, at most [`MAX_POLICY_SIZE`] bytes.
//! - [`evaluate`]: the policy against the domain's MX hosts → [`Evaluation`]: which pattern
//!   each host matches and the consequence under the mode.

use serde::Serialize;

use super::{
    Finding, PolicyError, RecordCheck, Severity, check_size, finding, is_ext_name, is_ext_value, is_wsp,
    split_tags,
};

/// The policy file's size bound. RFC 8461 §3.3: "senders SHOULD impose a limit on the
/// response size … 64 KB".
pub const MAX_POLICY_SIZE: usize = 64 * 1024;

/// The largest `max_age` RFC 8461 §3.2 allows (one year, in seconds).
pub const MAX_MAX_AGE: u64 = 31_557_600;

/// Below this `max_age` (one week) a finding says the policy expires too soon: §3.2 expects
/// "weeks or greater" so that a policy outlives an attack at refresh time.
pub const SHORT_MAX_AGE: u64 = 7 * 86_400;

/// Stable ids of the MTA-STS findings.
pub mod ids {
    /// No `_mta-sts` TXT record.
    pub const NO_RECORD: &str = "mta-sts.no-record";
    /// Several `v=STSv1` records: senders see no policy.
    pub const MULTIPLE_RECORDS: &str = "mta-sts.multiple-records";
    /// The record breaks the §3.1 grammar: senders see no policy.
    pub const INVALID_RECORD: &str = "mta-sts.invalid-record";
    /// A record starts with `v=STSv1` but not `v=STSv1;`: senders discard it.
    pub const DISCARDED_RECORD: &str = "mta-sts.discarded-record";
    /// The policy file could not be fetched (connection, TLS, status, redirect, content
    /// type, size, timeout): senders without a cached policy use none.
    pub const POLICY_UNAVAILABLE: &str = "mta-sts.policy-unavailable";
    /// The policy file breaks the §3.2 grammar: senders use no policy.
    pub const INVALID_POLICY: &str = "mta-sts.invalid-policy";
    /// A field other than `mx` appears twice; the first is used.
    pub const DUPLICATE_FIELD: &str = "mta-sts.duplicate-field";
    /// Empty lines in the policy (outside the grammar; tolerated here).
    pub const BLANK_LINE: &str = "mta-sts.blank-line";
    /// `mode: testing`: failures are reported, mail still goes.
    pub const MODE_TESTING: &str = "mta-sts.mode-testing";
    /// `mode: none`: the policy is withdrawn.
    pub const MODE_NONE: &str = "mta-sts.mode-none";
    /// `max_age` under a week.
    pub const SHORT_MAX_AGE: &str = "mta-sts.short-max-age";
    /// `enforce` or `testing` without any `mx` pattern: no MX can match.
    pub const NO_MX_PATTERN: &str = "mta-sts.no-mx-pattern";
    /// An MX host matches no `mx` pattern.
    pub const MX_NOT_COVERED: &str = "mta-sts.mx-not-covered";
    /// An `mx` pattern matches none of the MX hosts.
    pub const UNUSED_PATTERN: &str = "mta-sts.unused-pattern";
}

/// The `_mta-sts` TXT record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StsRecord {
    /// The policy id (1 to 32 letters and digits): a change tells senders to refetch.
    pub id: String,
    /// Extension fields, as given (ignored by senders).
    pub extensions: Vec<(String, String)>,
}

/// Parses one `_mta-sts` record (RFC 8461 §3.1):
///
/// ```text
/// sts-text-record = sts-version 1*(*WSP %x3B *WSP sts-field) [%x3B]
/// sts-field       = sts-id / sts-extension
/// sts-version     = %s"v=STSv1"
/// sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
/// ```
pub fn parse_record(text: &str) -> Result<StsRecord, PolicyError> {
    check_size("MTA-STS record", text, super::MAX_RECORD_SIZE)?;
    let parts = split_tags(text);
    if parts.first() != Some(&"v=STSv1") || text.starts_with(is_wsp) {
        return Err(PolicyError::BadVersion { expected: "v=STSv1" });
    }
    let mut id = None;
    let mut extensions = Vec::new();
    for part in &parts[1..] {
        let Some((name, value)) = part.split_once('=') else {
            return Err(PolicyError::syntax(part, "not a name=value field"));
        };
        if name == "id" {
            if value.is_empty() || value.len() > 32 || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(PolicyError::syntax(part, "the id must be 1 to 32 letters and digits"));
            }
            if id.is_some() {
                return Err(PolicyError::Duplicate { field: "id".into() });
            }
            id = Some(value.to_owned());
        } else if is_ext_name(name) && is_ext_value(value) {
            extensions.push((name.to_owned(), value.to_owned()));
        } else {
            return Err(PolicyError::syntax(part, "not a valid extension field"));
        }
    }
    let id = id.ok_or(PolicyError::Missing { field: "id" })?;
    Ok(StsRecord { id, extensions })
}

/// Checks the TXT records found at `_mta-sts.DOMAIN` (each record's strings already
/// joined). Records that do not begin with `v=STSv1;` are discarded (§3.1).
pub fn check_records(records: &[impl AsRef<str>]) -> RecordCheck<StsRecord> {
    let mut check = RecordCheck::build(
        records,
        |r| r.starts_with("v=STSv1;"),
        parse_record,
        |_, _| {},
        Some(finding(
            ids::NO_RECORD,
            Severity::Low,
            "no _mta-sts TXT record: senders cannot learn that this domain requires authenticated TLS; \
             publish MTA-STS (RFC 8461) or DANE",
        )),
        |n| {
            finding(
                ids::MULTIPLE_RECORDS,
                Severity::High,
                format!("{n} v=STSv1 TXT records at _mta-sts: senders ignore MTA-STS; keep exactly one"),
            )
        },
        |e| {
            finding(
                ids::INVALID_RECORD,
                Severity::High,
                format!("the _mta-sts record is invalid ({e}): senders ignore MTA-STS; fix the record"),
            )
        },
    );
    for r in records.iter().map(AsRef::as_ref) {
        if r.starts_with("v=STSv1") && !r.starts_with("v=STSv1;") {
            check.findings.push(finding(
                ids::DISCARDED_RECORD,
                Severity::Medium,
                format!(
                    "the TXT record {:?} does not begin with \"v=STSv1;\" and senders discard it; write \
                     \"v=STSv1; id=…\"",
                    super::quote(r)
                ),
            ));
        }
    }
    check.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    check
}

/// The policy's mode (§5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Senders refuse to deliver to an MX that fails validation.
    Enforce,
    /// Senders deliver anyway and report failures (TLS-RPT).
    Testing,
    /// The policy is withdrawn.
    None,
}

impl Mode {
    /// `enforce`, `testing` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }
}

/// An `mx:` pattern: a host name, or `*.` and a host name (§4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxPattern {
    /// The pattern as written, lower-cased, without a trailing dot.
    pub pattern: String,
}

impl MxPattern {
    /// True if `host` matches: case-insensitive, trailing dots ignored; `*.example.org`
    /// matches exactly one more label (`mx1.example.org`, not `example.org` nor
    /// `a.b.example.org`), as RFC 8461 §4.1 says.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        match self.pattern.strip_prefix("*.") {
            Some(base) => host
                .split_once('.')
                .is_some_and(|(first, rest)| !first.is_empty() && first != "*" && rest == base),
            None => host == self.pattern,
        }
    }
}

/// A parsed policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// The mode.
    pub mode: Mode,
    /// Seconds senders may cache the policy.
    pub max_age: u64,
    /// The `mx` patterns, in order.
    pub mx: Vec<MxPattern>,
    /// Unknown fields, as given (ignored by senders).
    pub extensions: Vec<(String, String)>,
}

/// The result of reading a policy file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyCheck {
    /// The policy, when valid.
    pub policy: Option<Policy>,
    /// The parse error, when invalid.
    pub error: Option<String>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

/// Reads a policy file's body: UTF-8 ([`check_policy`] otherwise).
pub fn check_policy_bytes(body: &[u8]) -> PolicyCheck {
    if body.len() > MAX_POLICY_SIZE {
        return invalid_policy(PolicyError::TooLarge {
            what: "policy",
            size: body.len(),
            max: MAX_POLICY_SIZE,
        });
    }
    match std::str::from_utf8(body) {
        Ok(text) => check_policy(text),
        Err(e) => invalid_policy(PolicyError::Syntax {
            item: format!("byte {}", e.valid_up_to()),
            reason: "the policy is not UTF-8".into(),
        }),
    }
}

fn invalid_policy(e: PolicyError) -> PolicyCheck {
    let message = format!("the MTA-STS policy is invalid ({e}): senders use no policy; fix the file");
    PolicyCheck {
        policy: None,
        error: Some(e.to_string()),
        findings: vec![finding(ids::INVALID_POLICY, Severity::High, message)],
    }
}

/// Reads a policy file's text and judges it (without the MX hosts: see [`evaluate`]).
pub fn check_policy(text: &str) -> PolicyCheck {
    let mut findings = Vec::new();
    match parse_policy(text, &mut findings) {
        Ok(policy) => {
            assess_policy(&policy, &mut findings);
            findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
            PolicyCheck { policy: Some(policy), error: None, findings }
        }
        Err(e) => {
            let mut check = invalid_policy(e);
            check.findings.extend(findings);
            check
        }
    }
}

/// Parses a policy file (RFC 8461 §3.2), adding findings for tolerated defects:
///
/// ```text
/// sts-policy-record  = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
/// sts-policy-term    = LF / CRLF
/// sts-policy-field   = name ":" *WSP value
/// version: STSv1 | mode: testing/enforce/none | max_age: 1*10(DIGIT) | mx: ["*."] Domain
/// ```
///
/// Field names and the version and mode values are case-sensitive (`%s`). Unknown fields
/// must still be a valid `sts-policy-ext-name: sts-policy-ext-value`.
pub fn parse_policy(text: &str, findings: &mut Vec<Finding>) -> Result<Policy, PolicyError> {
    check_size("policy", text, MAX_POLICY_SIZE)?;
    let (mut version, mut mode, mut max_age) = (None, None, None);
    let mut mx = Vec::new();
    let mut extensions = Vec::new();
    let mut duplicates: Vec<String> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.contains('\r') {
            return Err(PolicyError::syntax(line, "a bare CR: lines end with LF or CRLF"));
        }
        if line.trim_matches(is_wsp).is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(PolicyError::syntax(line, "not a \"name: value\" line"));
        };
        let value = value.trim_matches(is_wsp);
        let mut once = |slot: &mut Option<String>, field: &str| {
            if slot.is_some() {
                if !duplicates.iter().any(|d| d == field) {
                    duplicates.push(field.to_owned());
                }
            } else {
                *slot = Some(value.to_owned());
            }
        };
        match name {
            "version" => once(&mut version, "version"),
            "mode" => once(&mut mode, "mode"),
            "max_age" => once(&mut max_age, "max_age"),
            "mx" => mx.push(parse_mx_pattern(value)?),
            _ if is_ext_name(name) && is_policy_ext_value(value) => {
                extensions.push((name.to_owned(), value.to_owned()));
            }
            _ => return Err(PolicyError::syntax(line, "not a valid field (names are case-sensitive)")),
        }
    }
    let version = version.ok_or(PolicyError::Missing { field: "version" })?;
    if version != "STSv1" {
        return Err(PolicyError::syntax(&format!("version: {version}"), "the version must be STSv1"));
    }
    let mode = match mode.ok_or(PolicyError::Missing { field: "mode" })?.as_str() {
        "enforce" => Mode::Enforce,
        "testing" => Mode::Testing,
        "none" => Mode::None,
        other => {
            return Err(PolicyError::syntax(
                &format!("mode: {other}"),
                "the mode must be enforce, testing or none (lower case)",
            ));
        }
    };
    let max_age_text = max_age.ok_or(PolicyError::Missing { field: "max_age" })?;
    let max_age = parse_max_age(&max_age_text)?;
    if has_blank_line(text) {
        findings.push(finding(
            ids::BLANK_LINE,
            Severity::Low,
            "the policy has empty lines, which RFC 8461's grammar does not allow; strict senders may reject \
             it, remove them",
        ));
    }
    for field in duplicates {
        findings.push(finding(
            ids::DUPLICATE_FIELD,
            Severity::Medium,
            format!("the policy field {field:?} appears more than once; senders may take either, keep one"),
        ));
    }
    Ok(Policy { mode, max_age, mx, extensions })
}

/// True if the text has an empty line other than the optional final line terminator.
fn has_blank_line(text: &str) -> bool {
    let body = text.strip_suffix('\n').map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    body.split('\n').any(|l| l.strip_suffix('\r').unwrap_or(l).trim_matches(is_wsp).is_empty())
}

/// `sts-policy-max-age-value = 1*10(DIGIT)`, at most [`MAX_MAX_AGE`].
fn parse_max_age(value: &str) -> Result<u64, PolicyError> {
    let item = format!("max_age: {value}");
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PolicyError::syntax(&item, "max_age must be 1 to 10 digits"));
    }
    let seconds: u64 = value.parse().map_err(|_| PolicyError::syntax(&item, "max_age must be digits"))?;
    if seconds > MAX_MAX_AGE {
        return Err(PolicyError::syntax(&item, format!("max_age must be at most {MAX_MAX_AGE} (one year)")));
    }
    Ok(seconds)
}

/// `sts-policy-mx-value = ["*."] Domain` (RFC 5321 `Domain`: letter-digit-hyphen labels).
fn parse_mx_pattern(value: &str) -> Result<MxPattern, PolicyError> {
    let item = format!("mx: {value}");
    let base = value.strip_prefix("*.").unwrap_or(value);
    let base = base.strip_suffix('.').unwrap_or(base);
    let ok = !base.is_empty()
        && base.len() <= 253
        && base.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if !ok {
        return Err(PolicyError::syntax(
            &item,
            "an mx pattern is a host name, optionally starting with \"*.\" (a wildcard only as the whole \
             first label)",
        ));
    }
    let prefix = if value.starts_with("*.") { "*." } else { "" };
    Ok(MxPattern { pattern: format!("{prefix}{}", base.to_ascii_lowercase()) })
}

/// `sts-policy-ext-value = sts-policy-vchar [*(%x20 / sts-policy-vchar) sts-policy-vchar]`
/// with `sts-policy-vchar` any visible ASCII or non-ASCII UTF-8 (the value is trimmed
/// already).
fn is_policy_ext_value(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c == ' ' || c.is_ascii_graphic() || !c.is_ascii())
}

fn assess_policy(policy: &Policy, findings: &mut Vec<Finding>) {
    match policy.mode {
        Mode::Enforce => {}
        Mode::Testing => findings.push(finding(
            ids::MODE_TESTING,
            Severity::Low,
            "mode is testing: senders report failures (TLS-RPT) but still deliver without authenticated TLS; \
             switch to enforce once the reports are clean",
        )),
        Mode::None => findings.push(finding(
            ids::MODE_NONE,
            Severity::Medium,
            "mode is none: the policy is withdrawn and senders apply no MTA-STS protection",
        )),
    }
    if policy.mode != Mode::None && policy.mx.is_empty() {
        findings.push(finding(
            ids::NO_MX_PATTERN,
            Severity::High,
            format!(
                "mode {} without any mx pattern: no MX host can match, so every delivery fails validation; \
                 list the MX hosts",
                policy.mode.as_str()
            ),
        ));
    }
    if policy.max_age < SHORT_MAX_AGE && policy.mode != Mode::None {
        let severity = if policy.max_age < 86_400 { Severity::Medium } else { Severity::Low };
        findings.push(finding(
            ids::SHORT_MAX_AGE,
            severity,
            format!(
                "max_age is {} s: senders forget the policy quickly, leaving refreshes open to downgrade; use \
                 weeks (e.g. 604800 or more)",
                policy.max_age
            ),
        ));
    }
}

/// One MX host judged against the policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxMatch {
    /// The MX host (as given).
    pub host: String,
    /// The first pattern it matches, `null` if none.
    pub pattern: Option<String>,
}

/// The policy applied to a domain's MX hosts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// The mode.
    pub mode: Mode,
    /// Each MX host and the pattern it matched.
    pub hosts: Vec<MxMatch>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

impl Evaluation {
    /// True if every MX host matches a pattern.
    pub fn all_covered(&self) -> bool {
        self.hosts.iter().all(|h| h.pattern.is_some())
    }
}

/// Matches each MX host against the policy's patterns and says what senders will do. A
/// matching host must also present a certificate valid for its name (the scan checks that).
pub fn evaluate(policy: &Policy, mx_hosts: &[impl AsRef<str>]) -> Evaluation {
    let mut findings = Vec::new();
    let hosts: Vec<MxMatch> = mx_hosts
        .iter()
        .map(|h| {
            let host = h.as_ref();
            let pattern = policy.mx.iter().find(|p| p.matches(host)).map(|p| p.pattern.clone());
            MxMatch { host: host.to_owned(), pattern }
        })
        .collect();
    for h in hosts.iter().filter(|h| h.pattern.is_none()) {
        let (severity, consequence) = match policy.mode {
            Mode::Enforce => (Severity::High, "senders that enforce MTA-STS will not deliver to it"),
            Mode::Testing => (
                Severity::Medium,
                "senders will report a failure for it and switching to enforce would stop delivery",
            ),
            Mode::None => continue,
        };
        findings.push(finding(
            ids::MX_NOT_COVERED,
            severity,
            format!("MX {} matches no mx pattern of the policy: {consequence}; add it to the policy", h.host),
        ));
    }
    if !mx_hosts.is_empty() {
        for p in policy.mx.iter().filter(|p| !mx_hosts.iter().any(|h| p.matches(h.as_ref()))) {
            findings.push(finding(
                ids::UNUSED_PATTERN,
                Severity::Info,
                format!(
                    "the mx pattern {} matches none of the MX hosts; remove it if it is stale",
                    p.pattern
                ),
            ));
        }
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Evaluation { mode: policy.mode, hosts, findings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RecordStatus;

    #[test]
    fn records_follow_the_grammar() {
        let valid: &[(&str, &str)] = &[
            // RFC 8461 §3.1 example.
            ("v=STSv1; id=20160831085700Z;", "20160831085700Z"),
            ("v=STSv1;id=1", "1"),
            ("v=STSv1 ;\tid=abc ; ", "abc"),
            ("v=STSv1; id=x; ext.a-b=v:al<ue>", "x"),
            ("v=STSv1; ext=1; id=y", "y"),
        ];
        for (text, id) in valid {
            let r = parse_record(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(r.id, *id, "{text:?}");
        }
        assert!(parse_record(&format!("v=STSv1; id={}", "a".repeat(32))).is_ok());
        let invalid = [
            ("v=STSv1", "\"id\" is missing"),
            ("v=STSv1;", "\"id\" is missing"),
            ("v=STSv1; id=", "1 to 32"),
            ("v=STSv1; id=2016-08-31", "1 to 32"),
            ("v=STSv1; id=a; id=b", "more than once"),
            ("v=STSV1; id=a", "does not start"),
            (" v=STSv1; id=a", "does not start"),
            ("id=a; v=STSv1", "does not start"),
            ("v=STSv1; id=a;; x=1", "name=value"),
            ("v=STSv1; id=a; _x=1", "extension"),
            ("v=STSv1; id=a; x=a=b", "extension"),
            ("v=STSv1; id=a b", "1 to 32"),
        ];
        for (text, want) in invalid {
            let e = parse_record(text).expect_err(text).to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let e = parse_record(&format!("v=STSv1; id={}", "a".repeat(33))).unwrap_err();
        assert!(e.to_string().contains("1 to 32"));
    }

    #[test]
    fn record_sets() {
        let ids_of = |records: &[&str]| {
            let c = check_records(records);
            (c.status, c.findings.iter().map(|f| f.id).collect::<Vec<_>>())
        };
        assert_eq!(ids_of(&[]), (RecordStatus::Absent, vec![ids::NO_RECORD]));
        assert_eq!(ids_of(&["v=spf1 -all"]), (RecordStatus::Absent, vec![ids::NO_RECORD]));
        assert_eq!(ids_of(&["v=STSv1; id=1", "v=spf1"]), (RecordStatus::Valid, vec![]));
        assert_eq!(
            ids_of(&["v=STSv1; id=1", "v=STSv1; id=2"]),
            (RecordStatus::Multiple, vec![ids::MULTIPLE_RECORDS])
        );
        assert_eq!(ids_of(&["v=STSv1; id=2016-01-01"]), (RecordStatus::Invalid, vec![ids::INVALID_RECORD]));
        // Grammatical, but not beginning with "v=STSv1;": discarded (§3.1).
        assert_eq!(
            ids_of(&["v=STSv1 ; id=1"]),
            (RecordStatus::Absent, vec![ids::DISCARDED_RECORD, ids::NO_RECORD])
        );
    }

    const GOOD: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n";

    #[test]
    fn policies_follow_the_grammar() {
        // RFC 8461 §3.2 example, with LF, CRLF, no final newline, spaces after the colon.
        for text in [
            GOOD.to_owned(),
            GOOD.replace('\n', "\r\n"),
            GOOD.trim_end().to_owned(),
            GOOD.replace(": ", ":   ").replace('\n', " \t\n"),
        ] {
            let check = check_policy(&text);
            let p = check.policy.unwrap_or_else(|| panic!("{text:?}: {:?}", check.error));
            assert_eq!((p.mode, p.max_age, p.mx.len()), (Mode::Enforce, 604_800, 3), "{text:?}");
            assert!(check.findings.is_empty(), "{text:?}: {:?}", check.findings);
        }
        let p = check_policy(
            "version: STSv1\nmode: testing\nmax_age: 31557600\nmx: MX.Example.COM.\nfoo: bar baz\n",
        )
        .policy
        .unwrap();
        assert_eq!((p.mode, p.max_age), (Mode::Testing, MAX_MAX_AGE));
        assert_eq!(p.mx[0].pattern, "mx.example.com");
        assert_eq!(p.extensions, vec![("foo".to_owned(), "bar baz".to_owned())]);
        // Field names are case-sensitive: "MX" is an unknown field, kept and ignored.
        let upper = check_policy("version: STSv1\nmode: enforce\nmax_age: 604800\nMX: mx.example.com\n");
        let p = upper.policy.unwrap();
        assert!(p.mx.is_empty());
        assert_eq!(p.extensions, vec![("MX".to_owned(), "mx.example.com".to_owned())]);
        assert_eq!(upper.findings[0].id, ids::NO_MX_PATTERN);
        let none = check_policy("version: STSv1\nmode: none\nmax_age: 0\n");
        assert_eq!(none.policy.unwrap().mode, Mode::None);
        assert_eq!(none.findings.iter().map(|f| f.id).collect::<Vec<_>>(), [ids::MODE_NONE]);

        let invalid = [
            ("", "\"version\" is missing"),
            ("mode: enforce\nmax_age: 1\nmx: a.example", "\"version\" is missing"),
            ("version: STSv2\nmode: enforce\nmax_age: 1", "must be STSv1"),
            ("version: stsv1\nmode: enforce\nmax_age: 1", "must be STSv1"),
            ("version: STSv1\nmax_age: 1", "\"mode\" is missing"),
            ("version: STSv1\nmode: Enforce\nmax_age: 1", "lower case"),
            ("version: STSv1\nmode: reject\nmax_age: 1", "enforce, testing or none"),
            ("version: STSv1\nmode: enforce", "\"max_age\" is missing"),
            ("version: STSv1\nmode: enforce\nmax_age: 31557601", "at most 31557600"),
            ("version: STSv1\nmode: enforce\nmax_age: 12345678901", "1 to 10 digits"),
            ("version: STSv1\nmode: enforce\nmax_age: -1", "1 to 10 digits"),
            ("version: STSv1\nmode: enforce\nmax_age: 1d", "1 to 10 digits"),
            ("version: STSv1\nmode: enforce\nmax_age:", "1 to 10 digits"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail.*.example.com", "wildcard"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *mail.example.com", "wildcard"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *", "wildcard"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nmx: ", "wildcard"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mail_1.example.com", "wildcard"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nmx: -a.example.com", "wildcard"),
            // Names are case-sensitive: "Mode" is an unknown field, so "mode" is missing.
            ("version: STSv1\nMode: enforce\nmax_age: 1", "\"mode\" is missing"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nthis line has no colon", "name: value"),
            ("version: STSv1\rmode: enforce\nmax_age: 1", "bare CR"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\n_x: y", "not a valid field"),
            ("version: STSv1\nmode: enforce\nmax_age: 1\nx: \u{1}", "not a valid field"),
        ];
        for (text, want) in invalid {
            let check = check_policy(text);
            let e = check.error.unwrap_or_else(|| panic!("{text:?} parsed"));
            assert!(e.contains(want), "{text:?}: {e}");
            assert_eq!(check.findings[0].id, ids::INVALID_POLICY);
        }
    }

    #[test]
    fn policy_size_and_encoding_are_bounded() {
        let mut big = GOOD.to_owned();
        big.push_str(&"x: y\n".repeat(MAX_POLICY_SIZE / 5));
        assert!(check_policy(&big).error.unwrap().contains("over the limit"));
        assert!(check_policy_bytes(big.as_bytes()).error.unwrap().contains("over the limit"));
        assert!(check_policy_bytes(b"version: STSv1\nmode: \xff").error.unwrap().contains("UTF-8"));
        assert!(check_policy_bytes(GOOD.as_bytes()).policy.is_some());
    }

    #[test]
    fn policy_findings() {
        let ids_of =
            |text: &str| check_policy(text).findings.iter().map(|f| (f.id, f.severity)).collect::<Vec<_>>();
        let base = "version: STSv1\nmx: mail.example.com\n";
        let cases: &[(&str, &[(&str, Severity)])] = &[
            ("mode: enforce\nmax_age: 604800", &[]),
            ("mode: testing\nmax_age: 604800", &[(ids::MODE_TESTING, Severity::Low)]),
            ("mode: none\nmax_age: 60", &[(ids::MODE_NONE, Severity::Medium)]),
            ("mode: enforce\nmax_age: 86400", &[(ids::SHORT_MAX_AGE, Severity::Low)]),
            ("mode: enforce\nmax_age: 3600", &[(ids::SHORT_MAX_AGE, Severity::Medium)]),
            ("mode: enforce\nmode: none\nmax_age: 604800", &[(ids::DUPLICATE_FIELD, Severity::Medium)]),
            ("mode: enforce\n\nmax_age: 604800\n", &[(ids::BLANK_LINE, Severity::Low)]),
            ("mode: enforce\nmax_age: 604800\n\n", &[(ids::BLANK_LINE, Severity::Low)]),
        ];
        for (tail, want) in cases {
            assert_eq!(ids_of(&format!("{base}{tail}")), *want, "{tail:?}");
        }
        // The first of duplicated fields wins.
        let p = check_policy(&format!("{base}mode: enforce\nmode: none\nmax_age: 604800")).policy.unwrap();
        assert_eq!(p.mode, Mode::Enforce);
        assert_eq!(
            ids_of("version: STSv1\nmode: enforce\nmax_age: 604800"),
            [(ids::NO_MX_PATTERN, Severity::High)]
        );
    }

    #[test]
    fn mx_patterns_match_as_section_4_1_says() {
        let p = |s: &str| parse_mx_pattern(s).unwrap();
        let cases = [
            ("mail.example.com", "mail.example.com", true),
            ("mail.example.com", "MAIL.Example.Com.", true),
            ("mail.example.com.", "mail.example.com", true),
            ("mail.example.com", "mail2.example.com", false),
            ("mail.example.com", "x.mail.example.com", false),
            // §4.1: "*.example.com" matches "mail.example.com", not "example.com" nor
            // "foo.bar.example.com".
            ("*.example.com", "mail.example.com", true),
            ("*.example.com", "example.com", false),
            ("*.example.com", "foo.bar.example.com", false),
            ("*.example.com", ".example.com", false),
            ("*.Example.com", "MX1.example.COM", true),
        ];
        for (pattern, host, want) in cases {
            assert_eq!(p(pattern).matches(host), want, "{pattern} vs {host}");
        }
    }

    #[test]
    fn evaluation_per_mode() {
        let policy = |mode: &str| {
            check_policy(&format!("version: STSv1\nmode: {mode}\nmax_age: 604800\nmx: mx1.example.org\nmx: *.mail.example.org\nmx: old.example.org")).policy.unwrap()
        };
        let hosts = ["mx1.example.org", "a.mail.example.org.", "rogue.example.net"];
        let e = evaluate(&policy("enforce"), &hosts);
        assert_eq!(
            e.hosts.iter().map(|h| h.pattern.as_deref()).collect::<Vec<_>>(),
            [Some("mx1.example.org"), Some("*.mail.example.org"), None]
        );
        assert!(!e.all_covered());
        let found = |e: &Evaluation| e.findings.iter().map(|f| (f.id, f.severity)).collect::<Vec<_>>();
        assert_eq!(found(&e), [(ids::MX_NOT_COVERED, Severity::High), (ids::UNUSED_PATTERN, Severity::Info)]);
        assert!(e.findings[0].message.contains("rogue.example.net"));
        assert!(e.findings[1].message.contains("old.example.org"));
        assert_eq!(found(&evaluate(&policy("testing"), &hosts))[0], (ids::MX_NOT_COVERED, Severity::Medium));
        assert_eq!(found(&evaluate(&policy("none"), &hosts)), [(ids::UNUSED_PATTERN, Severity::Info)]);
        let all = evaluate(&policy("enforce"), &["mx1.example.org", "b.mail.example.org", "old.example.org"]);
        assert!(all.all_covered());
        assert!(all.findings.is_empty());
    }
}
