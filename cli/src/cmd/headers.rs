//! `mxray headers FILE|- [--json]`: the hop timeline of a message from its header, with
//! the TLS each hop negotiated, graded; the authentication results; TLS policy fields.
//! Same code as the browser page (`mxray_core::headers::analyse`).
//!
//! Input is read only up to the end of the header block (the first empty line), and at
//! most [`MAX_HEADER_BYTES`] + 1 bytes: a 200 MB message with a normal header is read to
//! its header's end, a 200 MB file with no empty line stops at the cap and is refused with
//! a message. Exit code 0 when the header was analysed (whatever it says); 2 when the
//! input cannot be read or is not a header block.

use std::fmt::Write as _;
use std::io::{Read, Write};

use anyhow::{Context, Result};
use mxray_core::headers::{self, HeadersReport, Hop, MAX_HEADER_BYTES, Transport};
use mxray_core::report::Strength;

use crate::UsageError;

/// Arguments of `mxray headers`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A message (`.eml`, one message of an mbox) or a pasted header block; `-` reads
    /// standard input.
    #[arg(value_name = "FILE")]
    file: String,

    /// Print the JSON report instead of text.
    #[arg(long)]
    json: bool,
}

/// Bytes read per call.
const CHUNK: usize = 64 * 1024;

/// True once `bytes` holds an empty line after some non-blank text: the header's end.
fn header_ended(bytes: &[u8], from: usize) -> bool {
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else { return false };
    let start = from.max(first);
    bytes[start..].windows(2).any(|w| w == b"\n\n") || bytes[start..].windows(3).any(|w| w == b"\n\r\n")
}

/// Reads up to the end of the header block, at most `MAX_HEADER_BYTES + 1` bytes.
fn read_header(reader: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = reader.read(&mut chunk)?;
        if n == 0 {
            return Ok(bytes);
        }
        let from = bytes.len().saturating_sub(2);
        bytes.extend_from_slice(&chunk[..n]);
        if header_ended(&bytes, from) || bytes.len() > MAX_HEADER_BYTES {
            return Ok(bytes);
        }
    }
}

fn read_input(path: &str) -> Result<Vec<u8>> {
    if path == "-" {
        read_header(&mut std::io::stdin().lock()).context("reading standard input")
    } else {
        let mut file =
            std::fs::File::open(path).map_err(|e| UsageError(format!("cannot read {path}: {e}")))?;
        read_header(&mut file).map_err(|e| UsageError(format!("cannot read {path}: {e}")).into())
    }
}

/// Runs `mxray headers`, writing to `out`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<()> {
    let bytes = read_input(&args.file)?;
    let text = String::from_utf8_lossy(&bytes);
    let report = headers::analyse(&text).map_err(|e| UsageError(format!("{}: {e}", args.file)))?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        render(out, &report)?;
    }
    Ok(())
}

fn strength(s: Strength) -> &'static str {
    match s {
        Strength::Secure => "secure",
        Strength::Weak => "weak",
        Strength::Insecure => "INSECURE",
    }
}

/// `2 s`, `3 min 4 s`, `1 h 2 min`, `2 d 3 h`.
fn duration(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "+" };
    let s = secs.unsigned_abs();
    let text = match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    };
    format!("{sign}{text}")
}

/// `name [ip]` for a host.
fn host(h: Option<&headers::HopHost>) -> String {
    let Some(h) = h else { return "?".to_owned() };
    let mut s = h.name.clone().unwrap_or_else(|| "?".to_owned());
    if let Some(rdns) = &h.reverse_dns
        && Some(rdns) != h.name.as_ref()
    {
        let _ = write!(s, " (rDNS {rdns})");
    }
    if let Some(ip) = &h.ip
        && h.name.as_deref() != Some(ip)
        && h.name.as_deref() != Some(&format!("[{ip}]"))
    {
        let _ = write!(s, " [{ip}]");
    }
    s
}

/// The TLS columns of a hop: version, cipher, grade.
fn tls_columns(hop: &Hop) -> (String, String, String) {
    match (&hop.tls, hop.transport) {
        (Some(t), _) => {
            let version = t
                .version_name
                .map_or_else(|| t.version.clone().unwrap_or_else(|| "TLS".to_owned()), str::to_owned);
            let cipher = match (&t.suite, &t.cipher) {
                (Some(s), _) => s.iana.to_owned(),
                (None, Some(c)) => format!("{c} (unknown)"),
                (None, None) => "?".to_owned(),
            };
            let grade = hop.grade.as_ref().and_then(|g| g.strength).map_or("?", strength).to_owned();
            (version, cipher, grade)
        }
        (None, Transport::TlsNoDetails) => ("TLS".to_owned(), "(not written)".to_owned(), "?".to_owned()),
        (None, Transport::Plaintext) => ("none".to_owned(), "-".to_owned(), "PLAINTEXT".to_owned()),
        (None, _) => ("?".to_owned(), "-".to_owned(), "?".to_owned()),
    }
}

