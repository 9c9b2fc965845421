//! The capture container: pcap (both byte orders, microsecond and nanosecond timestamps,
//! the "modified" Kuznetzov variant) and pcapng (both byte orders, several sections and
//! interfaces), read incrementally with pcap-parser's block parsers.
//!
//! pcap-parser's own readers (`PcapReader`, `PcapNGReader`) pull from an `io::Read`; the core
//! has no IO and is fed chunks, so this module frames the units itself (the 24-byte file
//! header, 16-byte record headers, pcapng block lengths), checks each declared length against
//! a cap *before* buffering anything, and hands each complete unit to pcap-parser. A unit
//! that straddles two chunks is the only thing copied (into `carry`, at most one unit), so
//! memory stays bounded whatever the file's size and the bytes of a packet are otherwise
//! borrowed from the caller's chunk.

use pcap_parser::traits::PcapNGPacketBlock;
use pcap_parser::{Block, parse_block_be, parse_block_le, parse_pcap_header};

use super::PcapError;

/// The largest packet record accepted (libpcap's own snaplen maximum is 256 KiB).
pub const MAX_PACKET_LEN: usize = 1 << 20;
/// The largest pcapng block accepted (a packet block, or a section header with options).
pub const MAX_BLOCK_LEN: usize = 4 << 20;

const PCAP_HEADER_LEN: usize = 24;
const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_BOM: u32 = 0x1A2B_3C4D;

/// One captured packet, borrowed from the input.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawPacket<'a> {
    /// The link type of the interface it was captured on.
    pub linktype: i32,
    /// The captured bytes (possibly fewer than the packet had on the wire).
    pub data: &'a [u8],
    /// The packet's length on the wire.
    pub orig_len: u32,
    /// The capture time, nanoseconds since the Unix epoch, when the container gives one.
    pub ts_ns: Option<u64>,
}

/// The container's format, once its header is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Classic pcap.
    Pcap {
        /// Big-endian file.
        big_endian: bool,
        /// Nanosecond timestamps.
        nanos: bool,
        /// The "modified" format (`a1b2cd34`) with 24-byte record headers.
        modified: bool,
        /// The file's link type.
        linktype: i32,
    },
    /// pcapng.
    PcapNg {
        /// The current section is big-endian.
        big_endian: bool,
    },
}

/// An interface of a pcapng section.
#[derive(Clone, Copy, Debug)]
struct Interface {
    linktype: i32,
    /// Timestamp units per second.
    resolution: u64,
}

#[derive(Debug)]
enum State {
    /// Nothing read yet.
    Start,
    /// Reading units of a known format.
    Reading(Format),
    /// The file is damaged from here on; the rest is counted, not read.
    Stopped,
}

/// Incremental reader of a capture container.
#[derive(Debug)]
pub(crate) struct Container {
    state: State,
    /// The bytes of a unit that straddles chunks (at most one unit).
    carry: Vec<u8>,
    /// Bytes of the file consumed so far.
    offset: u64,
    /// pcapng interfaces of the current section.
    interfaces: Vec<Interface>,
    /// The last format seen (kept when reading stops).
    format: Option<Format>,
    /// Why reading stopped early, if it did.
    pub damage: Option<String>,
}

/// What to do with the next unit.
enum Unit {
    /// A unit of this many bytes starts here.
    Len(usize),
    /// More bytes are needed to know (at most this many in all).
    NeedHeader(usize),
    /// The declared length is impossible: the file is damaged here.
    Damaged(&'static str),
}

impl Container {
    pub(crate) fn new() -> Self {
        Self {
            state: State::Start,
            carry: Vec::new(),
            offset: 0,
            interfaces: Vec::new(),
            format: None,
            damage: None,
        }
    }

    /// The format, once the header is read.
    pub(crate) fn format(&self) -> Option<Format> {
        self.format
    }

