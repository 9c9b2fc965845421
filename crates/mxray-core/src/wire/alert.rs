//! Alert: the two-byte body of an alert record (level, description).
//!
//! Unknown levels and descriptions are kept as they are, so that a scanner can report a
//! server that sends `level 3` rather than fail to read it. SSL 2.0 ERROR messages live in
//! [`super::sslv2`].

use std::fmt;

use crate::registry::AlertDescription;
use crate::wire::codec::{Codec, DecodeError, EncodeError, parse_all, put_u8, u8};

/// An alert level (`1` warning, `2` fatal); other values are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertLevel(pub u8);

impl AlertLevel {
    /// `warning(1)`.
    pub const WARNING: Self = Self(1);
    /// `fatal(2)`.
    pub const FATAL: Self = Self(2);

    /// `"warning"`, `"fatal"`, or `None` for other values.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::WARNING => Some("warning"),
            Self::FATAL => Some("fatal"),
            _ => None,
        }
    }
}

impl fmt::Debug for AlertLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "AlertLevel({:#04x})", self.0),
        }
    }
}

impl fmt::Display for AlertLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "level({})", self.0),
        }
    }
}

/// An alert: level and description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Alert {
    /// The level.
    pub level: AlertLevel,
    /// The description.
    pub description: AlertDescription,
}

impl Alert {
    /// A fatal alert with `description`.
    pub const fn fatal(description: AlertDescription) -> Self {
        Self { level: AlertLevel::FATAL, description }
    }

    /// A warning alert with `description`.
    pub const fn warning(description: AlertDescription) -> Self {
        Self { level: AlertLevel::WARNING, description }
    }
}

/// `fatal handshake_failure(40)`; unknown values as numbers: `level(3) unknown(200)`.
impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.description.name().unwrap_or("unknown");
        write!(f, "{} {}({})", self.level, name, self.description.0)
    }
}

impl Codec for Alert {
    const NAME: &'static str = "Alert";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |i| {
            let (i, level) = u8("level")(i)?;
            let (i, description) = u8("description")(i)?;
            Ok((i, Self { level: AlertLevel(level), description: AlertDescription(description) }))
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        put_u8(out, self.level.0);
        put_u8(out, self.description.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::DecodeErrorKind;

    #[test]
    fn alerts_decode_encode_and_display_as_the_table_says() {
        let table: &[(&[u8], Alert, &str)] = &[
            (&[2, 40], Alert::fatal(AlertDescription::HANDSHAKE_FAILURE), "fatal handshake_failure(40)"),
            (&[1, 0], Alert::warning(AlertDescription::CLOSE_NOTIFY), "warning close_notify(0)"),
            (&[2, 70], Alert::fatal(AlertDescription::PROTOCOL_VERSION), "fatal protocol_version(70)"),
            (
                &[1, 112],
                Alert::warning(AlertDescription::UNRECOGNIZED_NAME),
                "warning unrecognized_name(112)",
            ),
            (
                &[3, 200],
                Alert { level: AlertLevel(3), description: AlertDescription(200) },
                "level(3) unknown(200)",
            ),
        ];
        for &(bytes, alert, text) in table {
            assert_eq!(Alert::parse(bytes).unwrap(), alert);
            assert_eq!(alert.to_bytes().unwrap(), bytes);
            assert_eq!(alert.to_string(), text);
        }
        assert_eq!(format!("{:?}", AlertLevel(9)), "AlertLevel(0x09)");
    }

    #[test]
    fn wrong_lengths_are_errors() {
        let err = Alert::parse(&[]).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::Truncated { field: "level", needed: 1, available: 0 });
        let err = Alert::parse(&[2]).unwrap_err();
        assert_eq!(
            (err.offset, err.kind),
            (1, DecodeErrorKind::Truncated { field: "description", needed: 1, available: 0 })
        );
        let err = Alert::parse(&[2, 40, 2]).unwrap_err();
        assert_eq!((err.offset, err.kind), (2, DecodeErrorKind::TrailingBytes { field: "Alert", count: 1 }));
    }

    #[test]
    fn openssl_handshake_failure_alert_decodes() {
        let bytes: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-alert-handshake-failure.bin");
        let alert = Alert::parse(bytes).unwrap();
        assert_eq!(alert, Alert::fatal(AlertDescription::HANDSHAKE_FAILURE));
        assert_eq!(alert.to_bytes().unwrap(), bytes);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..8)) {
            crate::fuzzing::alert(&bytes);
        }
    }
}
