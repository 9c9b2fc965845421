//! The report of `mxray domain` (`docs/domain.md`): the MX set with its DNSSEC status, per
//! MX host its addresses, the port-25 scan of each address, the EHLO name and banner against
//! the certificate and the reverse DNS, DANE per MX, and the per-MX summary row.
//!
//! The CLI fills it from `mxray_net::dns` and `mxray_net::scan`; the decisions that turn
//! those facts into summary words (name checks, the DANE verdict of an MX over all its
//! addresses and chains, the certificate and STARTTLS columns) are pure functions here.
//!
//! MTA-STS, TLS-RPT, SPF and DMARC are not checked yet: [`DomainReport::policies`] says so
//! ([`PolicyStatus::NotChecked`]) instead of leaving a gap that reads as "fine".

use std::net::IpAddr;

use serde::Serialize;

use crate::dane::{DaneReport, DaneVerdict, Tlsa};
use crate::dns::{Answer, DnssecStatus, MailRouting, Mx};
use crate::report::EndpointReport;
use crate::x509::names::{NameMatch, dns_name_matches, match_host};

/// The schema version of the JSON report.
pub const SCHEMA_VERSION: &str = "1.0";

/// Everything `mxray domain` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomainReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: &'static str,
    /// The domain, fully qualified (`example.org.`).
    pub domain: String,
    /// The MX answer.
    pub mx: Answer<Mx>,
    /// What it means for mail.
    pub routing: MailRouting,
    /// One entry per mail host (MX hosts in preference order, or the domain for an
    /// implicit MX).
    pub hosts: Vec<MxHostReport>,
    /// Domain-wide policies (MTA-STS, TLS-RPT, SPF, DMARC).
    pub policies: Policies,
}

/// One mail host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MxHostReport {
    /// The host, fully qualified.
    pub host: String,
    /// Its MX preference (0 for an implicit MX).
    pub preference: u16,
    /// IPv4 addresses.
    pub a: Answer<IpAddr>,
    /// IPv6 addresses.
    pub aaaa: Answer<IpAddr>,
    /// TLSA records at `_PORT._tcp.HOST`.
    pub tlsa: Answer<Tlsa>,
    /// One entry per address.
    pub addresses: Vec<AddressReport>,
    /// The summary row.
    pub summary: MxSummary,
}

/// One address of a mail host.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AddressReport {
    /// The address.
    pub address: IpAddr,
    /// Its reverse DNS.
    pub ptr: Answer<String>,
    /// Forward confirmation: which PTR names resolve back to the address.
    pub ptr_confirmed: Vec<String>,
    /// Greeting and EHLO names against the certificate and the reverse DNS.
    pub names: NameChecks,
    /// The full scan of the SMTP port.
    pub scan: EndpointReport,
    /// DANE, one report per distinct certificate chain the server presented (or one with
    /// [`DaneVerdict::NoCertificate`] when none was obtained).
    pub dane: Vec<DaneReport>,
}

/// The names a server gives itself, checked against what others say about it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NameChecks {
    /// The name in the 220 greeting.
    pub banner_name: Option<String>,
    /// The name in the first line of the EHLO reply.
    pub ehlo_name: Option<String>,
    /// Banner and EHLO name are the same.
    pub banner_matches_ehlo: Option<bool>,
    /// The EHLO name is one of the address's PTR names.
    pub ehlo_matches_ptr: Option<bool>,
    /// The leaf certificate covers the EHLO name.
    pub ehlo_in_certificate: Option<bool>,
    /// The leaf certificate covers the MX host name.
    pub mx_in_certificate: Option<bool>,
}

/// The summary row of one MX host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxSummary {
    /// The weakest DNSSEC status of the MX, address and TLSA answers.
    pub dnssec: DnssecStatus,
    /// `offered`, `not offered`, `unreachable`, `no address`, or `mixed` across addresses.
    pub starttls: String,
    /// The worst grade across addresses.
    pub grade: Option<String>,
    /// `valid`, `untrusted`, `name mismatch`, `none` (the worst across addresses).
    pub certificate: String,
    /// The DANE verdict of the host (see [`dane_summary`]).
    pub dane: DaneVerdict,
    /// MTA-STS for this MX (not checked yet).
    pub mta_sts: PolicyStatus,
}

