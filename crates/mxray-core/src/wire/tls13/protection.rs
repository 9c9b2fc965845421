//! TLS 1.3 record protection (RFC 8446 §5.2–§5.4): the per-record nonce, the additional
//! data, `TLSInnerPlaintext` padding and the hidden content type, for one direction and
//! one traffic secret.

use std::fmt;

use aes_gcm::aead::consts::{U8, U12, U16};
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, Payload};
use aes_gcm::aes::Aes128;
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use ccm::Ccm;
use chacha20poly1305::ChaCha20Poly1305;

use super::Tls13Error;
use super::key_schedule::{AeadAlgorithm, HandshakeSecrets, IV_LEN, Tls13Suite, traffic_key_iv};
use crate::registry::{CipherSuite, ProtocolVersion};
use crate::wire::record::{ContentType, MAX_PLAINTEXT_LEN, MAX_TLS13_CIPHERTEXT_LEN, Record, TLS_HEADER_LEN};

/// Largest `TLSInnerPlaintext` (content, type byte and padding): 2^14 + 1 (RFC 8446 §5.4).
pub const MAX_INNER_PLAINTEXT_LEN: usize = MAX_PLAINTEXT_LEN + 1;

type Aes128Ccm = Ccm<Aes128, U16, U12>;
type Aes128Ccm8 = Ccm<Aes128, U8, U12>;

/// A keyed AEAD. Boxed: the AES key schedules make the variants large and uneven.
enum Cipher {
    Aes128Gcm(Box<Aes128Gcm>),
    Aes256Gcm(Box<Aes256Gcm>),
    ChaCha20Poly1305(Box<ChaCha20Poly1305>),
    Aes128Ccm(Box<Aes128Ccm>),
    Aes128Ccm8(Box<Aes128Ccm8>),
}

/// Keys an AEAD from a slice.
fn keyed<A: KeyInit>(key: &[u8]) -> Result<Box<A>, Tls13Error> {
    A::new_from_slice(key).map(Box::new).map_err(|_| Tls13Error::Internal("AEAD key of the wrong length"))
}

/// Decrypts with any of the 12-byte-nonce AEADs.
fn open_with<A: Aead + AeadCore<NonceSize = U12>>(
    aead: &A,
    nonce: [u8; IV_LEN],
    aad: &[u8],
    msg: &[u8],
) -> Option<Vec<u8>> {
    aead.decrypt(&GenericArray::from(nonce), Payload { msg, aad }).ok()
}

/// Encrypts with any of the 12-byte-nonce AEADs.
fn seal_with<A: Aead + AeadCore<NonceSize = U12>>(
    aead: &A,
    nonce: [u8; IV_LEN],
    aad: &[u8],
    msg: &[u8],
) -> Option<Vec<u8>> {
    aead.encrypt(&GenericArray::from(nonce), Payload { msg, aad }).ok()
}

impl Cipher {
    fn new(aead: AeadAlgorithm, key: &[u8]) -> Result<Self, Tls13Error> {
        Ok(match aead {
            AeadAlgorithm::Aes128Gcm => Self::Aes128Gcm(keyed(key)?),
            AeadAlgorithm::Aes256Gcm => Self::Aes256Gcm(keyed(key)?),
            AeadAlgorithm::ChaCha20Poly1305 => Self::ChaCha20Poly1305(keyed(key)?),
            AeadAlgorithm::Aes128Ccm => Self::Aes128Ccm(keyed(key)?),
            AeadAlgorithm::Aes128Ccm8 => Self::Aes128Ccm8(keyed(key)?),
        })
    }

