//! Table-driven tests of the header analysis: one sample per MTA format (constructed from
//! the MTAs' documented and open-source formats, see
//! `tests/fixtures/headers/README.md`), dates, folding, RFC 2047, line endings, skew,
//! unknown formats kept raw, and garbage.

use super::*;
use crate::grade::ncsc::NcscClass;
use crate::report::Strength;

macro_rules! fixture {
    ($name:literal) => {
        ($name, include_str!(concat!("../../tests/fixtures/headers/constructed/", $name)))
    };
}

/// Every constructed sample.
const SAMPLES: &[(&str, &str)] = &[
    fixture!("postfix-tls13.eml"),
    fixture!("postfix-client-cert.eml"),
    fixture!("microsoft365.eml"),
    fixture!("gmail.eml"),
    fixture!("sendmail.eml"),
    fixture!("exim.eml"),
    fixture!("qmail.eml"),
    fixture!("opensmtpd.eml"),
    fixture!("haraka.eml"),
    fixture!("stalwart.eml"),
    fixture!("zimbra.eml"),
    fixture!("cisco-esa.eml"),
    fixture!("courier.eml"),
    fixture!("weak-and-skew.eml"),
    fixture!("unknown-format.eml"),
];

fn sample(name: &str) -> HeadersReport {
    let text = SAMPLES.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no sample {name}")).1;
    analyse(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One expected hop: (sample, hop number oldest first, syntax, version, code, IANA name,
/// MTA, strength).
type HopCase = (
    &'static str,
    usize,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Strength,
);

const HOPS: &[HopCase] = &[
    (
        "postfix-tls13.eml",
        1,
        "using",
        "TLSv1.3",
        "0x1301",
        "TLS_AES_128_GCM_SHA256",
        Some("Postfix"),
        Strength::Secure,
    ),
    (
        "postfix-tls13.eml",
        2,
        "using",
        "TLSv1.3",
        "0x1302",
        "TLS_AES_256_GCM_SHA384",
        Some("Postfix"),
        Strength::Secure,
    ),
    (
        "postfix-client-cert.eml",
        1,
        "using",
        "TLSv1.0",
        "0x0039",
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
        Some("Postfix"),
        Strength::Weak,
    ),
    (
        "postfix-client-cert.eml",
        2,
        "using",
        "TLSv1.2",
        "0xC030",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        Some("Postfix"),
        Strength::Secure,
    ),
    (
        "microsoft365.eml",
        1,
        "key=value",
        "TLSv1.2",
        "0xC028",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        Some("Microsoft Exchange/365"),
        Strength::Weak,
    ),
    (
        "microsoft365.eml",
        2,
        "key=value",
        "TLSv1.2",
        "0xC030",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        Some("Microsoft Exchange/365"),
        Strength::Secure,
    ),
    (
        "gmail.eml",
        1,
        "key=value",
        "TLSv1.2",
        "0xC02B",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        Some("Gmail"),
        Strength::Secure,
    ),
    (
        "gmail.eml",
        3,
        "key=value",
        "TLSv1.3",
        "0x1302",
        "TLS_AES_256_GCM_SHA384",
        Some("Gmail"),
        Strength::Secure,
    ),
    (
        "sendmail.eml",
        1,
        "key=value",
        "TLSv1.3",
        "0x1302",
        "TLS_AES_256_GCM_SHA384",
        Some("Sendmail"),
        Strength::Secure,
    ),
    (
        "exim.eml",
        1,
        "colon",
        "TLSv1.0",
        "0xC014",
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        Some("Exim"),
        Strength::Weak,
    ),
    (
        "exim.eml",
        2,
        "colon",
        "TLSv1.2",
        "0xC030",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        Some("Exim"),
        Strength::Secure,
    ),
    ("exim.eml", 3, "colon", "TLSv1.3", "0x1302", "TLS_AES_256_GCM_SHA384", Some("Exim"), Strength::Secure),
    ("exim.eml", 4, "exim", "TLSv1.3", "0x1302", "TLS_AES_256_GCM_SHA384", Some("Exim"), Strength::Secure),
    (
        "opensmtpd.eml",
        1,
        "colon",
        "TLSv1.3",
        "0x1302",
        "TLS_AES_256_GCM_SHA384",
        Some("OpenSMTPD"),
        Strength::Secure,
    ),
    (
        "haraka.eml",
        1,
        "key=value",
        "TLSv1.3",
        "0x1302",
        "TLS_AES_256_GCM_SHA384",
        Some("Haraka"),
        Strength::Secure,
    ),
    (
        "stalwart.eml",
        1,
        "using",
        "TLSv1.3",
        "0x1302",
        "TLS_AES_256_GCM_SHA384",
        Some("Stalwart"),
        Strength::Secure,
    ),
    (
        "zimbra.eml",
        1,
        "using",
        "TLSv1.2",
        "0xC030",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        Some("Postfix"),
        Strength::Secure,
    ),
    (
        "courier.eml",
        1,
        "courier",
        "TLSv1.2",
        "0xC030",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        None,
        Strength::Secure,
    ),
    (
        "weak-and-skew.eml",
        1,
        "using",
        "TLSv1.2",
        "0x009D",
        "TLS_RSA_WITH_AES_256_GCM_SHA384",
        Some("Postfix"),
        Strength::Weak,
    ),
    (
        "weak-and-skew.eml",
        2,
        "using",
        "TLSv1.0",
        "0x0005",
        "TLS_RSA_WITH_RC4_128_SHA",
        Some("Postfix"),
        Strength::Insecure,
    ),
];

#[test]
fn every_mta_format_maps_to_its_registry_entry_and_grade() {
    for &(name, number, syntax, version, code, iana, mta, strength) in HOPS {
        let report = sample(name);
        let hop = &report.hops[number - 1];
        let ctx = format!("{name} hop {number}: {hop:#?}");
        assert_eq!(hop.number, number, "{ctx}");
        let tls = hop.tls.as_ref().unwrap_or_else(|| panic!("no TLS: {ctx}"));
        assert_eq!(tls.syntax, syntax, "{ctx}");
        assert_eq!(tls.version_name, Some(version), "{ctx}");
        let suite = tls.suite.as_ref().unwrap_or_else(|| panic!("no suite: {ctx}"));
        assert_eq!(suite.code.to_string(), code, "{ctx}");
        assert_eq!(suite.iana, iana, "{ctx}");
        assert_eq!(hop.mta, mta, "{ctx}");
        assert_eq!(hop.transport, Transport::Tls, "{ctx}");
        assert_eq!(hop.grade.as_ref().and_then(|g| g.strength), Some(strength), "{ctx}");
        assert!(!hop.raw.is_empty() && hop.raw.starts_with("Received:"), "{ctx}");
    }
}

#[test]
fn qmail_and_cisco_write_the_cipher_without_a_version() {
    let q = sample("qmail.eml");
    assert_eq!(q.hops.len(), 2);
    let tls = q.hops[0].tls.as_ref().unwrap();
    assert_eq!((tls.syntax, tls.version.as_deref()), ("encrypted", None));
    assert_eq!(tls.suite.as_ref().unwrap().iana, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA");
    assert_eq!(q.hops[0].from.as_ref().unwrap().helo.as_deref(), Some("mail.example.org"));
    assert_eq!(q.hops[0].from.as_ref().unwrap().ip.as_deref(), Some("192.0.2.36"));
    assert_eq!(q.hops[0].grade.as_ref().unwrap().strength, Some(Strength::Weak));
    // `(qmail 12345 invoked by uid 89)` is a comment-only field: kept, flagged, not dropped.
    assert!(!q.hops[1].parsed);
    assert!(q.warnings.iter().any(|w| w.id == "hop.unparsed" && w.hop == Some(2)));

    let c = sample("cisco-esa.eml");
    let tls = c.hops[0].tls.as_ref().unwrap();
    assert_eq!(tls.syntax, "slash");
    assert_eq!(tls.suite.as_ref().unwrap().iana, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    assert_eq!(c.hops[0].mta, Some("Cisco Secure Email"));
    assert_eq!(c.hops[0].protocol.as_deref(), Some("ESMTP"));
    assert_eq!(c.hops[1].transport, Transport::Plaintext);
}

#[test]
fn postfix_details_and_client_certificates_are_read() {
    let r = sample("postfix-tls13.eml");
    let hop = &r.hops[1];
    let tls = hop.tls.as_ref().unwrap();
    assert_eq!(tls.bits.as_deref(), Some("256/256"));
    let details: Vec<(&str, &str)> = tls.details.iter().map(|d| (d.key.as_str(), d.value.as_str())).collect();
    assert_eq!(
        details,
        [
            ("key-exchange", "X25519"),
            ("server-signature", "RSA-PSS (2048 bits)"),
            ("server-digest", "SHA256")
        ]
    );
    assert_eq!(tls.client_certificate.as_ref().unwrap().requested, Some(false));
    let from = hop.from.as_ref().unwrap();
    assert_eq!(
        (from.name.as_deref(), from.reverse_dns.as_deref(), from.ip.as_deref()),
        (Some("mail.example.org"), Some("mail.example.org"), Some("192.0.2.25"))
    );
    assert_eq!(hop.by.as_ref().unwrap().name.as_deref(), Some("mx.example.net"));
    assert_eq!(hop.protocol.as_deref(), Some("ESMTPS"));
    assert_eq!((hop.protocol_tls, hop.protocol_auth), (Some(true), Some(false)));
    assert_eq!(r.hops[0].protocol_auth, Some(true));
    assert_eq!(hop.id.as_deref(), Some("4Xk2Lm0Z3pz9sWq"));
    assert_eq!(hop.for_.as_deref(), Some("bob@example.net"));
    let t = hop.timestamp.as_ref().unwrap();
    assert_eq!((t.rfc3339.as_str(), t.offset_minutes), ("2026-11-22T12:05:11Z", Some(60)));
    assert_eq!(hop.delay_seconds, Some(2));
    assert!(!hop.clock_skew);
    assert_eq!(r.total_delay_seconds, Some(2));
    let g = hop.grade.as_ref().unwrap();
    assert_eq!((g.ncsc_version, g.ncsc_suite), (Some(NcscClass::Good), Some(NcscClass::Good)));

    let c = sample("postfix-client-cert.eml");
    let cert = c.hops[1].tls.as_ref().unwrap().client_certificate.as_ref().unwrap();
    assert_eq!(
        (cert.presented, cert.subject_cn.as_deref(), cert.issuer_cn.as_deref(), cert.verified),
        (Some(true), Some("relay.example.net"), Some("Example Relay CA"), Some(true))
    );
    let none = c.hops[0].tls.as_ref().unwrap().client_certificate.as_ref().unwrap();
    assert_eq!((none.requested, none.presented), (Some(true), Some(false)));
    assert!(
        c.hops[0].grade.as_ref().unwrap().reason.contains("TLSv1.0 is outdated"),
        "{:?}",
        c.hops[0].grade
    );
}

#[test]
fn summary_fields_are_rfc2047_decoded_and_the_body_is_not_read() {
    let r = sample("postfix-tls13.eml");
    assert_eq!(r.summary.from.as_deref(), Some("Alice Müller <alice@example.org>"));
    assert_eq!(r.summary.subject.as_deref(), Some("Résumé of the café meeting"));
    assert_eq!(r.summary.date_parsed.as_ref().map(|t| t.unix), Some(1_795_349_108));
    assert!(r.has_body);
    assert_eq!(r.line_endings, "lf");
    let auth = &r.authentication[0];
    assert_eq!(auth.authserv_id.as_deref(), Some("mx.example.net"));
    let methods: Vec<(&str, &str)> =
        auth.results.iter().map(|m| (m.method.as_str(), m.result.as_str())).collect();
    assert_eq!(methods, [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]);
    assert!(auth.results[0].properties.iter().any(|p| p.key == "header.d" && p.value == "example.org"));
}

#[test]
fn microsoft_and_gmail_hops_and_auth_fields() {
    let m = sample("microsoft365.eml");
    assert_eq!(m.hops.len(), 3);
    assert_eq!(m.hops[0].from.as_ref().unwrap().ip.as_deref(), Some("192.0.2.27"));
    assert_eq!(m.hops[0].by.as_ref().unwrap().ip.as_deref(), Some("10.167.8.5"));
    assert_eq!(m.hops[0].via.as_deref(), Some("Frontend"));
    assert_eq!(m.hops[0].protocol.as_deref(), Some("Microsoft SMTP Server"));
    assert_eq!(m.hops[1].from.as_ref().unwrap().ip.as_deref(), Some("2603:10a6:10:1b3::7"));
    assert_eq!(m.hops[2].protocol.as_deref(), Some("HTTPS"));
    assert_eq!(m.hops[2].transport, Transport::TlsNoDetails);
    let arc = &m.authentication[0];
    assert_eq!((arc.arc_instance, arc.authserv_id.as_deref()), (Some(1), Some("mx.microsoft.com")));
    assert_eq!(
        arc.results.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(),
        ["spf", "dmarc", "dkim", "arc"]
    );

    let g = sample("gmail.eml");
    assert_eq!(g.hops.len(), 4);
    assert_eq!(g.hops[1].transport, Transport::TlsNoDetails, "{:#?}", g.hops[1]);
    assert_eq!(g.hops[2].tls.as_ref().unwrap().bits.as_deref(), Some("256/256"));
    assert_eq!(g.hops[3].from, None);
    assert_eq!(g.hops[3].protocol.as_deref(), Some("SMTP"));
    assert_eq!(g.authentication[0].results[0].result, "pass");
    assert_eq!(g.hops[2].timestamp.as_ref().unwrap().offset_minutes, Some(-480));
}

#[test]
fn clock_skew_is_flagged_with_the_negative_delay() {
    let r = sample("weak-and-skew.eml");
    let delays: Vec<Option<i64>> = r.hops.iter().map(|h| h.delay_seconds).collect();
    assert_eq!(delays, [None, Some(30), Some(-90)]);
    assert_eq!(r.hops.iter().map(|h| h.clock_skew).collect::<Vec<_>>(), [false, false, true]);
    assert!(r.warnings.iter().any(|w| w.id == "hop.clock_skew" && w.hop == Some(3)));
    assert_eq!(r.hops[2].transport, Transport::Plaintext);
    assert!(r.warnings.iter().any(|w| w.id == "hop.plaintext" && w.hop == Some(3)));
    assert_eq!(r.weakest_hop, Some(Strength::Insecure));
}

#[test]
fn unknown_formats_are_kept_raw_with_warnings() {
    let r = sample("unknown-format.eml");
    assert_eq!(r.hops.len(), 2);
    let odd = &r.hops[0];
    assert!(!odd.parsed);
    assert_eq!(odd.raw, "Received: mysterious relay wrote this; not a date");
    assert!(r.warnings.iter().any(|w| w.id == "hop.bad_date" && w.hop == Some(1)));
    let future = &r.hops[1];
    assert_eq!(future.tls, None);
    assert_eq!(future.tls_unrecognised.as_deref(), Some("tls-info proto=TLS1.3 suite=FUTURE_SUITE_X"));
    assert_eq!(future.transport, Transport::TlsNoDetails);
    assert!(r.warnings.iter().any(|w| w.id == "hop.tls_unrecognised" && w.hop == Some(2)));
    let policy: Vec<&str> = r.tls_policy.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(policy, ["TLS-Required", "TLS-Report-Domain", "TLS-Report-Submitter"]);
}

#[test]
fn crlf_and_lf_give_the_same_analysis() {
    for (name, text) in SAMPLES {
        let lf = analyse(text).unwrap();
        let crlf_text = text.replace('\n', "\r\n");
        let crlf = analyse(&crlf_text).unwrap();
        assert_eq!(crlf.line_endings, "crlf", "{name}");
        assert_eq!(lf.hops.len(), crlf.hops.len(), "{name}");
        for (a, b) in lf.hops.iter().zip(&crlf.hops) {
            assert_eq!(a.tls, b.tls, "{name}");
            assert_eq!(a.timestamp, b.timestamp, "{name}");
            assert_eq!(a.raw.replace('\n', "\r\n"), b.raw, "{name}");
        }
    }
}

#[test]
fn dates_in_current_and_obsolete_forms() {
    type Case = (&'static str, Option<(i64, Option<i32>)>);
    let cases: &[Case] = &[
        ("Sun, 22 Nov 2026 12:05:09 +0000", Some((1_795_349_109, Some(0)))),
        ("Sun, 22 Nov 2026 13:05:09 +0100 (CET)", Some((1_795_349_109, Some(60)))),
        ("22 Nov 2026 12:05:09 -0000", Some((1_795_349_109, None))),
        ("Sun, 22 Nov 26 04:05:09 PST", Some((1_795_349_109, Some(-480)))),
        ("Sun, 22 Nov 126 12:05:09 GMT", Some((1_795_349_109, Some(0)))),
        ("Sun, 22 Nov 2026 12:05 UT", Some((1_795_349_100, Some(0)))),
        ("Sun, 22 Nov 2026 12:05:09.123 +0000", Some((1_795_349_109, Some(0)))),
        ("Sun, 22 Nov 2026 12:05:09 Z", Some((1_795_349_109, Some(0)))),
        ("Sun, 22 Nov 2026 12:05:09 A", Some((1_795_349_109, None))),
        ("Sun, 22 Nov 2026\n 12:05:09 EDT", Some((1_795_349_109 + 4 * 3600, Some(-240)))),
        ("Nov 22 2026 12:05:09 +0000", Some((1_795_349_109, Some(0)))),
        ("Sun, 22 Nov 2026 12:05:09 GMT+0100", Some((1_795_349_109 - 3600, Some(60)))),
        ("not a date", None),
        ("Sun, 32 Nov 2026 12:05:09 +0000", None),
        ("Sun, 22 Foo 2026 12:05:09 +0000", None),
        ("Sun, 22 Nov 2026 25:05:09 +0000", None),
        ("Sun, 22 Nov 2026 12:05:09 +2500", None),
    ];
    for (text, want) in cases {
        let got = parse_date(text).map(|d| (d.unix, d.offset_minutes));
        assert_eq!(got, *want, "{text:?}");
    }
    assert_eq!(parse_date("Sun, 22 Nov 2026 12:05:09 +0000").unwrap().rfc3339(), "2026-11-22T12:05:09Z");
}

#[test]
fn cipher_names_in_every_naming_map_to_one_code() {
    let cases: &[(&str, Option<u16>)] = &[
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Some(0xC030)),
        ("ECDHE-RSA-AES256-GCM-SHA384", Some(0xC030)),
        ("ecdhe-rsa-aes256-gcm-sha384", Some(0xC030)),
        ("ECDHE_RSA_AES_256_GCM_SHA384", Some(0xC030)),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384_P384", Some(0xC030)),
        ("TLS13_AES_256_GCM_SHA384", Some(0x1302)),
        ("ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM", Some(0x1302)),
        ("ECDHE_SECP256R1__ECDSA_SECP256R1_SHA256__CHACHA20_POLY1305", Some(0x1303)),
        ("RSA_AES_128_CBC_SHA1", Some(0x002F)),
        ("RSA_ARCFOUR_128_SHA1", Some(0x0005)),
        ("RSA_3DES_EDE_CBC_SHA1", Some(0x000A)),
        ("ECDHE_RSA_CHACHA20_POLY1305", Some(0xCCA8)),
        ("SSL_RSA_WITH_RC4_128_MD5", Some(0x0004)),
        ("DES-CBC3-SHA", Some(0x000A)),
        ("TLS_AES_128_GCM_SHA256", Some(0x1301)),
        ("FUTURE_SUITE_X", None),
        ("", None),
    ];
    for (name, want) in cases {
        let got = tls::suite_for_name(name).and_then(|i| match i.code {
            crate::registry::CipherCode::Tls(s) => Some(s.0),
            crate::registry::CipherCode::Sslv2(_) => None,
        });
        assert_eq!(got, *want, "{name}");
    }
}

#[test]
fn versions_in_every_spelling() {
    use crate::registry::ProtocolVersion as V;
    let cases = [
        ("TLSv1.3", Some(V::TLSV1_3)),
        ("TLS1_3", Some(V::TLSV1_3)),
        ("TLS1.2", Some(V::TLSV1_2)),
        ("TLSv1_2", Some(V::TLSV1_2)),
        ("TLSv1", Some(V::TLSV1_0)),
        ("TLSv1/SSLv3", Some(V::TLSV1_0)),
        ("SSLv3", Some(V::SSLV3)),
        ("TLSv1.1", Some(V::TLSV1_1)),
        ("QUIC", None),
    ];
    for (text, want) in cases {
        assert_eq!(tls::version_of(text), want, "{text}");
    }
}

#[test]
fn folding_and_encoded_words() {
    let (text, left) = parse::decode_words("=?UTF-8?Q?a?= =?UTF-8?Q?b?= c =?KOI8-R?B?8NLJ18XU?= =?bogus");
    assert_eq!(text, "ab c =?KOI8-R?B?8NLJ18XU?= =?bogus");
    assert!(left);
    assert_eq!(parse::decode_words("plain").0, "plain");
    assert_eq!(parse::decode_words("=?utf-8?b?w6k=?=").0, "é");
    assert_eq!(parse::decode_words("=?utf-8*fr?q?=C3=A9t=C3=A9?=").0, "été");
    // A folded Received: field and a leading mbox line and blank lines.
    let text = "\n\nFrom alice@example.org Sun Nov 22 12:05:09 2026\nReceived: from a.example (a.example\n [192.0.2.1])\n\tby b.example\n with ESMTP id X; Sun, 22 Nov 2026 12:05:09 +0000\nSubject: x\n";
    let r = analyse(text).unwrap();
    assert_eq!(r.hops[0].from.as_ref().unwrap().ip.as_deref(), Some("192.0.2.1"));
    assert_eq!(r.hops[0].by.as_ref().unwrap().name.as_deref(), Some("b.example"));
    assert_eq!(r.hops[0].line, 4);
    assert!(!r.has_body);
}

#[test]
fn garbage_gives_clear_errors_never_a_panic() {
    assert_eq!(analyse(""), Err(HeadersError::NoHeaderFields));
    assert_eq!(analyse("\n\n\n"), Err(HeadersError::NoHeaderFields));
    assert_eq!(analyse("just some prose\nwith no fields\n"), Err(HeadersError::NoHeaderFields));
    assert!(matches!(analyse("Subject: x\0y\n"), Err(HeadersError::Binary { .. })));
    let binary: String = (0..4000u32).map(|i| char::from_u32(i % 32).unwrap()).collect();
    assert!(matches!(analyse(&format!("Subject: {binary}")), Err(HeadersError::Binary { .. })));
    let huge = format!("Subject: {}\n", "x".repeat(MAX_HEADER_BYTES + 10));
    let err = analyse(&huge).unwrap_err();
    assert!(matches!(err, HeadersError::TooLarge { .. }));
    assert!(err.to_string().contains("4 MiB"), "{err}");
    // A big body after a small header is fine: the body is not read.
    let message = format!("Subject: x\n\n{}", "\0".repeat(MAX_HEADER_BYTES * 2));
    assert_eq!(analyse(&message).unwrap().field_count, 1);
    // Stray lines are reported, not fatal.
    let r = analyse("Subject: x\nthis is not a field\nTo: y\n").unwrap();
    assert_eq!(r.field_count, 2);
    assert!(r.warnings.iter().any(|w| w.id == "header.stray_line"));
    // Deeply nested comments and unbalanced parentheses.
    let deep = format!(
        "Received: from a {}x{} by b; Sun, 22 Nov 2026 12:05:09 +0000\n",
        "(".repeat(500),
        ")".repeat(3)
    );
    assert_eq!(analyse(&deep).unwrap().hops.len(), 1);
    assert_eq!(analyse("Received: (using\n").unwrap().hops.len(), 1);
    assert_eq!(analyse("Received: ;\n").unwrap().hops.len(), 1);
}

#[test]
fn many_fields_are_capped() {
    let text = "Received: from a by b; Sun, 22 Nov 2026 12:05:09 +0000\n".repeat(MAX_FIELDS + 5);
    let r = analyse(&text).unwrap();
    assert_eq!(r.field_count, MAX_FIELDS);
    assert!(r.warnings.iter().any(|w| w.id == "header.too_many_fields"));
}

#[test]
fn the_report_serialises_with_the_documented_names() {
    let r = sample("postfix-tls13.eml");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["hop_order"], "oldest_first");
    assert_eq!(json["hops"][1]["tls"]["suite"]["code"], "0x1302");
    assert_eq!(json["hops"][1]["for"], "bob@example.net");
    assert_eq!(json["hops"][1]["grade"]["strength"], "secure");
    assert_eq!(json["hops"][1]["timestamp"]["unix"], 1_795_349_111);
    assert_eq!(json["hops"][1]["transport"], "tls");
}

/// Messages delivered by a real Postfix 3.7 (`tests/headers_real.rs` wrote them): (file,
/// version, code, details, client certificate presented).
type Captured =
    (&'static str, &'static str, &'static str, &'static str, &'static [(&'static str, &'static str)], bool);

const CAPTURED: &[Captured] = &[
    (
        "postfix-3.7-tls13.eml",
        include_str!("../../tests/fixtures/headers/captured/postfix-3.7-tls13.eml"),
        "TLSv1.3",
        "0x1302",
        &[
            ("key-exchange", "X25519"),
            ("server-signature", "ECDSA (prime256v1)"),
            ("server-digest", "SHA256"),
        ],
        false,
    ),
    (
        "postfix-3.7-tls12-ecdhe-rsa-aes128-gcm.eml",
        include_str!("../../tests/fixtures/headers/captured/postfix-3.7-tls12-ecdhe-rsa-aes128-gcm.eml"),
        "TLSv1.2",
        "0xC02F",
        &[],
        false,
    ),
    (
        "postfix-3.7-tls13-chacha20-client-cert.eml",
        include_str!("../../tests/fixtures/headers/captured/postfix-3.7-tls13-chacha20-client-cert.eml"),
        "TLSv1.3",
        "0x1303",
        &[
            ("key-exchange", "X25519"),
            ("server-signature", "ECDSA (prime256v1)"),
            ("server-digest", "SHA256"),
            ("client-signature", "RSA-PSS (2048 bits)"),
            ("client-digest", "SHA256"),
        ],
        true,
    ),
    (
        "postfix-3.7-tls12-client-cert.eml",
        include_str!("../../tests/fixtures/headers/captured/postfix-3.7-tls12-client-cert.eml"),
        "TLSv1.2",
        "0xCCA8",
        &[],
        true,
    ),
];

#[test]
fn a_captured_tls10_hop_is_weak() {
    let text = include_str!("../../tests/fixtures/headers/captured/postfix-3.7-tls10-aes256-sha.eml");
    let r = analyse(text).unwrap();
    let hop = &r.hops[0];
    let tls = hop.tls.as_ref().unwrap();
    assert_eq!((tls.version.as_deref(), tls.version_name), (Some("TLSv1"), Some("TLSv1.0")));
    assert_eq!(tls.suite.as_ref().map(|s| s.code.to_string()), Some("0x0035".to_owned()));
    let g = hop.grade.as_ref().unwrap();
    assert_eq!(g.strength, Some(Strength::Weak));
    assert_eq!((g.ncsc_version, g.ncsc_suite), (Some(NcscClass::Insufficient), Some(NcscClass::Insufficient)));
    assert_eq!(r.weakest_hop, Some(Strength::Weak));
}

#[test]
fn captured_postfix_headers_are_read_exactly() {
    for &(name, text, version, code, details, presented) in CAPTURED {
        let r = analyse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.hops.len(), 1, "{name}");
        let hop = &r.hops[0];
        let tls = hop.tls.as_ref().unwrap();
        assert_eq!(
            (tls.version_name, tls.suite.as_ref().map(|s| s.code.to_string())),
            (Some(version), Some(code.to_owned())),
            "{name}"
        );
        let got: Vec<(&str, &str)> = tls.details.iter().map(|d| (d.key.as_str(), d.value.as_str())).collect();
        assert_eq!(got, details, "{name}");
        let cert = tls.client_certificate.as_ref().unwrap();
        assert_eq!(cert.presented, Some(presented), "{name}");
        if presented {
            // The harness's client certificate carries only the serverAuth EKU: Postfix
            // does not verify it for a client.
            assert_eq!(
                (cert.issuer_cn.as_deref(), cert.verified),
                (Some("mxray test CA"), Some(false)),
                "{name}"
            );
        }
        assert_eq!(hop.from.as_ref().unwrap().reverse_dns.as_deref(), Some("localhost"), "{name}");
        assert_eq!(hop.grade.as_ref().unwrap().strength, Some(Strength::Secure), "{name}");
        assert!(
            r.has_body && r.summary.subject.as_deref().is_some_and(|s| s.starts_with("mxray header fixture"))
        );
        assert!(r.warnings.is_empty(), "{name}: {:?}", r.warnings);
    }
}

#[test]
fn inputs_the_fuzzer_found_are_analysed() {
    // A Postfix client-certificate comment at the very end of a field: its text was sliced
    // with a miscounted length (an out-of-bounds panic).
    let data = include_bytes!("../../tests/fixtures/headers/fuzz/client-cert-line-at-end.bin");
    crate::fuzzing::headers(data);
    let r = analyse("Received: from a (a [192.0.2.1]) (using TLSv1 with cipher AES256-SHA) (Client did not present a certificate)\n").unwrap();
    let cert = r.hops[0].tls.as_ref().unwrap().client_certificate.as_ref().unwrap();
    assert_eq!(cert.text, "(Client did not present a certificate)");
    let r = analyse("Received: from a (using TLSv1.3 with cipher X) (No client certificate requested)\n")
        .unwrap();
    let cert = r.hops[0].tls.as_ref().unwrap().client_certificate.as_ref().unwrap();
    assert_eq!(cert.text, "(No client certificate requested)");
}

/// Hostile shapes near the size cap must be analysed in time linear in their size: a
/// quadratic step would take hours on a few MiB, and the page would freeze.
#[test]
#[allow(clippy::disallowed_methods)] // Instant::now: the test measures, the core never does.
fn hostile_shapes_are_analysed_in_linear_time() {
    // 256 KiB: linear work takes well under a second even unoptimised; quadratic work
    // (6.9e10 steps) would take minutes.
    const SIZE: usize = 256 * 1024;
    let shapes: Vec<(&str, String)> = vec![
        ("unclosed parentheses", format!("Received: from a {}\n", "(".repeat(SIZE))),
        ("nested comments", format!("Received: from a {}{}\n", "(x ".repeat(SIZE / 6), ")".repeat(SIZE / 6))),
        ("sibling comments", format!("Received: from a {}; Sun, 22 Nov 2026 12:05:09 +0000\n", "(cipher=x) ".repeat(SIZE / 11))),
        ("encoded-word starts", format!("Subject: {}\n", "=?a".repeat(SIZE / 3))),
        ("encoded-word lookalikes", format!("Subject: {}\n", "=?utf-8?q?".repeat(SIZE / 10))),
        ("postfix details", format!("Received: from a (using TLSv1.3 with cipher X {}\n", "k (v ".repeat(SIZE / 5))),
        ("colons", format!("Received: from a ({})\n", "TLSv1.2:".repeat(SIZE / 8))),
        ("many hops", "Received: from a.example (a.example [192.0.2.1]) (using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)) by b.example (Postfix) with ESMTPS id X for <c@d>; Sun, 22 Nov 2026 12:05:09 +0000\n".repeat(2000)),
        ("one long line", format!("X-Long: {}\n", "a".repeat(SIZE))),
    ];
    for (name, text) in shapes {
        let t0 = std::time::Instant::now();
        crate::fuzzing::headers(text.as_bytes());
        let took = t0.elapsed();
        eprintln!("{name}: {took:?} for {} bytes", text.len());
        assert!(took < std::time::Duration::from_secs(10), "{name}: {took:?} for {} bytes", text.len());
    }
}

#[test]
fn protocol_keywords_per_rfc_3848_and_6531() {
    let cases = [
        ("SMTP", Some((false, false))),
        ("ESMTP", Some((false, false))),
        ("ESMTPA", Some((false, true))),
        ("ESMTPS", Some((true, false))),
        ("esmtpsa", Some((true, true))),
        ("LMTP", Some((false, false))),
        ("LMTPSA", Some((true, true))),
        ("UTF8SMTPS", Some((true, false))),
        ("UTF8LMTPA", Some((false, true))),
        ("local-esmtp", Some((false, false))),
        ("HTTPS", Some((true, false))),
        ("mapi", None),
        ("local", None),
        ("Microsoft SMTP Server", None),
    ];
    for (word, want) in cases {
        assert_eq!(received::protocol_facts(word), want, "{word}");
    }
}
