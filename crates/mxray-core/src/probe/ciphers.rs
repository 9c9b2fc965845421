//! Protocol versions, cipher suites and server order, one version at a time.
//!
//! # Enumeration
//!
//! Each version gets its own hellos, so a server that answers a TLS 1.2 hello with a
//! TLS 1.0 ServerHello is reported as "TLS 1.2 no, TLS 1.0 yes" (the TLS 1.0 hello finds
//! that). The first hello of a version offers every suite of the registry valid at that
//! version and is the version probe at the same time: a ServerHello at the version means
//! supported, a ServerHello at another version or a `protocol_version` alert means not
//! supported. Then the chosen suite is removed and the rest offered again, until the
//! server refuses: one hello per accepted suite plus one.
//!
//! SSL 2.0 needs one hello: the SERVER-HELLO lists every cipher kind the server shares.
//!
//! # Long hellos
//!
//! A full offer at TLS 1.2 is several hundred suites. Some servers close the connection on
//! hellos with 128 or more suites (testssl.sh's `SERVER_SIZE_LIMIT_BUG`). When a long
//! offer is refused and no long offer has yet been accepted anywhere on this server, the
//! remaining suites are split into chunks of [`CHUNK`] suites, mainstream (OpenSSL-named)
//! suites first. The first chunk is the intolerance test: a ServerHello confirms the
//! intolerance (every later version starts chunked, without the wasted long hello); a
//! silent close means the version is not spoken at all. Each chunk then costs one refusal.
//! Offers only shrink, so once a long offer was accepted at a version, a later refusal is
//! the end of the list, never intolerance.
//!
//! # Server order without extra hellos
//!
//! The base order `L` of an offer is weakest first (NULL, anonymous, export, then by
//! forward secrecy, AEAD and key size), with ChaCha20 always last (an OpenSSL server with
//! `PrioritizeChaCha` moves ChaCha20 first only when the client lists it first; keeping it
//! last keeps that server's real order visible). The hellos alternate: even-numbered hellos
//! offer the remaining suites in `L` order, odd-numbered in reverse `L` order (ChaCha20
//! still last).
//!
//! Once the accepted set `A` is known, each answer is checked against the client-order
//! hypothesis: a server that takes the first acceptable suite of the offer must have chosen,
//! at hello `i`, the first suite of offer `i` that is in `A`. Servers prefer strong suites,
//! and the first hello lists the weakest first, so a server enforcing its order breaks the
//! hypothesis at once in practice; the alternation catches servers that prefer weak suites
//! too. If every answer fits the client-order hypothesis, the pick sequence is also a
//! valid server order (a "zigzag" of `L`), and one more hello settles it: `A` in reverse
//! pick order. A server-order server picks its first pick again; a client-order server
//! picks the first suite offered.
//!
//! If the picks came from several chunks, the sequence of picks is not one order; an order
//! pass offers `A` alone and removes picks again (`|A| - 1` hellos), only for
//! hello-intolerant servers.

use std::collections::VecDeque;

use crate::registry::{CipherSuite, ProtocolVersion, Sslv2CipherKind};
use crate::wire::sslv2::Sslv2Message;

use super::{HelloOutcome, Verdict, candidate_suites, chacha_last};

/// Offers longer than this may break hello-intolerant servers.
pub(crate) const CHUNK: usize = 64;

/// What the whole scan knows about the server's tolerance of long hellos.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shared {
    /// `Some(true)` once a hello longer than [`CHUNK`] suites was answered with a
    /// ServerHello; `Some(false)` once a long offer failed where a chunk worked.
    pub(crate) long_ok: Option<bool>,
}

/// One accepted suite and the offer it was chosen from.
#[derive(Clone, Debug)]
struct Pick {
    suite: CipherSuite,
    offer: Vec<CipherSuite>,
    chunk: usize,
}

