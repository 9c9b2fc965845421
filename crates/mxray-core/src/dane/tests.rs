//! Table tests of TLSA parsing and DANE matching against fixed certificates
//! (`tests/fixtures/dane/`); expected digests computed independently with `openssl dgst`.

use super::*;

const CA: &[u8] = include_bytes!("../../tests/fixtures/dane/ca.der");
const OTHER_CA: &[u8] = include_bytes!("../../tests/fixtures/dane/other-ca.der");
const LEAF: &[u8] = include_bytes!("../../tests/fixtures/dane/leaf.der");
const EXPIRED: &[u8] = include_bytes!("../../tests/fixtures/dane/expired.der");
const WRONG_NAME: &[u8] = include_bytes!("../../tests/fixtures/dane/wrong-name.der");

const LEAF_CERT_256: &str = "578f0c7fbcd2ad217f772baefdb83c367a48c48600627b2a6ab4b2154c505753";
const LEAF_SPKI_256: &str = "dbc81174f32d2b8cf94a029cc2dbb9b3edc94a331164c2f586ef01bec1a02393";
const LEAF_SPKI_512: &str = "affce045f4d7ac80b66c4de1375ff85cc6fb1495c3b8dd5348fe198cd6d794465ab19be3da6bf29115f32e0be472edbd93311ab4a402bc0e76244794322cbdb8";
const LEAF_CERT_512: &str = "984e1652d90e5dc94101d2538e6d8daa0fa3336b0ae556abbbe11b35eaee60c515d6a7db08f395997d8e46412cdc43d8458c21ba919f3369a0765a0979d28e04";
const LEAF_SPKI_FULL: &str = "3059301306072a8648ce3d020106082a8648ce3d03010703420004329383e5d35b2eca86d92d3d49e4e9168b60b5c5bc30f0ae0720cbd35d138eef73dc005f56d3c3dd50204622d550ead9ce0da386e2c405d50b5af58131ecd7e5";
const CA_CERT_256: &str = "aeb74d5b6c768744f1c207c1e64a98c6371e3dd1e9eef90128bb37900418ec33";
const CA_SPKI_256: &str = "9d0957520816779e113e8072ab06afc1ecd4f520f0916edca406b4f0badec5c1";
const CA_SPKI_512: &str = "7f14ef4c3c15d6d0434189f72419f87dbb7aa7471ad9017fd632447ef8584912985b4533adee639733ed9d747b3c93fa2ede0135c9cfddb5e87466f7c639e1f2";
const EXPIRED_SPKI_256: &str = "43735ea4e80bea2a456c09e39168a8601dccfb5b24cd736778384de3f8e2ec6a";
const OTHER_CA_SPKI_256: &str = "8377c9f822f8be0e1910944a41588bde5e4d9c622c336d4da5ef636825f9a3fa";

/// 2026-11-22, inside the leaf's and CA's windows, after the expired leaf's.
const NOW: i64 = 1_795_305_600;

fn tlsa(text: &str) -> Tlsa {
    Tlsa::parse(text).unwrap()
}

fn run(records: &[&str], chain: &[&[u8]], names: &[&str], authenticity: TlsaAuthenticity) -> DaneReport {
    let records: Vec<Tlsa> = records.iter().map(|r| tlsa(r)).collect();
    let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
    check(&DaneInput { records: &records, authenticity, chain: &chain, names, now: NOW })
}

#[test]
fn association_data_matches_openssl_for_every_selector_and_matching_type() {
    let cases = [
        (LEAF, Selector::CERT, Matching::SHA2_256, LEAF_CERT_256),
        (LEAF, Selector::SPKI, Matching::SHA2_256, LEAF_SPKI_256),
        (LEAF, Selector::SPKI, Matching::SHA2_512, LEAF_SPKI_512),
        (LEAF, Selector::CERT, Matching::SHA2_512, LEAF_CERT_512),
        (LEAF, Selector::SPKI, Matching::FULL, LEAF_SPKI_FULL),
        (CA, Selector::CERT, Matching::SHA2_256, CA_CERT_256),
        (CA, Selector::SPKI, Matching::SHA2_256, CA_SPKI_256),
        (CA, Selector::SPKI, Matching::SHA2_512, CA_SPKI_512),
    ];
    for (cert, selector, matching, want) in cases {
        let got = association_data(cert, selector, matching).unwrap();
        assert_eq!(hex(&got), want, "{selector:?} {matching:?}");
    }
    assert_eq!(association_data(LEAF, Selector::CERT, Matching::FULL).unwrap(), LEAF);
    assert_eq!(association_data(LEAF, Selector(7), Matching::SHA2_256), None);
    assert_eq!(association_data(b"not a certificate", Selector::CERT, Matching::SHA2_256), None);
}

