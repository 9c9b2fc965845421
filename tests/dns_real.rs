//! The DNSSEC resolver (`mxray_net::dns`) against a real Knot DNS serving a signed test tree
//! on 127.0.0.1 (`harness/dns.rs`), with the parent's key as the only trust anchor. Every
//! query goes to that server explicitly; nothing falls back to `/etc/resolv.conf`.
//!
//! Cases: a secure zone (MX, A, AAAA, TLSA, TXT, SRV, secure NXDOMAIN and NODATA, implicit
//! MX), an insecure zone, a zone whose parent DS does not match its key, a zone behind a DS
//! that is served unsigned, a zone whose signatures expired, a null MX, an MX host without addresses, a DS trust anchor, a
//! wrong trust anchor, REFUSED for a name outside the tree, and a silent server (timeout).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use mxray_core::dane::Tlsa;
use mxray_core::dns::{Answer, DnssecStatus, ErrorKind, MailRouting, Mx, Outcome, mail_routing};
use mxray_net::dns::{DnsConfig, DnsResolver, TrustAnchorFile};
use mxray_tests::{Delegation, Knot, Zone};

const TLSA_DATA: &str = "8bd2b1a6bd3b1d5d1ff66ac0ac05d4cd7e0f1e4c2b9f3a1d6e7c8b9a0f1e2d3c";

fn tree() -> Knot {
    let secure = Zone::new("secure", Delegation::Secure)
        .record("@ MX 10 mx1")
        .record("@ MX 20 mx2")
        .record("mx1 A 127.0.0.2")
        .record("mx1 AAAA ::1")
        .record("mx2 A 127.0.0.3")
        .record(format!("_25._tcp.mx1 TLSA 3 1 1 {TLSA_DATA}"))
        .record("@ TXT \"v=spf1 \" \"ip4:127.0.0.2 -all\"")
        .record("_submissions._tcp SRV 0 1 465 mx1")
        .record("implicit A 127.0.0.4")
        .record("2.0.0.127.in-addr TXT \"not a PTR\"");
    let insecure =
        Zone::new("insecure", Delegation::Insecure).record("@ MX 10 mx1").record("mx1 A 127.0.0.2");
    let bogus = Zone::new("bogus", Delegation::BogusDs).record("@ MX 10 mx1").record("mx1 A 127.0.0.2");
    let unsigned =
        Zone::new("unsigned", Delegation::DsButUnsigned).record("@ MX 10 mx1").record("mx1 A 127.0.0.2");
    let expired =
        Zone::new("expired", Delegation::ExpiredSignatures).record("@ MX 10 mx1").record("mx1 A 127.0.0.2");
    let nullmx = Zone::new("nullmx", Delegation::Secure).record("@ MX 0 .");
    let noaddr = Zone::new("noaddr", Delegation::Secure).record("@ MX 10 mx1");
    Knot::start(&[], &[secure, insecure, bogus, unsigned, expired, nullmx, noaddr]).expect("knotd starts")
}

