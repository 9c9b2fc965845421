//! Sending-MTA client profiles and the handshake simulation against a scanned server: which
//! common MTAs could negotiate opportunistic STARTTLS with it, and what they would get.
//!
//! # The profiles (ground truth, never invented)
//!
//! Each measured profile is the ClientHello a real sending MTA sends, captured on this project's
//! reference machine (Debian 12) against a listener that answered `EHLO` with `STARTTLS` and
//! `STARTTLS` with `220`, and kept here byte for byte (`*.hex` beside this file: one TLS
//! record). The lists below are those hellos' cipher suites (in order, without the SCSV),
//! `supported_groups`, `signature_algorithms` and `supported_versions`; a test decodes the
//! captures with [`crate::wire`] and checks they equal the data.
//!
//! Measured:
//!
//! - `postfix` — Postfix 3.7.11 (Debian 12) on OpenSSL 3.0.19, its default client TLS
//!   settings: `smtp_tls_security_level = may`, `smtp_tls_ciphers = medium` =
//!   `tls_medium_cipherlist` (`aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH`),
//!   `smtp_tls_protocols = >=TLSv1`, `tls_eecdh_auto_curves = X25519 X448 prime256v1
//!   secp521r1 secp384r1` (all from `postconf -d`). Captured from `posttls-finger -c -l may`
//!   (Postfix's own client TLS engine, the same `tls_client_start` as `smtp`, with the same
//!   defaults) on 2026-11-22.
//! - `exim-gnutls` — Exim on Debian 12 links GnuTLS, and with `tls_require_ciphers` unset it
//!   uses GnuTLS's `NORMAL` priority string (`exim_default_gnutls_priority = "NORMAL"` in
//!   Exim's `src/tls-gnu.c`). Captured from GnuTLS 3.7.9's
//!   `gnutls-cli --priority NORMAL --starttls-proto smtp` (Debian 12 `gnutls-bin`) on
//!   2026-11-22.
//!
//! From published documentation:
//!
//! - `exchange-schannel` — Microsoft Exchange Server on Windows Server 2022, which negotiates
//!   through the Schannel provider with the system's defaults. Not measurable here; taken
//!   from Microsoft's published defaults (read 2026-11-22 in the MicrosoftDocs/win32
//!   sources of learn.microsoft.com): the suites "enabled and in this priority order by
//!   default" of
//!   <https://learn.microsoft.com/en-us/windows/win32/secauthn/tls-cipher-suites-in-windows-server-2022>
//!   (the two NULL suites, "only used when application explicitly requests", left out), the
//!   curves of
//!   <https://learn.microsoft.com/en-us/windows/win32/secauthn/tls-elliptic-curves-in-windows-10-1607-and-later>
//!   (curve25519, NistP256, NistP384), and TLS 1.0 to 1.3 enabled as client on Windows
//!   Server 2022 per
//!   <https://learn.microsoft.com/en-us/windows/win32/secauthn/protocols-in-tls-ssl--schannel-ssp->.
//!   Microsoft does not publish Schannel's default signature-scheme list: the profile has
//!   none, the simulation skips the scheme checks for it and says "probably" when the server
//!   signs with none of rsa_pkcs1_sha256, rsa_pss_rsae_sha256 and ecdsa_secp256r1_sha256.
//!   Exchange Online's own settings are not published as a hello and may differ.
//!
//! Not here: an OpenSSL 1.0.2-era Postfix (TLS 1.0–1.2), which cannot be measured on Debian
//! 12 and for which no published hello was found.
//!
//! # The simulation
//!
//! [`simulate`] takes what the scan found ([`TlsFindings`]: versions, suites per version in
//! the server's order, groups and their order, TLS 1.2 and 1.3 signature schemes) and, per
//! profile, models the server's choice the way OpenSSL and GnuTLS servers make it:
//!
//! 1. The version is the newest one both speak. The server does not fall back to an older
//!    version when nothing else matches at that one (OpenSSL fails with `no shared cipher`
//!    or `no suitable key share`), and MTAs do not retry an older version
//!    (`tests/mta_profiles_real.rs` checks this against `s_server` with TLS 1.3 CCM_8 beside
//!    a normal TLS 1.2: Postfix's engine and GnuTLS both fail).
//! 2. At TLS 1.2 and below, a suite is usable if both offer it and its key exchange and
//!    signature work: ECDHE needs a common curve, a signed key exchange at TLS 1.2 needs a
//!    common signature scheme for the suite's key type. At TLS 1.3 there must be a common
//!    suite, a common group and a common signature scheme.
//! 3. The suite and group are the server's first usable choice when the scan says it enforces
//!    its order, the client's first when it says it follows the client's.
//!
//! Where the scan cannot tell (server order unknown with several candidates, a group or
//! scheme list not measured, a version whose support is unknown, an enumeration cut short),
//! the outcome is marked not [`certain`](MtaOutcome::certain): "probably". Not modelled:
//! minimum DH sizes and the chain's signature algorithms (opportunistic senders do not check
//! the chain), HelloRetryRequest costs, version intolerance.
//!
//! Written by hand: it is a few set intersections over the registry types; no crate models
//! TLS negotiation over a scan result.

