//! The plain-HTTP probe's response-head reader and verdict fed arbitrary server bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::http_head(data);
});
