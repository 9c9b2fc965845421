//! DNS with DNSSEC validation, on hickory-resolver: MX, A/AAAA, TLSA, TXT, SRV, PTR, each
//! answer tagged with its DNSSEC status and a distinguished outcome (records, NXDOMAIN,
//! NODATA, SERVFAIL, REFUSED, timeout, bogus): the core's [`mxray_core::dns::Answer`].
//!
//! # How hickory reports validation (0.26), and how it is mapped
//!
//! The validating resolver (`DnssecDnsHandle` under the caching client) sets a `proof` on
//! every record it returns:
//! - positive answers: each record's `Proof` — `Secure` (chain from a trust anchor),
//!   `Insecure` (a signed proof that a DS is absent above it), `Indeterminate` (validation
//!   not done). The status of an answer is the weakest proof among its records.
//! - `Bogus` positive answers never come back: the caching client turns any bogus record
//!   into `DnsError::DnssecBogus` and drops the records. Hickory gives no reason, so
//!   [`DnsResolver`] diagnoses one by walking up the name ([`DnsResolver::diagnose_bogus`]):
//!   the closest ancestor with a secure DS is found, and its DNSKEY set is compared with the
//!   DS records (no DNSKEY at all, no key matching a DS, or keys matching but signatures
//!   failing).
//! - negative answers: `DnsError::NoRecordsFound` whose authority records (SOA, NSEC)
//!   carry the proofs (secure denial or insecure zone), or `DnsError::Nsec { proof }` when
//!   the denial is not secure; the response code separates NXDOMAIN from NODATA.
//! - SERVFAIL/REFUSED come as `DnsError::ResponseCode`; a silent server as
//!   `NetError::Timeout` (each try) — and every lookup also runs under a whole-lookup
//!   deadline ([`DnsConfig::deadline`]), since validation issues further queries.
//!
//! # Where the resolver asks
//!
//! [`DnsConfig::server`] (`--resolver IP[:port]`) sends every query, over UDP with TCP
//! fallback, to that one server and nowhere else; without it the system's `/etc/resolv.conf`
//! is read. Trust anchors: the IANA root keys by default, or the DNSKEY and DS records of a
//! file ([`TrustAnchorFile`]). Hickory itself reads only DNSKEY anchors; a DS anchor is
//! turned into the matching DNSKEY by fetching the owner's DNSKEY set and keeping the keys
//! whose digest the DS carries (the key set's self-signature is then checked by the
//! validator as for any anchor). The hosts file is never used.
//!
//! Hickory answers the special-use names of RFC 6761 itself, without a query: `localhost.`
//! and the reverse names of loopback addresses (PTR of 127.0.0.0/8 and ::1 is `localhost.`),
//! with the status Indeterminate (no validation).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS};
use hickory_resolver::proto::dnssec::{Algorithm, DigestType, DnssecSummary, Proof, TrustAnchors};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::{TokioResolver, lookup::Lookup};
use mxray_core::dane::{Matching, Selector, Tlsa, Usage};
use mxray_core::dns::{Answer, DnssecStatus, ErrorKind, Mx, Outcome, Srv, Txt};

/// The largest trust-anchor file read.
pub const MAX_TRUST_ANCHOR_FILE: usize = 64 * 1024;

/// Where and how to resolve.
#[derive(Clone, Debug)]
pub struct DnsConfig {
    /// The one server to ask (`--resolver`); `None` reads `/etc/resolv.conf`.
    pub server: Option<SocketAddr>,
    /// Trust anchors (`--trust-anchor`); `None` is the IANA root keys.
    pub trust_anchor: Option<TrustAnchorFile>,
    /// Timeout of one query try.
    pub timeout: Duration,
    /// Tries per query.
    pub attempts: usize,
    /// Deadline of one whole lookup, validation included.
    pub deadline: Duration,
}

impl Default for DnsConfig {
    fn default() -> Self {
        Self {
            server: None,
            trust_anchor: None,
            timeout: Duration::from_secs(3),
            attempts: 2,
            deadline: Duration::from_secs(15),
        }
    }
}

/// The text of a trust-anchor file: DNSKEY and/or DS records in zone-file format
/// (`name [ttl] [IN] DNSKEY flags 3 alg base64`, `name [ttl] [IN] DS tag alg type hex`),
/// `;` comments, parentheses across lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustAnchorFile {
    /// The file's text.
    pub text: String,
}

