//! The client-facing ports of `mxray domain` (issue 6): submission (465, 587), IMAP (143,
//! 993), POP3 (110, 995), ManageSieve (4190), HTTPS (443) and plain HTTP (80) on the MX
//! hosts, the usual names (`mail.`, `smtp.`, `imap.`, `pop.`, `autodiscover.`), the RFC
//! 6186/8314 SRV targets and the `--host` names. What to probe and what it means is
//! `mxray_core::client_ports`; this module resolves, connects and scans.
//!
//! Cost: one TCP connect per distinct (address, port), so a closed port costs one
//! connection; one full scan (`mxray_net::scan::scan_endpoint`, the same as `mxray scan`)
//! per open (address, port), for the first name that reaches it; every further name on the
//! same address and port costs one connection more (`mxray_net::certificate::fetch_chain`:
//! the dialogue and one handshake with that SNI, since only the certificate can differ by
//! name; its grade is the shared scan's findings graded with its own chain and SNI, the
//! chain's OCSP staple not re-read). Plaintext probes, one connection each: the submission
//! gate (`mxray_net::submission`: TLS required before MAIL FROM and AUTH?) once per open
//! submission (address, port), and port 80's `GET /` (`mxray_net::http_redirect`: a redirect
//! to HTTPS?) per name, since the answer depends on `Host`. At most [`CONCURRENCY`]
//! endpoints are worked on at once; every wait is under `--timeout`.
//!
//! `--lab-port SERVICE=PORT` (hidden) probes PORT instead of the standard port of SERVICE on
//! the usual names: for labs and tests only (real clients use the standard ports or SRV).

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use anyhow::Result;
use indicatif::ProgressBar;
use mxray_core::client_ports::{
    self, ClientEndpoint, ClientPortsReport, ClientService, PortCheck, PortState, Probe, SRV_SERVICES,
    SrvLookup, SubmissionCheck,
};
use mxray_core::dane::{self, DaneInput, DaneReport, TlsaAuthenticity};
use mxray_core::dns::Answer;
use mxray_core::http_redirect::HttpRedirectProbe;
use mxray_core::http_redirect::HttpVerdict;
use mxray_core::probe::{ObservedChain, ScanConfig};
use mxray_core::report::{CertContext, EndpointReport};
use mxray_core::starttls;
use mxray_core::starttls::submission::{SubmissionConfig, SubmissionVerdict};
use mxray_core::target::{Host, Target};
use mxray_core::x509::{TrustStore, verify_name};
use mxray_net::certificate::{ChainFetch, PortProbe, fetch_chain, port_open};
use mxray_net::dns::DnsResolver;
use mxray_net::http_redirect::probe_http_redirect;
use mxray_net::scan::{EndpointScan, ScanOptions, scan_endpoint};
use mxray_net::submission::probe_submission;
use mxray_net::transport::Timeouts;
use tokio::task::JoinSet;

use crate::UsageError;

/// Endpoints worked on at once.
pub(crate) const CONCURRENCY: usize = 4;

/// The flags of the client-facing ports.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct PortArgs {
    /// Also examine the client ports of NAME (repeatable).
    #[arg(long = "host", value_name = "NAME")]
    hosts: Vec<String>,

    /// Only the MX side: skip the client-facing ports.
    #[arg(long)]
    no_client_ports: bool,

    /// Lab and tests only: probe PORT instead of SERVICE's standard port on the usual
    /// names (SERVICE: smtps, submission, imap, imaps, pop3, pop3s, sieve, https, http, or
    /// the standard port number). Repeatable.
    #[arg(long = "lab-port", value_name = "SERVICE=PORT", hide = true)]
    lab_ports: Vec<String>,
}

/// The validated options.
#[derive(Debug, Clone)]
pub(crate) struct PortPlan {
    pub(crate) enabled: bool,
    hosts: Vec<String>,
    lab_ports: Vec<(ClientService, u16)>,
}

