//! ServerKeyExchange (SSL 3.0 to TLS 1.2): the server's ephemeral key-exchange parameters
//! and their signature.
//!
//! The body's format depends on the negotiated suite's key exchange and on the version (TLS
//! 1.2 prefixes the signature with its scheme; earlier versions do not), neither of which
//! the message itself says. So this module does not implement [`Codec`](super::codec::Codec):
//! the decoder is [`ServerKeyExchange::parse`]`(body, kx, version)` and the encoder writes
//! the fields the value holds. Decoded values keep the wire bytes (DH `p`, `g`, `Ys`, EC
//! points, signatures) so that re-encoding gives the same bytes back.

use std::fmt;

use crate::registry::{NamedGroup, ProtocolVersion, SignatureScheme};
use crate::wire::codec::{
    DecodeError, DecodeErrorKind, EncodeError, PResult, fail, parse_all, put_u8, put_u16, put_vec8,
    put_vec16, u8, u16, vec8, vec16,
};

/// Largest length of a 16-bit vector.
const MAX_U16: usize = 0xffff;

/// Name of the message in errors.
const NAME: &str = "ServerKeyExchange";

/// The key exchange of the negotiated cipher suite, as far as the ServerKeyExchange cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyExchange {
    /// `DHE_RSA`, `DHE_DSS`: signed finite-field DH parameters.
    Dhe,
    /// `DH_anon`: unsigned DH parameters.
    DheAnon,
    /// `ECDHE_RSA`, `ECDHE_ECDSA`: signed EC parameters and point.
    Ecdhe,
    /// `ECDH_anon`: unsigned EC parameters and point.
    EcdheAnon,
    /// `RSA_EXPORT` with a certificate key longer than 512 bits: a signed temporary RSA key.
    RsaExport,
    /// `PSK`: an identity hint only.
    Psk,
    /// `DHE_PSK`: an identity hint and unsigned DH parameters.
    DhePsk,
    /// `ECDHE_PSK`: an identity hint and unsigned EC parameters.
    EcdhePsk,
    /// `RSA_PSK`: an identity hint only.
    RsaPsk,
    /// `SRP_SHA`: unsigned SRP parameters (RFC 5054).
    Srp,
    /// `SRP_SHA_RSA`, `SRP_SHA_DSS`: signed SRP parameters.
    SrpSigned,
    /// Key exchanges that never send a ServerKeyExchange (`RSA`, static `DH`/`ECDH`,
    /// `KRB5`): decoding one is an error.
    NoServerKeyExchange,
}

impl KeyExchange {
    /// Every value, for tests and fuzzing.
    pub const ALL: [Self; 12] = [
        Self::Dhe,
        Self::DheAnon,
        Self::Ecdhe,
        Self::EcdheAnon,
        Self::RsaExport,
        Self::Psk,
        Self::DhePsk,
        Self::EcdhePsk,
        Self::RsaPsk,
        Self::Srp,
        Self::SrpSigned,
        Self::NoServerKeyExchange,
    ];

    /// True if the parameters are followed by a signature.
    pub const fn is_signed(self) -> bool {
        matches!(self, Self::Dhe | Self::Ecdhe | Self::RsaExport | Self::SrpSigned)
    }

    /// True if the message starts with a PSK identity hint.
    pub const fn has_psk_hint(self) -> bool {
        matches!(self, Self::Psk | Self::DhePsk | Self::EcdhePsk | Self::RsaPsk)
    }
}

/// Finite-field Diffie-Hellman parameters (`ServerDHParams`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DheParams {
    /// The prime modulus, big-endian as sent (leading zeros kept).
    pub p: Vec<u8>,
    /// The generator.
    pub g: Vec<u8>,
    /// The server's public value.
    pub ys: Vec<u8>,
}

/// Bit length of a big-endian unsigned integer, ignoring leading zero bytes and bits.
pub fn bit_length(be: &[u8]) -> usize {
    let Some(first) = be.iter().position(|&b| b != 0) else {
        return 0;
    };
    let top = be.get(first).copied().unwrap_or(0);
    (be.len() - first - 1) * 8 + (8 - top.leading_zeros() as usize)
}

