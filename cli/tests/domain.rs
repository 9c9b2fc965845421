//! `mxray domain` end to end: the binary against a real Knot DNS (a DNSSEC-signed tree whose
//! parent key is the trust anchor) and a real Postfix from the harness as the MX, on
//! 127.0.0.1 only. The TLSA records are computed from Postfix's certificates with the
//! `openssl` CLI, independently of mxray, so the DANE verdicts are checked against the real
//! chains Postfix presents.
//!
//! Postfix listens on a high port; `--port` tells mxray to scan that port on each MX
//! address (and to look up TLSA at `_PORT._tcp`). 127.0.0.3 has no listener: an
//! unreachable MX.

use std::process::{Command, Output};

use mxray_tests::openssl::{cert_sha256, spki_sha256};
use mxray_tests::{CertSet, Delegation, Knot, Postfix, PostfixOptions, TlsProfile, WorkDir, Zone};
use serde_json::Value;

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

struct Lab {
    knot: Knot,
    postfix: Postfix,
    certs: CertSet,
    _dir: WorkDir,
}

fn lab() -> Lab {
    let dir = WorkDir::new("domain-certs").unwrap();
    let certs = CertSet::standard(dir.path()).unwrap();
    let postfix = Postfix::start(&PostfixOptions::new(TlsProfile::Strong), &certs).unwrap();
    let port = postfix.smtp_addr().port();
    let rsa = spki_sha256(&certs.get(CertSet::RSA).unwrap().cert).unwrap();
    let ecdsa = spki_sha256(&certs.get(CertSet::ECDSA).unwrap().cert).unwrap();
    let ca = cert_sha256(&certs.get(CertSet::CA).unwrap().cert).unwrap();
    let tlsa = |host: &str, rdata: &str| format!("_{port}._tcp.{host} TLSA {rdata}");
    let dane = Zone::new("dane", Delegation::Secure)
        .record("@ MX 10 mx1")
        .record("@ MX 20 mx2")
        .record("@ MX 30 mx3")
        .record("mx1 A 127.0.0.1")
        .record("mx2 A 127.0.0.1")
        .record("mx3 A 127.0.0.3")
        // Both of Postfix's keys (it presents RSA or ECDSA depending on the suite).
        .record(tlsa("mx1", &format!("3 1 1 {rsa}")))
        .record(tlsa("mx1", &format!("3 1 1 {ecdsa}")))
        // A key Postfix does not have, and the root CA Postfix does not send.
        .record(tlsa("mx2", &format!("3 1 1 {}", "ab".repeat(32))))
        .record(tlsa("mx2", &format!("2 0 1 {ca}")))
        .record(tlsa("mx3", &format!("3 1 1 {rsa}")));
    let insecure = Zone::new("plain", Delegation::Insecure)
        .record("@ MX 10 mx1")
        .record("mx1 A 127.0.0.1")
        .record(tlsa("mx1", &format!("3 1 1 {rsa}")));
    let nullmx = Zone::new("nullmx", Delegation::Secure).record("@ MX 0 .");
    let bogus = Zone::new("bogus", Delegation::BogusDs).record("@ MX 10 mx1").record("mx1 A 127.0.0.1");
    let noaddr = Zone::new("noaddr", Delegation::Secure).record("@ MX 10 mx1");
    let implicit = Zone::new("implicit", Delegation::Secure).record("@ A 127.0.0.1");
    let knot = Knot::start(&[], &[dane, insecure, nullmx, bogus, noaddr, implicit]).unwrap();
    Lab { knot, postfix, certs, _dir: dir }
}

