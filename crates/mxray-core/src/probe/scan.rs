//! The full TLS scan of one endpoint: versions, suites and order, groups, signature
//! schemes, DHE size and session features, composed in the order that needs fewest hellos.
//!
//! 1. SSL 2.0 (one hello), TLS 1.2 and TLS 1.3 enumerations start at once. SSL 3.0,
//!    TLS 1.0 and TLS 1.1 wait for the first TLS 1.2 answer, which tells whether this
//!    server takes long hellos (see `ciphers`), so no version wastes a long hello on a
//!    hello-intolerant server.
//! 2. Each version enumerates its suites (its first hello is its version probe); the
//!    answers also give the first group, the first signature scheme, the DHE size and the
//!    session features for free.
//! 3. TLS 1.3 chooses suite and group independently, so from its second hello on the
//!    TLS 1.3 group scan rides on the suite enumeration: each hello offers the suites and
//!    the groups not seen yet and finds one of each. A refusal of such a hello is
//!    ambiguous (no suite left, or no group left); it is set aside until the next hello of
//!    the group scan alone (the accepted suites, the same groups) tells which: a group
//!    found means the suites ended; a refusal means the groups ended, and the suite offer
//!    goes out again with every group.
//! 4. When TLS 1.2, 1.1 and 1.0 are done, the TLS 1.2 group and signature-scheme scans
//!    run jointly on the accepted signed ECDHE suites: each answer's ServerKeyExchange
//!    names a group and a scheme, so each hello offers the groups and the schemes not seen
//!    yet. The first refusal ends the joint phase (it cannot say which list ran out, nor
//!    whether the ECDSA certificate lost its curve, which at TLS 1.2 must be among the
//!    offered groups), and each scan goes on alone from where it stood, with every group
//!    or every scheme offered beside its own list.
//! 5. When the TLS 1.3 groups are known, the TLS 1.3 signature schemes: one group with a
//!    real key share, so every answer is a full flight whose CertificateVerify the core
//!    decrypts (see `sigalgs`); one hello per further scheme plus one.
//! 6. When every version is done, the fallback-SCSV probe.
//!
//! Hellos: at most `Σ_versions (accepted suites + 1) + 1 (SCSV)`, plus for TLS 1.3
//! `max(0, groups − suites) + 1` and `schemes` (the first comes free, one refusal), plus for TLS 1.2 `max(groups, schemes) − 1 + 3` (two
//! ends and the ambiguous refusal), plus one per version or group family where server and
//! client order could not be told apart from the answers. The harness's dual-certificate
//! Postfix (3 + 6 suites, 5 + 5 groups, 13 + 4 schemes) takes 38; the lowest count any
//! plan of one-group-and-one-scheme-per-answer can reach there is 37.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::registry::{
    CipherCode, CipherSuite, CompressionMethod, KeyExchange as SuiteKx, NamedGroup, ProtocolVersion,
    SignatureScheme,
};

use super::ciphers::{Shared, Sslv2Scan, VersionScan};
use super::features::FallbackProbe;
use super::groups::GroupScan;
use super::hello::{HelloSpec, build, build_sslv2, tls12_groups, tls13_groups};
use super::sigalgs::SigalgScan;
use super::{COMPRESSION_PROBE, HelloOutcome, HelloTag, PlannedHello, Planner, ProbeRng, wire_kx};

pub use super::features::FeatureFindings;

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanConfig {
    /// The SNI host name to send, if any.
    pub server_name: Option<String>,
    /// Test SSL 2.0.
    pub sslv2: bool,
}

impl Default for ScanConfig {
    fn default() -> Self {
        Self { server_name: None, sslv2: true }
    }
}

/// One accepted cipher (a TLS suite or an SSL 2.0 cipher kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SuiteFinding {
    /// The cipher.
    pub code: CipherCode,
    /// 1-based rank in the server's order, when the server enforces one.
    pub rank: Option<u16>,
    /// The server chose it and then sent a fatal alert (it cannot complete it).
    pub fails_after_hello: bool,
}

