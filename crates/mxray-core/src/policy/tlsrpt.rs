//! SMTP TLS Reporting (RFC 8460): the `_smtp._tls` TXT record (§3).
//!
//! ```text
//! tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! field-delim      = *WSP ";" *WSP
//! tlsrpt-field     = tlsrpt-rua / tlsrpt-extension
//! tlsrpt-version   = %s"v=TLSRPTv1"
//! tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! tlsrpt-uri       = URI            ; mailto: or https:
//! ```
//!
//! Only `mailto:` and `https:` URIs are defined; a comma inside a URI must be
//! percent-encoded (§3), so splitting `rua` on commas is exact.

use serde::Serialize;

use super::{
    PolicyError, RecordCheck, Severity, check_size, finding, is_ext_name, is_ext_value, is_wsp, split_tags,
};

/// Stable ids of the TLS-RPT findings.
pub mod ids {
    /// No `_smtp._tls` record.
    pub const NO_RECORD: &str = "tlsrpt.no-record";
    /// Several `v=TLSRPTv1` records: senders send no reports.
    pub const MULTIPLE_RECORDS: &str = "tlsrpt.multiple-records";
    /// The record breaks the grammar: senders send no reports.
    pub const INVALID_RECORD: &str = "tlsrpt.invalid-record";
    /// A `rua` URI with a scheme other than `mailto:` and `https:`; senders skip it.
    pub const UNKNOWN_SCHEME: &str = "tlsrpt.unknown-scheme";
}

/// Where reports go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "scheme", content = "target", rename_all = "lowercase")]
pub enum ReportUri {
    /// `mailto:ADDRESS`: reports by mail.
    Mailto(String),
    /// `https://…`: reports POSTed to this URL.
    Https(String),
    /// Another scheme: not defined by RFC 8460, ignored by senders.
    Other(String),
}

impl ReportUri {
    /// The destination as written in the record (`mailto:tlsrpt@example.org`,
    /// `https://reports.example.org/tlsrpt`).
    pub fn uri(&self) -> String {
        match self {
            Self::Mailto(address) => format!("mailto:{address}"),
            Self::Https(uri) | Self::Other(uri) => uri.clone(),
        }
    }
}

/// The `_smtp._tls` TXT record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsRptRecord {
    /// The report destinations, in order.
    pub rua: Vec<ReportUri>,
    /// Extension fields, as given.
    pub extensions: Vec<(String, String)>,
}

/// Parses one `_smtp._tls` record.
pub fn parse_record(text: &str) -> Result<TlsRptRecord, PolicyError> {
    check_size("TLS-RPT record", text, super::MAX_RECORD_SIZE)?;
    let parts = split_tags(text);
    if parts.first() != Some(&"v=TLSRPTv1") || text.starts_with(is_wsp) {
        return Err(PolicyError::BadVersion { expected: "v=TLSRPTv1" });
    }
    let mut rua = None;
    let mut extensions = Vec::new();
    for part in &parts[1..] {
        let Some((name, value)) = part.split_once('=') else {
            return Err(PolicyError::syntax(part, "not a name=value field"));
        };
        if name == "rua" {
            if rua.is_some() {
                return Err(PolicyError::Duplicate { field: "rua".into() });
            }
            rua = Some(
                value.split(',').map(|u| parse_uri(u.trim_matches(is_wsp))).collect::<Result<Vec<_>, _>>()?,
            );
        } else if is_ext_name(name) && is_ext_value(value) {
            extensions.push((name.to_owned(), value.to_owned()));
        } else {
            return Err(PolicyError::syntax(part, "not a valid extension field"));
        }
    }
    let rua = rua.ok_or(PolicyError::Missing { field: "rua" })?;
    Ok(TlsRptRecord { rua, extensions })
}

/// One `tlsrpt-uri`: an RFC 3986 URI with a scheme; `mailto:` needs an address with `@`,
/// `https:` a `//host`.
fn parse_uri(uri: &str) -> Result<ReportUri, PolicyError> {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(PolicyError::syntax(uri, "a report URI needs a scheme (mailto: or https:)"));
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() || !uri.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PolicyError::syntax(uri, "not a URI"));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "mailto" => {
            let addr = rest.split('?').next().unwrap_or_default();
            match addr.rsplit_once('@') {
                Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                    Ok(ReportUri::Mailto(addr.to_owned()))
                }
                _ => Err(PolicyError::syntax(uri, "a mailto: URI needs an address (local@domain)")),
            }
        }
        "https" => match rest.strip_prefix("//") {
            Some(authority) if !authority.is_empty() && !authority.starts_with('/') => {
                Ok(ReportUri::Https(uri.to_owned()))
            }
            _ => Err(PolicyError::syntax(uri, "an https: URI needs a host (https://host/path)")),
        },
        _ => Ok(ReportUri::Other(uri.to_owned())),
    }
}

