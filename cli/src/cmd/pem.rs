//! `mxray pem FILE|- [--host NAME] [--at TIME] [--ca FILE] [--ocsp FILE] [--json] [--html FILE]`: analyse a PEM or DER
//! certificate chain offline, with the same code the scan and the browser page use.
//!
//! Terminal output follows sslscan's certificate block (signature algorithm, key and
//! strength, subject, altnames, issuer, validity) plus fingerprints and SPKI hashes for
//! each certificate, then the findings and the three validation levels. `--json` prints
//! the core's `x509::ChainReport`. `--at` defaults to the current time; this is the only
//! place that reads the clock. Exit code 0 when the chain was analysed (whatever it
//! says), 1 when the input could not be read, 2 for a bad flag or an unreadable file.

use std::io::Write;

use anyhow::{Context, Result};
use mxray_core::x509::{
    self, CertInfo, ChainReport, KeyKind, NameMatch, OcspReport, OcspStatus, TrustStore, format_time,
};

use crate::UsageError;

/// Arguments of `mxray pem`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The chain: a PEM file (one or more CERTIFICATE blocks, leaf first) or DER; `-` reads
    /// standard input.
    #[arg(value_name = "FILE")]
    file: String,

    /// Check this host name (or IP address) against the certificate.
    #[arg(long, value_name = "NAME")]
    host: Option<String>,

    /// Validate at this time: RFC 3339 (`2025-01-31T12:00:00Z`), a date, or unix seconds.
    /// Default: now.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,

    /// Also trust the root certificates in this PEM file (a private CA).
    #[arg(long, value_name = "FILE")]
    ca: Option<String>,

    /// Trust only the `--ca` roots, not the Mozilla root store.
    #[arg(long, requires = "ca")]
    no_mozilla: bool,

    /// Check this stapled OCSP response (DER, as `openssl ocsp -respout` writes it) for the
    /// leaf: a verified "revoked" fails the certificate level.
    #[arg(long, value_name = "FILE")]
    ocsp: Option<String>,

    /// Warn about certificates that expire within this many days.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    expiry_warning: u32,

    /// Print the JSON report instead of text.
    #[arg(long)]
    json: bool,

    /// Also write the report as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// Caps the bytes read from a file or stdin (the core caps again).
const MAX_READ: u64 = x509::MAX_INPUT_SIZE as u64 + 1;

/// Runs `mxray pem`, writing to `out`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<()> {
    let now = match &args.at {
        Some(text) => x509::parse_time(text).ok_or_else(|| {
            UsageError(format!("--at {text:?}: use RFC 3339 (2025-01-31T12:00:00Z), a date or unix seconds"))
        })?,
        None => super::unix_now(),
    };
    let mut trust = if args.no_mozilla { TrustStore::empty() } else { TrustStore::mozilla() };
    if let Some(ca) = &args.ca {
        let bytes = super::read_capped(ca, MAX_READ)?;
        trust = trust.with_extra(&bytes).map_err(|e| UsageError(format!("--ca {ca}: {e}")))?;
    }
    let input = super::read_capped(&args.file, MAX_READ)?;
    let chain = x509::split_chain(&input).with_context(|| format!("reading {}", args.file))?;
    if chain.is_empty() {
        anyhow::bail!("{}: no certificate found", args.file);
    }
    let ocsp = args.ocsp.as_deref().map(|path| super::read_capped(path, MAX_READ)).transpose()?;
    let report = x509::analyse_stapled(
        &chain,
        ocsp.as_deref(),
        args.host.as_deref(),
        now,
        &trust,
        args.expiry_warning,
    );
    if let Some(path) = &args.html {
        let source = if args.file == "-" { "standard input" } else { args.file.as_str() };
        crate::html::write_atomic(path, crate::html::pem_page(&report, source).as_bytes())?;
    }
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report).context("writing JSON")?;
        writeln!(out)?;
    } else {
        render(&report, out)?;
    }
    out.flush()?;
    Ok(())
}

/// Colon-separated upper-case hex, as openssl prints fingerprints.
fn fingerprint(hex: &str) -> String {
    hex.as_bytes().chunks(2).map(|c| String::from_utf8_lossy(c).to_uppercase()).collect::<Vec<_>>().join(":")
}

