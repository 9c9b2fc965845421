//! `--html FILE`: the scan report (or a `mxray pem` chain report, or a `mxray domain` report
//! in [`domain`]) as one self-contained page with the content of the terminal output, for
//! reading in a browser, printing or attaching to a ticket.
//!
//! The page has no external assets and no script: inline CSS (screen and print), and a
//! Content-Security-Policy meta tag that forbids everything but that one stylesheet, named
//! by its SHA-256 hash (`default-src 'none'; style-src 'sha256-…'`). Every string that came
//! from a server or a file (banner, capabilities, subject, SAN, issuer, finding messages
//! quoting them…) is hostile: [`Page`] only accepts markup as `&'static str` and escapes
//! everything else, so a value cannot reach the page unescaped by accident.
//!
//! The base64 of the CSP hash is written by hand (a dozen lines; no crate of the workspace
//! has it). [`write_atomic`] writes the page next to its destination and renames it over,
//! so a reader never sees half a page.

use std::fmt::Display;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use mxray_core::grade::{Grading, NcscClass, Verdict};
use mxray_core::probe::FeatureFindings;
use mxray_core::report::{CertificateReport, EndpointReport, Finding, ScanReport, Severity, Strength};
use mxray_core::starttls::injection::InjectionVerdict;
use mxray_core::x509::{
    CertInfo, ChainReport, KeyKind, NameMatch, OcspStatus, ValidationLevels, format_time,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

mod domain;

pub(crate) use domain::domain_page;

/// The stylesheet, for screen and print.
const STYLE: &str = "\
:root{--fg:#1b1f24;--muted:#59636e;--line:#d0d7de;--bg:#fff;--alt:#f6f8fa;\
--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e}\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);background:var(--bg);\
max-width:72rem;margin:0 auto;padding:1rem 1.5rem}\
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.3rem;border-bottom:2px solid var(--line);\
padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\
h4{font-size:.95rem;margin:.8rem 0 .3rem}\
table{border-collapse:collapse;margin:.3rem 0 .8rem;font-size:.88rem}\
th,td{border:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:top}\
th{background:var(--alt)}td.num{text-align:right}\
code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.85em;overflow-wrap:anywhere}\
.muted{color:var(--muted)}.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad);font-weight:600}\
.grade{display:inline-block;font-size:2.2rem;font-weight:700;min-width:3.2rem;text-align:center;\
border:3px solid currentColor;border-radius:.4rem;padding:0 .4rem;margin-right:1rem}\
.sev-critical,.sev-high{color:var(--bad);font-weight:600}.sev-medium{color:var(--warn)}\
.sev-low,.sev-info{color:var(--muted)}\
section.endpoint{margin-bottom:2.5rem}dl{display:grid;grid-template-columns:max-content 1fr;\
gap:.15rem 1rem;margin:.3rem 0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}\
footer{margin-top:2rem;color:var(--muted);font-size:.8rem}\
@media print{body{font-size:10pt;max-width:none;padding:0}\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}\
section.endpoint{break-before:page}section.endpoint:first-of-type{break-before:auto}\
h2,h3,h4{break-after:avoid}tr,dl{break-inside:avoid}table{font-size:8.5pt}}\
";

/// Standard base64 (RFC 4648 §4, with padding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The Content-Security-Policy of the page: nothing but the inline stylesheet.
pub(crate) fn csp() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; base-uri 'none'; form-action 'none'",
        base64(&Sha256::digest(STYLE.as_bytes()))
    )
}

/// Escapes text for HTML element content and quoted attribute values. Control characters
/// (other than tab and newline) become U+FFFD: a banner must not smuggle terminal or
/// parser tricks into the page.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The page being written: markup only from `&'static str`, everything else escaped.
struct Page {
    buf: String,
}

impl Page {
    fn new(title: &str) -> Self {
        let mut page = Self { buf: String::with_capacity(64 * 1024) };
        page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        page.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"");
        page.text(csp());
        page.raw("\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.raw("<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
        page.text(title);
        page.raw("</title>\n<style>");
        page.raw(STYLE);
        page.raw("</style>\n</head>\n<body>\n");
        page
    }

    fn finish(mut self) -> String {
        self.raw("<footer>Written by mxray ");
        self.text(env!("CARGO_PKG_VERSION"));
        self.raw(". Self-contained page: no external assets, no script.</footer>\n</body>\n</html>\n");
        self.buf
    }

    /// Markup: only literals can be written unescaped.
    fn raw(&mut self, markup: &'static str) {
        self.buf.push_str(markup);
    }