impl PortArgs {
    pub(crate) fn resolve(&self) -> Result<PortPlan, UsageError> {
        let mut lab_ports = Vec::new();
        for text in &self.lab_ports {
            let (service, port) = text
                .split_once('=')
                .ok_or_else(|| UsageError(format!("--lab-port {text:?}: write SERVICE=PORT")))?;
            let service = ClientService::USUAL
                .into_iter()
                .find(|s| s.as_str() == service || service.parse::<u16>().ok() == Some(s.port()))
                .ok_or_else(|| UsageError(format!("--lab-port {text:?}: unknown service {service:?}")))?;
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| UsageError(format!("--lab-port {text:?}: the port must be 1-65535")))?;
            lab_ports.push((service, port));
        }
        for host in &self.hosts {
            let plain = host.trim_end_matches('.');
            let valid = !plain.is_empty()
                && plain.len() <= 253
                && plain.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !valid {
                return Err(UsageError(format!("--host {host:?} is not a host name")));
            }
        }
        Ok(PortPlan { enabled: !self.no_client_ports, hosts: self.hosts.clone(), lab_ports })
    }
}

/// What the probes need from `mxray domain`'s plan.
pub(crate) struct Context<'a> {
    pub(crate) domain: &'a str,
    pub(crate) ports: &'a PortPlan,
    pub(crate) ehlo: &'a str,
    pub(crate) timeout: Duration,
    pub(crate) sslv2: bool,
    pub(crate) trust: &'a TrustStore,
}

impl Context<'_> {
    fn timeouts(&self) -> Timeouts {
        Timeouts { connect: self.timeout, idle: self.timeout, exchange: self.timeout * 3 }
    }

    fn port_of(&self, service: ClientService) -> u16 {
        self.ports.lab_ports.iter().rev().find(|(s, _)| *s == service).map_or(service.port(), |(_, p)| *p)
    }

    fn dialogue(&self, service: ClientService) -> Option<starttls::Config> {
        service.scan_service().and_then(|s| s.starttls()).map(|protocol| {
            let mut config = starttls::Config::new(protocol);
            config.client_name = self.ehlo.to_owned();
            config
        })
    }
}

/// Runs `jobs` at most [`CONCURRENCY`] at a time, one progress step each; results in order.
async fn bounded<T, F>(jobs: Vec<F>, bar: &ProgressBar) -> Vec<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let mut results: Vec<Option<T>> = (0..jobs.len()).map(|_| None).collect();
    let mut set = JoinSet::new();
    let mut queue = jobs.into_iter().enumerate();
    loop {
        while set.len() < CONCURRENCY {
            let Some((i, job)) = queue.next() else { break };
            set.spawn(async move { (i, job.await) });
        }
        let Some(joined) = set.join_next().await else { break };
        // A panicking task leaves its slot empty.
        if let Ok((i, value)) = joined
            && let Some(slot) = results.get_mut(i)
        {
            *slot = Some(value);
        }
        bar.inc(1);
    }
    results.into_iter().flatten().collect()
}

/// A plaintext probe's result.
enum Plain {
    Http(Box<HttpRedirectProbe>),
    Submission(Box<SubmissionCheck>),
}

/// A full scan's result, or why an (address, port) got none.
enum Work {
    Scan(Box<EndpointScan>),
    Chain(Box<ChainFetch>),
}

