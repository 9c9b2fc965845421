//! The report of `mxray domain` (`docs/domain.md`): the MX set with its DNSSEC status, per
//! MX host its addresses, the port-25 scan of each address, the EHLO name and banner against
//! the certificate and the reverse DNS, DANE per MX, and the per-MX summary row.
//!
//! The CLI fills it from `mxray_net::dns` and `mxray_net::scan`; the decisions that turn
//! those facts into summary words (name checks, the DANE verdict of an MX over all its
//! addresses and chains, the certificate and STARTTLS columns) are pure functions here.
//!
//! The policies ([`Policies`]): each TXT answer with its DNSSEC status and the check of
//! `crate::policy` ([`TxtPolicy`], a failed lookup is [`RecordState::LookupFailed`], not
//! "absent"); MTA-STS adds the policy fetch the CLI made ([`PolicyFetch`]) and judges every
//! MX host against the policy's `mx` patterns and its certificate column
//! ([`MtaStsReport::evaluate`] → [`MxStsStatus`], the MTA-STS column of the summary row).

use std::net::IpAddr;

use serde::Serialize;

use crate::dane::{DaneReport, DaneVerdict, Tlsa};
use crate::dns::{Answer, DnssecStatus, ErrorKind, MailRouting, Mx, Outcome, Txt};
use crate::policy::dmarc::DmarcRecord;
use crate::policy::mta_sts::{self, Evaluation, Mode, Policy, PolicyCheck, StsRecord};
use crate::policy::spf::SpfRecord;
use crate::policy::tlsrpt::TlsRptRecord;
use crate::policy::{RecordCheck, RecordStatus};
use crate::report::{EndpointReport, Finding, Severity};
use crate::starttls::injection::InjectionVerdict;
use crate::x509::names::{NameMatch, dns_name_matches, match_host};

/// The schema version of the JSON report.
pub const SCHEMA_VERSION: &str = "1.1";

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
    /// The client-facing ports (submission, IMAP, POP3, Sieve, HTTPS; schema 1.1; `null`
    /// with `--no-client-ports`).
    pub client_ports: Option<crate::client_ports::ClientPortsReport>,
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
    /// The STARTTLS command-injection probe (CVE-2011-0411 class), run after the scan when
    /// the scan reached STARTTLS; absent when it did not run (`--no-injection`, or STARTTLS
    /// not offered or the address unreachable). The same verdict is in
    /// `scan.starttls_injection`, with its finding in `scan.findings` (schema 1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls_injection: Option<InjectionVerdict>,
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
    /// MTA-STS for this MX (filled by [`MtaStsReport::evaluate`]).
    pub mta_sts: MxStsStatus,
    /// The STARTTLS injection probe over the addresses (see [`injection_word`], schema 1.1).
    pub starttls_injection: String,
}

/// Domain-wide policies, each with the DNS answer it was read from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policies {
    /// MTA-STS (RFC 8461): the `_mta-sts` record, the fetched policy, every MX against it.
    pub mta_sts: MtaStsReport,
    /// TLS-RPT (RFC 8460): the `_smtp._tls` record.
    pub tls_rpt: TxtPolicy<TlsRptRecord>,
    /// SPF (RFC 7208): the `v=spf1` record at the domain.
    pub spf: TxtPolicy<SpfRecord>,
    /// DMARC (RFC 7489): the `_dmarc` record.
    pub dmarc: TxtPolicy<DmarcRecord>,
}

impl Policies {
    /// Every finding of the four policies, most severe first.
    pub fn findings(&self) -> Vec<Finding> {
        let mut all: Vec<Finding> = self
            .mta_sts
            .findings
            .iter()
            .chain(&self.tls_rpt.findings)
            .chain(&self.spf.findings)
            .chain(&self.dmarc.findings)
            .cloned()
            .collect();
        all.sort_by_key(|f| std::cmp::Reverse(f.severity));
        all
    }
}

/// What the TXT records of one policy amount to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// No record of this kind (NXDOMAIN, NODATA, or only other TXT records).
    Absent,
    /// One record, valid.
    Valid,
    /// One record, invalid.
    Invalid,
    /// Several records (receivers use none; SPF: permerror).
    Multiple,
    /// The TXT lookup failed (SERVFAIL, timeout, DNSSEC bogus): nothing to judge.
    LookupFailed,
}

