//! Alert decoder and the SSL 2.0 messages (CLIENT-HELLO, SERVER-HELLO, ERROR).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::alert(data);
    mxray_core::fuzzing::sslv2(data);
});
