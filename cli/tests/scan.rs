//! `mxray scan` end to end: the binary against simulated servers on 127.0.0.1, its JSON
//! report, its exit codes, and the messages of its usage errors.

use std::process::{Command, Output};

use mxray_core::sim::profiles::{strong, weak};
use mxray_net::simserver::{Behaviour, SimListener, SmtpScript};

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

fn smtp() -> Behaviour {
    Behaviour { smtp: Some(SmtpScript::default()), throttle_first: 0 }
}

#[test]
fn json_report_of_a_strong_smtp_server() {
    let server = SimListener::start(strong(), smtp()).unwrap();
    let target = format!("smtp://{}", server.addr());
    let out = mxray(&["scan", &target, "--json", "--timeout", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["schema_version"], "1.0");
    let e = &report["endpoints"][0];
    assert_eq!(e["service"], "smtp");
    assert_eq!(e["starttls"]["outcome"]["kind"], "ready_for_tls");
    let ciphers = e["ciphers"].as_array().unwrap();
    let tls13: Vec<&str> =
        ciphers.iter().filter(|c| c["version"] == "TLSv1.3").map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(tls13, ["0x1302", "0x1303", "0x1301"], "TLS 1.3 suites in the server's order");
    let first12 = ciphers.iter().find(|c| c["version"] == "TLSv1.2").unwrap();
    assert_eq!(first12["code"], "0xC030");
    assert_eq!(first12["openssl"], "ECDHE-RSA-AES256-GCM-SHA384");
    assert_eq!(first12["rank"], 1);
    assert_eq!(first12["strength"], "secure");
    assert_eq!(e["connections"].as_u64().unwrap() as usize, server.connections());
    assert_eq!(e["groups"]["preferred"], "X25519MLKEM768");
}

#[test]
fn terminal_report_marks_weak_and_insecure_and_fail_on_sets_the_exit_code() {
    let server = SimListener::start(weak(), smtp()).unwrap();
    let target = format!("smtp://{}", server.addr());
    let out = mxray(&["scan", &target, "--color", "never", "--fail-on", "medium"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "TLS 1.0 is a medium finding\n{text}");
    assert!(text.contains("TLSv1.0 yes"), "{text}");
    assert!(text.contains("TLS_RSA_WITH_3DES_EDE_CBC_SHA"), "{text}");
    assert!(text.contains("weak"), "{text}");
    assert!(text.contains("TLSv1.0 is enabled"), "{text}");
    assert!(!text.contains("\x1b["), "no colour with --color never");

    let out = mxray(&["scan", &target, "--color", "never", "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(0), "nothing critical on this server");
}

#[test]
fn json_out_writes_the_same_report_to_a_file() {
    let server = SimListener::start(strong(), Behaviour::default()).unwrap();
    let target = format!("tls://{}", server.addr());
    let dir = std::env::temp_dir().join(format!("mxray-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.json");
    let out = mxray(&["scan", &target, "--json-out", file.to_str().unwrap(), "--color", "never"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(report["endpoints"][0]["service"], "tls");
    assert!(String::from_utf8_lossy(&out.stdout).contains("TLSv1.3 ciphers"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn usage_and_target_errors_exit_2_and_say_what_to_fix() {
    let table: &[(&[&str], &str)] = &[
        (&["scan", "ftp://host"], "unknown scheme"),
        (&["scan", "127.0.0.1:8443"], "tls://host:8443"),
        (&["scan", "127.0.0.1:0"], "invalid port"),
        (&["scan", "smtp://127.0.0.1", "--per-host", "0"], "--per-host"),
        (&["scan", "smtp://127.0.0.1", "--fail-on", "severe"], "severity"),
        (&["scan", "smtp://127.0.0.1", "--ipv6"], "no IPv6 address"),
        (&["scan"], "TARGET"),
    ];
    for (args, needle) in table {
        let out = mxray(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
