//! The pcap analysis on real captures of the test harness (`tests/fixtures/pcap/`, made by
//! its `regenerate.sh`): flows, STARTTLS verdicts, versions, suites, SNI, and JA3/JA3S/JA4
//! equal to the values tshark 4.0 (JA3, JA3S) and the independent `ja4.py` (JA4 over
//! tshark's fields) recorded in `expected.tsv`.

use mxray_core::pcap::{AppProtocol, PcapReport, StartTlsStatus, analyse};

/// The capture called `name` (the core does no IO, even in its tests: the files are
/// compiled in).
fn capture(name: &str) -> &'static [u8] {
    macro_rules! files {
        ($($file:literal),*) => {
            match name {
                $($file => include_bytes!(concat!("fixtures/pcap/", $file)),)*
                _ => panic!("no fixture {name}"),
            }
        };
    }
    files!(
        "smtp-starttls-tls13.pcap",
        "smtp-starttls-tls12.pcapng",
        "imap-starttls-tls12.pcap",
        "pop3-starttls-tls13.pcap",
        "imaps-tls13.pcapng",
        "pop3s-tls12.pcap",
        "tls13-only.pcap",
        "smtp-offered-not-used.pcap",
        "smtp-not-offered.pcap"
    )
}

fn report(name: &str) -> PcapReport {
    let bytes = capture(name);
    let mut calls = 0;
    let report = analyse(bytes, &mut |done, total| {
        calls += 1;
        assert!(done <= total);
    })
    .unwrap();
    assert!(calls >= 1, "progress is reported");
    assert!(report.warnings.is_empty(), "{name}: {:?}", report.warnings);
    report
}

/// One row of expected.tsv: file, server port, JA3, JA3S, JA4.
struct Expected {
    port: u16,
    ja3: String,
    ja3s: String,
    ja4: String,
}

fn expected(name: &str) -> Expected {
    let tsv = include_str!("fixtures/pcap/expected.tsv");
    let row = tsv.lines().find(|l| l.split('\t').next() == Some(name)).unwrap();
    let cols: Vec<&str> = row.split('\t').collect();
    Expected {
        port: cols[1].parse().unwrap(),
        ja3: cols[2].to_owned(),
        ja3s: cols[3].to_owned(),
        ja4: cols[4].to_owned(),
    }
}

/// Checks the single connection and handshake of a TLS fixture.
fn check_tls(name: &str, protocol: AppProtocol, version: &str, link: i32, format: &str) {
    let report = report(name);
    let want = expected(name);
    assert_eq!(report.capture.format, format, "{name}");
    assert_eq!(report.capture.link_types.iter().map(|l| l.code).collect::<Vec<_>>(), [link], "{name}");
    assert_eq!(report.flows.len(), 1, "{name}: {:#?}", report.flows);
    let flow = &report.flows[0];
    assert!(flow.syn_seen);
    assert_eq!(flow.server.port, want.port);
    assert_eq!(flow.protocol, protocol, "{name}");
    assert_eq!(flow.implicit_tls, protocol == AppProtocol::Tls);
    assert_eq!(flow.notes, Vec::<String>::new(), "{name}");
    if protocol == AppProtocol::Tls {
        assert!(flow.starttls.is_none());
    } else {
        let starttls = flow.starttls.as_ref().unwrap();
        assert_eq!(starttls.status, StartTlsStatus::Used, "{name}");
        assert!(starttls.offered && starttls.used && !starttls.stripped);
        let dialogue = flow.dialogue.as_ref().unwrap();
        assert!(dialogue.banner.is_some(), "{name}: the banner is recorded");
    }
    assert_eq!(report.handshakes.len(), 1);
    let hs = &report.handshakes[0];
    assert_eq!(hs.after_starttls, protocol != AppProtocol::Tls);
    assert_eq!(hs.errors, Vec::<String>::new(), "{name}");
    let client = hs.client.as_ref().unwrap();
    let server = hs.server.as_ref().unwrap();
    assert_eq!(client.sni.as_deref(), Some("mail.test.example"), "{name}");
    assert_eq!(client.ja3.hash, want.ja3, "{name}: JA3 {}", client.ja3.string);
    assert_eq!(server.ja3s.hash, want.ja3s, "{name}: JA3S {}", server.ja3s.string);
    assert_eq!(client.ja4, want.ja4, "{name}: JA4");
    assert_eq!(server.version, version, "{name}");
    assert!(server.suite.name.is_some(), "{name}: the suite has a registry name");
    if version == "TLSv1.3" {
        assert!(client.offered_versions.contains(&"TLSv1.3".to_owned()));
        assert!(hs.certificates.is_empty(), "TLS 1.3 certificates are encrypted");
    } else {
        assert!(!hs.certificates.is_empty(), "{name}: TLS 1.2 sends the chain in clear");
        assert!(hs.certificates[0].dns_names.contains(&"mail.test.example".to_owned()), "{name}");
    }
}

