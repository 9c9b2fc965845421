//! Fuzz entry points of the client-side codecs (record layer, handshake framing, ClientHello).

use crate::wire::client_hello::ClientHello;
use crate::wire::codec::Codec;
use crate::wire::extensions::ClientExtension;
use crate::wire::handshake::{HandshakeMessage, HandshakeReader};
use crate::wire::record::{Record, RecordMode, RecordReader, Sslv2Record};

/// Decodes one TLS record and one SSLv2 record; what decodes must re-encode to the input.
pub fn record(data: &[u8]) {
    if let Ok(r) = Record::parse(data) {
        assert_eq!(r.to_bytes().ok().as_deref(), Some(data));
    }
    if let Ok(r) = Sslv2Record::parse(data) {
        assert_eq!(r.to_bytes().ok().as_deref(), Some(data));
    }
}

/// Feeds a [`RecordReader`] in chunks: the first byte picks the mode, the next four the
/// chunk sizes (cycled, 1 to 256 bytes).
pub fn record_reader(data: &[u8]) {
    let (control, mut rest) = data.split_at(data.len().min(5));
    let mode = match control.first().map(|b| b % 3) {
        Some(1) => RecordMode::Tls,
        Some(2) => RecordMode::Sslv2,
        _ => RecordMode::Auto,
    };
    let sizes: Vec<usize> = control.iter().skip(1).map(|&b| usize::from(b) + 1).collect();
    let mut sizes = sizes.iter().cycle();
    let mut reader = RecordReader::with_mode(mode);
    let mut total = 0usize;
    while !rest.is_empty() {
        let want = sizes.next().copied().unwrap_or(rest.len()).min(rest.len());
        let (mut piece, tail) = rest.split_at(want);
        rest = tail;
        while !piece.is_empty() {
            let taken = reader.push(piece);
            piece = &piece[taken..];
            assert!(reader.buffered() <= reader.capacity());
            while let Some(frame) = reader.next_record() {
                if frame.is_err() {
                    return;
                }
                total += 1;
                assert!(total <= data.len(), "every record consumes input");
            }
        }
    }
}

/// Feeds a [`HandshakeReader`] with chunks whose sizes come from the first byte, and
/// decodes every message it yields as a framed message too.
pub fn handshake_reader(data: &[u8]) {
    let (chunk, rest) = match data.split_first() {
        Some((&b, rest)) => (usize::from(b) + 1, rest),
        None => return,
    };
    let _ = HandshakeMessage::parse(rest);
    let mut reader = HandshakeReader::with_max_message_len(4096);
    for piece in rest.chunks(chunk) {
        reader.push(piece);
        while let Some(message) = reader.next_message() {
            let Ok(message) = message else { return };
            if message.typ == crate::wire::handshake::HandshakeType::CLIENT_HELLO {
                client_hello(&message.body);
            }
        }
    }
    let _ = reader.finish();
}

/// Decodes a ClientHello body; if it decodes, re-encoding gives the input back, and every
/// extension that decodes as typed re-encodes to the same body.
pub fn client_hello(data: &[u8]) {
    let Ok(hello) = ClientHello::parse(data) else { return };
    assert_eq!(hello.to_bytes().ok().as_deref(), Some(data));
    for raw in hello.extensions.iter().flatten() {
        if let Ok(typed) = ClientExtension::from_raw(raw) {
            assert_eq!(typed.to_raw().ok().as_ref(), Some(raw));
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-client-hello-tls13.bin");

    #[test]
    fn valid_inputs_pass_the_entry_points() {
        record(FIXTURE);
        for control in [&[0u8, 0, 0, 0, 0][..], &[1, 6, 1, 200, 3], &[2, 1, 1, 1, 1]] {
            record_reader(&[control, FIXTURE].concat());
        }
        handshake_reader(&[&[3u8][..], &FIXTURE[5..]].concat());
        client_hello(&FIXTURE[9..]);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_entry_points(data in proptest::collection::vec(any::<u8>(), 0..1500)) {
            record(&data);
            record_reader(&data);
            handshake_reader(&data);
            client_hello(&data);
        }
    }
}