impl RecordState {
    /// `absent`, `valid`, `invalid`, `multiple`, `lookup failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Absent => "absent",
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Multiple => "multiple",
            Self::LookupFailed => "lookup failed",
        }
    }
}

/// Finding ids of the domain report's own policy checks.
pub mod ids {
    /// A policy's TXT lookup failed: receivers and senders cannot read it either.
    pub const POLICY_LOOKUP_FAILED: &str = "dns.policy-lookup-failed";
    /// An MX host matches the MTA-STS policy but its certificate is not valid for its name.
    pub const MTA_STS_MX_CERTIFICATE: &str = "mta-sts.mx-certificate";
}

/// One policy published as TXT records: the DNS answer and the check of its records.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TxtPolicy<T> {
    /// The TXT lookup (name, DNSSEC status, records or error).
    pub answer: Answer<Txt>,
    /// What the records amount to.
    pub status: RecordState,
    /// The check of the records (`null` when the lookup failed).
    pub check: Option<RecordCheck<T>>,
    /// The check's findings, or the failed lookup's; most severe first.
    pub findings: Vec<Finding>,
}

impl<T> TxtPolicy<T> {
    /// Checks the records of `answer` with `check` (one of the `policy::*::check_records`).
    /// A failed lookup is not "absent": it gets [`RecordState::LookupFailed`] and a finding.
    pub fn new(answer: Answer<Txt>, check: impl Fn(&[String]) -> RecordCheck<T>) -> Self {
        if let Outcome::Error { error, message } = &answer.outcome {
            let severity = if *error == ErrorKind::Bogus { Severity::High } else { Severity::Medium };
            let finding = Finding {
                id: ids::POLICY_LOOKUP_FAILED,
                severity,
                message: format!(
                    "the TXT lookup of {} failed ({}): mail servers cannot read the record either; fix the DNS",
                    answer.name,
                    if *error == ErrorKind::Bogus { answer.dnssec.to_string() } else { message.clone() }
                ),
            };
            return Self { answer, status: RecordState::LookupFailed, check: None, findings: vec![finding] };
        }
        let texts: Vec<String> = answer.records().iter().map(Txt::joined).collect();
        let check = check(&texts);
        let status = match check.status {
            RecordStatus::Absent => RecordState::Absent,
            RecordStatus::Valid => RecordState::Valid,
            RecordStatus::Invalid => RecordState::Invalid,
            RecordStatus::Multiple => RecordState::Multiple,
        };
        let findings = check.findings.clone();
        Self { answer, status, check: Some(check), findings }
    }

    /// The parsed record, when valid.
    pub fn record(&self) -> Option<&T> {
        self.check.as_ref().and_then(|c| c.record.as_ref())
    }
}

/// The MTA-STS fetch: the policy host's addresses and what the HTTPS GET gave.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyFetch {
    /// `mta-sts.DOMAIN.`
    pub host: String,
    /// Its IPv4 addresses.
    pub a: Answer<IpAddr>,
    /// Its IPv6 addresses.
    pub aaaa: Answer<IpAddr>,
    /// The URL fetched.
    pub url: String,
    /// Why the fetch failed (`null` when it gave a valid policy).
    pub error: Option<FetchFailure>,
    /// The policy check (also for a malformed policy; `null` when no body was read).
    pub check: Option<PolicyCheck>,
    /// The fetch's findings (a failed fetch, an invalid policy, mode and max_age notes).
    pub findings: Vec<Finding>,
}

impl PolicyFetch {
    /// The valid policy, if one was fetched.
    pub fn policy(&self) -> Option<&Policy> {
        self.check.as_ref().and_then(|c| c.policy.as_ref())
    }
}

/// A failed policy fetch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FetchFailure {
    /// `no-address`, `connect`, `tls`, `redirect`, `status`, `content-type`, `too-large`,
    /// `timeout`, `malformed`, `http`, `setup`, `bad-domain` (`docs/policy.md`).
    pub kind: String,
    /// What happened, one line.
    pub message: String,
}

