//! The wire layer against real peers: ClientHellos built by mxray-core, sent through
//! mxray-net to `openssl s_server` on 127.0.0.1, and the servers' answers decoded by the
//! core. Each case checks the decoded values against what the server was configured with
//! (the ground truth), not against mxray's own encoder.

use std::sync::OnceLock;

use mxray_core::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use mxray_core::sim::SeededRng;
use mxray_core::wire::certificate::{Certificate, Certificate13};
use mxray_core::wire::client_hello::{ClientHello, ClientHelloBuilder};
use mxray_core::wire::codec::Codec;
use mxray_core::wire::extensions::ClientExtension;
use mxray_core::wire::flight::{FlightEnd, FlightReader, ServerFlight};
use mxray_core::wire::handshake::HandshakeType;
use mxray_core::wire::key_share;
use mxray_core::wire::server_key_exchange::{KeyExchange, KeyExchangeParams, ServerKeyExchange};
use mxray_net::transport::{Connection, Timeouts};
use mxray_tests::{CertSet, OpensslServer, WorkDir};

/// One certificate set for the whole file (generating keys takes most of a second).
fn certs() -> &'static (WorkDir, CertSet) {
    static CERTS: OnceLock<(WorkDir, CertSet)> = OnceLock::new();
    CERTS.get_or_init(|| {
        let dir = WorkDir::new("wire-openssl").expect("work dir");
        let set = CertSet::standard(dir.path())
            .expect("test certificates (is openssl installed? run `cargo xtask setup`)");
        (dir, set)
    })
}

fn server(name: &str, cert: &str, args: &[&str]) -> OpensslServer {
    let issued = certs().1.get(cert).expect("certificate");
    OpensslServer::start(name, issued, args).expect("openssl s_server starts")
}

/// The leaf certificate the server was given, as DER.
fn leaf_der(cert: &str) -> Vec<u8> {
    let issued = certs().1.get(cert).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&issued.cert)
        .output()
        .expect("openssl x509");
    assert!(out.status.success());
    out.stdout
}

/// Every suite mxray knows for `version`, strongest first as the registry lists them.
fn all_suites(version: ProtocolVersion) -> Vec<CipherSuite> {
    mxray_core::registry::cipher_suites()
        .filter_map(|info| match info.code {
            mxray_core::registry::CipherCode::Tls(suite) if info.versions.contains(version) && !info.scsv => {
                Some(suite)
            }
            _ => None,
        })
        .collect()
}

fn tls12_hello(suites: Vec<CipherSuite>, groups: Vec<NamedGroup>) -> ClientHello {
    ClientHelloBuilder::new(ProtocolVersion::TLSV1_2)
        .cipher_suites(suites)
        .extension(ClientExtension::host_name("mail.test.example"))
        .extension(ClientExtension::SupportedGroups(groups))
        .extension(ClientExtension::EcPointFormats(vec![0]))
        .extension(ClientExtension::SignatureAlgorithms(vec![
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
            SignatureScheme::RSA_PKCS1_SHA1,
        ]))
        .extension(ClientExtension::RenegotiationInfo(vec![]))
        .extension(ClientExtension::ExtendedMasterSecret)
        .padding(true)
        .build(&mut SeededRng(1))
        .expect("hello encodes")
}

async fn exchange(server: &OpensslServer, records: &[u8]) -> ServerFlight {
    let mut conn = Connection::connect(server.addr(), Timeouts::default()).await.expect("connect");
    conn.exchange_hello(records).await.expect("a well-formed answer")
}

