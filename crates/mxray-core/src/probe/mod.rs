//! Probe planners: sans-IO state machines that decide the next ClientHello from the answers
//! so far, and turn the answers into findings.
//!
//! # How a driver uses a planner
//!
//! A planner never touches a socket. The driver (mxray-net, or the in-memory driver of the
//! tests over [`crate::sim`]) runs this loop:
//!
//! ```text
//! let mut planner = ScanPlanner::new(ScanConfig::default());
//! while !planner.is_done() {
//!     // Ask for as many hellos as the per-host concurrency allows; `None` means
//!     // "wait for an outstanding answer first" (or, with nothing outstanding, done).
//!     while in_flight < per_host {
//!         let Some(hello) = planner.next_hello(&mut rng) else { break };
//!         spawn(connect, STARTTLS, write hello.bytes, read into a FlightReader);
//!     }
//!     let (tag, result) = next_finished_connection().await;
//!     // Transport errors map to Closed / Reset / Timeout; read bytes go through
//!     // FlightReader::finish and HelloOutcome::from_flight_result.
//!     planner.on_outcome(tag, outcome);
//! }
//! let findings = planner.findings();
//! ```
//!
//! Every hello costs a TCP connection (and for mail a STARTTLS dialogue), so the planners
//! aim at the lower bound: for each protocol version, one hello per accepted suite plus one
//! that the server refuses; one per accepted group and signature scheme; a few for the
//! features that cannot ride along. Throttling (421, slow answers) is the driver's business:
//! the planner treats `Reset` and `Timeout` as "unknown", asks once more, and reports
//! "unknown" rather than "not supported" if the second try fails too.
//!
//! The modules: [`scan`] composes everything and defines the findings;
//! `ciphers` enumerates versions and suites (and server order), `groups` key-exchange
//! groups, `sigalgs` TLS 1.2 signature schemes, `features` the session features and the
//! fallback-SCSV probe. See each module's documentation for its algorithm.

use rand_core::CryptoRngCore;

use crate::registry::dh_groups;
use crate::registry::{
    Authentication, BulkCipher, CipherSuite, CipherSuiteInfo, CompressionMethod, KeyExchange as SuiteKx,
    NamedGroup, ProtocolVersion, SignatureScheme,
};
use crate::wire::alert::Alert;
use crate::wire::certificate::{Certificate, Certificate13, CertificateEntry};
use crate::wire::certificate_status::CertificateStatus;
use crate::wire::client_hello::ClientHello;
use crate::wire::codec::{Codec, DecodeError};
use crate::wire::flight::{FlightEnd, FlightReader, ServerFlight};
use crate::wire::handshake::HandshakeType;
use crate::wire::key_share::KeySharePrivate;
use crate::wire::server_hello::{ServerHello, ServerKeyShare};
use crate::wire::server_key_exchange::{KeyExchange, ServerKeyExchange};
use crate::wire::sslv2::Sslv2Message;

mod ciphers;
mod features;
mod groups;
mod hello;
pub mod scan;
mod sigalgs;

#[cfg(test)]
mod tests;

pub use scan::{
    FeatureFindings, GroupFindings, ObservedChain, ScanConfig, ScanPlanner, SuiteFinding, TlsFindings,
    VersionFinding,
};

/// The randomness a planner needs: client randoms and real X25519 key shares.
pub type ProbeRng<'a> = &'a mut dyn CryptoRngCore;

/// Identifies one planned hello; hand it back with its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct HelloTag(pub u32);

