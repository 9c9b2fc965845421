//! The "TLS before MAIL FROM/AUTH" client fed arbitrary server bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::submission_dialogue(data);
});
