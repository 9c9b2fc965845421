//! The letter grade: the SSL Labs SSL Server Rating Guide as testssl.sh implements it
//! ("2009r", `run_rating`, `set_key_str_score`, `set_ciph_str_score`), with the mail
//! adaptation described in the [module documentation](super).
//!
//! 1. Three category scores (SSL Labs §Methodology): **protocol support** = (best + worst)/2
//!    of the supported versions (SSL 2.0 0, SSL 3.0 80, TLS 1.0 90, TLS 1.1 95, TLS 1.2 and
//!    1.3 100); **key exchange** = the weakest of the certificate key, the DHE moduli, the
//!    ECDHE groups, anonymous (0) and export (40) exchanges, each scored by the RSA table
//!    (<512 20, <1024 40, <2048 80, <4096 90, else 100) or testssl.sh's EC table (<110 20,
//!    <123 40, <163 80, <225 90, else 100); **cipher strength** = (best + worst)/2 of the
//!    accepted suites' key bits (0 → 0, <128 → 20, <256 → 80, else 100). A category with
//!    nothing known scores 100 (no evidence, no penalty).
//! 2. Total = 30 % protocol + 30 % key exchange + 40 % cipher; a zero category makes it 0.
//!    Letter by total: ≥80 A, ≥65 B, ≥50 C, ≥35 D, ≥20 E, else F.
//! 3. The caps of the triggered rules ([`super::rules`]) lower it; the lowest wins. A cap of
//!    `A-` is a warning (no TLS 1.3, no secure renegotiation).
//! 4. An A with no cap at all is A+ (HSTS, which SSL Labs also asks for, does not apply to
//!    mail).
//! 5. A `T` cap (not trusted, expired, self-signed, SHA-1) or else an `M` cap (name mismatch)
//!    replaces the letter; the letter without them is kept beside it, as SSL Labs shows "if
//!    trust issues are ignored". T wins over M: a name on an untrusted certificate proves
//!    nothing.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::registry::{GroupKind, KeyExchange, ProtocolVersion};

use super::{Cap, Input, KeyKind};

/// A letter grade, SSL Labs style.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grade {
    /// `A+`: A with no cap and no warning.
    APlus,
    /// `A`.
    A,
    /// `A-`: A with a warning.
    AMinus,
    /// `B`.
    B,
    /// `C`.
    C,
    /// `D`.
    D,
    /// `E`.
    E,
    /// `F`.
    F,
    /// `T`: the certificate is not trusted (untrusted, self-signed, expired, SHA-1).
    T,
    /// `M`: the certificate is for another name.
    M,
}

