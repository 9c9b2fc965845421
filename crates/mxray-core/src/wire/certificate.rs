//! Certificate messages: the TLS 1.2-and-earlier list of DER certificates ([`Certificate`])
//! and the TLS 1.3 form with a request context and per-entry extensions ([`Certificate13`]).
//!
//! DER is not parsed here: the certificates are kept as bytes for `x509`. Both forms
//! round-trip byte for byte, unknown entry extensions included.

use crate::registry::ExtensionType;
use crate::wire::certificate_status::{CertificateStatus, certificate_status};
use crate::wire::codec::{
    Codec, DecodeError, EncodeError, PResult, RawExtension, encode_extension_block, extension_block, items,
    parse_all, put_vec8, put_vec24, vec8, vec24, with_len24,
};

/// Largest length of a 24-bit vector (`2^24 - 1`).
const MAX_U24: usize = (1 << 24) - 1;

/// Most certificates a chain may hold before mxray refuses it. Real chains hold a handful;
/// the cap keeps the vector of vectors small next to the bytes it describes.
pub const MAX_CERTIFICATES: usize = 256;

/// A TLS 1.0–1.2 (and SSL 3.0) Certificate body: `ASN.1Cert certificate_list<0..2^24-1>`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificate {
    /// DER certificates in the order sent, leaf first if the server follows the rules.
    /// Each is `opaque ASN.1Cert<1..2^24-1>`.
    pub certificate_list: Vec<Vec<u8>>,
}

/// One DER certificate (`opaque ASN.1Cert<1..2^24-1>`).
fn asn1_cert(input: &[u8]) -> PResult<'_, Vec<u8>> {
    let (input, der) = vec24("ASN.1Cert", 1, MAX_U24)(input)?;
    Ok((input, der.to_vec()))
}

impl Codec for Certificate {
    const NAME: &'static str = "Certificate";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |input| {
            let (rest, list) = vec24("certificate_list", 0, MAX_U24)(input)?;
            let certificate_list = items("certificate_list", list, MAX_CERTIFICATES, asn1_cert)?;
            Ok((rest, Self { certificate_list }))
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        with_len24("certificate_list", out, |o| {
            self.certificate_list.iter().try_for_each(|der| put_vec24("ASN.1Cert", o, der))
        })
    }
}

/// One entry of a TLS 1.3 Certificate: the certificate and its extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateEntry {
    /// The DER certificate (`opaque cert_data<1..2^24-1>`; a raw public key in RFC 7250 use).
    pub cert_data: Vec<u8>,
    /// The entry's extensions (`status_request` with a stapled OCSP response,
    /// `signed_certificate_timestamp`, …), raw and in wire order.
    pub extensions: Vec<RawExtension>,
}

impl CertificateEntry {
    /// The stapled OCSP response: the `status_request` extension whose body is a
    /// CertificateStatus. A malformed body is an error with offsets from the body's start.
    pub fn status(&self) -> Option<Result<CertificateStatus, DecodeError>> {
        let ext = self.extensions.iter().find(|e| e.kind == ExtensionType::STATUS_REQUEST)?;
        Some(parse_all("CertificateEntry status_request", &ext.data, certificate_status))
    }

    /// The `signed_certificate_timestamp` extension body (a `SignedCertificateTimestampList`).
    pub fn signed_certificate_timestamps(&self) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.kind == ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP)
            .map(|e| e.data.as_slice())
    }
}

/// A TLS 1.3 Certificate body (RFC 8446 §4.4.2).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Certificate13 {
    /// `certificate_request_context<0..2^8-1>`: empty in a server's Certificate.
    pub context: Vec<u8>,
    /// `CertificateEntry certificate_list<0..2^24-1>`.
    pub entries: Vec<CertificateEntry>,
}

/// One `CertificateEntry`.
fn certificate_entry(input: &[u8]) -> PResult<'_, CertificateEntry> {
    let (input, cert_data) = vec24("cert_data", 1, MAX_U24)(input)?;
    let (input, extensions) = extension_block(input)?;
    Ok((input, CertificateEntry { cert_data: cert_data.to_vec(), extensions }))
}

impl Certificate13 {
    /// The certificates without their extensions, in the order sent.
    pub fn certificates(&self) -> impl Iterator<Item = &[u8]> {
        self.entries.iter().map(|e| e.cert_data.as_slice())
    }
}

