//! TLS fingerprints of a handshake: JA3 and JA3S (Salesforce, BSD-3-Clause) and the JA4
//! client fingerprint (FoxIO, BSD-3-Clause).
//!
//! JA4S and the rest of JA4+ are under the FoxIO License 1.1, which restricts use and
//! carries patent claims, so they are deliberately not computed here.
//!
//! - JA3: `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats` from the
//!   ClientHello, decimal values joined by `-`, GREASE values (RFC 8701) left out, then the
//!   MD5 of that string in lowercase hex.
//! - JA3S: `SSLVersion,Cipher,Extensions` from the ServerHello, then its MD5.
//! - JA4: `t{version}{d|i}{ciphers:02}{extensions:02}{alpn}_{ciphers hash}_{extensions
//!   hash}`: the version is the highest of supported_versions (else the hello's version),
//!   `d` when an SNI extension is present, counts without GREASE (capped at 99), the ALPN
//!   part is the first and last character of the first ALPN value (`00` without ALPN); the
//!   cipher hash is the first 12 hex digits of SHA-256 over the sorted four-digit hex suites
//!   joined by `,`; the extension hash the same over the sorted extensions without SNI and
//!   ALPN, then `_` and the signature algorithms in their order (the `_` part left out when
//!   there are none); `000000000000` for an empty list.

use std::fmt::Write as _;

use md5::{Digest as _, Md5};
use serde::Serialize;
use sha2::Sha256;

use crate::registry::{ExtensionType, ProtocolVersion, is_grease_u16};
use crate::wire::client_hello::ClientHello;
use crate::wire::server_hello::ServerHello;

/// A fingerprint string and its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ja3 {
    /// The string that is hashed.
    pub string: String,
    /// Its MD5, 32 lowercase hex digits.
    pub hash: String,
}

impl Ja3 {
    fn of(string: String) -> Self {
        let hash = hex(&Md5::digest(string.as_bytes()));
        Self { string, hash }
    }
}

/// The JA3 fingerprint of a ClientHello.
pub fn ja3(hello: &ClientHello) -> Ja3 {
    let ciphers = join_dec(hello.cipher_suites.iter().map(|c| c.0));
    let extensions = join_dec(extension_types(hello.extensions.as_deref()));
    let curves = match hello.supported_groups() {
        Some(Ok(groups)) => join_dec(groups.iter().map(|g| g.0)),
        _ => String::new(),
    };
    let formats = match hello.ec_point_formats() {
        Some(Ok(formats)) => join_dec(formats.iter().map(|&f| u16::from(f))),
        _ => String::new(),
    };
    Ja3::of(format!("{},{ciphers},{extensions},{curves},{formats}", hello.legacy_version.0))
}

/// The JA3S fingerprint of a ServerHello.
pub fn ja3s(hello: &ServerHello) -> Ja3 {
    let extensions = join_dec(extension_types(hello.extensions.as_deref()));
    Ja3::of(format!("{},{},{extensions}", hello.legacy_version.0, hello.cipher_suite.0))
}

/// The JA4 fingerprint of a ClientHello seen over TCP.
pub fn ja4(hello: &ClientHello) -> String {
    let extensions: Vec<u16> = extension_types(hello.extensions.as_deref()).collect();
    let version = match hello.supported_versions() {
        Some(Ok(versions)) => versions.iter().map(|v| v.0).filter(|&v| !is_grease_u16(v)).max(),
        _ => None,
    }
    .unwrap_or(hello.legacy_version.0);
    let version = match ProtocolVersion(version) {
        ProtocolVersion::TLSV1_3 => "13",
        ProtocolVersion::TLSV1_2 => "12",
        ProtocolVersion::TLSV1_1 => "11",
        ProtocolVersion::TLSV1_0 => "10",
        ProtocolVersion::SSLV3 => "s3",
        ProtocolVersion::SSLV2 => "s2",
        _ => "00",
    };
    let sni = if extensions.contains(&ExtensionType::SERVER_NAME.0) { 'd' } else { 'i' };
    let mut ciphers: Vec<u16> =
        hello.cipher_suites.iter().map(|c| c.0).filter(|&c| !is_grease_u16(c)).collect();
    let alpn = match hello.alpn_protocols() {
        Some(Ok(list)) => list.first().map_or_else(|| "00".to_owned(), |first| alpn_chars(first)),
        _ => "00".to_owned(),
    };
    let mut head = String::with_capacity(10);
    let _ = write!(head, "t{version}{sni}{:02}{:02}{alpn}", ciphers.len().min(99), extensions.len().min(99));
    ciphers.sort_unstable();
    let cipher_hash = hash12(&join_hex(ciphers.iter().copied()));
    let mut sorted: Vec<u16> = extensions
        .iter()
        .copied()
        .filter(|&e| {
            e != ExtensionType::SERVER_NAME.0 && e != ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION.0
        })
        .collect();
    sorted.sort_unstable();
    let mut ext_input = join_hex(sorted.iter().copied());
    if let Some(Ok(algorithms)) = hello.signature_algorithms()
        && !algorithms.is_empty()
    {
        ext_input.push('_');
        ext_input.push_str(&join_hex(algorithms.iter().map(|a| a.0)));
    }
    let ext_hash = if sorted.is_empty() { "000000000000".to_owned() } else { hash12(&ext_input) };
    format!("{head}_{cipher_hash}_{ext_hash}")
}

/// The JA4 ALPN characters: first and last of the value when both are alphanumeric ASCII,
/// otherwise the first and last hex digits of the value.
fn alpn_chars(value: &[u8]) -> String {
    let (Some(&first), Some(&last)) = (value.first(), value.last()) else { return "00".to_owned() };
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        format!("{}{}", char::from(first), char::from(last))
    } else {
        let h = hex(value);
        let mut chars = h.chars();
        format!("{}{}", chars.next().unwrap_or('0'), chars.next_back().unwrap_or('0'))
    }
}

/// The extension types of a hello, in order, without GREASE.
fn extension_types(
    extensions: Option<&[crate::wire::codec::RawExtension]>,
) -> impl Iterator<Item = u16> + '_ {
    extensions.unwrap_or_default().iter().map(|e| e.kind.0).filter(|&e| !is_grease_u16(e))
}

fn join_dec(values: impl Iterator<Item = u16>) -> String {
    let mut out = String::new();
    for v in values.filter(|&v| !is_grease_u16(v)) {
        if !out.is_empty() {
            out.push('-');
        }
        let _ = write!(out, "{v}");
    }
    out
}

fn join_hex(values: impl Iterator<Item = u16>) -> String {
    let mut out = String::new();
    for v in values {
        if !out.is_empty() {
            out.push(',');
        }
        let _ = write!(out, "{v:04x}");
    }
    out
}

fn hash12(input: &str) -> String {
    if input.is_empty() {
        return "000000000000".to_owned();
    }
    let mut h = hex(&Sha256::digest(input.as_bytes()));
    h.truncate(12);
    h
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
