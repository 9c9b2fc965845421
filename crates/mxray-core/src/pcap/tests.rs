//! Tests of the pcap analysis on synthetic variants of a real capture: the TCP segments of
//! `tests/fixtures/pcap/smtp-starttls-tls13.pcap` re-encapsulated in every supported link
//! type, IPv6, VLAN tags, both byte orders and timestamp precisions, reordered and
//! retransmitted; and on damaged input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::container::Container;
use super::decode::{self, flags};
use super::reassembly::{Budget, Event, Stream};
use super::*;

const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/pcap/smtp-starttls-tls13.pcap");

/// An owned TCP segment.
#[derive(Clone, Debug)]
struct Seg {
    from_client: bool,
    sport: u16,
    dport: u16,
    seq: u32,
    flags: u8,
    payload: Vec<u8>,
}

/// The TCP segments of a capture, in capture order.
fn segments(capture: &[u8]) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut client = None;
    let mut container = Container::new();
    container
        .push(
            capture,
            &mut |p| {
                let s = decode::decode(p.linktype, p.data).unwrap();
                let c = *client.get_or_insert(s.sport);
                out.push(Seg {
                    from_client: s.sport == c,
                    sport: s.sport,
                    dport: s.dport,
                    seq: s.seq,
                    flags: s.flags,
                    payload: s.payload.to_vec(),
                });
            },
            &mut |_| {},
        )
        .unwrap();
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ip {
    V4,
    V6,
}

fn tcp_bytes(s: &Seg) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(&s.sport.to_be_bytes());
    t.extend_from_slice(&s.dport.to_be_bytes());
    t.extend_from_slice(&s.seq.to_be_bytes());
    t.extend_from_slice(&[0, 0, 0, 0, 0x50, s.flags, 0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(&s.payload);
    t
}

fn ip_bytes(s: &Seg, ip: Ip) -> Vec<u8> {
    let tcp = tcp_bytes(s);
    let (a, b) = if s.from_client { (1, 2) } else { (2, 1) };
    let mut p = Vec::new();
    match ip {
        Ip::V4 => {
            let total = (20 + tcp.len()) as u16;
            p.extend_from_slice(&[0x45, 0]);
            p.extend_from_slice(&total.to_be_bytes());
            p.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, a, 10, 0, 0, b]);
        }
        Ip::V6 => {
            p.extend_from_slice(&[0x60, 0, 0, 0]);
            // A hop-by-hop options header before TCP, to walk the extension chain.
            p.extend_from_slice(&((tcp.len() + 8) as u16).to_be_bytes());
            p.extend_from_slice(&[0, 64]);
            for last in [a, b] {
                let mut addr = [0u8; 16];
                addr[0] = 0x20;
                addr[1] = 0x01;
                addr[15] = last;
                p.extend_from_slice(&addr);
            }
            p.extend_from_slice(&[6, 0, 1, 4, 0, 0, 0, 0]);
        }
    }
    p.extend_from_slice(&tcp);
    p
}

/// A frame of `linktype` around the segment.
fn frame(linktype: i32, s: &Seg, ip: Ip, vlan_tags: usize) -> Vec<u8> {
    let packet = ip_bytes(s, ip);
    let ethertype: [u8; 2] = if ip == Ip::V4 { [0x08, 0x00] } else { [0x86, 0xdd] };
    let mut f = Vec::new();
    match linktype {
        1 => {
            f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2]);
            for i in 0..vlan_tags {
                f.extend_from_slice(if i == 0 { &[0x88, 0xa8] } else { &[0x81, 0x00] });
                f.extend_from_slice(&[0, 10]);
            }
            f.extend_from_slice(&ethertype);
        }
        113 => {
            f.extend_from_slice(&[0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
            f.extend_from_slice(&ethertype);
        }
        276 => {
            f.extend_from_slice(&ethertype);
            f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
        }
        0 => f.extend_from_slice(&(if ip == Ip::V4 { 2u32 } else { 30 }).to_le_bytes()),
        108 => f.extend_from_slice(&(if ip == Ip::V4 { 2u32 } else { 24 }).to_be_bytes()),
        101 | 228 | 229 => {}
        _ => unreachable!(),
    }
    f.extend_from_slice(&packet);
    f
}

fn put32(out: &mut Vec<u8>, v: u32, be: bool) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

fn put16(out: &mut Vec<u8>, v: u16, be: bool) {
    out.extend_from_slice(&if be { v.to_be_bytes() } else { v.to_le_bytes() });
}