#[tokio::test]
async fn tls12_ecdhe_flight_matches_the_server_configuration() {
    let s = server("ecdhe", CertSet::RSA, &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]);
    let hello =
        tls12_hello(all_suites(ProtocolVersion::TLSV1_2), vec![NamedGroup::SECP256R1, NamedGroup::X25519]);
    let flight = exchange(&s, &hello.to_records(16_384).unwrap()).await;

    assert_eq!(flight.end, FlightEnd::ServerHelloDone);
    let sh = flight.server_hello.as_ref().unwrap();
    assert_eq!(sh.selected_version().unwrap(), ProtocolVersion::TLSV1_2);
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    assert!(sh.renegotiation_info().is_some(), "OpenSSL supports RFC 5746");
    assert!(sh.extended_master_secret().is_some(), "OpenSSL 3 supports RFC 7627");

    let cert = Certificate::parse(&flight.message(HandshakeType::CERTIFICATE).unwrap().body).unwrap();
    assert_eq!(cert.certificate_list.first(), Some(&leaf_der(CertSet::RSA)));

    let ske = flight.message(HandshakeType::SERVER_KEY_EXCHANGE).unwrap();
    let ske = ServerKeyExchange::parse(&ske.body, KeyExchange::Ecdhe, ProtocolVersion::TLSV1_2).unwrap();
    match ske.params {
        // s_server without -serverpref takes the client's first group it supports.
        KeyExchangeParams::Ecdh(params) => assert_eq!(params.named_group(), Some(NamedGroup::SECP256R1)),
        other => panic!("expected ECDHE parameters, got {other:?}"),
    }
    let scheme = ske.signature.as_ref().and_then(|s| s.scheme).unwrap();
    assert!(
        scheme == SignatureScheme::RSA_PSS_RSAE_SHA256 || scheme == SignatureScheme::RSA_PKCS1_SHA256,
        "{scheme:?}"
    );
}

#[tokio::test]
async fn tls13_server_hello_is_read_up_to_the_encrypted_part() {
    let s = server("tls13", CertSet::ECDSA, &["-tls1_3"]);
    let (share, _secret) = key_share::generate(NamedGroup::X25519, &mut SeededRng(2)).unwrap();
    let hello = ClientHelloBuilder::new(ProtocolVersion::TLSV1_3)
        .cipher_suites([
            CipherSuite::TLS_AES_256_GCM_SHA384,
            CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_AES_128_GCM_SHA256,
        ])
        .extension(ClientExtension::host_name("mail.test.example"))
        .extension(ClientExtension::SupportedGroups(vec![NamedGroup::X25519]))
        .extension(ClientExtension::SignatureAlgorithms(vec![SignatureScheme::ECDSA_SECP256R1_SHA256]))
        .extension(ClientExtension::KeyShare(vec![share]))
        .extension(ClientExtension::PskKeyExchangeModes(vec![1]))
        .build(&mut SeededRng(3))
        .unwrap();
    let flight = exchange(&s, &hello.to_records(16_384).unwrap()).await;

    assert_eq!(flight.end, FlightEnd::Tls13ServerHello);
    assert_eq!(flight.selected_version(), Some(ProtocolVersion::TLSV1_3));
    let sh = flight.server_hello.as_ref().unwrap();
    assert_eq!(sh.legacy_version, ProtocolVersion::TLSV1_2, "TLS 1.3 keeps legacy_version at 1.2");
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_AES_256_GCM_SHA384, "OpenSSL's default TLS 1.3 preference");
    assert_eq!(sh.session_id, hello.session_id, "TLS 1.3 echoes the session id");
}

#[tokio::test]
async fn a_tls10_only_server_answers_a_tls12_hello_with_tls10() {
    let s = server("tls10", CertSet::RSA, &["-tls1", "-cipher", "ALL:@SECLEVEL=0"]);
    let hello = tls12_hello(all_suites(ProtocolVersion::TLSV1_2), vec![NamedGroup::X25519]);
    let flight = exchange(&s, &hello.to_records(16_384).unwrap()).await;
    assert_eq!(flight.end, FlightEnd::ServerHelloDone);
    assert_eq!(flight.selected_version(), Some(ProtocolVersion::TLSV1_0));
    let suite = flight.server_hello.as_ref().unwrap().cipher_suite;
    assert!(
        suite.info().unwrap().versions.contains(ProtocolVersion::TLSV1_0),
        "{suite:?} is valid in TLS 1.0"
    );
}

