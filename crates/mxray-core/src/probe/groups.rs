//! Key-exchange groups: TLS 1.2 curves read from the ServerKeyExchange, TLS 1.3 groups
//! read from the ServerHello `key_share` or the HelloRetryRequest.
//!
//! The cipher enumeration hellos already offer every group, so their answers give the
//! server's first choice for free. This scan then offers every group except those already
//! seen, with the suites the server accepted (ECDHE suites for TLS 1.2), and removes each
//! new choice until the server refuses: one hello per further group plus one. Its offers
//! can ride on other hellos (the TLS 1.3 suite enumeration, the TLS 1.2 signature-scheme
//! scan: see `scan`), which is why an offer can be taken back (`unsend`).
//!
//! TLS 1.3 hellos carry one real X25519 key share while X25519 is still offered, and an
//! empty `key_share` list after that; a server that prefers another group answers with a
//! HelloRetryRequest naming it, which is all this scan needs (the connection is dropped
//! there). No bogus share is ever sent.
//!
//! Whose order counts: successive offers alternate direction (registry order, then
//! reversed, …). A server with its own preference picks regardless of the direction, so
//! as soon as one pick is not the first *supported* group of its offer, the server's
//! order is proven. When every pick was the first supported group of its offer, one more
//! hello offers the first two picks swapped: a server that follows the client takes the
//! first of those, a server with its own order keeps its first pick. A client-order
//! server has no preferred group; its list is in the order mxray happened to learn it.

use crate::registry::{CipherSuite, NamedGroup, ProtocolVersion};

use super::{HelloOutcome, Step};