/// MTA-STS for the whole domain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MtaStsReport {
    /// The `_mta-sts` TXT record.
    pub record: TxtPolicy<StsRecord>,
    /// The policy fetch (`null` unless the record is valid).
    pub fetch: Option<PolicyFetch>,
    /// The MX hosts matched against the policy's `mx` patterns (`null` without a policy).
    pub evaluation: Option<Evaluation>,
    /// Every MX host: its pattern, its certificate and the verdict.
    pub mx: Vec<MxStsCheck>,
    /// One line for the domain: `enforce: ok`, `testing: mx2.example.org. not matched`,
    /// `none`, `absent`, `fetch failed: status`, ….
    pub summary: String,
    /// Every MTA-STS finding (record, fetch, policy, MX), most severe first.
    pub findings: Vec<Finding>,
}

/// One MX host under the domain's MTA-STS policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MxStsCheck {
    /// The MX host.
    pub host: String,
    /// The first `mx` pattern it matches (`null`: none, or no policy).
    pub pattern: Option<String>,
    /// The host's certificate column (`valid`, `name mismatch`, `untrusted`, `none`).
    pub certificate: String,
    /// The verdict.
    #[serde(flatten)]
    pub status: MxStsStatus,
}

/// MTA-STS for one MX host: the column of the summary table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
#[non_exhaustive]
pub enum MxStsStatus {
    /// Not looked at (the policies were not checked).
    NotChecked,
    /// No `_mta-sts` record: no MTA-STS.
    Absent,
    /// The `_mta-sts` record is invalid or there are several: senders use no policy.
    InvalidRecord,
    /// The `_mta-sts` lookup failed.
    LookupFailed,
    /// The record is valid but the policy could not be fetched.
    FetchFailed {
        /// The fetch error's kind.
        kind: String,
    },
    /// The policy file is invalid.
    InvalidPolicy,
    /// `mode: none`: the policy is withdrawn.
    ModeNone,
    /// The MX matches a pattern and its certificate is valid for its name.
    Ok {
        /// `enforce` or `testing`.
        mode: Mode,
    },
    /// The MX matches no pattern.
    NotMatched {
        /// `enforce` or `testing`.
        mode: Mode,
    },
    /// The MX matches a pattern but its certificate is not valid for its name.
    BadCertificate {
        /// `enforce` or `testing`.
        mode: Mode,
        /// The certificate column (`name mismatch`, `untrusted`, `none`).
        certificate: String,
    },
}

impl MxStsStatus {
    /// The summary column: `enforce: ok`, `testing: not matched`, `enforce: certificate
    /// untrusted`, `none`, `absent`, `invalid record`, `fetch failed: status`, ….
    pub fn text(&self) -> String {
        match self {
            Self::NotChecked => "not checked".into(),
            Self::Absent => "absent".into(),
            Self::InvalidRecord => "invalid record".into(),
            Self::LookupFailed => "lookup failed".into(),
            Self::FetchFailed { kind } => format!("fetch failed: {kind}"),
            Self::InvalidPolicy => "invalid policy".into(),
            Self::ModeNone => "none".into(),
            Self::Ok { mode } => format!("{}: ok", mode.as_str()),
            Self::NotMatched { mode } => format!("{}: not matched", mode.as_str()),
            Self::BadCertificate { mode, certificate } => {
                format!("{}: certificate {certificate}", mode.as_str())
            }
        }
    }
}

impl MtaStsReport {
    /// The report of the `_mta-sts` answer alone (before any fetch or MX evaluation).
    pub fn from_record(answer: Answer<Txt>) -> Self {
        let record = TxtPolicy::new(answer, mta_sts::check_records);
        let mut this = Self {
            record,
            fetch: None,
            evaluation: None,
            mx: Vec::new(),
            summary: String::new(),
            findings: vec![],
        };
        this.summary = this.domain_status().map_or_else(String::new, |s| s.text());
        this.findings = this.record.findings.clone();
        this
    }

    /// True when the policy should be fetched: the record is valid.
    pub fn wants_fetch(&self) -> bool {
        self.record.status == RecordState::Valid
    }

    /// True when senders apply an `enforce` policy that covers `host`: they then require a
    /// certificate valid for its name (what the mail grading needs to know).
    pub fn enforced_for(&self, host: &str) -> bool {
        self.fetch
            .as_ref()
            .and_then(PolicyFetch::policy)
            .is_some_and(|p| p.mode == Mode::Enforce && p.mx.iter().any(|m| m.matches(host)))
    }

