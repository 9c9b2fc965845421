//! Known-answer tests from RFC 8448 §3 ("Simple 1-RTT Handshake"), round trips through
//! every suite with simulated flights, and hostile-input tests (tampering, truncation,
//! order, caps).

use proptest::prelude::*;

use super::key_schedule::traffic_key_iv;
use super::*;
use crate::registry::{AlertDescription, SignatureScheme};
use crate::wire::certificate::{Certificate13, CertificateEntry};
use crate::wire::client_hello::ClientHello;
use crate::wire::handshake::encode_handshake;
use crate::wire::key_share::{KeySharePrivate, generate, tests::TestRng};
use crate::wire::record::{MAX_TLS13_CIPHERTEXT_LEN, Record};
use crate::wire::server_hello::ServerHello;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

// RFC 8448 §3, "Simple 1-RTT Handshake": handshake messages with their headers.
const CLIENT_HELLO: &str = "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001";
const SERVER_HELLO: &str = "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
const ENCRYPTED_EXTENSIONS: &str =
    "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";
const CERTIFICATE: &str = "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000";
const CERTIFICATE_VERIFY: &str = "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3";
const FINISHED: &str = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
/// The server's protected record (EncryptedExtensions … Finished), header included.
const SERVER_RECORD: &str = "17030302a2d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b";
const CLIENT_PRIVATE: &str = "49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005";
const SHARED_SECRET: &str = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";

fn rfc_transcript() -> Vec<u8> {
    [hex(CLIENT_HELLO), hex(SERVER_HELLO)].concat()
}

fn rfc_record() -> Record {
    Record::parse(&hex(SERVER_RECORD)).unwrap()
}

fn rfc_flight() -> EncryptedFlight {
    EncryptedFlight::new(CipherSuite::TLS_AES_128_GCM_SHA256, &hex(SHARED_SECRET), &rfc_transcript()).unwrap()
}