/// Examines the client-facing ports of the domain; `mx_hosts` are the MX host names.
pub(crate) async fn examine(
    ctx: &Context<'_>,
    resolver: &DnsResolver,
    mx_hosts: &[String],
    bar: &ProgressBar,
) -> ClientPortsReport {
    bar.set_message(format!("client SRV records of {}", ctx.domain));
    let mut srv = Vec::new();
    for (label, service) in SRV_SERVICES {
        srv.push(SrvLookup::new(service, resolver.srv(&format!("{label}.{}", ctx.domain)).await));
    }
    let candidates = client_ports::candidates(ctx.domain, mx_hosts, &srv, &ctx.ports.hosts);
    let probes = client_ports::plan_probes(&candidates, &srv, |s| ctx.port_of(s));

    // DNS: addresses per name, TLSA per (name, port) where wanted.
    let mut addresses: BTreeMap<String, (Answer<IpAddr>, Answer<IpAddr>)> = BTreeMap::new();
    let mut tlsa: BTreeMap<(String, u16), Answer<dane::Tlsa>> = BTreeMap::new();
    for p in &probes {
        if !addresses.contains_key(&p.name) {
            bar.set_message(format!("DNS of {}", p.name));
            let a = resolver.a(&p.name).await;
            let aaaa = resolver.aaaa(&p.name).await;
            addresses.insert(p.name.clone(), (a, aaaa));
        }
        if p.service.wants_tlsa() && !tlsa.contains_key(&(p.name.clone(), p.port)) {
            tlsa.insert((p.name.clone(), p.port), resolver.tlsa(p.port, &p.name).await);
        }
    }
    let ips = |name: &str| -> Vec<IpAddr> {
        addresses
            .get(name)
            .map(|(a, aaaa)| a.records().iter().chain(aaaa.records()).copied().collect())
            .unwrap_or_default()
    };

    // One connect per distinct (address, port); the first probe reaching it owns it.
    let mut owner: BTreeMap<SocketAddr, usize> = BTreeMap::new();
    for (i, p) in probes.iter().enumerate() {
        for ip in ips(&p.name) {
            owner.entry(SocketAddr::new(ip, p.port)).or_insert(i);
        }
    }
    let endpoints: Vec<SocketAddr> = owner.keys().copied().collect();
    bar.inc_length(endpoints.len() as u64);
    bar.set_message(format!("client ports: {} connect checks", endpoints.len()));
    let timeouts = ctx.timeouts();
    let states: BTreeMap<SocketAddr, PortProbe> = endpoints
        .iter()
        .copied()
        .zip(bounded(endpoints.iter().map(|&a| port_open(a, timeouts)).collect(), bar).await)
        .collect();

    // One full scan per open (address, port) with TLS; a chain fetch per further name.
    let mut jobs: Vec<(usize, SocketAddr)> = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        if p.service.scan_service().is_none() {
            continue;
        }
        for ip in ips(&p.name) {
            let addr = SocketAddr::new(ip, p.port);
            if states.get(&addr) == Some(&PortProbe::Open) {
                jobs.push((i, addr));
            }
        }
    }
    bar.inc_length(jobs.len() as u64);
    bar.set_message(format!("client ports: {} TLS endpoints", jobs.len()));
    let futures: Vec<_> = jobs
        .iter()
        .map(|&(i, addr)| {
            let p = &probes[i];
            let dialogue = ctx.dialogue(p.service);
            let name = p.name.trim_end_matches('.').to_owned();
            let full = owner.get(&addr) == Some(&i);
            let planner = ScanConfig { server_name: Some(name.clone()), sslv2: ctx.sslv2 };
            let mut options = ScanOptions::new(addr.port(), dialogue.clone(), planner);
            options.timeouts = timeouts;
            async move {
                if full {
                    Work::Scan(Box::new(scan_endpoint(addr, options).await))
                } else {
                    Work::Chain(Box::new(fetch_chain(addr, dialogue, &name, timeouts).await))
                }
            }
        })
        .collect();
    let done = bounded(futures, bar).await;
    let work: BTreeMap<(usize, SocketAddr), Work> = jobs.into_iter().zip(done).collect();

    // The plaintext probes, one connection each: port 80 per name (the answer depends on
    // `Host`), the submission gate once per open (address, port) of a STARTTLS submission.
    let mut plain_jobs: Vec<(usize, SocketAddr)> = Vec::new();
    for (i, p) in probes.iter().enumerate() {
        for ip in ips(&p.name) {
            let addr = SocketAddr::new(ip, p.port);
            let open = states.get(&addr) == Some(&PortProbe::Open);
            let wanted = match p.service {
                ClientService::Http => true,
                ClientService::Submission => owner.get(&addr) == Some(&i),
                _ => false,
            };
            if open && wanted {
                plain_jobs.push((i, addr));
            }
        }
    }
    bar.inc_length(plain_jobs.len() as u64);
    bar.set_message(format!("client ports: {} plaintext checks", plain_jobs.len()));
    let futures: Vec<_> = plain_jobs
        .iter()
        .map(|&(i, addr)| {
            let p = &probes[i];
            let name = p.name.trim_end_matches('.').to_owned();
            let service = p.service;
            let config = SubmissionConfig { client_name: ctx.ehlo.to_owned(), ..SubmissionConfig::default() };
            async move {
                if service == ClientService::Http {
                    Plain::Http(Box::new(probe_http_redirect(addr, &name, timeouts).await))
                } else {
                    Plain::Submission(Box::new(SubmissionCheck::new(
                        probe_submission(addr, config, timeouts).await,
                    )))
                }
            }
        })
        .collect();
    let done = bounded(futures, bar).await;
    let plain: BTreeMap<(usize, SocketAddr), Plain> = plain_jobs.into_iter().zip(done).collect();

    let now = super::unix_now();
    let mut reports: Vec<ClientEndpoint> = Vec::new();
    // Full scans first, so that the names sharing them can read their grade and dialogue.
    let mut scans: BTreeMap<SocketAddr, (String, EndpointReport)> = BTreeMap::new();
    for (i, p) in probes.iter().enumerate() {
        for ip in ips(&p.name) {
            let addr = SocketAddr::new(ip, p.port);
            if let Some(Work::Scan(scan)) = work.get(&(i, addr)) {
                let report = endpoint_report(ctx, p, addr, scan, now);
                scans.insert(addr, (p.name.clone(), report));
            }
        }
    }
    for (i, p) in probes.iter().enumerate() {
        let (a, aaaa) = addresses.get(&p.name).cloned().unwrap_or_else(|| unreachable_answers(&p.name));
        let tlsa_answer = tlsa.get(&(p.name.clone(), p.port)).cloned();
        let mut checks = Vec::new();
        for ip in ips(&p.name) {
            let addr = SocketAddr::new(ip, p.port);
            let owns = owner.get(&addr) == Some(&i);
            let state = match states.get(&addr) {
                Some(PortProbe::Open) => PortState::Open,
                Some(PortProbe::Closed(why)) => PortState::Closed(why.clone()),
                Some(PortProbe::Filtered) | None => PortState::Filtered,
            };
            let mut check = port_check(
                ctx,
                p,
                addr,
                state,
                owns,
                work.get(&(i, addr)),
                owner.get(&addr).and_then(|&o| match work.get(&(o, addr)) {
                    Some(Work::Scan(scan)) => Some(&**scan),
                    _ => None,
                }),
                &scans,
                tlsa_answer.as_ref(),
                now,
            );
            match plain.get(&(i, addr)) {
                Some(Plain::Http(probe)) => {
                    check.connections += 1;
                    check.http_redirect = Some((**probe).clone());
                }
                Some(Plain::Submission(sub)) => {
                    check.connections += 1;
                    check.submission_requires_tls = Some((**sub).clone());
                }
                None => {}
            }
            checks.push(check);
        }
        reports.push(ClientEndpoint {
            name: p.name.clone(),
            port: p.port,
            service: p.service,
            origins: p.origins.clone(),
            a,
            aaaa,
            tlsa: tlsa_answer,
            addresses: checks,
        });
    }
    let findings = client_ports::all_findings(&reports);
    ClientPortsReport { srv, candidates, endpoints: reports, findings }
}

