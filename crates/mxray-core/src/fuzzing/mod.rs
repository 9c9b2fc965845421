//! Entry points for the fuzz targets in `fuzz/` and for the property tests: each takes
//! arbitrary bytes, must never panic, and where a decoder accepts the input, checks that
//! re-encoding the decoded value gives the same bytes back.

mod client;
mod headers;
mod pcap;
mod policy;
mod probes;
mod server;
mod starttls;
mod tls13;

pub use client::*;
pub use headers::*;
pub use pcap::*;
pub use policy::*;
pub use probes::*;
pub use server::*;
pub use starttls::*;
pub use tls13::*;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_tls13_flight_reader_survives_any_sealed_content(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            super::tls13_flight(&data);
        }

        #[test]
        fn stapled_ocsp_checks_survive_any_response(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
            super::stapled_ocsp(&data);
        }

        #[test]
        fn stapled_ocsp_checks_survive_mutated_responses(
            index in 0usize..400,
            byte in any::<u8>(),
        ) {
            let mut data = include_bytes!("../../tests/fixtures/ocsp/delegated-revoked.der").to_vec();
            let i = index % data.len();
            data[i] = byte;
            super::stapled_ocsp(&data);
        }

        #[test]
        fn the_pcap_analysis_survives_any_input(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
            super::pcap(&data);
        }

        #[test]
        fn the_header_analysis_survives_any_text(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            super::headers(&data);
        }

        #[test]
        fn the_header_analysis_survives_header_like_text(text in "([A-Za-z-]{1,12}: [ -~]{0,80}\n([ \t][ -~]{0,40}\n)?){0,12}") {
            super::headers(text.as_bytes());
        }

        #[test]
        fn the_starttls_machines_survive_any_server(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            super::starttls(&data);
        }
    }

    /// Found by the pcap fuzz target: a big-endian pcap whose records split differently
    /// when fed in pieces.
    #[test]
    fn pcap_fuzz_regression_1() {
        super::pcap(&[
            161, 178, 195, 212, 2, 255, 255, 255, 255, 255, 208, 255, 65, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 246, 255, 255, 255, 0, 0, 0, 0, 0, 0,
            255, 255, 255, 1, 70, 1, 0, 0, 0, 23, 0, 0, 0, 63, 63, 117, 117, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1,
            135, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 74, 243, 52, 15, 160, 118, 255, 255,
            36, 86, 190, 251, 182, 85, 0, 0, 0, 0, 0, 0, 0, 0, 0, 74, 194, 228, 0, 0, 0, 0, 0, 0, 0, 0, 198,
            209, 97, 120, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9, 0, 209, 2, 40,
        ]);
    }

    #[test]
    fn a_real_dialogue_goes_through_the_starttls_hook() {
        let mut data = vec![0, 7];
        data.extend_from_slice(b"220 mx ESMTP\r\n250-mx\r\n250 STARTTLS\r\n220 go ahead\r\n");
        super::starttls(&data);
    }
}