/// A classic pcap file.
fn pcap(linktype: i32, frames: &[Vec<u8>], be: bool, nanos: bool) -> Vec<u8> {
    let mut out = Vec::new();
    put32(&mut out, if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }, be);
    put16(&mut out, 2, be);
    put16(&mut out, 4, be);
    put32(&mut out, 0, be);
    put32(&mut out, 0, be);
    put32(&mut out, 262_144, be);
    put32(&mut out, linktype as u32, be);
    for (i, f) in frames.iter().enumerate() {
        put32(&mut out, 1_700_000_000 + i as u32, be);
        put32(&mut out, 500, be);
        put32(&mut out, f.len() as u32, be);
        put32(&mut out, f.len() as u32, be);
        out.extend_from_slice(f);
    }
    out
}

/// A pcapng file with one interface.
fn pcapng(linktype: i32, frames: &[Vec<u8>], be: bool) -> Vec<u8> {
    let mut out = Vec::new();
    put32(&mut out, 0x0A0D_0D0A, be);
    put32(&mut out, 28, be);
    put32(&mut out, 0x1A2B_3C4D, be);
    put16(&mut out, 1, be);
    put16(&mut out, 0, be);
    out.extend_from_slice(&[0xff; 8]);
    put32(&mut out, 28, be);
    // Interface description with if_tsresol = 9 (nanoseconds).
    put32(&mut out, 1, be);
    put32(&mut out, 32, be);
    put16(&mut out, linktype as u16, be);
    put16(&mut out, 0, be);
    put32(&mut out, 0, be);
    put16(&mut out, 9, be);
    put16(&mut out, 1, be);
    out.extend_from_slice(&[9, 0, 0, 0]);
    out.extend_from_slice(&[0, 0, 0, 0]);
    put32(&mut out, 32, be);
    for f in frames {
        let padded = f.len().div_ceil(4) * 4;
        let len = 32 + padded as u32;
        put32(&mut out, 6, be);
        put32(&mut out, len, be);
        put32(&mut out, 0, be);
        put32(&mut out, 0x17a0_0000, be);
        put32(&mut out, 0, be);
        put32(&mut out, f.len() as u32, be);
        put32(&mut out, f.len() as u32, be);
        out.extend_from_slice(f);
        out.resize(out.len() + padded - f.len(), 0);
        put32(&mut out, len, be);
    }
    out
}

fn run(bytes: &[u8]) -> PcapReport {
    analyse(bytes, &mut |_, _| {}).unwrap()
}

/// The facts every variant must reproduce.
fn summary(report: &PcapReport) -> (usize, AppProtocol, Option<StartTlsStatus>, String, String, String) {
    assert_eq!(report.flows.len(), 1, "{:#?}", report);
    let flow = &report.flows[0];
    let hs = &report.handshakes[0];
    let client = hs.client.as_ref().unwrap();
    let server = hs.server.as_ref().unwrap();
    (
        report.handshakes.len(),
        flow.protocol,
        flow.starttls.as_ref().map(|s| s.status),
        client.ja3.hash.clone(),
        client.ja4.clone(),
        server.ja3s.hash.clone(),
    )
}

#[test]
fn every_link_type_ip_version_and_container_gives_the_same_answer() {
    let reference = summary(&run(FIXTURE));
    assert_eq!(reference.1, AppProtocol::Smtp);
    assert_eq!(reference.2, Some(StartTlsStatus::Used));
    let segs = segments(FIXTURE);
    for (linktype, ip, vlans) in [
        (1, Ip::V4, 0),
        (1, Ip::V4, 1),
        (1, Ip::V6, 2),
        (113, Ip::V6, 0),
        (276, Ip::V4, 0),
        (101, Ip::V4, 0),
        (101, Ip::V6, 0),
        (228, Ip::V4, 0),
        (229, Ip::V6, 0),
        (0, Ip::V4, 0),
        (0, Ip::V6, 0),
        (108, Ip::V6, 0),
    ] {
        let frames: Vec<Vec<u8>> = segs.iter().map(|s| frame(linktype, s, ip, vlans)).collect();
        for be in [false, true] {
            for nanos in [false, true] {
                let report = run(&pcap(linktype, &frames, be, nanos));
                assert_eq!(summary(&report), reference, "pcap link {linktype} {ip:?} be={be} ns={nanos}");
                assert_eq!(report.capture.byte_order, if be { "big" } else { "little" });
                let first = report.capture.first_packet.unwrap();
                let frac = first - first.floor();
                let want = if nanos { 500e-9 } else { 500e-6 };
                assert!((frac - want).abs() < 1e-7, "timestamp fraction {frac}");
                let flow = &report.flows[0];
                let want_ip = match ip {
                    Ip::V4 => IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
                    Ip::V6 => IpAddr::V6(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 1)),
                };
                assert_eq!(flow.client.ip, want_ip);
            }
            let report = run(&pcapng(linktype, &frames, be));
            assert_eq!(summary(&report), reference, "pcapng link {linktype} {ip:?} be={be}");
            assert_eq!(report.capture.format, "pcapng");
        }
    }
}

