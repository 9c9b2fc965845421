//! Table tests of the grading: every rule with the smallest input that triggers it and one
//! that does not, the rule docs, the letter, the mail verdict, NCSC and Mozilla verdicts.

use super::*;
use crate::probe::{FeatureFindings, GroupFindings, SuiteFinding, VersionFinding};
use crate::registry::{CipherSuite as S, Sslv2CipherKind};

type V = ProtocolVersion;

const GCM: S = S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
const T13: S = S::TLS_AES_128_GCM_SHA256;
const T13_256: S = S::TLS_AES_256_GCM_SHA384;
const CBC: S = S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
const CBC256: S = S::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256;
const RSA_CBC: S = S::TLS_RSA_WITH_AES_128_CBC_SHA;
const RSA_GCM: S = S::TLS_RSA_WITH_AES_128_GCM_SHA256;
const RC4: S = S::TLS_RSA_WITH_RC4_128_SHA;
const DES3: S = S::TLS_RSA_WITH_3DES_EDE_CBC_SHA;
const EXP: S = S::TLS_RSA_EXPORT_WITH_RC4_40_MD5;
const ANON: S = S::TLS_DH_ANON_WITH_AES_128_GCM_SHA256;
const NULL: S = S::TLS_RSA_WITH_NULL_SHA256;

/// One grading input.
#[derive(Clone, Debug)]
struct Case {
    scan: TlsFindings,
    cert: Option<CertFacts>,
    ctx: MailContext,
}

fn version(v: V, codes: Vec<CipherCode>) -> VersionFinding {
    VersionFinding {
        version: v,
        supported: Some(true),
        answered_with: None,
        suites: codes
            .into_iter()
            .map(|code| SuiteFinding { code, rank: None, fails_after_hello: false })
            .collect(),
        server_order: None,
        chose_unoffered: Vec::new(),
        complete: true,
    }
}

/// A server speaking `versions` with those TLS suites, on submission (a port whose clients
/// check certificates), with nothing else known.
fn with(versions: &[(V, &[S])]) -> Case {
    let versions =
        versions.iter().map(|(v, s)| version(*v, s.iter().map(|&s| CipherCode::Tls(s)).collect())).collect();
    Case {
        scan: TlsFindings {
            versions,
            groups: GroupFindings::default(),
            sig_algs: Vec::new(),
            sig_algs_tls13: Vec::new(),
            sig_algs_tls13_complete: false,
            dhe_bits: Vec::new(),
            dhe_groups: Vec::new(),
            features: FeatureFindings::default(),
            chains: Vec::new(),
            hellos_sent: 0,
        },
        cert: None,
        ctx: MailContext::new(Service::Submission),
    }
}

fn tls12(suites: &[S]) -> Case {
    with(&[(V::TLSV1_2, suites)])
}

/// A good modern server: TLS 1.2 and 1.3 with ECDHE AEAD, x25519, and a good certificate.
fn good() -> Case {
    let mut c = with(&[(V::TLSV1_2, &[GCM]), (V::TLSV1_3, &[T13])]);
    c.scan.groups.tls12 = vec![NamedGroup::X25519];
    c.scan.groups.tls13 = vec![NamedGroup::X25519];
    c.scan.features.secure_renegotiation = Some(true);
    c.scan.features.extended_master_secret = Some(true);
    c.cert = Some(good_cert());
    c
}

fn good_cert() -> CertFacts {
    CertFacts {
        key: Some(CertKey { kind: KeyKind::Ecdsa, bits: 256, curve: Some(NamedGroup::SECP256R1) }),
        signature: Some(CertSignature { kind: SignatureKind::Ecdsa, hash: SignatureHash::Sha256 }),
        trusted: Some(true),
        name_matches: Some(true),
        expired: Some(false),
        self_signed: Some(false),
        lifespan_days: Some(90),
        revoked: Some(false),
        incomplete_chain: Some(false),
        intermediate_hash: Some(SignatureHash::Sha256),
        intermediate_rsa_bits: Some(2048),
        out_of_order: Some(false),
        extra_certificates: Some(0),
    }
}

