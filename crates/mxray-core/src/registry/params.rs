//! Properties of the other registries: supported groups, signature schemes, extension
//! types, alert descriptions and compression methods.
//!
//! The rows are generated from the IANA CSVs by `cargo xtask codegen`:
//!
//! - groups: the kind (elliptic curve, finite-field DH, hybrid post-quantum, pure
//!   post-quantum) and a size in bits where one is meaningful (the field size of a curve,
//!   the modulus of an FFDHE group; none for ML-KEM and hybrids), both derived from the name.
//! - signature schemes: besides the IANA rows, the TLS 1.2 `(hash, signature)` pairs of
//!   RFC 5246 that the SignatureScheme registry only lists as "reserved for backward
//!   compatibility" (hash 1..6 = md5, sha1, sha224, sha256, sha384, sha512 × signature
//!   1..3 = rsa, dsa, ecdsa). They are named like their TLS 1.3 siblings: `rsa_pkcs1_md5`,
//!   `dsa_sha256`, `ecdsa_sha224` (data file `data/registry/tls12-signature-algorithms.csv`)
//!   and have `tls12_pair` set.
//! - extensions: the TLS 1.3 messages that may carry them (IANA's "TLS 1.3" column).

use std::fmt;

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use super::cipher_suite::{Authentication, Recommended};
use super::{AlertDescription, CompressionMethod, ExtensionType, NamedGroup, SignatureScheme, generated};

/// What kind of key exchange a supported group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// An elliptic curve (including X25519/X448 and explicit curves).
    EcCurve,
    /// A finite-field Diffie-Hellman group (RFC 7919).
    Ffdhe,
    /// A hybrid of a classical curve and a post-quantum KEM.
    HybridPq,
    /// A post-quantum KEM alone.
    Pq,
}

/// A supported group and its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NamedGroupInfo {
    /// The code point.
    pub group: NamedGroup,
    /// The IANA name.
    pub name: &'static str,
    /// Curve, FFDHE, hybrid or post-quantum.
    pub kind: GroupKind,
    /// Field size (curves) or modulus size (FFDHE) in bits; `None` for KEMs.
    pub bits: Option<u16>,
    /// IANA's "Recommended" column.
    pub recommended: Option<Recommended>,
    /// Marked obsolete by IANA (the Kyber drafts).
    pub obsolete: bool,
}

/// A signature scheme and its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SignatureSchemeInfo {
    /// The code point.
    pub scheme: SignatureScheme,
    /// The IANA name, or the name given to a TLS 1.2 pair.
    pub name: &'static str,
    /// IANA's "Recommended" column; `None` for the TLS 1.2 pairs.
    pub recommended: Option<Recommended>,
    /// A TLS 1.2 `(hash, signature)` pair that the registry lists only as reserved.
    pub tls12_pair: bool,
}

/// A TLS 1.3 handshake message that can carry extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tls13Message {
    /// `CH`.
    ClientHello,
    /// `SH`.
    ServerHello,
    /// `HRR`.
    HelloRetryRequest,
    /// `EE`.
    EncryptedExtensions,
    /// `CT`.
    Certificate,
    /// `CR`.
    CertificateRequest,
    /// `NST`.
    NewSessionTicket,
}

/// Every [`Tls13Message`] with its registry abbreviation and bit.
const MESSAGES: [(Tls13Message, &str, u8); 7] = [
    (Tls13Message::ClientHello, "CH", 1),
    (Tls13Message::ServerHello, "SH", 2),
    (Tls13Message::HelloRetryRequest, "HRR", 4),
    (Tls13Message::EncryptedExtensions, "EE", 8),
    (Tls13Message::Certificate, "CT", 16),
    (Tls13Message::CertificateRequest, "CR", 32),
    (Tls13Message::NewSessionTicket, "NST", 64),
];

impl Tls13Message {
    /// The registry's abbreviation (`CH`, `EE`, …).
    pub fn abbreviation(self) -> &'static str {
        MESSAGES.iter().find(|m| m.0 == self).map_or("", |m| m.1)
    }
}

/// The set of TLS 1.3 messages an extension may appear in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tls13Messages(pub u8);

impl Tls13Messages {
    /// True if the extension may appear in `message`.
    pub fn contains(self, message: Tls13Message) -> bool {
        MESSAGES.iter().any(|&(m, _, bit)| m == message && self.0 & bit != 0)
    }

    /// True if the extension is not used in TLS 1.3.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The messages, in the registry's order.
    pub fn iter(self) -> impl Iterator<Item = Tls13Message> {
        MESSAGES.into_iter().filter(move |&(_, _, bit)| self.0 & bit != 0).map(|(m, _, _)| m)
    }
}