    /// Text, escaped.
    fn text(&mut self, text: impl Display) {
        let mut s = String::new();
        let _ = write!(s, "{text}");
        self.buf.push_str(&escape(&s));
    }

    /// `open` + escaped `text` + `close`.
    fn el(&mut self, open: &'static str, text: impl Display, close: &'static str) {
        self.raw(open);
        self.text(text);
        self.raw(close);
    }

    /// A `<dt>`/`<dd>` pair.
    fn item(&mut self, term: &'static str, value: impl Display) {
        self.raw("<dt>");
        self.raw(term);
        self.raw("</dt><dd>");
        self.text(value);
        self.raw("</dd>\n");
    }

    /// A table header row.
    fn head(&mut self, columns: &[&'static str]) {
        self.raw("<table>\n<tr>");
        for c in columns {
            self.raw("<th>");
            self.raw(c);
            self.raw("</th>");
        }
        self.raw("</tr>\n");
    }

    /// A cell with escaped text.
    fn td(&mut self, text: impl Display) {
        self.el("<td>", text, "</td>");
    }
}

/// The JSON name of a serde enum value (`"phase_out"`), so the page says what the JSON says.
fn label(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_owned(),
    }
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "<td class=\"sev-critical\">",
        Severity::High => "<td class=\"sev-high\">",
        Severity::Medium => "<td class=\"sev-medium\">",
        Severity::Low => "<td class=\"sev-low\">",
        Severity::Info => "<td class=\"sev-info\">",
    }
}

fn grade_class(grade: &str) -> &'static str {
    match grade {
        "A+" | "A" | "A-" => "<span class=\"grade ok\">",
        "B" | "C" => "<span class=\"grade warn\">",
        _ => "<span class=\"grade bad\">",
    }
}

fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

/// The page of a whole scan.
pub(crate) fn scan_page(report: &ScanReport) -> String {
    let targets: Vec<&str> = report.endpoints.iter().map(|e| e.target.as_str()).collect();
    let mut page = Page::new(&format!("mxray report: {}", targets.join(", ")));
    page.raw("<header><h1>mxray scan report</h1>\n<p class=\"muted\">");
    page.text(format_args!(
        "{} {}, report schema {}, {} endpoint(s)",
        report.tool.name,
        report.tool.version,
        report.schema_version,
        report.endpoints.len()
    ));
    page.raw("</p></header>\n");
    for e in &report.endpoints {
        endpoint(&mut page, e);
    }
    page.finish()
}

/// The page of one chain analysed offline (`mxray pem --html`).
pub(crate) fn pem_page(report: &ChainReport, source: &str) -> String {
    let mut page = Page::new(&format!("mxray certificate report: {source}"));
    page.raw("<header><h1>mxray certificate report</h1>\n<p class=\"muted\">");
    page.text(format_args!("{source}, analysed at {}", format_time(report.at)));
    page.raw("</p></header>\n<section class=\"endpoint\">\n");
    chain(&mut page, report);
    page.raw("</section>\n");
    page.finish()
}

