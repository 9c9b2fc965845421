//! The TLS 1.3 key schedule up to the handshake traffic secrets (RFC 8446 §7.1), the
//! traffic key derivation (§7.3), the transcript hash (§4.4.1) and the `Finished` MAC
//! (§4.4.4), for the five suites of RFC 8446 §B.4.

use std::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha384};

use super::Tls13Error;
use crate::registry::CipherSuite;
use crate::wire::codec::EncodeError;
use crate::wire::handshake::{HandshakeType, encode_handshake};

/// The hash of a TLS 1.3 suite (HKDF, HMAC and the transcript hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlgorithm {
    /// `Hash.length` in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// `Hash(data)`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
        }
    }

    /// `HKDF-Extract(salt, ikm)`.
    pub(crate) fn extract(self, salt: &[u8], ikm: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Hkdf::<Sha256>::extract(Some(salt), ikm).0.to_vec(),
            Self::Sha384 => Hkdf::<Sha384>::extract(Some(salt), ikm).0.to_vec(),
        }
    }

    /// `HKDF-Expand(prk, info, len)`.
    pub(crate) fn expand(self, prk: &[u8], info: &[u8], len: usize) -> Result<Vec<u8>, Tls13Error> {
        let mut okm = vec![0; len];
        let ok = match self {
            Self::Sha256 => Hkdf::<Sha256>::from_prk(prk).ok().and_then(|h| h.expand(info, &mut okm).ok()),
            Self::Sha384 => Hkdf::<Sha384>::from_prk(prk).ok().and_then(|h| h.expand(info, &mut okm).ok()),
        };
        ok.map(|()| okm).ok_or(Tls13Error::Internal("HKDF-Expand refused a length"))
    }

    /// `HMAC(key, data)`.
    pub(crate) fn hmac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Tls13Error> {
        let mac = match self {
            Self::Sha256 => <Hmac<Sha256> as Mac>::new_from_slice(key)
                .map(|m| m.chain_update(data).finalize().into_bytes().to_vec()),
            Self::Sha384 => <Hmac<Sha384> as Mac>::new_from_slice(key)
                .map(|m| m.chain_update(data).finalize().into_bytes().to_vec()),
        };
        mac.map_err(|_| Tls13Error::Internal("HMAC refused a key length"))
    }

    /// Compares `HMAC(key, data)` with `tag` in constant time.
    pub(crate) fn hmac_verify(self, key: &[u8], data: &[u8], tag: &[u8]) -> Result<bool, Tls13Error> {
        let ok = match self {
            Self::Sha256 => <Hmac<Sha256> as Mac>::new_from_slice(key)
                .map(|m| m.chain_update(data).verify_slice(tag).is_ok()),
            Self::Sha384 => <Hmac<Sha384> as Mac>::new_from_slice(key)
                .map(|m| m.chain_update(data).verify_slice(tag).is_ok()),
        };
        ok.map_err(|_| Tls13Error::Internal("HMAC refused a key length"))
    }

    /// `HKDF-Expand-Label(secret, label, context, len)` (RFC 8446 §7.1).
    pub(crate) fn expand_label(
        self,
        secret: &[u8],
        label: &str,
        context: &[u8],
        len: usize,
    ) -> Result<Vec<u8>, Tls13Error> {
        const PREFIX: &[u8] = b"tls13 ";
        let full_len = u8::try_from(PREFIX.len() + label.len())
            .map_err(|_| Tls13Error::Internal("HKDF label too long"))?;
        let context_len =
            u8::try_from(context.len()).map_err(|_| Tls13Error::Internal("HKDF context too long"))?;
        let out_len = u16::try_from(len).map_err(|_| Tls13Error::Internal("HKDF output too long"))?;
        let mut info = Vec::with_capacity(4 + usize::from(full_len) + context.len());
        info.extend_from_slice(&out_len.to_be_bytes());
        info.push(full_len);
        info.extend_from_slice(PREFIX);
        info.extend_from_slice(label.as_bytes());
        info.push(context_len);
        info.extend_from_slice(context);
        self.expand(secret, &info, len)
    }

    /// `Derive-Secret(secret, label, messages)` with `Transcript-Hash(messages)` given.
    pub(crate) fn derive_secret(
        self,
        secret: &[u8],
        label: &str,
        transcript_hash: &[u8],
    ) -> Result<Vec<u8>, Tls13Error> {
        self.expand_label(secret, label, transcript_hash, self.output_len())
    }

    /// The `Finished` `verify_data` (RFC 8446 §4.4.4) for a handshake traffic secret and
    /// the transcript hash up to (excluding) the Finished: what a simulated server sends.
    pub fn finished_verify_data(
        self,
        traffic_secret: &[u8],
        transcript_hash: &[u8],
    ) -> Result<Vec<u8>, Tls13Error> {
        let key = self.expand_label(traffic_secret, "finished", &[], self.output_len())?;
        self.hmac(&key, transcript_hash)
    }

    /// True if `verify_data` is the `Finished` MAC (constant-time comparison).
    pub(crate) fn finished_matches(
        self,
        traffic_secret: &[u8],
        transcript_hash: &[u8],
        verify_data: &[u8],
    ) -> Result<bool, Tls13Error> {
        let key = self.expand_label(traffic_secret, "finished", &[], self.output_len())?;
        self.hmac_verify(&key, transcript_hash, verify_data)
    }
}