/// A DNSSEC trust anchor read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
enum AnchorRecord {
    /// `NAME TTL IN DNSKEY …`, normalised for hickory's parser.
    DnsKey(String),
    /// A DS: owner, key tag, algorithm, digest type, digest.
    Ds { owner: String, key_tag: u16, algorithm: u8, digest_type: u8, digest: Vec<u8> },
}

/// Setting up the resolver failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DnsSetupError {
    /// The trust-anchor file is malformed.
    #[error("trust anchor, line {line}: {reason}")]
    TrustAnchor {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file holds no DNSKEY or DS record.
    #[error("the trust-anchor file holds no DNSKEY or DS record")]
    NoAnchors,
    /// A DS anchor's owner has no DNSKEY with that digest.
    #[error("no DNSKEY of {owner} matches its DS trust anchor ({detail})")]
    DsAnchorUnmatched {
        /// The DS owner.
        owner: String,
        /// What the lookup found.
        detail: String,
    },
    /// The system configuration could not be read.
    #[error("reading the system resolver configuration: {0}")]
    System(String),
    /// Hickory refused the configuration.
    #[error("building the resolver: {0}")]
    Build(String),
}

/// A validating resolver plus a non-validating twin (for diagnosing bogus answers and for
/// fetching DS-anchored keys).
#[derive(Clone)]
pub struct DnsResolver {
    validating: TokioResolver,
    plain: TokioResolver,
    deadline: Duration,
}

impl std::fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsResolver").field("deadline", &self.deadline).finish_non_exhaustive()
    }
}