/// What one protocol version gave.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionFinding {
    /// The version.
    pub version: ProtocolVersion,
    /// `Some(true)`/`Some(false)`; `None` when the server never answered usefully (reset,
    /// timeout) or the version was not tested.
    pub supported: Option<bool>,
    /// The version the server answered with instead, for a version it does not support.
    pub answered_with: Option<ProtocolVersion>,
    /// The accepted ciphers, in server order when [`server_order`](Self::server_order).
    pub suites: Vec<SuiteFinding>,
    /// `Some(true)` if the server enforces its own order, `Some(false)` if it follows the
    /// client's, `None` if unknown or fewer than two suites.
    pub server_order: Option<bool>,
    /// Suites the server selected although they were not offered.
    pub chose_unoffered: Vec<CipherSuite>,
    /// False when a reset or timeout cut the enumeration short.
    pub complete: bool,
}

/// Key-exchange groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GroupFindings {
    /// TLS 1.2 (EC)DHE curves, in the order the server chose them.
    pub tls12: Vec<NamedGroup>,
    /// TLS 1.3 groups, in the order the server chose them.
    pub tls13: Vec<NamedGroup>,
    /// `Some(true)` if the server enforces its own TLS 1.2 group order, `Some(false)` if it
    /// follows the client's; `None` with fewer than two groups.
    pub tls12_server_order: Option<bool>,
    /// The same for TLS 1.3.
    pub tls13_server_order: Option<bool>,
    /// The server's first choice (TLS 1.3 if spoken, else TLS 1.2); `None` for a server
    /// that takes the client's first group.
    pub preferred: Option<NamedGroup>,
    /// False when a reset or timeout cut a group scan short.
    pub complete: bool,
}

/// Everything a TLS scan found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsFindings {
    /// Per version, SSL 2.0 to TLS 1.3.
    pub versions: Vec<VersionFinding>,
    /// Groups.
    pub groups: GroupFindings,
    /// TLS 1.2 signature schemes, grouped by key type, each group in the order the
    /// server chose them.
    pub sig_algs: Vec<SignatureScheme>,
    /// TLS 1.3 signature schemes (CertificateVerify), the same way.
    pub sig_algs_tls13: Vec<SignatureScheme>,
    /// True when the TLS 1.3 schemes were enumerated to the end (false when TLS 1.3 is
    /// not spoken, the server has neither X25519 nor P-256, or the scan was cut short).
    pub sig_algs_tls13_complete: bool,
    /// The DH modulus sizes seen in DHE key exchanges.
    pub dhe_bits: Vec<usize>,
    /// The well-known DH groups seen in DHE key exchanges (`"ffdhe2048"`, see
    /// [`crate::registry::dh_groups`](mod@crate::registry::dh_groups)), `"custom"` for a prime that is none of them; sorted.
    pub dhe_groups: Vec<String>,
    /// Session features.
    pub features: FeatureFindings,
    /// The distinct certificate chains the server presented (one per key type, typically),
    /// in the order they were first seen.
    pub chains: Vec<ObservedChain>,
    /// ClientHellos sent (each is one connection).
    pub hellos_sent: u32,
}

/// A certificate chain as the server sent it, and the handshake it came with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObservedChain {
    /// The version of the handshake.
    pub version: ProtocolVersion,
    /// The suite of the handshake (its authentication picks the certificate).
    pub suite: CipherSuite,
    /// The certificates (DER), leaf first, as sent.
    #[serde(skip)]
    pub chain: Vec<Vec<u8>>,
    /// The OCSP response (DER) stapled with it, from the first handshake that stapled one.
    #[serde(skip)]
    pub ocsp: Option<Vec<u8>>,
}

/// The most distinct chains a scan keeps (servers present one per key type).
const MAX_CHAINS: usize = 8;

impl TlsFindings {
    /// The finding for `version`.
    pub fn version(&self, version: ProtocolVersion) -> Option<&VersionFinding> {
        self.versions.iter().find(|v| v.version == version)
    }
}

/// What an outstanding hello was for.
#[derive(Clone, Debug)]
enum Job {
    Sslv2,
    /// A version's hello; `groups` is the TLS 1.3 group offer riding on it, if any.
    Version {
        index: usize,
        offer: Vec<CipherSuite>,
        deflate: bool,
        groups: Option<Vec<NamedGroup>>,
    },
    Groups12(Vec<NamedGroup>),
    /// A TLS 1.2 hello that enumerates groups and signature schemes at once.
    Joint12 {
        groups: Vec<NamedGroup>,
        sigalgs: Vec<SignatureScheme>,
    },
    Groups13(Vec<NamedGroup>),
    Sigalgs(Vec<SignatureScheme>),
    Sigalgs13(Vec<SignatureScheme>),
    Fallback,
}