#[derive(Clone, Debug)]
enum Phase {
    Enumerate,
    /// Re-deriving the order from the accepted set alone.
    OrderPass {
        remaining: Vec<CipherSuite>,
        picks: Vec<Pick>,
    },
    /// The one hello that tells server order from client order.
    OrderCheck {
        offer: Vec<CipherSuite>,
        picks: Vec<Pick>,
    },
    Done,
}

/// The enumeration of one TLS version (SSL 3.0 to TLS 1.3).
#[derive(Clone, Debug)]
pub(crate) struct VersionScan {
    pub(crate) version: ProtocolVersion,
    current: Vec<CipherSuite>,
    chunks: VecDeque<Vec<CipherSuite>>,
    chunked: bool,
    chunk_index: usize,
    testing_intolerance: bool,
    picks: Vec<Pick>,
    phase: Phase,
    waiting: bool,
    retried: bool,
    /// Verdicts received so far.
    pub(crate) answers: u32,
    pub(crate) supported: Option<bool>,
    pub(crate) complete: bool,
    pub(crate) answered_with: Option<ProtocolVersion>,
    pub(crate) failed_after: Vec<CipherSuite>,
    pub(crate) unoffered: Vec<CipherSuite>,
    pub(crate) server_order: Option<bool>,
    /// The accepted suites, in the server's order when it has one, else in pick order.
    pub(crate) order: Vec<CipherSuite>,
}