/// The sslscan-style block of one certificate: signature algorithm, key, subject, names,
/// issuer, serial, validity, CA flag, usages, OCSP, SCTs. Shared with `mxray scan`.
pub(crate) fn certificate_block(cert: &CertInfo, out: &mut impl Write) -> Result<()> {
    writeln!(out, "Signature Algorithm: {}", cert.signature_algorithm)?;
    let key = match cert.key.kind {
        KeyKind::Rsa => format!("RSA Key Strength:    {}", cert.key.bits),
        KeyKind::Ec => {
            format!(
                "ECC Curve Name:      {}\nECC Key Strength:    {}",
                cert.key.curve.as_deref().unwrap_or("?"),
                cert.key.bits
            )
        }
        KeyKind::Ed25519 => "Key:                 Ed25519".to_owned(),
        KeyKind::Ed448 => "Key:                 Ed448".to_owned(),
        KeyKind::Dsa => format!("DSA Key Strength:    {}", cert.key.bits),
        _ => format!("Key:                 {} ({} bits)", cert.key.algorithm_oid, cert.key.bits),
    };
    writeln!(out, "{key}")?;
    writeln!(out, "\nSubject:  {}", cert.subject)?;
    let alt = alt_names(cert);
    if !alt.is_empty() {
        writeln!(out, "Altnames: {}", alt.join(", "))?;
    }
    writeln!(out, "Issuer:   {}", cert.issuer)?;
    writeln!(out, "Serial:   {}", cert.serial)?;
    writeln!(out, "\nNot valid before: {}", format_time(cert.not_before))?;
    writeln!(out, "Not valid after:  {}", format_time(cert.not_after))?;
    if let Some(ca) = cert.is_ca {
        writeln!(out, "CA:               {}", if ca { "yes" } else { "no" })?;
    }
    if !cert.extended_key_usage.is_empty() {
        writeln!(out, "Extended usage:   {}", cert.extended_key_usage.join(", "))?;
    }
    if !cert.ocsp_urls.is_empty() {
        writeln!(out, "OCSP:             {}", cert.ocsp_urls.join(", "))?;
    }
    if cert.sct_count > 0 {
        writeln!(out, "SCTs:             {}", cert.sct_count)?;
    }
    Ok(())
}

/// One line about a checked OCSP response: the status, its times and its signature.
pub(crate) fn ocsp_summary(ocsp: &OcspReport) -> String {
    let mut text = match ocsp.status {
        OcspStatus::Good => "good".to_owned(),
        OcspStatus::Revoked => {
            format!("REVOKED on {}", ocsp.revoked_at.map(format_time).unwrap_or_else(|| "?".into()))
        }
        OcspStatus::Unknown => "unknown to the responder".to_owned(),
        _ => "unusable".to_owned(),
    };
    if let Some(this) = ocsp.this_update {
        text.push_str(&format!(", this update {}", format_time(this)));
    }
    if let Some(next) = ocsp.next_update {
        text.push_str(&format!(", next update {}", format_time(next)));
    }
    text.push_str(match ocsp.signature_valid {
        Some(true) => ", signature valid",
        Some(false) => ", signature INVALID",
        None => ", signature not checked (issuer unknown)",
    });
    text
}

fn render(report: &ChainReport, out: &mut impl Write) -> Result<()> {
    writeln!(out, "Certificate chain analysed at {}", format_time(report.at))?;
    for (i, cert) in report.certificates.iter().enumerate() {
        let role = if i == 0 {
            "server certificate"
        } else if cert.self_signed {
            "root"
        } else {
            "intermediate"
        };
        writeln!(out, "\n  Certificate #{} ({role}):", i + 1)?;
        certificate_block(cert, out)?;
        writeln!(out, "SHA-256 fingerprint: {}", fingerprint(&cert.sha256_fingerprint))?;
        writeln!(out, "SHA-1 fingerprint:   {}", fingerprint(&cert.sha1_fingerprint))?;
        writeln!(out, "SPKI SHA-256:        {}", cert.spki_sha256)?;
    }
    if let (Some(host), Some(m)) = (&report.host, &report.name_match) {
        let text = match m {
            NameMatch::San(name) => format!("matches {name}"),
            NameMatch::CommonNameFallback(cn) => format!("matches only the subject CN {cn} (legacy)"),
            NameMatch::Mismatch => "does not match".to_owned(),
            _ => "?".to_owned(),
        };
        writeln!(out, "\nHost name {host}: {text}")?;
    }
    if let Some(ocsp) = &report.ocsp {
        writeln!(out, "\nStapled OCSP response: {}", ocsp_summary(ocsp))?;
    }
    writeln!(out, "\nFindings:")?;
    if report.findings.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in &report.findings {
        writeln!(out, "  [{:?}] {}: {}", f.severity, f.id, f.message)?;
    }
    let level = |r: &Result<(), String>| match r {
        Ok(()) => "pass".to_owned(),
        Err(e) => format!("FAIL ({e})"),
    };
    writeln!(out, "\nValidation levels:")?;
    writeln!(
        out,
        "  encryption only:         {}",
        if report.levels.encryption_only { "pass" } else { "FAIL" }
    )?;
    writeln!(out, "  certificate validation:  {}", level(&report.levels.certificate))?;
    writeln!(out, "  domain validation:       {}", level(&report.levels.domain))?;
    Ok(())
}

/// The subject alternative names as OpenSSL prints them (`DNS:…`, `IP Address:…`, then
/// the other kinds), for the terminal block and the HTML page.
pub(crate) fn alt_names(cert: &CertInfo) -> Vec<String> {
    cert.dns_names
        .iter()
        .map(|n| format!("DNS:{n}"))
        .chain(cert.ip_addresses.iter().map(|n| format!("IP Address:{n}")))
        .chain(cert.other_names.iter().cloned())
        .collect()
}
