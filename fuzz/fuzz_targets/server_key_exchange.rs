//! ServerKeyExchange decoder for every key exchange and version (the first byte chooses).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::server_key_exchange(data);
});