/// The order the TLS versions are started in.
const ORDER: [ProtocolVersion; 5] = [
    ProtocolVersion::TLSV1_2,
    ProtocolVersion::TLSV1_3,
    ProtocolVersion::TLSV1_1,
    ProtocolVersion::TLSV1_0,
    ProtocolVersion::SSLV3,
];

/// The planner of a full TLS scan.
#[derive(Debug)]
pub struct ScanPlanner {
    config: ScanConfig,
    next_tag: u32,
    outstanding: BTreeMap<HelloTag, Job>,
    shared: Shared,
    sslv2: Sslv2Scan,
    versions: Vec<VersionScan>,
    groups12: Option<GroupScan>,
    groups13: Option<GroupScan>,
    sigalgs: Option<SigalgScan>,
    sigalgs13: Option<SigalgScan>,
    fallback: Option<FallbackProbe>,
    /// True while the TLS 1.2 group and signature-scheme scans share their hellos.
    joint12: bool,
    /// The accepted TLS 1.2 suites that show both a group and a scheme (signed ECDHE).
    joint12_suites: Vec<CipherSuite>,
    /// A TLS 1.3 enumeration answer set aside: a refusal of a hello whose riding group
    /// offer may have been the cause (index of the version, offer, outcome).
    stash13: Option<(usize, Vec<CipherSuite>, HelloOutcome)>,
    /// Set once the scans that follow the enumerations were decided.
    followups: [bool; 5],
    first_group: BTreeMap<ProtocolVersion, NamedGroup>,
    first_sigalg: Option<SignatureScheme>,
    first_sigalg13: Option<SignatureScheme>,
    dhe_bits: Vec<usize>,
    dhe_groups: Vec<String>,
    chains: Vec<ObservedChain>,
    features: FeatureFindings,
    hellos_sent: u32,
}

impl ScanPlanner {
    /// A planner for `config`.
    pub fn new(config: ScanConfig) -> Self {
        let mut sslv2 = Sslv2Scan::default();
        sslv2.done = !config.sslv2;
        Self {
            config,
            next_tag: 0,
            outstanding: BTreeMap::new(),
            shared: Shared::default(),
            sslv2,
            versions: ORDER.iter().map(|&v| VersionScan::new(v)).collect(),
            groups12: None,
            groups13: None,
            sigalgs: None,
            sigalgs13: None,
            fallback: None,
            joint12: false,
            joint12_suites: Vec::new(),
            stash13: None,
            followups: [false; 5],
            first_group: BTreeMap::new(),
            first_sigalg: None,
            first_sigalg13: None,
            dhe_bits: Vec::new(),
            dhe_groups: Vec::new(),
            chains: Vec::new(),
            features: FeatureFindings::default(),
            hellos_sent: 0,
        }
    }

    fn tag(&mut self, job: Job) -> HelloTag {
        let tag = HelloTag(self.next_tag);
        self.next_tag += 1;
        self.outstanding.insert(tag, job);
        tag
    }

    fn scan(&self, version: ProtocolVersion) -> Option<&VersionScan> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// Tags and builds a hello (`spec` `None` for SSL 2.0). A hello that cannot be encoded
    /// counts as refused, so the scan still progresses.
    fn emit(&mut self, job: Job, spec: Option<&HelloSpec>, rng: ProbeRng<'_>) -> Option<PlannedHello> {
        let tag = self.tag(job);
        let name = self.config.server_name.clone();
        let built = match spec {
            Some(spec) => build(spec, name.as_deref(), tag, &mut *rng),
            None => build_sslv2(tag, &mut *rng),
        };
        if built.is_some() {
            self.hellos_sent += 1;
            return built;
        }
        self.on_outcome(tag, HelloOutcome::Closed);
        self.next_hello(rng)
    }