use serde::Serialize;

use crate::probe::{TlsFindings, VersionFinding};
use crate::registry::{
    Authentication, CipherCode, CipherSuite, KeyExchange, NamedGroup, ProtocolVersion, SignatureScheme,
};

/// One sending MTA's ClientHello for opportunistic STARTTLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MtaProfile {
    /// Stable id (`postfix`).
    pub id: &'static str,
    /// What it is: product, version, TLS library, settings.
    pub name: &'static str,
    /// How the hello was obtained.
    pub source: &'static str,
    /// When it was measured (`YYYY-MM-DD`).
    pub measured: &'static str,
    /// `supported_versions`, newest first.
    pub versions: &'static [ProtocolVersion],
    /// TLS 1.3 suites, in the client's order.
    pub tls13_suites: &'static [CipherSuite],
    /// TLS 1.0–1.2 suites, in the client's order (no SCSV).
    pub suites: &'static [CipherSuite],
    /// `supported_groups`, in order.
    pub groups: &'static [NamedGroup],
    /// `signature_algorithms`, in order.
    pub signature_schemes: &'static [SignatureScheme],
}

const TLS10_13: &[ProtocolVersion] =
    &[ProtocolVersion::TLSV1_3, ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_1, ProtocolVersion::TLSV1_0];

/// Postfix 3.7.11 on Debian 12 (OpenSSL 3.0), default client settings.
pub const POSTFIX: MtaProfile = MtaProfile {
    id: "postfix",
    name: "Postfix 3.7 (Debian 12, OpenSSL 3.0; smtp_tls_ciphers = medium)",
    source: "posttls-finger -c -l may, Postfix 3.7.11 defaults (postconf -d), hello captured on loopback",
    measured: "2026-11-22",
    versions: TLS10_13,
    tls13_suites: POSTFIX_TLS13,
    suites: POSTFIX_SUITES,
    groups: POSTFIX_GROUPS,
    signature_schemes: POSTFIX_SCHEMES,
};

/// Exim on Debian 12 (GnuTLS 3.7.9, priority `NORMAL`).
pub const EXIM_GNUTLS: MtaProfile = MtaProfile {
    id: "exim-gnutls",
    name: "Exim (Debian 12, GnuTLS 3.7 NORMAL)",
    source: "gnutls-cli --priority NORMAL --starttls-proto smtp, GnuTLS 3.7.9, hello captured on loopback",
    measured: "2026-11-22",
    versions: TLS10_13,
    tls13_suites: GNUTLS_TLS13,
    suites: GNUTLS_SUITES,
    groups: GNUTLS_GROUPS,
    signature_schemes: GNUTLS_SCHEMES,
};

/// Microsoft Exchange Server on Windows Server 2022 (Schannel defaults, as documented).
pub const EXCHANGE_SCHANNEL: MtaProfile = MtaProfile {
    id: "exchange-schannel",
    name: "Exchange Server (Windows Server 2022 Schannel defaults)",
    source: "Microsoft's published Schannel defaults for Windows Server 2022 (suites, curves, versions); signature schemes not published",
    measured: "2026-11-22",
    versions: TLS10_13,
    tls13_suites: &[CipherSuite::TLS_AES_256_GCM_SHA384, CipherSuite::TLS_AES_128_GCM_SHA256],
    suites: &[
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_DHE_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite::TLS_RSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA256,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA256,
        CipherSuite::TLS_RSA_WITH_AES_256_CBC_SHA,
        CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA,
        CipherSuite::TLS_RSA_WITH_3DES_EDE_CBC_SHA,
    ],
    groups: &[NamedGroup::X25519, NamedGroup::SECP256R1, NamedGroup::SECP384R1],
    signature_schemes: &[],
};