fn config(server: SocketAddr, anchor: &std::path::Path) -> DnsConfig {
    DnsConfig {
        server: Some(server),
        trust_anchor: Some(TrustAnchorFile { text: std::fs::read_to_string(anchor).unwrap() }),
        timeout: Duration::from_secs(2),
        attempts: 2,
        deadline: Duration::from_secs(10),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn records<T: Clone + std::fmt::Debug>(answer: &Answer<T>) -> Vec<T> {
    match &answer.outcome {
        Outcome::Records { records } => records.clone(),
        other => {
            panic!("{} {}: expected records, got {other:?} ({})", answer.name, answer.rtype, answer.dnssec)
        }
    }
}

fn mx(preference: u16, exchange: &str) -> Mx {
    Mx { preference, exchange: exchange.into() }
}

#[test]
fn secure_zone_answers_are_secure_with_every_record_type() {
    let knot = tree();
    let rt = runtime();
    let r = rt.block_on(DnsResolver::new(&config(knot.addr(), knot.trust_anchor()))).unwrap();
    rt.block_on(async {
        let answer = r.mx("secure.mxray.test").await;
        assert_eq!(answer.dnssec, DnssecStatus::Secure, "{answer:?}\n{}", knot.log());
        assert_eq!(records(&answer), [mx(10, "mx1.secure.mxray.test."), mx(20, "mx2.secure.mxray.test.")]);
        assert_eq!(answer.name, "secure.mxray.test.");
        assert_eq!(answer.rtype, "MX");

        let a = r.a("mx1.secure.mxray.test.").await;
        assert_eq!(
            (records(&a), a.dnssec),
            (vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))], DnssecStatus::Secure)
        );
        let aaaa = r.aaaa("mx1.secure.mxray.test").await;
        assert_eq!(
            (records(&aaaa), aaaa.dnssec),
            (vec!["::1".parse::<IpAddr>().unwrap()], DnssecStatus::Secure)
        );
        let mx2_aaaa = r.aaaa("mx2.secure.mxray.test").await;
        assert_eq!((&mx2_aaaa.outcome, &mx2_aaaa.dnssec), (&Outcome::NoData, &DnssecStatus::Secure));

        let tlsa = r.tlsa(25, "mx1.secure.mxray.test").await;
        assert_eq!(tlsa.name, "_25._tcp.mx1.secure.mxray.test.");
        assert_eq!(tlsa.dnssec, DnssecStatus::Secure);
        assert_eq!(records(&tlsa), [Tlsa::parse(&format!("3 1 1 {TLSA_DATA}")).unwrap()]);
        let no_tlsa = r.tlsa(25, "mx2.secure.mxray.test").await;
        assert_eq!((&no_tlsa.outcome, &no_tlsa.dnssec), (&Outcome::NxDomain, &DnssecStatus::Secure));

        let txt = r.txt("secure.mxray.test").await;
        assert_eq!(txt.dnssec, DnssecStatus::Secure);
        assert_eq!(records(&txt)[0].strings, ["v=spf1 ", "ip4:127.0.0.2 -all"]);
        assert_eq!(records(&txt)[0].joined(), "v=spf1 ip4:127.0.0.2 -all");

        let srv = r.srv("_submissions._tcp.secure.mxray.test").await;
        assert_eq!(srv.dnssec, DnssecStatus::Secure);
        let srv = records(&srv);
        assert_eq!((srv[0].priority, srv[0].weight, srv[0].port), (0, 1, 465));
        assert_eq!(srv[0].target, "mx1.secure.mxray.test.");

        let nx = r.a("nope.secure.mxray.test").await;
        assert_eq!((&nx.outcome, &nx.dnssec), (&Outcome::NxDomain, &DnssecStatus::Secure));

        let implicit = r.mx("implicit.secure.mxray.test").await;
        assert_eq!((&implicit.outcome, &implicit.dnssec), (&Outcome::NoData, &DnssecStatus::Secure));
        assert_eq!(
            mail_routing(&implicit),
            MailRouting::Implicit { host: "implicit.secure.mxray.test.".into() }
        );
        assert_eq!(
            mail_routing(&r.mx("secure.mxray.test").await),
            MailRouting::Exchangers {
                hosts: vec![mx(10, "mx1.secure.mxray.test."), mx(20, "mx2.secure.mxray.test.")]
            }
        );
    });
}

#[test]
fn insecure_bogus_null_mx_and_missing_addresses() {
    let knot = tree();
    let rt = runtime();
    let r = rt.block_on(DnsResolver::new(&config(knot.addr(), knot.trust_anchor()))).unwrap();
    rt.block_on(async {
        let insecure = r.mx("insecure.mxray.test").await;
        assert_eq!(insecure.dnssec, DnssecStatus::Insecure, "{insecure:?}");
        assert_eq!(records(&insecure), [mx(10, "mx1.insecure.mxray.test.")]);
        let insecure_a = r.a("mx1.insecure.mxray.test").await;
        assert_eq!(insecure_a.dnssec, DnssecStatus::Insecure);
        let insecure_nx = r.a("nope.insecure.mxray.test").await;
        assert_eq!(
            (&insecure_nx.outcome, &insecure_nx.dnssec),
            (&Outcome::NxDomain, &DnssecStatus::Insecure)
        );

        let bogus = r.mx("bogus.mxray.test").await;
        let DnssecStatus::Bogus(reason) = &bogus.dnssec else { panic!("{bogus:?}") };
        assert!(
            reason.contains("no DNSKEY of bogus.mxray.test.") && reason.contains("digest mismatch"),
            "{reason}"
        );
        assert!(matches!(bogus.outcome, Outcome::Error { error: ErrorKind::Bogus, .. }), "{bogus:?}");
        assert!(bogus.records().is_empty());
        assert_eq!(mail_routing(&bogus), MailRouting::Unknown);
        let bogus_a = r.a("mx1.bogus.mxray.test").await;
        assert!(matches!(bogus_a.dnssec, DnssecStatus::Bogus(_)), "{bogus_a:?}");

        let unsigned = r.mx("unsigned.mxray.test").await;
        let DnssecStatus::Bogus(reason) = &unsigned.dnssec else { panic!("{unsigned:?}") };
        assert!(reason.contains("unsigned.mxray.test. publishes no DNSKEY"), "{reason}");

        let expired = r.mx("expired.mxray.test").await;
        let DnssecStatus::Bogus(reason) = &expired.dnssec else { panic!("{expired:?}") };
        assert!(reason.contains("expired.mxray.test.'s keys match its DS, but the signatures"), "{reason}");
        assert!(expired.records().is_empty());

        let null = r.mx("nullmx.mxray.test").await;
        assert_eq!(null.dnssec, DnssecStatus::Secure);
        assert_eq!(records(&null), [mx(0, ".")]);
        assert_eq!(mail_routing(&null), MailRouting::NullMx);

        let noaddr = r.mx("noaddr.mxray.test").await;
        assert_eq!(records(&noaddr), [mx(10, "mx1.noaddr.mxray.test.")]);
        for answer in [r.a("mx1.noaddr.mxray.test").await, r.aaaa("mx1.noaddr.mxray.test").await] {
            assert_eq!((&answer.outcome, &answer.dnssec), (&Outcome::NxDomain, &DnssecStatus::Secure));
        }
        let absent = r.mx("absent.mxray.test").await;
        assert_eq!((&absent.outcome, &absent.dnssec), (&Outcome::NxDomain, &DnssecStatus::Secure));
        assert_eq!(mail_routing(&absent), MailRouting::NoSuchDomain);
    });
}

