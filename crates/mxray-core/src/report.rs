//! The scan report: the serde model that `mxray scan --json` prints and the page renders.
//! It is a public interface: field names are stable, additions bump the minor part of
//! [`SCHEMA_VERSION`], and `docs/report.md` documents every field.
//!
//! The model is built from what the planners found ([`TlsFindings`]) and what the driver
//! measured (connections, timings, the plaintext dialogue); it holds no IO and no clock.

use serde::Serialize;

use crate::grade::{self, CertFacts, Grading, MailContext};
use crate::probe::{FeatureFindings, GroupFindings, TlsFindings};
use crate::registry::{
    Authentication, BulkCipher, CipherCode, CipherMode, KeyExchange, Mac, ProtocolVersion,
};
use crate::starttls::Dialogue;
use crate::target::{Service, Target};
use crate::x509::{self, ChainReport, TrustStore};

/// The version of the JSON report's schema (`major.minor`).
pub const SCHEMA_VERSION: &str = "1.2";

/// How much a finding matters, for `--fail-on` and for sorting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing to fix.
    Info,
    /// A hardening step.
    Low,
    /// A weakness to plan a fix for.
    Medium,
    /// A weakness to fix now.
    High,
    /// Broken: an attacker can read or change the traffic.
    Critical,
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Self::Info),
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            _ => Err(format!("unknown severity {s:?}: use info, low, medium, high or critical")),
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        })
    }
}

/// One thing the scan found that an administrator may act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// A stable identifier (`tls.tls10`).
    pub id: &'static str,
    /// How much it matters.
    pub severity: Severity,
    /// One sentence saying what was found and what to do.
    pub message: String,
}

/// An at-a-glance marking of one cipher suite, for the scan table. The grading rules give
/// the full verdict; this marking answers "would a careful administrator keep this suite?".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// No known weakness: forward secrecy and authenticated encryption.
    Secure,
    /// Weakened, to be phased out: no forward secrecy, CBC mode (MAC-then-encrypt), or a
    /// 64-bit block cipher (SWEET32).
    Weak,
    /// Broken or without protection: no encryption, no authentication, export grade, RC4,
    /// single DES, RC2, MD5 record MACs, keys below 112 bits, SSL 2.0.
    Insecure,
}

/// The marking of a cipher, `Insecure` for unknown codes (nobody should negotiate them).
pub fn strength(code: CipherCode) -> Strength {
    let Some(info) = code.info() else { return Strength::Insecure };
    if matches!(code, CipherCode::Sslv2(_))
        || info.export
        || info.auth == Authentication::None
        || info.key_bits < 112
        || info.mac == Mac::Md5
        || matches!(info.cipher, BulkCipher::Null | BulkCipher::Rc4 | BulkCipher::Rc2Cbc | BulkCipher::DesCbc)
    {
        return Strength::Insecure;
    }
    if !info.forward_secrecy
        || info.mode() != CipherMode::Aead
        || matches!(info.cipher, BulkCipher::TripleDesCbc | BulkCipher::IdeaCbc)
    {
        return Strength::Weak;
    }
    Strength::Secure
}

/// Registry names (hex for unknown values), in order.
fn names<T: std::fmt::Display>(values: &[T]) -> Vec<String> {
    values.iter().map(ToString::to_string).collect()
}

/// `"TLSv1.2"`-style names, as sslscan and testssl.sh print them.
fn version_name(version: ProtocolVersion) -> String {
    version.name().map_or_else(|| format!("0x{:04X}", version.0), str::to_owned)
}

/// One accepted cipher suite of one protocol version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CipherReport {
    /// `"TLSv1.2"`.
    pub version: String,
    /// `"0xC02F"` (`"0x0700C0"` for SSL 2.0 kinds).
    pub code: CipherCode,
    /// The IANA name (`null` for unknown codes).
    pub name: Option<&'static str>,
    /// The OpenSSL name, where one exists.
    pub openssl: Option<&'static str>,
    /// Bulk-cipher key bits.
    pub bits: Option<u16>,
    /// Key exchange (`"ECDHE"`).
    pub kx: Option<KeyExchange>,
    /// 1-based rank in the server's preference, when the server enforces one.
    pub rank: Option<u16>,
    /// The at-a-glance marking.
    pub strength: Strength,
}

/// One protocol version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionReport {
    /// `"TLSv1.3"`.
    pub version: String,
    /// `true`/`false`; `null` when the server's answers could not tell.
    pub supported: Option<bool>,
    /// Whether the server enforces its own suite order; `null` when unknown.
    pub server_order: Option<bool>,
    /// For an unsupported version: the version the server answered with instead.
    pub answered_with: Option<String>,
    /// False when resets or timeouts cut the enumeration short.
    pub complete: bool,
}