/// Every profile, in the order reports list them.
pub static PROFILES: &[MtaProfile] = &[POSTFIX, EXIM_GNUTLS, EXCHANGE_SCHANNEL];

/// Schemes every current TLS 1.2/1.3 client supports, for a profile whose list is not
/// published.
const UNIVERSAL_SCHEMES: [SignatureScheme; 3] = [
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::ECDSA_SECP256R1_SHA256,
];

const POSTFIX_TLS13: &[CipherSuite] = &[CipherSuite(0x1302), CipherSuite(0x1303), CipherSuite(0x1301)];
const POSTFIX_SUITES: &[CipherSuite] = &[
    CipherSuite(0x00A7),
    CipherSuite(0x006D),
    CipherSuite(0x00C5),
    CipherSuite(0xC019),
    CipherSuite(0x003A),
    CipherSuite(0x0089),
    CipherSuite(0xC02C),
    CipherSuite(0xC030),
    CipherSuite(0x00A3),
    CipherSuite(0x009F),
    CipherSuite(0xCCA9),
    CipherSuite(0xCCA8),
    CipherSuite(0xCCAA),
    CipherSuite(0xC0AF),
    CipherSuite(0xC0AD),
    CipherSuite(0xC0A3),
    CipherSuite(0xC09F),
    CipherSuite(0xC05D),
    CipherSuite(0xC061),
    CipherSuite(0xC057),
    CipherSuite(0xC053),
    CipherSuite(0xC024),
    CipherSuite(0xC028),
    CipherSuite(0x006B),
    CipherSuite(0x006A),
    CipherSuite(0xC073),
    CipherSuite(0xC077),
    CipherSuite(0x00C4),
    CipherSuite(0x00C3),
    CipherSuite(0xC00A),
    CipherSuite(0xC014),
    CipherSuite(0x0039),
    CipherSuite(0x0038),
    CipherSuite(0x0088),
    CipherSuite(0x0087),
    CipherSuite(0x009D),
    CipherSuite(0xC0A1),
    CipherSuite(0xC09D),
    CipherSuite(0xC051),
    CipherSuite(0x003D),
    CipherSuite(0x00C0),
    CipherSuite(0x0035),
    CipherSuite(0x0084),
    CipherSuite(0x00A6),
    CipherSuite(0x006C),
    CipherSuite(0x00BF),
    CipherSuite(0xC018),
    CipherSuite(0x0034),
    CipherSuite(0x0046),
    CipherSuite(0xC02B),
    CipherSuite(0xC02F),
    CipherSuite(0x00A2),
    CipherSuite(0x009E),
    CipherSuite(0xC0AE),
    CipherSuite(0xC0AC),
    CipherSuite(0xC0A2),
    CipherSuite(0xC09E),
    CipherSuite(0xC05C),
    CipherSuite(0xC060),
    CipherSuite(0xC056),
    CipherSuite(0xC052),
    CipherSuite(0xC023),
    CipherSuite(0xC027),
    CipherSuite(0x0067),
    CipherSuite(0x0040),
    CipherSuite(0xC072),
    CipherSuite(0xC076),
    CipherSuite(0x00BE),
    CipherSuite(0x00BD),
    CipherSuite(0xC009),
    CipherSuite(0xC013),
    CipherSuite(0x0033),
    CipherSuite(0x0032),
    CipherSuite(0x0045),
    CipherSuite(0x0044),
    CipherSuite(0x009C),
    CipherSuite(0xC0A0),
    CipherSuite(0xC09C),
    CipherSuite(0xC050),
    CipherSuite(0x003C),
    CipherSuite(0x00BA),
    CipherSuite(0x002F),
    CipherSuite(0x0041),
];
const POSTFIX_GROUPS: &[NamedGroup] =
    &[NamedGroup(0x001D), NamedGroup(0x001E), NamedGroup(0x0017), NamedGroup(0x0019), NamedGroup(0x0018)];
