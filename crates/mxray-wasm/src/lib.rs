//! wasm-bindgen exports of mxray-core for the offline browser page (`web/`).
//!
//! A thin typed shim and nothing else: each export converts its arguments, calls one
//! mxray-core function and converts the result with serde-wasm-bindgen's JSON-compatible
//! serializer (plain objects, arrays, numbers, strings: what `mxray … --json` prints); core
//! errors become JavaScript exceptions (`Error` with the core's message) through
//! `into_error`. No logic lives here: the page reads the clock, the core decides.
//!
//! | export | core function |
//! |---|---|
//! | `cipherSuites(filter)` | `registry::filter_ciphers` |
//! | `analysePem(text, host, nowUnix)` | `x509::split_chain` + `x509::analyse` (Mozilla roots) |
//! | `analyseHeaders(text)` | `headers::analyse` |
//! | `analysePcap(bytes, progress)` | `pcap::analyse` |

use wasm_bindgen::prelude::*;

/// Days before expiry from which a certificate is reported as expiring soon (the CLI's
/// default for `--expiry-warning`).
const EXPIRY_WARNING_DAYS: u32 = 30;

/// Converts a core error into a JavaScript exception (an `Error` with the error's message).
fn into_error(err: impl std::fmt::Display) -> JsError {
    JsError::new(&err.to_string())
}

/// Converts a core report into plain JavaScript values (objects, arrays, numbers, strings).
fn to_js(value: &impl serde::Serialize) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(into_error)
}

/// `cipherSuites(filter)`: the rows `mxray ciphers --json FILTER` prints, as an array of
/// objects. `filter` holds whitespace-separated terms; `""` lists every known cipher.
///
/// # Errors
///
/// Throws when a term looks like a code but is not one (`0xZZ`).
#[wasm_bindgen(js_name = cipherSuites)]
pub fn cipher_suites(filter: &str) -> Result<JsValue, JsError> {
    to_js(&mxray_core::registry::filter_ciphers(filter).map_err(into_error)?)
}

/// `analysePem(text, host, nowUnix)`: the report `mxray pem --json --host HOST --at NOW`
/// prints for a pasted chain (PEM blocks, leaf first; text around them is ignored),
/// validated against the Mozilla roots at `nowUnix` (seconds; the page passes the
/// browser's clock). `host` may be `undefined`, `null` or `""` for no host-name check.
///
/// # Errors
///
/// Throws with the core's message when the text holds no certificate, a block is not a
/// certificate (a key, a CSR), a block is malformed, or the input is over its size cap.
#[wasm_bindgen(js_name = analysePem)]
pub fn analyse_pem(text: &str, host: Option<String>, now_unix: f64) -> Result<JsValue, JsError> {
    let chain = mxray_core::x509::split_chain(text.as_bytes()).map_err(into_error)?;
    if chain.is_empty() {
        return Err(into_error(mxray_core::x509::X509Error::Empty));
    }
    let host = host.as_deref().map(str::trim).filter(|h| !h.is_empty());
    let trust = mxray_core::x509::TrustStore::mozilla();
    // `as` saturates: NaN and out-of-range times become 0 or the i64 bounds.
    let report = mxray_core::x509::analyse(&chain, host, now_unix as i64, &trust, EXPIRY_WARNING_DAYS);
    to_js(&report)
}

/// `analyseHeaders(text)`: the report `mxray headers --json` prints for a whole message or
/// a pasted header block: the `Received:` hops oldest first with their TLS and grade, the
/// authentication results, the TLS policy fields and warnings.
///
/// # Errors
///
/// Throws with the core's message for binary data, text without header fields, or a
/// header block over its size cap.
#[wasm_bindgen(js_name = analyseHeaders)]
pub fn analyse_headers(text: &str) -> Result<JsValue, JsError> {
    to_js(&mxray_core::headers::analyse(text).map_err(into_error)?)
}

/// `analysePcap(bytes, progress)`: the report `mxray pcap --json` prints for a pcap or
/// pcapng capture held in a `Uint8Array`. `progress(doneBytes, totalBytes)` (optional) is
/// called as the analysis goes on (every few MiB and at the end); an exception it throws
/// is ignored.
///
/// # Errors
///
/// Throws with the core's message when the bytes are not a capture at all; damage after a
/// readable start is reported in the report's `warnings` instead.
#[wasm_bindgen(js_name = analysePcap)]
pub fn analyse_pcap(bytes: &[u8], progress: Option<js_sys::Function>) -> Result<JsValue, JsError> {
    let mut report_progress = |done: u64, total: u64| {
        if let Some(callback) = &progress {
            // Byte counts are far below 2^53: exact as JS numbers.
            let _ignored =
                callback.call2(&JsValue::NULL, &JsValue::from(done as f64), &JsValue::from(total as f64));
        }
    };
    to_js(&mxray_core::pcap::analyse(bytes, &mut report_progress).map_err(into_error)?)
}