/// Key-exchange groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupsReport {
    /// TLS 1.2 ECDHE/FFDHE groups, in the server's order of choice (`"x25519"`; unknown
    /// groups as `"0x1234"`).
    pub tls12: Vec<String>,
    /// TLS 1.3 groups, in the server's order of choice.
    pub tls13: Vec<String>,
    /// Whether the server enforces its own TLS 1.2 group order (`false`: it takes the
    /// client's first); `null` with fewer than two groups.
    pub tls12_server_order: Option<bool>,
    /// The same for TLS 1.3.
    pub tls13_server_order: Option<bool>,
    /// The server's first choice; `null` for a server that takes the client's first group.
    pub preferred: Option<String>,
    /// DH modulus sizes seen in DHE key exchanges.
    pub dhe_bits: Vec<usize>,
    /// Well-known DH groups seen in DHE key exchanges (`"ffdhe2048"`, `"modp1024"`), or
    /// `"custom"` for a prime that is none of them.
    pub dhe_groups: Vec<String>,
    /// False when resets or timeouts cut the group scan short.
    pub complete: bool,
}

/// What certificate analysis needs from the caller: the core has no clock and no root
/// store of its own choosing.
#[derive(Clone, Copy, Debug)]
pub struct CertContext<'a> {
    /// "Now", in unix seconds.
    pub now_unix: i64,
    /// The roots to validate against.
    pub trust: &'a TrustStore,
    /// Warn about certificates expiring within this many days.
    pub expiry_warning_days: u32,
}

/// One certificate chain the server presented, analysed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertificateReport {
    /// The version of the handshake that carried it (`"TLSv1.3"`).
    pub version: String,
    /// The suite of that handshake (its authentication picked this certificate).
    pub suite: CipherCode,
    /// The analysis: certificates, findings, the three validation levels.
    pub chain: ChainReport,
}

/// How the scan of one endpoint went, measured by the driver.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanCost {
    /// TCP connections opened (retries included).
    pub connections: u32,
    /// ClientHellos sent.
    pub handshakes: u32,
    /// Connections retried after a 421, reset or timeout.
    pub retries: u32,
    /// Wall time of the endpoint's scan in milliseconds.
    pub duration_ms: u64,
}

/// Everything found about one endpoint (one address and port).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EndpointReport {
    /// The target as given (`smtp://mx.example.org:25`).
    pub target: String,
    /// The service spoken before TLS.
    pub service: Service,
    /// The address scanned (`192.0.2.1:25`, `[2001:db8::1]:25`).
    pub address: String,
    /// The SNI name sent, if any.
    pub sni: Option<String>,
    /// The plaintext dialogue of the first connection (STARTTLS services only).
    pub starttls: Option<Dialogue>,
    /// Per protocol version, SSL 2.0 to TLS 1.3.
    pub versions: Vec<VersionReport>,
    /// Accepted suites, per version (newest first) and in server order within a version.
    pub ciphers: Vec<CipherReport>,
    /// Key-exchange groups.
    pub groups: GroupsReport,
    /// TLS 1.2 signature schemes, grouped by certificate key type, each group in the
    /// server's order of choice (`"rsa_pss_rsae_sha256"`; unknown ones as `"0x1234"`).
    pub signature_schemes: Vec<String>,
    /// TLS 1.3 signature schemes (CertificateVerify), the same way.
    pub signature_schemes_tls13: Vec<String>,
    /// Session features (`null` where no answer could tell).
    pub features: FeatureFindings,
    /// Every distinct certificate chain the server presented (one per key type).
    pub certificates: Vec<CertificateReport>,
    /// The letter grade (`"A+"` … `"F"`, `"T"` untrusted, `"M"` name mismatch).
    pub grade: String,
    /// The grading in detail: caps, Mozilla profiles, NCSC-NL classes, the mail posture.
    pub grading: Grading,
    /// TCP connections the scan opened.
    pub connections: u32,
    /// The scan's cost in detail.
    pub cost: ScanCost,
    /// What to act on, most severe first.
    pub findings: Vec<Finding>,
    /// Problems that stopped or limited the scan, as sentences.
    pub errors: Vec<String>,
    /// The STARTTLS command-injection probe's verdict, when it ran
    /// (`mxray scan --starttls-injection`; absent from the JSON otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls_injection: Option<crate::starttls::injection::InjectionVerdict>,
    /// SMTP relay only (empty elsewhere): what each common sending MTA would negotiate
    /// with this server ([`crate::mta_profiles`]).
    pub mta_simulation: Vec<crate::mta_profiles::MtaOutcome>,
}