const POSTFIX_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme(0x0403),
    SignatureScheme(0x0503),
    SignatureScheme(0x0603),
    SignatureScheme(0x0807),
    SignatureScheme(0x0808),
    SignatureScheme(0x0809),
    SignatureScheme(0x080A),
    SignatureScheme(0x080B),
    SignatureScheme(0x0804),
    SignatureScheme(0x0805),
    SignatureScheme(0x0806),
    SignatureScheme(0x0401),
    SignatureScheme(0x0501),
    SignatureScheme(0x0601),
    SignatureScheme(0x0303),
    SignatureScheme(0x0203),
    SignatureScheme(0x0301),
    SignatureScheme(0x0201),
    SignatureScheme(0x0302),
    SignatureScheme(0x0202),
    SignatureScheme(0x0402),
    SignatureScheme(0x0502),
    SignatureScheme(0x0602),
];

const GNUTLS_TLS13: &[CipherSuite] =
    &[CipherSuite(0x1302), CipherSuite(0x1303), CipherSuite(0x1301), CipherSuite(0x1304)];
const GNUTLS_SUITES: &[CipherSuite] = &[
    CipherSuite(0xC02C),
    CipherSuite(0xCCA9),
    CipherSuite(0xC0AD),
    CipherSuite(0xC00A),
    CipherSuite(0xC02B),
    CipherSuite(0xC0AC),
    CipherSuite(0xC009),
    CipherSuite(0xC030),
    CipherSuite(0xCCA8),
    CipherSuite(0xC014),
    CipherSuite(0xC02F),
    CipherSuite(0xC013),
    CipherSuite(0x009D),
    CipherSuite(0xC09D),
    CipherSuite(0x0035),
    CipherSuite(0x009C),
    CipherSuite(0xC09C),
    CipherSuite(0x002F),
    CipherSuite(0x009F),
    CipherSuite(0xCCAA),
    CipherSuite(0xC09F),
    CipherSuite(0x0039),
    CipherSuite(0x009E),
    CipherSuite(0xC09E),
    CipherSuite(0x0033),
];
const GNUTLS_GROUPS: &[NamedGroup] = &[
    NamedGroup(0x0017),
    NamedGroup(0x0018),
    NamedGroup(0x0019),
    NamedGroup(0x001D),
    NamedGroup(0x001E),
    NamedGroup(0x0100),
    NamedGroup(0x0101),
    NamedGroup(0x0102),
    NamedGroup(0x0103),
    NamedGroup(0x0104),
];
const GNUTLS_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme(0x0401),
    SignatureScheme(0x0809),
    SignatureScheme(0x0804),
    SignatureScheme(0x0403),
    SignatureScheme(0x0807),
    SignatureScheme(0x0501),
    SignatureScheme(0x080A),
    SignatureScheme(0x0805),
    SignatureScheme(0x0503),
    SignatureScheme(0x0808),
    SignatureScheme(0x0601),
    SignatureScheme(0x080B),
    SignatureScheme(0x0806),
    SignatureScheme(0x0603),
    SignatureScheme(0x0201),
    SignatureScheme(0x0203),
];

/// What one profile would get from the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MtaOutcome {
    /// The profile's id (`postfix`).
    pub profile: &'static str,
    /// The profile's description.
    pub name: &'static str,
    /// Whether a handshake would complete.
    pub negotiates: bool,
    /// False when the scan could not tell everything the answer depends on: read
    /// `negotiates` as "probably".
    pub certain: bool,
    /// The version it would get (`"TLSv1.3"`).
    pub version: Option<String>,
    /// The suite it would get.
    pub suite: Option<CipherCode>,
    /// The suite's IANA name.
    pub suite_name: Option<&'static str>,
    /// The key-exchange group it would get (`"x25519"`; `null` for RSA key transport, DHE,
    /// or a group the scan did not measure).
    pub group: Option<String>,
    /// Why it fails, or what the scan could not tell.
    pub note: Option<String>,
}

/// Simulates every profile of [`PROFILES`] against the scanned server.
pub fn simulate(findings: &TlsFindings) -> Vec<MtaOutcome> {
    PROFILES.iter().map(|p| simulate_one(p, findings)).collect()
}

/// The signature key type a TLS 1.2 scheme belongs to (`None` for others).
fn scheme_auth(s: SignatureScheme) -> Option<Authentication> {
    match s.0 {
        0x0804..=0x0806 | 0x0809..=0x080B => Some(Authentication::Rsa),
        0x0807 | 0x0808 => None,
        v if v >> 8 <= 0x06 => match v & 0xff {
            0x01 => Some(Authentication::Rsa),
            0x02 => Some(Authentication::Dss),
            0x03 => Some(Authentication::Ecdsa),
            _ => None,
        },
        0x081A..=0x081C => Some(Authentication::Ecdsa),
        _ => None,
    }
}