fn with_cert(mut c: Case, f: impl FnOnce(&mut CertFacts)) -> Case {
    let mut cert = c.cert.unwrap_or_default();
    f(&mut cert);
    c.cert = Some(cert);
    c
}

fn rsa(bits: u32) -> Case {
    with_cert(tls12(&[GCM]), |c| c.key = Some(CertKey { kind: KeyKind::Rsa, bits, curve: None }))
}

fn signed(hash: SignatureHash) -> Case {
    with_cert(tls12(&[GCM]), |c| c.signature = Some(CertSignature { kind: SignatureKind::RsaPkcs1, hash }))
}

fn on(mut c: Case, service: Service) -> Case {
    c.ctx.service = service;
    c
}

fn features(mut c: Case, f: impl FnOnce(&mut FeatureFindings)) -> Case {
    f(&mut c.scan.features);
    c
}

fn dhe(bits: usize) -> Case {
    let mut c = tls12(&[S::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256]);
    c.scan.dhe_bits = vec![bits];
    c
}

fn self_signed() -> Case {
    with_cert(tls12(&[GCM]), |c| {
        c.self_signed = Some(true);
        c.trusted = Some(false);
    })
}

fn no_tls() -> Case {
    let mut c = tls12(&[]);
    c.scan.versions[0].supported = Some(false);
    c
}

fn run(c: &Case) -> Grading {
    grade(&c.scan, c.cert.as_ref(), &c.ctx)
}

fn fires(id: &str, c: &Case) -> Option<String> {
    let rule = explain(id).unwrap_or_else(|| panic!("no rule {id}"));
    (rule.check)(&Input::new(&c.scan, c.cert.as_ref(), &c.ctx))
}

