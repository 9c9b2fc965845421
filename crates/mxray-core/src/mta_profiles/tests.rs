//! The profiles against their captured hellos, and the simulation by table.

use super::*;
use crate::probe::{FeatureFindings, GroupFindings, SuiteFinding};
use crate::wire::client_hello::ClientHello;
use crate::wire::codec::Codec;

type V = ProtocolVersion;

/// The captured record's ClientHello.
fn captured(hex: &str) -> ClientHello {
    let bytes: Vec<u8> = (0..hex.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex.trim()[i..i + 2], 16).expect("hex"))
        .collect();
    // Record header (5) and handshake header (4).
    assert_eq!(bytes[0], 22, "a handshake record");
    assert_eq!(bytes[5], 1, "a ClientHello");
    ClientHello::parse(&bytes[9..]).expect("the capture decodes")
}

#[test]
fn the_profiles_are_the_captured_hellos() {
    for (profile, hex) in [
        (&POSTFIX, include_str!("postfix-3.7.11-debian12.hex")),
        (&EXIM_GNUTLS, include_str!("gnutls-3.7.9-normal-debian12.hex")),
    ] {
        let hello = captured(hex);
        let tls13: Vec<CipherSuite> =
            hello.cipher_suites.iter().copied().filter(|s| (0x1301..=0x1305).contains(&s.0)).collect();
        let rest: Vec<CipherSuite> = hello
            .cipher_suites
            .iter()
            .copied()
            .filter(|s| !tls13.contains(s) && *s != CipherSuite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV)
            .collect();
        assert_eq!(tls13, profile.tls13_suites, "{}", profile.id);
        assert_eq!(rest, profile.suites, "{}", profile.id);
        assert_eq!(
            hello.supported_groups().expect("groups").expect("valid"),
            profile.groups,
            "{}",
            profile.id
        );
        assert_eq!(
            hello.signature_algorithms().expect("schemes").expect("valid"),
            profile.signature_schemes,
            "{}",
            profile.id
        );
        assert_eq!(
            hello.supported_versions().expect("versions").expect("valid"),
            profile.versions,
            "{}",
            profile.id
        );
    }
}

fn version(v: V, suites: &[u16], server_order: Option<bool>) -> VersionFinding {
    VersionFinding {
        version: v,
        supported: Some(!suites.is_empty()),
        answered_with: None,
        suites: suites
            .iter()
            .enumerate()
            .map(|(i, &c)| SuiteFinding {
                code: CipherCode::Tls(CipherSuite(c)),
                rank: server_order.filter(|&o| o).map(|_| u16::try_from(i + 1).expect("small")),
                fails_after_hello: false,
            })
            .collect(),
        server_order,
        chose_unoffered: Vec::new(),
        complete: true,
    }
}

/// A server with these versions (every other version refused), groups and schemes.
fn server(versions: Vec<VersionFinding>, tls12_groups: &[u16], tls13_groups: &[u16]) -> TlsFindings {
    let mut all = versions;
    for v in [V::TLSV1_0, V::TLSV1_1, V::TLSV1_2, V::TLSV1_3] {
        if !all.iter().any(|f| f.version == v) {
            all.push(version(v, &[], None));
        }
    }
    TlsFindings {
        versions: all,
        groups: GroupFindings {
            tls12: tls12_groups.iter().map(|&g| NamedGroup(g)).collect(),
            tls13: tls13_groups.iter().map(|&g| NamedGroup(g)).collect(),
            tls12_server_order: Some(true),
            tls13_server_order: Some(true),
            preferred: None,
            complete: true,
        },
        sig_algs: vec![SignatureScheme(0x0804), SignatureScheme(0x0401)],
        sig_algs_tls13: vec![SignatureScheme(0x0804)],
        sig_algs_tls13_complete: true,
        dhe_bits: Vec::new(),
        dhe_groups: Vec::new(),
        features: FeatureFindings::default(),
        chains: Vec::new(),
        hellos_sent: 0,
    }
}