    /// Starts the scans that need finished enumerations.
    fn plan_followups(&mut self) {
        let done = |p: &Self, v| p.scan(v).is_none_or(VersionScan::is_done);
        if !self.followups[0] && done(self, ProtocolVersion::TLSV1_3) {
            self.followups[0] = true;
            if let Some(s) = self.scan(ProtocolVersion::TLSV1_3).filter(|s| s.supported == Some(true)) {
                let accepted = s.accepted();
                match self.groups13.as_mut() {
                    Some(g) => g.suites = accepted,
                    None => {
                        let first = self.first_group.get(&ProtocolVersion::TLSV1_3).copied();
                        self.groups13 =
                            Some(GroupScan::new(ProtocolVersion::TLSV1_3, accepted, tls13_groups(), first));
                    }
                }
            }
        }
        if !self.followups[1] && done(self, ProtocolVersion::TLSV1_2) {
            self.followups[1] = true;
            if let Some(s) = self.scan(ProtocolVersion::TLSV1_2) {
                let signed: Vec<CipherSuite> = s
                    .accepted()
                    .into_iter()
                    .filter(|c| {
                        c.info().is_some_and(|i| {
                            wire_kx(i).is_signed() && matches!(i.kx, SuiteKx::Dhe | SuiteKx::Ecdhe)
                        })
                    })
                    .collect();
                if !signed.is_empty() {
                    self.sigalgs = Some(SigalgScan::new(signed, self.first_sigalg));
                }
            }
        }
        let tls12_family = [ProtocolVersion::TLSV1_2, ProtocolVersion::TLSV1_1, ProtocolVersion::TLSV1_0];
        if !self.followups[2] && tls12_family.iter().all(|&v| done(self, v)) {
            self.followups[2] = true;
            for v in tls12_family {
                let ecdhe: Vec<CipherSuite> = self
                    .scan(v)
                    .map(VersionScan::accepted)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| c.info().is_some_and(|i| matches!(i.kx, SuiteKx::Ecdhe)))
                    .collect();
                if !ecdhe.is_empty() {
                    let first = self.first_group.get(&v).copied();
                    self.groups12 = Some(GroupScan::new(v, ecdhe, tls12_groups(), first));
                    break;
                }
            }
            // Signed ECDHE answers show a group and a scheme: while both scans go on, one
            // hello serves both (see the module documentation).
            if let (Some(g), Some(s)) = (&self.groups12, &self.sigalgs)
                && g.version == ProtocolVersion::TLSV1_2
            {
                self.joint12_suites = g.suites.iter().copied().filter(|c| s.suites.contains(c)).collect();
                self.joint12 = !self.joint12_suites.is_empty();
            }
        }
        if !self.followups[4] && self.followups[0] && self.groups13.as_ref().is_none_or(|g| g.done) {
            self.followups[4] = true;
            let share = self.groups13.as_ref().and_then(|g| {
                [NamedGroup::X25519, NamedGroup::SECP256R1].into_iter().find(|x| g.picks.contains(x))
            });
            if let (Some(g), Some(s)) = (share, self.groups13.as_ref()) {
                self.sigalgs13 = Some(SigalgScan::tls13(g, s.suites.clone(), self.first_sigalg13));
            }
        }
        if !self.followups[3] && self.versions.iter().all(VersionScan::is_done) {
            self.followups[3] = true;
            let mut supported: Vec<&VersionScan> =
                self.versions.iter().filter(|s| s.supported == Some(true)).collect();
            supported.sort_by_key(|s| std::cmp::Reverse(s.version));
            if let Some(lower) = supported.get(1) {
                self.fallback = Some(FallbackProbe::new(lower.version, lower.accepted()));
            }
        }
    }

    /// Reads what every answer tells beyond its own probe.
    fn observe(&mut self, version: ProtocolVersion, outcome: &HelloOutcome, full_offer: bool, deflate: bool) {
        let Some(answer) = outcome.answer() else { return };
        if answer.version != Some(version) || answer.server_hello.is_none() {
            return;
        }
        if let (Some(leaf), Some(suite)) = (answer.certificates.first(), answer.suite)
            && self.chains.len() < MAX_CHAINS
            && !self.chains.iter().any(|c| c.chain.first() == Some(leaf))
        {
            self.chains.push(ObservedChain {
                version,
                suite,
                chain: answer.certificates.clone(),
                ocsp: answer.ocsp_response.clone(),
            });
        }
        if let (Some(leaf), Some(response)) = (answer.certificates.first(), &answer.ocsp_response)
            && let Some(seen) =
                self.chains.iter_mut().find(|c| c.chain.first() == Some(leaf) && c.ocsp.is_none())
        {
            seen.ocsp = Some(response.clone());
        }
        if let Some(bits) = answer.dhe_bits()
            && !self.dhe_bits.contains(&bits)
        {
            self.dhe_bits.push(bits);
            self.dhe_bits.sort_unstable();
        }
        if answer.dhe_bits().is_some() {
            let group = answer.dhe_group().unwrap_or("custom");
            if !self.dhe_groups.iter().any(|g| g == group) {
                self.dhe_groups.push(group.to_owned());
                self.dhe_groups.sort_unstable();
            }
        }
        if version == ProtocolVersion::TLSV1_3
            && self.first_sigalg13.is_none()
            && let Some(s) = answer.tls13_scheme
        {
            self.first_sigalg13 = Some(s);
        }
        if !full_offer {
            return;
        }
        self.features.observe(version, answer, deflate);
        let group = if version == ProtocolVersion::TLSV1_3 { answer.tls13_group } else { answer.ske_group() };
        if let Some(g) = group {
            self.first_group.entry(version).or_insert(g);
        }
        if version == ProtocolVersion::TLSV1_2
            && self.first_sigalg.is_none()
            && let Some(s) = answer.ske_scheme()
        {
            self.first_sigalg = Some(s);
        }
    }
}

