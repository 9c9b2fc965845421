//! Link layer, IP and TCP headers, decoded by hand: each is a few fixed offsets, and a
//! general packet-dissection crate (etherparse, pnet) would add a dependency for what is
//! about a hundred lines here, allocation-free, borrowing the payload from the capture.
//!
//! Link types: Ethernet (1) with any number (up to [`MAX_VLAN_TAGS`]) of 802.1Q/802.1ad
//! tags, Linux cooked capture v1 (113) and v2 (276), raw IP (101, 228, 229), BSD loopback
//! `NULL` (0, host byte order) and OpenBSD `LOOP` (108). IPv4 with options, IPv6 with
//! extension headers; fragments are counted and skipped (mail sessions do not fragment in
//! practice, and reassembling IP fragments would need another bounded buffer). Checksums
//! are not verified: captures on the sending host see offloaded, unfinished checksums.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The most VLAN tags peeled off one frame.
pub const MAX_VLAN_TAGS: usize = 4;
/// The most IPv6 extension headers followed.
const MAX_IPV6_EXTENSIONS: usize = 8;

/// The link types the analyser reads, with their names, for messages and the report.
pub const SUPPORTED_LINK_TYPES: &[(i32, &str)] = &[
    (1, "Ethernet"),
    (113, "Linux cooked capture (SLL)"),
    (276, "Linux cooked capture v2 (SLL2)"),
    (101, "raw IP"),
    (228, "raw IPv4"),
    (229, "raw IPv6"),
    (0, "BSD loopback (NULL)"),
    (108, "OpenBSD loopback (LOOP)"),
];

/// Whether the analyser reads this link type.
pub(crate) fn is_supported(linktype: i32) -> bool {
    SUPPORTED_LINK_TYPES.iter().any(|&(code, _)| code == linktype)
}

/// The name of a link type, `None` if unsupported.
pub fn link_type_name(linktype: i32) -> Option<&'static str> {
    SUPPORTED_LINK_TYPES.iter().find(|&&(code, _)| code == linktype).map(|&(_, name)| name)
}

/// TCP flag bits.
pub(crate) mod flags {
    pub(crate) const FIN: u8 = 0x01;
    pub(crate) const SYN: u8 = 0x02;
    pub(crate) const RST: u8 = 0x04;
    pub(crate) const ACK: u8 = 0x10;
}

/// A TCP segment, its payload borrowed from the capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub seq: u32,
    pub flags: u8,
    pub payload: &'a [u8],
    /// Payload bytes the IP header declares but the capture cut off (snap length).
    pub missing: usize,
}

/// Why a packet carries no TCP segment the analyser can use (the report counts each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    UnsupportedLinkType,
    NotIp,
    NotTcp,
    Fragment,
    Truncated,
    BadHeader,
}

impl Skip {
    /// The key under which the report counts it.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::UnsupportedLinkType => "unsupported link type",
            Self::NotIp => "not IP (ARP, LLDP, …)",
            Self::NotTcp => "not TCP (UDP, ICMP, …)",
            Self::Fragment => "IP fragment (not reassembled)",
            Self::Truncated => "truncated headers (snap length too short)",
            Self::BadHeader => "malformed IP or TCP header",
        }
    }
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
const ETHERTYPE_VLAN: [u16; 3] = [0x8100, 0x88A8, 0x9100];

/// Decodes one captured frame down to its TCP segment.
pub(crate) fn decode(linktype: i32, frame: &[u8]) -> Result<Segment<'_>, Skip> {
    match linktype {
        1 => {
            let ethertype = be16(frame, 12)?;
            ethertype_payload(ethertype, frame.get(14..).ok_or(Skip::Truncated)?)
        }
        113 => {
            let ethertype = be16(frame, 14)?;
            ethertype_payload(ethertype, frame.get(16..).ok_or(Skip::Truncated)?)
        }
        276 => {
            let ethertype = be16(frame, 0)?;
            ethertype_payload(ethertype, frame.get(20..).ok_or(Skip::Truncated)?)
        }
        101 => raw_ip(frame),
        228 => ipv4(frame),
        229 => ipv6(frame),
        0 | 108 => {
            let family = frame.get(..4).ok_or(Skip::Truncated)?;
            let le = u32::from_le_bytes([family[0], family[1], family[2], family[3]]);
            let be = u32::from_be_bytes([family[0], family[1], family[2], family[3]]);
            let payload = frame.get(4..).ok_or(Skip::Truncated)?;
            // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24, 28 or 30 (the BSDs).
            if le == 2 || be == 2 {
                ipv4(payload)
            } else if [10, 24, 28, 30].contains(&le) || [10, 24, 28, 30].contains(&be) {
                ipv6(payload)
            } else {
                Err(Skip::NotIp)
            }
        }
        _ => Err(Skip::UnsupportedLinkType),
    }
}

