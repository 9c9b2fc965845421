//! The scan driver over real TCP against simulated servers: profiles OpenSSL 3 servers no
//! longer offer, throttling, missing STARTTLS, resets, and hostile plaintext. Every case
//! must end in findings or a clear error, within its timeouts.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use mxray_core::probe::ScanConfig;
use mxray_core::registry::{CipherCode, CipherSuite, ProtocolVersion};
use mxray_core::sim::SimServer;
use mxray_core::sim::profiles::{sslv3, strong, weak};
use mxray_core::starttls::{self, Outcome, Protocol};
use mxray_net::scan::{ScanOptions, scan_endpoint};
use mxray_net::simserver::{Behaviour, SimListener, SmtpScript};

fn options(port: u16, smtp: bool) -> ScanOptions {
    let dialogue = smtp.then(|| starttls::Config::new(Protocol::Smtp));
    let mut o = ScanOptions::new(port, dialogue, ScanConfig::default());
    o.timeouts.connect = Duration::from_secs(2);
    o.timeouts.idle = Duration::from_secs(2);
    o.timeouts.exchange = Duration::from_secs(4);
    o.backoff = Duration::from_millis(20);
    o
}

fn accepted(scan: &mxray_net::scan::EndpointScan, version: ProtocolVersion) -> Vec<CipherSuite> {
    let mut suites: Vec<CipherSuite> = scan
        .findings
        .version(version)
        .map(|v| {
            v.suites
                .iter()
                .filter_map(|s| match s.code {
                    CipherCode::Tls(suite) => Some(suite),
                    CipherCode::Sslv2(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    suites.sort();
    suites
}

fn expected(sim: &SimServer, version: ProtocolVersion) -> Vec<CipherSuite> {
    let mut suites: Vec<CipherSuite> = sim
        .suites
        .iter()
        .copied()
        .filter(|s| s.info().is_some_and(|i| i.versions.contains(version)))
        .collect();
    suites.sort();
    suites
}

#[tokio::test(flavor = "multi_thread")]
async fn a_strong_server_behind_smtp_is_enumerated_exactly_with_every_connection_counted() {
    let sim = strong();
    let server =
        SimListener::start(sim.clone(), Behaviour { smtp: Some(SmtpScript::default()), throttle_first: 0 })
            .unwrap();
    let scan = scan_endpoint(server.addr(), options(25, true)).await;

    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let dialogue = scan.dialogue.as_ref().unwrap();
    assert_eq!(dialogue.outcome, Some(Outcome::ReadyForTls));
    assert_eq!(dialogue.banner.as_deref(), Some("sim.example ESMTP mxray-sim"));
    for version in [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_3] {
        assert_eq!(accepted(&scan, version), expected(&sim, version), "{version:?}");
        assert_eq!(scan.findings.version(version).unwrap().server_order, Some(true));
    }
    for version in [ProtocolVersion::SSLV2, ProtocolVersion::SSLV3, ProtocolVersion::TLSV1_0] {
        assert_eq!(scan.findings.version(version).unwrap().supported, Some(false), "{version:?}");
    }
    assert_eq!(scan.cost.connections as usize, server.connections(), "every connection is counted");
    assert_eq!(scan.cost.retries, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_with_421_is_retried_not_reported_as_unsupported() {
    let sim = weak();
    let server =
        SimListener::start(sim.clone(), Behaviour { smtp: Some(SmtpScript::default()), throttle_first: 3 })
            .unwrap();
    let mut o = options(25, true);
    o.per_host = 1;
    let scan = scan_endpoint(server.addr(), o).await;

    assert_eq!(scan.cost.retries, 3, "each 421 is retried after a back-off");
    assert_eq!(scan.cost.connections as usize, server.connections());
    for version in [ProtocolVersion::TLSV1_0, ProtocolVersion::TLSV1_1, ProtocolVersion::TLSV1_2] {
        assert_eq!(scan.findings.version(version).unwrap().supported, Some(true), "{version:?}");
        assert_eq!(accepted(&scan, version), expected(&sim, version), "{version:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ssl3_with_rc4_and_export_over_implicit_tls() {
    let sim = sslv3();
    let server = SimListener::start(sim.clone(), Behaviour::default()).unwrap();
    let scan = scan_endpoint(server.addr(), options(465, false)).await;
    assert_eq!(scan.findings.version(ProtocolVersion::SSLV3).unwrap().supported, Some(true));
    assert_eq!(accepted(&scan, ProtocolVersion::SSLV3), expected(&sim, ProtocolVersion::SSLV3));
    assert_eq!(scan.findings.version(ProtocolVersion::TLSV1_2).unwrap().supported, Some(false));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_starttls_stops_the_scan_with_a_clear_error() {
    let script = SmtpScript { starttls: false, ..SmtpScript::default() };
    let server = SimListener::start(strong(), Behaviour { smtp: Some(script), throttle_first: 0 }).unwrap();
    let scan = scan_endpoint(server.addr(), options(25, true)).await;
    assert_eq!(scan.dialogue.as_ref().and_then(|d| d.outcome.clone()), Some(Outcome::StartTlsNotOffered));
    assert!(scan.errors.iter().any(|e| e.contains("does not offer STARTTLS")), "{:?}", scan.errors);
    assert!(scan.findings.versions.iter().all(|v| v.supported != Some(true)));
    assert!(server.connections() <= 2, "no hello is sent to a server without STARTTLS");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_resets_everything_leaves_versions_unknown() {
    let mut sim = strong();
    sim.quirks.reset_always = true;
    let server = SimListener::start(sim, Behaviour::default()).unwrap();
    let scan = scan_endpoint(server.addr(), options(993, false)).await;
    for v in &scan.findings.versions {
        assert_ne!(v.supported, Some(false), "{:?} must be unknown, not unsupported", v.version);
    }
    assert!(scan.cost.retries > 0);
}

/// A raw server on 127.0.0.1 that answers every connection with `reply` and then keeps
/// sending `drip` forever (bounded by the test's lifetime).
fn hostile(reply: &'static [u8], drip: &'static [u8], drip_every: Duration) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.write_all(reply);
                let started = Instant::now();
                while started.elapsed() < Duration::from_secs(20) {
                    if stream.write_all(drip).is_err() {
                        return;
                    }
                    std::thread::sleep(drip_every);
                }
                let mut sink = [0; 64];
                let _ = stream.read(&mut sink);
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_multiline_reply_ends_in_an_error_within_the_timeout() {
    let addr = hostile(b"220-sim\r\n", b"220-more and more\r\n", Duration::from_millis(1));
    let started = Instant::now();
    let scan = scan_endpoint(addr, options(25, true)).await;
    assert!(started.elapsed() < Duration::from_secs(15));
    let outcome = scan.dialogue.and_then(|d| d.outcome);
    assert!(matches!(outcome, Some(Outcome::Malformed(_))), "{outcome:?}");
    assert!(!scan.errors.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_drip_greeting_ends_at_the_deadline() {
    let addr = hostile(b"2", b"2", Duration::from_millis(300));
    let started = Instant::now();
    let mut o = options(25, true);
    o.retries = 0;
    o.reset_retries = 0;
    let scan = scan_endpoint(addr, o).await;
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    assert!(scan.findings.versions.iter().all(|v| v.supported != Some(true)));
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_instead_of_tls_is_reported_not_believed() {
    let addr = hostile(b"HTTP/1.1 400 Bad Request\r\n\r\n", b"", Duration::from_secs(1));
    let started = Instant::now();
    let scan = scan_endpoint(addr, options(443, false)).await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(scan.findings.versions.iter().all(|v| v.supported != Some(true)));
}