fn version_name(v: ProtocolVersion) -> String {
    v.name().map_or_else(|| format!("0x{:04X}", v.0), str::to_owned)
}

/// The server's suites at one version, in its order (by rank where it enforces one).
fn server_suites(v: &VersionFinding) -> Vec<CipherSuite> {
    let mut suites: Vec<(Option<u16>, usize, CipherSuite)> = v
        .suites
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match s.code {
            CipherCode::Tls(c) => Some((s.rank, i, c)),
            CipherCode::Sslv2(_) => None,
        })
        .collect();
    suites.sort_by_key(|&(rank, i, _)| (rank.unwrap_or(u16::MAX), i));
    suites.into_iter().map(|(_, _, c)| c).collect()
}

/// Picks from `server` (server order) and `client` (client order) candidates: the server's
/// first, the client's first, or (order unknown, several candidates) the server-listed first,
/// uncertain. Returns the choice and whether it is certain.
fn choose<T: Copy + PartialEq>(server: &[T], client: &[T], server_order: Option<bool>) -> Option<(T, bool)> {
    let shared: Vec<T> = server.iter().copied().filter(|x| client.contains(x)).collect();
    let first = *shared.first()?;
    match server_order {
        Some(true) => Some((first, true)),
        Some(false) => client.iter().copied().find(|x| shared.contains(x)).map(|x| (x, true)),
        None => Some((first, shared.len() == 1)),
    }
}

struct Sim {
    out: MtaOutcome,
}

impl Sim {
    fn fail(mut self, note: String) -> MtaOutcome {
        self.out.negotiates = false;
        self.out.note = Some(note);
        self.out
    }