#[test]
fn out_of_order_and_retransmitted_segments_are_reassembled() {
    let reference = summary(&run(FIXTURE));
    let segs = segments(FIXTURE);
    // Split every data segment in three, send the pieces of each in reverse order, and
    // retransmit every piece once more (the second copy overlapping the first).
    let mut shuffled = Vec::new();
    for s in &segs {
        if s.payload.len() < 3 {
            shuffled.push(s.clone());
            continue;
        }
        let cut = [0, s.payload.len() / 3, 2 * s.payload.len() / 3, s.payload.len()];
        let pieces: Vec<Seg> = (0..3)
            .map(|i| Seg {
                seq: s.seq.wrapping_add(cut[i] as u32),
                payload: s.payload[cut[i]..cut[i + 1]].to_vec(),
                ..s.clone()
            })
            .collect();
        shuffled.extend(pieces.iter().rev().cloned());
        // An overlapping retransmit: the whole segment again.
        shuffled.push(s.clone());
    }
    let frames: Vec<Vec<u8>> = shuffled.iter().map(|s| frame(1, s, Ip::V4, 0)).collect();
    let report = run(&pcap(1, &frames, false, false));
    assert_eq!(report.handshakes.len(), 1, "{report:#?}");
    assert_eq!(summary(&report), reference);
    let flow = &report.flows[0];
    assert!(flow.out_of_order_segments > 0);
    assert!(flow.retransmitted_segments > 0);
    assert_eq!(flow.gaps, 0);
}

#[test]
fn a_capture_begun_mid_connection_is_read_from_its_first_segment() {
    let segs = segments(FIXTURE);
    // Drop the handshake's SYN and SYN-ACK: the client is found by the port heuristics
    // (the higher port) and the streams start at their first segments.
    let frames: Vec<Vec<u8>> =
        segs.iter().filter(|s| s.flags & flags::SYN == 0).map(|s| frame(1, s, Ip::V4, 0)).collect();
    let report = run(&pcap(1, &frames, false, false));
    assert_eq!(summary(&report), summary(&run(FIXTURE)));
    assert!(!report.flows[0].syn_seen);
}

#[test]
fn a_lost_segment_stops_the_connection_with_a_note() {
    let segs = segments(FIXTURE);
    // Drop the server's EHLO reply (its second segment with data).
    let first_server_data =
        segs.iter().enumerate().filter(|(_, s)| !s.from_client && !s.payload.is_empty()).nth(1).unwrap().0;
    let frames: Vec<Vec<u8>> = segs
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != first_server_data)
        .map(|(_, s)| frame(1, s, Ip::V4, 0))
        .collect();
    let report = run(&pcap(1, &frames, false, false));
    let flow = &report.flows[0];
    assert_eq!(flow.protocol, AppProtocol::Smtp);
    assert!(flow.gaps > 0, "{flow:#?}");
    assert!(flow.notes.iter().any(|n| n.contains("were not captured")), "{:?}", flow.notes);
}

#[test]
fn non_tcp_packets_are_counted_with_their_reason() {
    let segs = segments(FIXTURE);
    let mut frames: Vec<Vec<u8>> = segs.iter().map(|s| frame(1, s, Ip::V4, 0)).collect();
    let mut udp = frame(1, &segs[0], Ip::V4, 0);
    udp[14 + 9] = 17;
    let mut arp = frame(1, &segs[0], Ip::V4, 0);
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    let mut fragment = frame(1, &segs[0], Ip::V4, 0);
    fragment[14 + 6] = 0x20;
    let short = frame(1, &segs[0], Ip::V4, 0)[..30].to_vec();
    frames.extend([udp, arp, fragment, short]);
    let report = run(&pcap(1, &frames, false, false));
    let skipped = &report.capture.skipped;
    for reason in ["not TCP (UDP, ICMP, …)", "not IP (ARP, LLDP, …)", "IP fragment (not reassembled)"] {
        assert_eq!(skipped.get(reason), Some(&1), "{reason}: {skipped:?}");
    }
    assert_eq!(skipped.get("truncated headers (snap length too short)"), Some(&1));
    assert_eq!(report.capture.packets, segs.len() as u64 + 4);
}

