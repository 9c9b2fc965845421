//! `wire::tls13` against a real TLS 1.3 server: throwaway `openssl s_server -tls1_3`
//! processes on 127.0.0.1 with a self-signed P-256 and an RSA certificate. For every suite
//! and both key-share groups, the test sends a ClientHello built by the core over a plain
//! `TcpStream`, decrypts the server's encrypted flight with `EncryptedFlight`, and checks
//! it against the ground truth: the leaf is the DER of the PEM the server was given, the
//! CertificateVerify scheme matches the key type, and the server's Finished verifies.
//!
//! Needs the `openssl` CLI; fails with a message saying so when it is missing.

// The IO fence of mxray-core (clippy.toml: no sockets, no files, no environment) applies
// to the library; this test is the driver that moves the bytes, so it needs sockets, a
// temporary directory and child processes.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::fs;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use mxray_core::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};
use mxray_core::sim::SeededRng;
use mxray_core::wire::client_hello::{ClientHello, ClientHelloBuilder};
use mxray_core::wire::codec::Codec;
use mxray_core::wire::extensions::ClientExtension;
use mxray_core::wire::handshake::{HandshakeReader, HandshakeType};
use mxray_core::wire::key_share::{self, KeySharePrivate};
use mxray_core::wire::record::{ContentType, Frame, MAX_PLAINTEXT_LEN, RecordReader};
use mxray_core::wire::server_hello::ServerHello;
use mxray_core::wire::tls13::{EncryptedFlight, FlightProgress, Tls13Suite};

/// Runs `openssl` with `args`, failing the test with a clear message if it is missing.
fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap_or_else(|e| {
        panic!("this test needs the `openssl` command-line tool (apt-get install openssl): {e}")
    });
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("mxray-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).expect("create a temporary directory");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// An `openssl s_server` child process, killed (by its own handle) on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SUITES: &str = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256";

impl Server {
    /// Starts a TLS 1.3-only server offering every suite, on a free port of 127.0.0.1.
    fn start(dir: &Path, cert: &str, key: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let log = fs::File::create(dir.join(format!("s_server-{port}.log"))).expect("log file");
        let accept = format!("127.0.0.1:{port}");
        let child = Command::new("openssl")
            .args(["s_server", "-accept", &accept, "-tls1_3", "-ciphersuites", SUITES])
            .args(["-cert", cert, "-key", key, "-quiet"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("this test needs the `openssl` command-line tool: {e}"));
        let mut server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("openssl s_server exited early ({status}); see {}", dir.display());
            }
            if TcpStream::connect(("127.0.0.1", server.port)).is_ok() {
                return server;
            }
            assert!(Instant::now() < deadline, "openssl s_server did not listen on port {port}");
            thread::sleep(Duration::from_millis(50));
        }
    }
}

/// What one handshake gave.
struct Outcome {
    flight: EncryptedFlight,
    ccs_seen: bool,
}

fn hello(
    suite: CipherSuite,
    group: NamedGroup,
    compat: bool,
    rng: &mut SeededRng,
) -> (ClientHello, KeySharePrivate) {
    let (share, private) = key_share::generate(group, rng).expect("key share");
    let session_id = if compat { vec![0x5a; 32] } else { Vec::new() };
    let hello = ClientHelloBuilder::new(ProtocolVersion::TLSV1_3)
        .session_id(session_id)
        .cipher_suites([suite])
        .extension(ClientExtension::host_name("mx.example.test"))
        .extension(ClientExtension::SupportedGroups(vec![NamedGroup::X25519, NamedGroup::SECP256R1]))
        .extension(ClientExtension::SignatureAlgorithms(vec![
            SignatureScheme::ECDSA_SECP256R1_SHA256,
            SignatureScheme::RSA_PSS_RSAE_SHA256,
        ]))
        .extension(ClientExtension::KeyShare(vec![share]))
        .build(rng)
        .expect("ClientHello");
    (hello, private)
}

