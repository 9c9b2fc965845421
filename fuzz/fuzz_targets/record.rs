//! Record layer: one record, the incremental record reader over arbitrary chunkings, and handshake reassembly.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::record(data);
    mxray_core::fuzzing::record_reader(data);
    mxray_core::fuzzing::handshake_reader(data);
});
