//! The scan driver: runs mxray-core's [`ScanPlanner`] against one endpoint, one TCP
//! connection per planned hello, with the STARTTLS dialogue first where the service
//! needs one.
//!
//! The planner decides every hello; this loop only opens connections (at most
//! [`ScanOptions::per_host`] at a time, spaced by [`ScanOptions::delay`]), runs the
//! dialogue, sends the bytes, and hands the answer back. Throttling is not mistaken for an
//! answer: a 421 (or IMAP `BYE`) before STARTTLS, a refused or timed-out connection, a
//! reset or a timeout waiting for the ServerHello is retried after an exponential back-off
//! before the planner hears about it, and what the planner finally hears is "unknown"
//! (`Reset`/`Timeout`), never "not supported". Every connection is counted.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use mxray_core::probe::{
    HelloOutcome, HelloTag, PlannedHello, Planner, ScanConfig, ScanPlanner, TlsFindings,
};
use mxray_core::report::ScanCost;
use mxray_core::starttls::{self, Dialogue, Outcome, StartTlsClient};
use rand_core::OsRng;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::starttls::run_starttls;
use crate::transport::{Connection, NetError, Timeouts};

/// How to scan one endpoint.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    /// Timeouts of every connection.
    pub timeouts: Timeouts,
    /// Connections open at the same time.
    pub per_host: usize,
    /// Pause between starting two connections.
    pub delay: Duration,
    /// Retries of one hello after a 421, a refused connection or a timeout.
    pub retries: u32,
    /// Retries of one hello after a reset (servers also reset hellos they dislike, so a
    /// reset is retried fewer times than a 421).
    pub reset_retries: u32,
    /// The first back-off; it doubles with each retry.
    pub backoff: Duration,
    /// The STARTTLS dialogue to run before each hello, if any.
    pub starttls: Option<starttls::Config>,
    /// What the planner should test.
    pub planner: ScanConfig,
    /// The local address to connect from (`None`: the system's choice).
    pub source: Option<IpAddr>,
}

impl ScanOptions {
    /// Defaults for a service: two connections at a time on port 25 (MX hosts count
    /// connections per client and throttle), four elsewhere.
    pub fn new(port: u16, starttls: Option<starttls::Config>, planner: ScanConfig) -> Self {
        Self {
            timeouts: Timeouts::default(),
            per_host: if port == 25 { 2 } else { 4 },
            delay: Duration::ZERO,
            retries: 3,
            reset_retries: 1,
            backoff: Duration::from_millis(500),
            starttls,
            planner,
            source: None,
        }
    }
}

/// What the scan of one endpoint found and cost.
#[derive(Clone, Debug)]
pub struct EndpointScan {
    /// The plaintext dialogue of the first connection that completed one.
    pub dialogue: Option<Dialogue>,
    /// What the planner found.
    pub findings: TlsFindings,
    /// Connections, hellos, retries, time.
    pub cost: ScanCost,
    /// Problems that stopped or limited the scan, as sentences.
    pub errors: Vec<String>,
}

/// What one probe task reports back.
struct ProbeResult {
    tag: HelloTag,
    outcome: HelloOutcome,
    connections: u32,
    retries: u32,
    dialogue: Option<Dialogue>,
    /// The dialogue ended in a way no retry fixes (STARTTLS not offered, refused, …).
    fatal: Option<String>,
}

/// How one attempt ended.
enum Attempt {
    Done(HelloOutcome),
    /// Worth another try: throttling, a refused connection, a timeout, a reset.
    Retry {
        outcome: HelloOutcome,
        reset: bool,
    },
    Fatal(String),
}

fn outcome_of(error: &NetError) -> Attempt {
    match error {
        NetError::Idle { .. } | NetError::Deadline { .. } | NetError::ConnectTimeout { .. } => {
            Attempt::Retry { outcome: HelloOutcome::Timeout, reset: false }
        }
        NetError::Connect { .. } => Attempt::Retry { outcome: HelloOutcome::Closed, reset: false },
        NetError::Io { .. } => Attempt::Retry { outcome: HelloOutcome::Reset, reset: true },
        NetError::Protocol { source, .. } => Attempt::Done(HelloOutcome::Garbage(source.clone())),
    }
}

/// Keeps the first dialogue that reached TLS, else the first dialogue seen: the report
/// shows what a client that got through saw, or why none did.
fn keep_better(slot: &mut Option<Dialogue>, new: Dialogue) {
    let ready = |d: &Dialogue| d.outcome == Some(Outcome::ReadyForTls);
    if slot.as_ref().is_none_or(|old| !ready(old) && ready(&new)) {
        *slot = Some(new);
    }
}

