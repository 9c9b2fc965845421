//! `mxray domain` policies end to end: MTA-STS, TLS-RPT, SPF and DMARC read from a real
//! Knot DNS (a DNSSEC-signed tree under `mxray.test.`), the MTA-STS policy fetched over
//! HTTPS from a real nginx, every MX scanned on a real Postfix; all on 127.0.0.1.
//!
//! One test CA issues everything: Postfix's two certificates name every MX host of the cases
//! (so the MX certificate is valid for its name, except for the `badcert` zone whose MX is
//! not among them), and each `mta-sts.CASE.mxray.test` site of nginx has its own leaf (the
//! `wrongcert` site presents one for another name). The CA is passed with `--ca`, which
//! `mxray domain` trusts for the scans and for the policy fetch. `mta-sts.CASE` resolves to
//! 127.0.0.1 in the zones; nginx listens on a high port, given with the hidden lab flag
//! `--lab-mta-sts-port` (Postfix's high port with `--port`).
//!
//! Cases (one zone each): `ok` (enforce policy covering the MX, valid certificate, TLS-RPT,
//! SPF and DMARC valid), `testing` (testing policy missing mx2, SPF and DMARC invalid),
//! `fetch404` (record present, the policy answers 404), `wrongcert` (the policy host
//! presents a certificate for another name), `badcert` (enforce policy covering an MX whose
//! certificate does not name it), `absent` (no MTA-STS, TLS-RPT or DMARC record, two SPF
//! records).

use std::process::{Command, Output};

use mxray_tests::nginx::{Answer, Nginx, Site};
use mxray_tests::{
    CertSet, CertSpec, Delegation, KeyType, Knot, Postfix, PostfixOptions, TlsProfile, WorkDir, Zone,
};
use serde_json::Value;

const PATH: &str = "/.well-known/mta-sts.txt";

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

struct Lab {
    knot: Knot,
    postfix: Postfix,
    nginx: Nginx,
    ca: String,
    _dir: WorkDir,
}

fn policy(mode: &str, mx: &[&str]) -> String {
    let mut text = format!("version: STSv1\nmode: {mode}\n");
    for m in mx {
        text.push_str(&format!("mx: {m}\n"));
    }
    text.push_str("max_age: 1209600\n");
    text
}

fn lab() -> Lab {
    let dir = WorkDir::new("domain-policies").unwrap();
    let mut certs = CertSet::empty(dir.path()).unwrap();
    certs.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed()).unwrap();
    let mx_names = [
        "mx1.ok.mxray.test",
        "mx1.testing.mxray.test",
        "mx2.testing.mxray.test",
        "mx1.fetch404.mxray.test",
        "mx1.wrongcert.mxray.test",
        "mx1.absent.mxray.test",
    ];
    for (name, key) in [(CertSet::RSA, KeyType::Rsa(2048)), (CertSet::ECDSA, KeyType::EcP256)] {
        let mut spec = CertSpec::leaf(name, mx_names[0]).key(key);
        for n in &mx_names[1..] {
            spec = spec.dns(n);
        }
        certs.issue(&spec).unwrap();
    }
    let postfix = Postfix::start(&PostfixOptions::new(TlsProfile::Strong), &certs).unwrap();
    let mut site = |case: &str, cert_name: &str, answer: Answer| {
        let host = format!("mta-sts.{case}.mxray.test");
        let cert =
            certs.issue(&CertSpec::leaf(&format!("sts-{case}"), cert_name).key(KeyType::EcP256)).unwrap();
        Site::new(&host, &cert, PATH, answer)
    };
    let sites = vec![
        site("ok", "mta-sts.ok.mxray.test", Answer::text(&policy("enforce", &["mx1.ok.mxray.test"]))),
        site(
            "testing",
            "mta-sts.testing.mxray.test",
            Answer::text(&policy("testing", &["mx1.testing.mxray.test"])),
        ),
        site("fetch404", "mta-sts.fetch404.mxray.test", Answer::Status(404)),
        site("wrongcert", "www.other.test", Answer::text(&policy("enforce", &["*.wrongcert.mxray.test"]))),
        site(
            "badcert",
            "mta-sts.badcert.mxray.test",
            Answer::text(&policy("enforce", &["*.badcert.mxray.test"])),
        ),
    ];
    let nginx = Nginx::start(&sites).unwrap();
    let sts = |zone: Zone| zone.record("_mta-sts TXT \"v=STSv1; id=20261122\"").record("mta-sts A 127.0.0.1");
    let ok = sts(Zone::new("ok", Delegation::Secure))
        .record("@ MX 10 mx1")
        .record("mx1 A 127.0.0.1")
        .record("@ TXT \"google-site-verification=abc\"")
        .record("@ TXT \"v=spf1 mx -all\"")
        .record("_smtp._tls TXT \"v=TLSRPTv1; rua=mailto:tls@ok.mxray.test\"")
        .record("_dmarc TXT \"v=DMARC1; p=reject; rua=mailto:d@ok.mxray.test\"");
    let testing = sts(Zone::new("testing", Delegation::Secure))
        .record("@ MX 10 mx1")
        .record("@ MX 20 mx2")
        .record("mx1 A 127.0.0.1")
        .record("mx2 A 127.0.0.1")
        .record("@ TXT \"v=spf1 ip4:300.1.1.1 -all\"")
        .record("_dmarc TXT \"v=DMARC1; p=bogus\"");
    let fetch404 =
        sts(Zone::new("fetch404", Delegation::Insecure)).record("@ MX 10 mx1").record("mx1 A 127.0.0.1");
    let wrongcert =
        sts(Zone::new("wrongcert", Delegation::Secure)).record("@ MX 10 mx1").record("mx1 A 127.0.0.1");
    let badcert =
        sts(Zone::new("badcert", Delegation::Secure)).record("@ MX 10 mx1").record("mx1 A 127.0.0.1");
    let absent = Zone::new("absent", Delegation::Secure)
        .record("@ MX 10 mx1")
        .record("mx1 A 127.0.0.1")
        .record("@ TXT \"v=spf1 -all\"")
        .record("@ TXT \"v=spf1 mx -all\"");
    let knot = Knot::start(&[], &[ok, testing, fetch404, wrongcert, badcert, absent]).unwrap();
    let ca = certs.get(CertSet::CA).unwrap().cert.display().to_string();
    Lab { knot, postfix, nginx, ca, _dir: dir }
}