    /// The verdict that applies to every MX alike, if the record or the fetch decided it.
    fn domain_status(&self) -> Option<MxStsStatus> {
        Some(match self.record.status {
            RecordState::Absent => MxStsStatus::Absent,
            RecordState::Invalid | RecordState::Multiple => MxStsStatus::InvalidRecord,
            RecordState::LookupFailed => MxStsStatus::LookupFailed,
            RecordState::Valid => {
                let fetch = self.fetch.as_ref()?;
                match (&fetch.error, fetch.policy()) {
                    (Some(e), _) if e.kind == "malformed" => MxStsStatus::InvalidPolicy,
                    (Some(e), _) => MxStsStatus::FetchFailed { kind: e.kind.clone() },
                    (None, None) => MxStsStatus::InvalidPolicy,
                    (None, Some(p)) if p.mode == Mode::None => MxStsStatus::ModeNone,
                    (None, Some(_)) => return None,
                }
            }
        })
    }

    /// Judges every MX host (`(host, certificate column)`) against the policy: fills
    /// [`Self::evaluation`], [`Self::mx`], [`Self::summary`] and [`Self::findings`].
    pub fn evaluate(&mut self, hosts: &[(String, String)]) {
        let mut findings = self.record.findings.clone();
        if let Some(f) = &self.fetch {
            findings.extend(f.findings.iter().cloned());
        }
        let common = self.domain_status();
        let policy = self.fetch.as_ref().and_then(PolicyFetch::policy).filter(|_| common.is_none());
        let names: Vec<&str> = hosts.iter().map(|(h, _)| h.as_str()).collect();
        self.evaluation = policy.map(|p| mta_sts::evaluate(p, &names));
        if let Some(e) = &self.evaluation {
            findings.extend(e.findings.iter().cloned());
        }
        self.mx = hosts
            .iter()
            .enumerate()
            .map(|(i, (host, certificate))| {
                let pattern = self.evaluation.as_ref().and_then(|e| e.hosts.get(i)).and_then(|m| m.pattern.clone());
                let status = match (&common, policy) {
                    (Some(s), _) => s.clone(),
                    (None, None) => MxStsStatus::NotChecked,
                    (None, Some(p)) if pattern.is_none() => MxStsStatus::NotMatched { mode: p.mode },
                    (None, Some(p)) if certificate != "valid" => {
                        let (severity, consequence) = if p.mode == Mode::Enforce {
                            (Severity::High, "senders that enforce MTA-STS will not deliver to it")
                        } else {
                            (Severity::Medium, "senders report a failure, and enforce mode would stop delivery")
                        };
                        findings.push(Finding {
                            id: ids::MTA_STS_MX_CERTIFICATE,
                            severity,
                            message: format!(
                                "MX {host} matches the MTA-STS policy but its certificate is not valid for its name ({certificate}): {consequence}; install a publicly trusted certificate for {host}"
                            ),
                        });
                        MxStsStatus::BadCertificate { mode: p.mode, certificate: certificate.clone() }
                    }
                    (None, Some(p)) => MxStsStatus::Ok { mode: p.mode },
                };
                MxStsCheck { host: host.clone(), pattern, certificate: certificate.clone(), status }
            })
            .collect();
        self.summary = match (&common, policy) {
            (Some(s), _) => s.text(),
            (None, None) => MxStsStatus::NotChecked.text(),
            (None, Some(p)) => {
                let problems: Vec<String> = self
                    .mx
                    .iter()
                    .filter_map(|m| match &m.status {
                        MxStsStatus::NotMatched { .. } => Some(format!("{} not matched", m.host)),
                        MxStsStatus::BadCertificate { certificate, .. } => {
                            Some(format!("{} certificate {certificate}", m.host))
                        }
                        _ => None,
                    })
                    .collect();
                if problems.is_empty() {
                    format!("{}: ok", p.mode.as_str())
                } else {
                    format!("{}: {}", p.mode.as_str(), problems.join(", "))
                }
            }
        };
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        findings.dedup();
        self.findings = findings;
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
    let verdicts: Vec<Option<&InjectionVerdict>> =
        host.addresses.iter().map(|a| a.starttls_injection.as_ref()).collect();
    let starttls_injection = injection_word(&verdicts).to_owned();
    MxSummary {
        dnssec,
        starttls,
        grade,
        certificate,
        dane,
        mta_sts: MxStsStatus::NotChecked,
        starttls_injection,
    }
}

/// The injection column of an MX from the probe's verdicts of its addresses (`None`: not
/// probed): `vulnerable` if any address answered the injected command; else `inconclusive`
/// if any probe could not tell; else `not tested` if no address was probed, `partly tested`
/// if only some were, `not vulnerable` if all were.
pub fn injection_word(verdicts: &[Option<&InjectionVerdict>]) -> &'static str {
    let probed: Vec<&InjectionVerdict> = verdicts.iter().flatten().copied().collect();
    if probed.iter().any(|v| matches!(v, InjectionVerdict::Vulnerable { .. })) {
        "vulnerable"
    } else if probed.iter().any(|v| matches!(v, InjectionVerdict::Inconclusive { .. })) {
        "inconclusive"
    } else if probed.is_empty() {
        "not tested"
    } else if probed.len() < verdicts.len() {
        "partly tested"
    } else {
        "not vulnerable"
    }
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
    fn injection_column_over_addresses() {
        let vulnerable = InjectionVerdict::Vulnerable { reply: "250 Ok".into(), inside_tls: true };
        let safe = InjectionVerdict::NotVulnerable { refused_pipelining: false };
        let refused = InjectionVerdict::NotVulnerable { refused_pipelining: true };
        let unknown = InjectionVerdict::inconclusive("timeout");
        for (verdicts, want) in [
            (vec![], "not tested"),
            (vec![None], "not tested"),
            (vec![Some(&safe)], "not vulnerable"),
            (vec![Some(&safe), Some(&refused)], "not vulnerable"),
            (vec![Some(&safe), None], "partly tested"),
            (vec![Some(&safe), Some(&unknown)], "inconclusive"),
            (vec![Some(&unknown), Some(&vulnerable)], "vulnerable"),
            (vec![None, Some(&vulnerable)], "vulnerable"),
        ] {
            assert_eq!(injection_word(&verdicts), want, "{verdicts:?}");
        }
    }

