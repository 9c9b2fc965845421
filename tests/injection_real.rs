//! The STARTTLS command-injection probe ([`probe_injection`], CVE-2011-0411 class) against
//! real servers and against a deliberately vulnerable one.
//!
//! - Postfix (SMTP and submission) and Dovecot (IMAP STARTTLS, POP3 STLS) from the harness
//!   never execute what a client pipelines after STARTTLS: Postfix discards it (RFC 3207
//!   4.2) and completes the handshake; Dovecot closes the connection during the handshake
//!   (a control handshake without the NOOP succeeds). The probe must say `NotVulnerable`.
//! - `vulnerable_smtp` below is a small tokio SMTP server with the classic bug: it reads
//!   commands through a buffered reader, and after STARTTLS it keeps the bytes that reader
//!   already holds (the injected `NOOP`) and answers them inside the new TLS session
//!   (tokio-rustls, the harness CA's ECDSA certificate). The probe must say `Vulnerable`
//!   inside TLS. The same server with the bug fixed (the buffer dropped before the
//!   handshake) must give `NotVulnerable`, and a variant that answers the injected command in
//!   plaintext right after its STARTTLS reply must give `Vulnerable` outside TLS: the probe
//!   tells the three apart from the server's behaviour alone.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mxray_core::starttls::Protocol as CoreProtocol;
use mxray_core::starttls::injection::InjectionVerdict;
use mxray_net::injection::probe_injection;
use mxray_net::transport::Timeouts;
use mxray_tests::{CertSet, CertSpec, KeyType, Protocol, Testbed, TlsProfile, WorkDir};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

fn timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(3),
        idle: Duration::from_secs(3),
        exchange: Duration::from_secs(10),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn injection_postfix_and_dovecot_discard_pipelined_commands() {
    let bed = Testbed::builder()
        .postfix(TlsProfile::Strong)
        .dovecot(TlsProfile::Strong)
        .start()
        .unwrap_or_else(|e| panic!("{e:#}"));
    let rt = runtime();
    let mut probed = Vec::new();
    for endpoint in bed.endpoints() {
        let protocol = match endpoint.protocol {
            Protocol::Smtp | Protocol::Submission => CoreProtocol::Smtp,
            Protocol::Imap => CoreProtocol::Imap,
            Protocol::Pop3 => CoreProtocol::Pop3,
            _ => continue,
        };
        let started = Instant::now();
        let verdict = rt.block_on(probe_injection(endpoint.addr, protocol, timeouts()));
        let took = started.elapsed();
        eprintln!("{}: {verdict:?} in {took:?}", endpoint.name);
        // Postfix discards the pipelined NOOP and completes the handshake; Dovecot drops the
        // connection during the handshake instead, and a control handshake without it succeeds.
        let refused_pipelining = matches!(endpoint.protocol, Protocol::Imap | Protocol::Pop3);
        assert_eq!(verdict, InjectionVerdict::NotVulnerable { refused_pipelining }, "{endpoint}");
        assert_eq!(verdict.finding(), None);
        // The wait after the handshake is bounded (1 s), the whole probe well under the timeouts.
        assert!(took < Duration::from_secs(4), "{}: {took:?}", endpoint.name);
        probed.push(endpoint.name);
    }
    probed.sort();
    assert_eq!(probed, ["imap-strong", "pop3-strong", "smtp-strong", "submission-strong"]);
}

/// How the in-test SMTP server treats what it buffered before the handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bug {
    /// Answers the buffered commands inside TLS (CVE-2011-0411).
    AnswersInsideTls,
    /// Answers them in plaintext right after the STARTTLS reply, then starts TLS.
    AnswersInPlaintext,
    /// Drops them before the handshake, as RFC 3207 requires.
    None,
}

fn acceptor(certs: &CertSet) -> TlsAcceptor {
    let issued = certs.get(CertSet::ECDSA).unwrap();
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&std::fs::read(&issued.chain).unwrap())
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(&std::fs::read(&issued.key).unwrap()).unwrap();
    let config =
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

