//! TLS 1.3 key shares (RFC 8446 §4.2.8): the `KeyShareEntry` wire form, shared by the
//! ClientHello and ServerHello `key_share` extensions, and the generation of real X25519
//! and secp256r1 shares from a caller-provided RNG.
//!
//! The private half is kept in a [`KeySharePrivate`] for the key schedule. Randomness is a
//! parameter (the core has no entropy source of its own), so tests are deterministic. For
//! groups mxray cannot compute (finite-field, post-quantum hybrids, GREASE), a scanner
//! still sends an entry with [`KeyShareEntry::new`] to see what the server selects.

use std::fmt;

use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use rand_core::{CryptoRng, RngCore};
use thiserror::Error;

use crate::registry::NamedGroup;
use crate::wire::codec::{
    Codec, DecodeError, EncodeError, PResult, parse_all, put_u16, put_vec16, u16, vec16,
};

/// Length of an X25519 public key (RFC 7748).
pub const X25519_KEY_LEN: usize = 32;
/// Length of an uncompressed secp256r1 point (`0x04 || X || Y`, RFC 8446 §4.2.8.2).
pub const SECP256R1_KEY_LEN: usize = 65;

/// One `KeyShareEntry`: a group and its `key_exchange` bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyShareEntry {
    /// The group the share belongs to.
    pub group: NamedGroup,
    /// The public value (`opaque key_exchange<1..2^16-1>`).
    pub key_exchange: Vec<u8>,
}

impl KeyShareEntry {
    /// An entry with arbitrary bytes, e.g. a GREASE share or one for a group mxray cannot
    /// compute.
    pub fn new(group: NamedGroup, key_exchange: Vec<u8>) -> Self {
        Self { group, key_exchange }
    }
}

/// Parses one `KeyShareEntry` (`NamedGroup group; opaque key_exchange<1..2^16-1>`).
pub(crate) fn key_share_entry(input: &[u8]) -> PResult<'_, KeyShareEntry> {
    let (rest, group) = u16("key share group")(input)?;
    let (rest, key) = vec16("key_exchange", 1, usize::from(u16::MAX))(rest)?;
    Ok((rest, KeyShareEntry { group: NamedGroup(group), key_exchange: key.to_vec() }))
}

impl Codec for KeyShareEntry {
    const NAME: &'static str = "KeyShareEntry";

    /// Decodes one entry: the whole body of a ServerHello `key_share` extension.
    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, key_share_entry)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let at = out.len();
        put_u16(out, self.group.0);
        put_vec16("key_exchange", out, &self.key_exchange).inspect_err(|_| out.truncate(at))
    }
}

/// Why a key share could not be made or used.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum KeyShareError {
    /// mxray cannot generate or compute shares for this group.
    #[error("key shares for group {0} are not supported")]
    UnsupportedGroup(NamedGroup),
    /// The peer's share is not a valid public value of the group.
    #[error("peer key share for {group} is invalid: {reason}")]
    InvalidPeerKey {
        /// The group of the share.
        group: NamedGroup,
        /// What was wrong with it.
        reason: &'static str,
    },
}

/// The private half of a key share, kept for the TLS 1.3 key schedule.
#[derive(Clone)]
pub enum KeySharePrivate {
    /// An X25519 secret scalar.
    X25519(x25519_dalek::StaticSecret),
    /// A secp256r1 secret scalar.
    Secp256r1(p256::SecretKey),
}

impl fmt::Debug for KeySharePrivate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print secrets.
        write!(f, "KeySharePrivate({:?}, <redacted>)", self.group())
    }
}

/// True for the groups [`generate`] supports.
pub fn is_supported(group: NamedGroup) -> bool {
    group == NamedGroup::X25519 || group == NamedGroup::SECP256R1
}

/// Generates a key share for `group` from `rng`: the entry to send and the private half.
pub fn generate<R: RngCore + CryptoRng>(
    group: NamedGroup,
    rng: &mut R,
) -> Result<(KeyShareEntry, KeySharePrivate), KeyShareError> {
    let private = if group == NamedGroup::X25519 {
        KeySharePrivate::X25519(x25519_dalek::StaticSecret::random_from_rng(rng))
    } else if group == NamedGroup::SECP256R1 {
        KeySharePrivate::Secp256r1(p256::SecretKey::random(rng))
    } else {
        return Err(KeyShareError::UnsupportedGroup(group));
    };
    Ok((private.public_entry(), private))
}

impl KeySharePrivate {
    /// An X25519 share from a known secret (for tests and known-answer vectors).
    pub fn x25519_from_bytes(secret: [u8; 32]) -> Self {
        Self::X25519(x25519_dalek::StaticSecret::from(secret))
    }

    /// The group of this share.
    pub fn group(&self) -> NamedGroup {
        match self {
            Self::X25519(_) => NamedGroup::X25519,
            Self::Secp256r1(_) => NamedGroup::SECP256R1,
        }
    }

    /// The public entry that goes on the wire.
    pub fn public_entry(&self) -> KeyShareEntry {
        let key_exchange = match self {
            Self::X25519(secret) => x25519_dalek::PublicKey::from(secret).as_bytes().to_vec(),
            Self::Secp256r1(secret) => secret.public_key().to_encoded_point(false).as_bytes().to_vec(),
        };
        KeyShareEntry { group: self.group(), key_exchange }
    }