/// The AEAD of a TLS 1.3 suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AeadAlgorithm {
    /// AES-128-GCM (RFC 5116).
    Aes128Gcm,
    /// AES-256-GCM (RFC 5116).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 8439).
    ChaCha20Poly1305,
    /// AES-128-CCM with a 16-byte tag (RFC 5116).
    Aes128Ccm,
    /// AES-128-CCM with an 8-byte tag (RFC 6655).
    Aes128Ccm8,
}

impl AeadAlgorithm {
    /// Key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
            Self::Aes128Gcm | Self::Aes128Ccm | Self::Aes128Ccm8 => 16,
        }
    }

    /// Authentication tag length in bytes.
    pub const fn tag_len(self) -> usize {
        match self {
            Self::Aes128Ccm8 => 8,
            _ => 16,
        }
    }
}

/// Length of every TLS 1.3 AEAD nonce and of the per-record IV (RFC 8446 §5.3).
pub(crate) const IV_LEN: usize = 12;

/// A TLS 1.3 cipher suite: its code point, hash and AEAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tls13Suite {
    /// The code point.
    pub suite: CipherSuite,
    /// The hash of HKDF and the transcript.
    pub hash: HashAlgorithm,
    /// The record protection.
    pub aead: AeadAlgorithm,
}

impl Tls13Suite {
    /// Every suite mxray can decrypt, in the order of RFC 8446 §B.4.
    pub const ALL: [Self; 5] = [
        Self { suite: CipherSuite(0x1301), hash: HashAlgorithm::Sha256, aead: AeadAlgorithm::Aes128Gcm },
        Self { suite: CipherSuite(0x1302), hash: HashAlgorithm::Sha384, aead: AeadAlgorithm::Aes256Gcm },
        Self {
            suite: CipherSuite(0x1303),
            hash: HashAlgorithm::Sha256,
            aead: AeadAlgorithm::ChaCha20Poly1305,
        },
        Self { suite: CipherSuite(0x1304), hash: HashAlgorithm::Sha256, aead: AeadAlgorithm::Aes128Ccm },
        Self { suite: CipherSuite(0x1305), hash: HashAlgorithm::Sha256, aead: AeadAlgorithm::Aes128Ccm8 },
    ];

    /// The suite for a code point, or [`Tls13Error::UnsupportedSuite`].
    pub fn from_cipher_suite(suite: CipherSuite) -> Result<Self, Tls13Error> {
        Self::ALL.into_iter().find(|s| s.suite == suite).ok_or(Tls13Error::UnsupportedSuite(suite))
    }
}

/// The secrets of the handshake stage (RFC 8446 §7.1), from an (EC)DHE shared secret and
/// the transcript `ClientHello..ServerHello`, in a full handshake without PSK. `Debug`
/// shows no secret.
#[derive(Clone)]
pub struct HandshakeSecrets {
    suite: Tls13Suite,
    handshake_secret: Vec<u8>,
    client_handshake_traffic_secret: Vec<u8>,
    server_handshake_traffic_secret: Vec<u8>,
}

impl fmt::Debug for HandshakeSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HandshakeSecrets({:?}, <redacted>)", self.suite.suite)
    }
}

impl HandshakeSecrets {
    /// Runs the key schedule: `transcript` is `ClientHello || ServerHello` as handshake
    /// messages *with* their four-byte headers (see [`transcript`] and
    /// [`transcript_after_retry`]).
    pub fn derive(suite: CipherSuite, shared_secret: &[u8], transcript: &[u8]) -> Result<Self, Tls13Error> {
        let suite = Tls13Suite::from_cipher_suite(suite)?;
        let hash = suite.hash;
        Self::from_transcript_hash(suite, shared_secret, &hash.digest(transcript))
    }

    /// Runs the key schedule from `Transcript-Hash(ClientHello..ServerHello)`.
    pub(crate) fn from_transcript_hash(
        suite: Tls13Suite,
        shared_secret: &[u8],
        transcript_hash: &[u8],
    ) -> Result<Self, Tls13Error> {
        if shared_secret.is_empty() {
            return Err(Tls13Error::EmptySharedSecret);
        }
        let hash = suite.hash;
        let zeros = vec![0; hash.output_len()];
        // No PSK: early secret = HKDF-Extract(0, 0).
        let early_secret = hash.extract(&zeros, &zeros);
        let derived = hash.derive_secret(&early_secret, "derived", &hash.digest(&[]))?;
        let handshake_secret = hash.extract(&derived, shared_secret);
        Ok(Self {
            suite,
            client_handshake_traffic_secret: hash.derive_secret(
                &handshake_secret,
                "c hs traffic",
                transcript_hash,
            )?,
            server_handshake_traffic_secret: hash.derive_secret(
                &handshake_secret,
                "s hs traffic",
                transcript_hash,
            )?,
            handshake_secret,
        })
    }

