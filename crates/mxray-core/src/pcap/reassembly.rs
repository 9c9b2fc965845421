//! Per-direction TCP stream reassembly with bounded memory.
//!
//! Segments in order are handed on at once, borrowed from the capture (nothing is copied);
//! segments from the future wait in a per-stream map keyed by stream offset (64-bit, so
//! sequence-number wrap-around is handled once, in [`Stream::segment`]); retransmitted and
//! overlapping bytes already delivered are dropped (first copy wins, as in most stacks).
//! A stream that starts without a SYN (a capture begun mid-connection) starts at its first
//! segment. The bytes waiting are capped per stream ([`MAX_PENDING_PER_STREAM`]) and over all
//! streams (a [`Budget`]); when a cap would be exceeded the missing bytes are declared lost
//! ([`Event::Gap`]) and what waits is delivered, so memory never grows with the capture.
//! Once the consumer has what it needs it calls [`Stream::ignore`] and later segments cost
//! only their header decoding.

use std::collections::BTreeMap;

/// The most out-of-order bytes one direction of a connection may hold.
pub const MAX_PENDING_PER_STREAM: usize = 1 << 20;
/// The most out-of-order bytes held over all connections.
pub const MAX_PENDING_TOTAL: usize = 64 << 20;

/// What a stream hands to its consumer, in stream order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event<'a> {
    /// The next bytes of the stream.
    Data(&'a [u8]),
    /// This many bytes of the stream were never captured (or given up on).
    Gap(u64),
}

/// The memory shared by all streams for out-of-order segments.
#[derive(Debug)]
pub(crate) struct Budget {
    used: usize,
    max: usize,
}

impl Budget {
    pub(crate) fn new(max: usize) -> Self {
        Self { used: 0, max }
    }
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    /// The sequence number of the next byte to deliver, once known.
    next: Option<u32>,
    /// The stream offset of the next byte to deliver.
    delivered: u64,
    /// Segments from the future, by stream offset.
    pending: BTreeMap<u64, Vec<u8>>,
    pending_bytes: usize,
    ignored: bool,
    /// Segments that brought only bytes already delivered (or partly so).
    pub retransmitted: u64,
    /// Segments that arrived before a segment they follow.
    pub out_of_order: u64,
    /// Holes declared lost.
    pub gaps: u64,
}

impl Stream {
    /// Stops reassembling: later segments are dropped and buffered ones freed.
    pub(crate) fn ignore(&mut self, budget: &mut Budget) {
        self.ignored = true;
        self.release(budget);
    }

    pub(crate) fn is_ignored(&self) -> bool {
        self.ignored
    }

    /// Gives the buffered bytes back to the budget.
    pub(crate) fn release(&mut self, budget: &mut Budget) {
        budget.used -= self.pending_bytes.min(budget.used);
        self.pending_bytes = 0;
        self.pending.clear();
    }

    /// Takes one segment; `missing` is how many payload bytes the capture cut off.
    pub(crate) fn segment(
        &mut self,
        mut seq: u32,
        syn: bool,
        payload: &[u8],
        missing: usize,
        budget: &mut Budget,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        if self.ignored {
            return;
        }
        if syn {
            seq = seq.wrapping_add(1);
            if self.next.is_none() {
                self.next = Some(seq);
            }
        }
        if payload.is_empty() && missing == 0 {
            return;
        }
        loop {
            let next = *self.next.get_or_insert(seq);
            let rel = i64::from(seq.wrapping_sub(next) as i32);
            if rel <= 0 {
                self.in_order(rel.unsigned_abs() as usize, payload, missing, out);
                return;
            }
            let offset = self.delivered + rel.unsigned_abs();
            if self.pending.get(&offset).is_some_and(|p| p.len() >= payload.len()) {
                self.retransmitted += 1;
                return;
            }
            if self.pending_bytes + payload.len() <= MAX_PENDING_PER_STREAM
                && budget.used + payload.len() <= budget.max
            {
                self.out_of_order += 1;
                let old = self.pending.insert(offset, payload.to_vec()).map_or(0, |p| p.len());
                self.pending_bytes = self.pending_bytes + payload.len() - old;
                budget.used = (budget.used + payload.len()).saturating_sub(old);
                return;
            }
            if self.pending.is_empty() {
                // Too far ahead to wait for, and nothing waits: skip to it.
                self.lose(rel.unsigned_abs(), out);
                self.in_order(0, payload, missing, out);
                return;
            }
            // The wait is over: deliver what waits, then look at this segment again.
            self.give_up_waiting(budget, out);
        }
    }

    /// A segment at or before the next expected byte (`skip` bytes already delivered).
    fn in_order(&mut self, skip: usize, payload: &[u8], missing: usize, out: &mut dyn FnMut(Event<'_>)) {
        if skip > 0 {
            self.retransmitted += 1;
        }
        if let Some(fresh) = payload.get(skip..).filter(|f| !f.is_empty()) {
            self.deliver(fresh, out);
            if missing > 0 {
                self.lose(missing as u64, out);
            }
        } else if missing > 0 && skip < payload.len() + missing {
            self.lose((payload.len() + missing - skip) as u64, out);
        }
        self.drain(out);
    }

    /// At the end of the capture: delivers what waits, declaring the holes lost.
    pub(crate) fn flush(&mut self, budget: &mut Budget, out: &mut dyn FnMut(Event<'_>)) {
        while !self.pending.is_empty() && !self.ignored {
            self.give_up_waiting(budget, out);
        }
        self.release(budget);
    }

    /// Declares the hole before the first waiting segment lost and delivers from there.
    fn give_up_waiting(&mut self, budget: &mut Budget, out: &mut dyn FnMut(Event<'_>)) {
        let Some((&first, _)) = self.pending.first_key_value() else {
            // Nothing waits: the new segment alone is too far ahead; skip to it.
            return;
        };
        if first > self.delivered {
            self.lose(first - self.delivered, out);
        }
        let before = self.pending_bytes;
        self.drain(out);
        budget.used -= (before - self.pending_bytes).min(budget.used);
    }

    /// Delivers waiting segments that are now in order.
    fn drain(&mut self, out: &mut dyn FnMut(Event<'_>)) {
        while let Some(entry) = self.pending.first_entry() {
            let offset = *entry.key();
            if offset > self.delivered {
                break;
            }
            let bytes = entry.remove();
            self.pending_bytes -= bytes.len();
            let skip = usize::try_from(self.delivered - offset).unwrap_or(usize::MAX);
            if let Some(fresh) = bytes.get(skip..).filter(|f| !f.is_empty()) {
                self.deliver(fresh, out);
            }
        }
    }

    fn deliver(&mut self, bytes: &[u8], out: &mut dyn FnMut(Event<'_>)) {
        self.advance(bytes.len() as u64);
        out(Event::Data(bytes));
    }

    fn lose(&mut self, len: u64, out: &mut dyn FnMut(Event<'_>)) {
        self.gaps += 1;
        self.advance(len);
        out(Event::Gap(len));
    }

    fn advance(&mut self, len: u64) {
        self.delivered += len;
        // Sequence numbers are modulo 2^32: truncation is the arithmetic.
        self.next = self.next.map(|n| n.wrapping_add(len as u32));
    }
}
