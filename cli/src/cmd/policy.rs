//! `mxray policy`: check a domain's mail policy records and its MTA-STS policy file without
//! DNS: the record texts are given on the command line (as `dig TXT` shows them, the
//! strings of one record joined), the policy comes from a file or is fetched over HTTPS.
//!
//! ```text
//! mxray policy --mta-sts 'v=STSv1; id=2024' --policy mta-sts.txt --mx mx1.example.org
//! mxray policy --fetch example.org [--connect-to 192.0.2.1[:443]]... [--ca lab-ca.pem] --mx mx1.example.org
//! mxray policy --spf 'v=spf1 mx -all' --dmarc 'v=DMARC1; p=reject' --tlsrpt 'v=TLSRPTv1; rua=mailto:r@example.org'
//! ```
//!
//! Each record flag may repeat: every occurrence is one TXT record at that name, so
//! "several records" can be checked too. `--fetch` resolves `mta-sts.DOMAIN` with the
//! system resolver unless `--connect-to` gives the addresses (a lab, a test server, a
//! host not yet in DNS). `--json` prints the model documented in `docs/policy.md`.
//!
//! Exit codes: 0 when the checks ran (whatever they found), 1 with `--fail-on SEVERITY`
//! when a finding reached SEVERITY, 2 for a usage error (no check asked for, an unreadable
//! file, a bad address).

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};
use mxray_core::policy::mta_sts::{self, Evaluation, PolicyCheck, StsRecord};
use mxray_core::policy::{Finding, RecordCheck, RecordStatus, Severity, dmarc, spf, tlsrpt};
use mxray_net::mta_sts::{FetchOptions, fetch_policy};
use serde::Serialize;

use crate::UsageError;

/// Arguments of `mxray policy`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A TXT record at `_mta-sts.DOMAIN` (repeat for several records).
    #[arg(long = "mta-sts", value_name = "TEXT")]
    mta_sts: Vec<String>,

    /// An MTA-STS policy file to check; `-` reads standard input.
    #[arg(long, value_name = "FILE", conflicts_with = "fetch")]
    policy: Option<String>,

    /// Fetch the policy from `https://mta-sts.DOMAIN/.well-known/mta-sts.txt`.
    #[arg(long, value_name = "DOMAIN")]
    fetch: Option<String>,

    /// With `--fetch`: connect to this address instead of resolving `mta-sts.DOMAIN`
    /// (`IP` or `IP:PORT`, port 443 by default; repeat to try several).
    #[arg(long, value_name = "ADDR", requires = "fetch")]
    connect_to: Vec<String>,

    /// With `--fetch`: also trust the CA certificates in this PEM file (a lab's CA).
    #[arg(long, value_name = "FILE", requires = "fetch")]
    ca: Option<String>,

    /// With `--fetch`: trust only the `--ca` roots, not the Mozilla root store.
    #[arg(long, requires = "ca")]
    no_mozilla: bool,

    /// With `--fetch`: give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, requires = "fetch")]
    timeout: u64,

    /// An MX host of the domain, matched against the policy's `mx` patterns (repeat).
    #[arg(long, value_name = "HOST")]
    mx: Vec<String>,

    /// A TXT record at `_smtp._tls.DOMAIN` (TLS-RPT; repeat for several records).
    #[arg(long, value_name = "TEXT")]
    tlsrpt: Vec<String>,

    /// A TXT record at the domain, checked as SPF (repeat: every TXT record of the domain).
    #[arg(long, value_name = "TEXT")]
    spf: Vec<String>,

    /// A TXT record at `_dmarc.DOMAIN` (repeat for several records).
    #[arg(long, value_name = "TEXT")]
    dmarc: Vec<String>,

    /// Exit with 1 if a finding has this severity or higher (info, low, medium, high,
    /// critical).
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<Severity>,

    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Where the policy came from, and what became of it.
#[derive(Debug, Serialize)]
struct PolicyReport {
    /// The file name or the URL.
    source: String,
    /// For a fetch that failed: the failure's kind (`tls`, `status`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    fetch_error: Option<String>,
    /// For a fetch that failed: the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// The policy check (absent when nothing was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<PolicyCheck>,
    /// Findings about getting the policy (a failed fetch).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fetch_findings: Vec<Finding>,
}

/// The JSON model of `mxray policy --json` (`docs/policy.md`).
#[derive(Debug, Serialize)]
struct Report {
    #[serde(skip_serializing_if = "Option::is_none")]
    mta_sts_record: Option<RecordCheck<StsRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mta_sts_policy: Option<PolicyReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mx: Option<Evaluation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tlsrpt: Option<RecordCheck<tlsrpt::TlsRptRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spf: Option<RecordCheck<spf::SpfRecord>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dmarc: Option<RecordCheck<dmarc::DmarcRecord>>,
    /// Every finding above, most severe first.
    findings: Vec<Finding>,
}

