//! `mxray headers` end to end: the captured Postfix message and the constructed samples of
//! `crates/mxray-core/tests/fixtures/headers/`, as text and JSON, from a file and from
//! standard input; unreadable, binary and huge input (a 200 MB sparse file) exit 2 with a
//! message, quickly, and a 200 MB message with a normal header is read only to its header.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn mxray(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxray")).args(args).output().expect("running mxray")
}

fn fixture(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/mxray-core/tests/fixtures/headers")
        .join(rel)
        .display()
        .to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A private temporary directory for this test binary.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mxray-headers-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn the_timeline_shows_each_hop_with_its_tls_and_grade() {
    let out = mxray(&["headers", &fixture("constructed/weak-and-skew.eml")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for expected in [
        "Hops (3, oldest first)",
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
        "weak",
        "TLS_RSA_WITH_RC4_128_SHA",
        "INSECURE",
        "-1m30s SKEW",
        "PLAINTEXT",
        "hop2.example.net [192.0.2.46] -> hop3.example.net (Postfix)",
        "hop.clock_skew",
        "weakest hop: INSECURE",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn a_captured_postfix_message_reads_as_json() {
    let out = mxray(&["headers", "--json", &fixture("captured/postfix-3.7-tls13-chacha20-client-cert.eml")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["hop_order"], "oldest_first");
    let hop = &json["hops"][0];
    assert_eq!(hop["tls"]["version_name"], "TLSv1.3");
    assert_eq!(hop["tls"]["suite"]["code"], "0x1303");
    assert_eq!(hop["tls"]["suite"]["iana"], "TLS_CHACHA20_POLY1305_SHA256");
    assert_eq!(hop["tls"]["client_certificate"]["subject_cn"], "client.test.example");
    assert_eq!(hop["grade"]["strength"], "secure");
    assert_eq!(hop["from"]["ip"], "127.0.0.1");
    assert!(hop["raw"].as_str().unwrap().starts_with("Received: from client.test.example"));
}

#[test]
fn standard_input_and_auth_results() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["headers", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let text = std::fs::read(fixture("constructed/postfix-tls13.eml")).unwrap();
    child.stdin.take().unwrap().write_all(&text).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Subject     Résumé of the café meeting"), "{text}");
    assert!(text.contains("mx.example.net: dkim=pass (header.d=example.org)"), "{text}");
    assert!(text.contains("client cert not requested"), "{text}");
}

#[test]
fn unreadable_input_exits_2_with_a_message() {
    let out = mxray(&["headers", "/nonexistent/message.eml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read /nonexistent/message.eml"), "{}", stderr(&out));

    let binary = temp("binary.bin");
    std::fs::write(&binary, (0..=255u8).cycle().take(10_000).collect::<Vec<_>>()).unwrap();
    let out = mxray(&["headers", binary.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("binary data, not mail headers"), "{}", stderr(&out));

    let prose = temp("prose.txt");
    std::fs::write(&prose, "Dear Bob,\nthis is the body of a letter.\n").unwrap();
    let out = mxray(&["headers", prose.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no header fields found"), "{}", stderr(&out));
}

#[test]
fn huge_input_is_refused_quickly_and_a_huge_body_is_not_read() {
    // 200 MB with no empty line (sparse: NUL bytes): refused at the cap.
    let huge = temp("huge.bin");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap();
    let t0 = Instant::now();
    let out = mxray(&["headers", huge.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("larger than"), "{}", stderr(&out));
    assert!(t0.elapsed() < Duration::from_secs(10), "took {:?}", t0.elapsed());

    // A 200 MB message whose header is normal: analysed, the body never read.
    let message = temp("big-message.eml");
    let mut f = std::fs::File::create(&message).unwrap();
    f.write_all(&std::fs::read(fixture("constructed/sendmail.eml")).unwrap()).unwrap();
    f.write_all(b"\n").unwrap();
    f.set_len(200 * 1024 * 1024).unwrap();
    let t0 = Instant::now();
    let out = mxray(&["headers", "--json", message.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["hops"][0]["tls"]["suite"]["iana"], "TLS_AES_256_GCM_SHA384");
    assert_eq!(json["has_body"], true);
    assert!(t0.elapsed() < Duration::from_secs(10), "took {:?}", t0.elapsed());
    let _ = std::fs::remove_file(&huge);
    let _ = std::fs::remove_file(&message);
}