impl DheParams {
    /// Size of the group: the bit length of `p`.
    pub fn p_bits(&self) -> usize {
        bit_length(&self.p)
    }
}

/// An explicit prime-field curve (`ECParameters` with `explicit_prime`, RFC 4492).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplicitPrimeCurve {
    /// The field prime.
    pub prime_p: Vec<u8>,
    /// Curve coefficient `a`.
    pub a: Vec<u8>,
    /// Curve coefficient `b`.
    pub b: Vec<u8>,
    /// The base point, encoded.
    pub base: Vec<u8>,
    /// The order of the base point.
    pub order: Vec<u8>,
    /// The cofactor.
    pub cofactor: Vec<u8>,
}

/// The reduction polynomial of an explicit characteristic-2 curve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Char2Basis {
    /// `ec_basis_trinomial(1)` with its exponent `k`.
    Trinomial(Vec<u8>),
    /// `ec_basis_pentanomial(2)` with `k1`, `k2`, `k3`.
    Pentanomial([Vec<u8>; 3]),
}

/// An explicit characteristic-2 curve (`ECParameters` with `explicit_char2`, RFC 4492).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplicitChar2Curve {
    /// The field degree `m`.
    pub m: u16,
    /// The basis.
    pub basis: Char2Basis,
    /// Curve coefficient `a`.
    pub a: Vec<u8>,
    /// Curve coefficient `b`.
    pub b: Vec<u8>,
    /// The base point, encoded.
    pub base: Vec<u8>,
    /// The order of the base point.
    pub order: Vec<u8>,
    /// The cofactor.
    pub cofactor: Vec<u8>,
}

/// The curve of ECDHE parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EcCurve {
    /// `named_curve(3)`: a group from the registry.
    Named(NamedGroup),
    /// `explicit_prime(1)` (deprecated by RFC 8422).
    ExplicitPrime(ExplicitPrimeCurve),
    /// `explicit_char2(2)` (deprecated by RFC 8422).
    ExplicitChar2(ExplicitChar2Curve),
}

/// Elliptic-curve Diffie-Hellman parameters (`ServerECDHParams`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EcdheParams {
    /// The curve.
    pub curve: EcCurve,
    /// The server's public point (`opaque point<1..2^8-1>`).
    pub public: Vec<u8>,
}

impl EcdheParams {
    /// `ECCurveType` on the wire: 1 explicit prime, 2 explicit char2, 3 named curve.
    pub fn curve_type(&self) -> u8 {
        match self.curve {
            EcCurve::ExplicitPrime(_) => 1,
            EcCurve::ExplicitChar2(_) => 2,
            EcCurve::Named(_) => 3,
        }
    }

    /// The named group, for `named_curve` parameters.
    pub fn named_group(&self) -> Option<NamedGroup> {
        match self.curve {
            EcCurve::Named(g) => Some(g),
            _ => None,
        }
    }
}

/// A temporary RSA key of an export suite (`ServerRSAParams`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaExportParams {
    /// The modulus.
    pub modulus: Vec<u8>,
    /// The public exponent.
    pub exponent: Vec<u8>,
}

impl RsaExportParams {
    /// Bit length of the modulus (512 for an export key).
    pub fn modulus_bits(&self) -> usize {
        bit_length(&self.modulus)
    }
}

/// SRP parameters (`ServerSRPParams`, RFC 5054).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrpParams {
    /// The group prime `N`.
    pub n: Vec<u8>,
    /// The generator.
    pub g: Vec<u8>,
    /// The salt (`opaque s<0..2^8-1>`).
    pub s: Vec<u8>,
    /// The server's public value `B`.
    pub b: Vec<u8>,
}

/// The key-exchange parameters of a ServerKeyExchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyExchangeParams {
    /// None beyond the PSK identity hint (`PSK`, `RSA_PSK`).
    None,
    /// Finite-field DH.
    Dh(DheParams),
    /// Elliptic-curve DH.
    Ecdh(EcdheParams),
    /// A temporary RSA key.
    RsaExport(RsaExportParams),
    /// SRP.
    Srp(SrpParams),
}