/// Caps the bytes read from a policy file or stdin (the core caps again).
const MAX_READ: u64 = mta_sts::MAX_POLICY_SIZE as u64 + 1;
/// Caps a `--ca` file.
const MAX_CA_READ: u64 = 1024 * 1024;

/// Reads, fetches and checks everything asked for.
fn build(args: &Args) -> Result<Report> {
    let asked = !args.mta_sts.is_empty()
        || args.policy.is_some()
        || args.fetch.is_some()
        || !args.tlsrpt.is_empty()
        || !args.spf.is_empty()
        || !args.dmarc.is_empty();
    if !asked {
        return Err(UsageError(
            "nothing to check: give --mta-sts, --policy, --fetch, --tlsrpt, --spf or --dmarc".into(),
        )
        .into());
    }
    if !args.mx.is_empty() && args.policy.is_none() && args.fetch.is_none() {
        return Err(UsageError("--mx needs a policy: give --policy FILE or --fetch DOMAIN".into()).into());
    }
    let mta_sts_policy = match (&args.policy, &args.fetch) {
        (Some(file), _) => {
            let body = super::read_capped(file, MAX_READ)?;
            let check = mta_sts::check_policy_bytes(&body);
            Some(PolicyReport {
                source: file.clone(),
                fetch_error: None,
                message: None,
                check: Some(check),
                fetch_findings: Vec::new(),
            })
        }
        (None, Some(domain)) => Some(fetch(args, domain)?),
        (None, None) => None,
    };
    let policy = mta_sts_policy.as_ref().and_then(|p| p.check.as_ref()).and_then(|c| c.policy.as_ref());
    let mx = policy.filter(|_| !args.mx.is_empty()).map(|p| mta_sts::evaluate(p, &args.mx));
    let some = |v: &[String]| !v.is_empty();
    let mut report = Report {
        mta_sts_record: some(&args.mta_sts).then(|| mta_sts::check_records(&args.mta_sts)),
        mta_sts_policy,
        mx,
        tlsrpt: some(&args.tlsrpt).then(|| tlsrpt::check_records(&args.tlsrpt)),
        spf: some(&args.spf).then(|| spf::check_records(&args.spf)),
        dmarc: some(&args.dmarc).then(|| dmarc::check_records(&args.dmarc)),
        findings: Vec::new(),
    };
    let mut all: Vec<Finding> = Vec::new();
    all.extend(report.mta_sts_record.iter().flat_map(|c| c.findings.clone()));
    if let Some(p) = &report.mta_sts_policy {
        all.extend(p.fetch_findings.iter().cloned());
        all.extend(p.check.iter().flat_map(|c| c.findings.clone()));
    }
    all.extend(report.mx.iter().flat_map(|e| e.findings.clone()));
    all.extend(report.tlsrpt.iter().flat_map(|c| c.findings.clone()));
    all.extend(report.spf.iter().flat_map(|c| c.findings.clone()));
    all.extend(report.dmarc.iter().flat_map(|c| c.findings.clone()));
    all.sort_by_key(|f| std::cmp::Reverse(f.severity));
    report.findings = all;
    Ok(report)
}

/// Fetches the policy of `domain`; a failed fetch is a result (with findings), not an error.
fn fetch(args: &Args, domain: &str) -> Result<PolicyReport> {
    let mut options = FetchOptions::new(Vec::new());
    options.timeout = Duration::from_secs(args.timeout.max(1));
    options.webpki_roots = !args.no_mozilla;
    if let Some(ca) = &args.ca {
        let pem = String::from_utf8(super::read_capped(ca, MAX_CA_READ)?)
            .map_err(|_| UsageError(format!("--ca {ca}: not a PEM file")))?;
        options.extra_roots =
            mxray_core::x509::split_pem(&pem).map_err(|e| UsageError(format!("--ca {ca}: {e}")))?;
    }
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("starting tokio")?;
    let host = format!("mta-sts.{}", domain.trim_end_matches('.'));
    options.addrs = if args.connect_to.is_empty() {
        let resolved = runtime.block_on(tokio::net::lookup_host((host.as_str(), 443)));
        resolved.map(Iterator::collect).unwrap_or_default()
    } else {
        args.connect_to.iter().map(|a| super::ip_port("--connect-to", a, 443)).collect::<Result<_, _>>()?
    };
    let source = format!("https://{host}{}", mxray_net::mta_sts::WELL_KNOWN_PATH);
    Ok(match runtime.block_on(fetch_policy(domain, &options)) {
        Ok(fetched) => PolicyReport {
            source: fetched.url,
            fetch_error: None,
            message: None,
            check: Some(fetched.check),
            fetch_findings: Vec::new(),
        },
        Err(e) => {
            let fetch_findings = if matches!(e, mxray_net::mta_sts::FetchError::Malformed { .. }) {
                Vec::new()
            } else {
                e.findings()
            };
            let check = match e {
                mxray_net::mta_sts::FetchError::Malformed { ref check, .. } => Some((**check).clone()),
                _ => None,
            };
            let message = match &e {
                mxray_net::mta_sts::FetchError::NoAddress { .. } => format!("{host} does not resolve"),
                _ => e.to_string(),
            };
            PolicyReport {
                source,
                fetch_error: Some(e.kind().to_owned()),
                message: Some(message),
                check,
                fetch_findings,
            }
        }
    })
}

