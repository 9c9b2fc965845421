//! The client-facing ports of a mail domain (`mxray domain`, `docs/domain.md`): which names
//! and ports a mail client (submission, IMAP, POP3, ManageSieve, webmail/autodiscover) is
//! pointed at, and what each endpoint shows a client: TLS grade, whether the certificate
//! covers the name the client used, plaintext login exposure, and DANE where TLSA records
//! are published.
//!
//! Sans-IO: the CLI resolves names, connects and scans (`cli/src/cmd/domain_ports.rs`); this
//! module decides what to probe ([`candidates`], [`plan_probes`]) and what the answers
//! mean ([`certificate_check`], [`plaintext_login`], [`findings_for`]).
//!
//! # Where the names come from
//!
//! - the MX hosts of the domain;
//! - the usual names `mail.`, `smtp.`, `imap.`, `pop.`, `autodiscover.` + DOMAIN;
//! - the SRV records of RFC 6186 and RFC 8314 §5.1 (`_submission._tcp`,
//!   `_submissions._tcp`, `_imap._tcp`, `_imaps._tcp`, `_pop3._tcp`, `_pop3s._tcp`), which
//!   also carry the port. A single SRV record whose target is `.` says the service is
//!   decidedly not available (RFC 2782, RFC 6186 §3.4): it is reported, not probed;
//! - names given with `--host`.
//!
//! The MX hosts, the usual names and `--host` names are probed on every port of
//! [`ClientService::USUAL`]; SRV targets only on the service and port their record names.
//! Port 80 gets the plain-HTTP probe (`crate::http_redirect`: does it only redirect to
//! HTTPS?) per name; a submission port with STARTTLS (587) gets the "TLS before MAIL
//! FROM/AUTH" probe (`crate::starttls::submission`) once per address and port.

use std::net::IpAddr;

use serde::Serialize;

use crate::dane::{DaneReport, DaneVerdict, Tlsa};
use crate::dns::{Answer, Srv, fqdn};
use crate::http_redirect::HttpRedirectProbe;
use crate::report::{EndpointReport, Finding, Severity};
use crate::starttls::Dialogue;
use crate::starttls::submission::{Role, SubmissionProbe, SubmissionVerdict};
use crate::target::Service;
use crate::x509::names::{NameMatch, match_host};
use crate::x509::{TrustStore, parse_der};

/// The usual host-name prefixes of a mail domain's client services.
pub const USUAL_PREFIXES: [&str; 5] = ["mail", "smtp", "imap", "pop", "autodiscover"];

/// The most candidate names considered (MX hosts, usual names, SRV targets, `--host`).
pub const MAX_CANDIDATES: usize = 64;

/// A client-facing service and its standard port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientService {
    /// Submission over implicit TLS (RFC 8314), 465.
    Smtps,
    /// Submission with STARTTLS (RFC 6409), 587.
    Submission,
    /// IMAP with STARTTLS, 143.
    Imap,
    /// IMAP over implicit TLS, 993.
    Imaps,
    /// POP3 with STLS, 110.
    Pop3,
    /// POP3 over implicit TLS, 995.
    Pop3s,
    /// ManageSieve with STARTTLS (RFC 5804), 4190.
    Sieve,
    /// HTTPS (webmail, autodiscover), 443.
    Https,
    /// Plain HTTP, 80: connect-checked only.
    Http,
}

impl ClientService {
    /// The services probed on the usual names, in report order.
    pub const USUAL: [Self; 9] = [
        Self::Smtps,
        Self::Submission,
        Self::Imap,
        Self::Imaps,
        Self::Pop3,
        Self::Pop3s,
        Self::Sieve,
        Self::Https,
        Self::Http,
    ];

    /// The standard port.
    pub const fn port(self) -> u16 {
        match self {
            Self::Smtps => 465,
            Self::Submission => 587,
            Self::Imap => 143,
            Self::Imaps => 993,
            Self::Pop3 => 110,
            Self::Pop3s => 995,
            Self::Sieve => 4190,
            Self::Https => 443,
            Self::Http => 80,
        }
    }

