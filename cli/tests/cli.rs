//! Integration tests of the `mxray` binary: spawn it, check output and exit codes.

use std::io::Read;
use std::process::{Command, Output, Stdio};

/// Runs `mxray ARGS…` to completion.
fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

/// Runs `mxray ciphers --json ARGS…` and parses stdout.
fn json(args: &[&str]) -> Vec<serde_json::Value> {
    let out = mxray(&[&["ciphers", "--json"], args].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON array")
}

#[test]
fn json_lists_every_iana_suite() {
    let rows = json(&[]);
    let codes: Vec<&str> = rows.iter().map(|r| r["code"].as_str().unwrap()).collect();
    for &(code, name) in mxray_core::registry::generated::CIPHER_SUITE_NAMES {
        let code = format!("0x{code:04X}");
        let row = rows
            .iter()
            .find(|r| r["code"] == code.as_str())
            .unwrap_or_else(|| panic!("{code} {name} missing"));
        assert_eq!(row["name"], name);
    }
    assert!(codes.contains(&"0x0700C0") && codes.contains(&"0xFEFF"));
}

#[test]
fn table_rows_for_filters() {
    let table: &[(&[&str], &[&str])] = &[
        (
            &["0xC02F"],
            &[
                "0xC02F",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "Kx=ECDHE",
                "Enc=AESGCM(128)",
                "FS",
            ],
        ),
        (&["C02F"], &["ECDHE-RSA-AES128-GCM-SHA256"]),
        (&["0xC0,0x2F"], &["ECDHE-RSA-AES128-GCM-SHA256"]),
        (&["DES-CBC3-SHA"], &["0x000A", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "Enc=3DES(168)"]),
        (&["0xFEED"], &["0xFEED", "unknown"]),
        (&["0x0A0A"], &["0x0A0A", "GREASE"]),
        (&["0x0700C0"], &["SSL_CK_DES_192_EDE3_CBC_WITH_MD5", "SSLv2"]),
    ];
    for (args, wants) in table {
        let out = mxray(&[&["ciphers"], *args].concat());
        assert!(out.status.success(), "{args:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "{args:?}: {stdout}");
        for want in *wants {
            assert!(stdout.contains(want), "{args:?}: {want:?} not in {stdout}");
        }
    }
}

#[test]
fn json_filters() {
    let rows = json(&["TLS_ECDHE"]);
    assert!(rows.len() > 50);
    assert!(rows.iter().all(|r| r["name"].as_str().unwrap().starts_with("TLS_ECDHE")));
    let rows = json(&["export"]);
    assert!(!rows.is_empty() && rows.iter().all(|r| r["export"] == true));
    let rows = json(&["tls13"]);
    assert!(rows.iter().any(|r| r["code"] == "0x1301"));
    assert!(rows.iter().all(|r| r["versions"].as_array().unwrap().iter().any(|v| v == "TLSv1.3")));
    let rows = json(&["0xFEED"]);
    assert_eq!(rows, [serde_json::json!({"code": "0xFEED", "known": false, "name": null, "grease": false})]);
    let rows = json(&["0xC02F"]);
    assert_eq!(rows[0]["openssl"], "ECDHE-RSA-AES128-GCM-SHA256");
    assert_eq!(rows[0]["mode"], "AEAD");
    assert_eq!(rows[0]["versions"], serde_json::json!(["TLSv1.2"]));
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["ciphers", "0xZZ"][..], &["ciphers", "--no-such-flag"], &["no-such-command"], &[]] {
        let out = mxray(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = mxray(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_closed_pipe_is_success() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["ciphers"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning mxray");
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn explain_prints_a_rule_lists_all_and_suggests_on_typos() {
    let out = mxray(&["explain", "cert.untrusted"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "cert.untrusted",
        "Severity:  high",
        "Caps the grade at: T",
        "Rule set:  ssl-labs",
        "Section:   Rating Guide",
        "What it checks",
        "Why it matters",
        "What to do instead",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }

    let out = mxray(&["explain", "--list"]);
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    let ids: Vec<&str> = list.lines().map(|l| l.split_whitespace().next().unwrap()).collect();
    assert!(ids.len() > 20 && ids.contains(&"ssllabs.tls10_tls11") && ids.contains(&"mail.no_tls"), "{list}");
    for id in &ids {
        assert!(mxray(&["explain", id]).status.success(), "{id}");
    }

    let out = mxray(&["explain", "ssllabs.tls10_tls12"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean") && err.contains("ssllabs.tls10_tls11"), "{err}");
    let out = mxray(&["explain", "no.such.thing.at.all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--list"));
    assert_eq!(mxray(&["explain"]).status.code(), Some(2), "an id or --list is required");
}
