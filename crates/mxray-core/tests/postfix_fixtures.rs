//! Real Postfix 3.7 handshake messages (captured through the test harness, see
//! `fixtures/README.md`) decode to the expected fields and re-encode byte-identically.

use mxray_core::registry::{CipherSuite, NamedGroup, ProtocolVersion};
use mxray_core::wire::certificate::Certificate;
use mxray_core::wire::codec::Codec;
use mxray_core::wire::server_hello::{ServerHello, ServerHelloDone, ServerKeyShare};
use mxray_core::wire::server_key_exchange::{KeyExchange, ServerKeyExchange};

const TLS12: ProtocolVersion = ProtocolVersion::TLSV1_2;

#[test]
fn tls12_server_hellos() {
    let cases: &[(&[u8], CipherSuite)] = &[
        (
            include_bytes!("fixtures/postfix-3.7-server-hello-tls12-ecdhe.bin"),
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ),
        (
            include_bytes!("fixtures/postfix-3.7-server-hello-tls12-dhe.bin"),
            CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA,
        ),
        (
            include_bytes!("fixtures/postfix-3.7-server-hello-tls12-ecdhe-cbc.bin"),
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        ),
    ];
    for (bytes, suite) in cases {
        let hello = ServerHello::parse(bytes).unwrap();
        assert_eq!(hello.cipher_suite, *suite);
        assert_eq!(hello.legacy_version, TLS12);
        assert_eq!(hello.selected_version(), Ok(TLS12));
        assert!(!hello.is_hello_retry_request());
        assert_eq!(hello.renegotiation_info(), Some(Ok(Vec::new())));
        assert_eq!(hello.extended_master_secret(), Some(Ok(())));
        assert_eq!(hello.to_bytes().unwrap(), *bytes);
    }
    // Encrypt-then-MAC is negotiated only for the CBC suites.
    assert_eq!(ServerHello::parse(cases[0].0).unwrap().encrypt_then_mac(), None);
    assert_eq!(ServerHello::parse(cases[2].0).unwrap().encrypt_then_mac(), Some(Ok(())));
}

#[test]
fn tls13_server_hello() {
    let bytes = include_bytes!("fixtures/postfix-3.7-server-hello-tls13.bin");
    let hello = ServerHello::parse(bytes).unwrap();
    assert_eq!(hello.legacy_version, TLS12);
    assert_eq!(hello.selected_version(), Ok(ProtocolVersion::TLSV1_3));
    assert_eq!(hello.cipher_suite, CipherSuite::TLS_AES_256_GCM_SHA384);
    match hello.key_share() {
        Some(Ok(ServerKeyShare::Share(share))) => {
            assert_eq!(share.group, NamedGroup::X25519);
            assert_eq!(share.key_exchange.len(), 32);
        }
        other => panic!("unexpected key share {other:?}"),
    }
    assert_eq!(hello.to_bytes().unwrap(), bytes);
}

#[test]
fn certificate_and_server_hello_done() {
    let bytes = include_bytes!("fixtures/postfix-3.7-certificate-rsa.bin");
    let cert = Certificate::parse(bytes).unwrap();
    // The leaf alone: the harness's chain file stops below the self-signed root.
    assert_eq!(cert.certificate_list.len(), 1);
    assert_eq!(cert.certificate_list[0][0], 0x30);
    let needle = b"mail.test.example";
    assert!(cert.certificate_list[0].windows(needle.len()).any(|w| w == needle));
    assert_eq!(cert.to_bytes().unwrap(), bytes);

    let done = include_bytes!("fixtures/postfix-3.7-server-hello-done.bin");
    assert!(done.is_empty());
    assert_eq!(ServerHelloDone::parse(done).unwrap().to_bytes().unwrap(), done);
}

#[test]
fn server_key_exchanges() {
    let ecdhe = include_bytes!("fixtures/postfix-3.7-ske-ecdhe-rsa-x25519.bin");
    let ske = ServerKeyExchange::parse(ecdhe, KeyExchange::Ecdhe, TLS12).unwrap();
    let ec = ske.ecdh().unwrap();
    assert_eq!((ec.curve_type(), ec.named_group()), (3, Some(NamedGroup::X25519)));
    assert_eq!(ec.public.len(), 32);
    assert!(ske.signature.as_ref().is_some_and(|s| s.scheme.is_some() && s.signature.len() == 256));
    assert_eq!(ske.to_bytes().unwrap(), ecdhe);

    let dhe = include_bytes!("fixtures/postfix-3.7-ske-dhe1024.bin");
    let ske = ServerKeyExchange::parse(dhe, KeyExchange::Dhe, TLS12).unwrap();
    let dh = ske.dh().unwrap();
    assert_eq!(dh.p_bits(), 1024);
    assert_eq!(dh.g, [2]);
    assert!(!dh.ys.is_empty() && dh.ys.len() <= dh.p.len());
    assert!(ske.signature.as_ref().is_some_and(|s| s.scheme.is_some() && s.signature.len() == 256));
    assert_eq!(ske.to_bytes().unwrap(), dhe);
}
