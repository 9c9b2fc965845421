//! The TLS registries: every code point mxray can send or meet on the wire.
//!
//! Each registry is a newtype over its wire integer (`CipherSuite(u16)`, `NamedGroup(u16)`
//! and so on) with named constants for the assigned values. Unknown, unassigned and GREASE
//! values are kept as they are and shown as hex: nothing read from the wire is dropped.
//!
//! The constants and tables in [`generated`] are written by `cargo xtask codegen` from the
//! IANA data under `data/`; a test fails when the generated file is stale. Nothing here is
//! typed by hand twice.
//!
//! `name()` gives the registry name (IANA, plus the RFC 5246 hash/signature pairs for
//! [`SignatureScheme`]); `info()` gives the properties of a value, from
//! [`cipher_suite`] (cipher suites, legacy code points and SSL 2.0 kinds, the cipher filter
//! of `mxray ciphers`) and [`params`] (groups, signature schemes, extensions, alerts,
//! compression methods). All lookups are binary searches in sorted static tables.

use std::fmt;

pub mod cipher_suite;
pub mod dh_groups;
pub mod generated;
pub mod params;

pub use cipher_suite::{
    Authentication, BulkCipher, CipherCode, CipherFilter, CipherMode, CipherRow, CipherSuiteInfo,
    FilterError, KeyExchange, Keyword, Mac, Recommended, Source, Versions, cipher_suite_by_name, cipher_suites,
    filter_ciphers, select_ciphers,
};
pub use dh_groups::{DhGroup, dh_groups};
pub use params::{
    AlertDescriptionInfo, CompressionMethodInfo, ExtensionTypeInfo, GroupKind, NamedGroupInfo,
    SignatureSchemeInfo, Tls13Message, Tls13Messages, alert_descriptions, compression_methods,
    extension_types, named_groups, signature_schemes,
};

/// True for the GREASE values of RFC 8701 (`0x0A0A`, `0x1A1A`, … `0xFAFA`) used in cipher
/// suites, extensions, groups, signature schemes and versions.
pub const fn is_grease_u16(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && (v >> 8) == (v & 0xff)
}

/// Looks `code` up in a table sorted by code.
fn lookup<T: Copy + Ord>(table: &'static [(T, &'static str)], code: T) -> Option<&'static str> {
    table.binary_search_by(|(c, _)| c.cmp(&code)).ok().map(|i| table[i].1)
}

macro_rules! codepoint {
    ($(#[$meta:meta])* $name:ident($int:ty), $table:expr, $width:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $int);

        impl $name {
            /// The registry name of this value; `None` for unassigned and unknown values.
            pub fn name(self) -> Option<&'static str> {
                lookup($table, self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, concat!(stringify!($name), "({:#0", $width, "x})"), self.0),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => f.write_str(name),
                    None => write!(f, concat!("{:#0", $width, "X}"), self.0),
                }
            }
        }

        impl From<$int> for $name {
            fn from(v: $int) -> Self {
                Self(v)
            }
        }
    };
}

codepoint!(
    /// A TLS cipher suite (IANA "TLS Cipher Suites"), including SCSVs and legacy code points.
    CipherSuite(u16), generated::CIPHER_SUITE_NAMES, 6
);
codepoint!(
    /// A supported group (IANA "TLS Supported Groups"), formerly "named curve".
    NamedGroup(u16), generated::NAMED_GROUP_NAMES, 6
);
codepoint!(
    /// A signature scheme (IANA "TLS SignatureScheme"); in TLS 1.2 the pair (hash, signature).
    SignatureScheme(u16), generated::SIGNATURE_SCHEME_NAMES, 6
);
codepoint!(
    /// An extension type (IANA "TLS ExtensionType Values").
    ExtensionType(u16), generated::EXTENSION_TYPE_NAMES, 6
);
codepoint!(
    /// An alert description (IANA "TLS Alerts").
    AlertDescription(u8), generated::ALERT_DESCRIPTION_NAMES, 4
);
codepoint!(
    /// A compression method (IANA "TLS Compression Method Identifiers").
    CompressionMethod(u8), generated::COMPRESSION_METHOD_NAMES, 4
);
codepoint!(
    /// An SSL 2.0 CIPHER-KIND: the three-byte cipher specs of SSLv2 hellos.
    Sslv2CipherKind(u32), generated::SSLV2_CIPHER_KIND_NAMES, 8
);
codepoint!(
    /// A protocol version as carried in hellos and records (`0x0303` is TLS 1.2); SSL 2.0
    /// is `0x0002` as in its CLIENT-HELLO.
    ProtocolVersion(u16), generated::PROTOCOL_VERSION_NAMES, 6
);

macro_rules! grease {
    ($($name:ident),*) => {$(
        impl $name {
            /// True for an RFC 8701 GREASE value.
            pub const fn is_grease(self) -> bool {
                is_grease_u16(self.0)
            }
        }
    )*};
}
grease!(CipherSuite, NamedGroup, SignatureScheme, ExtensionType, ProtocolVersion);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grease_values_are_exactly_the_sixteen_of_rfc_8701() {
        let grease: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease_u16(v)).collect();
        let expected: Vec<u16> = (0..16).map(|i| 0x0a0a + 0x1010 * i).collect();
        assert_eq!(grease, expected);
    }

    #[test]
    fn unknown_values_are_shown_as_hex_not_dropped() {
        assert_eq!(format!("{:?}", CipherSuite(0xfefe)), "CipherSuite(0xfefe)");
        assert_eq!(format!("{}", CipherSuite(0xfefe)), "0xFEFE");
        assert_eq!(format!("{:?}", AlertDescription(0xee)), "AlertDescription(0xee)");
    }
}