    /// Feeds the next chunk of the file; `on_packet` receives every complete packet and
    /// `on_interface` every interface's link type as it is declared.
    pub(crate) fn push(
        &mut self,
        mut chunk: &[u8],
        on_packet: &mut dyn FnMut(RawPacket<'_>),
        on_interface: &mut dyn FnMut(i32),
    ) -> Result<(), PcapError> {
        while !chunk.is_empty() {
            if matches!(self.state, State::Stopped) {
                self.offset += chunk.len() as u64;
                return Ok(());
            }
            if self.carry.is_empty() {
                match self.unit_len(chunk)? {
                    Unit::Damaged(reason) => self.stop(reason.into()),
                    Unit::Len(n) if n <= chunk.len() => {
                        let (unit, rest) = chunk.split_at(n);
                        self.unit(unit, on_packet, on_interface)?;
                        self.offset += n as u64;
                        chunk = rest;
                    }
                    Unit::Len(_) | Unit::NeedHeader(_) => {
                        self.carry.extend_from_slice(chunk);
                        return Ok(());
                    }
                }
            } else {
                let want = match self.unit_len(&self.carry)? {
                    Unit::Len(n) | Unit::NeedHeader(n) => n,
                    Unit::Damaged(reason) => {
                        self.carry.clear();
                        self.stop(reason.into());
                        continue;
                    }
                };
                let take = want.saturating_sub(self.carry.len()).min(chunk.len()).max(1);
                let (head, rest) = chunk.split_at(take.min(chunk.len()));
                self.carry.extend_from_slice(head);
                chunk = rest;
                match self.unit_len(&self.carry)? {
                    Unit::Len(n) if self.carry.len() >= n => {
                        let carry = std::mem::take(&mut self.carry);
                        let (unit, extra) = carry.split_at(n);
                        self.unit(unit, on_packet, on_interface)?;
                        self.offset += n as u64;
                        // Only possible when a header request over-read; re-feed it.
                        let extra = extra.to_vec();
                        if !extra.is_empty() {
                            self.push(&extra, on_packet, on_interface)?;
                        }
                    }
                    // The header just completed declares an impossible length.
                    Unit::Damaged(reason) => {
                        self.carry.clear();
                        self.stop(reason.into());
                    }
                    Unit::Len(_) | Unit::NeedHeader(_) => {}
                }
            }
        }
        Ok(())
    }

    /// Ends the input: an error if not even the header was complete, otherwise a
    /// warning for a last unit cut short.
    pub(crate) fn finish(&mut self) -> Result<Option<String>, PcapError> {
        match self.state {
            State::Start => {
                if self.carry.is_empty() {
                    Err(PcapError::Empty)
                } else {
                    // unit_len already rejected a wrong magic; the header is just short.
                    let need = match self.unit_len(&self.carry)? {
                        Unit::Len(n) | Unit::NeedHeader(n) => n,
                        Unit::Damaged(_) => PCAP_HEADER_LEN,
                    };
                    Err(PcapError::TruncatedHeader { have: self.carry.len(), need })
                }
            }
            State::Reading(_) if !self.carry.is_empty() => {
                let need = match self.unit_len(&self.carry) {
                    Ok(Unit::Len(n) | Unit::NeedHeader(n)) => n,
                    Ok(Unit::Damaged(_)) | Err(_) => 0,
                };
                Ok(Some(format!(
                    "the last record is truncated ({} of {need} bytes, at byte {}): the capture was cut short",
                    self.carry.len(),
                    self.offset
                )))
            }
            _ => Ok(None),
        }
    }

    /// The length of the unit starting at `buf`, checked against the caps.
    fn unit_len(&self, buf: &[u8]) -> Result<Unit, PcapError> {
        match self.state {
            State::Start => {
                let Some(magic) = buf.get(..4) else { return Ok(Unit::NeedHeader(4)) };
                let le = u32::from_le_bytes([magic[0], magic[1], magic[2], magic[3]]);
                match le {
                    0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34 | 0xd4c3_b2a1 | 0x4d3c_b2a1 => {
                        Ok(Unit::Len(PCAP_HEADER_LEN))
                    }
                    PCAPNG_SHB => self.pcapng_block_len(buf, None),
                    _ => Err(PcapError::NotACapture { start: hex_start(buf) }),
                }
            }
            State::Reading(Format::Pcap { big_endian, modified, .. }) => {
                let header = if modified { 24 } else { 16 };
                let Some(caplen) = buf.get(8..12) else { return Ok(Unit::NeedHeader(header)) };
                let caplen = read_u32(caplen, big_endian) as usize;
                if caplen > MAX_PACKET_LEN {
                    return Ok(Unit::Damaged("a packet record declares more than 1 MiB"));
                }
                Ok(Unit::Len(header + caplen))
            }
            State::Reading(Format::PcapNg { big_endian }) => self.pcapng_block_len(buf, Some(big_endian)),
            State::Stopped => Ok(Unit::Len(buf.len().max(1))),
        }
    }

    /// The length of the pcapng block at `buf`; a section header block carries its own
    /// byte order.
    fn pcapng_block_len(&self, buf: &[u8], big_endian: Option<bool>) -> Result<Unit, PcapError> {
        let Some(head) = buf.get(..12) else { return Ok(Unit::NeedHeader(12)) };
        let block_type = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let big_endian = if block_type == PCAPNG_SHB {
            let bom = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
            if bom == PCAPNG_BOM {
                false
            } else if bom == PCAPNG_BOM.swap_bytes() {
                true
            } else if matches!(self.state, State::Start) {
                return Err(PcapError::NotACapture { start: hex_start(buf) });
            } else {
                return Ok(Unit::Damaged("a pcapng section header has no byte-order magic"));
            }
        } else {
            big_endian.unwrap_or(false)
        };
        let len = read_u32(&head[4..8], big_endian) as usize;
        if !(12..=MAX_BLOCK_LEN).contains(&len) || !len.is_multiple_of(4) {
            if matches!(self.state, State::Start) {
                return Err(PcapError::NotACapture { start: hex_start(buf) });
            }
            return Ok(Unit::Damaged("a pcapng block declares an impossible length"));
        }
        Ok(Unit::Len(len))
    }

    /// Marks the rest of the file as unreadable.
    fn stop(&mut self, reason: String) {
        self.damage =
            Some(format!("the capture is damaged at byte {}: {reason}; the rest was not read", self.offset));
        self.state = State::Stopped;
    }

    /// Reads one complete unit.
    fn unit(
        &mut self,
        unit: &[u8],
        on_packet: &mut dyn FnMut(RawPacket<'_>),
        on_interface: &mut dyn FnMut(i32),
    ) -> Result<(), PcapError> {
        match self.state {
            State::Start => {
                if unit.len() == PCAP_HEADER_LEN
                    && u32::from_le_bytes([unit[0], unit[1], unit[2], unit[3]]) != PCAPNG_SHB
                {
                    let Ok((_, header)) = parse_pcap_header(unit) else {
                        return Err(PcapError::NotACapture { start: hex_start(unit) });
                    };
                    let linktype = header.network.0;
                    if !super::decode::is_supported(linktype) {
                        return Err(PcapError::UnsupportedLinkType { linktype });
                    }
                    let format = Format::Pcap {
                        big_endian: header.is_bigendian(),
                        nanos: header.is_nanosecond_precision(),
                        modified: header.is_modified_format(),
                        linktype,
                    };
                    on_interface(linktype);
                    self.format = Some(format);
                    self.state = State::Reading(format);
                } else {
                    self.pcapng_block(unit, on_packet, on_interface, true)?;
                }
            }
            State::Reading(Format::Pcap { big_endian, nanos, modified, linktype }) => {
                if unit.len() < 16 {
                    return Ok(());
                }
                let ts_sec = u64::from(read_u32(&unit[0..4], big_endian));
                let ts_frac = u64::from(read_u32(&unit[4..8], big_endian));
                let orig_len = read_u32(&unit[12..16], big_endian);
                let header = if modified { 24 } else { 16 };
                let data = unit.get(header..).unwrap_or_default();
                let ts_ns = ts_sec * 1_000_000_000 + if nanos { ts_frac } else { ts_frac * 1000 };
                on_packet(RawPacket { linktype, data, orig_len, ts_ns: Some(ts_ns) });
            }
            State::Reading(Format::PcapNg { .. }) => {
                self.pcapng_block(unit, on_packet, on_interface, false)?
            }
            State::Stopped => {}
        }
        Ok(())
    }

    fn pcapng_block(
        &mut self,
        unit: &[u8],
        on_packet: &mut dyn FnMut(RawPacket<'_>),
        on_interface: &mut dyn FnMut(i32),
        first: bool,
    ) -> Result<(), PcapError> {
        let big_endian = match self.state {
            State::Reading(Format::PcapNg { big_endian }) => big_endian,
            _ => false,
        };
        let parsed = if big_endian { parse_block_be(unit) } else { parse_block_le(unit) };
        let parsed = match parsed {
            Ok((_, block)) => block,
            Err(_) if first => return Err(PcapError::NotACapture { start: hex_start(unit) }),
            Err(e) => {
                self.stop(format!("an unreadable pcapng block ({e:?})"));
                return Ok(());
            }
        };
        // A section header may switch the byte order (and resets the interfaces).
        let parsed = match parsed {
            Block::SectionHeader(shb) => {
                let format = Format::PcapNg { big_endian: shb.big_endian() };
                self.interfaces.clear();
                self.format = Some(format);
                self.state = State::Reading(format);
                return Ok(());
            }
            _ if first => return Err(PcapError::NotACapture { start: hex_start(unit) }),
            other => other,
        };
        match parsed {
            Block::InterfaceDescription(idb) => {
                let linktype = idb.linktype.0;
                let resolution = idb.ts_resolution().unwrap_or(1_000_000).max(1);
                if self.interfaces.len() < 1024 {
                    self.interfaces.push(Interface { linktype, resolution });
                }
                on_interface(linktype);
            }
            Block::EnhancedPacket(epb) => {
                let Some(iface) = self.interfaces.get(epb.if_id as usize).copied() else {
                    on_packet(RawPacket { linktype: -1, data: &[], orig_len: epb.origlen, ts_ns: None });
                    return Ok(());
                };
                let ticks = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let ns = u128::from(ticks) * 1_000_000_000 / u128::from(iface.resolution);
                on_packet(RawPacket {
                    linktype: iface.linktype,
                    data: epb.packet_data(),
                    orig_len: epb.origlen,
                    ts_ns: u64::try_from(ns).ok(),
                });
            }
            Block::SimplePacket(spb) => {
                let linktype = self.interfaces.first().map_or(-1, |i| i.linktype);
                on_packet(RawPacket {
                    linktype,
                    data: spb.packet_data(),
                    orig_len: spb.origlen,
                    ts_ns: None,
                });
            }
            _ => {}
        }
        Ok(())
    }
}

fn read_u32(bytes: &[u8], big_endian: bool) -> u32 {
    let b = [
        bytes.first().copied().unwrap_or(0),
        bytes.get(1).copied().unwrap_or(0),
        bytes.get(2).copied().unwrap_or(0),
        bytes.get(3).copied().unwrap_or(0),
    ];
    if big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
}

/// The first four bytes of the input (where the magic number is) in hex, for an error.
fn hex_start(buf: &[u8]) -> String {
    buf.iter().take(4).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}