    /// The name used in reports and in `--lab-port` (`smtps`, `submission`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Smtps => "smtps",
            Self::Submission => "submission",
            Self::Imap => "imap",
            Self::Imaps => "imaps",
            Self::Pop3 => "pop3",
            Self::Pop3s => "pop3s",
            Self::Sieve => "sieve",
            Self::Https => "https",
            Self::Http => "http",
        }
    }

    /// The service from its standard port.
    pub fn from_port(port: u16) -> Option<Self> {
        Self::USUAL.into_iter().find(|s| s.port() == port)
    }

    /// What the scanner speaks before TLS: `None` for port 80 (no TLS, connect only).
    pub const fn scan_service(self) -> Option<Service> {
        Some(match self {
            Self::Smtps => Service::Smtps,
            Self::Submission => Service::Submission,
            Self::Imap => Service::Imap,
            Self::Imaps => Service::Imaps,
            Self::Pop3 => Service::Pop3,
            Self::Pop3s => Service::Pop3s,
            Self::Sieve => Service::Sieve,
            Self::Https => Service::Https,
            Self::Http => return None,
        })
    }

    /// Whether a TLSA lookup at `_PORT._tcp.NAME` is made for this service (the ports of
    /// issue 6: 443, 465, 587, 993, 995; the actual port is used when SRV gives another).
    pub const fn wants_tlsa(self) -> bool {
        matches!(self, Self::Https | Self::Smtps | Self::Submission | Self::Imaps | Self::Pop3s)
    }
}

/// The SRV owner names of RFC 6186 and RFC 8314 §5.1 with the service each announces.
pub const SRV_SERVICES: [(&str, ClientService); 6] = [
    ("_submission._tcp", ClientService::Submission),
    ("_submissions._tcp", ClientService::Smtps),
    ("_imap._tcp", ClientService::Imap),
    ("_imaps._tcp", ClientService::Imaps),
    ("_pop3._tcp", ClientService::Pop3),
    ("_pop3s._tcp", ClientService::Pop3s),
];

/// Where a candidate name came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum Origin {
    /// An MX host of the domain.
    Mx,
    /// One of the usual names (`mail`, `smtp`, `imap`, `pop`, `autodiscover`).
    Usual(String),
    /// The target of an SRV record (its owner name, `_imaps._tcp.example.org.`).
    Srv(String),
    /// Given with `--host`.
    Host,
}

/// One SRV lookup and what it says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SrvLookup {
    /// The service the owner name announces.
    pub service: ClientService,
    /// The answer (name, DNSSEC status, records or error).
    pub answer: Answer<Srv>,
    /// A single record with target `.`: the service is decidedly not available
    /// (RFC 2782, RFC 6186 §3.4). Nothing is probed for it.
    pub not_available: bool,
}

impl SrvLookup {
    /// Reads an SRV answer for `service`.
    pub fn new(service: ClientService, answer: Answer<Srv>) -> Self {
        let records = answer.records();
        let not_available = records.len() == 1 && records.first().is_some_and(|r| r.target.trim() == ".");
        Self { service, answer, not_available }
    }

    /// The targets to probe: `(target, port)` of every record, in priority then weight
    /// order, except `.` targets.
    pub fn targets(&self) -> Vec<(String, u16)> {
        let mut records: Vec<&Srv> =
            self.answer.records().iter().filter(|r| r.target.trim() != ".").collect();
        records.sort_by_key(|r| (r.priority, std::cmp::Reverse(r.weight)));
        records.iter().map(|r| (fqdn(&r.target), r.port)).collect()
    }
}

/// A candidate name and where it came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The name, fully qualified, lower case.
    pub name: String,
    /// Every source that named it, in the order found.
    pub origins: Vec<Origin>,
}

/// Builds the candidate names of `domain`: the MX hosts, the usual names, the SRV targets
/// and the `--host` names, each once with all its origins, at most [`MAX_CANDIDATES`].
/// A `.` MX (null MX) and empty names are skipped.
pub fn candidates(domain: &str, mx_hosts: &[String], srv: &[SrvLookup], hosts: &[String]) -> Vec<Candidate> {
    let domain = fqdn(domain);
    let mut out: Vec<Candidate> = Vec::new();
    let mut add = |name: &str, origin: Origin| {
        let name = fqdn(name);
        if name == "." {
            return;
        }
        if let Some(c) = out.iter_mut().find(|c| c.name == name) {
            if !c.origins.contains(&origin) {
                c.origins.push(origin);
            }
        } else if out.len() < MAX_CANDIDATES {
            out.push(Candidate { name, origins: vec![origin] });
        }
    };
    for mx in mx_hosts {
        add(mx, Origin::Mx);
    }
    for prefix in USUAL_PREFIXES {
        add(&format!("{prefix}.{domain}"), Origin::Usual(prefix.to_owned()));
    }
    for lookup in srv {
        for (target, _) in lookup.targets() {
            add(&target, Origin::Srv(lookup.answer.name.clone()));
        }
    }
    for host in hosts {
        add(host, Origin::Host);
    }
    out
}