impl ScanPlanner {
    /// Creates the TLS 1.3 group scan once the first TLS 1.3 answer gave the server's
    /// first group, so that it can ride on the rest of the suite enumeration.
    fn start_riding13(&mut self, index: usize) {
        if self.groups13.is_some() || self.versions[index].supported != Some(true) {
            return;
        }
        if let Some(&first) = self.first_group.get(&ProtocolVersion::TLSV1_3) {
            let accepted = self.versions[index].accepted();
            self.groups13 =
                Some(GroupScan::new(ProtocolVersion::TLSV1_3, accepted, tls13_groups(), Some(first)));
        }
    }

    /// The answer to a TLS 1.3 enumeration hello that carried a group offer. A chosen
    /// suite feeds both scans. A refusal is the suites' end only if the offer held a group
    /// the server takes; otherwise it is set aside until a hello of the group scan alone
    /// (the accepted suites with the same groups) tells whose end it was.
    fn on_riding13(
        &mut self,
        index: usize,
        offer: Vec<CipherSuite>,
        deflate: bool,
        groups: &[NamedGroup],
        outcome: HelloOutcome,
    ) {
        let version = self.versions[index].version;
        self.observe(version, &outcome, false, deflate);
        let verdict = super::Verdict::of(&outcome, version, &offer);
        let Some(g) = self.groups13.as_mut() else {
            self.versions[index].on_outcome(&offer, &outcome, &mut self.shared);
            return;
        };
        match verdict {
            super::Verdict::Chosen { suite, .. } => {
                if !g.suites.contains(&suite) {
                    g.suites.push(suite);
                }
                g.on_outcome(groups, &outcome);
                self.versions[index].on_outcome(&offer, &outcome, &mut self.shared);
            }
            super::Verdict::Unknown => {
                g.unsend();
                self.versions[index].on_outcome(&offer, &outcome, &mut self.shared);
            }
            _ if g.holds_known(groups) => {
                g.unsend();
                self.versions[index].on_outcome(&offer, &outcome, &mut self.shared);
            }
            _ => {
                g.unsend();
                g.suites = self.versions[index].accepted();
                self.stash13 = Some((index, offer, outcome));
            }
        }
    }

    /// After a hello of the TLS 1.3 group scan alone: if it found a group, the set-aside
    /// refusal was the suites' end; if it was refused, the groups ended and the suite
    /// offer goes out again with every group.
    fn settle_stash13(&mut self, found_more: bool, retrying: bool) {
        if retrying {
            return;
        }
        let Some((index, offer, outcome)) = self.stash13.take() else { return };
        if found_more {
            self.versions[index].on_outcome(&offer, &outcome, &mut self.shared);
        } else {
            self.versions[index].reoffer();
        }
    }

