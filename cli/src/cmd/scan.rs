//! `mxray scan TARGET...`: enumerate the TLS posture of mail endpoints.
//!
//! Two stages, as ripgrep does it: [`Args`] is what clap parsed (no IO); [`Args::resolve`]
//! checks it and builds a [`Plan`] (parsed targets, options), reporting every mistake as a
//! usage error that says what to write instead. Then each target's name is resolved, each
//! chosen address scanned by `mxray_net::scan`, and the report rendered as text or JSON.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use mxray_core::probe::ScanConfig;
use mxray_core::report::{CertContext, EndpointReport, ScanReport, Severity};
use mxray_core::starttls;
use mxray_core::target::{Host, Target};
use mxray_core::x509::TrustStore;
use mxray_net::injection::probe_injection_counted;
use mxray_net::scan::{ScanOptions, scan_endpoint};

use crate::UsageError;

pub(crate) mod render;

/// Arguments of `mxray scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// What to scan: `host`, `host:port`, `[v6]:port`, or a URL such as
    /// `smtp://mx.example.org`, `submission://`, `smtps://`, `lmtp://`, `imap://`,
    /// `imaps://`, `pop3://`, `pop3s://`, `sieve://`, `https://`, `tls://host:port`.
    /// A bare host means SMTP on port 25; a bare `host:port` picks the dialogue from a
    /// well-known port.
    #[arg(value_name = "TARGET", required = true)]
    targets: Vec<String>,

    /// The name to send in SNI (default: the target's host name; none for addresses).
    #[arg(long, value_name = "NAME")]
    sni: Option<String>,

    /// The name to send in EHLO/LHLO.
    #[arg(long, value_name = "NAME", default_value = "mxray.invalid")]
    ehlo: String,

    /// Use IPv4 addresses only.
    #[arg(long, short = '4', conflicts_with = "ipv6")]
    ipv4: bool,

    /// Use IPv6 addresses only.
    #[arg(long, short = '6')]
    ipv6: bool,

    /// Connect from this local address (servers such as Dovecot treat clients on their
    /// own address as secure; 127.0.0.2 looks remote to a server on 127.0.0.1).
    #[arg(long, value_name = "ADDRESS")]
    source: Option<IpAddr>,

    /// Scan every address a name resolves to (default: the first one).
    #[arg(long)]
    all_addresses: bool,

    /// Connections open at the same time per endpoint (default: 2 on port 25, 4 elsewhere).
    #[arg(long, value_name = "N")]
    per_host: Option<usize>,

    /// Milliseconds to wait between starting two connections (for servers that
    /// rate-limit).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    delay: u64,

    /// Seconds any single network wait may last.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,

    /// Do not test SSL 2.0.
    #[arg(long)]
    no_sslv2: bool,

    /// Also probe STARTTLS command injection (CVE-2011-0411 class): one more connection
    /// that pipelines a NOOP after STARTTLS (SMTP, IMAP, POP3).
    #[arg(long)]
    starttls_injection: bool,

    /// Print the report as JSON (documented in docs/report.md).
    #[arg(long)]
    json: bool,

    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    json_out: Option<PathBuf>,

    /// Also write the report as one self-contained HTML page to FILE (printable, no
    /// external assets, no script).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,

    /// Also trust the CA certificates in FILE (PEM or DER) when validating chains.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,

    /// Do not trust the Mozilla root store (only --ca).
    #[arg(long)]
    no_mozilla: bool,

    /// Exit with code 1 if a finding of this severity or higher is reported
    /// (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,

    /// Colour: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    color: String,
}