/// One (name, port, service) to check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// The name a client uses (and the SNI sent), fully qualified.
    pub name: String,
    /// The port.
    pub port: u16,
    /// The service spoken there.
    pub service: ClientService,
    /// Where the name (for this service) came from.
    pub origins: Vec<Origin>,
}

/// The probes for `candidates`: every non-SRV candidate on every port of
/// [`ClientService::USUAL`] (through `port_of`, which maps a service to the port to use:
/// the standard one, or a lab port), and every SRV target on its record's port. A
/// (name, port) pair appears once; SRV wins the service when both name it.
pub fn plan_probes(
    candidates: &[Candidate],
    srv: &[SrvLookup],
    port_of: impl Fn(ClientService) -> u16,
) -> Vec<Probe> {
    let mut probes: Vec<Probe> = Vec::new();
    let mut push = |name: &str, port: u16, service: ClientService, origin: &Origin| {
        if let Some(p) = probes.iter_mut().find(|p| p.name == name && p.port == port) {
            if matches!(origin, Origin::Srv(_)) {
                p.service = service;
            }
            if !p.origins.contains(origin) {
                p.origins.push(origin.clone());
            }
        } else {
            probes.push(Probe { name: name.to_owned(), port, service, origins: vec![origin.clone()] });
        }
    };
    for lookup in srv {
        let origin = Origin::Srv(lookup.answer.name.clone());
        for (target, port) in lookup.targets() {
            if port != 0 {
                push(&target, port, lookup.service, &origin);
            }
        }
    }
    for c in candidates {
        for origin in c.origins.iter().filter(|o| !matches!(o, Origin::Srv(_))) {
            for service in ClientService::USUAL {
                push(&c.name, port_of(service), service, origin);
            }
        }
    }
    probes
}

/// Whether a port answered the TCP connect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "reason")]
pub enum PortState {
    /// The connection was accepted.
    Open,
    /// Refused (RST) or unreachable.
    Closed(String),
    /// No answer within the timeout.
    Filtered,
}

/// The certificate a client got for the name it used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateCheck {
    /// The leaf's subject.
    pub subject: String,
    /// The leaf's DNS names (subjectAltName).
    pub dns_names: Vec<String>,
    /// How the name matched the leaf (`mismatch`: it does not cover the name).
    pub name_match: NameMatch,
    /// The certificate covers the name (a SAN entry matches; a CN fallback does not count).
    pub covers_name: bool,
    /// Why the chain does not validate to a trusted root (`null`: it does).
    pub untrusted: Option<String>,
}

/// Checks the leaf of `chain` (DER, leaf first) against `name` and validates the path
/// against `trust` at `now_unix`. `None` without a parsable leaf.
pub fn certificate_check(
    chain: &[Vec<u8>],
    name: &str,
    trust: &TrustStore,
    now_unix: i64,
) -> Option<CertificateCheck> {
    let leaf = parse_der(chain.first()?, 0).ok()?;
    let name_match = match_host(&leaf, name);
    let covers_name = matches!(name_match, NameMatch::San(_));
    let untrusted = trust.verify_path(chain, now_unix).err();
    Some(CertificateCheck {
        subject: leaf.subject.clone(),
        dns_names: leaf.dns_names.clone(),
        name_match,
        covers_name,
        untrusted,
    })
}

/// Whether credentials can cross in clear before TLS, read from the STARTTLS dialogue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PlaintextLogin {
    /// Credentials can be sent before TLS (any of the three below).
    pub exposed: bool,
    /// SASL mechanisms announced before TLS (SMTP `AUTH`, IMAP `AUTH=`, POP3 `SASL`, Sieve
    /// `SASL`).
    pub auth_before_tls: Vec<String>,
    /// IMAP: `LOGIN` is allowed before TLS (no `LOGINDISABLED` announced).
    pub login_before_tls: bool,
    /// POP3: `USER` announced before STLS.
    pub user_before_tls: bool,
}