fn unreachable_answers(name: &str) -> (Answer<IpAddr>, Answer<IpAddr>) {
    let none = |rtype| Answer {
        name: name.to_owned(),
        rtype,
        dnssec: mxray_core::dns::DnssecStatus::Indeterminate,
        outcome: mxray_core::dns::Outcome::NoData,
    };
    (none("A"), none("AAAA"))
}

fn endpoint_report(
    ctx: &Context<'_>,
    p: &Probe,
    addr: SocketAddr,
    scan: &EndpointScan,
    now: i64,
) -> EndpointReport {
    let name = p.name.trim_end_matches('.').to_owned();
    let service = p.service.scan_service().unwrap_or(mxray_core::target::Service::Tls);
    let target = Target { host: Host::Name(name.clone()), port: p.port, service };
    EndpointReport::new(
        &target,
        addr.to_string(),
        Some(name),
        scan.dialogue.clone(),
        &scan.findings,
        scan.cost.clone(),
        scan.errors.clone(),
        CertContext { now_unix: now, trust: ctx.trust, expiry_warning_days: 30 },
    )
}

/// DANE (RFC 6698/7671 semantics: PKIX usages count with PKIX validation) for one chain.
fn dane_for(
    ctx: &Context<'_>,
    name: &str,
    tlsa: &Answer<dane::Tlsa>,
    chain: &[Vec<u8>],
    now: i64,
) -> DaneReport {
    let authenticity =
        if tlsa.dnssec.is_secure() { TlsaAuthenticity::Secure } else { TlsaAuthenticity::NotSecure };
    let pkix = ctx.trust.verify_path(chain, now).and_then(|()| {
        chain.first().map_or_else(|| Err("no certificate".to_owned()), |leaf| verify_name(leaf, name))
    });
    let names = [name];
    dane::check_service(
        &DaneInput { records: tlsa.records(), authenticity, chain, names: &names, now },
        &pkix,
    )
}

