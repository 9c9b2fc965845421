//! TLS and SSL wire codecs.
//!
//! One module per message family. Every decoder is `parse(&[u8]) -> Result<T, DecodeError>`,
//! strict about trailing bytes, and every encoder appends to a caller's `Vec<u8>`.
//! Handshake messages are decoded and encoded *without* their four-byte handshake header:
//! [`handshake`] frames them, [`record`] carries the frames.
//!
//! The parsers are written with nom (kept private behind [`codec`]) rather than on
//! tls-parser: a scanner needs an *encoder* for every message it decodes (round trips,
//! simulated servers), byte-exact offsets in its errors, and explicit caps on every length
//! before allocation; tls-parser offers decoding only and reports neither.

pub mod alert;
pub mod certificate;
pub mod certificate_status;
pub mod client_hello;
pub mod codec;
pub mod extensions;
pub mod flight;
pub mod handshake;
pub mod key_share;
pub mod record;
pub mod server_hello;
pub mod server_key_exchange;
pub mod sslv2;
pub mod tls13;
