//! `mxray policy` end to end: record texts and policy files checked offline (text, JSON,
//! `--fail-on`, usage errors), and `--fetch` against the harness's real nginx on
//! 127.0.0.1 with a certificate from its test CA (`--connect-to`, `--ca`).

use std::process::{Command, Output};

use mxray_tests::nginx::{Answer, Nginx, Site};
use mxray_tests::{CertSet, CertSpec, KeyType, WorkDir};
use serde_json::Value;

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn ids(v: &Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn records_are_checked_offline() {
    let out = mxray(&[
        "policy",
        "--mta-sts",
        "v=STSv1; id=20240101",
        "--tlsrpt",
        "v=TLSRPTv1; rua=mailto:tls@example.org",
        "--spf",
        "v=spf1 mx ip4:192.0.2.0/24 -all",
        "--spf",
        "google-site-verification=abc",
        "--dmarc",
        "v=DMARC1; p=reject; rua=mailto:d@example.org",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    for line in [
        "MTA-STS record  valid     id=20240101",
        "TLS-RPT         valid     rua mailto:tls@example.org",
        "SPF             valid     -all, 1 DNS lookup(s) in the record itself (limit 10)",
        "DMARC           valid     p=reject sp=reject pct=100: forged mail is rejected",
        "No findings.",
    ] {
        assert!(text.contains(line), "{line:?} missing from\n{text}");
    }
}

#[test]
fn json_and_fail_on() {
    let args = [
        "policy",
        "--mta-sts",
        "v=STSv1; id=1",
        "--mta-sts",
        "v=STSv1; id=2",
        "--spf",
        "v=spf1 +all",
        "--dmarc",
        "v=DMARC1; p=none",
        "--tlsrpt",
        "v=TLSRPTv1",
        "--json",
    ];
    let out = mxray(&args);
    assert!(out.status.success(), "{out:?}");
    let v = json(&out);
    assert_eq!(v["mta_sts_record"]["status"], "multiple");
    assert_eq!(v["spf"]["status"], "valid");
    assert_eq!(v["spf"]["record"]["all"], "pass");
    assert_eq!(v["dmarc"]["record"]["strength"], "monitor-only");
    assert_eq!(v["tlsrpt"]["status"], "invalid");
    assert!(v["tlsrpt"]["error"].as_str().unwrap().contains("rua"));
    assert_eq!(
        ids(&v),
        [
            "spf.pass-all",
            "mta-sts.multiple-records",
            "tlsrpt.invalid-record",
            "dmarc.monitor-only",
            "dmarc.no-aggregate-reports"
        ]
    );
    let mut failing = args.to_vec();
    failing.extend(["--fail-on", "critical"]);
    assert_eq!(mxray(&failing).status.code(), Some(1));
    let spf_ok = ["policy", "--spf", "v=spf1 -all", "--fail-on", "low"];
    assert_eq!(mxray(&spf_ok).status.code(), Some(0));
}

#[test]
fn policy_file_and_mx_hosts() {
    let dir = WorkDir::new("cli-policy").unwrap();
    let file = dir
        .write(
            "mta-sts.txt",
            "version: STSv1\r\nmode: enforce\r\nmx: *.mx.example.org\r\nmax_age: 604800\r\n",
        )
        .unwrap();
    let file = file.to_str().unwrap();
    let out = mxray(&[
        "policy",
        "--policy",
        file,
        "--mx",
        "a.mx.example.org",
        "--mx",
        "mail.example.org",
        "--fail-on",
        "high",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(
        text.contains("MTA-STS policy  valid     mode enforce, max_age 604800 s, mx *.mx.example.org"),
        "{text}"
    );
    assert!(text.contains("MX              covered   a.mx.example.org (matches *.mx.example.org)"), "{text}");
    assert!(text.contains("MX              NOT       mail.example.org (matches no pattern)"), "{text}");
    assert!(text.contains("high     mta-sts.mx-not-covered"), "{text}");

    let bad = dir.write("bad.txt", "version: STSv1\nmode: enforce\nmax_age: 99999999999\n").unwrap();
    let out = mxray(&["policy", "--policy", bad.to_str().unwrap(), "--json"]);
    let v = json(&out);
    assert!(v["mta_sts_policy"]["check"]["error"].as_str().unwrap().contains("max_age"));
    assert_eq!(ids(&v), ["mta-sts.invalid-policy"]);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["policy"][..],
        &["policy", "--mx", "mx.example.org", "--spf", "v=spf1 -all"],
        &["policy", "--policy", "/nonexistent/mta-sts.txt"],
        &["policy", "--fetch", "example.org", "--connect-to", "not-an-address"],
        &["policy", "--connect-to", "127.0.0.1"],
        &["policy", "--policy", "-", "--fetch", "example.org"],
    ] {
        let out = mxray(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn fetch_from_a_real_https_server() {
    let dir = WorkDir::new("cli-fetch").unwrap();
    let mut certs = CertSet::empty(dir.path()).unwrap();
    let ca = certs.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed()).unwrap();
    let good = certs.issue(&CertSpec::leaf("good", "mta-sts.lab.test").key(KeyType::EcP256)).unwrap();
    let policy = "version: STSv1\nmode: enforce\nmx: mx1.lab.test\nmax_age: 1209600\n";
    let nginx = Nginx::start(&[Site::new(
        "mta-sts.lab.test",
        &good,
        "/.well-known/mta-sts.txt",
        Answer::text(policy),
    )])
    .expect("starting nginx (run `cargo xtask setup`?)");
    let addr = nginx.addr().to_string();
    let ca_file = ca.cert.to_str().unwrap();

    let out = mxray(&[
        "policy",
        "--fetch",
        "lab.test",
        "--connect-to",
        &addr,
        "--ca",
        ca_file,
        "--mx",
        "mx1.lab.test",
        "--json",
    ]);
    assert!(out.status.success(), "{out:?}\n{}", nginx.log());
    let v = json(&out);
    assert_eq!(v["mta_sts_policy"]["source"], "https://mta-sts.lab.test/.well-known/mta-sts.txt");
    assert_eq!(v["mta_sts_policy"]["check"]["policy"]["mode"], "enforce");
    assert_eq!(v["mx"]["hosts"][0]["pattern"], "mx1.lab.test");
    assert_eq!(ids(&v), Vec::<String>::new());

    // Without the lab CA the certificate is untrusted: a finding, exit 1 with --fail-on.
    let out = mxray(&[
        "policy",
        "--fetch",
        "lab.test",
        "--connect-to",
        &addr,
        "--timeout",
        "5",
        "--fail-on",
        "high",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("MTA-STS policy  FAILED") && text.contains("UnknownIssuer"), "{text}");
    assert!(text.contains("mta-sts.policy-unavailable"), "{text}");
}
