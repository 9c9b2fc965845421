//! The wasm exports, run in node by `wasm-bindgen-test-runner` (`cargo xtask ci`). On a
//! native target this file is empty: wasm-bindgen's JS values exist only in wasm.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn field(row: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(row, &JsValue::from_str(name)).unwrap()
}

#[wasm_bindgen_test]
fn one_suite_by_code_has_both_names() {
    let rows = js_sys::Array::from(&mxray_wasm::cipher_suites("0xC02F").unwrap());
    assert_eq!(rows.length(), 1);
    let row = rows.get(0);
    assert_eq!(field(&row, "code").as_string().as_deref(), Some("0xC02F"));
    assert_eq!(field(&row, "name").as_string().as_deref(), Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
    assert_eq!(field(&row, "openssl").as_string().as_deref(), Some("ECDHE-RSA-AES128-GCM-SHA256"));
    assert_eq!(field(&row, "forward_secrecy").as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn the_whole_table_and_unknown_codes_come_through() {
    let all = js_sys::Array::from(&mxray_wasm::cipher_suites("").unwrap());
    assert!(all.length() > 350, "{} rows", all.length());
    let unknown = js_sys::Array::from(&mxray_wasm::cipher_suites("0xFEED").unwrap());
    assert_eq!(unknown.length(), 1);
    assert_eq!(field(&unknown.get(0), "known").as_bool(), Some(false));
}

#[wasm_bindgen_test]
fn a_malformed_code_is_a_js_exception_with_the_core_message() {
    let err = mxray_wasm::cipher_suites("0xZZ").unwrap_err();
    let err: JsValue = err.into();
    let message = js_sys::Reflect::get(&err, &JsValue::from_str("message")).unwrap().as_string().unwrap();
    assert!(!message.is_empty());
}

/// A leaf `mx.example.test` (RSA 2048, SAN mx/mail.example.test) and the private test CA
/// that issued it; valid 2026-11-22 13:09:56 to 2036-11-19 (see `web/tests/fixtures/README.md`).
const CHAIN: &str = include_str!("../../../web/tests/fixtures/chain.pem");
/// A self-signed RSA-1024 certificate signed with SHA-1.
const WEAK: &str = include_str!("../../../web/tests/fixtures/self-signed-sha1-rsa1024.pem");
/// A certificate request: PEM, but not a certificate.
const CSR: &str = include_str!("../../../web/tests/fixtures/request.csr.pem");
/// 2027-01-01T00:00:00Z, inside the fixtures' validity.
const IN_VALIDITY: f64 = 1_798_761_600.0;

fn path(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, name| match name.parse::<u32>() {
        Ok(i) => js_sys::Array::from(&v).get(i),
        Err(_) => field(&v, name),
    })
}

fn finding_ids(report: &JsValue) -> Vec<String> {
    js_sys::Array::from(&field(report, "findings"))
        .iter()
        .filter_map(|f| field(&f, "id").as_string())
        .collect()
}

fn message_of(err: wasm_bindgen::JsError) -> String {
    let err: JsValue = err.into();
    js_sys::Reflect::get(&err, &JsValue::from_str("message")).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
fn a_pem_chain_is_analysed_with_the_host_and_the_given_time() {
    let report = mxray_wasm::analyse_pem(CHAIN, Some("mail.example.test".into()), IN_VALIDITY).unwrap();
    assert_eq!(path(&report, "host").as_string().as_deref(), Some("mail.example.test"));
    assert_eq!(path(&report, "at").as_f64(), Some(IN_VALIDITY));
    assert_eq!(js_sys::Array::from(&field(&report, "certificates")).length(), 2);
    assert_eq!(path(&report, "certificates.0.subject").as_string().as_deref(), Some("CN=mx.example.test"));
    assert_eq!(path(&report, "certificates.0.key.bits").as_f64(), Some(2048.0));
    assert_eq!(path(&report, "certificates.1.self_signed").as_bool(), Some(true));
    // The private CA is not a Mozilla root: encryption only passes, the others do not.
    assert_eq!(path(&report, "levels.encryption_only").as_bool(), Some(true));
    assert_eq!(path(&report, "levels.certificate.pass").as_bool(), Some(false));
    assert!(path(&report, "levels.certificate.reason").as_string().is_some_and(|r| !r.is_empty()));
    assert_eq!(path(&report, "levels.domain.pass").as_bool(), Some(false));
    assert!(finding_ids(&report).contains(&"x509.untrusted".to_owned()), "{:?}", finding_ids(&report));
    assert_eq!(path(&report, "trust.mozilla").as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn the_time_and_the_host_come_from_the_caller() {
    let later = IN_VALIDITY + 20.0 * 365.0 * 86_400.0;
    let report = mxray_wasm::analyse_pem(CHAIN, Some("other.example.test".into()), later).unwrap();
    let ids = finding_ids(&report);
    assert!(ids.contains(&"x509.expired".to_owned()), "{ids:?}");
    assert!(ids.contains(&"x509.name-mismatch".to_owned()), "{ids:?}");
    let no_host = mxray_wasm::analyse_pem(CHAIN, Some("  ".into()), IN_VALIDITY).unwrap();
    assert!(field(&no_host, "host").is_undefined());
    assert!(mxray_wasm::analyse_pem(CHAIN, None, IN_VALIDITY).is_ok());
}

#[wasm_bindgen_test]
fn a_weak_self_signed_certificate_has_its_findings() {
    let report = mxray_wasm::analyse_pem(WEAK, None, IN_VALIDITY).unwrap();
    let ids = finding_ids(&report);
    for id in ["x509.self-signed", "x509.sha1-signature", "x509.weak-rsa-key"] {
        assert!(ids.contains(&id.to_owned()), "{id} missing from {ids:?}");
    }
    let severity = path(&report, "findings.0.severity").as_string().unwrap_or_default();
    assert!(["critical", "high"].contains(&severity.as_str()), "{severity}");
}

#[wasm_bindgen_test]
fn pem_input_that_is_not_a_certificate_throws_the_core_message() {
    let csr = message_of(mxray_wasm::analyse_pem(CSR, None, IN_VALIDITY).unwrap_err());
    assert!(csr.contains("CERTIFICATE REQUEST") && csr.contains("not a CERTIFICATE"), "{csr}");
    let text = message_of(mxray_wasm::analyse_pem("hello world", None, IN_VALIDITY).unwrap_err());
    assert!(text.contains("not a PEM certificate") || text.contains("no certificate"), "{text}");
    let broken = CHAIN.replacen("MII", "M!I", 1);
    assert!(!message_of(mxray_wasm::analyse_pem(&broken, None, IN_VALIDITY).unwrap_err()).is_empty());
    let huge = "A".repeat(mxray_core::x509::MAX_INPUT_SIZE + 1);
    let big = message_of(mxray_wasm::analyse_pem(&huge, None, IN_VALIDITY).unwrap_err());
    assert!(big.contains("over the limit"), "{big}");
}

/// A message delivered by the test harness's Postfix over STARTTLS with TLS 1.3.
const POSTFIX_TLS13: &str =
    include_str!("../../mxray-core/tests/fixtures/headers/captured/postfix-3.7-tls13.eml");
/// An SMTP session with STARTTLS and TLS 1.3, captured on loopback from the harness.
const SMTP_TLS13: &[u8] = include_bytes!("../../mxray-core/tests/fixtures/pcap/smtp-starttls-tls13.pcap");
/// An SMTP session whose server offered no STARTTLS.
const SMTP_NOT_OFFERED: &[u8] = include_bytes!("../../mxray-core/tests/fixtures/pcap/smtp-not-offered.pcap");

#[wasm_bindgen_test]
fn a_header_block_gives_its_hops_with_tls_and_grade() {
    let report = mxray_wasm::analyse_headers(POSTFIX_TLS13).unwrap();
    assert_eq!(path(&report, "hop_order").as_string().as_deref(), Some("oldest_first"));
    assert_eq!(js_sys::Array::from(&field(&report, "hops")).length(), 1);
    assert_eq!(path(&report, "hops.0.by.name").as_string().as_deref(), Some("mail.test.example"));
    assert_eq!(path(&report, "hops.0.protocol").as_string().as_deref(), Some("ESMTPS"));
    assert_eq!(path(&report, "hops.0.mta").as_string().as_deref(), Some("Postfix"));
    assert_eq!(path(&report, "hops.0.tls.version_name").as_string().as_deref(), Some("TLSv1.3"));
    assert_eq!(path(&report, "hops.0.tls.suite.iana").as_string().as_deref(), Some("TLS_AES_256_GCM_SHA384"));
    assert_eq!(path(&report, "hops.0.grade.strength").as_string().as_deref(), Some("secure"));
    assert_eq!(
        path(&report, "summary.subject").as_string().as_deref(),
        Some("mxray header fixture postfix-3.7-tls13")
    );
}

#[wasm_bindgen_test]
fn binary_or_headerless_text_throws_the_core_message() {
    let binary = message_of(mxray_wasm::analyse_headers("\0\u{1}\u{2}\0\0\u{3}binary\0\0").unwrap_err());
    assert!(binary.contains("binary"), "{binary}");
    let prose = message_of(mxray_wasm::analyse_headers("Dear all, see below.\nThanks").unwrap_err());
    assert!(prose.contains("no header fields"), "{prose}");
}

#[wasm_bindgen_test]
fn a_capture_gives_its_handshake_starttls_status_and_fingerprints_with_progress() {
    let calls = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = calls.clone();
    let callback =
        wasm_bindgen::closure::Closure::<dyn FnMut(f64, f64)>::new(move |done: f64, total: f64| {
            seen.borrow_mut().push((done, total));
        });
    let function: &js_sys::Function = callback.as_ref().unchecked_ref();
    let report = mxray_wasm::analyse_pcap(SMTP_TLS13, Some(function.clone())).unwrap();
    let total = SMTP_TLS13.len() as f64;
    assert_eq!(calls.borrow().last(), Some(&(total, total)), "the last progress call is the end");
    assert_eq!(path(&report, "capture.format").as_string().as_deref(), Some("pcap"));
    assert_eq!(path(&report, "capture.bytes").as_f64(), Some(total));
    assert_eq!(js_sys::Array::from(&field(&report, "handshakes")).length(), 1);
    assert_eq!(
        path(&report, "handshakes.0.client.ja3.hash").as_string().as_deref(),
        Some("f146948b4a599d4d7ddf071b74696983")
    );
    assert_eq!(
        path(&report, "handshakes.0.server.ja3s.hash").as_string().as_deref(),
        Some("15af977ce25de452b96affa2addb1036")
    );
    assert_eq!(
        path(&report, "handshakes.0.client.ja4").as_string().as_deref(),
        Some("t13d041000_16476d049b0b_78f1d400d464")
    );
    assert_eq!(path(&report, "handshakes.0.server.version").as_string().as_deref(), Some("TLSv1.3"));
    assert_eq!(path(&report, "handshakes.0.after_starttls").as_bool(), Some(true));
    let flow = path(&report, "handshakes.0.flow").as_f64().unwrap() as u32;
    let flows = js_sys::Array::from(&field(&report, "flows"));
    assert_eq!(path(&flows.get(flow), "starttls.status").as_string().as_deref(), Some("used"));
    assert_eq!(path(&flows.get(flow), "protocol").as_string().as_deref(), Some("smtp"));
}

#[wasm_bindgen_test]
fn starttls_not_offered_and_no_callback() {
    let report = mxray_wasm::analyse_pcap(SMTP_NOT_OFFERED, None).unwrap();
    assert_eq!(js_sys::Array::from(&field(&report, "handshakes")).length(), 0);
    assert_eq!(path(&report, "flows.0.starttls.status").as_string().as_deref(), Some("not_offered"));
}

#[wasm_bindgen_test]
fn garbage_and_truncated_captures() {
    let text = message_of(mxray_wasm::analyse_pcap(b"GET / HTTP/1.1\r\n\r\n", None).unwrap_err());
    assert!(text.contains("not a pcap or pcapng capture"), "{text}");
    let empty = message_of(mxray_wasm::analyse_pcap(b"", None).unwrap_err());
    assert!(empty.contains("empty"), "{empty}");
    // Cut in the middle of a packet: a report with a warning, not an exception.
    let cut = mxray_wasm::analyse_pcap(&SMTP_TLS13[..SMTP_TLS13.len() / 2], None).unwrap();
    assert!(js_sys::Array::from(&field(&cut, "warnings")).length() >= 1);
    // A callback that throws does not stop the analysis.
    let throwing = js_sys::Function::new_with_args("done, total", "throw new Error('no')");
    assert!(mxray_wasm::analyse_pcap(SMTP_TLS13, Some(throwing)).is_ok());
}
