//! Fuzz entry point of the TLS 1.3 encrypted-flight reader.
//!
//! Random ciphertext almost never passes the AEAD check, so the fuzzer's bytes are sealed
//! with the flight's own server handshake key first: what reaches the reader's parsing
//! (inner content types, padding, handshake reassembly, message order, Finished) is the
//! fuzzer's choice, as it would be a hostile server's.

use crate::wire::record::ContentType;
use crate::wire::tls13::{EncryptedFlight, Tls13Encryptor, Tls13Suite};

/// `data`: byte 0 picks the suite; then records, each as a length byte `n`, a content-type
/// byte, a padding byte and `n` bytes of content.
pub fn tls13_flight(data: &[u8]) {
    let Some((&pick, mut rest)) = data.split_first() else { return };
    let suite = Tls13Suite::ALL[usize::from(pick) % Tls13Suite::ALL.len()].suite;
    let Ok(mut flight) = EncryptedFlight::new(suite, &[7; 32], b"mxray fuzz transcript") else { return };
    let secret = flight.secrets().server_handshake_traffic_secret().to_vec();
    let Ok(mut sealer) = Tls13Encryptor::from_traffic_secret(suite, &secret) else { return };
    while let [len, kind, padding, tail @ ..] = rest {
        let n = usize::from(*len).min(tail.len());
        let (content, next) = tail.split_at(n);
        rest = next;
        let Ok(record) = sealer.seal_record(ContentType(*kind), content, usize::from(*padding)) else {
            return;
        };
        if flight.push_record(&record).is_err() {
            break;
        }
    }
    let _ = flight.encrypted_extensions();
    let _ = flight.certificate();
    let _ = flight.certificate_verify_scheme();
    let _ = flight.finish();
}