/// Per rule: the smallest input that triggers it and one that does not.
fn table() -> Vec<(&'static str, Case, Case)> {
    let sslv2 = {
        let mut c = tls12(&[GCM]);
        c.scan
            .versions
            .push(version(V::SSLV2, vec![CipherCode::Sslv2(Sslv2CipherKind::SSL_CK_RC4_128_WITH_MD5)]));
        c
    };
    let mut relay_dane = on(self_signed(), Service::Smtp);
    relay_dane.ctx.dane_promised = true;
    let mut dane_bad = on(tls12(&[GCM]), Service::Smtp);
    dane_bad.ctx.dane_promised = true;
    dane_bad.ctx.dane_authenticated = Some(false);
    let mut dane_unknown = dane_bad.clone();
    dane_unknown.ctx.dane_authenticated = None;
    let mut intermediate = with(&[(V::TLSV1_2, &[GCM]), (V::TLSV1_3, &[T13])]);
    intermediate.scan.groups.tls13 = vec![NamedGroup::X25519];
    vec![
        ("ssllabs.sslv2", sslv2, tls12(&[GCM])),
        ("ssllabs.sslv3", with(&[(V::SSLV3, &[RSA_CBC]), (V::TLSV1_2, &[GCM])]), tls12(&[GCM])),
        (
            "ssllabs.sslv3_best",
            with(&[(V::SSLV3, &[RSA_CBC])]),
            with(&[(V::SSLV3, &[RSA_CBC]), (V::TLSV1_2, &[GCM])]),
        ),
        ("ssllabs.tls10_tls11", with(&[(V::TLSV1_0, &[CBC])]), tls12(&[GCM])),
        ("ssllabs.no_tls12", with(&[(V::TLSV1_0, &[CBC])]), with(&[(V::TLSV1_3, &[T13])])),
        ("ssllabs.no_tls13", tls12(&[GCM]), with(&[(V::TLSV1_3, &[T13])])),
        ("ssllabs.rc4", with(&[(V::TLSV1_0, &[RC4])]), with(&[(V::TLSV1_0, &[CBC])])),
        ("ssllabs.rc4_modern", with(&[(V::TLSV1_1, &[RC4])]), with(&[(V::TLSV1_0, &[RC4])])),
        ("ssllabs.rc4_only", tls12(&[RC4]), tls12(&[RC4, GCM])),
        ("ssllabs.sweet32", tls12(&[DES3]), with(&[(V::TLSV1_0, &[DES3])])),
        ("ssllabs.cipher_below_112", tls12(&[NULL]), tls12(&[DES3])),
        ("ssllabs.export", with(&[(V::TLSV1_0, &[EXP])]), with(&[(V::TLSV1_0, &[RC4])])),
        ("ssllabs.anonymous", tls12(&[ANON]), tls12(&[GCM])),
        ("ssllabs.no_forward_secrecy", tls12(&[RSA_GCM]), tls12(&[RSA_GCM, GCM])),
        ("ssllabs.no_aead", tls12(&[CBC]), tls12(&[CBC, GCM])),
        ("ssllabs.dh_below_1024", dhe(768), dhe(1024)),
        ("ssllabs.dh_below_2048", dhe(1024), dhe(2048)),
        (
            "ssllabs.compression",
            features(tls12(&[GCM]), |f| f.compression = Some(true)),
            features(tls12(&[GCM]), |f| f.compression = Some(false)),
        ),
        (
            "ssllabs.no_secure_renegotiation",
            features(tls12(&[GCM]), |f| f.secure_renegotiation = Some(false)),
            features(tls12(&[GCM]), |f| f.secure_renegotiation = Some(true)),
        ),
        ("ssllabs.key_insecure", rsa(512), rsa(1024)),
        ("ssllabs.key_weak", rsa(1024), rsa(2048)),
        ("cert.md5_signature", signed(SignatureHash::Md5), on(signed(SignatureHash::Md5), Service::Smtp)),
        ("cert.sha1_signature", signed(SignatureHash::Sha1), signed(SignatureHash::Sha256)),
        (
            "cert.untrusted",
            with_cert(tls12(&[GCM]), |c| c.trusted = Some(false)),
            on(with_cert(tls12(&[GCM]), |c| c.trusted = Some(false)), Service::Smtp),
        ),
        ("cert.self_signed", self_signed(), on(self_signed(), Service::Smtp)),
        (
            "cert.expired",
            with_cert(tls12(&[GCM]), |c| c.expired = Some(true)),
            with_cert(tls12(&[GCM]), |c| c.expired = Some(false)),
        ),
        (
            "cert.name_mismatch",
            with_cert(tls12(&[GCM]), |c| c.name_matches = Some(false)),
            with_cert(tls12(&[GCM]), |c| c.name_matches = Some(true)),
        ),
        (
            "cert.revoked",
            with_cert(tls12(&[GCM]), |c| c.revoked = Some(true)),
            with_cert(tls12(&[GCM]), |c| c.revoked = Some(false)),
        ),
        (
            "cert.incomplete_chain",
            with_cert(tls12(&[GCM]), |c| c.incomplete_chain = Some(true)),
            on(with_cert(tls12(&[GCM]), |c| c.incomplete_chain = Some(true)), Service::Smtp),
        ),
        (
            "cert.weak_intermediate",
            with_cert(tls12(&[GCM]), |c| c.intermediate_hash = Some(SignatureHash::Sha1)),
            with_cert(tls12(&[GCM]), |c| c.intermediate_hash = Some(SignatureHash::Sha256)),
        ),
        (
            "cert.chain_order",
            with_cert(tls12(&[GCM]), |c| c.out_of_order = Some(true)),
            with_cert(tls12(&[GCM]), |c| c.out_of_order = Some(false)),
        ),
        (
            "cert.extra_certificates",
            with_cert(tls12(&[GCM]), |c| c.extra_certificates = Some(1)),
            with_cert(tls12(&[GCM]), |c| c.extra_certificates = Some(0)),
        ),
        ("mail.no_tls", no_tls(), tls12(&[GCM])),
        (
            "mail.tls12_required",
            with(&[(V::TLSV1_0, &[CBC])]),
            on(with(&[(V::TLSV1_0, &[CBC])]), Service::Smtp),
        ),
        ("mail.dane_mismatch", dane_bad, dane_unknown),
        ("mail.opportunistic_certificate", on(self_signed(), Service::Smtp), relay_dane),
        ("mail.starttls_no_handshake", on(no_tls(), Service::Smtp), on(no_tls(), Service::Smtps)),
        (
            "mail.no_common_mta",
            on(with(&[(V::TLSV1_3, &[S::TLS_AES_128_CCM_8_SHA256])]), Service::Smtp),
            on(with(&[(V::TLSV1_3, &[T13])]), Service::Smtp),
        ),
        (
            "mail.some_mtas_fail",
            on(tls12(&[S::TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384]), Service::Smtp),
            on(tls12(&[GCM]), Service::Smtp),
        ),
        (
            "bcp195.no_extended_master_secret",
            features(tls12(&[GCM]), |f| f.extended_master_secret = Some(false)),
            features(tls12(&[GCM]), |f| f.extended_master_secret = Some(true)),
        ),
        (
            "bcp195.cbc_without_etm",
            features(tls12(&[CBC]), |f| f.encrypt_then_mac = Some(false)),
            features(tls12(&[CBC]), |f| f.encrypt_then_mac = Some(true)),
        ),
        ("mozilla.intermediate", with(&[(V::TLSV1_0, &[CBC]), (V::TLSV1_2, &[GCM])]), intermediate),
        ("ncsc.insufficient", with(&[(V::TLSV1_0, &[CBC])]), with(&[(V::TLSV1_3, &[T13_256])])),
        ("ncsc.phase_out", tls12(&[CBC256]), with(&[(V::TLSV1_3, &[T13_256])])),
    ]
}

