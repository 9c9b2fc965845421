//! DMARC (RFC 7489): the `_dmarc` TXT record (§6.3 tags, §6.4 grammar, §6.6.3 record
//! selection) and a summary of how strongly it protects the From domain.
//!
//! ```text
//! dmarc-record = dmarc-version dmarc-sep *(dmarc-tag dmarc-sep)   ; DKIM tag-list (RFC 6376 §3.2)
//! dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31  ; "DMARC1", exactly, first
//! p / sp       = "none" / "quarantine" / "reject"
//! rua / ruf    = dmarc-uri *(*WSP "," *WSP dmarc-uri)
//! dmarc-uri    = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]
//! pct          = 1*3DIGIT (0..100)     adkim / aspf = "r" / "s"
//! fo           = ("0" / "1" / "d" / "s") *(":" ...)        ri = 1*32DIGIT
//! ```
//!
//! Tag names are case-sensitive and may not repeat (RFC 6376 §3.2); unknown tags are
//! ignored (§6.3). A record without a valid `p` but with a valid `rua` counts as `p=none`
//! (§6.6.3); without either it is ignored.

use serde::Serialize;

use super::{Finding, PolicyError, RecordCheck, Severity, check_size, finding, is_wsp, split_tags};

/// Stable ids of the DMARC findings.
pub mod ids {
    /// No `_dmarc` record.
    pub const NO_RECORD: &str = "dmarc.no-record";
    /// Several `v=DMARC1` records: receivers apply no DMARC.
    pub const MULTIPLE_RECORDS: &str = "dmarc.multiple-records";
    /// The record breaks the grammar: receivers apply no DMARC.
    pub const INVALID_RECORD: &str = "dmarc.invalid-record";
    /// No valid `p`; the record counts as `p=none` because it has `rua`.
    pub const MISSING_POLICY: &str = "dmarc.missing-policy";
    /// `p=none`: monitoring only.
    pub const MONITOR_ONLY: &str = "dmarc.monitor-only";
    /// `pct` below 100: the policy applies to a sample only.
    pub const PARTIAL: &str = "dmarc.partial";
    /// `sp` weaker than `p`: subdomains are easier to spoof.
    pub const WEAKER_SUBDOMAINS: &str = "dmarc.weaker-subdomain-policy";
    /// No `rua`: no aggregate reports.
    pub const NO_REPORTS: &str = "dmarc.no-aggregate-reports";
}

/// A requested disposition (`p`, `sp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Disposition {
    /// `none`: monitor only.
    None,
    /// `quarantine`: treat failures as suspicious (spam folder).
    Quarantine,
    /// `reject`: refuse failures.
    Reject,
}

impl Disposition {
    fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "quarantine" => Some(Self::Quarantine),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }

    /// `none`, `quarantine` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Quarantine => "quarantine",
            Self::Reject => "reject",
        }
    }
}

/// Identifier alignment mode (`adkim`, `aspf`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Alignment {
    /// `r`: the organizational domains must match (the default).
    Relaxed,
    /// `s`: the domains must be identical.
    Strict,
}

/// A report destination (`rua`, `ruf`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportUri {
    /// The URI (`mailto:dmarc@example.org`).
    pub uri: String,
    /// The size limit after `!`, as written (`10m`).
    pub max_size: Option<String>,
}

/// How strongly the record protects the domain, at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// `p=reject` on every message: spoofed mail is refused.
    Reject,
    /// `p=quarantine` on every message: spoofed mail goes to spam.
    Quarantine,
    /// `reject` or `quarantine` on a `pct` sample only.
    Partial,
    /// `p=none` (or no valid `p`): reports only, nothing is stopped.
    MonitorOnly,
}

/// A parsed `_dmarc` record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DmarcRecord {
    /// `p` (`null` when absent or invalid and the record counts as `p=none`).
    pub p: Option<Disposition>,
    /// `sp` (defaults to `p`).
    pub sp: Option<Disposition>,
    /// Aggregate report destinations.
    pub rua: Vec<ReportUri>,
    /// Failure report destinations.
    pub ruf: Vec<ReportUri>,
    /// Percentage of failing mail the policy applies to (default 100).
    pub pct: u8,
    /// DKIM alignment (default relaxed).
    pub adkim: Alignment,
    /// SPF alignment (default relaxed).
    pub aspf: Alignment,
    /// Failure reporting options (default `["0"]`).
    pub fo: Vec<String>,
    /// Aggregate report interval in seconds (default 86400).
    pub ri: u64,
    /// Unknown tags, kept and ignored.
    pub unknown: Vec<(String, String)>,
    /// The summary.
    pub strength: Strength,
}