#[allow(clippy::too_many_arguments)]
fn port_check(
    ctx: &Context<'_>,
    p: &Probe,
    addr: SocketAddr,
    state: PortState,
    owns: bool,
    work: Option<&Work>,
    owner_scan: Option<&EndpointScan>,
    scans: &BTreeMap<SocketAddr, (String, EndpointReport)>,
    tlsa: Option<&Answer<dane::Tlsa>>,
    now: i64,
) -> PortCheck {
    let name = p.name.trim_end_matches('.');
    let mut check = PortCheck {
        address: addr.ip(),
        state,
        full_scan: false,
        scan_of: None,
        scan: None,
        grade: None,
        certificate: None,
        plaintext_login: None,
        dane: None,
        http_redirect: None,
        submission_requires_tls: None,
        connections: u32::from(owns),
        errors: Vec::new(),
    };
    let shared = scans.get(&addr);
    let (chains, dialogue): (Vec<Vec<Vec<u8>>>, Option<starttls::Dialogue>) = match work {
        Some(Work::Scan(scan)) => {
            check.full_scan = true;
            check.connections += scan.cost.connections;
            check.scan = shared.map(|(_, r)| r.clone());
            (scan.findings.chains.iter().map(|c| c.chain.clone()).collect(), scan.dialogue.clone())
        }
        Some(Work::Chain(fetch)) => {
            check.connections += fetch.connections;
            check.scan_of = shared.map(|(n, _)| n.clone());
            check.errors.extend(fetch.error.clone());
            let dialogue = fetch.dialogue.clone().or_else(|| shared.and_then(|(_, r)| r.starttls.clone()));
            (if fetch.chain.is_empty() { Vec::new() } else { vec![fetch.chain.clone()] }, dialogue)
        }
        None => return check,
    };
    check.grade = shared.map(|(_, r)| r.grade.clone());
    // A name sharing another's scan: the same TLS findings with its own chain and SNI give
    // its own grade (the certificate is the only part that differs by name).
    if let (Some(Work::Chain(fetch)), Some(scan)) = (work, owner_scan)
        && let Some(first) = scan.findings.chains.first()
        && !fetch.chain.is_empty()
    {
        let mut own = scan.clone();
        own.findings.chains = vec![ObservedChain { chain: fetch.chain.clone(), ocsp: None, ..first.clone() }];
        check.grade = Some(endpoint_report(ctx, p, addr, &own, now).grade);
    }
    check.plaintext_login = client_ports::plaintext_login(dialogue.as_ref());
    // Coverage, trust and DANE over every chain (RSA and ECDSA), the worst kept: a client
    // may be given either.
    let certificates: Vec<_> =
        chains.iter().filter_map(|c| client_ports::certificate_check(c, name, ctx.trust, now)).collect();
    check.certificate = certificates
        .iter()
        .find(|c| !c.covers_name)
        .or_else(|| certificates.iter().find(|c| c.untrusted.is_some()))
        .or(certificates.first())
        .cloned();
    if let Some(tlsa) = tlsa.filter(|t| !t.records().is_empty()) {
        let reports: Vec<DaneReport> = if chains.is_empty() {
            vec![dane_for(ctx, name, tlsa, &[], now)]
        } else {
            chains.iter().map(|c| dane_for(ctx, name, tlsa, c, now)).collect()
        };
        let worst = mxray_core::domain::dane_summary(&reports.iter().collect::<Vec<_>>());
        check.dane = reports.into_iter().find(|r| r.verdict == worst);
    }
    check
}

/// The "Client-facing ports" section of the terminal report.
/// The columns of the open-ports table.
pub(crate) const TABLE_HEADER: [&str; 9] =
    ["host", "port", "service", "address", "grade", "covers name", "plaintext login", "before TLS", "DANE"];