impl Codec for Certificate13 {
    const NAME: &'static str = "Certificate (TLS 1.3)";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, |input| {
            let (input, context) = vec8("certificate_request_context", 0, 255)(input)?;
            let (rest, list) = vec24("certificate_list", 0, MAX_U24)(input)?;
            let entries = items("certificate_list", list, MAX_CERTIFICATES, certificate_entry)?;
            Ok((rest, Self { context: context.to_vec(), entries }))
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        put_vec8("certificate_request_context", out, &self.context)?;
        with_len24("certificate_list", out, |o| {
            self.entries.iter().try_for_each(|entry| {
                put_vec24("cert_data", o, &entry.cert_data)?;
                encode_extension_block(&entry.extensions, o)
            })
        })
        .inspect_err(|_| out.truncate(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::DecodeErrorKind;

    fn samples12() -> Vec<Certificate> {
        vec![
            Certificate::default(),
            Certificate { certificate_list: vec![vec![0x30, 0x00]] },
            Certificate { certificate_list: vec![vec![1; 700], vec![2], vec![3; 70]] },
        ]
    }

    fn samples13() -> Vec<Certificate13> {
        let ocsp = CertificateStatus::Ocsp(vec![0x30, 0x00]).to_bytes().unwrap();
        vec![
            Certificate13::default(),
            Certificate13 { context: vec![1, 2, 3], entries: vec![] },
            Certificate13 {
                context: vec![],
                entries: vec![
                    CertificateEntry {
                        cert_data: vec![0x30; 400],
                        extensions: vec![
                            RawExtension { kind: ExtensionType::STATUS_REQUEST, data: ocsp },
                            RawExtension { kind: ExtensionType(0xeeee), data: vec![] },
                        ],
                    },
                    CertificateEntry { cert_data: vec![9], extensions: vec![] },
                ],
            },
        ]
    }

    #[test]
    fn samples_round_trip_and_every_truncation_fails() {
        for cert in samples12() {
            let bytes = cert.to_bytes().unwrap();
            assert_eq!(Certificate::parse(&bytes).unwrap(), cert);
            for cut in 0..bytes.len() {
                assert!(Certificate::parse(&bytes[..cut]).is_err(), "cut at {cut}");
            }
        }
        for cert in samples13() {
            let bytes = cert.to_bytes().unwrap();
            assert_eq!(Certificate13::parse(&bytes).unwrap(), cert);
            for cut in 0..bytes.len() {
                assert!(Certificate13::parse(&bytes[..cut]).is_err(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn malformed_lists_are_rejected_where_they_break() {
        let table: &[(&[u8], usize, DecodeErrorKind)] = &[
            // An empty certificate inside the list.
            (&[0, 0, 3, 0, 0, 0], 3, DecodeErrorKind::TooShort { field: "ASN.1Cert", len: 0, min: 1 }),
            // A certificate longer than the list that holds it.
            (
                &[0, 0, 4, 0, 0, 2, 1],
                6,
                DecodeErrorKind::Truncated { field: "ASN.1Cert", needed: 2, available: 1 },
            ),
            // A list longer than the message.
            (
                &[0, 0, 9, 0, 0, 1],
                3,
                DecodeErrorKind::Truncated { field: "certificate_list", needed: 9, available: 3 },
            ),
            (&[0, 0, 0, 7], 3, DecodeErrorKind::TrailingBytes { field: "Certificate", count: 1 }),
        ];
        for (bytes, offset, kind) in table {
            let err = Certificate::parse(bytes).unwrap_err();
            assert_eq!((err.offset, &err.kind), (*offset, kind), "{bytes:?}");
        }
        // TLS 1.3: entry without its extension block.
        let err = Certificate13::parse(&[0, 0, 0, 4, 0, 0, 1, 0x30]).unwrap_err();
        assert_eq!(err.offset, 8);
        assert!(matches!(err.kind, DecodeErrorKind::Truncated { field: "extensions", .. }), "{err}");
    }

    #[test]
    fn the_chain_cap_is_enforced_without_reading_on() {
        let mut list = Vec::new();
        for _ in 0..=MAX_CERTIFICATES {
            list.extend_from_slice(&[0, 0, 1, 0x30]);
        }
        let mut bytes = Vec::new();
        put_vec24("certificate_list", &mut bytes, &list).unwrap();
        let err = Certificate::parse(&bytes).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::TooLong { field: "certificate_list", len: 257, max: 256 });
        assert_eq!(err.offset, 3 + 4 * MAX_CERTIFICATES);
    }

    #[test]
    fn openssl_certificates_decode_and_round_trip() {
        let rsa: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-certificate-rsa-chain.bin");
        let chain = Certificate::parse(rsa).unwrap();
        assert_eq!(chain.certificate_list.len(), 2, "leaf and test CA");
        assert!(chain.certificate_list.iter().all(|der| der.first() == Some(&0x30)));
        assert_eq!(chain.to_bytes().unwrap(), rsa);

        let ec: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-certificate-ecdsa.bin");
        let single = Certificate::parse(ec).unwrap();
        assert_eq!(single.certificate_list.len(), 1);
        assert_eq!(single.to_bytes().unwrap(), ec);

        let ec13: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-certificate13-ecdsa.bin");
        let c = Certificate13::parse(ec13).unwrap();
        assert!(c.context.is_empty());
        assert_eq!(c.certificates().collect::<Vec<_>>(), [single.certificate_list[0].as_slice()]);
        assert_eq!(c.to_bytes().unwrap(), ec13);

        let rsa13: &[u8] =
            include_bytes!("../../tests/fixtures/openssl-3.0-certificate13-rsa-chain-ocsp.bin");
        let c = Certificate13::parse(rsa13).unwrap();
        assert_eq!(c.entries.len(), 2);
        assert_eq!(c.certificates().map(<[u8]>::to_vec).collect::<Vec<_>>(), chain.certificate_list);
        let stapled = c.entries[0].status().unwrap().unwrap();
        let status12: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-certificate-status-ocsp.bin");
        assert_eq!(stapled, CertificateStatus::parse(status12).unwrap(), "same response file stapled");
        assert!(c.entries[1].status().is_none());
        assert_eq!(c.to_bytes().unwrap(), rsa13);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            crate::fuzzing::certificate(&bytes);
            crate::fuzzing::certificate13(&bytes);
        }
    }
}