/// The hello a planner wants sent on a fresh connection.
#[derive(Clone, Debug)]
pub struct PlannedHello {
    /// Give this back to [`Planner::on_outcome`] with the answer.
    pub tag: HelloTag,
    /// The version this hello tests (SSL 2.0 for an SSL 2.0 CLIENT-HELLO).
    pub version: ProtocolVersion,
    /// The decoded hello, for logs and tests; `None` for an SSL 2.0 CLIENT-HELLO.
    pub hello: Option<ClientHello>,
    /// The bytes to write, record framing included.
    pub bytes: Vec<u8>,
    /// The private half of the hello's X25519 key share (TLS 1.3 hellos), to read the
    /// server's encrypted flight: certificate chain and CertificateVerify scheme.
    pub key_share: Option<KeySharePrivate>,
}

impl PlannedHello {
    /// A flight reader for the answer to this hello: one that also decrypts a TLS 1.3
    /// flight when the hello carried a key share.
    pub fn flight_reader(&self) -> FlightReader {
        match (&self.hello, &self.key_share) {
            (Some(hello), Some(private)) => FlightReader::new().decrypt_tls13(hello.clone(), private.clone()),
            _ => FlightReader::new(),
        }
    }
}

/// A sans-IO planner of ClientHellos.
pub trait Planner {
    /// The findings type.
    type Findings;

    /// The next hello to send, or `None` when the planner waits for outstanding answers
    /// (or is done: see [`is_done`](Self::is_done)). Several hellos may be outstanding at
    /// once; the driver decides how many connections to run in parallel.
    fn next_hello(&mut self, rng: ProbeRng<'_>) -> Option<PlannedHello>;

    /// Feeds the outcome of the hello tagged `tag`. Unknown tags are ignored.
    fn on_outcome(&mut self, tag: HelloTag, outcome: HelloOutcome);

    /// True when nothing is outstanding and nothing is left to send.
    fn is_done(&self) -> bool;

    /// The findings so far (complete once [`is_done`](Self::is_done)).
    fn findings(&self) -> Self::Findings;
}

/// What came back for one hello.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HelloOutcome {
    /// The server answered with something readable (a ServerHello, an alert, an SSL 2.0
    /// message).
    Answered(Box<Answer>),
    /// The connection closed without any answer.
    Closed,
    /// The connection was reset (RST) before an answer.
    Reset,
    /// No complete answer within the driver's timeout.
    Timeout,
    /// The answer could not be decoded.
    Garbage(DecodeError),
}

/// What a probe that sends one hello at a time makes of an outcome (see
/// [`HelloOutcome::step`]).
#[derive(Debug)]
pub(crate) enum Step<'a> {
    /// The server answered.
    Answer(&'a Answer),
    /// The connection closed without an answer: a refusal.
    Closed,
    /// A reset, timeout or garbage, the first time: ask again.
    Retry,
    /// A reset, timeout or garbage after a retry: unknown.
    GiveUp,
}

impl HelloOutcome {
    /// The retry policy of the single-hello probes (groups, signature schemes, fallback
    /// SCSV): an answer is used, a close is a refusal, anything else is asked once more
    /// and then given up on. `retried` is the probe's memory of the last retry.
    pub(crate) fn step(&self, retried: &mut bool) -> Step<'_> {
        match self {
            Self::Answered(answer) => {
                *retried = false;
                Step::Answer(answer)
            }
            Self::Closed => Step::Closed,
            _ if !*retried => {
                *retried = true;
                Step::Retry
            }
            _ => Step::GiveUp,
        }
    }

    /// The outcome of a finished [`FlightReader`].
    pub fn from_flight_result(result: Result<ServerFlight, DecodeError>) -> Self {
        match result {
            Ok(flight) => Self::from_flight(flight),
            Err(e) => Self::Garbage(e),
        }
    }

    /// The outcome of a decoded flight.
    pub fn from_flight(flight: ServerFlight) -> Self {
        if flight.end == FlightEnd::Closed && flight.server_hello.is_none() && flight.alert.is_none() {
            return Self::Closed;
        }
        Self::Answered(Box::new(Answer::from_flight(flight)))
    }

    /// The answer, if the server gave one.
    pub fn answer(&self) -> Option<&Answer> {
        match self {
            Self::Answered(a) => Some(a),
            _ => None,
        }
    }
}

