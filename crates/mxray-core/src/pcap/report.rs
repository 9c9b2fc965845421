//! The pcap analysis report (`mxray pcap --json`, the page's pcap view), described field by
//! field in `docs/pcap.md`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use super::fingerprint::Ja3;
use crate::report::Strength;
use crate::starttls::Dialogue;

/// The version of this report's shape, bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything found in one capture.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PcapReport {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The container and packet counts.
    pub capture: CaptureStats,
    /// Every TCP connection seen, in the order of its first packet.
    pub flows: Vec<Flow>,
    /// Every TLS handshake seen (one per connection at most), in flow order.
    pub handshakes: Vec<Handshake>,
    /// Things a reader should know about the capture as a whole (a truncated last packet,
    /// damage, flows over the cap).
    pub warnings: Vec<String>,
}

/// The capture's container and what was read from it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CaptureStats {
    /// `pcap` or `pcapng`.
    pub format: String,
    /// `little` or `big` (the last section's, for pcapng).
    pub byte_order: String,
    /// `microsecond`, `nanosecond` (pcap), or `per interface` (pcapng).
    pub timestamps: String,
    /// The link types of the capture's interfaces.
    pub link_types: Vec<LinkType>,
    /// Bytes of the file.
    pub bytes: u64,
    /// Packet records.
    pub packets: u64,
    /// Packets that carried a TCP segment.
    pub tcp_packets: u64,
    /// Packets without a usable TCP segment, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Packets whose capture is shorter than the packet (snap length).
    pub truncated_packets: u64,
    /// First and last packet time, Unix seconds.
    pub first_packet: Option<f64>,
    /// See `first_packet`.
    pub last_packet: Option<f64>,
    /// Connections not tracked because the flow table was full.
    pub flows_not_tracked: u64,
}

/// A link type: its number and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkType {
    /// The LINKTYPE_ number.
    pub code: i32,
    /// Its name, or `unsupported`.
    pub name: String,
}

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Endpoint {
    /// The address.
    pub ip: IpAddr,
    /// The TCP port.
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ip {
            IpAddr::V4(ip) => write!(f, "{ip}:{}", self.port),
            IpAddr::V6(ip) => write!(f, "[{ip}]:{}", self.port),
        }
    }
}

/// The application protocol of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AppProtocol {
    /// SMTP (or submission).
    Smtp,
    /// IMAP.
    Imap,
    /// POP3.
    Pop3,
    /// ManageSieve.
    Sieve,
    /// TLS from the first byte (SMTPS, IMAPS, POP3S, HTTPS, …).
    Tls,
    /// Not recognised (or no payload seen).
    Unknown,
}

impl std::fmt::Display for AppProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Smtp => "SMTP",
            Self::Imap => "IMAP",
            Self::Pop3 => "POP3",
            Self::Sieve => "ManageSieve",
            Self::Tls => "TLS",
            Self::Unknown => "unknown",
        })
    }
}

/// What happened to STARTTLS on a plaintext mail connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StartTlsStatus {
    /// Offered, requested, accepted, and TLS followed.
    Used,
    /// Offered and requested, but the server refused it.
    Refused,
    /// Offered, but the client went on in plaintext (or left) without asking for it.
    OfferedNotUsed,
    /// The server's capability list lacks STARTTLS: the session stayed in plaintext.
    NotOffered,
    /// The dialogue was cut short or unreadable before the question was settled.
    Unknown,
}

impl std::fmt::Display for StartTlsStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Used => "used",
            Self::Refused => "refused",
            Self::OfferedNotUsed => "offered, not used",
            Self::NotOffered => "not offered",
            Self::Unknown => "unknown",
        })
    }
}

/// The STARTTLS verdict of a connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StartTls {
    /// The server announced STARTTLS (POP3: STLS).
    pub offered: bool,
    /// The client asked for it and the server accepted.
    pub used: bool,
    /// The verdict.
    pub status: StartTlsStatus,
    /// The session went on in plaintext past the capability exchange (commands such as
    /// MAIL, AUTH, LOGIN or USER crossed in clear): what a STARTTLS-stripping attacker
    /// achieves. Also set when the capability list shows the `XXXXXXXA`-style mangling of
    /// some middleboxes.
    pub stripped: bool,
    /// The first command the client sent in plaintext after the capability exchange.
    pub plaintext_command: Option<String>,
}

