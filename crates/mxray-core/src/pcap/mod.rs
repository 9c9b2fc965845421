//! Offline analysis of packet captures of mail traffic: which connections spoke SMTP, IMAP,
//! POP3 or ManageSieve, whether STARTTLS was offered, used or stripped, and every TLS
//! handshake (implicit or after STARTTLS) with its versions, suites, SNI, ALPN, certificate
//! chain and JA3/JA3S/JA4 fingerprints. `mxray pcap FILE` and the page call [`analyse`].
//!
//! The pipeline, one module per stage:
//!
//! - `container`: pcap and pcapng (both byte orders, micro/nanosecond timestamps) on
//!   [pcap-parser](https://docs.rs/pcap-parser), fed in chunks with bounded buffering.
//! - `decode`: link layer (Ethernet with VLAN tags, Linux SLL/SLL2, raw IP, BSD
//!   loopback), IPv4/IPv6 and TCP headers, borrowing the payload.
//! - `reassembly`: per-direction TCP reassembly: out of order, retransmits, overlaps,
//!   mid-stream starts, bounded memory per stream and in total.
//! - `session`: protocol recognition, the plaintext dialogue through the core's STARTTLS
//!   [`Observer`](crate::starttls::Observer), TLS records and the handshake messages
//!   through [`crate::wire`].
//! - [`fingerprint`]: JA3, JA3S and JA4 (not JA4S or the rest of JA4+, whose licence
//!   carries patent claims).
//! - [`report`]: the serde model ([`PcapReport`]).
//!
//! # Limits
//!
//! Memory is bounded whatever the capture: one container unit at most is copied
//! ([`MAX_PACKET_LEN`], [`MAX_BLOCK_LEN`]), [`MAX_FLOWS`] connections are tracked (later
//! ones are counted in [`CaptureStats::flows_not_tracked`]), out-of-order bytes are capped
//! per stream and in total (`reassembly`), and what sessions buffer or record is capped by
//! [`MAX_SESSION_MEMORY`] (a connection over the cap is abandoned with a note). Time is
//! linear in the input: a connection whose handshake is decoded costs only its headers
//! afterwards, application data is skipped without being copied.

mod container;
mod decode;
pub mod fingerprint;
mod reassembly;
pub mod report;
mod session;

use std::collections::HashMap;
use std::net::IpAddr;

use thiserror::Error;

pub use container::{MAX_BLOCK_LEN, MAX_PACKET_LEN};
pub use decode::{MAX_VLAN_TAGS, SUPPORTED_LINK_TYPES, link_type_name};
pub use reassembly::{MAX_PENDING_PER_STREAM, MAX_PENDING_TOTAL};
pub use report::{
    AppProtocol, CaptureStats, CertSummary, ClientSide, Endpoint, Flow, Handshake, LinkType, PcapReport,
    ServerSide, StartTls, StartTlsStatus, Suite,
};
pub use session::{MAX_HANDSHAKE_MESSAGE, MAX_PLAINTEXT_BUFFER};

use self::container::{Container, Format, RawPacket};
use self::decode::{Segment, flags};
use self::reassembly::{Budget, Event, Stream};
use self::session::Session;
use crate::registry::cipher_suite::CipherCode;
use crate::registry::{CipherSuite, ProtocolVersion, is_grease_u16};
use crate::wire::client_hello::ClientHello;
use crate::wire::server_hello::ServerHello;

/// The most connections tracked in one capture.
pub const MAX_FLOWS: usize = 100_000;
/// The most bytes all sessions may buffer or record (plaintext dialogues, partial
/// handshake messages).
pub const MAX_SESSION_MEMORY: usize = 256 << 20;
/// How many input bytes [`analyse`] reads between two progress reports.
pub const PROGRESS_STEP: usize = 8 << 20;

/// Why a capture cannot be read at all. Damage after a readable start is not an error: the
/// report says where reading stopped ([`PcapReport::warnings`]).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PcapError {
    /// The input is empty.
    #[error("the file is empty: a capture starts with a pcap or pcapng header")]
    Empty,
    /// The input starts with neither a pcap nor a pcapng magic number.
    #[error(
        "not a pcap or pcapng capture: it starts with {start}, where a pcap file starts with \
         d4 c3 b2 a1 (or a1 b2 c3 d4, 4d 3c b2 a1, a1 b2 3c 4d) and a pcapng file with 0a 0d 0d 0a"
    )]
    NotACapture {
        /// The first bytes, in hex.
        start: String,
    },
    /// The file ends inside its header.
    #[error("the capture is truncated: its header needs {need} bytes, the file has {have}")]
    TruncatedHeader {
        /// Bytes present.
        have: usize,
        /// Bytes the header needs.
        need: usize,
    },
    /// A pcap file of a link type this analysis does not decode.
    #[error("unsupported link type {linktype}{}; supported: {}", link_type_hint(*linktype), supported_list())]
    UnsupportedLinkType {
        /// The LINKTYPE_ number.
        linktype: i32,
    },
}