/// Domain-wide policies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policies {
    /// MTA-STS (RFC 8461).
    pub mta_sts: PolicyStatus,
    /// TLS-RPT (RFC 8460).
    pub tls_rpt: PolicyStatus,
    /// SPF.
    pub spf: PolicyStatus,
    /// DMARC.
    pub dmarc: PolicyStatus,
}

impl Policies {
    /// Every policy [`PolicyStatus::NotChecked`].
    pub fn not_checked() -> Self {
        Self {
            mta_sts: PolicyStatus::NotChecked,
            tls_rpt: PolicyStatus::NotChecked,
            spf: PolicyStatus::NotChecked,
            dmarc: PolicyStatus::NotChecked,
        }
    }
}

/// The state of a policy check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "detail")]
#[non_exhaustive]
pub enum PolicyStatus {
    /// This version of mxray does not check it.
    NotChecked,
    /// Checked: a one-line result.
    Checked(String),
}

impl PolicyStatus {
    /// `not checked` or the result line.
    pub fn text(&self) -> &str {
        match self {
            Self::NotChecked => "not checked",
            Self::Checked(s) => s,
        }
    }
}

/// The host name in an SMTP reply, with or without its code: `220 mx.example.org ESMTP`,
/// `250-mx.example.org`, `mx.example.org ESMTP` → `mx.example.org` (lower case, no
/// trailing dot).
pub fn greeting_name(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let rest = if bytes.len() >= 3 && bytes[..3].iter().all(u8::is_ascii_digit) {
        line[3..].trim_start_matches(['-', ' '])
    } else {
        line
    };
    let name = rest.split_whitespace().next()?.trim_end_matches('.').to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

/// Compares the greeting, EHLO name, PTR names and the leaf certificate of one address.
pub fn name_checks(mx_host: &str, ptr_names: &[String], scan: &EndpointReport) -> NameChecks {
    let dialogue = scan.starttls.as_ref();
    let banner_name = dialogue.and_then(|d| d.banner.as_deref()).and_then(greeting_name);
    let ehlo_name = dialogue.and_then(|d| d.hello.as_deref()).and_then(greeting_name);
    let leaf = scan.certificates.first().and_then(|c| c.chain.certificates.first());
    let covers = |name: &str| leaf.map(|cert| !matches!(match_host(cert, name), NameMatch::Mismatch));
    NameChecks {
        banner_matches_ehlo: match (&banner_name, &ehlo_name) {
            (Some(b), Some(e)) => Some(b == e),
            _ => None,
        },
        ehlo_matches_ptr: ehlo_name
            .as_ref()
            .map(|e| ptr_names.iter().any(|p| dns_name_matches(p.trim_end_matches('.'), e))),
        ehlo_in_certificate: ehlo_name.as_deref().and_then(covers),
        mx_in_certificate: covers(mx_host.trim_end_matches('.')),
        banner_name,
        ehlo_name,
    }
}

/// The DANE verdict of a host over every address and chain: the worst one a DANE client
/// could meet (a mismatch anywhere defers mail to that address).
pub fn dane_summary(reports: &[&DaneReport]) -> DaneVerdict {
    fn rank(v: DaneVerdict) -> u8 {
        match v {
            DaneVerdict::Mismatch => 0,
            DaneVerdict::NoCertificate => 1,
            DaneVerdict::NoUsableRecords => 2,
            DaneVerdict::NotSecure => 3,
            DaneVerdict::Authenticated => 4,
            DaneVerdict::NoRecords => 5,
        }
    }
    reports.iter().map(|r| r.verdict).min_by_key(|v| rank(*v)).unwrap_or(DaneVerdict::NoRecords)
}

/// The STARTTLS column for one address's scan.
pub fn starttls_word(scan: &EndpointReport) -> &'static str {
    match &scan.starttls {
        Some(d) if d.starttls_offered && !scan.certificates.is_empty() => "offered",
        Some(d) if d.starttls_offered => "handshake failed",
        Some(d) if d.banner.is_some() => "not offered",
        _ => "unreachable",
    }
}

/// The certificate column for one address's scan: `valid` (trusted and names the MX host),
/// `name mismatch`, `untrusted`, or `none`.
pub fn certificate_word(scan: &EndpointReport) -> &'static str {
    let Some(cert) = scan.certificates.first() else { return "none" };
    if cert.chain.levels.domain.is_ok() {
        "valid"
    } else if cert.chain.levels.certificate.is_ok() {
        "name mismatch"
    } else {
        "untrusted"
    }
}