#[test]
fn presentation_parses_numbers_and_rfc7218_mnemonics() {
    let numeric = tlsa(&format!("3 1 1 {LEAF_SPKI_256}"));
    let mnemonic = tlsa(&format!("dane-ee SPKI sha2-256 {}", LEAF_SPKI_256.to_uppercase()));
    assert_eq!(numeric, mnemonic);
    assert_eq!(numeric.usage, Usage::DANE_EE);
    assert_eq!(numeric.mnemonics(), "DANE-EE SPKI SHA2-256");
    assert_eq!(numeric.to_presentation(), format!("3 1 1 {LEAF_SPKI_256}"));
    // Hex split over several fields, as zone files print long data.
    let split = tlsa(&format!("2 0 1 {} {}", &CA_CERT_256[..32], &CA_CERT_256[32..]));
    assert_eq!(hex(&split.data), CA_CERT_256);
    assert_eq!(tlsa("PKIX-TA Cert Full 00").mnemonics(), "PKIX-TA Cert Full");
    assert_eq!(tlsa("4 7 9 00").mnemonics(), "4 7 9");
    assert_eq!(tlsa("255 255 255 00").mnemonics(), "PrivCert PrivSel PrivMatch");
}

#[test]
fn bad_presentation_is_a_clear_error() {
    type Case<'a> = (&'a str, fn(&TlsaError) -> bool);
    let cases: &[Case<'_>] = &[
        ("", |e| matches!(e, TlsaError::MissingFields(_))),
        ("3 1 1", |e| matches!(e, TlsaError::MissingFields(_))),
        ("3 1", |e| matches!(e, TlsaError::MissingFields(_))),
        ("DANE-XX 1 1 00", |e| matches!(e, TlsaError::BadField { field: "usage", .. })),
        ("3 256 1 00", |e| matches!(e, TlsaError::BadField { field: "selector", .. })),
        ("3 1 -1 00", |e| matches!(e, TlsaError::BadField { field: "matching type", .. })),
        ("3 1 1 abc", |e| matches!(e, TlsaError::BadHex(_))),
        ("3 1 1 zz", |e| matches!(e, TlsaError::BadHex(_))),
        ("3 1 1 é0", |e| matches!(e, TlsaError::BadHex(_))),
    ];
    for (text, ok) in cases {
        let err = Tlsa::parse(text).unwrap_err();
        assert!(ok(&err), "{text:?}: {err:?}");
    }
    let long = format!("3 0 0 {}", "00".repeat(MAX_ASSOCIATION_DATA + 1));
    assert_eq!(Tlsa::parse(&long).unwrap_err(), TlsaError::TooLong(MAX_ASSOCIATION_DATA + 1));
}

#[test]
fn usability_per_rfc7672() {
    let cases = [
        ("3 1 1", LEAF_SPKI_256, None),
        ("2 0 2", CA_SPKI_512, None),
        ("3 0 0", "3082", None),
        ("0 0 1", CA_CERT_256, Some(Unusable::PkixUsage)),
        ("1 1 1", LEAF_SPKI_256, Some(Unusable::PkixUsage)),
        ("4 1 1", LEAF_SPKI_256, Some(Unusable::UnknownUsage)),
        ("3 2 1", LEAF_SPKI_256, Some(Unusable::UnknownSelector)),
        ("3 1 3", LEAF_SPKI_256, Some(Unusable::UnknownMatching)),
        ("3 1 1", LEAF_SPKI_512, Some(Unusable::DigestLength { expected: 32 })),
        ("3 1 2", LEAF_SPKI_256, Some(Unusable::DigestLength { expected: 64 })),
    ];
    for (fields, data, want) in cases {
        assert_eq!(tlsa(&format!("{fields} {data}")).unusable_reason(), want, "{fields} {data}");
    }
}

const MX: &[&str] = &["mx1.mxray.test"];
const SECURE: TlsaAuthenticity = TlsaAuthenticity::Secure;

