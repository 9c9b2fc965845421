//! `mxray domain DOMAIN|user@DOMAIN`: the inbound mail posture of a domain.
//!
//! Steps: the MX set through the DNSSEC-validating resolver (`mxray_net::dns`), with null
//! MX and implicit MX; per mail host its A/AAAA and its TLSA at `_PORT._tcp.HOST`; per
//! address the reverse DNS (forward-confirmed), the full `scan` of the SMTP port with
//! STARTTLS (`mxray_net::scan::scan_endpoint`, the same report model as `mxray scan`), the
//! greeting/EHLO names against the certificate and the PTR names, and DANE (RFC 7672)
//! against every chain the scan retrieved. Then a summary table per MX and the details, or
//! the JSON report (`docs/domain.md`); `--html FILE` also writes the report as one
//! self-contained page (`crate::html::domain_page`).
//!
//! `--port N` scans port N instead of 25 on each MX address (and looks up TLSA at
//! `_N._tcp`): a lab and test feature, since real MX delivery is always port 25.
//!
//! The policies are read through the same resolver, each answer kept with its DNSSEC
//! status: `_mta-sts.DOMAIN`, `_smtp._tls.DOMAIN`, `DOMAIN` (the `v=spf1` records) and
//! `_dmarc.DOMAIN` TXT, checked by `mxray_core::policy`. When the MTA-STS record is valid,
//! `mta-sts.DOMAIN` A/AAAA are resolved and the policy is fetched over HTTPS
//! (`mxray_net::mta_sts::fetch_policy`, trusting the Mozilla roots and `--ca`); every MX is
//! then judged against its `mx` patterns and its certificate column (the MTA-STS column).
//! The policies are read before the scans, so that each MX is graded knowing whether
//! MTA-STS enforce covers it and whether DANE matched (`EndpointReport::regrade`).
//!
//! `--lab-mta-sts-port N` (hidden, a lab and test feature like `--port`) fetches the policy
//! from port N of `mta-sts.DOMAIN`'s addresses instead of 443: real senders always use 443.
//!
//! After each address's scan, when it reached STARTTLS, the STARTTLS command-injection probe
//! (CVE-2011-0411 class, `mxray_net::injection`, one or two connections, counted with the
//! scan's) sends STARTTLS and a NOOP in one segment and reports whether the server answers
//! the NOOP; on by default (this is an inbound audit), `--no-injection` skips it. Its
//! verdict goes to the address report, its finding to the scan's, and an MX with a
//! vulnerable address gets an `INJECTABLE` marker after its summary row.
//!
//! A progress bar (indicatif) runs on stderr while probes run, hidden with `--quiet` or when
//! stderr is not a terminal.

use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use futures_util::{StreamExt, stream};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mxray_core::dane::{self, DaneInput, DaneReport, DaneVerdict, TlsaAuthenticity};
use mxray_core::dns::{Answer, MailRouting, Mx, Txt, fqdn, mail_routing};
use mxray_core::domain::{
    self, AddressReport, DomainReport, FetchFailure, MtaStsReport, MxHostReport, MxHostReportParts, Policies,
    PolicyFetch, RecordState, TxtPolicy, name_checks,
};
use mxray_core::grade::MailContext;
use mxray_core::policy::{RecordCheck, dmarc, spf, tlsrpt};
use mxray_core::probe::ScanConfig;
use mxray_core::report::{CertContext, EndpointReport, ScanReport};
use mxray_core::starttls;
use mxray_core::target::{Host, Service, Target};
use mxray_core::x509::TrustStore;
use mxray_net::dns::{DnsConfig, DnsResolver, TrustAnchorFile};
use mxray_net::injection::probe_injection_counted;
use mxray_net::mta_sts::{FetchError, FetchOptions, WELL_KNOWN_PATH, fetch_policy};
use mxray_net::scan::{ScanOptions, scan_endpoint};

use crate::UsageError;