/// Checks the TXT records found at `_smtp._tls.DOMAIN`: records not starting with
/// `v=TLSRPTv1` are someone else's; more than one left means no reporting (§3).
pub fn check_records(records: &[impl AsRef<str>]) -> RecordCheck<TlsRptRecord> {
    RecordCheck::build(
        records,
        |r| r.starts_with("v=TLSRPTv1"),
        parse_record,
        |record, findings| {
            for uri in &record.rua {
                if let ReportUri::Other(u) = uri {
                    findings.push(finding(
                        ids::UNKNOWN_SCHEME,
                        Severity::Low,
                        format!(
                            "the TLS-RPT destination {u:?} is neither mailto: nor https: and gets no reports"
                        ),
                    ));
                }
            }
        },
        Some(finding(
            ids::NO_RECORD,
            Severity::Low,
            "no _smtp._tls TXT record: senders do not report TLS failures (RFC 8460); publish \
             \"v=TLSRPTv1; rua=mailto:…\"",
        )),
        |n| {
            finding(
                ids::MULTIPLE_RECORDS,
                Severity::Medium,
                format!("{n} v=TLSRPTv1 records at _smtp._tls: senders send no reports; keep exactly one"),
            )
        },
        |e| {
            finding(
                ids::INVALID_RECORD,
                Severity::Medium,
                format!("the _smtp._tls record is invalid ({e}): senders send no reports; fix the record"),
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RecordStatus;

    #[test]
    fn uri_is_the_destination_as_written() {
        let record =
            parse_record("v=TLSRPTv1; rua=mailto:tls@example.org,https://r.example.org/t,ftp://x.example")
                .unwrap();
        let uris: Vec<String> = record.rua.iter().map(ReportUri::uri).collect();
        assert_eq!(uris, ["mailto:tls@example.org", "https://r.example.org/t", "ftp://x.example"]);
    }

    #[test]
    fn valid_records() {
        let cases: &[(&str, &[ReportUri])] = &[
            // RFC 8460 §3 examples.
            ("v=TLSRPTv1;rua=mailto:reports@example.com", &[ReportUri::Mailto("reports@example.com".into())]),
            (
                "v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt",
                &[ReportUri::Https("https://reporting.example.com/v1/tlsrpt".into())],
            ),
            (
                "v=TLSRPTv1; rua=mailto:a@example.com , https://r.example.com/x ;",
                &[
                    ReportUri::Mailto("a@example.com".into()),
                    ReportUri::Https("https://r.example.com/x".into()),
                ],
            ),
            ("v=TLSRPTv1; rua=MAILTO:a@example.com?subject=x", &[ReportUri::Mailto("a@example.com".into())]),
            ("v=TLSRPTv1; rua=ftp://x.example/", &[ReportUri::Other("ftp://x.example/".into())]),
            (
                "v=TLSRPTv1; rua=mailto:a@example.com; ext.1=val:ue",
                &[ReportUri::Mailto("a@example.com".into())],
            ),
        ];
        for (text, want) in cases {
            let record = parse_record(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(record.rua, *want, "{text:?}");
        }
    }

    #[test]
    fn invalid_records() {
        let cases = [
            ("v=TLSRPTv1", "missing"),
            ("v=TLSRPTv1;", "missing"),
            ("v=tlsrptv1; rua=mailto:a@example.com", "does not start"),
            (" v=TLSRPTv1; rua=mailto:a@example.com", "does not start"),
            ("rua=mailto:a@example.com; v=TLSRPTv1", "does not start"),
            ("v=TLSRPTv1; rua=", "scheme"),
            ("v=TLSRPTv1; rua=mailto:", "not a URI"),
            ("v=TLSRPTv1; rua=mailto:nobody", "address"),
            ("v=TLSRPTv1; rua=https:/x", "host"),
            ("v=TLSRPTv1; rua=mailto:a@example.com,", "scheme"),
            ("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com", "more than once"),
            ("v=TLSRPTv1; rua=mailto:a@example.com; x", "name=value"),
            ("v=TLSRPTv1; rua=mailto:a@example.com; _x=1", "extension"),
            ("v=TLSRPTv1;; rua=mailto:a@example.com", "name=value"),
        ];
        for (text, want) in cases {
            let e = parse_record(text).expect_err(text).to_string();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn record_sets() {
        let none: [&str; 0] = [];
        assert_eq!(check_records(&none).status, RecordStatus::Absent);
        assert_eq!(check_records(&none).findings[0].id, ids::NO_RECORD);
        let other = ["v=spf1 -all"];
        assert_eq!(check_records(&other).status, RecordStatus::Absent);
        let two = ["v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"];
        let check = check_records(&two);
        assert_eq!((check.status, check.findings[0].id), (RecordStatus::Multiple, ids::MULTIPLE_RECORDS));
        let bad = check_records(&["v=TLSRPTv1; rua=nothing"]);
        assert_eq!((bad.status, bad.findings[0].id), (RecordStatus::Invalid, ids::INVALID_RECORD));
        let ftp = check_records(&["v=TLSRPTv1; rua=ftp://x.example/"]);
        assert_eq!((ftp.status, ftp.findings[0].id), (RecordStatus::Valid, ids::UNKNOWN_SCHEME));
        let ok = check_records(&["v=TLSRPTv1; rua=mailto:a@example.com"]);
        assert_eq!((ok.status, ok.findings.len()), (RecordStatus::Valid, 0));
    }
}