/// The signature over the parameters (`digitally-signed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerSignature {
    /// The scheme (`SignatureAndHashAlgorithm`), TLS 1.2 only; `None` before TLS 1.2 where
    /// it follows from the certificate's key (MD5+SHA-1 for RSA, SHA-1 for DSA and ECDSA).
    pub scheme: Option<SignatureScheme>,
    /// The signature bytes (`opaque signature<0..2^16-1>`).
    pub signature: Vec<u8>,
}

/// A decoded ServerKeyExchange body (without the handshake header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerKeyExchange {
    /// The PSK identity hint, for PSK key exchanges.
    pub psk_identity_hint: Option<Vec<u8>>,
    /// The parameters.
    pub params: KeyExchangeParams,
    /// The signature; `None` for anonymous and PSK key exchanges.
    pub signature: Option<ServerSignature>,
}

impl fmt::Display for KeyExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A `vec16` with a minimum length of one, copied.
fn big16<'a>(field: &'static str) -> impl FnMut(&'a [u8]) -> PResult<'a, Vec<u8>> {
    move |i| {
        let (i, v) = vec16(field, 1, MAX_U16)(i)?;
        Ok((i, v.to_vec()))
    }
}

/// A `vec8` with a minimum length of `min`, copied.
fn small8<'a>(field: &'static str, min: usize) -> impl FnMut(&'a [u8]) -> PResult<'a, Vec<u8>> {
    move |i| {
        let (i, v) = vec8(field, min, 255)(i)?;
        Ok((i, v.to_vec()))
    }
}

fn dh_params(i: &[u8]) -> PResult<'_, DheParams> {
    let (i, p) = big16("dh_p")(i)?;
    let (i, g) = big16("dh_g")(i)?;
    let (i, ys) = big16("dh_Ys")(i)?;
    Ok((i, DheParams { p, g, ys }))
}

fn ec_params(input: &[u8]) -> PResult<'_, EcdheParams> {
    let (i, curve_type) = u8("curve_type")(input)?;
    let (i, curve) = match curve_type {
        3 => {
            let (i, g) = u16("namedcurve")(i)?;
            (i, EcCurve::Named(NamedGroup(g)))
        }
        1 => {
            let (i, prime_p) = small8("prime_p", 1)(i)?;
            let (i, a) = small8("a", 1)(i)?;
            let (i, b) = small8("b", 1)(i)?;
            let (i, base) = small8("base", 1)(i)?;
            let (i, order) = small8("order", 1)(i)?;
            let (i, cofactor) = small8("cofactor", 1)(i)?;
            (i, EcCurve::ExplicitPrime(ExplicitPrimeCurve { prime_p, a, b, base, order, cofactor }))
        }
        2 => {
            let (i, m) = u16("m")(i)?;
            let (j, basis_type) = u8("basis")(i)?;
            let (i, basis) = match basis_type {
                1 => {
                    let (j, k) = small8("k", 1)(j)?;
                    (j, Char2Basis::Trinomial(k))
                }
                2 => {
                    let (j, k1) = small8("k1", 1)(j)?;
                    let (j, k2) = small8("k2", 1)(j)?;
                    let (j, k3) = small8("k3", 1)(j)?;
                    (j, Char2Basis::Pentanomial([k1, k2, k3]))
                }
                other => {
                    return fail(i, DecodeErrorKind::UnexpectedValue { field: "basis", value: other.into() });
                }
            };
            let (i, a) = small8("a", 1)(i)?;
            let (i, b) = small8("b", 1)(i)?;
            let (i, base) = small8("base", 1)(i)?;
            let (i, order) = small8("order", 1)(i)?;
            let (i, cofactor) = small8("cofactor", 1)(i)?;
            (i, EcCurve::ExplicitChar2(ExplicitChar2Curve { m, basis, a, b, base, order, cofactor }))
        }
        other => {
            return fail(
                input,
                DecodeErrorKind::UnexpectedValue { field: "curve_type", value: other.into() },
            );
        }
    };
    let (i, public) = small8("point", 1)(i)?;
    Ok((i, EcdheParams { curve, public }))
}