impl fmt::Display for Tls13Messages {
    /// `CH, EE`, or `-` when not used in TLS 1.3.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("-");
        }
        let names: Vec<&str> = self.iter().map(Tls13Message::abbreviation).collect();
        f.write_str(&names.join(", "))
    }
}

impl fmt::Debug for Tls13Messages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tls13Messages({self})")
    }
}

impl Serialize for Tls13Messages {
    /// A list of abbreviations: `["CH", "EE"]`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for m in self.iter() {
            seq.serialize_element(m.abbreviation())?;
        }
        seq.end()
    }
}

/// An extension type and its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ExtensionTypeInfo {
    /// The code point.
    pub extension: ExtensionType,
    /// The IANA name.
    pub name: &'static str,
    /// The TLS 1.3 messages that may carry it.
    pub tls13: Tls13Messages,
    /// IANA's "Recommended" column.
    pub recommended: Option<Recommended>,
    /// Defined for DTLS only.
    pub dtls_only: bool,
}

/// An alert description and its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AlertDescriptionInfo {
    /// The code point.
    pub alert: AlertDescription,
    /// The IANA name.
    pub name: &'static str,
    /// No longer sent by current TLS (`…_RESERVED` in the registry).
    pub reserved: bool,
    /// Usable in DTLS.
    pub dtls_ok: bool,
}

/// A compression method and its properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CompressionMethodInfo {
    /// The code point.
    pub method: CompressionMethod,
    /// The registry name.
    pub name: &'static str,
    /// Actually compresses (anything but `NULL`); CRIME applies.
    pub compresses: bool,
}

/// Implements `info()` and an all-rows function over a generated table sorted by code.
macro_rules! info_table {
    ($newtype:ident, $info:ident, $field:ident, $table:path, $all:ident, $what:literal) => {
        impl $newtype {
            #[doc = concat!("The properties of this ", $what, "; `None` for unassigned, GREASE and unknown values.")]
            pub fn info(self) -> Option<&'static $info> {
                $table.binary_search_by(|row| row.$field.cmp(&self)).ok().map(|i| &$table[i])
            }
        }

        #[doc = concat!("Every known ", $what, ", by code.")]
        pub fn $all() -> impl Iterator<Item = &'static $info> {
            $table.iter()
        }
    };
}

info_table!(NamedGroup, NamedGroupInfo, group, generated::NAMED_GROUP_INFO, named_groups, "supported group");
info_table!(
    SignatureScheme,
    SignatureSchemeInfo,
    scheme,
    generated::SIGNATURE_SCHEME_INFO,
    signature_schemes,
    "signature scheme"
);
info_table!(
    ExtensionType,
    ExtensionTypeInfo,
    extension,
    generated::EXTENSION_TYPE_INFO,
    extension_types,
    "extension type"
);
info_table!(
    AlertDescription,
    AlertDescriptionInfo,
    alert,
    generated::ALERT_DESCRIPTION_INFO,
    alert_descriptions,
    "alert description"
);
info_table!(
    CompressionMethod,
    CompressionMethodInfo,
    method,
    generated::COMPRESSION_METHOD_INFO,
    compression_methods,
    "compression method"
);