    fn open(&self, nonce: [u8; IV_LEN], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Aes128Gcm(c) => open_with(c.as_ref(), nonce, aad, msg),
            Self::Aes256Gcm(c) => open_with(c.as_ref(), nonce, aad, msg),
            Self::ChaCha20Poly1305(c) => open_with(c.as_ref(), nonce, aad, msg),
            Self::Aes128Ccm(c) => open_with(c.as_ref(), nonce, aad, msg),
            Self::Aes128Ccm8(c) => open_with(c.as_ref(), nonce, aad, msg),
        }
    }

    fn seal(&self, nonce: [u8; IV_LEN], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Aes128Gcm(c) => seal_with(c.as_ref(), nonce, aad, msg),
            Self::Aes256Gcm(c) => seal_with(c.as_ref(), nonce, aad, msg),
            Self::ChaCha20Poly1305(c) => seal_with(c.as_ref(), nonce, aad, msg),
            Self::Aes128Ccm(c) => seal_with(c.as_ref(), nonce, aad, msg),
            Self::Aes128Ccm8(c) => seal_with(c.as_ref(), nonce, aad, msg),
        }
    }
}

/// One direction's keys and sequence number.
struct Protection {
    suite: Tls13Suite,
    cipher: Cipher,
    iv: [u8; IV_LEN],
    sequence: u64,
}

impl Protection {
    fn new(suite: Tls13Suite, traffic_secret: &[u8]) -> Result<Self, Tls13Error> {
        let (key, iv) = traffic_key_iv(suite, traffic_secret)?;
        Ok(Self { suite, cipher: Cipher::new(suite.aead, &key)?, iv, sequence: 0 })
    }

    /// The per-record nonce: the sequence number, left-padded to the IV length, XOR the IV.
    fn nonce(&self) -> [u8; IV_LEN] {
        let mut nonce = self.iv;
        let seq = self.sequence.to_be_bytes();
        for (n, s) in nonce.iter_mut().skip(IV_LEN - seq.len()).zip(seq) {
            *n ^= s;
        }
        nonce
    }

    fn advance(&mut self) -> Result<(), Tls13Error> {
        self.sequence = self.sequence.checked_add(1).ok_or(Tls13Error::SequenceExhausted)?;
        Ok(())
    }
}

/// The additional data of a protected record: its header (RFC 8446 §5.2).
fn additional_data(version: ProtocolVersion, len: usize) -> Result<[u8; TLS_HEADER_LEN], Tls13Error> {
    let len =
        u16::try_from(len).map_err(|_| Tls13Error::RecordOverflow { len, max: MAX_TLS13_CIPHERTEXT_LEN })?;
    let [v0, v1] = version.0.to_be_bytes();
    let [l0, l1] = len.to_be_bytes();
    Ok([ContentType::APPLICATION_DATA.0, v0, v1, l0, l1])
}

/// Opens the protected records of one direction under one traffic secret, counting
/// sequence numbers from 0 (RFC 8446 §5.3).
pub struct Tls13Decryptor {
    inner: Protection,
}

impl fmt::Debug for Tls13Decryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls13Decryptor")
            .field("suite", &self.inner.suite.suite)
            .field("sequence", &self.inner.sequence)
            .finish_non_exhaustive()
    }
}

impl Tls13Decryptor {
    /// The decryptor of the server's handshake flight: runs the key schedule from the
    /// (EC)DHE `shared_secret` and `transcript` (`ClientHello || ServerHello` with
    /// their handshake headers; see [`transcript`](super::transcript)) and keys the
    /// `server_handshake_traffic_secret`.
    pub fn new(suite: CipherSuite, shared_secret: &[u8], transcript: &[u8]) -> Result<Self, Tls13Error> {
        let secrets = HandshakeSecrets::derive(suite, shared_secret, transcript)?;
        Self::from_traffic_secret(suite, secrets.server_handshake_traffic_secret())
    }

    /// A decryptor keyed by any traffic secret of `suite` (the client's handshake secret,
    /// an application traffic secret from a key log, …).
    pub fn from_traffic_secret(suite: CipherSuite, traffic_secret: &[u8]) -> Result<Self, Tls13Error> {
        let suite = Tls13Suite::from_cipher_suite(suite)?;
        Ok(Self { inner: Protection::new(suite, traffic_secret)? })
    }

    /// The suite.
    pub fn suite(&self) -> Tls13Suite {
        self.inner.suite
    }

    /// The sequence number of the next record: how many records were opened.
    pub fn sequence(&self) -> u64 {
        self.inner.sequence
    }