/// The essentials of a server's answer to one hello.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The ServerHello (or HelloRetryRequest).
    pub server_hello: Option<ServerHello>,
    /// The version the ServerHello selected.
    pub version: Option<ProtocolVersion>,
    /// The suite the ServerHello selected.
    pub suite: Option<CipherSuite>,
    /// True if the ServerHello is a HelloRetryRequest.
    pub hello_retry: bool,
    /// The TLS 1.3 group: the server's key share, or the group a HelloRetryRequest asks for.
    pub tls13_group: Option<NamedGroup>,
    /// The scheme of the TLS 1.3 CertificateVerify, when the encrypted flight was read.
    pub tls13_scheme: Option<SignatureScheme>,
    /// The ServerKeyExchange, decoded with the selected suite's key exchange.
    pub server_key_exchange: Option<Result<ServerKeyExchange, DecodeError>>,
    /// The certificate chain (DER), as sent in plaintext (TLS ≤ 1.2, SSL 2.0).
    pub certificates: Vec<Vec<u8>>,
    /// True if a CertificateStatus message (a stapled OCSP response) came.
    pub ocsp_stapled: bool,
    /// The stapled OCSP response (DER) for the leaf: the CertificateStatus message's
    /// (TLS ≤ 1.2; the first of an `ocsp_multi` list) or the leaf entry's `status_request`
    /// extension (TLS 1.3).
    pub ocsp_response: Option<Vec<u8>>,
    /// The alert that ended the answer.
    pub alert: Option<Alert>,
    /// The SSL 2.0 message that ended the answer.
    pub sslv2: Option<Sslv2Message>,
    /// Why the flight ended.
    pub end: FlightEnd,
}

impl Answer {
    /// Extracts the essentials from a flight.
    pub fn from_flight(flight: ServerFlight) -> Self {
        let sh = flight.server_hello.clone();
        let version = sh.as_ref().and_then(|s| s.selected_version().ok());
        let hello_retry = sh.as_ref().is_some_and(ServerHello::is_hello_retry_request);
        let suite = sh.as_ref().map(|s| s.cipher_suite);
        let tls13_group = sh.as_ref().and_then(|s| match s.key_share() {
            Some(Ok(ServerKeyShare::Share(e))) => Some(e.group),
            Some(Ok(ServerKeyShare::Retry(g))) => Some(g),
            _ => None,
        });
        let server_key_exchange = match (flight.message(HandshakeType::SERVER_KEY_EXCHANGE), suite, version) {
            (Some(m), Some(s), Some(v)) => {
                let kx = s.info().map_or(KeyExchange::NoServerKeyExchange, wire_kx);
                Some(ServerKeyExchange::parse(&m.body, kx, v))
            }
            _ => None,
        };
        let leaf_status = match flight.message(HandshakeType::CERTIFICATE) {
            Some(m) if version == Some(ProtocolVersion::TLSV1_3) => Certificate13::parse(&m.body)
                .ok()
                .and_then(|c| c.entries.first().and_then(CertificateEntry::status))
                .and_then(Result::ok),
            _ => flight
                .message(HandshakeType::CERTIFICATE_STATUS)
                .and_then(|m| CertificateStatus::parse(&m.body).ok()),
        };
        let ocsp_response = match leaf_status {
            Some(CertificateStatus::Ocsp(der)) => Some(der),
            Some(CertificateStatus::OcspMulti(list)) => list.into_iter().next().filter(|der| !der.is_empty()),
            None => None,
        };
        let certificates = match flight.message(HandshakeType::CERTIFICATE) {
            Some(m) if version == Some(ProtocolVersion::TLSV1_3) => Certificate13::parse(&m.body)
                .map(|c| c.certificates().map(<[u8]>::to_vec).collect())
                .unwrap_or_default(),
            Some(m) => Certificate::parse(&m.body).map(|c| c.certificate_list).unwrap_or_default(),
            None => match &flight.sslv2 {
                Some(Sslv2Message::ServerHello(h)) if !h.certificate.is_empty() => {
                    vec![h.certificate.clone()]
                }
                _ => Vec::new(),
            },
        };
        Self {
            ocsp_stapled: flight.message(HandshakeType::CERTIFICATE_STATUS).is_some(),
            ocsp_response,
            server_hello: sh,
            version,
            suite,
            hello_retry,
            tls13_group,
            tls13_scheme: flight.tls13.as_ref().and_then(|t| t.certificate_verify_scheme),
            server_key_exchange,
            certificates,
            alert: flight.alert,
            sslv2: flight.sslv2,
            end: flight.end,
        }
    }