#[tokio::test]
async fn no_common_suite_is_a_fatal_handshake_failure_alert() {
    let s = server("nocommon", CertSet::RSA, &["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]);
    let hello = tls12_hello(vec![CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256], vec![NamedGroup::X25519]);
    let flight = exchange(&s, &hello.to_records(16_384).unwrap()).await;
    assert_eq!(flight.end, FlightEnd::Alert);
    assert_eq!(flight.alert.unwrap().to_string(), "fatal handshake_failure(40)");
    assert!(flight.server_hello.is_none());
}

#[tokio::test]
async fn dhe_parameters_are_sized_as_configured() {
    let dh = certs().1.dh1024();
    let dh = dh.to_str().unwrap();
    let s = server(
        "dhe",
        CertSet::RSA,
        &["-tls1_2", "-cipher", "DHE-RSA-AES128-SHA:@SECLEVEL=0", "-dhparam", dh],
    );
    let hello = tls12_hello(all_suites(ProtocolVersion::TLSV1_2), vec![NamedGroup::X25519]);
    let flight = exchange(&s, &hello.to_records(16_384).unwrap()).await;
    let sh = flight.server_hello.as_ref().unwrap();
    assert_eq!(sh.cipher_suite, CipherSuite::TLS_DHE_RSA_WITH_AES_128_CBC_SHA);
    let ske = flight.message(HandshakeType::SERVER_KEY_EXCHANGE).unwrap();
    let ske = ServerKeyExchange::parse(&ske.body, KeyExchange::Dhe, ProtocolVersion::TLSV1_2).unwrap();
    match ske.params {
        KeyExchangeParams::Dh(params) => assert_eq!(params.p_bits(), 1024),
        other => panic!("expected DHE parameters, got {other:?}"),
    }
}

#[tokio::test]
async fn a_hello_fragmented_into_tiny_records_is_still_understood() {
    let s = server("fragments", CertSet::RSA, &["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]);
    let hello = tls12_hello(all_suites(ProtocolVersion::TLSV1_2), vec![NamedGroup::X25519]);
    let records = hello.to_records(10).unwrap();
    assert!(records.len() > hello.to_handshake_bytes().unwrap().len() + 5 * 50, "many records");
    let flight = exchange(&s, &records).await;
    assert_eq!(flight.end, FlightEnd::ServerHelloDone);
    assert_eq!(flight.server_hello.unwrap().cipher_suite, CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
}

#[tokio::test]
async fn the_tls13_flight_is_decrypted_through_the_flight_reader() {
    let s =
        server("tls13-decrypt", CertSet::RSA, &["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"]);
    let (share, private) = key_share::generate(NamedGroup::X25519, &mut SeededRng(4)).unwrap();
    let hello = ClientHelloBuilder::new(ProtocolVersion::TLSV1_3)
        .cipher_suites([CipherSuite::TLS_AES_128_GCM_SHA256, CipherSuite::TLS_CHACHA20_POLY1305_SHA256])
        .extension(ClientExtension::host_name("mail.test.example"))
        .extension(ClientExtension::SupportedGroups(vec![NamedGroup::X25519]))
        .extension(ClientExtension::SignatureAlgorithms(vec![
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            SignatureScheme::RSA_PSS_RSAE_SHA384,
        ]))
        .extension(ClientExtension::KeyShare(vec![share]))
        .extension(ClientExtension::PskKeyExchangeModes(vec![1]))
        .build(&mut SeededRng(5))
        .unwrap();
    let reader = FlightReader::new().decrypt_tls13(hello.clone(), private);
    let mut conn = Connection::connect(s.addr(), Timeouts::default()).await.unwrap();
    let flight = conn.exchange(&hello.to_records(16_384).unwrap(), &[], reader).await.unwrap();

    assert_eq!(flight.end, FlightEnd::Tls13ServerHello);
    assert_eq!(flight.server_hello.as_ref().unwrap().cipher_suite, CipherSuite::TLS_CHACHA20_POLY1305_SHA256);
    let details = flight.tls13.as_ref().expect("the flight was decrypted");
    assert!(details.finished_verified, "{details:?}");
    assert!(
        details.certificate_verify_scheme.is_some_and(|s| s.name().is_some_and(|n| n.starts_with("rsa_pss")))
    );
    let cert = Certificate13::parse(&flight.message(HandshakeType::CERTIFICATE).unwrap().body).unwrap();
    assert_eq!(cert.entries.first().map(|e| &e.cert_data), Some(&leaf_der(CertSet::RSA)));
}
