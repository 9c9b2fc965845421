//! STARTTLS machines (SMTP, LMTP, IMAP, POP3, ManageSieve) and their observer fed a hostile server's bytes in arbitrary pieces.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    mxray_core::fuzzing::starttls(data);
});
