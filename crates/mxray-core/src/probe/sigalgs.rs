//! Signature schemes: at TLS 1.2 read from the signature of the ServerKeyExchange, at
//! TLS 1.3 from the CertificateVerify of the decrypted flight.
//!
//! The enumeration hellos offer every scheme, so their first signed ServerKeyExchange gives
//! the server's first choice. This scan offers the accepted signed-key-exchange suites
//! (ECDHE/DHE with RSA, DSS or ECDSA) with every scheme except those already seen, and
//! removes each new choice until the server refuses: one hello per further scheme plus
//! one. While the TLS 1.2 group scan still runs, both share their hellos (see `scan`).
//!
//! The TLS 1.3 scan works the same way on the accepted TLS 1.3 suites, with one group the
//! client holds a real key share for (X25519, else P-256), so that every answer is a full
//! flight whose CertificateVerify the core decrypts. Its first scheme comes from the first
//! TLS 1.3 hello of the suite enumeration. A server whose TLS 1.3 groups include neither
//! is not scanned for TLS 1.3 schemes (the list stays empty and `complete` false).

use crate::registry::{CipherSuite, NamedGroup, ProtocolVersion, SignatureScheme};

use super::{HelloOutcome, Step};

/// The signature-scheme enumeration of one version (TLS 1.2 or TLS 1.3).
#[derive(Clone, Debug)]
pub(crate) struct SigalgScan {
    pub(crate) version: ProtocolVersion,
    /// The one group a TLS 1.3 scan offers (with its key share).
    pub(crate) share_group: Option<NamedGroup>,
    pub(crate) suites: Vec<CipherSuite>,
    candidates: Vec<SignatureScheme>,
    pub(crate) picks: Vec<SignatureScheme>,
    waiting: bool,
    retried: bool,
    pub(crate) done: bool,
    pub(crate) complete: bool,
}

impl SigalgScan {
    pub(crate) fn new(suites: Vec<CipherSuite>, first: Option<SignatureScheme>) -> Self {
        Self::for_version(ProtocolVersion::TLSV1_2, None, suites, first)
    }

    /// The TLS 1.3 scan over `suites`, offering only `share_group`.
    pub(crate) fn tls13(
        share_group: NamedGroup,
        suites: Vec<CipherSuite>,
        first: Option<SignatureScheme>,
    ) -> Self {
        Self::for_version(ProtocolVersion::TLSV1_3, Some(share_group), suites, first)
    }

    fn for_version(
        version: ProtocolVersion,
        share_group: Option<NamedGroup>,
        suites: Vec<CipherSuite>,
        first: Option<SignatureScheme>,
    ) -> Self {
        Self {
            version,
            share_group,
            suites,
            candidates: super::hello::all_sigalgs(),
            picks: first.into_iter().collect(),
            waiting: false,
            retried: false,
            done: false,
            complete: true,
        }
    }

    /// True if an offer can go out now on a joint hello: not waiting, not done.
    pub(crate) fn can_ride(&self) -> bool {
        !self.waiting && !self.done
    }

    /// Takes back the offer last handed out: the next offer repeats it.
    pub(crate) fn unsend(&mut self) {
        self.waiting = false;
    }

    /// The schemes to offer next, or `None` while waiting or done.
    pub(crate) fn next_offer(&mut self) -> Option<Vec<SignatureScheme>> {
        if self.waiting || self.done {
            return None;
        }
        let offer: Vec<SignatureScheme> =
            self.candidates.iter().copied().filter(|s| !self.picks.contains(s)).collect();
        if offer.is_empty() || self.suites.is_empty() {
            self.done = true;
            return None;
        }
        self.waiting = true;
        Some(offer)
    }

    pub(crate) fn on_outcome(&mut self, offer: &[SignatureScheme], outcome: &HelloOutcome) {
        self.waiting = false;
        let answer = match outcome.step(&mut self.retried) {
            Step::Answer(a) => a,
            Step::Closed => {
                self.done = true;
                return;
            }
            Step::Retry => return,
            Step::GiveUp => {
                self.complete = false;
                self.done = true;
                return;
            }
        };
        let chosen = match self.version {
            ProtocolVersion::TLSV1_3 if answer.version == Some(ProtocolVersion::TLSV1_3) => {
                answer.tls13_scheme
            }
            ProtocolVersion::TLSV1_3 => None,
            _ => answer.ske_scheme(),
        };
        match chosen {
            Some(s) if offer.contains(&s) && !self.picks.contains(&s) => self.picks.push(s),
            _ => self.done = true,
        }
    }
}
