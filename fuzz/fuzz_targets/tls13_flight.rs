//! TLS 1.3 encrypted-flight reader: fuzzer bytes sealed with the flight's own key, so the decrypted-content parsing is what gets fuzzed.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::tls13_flight(data);
});