impl DmarcRecord {
    /// The effective policy for the domain itself.
    pub fn policy(&self) -> Disposition {
        self.p.unwrap_or(Disposition::None)
    }

    /// The effective policy for subdomains.
    pub fn subdomain_policy(&self) -> Disposition {
        self.sp.unwrap_or_else(|| self.policy())
    }
}

/// True for a record of this kind: its first tag is `v=DMARC1` (§6.6.3).
pub fn is_dmarc(text: &str) -> bool {
    split_tags(text)
        .first()
        .and_then(|t| t.split_once('='))
        .is_some_and(|(n, v)| n.trim_end_matches(is_wsp) == "v" && v.trim_start_matches(is_wsp) == "DMARC1")
        && !text.starts_with(is_wsp)
}

/// Parses one `_dmarc` record.
pub fn parse_record(text: &str) -> Result<DmarcRecord, PolicyError> {
    check_size("DMARC record", text, super::MAX_RECORD_SIZE)?;
    if !is_dmarc(text) {
        return Err(PolicyError::BadVersion { expected: "v=DMARC1" });
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut p_text = None;
    let mut record = DmarcRecord {
        p: None,
        sp: None,
        rua: Vec::new(),
        ruf: Vec::new(),
        pct: 100,
        adkim: Alignment::Relaxed,
        aspf: Alignment::Relaxed,
        fo: vec!["0".into()],
        ri: 86_400,
        unknown: Vec::new(),
        strength: Strength::MonitorOnly,
    };
    for part in split_tags(text).into_iter().skip(1) {
        let Some((name, value)) = part.split_once('=') else {
            return Err(PolicyError::syntax(part, "not a tag=value pair"));
        };
        let (name, value) = (name.trim_end_matches(is_wsp), value.trim_start_matches(is_wsp));
        let name_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok {
            return Err(PolicyError::syntax(part, "not a tag name"));
        }
        if seen.contains(&name) {
            return Err(PolicyError::Duplicate { field: name.to_owned() });
        }
        seen.push(name);
        let bad = |reason: &str| PolicyError::syntax(part, reason);
        match name {
            "v" => return Err(bad("v must be the first tag only")),
            "p" => p_text = Some((part, value)),
            "sp" => {
                record.sp = Some(
                    Disposition::parse(value).ok_or_else(|| bad("sp must be none, quarantine or reject"))?,
                );
            }
            "rua" => record.rua = parse_uris(value).map_err(|r| bad(&r))?,
            "ruf" => record.ruf = parse_uris(value).map_err(|r| bad(&r))?,
            "pct" => {
                record.pct = match value.parse::<u8>() {
                    Ok(n) if n <= 100 && value.len() <= 3 && value.bytes().all(|b| b.is_ascii_digit()) => n,
                    _ => return Err(bad("pct must be 0 to 100")),
                }
            }
            "adkim" | "aspf" => {
                let mode = match value.to_ascii_lowercase().as_str() {
                    "r" => Alignment::Relaxed,
                    "s" => Alignment::Strict,
                    _ => return Err(bad("alignment must be r or s")),
                };
                if name == "adkim" { record.adkim = mode } else { record.aspf = mode }
            }
            "fo" => {
                let options: Vec<&str> = value.split(':').map(|o| o.trim_matches(is_wsp)).collect();
                if !options.iter().all(|o| matches!(*o, "0" | "1" | "d" | "s" | "D" | "S")) {
                    return Err(bad("fo is 0, 1, d or s, separated by colons"));
                }
                record.fo = options.into_iter().map(str::to_owned).collect();
            }
            "rf" => {
                let ok = value.split(':').all(|k| {
                    let k = k.trim_matches(is_wsp);
                    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
                if !ok {
                    return Err(bad("rf is a colon-separated list of report formats"));
                }
                record.unknown.push((name.to_owned(), value.to_owned()));
            }
            "ri" => {
                if value.is_empty() || value.len() > 32 || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad("ri must be 1 to 32 digits"));
                }
                record.ri = value.parse().unwrap_or(u64::MAX);
            }
            _ => record.unknown.push((name.to_owned(), value.to_owned())),
        }
    }
    record.p = p_text.and_then(|(_, v)| Disposition::parse(v));
    if record.p.is_none() && record.rua.is_empty() {
        return Err(match p_text {
            Some((part, _)) => PolicyError::syntax(part, "p must be none, quarantine or reject"),
            None => PolicyError::Missing { field: "p" },
        });
    }
    record.strength = match (record.policy(), record.pct) {
        (Disposition::None, _) => Strength::MonitorOnly,
        (_, pct) if pct < 100 => Strength::Partial,
        (Disposition::Quarantine, _) => Strength::Quarantine,
        (Disposition::Reject, _) => Strength::Reject,
    };
    Ok(record)
}

/// `dmarc-uri *(*WSP "," *WSP dmarc-uri)`.
fn parse_uris(value: &str) -> Result<Vec<ReportUri>, String> {
    value
        .split(',')
        .map(|u| {
            let u = u.trim_matches(is_wsp);
            let (uri, size) = match u.split_once('!') {
                Some((uri, size)) => {
                    let digits = size.trim_end_matches(['k', 'm', 'g', 't', 'K', 'M', 'G', 'T']);
                    let ok = !digits.is_empty()
                        && digits.bytes().all(|b| b.is_ascii_digit())
                        && size.len() - digits.len() <= 1;
                    if !ok {
                        return Err(format!("bad size limit in {u:?}"));
                    }
                    (uri, Some(size.to_owned()))
                }
                None => (u, None),
            };
            let scheme_ok = uri.split_once(':').is_some_and(|(s, rest)| {
                s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
                    && !rest.is_empty()
            });
            if !scheme_ok || !uri.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(format!("{u:?} is not a URI"));
            }
            Ok(ReportUri { uri: uri.to_owned(), max_size: size })
        })
        .collect()
}

