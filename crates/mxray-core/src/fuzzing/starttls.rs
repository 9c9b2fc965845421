//! Fuzz entry point of the STARTTLS machines: a hostile server's bytes, in arbitrary
//! pieces, fed to the client machine and to the observer of every protocol.

use crate::starttls::{Config, Limits, Observer, Protocol, StartTlsClient};

const PROTOCOLS: [Protocol; 5] =
    [Protocol::Smtp, Protocol::Lmtp, Protocol::Imap, Protocol::Pop3, Protocol::Sieve];

/// `data`: byte 0 picks the protocol, byte 1 the size of the pieces; the rest is what
/// the server sends.
pub fn starttls(data: &[u8]) {
    let [pick, piece, server @ ..] = data else { return };
    let protocol = PROTOCOLS[usize::from(*pick) % PROTOCOLS.len()];
    let piece = usize::from(*piece).max(1);

    let mut client = StartTlsClient::new(Config::new(protocol));
    let mut out = Vec::new();
    for chunk in server.chunks(piece) {
        client.poll_transmit(&mut out);
        let taken = client.handle_input(chunk);
        assert!(taken <= chunk.len(), "the machine took more than it was given");
        if client.is_done() {
            break;
        }
    }
    client.handle_close();
    let _ = client.into_dialogue();

    let mut observer = Observer::new(protocol, Limits::default());
    let _ = observer.observe_client(b"EHLO fuzz\r\nSTARTTLS\r\n");
    for chunk in server.chunks(piece) {
        if observer.observe_server(chunk) < chunk.len() {
            break;
        }
    }
    let _ = observer.finish();
}
