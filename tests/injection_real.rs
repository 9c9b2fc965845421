//! The STARTTLS command-injection probe ([`probe_injection`], CVE-2011-0411 class) against
//! real servers and against a deliberately vulnerable one.
//!
//! - Postfix (SMTP and submission) and Dovecot (IMAP STARTTLS, POP3 STLS) from the harness
//!   never execute what a client pipelines after STARTTLS: Postfix discards it (RFC 3207
//!   4.2) and completes the handshake; Dovecot closes the connection during the handshake
//!   (a control handshake without the NOOP succeeds). The probe must say `NotVulnerable`.
//! - [`VulnerableSmtp`] (the harness's, shared with `mxray domain`'s tests) is a small SMTP
//!   server with the classic bug: it reads commands through a buffered reader, and after
//!   STARTTLS it keeps the bytes that reader already holds (the injected `NOOP`) and answers
//!   them inside the new TLS session (rustls, the harness CA's ECDSA certificate). The probe must say `Vulnerable`
//!   inside TLS. The same server with the bug fixed (the buffer dropped before the
//!   handshake) must give `NotVulnerable`, and a variant that answers the injected command in
//!   plaintext right after its STARTTLS reply must give `Vulnerable` outside TLS: the probe
//!   tells the three apart from the server's behaviour alone.

use std::time::{Duration, Instant};

use mxray_core::starttls::Protocol as CoreProtocol;
use mxray_core::starttls::injection::InjectionVerdict;
use mxray_net::injection::probe_injection;
use mxray_net::transport::Timeouts;
use mxray_tests::{
    CertSet, CertSpec, InjectionBug as Bug, KeyType, Protocol, Testbed, TlsProfile, VulnerableSmtp, WorkDir,
};

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

#[test]
fn injection_a_server_with_the_bug_is_found_and_one_without_is_not() {
    let dir = WorkDir::new("injection").unwrap();
    let mut certs = CertSet::empty(dir.path()).unwrap();
    certs.issue(&CertSpec::ca(CertSet::CA, "mxray test CA").self_signed()).unwrap();
    let cert = certs.issue(&CertSpec::leaf(CertSet::ECDSA, "vuln.test").key(KeyType::EcP256)).unwrap();
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
        let server = VulnerableSmtp::start("127.0.0.1:0".parse().unwrap(), &cert, bug).unwrap();
        let verdict = rt.block_on(probe_injection(server.addr(), CoreProtocol::Smtp, timeouts()));
        assert_eq!(verdict, expected, "{bug:?}");
        assert_eq!(server.connections(), 1, "{bug:?}");
        // The probe closes its connection before it returns; the server thread may still be
        // logging the last bytes: give it a moment.
        std::thread::sleep(Duration::from_millis(100));
        // The probe sends nothing of its own inside TLS.
        assert_eq!(server.inside_tls(), Vec::<String>::new(), "{bug:?}");
        if bug == Bug::AnswersInsideTls {
            // The server really executed the injected command inside TLS.
            assert_eq!(server.injected(), ["NOOP"], "{bug:?}");
            let finding = verdict.finding().unwrap();
            assert_eq!(finding.id, "starttls.injection");
        } else {
            assert!(server.injected().is_empty(), "{bug:?}: {:?}", server.injected());
        }
    }
}