/// One connection: dialogue, hello, answer.
async fn attempt(
    addr: SocketAddr,
    options: &ScanOptions,
    hello: &PlannedHello,
    dialogue: &mut Option<Dialogue>,
) -> Attempt {
    let mut conn = match Connection::connect_from(addr, options.source, options.timeouts).await {
        Ok(conn) => conn,
        Err(e) => return outcome_of(&e),
    };
    let mut early = Vec::new();
    if let Some(config) = &options.starttls {
        let deadline = Instant::now() + options.timeouts.exchange;
        match run_starttls(&mut conn, StartTlsClient::new(config.clone()), deadline).await {
            Err(e) => {
                keep_better(dialogue, *e.dialogue);
                return outcome_of(&e.source);
            }
            Ok(done) => {
                let outcome = done.dialogue.outcome.clone();
                keep_better(dialogue, done.dialogue);
                match outcome {
                    Some(Outcome::ReadyForTls) => early = done.surplus,
                    Some(Outcome::ServiceUnavailable { .. } | Outcome::Closed) | None => {
                        return Attempt::Retry { outcome: HelloOutcome::Closed, reset: false };
                    }
                    Some(other) => return Attempt::Fatal(other.to_string()),
                }
            }
        }
    }
    match conn.exchange(&hello.bytes, &early, hello.flight_reader()).await {
        Ok(flight) => Attempt::Done(HelloOutcome::from_flight(flight)),
        Err(e) => outcome_of(&e),
    }
}

/// Sends one planned hello, retrying throttled or failed connections with back-off.
async fn probe(addr: SocketAddr, options: Arc<ScanOptions>, hello: PlannedHello) -> ProbeResult {
    let mut result = ProbeResult {
        tag: hello.tag,
        outcome: HelloOutcome::Closed,
        connections: 0,
        retries: 0,
        dialogue: None,
        fatal: None,
    };
    let mut backoff = options.backoff;
    let mut resets = 0;
    loop {
        result.connections += 1;
        match attempt(addr, &options, &hello, &mut result.dialogue).await {
            Attempt::Done(outcome) => {
                result.outcome = outcome;
                return result;
            }
            Attempt::Fatal(reason) => {
                result.fatal = Some(reason);
                return result;
            }
            Attempt::Retry { outcome, reset } => {
                resets += u32::from(reset);
                result.outcome = outcome;
                let allowed = result.retries < options.retries && (!reset || resets <= options.reset_retries);
                if !allowed {
                    return result;
                }
                result.retries += 1;
                tokio::time::sleep(backoff).await;
                backoff = backoff.saturating_mul(2);
            }
        }
    }
}

/// Scans `addr` with the planner until it is done.
pub async fn scan_endpoint(addr: SocketAddr, options: ScanOptions) -> EndpointScan {
    let started = Instant::now();
    let options = Arc::new(options);
    let mut planner = ScanPlanner::new(options.planner.clone());
    let mut tasks = JoinSet::new();
    let mut cost = ScanCost::default();
    let mut dialogue: Option<Dialogue> = None;
    let mut errors = Vec::new();
    let mut stopped = false;
    let mut rng = OsRng;
    loop {
        while !stopped && tasks.len() < options.per_host.max(1) {
            let Some(hello) = planner.next_hello(&mut rng) else { break };
            cost.handshakes += 1;
            if !options.delay.is_zero() && cost.handshakes > 1 {
                tokio::time::sleep(options.delay).await;
            }
            tasks.spawn(probe(addr, Arc::clone(&options), hello));
        }
        let Some(joined) = tasks.join_next().await else { break };
        let result = match joined {
            Ok(result) => result,
            Err(e) => {
                errors.push(format!("a probe task failed: {e}"));
                stopped = true;
                continue;
            }
        };
        cost.connections += result.connections;
        cost.retries += result.retries;
        if let Some(d) = result.dialogue {
            keep_better(&mut dialogue, d);
        }
        if let Some(reason) = result.fatal {
            if !stopped {
                errors.push(format!("{reason}; the TLS scan stopped"));
            }
            stopped = true;
            continue;
        }
        planner.on_outcome(result.tag, result.outcome);
        if !stopped && planner.is_done() && tasks.is_empty() {
            break;
        }
    }
    cost.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    EndpointScan { dialogue, findings: planner.findings(), cost, errors }
}