    /// The next joint TLS 1.2 hello: the signed ECDHE suites with the groups and the
    /// schemes not seen yet. Ends the joint phase when either scan has nothing to offer.
    fn next_joint12(&mut self, rng: ProbeRng<'_>) -> Option<Option<PlannedHello>> {
        if !self.joint12 {
            return None;
        }
        let (Some(g), Some(s)) = (self.groups12.as_mut(), self.sigalgs.as_mut()) else {
            self.joint12 = false;
            return None;
        };
        if g.done || s.done {
            // One of them is done: the other goes on alone.
            self.joint12 = false;
            return None;
        }
        if !g.can_ride() || !s.can_ride() {
            // The joint hello is out: wait for it (the solo paths stay closed).
            return Some(None);
        }
        let groups = g.next_offer();
        let sigalgs = s.next_offer();
        let (Some(groups), Some(sigalgs)) = (groups.clone(), sigalgs.clone()) else {
            if groups.is_some() {
                g.unsend();
            }
            if sigalgs.is_some() {
                s.unsend();
            }
            self.joint12 = false;
            return None;
        };
        let mut spec = HelloSpec::new(ProtocolVersion::TLSV1_2, self.joint12_suites.clone());
        spec.groups = Some(groups.clone());
        spec.sigalgs = Some(sigalgs.clone());
        Some(self.emit(Job::Joint12 { groups, sigalgs }, Some(&spec), rng))
    }

    /// The answer to a joint TLS 1.2 hello. A signed ECDHE answer feeds both scans; a
    /// refusal cannot tell which list ran out (or whether the ECDSA certificate lost its
    /// curve), so the joint phase ends and each scan goes on alone from the same offer.
    fn on_joint12(&mut self, groups: &[NamedGroup], sigalgs: &[SignatureScheme], outcome: &HelloOutcome) {
        self.observe(ProtocolVersion::TLSV1_2, outcome, false, false);
        let suites = &self.joint12_suites;
        let (Some(g), Some(s)) = (self.groups12.as_mut(), self.sigalgs.as_mut()) else { return };
        match outcome {
            HelloOutcome::Answered(a)
                if a.version == Some(ProtocolVersion::TLSV1_2)
                    && a.suite.is_some_and(|c| suites.contains(&c)) =>
            {
                g.on_outcome(groups, outcome);
                s.on_outcome(sigalgs, outcome);
            }
            HelloOutcome::Answered(_) | HelloOutcome::Closed => {
                self.joint12 = false;
                g.unsend();
                s.unsend();
            }
            _ => {
                g.on_outcome(groups, outcome);
                s.on_outcome(sigalgs, outcome);
            }
        }
    }
}

impl Planner for ScanPlanner {
    type Findings = TlsFindings;

    fn next_hello(&mut self, rng: ProbeRng<'_>) -> Option<PlannedHello> {
        if self.sslv2.wants_hello() {
            return self.emit(Job::Sslv2, None, rng);
        }
        let gate_open = self.versions[0].answers > 0 || self.versions[0].is_done();
        for index in 0..self.versions.len() {
            let version = self.versions[index].version;
            let waits_for_gate = !matches!(version, ProtocolVersion::TLSV1_2 | ProtocolVersion::TLSV1_3);
            if waits_for_gate && !gate_open {
                continue;
            }
            let first = self.versions[index].is_first();
            if let Some(offer) = self.versions[index].next_offer(&self.shared) {
                let deflate = first && version <= ProtocolVersion::TLSV1_2;
                let mut spec = HelloSpec::new(version, offer.clone());
                if deflate {
                    spec.compression = COMPRESSION_PROBE.to_vec();
                }
                // TLS 1.3 suites and groups are chosen independently: the group scan rides
                // on the suite enumeration.
                let groups = if version == ProtocolVersion::TLSV1_3 && self.versions[index].is_enumerating() {
                    self.groups13.as_mut().filter(|g| g.can_ride()).and_then(GroupScan::next_offer)
                } else {
                    None
                };
                spec.groups.clone_from(&groups);
                return self.emit(Job::Version { index, offer, deflate, groups }, Some(&spec), rng);
            }
        }
        self.plan_followups();
        let tls13_busy =
            self.stash13.is_none() && self.scan(ProtocolVersion::TLSV1_3).is_some_and(|s| !s.is_done());
        if let Some(offer) = self.groups13.as_mut().filter(|_| !tls13_busy).and_then(GroupScan::next_offer) {
            let suites = self.groups13.as_ref().map(|g| g.suites.clone()).unwrap_or_default();
            let mut spec = HelloSpec::new(ProtocolVersion::TLSV1_3, suites);
            spec.groups = Some(offer.clone());
            return self.emit(Job::Groups13(offer), Some(&spec), rng);
        }
        if let Some(hello) = self.next_joint12(rng) {
            return hello;
        }
        if let Some(offer) = self.groups12.as_mut().filter(|_| !self.joint12).and_then(GroupScan::next_offer)
        {
            let (version, suites) = self.groups12.as_ref().map(|g| (g.version, g.suites.clone()))?;
            let mut spec = HelloSpec::new(version, suites);
            spec.groups = Some(offer.clone());
            return self.emit(Job::Groups12(offer), Some(&spec), rng);
        }
        let sigalgs_free = self.followups[2] && !self.joint12;
        if let Some(offer) = self.sigalgs.as_mut().filter(|_| sigalgs_free).and_then(SigalgScan::next_offer) {
            let suites = self.sigalgs.as_ref().map(|s| s.suites.clone()).unwrap_or_default();
            let mut spec = HelloSpec::new(ProtocolVersion::TLSV1_2, suites);
            spec.sigalgs = Some(offer.clone());
            return self.emit(Job::Sigalgs(offer), Some(&spec), rng);
        }
        if let Some(offer) = self.sigalgs13.as_mut().and_then(SigalgScan::next_offer) {
            let (suites, group) =
                self.sigalgs13.as_ref().map(|s| (s.suites.clone(), s.share_group)).unwrap_or_default();
            let mut spec = HelloSpec::new(ProtocolVersion::TLSV1_3, suites);
            spec.groups = group.map(|g| vec![g]);
            spec.sigalgs = Some(offer.clone());
            return self.emit(Job::Sigalgs13(offer), Some(&spec), rng);
        }
        if let Some(f) = self.fallback.as_mut()
            && f.wants_hello()
        {
            let spec = HelloSpec::new(f.version, f.suites.clone());
            return self.emit(Job::Fallback, Some(&spec), rng);
        }
        None
    }