#[test]
fn every_rule_fires_on_its_smallest_trigger_and_not_on_its_near_miss() {
    for (id, trigger, miss) in table() {
        let message = fires(id, &trigger).unwrap_or_else(|| panic!("{id} does not fire on {trigger:#?}"));
        assert!(!message.is_empty() && !message.contains('\n'), "{id}: {message:?}");
        assert_eq!(fires(id, &miss), None, "{id} fires on its near miss");
        // The rule also shows up in the whole grading, with its set and section.
        let graded = run(&trigger);
        let finding = graded.findings.iter().find(|f| f.id == id).expect("finding");
        let rule = explain(id).unwrap();
        assert_eq!((finding.set, finding.section, finding.severity), (rule.set, rule.section, rule.severity));
        assert_eq!(graded.caps.iter().any(|c| c.rule == id), rule.cap.is_some(), "{id}");
    }
}

#[test]
fn a_small_rsa_intermediate_is_weak_too() {
    let small = with_cert(tls12(&[GCM]), |c| c.intermediate_rsa_bits = Some(2047));
    let message = fires("cert.weak_intermediate", &small).unwrap();
    assert!(message.contains("2047-bit RSA"), "{message}");
    assert_eq!(
        fires("cert.weak_intermediate", &with_cert(tls12(&[GCM]), |c| c.intermediate_rsa_bits = Some(2048))),
        None
    );
    let both = with_cert(small, |c| c.intermediate_hash = Some(SignatureHash::Md5));
    assert!(fires("cert.weak_intermediate", &both).unwrap().contains("MD5 and one has a 2047-bit"));
}

#[test]
fn every_rule_is_in_the_table_documented_and_unique() {
    let tested: Vec<&str> = table().iter().map(|t| t.0).collect();
    let mut ids = std::collections::BTreeSet::new();
    for rule in RULES {
        assert!(ids.insert(rule.id), "duplicate id {}", rule.id);
        assert!(tested.contains(&rule.id), "{} has no table case", rule.id);
        for (field, text) in
            [("what", rule.what), ("why", rule.why), ("instead", rule.instead), ("section", rule.section)]
        {
            assert!(!text.trim().is_empty(), "{}: empty {field}", rule.id);
        }
        let prefix = match rule.set {
            RuleSet::SslLabs => ["ssllabs.", "cert."].as_slice(),
            RuleSet::Mozilla => &["mozilla."],
            RuleSet::Ncsc => &["ncsc."],
            RuleSet::Bcp195 => &["bcp195.", "cert."],
            RuleSet::Mail => &["mail."],
        };
        assert!(prefix.iter().any(|p| rule.id.starts_with(p)), "{} in {:?}", rule.id, rule.set);
        assert!(
            rule.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_')
        );
    }
    assert_eq!(tested.len(), RULES.len());
}