    #[test]
    fn grades_rank_worst_last() {
        let mut grades = ["A", "F", "A+", "T", "B"];
        grades.sort_by_key(|g| grade_rank(g));
        assert_eq!(grades, ["A+", "A", "B", "T", "F"]);
    }

    fn txt(name: &str, records: &[&str]) -> Answer<Txt> {
        let outcome = if records.is_empty() {
            Outcome::NxDomain
        } else {
            Outcome::Records {
                records: records.iter().map(|r| Txt { strings: vec![(*r).to_owned()] }).collect(),
            }
        };
        Answer { name: name.to_owned(), rtype: "TXT", dnssec: DnssecStatus::Secure, outcome }
    }

    fn fetched(body: Option<&str>, error: Option<&str>) -> PolicyFetch {
        let none = Answer {
            name: "mta-sts.example.org.".into(),
            rtype: "A",
            dnssec: DnssecStatus::Secure,
            outcome: Outcome::NoData,
        };
        let check = body.map(mta_sts::check_policy);
        let findings = check.as_ref().map(|c| c.findings.clone()).unwrap_or_default();
        PolicyFetch {
            host: "mta-sts.example.org.".into(),
            a: none.clone(),
            aaaa: none,
            url: "https://mta-sts.example.org/.well-known/mta-sts.txt".into(),
            error: error.map(|kind| FetchFailure { kind: kind.into(), message: kind.into() }),
            check,
            findings,
        }
    }

