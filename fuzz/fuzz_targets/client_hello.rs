//! ClientHello decoder: decode, and re-encode byte-identically when accepted.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::client_hello(data);
});