const X25519: u16 = 0x001D;
const P256: u16 = 0x0017;
const FFDHE2048: u16 = 0x0100;
const ECDHE_RSA_GCM128: u16 = 0xC02F;
const ECDHE_RSA_GCM256: u16 = 0xC030;
const ECDHE_RSA_ARIA256: u16 = 0xC061;
const RSA_CCM8: u16 = 0xC0A0;
const AES128_GCM: u16 = 0x1301;
const AES256_GCM: u16 = 0x1302;
const CCM8_13: u16 = 0x1305;

/// (case, server, [postfix, exim-gnutls, exchange-schannel] as (negotiates, certain, version,
/// suite, group)).
type Want = (bool, bool, Option<&'static str>, Option<u16>, Option<&'static str>);

#[test]
fn the_simulation_follows_the_table() {
    let cases: Vec<(&str, TlsFindings, [Want; 3])> = vec![
        (
            "modern server, server order: both get its first TLS 1.3 suite and group",
            server(
                vec![
                    version(V::TLSV1_3, &[AES256_GCM, AES128_GCM], Some(true)),
                    version(V::TLSV1_2, &[ECDHE_RSA_GCM256], Some(true)),
                ],
                &[X25519, P256],
                &[X25519, P256],
            ),
            [
                (true, true, Some("TLSv1.3"), Some(AES256_GCM), Some("x25519")),
                (true, true, Some("TLSv1.3"), Some(AES256_GCM), Some("x25519")),
                (true, true, Some("TLSv1.3"), Some(AES256_GCM), Some("x25519")),
            ],
        ),
        (
            "client order at TLS 1.3: each gets its own first choice and first group",
            {
                let mut s = server(
                    vec![version(V::TLSV1_3, &[AES128_GCM, AES256_GCM], Some(false))],
                    &[],
                    &[P256, X25519],
                );
                s.groups.tls13_server_order = Some(false);
                s
            },
            [
                (true, true, Some("TLSv1.3"), Some(AES256_GCM), Some("x25519")),
                (true, true, Some("TLSv1.3"), Some(AES256_GCM), Some("secp256r1")),
                (true, true, Some("TLSv1.3"), Some(AES256_GCM), Some("x25519")),
            ],
        ),
        (
            "order unknown with two candidates: probably the server's first",
            server(vec![version(V::TLSV1_3, &[AES128_GCM, AES256_GCM], None)], &[], &[X25519]),
            [
                (true, false, Some("TLSv1.3"), Some(AES128_GCM), Some("x25519")),
                (true, false, Some("TLSv1.3"), Some(AES128_GCM), Some("x25519")),
                (true, false, Some("TLSv1.3"), Some(AES128_GCM), Some("x25519")),
            ],
        ),
        (
            "TLS 1.3 with CCM_8 only: nobody (no fallback to TLS 1.2)",
            server(
                vec![
                    version(V::TLSV1_3, &[CCM8_13], Some(true)),
                    version(V::TLSV1_2, &[ECDHE_RSA_GCM128], Some(true)),
                ],
                &[X25519],
                &[X25519],
            ),
            [
                (false, true, Some("TLSv1.3"), None, None),
                (false, true, Some("TLSv1.3"), None, None),
                (false, true, Some("TLSv1.3"), None, None),
            ],
        ),
        (
            "TLS 1.3 with FFDHE only: Postfix fails, GnuTLS offers ffdhe2048",
            server(vec![version(V::TLSV1_3, &[AES128_GCM], Some(true))], &[], &[FFDHE2048]),
            [
                (false, true, Some("TLSv1.3"), None, None),
                (true, true, Some("TLSv1.3"), Some(AES128_GCM), Some("ffdhe2048")),
                (false, true, Some("TLSv1.3"), None, None),
            ],
        ),
        (
            "TLS 1.2 ARIA only: Postfix gets it, GnuTLS has no ARIA",
            server(vec![version(V::TLSV1_2, &[ECDHE_RSA_ARIA256], Some(true))], &[X25519], &[]),
            [
                (true, true, Some("TLSv1.2"), Some(ECDHE_RSA_ARIA256), Some("x25519")),
                (false, true, Some("TLSv1.2"), None, None),
                (false, true, Some("TLSv1.2"), None, None),
            ],
        ),
        (
            "TLS 1.2 RSA CCM_8 only: Postfix offers it, GnuTLS does not",
            server(vec![version(V::TLSV1_2, &[RSA_CCM8], Some(true))], &[], &[]),
            [
                (true, true, Some("TLSv1.2"), Some(RSA_CCM8), None),
                (false, true, Some("TLSv1.2"), None, None),
                (false, true, Some("TLSv1.2"), None, None),
            ],
        ),
        (
            "TLS 1.2 ECDHE on a curve nobody offers (secp256k1)",
            server(vec![version(V::TLSV1_2, &[ECDHE_RSA_GCM128], Some(true))], &[0x0016], &[]),
            [
                (false, true, Some("TLSv1.2"), None, None),
                (false, true, Some("TLSv1.2"), None, None),
                (false, true, Some("TLSv1.2"), None, None),
            ],
        ),
        (
            "TLS 1.2 ECDHE, curves not measured: probably",
            server(vec![version(V::TLSV1_2, &[ECDHE_RSA_GCM128], Some(true))], &[], &[]),
            [
                (true, false, Some("TLSv1.2"), Some(ECDHE_RSA_GCM128), None),
                (true, false, Some("TLSv1.2"), Some(ECDHE_RSA_GCM128), None),
                (true, false, Some("TLSv1.2"), Some(ECDHE_RSA_GCM128), None),
            ],
        ),
        (
            "SSL 3.0 only: no profile speaks it",
            {
                let mut s = server(Vec::new(), &[], &[]);
                s.versions.push(version(V::SSLV3, &[0x000A], Some(true)));
                s
            },
            [
                (false, true, None, None, None),
                (false, true, None, None, None),
                (false, true, None, None, None),
            ],
        ),
    ];
    for (case, findings, want) in cases {
        let got = simulate(&findings);
        assert_eq!(got.len(), 3, "{case}");
        for (o, w) in got.iter().zip(want) {
            let have = (
                o.negotiates,
                o.certain,
                o.version.as_deref(),
                o.suite.map(|c| match c {
                    CipherCode::Tls(s) => s.0,
                    CipherCode::Sslv2(_) => 0,
                }),
                o.group.as_deref(),
            );
            assert_eq!(have, w, "{case}: {} ({:?})", o.profile, o.note);
            assert_eq!(
                o.note.is_some(),
                !o.negotiates || !o.certain,
                "{case}: {} has a note iff it fails or is unsure",
                o.profile
            );
        }
    }
}

#[test]
fn a_version_of_unknown_support_makes_the_outcome_probable() {
    let mut s = server(vec![version(V::TLSV1_2, &[ECDHE_RSA_GCM128], Some(true))], &[X25519], &[]);
    s.versions.iter_mut().filter(|v| v.version == V::TLSV1_3).for_each(|v| v.supported = None);
    let o = simulate_one(&POSTFIX, &s);
    assert!(o.negotiates && !o.certain, "{o:?}");
    assert!(o.note.as_deref().is_some_and(|n| n.contains("TLSv1.3")), "{o:?}");
}

#[test]
fn a_failure_names_what_is_missing() {
    let s = server(vec![version(V::TLSV1_3, &[CCM8_13], Some(true))], &[], &[X25519]);
    let o = simulate_one(&EXIM_GNUTLS, &s);
    let note = o.note.expect("a reason");
    assert!(note.contains("TLS_AES_128_CCM_8_SHA256") && note.contains("no common TLS 1.3 suite"), "{note}");
}