fn domain_json(lab: &Lab, domain: &str) -> Value {
    let resolver = lab.knot.addr().to_string();
    let anchor = lab.knot.trust_anchor().display().to_string();
    let port = lab.postfix.smtp_addr().port().to_string();
    let ca = lab.certs.get(CertSet::CA).unwrap().cert.display().to_string();
    let out = mxray(&[
        "domain",
        domain,
        "--resolver",
        &resolver,
        "--trust-anchor",
        &anchor,
        "--port",
        &port,
        "--ca",
        &ca,
        "--timeout",
        "5",
        "--no-sslv2",
        "--json",
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn host<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["hosts"].as_array().unwrap().iter().find(|h| h["host"] == name).unwrap_or_else(|| panic!("{name}"))
}

#[test]
fn dane_verdicts_against_the_real_postfix_chain() {
    let lab = lab();
    let report = domain_json(&lab, "postmaster@dane.mxray.test");
    assert_eq!(report["schema_version"], "1.1");
    assert_eq!(report["domain"], "dane.mxray.test.");
    assert_eq!(report["mx"]["dnssec"]["status"], "secure");
    assert_eq!(report["routing"]["kind"], "exchangers");
    let hosts: Vec<&str> =
        report["hosts"].as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["mx1.dane.mxray.test.", "mx2.dane.mxray.test.", "mx3.dane.mxray.test."]);

    let mx1 = host(&report, "mx1.dane.mxray.test.");
    assert_eq!(mx1["summary"]["dnssec"]["status"], "secure");
    assert_eq!(mx1["summary"]["starttls"], "offered");
    assert_eq!(mx1["summary"]["dane"], "authenticated", "{:#}", mx1["addresses"][0]["dane"]);
    // No _mta-sts record in the zone: MTA-STS absent for every MX.
    assert_eq!(mx1["summary"]["mta_sts"]["status"], "absent");
    assert_eq!(report["policies"]["mta_sts"]["record"]["answer"]["outcome"]["kind"], "nx_domain");
    // Graded knowing DANE matched: no advice to publish DANE, and the name mismatch is not
    // a failure (DANE-EE authenticates the key, not the name).
    let grading = &mx1["addresses"][0]["scan"]["grading"];
    let rules: Vec<&str> =
        grading["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(!rules.contains(&"mail.opportunistic_certificate"), "{rules:?}");
    assert_ne!(grading["mail"]["verdict"], "fail", "{:#}", grading["mail"]);
    // The scan saw both chains (RSA and ECDSA); each matched its own DANE-EE record.
    let dane = mx1["addresses"][0]["dane"].as_array().unwrap();
    assert_eq!(dane.len(), 2, "{dane:#?}");
    for d in dane {
        assert_eq!(d["verdict"], "authenticated");
        let outcomes: Vec<&str> =
            d["records"].as_array().unwrap().iter().map(|r| r["outcome"]["kind"].as_str().unwrap()).collect();
        assert_eq!(outcomes.iter().filter(|o| **o == "match").count(), 1, "{outcomes:?}");
        assert!(d["notes"].to_string().contains("names and expiry are not checked"));
    }
    // The certificate names mail.test.example, not the MX: DANE-EE does not care, the
    // certificate column does.
    assert_eq!(mx1["summary"]["certificate"], "name mismatch");
    assert_eq!(mx1["addresses"][0]["names"]["mx_in_certificate"], false);
    let scan = &mx1["addresses"][0]["scan"];
    assert_eq!(scan["starttls"]["outcome"]["kind"], "ready_for_tls");
    assert!(scan["grade"].as_str().is_some_and(|g| !g.is_empty()));

    let mx2 = host(&report, "mx2.dane.mxray.test.");
    assert_eq!(mx2["summary"]["dane"], "mismatch");
    let grading = &mx2["addresses"][0]["scan"]["grading"];
    assert_eq!(grading["mail"]["verdict"], "fail", "DANE senders defer: {:#}", grading["mail"]);
    assert!(grading["findings"].to_string().contains("mail.dane_mismatch"), "{grading:#}");
    let records = mx2["addresses"][0]["dane"][0]["records"].as_array().unwrap();
    let kinds: Vec<&str> = records.iter().map(|r| r["outcome"]["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["no_match", "no_match"], "the DANE-TA root is not in Postfix's chain: {records:#?}");

    let mx3 = host(&report, "mx3.dane.mxray.test.");
    assert_eq!(mx3["summary"]["starttls"], "unreachable");
    assert_eq!(mx3["summary"]["dane"], "no_certificate");
    assert_eq!(mx3["addresses"][0]["address"], "127.0.0.3");

    // The terminal report: the summary row per MX, then the details.
    let resolver = lab.knot.addr().to_string();
    let anchor = lab.knot.trust_anchor().display().to_string();
    let port = lab.postfix.smtp_addr().port().to_string();
    let out = mxray(&[
        "domain",
        "dane.mxray.test",
        "--resolver",
        &resolver,
        "--trust-anchor",
        &anchor,
        "--port",
        &port,
        "--timeout",
        "5",
        "--no-sslv2",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    eprintln!("{text}");
    let row =
        |host: &str| text.lines().find(|l| l.starts_with(host)).unwrap_or_else(|| panic!("{host}: {text}"));
    let mx1_row: Vec<&str> = row("mx1.dane.mxray.test.").split_whitespace().collect();
    assert_eq!(mx1_row[..4], ["mx1.dane.mxray.test.", "10", "secure", "offered"], "{text}");
    assert!(mx1_row.ends_with(&["match", "absent"]), "{mx1_row:?}");
    assert!(row("mx2.dane.mxray.test.").contains("MISMATCH"), "{text}");
    assert!(text.contains("DANE-EE(3) matched"), "{text}");
}

#[test]
fn insecure_tlsa_null_mx_bogus_and_text_report() {
    let lab = lab();
    let plain = domain_json(&lab, "plain.mxray.test");
    assert_eq!(plain["mx"]["dnssec"]["status"], "insecure");
    let mx1 = host(&plain, "mx1.plain.mxray.test.");
    assert_eq!(mx1["summary"]["dane"], "not_secure", "TLSA from an insecure zone must not be used");
    // Only the RSA key is published: the RSA chain matches (for the report), the ECDSA one not.
    let kinds: Vec<&str> = mx1["addresses"][0]["dane"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["records"][0]["outcome"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.contains(&"match") && kinds.contains(&"no_match"), "{kinds:?}");

    let null = domain_json(&lab, "nullmx.mxray.test");
    assert_eq!(null["routing"]["kind"], "null_mx");
    assert_eq!(null["hosts"].as_array().unwrap().len(), 0);

    let bogus = domain_json(&lab, "bogus.mxray.test");
    assert_eq!(bogus["mx"]["dnssec"]["status"], "bogus");
    assert!(bogus["mx"]["dnssec"]["reason"].as_str().unwrap().contains("digest mismatch"), "{bogus:#}");
    assert_eq!(bogus["routing"]["kind"], "unknown");
    // The policies' TXT lookups fail the same way: "lookup failed", not "absent".
    for policy in ["tls_rpt", "spf", "dmarc"] {
        assert_eq!(bogus["policies"][policy]["status"], "lookup_failed", "{policy}: {:#}", bogus["policies"]);
        assert_eq!(bogus["policies"][policy]["answer"]["dnssec"]["status"], "bogus");
    }
    assert_eq!(bogus["policies"]["mta_sts"]["summary"], "lookup failed");
    assert_eq!(bogus["policies"]["dmarc"]["findings"][0]["id"], "dns.policy-lookup-failed");

    let noaddr = domain_json(&lab, "noaddr.mxray.test");
    let mx1 = host(&noaddr, "mx1.noaddr.mxray.test.");
    assert_eq!(mx1["a"]["outcome"]["kind"], "nx_domain");
    assert_eq!(mx1["summary"]["starttls"], "no address");
    assert_eq!(mx1["addresses"].as_array().unwrap().len(), 0);

    let implicit = domain_json(&lab, "implicit.mxray.test");
    assert_eq!(implicit["mx"]["outcome"]["kind"], "no_data");
    assert_eq!(implicit["routing"]["kind"], "implicit");
    let itself = host(&implicit, "implicit.mxray.test.");
    assert_eq!(itself["preference"], 0);
    assert_eq!(itself["summary"]["starttls"], "offered");
    assert_eq!(itself["summary"]["dane"], "no_records");

    let resolver = lab.knot.addr().to_string();
    let anchor = lab.knot.trust_anchor().display().to_string();
    let out = mxray(&["domain", "nullmx.mxray.test", "--resolver", &resolver, "--trust-anchor", &anchor]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("null MX (RFC 7505)"), "{text}");
    assert!(text.contains("Policies: MTA-STS absent, TLS-RPT absent, SPF absent, DMARC absent"), "{text}");
    assert!(out.stderr.is_empty(), "no progress bar when stderr is not a terminal: {:?}", out.stderr);
}

#[test]
fn usage_errors() {
    for (args, want) in [
        (vec!["domain", "not a domain"], "is not a domain name"),
        (vec!["domain", "example.org", "--resolver", "dns.example"], "--resolver \"dns.example\""),
        (
            vec!["domain", "example.org", "--trust-anchor", "/nonexistent/anchor"],
            "--trust-anchor /nonexistent/anchor",
        ),
        (vec!["domain", "example.org", "--lab-mta-sts-port", "0"], "--lab-mta-sts-port must be 1-65535"),
    ] {
        let out = mxray(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // The lab flag works but is not advertised.
    let help = String::from_utf8(mxray(&["domain", "--help"]).stdout).unwrap();
    assert!(help.contains("--resolver") && !help.contains("lab-mta-sts-port"), "{help}");
}