fn link_type_hint(linktype: i32) -> String {
    match linktype {
        105 => " (IEEE 802.11)".into(),
        127 => " (802.11 radiotap)".into(),
        _ => String::new(),
    }
}

fn supported_list() -> String {
    SUPPORTED_LINK_TYPES.iter().map(|(code, name)| format!("{name} ({code})")).collect::<Vec<_>>().join(", ")
}

/// Analyses a whole capture held in memory; `progress(done, total)` is called every
/// [`PROGRESS_STEP`] bytes and at the end.
pub fn analyse(bytes: &[u8], progress: &mut dyn FnMut(u64, u64)) -> Result<PcapReport, PcapError> {
    let total = bytes.len() as u64;
    let mut analyser = Analyser::new();
    let mut done = 0u64;
    for chunk in bytes.chunks(PROGRESS_STEP) {
        analyser.push(chunk)?;
        done += chunk.len() as u64;
        progress(done, total);
    }
    if bytes.is_empty() {
        progress(0, 0);
    }
    analyser.finish()
}

/// The endpoints of a connection, in a fixed order (lower endpoint first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FlowKey {
    low: (IpAddr, u16),
    high: (IpAddr, u16),
}

impl FlowKey {
    fn of(segment: &Segment<'_>) -> Self {
        let a = (segment.src, segment.sport);
        let b = (segment.dst, segment.dport);
        if a <= b { Self { low: a, high: b } } else { Self { low: b, high: a } }
    }
}

/// One tracked connection.
#[derive(Debug)]
struct FlowState {
    client: Endpoint,
    server: Endpoint,
    syn_seen: bool,
    closed: bool,
    start: Option<f64>,
    packets: u64,
    client_bytes: u64,
    server_bytes: u64,
    to_server: Stream,
    to_client: Stream,
    session: Session,
}

/// A capture analysis fed in chunks, for callers that stream a file ([`analyse`] wraps it).
#[derive(Debug)]
pub struct Analyser {
    container: Container,
    flows: Vec<FlowState>,
    index: HashMap<FlowKey, usize>,
    /// The flow of the previous packet, to skip the hash lookup in a burst.
    last: Option<(FlowKey, usize)>,
    budget: Budget,
    session_memory: usize,
    stats: CaptureStats,
    link_types: Vec<i32>,
    warnings: Vec<String>,
}