fn reply_to(line: &str) -> &'static [u8] {
    let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
    match verb.as_str() {
        "EHLO" => b"250-vuln.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
        "NOOP" => b"250 2.0.0 Ok\r\n",
        "QUIT" => b"221 2.0.0 Bye\r\n",
        _ => b"502 5.5.2 Error: command not recognized\r\n",
    }
}

/// Serves one SMTP connection with `bug`; returns the commands it received inside TLS
/// (the buffered ones included when it keeps them).
async fn vulnerable_smtp(listener: TcpListener, acceptor: TlsAcceptor, bug: Bug) -> Vec<String> {
    let (tcp, _) = listener.accept().await.unwrap();
    let mut reader = BufReader::new(tcp);
    reader.get_mut().write_all(b"220 vuln.test ESMTP\r\n").await.unwrap();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.unwrap() == 0 {
            return Vec::new();
        }
        if line.trim_end().eq_ignore_ascii_case("STARTTLS") {
            break;
        }
        let reply = reply_to(&line);
        reader.get_mut().write_all(reply).await.unwrap();
    }
    // The bytes the reader already holds: what the client pipelined after STARTTLS.
    let buffered = reader.buffer().to_vec();
    let mut ready = b"220 2.0.0 Ready to start TLS\r\n".to_vec();
    if bug == Bug::AnswersInPlaintext {
        for _ in buffered.split_inclusive(|&b| b == b'\n') {
            ready.extend_from_slice(b"250 2.0.0 Ok\r\n");
        }
    }
    let mut tcp = reader.into_inner();
    tcp.write_all(&ready).await.unwrap();
    let Ok(mut tls) = acceptor.accept(tcp).await else { return Vec::new() };
    let mut received = Vec::new();
    if bug == Bug::AnswersInsideTls {
        for command in String::from_utf8_lossy(&buffered).lines() {
            tls.write_all(reply_to(command)).await.unwrap();
            received.push(command.to_owned());
        }
        tls.flush().await.unwrap();
    }
    // Then whatever the client sends inside TLS, until it leaves.
    let mut rest = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), tls.read_to_string(&mut rest)).await;
    received.extend(rest.lines().map(str::to_owned));
    received
}

#[test]
fn injection_a_server_with_the_bug_is_found_and_one_without_is_not() {
    let dir = WorkDir::new("injection").unwrap();
    let mut certs = CertSet::empty(dir.path()).unwrap();
    certs.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed()).unwrap();
    certs.issue(&CertSpec::leaf(CertSet::ECDSA, "vuln.test").key(KeyType::EcP256)).unwrap();
    let acceptor = acceptor(&certs);
    let rt = runtime();
    for (bug, expected) in [
        (
            Bug::AnswersInsideTls,
            InjectionVerdict::Vulnerable { reply: "250 2.0.0 Ok".into(), inside_tls: true },
        ),
        (
            Bug::AnswersInPlaintext,
            InjectionVerdict::Vulnerable { reply: "250 2.0.0 Ok".into(), inside_tls: false },
        ),
        (Bug::None, InjectionVerdict::NotVulnerable { refused_pipelining: false }),
    ] {
        let (verdict, received) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr: SocketAddr = listener.local_addr().unwrap();
            let server = tokio::spawn(vulnerable_smtp(listener, acceptor.clone(), bug));
            let verdict = probe_injection(addr, CoreProtocol::Smtp, timeouts()).await;
            (verdict, server.await.unwrap())
        });
        assert_eq!(verdict, expected, "{bug:?}");
        if bug == Bug::AnswersInsideTls {
            // The server really executed the injected command inside TLS, and the probe sent
            // nothing of its own there.
            assert_eq!(received, ["NOOP"], "{bug:?}");
            let finding = verdict.finding().unwrap();
            assert_eq!(finding.id, "starttls.injection");
        } else {
            assert!(received.is_empty(), "{bug:?}: {received:?}");
        }
    }
}
