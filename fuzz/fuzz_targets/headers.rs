//! Mail header analysis (`mxray headers`, the page's header box) fed arbitrary text.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::headers(data);
});
