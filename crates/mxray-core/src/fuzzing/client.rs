//! Fuzz entry points of the client-side codecs (record layer, handshake framing, ClientHello).