#[test]
fn verdicts_table() {
    let ee = format!("3 1 1 {LEAF_SPKI_256}");
    let ee_cert = format!("3 0 1 {LEAF_CERT_256}");
    let ee_512 = format!("3 1 2 {LEAF_SPKI_512}");
    let ee_full = format!("3 1 0 {LEAF_SPKI_FULL}");
    let ta = format!("2 1 1 {CA_SPKI_256}");
    let ta_cert = format!("2 0 1 {CA_CERT_256}");
    let other_ta = format!("2 1 1 {OTHER_CA_SPKI_256}");
    let wrong_ee = format!("3 1 1 {CA_SPKI_256}");
    let pkix = format!("1 1 1 {LEAF_SPKI_256}");
    let expired_ee = format!("3 1 1 {EXPIRED_SPKI_256}");
    type Case<'a> = (&'a str, Vec<&'a str>, Vec<&'a [u8]>, &'a [&'a str], TlsaAuthenticity, DaneVerdict);
    #[rustfmt::skip]
    let cases: Vec<Case<'_>> = vec![
        ("no records", vec![], vec![LEAF, CA], MX, SECURE, DaneVerdict::NoRecords),
        ("DANE-EE SPKI SHA-256", vec![&ee], vec![LEAF, CA], MX, SECURE, DaneVerdict::Authenticated),
        ("DANE-EE Cert SHA-256", vec![&ee_cert], vec![LEAF], MX, SECURE, DaneVerdict::Authenticated),
        ("DANE-EE SPKI SHA-512", vec![&ee_512], vec![LEAF], MX, SECURE, DaneVerdict::Authenticated),
        ("DANE-EE SPKI Full", vec![&ee_full], vec![LEAF], MX, SECURE, DaneVerdict::Authenticated),
        ("DANE-EE ignores the name", vec![&ee], vec![LEAF], &["mx9.elsewhere.test"], SECURE, DaneVerdict::Authenticated),
        ("DANE-EE ignores expiry", vec![&expired_ee], vec![EXPIRED, CA], MX, SECURE, DaneVerdict::Authenticated),
        ("DANE-EE only matches the leaf", vec![&wrong_ee], vec![LEAF, CA], MX, SECURE, DaneVerdict::Mismatch),
        ("DANE-TA SPKI in chain", vec![&ta], vec![LEAF, CA], MX, SECURE, DaneVerdict::Authenticated),
        ("DANE-TA Cert in chain", vec![&ta_cert], vec![LEAF, CA], MX, SECURE, DaneVerdict::Authenticated),
        ("DANE-TA not sent", vec![&ta], vec![LEAF], MX, SECURE, DaneVerdict::Mismatch),
        ("DANE-TA other CA", vec![&other_ta], vec![LEAF, CA], MX, SECURE, DaneVerdict::Mismatch),
        ("DANE-TA wrong name", vec![&ta], vec![WRONG_NAME, CA], MX, SECURE, DaneVerdict::Mismatch),
        ("DANE-TA expired leaf", vec![&ta], vec![EXPIRED, CA], MX, SECURE, DaneVerdict::Mismatch),
        ("DANE-TA not the issuer", vec![&ta], vec![LEAF, OTHER_CA, CA], MX, SECURE, DaneVerdict::Mismatch),
        ("one of two matches", vec![&wrong_ee, &ee], vec![LEAF, CA], MX, SECURE, DaneVerdict::Authenticated),
        ("PKIX only", vec![&pkix], vec![LEAF, CA], MX, SECURE, DaneVerdict::NoUsableRecords),
        ("PKIX plus matching EE", vec![&pkix, &ee], vec![LEAF, CA], MX, SECURE, DaneVerdict::Authenticated),
        ("not secure", vec![&ee], vec![LEAF, CA], MX, TlsaAuthenticity::NotSecure, DaneVerdict::NotSecure),
        ("no certificate", vec![&ee], vec![], MX, SECURE, DaneVerdict::NoCertificate),
        ("garbage chain", vec![&ee], vec![b"junk"], MX, SECURE, DaneVerdict::Mismatch),
    ];
    for (what, records, chain, names, authenticity, want) in cases {
        let report = run(&records, &chain, names, authenticity);
        assert_eq!(report.verdict, want, "{what}: {report:#?}");
        assert_eq!(report.records.len(), records.len(), "{what}");
    }
}

