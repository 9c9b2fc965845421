//! The pcap analysis (container, link/IP/TCP, reassembly, STARTTLS, TLS handshakes) fed arbitrary captures, whole and in pieces.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::pcap(&data);
});