#[test]
fn smtp_starttls_tls13_ethernet_pcap() {
    check_tls("smtp-starttls-tls13.pcap", AppProtocol::Smtp, "TLSv1.3", 1, "pcap");
}

#[test]
fn smtp_starttls_tls12_sll2_pcapng() {
    check_tls("smtp-starttls-tls12.pcapng", AppProtocol::Smtp, "TLSv1.2", 276, "pcapng");
}

#[test]
fn imap_starttls_tls12_nanosecond_pcap() {
    check_tls("imap-starttls-tls12.pcap", AppProtocol::Imap, "TLSv1.2", 1, "pcap");
    assert_eq!(report("imap-starttls-tls12.pcap").capture.timestamps, "nanosecond");
}

#[test]
fn pop3_starttls_tls13_sll_pcap() {
    check_tls("pop3-starttls-tls13.pcap", AppProtocol::Pop3, "TLSv1.3", 113, "pcap");
}

#[test]
fn imaps_implicit_tls13_pcapng_with_alpn() {
    check_tls("imaps-tls13.pcapng", AppProtocol::Tls, "TLSv1.3", 1, "pcapng");
    let report = report("imaps-tls13.pcapng");
    assert_eq!(report.handshakes[0].client.as_ref().unwrap().alpn, ["imap"]);
}

#[test]
fn pop3s_implicit_tls12() {
    check_tls("pop3s-tls12.pcap", AppProtocol::Tls, "TLSv1.2", 1, "pcap");
}

#[test]
fn s_server_tls13_only() {
    check_tls("tls13-only.pcap", AppProtocol::Tls, "TLSv1.3", 1, "pcap");
    let report = report("tls13-only.pcap");
    let client = report.handshakes[0].client.as_ref().unwrap();
    assert!(client.offered_versions.contains(&"TLSv1.2".to_owned()), "{:?}", client.offered_versions);
}

#[test]
fn starttls_offered_but_not_used() {
    let report = report("smtp-offered-not-used.pcap");
    assert_eq!(report.flows.len(), 1);
    let flow = &report.flows[0];
    assert_eq!(flow.protocol, AppProtocol::Smtp);
    let starttls = flow.starttls.as_ref().unwrap();
    assert_eq!(starttls.status, StartTlsStatus::OfferedNotUsed);
    assert!(starttls.offered && !starttls.used && starttls.stripped);
    assert_eq!(starttls.plaintext_command.as_deref(), Some("MAIL"));
    assert!(report.handshakes.is_empty());
}

#[test]
fn starttls_not_offered() {
    let report = report("smtp-not-offered.pcap");
    let flow = &report.flows[0];
    let starttls = flow.starttls.as_ref().unwrap();
    assert_eq!(starttls.status, StartTlsStatus::NotOffered);
    assert!(!starttls.offered && starttls.stripped);
    let dialogue = flow.dialogue.as_ref().unwrap();
    assert_eq!(dialogue.banner.as_deref(), Some("notls.test ESMTP"));
    assert_eq!(dialogue.auth_before_tls, ["PLAIN", "LOGIN"]);
}
