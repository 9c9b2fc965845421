//! Reading a TLS 1.3 server's encrypted first flight (RFC 8446): the key schedule up to
//! the handshake traffic secrets (§7.1), traffic keys (§7.3), record protection (§5.2,
//! §5.3), the transcript hash (§4.4.1) and the server `Finished` check (§4.4.4).
//!
//! In TLS 1.3 everything after the ServerHello is encrypted: EncryptedExtensions, the
//! certificate chain, and CertificateVerify, whose signature scheme is the only place the
//! server's TLS 1.3 signature choice shows. A scanner that sent a real X25519 or
//! secp256r1 share (see [`key_share::generate`](crate::wire::key_share::generate)) can
//! derive the server's handshake keys from the ServerHello alone and read that flight on
//! the same connection that enumerated the suite, without completing the handshake.
//!
//! # Use
//!
//! ```text
//! let (share, private) = key_share::generate(NamedGroup::X25519, &mut rng)?;
//! let hello = ClientHelloBuilder::new(ProtocolVersion::TLSV1_3)
//!     .extension(ClientExtension::KeyShare(vec![share])) /* … */ .build(&mut rng)?;
//! // send hello.to_records(MAX_PLAINTEXT_LEN)?, read the ServerHello with the record and
//! // handshake readers, then, on the same record stream:
//! let mut flight = EncryptedFlight::after_server_hello(&hello, &private, &server_hello)?;
//! while let Some(record) = next_tls_record() {          // every record after the ServerHello
//!     if flight.push_record(&record)? == FlightProgress::Complete { break; }
//! }
//! let chain = flight.certificate();                     // Option<Result<Certificate13, _>>
//! let scheme = flight.certificate_verify_scheme();      // Option<SignatureScheme>
//! ```
//!
//! [`EncryptedFlight::push_record`] skips the plaintext `change_cipher_spec` records of
//! middlebox compatibility mode, turns alerts (plaintext or encrypted) into
//! [`Tls13Error::Alert`], and returns [`FlightProgress::Complete`] once a `Finished`
//! whose MAC matches the transcript has been read: a matching MAC proves that the key
//! schedule, the transcript and every decrypted byte are right. After a HelloRetryRequest
//! build the transcript with [`transcript_after_retry`] and use [`EncryptedFlight::new`].
//!
//! The lower layers are public too: [`HandshakeSecrets`] (the key schedule, also what a
//! key log needs), [`Tls13Decryptor`] (opens one protected record) and its mirror
//! [`Tls13Encryptor`] (seals one; for simulated servers and tests).
//!
//! # Suites
//!
//! `TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384`, `TLS_CHACHA20_POLY1305_SHA256`,
//! `TLS_AES_128_CCM_SHA256` and `TLS_AES_128_CCM_8_SHA256`: every suite of RFC 8446
//! §B.4. Any other code point is [`Tls13Error::UnsupportedSuite`]. The primitives are
//! RustCrypto's pure-Rust `sha2`, `hkdf`, `hmac`, `aes-gcm`, `chacha20poly1305` and `ccm`,
//! which build for `wasm32-unknown-unknown` with no entropy source.
//!
//! # Hostile servers
//!
//! The server controls every byte. Nothing here panics on any input; a flight is bounded
//! to [`MAX_FLIGHT_RECORDS`] records and [`MAX_FLIGHT_BYTES`] bytes of ciphertext (each
//! handshake message to [`MAX_HANDSHAKE_MESSAGE_LEN`](crate::wire::handshake::MAX_HANDSHAKE_MESSAGE_LEN));
//! protected records are held to the RFC 8446 size limits, and handshake messages to
//! the order of §4 (EncryptedExtensions, optional CertificateRequest, Certificate,
//! CertificateVerify, Finished). Errors are final. What was read before an error stays
//! readable, so a scanner still reports the chain of a server whose flight went wrong later.
//!
//! The certificate chain and the CertificateVerify signature are *not* verified here:
//! that is the `x509` analysis' job on the bytes this module recovers.

mod flight;
mod key_schedule;
mod protection;
#[cfg(test)]
mod tests;

use thiserror::Error;

use crate::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use crate::wire::alert::Alert;
use crate::wire::codec::{Codec, DecodeError, EncodeError, parse_all, put_u16, put_vec16, u16, vec16};
use crate::wire::handshake::HandshakeType;
use crate::wire::key_share::KeyShareError;
use crate::wire::record::ContentType;

pub use self::flight::{EncryptedFlight, FlightProgress, MAX_FLIGHT_BYTES, MAX_FLIGHT_RECORDS};
pub use self::key_schedule::{
    AeadAlgorithm, HandshakeSecrets, HashAlgorithm, Tls13Suite, transcript, transcript_after_retry,
};
pub use self::protection::{MAX_INNER_PLAINTEXT_LEN, Tls13Decryptor, Tls13Encryptor};