impl EndpointReport {
    /// Builds the report of one endpoint: analyses the certificate chains with `certs`
    /// and grades the whole.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        target: &Target,
        address: String,
        sni: Option<String>,
        starttls: Option<Dialogue>,
        findings: &TlsFindings,
        cost: ScanCost,
        errors: Vec<String>,
        certs: CertContext<'_>,
    ) -> Self {
        // The name a client checks: what it asked for in SNI, else the target's name.
        let host = sni.clone().or_else(|| target.default_sni().map(str::to_owned));
        let certificates: Vec<CertificateReport> = findings
            .chains
            .iter()
            .map(|c| CertificateReport {
                version: version_name(c.version),
                suite: CipherCode::Tls(c.suite),
                chain: x509::analyse_stapled(
                    &c.chain,
                    c.ocsp.as_deref(),
                    host.as_deref(),
                    certs.now_unix,
                    certs.trust,
                    certs.expiry_warning_days,
                ),
            })
            .collect();
        let facts = certificates.first().map(|c| CertFacts::from_chain(&c.chain));
        let grading = grade::grade(findings, facts.as_ref(), &MailContext::new(target.service));
        let mut versions: Vec<_> = findings.versions.iter().collect();
        versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        let ciphers = versions
            .iter()
            .flat_map(|v| {
                v.suites.iter().map(|s| {
                    let info = s.code.info();
                    CipherReport {
                        version: version_name(v.version),
                        code: s.code,
                        name: info.map(|i| i.name),
                        openssl: info.and_then(|i| i.openssl),
                        bits: info.map(|i| i.key_bits),
                        kx: info.map(|i| i.kx),
                        rank: s.rank,
                        strength: strength(s.code),
                    }
                })
            })
            .collect();
        let GroupFindings { tls12, tls13, tls12_server_order, tls13_server_order, preferred, complete } =
            findings.groups.clone();
        let mut report = Self {
            target: target.to_string(),
            service: target.service,
            address,
            sni,
            starttls,
            versions: versions
                .iter()
                .map(|v| VersionReport {
                    version: version_name(v.version),
                    supported: v.supported,
                    server_order: v.server_order,
                    answered_with: v.answered_with.map(version_name),
                    complete: v.complete,
                })
                .collect(),
            ciphers,
            groups: GroupsReport {
                tls12: names(&tls12),
                tls13: names(&tls13),
                tls12_server_order,
                tls13_server_order,
                preferred: preferred.map(|g| g.to_string()),
                dhe_bits: findings.dhe_bits.clone(),
                dhe_groups: findings.dhe_groups.clone(),
                complete,
            },
            signature_schemes: names(&findings.sig_algs),
            signature_schemes_tls13: names(&findings.sig_algs_tls13),
            features: findings.features,
            certificates,
            grade: grading.letter.to_string(),
            grading,
            connections: cost.connections,
            cost,
            findings: Vec::new(),
            errors,
            starttls_injection: None,
            mta_simulation: if target.service == Service::Smtp {
                crate::mta_profiles::simulate(findings)
            } else {
                Vec::new()
            },
        };
        report.findings = scan_findings(&report);
        report
    }

    /// Records the STARTTLS command-injection probe's verdict (one more connection, counted
    /// in [`Self::connections`] by the caller) and its finding.
    pub fn set_starttls_injection(&mut self, verdict: crate::starttls::injection::InjectionVerdict) {
        self.starttls_injection = Some(verdict);
        self.findings = scan_findings(self);
    }

    /// Grades again in `ctx`: what the domain knows about this MX (DANE published and
    /// matched, MTA-STS enforced), where [`Self::new`] knows only the service. `findings`
    /// are the scan findings the report was built from.
    pub fn regrade(&mut self, findings: &TlsFindings, ctx: &MailContext) {
        let facts = self.certificates.first().map(|c| CertFacts::from_chain(&c.chain));
        self.grading = grade::grade(findings, facts.as_ref(), ctx);
        self.grade = self.grading.letter.to_string();
        self.findings = scan_findings(self);
    }

    /// The finding of one version, by its name (`"TLSv1.0"`).
    fn supports(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v.version == version && v.supported == Some(true))
    }
}

