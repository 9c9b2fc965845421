//! C2SP x509-limbo against mxray's validation levels: `x509::analyse`, whose certificate
//! level is rustls-webpki's path validation (ring) plus mxray's key checks, and whose domain
//! level adds webpki's name check.
//!
//! Every SERVER case runs: its trusted roots as the only anchors, its untrusted
//! intermediates after the peer certificate, its validation time (or 2024-01-01 when it
//! gives none), its expected peer name (the domain level decides; without a name, the
//! certificate level). CLIENT cases do not apply to a server-certificate
//! validator and are skipped. The pass rate must not fall below [`MIN_PASSING`]; every
//! disagreement is listed (with `--nocapture`) and explained in
//! `tests/fixtures/x509-limbo/DISAGREEMENTS.md`.

use mxray_core::x509::{TrustStore, analyse, parse_time};
use serde_json::Value;

/// Cases that agreed when this was last measured; the test fails below it.
const MIN_PASSING: usize = 138;

/// The time used for cases that give none (their certificates are valid 1970–2969).
const DEFAULT_TIME: &str = "2024-01-01T00:00:00Z";

fn run_case(case: &Value) -> Result<(), String> {
    let pems = |key: &str| -> String {
        case[key]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    let trusted = pems("trusted_certs");
    let trust = if trusted.is_empty() {
        TrustStore::empty()
    } else {
        TrustStore::empty().with_extra(trusted.as_bytes()).map_err(|e| format!("trusted root: {e}"))?
    };
    let peer = case["peer_certificate"].as_str().unwrap_or_default();
    let mut chain = mxray_core::x509::split_pem(peer).map_err(|e| format!("peer: {e}"))?;
    let intermediates = pems("untrusted_intermediates");
    if !intermediates.is_empty() {
        chain.extend(mxray_core::x509::split_pem(&intermediates).map_err(|e| format!("intermediate: {e}"))?);
    }
    let time = case["validation_time"].as_str().unwrap_or(DEFAULT_TIME);
    let now = parse_time(time).ok_or_else(|| format!("bad time {time}"))?;
    let name = case["expected_peer_name"]["value"].as_str();
    let report = analyse(&chain, name, now, &trust, 0);
    if name.is_some() { report.levels.domain } else { report.levels.certificate }
}

#[test]
fn x509_limbo_server_cases() {
    let text = include_str!("fixtures/x509-limbo/limbo.json");
    let limbo: Value = serde_json::from_str(text).expect("limbo.json parses");
    let cases = limbo["testcases"].as_array().expect("testcases");
    let mut total = 0;
    let mut passed = 0;
    let mut disagreements = Vec::new();
    for case in cases.iter().filter(|c| c["validation_kind"] == "SERVER") {
        total += 1;
        let expected_ok = case["expected_result"] == "SUCCESS";
        let result = run_case(case);
        if result.is_ok() == expected_ok {
            passed += 1;
        } else {
            let features = case["features"]
                .as_array()
                .map(|f| f.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            disagreements.push(format!(
                "| {} | {} | {} | {} |",
                case["id"].as_str().unwrap_or("?"),
                case["expected_result"].as_str().unwrap_or("?"),
                match &result {
                    Ok(()) => "SUCCESS".to_owned(),
                    Err(e) => format!("FAILURE: {e}"),
                },
                features,
            ));
        }
    }
    println!(
        "x509-limbo: {passed}/{total} SERVER cases agree ({:.1}%)",
        100.0 * passed as f64 / total as f64
    );
    println!("| id | expected | mxray | features |\n|---|---|---|---|");
    for line in &disagreements {
        println!("{line}");
    }
    assert!(passed >= MIN_PASSING, "x509-limbo pass count fell to {passed} (was {MIN_PASSING})");
}

/// The CABF key cases fail the certificate level with a reason naming the key; the path
/// itself is sound.
#[test]
fn refused_keys_fail_the_certificate_level_with_the_reason() {
    let limbo: Value = serde_json::from_str(include_str!("fixtures/x509-limbo/limbo.json")).unwrap();
    let cases = limbo["testcases"].as_array().unwrap();
    for (id, reason) in [
        ("webpki::forbidden-weak-rsa-in-leaf", "1024-bit RSA key"),
        ("webpki::forbidden-dsa-leaf", "DSA key"),
        ("webpki::forbidden-p192-leaf", "the curve"),
    ] {
        let case = cases.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id}"));
        let err = run_case(case).unwrap_err();
        assert!(err.contains(reason), "{id}: {err}");
    }
}