impl Grade {
    /// The letter as shown.
    pub const fn label(self) -> &'static str {
        match self {
            Self::APlus => "A+",
            Self::A => "A",
            Self::AMinus => "A-",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
            Self::E => "E",
            Self::F => "F",
            Self::T => "T",
            Self::M => "M",
        }
    }

    /// Order for "lowest wins": T 0, M 1, F 2, … A+ 9.
    pub const fn rank(self) -> u8 {
        match self {
            Self::T => 0,
            Self::M => 1,
            Self::F => 2,
            Self::E => 3,
            Self::D => 4,
            Self::C => 5,
            Self::B => 6,
            Self::AMinus => 7,
            Self::A => 8,
            Self::APlus => 9,
        }
    }

    /// True for the certificate letters T and M.
    pub const fn is_certificate(self) -> bool {
        matches!(self, Self::T | Self::M)
    }

    /// The letter of a total score (step 2).
    pub const fn of_score(total: u8) -> Self {
        match total {
            80.. => Self::A,
            65.. => Self::B,
            50.. => Self::C,
            35.. => Self::D,
            20.. => Self::E,
            _ => Self::F,
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for Grade {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

/// The category scores, 0 to 100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Scores {
    /// Protocol support.
    pub protocol: u8,
    /// Key exchange.
    pub key_exchange: u8,
    /// Cipher strength.
    pub cipher: u8,
    /// 30/30/40 weighted total (0 if any category is 0).
    pub total: u8,
}

/// The protocol score of one version.
fn version_score(version: ProtocolVersion) -> u8 {
    match version {
        ProtocolVersion::SSLV2 => 0,
        ProtocolVersion::SSLV3 => 80,
        ProtocolVersion::TLSV1_0 => 90,
        ProtocolVersion::TLSV1_1 => 95,
        _ => 100,
    }
}

/// The key-exchange score of an RSA/DSA/DH size in bits.
pub(crate) fn rsa_score(bits: u32) -> u8 {
    match bits {
        0..512 => 20,
        512..1024 => 40,
        1024..2048 => 80,
        2048..4096 => 90,
        _ => 100,
    }
}

/// The key-exchange score of an elliptic-curve size in bits (testssl.sh).
pub(crate) fn ec_score(bits: u32) -> u8 {
    match bits {
        0..110 => 20,
        110..123 => 40,
        123..163 => 80,
        163..225 => 90,
        _ => 100,
    }
}

/// The cipher-strength score of a key size in bits.
fn cipher_score(bits: u16) -> u8 {
    match bits {
        0 => 0,
        1..128 => 20,
        128..256 => 80,
        _ => 100,
    }
}

/// The certificate key's score, if known.
pub(crate) fn cert_key_score(input: &Input<'_>) -> Option<u8> {
    let key = input.cert?.key?;
    Some(match key.kind {
        KeyKind::Rsa | KeyKind::Dsa => rsa_score(key.bits),
        KeyKind::Ecdsa | KeyKind::Ed25519 | KeyKind::Ed448 => ec_score(key.bits),
        KeyKind::Other => return None,
    })
}

fn mid(values: impl Iterator<Item = u8>) -> Option<u8> {
    let v: Vec<u8> = values.collect();
    let (lo, hi) = (v.iter().min()?, v.iter().max()?);
    Some(((u16::from(*lo) + u16::from(*hi)) / 2) as u8)
}

impl Scores {
    /// The scores of a scan (step 1 and 2).
    pub fn of(input: &Input<'_>) -> Self {
        let protocol = mid(input.supported.iter().map(|&v| version_score(v))).unwrap_or(100);
        let cipher = mid(input.suites.iter().map(|(_, i)| cipher_score(i.key_bits))).unwrap_or(100);
        let mut kx: Vec<u8> = Vec::new();
        kx.extend(cert_key_score(input));
        kx.extend(input.findings.dhe_bits.iter().map(|&b| rsa_score(u32::try_from(b).unwrap_or(u32::MAX))));
        let groups = &input.findings.groups;
        for g in groups.tls12.iter().chain(&groups.tls13) {
            if let Some(info) = g.info()
                && let Some(bits) = info.bits
            {
                kx.push(match info.kind {
                    GroupKind::EcCurve => ec_score(u32::from(bits)),
                    GroupKind::Ffdhe => rsa_score(u32::from(bits)),
                    GroupKind::HybridPq | GroupKind::Pq => 100,
                });
            }
        }
        for (_, info) in &input.suites {
            if info.is_anonymous() && info.kx != KeyExchange::Null {
                kx.push(0);
            }
            if info.export {
                kx.push(40);
            }
        }
        let key_exchange = kx.into_iter().min().unwrap_or(100);
        let total = if protocol == 0 || key_exchange == 0 || cipher == 0 {
            0
        } else {
            ((30 * u32::from(protocol) + 30 * u32::from(key_exchange) + 40 * u32::from(cipher)) / 100) as u8
        };
        Self { protocol, key_exchange, cipher, total }
    }
}

/// Steps 2 to 5: the letter and the letter ignoring certificate trust.
pub fn letter(scores: &Scores, caps: &[Cap]) -> (Grade, Grade) {
    let mut crypto = Grade::of_score(scores.total);
    let mut capped = false;
    for cap in caps.iter().filter(|c| !c.letter.is_certificate()) {
        capped = true;
        if cap.letter.rank() < crypto.rank() {
            crypto = cap.letter;
        }
    }
    if crypto == Grade::A && !capped {
        crypto = Grade::APlus;
    }
    let shown = if caps.iter().any(|c| c.letter == Grade::T) {
        Grade::T
    } else if caps.iter().any(|c| c.letter == Grade::M) {
        Grade::M
    } else {
        crypto
    };
    (shown, crypto)
}