#[test]
fn letters_follow_the_rating_guide() {
    let ss_submission = self_signed();
    let mut mismatch = good();
    mismatch.cert.as_mut().unwrap().name_matches = Some(false);
    let mut untrusted_mismatch = mismatch.clone();
    untrusted_mismatch.cert.as_mut().unwrap().trusted = Some(false);
    let table: Vec<(&str, Case, Grade, Grade)> = vec![
        ("modern server", good(), Grade::APlus, Grade::APlus),
        ("TLS 1.2 only", tls12(&[GCM]), Grade::AMinus, Grade::AMinus),
        ("TLS 1.0 beside 1.2", with(&[(V::TLSV1_0, &[CBC]), (V::TLSV1_2, &[GCM])]), Grade::B, Grade::B),
        ("RC4 with TLS 1.2", tls12(&[RC4, GCM]), Grade::C, Grade::C),
        ("3DES with TLS 1.2", tls12(&[DES3, GCM]), Grade::C, Grade::C),
        ("export", with(&[(V::TLSV1_0, &[EXP, CBC])]), Grade::F, Grade::F),
        ("no TLS", no_tls(), Grade::F, Grade::F),
        ("self-signed on submission", ss_submission, Grade::T, Grade::AMinus),
        ("self-signed on port 25", on(self_signed(), Service::Smtp), Grade::AMinus, Grade::AMinus),
        ("name mismatch", mismatch, Grade::M, Grade::APlus),
        ("untrusted beats mismatch", untrusted_mismatch, Grade::T, Grade::APlus),
        ("RSA 1024 key", rsa(1024), Grade::B, Grade::B),
    ];
    for (name, case, letter, ignoring) in table {
        let g = run(&case);
        assert_eq!(
            (g.letter, g.letter_ignoring_trust),
            (letter, ignoring),
            "{name}: {:?} {:?}",
            g.scores,
            g.caps
        );
    }
}

#[test]
fn scores_follow_the_rating_guide_tables() {
    // TLS 1.0 (90) and TLS 1.2 (100): protocol (90+100)/2 = 95; DHE 1024 scores 80; 3DES
    // (168 bits) 80 and AES-256 100: cipher 90. Total 0.3*95 + 0.3*80 + 0.4*90 = 88.
    let mut c = with(&[(V::TLSV1_0, &[DES3]), (V::TLSV1_2, &[S::TLS_DHE_RSA_WITH_AES_256_GCM_SHA384])]);
    c.scan.dhe_bits = vec![1024];
    let s = run(&c).scores;
    assert_eq!((s.protocol, s.key_exchange, s.cipher, s.total), (95, 80, 90, 88));
    assert_eq!(Grade::of_score(s.total), Grade::A);
    for (total, grade) in [
        (80, Grade::A),
        (79, Grade::B),
        (65, Grade::B),
        (50, Grade::C),
        (35, Grade::D),
        (20, Grade::E),
        (19, Grade::F),
    ] {
        assert_eq!(Grade::of_score(total), grade, "{total}");
    }
    // A zero category (NULL cipher) makes the total zero.
    assert_eq!(run(&tls12(&[NULL])).scores.total, 0);
    assert_eq!((letter::rsa_score(511), letter::rsa_score(2048), letter::ec_score(256)), (20, 90, 100));
}

