//! mxray-core: everything in mxray that decides, and nothing that waits.
//!
//! This crate performs no IO: no sockets, no files, no clock, no environment, no async
//! runtime. Bytes come in as slices and go out into caller-owned `Vec<u8>`s; time,
//! randomness and trust anchors are parameters. That keeps every decision testable
//! deterministically and lets the same code run natively and in `wasm32-unknown-unknown`.
//!
//! - [`client_ports`]: the client-facing ports of a mail domain (submission, IMAP, POP3,
//!   Sieve, HTTPS): candidate names (MX, usual names, RFC 6186/8314 SRV, `--host`), name
//!   coverage, plaintext login exposure, DANE, findings.
//! - [`dane`]: DANE for SMTP (RFC 7672): TLSA records, their RFC 7218 mnemonics, and the
//!   match of usages 2/3 against a presented chain with the RFC 7672 consequences.
//! - [`dns`]: the DNS answer model (DNSSEC status, NXDOMAIN/NODATA/error outcomes) and
//!   what an MX answer means for mail (implicit MX, null MX).
//! - [`domain`]: the report model of `mxray domain` (MX hosts, addresses, names, DANE,
//!   the summary row) and the pure decisions behind its summary words.
//! - [`http_redirect`]: the plain-HTTP (port 80) probe's request, bounded response-head
//!   reader and verdict (redirect to HTTPS, plaintext content, …) with findings.
//! - [`grade`]: the grading rule sets: SSL-Labs-style letter with caps, Mozilla profiles,
//!   NCSC-NL classes, the mail posture (opportunistic TLS on port 25).
//! - [`policy`]: mail policy records: MTA-STS (record, policy file, MX matching), TLS-RPT,
//!   SPF and DMARC, each with findings.
//! - [`headers`]: mail header analysis: the hop timeline of `Received:` fields, each hop's
//!   TLS as the MTA wrote it, graded, and the authentication results.
//! - [`mta_profiles`]: sending-MTA ClientHello profiles (captured from real MTAs) and the
//!   simulation of which of them could negotiate with a scanned server.
//! - [`probe`]: sans-IO planners that decide the next ClientHello of a scan (versions,
//!   suites and server order, groups, signature schemes, session features).
//! - [`registry`]: the IANA TLS registries (cipher suites, groups, signature schemes,
//!   extensions, alerts, compression methods, versions), generated from data files.
//! - [`sim`]: simulated TLS servers, test infrastructure for the planners.
//! - [`report`]: the scan report model (`mxray scan --json`), versioned and documented.
//! - [`starttls`]: the SMTP, LMTP, IMAP, POP3 and ManageSieve STARTTLS dialogues as sans-IO
//!   machines, for driving a dialogue or observing a captured one.
//! - [`target`]: what a scan target string (`smtp://mx.example.org`, `host:993`) means.
//! - [`wire`]: the TLS/SSL wire codecs: record layer, handshake framing, ClientHello
//!   encoder/decoder, and decoders for every server message a scanner reads.
//! - [`x509`]: certificate chain analysis: names, keys, signatures, validity, trust, and
//!   the three validation levels.
#![forbid(unsafe_code)]

pub mod client_ports;
pub mod dane;
pub mod dns;
pub mod domain;
pub mod grade;
pub mod headers;
pub mod http_redirect;
pub mod mta_profiles;
pub mod pcap;
pub mod policy;
pub mod probe;
pub mod registry;
pub mod report;
pub mod sim;
pub mod starttls;
pub mod target;
pub mod wire;
pub mod x509;

#[doc(hidden)]
pub mod fuzzing;