#[test]
fn rfc8448_key_schedule_known_answers() {
    let secrets =
        HandshakeSecrets::derive(CipherSuite::TLS_AES_128_GCM_SHA256, &hex(SHARED_SECRET), &rfc_transcript())
            .unwrap();
    assert_eq!(
        secrets.handshake_secret(),
        hex("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac")
    );
    assert_eq!(
        secrets.client_handshake_traffic_secret(),
        hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21")
    );
    assert_eq!(
        secrets.server_handshake_traffic_secret(),
        hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38")
    );
    let suite = secrets.suite();
    assert_eq!(suite.aead, AeadAlgorithm::Aes128Gcm);
    let (key, iv) = traffic_key_iv(suite, secrets.server_handshake_traffic_secret()).unwrap();
    assert_eq!(key, hex("3fce516009c21727d0f2e4e86ee403bc"));
    assert_eq!(iv.to_vec(), hex("5d313eb2671276ee13000b30"));
    let (key, iv) = traffic_key_iv(suite, secrets.client_handshake_traffic_secret()).unwrap();
    assert_eq!(key, hex("dbfaa693d1762c5b666af5d950258d01"));
    assert_eq!(iv.to_vec(), hex("5bd3c71b836e0b76bb73265f"));

    let through_cv =
        [rfc_transcript(), hex(ENCRYPTED_EXTENSIONS), hex(CERTIFICATE), hex(CERTIFICATE_VERIFY)].concat();
    let verify_data = suite
        .hash
        .finished_verify_data(secrets.server_handshake_traffic_secret(), &suite.hash.digest(&through_cv))
        .unwrap();
    assert_eq!(verify_data, hex(FINISHED)[4..]);
    assert!(!format!("{secrets:?}").contains("1dc8"), "Debug shows no secret");

    // The transcript helper frames the two bodies exactly as the trace does.
    assert_eq!(transcript(&hex(CLIENT_HELLO)[4..], &hex(SERVER_HELLO)[4..]).unwrap(), rfc_transcript());
    // The X25519 private key of the trace gives its shared secret.
    let private = KeySharePrivate::x25519_from_bytes(hex(CLIENT_PRIVATE).try_into().unwrap());
    let server_share = hex("c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
    assert_eq!(private.shared_secret(&server_share).unwrap(), hex(SHARED_SECRET));
}

#[test]
fn rfc8448_server_record_opens_to_the_four_messages() {
    let mut decryptor =
        Tls13Decryptor::new(CipherSuite::TLS_AES_128_GCM_SHA256, &hex(SHARED_SECRET), &rfc_transcript())
            .unwrap();
    assert_eq!(decryptor.sequence(), 0);
    let (typ, content) = decryptor.open_record(&rfc_record()).unwrap();
    assert_eq!(typ, ContentType::HANDSHAKE);
    let expected =
        [hex(ENCRYPTED_EXTENSIONS), hex(CERTIFICATE), hex(CERTIFICATE_VERIFY), hex(FINISHED)].concat();
    assert_eq!(content, expected);
    assert_eq!(decryptor.sequence(), 1);
    // The same record again is the wrong sequence number: the nonce differs.
    assert_eq!(decryptor.open_record(&rfc_record()).unwrap_err(), Tls13Error::BadRecordMac { sequence: 1 });
}

fn check_rfc_flight(flight: &EncryptedFlight) {
    assert!(flight.is_complete());
    flight.finish().unwrap();
    let types: Vec<_> = flight.messages().iter().map(|m| m.typ).collect();
    assert_eq!(
        types,
        [
            HandshakeType::ENCRYPTED_EXTENSIONS,
            HandshakeType::CERTIFICATE,
            HandshakeType::CERTIFICATE_VERIFY,
            HandshakeType::FINISHED
        ]
    );
    let chain = flight.certificate().unwrap().unwrap();
    assert!(chain.context.is_empty());
    assert_eq!(chain.entries.len(), 1);
    let leaf = &chain.entries[0].cert_data;
    assert_eq!(leaf.len(), 0x1b0);
    assert_eq!(leaf[..4], [0x30, 0x82, 0x01, 0xac]);
    assert_eq!(leaf[..], hex(CERTIFICATE)[11..11 + 0x1b0]);
    assert_eq!(flight.certificate_verify_scheme(), Some(SignatureScheme::RSA_PSS_RSAE_SHA256));
    assert_eq!(flight.certificate_verify().unwrap().unwrap().signature.len(), 0x80);
    let kinds: Vec<u16> = flight.encrypted_extensions().unwrap().unwrap().iter().map(|e| e.kind.0).collect();
    assert_eq!(kinds, [10, 28, 0], "supported_groups, record_size_limit, server_name");
    assert_eq!(flight.certificate_request(), None);
    assert_eq!(flight.finished().unwrap(), &hex(FINISHED)[4..]);
    assert_eq!(flight.records(), 1);
    assert_eq!(flight.suite().suite, CipherSuite::TLS_AES_128_GCM_SHA256);
}

#[test]
fn rfc8448_flight_completes_and_finished_verifies() {
    let mut flight = rfc_flight();
    assert_eq!(flight.finish().unwrap_err(), Tls13Error::Truncated { records: 0 });
    assert_eq!(flight.push_record(&rfc_record()).unwrap(), FlightProgress::Complete);
    check_rfc_flight(&flight);
    // Records after completion are ignored.
    assert_eq!(flight.push_record(&rfc_record()).unwrap(), FlightProgress::Complete);
}

#[test]
fn rfc8448_flight_from_the_parsed_hellos_and_the_private_key() {
    let client_hello = ClientHello::parse(&hex(CLIENT_HELLO)[4..]).unwrap();
    let server_hello = ServerHello::parse(&hex(SERVER_HELLO)[4..]).unwrap();
    let private = KeySharePrivate::x25519_from_bytes(hex(CLIENT_PRIVATE).try_into().unwrap());
    let mut flight = EncryptedFlight::after_server_hello(&client_hello, &private, &server_hello).unwrap();
    assert_eq!(flight.push_record(&rfc_record()).unwrap(), FlightProgress::Complete);
    check_rfc_flight(&flight);

    let (_, p256) = generate(NamedGroup::SECP256R1, &mut TestRng(9)).unwrap();
    assert_eq!(
        EncryptedFlight::after_server_hello(&client_hello, &p256, &server_hello).unwrap_err(),
        Tls13Error::KeyShareGroupMismatch { server: NamedGroup::X25519, client: NamedGroup::SECP256R1 }
    );
    let mut tls12 = server_hello.clone();
    tls12.extensions = Some(vec![]);
    assert_eq!(
        EncryptedFlight::after_server_hello(&client_hello, &private, &tls12).unwrap_err(),
        Tls13Error::NotTls13(ProtocolVersion::TLSV1_2)
    );
    let mut no_share = server_hello.clone();
    no_share.extensions.as_mut().unwrap().retain(|e| e.kind.0 != 51);
    assert_eq!(
        EncryptedFlight::after_server_hello(&client_hello, &private, &no_share).unwrap_err(),
        Tls13Error::MissingKeyShare
    );
    let mut hrr = server_hello;
    hrr.random = crate::wire::server_hello::HELLO_RETRY_REQUEST_RANDOM;
    assert_eq!(
        EncryptedFlight::after_server_hello(&client_hello, &private, &hrr).unwrap_err(),
        Tls13Error::HelloRetryRequest
    );
}

#[test]
fn every_flipped_bit_and_every_truncation_fails_authentication() {
    let record = rfc_record();
    for i in 0..record.fragment.len() {
        let mut bad = record.clone();
        bad.fragment[i] ^= 0x01;
        let mut flight = rfc_flight();
        assert_eq!(
            flight.push_record(&bad).unwrap_err(),
            Tls13Error::BadRecordMac { sequence: 0 },
            "byte {i}"
        );
        assert!(flight.messages().is_empty());
        // Errors are final.
        assert_eq!(flight.push_record(&record).unwrap_err(), Tls13Error::BadRecordMac { sequence: 0 });
        assert_eq!(flight.finish().unwrap_err(), Tls13Error::BadRecordMac { sequence: 0 });
    }
    for cut in 0..record.fragment.len() {
        let mut short = record.clone();
        short.fragment.truncate(cut);
        let mut decryptor =
            Tls13Decryptor::new(CipherSuite::TLS_AES_128_GCM_SHA256, &hex(SHARED_SECRET), &rfc_transcript())
                .unwrap();
        assert_eq!(decryptor.open_record(&short).unwrap_err(), Tls13Error::BadRecordMac { sequence: 0 });
    }
    // The header is authenticated too (additional data).
    let mut other_version = record.clone();
    other_version.version = ProtocolVersion::TLSV1_0;
    assert_eq!(
        rfc_flight().push_record(&other_version).unwrap_err(),
        Tls13Error::BadRecordMac { sequence: 0 }
    );
    // Wrong keys: another shared secret or another transcript.
    let mut flight =
        EncryptedFlight::new(CipherSuite::TLS_AES_128_GCM_SHA256, &[1; 32], &rfc_transcript()).unwrap();
    assert!(matches!(flight.push_record(&record), Err(Tls13Error::BadRecordMac { .. })));
    let mut flight =
        EncryptedFlight::new(CipherSuite::TLS_AES_128_GCM_SHA256, &hex(SHARED_SECRET), &hex(CLIENT_HELLO))
            .unwrap();
    assert!(matches!(flight.push_record(&record), Err(Tls13Error::BadRecordMac { .. })));
}

#[test]
fn suites_and_secrets_are_checked() {
    for suite in [CipherSuite(0xc02f), CipherSuite(0x0000), CipherSuite(0x1306)] {
        assert_eq!(
            EncryptedFlight::new(suite, &[1; 32], b"").unwrap_err(),
            Tls13Error::UnsupportedSuite(suite)
        );
        assert_eq!(
            Tls13Decryptor::new(suite, &[1; 32], b"").unwrap_err(),
            Tls13Error::UnsupportedSuite(suite)
        );
    }
    assert_eq!(
        EncryptedFlight::new(CipherSuite::TLS_AES_128_GCM_SHA256, &[], b"").unwrap_err(),
        Tls13Error::EmptySharedSecret
    );
    let names: Vec<_> = Tls13Suite::ALL.iter().map(|s| s.suite.to_string()).collect();
    assert_eq!(
        names,
        [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_CCM_SHA256",
            "TLS_AES_128_CCM_8_SHA256"
        ]
    );
}

/// A simulated server for one suite: its secrets, an encryptor and a valid flight.
struct Sim {
    suite: CipherSuite,
    shared: Vec<u8>,
    transcript: Vec<u8>,
    encryptor: Tls13Encryptor,
    secrets: HandshakeSecrets,
}

const SIM_LEAF: [u8; 6] = [0x30, 0x04, 1, 2, 3, 4];

impl Sim {
    fn new(suite: CipherSuite) -> Self {
        let shared = vec![7; 32];
        let transcript = rfc_transcript();
        let secrets = HandshakeSecrets::derive(suite, &shared, &transcript).unwrap();
        let encryptor =
            Tls13Encryptor::from_traffic_secret(suite, secrets.server_handshake_traffic_secret()).unwrap();
        Self { suite, shared, transcript, encryptor, secrets }
    }

    fn flight(&self) -> EncryptedFlight {
        EncryptedFlight::new(self.suite, &self.shared, &self.transcript).unwrap()
    }

    /// The flight's handshake bytes: EE, optional CertificateRequest, Certificate,
    /// CertificateVerify and a Finished (correct unless `bad_finished`).
    fn messages(&self, certificate_request: bool, bad_finished: bool) -> Vec<u8> {
        let mut out = Vec::new();
        encode_handshake(HandshakeType::ENCRYPTED_EXTENSIONS, &[0, 6, 0, 16, 0, 2, 1, b'x'], &mut out)
            .unwrap();
        if certificate_request {
            encode_handshake(HandshakeType::CERTIFICATE_REQUEST, &[0, 0, 0], &mut out).unwrap();
        }
        let chain = Certificate13 {
            context: vec![],
            entries: vec![CertificateEntry { cert_data: SIM_LEAF.to_vec(), extensions: vec![] }],
        };
        encode_handshake(HandshakeType::CERTIFICATE, &chain.to_bytes().unwrap(), &mut out).unwrap();
        let cv =
            CertificateVerify { scheme: SignatureScheme::ECDSA_SECP256R1_SHA256, signature: vec![9; 70] };
        encode_handshake(HandshakeType::CERTIFICATE_VERIFY, &cv.to_bytes().unwrap(), &mut out).unwrap();
        let hash = self.secrets.suite().hash;
        let mut verify_data = hash
            .finished_verify_data(
                self.secrets.server_handshake_traffic_secret(),
                &hash.digest(&[self.transcript.as_slice(), &out].concat()),
            )
            .unwrap();
        if bad_finished {
            verify_data[0] ^= 0x80;
        }
        encode_handshake(HandshakeType::FINISHED, &verify_data, &mut out).unwrap();
        out
    }

    fn seal(&mut self, typ: ContentType, content: &[u8], padding: usize) -> Record {
        self.encryptor.seal_record(typ, content, padding).unwrap()
    }
}

fn ccs() -> Record {
    Record::new(ContentType::CHANGE_CIPHER_SPEC, ProtocolVersion::TLSV1_2, vec![1])
}

#[test]
fn every_suite_round_trips_fragmented_and_padded_flights() {
    for suite in Tls13Suite::ALL {
        for (chunk, padding, certificate_request) in
            [(100_000, 0, false), (1, 3, true), (7, 0, false), (50, 200, true)]
        {
            let mut sim = Sim::new(suite.suite);
            let bytes = sim.messages(certificate_request, false);
            let mut flight = sim.flight();
            assert_eq!(flight.push_record(&ccs()).unwrap(), FlightProgress::NeedMore);
            let chunks: Vec<&[u8]> = bytes.chunks(chunk).collect();
            for (i, piece) in chunks.iter().enumerate() {
                let record = sim.seal(ContentType::HANDSHAKE, piece, padding);
                assert!(record.fragment.len() <= MAX_TLS13_CIPHERTEXT_LEN);
                let progress = flight.push_record(&record).unwrap();
                let last = i + 1 == chunks.len();
                assert_eq!(progress == FlightProgress::Complete, last, "{suite:?} chunk {i}");
            }
            flight.finish().unwrap();
            let chain = flight.certificate().unwrap().unwrap();
            assert_eq!(chain.certificates().collect::<Vec<_>>(), [&SIM_LEAF[..]]);
            assert_eq!(flight.certificate_verify_scheme(), Some(SignatureScheme::ECDSA_SECP256R1_SHA256));
            assert_eq!(flight.certificate_request().is_some(), certificate_request);
            assert_eq!(flight.encrypted_extensions().unwrap().unwrap()[0].kind.0, 16);
            assert_eq!(flight.records(), chunks.len() + 1);
        }
    }
}

#[test]
fn hostile_records_are_typed_errors() {
    let suite = CipherSuite::TLS_CHACHA20_POLY1305_SHA256;
    let check = |records: &dyn Fn(&mut Sim) -> Vec<Record>, expected: Tls13Error| {
        let mut sim = Sim::new(suite);
        let records = records(&mut sim);
        let mut flight = sim.flight();
        let mut result = Ok(FlightProgress::NeedMore);
        for record in &records {
            result = flight.push_record(record);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result.unwrap_err(), expected);
        assert_eq!(flight.error(), Some(&expected));
        assert_eq!(flight.finish().unwrap_err(), expected);
    };
    check(&|sim| vec![sim.seal(ContentType::HANDSHAKE, &[], 5)], Tls13Error::EmptyHandshakeRecord);
    check(&|sim| vec![sim.seal(ContentType(0), &[], 10)], Tls13Error::MissingContentType { sequence: 0 });
    check(
        &|sim| vec![sim.seal(ContentType::ALERT, &[2, 40], 0)],
        Tls13Error::Alert { alert: Alert::fatal(AlertDescription::HANDSHAKE_FAILURE), encrypted: true },
    );
    check(
        &|_| vec![Record::alert(ProtocolVersion::TLSV1_2, 2, AlertDescription::PROTOCOL_VERSION)],
        Tls13Error::Alert { alert: Alert::fatal(AlertDescription::PROTOCOL_VERSION), encrypted: false },
    );
    check(
        &|sim| vec![sim.seal(ContentType::APPLICATION_DATA, b"220 hi", 0)],
        Tls13Error::UnexpectedContent { content_type: ContentType::APPLICATION_DATA, encrypted: true },
    );
    check(
        &|_| vec![Record::new(ContentType::HANDSHAKE, ProtocolVersion::TLSV1_2, vec![8, 0, 0, 0])],
        Tls13Error::UnexpectedContent { content_type: ContentType::HANDSHAKE, encrypted: false },
    );
    check(
        &|_| vec![Record::new(ContentType::CHANGE_CIPHER_SPEC, ProtocolVersion::TLSV1_2, vec![1, 1])],
        Tls13Error::InvalidChangeCipherSpec,
    );
    check(
        &|sim| {
            let bytes = sim.messages(false, false);
            // Skip EncryptedExtensions: the Certificate comes first.
            vec![sim.seal(ContentType::HANDSHAKE, &bytes[12..], 0)]
        },
        Tls13Error::UnexpectedMessage { got: HandshakeType::CERTIFICATE, expected: "encrypted_extensions" },
    );
    check(
        &|sim| {
            let mut bytes = sim.messages(false, false);
            bytes.extend([4, 0, 0, 1, 0]);
            vec![sim.seal(ContentType::HANDSHAKE, &bytes, 0)]
        },
        Tls13Error::DataAfterFinished,
    );
    check(
        &|sim| {
            let mut bytes = sim.messages(false, false);
            bytes.extend([4, 0]);
            vec![sim.seal(ContentType::HANDSHAKE, &bytes, 0)]
        },
        Tls13Error::DataAfterFinished,
    );
    check(
        &|sim| {
            let bytes = sim.messages(false, true);
            vec![sim.seal(ContentType::HANDSHAKE, &bytes, 0)]
        },
        Tls13Error::FinishedMismatch,
    );
    check(
        &|_| {
            vec![Record::new(
                ContentType::APPLICATION_DATA,
                ProtocolVersion::TLSV1_2,
                vec![0; MAX_TLS13_CIPHERTEXT_LEN + 1],
            )]
        },
        Tls13Error::RecordOverflow { len: MAX_TLS13_CIPHERTEXT_LEN + 1, max: MAX_TLS13_CIPHERTEXT_LEN },
    );
    check(
        &|sim| vec![sim.seal(ContentType::HANDSHAKE, &[8, 0x10, 0, 0], 0)],
        Tls13Error::Decode(DecodeError {
            message: "handshake message",
            offset: 1,
            kind: crate::wire::codec::DecodeErrorKind::TooLong {
                field: "handshake length",
                len: 0x10_0000,
                max: crate::wire::handshake::MAX_HANDSHAKE_MESSAGE_LEN,
            },
        }),
    );
    // A Finished mismatch still leaves the chain readable.
    let mut sim = Sim::new(suite);
    let bytes = sim.messages(false, true);
    let record = sim.seal(ContentType::HANDSHAKE, &bytes, 0);
    let mut flight = sim.flight();
    assert_eq!(flight.push_record(&record).unwrap_err(), Tls13Error::FinishedMismatch);
    assert!(!flight.is_complete());
    assert!(flight.certificate().unwrap().is_ok());
    assert_eq!(flight.messages().len(), 4);
}

#[test]
fn flights_are_bounded() {
    let mut sim = Sim::new(CipherSuite::TLS_AES_256_GCM_SHA384);
    let mut flight = sim.flight().with_limits(3, 1 << 20);
    for _ in 0..3 {
        assert_eq!(flight.push_record(&ccs()).unwrap(), FlightProgress::NeedMore);
    }
    assert_eq!(flight.push_record(&ccs()).unwrap_err(), Tls13Error::TooManyRecords { max: 3 });

    let mut flight = sim.flight().with_limits(100, 100);
    let record = sim.seal(ContentType::HANDSHAKE, &[8, 0, 0], 100);
    assert_eq!(flight.push_record(&record).unwrap_err(), Tls13Error::TooManyBytes { max: 100 });

    // The default caps: a flight of one-byte records stops at MAX_FLIGHT_RECORDS.
    let mut sim = Sim::new(CipherSuite::TLS_AES_128_GCM_SHA256);
    let mut flight = sim.flight();
    let first = sim.seal(ContentType::HANDSHAKE, &[8, 0, 0x10, 0], 0);
    let mut result = flight.push_record(&first);
    for _ in 0..MAX_FLIGHT_RECORDS {
        let record = sim.seal(ContentType::HANDSHAKE, &[0], 0);
        result = flight.push_record(&record);
        if result.is_err() {
            break;
        }
    }
    // An EncryptedExtensions of 4096 bytes sent one byte per record: the record cap stops it.
    assert_eq!(result.unwrap_err(), Tls13Error::TooManyRecords { max: MAX_FLIGHT_RECORDS });

    let mut encryptor =
        Tls13Encryptor::from_traffic_secret(CipherSuite::TLS_AES_128_GCM_SHA256, &[1; 32]).unwrap();
    assert_eq!(
        encryptor.seal_record(ContentType::HANDSHAKE, &[0; MAX_INNER_PLAINTEXT_LEN], 0).unwrap_err(),
        Tls13Error::SealTooLong { len: MAX_INNER_PLAINTEXT_LEN + 1, max: MAX_INNER_PLAINTEXT_LEN }
    );
    assert_eq!(encryptor.sequence(), 0);
}

#[test]
fn a_decryptor_refuses_plaintext_records_and_overlong_inner_plaintexts() {
    let mut decryptor =
        Tls13Decryptor::from_traffic_secret(CipherSuite::TLS_AES_128_GCM_SHA256, &[1; 32]).unwrap();
    assert_eq!(
        decryptor.open_record(&ccs()).unwrap_err(),
        Tls13Error::NotProtected(ContentType::CHANGE_CIPHER_SPEC)
    );
    assert!(format!("{decryptor:?}").contains("sequence: 0"));
    // A peer that seals more than 2^14 + 1 bytes of inner plaintext in one record (the
    // ciphertext still fits the 2^14 + 256 limit).
    let secret = [2; 32];
    let mut encryptor =
        Tls13Encryptor::from_traffic_secret(CipherSuite::TLS_AES_128_GCM_SHA256, &secret).unwrap();
    let mut decryptor =
        Tls13Decryptor::from_traffic_secret(CipherSuite::TLS_AES_128_GCM_SHA256, &secret).unwrap();
    let record = encryptor.seal_record(ContentType::HANDSHAKE, &[5; 100], 0).unwrap();
    assert_eq!(decryptor.open_record(&record).unwrap(), (ContentType::HANDSHAKE, vec![5; 100]));
    let record = encryptor.seal_inner(&[22; MAX_INNER_PLAINTEXT_LEN + 1]).unwrap();
    assert!(record.fragment.len() <= MAX_TLS13_CIPHERTEXT_LEN);
    assert_eq!(
        decryptor.open_record(&record).unwrap_err(),
        Tls13Error::PlaintextOverflow { len: MAX_INNER_PLAINTEXT_LEN + 1, max: MAX_INNER_PLAINTEXT_LEN }
    );
    let mut record = encryptor.seal_record(ContentType::HANDSHAKE, &[5; 100], 0).unwrap();
    record.fragment.push(0);
    assert_eq!(decryptor.open_record(&record).unwrap_err(), Tls13Error::BadRecordMac { sequence: 2 });
}

#[test]
fn certificate_verify_round_trips_and_every_truncation_fails() {
    let cv = CertificateVerify { scheme: SignatureScheme(0x0807), signature: vec![1, 2, 3] };
    let bytes = cv.to_bytes().unwrap();
    assert_eq!(bytes, [8, 7, 0, 3, 1, 2, 3]);
    assert_eq!(CertificateVerify::parse(&bytes).unwrap(), cv);
    for cut in 0..bytes.len() {
        assert!(CertificateVerify::parse(&bytes[..cut]).is_err());
    }
    assert!(CertificateVerify::parse(&[bytes.as_slice(), &[0]].concat()).is_err());
    let rfc = CertificateVerify::parse(&hex(CERTIFICATE_VERIFY)[4..]).unwrap();
    assert_eq!(rfc.scheme, SignatureScheme::RSA_PSS_RSAE_SHA256);
}

#[test]
fn the_retry_transcript_replaces_the_first_hello_by_its_hash() {
    let (ch1, hrr, ch2, sh) = (&[1u8, 1][..], &[2u8][..], &[3u8, 3, 3][..], &[4u8][..]);
    for (suite, len) in [(CipherSuite::TLS_AES_128_GCM_SHA256, 32), (CipherSuite::TLS_AES_256_GCM_SHA384, 48)]
    {
        let hash = Tls13Suite::from_cipher_suite(suite).unwrap().hash;
        let t = transcript_after_retry(suite, ch1, hrr, ch2, sh).unwrap();
        let mut expected = vec![254, 0, 0, len as u8];
        expected.extend(hash.digest(&[1, 0, 0, 2, 1, 1]));
        expected.extend([2, 0, 0, 1, 2, 1, 0, 0, 3, 3, 3, 3, 2, 0, 0, 1, 4]);
        assert_eq!(t, expected);
    }
    assert_eq!(
        transcript_after_retry(CipherSuite(0xc02f), ch1, hrr, ch2, sh).unwrap_err(),
        Tls13Error::UnsupportedSuite(CipherSuite(0xc02f))
    );
}

proptest! {
    #[test]
    fn arbitrary_records_never_panic_a_flight(
        records in proptest::collection::vec(
            (prop_oneof![Just(20u8), Just(21), Just(22), Just(23), any::<u8>()],
             proptest::collection::vec(any::<u8>(), 0..300)),
            0..8,
        ),
    ) {
        let mut flight = rfc_flight();
        for (typ, fragment) in records {
            let _ = flight.push_record(&Record::new(ContentType(typ), ProtocolVersion::TLSV1_2, fragment));
        }
        let _ = flight.finish();
        let _ = flight.certificate();
    }

    #[test]
    fn arbitrary_decrypted_handshake_bytes_never_panic_a_flight(
        content in proptest::collection::vec(any::<u8>(), 1..400),
        typ in any::<u8>(),
        padding in 0usize..20,
    ) {
        let mut sim = Sim::new(CipherSuite::TLS_AES_128_CCM_8_SHA256);
        let mut flight = sim.flight();
        let record = sim.seal(ContentType(typ), &content, padding);
        let _ = flight.push_record(&record);
        let _ = flight.encrypted_extensions();
        let _ = flight.certificate();
        let _ = flight.certificate_verify_scheme();
    }
}