/// The group enumeration of one family (TLS 1.2 curves or TLS 1.3 groups).
#[derive(Clone, Debug)]
pub(crate) struct GroupScan {
    pub(crate) version: ProtocolVersion,
    pub(crate) suites: Vec<CipherSuite>,
    candidates: Vec<NamedGroup>,
    pub(crate) picks: Vec<NamedGroup>,
    /// Each offer and the group chosen from it, in order (the enumeration's first hello
    /// offered the candidates in registry order).
    history: Vec<(Vec<NamedGroup>, NamedGroup)>,
    /// Whether the next offer lists the remaining groups in reverse.
    reverse_next: bool,
    /// The swapped-pair hello: `None` until needed, then `Some(waiting)`.
    confirming: Option<bool>,
    /// `Some(true)` if the server enforces its own group order, `Some(false)` if it
    /// follows the client's, `None` if fewer than two groups or unknown.
    pub(crate) server_order: Option<bool>,
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
        let history = first.map(|g| (candidates.clone(), g)).into_iter().collect();
        Self {
            version,
            suites,
            candidates,
            picks: first.into_iter().collect(),
            history,
            reverse_next: true,
            confirming: None,
            server_order: None,
            waiting: false,
            retried: false,
            done: false,
            complete: true,
        }
    }

    /// True if an offer can go out now on another scan's hello (see `scan`): not waiting,
    /// not done.
    pub(crate) fn can_ride(&self) -> bool {
        !self.waiting && !self.done
    }

    /// Takes back the offer last handed out, which was not sent or whose answer says
    /// nothing about groups: the next offer repeats it (the confirmation hello included).
    pub(crate) fn unsend(&mut self) {
        self.waiting = false;
        if self.confirming == Some(true) {
            self.confirming = Some(false);
        }
    }

    /// True if `offer` holds a group the server is known to take, so that a refusal of a
    /// hello carrying it cannot be blamed on the groups.
    pub(crate) fn holds_known(&self, offer: &[NamedGroup]) -> bool {
        offer.iter().any(|g| self.picks.contains(g))
    }

    /// The number of groups found so far.
    pub(crate) fn found(&self) -> usize {
        self.picks.len()
    }

    /// The groups to offer next, or `None` while waiting or done.
    pub(crate) fn next_offer(&mut self) -> Option<Vec<NamedGroup>> {
        if self.waiting || self.done {
            return None;
        }
        if self.confirming == Some(false)
            && let [first, second, ..] = self.picks[..]
        {
            self.confirming = Some(true);
            self.waiting = true;
            return Some(vec![second, first]);
        }
        let mut offer: Vec<NamedGroup> =
            self.candidates.iter().copied().filter(|g| !self.picks.contains(g)).collect();
        if offer.is_empty() || self.suites.is_empty() {
            self.finish_enumeration();
            return self.next_offer();
        }
        if self.reverse_next {
            offer.reverse();
        }
        self.reverse_next = !self.reverse_next;
        self.waiting = true;
        Some(offer)
    }

    /// Decides whose order the picks follow, asking for the swapped-pair hello if the
    /// picks alone cannot tell.
    fn finish_enumeration(&mut self) {
        if self.picks.len() < 2 || !self.complete {
            self.done = true;
            return;
        }
        let supported = &self.picks;
        let all_heads = self
            .history
            .iter()
            .all(|(offer, pick)| offer.iter().find(|g| supported.contains(g)) == Some(pick));
        if all_heads && self.confirming.is_none() {
            self.confirming = Some(false);
        } else {
            self.server_order = Some(!all_heads);
            self.done = true;
        }
    }

    /// The group the server chose, if the answer is a usable one.
    fn chosen(&self, outcome: &HelloOutcome) -> Option<NamedGroup> {
        let answer = outcome.answer()?;
        if answer.version != Some(self.version) || !answer.suite.is_some_and(|s| self.suites.contains(&s)) {
            return None;
        }
        if self.version == ProtocolVersion::TLSV1_3 { answer.tls13_group } else { answer.ske_group() }
    }

    pub(crate) fn on_outcome(&mut self, offer: &[NamedGroup], outcome: &HelloOutcome) {
        self.waiting = false;
        if self.confirming == Some(true) {
            self.server_order = match self.chosen(outcome) {
                Some(g) if Some(&g) == self.picks.first() => Some(true),
                Some(g) if Some(&g) == self.picks.get(1) => Some(false),
                _ => None,
            };
            self.done = true;
            return;
        }
        match outcome.step(&mut self.retried) {
            Step::Answer(_) => {}
            Step::Closed => return self.finish_enumeration(),
            Step::Retry => return,
            Step::GiveUp => {
                self.complete = false;
                self.done = true;
                return;
            }
        }
        match self.chosen(outcome) {
            Some(g) if offer.contains(&g) && !self.picks.contains(&g) => {
                self.picks.push(g);
                self.history.push((offer.to_vec(), g));
            }
            _ => self.finish_enumeration(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Answer;
    use crate::registry::{CipherSuite, CompressionMethod};
    use crate::wire::flight::{FlightEnd, ServerFlight};
    use crate::wire::handshake::{HandshakeMessage, HandshakeType};
    use crate::wire::key_share::KeyShareEntry;
    use crate::wire::server_hello::ServerKeyShare;
    use crate::wire::server_hello::{ServerHello, build};

    const SUITE: CipherSuite = CipherSuite::TLS_AES_128_GCM_SHA256;

    /// A TLS 1.3 answer choosing `group`.
    fn answer(group: NamedGroup) -> HelloOutcome {
        let sh = ServerHello {
            legacy_version: ProtocolVersion::TLSV1_2,
            random: [1; 32],
            session_id: vec![],
            cipher_suite: SUITE,
            compression_method: CompressionMethod::NULL,
            extensions: Some(vec![
                build::supported_versions(ProtocolVersion::TLSV1_3),
                build::key_share(&ServerKeyShare::Share(KeyShareEntry::new(group, vec![0; 32]))).unwrap(),
            ]),
        };
        let body = crate::wire::codec::Codec::to_bytes(&sh).unwrap();
        let flight = ServerFlight {
            messages: vec![HandshakeMessage { typ: HandshakeType::SERVER_HELLO, body }],
            server_hello: Some(sh),
            warnings: vec![],
            alert: None,
            sslv2: None,
            end: FlightEnd::Tls13ServerHello,
            bytes: 0,
            tls13: None,
        };
        HelloOutcome::Answered(Box::new(Answer::from_flight(flight)))
    }

    /// Runs a group scan against a server that picks with `choose` from each offer.
    fn run(supported: &[NamedGroup], choose: impl Fn(&[NamedGroup]) -> Option<NamedGroup>) -> GroupScan {
        let candidates =
            vec![NamedGroup::SECP256R1, NamedGroup::SECP384R1, NamedGroup::X25519, NamedGroup::X448];
        let first = choose(&candidates);
        let mut scan = GroupScan::new(ProtocolVersion::TLSV1_3, vec![SUITE], candidates, first);
        let mut hellos = 0;
        while let Some(offer) = scan.next_offer() {
            hellos += 1;
            assert!(hellos < 10);
            let outcome = match choose(&offer).filter(|g| supported.contains(g)) {
                Some(g) => answer(g),
                None => HelloOutcome::Closed,
            };
            scan.on_outcome(&offer, &outcome);
        }
        assert!(scan.done);
        scan
    }

    #[test]
    fn a_client_order_server_is_recognised() {
        let supported = [NamedGroup::SECP256R1, NamedGroup::X25519, NamedGroup::X448];
        let scan = run(&supported, |offer| offer.iter().copied().find(|g| supported.contains(g)));
        assert_eq!(scan.server_order, Some(false));
        assert_eq!(scan.picks.len(), 3);
    }

    #[test]
    fn a_server_order_server_is_recognised() {
        let preference = [NamedGroup::X25519, NamedGroup::SECP256R1, NamedGroup::X448];
        let scan = run(&preference, |offer| preference.iter().copied().find(|g| offer.contains(g)));
        assert_eq!(scan.server_order, Some(true));
        assert_eq!(scan.picks, preference);
    }

    #[test]
    fn a_server_order_that_looks_like_the_client_order_is_settled_by_the_swapped_pair() {
        // Its preference happens to equal the registry order: every pick is the first
        // supported group of its offer until the swapped pair shows it is the server's.
        let preference = [NamedGroup::SECP256R1, NamedGroup::SECP384R1];
        let scan = run(&preference, |offer| preference.iter().copied().find(|g| offer.contains(g)));
        assert_eq!(scan.server_order, Some(true));
    }

    #[test]
    fn one_group_has_no_order() {
        let scan =
            run(&[NamedGroup::X25519], |offer| offer.iter().copied().find(|g| *g == NamedGroup::X25519));
        assert_eq!(scan.server_order, None);
    }
}