impl VersionScan {
    pub(crate) fn new(version: ProtocolVersion) -> Self {
        Self {
            version,
            current: candidate_suites(version),
            chunks: VecDeque::new(),
            chunked: false,
            chunk_index: 0,
            testing_intolerance: false,
            picks: Vec::new(),
            phase: Phase::Enumerate,
            waiting: false,
            retried: false,
            answers: 0,
            supported: None,
            complete: true,
            answered_with: None,
            failed_after: Vec::new(),
            unoffered: Vec::new(),
            server_order: None,
            order: Vec::new(),
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    /// True while the suites are being enumerated (not the order pass or check).
    pub(crate) fn is_enumerating(&self) -> bool {
        matches!(self.phase, Phase::Enumerate)
    }

    /// Takes back the offer whose answer was set aside: the next offer repeats it.
    pub(crate) fn reoffer(&mut self) {
        self.waiting = false;
    }

    /// True before the first hello of this version was sent.
    pub(crate) fn is_first(&self) -> bool {
        self.answers == 0 && !self.waiting
    }

    /// The accepted suites so far.
    pub(crate) fn accepted(&self) -> Vec<CipherSuite> {
        if self.is_done() { self.order.clone() } else { self.picks.iter().map(|p| p.suite).collect() }
    }

    /// The next offer, or `None` while waiting or done.
    pub(crate) fn next_offer(&mut self, shared: &Shared) -> Option<Vec<CipherSuite>> {
        if self.waiting {
            return None;
        }
        let offer = match &self.phase {
            Phase::Done => return None,
            Phase::Enumerate => {
                if self.answers == 0
                    && !self.chunked
                    && shared.long_ok == Some(false)
                    && self.current.len() > CHUNK
                {
                    self.start_chunks(false);
                }
                alternate(&self.current, self.picks.len())
            }
            Phase::OrderPass { remaining, picks } => alternate(remaining, picks.len()),
            Phase::OrderCheck { offer, .. } => offer.clone(),
        };
        self.waiting = true;
        Some(offer)
    }

    /// Splits the current and pending suites into chunks, mainstream suites first.
    fn start_chunks(&mut self, testing: bool) {
        let mut all: Vec<CipherSuite> = self.current.drain(..).collect();
        all.extend(self.chunks.drain(..).flatten());
        let (mut main, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(|s| is_mainstream(*s));
        main.extend(rest);
        let mut chunks: VecDeque<Vec<CipherSuite>> =
            main.chunks(CHUNK).map(<[CipherSuite]>::to_vec).collect();
        for c in &mut chunks {
            c.sort_by_key(|s| super::suite_key(*s));
        }
        self.current = chunks.pop_front().unwrap_or_default();
        self.chunks = chunks;
        self.chunked = true;
        self.testing_intolerance = testing;
    }

    /// Feeds the outcome of the last offer.
    pub(crate) fn on_outcome(&mut self, offer: &[CipherSuite], outcome: &HelloOutcome, shared: &mut Shared) {
        self.waiting = false;
        let verdict = Verdict::of(outcome, self.version, offer);
        if verdict == Verdict::Unknown && !self.retried {
            self.retried = true;
            return;
        }
        self.retried = false;
        self.answers += 1;
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Enumerate => {
                self.phase = Phase::Enumerate;
                self.enumerate(offer, verdict, shared);
            }
            Phase::OrderPass { mut remaining, mut picks } => match verdict {
                Verdict::Chosen { suite, .. } => {
                    picks.push(Pick { suite, offer: offer.to_vec(), chunk: 0 });
                    remaining.retain(|s| *s != suite);
                    if remaining.len() <= 1 {
                        let mut all = picks.clone();
                        all.extend(remaining.iter().map(|&suite| Pick {
                            suite,
                            offer: Vec::new(),
                            chunk: 0,
                        }));
                        self.settle_order(all, &picks);
                    } else {
                        self.phase = Phase::OrderPass { remaining, picks };
                    }
                }
                _ => {
                    self.order = picks.iter().map(|p| p.suite).chain(remaining).collect();
                    self.complete = false;
                }
            },
            Phase::OrderCheck { offer: check, picks } => {
                self.order = picks.iter().map(|p| p.suite).collect();
                self.server_order = match verdict {
                    Verdict::Chosen { suite, .. } if Some(&suite) == self.order.first() => Some(true),
                    Verdict::Chosen { suite, .. } if Some(&suite) == check.first() => Some(false),
                    _ => None,
                };
            }
            Phase::Done => {}
        }
    }

    fn enumerate(&mut self, offer: &[CipherSuite], verdict: Verdict, shared: &mut Shared) {
        match verdict {
            Verdict::Chosen { suite, failed_after } => {
                self.supported = Some(true);
                if offer.len() > CHUNK {
                    shared.long_ok = Some(true);
                }
                if self.testing_intolerance {
                    shared.long_ok = Some(false);
                    self.testing_intolerance = false;
                }
                if failed_after {
                    self.failed_after.push(suite);
                }
                self.picks.push(Pick { suite, offer: offer.to_vec(), chunk: self.chunk_index });
                self.current.retain(|s| *s != suite);
                if self.current.is_empty() {
                    self.next_chunk();
                }
            }
            Verdict::Unoffered(suite) => {
                self.unoffered.push(suite);
                self.next_chunk();
            }
            Verdict::OtherVersion(v) if self.picks.is_empty() => {
                self.answered_with = Some(v);
                self.supported = Some(false);
                self.phase = Phase::Done;
            }
            Verdict::VersionRefused
                if self.picks.is_empty() && (self.answers == 1 || self.testing_intolerance) =>
            {
                self.supported = Some(false);
                self.phase = Phase::Done;
            }
            Verdict::Refused | Verdict::Closed | Verdict::VersionRefused
                if self.picks.is_empty()
                    && !self.chunked
                    && offer.len() > CHUNK
                    && shared.long_ok != Some(true) =>
            {
                self.start_chunks(true);
            }
            Verdict::Closed if self.picks.is_empty() && self.chunked && self.chunk_index == 0 => {
                self.supported = Some(false);
                self.phase = Phase::Done;
            }
            Verdict::Unknown => {
                self.complete = false;
                self.finish();
            }
            _ => {
                self.testing_intolerance = false;
                self.next_chunk();
            }
        }
    }

    fn next_chunk(&mut self) {
        match self.chunks.pop_front() {
            Some(next) => {
                self.current = next;
                self.chunk_index += 1;
            }
            None => self.finish(),
        }
    }

    /// The enumeration is over: decide the order (maybe with more hellos).
    fn finish(&mut self) {
        if self.picks.is_empty() {
            if self.complete {
                self.supported = Some(false);
            }
            self.phase = Phase::Done;
            return;
        }
        let picks = std::mem::take(&mut self.picks);
        self.order = picks.iter().map(|p| p.suite).collect();
        if picks.len() < 2 || !self.complete {
            self.phase = Phase::Done;
            return;
        }
        let first_chunk = picks[0].chunk;
        if picks.iter().any(|p| p.chunk != first_chunk) {
            let mut remaining = self.order.clone();
            remaining.sort_by_key(|s| super::suite_key(*s));
            self.phase = Phase::OrderPass { remaining, picks: Vec::new() };
            return;
        }
        self.settle_order(picks.clone(), &picks);
    }

    /// `all` is the complete pick sequence; `observed` the picks made from real offers.
    fn settle_order(&mut self, all: Vec<Pick>, observed: &[Pick]) {
        self.order = all.iter().map(|p| p.suite).collect();
        let accepted = &self.order;
        let client_order_fits =
            observed.iter().all(|p| p.offer.iter().find(|s| accepted.contains(s)) == Some(&p.suite));
        if !client_order_fits {
            self.server_order = Some(true);
            self.phase = Phase::Done;
            return;
        }
        let mut check: Vec<CipherSuite> = self.order.iter().rev().copied().collect();
        let mut moved = check.clone();
        chacha_last(&mut moved);
        if moved.first() != self.order.first() {
            check = moved;
        }
        self.phase = Phase::OrderCheck { offer: check, picks: all };
    }
}

/// The offer of hello number `n`: `L` order for even `n`, reverse for odd, ChaCha20 last.
fn alternate(suites: &[CipherSuite], n: usize) -> Vec<CipherSuite> {
    let mut offer = suites.to_vec();
    if n % 2 == 1 {
        offer.reverse();
    }
    chacha_last(&mut offer);
    offer
}

/// A suite OpenSSL names and that needs no pre-shared secret: the likely ones.
fn is_mainstream(suite: CipherSuite) -> bool {
    use crate::registry::KeyExchange as Kx;
    suite.info().is_some_and(|i| {
        i.openssl.is_some()
            && !matches!(i.kx, Kx::Psk | Kx::DhePsk | Kx::RsaPsk | Kx::EcdhePsk | Kx::Srp | Kx::Krb5)
    })
}

/// The SSL 2.0 probe: one CLIENT-HELLO with every cipher kind.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sslv2Scan {
    waiting: bool,
    retried: bool,
    pub(crate) done: bool,
    pub(crate) supported: Option<bool>,
    pub(crate) kinds: Vec<Sslv2CipherKind>,
}

impl Sslv2Scan {
    /// True if a hello should go out now.
    pub(crate) fn wants_hello(&mut self) -> bool {
        if self.done || self.waiting {
            return false;
        }
        self.waiting = true;
        true
    }

    pub(crate) fn on_outcome(&mut self, outcome: &HelloOutcome) {
        self.waiting = false;
        match outcome {
            HelloOutcome::Reset | HelloOutcome::Timeout | HelloOutcome::Garbage(_) if !self.retried => {
                self.retried = true;
                return;
            }
            HelloOutcome::Reset | HelloOutcome::Timeout | HelloOutcome::Garbage(_) => self.supported = None,
            HelloOutcome::Answered(a) => match &a.sslv2 {
                Some(Sslv2Message::ServerHello(h)) => {
                    self.kinds = h.cipher_specs.clone();
                    self.supported = Some(!self.kinds.is_empty());
                }
                _ => self.supported = Some(false),
            },
            _ => self.supported = Some(false),
        }
        self.done = true;
    }
}