/// Why a TLS 1.3 flight could not be decrypted or read.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Tls13Error {
    /// The cipher suite is not one of the TLS 1.3 suites mxray can decrypt.
    #[error("cipher suite {0} is not a TLS 1.3 suite mxray can decrypt")]
    UnsupportedSuite(CipherSuite),
    /// The ServerHello did not select TLS 1.3.
    #[error("the server selected {0}, not TLS 1.3")]
    NotTls13(ProtocolVersion),
    /// The ServerHello is a HelloRetryRequest: send a second ClientHello first.
    #[error("the server sent a HelloRetryRequest, not a ServerHello")]
    HelloRetryRequest,
    /// The ServerHello carries no key share, so there is no (EC)DHE secret.
    #[error("the ServerHello carries no key_share")]
    MissingKeyShare,
    /// The server's share is for another group than the client's private share.
    #[error("the server's key share is for {server}, the client's for {client}")]
    KeyShareGroupMismatch {
        /// The group of the server's share.
        server: NamedGroup,
        /// The group of the client's private share.
        client: NamedGroup,
    },
    /// The (EC)DHE computation failed (invalid server share).
    #[error(transparent)]
    KeyShare(#[from] KeyShareError),
    /// The shared secret is empty.
    #[error("the (EC)DHE shared secret is empty")]
    EmptySharedSecret,
    /// A message could not be decoded (ServerHello extension, handshake framing, a
    /// message of the flight, an alert).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A hello could not be re-encoded for the transcript.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A record that must be protected (`application_data`) has another content type.
    #[error("expected a protected application_data record, got {0}")]
    NotProtected(ContentType),
    /// A protected record is longer than RFC 8446 §5.2 allows.
    #[error("protected record of {len} bytes exceeds the TLS 1.3 limit of {max}")]
    RecordOverflow {
        /// The fragment length.
        len: usize,
        /// The limit (2^14 + 256).
        max: usize,
    },
    /// A record failed authentication: wrong keys, a wrong transcript, or altered bytes.
    #[error("protected record {sequence} failed authentication (bad_record_mac)")]
    BadRecordMac {
        /// The record's sequence number under the current keys.
        sequence: u64,
    },
    /// A decrypted record holds only zero padding, so it has no content type.
    #[error("protected record {sequence} holds only padding, no content type")]
    MissingContentType {
        /// The record's sequence number under the current keys.
        sequence: u64,
    },
    /// A decrypted `TLSInnerPlaintext` is longer than 2^14 + 1 bytes.
    #[error("inner plaintext of {len} bytes exceeds the limit of {max}")]
    PlaintextOverflow {
        /// The decrypted length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A plaintext to seal is too long for one record.
    #[error("{len} bytes of plaintext and padding do not fit one record (limit {max})")]
    SealTooLong {
        /// Content, type byte and padding.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The 64-bit record sequence number would wrap (RFC 8446 §5.3).
    #[error("the record sequence number is exhausted")]
    SequenceExhausted,
    /// The server sent an alert instead of (the rest of) its flight.
    #[error("the server sent alert {alert} ({})", if *.encrypted { "encrypted" } else { "in plaintext" })]
    Alert {
        /// The alert.
        alert: Alert,
        /// True if it came inside a protected record.
        encrypted: bool,
    },
    /// A record of a content type that cannot appear in the server's handshake flight.
    #[error("{content_type} record in the server's encrypted handshake flight ({})", if *.encrypted { "encrypted" } else { "in plaintext" })]
    UnexpectedContent {
        /// The (inner, if encrypted) content type.
        content_type: ContentType,
        /// True if it came inside a protected record.
        encrypted: bool,
    },
    /// A `change_cipher_spec` record other than the single byte 1 (RFC 8446 §5).
    #[error("change_cipher_spec record is not the single byte 0x01")]
    InvalidChangeCipherSpec,
    /// A protected handshake record with no content (RFC 8446 §5.4).
    #[error("protected handshake record with a zero-length content")]
    EmptyHandshakeRecord,
    /// A handshake message out of the order of RFC 8446 §4.
    #[error("the server sent {got} where {expected} was expected")]
    UnexpectedMessage {
        /// The message type received.
        got: HandshakeType,
        /// What the flight expected at that point.
        expected: &'static str,
    },
    /// Handshake bytes follow the server's `Finished` in the same record, across the key
    /// change (RFC 8446 §5.1).
    #[error("handshake data follows the server's Finished in the same record")]
    DataAfterFinished,
    /// The server's `Finished` does not match the transcript.
    #[error("the server's Finished does not match the transcript hash")]
    FinishedMismatch,
    /// The flight took more records than the cap.
    #[error("the encrypted flight exceeds {max} records")]
    TooManyRecords {
        /// The cap.
        max: usize,
    },
    /// The flight took more bytes than the cap.
    #[error("the encrypted flight exceeds {max} bytes")]
    TooManyBytes {
        /// The cap.
        max: usize,
    },
    /// The connection ended before the server's `Finished`.
    #[error("the connection ended before the server's Finished (after {records} records)")]
    Truncated {
        /// Records read.
        records: usize,
    },
    /// A primitive refused a length mxray chose (a bug, reported rather than a panic).
    #[error("internal key schedule error: {0}")]
    Internal(&'static str),
}

/// A CertificateVerify body (RFC 8446 §4.4.3): the signature scheme and the signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CertificateVerify {
    /// The scheme the server signed with (`SignatureScheme algorithm`).
    pub scheme: SignatureScheme,
    /// `opaque signature<0..2^16-1>`.
    pub signature: Vec<u8>,
}

impl Codec for CertificateVerify {
    const NAME: &'static str = "CertificateVerify";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |input| {
            let (input, scheme) = u16("algorithm")(input)?;
            let (input, signature) = vec16("signature", 0, usize::from(u16::MAX))(input)?;
            Ok((input, Self { scheme: SignatureScheme(scheme), signature: signature.to_vec() }))
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let at = out.len();
        put_u16(out, self.scheme.0);
        put_vec16("signature", out, &self.signature).inspect_err(|_| out.truncate(at))
    }
}