impl SignatureScheme {
    /// The certificate key type a TLS 1.2 server signs with under this scheme: RSA for
    /// PKCS#1 v1.5 and RSA-PSS with an rsaEncryption key (`rsa_pss_rsae_*`), DSA, ECDSA;
    /// `None` for RSA-PSS keys (`rsa_pss_pss_*`), EdDSA, GOST and unknown code points.
    pub fn signing_key(self) -> Option<Authentication> {
        let [hash, signature] = self.0.to_be_bytes();
        match (hash, signature) {
            (0x08, 0x04..=0x06) => Some(Authentication::Rsa),
            (0x08, _) => None,
            (0x01..=0x06, 1) => Some(Authentication::Rsa),
            (0x01..=0x06, 2) => Some(Authentication::Dss),
            (0x01..=0x06, 3) => Some(Authentication::Ecdsa),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_key_of_schemes() {
        use crate::registry::Authentication as A;
        for (scheme, key) in [
            (SignatureScheme::RSA_PKCS1_SHA1, Some(A::Rsa)),
            (SignatureScheme(0x0301), Some(A::Rsa)),
            (SignatureScheme(0x0402), Some(A::Dss)),
            (SignatureScheme::ECDSA_SECP256R1_SHA256, Some(A::Ecdsa)),
            (SignatureScheme::ECDSA_SHA1, Some(A::Ecdsa)),
            (SignatureScheme::RSA_PSS_RSAE_SHA256, Some(A::Rsa)),
            (SignatureScheme::RSA_PSS_RSAE_SHA512, Some(A::Rsa)),
            (SignatureScheme(0x0809), None),
            (SignatureScheme(0x0807), None),
            (SignatureScheme(0x0101), Some(A::Rsa)),
            (SignatureScheme(0x0703), None),
            (SignatureScheme(0xEEEE), None),
        ] {
            assert_eq!(scheme.signing_key(), key, "{scheme:?}");
        }
    }

    #[test]
    fn groups_have_kind_and_size() {
        let table = [
            (NamedGroup::X25519, GroupKind::EcCurve, Some(255), Some(Recommended::Yes)),
            (NamedGroup::SECP384R1, GroupKind::EcCurve, Some(384), Some(Recommended::Yes)),
            (NamedGroup::SECT163K1, GroupKind::EcCurve, Some(163), Some(Recommended::Discouraged)),
            (NamedGroup::FFDHE2048, GroupKind::Ffdhe, Some(2048), Some(Recommended::No)),
            (NamedGroup::X25519MLKEM768, GroupKind::HybridPq, None, Some(Recommended::No)),
            (NamedGroup::MLKEM768, GroupKind::Pq, None, Some(Recommended::No)),
        ];
        for (group, kind, bits, recommended) in table {
            let info = group.info().unwrap();
            assert_eq!((info.kind, info.bits, info.recommended), (kind, bits, recommended), "{group:?}");
        }
        assert!(NamedGroup(25497).info().unwrap().obsolete);
        assert_eq!(NamedGroup(0x0a0a).info(), None);
        assert_eq!(named_groups().count(), generated::NAMED_GROUP_NAMES.len());
    }

    #[test]
    fn signature_schemes_include_the_tls12_pairs() {
        let info = SignatureScheme::DSA_SHA1.info().unwrap();
        assert_eq!(
            (info.scheme.0, info.name, info.tls12_pair, info.recommended),
            (0x0202, "dsa_sha1", true, None)
        );
        assert_eq!(SignatureScheme(0x0101).name(), Some("rsa_pkcs1_md5"));
        assert_eq!(SignatureScheme(0x0303).name(), Some("ecdsa_sha224"));
        let pss = SignatureScheme::RSA_PSS_RSAE_SHA256.info().unwrap();
        assert_eq!((pss.tls12_pair, pss.recommended), (false, Some(Recommended::Yes)));
        // Every hash 1..6 × signature 1..3 pair has a name.
        for hash in 1..=6u16 {
            for sig in 1..=3u16 {
                assert!(SignatureScheme(hash << 8 | sig).info().is_some(), "{hash}/{sig}");
            }
        }
    }

    #[test]
    fn extensions_know_their_tls13_messages() {
        let key_share = ExtensionType::KEY_SHARE.info().unwrap();
        assert_eq!(key_share.tls13.to_string(), "CH, SH, HRR");
        assert!(key_share.tls13.contains(Tls13Message::HelloRetryRequest));
        let sni = ExtensionType::SERVER_NAME.info().unwrap();
        assert!(sni.tls13.contains(Tls13Message::EncryptedExtensions));
        assert!(!sni.tls13.contains(Tls13Message::ServerHello));
        let renegotiation = ExtensionType(0xff01).info().unwrap();
        assert!(renegotiation.tls13.is_empty());
        assert_eq!(ExtensionType(0x1a1a).info(), None);
        assert_eq!(serde_json::to_value(key_share.tls13).unwrap(), serde_json::json!(["CH", "SH", "HRR"]));
    }

    #[test]
    fn alerts_and_compression_methods() {
        let alert = AlertDescription(21).info().unwrap();
        assert_eq!((alert.name, alert.reserved), ("decryption_failed_RESERVED", true));
        assert!(!AlertDescription::HANDSHAKE_FAILURE.info().unwrap().reserved);
        assert!(CompressionMethod::DEFLATE.info().unwrap().compresses);
        assert!(!CompressionMethod::NULL.info().unwrap().compresses);
        assert_eq!(alert_descriptions().count(), generated::ALERT_DESCRIPTION_NAMES.len());
        assert_eq!(compression_methods().count(), 3);
        assert_eq!(extension_types().count(), generated::EXTENSION_TYPE_NAMES.len());
        assert_eq!(signature_schemes().count(), generated::SIGNATURE_SCHEME_NAMES.len());
    }
}