/// The findings of the scan's own checks, most severe first. (The grading rule sets add
/// their verdicts beside these.)
pub fn scan_findings(report: &EndpointReport) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut add = |id, severity, message: String| out.push(Finding { id, severity, message });
    for (version, id, severity) in [
        ("SSLv2", "tls.sslv2", Severity::Critical),
        ("SSLv3", "tls.sslv3", Severity::High),
        ("TLSv1.0", "tls.tls10", Severity::Medium),
        ("TLSv1.1", "tls.tls11", Severity::Medium),
    ] {
        if report.supports(version) {
            add(
                id,
                severity,
                format!(
                    "{version} is enabled: disable it (Postfix: smtpd_tls_protocols = >=TLSv1.2; Dovecot: ssl_min_protocol = TLSv1.2)"
                ),
            );
        }
    }
    let any_answer = report.versions.iter().any(|v| v.supported == Some(true));
    if any_answer && !report.supports("TLSv1.2") && !report.supports("TLSv1.3") {
        add(
            "tls.no_modern_version",
            Severity::High,
            "neither TLS 1.2 nor TLS 1.3 is supported: enable them".into(),
        );
    }
    if report.supports("TLSv1.2") && !report.supports("TLSv1.3") {
        add("tls.no_tls13", Severity::Low, "TLS 1.3 is not supported: enable it".into());
    }
    let count = |s: Strength| {
        let codes: std::collections::BTreeSet<_> =
            report.ciphers.iter().filter(|c| c.strength == s).map(|c| c.code).collect();
        codes.len()
    };
    let names = |s: Strength| {
        let mut seen = std::collections::BTreeSet::new();
        let names: Vec<String> = report
            .ciphers
            .iter()
            .filter(|c| c.strength == s && seen.insert(c.code))
            .map(|c| c.openssl.or(c.name).map_or_else(|| c.code.to_string(), str::to_owned))
            .collect();
        names.join(", ")
    };
    if count(Strength::Insecure) > 0 {
        add(
            "tls.insecure_ciphers",
            Severity::High,
            format!(
                "{} insecure cipher suite(s) accepted: remove {}",
                count(Strength::Insecure),
                names(Strength::Insecure)
            ),
        );
    }
    if count(Strength::Weak) > 0 {
        add(
            "tls.weak_ciphers",
            Severity::Low,
            format!(
                "{} weak cipher suite(s) accepted (no forward secrecy, CBC or 64-bit blocks): {}",
                count(Strength::Weak),
                names(Strength::Weak)
            ),
        );
    }
    let client_order: Vec<&str> = report
        .versions
        .iter()
        .filter(|v| v.server_order == Some(false) && v.version != "TLSv1.3")
        .map(|v| v.version.as_str())
        .collect();
    if !client_order.is_empty() {
        add(
            "tls.client_order",
            Severity::Low,
            format!(
                "the server follows the client's suite order in {}: prefer the server's order (Postfix: tls_preempt_cipherlist = yes)",
                client_order.join(", ")
            ),
        );
    }
    if let Some(bits) = report.groups.dhe_bits.iter().min() {
        if *bits < 1024 {
            add(
                "tls.dhe_tiny",
                Severity::Critical,
                format!("DHE uses a {bits}-bit group: use 2048 bits or more, or ECDHE only"),
            );
        } else if *bits < 2048 {
            add(
                "tls.dhe_small",
                Severity::Medium,
                format!("DHE uses a {bits}-bit group: use 2048 bits or more (RFC 7919 ffdhe2048)"),
            );
        }
    }
    let shared: Vec<String> = report
        .groups
        .dhe_groups
        .iter()
        .filter_map(|name| crate::registry::dh_groups::by_name(name))
        .filter(|g| g.bits <= 1024)
        .map(|g| format!("{} ({} {}-bit)", g.name, g.source, g.bits))
        .collect();
    if !shared.is_empty() {
        add(
            "tls.dhe_shared_1024",
            Severity::High,
            format!(
                "DHE uses the well-known group {} (Logjam: a precomputation against a shared group of 1024 bits or fewer is feasible): use ffdhe2048 or more, or ECDHE only",
                shared.join(", ")
            ),
        );
    }
    let features = &report.features;
    if features.secure_renegotiation == Some(false) {
        add(
            "tls.insecure_renegotiation",
            Severity::Medium,
            "no RFC 5746 secure renegotiation: update the TLS library".into(),
        );
    }
    if features.compression == Some(true) {
        add("tls.compression", Severity::High, "TLS compression is enabled (CRIME): disable it".into());
    }
    if features.heartbeat == Some(true) {
        add(
            "tls.heartbeat",
            Severity::Low,
            "the heartbeat extension is enabled: disable it unless needed".into(),
        );
    }
    if features.fallback_scsv == Some(false) {
        add(
            "tls.no_fallback_scsv",
            Severity::Low,
            "TLS_FALLBACK_SCSV is not honoured: downgrades are not detected".into(),
        );
    }
    if let Some(dialogue) = &report.starttls {
        if !dialogue.starttls_offered && dialogue.outcome.is_some() {
            let severity = if report.service == Service::Smtp { Severity::High } else { Severity::Critical };
            add(
                "starttls.not_offered",
                severity,
                "the server does not offer STARTTLS: mail and logins cross in clear text".into(),
            );
        }
        if !dialogue.auth_before_tls.is_empty() {
            add(
                "starttls.auth_before_tls",
                Severity::High,
                format!(
                    "AUTH {} is offered before STARTTLS: credentials can cross in clear text ({})",
                    dialogue.auth_before_tls.join(" "),
                    match report.service {
                        Service::Smtp | Service::Submission | Service::Lmtp =>
                            "Postfix: smtpd_tls_auth_only = yes",
                        _ => "Dovecot: disable_plaintext_auth = yes",
                    }
                ),
            );
        }
        if dialogue.login_disabled == Some(false) {
            add(
                "starttls.login_enabled",
                Severity::Medium,
                "IMAP LOGIN is allowed before STARTTLS (no LOGINDISABLED): set disable_plaintext_auth = yes"
                    .into(),
            );
        }
        if dialogue.user_before_tls == Some(true) {
            add(
                "starttls.user_before_tls",
                Severity::Medium,
                "POP3 USER is offered before STLS: set disable_plaintext_auth = yes".into(),
            );
        }
        if let Some(injection) = &dialogue.injection
            && injection.plaintext_reply.is_some()
        {
            add("starttls.injection", Severity::High, "the server answered a command pipelined after STARTTLS in plaintext (CVE-2011-0411 class): update the server".into());
        }
    }
    if let Some(finding) = report.starttls_injection.as_ref().and_then(|v| v.finding()) {
        add(finding.id, finding.severity, finding.message);
    }
    if !report.errors.is_empty() {
        add(
            "scan.incomplete",
            Severity::Info,
            format!("the scan was incomplete: {}", report.errors.join("; ")),
        );
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// A whole `mxray scan` run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: &'static str,
    /// `mxray` and its version.
    pub tool: Tool,
    /// One entry per endpoint scanned.
    pub endpoints: Vec<EndpointReport>,
}