fn rsa_params(i: &[u8]) -> PResult<'_, RsaExportParams> {
    let (i, modulus) = big16("rsa_modulus")(i)?;
    let (i, exponent) = big16("rsa_exponent")(i)?;
    Ok((i, RsaExportParams { modulus, exponent }))
}

fn srp_params(i: &[u8]) -> PResult<'_, SrpParams> {
    let (i, n) = big16("srp_N")(i)?;
    let (i, g) = big16("srp_g")(i)?;
    let (i, s) = small8("srp_s", 0)(i)?;
    let (i, b) = big16("srp_B")(i)?;
    Ok((i, SrpParams { n, g, s, b }))
}

/// True for versions whose signatures carry a `SignatureAndHashAlgorithm` (TLS 1.2 on).
fn has_scheme(version: ProtocolVersion) -> bool {
    version.0 >= ProtocolVersion::TLSV1_2.0
}

fn server_key_exchange(
    input: &[u8],
    kx: KeyExchange,
    version: ProtocolVersion,
) -> PResult<'_, ServerKeyExchange> {
    if kx == KeyExchange::NoServerKeyExchange {
        return fail(
            input,
            DecodeErrorKind::Invalid {
                field: "key exchange",
                reason: "this key exchange sends no ServerKeyExchange",
            },
        );
    }
    let (i, psk_identity_hint) = if kx.has_psk_hint() {
        let (i, hint) = vec16("psk_identity_hint", 0, MAX_U16)(input)?;
        (i, Some(hint.to_vec()))
    } else {
        (input, None)
    };
    let (i, params) = match kx {
        KeyExchange::Dhe | KeyExchange::DheAnon | KeyExchange::DhePsk => {
            let (i, p) = dh_params(i)?;
            (i, KeyExchangeParams::Dh(p))
        }
        KeyExchange::Ecdhe | KeyExchange::EcdheAnon | KeyExchange::EcdhePsk => {
            let (i, p) = ec_params(i)?;
            (i, KeyExchangeParams::Ecdh(p))
        }
        KeyExchange::RsaExport => {
            let (i, p) = rsa_params(i)?;
            (i, KeyExchangeParams::RsaExport(p))
        }
        KeyExchange::Srp | KeyExchange::SrpSigned => {
            let (i, p) = srp_params(i)?;
            (i, KeyExchangeParams::Srp(p))
        }
        KeyExchange::Psk | KeyExchange::RsaPsk | KeyExchange::NoServerKeyExchange => {
            (i, KeyExchangeParams::None)
        }
    };
    let (i, signature) = if kx.is_signed() {
        let (i, scheme) = if has_scheme(version) {
            let (i, s) = u16("signature_algorithm")(i)?;
            (i, Some(SignatureScheme(s)))
        } else {
            (i, None)
        };
        let (i, sig) = vec16("signature", 0, MAX_U16)(i)?;
        (i, Some(ServerSignature { scheme, signature: sig.to_vec() }))
    } else {
        (i, None)
    };
    Ok((i, ServerKeyExchange { psk_identity_hint, params, signature }))
}

impl ServerKeyExchange {
    /// Decodes a ServerKeyExchange body for key exchange `kx` negotiated at `version`.
    pub fn parse(body: &[u8], kx: KeyExchange, version: ProtocolVersion) -> Result<Self, DecodeError> {
        parse_all(NAME, body, |i| server_key_exchange(i, kx, version))
    }