/// Checks the TXT records at `_dmarc.DOMAIN`.
pub fn check_records(records: &[impl AsRef<str>]) -> RecordCheck<DmarcRecord> {
    RecordCheck::build(
        records,
        is_dmarc,
        parse_record,
        assess,
        Some(finding(
            ids::NO_RECORD,
            Severity::Medium,
            "no _dmarc record: receivers apply no DMARC policy to mail forging this domain; publish \
             \"v=DMARC1; p=none; rua=mailto:…\" and tighten from there",
        )),
        |n| {
            finding(
                ids::MULTIPLE_RECORDS,
                Severity::High,
                format!(
                    "{n} v=DMARC1 records at _dmarc: receivers apply no DMARC (RFC 7489 §6.6.3); keep one"
                ),
            )
        },
        |e| {
            finding(
                ids::INVALID_RECORD,
                Severity::High,
                format!("the _dmarc record is invalid ({e}): receivers apply no DMARC; fix the record"),
            )
        },
    )
}

fn assess(record: &DmarcRecord, findings: &mut Vec<Finding>) {
    if record.p.is_none() {
        findings.push(finding(
            ids::MISSING_POLICY,
            Severity::Medium,
            "the record has no valid p= tag and counts as p=none (RFC 7489 §6.6.3); add p=quarantine or p=reject",
        ));
    } else if record.policy() == Disposition::None {
        findings.push(finding(
            ids::MONITOR_ONLY,
            Severity::Medium,
            "p=none: forged mail is reported but delivered; move to p=quarantine, then p=reject",
        ));
    }
    if record.policy() != Disposition::None && record.pct < 100 {
        findings.push(finding(
            ids::PARTIAL,
            Severity::Low,
            format!(
                "pct={}: p={} applies to {}% of failing mail only; raise pct to 100",
                record.pct,
                record.policy().as_str(),
                record.pct
            ),
        ));
    }
    if record.subdomain_policy() < record.policy() {
        findings.push(finding(
            ids::WEAKER_SUBDOMAINS,
            Severity::Low,
            format!(
                "sp={} is weaker than p={}: subdomains are easier to forge; drop sp or match p",
                record.subdomain_policy().as_str(),
                record.policy().as_str()
            ),
        ));
    }
    if record.rua.is_empty() {
        findings.push(finding(
            ids::NO_REPORTS,
            Severity::Low,
            "no rua= tag: you get no aggregate reports to see who sends as this domain; add rua=mailto:…",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RecordStatus;

    #[test]
    fn valid_records() {
        let r = parse_record(
            "v=DMARC1; p=reject; sp=quarantine; rua=mailto:agg@example.org!10m, mailto:b@example.net; \
             ruf=mailto:f@example.org; pct=50; adkim=s; aspf=r; fo=1:d; ri=3600; rf=afrf; x=y",
        )
        .unwrap();
        assert_eq!(r.p, Some(Disposition::Reject));
        assert_eq!(r.subdomain_policy(), Disposition::Quarantine);
        assert_eq!(r.rua.len(), 2);
        assert_eq!(r.rua[0].max_size.as_deref(), Some("10m"));
        assert_eq!(r.ruf[0].uri, "mailto:f@example.org");
        assert_eq!((r.pct, r.adkim, r.aspf, r.ri), (50, Alignment::Strict, Alignment::Relaxed, 3600));
        assert_eq!(r.fo, ["1", "d"]);
        assert_eq!(r.strength, Strength::Partial);

        let cases = [
            ("v=DMARC1; p=none", Strength::MonitorOnly),
            ("v=DMARC1;p=quarantine", Strength::Quarantine),
            ("v = DMARC1 ; p = REJECT ;", Strength::Reject),
            ("v=DMARC1; p=reject; pct=0", Strength::Partial),
            ("v=DMARC1; rua=mailto:a@example.org", Strength::MonitorOnly),
            ("v=DMARC1; p=bogus; rua=mailto:a@example.org", Strength::MonitorOnly),
        ];
        for (text, strength) in cases {
            let r = parse_record(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(r.strength, strength, "{text:?}");
        }
    }

    #[test]
    fn invalid_records() {
        let cases = [
            ("v=DMARC1", "\"p\" is missing"),
            ("v=DMARC1; p=bogus", "p must be"),
            ("v=dmarc1; p=none", "does not start"),
            ("p=none; v=DMARC1", "does not start"),
            ("v=DMARC1; p=none; p=reject", "more than once"),
            ("v=DMARC1; p=none; v=DMARC1", "first tag only"),
            ("v=DMARC1; p=none; sp=all", "sp must be"),
            ("v=DMARC1; p=none; pct=101", "0 to 100"),
            ("v=DMARC1; p=none; pct=-1", "0 to 100"),
            ("v=DMARC1; p=none; pct=", "0 to 100"),
            ("v=DMARC1; p=none; adkim=x", "r or s"),
            ("v=DMARC1; p=none; fo=2", "fo is"),
            ("v=DMARC1; p=none; ri=1h", "ri must"),
            ("v=DMARC1; p=none; rua=agg@example.org", "not a URI"),
            ("v=DMARC1; p=none; rua=mailto:a@example.org!x", "size limit"),
            ("v=DMARC1; p=none; rua=mailto:a@example.org!10mb", "size limit"),
            ("v=DMARC1; p=none; junk", "tag=value"),
            ("v=DMARC1; p=none; 1x=2", "tag name"),
        ];
        for (text, want) in cases {
            let e = parse_record(text).expect_err(text).to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn findings() {
        let ids_of = |records: &[&str]| {
            let c = check_records(records);
            (c.status, c.findings.iter().map(|f| f.id).collect::<Vec<_>>())
        };
        let rua = "rua=mailto:d@example.org";
        let cases: Vec<(Vec<String>, RecordStatus, Vec<&str>)> = vec![
            (vec![], RecordStatus::Absent, vec![ids::NO_RECORD]),
            (vec!["v=spf1 -all".into()], RecordStatus::Absent, vec![ids::NO_RECORD]),
            (vec![format!("v=DMARC1; p=reject; {rua}")], RecordStatus::Valid, vec![]),
            (vec![format!("v=DMARC1; p=none; {rua}")], RecordStatus::Valid, vec![ids::MONITOR_ONLY]),
            (vec![format!("v=DMARC1; {rua}")], RecordStatus::Valid, vec![ids::MISSING_POLICY]),
            (vec![format!("v=DMARC1; p=reject; pct=20; {rua}")], RecordStatus::Valid, vec![ids::PARTIAL]),
            (
                vec![format!("v=DMARC1; p=reject; sp=none; {rua}")],
                RecordStatus::Valid,
                vec![ids::WEAKER_SUBDOMAINS],
            ),
            (vec!["v=DMARC1; p=reject".into()], RecordStatus::Valid, vec![ids::NO_REPORTS]),
            (
                vec!["v=DMARC1; p=reject".into(), "v=DMARC1; p=none".into()],
                RecordStatus::Multiple,
                vec![ids::MULTIPLE_RECORDS],
            ),
            (vec!["v=DMARC1; p=nope".into()], RecordStatus::Invalid, vec![ids::INVALID_RECORD]),
        ];
        for (records, status, want) in cases {
            let refs: Vec<&str> = records.iter().map(String::as_str).collect();
            assert_eq!(ids_of(&refs), (status, want), "{records:?}");
        }
    }
}