/// Arguments of `mxray domain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The domain (`example.org`) or an address at it (`postmaster@example.org`).
    #[arg(value_name = "DOMAIN")]
    domain: String,

    /// Ask only this DNS server (`IP` or `IP:port`, `[v6]:port`) instead of the system's.
    #[arg(long, value_name = "IP[:PORT]")]
    resolver: Option<String>,

    /// DNSSEC trust anchors: DNSKEY or DS records in zone-file format (default: the IANA
    /// root keys).
    #[arg(long, value_name = "FILE")]
    trust_anchor: Option<PathBuf>,

    /// The SMTP port to scan on each MX address (default 25; other ports are for labs).
    #[arg(long, value_name = "PORT", default_value_t = 25)]
    port: u16,

    /// The name to send in EHLO.
    #[arg(long, value_name = "NAME", default_value = "mxray.invalid")]
    ehlo: String,

    /// Seconds any single network wait may last.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,

    /// Also trust the CA certificates in FILE (PEM or DER) when validating chains.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,

    /// Do not test SSL 2.0.
    #[arg(long)]
    no_sslv2: bool,

    /// Print the report as JSON (documented in docs/domain.md).
    #[arg(long)]
    json: bool,

    /// Also write the report as one self-contained HTML page to FILE (printable, no
    /// external assets, no script).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,

    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,

    /// Do not probe STARTTLS command injection (CVE-2011-0411 class) after each scan.
    #[arg(long)]
    no_injection: bool,

    /// Lab and tests only: fetch the MTA-STS policy from this port instead of 443.
    #[arg(long, value_name = "PORT", hide = true)]
    lab_mta_sts_port: Option<u16>,

    /// The client-facing ports (`--host`, `--no-client-ports`; `domain_ports.rs`).
    #[command(flatten)]
    client_ports: super::domain_ports::PortArgs,
}

/// The validated plan.
#[derive(Debug)]
struct Plan {
    domain: String,
    dns: DnsConfig,
    port: u16,
    ehlo: String,
    timeout: Duration,
    sslv2: bool,
    json: bool,
    html: Option<PathBuf>,
    progress: bool,
    trust: TrustStore,
    /// The `--ca` certificates (DER), also trusted for the MTA-STS fetch.
    extra_roots: Vec<Vec<u8>>,
    /// The port of the MTA-STS fetch (0: 443).
    mta_sts_port: u16,
    /// Run the STARTTLS injection probe after each scan.
    injection: bool,
    /// The client-facing ports.
    client_ports: super::domain_ports::PortPlan,
}

impl Args {
    fn resolve(&self) -> Result<Plan, UsageError> {
        let domain = self.domain.rsplit_once('@').map_or(self.domain.as_str(), |(_, d)| d).trim();
        let plain = domain.trim_end_matches('.');
        let valid = !plain.is_empty()
            && plain.len() <= 253
            && plain.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !valid {
            return Err(UsageError(format!(
                "{:?} is not a domain name (write example.org or user@example.org)",
                self.domain
            )));
        }
        let server = match &self.resolver {
            None => None,
            Some(text) => Some(super::ip_port("--resolver", text, 53)?),
        };
        let trust_anchor = match &self.trust_anchor {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    UsageError(format!("--trust-anchor {}: cannot read it: {e}", path.display()))
                })?;
                Some(TrustAnchorFile { text })
            }
        };
        if self.timeout == 0 {
            return Err(UsageError("--timeout must be at least 1 second".into()));
        }
        if self.port == 0 {
            return Err(UsageError("--port must be 1-65535".into()));
        }
        if self.ehlo.is_empty() || !self.ehlo.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UsageError(format!("--ehlo {:?} is not a host name", self.ehlo)));
        }
        let mut trust = TrustStore::mozilla();
        let mut extra_roots = Vec::new();
        if let Some(path) = &self.ca {
            let bytes = std::fs::read(path)
                .map_err(|e| UsageError(format!("--ca {}: cannot read it: {e}", path.display())))?;
            trust = trust
                .with_extra(&bytes)
                .map_err(|e| UsageError(format!("--ca {}: not a CA certificate: {e}", path.display())))?;
            extra_roots = match std::str::from_utf8(&bytes) {
                Ok(text) if text.contains("-----BEGIN") => mxray_core::x509::split_pem(text)
                    .map_err(|e| UsageError(format!("--ca {}: {e}", path.display())))?,
                _ => vec![bytes],
            };
        }
        if self.lab_mta_sts_port == Some(0) {
            return Err(UsageError("--lab-mta-sts-port must be 1-65535".into()));
        }
        let timeout = Duration::from_secs(self.timeout);
        Ok(Plan {
            domain: fqdn(plain),
            dns: DnsConfig {
                server,
                trust_anchor,
                timeout: timeout.min(Duration::from_secs(5)),
                attempts: 2,
                deadline: timeout * 2,
            },
            port: self.port,
            ehlo: self.ehlo.clone(),
            timeout,
            sslv2: !self.no_sslv2,
            json: self.json,
            html: self.html.clone(),
            progress: !self.quiet && std::io::stderr().is_terminal(),
            trust,
            extra_roots,
            mta_sts_port: self.lab_mta_sts_port.unwrap_or(0),
            injection: !self.no_injection,
            client_ports: self.client_ports.resolve()?,
        })
    }
}