    /// Appends the encoding of the fields this value holds (hint if any, parameters,
    /// signature with its scheme if any).
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        self.encode_inner(out).inspect_err(|_| out.truncate(start))
    }

    /// The encoding as a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }

    fn encode_inner(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        if let Some(hint) = &self.psk_identity_hint {
            put_vec16("psk_identity_hint", out, hint)?;
        }
        match &self.params {
            KeyExchangeParams::None => {}
            KeyExchangeParams::Dh(p) => {
                put_vec16("dh_p", out, &p.p)?;
                put_vec16("dh_g", out, &p.g)?;
                put_vec16("dh_Ys", out, &p.ys)?;
            }
            KeyExchangeParams::Ecdh(p) => {
                put_u8(out, p.curve_type());
                match &p.curve {
                    EcCurve::Named(g) => put_u16(out, g.0),
                    EcCurve::ExplicitPrime(c) => {
                        for (field, v) in [
                            ("prime_p", &c.prime_p),
                            ("a", &c.a),
                            ("b", &c.b),
                            ("base", &c.base),
                            ("order", &c.order),
                            ("cofactor", &c.cofactor),
                        ] {
                            put_vec8(field, out, v)?;
                        }
                    }
                    EcCurve::ExplicitChar2(c) => {
                        put_u16(out, c.m);
                        match &c.basis {
                            Char2Basis::Trinomial(k) => {
                                put_u8(out, 1);
                                put_vec8("k", out, k)?;
                            }
                            Char2Basis::Pentanomial(ks) => {
                                put_u8(out, 2);
                                for k in ks {
                                    put_vec8("k", out, k)?;
                                }
                            }
                        }
                        for (field, v) in [
                            ("a", &c.a),
                            ("b", &c.b),
                            ("base", &c.base),
                            ("order", &c.order),
                            ("cofactor", &c.cofactor),
                        ] {
                            put_vec8(field, out, v)?;
                        }
                    }
                }
                put_vec8("point", out, &p.public)?;
            }
            KeyExchangeParams::RsaExport(p) => {
                put_vec16("rsa_modulus", out, &p.modulus)?;
                put_vec16("rsa_exponent", out, &p.exponent)?;
            }
            KeyExchangeParams::Srp(p) => {
                put_vec16("srp_N", out, &p.n)?;
                put_vec16("srp_g", out, &p.g)?;
                put_vec8("srp_s", out, &p.s)?;
                put_vec16("srp_B", out, &p.b)?;
            }
        }
        if let Some(sig) = &self.signature {
            if let Some(scheme) = sig.scheme {
                put_u16(out, scheme.0);
            }
            put_vec16("signature", out, &sig.signature)?;
        }
        Ok(())
    }

    /// The DH parameters, for DHE suites.
    pub fn dh(&self) -> Option<&DheParams> {
        match &self.params {
            KeyExchangeParams::Dh(p) => Some(p),
            _ => None,
        }
    }

    /// The EC parameters, for ECDHE suites.
    pub fn ecdh(&self) -> Option<&EcdheParams> {
        match &self.params {
            KeyExchangeParams::Ecdh(p) => Some(p),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;
    const TLS10: ProtocolVersion = ProtocolVersion::TLSV1_0;

    fn dh() -> DheParams {
        DheParams { p: vec![0, 0xff, 0xfb], g: vec![2], ys: vec![0x12, 0x34] }
    }

    fn ec() -> EcdheParams {
        EcdheParams { curve: EcCurve::Named(NamedGroup::SECP256R1), public: vec![4; 65] }
    }

    fn sig(scheme: Option<SignatureScheme>) -> Option<ServerSignature> {
        Some(ServerSignature { scheme, signature: vec![0x5a; 70] })
    }

    /// (key exchange, version, value) samples covering every shape.
    fn samples() -> Vec<(KeyExchange, ProtocolVersion, ServerKeyExchange)> {
        let plain = |params, signature| ServerKeyExchange { psk_identity_hint: None, params, signature };
        let hint =
            |params| ServerKeyExchange { psk_identity_hint: Some(b"hint".to_vec()), params, signature: None };
        let rsa_sha256 = Some(SignatureScheme::RSA_PKCS1_SHA256);
        vec![
            (KeyExchange::Dhe, TLS12, plain(KeyExchangeParams::Dh(dh()), sig(rsa_sha256))),
            (KeyExchange::Dhe, TLS10, plain(KeyExchangeParams::Dh(dh()), sig(None))),
            (KeyExchange::DheAnon, TLS12, plain(KeyExchangeParams::Dh(dh()), None)),
            (KeyExchange::Ecdhe, TLS12, plain(KeyExchangeParams::Ecdh(ec()), sig(rsa_sha256))),
            (KeyExchange::Ecdhe, ProtocolVersion::SSLV3, plain(KeyExchangeParams::Ecdh(ec()), sig(None))),
            (KeyExchange::EcdheAnon, TLS12, plain(KeyExchangeParams::Ecdh(ec()), None)),
            (
                KeyExchange::Ecdhe,
                TLS12,
                plain(
                    KeyExchangeParams::Ecdh(EcdheParams {
                        curve: EcCurve::ExplicitPrime(ExplicitPrimeCurve {
                            prime_p: vec![0xff; 32],
                            a: vec![1],
                            b: vec![2],
                            base: vec![4, 1, 2],
                            order: vec![0xfe; 32],
                            cofactor: vec![1],
                        }),
                        public: vec![4, 9, 9],
                    }),
                    sig(Some(SignatureScheme::ECDSA_SECP256R1_SHA256)),
                ),
            ),
            (
                KeyExchange::EcdheAnon,
                TLS12,
                plain(
                    KeyExchangeParams::Ecdh(EcdheParams {
                        curve: EcCurve::ExplicitChar2(ExplicitChar2Curve {
                            m: 163,
                            basis: Char2Basis::Pentanomial([vec![7], vec![6], vec![3]]),
                            a: vec![1],
                            b: vec![1],
                            base: vec![4, 1, 2],
                            order: vec![3; 21],
                            cofactor: vec![2],
                        }),
                        public: vec![4, 1, 1],
                    }),
                    None,
                ),
            ),
            (
                KeyExchange::EcdheAnon,
                TLS12,
                plain(
                    KeyExchangeParams::Ecdh(EcdheParams {
                        curve: EcCurve::ExplicitChar2(ExplicitChar2Curve {
                            m: 233,
                            basis: Char2Basis::Trinomial(vec![74]),
                            a: vec![0],
                            b: vec![1],
                            base: vec![4, 1, 2],
                            order: vec![3; 29],
                            cofactor: vec![4],
                        }),
                        public: vec![4, 1, 1],
                    }),
                    None,
                ),
            ),
            (
                KeyExchange::RsaExport,
                TLS10,
                plain(
                    KeyExchangeParams::RsaExport(RsaExportParams {
                        modulus: vec![0xc3; 64],
                        exponent: vec![1, 0, 1],
                    }),
                    sig(None),
                ),
            ),
            (KeyExchange::Psk, TLS12, hint(KeyExchangeParams::None)),
            (KeyExchange::RsaPsk, TLS12, hint(KeyExchangeParams::None)),
            (KeyExchange::DhePsk, TLS12, hint(KeyExchangeParams::Dh(dh()))),
            (KeyExchange::EcdhePsk, TLS12, hint(KeyExchangeParams::Ecdh(ec()))),
            (
                KeyExchange::Srp,
                TLS12,
                plain(
                    KeyExchangeParams::Srp(SrpParams {
                        n: vec![0xaa; 128],
                        g: vec![2],
                        s: vec![],
                        b: vec![7; 128],
                    }),
                    None,
                ),
            ),
            (
                KeyExchange::SrpSigned,
                TLS12,
                plain(
                    KeyExchangeParams::Srp(SrpParams {
                        n: vec![0xaa; 128],
                        g: vec![5],
                        s: vec![1; 16],
                        b: vec![7; 128],
                    }),
                    sig(Some(SignatureScheme::RSA_PKCS1_SHA1)),
                ),
            ),
        ]
    }

    #[test]
    fn samples_round_trip_and_every_truncation_fails() {
        for (kx, version, ske) in samples() {
            let bytes = ske.to_bytes().unwrap();
            assert_eq!(ServerKeyExchange::parse(&bytes, kx, version).unwrap(), ske, "{kx}");
            for cut in 0..bytes.len() {
                assert!(ServerKeyExchange::parse(&bytes[..cut], kx, version).is_err(), "{kx} cut at {cut}");
            }
        }
    }

    #[test]
    fn bit_lengths_ignore_leading_zeros() {
        let table: &[(&[u8], usize)] =
            &[(&[], 0), (&[0, 0], 0), (&[1], 1), (&[0, 0x80], 8), (&[0x01, 0x00], 9), (&[0, 0xff, 0xfb], 16)];
        for &(bytes, bits) in table {
            assert_eq!(bit_length(bytes), bits, "{bytes:?}");
        }
        assert_eq!(dh().p_bits(), 16);
    }

    #[test]
    fn malformed_bodies_name_the_field_and_offset() {
        let err = ServerKeyExchange::parse(&[], KeyExchange::NoServerKeyExchange, TLS12).unwrap_err();
        assert_eq!(err.offset, 0);
        assert!(matches!(err.kind, DecodeErrorKind::Invalid { field: "key exchange", .. }));

        let err = ServerKeyExchange::parse(&[4, 0, 23, 1, 4], KeyExchange::Ecdhe, TLS12).unwrap_err();
        assert_eq!(
            (err.offset, err.kind),
            (0, DecodeErrorKind::UnexpectedValue { field: "curve_type", value: 4 })
        );

        // dh_p empty.
        let err = ServerKeyExchange::parse(&[0, 0], KeyExchange::DheAnon, TLS12).unwrap_err();
        assert_eq!((err.offset, err.kind), (0, DecodeErrorKind::TooShort { field: "dh_p", len: 0, min: 1 }));

        // Anonymous parameters followed by a signature: trailing bytes where it starts.
        let mut bytes = samples()[2].2.to_bytes().unwrap();
        let params_len = bytes.len();
        bytes.extend_from_slice(&[4, 1, 0, 0]);
        let err = ServerKeyExchange::parse(&bytes, KeyExchange::DheAnon, TLS12).unwrap_err();
        assert_eq!(err.offset, params_len);
        assert_eq!(err.kind, DecodeErrorKind::TrailingBytes { field: NAME, count: 4 });
    }

    #[test]
    fn openssl_fixtures_decode_and_round_trip() {
        // (body, key exchange, p bits, named group, signature scheme)
        type Case = (&'static [u8], KeyExchange, usize, Option<NamedGroup>, SignatureScheme);
        let cases: &[Case] = &[
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-ske-dhe2048.bin"),
                KeyExchange::Dhe,
                2048,
                None,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ),
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-ske-dhe1024.bin"),
                KeyExchange::Dhe,
                1024,
                None,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ),
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-ske-ecdhe-rsa-x25519.bin"),
                KeyExchange::Ecdhe,
                0,
                Some(NamedGroup::X25519),
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ),
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-ske-ecdhe-ecdsa-x25519.bin"),
                KeyExchange::Ecdhe,
                0,
                Some(NamedGroup::X25519),
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ),
        ];
        for &(bytes, kx, p_bits, group, scheme) in cases {
            let ske = ServerKeyExchange::parse(bytes, kx, TLS12).unwrap();
            if let Some(dh) = ske.dh() {
                assert_eq!(dh.p_bits(), p_bits);
                assert_eq!(dh.g, [2]);
                assert!(!dh.ys.is_empty() && dh.ys.len() <= dh.p.len());
            } else {
                let ec = ske.ecdh().unwrap();
                assert_eq!((ec.curve_type(), ec.named_group()), (3, group));
                assert_eq!(ec.public.len(), 32);
            }
            let sig = ske.signature.as_ref().unwrap();
            assert_eq!(sig.scheme, Some(scheme));
            assert!(!sig.signature.is_empty());
            assert_eq!(ske.to_bytes().unwrap(), bytes);
        }
        // The DHE-2048 group is RFC 7919 ffdhe2048 (configured with group:ffdhe2048).
        let dhe = ServerKeyExchange::parse(cases[0].0, KeyExchange::Dhe, TLS12).unwrap();
        let p = &dhe.dh().unwrap().p;
        assert_eq!(p[..8], [0xff; 8]);
        assert_eq!(p[8..16], [0xad, 0xf8, 0x54, 0x58, 0xa2, 0xbb, 0x4a, 0x9a]);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            crate::fuzzing::server_key_exchange(&bytes);
            for kx in KeyExchange::ALL {
                let _ = ServerKeyExchange::parse(&bytes, kx, TLS12);
            }
        }
    }
}
