//! `mxray pcap FILE [--json]`: analyse a pcap or pcapng capture of mail traffic offline
//! with the core's `pcap` analysis (the same code the browser page runs): each connection
//! with its protocol and STARTTLS verdict (offered, used, stripped), each TLS handshake
//! with versions, suite, SNI, ALPN, certificates and JA3/JA3S/JA4 fingerprints.
//!
//! The file is read in chunks into the core's streaming `Analyser`, so memory does not grow
//! with the file's size. Exit code 0 when the capture was analysed (whatever it shows), 2
//! when the file cannot be read or is no capture (with the core's message saying why).

use std::io::{Read, Write};

use anyhow::Result;
use mxray_core::pcap::{Analyser, Flow, Handshake, PcapReport};
use mxray_core::x509::format_time;

use crate::UsageError;

/// Arguments of `mxray pcap`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The capture: pcap or pcapng (`tcpdump -w`, `tshark -w`, `dumpcap`); `-` reads
    /// standard input.
    #[arg(value_name = "FILE")]
    file: String,

    /// Print the JSON report instead of text (described in docs/pcap.md).
    #[arg(long)]
    json: bool,
}

/// The size of one read.
const CHUNK: usize = 4 << 20;

/// Reads the whole input through the analyser.
fn analyse(path: &str) -> Result<PcapReport> {
    let mut input: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(|e| UsageError(format!("cannot read {path}: {e}")))?)
    };
    let mut analyser = Analyser::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(UsageError(format!("cannot read {path}: {e}")).into()),
        };
        analyser.push(&buf[..n]).map_err(|e| UsageError(format!("{path}: {e}")))?;
    }
    Ok(analyser.finish().map_err(|e| UsageError(format!("{path}: {e}")))?)
}

/// Runs `mxray pcap`, writing to `out`.
pub(crate) fn run(args: &Args, out: &mut impl Write) -> Result<()> {
    let report = analyse(&args.file)?;
    if args.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
        return Ok(());
    }
    render(&report, out)
}

fn render(report: &PcapReport, out: &mut impl Write) -> Result<()> {
    let c = &report.capture;
    let links: Vec<String> = c.link_types.iter().map(|l| format!("{} ({})", l.name, l.code)).collect();
    writeln!(
        out,
        "Capture: {} ({}-endian, {} timestamps), {}; {} packets, {} TCP, {} bytes",
        c.format,
        c.byte_order,
        c.timestamps,
        links.join(", "),
        c.packets,
        c.tcp_packets,
        c.bytes
    )?;
    for (reason, count) in &c.skipped {
        writeln!(out, "  skipped {count}: {reason}")?;
    }
    if c.truncated_packets > 0 {
        writeln!(out, "  {} packets cut short by the snap length", c.truncated_packets)?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    writeln!(out)?;
    writeln!(out, "Connections ({})", report.flows.len())?;
    for flow in &report.flows {
        render_flow(flow, out)?;
    }
    writeln!(out)?;
    writeln!(out, "TLS handshakes ({})", report.handshakes.len())?;
    for (i, hs) in report.handshakes.iter().enumerate() {
        render_handshake(i, hs, out)?;
    }
    Ok(())
}

fn render_flow(flow: &Flow, out: &mut impl Write) -> Result<()> {
    let tls = if flow.implicit_tls { " (implicit TLS)" } else { "" };
    let verdict = match &flow.starttls {
        Some(s) => {
            let mut v = format!("  STARTTLS {}", s.status);
            if s.stripped {
                v.push_str(", STRIPPED: the session went on in plaintext");
                if let Some(cmd) = &s.plaintext_command {
                    v.push_str(&format!(" ({cmd})"));
                }
            }
            v
        }
        None => String::new(),
    };
    writeln!(out, "  [{}] {} -> {}  {}{tls}{verdict}", flow.id, flow.client, flow.server, flow.protocol)?;
    if let Some(d) = &flow.dialogue {
        if let Some(banner) = &d.banner {
            writeln!(out, "      banner: {banner}")?;
        }
        if !d.capabilities.is_empty() {
            let caps: Vec<String> = d.capabilities.iter().map(ToString::to_string).collect();
            writeln!(out, "      capabilities: {}", caps.join(", "))?;
        }
        if !d.auth_before_tls.is_empty() {
            writeln!(out, "      AUTH before TLS: {}", d.auth_before_tls.join(" "))?;
        }
    }
    let reorder = flow.retransmitted_segments + flow.out_of_order_segments + flow.gaps;
    if reorder > 0 {
        writeln!(
            out,
            "      TCP: {} retransmitted, {} out of order, {} gaps",
            flow.retransmitted_segments, flow.out_of_order_segments, flow.gaps
        )?;
    }
    for note in &flow.notes {
        writeln!(out, "      note: {note}")?;
    }
    Ok(())
}

fn render_handshake(i: usize, hs: &Handshake, out: &mut impl Write) -> Result<()> {
    let how = if hs.after_starttls { "after STARTTLS" } else { "implicit" };
    writeln!(
        out,
        "  [{i}] {} -> {} ({how}, connection {})",
        hs.client_endpoint, hs.server_endpoint, hs.flow
    )?;
    if let Some(c) = &hs.client {
        let alpn = if c.alpn.is_empty() { "-".to_owned() } else { c.alpn.join(",") };
        writeln!(
            out,
            "      client: SNI {}, ALPN {alpn}, versions {}, {} suites",
            c.sni.as_deref().unwrap_or("-"),
            c.offered_versions.join(" "),
            c.offered_suites
        )?;
    }
    if let Some(s) = &hs.server {
        let hrr = if s.hello_retry_request { " after HelloRetryRequest" } else { "" };
        writeln!(
            out,
            "      chosen: {} {} ({}, {}){hrr}",
            s.version,
            s.suite.name.as_deref().unwrap_or("unknown suite"),
            s.suite.code,
            format!("{:?}", s.suite.strength).to_lowercase()
        )?;
    }
    if let Some(c) = &hs.client {
        writeln!(out, "      JA3  {}  {}", c.ja3.hash, c.ja3.string)?;
        writeln!(out, "      JA4  {}", c.ja4)?;
    }
    if let Some(s) = &hs.server {
        writeln!(out, "      JA3S {}  {}", s.ja3s.hash, s.ja3s.string)?;
    }
    for (n, cert) in hs.certificates.iter().enumerate() {
        writeln!(
            out,
            "      certificate {n}: {} ({}), issuer {}, valid {} to {}",
            cert.subject,
            cert.key,
            cert.issuer,
            format_time(cert.not_before),
            format_time(cert.not_after)
        )?;
    }
    if let Some(alert) = &hs.alert {
        writeln!(out, "      alert: {alert}")?;
    }
    for e in &hs.errors {
        writeln!(out, "      error: {e}")?;
    }
    Ok(())
}