impl DnsResolver {
    /// Builds the resolver; with DS anchors this already queries the server for the keys.
    pub async fn new(config: &DnsConfig) -> Result<Self, DnsSetupError> {
        let (resolver_config, mut options) = match config.server {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for c in &mut ns.connections {
                    c.port = addr.port();
                }
                (ResolverConfig::from_parts(None, vec![], vec![ns]), ResolverOpts::default())
            }
            None => hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| DnsSetupError::System(e.to_string()))?,
        };
        options.timeout = config.timeout;
        options.attempts = config.attempts.max(1);
        options.use_hosts_file = ResolveHosts::Never;
        options.ndots = 0;
        options.try_tcp_on_error = true;

        let mut plain_options = options.clone();
        plain_options.validate = false;
        let plain =
            TokioResolver::builder_with_config(resolver_config.clone(), TokioRuntimeProvider::default())
                .with_options(plain_options)
                .build()
                .map_err(|e| DnsSetupError::Build(e.to_string()))?;

        let anchors = match &config.trust_anchor {
            None => TrustAnchors::default(),
            Some(file) => build_anchors(&parse_anchor_file(&file.text)?, &plain, config.deadline).await?,
        };
        options.validate = true;
        let validating = TokioResolver::builder_with_config(resolver_config, TokioRuntimeProvider::default())
            .with_options(options)
            .with_trust_anchor(Arc::new(anchors))
            .build()
            .map_err(|e| DnsSetupError::Build(e.to_string()))?;
        Ok(Self { validating, plain, deadline: config.deadline })
    }

    /// MX records of `domain` (see [`mxray_core::dns::mail_routing`] for what they mean).
    pub async fn mx(&self, domain: &str) -> Answer<Mx> {
        self.lookup(domain, RecordType::MX, |r| match r {
            RData::MX(mx) => Some(Mx { preference: mx.preference, exchange: name_text(&mx.exchange) }),
            _ => None,
        })
        .await
    }

    /// IPv4 addresses of `host`.
    pub async fn a(&self, host: &str) -> Answer<IpAddr> {
        self.lookup(host, RecordType::A, |r| match r {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            _ => None,
        })
        .await
    }

    /// IPv6 addresses of `host`.
    pub async fn aaaa(&self, host: &str) -> Answer<IpAddr> {
        self.lookup(host, RecordType::AAAA, |r| match r {
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .await
    }

    /// TLSA records at `_PORT._tcp.HOST`.
    pub async fn tlsa(&self, port: u16, host: &str) -> Answer<Tlsa> {
        self.lookup(&mxray_core::dns::tlsa_name(port, host), RecordType::TLSA, |r| match r {
            RData::TLSA(t) => Some(Tlsa {
                usage: Usage(t.cert_usage.into()),
                selector: Selector(t.selector.into()),
                matching: Matching(t.matching.into()),
                data: t.cert_data.clone(),
            }),
            _ => None,
        })
        .await
    }

    /// TXT records of `name` (what the SPF, DMARC, MTA-STS and TLS-RPT checks read).
    pub async fn txt(&self, name: &str) -> Answer<Txt> {
        self.lookup(name, RecordType::TXT, |r| match r {
            RData::TXT(t) => Some(Txt {
                strings: t.txt_data.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect(),
            }),
            _ => None,
        })
        .await
    }

    /// SRV records of `name` (`_submissions._tcp.example.org`).
    pub async fn srv(&self, name: &str) -> Answer<Srv> {
        self.lookup(name, RecordType::SRV, |r| match r {
            RData::SRV(s) => Some(Srv {
                priority: s.priority,
                weight: s.weight,
                port: s.port,
                target: name_text(&s.target),
            }),
            _ => None,
        })
        .await
    }

    /// The reverse DNS (PTR) names of `ip`.
    pub async fn ptr(&self, ip: IpAddr) -> Answer<String> {
        let name = Name::from(ip).to_ascii();
        self.lookup(&name, RecordType::PTR, |r| match r {
            RData::PTR(p) => Some(name_text(&p.0)),
            _ => None,
        })
        .await
    }

    async fn lookup<T>(
        &self,
        name: &str,
        rtype: RecordType,
        convert: impl Fn(&RData) -> Option<T>,
    ) -> Answer<T> {
        let fqdn = mxray_core::dns::fqdn(name);
        let result = self.raw(&self.validating, &fqdn, rtype).await;
        let mut answer = classify(&fqdn, rtype, result, convert);
        if let DnssecStatus::Bogus(reason) = &mut answer.dnssec {
            *reason = self.diagnose_bogus(&fqdn).await;
        }
        answer
    }

    async fn raw(&self, resolver: &TokioResolver, fqdn: &str, rtype: RecordType) -> Result<Lookup, NetError> {
        let name = Name::from_ascii(fqdn).map_err(NetError::from)?;
        match tokio::time::timeout(self.deadline, resolver.lookup(name, rtype)).await {
            Ok(result) => result,
            Err(_) => Err(NetError::Timeout),
        }
    }

    /// Why `fqdn` validated as bogus: the closest ancestor whose DS is secure, compared with
    /// its DNSKEY set (fetched without validation).
    pub async fn diagnose_bogus(&self, fqdn: &str) -> String {
        let Ok(mut zone) = Name::from_ascii(fqdn) else { return "validation failed".into() };
        while !zone.is_root() {
            let zone_text = zone.to_ascii();
            let ds = self.raw(&self.validating, &zone_text, RecordType::DS).await;
            let ds_records: Vec<DS> = match &ds {
                Ok(l) if l.answers().iter().any(|r| r.proof == Proof::Secure) => l
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::DNSSEC(DNSSECRData::DS(ds)) => Some(ds.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if !ds_records.is_empty() {
                return self.diagnose_zone(&zone, &ds_records).await;
            }
            zone = zone.base_name();
        }
        "validation failed; no secure DS found above the name".into()
    }

    async fn diagnose_zone(&self, zone: &Name, ds: &[DS]) -> String {
        let zone_text = zone.to_ascii();
        let tags: Vec<String> = ds.iter().map(|d| d.key_tag().to_string()).collect();
        let keys: Vec<DNSKEY> = match self.raw(&self.plain, &zone_text, RecordType::DNSKEY).await {
            Ok(l) => l
                .answers()
                .iter()
                .filter_map(|r| match &r.data {
                    RData::DNSSEC(DNSSECRData::DNSKEY(k)) => Some(k.clone()),
                    _ => None,
                })
                .collect(),
            Err(e) if e.is_no_records_found() => Vec::new(),
            Err(e) => {
                return format!(
                    "the parent of {zone_text} has a DS (key tag {}); its DNSKEY lookup failed: {e}",
                    tags.join(", ")
                );
            }
        };
        if keys.is_empty() {
            return format!(
                "the parent of {zone_text} has a DS (key tag {}) but {zone_text} publishes no DNSKEY (unsigned zone behind a DS)",
                tags.join(", ")
            );
        }
        let covered = keys.iter().any(|k| ds.iter().any(|d| d.covers(zone, k).unwrap_or(false)));
        if !covered {
            let key_tags: Vec<String> =
                keys.iter().filter_map(|k| k.calculate_key_tag().ok()).map(|t| t.to_string()).collect();
            return format!(
                "no DNSKEY of {zone_text} (key tag {}) matches the DS in its parent (key tag {}, digest mismatch)",
                key_tags.join(", "),
                tags.join(", ")
            );
        }
        format!(
            "{zone_text}'s keys match its DS, but the signatures below it fail to validate (expired or wrong)"
        )
    }
}

fn name_text(name: &Name) -> String {
    let text = name.to_ascii();
    if text.is_empty() { ".".into() } else { text }
}

fn proof_status(proof: Proof) -> DnssecStatus {
    match proof {
        Proof::Secure => DnssecStatus::Secure,
        Proof::Insecure => DnssecStatus::Insecure,
        Proof::Bogus => DnssecStatus::Bogus("validation failed".into()),
        Proof::Indeterminate => DnssecStatus::Indeterminate,
    }
}

fn summary_status(records: &[Record]) -> DnssecStatus {
    if records.is_empty() {
        return DnssecStatus::Indeterminate;
    }
    match DnssecSummary::from_records(records.iter()) {
        DnssecSummary::Secure => DnssecStatus::Secure,
        DnssecSummary::Bogus => DnssecStatus::Bogus("validation failed".into()),
        DnssecSummary::Insecure => {
            // DnssecSummary folds Indeterminate into Insecure; keep them apart.
            let all_insecure_or_secure = records
                .iter()
                .filter(|r| r.record_type() != RecordType::RRSIG)
                .all(|r| matches!(r.proof, Proof::Insecure | Proof::Secure));
            if all_insecure_or_secure { DnssecStatus::Insecure } else { DnssecStatus::Indeterminate }
        }
    }
}

/// Maps hickory's result to an [`Answer`] (see the module doc).
fn classify<T>(
    fqdn: &str,
    rtype: RecordType,
    result: Result<Lookup, NetError>,
    convert: impl Fn(&RData) -> Option<T>,
) -> Answer<T> {
    let rtype_text: &'static str = rtype.into();
    let answer = |dnssec, outcome| Answer { name: fqdn.to_owned(), rtype: rtype_text, dnssec, outcome };
    let error = |error, message: String| Outcome::Error { error, message };
    match result {
        Ok(lookup) => {
            let matching: Vec<&Record> =
                lookup.answers().iter().filter(|r| r.record_type() == rtype).collect();
            if matching.is_empty() {
                return answer(DnssecStatus::Indeterminate, Outcome::NoData);
            }
            let dnssec = matching
                .iter()
                .map(|r| proof_status(r.proof))
                .reduce(DnssecStatus::weakest)
                .unwrap_or(DnssecStatus::Indeterminate);
            let records = matching.iter().filter_map(|r| convert(&r.data)).collect();
            answer(dnssec, Outcome::Records { records })
        }
        Err(NetError::Dns(DnsError::NoRecordsFound(no))) => {
            let authorities: Vec<Record> =
                no.authorities.as_deref().map(<[Record]>::to_vec).unwrap_or_default();
            let outcome =
                if no.response_code == ResponseCode::NXDomain { Outcome::NxDomain } else { Outcome::NoData };
            answer(summary_status(&authorities), outcome)
        }
        Err(NetError::Dns(DnsError::Nsec { response, proof, .. })) => {
            let outcome = if response.response_code == ResponseCode::NXDomain {
                Outcome::NxDomain
            } else {
                Outcome::NoData
            };
            answer(proof_status(proof), outcome)
        }
        Err(NetError::Dns(DnsError::DnssecBogus)) => answer(
            DnssecStatus::Bogus("validation failed".into()),
            error(ErrorKind::Bogus, "DNSSEC validation failed; records withheld".into()),
        ),
        Err(NetError::Dns(DnsError::ResponseCode(code))) => {
            let kind = match code {
                ResponseCode::ServFail => ErrorKind::ServFail,
                ResponseCode::Refused => ErrorKind::Refused,
                _ => ErrorKind::Other,
            };
            answer(DnssecStatus::Indeterminate, error(kind, format!("server answered {code}")))
        }
        Err(NetError::Timeout) => answer(
            DnssecStatus::Indeterminate,
            error(ErrorKind::Timeout, "no answer before the deadline".into()),
        ),
        Err(e @ (NetError::Io(_) | NetError::NoConnections | NetError::Busy)) => {
            answer(DnssecStatus::Indeterminate, error(ErrorKind::Network, e.to_string()))
        }
        Err(e @ NetError::Proto(_)) if Name::from_ascii(fqdn).is_err() => {
            answer(DnssecStatus::Indeterminate, error(ErrorKind::BadName, e.to_string()))
        }
        Err(e) => answer(DnssecStatus::Indeterminate, error(ErrorKind::Other, e.to_string())),
    }
}

/// Parses a trust-anchor file into DNSKEY lines (normalised) and DS records.
fn parse_anchor_file(text: &str) -> Result<Vec<AnchorRecord>, DnsSetupError> {
    if text.len() > MAX_TRUST_ANCHOR_FILE {
        return Err(DnsSetupError::TrustAnchor {
            line: 1,
            reason: format!("file of {} bytes exceeds {MAX_TRUST_ANCHOR_FILE}", text.len()),
        });
    }
    // Join parenthesised continuations, drop comments; remember each record's first line.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(';').next().unwrap_or("");
        let opened = line.contains('(');
        let closed = line.contains(')');
        let clean = line.replace(['(', ')'], " ");
        if open {
            if let Some(last) = logical.last_mut() {
                last.1.push(' ');
                last.1.push_str(&clean);
            }
        } else if !clean.trim().is_empty() {
            logical.push((i + 1, clean));
        }
        if opened && !closed {
            open = true;
        } else if closed {
            open = false;
        }
    }
    let mut anchors = Vec::new();
    for (line, text) in logical {
        let bad = |reason: String| DnsSetupError::TrustAnchor { line, reason };
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields.first().is_some_and(|f| f.starts_with('$')) {
            return Err(bad(format!("directive {} is not supported; write absolute names", fields[0])));
        }
        let Some(type_at) =
            fields.iter().position(|f| f.eq_ignore_ascii_case("DNSKEY") || f.eq_ignore_ascii_case("DS"))
        else {
            return Err(bad("neither a DNSKEY nor a DS record".into()));
        };
        if type_at == 0 || type_at > 3 {
            return Err(bad("expected NAME [TTL] [IN] DNSKEY|DS …".into()));
        }
        let owner = mxray_core::dns::fqdn(fields[0]);
        let rest = &fields[type_at + 1..];
        if fields[type_at].eq_ignore_ascii_case("DNSKEY") {
            if rest.len() < 4 {
                return Err(bad("a DNSKEY needs flags, protocol, algorithm and key".into()));
            }
            anchors.push(AnchorRecord::DnsKey(format!("{owner} 3600 IN DNSKEY {}", rest.join(" "))));
        } else {
            let [tag, alg, dtype, digest @ ..] = rest else {
                return Err(bad("a DS needs key tag, algorithm, digest type and digest".into()));
            };
            if digest.is_empty() {
                return Err(bad("a DS needs key tag, algorithm, digest type and digest".into()));
            }
            let num = |what: &str, v: &str| {
                v.parse::<u16>().map_err(|_| bad(format!("DS {what} {v:?} is not a number")))
            };
            let key_tag = num("key tag", tag)?;
            let algorithm =
                u8::try_from(num("algorithm", alg)?).map_err(|_| bad("DS algorithm > 255".into()))?;
            let digest_type =
                u8::try_from(num("digest type", dtype)?).map_err(|_| bad("DS digest type > 255".into()))?;
            let hex: String = digest.concat();
            let digest = (0..hex.len())
                .step_by(2)
                .map(|i| hex.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
                .collect::<Option<Vec<u8>>>()
                .filter(|d| !d.is_empty())
                .ok_or_else(|| bad("DS digest is not hex".into()))?;
            anchors.push(AnchorRecord::Ds { owner, key_tag, algorithm, digest_type, digest });
        }
    }
    if anchors.is_empty() {
        return Err(DnsSetupError::NoAnchors);
    }
    Ok(anchors)
}

async fn build_anchors(
    records: &[AnchorRecord],
    plain: &TokioResolver,
    deadline: Duration,
) -> Result<TrustAnchors, DnsSetupError> {
    let dnskey_text: String = records
        .iter()
        .filter_map(|r| match r {
            AnchorRecord::DnsKey(line) => Some(format!("{line}\n")),
            AnchorRecord::Ds { .. } => None,
        })
        .collect();
    let mut anchors = if dnskey_text.is_empty() {
        TrustAnchors::empty()
    } else {
        dnskey_text
            .parse::<TrustAnchors>()
            .map_err(|e| DnsSetupError::TrustAnchor { line: 1, reason: format!("DNSKEY: {e}") })?
    };
    for record in records {
        let AnchorRecord::Ds { owner, key_tag, algorithm, digest_type, digest } = record else { continue };
        let ds =
            DS::new(*key_tag, Algorithm::from_u8(*algorithm), DigestType::from(*digest_type), digest.clone());
        let name = Name::from_ascii(owner)
            .map_err(|e| DnsSetupError::TrustAnchor { line: 1, reason: format!("DS owner {owner}: {e}") })?;
        let lookup = match tokio::time::timeout(deadline, plain.lookup(name.clone(), RecordType::DNSKEY))
            .await
        {
            Ok(Ok(lookup)) => lookup,
            Ok(Err(e)) => {
                return Err(DnsSetupError::DsAnchorUnmatched { owner: owner.clone(), detail: e.to_string() });
            }
            Err(_) => {
                return Err(DnsSetupError::DsAnchorUnmatched {
                    owner: owner.clone(),
                    detail: "timeout".into(),
                });
            }
        };
        let mut found = false;
        for r in lookup.answers() {
            if let RData::DNSSEC(DNSSECRData::DNSKEY(key)) = &r.data
                && ds.covers(&name, key).unwrap_or(false)
            {
                anchors.insert_with_name(key.public_key(), (&name).into());
                found = true;
            }
        }
        if !found {
            return Err(DnsSetupError::DsAnchorUnmatched {
                owner: owner.clone(),
                detail: format!(
                    "{} DNSKEY record(s), none with key tag {key_tag} and that digest",
                    lookup.answers().len()
                ),
            });
        }
    }
    Ok(anchors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_file_accepts_dnskey_and_ds_forms() {
        let text = "; parent key\n\
            mxray.test. DNSKEY 257 3 13 AAAA\n\
            mxray.test. 3600 IN DS 21147 13 2 ( d4bf1f94\n  7e0e4268 ) ; split\n\
            Example.ORG IN DNSKEY 257 3 8 BBBB\n";
        let anchors = parse_anchor_file(text).unwrap();
        assert_eq!(
            anchors,
            [
                AnchorRecord::DnsKey("mxray.test. 3600 IN DNSKEY 257 3 13 AAAA".into()),
                AnchorRecord::Ds {
                    owner: "mxray.test.".into(),
                    key_tag: 21147,
                    algorithm: 13,
                    digest_type: 2,
                    digest: vec![0xd4, 0xbf, 0x1f, 0x94, 0x7e, 0x0e, 0x42, 0x68],
                },
                AnchorRecord::DnsKey("example.org. 3600 IN DNSKEY 257 3 8 BBBB".into()),
            ]
        );
    }

    #[test]
    fn anchor_file_errors_name_the_line() {
        let cases = [
            ("", "no DNSKEY or DS"),
            ("; only a comment\n", "no DNSKEY or DS"),
            ("x. IN A 127.0.0.1\n", "line 1: neither a DNSKEY nor a DS"),
            ("\n$ORIGIN test.\n", "line 2: directive $ORIGIN"),
            ("x. DS 1 13 2\n", "line 1: a DS needs"),
            ("x. DS 1 13 2 zz\n", "line 1: DS digest is not hex"),
            ("x. DS 99999 13 2 00\n", "line 1: DS key tag \"99999\""),
            ("x. DNSKEY 257 3\n", "line 1: a DNSKEY needs"),
            ("DNSKEY 257 3 13 AAAA\n", "line 1: expected NAME"),
        ];
        for (text, want) in cases {
            let err = parse_anchor_file(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
        let huge = "x".repeat(MAX_TRUST_ANCHOR_FILE + 1);
        assert!(parse_anchor_file(&huge).unwrap_err().to_string().contains("exceeds"));
    }
}
