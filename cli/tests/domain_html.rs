//! `mxray domain --html FILE` end to end: a real Knot DNS (signed zone, trust anchor) and a
//! real Postfix from the harness as the MX on 127.0.0.1. The page must carry what the JSON
//! report says (hosts, grades, DANE, policies), escape the hostile strings a zone can hold,
//! load nothing from outside, and be written atomically.

use std::process::{Command, Output};

use mxray_tests::openssl::spki_sha256;
use mxray_tests::{CertSet, Delegation, Knot, Postfix, PostfixOptions, TlsProfile, WorkDir, Zone};
use serde_json::Value;

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

#[test]
fn html_page_matches_the_json_report_and_escapes_zone_strings() {
    let dir = WorkDir::new("domain-html").unwrap();
    let certs = CertSet::standard(dir.path()).unwrap();
    let postfix = Postfix::start(&PostfixOptions::new(TlsProfile::Strong), &certs).unwrap();
    let port = postfix.smtp_addr().port();
    let rsa = spki_sha256(&certs.get(CertSet::RSA).unwrap().cert).unwrap();
    let ecdsa = spki_sha256(&certs.get(CertSet::ECDSA).unwrap().cert).unwrap();
    let zone = Zone::new("page", Delegation::Secure)
        .record("@ MX 10 mx1")
        .record("@ MX 20 mx2")
        .record("mx1 A 127.0.0.1")
        .record("mx2 A 127.0.0.1")
        // Both of Postfix's keys: it presents RSA or ECDSA depending on the suite.
        .record(format!("_{port}._tcp.mx1 TLSA 3 1 1 {rsa}"))
        .record(format!("_{port}._tcp.mx1 TLSA 3 1 1 {ecdsa}"))
        .record(format!("_{port}._tcp.mx2 TLSA 3 1 1 {}", "cd".repeat(32)))
        // Hostile text a zone owner (or an attacker on an insecure path) controls.
        .record("@ TXT \"v=spf1 <script>alert(1)</script> -all\"")
        .record("_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:<img src=x onerror=alert(2)>@page.mxray.test\"");
    let knot = Knot::start(&[], &[zone]).unwrap();

    let page_file = dir.path().join("domain.html");
    let resolver = knot.addr().to_string();
    let anchor = knot.trust_anchor().display().to_string();
    let port_text = port.to_string();
    let submission = format!("submission={}", postfix.submission_addr().port());
    let ca = certs.get(CertSet::CA).unwrap().cert.display().to_string();
    let args = [
        "domain",
        "page.mxray.test",
        "--resolver",
        &resolver,
        "--trust-anchor",
        &anchor,
        "--port",
        &port_text,
        "--ca",
        &ca,
        "--timeout",
        "5",
        "--no-sslv2",
        "--quiet",
        // The MX hosts' submission port is Postfix's: one open client port on the page.
        "--lab-port",
        &submission,
        "--json",
        "--html",
        page_file.to_str().unwrap(),
    ];
    let out = mxray(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let page = std::fs::read_to_string(&page_file).unwrap();

    // A self-contained page: the CSP forbids everything but the inline stylesheet.
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("default-src &#39;none&#39;"), "the CSP meta tag");
    assert!(!page.contains("<script") && !page.contains("<img"), "hostile markup leaked");
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"), "the DMARC text must be shown, escaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the SPF text must be shown, escaped");
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"), "the DMARC text must be shown, escaped");
    assert!(!page.contains("http://") && !page.contains("https://"), "no external reference");

    // The summary rows and per-host sections say what the JSON says.
    assert!(page.contains("mxray domain report"));
    assert!(page.contains("page.mxray.test."));
    let hosts = report["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2);
    for h in hosts {
        let name = h["host"].as_str().unwrap();
        let grade = h["summary"]["grade"].as_str().unwrap();
        let dane = match h["summary"]["dane"].as_str().unwrap() {
            "authenticated" => "<td class=\"ok\">match</td>",
            "mismatch" => "<td class=\"bad\">MISMATCH</td>",
            other => panic!("{name}: DANE {other}"),
        };
        assert!(page.contains(&format!("<td class=\"mono\">{name}</td>")), "{name}");
        assert!(page.contains(&format!(">{grade}</td>")), "{name}: grade {grade}");
        assert!(page.contains(dane), "{name}: DANE {dane}");
        // Each address carries the full endpoint block of `mxray scan --html`.
        let target = h["addresses"][0]["scan"]["target"].as_str().unwrap();
        assert!(page.contains(&format!("<h2>{target}</h2>")), "{target}");
    }
    assert_eq!(hosts[0]["summary"]["dane"], "authenticated");
    assert_eq!(hosts[1]["summary"]["dane"], "mismatch");
    assert!(page.contains(&format!("3 1 1 {rsa}")), "the TLSA record of mx1");
    assert!(page.contains("matches certificate"), "the matching record's outcome");
    assert!(page.contains("matches nothing"), "mx2's record matches nothing");
    // The injection column and the client ports: Postfix's submission port on both MX names,
    // one full scan and one shared, each with its row.
    assert_eq!(hosts[0]["summary"]["starttls_injection"], "not vulnerable");
    assert!(page.contains("<td>not vulnerable</td>"));
    assert!(page.contains("<h2>Client-facing ports</h2>"));
    let open: Vec<&Value> = report["client_ports"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["addresses"].as_array().unwrap().iter().any(|a| a["state"]["state"] == "open"))
        .collect();
    assert!(!open.is_empty(), "{:#}", report["client_ports"]);
    for e in &open {
        let name = e["name"].as_str().unwrap().trim_end_matches('.');
        assert!(
            page.contains(&format!(
                "<td class=\"mono\">{name}</td><td>{}</td><td>submission</td>",
                e["port"]
            )),
            "{name}"
        );
    }
    // The policies: SPF and DMARC present, MTA-STS and TLS-RPT absent.
    assert_eq!(report["policies"]["mta_sts"]["summary"], "absent");
    assert!(page.contains("<dt>Verdict</dt><dd>absent</dd>"), "MTA-STS verdict");
    assert!(page.contains("_dmarc.page.mxray.test."));

    // A page into a missing directory fails with the path named and writes nothing.
    let missing = dir.path().join("no-such-dir").join("page.html");
    let mut bad = args.to_vec();
    let last = bad.len() - 1;
    bad[last] = missing.to_str().unwrap();
    let out = mxray(&bad);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("page.html"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!missing.exists());
    drop(postfix);
}