    fn on_outcome(&mut self, tag: HelloTag, outcome: HelloOutcome) {
        let Some(job) = self.outstanding.remove(&tag) else { return };
        match job {
            Job::Sslv2 => self.sslv2.on_outcome(&outcome),
            Job::Version { index, offer, deflate, groups: None } => {
                let version = self.versions[index].version;
                self.observe(version, &outcome, true, deflate);
                let shared = &mut self.shared;
                self.versions[index].on_outcome(&offer, &outcome, shared);
                if version == ProtocolVersion::TLSV1_3 {
                    self.start_riding13(index);
                }
            }
            Job::Version { index, offer, deflate, groups: Some(groups) } => {
                self.on_riding13(index, offer, deflate, &groups, outcome);
            }
            Job::Joint12 { groups, sigalgs } => self.on_joint12(&groups, &sigalgs, &outcome),
            Job::Groups12(offer) => {
                if let Some(g) = self.groups12.as_mut() {
                    let v = g.version;
                    g.on_outcome(&offer, &outcome);
                    self.observe(v, &outcome, false, false);
                }
            }
            Job::Groups13(offer) => {
                if let Some(g) = self.groups13.as_mut() {
                    let before = g.found();
                    g.on_outcome(&offer, &outcome);
                    let found_more = g.found() > before;
                    let retrying = !g.done
                        && g.can_ride()
                        && !found_more
                        && !matches!(outcome, HelloOutcome::Answered(_) | HelloOutcome::Closed);
                    self.settle_stash13(found_more, retrying);
                }
            }
            Job::Sigalgs(offer) => {
                if let Some(s) = self.sigalgs.as_mut() {
                    s.on_outcome(&offer, &outcome);
                    self.observe(ProtocolVersion::TLSV1_2, &outcome, false, false);
                }
            }
            Job::Sigalgs13(offer) => {
                self.observe(ProtocolVersion::TLSV1_3, &outcome, false, false);
                if let Some(s) = self.sigalgs13.as_mut() {
                    s.on_outcome(&offer, &outcome);
                }
            }
            Job::Fallback => {
                if let Some(f) = self.fallback.as_mut() {
                    f.on_outcome(&outcome);
                }
            }
        }
        self.plan_followups();
    }