/// The "before TLS" cell: the submission gate (587) or what plain HTTP (80) answered.
pub(crate) fn before_tls_text(check: &PortCheck) -> String {
    if let Some(sub) = &check.submission_requires_tls {
        return match &sub.verdict {
            SubmissionVerdict::TlsRequired => "TLS required".to_owned(),
            SubmissionVerdict::PlaintextAccepted { mail, auth } => {
                let what: Vec<&str> = [(*mail, "MAIL"), (*auth, "AUTH")]
                    .into_iter()
                    .filter_map(|(on, w)| on.then_some(w))
                    .collect();
                format!("{} ACCEPTED IN PLAINTEXT", what.join("+"))
            }
            SubmissionVerdict::NotAccepted => "refused (not for TLS)".to_owned(),
            SubmissionVerdict::Inconclusive { reason } => format!("inconclusive: {reason}"),
            other => format!("{other:?}"),
        };
    }
    if let Some(http) = &check.http_redirect {
        return match &http.verdict {
            HttpVerdict::RedirectToHttps { status, location, same_host: true, .. } => {
                format!("{status} to {location}")
            }
            HttpVerdict::RedirectToHttps { status, location, .. } => {
                format!("{status} to {location} (other host)")
            }
            HttpVerdict::RedirectToHttp { status, location } => format!("{status} to PLAIN {location}"),
            HttpVerdict::RedirectElsewhere { status, location } => format!("{status} to {location}"),
            HttpVerdict::Content { status, .. } => format!("SERVES CONTENT ({status})"),
            HttpVerdict::OtherStatus { status, reason } => format!("{status} {reason}"),
            HttpVerdict::Closed { reason } => format!("closed: {reason}"),
            HttpVerdict::Inconclusive { reason } => format!("inconclusive: {reason}"),
            other => format!("{other:?}"),
        };
    }
    "-".to_owned()
}

/// The client ports as the terminal and the HTML page show them: one row per open
/// (name, port, address), the closed ports per address with the names that reach them, and
/// the names without an address.
pub(crate) struct PortsTable {
    /// Cells in [`TABLE_HEADER`] order.
    pub(crate) rows: Vec<[String; 9]>,
    /// Per address: the closed (or filtered) ports and the names that reach them.
    pub(crate) closed: BTreeMap<IpAddr, (Vec<u16>, Vec<String>)>,
    /// Names that resolved to no address.
    pub(crate) no_address: Vec<String>,
}

/// Builds the [`PortsTable`] of a report.
pub(crate) fn table(report: &ClientPortsReport) -> PortsTable {
    let mut rows: Vec<[String; 9]> = Vec::new();
    let mut closed: BTreeMap<IpAddr, (Vec<u16>, Vec<String>)> = BTreeMap::new();
    let mut no_address: Vec<String> = Vec::new();
    for e in &report.endpoints {
        if e.addresses.is_empty() {
            let name = e.name.trim_end_matches('.').to_owned();
            if !no_address.contains(&name) {
                no_address.push(name);
            }
            continue;
        }
        for a in &e.addresses {
            if a.state != PortState::Open {
                let (ports, names) = closed.entry(a.address).or_default();
                if !ports.contains(&e.port) {
                    ports.push(e.port);
                }
                let name = e.name.trim_end_matches('.').to_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
                continue;
            }
            let covers = match &a.certificate {
                Some(c) if c.covers_name && c.untrusted.is_none() => "yes".to_owned(),
                Some(c) if c.covers_name => "yes (untrusted)".to_owned(),
                Some(_) => "NO".to_owned(),
                None if e.service == ClientService::Http => "-".to_owned(),
                None => "no certificate".to_owned(),
            };
            let login = match &a.plaintext_login {
                Some(p) if p.exposed => {
                    let mut how = Vec::new();
                    if !p.auth_before_tls.is_empty() {
                        how.push(format!("AUTH {}", p.auth_before_tls.join(" ")));
                    }
                    if p.login_before_tls {
                        how.push("LOGIN command".into());
                    }
                    if p.user_before_tls {
                        how.push("USER".into());
                    }
                    format!("EXPOSED ({})", how.join("; "))
                }
                Some(_) => "no".to_owned(),
                None => "-".to_owned(),
            };
            let scan = if a.full_scan {
                a.grade.clone().unwrap_or_else(|| "-".into())
            } else {
                a.grade.as_ref().map_or_else(|| "-".into(), |g| format!("{g} (shared scan)"))
            };
            rows.push([
                e.name.trim_end_matches('.').to_owned(),
                e.port.to_string(),
                e.service.as_str().to_owned(),
                a.address.to_string(),
                scan,
                covers,
                login,
                before_tls_text(a),
                a.dane.as_ref().map_or_else(|| "-".into(), |d| d.verdict.as_str().to_owned()),
            ]);
        }
    }
    PortsTable { rows, closed, no_address }
}

