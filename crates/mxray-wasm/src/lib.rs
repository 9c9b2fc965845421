//! wasm-bindgen exports of mxray-core for the offline browser page.
//!
//! A thin typed shim and nothing else: each export converts its arguments, calls one
//! mxray-core function and converts the result with serde-wasm-bindgen; core errors become
//! JavaScript exceptions through `into_error`. No logic lives here.

use wasm_bindgen::prelude::*;

/// Converts a core error into a JavaScript exception (an `Error` with the error's message).
fn into_error(err: impl std::fmt::Display) -> JsError {
    JsError::new(&err.to_string())
}

/// `cipherSuites(filter)`: the rows `mxray ciphers --json FILTER` prints, as an array of
/// objects. `filter` holds whitespace-separated terms; `""` lists every known cipher.
///
/// # Errors
///
/// Throws when a term looks like a code but is not one (`0xZZ`).
#[wasm_bindgen(js_name = cipherSuites)]
pub fn cipher_suites(filter: &str) -> Result<JsValue, JsError> {
    let rows = mxray_core::registry::filter_ciphers(filter).map_err(into_error)?;
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&rows, &serializer).map_err(into_error)
}