/// The validated plan of a scan.
#[derive(Debug)]
pub(crate) struct Plan {
    targets: Vec<Target>,
    sni: Option<String>,
    ehlo: String,
    family: Option<Family>,
    source: Option<IpAddr>,
    all_addresses: bool,
    per_host: Option<usize>,
    delay: Duration,
    timeout: Duration,
    sslv2: bool,
    starttls_injection: bool,
    json: bool,
    json_out: Option<PathBuf>,
    html: Option<PathBuf>,
    fail_on: Option<Severity>,
    color: bool,
    trust: TrustStore,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Args {
    /// Checks the arguments; no IO but reading the environment for the colour choice and
    /// the `--ca` file.
    pub(crate) fn resolve(&self) -> Result<Plan, UsageError> {
        let targets = self
            .targets
            .iter()
            .map(|t| t.parse::<Target>().map_err(|e| UsageError(format!("{t}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if self.per_host == Some(0) {
            return Err(UsageError("--per-host must be at least 1".into()));
        }
        if self.timeout == 0 {
            return Err(UsageError("--timeout must be at least 1 second".into()));
        }
        if self.ehlo.is_empty() || !self.ehlo.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UsageError(format!("--ehlo {:?} is not a host name", self.ehlo)));
        }
        let color = match self.color.as_str() {
            "always" => true,
            "never" => false,
            "auto" => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            other => return Err(UsageError(format!("--color {other:?}: use auto, always or never"))),
        };
        let family = match (self.ipv4, self.ipv6) {
            (true, _) => Some(Family::V4),
            (_, true) => Some(Family::V6),
            _ => None,
        };
        let mut trust = if self.no_mozilla { TrustStore::empty() } else { TrustStore::mozilla() };
        if let Some(path) = &self.ca {
            let bytes = std::fs::read(path)
                .map_err(|e| UsageError(format!("--ca {}: cannot read it: {e}", path.display())))?;
            trust = trust
                .with_extra(&bytes)
                .map_err(|e| UsageError(format!("--ca {}: not a CA certificate: {e}", path.display())))?;
        }
        Ok(Plan {
            targets,
            sni: self.sni.clone(),
            ehlo: self.ehlo.clone(),
            family,
            source: self.source,
            all_addresses: self.all_addresses,
            per_host: self.per_host,
            delay: Duration::from_millis(self.delay),
            timeout: Duration::from_secs(self.timeout),
            sslv2: !self.no_sslv2,
            starttls_injection: self.starttls_injection,
            json: self.json,
            json_out: self.json_out.clone(),
            html: self.html.clone(),
            fail_on: self.fail_on,
            color,
            trust,
        })
    }
}

fn family_matches(family: Option<Family>, ip: IpAddr) -> bool {
    match family {
        None => true,
        Some(Family::V4) => ip.is_ipv4(),
        Some(Family::V6) => ip.is_ipv6(),
    }
}

/// The addresses to scan for `target`.
async fn addresses(plan: &Plan, target: &Target) -> Result<Vec<SocketAddr>, UsageError> {
    let found: Vec<SocketAddr> = match &target.host {
        Host::Ip(ip) => vec![SocketAddr::new(*ip, target.port)],
        Host::Name(name) => tokio::net::lookup_host((name.as_str(), target.port))
            .await
            .map_err(|e| UsageError(format!("{target}: cannot resolve {name}: {e}")))?
            .collect(),
    };
    // A source address fixes the family too.
    let family = plan.family.or(match plan.source {
        Some(IpAddr::V4(_)) => Some(Family::V4),
        Some(IpAddr::V6(_)) => Some(Family::V6),
        None => None,
    });
    let mut chosen: Vec<SocketAddr> =
        found.iter().copied().filter(|a| family_matches(family, a.ip())).collect();
    chosen.dedup();
    if chosen.is_empty() {
        let family = match family {
            Some(Family::V4) => "IPv4 ",
            Some(Family::V6) => "IPv6 ",
            None => "",
        };
        return Err(UsageError(format!("{target}: no {family}address found")));
    }
    if !plan.all_addresses {
        chosen.truncate(1);
    }
    Ok(chosen)
}

async fn scan_target(plan: &Plan, target: &Target) -> Result<Vec<EndpointReport>, UsageError> {
    let sni = plan.sni.clone().or_else(|| target.default_sni().map(str::to_owned));
    let mut reports = Vec::new();
    for addr in addresses(plan, target).await? {
        let dialogue = target.service.starttls().map(|protocol| {
            let mut config = starttls::Config::new(protocol);
            config.client_name = plan.ehlo.clone();
            config
        });
        let planner = ScanConfig { server_name: sni.clone(), sslv2: plan.sslv2 };
        let mut options = ScanOptions::new(target.port, dialogue, planner);
        options.timeouts.connect = plan.timeout;
        options.timeouts.idle = plan.timeout;
        options.timeouts.exchange = plan.timeout * 3;
        if let Some(n) = plan.per_host {
            options.per_host = n;
        }
        options.delay = plan.delay;
        options.source = plan.source;
        let timeouts = options.timeouts;
        let scan = scan_endpoint(addr, options).await;
        let mut report = EndpointReport::new(
            target,
            addr.to_string(),
            sni.clone(),
            scan.dialogue,
            &scan.findings,
            scan.cost,
            scan.errors,
            CertContext { now_unix: super::unix_now(), trust: &plan.trust, expiry_warning_days: 30 },
        );
        let injectable = target.service.starttls().filter(|p| {
            matches!(p, starttls::Protocol::Smtp | starttls::Protocol::Imap | starttls::Protocol::Pop3)
        });
        if plan.starttls_injection
            && let Some(protocol) = injectable
        {
            let (verdict, connections) = probe_injection_counted(addr, protocol, timeouts).await;
            report.connections += connections;
            report.cost.connections += connections;
            report.set_starttls_injection(verdict);
        }
        reports.push(report);
    }
    Ok(reports)
}

/// Runs `mxray scan`. Returns whether a finding reached `--fail-on`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<bool> {
    let plan = args.resolve()?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let report = runtime.block_on(async {
        let mut endpoints = Vec::new();
        for target in &plan.targets {
            endpoints.extend(scan_target(&plan, target).await?);
        }
        Ok::<_, UsageError>(ScanReport::new(endpoints))
    })?;
    if let Some(path) = &plan.json_out {
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut file = BufWriter::new(file);
        serde_json::to_writer_pretty(&mut file, &report).context("writing the JSON report")?;
        writeln!(file)?;
        file.flush().with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &plan.html {
        crate::html::write_atomic(path, crate::html::scan_page(&report).as_bytes())?;
    }
    if plan.json {
        serde_json::to_writer_pretty(&mut *out, &report).context("writing JSON")?;
        writeln!(out)?;
    } else {
        render::report(out, &report, plan.color)?;
    }
    out.flush()?;
    // The scan's own findings and the grading's (which judge certificates in their mail
    // context: a self-signed certificate on port 25 is no failure there).
    let failed = plan.fail_on.is_some_and(|threshold| {
        report.endpoints.iter().any(|e| {
            e.findings.iter().any(|f| f.severity >= threshold)
                || e.grading.findings.iter().any(|f| f.severity >= threshold)
        })
    });
    Ok(failed)
}
