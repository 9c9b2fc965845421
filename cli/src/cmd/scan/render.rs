//! The terminal rendering of a scan report: read at a glance, most important first.
//!
//! Per endpoint: the plaintext dialogue, the protocol versions, the accepted ciphers per
//! version in server order with bits and a secure/weak/insecure marking, groups,
//! signature schemes, session features, the certificates, the grade with its caps, the
//! Mozilla/NCSC-NL/mail verdicts and the top graded findings, the scan's findings, and
//! what the scan cost. Only what the server accepts is listed (sslscan's `--no-failed`).
//! Colour marks the weak and the insecure when asked for. `--html` (`crate::html`) renders
//! the same content as a page.

use std::io::Write;

use anyhow::Result;
use mxray_core::grade::NcscClass;
use mxray_core::probe::FeatureFindings;
use mxray_core::report::{EndpointReport, ScanReport, Severity, Strength};
use mxray_core::starttls::injection::InjectionVerdict;

/// ANSI colours, or none.
struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    fn strength(&self, strength: Strength) -> String {
        match strength {
            Strength::Secure => self.wrap("32", "secure"),
            Strength::Weak => self.wrap("33", "weak"),
            Strength::Insecure => self.wrap("1;31", "INSECURE"),
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let label = format!("{:<8}", severity.to_string());
        match severity {
            Severity::Critical | Severity::High => self.wrap("1;31", &label),
            Severity::Medium => self.wrap("33", &label),
            Severity::Low | Severity::Info => label,
        }
    }

    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

fn features(f: &FeatureFindings) -> String {
    [
        ("secure renegotiation", f.secure_renegotiation),
        ("extended master secret", f.extended_master_secret),
        ("encrypt-then-MAC", f.encrypt_then_mac),
        ("session tickets", f.session_tickets),
        ("OCSP stapling", f.ocsp_stapling),
        ("fallback SCSV", f.fallback_scsv),
        ("compression", f.compression),
        ("heartbeat", f.heartbeat),
    ]
    .iter()
    .map(|(name, v)| format!("{name} {}", yes_no(*v)))
    .collect::<Vec<_>>()
    .join(", ")
}

fn endpoint(out: &mut impl Write, e: &EndpointReport, paint: &Paint) -> Result<()> {
    let sni = e.sni.as_deref().map(|s| format!(", SNI {s}")).unwrap_or_default();
    writeln!(out, "{} ({}{sni})", paint.bold(&e.target), e.address)?;
    if let Some(d) = &e.starttls {
        if let Some(banner) = &d.banner {
            writeln!(out, "  Banner      {banner}")?;
        }
        if !d.capabilities.is_empty() {
            let caps: Vec<String> = d.capabilities.iter().map(ToString::to_string).collect();
            writeln!(out, "  Before TLS  {}", caps.join(", "))?;
        }
        if let Some(outcome) = &d.outcome {
            writeln!(out, "  STARTTLS    {outcome}")?;
        }
    }
    if let Some(verdict) = &e.starttls_injection {
        let text = injection_text(verdict);
        let text = if matches!(verdict, InjectionVerdict::Vulnerable { .. }) {
            paint.wrap("1;31", &text)
        } else {
            text
        };
        writeln!(out, "  Injection   {text}")?;
    }
    let versions: Vec<String> = e
        .versions
        .iter()
        .map(|v| {
            let mark = match v.supported {
                Some(true) if matches!(v.version.as_str(), "SSLv2" | "SSLv3") => paint.wrap("1;31", "yes"),
                Some(true) if matches!(v.version.as_str(), "TLSv1.0" | "TLSv1.1") => paint.wrap("33", "yes"),
                other => yes_no(other).to_owned(),
            };
            format!("{} {mark}", v.version)
        })
        .collect();
    writeln!(out, "  Protocols   {}", versions.join("  "))?;
    for v in e.versions.iter().filter(|v| v.supported == Some(true)) {
        let order = match v.server_order {
            Some(true) => "server order",
            Some(false) => "client order",
            None => "order unknown",
        };
        let incomplete = if v.complete { "" } else { ", incomplete" };
        writeln!(out, "  {} ciphers ({order}{incomplete})", v.version)?;
        for c in e.ciphers.iter().filter(|c| c.version == v.version) {
            let rank = c.rank.map(|r| format!("{r:>2}.")).unwrap_or_else(|| "   ".into());
            let bits = c.bits.map(|b| format!("{b:>3} bits")).unwrap_or_else(|| "   ? bits".into());
            let name = c.name.unwrap_or("(unknown)");
            let openssl = c.openssl.unwrap_or("-");
            writeln!(
                out,
                "    {rank} {}  {name:<45} {openssl:<32} {bits}  {}",
                c.code,
                paint.strength(c.strength)
            )?;
        }
    }
    let g = &e.groups;
    if !g.tls13.is_empty() || !g.tls12.is_empty() {
        let mut parts = Vec::new();
        if !g.tls13.is_empty() {
            parts.push(format!("TLS 1.3: {}", g.tls13.join(", ")));
        }
        if !g.tls12.is_empty() {
            parts.push(format!("TLS 1.2: {}", g.tls12.join(", ")));
        }
        let preferred = match (&g.preferred, g.tls12_server_order, g.tls13_server_order) {
            (Some(p), _, _) => format!(" (preferred {p})"),
            (None, Some(false), _) | (None, _, Some(false)) => {
                " (the client's first choice is taken)".to_owned()
            }
            _ => String::new(),
        };
        writeln!(out, "  Groups      {}{preferred}", parts.join("; "))?;
    }
    if !g.dhe_bits.is_empty() {
        let bits: Vec<String> = g.dhe_bits.iter().map(|b| format!("{b} bits")).collect();
        let groups =
            if g.dhe_groups.is_empty() { String::new() } else { format!(" ({})", g.dhe_groups.join(", ")) };
        writeln!(out, "  DHE         {}{groups}", bits.join(", "))?;
    }
    if !e.signature_schemes.is_empty() {
        writeln!(out, "  Signatures  {} (TLS 1.2)", e.signature_schemes.join(", "))?;
    }
    if !e.signature_schemes_tls13.is_empty() {
        writeln!(out, "  Signatures  {} (TLS 1.3)", e.signature_schemes_tls13.join(", "))?;
    }
    writeln!(out, "  Features    {}", features(&e.features))?;
    certificates(out, e, paint)?;
    grading(out, e, paint)?;
    senders(out, e, paint)?;
    if !e.findings.is_empty() {
        writeln!(out, "  Findings")?;
        for f in &e.findings {
            writeln!(out, "    {} {}", paint.severity(f.severity), f.message)?;
        }
    }
    for error in &e.errors {
        writeln!(out, "  Error       {error}")?;
    }
    let c = &e.cost;
    writeln!(
        out,
        "  Cost        {} connections, {} handshakes, {} retries, {:.1} s",
        c.connections,
        c.handshakes,
        c.retries,
        c.duration_ms as f64 / 1000.0
    )?;
    Ok(())
}

/// Each certificate the server presented: the sslscan-style block of the leaf, the chain's
/// verdicts and findings.
fn certificates(out: &mut impl Write, e: &EndpointReport, paint: &Paint) -> Result<()> {
    for c in &e.certificates {
        let Some(leaf) = c.chain.certificates.first() else { continue };
        let suite = c.suite.info().and_then(|i| i.openssl.or(Some(i.name))).unwrap_or("?");
        writeln!(
            out,
            "  Certificate (chain of {}, seen with {} {suite})",
            c.chain.certificates.len(),
            c.version
        )?;
        let mut block = Vec::new();
        crate::cmd::pem::certificate_block(leaf, &mut block)?;
        for line in String::from_utf8_lossy(&block).lines().filter(|l| !l.is_empty()) {
            writeln!(out, "    {line}")?;
        }
        let level = |r: &Result<(), String>| match r {
            Ok(()) => paint.wrap("32", "pass"),
            Err(reason) => format!("{} ({reason})", paint.wrap("1;31", "FAIL")),
        };
        writeln!(
            out,
            "    Validation: encryption {}; certificate {}; domain {}",
            if c.chain.levels.encryption_only {
                paint.wrap("32", "pass")
            } else {
                paint.wrap("1;31", "FAIL")
            },
            level(&c.chain.levels.certificate),
            level(&c.chain.levels.domain)
        )?;
        if let Some(ocsp) = &c.chain.ocsp {
            writeln!(out, "    Stapled OCSP: {}", crate::cmd::pem::ocsp_summary(ocsp))?;
        }
        for f in &c.chain.findings {
            writeln!(out, "    {} {}", paint.severity(f.severity), f.message)?;
        }
    }
    Ok(())
}

/// How many graded findings the terminal lists (the JSON and the page list all).
const TOP_FINDINGS: usize = 5;

/// The grade, the mail posture, the Mozilla profiles, the NCSC-NL classes and the top
/// graded findings.
fn grading(out: &mut impl Write, e: &EndpointReport, paint: &Paint) -> Result<()> {
    let g = &e.grading;
    let letter = match e.grade.as_str() {
        "A+" | "A" | "A-" => paint.wrap("1;32", &e.grade),
        "B" | "C" => paint.wrap("1;33", &e.grade),
        _ => paint.wrap("1;31", &e.grade),
    };
    let crypto = if g.letter_ignoring_trust == g.letter {
        String::new()
    } else {
        format!(" ({} if the certificate were trusted)", g.letter_ignoring_trust)
    };
    writeln!(out, "  Grade       {letter}{crypto}")?;
    for cap in &g.caps {
        writeln!(out, "    capped at {}: {}", cap.letter, cap.reason)?;
    }
    let verdict = format!("{:?}", g.mail.verdict).to_lowercase();
    let verdict = match g.mail.verdict {
        mxray_core::grade::Verdict::Ok => paint.wrap("32", &verdict),
        mxray_core::grade::Verdict::Weak => paint.wrap("33", &verdict),
        mxray_core::grade::Verdict::Fail => paint.wrap("1;31", &verdict),
    };
    writeln!(out, "  Mail        {verdict}")?;
    for reason in &g.mail.reasons {
        writeln!(out, "    {reason}")?;
    }
    let profiles: Vec<String> = g
        .mozilla
        .iter()
        .map(|p| {
            let name = format!("{:?}", p.profile).to_lowercase();
            if p.compliant {
                format!("{name} yes")
            } else {
                format!("{name} no ({} deviations)", p.deviations.len())
            }
        })
        .collect();
    writeln!(out, "  Mozilla     {}", profiles.join(", "))?;
    let count = |class: NcscClass| g.ncsc.iter().filter(|i| i.class == class).count();
    writeln!(
        out,
        "  NCSC-NL     {} good, {} sufficient, {} phase out, {} insufficient",
        count(NcscClass::Good),
        count(NcscClass::Sufficient),
        count(NcscClass::PhaseOut),
        count(NcscClass::Insufficient)
    )?;
    if !g.findings.is_empty() {
        writeln!(out, "  Top findings (mxray explain ID for more)")?;
        for f in g.findings.iter().take(TOP_FINDINGS) {
            let set = serde_json::to_value(f.set).ok().and_then(|v| v.as_str().map(str::to_owned));
            writeln!(
                out,
                "    {} {}: {} [{}, {}]",
                paint.severity(f.severity),
                f.id,
                f.message,
                set.as_deref().unwrap_or("?"),
                f.section
            )?;
        }
        if g.findings.len() > TOP_FINDINGS {
            writeln!(out, "    … and {} more (--json or --html)", g.findings.len() - TOP_FINDINGS)?;
        }
    }
    Ok(())
}

/// What each common sending MTA would negotiate (SMTP relay only): one line per profile.
fn senders(out: &mut impl Write, e: &EndpointReport, paint: &Paint) -> Result<()> {
    for (i, o) in e.mta_simulation.iter().enumerate() {
        let label = if i == 0 { "Senders" } else { "" };
        let probably = if o.certain { "" } else { "probably " };
        let line = if o.negotiates {
            let got = [o.version.as_deref(), o.suite_name, o.group.as_deref()].into_iter().flatten();
            format!("{} {probably}{}", paint.wrap("32", "ok  "), got.collect::<Vec<_>>().join(", "))
        } else {
            format!(
                "{} {probably}{}",
                paint.wrap("1;31", "FAIL"),
                o.note.as_deref().unwrap_or("no handshake")
            )
        };
        writeln!(out, "  {label:<11} {:<17} {line}", o.profile)?;
    }
    Ok(())
}

/// Writes the whole report.
pub(crate) fn report(out: &mut impl Write, report: &ScanReport, color: bool) -> Result<()> {
    let paint = Paint { on: color };
    for (i, e) in report.endpoints.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        endpoint(out, e, &paint)?;
    }
    Ok(())
}

/// One line for the STARTTLS command-injection verdict (terminal and HTML page).
pub(crate) fn injection_text(verdict: &InjectionVerdict) -> String {
    match verdict {
        InjectionVerdict::Vulnerable { reply, inside_tls: true } => {
            format!("vulnerable: answered {reply:?} inside TLS")
        }
        InjectionVerdict::Vulnerable { reply, inside_tls: false } => {
            format!("vulnerable: answered {reply:?} in plaintext")
        }
        InjectionVerdict::NotVulnerable { refused_pipelining: false } => {
            "not vulnerable (pipelined command discarded)".to_owned()
        }
        InjectionVerdict::NotVulnerable { refused_pipelining: true } => {
            "not vulnerable (connection dropped on pipelined input)".to_owned()
        }
        InjectionVerdict::Inconclusive { reason } => format!("inconclusive: {reason}"),
        _ => format!("{verdict:?}"),
    }
}
