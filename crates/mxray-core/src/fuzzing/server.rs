//! Fuzz entry points of the server-side decoders (ServerHello, Certificate, ServerKeyExchange,
//! CertificateStatus, Alert, SSL 2.0 messages).
//!
//! Each parses arbitrary bytes; when the decoder accepts them, re-encoding must give the
//! same bytes back, which these functions assert (the one place in the crate where an
//! assertion on input is right: a failure is a codec bug the fuzzer should report).

use crate::registry::ProtocolVersion;
use crate::wire::alert::Alert;
use crate::wire::certificate::{Certificate, Certificate13};
use crate::wire::certificate_status::CertificateStatus;
use crate::wire::codec::Codec;
use crate::wire::server_hello::{NewSessionTicket, ServerHello, ServerHelloDone};
use crate::wire::server_key_exchange::{KeyExchange, ServerKeyExchange};
use crate::wire::sslv2::Sslv2Message;

/// Parses with `T`; if that succeeds, re-encodes and checks the bytes are the input.
fn round_trip<T: Codec + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = T::parse(data) {
        let encoded = value.to_bytes();
        assert_eq!(encoded.as_deref(), Ok(data), "{} did not round-trip: {value:?}", T::NAME);
    }
}

/// ServerHello (HelloRetryRequest included), also trying every typed extension accessor,
/// then ServerHelloDone and the TLS 1.2 NewSessionTicket on the same bytes.
pub fn server_hello(data: &[u8]) {
    round_trip::<ServerHello>(data);
    if let Ok(h) = ServerHello::parse(data) {
        let _ = (h.key_share(), h.supported_version(), h.selected_version(), h.cookie(), h.alpn());
        let _ = (h.renegotiation_info(), h.ec_point_formats(), h.heartbeat(), h.max_fragment_length());
        let _ = (h.status_request(), h.session_ticket(), h.extended_master_secret(), h.encrypt_then_mac());
        let _ = (h.downgrade_sentinel(), h.duplicate_extension(), h.is_hello_retry_request());
    }
    round_trip::<ServerHelloDone>(data);
    round_trip::<NewSessionTicket>(data);
}

/// TLS 1.2-and-earlier Certificate.
pub fn certificate(data: &[u8]) {
    round_trip::<Certificate>(data);
}

/// TLS 1.3 Certificate, also decoding each entry's stapled status.
pub fn certificate13(data: &[u8]) {
    round_trip::<Certificate13>(data);
    if let Ok(c) = Certificate13::parse(data) {
        for entry in &c.entries {
            let _ = entry.status();
        }
    }
}

/// ServerKeyExchange: the first byte picks the key exchange (low nibble) and the version
/// (bits 4–5: SSL 3.0, TLS 1.0, 1.1, 1.2); the rest is the body.
pub fn server_key_exchange(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let Some(&kx) = KeyExchange::ALL.get(usize::from(selector & 0x0f) % KeyExchange::ALL.len()) else {
        return;
    };
    let version = match (selector >> 4) & 3 {
        0 => ProtocolVersion::SSLV3,
        1 => ProtocolVersion::TLSV1_0,
        2 => ProtocolVersion::TLSV1_1,
        _ => ProtocolVersion::TLSV1_2,
    };
    if let Ok(ske) = ServerKeyExchange::parse(body, kx, version) {
        let encoded = ske.to_bytes();
        assert_eq!(encoded.as_deref(), Ok(body), "ServerKeyExchange ({kx}) did not round-trip: {ske:?}");
        if let Some(dh) = ske.dh() {
            let _ = dh.p_bits();
        }
    }
}

/// CertificateStatus.
pub fn certificate_status(data: &[u8]) {
    round_trip::<CertificateStatus>(data);
}

/// A stapled OCSP response checked against a real leaf and its CA (the fixtures of
/// `x509::ocsp`): never a panic, and never a believed revocation without a valid signature.
pub fn stapled_ocsp(data: &[u8]) {
    const CA: &[u8] = include_bytes!("../../tests/fixtures/ocsp/ca.pem");
    const LEAF: &[u8] = include_bytes!("../../tests/fixtures/ocsp/leaf.pem");
    let (Ok(trust), Ok(chain)) =
        (crate::x509::TrustStore::empty().with_extra(CA), crate::x509::split_chain(LEAF))
    else {
        return;
    };
    let report = crate::x509::analyse_stapled(&chain, Some(data), None, 0, &trust, 0);
    if let Some(ocsp) = &report.ocsp
        && ocsp.status == crate::x509::OcspStatus::Revoked
    {
        assert!(
            report.findings.iter().all(|f| f.id != crate::x509::ids::OCSP_REVOKED)
                || ocsp.signature_valid == Some(true)
        );
    }
}

/// Alert.
pub fn alert(data: &[u8]) {
    round_trip::<Alert>(data);
    if let Ok(a) = Alert::parse(data) {
        let _ = a.to_string();
    }
}

/// SSL 2.0 messages (CLIENT-HELLO, SERVER-HELLO, ERROR, others raw).
pub fn sslv2(data: &[u8]) {
    round_trip::<Sslv2Message>(data);
}

#[cfg(test)]
mod tests {
    /// Every real capture, with every byte replaced by a few values in turn: no entry point
    /// panics, and whatever still decodes re-encodes to the same bytes.
    #[test]
    fn mutated_fixtures_never_panic_and_round_trip() {
        type Entry = fn(&[u8]);
        let cases: &[(&[u8], Entry)] = &[
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-server-hello-tls12-ecdhe.bin"),
                super::server_hello,
            ),
            (include_bytes!("../../tests/fixtures/openssl-3.0-hello-retry-request.bin"), super::server_hello),
            (include_bytes!("../../tests/fixtures/openssl-3.0-server-hello-tls13.bin"), super::server_hello),
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-new-session-ticket-tls12.bin"),
                super::server_hello,
            ),
            (include_bytes!("../../tests/fixtures/openssl-3.0-certificate-ecdsa.bin"), super::certificate),
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-certificate13-rsa-chain-ocsp.bin"),
                super::certificate13,
            ),
            (
                include_bytes!("../../tests/fixtures/openssl-3.0-certificate-status-ocsp.bin"),
                super::certificate_status,
            ),
            (include_bytes!("../../tests/fixtures/openssl-3.0-alert-handshake-failure.bin"), super::alert),
        ];
        let skes: &[&[u8]] = &[
            include_bytes!("../../tests/fixtures/openssl-3.0-ske-dhe1024.bin"),
            include_bytes!("../../tests/fixtures/openssl-3.0-ske-ecdhe-ecdsa-x25519.bin"),
        ];
        let mut all: Vec<(Vec<u8>, Entry)> = cases.iter().map(|&(b, f)| (b.to_vec(), f)).collect();
        for ske in skes {
            // Selector 0x30: Dhe at TLS 1.2; 0x32: Ecdhe at TLS 1.2; 0x01: DheAnon at SSL 3.0.
            for selector in [0x30, 0x32, 0x01, 0x3b] {
                let mut data = vec![selector];
                data.extend_from_slice(ske);
                all.push((data, super::server_key_exchange));
            }
        }
        for (bytes, entry) in all {
            entry(&bytes);
            for at in 0..bytes.len() {
                for value in [0x00, 0x01, 0x80, 0xff] {
                    let mut mutated = bytes.clone();
                    mutated[at] = value;
                    entry(&mutated);
                }
                entry(&bytes[..at]);
            }
        }
    }
}