fn endpoint(page: &mut Page, e: &EndpointReport) {
    page.raw("<section class=\"endpoint\">\n");
    page.el("<h2>", &e.target, "</h2>\n");
    page.raw("<p>");
    page.el(grade_class(&e.grade), &e.grade, "</span>");
    page.el("<span class=\"mono\">", &e.address, "</span>");
    if let Some(sni) = &e.sni {
        page.el(", SNI <span class=\"mono\">", sni, "</span>");
    }
    page.el(", service ", e.service, "</p>\n");

    if let Some(d) = &e.starttls {
        page.raw("<h3>Plaintext dialogue</h3>\n<dl>\n");
        page.item("Protocol", d.protocol);
        if let Some(banner) = &d.banner {
            page.item("Banner", banner);
        }
        if let Some(hello) = &d.hello {
            page.item("Hello", hello);
        }
        if !d.capabilities.is_empty() {
            let caps: Vec<String> = d.capabilities.iter().map(ToString::to_string).collect();
            page.item("Before TLS", caps.join(", "));
        }
        if !d.auth_before_tls.is_empty() {
            page.item("AUTH before TLS", d.auth_before_tls.join(" "));
        }
        if let Some(outcome) = &d.outcome {
            page.item("STARTTLS", outcome);
        }
        page.raw("</dl>\n");
        if !d.exchanges.is_empty() {
            page.head(&["Command", "Reply"]);
            for x in &d.exchanges {
                page.raw("<tr>");
                page.el("<td class=\"mono\">", &x.command, "</td>");
                page.td(x.status);
                page.raw("</tr>\n");
            }
            page.raw("</table>\n");
        }
    }

    if let Some(verdict) = &e.starttls_injection {
        page.raw("<h3>STARTTLS command injection</h3>\n");
        let cell =
            if matches!(verdict, InjectionVerdict::Vulnerable { .. }) { "<p class=\"bad\">" } else { "<p>" };
        page.el(cell, crate::cmd::scan::render::injection_text(verdict), "</p>\n");
    }

    page.raw("<h3>Protocols</h3>\n");
    page.head(&["Version", "Supported", "Suite order", "Enumeration"]);
    for v in &e.versions {
        page.raw("<tr>");
        page.td(&v.version);
        let cell = match (v.supported, v.version.as_str()) {
            (Some(true), "SSLv2" | "SSLv3") => "<td class=\"bad\">",
            (Some(true), "TLSv1.0" | "TLSv1.1") => "<td class=\"warn\">",
            _ => "<td>",
        };
        let answered = v.answered_with.as_deref().map(|a| format!(" (answered {a})")).unwrap_or_default();
        page.el(cell, format_args!("{}{answered}", yes_no(v.supported)), "</td>");
        page.td(match v.server_order {
            Some(true) => "server",
            Some(false) => "client",
            None => "",
        });
        page.td(if v.complete { "complete" } else { "incomplete" });
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");

    for v in e.versions.iter().filter(|v| v.supported == Some(true)) {
        let order = match v.server_order {
            Some(true) => "server order",
            Some(false) => "client order",
            None => "order unknown",
        };
        page.el("<h4>", format_args!("{} ciphers ({order})", v.version), "</h4>\n");
        page.head(&["#", "Code", "IANA name", "OpenSSL name", "Bits", "Key exchange", "Strength"]);
        for c in e.ciphers.iter().filter(|c| c.version == v.version) {
            page.raw("<tr>");
            page.el("<td class=\"num\">", c.rank.map(|r| r.to_string()).unwrap_or_default(), "</td>");
            page.el("<td class=\"mono\">", c.code, "</td>");
            page.el("<td class=\"mono\">", c.name.unwrap_or("(unknown)"), "</td>");
            page.el("<td class=\"mono\">", c.openssl.unwrap_or("-"), "</td>");
            page.el(
                "<td class=\"num\">",
                c.bits.map(|b| b.to_string()).unwrap_or_else(|| "?".into()),
                "</td>",
            );
            page.td(c.kx.map(|k| label(&k)).unwrap_or_default());
            match c.strength {
                Strength::Secure => page.raw("<td class=\"ok\">secure</td>"),
                Strength::Weak => page.raw("<td class=\"warn\">weak</td>"),
                Strength::Insecure => page.raw("<td class=\"bad\">INSECURE</td>"),
            }
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }

    page.raw("<h3>Key exchange and signatures</h3>\n<dl>\n");
    let g = &e.groups;
    if !g.tls13.is_empty() {
        page.item("TLS 1.3 groups", g.tls13.join(", "));
    }
    if !g.tls12.is_empty() {
        page.item("TLS 1.2 groups", g.tls12.join(", "));
    }
    match (&g.preferred, g.tls12_server_order, g.tls13_server_order) {
        (Some(p), _, _) => page.item("Preferred group", p),
        (None, Some(false), _) | (None, _, Some(false)) => {
            page.item("Preferred group", "none: the client's first choice is taken");
        }
        _ => {}
    }
    if !g.dhe_bits.is_empty() {
        let bits: Vec<String> = g.dhe_bits.iter().map(|b| format!("{b} bits")).collect();
        let groups =
            if g.dhe_groups.is_empty() { String::new() } else { format!(" ({})", g.dhe_groups.join(", ")) };
        page.item("DHE", format_args!("{}{groups}", bits.join(", ")));
    }
    if !e.signature_schemes.is_empty() {
        page.item("Signature schemes (TLS 1.2)", e.signature_schemes.join(", "));
    }
    if !e.signature_schemes_tls13.is_empty() {
        page.item("Signature schemes (TLS 1.3)", e.signature_schemes_tls13.join(", "));
    }
    page.raw("</dl>\n");

    features(page, &e.features);
    for c in &e.certificates {
        certificate_report(page, c);
    }
    grading(page, &e.grade, &e.grading);
    senders(page, e);

    page.raw("<h3>Scan findings</h3>\n");
    report_findings(page, &e.findings);
    if !e.errors.is_empty() {
        page.raw("<h3>Errors</h3>\n<ul>\n");
        for error in &e.errors {
            page.el("<li>", error, "</li>\n");
        }
        page.raw("</ul>\n");
    }
    let c = &e.cost;
    page.raw("<h3>Connections used</h3>\n<p>");
    page.text(format_args!(
        "{} connections, {} handshakes, {} retries, {:.1} s",
        c.connections,
        c.handshakes,
        c.retries,
        c.duration_ms as f64 / 1000.0
    ));
    page.raw("</p>\n</section>\n");
}

fn features(page: &mut Page, f: &FeatureFindings) {
    page.raw("<h3>Features</h3>\n");
    page.head(&["Feature", "Offered"]);
    for (name, value) in [
        ("Secure renegotiation (RFC 5746)", f.secure_renegotiation),
        ("Extended master secret", f.extended_master_secret),
        ("Encrypt-then-MAC", f.encrypt_then_mac),
        ("Session tickets", f.session_tickets),
        ("OCSP stapling", f.ocsp_stapling),
        ("Fallback SCSV honoured", f.fallback_scsv),
        ("TLS compression", f.compression),
        ("Heartbeat", f.heartbeat),
    ] {
        page.raw("<tr>");
        page.td(name);
        page.td(yes_no(value));
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");
}

fn certificate_report(page: &mut Page, c: &CertificateReport) {
    let suite = c.suite.info().and_then(|i| i.openssl.or(Some(i.name))).unwrap_or("?");
    page.el(
        "<h3>",
        format_args!("Certificate chain of {} (seen with {} {suite})", c.chain.certificates.len(), c.version),
        "</h3>\n",
    );
    chain(page, &c.chain);
}

/// Every certificate of a chain, the name match, the validation levels and the findings.
fn chain(page: &mut Page, report: &ChainReport) {
    for (i, cert) in report.certificates.iter().enumerate() {
        let role = if i == 0 {
            "server certificate"
        } else if cert.self_signed {
            "root"
        } else {
            "intermediate"
        };
        page.el("<h4>", format_args!("Certificate #{} ({role})", i + 1), "</h4>\n");
        certificate(page, cert);
    }
    if let (Some(host), Some(m)) = (&report.host, &report.name_match) {
        let text = match m {
            NameMatch::San(name) => format!("matches {name}"),
            NameMatch::CommonNameFallback(cn) => format!("matches only the subject CN {cn} (legacy)"),
            NameMatch::Mismatch => "does not match".to_owned(),
            _ => "?".to_owned(),
        };
        page.raw("<p>Host name ");
        page.el("<span class=\"mono\">", host, "</span>: ");
        page.text(text);
        page.raw("</p>\n");
    }
    if let Some(ocsp) = &report.ocsp {
        page.raw("<p>Stapled OCSP response: ");
        let cell = match ocsp.status {
            OcspStatus::Good if ocsp.signature_valid == Some(true) => "<span class=\"ok\">",
            OcspStatus::Revoked => "<span class=\"bad\">",
            _ => "<span class=\"warn\">",
        };
        page.el(cell, crate::cmd::pem::ocsp_summary(ocsp), "</span></p>\n");
    }
    levels(page, &report.levels);
    if report.findings.is_empty() {
        page.raw("<p class=\"muted\">No certificate findings.</p>\n");
    } else {
        findings_table(page, report.findings.iter().map(|f| (f.severity, f.id, f.message.as_str())));
    }
}

fn certificate(page: &mut Page, cert: &CertInfo) {
    page.raw("<dl>\n");
    page.item("Subject", &cert.subject);
    let alt = crate::cmd::pem::alt_names(cert);
    if !alt.is_empty() {
        page.item("Altnames", alt.join(", "));
    }
    page.item("Issuer", &cert.issuer);
    page.item("Serial", &cert.serial);
    page.item("Signature algorithm", &cert.signature_algorithm);
    let key = match cert.key.kind {
        KeyKind::Rsa => format!("RSA {} bits", cert.key.bits),
        KeyKind::Ec => format!("ECC {} ({} bits)", cert.key.curve.as_deref().unwrap_or("?"), cert.key.bits),
        KeyKind::Ed25519 => "Ed25519".to_owned(),
        KeyKind::Ed448 => "Ed448".to_owned(),
        KeyKind::Dsa => format!("DSA {} bits", cert.key.bits),
        _ => format!("{} ({} bits)", cert.key.algorithm_oid, cert.key.bits),
    };
    page.item("Key", key);
    page.item("Not valid before", format_time(cert.not_before));
    page.item("Not valid after", format_time(cert.not_after));
    if let Some(ca) = cert.is_ca {
        page.item("CA", if ca { "yes" } else { "no" });
    }
    if !cert.key_usage.is_empty() {
        page.item("Key usage", cert.key_usage.join(", "));
    }
    if !cert.extended_key_usage.is_empty() {
        page.item("Extended key usage", cert.extended_key_usage.join(", "));
    }
    if !cert.ocsp_urls.is_empty() {
        page.item("OCSP", cert.ocsp_urls.join(", "));
    }
    if !cert.ca_issuer_urls.is_empty() {
        page.item("CA issuers", cert.ca_issuer_urls.join(", "));
    }
    if !cert.crl_urls.is_empty() {
        page.item("CRL", cert.crl_urls.join(", "));
    }
    if cert.sct_count > 0 {
        page.item("SCTs", cert.sct_count);
    }
    if cert.must_staple {
        page.item("Must-staple", "yes");
    }
    page.item("SHA-256 fingerprint", &cert.sha256_fingerprint);
    page.item("SHA-1 fingerprint", &cert.sha1_fingerprint);
    page.item("SPKI SHA-256", &cert.spki_sha256);
    page.raw("</dl>\n");
}

fn levels(page: &mut Page, levels: &ValidationLevels) {
    page.head(&["Validation level", "Result"]);
    page.raw("<tr><td>Encryption only</td>");
    if levels.encryption_only {
        page.raw("<td class=\"ok\">pass</td>");
    } else {
        page.raw("<td class=\"bad\">FAIL</td>");
    }
    page.raw("</tr>\n");
    for (name, level) in [
        ("<tr><td>Certificate validation</td>", &levels.certificate),
        ("<tr><td>Domain validation</td>", &levels.domain),
    ] {
        page.raw(name);
        match level {
            Ok(()) => page.raw("<td class=\"ok\">pass</td>"),
            Err(reason) => page.el("<td class=\"bad\">FAIL: ", reason, "</td>"),
        }
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");
}

/// A findings table (severity, id, what to do), or "none".
fn report_findings(page: &mut Page, findings: &[Finding]) {
    if findings.is_empty() {
        page.raw("<p class=\"muted\">none</p>\n");
        return;
    }
    findings_table(page, findings.iter().map(|f| (f.severity, f.id, f.message.as_str())));
}

/// The rows of a findings table: a scan's `Finding`s or a chain's `ChainFinding`s.
fn findings_table<'a>(page: &mut Page, rows: impl Iterator<Item = (Severity, &'a str, &'a str)>) {
    page.head(&["Severity", "Id", "What to do"]);
    for (severity, id, message) in rows {
        page.raw("<tr>");
        page.el(severity_class(severity), severity, "</td>");
        page.el("<td class=\"mono\">", id, "</td>");
        page.td(message);
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");
}

/// What each common sending MTA would negotiate (SMTP relay only).
fn senders(page: &mut Page, e: &EndpointReport) {
    if e.mta_simulation.is_empty() {
        return;
    }
    page.raw("<h4>Sending MTAs</h4>\n");
    page.head(&["MTA", "Handshake", "Version", "Suite", "Group", "Note"]);
    for o in &e.mta_simulation {
        page.raw("<tr>");
        page.td(o.name);
        let word = if o.certain { "" } else { "probably " };
        if o.negotiates {
            page.el("<td class=\"ok\">", format_args!("{word}ok"), "</td>");
        } else {
            page.el("<td class=\"bad\">", format_args!("{word}fails"), "</td>");
        }
        page.td(o.version.as_deref().unwrap_or(""));
        page.td(o.suite_name.unwrap_or(""));
        page.td(o.group.as_deref().unwrap_or(""));
        page.td(o.note.as_deref().unwrap_or(""));
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");
}

/// The grade, its caps, the graded findings, the mail posture, Mozilla and NCSC-NL.
fn grading(page: &mut Page, letter: &str, g: &Grading) {
    page.raw("<h3>Grade</h3>\n<p>");
    page.el(grade_class(letter), letter, "</span>");
    if g.letter_ignoring_trust != g.letter {
        page.text(format_args!("{} if the certificate were trusted", g.letter_ignoring_trust));
    }
    page.raw("</p>\n");
    if !g.caps.is_empty() {
        page.head(&["Capped at", "Rule", "Reason"]);
        for cap in &g.caps {
            page.raw("<tr>");
            page.td(cap.letter);
            page.el("<td class=\"mono\">", cap.rule, "</td>");
            page.td(&cap.reason);
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }
    page.raw("<h4>Graded findings</h4>\n");
    if g.findings.is_empty() {
        page.raw("<p class=\"muted\">none</p>\n");
    } else {
        page.head(&["Severity", "Id", "Reason", "Rule set", "Section"]);
        for f in &g.findings {
            page.raw("<tr>");
            page.el(severity_class(f.severity), f.severity, "</td>");
            page.el("<td class=\"mono\">", f.id, "</td>");
            page.td(&f.message);
            page.td(label(&f.set));
            page.td(f.section);
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }

    page.raw("<h4>Mail posture</h4>\n<p>");
    match g.mail.verdict {
        Verdict::Ok => page.raw("<span class=\"ok\">ok</span>"),
        Verdict::Weak => page.raw("<span class=\"warn\">weak</span>"),
        Verdict::Fail => page.raw("<span class=\"bad\">fail</span>"),
    }
    page.raw("</p>\n");
    if !g.mail.reasons.is_empty() {
        page.raw("<ul>\n");
        for reason in &g.mail.reasons {
            page.el("<li>", reason, "</li>\n");
        }
        page.raw("</ul>\n");
    }

    page.raw("<h4>Mozilla server-side TLS</h4>\n");
    page.head(&["Profile", "Compliant", "Deviations"]);
    for p in &g.mozilla {
        page.raw("<tr>");
        page.td(label(&p.profile));
        if p.compliant {
            page.raw("<td class=\"ok\">yes</td><td></td>");
        } else {
            page.raw("<td class=\"warn\">no</td><td><ul>");
            for d in &p.deviations {
                page.el("<li>", d, "</li>");
            }
            page.raw("</ul></td>");
        }
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");

    page.raw("<h4>NCSC-NL classification</h4>\n");
    let count = |class: NcscClass| g.ncsc.iter().filter(|i| i.class == class).count();
    page.raw("<p>");
    page.text(format_args!(
        "{} good, {} sufficient, {} phase out, {} insufficient",
        count(NcscClass::Good),
        count(NcscClass::Sufficient),
        count(NcscClass::PhaseOut),
        count(NcscClass::Insufficient)
    ));
    page.raw("</p>\n");
    if !g.ncsc.is_empty() {
        page.head(&["Kind", "Item", "Class", "Source"]);
        for item in &g.ncsc {
            page.raw("<tr>");
            page.td(label(&item.kind));
            page.el("<td class=\"mono\">", &item.subject, "</td>");
            let cell = match item.class {
                NcscClass::Good => "<td class=\"ok\">",
                NcscClass::Sufficient => "<td>",
                NcscClass::PhaseOut => "<td class=\"warn\">",
                NcscClass::Insufficient => "<td class=\"bad\">",
            };
            page.el(cell, label(&item.class), "</td>");
            page.el("<td class=\"muted\">", item.source, "</td>");
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to
/// disk, then renamed over `path`. On failure the temporary file is removed and `path` is
/// left as it was.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().with_context(|| format!("{}: not a file name", path.display()))?;
    let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want, "{input:?}");
        }
    }

    #[test]
    fn escape_neutralises_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\u{1b}[31mb\u{0}"), "a\u{FFFD}[31mb\u{FFFD}");
        assert_eq!(escape("tab\tline\n"), "tab\tline\n");
    }

    #[test]
    fn the_csp_names_the_stylesheet_hash_and_forbids_the_rest() {
        let csp = csp();
        assert!(csp.starts_with("default-src 'none'; style-src 'sha256-"), "{csp}");
        let hash = csp.split("'sha256-").nth(1).and_then(|s| s.split('\'').next()).unwrap();
        assert_eq!(hash.len(), 44, "{hash}");
        assert!(!csp.contains("script-src") && !csp.contains("unsafe"), "{csp}");
        assert!(!STYLE.contains("</"), "the stylesheet cannot close its element");
        assert!(STYLE.contains("@media print"));
    }

    #[test]
    fn write_atomic_replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("mxray-html-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("report.html");
        std::fs::write(&path, "old content that is longer than the new one").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [std::ffi::OsString::from("report.html")], "no temporary file left");
        // A destination in a missing directory fails and creates nothing.
        let missing = dir.join("no-such-dir").join("r.html");
        assert!(write_atomic(&missing, b"x").is_err());
        assert!(!missing.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
