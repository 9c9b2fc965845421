//! CertificateStatus: the stapled OCSP response(s) a server sends after its Certificate
//! (RFC 6066 §8 `ocsp`, RFC 6961 `ocsp_multi`), and in TLS 1.3 inside the `status_request`
//! extension of a certificate entry.
//!
//! The OCSP responses are kept as DER bytes; their analysis belongs to `x509`.

use crate::wire::codec::{
    Codec, DecodeError, DecodeErrorKind, EncodeError, PResult, fail, items, parse_all, put_u8, put_vec24, u8,
    vec24, with_len24,
};

/// Largest length of a 24-bit vector.
const MAX_U24: usize = (1 << 24) - 1;

/// Most responses an `ocsp_multi` list may hold before mxray refuses it (each takes at
/// least three bytes, so the size of the message bounds it too).
pub const MAX_OCSP_RESPONSES: usize = 1024;

/// A `CertificateStatusType`: `1` ocsp, `2` ocsp_multi.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CertificateStatusType(pub u8);

impl CertificateStatusType {
    /// `ocsp(1)` (RFC 6066).
    pub const OCSP: Self = Self(1);
    /// `ocsp_multi(2)` (RFC 6961).
    pub const OCSP_MULTI: Self = Self(2);
}

/// A CertificateStatus body (without the handshake header).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateStatus {
    /// One DER `OCSPResponse` for the leaf (`opaque OCSPResponse<1..2^24-1>`).
    Ocsp(Vec<u8>),
    /// One response per certificate of the chain, in chain order; an empty response means
    /// none for that certificate (`OCSPResponse ocsp_response_list<1..2^24-1>`).
    OcspMulti(Vec<Vec<u8>>),
}

impl CertificateStatus {
    /// The status type on the wire.
    pub fn status_type(&self) -> CertificateStatusType {
        match self {
            Self::Ocsp(_) => CertificateStatusType::OCSP,
            Self::OcspMulti(_) => CertificateStatusType::OCSP_MULTI,
        }
    }
}

/// Reads a CertificateStatus body.
pub(crate) fn certificate_status(input: &[u8]) -> PResult<'_, CertificateStatus> {
    let (rest, status_type) = u8("status_type")(input)?;
    match CertificateStatusType(status_type) {
        CertificateStatusType::OCSP => {
            let (rest, response) = vec24("OCSPResponse", 1, MAX_U24)(rest)?;
            Ok((rest, CertificateStatus::Ocsp(response.to_vec())))
        }
        CertificateStatusType::OCSP_MULTI => {
            let (rest, list) = vec24("ocsp_response_list", 1, MAX_U24)(rest)?;
            let responses = items("ocsp_response_list", list, MAX_OCSP_RESPONSES, |i| {
                let (i, r) = vec24("OCSPResponse", 0, MAX_U24)(i)?;
                Ok((i, r.to_vec()))
            })?;
            Ok((rest, CertificateStatus::OcspMulti(responses)))
        }
        _ => {
            fail(input, DecodeErrorKind::UnexpectedValue { field: "status_type", value: status_type.into() })
        }
    }
}

impl Codec for CertificateStatus {
    const NAME: &'static str = "CertificateStatus";

    fn parse(bytes: &[u8]) -> Result<Self, DecodeError> {
        parse_all(Self::NAME, bytes, certificate_status)
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        put_u8(out, self.status_type().0);
        let result = match self {
            Self::Ocsp(response) => put_vec24("OCSPResponse", out, response),
            Self::OcspMulti(responses) => with_len24("ocsp_response_list", out, |o| {
                responses.iter().try_for_each(|r| put_vec24("OCSPResponse", o, r))
            }),
        };
        result.inspect_err(|_| out.truncate(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<CertificateStatus> {
        vec![
            CertificateStatus::Ocsp(vec![0x30, 0x03, 0x0a, 0x01, 0x00]),
            CertificateStatus::OcspMulti(vec![vec![0x30, 0x00], vec![], vec![1; 300]]),
            CertificateStatus::OcspMulti(vec![vec![]]),
        ]
    }

    #[test]
    fn samples_round_trip_and_every_truncation_fails() {
        for status in samples() {
            let bytes = status.to_bytes().unwrap();
            assert_eq!(CertificateStatus::parse(&bytes).unwrap(), status);
            for cut in 0..bytes.len() {
                assert!(CertificateStatus::parse(&bytes[..cut]).is_err(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn malformed_statuses_are_rejected_where_they_break() {
        let table: &[(&[u8], usize, DecodeErrorKind)] = &[
            (&[3, 0, 0, 1, 0], 0, DecodeErrorKind::UnexpectedValue { field: "status_type", value: 3 }),
            (&[1, 0, 0, 0], 1, DecodeErrorKind::TooShort { field: "OCSPResponse", len: 0, min: 1 }),
            (&[2, 0, 0, 0], 1, DecodeErrorKind::TooShort { field: "ocsp_response_list", len: 0, min: 1 }),
            (
                &[2, 0, 0, 2, 0, 0],
                4,
                DecodeErrorKind::Truncated { field: "OCSPResponse", needed: 3, available: 2 },
            ),
            (&[1, 0, 0, 1, 5, 6], 5, DecodeErrorKind::TrailingBytes { field: "CertificateStatus", count: 1 }),
        ];
        for (bytes, offset, kind) in table {
            let err = CertificateStatus::parse(bytes).unwrap_err();
            assert_eq!((err.offset, &err.kind), (*offset, kind), "{bytes:?}");
        }
    }

    #[test]
    fn openssl_stapled_ocsp_response_decodes_and_round_trips() {
        let bytes: &[u8] = include_bytes!("../../tests/fixtures/openssl-3.0-certificate-status-ocsp.bin");
        let status = CertificateStatus::parse(bytes).unwrap();
        assert_eq!(status.status_type(), CertificateStatusType::OCSP);
        match &status {
            // A DER SEQUENCE with a two-byte length filling the response.
            CertificateStatus::Ocsp(der) => {
                assert_eq!(der[..2], [0x30, 0x82]);
                assert_eq!(usize::from(u16::from_be_bytes([der[2], der[3]])) + 4, der.len());
            }
            CertificateStatus::OcspMulti(_) => panic!("expected ocsp"),
        }
        assert_eq!(status.to_bytes().unwrap(), bytes);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            crate::fuzzing::certificate_status(&bytes);
        }
    }
}