    fn is_done(&self) -> bool {
        self.outstanding.is_empty()
            && self.sslv2.done
            && self.versions.iter().all(VersionScan::is_done)
            && self.followups.iter().all(|&f| f)
            && self.groups12.as_ref().is_none_or(|g| g.done)
            && self.groups13.as_ref().is_none_or(|g| g.done)
            && self.sigalgs.as_ref().is_none_or(|s| s.done)
            && self.sigalgs13.as_ref().is_none_or(|s| s.done)
            && self.fallback.as_ref().is_none_or(|f| f.done)
    }

    fn findings(&self) -> TlsFindings {
        let mut versions = vec![VersionFinding {
            version: ProtocolVersion::SSLV2,
            supported: if self.config.sslv2 { self.sslv2.supported } else { None },
            answered_with: None,
            suites: self
                .sslv2
                .kinds
                .iter()
                .map(|&k| SuiteFinding { code: CipherCode::Sslv2(k), rank: None, fails_after_hello: false })
                .collect(),
            server_order: None,
            chose_unoffered: Vec::new(),
            complete: self.sslv2.supported.is_some() || !self.config.sslv2,
        }];
        let mut tls: Vec<&VersionScan> = self.versions.iter().collect();
        tls.sort_by_key(|s| s.version);
        for s in tls {
            let ranked = s.server_order == Some(true);
            versions.push(VersionFinding {
                version: s.version,
                supported: s.supported,
                answered_with: s.answered_with,
                suites: s
                    .accepted()
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| SuiteFinding {
                        code: CipherCode::Tls(c),
                        rank: if ranked { u16::try_from(i + 1).ok() } else { None },
                        fails_after_hello: s.failed_after.contains(&c),
                    })
                    .collect(),
                server_order: s.server_order,
                chose_unoffered: s.unoffered.clone(),
                complete: s.complete,
            });
        }
        let tls12 = self.groups12.as_ref().map(|g| g.picks.clone()).unwrap_or_default();
        let tls13 = self.groups13.as_ref().map(|g| g.picks.clone()).unwrap_or_default();
        let order12 = self.groups12.as_ref().and_then(|g| g.server_order);
        let order13 = self.groups13.as_ref().and_then(|g| g.server_order);
        // A server that follows the client's group order has no preference of its own.
        let first_if_preferred = |groups: &[NamedGroup], order: Option<bool>| {
            groups.first().copied().filter(|_| order != Some(false))
        };
        let preferred = if tls13.is_empty() {
            first_if_preferred(&tls12, order12)
        } else {
            first_if_preferred(&tls13, order13)
        };
        let complete = self.groups12.as_ref().is_none_or(|g| g.complete)
            && self.groups13.as_ref().is_none_or(|g| g.complete);
        let mut features = self.features;
        features.fallback_scsv = self.fallback.as_ref().and_then(|f| f.result);
        TlsFindings {
            versions,
            groups: GroupFindings {
                tls12,
                tls13,
                tls12_server_order: order12,
                tls13_server_order: order13,
                preferred,
                complete,
            },
            sig_algs: self.sigalgs.as_ref().map(|s| by_key_type(&s.picks)).unwrap_or_default(),
            sig_algs_tls13: self.sigalgs13.as_ref().map(|s| by_key_type(&s.picks)).unwrap_or_default(),
            sig_algs_tls13_complete: self.sigalgs13.as_ref().is_some_and(|s| s.complete && s.done),
            dhe_bits: self.dhe_bits.clone(),
            dhe_groups: self.dhe_groups.clone(),
            chains: self.chains.clone(),
            features,
            hellos_sent: self.hellos_sent,
        }
    }
}

/// The schemes grouped by the key type they sign with, each group in the order the
/// server chose them, the groups in the order their first scheme was chosen. The joint
/// hellos interleave the key types (an offer without the ECDSA certificate's curve
/// switches the server to its RSA certificate); within a key type the picks are the
/// server's preference, which is what the list shows.
fn by_key_type(picks: &[SignatureScheme]) -> Vec<SignatureScheme> {
    let mut types: Vec<Option<crate::registry::Authentication>> = Vec::new();
    for p in picks {
        if !types.contains(&p.signing_key()) {
            types.push(p.signing_key());
        }
    }
    let mut out = picks.to_vec();
    out.sort_by_key(|p| types.iter().position(|t| *t == p.signing_key()));
    out
}

/// Compression methods a scan offers on first hellos (for documentation and tests).
pub const FIRST_HELLO_COMPRESSION: [CompressionMethod; 2] = COMPRESSION_PROBE;
