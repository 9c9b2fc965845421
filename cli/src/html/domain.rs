//! The page of `mxray domain --html FILE`: the summary table per MX, the policies, and per
//! mail host its DNS, TLSA records, and per address the names, DANE and the full scan (the
//! same endpoint block as `mxray scan --html`). The same content as the terminal report,
//! written through [`Page`], so every server and DNS string is escaped.

use mxray_core::dane::{DaneVerdict, RecordOutcome};
use mxray_core::dns::DnssecStatus;
use mxray_core::domain::{AddressReport, DomainReport, MxHostReport, Policies};

use super::{Page, endpoint, report_findings, yes_no};
use mxray_core::client_ports::ClientPortsReport;

use crate::cmd::domain::{addresses, join_or, outcome_text, routing_line, txt_line};
use crate::cmd::domain_ports::{PortsTable, srv_text, table};

/// The page of a whole domain report.
pub(crate) fn domain_page(report: &DomainReport) -> String {
    let mut page = Page::new(&format!("mxray domain report: {}", report.domain));
    page.raw("<header><h1>mxray domain report</h1>\n<p>");
    page.el("<span class=\"mono\">", &report.domain, "</span>");
    page.raw("</p>\n<p class=\"muted\">");
    page.text(format_args!("MX: {} — {}", report.mx.summary(), routing_line(report)));
    page.raw("<br>");
    page.text(format_args!("report schema {}", report.schema_version));
    page.raw("</p></header>\n");

    summary(&mut page, report);
    policies(&mut page, &report.policies);
    if let Some(ports) = &report.client_ports {
        client_ports(&mut page, ports);
    }
    for h in &report.hosts {
        host(&mut page, h);
    }
    page.finish()
}

