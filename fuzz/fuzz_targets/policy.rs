//! MTA-STS, TLS-RPT, SPF and DMARC records and MTA-STS policy files from arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::policy(data);
});
