//! Table tests of candidate building, SRV handling, probe planning, name coverage and
//! plaintext login exposure.

use super::*;
use crate::dns::{DnssecStatus, Outcome};
use crate::starttls::{Capability, Protocol};

const LEAF: &[u8] = include_bytes!("../../tests/fixtures/dane/leaf.der");
const CA: &[u8] = include_bytes!("../../tests/fixtures/dane/ca.der");
const WRONG_NAME: &[u8] = include_bytes!("../../tests/fixtures/dane/wrong-name.der");
/// 2026-11-22 (inside the fixtures' validity).
const NOW: i64 = 1_795_305_600;

fn srv_answer(name: &str, records: &[(u16, u16, u16, &str)]) -> Answer<Srv> {
    let records = records
        .iter()
        .map(|&(priority, weight, port, target)| Srv { priority, weight, port, target: target.into() })
        .collect::<Vec<_>>();
    let outcome = if records.is_empty() { Outcome::NxDomain } else { Outcome::Records { records } };
    Answer { name: name.into(), rtype: "SRV", dnssec: DnssecStatus::Secure, outcome }
}

#[test]
fn srv_dot_target_means_not_available_and_is_not_probed() {
    type Case<'a> = (&'a [(u16, u16, u16, &'a str)], bool, &'a [(&'a str, u16)]);
    let cases: [Case<'_>; 5] = [
        (&[(0, 0, 0, ".")], true, &[]),
        (&[], false, &[]),
        (&[(10, 1, 993, "imap.example.org.")], false, &[("imap.example.org.", 993)]),
        // Priority first, then higher weight first.
        (
            &[(20, 0, 993, "b.example.org"), (10, 1, 993, "c.example.org."), (10, 5, 9993, "a.example.org.")],
            false,
            &[("a.example.org.", 9993), ("c.example.org.", 993), ("b.example.org.", 993)],
        ),
        // A "." among other records is not the RFC 2782 "decidedly not available" form.
        (&[(0, 0, 0, "."), (10, 0, 993, "imap.example.org.")], false, &[("imap.example.org.", 993)]),
    ];
    for (records, not_available, targets) in cases {
        let lookup = SrvLookup::new(ClientService::Imaps, srv_answer("_imaps._tcp.example.org.", records));
        assert_eq!(lookup.not_available, not_available, "{records:?}");
        let got = lookup.targets();
        let want: Vec<(String, u16)> = targets.iter().map(|(n, p)| ((*n).to_owned(), *p)).collect();
        assert_eq!(got, want, "{records:?}");
    }
}

#[test]
fn candidates_merge_origins_and_skip_null_mx() {
    let srv = [
        SrvLookup::new(
            ClientService::Submission,
            srv_answer("_submission._tcp.example.org.", &[(0, 1, 587, "Mail.Example.org.")]),
        ),
        SrvLookup::new(ClientService::Pop3s, srv_answer("_pop3s._tcp.example.org.", &[(0, 0, 0, ".")])),
        SrvLookup::new(
            ClientService::Imaps,
            srv_answer("_imaps._tcp.example.org.", &[(0, 1, 993, "mx.other.net")]),
        ),
    ];
    let got = candidates(
        "Example.org",
        &["mx1.example.org.".into(), ".".into()],
        &srv,
        &["webmail.example.org".into(), "mx1.example.org".into()],
    );
    let names: Vec<&str> = got.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "mx1.example.org.",
            "mail.example.org.",
            "smtp.example.org.",
            "imap.example.org.",
            "pop.example.org.",
            "autodiscover.example.org.",
            "mx.other.net.",
            "webmail.example.org.",
        ]
    );
    assert_eq!(got[0].origins, [Origin::Mx, Origin::Host]);
    assert_eq!(
        got[1].origins,
        [Origin::Usual("mail".into()), Origin::Srv("_submission._tcp.example.org.".into())]
    );
    assert_eq!(got[6].origins, [Origin::Srv("_imaps._tcp.example.org.".into())]);
    // Bounded.
    let many: Vec<String> = (0..200).map(|i| format!("h{i}.example.org")).collect();
    assert_eq!(candidates("example.org", &[], &[], &many).len(), MAX_CANDIDATES);
}

#[test]
fn probes_cover_usual_ports_and_srv_ports() {
    let srv = [SrvLookup::new(
        ClientService::Imaps,
        srv_answer(
            "_imaps._tcp.example.org.",
            &[(0, 1, 10993, "imap.example.org."), (1, 0, 0, "zero.example.org.")],
        ),
    )];
    let cands = candidates("example.org", &[], &srv, &[]);
    let lab = |s: ClientService| if s == ClientService::Submission { 2587 } else { s.port() };
    let probes = plan_probes(&cands, &srv, lab);
    // 5 usual names × 9 services, plus the SRV's own port on imap.; port 0 skipped.
    assert_eq!(probes.len(), 5 * 9 + 1, "{probes:#?}");
    let imap: Vec<(u16, ClientService)> =
        probes.iter().filter(|p| p.name == "imap.example.org.").map(|p| (p.port, p.service)).collect();
    assert!(imap.contains(&(10993, ClientService::Imaps)));
    assert!(imap.contains(&(2587, ClientService::Submission)));
    assert!(!imap.iter().any(|(p, _)| *p == 587));
    assert!(imap.contains(&(80, ClientService::Http)));
    let srv_probe = probes.iter().find(|p| p.port == 10993).unwrap();
    assert_eq!(srv_probe.origins, [Origin::Srv("_imaps._tcp.example.org.".into())]);
    // An SRV record on a standard port merges with the usual name's probe of that port.
    let srv993 = [SrvLookup::new(
        ClientService::Imaps,
        srv_answer("_imaps._tcp.example.org.", &[(0, 1, 993, "imap.example.org.")]),
    )];
    let probes = plan_probes(&candidates("example.org", &[], &srv993, &[]), &srv993, ClientService::port);
    assert_eq!(probes.len(), 5 * 9);
    let p993 = probes.iter().find(|p| p.name == "imap.example.org." && p.port == 993).unwrap();
    assert_eq!(p993.origins, [Origin::Srv("_imaps._tcp.example.org.".into()), Origin::Usual("imap".into())]);
    assert!(!probes.iter().any(|p| p.name == "zero.example.org."));
}

#[test]
fn services_and_ports() {
    for s in ClientService::USUAL {
        assert_eq!(ClientService::from_port(s.port()), Some(s));
        if let Some(service) = s.scan_service() {
            assert_eq!(service.default_port(), Some(s.port()), "{s:?}");
        }
    }
    assert_eq!(ClientService::Http.scan_service(), None);
    let tlsa: Vec<u16> =
        ClientService::USUAL.into_iter().filter(|s| s.wants_tlsa()).map(|s| s.port()).collect();
    assert_eq!(tlsa, [465, 587, 993, 995, 443]);
}

#[test]
fn certificate_name_coverage() {
    let trust = TrustStore::empty().with_extra(CA).unwrap();
    let cases: [(&[&[u8]], &str, bool, bool); 6] = [
        (&[LEAF, CA], "mx1.mxray.test", true, true),
        (&[LEAF, CA], "MX1.mxray.test.", true, true),
        (&[LEAF, CA], "mail.mxray.test", false, true),
        (&[LEAF], "mx1.mxray.test", true, true),
        (&[WRONG_NAME], "mx1.mxray.test", false, true),
        (&[WRONG_NAME], "www.other.test", true, true),
    ];
    for (chain, name, covers, trusted) in cases {
        let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
        let check = certificate_check(&chain, name, &trust, NOW).unwrap();
        assert_eq!(check.covers_name, covers, "{name}");
        assert_eq!(check.untrusted.is_none(), trusted, "{name}: {:?}", check.untrusted);
    }
    // Without the CA among the roots, the same chain does not validate.
    let untrusted = certificate_check(&[LEAF.to_vec()], "mx1.mxray.test", &TrustStore::empty(), NOW).unwrap();
    assert!(untrusted.covers_name);
    assert!(untrusted.untrusted.is_some());
    assert_eq!(certificate_check(&[], "x", &trust, NOW), None);
    assert_eq!(certificate_check(&[b"junk".to_vec()], "x", &trust, NOW), None);
}

fn dialogue(protocol: Protocol, caps: Vec<Capability>) -> Dialogue {
    let mut d = Dialogue::new(protocol);
    d.set_capabilities(caps);
    d
}

#[test]
fn plaintext_login_exposure_per_protocol() {
    let auth = |m: &[&str]| Capability::Auth(m.iter().map(|s| (*s).to_owned()).collect());
    let cases = [
        (dialogue(Protocol::Smtp, vec![Capability::StartTls]), false, false, false, 0),
        (
            dialogue(Protocol::Smtp, vec![Capability::StartTls, auth(&["PLAIN", "LOGIN"])]),
            true,
            false,
            false,
            2,
        ),
        (
            dialogue(Protocol::Imap, vec![Capability::StartTls, Capability::LoginDisabled]),
            false,
            false,
            false,
            0,
        ),
        (dialogue(Protocol::Imap, vec![Capability::StartTls]), true, true, false, 0),
        (dialogue(Protocol::Imap, vec![Capability::StartTls, auth(&["PLAIN"])]), true, true, false, 1),
        (dialogue(Protocol::Pop3, vec![Capability::StartTls]), false, false, false, 0),
        (dialogue(Protocol::Pop3, vec![Capability::StartTls, Capability::User]), true, false, true, 0),
        (dialogue(Protocol::Sieve, vec![Capability::StartTls, auth(&["PLAIN"])]), true, false, false, 1),
        (dialogue(Protocol::Sieve, vec![Capability::StartTls]), false, false, false, 0),
    ];
    for (d, exposed, login, user, mechs) in cases {
        let p = plaintext_login(Some(&d)).unwrap();
        assert_eq!(p.exposed, exposed, "{:?} {:?}", d.protocol, d.capabilities);
        assert_eq!(p.login_before_tls, login, "{:?}", d.protocol);
        assert_eq!(p.user_before_tls, user, "{:?}", d.protocol);
        assert_eq!(p.auth_before_tls.len(), mechs, "{:?}", d.protocol);
    }
    assert_eq!(plaintext_login(None), None);
    assert_eq!(plaintext_login(Some(&Dialogue::new(Protocol::Smtp))), None);
}

fn endpoint(service: ClientService, check: PortCheck) -> ClientEndpoint {
    let none =
        |rtype| Answer { name: "n.".into(), rtype, dnssec: DnssecStatus::Secure, outcome: Outcome::NoData };
    ClientEndpoint {
        name: "imap.example.org.".into(),
        port: service.port(),
        service,
        origins: vec![Origin::Usual("imap".into())],
        a: none("A"),
        aaaa: none("AAAA"),
        tlsa: None,
        addresses: vec![check],
    }
}

fn check(state: PortState) -> PortCheck {
    PortCheck {
        address: "127.0.0.1".parse().unwrap(),
        state,
        full_scan: true,
        scan_of: None,
        scan: None,
        grade: None,
        certificate: None,
        plaintext_login: None,
        dane: None,
        http_redirect: None,
        submission_requires_tls: None,
        connections: 1,
        errors: Vec::new(),
    }
}

#[test]
fn findings_only_for_what_needs_action() {
    let trust = TrustStore::empty().with_extra(CA).unwrap();
    // Closed: a fact, no finding.
    let closed = endpoint(ClientService::Imap, check(PortState::Closed("refused".into())));
    assert!(findings_for(&closed, &closed.addresses[0]).is_empty());
    // Open, clean: none.
    let mut clean = check(PortState::Open);
    clean.certificate = certificate_check(&[LEAF.to_vec(), CA.to_vec()], "mx1.mxray.test", &trust, NOW);
    let clean = ClientEndpoint { name: "mx1.mxray.test.".into(), ..endpoint(ClientService::Imaps, clean) };
    assert!(findings_for(&clean, &clean.addresses[0]).is_empty());
    // Plaintext login, a name not covered, an untrusted chain.
    let mut bad = check(PortState::Open);
    bad.plaintext_login = plaintext_login(Some(&dialogue(Protocol::Imap, vec![Capability::StartTls])));
    bad.certificate =
        certificate_check(&[WRONG_NAME.to_vec()], "imap.example.org", &TrustStore::empty(), NOW);
    let bad = endpoint(ClientService::Imap, bad);
    let ids: Vec<&str> = findings_for(&bad, &bad.addresses[0]).iter().map(|f| f.id).collect();
    assert_eq!(ids, [ids::PLAINTEXT_LOGIN, ids::CERTIFICATE_NAME, ids::CERTIFICATE_UNTRUSTED]);
    // A STARTTLS port whose server does not offer STARTTLS (read from the full scan).
    let mut plain = check(PortState::Open);
    let mut d = dialogue(Protocol::Pop3, vec![Capability::User]);
    d.outcome = Some(crate::starttls::Outcome::StartTlsNotOffered);
    let scan_target: crate::target::Target = "pop3://127.0.0.1:110".parse().unwrap();
    plain.scan = Some(EndpointReport::new(
        &scan_target,
        "127.0.0.1:110".into(),
        None,
        Some(d),
        &crate::probe::Planner::findings(
            &crate::probe::ScanPlanner::new(crate::probe::ScanConfig::default()),
        ),
        crate::report::ScanCost::default(),
        Vec::new(),
        crate::report::CertContext { now_unix: NOW, trust: &trust, expiry_warning_days: 30 },
    ));
    plain.plaintext_login = plaintext_login(plain.scan.as_ref().and_then(|s| s.starttls.as_ref()));
    let plain = endpoint(ClientService::Pop3, plain);
    let ids: Vec<&str> = findings_for(&plain, &plain.addresses[0]).iter().map(|f| f.id).collect();
    assert_eq!(ids, [ids::PLAINTEXT_LOGIN, ids::NO_STARTTLS]);
    let all = all_findings(&[closed, clean, bad, plain]);
    assert_eq!(all.len(), 5);
}