#[test]
fn ds_trust_anchor_wrong_anchor_refused_and_timeout() {
    let knot = tree();
    let rt = runtime();
    let by_ds = rt.block_on(DnsResolver::new(&config(knot.addr(), knot.trust_anchor_ds()))).unwrap();
    let secure = rt.block_on(by_ds.mx("secure.mxray.test"));
    assert_eq!(secure.dnssec, DnssecStatus::Secure, "a DS anchor validates like the DNSKEY: {secure:?}");
    let bogus = rt.block_on(by_ds.mx("bogus.mxray.test"));
    assert!(matches!(bogus.dnssec, DnssecStatus::Bogus(_)), "{bogus:?}");

    // The parent's real key with one base64 character changed: nothing chains to it.
    let anchor = std::fs::read_to_string(knot.trust_anchor()).unwrap();
    let (head, key) = anchor.trim_end().rsplit_once(' ').unwrap();
    let flipped = if key.starts_with('A') { "B" } else { "A" };
    let wrong = DnsConfig {
        trust_anchor: Some(TrustAnchorFile { text: format!("{head} {flipped}{}\n", &key[1..]) }),
        ..config(knot.addr(), knot.trust_anchor())
    };
    let r = rt.block_on(DnsResolver::new(&wrong)).unwrap();
    let answer = rt.block_on(r.mx("secure.mxray.test"));
    assert_ne!(answer.dnssec, DnssecStatus::Secure, "{answer:?}");
    assert!(answer.records().is_empty() || answer.dnssec == DnssecStatus::Indeterminate, "{answer:?}");

    // A DS anchor whose digest matches no key is refused when the resolver is built.
    let ds = std::fs::read_to_string(knot.trust_anchor_ds()).unwrap();
    let line = ds.lines().next().unwrap();
    let last = if line.ends_with('0') { '1' } else { '0' };
    let bad_ds = format!("{}{last}\n", &line[..line.len() - 1]);
    let bad = DnsConfig {
        trust_anchor: Some(TrustAnchorFile { text: bad_ds }),
        ..config(knot.addr(), knot.trust_anchor())
    };
    let err = rt.block_on(DnsResolver::new(&bad)).unwrap_err().to_string();
    assert!(err.contains("no DNSKEY of mxray.test. matches its DS trust anchor"), "{err}");

    // Knot refuses names it is not authoritative for.
    let r = rt.block_on(DnsResolver::new(&config(knot.addr(), knot.trust_anchor()))).unwrap();
    let outside = rt.block_on(r.a("example.org"));
    assert!(matches!(outside.outcome, Outcome::Error { error: ErrorKind::Refused, .. }), "{outside:?}");

    // A UDP socket that never answers (and no TCP listener on its port).
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let quiet = DnsConfig {
        server: Some(silent.local_addr().unwrap()),
        timeout: Duration::from_millis(300),
        attempts: 1,
        deadline: Duration::from_secs(3),
        ..config(knot.addr(), knot.trust_anchor())
    };
    let r = rt.block_on(DnsResolver::new(&quiet)).unwrap();
    let t0 = Instant::now();
    let answer = rt.block_on(r.mx("secure.mxray.test"));
    assert!(t0.elapsed() < Duration::from_secs(5), "took {:?}", t0.elapsed());
    assert!(matches!(answer.outcome, Outcome::Error { error: ErrorKind::Timeout, .. }), "{answer:?}");
    assert_eq!(answer.dnssec, DnssecStatus::Indeterminate);
}