/// Sends `hello`, reads the ServerHello in plaintext, then feeds every later record to an
/// [`EncryptedFlight`] until it completes.
fn handshake(port: u16, hello: &ClientHello, private: &KeySharePrivate) -> Outcome {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to s_server");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(&hello.to_records(MAX_PLAINTEXT_LEN).unwrap()).unwrap();

    let mut records = RecordReader::new();
    let mut plaintext = HandshakeReader::new();
    let mut flight: Option<EncryptedFlight> = None;
    let mut ccs_seen = false;
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).expect("read from s_server");
        assert!(n > 0, "s_server closed the connection before its Finished");
        let mut input = &buf[..n];
        while !input.is_empty() {
            let taken = records.push(input);
            input = &input[taken..];
            while let Some(frame) = records.next_record() {
                let Frame::Tls(record) = frame.expect("a valid record") else { panic!("SSLv2 record") };
                if let Some(reading) = flight.as_mut() {
                    ccs_seen |= record.content_type == ContentType::CHANGE_CIPHER_SPEC;
                    let progress = reading.push_record(&record).expect("the encrypted flight");
                    if progress == FlightProgress::Complete {
                        let _ = stream.shutdown(Shutdown::Both);
                        return Outcome { flight: flight.take().expect("the flight"), ccs_seen };
                    }
                    continue;
                }
                assert_eq!(record.content_type, ContentType::HANDSHAKE, "before the ServerHello: {record:?}");
                plaintext.push(&record.fragment);
                if let Some(message) = plaintext.next_message() {
                    let message = message.expect("handshake framing");
                    assert_eq!(message.typ, HandshakeType::SERVER_HELLO);
                    assert!(!plaintext.is_mid_message(), "nothing may follow the ServerHello in its record");
                    let server_hello = ServerHello::parse(&message.body).expect("ServerHello");
                    assert_eq!(server_hello.cipher_suite, hello.cipher_suites[0]);
                    flight = Some(
                        EncryptedFlight::after_server_hello(hello, private, &server_hello)
                            .expect("key schedule"),
                    );
                }
            }
        }
    }
}

#[test]
fn openssl_s_server_tls13_flights_decrypt_for_every_suite_and_group() {
    let dir = TempDir::new("tls13-openssl");
    let d = &dir.0;
    openssl(&["version"], d);
    let subj = "/CN=mx.example.test";
    for (name, newkey) in [
        ("ec", &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"][..]),
        ("rsa", &["-newkey", "rsa:2048"][..]),
    ] {
        let mut args = vec!["req", "-x509", "-nodes", "-days", "2", "-subj", subj];
        args.extend(newkey);
        let (key, cert) = (format!("{name}.key"), format!("{name}.pem"));
        args.extend(["-keyout", &key, "-out", &cert]);
        openssl(&args, d);
        openssl(&["x509", "-in", &cert, "-outform", "der", "-out", &format!("{name}.der")], d);
    }

    let mut rng = SeededRng(0x5eed);
    let mut cases = 0;
    // OpenSSL sends the compatibility-mode change_cipher_spec whatever the session id:
    // the skipping path is exercised on every connection.
    let mut ccs_records = 0;
    for (name, scheme) in
        [("ec", SignatureScheme::ECDSA_SECP256R1_SHA256), ("rsa", SignatureScheme::RSA_PSS_RSAE_SHA256)]
    {
        let der = fs::read(d.join(format!("{name}.der"))).expect("DER certificate");
        let server = Server::start(d, &format!("{name}.pem"), &format!("{name}.key"));
        for (i, suite) in Tls13Suite::ALL.iter().enumerate() {
            for group in [NamedGroup::X25519, NamedGroup::SECP256R1] {
                let compat = i % 2 == 0;
                let (hello, private) = hello(suite.suite, group, compat, &mut rng);
                let outcome = handshake(server.port, &hello, &private);
                let flight = &outcome.flight;
                let what = format!("{name} certificate, {}, {group}", suite.suite);
                assert!(flight.is_complete(), "{what}");
                flight.finish().unwrap_or_else(|e| panic!("{what}: {e}"));
                assert_eq!(flight.suite().suite, suite.suite, "{what}");
                let chain = flight.certificate().expect("a Certificate").expect("a valid Certificate");
                assert!(chain.context.is_empty(), "{what}");
                assert_eq!(
                    chain.certificates().next(),
                    Some(der.as_slice()),
                    "{what}: the leaf is the PEM given"
                );
                assert_eq!(flight.certificate_verify_scheme(), Some(scheme), "{what}");
                assert!(flight.encrypted_extensions().expect("EncryptedExtensions").is_ok(), "{what}");
                assert_eq!(flight.certificate_request(), None, "{what}");
                ccs_records += usize::from(outcome.ccs_seen);
                cases += 1;
            }
        }
        drop(server);
    }
    assert_eq!(cases, 20);
    assert!(ccs_records > 0, "no change_cipher_spec record was seen");
}