#[test]
fn damaged_input_gives_a_clear_error_or_warning() {
    assert_eq!(analyse(&[], &mut |_, _| {}), Err(PcapError::Empty));
    let err = analyse(b"From: someone\r\nSubject: not a pcap\r\n", &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, PcapError::NotACapture { .. }));
    assert!(err.to_string().contains("not a pcap or pcapng capture"), "{err}");
    assert_eq!(
        analyse(&FIXTURE[..10], &mut |_, _| {}),
        Err(PcapError::TruncatedHeader { have: 10, need: 24 })
    );
    let mut wifi = FIXTURE[..24].to_vec();
    wifi[20..24].copy_from_slice(&105u32.to_le_bytes());
    let err = analyse(&wifi, &mut |_, _| {}).unwrap_err();
    assert_eq!(err, PcapError::UnsupportedLinkType { linktype: 105 });
    assert!(err.to_string().contains("Ethernet (1)"), "{err}");

    // A last packet cut short: a warning, and everything before it analysed.
    let cut = run(&FIXTURE[..FIXTURE.len() - 7]);
    assert!(cut.warnings.iter().any(|w| w.contains("truncated")), "{:?}", cut.warnings);
    assert_eq!(cut.handshakes.len(), 1);

    // A record header declaring a 4 GiB packet after valid ones: reading stops there.
    let mut damaged = FIXTURE.to_vec();
    damaged.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    damaged.extend(std::iter::repeat_n(0x5a, 1 << 20));
    let report = run(&damaged);
    assert!(report.warnings.iter().any(|w| w.contains("damaged")), "{:?}", report.warnings);
    assert_eq!(report.handshakes.len(), 1);
    assert_eq!(report.capture.bytes, damaged.len() as u64);
}

#[test]
fn chunked_input_gives_the_same_report_as_whole_input() {
    let whole = run(FIXTURE);
    for size in [1, 3, 16, 17, 100, 4096] {
        let mut analyser = Analyser::new();
        for chunk in FIXTURE.chunks(size) {
            analyser.push(chunk).unwrap();
        }
        assert_eq!(analyser.finish().unwrap(), whole, "chunks of {size}");
    }
}

#[test]
fn truncation_at_every_length_never_panics() {
    for cut in 0..FIXTURE.len() {
        let _ = analyse(&FIXTURE[..cut], &mut |_, _| {});
    }
}

fn collect(
    stream: &mut Stream,
    budget: &mut Budget,
    seq: u32,
    syn: bool,
    data: &[u8],
    out: &mut Vec<u8>,
) -> u64 {
    let mut lost = 0;
    stream.segment(seq, syn, data, 0, budget, &mut |e| match e {
        Event::Data(d) => out.extend_from_slice(d),
        Event::Gap(n) => lost += n,
    });
    lost
}

#[test]
fn reassembly_handles_wraparound_overlap_and_caps() {
    let mut budget = Budget::new(MAX_PENDING_TOTAL);
    let mut s = Stream::default();
    let mut out = Vec::new();
    let isn = u32::MAX - 2;
    collect(&mut s, &mut budget, isn, true, b"", &mut out);
    // Bytes 0..4 straddle the wrap of the sequence space; 4..8 arrive first.
    collect(&mut s, &mut budget, isn.wrapping_add(5), false, b"efgh", &mut out);
    assert!(out.is_empty());
    collect(&mut s, &mut budget, isn.wrapping_add(1), false, b"abcd", &mut out);
    assert_eq!(out, b"abcdefgh");
    // An overlap bringing two new bytes.
    collect(&mut s, &mut budget, isn.wrapping_add(7), false, b"ghij", &mut out);
    assert_eq!(out, b"abcdefghij");
    assert_eq!(s.retransmitted, 1);
    assert_eq!(s.out_of_order, 1);

    // The per-stream cap: a hole that never fills is given up on.
    let mut s = Stream::default();
    let mut out = Vec::new();
    collect(&mut s, &mut budget, 1000, false, b"x", &mut out);
    let chunk = vec![7u8; 60_000];
    let mut lost = 0;
    let mut seq = 2000u32;
    for _ in 0..20 {
        lost += collect(&mut s, &mut budget, seq, false, &chunk, &mut out);
        seq = seq.wrapping_add(chunk.len() as u32);
    }
    assert_eq!(lost, 999, "the hole between the first byte and the waiting data");
    assert!(out.len() > 1 + chunk.len() * 15);
    s.release(&mut budget);

    // The total cap.
    let mut small = Budget::new(10);
    let mut s = Stream::default();
    let mut out = Vec::new();
    collect(&mut s, &mut small, 0, false, b"a", &mut out);
    assert_eq!(collect(&mut s, &mut small, 100, false, &[1; 20], &mut out), 99);
    assert_eq!(out.len(), 21);
}