    #[test]
    fn mta_sts_verdict_per_mx() {
        const RECORD: &str = "v=STSv1; id=1";
        let policy =
            |mode: &str| format!("version: STSv1\nmode: {mode}\nmx: mx1.example.org\nmax_age: 1209600\n");
        let hosts =
            [("mx1.example.org.", "valid"), ("mx2.example.org.", "valid"), ("mx1.example.org.", "untrusted")];
        let hosts: Vec<(String, String)> =
            hosts.iter().map(|(h, c)| ((*h).to_owned(), (*c).to_owned())).collect();
        let enforce = policy("enforce");
        let testing = policy("testing");
        let none = policy("none");
        // (case, _mta-sts records, the fetch, the column per host, the domain summary)
        type Case<'a> = (&'a str, &'a [&'a str], Option<PolicyFetch>, [&'a str; 3], &'a str);
        let cases: Vec<Case<'_>> = vec![
            ("no record", &[], None, ["absent"; 3], "absent"),
            ("invalid record", &["v=STSv1; id=!"], None, ["invalid record"; 3], "invalid record"),
            ("two records", &[RECORD, "v=STSv1; id=2"], None, ["invalid record"; 3], "invalid record"),
            (
                "fetch failed",
                &[RECORD],
                Some(fetched(None, Some("status"))),
                ["fetch failed: status"; 3],
                "fetch failed: status",
            ),
            (
                "malformed",
                &[RECORD],
                Some(fetched(Some("mode: enforce"), Some("malformed"))),
                ["invalid policy"; 3],
                "invalid policy",
            ),
            ("mode none", &[RECORD], Some(fetched(Some(&none), None)), ["none"; 3], "none"),
            (
                "enforce",
                &[RECORD],
                Some(fetched(Some(&enforce), None)),
                ["enforce: ok", "enforce: not matched", "enforce: certificate untrusted"],
                "enforce: mx2.example.org. not matched, mx1.example.org. certificate untrusted",
            ),
            (
                "testing",
                &[RECORD],
                Some(fetched(Some(&testing), None)),
                ["testing: ok", "testing: not matched", "testing: certificate untrusted"],
                "testing: mx2.example.org. not matched, mx1.example.org. certificate untrusted",
            ),
        ];
        for (name, records, fetch, want, summary) in cases {
            let mut report = MtaStsReport::from_record(txt("_mta-sts.example.org.", records));
            assert_eq!(report.wants_fetch(), fetch.is_some(), "{name}");
            report.fetch = fetch;
            report.evaluate(&hosts);
            let got: Vec<String> = report.mx.iter().map(|m| m.status.text()).collect();
            assert_eq!(got, want, "{name}");
            assert_eq!(report.summary, summary, "{name}");
        }
        // Enforce: the certificate finding is high, and only enforce counts for the grading.
        let mut report = MtaStsReport::from_record(txt("_mta-sts.example.org.", &[RECORD]));
        report.fetch = Some(fetched(Some(&enforce), None));
        assert!(report.enforced_for("mx1.example.org.") && !report.enforced_for("mx2.example.org."));
        report.evaluate(&hosts);
        let cert = report.findings.iter().find(|f| f.id == ids::MTA_STS_MX_CERTIFICATE).unwrap();
        assert_eq!(cert.severity, Severity::High);
        assert_eq!(report.findings[0].severity, Severity::High);
        report.fetch = Some(fetched(Some(&testing), None));
        assert!(!report.enforced_for("mx1.example.org."));
    }

    #[test]
    fn failed_txt_lookups_are_not_absent() {
        let mut failed = txt("_dmarc.example.org.", &[]);
        failed.outcome = Outcome::Error { error: ErrorKind::ServFail, message: "SERVFAIL".into() };
        let p = TxtPolicy::new(failed.clone(), crate::policy::dmarc::check_records);
        assert_eq!((p.status, p.check.is_none()), (RecordState::LookupFailed, true));
        assert_eq!(p.findings[0].id, ids::POLICY_LOOKUP_FAILED);
        assert_eq!(p.findings[0].severity, Severity::Medium);
        failed.outcome = Outcome::Error { error: ErrorKind::Bogus, message: "bogus".into() };
        failed.dnssec = DnssecStatus::Bogus("RRSIG expired".into());
        let p = TxtPolicy::new(failed, crate::policy::dmarc::check_records);
        assert_eq!(p.findings[0].severity, Severity::High);
        assert!(p.findings[0].message.contains("RRSIG expired"), "{}", p.findings[0].message);
        let sts = MtaStsReport::from_record(txt("_mta-sts.example.org.", &[]));
        assert_eq!(sts.summary, "absent");
        let absent = TxtPolicy::new(txt("_dmarc.example.org.", &[]), crate::policy::dmarc::check_records);
        assert_eq!(absent.status, RecordState::Absent);
        let spf = TxtPolicy::new(txt("example.org.", &["google-site-verification=x", "v=spf1 -all"]), |r| {
            crate::policy::spf::check_records(r)
        });
        assert_eq!((spf.status, spf.record().is_some()), (RecordState::Valid, true));
    }
}