/// The tool that wrote a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// Always `"mxray"`.
    pub name: &'static str,
    /// The version of the crate that built the report.
    pub version: &'static str,
}

impl ScanReport {
    /// A report over `endpoints`.
    pub fn new(endpoints: Vec<EndpointReport>) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            tool: Tool { name: "mxray", version: env!("CARGO_PKG_VERSION") },
            endpoints,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::{CipherSuite, Sslv2CipherKind};

    #[test]
    fn suites_are_marked_as_the_table_says() {
        let table = [
            (CipherSuite::TLS_AES_128_GCM_SHA256, Strength::Secure),
            (CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, Strength::Secure),
            (CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, Strength::Secure),
            (CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, Strength::Weak),
            (CipherSuite::TLS_RSA_WITH_AES_128_GCM_SHA256, Strength::Weak),
            (CipherSuite::TLS_RSA_WITH_3DES_EDE_CBC_SHA, Strength::Weak),
            (CipherSuite::TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, Strength::Secure),
            (CipherSuite::TLS_RSA_WITH_RC4_128_SHA, Strength::Insecure),
            (CipherSuite::TLS_RSA_EXPORT_WITH_RC4_40_MD5, Strength::Insecure),
            (CipherSuite::TLS_DH_ANON_WITH_AES_128_GCM_SHA256, Strength::Insecure),
            (CipherSuite::TLS_RSA_WITH_NULL_SHA256, Strength::Insecure),
            (CipherSuite::TLS_RSA_WITH_DES_CBC_SHA, Strength::Insecure),
            (CipherSuite(0xfefe), Strength::Insecure),
            (CipherSuite(0x4a4a), Strength::Insecure),
        ];
        for (suite, want) in table {
            assert_eq!(strength(CipherCode::Tls(suite)), want, "{suite:?}");
        }
        assert_eq!(strength(CipherCode::Sslv2(Sslv2CipherKind::SSL_CK_RC4_128_WITH_MD5)), Strength::Insecure);
    }

    #[test]
    fn versions_have_their_conventional_names() {
        assert_eq!(version_name(ProtocolVersion::TLSV1_2), "TLSv1.2");
        assert_eq!(version_name(ProtocolVersion::SSLV2), "SSLv2");
        assert_eq!(version_name(ProtocolVersion(0x7e02)), "0x7E02");
    }
}