#[test]
fn mail_verdicts_know_opportunistic_tls() {
    let mut sts = on(self_signed(), Service::Smtp);
    sts.ctx.mta_sts_enforced = true;
    let mut dane_ok = on(self_signed(), Service::Smtp);
    dane_ok.ctx.dane_promised = true;
    dane_ok.ctx.dane_authenticated = Some(true);
    let table: Vec<(&str, Case, Verdict)> = vec![
        ("modern server on submission", good(), Verdict::Ok),
        ("self-signed on port 25", on(self_signed(), Service::Smtp), Verdict::Ok),
        ("self-signed on 587", self_signed(), Verdict::Fail),
        ("self-signed on 993", on(self_signed(), Service::Imaps), Verdict::Fail),
        ("self-signed on 25 under MTA-STS", sts, Verdict::Fail),
        ("self-signed on 25, DANE matches", dane_ok, Verdict::Ok),
        ("no TLS on 25", on(no_tls(), Service::Smtp), Verdict::Fail),
        ("legacy only on 25", on(with(&[(V::TLSV1_0, &[CBC])]), Service::Smtp), Verdict::Weak),
        ("legacy only on 587", with(&[(V::TLSV1_0, &[CBC])]), Verdict::Fail),
        // No sending MTA offers an export suite (mail.no_common_mta): senders get clear text.
        ("export on 25", on(with(&[(V::TLSV1_0, &[EXP])]), Service::Smtp), Verdict::Fail),
        (
            "TLS 1.3 CCM_8 only on 25",
            on(with(&[(V::TLSV1_3, &[S::TLS_AES_128_CCM_8_SHA256])]), Service::Smtp),
            Verdict::Fail,
        ),
        (
            "ARIA only on 25: Exim fails",
            on(tls12(&[S::TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384]), Service::Smtp),
            Verdict::Weak,
        ),
        (
            "TLS 1.0 beside 1.2 on 25",
            on(with(&[(V::TLSV1_0, &[CBC]), (V::TLSV1_2, &[GCM])]), Service::Smtp),
            Verdict::Weak,
        ),
    ];
    for (name, case, want) in table {
        let m = run(&case).mail;
        assert_eq!(m.verdict, want, "{name}: {:?}", m.reasons);
        if want != Verdict::Ok {
            assert!(!m.reasons.is_empty(), "{name}");
        }
    }
    let ok = run(&on(self_signed(), Service::Smtp)).mail;
    assert!(ok.reasons.iter().any(|r| r.contains("RFC 7435")), "{:?}", ok.reasons);
    // DANE matched: the MX is authenticated, no advice to publish DANE.
    let mut dane_ok = on(self_signed(), Service::Smtp);
    dane_ok.ctx.dane_promised = true;
    dane_ok.ctx.dane_authenticated = Some(true);
    let graded = run(&dane_ok);
    assert!(graded.mail.reasons.iter().all(|r| !r.contains("publish DANE")), "{:?}", graded.mail.reasons);
    assert!(
        graded.findings.iter().all(|f| f.id != "mail.opportunistic_certificate"),
        "{:?}",
        graded.findings
    );
}

#[test]
fn ncsc_classes_follow_internet_nl() {
    use ncsc::*;
    for (name, class) in [
        ("TLS_AES_256_GCM_SHA384", NcscClass::Good),
        ("TLS_AES_128_GCM_SHA256", NcscClass::Sufficient),
        ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", NcscClass::Sufficient),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", NcscClass::PhaseOut),
        ("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", NcscClass::PhaseOut),
        ("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", NcscClass::Insufficient),
        ("TLS_RSA_WITH_AES_128_GCM_SHA256", NcscClass::Insufficient),
        ("TLS_AES_128_CCM_8_SHA256", NcscClass::Insufficient),
    ] {
        assert_eq!(suite_class(name), class, "{name}");
    }
    // Every listed name exists in the registry.
    for name in GOOD_SUITES.iter().chain(&SUFFICIENT_SUITES).chain(&PHASE_OUT_SUITES) {
        assert!(mozilla::suite_by_name(name).is_some(), "{name}");
    }
    assert_eq!(version_class(V::TLSV1_1), NcscClass::Insufficient);
    assert_eq!(group_class(NamedGroup::X25519MLKEM768), NcscClass::Good);
    assert_eq!(group_class(NamedGroup::SECP224R1), NcscClass::PhaseOut);
    assert_eq!(group_class(NamedGroup::FFDHE2048), NcscClass::Insufficient);
    assert_eq!(dh_group_class("ffdhe3072"), NcscClass::PhaseOut);
    assert_eq!(dh_group_class("custom"), NcscClass::Insufficient);
    assert_eq!(cert_key_class(KeyKind::Rsa, 2048, None), NcscClass::PhaseOut);
    assert_eq!(cert_key_class(KeyKind::Rsa, 4096, None), NcscClass::Sufficient);
    assert_eq!(cert_key_class(KeyKind::Ecdsa, 256, Some(NamedGroup::SECP256R1)), NcscClass::Sufficient);
    assert_eq!(cert_hash_class(SignatureHash::Sha1), NcscClass::Insufficient);
    // A whole server: every version, suite, group and certificate property is classified.
    let g = run(&good());
    let kinds: Vec<NcscKind> = g.ncsc.iter().map(|i| i.kind).collect();
    for k in [
        NcscKind::Version,
        NcscKind::Suite,
        NcscKind::Group,
        NcscKind::CertificateKey,
        NcscKind::CertificateSignature,
        NcscKind::Feature,
    ] {
        assert!(kinds.contains(&k), "{k:?} missing: {:?}", g.ncsc);
    }
    // Client order with a weak suite beside a good one is insufficient.
    let mut order = tls12(&[GCM, CBC]);
    order.scan.versions[0].server_order = Some(false);
    let items = run(&order).ncsc;
    assert!(items.iter().any(|i| i.kind == NcscKind::CipherOrder && i.class == NcscClass::Insufficient));
}