    /// The suite the secrets belong to.
    pub fn suite(&self) -> Tls13Suite {
        self.suite
    }

    /// The handshake secret.
    pub fn handshake_secret(&self) -> &[u8] {
        &self.handshake_secret
    }

    /// `client_handshake_traffic_secret` (key log label `CLIENT_HANDSHAKE_TRAFFIC_SECRET`).
    pub fn client_handshake_traffic_secret(&self) -> &[u8] {
        &self.client_handshake_traffic_secret
    }

    /// `server_handshake_traffic_secret` (key log label `SERVER_HANDSHAKE_TRAFFIC_SECRET`):
    /// protects the server's flight and keys its `Finished`.
    pub fn server_handshake_traffic_secret(&self) -> &[u8] {
        &self.server_handshake_traffic_secret
    }
}

/// The write key and IV of a traffic secret (RFC 8446 §7.3).
pub(crate) fn traffic_key_iv(
    suite: Tls13Suite,
    secret: &[u8],
) -> Result<(Vec<u8>, [u8; IV_LEN]), Tls13Error> {
    let key = suite.hash.expand_label(secret, "key", &[], suite.aead.key_len())?;
    let iv = suite.hash.expand_label(secret, "iv", &[], IV_LEN)?;
    let iv = iv.try_into().map_err(|_| Tls13Error::Internal("IV of the wrong length"))?;
    Ok((key, iv))
}

/// Appends one handshake message (header and body) to a transcript.
fn push_message(out: &mut Vec<u8>, typ: HandshakeType, body: &[u8]) -> Result<(), EncodeError> {
    encode_handshake(typ, body, out)
}

/// The transcript `ClientHello || ServerHello` from the two message *bodies* (as
/// [`Codec::to_bytes`](crate::wire::codec::Codec::to_bytes) and
/// [`HandshakeReader`](crate::wire::handshake::HandshakeReader) give them): the input of
/// [`HandshakeSecrets::derive`] and [`EncryptedFlight::new`](super::EncryptedFlight::new).
pub fn transcript(client_hello: &[u8], server_hello: &[u8]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(client_hello.len() + server_hello.len() + 8);
    push_message(&mut out, HandshakeType::CLIENT_HELLO, client_hello)?;
    push_message(&mut out, HandshakeType::SERVER_HELLO, server_hello)?;
    Ok(out)
}

/// The transcript after a HelloRetryRequest (RFC 8446 §4.4.1): the first ClientHello is
/// replaced by a synthetic `message_hash` message holding its hash under the suite's hash,
/// followed by the HelloRetryRequest, the second ClientHello and the ServerHello (all four
/// given as message bodies).
pub fn transcript_after_retry(
    suite: CipherSuite,
    client_hello1: &[u8],
    hello_retry_request: &[u8],
    client_hello2: &[u8],
    server_hello: &[u8],
) -> Result<Vec<u8>, Tls13Error> {
    let hash = Tls13Suite::from_cipher_suite(suite)?.hash;
    let mut first = Vec::with_capacity(client_hello1.len() + 4);
    push_message(&mut first, HandshakeType::CLIENT_HELLO, client_hello1)?;
    let mut out = Vec::new();
    push_message(&mut out, HandshakeType::MESSAGE_HASH, &hash.digest(&first))?;
    push_message(&mut out, HandshakeType::SERVER_HELLO, hello_retry_request)?;
    push_message(&mut out, HandshakeType::CLIENT_HELLO, client_hello2)?;
    push_message(&mut out, HandshakeType::SERVER_HELLO, server_hello)?;
    Ok(out)
}

/// A running transcript hash.
#[derive(Clone, Debug)]
pub(crate) enum TranscriptHash {
    Sha256(Sha256),
    Sha384(Sha384),
}

impl TranscriptHash {
    /// A hash over `prefix`.
    pub(crate) fn new(hash: HashAlgorithm, prefix: &[u8]) -> Self {
        match hash {
            HashAlgorithm::Sha256 => Self::Sha256(Sha256::new_with_prefix(prefix)),
            HashAlgorithm::Sha384 => Self::Sha384(Sha384::new_with_prefix(prefix)),
        }
    }

    /// Adds bytes.
    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
        }
    }

    /// The hash of everything added so far (the running state is kept).
    pub(crate) fn current(&self) -> Vec<u8> {
        match self {
            Self::Sha256(h) => h.clone().finalize().to_vec(),
            Self::Sha384(h) => h.clone().finalize().to_vec(),
        }
    }
}