    /// The (EC)DHE shared secret with the peer's `key_exchange` bytes, as the TLS 1.3 key
    /// schedule takes it (RFC 8446 §7.4.2: the X coordinate for secp256r1).
    pub fn shared_secret(&self, peer: &[u8]) -> Result<Vec<u8>, KeyShareError> {
        let group = self.group();
        match self {
            Self::X25519(secret) => {
                let peer: [u8; X25519_KEY_LEN] = peer
                    .try_into()
                    .map_err(|_| KeyShareError::InvalidPeerKey { group, reason: "not 32 bytes" })?;
                let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(peer));
                if !shared.was_contributory() {
                    return Err(KeyShareError::InvalidPeerKey {
                        group,
                        reason: "low-order point (all-zero secret)",
                    });
                }
                Ok(shared.as_bytes().to_vec())
            }
            Self::Secp256r1(secret) => {
                if peer.len() != SECP256R1_KEY_LEN || peer.first() != Some(&0x04) {
                    return Err(KeyShareError::InvalidPeerKey {
                        group,
                        reason: "not an uncompressed 65-byte point",
                    });
                }
                let public = p256::PublicKey::from_sec1_bytes(peer).map_err(|_| {
                    KeyShareError::InvalidPeerKey { group, reason: "not a point on the curve" }
                })?;
                let shared = (public.to_projective() * *secret.to_nonzero_scalar()).to_affine();
                let encoded = shared.to_encoded_point(false);
                let x = encoded
                    .x()
                    .ok_or(KeyShareError::InvalidPeerKey { group, reason: "shared point is the identity" })?;
                Ok(x.to_vec())
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) use crate::sim::SeededRng as TestRng;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn rfc7748_section_6_1_x25519_known_answer() {
        let a: [u8; 32] =
            hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").try_into().unwrap();
        let b: [u8; 32] =
            hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb").try_into().unwrap();
        let alice = KeySharePrivate::x25519_from_bytes(a);
        let bob = KeySharePrivate::x25519_from_bytes(b);
        assert_eq!(
            alice.public_entry().key_exchange,
            hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(
            bob.public_entry().key_exchange,
            hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        );
        let k = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(alice.shared_secret(&bob.public_entry().key_exchange).unwrap(), k);
        assert_eq!(bob.shared_secret(&alice.public_entry().key_exchange).unwrap(), k);
        assert!(alice.shared_secret(&[0; 32]).is_err(), "low-order points are refused");
        assert!(alice.shared_secret(&[9; 31]).is_err());
    }

    #[test]
    fn generated_shares_are_deterministic_and_agree() {
        for group in [NamedGroup::X25519, NamedGroup::SECP256R1] {
            let (entry1, private1) = generate(group, &mut TestRng(1)).unwrap();
            let (entry1_again, _) = generate(group, &mut TestRng(1)).unwrap();
            let (entry2, private2) = generate(group, &mut TestRng(2)).unwrap();
            assert_eq!(entry1, entry1_again, "same seed, same share");
            assert_ne!(entry1, entry2);
            assert_eq!(entry1.group, group);
            let len = if group == NamedGroup::X25519 { X25519_KEY_LEN } else { SECP256R1_KEY_LEN };
            assert_eq!(entry1.key_exchange.len(), len);
            let s1 = private1.shared_secret(&entry2.key_exchange).unwrap();
            let s2 = private2.shared_secret(&entry1.key_exchange).unwrap();
            assert_eq!(s1, s2);
            assert_eq!(s1.len(), 32);
            assert!(!format!("{private1:?}").contains(&format!("{:?}", &s1[..4])));
        }
        assert_eq!(entry_first_byte(NamedGroup::SECP256R1), 0x04);
        assert_eq!(
            generate(NamedGroup(0x0100), &mut TestRng(1)).unwrap_err(),
            KeyShareError::UnsupportedGroup(NamedGroup(0x0100))
        );
    }

    fn entry_first_byte(group: NamedGroup) -> u8 {
        generate(group, &mut TestRng(3)).unwrap().0.key_exchange[0]
    }

    #[test]
    fn p256_peer_keys_are_validated() {
        let (_, private) = generate(NamedGroup::SECP256R1, &mut TestRng(5)).unwrap();
        let mut bad = vec![0x04];
        bad.extend([0x11; 64]);
        assert!(private.shared_secret(&bad).is_err(), "not on the curve");
        assert!(private.shared_secret(&[0x02; 33]).is_err(), "compressed points are refused");
    }

    #[test]
    fn entries_round_trip_and_every_truncation_fails() {
        let entry = KeyShareEntry::new(NamedGroup(0x2a2a), vec![0]);
        let bytes = entry.to_bytes().unwrap();
        assert_eq!(bytes, [0x2a, 0x2a, 0, 1, 0]);
        assert_eq!(KeyShareEntry::parse(&bytes).unwrap(), entry);
        for cut in 0..bytes.len() {
            assert!(KeyShareEntry::parse(&bytes[..cut]).is_err());
        }
        assert!(KeyShareEntry::parse(&[0, 29, 0, 0]).is_err(), "empty key_exchange");
    }
}
