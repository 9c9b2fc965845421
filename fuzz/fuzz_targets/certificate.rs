//! Certificate decoders (TLS 1.2 and TLS 1.3 forms), CertificateStatus and the check of a
//! stapled OCSP response.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::certificate(data);
    mxray_core::fuzzing::certificate13(data);
    mxray_core::fuzzing::certificate_status(data);
    mxray_core::fuzzing::stapled_ocsp(data);
});