/// Builds the summary row from the host's answers and address reports.
pub fn mx_summary(mx: &Answer<Mx>, host: &MxHostReportParts<'_>) -> MxSummary {
    let mut dnssec = mx.dnssec.clone();
    for status in [&host.a.dnssec, &host.aaaa.dnssec] {
        dnssec = dnssec.weakest(status.clone());
    }
    if !host.tlsa.records().is_empty() {
        dnssec = dnssec.weakest(host.tlsa.dnssec.clone());
    }
    let words: Vec<&str> = host.addresses.iter().map(|a| starttls_word(&a.scan)).collect();
    let starttls = match words.first() {
        None => "no address".to_owned(),
        Some(first) if words.iter().all(|w| w == first) => (*first).to_owned(),
        Some(_) => "mixed".to_owned(),
    };
    let grade = host
        .addresses
        .iter()
        .map(|a| a.scan.grade.clone())
        .filter(|g| !g.is_empty())
        .max_by_key(|g| grade_rank(g));
    let certificate = host
        .addresses
        .iter()
        .map(|a| certificate_word(&a.scan))
        .min_by_key(|w| match *w {
            "none" => 0,
            "untrusted" => 1,
            "name mismatch" => 2,
            _ => 3,
        })
        .unwrap_or("none")
        .to_owned();
    let dane_reports: Vec<&DaneReport> = host.addresses.iter().flat_map(|a| a.dane.iter()).collect();
    let dane = if dane_reports.is_empty() {
        if host.tlsa.records().is_empty() { DaneVerdict::NoRecords } else { DaneVerdict::NoCertificate }
    } else {
        dane_summary(&dane_reports)
    };
    MxSummary { dnssec, starttls, grade, certificate, dane, mta_sts: PolicyStatus::NotChecked }
}

/// Higher is worse: `F` > `T`/`M` > `C` … > `A+`.
fn grade_rank(grade: &str) -> u8 {
    match grade {
        "A+" => 0,
        "A" => 1,
        "A-" => 2,
        "B" => 3,
        "C" => 4,
        "D" => 5,
        "E" => 6,
        "T" | "M" => 7,
        _ => 8,
    }
}

/// What [`mx_summary`] reads of a host being built.
#[derive(Clone, Copy, Debug)]
pub struct MxHostReportParts<'a> {
    /// IPv4 answer.
    pub a: &'a Answer<IpAddr>,
    /// IPv6 answer.
    pub aaaa: &'a Answer<IpAddr>,
    /// TLSA answer.
    pub tlsa: &'a Answer<Tlsa>,
    /// The addresses.
    pub addresses: &'a [AddressReport],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dane::{DaneReport, DaneVerdict};

    #[test]
    fn greeting_names() {
        let cases = [
            ("220 mx1.example.org ESMTP Postfix", Some("mx1.example.org")),
            ("250-MX1.Example.org.", Some("mx1.example.org")),
            ("250 mx1.example.org", Some("mx1.example.org")),
            ("220 ", None),
            ("", None),
        ];
        for (line, want) in cases {
            assert_eq!(greeting_name(line).as_deref(), want, "{line:?}");
        }
        assert_eq!(greeting_name("mx1.example.org ESMTP").as_deref(), Some("mx1.example.org"));
    }

    #[test]
    fn dane_summary_takes_the_worst() {
        let r = |verdict| DaneReport { verdict, records: vec![], notes: vec![] };
        let (m, a, n, s) = (
            r(DaneVerdict::Mismatch),
            r(DaneVerdict::Authenticated),
            r(DaneVerdict::NoRecords),
            r(DaneVerdict::NotSecure),
        );
        assert_eq!(dane_summary(&[&a, &m]), DaneVerdict::Mismatch);
        assert_eq!(dane_summary(&[&a, &a]), DaneVerdict::Authenticated);
        assert_eq!(dane_summary(&[&n]), DaneVerdict::NoRecords);
        assert_eq!(dane_summary(&[&s, &a]), DaneVerdict::NotSecure);
        assert_eq!(dane_summary(&[]), DaneVerdict::NoRecords);
    }

    #[test]
    fn grades_rank_worst_last() {
        let mut grades = ["A", "F", "A+", "T", "B"];
        grades.sort_by_key(|g| grade_rank(g));
        assert_eq!(grades, ["A+", "A", "B", "T", "F"]);
    }
}