/// The SRV line of one lookup: its targets, its answer's state, or "decidedly not
/// available".
pub(crate) fn srv_text(s: &SrvLookup) -> String {
    if s.not_available {
        "\".\": decidedly not available (RFC 6186)".to_owned()
    } else if s.answer.records().is_empty() {
        s.answer.summary()
    } else {
        s.targets().iter().map(|(t, p)| format!("{t}:{p}")).collect::<Vec<_>>().join(", ")
    }
}

/// The terminal section.
pub(crate) fn render(out: &mut impl Write, report: &ClientPortsReport) -> Result<()> {
    writeln!(out)?;
    writeln!(out, "Client-facing ports")?;
    for s in &report.srv {
        writeln!(out, "  SRV {}: {}", s.answer.name, srv_text(s))?;
    }
    let PortsTable { rows, closed, no_address } = table(report);
    let header = TABLE_HEADER;
    if rows.is_empty() {
        writeln!(out, "  no client port open")?;
    } else {
        let widths: Vec<usize> = (0..header.len())
            .map(|i| rows.iter().map(|r| r[i].len()).chain([header[i].len()]).max().unwrap_or(0))
            .collect();
        let line = |cells: &[&str]| {
            let text: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            format!("  {}", text.join("  ").trim_end())
        };
        writeln!(out, "{}", line(&header))?;
        for r in &rows {
            writeln!(out, "{}", line(&r.iter().map(String::as_str).collect::<Vec<_>>()))?;
        }
    }
    for (address, (ports, names)) in &closed {
        let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
        writeln!(out, "  closed or filtered on {address}: {} ({})", ports.join(", "), names.join(", "))?;
    }
    if !no_address.is_empty() {
        writeln!(out, "  no address: {}", no_address.join(", "))?;
    }
    if !report.findings.is_empty() {
        writeln!(out, "  Client port findings:")?;
        for f in &report.findings {
            writeln!(out, "    {:<9}{:<30}{}", f.severity.to_string(), f.id, f.message)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(hosts: &[&str], lab: &[&str]) -> PortArgs {
        PortArgs {
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            no_client_ports: false,
            lab_ports: lab.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    #[test]
    fn lab_ports_and_hosts() {
        let plan =
            args(&["webmail.example.org", "x.example.org."], &["https=8443", "993=10993", "imaps=20993"])
                .resolve()
                .unwrap();
        assert_eq!(
            plan.lab_ports,
            [(ClientService::Https, 8443), (ClientService::Imaps, 10993), (ClientService::Imaps, 20993)]
        );
        let trust = TrustStore::empty();
        let ctx = Context {
            domain: "example.org.",
            ports: &plan,
            ehlo: "e",
            timeout: Duration::from_secs(1),
            sslv2: false,
            trust: &trust,
        };
        // The last one given wins; the others keep their standard port.
        assert_eq!(ctx.port_of(ClientService::Imaps), 20993);
        assert_eq!(ctx.port_of(ClientService::Https), 8443);
        assert_eq!(ctx.port_of(ClientService::Submission), 587);
        assert!(ctx.dialogue(ClientService::Imaps).is_none());
        assert_eq!(ctx.dialogue(ClientService::Sieve).map(|c| c.protocol), Some(starttls::Protocol::Sieve));
        for bad in ["https", "https=0", "https=x", "ftp=21", "=443"] {
            assert!(args(&[], &[bad]).resolve().is_err(), "{bad}");
        }
        for bad in ["", ".", "a..b", "a b.example", "a_b.example"] {
            assert!(args(&[bad], &[]).resolve().is_err(), "{bad:?}");
        }
    }
}
