//! ServerHello decoder (also the HelloRetryRequest form and its typed extension views).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::server_hello(data);
});