    /// The named group of an ECDHE ServerKeyExchange.
    pub fn ske_group(&self) -> Option<NamedGroup> {
        match &self.server_key_exchange {
            Some(Ok(ske)) => ske.ecdh().and_then(|p| p.named_group()),
            _ => None,
        }
    }

    /// The TLS 1.2 signature scheme of the ServerKeyExchange.
    pub fn ske_scheme(&self) -> Option<SignatureScheme> {
        match &self.server_key_exchange {
            Some(Ok(ske)) => ske.signature.as_ref().and_then(|s| s.scheme),
            _ => None,
        }
    }

    /// The DH modulus size of a DHE ServerKeyExchange.
    pub fn dhe_bits(&self) -> Option<usize> {
        match &self.server_key_exchange {
            Some(Ok(ske)) => ske.dh().map(|p| p.p_bits()),
            _ => None,
        }
    }

    /// The well-known group ([`crate::registry::dh_groups`](mod@crate::registry::dh_groups)) of a DHE ServerKeyExchange's
    /// prime (`"ffdhe2048"`); `None` for a custom prime or without DHE. A well-known prime
    /// with another generator still counts: a precomputation serves every generator.
    pub fn dhe_group(&self) -> Option<&'static str> {
        let Some(Ok(ske)) = &self.server_key_exchange else { return None };
        let params = ske.dh()?;
        dh_groups::identify(&params.p, &params.g)
            .or_else(|| dh_groups::identify_prime(&params.p))
            .map(|g| g.name)
    }
}

/// The ServerKeyExchange format of a suite, from its registry key exchange and
/// authentication.
pub fn wire_kx(info: &CipherSuiteInfo) -> KeyExchange {
    let anon = matches!(info.auth, Authentication::None);
    match info.kx {
        SuiteKx::Dhe if anon => KeyExchange::DheAnon,
        SuiteKx::Dhe => KeyExchange::Dhe,
        SuiteKx::Ecdhe if anon => KeyExchange::EcdheAnon,
        SuiteKx::Ecdhe => KeyExchange::Ecdhe,
        SuiteKx::Rsa if info.export => KeyExchange::RsaExport,
        SuiteKx::Psk => KeyExchange::Psk,
        SuiteKx::DhePsk => KeyExchange::DhePsk,
        SuiteKx::EcdhePsk => KeyExchange::EcdhePsk,
        SuiteKx::RsaPsk => KeyExchange::RsaPsk,
        SuiteKx::Srp if matches!(info.auth, Authentication::Srp) => KeyExchange::Srp,
        SuiteKx::Srp => KeyExchange::SrpSigned,
        _ => KeyExchange::NoServerKeyExchange,
    }
}

/// How a probe hello fared, from the point of view of the version and offer it tested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A ServerHello (or HelloRetryRequest) at the tested version with an offered suite;
    /// `failed_after` when a fatal alert followed it.
    Chosen { suite: CipherSuite, failed_after: bool },
    /// A ServerHello at the tested version with a suite that was not offered.
    Unoffered(CipherSuite),
    /// A ServerHello at another version.
    OtherVersion(ProtocolVersion),
    /// A `protocol_version` alert.
    VersionRefused,
    /// Any other alert or SSL 2.0 error: the offer was refused.
    Refused,
    /// Closed without a word.
    Closed,
    /// Reset, timeout or garbage: nothing can be concluded.
    Unknown,
}