/// Runs `mxray policy`, writing to `out`. Returns whether a finding reached `--fail-on`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<bool> {
    let report = build(args)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report).context("writing JSON")?;
        writeln!(out)?;
    } else {
        render(&report, out)?;
    }
    out.flush()?;
    Ok(args.fail_on.is_some_and(|t| report.findings.iter().any(|f| f.severity >= t)))
}

fn status_word<T>(check: &RecordCheck<T>) -> &'static str {
    match check.status {
        RecordStatus::Absent => "absent",
        RecordStatus::Valid => "valid",
        RecordStatus::Invalid => "INVALID",
        RecordStatus::Multiple => "MULTIPLE",
    }
}

fn record_line<T>(
    out: &mut impl Write,
    label: &str,
    check: &RecordCheck<T>,
    summary: Option<String>,
) -> Result<()> {
    let detail = match (&check.error, summary) {
        (Some(e), _) => e.clone(),
        (None, Some(s)) => s,
        (None, None) => String::new(),
    };
    writeln!(out, "{label:<16}{:<10}{detail}", status_word(check))?;
    Ok(())
}

fn render(report: &Report, out: &mut impl Write) -> Result<()> {
    if let Some(c) = &report.mta_sts_record {
        record_line(out, "MTA-STS record", c, c.record.as_ref().map(|r| format!("id={}", r.id)))?;
    }
    if let Some(p) = &report.mta_sts_policy {
        match (&p.check, &p.message) {
            (Some(check), _) => match &check.policy {
                Some(policy) => {
                    let patterns: Vec<&str> = policy.mx.iter().map(|m| m.pattern.as_str()).collect();
                    writeln!(
                        out,
                        "{:<16}{:<10}mode {}, max_age {} s, mx {}",
                        "MTA-STS policy",
                        "valid",
                        policy.mode.as_str(),
                        policy.max_age,
                        if patterns.is_empty() { "(none)".to_owned() } else { patterns.join(", ") }
                    )?;
                }
                None => writeln!(
                    out,
                    "{:<16}{:<10}{}",
                    "MTA-STS policy",
                    "INVALID",
                    check.error.as_deref().unwrap_or_default()
                )?,
            },
            (None, message) => writeln!(
                out,
                "{:<16}{:<10}{}",
                "MTA-STS policy",
                "FAILED",
                message.as_deref().unwrap_or_default()
            )?,
        }
        writeln!(out, "{:<26}from {}", "", p.source)?;
    }
    if let Some(e) = &report.mx {
        for h in &e.hosts {
            match &h.pattern {
                Some(p) => writeln!(out, "{:<16}{:<10}{} (matches {p})", "MX", "covered", h.host)?,
                None => writeln!(out, "{:<16}{:<10}{} (matches no pattern)", "MX", "NOT", h.host)?,
            }
        }
    }
    if let Some(c) = &report.tlsrpt {
        let summary = c.record.as_ref().map(|r| {
            let rua: Vec<String> = r.rua.iter().map(tlsrpt::ReportUri::uri).collect();
            format!("rua {}", rua.join(", "))
        });
        record_line(out, "TLS-RPT", c, summary)?;
    }
    if let Some(c) = &report.spf {
        let summary = c.record.as_ref().map(|r| {
            format!(
                "{}, {} DNS lookup(s) in the record itself (limit {})",
                r.ending(),
                r.lookups,
                spf::LOOKUP_LIMIT
            )
        });
        record_line(out, "SPF", c, summary)?;
    }
    if let Some(c) = &report.dmarc {
        let summary = c.record.as_ref().map(|r| {
            format!(
                "p={} sp={} pct={}: {}",
                r.policy().as_str(),
                r.subdomain_policy().as_str(),
                r.pct,
                match r.strength {
                    dmarc::Strength::Reject => "forged mail is rejected",
                    dmarc::Strength::Quarantine => "forged mail is quarantined",
                    dmarc::Strength::Partial => "enforced on a sample only",
                    dmarc::Strength::MonitorOnly => "monitoring only",
                }
            )
        });
        record_line(out, "DMARC", c, summary)?;
    }
    if report.findings.is_empty() {
        writeln!(out, "\nNo findings.")?;
    } else {
        writeln!(out, "\nFindings:")?;
        for f in &report.findings {
            writeln!(out, "  {:<9}{:<32}{}", f.severity.to_string(), f.id, f.message)?;
        }
    }
    Ok(())
}