/// The plaintext login exposure of a STARTTLS dialogue (`None` for implicit TLS or when no
/// capability list was read).
pub fn plaintext_login(dialogue: Option<&Dialogue>) -> Option<PlaintextLogin> {
    let d = dialogue?;
    if d.capabilities.is_empty() && d.login_disabled.is_none() && d.user_before_tls.is_none() {
        return None;
    }
    let login_before_tls = d.login_disabled == Some(false);
    let user_before_tls = d.user_before_tls == Some(true);
    let auth_before_tls = d.auth_before_tls.clone();
    Some(PlaintextLogin {
        exposed: !auth_before_tls.is_empty() || login_before_tls || user_before_tls,
        auth_before_tls,
        login_before_tls,
        user_before_tls,
    })
}

/// The "TLS before MAIL FROM/AUTH" probe of a submission port (587 with STARTTLS): its
/// verdict and what the server answered (`crate::starttls::submission`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubmissionCheck {
    /// The verdict over the replies.
    pub verdict: SubmissionVerdict,
    /// The replies.
    pub probe: SubmissionProbe,
}

impl SubmissionCheck {
    /// The check of a probe's replies.
    pub fn new(probe: SubmissionProbe) -> Self {
        Self { verdict: probe.verdict(), probe }
    }
}

/// One address of one probe.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PortCheck {
    /// The address.
    pub address: IpAddr,
    /// The TCP connect.
    pub state: PortState,
    /// True when this (address, port) got its full scan for this name; false when another
    /// name's scan of the same address and port is reused (see [`Self::scan_of`]).
    pub full_scan: bool,
    /// The name whose full scan this endpoint shares (`null` when [`Self::full_scan`]).
    pub scan_of: Option<String>,
    /// The full scan (only where [`Self::full_scan`]; otherwise see the other name's).
    pub scan: Option<EndpointReport>,
    /// The grade of the address and port (from the full scan, shared or not).
    pub grade: Option<String>,
    /// The certificate presented for this name (SNI), checked against it.
    pub certificate: Option<CertificateCheck>,
    /// Plaintext login exposure (STARTTLS services).
    pub plaintext_login: Option<PlaintextLogin>,
    /// DANE against the chain presented for this name (`null` when no TLSA was looked up).
    pub dane: Option<DaneReport>,
    /// Port 80: what `GET /` with this name in `Host` answered in plaintext (a redirect to
    /// HTTPS or not; `crate::http_redirect`).
    pub http_redirect: Option<HttpRedirectProbe>,
    /// Submission with STARTTLS (587): whether TLS is required before MAIL FROM and AUTH,
    /// probed once per address and port (`null` on names sharing it and on other services).
    pub submission_requires_tls: Option<SubmissionCheck>,
    /// TCP connections this check opened (connect check, scan or certificate fetch).
    pub connections: u32,
    /// Problems (the certificate fetch failed, …), as sentences.
    pub errors: Vec<String>,
}

/// One probe with its DNS and per-address results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientEndpoint {
    /// The name, fully qualified.
    pub name: String,
    /// The port.
    pub port: u16,
    /// The service.
    pub service: ClientService,
    /// Where the name came from.
    pub origins: Vec<Origin>,
    /// IPv4 addresses of the name.
    pub a: Answer<IpAddr>,
    /// IPv6 addresses of the name.
    pub aaaa: Answer<IpAddr>,
    /// TLSA at `_PORT._tcp.NAME` (`null` for services without a TLSA lookup).
    pub tlsa: Option<Answer<Tlsa>>,
    /// One entry per address.
    pub addresses: Vec<PortCheck>,
}

impl ClientEndpoint {
    /// True when some address accepted the connection.
    pub fn is_open(&self) -> bool {
        self.addresses.iter().any(|a| a.state == PortState::Open)
    }
}

/// The client-facing ports of the domain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClientPortsReport {
    /// The SRV lookups (RFC 6186, RFC 8314).
    pub srv: Vec<SrvLookup>,
    /// The candidate names and their origins.
    pub candidates: Vec<Candidate>,
    /// Every (name, port) probed, open or not.
    pub endpoints: Vec<ClientEndpoint>,
    /// What an administrator must act on, most severe first.
    pub findings: Vec<Finding>,
}

