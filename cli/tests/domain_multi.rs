//! `mxray domain` with several real MX hosts: two Postfix instances from the harness on
//! 127.0.0.2 and 127.0.0.3 (Linux routes all of 127/8 to `lo`), both on the same high SMTP
//! port (`--port`), each with its own certificate and its own secure TLSA record, and the
//! harness's STARTTLS-injection-vulnerable SMTP server ([`VulnerableSmtp`]) on 127.0.0.4 at
//! that port. The zones live in a real Knot DNS; the TLSA records are computed from the
//! certificates with the `openssl` CLI, independently of mxray.
//!
//! - `multi.mxray.test`: `MX 20 mx2` (127.0.0.3: a certificate from a second, untrusted CA
//!   for mx2) listed before `MX 10 mx1` (127.0.0.2: the trusted CA's certificate for mx1).
//!   Proves per MX: the address scanned, the DANE verdict from its own TLSA record (mx1's
//!   keys are not mx2's), the grade equal to `mxray scan` of the same endpoint, the summary
//!   rows in preference order, the injection probe "not vulnerable" on real Postfix.
//! - `inject.mxray.test`: mx1 (the Postfix on 127.0.0.2) and mx2 (the vulnerable server on
//!   127.0.0.4): the JSON and the terminal text say mx2 is vulnerable, mx1 not;
//!   `--no-injection` leaves the probe out.
//!
//! PTR: mxray's resolver (hickory) answers PTR queries for 127.0.0.0/8 itself with
//! `localhost.` (RFC 6761 6.3), without asking Knot; the test pins what the report says.
//!
//! One lab serves every assertion (one test function) to keep CI time low.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use mxray_tests::net::free_port_on_all;
use mxray_tests::openssl::spki_sha256;
use mxray_tests::{
    CertSet, CertSpec, Delegation, InjectionBug, KeyType, Knot, Postfix, PostfixOptions, TlsProfile,
    VulnerableSmtp, WorkDir, Zone,
};
use serde_json::Value;

const MX1: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const MX2: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const VULN: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 4);

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

/// A CA and an RSA and an ECDSA leaf for `names`, in `dir`.
fn cert_set(dir: &Path, ca: &str, names: &[&str]) -> CertSet {
    let mut certs = CertSet::empty(dir).unwrap();
    certs.issue(&CertSpec::ca(CertSet::CA, ca).self_signed()).unwrap();
    for (name, key) in [(CertSet::RSA, KeyType::Rsa(2048)), (CertSet::ECDSA, KeyType::EcP256)] {
        let mut spec = CertSpec::leaf(name, names[0]).key(key);
        for n in &names[1..] {
            spec = spec.dns(n);
        }
        certs.issue(&spec).unwrap();
    }
    certs
}

/// TLSA 3 1 1 lines for both leaves of `certs`.
fn tlsa_311(port: u16, host: &str, certs: &CertSet) -> Vec<String> {
    [CertSet::RSA, CertSet::ECDSA]
        .iter()
        .map(|name| {
            let spki = spki_sha256(&certs.get(name).unwrap().cert).unwrap();
            format!("_{port}._tcp.{host} TLSA 3 1 1 {spki}")
        })
        .collect()
}

struct Lab {
    knot: Knot,
    port: u16,
    ca: String,
    mx1: Postfix,
    mx2: Postfix,
    vuln: VulnerableSmtp,
    _dirs: (WorkDir, WorkDir),
}

fn lab() -> Lab {
    let (dir1, dir2) = (WorkDir::new("domain-multi-1").unwrap(), WorkDir::new("domain-multi-2").unwrap());
    let mut trusted =
        cert_set(dir1.path(), "mxray test CA", &["mx1.multi.mxray.test", "mx1.inject.mxray.test"]);
    let untrusted = cert_set(dir2.path(), "another test CA", &["mx2.multi.mxray.test"]);
    let vuln_cert =
        trusted.issue(&CertSpec::leaf("vuln", "mx2.inject.mxray.test").key(KeyType::EcP256)).unwrap();
    let port = free_port_on_all(&[MX1, MX2, VULN]).unwrap();
    let start = |ip, name, certs| {
        let options = PostfixOptions::new(TlsProfile::Strong).on_address(ip).with_smtp_port(port).named(name);
        Postfix::start(&options, certs).unwrap_or_else(|e| panic!("{e:#}"))
    };
    let mx1 = start(MX1, "mx1", &trusted);
    let mx2 = start(MX2, "mx2", &untrusted);
    let vuln =
        VulnerableSmtp::start(SocketAddr::from((VULN, port)), &vuln_cert, InjectionBug::AnswersInsideTls)
            .unwrap();
    let vuln_spki = spki_sha256(&vuln_cert.cert).unwrap();

    let mut multi = Zone::new("multi", Delegation::Secure)
        .record("@ MX 20 mx2")
        .record("@ MX 10 mx1")
        .record(format!("mx1 A {MX1}"))
        .record(format!("mx2 A {MX2}"));
    for line in tlsa_311(port, "mx1", &trusted).into_iter().chain(tlsa_311(port, "mx2", &untrusted)) {
        multi = multi.record(line);
    }
    let mut inject = Zone::new("inject", Delegation::Secure)
        .record("@ MX 10 mx1")
        .record("@ MX 20 mx2")
        .record(format!("mx1 A {MX1}"))
        .record(format!("mx2 A {VULN}"))
        .record(format!("_{port}._tcp.mx2 TLSA 3 1 1 {vuln_spki}"));
    for line in tlsa_311(port, "mx1", &trusted) {
        inject = inject.record(line);
    }
    let knot = Knot::start(&[], &[multi, inject]).unwrap();
    let ca = trusted.get(CertSet::CA).unwrap().cert.display().to_string();
    Lab { knot, port, ca, mx1, mx2, vuln, _dirs: (dir1, dir2) }
}