fn render(out: &mut impl Write, r: &HeadersReport) -> Result<()> {
    let s = &r.summary;
    writeln!(out, "Message")?;
    for (label, value) in [
        ("From", &s.from),
        ("To", &s.to),
        ("Subject", &s.subject),
        ("Date", &s.date),
        ("Message-ID", &s.message_id),
    ] {
        if let Some(v) = value {
            writeln!(out, "  {label:<11} {v}")?;
        }
    }
    writeln!(
        out,
        "  {:<11} {} fields, {} bytes, {} line endings{}",
        "Header",
        r.field_count,
        r.header_bytes,
        r.line_endings.to_uppercase(),
        if r.has_body { ", body not read" } else { "" }
    )?;
    writeln!(out)?;
    writeln!(out, "Hops ({}, oldest first)", r.hops.len())?;
    if !r.hops.is_empty() {
        writeln!(
            out,
            "  {:>2}  {:<19}  {:>8}  {:<9} {:<8} {:<42} grade",
            "#", "received (UTC)", "delay", "with", "TLS", "cipher"
        )?;
    }
    for hop in &r.hops {
        let time = hop.timestamp.as_ref().map_or_else(
            || if hop.date.is_some() { "(unreadable date)".to_owned() } else { "(no date)".to_owned() },
            |t| t.rfc3339.replace('T', " ").trim_end_matches('Z').to_owned(),
        );
        let delay = match hop.delay_seconds {
            Some(d) if hop.clock_skew => format!("{} SKEW", duration(d)),
            Some(d) => duration(d),
            None => "-".to_owned(),
        };
        let (version, cipher, grade) = tls_columns(hop);
        let protocol = hop.protocol.clone().unwrap_or_else(|| "?".to_owned());
        let protocol = if protocol.starts_with("Microsoft") { "MS SMTP".to_owned() } else { protocol };
        writeln!(
            out,
            "  {:>2}  {time:<19}  {delay:>8}  {protocol:<9} {version:<8} {cipher:<42} {grade}",
            hop.number
        )?;
        if hop.parsed {
            let mta = hop.mta.map(|m| format!(" ({m})")).unwrap_or_default();
            writeln!(out, "      {} -> {}{mta}", host(hop.from.as_ref()), host(hop.by.as_ref()))?;
        } else {
            writeln!(
                out,
                "      (unrecognised) {}",
                hop.raw.split_whitespace().collect::<Vec<_>>().join(" ")
            )?;
        }
        if let Some(t) = &hop.tls {
            let mut extra = Vec::new();
            if let Some(bits) = &t.bits {
                extra.push(format!("{bits} bits"));
            }
            for d in &t.details {
                extra.push(format!("{} {}", d.key, d.value));
            }
            if let Some(v) = &t.verify {
                extra.push(format!("verify={v}"));
            }
            if let Some(c) = &t.client_certificate {
                extra.push(match (c.requested, c.presented, &c.subject_cn) {
                    (Some(false), _, _) => "client cert not requested".to_owned(),
                    (_, Some(false), _) => "no client cert".to_owned(),
                    (_, _, Some(cn)) => format!(
                        "client cert CN {cn}{}",
                        match c.verified {
                            Some(true) => " (verified)",
                            Some(false) => " (not verified)",
                            None => "",
                        }
                    ),
                    _ => c.text.clone(),
                });
            }
            if let Some(g) = &hop.grade
                && g.strength != Some(Strength::Secure)
            {
                extra.push(g.reason.clone());
            }
            if !extra.is_empty() {
                writeln!(out, "      {}", extra.join("; "))?;
            }
        }
        if let Some(raw) = &hop.tls_unrecognised {
            writeln!(out, "      TLS annotation in an unknown format: ({raw})")?;
        }
    }
    if let Some(total) = r.total_delay_seconds {
        writeln!(out, "  total transit {}", duration(total).trim_start_matches('+'))?;
    }
    if let Some(w) = r.weakest_hop {
        writeln!(out, "  weakest hop: {}", strength(w))?;
    }
    if !r.authentication.is_empty() {
        writeln!(out)?;
        writeln!(out, "Authentication")?;
        for a in &r.authentication {
            let who = match (&a.authserv_id, a.arc_instance) {
                (Some(id), Some(i)) => format!("{id} (ARC i={i})"),
                (Some(id), None) => id.clone(),
                (None, _) => a.field.clone(),
            };
            let results: Vec<String> = a
                .results
                .iter()
                .map(|m| {
                    let key = m.properties.iter().find(|p| {
                        matches!(p.key.as_str(), "header.d" | "smtp.mailfrom" | "header.from" | "header.i")
                    });
                    match key {
                        Some(p) => format!("{}={} ({}={})", m.method, m.result, p.key, p.value),
                        None => format!("{}={}", m.method, m.result),
                    }
                })
                .collect();
            writeln!(
                out,
                "  {who}: {}",
                if results.is_empty() { "none".to_owned() } else { results.join(", ") }
            )?;
        }
    }
    if !r.tls_policy.is_empty() {
        writeln!(out)?;
        writeln!(out, "TLS policy fields")?;
        for p in &r.tls_policy {
            writeln!(out, "  {}: {} ({})", p.field, p.value, p.meaning)?;
        }
    }
    if !r.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "Warnings")?;
        for w in &r.warnings {
            writeln!(out, "  {:<22} {}", w.id, w.message)?;
        }
    }
    Ok(())
}