/// Finding ids of the client-facing ports.
pub mod ids {
    /// Credentials can be sent before TLS.
    pub const PLAINTEXT_LOGIN: &str = "client.plaintext-login";
    /// A STARTTLS port that does not offer STARTTLS.
    pub const NO_STARTTLS: &str = "client.no-starttls";
    /// The certificate does not cover the name clients use.
    pub const CERTIFICATE_NAME: &str = "client.certificate-name";
    /// The certificate does not validate to a trusted root.
    pub const CERTIFICATE_UNTRUSTED: &str = "client.certificate-untrusted";
    /// Usable TLSA records, none matches the presented chain.
    pub const DANE_MISMATCH: &str = "client.dane-mismatch";
}

/// The findings of one address of `endpoint`.
pub fn findings_for(endpoint: &ClientEndpoint, check: &PortCheck) -> Vec<Finding> {
    let mut out = Vec::new();
    if check.state != PortState::Open {
        return out;
    }
    let at = format!(
        "{}:{} ({}, {})",
        endpoint.name.trim_end_matches('.'),
        endpoint.port,
        endpoint.service.as_str(),
        check.address
    );
    if let Some(p) = check.plaintext_login.as_ref().filter(|p| p.exposed) {
        let mut how = Vec::new();
        if !p.auth_before_tls.is_empty() {
            how.push(format!("AUTH {}", p.auth_before_tls.join(" ")));
        }
        if p.login_before_tls {
            how.push("LOGIN (no LOGINDISABLED)".to_owned());
        }
        if p.user_before_tls {
            how.push("USER".to_owned());
        }
        out.push(Finding {
            id: ids::PLAINTEXT_LOGIN,
            severity: Severity::High,
            message: format!(
                "{at} accepts a login before TLS ({}): passwords can cross in clear; offer authentication only after STARTTLS",
                how.join(", ")
            ),
        });
    }
    let dialogue = check.scan.as_ref().and_then(|s| s.starttls.as_ref());
    if endpoint.service.scan_service().and_then(Service::starttls).is_some()
        && dialogue.is_some_and(|d| d.outcome == Some(crate::starttls::Outcome::StartTlsNotOffered))
    {
        out.push(Finding {
            id: ids::NO_STARTTLS,
            severity: Severity::High,
            message: format!("{at} does not offer STARTTLS: clients talk to it in clear; enable TLS"),
        });
    }
    if let Some(c) = &check.certificate {
        if !c.covers_name {
            out.push(Finding {
                id: ids::CERTIFICATE_NAME,
                severity: Severity::High,
                message: format!(
                    "the certificate of {at} does not cover {} (it names {}): clients refuse it or warn; add the name",
                    endpoint.name.trim_end_matches('.'),
                    if c.dns_names.is_empty() { c.subject.clone() } else { c.dns_names.join(", ") }
                ),
            });
        }
        if let Some(why) = &c.untrusted {
            out.push(Finding {
                id: ids::CERTIFICATE_UNTRUSTED,
                severity: Severity::High,
                message: format!("the certificate of {at} does not validate: {why}"),
            });
        }
    }
    if let Some(sub) = &check.submission_requires_tls {
        for mut f in sub.probe.findings(Role::Submission) {
            f.message = format!("{at}: {}", f.message);
            out.push(f);
        }
    }
    if let Some(http) = &check.http_redirect {
        out.extend(http.findings());
    }
    if check.dane.as_ref().is_some_and(|d| d.verdict == DaneVerdict::Mismatch) {
        out.push(Finding {
            id: ids::DANE_MISMATCH,
            severity: Severity::High,
            message: format!(
                "no usable TLSA record at _{}._tcp.{} matches the chain of {at}: DANE clients refuse it; update the TLSA records",
                endpoint.port, endpoint.name,
            ),
        });
    }
    out
}

/// Every finding of `endpoints`, most severe first.
pub fn all_findings(endpoints: &[ClientEndpoint]) -> Vec<Finding> {
    let mut all: Vec<Finding> =
        endpoints.iter().flat_map(|e| e.addresses.iter().flat_map(move |a| findings_for(e, a))).collect();
    all.sort_by_key(|f| std::cmp::Reverse(f.severity));
    all
}

#[cfg(test)]
mod tests;