#[test]
fn mozilla_deviations_are_listed_exactly() {
    let g = run(&good());
    let [modern, intermediate, old] = &g.mozilla;
    assert_eq!(intermediate.profile, Profile::Intermediate);
    assert!(intermediate.compliant, "{:?}", intermediate.deviations);
    assert!(!modern.compliant);
    assert_eq!(
        modern.deviations,
        [
            "TLSv1.2 is enabled; the profile allows only TLSv1.3",
            "cipher suites outside the profile: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        ]
    );
    // Old wants an RSA certificate signed with sha256WithRSAEncryption.
    assert_eq!(
        old.deviations,
        [
            "the certificate key is ecdsa; the profile uses rsa",
            "the certificate is signed with ecdsa-with-SHA256; the profile uses sha256WithRSAEncryption"
        ]
    );
    let mut legacy = with(&[(V::TLSV1_0, &[CBC]), (V::TLSV1_2, &[GCM, RSA_GCM])]);
    legacy.scan.groups.tls12 = vec![NamedGroup::SECP521R1];
    legacy.scan.dhe_bits = vec![1024];
    legacy.scan.features.ocsp_stapling = Some(false);
    legacy.scan.versions[1].server_order = Some(false);
    let [_, intermediate, old] = run(&legacy).mozilla;
    assert_eq!(
        intermediate.deviations,
        [
            "TLSv1.0 is enabled; the profile allows only TLSv1.2, TLSv1.3",
            "cipher suites outside the profile: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_GCM_SHA256",
            "groups outside the profile: secp521r1 (the profile lists X25519MLKEM768, X25519, prime256v1, secp384r1)",
            "DHE uses 1024-bit parameters; the profile asks for at least 2048",
            "no OCSP stapling; the profile enables it",
        ]
    );
    assert!(
        old.deviations.iter().any(|d| d.contains("the client chooses the suite in TLSv1.2")),
        "{:?}",
        old.deviations
    );
    assert!(!old.deviations.iter().any(|d| d.contains("cipher suites")), "{:?}", old.deviations);
}

#[test]
fn grading_serialises_with_stable_names() {
    let json = serde_json::to_value(run(&on(self_signed(), Service::Smtp))).unwrap();
    assert_eq!(json["letter"], "A-");
    assert_eq!(json["mail"]["verdict"], "ok");
    assert_eq!(json["mozilla"][1]["profile"], "intermediate");
    let finding =
        json["findings"].as_array().unwrap().iter().find(|f| f["id"] == "ssllabs.no_tls13").unwrap();
    assert_eq!(finding["set"], "ssl-labs");
    assert_eq!(finding["severity"], "low");
    assert_eq!(json["caps"][0]["letter"], "A-");
    let rule = serde_json::to_value(explain("ssllabs.sslv2").unwrap()).unwrap();
    assert_eq!(rule["cap"], "F");
    assert!(rule.get("check").is_none());
}