impl Verdict {
    /// Classifies `outcome` for a hello at `version` offering `offer`.
    pub(crate) fn of(outcome: &HelloOutcome, version: ProtocolVersion, offer: &[CipherSuite]) -> Self {
        let answer = match outcome {
            HelloOutcome::Answered(a) => a,
            HelloOutcome::Closed => return Self::Closed,
            _ => return Self::Unknown,
        };
        match (answer.version, answer.suite) {
            (Some(v), Some(suite)) if v == version => {
                if offer.contains(&suite) {
                    Self::Chosen { suite, failed_after: answer.alert.is_some() && !answer.hello_retry }
                } else {
                    Self::Unoffered(suite)
                }
            }
            (Some(v), Some(_)) => Self::OtherVersion(v),
            _ => match answer.alert {
                Some(a) if a.description == crate::registry::AlertDescription::PROTOCOL_VERSION => {
                    Self::VersionRefused
                }
                Some(_) => Self::Refused,
                None if answer.sslv2.is_some() => Self::Refused,
                None => Self::Closed,
            },
        }
    }
}

/// Every TLS suite of the registry valid at `version` (SCSVs and SSL 2.0 kinds excluded),
/// weakest first, ChaCha20 last (see [`ciphers`] for why).
pub(crate) fn candidate_suites(version: ProtocolVersion) -> Vec<CipherSuite> {
    let mut out: Vec<&CipherSuiteInfo> = crate::registry::cipher_suites()
        .filter(|i| !i.scsv && i.versions.contains(version))
        .filter(|i| matches!(i.code, crate::registry::CipherCode::Tls(_)))
        .collect();
    out.sort_by_key(|i| strength_key(i));
    out.into_iter()
        .filter_map(|i| match i.code {
            crate::registry::CipherCode::Tls(s) => Some(s),
            crate::registry::CipherCode::Sslv2(_) => None,
        })
        .collect()
}

/// The position of `suite` in the base order `L` (weakest first, ChaCha20 last).
pub(crate) fn suite_key(suite: CipherSuite) -> (bool, bool, bool, bool, bool, bool, u16, u16) {
    suite.info().map_or((true, true, true, true, true, true, u16::MAX, suite.0), strength_key)
}

/// Sort key: weakest first; ChaCha20-Poly1305 after everything.
fn strength_key(i: &CipherSuiteInfo) -> (bool, bool, bool, bool, bool, bool, u16, u16) {
    let code = match i.code {
        crate::registry::CipherCode::Tls(s) => s.0,
        crate::registry::CipherCode::Sslv2(_) => u16::MAX,
    };
    (
        is_chacha(i),
        !matches!(i.cipher, BulkCipher::Null),
        !i.is_anonymous(),
        !i.export,
        i.forward_secrecy,
        i.is_aead(),
        i.key_bits,
        code,
    )
}

/// True for ChaCha20-Poly1305 suites.
pub(crate) fn is_chacha(i: &CipherSuiteInfo) -> bool {
    matches!(i.cipher, BulkCipher::ChaCha20Poly1305)
}

/// Moves ChaCha20 suites to the end of `suites`, keeping the order otherwise.
pub(crate) fn chacha_last(suites: &mut [CipherSuite]) {
    suites.sort_by_key(|s| s.info().is_some_and(is_chacha));
}

/// The compression methods of a first hello: DEFLATE rides along (see [`features`]).
pub(crate) const COMPRESSION_PROBE: [CompressionMethod; 2] =
    [CompressionMethod::DEFLATE, CompressionMethod::NULL];