    fn unsure(&mut self, why: &str) {
        self.out.certain = false;
        match &mut self.out.note {
            Some(note) => {
                note.push_str("; ");
                note.push_str(why);
            }
            None => self.out.note = Some(why.to_owned()),
        }
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    const SHOWN: usize = 4;
    let mut names: Vec<String> = items.iter().take(SHOWN).map(ToString::to_string).collect();
    if items.len() > SHOWN {
        names.push(format!("… {} in all", items.len()));
    }
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

/// Simulates one profile against the scanned server.
pub fn simulate_one(profile: &MtaProfile, findings: &TlsFindings) -> MtaOutcome {
    let mut sim = Sim {
        out: MtaOutcome {
            profile: profile.id,
            name: profile.name,
            negotiates: false,
            certain: true,
            version: None,
            suite: None,
            suite_name: None,
            group: None,
            note: None,
        },
    };
    let finding = |v: ProtocolVersion| findings.versions.iter().find(|f| f.version == v);
    // The newest version both speak; a newer one the scan could not judge makes it uncertain.
    let mut chosen = None;
    for &v in profile.versions {
        match finding(v).and_then(|f| f.supported) {
            Some(true) => {
                chosen = finding(v);
                break;
            }
            Some(false) => {}
            None => sim.unsure(&format!("the scan could not tell whether {} is supported", version_name(v))),
        }
    }
    let Some(version) = chosen else {
        let offered: Vec<String> = profile.versions.iter().map(|&v| version_name(v)).collect();
        return sim.fail(format!("the server accepts none of {}", offered.join(", ")));
    };
    let v = version.version;
    sim.out.version = Some(version_name(v));
    if !version.complete {
        sim.unsure("the server's suites were not all enumerated");
    }
    let server = server_suites(version);
    let groups = &findings.groups;
    if v == ProtocolVersion::TLSV1_3 {
        let Some((suite, sure)) = choose(&server, profile.tls13_suites, version.server_order) else {
            return sim.fail(format!(
                "no common TLS 1.3 suite (the server accepts {}; the client offers {}), and servers do not fall back to TLS 1.2",
                list(&server),
                list(profile.tls13_suites)
            ));
        };
        if !sure {
            sim.unsure("the server's TLS 1.3 suite order is unknown");
        }
        if groups.tls13.is_empty() {
            sim.unsure("the server's TLS 1.3 groups were not measured");
        } else {
            let Some((group, sure)) = choose(&groups.tls13, profile.groups, groups.tls13_server_order) else {
                return sim.fail(format!(
                    "no common TLS 1.3 group (the server accepts {}; the client offers {})",
                    list(&groups.tls13),
                    list(profile.groups)
                ));
            };
            if !sure {
                sim.unsure("the server's TLS 1.3 group order is unknown");
            }
            sim.out.group = Some(group.to_string());
        }
        if profile.signature_schemes.is_empty() {
            if !findings.sig_algs_tls13.is_empty()
                && !findings.sig_algs_tls13.iter().any(|s| UNIVERSAL_SCHEMES.contains(s))
            {
                sim.unsure("the client's signature schemes are not published");
            }
        } else if !findings.sig_algs_tls13.is_empty()
            && !findings.sig_algs_tls13.iter().any(|s| profile.signature_schemes.contains(s))
        {
            return sim.fail(format!(
                "no common TLS 1.3 signature scheme (the server signs with {})",
                list(&findings.sig_algs_tls13)
            ));
        }
        sim.out.suite = Some(CipherCode::Tls(suite));
        sim.out.suite_name = suite.name();
        sim.out.negotiates = true;
        return sim.out;
    }
    // TLS 1.2 and older: the suites whose key exchange and signature would work.
    let mut unknown_groups = false;
    let mut unknown_schemes = false;
    let ec_shared = groups.tls12.iter().any(|g| profile.groups.contains(g));
    let usable = |suite: CipherSuite, unknown_groups: &mut bool, unknown_schemes: &mut bool| -> bool {
        let Some(info) = CipherCode::Tls(suite).info() else { return true };
        if info.kx == KeyExchange::Ecdhe {
            if groups.tls12.is_empty() {
                *unknown_groups = true;
            } else if !ec_shared {
                return false;
            }
        }
        let signed =
            matches!(info.kx, KeyExchange::Ecdhe | KeyExchange::Dhe) && info.auth != Authentication::None;
        if signed && v == ProtocolVersion::TLSV1_2 {
            let server_schemes: Vec<SignatureScheme> =
                findings.sig_algs.iter().copied().filter(|&s| scheme_auth(s) == Some(info.auth)).collect();
            if server_schemes.is_empty() {
                *unknown_schemes = true;
            } else if profile.signature_schemes.is_empty() {
                // Not published: assume the schemes every client has.
                *unknown_schemes |= !server_schemes.iter().any(|s| UNIVERSAL_SCHEMES.contains(s));
            } else if !server_schemes.iter().any(|s| profile.signature_schemes.contains(s)) {
                return false;
            }
        }
        true
    };
    let offered: Vec<CipherSuite> = profile
        .suites
        .iter()
        .copied()
        .filter(|s| CipherCode::Tls(*s).info().is_none_or(|i| i.versions.contains(v)))
        .collect();
    let candidates: Vec<CipherSuite> = server
        .iter()
        .copied()
        .filter(|s| offered.contains(s) && usable(*s, &mut unknown_groups, &mut unknown_schemes))
        .collect();
    let Some((suite, sure)) = choose(&candidates, &offered, version.server_order) else {
        let common = server.iter().filter(|s| offered.contains(s)).count();
        let why = if common == 0 {
            format!("no common {} suite (the server accepts {})", version_name(v), list(&server))
        } else if !ec_shared && !groups.tls12.is_empty() {
            format!(
                "the common suites need ECDHE and no curve is shared (the server accepts {})",
                list(&groups.tls12)
            )
        } else {
            format!(
                "no common signature scheme for the common suites (the server signs with {})",
                list(&findings.sig_algs)
            )
        };
        return sim.fail(why);
    };
    if !sure {
        sim.unsure(&format!("the server's {} suite order is unknown", version_name(v)));
    }
    if unknown_groups {
        sim.unsure("the server's TLS 1.2 curves were not measured");
    }
    if unknown_schemes && v == ProtocolVersion::TLSV1_2 {
        sim.unsure(
            "the server's TLS 1.2 signature schemes were not measured, or the client's are not published",
        );
    }
    if CipherCode::Tls(suite).info().is_some_and(|i| i.kx == KeyExchange::Ecdhe)
        && let Some((group, sure)) = choose(&groups.tls12, profile.groups, groups.tls12_server_order)
    {
        if !sure {
            sim.unsure("the server's curve order is unknown");
        }
        sim.out.group = Some(group.to_string());
    }
    sim.out.suite = Some(CipherCode::Tls(suite));
    sim.out.suite_name = suite.name();
    sim.out.negotiates = true;
    sim.out
}

#[cfg(test)]
mod tests;