/// One TCP connection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flow {
    /// Index in [`PcapReport::flows`].
    pub id: usize,
    /// The connecting side (the SYN's sender; guessed from ports without a SYN).
    pub client: Endpoint,
    /// The listening side.
    pub server: Endpoint,
    /// The capture has the connection's SYN (otherwise it began mid-connection).
    pub syn_seen: bool,
    /// First packet, Unix seconds.
    pub start: Option<f64>,
    /// Packets in both directions.
    pub packets: u64,
    /// TCP payload bytes from the client.
    pub client_bytes: u64,
    /// TCP payload bytes from the server.
    pub server_bytes: u64,
    /// The application protocol.
    pub protocol: AppProtocol,
    /// TLS from the first byte (no plaintext dialogue).
    pub implicit_tls: bool,
    /// The STARTTLS verdict, for a plaintext mail dialogue.
    pub starttls: Option<StartTls>,
    /// The plaintext dialogue as the STARTTLS observer recorded it (banner, capabilities,
    /// exchanges, outcome).
    pub dialogue: Option<Dialogue>,
    /// Index in [`PcapReport::handshakes`] of this connection's TLS handshake.
    pub handshake: Option<usize>,
    /// Segments retransmitted (or overlapping data already seen).
    pub retransmitted_segments: u64,
    /// Segments that arrived ahead of a missing one.
    pub out_of_order_segments: u64,
    /// Holes in the byte streams (data never captured).
    pub gaps: u64,
    /// Things that stopped the analysis of this connection early.
    pub notes: Vec<String>,
}

/// A cipher suite with its registry name and strength.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suite {
    /// The code, `0x1301`.
    pub code: String,
    /// The IANA name, when known.
    pub name: Option<String>,
    /// The at-a-glance marking of the scan report.
    pub strength: Strength,
}

/// One certificate of the server's chain, summarised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// subjectAltName DNS names.
    pub dns_names: Vec<String>,
    /// The public key, e.g. `RSA 2048` or `EC P-256`.
    pub key: String,
    /// The signature algorithm.
    pub signature_algorithm: String,
}

/// What the client offered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientSide {
    /// The hello's legacy version (`TLSv1.2` for every modern client).
    pub legacy_version: String,
    /// supported_versions, in the client's order, without GREASE.
    pub offered_versions: Vec<String>,
    /// Cipher suites offered (GREASE included in the count, as sent).
    pub offered_suites: usize,
    /// Named groups offered.
    pub offered_groups: Vec<String>,
    /// SNI host name.
    pub sni: Option<String>,
    /// ALPN protocols offered.
    pub alpn: Vec<String>,
    /// JA3.
    pub ja3: Ja3,
    /// JA4 (client only; JA4S is left out, see the fingerprint module).
    pub ja4: String,
}

/// What the server chose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerSide {
    /// The negotiated version (supported_versions when present).
    pub version: String,
    /// The chosen suite.
    pub suite: Suite,
    /// The chosen ALPN protocol.
    pub alpn: Option<String>,
    /// The server first answered with a HelloRetryRequest.
    pub hello_retry_request: bool,
    /// JA3S.
    pub ja3s: Ja3,
}

/// One TLS handshake.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Handshake {
    /// Index in [`PcapReport::flows`].
    pub flow: usize,
    /// The client end.
    pub client_endpoint: Endpoint,
    /// The server end.
    pub server_endpoint: Endpoint,
    /// After STARTTLS, or implicit.
    pub after_starttls: bool,
    /// The ClientHello, when seen.
    pub client: Option<ClientSide>,
    /// The ServerHello, when seen.
    pub server: Option<ServerSide>,
    /// The certificate chain sent in clear (TLS 1.2 and older; encrypted in TLS 1.3).
    pub certificates: Vec<CertSummary>,
    /// A TLS alert seen in clear (`fatal handshake_failure`).
    pub alert: Option<String>,
    /// Messages that could not be decoded.
    pub errors: Vec<String>,
}