/// The client-facing ports: the SRV answers, the open ports (the terminal's table), the
/// closed ones, the findings. The full scans follow in their own endpoint blocks.
fn client_ports(page: &mut Page, report: &ClientPortsReport) {
    page.raw("<h2>Client-facing ports</h2>\n");
    if !report.srv.is_empty() {
        page.head(&["SRV", "Targets"]);
        for s in &report.srv {
            page.raw("<tr>");
            page.el("<td class=\"mono\">", &s.answer.name, "</td>");
            page.td(srv_text(s));
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }
    let PortsTable { rows, closed, no_address } = table(report);
    if rows.is_empty() {
        page.raw("<p class=\"muted\">no client port open</p>\n");
    } else {
        page.head(&[
            "Host",
            "Port",
            "Service",
            "Address",
            "Grade",
            "Covers name",
            "Plaintext login",
            "Before TLS",
            "DANE",
        ]);
        for r in &rows {
            page.raw("<tr>");
            for (i, cell) in r.iter().enumerate() {
                let open = match i {
                    0 | 3 => "<td class=\"mono\">",
                    5 if cell == "NO" => "<td class=\"bad\">",
                    6 if cell.starts_with("EXPOSED") => "<td class=\"bad\">",
                    7 if cell.contains("PLAIN") || cell.starts_with("SERVES") => "<td class=\"bad\">",
                    8 if cell == "MISMATCH" => "<td class=\"bad\">",
                    _ => "<td>",
                };
                page.el(open, cell, "</td>");
            }
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }
    if !closed.is_empty() || !no_address.is_empty() {
        page.raw("<ul>\n");
        for (address, (ports, names)) in &closed {
            let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
            page.el(
                "<li class=\"muted\">",
                format_args!("closed or filtered on {address}: {} ({})", ports.join(", "), names.join(", ")),
                "</li>\n",
            );
        }
        if !no_address.is_empty() {
            page.el("<li class=\"muted\">", format_args!("no address: {}", no_address.join(", ")), "</li>\n");
        }
        page.raw("</ul>\n");
    }
    page.raw("<h3>Client port findings</h3>\n");
    report_findings(page, &report.findings);
    for e in &report.endpoints {
        for a in &e.addresses {
            if let (true, Some(scan)) = (a.full_scan, &a.scan) {
                endpoint(page, scan);
            }
        }
    }
}

fn summary(page: &mut Page, report: &DomainReport) {
    page.raw("<h2>Summary</h2>\n");
    if report.hosts.is_empty() {
        page.el("<p class=\"muted\">", routing_line(report), "</p>\n");
        return;
    }
    page.head(&[
        "MX",
        "Preference",
        "DNSSEC",
        "STARTTLS",
        "Grade",
        "Certificate",
        "DANE",
        "MTA-STS",
        "Injection",
    ]);
    for h in &report.hosts {
        let s = &h.summary;
        page.raw("<tr>");
        page.el("<td class=\"mono\">", &h.host, "</td>");
        page.el("<td class=\"num\">", h.preference, "</td>");
        let dnssec = match s.dnssec {
            DnssecStatus::Secure => "<td class=\"ok\">",
            DnssecStatus::Bogus(_) => "<td class=\"bad\">",
            _ => "<td>",
        };
        page.el(dnssec, s.dnssec.as_str(), "</td>");
        page.td(&s.starttls);
        let grade = s.grade.as_deref().unwrap_or("-");
        let cell = match grade {
            "A+" | "A" | "A-" => "<td class=\"ok\">",
            "B" | "C" => "<td class=\"warn\">",
            "-" => "<td>",
            _ => "<td class=\"bad\">",
        };
        page.el(cell, grade, "</td>");
        page.el(if s.certificate == "valid" { "<td class=\"ok\">" } else { "<td>" }, &s.certificate, "</td>");
        let dane = match s.dane {
            DaneVerdict::Authenticated => "<td class=\"ok\">",
            DaneVerdict::Mismatch => "<td class=\"bad\">",
            _ => "<td>",
        };
        page.el(dane, s.dane.as_str(), "</td>");
        page.td(s.mta_sts.text());
        let cell = if s.starttls_injection == "vulnerable" { "<td class=\"bad\">" } else { "<td>" };
        page.el(cell, &s.starttls_injection, "</td>");
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");
}

fn policies(page: &mut Page, p: &Policies) {
    page.raw("<h2>Policies</h2>\n");
    let sts = &p.mta_sts;
    page.raw("<h3>MTA-STS</h3>\n<dl>\n");
    page.item(
        "Record",
        format_args!(
            "{} {}",
            sts.record.answer.name,
            txt_line(sts.record.status, &sts.record.answer, sts.record.check.as_ref())
        ),
    );
    if let Some(f) = &sts.fetch {
        let addrs: Vec<String> =
            f.a.records().iter().chain(f.aaaa.records()).map(ToString::to_string).collect();
        page.item(
            "Policy host",
            format_args!("{} A/AAAA: {} ({})", f.host, join_or(&addrs, "none"), f.a.dnssec),
        );
        match (&f.error, f.policy()) {
            (None, Some(policy)) => {
                let patterns: Vec<String> = policy.mx.iter().map(|m| m.pattern.clone()).collect();
                page.item(
                    "Policy",
                    format_args!(
                        "{}: mode {}, max_age {} s, mx {}",
                        f.url,
                        policy.mode.as_str(),
                        policy.max_age,
                        join_or(&patterns, "(none)")
                    ),
                );
            }
            (Some(e), _) => {
                page.item("Policy", format_args!("{}: FAILED ({}): {}", f.url, e.kind, e.message))
            }
            (None, None) => page.item("Policy", format_args!("{}: invalid policy", f.url)),
        }
    }
    page.item("Verdict", &sts.summary);
    page.raw("</dl>\n");
    if !sts.mx.is_empty() {
        page.head(&["MX", "Pattern", "Certificate", "Verdict"]);
        for m in &sts.mx {
            page.raw("<tr>");
            page.el("<td class=\"mono\">", &m.host, "</td>");
            page.td(m.pattern.as_deref().unwrap_or("no pattern"));
            page.td(&m.certificate);
            page.td(m.status.text());
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }

    page.raw("<h3>TLS-RPT, SPF, DMARC</h3>\n");
    page.head(&["Policy", "Name", "State"]);
    for (label, name, state) in [
        (
            "TLS-RPT",
            &p.tls_rpt.answer.name,
            txt_line(p.tls_rpt.status, &p.tls_rpt.answer, p.tls_rpt.check.as_ref()),
        ),
        ("SPF", &p.spf.answer.name, txt_line(p.spf.status, &p.spf.answer, p.spf.check.as_ref())),
        ("DMARC", &p.dmarc.answer.name, txt_line(p.dmarc.status, &p.dmarc.answer, p.dmarc.check.as_ref())),
    ] {
        page.raw("<tr>");
        page.td(label);
        page.el("<td class=\"mono\">", name, "</td>");
        page.td(state);
        page.raw("</tr>\n");
    }
    page.raw("</table>\n");

    let findings = p.findings();
    page.raw("<h3>Policy findings</h3>\n");
    report_findings(page, &findings);
}

fn host(page: &mut Page, h: &MxHostReport) {
    page.raw("<section class=\"endpoint\">\n");
    page.el("<h2>MX <span class=\"mono\">", &h.host, "</span>");
    page.el(" <span class=\"muted\">preference ", h.preference, "</span></h2>\n");
    page.raw("<dl>\n");
    page.item("A", addresses(&h.a));
    page.item("AAAA", addresses(&h.aaaa));
    page.item("TLSA", format_args!("{}: {}", h.tlsa.name, h.tlsa.summary()));
    if let DnssecStatus::Bogus(reason) = &h.summary.dnssec {
        page.item("DNSSEC bogus", reason);
    }
    page.raw("</dl>\n");
    if !h.tlsa.records().is_empty() {
        page.head(&["TLSA record", "Meaning"]);
        for t in h.tlsa.records() {
            page.raw("<tr>");
            page.el("<td class=\"mono\">", t, "</td>");
            page.td(t.mnemonics());
            page.raw("</tr>\n");
        }
        page.raw("</table>\n");
    }
    for a in &h.addresses {
        address(page, a);
    }
    page.raw("</section>\n");
}

fn address(page: &mut Page, a: &AddressReport) {
    page.el("<h3>Address <span class=\"mono\">", a.address, "</span></h3>\n<dl>\n");
    let ptr = if a.ptr.records().is_empty() { a.ptr.summary() } else { a.ptr.records().join(", ") };
    page.item("PTR", format_args!("{ptr} (forward-confirmed: {})", join_or(&a.ptr_confirmed, "none")));
    let n = &a.names;
    page.item("Banner name", n.banner_name.as_deref().unwrap_or("-"));
    page.item("EHLO name", n.ehlo_name.as_deref().unwrap_or("-"));
    page.item("Banner and EHLO agree", yes_no(n.banner_matches_ehlo));
    page.item("EHLO name in PTR", yes_no(n.ehlo_matches_ptr));
    page.item("EHLO name in certificate", yes_no(n.ehlo_in_certificate));
    page.item("MX name in certificate", yes_no(n.mx_in_certificate));
    page.raw("</dl>\n");
    for (i, d) in a.dane.iter().enumerate() {
        page.el("<h4>DANE, chain ", i + 1, "");
        page.el(": ", d.verdict.as_str(), "</h4>\n");
        if !d.records.is_empty() {
            page.head(&["Record", "Meaning", "Outcome"]);
            for r in &d.records {
                page.raw("<tr>");
                page.el("<td class=\"mono\">", &r.record, "</td>");
                page.td(&r.mnemonics);
                let cell = match r.outcome {
                    RecordOutcome::Match { .. } => "<td class=\"ok\">",
                    RecordOutcome::NoMatch | RecordOutcome::TaMatchChainFails { .. } => "<td class=\"bad\">",
                    _ => "<td>",
                };
                page.el(cell, outcome_text(&r.outcome), "</td>");
                page.raw("</tr>\n");
            }
            page.raw("</table>\n");
        }
        if !d.notes.is_empty() {
            page.raw("<ul>\n");
            for note in &d.notes {
                page.el("<li class=\"muted\">", note, "</li>\n");
            }
            page.raw("</ul>\n");
        }
    }
    endpoint(page, &a.scan);
}