#[test]
fn outcomes_say_which_record_matched_what() {
    let ee = format!("3 1 1 {LEAF_SPKI_256}");
    let ta = format!("2 1 1 {CA_SPKI_256}");
    let wrong = format!("3 1 1 {CA_SPKI_256}");
    let pkix = format!("0 0 1 {CA_CERT_256}");
    let report = run(&[&ee, &ta, &wrong, &pkix], &[LEAF, CA], MX, SECURE);
    let outcomes: Vec<&RecordOutcome> = report.records.iter().map(|r| &r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            &RecordOutcome::Match { certificate: 0 },
            &RecordOutcome::Match { certificate: 1 },
            &RecordOutcome::NoMatch,
            &RecordOutcome::Unusable { reason: Unusable::PkixUsage },
        ]
    );
    assert!(report.notes.iter().any(|n| n.contains("names and expiry are not checked")));
    assert!(report.notes.iter().any(|n| n.contains("PKIX-TA(0)/PKIX-EE(1) records are ignored")));

    let failed = run(&[&ta], &[EXPIRED, CA], MX, SECURE);
    let RecordOutcome::TaMatchChainFails { certificate, problems } = &failed.records[0].outcome else {
        panic!("{failed:#?}")
    };
    assert_eq!(*certificate, 1);
    assert_eq!(problems, &["certificate 0 has expired".to_owned()]);

    let wrong_name = run(&[&ta], &[WRONG_NAME, CA], MX, SECURE);
    let RecordOutcome::TaMatchChainFails { problems, .. } = &wrong_name.records[0].outcome else { panic!() };
    assert_eq!(problems, &["the leaf names none of mx1.mxray.test".to_owned()]);

    let unsigned = run(&[&ta], &[LEAF, OTHER_CA, CA], MX, SECURE);
    let RecordOutcome::TaMatchChainFails { certificate: 2, problems } = &unsigned.records[0].outcome else {
        panic!("{unsigned:#?}")
    };
    assert!(problems.iter().any(|p| p == "certificate 0 is not signed by certificate 1"), "{problems:?}");
}

#[test]
fn report_serialises_with_hex_data_and_numeric_fields() {
    let report = run(&[&format!("3 1 1 {LEAF_SPKI_256}")], &[LEAF], MX, SECURE);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verdict"], "authenticated");
    assert_eq!(json["records"][0]["record"]["usage"], 3);
    assert_eq!(json["records"][0]["record"]["data"], LEAF_SPKI_256);
    assert_eq!(json["records"][0]["outcome"]["kind"], "match");
}

/// RFC 6698 semantics for non-SMTP services: PKIX-EE/PKIX-TA usable, matched and then
/// conditioned on the caller's PKIX validation; DANE usages unchanged.
#[test]
fn service_check_uses_pkix_usages_with_pkix_validation() {
    let ok: Result<(), String> = Ok(());
    let bad: Result<(), String> = Err("unknown issuer".into());
    type Case<'a> = (&'a str, &'a [&'a [u8]], &'a Result<(), String>, DaneVerdict, &'a str);
    let cases: [Case<'_>; 7] = [
        (&format!("1 1 1 {LEAF_SPKI_256}"), &[LEAF, CA], &ok, DaneVerdict::Authenticated, "match"),
        (&format!("1 1 1 {LEAF_SPKI_256}"), &[LEAF, CA], &bad, DaneVerdict::Mismatch, "ta_match_chain_fails"),
        (&format!("1 1 1 {CA_SPKI_256}"), &[LEAF, CA], &ok, DaneVerdict::Mismatch, "no_match"),
        (&format!("0 1 1 {CA_SPKI_256}"), &[LEAF, CA], &ok, DaneVerdict::Authenticated, "match"),
        (&format!("0 0 1 {CA_CERT_256}"), &[LEAF], &ok, DaneVerdict::Mismatch, "no_match"),
        (&format!("3 1 1 {LEAF_SPKI_256}"), &[LEAF], &bad, DaneVerdict::Authenticated, "match"),
        (&format!("2 1 1 {OTHER_CA_SPKI_256}"), &[LEAF, CA], &ok, DaneVerdict::Mismatch, "no_match"),
    ];
    for (record, chain, pkix, verdict, kind) in cases {
        let records = [tlsa(record)];
        let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
        let input = DaneInput {
            records: &records,
            authenticity: TlsaAuthenticity::Secure,
            chain: &chain,
            names: &["mx1.mxray.test"],
            now: NOW,
        };
        let report = check_service(&input, pkix);
        assert_eq!(report.verdict, verdict, "{record} {pkix:?}: {report:#?}");
        let got = serde_json::to_value(&report.records[0].outcome).unwrap();
        assert_eq!(got["kind"], kind, "{record}");
        // The SMTP check still calls PKIX usages unusable.
        if record.starts_with('0') || record.starts_with('1') {
            assert_eq!(check(&input).verdict, DaneVerdict::NoUsableRecords, "{record}");
        }
    }
}