/// The payload of an Ethernet-typed frame, past any VLAN tags.
fn ethertype_payload(mut ethertype: u16, mut payload: &[u8]) -> Result<Segment<'_>, Skip> {
    for _ in 0..=MAX_VLAN_TAGS {
        match ethertype {
            ETHERTYPE_IPV4 => return ipv4(payload),
            ETHERTYPE_IPV6 => return ipv6(payload),
            t if ETHERTYPE_VLAN.contains(&t) => {
                ethertype = be16(payload, 2)?;
                payload = payload.get(4..).ok_or(Skip::Truncated)?;
            }
            _ => return Err(Skip::NotIp),
        }
    }
    Err(Skip::BadHeader)
}

fn raw_ip(packet: &[u8]) -> Result<Segment<'_>, Skip> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => ipv4(packet),
        Some(6) => ipv6(packet),
        Some(_) => Err(Skip::NotIp),
        None => Err(Skip::Truncated),
    }
}

fn ipv4(packet: &[u8]) -> Result<Segment<'_>, Skip> {
    let head = packet.get(..20).ok_or(Skip::Truncated)?;
    if head[0] >> 4 != 4 {
        return Err(Skip::BadHeader);
    }
    let ihl = usize::from(head[0] & 0x0f) * 4;
    if ihl < 20 {
        return Err(Skip::BadHeader);
    }
    let total = usize::from(u16::from_be_bytes([head[2], head[3]]));
    let fragment = u16::from_be_bytes([head[6], head[7]]);
    if fragment & 0x3fff != 0 {
        return Err(Skip::Fragment);
    }
    if head[9] != 6 {
        return Err(Skip::NotTcp);
    }
    // A total length of 0 is what segmentation offload leaves in captures of large sends.
    let end = if total == 0 { packet.len() } else { total.min(packet.len()) };
    if end < ihl {
        return Err(Skip::BadHeader);
    }
    let missing = total.saturating_sub(packet.len());
    let src = IpAddr::V4(Ipv4Addr::new(head[12], head[13], head[14], head[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(head[16], head[17], head[18], head[19]));
    tcp(src, dst, packet.get(ihl..end).ok_or(Skip::Truncated)?, missing)
}

fn ipv6(packet: &[u8]) -> Result<Segment<'_>, Skip> {
    let head = packet.get(..40).ok_or(Skip::Truncated)?;
    if head[0] >> 4 != 6 {
        return Err(Skip::BadHeader);
    }
    let payload_len = usize::from(u16::from_be_bytes([head[4], head[5]]));
    let mut next = head[6];
    let src = IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(&head[8..24]).map_err(|_| Skip::Truncated)?));
    let dst = IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(&head[24..40]).map_err(|_| Skip::Truncated)?));
    let rest = packet.get(40..).unwrap_or_default();
    let missing = payload_len.saturating_sub(rest.len());
    // A payload length of 0 is a jumbogram or an offloaded send: take what was captured.
    let mut rest =
        if payload_len == 0 { rest } else { rest.get(..payload_len.min(rest.len())).unwrap_or_default() };
    for _ in 0..MAX_IPV6_EXTENSIONS {
        match next {
            6 => return tcp(src, dst, rest, missing),
            // Hop-by-hop, routing, destination options.
            0 | 43 | 60 => {
                let len = (usize::from(*rest.get(1).ok_or(Skip::Truncated)?) + 1) * 8;
                next = rest[0];
                rest = rest.get(len..).ok_or(Skip::Truncated)?;
            }
            // Authentication header.
            51 => {
                let len = (usize::from(*rest.get(1).ok_or(Skip::Truncated)?) + 2) * 4;
                next = rest[0];
                rest = rest.get(len..).ok_or(Skip::Truncated)?;
            }
            44 => return Err(Skip::Fragment),
            _ => return Err(Skip::NotTcp),
        }
    }
    Err(Skip::BadHeader)
}

fn tcp(src: IpAddr, dst: IpAddr, segment: &[u8], missing: usize) -> Result<Segment<'_>, Skip> {
    let head = segment.get(..20).ok_or(Skip::Truncated)?;
    let offset = usize::from(head[12] >> 4) * 4;
    if offset < 20 {
        return Err(Skip::BadHeader);
    }
    let payload = segment.get(offset..).ok_or(Skip::Truncated)?;
    Ok(Segment {
        src,
        dst,
        sport: u16::from_be_bytes([head[0], head[1]]),
        dport: u16::from_be_bytes([head[2], head[3]]),
        seq: u32::from_be_bytes([head[4], head[5], head[6], head[7]]),
        flags: head[13],
        payload,
        missing,
    })
}

fn be16(bytes: &[u8], at: usize) -> Result<u16, Skip> {
    match bytes.get(at..at + 2) {
        Some(&[a, b]) => Ok(u16::from_be_bytes([a, b])),
        _ => Err(Skip::Truncated),
    }
}