impl Lab {
    fn domain(&self, domain: &str, extra: &[&str]) -> Output {
        let resolver = self.knot.addr().to_string();
        let anchor = self.knot.trust_anchor().display().to_string();
        let port = self.port.to_string();
        let mut args = vec![
            "domain",
            domain,
            "--resolver",
            &resolver,
            "--trust-anchor",
            &anchor,
            "--port",
            &port,
            "--ca",
            &self.ca,
            "--timeout",
            "5",
            "--no-sslv2",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let out = mxray(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out
    }

    fn domain_json(&self, domain: &str, extra: &[&str]) -> Value {
        let mut args = vec!["--json"];
        args.extend_from_slice(extra);
        serde_json::from_slice(&self.domain(domain, &args).stdout).unwrap()
    }

    /// `mxray scan` of one endpoint, as JSON: its only endpoint report.
    fn scan(&self, addr: SocketAddr, sni: &str) -> Value {
        let target = format!("smtp://{addr}");
        let out = mxray(&[
            "scan",
            &target,
            "--sni",
            sni,
            "--ca",
            &self.ca,
            "--timeout",
            "5",
            "--no-sslv2",
            "--starttls-injection",
            "--json",
        ]);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        report["endpoints"][0].clone()
    }
}

fn host<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["hosts"].as_array().unwrap().iter().find(|h| h["host"] == name).unwrap_or_else(|| panic!("{name}"))
}

fn rule_ids(findings: &Value) -> Vec<&str> {
    findings.as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect()
}

#[test]
fn several_mx_hosts_on_their_own_loopback_addresses_and_the_injection_probe() {
    let t0 = Instant::now();
    let lab = lab();
    eprintln!("lab up in {:?}", t0.elapsed());
    assert_eq!(lab.mx1.smtp_addr(), SocketAddr::from((MX1, lab.port)));
    assert_eq!(lab.mx2.smtp_addr(), SocketAddr::from((MX2, lab.port)));

    // multi: two real Postfix MX hosts.
    let t = Instant::now();
    let report = lab.domain_json("multi.mxray.test", &[]);
    eprintln!("domain multi in {:?}", t.elapsed());
    assert_eq!(report["schema_version"], "1.1");
    let hosts: Vec<&str> =
        report["hosts"].as_array().unwrap().iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["mx1.multi.mxray.test.", "mx2.multi.mxray.test."], "preference order");
    for (name, ip, certificate, mx) in [
        ("mx1.multi.mxray.test.", MX1, "valid", &lab.mx1),
        ("mx2.multi.mxray.test.", MX2, "untrusted", &lab.mx2),
    ] {
        let h = host(&report, name);
        let addresses = h["addresses"].as_array().unwrap();
        assert_eq!(addresses.len(), 1, "{name}");
        let a = &addresses[0];
        assert_eq!(a["address"], ip.to_string(), "{name}");
        assert_eq!(a["scan"]["address"], SocketAddr::from((ip, lab.port)).to_string(), "{name}");
        assert_eq!(h["summary"]["dnssec"]["status"], "secure", "{name}");
        assert_eq!(h["summary"]["starttls"], "offered", "{name}");
        assert_eq!(h["summary"]["certificate"], certificate, "{name}");
        // Its own TLSA records (secure) match its own keys: each chain (RSA, ECDSA) matched
        // exactly one record, so the address served that host's certificates.
        assert_eq!(h["summary"]["dane"], "authenticated", "{name}: {:#}", a["dane"]);
        for d in a["dane"].as_array().unwrap() {
            let kinds: Vec<&str> = d["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["outcome"]["kind"].as_str().unwrap())
                .collect();
            assert_eq!(kinds.iter().filter(|k| **k == "match").count(), 1, "{name}: {kinds:?}");
        }
        // Real Postfix discards what is pipelined after STARTTLS.
        assert_eq!(a["starttls_injection"]["verdict"], "not_vulnerable", "{name}");
        assert_eq!(a["starttls_injection"]["refused_pipelining"], false, "{name}");
        assert_eq!(a["scan"]["starttls_injection"], a["starttls_injection"], "{name}");
        assert_eq!(h["summary"]["starttls_injection"], "not vulnerable", "{name}");
        assert!(!rule_ids(&a["scan"]["findings"]).contains(&"starttls.injection"), "{name}");
        // PTR of 127.0.0.x: answered by the resolver itself (RFC 6761 "localhost"), not by
        // Knot; the forward check of `localhost.` through Knot finds nothing.
        assert_eq!(
            a["ptr"]["outcome"]["records"],
            serde_json::json!(["localhost."]),
            "{name}: {:#}",
            a["ptr"]
        );
        assert_eq!(a["ptr"]["dnssec"]["status"], "indeterminate", "{name}: {:#}", a["ptr"]);
        assert_eq!(a["ptr_confirmed"], serde_json::json!([]), "{name}: {:#}", a["ptr"]);
        // The grade agrees with `mxray scan` of the same endpoint (with the same SNI and CA).
        let scan = lab.scan(SocketAddr::from((ip, lab.port)), name.trim_end_matches('.'));
        assert_eq!(a["scan"]["grade"], scan["grade"], "{name}: domain vs scan");
        assert_eq!(scan["starttls_injection"], a["starttls_injection"], "{name}");
        // The probe's connections are counted: one more than the scan alone.
        assert_eq!(a["scan"]["connections"], scan["connections"], "{name}");
        assert!(mx.connect_count() > 0, "{name}");
    }

    // The terminal text: rows in preference order, no injection marker.
    let text = String::from_utf8(lab.domain("multi.mxray.test", &[]).stdout).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("mx")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows[0].starts_with("mx1.multi.mxray.test.") && rows[1].starts_with("mx2.multi.mxray.test."),
        "{text}"
    );
    assert!(!text.contains("INJECTABLE"), "{text}");
    assert_eq!(text.matches("Injection   not vulnerable").count(), 2, "{text}");

