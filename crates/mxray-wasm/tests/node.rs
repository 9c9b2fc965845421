//! The wasm exports, run in node by `wasm-bindgen-test-runner` (`cargo xtask ci`). On a
//! native target this file is empty: wasm-bindgen's JS values exist only in wasm.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsValue;
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