#[test]
fn fingerprints_leave_grease_out() {
    use crate::registry::{CipherSuite, ProtocolVersion};
    use crate::sim::SeededRng;
    use crate::wire::client_hello::ClientHelloBuilder;
    use crate::wire::extensions::ClientExtension;

    let hello = ClientHelloBuilder::new(ProtocolVersion::TLSV1_2)
        .cipher_suites([CipherSuite(0x1301), CipherSuite(0xc02f)])
        .extension(ClientExtension::host_name("mx.example.org"))
        .grease(true)
        .build(&mut SeededRng(1))
        .unwrap();
    assert!(hello.cipher_suites.iter().any(|c| c.is_grease()));
    let ja3 = fingerprint::ja3(&hello);
    assert!(ja3.string.starts_with("771,4865-49199,"), "{}", ja3.string);
    assert!(!ja3.string.contains("2570"), "no GREASE value: {}", ja3.string);
    assert_eq!(ja3.hash.len(), 32);
    let ja4 = fingerprint::ja4(&hello);
    assert!(ja4.starts_with("t12d02"), "{ja4}");
    assert_eq!(ja4.len(), 36, "{ja4}");
}

#[test]
fn starttls_verdicts_of_plaintext_dialogues() {
    use super::session::Session;

    /// The exchange as alternating server/client pieces (server first), then the expected
    /// protocol, verdict, stripped flag and plaintext command.
    type Case<'a> = (&'a [&'a [u8]], AppProtocol, StartTlsStatus, bool, Option<&'a str>);
    let cases: &[Case<'_>] = &[
        (
            &[
                b"220 mx ESMTP\r\n",
                b"EHLO a\r\n",
                b"250-mx\r\n250 STARTTLS\r\n",
                b"STARTTLS\r\n",
                b"454 TLS not available\r\n",
            ],
            AppProtocol::Smtp,
            StartTlsStatus::Refused,
            false,
            None,
        ),
        (
            &[b"+OK ready\r\n", b"CAPA\r\n", b"+OK\r\nSTLS\r\nUSER\r\n.\r\n", b"USER bob\r\n"],
            AppProtocol::Pop3,
            StartTlsStatus::OfferedNotUsed,
            true,
            Some("USER"),
        ),
        (
            &[b"* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] hi\r\n", b"a1 LOGIN bob secret\r\n"],
            AppProtocol::Imap,
            StartTlsStatus::OfferedNotUsed,
            true,
            Some("LOGIN"),
        ),
        (
            &[
                b"220 mx ESMTP\r\n",
                b"EHLO a\r\n",
                b"250-mx\r\n250-XXXXXXXA\r\n250 8BITMIME\r\n",
                b"QUIT\r\n",
                b"221 bye\r\n",
            ],
            AppProtocol::Smtp,
            StartTlsStatus::NotOffered,
            true,
            None,
        ),
        (
            &[b"220 mx ESMTP\r\n", b"EHLO a\r\n", b"250-mx\r\n250 STARTTLS\r\n", b"QUIT\r\n", b"221 bye\r\n"],
            AppProtocol::Smtp,
            StartTlsStatus::OfferedNotUsed,
            false,
            None,
        ),
        (
            &[b"\"IMPLEMENTATION\" \"sieve\"\r\n\"STARTTLS\"\r\nOK\r\n", b"STARTTLS\r\n", b"OK \"go\"\r\n"],
            AppProtocol::Sieve,
            StartTlsStatus::Used,
            false,
            None,
        ),
    ];
    for (i, (pieces, protocol, status, stripped, command)) in cases.iter().enumerate() {
        let mut session = Session::new();
        for (n, piece) in pieces.iter().enumerate() {
            session.on_data(n % 2 == 1, piece);
        }
        assert_eq!(session.protocol, *protocol, "case {i}");
        let (starttls, dialogue) = session.finish();
        let starttls = starttls.unwrap();
        assert_eq!(starttls.status, *status, "case {i}: {dialogue:?}");
        assert_eq!(starttls.stripped, *stripped, "case {i}");
        assert_eq!(starttls.plaintext_command.as_deref(), *command, "case {i}");
    }
}