    // inject: the vulnerable server as mx2.
    let t = Instant::now();
    let report = lab.domain_json("inject.mxray.test", &[]);
    eprintln!("domain inject in {:?}", t.elapsed());
    let mx1 = host(&report, "mx1.inject.mxray.test.");
    assert_eq!(mx1["summary"]["starttls_injection"], "not vulnerable");
    let mx2 = host(&report, "mx2.inject.mxray.test.");
    let a = &mx2["addresses"][0];
    assert_eq!(a["address"], VULN.to_string());
    assert_eq!(mx2["summary"]["dane"], "authenticated", "{:#}", a["dane"]);
    assert_eq!(a["starttls_injection"]["verdict"], "vulnerable", "{:#}", a["starttls_injection"]);
    assert_eq!(a["starttls_injection"]["inside_tls"], true);
    assert_eq!(a["starttls_injection"]["reply"], "250 2.0.0 Ok");
    assert_eq!(mx2["summary"]["starttls_injection"], "vulnerable");
    let finding = a["scan"]["findings"].as_array().unwrap().iter().find(|f| f["id"] == "starttls.injection");
    assert_eq!(finding.expect("the injection finding")["severity"], "high", "{:#}", a["scan"]["findings"]);
    // The server really answered the injected NOOP inside TLS (the probe's connection).
    assert_eq!(lab.vuln.injected(), ["NOOP"]);

    let text = String::from_utf8(lab.domain("inject.mxray.test", &[]).stdout).unwrap();
    eprintln!("{text}");
    let row = |h: &str| text.lines().find(|l| l.starts_with(h)).unwrap_or_else(|| panic!("{h}: {text}"));
    assert!(row("mx2.inject.mxray.test.").ends_with("INJECTABLE"), "{text}");
    assert!(!row("mx1.inject.mxray.test.").contains("INJECTABLE"), "{text}");
    assert!(text.contains("Injection   vulnerable: answered \"250 2.0.0 Ok\" inside TLS"), "{text}");

    // --no-injection: no probe, nothing in the report.
    let before = lab.vuln.injected().len();
    let t = Instant::now();
    let report = lab.domain_json("inject.mxray.test", &["--no-injection"]);
    eprintln!("domain inject --no-injection in {:?}", t.elapsed());
    let mx2 = host(&report, "mx2.inject.mxray.test.");
    assert!(mx2["addresses"][0].get("starttls_injection").is_none(), "{:#}", mx2["addresses"][0]);
    assert_eq!(mx2["summary"]["starttls_injection"], "not tested");
    assert_eq!(lab.vuln.injected().len(), before, "no probe ran");
    eprintln!("total {:?}", t0.elapsed());
}