impl Default for Analyser {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyser {
    /// An analyser that has read nothing.
    pub fn new() -> Self {
        Self {
            container: Container::new(),
            flows: Vec::new(),
            index: HashMap::new(),
            last: None,
            budget: Budget::new(MAX_PENDING_TOTAL),
            session_memory: 0,
            stats: CaptureStats::default(),
            link_types: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Reads the next bytes of the file. Fails only when the start of the input shows it
    /// is no capture this analysis reads.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), PcapError> {
        self.stats.bytes += chunk.len() as u64;
        let mut container = std::mem::replace(&mut self.container, Container::new());
        let mut link_types = std::mem::take(&mut self.link_types);
        let result = container.push(chunk, &mut |packet| self.packet(packet), &mut |linktype| {
            if !link_types.contains(&linktype) && link_types.len() < 64 {
                link_types.push(linktype);
            }
        });
        self.container = container;
        self.link_types = link_types;
        result
    }

    /// Ends the input and builds the report.
    pub fn finish(mut self) -> Result<PcapReport, PcapError> {
        if let Some(warning) = self.container.finish()? {
            self.warnings.push(warning);
        }
        if let Some(damage) = self.container.damage.take() {
            self.warnings.push(damage);
        }
        match self.container.format() {
            Some(Format::Pcap { big_endian, nanos, .. }) => {
                self.stats.format = "pcap".into();
                self.stats.byte_order = byte_order(big_endian);
                self.stats.timestamps = if nanos { "nanosecond" } else { "microsecond" }.into();
            }
            Some(Format::PcapNg { big_endian }) => {
                self.stats.format = "pcapng".into();
                self.stats.byte_order = byte_order(big_endian);
                self.stats.timestamps = "per interface".into();
            }
            None => {}
        }
        self.stats.link_types = self
            .link_types
            .iter()
            .map(|&code| LinkType { code, name: link_type_name(code).unwrap_or("unsupported").into() })
            .collect();
        if self.stats.flows_not_tracked > 0 {
            self.warnings.push(format!(
                "more than {MAX_FLOWS} connections: {} later ones were not analysed",
                self.stats.flows_not_tracked
            ));
        }
        let mut flows = Vec::with_capacity(self.flows.len());
        let mut handshakes = Vec::new();
        for (id, mut f) in std::mem::take(&mut self.flows).into_iter().enumerate() {
            let session = &mut f.session;
            f.to_server.flush(&mut self.budget, &mut |event| deliver(session, true, event));
            f.to_client.flush(&mut self.budget, &mut |event| deliver(session, false, event));
            let (starttls, dialogue) = f.session.finish();
            let handshake = f.session.tls.take().map(|tls| {
                handshakes.push(handshake_row(id, &f, starttls.is_some(), tls));
                handshakes.len() - 1
            });
            flows.push(Flow {
                id,
                client: f.client,
                server: f.server,
                syn_seen: f.syn_seen,
                start: f.start,
                packets: f.packets,
                client_bytes: f.client_bytes,
                server_bytes: f.server_bytes,
                protocol: f.session.protocol,
                implicit_tls: f.session.implicit_tls,
                starttls,
                dialogue,
                handshake,
                retransmitted_segments: f.to_server.retransmitted + f.to_client.retransmitted,
                out_of_order_segments: f.to_server.out_of_order + f.to_client.out_of_order,
                gaps: f.to_server.gaps + f.to_client.gaps,
                notes: std::mem::take(&mut f.session.notes),
            });
        }
        Ok(PcapReport {
            schema: report::SCHEMA_VERSION,
            capture: self.stats,
            flows,
            handshakes,
            warnings: self.warnings,
        })
    }

    fn packet(&mut self, packet: RawPacket<'_>) {
        self.stats.packets += 1;
        let ts = packet.ts_ns.map(|ns| ns as f64 / 1e9);
        if let Some(ts) = ts {
            if self.stats.first_packet.is_none() {
                self.stats.first_packet = Some(ts);
            }
            self.stats.last_packet = Some(ts);
        }
        if (packet.orig_len as usize) > packet.data.len() {
            self.stats.truncated_packets += 1;
        }
        let segment = match decode::decode(packet.linktype, packet.data) {
            Ok(segment) => segment,
            Err(skip) => {
                *self.stats.skipped.entry(skip.reason().to_owned()).or_default() += 1;
                return;
            }
        };
        self.stats.tcp_packets += 1;
        let key = FlowKey::of(&segment);
        let syn_only = segment.flags & (flags::SYN | flags::ACK) == flags::SYN;
        let index = match self.last {
            Some((k, i)) if k == key => Some(i),
            _ => self.index.get(&key).copied(),
        };
        // A new SYN on a finished connection's endpoints starts a new connection.
        let index = index.filter(|&i| !(syn_only && self.flows[i].closed));
        let index = match index {
            Some(i) => i,
            None => {
                if self.flows.len() >= MAX_FLOWS {
                    self.stats.flows_not_tracked += u64::from(syn_only || !self.index.contains_key(&key));
                    return;
                }
                let i = self.flows.len();
                self.flows.push(new_flow(&segment, ts));
                self.index.insert(key, i);
                i
            }
        };
        self.last = Some((key, index));
        let flow = &mut self.flows[index];
        flow.packets += 1;
        let from_client = segment.src == flow.client.ip && segment.sport == flow.client.port;
        if segment.flags & flags::SYN != 0 {
            flow.syn_seen = true;
        }
        if segment.flags & (flags::FIN | flags::RST) != 0 {
            flow.closed = true;
        }
        if from_client {
            flow.client_bytes += segment.payload.len() as u64;
        } else {
            flow.server_bytes += segment.payload.len() as u64;
        }
        let stream = if from_client { &mut flow.to_server } else { &mut flow.to_client };
        if stream.is_ignored() {
            return;
        }
        let before = flow.session.memory();
        let session = &mut flow.session;
        stream.segment(
            segment.seq,
            segment.flags & flags::SYN != 0,
            segment.payload,
            segment.missing,
            &mut self.budget,
            &mut |event| deliver(session, from_client, event),
        );
        let after = flow.session.memory();
        self.session_memory = (self.session_memory + after).saturating_sub(before);
        if self.session_memory > MAX_SESSION_MEMORY {
            flow.session.abandon(format!(
                "the analysis of all connections together holds more than {} MiB; this one was abandoned",
                MAX_SESSION_MEMORY >> 20
            ));
            self.session_memory = self.session_memory.saturating_sub(after);
        }
        if !flow.session.wants(true) {
            flow.to_server.ignore(&mut self.budget);
        }
        if !flow.session.wants(false) {
            flow.to_client.ignore(&mut self.budget);
        }
    }
}

fn byte_order(big_endian: bool) -> String {
    if big_endian { "big" } else { "little" }.into()
}

fn deliver(session: &mut Session, from_client: bool, event: Event<'_>) {
    match event {
        Event::Data(bytes) => session.on_data(from_client, bytes),
        Event::Gap(len) => session.on_gap(from_client, len),
    }
}

/// Well-known ports of the servers this analysis cares about, to tell the server from the
/// client when the capture missed the SYN.
const SERVER_PORTS: &[u16] = &[25, 110, 143, 443, 465, 587, 993, 995, 2525, 4190];

fn new_flow(segment: &Segment<'_>, start: Option<f64>) -> FlowState {
    let src = Endpoint { ip: segment.src, port: segment.sport };
    let dst = Endpoint { ip: segment.dst, port: segment.dport };
    let syn = segment.flags & flags::SYN != 0;
    let ack = segment.flags & flags::ACK != 0;
    let src_is_client = if syn {
        !ack
    } else if SERVER_PORTS.contains(&segment.dport) != SERVER_PORTS.contains(&segment.sport) {
        SERVER_PORTS.contains(&segment.dport)
    } else {
        segment.sport > segment.dport
    };
    let (client, server) = if src_is_client { (src, dst) } else { (dst, src) };
    FlowState {
        client,
        server,
        syn_seen: false,
        closed: false,
        start,
        packets: 0,
        client_bytes: 0,
        server_bytes: 0,
        to_server: Stream::default(),
        to_client: Stream::default(),
        session: Session::new(),
    }
}

fn version_name(version: ProtocolVersion) -> String {
    match version.name() {
        Some(name) => name.to_owned(),
        None => format!("0x{:04x}", version.0),
    }
}

fn suite(code: CipherSuite) -> Suite {
    Suite {
        code: format!("0x{:04X}", code.0),
        name: code.name().map(str::to_owned),
        strength: crate::report::strength(CipherCode::Tls(code)),
    }
}

fn client_side(hello: &ClientHello) -> ClientSide {
    let offered_versions = match hello.supported_versions() {
        Some(Ok(versions)) => {
            versions.iter().filter(|v| !is_grease_u16(v.0)).map(|&v| version_name(v)).collect()
        }
        _ => vec![version_name(hello.legacy_version)],
    };
    let offered_groups = match hello.supported_groups() {
        Some(Ok(groups)) => groups
            .iter()
            .filter(|g| !is_grease_u16(g.0))
            .map(|g| g.name().map_or_else(|| format!("0x{:04x}", g.0), str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let alpn = match hello.alpn_protocols() {
        Some(Ok(list)) => list.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect(),
        _ => Vec::new(),
    };
    ClientSide {
        legacy_version: version_name(hello.legacy_version),
        offered_versions,
        offered_suites: hello.cipher_suites.len(),
        offered_groups,
        sni: hello.host_name(),
        alpn,
        ja3: fingerprint::ja3(hello),
        ja4: fingerprint::ja4(hello),
    }
}

fn server_side(hello: &ServerHello, hello_retry_request: bool) -> ServerSide {
    let version = match hello.supported_version() {
        Some(Ok(v)) => v,
        _ => hello.legacy_version,
    };
    ServerSide {
        version: version_name(version),
        suite: suite(hello.cipher_suite),
        alpn: match hello.alpn() {
            Some(Ok(p)) => Some(String::from_utf8_lossy(&p).into_owned()),
            _ => None,
        },
        hello_retry_request,
        ja3s: fingerprint::ja3s(hello),
    }
}

fn handshake_row(flow: usize, f: &FlowState, after_starttls: bool, tls: session::TlsFacts) -> Handshake {
    let mut errors = tls.errors;
    let certificates = if tls.certificates.is_empty() {
        Vec::new()
    } else {
        match crate::x509::parse_chain_der(&tls.certificates) {
            Ok(chain) => chain
                .into_iter()
                .map(|c| CertSummary {
                    subject: c.subject,
                    issuer: c.issuer,
                    not_before: c.not_before,
                    not_after: c.not_after,
                    dns_names: c.dns_names,
                    key: match &c.key.curve {
                        Some(curve) => format!("{:?} {curve}", c.key.kind).to_uppercase(),
                        None => format!("{:?} {}", c.key.kind, c.key.bits).to_uppercase(),
                    },
                    signature_algorithm: c.signature_algorithm,
                })
                .collect(),
            Err(e) => {
                errors.push(format!("certificate chain: {e}"));
                Vec::new()
            }
        }
    };
    Handshake {
        flow,
        client_endpoint: f.client,
        server_endpoint: f.server,
        after_starttls,
        client: tls.client_hello.as_ref().map(client_side),
        server: tls.server_hello.as_ref().map(|h| server_side(h, tls.hello_retry)),
        certificates,
        alert: tls.alert,
        errors,
    }
}

#[cfg(test)]
mod tests;
