//! TLS 1.2 signature schemes, read from the signature of the ServerKeyExchange.
//!
//! The enumeration hellos offer every scheme, so their first signed ServerKeyExchange gives
//! the server's first choice. This scan offers the accepted signed-key-exchange suites
//! (ECDHE/DHE with RSA, DSS or ECDSA) with every scheme except those already seen, and
//! removes each new choice until the server refuses: one hello per further scheme plus
//! one. While the TLS 1.2 group scan still runs, both share their hellos (see `scan`).
//! TLS 1.3 schemes sit in the encrypted CertificateVerify; the scan reads the one each
//! certificate signs with from the decrypted flight, but does not enumerate them.

use crate::registry::{CipherSuite, SignatureScheme};

use super::{HelloOutcome, Step};

/// The TLS 1.2 signature-scheme enumeration.
#[derive(Clone, Debug)]
pub(crate) struct SigalgScan {
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
        Self {
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
        match answer.ske_scheme() {
            Some(s) if offer.contains(&s) && !self.picks.contains(&s) => self.picks.push(s),
            _ => self.done = true,
        }
    }
}