/// The mail hosts to examine, with their preferences.
fn mail_hosts(routing: &MailRouting) -> Vec<Mx> {
    match routing {
        MailRouting::Exchangers { hosts } | MailRouting::MalformedNullMx { hosts } => {
            let mut seen = Vec::<Mx>::new();
            for h in hosts {
                if !seen.iter().any(|s| s.exchange == h.exchange) {
                    seen.push(h.clone());
                }
            }
            seen
        }
        MailRouting::Implicit { host } => vec![Mx { preference: 0, exchange: host.clone() }],
        MailRouting::NullMx | MailRouting::NoSuchDomain | MailRouting::Unknown => Vec::new(),
    }
}

fn progress_bar(on: bool) -> ProgressBar {
    let target = if on { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(None, target);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// MX addresses examined at once: each costs a scan (its own bounded connections) and the
/// injection probe's one-second wait, so a domain with several MX hosts is not examined one
/// address after another.
const ADDRESS_CONCURRENCY: usize = 4;

/// The policy steps of the progress bar: four TXT lookups and the MTA-STS fetch.
const POLICY_STEPS: usize = 5;

/// Switches the spinner to a bar once the number of steps (policy lookups, addresses to
/// scan) is known.
fn show_counts(bar: &ProgressBar, total: usize) {
    bar.set_length(total as u64);
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} steps  {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
}

async fn examine(plan: &Plan, bar: &ProgressBar) -> Result<DomainReport> {
    let resolver = DnsResolver::new(&plan.dns).await.map_err(|e| UsageError(e.to_string()))?;
    bar.set_message(format!("MX of {}", plan.domain));
    let mx = resolver.mx(&plan.domain).await;
    let routing = mail_routing(&mx);
    let hosts = mail_hosts(&routing);
    let mut lookups = Vec::new();
    for host in &hosts {
        bar.set_message(format!("DNS of {}", host.exchange));
        let a = resolver.a(&host.exchange).await;
        let aaaa = resolver.aaaa(&host.exchange).await;
        let tlsa = resolver.tlsa(plan.port, &host.exchange).await;
        lookups.push((host.clone(), a, aaaa, tlsa));
    }
    let total: usize = lookups.iter().map(|(_, a, aaaa, _)| a.records().len() + aaaa.records().len()).sum();
    show_counts(bar, total + POLICY_STEPS);
    let mut policies = examine_policies(plan, &resolver, bar).await;
    // Every address of every MX, [`ADDRESS_CONCURRENCY`] at a time (each scan keeps its own
    // bounded connections); the results come back in the order of the jobs.
    let jobs: Vec<(usize, IpAddr)> = lookups
        .iter()
        .enumerate()
        .flat_map(|(i, (_, a, aaaa, _))| a.records().iter().chain(aaaa.records()).map(move |ip| (i, *ip)))
        .collect();
    let policies_ref = &policies;
    let lookups_ref = &lookups;
    let resolver_ref = &resolver;
    let examined: Vec<(usize, AddressReport)> = stream::iter(jobs)
        .map(|(i, ip)| async move {
            let (host, _, _, tlsa) = &lookups_ref[i];
            let sts_enforced = policies_ref.mta_sts.enforced_for(&host.exchange);
            bar.set_message(format!("{} {ip}", host.exchange));
            let report = examine_address(plan, resolver_ref, &host.exchange, ip, tlsa, sts_enforced).await;
            bar.inc(1);
            (i, report)
        })
        .buffered(ADDRESS_CONCURRENCY)
        .collect()
        .await;
    let mut examined = examined.into_iter().peekable();
    let mut reports = Vec::new();
    for (i, (host, a, aaaa, tlsa)) in lookups.into_iter().enumerate() {
        let mut addresses = Vec::new();
        while let Some((_, report)) = examined.next_if(|(j, _)| *j == i) {
            addresses.push(report);
        }
        let summary = domain::mx_summary(
            &mx,
            &MxHostReportParts { a: &a, aaaa: &aaaa, tlsa: &tlsa, addresses: &addresses },
        );
        reports.push(MxHostReport {
            host: host.exchange.clone(),
            preference: host.preference,
            a,
            aaaa,
            tlsa,
            addresses,
            summary,
        });
    }
    let certificates: Vec<(String, String)> =
        reports.iter().map(|h| (h.host.clone(), h.summary.certificate.clone())).collect();
    policies.mta_sts.evaluate(&certificates);
    for (host, check) in reports.iter_mut().zip(&policies.mta_sts.mx) {
        host.summary.mta_sts = check.status.clone();
    }
    let client_ports = if plan.client_ports.enabled {
        let mx_hosts: Vec<String> = reports.iter().map(|h| h.host.clone()).collect();
        let ctx = super::domain_ports::Context {
            domain: &plan.domain,
            ports: &plan.client_ports,
            ehlo: &plan.ehlo,
            timeout: plan.timeout,
            sslv2: plan.sslv2,
            trust: &plan.trust,
        };
        Some(super::domain_ports::examine(&ctx, &resolver, &mx_hosts, bar).await)
    } else {
        None
    };
    Ok(DomainReport {
        schema_version: domain::SCHEMA_VERSION,
        domain: plan.domain.clone(),
        mx,
        routing,
        hosts: reports,
        policies,
        client_ports,
    })
}

/// The TXT lookups of the four policies and the MTA-STS fetch: [`POLICY_STEPS`] steps.
async fn examine_policies(plan: &Plan, resolver: &DnsResolver, bar: &ProgressBar) -> Policies {
    let domain = &plan.domain;
    bar.set_message(format!("policies of {domain}"));
    // The four lookups run together (a slow or dead DNS path costs one timeout, not four);
    // the MTA-STS fetch follows its record.
    let mta_sts = async {
        let mut mta_sts = MtaStsReport::from_record(resolver.txt(&format!("_mta-sts.{domain}")).await);
        bar.inc(1);
        if mta_sts.wants_fetch() {
            bar.set_message(format!("MTA-STS policy of {domain}"));
            mta_sts.fetch = Some(fetch_policy_of(plan, resolver).await);
        }
        bar.inc(1);
        mta_sts
    };
    let txt = |name: String| async move {
        let answer = resolver.txt(&name).await;
        bar.inc(1);
        answer
    };
    let (mta_sts, tls_rpt, spf, dmarc) = tokio::join!(
        mta_sts,
        txt(format!("_smtp._tls.{domain}")),
        txt(domain.clone()),
        txt(format!("_dmarc.{domain}"))
    );
    Policies {
        mta_sts,
        tls_rpt: TxtPolicy::new(tls_rpt, tlsrpt::check_records),
        spf: TxtPolicy::new(spf, spf::check_records),
        dmarc: TxtPolicy::new(dmarc, dmarc::check_records),
    }
}

/// Resolves `mta-sts.DOMAIN` with the DNSSEC resolver and fetches the policy from it.
async fn fetch_policy_of(plan: &Plan, resolver: &DnsResolver) -> PolicyFetch {
    let host = format!("mta-sts.{}", plan.domain);
    let a = resolver.a(&host).await;
    let aaaa = resolver.aaaa(&host).await;
    let addrs: Vec<SocketAddr> =
        a.records().iter().chain(aaaa.records()).map(|ip| SocketAddr::new(*ip, plan.mta_sts_port)).collect();
    let options = FetchOptions {
        webpki_roots: true,
        extra_roots: plan.extra_roots.clone(),
        timeout: plan.timeout,
        ..FetchOptions::new(addrs)
    };
    let url = format!("https://{}{WELL_KNOWN_PATH}", host.trim_end_matches('.'));
    match fetch_policy(&plan.domain, &options).await {
        Ok(fetched) => PolicyFetch {
            host,
            a,
            aaaa,
            url: fetched.url,
            error: None,
            findings: fetched.check.findings.clone(),
            check: Some(fetched.check),
        },
        Err(e) => {
            let message = match &e {
                FetchError::NoAddress { .. } => {
                    format!("{host} has no address ({}; {})", a.summary(), aaaa.summary())
                }
                other => other.to_string(),
            };
            let check = match &e {
                FetchError::Malformed { check, .. } => Some((**check).clone()),
                _ => None,
            };
            let error = Some(FetchFailure { kind: e.kind().to_owned(), message });
            PolicyFetch { host, a, aaaa, url, error, check, findings: e.findings() }
        }
    }
}

async fn examine_address(
    plan: &Plan,
    resolver: &DnsResolver,
    host: &str,
    ip: IpAddr,
    tlsa: &Answer<dane::Tlsa>,
    sts_enforced: bool,
) -> AddressReport {
    let ptr = resolver.ptr(ip).await;
    let mut ptr_confirmed = Vec::new();
    for name in ptr.records() {
        let forward = if ip.is_ipv4() { resolver.a(name).await } else { resolver.aaaa(name).await };
        if forward.records().contains(&ip) {
            ptr_confirmed.push(name.clone());
        }
    }
    let name = host.trim_end_matches('.').to_owned();
    let target = Target { host: Host::Name(name.clone()), port: plan.port, service: Service::Smtp };
    let mut dialogue = starttls::Config::new(starttls::Protocol::Smtp);
    dialogue.client_name = plan.ehlo.clone();
    let planner = ScanConfig { server_name: Some(name.clone()), sslv2: plan.sslv2 };
    let mut options = ScanOptions::new(plan.port, Some(dialogue), planner);
    options.timeouts.connect = plan.timeout;
    options.timeouts.idle = plan.timeout;
    options.timeouts.exchange = plan.timeout * 3;
    let addr = SocketAddr::new(ip, plan.port);
    let timeouts = options.timeouts;
    let scan = scan_endpoint(addr, options).await;
    let now = super::unix_now();
    let chains: Vec<Vec<Vec<u8>>> = scan.findings.chains.iter().map(|c| c.chain.clone()).collect();
    let mut report = EndpointReport::new(
        &target,
        addr.to_string(),
        Some(name.clone()),
        scan.dialogue,
        &scan.findings,
        scan.cost,
        scan.errors,
        CertContext { now_unix: now, trust: &plan.trust, expiry_warning_days: 30 },
    );
    let names = name_checks(host, ptr.records(), &report);
    let authenticity =
        if tlsa.dnssec.is_secure() { TlsaAuthenticity::Secure } else { TlsaAuthenticity::NotSecure };
    let reference = [name.as_str()];
    let dane_for = |chain: &[Vec<u8>]| -> DaneReport {
        dane::check(&DaneInput { records: tlsa.records(), authenticity, chain, names: &reference, now })
    };
    let dane =
        if chains.is_empty() { vec![dane_for(&[])] } else { chains.iter().map(|c| dane_for(c)).collect() };
    // Grade again knowing what senders of this domain require of this MX.
    let verdict = domain::dane_summary(&dane.iter().collect::<Vec<_>>());
    let (dane_promised, dane_authenticated) = match verdict {
        DaneVerdict::Authenticated => (true, Some(true)),
        DaneVerdict::Mismatch => (true, Some(false)),
        DaneVerdict::NoCertificate => (true, None),
        _ => (false, None),
    };
    let context = MailContext {
        dane_promised,
        dane_authenticated,
        mta_sts_enforced: sts_enforced,
        ..MailContext::new(Service::Smtp)
    };
    report.regrade(&scan.findings, &context);
    let mut starttls_injection = None;
    if plan.injection && domain::starttls_word(&report) == "offered" {
        let (verdict, connections) = probe_injection_counted(addr, starttls::Protocol::Smtp, timeouts).await;
        report.connections += connections;
        report.cost.connections += connections;
        report.set_starttls_injection(verdict.clone());
        starttls_injection = Some(verdict);
    }
    AddressReport { address: ip, ptr, ptr_confirmed, names, scan: report, dane, starttls_injection }
}

/// Runs `mxray domain`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<()> {
    let plan = args.resolve()?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let bar = progress_bar(plan.progress);
    let report = runtime.block_on(examine(&plan, &bar));
    bar.finish_and_clear();
    let report = report?;
    if let Some(path) = &plan.html {
        crate::html::write_atomic(path, crate::html::domain_page(&report).as_bytes())?;
    }
    if plan.json {
        serde_json::to_writer_pretty(&mut *out, &report).context("writing JSON")?;
        writeln!(out)?;
    } else {
        render(out, &report)?;
    }
    out.flush()?;
    Ok(())
}

pub(crate) fn routing_line(report: &DomainReport) -> String {
    match &report.routing {
        MailRouting::Exchangers { hosts } => format!("{} MX host(s)", hosts.len()),
        MailRouting::NullMx => "null MX (RFC 7505): the domain accepts no mail".into(),
        MailRouting::MalformedNullMx { hosts } => {
            format!("null MX mixed with {} other MX record(s): malformed (RFC 7505 3)", hosts.len())
        }
        MailRouting::Implicit { host } => {
            format!("no MX: implicit MX, the domain itself ({host}, RFC 5321 5.1)")
        }
        MailRouting::NoSuchDomain => "the domain does not exist (NXDOMAIN)".into(),
        MailRouting::Unknown => "mail routing unknown (the MX lookup failed)".into(),
    }
}

fn render(out: &mut impl Write, report: &DomainReport) -> Result<()> {
    writeln!(out, "Domain {}", report.domain)?;
    writeln!(out, "  MX: {} — {}", report.mx.summary(), routing_line(report))?;
    writeln!(out)?;
    let header = ["MX", "pref", "DNSSEC", "STARTTLS", "grade", "certificate", "DANE", "MTA-STS"];
    let rows: Vec<[String; 8]> = report
        .hosts
        .iter()
        .map(|h| {
            [
                h.host.clone(),
                h.preference.to_string(),
                h.summary.dnssec.as_str().to_owned(),
                h.summary.starttls.clone(),
                h.summary.grade.clone().unwrap_or_else(|| "-".into()),
                h.summary.certificate.clone(),
                h.summary.dane.as_str().to_owned(),
                h.summary.mta_sts.text(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| rows.iter().map(|r| r[i].len()).chain([header[i].len()]).max().unwrap_or(0))
        .collect();
    let line = |cells: &[&str]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(&header))?;
    for (row, h) in rows.iter().zip(&report.hosts) {
        let mut text = line(&row.iter().map(String::as_str).collect::<Vec<_>>());
        if h.summary.starttls_injection == "vulnerable" {
            text.push_str("  INJECTABLE");
        }
        writeln!(out, "{text}")?;
    }
    writeln!(out)?;
    let p = &report.policies;
    writeln!(
        out,
        "Policies: MTA-STS {}, TLS-RPT {}, SPF {}, DMARC {}",
        p.mta_sts.summary,
        p.tls_rpt.status.as_str(),
        p.spf.status.as_str(),
        p.dmarc.status.as_str()
    )?;
    render_policies(out, p)?;
    if let Some(ports) = &report.client_ports {
        super::domain_ports::render(out, ports)?;
    }
    for h in &report.hosts {
        writeln!(out)?;
        writeln!(out, "== {} (preference {})", h.host, h.preference)?;
        writeln!(out, "  A: {}  AAAA: {}", addresses(&h.a), addresses(&h.aaaa))?;
        writeln!(out, "  TLSA {}: {}", h.tlsa.name, h.tlsa.summary())?;
        for t in h.tlsa.records() {
            writeln!(out, "    {t}  ({})", t.mnemonics())?;
        }
        if let mxray_core::dns::DnssecStatus::Bogus(reason) = &h.summary.dnssec {
            writeln!(out, "  DNSSEC bogus: {reason}")?;
        }
        for a in &h.addresses {
            writeln!(out, "  -- {}", a.address)?;
            let ptr = if a.ptr.records().is_empty() { a.ptr.summary() } else { a.ptr.records().join(", ") };
            writeln!(out, "    PTR: {ptr} (forward-confirmed: {})", join_or(&a.ptr_confirmed, "none"))?;
            let n = &a.names;
            writeln!(
                out,
                "    banner name: {}, EHLO name: {} (same: {}, in PTR: {}, in certificate: {}); MX name in certificate: {}",
                n.banner_name.as_deref().unwrap_or("-"),
                n.ehlo_name.as_deref().unwrap_or("-"),
                yes_no(n.banner_matches_ehlo),
                yes_no(n.ehlo_matches_ptr),
                yes_no(n.ehlo_in_certificate),
                yes_no(n.mx_in_certificate),
            )?;
            for (i, d) in a.dane.iter().enumerate() {
                writeln!(out, "    DANE (chain {}): {}", i + 1, d.verdict.as_str())?;
                for r in &d.records {
                    writeln!(out, "      {} ({}): {}", r.record, r.mnemonics, outcome_text(&r.outcome))?;
                }
                for note in &d.notes {
                    writeln!(out, "      note: {note}")?;
                }
            }
            let mut scan = Vec::new();
            super::scan::render::report(&mut scan, &ScanReport::new(vec![a.scan.clone()]), false)?;
            for l in String::from_utf8_lossy(&scan).lines() {
                writeln!(out, "    {l}")?;
            }
        }
    }
    Ok(())
}

/// `valid (secure)`, `absent (NXDOMAIN, insecure)`, `lookup failed (error: …)` and the
/// record or the reason.
pub(crate) fn txt_line<T>(
    state: RecordState,
    answer: &Answer<Txt>,
    check: Option<&RecordCheck<T>>,
) -> String {
    let dns = match answer.records() {
        [] => answer.summary(),
        _ => answer.dnssec.to_string(),
    };
    let detail = check.and_then(|c| c.error.as_deref().or(c.text.as_deref())).unwrap_or_default();
    if detail.is_empty() {
        format!("{} ({dns})", state.as_str())
    } else {
        format!("{} ({dns}): {detail}", state.as_str())
    }
}

fn render_policies(out: &mut impl Write, p: &Policies) -> Result<()> {
    let sts = &p.mta_sts;
    writeln!(out)?;
    writeln!(
        out,
        "  MTA-STS   {} {}",
        sts.record.answer.name,
        txt_line(sts.record.status, &sts.record.answer, sts.record.check.as_ref())
    )?;
    if let Some(f) = &sts.fetch {
        let addrs: Vec<String> =
            f.a.records().iter().chain(f.aaaa.records()).map(IpAddr::to_string).collect();
        writeln!(out, "            {} A/AAAA: {} ({})", f.host, join_or(&addrs, "none"), f.a.dnssec)?;
        match (&f.error, f.policy()) {
            (None, Some(policy)) => {
                let patterns: Vec<String> = policy.mx.iter().map(|m| m.pattern.clone()).collect();
                writeln!(
                    out,
                    "            {}: mode {}, max_age {} s, mx {}",
                    f.url,
                    policy.mode.as_str(),
                    policy.max_age,
                    join_or(&patterns, "(none)")
                )?;
            }
            (Some(e), _) => writeln!(out, "            {}: FAILED ({}): {}", f.url, e.kind, e.message)?,
            (None, None) => writeln!(out, "            {}: invalid policy", f.url)?,
        }
    }
    for m in &sts.mx {
        let pattern = m.pattern.as_ref().map_or_else(|| "no pattern".to_owned(), |p| format!("matches {p}"));
        writeln!(
            out,
            "            MX {}: {}, certificate {}: {}",
            m.host,
            pattern,
            m.certificate,
            m.status.text()
        )?;
    }
    writeln!(out, "            => {}", sts.summary)?;
    let tls_rpt = p.tls_rpt.record().map(|r| {
        let rua: Vec<String> = r.rua.iter().map(tlsrpt::ReportUri::uri).collect();
        format!("reports to {}", rua.join(", "))
    });
    let spf =
        p.spf.record().map(|r| format!("{}, {} DNS lookup(s) in the record itself", r.ending(), r.lookups));
    let dmarc = p
        .dmarc
        .record()
        .map(|r| format!("p={} sp={} pct={}", r.policy().as_str(), r.subdomain_policy().as_str(), r.pct));
    for (label, name, policy_line, summary) in [
        (
            "TLS-RPT",
            &p.tls_rpt.answer.name,
            txt_line(p.tls_rpt.status, &p.tls_rpt.answer, p.tls_rpt.check.as_ref()),
            tls_rpt,
        ),
        ("SPF", &p.spf.answer.name, txt_line(p.spf.status, &p.spf.answer, p.spf.check.as_ref()), spf),
        (
            "DMARC",
            &p.dmarc.answer.name,
            txt_line(p.dmarc.status, &p.dmarc.answer, p.dmarc.check.as_ref()),
            dmarc,
        ),
    ] {
        writeln!(out, "  {label:<9} {name} {policy_line}")?;
        if let Some(summary) = summary {
            writeln!(out, "            => {summary}")?;
        }
    }
    let findings = p.findings();
    if !findings.is_empty() {
        writeln!(out, "  Policy findings:")?;
        for f in &findings {
            writeln!(out, "    {:<9}{:<30}{}", f.severity.to_string(), f.id, f.message)?;
        }
    }
    Ok(())
}

pub(crate) fn outcome_text(o: &dane::RecordOutcome) -> String {
    match o {
        dane::RecordOutcome::Match { certificate } => format!("matches certificate {certificate}"),
        dane::RecordOutcome::TaMatchChainFails { certificate, problems } => {
            format!("matches certificate {certificate} but {}", problems.join("; "))
        }
        dane::RecordOutcome::NoMatch => "matches nothing".into(),
        dane::RecordOutcome::Unusable { reason } => format!("unusable: {reason}"),
        _ => "?".into(),
    }
}

pub(crate) fn addresses(a: &Answer<IpAddr>) -> String {
    if a.records().is_empty() {
        return a.summary();
    }
    let list: Vec<String> = a.records().iter().map(IpAddr::to_string).collect();
    format!("{} ({})", list.join(", "), a.dnssec)
}

pub(crate) fn join_or(items: &[String], none: &str) -> String {
    if items.is_empty() { none.to_owned() } else { items.join(", ") }
}

fn yes_no(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}