fn run(lab: &Lab, domain: &str, json: bool) -> Output {
    let resolver = lab.knot.addr().to_string();
    let anchor = lab.knot.trust_anchor().display().to_string();
    let port = lab.postfix.smtp_addr().port().to_string();
    let https = lab.nginx.addr().port().to_string();
    let mut args = vec![
        "domain",
        domain,
        "--resolver",
        &resolver,
        "--trust-anchor",
        &anchor,
        "--port",
        &port,
        "--lab-mta-sts-port",
        &https,
        "--ca",
        &lab.ca,
        "--timeout",
        "5",
        "--no-sslv2",
        "--quiet",
        // The injection probe (~1 s per MX address) is tested in domain_multi.rs.
        "--no-injection",
    ];
    if json {
        args.push("--json");
    }
    let out = mxray(&args);
    assert!(out.status.success(), "{domain}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn json(lab: &Lab, domain: &str) -> Value {
    serde_json::from_slice(&run(lab, domain, true).stdout).unwrap()
}

fn text(lab: &Lab, domain: &str) -> String {
    String::from_utf8(run(lab, domain, false).stdout).unwrap()
}

fn ids(findings: &Value) -> Vec<&str> {
    findings.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect()
}

/// The summary-table row of `host`, split on runs of two spaces.
fn row(text: &str, host: &str) -> Vec<String> {
    let line = text.lines().find(|l| l.starts_with(host)).unwrap_or_else(|| panic!("{host}: {text}"));
    line.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
}

#[test]
fn mta_sts_tlsrpt_spf_dmarc_against_knot_nginx_postfix() {
    let lab = lab();

    // ok: enforce, the MX matches and presents a certificate valid for its name.
    let ok = json(&lab, "ok.mxray.test");
    let sts = &ok["policies"]["mta_sts"];
    assert_eq!(sts["record"]["status"], "valid", "{sts:#}");
    assert_eq!(sts["record"]["answer"]["name"], "_mta-sts.ok.mxray.test.");
    assert_eq!(sts["record"]["answer"]["dnssec"]["status"], "secure");
    assert_eq!(sts["record"]["check"]["record"]["id"], "20261122");
    let fetch = &sts["fetch"];
    assert_eq!(fetch["host"], "mta-sts.ok.mxray.test.");
    assert_eq!(fetch["a"]["outcome"]["records"][0], "127.0.0.1");
    assert_eq!(fetch["url"], "https://mta-sts.ok.mxray.test/.well-known/mta-sts.txt");
    assert!(fetch["error"].is_null(), "{fetch:#}\n{}", lab.nginx.log());
    assert_eq!(fetch["check"]["policy"]["mode"], "enforce");
    assert_eq!(sts["evaluation"]["hosts"][0]["pattern"], "mx1.ok.mxray.test");
    assert_eq!(sts["mx"][0]["host"], "mx1.ok.mxray.test.");
    assert_eq!(sts["mx"][0]["certificate"], "valid");
    assert_eq!(sts["mx"][0]["status"], "ok");
    assert_eq!(sts["mx"][0]["mode"], "enforce");
    assert_eq!(sts["summary"], "enforce: ok");
    assert!(ids(&sts["findings"]).is_empty(), "{sts:#}");
    let mx1 = &ok["hosts"][0];
    assert_eq!(mx1["summary"]["mta_sts"]["status"], "ok");
    assert_eq!(mx1["summary"]["certificate"], "valid");
    // Graded knowing MTA-STS enforce covers it: the certificate must validate, and does.
    assert_eq!(mx1["addresses"][0]["scan"]["grading"]["mail"]["verdict"], "ok");
    let p = &ok["policies"];
    assert_eq!(p["tls_rpt"]["status"], "valid");
    assert_eq!(p["tls_rpt"]["check"]["record"]["rua"][0]["target"], "tls@ok.mxray.test");
    assert_eq!(p["spf"]["status"], "valid");
    assert_eq!(p["spf"]["answer"]["outcome"]["records"].as_array().unwrap().len(), 2, "other TXT kept");
    assert_eq!(p["spf"]["check"]["text"], "v=spf1 mx -all");
    assert_eq!(p["dmarc"]["status"], "valid");
    assert_eq!(p["dmarc"]["check"]["record"]["strength"], "reject");
    assert_eq!(p["dmarc"]["answer"]["dnssec"]["status"], "secure");
    let t = text(&lab, "ok.mxray.test");
    assert_eq!(row(&t, "mx1.ok.mxray.test.").last().unwrap(), "enforce: ok", "{t}");
    assert!(t.contains("Policies: MTA-STS enforce: ok, TLS-RPT valid, SPF valid, DMARC valid"), "{t}");
    assert!(t.contains("mode enforce, max_age 1209600 s, mx mx1.ok.mxray.test"), "{t}");
    assert!(t.contains("=> p=reject sp=reject pct=100"), "{t}");

    // testing: mx2 matches no pattern; SPF and DMARC invalid; no TLS-RPT.
    let testing = json(&lab, "testing.mxray.test");
    let sts = &testing["policies"]["mta_sts"];
    assert_eq!(sts["summary"], "testing: mx2.testing.mxray.test. not matched", "{sts:#}");
    assert_eq!(sts["mx"][0]["status"], "ok");
    assert_eq!(sts["mx"][1]["status"], "not_matched");
    assert_eq!(sts["mx"][1]["mode"], "testing");
    assert!(sts["mx"][1]["pattern"].is_null());
    let found = ids(&sts["findings"]);
    assert!(
        found.contains(&"mta-sts.mx-not-covered") && found.contains(&"mta-sts.mode-testing"),
        "{found:?}"
    );
    assert_eq!(testing["hosts"][1]["summary"]["mta_sts"]["status"], "not_matched");
    let p = &testing["policies"];
    assert_eq!(p["tls_rpt"]["status"], "absent");
    assert_eq!(p["tls_rpt"]["answer"]["outcome"]["kind"], "nx_domain");
    assert_eq!(ids(&p["tls_rpt"]["findings"]), ["tlsrpt.no-record"]);
    assert_eq!(p["spf"]["status"], "invalid");
    assert!(p["spf"]["check"]["error"].as_str().unwrap().contains("not an IPv4 address"), "{:#}", p["spf"]);
    assert_eq!(p["dmarc"]["status"], "invalid");
    assert_eq!(ids(&p["dmarc"]["findings"]), ["dmarc.invalid-record"]);
    let t = text(&lab, "testing.mxray.test");
    eprintln!("{t}");
    assert_eq!(row(&t, "mx2.testing.mxray.test.").last().unwrap(), "testing: not matched", "{t}");
    assert_eq!(row(&t, "mx1.testing.mxray.test.").last().unwrap(), "testing: ok", "{t}");
    assert!(t.contains("TLS-RPT absent, SPF invalid, DMARC invalid"), "{t}");
    assert!(t.contains("mta-sts.mx-not-covered"), "{t}");

    // fetch404: the record is there (in an insecure zone), the policy is not.
    let f404 = json(&lab, "fetch404.mxray.test");
    let sts = &f404["policies"]["mta_sts"];
    assert_eq!(sts["record"]["answer"]["dnssec"]["status"], "insecure");
    assert_eq!(sts["fetch"]["error"]["kind"], "status", "{sts:#}");
    assert!(sts["fetch"]["error"]["message"].as_str().unwrap().contains("404"));
    assert_eq!(sts["summary"], "fetch failed: status");
    assert_eq!(f404["hosts"][0]["summary"]["mta_sts"]["status"], "fetch_failed");
    assert_eq!(f404["hosts"][0]["summary"]["mta_sts"]["kind"], "status");
    assert!(ids(&sts["findings"]).contains(&"mta-sts.policy-unavailable"));
    assert_eq!(
        row(&text(&lab, "fetch404.mxray.test"), "mx1.fetch404.mxray.test.").last().unwrap(),
        "fetch failed: status"
    );

    // wrongcert: the policy host's certificate names another host.
    let wrong = json(&lab, "wrongcert.mxray.test");
    let sts = &wrong["policies"]["mta_sts"];
    assert_eq!(sts["fetch"]["error"]["kind"], "tls", "{sts:#}");
    assert!(
        sts["fetch"]["error"]["message"].as_str().unwrap().contains("mta-sts.wrongcert.mxray.test"),
        "{sts:#}"
    );
    assert_eq!(sts["summary"], "fetch failed: tls");

    // badcert: enforce covers the MX, whose certificate does not name it: senders will not
    // deliver, and the mail grading knows MTA-STS requires a valid certificate.
    let bad = json(&lab, "badcert.mxray.test");
    let sts = &bad["policies"]["mta_sts"];
    assert_eq!(sts["mx"][0]["status"], "bad_certificate", "{sts:#}");
    assert_eq!(sts["mx"][0]["certificate"], "name mismatch");
    assert_eq!(sts["summary"], "enforce: mx1.badcert.mxray.test. certificate name mismatch");
    assert!(ids(&sts["findings"]).contains(&"mta-sts.mx-certificate"));
    let grading = &bad["hosts"][0]["addresses"][0]["scan"]["grading"];
    assert_eq!(grading["mail"]["verdict"], "fail", "{:#}", grading["mail"]);
    let t = text(&lab, "badcert.mxray.test");
    assert_eq!(
        row(&t, "mx1.badcert.mxray.test.").last().unwrap(),
        "enforce: certificate name mismatch",
        "{t}"
    );

    // absent: no MTA-STS (no fetch), no TLS-RPT, no DMARC; two SPF records.
    let absent = json(&lab, "absent.mxray.test");
    let p = &absent["policies"];
    assert_eq!(p["mta_sts"]["record"]["status"], "absent");
    assert!(p["mta_sts"]["fetch"].is_null());
    assert_eq!(p["mta_sts"]["summary"], "absent");
    assert_eq!(absent["hosts"][0]["summary"]["mta_sts"]["status"], "absent");
    assert_eq!(p["spf"]["status"], "multiple");
    assert_eq!(ids(&p["spf"]["findings"]), ["spf.multiple-records"]);
    assert_eq!(p["dmarc"]["status"], "absent");
    let t = text(&lab, "absent.mxray.test");
    assert_eq!(row(&t, "mx1.absent.mxray.test.").last().unwrap(), "absent", "{t}");
    assert!(t.contains("Policies: MTA-STS absent, TLS-RPT absent, SPF multiple, DMARC absent"), "{t}");

    // nginx saw the fetches of ok, testing, fetch404 and badcert (twice each: JSON and
    // text), with the policy host in SNI and Host; wrongcert stopped at TLS; absent none.
    let log = lab.nginx.access_log();
    for case in ["ok", "testing", "fetch404", "badcert"] {
        let host = format!("mta-sts.{case}.mxray.test");
        let n = log.lines().filter(|l| l.starts_with(&format!("{host} {host} "))).count();
        assert_eq!(n, 2, "{case}: {log}");
    }
    assert!(!log.contains("wrongcert") && !log.contains("absent"), "{log}");
}
