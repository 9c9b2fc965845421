//! Key-exchange groups: TLS 1.2 curves read from the ServerKeyExchange, TLS 1.3 groups
//! read from the ServerHello `key_share` or the HelloRetryRequest.
//!
//! The cipher enumeration hellos already offer every group, so their answers give the
//! server's first choice for free. This scan then offers every group except those already
//! seen, with the suites the server accepted (ECDHE suites for TLS 1.2), and removes each
//! new choice until the server refuses: one hello per further group plus one.
//!
//! TLS 1.3 hellos carry one real X25519 key share while X25519 is still offered, and an
//! empty `key_share` list after that; a server that prefers another group answers with a
//! HelloRetryRequest naming it, which is all this scan needs (the connection is dropped
//! there). No bogus share is ever sent. The order of choices is the server's preference
//! order for a server that enforces one; a server that favours the group it already has a
//! share for may put X25519 first.

use crate::registry::{CipherSuite, NamedGroup, ProtocolVersion};

use super::HelloOutcome;

/// The group enumeration of one family (TLS 1.2 curves or TLS 1.3 groups).
#[derive(Clone, Debug)]
pub(crate) struct GroupScan {
    pub(crate) version: ProtocolVersion,
    pub(crate) suites: Vec<CipherSuite>,
    candidates: Vec<NamedGroup>,
    pub(crate) picks: Vec<NamedGroup>,
    waiting: bool,
    retried: bool,
    pub(crate) done: bool,
    pub(crate) complete: bool,
}

impl GroupScan {
    pub(crate) fn new(
        version: ProtocolVersion,
        suites: Vec<CipherSuite>,
        candidates: Vec<NamedGroup>,
        first: Option<NamedGroup>,
    ) -> Self {
        Self {
            version,
            suites,
            candidates,
            picks: first.into_iter().collect(),
            waiting: false,
            retried: false,
            done: false,
            complete: true,
        }
    }

    /// The groups to offer next, or `None` while waiting or done.
    pub(crate) fn next_offer(&mut self) -> Option<Vec<NamedGroup>> {
        if self.waiting || self.done {
            return None;
        }
        let offer: Vec<NamedGroup> =
            self.candidates.iter().copied().filter(|g| !self.picks.contains(g)).collect();
        if offer.is_empty() || self.suites.is_empty() {
            self.done = true;
            return None;
        }
        self.waiting = true;
        Some(offer)
    }

    pub(crate) fn on_outcome(&mut self, offer: &[NamedGroup], outcome: &HelloOutcome) {
        self.waiting = false;
        let answer = match outcome {
            HelloOutcome::Answered(a) => a,
            HelloOutcome::Closed => {
                self.done = true;
                return;
            }
            _ if !self.retried => {
                self.retried = true;
                return;
            }
            _ => {
                self.complete = false;
                self.done = true;
                return;
            }
        };
        self.retried = false;
        let chosen = if answer.version != Some(self.version)
            || !answer.suite.is_some_and(|s| self.suites.contains(&s))
        {
            None
        } else if self.version == ProtocolVersion::TLSV1_3 {
            answer.tls13_group
        } else {
            answer.ske_group()
        };
        match chosen {
            Some(g) if offer.contains(&g) && !self.picks.contains(&g) => self.picks.push(g),
            _ => self.done = true,
        }
    }
}