    /// Opens one protected record (content type `application_data`): checks its size,
    /// decrypts and authenticates it with its header as additional data, strips the zero
    /// padding and returns the real content type and the content. The sequence number
    /// advances only on success; after an error the connection is beyond repair (TLS
    /// has no way to skip a record), and the caller should stop.
    ///
    /// `change_cipher_spec` records of middlebox compatibility mode are not protected:
    /// the caller skips them (as [`EncryptedFlight`](super::EncryptedFlight) does).
    pub fn open_record(&mut self, record: &Record) -> Result<(ContentType, Vec<u8>), Tls13Error> {
        if record.content_type != ContentType::APPLICATION_DATA {
            return Err(Tls13Error::NotProtected(record.content_type));
        }
        let len = record.fragment.len();
        if len > MAX_TLS13_CIPHERTEXT_LEN {
            return Err(Tls13Error::RecordOverflow { len, max: MAX_TLS13_CIPHERTEXT_LEN });
        }
        let sequence = self.inner.sequence;
        let aad = additional_data(record.version, len)?;
        let mut plain = self
            .inner
            .cipher
            .open(self.inner.nonce(), &aad, &record.fragment)
            .ok_or(Tls13Error::BadRecordMac { sequence })?;
        self.inner.advance()?;
        if plain.len() > MAX_INNER_PLAINTEXT_LEN {
            return Err(Tls13Error::PlaintextOverflow { len: plain.len(), max: MAX_INNER_PLAINTEXT_LEN });
        }
        let end = plain.iter().rposition(|&b| b != 0).ok_or(Tls13Error::MissingContentType { sequence })?;
        plain.truncate(end + 1);
        let typ = plain.pop().ok_or(Tls13Error::MissingContentType { sequence })?;
        Ok((ContentType(typ), plain))
    }
}

/// Seals records for one direction under one traffic secret: the mirror of
/// [`Tls13Decryptor`], for simulated servers and tests.
pub struct Tls13Encryptor {
    inner: Protection,
}

impl fmt::Debug for Tls13Encryptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls13Encryptor")
            .field("suite", &self.inner.suite.suite)
            .field("sequence", &self.inner.sequence)
            .finish_non_exhaustive()
    }
}

impl Tls13Encryptor {
    /// An encryptor keyed by a traffic secret of `suite` (a server uses
    /// [`HandshakeSecrets::server_handshake_traffic_secret`] for its flight).
    pub fn from_traffic_secret(suite: CipherSuite, traffic_secret: &[u8]) -> Result<Self, Tls13Error> {
        let suite = Tls13Suite::from_cipher_suite(suite)?;
        Ok(Self { inner: Protection::new(suite, traffic_secret)? })
    }

    /// The sequence number of the next record.
    pub fn sequence(&self) -> u64 {
        self.inner.sequence
    }

    /// Seals `content` of `content_type` with `padding` zero bytes into one
    /// `application_data` record of version 0x0303.
    pub fn seal_record(
        &mut self,
        content_type: ContentType,
        content: &[u8],
        padding: usize,
    ) -> Result<Record, Tls13Error> {
        let len = content.len().saturating_add(1).saturating_add(padding);
        if len > MAX_INNER_PLAINTEXT_LEN {
            return Err(Tls13Error::SealTooLong { len, max: MAX_INNER_PLAINTEXT_LEN });
        }
        let mut inner = Vec::with_capacity(len);
        inner.extend_from_slice(content);
        inner.push(content_type.0);
        inner.resize(len, 0);
        self.seal_inner(&inner)
    }

    /// Seals an encoded `TLSInnerPlaintext` without checking its length.
    pub(super) fn seal_inner(&mut self, inner: &[u8]) -> Result<Record, Tls13Error> {
        let version = ProtocolVersion::TLSV1_2;
        let aad = additional_data(version, inner.len() + self.inner.suite.aead.tag_len())?;
        let fragment = self
            .inner
            .cipher
            .seal(self.inner.nonce(), &aad, inner)
            .ok_or(Tls13Error::Internal("AEAD refused to seal"))?;
        self.inner.advance()?;
        Ok(Record::new(ContentType::APPLICATION_DATA, version, fragment))
    }
}
