//! Fuzz entry point of the pcap analysis: arbitrary bytes as a whole capture, and as the
//! packet records of a pcap whose header is valid (so the fuzzer reaches the link, IP, TCP,
//! STARTTLS and TLS layers), each read whole and in pieces, which must give the same report.

use crate::pcap::{Analyser, analyse};

/// `data`: byte 0 picks the link type and the size of the pieces; the rest is the input.
pub fn pcap(data: &[u8]) {
    let [pick, rest @ ..] = data else { return };
    let whole = analyse(data, &mut |done, total| assert!(done <= total));
    let piece = usize::from(*pick).max(1);
    let mut analyser = Analyser::new();
    let mut chunked = Ok(());
    for chunk in data.chunks(piece) {
        chunked = analyser.push(chunk);
        if chunked.is_err() {
            break;
        }
    }
    let chunked = chunked.and_then(|()| analyser.finish());
    assert_eq!(whole, chunked, "chunked and whole input disagree");

    const LINK_TYPES: [u32; 8] = [1, 113, 276, 101, 228, 229, 0, 108];
    let mut capture = Vec::with_capacity(24 + rest.len());
    capture.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    capture.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0]);
    capture.extend_from_slice(&LINK_TYPES[usize::from(*pick) % LINK_TYPES.len()].to_le_bytes());
    capture.extend_from_slice(rest);
    let report = analyse(&capture, &mut |_, _| {});
    assert!(report.is_ok(), "a valid header is never refused: {report:?}");
}
